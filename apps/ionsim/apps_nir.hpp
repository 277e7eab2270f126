#pragma once
#include <CLI/CLI.hpp>
#include <string>

namespace ionsim::cli {

// `ionsim nir run GRAPH.nir --input FILE --out DIR`: imports a NIR graph and runs it;
// `ionsim nir export NET.toml OUT.nir`: writes a LIF network as NIR (docs/nir.md).
class nir_commands {
 public:
  explicit nir_commands(CLI::App& app);
  bool parsed() const;
  int run();

 private:
  int run_graph();
  int export_network();

  CLI::App* nir_ = nullptr;
  CLI::App* run_ = nullptr;
  CLI::App* export_ = nullptr;
  std::string config_, nir_out_, output_pop_, input_out_;
  std::string graph_, input_, out_, dt_ = "0.1ms", reset_ = "zero", spike_ = "unit",
                                    method_ = "euler";
  int latency_ = 0;
};

}  // namespace ionsim::cli
