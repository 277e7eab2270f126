// The strict CSV reader (src/io/csv.hpp) and the measured-data readers built on it
// (read_sweep_csv, read_pulse_csv in src/device/experiment.hpp): every problem is an
// input_error naming the file and, where there is one, the line.
#include <gtest/gtest.h>

#include <string>

#include "device/experiment.hpp"
#include "io/csv.hpp"
#include "test_support.hpp"

namespace ionsim {
namespace IONSIM_TEST_FILE {

using test::contains;
using test::input_error_of;

class Csv : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = test::fresh_dir("csv"); }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string file(const std::string& name, const std::string& text) {
    return test::write_text(dir_ / name, text);
  }
  std::filesystem::path dir_;
};

// A pulse trial of n samples at 5 us, a pulse between samples 3 and 6.
std::string pulse_rows(int trial, int n) {
  std::string s;
  for (int k = 0; k < n; ++k)
    s += std::to_string(trial) + "," + std::to_string((k + 1) * 5e-6) + "," +
         (k >= 3 && k < 6 ? "1.0" : "0.1") + ",1e-9\n";
  return s;
}

TEST_F(Csv, ReadsColumnsRowsAndLines) {
  const auto path = file("ok.csv", "\n  \na, b ,c\r\n1,2,3\r\n\n-4.5, +5e-3 ,6e2\n");
  const csv_table t = read_csv(path, {"a", "c"});
  EXPECT_EQ(t.path, path);
  ASSERT_EQ(t.header.size(), 3u);
  EXPECT_EQ(t.header[1], "b");
  ASSERT_EQ(t.rows(), 2u);
  EXPECT_EQ(t.line[0], 4u);  // after two blank lines and the header
  EXPECT_EQ(t.line[1], 6u);  // the blank line 5 is skipped but counted
  EXPECT_EQ(t.column("a")[1], -4.5);
  EXPECT_EQ(t.column("b")[1], 5e-3);
  EXPECT_EQ(t.column("c")[0], 3.0);
  EXPECT_EQ(t.column("c")[1], 600.0);
  const std::string msg = input_error_of([&] { (void)t.column("d"); });
  EXPECT_TRUE(contains(msg, path));
  EXPECT_TRUE(contains(msg, "'d'"));
}

TEST_F(Csv, MissingFile) {
  const std::string path = (dir_ / "nope.csv").string();
  const std::string msg = input_error_of([&] { read_csv(path, {}); });
  EXPECT_TRUE(contains(msg, path));
  EXPECT_TRUE(contains(msg, "cannot open"));
}

TEST_F(Csv, MissingColumnNamesFileLineAndColumn) {
  const auto path = file("missing.csv", "\ncycle,point,voltage_V\n0,0,0.1\n");
  const std::string msg = input_error_of([&] { read_csv(path, {"cycle", "current_A"}); });
  EXPECT_TRUE(contains(msg, path + ":2:"));
  EXPECT_TRUE(contains(msg, "'current_A'"));
  EXPECT_TRUE(contains(msg, "voltage_V"));  // lists what the header has
}

TEST_F(Csv, NonNumericCell) {
  const auto path = file("text.csv", "a,b\n1,2\n3,x4\n");
  const std::string msg = input_error_of([&] { read_csv(path, {"a", "b"}); });
  EXPECT_TRUE(contains(msg, path + ":3:"));
  EXPECT_TRUE(contains(msg, "'b'"));
  EXPECT_TRUE(contains(msg, "x4"));
}

TEST_F(Csv, TrailingGarbageAndEmptyCells) {
  {
    const auto path = file("trail.csv", "a,b\n1,2\n3,4.5V\n");
    const std::string msg = input_error_of([&] { read_csv(path, {}); });
    EXPECT_TRUE(contains(msg, path + ":3:"));
    EXPECT_TRUE(contains(msg, "4.5V"));
  }
  {
    const auto path = file("empty_cell.csv", "a,b\n1,2\n3,\n");
    const std::string msg = input_error_of([&] { read_csv(path, {}); });
    EXPECT_TRUE(contains(msg, path + ":3:"));
    EXPECT_TRUE(contains(msg, "'b'"));
  }
}

TEST_F(Csv, NanAndInfinityCells) {
  for (const char* bad : {"nan", "NaN", "inf", "-inf", "1e400"}) {
    const auto path = file("nan.csv", std::string("a,b\n1,2\n3,4\n5,") + bad + "\n");
    const std::string msg = input_error_of([&] { read_csv(path, {"a", "b"}); });
    EXPECT_TRUE(contains(msg, path + ":4:")) << bad;
    EXPECT_TRUE(contains(msg, "'b'")) << bad;
  }
}

TEST_F(Csv, EmptyFile) {
  for (const char* text : {"", "\n\n  \n"}) {
    const auto path = file("empty.csv", text);
    const std::string msg = input_error_of([&] { read_csv(path, {}); });
    EXPECT_TRUE(contains(msg, path));
    EXPECT_TRUE(contains(msg, "empty"));
  }
}

TEST_F(Csv, HeaderOnly) {
  const auto path = file("header.csv", "a,b\n\n");
  const std::string msg = input_error_of([&] { read_csv(path, {"a"}); });
  EXPECT_TRUE(contains(msg, path));
  EXPECT_TRUE(contains(msg, "no data"));
}

TEST_F(Csv, RowsOfADifferentCellCount) {
  {
    const auto path = file("short.csv", "a,b,c\n1,2,3\n4,5\n");
    const std::string msg = input_error_of([&] { read_csv(path, {}); });
    EXPECT_TRUE(contains(msg, path + ":3:"));
    EXPECT_TRUE(contains(msg, "2 cells"));
  }
  {
    const auto path = file("long.csv", "a,b,c\n1,2,3\n4,5,6\n7,8,9,10\n");
    const std::string msg = input_error_of([&] { read_csv(path, {}); });
    EXPECT_TRUE(contains(msg, path + ":4:"));
    EXPECT_TRUE(contains(msg, "4 cells"));
  }
}

TEST_F(Csv, SweepFileGroupsCycles) {
  const auto path = file("sweep.csv",
                         "cycle,point,voltage_V,current_A\n"
                         "0,0,-0.1,1e-12\n0,1,-0.2,2e-12\n0,2,-0.1,1e-12\n"
                         "1,0,-0.1,3e-12\n1,1,-0.2,4e-12\n1,2,-0.1,5e-12\n");
  const sweep_data d = read_sweep_csv(path);
  ASSERT_EQ(d.v.size(), 2u);
  ASSERT_EQ(d.i.size(), 2u);
  EXPECT_EQ(d.v[1], (std::vector<double>{-0.1, -0.2, -0.1}));
  EXPECT_EQ(d.i[1], (std::vector<double>{3e-12, 4e-12, 5e-12}));
}

TEST_F(Csv, SweepCycleOfADifferentLength) {
  const std::string head = "cycle,point,voltage_V,current_A\n";
  const std::string c0 = "0,0,-0.1,1e-12\n0,1,-0.2,2e-12\n0,2,-0.1,1e-12\n";  // lines 2-4
  {
    // cycle 1 (lines 5-6) is one point short; cycle 2 starts at line 7
    const auto path = file("short_cycle.csv",
                           head + c0 + "1,0,-0.1,1e-12\n1,1,-0.2,2e-12\n" + "2,0,-0.1,1e-12\n");
    const std::string msg = input_error_of([&] { read_sweep_csv(path); });
    EXPECT_TRUE(contains(msg, "cycle 1"));
    EXPECT_TRUE(contains(msg, path + ":6:") || contains(msg, path + ":7:")) << msg;
  }
  {
    // the last cycle is one point long
    const auto path =
        file("long_cycle.csv",
             head + c0 + "1,0,-0.1,1e-12\n1,1,-0.2,2e-12\n1,2,-0.1,1e-12\n" + "1,3,-0.0,1e-12\n");
    const std::string msg = input_error_of([&] { read_sweep_csv(path); });
    EXPECT_TRUE(contains(msg, "cycle 1"));
    EXPECT_TRUE(contains(msg, path + ":8:")) << msg;
  }
}

TEST_F(Csv, SweepPointsAndCyclesMustBeOrdered) {
  const std::string head = "cycle,point,voltage_V,current_A\n";
  {
    const auto path = file("gap.csv", head + "0,0,-0.1,0\n0,2,-0.2,0\n0,3,-0.1,0\n");
    const std::string msg = input_error_of([&] { read_sweep_csv(path); });
    EXPECT_TRUE(contains(msg, path + ":3:"));
  }
  {
    const auto path = file("back.csv", head + "1,0,-0.1,0\n1,1,-0.2,0\n1,2,-0.1,0\n" +
                                           "0,0,-0.1,0\n0,1,-0.2,0\n0,2,-0.1,0\n");
    const std::string msg = input_error_of([&] { read_sweep_csv(path); });
    EXPECT_TRUE(contains(msg, path + ":5:"));
  }
  {
    const auto path = file("frac.csv", head + "0,0,-0.1,0\n0,1.5,-0.2,0\n0,2,-0.1,0\n");
    const std::string msg = input_error_of([&] { read_sweep_csv(path); });
    EXPECT_TRUE(contains(msg, path + ":3:"));
  }
}

TEST_F(Csv, SweepFileWithoutTheCurrentColumn) {
  const auto path = file("nocur.csv", "cycle,point,voltage_V\n0,0,-0.1\n0,1,-0.2\n0,2,-0.1\n");
  const std::string msg = input_error_of([&] { read_sweep_csv(path); });
  EXPECT_TRUE(contains(msg, path + ":1:"));
  EXPECT_TRUE(contains(msg, "current_A"));
}

TEST_F(Csv, PulseFileGroupsTrials) {
  const auto path = file(
      "pulse.csv", "trial,time_s,voltage_V,current_A\n" + pulse_rows(0, 12) + pulse_rows(1, 10));
  const pulse_data d = read_pulse_csv(path);
  ASSERT_EQ(d.t.size(), 2u);
  EXPECT_EQ(d.t[0].size(), 12u);
  EXPECT_EQ(d.t[1].size(), 10u);
  EXPECT_EQ(d.v[1][4], 1.0);
  EXPECT_DOUBLE_EQ(d.t[1][9], 50e-6);
}

TEST_F(Csv, PulseTimeMustIncreaseWithinATrial) {
  // line 1 header, trial 0 on lines 2-13, then a repeated time on line 14
  std::string text = "trial,time_s,voltage_V,current_A\n" + pulse_rows(0, 12);
  text += "0,6e-05,0.1,1e-9\n";  // same time as the row before
  text += pulse_rows(1, 10);
  const auto path = file("time.csv", text);
  const std::string msg = input_error_of([&] { read_pulse_csv(path); });
  EXPECT_TRUE(contains(msg, path + ":14:"));
  EXPECT_TRUE(contains(msg, "trial 0"));

  const auto back = file("time_back.csv", "trial,time_s,voltage_V,current_A\n" + pulse_rows(0, 4) +
                                              "0,1e-06,0.1,1e-9\n" + pulse_rows(0, 10));
  const std::string msg2 = input_error_of([&] { read_pulse_csv(back); });
  EXPECT_TRUE(contains(msg2, back + ":6:"));
}

TEST_F(Csv, PulseTrialsMustBeGroupedAndLongEnough) {
  {
    const auto path = file(
        "order.csv", "trial,time_s,voltage_V,current_A\n" + pulse_rows(1, 10) + pulse_rows(0, 10));
    const std::string msg = input_error_of([&] { read_pulse_csv(path); });
    EXPECT_TRUE(contains(msg, path + ":12:"));
  }
  {
    const auto path = file(
        "few.csv", "trial,time_s,voltage_V,current_A\n" + pulse_rows(0, 10) + pulse_rows(1, 4));
    const std::string msg = input_error_of([&] { read_pulse_csv(path); });
    EXPECT_TRUE(contains(msg, path));
    EXPECT_TRUE(contains(msg, "trial 1"));
  }
}

TEST(CsvMeasured, SweepFileIs199CyclesOf201Points) {
  const std::string path = test::device_data("ag_dc_sweep_symmetric.csv");
  IONSIM_REQUIRE_DATA(path);
  const sweep_data d = read_sweep_csv(path);
  ASSERT_EQ(d.v.size(), 199u);
  ASSERT_EQ(d.i.size(), 199u);
  for (std::size_t c = 0; c < d.v.size(); ++c) {
    ASSERT_EQ(d.v[c].size(), 201u) << c;
    ASSERT_EQ(d.i[c].size(), 201u) << c;
  }
  // 0 -> -0.6 V -> 0 in steps of 6 mV
  EXPECT_NEAR(d.v[0][0], -0.006, 1e-12);
  EXPECT_NEAR(d.v[0][99], -0.6, 1e-12);
  EXPECT_NEAR(d.v[198][200], 0.0, 1e-12);
}

TEST(CsvMeasured, PulseFileIsSevenTrials) {
  const std::string path = test::device_data("ag_pulse_1V_20ms.csv");
  IONSIM_REQUIRE_DATA(path);
  const pulse_data d = read_pulse_csv(path);
  ASSERT_EQ(d.t.size(), 7u);
  for (std::size_t k = 0; k < d.t.size(); ++k) {
    ASSERT_EQ(d.v[k].size(), d.t[k].size());
    ASSERT_EQ(d.i[k].size(), d.t[k].size());
    // about 51 ms at 5 us
    EXPECT_NEAR(d.t[k].back() - d.t[k].front(), 51e-3, 2e-3) << k;
  }
}

}  // namespace IONSIM_TEST_FILE
}  // namespace ionsim
