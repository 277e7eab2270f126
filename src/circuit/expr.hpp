#pragma once
// SPICE numbers and parameter expressions as ngspice reads them in .param values, '...' and
// {...}: numbers with scale suffixes, + - * / ^ (or **), unary minus, parentheses, parameters
// and a few functions. Used by the netlist parser (docs/circuit/netlist.md).
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace ionsim::circuit {

// Parameter values by lower-case name.
using param_table = std::map<std::string, double, std::less<>>;

// Reads `text` as a SPICE number: a decimal number with optional exponent, then an optional
// scale suffix (f p n u m k meg g t mil, any case; "M" is milli as in SPICE), then any letters,
// which are ignored as a unit ("10pF", "1kohm", "5V", "2ms"). nullopt when it is not one.
std::optional<double> parse_spice_number(std::string_view text);

// True for a name that can be a parameter: a letter or '_' followed by letters, digits, '_'.
bool is_identifier(std::string_view text);

// Evaluates an expression: numbers as parse_spice_number reads them, parameters from `params`
// (looked up by lower-case name; `pi` when no parameter of that name exists), + - * / ^ **,
// unary minus and plus, parentheses, and the functions sqrt exp log (natural) ln log10 abs
// min max pow sin cos tan tanh. Precedence as in ngspice: ^ binds tighter than unary minus
// (-2^2 = -4) and is right-associative. Throws ionsim::input_error
// "expression 'TEXT': what is wrong" for a syntax error, an undefined parameter, an unknown
// function, a wrong argument count, a division by zero or a result that is not finite.
double evaluate_expression(std::string_view text, const param_table& params);

}  // namespace ionsim::circuit
