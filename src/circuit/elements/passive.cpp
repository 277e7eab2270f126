// Resistor, capacitor and inductor (ngspice manual §3.2.1-3.2.11, linear forms).
#include "circuit/element.hpp"

namespace ionsim::circuit {

namespace {

class resistor_model final : public element_model {
 public:
  explicit resistor_model(const element& el) : r_(el.value) {}
  std::vector<std::pair<int, int>> entries() const override { return conductance_entries(); }
  void load(const load_ctx&) override { stamp_conductance(1.0 / r_); }
  double current(const double* x, double) const override { return across(x) / r_; }

 private:
  double r_;  // [Ω]
};

// Charge q = C v; the companion model of the step's integration formula.
class capacitor_model final : public element_model {
 public:
  explicit capacitor_model(const element& el) : el_(el) {}
  std::vector<std::pair<int, int>> entries() const override { return conductance_entries(); }
  void load(const load_ctx& ctx) override {
    if (ctx.c.dc) return;
    stamp_conductance(el_.value * ctx.c.alpha());
    const double ieq = ctx.c.hist(rx_);  // the charge rate not proportional to v_new
    rhs(ctx, n[0], -ieq);
    rhs(ctx, n[1], ieq);
  }
  double current(const double*, double) const override { return rx_.sdot; }
  void start(double* x, bool uic) override {
    const double v0 = uic && el_.params.count("ic") ? el_.params.at("ic") : across(x);
    rx_.s = rx_.s_prev = el_.value * v0;
  }
  void accept(const double* x, const step_ctx& c) override {
    accept_history(rx_, el_.value * across(x), c);
  }

 private:
  const element& el_;
  reactive rx_;
};

// Flux phi = L i on a branch current: v(n+) - v(n-) = dphi/dt.
class inductor_model final : public element_model {
 public:
  explicit inductor_model(const element& el) : el_(el) {}
  int branches() const override { return 1; }
  std::vector<std::pair<int, int>> entries() const override {
    auto e = incidence_entries();
    e.emplace_back(branch, branch);
    return e;
  }
  bool fixes_voltage() const override { return true; }
  void load(const load_ctx& ctx) override {
    stamp_incidence();
    if (ctx.c.dc) return;
    add(4, -el_.value * ctx.c.alpha());
    ctx.b[branch] += ctx.c.hist(rx_);
  }
  double current(const double* x, double) const override { return x[branch]; }
  void start(double* x, bool uic) override {
    const double i0 = uic && el_.params.count("ic") ? el_.params.at("ic") : x[branch];
    rx_.s = rx_.s_prev = el_.value * i0;
    x[branch] = i0;
  }
  void accept(const double* x, const step_ctx& c) override {
    accept_history(rx_, el_.value * x[branch], c);
  }

 private:
  const element& el_;
  reactive rx_;
};

}  // namespace

const element_type& resistor_element() {
  static const element_type t{
      .name = "resistor",
      .letter = 'r',
      .syntax = "R n+ n- value",
      .form = card_form::value,
      .value_ok = [](double v) { return v != 0; },
      .make = [](const element& el, build_ctx&) -> std::unique_ptr<element_model> {
        return std::make_unique<resistor_model>(el);
      }};
  return t;
}

const element_type& capacitor_element() {
  static const element_type t{
      .name = "capacitor",
      .letter = 'c',
      .syntax = "C n+ n- value [ic=v]",
      .form = card_form::value,
      .params = {"ic"},
      .value_ok = [](double v) { return v >= 0; },
      .value_rule = " (must be >= 0)",
      .make = [](const element& el, build_ctx&) -> std::unique_ptr<element_model> {
        return std::make_unique<capacitor_model>(el);
      }};
  return t;
}

const element_type& inductor_element() {
  static const element_type t{
      .name = "inductor",
      .letter = 'l',
      .syntax = "L n+ n- value [ic=i]",
      .form = card_form::value,
      .params = {"ic"},
      .value_ok = [](double v) { return v >= 0; },
      .value_rule = " (must be >= 0)",
      .make = [](const element& el, build_ctx&) -> std::unique_ptr<element_model> {
        return std::make_unique<inductor_model>(el);
      }};
  return t;
}

}  // namespace ionsim::circuit
