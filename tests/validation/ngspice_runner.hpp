#pragma once
// Runs Debian's ngspice (/usr/bin/ngspice) in batch mode on a reference deck of
// tests/fixtures/ngspice/ and reads its waveforms back, plus the helpers the validation tests
// use to compare ionsim's traces with them (docs/circuit/validation.md).
#include <map>
#include <string>
#include <vector>

namespace ionsim::test {

// Path of the ngspice binary the runner uses.
inline constexpr const char* ngspice_binary = "/usr/bin/ngspice";

// True if ngspice_binary exists and is executable.
bool ngspice_available();

// Waveforms on one time axis: t [s] and one column per requested vector, keyed by the vector
// expression as requested ("v(out)", "i(vdd)").
struct trace {
  std::vector<double> t;
  std::map<std::string, std::vector<double>> v;

  const std::vector<double>& at(const std::string& name) const;  // throws if absent
};

// Runs `ngspice -b` on a copy of deck_path in a fresh temporary directory and returns the
// requested vectors on ngspice's own time points. The copy's .control block keeps its other
// commands (run, set, ...) but its wrdata lines are replaced by one that writes `vectors` to a
// file in the temporary directory, at full precision; a deck without a .control block gets
// one ("run" + wrdata) before .end. Throws std::runtime_error (with the end of ngspice's log)
// if ngspice is missing, fails, or writes no data. The directory is removed afterwards unless
// the environment variable IONSIM_KEEP_NGSPICE is set.
trace run_ngspice(const std::string& deck_path, const std::vector<std::string>& vectors);

// Linear interpolation of (t, v) at time x; clamps to the end values outside [t.front(), t.back()].
// t must be non-decreasing.
double interpolate(const std::vector<double>& t, const std::vector<double>& v, double x);

// Largest |ionsim - ngspice| over ngspice's time points (those inside ionsim's time span),
// ionsim's trace (times, values) linearly interpolated onto them, divided by the range
// (max - min) of the ngspice vector ref.v[name]. A flat reference (range 0) gives the
// absolute error.
double max_error_on_grid(const trace& ref, const std::string& name,
                         const std::vector<double>& times, const std::vector<double>& values);

// Times where v crosses `level` (rising: from below to at-or-above; falling: from above to
// at-or-below), linearly interpolated between samples.
std::vector<double> crossings(const std::vector<double>& t, const std::vector<double>& v,
                              double level, bool rising);

// Event times with those closer than min_gap to the previous kept event dropped (one spike
// that crosses a level several times counts once).
std::vector<double> debounce(const std::vector<double>& times, double min_gap);

// Differences of consecutive times (periods, inter-spike intervals).
std::vector<double> intervals(const std::vector<double>& times);

}  // namespace ionsim::test
