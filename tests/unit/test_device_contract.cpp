// The device contract (src/device/contract.hpp) and its registry: every registered model
// declares a consistent parameter table, noise-off form, fit defaults and batch factory, and a
// config of any model works through the generic registry functions.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "device/registry.hpp"
#include "device/wang2024.hpp"
#include "device/zhao2025.hpp"
#include "test_support.hpp"

namespace ionsim {
namespace IONSIM_TEST_FILE {

using test::contains;

TEST(DeviceContract, EveryModelIsConsistent) {
  ASSERT_GE(device_types().size(), 2u);
  for (const device_type* t : device_types()) {
    SCOPED_TRACE(std::string(t->name()));
    EXPECT_FALSE(t->citation().empty());
    std::set<std::string> names;
    for (const auto& p : t->params()) {
      EXPECT_TRUE(names.insert(std::string(p.name)).second) << "duplicate " << p.name;
      if (p.kind != param_kind::flag) EXPECT_FALSE(p.unit.empty()) << p.name << " has no unit";
      EXPECT_TRUE(check_range(p, p.default_value).empty()) << p.name << " default out of range";
    }
    EXPECT_TRUE(t->find("dt").has_value()) << "every model declares its step";
    // The defaults are a valid set, and the noise-off form stays valid.
    auto values = t->defaults();
    EXPECT_NO_THROW(t->check(values, "defaults", {}));
    auto scaled = values;
    t->scale_noise(scaled, 0.5);
    EXPECT_NO_THROW(t->check(scaled, "noise halved", {}));
    t->scale_noise(values, 0.0);
    EXPECT_NO_THROW(t->check(values, "noise off", {}));
    // Fit defaults name real parameters, with bounds inside their ranges.
    for (const auto* list : {&t->fit().sweep, &t->fit().pulse, &t->fit().neuron,
                             &t->fit().sweep_polarity, &t->fit().optional})
      for (const auto& f : *list) {
        const auto k = t->find(f.name);
        ASSERT_TRUE(k.has_value()) << f.name;
        EXPECT_LT(f.lo, f.hi) << f.name;
        EXPECT_TRUE(check_range(t->params()[*k], f.lo).empty()) << f.name;
        EXPECT_TRUE(check_range(t->params()[*k], f.hi).empty()) << f.name;
      }
    for (const auto& start : {t->fit().sweep_start, t->fit().pulse_start})
      if (!start.empty()) EXPECT_EQ(load_preset(start).type, t) << start;
    // The factory builds a batch of the model.
    const auto batch = t->make(t->defaults(), 3, 1, 10);
    ASSERT_TRUE(batch);
    EXPECT_EQ(batch->model_name(), t->name());
    EXPECT_EQ(batch->size(), 3u);
    EXPECT_GE(t->bytes_per_device(), batch->state_names().size() * sizeof(double));
  }
}

TEST(DeviceContract, NoiseOffZeroesTheNoiseOnly) {
  const auto c = load_preset("ag-symmetric-fit");
  const auto q = without_noise(c);
  for (const char* n : {"sigma1", "sigma2", "sigma3"}) EXPECT_EQ(get_param(q, n), 0.0) << n;
  EXPECT_GT(get_param(c, "sigma1"), 0.0);
  EXPECT_EQ(get_param(q, "mu"), get_param(c, "mu"));
  const auto z = without_noise(load_preset("zhao2025-calibrated"));
  EXPECT_EQ(get_param(z, "sigma1"), 0.0);
  EXPECT_EQ(get_param(z, "sigma2"), 0.0);
}

TEST(DeviceContract, UnknownModelNamesTheKnownOnes) {
  try {
    default_config("nope");
    FAIL() << "no error";
  } catch (const input_error& e) {
    EXPECT_TRUE(contains(e.what(), "'nope'")) << e.what();
    for (const auto& n : model_names()) EXPECT_TRUE(contains(e.what(), n)) << e.what();
  }
  try {
    parse_config("model = \"nope\"\n", "x.toml");
    FAIL() << "no error";
  } catch (const input_error& e) {
    EXPECT_TRUE(contains(e.what(), "x.toml:1")) << e.what();
    EXPECT_TRUE(contains(e.what(), "wang2024")) << e.what();
  }
}

TEST(DeviceContract, TypedAccessChecksTheModel) {
  const auto c = load_preset("zhao2025-table1");
  EXPECT_EQ(params_as<zhao2025_params>(c).mu, get_param(c, "mu"));
  try {
    params_as<wang2024_params>(c);
    FAIL() << "no error";
  } catch (const input_error& e) {
    EXPECT_TRUE(contains(e.what(), "wang2024")) << e.what();
    EXPECT_TRUE(contains(e.what(), "zhao2025")) << e.what();
  }
}

// A configuration of each registered model with its noise on, and a drive that switches it.
struct noisy_case {
  device_config config;
  double volts;  // [V] a drive that switches the device on within a few ms
};
std::vector<noisy_case> noisy_cases() {
  auto z = load_preset("zhao2025-table1");
  set_param(z, "sigma1", 0.002);
  set_param(z, "sigma2", 0.002);
  return {{z, 1.0}, {load_preset("ag-symmetric-fit"), 1.0}, {load_preset("ag-hopping-fit"), 1.0}};
}

// Driving by a waveform gives the same path however the drive is split into calls: the noise
// is keyed by the grid's integer indices, not by the calls.
TEST(DeviceContract, WaveformDriveDoesNotDependOnHowItIsSplit) {
  const auto square = [](double t, std::span<double> v) {
    for (double& x : v) x = std::fmod(t, 1e-3) < 5e-4 ? 0.9 : 0.1;
  };
  for (const auto& c : noisy_cases()) {
    SCOPED_TRACE(std::string(c.config.model()));
    auto a = make_device(c.config, 4, 3, 0), b = make_device(c.config, 4, 3, 0);
    const double dt = a->default_dt();
    a->advance_waveform(0, 1000 * dt, 1, square);
    b->advance_waveform(0, 300 * dt, 1, square);
    b->advance_waveform(300 * dt, 700 * dt, 1, square);
    for (std::size_t i = 0; i < 4; ++i) EXPECT_EQ(a->resistance(i), b->resistance(i)) << i;
    EXPECT_THROW(a->advance_waveform(0.3 * dt, dt, 0, square), input_error);
  }
}

// Model A's noise on the dyadic grid comes from the virtual Brownian tree: coarser steps follow
// the same sample path as finer ones, so their end states converge to the fine one (strongly),
// while a path of another seed stays as far away as the noise makes it.
TEST(DeviceContract, DyadicStepsOfModelAFollowOneSamplePath) {
  auto cfg = load_preset("zhao2025-table1");
  set_param(cfg, "sigma1", 0.05);
  set_param(cfg, "sigma2", 0.05);
  constexpr std::size_t n = 100;
  const double root = 5e-4;  // [s] 0.5 ms at 0.3 V: the state rises but stays below 1
  const std::vector<double> v(n, 0.3);
  auto end_state = [&](int level, std::uint64_t seed) {
    auto d = make_device(cfg, n, seed, 0);
    for (std::uint64_t k = 0; k < (1u << level); ++k) d->advance_dyadic({root, level, k}, v);
    std::vector<double> x(n);
    for (std::size_t i = 0; i < n; ++i) x[i] = d->state(0)[i] + d->state(1)[i];
    return x;
  };
  auto mean_abs_diff = [](const std::vector<double>& a, const std::vector<double>& b) {
    double s = 0;
    for (std::size_t i = 0; i < a.size(); ++i) s += std::fabs(a[i] - b[i]);
    return s / static_cast<double>(a.size());
  };
  const auto reference = end_state(12, 1);
  const double other_path = mean_abs_diff(end_state(12, 2), reference);
  double previous = other_path;
  for (int level : {4, 6, 8, 10}) {
    const double err = mean_abs_diff(end_state(level, 1), reference);
    std::printf("model A, step %.3g us: mean |x - x_ref| %.3e (another path: %.3e)\n",
                root / std::ldexp(1.0, level) * 1e6, err, other_path);
    EXPECT_LT(err, previous) << "level " << level;
    previous = err;
  }
  EXPECT_LT(previous, 0.1 * other_path);
}

// Every model's "on" event is negative in the initial state and turns positive as a drive
// switches the device on. Located by a scan on a coarse dyadic grid and bisection to a fine one
// (noise on: one sample path at every resolution), it converges to the first crossing of fixed
// stepping on the fine grid as the scan's grid is refined.
TEST(DeviceContract, OnEventIsLocatedByBisectionOnTheGrid) {
  constexpr int finest = 10;
  const double root = 1e-4;  // [s]
  std::vector<double> g(1);
  auto event = [&](device_model& m) {
    m.event_values(0, g);
    return g[0];
  };
  for (const auto& c : noisy_cases()) {
    SCOPED_TRACE(std::string(c.config.model()));
    const std::vector<double> v(1, c.volts);
    ASSERT_EQ(make_device(c.config, 1, 5, 0)->event_names().at(0), "on");
    // fixed stepping at the finest level: the interval in which the event happens
    auto f = make_device(c.config, 1, 5, 0);
    ASSERT_LT(event(*f), 0.0);
    std::uint64_t fixed = 0;
    for (; fixed < 200u << finest; ++fixed) {
      f->advance_dyadic({root, finest, fixed}, v);
      if (event(*f) >= 0) break;
    }
    ASSERT_LT(fixed, 200u << finest) << "the drive did not switch the device on in 20 ms";
    double previous_error = 1e300;
    for (int scan : {0, 4, 8}) {
      auto d = make_device(c.config, 1, 5, 0);
      std::vector<double> before;
      std::uint64_t lo = 0;
      for (d->save_state(before);; ++lo) {
        d->advance_dyadic({root, scan, lo}, v);
        if (event(*d) >= 0) break;
        d->save_state(before);
      }
      for (int level = scan; level < finest; ++level) {  // `before`: the state at lo's start
        d->restore_state(before);
        d->advance_dyadic({root, level + 1, 2 * lo}, v);  // the left half
        lo = 2 * lo + (event(*d) < 0 ? 1 : 0);
        if (lo % 2 == 1) d->save_state(before);
      }
      const double error = std::fabs(static_cast<double>(lo) - static_cast<double>(fixed)) /
                           static_cast<double>(fixed);
      std::printf("%s scan level %d: event at %llu, fixed %llu, relative error %.2e\n",
                  std::string(c.config.model()).c_str(), scan, static_cast<unsigned long long>(lo),
                  static_cast<unsigned long long>(fixed), error);
      EXPECT_LE(error, previous_error) << "scan level " << scan;
      previous_error = error;
    }
    EXPECT_LT(previous_error, 1e-3);
  }
}

}  // namespace IONSIM_TEST_FILE
}  // namespace ionsim
