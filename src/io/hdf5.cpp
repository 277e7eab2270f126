#include "io/hdf5.hpp"

#include <fmt/format.h>
#include <hdf5.h>

#include <algorithm>
#include <cstdio>

#include "core/error.hpp"

namespace ionsim {

namespace {
struct handle {
  hid_t id;
  herr_t (*close)(hid_t);
  ~handle() {
    if (id >= 0) close(id);
  }
};
}  // namespace

void write_waveforms_h5(const std::string& path, const std::vector<double>& time,
                        const std::vector<std::string>& names,
                        const std::vector<std::vector<double>>& columns) {
  const std::string tmp = path + ".partial";
  const hsize_t n = time.size(), m = names.size();
  std::vector<double> rows(static_cast<std::size_t>(n * m));
  for (hsize_t k = 0; k < n; ++k)
    for (hsize_t j = 0; j < m; ++j) rows[k * m + j] = columns[j][k];
  bool ok = true;
  {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    handle file{H5Fcreate(tmp.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose};
    if (file.id < 0) throw input_error(fmt::format("{}: cannot create HDF5 file", path));
    auto write = [&](const char* name, int rank, const hsize_t* dims, hid_t type,
                     const void* data) {
      handle space{H5Screate_simple(rank, dims, nullptr), H5Sclose};
      handle set{H5Dcreate2(file.id, name, type, space.id, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                 H5Dclose};
      return set.id >= 0 && H5Dwrite(set.id, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) >= 0;
    };
    ok = ok && write("time", 1, &n, H5T_NATIVE_DOUBLE, time.data());
    const hsize_t dims[2] = {n, m};
    ok = ok && write("signals", 2, dims, H5T_NATIVE_DOUBLE, rows.data());
    std::size_t width = 1;
    for (const auto& s : names) width = std::max(width, s.size() + 1);
    std::vector<char> text(width * names.size(), '\0');
    for (std::size_t j = 0; j < names.size(); ++j)
      std::copy(names[j].begin(), names[j].end(), text.begin() + static_cast<long>(j * width));
    handle str{H5Tcopy(H5T_C_S1), H5Tclose};
    H5Tset_size(str.id, width);
    ok = ok && write("names", 1, &m, str.id, text.data());
  }
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    throw input_error(fmt::format("{}: writing the HDF5 file failed", path));
  }
}

}  // namespace ionsim
