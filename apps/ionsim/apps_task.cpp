#include "apps_task.hpp"

#include <fmt/format.h>

#include <charconv>
#include <filesystem>
#include <iostream>

#include "core/progress.hpp"
#include "io/files.hpp"
#include "report/plot.hpp"
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
  run_->add_flag("--no-plot", no_plot_, "do not draw task.png and report.html");
}

bool task_commands::parsed() const { return task_->parsed(); }

int task_commands::run() {
  const task::task_config c = task::read_task_config(file_);  // all input checked first
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
  std::cout << "wrote " << out_ << "/results.json" << (r.target.empty() ? "" : ", prediction.csv")
            << (no_plot_ ? "" : ", task.png, report.html") << "\n";
  return 0;
}

}  // namespace ionsim::cli
