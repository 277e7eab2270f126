// The diffusive memristor element Y: any registered device model (device/registry.hpp), given
// by a `.model NAME memristor(model=... | preset=..., parameters...)` card
// (docs/circuit/netlist.md).
//
// Its state variables are not Newton unknowns. In a step of length h from t0 each memristor's
// state is advanced over [t0, t0 + h] with its voltage held at the Newton iterate; its current
// at the step's end and that current's slope dI/dV (the device model's advance_interval_slope)
// are its companion model. An accepted step keeps the state of the last evaluation; a rejected
// one restores the state at t0 (docs/dev/device-layer.md).
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>

#include "circuit/element.hpp"
#include "circuit/transient.hpp"
#include "core/error.hpp"
#include "device/registry.hpp"

namespace ionsim::circuit {

namespace {

constexpr double max_state_step = 0.02;  // largest change of a state variable per step

// A memristor card's device configuration: a preset or a model's defaults, then the card's
// parameters.
device_config memristor_config(const model_card& m) {
  const auto model_it = m.words.find("model");
  const auto preset_it = m.words.find("preset");
  if (preset_it == m.words.end() && model_it == m.words.end())
    throw input_error(
        fmt::format("{}: model {}: a memristor model needs model=NAME ({}) or preset=NAME",
                    m.source, m.name, fmt::join(model_names(), ", ")));
  device_config cfg;
  try {
    cfg = preset_it != m.words.end() ? load_preset(preset_it->second)
                                     : default_config(model_it->second);
  } catch (const input_error& err) {
    throw input_error(fmt::format("{}: model {}: {}", m.source, m.name, err.what()));
  }
  if (preset_it != m.words.end() && model_it != m.words.end() && model_it->second != cfg.model())
    throw input_error(fmt::format("{}: model {}: preset '{}' is a {} parameter set, not {}",
                                  m.source, m.name, preset_it->second, cfg.model(),
                                  model_it->second));
  for (const auto& [key, val] : m.words)
    if (key != "model" && key != "preset")
      throw input_error(
          fmt::format("{}: model {}: '{}={}' is not a number", m.source, m.name, key, val));
  for (const auto& [key, val] : m.params) {
    try {
      set_param(cfg, key, val);
    } catch (const input_error& err) {
      throw input_error(fmt::format("{}: model {}: {}", m.source, m.name, err.what()));
    }
  }
  set_param(cfg, "r_series", 0);
  set_param(cfg, "i_compliance", 0);
  return cfg;
}

class memristor_model;

// The memristors of one device configuration that follow each other in the netlist's memristor
// order, as one device batch: their device ids are contiguous, as the batch's are, and one call
// per Newton iteration advances them all.
struct mem_batch {
  device_config config;
  std::uint64_t first_id = 0;
  std::unique_ptr<device_model> dev;
  std::vector<const memristor_model*> members;  // in batch order
  std::vector<double> saved, v, i, g;           // saved state; per device: voltage, current, slope
  std::vector<double> start;                    // [state][device] the states at the step's start
  std::size_t n_states = 0;                     // state variables per device
};

class memristor_group final : public element_group {
 public:
  // Adds a memristor; returns its batch and its index in it.
  std::pair<std::size_t, std::size_t> add(const memristor_model* m, device_config cfg,
                                          std::uint64_t id) {
    const bool joins = !batches_.empty() && batches_.back().config.type == cfg.type &&
                       batches_.back().config.values == cfg.values &&
                       batches_.back().first_id + batches_.back().members.size() == id;
    if (!joins) {
      batches_.emplace_back();
      batches_.back().config = std::move(cfg);
      batches_.back().first_id = id;
    }
    batches_.back().members.push_back(m);
    return {batches_.size() - 1, batches_.back().members.size() - 1};
  }
  std::uint64_t count = 0;  // memristors added so far
  std::uint64_t seed = 1;

  void finish() override {
    for (auto& mb : batches_) {
      const std::size_t n = mb.members.size();
      mb.dev = make_device(mb.config, n, seed, mb.first_id);
      mb.v.assign(n, 0.0);
      mb.i.assign(n, 0.0);
      mb.g.assign(n, 0.0);
      mb.n_states = mb.dev->state_names().size();
    }
    save();
  }
  bool load(const double* x, const step_ctx& c, double t0, std::uint64_t counter) override;
  void save() override {
    for (auto& mb : batches_) {
      mb.dev->save_state(mb.saved);
      mb.start.resize(mb.n_states * mb.members.size());
      for (std::size_t q = 0; q < mb.n_states; ++q)
        std::copy_n(mb.dev->state(q).begin(), mb.members.size(),
                    mb.start.begin() + q * mb.members.size());
    }
  }
  void restore() override {
    for (auto& mb : batches_) mb.dev->restore_state(mb.saved);
  }
  // The largest change of a state variable over the step, relative to max_state_step. (Its
  // effect on the circuit is controlled by the voltage LTE; a criterion on the resistance itself
  // forced tiny steps near x = 1, where R changes by a factor 2 for dx = 3e-5 but the circuit
  // barely sees it.)
  double change_ratio() const override {
    double ratio = 0;
    for (const auto& mb : batches_) {
      const std::size_t n = mb.members.size();
      for (std::size_t q = 0; q < mb.n_states; ++q) {
        const auto s = mb.dev->state(q);
        for (std::size_t j = 0; j < n; ++j)
          ratio = std::max(ratio, std::fabs(s[j] - mb.start[q * n + j]) / max_state_step);
      }
    }
    return ratio;
  }
  const mem_batch& batch(std::size_t b) const { return batches_[b]; }

 private:
  std::vector<mem_batch> batches_;
};

class memristor_model final : public element_model {
 public:
  memristor_model(const element& el, build_ctx& ctx) : group_(ctx.group<memristor_group>()) {
    group_.seed = ctx.options.seed;
    device_config cfg = memristor_config(ctx.nl.models.at(el.model));
    // every memristor of every instance has its own random streams
    const std::uint64_t id =
        ctx.options.instance * static_cast<std::uint64_t>(ctx.nl.elements.size()) + group_.count++;
    std::tie(batch_, index_) = group_.add(this, std::move(cfg), id);
  }
  std::vector<std::pair<int, int>> entries() const override { return conductance_entries(); }
  void load(const load_ctx& ctx) override {
    const mem_batch& mb = group_.batch(batch_);
    const double g = mb.g[index_];
    stamp_conductance(g);
    const double ieq = mb.i[index_] - g * across(ctx.x);
    rhs(ctx, n[0], -ieq);
    rhs(ctx, n[1], ieq);
  }
  double current(const double* x, double) const override {
    return across(x) / group_.batch(batch_).dev->resistance(index_);
  }
  std::vector<std::string> state_names() const override {
    return group_.batch(batch_).dev->state_names();
  }
  double state(std::size_t k) const override { return group_.batch(batch_).dev->state(k)[index_]; }
  double voltage(const double* x) const { return across(x); }

 private:
  memristor_group& group_;
  std::size_t batch_ = 0, index_ = 0;
};

// Every memristor's current and slope at x: at the operating point its present resistance; in a
// step the state at the step's end for its voltage held over the step, and the current's slope
// through it (the device model's dI/dV: analytic, or its forward difference). A negative slope
// (the device switching on faster than the voltage drops) is not stamped: Newton then converges
// from the side of the smaller current.
bool memristor_group::load(const double* x, const step_ctx& c, double t0, std::uint64_t counter) {
  bool ok = true;
  for (auto& mb : batches_) {
    const std::size_t n = mb.members.size();
    for (std::size_t j = 0; j < n; ++j) mb.v[j] = mb.members[j]->voltage(x);
    if (c.dc) {
      for (std::size_t j = 0; j < n; ++j) {
        mb.g[j] = 1.0 / mb.dev->resistance(j);
        mb.i[j] = mb.v[j] * mb.g[j];
      }
      continue;
    }
    mb.dev->restore_state(mb.saved);
    mb.dev->advance_interval_slope(t0, c.h, counter, mb.v, mb.i, mb.g);
    for (std::size_t j = 0; j < n; ++j) {
      mb.g[j] = std::max(mb.g[j], 0.0);
      if (!std::isfinite(mb.g[j]) || !std::isfinite(mb.i[j])) ok = false;
    }
  }
  return ok;
}

}  // namespace

const element_type& memristor_element() {
  static const element_type t{
      .name = "memristor",
      .letter = 'y',
      .syntax = "Y n+ n- model",
      .form = card_form::model,
      .nodes = 2,
      .model_types = {"memristor"},
      .model_words = true,
      .make = [](const element& el, build_ctx& ctx) -> std::unique_ptr<element_model> {
        return std::make_unique<memristor_model>(el, ctx);
      }};
  return t;
}

}  // namespace ionsim::circuit
