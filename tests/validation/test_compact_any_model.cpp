// The compact neuron on a memristor model other than the paper's (model B, wang2024), checked
// against the circuit engine on the same 1M1T1R netlist: the compact neuron runs on any model
// of the device registry, and its fixed-step coupling holds for it too.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

#include "circuit/netlist.hpp"
#include "circuit/transient.hpp"
#include "device/registry.hpp"
#include "neuron/characterize.hpp"
#include "neuron/dm1t1r.hpp"

namespace ionsim::neuron {
namespace IONSIM_TEST_FILE {

const std::vector<double>& column(const circuit::tran_result& r, const std::string& name) {
  for (std::size_t k = 0; k < r.names.size(); ++k)
    if (r.names[k] == name) return r.values[k];
  throw std::runtime_error("no column " + name);
}

TEST(CompactNeuron, ModelBAgreesWithTheCircuitEngine) {
  neuron_circuit n;  // the 1M1T1R defaults (PHYSICS.md §1)
  // Noise off, and one initial residue for every device (the circuit's and the compact's
  // devices have other ids, so their random draws would differ).
  n.memristor = ionsim::without_noise(load_preset("wang2024-pulse"));
  set_param(n.memristor, "res_init_min", 0.4);
  set_param(n.memristor, "res_init_max", 0.4);
  set_spike_levels(n);
  // 1 V, 5 ms pulses every 20 ms: the device switches on in each pulse (and holds, so one spike
  // per pulse) and relaxes between them.
  const double t_end = 0.1, dt = 1e-6;
  const auto nl = circuit::parse_netlist(
      neuron_netlist(n, {"PULSE(0 1 0 1u 1u 5m 20m)", t_end, dt}), "model_b_neuron.cir");
  const auto r = circuit::run_transient(nl, {});
  const auto ref = spike_times(r.t, column(r, "v(gate)"), n.v_spike, n.v_rearm);
  ensemble_options o;
  o.t_end = t_end;
  o.dt = dt;
  const auto compact = run_ensemble(n, {1.0, 5e-3, 20e-3}, 1, o)[0].spikes;
  ASSERT_EQ(ref.size(), 5u);
  ASSERT_EQ(compact.size(), 5u);
  // Within one step: the compact neuron stamps a spike at the end of the step in which V_g
  // crossed the level (the circuit engine interpolates the crossing), and holds the device's
  // voltage over each step (measured: 0.14, 0.14, 0.13, 0.28, 0.45 us).
  for (std::size_t k = 0; k < ref.size(); ++k) {
    std::printf("spike %zu: compact %.9g s, circuit engine %.9g s\n", k, compact[k], ref[k]);
    EXPECT_NEAR(compact[k], ref[k], dt) << k;
  }
}

}  // namespace IONSIM_TEST_FILE
}  // namespace ionsim::neuron
