#pragma once
#include <CLI/CLI.hpp>
#include <string>

namespace ionsim::cli {

// `ionsim task run FILE.toml --out DIR`: a task through a reservoir and a readout, with its
// baselines (docs/tasks/pipelines.md).
class task_commands {
 public:
  explicit task_commands(CLI::App& app);
  bool parsed() const;
  int run();

 private:
  CLI::App* task_ = nullptr;
  CLI::App* run_ = nullptr;
  std::string file_, out_;
  long test_limit_ = -1;  // -1: the file's
  bool no_plot_ = false;
};

// `ionsim learn FILE.toml --out DIR`: unsupervised learning of images by STDP
// (docs/tasks/learning.md).
class learn_command {
 public:
  explicit learn_command(CLI::App& app);
  bool parsed() const;
  int run();

 private:
  CLI::App* learn_ = nullptr;
  std::string file_, out_, trained_;
  bool no_plot_ = false;
};

}  // namespace ionsim::cli
