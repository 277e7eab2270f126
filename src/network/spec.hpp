#pragma once
// A network described as plain data: what `ionsim run` reads from TOML, and what a program
// using the library fills in directly. All quantities in SI units. Every `where` names the
// file and line the item came from, for messages raised while building.
#include <toml++/toml.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "device/stdp_protocol.hpp"

namespace ionsim::network {

struct synapse_table;

// The integrators of memristive neuron populations (`integrator` in their params;
// docs/neuron/adaptive.md), and the one that runs for `integrator` ("" where not given) and
// `sub_levels`: not given, adaptive where sub_levels > 0, else fixed.
inline const std::vector<std::string> memristive_integrators = {"fixed", "adaptive", "hybrid"};
inline std::string integrator_of(const std::string& given, double sub_levels) {
  return !given.empty() ? given : sub_levels > 0 ? "adaptive" : "fixed";
}

// A value, or a distribution drawn independently per neuron or per synapse.
struct value_dist {
  enum class kind { constant, uniform, normal };
  kind k = kind::constant;
  double a = 0;  // constant value, uniform low bound, normal mean
  double b = 0;  // uniform high bound (exclusive), normal standard deviation
  static value_dist constant(double v) { return {kind::constant, v, 0}; }
  bool is_constant() const { return k == kind::constant; }
};

struct run_spec {
  double dt = 1e-4;        // [s]
  double duration = 1.0;   // [s]
  std::uint64_t seed = 1;  //
  int threads = 1;         //
  double max_memory = 0;   // [bytes] the build's memory limit (0: the memory available)
};

struct population_spec {
  std::string name, model, where;
  std::size_t size = 0;
  std::optional<toml::table> params;  // [population.params], validated by the model's table
  std::string params_source;          // file name for the model's messages
  struct init_value {
    std::string variable, where;
    value_dist value;
  };
  std::vector<init_value> init;
  // [population.params] given as distributions, drawn per neuron (init_value's fields: the
  // parameter's name, where it was given, its distribution).
  std::vector<init_value> param_dists;
};

// [projection.plasticity]: a spike-timing-dependent rule on the projection's weights
// (network/plasticity.hpp). Amplitudes and bounds are in the weight's unit.
struct plasticity_spec {
  enum class rule { stdp, triplet, reward_stdp, device_stdp };
  enum class pairing { all_to_all, nearest };
  enum class dependence { additive, multiplicative };
  rule kind = rule::stdp;
  pairing pairs = pairing::all_to_all;
  dependence weights = dependence::additive;
  double tau_plus = 20e-3;   // [s] presynaptic trace r1
  double tau_minus = 20e-3;  // [s] postsynaptic trace o1
  double a_plus = 0;         // [weight unit] potentiation per unit of r1 (triplet: A2+)
  double a_minus = 0;        // [weight unit] depression per unit of o1 (triplet: A2-)
  double tau_x = 101e-3;     // [s] triplet: presynaptic trace r2
  double tau_y = 125e-3;     // [s] triplet: postsynaptic trace o2
  double a3_plus = 0;        // [weight unit] triplet: potentiation per unit of r1 o2
  double a3_minus = 0;       // [weight unit] triplet: depression per unit of o1 r2
  double w_min = 0;          // [weight unit]
  double w_max = 0;          // [weight unit]
  // reward_stdp: the STDP amounts go to an eligibility trace c (decay tau_c); the weight
  // follows dw/dt = c d, where d (decay tau_d) jumps by `reward` at every spike of the
  // `modulator` population, `modulator_delay` after it.
  double tau_c = 1.0;             // [s]
  double tau_d = 0.2;             // [s]
  double reward = 1.0;            // [1/s] jump of d per modulator spike
  std::string modulator;          // population name
  double modulator_delay = 1e-3;  // [s]
  // A programmed device (network/device_update.hpp): each weight change becomes that many
  // identical pulses (|dw| / (w_max - w_min) of the device's levels, rounded to the nearest
  // or stochastically), and the weight follows the device's conductance, mapped linearly
  // from [G_min, G_max] to [w_min, w_max]. Empty: the abstract change.
  std::string device;
  double device_c2c = -1;          // [1] overrides the device's cycle-to-cycle spread (>= 0)
  double device_d2d = 0;           // [1] device-to-device spread of the nonlinearity labels
  bool stochastic_pulses = false;  // round the pulse count stochastically
  // device_stdp (network/device_stdp.hpp): the synapse's device (a preset of a one-state
  // model) and the spike waveform across it (`pairs` and `period` unused); w_max is the weight
  // of the device at its largest conductance, w_min follows from its range.
  std::string waveform_device;
  stdp_protocol spike;
  std::string where;
};

enum class connect_rule {
  all_to_all,
  one_to_one,
  fixed_probability,
  fixed_indegree,
  fixed_outdegree,
  from_file
};

struct projection_spec {
  std::string name, source, target, receptor, where;
  connect_rule rule = connect_rule::all_to_all;
  double p = 0;            // fixed_probability
  std::size_t degree = 0;  // fixed_indegree / fixed_outdegree
  bool autapses = true;    // a neuron may connect to itself (same population)
  bool multapses = true;   // fixed_indegree / fixed_outdegree may repeat a pair
  value_dist weight;       // [receptor unit]
  value_dist delay = value_dist::constant(1e-4);  // [s]
  std::string file;  // from_file: CSV with source,target[,weight][,delay]
  // from_file without a file: the list itself (a program building a network in memory), one
  // entry per synapse; weight may be empty (then `weight` is drawn).
  std::vector<std::uint32_t> list_source, list_target;
  std::vector<double> list_weight;
  // Memristive synapses (network/memristive.hpp): `weight` is then a conductance [S].
  std::optional<toml::table> memristor;  // [projection.memristor] keys, checked when built
  std::string memristor_source;          // file name for its messages
  std::optional<plasticity_spec> plasticity;
  // storage = "procedural": no synapse is stored; a source's row is drawn again, as it would
  // have been stored, each time the source spikes (fixed_probability, fixed_outdegree,
  // all_to_all; static weights).
  bool procedural = false;
  // The table this description builds, built before (a driver that runs the same network many
  // times, such as the NIR hardware mapping's samples on one chip): used as it is, programming
  // included, instead of being built again. One process only.
  std::shared_ptr<const synapse_table> built;
};

enum class stimulus_kind { poisson, dc, pulse, spike_train };

struct stimulus_spec {
  stimulus_kind kind = stimulus_kind::poisson;
  std::string target, receptor, where;
  std::vector<std::size_t> neurons;  // local indices; empty: the whole population
  double rate = 0;                   // [Hz] per source (poisson)
  std::size_t sources = 1;           // independent Poisson sources per neuron
  double weight = 0;                 // [receptor unit] (poisson, spike_train)
  double amplitude = 0;              // [drive unit] (dc, pulse)
  double width = 0;                  // [s] (pulse) length of each pulse
  double period = 0;                 // [s] (pulse) from one pulse's start to the next
  std::int64_t count = -1;           // (pulse) number of pulses; negative: until stop
  double start = 0;                  // [s]
  double stop = -1;                  // [s]; negative: the end of the run
  std::string file;                  // spike_train: CSV with time (s), neuron (local index)
};

enum class recorder_kind { spikes, state, rate, weights };

struct recorder_spec {
  recorder_kind kind = recorder_kind::spikes;
  std::string name, where;
  std::vector<std::string> populations;  // spikes, rate: empty means all
  std::vector<std::string> variables;    // state
  std::vector<std::size_t> neurons;      // state: local indices
  std::string projection;                // weights: the projection's name
  double interval = 1e-4;                // [s] state sampling interval; weights snapshots
  double bin = 1e-3;                     // [s] rate bin
};

struct network_spec {
  std::string source;  // the config file, for messages
  run_spec run;
  std::vector<population_spec> populations;
  std::vector<projection_spec> projections;
  std::vector<stimulus_spec> stimuli;
  std::vector<recorder_spec> recorders;
};

}  // namespace ionsim::network
