// Device-level validation: convergence in dt, agreement of the fitted presets with the
// measured data, and recovery of known parameters by the fit tool.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "../unit/test_support.hpp"
#include "core/statistics.hpp"
#include "device/experiment.hpp"
#include "device/fit.hpp"
#include "device/polarity.hpp"
#include "device/registry.hpp"
#include "device/summary.hpp"
#include "device/wang2024.hpp"
#include "device/zhao2025.hpp"

namespace ionsim {
namespace IONSIM_TEST_FILE {

threshold_lists sweep_stats(const device_config& c, double dt, int cycles, std::uint64_t seed,
                            double vmax = -0.6) {
  auto m = make_device(c, 1, seed);
  const std::vector<std::vector<double>> cyc(static_cast<std::size_t>(cycles),
                                             sweep_cycle(vmax, 201));
  return sweep_thresholds(run_sweep(*m, cyc, 10e-3, dt));
}

TEST(wang2024_convergence, vth_distribution_agrees_at_dt_and_dt_over_4) {
  // Tolerance: the V_th grid of the sweep is 6 mV; the means must agree to a third of it,
  // the spreads within 15 %, and the KS statistic must stay below the 1 % critical value.
  const auto c = load_preset("wang2024-dc-symmetric");
  const auto coarse = sweep_stats(c, 1e-3, 199, 3);
  const auto fine = sweep_stats(c, 0.25e-3, 199, 3);
  ASSERT_EQ(coarse.vth.size(), 199u);
  ASSERT_EQ(fine.vth.size(), 199u);
  const auto a = describe(coarse.vth), b = describe(fine.vth);
  EXPECT_NEAR(a.mean, b.mean, 2e-3);
  EXPECT_NEAR(a.std, b.std, 0.15 * b.std);
  EXPECT_LT(ks_statistic(coarse.vth, fine.vth), ks_critical(0.01, 199, 199));
}

TEST(wang2024_convergence, published_update_does_not_converge) {
  // The reason for the continuous form: the published per-step update gives a different
  // V_th distribution at dt/4 (its noise variance per unit time scales with dt).
  auto c = load_preset("wang2024-dc-symmetric");
  set_param(c, "published", 1);
  const auto coarse = describe(sweep_stats(c, 1e-3, 100, 3).vth);
  const auto fine = describe(sweep_stats(c, 0.25e-3, 100, 3).vth);
  EXPECT_GT(std::fabs(coarse.mean - fine.mean) + std::fabs(coarse.std - fine.std), 5e-3);
}

TEST(ag_symmetric_fit, matches_measured_sweep_statistics) {
  // Acceptance: over 199 cycles, V_th mean within 5 % of the measured 0.275 V,
  // its std within 30 % of 0.025 V, V_hold mean within 0.02 V of 0.051 V.
  const auto t = sweep_stats(load_preset("ag-symmetric-fit"), 1e-3, 199, 1);
  const auto vth = describe(t.vth), vhold = describe(t.vhold);
  ASSERT_GE(vth.n, 190u);
  ASSERT_GE(vhold.n, 180u);
  EXPECT_NEAR(vth.mean, 0.275, 0.05 * 0.275);
  EXPECT_NEAR(vth.std, 0.025, 0.30 * 0.025);
  EXPECT_NEAR(vhold.mean, 0.051, 0.02);
}

// 200 trials of the measured pulse protocol (1 V for 20 ms, read at 0.1 V) on a preset.
pulse_lists pulse_trials(const char* preset) {
  const auto c = load_preset(preset);
  auto m = make_device(c, 200, 1);
  pulse_protocol p;
  p.amplitude = 1.0;
  p.width = 20e-3;
  p.read = 0.1;
  return pulse_times_of(run_pulse(*m, p, config_dt(c), 0, 1e-4).times);
}

TEST(ag_pulse_fit, matches_measured_pulse_statistics) {
  // Acceptance: median switching delay within a factor 2 of the measured 0.55 ms and median
  // relaxation within a factor 2 of 8 ms, over 200 trials.
  const auto t = pulse_trials("ag-pulse-fit");
  ASSERT_GE(t.delay.size(), 150u);
  ASSERT_GE(t.relax.size(), 150u);
  const double d = describe(t.delay).median, x = describe(t.relax).median;
  EXPECT_GT(d, 0.55e-3 / 2);
  EXPECT_LT(d, 0.55e-3 * 2);
  EXPECT_GT(x, 8e-3 / 2);
  EXPECT_LT(x, 8e-3 * 2);
}

TEST(ag_pulse_fit_3, spreads_the_relaxation_as_measured) {
  // The trial-to-trial rate spread gives the measured relaxation spread: over 200 trials the
  // std at least half the measured 7.37 ms (a std from 7 trials has a standard error of about
  // 30 %; ag-pulse-fit-2, without the spread, gives 2.2 ms) and the median within 25 % of the
  // measured 7.95 ms (the fit's own run: 5.31 ms and 7.97 ms).
  const auto t = pulse_trials("ag-pulse-fit-3");
  ASSERT_GE(t.relax.size(), 180u);
  const auto x = describe(t.relax);
  std::printf("ag-pulse-fit-3: relaxation median %.3f ms, std %.3f ms over %zu trials\n",
              x.median * 1e3, x.std * 1e3, x.n);
  EXPECT_GT(x.std, 0.5 * 7.37e-3);
  EXPECT_NEAR(x.median, 7.95e-3, 0.25 * 7.95e-3);
}

TEST(fit_sweep, recovers_model_a_parameters_from_synthetic_data) {
  // Model A through the same sweep fit: 60 cycles of a device with known mu and sigma1 (gamma2
  // 50/s, so that the residue is gone between cycles); the fit starts from mu 150 and sigma1 0.2
  // and must recover mu within 15 % and sigma1 within 30 % (it sets the spread of V_th and the
  // hold voltage, measured from 42 fitted cycles; measured: mu -1.7 %, sigma1 -9 %, 7 s).
  auto start = load_preset("zhao2025-sweep");
  set_param(start, "gamma2", 50);
  auto truth = start;
  set_param(truth, "mu", 220);
  set_param(truth, "sigma1", 0.4);
  auto m = make_device(truth, 1, 21);
  const std::vector<std::vector<double>> cyc(60, sweep_cycle(0.8, 101));
  const auto r = run_sweep(*m, cyc, 10e-3, config_dt(truth));
  sweep_data data;
  data.path = "synthetic model A";
  data.v = r.v;
  data.i = r.i[0];

  fit_options o;
  o.free = {{"mu", 10, 3000, true}, {"sigma1", 0, 2, false}};
  o.max_evals = 30;
  o.devices = 2;
  o.seed = 3;
  o.intervals = false;
  const auto out = fit_sweep(data, start, o);
  std::printf("model A: mu %.1f (220), sigma1 %.3f (0.4)\n", get_param(out.config, "mu"),
              get_param(out.config, "sigma1"));
  EXPECT_NEAR(get_param(out.config, "mu"), 220, 0.15 * 220);
  EXPECT_NEAR(get_param(out.config, "sigma1"), 0.4, 0.3 * 0.4);
}

TEST(fit_sweep, recovers_known_parameters_from_synthetic_data) {
  // Synthetic "measurement": 120 cycles of a device with known mu and sigma1. The fit starts
  // 40 % off in mu and with double the noise and must recover mu within 10 % and sigma1
  // within 35 % (sigma1 is identified only through the V_th spread of 120 cycles, whose
  // sampling error alone is about 7 %).
  auto truth = load_preset("wang2024-dc-symmetric");
  set_param(truth, "mu", 45);
  set_param(truth, "sigma1", 6);
  auto m = make_device(truth, 1, 77);
  const std::vector<std::vector<double>> cyc(120, sweep_cycle(-0.6, 201));
  const auto r = run_sweep(*m, cyc, 10e-3, 1e-3);
  sweep_data data;
  data.path = "synthetic";
  data.v = r.v;
  data.i = r.i[0];

  auto start = truth;
  set_param(start, "mu", 27);
  set_param(start, "sigma1", 12);
  fit_options o;
  o.free = {{"mu", 5, 500, true}, {"sigma1", 0, 20, false}};
  o.max_evals = 80;
  o.devices = 8;
  o.seed = 5;
  const auto out = fit_sweep(data, start, o);
  EXPECT_NEAR(get_param(out.config, "mu"), 45, 4.5);
  EXPECT_NEAR(get_param(out.config, "sigma1"), 6, 2.1);
  EXPECT_EQ(out.report["protocol"]["points"], 201);
}

}  // namespace IONSIM_TEST_FILE
}  // namespace ionsim

namespace ionsim {
namespace IONSIM_TEST_FILE {

TEST(zhao2025_table1, first_switch_on_times_match_independent_reimplementation) {
  // PHYSICS.md §2: an independent re-implementation of model A with Table 1 (explicit Euler
  // at 2 us, matched by ngspice) first switches on under constant input at 77.6 ms (0.6 V),
  // 34.9 ms (0.8 V) and 15.4 ms (1.0 V). Here the memristor drives the gate node
  // C_g dV_g/dt = (V_in - V_g)/R_d - V_g/R_c (integrated exactly for each step's R_d) and
  // "switch-on" is V_g crossing the transistor threshold 0.22 V. Tolerance 1 %: the numbers
  // are quoted to 0.1 ms and the two integrators differ at first order in dt.
  const auto c = load_preset("zhao2025-table1");
  const double cg = 10e-12, rc = 250e6, dt = 2e-6;
  const std::vector<std::pair<double, double>> expected = {
      {0.6, 77.6e-3}, {0.8, 34.9e-3}, {1.0, 15.4e-3}};
  for (const auto& [v_in, t_ref] : expected) {
    zhao2025_model m(params_as<zhao2025_params>(c), 1, 1);
    const zhao2025_step st(m.params(), dt);
    double vg = 0, t_on = -1;
    for (std::int64_t s = 0; s < 100000 && t_on < 0; ++s) {
      m.step_device(0, s, st, v_in - vg);
      const double rd = m.resistance(0);
      const double v_inf = v_in * rc / (rd + rc), tau = cg * rd * rc / (rd + rc);
      vg = v_inf + (vg - v_inf) * std::exp(-dt / tau);
      if (vg > 0.22) t_on = static_cast<double>(s + 1) * dt;
    }
    EXPECT_NEAR(t_on, t_ref, 0.01 * t_ref) << "at V_in = " << v_in << " V";
  }
}

}  // namespace IONSIM_TEST_FILE
}  // namespace ionsim

namespace ionsim {
namespace IONSIM_TEST_FILE {

TEST(ag_hopping_fit, meets_the_measured_thresholds_on_held_out_cycles) {
  // The `hopping` model (material constants) was fitted to the even cycles of the measured
  // sweep (scripts/make-fitted-presets.sh). On the odd cycles, which the fit never saw, driven
  // by their measured voltages: the same tolerances as model B's preset, V_th mean within 5 %
  // and its std within 30 % of the measured ones, on a seed the fit did not use. Measured
  // 0.2732 ± 0.0253 V; simulated 0.2733 ± 0.0192 V. Over seeds 1-9 the simulated std is
  // 0.0165-0.0227 V (23 % narrower on average): the spread is the fit's weak point, and two
  // seeds of nine fall outside the 30 % (docs/models/hopping.md).
  const std::string path = test::device_data("ag_dc_sweep_symmetric.csv");
  IONSIM_REQUIRE_DATA(path);
  const auto data = read_sweep_csv(path);
  sweep_data held_out;
  for (std::size_t c = 1; c < data.v.size(); c += 2) {
    held_out.v.push_back(data.v[c]);
    held_out.i.push_back(data.i[c]);
  }
  const auto measured = describe(sweep_thresholds(held_out.v, held_out.i).vth);
  auto m = make_device(load_preset("ag-hopping-fit"), 1, 7);
  const auto sim = describe(sweep_thresholds(run_sweep(*m, held_out.v, 10e-3, 1e-4)).vth);
  std::printf("held-out cycles: measured V_th %.4f ± %.4f V (n %zu), simulated %.4f ± %.4f V\n",
              measured.mean, measured.std, measured.n, sim.mean, sim.std);
  ASSERT_GE(measured.n, 95u);
  ASSERT_GE(sim.n, 95u);
  EXPECT_NEAR(sim.mean, measured.mean, 0.05 * measured.mean);
  EXPECT_NEAR(sim.std, measured.std, 0.30 * measured.std);
}

}  // namespace IONSIM_TEST_FILE
}  // namespace ionsim

namespace ionsim {
namespace IONSIM_TEST_FILE {

// --model auto on synthetic bipolar sweeps (0 -> +0.6 V -> 0 -> -0.6 V -> 0) of a model B
// device: a one-sided device mounted reversed (it switches on the negative side) is classed
// one-sided and fitted best by the asymmetric structure oriented to that side; a symmetric
// device by a symmetric structure.
sweep_data bipolar_data(bool symmetric) {
  auto truth = load_preset("wang2024-dc-symmetric");
  set_param(truth, "symmetric", symmetric ? 1 : 0);
  auto m = make_device(truth, 1, 11);
  std::vector<double> cycle = sweep_cycle(0.6, 101), neg = sweep_cycle(-0.6, 101);
  cycle.insert(cycle.end(), neg.begin(), neg.end());
  std::vector<std::vector<double>> cycles(30, cycle);
  // Mounted reversed: the device sees -v.
  auto applied = cycles;
  for (auto& c : applied)
    for (auto& x : c) x = -x;
  const auto r = run_sweep(*m, applied, 10e-3, 1e-3);
  sweep_data d;
  d.path = symmetric ? "symmetric" : "one-sided";
  d.v = cycles;
  d.i = r.i[0];
  return d;
}

TEST(fit_sweep_auto, chooses_the_structure_on_held_out_cycles) {
  fit_options o;
  o.max_evals = 30;
  o.devices = 1;
  o.intervals = false;
  const auto one = fit_sweep_auto(bipolar_data(false), o);
  const auto& mc = one.report["model_choice"];
  EXPECT_EQ(mc["class"], "switching in one polarity only, although both are applied");
  EXPECT_EQ(mc["chosen"]["structure"], "asymmetric");
  EXPECT_EQ(mc["chosen"]["orientation"], -1);
  EXPECT_EQ(one.report["held_out"]["cycles"][0], 21);
  const auto both = fit_sweep_auto(bipolar_data(true), o);
  for (const auto& c : both.report["model_choice"]["candidates"])
    std::printf("%s %s: held-out objective %.4g\n", c["model"].get<std::string>().c_str(),
                c["structure"].get<std::string>().c_str(), c["held_out_objective"].get<double>());
  EXPECT_EQ(both.report["model_choice"]["class"], "switching in both polarities");
  EXPECT_EQ(both.report["model_choice"]["chosen"]["structure"], "symmetric");
}

}  // namespace IONSIM_TEST_FILE
}  // namespace ionsim

namespace ionsim {
namespace IONSIM_TEST_FILE {

// Synthetic data of each polarity class, made by model B with known mu and sigma1 (60-80 cycles
// of 101 points): the class is recognised, and the fit (from mu 40 % low and twice the noise)
// recovers each parameter it does not flag as unidentifiable within 15 % (measured: mu within
// 4.8 %, sigma1 within 11 %, both identifiable in every class). The held-out acceptance is not
// asserted: with 18-40 held-out half-sweeps per polarity on a 12 mV grid the data's own
// sampling error exceeds it (docs/fits/model-choice.md).
struct class_case {
  const char* name;
  sweep_class kind;
  bool symmetric;
  std::vector<int> signs;  // per cycle: +1, -1, or 0 for + then -
};

TEST(fit_sweep, each_polarity_class_is_recognised_and_recovered) {
  std::vector<int> alternating;
  for (int k = 0; k < 80; ++k) alternating.push_back(k % 2 ? -1 : 1);
  const std::vector<class_case> cases = {
      {"one polarity", sweep_class::unipolar, true, std::vector<int>(80, -1)},
      {"alternating", sweep_class::alternating, true, alternating},
      {"both", sweep_class::both_polarities, true, std::vector<int>(60, 0)},
      {"one-sided", sweep_class::one_sided, false, std::vector<int>(60, 0)},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto truth = load_preset("wang2024-dc-symmetric");
    set_param(truth, "mu", 45);
    set_param(truth, "sigma1", 6);
    set_param(truth, "symmetric", c.symmetric ? 1 : 0);
    std::vector<std::vector<double>> cycles;
    for (int s : c.signs) {
      std::vector<double> cyc;
      if (s >= 0) cyc = sweep_cycle(0.6, 101);
      if (s <= 0) {
        const auto neg = sweep_cycle(-0.6, 101);
        cyc.insert(cyc.end(), neg.begin(), neg.end());
      }
      cycles.push_back(cyc);
    }
    auto m = make_device(truth, 1, 21);
    const auto r = run_sweep(*m, cycles, 10e-3, 1e-3);
    sweep_data data;
    data.path = c.name;
    data.v = r.v;
    data.i = r.i[0];
    const auto f = classify_sweep(data);
    EXPECT_EQ(f.kind, c.kind) << f.reason;

    auto start = truth;
    set_param(start, "mu", 27);
    set_param(start, "sigma1", 12);
    fit_options o;
    o.free = {{"mu", 5, 500, true}, {"sigma1", 0.5, 20, true}};
    o.max_evals = 80;
    o.devices = 8;
    o.seed = 5;
    o.orientation = f.switching_sign;
    const auto out = fit_sweep(data, start, o);
    ASSERT_EQ(out.intervals.size(), 2u);
    const double truth_values[] = {45, 6};
    int identifiable = 0;
    for (std::size_t k = 0; k < 2; ++k) {
      const auto& iv = out.intervals[k];
      if (!iv.identifiable) continue;
      ++identifiable;
      EXPECT_NEAR(iv.value / truth_values[k], 1.0, 0.15) << iv.name;
    }
    EXPECT_GE(identifiable, 1);
    EXPECT_TRUE(out.report.contains("held_out"));
  }
}

}  // namespace IONSIM_TEST_FILE
}  // namespace ionsim

namespace ionsim {
namespace IONSIM_TEST_FILE {

// Per-polarity kinetics recovered from synthetic bipolar sweeps (50 cycles of 0 -> +0.7 V -> 0
// -> -0.7 V -> 0) of a model B device that drifts 0.75 times as fast under negative bias: the
// fit, started from the same kinetics in both polarities, finds mu and mu_neg (measured: mu
// -2.7 %, mu_neg +4.8 %), and --model auto offers the per-polarity structure for such data.
// (With mu_neg 0.6 at 0.8 V the search with BOBYQA as the local phase ended in a local minimum:
// mu 78.6, mu_neg 0.352, whose product, the negative side's mobility, is the truth's within 3 %.)
TEST(fit_sweep, per_polarity_kinetics_are_recovered) {
  auto truth = load_preset("wang2024-dc-symmetric");
  set_param(truth, "mu", 45);
  set_param(truth, "mu_neg", 0.75);
  std::vector<double> cycle = sweep_cycle(0.7, 101), neg = sweep_cycle(-0.7, 101);
  cycle.insert(cycle.end(), neg.begin(), neg.end());
  auto m = make_device(truth, 1, 21);
  const auto r = run_sweep(*m, std::vector<std::vector<double>>(50, cycle), 10e-3, 1e-3);
  sweep_data data;
  data.path = "per polarity";
  data.v = r.v;
  data.i = r.i[0];
  const auto f = classify_sweep(data);
  ASSERT_EQ(f.kind, sweep_class::both_polarities) << f.reason;
  const auto candidates = sweep_candidates(f);
  const auto per = std::find_if(candidates.begin(), candidates.end(),
                                [](const auto& c) { return c.structure == "per polarity"; });
  ASSERT_NE(per, candidates.end());
  EXPECT_EQ(per->start.model(), "wang2024");
  EXPECT_TRUE(std::any_of(per->free.begin(), per->free.end(),
                          [](const fit_param& p) { return p.name == "mu_neg"; }));

  auto start = truth;
  set_param(start, "mu", 30);
  set_param(start, "mu_neg", 1);
  fit_options o;
  o.free = {{"mu", 5, 500, true}, {"mu_neg", 0.1, 10, true}};
  o.max_evals = 80;
  o.devices = 8;
  o.seed = 5;
  const auto out = fit_sweep(data, start, o);
  ASSERT_EQ(out.intervals.size(), 2u);
  std::printf("mu %.3g [%.3g, %.3g], mu_neg %.3g [%.3g, %.3g]\n", out.intervals[0].value,
              out.intervals[0].lo95, out.intervals[0].hi95, out.intervals[1].value,
              out.intervals[1].lo95, out.intervals[1].hi95);
  EXPECT_NEAR(out.intervals[0].value / 45, 1.0, 0.15);
  EXPECT_NEAR(out.intervals[1].value / 0.75, 1.0, 0.15);
  EXPECT_TRUE(out.intervals[1].identifiable);
}

}  // namespace IONSIM_TEST_FILE
}  // namespace ionsim
