// The Python module `ionsim` (its compiled part, ionsim._core): devices, circuits, neurons and
// NIR graphs here, networks in network.cpp. A thin layer over the library, like apps/ionsim:
// each function checks its arguments as the command line does and raises ionsim.InputError (a
// ValueError) with the command line's message.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "circuit/netlist.hpp"
#include "circuit/transient.hpp"
#include "common.hpp"
#include "core/error.hpp"
#include "device/experiment.hpp"
#include "device/fit.hpp"
#include "device/registry.hpp"
#include "device/summary.hpp"
#include "neuron/characterize.hpp"
#include "neuron/dm1t1r.hpp"
#include "nir/graph.hpp"
#include "nir/hardware.hpp"
#include "nir/run.hpp"

namespace ionsim::python {

void bind_network(py::module_& m);
void bind_analysis(py::module_& m);
void bind_task(py::module_& m);

namespace {

// A device config from a preset name, a parameter file or a model's defaults, with parameter
// overrides; as the command line's --preset/--params/--model.
device_config make_config(const std::string& preset, const std::string& model,
                          const py::dict& params, const py::object& temperature) {
  device_config c = preset.empty() ? default_config(model) : load_preset_or_file(preset);
  for (auto [k, v] : params) set_param(c, k.cast<std::string>(), v.cast<double>());
  if (!temperature.is_none()) set_temperature(c, temperature.cast<double>(), "temperature");
  return c;
}

py::dict config_dict(const device_config& c) {
  py::dict d;
  for (const auto& [name, value] : param_values(c)) d[py::str(name)] = value;
  return d;
}

// A batch of devices of one configuration, advanced by the caller's voltages.
class devices {
 public:
  devices(const std::string& preset, const std::string& model, std::size_t n, std::uint64_t seed,
          const py::dict& params, const py::object& temperature)
      : cfg_(make_config(preset, model, params, temperature)) {
    if (n < 1) throw input_error("n must be at least 1");
    dev_ = make_device(cfg_, n, seed);
  }

  std::string model() const { return std::string(cfg_.model()); }
  std::size_t size() const { return dev_->size(); }
  double dt() const { return config_dt(cfg_); }
  double time() const { return time_; }
  py::dict parameters() const { return config_dict(cfg_); }
  std::vector<std::string> state_names() const { return dev_->state_names(); }

  // Advances `steps` steps of dt holding v (one voltage, or one per device).
  py::tuple advance(const py::array_t<double, py::array::c_style | py::array::forcecast>& v,
                    int steps, const py::object& dt_arg) {
    const double dt = dt_arg.is_none() ? this->dt() : dt_arg.cast<double>();
    if (!(dt > 0)) throw input_error("dt must be positive");
    if (steps < 1) throw input_error("steps must be at least 1");
    const std::size_t n = size();
    std::vector<double> va(n);
    if (v.size() == 1)
      std::fill(va.begin(), va.end(), *v.data());
    else if (static_cast<std::size_t>(v.size()) == n)
      std::copy(v.data(), v.data() + n, va.begin());
    else
      throw input_error(
          fmt::format("v has {} values for {} devices (give one, or one per device)", v.size(), n));
    std::vector<double> cur(n), g(n);
    {
      py::gil_scoped_release release;
      dev_->advance(step_, steps, dt, va, cur, g);
    }
    step_ += steps;
    time_ += steps * dt;
    return py::make_tuple(to_array(cur), to_array(g));
  }

  py::array_t<double> resistance() const {
    std::vector<double> r(size());
    for (std::size_t i = 0; i < r.size(); ++i) r[i] = dev_->resistance(i);
    return to_array(r);
  }

  py::array_t<double> state(const std::string& name) const {
    const auto names = dev_->state_names();
    for (std::size_t k = 0; k < names.size(); ++k)
      if (names[k] == name) return to_array(dev_->state(k));
    throw input_error(fmt::format("model {} has no state '{}' (it has: {})", model(), name,
                                  fmt::join(names, ", ")));
  }

  void reset() {
    dev_->reset();
    step_ = 0;
    time_ = 0;
  }

  py::dict sweep(double vmax, int points, double dwell, int cycles, const py::object& dt_arg) {
    if (vmax == 0) throw input_error("vmax must not be zero");
    if (cycles < 1) throw input_error("cycles must be at least 1");
    const double dt = dt_arg.is_none() ? this->dt() : dt_arg.cast<double>();
    if (!(dt > 0)) throw input_error("dt must be positive");
    const std::vector<std::vector<double>> cyc(static_cast<std::size_t>(cycles),
                                               sweep_cycle(vmax, points));
    interrupt_poll poll;
    reset();
    const auto r = without_gil(poll, [&] {
      return run_sweep(*dev_, cyc, dwell, dt, [&](double) {
        if (poll.poll()) throw interrupted();
      });
    });
    const auto th = sweep_thresholds(r);
    const std::size_t np = cyc.front().size(), nd = size();
    std::vector<double> i;
    i.reserve(nd * cyc.size() * np);
    for (const auto& dev : r.i)
      for (const auto& c : dev) i.insert(i.end(), c.begin(), c.end());
    py::dict d;
    d["v"] = to_array(cyc.front());
    d["i"] = to_array(i, {static_cast<py::ssize_t>(nd), static_cast<py::ssize_t>(cycles),
                          static_cast<py::ssize_t>(np)});
    d["vth"] = to_array(th.vth);
    d["vhold"] = to_array(th.vhold);
    d["summary"] = to_python(thresholds_json(th));
    return d;
  }

  py::dict stdp(const std::vector<double>& delta_t, double peak, double width, double tail_depth,
                double tau_tail, double tail, int pairs, double period, const py::object& dt_arg) {
    const double dt = dt_arg.is_none() ? this->dt() : dt_arg.cast<double>();
    if (!(dt > 0)) throw input_error("dt must be positive");
    if (delta_t.size() != size())
      throw input_error(fmt::format("delta_t: {} values for {} devices (one per device)",
                                    delta_t.size(), size()));
    stdp_protocol p{peak, width, tail_depth, tau_tail, tail, pairs, period};
    interrupt_poll poll;
    reset();
    const auto r = without_gil(poll, [&] {
      return run_stdp(*dev_, p, delta_t, dt, [&](double) {
        if (poll.poll()) throw interrupted();
      });
    });
    py::dict d;
    d["delta_t"] = to_array(r.delta_t);
    d["g_before"] = to_array(r.g_before);
    d["g_after"] = to_array(r.g_after);
    d["dg_rel"] = to_array(r.dg_rel);
    d["energy"] = to_array(r.energy);
    return d;
  }

  py::dict pulse(double amplitude, double width, double read, double pre, double post,
                 std::size_t record, double sample, const py::object& dt_arg) {
    const double dt = dt_arg.is_none() ? this->dt() : dt_arg.cast<double>();
    if (!(dt > 0)) throw input_error("dt must be positive");
    if (std::fabs(amplitude) <= std::fabs(read))
      throw input_error("amplitude must exceed the read level in magnitude");
    if (record > size())
      throw input_error(fmt::format("record: {} trials of {} devices", record, size()));
    pulse_protocol p{amplitude, width, read, pre, post};
    interrupt_poll poll;
    reset();
    const auto r = without_gil(poll, [&] {
      return run_pulse(*dev_, p, dt, record, sample, [&](double) {
        if (poll.poll()) throw interrupted();
      });
    });
    std::vector<double> delay, relax, i;
    for (const auto& t : r.times) {
      delay.push_back(t.delay.value_or(NAN));
      relax.push_back(t.relax.value_or(NAN));
    }
    for (const auto& trace : r.i) i.insert(i.end(), trace.begin(), trace.end());
    py::dict d;
    d["t"] = to_array(r.t);
    d["v"] = to_array(r.v);
    d["i"] =
        to_array(i, {static_cast<py::ssize_t>(r.i.size()), static_cast<py::ssize_t>(r.t.size())});
    d["delay"] = to_array(delay);
    d["relax"] = to_array(relax);
    d["i_on"] = to_array(r.i_on);
    d["summary"] = to_python(pulse_json(pulse_times_of(r.times)));
    return d;
  }

 private:
  device_config cfg_;
  std::unique_ptr<device_model> dev_;
  std::int64_t step_ = 0;  // steps advanced: the noise of a step is keyed by its number
  double time_ = 0;        // [s]
};

py::dict fit(const std::string& sweep, const std::string& pulse, const std::string& model,
             const std::string& start, int max_evals, std::uint64_t seed, double dwell,
             double series, const std::vector<std::string>& free, int devices,
             const std::string& local) {
  if (sweep.empty() == pulse.empty())
    throw input_error("give the measured data: sweep=FILE or pulse=FILE (one of them)");
  const bool automatic = model == "auto";
  if (automatic && sweep.empty())
    throw input_error("model='auto' chooses among models on sweep data: give sweep=FILE");
  if (automatic && !start.empty())
    throw input_error("model='auto' starts every candidate from its own preset: drop start");
  check_fit_request(automatic, max_evals, !free.empty(), "max_evals", "free");
  if (devices < 0) throw input_error("devices must be at least 1 (or 0: the model's own)");
  if (local != "lm" && local != "bobyqa")
    throw input_error(
        fmt::format("local '{}': the sweep fit's local phase is lm or bobyqa", local));
  const auto& defaults = device_type_named(automatic ? "wang2024" : model).fit();
  const std::string start_name =
      start.empty() ? (sweep.empty() ? defaults.pulse_start : defaults.sweep_start) : start;
  const device_config from = automatic            ? default_config("wang2024")
                             : start_name.empty() ? default_config(model)
                                                  : load_preset_or_file(start_name);
  if (!automatic && from.model() != model)
    throw input_error(fmt::format("start {}: a preset of model {} is needed, not {}", start_name,
                                  model, from.model()));
  fit_options o;
  if (!free.empty()) o.free = declared_fit_params(*from.type, free, !sweep.empty());
  o.max_evals = max_evals;
  o.devices = devices;
  o.local = local;
  o.seed = seed;
  o.dwell = dwell;
  o.r_series = series;
  interrupt_poll poll;
  o.on_progress = [&](int, double, const char*) {
    if (poll.poll()) throw interrupted();
  };
  const auto r = without_gil(poll, [&] {
    if (!sweep.empty()) {
      const auto data = read_sweep_csv(sweep);
      return automatic ? fit_sweep_auto(data, o, {}) : fit_sweep(data, from, o);
    }
    return fit_pulse(read_pulse_csv(pulse), from, o);
  });
  poll.raise_if_pending();  // an optimizer that stopped on the interrupt without throwing
  py::dict d;
  d["model"] = std::string(r.config.model());
  d["parameters"] = config_dict(r.config);
  d["toml"] = to_toml(r.config);
  d["objective"] = r.objective;
  d["evaluations"] = r.evaluations;
  d["report"] = to_python(r.report);
  return d;
}

py::dict circuit_run(const std::string& netlist, std::uint64_t seed, std::uint64_t instance) {
  const bool text = netlist.find('\n') != std::string::npos;
  if (!text && !std::filesystem::is_regular_file(netlist))
    throw input_error(
        fmt::format("{}: no such netlist file (a netlist given as text has more "
                    "than one line)",
                    netlist));
  const circuit::netlist nl =
      text ? circuit::parse_netlist(netlist, "netlist") : circuit::read_netlist(netlist);
  if (!nl.tran) throw input_error("the netlist has no .tran card: nothing to simulate");
  circuit::run_options o;
  o.seed = seed;
  o.instance = instance;
  interrupt_poll poll;
  o.progress = [&](double) {
    if (poll.poll()) throw interrupted();
  };
  const auto r = without_gil(poll, [&] { return circuit::run_transient(nl, o); });
  py::dict traces;
  for (std::size_t k = 0; k < r.names.size(); ++k)
    traces[py::str(r.names[k])] = to_array(r.values[k]);
  py::dict energy;
  for (const auto& e : r.energy) energy[py::str(e.element)] = e.joules;
  py::dict summary;
  summary["title"] = nl.title;
  summary["tstop_s"] = nl.tran->tstop;
  summary["accepted"] = r.accepted;
  summary["rejected"] = r.rejected;
  summary["newton_iterations"] = r.newton_iterations;
  summary["wall_s"] = r.wall_s;
  summary["energy_j"] = energy;
  py::dict d;
  d["t"] = to_array(r.t);
  d["traces"] = traces;
  d["summary"] = summary;
  return d;
}

// A neuron preset with [circuit] overrides (c_g, r_c, r_l, v_dd, vto, kp, c_l).
neuron::neuron_circuit make_neuron(const std::string& preset, const py::dict& circuit,
                                   const py::object& temperature) {
  auto n = neuron::neuron_from_preset(preset);
  for (auto [k, v] : circuit) {
    const auto key = k.cast<std::string>();
    const double x = v.cast<double>();
    double* field = key == "c_g"    ? &n.c_g
                    : key == "r_c"  ? &n.r_c
                    : key == "r_l"  ? &n.r_l
                    : key == "v_dd" ? &n.v_dd
                    : key == "vto"  ? &n.vto
                    : key == "kp"   ? &n.kp
                    : key == "c_l"  ? &n.c_l
                                    : nullptr;
    if (!field)
      throw input_error(
          fmt::format("circuit: unknown key '{}' (known: c_g, r_c, r_l, v_dd, vto, kp, c_l)", key));
    if (!std::isfinite(x) || x < 0 || (x == 0 && key != "c_l"))
      throw input_error(fmt::format("circuit: {} = {:g} must be positive", key, x));
    *field = x;
  }
  neuron::set_spike_levels(n);
  if (!temperature.is_none())
    set_temperature(n.memristor, temperature.cast<double>(), "temperature");
  return n;
}

py::object characterize(const std::string& preset, int trials, int threshold_trials, double d2d,
                        std::uint64_t seed, const py::dict& circuit,
                        const py::object& temperature) {
  if (trials < 1 || threshold_trials < 1)
    throw input_error("trials and threshold_trials must be at least 1");
  if (!(d2d >= 0 && d2d < 1))
    throw input_error(fmt::format("d2d {:g}: the relative spread must be in [0, 1)", d2d));
  const auto n = make_neuron(preset, circuit, temperature);
  neuron::characterize_options o;
  o.trials = trials;
  o.threshold_trials = threshold_trials;
  o.d2d = d2d;
  o.seed = seed;
  interrupt_poll poll;
  o.on_step = [&](const std::string&) {
    if (poll.poll()) throw interrupted();
  };
  const auto results = without_gil(poll, [&] { return neuron::characterize(n, o); });
  return to_python(results);
}

py::list neuron_trials(const std::string& preset, double amplitude, double width, double period,
                       double start, int count, int trials, double t_end, int stop_after_spikes,
                       double d2d, std::uint64_t seed, const py::object& dt,
                       const py::dict& circuit, const py::object& temperature) {
  if (trials < 1) throw input_error("trials must be at least 1");
  if (!(t_end > 0)) throw input_error("t_end must be positive");
  if (!(d2d >= 0 && d2d < 1))
    throw input_error(fmt::format("d2d {:g}: the relative spread must be in [0, 1)", d2d));
  const auto n = make_neuron(preset, circuit, temperature);
  neuron::pulse_input in{amplitude, width, period, start, count};
  neuron::ensemble_options o;
  o.t_end = t_end;
  o.stop_after_spikes = stop_after_spikes;
  o.d2d = d2d;
  o.seed = seed;
  if (!dt.is_none()) {
    o.dt = dt.cast<double>();
    if (!(o.dt > 0)) throw input_error("dt must be positive");
  }
  interrupt_poll poll;
  const auto r = without_gil(poll, [&] { return neuron::run_ensemble(n, in, trials, o); });
  py::list out;
  for (const auto& t : r) {
    py::dict d;
    d["spikes"] = to_array(t.spikes);
    d["switch_on"] = to_array(t.switch_on);
    d["energy_input"] = t.energy_input;
    d["energy_supply"] = t.energy_supply;
    d["t_end"] = t.t_end;
    out.append(d);
  }
  return out;
}

nir::run_options nir_options(double dt, const std::string& reset, const std::string& spike,
                             const std::string& method, int latency, bool record_v) {
  nir::run_options o;
  o.record_state = record_v;
  if (!(dt > 0)) throw input_error("dt must be positive");
  o.dt = dt;
  if (reset != "zero" && reset != "subtract")
    throw input_error(fmt::format("reset '{}': zero or subtract", reset));
  if (spike != "unit" && spike != "area")
    throw input_error(fmt::format("spike '{}': unit or area", spike));
  if (method != "euler" && method != "exact")
    throw input_error(fmt::format("method '{}': euler or exact", method));
  if (latency != 0 && latency != 1) throw input_error("latency must be 0 or 1");
  o.reset =
      reset == "zero" ? nir::run_options::reset_mode::zero : nir::run_options::reset_mode::subtract;
  o.spike =
      spike == "unit" ? nir::run_options::spike_mode::unit : nir::run_options::spike_mode::area;
  o.integration =
      method == "euler" ? nir::run_options::method::euler : nir::run_options::method::exact;
  o.latency = latency;
  return o;
}

// A NIR graph read once and made ready to run, for running many inputs.
class nir_graph {
 public:
  nir_graph(const std::string& path, double dt, const std::string& reset, const std::string& spike,
            const std::string& method, int latency, bool record_v)
      : g_(nir::read_graph(path)),
        runner_(g_, nir_options(dt, reset, spike, method, latency, record_v)) {}

  std::string version() const { return g_.version; }
  std::size_t input_size() const { return runner_.input_size(); }

  py::dict run(const py::array_t<double, py::array::c_style | py::array::forcecast>& input) {
    if (input.ndim() < 1 || input.ndim() > 3)
      throw input_error(fmt::format(
          "input has {} dimensions: give (steps, inputs) or (batch, steps, inputs)", input.ndim()));
    const bool batched = input.ndim() == 3;
    const auto batch = batched ? static_cast<std::size_t>(input.shape(0)) : 1;
    const auto steps = static_cast<std::size_t>(input.shape(batched ? 1 : 0));
    const std::size_t columns =
        input.ndim() >= 2 ? static_cast<std::size_t>(input.shape(input.ndim() - 1)) : 1;
    if (columns != input_size())
      throw input_error(fmt::format("input has {} columns where the graph's Input has {}", columns,
                                    input_size()));
    if (batch == 0) throw input_error("the batch is empty");
    const double* data = input.data();
    // The arrays first (batch first for a batch), then every sample written into its slice.
    const auto records = runner_.records();
    const auto array_of = [&](std::size_t width) {
      std::vector<py::ssize_t> shape = {static_cast<py::ssize_t>(steps),
                                        static_cast<py::ssize_t>(width)};
      if (batched) shape.insert(shape.begin(), static_cast<py::ssize_t>(batch));
      return py::array_t<double>(shape);
    };
    std::vector<py::array_t<double>> spikes(records.size()), v(records.size());
    std::vector<double*> spikes_at(records.size(), nullptr), v_at(records.size(), nullptr);
    for (std::size_t k = 0; k < records.size(); ++k) {
      if (records[k].spiking) {
        spikes[k] = array_of(records[k].size);
        spikes_at[k] = spikes[k].mutable_data();
      }
      if (records[k].stateful) {
        v[k] = array_of(records[k].size);
        v_at[k] = v[k].mutable_data();
      }
    }
    auto output = array_of(runner_.output_size());
    double* output_at = output.mutable_data();
    interrupt_poll poll;
    without_gil(poll, [&] {
      const auto one = [&](nir::runner& r, std::size_t b) {
        std::vector<double*> sp(spikes_at), vv(v_at);
        for (std::size_t k = 0; k < records.size(); ++k) {
          if (sp[k]) sp[k] += b * steps * records[k].size;
          if (vv[k]) vv[k] += b * steps * records[k].size;
        }
        r.run_into(data + b * steps * columns, steps, sp, vv,
                   output_at + b * steps * runner_.output_size());
      };
      if (batch == 1) {
        one(runner_, 0);
        return 0;
      }
      // Samples are independent copies of the network: one runner per thread.
#pragma omp parallel
      {
        nir::runner mine(runner_);
#pragma omp for schedule(dynamic)
        for (std::size_t b = 0; b < batch; ++b) one(mine, b);
      }
      return 0;
    });
    py::dict nodes;
    for (std::size_t k = 0; k < records.size(); ++k) {
      py::dict d;
      d["type"] = records[k].type;
      if (records[k].spiking) d["spikes"] = spikes[k];
      if (records[k].stateful) d["v"] = v[k];
      nodes[py::str(records[k].name)] = d;
    }
    py::dict d;
    d["version"] = g_.version;
    d["output"] = output;
    d["nodes"] = nodes;
    return d;
  }

 private:
  nir::graph g_;
  nir::runner runner_;
};

// A NIR graph mapped onto 1M1T1R hardware (nir/hardware.hpp).
class nir_hardware {
 public:
  nir_hardware(const std::string& path, std::size_t steps, double dt, const std::string& reset,
               const std::string& spike, const std::string& method, const py::kwargs& options)
      : m_(nir::read_graph(path), nir_options(dt, reset, spike, method, 0, false),
           hardware_options(options), steps) {}

  double dilation() const { return m_.dilation(); }
  py::object mapping() const { return py::module_::import("json").attr("loads")(m_.describe()); }

  void calibrate(const py::array_t<double, py::array::c_style | py::array::forcecast>& batch) {
    const auto b = samples_of(batch, true);
    const std::vector<double> x(batch.data(), batch.data() + batch.size());
    py::gil_scoped_release release;
    m_.calibrate(x, b);
  }

  py::dict run(const py::array_t<double, py::array::c_style | py::array::forcecast>& input) {
    const bool batched = input.ndim() == 3;
    const std::size_t b = samples_of(input, false);
    const std::vector<double> x(input.data(), input.data() + input.size());
    interrupt_poll poll;
    const auto results = without_gil(
        poll, [&] { return m_.run_many(x, b, [&](std::size_t) { return !poll.poll(); }); });
    const auto array_of =
        [&](const std::vector<double>& (*field)(const nir::run_result&, std::size_t), std::size_t k,
            std::size_t width) {
          std::vector<py::ssize_t> shape = {static_cast<py::ssize_t>(m_.steps()),
                                            static_cast<py::ssize_t>(width)};
          if (batched) shape.insert(shape.begin(), static_cast<py::ssize_t>(b));
          py::array_t<double> a(shape);
          double* at = a.mutable_data();
          for (const auto& r : results) at = std::copy(field(r, k).begin(), field(r, k).end(), at);
          return a;
        };
    py::dict nodes;
    for (std::size_t k = 0; k < m_.nodes().size(); ++k) {
      py::dict d;
      d["type"] = m_.nodes()[k].type;
      d["spikes"] =
          array_of([](const nir::run_result& r,
                      std::size_t j) -> const std::vector<double>& { return r.nodes[j].spikes; },
                   k, m_.nodes()[k].size);
      nodes[py::str(m_.nodes()[k].name)] = d;
    }
    py::dict d;
    d["output"] = array_of([](const nir::run_result& r,
                              std::size_t) -> const std::vector<double>& { return r.output; },
                           0, results.front().output_size);
    d["nodes"] = nodes;
    return d;
  }

 private:
  nir::hardware_mapping m_;

  static nir::hardware_options hardware_options(const py::kwargs& kw) {
    nir::hardware_options h;
    for (const auto& [key, value] : kw) {
      const auto k = py::cast<std::string>(key);
      if (k == "preset")
        h.preset = py::cast<std::string>(value);
      else if (k == "noise")
        h.noise = py::cast<bool>(value);
      else if (k == "seed")
        h.seed = py::cast<std::uint64_t>(value);
      else if (k == "threads")
        h.threads = py::cast<int>(value);
      else if (k == "integrator") {
        h.integrator = py::cast<std::string>(value);
        if (std::find(network::memristive_integrators.begin(),
                      network::memristive_integrators.end(),
                      h.integrator) == network::memristive_integrators.end())
          throw input_error(fmt::format(
              "integrator = '{}': it must be 'fixed', 'adaptive' or 'hybrid'", h.integrator));
      } else if (k == "sub_levels") {
        h.sub_levels = py::cast<int>(value);
        if (h.sub_levels < 0 || h.sub_levels > 16)
          throw input_error(fmt::format("sub_levels = {}: it must be 0 to 16", h.sub_levels));
      } else {
        double* field = k == "tau_in"        ? &h.tau_in
                        : k == "dilation"    ? &h.dilation
                        : k == "dt_hardware" ? &h.dt
                        : k == "gain"        ? &h.gain
                                             : nullptr;
        std::string known =
            "preset, tau_in, dilation, dt_hardware, integrator, sub_levels, gain, noise, seed, "
            "threads";
        for (const auto& f : network::memristive_fields()) {  // the crossbar's options
          if (!nir::crossbar_option(f.name)) continue;
          if (k == f.name) field = &(h.crossbar.*(f.member));
          known += fmt::format(", {}", f.name);
        }
        if (!field)
          throw input_error(fmt::format("unknown hardware option '{}' (known: {})", k, known));
        *field = py::cast<double>(value);
      }
    }
    return h;
  }

  std::size_t samples_of(const py::array_t<double, py::array::c_style | py::array::forcecast>& a,
                         bool batch_only) const {
    const bool batched = a.ndim() == 3;
    if (!batched && (batch_only || a.ndim() != 2))
      throw input_error(fmt::format(
          "input has {} dimensions: give {}", a.ndim(),
          batch_only ? "(batch, steps, inputs)" : "(steps, inputs) or (batch, steps, inputs)"));
    const auto steps = static_cast<std::size_t>(a.shape(batched ? 1 : 0));
    const auto columns = static_cast<std::size_t>(a.shape(a.ndim() - 1));
    if (steps != m_.steps() || columns != m_.input_size())
      throw input_error(
          fmt::format("input has {} steps x {} inputs where the mapping was made "
                      "for {} x {}",
                      steps, columns, m_.steps(), m_.input_size()));
    const std::size_t b = batched ? static_cast<std::size_t>(a.shape(0)) : 1;
    if (b == 0) throw input_error("the batch is empty");
    return b;
  }
};

py::dict nir_run(const std::string& path,
                 const py::array_t<double, py::array::c_style | py::array::forcecast>& input,
                 double dt, const std::string& reset, const std::string& spike,
                 const std::string& method, int latency) {
  return nir_graph(path, dt, reset, spike, method, latency, true).run(input);
}

py::list presets() {
  py::list out;
  for (const auto& name : preset_names()) {
    const auto c = load_preset(name);
    py::dict d;
    d["name"] = name;
    d["model"] = std::string(c.model());
    d["description"] = c.description;
    out.append(d);
  }
  return out;
}

py::list model_parameters(const std::string& model) {
  py::list out;
  for (const auto& f : device_type_named(model).params()) {
    py::dict d;
    d["name"] = std::string(f.name);
    d["unit"] = std::string(f.unit);
    d["default"] = f.default_value;
    d["min"] = f.min;
    d["max"] = f.max;
    d["description"] = std::string(f.description);
    out.append(d);
  }
  return out;
}

}  // namespace

PYBIND11_MODULE(_core, m) {
  m.doc() = "ionsim's library: devices, circuits, neurons, networks and NIR graphs";
  // Input errors are ValueErrors, with the command line's one-line message; a run that cannot
  // proceed is a RuntimeError.
  static py::exception<input_error> input_exc(m, "InputError", PyExc_ValueError);
  static py::exception<run_error> run_exc(m, "RunError", PyExc_RuntimeError);
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const input_error& e) {
      input_exc(e.what());
    } catch (const run_error& e) {
      run_exc(e.what());
    } catch (const toml::parse_error& e) {
      input_exc(e.what());
    }
  });

  m.def("models", &model_names, "The registered device models' names.");
  m.def("presets", &presets,
        "The built-in parameter sets: a list of dicts (name, model, description).");
  m.def("model_parameters", &model_parameters, py::arg("model"),
        "A model's parameter table: a list of dicts (name, unit (SI), default, min, max, "
        "description).");

  py::class_<devices>(m, "Devices", R"(A batch of n independent devices of one parameter set.

preset: a built-in preset name (ionsim.presets()) or a parameter file (TOML, as
    ionsim.fit or `ionsim device fit` writes); model: a model's defaults when no preset is
    given; params: {name: value} overrides in the parameter table's SI units
    (ionsim.model_parameters(model)); temperature [K] for models that have one. Device i draws
    the noise of device id i under `seed`: the same seed gives the same result.)")
      .def(py::init<const std::string&, const std::string&, std::size_t, std::uint64_t,
                    const py::dict&, const py::object&>(),
           py::arg("preset") = "", py::arg("model") = "wang2024", py::arg("n") = 1,
           py::arg("seed") = 1, py::arg("params") = py::dict(), py::arg("temperature") = py::none())
      .def_property_readonly("model", &devices::model, "The device model's name.")
      .def_property_readonly("n", &devices::size, "Number of devices.")
      .def_property_readonly("dt", &devices::dt, "The parameter set's integration step [s].")
      .def_property_readonly("time", &devices::time,
                             "Time advanced since the start or the last reset [s].")
      .def_property_readonly("parameters", &devices::parameters,
                             "Every parameter as {name: value} (SI units).")
      .def_property_readonly("state_names", &devices::state_names,
                             "Names of the internal state variables.")
      .def("advance", &devices::advance, py::arg("v"), py::arg("steps") = 1,
           py::arg("dt") = py::none(),
           "Advances `steps` steps of dt [s] (default: the parameter set's) holding the applied "
           "voltage v [V] (one value, or one per device; through the parameter set's series "
           "resistor and compliance). Returns (current [A], conductance [S]) arrays at the end.")
      .def("resistance", &devices::resistance, "Present resistance of each device [Ω].")
      .def("state", &devices::state, py::arg("name"), "One state variable of every device.")
      .def("reset", &devices::reset, "Puts every device in its initial state, at time 0.")
      .def("sweep", &devices::sweep, py::arg("vmax") = 0.5, py::arg("points") = 201,
           py::arg("dwell") = 1e-3, py::arg("cycles") = 1, py::arg("dt") = py::none(),
           "Triangular I-V sweeps 0 -> vmax [V] -> 0 (points per cycle, dwell [s] at each), from "
           "the initial state. Returns {'v': (points,) [V], 'i': (n, cycles, points) [A], 'vth', "
           "'vhold': thresholds [V] over all cycles and devices, 'summary': their statistics}.")
      .def("pulse", &devices::pulse, py::arg("amplitude") = 1.0, py::arg("width") = 20e-3,
           py::arg("read") = 0.1, py::arg("pre") = 1e-3, py::arg("post") = 30e-3,
           py::arg("record") = 1, py::arg("sample") = 1e-5, py::arg("dt") = py::none(),
           "One voltage pulse per device (amplitude [V], width [s], read level [V] for pre and "
           "post [s]), through the series resistor. Returns {'t' [s], 'v' [V], 'i': (record, "
           "samples) [A], 'delay', 'relax': per device [s] (NaN where none), 'i_on' [A], "
           "'summary'}.")
      .def("stdp", &devices::stdp, py::arg("delta_t"), py::arg("peak") = 1.0,
           py::arg("width") = 1e-3, py::arg("tail_depth") = 0.5, py::arg("tau_tail") = 10e-3,
           py::arg("tail") = 50e-3, py::arg("pairs") = 1, py::arg("period") = 0.2,
           py::arg("dt") = py::none(),
           "Device STDP from the initial state: device k sees the pre- and post-synaptic spike "
           "waveforms (a pulse of peak [V] for width [s], then a tail of -tail_depth [V] decaying "
           "with tau_tail [s], cut after tail [s]) with t_post - t_pre = delta_t[k] [s] (one value "
           "per device), `pairs` times every `period` [s]. Returns {'delta_t' [s], 'g_before', "
           "'g_after' [S], 'dg_rel': G_after / G_before - 1, 'energy': dissipated in the device "
           "[J]}.");

  m.def("fit", &fit, py::arg("sweep") = "", py::arg("pulse") = "", py::arg("model") = "wang2024",
        py::arg("start") = "", py::arg("max_evals") = 400, py::arg("seed") = 1,
        py::arg("dwell") = 10e-3, py::arg("series") = 22e3,
        py::arg("free") = std::vector<std::string>{}, py::arg("devices") = 0,
        py::arg("local") = "lm",
        R"(Calibrates a model to measured sweeps (sweep=CSV: cycle,point,voltage_V,current_A) or
pulse trials (pulse=CSV: trial,time_s,voltage_V,current_A), as `ionsim device fit`: model
'auto' classifies the sweeps and chooses among models on held-out cycles; max_evals=0 fits
nothing and reports start against the data. free: the parameters to fit (default: the
model's own list; any it declares bounds for, e.g. 'alpha_spread'). dwell [s]: the
sweep's time per point; series [Ω]: the pulse measurement's resistor. devices: the sweeps'
simulated devices per evaluation (0: the model's own, 8 for wang2024, else 2); local: the
sweep fit's local phase, 'lm' (Levenberg-Marquardt on the residuals) or 'bobyqa'. Returns {'model',
'parameters', 'toml' (a parameter file for Devices(preset=FILE)), 'objective', 'evaluations',
'report'}.)");

  m.def("circuit_run", &circuit_run, py::arg("netlist"), py::arg("seed") = 1,
        py::arg("instance") = 0,
        R"(Runs a SPICE netlist's .tran (a path, or the netlist's text). Returns {'t': [s],
'traces': {signal: array} (V for v(...), A for i(...)), 'summary': {steps, Newton iterations,
wall_s, energy_j per element}}.)");

  m.def("characterize", &characterize, py::arg("preset") = "zhao2025-calibrated",
        py::arg("trials") = 100, py::arg("threshold_trials") = 200, py::arg("d2d") = 0.1,
        py::arg("seed") = 1, py::arg("circuit") = py::dict(), py::arg("temperature") = py::none(),
        R"(The 1M1T1R neuron through the paper's protocols, as `ionsim neuron characterize`
(whose default preset is zhao2025-table1, the paper's Table 1; here the calibrated one). circuit: overrides of the preset's [circuit] table (c_g [F], r_c, r_l [Ω], v_dd, vto [V],
kp [A/V²], c_l [F]). Returns the results dict (results.json).)");

  m.def("neuron_trials", &neuron_trials, py::arg("preset") = "zhao2025-calibrated",
        py::arg("amplitude") = 0.8, py::arg("width") = 0.0, py::arg("period") = 0.0,
        py::arg("start") = 0.0, py::arg("count") = -1, py::arg("trials") = 1,
        py::arg("t_end") = 0.3, py::arg("stop_after_spikes") = 0, py::arg("d2d") = 0.0,
        py::arg("seed") = 1, py::arg("dt") = py::none(), py::arg("circuit") = py::dict(),
        py::arg("temperature") = py::none(),
        R"(Independent trials of the compact 1M1T1R neuron under one input: `count` pulses of
amplitude [V] and width [s], one every period [s], from start [s] (width 0: a constant level;
count -1: no end), for t_end [s]. Trial k uses device id k's noise under seed. Returns a list
of dicts: 'spikes' [s], 'switch_on' [s], 'energy_input', 'energy_supply' [J], 't_end' [s].)");

  py::class_<nir_graph>(m, "NirGraph", R"(A NIR graph (HDF5) read once and made ready to run many
inputs, with the options that NIR leaves open (docs/nir.md): dt [s], reset 'zero' or
'subtract', spike 'unit' (height 1 for one step) or 'area' (area 1, height 1/dt), method
'euler' or 'exact', latency 0 or 1; record_v False keeps only the spikes and the output.)")
      .def(py::init<const std::string&, double, const std::string&, const std::string&,
                    const std::string&, int, bool>(),
           py::arg("graph"), py::arg("dt") = 1e-4, py::arg("reset") = "zero",
           py::arg("spike") = "unit", py::arg("method") = "euler", py::arg("latency") = 0,
           py::arg("record_v") = true)
      .def_property_readonly("version", &nir_graph::version, "The file's NIR version.")
      .def_property_readonly("input_size", &nir_graph::input_size, "Elements of the Input node.")
      .def("run", &nir_graph::run, py::arg("input"),
           "Runs the graph from rest on input (steps, inputs), or on a batch (batch, steps, "
           "inputs), each sample an independent copy of the network (in parallel on the OpenMP "
           "threads). Returns {'output': (steps, outputs), 'nodes': {name: {'type', 'spikes', "
           "'v'}}, 'version'}, with the batch first for a batch.");

  py::class_<nir_hardware>(m, "NirHardware",
                           R"(A NIR graph mapped onto 1M1T1R hardware, as `ionsim nir
run --hardware 1m1t1r` (docs/nir.md): LIF and CubaLIF nodes become dm1t1r populations, weight
matrices differential crossbar pairs, run by the network engine `dilation` times slower.
steps: the samples' length; dt, reset, spike, method: the ideal graph's options. Hardware
options (keywords, SI units): preset, tau_in, dilation, dt_hardware, integrator ('fixed',
'adaptive', 'hybrid') and sub_levels (the hardware neurons' integrator, docs/neuron/adaptive.md),
gain, noise (bool), seed (the chip's programmed state and the noise), threads (samples side by
side), and the crossbar's
(docs/network/engine.md, memristive synapses): g_min, g_max, levels, d2d, read_noise,
prog_noise, stuck_off, stuck_on, drift_nu, drift_nu_std, drift_time, drift_t0, v_read, t_read.)")
      .def(py::init<const std::string&, std::size_t, double, const std::string&, const std::string&,
                    const std::string&, const py::kwargs&>(),
           py::arg("graph"), py::arg("steps"), py::arg("dt") = 1e-4, py::arg("reset") = "zero",
           py::arg("spike") = "unit", py::arg("method") = "euler")
      .def_property_readonly("dilation", &nir_hardware::dilation,
                             "Seconds of hardware per second of the graph.")
      .def_property_readonly("mapping", &nir_hardware::mapping,
                             "The mapping as a dict (hardware.json of the command line).")
      .def("calibrate", &nir_hardware::calibrate, py::arg("batch"),
           "Scales what each node receives so that its spike count over the batch (batch, "
           "steps, inputs) is the ideal graph's.")
      .def("run", &nir_hardware::run, py::arg("input"),
           "Runs (steps, inputs) or a batch (batch, steps, inputs), each sample from rest. "
           "Returns {'output': (steps, outputs), 'nodes': {name: {'type', 'spikes'}}}: spikes "
           "counted per graph step, batch first for a batch.");

  m.def("nir_run", &nir_run, py::arg("graph"), py::arg("input"), py::arg("dt") = 1e-4,
        py::arg("reset") = "zero", py::arg("spike") = "unit", py::arg("method") = "euler",
        py::arg("latency") = 0,
        R"(Imports a NIR graph and runs it once, as `ionsim nir run`: NirGraph(graph, dt, reset,
spike, method, latency).run(input). Returns {'output': (steps, outputs), 'nodes': {name:
{'type', 'spikes', 'v'}}, 'version'}.)");

  bind_network(m);
  bind_analysis(m);
  bind_task(m);
}

}  // namespace ionsim::python
