// `ionsim plot raster DIR`: a short network run, then its raster and rate PNG (drawn by
// Debian's matplotlib, a declared dependency); a missing or invalid file is one clear error.
// `ionsim plot weights DIR`: the recorded weights of a plastic projection.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>

#include "test_support.hpp"

namespace IONSIM_TEST_FILE {

namespace fs = std::filesystem;
using ionsim::test::contains;

const char* config = R"([run]
dt = "0.1ms"
duration = "200ms"
seed = 5
[[population]]
name = "exc"
model = "lif_cuba"
size = 300
init = { v = { uniform = ["-60mV", "-50mV"] } }
[[population]]
name = "inh"
model = "lif_cuba"
size = 100
[[projection]]
source = "exc"
target = "inh"
rule = "fixed_indegree"
indegree = 30
receptor = "exc"
weight = "1mV"
[[stimulus]]
type = "poisson"
target = "exc"
receptor = "exc"
rate = "10Hz"
sources = 50
weight = "1mV"
[[recorder]]
type = "spikes"
)";

using ionsim::test::quote;

ionsim::test::cli_result ionsim(const std::string& args) { return ionsim::test::run_cli(args); }

// Width and height from a PNG's signature and IHDR chunk; {0, 0} when it is not a PNG.
std::pair<std::uint32_t, std::uint32_t> png_size(const fs::path& p) {
  const std::string b = ionsim::test::read_text(p);
  if (b.size() < 24 || b.compare(0, 8, "\x89PNG\r\n\x1a\n") != 0 || b.compare(12, 4, "IHDR") != 0)
    return {0, 0};
  auto be32 = [&](std::size_t i) {
    std::uint32_t v = 0;
    for (std::size_t k = 0; k < 4; ++k) v = v << 8 | static_cast<unsigned char>(b[i + k]);
    return v;
  };
  return {be32(16), be32(20)};
}

// The number of pixels that are not white, read back with matplotlib (the dependency that drew
// them); -1 when it cannot be read.
double non_white(const fs::path& png) {
  const fs::path txt = png.string() + ".count";
  const std::string cmd =
      "/usr/bin/python3 -c 'import sys, matplotlib.image as m; x = m.imread(sys.argv[1]); "
      "print(int((x[..., :3].sum(-1) < 2.9).sum()))' " +
      quote(png.string()) + " >" + quote(txt.string());
  if (std::system(cmd.c_str()) != 0) return -1;
  return std::atof(ionsim::test::read_text(txt).c_str());
}

TEST(PlotRaster, DrawsTheRasterAndRatesOfARun) {
  const auto dir = ionsim::test::fresh_dir("plot-raster");
  const auto cfg = ionsim::test::write_text(dir / "net.toml", config);
  const auto out = dir / "run";
  const auto r = ionsim("run " + quote(cfg) + " --no-progress --out " + quote(out.string()));
  ASSERT_EQ(r.status, 0) << r.err;

  const auto png = dir / "window.png";
  const auto p = ionsim("plot raster " + quote(out.string()) + " --out " + quote(png.string()) +
                        " --t0 0.05 --t1 0.15 --max-neurons 40");
  ASSERT_EQ(p.status, 0) << p.err;
  EXPECT_TRUE(contains(p.out, png.string()));
  // A 9 x 6 inch figure at 100 dpi.
  EXPECT_EQ(png_size(png), (std::pair<std::uint32_t, std::uint32_t>{900, 600}));
  // The spikes are drawn: the image has far more ink than that of a window without spikes
  // (axes, labels and legends only). The window [0.2 s, 0.3 s) lies after the run.
  const auto empty = dir / "empty.png";
  ASSERT_EQ(ionsim("plot raster " + quote(out.string()) + " --out " + quote(empty.string()) +
                   " --t0 0.2 --t1 0.3 --max-neurons 40")
                .status,
            0);
  const double ink = non_white(png), blank = non_white(empty);
  EXPECT_GT(blank, 1000);  // the axes are there
  EXPECT_GT(ink, blank + 2000) << ink << " vs " << blank;

  // Default output name and window.
  const auto d = ionsim("plot raster " + quote(out.string()));
  ASSERT_EQ(d.status, 0) << d.err;
  EXPECT_EQ(png_size(out / "raster.png").first, 900u);
}

TEST(PlotRaster, MissingOrInvalidFileIsOneClearError) {
  const auto dir = ionsim::test::fresh_dir("plot-raster-bad");
  const auto missing = ionsim("plot raster " + quote((dir / "nothing").string()));
  EXPECT_EQ(missing.status, 2);
  EXPECT_TRUE(contains(missing.err, "spikes.h5 does not exist"));
  EXPECT_EQ(std::count(missing.err.begin(), missing.err.end(), '\n'), 1) << missing.err;

  fs::create_directories(dir / "bad");
  ionsim::test::write_text(dir / "bad" / "spikes.h5", "not an HDF5 file\n");
  const auto bad = ionsim("plot raster " + quote((dir / "bad").string()));
  EXPECT_EQ(bad.status, 2);
  EXPECT_TRUE(contains(bad.err, "is not a spike file of `ionsim run`"));
  EXPECT_EQ(std::count(bad.err.begin(), bad.err.end(), '\n'), 1) << bad.err;
  EXPECT_FALSE(fs::exists(dir / "bad" / "raster.png"));
}

TEST(PlotRaster, EmptyWindowIsAnError) {
  const auto dir = ionsim::test::fresh_dir("plot-raster-window");
  const auto cfg = ionsim::test::write_text(dir / "net.toml", config);
  const auto out = dir / "run";
  ASSERT_EQ(ionsim("run " + quote(cfg) + " --no-progress --out " + quote(out.string())).status, 0);
  const auto w = ionsim("plot raster " + quote(out.string()) + " --t0 0.15 --t1 0.1");
  EXPECT_EQ(w.status, 2);
  EXPECT_TRUE(contains(w.err, "do not form a window"));
}

TEST(PlotWeights, DrawsTheRecordedWeightsAndNamesWhatIsMissing) {
  const auto dir = ionsim::test::fresh_dir("plot-weights");
  std::string text = config;
  text.replace(text.find("weight = \"1mV\"\n[[stimulus]]"), 15,
               "weight = \"1mV\"\nname = \"e_i\"\nplasticity = { rule = \"stdp\", tau_plus "
               "= \"20ms\", tau_minus = \"20ms\", a_plus = 1e-5, a_minus = 1e-5, w_max = 0.002 "
               "}\n");
  const auto cfg = ionsim::test::write_text(dir / "net.toml", text);
  const auto out = dir / "run";
  ASSERT_EQ(ionsim("run " + quote(cfg) + " --no-progress --out " + quote(out.string())).status, 0);
  // No weights recorder: one line saying what to add, no PNG.
  const auto none = ionsim("plot weights " + quote(out.string()));
  EXPECT_EQ(none.status, 2);
  EXPECT_TRUE(contains(none.err, "no weights were recorded"));
  EXPECT_FALSE(fs::exists(out / "weights.png"));

  text += "[[recorder]]\ntype = \"weights\"\nprojection = \"e_i\"\ninterval = \"20ms\"\n";
  ionsim::test::write_text(dir / "net.toml", text);
  ASSERT_EQ(ionsim("run " + quote(cfg) + " --no-progress --out " + quote(out.string())).status, 0);
  const auto w = ionsim("plot weights " + quote(out.string()));
  ASSERT_EQ(w.status, 0) << w.err;
  EXPECT_EQ(png_size(out / "weights.png"), (std::pair<std::uint32_t, std::uint32_t>{1430, 374}));
  const auto bad = ionsim("plot weights " + quote(out.string()) + " --projection x");
  EXPECT_EQ(bad.status, 2);
  EXPECT_TRUE(contains(bad.err, "--projection x: its weights were not recorded"));
  EXPECT_TRUE(contains(bad.err, "(recorded: e_i)"));
}

}  // namespace IONSIM_TEST_FILE
