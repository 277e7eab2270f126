#pragma once
// Fitting a neuron to a recorded neuron's spikes under a recorded stimulus, and predicting its
// spikes for another stimulus: the 1M1T1R neuron (input mapping V_in = v0 + gain s_f(t - delay),
// R_c and C_g free, noise off) and, as the baseline, a leaky integrate-and-fire neuron (input
// mapping I = b + a s_f(t - delay), tau and t_ref free); s_f is the stimulus low-pass filtered
// with a fitted time constant tau_in. The fit minimises the van Rossum distance at 2 ms and
// reports the coincidence factor Gamma (analysis/spike_train.hpp) at 2 and 4 ms.
// docs/neuron/fit-spikes.md.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "neuron/dm1t1r.hpp"

namespace ionsim::neuron {

// A stimulus sampled at a constant step and the spikes recorded under it, in seconds.
struct recording {
  std::string stimulus_source, spikes_source;
  double t0 = 0, dt = 0;  // stimulus sample k is at t0 + k dt
  std::vector<double> stimulus;
  std::vector<double> spikes;  // sorted, inside the stimulus
  double t_end() const { return t0 + dt * static_cast<double>(stimulus.size()); }
};

// Reads a stimulus file (two columns: time, value) and a spike file (one column: time), both
// whitespace-separated with '#' comments, times in `time_unit` seconds. The stimulus must be
// sampled at a constant step; every problem is an input_error naming the file and line.
recording read_recording(const std::string& stimulus_path, const std::string& spikes_path,
                         double time_unit);

// The first `seconds` of a recording (the whole of it when seconds <= 0).
recording head(const recording& r, double seconds);

struct lif_params {
  double a = 3, b = 0.8;  // [1] drive per unit stimulus and offset, in units of threshold
  double tau = 10e-3;     // [s] membrane time constant
  double t_ref = 2e-3;    // [s] refractory time
  double delay = 2e-3;    // [s] stimulus to drive
  double tau_in = 1e-3;   // [s] low-pass filter of the stimulus (0: none)
};
// Spike times of the LIF (threshold 1, reset 0) driven by the recording's stimulus; the input
// is held over each sample and the membrane integrated exactly.
std::vector<double> lif_response(const recording& r, const lif_params& p);

struct dm1t1r_params {
  double v0 = 0.75, gain = 0.3;  // [V] input at zero stimulus, [V per unit stimulus]
  double r_c = 250e6;            // [Ω]
  double c_g = 10e-12;           // [F]
  double delay = 2e-3;           // [s]
  double tau_in = 1e-3;          // [s] low-pass filter of the stimulus (0: none)
  double mu_scale = 1;           // [1] factor on the memristor's drift mobility mu
};
// Spike times of the compact 1M1T1R neuron (noise off) driven by V_in = v0 + gain s_f(t - delay),
// the stimulus held over each sample, stepped at dt [s].
std::vector<double> dm1t1r_response(const neuron_circuit& n, const recording& r,
                                    const dm1t1r_params& p, double dt);

struct fit_spikes_options {
  int max_evals = 1000;           // objective evaluations per model
  double global_fraction = 0.75;  // share for the global search (CRS2); the rest BOBYQA
  std::uint64_t seed = 1;
  double dt = 10e-6;               // [s] the 1M1T1R neuron's step
  double van_rossum_tau = 10e-3;   // [s] of the reported distance
  double objective_tau = 2e-3;     // [s] of the distance the fit minimises
  bool lif = true, dm1t1r = true;  // which models to fit
  std::function<void(const std::string&, int, double)>
      progress;  // model, evaluations, best distance
};

struct prediction_scores {
  double gamma_2ms = 0, gamma_4ms = 0, van_rossum = 0;
  double rate = 0, data_rate = 0;  // [Hz]
};

struct model_fit {
  std::string model;
  std::vector<std::pair<std::string, double>> params;  // name, value in SI units
  prediction_scores train, test;
  std::vector<double> test_spikes;
  int evaluations = 0;
  double seconds = 0;
};

// Fits both models to `train` and scores them on `train` and `test`.
std::vector<model_fit> fit_spikes(const neuron_circuit& n, const recording& train,
                                  const recording& test, const fit_spikes_options& o);

prediction_scores score(const std::vector<double>& data, const std::vector<double>& model,
                        double t0, double t1, double van_rossum_tau);

}  // namespace ionsim::neuron
