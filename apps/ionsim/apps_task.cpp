#include "apps_task.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <filesystem>
#include <iostream>

#include "apps_output.hpp"
#include "core/progress.hpp"
#include "io/files.hpp"
#include "io/npy.hpp"
#include "report/plot.hpp"
#include "task/learn.hpp"
#include "task/pipeline.hpp"

namespace ionsim::cli {

task_commands::task_commands(CLI::App& app) {
  task_ = app.add_subcommand("task", "tasks on ionic hardware: accuracy or NRMSE with baselines");
  task_->require_subcommand(1);
  run_ = task_->add_subcommand(
      "run",
      "run a task file (henon, mackey_glass, narma10, digits, fashion_mnist); writes "
      "results.json, task.png, report.html and, for time series, prediction.csv");
  run_->add_option("file", file_, "task file (TOML; docs/tasks/pipelines.md)")
      ->required()
      ->check(CLI::ExistingFile);
  run_->add_option("--out", out_, "output directory")->required();
  run_->add_option("--test-limit", test_limit_,
                   "classification: at most this many test images, in place of the file's "
                   "test_limit (0: all)")
      ->check(CLI::Validator(
          [](std::string& v) {
            return v.find_first_not_of("0123456789") == std::string::npos && !v.empty()
                       ? std::string()
                       : "--test-limit: " + v + " is not a whole number >= 0";
          },
          "N >= 0"));
  run_->add_flag("--no-plot", no_plot_, "do not draw task.png and report.html");
}

bool task_commands::parsed() const { return task_->parsed(); }

int task_commands::run() {
  task::task_config c = task::read_task_config(file_);  // all input checked first
  if (test_limit_ >= 0) c.test_limit = static_cast<std::size_t>(test_limit_);
  progress bar("task " + c.task, 1.0);
  const task::task_result r =
      task::run_task(c, [&](double f, const std::string& note) { bar.update(f, note); });
  bar.update(1.0);
  bar.finish();
  make_output_dir(out_);
  const auto path = [&](const char* name) { return (std::filesystem::path(out_) / name).string(); };
  write_file_atomic(path("results.json"), r.results.dump(2) + "\n");
  if (!r.target.empty()) {
    std::string csv = "target,prediction\n";
    char buf[32];
    const auto put = [&](double v, char end) {
      const auto res = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::general, 9);
      csv.append(buf, res.ptr);
      csv += end;
    };
    for (std::size_t i = 0; i < r.target.size(); ++i) {
      put(r.target[i], ',');
      put(r.prediction[i], '\n');
    }
    write_file_atomic(path("prediction.csv"), csv);
  }
  if (!no_plot_) {
    std::vector<std::string> args = {path("task.png"), path("results.json")};
    if (!r.target.empty()) args.push_back(path("prediction.csv"));
    run_plot("task.py", args);
  }
  const auto& j = r.results;
  std::cout << fmt::format("{}: {} {:.4g}", c.task, j["metric"].get<std::string>(),
                           j["value"].get<double>());
  if (j["ci95"].is_array())
    std::cout << fmt::format(" (95% CI {:.4g} - {:.4g})", j["ci95"][0].get<double>(),
                             j["ci95"][1].get<double>());
  std::cout << "\n";
  for (const auto& [name, v] : j["baselines"].items())
    std::cout << fmt::format("  baseline {:<20} {:.4g}\n", name, v.get<double>());
  if (j.contains("energy_per_inference_J") && j["energy_per_inference_J"].is_number()) {
    std::cout << fmt::format("  energy per inference {:.3g} J",
                             j["energy_per_inference_J"].get<double>());
    if (j.contains("energy_per_synaptic_operation_J") &&
        j["energy_per_synaptic_operation_J"].is_number())
      std::cout << fmt::format(" ({:.3g} J per synaptic operation)",
                               j["energy_per_synaptic_operation_J"].get<double>());
    if (j.contains("area_m2") && j["area_m2"].is_number())
      std::cout << fmt::format(", area {:.3g} mm^2", j["area_m2"].get<double>() * 1e6);
    if (j.contains("energy_scope"))
      std::cout << " (" << j["energy_scope"].get<std::string>() << ")";
    std::cout << "\n";
  }
  std::cout << "wrote " << out_ << "/results.json" << (r.target.empty() ? "" : ", prediction.csv")
            << (no_plot_ ? "" : ", task.png, report.html") << "\n";
  return 0;
}

learn_command::learn_command(CLI::App& app) {
  learn_ = app.add_subcommand(
      "learn",
      "unsupervised learning of images by STDP (Diehl & Cook 2015): trains, labels the neurons, "
      "tests; writes results.json, weights.npy, trained.state, learn.png");
  learn_->add_option("file", file_, "learning file (TOML; docs/tasks/learning.md)")
      ->required()
      ->check(CLI::ExistingFile);
  learn_->add_option("--out", out_, "output directory")->required();
  learn_
      ->add_option("--trained", trained_,
                   "a trained network (DIR/trained.state of an earlier run) to label and test "
                   "instead of training; only the reading keys of FILE may differ from its "
                   "training's")
      ->check(CLI::ExistingFile);
  learn_->add_flag("--no-plot", no_plot_, "do not draw learn.png");
}

bool learn_command::parsed() const { return learn_->parsed(); }

int learn_command::run() {
  task::learn_config c = task::read_learn_config(file_);  // all input checked first
  c.trained = trained_;
  progress bar("learn " + c.dataset, 1.0);
  task::learn_result r;
  {
    signal_scope signals;
    r = task::run_learning(
        c, [&](double f, const std::string& note) { bar.update(f, note); }, &stop_requested);
  }
  if (!r.interrupted) bar.update(1.0);
  bar.finish();
  make_output_dir(out_);
  const auto path = [&](const char* name) { return (std::filesystem::path(out_) / name).string(); };
  const nlohmann::json j = task::learn_report(r);
  write_file_atomic(path("results.json"), j.dump(2) + "\n");
  std::vector<double> w(r.weights.size());
  for (Eigen::Index a = 0; a < r.weights.rows(); ++a)
    for (Eigen::Index b = 0; b < r.weights.cols(); ++b)
      w[static_cast<std::size_t>(a * r.weights.cols() + b)] = r.weights(a, b);
  write_file_atomic(path("weights.npy"), npy_bytes({static_cast<std::size_t>(r.weights.rows()),
                                                    static_cast<std::size_t>(r.weights.cols())},
                                                   w));
  if (!r.trained.bytes().empty()) write_archive(path("trained.state"), r.trained, "learn");
  if (r.interrupted) {
    const int sig = stop_signal.load();
    std::cerr << fmt::format(
        "ionsim: interrupted by {} after {} training images; {}/weights.npy holds the weights "
        "learned so far and results.json says interrupted (no accuracy)\n",
        sig == SIGTERM ? "SIGTERM" : "SIGINT", j["trained_images"].get<std::size_t>(), out_);
    return 128 + sig;
  }
  if (!no_plot_)
    run_plot("learn.py", {path("learn.png"), path("results.json"), path("weights.npy")});
  std::cout << fmt::format(
      "{}: accuracy {:.4f} on {} test images, {} neurons, {} training "
      "images x {} epochs, {:.0f} s\n",
      j["dataset"].get<std::string>(), j["accuracy"].get<double>(),
      j["test_images"].get<std::size_t>(), j["neurons"].get<std::size_t>(),
      j["train_images"].get<std::size_t>(), j["epochs"].get<std::size_t>(),
      j["seconds"].get<double>());
  std::cout << fmt::format("by vote: all activity {:.4f}, proportion weighting {:.4f}\n",
                           j["accuracy_by_vote"]["all_activity"].get<double>(),
                           j["accuracy_by_vote"]["proportion_weighting"].get<double>());
  if (j.contains("accuracy_by_readout"))
    std::cout << fmt::format("by linear read-out (ridge, fitted on the labelling images): {:.4f}\n",
                             j["accuracy_by_readout"]["ridge"].get<double>());
  std::cout << "wrote " << out_ << "/results.json, weights.npy"
            << (r.trained.bytes().empty() ? "" : ", trained.state")
            << (no_plot_ ? "" : ", learn.png") << "\n";
  return 0;
}

}  // namespace ionsim::cli
