#include "apps_circuit.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "circuit/netlist.hpp"
#include "circuit/transient.hpp"
#include "core/error.hpp"
#include "core/progress.hpp"
#include "io/files.hpp"
#include "io/hdf5.hpp"
#include "report/plot.hpp"

namespace ionsim::cli {

namespace {

// The trace as CSV: time with 12 significant digits, signals with 9 (std::to_chars: the same
// text as printf's %.12g and %.9g, at about twice fmt's speed for a given precision).
std::string trace_csv(const circuit::tran_result& r) {
  std::string out = "time_s";
  for (const auto& n : r.names) out += "," + n;
  out += '\n';
  out.reserve(out.size() + r.t.size() * (20 + 17 * r.values.size()));
  char buf[32];
  const auto put = [&](double v, int digits) {
    const auto res = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::general, digits);
    out.append(buf, res.ptr);
  };
  for (std::size_t k = 0; k < r.t.size(); ++k) {
    put(r.t[k], 12);
    for (const auto& col : r.values) {
      out += ',';
      put(col[k], 9);
    }
    out += '\n';
  }
  return out;
}

nlohmann::json run_json(const circuit::tran_result& r) {
  nlohmann::json j;
  j["accepted_steps"] = r.accepted;
  j["rejected_steps"] = r.rejected;
  j["newton_iterations"] = r.newton_iterations;
  j["wall_s"] = r.wall_s;
  nlohmann::json e = nlohmann::json::object();
  for (const auto& en : r.energy) e[en.element] = en.joules;
  j["energy_absorbed_J"] = e;
  return j;
}

std::vector<std::string> split_signals(const std::string& s) {
  // "v(out),i(vdd)" -> {"v(out)", "i(vdd)"}; commas inside parentheses stay (v(a,b))
  std::vector<std::string> out;
  std::string cur;
  int depth = 0;
  for (char c : s) {
    if (c == '(') ++depth;
    if (c == ')') --depth;
    if (c == ',' && depth == 0) {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
    } else if (c != ' ') {
      cur += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

}  // namespace

circuit_commands::circuit_commands(CLI::App& app) {
  circuit_ = app.add_subcommand("circuit", "transient simulation of circuits from SPICE netlists");
  circuit_->require_subcommand(1);
  run_ = circuit_->add_subcommand(
      "run",
      "run the netlist's .tran; writes trace.csv (time and saved signals), summary.json "
      "(steps, Newton iterations, wall time, energy absorbed by every element) and plots");
  run_->add_option("netlist", netlist_, "SPICE netlist (see docs/circuit/netlist.md)")
      ->required()
      ->check(CLI::ExistingFile);
  run_->add_option("--out", out_, "output directory")->required();
  run_->add_option("--plot", plot_, "signals to plot, e.g. v(out),i(vdd): one PNG, plot.png");
  run_->add_option("--instances", instances_,
                   "independent instances of the netlist, each with its own random streams; "
                   "instance 0's waveforms go to trace.csv")
      ->capture_default_str();
  run_->add_option("--format", format_,
                   "waveform file: csv (trace.csv), hdf5 (trace.h5) or auto (HDF5 above 2e6 "
                   "values)")
      ->check(CLI::IsMember({"auto", "csv", "hdf5"}))
      ->capture_default_str();
  run_->add_option("--seed", seed_, "random seed of the memristors' noise")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
}

bool circuit_commands::parsed() const { return circuit_->parsed(); }

int circuit_commands::run() {
  if (instances_ < 1) throw input_error("--instances must be at least 1");
  const circuit::netlist nl = circuit::read_netlist(netlist_);
  if (!nl.tran) throw input_error(fmt::format("{}: no .tran card: nothing to simulate", netlist_));
  const std::vector<std::string> signals = split_signals(plot_);

  std::vector<circuit::tran_result> results(static_cast<std::size_t>(instances_));
  const auto t0 = std::chrono::steady_clock::now();
  if (instances_ == 1) {
    progress bar("circuit", 1.0);
    circuit::run_options o;
    o.seed = seed_;
    o.progress = [&](double f) { bar.update(f, fmt::format("t = {:.4g} s", f * nl.tran->tstop)); };
    results[0] = circuit::run_transient(nl, o);
    bar.finish();
  } else {
    progress bar("circuit instances", instances_);
    int done = 0;
    std::string failure;
#pragma omp parallel for schedule(dynamic)
    for (int k = 0; k < instances_; ++k) {
      circuit::run_options o;
      o.seed = seed_;
      o.instance = static_cast<std::uint64_t>(k);
      try {
        auto& r = results[static_cast<std::size_t>(k)];
        r = circuit::run_transient(nl, o);
        if (k > 0) {  // only instance 0's waveforms are written: free the others
          r.t = {};
          r.values = {};
        }
      } catch (const std::exception& e) {
#pragma omp critical
        if (failure.empty()) failure = fmt::format("instance {}: {}", k, e.what());
      }
#pragma omp critical
      bar.update(++done);
    }
    bar.finish();
    if (!failure.empty()) throw run_error(failure);
  }
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  for (const auto& s : signals)
    if (std::find(results[0].names.begin(), results[0].names.end(), s) == results[0].names.end())
      throw input_error(fmt::format("--plot: '{}' is not among the saved signals ({})", s,
                                    fmt::join(results[0].names, ", ")));

  nlohmann::json j;
  j["netlist"] = netlist_;
  j["title"] = nl.title;
  j["seed"] = seed_;
  j["instances"] = instances_;
  j["tstop_s"] = nl.tran->tstop;
  j["method"] = nl.options.method;
  j["wall_s_total"] = wall;
  j["signals"] = results[0].names;
  if (instances_ == 1) {
    j["run"] = run_json(results[0]);
  } else {
    nlohmann::json runs = nlohmann::json::array();
    for (const auto& r : results) runs.push_back(run_json(r));
    j["runs"] = runs;
    j["instances_per_second"] = instances_ / wall;
  }
  make_output_dir(out_);
  const auto path = [&](const char* name) { return (std::filesystem::path(out_) / name).string(); };
  const auto& r0 = results[0];
  const double n_values =
      static_cast<double>(r0.t.size()) * static_cast<double>(r0.names.size() + 1);
  const bool h5 = format_ == "hdf5" || (format_ == "auto" && n_values > 2e6);
  const std::string trace_name = h5 ? "trace.h5" : "trace.csv";
  j["trace"] = trace_name;
  if (h5)
    write_waveforms_h5(path("trace.h5"), r0.t, r0.names, r0.values);
  else
    write_file_atomic(path("trace.csv"), trace_csv(r0));
  write_file_atomic(path("summary.json"), j.dump(2) + "\n");
  std::cout << fmt::format("{} accepted steps, {} rejected, {} Newton iterations, {:.3g} s\n",
                           r0.accepted, r0.rejected, r0.newton_iterations, r0.wall_s);
  for (const auto& e : r0.energy)
    if (std::fabs(e.joules) > 0)
      std::cout << fmt::format("  energy {:<16} {:>12.4g} J {}\n", e.element, e.joules,
                               e.joules < 0 ? "(delivered)" : "");
  if (instances_ > 1)
    std::cout << fmt::format("{} instances in {:.3g} s ({:.3g} instances/s)\n", instances_, wall,
                             instances_ / wall);
  if (!signals.empty()) {
    std::vector<std::string> args = {path("plot.png"), path(trace_name.c_str())};
    args.insert(args.end(), signals.begin(), signals.end());
    run_plot("trace.py", args);
  }
  std::cout << "wrote " << out_ << "/" << trace_name << ", summary.json"
            << (signals.empty() ? "" : ", plot.png") << "\n";
  return 0;
}

}  // namespace ionsim::cli
