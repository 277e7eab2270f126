#include "task/energy.hpp"

#include <fmt/format.h>

#include <cmath>
#include <map>

#include "core/error.hpp"

namespace ionsim::task {

void check_energy_model(const energy_model& m, const std::string& source) {
  const auto need = [&](bool ok, const char* what) {
    if (!ok) throw input_error(fmt::format("{}: {}", source, what));
  };
  need(m.neuron == "table1" || m.neuron == "65nm" || m.neuron == "3nm" || m.neuron == "calibrated",
       "neuron must be one of table1, 65nm, 3nm, calibrated");
  need(m.feature >= 0 && m.feature < 1e-5, "feature must be a node size in m (0: the neuron's)");
  need(m.cell_f2 > 0, "cell_f2 must be positive");
  need(m.e_driver >= 0 && m.c_wire >= 0 && m.v_integrator >= 0 && m.p_static >= 0 &&
           m.a_integrator >= 0,
       "e_driver, c_wire, v_integrator, p_static and a_integrator must not be negative");
}

nlohmann::json hardware_energy(const std::vector<nir::hardware_activity>& samples,
                               const energy_model& m, double neurons, double devices, double v_read,
                               const nlohmann::json& neuron) {
  nir::hardware_activity a;
  for (const auto& s : samples) a += s;
  const double n = std::max<double>(static_cast<double>(samples.size()), 1);
  const double e_spike = neuron.value("per_spike_J", 0.0);
  const double f = m.feature > 0 ? m.feature : (m.neuron == "3nm" ? 3e-9 : 65e-9);
  const double pitch = std::sqrt(m.cell_f2) * f;  // [m] a cell's share of a line
  nlohmann::ordered_json e;
  e["neurons"] = a.neuron_spikes * e_spike / n;
  e["crossbar_reads"] = a.read_energy / n;
  e["row_drivers"] = a.row_activations * m.e_driver / n;
  e["lines"] = a.device_reads * pitch * m.c_wire * v_read * v_read / n;
  e["integrators"] = a.integrator_charge * m.v_integrator / n;
  e["static"] = m.p_static * neurons * a.duration / n;
  double total = 0;
  for (const auto& [k, v] : e.items()) total += v.get<double>();
  nlohmann::ordered_json area;
  area["neurons"] = neurons * m.cell_f2 * f * f;
  area["synapses"] = devices * m.cell_f2 * f * f;
  area["integrators"] = neurons * m.a_integrator;
  double area_total = 0;
  for (const auto& [k, v] : area.items()) area_total += v.get<double>();
  nlohmann::ordered_json out;
  out["energy_per_inference_J"] = total;
  out["energy_breakdown_J"] = e;
  out["energy_per_synaptic_operation_J"] =
      a.synaptic_operations > 0 ? nlohmann::ordered_json(total * n / a.synaptic_operations)
                                : nlohmann::ordered_json(nullptr);
  out["area_m2"] = area_total;
  out["area_breakdown_m2"] = area;
  out["activity_per_inference"] = {
      {"hardware_time_s", a.duration / n},  {"neuron_spikes", a.neuron_spikes / n},
      {"input_spikes", a.input_spikes / n}, {"row_activations", a.row_activations / n},
      {"device_reads", a.device_reads / n}, {"synaptic_operations", a.synaptic_operations / n}};
  out["energy_model"] = {
      {"neuron",
       {{"configuration", m.neuron},
        {"energy_per_spike_J", e_spike},
        {"half_cg_vin2_J", neuron.value("half_cg_vin2_J", 0.0)},
        {"stimulus", neuron.value("stimulus", "")},
        {"source",
         "circuit engine: energy delivered by the input and the supplies per "
         "spike (C V^2 convention); the paper quotes 1/2 C_g V^2"},
        {"projection", m.neuron == "3nm"}}},
      {"feature_m", f},
      {"cell_F2", m.cell_f2},
      {"cell_source",
       "NeuroSim's 1T1R cell, 4F x 12F (DNN_NeuroSim V1.3 Param.cpp); 30-60 F^2 for 1T1R in "
       "Dutta et al. (S. Yu, S. Datta), monolithic 3D FeFET compute-in-memory"},
      {"driver_J", m.e_driver},
      {"driver_source",
       "ISAAC's 1-bit DAC, 4 mW for 1024 DACs at 1.2e10 drives/s (Shafiee et al., ISCA 2016, "
       "32 nm; as tabulated by the Accelergy library)"},
      {"line_F_per_m", m.c_wire},
      {"line_source", "NeuroSim's wire capacitance, 0.2 fF/um"},
      {"integrator_supply_V", m.v_integrator},
      {"static_W_per_neuron", m.p_static},
      {"static_source",
       "assumption: one low-power op-amp integrator per neuron (a 180 nm single-op-amp LIF "
       "neuron draws 13 uA while integrating: Wu, Saxena, Zhu, arXiv:1506.01069)"},
      {"integrator_area_m2", m.a_integrator}};
  const auto ref = [](const char* system, double j, const char* per, const char* source) {
    return nlohmann::ordered_json{
        {"system", system}, {"energy_J", j}, {"per", per}, {"source", source}};
  };
  out["references"] = nlohmann::ordered_json::array(
      {ref("Intel Loihi (14 nm)", 23.6e-12, "synaptic operation (minimum, pre-silicon)",
           "Davies et al., IEEE Micro 38, 82 (2018), Table 2"),
       ref("IBM TrueNorth (28 nm)", 26e-12, "synaptic event (whole chip)",
           "Merolla et al., Science 345, 668 (2014)"),
       ref("SpiNNaker2 (22 nm)", 10e-12, "synaptic operation",
           "Mayr et al., arXiv:1911.02385 (figure as commonly quoted; not found in the "
           "abstract)"),
       ref("analog in-memory chip (14 nm PCM)", 0.16e-12, "MAC (12.4 TOPS/W, 2 operations per MAC)",
           "Ambrogio et al., Nature 620, 768 (2023)"),
       ref("28 nm CMOS LIF neuron", 1.61e-15, "spike (34 um^2)",
           "Besrour et al., arXiv:2408.07734"),
       ref("1M1T1R neuron, 65 nm (paper)", 1.39e-12, "spike",
           "Zhao et al., Nat. Electron. 8, 1211 "
           "(2025), Supplementary Table 7")});
  return out;
}

nlohmann::json neurobench_counts(const nir::graph& g, const std::vector<double>& inputs,
                                 const std::vector<nir::run_result>& runs) {
  neurobench_tally t(g);
  t.add(inputs, runs);
  return t.counts();
}

neurobench_tally::neurobench_tally(const nir::graph& g) : g_(nir::flatten(g)) {
  spikes_["\x01input"].assign(nir::input_size(g_), 0.0);
}

void neurobench_tally::add(const std::vector<double>& inputs,
                           const std::vector<nir::run_result>& runs) {
  std::vector<double>& in = spikes_["\x01input"];
  for (std::size_t k = 0; k < inputs.size(); ++k) in[k % in.size()] += inputs[k] != 0;
  for (const auto& r : runs)
    for (const auto& nd : r.nodes) {
      if (!nd.spiking) continue;
      auto& v = spikes_[nd.name];
      v.resize(nd.size, 0.0);
      for (std::size_t k = 0; k < nd.spikes.size(); ++k) {
        v[k % nd.size] += nd.spikes[k];  // counts (hardware: possibly more than one per step)
        fired_ += nd.spikes[k] != 0;
      }
      slots_ += static_cast<double>(nd.size * r.steps);
    }
  samples_ += runs.size();
}

nlohmann::json neurobench_tally::counts() const {
  if (samples_ == 0) return nullptr;
  double ops = 0, zeros = 0, weights = 0, params = 0;
  for (const auto& nd : g_.nodes)
    for (const auto& [k, a] : nd.params)
      if (k != "shape") params += static_cast<double>(a.size());
  for (std::size_t k = 0; k < g_.nodes.size(); ++k) {
    const nir::node& w = g_.nodes[k];
    const bool conv = w.type == "Conv2d" || w.type == "Conv1d";
    if ((w.type != "Linear" && w.type != "Affine" && !conv) || !w.params.count("weight")) continue;
    const auto& a = w.params.at("weight");
    if (!conv && a.shape.size() != 2) continue;
    // Connection sparsity over the weight tensor (a convolution's kernel counted once);
    // operations: per source spike, the nonzero weights it meets, from the matrix on the
    // source's spikes (a convolution unrolled, pooling folded in)
    for (double x : a.data) zeros += x == 0;
    weights += static_cast<double>(a.size());
    nir::fed_matrix fm;
    try {
      fm = nir::matrix_fed_by(g_, k, 0);
    } catch (const input_error&) {
      continue;  // not fed by one spiking node or the Input (a graph the runner takes as well)
    }
    const nir::node& src = g_.nodes[fm.source];
    const auto it = spikes_.find(src.type == "Input" ? "\x01input" : src.name);
    if (it == spikes_.end()) continue;
    for (std::size_t q = 0; q < fm.m.weight.size(); ++q)
      if (fm.m.weight[q] != 0 && fm.m.in[q] < it->second.size()) ops += it->second[fm.m.in[q]];
  }
  const double n = static_cast<double>(samples_);
  return {{"synaptic_operations", ops / n},
          {"activation_sparsity", slots_ > 0 ? 1 - fired_ / slots_ : 0.0},
          {"connection_sparsity", weights > 0 ? zeros / weights : 0.0},
          {"footprint_bytes", params * 4}};
}

}  // namespace ionsim::task
