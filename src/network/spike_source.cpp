// `spike_source`: a population whose neurons emit given spikes (NEST's spike_generator,
// Brian2's SpikeGeneratorGroup): the inputs of a network, able to drive projections (for
// example a memristor crossbar) as any population does. params: file = CSV with columns
// `time` (s) and `neuron` (local index), relative to the network file.
#include "network/spike_source.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "core/error.hpp"
#include "core/params.hpp"
#include "io/csv.hpp"
#include "network/model.hpp"

namespace ionsim::network {

namespace {

class spike_source final : public neuron_model {
 public:
  struct entry {
    double time;
    double neuron;
    std::string where;  // file:line
  };
  spike_source(std::size_t size, std::vector<entry> events)
      : size_(size), times_(std::move(events)) {}
  std::string_view model_name() const override { return "spike_source"; }
  std::size_t size() const override { return size_; }
  std::span<const model_quantity> receptors() const override { return {}; }
  std::span<const model_quantity> state_variables() const override { return {}; }
  std::string_view drive_unit() const override { return "1"; }
  std::span<double> variable(std::size_t) override { return {}; }
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
    auto it = std::lower_bound(events_.begin(), events_.end(),
                               std::make_pair(in.step, static_cast<std::uint32_t>(first)));
    for (; it != events_.end() && it->first == in.step && it->second < last; ++it)
      spiked.push_back(it->second);
  }

 private:
  std::size_t size_;
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

}  // namespace

void add_spike_source_model(model_registry& r) {
  r.add({"spike_source", "neurons that emit the spikes of a CSV file (time, neuron)", make});
}

}  // namespace ionsim::network
