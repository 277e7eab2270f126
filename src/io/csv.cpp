#include "io/csv.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>

#include "core/error.hpp"

namespace ionsim {

namespace {

std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : line) {
    if (c == ',') {
      out.push_back(cur);
      cur.clear();
    } else if (c != '\r') {
      cur.push_back(c);
    }
  }
  out.push_back(cur);
  for (auto& s : out) {
    const auto b = s.find_first_not_of(" \t");
    const auto e = s.find_last_not_of(" \t");
    s = b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
  }
  return out;
}

}  // namespace

const std::vector<double>& csv_table::column(const std::string& name) const {
  for (std::size_t c = 0; c < header.size(); ++c)
    if (header[c] == name) return columns[c];
  throw input_error(fmt::format("{}: no column '{}'", path, name));
}

csv_table read_csv(const std::string& path, const std::vector<std::string>& required) {
  std::ifstream in(path);
  if (!in) throw input_error(fmt::format("{}: cannot open file", path));
  csv_table t;
  t.path = path;
  std::string line;
  std::size_t lineno = 0;
  // header: the first line that is not blank
  while (std::getline(in, line)) {
    ++lineno;
    if (line.find_first_not_of(" \t\r") != std::string::npos) break;
    line.clear();
  }
  if (line.empty()) throw input_error(fmt::format("{}: the file is empty", path));
  t.header = split(line);
  for (const auto& r : required) {
    if (std::find(t.header.begin(), t.header.end(), r) == t.header.end())
      throw input_error(fmt::format("{}:{}: missing column '{}' (the header has: {})", path,
                                    lineno, r, fmt::join(t.header, ", ")));
  }
  t.columns.resize(t.header.size());
  while (std::getline(in, line)) {
    ++lineno;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const auto cells = split(line);
    if (cells.size() != t.header.size())
      throw input_error(fmt::format("{}:{}: {} cells where the header has {}", path, lineno,
                                    cells.size(), t.header.size()));
    for (std::size_t c = 0; c < cells.size(); ++c) {
      const std::string& s = cells[c];
      double v = 0;
      const char* b = s.data();
      if (!s.empty() && *b == '+') ++b;
      const auto res = std::from_chars(b, s.data() + s.size(), v);
      if (s.empty() || res.ec != std::errc() || res.ptr != s.data() + s.size())
        throw input_error(fmt::format("{}:{}: column '{}': '{}' is not a number", path, lineno,
                                      t.header[c], s));
      if (!std::isfinite(v))
        throw input_error(fmt::format("{}:{}: column '{}': {} is not a finite number", path,
                                      lineno, t.header[c], s));
      t.columns[c].push_back(v);
    }
    t.line.push_back(lineno);
  }
  if (t.rows() == 0) throw input_error(fmt::format("{}: the file has a header but no data", path));
  return t;
}

}  // namespace ionsim
