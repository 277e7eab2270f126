#pragma once
// Parameter tables: one table per model gives each parameter its name, unit, default
// (the struct's initializer), valid range and description. The same table drives TOML
// parsing, validation, error messages, --help listings and the docs/models pages.
#include <fmt/format.h>
#include <toml++/toml.h>

#include <cmath>
#include <functional>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/units.hpp"

namespace ionsim {

enum class param_kind { real, flag };

template <class P>
struct param_field {
  std::string_view name;
  std::string_view unit;  // SI unit; "1" for dimensionless
  double P::*member;
  double min;
  double max;
  bool min_exclusive;  // true: value must be > min
  std::string_view description;
  param_kind kind = param_kind::real;
};

inline constexpr double inf = std::numeric_limits<double>::infinity();

// Where a value came from, for error messages: "file.toml:12" or "preset 'x'".
inline std::string where(const std::string& source, const toml::node& node) {
  const auto& b = node.source().begin;
  if (b.line == 0) return source;
  return fmt::format("{}:{}", source, b.line);
}

// A TOML document; a syntax error is one input_error "file:line:column: what".
inline toml::table parse_toml(std::string_view text, const std::string& source) {
  try {
    return toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    const auto& b = e.source().begin;
    throw input_error(fmt::format("{}:{}:{}: {}", source, b.line, b.column, e.description()));
  }
}

// Where a named parameter was given ("file.toml:12"), for messages about combinations.
using param_locator = std::function<std::string(std::string_view name)>;

// F: a parameter_field<P> or any type with the same name, unit, min, max, min_exclusive and
// kind members (a device model's param_info).
template <class F>
std::string check_range(const F& f, double v) {
  if (!std::isfinite(v)) return fmt::format("{} must be finite, got {}", f.name, v);
  if (f.kind == param_kind::flag && v != 0 && v != 1)
    return fmt::format("{} is a flag and must be true or false", f.name);
  const bool low = f.min_exclusive ? !(v > f.min) : !(v >= f.min);
  if (low || v > f.max) {
    const std::string lo = fmt::format("{}{:g}", f.min_exclusive ? "(" : "[", f.min);
    const std::string hi = std::isinf(f.max) ? "inf)" : fmt::format("{:g}]", f.max);
    return fmt::format("{} = {:g} {} is out of its valid range {}, {}", f.name, v, f.unit, lo, hi);
  }
  return {};
}

// Validates every field of `p`; throws input_error naming the first bad one and `source`.
template <class P>
void validate_params(const P& p, std::span<const param_field<P>> fields,
                     const std::string& source) {
  for (const auto& f : fields) {
    const std::string msg = check_range(f, p.*(f.member));
    if (!msg.empty()) throw input_error(fmt::format("{}: {}", source, msg));
  }
}

// The value of one parameter given in a TOML node: a number, a quantity string with units
// ("2 ms") or, for a flag, a boolean. A wrong type or an out-of-range value is an input_error
// naming the key and the file line.
template <class F>
double read_param_value(const toml::node& node, const F& f, const std::string& at) {
  double v = 0;
  if (f.kind == param_kind::flag) {
    if (auto b = node.template value<bool>()) {
      v = *b ? 1.0 : 0.0;
    } else {
      throw input_error(fmt::format("{}: {} must be true or false", at, f.name));
    }
  } else if (node.is_integer() || node.is_floating_point()) {
    v = *node.template value<double>();
  } else if (auto s = node.template value<std::string>()) {
    v = parse_quantity(*s, f.unit == "Ω" ? "Ohm" : f.unit, fmt::format("{}: {}", at, f.name));
  } else {
    throw input_error(fmt::format("{}: {} must be a number in {}", at, f.name, f.unit));
  }
  const std::string msg = check_range(f, v);
  if (!msg.empty()) throw input_error(fmt::format("{}: {}", at, msg));
  return v;
}

// The index of the field named `key`, or an input_error at `at` listing the known names.
template <class F>
std::size_t find_param_field(std::span<const F> fields, std::string_view key,
                             const std::string& at) {
  for (std::size_t k = 0; k < fields.size(); ++k)
    if (fields[k].name == key) return k;
  std::string known;
  for (const auto& cand : fields)
    known += fmt::format("{}{}", known.empty() ? "" : ", ", cand.name);
  throw input_error(fmt::format("{}: unknown parameter '{}' (known: {})", at, key, known));
}

// Reads the keys of `table` into `p` (keys not present keep their current value).
// An unknown key, a wrong type or an out-of-range value is an input_error naming the key
// and the file line.
template <class P>
void read_params(const toml::table& table, std::span<const param_field<P>> fields, P& p,
                 const std::string& source) {
  for (const auto& [key, node] : table) {
    const std::string at = where(source, node);
    const auto& f = fields[find_param_field(fields, key.str(), at)];
    p.*(f.member) = read_param_value(node, f, at);
  }
}

// The same for values stored in the order of a table of F (a device model's param_info).
template <class F>
void read_params(const toml::table& table, std::span<const F> fields, std::span<double> values,
                 const std::string& source) {
  for (const auto& [key, node] : table) {
    const std::string at = where(source, node);
    const std::size_t k = find_param_field(fields, key.str(), at);
    values[k] = read_param_value(node, fields[k], at);
  }
}

// Writes values in the order of a table of F as TOML key = value lines with the unit as a
// comment.
template <class F>
std::string write_params(std::span<const F> fields, std::span<const double> values) {
  std::string out;
  for (std::size_t k = 0; k < fields.size(); ++k) {
    const auto& f = fields[k];
    const double v = values[k];
    if (f.kind == param_kind::flag)
      out += fmt::format("{} = {:<22} # {}\n", f.name, v != 0 ? "true" : "false", f.description);
    else
      out += fmt::format("{} = {:<22} # [{}] {}\n", f.name, v, f.unit, f.description);
  }
  return out;
}

}  // namespace ionsim
