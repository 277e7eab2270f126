#pragma once
// Building NIR graphs in tests.
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "nir/graph.hpp"
#include "nir/run.hpp"

namespace ionsim::nir::test_graphs {

// A parameter array: 1-D of the values' length, or of the given shape.
inline array values(std::vector<double> v, std::vector<std::size_t> shape = {}) {
  array a;
  a.shape = shape.empty() ? std::vector<std::size_t>{v.size()} : std::move(shape);
  a.data = std::move(v);
  return a;
}

// A LIF node of `shape`, every parameter an array of it: tau [s], r 1, v_leak 0, v_threshold.
inline node lif(std::string name, std::vector<std::size_t> shape, double tau = 0.01,
                double threshold = 1) {
  std::size_t n = 1;
  for (std::size_t d : shape) n *= d;
  const auto each = [&](double v) { return values(std::vector<double>(n, v), shape); };
  return {
      std::move(name),
      "LIF",
      {{"tau", each(tau)}, {"r", each(1)}, {"v_leak", each(0)}, {"v_threshold", each(threshold)}},
      {},
      nullptr};
}

// A spiking node's record of a run (steps x size spikes).
inline node_record spikes_of(std::string name, std::size_t size, std::vector<double> spikes) {
  node_record r;
  r.name = std::move(name);
  r.type = "LIF";
  r.size = size;
  r.spiking = true;
  r.spikes = std::move(spikes);
  return r;
}

}  // namespace ionsim::nir::test_graphs
