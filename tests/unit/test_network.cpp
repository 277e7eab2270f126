// The network engine: exact LIF integration against closed forms, the connection rules,
// delays through the ring buffer, and bit-identical results for 1, 2 and 4 threads.
#include <gtest/gtest.h>
#include <hdf5.h>

#include <cmath>
#include <filesystem>
#include <map>
#include <numeric>
#include <set>

#include "network/lif.hpp"
#include "network/network.hpp"
#include "network/statistics.hpp"
#include "test_support.hpp"

namespace ionsim::network {
namespace IONSIM_TEST_FILE {

using collect = memory_sink;

// Advances one model neuron `steps` steps without input and returns v.
double free_run(neuron_model& m, double dt, int steps) {
  m.prepare(dt);
  std::vector<double> e(m.size(), 0.0), i(m.size(), 0.0);
  std::array<double*, 2> rec = {e.data(), i.data()};
  std::vector<std::uint32_t> spiked;
  for (int n = 0; n < steps; ++n) {
    step_input in;
    in.step = n;
    in.receptor = rec;
    m.advance(in, 0, m.size(), spiked);
  }
  return m.variable(0)[0];
}

TEST(LifCuba, ExactAgainstClosedFormForAnyStep) {
  const lif_cuba_params p;  // Brian2's CUBA example
  const double v0 = -0.058, ge0 = 0.004, gi0 = -0.003, t = 0.01;
  auto closed = [&](double tt) {
    auto syn = [&](double g, double tau) {
      return g * tau / (p.tau_m - tau) * (std::exp(-tt / p.tau_m) - std::exp(-tt / tau));
    };
    return p.e_l + (v0 - p.e_l) * std::exp(-tt / p.tau_m) + syn(ge0, p.tau_e) + syn(gi0, p.tau_i);
  };
  for (double dt : {1e-4, 2.5e-4, 1e-3}) {
    lif_cuba m(1, p);
    m.variable(0)[0] = v0;
    m.variable(1)[0] = ge0;
    m.variable(2)[0] = gi0;
    const double v = free_run(m, dt, static_cast<int>(std::lround(t / dt)));
    // Exact integration: no error growing with dt, only rounding.
    EXPECT_NEAR(v, closed(t), 1e-15) << "dt = " << dt;
  }
}

TEST(LifCuba, EqualTimeConstantsUseTheLimit) {
  lif_cuba_params p;
  p.tau_e = p.tau_m;
  p.e_l = -0.055;  // below threshold: no spike
  lif_cuba m(1, p);
  m.variable(0)[0] = p.e_l;
  m.variable(1)[0] = 0.002;
  const double t = 0.005;
  const double v = free_run(m, 1e-4, 50);
  EXPECT_NEAR(v, p.e_l + 0.002 * t / p.tau_m * std::exp(-t / p.tau_m), 1e-15);
}

TEST(LifCoba, RelaxesToTheConductanceWeightedRestExactly) {
  const lif_coba_params p;
  lif_coba m(1, p);
  m.variable(0)[0] = -0.07;
  const double dt = 1e-4;
  // No conductance: exponential relaxation to e_l + drive, exact for any step.
  const double v = free_run(m, dt, 100);
  const double rest = p.e_l + p.drive;
  // v passes threshold on its way to rest (-40 mV) unless it fires: compare one step only.
  lif_coba one(1, p);
  one.variable(0)[0] = -0.07;
  one.variable(1)[0] = 0.5;
  const double g = 1.5, vinf = (rest + 0.5 * p.e_e) / g;
  EXPECT_NEAR(free_run(one, dt, 1), vinf + (-0.07 - vinf) * std::exp(-g * dt / p.tau_m), 1e-15);
  EXPECT_NEAR(one.variable(1)[0], 0.5 * std::exp(-dt / p.tau_e), 1e-15);
  EXPECT_LT(v, p.v_th + 1e-12);  // it fired and was reset, or is still below threshold
}

network_spec one_population(const std::string& model, std::size_t n, double duration) {
  network_spec s;
  s.source = "test";
  s.run.duration = duration;
  population_spec p;
  p.name = "a";
  p.model = model;
  p.size = n;
  p.where = "test:1";
  s.populations.push_back(p);
  return s;
}

TEST(Network, RegularFiringPeriodMatchesTheAnalyticInterval) {
  // Constant drive above threshold: v(t) = vinf + (v_reset - vinf) e^(-t/tau_m) reaches v_th
  // after T = tau_m ln((vinf - v_reset)/(vinf - v_th)); the membrane starts integrating again
  // t_ref after the spike, so the interval is t_ref + T rounded up to the step.
  auto s = one_population("lif_cuba", 1, 0.2);
  s.populations[0].params = toml::table{{"drive", 0.011}};
  s.populations[0].init.push_back({"v", "test:2", value_dist::constant(-0.06)});
  const auto models = builtin_models();
  network net(s, models);
  collect c;
  net.run(c);
  ASSERT_GE(c.all.size(), 3u);
  const lif_cuba_params p;
  const double vinf = p.e_l + 0.011, dt = s.run.dt;
  const double T = p.tau_m * std::log((vinf - p.v_reset) / (vinf - p.v_th));
  const auto expected = static_cast<std::int64_t>(std::round(p.t_ref / dt)) +
                        static_cast<std::int64_t>(std::ceil(T / dt)) - 1;
  for (std::size_t k = 1; k < c.all.size(); ++k)
    EXPECT_EQ(c.all[k].step - c.all[k - 1].step, expected) << "interval " << k;
}

TEST(LifDelta, RegularFiringAndJumps) {
  // Brunel's neuron (tau_m 20 ms, v_th 20 mV, v_reset 10 mV, t_ref 2 ms) with 25 mV of drive:
  // the interval is t_ref + tau_m ln((25 - 10) / (25 - 20)), rounded up to the step as for
  // lif_cuba.
  auto s = one_population("lif_delta", 1, 0.2);
  s.populations[0].params = toml::table{{"drive", 0.025}};
  s.populations[0].init.push_back({"v", "test:2", value_dist::constant(0.01)});
  const auto models = builtin_models();
  network net(s, models);
  collect c;
  net.run(c);
  ASSERT_GE(c.all.size(), 3u);
  const double dt = s.run.dt, T = 20e-3 * std::log(15.0 / 5.0);
  const auto expected = static_cast<std::int64_t>(std::round(2e-3 / dt)) +
                        static_cast<std::int64_t>(std::ceil(T / dt)) - 1;
  for (std::size_t k = 1; k < c.all.size(); ++k)
    EXPECT_EQ(c.all[k].step - c.all[k - 1].step, expected) << "interval " << k;
  // Without drive a weight J arriving makes v jump by J, then decay as J e^(-t/tau_m).
  const auto* entry = models.find("lif_delta");
  ASSERT_NE(entry, nullptr);
  auto m = entry->make(1, nullptr, "test");
  m->prepare(1e-4);
  std::vector<double> e(1, 0.005), i(1, 0.0);
  std::array<double*, 2> rec = {e.data(), i.data()};
  std::vector<std::uint32_t> spiked;
  step_input in;
  in.receptor = rec;
  m->advance(in, 0, 1, spiked);
  EXPECT_NEAR(m->variable(0)[0], 0.005 * std::exp(-1e-4 / 20e-3), 1e-15);
  EXPECT_EQ(e[0], 0.0);  // the slot is consumed
  EXPECT_NEAR(free_run(*m, 1e-4, 99), 0.005 * std::exp(-100e-4 / 20e-3), 1e-15);
}

TEST(Network, DcStimulusDrivesRegularFiringInItsWindowOnly) {
  // The same interval as a constant drive parameter, but only for the chosen neuron and
  // inside [start, stop).
  auto s = one_population("lif_cuba", 2, 0.3);
  s.populations[0].init.push_back({"v", "t", value_dist::constant(-0.06)});
  stimulus_spec st;
  st.kind = stimulus_kind::dc;
  st.target = "a";
  st.amplitude = 0.022;  // e_l + amplitude = -38 mV, as e_l + drive in the test above
  st.start = 0.05;
  st.stop = 0.25;
  st.neurons = {1};
  s.stimuli.push_back(st);
  // e_l = -49 mV is above threshold: a lower e_l keeps neuron 0 silent.
  s.populations[0].params = toml::table{{"e_l", -0.06}};
  const auto models = builtin_models();
  network net(s, models);
  collect c;
  net.run(c);
  ASSERT_GE(c.all.size(), 3u);
  const lif_cuba_params p;
  const double vinf = -0.06 + 0.022, dt = s.run.dt;
  const double T = p.tau_m * std::log((vinf - p.v_reset) / (vinf - p.v_th));
  const auto expected = static_cast<std::int64_t>(std::round(p.t_ref / dt)) +
                        static_cast<std::int64_t>(std::ceil(T / dt)) - 1;
  for (const auto& sp : c.all) {
    EXPECT_EQ(sp.id, 1u);
    EXPECT_GE(sp.step, 500);
    EXPECT_LT(sp.step, 2500);
  }
  for (std::size_t k = 1; k < c.all.size(); ++k)
    EXPECT_EQ(c.all[k].step - c.all[k - 1].step, expected);
}

// Without a refractory period (t_ref under two steps), a neuron that fired once is reported
// again only when it fires again, not whenever a neighbour of its block of 64 fires; with the
// scalar constants and with per-neuron ones.
TEST(LifCuba, WithoutRefractoryPeriodEachSpikeIsReportedOnce) {
  for (const bool per_neuron : {false, true}) {
    SCOPED_TRACE(per_neuron ? "per-neuron constants" : "scalar constants");
    auto s = one_population("lif_cuba", 2, 0.3);
    s.populations[0].params = toml::table{{"e_l", -0.06}, {"t_ref", 0.0}};
    if (per_neuron)
      s.populations[0].param_dists.push_back(
          {"tau_m", "t", value_dist{value_dist::kind::uniform, 0.02, 0.0200001}});
    // neuron 0 starts above the threshold and fires once; neuron 1 fires on a dc drive
    s.populations[0].init.push_back({"v", "t", value_dist::constant(-0.06)});
    stimulus_spec st;
    st.kind = stimulus_kind::dc;
    st.target = "a";
    st.amplitude = 0.022;
    st.neurons = {1};
    s.stimuli.push_back(st);
    stimulus_spec kick = st;
    kick.amplitude = 5.0;  // [V] -60 mV to about -35 mV in one step
    kick.neurons = {0};
    kick.stop = 1e-4;
    s.stimuli.push_back(kick);
    network net(s, builtin_models());
    collect c;
    net.run(c);
    std::size_t n0 = 0, n1 = 0;
    for (const auto& sp : c.all) (sp.id == 0 ? n0 : n1) += 1;
    EXPECT_EQ(n0, 1u);
    EXPECT_GE(n1, 10u);
  }
}

TEST(Network, PoissonStimulusCountsHaveTheirMeanAndVariance) {
  // tau_e of 10^6 s: ge keeps the sum of all arriving weights, i.e. the Poisson count.
  auto s = one_population("lif_cuba", 2000, 0.1);
  s.populations[0].params = toml::table{{"tau_e", 1e6}, {"e_l", -0.07}};
  stimulus_spec st;
  st.kind = stimulus_kind::poisson;
  st.target = "a";
  st.receptor = "exc";
  st.rate = 50;
  st.sources = 4;
  st.weight = 1e-9;  // too small to make anyone fire
  s.stimuli.push_back(st);
  const auto models = builtin_models();
  network net(s, models);
  collect c;
  net.run(c);
  const auto ge = net.model(0).variable(1);
  double m = 0, m2 = 0;
  for (double g : ge) {
    const double k = g / 1e-9;
    m += k / 2000;
    m2 += k * k / 2000;
  }
  const double lambda = 50.0 * 4 * 0.1;  // 20 events per neuron on average
  EXPECT_NEAR(m, lambda, 5 * std::sqrt(lambda / 2000));
  EXPECT_NEAR(m2 - m * m, lambda, 0.15 * lambda);
}

projection_spec rule(connect_rule r, const std::string& src = "a", const std::string& tgt = "b") {
  projection_spec j;
  j.source = src;
  j.target = tgt;
  j.rule = r;
  j.receptor = "exc";
  j.weight = value_dist::constant(1e-3);
  j.where = "test:9";
  return j;
}

TEST(Synapses, FixedProbabilityCountSortedRowsAndNoAutapses) {
  const philox rng(3);
  auto j = rule(connect_rule::fixed_probability);
  j.p = 0.02;
  j.autapses = false;
  const auto t = build_synapses(j, 0, 3000, 3000, 1e-4, rng);
  const double mean = 0.02 * 3000 * 2999, sd = std::sqrt(mean * 0.98);
  EXPECT_NEAR(static_cast<double>(t.size()), mean, 5 * sd);
  for (std::size_t s = 0; s < t.sources(); ++s) {
    for (auto q = t.row[s]; q < t.row[s + 1]; ++q) {
      EXPECT_NE(t.target[q], s);
      if (q > t.row[s]) EXPECT_LT(t.target[q - 1], t.target[q]);
    }
  }
  // 8 bytes per synapse, plus one row offset per source.
  EXPECT_EQ(t.bytes(), t.size() * 8 + 3001 * 8);
  EXPECT_TRUE(t.delay.empty());
}

TEST(Synapses, FixedInAndOutDegreeAreExact) {
  const philox rng(5);
  auto in = rule(connect_rule::fixed_indegree);
  in.degree = 50;
  in.multapses = false;
  const auto t = build_synapses(in, 1, 400, 300, 1e-4, rng);
  std::vector<std::set<std::uint32_t>> sources(300);
  std::vector<int> count(300, 0);
  for (std::size_t s = 0; s < t.sources(); ++s)
    for (auto q = t.row[s]; q < t.row[s + 1]; ++q) {
      sources[t.target[q]].insert(static_cast<std::uint32_t>(s));
      ++count[t.target[q]];
    }
  for (int j = 0; j < 300; ++j) {
    EXPECT_EQ(count[j], 50);
    EXPECT_EQ(sources[j].size(), 50u);  // no multapses
  }
  auto out = rule(connect_rule::fixed_outdegree);
  out.degree = 30;
  out.multapses = false;
  out.autapses = false;
  const auto u = build_synapses(out, 2, 200, 200, 1e-4, rng);
  for (std::size_t s = 0; s < 200; ++s) {
    ASSERT_EQ(u.row[s + 1] - u.row[s], 30u);
    std::set<std::uint32_t> seen(u.target.begin() + static_cast<long>(u.row[s]),
                                 u.target.begin() + static_cast<long>(u.row[s + 1]));
    EXPECT_EQ(seen.size(), 30u);
    EXPECT_FALSE(seen.count(static_cast<std::uint32_t>(s)));
  }
  in.degree = 401;
  EXPECT_TRUE(test::contains(
      test::input_error_of([&] { build_synapses(in, 1, 400, 300, 1e-4, rng); }), "test:9"));
}

TEST(Synapses, AllToAllOneToOneAndWeightDistribution) {
  const philox rng(7);
  auto a = rule(connect_rule::all_to_all);
  a.autapses = false;
  a.weight = {value_dist::kind::normal, 2.0, 0.5};
  const auto t = build_synapses(a, 0, 300, 300, 1e-4, rng);
  EXPECT_EQ(t.size(), 300u * 299u);
  double m = 0, m2 = 0;
  for (float w : t.weight) {
    m += w;
    m2 += static_cast<double>(w) * w;
  }
  m /= static_cast<double>(t.size());
  const double sd = std::sqrt(m2 / static_cast<double>(t.size()) - m * m);
  EXPECT_NEAR(m, 2.0, 5 * 0.5 / std::sqrt(static_cast<double>(t.size())));
  EXPECT_NEAR(sd, 0.5, 0.01);
  const auto o = build_synapses(rule(connect_rule::one_to_one), 0, 10, 10, 1e-4, rng);
  ASSERT_EQ(o.size(), 10u);
  for (std::uint32_t s = 0; s < 10; ++s) EXPECT_EQ(o.target[o.row[s]], s);
  EXPECT_TRUE(test::contains(test::input_error_of([&] {
                               build_synapses(rule(connect_rule::one_to_one), 0, 10, 11, 1e-4, rng);
                             }),
                             "equal size"));
}

// Every generated rule, with distributions of weights and delays, builds the same table,
// bit for bit, on 1, 2 and 4 threads (sizes not divisible by the blocks or the threads).
TEST(Synapses, BuildIsBitIdenticalForOneTwoAndFourThreads) {
  const philox rng(13);
  std::vector<projection_spec> specs;
  auto p = rule(connect_rule::fixed_probability);
  p.p = 0.05;
  p.autapses = false;
  p.delay = {value_dist::kind::uniform, 1e-4, 3e-3};
  specs.push_back(p);
  auto in = rule(connect_rule::fixed_indegree);
  in.degree = 37;
  in.multapses = false;
  in.weight = {value_dist::kind::normal, 1e-3, 2e-4};
  specs.push_back(in);
  in.multapses = true;
  in.autapses = false;
  specs.push_back(in);
  auto out = rule(connect_rule::fixed_outdegree);
  out.degree = 29;
  out.weight = {value_dist::kind::uniform, 0.0, 1.0};
  out.delay = {value_dist::kind::normal, 1e-3, 5e-4};
  specs.push_back(out);
  auto all = rule(connect_rule::all_to_all);
  all.autapses = false;
  specs.push_back(all);
  for (std::size_t k = 0; k < specs.size(); ++k) {
    const auto idx = static_cast<std::uint32_t>(k);
    const auto one = build_synapses(specs[k], idx, 2345, 2345, 1e-4, rng, 1);
    ASSERT_GT(one.size(), 10000u) << k;
    EXPECT_EQ(one.row.back(), one.size());
    for (int threads : {2, 4}) {
      const auto t = build_synapses(specs[k], idx, 2345, 2345, 1e-4, rng, threads);
      EXPECT_EQ(t.row, one.row) << k << ", " << threads << " threads";
      EXPECT_EQ(t.target, one.target) << k << ", " << threads << " threads";
      EXPECT_EQ(0, std::memcmp(t.weight.data(), one.weight.data(), one.weight.size() * 4)) << k;
      EXPECT_EQ(t.delay, one.delay) << k << ", " << threads << " threads";
      EXPECT_EQ(t.uniform_delay, one.uniform_delay);
    }
    // Rows sorted by target (the delivery's binary search relies on it).
    for (std::size_t s = 0; s < one.sources(); ++s)
      EXPECT_TRUE(std::is_sorted(one.target.begin() + static_cast<long>(one.row[s]),
                                 one.target.begin() + static_cast<long>(one.row[s + 1])))
          << k << " row " << s;
  }
}

// The parts of a projection that the ranks of a distributed run build (the synapses onto a range
// of targets each) join, row by row, into the whole table: the same targets, weights, delays,
// and each synapse knows its index in the whole table (its random key).
TEST(Synapses, PartsOfAProjectionJoinIntoTheWholeTable) {
  const philox rng(17);
  const std::size_t n = 1234;
  std::vector<projection_spec> specs;
  auto p = rule(connect_rule::fixed_probability);
  p.p = 0.05;
  p.autapses = false;
  p.weight = {value_dist::kind::normal, 1e-3, 2e-4};
  p.delay = {value_dist::kind::uniform, 1e-4, 3e-3};
  specs.push_back(p);
  auto in = rule(connect_rule::fixed_indegree);
  in.degree = 37;
  in.multapses = true;
  in.weight = {value_dist::kind::uniform, 0.0, 1.0};
  in.delay = {value_dist::kind::normal, 1e-3, 5e-4};
  specs.push_back(in);
  auto out = rule(connect_rule::fixed_outdegree);
  out.degree = 29;
  out.autapses = false;
  out.weight = {value_dist::kind::uniform, 0.0, 1.0};
  specs.push_back(out);
  auto all = rule(connect_rule::all_to_all);
  all.weight = {value_dist::kind::normal, 2.0, 0.5};
  specs.push_back(all);
  specs.push_back(rule(connect_rule::one_to_one));
  auto list = rule(connect_rule::from_file);
  for (std::uint32_t k = 0; k < 5000; ++k) {
    list.list_source.push_back((k * 7919u) % n);
    list.list_target.push_back((k * 104729u) % n);
    list.list_weight.push_back(k * 1e-3);
  }
  specs.push_back(list);
  // Each rule onto n targets, and the rules drawn by source also onto 9100 targets (three
  // blocks of 4096, a rank's part beginning and ending inside one).
  struct case_ {
    std::size_t spec, n_source, n_target;
    std::vector<target_range> parts;
  };
  std::vector<case_> cases;
  for (std::size_t k = 0; k < specs.size(); ++k)
    cases.push_back({k, n, n, {{0, 400}, {400, 400}, {400, 1234}}});
  for (std::size_t k : {0, 2, 3})
    cases.push_back({k, 150, 9100, {{0, 4000}, {4000, 4000}, {4000, 8500}, {8500, 9100}}});
  for (const auto& c : cases) {
    const std::size_t k = c.spec, ns = c.n_source, nt = c.n_target;
    const auto idx = static_cast<std::uint32_t>(k);
    const auto whole = build_synapses(specs[k], idx, ns, nt, 1e-4, rng, 1);
    ASSERT_GT(whole.size(), 1000u) << k;
    for (int threads : {1, 2}) {
      // The ranks' parts, one of them empty, and the joined rows
      std::vector<synapse_table> t;
      for (const auto& r : c.parts)
        t.push_back(build_synapses(specs[k], idx, ns, nt, 1e-4, rng, threads, &r));
      EXPECT_EQ(t[1].size(), 0u);
      for (std::size_t s = 0; s < ns; ++s) {
        std::uint64_t q = whole.row[s];
        for (std::size_t r = 0; r < c.parts.size(); ++r) {
          const auto& x = t[r];
          ASSERT_EQ(x.global.size(), ns);
          for (auto u = x.row[s]; u < x.row[s + 1]; ++u, ++q) {
            ASSERT_LT(q, whole.row[s + 1]) << k << " row " << s;
            ASSERT_EQ(x.target[u], whole.target[q]) << k << " row " << s;
            ASSERT_GE(x.target[u], c.parts[r].first);
            ASSERT_LT(x.target[u], c.parts[r].second);
            ASSERT_EQ(0, std::memcmp(&x.weight[u], &whole.weight[q], 4)) << k << " row " << s;
            ASSERT_EQ(x.delay.empty() ? x.uniform_delay : x.delay[u],
                      whole.delay.empty() ? whole.uniform_delay : whole.delay[q]);
            ASSERT_EQ(x.global_index(s, u), q);
          }
        }
        ASSERT_EQ(q, whole.row[s + 1]) << k << " row " << s << ", " << threads << " threads";
      }
    }
  }
}

// The rules drawn by source split a row's count over blocks of 4096 targets (hypergeometric
// shares, binomial ones with multapses) and pick each block's targets: the rows must still be
// the rules' draws. Each target is drawn with the same probability (chi-square over targets),
// a row of fixed_probability has Binomial(n - 1, p) synapses, and the count in one block has
// the hypergeometric (or binomial) mean and variance. Bounds: 5 standard errors.
TEST(Synapses, RowsDrawnByTargetBlocksHaveTheRulesDistributions) {
  const philox rng(29);
  const std::size_t ns = 3000, nt = 3 * 4096 + 100;
  // Sum over targets [j0, nt) of (hits - mean)^2 / var: its expectation is the number of
  // targets when each one's hits have that mean and variance.
  auto chi_square = [&](const synapse_table& t, std::size_t j0, double mean, double var) {
    std::vector<double> hits(nt, 0);
    for (const auto x : t.target) ++hits[x];
    double chi2 = 0;
    for (std::size_t j = j0; j < nt; ++j) chi2 += (hits[j] - mean) * (hits[j] - mean) / var;
    return chi2;
  };
  auto moments = [](const std::vector<double>& x) {
    double m = 0, m2 = 0;
    for (const double v : x) m += v;
    m /= static_cast<double>(x.size());
    for (const double v : x) m2 += (v - m) * (v - m);
    return std::pair{m, m2 / static_cast<double>(x.size() - 1)};
  };
  const double rows = static_cast<double>(ns);
  for (const bool multapses : {false, true}) {
    SCOPED_TRACE(multapses ? "fixed_outdegree with multapses" : "fixed_outdegree");
    auto out = rule(connect_rule::fixed_outdegree);
    out.degree = 900;
    out.multapses = multapses;
    const auto t = build_synapses(out, 4, ns, nt, 1e-4, rng, 2);
    // a target's hits: Binomial(rows, k/n) without multapses, Binomial(rows k, 1/n) with;
    // the sum is near its expectation n (standard deviation about sqrt(2n))
    const double k = 900, n = static_cast<double>(nt);
    const double var = multapses ? rows * k / n * (1 - 1 / n) : rows * k / n * (1 - k / n);
    EXPECT_NEAR(chi_square(t, 0, rows * k / n, var), n, 5 * std::sqrt(2 * n));
    std::vector<double> in_block;
    for (std::size_t s = 0; s < ns; ++s) {
      double c = 0;
      for (auto q = t.row[s]; q < t.row[s + 1]; ++q) c += t.target[q] < 4096;
      in_block.push_back(c);
      if (!multapses)
        for (auto q = t.row[s] + 1; q < t.row[s + 1]; ++q) ASSERT_LT(t.target[q - 1], t.target[q]);
    }
    const auto [m, v] = moments(in_block);
    const double a = 4096 / n;
    const double block_var = multapses ? k * a * (1 - a) : k * a * (1 - a) * (n - k) / (n - 1);
    EXPECT_NEAR(m, k * a, 5 * std::sqrt(block_var / rows));
    EXPECT_NEAR(v / block_var, 1.0, 5 * std::sqrt(2 / (rows - 1)));
  }
  {
    SCOPED_TRACE("fixed_probability");
    auto p = rule(connect_rule::fixed_probability);
    p.p = 0.03;
    p.autapses = false;
    const auto t = build_synapses(p, 5, ns, nt, 1e-4, rng, 2);
    std::vector<double> length;
    for (std::size_t s = 0; s < ns; ++s) {
      length.push_back(static_cast<double>(t.row[s + 1] - t.row[s]));
      for (auto q = t.row[s]; q < t.row[s + 1]; ++q) ASSERT_NE(t.target[q], s);
    }
    const auto [m, v] = moments(length);
    const double n = static_cast<double>(nt - 1), var = n * 0.03 * 0.97;
    EXPECT_NEAR(m, n * 0.03, 5 * std::sqrt(var / rows));
    EXPECT_NEAR(v / var, 1.0, 5 * std::sqrt(2 / (rows - 1)));
    // targets below ns miss one source each (no autapses): the others' hits are independent,
    // Binomial(rows, p)
    const double others = static_cast<double>(nt - ns);
    EXPECT_NEAR(chi_square(t, ns, rows * 0.03, rows * 0.03 * 0.97), others,
                5 * std::sqrt(2 * others));
  }
}

TEST(Synapses, FromFileSortsAndNamesBadLines) {
  const auto dir = test::fresh_dir("syn-file");
  auto j = rule(connect_rule::from_file);
  j.file = test::write_text(
      dir / "c.csv", "source,target,weight,delay\n2,1,0.5,0.002\n0,3,0.25,0.001\n2,0,1,0.003\n");
  const auto t = build_synapses(j, 0, 3, 4, 1e-4, philox(1));
  ASSERT_EQ(t.size(), 3u);
  EXPECT_EQ(t.row, (std::vector<std::uint64_t>{0, 1, 1, 3}));
  EXPECT_EQ(t.target, (std::vector<std::uint32_t>{3, 0, 1}));
  EXPECT_EQ(t.weight, (std::vector<float>{0.25f, 1.0f, 0.5f}));
  EXPECT_EQ(t.delay, (std::vector<std::uint16_t>{10, 30, 20}));
  j.file = test::write_text(dir / "bad.csv", "source,target\n0,1\n0,4\n");
  EXPECT_TRUE(
      test::contains(test::input_error_of([&] { build_synapses(j, 0, 3, 4, 1e-4, philox(1)); }),
                     "bad.csv:3: target = 4"));
}

// A 1-D double dataset `name` in the HDF5 file `path` (created or extended).
void h5_column(const std::string& path, const char* name, const std::vector<double>& v) {
  const hid_t f = std::filesystem::exists(path)
                      ? H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT)
                      : H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  const hsize_t n = v.size();
  const hid_t sp = H5Screate_simple(1, &n, nullptr);
  const hid_t d = H5Dcreate2(f, name, H5T_NATIVE_DOUBLE, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data());
  H5Dclose(d);
  H5Sclose(sp);
  H5Fclose(f);
}

TEST(Synapses, FromHdf5IsTheSameAsFromCsv) {
  const auto dir = test::fresh_dir("syn-h5");
  auto j = rule(connect_rule::from_file);
  j.file = (dir / "c.h5").string();
  h5_column(j.file, "source", {2, 0, 2});
  h5_column(j.file, "target", {1, 3, 0});
  h5_column(j.file, "weight", {0.5, 0.25, 1});
  h5_column(j.file, "delay", {0.002, 0.001, 0.003});
  const auto t = build_synapses(j, 0, 3, 4, 1e-4, philox(1));
  EXPECT_EQ(t.row, (std::vector<std::uint64_t>{0, 1, 1, 3}));
  EXPECT_EQ(t.target, (std::vector<std::uint32_t>{3, 0, 1}));
  EXPECT_EQ(t.weight, (std::vector<float>{0.25f, 1.0f, 0.5f}));
  EXPECT_EQ(t.delay, (std::vector<std::uint16_t>{10, 30, 20}));
  // without weight and delay datasets; a bad index names the entry; lengths must agree
  j.file = (dir / "bad.h5").string();
  h5_column(j.file, "source", {0, 0});
  h5_column(j.file, "target", {1, 4});
  EXPECT_TRUE(
      test::contains(test::input_error_of([&] { build_synapses(j, 0, 3, 4, 1e-4, philox(1)); }),
                     "bad.h5: entry 1: target = 4"));
  j.file = (dir / "short.h5").string();
  h5_column(j.file, "source", {0, 0});
  h5_column(j.file, "target", {1});
  EXPECT_TRUE(
      test::contains(test::input_error_of([&] { build_synapses(j, 0, 3, 4, 1e-4, philox(1)); }),
                     "must have the same length"));
  j.file = (dir / "none.h5").string();
  h5_column(j.file, "source", {0});
  EXPECT_TRUE(test::contains(
      test::input_error_of([&] { build_synapses(j, 0, 3, 4, 1e-4, philox(1)); }), "target"));
}

// A spike train forces neuron i of population a to fire at 1 ms; one-to-one projections with
// large weights make population b fire exactly `delay` later.
TEST(Network, DelaysThroughTheRingBuffer) {
  const auto dir = test::fresh_dir("net-delay");
  for (bool per_synapse : {false, true}) {
    // 6 ms: each neuron fires once (the large ge would make it fire again after t_ref).
    auto s = one_population("lif_cuba", 20, 0.006);
    auto b = s.populations[0];
    b.name = "b";
    s.populations.push_back(b);
    for (auto& p : s.populations) p.init.push_back({"v", "t", value_dist::constant(-0.06)});
    stimulus_spec st;
    st.kind = stimulus_kind::spike_train;
    st.target = "a";
    st.receptor = "exc";
    st.weight = 10.0;  // volts of ge: crosses threshold within the step
    std::string csv = "time,neuron\n";
    for (int i = 0; i < 20; ++i) csv += fmt::format("0.001,{}\n", i);
    st.file = test::write_text(dir / "train.csv", csv);
    s.stimuli.push_back(st);
    auto j = rule(connect_rule::one_to_one, "a", "b");
    j.weight = value_dist::constant(10.0);
    j.delay = per_synapse ? value_dist{value_dist::kind::uniform, 1e-3, 3e-3}
                          : value_dist::constant(2e-3);
    s.projections.push_back(j);
    const auto models = builtin_models();
    network net(s, models);
    EXPECT_EQ(net.epoch_steps(), static_cast<std::int64_t>(net.projection(0).min_delay()));
    collect c;
    net.run(c);
    ASSERT_EQ(c.all.size(), 40u);
    for (const auto& sp : c.all) {
      if (sp.id < 20) {
        EXPECT_EQ(sp.step, 10);
      } else {
        const auto& t = net.projection(0);
        const std::int64_t d = t.delay.empty() ? t.uniform_delay : t.delay[sp.id - 20];
        EXPECT_EQ(sp.step, 10 + d) << "neuron " << sp.id;
        if (!per_synapse) EXPECT_EQ(d, 20);
      }
    }
  }
}

// The CUBA network at reduced size with a Poisson drive, per-synapse delays and a state
// probe: spikes and sampled states identical, bit for bit, for 1, 2 and 4 threads.
network_spec small_cuba() {
  network_spec s;
  s.source = "test";
  s.run.duration = 0.2;
  s.run.seed = 11;
  for (auto [name, n] : {std::pair<const char*, std::size_t>{"exc", 1600}, {"inh", 400}}) {
    population_spec p;
    p.name = name;
    p.model = "lif_cuba";
    p.size = n;
    p.init.push_back({"v", "t", {value_dist::kind::uniform, -0.06, -0.05}});
    s.populations.push_back(p);
  }
  for (const char* src : {"exc", "inh"})
    for (const char* tgt : {"exc", "inh"}) {
      auto j = rule(connect_rule::fixed_probability, src, tgt);
      j.p = 0.04;
      j.receptor = std::string(src) == "exc" ? "exc" : "inh";
      j.weight = value_dist::constant(std::string(src) == "exc" ? 1.62e-3 : -9e-3);
      // Epochs of 0.5 ms keep the thread synchronization cheap on a loaded machine.
      j.delay = std::string(tgt) == "inh" ? value_dist{value_dist::kind::uniform, 5e-4, 1.5e-3}
                                          : value_dist::constant(5e-4);
      s.projections.push_back(j);
    }
  stimulus_spec st;
  st.kind = stimulus_kind::poisson;
  st.target = "exc";
  st.receptor = "exc";
  st.rate = 5;
  st.sources = 20;
  st.weight = 1e-3;
  s.stimuli.push_back(st);
  recorder_spec r;
  r.kind = recorder_kind::state;
  r.populations = {"inh"};
  r.variables = {"v", "ge"};
  r.neurons = {0, 199, 399};
  s.recorders.push_back(r);
  return s;
}

TEST(Network, BitIdenticalForOneTwoAndFourThreads) {
  const auto models = builtin_models();
  std::vector<collect> runs(3);
  const int threads[] = {1, 2, 4};
  for (int k = 0; k < 3; ++k) {
    auto s = small_cuba();
    s.run.threads = threads[k];
    network net(s, models);
    net.run(runs[static_cast<std::size_t>(k)]);
  }
  ASSERT_GT(runs[0].all.size(), 1000u);  // the network is active
  for (int k = 1; k < 3; ++k) {
    const auto& a = runs[0].all;
    const auto& b = runs[static_cast<std::size_t>(k)].all;
    ASSERT_EQ(a.size(), b.size()) << threads[k] << " threads";
    for (std::size_t i = 0; i < a.size(); ++i) {
      ASSERT_EQ(a[i].step, b[i].step) << i;
      ASSERT_EQ(a[i].id, b[i].id) << i;
    }
    ASSERT_EQ(runs[0].values[0].size(), runs[static_cast<std::size_t>(k)].values[0].size());
    EXPECT_EQ(
        0, std::memcmp(runs[0].values[0].data(), runs[static_cast<std::size_t>(k)].values[0].data(),
                       runs[0].values[0].size() * sizeof(double)));
  }
  EXPECT_EQ(runs[0].steps[0].size(), 2000u);  // every step, 0.2 s / 0.1 ms
}

TEST(Network, ErrorsNameTheItem) {
  const auto models = builtin_models();
  auto s = one_population("lif_nope", 3, 0.01);
  EXPECT_TRUE(
      test::contains(test::input_error_of([&] { network(s, models); }),
                     "test:1: unknown model 'lif_nope' (known: lif_cuba, lif_coba, lif_delta, "
                     "dm1t1r, dm_lif, spike_source, poisson_source)"));
  s = one_population("lif_cuba", 3, 0.01);
  auto j = rule(connect_rule::all_to_all, "a", "zz");
  s.projections.push_back(j);
  EXPECT_TRUE(test::contains(test::input_error_of([&] { network(s, models); }),
                             "test:9: target 'zz' is not a population"));
  s.projections[0].target = "a";
  s.projections[0].receptor = "nmda";
  EXPECT_TRUE(test::contains(test::input_error_of([&] { network(s, models); }), "receptor 'nmda'"));
  s.projections[0].receptor = "exc";
  s.projections[0].delay = value_dist::constant(0);
  EXPECT_TRUE(
      test::contains(test::input_error_of([&] { network(s, models); }), "shorter than one step"));
}

TEST(SpikeStatistics, RatesCvAndKolmogorovSmirnov) {
  // Neuron 0 fires every 10 ms (CV 0), neuron 1 at 0, 10, 30, 60 ms (intervals 10, 20, 30).
  std::vector<double> t, id;
  for (int k = 0; k < 10; ++k) {
    t.push_back(0.01 * k);
    id.push_back(5);
  }
  for (double x : {0.0, 0.01, 0.03, 0.06}) {
    t.push_back(x);
    id.push_back(6);
  }
  const auto s = compute_spike_statistics(t, id, 5, 3, 0.0, 0.1, 2);
  EXPECT_DOUBLE_EQ(s.rate[0], 100.0);
  EXPECT_DOUBLE_EQ(s.rate[1], 40.0);
  EXPECT_DOUBLE_EQ(s.rate[2], 0.0);
  EXPECT_EQ(s.cv_neurons, 2u);
  EXPECT_NEAR(s.mean_cv, 0.5 * (0.0 + std::sqrt(200.0 / 3.0) / 20.0), 1e-12);
  EXPECT_DOUBLE_EQ(ks_statistic({1, 2, 3, 4}, {1, 2, 3, 4}), 0.0);
  EXPECT_DOUBLE_EQ(ks_statistic({1, 2}, {3, 4}), 1.0);
  EXPECT_DOUBLE_EQ(ks_statistic({1, 2, 3, 4}, {3, 4, 5, 6}), 0.5);
  EXPECT_NEAR(ks_critical(0.05, 100, 100), 1.358 * std::sqrt(0.02), 1e-3);
}

}  // namespace IONSIM_TEST_FILE
}  // namespace ionsim::network
