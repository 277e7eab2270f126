#pragma once
// Energy and area of one inference on 1M1T1R hardware (docs/tasks/energy.md): the neuron's
// energy per spike from the circuit engine (neuron/characterize.hpp spike_energy), the
// crossbar's read energy from the programmed conductances (nir::hardware_activity), and the
// drivers, integrators and static power as documented per-operation figures and assumptions;
// the anchors' published figures beside them. Also NeuroBench's counts for the ideal graph.
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "nir/graph.hpp"
#include "nir/hardware.hpp"
#include "nir/run.hpp"

namespace ionsim::task {

struct energy_model {
  // The neuron's circuit configuration (spike_energy): table1 | 65nm | 3nm | calibrated.
  std::string neuron = "65nm";
  double feature = 0;          // [m] F for the cell areas; 0: 65 nm, or 3 nm for "3nm"
  double cell_f2 = 48;         // [F^2] 1T1R cell, also the 1M1T1R stack (NeuroSim's 4F x 12F)
  double e_driver = 0.33e-12;  // [J] per row activation: a 1-bit DAC / driver (ISAAC)
  double c_wire = 0.2e-9;      // [F/m] line capacitance (NeuroSim's 0.2 fF/um)
  double v_integrator = 1.0;   // [V] supply from which the integrators draw each read's charge
  double p_static = 1e-6;      // [W] static power per neuron (its integrator's bias): assumption
  double a_integrator = 0;     // [m^2] per neuron, the integrator (0: not counted)
};

// Checks the model's values; `source` names the table for messages.
void check_energy_model(const energy_model& m, const std::string& source);

// Mean energy and area per inference: energy_per_inference_J, energy_breakdown_J, area_m2,
// area_breakdown_m2, energy_per_synaptic_operation_J, the model's figures with their sources
// (energy_model) and the anchors (references). `neurons` and `devices` are the mapped network's
// neuron and memristor counts (the reset pairs included); `neuron` is the neuron layer's energy
// row of configuration m.neuron (neuron::spike_energy).
nlohmann::json hardware_energy(const std::vector<nir::hardware_activity>& samples,
                               const energy_model& m, double neurons, double devices, double v_read,
                               const nlohmann::json& neuron);

// NeuroBench's static and per-inference counts of a graph (Yik et al., Nat. Commun. 16, 1545
// (2025)), averaged over the runs: synaptic_operations (spikes x nonzero fan-out, Input
// spikes included; a convolution's fan-out from its unrolled matrix, a pooling folded into the
// matrix after it), activation_sparsity (1 - spikes / (neurons x steps) of the spiking nodes),
// connection_sparsity (zero weights / weights, a convolution's kernel counted once),
// footprint_bytes (parameters x 4, float32).
nlohmann::json neurobench_counts(const nir::graph& g, const std::vector<double>& inputs,
                                 const std::vector<nir::run_result>& runs);

// The same counts gathered over batches of runs, so that a long set need not be kept whole.
class neurobench_tally {
 public:
  explicit neurobench_tally(const nir::graph& g);
  // inputs: the runs' inputs (runs x steps x inputs)
  void add(const std::vector<double>& inputs, const std::vector<nir::run_result>& runs);
  nlohmann::json counts() const;  // null before any run

 private:
  nir::graph g_;                                       // flattened
  std::map<std::string, std::vector<double>> spikes_;  // per source neuron, summed
  double fired_ = 0, slots_ = 0;
  std::size_t samples_ = 0;
};

}  // namespace ionsim::task
