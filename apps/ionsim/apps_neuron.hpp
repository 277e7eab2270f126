#pragma once
#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>
#include <vector>

namespace ionsim::cli {

// `ionsim neuron characterize`: the paper's experiments on the 1M1T1R neuron;
// `ionsim neuron fit`: its calibration to a file of measured targets.
class neuron_commands {
 public:
  explicit neuron_commands(CLI::App& app);
  bool parsed() const;
  int run();

 private:
  int run_characterize();
  int run_fit();
  CLI::App* neuron_ = nullptr;
  CLI::App* characterize_ = nullptr;
  CLI::App* fit_ = nullptr;
  std::string fit_preset_ = "zhao2025-calibrated", fit_out_, fit_targets_ = "zhao2025_given";
  std::vector<std::string> fit_free_;
  int fit_evals_ = 200, fit_trials_ = 0;
  bool fit_no_intervals_ = false, fit_no_plot_ = false;
  double fit_global_ = 0.4;
  std::uint64_t fit_seed_ = 2024;
  std::string preset_ = "zhao2025-table1", out_ = "neuron-report", temperature_, char_targets_;
  int trials_ = 100, threshold_trials_ = 200;
  double d2d_ = 0.1;
  std::uint64_t seed_ = 1;
  bool no_plot_ = false;
};

}  // namespace ionsim::cli
