// Level-1 MOSFET (circuit/mosfet.hpp; docs/circuit/engine.md).
#include "circuit/mosfet.hpp"

#include <fmt/format.h>

#include "circuit/element.hpp"
#include "core/error.hpp"

namespace ionsim::circuit {

namespace {

class mosfet_model final : public element_model {
 public:
  mosfet_model(const element& el, const netlist& nl) {
    const model_card& m = nl.models.at(el.model);
    auto get = [&](const char* key, double def) {
      const auto it = m.params.find(key);
      return it == m.params.end() ? def : it->second;
    };
    if (get("level", 1) != 1)
      throw input_error(
          fmt::format("{}: model {}: only level 1 MOSFETs are supported", m.source, m.name));
    mos_.type = m.type == "pmos" ? -1 : 1;
    mos_.vto = get("vto", 0);
    mos_.kp = get("kp", 2e-5);
    mos_.lambda = get("lambda", 0);
    mos_.gamma = get("gamma", 0);
    mos_.phi = get("phi", 0.6);
    mos_.ld = get("ld", 0);
    mos_.subthreshold = get("subthreshold", 0) != 0;
    mos_.n = get("n", 1.5);
    auto ip = [&](const char* key, double def) {
      const auto it = el.params.find(key);
      return it == el.params.end() ? def : it->second;
    };
    const double w = ip("w", 1e-4), l = ip("l", 1e-4) - 2 * mos_.ld;
    if (!(w > 0) || !(l > 0))
      throw input_error(fmt::format("{}: {}: W and L - 2 LD must be positive", el.source, el.name));
    beta_ = mos_.kp * w / l;
  }
  // rows d, s; columns d, g, s, b
  std::vector<std::pair<int, int>> entries() const override {
    const int d = n[0], g = n[1], s = n[2], b = n[3];
    return {{d, d}, {d, g}, {d, s}, {d, b}, {s, d}, {s, g}, {s, s}, {s, b}};
  }
  std::vector<std::pair<int, int>> conducts() const override { return {{0, 2}, {0, 3}}; }
  void load(const load_ctx& ctx) override {
    const double vd = volt(ctx.x, n[0]), vg = volt(ctx.x, n[1]), vs = volt(ctx.x, n[2]),
                 vb = volt(ctx.x, n[3]);
    const mos_eval m = mos_current(mos_, beta_, vd, vg, vs, vb);
    const double ieq = m.id - (m.dd * vd + m.dg * vg + m.ds * vs + m.db * vb);
    add(0, m.dd);
    add(1, m.dg);
    add(2, m.ds);
    add(3, m.db);
    add(4, -m.dd);
    add(5, -m.dg);
    add(6, -m.ds);
    add(7, -m.db);
    rhs(ctx, n[0], -ieq);
    rhs(ctx, n[2], ieq);
  }
  double current(const double* x, double) const override {
    return mos_current(mos_, beta_, volt(x, n[0]), volt(x, n[1]), volt(x, n[2]), volt(x, n[3])).id;
  }
  // the gate draws no current
  double power(const double* x, double t) const override {
    return (volt(x, n[0]) - volt(x, n[2])) * current(x, t);
  }

 private:
  mos_model mos_;
  double beta_ = 0;  // [A/V^2] KP W / L
};

}  // namespace

const element_type& mosfet_element() {
  static const element_type t{
      .name = "MOSFET",
      .letter = 'm',
      .syntax = "M d g s b model [w=..] [l=..]",
      .form = card_form::model,
      .nodes = 4,
      .params = {"w", "l"},
      .model_types = {"nmos", "pmos"},
      .model_params = {"level", "vto", "kp", "lambda", "gamma", "phi", "ld", "subthreshold", "n"},
      .check_model = [](const model_card& m) -> std::string {
        const auto level = m.params.find("level");
        if (level == m.params.end() || level->second == 1) return "";
        return fmt::format("level {:g} is not supported (only level 1)", level->second);
      },
      .make = [](const element& el, build_ctx& ctx) -> std::unique_ptr<element_model> {
        return std::make_unique<mosfet_model>(el, ctx.nl);
      }};
  return t;
}

}  // namespace ionsim::circuit
