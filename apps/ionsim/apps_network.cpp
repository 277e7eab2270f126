#include "apps_network.hpp"

#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "apps_output.hpp"
#include "core/error.hpp"
#include "core/progress.hpp"
#include "core/units.hpp"
#include "io/files.hpp"
#include "network/config.hpp"
#include "network/network.hpp"
#include "network/recording.hpp"

namespace ionsim::cli {

network_commands::network_commands(CLI::App& app) {
  run_ = app.add_subcommand(
      "run",
      "simulate a spiking network described by a TOML file (populations, projections, "
      "stimuli, recorders; docs/network/engine.md); writes DIR/spikes.h5 and DIR/summary.json");
  run_->add_option("config", config_, "network description (TOML)")->required();
  run_->add_option("--out", out_, "output directory (default: <config name>-out)");
  run_->add_option("--threads", threads_, "OpenMP threads (overrides [run] threads)")
      ->check(CLI::PositiveNumber);
  run_->add_flag("--no-progress", no_progress_, "no progress line on stderr");
  run_->add_option("--max-memory", max_memory_,
                   "memory the network may take, e.g. 8GB or 512MiB (default: the memory "
                   "available); a network whose estimate exceeds it is refused before it is "
                   "built");
  run_->add_option("--temperature", temperature_,
                   "device temperature [K], e.g. 350K, of every population built on a device "
                   "model with a temperature parameter (unless its params give one)");
}

bool network_commands::parsed() const { return run_->parsed(); }

int network_commands::run() {
  using namespace ionsim::network;
  const auto models = builtin_models();
  network_spec spec = read_network_config(config_, models);
  if (threads_ > 0) spec.run.threads = threads_;
  if (!max_memory_.empty()) spec.run.max_memory = parse_bytes(max_memory_, "--max-memory");
  if (!temperature_.empty()) {
    const double kelvin = parse_quantity(temperature_, "K", "--temperature");
    bool any = false;
    for (auto& p : spec.populations) {
      const model_entry* m = models.find(p.model);
      if (!m || !m->device_backed) continue;
      any = true;
      if (!p.params) p.params = toml::table{};
      if (!p.params->contains("temperature")) p.params->insert("temperature", kelvin);
    }
    if (!any)
      throw input_error("--temperature: no population of this network is built on a device model");
  }
  // Everything is checked and built before any output exists.
  ionsim::network::network net(spec, models);
  if (out_.empty()) out_ = std::filesystem::path(config_).stem().string() + "-out";
  make_output_dir(out_);
  const std::string h5 = (std::filesystem::path(out_) / "spikes.h5").string();
  const double dt = spec.run.dt;
  std::fprintf(stderr,
               "run: %zu neurons, %llu synapses (%.2f bytes each), built in %.2f s; %lld steps "
               "on %d thread(s), epochs of %lld steps\n",
               net.neurons(), static_cast<unsigned long long>(net.synapses()),
               net.synapses()
                   ? static_cast<double>(net.synapse_bytes()) / static_cast<double>(net.synapses())
                   : 0.0,
               net.build_seconds(), static_cast<long long>(net.total_steps()), net.threads(),
               static_cast<long long>(net.epoch_steps()));

  // SIGINT/SIGTERM from here on stop the run at an epoch with the file valid (a signal while
  // the file is being created used to kill the process before the handler was installed).
  signal_scope signals;
  h5_recording rec(h5, net);
  run_result res;
  {
    const auto start = std::chrono::steady_clock::now();
    // Shown only once a run has lasted a second (short runs stay quiet).
    progress bar("run", static_cast<double>(net.total_steps()) * dt, !no_progress_);
    res = net.run(rec, &stop_requested, [&](std::int64_t step) {
      if (no_progress_) return;
      const double wall =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      if (wall < 1.0) return;
      const double sim = static_cast<double>(step) * dt;
      bar.update(sim, fmt::format("{:.3g} s simulated, {:.3g}x real time", sim, sim / wall));
    });
    bar.finish();
  }
  rec.finish(res);
  // The learned weights, readable by a from_file projection.
  std::vector<std::string> weight_files;
  for (std::size_t j = 0; j < net.projections(); ++j) {
    if (!net.plasticity(j)) continue;
    const auto dir = std::filesystem::path(out_) / "weights";
    std::filesystem::create_directories(dir);
    weight_files.push_back((dir / (net.projection_name(j) + ".h5")).string());
    write_weights_h5(weight_files.back(), net, j);
  }

  const double simulated = static_cast<double>(res.steps_done) * dt;
  nlohmann::json j;
  j["config"] = config_;
  j["neurons"] = net.neurons();
  j["synapses"] = net.synapses();
  j["synapse_bytes"] = net.synapse_bytes();
  j["build_seconds"] = net.build_seconds();
  j["run_seconds"] = res.wall_seconds;
  j["simulated_seconds"] = simulated;
  j["real_time_factor"] = res.wall_seconds > 0 ? simulated / res.wall_seconds : 0.0;
  j["threads"] = net.threads();
  for (std::size_t k = 0; k < net.projections(); ++k) {
    auto& pj = j["projections"][net.projection_name(k)];
    pj = {{"synapses", net.projection(k).size()},
          {"bytes", net.projection_bytes(k)},
          {"plastic", net.plasticity(k) != nullptr}};
    if (net.plasticity(k) && !net.plasticity(k)->spec().device.empty()) {
      const auto p = net.plasticity(k)->pulses();
      pj["device"] = net.plasticity(k)->spec().device;
      pj["pulses_up"] = p.up;
      pj["pulses_down"] = p.down;
      pj["programming_energy_j"] = p.energy;
    }
  }
  j["interrupted"] = res.interrupted;
  std::cout << fmt::format("simulated {:g} s in {:.2f} s wall ({:.3g}x real time)\n", simulated,
                           res.wall_seconds,
                           res.wall_seconds > 0 ? simulated / res.wall_seconds : 0.0);
  for (std::size_t p = 0; p < net.populations(); ++p) {
    const double rate = simulated > 0
                            ? static_cast<double>(res.spike_count[p]) /
                                  (static_cast<double>(net.population_size(p)) * simulated)
                            : 0.0;
    j["populations"][net.population_name(p)] = {
        {"size", net.population_size(p)}, {"spikes", res.spike_count[p]}, {"mean_rate_hz", rate}};
    std::cout << fmt::format("  {:<12} {:>8} neurons  mean rate {:.3f} Hz\n",
                             net.population_name(p), net.population_size(p), rate);
  }
  write_file_atomic((std::filesystem::path(out_) / "summary.json").string(), j.dump(2) + "\n");
  if (res.interrupted) {
    const int sig = stop_signal.load();
    std::cerr << fmt::format(
        "ionsim: interrupted by {} at t = {:g} s (end of an epoch); {} is valid and holds the "
        "first {:g} s (attribute complete = 0)\n",
        sig == SIGTERM ? "SIGTERM" : "SIGINT", simulated, h5, simulated);
    return 128 + sig;
  }
  std::cout << "wrote " << h5 << ", " << out_ << "/summary.json";
  for (const auto& f : weight_files) std::cout << ", " << f;
  std::cout << "\n";
  return 0;
}

}  // namespace ionsim::cli
