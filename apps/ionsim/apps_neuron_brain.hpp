#pragma once
#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>

namespace ionsim::cli {

// `ionsim neuron fingerprint`: the neuron's f-I curve and firing map against biological
// regimes; `ionsim neuron fit-spikes`: a fit to a recorded neuron's spikes.
// docs/neuron/fingerprint.md.
class neuron_brain_commands {
 public:
  explicit neuron_brain_commands(CLI::App& app);
  bool parsed() const;
  int run();

 private:
  int run_fingerprint();
  int run_fit_spikes();
  CLI::App* fingerprint_ = nullptr;
  CLI::App* fit_spikes_ = nullptr;
  std::string stimulus_, spikes_, test_stimulus_, test_spikes_, time_unit_,
      fit_out_ = "fit-spikes", fit_preset_ = "zhao2025-calibrated", segment_, fit_dt_ = "10us";
  int max_evals_ = 1000;
  std::string preset_ = "zhao2025-calibrated", out_ = "fingerprint", bias_, noise_, r_c_, axis_,
              duration_ = "1s";
  int trials_ = 4;
  std::uint64_t seed_ = 1;
  bool no_plot_ = false;
};

}  // namespace ionsim::cli
