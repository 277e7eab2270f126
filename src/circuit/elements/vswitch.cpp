// Voltage-controlled switch (ngspice manual §3.2.14): on above VT + VH, off below VT - VH,
// decided at each accepted point.
#include "circuit/element.hpp"

namespace ionsim::circuit {

namespace {

double model_param(const model_card& m, const char* key, double def) {
  const auto it = m.params.find(key);
  return it == m.params.end() ? def : it->second;
}

class vswitch_model final : public element_model {
 public:
  vswitch_model(const element& el, const netlist& nl) {
    const model_card& m = nl.models.at(el.model);
    vt_ = model_param(m, "vt", 0);
    vh_ = model_param(m, "vh", 0);
    ron_ = model_param(m, "ron", 1);
    roff_ = model_param(m, "roff", 1.0 / nl.options.gmin);
  }
  std::vector<std::pair<int, int>> entries() const override { return conductance_entries(); }
  void load(const load_ctx&) override { stamp_conductance(1.0 / (on_ ? ron_ : roff_)); }
  double current(const double* x, double) const override {
    return across(x) / (on_ ? ron_ : roff_);
  }
  void accept(const double* x, const step_ctx&) override {
    const double vc = volt(x, n[2]) - volt(x, n[3]);
    if (vc > vt_ + vh_) on_ = true;
    if (vc < vt_ - vh_) on_ = false;
  }

 private:
  double vt_ = 0, vh_ = 0;        // [V] threshold and hysteresis
  double ron_ = 1, roff_ = 1e12;  // [Ω]
  bool on_ = false;
};

}  // namespace

const element_type& vswitch_element() {
  static const element_type t{
      .name = "switch",
      .letter = 's',
      .syntax = "S n+ n- nc+ nc- model",
      .form = card_form::model,
      .nodes = 4,
      .model_types = {"sw"},
      .model_params = {"vt", "vh", "ron", "roff"},
      .make = [](const element& el, build_ctx& ctx) -> std::unique_ptr<element_model> {
        return std::make_unique<vswitch_model>(el, ctx.nl);
      }};
  return t;
}

}  // namespace ionsim::circuit
