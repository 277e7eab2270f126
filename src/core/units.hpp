#pragma once
// Engineering-notation quantities as people write them: 20ms, 22k, 1uA, 0.5V, 1meg, -0.6V.
#include <string>
#include <string_view>

namespace ionsim {

// Parses `text` as a number with an optional SPICE scale suffix (f p n u m k meg g t, also µ)
// and an optional unit symbol that must equal `unit` (for example "V", "s", "A", "Ohm").
// A bare "M" is rejected as ambiguous (SPICE reads it as milli, most people as mega).
// `what` names the option or field in the error message.
double parse_quantity(std::string_view text, std::string_view unit, std::string_view what);

// A size in bytes: a number with an optional unit B, kB, MB, GB, TB (powers of 1000) or KiB,
// MiB, GiB, TiB (powers of 1024), for example "8GB", "512MiB", "1e9". `what` names the option.
double parse_bytes(std::string_view text, std::string_view what);

// A wall-clock duration in seconds: a number with an optional unit s, min or h, for example
// "10min", "1.5h", "90s", "90". `what` names the option.
double parse_wall_time(std::string_view text, std::string_view what);

// Formats a value with an engineering suffix, for example 2.2e4 -> "22k".
std::string format_quantity(double value, std::string_view unit);

}  // namespace ionsim
