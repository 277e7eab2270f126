#include "apps_plot.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "apps_output.hpp"
#include "core/error.hpp"
#include "io/hdf5.hpp"
#include "network/segments.hpp"
#include "report/plot.hpp"

namespace ionsim::cli {

plot_commands::plot_commands(CLI::App& app) {
  plot_ = app.add_subcommand("plot", "plots of results written by other commands");
  plot_->require_subcommand(1);
  raster_ = plot_->add_subcommand(
      "raster",
      "raster and population-rate PNG of DIR/spikes.h5 (the output directory of `ionsim run`)");
  raster_->add_option("dir", dir_, "output directory of `ionsim run` (holds spikes.h5)")
      ->required();
  raster_->add_option("--out", out_, "PNG file (default: DIR/raster.png)");
  raster_->add_option("--t0", t0_, "start of the window [s] (default 0)");
  raster_->add_option("--t1", t1_, "end of the window [s] (default: the simulated time)");
  raster_
      ->add_option("--max-neurons", max_neurons_,
                   "neurons shown in the raster at most (the first of each population in "
                   "proportion to its size; the rates use every neuron; default 1000)")
      ->check(CLI::PositiveNumber);
  weights_ = plot_->add_subcommand(
      "weights",
      "the weight snapshots of DIR/spikes.h5 (a `weights` recorder): per projection the "
      "distribution at the first and the last snapshot, its percentiles over time and some "
      "synapses' trajectories");
  weights_->add_option("dir", dir_, "output directory of `ionsim run` (holds spikes.h5)")
      ->required();
  weights_->add_option("--projection", projections_,
                       "projection(s) to plot (default: every recorded one)");
  weights_->add_option("--out", out_, "PNG file (default: DIR/weights.png)");
}

bool plot_commands::parsed() const { return plot_->parsed(); }

int plot_commands::run() {
  namespace fs = std::filesystem;
  // DIR/spikes.h5, or the segments of a run with checkpoints that has not reached its end
  const network::run_recording recording(
      fs::is_directory(dir_) ? dir_ : (fs::path(dir_) / "spikes.h5").string());
  const std::string path = recording.path();
  if (recording.segments() > 0)
    std::fprintf(stderr, "plot: %zu segments of an unfinished run in %s\n", recording.segments(),
                 dir_.c_str());
  check_spike_file(path, dir_);
  if (weights_->parsed()) {
    std::vector<std::string> recorded;
    try {
      recorded = read_h5_members(path, "/weights");
    } catch (const input_error&) {
      throw input_error(
          fmt::format("{}: no weights were recorded (add [[recorder]] type = \"weights\" with the "
                      "projection to the network file)",
                      path));
    }
    auto chosen = projections_.empty() ? recorded : projections_;
    for (const auto& p : chosen)
      if (std::find(recorded.begin(), recorded.end(), p) == recorded.end())
        throw input_error(
            fmt::format("--projection {}: its weights were not recorded in {} "
                        "(recorded: {})",
                        p, path, fmt::join(recorded, ", ")));
    const std::string out = out_.empty() ? (fs::path(dir_) / "weights.png").string() : out_;
    std::vector<std::string> args = {out, path};
    args.insert(args.end(), chosen.begin(), chosen.end());
    run_plot("weights.py", args);
    std::cout << "wrote " << out << "\n";
    return 0;
  }
  const double simulated = read_h5_attribute(path, "simulated");
  const double t1 = t1_ < 0 ? simulated : t1_;
  if (!(t0_ >= 0) || !(t1 > t0_))
    throw input_error(fmt::format("--t0 = {:g} s and --t1 = {:g} s do not form a window", t0_, t1));
  const std::string out = out_.empty() ? (fs::path(dir_) / "raster.png").string() : out_;
  run_plot("raster.py", {out, path, fmt::format("{:.17g}", t0_), fmt::format("{:.17g}", t1),
                         std::to_string(max_neurons_)});
  std::cout << "wrote " << out << "\n";
  return 0;
}

}  // namespace ionsim::cli
