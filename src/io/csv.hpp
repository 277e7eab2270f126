#pragma once
// A strict reader for numeric CSV files with a header row. Every problem (missing file,
// empty file, missing column, short row, non-numeric cell, NaN or infinity) is an
// input_error naming the file and the line.
#include <cstddef>
#include <string>
#include <vector>

namespace ionsim {

struct csv_table {
  std::string path;
  std::vector<std::string> header;
  std::vector<std::vector<double>> columns;  // columns[c][row]
  std::vector<std::size_t> line;             // file line of each row (1-based)

  std::size_t rows() const { return line.size(); }
  // The column named `name`; input_error if missing.
  const std::vector<double>& column(const std::string& name) const;
};

// Reads `path`, requiring the columns in `required` (others are kept too).
csv_table read_csv(const std::string& path, const std::vector<std::string>& required);

}  // namespace ionsim
