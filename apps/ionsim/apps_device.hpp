#pragma once
#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace ionsim::cli {

// `ionsim device ...`: sweep, pulse, stdp, fit, presets, params.
class device_commands {
 public:
  explicit device_commands(CLI::App& app);
  int run();

 private:
  int run_sweep();
  int run_pulse();
  int run_stdp();
  int run_fit();
  int run_presets();
  int run_params();

  CLI::App* device_ = nullptr;
  CLI::App *sweep_ = nullptr, *pulse_ = nullptr, *stdp_ = nullptr, *fit_ = nullptr,
           *presets_ = nullptr, *params_ = nullptr;

  // shared model options
  std::string model_ = "wang2024", preset_, params_file_, dt_, series_, compliance_, temperature_;
  std::uint64_t seed_ = 1;
  std::string out_;
  bool no_plot_ = false;
  // sweep
  std::string vmax_ = "-0.6V", dwell_ = "10ms", replay_;
  int points_ = 201, cycles_ = 199, devices_ = 1;
  // pulse
  std::string amplitude_ = "1.0V", width_ = "20ms", read_ = "0.1V", pre_ = "1ms", post_ = "30ms",
              sample_ = "5us";
  int trials_ = 200, record_ = 10;
  // stdp
  std::string peak_ = "1V", spike_width_ = "1ms", tail_depth_ = "0.5V", tau_tail_ = "10ms",
              tail_ = "50ms", max_delay_ = "40ms", delay_step_ = "2ms", period_ = "200ms";
  int pairs_ = 1;
  // fit
  std::string fit_sweep_, fit_pulse_, report_dir_, start_, fit_dwell_ = "10ms", fit_series_ = "22k";
  int max_evals_ = 600;
  std::vector<std::string> free_;
  int fit_devices_ = 0;  // 0: the model's own
  std::string fit_local_ = "lm";
};

}  // namespace ionsim::cli
