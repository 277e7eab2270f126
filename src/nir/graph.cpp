#include "nir/graph.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <hdf5.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "core/error.hpp"

namespace ionsim::nir {

namespace {

struct handle {
  hid_t id;
  herr_t (*close)(hid_t);
  handle(hid_t i, herr_t (*c)(hid_t)) : id(i), close(c) {}
  handle(const handle&) = delete;
  handle& operator=(const handle&) = delete;
  ~handle() {
    if (id >= 0) close(id);
  }
};

struct reader {
  std::string path;

  [[noreturn]] void fail(const std::string& object, const std::string& what) const {
    throw input_error(fmt::format("{}: {}: {}", path, object, what));
  }

  std::vector<std::string> children(hid_t group, const std::string& where) const {
    H5G_info_t info;
    if (H5Gget_info(group, &info) < 0) fail(where, "cannot list the group");
    std::vector<std::string> out;
    for (hsize_t k = 0; k < info.nlinks; ++k) {
      const ssize_t n =
          H5Lget_name_by_idx(group, ".", H5_INDEX_NAME, H5_ITER_INC, k, nullptr, 0, H5P_DEFAULT);
      std::string name(static_cast<std::size_t>(std::max<ssize_t>(n, 0)), '\0');
      H5Lget_name_by_idx(group, ".", H5_INDEX_NAME, H5_ITER_INC, k, name.data(), name.size() + 1,
                         H5P_DEFAULT);
      out.push_back(name);
    }
    return out;
  }

  bool is_group(hid_t loc, const std::string& name) const {
    handle o{H5Oopen(loc, name.c_str(), H5P_DEFAULT), H5Oclose};
    return o.id >= 0 && H5Iget_type(o.id) == H5I_GROUP;
  }

  // Before memory is set aside for a dataset's `count` elements of `bytes` each: a contiguous
  // or compact dataset stores them all, and no NIR parameter comes near 2^28 elements; a
  // damaged file whose dataspace claims more is refused here rather than exhausting memory.
  void check_size(hid_t set, std::size_t count, std::size_t bytes, const std::string& where) const {
    if (count > (std::size_t{1} << 28))
      fail(where, fmt::format("claims {} elements, more than a NIR graph holds", count));
    handle plist{H5Dget_create_plist(set), H5Pclose};
    const H5D_layout_t layout = H5Pget_layout(plist.id);
    const hsize_t stored = H5Dget_storage_size(set);
    if ((layout == H5D_CONTIGUOUS || layout == H5D_COMPACT) && stored < count * bytes)
      fail(where,
           fmt::format("claims {} elements of {} bytes but stores {} bytes", count, bytes, stored));
  }

  // All strings of a dataset (scalar or any shape), variable- or fixed-length.
  std::vector<std::string> strings(hid_t loc, const std::string& name,
                                   const std::string& where) const {
    handle set{H5Dopen2(loc, name.c_str(), H5P_DEFAULT), H5Dclose};
    if (set.id < 0) fail(where, fmt::format("no dataset '{}'", name));
    handle type{H5Dget_type(set.id), H5Tclose};
    if (H5Tget_class(type.id) != H5T_STRING) fail(where + "/" + name, "is not text");
    handle space{H5Dget_space(set.id), H5Sclose};
    const auto n =
        static_cast<std::size_t>(std::max<hssize_t>(H5Sget_simple_extent_npoints(space.id), 0));
    std::vector<std::string> out;
    if (H5Tis_variable_str(type.id) > 0) {
      handle mem{H5Tcopy(H5T_C_S1), H5Tclose};
      H5Tset_size(mem.id, H5T_VARIABLE);
      H5Tset_cset(mem.id, H5Tget_cset(type.id));
      check_size(set.id, n, H5Tget_size(type.id), where + "/" + name);
      std::vector<char*> raw(n, nullptr);
      if (n > 0 && H5Dread(set.id, mem.id, H5S_ALL, H5S_ALL, H5P_DEFAULT, raw.data()) < 0) {
        // A read that failed part way may have allocated some of the strings.
        H5Dvlen_reclaim(mem.id, space.id, H5P_DEFAULT, raw.data());
        fail(where + "/" + name, "cannot be read");
      }
      for (char* s : raw) out.emplace_back(s ? s : "");
      if (n > 0) H5Dvlen_reclaim(mem.id, space.id, H5P_DEFAULT, raw.data());
    } else {
      const std::size_t width = H5Tget_size(type.id);
      check_size(set.id, n, width, where + "/" + name);
      std::vector<char> text(width * n + 1, '\0');
      handle mem{H5Tcopy(H5T_C_S1), H5Tclose};
      H5Tset_size(mem.id, width);
      // Padded with nulls, as numpy's fixed-width strings are: a string that fills its width
      // keeps its last character (a null-terminated memory type would drop it).
      H5Tset_strpad(mem.id, H5T_STR_NULLPAD);
      if (n > 0 && H5Dread(set.id, mem.id, H5S_ALL, H5S_ALL, H5P_DEFAULT, text.data()) < 0)
        fail(where + "/" + name, "cannot be read");
      for (std::size_t k = 0; k < n; ++k) {
        const char* s = text.data() + k * width;
        out.emplace_back(s, strnlen(s, width));
      }
    }
    return out;
  }

  std::string string(hid_t loc, const std::string& name, const std::string& where) const {
    const auto s = strings(loc, name, where);
    if (s.size() != 1) fail(where + "/" + name, "is not a single text value");
    return s[0];
  }

  array numbers(hid_t loc, const std::string& name, const std::string& where) const {
    handle set{H5Dopen2(loc, name.c_str(), H5P_DEFAULT), H5Dclose};
    if (set.id < 0) fail(where, fmt::format("no dataset '{}'", name));
    handle type{H5Dget_type(set.id), H5Tclose};
    const H5T_class_t cls = H5Tget_class(type.id);
    if (cls != H5T_FLOAT && cls != H5T_INTEGER)
      fail(where + "/" + name, "is neither a number nor an array of numbers");
    handle space{H5Dget_space(set.id), H5Sclose};
    const int rank = H5Sget_simple_extent_ndims(space.id);
    std::vector<hsize_t> dims(static_cast<std::size_t>(std::max(rank, 0)));
    H5Sget_simple_extent_dims(space.id, dims.data(), nullptr);
    array a;
    std::size_t count = 1;
    for (hsize_t d : dims) {
      a.shape.push_back(static_cast<std::size_t>(d));
      // saturating: a damaged dataspace may multiply beyond any size
      const std::size_t limit = std::size_t{1} << 40;
      count = d != 0 && count > limit / d ? limit : count * static_cast<std::size_t>(d);
    }
    check_size(set.id, count, H5Tget_size(type.id), where + "/" + name);
    a.data.resize(count);
    if (count > 0 &&
        H5Dread(set.id, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, a.data.data()) < 0)
      fail(where + "/" + name, "cannot be read as numbers");
    return a;
  }

  // The graph stored in group `g` (the file's /node or a nested node, `depth` levels down).
  // HDF5 hard links can make a group its own descendant: nesting is bounded, so such a cycle
  // is an error and not an endless recursion.
  graph read(hid_t g, const std::string& where, int depth = 0) const {
    constexpr int deepest = 64;
    if (depth > deepest)
      fail(where, fmt::format("subgraphs nested more than {} deep (a group linked into itself?)",
                              deepest));
    graph out;
    out.source = path;
    if (!is_group(g, "nodes")) fail(where, "a NIRGraph without 'nodes'");
    handle nodes{H5Gopen2(g, "nodes", H5P_DEFAULT), H5Gclose};
    for (const auto& name : children(nodes.id, where + "/nodes")) {
      const std::string at = where + "/nodes/" + name;
      if (!is_group(nodes.id, name)) fail(at, "a node must be a group");
      handle ng{H5Gopen2(nodes.id, name.c_str(), H5P_DEFAULT), H5Gclose};
      node n;
      n.name = name;
      n.type = string(ng.id, "type", at);
      if (n.type == "NIRGraph") {
        n.subgraph = std::make_shared<graph>(read(ng.id, at, depth + 1));
      } else {
        for (const auto& p : children(ng.id, at)) {
          if (p == "type") continue;
          if (is_group(ng.id, p)) fail(at + "/" + p, "a parameter must be a dataset");
          handle set{H5Dopen2(ng.id, p.c_str(), H5P_DEFAULT), H5Dclose};
          handle type{H5Dget_type(set.id), H5Tclose};
          if (H5Tget_class(type.id) == H5T_STRING)
            n.text[p] = string(ng.id, p, at);
          else
            n.params[p] = numbers(ng.id, p, at);
        }
      }
      out.nodes.push_back(std::move(n));
    }
    const auto e = strings(g, "edges", where);
    if (e.size() % 2 != 0) fail(where + "/edges", "is not a list of (source, target) pairs");
    for (std::size_t k = 0; k < e.size(); k += 2) out.edges.emplace_back(e[k], e[k + 1]);
    return out;
  }
};

}  // namespace

graph read_graph(const std::string& path) {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  if (H5Fis_hdf5(path.c_str()) <= 0)
    throw input_error(fmt::format("{}: not an HDF5 file (a .nir graph is HDF5)", path));
  handle file{H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose};
  if (file.id < 0) throw input_error(fmt::format("{}: cannot open", path));
  const reader r{path};
  if (!r.is_group(file.id, "node")) r.fail("/", "no group /node (not a NIR graph)");
  handle root{H5Gopen2(file.id, "node", H5P_DEFAULT), H5Gclose};
  const std::string type = r.string(root.id, "type", "/node");
  if (type != "NIRGraph")
    r.fail("/node/type", fmt::format("'{}' where NIRGraph is expected", type));
  graph g = r.read(root.id, "/node");
  g.version = H5Lexists(file.id, "version", H5P_DEFAULT) > 0 ? r.string(file.id, "version", "/")
                                                             : std::string("unknown");
  return g;
}

namespace {

void inline_into(const graph& g, const std::string& prefix, graph& out,
                 std::vector<std::pair<std::string, std::string>>& edges) {
  std::set<std::string> names;
  for (const auto& n : g.nodes) names.insert(n.name);
  // Where an edge into or out of a subgraph node lands: its Input or Output node(s).
  const auto ends = [&](const std::string& name, const char* type) {
    std::vector<std::string> out_names;
    for (const auto& n : g.nodes)
      if (n.name == name && n.subgraph) {
        for (const auto& m : n.subgraph->nodes)
          if (m.type == type) out_names.push_back(prefix + name + "." + m.name);
        return out_names;
      }
    out_names.push_back(prefix + name);
    return out_names;
  };
  for (const auto& [a, b] : g.edges) {
    for (const auto* end : {&a, &b})
      if (!names.count(*end))
        throw input_error(fmt::format(
            "{}: edge {} -> {} names a node '{}' that the graph{} does not have (it has: {})",
            g.source, a, b, *end, prefix.empty() ? "" : " " + prefix.substr(0, prefix.size() - 1),
            fmt::join(names, ", ")));
    for (const auto& s : ends(a, "Output"))
      for (const auto& t : ends(b, "Input")) edges.emplace_back(s, t);
  }
  for (const auto& n : g.nodes) {
    if (n.subgraph) {
      inline_into(*n.subgraph, prefix + n.name + ".", out, edges);
    } else {
      node c = n;
      c.name = prefix + n.name;
      // A subgraph's Input and Output nodes pass values through; only the outer graph's are
      // the graph's ends.
      if (!prefix.empty() && (c.type == "Input" || c.type == "Output")) c.type = "Identity";
      out.nodes.push_back(std::move(c));
    }
  }
}

}  // namespace

graph flatten(const graph& g) {
  graph out;
  out.version = g.version;
  out.source = g.source;
  inline_into(g, "", out, out.edges);
  return out;
}

namespace {

struct writer {
  std::string path;

  void check(hid_t id, const std::string& what) const {
    if (id < 0) throw run_error(fmt::format("{}: cannot write {}", path, what));
  }

  // Variable-length UTF-8 strings, as h5py writes Python str: a scalar, or an array of shape.
  void strings(hid_t loc, const std::string& name, const std::vector<std::string>& values,
               const std::vector<hsize_t>& shape) const {
    handle type{H5Tcopy(H5T_C_S1), H5Tclose};
    H5Tset_size(type.id, H5T_VARIABLE);
    H5Tset_cset(type.id, H5T_CSET_UTF8);
    handle space{shape.empty()
                     ? H5Screate(H5S_SCALAR)
                     : H5Screate_simple(static_cast<int>(shape.size()), shape.data(), nullptr),
                 H5Sclose};
    handle set{
        H5Dcreate2(loc, name.c_str(), type.id, space.id, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
        H5Dclose};
    check(set.id, name);
    std::vector<const char*> raw;
    for (const auto& v : values) raw.push_back(v.c_str());
    if (H5Dwrite(set.id, type.id, H5S_ALL, H5S_ALL, H5P_DEFAULT, raw.data()) < 0) check(-1, name);
  }

  void numbers(hid_t loc, const std::string& name, const array& a, bool integer) const {
    std::vector<hsize_t> dims(a.shape.begin(), a.shape.end());
    handle space{H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), H5Sclose};
    handle set{H5Dcreate2(loc, name.c_str(), integer ? H5T_STD_I64LE : H5T_IEEE_F64LE, space.id,
                          H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
               H5Dclose};
    check(set.id, name);
    herr_t ok = 0;
    if (integer) {
      std::vector<std::int64_t> v(a.data.begin(), a.data.end());
      ok = H5Dwrite(set.id, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data());
    } else {
      ok = H5Dwrite(set.id, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, a.data.data());
    }
    if (ok < 0) check(-1, name);
  }

  void graph_group(hid_t loc, const graph& g) const {
    strings(loc, "type", {"NIRGraph"}, {});
    handle nodes{H5Gcreate2(loc, "nodes", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose};
    check(nodes.id, "nodes");
    for (const auto& n : g.nodes) {
      handle ng{H5Gcreate2(nodes.id, n.name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                H5Gclose};
      check(ng.id, "node " + n.name);
      if (n.subgraph) {
        graph_group(ng.id, *n.subgraph);
        continue;
      }
      strings(ng.id, "type", {n.type}, {});
      for (const auto& [k, a] : n.params)
        numbers(ng.id, k, a, (n.type == "Input" || n.type == "Output") && k == "shape");
      for (const auto& [k, s] : n.text) strings(ng.id, k, {s}, {});
    }
    std::vector<std::string> flat;
    for (const auto& [a, b] : g.edges) {
      flat.push_back(a);
      flat.push_back(b);
    }
    strings(loc, "edges", flat, {static_cast<hsize_t>(g.edges.size()), 2});
  }
};

}  // namespace

void write_graph(const graph& g, const std::string& path) {
  const std::string partial = path + ".partial";
  {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    handle file{H5Fcreate(partial.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose};
    const writer w{path};
    w.check(file.id, "the file");
    try {
      w.strings(file.id, "version", {g.version}, {});
      handle root{H5Gcreate2(file.id, "node", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose};
      w.check(root.id, "/node");
      w.graph_group(root.id, g);
    } catch (...) {
      std::filesystem::remove(partial);
      throw;
    }
  }
  std::filesystem::rename(partial, path);
}

}  // namespace ionsim::nir
