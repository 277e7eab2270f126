#pragma once
// Transient analysis of a parsed netlist: modified nodal analysis, Newton-Raphson with
// damping, trapezoidal or BDF2 (Gear) integration with local-truncation-error step control,
// breakpoints at source corners, sparse LU (Eigen's SparseLU, pattern analysed once), and the
// diffusive memristors' internal state advanced with each accepted step.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "circuit/netlist.hpp"

namespace ionsim::circuit {

struct run_options {
  std::uint64_t seed = 1;      // random seed of the memristors' noise
  std::uint64_t instance = 0;  // instance number in a batched run (its own random streams)
  std::function<void(double fraction)> progress;  // called now and then with t / tstop
};

struct energy_entry {
  std::string element;
  double joules;  // absorbed by the element over the run (negative: delivered, for sources)
};

struct tran_result {
  std::vector<double> t;                    // [s] accepted time points
  std::vector<std::string> names;           // "v(out)", "i(vdd)", "state(y1.x1)"
  std::vector<std::vector<double>> values;  // [signal][time point]
  int accepted = 0, rejected = 0, newton_iterations = 0;
  double wall_s = 0;
  std::vector<energy_entry> energy;
};

// Runs the netlist's .tran; throws ionsim::input_error for circuits that cannot be solved
// (floating nodes, loops of voltage sources) and ionsim::run_error for non-convergence.
tran_result run_transient(const netlist& nl, const run_options& o = {});

}  // namespace ionsim::circuit
