// The neuron layer's protocols on short runs (src/neuron/characterize.hpp), with the Table 1
// neuron, whose behaviour is known from PHYSICS.md §2 and the ngspice comparison.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>

#include "neuron/characterize.hpp"

namespace ionsim::neuron {
namespace {

TEST(NeuronCharacterize, Fig2eFirstSpikeOfTable1) {
  // PHYSICS.md §2: Table 1 first fires at about 193 ms under the Fig. 2e stimulus (ngspice:
  // 192.93 ms); 1 % tolerance as in the circuit validation.
  const auto n = neuron_from_preset("zhao2025-table1");
  const auto spikes = run_trials(n, {"PULSE(0 0.8 0 1u 1u 999u 2m)", 0.25, 50e-6}, 2, 1);
  ASSERT_EQ(spikes.size(), 2u);
  ASSERT_FALSE(spikes[0].empty());
  EXPECT_NEAR(spikes[0].front(), 192.93e-3, 0.01 * 192.93e-3);
  EXPECT_EQ(spikes[0], spikes[1]);  // noise off: trials agree
}

TEST(NeuronCharacterize, LeakyIntegrationNeedsMorePulsesForLongerGaps) {
  const auto n = neuron_from_preset("zhao2025-table1");
  double previous = 0;
  for (double gap : {0.4e-3, 0.8e-3, 1.2e-3}) {
    const double period = 1e-3 + gap;
    const auto spikes =
        run_trials(n, {fmt::format("PULSE(0 0.9 0 1u 1u 998u {:.9g})", period), 0.3, 50e-6}, 1, 1);
    ASSERT_FALSE(spikes[0].empty()) << gap;
    const double pulses = std::floor(spikes[0].front() / period) + 1;
    EXPECT_GT(pulses, previous) << gap;
    previous = pulses;
  }
}

TEST(NeuronCharacterize, ReportNamesThePapersValues) {
  const auto n = neuron_from_preset("zhao2025-table1");
  characterize_options o;
  o.trials = 1;
  o.threshold_trials = 2;
  const auto r = characterize(n, o);
  EXPECT_EQ(r["fig2e"]["pulses_to_first_spike"]["mean"].get<double>(), 97.0);
  ASSERT_EQ(r["stochastic_threshold"]["probability"].size(), 7u);
  // cascade: neuron 2 fires after neuron 1 does, and not at all when neuron 1 has no input
  const auto& cases = r["cascade"]["cases"];
  ASSERT_EQ(cases.size(), 2u);
  ASSERT_FALSE(cases[0]["neuron1_spikes_s"].empty());
  ASSERT_FALSE(cases[0]["neuron2_spikes_s"].empty());
  EXPECT_GT(cases[0]["neuron2_spikes_s"][0].get<double>(),
            cases[0]["neuron1_spikes_s"][0].get<double>());
  EXPECT_TRUE(cases[1]["neuron1_spikes_s"].empty());
  EXPECT_TRUE(cases[1]["neuron2_spikes_s"].empty());
  const std::string md = characterize_report(r);
  EXPECT_NE(md.find("| pulses to the first spike | 44 | 97"), std::string::npos) << md;
}

}  // namespace
}  // namespace ionsim::neuron
