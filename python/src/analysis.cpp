// Spike-train statistics from Python (src/analysis, docs/analysis/spike-statistics.md): one
// train, a pair, a population given as (times, ids) arrays as ionsim.Network.spikes returns.
#include <fmt/format.h>

#include <cmath>

#include "analysis/population.hpp"
#include "analysis/spike_train.hpp"
#include "common.hpp"
#include "core/error.hpp"

namespace ionsim::python {

namespace {

namespace an = ionsim::analysis;
using doubles = py::array_t<double, py::array::c_style | py::array::forcecast>;

void check_window(double t0, double t1) {
  if (!(std::isfinite(t0) && std::isfinite(t1) && t1 > t0))
    throw input_error(fmt::format("the window [{:g}, {:g}] s is empty", t0, t1));
}

std::vector<double> train_of(const doubles& t, double t0, double t1, const char* what) {
  if (t.ndim() != 1) throw input_error(fmt::format("{}: a 1-D array of spike times [s]", what));
  for (py::ssize_t k = 0; k < t.size(); ++k)
    if (!std::isfinite(t.data()[k]))
      throw input_error(fmt::format("{}: spike {} is not a finite time", what, k));
  return an::sorted_train(std::span<const double>(t.data(), static_cast<std::size_t>(t.size())), t0,
                          t1);
}

py::dict train_statistics(const doubles& t, double t0, double t1, double refractory,
                          double fano_window) {
  check_window(t0, t1);
  const auto s = train_of(t, t0, t1, "train");
  py::dict d;
  d["spikes"] = s.size();
  d["rate"] = an::rate(s, t0, t1);
  d["cv"] = an::isi_cv(s);
  d["cv2"] = an::cv2(s);
  d["lv"] = an::lv(s);
  d["lvr"] = an::lvr(s, refractory);
  d["fano"] = an::fano_factor(s, t0, t1, fano_window);
  d["class"] = an::firing_class(d["lvr"].cast<double>());
  return d;
}

py::dict pair_distances(const doubles& a, const doubles& b, double t0, double t1, double tau,
                        double delta) {
  check_window(t0, t1);
  const auto x = train_of(a, t0, t1, "a"), y = train_of(b, t0, t1, "b");
  py::dict d;
  d["isi_distance"] = an::isi_distance(x, y, t0, t1);
  d["spike_distance"] = an::spike_distance(x, y, t0, t1);
  d["van_rossum"] = an::van_rossum_distance(x, y, tau);
  const auto c = an::coincidence_factor(x, y, delta, t0, t1);
  d["gamma"] = c.gamma;
  d["coincidences"] = c.coincidences;
  return d;
}

py::dict analyze(const doubles& times, const py::array_t<std::int64_t, py::array::forcecast>& ids,
                 std::size_t n, double t0, const py::object& t1_arg, double refractory,
                 double fano_window, double bin, double max_lag, double tau, std::size_t pairs,
                 std::uint64_t seed, std::size_t min_intervals, const std::string& name) {
  if (times.ndim() != 1 || ids.ndim() != 1 || times.size() != ids.size())
    throw input_error("times and ids must be 1-D arrays of the same length");
  double t1 = 0;
  for (py::ssize_t k = 0; k < times.size(); ++k) t1 = std::max(t1, times.data()[k]);
  if (!t1_arg.is_none()) t1 = t1_arg.cast<double>();
  check_window(t0, t1);
  std::size_t neurons = n;
  for (py::ssize_t k = 0; k < ids.size(); ++k) {
    const auto id = ids.data()[k];
    if (id < 0) throw input_error(fmt::format("ids: {} at {} is negative", id, k));
    if (n == 0)
      neurons = std::max<std::size_t>(neurons, static_cast<std::size_t>(id) + 1);
    else if (static_cast<std::size_t>(id) >= n)
      throw input_error(fmt::format("ids: {} at {} is not below n = {}", id, k, n));
  }
  std::vector<std::vector<double>> raw(neurons);
  for (py::ssize_t k = 0; k < ids.size(); ++k)
    raw[static_cast<std::size_t>(ids.data()[k])].push_back(times.data()[k]);
  std::vector<std::vector<double>> trains;
  for (const auto& r : raw) trains.push_back(an::sorted_train(r, t0, t1));
  an::population_options o;
  o.t0 = t0;
  o.t1 = t1;
  o.refractory = refractory;
  o.fano_window = fano_window;
  o.bin = bin;
  o.max_lag = max_lag;
  o.tau = tau;
  o.pairs = pairs;
  o.min_intervals = min_intervals;
  o.seed = seed;
  an::population_stats p;
  {
    py::gil_scoped_release release;
    p = an::analyze_population(name, trains, o);
  }
  py::dict d;
  d["name"] = p.name;
  d["neurons"] = p.neurons;
  d["spiking"] = p.spiking;
  d["irregularity_neurons"] = p.irregularity_neurons;
  d["rate"] = p.rate;
  for (const auto& [k, v] :
       {std::pair{"cv", p.cv}, std::pair{"cv2", p.cv2}, std::pair{"lv", p.lv},
        std::pair{"lvr", p.lvr}, std::pair{"fano", p.fano}, std::pair{"chi", p.chi},
        std::pair{"isi_distance", p.isi_distance}, std::pair{"spike_distance", p.spike_distance},
        std::pair{"van_rossum", p.van_rossum}})
    d[k] = v;
  d["class"] = an::population_class(p);
  d["regular"] = p.regular;
  d["random"] = p.random;
  d["bursty"] = p.bursty;
  d["pairs"] = p.pairs;
  d["correlogram"] =
      py::dict(py::arg("lag") = to_array(p.cross.lag), py::arg("count") = to_array(p.cross.count));
  // Per neuron: arrays (NaN where a statistic is not defined).
  std::vector<double> rate, cv, cv2, lv, lvr, fano, spikes;
  for (const auto& s : p.per_neuron) {
    spikes.push_back(static_cast<double>(s.spikes));
    rate.push_back(s.rate);
    cv.push_back(s.cv);
    cv2.push_back(s.cv2);
    lv.push_back(s.lv);
    lvr.push_back(s.lvr);
    fano.push_back(s.fano);
  }
  d["per_neuron"] = py::dict(py::arg("spikes") = to_array(spikes), py::arg("rate") = to_array(rate),
                             py::arg("cv") = to_array(cv), py::arg("cv2") = to_array(cv2),
                             py::arg("lv") = to_array(lv), py::arg("lvr") = to_array(lvr),
                             py::arg("fano") = to_array(fano));
  return d;
}

}  // namespace

void bind_analysis(py::module_& m) {
  m.def("train_statistics", &train_statistics, py::arg("t"), py::arg("t0"), py::arg("t1"),
        py::arg("refractory") = 5e-3, py::arg("fano_window") = 0.1,
        R"(Statistics of one spike train (times [s]) over [t0, t1] [s]: {'spikes', 'rate' [Hz],
'cv', 'cv2', 'lv', 'lvr' (refractory constant R [s]), 'fano' (windows of fano_window [s]),
'class' (Shinomoto's, by LvR)}; NaN where a train has too few intervals.)");
  m.def("pair_distances", &pair_distances, py::arg("a"), py::arg("b"), py::arg("t0"), py::arg("t1"),
        py::arg("tau") = 10e-3, py::arg("delta") = 2e-3,
        R"(Distances between two trains over [t0, t1] [s]: {'isi_distance', 'spike_distance'
(Kreuz; PySpike's edge conventions), 'van_rossum' (time constant tau [s]), 'gamma' (the
coincidence factor of b against the data a, window ±delta [s]), 'coincidences'}.)");
  m.def("analyze", &analyze, py::arg("times"), py::arg("ids"), py::arg("n") = 0,
        py::arg("t0") = 0.0, py::arg("t1") = py::none(), py::arg("refractory") = 5e-3,
        py::arg("fano_window") = 0.1, py::arg("bin") = 5e-3, py::arg("max_lag") = 0.1,
        py::arg("tau") = 10e-3, py::arg("pairs") = 100, py::arg("seed") = 1,
        py::arg("min_intervals") = 4, py::arg("name") = "",
        R"(A population's statistics from spikes as (times [s], ids) arrays (as Network.spikes
returns for one population), as `ionsim analyze` computes them: n neurons (0: the largest id +
1), the window [t0, t1] [s] (t1 default: the last spike); a neuron needs min_intervals
intervals for its CV, CV2, Lv and LvR. Returns the means ('rate' [Hz], 'cv',
'cv2', 'lv', 'lvr', 'fano'), 'class', the fractions 'regular', 'random', 'bursty', synchrony
'chi', distances over sampled pairs, the summed 'correlogram' {'lag' [s], 'count'}, and
'per_neuron' arrays.)");
}

}  // namespace ionsim::python
