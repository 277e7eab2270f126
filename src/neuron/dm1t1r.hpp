#pragma once
// The 1M1T1R neuron of R. Zhao et al., Nature Electronics 8, 1211 (2025) (PHYSICS.md §1): its
// circuit description, and the compact form of it, `dm1t1r`, that the trial ensembles and the
// network engine run.
//
// The compact form is the circuit's input side on its own: the transistor's gate draws no
// current, so the memristor, C_g and R_c form a closed system,
//   C_g dV_g/dt = (V_in - V_g)/R_d(x) - V_g/R_c,
// advanced per step of dt by the memristor's device model (any model of the registry) at
// v_d = V_in - V_g held over the step, then V_g exactly for the step's R_d:
//   V_g <- V_inf + (V_g - V_inf) exp(-dt/tau), V_inf = V_in R_c/(R_d + R_c),
//   tau = C_g R_d R_c/(R_d + R_c).
// Holding v_d over the step splits the coupling at first order in dt (the device's own step
// is second order); against ngspice the spike times converge with dt (docs/neuron/characterize.md).
// The output branch (NMOS level 1 with R_l to V_dd) only enters the energy: its drain current
// is solved algebraically from the step's mean V_g (C_l neglected: valid while R_l C_l is
// short against a spike; the energy protocol uses the circuit engine for that reason). It is
// checked against the full circuit engine in tests/validation/test_neuron_characterize.cpp.
// docs/neuron/characterize.md.
#include <cmath>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/random.hpp"
#include "device/registry.hpp"
#include "neuron/compact.hpp"
#include "neuron/gate_kernel.hpp"

namespace ionsim::neuron {

struct neuron_circuit {
  device_config memristor;
  double c_g = 10e-12;    // [F] gate capacitance
  double r_c = 250e6;     // [Ω] gate resistor to ground (the "R" of 1M1T1R)
  double r_l = 47e3;      // [Ω] drain load
  double v_dd = 0.5;      // [V] drain supply
  double vto = 0.22;      // [V] NMOS threshold (level 1, ALD110902 equivalent)
  double kp = 7.5e-4;     // [A/V²] NMOS transconductance parameter (W/L = 1)
  double c_l = 0;         // [F] drain load capacitance (0: none)
  double v_spike = 0.22;  // [V] a spike is V_g rising through this level (set to vto)
  double v_rearm = 0.20;  // [V] ... after V_g has fallen below this since the last spike
};

// The spike rule: the transistor turns on (V_g rising through VTO), counted again once V_g
// has fallen 20 mV below it.
inline void set_spike_levels(neuron_circuit& n) {
  n.v_spike = n.vto;
  n.v_rearm = n.vto - 0.02;
}

// The gate node over a step of dt, exactly for a fixed memristor conductance g_d: C_g dV/dt =
// (v_in - V) g_d - V g_c. Returns V at the step's end; `mean` receives V's mean over the step.
inline double gate_step(double v0, double v_in, double g_d, double g_c, double c_g, double dt,
                        double* mean = nullptr) {
  const double gsum = g_d + g_c, v_inf = v_in * g_d / gsum, tau = c_g / gsum;
  const double decay = std::exp(-dt / tau);
  if (mean) *mean = v_inf + (v0 - v_inf) * (tau / dt) * (1.0 - decay);
  return v_inf + (v0 - v_inf) * decay;
}

// The same node with its input relaxing over the step, v_in(t) = a + b exp(-t / tau_in) [V]
// (t from the step's start; an input integrator on its way to its rest a), exactly for a
// fixed memristor conductance: V(t) = v_inf + (v0 - v_inf) e^(-r t) + k b t e^(-r t) phi(d t),
// r = (g_d + g_c) / C_g, k = g_d / C_g, d = r - 1 / tau_in, phi(x) = (e^x - 1) / x (no
// cancellation near d = 0). `mean` as above (near d = 0 to first order in d dt).
inline double gate_step_relaxing(double v0, double a, double b, double tau_in, double g_d,
                                 double g_c, double c_g, double dt, double* mean = nullptr) {
  if (b == 0) return gate_step(v0, a, g_d, g_c, c_g, dt, mean);
  const double gsum = g_d + g_c, v_inf = a * g_d / gsum, r = gsum / c_g, k = g_d / c_g;
  const double d = r - 1.0 / tau_in, x = d * dt;
  const double e_n = std::exp(-r * dt);
  const double phi = std::fabs(x) < 1e-8 ? 1.0 + 0.5 * x : std::expm1(x) / x;
  if (mean) {
    // (1/dt) times the integral of (v0 - v_inf) e^(-r t) + k b (e^(-t/tau_in) - e^(-r t)) / d
    const double rdt = r * dt;
    const double hom = rdt < 1e-8 ? 1.0 - 0.5 * rdt : -std::expm1(-rdt) / rdt;
    double forced;
    if (std::fabs(x) < 1e-4) {  // k b t e^(-r t) (1 + d t / 2)
      const double i1 = rdt < 1e-4 ? 0.5 * dt : (1.0 - e_n * (1.0 + rdt)) / (r * r * dt);
      forced = k * b * i1;
    } else {
      const double rin_dt = dt / tau_in;
      const double hin = rin_dt < 1e-8 ? 1.0 - 0.5 * rin_dt : -std::expm1(-rin_dt) / rin_dt;
      forced = k * b * (hin - hom) / d;
    }
    *mean = v_inf + (v0 - v_inf) * hom + forced;
  }
  return v_inf + (v0 - v_inf) * e_n + k * b * dt * e_n * phi;
}

// A level crossing with hysteresis: true when v rises through `level` while armed; re-armed
// once v falls below `rearm`.
inline bool rising_edge(std::uint8_t& armed, double v, double level, double rearm) {
  // without branches (a network checks every neuron every step): armed and at the level fires
  // and disarms; disarmed below the re-arm level re-arms
  const bool was = armed != 0, up = v >= level, low = v < rearm;
  armed = static_cast<std::uint8_t>((was & !up) | (!was & low));
  return was & up;
}

// The neuron of a preset (a built-in name, or a file such as `ionsim neuron fit` writes): its
// memristor parameters and its [circuit] table (c_g, r_c, r_l, v_dd, vto, kp, c_l; the others
// keep the defaults above).
neuron_circuit neuron_from_preset(const std::string& preset);

// Drain current [A] of the output branch (level-1 NMOS, lambda = 0, W/L = 1, source grounded,
// drain through r_l to v_dd) at gate voltage v_g; `v_drain` receives the drain voltage.
double output_current(const neuron_circuit& n, double v_g, double* v_drain = nullptr);

// The 1M1T1R input side as a compact-neuron circuit (neuron/compact.hpp): the memristor from
// the input to the gate, C_g and R_c from the gate to ground; the output branch only enters
// the energy of the drain supply.
struct gate_circuit {
  explicit gate_circuit(const neuron_circuit& nc) : n(nc), g_node(1.0 / nc.r_c) {}
  double device_voltage(double v_in, double v_g) const { return v_in - v_g; }
  double node_step(double v_g, double v_in, double g_d, double g_c, double dt, double* mean) const {
    return gate_step(v_g, v_in, g_d, g_c, n.c_g, dt, mean);
  }
  // node_step for a whole batch, vectorized: false (nothing done) where the CPU cannot.
  bool node_steps(std::span<const double> v_in, std::span<const double> g_d,
                  std::span<const double> g_c, double dt, std::span<double> v_g,
                  std::span<double> mean) const {
    return detail::gate_steps(v_in.data(), g_d.data(), g_c.data(), n.c_g, dt, v_g.data(),
                              mean.data(), v_g.size());
  }
  double node_step_relaxing(double v_g, double a, double b, double tau_in, double g_d, double g_c,
                            double dt, double* mean) const {
    return gate_step_relaxing(v_g, a, b, tau_in, g_d, g_c, n.c_g, dt, mean);
  }
  // node_step_relaxing for a whole batch from v0 into v1 and mean (b empty: held inputs),
  // vectorized: false (nothing done) where the CPU cannot.
  bool node_steps_relaxing(std::span<const double> a, std::span<const double> b, double tau_in,
                           std::span<const double> g_d, std::span<const double> g_c, double dt,
                           std::span<const double> v0, std::span<double> v1,
                           std::span<double> mean) const {
    return detail::gate_steps_relaxing({a.data(), b.empty() ? nullptr : b.data(), tau_in,
                                        g_d.data(), g_c.data(), n.c_g, dt, v0.data(), v1.data(),
                                        mean.data(), v1.size()});
  }
  bool spike(std::uint8_t& armed, double v_g, double, double) const {
    return rising_edge(armed, v_g, n.v_spike, n.v_rearm);
  }
  // Exact integrals of the exponential V_g(t) over the step.
  void energy(double v_in, double mean_vg, double g_d, double, double dt, double& e_in,
              double& e_out) const {
    e_in += v_in * (v_in - mean_vg) * g_d * dt;
    if (mean_vg > n.vto) e_out += n.v_dd * output_current(n, mean_vg) * dt;  // else cut off
  }

  neuron_circuit n;
  double g_node;  // [S] 1 / R_c
};

// A batch of compact 1M1T1R neurons on any registered memristor model.
using dm1t1r_batch = compact_batch<gate_circuit>;

// The input of a protocol: `count` rectangular pulses of `amplitude` [V] and `width` [s], one
// every `period` [s], from `start` [s]. count < 0: no end; period <= 0: one pulse;
// width <= 0: the level stays on. Edges fall on whole steps (rounded).
struct pulse_input {
  double amplitude = 0;  // [V]
  double width = 0;      // [s]
  double period = 0;     // [s]
  double start = 0;      // [s]
  int count = -1;
};

struct ensemble_options {
  double t_end = 0.3;         // [s]
  int stop_after_spikes = 0;  // > 0: a trial ends after this many spikes
  double r_c = 0;             // [Ω] gate resistor (0: the neuron's)
  double d2d = 0;             // [1] device-to-device spread: relative std of mu (lognormal)
  std::uint64_t seed = 1;     // trial k uses the noise of device id k under this seed
  double dt = 0;              // [s] step (0: the memristor preset's)
  double window = 0.05;       // [s] tail of the run over which time above v_spike is summed
  std::function<void(int)> on_trials_done;  // progress: trials finished so far
};

struct trial {
  std::vector<double> spikes;     // [s] V_g rising through v_spike (end of the step)
  std::vector<double> switch_on;  // [s] R_d falling below R_c
  double energy_input = 0;        // [J] delivered by the input source
  double energy_supply = 0;       // [J] delivered by the drain supply
  double time_high_tail = 0;      // [s] time with V_g >= v_spike in the last `window`
  double t_end = 0;               // [s] where the trial stopped
};

// Independent trials of the compact neuron under one input, in parallel (OpenMP). Trial k
// draws the noise of device id k, so the same seed gives common random numbers across
// protocols and conditions, and results do not depend on the thread count.
std::vector<trial> run_ensemble(const neuron_circuit& n, const pulse_input& in, int trials,
                                const ensemble_options& o);

}  // namespace ionsim::neuron
