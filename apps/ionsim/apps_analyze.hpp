#pragma once
#include <CLI/CLI.hpp>
#include <string>

#include "analysis/population.hpp"

namespace ionsim::cli {

// `ionsim analyze DIR/spikes.h5 --out DIR2`: spike-train statistics of a network run, per
// neuron and per population (docs/analysis/spike-statistics.md), with a plot.
class analyze_command {
 public:
  explicit analyze_command(CLI::App& app);
  bool parsed() const;
  int run();

 private:
  CLI::App* cmd_ = nullptr;
  std::string input_, out_;
  std::string t0_ = "0", t1_, refractory_ = "5ms", fano_window_ = "100ms", bin_ = "5ms",
              max_lag_ = "100ms", tau_ = "10ms";
  analysis::population_options o_;
  bool no_plot_ = false;
};

}  // namespace ionsim::cli
