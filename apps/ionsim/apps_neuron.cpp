#include "apps_neuron.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <iostream>

#include "core/error.hpp"
#include "core/progress.hpp"
#include "core/units.hpp"
#include "device/registry.hpp"
#include "io/files.hpp"
#include "neuron/characterize.hpp"
#include "neuron/fit.hpp"
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
  characterize_->add_option("--temperature", temperature_,
                            "device temperature [K], e.g. 350K, for a memristor model with a "
                            "temperature parameter");
  characterize_->add_flag("--no-plot", no_plot_, "do not draw the PNGs");

  fit_ = neuron_->add_subcommand(
      "fit",
      "calibrate the neuron's memristor to the paper's Fig. 2e (44 pulses to the first spike) "
      "and Fig. 3c/d (firing probability at 0.8 / 0.9 / 1.0 V) with NLopt (CRS2 then BOBYQA, "
      "common random numbers) on the compact neuron; writes a neuron preset (TOML)");
  fit_->add_option("--preset", fit_preset_, "starting neuron preset")->capture_default_str();
  fit_->add_option("--out", fit_out_, "output preset file (TOML)")->required();
  fit_->add_option("--max-evals", fit_evals_, "objective evaluations")->capture_default_str();
  fit_->add_option("--global", fit_global_, "share of the evaluations for the global search")
      ->capture_default_str();
  fit_->add_option("--trials", fit_trials_, "Fig. 2e trials per evaluation")->capture_default_str();
  fit_->add_option("--threshold-trials", fit_threshold_trials_,
                   "trials per amplitude per evaluation")
      ->capture_default_str();
  fit_->add_option("--seed", fit_seed_, "seed of the common random numbers")->capture_default_str();
}

bool neuron_commands::parsed() const { return neuron_->parsed(); }

int neuron_commands::run() { return fit_->parsed() ? run_fit() : run_characterize(); }

int neuron_commands::run_fit() {
  if (fit_evals_ < 10) throw input_error("--max-evals must be at least 10");
  if (fit_trials_ < 1 || fit_threshold_trials_ < 1)
    throw input_error("--trials and --threshold-trials must be at least 1");
  if (!(fit_global_ >= 0 && fit_global_ <= 1))
    throw input_error(fmt::format("--global {:g}: the share must be in [0, 1]", fit_global_));
  const neuron::neuron_circuit start = neuron::neuron_from_preset(fit_preset_);
  neuron::neuron_fit_options o;
  o.max_evals = fit_evals_;
  o.global_fraction = fit_global_;
  o.trials_2e = fit_trials_;
  o.trials_p = fit_threshold_trials_;
  o.seed = fit_seed_;
  progress bar("neuron fit", fit_evals_);
  o.on_progress = [&](int n, double best, const char* phase) {
    bar.update(n, fmt::format("eval {}/{}, best cost {:.4g}, {}", n, fit_evals_, best, phase));
  };
  const auto r = neuron::fit_neuron(start, o);
  bar.finish();
  const std::string header = fmt::format(
      "# Fitted by: ionsim neuron fit --preset {} --max-evals {} --global {:g} --trials {} "
      "--threshold-trials {} --seed {}\n",
      fit_preset_, fit_evals_, fit_global_, fit_trials_, fit_threshold_trials_, fit_seed_);
  const auto parent = std::filesystem::path(fit_out_).parent_path();
  if (!parent.empty()) make_output_dir(parent.string());
  write_file_atomic(fit_out_, header + to_toml(r.config));
  auto line = [](const char* what, const neuron::calibration_metrics& m) {
    return fmt::format(
        "{:<7} Fig. 2e {:6.1f} pulses (paper 44)   P(fire) {:.2f} / {:.2f} / {:.2f} "
        "(paper 0.05 / 0.76 / 0.95)   cost {:.3f}\n",
        what, m.pulses_to_first_spike, m.probability[0], m.probability[1], m.probability[2],
        m.cost);
  };
  std::cout << line("start", r.before) << line("fitted", r.after);
  std::cout << "wrote " << fit_out_ << "\n";
  return 0;
}

int neuron_commands::run_characterize() {
  if (trials_ < 1 || threshold_trials_ < 1)
    throw input_error("--trials and --threshold-trials must be at least 1");
  if (!(d2d_ >= 0 && d2d_ < 1))
    throw input_error(fmt::format("--d2d {:g}: the relative spread must be in [0, 1)", d2d_));
  neuron::neuron_circuit n = neuron::neuron_from_preset(preset_);
  if (!temperature_.empty())
    set_temperature(n.memristor, parse_quantity(temperature_, "K", "--temperature"),
                    "--temperature");
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
                         : ", report.html, raster.png, leaky.png, threshold.png, "
                           "plasticity.png, refractory.png, isi.png")
            << "\n";
  return 0;
}

}  // namespace ionsim::cli
