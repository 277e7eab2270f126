#pragma once
// The level-1 MOSFET of the circuit engine (docs/circuit/engine.md).
#include <cmath>

namespace ionsim::circuit {

inline constexpr double thermal_voltage = 0.025852;  // [V] kT/q at 300 K

// Level-1 MOSFET (Shichman-Hodges, as ngspice's level 1) with an optional smooth subthreshold
// tail: the overdrive vgs - vth is replaced by 2 n Vt ln(1 + exp((vgs - vth) / (2 n Vt))),
// which equals it well above threshold and makes the current decay as exp((vgs - vth)/(n Vt))
// below it (docs/circuit/engine.md).
struct mos_model {
  int type = 1;  // +1 NMOS, -1 PMOS
  double vto = 0, kp = 2e-5, lambda = 0, gamma = 0, phi = 0.6, ld = 0;
  bool subthreshold = false;
  double n = 1.5;
};

struct mos_eval {
  double id;              // current into the drain terminal [A]
  double dd, dg, ds, db;  // its derivatives with respect to the terminal voltages [S]
};

inline mos_eval mos_current(const mos_model& m, double beta, double vd, double vg, double vs,
                            double vb) {
  const double t = m.type;
  const bool reversed = t * (vd - vs) < 0;
  const double vx = reversed ? vd : vs;  // the terminal acting as source
  const double vy = reversed ? vs : vd;  // the terminal acting as drain
  const double vds = t * (vy - vx), vgs = t * (vg - vx), vbs = t * (vb - vx);
  double sarg, dsarg;
  if (vbs <= 0) {
    sarg = std::sqrt(m.phi - vbs);
    dsarg = -0.5 / sarg;
  } else {  // forward-biased bulk, as SPICE
    const double sp = std::sqrt(m.phi);
    sarg = sp / (1 + 0.5 * vbs / m.phi);
    dsarg = -sarg * sarg / (2 * m.phi * sp);
  }
  const double vth = t * m.vto + m.gamma * (sarg - std::sqrt(m.phi));
  double vov = vgs - vth, dvov = 1.0;
  if (m.subthreshold) {
    const double s = 2 * m.n * thermal_voltage;
    const double z = vov / s;
    if (z < 40) {
      vov = s * std::log1p(std::exp(z));
      dvov = 1.0 / (1.0 + std::exp(-z));
    }
  }
  double id = 0, gm = 0, gds = 0;
  if (vov > 0) {
    const double cl = 1 + m.lambda * vds;
    if (vds >= vov) {
      id = 0.5 * beta * vov * vov * cl;
      gm = beta * vov * cl;
      gds = 0.5 * beta * vov * vov * m.lambda;
    } else {
      id = beta * vds * (vov - 0.5 * vds) * cl;
      gm = beta * vds * cl;
      gds = beta * (vov - vds) * cl + beta * vds * (vov - 0.5 * vds) * m.lambda;
    }
    gm *= dvov;
  }
  const double gmbs = -gm * m.gamma * dsarg;
  // d(id)/d(vg, vy, vx, vb) of the normalized current; t*t = 1 cancels the polarity.
  const double dg = gm, dy = gds, db = gmbs, dx = -(gm + gds + gmbs);
  mos_eval e;
  if (!reversed) {
    e = {t * id, dy, dg, dx, db};
  } else {  // the current flows into the physical source
    e = {-t * id, -dx, -dg, -dy, -db};
  }
  return e;
}

}  // namespace ionsim::circuit
