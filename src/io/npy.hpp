#pragma once
// NumPy's NPY format (numpy.lib.format, versions 1-3): little-endian float, integer and boolean
// arrays (C or Fortran order) are read as doubles in C order; arrays are written as float64.
#include <cstddef>
#include <string>
#include <vector>

namespace ionsim {

struct npy_array {
  std::vector<std::size_t> shape;  // () for a scalar
  std::vector<double> data;        // C order
};

// Parses the bytes of an NPY file (`path` names it in errors); input_error for anything else,
// big-endian or unsupported element types, a size that does not match the
// shape, or a value that is not finite.
npy_array parse_npy(const std::string& bytes, const std::string& path);
npy_array read_npy(const std::string& path);
// The NPY file of a float64 array of `shape`, as bytes.
std::string npy_bytes(const std::vector<std::size_t>& shape, const std::vector<double>& data);

}  // namespace ionsim
