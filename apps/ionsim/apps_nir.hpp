#pragma once
#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "nir/hardware.hpp"
#include "nir/run.hpp"

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
  nir::run_result run_on_hardware(const nir::graph& g, const nir::run_options& o,
                                  const std::vector<double>& input, std::size_t rows,
                                  std::string& mapping) const;

  CLI::App* nir_ = nullptr;
  CLI::App* run_ = nullptr;
  CLI::App* export_ = nullptr;
  std::string config_, nir_out_, output_pop_, input_out_;
  std::string graph_, input_, out_, dt_ = "0.1ms", reset_ = "zero", spike_ = "unit",
                                    method_ = "euler";
  int latency_ = 0;
  // --hardware 1m1t1r
  std::string hardware_, calibrate_, tau_in_ = "50ms", hw_dt_ = "5us", noise_ = "off";
  nir::hardware_options hw_;  // the numeric --hardware options
};

}  // namespace ionsim::cli
