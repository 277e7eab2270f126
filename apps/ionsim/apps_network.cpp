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
#include "core/archive.hpp"
#include "core/comm.hpp"
#include "core/error.hpp"
#include "core/progress.hpp"
#include "core/units.hpp"
#include "io/files.hpp"
#include "io/hdf5.hpp"
#include "network/config.hpp"
#include "network/network.hpp"
#include "network/recording.hpp"
#include "network/resources.hpp"
#include "network/segments.hpp"

namespace ionsim::cli {

network_commands::network_commands(CLI::App& app) {
  run_ = app.add_subcommand(
      "run",
      "simulate a spiking network described by a TOML file (populations, projections, "
      "stimuli, recorders; docs/network/engine.md); writes DIR/spikes.h5 and DIR/summary.json");
  run_->add_option("config", config_, "network description (TOML); not with --resume");
  run_->add_option("--out", out_, "output directory (default: <config name>-out)");
  run_->add_option("--threads", threads_, "OpenMP threads (overrides [run] threads)")
      ->check(CLI::PositiveNumber);
  run_->add_flag("--no-progress", no_progress_, "no progress line on stderr");
  run_->add_option("--max-memory", max_memory_,
                   "memory the network may take, e.g. 8GB or 512MiB (default: the memory "
                   "available); a network whose estimate exceeds it is refused before it is "
                   "built");
  run_->add_option("--checkpoint-every", every_,
                   "write a checkpoint every TIME of biological time, e.g. 1s (at the end of "
                   "the epoch that reaches it); the recording goes to DIR/segments until the "
                   "run ends (docs/network/checkpoints.md)");
  run_->add_option("--checkpoint-wall", wall_,
                   "write a checkpoint every TIME of wall-clock time, e.g. 10min, 1h, 600s");
  run_->add_option("--resume", resume_,
                   "continue the run with checkpoints in DIR from its last checkpoint (the "
                   "description is the one it began with; --threads may differ)");
  run_->add_option("--temperature", temperature_,
                   "device temperature [K], e.g. 350K, of every population built on a device "
                   "model with a temperature parameter (unless its params give one)");
}

bool network_commands::parsed() const { return run_->parsed(); }

namespace {

std::string fnv_hex(const std::string& text) { return fmt::format("{:016x}", fnv1a(text)); }

// The sink of the ranks other than 0 in a distributed run: rank 0 records everything.
struct null_sink : ionsim::network::epoch_sink {
  void spikes(std::int64_t, std::int64_t, std::span<const ionsim::network::spike>) override {}
  void samples(std::size_t, std::span<const std::int64_t>, std::span<const double>) override {}
};

}  // namespace

int network_commands::run() {
  using namespace ionsim::network;
  namespace fs = std::filesystem;
  const auto models = builtin_models();
  // A resumed run takes its description and options from DIR/checkpoint/run.json.
  nlohmann::json resumed;
  if (!resume_.empty()) {
    if (!config_.empty())
      throw input_error(
          "--resume DIR takes no description: the run continues with the one it began with");
    if (!every_.empty() || !wall_.empty() || !temperature_.empty() || !max_memory_.empty() ||
        !out_.empty())
      throw input_error(
          "--resume DIR: --checkpoint-every, --checkpoint-wall, --temperature, --max-memory and "
          "--out are the run's own; only --threads and --no-progress may be given");
    const run_files f(resume_);
    if (!fs::is_regular_file(f.run_json))
      throw input_error(
          fs::is_regular_file(f.spikes)
              ? fmt::format("{}: the run is complete ({} holds it); nothing to resume", resume_,
                            f.spikes)
              : fmt::format("{}: no run with checkpoints ({} is missing)", resume_, f.run_json));
    try {
      resumed = nlohmann::json::parse(read_text_file(f.run_json));
      config_ = resumed.at("config").get<std::string>();
      every_ = resumed.at("checkpoint_every").get<std::string>();
      wall_ = resumed.at("checkpoint_wall").get<std::string>();
      temperature_ = resumed.at("temperature").get<std::string>();
      max_memory_ = resumed.at("max_memory").get<std::string>();
    } catch (const nlohmann::json::exception& e) {
      throw input_error(fmt::format("{}: damaged ({})", f.run_json, e.what()));
    }
    if (fnv_hex(read_text_file(config_)) != resumed.value("config_fnv1a", ""))
      throw input_error(fmt::format(
          "{}: the description changed since the run began (checksum in {}); a resumed run "
          "must be built from the same one",
          config_, f.run_json));
    out_ = resume_;
  }
  if (config_.empty())
    throw input_error("ionsim run: give a network description (TOML) or --resume DIR");
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
  std::int64_t every_steps = 0;
  double every_wall = 0;
  if (!every_.empty()) {
    const double t = parse_quantity(every_, "s", "--checkpoint-every");
    if (!(t > 0))
      throw input_error(fmt::format("--checkpoint-every: {} must be a positive time", every_));
    every_steps = std::max<std::int64_t>(1, std::llround(t / spec.run.dt));
  }
  if (!wall_.empty()) every_wall = parse_wall_time(wall_, "--checkpoint-wall");
  const bool segmented = every_steps > 0 || every_wall > 0;
  // Under mpirun: every rank builds and runs its part, rank 0 writes (docs/network/distributed.md)
  const communicator& comm = world();
  const bool root = comm.rank() == 0;
  if (comm.distributed() && (segmented || !resume_.empty()))
    throw input_error(fmt::format(
        "--checkpoint-every, --checkpoint-wall and --resume are for runs in one process; this "
        "one has {} MPI ranks",
        comm.size()));
  // Everything is checked and built before any output exists.
  ionsim::network::network net(spec, models, comm);
  if (out_.empty()) out_ = std::filesystem::path(config_).stem().string() + "-out";
  if (root) {
    check_disk(net, out_);  // before any output exists
    make_output_dir(out_);
  }
  const std::string h5 = (std::filesystem::path(out_) / "spikes.h5").string();
  const double dt = spec.run.dt;
  // Totals over the ranks' parts (collective: every rank takes part); a procedural projection's
  // rows are the whole projection's on every rank.
  const std::uint64_t n_bytes = comm.sum(net.synapse_bytes());
  std::uint64_t n_synapses = 0;
  std::vector<std::uint64_t> proj_synapses, proj_bytes;
  for (std::size_t k = 0; k < net.projections(); ++k) {
    const auto& t = net.projection(k);
    proj_synapses.push_back(t.procedural ? t.count() : comm.sum(t.size()));
    proj_bytes.push_back(comm.sum(net.projection_bytes(k)));
    n_synapses += proj_synapses.back();
  }
  if (root)
    std::fprintf(stderr,
                 "run: %zu neurons, %llu synapses (%.2f bytes each), built in %.2f s; %lld steps "
                 "on %s%d thread(s), epochs of %lld steps\n",
                 net.neurons(), static_cast<unsigned long long>(n_synapses),
                 n_synapses ? static_cast<double>(n_bytes) / static_cast<double>(n_synapses) : 0.0,
                 net.build_seconds(), static_cast<long long>(net.total_steps()),
                 comm.distributed() ? fmt::format("{} MPI ranks x ", comm.size()).c_str() : "",
                 net.threads(), static_cast<long long>(net.epoch_steps()));

  // SIGINT/SIGTERM from here on stop the run at an epoch with the file valid (a signal while
  // the file is being created used to kill the process before the handler was installed).
  signal_scope signals;
  const run_files files(out_);
  std::size_t segment = 0;  // the segment being written
  std::unique_ptr<h5_recording> rec;
  null_sink nothing;
  if (!root) {
    // records nothing
  } else if (resumed.is_null()) {
    // A new run: no leftovers of an earlier run with checkpoints in DIR
    std::error_code ec;
    fs::remove_all(files.checkpoint_dir, ec);
    fs::remove_all(files.segment_dir, ec);
    if (segmented) fs::remove(files.spikes, ec);
  }
  if (!root) {
    // records nothing
  } else if (!segmented) {
    rec = std::make_unique<h5_recording>(h5, net);
  } else {
    if (resumed.is_null()) {
      make_output_dir(files.checkpoint_dir);
      nlohmann::json r;
      r["config"] = fs::absolute(config_).lexically_normal().string();
      r["config_fnv1a"] = fnv_hex(read_text_file(config_));
      r["checkpoint_every"] = every_;
      r["checkpoint_wall"] = wall_;
      r["temperature"] = temperature_;
      r["max_memory"] = max_memory_;
      write_file_atomic(files.run_json, r.dump(2) + "\n");
    }
    make_output_dir(files.segment_dir);
    if (fs::is_regular_file(files.state)) {
      archive a = read_archive(files.state, "network");
      std::uint64_t k = 0;
      a.io("segments", k);
      segment = static_cast<std::size_t>(k);
      if (files.segments().size() < segment)
        throw input_error(fmt::format(
            "{}: segment {} of the recording is missing (the checkpoint follows {} segments); "
            "the run cannot be resumed whole",
            files.segment_dir, files.segments().size(), segment));
      net.checkpoint(a);
      files.drop_segments_from(segment);
      rec = std::make_unique<h5_recording>(files.segment(segment, true), net);
      rec->checkpoint(a);
      a.finish();
      std::fprintf(stderr, "run: resumed at t = %g s from %s (%zu segments kept)\n",
                   static_cast<double>(net.steps_done()) * dt, files.state.c_str(), segment);
    } else {
      if (!resumed.is_null())
        std::fprintf(stderr, "run: no checkpoint was written yet; starting from t = 0\n");
      files.drop_segments_from(0);
      rec = std::make_unique<h5_recording>(files.segment(0, true), net);
    }
  }
  // Closes the segment being written at `step` and writes the checkpoint that follows it.
  auto checkpoint = [&](std::int64_t step) {
    rec->close_segment(step);
    fs::rename(files.segment(segment, true), files.segment(segment));
    ++segment;
    archive a;
    std::uint64_t k = segment;
    a.io("segments", k);
    net.checkpoint(a);
    rec->checkpoint(a);
    write_archive(files.state, a, "network");
  };
  const std::int64_t first_step = net.steps_done();  // > 0 when resumed
  run_result res;
  {
    const auto start = std::chrono::steady_clock::now();
    auto last_checkpoint = start;
    std::int64_t next_checkpoint =
        every_steps > 0 ? (net.steps_done() / every_steps + 1) * every_steps : -1;
    // Shown only once a run has lasted a second (short runs stay quiet).
    progress bar("run", static_cast<double>(net.total_steps()) * dt, !no_progress_ && root);
    epoch_sink& sink = root ? static_cast<epoch_sink&>(*rec) : nothing;
    res = net.run(sink, &stop_requested, [&](std::int64_t step) {
      const auto now = std::chrono::steady_clock::now();
      if (segmented && step < net.total_steps() &&
          ((next_checkpoint > 0 && step >= next_checkpoint) ||
           (every_wall > 0 &&
            std::chrono::duration<double>(now - last_checkpoint).count() >= every_wall))) {
        checkpoint(step);
        rec->open_segment(files.segment(segment, true));
        last_checkpoint = std::chrono::steady_clock::now();
        if (every_steps > 0) next_checkpoint = (step / every_steps + 1) * every_steps;
      }
      if (no_progress_ || !root) return;
      const double wall = std::chrono::duration<double>(now - start).count();
      if (wall < 1.0) return;
      const double sim = static_cast<double>(step) * dt;
      bar.update(sim, fmt::format("{:.3g} s simulated, {:.3g}x real time", sim,
                                  static_cast<double>(step - first_step) * dt / wall));
    });
    bar.finish();
  }
  if (!root) {
    // rank 0 finishes the recording
  } else if (!segmented) {
    rec->finish(res);
  } else if (res.interrupted) {
    checkpoint(res.steps_done);  // resumable from exactly here
  } else {
    rec->finish(res);
    fs::rename(files.segment(segment, true), files.segment(segment));
    const std::string part = files.spikes + ".part";
    join_h5_series(files.segments(), part);
    fs::rename(part, files.spikes);
    std::error_code ec;
    fs::remove_all(files.segment_dir, ec);
    fs::remove_all(files.checkpoint_dir, ec);
  }
  // The learned weights, readable by a from_file projection.
  std::vector<std::string> weight_files;
  for (std::size_t j = 0; j < net.projections(); ++j) {
    if (!net.plasticity(j)) continue;
    net.gather_weights(j);
    if (!root) continue;
    const auto dir = std::filesystem::path(out_) / "weights";
    std::filesystem::create_directories(dir);
    weight_files.push_back((dir / (net.projection_name(j) + ".h5")).string());
    write_weights_h5(weight_files.back(), net, j);
  }

  const double simulated = static_cast<double>(res.steps_done) * dt;
  const double this_run = static_cast<double>(res.steps_done - first_step) * dt;
  nlohmann::json j;
  j["config"] = config_;
  j["neurons"] = net.neurons();
  j["synapses"] = n_synapses;
  j["synapse_bytes"] = n_bytes;
  j["build_seconds"] = net.build_seconds();
  j["run_seconds"] = res.wall_seconds;
  j["simulated_seconds"] = simulated;
  j["real_time_factor"] = res.wall_seconds > 0 ? this_run / res.wall_seconds : 0.0;
  j["threads"] = net.threads();
  j["ranks"] = comm.size();
  if (comm.distributed()) {  // rank 0's share of the run in the spike exchanges
    j["exchange_seconds"] = res.exchange_seconds;
    j["exchange_bytes"] = res.exchange_bytes;
  }
  for (std::size_t k = 0; k < net.projections(); ++k) {
    auto& pj = j["projections"][net.projection_name(k)];
    pj = {{"synapses", proj_synapses[k]},
          {"bytes", proj_bytes[k]},
          {"plastic", net.plasticity(k) != nullptr}};
    const auto* rule = net.plasticity(k);
    const bool waveform = rule && rule->spec().kind == network::plasticity_spec::rule::device_stdp;
    if (rule && (!rule->spec().device.empty() || waveform)) {
      const auto p = rule->pulses();
      pj["device"] = waveform ? rule->spec().waveform_device : rule->spec().device;
      pj[waveform ? "pairings_up" : "pulses_up"] = comm.sum(p.up);
      pj[waveform ? "pairings_down" : "pulses_down"] = comm.sum(p.down);
      double energy = 0;  // summed in rank order
      for (const double e : comm.gather(std::span<const double>(&p.energy, 1))) energy += e;
      pj["programming_energy_j"] = energy;
    }
  }
  if (!root) return res.interrupted ? 128 + SIGTERM : 0;
  j["interrupted"] = res.interrupted;
  if (!resumed.is_null()) j["resumed"] = true;
  if (first_step > 0)
    std::cout << fmt::format("resumed at {:g} s: ", static_cast<double>(first_step) * dt);
  std::cout << fmt::format("simulated {:g} s in {:.2f} s wall ({:.3g}x real time)\n", this_run,
                           res.wall_seconds,
                           res.wall_seconds > 0 ? this_run / res.wall_seconds : 0.0);
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
    // (a rank may stop because another one was signalled)
    const int sig = stop_signal.load() ? stop_signal.load() : SIGTERM;
    if (segmented)
      std::cerr << fmt::format(
          "ionsim: interrupted by {} at t = {:g} s (end of an epoch); checkpoint written, the "
          "recording so far is in {}; continue with `ionsim run --resume {}`\n",
          sig == SIGTERM ? "SIGTERM" : "SIGINT", simulated, files.segment_dir, out_);
    else
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
