#pragma once
// Device experiments as the measurements define them: quasi-static triangular I-V sweeps and
// single-pulse switching, with the V_th / V_hold and switching-delay / relaxation extraction
// of ../shared/data/device/README.md (T. Wang et al. 2024, Utilities.py of the reference).
#include <cstddef>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "device/model.hpp"
#include "device/stdp_protocol.hpp"

namespace ionsim {

// Extraction thresholds of the data README.
inline constexpr double vth_current = 10e-9;     // [A] V_th: |I| rises above this
inline constexpr double vhold_current = 10e-12;  // [A] V_hold: |I| falls below this
inline constexpr double switch_current = 1e-6;   // [A] switching: |I| rises above this
inline constexpr double relax_current = 10e-9;   // [A] relaxation: |I| falls below this

struct summary_stats {
  std::size_t n = 0;
  double mean = 0, std = 0, median = 0, p25 = 0, p75 = 0, min = 0, max = 0;
};
// Mean, population standard deviation (as numpy.std), median and quartiles; n = 0 if empty.
summary_stats describe(std::vector<double> x);

struct threshold_pair {
  std::optional<double> vth;    // [V] |V| on the rising branch where |I| first exceeds 10 nA
  std::optional<double> vhold;  // [V] |V| on the falling branch where |I| first drops below 10 pA
};
// One sweep cycle (voltages and currents in measurement order). Rising and falling steps are
// told apart by |V| as in the reference: a point counts as rising if |V| grew from the
// previous point, and the "coming from below/above" condition uses the previous point of
// the same branch.
threshold_pair extract_thresholds(std::span<const double> v, std::span<const double> i);

struct pulse_times {
  std::optional<double> delay;  // [s] from the pulse's rise to |I| > 1 uA
  std::optional<double> relax;  // [s] from the pulse's end to |I| < 10 nA
};
// One pulse trial sampled at times t; the pulse is where v crosses v_mid.
pulse_times extract_pulse_times(std::span<const double> t, std::span<const double> v,
                                std::span<const double> i, double v_mid);

// Measured data ----------------------------------------------------------------------------

struct sweep_data {
  std::string path;
  std::vector<std::vector<double>> v, i;  // [cycle][point], as recorded
};
sweep_data read_sweep_csv(const std::string& path);

struct pulse_data {
  std::string path;
  std::vector<std::vector<double>> t, v, i;  // [trial][sample]
};
pulse_data read_pulse_csv(const std::string& path);

// Protocols ---------------------------------------------------------------------------------

// One triangular cycle 0 -> vmax -> 0 in `points` points, laid out as the measured file:
// (points-1)/2 rising points vmax*k/n (k = 1..n), then n+1 falling points vmax*(n-k)/n.
std::vector<double> sweep_cycle(double vmax, int points);

struct sweep_result {
  std::vector<std::vector<double>> v;               // [cycle][point] applied voltage
  std::vector<std::vector<std::vector<double>>> i;  // [device][cycle][point] current at dwell end
};
using progress_fn = std::function<void(double fraction)>;
// Drives every device of `model` through the cycles, each point held for `dwell` [s] in
// steps of dt [s]; the current is read at the end of each dwell.
sweep_result run_sweep(device_model& model, const std::vector<std::vector<double>>& cycles,
                       double dwell, double dt, const progress_fn& progress = {});

struct pulse_protocol {
  double amplitude = 1.0;  // [V]
  double width = 20e-3;    // [s]
  double read = 0.1;       // [V] level before and after the pulse
  double pre = 1e-3;       // [s] read time before the pulse
  double post = 30e-3;     // [s] read time after the pulse
};
struct pulse_result {
  std::vector<double> t;               // [s] recorded sample times
  std::vector<double> v;               // [V] applied voltage at those times
  std::vector<std::vector<double>> i;  // [trial][sample] for the recorded trials
  std::vector<pulse_times> times;      // per trial (every device of the batch)
  std::vector<double> i_on;            // [A] per trial, current at the end of the pulse
};
// Each device of the batch is one trial. Switching times are detected at every step; the
// traces of the first `record_trials` trials are kept every `sample` [s].
pulse_result run_pulse(device_model& model, const pulse_protocol& p, double dt,
                       std::size_t record_trials, double sample, const progress_fn& progress = {});

// Checks the protocol against the largest |delta_t|; throws input_error naming the parameter
// as the Python keyword does (the command line spells it with dashes).
void check_stdp_protocol(const stdp_protocol& p, double max_abs_delta_t);

struct stdp_result {
  std::vector<double> delta_t;            // [s] t_post - t_pre, one per device of the batch
  std::vector<double> g_before, g_after;  // [S] conductance before the first and after the
                                          // last pairing
  std::vector<double> dg_rel;             // [1] g_after / g_before - 1
  std::vector<double> energy;             // [J] dissipated in the device, all pairings
  double duration = 0;                    // [s] simulated time
};
// Device d of the batch is paired at delta_t[d] (delta_t.size() == model.size()), from the
// model's reset state, in steps of dt [s] (at most a quarter of the spike's width).
stdp_result run_stdp(device_model& model, const stdp_protocol& p, std::span<const double> delta_t,
                     double dt, const progress_fn& progress = {});

// The window's decay on one side: |dG/G| = a exp(-|delta_t| / tau), fitted by least squares on
// ln|dG/G| over the points of that side with the window's sign and at least `floor` times the
// side's largest change.
struct window_side {
  std::size_t points = 0;  // points in the fit
  double peak = 0;         // [1] dG/G at the smallest |delta_t| of the side
  double a = 0;            // [1] the fit's |dG/G| at delta_t = 0
  double tau = 0;          // [s] fitted decay time (0 when fewer than 2 points)
};
window_side fit_window_side(std::span<const double> delta_t, std::span<const double> dg_rel,
                            bool positive_side, double floor = 0.01);

// Extraction over whole experiments --------------------------------------------------------

struct threshold_lists {
  std::vector<double> vth, vhold;  // [V] over all cycles (and devices) where found
  std::size_t cycles = 0;
};
// V_th and V_hold of every cycle of currents i[cycle][point] under voltages v[cycle][point].
threshold_lists sweep_thresholds(const std::vector<std::vector<double>>& v,
                                 const std::vector<std::vector<double>>& i);
threshold_lists sweep_thresholds(const sweep_result& r);

struct pulse_lists {
  std::vector<double> delay, relax;  // [s] over trials where found
  std::size_t trials = 0;
};
pulse_lists pulse_times_of(const std::vector<pulse_times>& t);
pulse_lists pulse_times_of(const pulse_data& d);

}  // namespace ionsim
