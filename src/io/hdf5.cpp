#include "io/hdf5.hpp"

#include <fmt/format.h>
#include <hdf5.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

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

namespace ionsim {

namespace {

hid_t native(h5_writer::type t) {
  switch (t) {
    case h5_writer::type::f64:
      return H5T_NATIVE_DOUBLE;
    case h5_writer::type::u32:
      return H5T_NATIVE_UINT32;
    case h5_writer::type::i64:
      return H5T_NATIVE_INT64;
    case h5_writer::type::f32:
      return H5T_NATIVE_FLOAT;
  }
  return H5T_NATIVE_DOUBLE;
}

std::size_t type_size(h5_writer::type t) {
  return t == h5_writer::type::u32 || t == h5_writer::type::f32 ? 4 : 8;
}

}  // namespace

h5_writer::h5_writer(const std::string& path) : path_(path) {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  file_ = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  if (file_ < 0) throw run_error(fmt::format("{}: cannot create HDF5 file", path));
}

h5_writer::~h5_writer() { close(); }

void h5_writer::close() {
  if (file_ < 0) return;
  for (auto& s : series_) H5Dclose(s.id);
  series_.clear();
  H5Fclose(file_);
  file_ = -1;
}

void h5_writer::group(const std::string& name) {
  handle g{H5Gcreate2(file_, name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose};
  if (g.id < 0) throw run_error(fmt::format("{}: cannot create group {}", path_, name));
}

std::size_t h5_writer::series(const std::string& name, type t, std::size_t columns) {
  const int rank = columns == 0 ? 1 : 2;
  const hsize_t dims[2] = {0, columns}, max[2] = {H5S_UNLIMITED, columns};
  // Chunks of about 64 KiB: small appends stay cheap, large reads stay fast.
  const hsize_t row_bytes = type_size(t) * (columns == 0 ? 1 : columns);
  const hsize_t chunk[2] = {std::max<hsize_t>(1, 65536 / row_bytes), std::max<hsize_t>(columns, 1)};
  handle space{H5Screate_simple(rank, dims, max), H5Sclose};
  handle plist{H5Pcreate(H5P_DATASET_CREATE), H5Pclose};
  H5Pset_chunk(plist.id, rank, chunk);
  const hid_t id =
      H5Dcreate2(file_, name.c_str(), native(t), space.id, H5P_DEFAULT, plist.id, H5P_DEFAULT);
  if (id < 0) throw run_error(fmt::format("{}: cannot create dataset {}", path_, name));
  series_.push_back({id, t, columns, 0});
  return series_.size() - 1;
}

void h5_writer::append(std::size_t k, const void* data, std::size_t n) {
  auto& s = series_.at(k);
  if (n == 0) return;
  const int rank = s.columns == 0 ? 1 : 2;
  const hsize_t size[2] = {s.rows + n, s.columns};
  const hsize_t start[2] = {s.rows, 0}, count[2] = {n, s.columns};
  bool ok = H5Dset_extent(s.id, size) >= 0;
  handle file_space{H5Dget_space(s.id), H5Sclose};
  ok =
      ok && H5Sselect_hyperslab(file_space.id, H5S_SELECT_SET, start, nullptr, count, nullptr) >= 0;
  handle mem{H5Screate_simple(rank, count, nullptr), H5Sclose};
  ok = ok && H5Dwrite(s.id, native(s.t), mem.id, file_space.id, H5P_DEFAULT, data) >= 0;
  if (!ok) throw run_error(fmt::format("{}: appending to a dataset failed", path_));
  s.rows += n;
}

std::size_t h5_writer::rows(std::size_t k) const { return series_.at(k).rows; }

void h5_writer::array(const std::string& name, type t, const void* data, std::size_t n) {
  const hsize_t dims = n;
  handle space{H5Screate_simple(1, &dims, nullptr), H5Sclose};
  handle set{
      H5Dcreate2(file_, name.c_str(), native(t), space.id, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
      H5Dclose};
  if (set.id < 0 || (n > 0 && H5Dwrite(set.id, native(t), H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0))
    throw run_error(fmt::format("{}: writing dataset {} failed", path_, name));
}

void h5_writer::strings(const std::string& name, const std::vector<std::string>& values) {
  std::size_t width = 1;
  for (const auto& s : values) width = std::max(width, s.size() + 1);
  std::vector<char> text(width * values.size(), '\0');
  for (std::size_t j = 0; j < values.size(); ++j)
    std::copy(values[j].begin(), values[j].end(), text.begin() + static_cast<long>(j * width));
  handle str{H5Tcopy(H5T_C_S1), H5Tclose};
  H5Tset_size(str.id, width);
  const hsize_t dims = values.size();
  handle space{H5Screate_simple(1, &dims, nullptr), H5Sclose};
  handle set{
      H5Dcreate2(file_, name.c_str(), str.id, space.id, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
      H5Dclose};
  if (set.id < 0 ||
      (!values.empty() && H5Dwrite(set.id, str.id, H5S_ALL, H5S_ALL, H5P_DEFAULT, text.data()) < 0))
    throw run_error(fmt::format("{}: writing dataset {} failed", path_, name));
}

namespace {
void write_attribute(hid_t file, const std::string& path, const std::string& object,
                     const std::string& name, hid_t type, const void* value) {
  handle obj{H5Oopen(file, object.c_str(), H5P_DEFAULT), H5Oclose};
  if (obj.id < 0) throw run_error(fmt::format("{}: no object {}", path, object));
  if (H5Aexists(obj.id, name.c_str()) > 0) H5Adelete(obj.id, name.c_str());
  handle space{H5Screate(H5S_SCALAR), H5Sclose};
  handle a{H5Acreate2(obj.id, name.c_str(), type, space.id, H5P_DEFAULT, H5P_DEFAULT), H5Aclose};
  if (a.id < 0 || H5Awrite(a.id, type, value) < 0)
    throw run_error(fmt::format("{}: writing attribute {} failed", path, name));
}
}  // namespace

void h5_writer::attribute(const std::string& object, const std::string& name, double value) {
  write_attribute(file_, path_, object, name, H5T_NATIVE_DOUBLE, &value);
}

void h5_writer::attribute(const std::string& object, const std::string& name,
                          const std::string& value) {
  handle str{H5Tcopy(H5T_C_S1), H5Tclose};
  H5Tset_size(str.id, std::max<std::size_t>(1, value.size()));
  write_attribute(file_, path_, object, name, str.id, value.c_str());
}

void h5_writer::flush() {
  if (file_ >= 0) H5Fflush(file_, H5F_SCOPE_GLOBAL);
}

namespace {

// Opens `dataset` of the file at `path` for reading, and its dimensions.
struct open_dataset {
  handle file, set;
  std::vector<std::size_t> dims;
  open_dataset(const std::string& path, const std::string& dataset)
      : file{H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose}, set{-1, H5Dclose} {
    if (file.id < 0) throw input_error(fmt::format("{}: cannot open as HDF5", path));
    set.id = H5Dopen2(file.id, dataset.c_str(), H5P_DEFAULT);
    if (set.id < 0) throw input_error(fmt::format("{}: no dataset {}", path, dataset));
    handle space{H5Dget_space(set.id), H5Sclose};
    const int rank = H5Sget_simple_extent_ndims(space.id);
    std::vector<hsize_t> d(static_cast<std::size_t>(std::max(rank, 0)));
    H5Sget_simple_extent_dims(space.id, d.data(), nullptr);
    dims.assign(d.begin(), d.end());
  }
};

}  // namespace

std::vector<double> read_h5_doubles(const std::string& path, const std::string& dataset,
                                    std::vector<std::size_t>* dims) {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  const open_dataset d(path, dataset);
  std::size_t n = 1;
  for (auto x : d.dims) n *= x;
  if (dims) *dims = d.dims;
  std::vector<double> out(n);
  if (n > 0 && H5Dread(d.set.id, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()) < 0)
    throw input_error(fmt::format("{}: cannot read dataset {}", path, dataset));
  return out;
}

std::vector<std::size_t> read_h5_dims(const std::string& path, const std::string& dataset) {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  return open_dataset(path, dataset).dims;
}

std::vector<std::string> read_h5_strings(const std::string& path, const std::string& dataset) {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  const open_dataset d(path, dataset);
  handle type{H5Dget_type(d.set.id), H5Tclose};
  if (d.dims.size() != 1 || H5Tget_class(type.id) != H5T_STRING || H5Tis_variable_str(type.id) > 0)
    throw input_error(fmt::format("{}: dataset {} is not 1-D fixed-width text", path, dataset));
  const std::size_t width = H5Tget_size(type.id);
  std::vector<char> text(width * d.dims[0] + 1, '\0');
  handle mem{H5Tcopy(H5T_C_S1), H5Tclose};
  H5Tset_size(mem.id, width);
  // Padded with nulls, as numpy's fixed-width strings are: a string that fills its width
  // keeps its last character (a null-terminated memory type would drop it).
  H5Tset_strpad(mem.id, H5T_STR_NULLPAD);
  if (d.dims[0] > 0 && H5Dread(d.set.id, mem.id, H5S_ALL, H5S_ALL, H5P_DEFAULT, text.data()) < 0)
    throw input_error(fmt::format("{}: cannot read dataset {}", path, dataset));
  std::vector<std::string> out(d.dims[0]);
  for (std::size_t j = 0; j < out.size(); ++j) {
    const char* s = text.data() + j * width;
    out[j].assign(s, strnlen(s, width));
  }
  return out;
}

std::vector<std::string> read_h5_members(const std::string& path, const std::string& group) {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  const handle file{H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose};
  if (file.id < 0) throw input_error(fmt::format("{}: cannot open as HDF5", path));
  const handle g{H5Gopen2(file.id, group.c_str(), H5P_DEFAULT), H5Gclose};
  if (g.id < 0) throw input_error(fmt::format("{}: no group {}", path, group));
  H5G_info_t info;
  if (H5Gget_info(g.id, &info) < 0)
    throw input_error(fmt::format("{}: cannot list {}", path, group));
  std::vector<std::string> out;
  for (hsize_t k = 0; k < info.nlinks; ++k) {
    const ssize_t n =
        H5Lget_name_by_idx(g.id, ".", H5_INDEX_NAME, H5_ITER_INC, k, nullptr, 0, H5P_DEFAULT);
    std::string name(static_cast<std::size_t>(std::max<ssize_t>(n, 0)), '\0');
    H5Lget_name_by_idx(g.id, ".", H5_INDEX_NAME, H5_ITER_INC, k, name.data(), name.size() + 1,
                       H5P_DEFAULT);
    out.push_back(name);
  }
  return out;
}

double read_h5_attribute(const std::string& path, const std::string& name) {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  handle file{H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose};
  if (file.id < 0) throw input_error(fmt::format("{}: cannot open as HDF5", path));
  handle a{H5Aopen_by_name(file.id, "/", name.c_str(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose};
  double v = 0;
  if (a.id < 0 || H5Aread(a.id, H5T_NATIVE_DOUBLE, &v) < 0)
    throw input_error(fmt::format("{}: no attribute {}", path, name));
  return v;
}

namespace {

// The paths of the datasets whose first dimension is unlimited (h5_writer's series).
herr_t collect_series(hid_t obj, const char* name, const H5O_info_t* info, void* out) {
  if (info->type != H5O_TYPE_DATASET) return 0;
  handle set{H5Dopen2(obj, name, H5P_DEFAULT), H5Dclose};
  handle space{H5Dget_space(set.id), H5Sclose};
  hsize_t dims[2] = {0, 0}, max[2] = {0, 0};
  if (H5Sget_simple_extent_ndims(space.id) < 1 || H5Sget_simple_extent_ndims(space.id) > 2)
    return 0;
  H5Sget_simple_extent_dims(space.id, dims, max);
  if (max[0] == H5S_UNLIMITED) static_cast<std::vector<std::string>*>(out)->push_back(name);
  return 0;
}

herr_t copy_member(hid_t group, const char* name, const H5L_info_t*, void* dst) {
  return H5Ocopy(group, name, *static_cast<hid_t*>(dst), name, H5P_DEFAULT, H5P_DEFAULT) < 0 ? -1
                                                                                             : 0;
}

herr_t copy_attribute(hid_t obj, const char* name, const H5A_info_t*, void* dst) {
  handle a{H5Aopen(obj, name, H5P_DEFAULT), H5Aclose};
  handle type{H5Aget_type(a.id), H5Tclose};
  handle space{H5Aget_space(a.id), H5Sclose};
  std::vector<char> buf(H5Tget_size(type.id) * static_cast<std::size_t>(std::max<hssize_t>(
                                                   1, H5Sget_simple_extent_npoints(space.id))));
  if (H5Aread(a.id, type.id, buf.data()) < 0) return -1;
  const hid_t to = *static_cast<hid_t*>(dst);
  if (H5Aexists(to, name) > 0) H5Adelete(to, name);
  handle b{H5Acreate2(to, name, type.id, space.id, H5P_DEFAULT, H5P_DEFAULT), H5Aclose};
  return b.id < 0 || H5Awrite(b.id, type.id, buf.data()) < 0 ? -1 : 0;
}

}  // namespace

void join_h5_series(const std::vector<std::string>& parts, const std::string& out) {
  if (parts.empty()) throw input_error(fmt::format("{}: no parts to join", out));
  handle dst{H5Fcreate(out.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose};
  if (dst.id < 0) throw run_error(fmt::format("{}: cannot create HDF5 file", out));
  std::vector<std::string> series;
  for (std::size_t k = 0; k < parts.size(); ++k) {
    handle src{H5Fopen(parts[k].c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose};
    if (src.id < 0) throw input_error(fmt::format("{}: cannot open as HDF5", parts[k]));
    handle root{H5Gopen2(src.id, "/", H5P_DEFAULT), H5Gclose};
    handle to{H5Gopen2(dst.id, "/", H5P_DEFAULT), H5Gclose};
    if (k == 0) {
      hid_t target = to.id;
      if (H5Literate(root.id, H5_INDEX_NAME, H5_ITER_INC, nullptr, copy_member, &target) < 0 ||
          H5Ovisit(src.id, H5_INDEX_NAME, H5_ITER_INC, collect_series, &series) < 0)
        throw input_error(fmt::format("{}: cannot copy its contents", parts[k]));
    } else {
      for (const auto& name : series) {
        handle in{H5Dopen2(src.id, name.c_str(), H5P_DEFAULT), H5Dclose};
        handle set{H5Dopen2(dst.id, name.c_str(), H5P_DEFAULT), H5Dclose};
        if (in.id < 0)
          throw input_error(
              fmt::format("{}: no dataset {} (not a part of the same recording)", parts[k], name));
        handle in_space{H5Dget_space(in.id), H5Sclose};
        handle out_space{H5Dget_space(set.id), H5Sclose};
        const int rank = H5Sget_simple_extent_ndims(in_space.id);
        hsize_t add[2] = {0, 0}, have[2] = {0, 0};
        H5Sget_simple_extent_dims(in_space.id, add, nullptr);
        H5Sget_simple_extent_dims(out_space.id, have, nullptr);
        if (rank != H5Sget_simple_extent_ndims(out_space.id) || (rank == 2 && add[1] != have[1]))
          throw input_error(
              fmt::format("{}: dataset {} has another shape than in {}", parts[k], name, parts[0]));
        if (add[0] == 0) continue;
        handle type{H5Dget_type(set.id), H5Tclose};
        handle mem_type{H5Tget_native_type(type.id, H5T_DIR_ASCEND), H5Tclose};
        std::size_t n = H5Tget_size(mem_type.id) * add[0] * (rank == 2 ? add[1] : 1);
        std::vector<char> buf(n);
        if (H5Dread(in.id, mem_type.id, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf.data()) < 0)
          throw input_error(fmt::format("{}: cannot read dataset {}", parts[k], name));
        const hsize_t size[2] = {have[0] + add[0], have[1]}, start[2] = {have[0], 0};
        bool ok = H5Dset_extent(set.id, size) >= 0;
        handle file_space{H5Dget_space(set.id), H5Sclose};
        ok = ok &&
             H5Sselect_hyperslab(file_space.id, H5S_SELECT_SET, start, nullptr, add, nullptr) >= 0;
        handle mem{H5Screate_simple(rank, add, nullptr), H5Sclose};
        ok = ok &&
             H5Dwrite(set.id, mem_type.id, mem.id, file_space.id, H5P_DEFAULT, buf.data()) >= 0;
        if (!ok) throw run_error(fmt::format("{}: appending to {} failed", out, name));
      }
    }
    if (k + 1 == parts.size()) {
      hid_t target = to.id;
      if (H5Aiterate2(root.id, H5_INDEX_NAME, H5_ITER_INC, nullptr, copy_attribute, &target) < 0)
        throw run_error(fmt::format("{}: cannot copy the attributes of {}", out, parts[k]));
    }
  }
}

}  // namespace ionsim
