#pragma once
#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>

namespace ionsim::cli {

// `ionsim neuron characterize`: the paper's experiments on the 1M1T1R neuron.
class neuron_commands {
 public:
  explicit neuron_commands(CLI::App& app);
  bool parsed() const;
  int run();

 private:
  CLI::App* neuron_ = nullptr;
  CLI::App* characterize_ = nullptr;
  std::string preset_ = "zhao2025-table1", out_ = "neuron-report";
  int trials_ = 100, threshold_trials_ = 200;
  double d2d_ = 0.1;
  std::uint64_t seed_ = 1;
  bool no_plot_ = false;
};

}  // namespace ionsim::cli
