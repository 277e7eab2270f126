#pragma once
// Data sets of the task layer: classification sets from Debian's packages (sklearn's digits,
// Fashion-MNIST), and a user's own arrays. Nothing is downloaded: a missing package or file is
// one input_error naming the package to install or the file.
#include <Eigen/Core>
#include <cstdint>
#include <string>
#include <vector>

namespace ionsim::task {

// Samples in rows. Classification sets have labels 0..classes-1; regression sets a target.
struct dataset {
  std::string name;    // "digits", "fashion-mnist", or the file name
  std::string source;  // the file(s) read
  Eigen::MatrixXd x;   // [sample][feature], scaled to [0, 1] for images
  std::vector<int> labels;
  int classes = 0;
  std::size_t rows() const { return static_cast<std::size_t>(x.rows()); }
};

// sklearn's 8x8 digits (1797 images, pixels 0..16 scaled by 1/16) from python3-sklearn's
// digits.csv.gz. path "" : $IONSIM_DIGITS, else the file of Debian's python3-sklearn.
dataset load_digits(const std::string& path = "");

// Fashion-MNIST (IDX files, gzip) from Debian's dataset-fashion-mnist: split "train" (60 000)
// or "test" (10 000), pixels scaled by 1/255; at most `limit` images (0: all). dir "" :
// $IONSIM_FASHION_MNIST, else the package's directory.
dataset load_fashion_mnist(const std::string& split, std::size_t limit = 0,
                           const std::string& dir = "");

// A user's array: CSV (numbers, an optional header row), NPY (little-endian float64, float32
// or integer, C order, 1-D or 2-D) or HDF5 (`dataset` names the array). The last column is the
// label when `label_column` (integers >= 0).
dataset load_array(const std::string& path, bool label_column, const std::string& h5_dataset = "");

// The first `n_train` samples and the rest.
void split(const dataset& all, std::size_t n_train, dataset& train, dataset& test);

}  // namespace ionsim::task
