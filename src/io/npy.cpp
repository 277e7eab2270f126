#include "io/npy.hpp"

#include <fmt/format.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <sstream>

#include "core/error.hpp"

namespace ionsim {

npy_array parse_npy(const std::string& data, const std::string& path) {
  if (data.size() < 10 || data.compare(0, 6, "\x93NUMPY") != 0)
    throw input_error(fmt::format("{}: not an NPY file", path));
  const int major = static_cast<unsigned char>(data[6]);
  const std::size_t hlen_size = major == 1 ? 2 : 4;
  std::size_t hlen = 0;
  for (std::size_t k = 0; k < hlen_size; ++k)
    hlen |= static_cast<std::size_t>(static_cast<unsigned char>(data[8 + k])) << (8 * k);
  const std::size_t start = 8 + hlen_size + hlen;
  if (data.size() < start) throw input_error(fmt::format("{}: truncated NPY header", path));
  const std::string header = data.substr(8 + hlen_size, hlen);
  auto field = [&](const std::string& key) {
    const auto at = header.find("'" + key + "'");
    if (at == std::string::npos)
      throw input_error(fmt::format("{}: NPY header has no '{}'", path, key));
    return header.substr(header.find(':', at) + 1);
  };
  const bool fortran = field("fortran_order").find("True") < field("fortran_order").find(',');
  const std::string descr_field = field("descr");
  const auto q1 = descr_field.find('\''), q2 = descr_field.find('\'', q1 + 1);
  const std::string descr = descr_field.substr(q1 + 1, q2 - q1 - 1);
  const std::string shape_field = field("shape");
  const std::string shape = shape_field.substr(shape_field.find('(') + 1,
                                               shape_field.find(')') - shape_field.find('(') - 1);
  npy_array a;
  std::istringstream ss(shape);
  std::size_t count = 1;
  for (std::string part; std::getline(ss, part, ',');) {
    const auto b = part.find_first_not_of(' ');
    if (b != std::string::npos) {
      a.shape.push_back(std::stoul(part.substr(b)));
      count *= a.shape.back();
    }
  }
  const char kind = descr.size() >= 2 ? descr[1] : '?';
  const std::size_t width = descr.size() >= 3 ? std::stoul(descr.substr(2)) : 0;
  const bool ok_kind = kind == 'f' || kind == 'i' || kind == 'u' || (kind == 'b' && width == 1);
  if ((descr[0] != '<' && descr[0] != '|') || !ok_kind ||
      !(width == 1 || width == 2 || width == 4 || width == 8) || (kind == 'f' && width < 4))
    throw input_error(
        fmt::format("{}: element type '{}' is not supported (little-endian float, integer or bool)",
                    path, descr));
  if (data.size() != start + count * width)
    throw input_error(fmt::format("{}: {} bytes of data where shape ({}) needs {}", path,
                                  data.size() - start, shape, count * width));
  a.data.resize(count);
  const char* p = data.data() + start;
  for (std::size_t k = 0; k < count; ++k, p += width) {
    double v = 0;
    if (kind == 'f') {
      if (width == 8) {
        std::memcpy(&v, p, 8);
      } else {
        float f = 0;
        std::memcpy(&f, p, 4);
        v = f;
      }
    } else {
      std::uint64_t u = 0;
      std::memcpy(&u, p, width);
      if (kind == 'i' && width < 8 && (u >> (8 * width - 1)) != 0)
        u |= ~std::uint64_t{0} << (8 * width);
      v = kind == 'i' ? static_cast<double>(static_cast<std::int64_t>(u)) : static_cast<double>(u);
    }
    if (!std::isfinite(v))
      throw input_error(fmt::format("{}: element {} (C order) is not finite", path, k));
    a.data[k] = v;
  }
  if (fortran && a.shape.size() > 1) {  // to C order: the first index varies fastest in the file
    std::vector<double> c(count);
    std::vector<std::size_t> idx(a.shape.size(), 0);
    for (std::size_t k = 0; k < count; ++k) {
      std::size_t at = 0;
      for (std::size_t d = 0; d < idx.size(); ++d) at = at * a.shape[d] + idx[d];
      c[at] = a.data[k];
      for (std::size_t d = 0; d < idx.size() && ++idx[d] == a.shape[d]; ++d) idx[d] = 0;
    }
    a.data = std::move(c);
  }
  return a;
}

npy_array read_npy(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw input_error(fmt::format("{}: cannot open file", path));
  std::ostringstream s;
  s << in.rdbuf();
  return parse_npy(s.str(), path);
}

std::string npy_bytes(const std::vector<std::size_t>& shape, const std::vector<double>& data) {
  std::string dims;
  for (std::size_t d : shape) dims += fmt::format("{},", d);
  if (shape.size() > 1) dims.pop_back();  // (n,) for one dimension, (a, b) otherwise
  std::string header =
      fmt::format("{{'descr': '<f8', 'fortran_order': False, 'shape': ({}), }}", dims);
  // Version 1.0: the header padded with spaces so that the data start at a multiple of 64.
  const std::size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  std::string out = "\x93NUMPY";
  out += '\x01';
  out += '\x00';
  const auto hlen = static_cast<std::uint16_t>(header.size());
  out += static_cast<char>(hlen & 0xff);
  out += static_cast<char>(hlen >> 8);
  out += header;
  const std::size_t at = out.size();
  out.resize(at + 8 * data.size());
  if (!data.empty()) std::memcpy(out.data() + at, data.data(), 8 * data.size());
  return out;
}

}  // namespace ionsim
