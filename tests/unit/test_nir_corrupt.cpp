// Corrupt NIR files: a graph written by write_graph, then truncated at many lengths or with
// bytes overwritten at random places (seeded), run by `ionsim nir run`: each either runs or
// gives one line of error and exit code 2 (no crash, no other exit: the HDF5 library itself
// crashes on some damaged variable-length strings, which the command line catches by reading
// the file in a child process first). A small deterministic fuzz corpus, made on every run.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <hdf5.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "nir/graph.hpp"
#include "nir_test_support.hpp"
#include "test_support.hpp"

namespace ionsim::nir {
namespace IONSIM_TEST_FILE {

using test_graphs::values;

// Input(3) -> Affine -> LIF(2) -> Output, with a recurrent Linear on the LIF.
graph small_graph() {
  graph g;
  g.version = "0.2.0";
  g.nodes.push_back({"input", "Input", {{"shape", values({3})}}, {}, nullptr});
  g.nodes.push_back(
      {"fc",
       "Affine",
       {{"weight", values({1, 0.5, -0.2, 0.3, 0.8, 0.1}, {2, 3})}, {"bias", values({0.01, 0.0})}},
       {},
       nullptr});
  g.nodes.push_back(
      {"rec", "Linear", {{"weight", values({0, -0.3, 0.2, 0}, {2, 2})}}, {}, nullptr});
  g.nodes.push_back({"lif",
                     "LIF",
                     {{"tau", values({2e-3, 3e-3})},
                      {"r", values({1, 1})},
                      {"v_leak", values({0, 0})},
                      {"v_threshold", values({0.1, 0.1})}},
                     {},
                     nullptr});
  g.nodes.push_back({"output", "Output", {{"shape", values({2})}}, {}, nullptr});
  g.edges = {{"input", "fc"}, {"fc", "lif"}, {"lif", "rec"}, {"rec", "lif"}, {"lif", "output"}};
  return g;
}

// A subgraph whose group is linked into itself (an HDF5 hard link): one error, no endless
// recursion.
TEST(NirCorrupt, SubgraphLinkedIntoItselfIsAnError) {
  const auto dir = test::fresh_dir("nir-cycle");
  graph g = small_graph();
  auto sub = std::make_shared<graph>(small_graph());
  g.nodes.push_back({"sub", "NIRGraph", {}, {}, sub});
  const std::string path = (dir / "cycle.nir").string();
  write_graph(g, path);
  ASSERT_NO_THROW(read_graph(path));
  {
    const hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    ASSERT_GE(f, 0);
    ASSERT_GE(H5Lcreate_hard(f, "/node/nodes/sub", f, "/node/nodes/sub/nodes/loop", H5P_DEFAULT,
                             H5P_DEFAULT),
              0);
    H5Fclose(f);
  }
  EXPECT_TRUE(test::contains(test::input_error_of([&] { read_graph(path); }),
                             "subgraphs nested more than 64 deep"));
}

TEST(NirCorrupt, TruncatedAndOverwrittenFilesGiveOneLineOfError) {
  const auto dir = test::fresh_dir("nir-corrupt");
  const std::string good = (dir / "good.nir").string();
  write_graph(small_graph(), good);
  const std::string input = test::write_text(dir / "x.csv", "1,1,1\n0,1,0\n1,0,1\n");
  const auto run = [&](const std::string& file) {
    return test::run_cli("nir run " + test::quote(file) + " --input " + test::quote(input) +
                         " --out " + test::quote((dir / "out").string()));
  };
  const auto ok = run(good);
  ASSERT_EQ(ok.status, 0) << ok.err;
  std::ifstream in(good, std::ios::binary);
  const std::vector<char> bytes((std::istreambuf_iterator<char>(in)),
                                std::istreambuf_iterator<char>());
  ASSERT_GT(bytes.size(), 1000u);
  std::mt19937_64 rng(20261202);
  std::size_t ran = 0, refused = 0, crashed_hdf5 = 0;
  for (int k = 0; k < 120; ++k) {
    std::vector<char> b = bytes;
    if (k < 40) {  // truncated
      b.resize(bytes.size() * static_cast<std::size_t>(k) / 40);
    } else {  // 1 to 16 bytes overwritten
      const int n = 1 + static_cast<int>(rng() % 16);
      for (int i = 0; i < n; ++i) b[rng() % b.size()] = static_cast<char>(rng() & 0xff);
    }
    const std::string path = (dir / fmt::format("corrupt{}.nir", k)).string();
    std::ofstream(path, std::ios::binary).write(b.data(), static_cast<std::streamsize>(b.size()));
    const auto r = run(path);
    ASSERT_TRUE(r.status == 0 || r.status == 2) << path << ": exit " << r.status << ": " << r.err;
    if (r.status == 2) {
      ++refused;
      crashed_hdf5 += r.err.find("HDF5 library crashed") != std::string::npos;
      EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << path << ": " << r.err;
      EXPECT_NE(r.err.find(path), std::string::npos) << r.err;  // names the file
    } else {
      ++ran;
    }
  }
  std::printf("120 corrupt files: %zu refused with one line (%zu where HDF5 crashed), %zu ran\n",
              refused, crashed_hdf5, ran);
  EXPECT_GE(refused, 40u);  // every truncation at least
}

}  // namespace IONSIM_TEST_FILE
}  // namespace ionsim::nir
