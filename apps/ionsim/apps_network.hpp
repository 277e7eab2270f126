#pragma once
#include <CLI/CLI.hpp>
#include <string>

namespace ionsim::cli {

// `ionsim run net.toml`: a spiking network from a TOML description (docs/network/engine.md).
class network_commands {
 public:
  explicit network_commands(CLI::App& app);
  bool parsed() const;
  int run();

 private:
  CLI::App* run_ = nullptr;
  std::string config_, out_, temperature_, max_memory_, every_, wall_, resume_;
  int threads_ = 0;
  bool no_progress_ = false;
};

}  // namespace ionsim::cli
