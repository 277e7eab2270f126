#include "apps_nir.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "core/error.hpp"
#include "core/units.hpp"
#include "io/files.hpp"
#include "io/hdf5.hpp"
#include "io/npy.hpp"
#include "network/config.hpp"
#include "network/memristive.hpp"
#include "network/network.hpp"
#include "nir/export.hpp"
#include "nir/hardware.hpp"
#include "nir/run.hpp"

namespace ionsim::cli {

namespace fs = std::filesystem;

nir_commands::nir_commands(CLI::App& app) {
  nir_ = app.add_subcommand("nir", "NIR graphs (Neuromorphic Intermediate Representation)");
  nir_->require_subcommand(1);
  run_ = nir_->add_subcommand(
      "run",
      "import a NIR graph and run it; writes DIR/<node>.spikes.npy, DIR/<node>.v.npy, "
      "DIR/output.npy and DIR/nir_run.h5");
  run_->add_option("graph", graph_, "the graph (.nir, HDF5)")->required();
  run_->add_option("--input", input_,
                   "input, steps x inputs: .npy, .csv (numbers, comma- or space-separated) or "
                   ".h5 (dataset /input)")
      ->required();
  run_->add_option("--out", out_, "output directory")->required();
  run_->add_option("--dt", dt_, "time step")->capture_default_str();
  run_->add_option("--reset", reset_, "reset after a spike: zero or subtract")
      ->capture_default_str();
  run_->add_option("--spike", spike_,
                   "spike representation: unit (height 1 for one step) or area (a pulse of "
                   "area 1, height 1/dt)")
      ->capture_default_str();
  run_->add_option("--method", method_, "discretisation: euler or exact")->capture_default_str();
  run_->add_option("--latency", latency_,
                   "0: a spike reaches the next node in the same step; 1: in the next step")
      ->capture_default_str();
  run_->add_option("--hardware", hardware_,
                   "map the graph onto ionic hardware: 1m1t1r (dm1t1r neurons, differential "
                   "crossbar pairs); writes DIR/hardware.json with the mapping")
      ->check(CLI::IsMember({"1m1t1r"}));
  run_->add_option("--tau-in", tau_in_,
                   "hardware: integrator time constant that the shortest filter time constant "
                   "becomes (sets the dilation)")
      ->capture_default_str();
  run_->add_option("--dilation", hw_.dilation,
                   "hardware: seconds of hardware per second of the graph (0: from --tau-in)")
      ->capture_default_str();
  run_->add_option("--hardware-dt", hw_dt_, "hardware: step")->capture_default_str();
  run_->add_option("--integrator", hw_.integrator,
                   "hardware: the neurons' integrator, fixed, adaptive or hybrid (default: fixed)")
      ->check(CLI::IsMember(network::memristive_integrators));
  run_->add_option("--sub-levels", hw_.sub_levels,
                   "hardware: sub-steps of the adaptive and hybrid integrators down to "
                   "hardware-dt / 2^N (0: their defaults)")
      ->check(CLI::Range(0, 16))
      ->capture_default_str();
  run_->add_option("--gain", hw_.gain,
                   "hardware: integrator volts per threshold (0: half the range over which the "
                   "neuron's spike count rises)")
      ->capture_default_str();
  run_->add_option("--noise", noise_, "hardware: the memristors' stochastic switching, on or off")
      ->check(CLI::IsMember({"on", "off"}))
      ->capture_default_str();
  // The crossbar's options: the memristive synapses' own table (units as documented there).
  for (const auto& f : network::memristive_fields()) {
    if (!nir::crossbar_option(f.name)) continue;
    std::string flag = "--" + std::string(f.name);
    std::replace(flag.begin(), flag.end(), '_', '-');
    run_->add_option(flag, hw_.crossbar.*(f.member),
                     fmt::format("hardware, crossbar: {} [{}]", f.description, f.unit))
        ->capture_default_str();
  }
  run_->add_option(
      "--calibrate", calibrate_,
      "hardware: inputs (.npy, samples x steps x inputs) on which each node's input is "
      "scaled so that its spike count is the ideal graph's");
  run_->add_option("--seed", hw_.seed,
                   "hardware: seed of the chip (its programmed state) and of the noise")
      ->capture_default_str();
  run_->add_option("--threads", hw_.threads, "hardware: calibration samples run side by side")
      ->capture_default_str();

  export_ = nir_->add_subcommand(
      "export",
      "write a network of LIF neurons (lif_cuba, t_ref = 0) with static current-based synapses, "
      "driven by a spike_source population, as a NIR graph; run it with --spike area --method "
      "exact");
  export_->add_option("config", config_, "network description (TOML)")->required();
  export_->add_option("graph", nir_out_, "the graph to write (.nir)")->required();
  export_->add_option("--output", output_pop_,
                      "population whose spikes the Output node carries (default: the last)");
  export_->add_option("--input", input_out_,
                      "also write the spike_source's spikes over the run's duration as the "
                      "graph's input (.npy, steps x neurons; a spike is 1/dt for one step, a "
                      "pulse of area 1)");
}

bool nir_commands::parsed() const { return nir_->parsed(); }

int nir_commands::run() { return export_->parsed() ? export_network() : run_graph(); }

namespace {

// Rows of numbers (steps x inputs) from .npy, .csv or .h5; `columns` receives the width.
std::vector<double> read_input(const std::string& path, std::size_t& columns, std::size_t& rows) {
  const std::string ext = fs::path(path).extension().string();
  if (ext == ".npy") {
    const auto a = read_npy(path);
    if (a.shape.empty() || a.shape.size() > 2)
      throw input_error(
          fmt::format("{}: the input must have 1 or 2 dimensions (steps x inputs)", path));
    rows = a.shape[0];
    columns = a.shape.size() == 2 ? a.shape[1] : 1;
    return a.data;
  }
  if (ext == ".h5" || ext == ".hdf5") {
    std::vector<std::size_t> dims;
    auto d = read_h5_doubles(path, "/input", &dims);
    if (dims.empty() || dims.size() > 2)
      throw input_error(fmt::format("{}: /input must have 1 or 2 dimensions", path));
    rows = dims[0];
    columns = dims.size() == 2 ? dims[1] : 1;
    return d;
  }
  if (ext != ".csv")
    throw input_error(fmt::format("{}: the input must be .npy, .csv or .h5", path));
  std::ifstream in(path);
  if (!in) throw input_error(fmt::format("{}: cannot open file", path));
  std::vector<double> out;
  std::string line;
  rows = 0;
  columns = 0;
  for (std::size_t lineno = 1; std::getline(in, line); ++lineno) {
    for (char& c : line)
      if (c == ',' || c == ';' || c == '\t' || c == '\r') c = ' ';
    std::istringstream cells(line);
    std::vector<double> row;
    for (std::string cell; cells >> cell;) {
      double v = 0;
      const auto r = std::from_chars(cell.data(), cell.data() + cell.size(), v);
      if (r.ec != std::errc() || r.ptr != cell.data() + cell.size()) {
        if (rows == 0 && lineno == 1) break;  // a header
        throw input_error(fmt::format("{}:{}: '{}' is not a number", path, lineno, cell));
      }
      row.push_back(v);
    }
    if (row.empty()) continue;
    if (columns == 0) columns = row.size();
    if (row.size() != columns)
      throw input_error(fmt::format("{}:{}: {} values where the first row has {}", path, lineno,
                                    row.size(), columns));
    out.insert(out.end(), row.begin(), row.end());
    ++rows;
  }
  if (rows == 0) throw input_error(fmt::format("{}: no data", path));
  return out;
}

std::string file_name(std::string name) {
  for (char& c : name)
    if (c == '/' || c == '\\') c = '_';
  return name;
}

}  // namespace

int nir_commands::export_network() {
  const auto models = network::builtin_models();
  const network::network_spec spec = network::read_network_config(config_, models);
  network::network net(spec, models);
  nir::export_info info;
  const nir::graph g = nir::export_network(net, output_pop_, &info);
  std::size_t steps = 0, width = 0;
  std::vector<double> input;
  if (!input_out_.empty()) {
    if (fs::path(input_out_).extension() != ".npy")
      throw input_error(fmt::format("--input {}: the input is written as .npy", input_out_));
    // The spike_source's spikes as the engine emits them: step n is row n.
    std::size_t p = 0;
    while (net.population_name(p) != info.input_population) ++p;
    network::memory_sink sink;
    net.run(sink);
    steps = static_cast<std::size_t>(net.steps_done());
    width = net.population_size(p);
    input.assign(steps * width, 0.0);
    const std::uint32_t first = net.first_id(p);
    for (const auto& sp : sink.all)
      if (sp.id >= first && sp.id < first + width)
        input[static_cast<std::size_t>(sp.step) * width + (sp.id - first)] = 1.0 / spec.run.dt;
  }
  const auto parent = fs::path(nir_out_).parent_path();
  if (!parent.empty()) make_output_dir(parent.string());
  nir::write_graph(g, nir_out_);
  if (!input_out_.empty()) write_file_atomic(input_out_, npy_bytes({steps, width}, input));
  std::size_t linear = 0;
  for (const auto& n : g.nodes) linear += n.type == "Linear";
  std::cout << fmt::format(
      "{}: {} nodes ({} Linear), {} edges; Input: population {}, Output: population {}\n", nir_out_,
      g.nodes.size(), linear, g.edges.size(), info.input_population, info.output_population);
  if (!input_out_.empty())
    std::cout << fmt::format("{}: {} steps x {} inputs\n", input_out_, steps, width);
  std::cout << fmt::format(
      "run it with: ionsim nir run {} --dt {:g} --spike area --method exact "
      "--input ...\n",
      nir_out_, spec.run.dt);
  return 0;
}

// The graph mapped onto 1M1T1R hardware, calibrated, run on `input`; `mapping` gets the
// mapping's description.
nir::run_result nir_commands::run_on_hardware(const nir::graph& g, const nir::run_options& o,
                                              const std::vector<double>& input, std::size_t rows,
                                              std::string& mapping) const {
  // The numeric options are bound to hw_'s fields, so their defaults are the library's.
  nir::hardware_options h = hw_;
  h.tau_in = parse_quantity(tau_in_, "s", "--tau-in");
  h.dt = parse_quantity(hw_dt_, "s", "--hardware-dt");
  h.noise = noise_ == "on";
  nir::hardware_mapping m(g, o, h, rows);
  if (!calibrate_.empty()) {
    const auto a = read_npy(calibrate_);
    if (a.shape.size() != 3 || a.shape[1] != rows || a.shape[2] != m.input_size())
      throw input_error(fmt::format("{}: --calibrate needs samples x {} steps x {} inputs",
                                    calibrate_, rows, m.input_size()));
    m.calibrate(a.data, a.shape[0], [](const std::string& text) { std::cerr << text << "\n"; });
  }
  mapping = m.describe();
  std::cout << fmt::format("mapped onto 1M1T1R hardware: dilation {:g} ({:g} s per step)\n",
                           m.dilation(), m.dilation() * o.dt);
  return m.run(input.data());
}

int nir_commands::run_graph() {
  nir::run_options o;
  o.dt = parse_quantity(dt_, "s", "--dt");
  if (!(o.dt > 0)) throw input_error("--dt must be positive");
  if (reset_ != "zero" && reset_ != "subtract")
    throw input_error(fmt::format("--reset {}: zero or subtract", reset_));
  o.reset = reset_ == "zero" ? nir::run_options::reset_mode::zero
                             : nir::run_options::reset_mode::subtract;
  if (spike_ != "unit" && spike_ != "area")
    throw input_error(fmt::format("--spike {}: unit or area", spike_));
  o.spike =
      spike_ == "unit" ? nir::run_options::spike_mode::unit : nir::run_options::spike_mode::area;
  if (method_ != "euler" && method_ != "exact")
    throw input_error(fmt::format("--method {}: euler or exact", method_));
  o.integration =
      method_ == "euler" ? nir::run_options::method::euler : nir::run_options::method::exact;
  if (latency_ != 0 && latency_ != 1) throw input_error("--latency must be 0 or 1");
  o.latency = latency_;

  probe_in_child(graph_, "the HDF5 library", [&] { nir::read_graph(graph_); });
  const nir::graph g = nir::read_graph(graph_);
  std::size_t columns = 0, rows = 0;
  const auto input = read_input(input_, columns, rows);
  const std::size_t need = nir::input_size(g);
  if (columns != need)
    throw input_error(
        fmt::format("{}: {} input columns where the graph's Input has {}", input_, columns, need));
  std::string mapping;
  const auto r = hardware_.empty() ? nir::run_graph(g, input, rows, o)
                                   : run_on_hardware(g, o, input, rows, mapping);

  make_output_dir(out_);
  const auto at = [&](const std::string& name) { return (fs::path(out_) / name).string(); };
  const std::string h5 = at("nir_run.h5");
  {
    h5_writer w(h5 + ".partial");
    w.group("/nodes");
    for (const auto& n : r.nodes) {
      const std::string grp = "/nodes/" + file_name(n.name);
      w.group(grp);
      if (n.spiking) {
        w.append(w.series(grp + "/spikes", h5_writer::type::f64, n.size), n.spikes.data(), r.steps);
        write_file_atomic(at(file_name(n.name) + ".spikes.npy"),
                          npy_bytes({r.steps, n.size}, n.spikes));
      }
      if (n.stateful) {
        w.append(w.series(grp + "/v", h5_writer::type::f64, n.size), n.v.data(), r.steps);
        write_file_atomic(at(file_name(n.name) + ".v.npy"), npy_bytes({r.steps, n.size}, n.v));
      }
    }
    w.append(w.series("/output", h5_writer::type::f64, r.output_size), r.output.data(), r.steps);
    w.attribute("/", "dt", o.dt);
    w.attribute("/", "graph", graph_);
    w.attribute("/", "nir_version", g.version);
    w.close();
  }
  fs::rename(h5 + ".partial", h5);
  write_file_atomic(at("output.npy"), npy_bytes({r.steps, r.output_size}, r.output));
  if (!mapping.empty()) write_file_atomic(at("hardware.json"), mapping + "\n");

  std::cout << fmt::format("{} (NIR {}): {} steps of {:g} s\n", graph_, g.version, r.steps, o.dt);
  for (const auto& n : r.nodes) {
    if (!n.spiking) continue;
    std::size_t total = 0;
    for (double s : n.spikes) total += static_cast<std::size_t>(s);
    std::cout << fmt::format("  {} ({}, {} neurons): {} spikes", n.name, n.type, n.size, total);
    if (n.size == 1 && total > 0) {
      std::cout << " at steps";
      for (std::size_t t = 0; t < r.steps; ++t)
        if (n.spikes[t] != 0) std::cout << " " << t;
    }
    std::cout << "\n";
  }
  std::cout << "wrote " << out_ << "/nir_run.h5, output.npy and the node arrays\n";
  return 0;
}

}  // namespace ionsim::cli
