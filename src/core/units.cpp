#include "core/units.hpp"

#include <fmt/format.h>

#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <initializer_list>
#include <utility>

#include "core/error.hpp"

namespace ionsim {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool unit_matches(std::string_view rest, std::string_view unit) {
  const std::string r = lower(rest);
  const std::string u = lower(unit);
  if (r == u) return true;
  if (u == "ohm") return r == "\xce\xa9" || r == "r";  // Ω, R
  return false;
}

}  // namespace

namespace {

// A positive number with a unit of `units` (or none, the first entry's factor), scaled to the
// base unit: "8GB", "10min". `noun` says what it is in messages ("a size in bytes").
double parse_scaled(std::string_view text, std::string_view what, std::string_view noun,
                    std::string_view positive,
                    std::initializer_list<std::pair<const char*, double>> units,
                    std::string_view listed) {
  std::size_t end = 0;
  double value = 0;
  const std::string t(text);
  try {
    value = std::stod(t, &end);
  } catch (...) {
    throw input_error(fmt::format("{}: cannot read '{}' as {}", what, text, noun));
  }
  std::string unit = t.substr(end);
  while (!unit.empty() && unit.front() == ' ') unit.erase(0, 1);
  for (const auto& [name, factor] : units)
    if (unit == name) {
      if (!(value > 0) || !std::isfinite(value))
        throw input_error(fmt::format("{}: {} must be a positive {}", what, text, positive));
      return value * factor;
    }
  throw input_error(fmt::format("{}: unknown unit '{}' in '{}' ({})", what, unit, text, listed));
}

}  // namespace

double parse_wall_time(std::string_view text, std::string_view what) {
  return parse_scaled(text, what, "a wall-clock time", "time",
                      {{"", 1}, {"s", 1}, {"min", 60}, {"h", 3600}}, "s, min, h");
}

double parse_bytes(std::string_view text, std::string_view what) {
  return parse_scaled(text, what, "a size in bytes", "size",
                      {{"", 1},
                       {"B", 1},
                       {"kB", 1e3},
                       {"KB", 1e3},
                       {"MB", 1e6},
                       {"GB", 1e9},
                       {"TB", 1e12},
                       {"KiB", 1024.0},
                       {"MiB", 1048576.0},
                       {"GiB", 1073741824.0},
                       {"TiB", 1099511627776.0}},
                      "B, kB, MB, GB, TB, KiB, MiB, GiB, TiB");
}

double parse_quantity(std::string_view text, std::string_view unit, std::string_view what) {
  auto fail = [&](std::string_view why) -> double {
    throw input_error(fmt::format("{}: cannot read '{}' as a quantity{}: {}", what, text,
                                  unit.empty() ? "" : fmt::format(" in {}", unit), why));
  };
  std::string_view s = text;
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  if (s.empty()) return fail("the value is empty");
  std::string_view num = s;
  if (num.front() == '+') {
    num.remove_prefix(1);
    if (num.empty() || num.front() == '-' || num.front() == '+')
      return fail("it does not start with a number");
  }
  double value = 0;
  const auto res = std::from_chars(num.data(), num.data() + num.size(), value);
  if (res.ec != std::errc()) return fail("it does not start with a number");
  std::string_view rest(res.ptr, static_cast<std::size_t>(num.data() + num.size() - res.ptr));
  if (!std::isfinite(value)) return fail("the number is not finite");
  if (rest.empty()) return value;

  if (rest.front() == 'M' && !(rest.size() >= 3 && lower(rest.substr(0, 3)) == "meg")) {
    // "MOhm" or "M" alone: refuse to guess.
    return fail("'M' is ambiguous; write 'meg' for 1e6 or 'm' for 1e-3");
  }
  // The scale is a power of ten, applied to the number's text so that "5us" is the double
  // nearest to 5e-6, as "5e-6" would be (5 * 1e-6 is one unit in the last place off).
  static const std::array<std::pair<std::string_view, int>, 10> suffixes = {{
      {"meg", 6},
      {"\xc2\xb5", -6},  // µ
      {"f", -15},
      {"p", -12},
      {"n", -9},
      {"u", -6},
      {"m", -3},
      {"k", 3},
      {"g", 9},
      {"t", 12},
  }};
  const auto scaled = [&](int exponent) {
    const std::string_view digits(num.data(), static_cast<std::size_t>(res.ptr - num.data()));
    double v = value * std::pow(10.0, exponent);
    if (digits.find_first_of("eE") == std::string_view::npos) {
      const std::string exact = fmt::format("{}e{}", digits, exponent);
      std::from_chars(exact.data(), exact.data() + exact.size(), v);
    }
    return v;
  };
  // Text that is exactly the unit is the unit ("1F" is one farad; write "1fF" for 1e-15 F).
  // Otherwise a scale suffix comes first and what follows it must be empty or the unit.
  if (unit_matches(rest, unit)) return value;
  const std::string lr = lower(rest);
  for (const auto& [suf, exponent] : suffixes) {
    if (lr.compare(0, suf.size(), suf) == 0) {
      const std::string_view after = rest.substr(suf.size());
      if (after.empty() || unit_matches(after, unit)) return scaled(exponent);
      return fail(fmt::format("unexpected unit '{}' after the '{}' prefix (expected {})", after,
                              rest.substr(0, suf.size()), unit.empty() ? "nothing" : unit));
    }
  }
  if (unit.empty()) return fail(fmt::format("unexpected trailing '{}'", rest));
  return fail(
      fmt::format("unexpected unit or suffix '{}' (expected {} with an optional "
                  "f p n u m k meg g t prefix)",
                  rest, unit));
}

std::string format_quantity(double value, std::string_view unit) {
  if (value == 0 || !std::isfinite(value)) return fmt::format("{}{}", value, unit);
  static const std::array<std::pair<std::string_view, double>, 9> table = {{{"T", 1e12},
                                                                            {"G", 1e9},
                                                                            {"meg", 1e6},
                                                                            {"k", 1e3},
                                                                            {"", 1.0},
                                                                            {"m", 1e-3},
                                                                            {"u", 1e-6},
                                                                            {"n", 1e-9},
                                                                            {"p", 1e-12}}};
  const double a = std::fabs(value);
  for (const auto& [suf, sc] : table) {
    if (a >= sc * 0.9999999) return fmt::format("{:g}{}{}", value / sc, suf, unit);
  }
  return fmt::format("{:g}{}", value, unit);
}

}  // namespace ionsim
