#include "apps_neuron.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <iostream>

#include "core/error.hpp"
#include "io/files.hpp"
#include "neuron/characterize.hpp"
#include "report/plot.hpp"

namespace ionsim::cli {

neuron_commands::neuron_commands(CLI::App& app) {
  neuron_ = app.add_subcommand("neuron", "neuron-level experiments");
  neuron_->require_subcommand(1);
  characterize_ = neuron_->add_subcommand(
      "characterize",
      "the 1M1T1R neuron through the paper's experiments (Fig. 2e, leaky integration, "
      "stochastic threshold, intrinsic plasticity, refractory period, stochasticity, cascade, "
      "energy); writes results.json, report.md and plots");
  characterize_->add_option("--preset", preset_, "neuron preset (memristor and [circuit] table)")
      ->capture_default_str();
  characterize_
      ->add_option("--trials", trials_, "trials of every protocol but the stochastic threshold")
      ->capture_default_str();
  characterize_
      ->add_option("--threshold-trials", threshold_trials_,
                   "trials per amplitude of the stochastic-threshold protocol")
      ->capture_default_str();
  characterize_
      ->add_option("--d2d", d2d_,
                   "device-to-device spread of the drift mobility mu (relative std) for the "
                   "stochasticity protocol")
      ->capture_default_str();
  characterize_->add_option("--seed", seed_, "random seed")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  characterize_->add_option("--out", out_, "output directory")->capture_default_str();
  characterize_->add_flag("--no-plot", no_plot_, "do not draw the PNGs");
}

bool neuron_commands::parsed() const { return neuron_->parsed(); }

int neuron_commands::run() {
  if (trials_ < 1 || threshold_trials_ < 1)
    throw input_error("--trials and --threshold-trials must be at least 1");
  if (!(d2d_ >= 0 && d2d_ < 1))
    throw input_error(fmt::format("--d2d {:g}: the relative spread must be in [0, 1)", d2d_));
  const neuron::neuron_circuit n = neuron::neuron_from_preset(preset_);
  neuron::characterize_options o;
  o.trials = trials_;
  o.threshold_trials = threshold_trials_;
  o.seed = seed_;
  o.d2d = d2d_;
  o.progress = true;
  o.on_step = [](const std::string& what) {
    std::fprintf(stderr, "characterize: %s\n", what.c_str());
  };
  const auto results = neuron::characterize(n, o);
  make_output_dir(out_);
  const auto path = [&](const char* name) { return (std::filesystem::path(out_) / name).string(); };
  write_file_atomic(path("results.json"), results.dump(2) + "\n");
  write_file_atomic(path("report.md"), neuron::characterize_report(results));
  if (!no_plot_) run_plot("neuron.py", {path("results.json"), out_});
  const auto& f = results["fig2e"]["pulses_to_first_spike"];
  std::cout << fmt::format(
      "Fig. 2e: {} of {} trials fired; pulses to the first spike {} "
      "(paper 44)\n",
      f["n"].get<int>(), trials_,
      f.contains("mean") ? fmt::format("{:.1f}", f["mean"].get<double>()) : std::string("none"));
  std::cout << "wrote " << out_ << "/report.md, results.json"
            << (no_plot_ ? ""
                         : ", raster.png, leaky.png, threshold.png, plasticity.png, "
                           "refractory.png, isi.png")
            << "\n";
  return 0;
}

}  // namespace ionsim::cli
