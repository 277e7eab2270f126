// SPICE numbers and parameter expressions (src/circuit/expr.hpp).
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <string>

#include "circuit/expr.hpp"
#include "core/error.hpp"
#include "test_support.hpp"

namespace ionsim::circuit {
namespace IONSIM_TEST_FILE {

using test::contains;

double eval(const std::string& text, const param_table& params = {}) {
  return evaluate_expression(text, params);
}

std::string error_of(const std::string& text, const param_table& params = {}) {
  return test::input_error_of([&] { evaluate_expression(text, params); });
}

TEST(ExprNumber, SpiceSuffixes) {
  EXPECT_DOUBLE_EQ(*parse_spice_number("3f"), 3e-15);
  EXPECT_DOUBLE_EQ(*parse_spice_number("3p"), 3e-12);
  EXPECT_DOUBLE_EQ(*parse_spice_number("3n"), 3e-9);
  EXPECT_DOUBLE_EQ(*parse_spice_number("3u"), 3e-6);
  EXPECT_DOUBLE_EQ(*parse_spice_number("3m"), 3e-3);
  EXPECT_DOUBLE_EQ(*parse_spice_number("3M"), 3e-3);  // SPICE: M is milli
  EXPECT_DOUBLE_EQ(*parse_spice_number("3k"), 3e3);
  EXPECT_DOUBLE_EQ(*parse_spice_number("3meg"), 3e6);
  EXPECT_DOUBLE_EQ(*parse_spice_number("3MEG"), 3e6);
  EXPECT_DOUBLE_EQ(*parse_spice_number("3g"), 3e9);
  EXPECT_DOUBLE_EQ(*parse_spice_number("3t"), 3e12);
  EXPECT_DOUBLE_EQ(*parse_spice_number("2mil"), 2 * 25.4e-6);
}

TEST(ExprNumber, UnitLettersAfterTheSuffixAreIgnored) {
  EXPECT_DOUBLE_EQ(*parse_spice_number("10pF"), 10e-12);
  EXPECT_DOUBLE_EQ(*parse_spice_number("1kohm"), 1e3);
  EXPECT_DOUBLE_EQ(*parse_spice_number("5V"), 5.0);
  EXPECT_DOUBLE_EQ(*parse_spice_number("2ms"), 2e-3);
  EXPECT_DOUBLE_EQ(*parse_spice_number("1megohm"), 1e6);
  EXPECT_DOUBLE_EQ(*parse_spice_number("3A"), 3.0);
  EXPECT_DOUBLE_EQ(*parse_spice_number("1F"), 1e-15);  // SPICE reads F as femto
}

TEST(ExprNumber, SignsExponentsAndRejects) {
  EXPECT_DOUBLE_EQ(*parse_spice_number("-1.5e-3"), -1.5e-3);
  EXPECT_DOUBLE_EQ(*parse_spice_number("+2E3"), 2e3);
  EXPECT_DOUBLE_EQ(*parse_spice_number(".5u"), 0.5e-6);
  EXPECT_DOUBLE_EQ(*parse_spice_number("5."), 5.0);
  EXPECT_DOUBLE_EQ(*parse_spice_number("1e3k"), 1e6);
  EXPECT_DOUBLE_EQ(*parse_spice_number("2e"), 2.0);  // 'e' without digits is a unit letter
  EXPECT_FALSE(parse_spice_number(""));
  EXPECT_FALSE(parse_spice_number("k"));
  EXPECT_FALSE(parse_spice_number("abc"));
  EXPECT_FALSE(parse_spice_number("1x2"));
  EXPECT_FALSE(parse_spice_number("1.2.3"));
  EXPECT_FALSE(parse_spice_number("--1"));
  EXPECT_FALSE(parse_spice_number("1k%"));
}

TEST(ExprIdentifier, Names) {
  EXPECT_TRUE(is_identifier("w"));
  EXPECT_TRUE(is_identifier("_x1"));
  EXPECT_TRUE(is_identifier("vdd_2"));
  EXPECT_FALSE(is_identifier("1x"));
  EXPECT_FALSE(is_identifier("a-b"));
  EXPECT_FALSE(is_identifier(""));
}

TEST(ExprEvaluate, Precedence) {
  EXPECT_DOUBLE_EQ(eval("1+2*3"), 7.0);
  EXPECT_DOUBLE_EQ(eval("(1+2)*3"), 9.0);
  EXPECT_DOUBLE_EQ(eval("10-4-3"), 3.0);   // left-associative
  EXPECT_DOUBLE_EQ(eval("24/4/3"), 2.0);   // left-associative
  EXPECT_DOUBLE_EQ(eval("2^3^2"), 512.0);  // right-associative
  EXPECT_DOUBLE_EQ(eval("2**3"), 8.0);
  EXPECT_DOUBLE_EQ(eval("2*3**2"), 18.0);
  EXPECT_DOUBLE_EQ(eval("-2^2"), -4.0);  // ^ binds tighter than unary minus (as ngspice)
  EXPECT_DOUBLE_EQ(eval("2^-1"), 0.5);
  EXPECT_DOUBLE_EQ(eval("-(3)"), -3.0);
  EXPECT_DOUBLE_EQ(eval("--3"), 3.0);
  EXPECT_DOUBLE_EQ(eval("+3 - -2"), 5.0);
  EXPECT_DOUBLE_EQ(eval("2*-3"), -6.0);
  EXPECT_DOUBLE_EQ(eval("  1 +\t2 "), 3.0);
}

TEST(ExprEvaluate, SuffixesInsideExpressions) {
  EXPECT_DOUBLE_EQ(eval("2k*3"), 6000.0);
  EXPECT_DOUBLE_EQ(eval("1meg/1k"), 1000.0);
  EXPECT_DOUBLE_EQ(eval("10pF*2"), 20e-12);
  EXPECT_DOUBLE_EQ(eval("1e-3+1m"), 2e-3);
}

TEST(ExprEvaluate, Parameters) {
  const param_table p = {{"w", 2e-6}, {"l", 1e-6}, {"vdd", 1.8}};
  EXPECT_DOUBLE_EQ(eval("w/l", p), 2.0);
  EXPECT_DOUBLE_EQ(eval("W/L", p), 2.0);  // case-insensitive
  EXPECT_DOUBLE_EQ(eval("vdd*2", p), 3.6);
  EXPECT_DOUBLE_EQ(eval("2*pi"), 2 * std::numbers::pi);
  EXPECT_DOUBLE_EQ(eval("pi", {{"pi", 3.0}}), 3.0);  // a parameter wins over the constant
}

TEST(ExprEvaluate, Functions) {
  EXPECT_DOUBLE_EQ(eval("sqrt(16)"), 4.0);
  EXPECT_DOUBLE_EQ(eval("exp(0)"), 1.0);
  EXPECT_DOUBLE_EQ(eval("log(exp(2))"), 2.0);  // natural, as ngspice
  EXPECT_DOUBLE_EQ(eval("ln(exp(3))"), 3.0);
  EXPECT_DOUBLE_EQ(eval("log10(1000)"), 3.0);
  EXPECT_DOUBLE_EQ(eval("abs(-2.5)"), 2.5);
  EXPECT_DOUBLE_EQ(eval("min(3, 2)"), 2.0);
  EXPECT_DOUBLE_EQ(eval("max(3,2)"), 3.0);
  EXPECT_DOUBLE_EQ(eval("pow(2, 10)"), 1024.0);
  EXPECT_DOUBLE_EQ(eval("sin(0)"), 0.0);
  EXPECT_DOUBLE_EQ(eval("cos(0)"), 1.0);
  EXPECT_DOUBLE_EQ(eval("tan(0)"), 0.0);
  EXPECT_DOUBLE_EQ(eval("tanh(0)"), 0.0);
  EXPECT_DOUBLE_EQ(eval("SQRT(max(4, 9)) + 1"), 4.0);
  EXPECT_DOUBLE_EQ(eval("-sqrt(4)^2"), -4.0);
}

TEST(ExprEvaluate, ErrorsNameTheExpressionAndTheProblem) {
  EXPECT_TRUE(contains(error_of("1+*2"), "expression '1+*2': unexpected '*'"));
  EXPECT_TRUE(contains(error_of("2*(3"), "expression '2*(3': missing ')'"));
  EXPECT_TRUE(contains(error_of("1 2"), "unexpected '2'"));
  EXPECT_TRUE(contains(error_of("(1))"), "unexpected ')'"));
  EXPECT_TRUE(contains(error_of(""), "empty"));
  EXPECT_TRUE(contains(error_of("3*"), "expression '3*': unexpected end"));
  EXPECT_TRUE(contains(error_of("a+1"), "expression 'a+1': undefined parameter 'a'"));
  EXPECT_TRUE(contains(error_of("foo(1)"), "unknown function 'foo'"));
  EXPECT_TRUE(contains(error_of("sqrt(1,2)"), "sqrt takes 1 argument, got 2"));
  EXPECT_TRUE(contains(error_of("max(1)"), "max takes 2 arguments, got 1"));
  EXPECT_TRUE(contains(error_of("max(1 2)"), "expected ',' or ')'"));
  EXPECT_TRUE(contains(error_of("sqrt(2"), "missing ')'"));
  EXPECT_TRUE(contains(error_of("1/0"), "division by zero"));
  EXPECT_TRUE(contains(error_of("1/(1-1)"), "division by zero"));
  EXPECT_TRUE(contains(error_of("sqrt(-1)"), "sqrt of the negative number -1"));
  EXPECT_TRUE(contains(error_of("log(0)"), "log of the non-positive number 0"));
  EXPECT_TRUE(contains(error_of("exp(1000)"), "exp(1000) is not a finite number"));
  EXPECT_TRUE(contains(error_of("10^400"), "is not a finite number"));
  EXPECT_TRUE(contains(error_of("1 # 2"), "unexpected '#'"));
}

// Found by fuzzing (tests/fuzz/expression): deep nesting overflowed the stack of the recursive
// parser; it is now an error beyond 500 levels (of sums and signs; a parenthesis takes two).
TEST(Expr, DeepNestingIsAnErrorNotAStackOverflow) {
  EXPECT_DOUBLE_EQ(eval(std::string(100, '(') + "1" + std::string(100, ')')), 1.0);
  EXPECT_DOUBLE_EQ(eval(std::string(100, '-') + "1"), 1.0);
  EXPECT_TRUE(contains(error_of(std::string(100000, '(') + "1" + std::string(100000, ')')),
                       "nested more than 500 levels deep"));
  EXPECT_TRUE(
      contains(error_of(std::string(100000, '-') + "1"), "nested more than 500 levels deep"));
  EXPECT_TRUE(contains(error_of(std::string(5000, '(')), "nested more than 500 levels deep"));
}

}  // namespace IONSIM_TEST_FILE
}  // namespace ionsim::circuit
