#include "apps_neuron.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
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

  characterize_->add_option("--targets", char_targets_,
                            "also report a targets file (or a built-in one, e.g. "
                            "zhao2025_given): each target measured beside simulated");

  fit_ = neuron_->add_subcommand(
      "fit",
      "calibrate the neuron to a file of measured targets (default: the paper's Fig. 2e and "
      "Fig. 3c/d) with NLopt (CRS2 then BOBYQA, common random numbers) on the compact neuron; "
      "writes neuron.toml (a neuron preset), report.json, report.md and fit.png");
  fit_->add_option("--targets", fit_targets_,
                   "targets file (TOML, docs/neuron/calibration.md) or a built-in one")
      ->capture_default_str();
  fit_->add_option("--preset", fit_preset_, "starting neuron preset (a name or a file)")
      ->capture_default_str();
  fit_->add_option("--out", fit_out_, "output directory")->required();
  fit_->add_option("--max-evals", fit_evals_, "objective evaluations")->capture_default_str();
  fit_->add_option("--global", fit_global_, "share of the evaluations for the global search")
      ->capture_default_str();
  fit_->add_option("--trials", fit_trials_,
                   "trials per condition for every target (0: each target's own)")
      ->capture_default_str();
  fit_->add_option("--free", fit_free_,
                   "memristor parameters to fit, comma-separated (default: the model's neuron "
                   "fit defaults, which also give the bounds)")
      ->delimiter(',');
  fit_->add_option("--seed", fit_seed_, "seed of the common random numbers")->capture_default_str();
  fit_->add_flag("--no-intervals", fit_no_intervals_,
                 "skip the parameters' 95 % intervals (2 evaluations per free parameter)");
  fit_->add_flag("--no-plot", fit_no_plot_, "do not draw fit.png");
}

bool neuron_commands::parsed() const { return neuron_->parsed(); }

int neuron_commands::run() { return fit_->parsed() ? run_fit() : run_characterize(); }

namespace {

// The memristor parameters named by --free, with the bounds of the model's neuron fit defaults.
std::vector<fit_param> chosen_free(const device_config& c, const std::vector<std::string>& names) {
  const auto& defaults = c.type->fit().neuron;
  std::vector<fit_param> out;
  for (const auto& name : names) {
    const auto it = std::find_if(defaults.begin(), defaults.end(),
                                 [&](const fit_param& f) { return f.name == name; });
    if (it == defaults.end()) {
      std::string known;
      for (const auto& f : defaults) known += (known.empty() ? "" : ", ") + f.name;
      throw input_error(fmt::format("--free {}: not a neuron fit parameter of model {} (known: {})",
                                    name, c.model(), known.empty() ? "none" : known));
    }
    out.push_back(*it);
  }
  return out;
}

// One line per target: measured against simulated.
void print_targets(const std::vector<neuron::target>& ts, const neuron::targets_evaluation& e) {
  for (std::size_t k = 0; k < ts.size(); ++k) {
    std::string m, s;
    for (std::size_t c = 0; c < ts[k].measured.size(); ++c) {
      m += fmt::format("{}{:.4g}", c ? " / " : "", ts[k].measured[c]);
      s += fmt::format("{}{:.4g}", c ? " / " : "", e.results[k].simulated[c]);
    }
    std::cout << fmt::format("  {} ({}): measured {}, simulated {}, cost {:.3g}\n", ts[k].name,
                             neuron::protocol_name(ts[k].kind), m, s, e.results[k].cost);
  }
}

}  // namespace

int neuron_commands::run_fit() {
  if (fit_evals_ < 10) throw input_error("--max-evals must be at least 10");
  if (fit_trials_ < 0) throw input_error("--trials must be at least 0");
  if (!(fit_global_ >= 0 && fit_global_ <= 1))
    throw input_error(fmt::format("--global {:g}: the share must be in [0, 1]", fit_global_));
  const auto targets = neuron::load_targets(fit_targets_);
  const neuron::neuron_circuit start = neuron::neuron_from_preset(fit_preset_);
  neuron::neuron_fit_options o;
  o.free = chosen_free(start.memristor, fit_free_);
  o.max_evals = fit_evals_;
  o.global_fraction = fit_global_;
  o.trials = fit_trials_;
  o.seed = fit_seed_;
  o.intervals = !fit_no_intervals_;
  make_output_dir(fit_out_);
  progress bar("neuron fit", fit_evals_);
  o.on_progress = [&](int n, double best, const char* phase) {
    bar.update(n, fmt::format("eval {}/{}, best cost {:.4g}, {}", n, fit_evals_, best, phase));
  };
  const auto r = neuron::fit_neuron(start, targets, o);
  bar.finish();
  std::string command = fmt::format(
      "ionsim neuron fit --targets {} --preset {} --max-evals {} --global {:g} --trials {} "
      "--seed {}",
      fit_targets_, fit_preset_, fit_evals_, fit_global_, fit_trials_, fit_seed_);
  if (!fit_free_.empty()) command += " --free " + fmt::format("{}", fmt::join(fit_free_, ","));
  const auto path = [&](const char* name) {
    return (std::filesystem::path(fit_out_) / name).string();
  };
  write_file_atomic(path("neuron.toml"), "# Fitted by: " + command + "\n" + to_toml(r.config));
  auto report = r.report;
  report["command"] = command;
  write_file_atomic(path("report.json"), report.dump(2) + "\n");
  write_file_atomic(path("report.md"), neuron::fit_report_markdown(report));
  if (!fit_no_plot_) run_plot("targets.py", {path("report.json"), path("fit.png")});
  std::cout << fmt::format("cost {:.4g} -> {:.4g}\n", r.before.cost, r.after.cost);
  print_targets(targets, r.after);
  for (const auto& iv : r.intervals)
    if (!iv.identifiable)
      std::cout << fmt::format("  {} = {:.4g} is not identifiable: 95 % interval {:.3g} - {:.3g}\n",
                               iv.name, iv.value, iv.lo95, iv.hi95);
  std::cout << "wrote " << fit_out_ << "/neuron.toml, report.json, report.md"
            << (fit_no_plot_ ? "" : ", fit.png") << "\n";
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
  const auto targets =
      char_targets_.empty() ? std::vector<neuron::target>{} : neuron::load_targets(char_targets_);
  auto results = neuron::characterize(n, o);
  neuron::targets_evaluation measured;
  if (!targets.empty()) {
    measured = neuron::evaluate_targets(n, targets, seed_);
    results["targets"] = {{"file", char_targets_},
                          {"cost", measured.cost},
                          {"targets", neuron::targets_json(targets, measured)}};
  }
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
  if (!targets.empty()) {
    std::cout << fmt::format("targets {}: cost {:.4g}\n", char_targets_, measured.cost);
    print_targets(targets, measured);
  }
  std::cout << "wrote " << out_ << "/report.md, results.json"
            << (no_plot_ ? ""
                         : ", report.html, raster.png, leaky.png, threshold.png, "
                           "plasticity.png, refractory.png, isi.png")
            << "\n";
  return 0;
}

}  // namespace ionsim::cli
