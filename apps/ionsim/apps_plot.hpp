#pragma once
#include <CLI/CLI.hpp>
#include <cstddef>
#include <string>
#include <vector>

namespace ionsim::cli {

// `ionsim plot raster DIR`: a raster and population-rate PNG of DIR/spikes.h5 (the output of
// `ionsim run`), drawn by src/report/plots/raster.py; `ionsim plot weights DIR`: the recorded
// weight snapshots of its plastic projections (src/report/plots/weights.py).
class plot_commands {
 public:
  explicit plot_commands(CLI::App& app);
  bool parsed() const;
  int run();

 private:
  CLI::App* plot_ = nullptr;
  CLI::App* raster_ = nullptr;
  CLI::App* weights_ = nullptr;
  std::string dir_, out_;
  std::vector<std::string> projections_;
  double t0_ = 0, t1_ = -1;
  std::size_t max_neurons_ = 1000;
};

}  // namespace ionsim::cli
