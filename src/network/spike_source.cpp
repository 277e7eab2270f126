// `spike_source`: a population whose neurons emit given spikes (NEST's spike_generator,
// Brian2's SpikeGeneratorGroup): the inputs of a network, able to drive projections (for
// example a memristor crossbar) as any population does. params: file = CSV with columns
// `time` (s) and `neuron` (local index), relative to the network file. Its one receptor,
// `in`, discards what arrives: a projection onto a spike_source only learns, with the
// postsynaptic spikes given (how plasticity rules are checked against prescribed spikes).
// `poisson_source`: neurons that spike at `rate` (Hz) as independent Bernoulli processes of
// probability rate dt per step (Brian2's PoissonGroup), drawn as geometric gaps between
// spikes (one draw per spike, not per step) keyed by (seed, neuron, draw number); the same
// receptor `in`.
#include "network/spike_source.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>

#include "core/archive.hpp"
#include "core/error.hpp"
#include "core/params.hpp"
#include "core/random.hpp"
#include "core/toml_reader.hpp"
#include "io/csv.hpp"
#include "network/model.hpp"

namespace ionsim::network {

namespace {

constexpr model_quantity discard_receptor[] = {
    {"in", "1", "input discarded (a projection onto a source only learns)"}};

// What both sources share: no state, one receptor that discards its input.
class source_model : public neuron_model {
 public:
  explicit source_model(std::size_t size) : size_(size) {}
  std::size_t size() const override { return size_; }
  std::span<const model_quantity> receptors() const override { return discard_receptor; }
  std::span<const model_quantity> state_variables() const override { return {}; }
  std::string_view drive_unit() const override { return "1"; }
  std::span<double> variable(std::size_t) override { return {}; }

 protected:
  std::size_t size_;
};

class spike_source final : public source_model {
 public:
  struct entry {
    double time;
    double neuron;
    std::string where;  // file:line
  };
  spike_source(std::size_t size, std::vector<entry> events)
      : source_model(size), times_(std::move(events)) {}
  std::string_view model_name() const override { return "spike_source"; }
  void prepare(double dt) override {
    // Checked here, not when made: the configuration reader makes a one-neuron probe of
    // every model to learn its receptors.
    events_.clear();
    for (const auto& e : times_) {
      if (!(e.neuron >= 0) || e.neuron != std::floor(e.neuron) ||
          e.neuron >= static_cast<double>(size_))
        throw input_error(fmt::format("{}: neuron = {:g} is not one of the {} sources", e.where,
                                      e.neuron, size_));
      events_.emplace_back(static_cast<std::int64_t>(std::llround(e.time / dt)),
                           static_cast<std::uint32_t>(e.neuron));
    }
    std::sort(events_.begin(), events_.end());
    events_.erase(std::unique(events_.begin(), events_.end()), events_.end());
  }
  void advance(const step_input& in, std::size_t first, std::size_t last,
               std::vector<std::uint32_t>& spiked) override {
    std::fill(in.receptor[0] + first, in.receptor[0] + last, 0.0);
    auto it = std::lower_bound(events_.begin(), events_.end(),
                               std::make_pair(in.step, static_cast<std::uint32_t>(first)));
    for (; it != events_.end() && it->first == in.step && it->second < last; ++it)
      spiked.push_back(it->second);
  }

 private:
  std::vector<entry> times_;
  std::vector<std::pair<std::int64_t, std::uint32_t>> events_;
};

std::unique_ptr<neuron_model> make(std::size_t size, const toml::table* t,
                                   const std::string& source) {
  const toml::node* f = t ? t->get("file") : nullptr;
  if (!f || !f->is_string())
    throw input_error(
        fmt::format("{}: spike_source needs params = {{ file = \"spikes.csv\" }}", source));
  for (const auto& [key, node] : *t)
    if (key.str() != "file")
      throw input_error(fmt::format("{}: unknown parameter '{}' of spike_source (known: file)",
                                    where(source, node), key.str()));
  std::filesystem::path path(*f->value<std::string>());
  if (path.is_relative()) path = std::filesystem::path(source).parent_path() / path;
  const auto csv = read_csv(path.string(), {"time", "neuron"});
  const auto& tc = csv.column("time");
  const auto& nc = csv.column("neuron");
  std::vector<spike_source::entry> ev;
  for (std::size_t r = 0; r < csv.rows(); ++r) {
    if (!(tc[r] >= 0) || !(tc[r] < 1e9))
      throw input_error(fmt::format("{}:{}: time = {:g} s must be a time >= 0", path.string(),
                                    csv.line[r], tc[r]));
    ev.push_back({tc[r], nc[r], fmt::format("{}:{}", path.string(), csv.line[r])});
  }
  return std::make_unique<spike_source>(size, std::move(ev));
}

class poisson_source final : public source_model, public rate_driven {
 public:
  poisson_source(std::size_t size, double rate) : source_model(size), rate_(rate) {}
  std::string_view model_name() const override { return "poisson_source"; }
  void set_identity(std::uint64_t seed, std::uint64_t first_id) override {
    rng_ = philox(seed);
    first_ = first_id;
  }
  void prepare(double dt) override {
    dt_ = dt;
    const double p = rate_ * dt;
    if (!(p < 1))
      throw input_error(fmt::format("poisson_source: rate = {:g} Hz must be below 1/dt = {:g} Hz",
                                    rate_, 1 / dt));
    log_q_.assign(size_, std::log1p(-p));
    next_.resize(size_);
    count_.assign(size_, 0);
    for (std::size_t i = 0; i < size_; ++i) next_[i] = gap(i) - 1;
  }
  // A Bernoulli process has no memory: from `step` on, each neuron's next spike is drawn anew
  // at its new rate.
  void set_rates(std::span<const double> rates, std::int64_t step) override {
    if (rates.size() != size_)
      throw input_error(
          fmt::format("poisson_source: {} rates for {} neurons", rates.size(), size_));
    for (std::size_t i = 0; i < size_; ++i) {
      const double p = rates[i] * dt_;
      if (!(p >= 0 && p < 1))
        throw input_error(
            fmt::format("poisson_source: rate {:g} Hz of neuron {} is not in [0, "
                        "1/dt)",
                        rates[i], i));
      log_q_[i] = std::log1p(-p);
      next_[i] = step + gap(i) - 1;
    }
  }
  void advance(const step_input& in, std::size_t first, std::size_t last,
               std::vector<std::uint32_t>& spiked) override {
    std::fill(in.receptor[0] + first, in.receptor[0] + last, 0.0);
    for (std::size_t i = first; i < last; ++i)
      if (next_[i] == in.step) {
        spiked.push_back(static_cast<std::uint32_t>(i));
        next_[i] += gap(i);
      }
  }

 private:
  // Steps to neuron i's next spike: geometric on {1, 2, ...} with success probability
  // rate dt (the gaps of one Bernoulli draw per step), from its own draw number count_[i].
  std::int64_t gap(std::size_t i) {
    if (log_q_[i] == 0) return std::numeric_limits<std::int64_t>::max() / 2;
    const double u = rng_.uniforms(rng_stream::source_spikes, first_ + i, count_[i]++)[0];
    const double k = std::floor(std::log(u) / log_q_[i]);
    return k < 1e15 ? static_cast<std::int64_t>(k) + 1
                    : std::numeric_limits<std::int64_t>::max() / 2;
  }

  double rate_, dt_ = 0;

 public:
  void checkpoint(archive& a) override {
    a.io("log_q", log_q_);
    a.io("next", next_);
    a.io("draws", count_);
  }

 private:
  std::vector<double> log_q_;  // log(1 - rate dt) per neuron
  philox rng_{0};
  std::uint64_t first_ = 0;
  std::vector<std::int64_t> next_;    // step of each neuron's next spike
  std::vector<std::uint64_t> count_;  // draws made per neuron
};

std::unique_ptr<neuron_model> make_poisson(std::size_t size, const toml::table* t,
                                           const std::string& source) {
  const toml::node* r = t ? t->get("rate") : nullptr;
  if (!r)
    throw input_error(
        fmt::format("{}: poisson_source needs params = {{ rate = \"15Hz\" }}", source));
  for (const auto& [key, node] : *t)
    if (key.str() != "rate")
      throw input_error(fmt::format("{}: unknown parameter '{}' of poisson_source (known: rate)",
                                    where(source, node), key.str()));
  const toml_reader rd{source};
  const double rate = rd.positive(*r, "rate", "Hz", true);
  return std::make_unique<poisson_source>(size, rate);
}

}  // namespace

std::unique_ptr<neuron_model> make_spike_source(
    std::size_t size, const std::vector<std::pair<double, std::uint32_t>>& spikes) {
  std::vector<spike_source::entry> ev;
  ev.reserve(spikes.size());
  for (std::size_t k = 0; k < spikes.size(); ++k)
    ev.push_back({spikes[k].first, static_cast<double>(spikes[k].second),
                  fmt::format("spike {} given in memory", k)});
  return std::make_unique<spike_source>(size, std::move(ev));
}

void add_spike_source_model(model_registry& r) {
  r.add({"spike_source", "neurons that emit the spikes of a CSV file (time, neuron)", make});
  r.add({"poisson_source", "neurons that spike at a rate (Bernoulli per step)", make_poisson});
}

}  // namespace ionsim::network
