#include "circuit/expr.hpp"

#include <fmt/format.h>

#include <cctype>
#include <charconv>
#include <cmath>
#include <numbers>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace ionsim::circuit {

namespace {

bool is_digit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }
bool is_alpha(char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0; }
bool is_space(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }
char to_lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = to_lower(c);
  return out;
}

// Length of the SPICE number at the start of `s` (mantissa, exponent, suffix and unit letters)
// and its value; 0 when `s` does not start with a digit or ".digit" (signs are the caller's).
std::size_t scan_number(std::string_view s, double& value) {
  std::size_t i = 0;
  bool digits = false;
  while (i < s.size() && is_digit(s[i])) ++i, digits = true;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && is_digit(s[i])) ++i, digits = true;
  }
  if (!digits) return 0;
  // An 'e' is an exponent only when digits follow ("1e3", "1e-3"); otherwise a unit letter.
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    std::size_t j = i + 1;
    if (j < s.size() && (s[j] == '+' || s[j] == '-')) ++j;
    if (j < s.size() && is_digit(s[j])) {
      while (j < s.size() && is_digit(s[j])) ++j;
      i = j;
    }
  }
  std::string mantissa(s.substr(0, i));
  if (mantissa.front() == '.') mantissa.insert(mantissa.begin(), '0');
  double v = 0;
  const auto res = std::from_chars(mantissa.data(), mantissa.data() + mantissa.size(), v);
  if (res.ec != std::errc() || res.ptr != mantissa.data() + mantissa.size()) return 0;
  std::size_t end = i;
  while (end < s.size() && is_alpha(s[end])) ++end;
  const std::string letters = lower(s.substr(i, end - i));
  double scale = 1;
  if (letters.starts_with("meg")) {
    scale = 1e6;
  } else if (letters.starts_with("mil")) {
    scale = 25.4e-6;
  } else if (!letters.empty()) {
    switch (letters.front()) {
      case 'f':
        scale = 1e-15;
        break;
      case 'p':
        scale = 1e-12;
        break;
      case 'n':
        scale = 1e-9;
        break;
      case 'u':
        scale = 1e-6;
        break;
      case 'm':
        scale = 1e-3;
        break;
      case 'k':
        scale = 1e3;
        break;
      case 'g':
        scale = 1e9;
        break;
      case 't':
        scale = 1e12;
        break;
      default:
        break;  // a unit without a scale: "5V", "3s"
    }
  }
  value = v * scale;
  return end;
}

const std::vector<std::pair<std::string_view, int>>& functions() {
  static const std::vector<std::pair<std::string_view, int>> table = {
      {"sqrt", 1}, {"exp", 1}, {"log", 1}, {"ln", 1},  {"log10", 1}, {"abs", 1}, {"min", 2},
      {"max", 2},  {"pow", 2}, {"sin", 1}, {"cos", 1}, {"tan", 1},   {"tanh", 1}};
  return table;
}

class expr_parser {
 public:
  expr_parser(std::string_view text, const param_table& params) : text_(text), params_(params) {}

  double run() {
    skip_space();
    if (pos_ == text_.size()) fail("the expression is empty");
    const double v = sum();
    skip_space();
    if (pos_ != text_.size()) fail(fmt::format("unexpected '{}'", rest_token()));
    if (!std::isfinite(v)) fail("the result is not a finite number");
    return v;
  }

 private:
  [[noreturn]] void fail(std::string_view what) const {
    // a very long expression is shown by its start
    const std::string shown =
        text_.size() <= 100 ? std::string(text_) : std::string(text_.substr(0, 80)) + "...";
    throw input_error(fmt::format("expression '{}': {}", shown, what));
  }

  void skip_space() {
    while (pos_ < text_.size() && is_space(text_[pos_])) ++pos_;
  }

  // The token at pos_ for an error message.
  std::string rest_token() const {
    if (pos_ >= text_.size()) return "";
    std::size_t end = pos_ + 1;
    if (is_alpha(text_[pos_]) || is_digit(text_[pos_]) || text_[pos_] == '_' ||
        text_[pos_] == '.') {
      while (end < text_.size() && (is_alpha(text_[end]) || is_digit(text_[end]) ||
                                    text_[end] == '_' || text_[end] == '.'))
        ++end;
    }
    return std::string(text_.substr(pos_, end - pos_));
  }

  bool accept(std::string_view op) {
    skip_space();
    if (text_.substr(pos_).starts_with(op)) {
      pos_ += op.size();
      return true;
    }
    return false;
  }

  // Parentheses, function arguments and signs nest by recursion: a limit keeps a hostile or
  // broken expression from overflowing the stack.
  static constexpr int max_depth = 500;
  struct nest {
    expr_parser& p;
    explicit nest(expr_parser& q) : p(q) {
      if (++p.depth_ > max_depth) p.fail(fmt::format("nested more than {} levels deep", max_depth));
    }
    ~nest() { --p.depth_; }
  };

  double sum() {
    const nest guard(*this);
    double v = product();
    for (;;) {
      if (accept("+")) {
        v += product();
      } else if (accept("-")) {
        v -= product();
      } else {
        return v;
      }
    }
  }

  double product() {
    double v = unary();
    for (;;) {
      if (accept("*")) {
        v *= unary();
      } else if (accept("/")) {
        const double d = unary();
        if (d == 0) fail("division by zero");
        v /= d;
      } else {
        return v;
      }
    }
  }

  double unary() {
    const nest guard(*this);
    if (accept("-")) return -unary();
    if (accept("+")) return unary();
    return power();
  }

  double power() {
    const double base = primary();
    if (accept("^") || accept("**")) {
      const double exponent = unary();  // right-associative, and 2^-1 is allowed
      const double v = std::pow(base, exponent);
      if (!std::isfinite(v)) fail(fmt::format("{:g}^{:g} is not a finite number", base, exponent));
      return v;
    }
    return base;
  }

  double primary() {
    skip_space();
    if (pos_ == text_.size()) fail("unexpected end");
    const char c = text_[pos_];
    if (c == '(') {
      ++pos_;
      const double v = sum();
      if (!accept(")"))
        fail(pos_ == text_.size() ? "missing ')'"
                                  : fmt::format("expected ')' before '{}'", rest_token()));
      return v;
    }
    if (is_digit(c) || (c == '.' && pos_ + 1 < text_.size() && is_digit(text_[pos_ + 1]))) {
      double v = 0;
      const std::size_t n = scan_number(text_.substr(pos_), v);
      if (n == 0) fail(fmt::format("cannot read a number at '{}'", rest_token()));
      pos_ += n;
      return v;
    }
    if (is_alpha(c) || c == '_') {
      const std::size_t start = pos_;
      while (pos_ < text_.size() &&
             (is_alpha(text_[pos_]) || is_digit(text_[pos_]) || text_[pos_] == '_'))
        ++pos_;
      const std::string name = lower(text_.substr(start, pos_ - start));
      skip_space();
      if (pos_ < text_.size() && text_[pos_] == '(') {
        ++pos_;
        return call(name);
      }
      if (const auto it = params_.find(name); it != params_.end()) return it->second;
      if (name == "pi") return std::numbers::pi;
      fail(fmt::format("undefined parameter '{}'", name));
    }
    fail(fmt::format("unexpected '{}'", rest_token()));
  }

  double call(const std::string& name) {
    int arity = -1;
    for (const auto& [fn, n] : functions())
      if (fn == name) arity = n;
    if (arity < 0) fail(fmt::format("unknown function '{}'", name));
    std::vector<double> args;
    if (!accept(")")) {
      for (;;) {
        args.push_back(sum());
        if (accept(",")) continue;
        if (accept(")")) break;
        fail(pos_ == text_.size() ? fmt::format("missing ')' after the arguments of {}", name)
                                  : fmt::format("expected ',' or ')' before '{}'", rest_token()));
      }
    }
    if (static_cast<int>(args.size()) != arity)
      fail(fmt::format("{} takes {} argument{}, got {}", name, arity, arity == 1 ? "" : "s",
                       args.size()));
    const double x = args[0];
    double v = 0;
    if (name == "sqrt") {
      if (x < 0) fail(fmt::format("sqrt of the negative number {:g}", x));
      v = std::sqrt(x);
    } else if (name == "exp") {
      v = std::exp(x);
    } else if (name == "log" || name == "ln" || name == "log10") {
      if (x <= 0) fail(fmt::format("{} of the non-positive number {:g}", name, x));
      v = name == "log10" ? std::log10(x) : std::log(x);
    } else if (name == "abs") {
      v = std::fabs(x);
    } else if (name == "min") {
      v = std::min(x, args[1]);
    } else if (name == "max") {
      v = std::max(x, args[1]);
    } else if (name == "pow") {
      v = std::pow(x, args[1]);
    } else if (name == "sin") {
      v = std::sin(x);
    } else if (name == "cos") {
      v = std::cos(x);
    } else if (name == "tan") {
      v = std::tan(x);
    } else if (name == "tanh") {
      v = std::tanh(x);
    }
    if (!std::isfinite(v)) {
      std::string list;
      for (const double a : args) list += fmt::format("{}{:g}", list.empty() ? "" : ", ", a);
      fail(fmt::format("{}({}) is not a finite number", name, list));
    }
    return v;
  }

  std::string_view text_;
  const param_table& params_;
  std::size_t pos_ = 0;
  int depth_ = 0;  // of nested sums and signs
};

}  // namespace

std::optional<double> parse_spice_number(std::string_view text) {
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  double sign = 1;
  if (!text.empty() && (text.front() == '+' || text.front() == '-')) {
    if (text.front() == '-') sign = -1;
    text.remove_prefix(1);
  }
  double v = 0;
  const std::size_t n = scan_number(text, v);
  if (n == 0 || n != text.size() || !std::isfinite(v)) return std::nullopt;
  return sign * v;
}

bool is_identifier(std::string_view text) {
  if (text.empty() || !(is_alpha(text.front()) || text.front() == '_')) return false;
  for (const char c : text)
    if (!(is_alpha(c) || is_digit(c) || c == '_')) return false;
  return true;
}

double evaluate_expression(std::string_view text, const param_table& params) {
  return expr_parser(text, params).run();
}

}  // namespace ionsim::circuit
