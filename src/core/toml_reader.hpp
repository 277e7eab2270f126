#pragma once
// Typed reading of TOML input files (network, task): every problem is one input_error naming
// the file, the line and the key.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <toml++/toml.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "core/params.hpp"
#include "core/units.hpp"

namespace ionsim {

struct toml_reader {
  std::string source;  // file name for messages

  std::string at(const toml::node& n) const { return where(source, n); }

  [[noreturn]] void fail(const toml::node& n, const std::string& msg) const {
    throw input_error(fmt::format("{}: {}", at(n), msg));
  }

  // Every key of t is one of `known` (a braced list, or any range of strings).
  template <class Names = std::initializer_list<std::string_view>>
  void keys(const toml::table& t, const Names& known, const std::string& what) const {
    for (const auto& [k, v] : t)
      if (std::find(known.begin(), known.end(), k.str()) == known.end())
        fail(v, fmt::format("unknown key '{}' in {} (known: {})", k.str(), what,
                            fmt::join(known, ", ")));
  }

  const toml::node& need(const toml::table& t, std::string_view key,
                         const std::string& what) const {
    if (const auto* n = t.get(key)) return *n;
    fail(t, fmt::format("{} needs '{}'", what, key));
  }

  const toml::table& table(const toml::node& n, std::string_view key) const {
    if (const auto* t = n.as_table()) return *t;
    fail(n, fmt::format("{} must be a table", key));
  }

  // A number in SI units, or a string with an engineering suffix and the unit ("20ms"); unit
  // "1" or "": dimensionless.
  double quantity(const toml::node& n, std::string_view key, std::string_view unit) const {
    if (n.is_integer() || n.is_floating_point()) {
      const double v = *n.value<double>();
      if (!std::isfinite(v)) fail(n, fmt::format("{} must be finite", key));
      return v;
    }
    if (auto s = n.value<std::string>())
      return parse_quantity(*s, unit == "1" ? "" : unit, fmt::format("{}: {}", at(n), key));
    fail(n, fmt::format("{} must be a number or a quantity in {} (for example \"{}\")", key,
                        unit.empty() ? "1" : unit,
                        unit == "s"   ? "20ms"
                        : unit == "V" ? "-50mV"
                                      : "1.5"));
  }

  double positive(const toml::node& n, std::string_view key, std::string_view unit,
                  bool zero_ok = false) const {
    const double v = quantity(n, key, unit);
    if (zero_ok ? v < 0 : v <= 0)
      fail(n, fmt::format("{} = {:g} {} must be {}", key, v, unit, zero_ok ? ">= 0" : "> 0"));
    return v;
  }

  std::string text(const toml::node& n, std::string_view key) const {
    if (auto s = n.value<std::string>()) return *s;
    fail(n, fmt::format("{} must be a string", key));
  }

  // A string that is one of `allowed` (a braced list, or any range of strings).
  template <class Names = std::initializer_list<std::string_view>>
  std::string choice(const toml::node& n, std::string_view key, const Names& allowed) const {
    std::string s = text(n, key);
    if (std::find(allowed.begin(), allowed.end(), s) == allowed.end())
      fail(n, fmt::format("{} = '{}' is not one of {}", key, s, fmt::join(allowed, ", ")));
    return s;
  }

  std::int64_t integer(const toml::node& n, std::string_view key, std::int64_t min) const {
    const auto v = n.value<std::int64_t>();
    if (!n.is_integer() || !v) fail(n, fmt::format("{} must be an integer", key));
    if (*v < min) fail(n, fmt::format("{} = {} must be at least {}", key, *v, min));
    return *v;
  }

  bool boolean(const toml::node& n, std::string_view key) const {
    if (auto b = n.value<bool>()) return *b;
    fail(n, fmt::format("{} must be true or false", key));
  }
};

}  // namespace ionsim
