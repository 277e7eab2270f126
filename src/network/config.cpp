#include "network/config.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <map>

#include "core/error.hpp"
#include "core/params.hpp"
#include "core/toml_reader.hpp"
#include "core/units.hpp"
#include "device/registry.hpp"
#include "io/files.hpp"
#include "network/device_update.hpp"

namespace ionsim::network {

namespace {

// The generic readers (core/toml_reader.hpp) and the network file's own.
struct reader : toml_reader {
  std::filesystem::path dir;  // relative file names are read from here

  // A quantity, or { uniform = [low, high] } or { normal = [mean, sd] }.
  value_dist dist(const toml::node& n, std::string_view key, std::string_view unit) const {
    if (const auto* t = n.as_table()) {
      if (t->size() != 1)
        fail(n, fmt::format("{} must be a value or one of {{ uniform = [low, high] }}, "
                            "{{ normal = [mean, sd] }}",
                            key));
      // The iterator owns the proxy pair its operator* refers to: keep it alive.
      const auto it = t->begin();
      const toml::key& k = (*it).first;
      const toml::node& v = (*it).second;
      const auto* arr = v.as_array();
      if ((k.str() != "uniform" && k.str() != "normal") || !arr || arr->size() != 2)
        fail(v, fmt::format("{} must be {{ uniform = [low, high] }} or {{ normal = [mean, sd] }}",
                            key));
      const double a = quantity(*arr->get(0), key, unit), b = quantity(*arr->get(1), key, unit);
      if (k.str() == "uniform") {
        if (!(b > a)) fail(v, fmt::format("{}: uniform needs low < high", key));
        return {value_dist::kind::uniform, a, b};
      }
      if (!(b >= 0)) fail(v, fmt::format("{}: normal needs sd >= 0", key));
      return {value_dist::kind::normal, a, b};
    }
    return value_dist::constant(quantity(n, key, unit));
  }

  std::vector<std::string> names(const toml::node& n, std::string_view key) const {
    if (n.is_string()) return {text(n, key)};
    const auto* arr = n.as_array();
    if (!arr) fail(n, fmt::format("{} must be a string or a list of strings", key));
    std::vector<std::string> out;
    for (const auto& x : *arr) out.push_back(text(x, key));
    return out;
  }

  std::vector<std::size_t> indices(const toml::node& n, std::string_view key) const {
    const auto* arr = n.as_array();
    if (!arr) fail(n, fmt::format("{} must be a list of neuron indices", key));
    std::vector<std::size_t> out;
    for (const auto& x : *arr) out.push_back(static_cast<std::size_t>(integer(x, key, 0)));
    return out;
  }

  std::string file(const toml::node& n, std::string_view key) const {
    const std::filesystem::path p(text(n, key));
    return (p.is_absolute() ? p : dir / p).string();
  }

  template <class F>
  void each(const toml::table& root, std::string_view key, F&& fn) const {
    const auto* n = root.get(key);
    if (!n) return;
    const auto* arr = n->as_array();
    if (!arr || !arr->is_array_of_tables())
      fail(*n, fmt::format("'{}' must be written [[{}]] (an array of tables)", key, key));
    for (const auto& x : *arr) fn(*x.as_table());
  }
};

// Units of a population's receptors and drive, from a one-neuron instance of its model.
struct model_units {
  std::map<std::string, std::string> receptor;
  std::string drive;
  std::vector<std::string> state;
};

using units_by_population = std::map<std::string, model_units>;

void read_run(const reader& rd, const toml::table& root, run_spec& run) {
  const auto* n = root.get("run");
  if (!n) return;
  const auto& t = rd.table(*n, "[run]");
  rd.keys(t, {"dt", "duration", "seed", "threads"}, "[run]");
  if (const auto* x = t.get("dt")) run.dt = rd.positive(*x, "dt", "s");
  if (const auto* x = t.get("duration")) run.duration = rd.positive(*x, "duration", "s", true);
  if (const auto* x = t.get("seed"))
    run.seed = static_cast<std::uint64_t>(rd.integer(*x, "seed", 0));
  if (const auto* x = t.get("threads"))
    run.threads = static_cast<int>(rd.integer(*x, "threads", 1));
}

const model_entry& find_model(const reader& rd, const toml::table& t, const model_registry& models,
                              const std::string& name) {
  const model_entry* m = models.find(name);
  if (!m) {
    std::string known;
    for (const auto& x : models.names()) known += (known.empty() ? "" : ", ") + x;
    rd.fail(*t.get("model"), fmt::format("unknown model '{}' (known: {})", name, known));
  }
  return *m;
}

// Parameters given as distributions vary per neuron: they are moved out of the table that
// the model validates (a move keeps the source lines; the parsed tree is
// parse_network_config's).
std::vector<std::pair<std::string, toml::table>> take_varying(const toml::table* params) {
  std::vector<std::pair<std::string, toml::table>> varying;
  if (!params) return varying;
  auto& mt = const_cast<toml::table&>(*params);
  for (auto it = mt.begin(); it != mt.end();) {
    if (auto* d = (*it).second.as_table()) {
      varying.emplace_back(std::string((*it).first.str()), std::move(*d));
      it = mt.erase(it);
    } else {
      ++it;
    }
  }
  return varying;
}

model_units units_of(const neuron_model& probe) {
  model_units u;
  for (const auto& r : probe.receptors()) u.receptor[std::string(r.name)] = r.unit;
  u.drive = probe.drive_unit();
  for (const auto& q : probe.state_variables()) u.state.emplace_back(q.name);
  return u;
}

void read_param_dists(const reader& rd,
                      const std::vector<std::pair<std::string, toml::table>>& varying,
                      const neuron_model& probe, population_spec& p) {
  for (const auto& [k, d] : varying) {
    std::string unit, known;
    for (const auto& q : probe.per_neuron_parameters()) {
      if (q.name == k) unit = q.unit;
      known += fmt::format("{}{}", known.empty() ? "" : ", ", q.name);
    }
    if (unit.empty())
      rd.fail(d, fmt::format("parameter '{}' of {} cannot be a distribution (per-neuron "
                             "parameters: {})",
                             k, p.model, known.empty() ? "none" : known));
    p.param_dists.push_back({k, rd.at(d), rd.dist(d, k, unit)});
  }
}

void read_init(const reader& rd, const toml::table& t, const neuron_model& probe,
               population_spec& p) {
  const auto* x = t.get("init");
  if (!x) return;
  for (const auto& [k, v] : rd.table(*x, "init")) {
    std::string unit;
    for (const auto& q : probe.state_variables())
      if (q.name == k.str()) unit = q.unit;
    if (unit.empty())
      rd.fail(v, fmt::format("'{}' is not a state variable of {}", k.str(), p.model));
    p.init.push_back({std::string(k.str()), rd.at(v), rd.dist(v, k.str(), unit)});
  }
}

// Also records the population's units in `units`, for the sections that refer to it.
population_spec read_population(const reader& rd, const toml::table& t,
                                const model_registry& models, units_by_population& units) {
  const std::string what = "[[population]]";
  rd.keys(t, {"name", "model", "size", "params", "init"}, what);
  population_spec p;
  p.where = rd.at(t);
  p.name = rd.text(rd.need(t, "name", what), "name");
  p.model = rd.text(rd.need(t, "model", what), "model");
  p.size = static_cast<std::size_t>(rd.integer(rd.need(t, "size", what), "size", 1));
  const model_entry& m = find_model(rd, t, models, p.model);
  const toml::table* params = nullptr;
  if (const auto* x = t.get("params")) params = &rd.table(*x, "params");
  const auto varying = take_varying(params);
  if (params) p.params = *params;
  p.params_source = rd.source;
  // Validates the parameters now, on the parsed table (a copy loses the source lines), and
  // learns the units.
  const auto probe = m.make(1, params, rd.source);
  const model_units u = units_of(*probe);
  read_param_dists(rd, varying, *probe, p);
  read_init(rd, t, *probe, p);
  if (units.count(p.name)) rd.fail(t, fmt::format("population '{}' is defined twice", p.name));
  units[p.name] = u;
  return p;
}

const model_units& target_units(const reader& rd, const units_by_population& units,
                                const toml::node& n, const std::string& name) {
  auto it = units.find(name);
  if (it == units.end()) rd.fail(n, fmt::format("'{}' is not a population", name));
  return it->second;
}

// The receptor named in `t` and its unit, checked against population `pop`'s model.
std::pair<std::string, std::string> receptor_unit(const reader& rd,
                                                  const units_by_population& units,
                                                  const toml::table& t, const std::string& pop,
                                                  const std::string& what) {
  const auto& u = target_units(rd, units, *t.get("target"), pop);
  const auto& rn = rd.need(t, "receptor", what);
  const std::string r = rd.text(rn, "receptor");
  auto it = u.receptor.find(r);
  if (it == u.receptor.end()) {
    std::string known;
    for (const auto& [k, v] : u.receptor) known += (known.empty() ? "" : ", ") + k;
    rd.fail(rn, fmt::format("receptor '{}' is not one of the target's ({})", r, known));
  }
  return std::make_pair(r, it->second);
}

connect_rule rule_of(const reader& rd, const toml::node& rn, const std::string& rule) {
  static const std::map<std::string, connect_rule> rules = {
      {"all_to_all", connect_rule::all_to_all},
      {"one_to_one", connect_rule::one_to_one},
      {"fixed_probability", connect_rule::fixed_probability},
      {"fixed_indegree", connect_rule::fixed_indegree},
      {"fixed_outdegree", connect_rule::fixed_outdegree},
      {"from_file", connect_rule::from_file}};
  auto it = rules.find(rule);
  if (it == rules.end())
    rd.fail(rn, fmt::format("rule '{}' is not one of all_to_all, one_to_one, fixed_probability, "
                            "fixed_indegree, fixed_outdegree, from_file",
                            rule));
  return it->second;
}

void read_rule_keys(const reader& rd, const toml::table& t, const std::string& rule,
                    projection_spec& j) {
  // Keys that belong to one rule only are refused with the others.
  auto only = [&](const char* key, connect_rule r) {
    const auto* x = t.get(key);
    if (x && j.rule != r) rd.fail(*x, fmt::format("'{}' does not apply to rule {}", key, rule));
    if (!x && j.rule == r) rd.fail(t, fmt::format("rule {} needs '{}'", rule, key));
    return x;
  };
  if (const auto* x = only("p", connect_rule::fixed_probability)) {
    j.p = rd.quantity(*x, "p", "1");
    if (!(j.p >= 0 && j.p <= 1)) rd.fail(*x, fmt::format("p = {:g} is not in [0, 1]", j.p));
  }
  if (const auto* x = only("indegree", connect_rule::fixed_indegree))
    j.degree = static_cast<std::size_t>(rd.integer(*x, "indegree", 0));
  if (const auto* x = only("outdegree", connect_rule::fixed_outdegree))
    j.degree = static_cast<std::size_t>(rd.integer(*x, "outdegree", 0));
  if (const auto* x = only("file", connect_rule::from_file)) j.file = rd.file(*x, "file");
  if (const auto* x = t.get("autapses")) j.autapses = rd.boolean(*x, "autapses");
  if (const auto* x = t.get("multapses")) {
    if (j.rule != connect_rule::fixed_indegree && j.rule != connect_rule::fixed_outdegree)
      rd.fail(*x, "'multapses' applies to fixed_indegree and fixed_outdegree only");
    j.multapses = rd.boolean(*x, "multapses");
  }
}

// `unit`: the receptor's unit; `dt`: the run's step, the default and shortest delay.
void read_weight_and_delay(const reader& rd, const toml::table& t, const std::string& unit,
                           double dt, projection_spec& j) {
  std::string weight_unit = unit;
  if (const auto* x = t.get("memristor")) {  // memristive synapses: weight is G [S]
    j.memristor = rd.table(*x, "memristor");
    j.memristor_source = rd.source;
    if (unit != "V")
      rd.fail(*x, fmt::format("memristive synapses need a receptor in volts (an input "
                              "integrator), not '{}' in {}",
                              j.receptor, unit));
    weight_unit = "S";
  }
  if (const auto* x = t.get("weight"))
    j.weight = rd.dist(*x, "weight", weight_unit);
  else if (j.rule != connect_rule::from_file)
    rd.fail(t, "[[projection]] needs 'weight'");
  j.delay = value_dist::constant(dt);
  if (const auto* x = t.get("delay")) {
    j.delay = rd.dist(*x, "delay", "s");
    const double lo = j.delay.a;  // a constant, the low bound, or the mean (draws are clipped)
    if (!(std::round(lo / dt) >= 1))
      rd.fail(*x, fmt::format("delay = {:g} s is shorter than one step dt = {:g} s", lo, dt));
  }
}

// [projection.plasticity] with rule = "device_stdp": the device preset, the spike waveform and
// w_max (the weights' bounds follow from the device's range when the projection is built).
plasticity_spec read_device_stdp(const reader& rd, const toml::table& t, const std::string& unit,
                                 plasticity_spec p) {
  const std::string what = "a device_stdp [projection.plasticity]";
  rd.keys(t, {"rule", "device", "w_max", "peak", "width", "tail_depth", "tau_tail", "tail"}, what);
  p.kind = plasticity_spec::rule::device_stdp;
  p.pairs = plasticity_spec::pairing::nearest;
  const auto& dn = rd.need(t, "device", what);
  p.waveform_device = rd.text(dn, "device");
  try {
    (void)load_preset(p.waveform_device);
  } catch (const input_error& e) {
    rd.fail(dn, e.what());
  }
  const auto& wn = rd.need(t, "w_max", what);
  p.w_max = rd.positive(wn, "w_max", unit);
  auto value = [&](const char* key, const char* u, double& v, bool zero_ok) {
    if (const auto* x = t.get(key)) v = rd.positive(*x, key, u, zero_ok);
  };
  value("peak", "V", p.spike.peak, true);
  value("width", "s", p.spike.width, false);
  value("tail_depth", "V", p.spike.tail_depth, true);
  value("tau_tail", "s", p.spike.tau_tail, false);
  value("tail", "s", p.spike.tail, true);
  return p;
}

// [projection.plasticity]; `unit`: the weight's unit (amplitudes and bounds).
plasticity_spec read_plasticity(const reader& rd, const toml::table& t, const std::string& unit,
                                const units_by_population& units, const projection_spec& j) {
  plasticity_spec p;
  p.where = rd.at(t);
  const std::string what = "[projection.plasticity]";
  const std::string rule = rd.choice(rd.need(t, "rule", what), "rule",
                                     {"stdp", "triplet", "reward_stdp", "device_stdp"});
  if (rule == "device_stdp") return read_device_stdp(rd, t, unit, p);
  p.kind = rule == "stdp"      ? plasticity_spec::rule::stdp
           : rule == "triplet" ? plasticity_spec::rule::triplet
                               : plasticity_spec::rule::reward_stdp;
  const bool triplet = p.kind == plasticity_spec::rule::triplet;
  const bool reward = p.kind == plasticity_spec::rule::reward_stdp;
  if (triplet)
    rd.keys(t,
            {"rule", "pairing", "dependence", "tau_plus", "tau_minus", "tau_x", "tau_y", "a_plus",
             "a_minus", "a3_plus", "a3_minus", "w_min", "w_max", "device", "device_c2c",
             "device_d2d", "pulse_rounding"},
            "a triplet " + what);
  else if (reward)
    rd.keys(t,
            {"rule", "pairing", "dependence", "tau_plus", "tau_minus", "a_plus", "a_minus", "w_min",
             "w_max", "tau_c", "tau_d", "reward", "modulator", "modulator_delay"},
            "a reward_stdp " + what);
  else
    rd.keys(t,
            {"rule", "pairing", "dependence", "tau_plus", "tau_minus", "a_plus", "a_minus", "w_min",
             "w_max", "device", "device_c2c", "device_d2d", "pulse_rounding"},
            "an stdp " + what);
  if (const auto* x = t.get("device")) {
    p.device = rd.text(*x, "device");
    programmed_device_named(p.device, rd.at(*x));
  }
  if (const auto* x = t.get("device_c2c")) {
    if (p.device.empty()) rd.fail(*x, "'device_c2c' needs a 'device'");
    p.device_c2c = rd.positive(*x, "device_c2c", "1", true);
  }
  if (const auto* x = t.get("device_d2d")) {
    if (p.device.empty()) rd.fail(*x, "'device_d2d' needs a 'device'");
    p.device_d2d = rd.positive(*x, "device_d2d", "1", true);
  }
  if (const auto* x = t.get("pulse_rounding")) {
    if (p.device.empty()) rd.fail(*x, "'pulse_rounding' needs a 'device'");
    p.stochastic_pulses =
        rd.choice(*x, "pulse_rounding", {"nearest", "stochastic"}) == "stochastic";
  }
  if (const auto* x = t.get("pairing"))
    p.pairs = rd.choice(*x, "pairing", {"all_to_all", "nearest"}) == "nearest"
                  ? plasticity_spec::pairing::nearest
                  : plasticity_spec::pairing::all_to_all;
  if (const auto* x = t.get("dependence"))
    p.weights = rd.choice(*x, "dependence", {"additive", "multiplicative"}) == "multiplicative"
                    ? plasticity_spec::dependence::multiplicative
                    : plasticity_spec::dependence::additive;
  auto time = [&](const char* key, double& v) {
    if (const auto* x = t.get(key)) v = rd.positive(*x, key, "s");
  };
  auto amount = [&](const char* key, double& v, bool required) {
    if (const auto* x = t.get(key))
      v = rd.positive(*x, key, unit, true);
    else if (required)
      rd.fail(t, fmt::format("{} needs '{}'", what, key));
  };
  time("tau_plus", p.tau_plus);
  time("tau_minus", p.tau_minus);
  amount("a_plus", p.a_plus, true);
  amount("a_minus", p.a_minus, true);
  if (triplet) {
    time("tau_x", p.tau_x);
    time("tau_y", p.tau_y);
    amount("a3_plus", p.a3_plus, true);
    amount("a3_minus", p.a3_minus, true);
  }
  if (const auto* x = t.get("w_min")) p.w_min = rd.quantity(*x, "w_min", unit);
  const auto& wn = rd.need(t, "w_max", what);
  p.w_max = rd.quantity(wn, "w_max", unit);
  if (!(p.w_max > p.w_min))
    rd.fail(wn, fmt::format("w_max = {:g} {} must be above w_min = {:g} {}", p.w_max, unit, p.w_min,
                            unit));
  if (j.weight.is_constant() && (j.weight.a < p.w_min || j.weight.a > p.w_max))
    rd.fail(wn, fmt::format("the projection's weight {:g} {} is outside [w_min, w_max] = "
                            "[{:g}, {:g}] {}",
                            j.weight.a, unit, p.w_min, p.w_max, unit));
  if (reward) {
    time("tau_c", p.tau_c);
    time("tau_d", p.tau_d);
    if (const auto* x = t.get("reward")) p.reward = rd.quantity(*x, "reward", "Hz");
    const auto& mn = rd.need(t, "modulator", what);
    p.modulator = rd.text(mn, "modulator");
    target_units(rd, units, mn, p.modulator);
    time("modulator_delay", p.modulator_delay);
  }
  return p;
}

projection_spec read_projection(const reader& rd, const toml::table& t,
                                const units_by_population& units, double dt) {
  const std::string what = "[[projection]]";
  rd.keys(
      t,
      {"name", "source", "target", "rule", "p", "indegree", "outdegree", "autapses", "multapses",
       "receptor", "weight", "delay", "file", "memristor", "plasticity", "storage"},
      what);
  projection_spec j;
  j.where = rd.at(t);
  if (const auto* x = t.get("name")) j.name = rd.text(*x, "name");
  j.source = rd.text(rd.need(t, "source", what), "source");
  target_units(rd, units, *t.get("source"), j.source);
  j.target = rd.text(rd.need(t, "target", what), "target");
  const auto [receptor, unit] = receptor_unit(rd, units, t, j.target, what);
  j.receptor = receptor;
  const auto& rn = rd.need(t, "rule", what);
  const std::string rule = rd.text(rn, "rule");
  j.rule = rule_of(rd, rn, rule);
  read_rule_keys(rd, t, rule, j);
  read_weight_and_delay(rd, t, unit, dt, j);
  if (const auto* x = t.get("plasticity")) {
    if (j.memristor)
      rd.fail(*x, "a projection of memristive synapses cannot take an abstract plasticity rule");
    if (!j.delay.is_constant())
      rd.fail(*x,
              "a plastic projection needs one delay for all its synapses (a constant "
              "'delay')");
    j.plasticity = read_plasticity(rd, rd.table(*x, "plasticity"), unit, units, j);
  }
  if (const auto* x = t.get("storage")) {
    const std::string s = rd.text(*x, "storage");
    if (s != "stored" && s != "procedural")
      rd.fail(*x, fmt::format("storage = '{}' is not one of stored, procedural", s));
    j.procedural = s == "procedural";
    if (j.procedural && j.rule != connect_rule::fixed_probability &&
        j.rule != connect_rule::fixed_outdegree && j.rule != connect_rule::all_to_all)
      rd.fail(*x, fmt::format("rule {} cannot be procedural (only fixed_probability, "
                              "fixed_outdegree and all_to_all draw their synapses per source)",
                              rule));
    if (j.procedural && j.plasticity)
      rd.fail(*x, "a plastic projection keeps its weights: it cannot be procedural");
  }
  return j;
}

// The type of a [[stimulus]], after checking its keys against those of the type.
stimulus_kind read_stimulus_kind(const reader& rd, const toml::table& t, const std::string& what) {
  const auto& tn = rd.need(t, "type", what);
  const std::string type = rd.text(tn, "type");
  if (type == "poisson") {
    rd.keys(t,
            {"type", "target", "receptor", "rate", "sources", "weight", "start", "stop", "neurons"},
            "a poisson [[stimulus]]");
    return stimulus_kind::poisson;
  }
  if (type == "dc") {
    rd.keys(t, {"type", "target", "amplitude", "start", "stop", "neurons"}, "a dc [[stimulus]]");
    return stimulus_kind::dc;
  }
  if (type == "pulse") {
    rd.keys(t,
            {"type", "target", "amplitude", "width", "period", "count", "start", "stop", "neurons"},
            "a pulse [[stimulus]]");
    return stimulus_kind::pulse;
  }
  if (type == "spike_train") {
    rd.keys(t, {"type", "target", "receptor", "weight", "file"}, "a spike_train [[stimulus]]");
    return stimulus_kind::spike_train;
  }
  rd.fail(tn, fmt::format("type '{}' is not one of poisson, dc, pulse, spike_train", type));
}

stimulus_spec read_stimulus(const reader& rd, const toml::table& t,
                            const units_by_population& units) {
  const std::string what = "[[stimulus]]";
  stimulus_spec st;
  st.where = rd.at(t);
  st.kind = read_stimulus_kind(rd, t, what);
  st.target = rd.text(rd.need(t, "target", what), "target");
  const auto& u = target_units(rd, units, *t.get("target"), st.target);
  if (st.kind != stimulus_kind::dc && st.kind != stimulus_kind::pulse) {
    const auto [receptor, unit] = receptor_unit(rd, units, t, st.target, what);
    st.receptor = receptor;
    st.weight = rd.quantity(rd.need(t, "weight", what), "weight", unit);
  }
  if (st.kind == stimulus_kind::poisson) {
    st.rate = rd.positive(rd.need(t, "rate", what), "rate", "Hz", true);
    if (const auto* x = t.get("sources"))
      st.sources = static_cast<std::size_t>(rd.integer(*x, "sources", 1));
  }
  if (st.kind == stimulus_kind::dc || st.kind == stimulus_kind::pulse)
    st.amplitude = rd.quantity(rd.need(t, "amplitude", what), "amplitude", u.drive);
  if (st.kind == stimulus_kind::pulse) {
    st.width = rd.positive(rd.need(t, "width", what), "width", "s", false);
    st.period = rd.positive(rd.need(t, "period", what), "period", "s", false);
    if (st.period < st.width)
      rd.fail(*t.get("period"),
              fmt::format("period = {:g} s is shorter than width = {:g} s", st.period, st.width));
    if (const auto* x = t.get("count")) st.count = rd.integer(*x, "count", 1);
  }
  if (st.kind == stimulus_kind::spike_train) st.file = rd.file(rd.need(t, "file", what), "file");
  if (const auto* x = t.get("start")) st.start = rd.positive(*x, "start", "s", true);
  if (const auto* x = t.get("stop")) {
    st.stop = rd.positive(*x, "stop", "s", true);
    if (st.stop < st.start)
      rd.fail(*x, fmt::format("stop = {:g} s is before start = {:g} s", st.stop, st.start));
  }
  if (const auto* x = t.get("neurons")) st.neurons = rd.indices(*x, "neurons");
  return st;
}

void read_recorder_populations(const reader& rd, const units_by_population& units,
                               const toml::node& n, const char* key, recorder_spec& r) {
  r.populations = rd.names(n, key);
  for (const auto& p : r.populations) target_units(rd, units, n, p);
}

void read_state_recorder(const reader& rd, const toml::table& t, const units_by_population& units,
                         double dt, const std::string& what, recorder_spec& r) {
  rd.keys(t, {"type", "name", "population", "variables", "neurons", "interval"},
          "a state [[recorder]]");
  const auto& pn = rd.need(t, "population", what);
  read_recorder_populations(rd, units, pn, "population", r);
  if (r.populations.size() != 1) rd.fail(pn, "population must name one population");
  r.name = r.populations[0];
  if (const auto* x = t.get("name")) r.name = rd.text(*x, "name");
  const auto& vn = rd.need(t, "variables", what);
  r.variables = rd.names(vn, "variables");
  const auto& known = units.at(r.populations[0]).state;
  for (const auto& v : r.variables)
    if (std::find(known.begin(), known.end(), v) == known.end()) {
      std::string list;
      for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
      rd.fail(vn, fmt::format("'{}' is not a state variable of population '{}' ({})", v,
                              r.populations[0], list));
    }
  r.neurons = rd.indices(rd.need(t, "neurons", what), "neurons");
  r.interval = dt;
  if (const auto* x = t.get("interval")) r.interval = rd.positive(*x, "interval", "s");
}

// A spikes or rate recorder lists all its populations in one; state recorders are told apart
// by name.
void check_recorder_unique(const reader& rd, const toml::table& t,
                           const std::vector<recorder_spec>& recorders, const recorder_spec& r,
                           const std::string& type) {
  for (const auto& o : recorders)
    if (o.kind == r.kind && r.kind == recorder_kind::weights && o.name == r.name)
      rd.fail(t, fmt::format("two weights recorders of projection '{}'", r.name));
    else if (o.kind == r.kind && r.kind != recorder_kind::state && r.kind != recorder_kind::weights)
      rd.fail(t, fmt::format("only one {} recorder is allowed (list its populations)", type));
    else if (o.kind == r.kind && r.kind == recorder_kind::state && o.name == r.name)
      rd.fail(t, fmt::format("two state recorders named '{}' (give one a 'name')", r.name));
}

// `s`: the spec read so far (its run, populations and earlier recorders).
recorder_spec read_recorder(const reader& rd, const toml::table& t,
                            const units_by_population& units, const network_spec& s) {
  const std::string what = "[[recorder]]";
  const auto& tn = rd.need(t, "type", what);
  const std::string type = rd.text(tn, "type");
  recorder_spec r;
  r.where = rd.at(t);
  if (type == "spikes") {
    r.kind = recorder_kind::spikes;
    rd.keys(t, {"type", "populations"}, "a spikes [[recorder]]");
    if (const auto* x = t.get("populations"))
      read_recorder_populations(rd, units, *x, "populations", r);
  } else if (type == "rate") {
    r.kind = recorder_kind::rate;
    rd.keys(t, {"type", "populations", "bin"}, "a rate [[recorder]]");
    if (const auto* x = t.get("populations"))
      read_recorder_populations(rd, units, *x, "populations", r);
    if (const auto* x = t.get("bin")) r.bin = rd.positive(*x, "bin", "s");
  } else if (type == "state") {
    r.kind = recorder_kind::state;
    read_state_recorder(rd, t, units, s.run.dt, what, r);
  } else if (type == "weights") {
    r.kind = recorder_kind::weights;
    rd.keys(t, {"type", "projection", "interval"}, "a weights [[recorder]]");
    const auto& pn = rd.need(t, "projection", what);
    r.projection = rd.text(pn, "projection");
    if (std::none_of(s.projections.begin(), s.projections.end(),
                     [&](const projection_spec& j) { return j.name == r.projection; }))
      rd.fail(pn, fmt::format("no [[projection]] has name = '{}'", r.projection));
    r.name = r.projection;
    r.interval = 0;  // the start and the end of the run
    if (const auto* x = t.get("interval")) r.interval = rd.positive(*x, "interval", "s");
  } else {
    rd.fail(tn, fmt::format("type '{}' is not one of spikes, state, rate, weights", type));
  }
  check_recorder_unique(rd, t, s.recorders, r, type);
  if ((r.kind == recorder_kind::spikes || r.kind == recorder_kind::rate) && r.populations.empty())
    for (const auto& p : s.populations) r.populations.push_back(p.name);
  return r;
}

}  // namespace

network_spec parse_network_config(const std::string& text, const std::string& source,
                                  const model_registry& models) {
  reader rd{{source}, std::filesystem::path(source).parent_path()};
  // Owned here: reading the populations edits their params tables in place.
  toml::table root = parse_toml(text, source);
  network_spec s;
  s.source = source;
  rd.keys(root, {"run", "population", "projection", "stimulus", "recorder"}, "the file");
  read_run(rd, root, s.run);
  units_by_population units;
  rd.each(root, "population", [&](const toml::table& t) {
    s.populations.push_back(read_population(rd, t, models, units));
  });
  rd.each(root, "projection", [&](const toml::table& t) {
    s.projections.push_back(read_projection(rd, t, units, s.run.dt));
  });
  rd.each(root, "stimulus",
          [&](const toml::table& t) { s.stimuli.push_back(read_stimulus(rd, t, units)); });
  rd.each(root, "recorder",
          [&](const toml::table& t) { s.recorders.push_back(read_recorder(rd, t, units, s)); });
  return s;
}

network_spec read_network_config(const std::string& path, const model_registry& models) {
  return parse_network_config(read_text_file(path), path, models);
}

}  // namespace ionsim::network
