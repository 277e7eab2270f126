#include "task/pipeline.hpp"

#include <fmt/format.h>
#include <omp.h>
#include <toml++/toml.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <filesystem>
#include <numeric>
#include <optional>

#include "core/error.hpp"
#include "core/params.hpp"
#include "core/toml_reader.hpp"
#include "io/files.hpp"
#include "network/memristive.hpp"
#include "neuron/characterize.hpp"
#include "nir/graph.hpp"
#include "nir/run.hpp"
#include "task/dataset.hpp"
#include "task/energy.hpp"
#include "task/generators.hpp"
#include "task/learn.hpp"
#include "task/readout.hpp"

namespace ionsim::task {

namespace {

// Min-max scaling fitted on the training part, clipped to [0, 1].
std::vector<double> unit_scale(const std::vector<double>& u, std::size_t train_end) {
  const auto [lo, hi] = std::minmax_element(u.begin(), u.begin() + static_cast<long>(train_end));
  const double a = *lo, span = std::max(*hi - *lo, 1e-300);
  std::vector<double> out(u.size());
  for (std::size_t i = 0; i < u.size(); ++i) out[i] = std::clamp((u[i] - a) / span, 0.0, 1.0);
  return out;
}

// What the reservoirs' energy counts.
constexpr const char* kDeviceEnergyScope =
    "the energy the drivers deliver to the memristors, sum of v I dt over the pulses; the "
    "drivers' own consumption and the reads' conversion are not counted";

// Rows [washout, n) of the features with the input itself as a last column, split at train_end.
struct split_features {
  Eigen::MatrixXd train, test;
  Eigen::VectorXd y_train, y_test;
};
split_features split_rows(const Eigen::MatrixXd& f, const series& s, std::size_t washout,
                          std::size_t train_end) {
  split_features out;
  const auto n = static_cast<Eigen::Index>(s.input.size());
  Eigen::MatrixXd all(n, f.cols() + 1);
  all.leftCols(f.cols()) = f;
  for (Eigen::Index t = 0; t < n; ++t) all(t, f.cols()) = s.input[static_cast<std::size_t>(t)];
  const auto w = static_cast<Eigen::Index>(washout), e = static_cast<Eigen::Index>(train_end);
  out.train = all.middleRows(w, e - w);
  out.test = all.bottomRows(n - e);
  standardise(out.train, out.test);  // those left out are 0
  const Eigen::Map<const Eigen::VectorXd> y(s.target.data(), n);
  out.y_train = y.segment(w, e - w);
  out.y_test = y.tail(n - e);
  return out;
}

// Ridge on the features with lambda by cross-validation; NRMSE on the test rows.
double readout_nrmse(const split_features& d, Eigen::VectorXd* prediction = nullptr) {
  const ridge_readout r = fit_ridge(d.train, d.y_train, default_lambdas(), 5);
  const Eigen::VectorXd p = r.predict(d.test).col(0);
  if (prediction) *prediction = p;
  return nrmse(p, d.y_test);
}

series make_series(const task_config& c, std::uint64_t seed) {
  if (c.task == "henon") return henon(c.samples);
  if (c.task == "mackey_glass") return mackey_glass(c.samples, c.horizon);
  return narma10(c.samples, seed);
}

// Lagged inputs u(t), ..., u(t - order + 1) as features (the linear autoregressive baseline).
Eigen::MatrixXd lags(const std::vector<double>& u, int order) {
  Eigen::MatrixXd f = Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(u.size()), order);
  for (std::size_t t = 0; t < u.size(); ++t)
    for (int k = 0; k < order && static_cast<std::size_t>(k) <= t; ++k)
      f(static_cast<Eigen::Index>(t), k) = u[t - static_cast<std::size_t>(k)];
  return f;
}

nlohmann::json mean_ci(const std::vector<double>& v) {
  const double n = static_cast<double>(v.size());
  const double mean = std::accumulate(v.begin(), v.end(), 0.0) / n;
  double var = 0;
  for (double x : v) var += (x - mean) * (x - mean);
  var = v.size() > 1 ? var / (n - 1) : 0.0;
  // Student's t quantile (0.975) for n - 1 degrees of freedom, n <= 10; 1.96 beyond
  static const double t975[] = {0, 12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262};
  const double q = v.size() <= 10 ? t975[v.size() - 1] : 1.96;
  const double half = v.size() > 1 ? q * std::sqrt(var / n) : 0.0;
  return {{"value", mean}, {"ci95", {mean - half, mean + half}}, {"per_seed", v}};
}

// The persistence baseline on the test rows: the last observed value of the series (u(t) for
// the map and Mackey-Glass, whose targets are its future values), y(t - 1) for NARMA10.
double persistence_nrmse(const series& s, const std::string& task, std::size_t train_end) {
  const std::size_t n = s.input.size();
  Eigen::VectorXd p(static_cast<Eigen::Index>(n - train_end)), y(p.size());
  for (std::size_t t = train_end; t < n; ++t) {
    p[static_cast<Eigen::Index>(t - train_end)] = task == "narma10" ? s.target[t - 1] : s.input[t];
    y[static_cast<Eigen::Index>(t - train_end)] = s.target[t];
  }
  return nrmse(p, y);
}

task_result run_temporal(const task_config& c,
                         const std::function<void(double, const std::string&)>& progress) {
  const auto train_end =
      static_cast<std::size_t>(std::llround(c.train_fraction * static_cast<double>(c.samples)));
  if (train_end <= c.washout + 10 || train_end + 10 >= c.samples)
    throw input_error(
        fmt::format("{}: samples {} with washout {} and train_fraction {:g} leave "
                    "too few training or test samples",
                    c.source, c.samples, c.washout, c.train_fraction));
  task_result out;
  std::vector<double> values, esn_values, ar_values, persistence_values, raw_values, energies;
  nlohmann::json generator;
  for (std::size_t k = 0; k < c.seeds.size(); ++k) {
    const std::uint64_t seed = c.seeds[k];
    if (progress)
      progress(static_cast<double>(k) / static_cast<double>(c.seeds.size()),
               fmt::format("seed {}", seed));
    const series s = make_series(c, seed);
    if (k == 0) generator = {{"name", s.name}, {"params", s.params}};
    const std::vector<double> u01 = unit_scale(s.input, train_end);
    Eigen::MatrixXd f(static_cast<Eigen::Index>(s.input.size()), 0);
    std::size_t size = c.esn.size;
    if (c.reservoir == "device") {
      device_reservoir_settings d = c.device;
      d.seed = seed;
      double e = 0;
      f = device_reservoir_states(u01, d, &e);
      energies.push_back(e / static_cast<double>(u01.size()));
      size = d.devices * static_cast<std::size_t>(d.mask_steps);
    } else if (c.reservoir == "esn") {
      esn_settings e = c.esn;
      e.seed = seed;
      f = esn_states(u01, e);
    } else if (c.reservoir == "neurons") {
      neuron_reservoir_settings nr = c.neurons;
      nr.seed = seed;
      f = neuron_reservoir_states(u01, nr);
      size = nr.size;
    }
    Eigen::VectorXd pred;
    values.push_back(readout_nrmse(split_rows(f, s, c.washout, train_end), &pred));
    if (k == 0) {
      out.prediction.assign(pred.data(), pred.data() + pred.size());
      out.target.assign(s.target.end() - pred.size(), s.target.end());
    }
    // baselines of the same series: an ESN of the reservoir's size, AR(10), the input alone,
    // persistence (the run itself where it is one of them)
    esn_settings e = c.esn;
    e.seed = seed;
    e.size = size;
    esn_values.push_back(c.reservoir == "esn" ? values.back()
                                              : readout_nrmse(split_rows(esn_states(u01, e), s,
                                                                         c.washout, train_end)));
    ar_values.push_back(readout_nrmse(split_rows(lags(s.input, 10), s, c.washout, train_end)));
    raw_values.push_back(c.reservoir == "none"
                             ? values.back()
                             : readout_nrmse(split_rows(
                                   Eigen::MatrixXd(static_cast<Eigen::Index>(s.input.size()), 0), s,
                                   c.washout, train_end)));
    persistence_values.push_back(persistence_nrmse(s, c.task, train_end));
  }
  const nlohmann::json m = mean_ci(values);
  nlohmann::json& r = out.results;
  r["task"] = c.task;
  r["metric"] = "nrmse";
  r["value"] = m["value"];
  r["ci95"] = m["ci95"];
  r["per_seed"] = m["per_seed"];
  r["seeds"] = c.seeds;
  r["baselines"] = {{"esn_same_size", mean_ci(esn_values)["value"]},
                    {"ar10_ridge", mean_ci(ar_values)["value"]},
                    {"ridge_on_input", mean_ci(raw_values)["value"]},
                    {"persistence", mean_ci(persistence_values)["value"]}};
  r["generator"] = generator;
  r["split"] = {{"samples", c.samples}, {"washout", c.washout}, {"train_end", train_end}};
  if (!energies.empty()) {
    const double e = mean_ci(energies)["value"].get<double>();
    r["energy_per_inference_J"] = e;  // per input sample
    r["energy_breakdown_J"] = {{"devices", e}};
    r["energy_scope"] = kDeviceEnergyScope;
  }
  nlohmann::json hw = {{"reservoir", c.reservoir}};
  if (c.reservoir == "device")
    hw.update({{"model", std::string(c.device.device.model())},
               {"devices", c.device.devices},
               {"mask_steps", c.device.mask_steps},
               {"mask", c.device.affine ? "affine" : "scaled"},
               {"input_delays", c.device.input_delays},
               {"read_noise", c.device.read_noise},
               {"noise_scale", c.device.noise_scale},
               {"v_min_V", c.device.v_min},
               {"v_max_V", c.device.v_max},
               {"pulse_s", c.device.pulse}});
  if (c.reservoir == "neurons")
    hw.update({{"model", "dm1t1r"},
               {"preset", c.neurons.preset},
               {"size", c.neurons.size},
               {"connectivity", c.neurons.connectivity},
               {"weight_V", c.neurons.weight},
               {"v_rest_V", c.neurons.v_rest},
               {"v_min_V", c.neurons.v_min},
               {"v_max_V", c.neurons.v_max},
               {"sample_s", c.neurons.sample},
               {"tau_in_s", c.neurons.tau_in},
               {"dt_s", c.neurons.dt},
               {"integrator", "hybrid"}});
  if (c.reservoir == "esn")
    hw.update({{"size", c.esn.size},
               {"spectral_radius", c.esn.spectral_radius},
               {"input_scaling", c.esn.input_scaling},
               {"leak", c.esn.leak}});
  r["hardware"] = hw;
  return out;
}

// The images of a classification task: digits split at train_limit (half by default),
// Fashion-MNIST's own split with at most train_limit and test_limit images.
void load_images(const task_config& c, dataset& train, dataset& test,
                 const std::function<void(double, const std::string&)>& progress) {
  if (c.task == "digits") {
    const dataset all = load_digits();
    split(all, c.train_limit > 0 ? c.train_limit : all.rows() / 2, train, test);
  } else {
    if (progress) progress(0.0, "reading Fashion-MNIST");
    train = load_fashion_mnist("train", c.train_limit);
    test = load_fashion_mnist("test", c.test_limit);
  }
}

// [true class][predicted class] counts.
std::vector<std::vector<int>> confusion_matrix(const std::vector<int>& pred,
                                               const std::vector<int>& labels, int classes) {
  const auto n = static_cast<std::size_t>(classes);
  std::vector<std::vector<int>> m(n, std::vector<int>(n));
  for (std::size_t i = 0; i < pred.size(); ++i)
    ++m[static_cast<std::size_t>(labels[i])][static_cast<std::size_t>(pred[i])];
  return m;
}

task_result run_classification(const task_config& c,
                               const std::function<void(double, const std::string&)>& progress) {
  dataset train, test;
  load_images(c, train, test, progress);
  const double l2 = 1.0 / static_cast<double>(train.rows());
  const auto classify = [&](const Eigen::MatrixXd& a, const Eigen::MatrixXd& b, bool softmax) {
    return softmax
               ? fit_softmax(a, train.labels, train.classes, l2).classify(b)
               : argmax_rows(fit_ridge(a, one_hot(train.labels, train.classes), {1.0}).predict(b));
  };
  task_result out;
  nlohmann::json& r = out.results;
  std::vector<int> reservoir_pred;
  if (c.reservoir == "device") {
    image_reservoir_settings im = c.image;
    im.width = static_cast<int>(std::lround(std::sqrt(static_cast<double>(train.x.cols()))));
    im.seed = c.seeds.front();
    im.threads = std::max(1, omp_get_max_threads());
    // in parts, for the progress line
    double energy = 0;
    const auto states = [&](const dataset& d, std::uint64_t first, double from, double to,
                            const char* what) {
      Eigen::MatrixXd f;
      const Eigen::Index part = 2000;
      for (Eigen::Index i = 0; i < d.x.rows(); i += part) {
        if (progress)
          progress(from + (to - from) * static_cast<double>(i) / static_cast<double>(d.x.rows()),
                   fmt::format("devices read {} image {} of {}", what, i, d.x.rows()));
        double e = 0;
        im.first_image = first + static_cast<std::uint64_t>(i);
        const Eigen::MatrixXd fi =
            image_reservoir_states(d.x.middleRows(i, std::min(part, d.x.rows() - i)), im, &e);
        energy += e;
        if (f.size() == 0) f.resize(d.x.rows(), fi.cols());
        f.middleRows(i, fi.rows()) = fi;
      }
      return f;
    };
    // the test images' noise keys follow the training images'
    Eigen::MatrixXd a = states(train, 0, 0.05, 0.3, "training");
    Eigen::MatrixXd b = states(test, train.rows(), 0.3, 0.4, "test");
    const double e = energy / static_cast<double>(train.rows() + test.rows());
    r["energy_per_inference_J"] = e;  // per image
    r["energy_breakdown_J"] = {{"devices", e}};
    r["energy_scope"] = kDeviceEnergyScope;
    // standardised as the time series' features, those that barely vary left out
    const std::vector<Eigen::Index> keep = standardise(a, b);
    const auto extra = c.readout_pixels ? train.x.cols() : 0;
    const auto nk = static_cast<Eigen::Index>(keep.size());
    Eigen::MatrixXd fa(a.rows(), nk + extra), fb(b.rows(), nk + extra);
    for (Eigen::Index j = 0; j < nk; ++j) {
      fa.col(j) = a.col(keep[static_cast<std::size_t>(j)]);
      fb.col(j) = b.col(keep[static_cast<std::size_t>(j)]);
    }
    if (c.readout_pixels) {
      fa.rightCols(extra) = train.x;
      fb.rightCols(extra) = test.x;
    }
    if (progress)
      progress(0.4, fmt::format("{} readout on {} features of {} images", c.readout, fa.cols(),
                                train.rows()));
    reservoir_pred = classify(fa, fb, c.readout == "softmax");
    r["features"] = {
        {"device_reads", a.cols()}, {"kept", nk}, {"pixels", c.readout_pixels ? extra : 0}};
  }
  if (progress)
    progress(c.reservoir == "device" ? 0.7 : 0.2,
             fmt::format("readouts on the pixels of {} images", train.rows()));
  const std::vector<int> soft_pred = classify(train.x, test.x, true);
  const std::vector<int> ridge_pred = classify(train.x, test.x, false);
  const double soft = accuracy(soft_pred, test.labels);
  const double ridge = accuracy(ridge_pred, test.labels);
  r["task"] = c.task;
  r["metric"] = "accuracy";
  const std::vector<int>& pred = c.reservoir == "device"  ? reservoir_pred
                                 : c.readout == "softmax" ? soft_pred
                                                          : ridge_pred;
  r["value"] = accuracy(pred, test.labels);
  r["ci95"] = nullptr;  // one deterministic fit: no spread over seeds
  r["baselines"] = {{"softmax_on_pixels", soft}, {"ridge_on_pixels", ridge}};
  r["split"] = {{"train", train.rows()}, {"test", test.rows()}, {"source", train.source}};
  r["hardware"] = {{"reservoir", c.reservoir}, {"readout", c.readout}};
  if (c.reservoir == "device") {
    const auto& im = c.image;
    r["hardware"].update({{"model", std::string(im.device.model())},
                          {"segment", im.segment},
                          {"columns", im.columns},
                          {"mask", im.affine ? "affine" : "scaled"},
                          {"readout_pixels", c.readout_pixels},
                          {"v_min_V", im.v_min},
                          {"v_max_V", im.v_max},
                          {"pulse_s", im.pulse},
                          {"gap_s", im.gap},
                          {"hardware_dt_s", im.dt > 0 ? im.dt : config_dt(im.device)},
                          {"seed", c.seeds.front()}});
  }
  // confusion matrix of the reported readout
  r["confusion"] = confusion_matrix(pred, test.labels, train.classes);
  return out;
}

// Images as regular spike trains (samples x steps x pixels): pixel value p in [0, 1] spikes at
// step t when floor((t + 1) p r) > floor(t p r), r = max_rate spikes per step.
std::vector<double> spike_encode(const dataset& d, std::size_t first, std::size_t count,
                                 std::size_t steps, double max_rate) {
  std::vector<double> x;
  x.reserve(count * steps * static_cast<std::size_t>(d.x.cols()));
  for (std::size_t s = first; s < first + count; ++s)
    for (std::size_t t = 0; t < steps; ++t)
      for (Eigen::Index j = 0; j < d.x.cols(); ++j) {
        const double r = d.x(static_cast<Eigen::Index>(s), j) * max_rate;
        x.push_back(std::floor(static_cast<double>(t + 1) * r) >
                            std::floor(static_cast<double>(t) * r)
                        ? 1.0
                        : 0.0);
      }
  return x;
}

// The crossbar option `name` of h.
double* sweep_field(nir::hardware_options& h, const std::string& name) {
  for (const auto& f : network::memristive_fields())
    if (f.name == name) return &(h.crossbar.*(f.member));
  return nullptr;
}

// Classification by a spiking network given as NIR: the ideal graph, and the graph mapped onto
// 1M1T1R hardware (nir/hardware.hpp), with an optional sweep of one non-ideality.
task_result run_snn(const task_config& c,
                    const std::function<void(double, const std::string&)>& progress) {
  dataset train, test;
  load_images(c, train, test, progress);
  const std::size_t n_test = c.test_limit > 0 ? std::min(c.test_limit, test.rows()) : test.rows();
  const auto& s = c.snn;
  const nir::graph g = nir::read_graph(s.graph);
  nir::run_options o;
  o.dt = s.dt;
  o.record_state = false;
  const std::size_t width = static_cast<std::size_t>(test.x.cols());
  if (nir::input_size(g) != width)
    throw input_error(fmt::format("{}: the graph's Input has {} elements where the images have {}",
                                  s.graph, nir::input_size(g), width));
  // The images are encoded and run a batch at a time: a whole set's spike trains and per-step
  // records would take gigabytes (10 000 Fashion-MNIST images: 1.6 GB of input alone).
  constexpr std::size_t batch = 500;
  const auto batch_size = [&](std::size_t k0) { return std::min(batch, n_test - k0); };
  const auto encode = [&](std::size_t k0) {
    return spike_encode(test, k0, batch_size(k0), s.steps, s.max_rate);
  };
  // The ideal graph
  std::vector<int> ideal;
  neurobench_tally nb_ideal(g);
  {
    nir::runner rn(g, o);
    for (std::size_t k0 = 0; k0 < n_test; k0 += batch) {
      if (progress)
        progress(0.1 * static_cast<double>(k0) / static_cast<double>(n_test),
                 fmt::format("ideal graph: {} of {} images", k0, n_test));
      const std::vector<double> x = encode(k0);
      std::vector<nir::run_result> runs(batch_size(k0));
      for (std::size_t k = 0; k < runs.size(); ++k) {
        runs[k] =
            rn.run(std::vector<double>(x.begin() + static_cast<long>(k * s.steps * width),
                                       x.begin() + static_cast<long>((k + 1) * s.steps * width)),
                   s.steps);
        ideal.push_back(output_class(runs[k], s.first_spike));
      }
      nb_ideal.add(x, runs);
    }
  }
  const std::vector<int> labels(test.labels.begin(),
                                test.labels.begin() + static_cast<long>(n_test));
  const auto agreement = [&](const std::vector<int>& p) { return accuracy(p, ideal); };
  std::vector<int> pred = ideal;
  std::optional<neurobench_tally> nb_hardware;
  task_result out;
  nlohmann::json& r = out.results;
  nlohmann::json hw = {{"classifier", "snn"},
                       {"graph", s.graph},
                       {"steps", s.steps},
                       {"dt_s", s.dt},
                       {"hardware_dt_s", s.options.dt},
                       {"integrator", s.options.integrator_name()},
                       {"sub_levels", s.options.sub_levels},
                       {"max_rate_per_step", s.max_rate},
                       {"decision", s.first_spike ? "first_spike" : "count"},
                       {"kind", s.hardware}};
  // The classes on hardware with options h; `mapping` receives the mapping's description.
  // `activity` receives each image's counts, `devices` the memristor count and `tally`
  // NeuroBench's counts.
  const auto run_mapped = [&](const nir::hardware_options& h, std::string* mapping,
                              std::vector<nir::hardware_activity>* activity = nullptr,
                              std::size_t* devices = nullptr, neurobench_tally* tally = nullptr) {
    nir::hardware_mapping m(g, o, h, s.steps);
    if (devices) *devices = m.devices();
    if (s.calibrate > 0) {
      const std::size_t n_cal = std::min(s.calibrate, train.rows());
      m.calibrate(spike_encode(train, 0, n_cal, s.steps, s.max_rate), n_cal,
                  [&](const std::string& text) {
                    if (progress) progress(0.1, text);
                  });
    }
    // The running accuracy and agreement with the ideal graph, shown with the progress
    std::atomic<std::size_t> finished{0}, right{0}, same{0};
    const auto report = [&] {
      const std::size_t done = finished;
      const auto n = static_cast<double>(std::max<std::size_t>(done, 1));
      if (progress)
        progress(0.1 + 0.9 * static_cast<double>(done) / static_cast<double>(n_test),
                 fmt::format("{} of {} images on hardware: accuracy {:.3f}, as the ideal graph "
                             "{:.3f}",
                             done, n_test, static_cast<double>(right) / n,
                             static_cast<double>(same) / n));
    };
    std::vector<int> classes(n_test);
    if (activity) activity->clear();
    for (std::size_t k0 = 0; k0 < n_test; k0 += batch) {
      const std::vector<double> x = encode(k0);
      std::vector<nir::hardware_activity> act;
      const auto runs = m.run_many(
          x, batch_size(k0),
          [&](std::size_t) {
            report();
            return true;
          },
          activity ? &act : nullptr,
          [&](std::size_t k, const nir::run_result& one) {
            const int p = output_class(one, s.first_spike);
            classes[k0 + k] = p;
            right += p == labels[k0 + k];
            same += p == ideal[k0 + k];
            ++finished;
          },
          k0);
      if (activity) activity->insert(activity->end(), act.begin(), act.end());
      if (tally) tally->add(x, runs);
    }
    report();  // all of them (the callback runs on the first thread only)
    if (mapping) *mapping = m.describe();
    return classes;
  };
  nlohmann::json energy;
  if (s.hardware == "1m1t1r") {
    nir::hardware_options h = s.options;
    h.threads = std::max(1, omp_get_max_threads());  // images side by side
    std::string mapping;
    std::vector<nir::hardware_activity> activity;
    std::size_t devices = 0;
    nb_hardware.emplace(g);
    pred = run_mapped(h, &mapping, &activity, &devices, &*nb_hardware);
    if (progress) progress(1.0, "energy per spike of the neuron (circuit engine)");
    hw["mapping"] = nlohmann::json::parse(mapping);
    double neurons = 0;
    for (const auto& node : hw["mapping"]["nodes"]) neurons += node["size"].get<double>();
    energy = hardware_energy(activity, s.energy, neurons, static_cast<double>(devices),
                             h.crossbar.v_read, neuron::spike_energy(s.energy.neuron));
    hw["calibration_images"] = s.calibrate;
    r["agreement_with_ideal"] = agreement(pred);
    if (!s.sweep.empty()) {
      nlohmann::json sweep = nlohmann::json::array();
      for (double v : s.sweep_values) {
        nir::hardware_options hv = h;
        double* field = s.sweep == "noise" ? nullptr : sweep_field(hv, s.sweep);
        if (field)
          *field = v;
        else
          hv.noise = v != 0;
        const bool same = field ? *field == *sweep_field(h, s.sweep) : hv.noise == h.noise;
        const auto p = same ? pred : run_mapped(hv, nullptr);  // the main run's setting
        sweep.push_back({{"value", v},
                         {"accuracy", accuracy(p, labels)},
                         {"agreement_with_ideal", agreement(p)}});
      }
      r["sweep"] = {{"nonideality", s.sweep}, {"points", sweep}};
    }
  }
  r["task"] = c.task;
  r["metric"] = "accuracy";
  r["value"] = accuracy(pred, labels);
  r["ci95"] = nullptr;
  r["baselines"] = {{"ideal_graph", accuracy(ideal, labels)}};
  r["split"] = {{"train", train.rows()}, {"test", n_test}, {"source", test.source}};
  // NeuroBench's metrics of the network as run (on hardware when mapped), and of the ideal graph
  const nlohmann::json nb = nb_hardware ? nb_hardware->counts() : nb_ideal.counts();
  for (const char* k :
       {"synaptic_operations", "activation_sparsity", "connection_sparsity", "footprint_bytes"})
    r[k] = nb[k];
  r["neurobench_ideal_graph"] = nb_ideal.counts();
  r["energy_per_inference_J"] = nullptr;  // ideal graph: no circuit
  r["area_m2"] = nullptr;
  if (!energy.is_null()) {
    for (const char* k : {"energy_per_inference_J", "energy_breakdown_J", "area_m2",
                          "area_breakdown_m2", "energy_per_synaptic_operation_J"})
      r[k] = energy[k];
    r["energy"] = {{"activity_per_inference", energy["activity_per_inference"]},
                   {"model", energy["energy_model"]},
                   {"references", energy["references"]}};
  }
  r["hardware"] = hw;
  r["confusion"] = confusion_matrix(pred, labels, test.classes);
  return out;
}

// On-chip learning: `ionsim learn`'s unsupervised STDP network (task/learn.hpp) on the task's
// images, reported with the task layer's metrics beside linear readouts of the same pixels.
task_result run_learn(const task_config& c,
                      const std::function<void(double, const std::string&)>& progress) {
  const learn_config lc = read_learn_config(c.learn);
  const learn_result lr = run_learning(lc, progress);
  dataset train, test;
  learn_data(lc, train, test);
  const double l2 = 1.0 / static_cast<double>(train.rows());
  const double soft =
      accuracy(fit_softmax(train.x, train.labels, train.classes, l2).classify(test.x), test.labels);
  task_result out;
  nlohmann::json& r = out.results;
  const auto& j = lr.results;
  r["task"] = c.task;
  r["metric"] = "accuracy";
  r["value"] = j["accuracy"];
  r["ci95"] = nullptr;  // one seed
  r["baselines"] = {{"softmax_on_pixels", soft}};
  r["split"] = {{"train", train.rows()}, {"test", test.rows()}, {"source", train.source}};
  // NeuroBench's static counts of the learned network's input layer
  double zeros = 0;
  for (Eigen::Index i = 0; i < lr.weights.size(); ++i) zeros += lr.weights.data()[i] == 0;
  const auto weights = static_cast<double>(lr.weights.size());
  r["connection_sparsity"] = weights > 0 ? zeros / weights : 0.0;
  r["footprint_bytes"] = weights * 4;
  r["synaptic_operations"] = nullptr;  // not counted by the learning run
  r["activation_sparsity"] = nullptr;
  r["energy_per_inference_J"] = nullptr;  // LIF neurons: no circuit to take it from
  r["area_m2"] = nullptr;
  if (j.contains("programming_energy_j"))
    r["energy_per_training_image_J"] =
        j["programming_energy_j"].get<double>() / std::max(1.0, j["trained_images"].get<double>());
  r["hardware"] = {{"learning", c.learn}, {"run", j}};
  r["confusion"] = learn_report(lr)["confusion"];
  return out;
}

}  // namespace

int output_class(const nir::run_result& r, bool first_spike) {
  std::vector<double> count(r.output_size, 0.0);
  for (std::size_t k = 0; k < r.output.size(); ++k) count[k % r.output_size] += r.output[k];
  if (first_spike)
    for (std::size_t k0 = 0; k0 < r.output.size(); k0 += r.output_size) {
      int best = -1;
      for (std::size_t j = 0; j < r.output_size; ++j)
        if (r.output[k0 + j] > 0 && (best < 0 || count[j] > count[static_cast<std::size_t>(best)]))
          best = static_cast<int>(j);
      if (best >= 0) return best;
    }
  return static_cast<int>(std::max_element(count.begin(), count.end()) - count.begin());
}

task_config parse_task_config(const std::string& text, const std::string& source) {
  const toml::table root = parse_toml(text, source);
  const toml_reader rd{source};
  task_config c;
  c.source = source;
  rd.keys(root,
          {"task", "samples", "washout", "horizon", "train_fraction", "seeds", "reservoir",
           "readout", "train_limit", "test_limit", "snn", "learn"},
          "the task file");
  c.task = rd.choice(rd.need(root, "task", "the task file"), "task",
                     {"henon", "mackey_glass", "narma10", "digits", "fashion_mnist"});
  if (const auto* n = root.get("samples"))
    c.samples = static_cast<std::size_t>(rd.integer(*n, "samples", 100));
  if (const auto* n = root.get("washout"))
    c.washout = static_cast<std::size_t>(rd.integer(*n, "washout", 0));
  if (const auto* n = root.get("horizon"))
    c.horizon = static_cast<int>(rd.integer(*n, "horizon", 1));
  if (const auto* n = root.get("train_fraction")) {
    c.train_fraction = rd.quantity(*n, "train_fraction", "");
    if (!(c.train_fraction > 0 && c.train_fraction < 1))
      rd.fail(*n, "train_fraction must be in (0, 1)");
  }
  if (const auto* n = root.get("seeds")) {
    const auto* a = n->as_array();
    if (!a || a->empty()) rd.fail(*n, "seeds must be a non-empty array of integers");
    c.seeds.clear();
    for (const auto& e : *a)
      c.seeds.push_back(static_cast<std::uint64_t>(rd.integer(e, "seed", 0)));
  }
  if (const auto* n = root.get("readout"))
    c.readout = rd.choice(*n, "readout", {"softmax", "ridge"});
  if (const auto* n = root.get("train_limit"))
    c.train_limit = static_cast<std::size_t>(rd.integer(*n, "train_limit", 0));
  if (const auto* n = root.get("test_limit"))
    c.test_limit = static_cast<std::size_t>(rd.integer(*n, "test_limit", 0));
  c.reservoir = c.temporal() ? "device" : "none";
  c.device.device = load_preset("ag-symmetric-fit");
  if (const auto* n = root.get("reservoir")) {
    const toml::table* t = &rd.table(*n, "[reservoir]");
    rd.keys(*t, {"kind",          "preset",        "noise",         "noise_scale",
                 "devices",       "mask_steps",    "mask",          "v_min",
                 "v_max",         "pulse",         "size",          "spectral_radius",
                 "input_scaling", "leak",          "neuron_preset", "connectivity",
                 "weight",        "v_rest",        "tau_in",        "hardware_dt",
                 "input_delays",  "read_noise",    "segment",       "columns",
                 "gap",           "readout_pixels"},
            "[reservoir]");
    if (const auto* k = t->get("kind"))
      c.reservoir = rd.choice(*k, "kind", {"device", "esn", "neurons", "none"});
    if (!c.temporal() && c.reservoir != "none" && c.reservoir != "device")
      rd.fail(*n,
              "classification tasks read the pixels directly (kind 'none') or through devices "
              "(kind 'device')");
    const bool images = !c.temporal() && c.reservoir == "device";
    for (const char* key : {"neuron_preset", "connectivity", "weight", "v_rest", "tau_in"})
      if (const auto* k = t->get(key); k && c.reservoir != "neurons")
        rd.fail(*k, fmt::format("{} is a key of the neuron reservoir (kind = \"neurons\")", key));
    if (const auto* k = t->get("hardware_dt"); k && c.reservoir != "neurons" && !images)
      rd.fail(*k, "hardware_dt is a key of the neuron and the image reservoir");
    for (const char* key : {"segment", "columns", "gap", "readout_pixels"})
      if (const auto* k = t->get(key); k && !images)
        rd.fail(*k, fmt::format("{} is a key of the image reservoir (an image task with kind = "
                                "\"device\")",
                                key));
    if (images) {
      for (const char* key : {"devices", "mask_steps", "input_delays", "read_noise"})
        if (const auto* k = t->get(key))
          rd.fail(*k,
                  fmt::format("{} is a key of the time-series device reservoir; the image "
                              "reservoir takes segment, columns, mask, pulse, gap and hardware_dt",
                              key));
      auto& im = c.image;
      if (const auto* k = t->get("segment")) {
        im.segment = static_cast<int>(rd.integer(*k, "segment", 1));
        const int width = c.task == "digits" ? 8 : 28;
        if (width % im.segment != 0)
          rd.fail(*k, fmt::format("segment {} does not divide the images' width of {} pixels",
                                  im.segment, width));
      }
      if (const auto* k = t->get("columns")) im.columns = rd.boolean(*k, "columns");
      if (const auto* k = t->get("mask"))
        im.affine = rd.choice(*k, "mask", {"scaled", "affine"}) == "affine";
      if (const auto* k = t->get("gap")) {
        im.gap = rd.quantity(*k, "gap", "s");
        if (!(im.gap >= 0)) rd.fail(*k, "gap must not be negative");
      }
      if (const auto* k = t->get("hardware_dt")) im.dt = rd.positive(*k, "hardware_dt", "s");
      if (const auto* k = t->get("readout_pixels"))
        c.readout_pixels = rd.boolean(*k, "readout_pixels");
    }
    if (c.reservoir == "neurons") {
      auto& nr = c.neurons;
      for (const char* key : {"preset", "noise", "noise_scale", "devices", "mask_steps", "mask",
                              "input_delays", "read_noise"})
        if (const auto* k = t->get(key))
          rd.fail(*k, fmt::format("{} is a key of the device reservoir; the neuron reservoir "
                                  "takes neuron_preset (its switching noise is on)",
                                  key));
      if (const auto* k = t->get("neuron_preset")) nr.preset = rd.text(*k, "neuron_preset");
      if (const auto* k = t->get("size"))
        nr.size = static_cast<std::size_t>(rd.integer(*k, "size", 1));
      if (const auto* k = t->get("connectivity")) {
        nr.connectivity = rd.quantity(*k, "connectivity", "");
        if (!(nr.connectivity >= 0 && nr.connectivity <= 1))
          rd.fail(*k, "connectivity must be in [0, 1]");
      }
      if (const auto* k = t->get("weight")) nr.weight = rd.quantity(*k, "weight", "V");
      if (const auto* k = t->get("v_rest")) nr.v_rest = rd.quantity(*k, "v_rest", "V");
      if (const auto* k = t->get("v_min")) nr.v_min = rd.quantity(*k, "v_min", "V");
      if (const auto* k = t->get("v_max")) nr.v_max = rd.quantity(*k, "v_max", "V");
      if (const auto* k = t->get("pulse")) nr.sample = rd.positive(*k, "pulse", "s");
      if (const auto* k = t->get("tau_in")) nr.tau_in = rd.positive(*k, "tau_in", "s");
      if (const auto* k = t->get("hardware_dt")) nr.dt = rd.positive(*k, "hardware_dt", "s");
      if (nr.v_max < nr.v_min) rd.fail(*n, "v_max must be at least v_min");
      if (nr.weight < 0) rd.fail(*n, "weight must not be negative");
      if (nr.sample < nr.dt)
        rd.fail(*n, "pulse (the time per sample) must be at least hardware_dt");
    }
    if (const auto* k = t->get("preset")) {
      try {
        c.device.device = load_preset(rd.text(*k, "preset"));
      } catch (const input_error& e) {
        rd.fail(*k, e.what());
      }
    }
    // noise = false is the noise-off form: its noise parameters scaled by 0
    if (const auto* k = t->get("noise"); k && !rd.boolean(*k, "noise")) {
      if (const auto* s = t->get("noise_scale"))
        rd.fail(*s, "noise_scale scales the devices' noise: drop it or noise = false");
      c.device.noise_scale = 0;
    }
    if (const auto* k = t->get("noise_scale")) {
      c.device.noise_scale = rd.quantity(*k, "noise_scale", "");
      if (!(c.device.noise_scale >= 0)) rd.fail(*k, "noise_scale must not be negative");
    }
    c.device.device = with_noise_scaled(c.device.device, c.device.noise_scale);
    if (const auto* k = t->get("devices"))
      c.device.devices = static_cast<std::size_t>(rd.integer(*k, "devices", 1));
    if (const auto* k = t->get("mask_steps"))
      c.device.mask_steps = static_cast<int>(rd.integer(*k, "mask_steps", 1));
    if (const auto* k = t->get("read_noise")) {
      c.device.read_noise = rd.quantity(*k, "read_noise", "");
      if (!(c.device.read_noise >= 0 && c.device.read_noise < 1))
        rd.fail(*k, "read_noise (relative) must be in [0, 1)");
    }
    if (const auto* k = t->get("input_delays"))
      c.device.input_delays = static_cast<int>(rd.integer(*k, "input_delays", 1));
    if (const auto* k = t->get("mask"))
      c.device.affine = rd.choice(*k, "mask", {"scaled", "affine"}) == "affine";
    if (const auto* k = t->get("v_min")) c.device.v_min = rd.quantity(*k, "v_min", "V");
    if (const auto* k = t->get("v_max")) c.device.v_max = rd.quantity(*k, "v_max", "V");
    if (const auto* k = t->get("pulse")) c.device.pulse = rd.positive(*k, "pulse", "s");
    if (!images && c.device.v_max < c.device.v_min) rd.fail(*n, "v_max must be at least v_min");
    if (const auto* k = t->get("size"))
      c.esn.size = static_cast<std::size_t>(rd.integer(*k, "size", 1));
    if (const auto* k = t->get("spectral_radius"))
      c.esn.spectral_radius = rd.quantity(*k, "spectral_radius", "");
    if (const auto* k = t->get("input_scaling"))
      c.esn.input_scaling = rd.quantity(*k, "input_scaling", "");
    if (const auto* k = t->get("leak")) c.esn.leak = rd.quantity(*k, "leak", "");
    if (images) {
      auto& im = c.image;
      im.device = c.device.device;
      if (t->get("v_min")) im.v_min = c.device.v_min;
      if (t->get("v_max")) im.v_max = c.device.v_max;
      if (t->get("pulse")) im.pulse = c.device.pulse;
      if (im.v_max < im.v_min) rd.fail(*n, "v_max must be at least v_min");
    }
  }
  if (const auto* n = root.get("snn")) {
    if (c.temporal()) rd.fail(*n, "[snn] classifies images: task digits or fashion_mnist");
    const toml::table& t = rd.table(*n, "[snn]");
    std::vector<std::string> keys = {"graph",       "steps",      "dt",           "max_rate",
                                     "hardware",    "tau_in",     "noise",        "seed",
                                     "calibrate",   "sweep",      "sweep_values", "energy",
                                     "hardware_dt", "sub_levels", "integrator",   "decision"};
    std::vector<std::string> sweepable = {"noise"};
    for (const auto& f : network::memristive_fields())
      if (nir::crossbar_option(f.name)) {
        keys.emplace_back(f.name);
        sweepable.emplace_back(f.name);
      }
    rd.keys(t, keys, "[snn]");
    auto& s = c.snn;
    std::filesystem::path graph(rd.text(rd.need(t, "graph", "[snn]"), "graph"));
    if (graph.is_relative()) graph = std::filesystem::path(source).parent_path() / graph;
    s.graph = graph.string();
    if (const auto* k = t.get("steps"))
      s.steps = static_cast<std::size_t>(rd.integer(*k, "steps", 1));
    if (const auto* k = t.get("dt")) s.dt = rd.positive(*k, "dt", "s");
    if (const auto* k = t.get("max_rate")) {
      s.max_rate = rd.quantity(*k, "max_rate", "");
      if (!(s.max_rate > 0 && s.max_rate <= 1)) rd.fail(*k, "max_rate must be in (0, 1]");
    }
    if (const auto* k = t.get("hardware"))
      s.hardware = rd.choice(*k, "hardware", {"1m1t1r", "ideal"});
    auto& h = s.options;
    if (const auto* k = t.get("tau_in")) h.tau_in = rd.positive(*k, "tau_in", "s");
    if (const auto* k = t.get("noise")) h.noise = rd.boolean(*k, "noise");
    if (const auto* k = t.get("hardware_dt")) h.dt = rd.positive(*k, "hardware_dt", "s");
    if (const auto* k = t.get("sub_levels")) {
      h.sub_levels = static_cast<int>(rd.integer(*k, "sub_levels", 0));
      if (h.sub_levels > 16) rd.fail(*k, "sub_levels must be at most 16");
    }
    if (const auto* k = t.get("integrator"))
      h.integrator = rd.choice(*k, "integrator", network::memristive_integrators);
    if (const auto* k = t.get("decision"))
      s.first_spike = rd.choice(*k, "decision", {"count", "first_spike"}) == "first_spike";
    for (const auto& f : network::memristive_fields())  // the crossbar's options
      if (const auto* k = t.get(f.name); k && nir::crossbar_option(f.name))
        h.crossbar.*(f.member) = rd.quantity(*k, f.name, f.unit == "1" ? "" : f.unit);
    try {
      network::memristive_check(h.crossbar, "[snn]");
    } catch (const input_error& e) {
      rd.fail(t, e.what());
    }
    if (const auto* k = t.get("seed"))
      h.seed = static_cast<std::uint64_t>(rd.integer(*k, "seed", 0));
    if (const auto* k = t.get("calibrate"))
      s.calibrate = static_cast<std::size_t>(rd.integer(*k, "calibrate", 0));
    if (const auto* k = t.get("sweep")) {
      s.sweep = rd.choice(*k, "sweep", sweepable);
      const auto* v = t.get("sweep_values");
      const auto* a = v ? v->as_array() : nullptr;
      if (!a || a->empty()) rd.fail(*k, "a sweep needs sweep_values, a non-empty array");
      for (const auto& e : *a) {
        s.sweep_values.push_back(e.is_boolean() ? (*e.value<bool>() ? 1.0 : 0.0)
                                                : rd.positive(e, "sweep_values", "", true));
        nir::hardware_options hv = h;  // each point a valid crossbar
        if (double* field = sweep_field(hv, s.sweep)) {
          *field = s.sweep_values.back();
          try {
            network::memristive_check(hv.crossbar, fmt::format("[snn] sweep of {}", s.sweep));
          } catch (const input_error& err) {
            rd.fail(e, err.what());
          }
        }
      }
    } else if (const auto* v = t.get("sweep_values")) {
      rd.fail(*v, "sweep_values without a sweep");
    }
    if (const auto* k = t.get("energy")) {
      const toml::table& e = rd.table(*k, "[snn.energy]");
      rd.keys(e,
              {"neuron", "feature", "cell_f2", "e_driver", "c_wire", "v_integrator", "p_static",
               "a_integrator"},
              "[snn.energy]");
      auto& m = s.energy;
      if (const auto* v = e.get("neuron"))
        m.neuron = rd.choice(*v, "neuron", {"table1", "65nm", "3nm", "calibrated"});
      if (const auto* v = e.get("feature")) m.feature = rd.positive(*v, "feature", "m", true);
      if (const auto* v = e.get("cell_f2")) m.cell_f2 = rd.positive(*v, "cell_f2", "");
      if (const auto* v = e.get("e_driver")) m.e_driver = rd.positive(*v, "e_driver", "J", true);
      if (const auto* v = e.get("c_wire")) m.c_wire = rd.positive(*v, "c_wire", "F/m", true);
      if (const auto* v = e.get("v_integrator"))
        m.v_integrator = rd.positive(*v, "v_integrator", "V", true);
      if (const auto* v = e.get("p_static")) m.p_static = rd.positive(*v, "p_static", "W", true);
      if (const auto* v = e.get("a_integrator"))
        m.a_integrator = rd.positive(*v, "a_integrator", "m^2", true);
      try {
        check_energy_model(m, "[snn.energy]");
      } catch (const input_error& err) {
        rd.fail(e, err.what());
      }
    }
    if (s.hardware == "ideal" && (s.calibrate > 0 || !s.sweep.empty()))
      rd.fail(*n, "calibrate and sweep need hardware = \"1m1t1r\"");
  }
  if (const auto* n = root.get("learn")) {
    if (c.temporal()) rd.fail(*n, "[learn] classifies images: task digits or fashion_mnist");
    if (root.get("snn")) rd.fail(*n, "a task has [snn] or [learn], not both");
    const toml::table& t = rd.table(*n, "[learn]");
    rd.keys(t, {"config"}, "[learn]");
    std::filesystem::path file(rd.text(rd.need(t, "config", "[learn]"), "config"));
    if (file.is_relative()) file = std::filesystem::path(source).parent_path() / file;
    c.learn = file.string();
    learn_config lc;
    try {
      lc = read_learn_config(c.learn);
    } catch (const input_error& e) {
      rd.fail(t, e.what());
    }
    if ((lc.dataset == "digits") != (c.task == "digits"))
      rd.fail(t,
              fmt::format("the learning file learns {} where the task is {}", lc.dataset, c.task));
  }
  return c;
}

task_config read_task_config(const std::string& path) {
  return parse_task_config(read_text_file(path), path);
}

task_result run_task(const task_config& c,
                     const std::function<void(double, const std::string&)>& progress) {
  if (c.temporal()) return run_temporal(c, progress);
  if (!c.learn.empty()) return run_learn(c, progress);
  return c.snn.graph.empty() ? run_classification(c, progress) : run_snn(c, progress);
}

}  // namespace ionsim::task
