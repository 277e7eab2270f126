#pragma once
// Building NIR graphs in tests.
#include <cstddef>
#include <utility>
#include <vector>

#include "nir/graph.hpp"

namespace ionsim::nir::test_graphs {

// A parameter array: 1-D of the values' length, or of the given shape.
inline array values(std::vector<double> v, std::vector<std::size_t> shape = {}) {
  array a;
  a.shape = shape.empty() ? std::vector<std::size_t>{v.size()} : std::move(shape);
  a.data = std::move(v);
  return a;
}

}  // namespace ionsim::nir::test_graphs
