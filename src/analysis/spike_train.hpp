#pragma once
// Spike-train statistics: irregularity of one train, distances and coincidences between two,
// synchrony of a population. Times are in seconds; every train is sorted ascending (use
// sorted_train to sort and clip one). Statistics that need more intervals than a train has
// return NaN. docs/analysis/spike-statistics.md gives each definition and its source.
#include <cstddef>
#include <span>
#include <vector>

namespace ionsim::analysis {

using train = std::span<const double>;

// The spikes of `t` inside [t0, t1], sorted.
std::vector<double> sorted_train(std::span<const double> t, double t0, double t1);

// Spikes per second over [t0, t1].
double rate(train t, double t0, double t1);
// Coefficient of variation of the inter-spike intervals, std/mean (std over n, not n - 1);
// needs 2 intervals.
double isi_cv(train t);
// CV2, the mean of 2|I_{i+1} - I_i| / (I_{i+1} + I_i) (Holt et al., J. Neurophysiol. 75, 1806
// (1996)); needs 2 intervals.
double cv2(train t);
// Local variation Lv = 3/(n-1) sum ((I_i - I_{i+1}) / (I_i + I_{i+1}))^2 over n intervals
// (Shinomoto et al., Neural Comput. 15, 2823 (2003)); needs 2 intervals.
double lv(train t);
// Revised local variation with refractory constant R [s] (Shinomoto et al., PLoS Comput. Biol.
// 5, e1000433 (2009)): 3/(n-1) sum (1 - 4 I_i I_{i+1} / (I_i + I_{i+1})^2)
// (1 + 4R / (I_i + I_{i+1})); needs 2 intervals.
double lvr(train t, double refractory = 5e-3);
// Fano factor of the spike counts in consecutive windows of `window` [s] from t0 (the windows
// that fit in [t0, t1]): sample variance (over n - 1) / mean; needs 2 windows and a spike.
double fano_factor(train t, double t0, double t1, double window);

// Cross-correlogram: counts of b's spikes at lags b_j - a_i in bins of `bin` [s] centred on
// multiples of `bin`, from -max_lag to +max_lag.
struct correlogram {
  std::vector<double> lag;    // bin centres [s]
  std::vector<double> count;  // pairs per bin
};
correlogram cross_correlogram(train a, train b, double bin, double max_lag);

// van Rossum distance with time constant tau [s] (van Rossum, Neural Comput. 13, 751 (2001)):
// D^2 = (1/tau) int (f - g)^2 dt, f and g the trains convolved with exp(-t/tau) H(t). One spike
// against none gives D = sqrt(1/2). Computed in closed form.
double van_rossum_distance(train a, train b, double tau);

// ISI-distance (Kreuz et al., J. Neurosci. Methods 165, 151 (2007)) and SPIKE-distance (Kreuz
// et al., J. Neurophysiol. 109, 1457 (2013)) averaged over [t0, t1], with the edge corrections
// of PySpike 0.7 (Mulansky & Kreuz, SoftwareX 5, 52 (2016)) so that results agree with it:
// before the first and after the last spike the interval is the longer of the edge distance and
// the neighbouring interval; an empty train counts as spikes at t0 and t1. Spikes must lie in
// [t0, t1].
double isi_distance(train a, train b, double t0, double t1);
double spike_distance(train a, train b, double t0, double t1);

// Coincidence factor Gamma of a model train against data (Kistler et al., Neural Comput. 9,
// 1015 (1997); Jolivet et al., J. Neurosci. Methods 169, 417 (2008)):
// Gamma = (N_coinc - 2 nu Delta N_data) / (0.5 (N_data + N_model) (1 - 2 nu Delta)), nu the
// model's rate over [t0, t1]. A coincidence is a data spike with a model spike within +-delta
// [s]; each model spike counts for one data spike at most (matched in time order). 1 for
// identical trains, about 0 for a Poisson model of the same rate. NaN when there are no spikes
// or when 2 nu delta >= 1 (the windows would cover all time, and the normalisation fails).
struct coincidence_result {
  double gamma = 0;
  std::size_t coincidences = 0;
};
coincidence_result coincidence_factor(train data, train model, double delta, double t0, double t1);

// Population synchrony chi (Golomb, Scholarpedia 2(1), 1347 (2007)) of spike counts in bins
// of `bin` [s] over [t0, t1]: chi^2 = Var(mean over neurons) / mean over neurons of Var(count);
// 1 for identical trains, about 1/sqrt(N) for N independent ones. NaN when no neuron's count
// varies.
double synchrony_chi(std::span<const std::vector<double>> trains, double t0, double t1, double bin);

// Shinomoto's classes of firing by LvR: regular below 0.5, random from 0.5 to 1, bursty above 1
// (the boundaries of Shinomoto et al. 2009 and Mochizuki et al., J. Neurosci. 36, 5736
// (2016)); "none" for NaN.
const char* firing_class(double lvr_value);

}  // namespace ionsim::analysis
