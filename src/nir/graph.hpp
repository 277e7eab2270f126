#pragma once
// NIR graphs (the Neuromorphic Intermediate Representation; Pedersen et al., Nature
// Communications 15, 8122 (2024)) read from their HDF5 files: `/version`, `/node/type` =
// "NIRGraph", `/node/nodes/<name>/{type, parameters...}` and `/node/edges` (E x 2 node names).
// A node may itself be a NIRGraph; flatten() inlines such subgraphs. docs/nir.md.
#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace ionsim::nir {

struct array {
  std::vector<std::size_t> shape;  // () for a scalar
  std::vector<double> data;        // C order
  std::size_t size() const { return data.size(); }
};

struct graph;

struct node {
  std::string name, type;
  std::map<std::string, array> params;      // numeric datasets
  std::map<std::string, std::string> text;  // string datasets other than type
  std::shared_ptr<graph> subgraph;          // type NIRGraph
  bool has(const std::string& p) const { return params.count(p) != 0; }
};

struct graph {
  std::string version, source;
  std::vector<node> nodes;
  std::vector<std::pair<std::string, std::string>> edges;
};

// Reads a .nir file; input_error naming the file and the object at fault.
graph read_graph(const std::string& path);

// Writes a graph as a NIR file (HDF5, NIR 0.2.0 layout: /version, /node/type = NIRGraph,
// /node/nodes/<name>/{type, parameters}, /node/edges; strings variable-length UTF-8 as h5py
// writes them); written beside `path` and renamed, so that an error leaves no file.
void write_graph(const graph& g, const std::string& path);

// The graph with every nested NIRGraph inlined: its nodes named "<outer>.<inner>", edges into
// the subgraph node going to its Input node(s) and edges out of it leaving from its Output
// node(s). An edge that names no node is an input_error naming the edge and the graph.
graph flatten(const graph& g);

}  // namespace ionsim::nir
