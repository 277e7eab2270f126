#include "task/learn.hpp"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <numeric>
#include <utility>

#include "core/error.hpp"
#include "core/toml_reader.hpp"
#include "io/files.hpp"
#include "network/config.hpp"
#include "network/device_update.hpp"
#include "network/network.hpp"
#include "network/spike_source.hpp"
#include "task/dataset.hpp"
#include "task/readout.hpp"

namespace ionsim::task {

namespace {

// A number of the learning file: section, key, unit, where it goes, lower bound.
struct number_key {
  const char* section;
  const char* key;
  const char* unit;
  double learn_config::*member;
  double min;
  bool min_exclusive;
};

constexpr number_key numbers[] = {
    {"encoding", "max_rate", "Hz", &learn_config::max_rate, 0, true},
    {"encoding", "read_max_rate", "Hz", &learn_config::read_max_rate, 0, true},
    {"encoding", "present", "s", &learn_config::present, 0, true},
    {"encoding", "read_present", "s", &learn_config::read_present, 0, true},
    {"encoding", "rest", "s", &learn_config::rest, 0, false},
    {"network", "dt", "s", &learn_config::dt, 0, true},
    {"network", "w_exc_inh", "1", &learn_config::w_exc_inh, 0, false},
    {"network", "w_inh_exc", "1", &learn_config::w_inh_exc, 0, false},
    {"network", "theta_plus", "V", &learn_config::theta_plus, 0, false},
    {"network", "tau_in", "s", &learn_config::tau_in, 0, true},
    {"network", "v_max", "V", &learn_config::v_max, 0, true},
    {"network", "tau_theta", "s", &learn_config::tau_theta, 0, true},
    {"network", "target_rate", "Hz", &learn_config::target_rate, 0, false},
    {"plasticity", "nu_pre", "1", &learn_config::nu_pre, 0, false},
    {"plasticity", "nu_post", "1", &learn_config::nu_post, 0, false},
    {"plasticity", "tau_pre", "s", &learn_config::tau_pre, 0, true},
    {"plasticity", "tau_post", "s", &learn_config::tau_post, 0, true},
    {"plasticity", "tau_post2", "s", &learn_config::tau_post2, 0, true},
    {"plasticity", "w_max", "1", &learn_config::w_max, 0, true},
    {"plasticity", "w_init", "1", &learn_config::w_init, 0, true},
    {"plasticity", "norm", "1", &learn_config::norm, 0, true},
};

// The keys that labelling and testing a trained network (learn_config::trained) may change: the
// reading and the lateral inhibition. Every other one must be the training's.
constexpr std::string_view reading_keys[] = {
    "read_max_rate", "read_present", "rest", "min_spikes", "w_exc_inh",
    "w_inh_exc",     "label_images", "test", "vote",       "readout"};

// The settings that make a trained network what it is, as "[section] key": value.
nlohmann::json training_identity(const learn_config& c) {
  nlohmann::json j;
  for (const auto& n : numbers)
    if (std::ranges::find(reading_keys, std::string_view(n.key)) == std::end(reading_keys))
      j[fmt::format("[{}] {}", n.section, n.key)] = c.*(n.member);
  j["[data] dataset"] = c.dataset;
  j["[data] train"] = c.train;
  j["[encoding] normalization"] = c.image_l2 ? "l2" : "none";
  j["[network] neuron"] = c.neuron;
  j["[network] neurons"] = c.neurons;
  j["[plasticity] normalization"] = c.l2_norm ? "l2" : "sum";
  j["[plasticity] pairing"] = c.pairing;
  j["[plasticity] device"] = c.device;
  j["[plasticity] pulse_rounding"] = c.stochastic_pulses ? "stochastic" : "nearest";
  j["[training] epochs"] = c.epochs;
  j["[training] seed"] = c.seed;
  return j;
}

// An input_error naming the first setting of c (`here`, its training_identity) that differs from
// the trained network's (`there`, read from `where`).
void check_training_identity(const learn_config& c, const nlohmann::json& here,
                             const nlohmann::json& there, const std::string& where) {
  for (const auto& [key, value] : here.items()) {
    const auto t = there.find(key);
    if (t != there.end() && *t == value) continue;
    throw input_error(fmt::format(
        "{}: {} = {} differs from the network trained in {} ({}); a trained network is labelled "
        "and tested with its training's settings, and only {} may change",
        c.source, key, value.dump(), where, t == there.end() ? "not set" : t->dump(),
        fmt::join(reading_keys, ", ")));
  }
}

// Counts each excitatory neuron's spikes (global ids [first, first + n)).
struct counter : network::epoch_sink {
  std::uint32_t first = 0;
  std::vector<double> count;
  void spikes(std::int64_t, std::int64_t, std::span<const network::spike> s) override {
    for (const auto& x : s)
      if (x.id >= first && x.id - first < count.size()) count[x.id - first] += 1;
  }
  void samples(std::size_t, std::span<const std::int64_t>, std::span<const double>) override {}
};

// The excitatory layer and its lateral inhibition: Diehl & Cook's (an inhibitory layer) or the
// ionic one: each spike takes the charge w_inh_exc from every neuron's input integrator, its
// own included. The 1M1T1R neuron keeps firing while its input stays high (its integrator is
// not reset by its spike), so without its own share a neuron that wins once would win the
// whole image at its top rate, whatever the others' input; with it, each spike starts a new
// race that the neuron with the strongest input wins most often.
std::string layer_text(const learn_config& c) {
  if (c.neuron == "dm1t1r")
    return fmt::format(
        R"(
[[population]]
name = "exc"
model = "dm1t1r"
size = {n}
params = {{ integrator = "hybrid", tau_in = {tau_in}, v_max = {v_max}, theta_plus = {theta_plus}, tau_theta = {tau_theta}, target_rate = {target_rate} }}

[[projection]]
source = "exc"
target = "exc"
rule = "all_to_all"
receptor = "in"
weight = {w_inh}
delay = {dt}
)",
        fmt::arg("n", c.neurons), fmt::arg("tau_in", c.tau_in), fmt::arg("v_max", c.v_max),
        fmt::arg("theta_plus", c.theta_plus), fmt::arg("tau_theta", c.tau_theta),
        fmt::arg("target_rate", c.target_rate), fmt::arg("w_inh", -c.w_inh_exc),
        fmt::arg("dt", c.dt));
  return fmt::format(
      R"(
# Diehl & Cook's excitatory neurons: tau_m = 100 ms, conductances of 1 and 2 ms, inhibitory
# reversal at -100 mV, threshold -52 mV plus the adaptation theta, reset -65 mV, 5 ms refractory.
[[population]]
name = "exc"
model = "lif_coba"
size = {n}
params = {{ tau_m = 0.1, tau_e = 1e-3, tau_i = 2e-3, v_th = -52e-3, v_reset = -65e-3, e_l = -65e-3, e_e = 0, e_i = -100e-3, t_ref = 5e-3, drive = 0, theta_plus = {theta_plus}, tau_theta = {tau_theta}, target_rate = {target_rate} }}

[[population]]
name = "inh"
model = "lif_coba"
size = {n}
params = {{ tau_m = 0.01, tau_e = 1e-3, tau_i = 2e-3, v_th = -40e-3, v_reset = -45e-3, e_l = -60e-3, e_e = 0, e_i = -85e-3, t_ref = 2e-3, drive = 0 }}

[[projection]]
source = "exc"
target = "inh"
rule = "one_to_one"
receptor = "exc"
weight = {w_exc_inh}
delay = {dt}

[[projection]]
source = "inh"
target = "exc"
rule = "all_to_all"
autapses = false
receptor = "inh"
weight = {w_inh_exc}
delay = {dt}
)",
      fmt::arg("n", c.neurons), fmt::arg("theta_plus", c.theta_plus),
      fmt::arg("tau_theta", c.tau_theta), fmt::arg("target_rate", c.target_rate),
      fmt::arg("w_exc_inh", c.w_exc_inh), fmt::arg("w_inh_exc", c.w_inh_exc), fmt::arg("dt", c.dt));
}

// The network file of the learning network (checked by the network engine's reader). The
// plastic projection comes first: run_learning reads it as projection 0.
std::string network_text(const learn_config& c, std::size_t inputs) {
  return fmt::format(
             R"(
[run]
dt = {dt}
duration = 0
seed = {seed}

[[population]]
name = "input"
model = "poisson_source"
size = {inputs}
params = {{ rate = 0 }}

[[projection]]
name = "input_exc"
source = "input"
target = "exc"
rule = "all_to_all"
receptor = "{receptor}"
weight = {{ uniform = [0, {w_init}] }}
delay = {dt}
plasticity = {{ rule = "triplet", pairing = "{pairing}", tau_plus = {tau_pre}, tau_minus = {tau_post}, tau_x = {tau_pre}, tau_y = {tau_post2}, a_plus = 0, a_minus = {nu_pre}, a3_plus = {nu_post}, a3_minus = 0, w_max = {w_max}{device} }}
)",
             fmt::arg("dt", c.dt), fmt::arg("seed", c.seed), fmt::arg("inputs", inputs),
             fmt::arg("pairing", c.pairing),
             fmt::arg("receptor", c.neuron == "dm1t1r" ? "in" : "exc"),
             fmt::arg("w_init", c.w_init), fmt::arg("tau_pre", c.tau_pre),
             fmt::arg("tau_post", c.tau_post), fmt::arg("tau_post2", c.tau_post2),
             fmt::arg("nu_pre", c.nu_pre), fmt::arg("nu_post", c.nu_post),
             fmt::arg("w_max", c.w_max),
             fmt::arg("device",
                      c.device.empty()
                          ? std::string()
                          : fmt::format(", device = \"{}\", pulse_rounding = \"{}\"", c.device,
                                        c.stochastic_pulses ? "stochastic" : "nearest"))) +
         layer_text(c);
}

// The votes, indexed by learn_config::proportion_vote.
constexpr std::array<std::string_view, 2> vote_names{"all_activity", "proportion_weighting"};

}  // namespace

neuron_labels label_neurons(const Eigen::MatrixXd& answer, const std::vector<double>& shown) {
  neuron_labels out{std::vector<int>(static_cast<std::size_t>(answer.rows()), -1),
                    std::vector<double>(static_cast<std::size_t>(answer.rows()), 0.0)};
  for (Eigen::Index i = 0; i < answer.rows(); ++i) {
    double best = 0, all = 0;
    for (Eigen::Index y = 0; y < answer.cols(); ++y) {
      const double n = shown[static_cast<std::size_t>(y)];
      const double m = n > 0 ? answer(i, y) / n : 0.0;
      all += m;
      if (m > best) {
        best = m;
        out.label[static_cast<std::size_t>(i)] = static_cast<int>(y);
      }
    }
    out.share[static_cast<std::size_t>(i)] = all > 0 ? best / all : 0.0;
  }
  return out;
}

int vote(const std::vector<double>& got, const neuron_labels& l, bool proportion, int classes) {
  std::vector<double> sum(static_cast<std::size_t>(classes), 0.0),
      members(static_cast<std::size_t>(classes), 0.0);
  for (std::size_t i = 0; i < l.label.size(); ++i) {
    if (l.label[i] < 0) continue;
    sum[static_cast<std::size_t>(l.label[i])] += proportion ? l.share[i] * got[i] : got[i];
    members[static_cast<std::size_t>(l.label[i])] += 1;
  }
  int best = 0;
  for (int y = 0; y < classes; ++y) {
    const auto u = static_cast<std::size_t>(y);
    sum[u] = members[u] > 0 ? sum[u] / members[u] : 0.0;
    if (sum[u] > sum[static_cast<std::size_t>(best)]) best = y;
  }
  return best;
}

std::vector<int> ridge_classes(const Eigen::MatrixXd& label_counts, const std::vector<int>& labels,
                               int classes, const Eigen::MatrixXd& test_counts, double* lambda) {
  const auto shares = [](const Eigen::MatrixXd& counts) {
    Eigen::MatrixXd x = counts;
    for (Eigen::Index r = 0; r < x.rows(); ++r)
      if (const double all = x.row(r).sum(); all > 0) x.row(r) /= all;
    return x;
  };
  Eigen::MatrixXd a = shares(label_counts), b = shares(test_counts);
  standardise(a, b);
  const ridge_readout r = fit_ridge(a, one_hot(labels, classes), default_lambdas(), 5);
  if (lambda) *lambda = r.lambda;
  return argmax_rows(r.predict(b));
}

learn_config parse_learn_config(const std::string& text, const std::string& source) {
  const toml::table root = parse_toml(text, source);
  const toml_reader rd{source};
  learn_config c;
  c.source = source;
  rd.keys(root, {"data", "encoding", "network", "plasticity", "training"}, "the learning file");
  auto section = [&](const char* name) -> const toml::table* {
    const auto* n = root.get(name);
    return n ? &rd.table(*n, name) : nullptr;
  };
  const auto* data = section("data");
  const auto* encoding = section("encoding");
  const auto* net = section("network");
  const auto* plast = section("plasticity");
  const auto* training = section("training");
  auto keys_of = [](const char* s) {
    std::vector<std::string_view> k;
    for (const auto& n : numbers)
      if (std::string_view(n.section) == s) k.push_back(n.key);
    return k;
  };
  auto check_keys = [&](const toml::table* t, const char* name,
                        std::vector<std::string_view> extra) {
    if (!t) return;
    auto known = keys_of(name);
    known.insert(known.end(), extra.begin(), extra.end());
    for (const auto& [k, v] : *t)
      if (std::find(known.begin(), known.end(), k.str()) == known.end())
        rd.fail(v, fmt::format("unknown key '{}' in [{}] (known: {})", k.str(), name,
                               fmt::join(known, ", ")));
  };
  check_keys(data, "data", {"dataset", "train", "test"});
  check_keys(encoding, "encoding", {"min_spikes", "normalization"});
  check_keys(net, "network", {"neurons", "neuron"});
  check_keys(plast, "plasticity", {"device", "pulse_rounding", "normalization", "pairing"});
  check_keys(training, "training", {"epochs", "seed", "label_images", "vote", "readout"});
  if (const auto* x = net ? net->get("neuron") : nullptr) {
    c.neuron = rd.choice(*x, "neuron", {"lif", "dm1t1r"});
    // the ionic network's defaults: those of examples/learning/digits_ionic.toml
    if (c.neuron == "dm1t1r") {
      c.dt = 100e-6;
      c.theta_plus = 2e-3;
      c.w_inh_exc = 0.5;
      c.norm = 0.025;
      c.w_max = 0.1;
      c.w_init = 0.05;
      c.nu_post = 0.005;
      c.nu_pre = 5e-5;
    }
  }
  for (const auto& n : numbers) {
    const auto* t = std::string_view(n.section) == "encoding"     ? encoding
                    : std::string_view(n.section) == "network"    ? net
                    : std::string_view(n.section) == "plasticity" ? plast
                                                                  : nullptr;
    if (!t) continue;
    if (const auto* x = t->get(n.key)) {
      const double v = rd.quantity(*x, n.key, n.unit);
      if (n.min_exclusive ? !(v > n.min) : !(v >= n.min))
        rd.fail(*x, fmt::format("{} = {:g} {} must be {} {:g}", n.key, v, n.unit,
                                n.min_exclusive ? ">" : ">=", n.min));
      c.*(n.member) = v;
    }
  }
  if (data) {
    if (const auto* x = data->get("dataset"))
      c.dataset = rd.choice(*x, "dataset", {"digits", "fashion_mnist"});
    if (const auto* x = data->get("train"))
      c.train = static_cast<std::size_t>(rd.integer(*x, "train", 1));
    if (const auto* x = data->get("test"))
      c.test = static_cast<std::size_t>(rd.integer(*x, "test", 1));
  }
  if (encoding) {
    if (const auto* x = encoding->get("min_spikes"))
      c.min_spikes = static_cast<int>(rd.integer(*x, "min_spikes", 0));
    if (const auto* x = encoding->get("normalization"))
      c.image_l2 = rd.choice(*x, "normalization", {"none", "l2"}) == "l2";
  }
  if (net) {
    if (const auto* x = net->get("neurons"))
      c.neurons = static_cast<std::size_t>(rd.integer(*x, "neurons", 1));
    // keys that only one of the two networks has
    constexpr std::pair<const char*, const char*> only[] = {
        {"tau_in", "dm1t1r"}, {"v_max", "dm1t1r"}, {"w_exc_inh", "lif"}};
    for (const auto& [key, of] : only)
      if (const auto* x = net->get(key); x && c.neuron != of)
        rd.fail(*x, fmt::format("'{}' is a key of the {} network (neuron = \"{}\" here)", key, of,
                                c.neuron));
  }
  if (plast) {
    if (const auto* x = plast->get("normalization"))
      c.l2_norm = rd.choice(*x, "normalization", {"sum", "l2"}) == "l2";
    if (const auto* x = plast->get("pairing"))
      c.pairing = rd.choice(*x, "pairing", {"nearest", "all_to_all"});
    if (const auto* x = plast->get("device")) {
      c.device = rd.text(*x, "device");
      network::programmed_device_named(c.device, rd.at(*x));
    }
    if (const auto* x = plast->get("pulse_rounding")) {
      if (c.device.empty()) rd.fail(*x, "'pulse_rounding' needs a 'device'");
      c.stochastic_pulses =
          rd.choice(*x, "pulse_rounding", {"nearest", "stochastic"}) == "stochastic";
    }
  }
  if (training) {
    if (const auto* x = training->get("epochs"))
      c.epochs = static_cast<std::size_t>(rd.integer(*x, "epochs", 1));
    if (const auto* x = training->get("seed"))
      c.seed = static_cast<std::uint64_t>(rd.integer(*x, "seed", 0));
    if (const auto* x = training->get("label_images"))
      c.label_images = static_cast<std::size_t>(rd.integer(*x, "label_images", 1));
    if (const auto* x = training->get("vote"))
      c.proportion_vote = rd.choice(*x, "vote", vote_names) == vote_names[1];
    if (const auto* x = training->get("readout"))
      c.readout = rd.choice(*x, "readout", {"none", "ridge"});
  }
  if (c.w_init > c.w_max)
    throw input_error(
        fmt::format("{}: w_init = {:g} is above w_max = {:g}", source, c.w_init, c.w_max));
  // An image shown for less than a step would draw no spike at all.
  const std::pair<const char*, double> showings[] = {{"present", c.present},
                                                     {"read_present", c.reading_time()}};
  for (const auto& [key, v] : showings) {
    if (v >= c.dt) continue;
    const auto msg =
        fmt::format("{} = {:g} s is shorter than the network's step dt = {:g} s", key, v, c.dt);
    if (const auto* x = encoding ? encoding->get(key) : nullptr) rd.fail(*x, msg);
    throw input_error(fmt::format("{}: {}", source, msg));
  }
  return c;
}

learn_config read_learn_config(const std::string& path) {
  return parse_learn_config(read_text_file(path), path);
}

void learn_data(const learn_config& c, dataset& train, dataset& test) {
  if (c.dataset == "digits") {
    const dataset all = load_digits();
    const std::size_t half = all.rows() / 2;
    split(all, half, train, test);
  } else {
    train = load_fashion_mnist("train", c.train);
    test = load_fashion_mnist("test", c.test);
  }
  auto first = [](dataset& d, std::size_t n) {
    if (n == 0 || n >= d.rows()) return;
    d.x.conservativeResize(static_cast<Eigen::Index>(n), Eigen::NoChange);
    d.labels.resize(n);
  };
  first(train, c.train);
  first(test, c.test);
  if (c.image_l2) scale_to_common_norm(train, test);
}

void scale_to_common_norm(dataset& train, dataset& test) {
  const double mean = train.x.rowwise().norm().mean();
  for (auto* d : {&train, &test})
    for (Eigen::Index r = 0; r < d->x.rows(); ++r) {
      const double norm = d->x.row(r).norm();
      if (norm > 0) d->x.row(r) *= mean / norm;  // a blank image stays blank
    }
}

learn_result run_learning(const learn_config& c,
                          const std::function<void(double, const std::string&)>& progress,
                          const std::atomic<bool>* stop) {
  dataset train, test;
  learn_data(c, train, test);
  const auto inputs = static_cast<std::size_t>(train.x.cols());
  const int classes = std::max(train.classes, test.classes);

  // The network.
  const auto models = network::builtin_models();
  const auto spec = network::parse_network_config(network_text(c, inputs), c.source, models);
  network::network net(spec, models);
  auto* input = dynamic_cast<network::rate_driven*>(&net.model(0));
  IONSIM_ASSERT(input);
  const std::size_t n = c.neurons;
  counter count;
  count.first = net.first_id(1);
  count.count.assign(n, 0.0);
  const auto present = static_cast<std::int64_t>(std::llround(c.present / c.dt));
  const auto read_present = static_cast<std::int64_t>(std::llround(c.reading_time() / c.dt));
  const auto rest = static_cast<std::int64_t>(std::llround(c.rest / c.dt));
  // The target of each neuron's input weights: their sum, or their Euclidean norm.
  const double total = c.l2_norm ? c.norm * std::sqrt(static_cast<double>(inputs))
                                 : c.norm * static_cast<double>(inputs);
  std::vector<double> rates(inputs, 0.0), silent(inputs, 0.0);

  // One image: shown (at max_rate for present while learning, at read_max_rate for read_present
  // while labelling and testing) until it draws min_spikes excitatory spikes (the rate growing
  // by half its start each time), then rest; returns the spike counts of the showing that
  // counted.
  std::size_t showings = 0;
  auto show = [&](const Eigen::VectorXd& x, bool learning) {
    double gain = 1.0;
    const double max_rate = learning ? c.max_rate : c.reading_rate();
    for (int attempt = 0;; ++attempt) {
      if (learning) net.normalize_incoming(0, total, c.l2_norm);
      for (std::size_t i = 0; i < inputs; ++i)
        rates[i] = x[static_cast<Eigen::Index>(i)] * max_rate * gain;
      std::fill(count.count.begin(), count.count.end(), 0.0);
      input->set_rates(rates, net.steps_done());
      net.run_more(learning ? present : read_present, count);
      input->set_rates(silent, net.steps_done());
      const std::vector<double> got = count.count;
      if (rest > 0) net.run_more(rest, count);
      ++showings;
      const double spikes = std::accumulate(got.begin(), got.end(), 0.0);
      // Give up raising the rate at 10 times the start (an image the network cannot see).
      if (spikes >= c.min_spikes || attempt >= 18) return got;
      gain += 0.5;
    }
  };

  learn_result out;
  const auto t0 = std::chrono::steady_clock::now();
  const std::size_t n_train = train.rows(), n_test = test.rows();
  const std::size_t n_label = c.label_images == 0 ? n_train : std::min(c.label_images, n_train);
  const bool train_here = c.trained.empty();
  const double work = static_cast<double>((train_here ? c.epochs * n_train : 0) + n_label + n_test);
  double done = 0;
  auto tick = [&](const std::string& what) {
    done += 1;
    if (progress) progress(done / work, what);
  };
  auto histogram = [&]() {
    Eigen::VectorXd h = Eigen::VectorXd::Zero(20);
    for (const float w : net.projection(0).weight) {
      const auto b = std::min<Eigen::Index>(19, static_cast<Eigen::Index>(w / c.w_max * 20));
      h[std::max<Eigen::Index>(0, b)] += 1;
    }
    return h;
  };
  out.w_hist_t.push_back(0);
  out.w_hist.push_back(histogram());
  auto stopped = [&] {
    if (stop && stop->load(std::memory_order_relaxed)) out.interrupted = true;
    return out.interrupted;
  };
  std::size_t trained = 0;
  // Training, with a running accuracy as Diehl & Cook's code reports it: each tenth of the
  // training images is classified by the labels the previous tenth's answers give.
  const std::size_t tenth = std::max<std::size_t>(1, c.epochs * n_train / 10);
  Eigen::MatrixXd window = Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(n), classes);
  std::vector<double> window_shown(static_cast<std::size_t>(classes), 0.0);
  neuron_labels window_label;
  std::size_t window_right = 0, window_seen = 0;
  double running = -1;
  nlohmann::json running_json = nlohmann::json::array();
  double train_seconds = 0;
  // The trained network and what training recorded: written after training (out.trained), or
  // read instead of it (c.trained).
  auto trained_state = [&](archive& a) {
    const nlohmann::json here = training_identity(c);
    const std::string identity = here.dump();
    std::vector<char> id(identity.begin(), identity.end());
    a.io("training", id, true);
    if (a.loading())
      check_training_identity(c, here, nlohmann::json::parse(std::string(id.begin(), id.end())),
                              a.where());
    net.checkpoint(a);
    std::uint64_t images = trained, shown = showings;
    a.io("trained_images", images);
    a.io("showings", shown);
    a.io("train_seconds", train_seconds);
    a.io("histogram_images", out.w_hist_t, true);
    std::vector<double> bins;
    for (const auto& h : out.w_hist) bins.insert(bins.end(), h.data(), h.data() + h.size());
    a.io("histograms", bins, true);
    const std::string run = running_json.dump();
    std::vector<char> accuracies(run.begin(), run.end());
    a.io("running_accuracy", accuracies, true);
    if (!a.loading()) return;
    a.finish();
    trained = images;
    showings = shown;
    const auto w = static_cast<std::size_t>(out.w_hist.front().size());
    out.w_hist.clear();
    for (std::size_t b = 0; b + w <= bins.size(); b += w)
      out.w_hist.emplace_back(Eigen::Map<const Eigen::VectorXd>(bins.data() + b, w));
    running_json = nlohmann::json::parse(std::string(accuracies.begin(), accuracies.end()));
  };
  if (!train_here) {
    archive a = read_archive(c.trained, "learn");
    trained_state(a);
  }
  net.set_learning(true);
  for (std::size_t e = 0; e < c.epochs && train_here && !stopped(); ++e)
    for (std::size_t k = 0; k < n_train && !stopped(); ++k) {
      const auto got = show(train.x.row(static_cast<Eigen::Index>(k)).transpose(), true);
      ++trained;
      const int y = train.labels[k];
      if (!window_label.label.empty()) {
        window_right += vote(got, window_label, c.proportion_vote, classes) == y;
        ++window_seen;
      }
      window_shown[static_cast<std::size_t>(y)] += 1;
      for (std::size_t i = 0; i < n; ++i) window(static_cast<Eigen::Index>(i), y) += got[i];
      const std::size_t seen = e * n_train + k + 1;
      if (seen % tenth == 0) {
        out.w_hist_t.push_back(static_cast<double>(seen));
        out.w_hist.push_back(histogram());
        if (window_seen > 0) {
          running = static_cast<double>(window_right) / static_cast<double>(window_seen);
          running_json.push_back({{"images", seen}, {"accuracy", running}});
        }
        window_label = label_neurons(window, window_shown);
        window.setZero();
        std::fill(window_shown.begin(), window_shown.end(), 0.0);
        window_right = window_seen = 0;
      }
      tick(running < 0 ? fmt::format("training, epoch {}, image {}", e + 1, k + 1)
                       : fmt::format("training, epoch {}, image {}, running accuracy {:.3f}", e + 1,
                                     k + 1, running));
    }
  if (train_here) {
    net.normalize_incoming(0, total, c.l2_norm);
    train_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (!out.interrupted) trained_state(out.trained);
  }

  // Labels: each neuron's mean answer per class over the training images, learning off.
  net.set_learning(false);
  Eigen::MatrixXd answer = Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(n), classes);
  std::vector<double> per_class(static_cast<std::size_t>(classes), 0.0);
  // The counts of every labelling and test image, for the linear read-out.
  const bool linear = c.readout == "ridge";
  const auto width = static_cast<Eigen::Index>(n);
  Eigen::MatrixXd label_counts(linear ? static_cast<Eigen::Index>(n_label) : 0, width),
      test_counts(linear ? static_cast<Eigen::Index>(n_test) : 0, width);
  const auto keep = [&](Eigen::MatrixXd& m, std::size_t r, const std::vector<double>& got) {
    if (linear)
      m.row(static_cast<Eigen::Index>(r)) = Eigen::Map<const Eigen::RowVectorXd>(got.data(), width);
  };
  const std::size_t first_label = n_train - n_label;
  for (std::size_t k = first_label; k < n_train && !stopped(); ++k) {
    const auto got = show(train.x.row(static_cast<Eigen::Index>(k)).transpose(), false);
    const int y = train.labels[k];
    per_class[static_cast<std::size_t>(y)] += 1;
    for (std::size_t i = 0; i < n; ++i) answer(static_cast<Eigen::Index>(i), y) += got[i];
    keep(label_counts, k - first_label, got);
    tick(fmt::format("labelling, image {}", k + 1));
  }
  const neuron_labels labelled = label_neurons(answer, per_class);
  out.assignment = labelled.label;
  std::vector<double> members(static_cast<std::size_t>(classes), 0.0);
  for (const int y : out.assignment)
    if (y >= 0) members[static_cast<std::size_t>(y)] += 1;

  // Test.
  out.confusion = Eigen::MatrixXi::Zero(classes, classes);
  // Right answers of both votes (vote_names) on the same spike counts.
  std::array<double, 2> right{};
  double test_spikes = 0;
  for (std::size_t k = 0; k < n_test && !stopped(); ++k) {
    const auto got = show(test.x.row(static_cast<Eigen::Index>(k)).transpose(), false);
    const std::array<int, 2> by{vote(got, labelled, false, classes),
                                vote(got, labelled, true, classes)};
    const int best = by[c.proportion_vote];
    for (std::size_t v = 0; v < 2; ++v) right[v] += by[v] == test.labels[k];
    test_spikes += std::accumulate(got.begin(), got.end(), 0.0);
    keep(test_counts, k, got);
    out.confusion(test.labels[k], best) += 1;
    tick(fmt::format("testing, image {}, accuracy {:.3f}", k + 1,
                     right[c.proportion_vote] / static_cast<double>(k + 1)));
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  // The learned weights as [input][neuron].
  const auto& t = net.projection(0);
  out.weights =
      Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(inputs), static_cast<Eigen::Index>(n));
  for (std::size_t s = 0; s < t.sources(); ++s)
    for (auto q = t.row[s]; q < t.row[s + 1]; ++q)
      out.weights(static_cast<Eigen::Index>(s), t.target[q]) = t.weight[q];
  out.image_rows = out.image_cols = static_cast<std::size_t>(std::lround(std::sqrt(inputs)));

  const auto fraction = [&](double r) { return n_test ? r / static_cast<double>(n_test) : 0.0; };
  const double accuracy = fraction(right[c.proportion_vote]);
  auto& j = out.results;
  j["dataset"] = c.dataset == "digits" ? train.name : "fashion-mnist";
  j["data_source"] = train.source;
  j["train_images"] = n_train;
  j["label_images"] = n_label;
  j["test_images"] = n_test;
  const auto tested = out.confusion.sum();  // fewer than n_test when interrupted
  j["spikes_per_test_image"] = tested ? test_spikes / static_cast<double>(tested) : 0.0;
  j["epochs"] = c.epochs;
  j["neurons"] = n;
  j["inputs"] = inputs;
  j["accuracy"] = out.interrupted ? nlohmann::json(nullptr) : nlohmann::json(accuracy);
  j["accuracy_by_vote"] = nullptr;
  if (!out.interrupted)
    for (std::size_t v = 0; v < 2; ++v)
      j["accuracy_by_vote"][std::string(vote_names[v])] = fraction(right[v]);
  if (linear) {
    j["accuracy_by_readout"] = nullptr;
    if (!out.interrupted) {
      double lambda = 0;
      const std::vector<int> label_classes(train.labels.begin() + static_cast<long>(first_label),
                                           train.labels.end());
      const auto by = ridge_classes(label_counts, label_classes, classes, test_counts, &lambda);
      j["accuracy_by_readout"] = {{"ridge", task::accuracy(by, test.labels)},
                                  {"ridge_lambda", lambda}};
    }
  }
  if (!train_here) j["trained_from"] = c.trained;
  j["interrupted"] = out.interrupted;
  j["trained_images"] = trained;
  j["train_seconds"] = train_seconds;
  j["seconds"] = seconds;
  j["showings"] = showings;
  j["simulated_seconds"] = static_cast<double>(net.steps_done()) * c.dt;
  j["neurons_per_class"] = members;
  j["running_accuracy"] = running_json;
  if (!c.device.empty()) {
    const auto p = net.plasticity(0)->pulses();
    const double updates = static_cast<double>(p.up + p.down);
    j["device"] = c.device;
    j["pulses_up"] = p.up;
    j["pulses_down"] = p.down;
    j["programming_energy_j"] = p.energy;
    j["energy_per_pulse_j"] = updates > 0 ? p.energy / updates : 0.0;
    j["pulses_per_training_image"] = trained ? updates / static_cast<double>(trained) : 0.0;
  }
  j["settings"] = {{"max_rate_hz", c.max_rate},
                   {"read_max_rate_hz", c.reading_rate()},
                   {"present_s", c.present},
                   {"read_present_s", c.reading_time()},
                   {"rest_s", c.rest},
                   {"min_spikes", c.min_spikes},
                   {"image_normalization", c.image_l2 ? "l2" : "none"},
                   {"dt_s", c.dt},
                   {"neuron", c.neuron},
                   {"w_exc_inh", c.w_exc_inh},
                   {"w_inh_exc", c.w_inh_exc},
                   {"theta_plus_v", c.theta_plus},
                   {"tau_theta_s", c.tau_theta},
                   {"target_rate_hz", c.target_rate},
                   {"nu_pre", c.nu_pre},
                   {"nu_post", c.nu_post},
                   {"tau_pre_s", c.tau_pre},
                   {"tau_post_s", c.tau_post},
                   {"tau_post2_s", c.tau_post2},
                   {"w_max", c.w_max},
                   {"w_init", c.w_init},
                   {"norm", c.norm},
                   {"normalization", c.l2_norm ? "l2" : "sum"},
                   {"pairing", c.pairing},
                   {"vote", std::string(vote_names[c.proportion_vote])},
                   {"readout", c.readout},
                   {"seed", c.seed}};
  if (c.neuron == "dm1t1r") {  // w_inh_exc in V: the charge each spike takes
    j["settings"].erase("w_exc_inh");
    j["settings"]["tau_in_s"] = c.tau_in;
    j["settings"]["v_max_v"] = c.v_max;
  }
  return out;
}

nlohmann::json learn_report(const learn_result& r) {
  nlohmann::json j = r.results;
  j["assignment"] = r.assignment;
  std::vector<std::vector<int>> confusion;
  for (Eigen::Index a = 0; a < r.confusion.rows(); ++a) {
    confusion.emplace_back();
    for (Eigen::Index b = 0; b < r.confusion.cols(); ++b)
      confusion.back().push_back(r.confusion(a, b));
  }
  j["confusion"] = confusion;
  j["weight_histograms"] = {{"images", r.w_hist_t}, {"bins", 20}};
  for (const auto& h : r.w_hist)
    j["weight_histograms"]["counts"].push_back(std::vector<double>(h.data(), h.data() + h.size()));
  j["image_shape"] = {r.image_rows, r.image_cols};
  return j;
}

}  // namespace ionsim::task
