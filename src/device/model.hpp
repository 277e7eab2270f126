#pragma once
// One interface for every device model: a batch of N devices in structure-of-arrays form,
// advanced by one batched kernel call. Devices have global ids [first_id, first_id + N) so
// that the random numbers of a device do not depend on how devices are split into batches.
#include <cmath>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ionsim {

// How the applied voltage reaches the device: through a series resistor, with an
// instrument's current compliance (0 means none).
struct drive_settings {
  double r_series = 0;      // [Ω]
  double i_compliance = 0;  // [A]
};

// The voltage across a device of resistance r_m given the applied voltage: the series
// divider, then the current compliance (|v| <= i_c * r_m).
inline double device_voltage(double v_applied, double r_m, const drive_settings& d) {
  double v = d.r_series > 0 ? v_applied * r_m / (d.r_series + r_m) : v_applied;
  if (d.i_compliance > 0) {
    const double vmax = d.i_compliance * r_m;
    v = v > vmax ? vmax : (v < -vmax ? -vmax : v);
  }
  return v;
}

// The current through the branch (series resistor and device) with the compliance applied.
inline double branch_current(double v_applied, double r_m, const drive_settings& d) {
  double i = v_applied / (r_m + d.r_series);
  if (d.i_compliance > 0) {
    i = i > d.i_compliance ? d.i_compliance : (i < -d.i_compliance ? -d.i_compliance : i);
  }
  return i;
}

// An interval of the dyadic time grid: [index, index + 1) * root / 2^level [s] from the start
// of the run. Integer-keyed, so that adaptive integrators, threads and resumed runs name the same
// interval the same way (core/brownian.hpp).
struct dyadic_interval {
  double root = 0;  // [s] length of a level-0 interval
  int level = 0;
  std::uint64_t index = 0;
  // false: the drift alone, without the model's Wiener noise (an adaptive integrator's error
  // estimate; see path_noise)
  bool noise = true;
  double h() const { return std::ldexp(root, -level); }
  double t0() const { return h() * static_cast<double>(index); }
};

class device_model {
 public:
  virtual ~device_model() = default;

  virtual std::string_view model_name() const = 0;
  std::size_t size() const { return n_; }
  // The integration step the parameter set was made for [s].
  virtual double default_dt() const = 0;

  // Puts every device in its initial state (random initial states are keyed by seed and id).
  virtual void reset() = 0;

  // Advances every device by n_steps steps of dt [s], the first being integer step
  // `first_step` (physical time first_step * dt), holding applied voltage v_applied[i] [V].
  // Writes the branch current [A] and the device conductance [S] at the end.
  virtual void advance(std::int64_t first_step, int n_steps, double dt,
                       std::span<const double> v_applied, std::span<double> current,
                       std::span<double> conductance) = 0;

  // Variable-step use (circuits): advances every device from time t0 [s] over h [s] with
  // v_device[i] [V] across it (drive settings are not applied: the circuit holds the series
  // resistor). `counter` numbers the step for models that draw noise per step; repeating a
  // step with the same counter (after a rejected step) draws the same numbers.
  virtual void advance_interval(double t0, double h, std::uint64_t counter,
                                std::span<const double> v_device) = 0;
  // The same step for the circuit's Newton iteration: the current of each device [A] at the
  // interval's end, and its derivative dI/dV [S] with respect to the voltage held over the
  // interval (through the state the interval ends in). This default differentiates by a
  // forward difference (two advances from a saved state); a model overrides it with its
  // analytic derivative.
  virtual void advance_interval_slope(double t0, double h, std::uint64_t counter,
                                      std::span<const double> v_device, std::span<double> current,
                                      std::span<double> didv);
  // Step-independent use (adaptive integration): advances every device over the dyadic interval
  // `iv` with v_device[i] [V] across it. The noise is that of a sample path that does not depend
  // on how time is split into intervals: for model A, Wiener increments from the virtual Brownian
  // tree keyed by (seed, device id, level, index). This default suits models whose noise follows
  // a clock of physical time (advance_interval keyed by t0); a model that draws noise per step
  // overrides it.
  virtual void advance_dyadic(const dyadic_interval& iv, std::span<const double> v_device);
  // Per-device use (adaptive integrators that give each device its own steps): advances only
  // devices [first, last) over `iv`, v_device indexed like the batch; and one device's whole
  // state, to retry its step. A model that cannot advance part of its batch returns false and
  // leaves the state unchanged (its devices then share their steps).
  virtual bool advance_dyadic_range(const dyadic_interval& /*iv*/,
                                    std::span<const double> /*v_device*/, std::size_t /*first*/,
                                    std::size_t /*last*/) {
    return false;
  }
  // Whether advance_dyadic draws Wiener increments (a noise term of order sqrt(h), which step
  // doubling would take for truncation error); such a model advances the drift alone when the
  // interval's `noise` is false.
  virtual bool path_noise() const { return false; }
  // Device i's whole state, beginning with the state_names() variables in their order (a
  // retried sub-step, a checkpoint that does not depend on how devices are cut into batches);
  // empty where the model cannot give one device's state.
  virtual void save_device(std::size_t /*i*/, std::vector<double>& out) const { out.clear(); }
  virtual void restore_device(std::size_t /*i*/, const std::vector<double>& /*in*/) {}

  // Two-terminal drive by voltage waveforms from t0 over h [s]: v(t, out) writes each device's
  // voltage [V] at time t. Time is cut into the dyadic intervals of `level` on the grid of the
  // model's default step (root default_dt(); level 0: the step the parameter set was made for),
  // each holding the voltages at its midpoint and advanced by advance_dyadic, so that the noise
  // is the same however a drive is split into calls. t0 and h must be whole multiples of the
  // interval length (input_error otherwise).
  void advance_waveform(double t0, double h, int level,
                        const std::function<void(double, std::span<double>)>& v);

  // Event functions that an integrator can locate in time: each is a function of a device's
  // state that crosses zero upward when the event happens. Default: one event, "on", the
  // resistance falling through the geometric mean of its on and off values.
  virtual std::vector<std::string> event_names() const { return {"on"}; }
  virtual void event_values(std::size_t k, std::span<double> g) const;
  // The resistances of the fully formed and the fully dissolved filament [Ω].
  virtual std::pair<double, double> resistance_range() const = 0;

  // Resistance of device i in its present state [Ω].
  virtual double resistance(std::size_t i) const = 0;
  // g[i] = 1 / resistance(i) [S] for every device (a model may compute them vectorized).
  virtual void conductances(std::span<double> g) const {
    for (std::size_t i = 0; i < n_; ++i) g[i] = 1.0 / resistance(i);
  }
  // The whole state, to retry a step from it.
  virtual void save_state(std::vector<double>& out) const = 0;
  virtual void restore_state(const std::vector<double>& in) = 0;

  // Scales the ion drift (mobility) of device i by s, on top of the model's own
  // device-to-device variation: per-device parameters of neurons built on the batch.
  virtual void set_drift_scale(std::size_t i, double s) = 0;

  // Internal state variables, for recording.
  virtual std::vector<std::string> state_names() const = 0;
  virtual std::span<const double> state(std::size_t k) const = 0;

  drive_settings drive;

 protected:
  device_model(std::size_t n, std::uint64_t seed, std::uint64_t first_id)
      : n_(n), seed_(seed), first_id_(first_id) {}
  std::size_t n_;
  std::uint64_t seed_;
  std::uint64_t first_id_;
};

}  // namespace ionsim
