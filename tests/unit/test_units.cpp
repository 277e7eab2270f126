// parse_quantity / format_quantity (src/core/units.hpp): engineering notation as people write
// it on the command line and in parameter files.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "core/error.hpp"
#include "core/units.hpp"
#include "test_support.hpp"

namespace ionsim {
namespace IONSIM_TEST_FILE {

using test::contains;

// The message of the input_error thrown by parse_quantity, or "" when none is thrown.
std::string error_of(const std::string& text, const std::string& unit, const std::string& what) {
  return test::input_error_of([&] { parse_quantity(text, unit, what); });
}

TEST(ParseQuantity, ScaleSuffixAndUnit) {
  EXPECT_DOUBLE_EQ(parse_quantity("20ms", "s", "--dwell"), 0.02);
  EXPECT_DOUBLE_EQ(parse_quantity("22k", "Ohm", "--series"), 22000.0);
  EXPECT_DOUBLE_EQ(parse_quantity("1uA", "A", "--compliance"), 1e-6);
  EXPECT_DOUBLE_EQ(parse_quantity("0.5V", "V", "--vmax"), 0.5);
  EXPECT_DOUBLE_EQ(parse_quantity("1meg", "Ohm", "r_off"), 1e6);
  EXPECT_DOUBLE_EQ(parse_quantity("-0.6V", "V", "--vmax"), -0.6);
  EXPECT_DOUBLE_EQ(parse_quantity("10pF", "F", "c_m"), 10e-12);
  EXPECT_DOUBLE_EQ(parse_quantity("5\xc2\xb5s", "s", "--sample"), 5e-6);  // 5µs
}

TEST(ParseQuantity, EverySuffix) {
  EXPECT_DOUBLE_EQ(parse_quantity("3f", "", "x"), 3e-15);
  EXPECT_DOUBLE_EQ(parse_quantity("3p", "", "x"), 3e-12);
  EXPECT_DOUBLE_EQ(parse_quantity("3n", "", "x"), 3e-9);
  EXPECT_DOUBLE_EQ(parse_quantity("3u", "", "x"), 3e-6);
  EXPECT_DOUBLE_EQ(parse_quantity("3m", "", "x"), 3e-3);
  EXPECT_DOUBLE_EQ(parse_quantity("3k", "", "x"), 3e3);
  EXPECT_DOUBLE_EQ(parse_quantity("3meg", "", "x"), 3e6);
  EXPECT_DOUBLE_EQ(parse_quantity("3Meg", "", "x"), 3e6);
  EXPECT_DOUBLE_EQ(parse_quantity("3MEG", "", "x"), 3e6);
  EXPECT_DOUBLE_EQ(parse_quantity("3g", "", "x"), 3e9);
  EXPECT_DOUBLE_EQ(parse_quantity("3t", "", "x"), 3e12);
  EXPECT_DOUBLE_EQ(parse_quantity("3K", "", "x"), 3e3);
}

// A scaled value is the double nearest to the decimal it names, as the same text with an
// exponent gives (5 * 1e-6 and 0.1 * 1e-3 are each one unit in the last place off).
TEST(ParseQuantity, ScaledValueIsTheNearestDouble) {
  EXPECT_EQ(parse_quantity("5us", "s", "x"), 5e-6);
  EXPECT_EQ(parse_quantity("0.1ms", "s", "x"), 1e-4);
  EXPECT_EQ(parse_quantity("-2.2kOhm", "Ohm", "x"), -2.2e3);
  EXPECT_EQ(parse_quantity("50ms", "s", "x"), 50e-3);
  EXPECT_EQ(parse_quantity("1.5e3m", "", "x"), 1.5);  // an exponent of its own: multiplied
}

TEST(ParseQuantity, PlainNumbersSignsExponentsAndWhitespace) {
  EXPECT_DOUBLE_EQ(parse_quantity("1e-3", "s", "x"), 1e-3);
  EXPECT_DOUBLE_EQ(parse_quantity("2.5e3V", "V", "x"), 2500.0);
  EXPECT_DOUBLE_EQ(parse_quantity("+4mV", "V", "x"), 4e-3);
  EXPECT_DOUBLE_EQ(parse_quantity("  7us ", "s", "x"), 7e-6);
  EXPECT_DOUBLE_EQ(parse_quantity("0", "V", "x"), 0.0);
  EXPECT_DOUBLE_EQ(parse_quantity("12", "Ohm", "x"), 12.0);
}

TEST(ParseQuantity, UnitIsCaseInsensitiveAndOhmHasAliases) {
  EXPECT_DOUBLE_EQ(parse_quantity("3v", "V", "x"), 3.0);
  EXPECT_DOUBLE_EQ(parse_quantity("22kohm", "Ohm", "x"), 22e3);
  EXPECT_DOUBLE_EQ(parse_quantity("22kOhm", "Ohm", "x"), 22e3);
  EXPECT_DOUBLE_EQ(parse_quantity("22k\xce\xa9", "Ohm", "x"), 22e3);  // 22kΩ
  EXPECT_DOUBLE_EQ(parse_quantity("47R", "Ohm", "x"), 47.0);
  EXPECT_DOUBLE_EQ(parse_quantity("5k", "V", "x"), 5000.0);
}

TEST(ParseQuantity, RejectsGarbage) {
  EXPECT_TRUE(contains(error_of("abc", "V", "--vmax"), "abc"));
  EXPECT_TRUE(contains(error_of("", "V", "--vmax"), "empty"));
  EXPECT_TRUE(contains(error_of("   ", "V", "--vmax"), "empty"));
  EXPECT_TRUE(contains(error_of("5X", "V", "--vmax"), "'X'"));
  EXPECT_TRUE(contains(error_of("5mX", "V", "--vmax"), "'X'"));
  EXPECT_TRUE(contains(error_of("10xs", "s", "--dwell"), "10xs"));
  EXPECT_TRUE(contains(error_of("5 V", "V", "--vmax"), "5 V"));
  EXPECT_TRUE(contains(error_of("5A", "V", "--vmax"), "expected V"));
}

TEST(ParseQuantity, RejectsAmbiguousM) {
  EXPECT_TRUE(contains(error_of("1M", "Ohm", "r_on"), "ambiguous"));
  EXPECT_TRUE(contains(error_of("1MOhm", "Ohm", "r_on"), "ambiguous"));
  EXPECT_TRUE(contains(error_of("1M\xce\xa9", "Ohm", "r_on"), "ambiguous"));
  EXPECT_TRUE(contains(error_of("2M", "", "x"), "meg"));
}

TEST(ParseQuantity, RejectsNonFinite) {
  EXPECT_TRUE(contains(error_of("nan", "V", "--vmax"), "finite"));
  EXPECT_TRUE(contains(error_of("NaN", "V", "--vmax"), "finite"));
  EXPECT_TRUE(contains(error_of("inf", "s", "--dwell"), "finite"));
  EXPECT_TRUE(contains(error_of("-infV", "V", "--vmax"), "finite"));
  EXPECT_FALSE(error_of("1e999", "V", "--vmax").empty());
}

TEST(ParseQuantity, ErrorNamesTheOptionAndTheText) {
  for (const char* bad : {"abc", "", "1M", "5X", "nan"}) {
    const std::string msg = error_of(bad, "V", "--amplitude");
    EXPECT_EQ(msg.rfind("--amplitude: ", 0), 0u) << msg;
    EXPECT_TRUE(contains(msg, std::string("'") + bad + "'")) << bad;
  }
  const std::string msg = error_of("3q", "Ohm", "preset 'x':12: r_on");
  EXPECT_TRUE(contains(msg, "preset 'x':12: r_on"));
  EXPECT_TRUE(contains(msg, "Ohm"));
}

TEST(ParseQuantity, ErrorIsAnIonsimError) {
  EXPECT_THROW(parse_quantity("abc", "V", "x"), input_error);
  EXPECT_THROW(parse_quantity("abc", "V", "x"), error);
}

TEST(FormatQuantity, EngineeringSuffixes) {
  EXPECT_EQ(format_quantity(2.2e4, ""), "22k");
  EXPECT_EQ(format_quantity(22e3, "Ohm"), "22kOhm");
  EXPECT_EQ(format_quantity(0.02, "s"), "20ms");
  EXPECT_EQ(format_quantity(1e-6, "A"), "1uA");
  EXPECT_EQ(format_quantity(1e6, "Ohm"), "1megOhm");
  EXPECT_EQ(format_quantity(-0.6, "V"), "-600mV");
  EXPECT_EQ(format_quantity(0.5, "V"), "500mV");
  EXPECT_EQ(format_quantity(1.0, "V"), "1V");
  EXPECT_EQ(format_quantity(0.0, "V"), "0V");
  EXPECT_EQ(format_quantity(10e-12, "F"), "10pF");
}

TEST(FormatQuantity, RoundTripsThroughParse) {
  const char* units[] = {"", "V", "s", "A", "Ohm", "F"};
  const double values[] = {22e3,   1e-6,  0.02, -0.6,   1e6,    1e11,  170e3,   4.7e-9, 10e-12,
                           2.5e-6, 1e-15, 3e13, -1e-3,  999.5,  1.5e9, 0.1,     47.0,   123456,
                           -2e-14, 0.999, 1e-3, 7.25e4, 6.02e5, 1e12,  -3.3e-7, 5e-6,   0.25};
  for (const char* u : units) {
    for (double v : values) {
      const std::string s = format_quantity(v, u);
      double back = 0;
      ASSERT_NO_THROW(back = parse_quantity(s, u, "round trip")) << s;
      EXPECT_NEAR(back, v, 1e-12 * std::fabs(v)) << v << " " << u << " -> " << s;
    }
  }
}

TEST(ParseWallTime, ReadsSecondsMinutesAndHours) {
  EXPECT_EQ(parse_wall_time("10min", "x"), 600.0);
  EXPECT_EQ(parse_wall_time("1.5h", "x"), 5400.0);
  EXPECT_EQ(parse_wall_time("90s", "x"), 90.0);
  EXPECT_EQ(parse_wall_time("90", "x"), 90.0);
  auto err = [](const char* t) {
    try {
      parse_wall_time(t, "--checkpoint-wall");
    } catch (const input_error& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_EQ(err("10days"), "--checkpoint-wall: unknown unit 'days' in '10days' (s, min, h)");
  EXPECT_EQ(err("-1min"), "--checkpoint-wall: -1min must be a positive time");
  EXPECT_EQ(err("soon"), "--checkpoint-wall: cannot read 'soon' as a wall-clock time");
}

}  // namespace IONSIM_TEST_FILE
}  // namespace ionsim
