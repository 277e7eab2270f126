#pragma once
#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>

namespace ionsim::cli {

// `ionsim circuit run NET.cir`: transient simulation of a netlist, one or many instances.
class circuit_commands {
 public:
  explicit circuit_commands(CLI::App& app);
  bool parsed() const;
  int run();

 private:
  CLI::App* circuit_ = nullptr;
  CLI::App* run_ = nullptr;
  std::string netlist_, out_, plot_, format_ = "auto";
  int instances_ = 1;
  std::uint64_t seed_ = 1;
};

}  // namespace ionsim::cli
