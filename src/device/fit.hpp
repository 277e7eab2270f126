#pragma once
// Calibration of a device model to measured data: the parameters are chosen so that the
// simulated statistics match the measured ones (V_th and V_hold distributions and the I-V
// envelope of sweeps; switching-delay and relaxation distributions of pulses). The optimizer
// is NLopt's CRS2 (controlled random search, a global method) followed by a local method from
// the best point: for sweeps Levenberg-Marquardt on the objective's residuals, for pulses
// NLopt's BOBYQA (derivative-free); a sweep fit whose global share is shorter than two CRS2
// populations spends it locally. The stochastic objective uses common random numbers (the same
// seed at every evaluation), so it is a deterministic function of the parameters.
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "device/experiment.hpp"
#include "device/polarity.hpp"
#include "device/registry.hpp"

namespace ionsim {

struct fit_options {
  std::vector<fit_param> free;   // parameters to fit; empty: the model's defaults (fit_defaults)
  int max_evals = 400;           // objective evaluations in all; 0: evaluate the start, no fit
  double global_fraction = 0.6;  // share of max_evals for the global (CRS2) phase
  std::string local = "lm";      // sweep: the local phase, "lm" (Levenberg-Marquardt on the
                                 // residuals) or "bobyqa" (on the objective); pulses: bobyqa
  std::uint64_t seed = 1;        // seed of the common random numbers
  int devices = 0;   // sweep: devices simulated per evaluation (each all cycles); 0: the model's
                     // own (fit_defaults::sweep_lanes, at least 2)
  int trials = 300;  // pulse: trials simulated per evaluation
  double dwell = 10e-3;    // [s] sweep: time at each voltage point
  double r_series = 22e3;  // [Ω] pulse: series resistor of the measurement
  double holdout = 0.3;    // sweep: share of the last cycles held out of the fit
  int orientation = 1;     // sweep: -1 applies the data's voltages reversed
  bool intervals = true;   // sweep: the parameters' 95 % Laplace intervals
  // Called after every evaluation with (evaluation, best objective so far, phase name).
  std::function<void(int, double, const char*)> on_progress;
};

// The 95 % interval of a fitted parameter and whether it is identifiable (the interval spans
// at most a factor of 10).
struct param_interval {
  std::string name;
  double value = 0, lo95 = 0, hi95 = 0;
  bool identifiable = false;
};

struct fit_outcome {
  device_config config;   // the fitted parameters, with [protocol] and [fit] tables
  nlohmann::json report;  // measured against simulated statistics, side by side
  double objective = 0;
  int evaluations = 0;
  std::string trace_csv;                  // the final simulation in the format of the measured file
  double held_out_objective = 0;          // sweep: the objective on the held-out cycles
  std::vector<param_interval> intervals;  // sweep: with o.intervals
};

// A fit request's budget and free list, checked alike for the command line and Python (the
// names are how the caller spells max_evals and the free list): max_evals 0 (no fit, the start
// reported) or at least 10; neither 0 nor a free list with model auto.
void check_fit_request(bool automatic, int max_evals, bool named_free, const char* evals_name,
                       const char* free_name);

// The fit parameters named (with their search bounds) among those the model declares for the
// measurement (sweeps: every sweep list, the optional one included; pulses: the pulse list).
// An unknown name or a duplicate is an input_error naming the choices.
std::vector<fit_param> declared_fit_params(const device_type& type,
                                           const std::vector<std::string>& names, bool sweep);

// The fits' optimizer for any objective of a config's parameters (CRS2 on a share of
// o.max_evals, then BOBYQA from the best point; o.seed seeds CRS2, o.on_progress reports).
// Returns the start with the best parameters found; `report` receives the [fit] table
// (algorithm, evaluations, objective, seed, seconds, free parameters).
device_config minimize_params(const device_config& start, const std::vector<fit_param>& free,
                              const std::function<double(const device_config&)>& objective,
                              const fit_options& o, nlohmann::json& report);

// The same optimizer on any objective of bounded parameters (searched on a log scale where
// fit_param::log): `x` holds the start, in the parameters' units, and receives the best point
// found; returns the best objective value. `evaluations` receives the count. With `residuals`
// (whose sum of squares is the objective) and o.local "lm", the local phase is
// Levenberg-Marquardt on them.
double minimize_bounded(
    const std::vector<fit_param>& free, std::vector<double>& x,
    const std::function<double(const std::vector<double>&)>& objective, const fit_options& o,
    int* evaluations = nullptr,
    const std::function<std::vector<double>(const std::vector<double>&)>& residuals = {});

// Laplace approximation at the optimum `x` (parameter units) of a least-squares objective
// sum_i r_i(x)^2 whose residuals are already divided by their uncertainties: the covariance is
// (J^T J)^-1 in the search coordinates (log10 where fit_param::log), J by central differences
// of 2 % of each parameter's search range (one-sided at a bound). A direction the residuals do
// not see (a zero eigenvalue of J^T J) makes every parameter in it unidentifiable.
std::vector<param_interval> laplace_intervals(
    const std::vector<fit_param>& free, const std::vector<double>& x,
    const std::function<std::vector<double>(const std::vector<double>&)>& residuals);

// A flat JSON object as a TOML table (numbers, strings, booleans, arrays of them).
toml::table to_toml_table(const nlohmann::json& j);

// Infers the protocol from the data (range, points, compliance; the polarity class of
// device/polarity.hpp) and fits the first cycles, reporting the last o.holdout of them apart
// ("held_out", with the acceptance of docs/fits/model-choice.md).
fit_outcome fit_sweep(const sweep_data& data, const device_config& start, const fit_options& o);
// A model and structure `--model auto` tries on sweep data: every registered model that
// declares sweep fit parameters, from its sweep_start preset; a model with a `symmetric` flag
// twice, symmetric and one-sided (oriented so that it switches on the data's switching side),
// and, when the data switch in both polarities and the model declares per-polarity parameters
// (fit_defaults::sweep_polarity), a third time: symmetric with its own kinetics per polarity.
struct sweep_candidate {
  device_config start;
  std::string structure;  // "symmetric", "per polarity", "asymmetric" or "as declared"
  int orientation = 1;
  std::vector<fit_param> free;  // the parameters fitted (empty: the model's sweep defaults)
};
// The candidates for data of features `f` (device/polarity.hpp: classify_sweep); `skipped`
// receives the registered models that are not candidates, with why.
std::vector<sweep_candidate> sweep_candidates(const sweep_features& f,
                                              std::vector<std::string>* skipped = nullptr);
// Where the auto search stands when it starts a fit: candidate (of candidates), its start
// ("preset" or "the symmetric fit"), and the evaluations of the fits before it and of all.
struct auto_step {
  std::size_t candidate = 0, candidates = 0;
  std::string start;
  int evals_before = 0, evals_total = 0;
};
// Fits every candidate (o.max_evals each, twice for the per-polarity structure: from its preset
// and from the symmetric fit, keeping the smaller objective on the fitted cycles; o.free is
// ignored) and returns the one with the smallest objective on the held-out cycles, its report
// with a "model_choice" table. `on_fit` is told before each fit.
fit_outcome fit_sweep_auto(
    const sweep_data& data, const fit_options& o,
    const std::function<void(const sweep_candidate&, const auto_step&)>& on_fit = {});
// Infers the pulse protocol (amplitude, width, read level, timing) and fits.
fit_outcome fit_pulse(const pulse_data& data, const device_config& start, const fit_options& o);

// The pulse protocol of a measured pulse file and its sampling interval [s].
pulse_protocol infer_pulse_protocol(const pulse_data& data, double* sample = nullptr);
// The current compliance of a measured sweep [A] (0 if the current never saturates).
double infer_compliance(const sweep_data& data);

}  // namespace ionsim
