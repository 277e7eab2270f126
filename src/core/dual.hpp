#pragma once
// A forward-mode dual number: a value and its derivative with respect to one input. A model
// writes its update once, templated on the scalar type; with `dual` it yields the analytic
// derivative of its result (the device's dI/dV for the circuit's Newton iteration). The value
// part is computed by exactly the operations of the double version, so it is bit-identical.
#include <cmath>

namespace ionsim {

struct dual {
  double v = 0;  // value
  double d = 0;  // derivative
  dual() = default;
  dual(double value, double derivative = 0) : v(value), d(derivative) {}  // NOLINT: implicit

  friend dual operator+(const dual& a, const dual& b) { return {a.v + b.v, a.d + b.d}; }
  friend dual operator-(const dual& a, const dual& b) { return {a.v - b.v, a.d - b.d}; }
  friend dual operator-(const dual& a) { return {-a.v, -a.d}; }
  friend dual operator*(const dual& a, const dual& b) { return {a.v * b.v, a.d * b.v + a.v * b.d}; }
  friend dual operator/(const dual& a, const dual& b) {
    const double q = a.v / b.v;
    return {q, (a.d - q * b.d) / b.v};
  }
  dual& operator+=(const dual& b) { return *this = *this + b; }
  friend bool operator<(const dual& a, const dual& b) { return a.v < b.v; }
  friend bool operator>(const dual& a, const dual& b) { return a.v > b.v; }

  // |a|: the derivative of the branch taken (+1 at 0, as the value is a there).
  friend dual fabs(const dual& a) { return a.v < 0 ? -a : a; }
  friend dual exp(const dual& a) {
    const double e = std::exp(a.v);
    return {e, e * a.d};
  }
  friend dual sinh(const dual& a) { return {std::sinh(a.v), std::cosh(a.v) * a.d}; }
  // sqrt(a): derivative 0 at a = 0 (the one-sided subgradient of an increment that vanishes).
  friend dual sqrt(const dual& a) {
    const double r = std::sqrt(a.v);
    return {r, r > 0 ? 0.5 * a.d / r : 0.0};
  }
};

// The value of a double or a dual.
inline double value_of(double x) { return x; }
inline double value_of(const dual& x) { return x.v; }

}  // namespace ionsim
