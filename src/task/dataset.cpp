#include "task/dataset.hpp"

#include <fmt/format.h>
#include <zlib.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.hpp"
#include "io/hdf5.hpp"
#include "io/npy.hpp"

namespace ionsim::task {

namespace {

// Debian's locations of the packaged data sets (TASKS.md); an environment variable overrides.
constexpr const char* debian_digits =
    "/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz";
constexpr const char* debian_fashion = "/usr/share/datasets/fashion-mnist";

std::string from_env(const char* var, const char* fallback) {
  const char* v = std::getenv(var);
  return v && *v ? std::string(v) : std::string(fallback);
}

// The whole (gzip-compressed or plain) file.
std::string read_gz(const std::string& path, const std::string& missing_hint) {
  if (!std::filesystem::exists(path))
    throw input_error(fmt::format("{}: no such file{}", path, missing_hint));
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) throw input_error(fmt::format("{}: cannot open", path));
  std::string out;
  char buf[1 << 16];
  int n = 0;
  while ((n = gzread(f, buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
  const bool failed = n < 0;
  gzclose(f);
  if (failed) throw input_error(fmt::format("{}: not a readable gzip file", path));
  return out;
}

// Numbers of one CSV line; false if a cell is not a finite number.
bool parse_row(std::string_view line, std::vector<double>& out) {
  out.clear();
  std::size_t pos = 0;
  while (pos <= line.size()) {
    std::size_t end = line.find(',', pos);
    if (end == std::string_view::npos) end = line.size();
    std::string_view cell = line.substr(pos, end - pos);
    while (!cell.empty() && (cell.front() == ' ' || cell.front() == '\t')) cell.remove_prefix(1);
    while (!cell.empty() && (cell.back() == ' ' || cell.back() == '\t' || cell.back() == '\r'))
      cell.remove_suffix(1);
    double v = 0;
    const auto res = std::from_chars(cell.data(), cell.data() + cell.size(), v);
    if (cell.empty() || res.ec != std::errc() || res.ptr != cell.data() + cell.size() ||
        !std::isfinite(v))
      return false;
    out.push_back(v);
    pos = end + 1;
  }
  return true;
}

// Rows of numbers; the first line may be a header (skipped when it is not numeric).
std::vector<std::vector<double>> parse_csv(const std::string& text, const std::string& path) {
  std::vector<std::vector<double>> rows;
  std::istringstream in(text);
  std::string line;
  std::vector<double> row;
  for (int n = 1; std::getline(in, line); ++n) {
    if (line.empty() || line == "\r") continue;
    if (!parse_row(line, row)) {
      if (n == 1) continue;  // a header
      throw input_error(fmt::format("{}:{}: not a row of finite numbers", path, n));
    }
    if (!rows.empty() && row.size() != rows.front().size())
      throw input_error(fmt::format("{}:{}: {} columns where the first row has {}", path, n,
                                    row.size(), rows.front().size()));
    rows.push_back(row);
  }
  if (rows.empty()) throw input_error(fmt::format("{}: no data rows", path));
  return rows;
}

// Rows of numbers into a data set; the last column as labels when label_column.
dataset from_rows(const std::vector<std::vector<double>>& rows, bool label_column,
                  const std::string& name, const std::string& path, double scale) {
  dataset d;
  d.name = name;
  d.source = path;
  const std::size_t cols = rows.front().size() - (label_column ? 1 : 0);
  if (cols == 0) throw input_error(fmt::format("{}: no feature columns", path));
  d.x.resize(static_cast<Eigen::Index>(rows.size()), static_cast<Eigen::Index>(cols));
  for (std::size_t r = 0; r < rows.size(); ++r) {
    for (std::size_t c = 0; c < cols; ++c)
      d.x(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(c)) = rows[r][c] * scale;
    if (label_column) {
      const double l = rows[r].back();
      if (l < 0 || l != std::floor(l))
        throw input_error(
            fmt::format("{}: row {}: label {:g} is not an integer >= 0", path, r + 1, l));
      d.labels.push_back(static_cast<int>(l));
      d.classes = std::max(d.classes, static_cast<int>(l) + 1);
    }
  }
  return d;
}

std::uint32_t big_endian(const std::string& s, std::size_t at) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data() + at);
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         p[3];
}

// An IDX file (LeCun's MNIST format): magic 0x0000 0x08 ndim, then ndim big-endian sizes.
std::vector<std::uint32_t> idx_dims(const std::string& data, const std::string& path, int ndim) {
  if (data.size() < 4 || data[0] != 0 || data[1] != 0 || data[2] != 0x08 || data[3] != ndim)
    throw input_error(
        fmt::format("{}: not an IDX file of unsigned bytes with {} dimensions", path, ndim));
  std::vector<std::uint32_t> dims;
  std::size_t count = 1;
  for (int k = 0; k < ndim; ++k) {
    if (data.size() < 8 + 4 * static_cast<std::size_t>(k))
      throw input_error(fmt::format("{}: truncated header", path));
    dims.push_back(big_endian(data, 4 + 4 * static_cast<std::size_t>(k)));
    count *= dims.back();
  }
  if (data.size() != 4 + 4 * static_cast<std::size_t>(ndim) + count)
    throw input_error(fmt::format("{}: {} bytes of data where the header announces {}", path,
                                  data.size() - 4 - 4 * static_cast<std::size_t>(ndim), count));
  return dims;
}

// An NPY file (io/npy.hpp) of one or two dimensions: rows of features.
dataset load_npy(const std::string& path, bool label_column) {
  const npy_array a = parse_npy(read_gz(path, ""), path);
  if (a.shape.empty() || a.shape.size() > 2)
    throw input_error(fmt::format("{}: a 1-D or 2-D array is needed, shape has {} dimensions", path,
                                  a.shape.size()));
  const std::size_t rows = a.shape[0], cols = a.shape.size() == 2 ? a.shape[1] : 1;
  std::vector<std::vector<double>> out(rows, std::vector<double>(cols));
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t c = 0; c < cols; ++c) out[r][c] = a.data[r * cols + c];
  if (out.empty()) throw input_error(fmt::format("{}: empty array", path));
  return from_rows(out, label_column, std::filesystem::path(path).filename().string(), path, 1.0);
}

}  // namespace

dataset load_digits(const std::string& path) {
  const std::string file = path.empty() ? from_env("IONSIM_DIGITS", debian_digits) : path;
  const auto rows = parse_csv(
      read_gz(file, " (sklearn's digits: install Debian's python3-sklearn, or set $IONSIM_DIGITS)"),
      file);
  if (rows.front().size() != 65)
    throw input_error(fmt::format("{}: {} columns; sklearn's digits have 64 pixels and a label",
                                  file, rows.front().size()));
  return from_rows(rows, true, "digits", file, 1.0 / 16.0);
}

dataset load_fashion_mnist(const std::string& split, std::size_t limit, const std::string& dir) {
  if (split != "train" && split != "test")
    throw input_error(fmt::format("Fashion-MNIST: split '{}' is neither train nor test", split));
  const std::string base = dir.empty() ? from_env("IONSIM_FASHION_MNIST", debian_fashion) : dir;
  const std::string stem = split == "train" ? "train" : "t10k";
  const std::string hint =
      " (Fashion-MNIST: install Debian's dataset-fashion-mnist, or set "
      "$IONSIM_FASHION_MNIST to a directory of its IDX files)";
  const std::string ipath = base + "/" + stem + "-images-idx3-ubyte.gz";
  const std::string lpath = base + "/" + stem + "-labels-idx1-ubyte.gz";
  const std::string images = read_gz(ipath, hint), labels = read_gz(lpath, hint);
  const auto idims = idx_dims(images, ipath, 3);
  const auto ldims = idx_dims(labels, lpath, 1);
  if (idims[0] != ldims[0])
    throw input_error(
        fmt::format("{}: {} images but {} has {} labels", ipath, idims[0], lpath, ldims[0]));
  const std::size_t n = limit > 0 ? std::min<std::size_t>(limit, idims[0]) : idims[0];
  const std::size_t pixels = std::size_t{idims[1]} * idims[2];
  dataset d;
  d.name = "fashion-mnist";
  d.source = ipath;
  d.classes = 10;
  d.x.resize(static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(pixels));
  const auto* px = reinterpret_cast<const unsigned char*>(images.data() + 16);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < pixels; ++j)
      d.x(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = px[i * pixels + j] / 255.0;
  for (std::size_t i = 0; i < n; ++i) {
    const int l = static_cast<unsigned char>(labels[8 + i]);
    if (l > 9) throw input_error(fmt::format("{}: label {} of image {} is not 0-9", lpath, l, i));
    d.labels.push_back(l);
  }
  return d;
}

dataset load_array(const std::string& path, bool label_column, const std::string& h5_dataset) {
  const std::string ext = std::filesystem::path(path).extension().string();
  if (ext == ".npy") return load_npy(path, label_column);
  if (ext == ".h5" || ext == ".hdf5") {
    if (h5_dataset.empty())
      throw input_error(fmt::format("{}: name the HDF5 dataset to read", path));
    std::vector<std::size_t> dims;
    const auto values = read_h5_doubles(path, h5_dataset, &dims);
    if (dims.empty() || dims.size() > 2)
      throw input_error(fmt::format("{}: {}: a 1-D or 2-D array is needed", path, h5_dataset));
    const std::size_t cols = dims.size() == 2 ? dims[1] : 1;
    std::vector<std::vector<double>> rows(dims[0], std::vector<double>(cols));
    for (std::size_t r = 0; r < dims[0]; ++r)
      for (std::size_t c = 0; c < cols; ++c) {
        rows[r][c] = values[r * cols + c];
        if (!std::isfinite(rows[r][c]))
          throw input_error(fmt::format("{}: {}[{}, {}] is not finite", path, h5_dataset, r, c));
      }
    if (rows.empty()) throw input_error(fmt::format("{}: {} is empty", path, h5_dataset));
    return from_rows(rows, label_column, std::filesystem::path(path).filename().string(), path,
                     1.0);
  }
  const auto rows = parse_csv(read_gz(path, ""), path);
  return from_rows(rows, label_column, std::filesystem::path(path).filename().string(), path, 1.0);
}

void split(const dataset& all, std::size_t n_train, dataset& train, dataset& test) {
  if (n_train == 0 || n_train >= all.rows())
    throw input_error(fmt::format("{}: a split at {} of {} samples leaves a part empty", all.name,
                                  n_train, all.rows()));
  const auto nt = static_cast<Eigen::Index>(n_train);
  for (dataset* d : {&train, &test}) {
    d->name = all.name;
    d->source = all.source;
    d->classes = all.classes;
  }
  train.x = all.x.topRows(nt);
  test.x = all.x.bottomRows(all.x.rows() - nt);
  if (!all.labels.empty()) {
    train.labels.assign(all.labels.begin(), all.labels.begin() + nt);
    test.labels.assign(all.labels.begin() + nt, all.labels.end());
  }
}

}  // namespace ionsim::task
