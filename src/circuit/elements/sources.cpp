// Independent voltage and current sources with DC, PULSE, PWL and SIN waveforms (ngspice
// manual §4.1).
#include "circuit/element.hpp"

namespace ionsim::circuit {

namespace {

class vsource_model final : public element_model {
 public:
  explicit vsource_model(const element& el) : wave_(el.wave) {}
  int branches() const override { return 1; }
  std::vector<std::pair<int, int>> entries() const override {
    auto e = incidence_entries();
    e.emplace_back(branch, branch);  // unused; kept so that every branch has its diagonal
    return e;
  }
  bool fixes_voltage() const override { return true; }
  void load(const load_ctx& ctx) override {
    stamp_incidence();
    ctx.b[branch] += ctx.src_scale * wave_.value(ctx.t);
  }
  double current(const double* x, double) const override { return x[branch]; }
  void breakpoints(double from, double to, std::vector<double>& out) const override {
    wave_.breakpoints(from, to, out);
  }

 private:
  const waveform& wave_;
};

// Its current flows from n+ through the source to n-.
class isource_model final : public element_model {
 public:
  explicit isource_model(const element& el) : wave_(el.wave) {}
  std::vector<std::pair<int, int>> entries() const override { return {}; }
  std::vector<std::pair<int, int>> conducts() const override { return {}; }
  void load(const load_ctx& ctx) override {
    const double i = ctx.src_scale * wave_.value(ctx.t);
    rhs(ctx, n[0], -i);
    rhs(ctx, n[1], i);
  }
  double current(const double*, double t) const override { return wave_.value(t); }
  void breakpoints(double from, double to, std::vector<double>& out) const override {
    wave_.breakpoints(from, to, out);
  }

 private:
  const waveform& wave_;
};

}  // namespace

const element_type& vsource_element() {
  static const element_type t{
      .name = "voltage source",
      .letter = 'v',
      .syntax = "V n+ n- [[DC] v] [PULSE(...)|PWL(...)|SIN(...)]",
      .form = card_form::source,
      .current_output = true,
      .make = [](const element& el, build_ctx&) -> std::unique_ptr<element_model> {
        return std::make_unique<vsource_model>(el);
      }};
  return t;
}

const element_type& isource_element() {
  static const element_type t{
      .name = "current source",
      .letter = 'i',
      .syntax = "I n+ n- [[DC] v] [PULSE(...)|PWL(...)|SIN(...)]",
      .form = card_form::source,
      .make = [](const element& el, build_ctx&) -> std::unique_ptr<element_model> {
        return std::make_unique<isource_model>(el);
      }};
  return t;
}

}  // namespace ionsim::circuit
