#pragma once
// The 1M1T1R neuron of R. Zhao et al., Nature Electronics 8, 1211 (2025) (PHYSICS.md §1): its
// circuit description, and the compact form of it, `dm1t1r`, that the trial ensembles and the
// network engine run.
//
// The compact form is the circuit's input side on its own: the transistor's gate draws no
// current, so the memristor, C_g and R_c form a closed system,
//   C_g dV_g/dt = (V_in - V_g)/R_d(x) - V_g/R_c,
// advanced per step of dt by the model-A step (device/zhao2025.hpp) at v_d = V_in - V_g held
// over the step, then V_g exactly for the step's R_d:
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
#include "device/zhao2025.hpp"

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

// A level crossing with hysteresis: true when v rises through `level` while armed; re-armed
// once v falls below `rearm`.
inline bool rising_edge(std::uint8_t& armed, double v, double level, double rearm) {
  if (armed && v >= level) {
    armed = 0;
    return true;
  }
  if (!armed && v < rearm) armed = 1;
  return false;
}

// The neuron of a preset: its memristor parameters and its [circuit] table (c_g, r_c, r_l,
// v_dd, vto, kp, c_l; the others keep the defaults above).
neuron_circuit neuron_from_preset(const std::string& preset);

// A batch of compact 1M1T1R neurons in structure-of-arrays form (model-A memristor only).
// Noise is drawn from the counter-based generator keyed by (seed, first_id + i, step), so a
// neuron's trajectory does not depend on the batch it is in or the thread that runs it.
class dm1t1r_population {
 public:
  // dt = 0: the memristor preset's own step.
  dm1t1r_population(const neuron_circuit& n, std::size_t size, std::uint64_t seed,
                    std::uint64_t first_id = 0, double dt = 0);

  std::size_t size() const { return x1_.size(); }
  double dt() const { return st_.dt; }
  void reset();
  // Per-neuron gate resistor [Ω] and drift-mobility factor (device-to-device variation).
  void set_r_c(std::size_t i, double r_c) { g_c_[i] = 1.0 / r_c; }
  void set_mu_scale(std::size_t i, double s) { mu_scale_[i] = s; }

  // Advances every neuron over step number `step` (from t = step dt to (step + 1) dt) with
  // input voltages v_in [V] held over the step. Afterwards spiked(i) / switched_on(i) say
  // whether neuron i spiked (V_g rose through v_spike) / its memristor switched on (R_d fell
  // below R_c; re-armed above 4 R_c) during the step.
  void advance(std::int64_t step, std::span<const double> v_in) {
    IONSIM_ASSERT(v_in.size() == size());
    advance(step, v_in.data(), 0, size());
  }
  // The same for neurons [first, last) only, v_in indexed like the population (threads may
  // advance disjoint ranges at the same time).
  void advance(std::int64_t step, const double* v_in, std::size_t first, std::size_t last);
  // A new step [s] (0: the memristor preset's) and a new identity of the noise streams.
  void set_dt(double dt);
  void set_noise(std::uint64_t seed, std::uint64_t first_id);
  // State arrays: 0 V_g [V], 1 x1, 2 x2 (for initial values and recording).
  std::span<double> state(std::size_t k);

  bool spiked(std::size_t i) const { return spiked_[i] != 0; }
  bool switched_on(std::size_t i) const { return switched_[i] != 0; }
  double v_g(std::size_t i) const { return vg_[i]; }
  double x1(std::size_t i) const { return x1_[i]; }
  double x2(std::size_t i) const { return x2_[i]; }
  double r_d(std::size_t i) const { return st_.resistance(x1_[i] + x2_[i]); }
  // Energy [J] delivered since reset by the input source (memristor, C_g, R_c) and by the
  // drain supply (transistor, R_l, C_l).
  double energy_input(std::size_t i) const { return e_in_[i]; }
  double energy_supply(std::size_t i) const { return e_out_[i]; }

 private:
  neuron_circuit n_;
  zhao2025_step st_;
  philox rng_;
  std::uint64_t first_id_;
  std::vector<double> x1_, x2_, vg_, g_c_, mu_scale_, e_in_, e_out_;
  std::vector<std::uint8_t> spiked_, switched_, armed_, on_;
};

// Drain current [A] of the output branch (level-1 NMOS, lambda = 0, W/L = 1, source grounded,
// drain through r_l to v_dd) at gate voltage v_g; `v_drain` receives the drain voltage.
double output_current(const neuron_circuit& n, double v_g, double* v_drain = nullptr);

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
