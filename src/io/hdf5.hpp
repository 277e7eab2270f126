#pragma once
// HDF5 output of sampled waveforms, for runs too large for CSV.
#include <string>
#include <vector>

namespace ionsim {

// Writes `path` (whole or not at all): dataset /time [n] (s), dataset /signals [n x m]
// (row k = time point k, column j = signal j) and dataset /names [m] (fixed-length strings).
void write_waveforms_h5(const std::string& path, const std::vector<double>& time,
                        const std::vector<std::string>& names,
                        const std::vector<std::vector<double>>& columns);

}  // namespace ionsim

#include <cstddef>
#include <cstdint>

namespace ionsim {

// An HDF5 file written as a run goes: extendible, chunked datasets that grow by appending
// rows, and a flush after each batch so that the file is valid (readable, with every row
// appended so far) whenever the process stops between two calls.
class h5_writer {
 public:
  enum class type { f64, u32, i64, f32 };
  explicit h5_writer(const std::string& path);  // creates or truncates
  ~h5_writer();
  h5_writer(const h5_writer&) = delete;
  h5_writer& operator=(const h5_writer&) = delete;

  void group(const std::string& name);
  // A dataset of rows that grows by appending: rank 1 when columns == 0, else [rows x columns].
  std::size_t series(const std::string& name, type t, std::size_t columns = 0);
  void append(std::size_t series, const void* data, std::size_t rows);
  std::size_t rows(std::size_t series) const;
  // Fixed datasets and attributes (on the dataset or group `object`, "/" for the file).
  void array(const std::string& name, type t, const void* data, std::size_t n);
  void strings(const std::string& name, const std::vector<std::string>& values);
  void attribute(const std::string& object, const std::string& name, double value);
  void attribute(const std::string& object, const std::string& name, const std::string& value);
  void flush();
  void close();

 private:
  struct series_data {
    long long id;
    type t;
    std::size_t columns, rows;
  };
  std::string path_;
  long long file_ = -1;
  std::vector<series_data> series_;
};

// Reads a whole 1-D or 2-D dataset as doubles (converted by HDF5); input_error when missing.
std::vector<double> read_h5_doubles(const std::string& path, const std::string& dataset,
                                    std::vector<std::size_t>* dims = nullptr);
// The dimensions of a dataset without reading it; input_error when the file is not HDF5 or
// the dataset is missing.
std::vector<std::size_t> read_h5_dims(const std::string& path, const std::string& dataset);
// A 1-D dataset of fixed-width strings (as h5_writer::strings writes them).
std::vector<std::string> read_h5_strings(const std::string& path, const std::string& dataset);
// The names of the members of a group, in name order; input_error when the file is not HDF5 or
// the group is missing.
std::vector<std::string> read_h5_members(const std::string& path, const std::string& group);
// A scalar attribute of the file root, as a double.
double read_h5_attribute(const std::string& path, const std::string& name);

// Joins files of one layout written one after the other by h5_writer (the segments of a
// recording) into `out`: every dataset that grows by appending (a series) holds the rows of
// all parts in order; everything else (groups, fixed datasets, their attributes) is the first
// part's, and the root attributes are the last part's. input_error naming the part that cannot
// be read or does not have the first part's layout.
void join_h5_series(const std::vector<std::string>& parts, const std::string& out);

}  // namespace ionsim
