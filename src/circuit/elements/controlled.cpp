// Linear voltage-controlled sources (ngspice manual §5.2-5.3, linear form).
#include "circuit/element.hpp"

namespace ionsim::circuit {

namespace {

// E: v(n+) - v(n-) = gain * (v(nc+) - v(nc-)), on a branch current.
class vcvs_model final : public element_model {
 public:
  explicit vcvs_model(const element& el) : gain_(el.value) {}
  int branches() const override { return 1; }
  std::vector<std::pair<int, int>> entries() const override {
    auto e = incidence_entries();
    e.emplace_back(branch, n[2]);
    e.emplace_back(branch, n[3]);
    return e;
  }
  bool fixes_voltage() const override { return true; }
  void load(const load_ctx&) override {
    stamp_incidence();
    add(4, -gain_);
    add(5, gain_);
  }
  double current(const double* x, double) const override { return x[branch]; }

 private:
  double gain_;  // [1]
};

// G: a current gm * (v(nc+) - v(nc-)) from n+ through the source to n-.
class vccs_model final : public element_model {
 public:
  explicit vccs_model(const element& el) : gm_(el.value) {}
  std::vector<std::pair<int, int>> entries() const override {
    return {{n[0], n[2]}, {n[0], n[3]}, {n[1], n[2]}, {n[1], n[3]}};
  }
  std::vector<std::pair<int, int>> conducts() const override { return {}; }
  void load(const load_ctx&) override {
    add(0, gm_);
    add(1, -gm_);
    add(2, -gm_);
    add(3, gm_);
  }
  double current(const double* x, double) const override {
    return gm_ * (volt(x, n[2]) - volt(x, n[3]));
  }

 private:
  double gm_;  // [S]
};

}  // namespace

const element_type& vcvs_element() {
  static const element_type t{
      .name = "VCVS",
      .letter = 'e',
      .syntax = "E n+ n- nc+ nc- gain",
      .form = card_form::value,
      .nodes = 4,
      .value_name = "gain",
      .linear_only = true,
      .make = [](const element& el, build_ctx&) -> std::unique_ptr<element_model> {
        return std::make_unique<vcvs_model>(el);
      }};
  return t;
}

const element_type& vccs_element() {
  static const element_type t{
      .name = "VCCS",
      .letter = 'g',
      .syntax = "G n+ n- nc+ nc- gm",
      .form = card_form::value,
      .nodes = 4,
      .value_name = "transconductance",
      .linear_only = true,
      .make = [](const element& el, build_ctx&) -> std::unique_ptr<element_model> {
        return std::make_unique<vccs_model>(el);
      }};
  return t;
}

}  // namespace ionsim::circuit
