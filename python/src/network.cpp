// ionsim.Network: a network from a TOML file or from Python dicts with the same keys, run in
// chunks with its state kept between calls; spikes, recorded state and weights as arrays.
#include "network/network.hpp"

#include <fmt/format.h>

#include <atomic>
#include <cmath>
#include <filesystem>

#include "common.hpp"
#include "core/error.hpp"
#include "io/hdf5.hpp"
#include "network/config.hpp"
#include "network/segments.hpp"
#include "nir/export.hpp"

namespace ionsim::python {

namespace {

namespace nw = ionsim::network;

// Keeps what the recorders ask for, in memory, across calls to run.
struct python_sink : nw::epoch_sink {
  const nw::network* net = nullptr;
  std::vector<char> record;            // per population: keep its spikes
  std::vector<std::uint64_t> counted;  // spikes per population, recorded or not
  std::vector<std::int64_t> spike_step;
  std::vector<std::uint32_t> spike_id;
  std::vector<std::vector<std::int64_t>> sample_step;  // per state recorder
  std::vector<std::vector<double>> sample_values;      // rows x variables x neurons
  std::vector<std::vector<std::int64_t>> weight_step;  // per weights recorder
  std::vector<std::vector<float>> weight_values;       // snapshots x synapses

  std::size_t population_of(std::uint32_t id) const {
    std::size_t p = 0;
    while (p + 1 < net->populations() && net->first_id(p + 1) <= id) ++p;
    return p;
  }
  void spikes(std::int64_t, std::int64_t, std::span<const nw::spike> s) override {
    for (const auto& sp : s) {
      const auto p = population_of(sp.id);
      ++counted[p];
      if (!record[p]) continue;
      spike_step.push_back(sp.step);
      spike_id.push_back(sp.id);
    }
  }
  void samples(std::size_t r, std::span<const std::int64_t> steps,
               std::span<const double> values) override {
    sample_step[r].insert(sample_step[r].end(), steps.begin(), steps.end());
    sample_values[r].insert(sample_values[r].end(), values.begin(), values.end());
  }
  void weights(std::size_t r, std::int64_t step, std::span<const float> w) override {
    if (w.empty()) return;
    weight_step[r].push_back(step);
    weight_values[r].insert(weight_values[r].end(), w.begin(), w.end());
  }
};

// A network description from a TOML file's path or from dicts with the same keys.
nw::network_spec read_spec(const py::object& config, const nw::model_registry& models) {
  if (!py::isinstance<py::dict>(config))
    return nw::read_network_config(py::str(config).cast<std::string>(), models);
  const std::string text = toml_text(config.cast<py::dict>());
  try {
    return nw::parse_network_config(text, "dict", models);
  } catch (const input_error& e) {
    throw input_error(fmt::format("{} (lines of ionsim.network_toml(config))", e.what()));
  }
}

py::dict nir_export(const py::object& config, const std::string& path, const std::string& output) {
  const auto models = nw::builtin_models();
  const auto spec = read_spec(config, models);
  nir::export_info info;
  nir::graph g;
  {
    py::gil_scoped_release release;
    const nw::network net(spec, models);
    g = nir::export_network(net, output, &info);
    nir::write_graph(g, path);
  }
  py::dict nodes;
  for (const auto& n : g.nodes) nodes[py::str(n.name)] = n.type;
  py::dict d;
  d["input_population"] = info.input_population;
  d["output_population"] = info.output_population;
  d["nodes"] = nodes;
  return d;
}

class network_handle {
 public:
  network_handle(const py::object& config, int threads) : models_(nw::builtin_models()) {
    nw::network_spec spec = read_spec(config, models_);
    if (threads < 0) throw input_error("threads must be at least 1 (0: the file's [run] threads)");
    if (threads > 0) spec.run.threads = threads;
    {
      py::gil_scoped_release release;
      net_ = std::make_unique<nw::network>(spec, models_);
    }
    // Without a spikes recorder, every population's spikes are kept.
    const std::size_t np = spec.populations.size();
    sink_.net = net_.get();
    sink_.counted.assign(np, 0);
    sink_.record.assign(np, 0);
    bool any = false;
    for (const auto& r : spec.recorders) {
      if (r.kind == nw::recorder_kind::spikes) {
        any = true;
        for (std::size_t p = 0; p < np; ++p)
          for (const auto& name : r.populations)
            if (spec.populations[p].name == name) sink_.record[p] = 1;
        if (r.populations.empty()) sink_.record.assign(np, 1);
      }
      if (r.kind == nw::recorder_kind::state) state_names_.push_back(r.name);
    }
    if (!any) sink_.record.assign(np, 1);
    sink_.sample_step.resize(net_->probes().size());
    sink_.sample_values.resize(net_->probes().size());
    sink_.weight_step.resize(net_->weight_probes());
    sink_.weight_values.resize(net_->weight_probes());
  }

  double dt() const { return net_->spec().run.dt; }
  double time() const { return static_cast<double>(net_->steps_done()) * dt(); }

  py::dict populations() const {
    py::dict d;
    for (std::size_t p = 0; p < net_->populations(); ++p)
      d[py::str(net_->population_name(p))] = net_->population_size(p);
    return d;
  }

  std::size_t population(const std::string& name) const {
    for (std::size_t p = 0; p < net_->populations(); ++p)
      if (net_->population_name(p) == name) return p;
    std::vector<std::string> names;
    for (std::size_t p = 0; p < net_->populations(); ++p) names.push_back(net_->population_name(p));
    throw input_error(
        fmt::format("no population is named '{}' (there are: {})", name, fmt::join(names, ", ")));
  }

  // Runs `duration` [s] more, rounded to whole steps.
  py::dict run(double duration) {
    if (!std::isfinite(duration) || duration < 0)
      throw input_error(fmt::format("duration {:g} s: must be zero or more", duration));
    const auto steps = static_cast<std::int64_t>(std::llround(duration / dt()));
    std::atomic<bool> stop{false};
    interrupt_poll poll;
    const auto before = sink_.counted;
    nw::run_result r;
    {
      py::gil_scoped_release release;
      r = net_->run_more(steps, sink_, &stop, [&](std::int64_t) {
        if (poll.poll()) stop = true;
      });
    }
    // Stopped at the end of an epoch: everything so far is kept and a later run continues.
    poll.raise_if_pending();
    py::dict spikes;
    for (std::size_t p = 0; p < net_->populations(); ++p)
      spikes[py::str(net_->population_name(p))] = sink_.counted[p] - before[p];
    py::dict d;
    d["time_s"] = time();
    d["wall_s"] = r.wall_seconds;
    d["spikes"] = spikes;
    return d;
  }

  py::tuple spikes(const py::object& population) const {
    const bool all = population.is_none();
    const std::size_t p = all ? 0 : this->population(population.cast<std::string>());
    if (!all && !sink_.record[p])
      throw input_error(fmt::format(
          "the spikes of '{}' are not recorded (add it to a spikes recorder, or give none)",
          net_->population_name(p)));
    const std::uint32_t first = all ? 0 : net_->first_id(p);
    const std::uint32_t last =
        all ? UINT32_MAX : static_cast<std::uint32_t>(first + net_->population_size(p));
    std::vector<double> t;
    std::vector<std::uint32_t> ids;
    for (std::size_t k = 0; k < sink_.spike_id.size(); ++k) {
      const auto id = sink_.spike_id[k];
      if (id < first || id >= last) continue;
      t.push_back(static_cast<double>(sink_.spike_step[k]) * dt());
      ids.push_back(id - first);
    }
    py::array_t<std::uint32_t> a(static_cast<py::ssize_t>(ids.size()));
    std::copy(ids.begin(), ids.end(), a.mutable_data());
    return py::make_tuple(to_array(t), a);
  }

  py::dict rates() const {
    py::dict d;
    const double t = time();
    for (std::size_t p = 0; p < net_->populations(); ++p)
      d[py::str(net_->population_name(p))] =
          t > 0 ? static_cast<double>(sink_.counted[p]) /
                      (static_cast<double>(net_->population_size(p)) * t)
                : 0.0;
    return d;
  }

  py::dict state(const std::string& name) const {
    std::size_t r = state_names_.size();
    for (std::size_t k = 0; k < state_names_.size(); ++k)
      if (state_names_[k] == name) r = k;
    if (r == state_names_.size())
      throw input_error(fmt::format("no state recorder is named '{}' (there are: {})", name,
                                    fmt::join(state_names_, ", ")));
    const auto& pr = net_->probes()[r];
    const auto vars = net_->model(pr.population).state_variables();
    const std::size_t rows = sink_.sample_step[r].size(), nv = pr.variables.size(),
                      k = pr.neurons.size();
    std::vector<double> t(rows);
    for (std::size_t i = 0; i < rows; ++i)
      t[i] = static_cast<double>(sink_.sample_step[r][i]) * dt();
    py::dict d;
    d["t"] = to_array(t);
    d["population"] = net_->population_name(pr.population);
    py::array_t<std::uint32_t> ids(static_cast<py::ssize_t>(k));
    for (std::size_t i = 0; i < k; ++i)
      ids.mutable_data()[i] = static_cast<std::uint32_t>(pr.neurons[i]);
    d["neurons"] = ids;
    const auto& all = sink_.sample_values[r];
    for (std::size_t v = 0; v < nv; ++v) {
      py::array_t<double> a({static_cast<py::ssize_t>(rows), static_cast<py::ssize_t>(k)});
      double* out = a.mutable_data();
      for (std::size_t i = 0; i < rows; ++i)
        std::copy_n(all.data() + i * nv * k + v * k, k, out + i * k);
      d[py::str(std::string(vars[pr.variables[v]].name))] = a;
    }
    return d;
  }

  py::dict weights(const std::string& projection) const {
    std::size_t j = net_->projections();
    for (std::size_t k = 0; k < net_->projections(); ++k)
      if (net_->projection_name(k) == projection) j = k;
    if (j == net_->projections()) {
      std::vector<std::string> names;
      for (std::size_t k = 0; k < net_->projections(); ++k)
        names.push_back(net_->projection_name(k));
      throw input_error(fmt::format("no projection is named '{}' (there are: {})", projection,
                                    fmt::join(names, ", ")));
    }
    const auto& t = net_->projection(j);
    const auto n = static_cast<py::ssize_t>(t.size());
    py::array_t<std::uint32_t> source(n), target(n);
    py::array_t<float> w(n);
    for (std::size_t s = 0; s < t.sources(); ++s)
      for (auto q = t.row[s]; q < t.row[s + 1]; ++q)
        source.mutable_data()[q] = static_cast<std::uint32_t>(s);
    std::copy(t.target.begin(), t.target.end(), target.mutable_data());
    std::copy(t.weight.begin(), t.weight.end(), w.mutable_data());
    py::dict d;
    d["source"] = source;
    d["target"] = target;
    d["w"] = w;
    for (std::size_t k = 0; k < net_->weight_probes(); ++k) {
      if (net_->weight_probe_projection(k) != j) continue;
      const auto& steps = sink_.weight_step[k];
      std::vector<double> times(steps.size());
      for (std::size_t i = 0; i < steps.size(); ++i)
        times[i] = static_cast<double>(steps[i]) * dt();
      py::array_t<float> snaps({static_cast<py::ssize_t>(steps.size()), n});
      std::copy(sink_.weight_values[k].begin(), sink_.weight_values[k].end(), snaps.mutable_data());
      d["snapshot_t"] = to_array(times);
      d["snapshots"] = snaps;
    }
    return d;
  }

  py::dict summary() const {
    py::dict d;
    d["neurons"] = net_->neurons();
    d["synapses"] = net_->synapses();
    d["synapse_bytes"] = net_->synapse_bytes();
    d["build_seconds"] = net_->build_seconds();
    d["threads"] = net_->threads();
    d["dt_s"] = dt();
    d["time_s"] = time();
    d["populations"] = populations();
    return d;
  }

 private:
  nw::model_registry models_;
  std::unique_ptr<nw::network> net_;
  python_sink sink_;
  std::vector<std::string> state_names_;
};

// The spikes of a run's output directory as `ionsim run` wrote them: DIR/spikes.h5, or the
// whole segments of a run with checkpoints that has not reached its end.
py::dict read_recording(const std::string& dir) {
  const nw::run_recording rec(dir);
  const std::string& path = rec.path();
  if (!std::filesystem::is_regular_file(path))
    throw input_error(
        fmt::format("{}: no recording (spikes.h5 or segments/) of `ionsim run`", dir));
  py::dict d;
  const auto t = read_h5_doubles(path, "/spikes/times");
  const auto id = read_h5_doubles(path, "/spikes/ids");
  std::vector<std::uint32_t> ids(id.begin(), id.end());
  d["times"] = to_array(t);
  d["ids"] = py::array_t<std::uint32_t>(static_cast<py::ssize_t>(ids.size()), ids.data());
  d["populations"] = read_h5_strings(path, "/populations/names");
  d["first_id"] = to_array(read_h5_doubles(path, "/populations/first_id"));
  d["size"] = to_array(read_h5_doubles(path, "/populations/size"));
  d["simulated"] = read_h5_attribute(path, "simulated");
  d["complete"] = read_h5_attribute(path, "complete") != 0;
  d["segments"] = rec.segments();
  return d;
}

}  // namespace

void bind_network(py::module_& m) {
  m.def("read_recording", &read_recording, py::arg("dir"),
        R"(The spikes that `ionsim run` recorded in DIR: {'times' [s], 'ids' (global neuron
index), 'populations', 'first_id', 'size', 'simulated' [s], 'complete', 'segments'}. Reads
DIR/spikes.h5, or, for a run with checkpoints that was stopped or killed before its end, the
segments closed at its checkpoints as one recording (segments > 0, complete False).)");
  m.def("network_toml", &toml_text, py::arg("config"),
        "The TOML text of a network given as dicts, as ionsim.Network reads it (its error "
        "messages name lines of this text).");
  m.def("nir_export", &nir_export, py::arg("config"), py::arg("path"), py::arg("output") = "",
        R"(Writes a network of lif_cuba neurons (no refractory period) with static synapses,
driven by one spike_source population, as a NIR graph, as `ionsim nir export` (docs/nir.md).
config: a TOML path or dicts; output: the population of the Output node (default: the last).
Returns {'input_population', 'output_population', 'nodes': {name: NIR type}}. Run the graph
with nir_run(..., spike='area', method='exact').)");
  py::class_<network_handle>(m, "Network", R"(A spiking network (docs/network/engine.md).

config: the path of a network TOML file, or a dict with the same keys ({'run': {...},
'population': [{...}, ...], 'projection': [...], 'stimulus': [...], 'recorder': [...]});
quantities as in the file ("0.1ms", "10mV", or numbers in SI units). threads: OpenMP threads
(0: the file's [run] threads). The network is built and checked at once; run() advances it,
and may be called again and again with its state kept. Spikes are kept for the populations of
the spikes recorders, or for every population when there is none.)")
      .def(py::init<const py::object&, int>(), py::arg("config"), py::arg("threads") = 0)
      .def_property_readonly("dt", &network_handle::dt, "The time step [s].")
      .def_property_readonly("time", &network_handle::time, "Time simulated so far [s].")
      .def_property_readonly("populations", &network_handle::populations,
                             "{population: size}, in the file's order.")
      .def("run", &network_handle::run, py::arg("duration"),
           "Simulates `duration` [s] more (whole steps). Returns {'time_s', 'wall_s', "
           "'spikes': {population: spikes in this call}}. Ctrl-C stops at the end of an epoch "
           "and raises KeyboardInterrupt, with what was simulated kept.")
      .def("spikes", &network_handle::spikes, py::arg("population") = py::none(),
           "The recorded spikes as (times [s], ids): ids global (populations numbered in file "
           "order) or, with a population, its local indices.")
      .def("rates", &network_handle::rates,
           "Mean firing rate of every population over the time simulated so far [Hz].")
      .def("state", &network_handle::state, py::arg("recorder"),
           "A state recorder's samples: {'t' [s], 'population', 'neurons', variable: (samples, "
           "neurons) array in the variable's unit}.")
      .def("weights", &network_handle::weights, py::arg("projection"),
           "A projection's synapses now: {'source', 'target' (local indices), 'w'}; with a "
           "weights recorder also 'snapshot_t' [s] and 'snapshots' (snapshots, synapses).")
      .def("summary", &network_handle::summary,
           "Neurons, synapses, synapse memory [bytes], build time [s], threads, dt and time [s].");
}

}  // namespace ionsim::python
