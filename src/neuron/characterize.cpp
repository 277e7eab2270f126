#include "neuron/characterize.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <nlopt.hpp>

#include "circuit/netlist.hpp"
#include "circuit/transient.hpp"
#include "core/error.hpp"
#include "device/experiment.hpp"

namespace ionsim::neuron {

namespace {

double table_value(const toml::table& t, const char* key, double def, const std::string& where) {
  const toml::node* n = t.get(key);
  if (!n) return def;
  const auto v = n->value<double>();
  if (!v || !(*v > 0) || !std::isfinite(*v))
    throw input_error(fmt::format("{}: [circuit] {} must be a positive number", where, key));
  return *v;
}

std::vector<double> spike_times(const std::vector<double>& t, const std::vector<double>& v,
                                double level) {
  constexpr double min_gap = 1e-4;  // [s] one spike may cross the level more than once
  std::vector<double> out;
  for (std::size_t k = 1; k < t.size(); ++k)
    if (v[k - 1] < level && v[k] >= level) {
      const double tc = t[k - 1] + (level - v[k - 1]) * (t[k] - t[k - 1]) / (v[k] - v[k - 1]);
      if (out.empty() || tc - out.back() > min_gap) out.push_back(tc);
    }
  return out;
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
  } catch (const std::exception&) {
  }
  return {x[0], x[1]};
}

// The memristor's .model card with every parameter of the preset.
std::string memristor_card(const neuron_circuit& n) {
  std::string card = fmt::format(".model dm memristor(model={}", n.memristor.model);
  for (const auto& [name, value] : param_values(n.memristor))
    card += fmt::format("\n+ {}={:.17g}", name, value);
  return card + ")";
}

}  // namespace

neuron_circuit neuron_from_preset(const std::string& preset) {
  neuron_circuit n;
  n.memristor = load_preset(preset);
  const auto where = fmt::format("preset '{}'", preset);
  if (const toml::table* c = n.memristor.extra["circuit"].as_table()) {
    n.c_g = table_value(*c, "c_g", n.c_g, where);
    n.r_c = table_value(*c, "r_c", n.r_c, where);
    n.r_l = table_value(*c, "r_l", n.r_l, where);
    n.v_dd = table_value(*c, "v_dd", n.v_dd, where);
    n.vto = table_value(*c, "vto", n.vto, where);
    n.kp = table_value(*c, "kp", n.kp, where);
    n.c_l = table_value(*c, "c_l", 0.0, where);
  } else {
    throw input_error(fmt::format("{}: no [circuit] table: not a neuron preset", where));
  }
  return n;
}

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

std::vector<trial> run_trials_full(const neuron_circuit& n, const stimulus& s, int trials,
                                   std::uint64_t seed) {
  const circuit::netlist nl = circuit::parse_netlist(neuron_netlist(n, s), "neuron.cir");
  std::vector<trial> out(static_cast<std::size_t>(trials));
  std::string failure;
#pragma omp parallel for schedule(dynamic)
  for (int k = 0; k < trials; ++k) {
    try {
      circuit::run_options o;
      o.seed = seed;
      o.instance = static_cast<std::uint64_t>(k);
      const auto r = circuit::run_transient(nl, o);
      const auto it = std::find(r.names.begin(), r.names.end(), "v(gate)");
      trial& tr = out[static_cast<std::size_t>(k)];
      tr.spikes =
          spike_times(r.t, r.values[static_cast<std::size_t>(it - r.names.begin())], n.v_spike);
      for (const auto& e : r.energy)
        if (e.element == "vin" || e.element == "vdd") tr.energy -= e.joules;
    } catch (const std::exception& e) {
#pragma omp critical
      if (failure.empty()) failure = fmt::format("trial {}: {}", k, e.what());
    }
  }
  if (!failure.empty()) throw run_error(failure);
  return out;
}

std::vector<std::vector<double>> run_trials(const neuron_circuit& n, const stimulus& s, int trials,
                                            std::uint64_t seed) {
  std::vector<std::vector<double>> spikes;
  for (auto& t : run_trials_full(n, s, trials, seed)) spikes.push_back(std::move(t.spikes));
  return spikes;
}

nlohmann::json characterize(const neuron_circuit& n, const characterize_options& o) {
  nlohmann::json j;
  j["neuron"] = {{"memristor_model", n.memristor.model},
                 {"memristor_parameters", n.memristor.source},
                 {"c_g_F", n.c_g},
                 {"r_c_ohm", n.r_c},
                 {"r_l_ohm", n.r_l},
                 {"v_dd_V", n.v_dd},
                 {"vto_V", n.vto},
                 {"kp_A_per_V2", n.kp},
                 {"spike_level_V", n.v_spike},
                 {"seed", o.seed}};
  auto step = [&](const char* what) {
    if (o.on_step) o.on_step(what);
  };

  // Threshold firing and integration: Fig. 2e.
  step("threshold firing and integration (Fig. 2e)");
  {
    const double period = 2e-3;
    const stimulus s{"PULSE(0 0.8 0 1u 1u 999u 2m)", 0.3, 50e-6};
    const auto spikes = run_trials(n, s, o.trials, o.seed);
    std::vector<double> first, pulses;
    for (const auto& sp : spikes)
      if (!sp.empty()) {
        first.push_back(sp.front());
        pulses.push_back(std::floor(sp.front() / period) + 1);
      }
    j["fig2e"] = {{"stimulus", "0.8 V pulses, 2 ms period, 50 % duty, 300 ms"},
                  {"trials", o.trials},
                  {"spikes_s", spikes},
                  {"first_spike_s", stats(first)},
                  {"pulses_to_first_spike", stats(pulses)},
                  {"paper", {{"pulses_to_first_spike", 44}, {"first_spike_s", 0.088}}}};
  }

  // Leaky integration: Fig. 3b.
  step("leaky integration (Fig. 3b)");
  {
    nlohmann::json rows = nlohmann::json::array();
    for (double gap : {0.4e-3, 0.6e-3, 0.8e-3, 1.0e-3, 1.2e-3}) {
      const double period = 1e-3 + gap;
      const stimulus s{fmt::format("PULSE(0 0.9 0 1u 1u 998u {:.9g})", period), 0.3, 50e-6};
      const auto spikes = run_trials(n, s, o.trials, o.seed);
      std::vector<double> pulses;
      for (const auto& sp : spikes)
        if (!sp.empty()) pulses.push_back(std::floor(sp.front() / period) + 1);
      rows.push_back({{"gap_s", gap}, {"pulses_to_fire", stats(pulses)}});
    }
    j["leaky_integration"] = {{"stimulus", "0.9 V, 1 ms pulses, gaps 0.4-1.2 ms, 300 ms"},
                              {"trials", o.trials},
                              {"rows", rows},
                              {"paper", "pulses needed to fire grow with the gap (Fig. 3b)"}};
  }

  // Stochastic threshold: Fig. 3c/d.
  step("stochastic threshold (Fig. 3c/d)");
  {
    std::vector<double> amps, prob;
    for (int k = 0; k <= 6; ++k) {
      const double a = 0.6 + 0.1 * k;
      const stimulus s{fmt::format("PULSE(0 {:.3g} 0 1u 1u 15m 1)", a), 20e-3, 50e-6};
      const auto spikes = run_trials(n, s, o.threshold_trials, o.seed);
      int fired = 0;
      for (const auto& sp : spikes) fired += !sp.empty();
      amps.push_back(a);
      prob.push_back(static_cast<double>(fired) / o.threshold_trials);
    }
    const auto [v50, width] = fit_sigmoid(amps, prob);
    j["stochastic_threshold"] = {
        {"stimulus", "one 15 ms pulse"},
        {"trials_per_amplitude", o.threshold_trials},
        {"amplitudes_V", amps},
        {"probability", prob},
        {"sigmoid", {{"v50_V", v50}, {"width_V", width}}},
        {"paper", {{"amplitudes_V", {0.8, 0.9, 1.0}}, {"probability", {0.05, 0.76, 0.95}}}}};
  }
  // Intrinsic plasticity: Fig. 4a/b.
  step("intrinsic plasticity (Fig. 4a/b)");
  {
    nlohmann::json rows = nlohmann::json::array();
    const double width = 20e-3;
    for (double gap : {3e-3, 30e-3, 80e-3, 200e-3, 1.0}) {
      const double second = width + gap;
      const stimulus s{fmt::format("PWL(0 0 1u 2 {:.9g} 2 {:.9g} 0 {:.9g} 0 {:.9g} 2 {:.9g} 2 "
                                   "{:.9g} 0)",
                                   width, width + 1e-6, second, second + 1e-6, second + width,
                                   second + width + 1e-6),
                       second + width + 2e-3, 200e-6};
      const auto spikes = run_trials(n, s, o.trials, o.seed);
      std::vector<double> t1, t2;
      for (const auto& sp : spikes) {
        for (double x : sp)
          if (x < width) {
            t1.push_back(x);
            break;
          }
        for (double x : sp)
          if (x >= second && x < second + width) {
            t2.push_back(x - second);
            break;
          }
      }
      rows.push_back({{"gap_s", gap}, {"first_pulse_s", stats(t1)}, {"second_pulse_s", stats(t2)}});
    }
    j["intrinsic_plasticity"] = {
        {"stimulus", "two 2 V, 20 ms pulses; integration time = spike time from the pulse's start"},
        {"trials", o.trials},
        {"rows", rows},
        {"paper",
         "the second pulse fires sooner; the gain fades as the gap grows to 1 s (Fig. 4a/b)"}};
  }

  // Refractory period and inter-spike intervals over R_c: Fig. 4d; stochasticity (ISI CV).
  step("refractory period over R_c (Fig. 4d)");
  {
    nlohmann::json rows = nlohmann::json::array();
    const double tstop = 0.3;
    for (double rc : {50e6, 100e6, 250e6, 500e6, 1000e6}) {
      neuron_circuit m = n;
      m.r_c = rc;
      const auto trials = run_trials_full(m, {"DC 0.8", tstop, 50e-6}, o.trials, o.seed);
      std::vector<double> isi;
      double spikes = 0;
      for (const auto& t : trials) {
        spikes += static_cast<double>(t.spikes.size());
        for (std::size_t k = 1; k < t.spikes.size(); ++k)
          isi.push_back(t.spikes[k] - t.spikes[k - 1]);
      }
      const auto st = describe(isi);
      nlohmann::json row = {{"r_c_ohm", rc},
                            {"spikes_per_trial", spikes / o.trials},
                            {"rate_hz", spikes / o.trials / tstop},
                            {"isi_s", stats(isi)}};
      if (st.n > 1 && st.mean > 0) row["isi_cv"] = st.std / st.mean;
      rows.push_back(row);
    }
    j["refractory"] = {{"stimulus", "constant 0.8 V input for 300 ms"},
                       {"trials", o.trials},
                       {"rows", rows},
                       {"paper",
                        "the mean inter-spike interval grows about tenfold from 50 MOhm "
                        "to 1 GOhm (Fig. 4d)"}};
  }

  // Cascade: neuron 2 fires in response to neuron 1 and stays silent without it.
  step("cascade");
  {
    const coupling c;
    nlohmann::json cases = nlohmann::json::array();
    for (const char* src : {"PULSE(0 0.8 0 1u 1u 999u 2m)", "DC 0"}) {
      const circuit::netlist nl =
          circuit::parse_netlist(cascade_netlist(n, c, {src, 0.3, 50e-6}), "cascade.cir");
      circuit::run_options ro;
      ro.seed = o.seed;
      const auto r = circuit::run_transient(nl, ro);
      auto column = [&](const char* name) {
        const auto it = std::find(r.names.begin(), r.names.end(), name);
        return r.values[static_cast<std::size_t>(it - r.names.begin())];
      };
      const auto s1 = spike_times(r.t, column("v(gate1)"), n.v_spike);
      const auto s2 = spike_times(r.t, column("v(gate2)"), n.v_spike);
      cases.push_back({{"input", src}, {"neuron1_spikes_s", s1}, {"neuron2_spikes_s", s2}});
    }
    j["cascade"] = {{"coupling",
                     {{"v_couple_V", c.v_couple},
                      {"r_pull_ohm", c.r_pull},
                      {"pmos_vto_V", c.vtp},
                      {"pmos_kp_A_per_V2", c.kp}}},
                    {"stimulus", "neuron 1 under the Fig. 2e stimulus, and with no input"},
                    {"cases", cases}};
  }

  // Energy per spike under the Fig. 2e stimulus: everything the input and supply deliver.
  step("energy per spike");
  {
    const auto trials = run_trials_full(n, {"PULSE(0 0.8 0 1u 1u 999u 2m)", 0.3, 50e-6}, 1, o.seed);
    const double spikes = static_cast<double>(trials[0].spikes.size());
    j["energy"] = {{"stimulus", "Fig. 2e stimulus, 300 ms"},
                   {"energy_J", trials[0].energy},
                   {"spikes", spikes},
                   {"energy_per_spike_J",
                    spikes > 0 ? nlohmann::json(trials[0].energy / spikes) : nlohmann::json()},
                   {"paper",
                    "about 1 pJ/spike at 0.45 V input (measured circuit); 1.39 pJ "
                    "(65 nm, Table 7); about 1 aJ (3 nm, Table 8)"}};
  }
  return j;
}

std::string characterize_report(const nlohmann::json& r) {
  auto num = [](const nlohmann::json& s, const char* key, double scale = 1.0) {
    return s.contains(key) ? fmt::format("{:.4g}", s[key].get<double>() * scale) : std::string("—");
  };
  std::string md = "# 1M1T1R neuron: characterization\n\n";
  const auto& n = r["neuron"];
  md += fmt::format(
      "Neuron: memristor `{}` ({}), C_g = {:g} F, R_c = {:g} Ω, R_l = {:g} Ω, V_dd = {:g} V, "
      "NMOS level 1 VTO = {:g} V, KP = {:g} A/V²; a spike is V_g rising through {:g} V. Seed {}. "
      "Paper: R. Zhao et al., Nature Electronics 8, 1211 (2025), figures as read by a third "
      "party (PHYSICS.md §5).\n\n",
      n["memristor_model"].get<std::string>(), n["memristor_parameters"].get<std::string>(),
      n["c_g_F"].get<double>(), n["r_c_ohm"].get<double>(), n["r_l_ohm"].get<double>(),
      n["v_dd_V"].get<double>(), n["vto_V"].get<double>(), n["kp_A_per_V2"].get<double>(),
      n["spike_level_V"].get<double>(), n["seed"].get<std::uint64_t>());
  const auto& f = r["fig2e"];
  md += "## Threshold firing and integration (Fig. 2e)\n\n";
  md += fmt::format("{}; {} trials; {} fired.\n\n", f["stimulus"].get<std::string>(),
                    f["trials"].get<int>(), f["first_spike_s"]["n"].get<int>());
  md += "| quantity | paper | simulated (mean ± std) |\n|---|---|---|\n";
  md +=
      fmt::format("| pulses to the first spike | 44 | {} ± {} |\n",
                  num(f["pulses_to_first_spike"], "mean"), num(f["pulses_to_first_spike"], "std"));
  md += fmt::format("| time to the first spike (ms) | 88 | {} ± {} |\n\n",
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
    md += fmt::format("| {:.1f} | {} | {:.0f} % |\n", a, paper,
                      100 * s["probability"][k].get<double>());
  }
  md += "\n![stochastic threshold](threshold.png)\n\n";
  const auto& ip = r["intrinsic_plasticity"];
  md += "## Intrinsic plasticity (Fig. 4a/b)\n\n";
  md += fmt::format("{}; {} trials. Paper: {}.\n\n", ip["stimulus"].get<std::string>(),
                    ip["trials"].get<int>(), ip["paper"].get<std::string>());
  md += "| gap (ms) | first pulse (ms) | second pulse (ms) | gain |\n|---|---|---|---|\n";
  for (const auto& row : ip["rows"]) {
    const auto& a = row["first_pulse_s"];
    const auto& b = row["second_pulse_s"];
    const bool both = a.contains("mean") && b.contains("mean") && b["mean"].get<double>() > 0;
    const std::string gain =
        both ? fmt::format("{:.2f}", a["mean"].get<double>() / b["mean"].get<double>())
             : std::string("—");
    md += fmt::format("| {:g} | {} | {} | {} |\n", row["gap_s"].get<double>() * 1e3,
                      num(a, "mean", 1e3), num(b, "mean", 1e3), gain);
  }
  const auto& rf = r["refractory"];
  md += "\n## Refractory period over R_c (Fig. 4d) and stochasticity\n\n";
  md += fmt::format("{}; {} trials. Paper: {}.\n\n", rf["stimulus"].get<std::string>(),
                    rf["trials"].get<int>(), rf["paper"].get<std::string>());
  md +=
      "| R_c (MΩ) | spikes per trial | rate (Hz) | mean ISI (ms) | ISI CV |\n"
      "|---|---|---|---|---|\n";
  for (const auto& row : rf["rows"])
    md += fmt::format("| {:g} | {:.1f} | {:.1f} | {} | {} |\n", row["r_c_ohm"].get<double>() / 1e6,
                      row["spikes_per_trial"].get<double>(), row["rate_hz"].get<double>(),
                      num(row["isi_s"], "mean", 1e3),
                      row.contains("isi_cv") ? fmt::format("{:.3f}", row["isi_cv"].get<double>())
                                             : std::string("—"));
  const auto& cs = r["cascade"];
  md += "\n## Cascade\n\n";
  md += fmt::format(
      "Coupling stage (ionsim's design; the paper's was not recovered): neuron 1's drain drives "
      "the gate of a PMOS pull-up (VTO {:g} V, KP {:g} A/V², source at {:g} V, which also "
      "supplies neuron 1's load) whose drain is neuron 2's input, pulled down by {:g} Ω.\n\n",
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
  md += "\n## Energy\n\n";
  md += fmt::format(
      "{}: {:.4g} J delivered by the input and supply for {} spikes: {} per spike. "
      "Paper: {}.\n\n",
      en["stimulus"].get<std::string>(), en["energy_J"].get<double>(), en["spikes"].get<double>(),
      en["energy_per_spike_J"].is_null()
          ? std::string("—")
          : fmt::format("{:.4g} J", en["energy_per_spike_J"].get<double>()),
      en["paper"].get<std::string>());
  md +=
      "Not yet characterized here (open in issue 4): the cascade, device-to-device spread, the "
      "65 nm / 3 nm energy configurations with their own stimuli, and the calibrated preset.\n";
  return md;
}

}  // namespace ionsim::neuron
