// The device contract (src/device/contract.hpp) and its registry: every registered model
// declares a consistent parameter table, noise-off form, fit defaults and batch factory, and a
// config of any model works through the generic registry functions.
#include <gtest/gtest.h>

#include <cmath>
#include <set>
#include <string>

#include "core/error.hpp"
#include "device/registry.hpp"
#include "device/wang2024.hpp"
#include "device/zhao2025.hpp"
#include "test_support.hpp"

namespace ionsim {
namespace {

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
    t->silence_noise(values);
    EXPECT_NO_THROW(t->check(values, "noise off", {}));
    // Fit defaults name real parameters, with bounds inside their ranges.
    for (const auto* list : {&t->fit().sweep, &t->fit().pulse, &t->fit().neuron})
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

}  // namespace
}  // namespace ionsim
