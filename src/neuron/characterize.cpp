#include "neuron/characterize.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <nlopt.hpp>

#include "circuit/netlist.hpp"
#include "circuit/transient.hpp"
#include "core/error.hpp"
#include "core/progress.hpp"
#include "device/experiment.hpp"
#include "neuron/paper.hpp"
#include "neuron/targets.hpp"

namespace ionsim::neuron {

namespace {

// The column of a circuit result, by name.
const std::vector<double>& column_of(const circuit::tran_result& r, const std::string& name) {
  const auto it = std::find(r.names.begin(), r.names.end(), name);
  IONSIM_ASSERT(it != r.names.end());
  return r.values[static_cast<std::size_t>(it - r.names.begin())];
}

nlohmann::json stats(const std::vector<double>& x) {
  const auto s = describe(x);
  nlohmann::json j = {{"n", s.n}};
  if (s.n) {
    j["mean"] = s.mean;
    j["std"] = s.std;
    j["median"] = s.median;
  }
  return j;
}

// Least-squares logistic p(V) = 1 / (1 + exp(-(V - v50) / width)).
std::pair<double, double> fit_sigmoid(const std::vector<double>& v, const std::vector<double>& p) {
  nlopt::opt opt(nlopt::LN_BOBYQA, 2);
  opt.set_lower_bounds({v.front() - 0.5, 1e-4});
  opt.set_upper_bounds({v.back() + 0.5, 1.0});
  opt.set_xtol_rel(1e-8);
  opt.set_maxeval(2000);
  struct data {
    const std::vector<double>* v;
    const std::vector<double>* p;
  } d{&v, &p};
  opt.set_min_objective(
      [](const std::vector<double>& x, std::vector<double>&, void* raw) {
        const auto* dd = static_cast<data*>(raw);
        double ss = 0;
        for (std::size_t k = 0; k < dd->v->size(); ++k) {
          const double m = 1.0 / (1.0 + std::exp(-((*dd->v)[k] - x[0]) / x[1]));
          ss += (m - (*dd->p)[k]) * (m - (*dd->p)[k]);
        }
        return ss;
      },
      &d);
  std::vector<double> x = {0.5 * (v.front() + v.back()), 0.05};
  double f = 0;
  try {
    opt.optimize(x, f);
  } catch (const nlopt::roundoff_limited&) {
    // BOBYQA stopped at the limit of roundoff: x holds the best point it found.
  }
  return {x[0], x[1]};
}

// The memristor's .model card with every parameter of the preset.
std::string memristor_card(const neuron_circuit& n) {
  std::string card = fmt::format(".model dm memristor(model={}", n.memristor.model());
  for (const auto& [name, value] : param_values(n.memristor))
    card += fmt::format("\n+ {}={:.17g}", name, value);
  return card + ")";
}

}  // namespace

std::string neuron_netlist(const neuron_circuit& n, const stimulus& s) {
  const std::string card = memristor_card(n);
  return fmt::format(
      "1M1T1R neuron (ionsim neuron characterize)\n"
      "Vin in 0 {}\n"
      "Ymem in gate dm\n"
      "Cg gate 0 {:.17g}\n"
      "Rc gate 0 {:.17g}\n"
      "M1 drain gate 0 0 nm W=1u L=1u\n"
      "Rl vdd drain {:.17g}\n"
      "Vdd vdd 0 DC {:.17g}\n"
      "{}"
      ".model nm nmos(level=1 vto={:.17g} kp={:.17g} lambda=0)\n"
      "{}\n"
      ".options reltol=1e-4 abstol=1e-16 vntol=1e-9 method=gear\n"
      ".tran 2u {:.17g} 0 {:.17g}\n"
      ".save v(gate) i(vdd)\n"
      ".end\n",
      s.source, n.c_g, n.r_c, n.r_l, n.v_dd,
      n.c_l > 0 ? fmt::format("Cl drain 0 {:.17g}\n", n.c_l) : std::string(), n.vto, n.kp, card,
      s.tstop, s.tmax);
}

std::string cascade_netlist(const neuron_circuit& n, const coupling& c, const stimulus& s) {
  const std::string card = memristor_card(n);
  return fmt::format(
      "Two 1M1T1R neurons in cascade (ionsim neuron characterize)\n"
      "Vin in1 0 {}\n"
      "* neuron 1, its load on the coupling supply\n"
      "Y1 in1 gate1 dm\nCg1 gate1 0 {:.17g}\nRc1 gate1 0 {:.17g}\n"
      "M1 drain1 gate1 0 0 nm W=1u L=1u\nRl1 vc drain1 {:.17g}\n"
      "* coupling: PMOS pull-up on neuron 2's input, resistor pull-down\n"
      "Vc vc 0 DC {:.17g}\n"
      "Mc in2 drain1 vc vc pm W=1u L=1u\nRp in2 0 {:.17g}\n"
      "* neuron 2\n"
      "Y2 in2 gate2 dm\nCg2 gate2 0 {:.17g}\nRc2 gate2 0 {:.17g}\n"
      "M2 drain2 gate2 0 0 nm W=1u L=1u\nRl2 vdd drain2 {:.17g}\nVdd vdd 0 DC {:.17g}\n"
      ".model nm nmos(level=1 vto={:.17g} kp={:.17g} lambda=0)\n"
      ".model pm pmos(level=1 vto={:.17g} kp={:.17g} lambda=0)\n"
      "{}\n"
      ".options reltol=1e-4 abstol=1e-16 vntol=1e-9 method=gear\n"
      ".tran 2u {:.17g} 0 {:.17g}\n"
      ".save v(gate1) v(gate2) v(in2)\n"
      ".end\n",
      s.source, n.c_g, n.r_c, n.r_l, c.v_couple, c.r_pull, n.c_g, n.r_c, n.r_l, n.v_dd, n.vto, n.kp,
      c.vtp, c.kp, card, s.tstop, s.tmax);
}

std::vector<double> spike_times(const std::vector<double>& t, const std::vector<double>& v,
                                double level, double rearm) {
  std::vector<double> out;
  bool armed = true;
  for (std::size_t k = 1; k < t.size(); ++k) {
    if (armed && v[k - 1] < level && v[k] >= level) {
      out.push_back(t[k - 1] + (level - v[k - 1]) * (t[k] - t[k - 1]) / (v[k] - v[k - 1]));
      armed = false;
    } else if (!armed && v[k] < rearm) {
      armed = true;
    }
  }
  return out;
}

neuron_circuit without_noise(neuron_circuit n) {
  n.memristor = ionsim::without_noise(std::move(n.memristor));
  return n;
}

namespace {

// The energy configurations: one input pulse that ends shortly after the neuron's first spike
// (found by a first run under constant input), then rest while V_g decays; the energy delivered
// by every source over the run (circuit engine, noise off).
struct energy_case {
  const char* label;
  const char* preset;  // nullptr: the characterized neuron
  double amplitude;    // [V]
  double search;       // [s] longest wait for the first spike
  double tmax;         // [s] largest step
  const char* paper;
};

// PHYSICS.md §7: reference figures for comparison.
nlohmann::json energy_references() {
  auto row = [](const char* system, const char* figure, nlohmann::json joules, const char* source) {
    return nlohmann::json{
        {"system", system}, {"figure", figure}, {"energy_per_spike_J", joules}, {"source", source}};
  };
  return nlohmann::json::array(
      {row("1M1T1R, measured circuit (paper)", "about 1 pJ/spike at 0.45 V input, ~4 um^2", 1e-12,
           "Zhao et al., Nat. Electron. 8, 1211 (2025)"),
       row("1M1T1R, 65 nm (paper, Table 7)", "1.39 pJ/spike", 1.39e-12, "Zhao et al. 2025"),
       row("1M1T1R, 3 nm projection (paper, Table 8)", "about 1 aJ/spike", 1e-18,
           "Zhao et al. 2025"),
       row("65 nm CMOS Morris-Lecar-type neuron", "about 4 fJ/spike", 4e-15,
           "Sourikopoulos et al., Front. Neurosci. 11:123 (2017)"),
       row("28 nm CMOS LIF neuron", "1.61 fJ/spike, 34 um^2", 1.61e-15,
           "Besrour et al., arXiv:2408.07734"),
       row("65 nm analog LIF", "2.1 pJ/spike, 20 pJ per synaptic op", 2.1e-12,
           "JLPEA 13:55 (2023)"),
       row("Intel Loihi (14 nm)", "about 23.6 pJ per synaptic op; 60 mm^2, 131,072 neurons",
           nullptr, "Davies et al., IEEE Micro (2018)"),
       row("IBM TrueNorth (28 nm)", "about 26 pJ per synaptic event; 1 M neurons, 63 mW", nullptr,
           "Merolla et al., Science 345:668 (2014)"),
       row("human brain", "about 20 W, 8.6e10 neurons, 1e14-1e15 synapses", nullptr,
           "textbook figures")});
}

// Runs the protocols' ensembles of the compact neuron with one progress bar per protocol.
class protocol_runner {
 public:
  protocol_runner(const neuron_circuit& n, const characterize_options& o) : n_(n), o_(o) {}

  const neuron_circuit& neuron() const { return n_; }
  const characterize_options& options() const { return o_; }

  // Starts a protocol: a bar over its trials (none for a protocol without ensembles).
  void step(const char* what, int trials = 0) {
    bar_.reset();
    if (o_.on_step) o_.on_step(what);
    if (trials > 0) bar_ = std::make_unique<progress>(what, trials, o_.progress);
    bar_done_ = 0;
  }

  std::vector<trial> ensemble(const pulse_input& in, int trials, ensemble_options eo) {
    eo.seed = o_.seed;
    const int offset = bar_done_;
    if (bar_) eo.on_trials_done = [this, offset](int done) { bar_->update(offset + done); };
    auto out = run_ensemble(n_, in, trials, eo);
    bar_done_ += trials;
    return out;
  }

 private:
  const neuron_circuit& n_;
  const characterize_options& o_;
  std::unique_ptr<progress> bar_;
  int bar_done_ = 0;
};

nlohmann::json neuron_json(const neuron_circuit& n, const characterize_options& o) {
  return {{"memristor_model", std::string(n.memristor.model())},
          {"memristor_parameters", n.memristor.source},
          {"c_g_F", n.c_g},
          {"r_c_ohm", n.r_c},
          {"r_l_ohm", n.r_l},
          {"v_dd_V", n.v_dd},
          {"vto_V", n.vto},
          {"kp_A_per_V2", n.kp},
          {"spike_level_V", n.v_spike},
          {"rearm_level_V", n.v_rearm},
          {"dt_s", config_dt(n.memristor)},
          {"seed", o.seed}};
}

// Threshold firing and integration: Fig. 2e.
nlohmann::json threshold_firing(protocol_runner& run) {
  const int trials_n = run.options().trials;
  run.step("threshold firing and integration (Fig. 2e)", trials_n);
  const double period = paper::fig2e_input.period;
  ensemble_options eo;
  eo.t_end = 0.3;
  const auto trials = run.ensemble(paper::fig2e_input, trials_n, eo);
  std::vector<double> first, pulses;
  std::vector<std::vector<double>> spikes;
  for (const auto& t : trials) {
    spikes.push_back(t.spikes);
    if (!t.spikes.empty()) {
      first.push_back(t.spikes.front());
      pulses.push_back(paper::pulse_number(t.spikes.front(), period));
    }
  }
  return {{"stimulus", "0.8 V pulses, 2 ms period, 50 % duty, 300 ms"},
          {"trials", trials_n},
          {"spikes_s", spikes},
          {"first_spike_s", stats(first)},
          {"pulses_to_first_spike", stats(pulses)},
          {"paper",
           {{"pulses_to_first_spike", paper::fig2e_pulses},
            {"first_spike_s", paper::fig2e_first_spike}}}};
}

// Leaky integration: Fig. 3b.
nlohmann::json leaky_integration(protocol_runner& run) {
  const int trials_n = run.options().trials;
  run.step("leaky integration (Fig. 3b)", 5 * trials_n);
  nlohmann::json rows = nlohmann::json::array();
  for (double gap : {0.4e-3, 0.6e-3, 0.8e-3, 1.0e-3, 1.2e-3}) {
    const double period = 1e-3 + gap;
    ensemble_options eo;
    eo.t_end = 0.3;
    eo.stop_after_spikes = 1;
    const auto trials = run.ensemble({0.9, 1e-3, period}, trials_n, eo);
    std::vector<double> pulses;
    for (const auto& t : trials)
      if (!t.spikes.empty()) pulses.push_back(paper::pulse_number(t.spikes.front(), period));
    rows.push_back({{"gap_s", gap}, {"pulses_to_fire", stats(pulses)}});
  }
  return {{"stimulus", "0.9 V, 1 ms pulses, gaps 0.4-1.2 ms, 300 ms"},
          {"trials", trials_n},
          {"rows", rows},
          {"paper", "pulses needed to fire grow with the gap (Fig. 3b)"}};
}

// Stochastic threshold: Fig. 3c/d.
nlohmann::json stochastic_threshold(protocol_runner& run) {
  const int trials_n = run.options().threshold_trials;
  run.step("stochastic threshold (Fig. 3c/d)", 7 * trials_n);
  std::vector<double> amps, prob;
  for (int k = 0; k <= 6; ++k) {
    const double a = 0.6 + 0.1 * k;
    ensemble_options eo;
    eo.t_end = paper::fig3_window;
    eo.stop_after_spikes = 1;
    const auto trials = run.ensemble({a, paper::fig3_width, 0, 0, 1}, trials_n, eo);
    int fired = 0;
    for (const auto& t : trials) fired += !t.spikes.empty();
    amps.push_back(a);
    prob.push_back(static_cast<double>(fired) / trials_n);
  }
  const auto [v50, width] = fit_sigmoid(amps, prob);
  return {{"stimulus", "one 15 ms pulse; a trial fires if V_g crosses the level within 16 ms"},
          {"trials_per_amplitude", trials_n},
          {"amplitudes_V", amps},
          {"probability", prob},
          {"sigmoid", {{"v50_V", v50}, {"width_V", width}}},
          {"paper",
           {{"amplitudes_V", paper::fig3_amplitudes}, {"probability", paper::fig3_probability}}}};
}

// Intrinsic plasticity: Fig. 4a/b. The integration time of a pulse is the time from its onset
// to the memristor switching on (R_d < R_c): after a short gap V_g may still be above the spike
// level, so a V_g crossing would miss a switching that did happen.
nlohmann::json intrinsic_plasticity(protocol_runner& run) {
  const int trials_n = run.options().trials;
  run.step("intrinsic plasticity (Fig. 4a/b)", 5 * trials_n);
  nlohmann::json rows = nlohmann::json::array();
  const double width = 20e-3, half_step = 0.5 * config_dt(run.neuron().memristor);
  for (double gap : {3e-3, 30e-3, 80e-3, 200e-3, 1.0}) {
    const double second = width + gap;
    ensemble_options eo;
    eo.t_end = second + width + 1e-3;
    const auto trials = run.ensemble({2.0, width, second, 0, 2}, trials_n, eo);
    std::vector<double> t1, t2;
    int spike2 = 0;
    for (const auto& t : trials) {
      // Switch-on times are step ends: a switch in a pulse's last step is stamped at its end.
      for (double x : t.switch_on)
        if (x <= width + half_step) {
          t1.push_back(x);
          break;
        }
      for (double x : t.switch_on)
        if (x > second + half_step && x <= second + width + half_step) {
          t2.push_back(x - second);
          break;
        }
      for (double x : t.spikes)
        spike2 += x > second + half_step && x <= second + width + half_step ? 1 : 0;
    }
    nlohmann::json row = {{"gap_s", gap},
                          {"first_pulse_s", stats(t1)},
                          {"second_pulse_s", stats(t2)},
                          {"second_pulse_spike_fraction", static_cast<double>(spike2) / trials_n}};
    if (!t1.empty() && !t2.empty())
      row["gain"] = describe(t1).mean / std::max(describe(t2).mean, 1e-12);
    rows.push_back(row);
  }
  return {{"stimulus",
           "two 2 V, 20 ms pulses; integration time = from the pulse's onset to the memristor "
           "switching on (R_d < R_c)"},
          {"trials", trials_n},
          {"rows", rows},
          {"paper",
           "the second pulse fires sooner; the gain fades as the gap grows to 1 s (Fig. 4a/b)"}};
}

// The intervals from the second spike on: the first interval follows the first integration,
// not a refractory period.
void append_isi(const std::vector<double>& spikes, std::vector<double>& isi) {
  for (std::size_t k = 2; k < spikes.size(); ++k) isi.push_back(spikes[k] - spikes[k - 1]);
}

// Refractory period and inter-spike intervals over R_c: Fig. 4d. `nominal_isi` receives the
// intervals at the neuron's own R_c when it is one of the sweep's.
nlohmann::json refractory(protocol_runner& run, nlohmann::json& nominal_isi) {
  const int trials_n = run.options().trials;
  run.step("refractory period over R_c (Fig. 4d)", 5 * trials_n);
  nlohmann::json rows = nlohmann::json::array();
  const double tstop = 0.3;
  for (double rc : {50e6, 100e6, 250e6, 500e6, 1000e6}) {
    ensemble_options eo;
    eo.t_end = tstop;
    eo.r_c = rc;
    const auto trials = run.ensemble({0.8}, trials_n, eo);
    std::vector<double> isi;
    double spikes = 0, locked = 0;
    for (const auto& t : trials) {
      spikes += static_cast<double>(t.spikes.size());
      append_isi(t.spikes, isi);
      locked += t.time_high_tail >= 0.999 * eo.window ? 1 : 0;
    }
    const auto st = describe(isi);
    nlohmann::json row = {{"r_c_ohm", rc},
                          {"spikes_per_trial", spikes / trials_n},
                          {"rate_hz", spikes / trials_n / tstop},
                          {"isi_s", stats(isi)},
                          {"locked_fraction", locked / trials_n}};
    if (st.n > 1 && st.mean > 0) row["isi_cv"] = st.std / st.mean;
    if (std::fabs(rc - run.neuron().r_c) < 1e-6 * rc) nominal_isi = isi;
    rows.push_back(row);
  }
  return {{"stimulus", "constant 0.8 V input for 300 ms; ISI from the 2nd spike on"},
          {"trials", trials_n},
          {"rows", rows},
          {"paper",
           "the mean inter-spike interval grows about tenfold from 50 MOhm "
           "to 1 GOhm (Fig. 4d)"}};
}

// The spread of each device's mean ISI and first spike time under constant 0.8 V, with a
// device-to-device spread `d2d` of mu.
nlohmann::json per_device_spread(protocol_runner& run, double d2d) {
  ensemble_options eo;
  eo.t_end = 0.3;
  eo.d2d = d2d;
  const auto trials = run.ensemble({0.8}, run.options().trials, eo);
  std::vector<double> means, first;
  for (const auto& t : trials) {
    if (!t.spikes.empty()) first.push_back(t.spikes.front());
    if (t.spikes.size() < 4) continue;
    means.push_back((t.spikes.back() - t.spikes[1]) / static_cast<double>(t.spikes.size() - 2));
  }
  const auto m = describe(means), f = describe(first);
  return {{"d2d_mu_rel_std", d2d},
          {"device_mean_isi_s", stats(means)},
          {"device_mean_isi_cv", m.n > 1 ? m.std / m.mean : 0.0},
          {"first_spike_s", stats(first)},
          {"first_spike_cv", f.n > 1 ? f.std / f.mean : 0.0}};
}

// Stochasticity: ISI distribution at the nominal R_c (cycle to cycle), and the spread of each
// device's mean ISI with and without device-to-device variation of mu.
nlohmann::json stochasticity(protocol_runner& run, nlohmann::json nominal_isi) {
  const int trials_n = run.options().trials;
  run.step("stochasticity (cycle-to-cycle and device-to-device)", 3 * trials_n);
  if (nominal_isi.is_null()) {  // the preset's R_c is not one of the R_c sweep's
    ensemble_options eo;
    eo.t_end = 0.3;
    std::vector<double> isi;
    for (const auto& t : run.ensemble({0.8}, trials_n, eo)) append_isi(t.spikes, isi);
    nominal_isi = isi;
  }
  const auto isi = nominal_isi.get<std::vector<double>>();
  const auto st = describe(isi);
  return {
      {"stimulus", fmt::format("constant 0.8 V, R_c = {:g} MOhm, 300 ms", run.neuron().r_c / 1e6)},
      {"isi_s", isi},
      {"isi_cv", st.n > 1 ? st.std / st.mean : 0.0},
      {"cycle_to_cycle", per_device_spread(run, 0.0)},
      {"device_to_device", per_device_spread(run, run.options().d2d)}};
}

// Cascade: neuron 2 fires in response to neuron 1 and stays silent without it (circuit engine,
// noise off: the circuit engine's step control is not made for the noise).
nlohmann::json cascade(protocol_runner& run) {
  run.step("cascade (circuit engine, noise off)");
  const neuron_circuit& n = run.neuron();
  const coupling c;
  const neuron_circuit quiet = without_noise(n);
  nlohmann::json cases = nlohmann::json::array();
  for (const char* src : {"PULSE(0 0.8 0 1u 1u 999u 2m)", "DC 0"}) {
    const circuit::netlist nl =
        circuit::parse_netlist(cascade_netlist(quiet, c, {src, 0.3, 50e-6}), "cascade.cir");
    circuit::run_options ro;
    ro.seed = run.options().seed;
    const auto r = circuit::run_transient(nl, ro);
    const auto s1 = spike_times(r.t, column_of(r, "v(gate1)"), n.v_spike, n.v_rearm);
    const auto s2 = spike_times(r.t, column_of(r, "v(gate2)"), n.v_spike, n.v_rearm);
    cases.push_back({{"input", src}, {"neuron1_spikes_s", s1}, {"neuron2_spikes_s", s2}});
  }
  return {{"coupling",
           {{"v_couple_V", c.v_couple},
            {"r_pull_ohm", c.r_pull},
            {"pmos_vto_V", c.vtp},
            {"pmos_kp_A_per_V2", c.kp}}},
          {"stimulus", "neuron 1 under the Fig. 2e stimulus, and with no input"},
          {"cases", cases}};
}

// The paper's configurations (PHYSICS.md §1).
const energy_case paper_energy_cases[] = {
    {"measured circuit (Table 1)", "zhao2025-table1", 0.45, 1.0, 50e-6,
     "about 1 pJ/spike at 0.45 V input"},
    {"65 nm (Table 7)", "zhao2025-table7", 0.5, 1.0, 50e-6, "1.39 pJ/spike"},
    {"3 nm (Table 8, a projection)", "zhao2025-table8", 0.7, 10e-6, 1e-9, "about 1 aJ/spike"},
};

// One energy configuration at circuit level: a first run finds the first spike under constant
// input, then one pulse of 1.1 x that time and rest while V_g decays; every source's energy.
nlohmann::json circuit_energy(const energy_case& ec, const neuron_circuit& characterized,
                              std::uint64_t seed) {
  const neuron_circuit m = without_noise(ec.preset ? neuron_from_preset(ec.preset) : characterized);
  auto run = [&](double width, double tstop) {
    const stimulus s{fmt::format("PULSE(0 {:.6g} 0 {:.6g} {:.6g} {:.9g} 1)", ec.amplitude, ec.tmax,
                                 ec.tmax, width),
                     tstop, ec.tmax};
    const circuit::netlist nl = circuit::parse_netlist(neuron_netlist(m, s), "energy.cir");
    circuit::run_options ro;
    ro.seed = seed;
    auto r = circuit::run_transient(nl, ro);
    auto sp = spike_times(r.t, column_of(r, "v(gate)"), m.v_spike, m.v_rearm);
    return std::make_pair(std::move(r), std::move(sp));
  };
  const auto first = run(ec.search, ec.search).second;
  nlohmann::json row = {{"configuration", ec.label},
                        {"preset", ec.preset ? ec.preset : characterized.memristor.source},
                        {"half_cg_vin2_J", 0.5 * m.c_g * ec.amplitude * ec.amplitude},
                        {"paper", ec.paper}};
  if (first.empty()) {
    row["stimulus"] = fmt::format("{:g} V: no spike within {:g} s", ec.amplitude, ec.search);
    row["spikes"] = 0;
    return row;
  }
  const double width = 1.1 * first.front(), tstop = width + 5 * m.r_c * m.c_g;
  const auto [r, sp] = run(width, tstop);
  nlohmann::json per_element = nlohmann::json::object();
  double input = 0, supply = 0;
  for (const auto& e : r.energy) {
    per_element[e.element] = e.joules;
    if (e.element == "vin") input -= e.joules;
    if (e.element == "vdd") supply -= e.joules;
  }
  const double k = static_cast<double>(sp.size());
  row["stimulus"] = fmt::format("one {:g} V, {:.3g} ms pulse (1.1 x the first spike time)",
                                ec.amplitude, width * 1e3);
  row["spikes"] = k;
  row["input_J"] = input;
  row["supply_J"] = supply;
  row["per_element_J"] = per_element;
  if (k > 0) {
    row["per_spike_J"] = (input + supply) / k;
    row["input_per_spike_J"] = input / k;
  }
  return row;
}

// Energy per spike: the circuit engine (every element's ∫V·I, noise off) for the characterized
// neuron and the paper's 65 nm and 3 nm configurations, and the compact ensemble under constant
// drive.
nlohmann::json energy(protocol_runner& run) {
  run.step("energy per spike (circuit engine, noise off; compact)", run.options().trials);
  nlohmann::json rows = nlohmann::json::array();
  rows.push_back(circuit_energy({"this neuron", nullptr, 1.0, 0.05, 20e-6, "—"}, run.neuron(),
                                run.options().seed));
  for (const auto& ec : paper_energy_cases)
    rows.push_back(circuit_energy(ec, run.neuron(), run.options().seed));
  // Compact estimate under constant drive, with noise, at the nominal R_c.
  ensemble_options eo;
  eo.t_end = 0.3;
  const auto trials = run.ensemble({0.8}, run.options().trials, eo);
  double e_in = 0, e_sup = 0, spikes = 0;
  for (const auto& t : trials) {
    e_in += t.energy_input;
    e_sup += t.energy_supply;
    spikes += static_cast<double>(t.spikes.size());
  }
  nlohmann::json compact = {{"stimulus", "constant 0.8 V, 300 ms, with noise"}, {"spikes", spikes}};
  if (spikes > 0) {
    compact["input_per_spike_J"] = e_in / spikes;
    compact["supply_per_spike_J"] = e_sup / spikes;
  }
  return {{"circuit", rows}, {"compact", compact}, {"references", energy_references()}};
}

}  // namespace

nlohmann::json spike_energy(const std::string& configuration, std::uint64_t seed) {
  const char* names[] = {"table1", "65nm", "3nm"};
  for (std::size_t k = 0; k < 3; ++k)
    if (configuration == names[k]) {
      // first a short search for the first spike (the 65 nm neuron fires after 16 ms at
      // 0.5 V; the full second of the characterization's search costs 20 s), then the full one
      energy_case ec = paper_energy_cases[k];
      ec.search = std::min(ec.search, 0.05);
      auto row = circuit_energy(ec, neuron_from_preset(ec.preset), seed);
      if (row["spikes"].get<double>() == 0)
        row = circuit_energy(paper_energy_cases[k], neuron_from_preset(ec.preset), seed);
      return row;
    }
  if (configuration == "calibrated")
    return circuit_energy({"zhao2025-calibrated", "zhao2025-calibrated", 1.0, 0.05, 20e-6, "—"},
                          neuron_from_preset("zhao2025-calibrated"), seed);
  throw input_error(fmt::format(
      "energy configuration '{}' is not one of table1, 65nm, 3nm, calibrated", configuration));
}

nlohmann::json characterize(const neuron_circuit& n, const characterize_options& o) {
  if (o.trials < 1 || o.threshold_trials < 1)
    throw input_error("characterize: the trial counts must be at least 1");
  protocol_runner run(n, o);
  nlohmann::json j;
  j["neuron"] = neuron_json(n, o);
  j["fig2e"] = threshold_firing(run);
  j["leaky_integration"] = leaky_integration(run);
  j["stochastic_threshold"] = stochastic_threshold(run);
  j["intrinsic_plasticity"] = intrinsic_plasticity(run);
  nlohmann::json nominal_isi;
  j["refractory"] = refractory(run, nominal_isi);
  j["stochasticity"] = stochasticity(run, std::move(nominal_isi));
  j["cascade"] = cascade(run);
  j["energy"] = energy(run);
  return j;
}

std::string characterize_report(const nlohmann::json& r) {
  auto num = [](const nlohmann::json& s, const char* key, double scale = 1.0) {
    return s.contains(key) && !s[key].is_null()
               ? fmt::format("{:.4g}", s[key].get<double>() * scale)
               : std::string("—");
  };
  auto joules = [](const nlohmann::json& v) {
    if (v.is_null()) return std::string("—");
    const double x = v.get<double>();
    const char* unit[] = {"aJ", "fJ", "pJ", "nJ", "µJ"};
    const double scale[] = {1e-18, 1e-15, 1e-12, 1e-9, 1e-6};
    int k = 0;
    while (k < 4 && std::fabs(x) >= 1000 * scale[k]) ++k;
    return fmt::format("{:.3g} {}", x / scale[k], unit[k]);
  };
  std::string md = "# 1M1T1R neuron: characterization\n\n";
  const auto& n = r["neuron"];
  md += fmt::format(
      "Neuron: memristor `{}` ({}), C_g = {:g} F, R_c = {:g} Ω, R_l = {:g} Ω, V_dd = {:g} V, "
      "NMOS level 1 VTO = {:g} V, KP = {:g} A/V². A spike is V_g rising through {:g} V (counted "
      "again after V_g falls below {:g} V). Trial ensembles: the compact neuron (the circuit's "
      "input side, gate node exact for each step's R_d, step {:g} s); cascade and energy: the "
      "circuit engine, noise "
      "off. Seed {}. Paper: R. Zhao et al., Nature Electronics 8, 1211 (2025), figures as read "
      "by a third party (PHYSICS.md §5).\n\n",
      n["memristor_model"].get<std::string>(), n["memristor_parameters"].get<std::string>(),
      n["c_g_F"].get<double>(), n["r_c_ohm"].get<double>(), n["r_l_ohm"].get<double>(),
      n["v_dd_V"].get<double>(), n["vto_V"].get<double>(), n["kp_A_per_V2"].get<double>(),
      n["spike_level_V"].get<double>(), n["rearm_level_V"].get<double>(), n["dt_s"].get<double>(),
      n["seed"].get<std::uint64_t>());

  const auto& f = r["fig2e"];
  md += "## Threshold firing and integration (Fig. 2e)\n\n";
  md += fmt::format("{}; {} trials; {} fired.\n\n", f["stimulus"].get<std::string>(),
                    f["trials"].get<int>(), f["first_spike_s"]["n"].get<int>());
  md += "| quantity | paper | simulated (mean ± std) |\n|---|---|---|\n";
  md +=
      fmt::format("| pulses to the first spike | {:g} | {} ± {} |\n",
                  f["paper"]["pulses_to_first_spike"].get<double>(),
                  num(f["pulses_to_first_spike"], "mean"), num(f["pulses_to_first_spike"], "std"));
  md += fmt::format("| time to the first spike (ms) | {:g} | {} ± {} |\n\n",
                    f["paper"]["first_spike_s"].get<double>() * 1e3,
                    num(f["first_spike_s"], "mean", 1e3), num(f["first_spike_s"], "std", 1e3));
  md += "![raster](raster.png)\n\n";

  const auto& l = r["leaky_integration"];
  md += "## Leaky integration (Fig. 3b)\n\n";
  md += fmt::format("{}; {} trials. Paper: {}.\n\n", l["stimulus"].get<std::string>(),
                    l["trials"].get<int>(), l["paper"].get<std::string>());
  md += "| gap (ms) | pulses to fire (mean ± std) | trials that fired |\n|---|---|---|\n";
  for (const auto& row : l["rows"])
    md += fmt::format("| {:.1f} | {} ± {} | {} |\n", row["gap_s"].get<double>() * 1e3,
                      num(row["pulses_to_fire"], "mean"), num(row["pulses_to_fire"], "std"),
                      row["pulses_to_fire"]["n"].get<int>());
  md += "\n![leaky integration](leaky.png)\n\n";

  const auto& s = r["stochastic_threshold"];
  md += "## Stochastic threshold (Fig. 3c/d)\n\n";
  md += fmt::format(
      "One 15 ms pulse, {} trials per amplitude. Fitted sigmoid: V50 = {:.3f} V, "
      "width {:.3f} V.\n\n",
      s["trials_per_amplitude"].get<int>(), s["sigmoid"]["v50_V"].get<double>(),
      s["sigmoid"]["width_V"].get<double>());
  md += "| amplitude (V) | paper | simulated |\n|---|---|---|\n";
  const auto& amps = s["amplitudes_V"];
  for (std::size_t k = 0; k < amps.size(); ++k) {
    const double a = amps[k].get<double>();
    std::string paper = "—";
    const auto& pa = s["paper"]["amplitudes_V"];
    for (std::size_t q = 0; q < pa.size(); ++q)
      if (std::fabs(pa[q].get<double>() - a) < 1e-9)
        paper = fmt::format("{:.0f} %", 100 * s["paper"]["probability"][q].get<double>());
    md += fmt::format("| {:.1f} | {} | {:.1f} % |\n", a, paper,
                      100 * s["probability"][k].get<double>());
  }
  md += "\n![stochastic threshold](threshold.png)\n\n";

  const auto& ip = r["intrinsic_plasticity"];
  md += "## Intrinsic plasticity (Fig. 4a/b)\n\n";
  md += fmt::format("{}; {} trials. Paper: {}.\n\n", ip["stimulus"].get<std::string>(),
                    ip["trials"].get<int>(), ip["paper"].get<std::string>());
  md +=
      "| gap (ms) | first pulse (ms) | second pulse (ms) | gain | second pulse spikes |\n"
      "|---|---|---|---|---|\n";
  for (const auto& row : ip["rows"])
    md +=
        fmt::format("| {:g} | {} | {} | {} | {:.0f} % |\n", row["gap_s"].get<double>() * 1e3,
                    num(row["first_pulse_s"], "mean", 1e3), num(row["second_pulse_s"], "mean", 1e3),
                    row.contains("gain") ? fmt::format("{:.2f}", row["gain"].get<double>()) : "—",
                    100 * row["second_pulse_spike_fraction"].get<double>());
  md += "\n![intrinsic plasticity](plasticity.png)\n\n";

  const auto& rf = r["refractory"];
  md += "## Refractory period over R_c (Fig. 4d)\n\n";
  md += fmt::format("{}; {} trials. Paper: {}.\n\n", rf["stimulus"].get<std::string>(),
                    rf["trials"].get<int>(), rf["paper"].get<std::string>());
  md +=
      "| R_c (MΩ) | spikes per trial | rate (Hz) | mean ISI (ms) | ISI CV | locked |\n"
      "|---|---|---|---|---|---|\n";
  for (const auto& row : rf["rows"])
    md += fmt::format(
        "| {:g} | {:.1f} | {:.1f} | {} | {} | {:.0f} % |\n", row["r_c_ohm"].get<double>() / 1e6,
        row["spikes_per_trial"].get<double>(), row["rate_hz"].get<double>(),
        num(row["isi_s"], "mean", 1e3),
        row.contains("isi_cv") ? fmt::format("{:.3f}", row["isi_cv"].get<double>()) : "—",
        100 * row["locked_fraction"].get<double>());
  md +=
      "\n\"Locked\": V_g stayed above the spike level over the last 50 ms (no discrete "
      "spikes).\n\n![refractory period](refractory.png)\n\n";

  const auto& st = r["stochasticity"];
  md += "## Stochasticity\n\n";
  const auto& c2c = st["cycle_to_cycle"];
  const auto& d2d = st["device_to_device"];
  md += fmt::format(
      "{}: ISI coefficient of variation {:.3f} over {} intervals (histogram in isi.png).\n\n"
      "| spread | first spike (ms) | first-spike CV | per-device mean ISI (ms) | its CV across "
      "devices |\n|---|---|---|---|---|\n",
      st["stimulus"].get<std::string>(), st["isi_cv"].get<double>(), st["isi_s"].size());
  for (const auto* c : {&c2c, &d2d})
    md += fmt::format("| {} | {} ± {} | {:.3f} | {} | {:.3f} |\n",
                      (*c)["d2d_mu_rel_std"].get<double>() > 0
                          ? fmt::format("cycle-to-cycle and device-to-device (mu ± {:.0f} %)",
                                        100 * (*c)["d2d_mu_rel_std"].get<double>())
                          : std::string("cycle-to-cycle only"),
                      num((*c)["first_spike_s"], "mean", 1e3),
                      num((*c)["first_spike_s"], "std", 1e3), (*c)["first_spike_cv"].get<double>(),
                      num((*c)["device_mean_isi_s"], "mean", 1e3),
                      (*c)["device_mean_isi_cv"].get<double>());
  md += "\n![ISI distribution](isi.png)\n\n";

  const auto& cs = r["cascade"];
  md += "## Cascade\n\n";
  md += fmt::format(
      "Coupling stage (ionsim's design; the paper's was not recovered): neuron 1's drain drives "
      "the gate of a PMOS pull-up (VTO {:g} V, KP {:g} A/V², source at {:g} V, which also "
      "supplies neuron 1's load) whose drain is neuron 2's input, pulled down by {:g} Ω. "
      "Circuit engine, memristor noise off.\n\n",
      cs["coupling"]["pmos_vto_V"].get<double>(), cs["coupling"]["pmos_kp_A_per_V2"].get<double>(),
      cs["coupling"]["v_couple_V"].get<double>(), cs["coupling"]["r_pull_ohm"].get<double>());
  md +=
      "| neuron 1 input | neuron 1 spikes | first (ms) | neuron 2 spikes | first (ms) |\n"
      "|---|---|---|---|---|\n";
  for (const auto& c : cs["cases"]) {
    const auto& a = c["neuron1_spikes_s"];
    const auto& b = c["neuron2_spikes_s"];
    md += fmt::format(
        "| {} | {} | {} | {} | {} |\n", c["input"].get<std::string>(), a.size(),
        a.empty() ? std::string("—") : fmt::format("{:.3f}", a[0].get<double>() * 1e3), b.size(),
        b.empty() ? std::string("—") : fmt::format("{:.3f}", b[0].get<double>() * 1e3));
  }

  const auto& en = r["energy"];
  md += "\n## Energy per spike\n\n";
  md +=
      "Circuit engine, noise off: one input pulse, energy delivered by the input source and by "
      "the drain supply over the run (every element's ∫V·I is in results.json). ½·C_g·V_in² is "
      "the paper's own accounting (PHYSICS.md §1).\n\n"
      "| configuration | stimulus | spikes | input per spike | total per spike | ½·C_g·V_in² | "
      "paper |\n|---|---|---|---|---|---|---|\n";
  for (const auto& row : en["circuit"])
    md += fmt::format("| {} | {} | {:g} | {} | {} | {} | {} |\n",
                      row["configuration"].get<std::string>(), row["stimulus"].get<std::string>(),
                      row["spikes"].get<double>(),
                      joules(row.value("input_per_spike_J", nlohmann::json())),
                      joules(row.value("per_spike_J", nlohmann::json())),
                      joules(row["half_cg_vin2_J"]), row["paper"].get<std::string>());
  const auto& cp = en["compact"];
  md += fmt::format(
      "\nCompact neuron, {}: {:g} spikes over the trials; input {} and drain supply {} per "
      "spike (the supply term is the measurement load R_l = {:g} Ω carrying current while V_g "
      "is above VTO).\n\n",
      cp["stimulus"].get<std::string>(), cp["spikes"].get<double>(),
      joules(cp.value("input_per_spike_J", nlohmann::json())),
      joules(cp.value("supply_per_spike_J", nlohmann::json())), n["r_l_ohm"].get<double>());
  md += "Against other neurons (PHYSICS.md §7):\n\n| system | figure | source |\n|---|---|---|\n";
  for (const auto& row : en["circuit"])
    if (row.contains("input_per_spike_J"))
      md += fmt::format(
          "| ionsim: {} | {} per spike at the input ({} with the supply) | this "
          "report |\n",
          row["configuration"].get<std::string>(), joules(row["input_per_spike_J"]),
          joules(row["per_spike_J"]));
  for (const auto& row : en["references"])
    md += fmt::format("| {} | {} | {} |\n", row["system"].get<std::string>(),
                      row["figure"].get<std::string>(), row["source"].get<std::string>());
  if (r.contains("targets")) {
    const auto& t = r["targets"];
    md += fmt::format("\n## Targets of {}\n\nCost (sum of squared normalised errors) {:.4g}.\n",
                      t["file"].get<std::string>(), t["cost"].get<double>());
    md += targets_markdown(t["targets"]);
  }
  return md;
}

}  // namespace ionsim::neuron
