#pragma once
// Device batches of a population advanced in ranges: the engine always advances the same
// ranges of a population, each from one thread, so each range gets its own batch of the
// device model (created on first use; only that needs the lock). Device models key their
// noise by device id (first id of the range + index) and time, so the split into ranges
// does not change the results.
#include <fmt/format.h>

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.hpp"

namespace ionsim::network {

template <class Model, class Params>
class device_blocks {
 public:
  struct block {
    std::unique_ptr<Model> dev;
    std::vector<double> v;  // the device voltages of the step, one per device of the range
  };

  explicit device_blocks(const Params& p) : p_(p) {}
  // Identity of the noise streams: the run's seed and the population's first global index.
  void set_identity(std::uint64_t seed, std::uint64_t first_id) {
    std::lock_guard<std::mutex> lock(mutex_);
    seed_ = seed;
    first_id_ = first_id;
    blocks_.clear();
  }
  // A batch of the devices [first, first + n) outside the blocks (for their initial state).
  std::unique_ptr<Model> make(std::size_t first, std::size_t n) const {
    return std::make_unique<Model>(p_, n, seed_, first_id_ + first);
  }
  block& of(std::size_t first, std::size_t last) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = blocks_.find({first, last});
    if (it == blocks_.end()) {
      block b;
      b.dev = std::make_unique<Model>(p_, last - first, seed_, first_id_ + first);
      b.v.assign(last - first, 0.0);
      it = blocks_.emplace(std::make_pair(first, last), std::move(b)).first;
    }
    return it->second;
  }

 private:
  Params p_;
  std::uint64_t seed_ = 1, first_id_ = 0;
  std::map<std::pair<std::size_t, std::size_t>, block> blocks_;
  std::mutex mutex_;
};

// fil, res and s of a model-B population are copies of its devices' state (for recording):
// they start from the devices' initial state, and cannot be given as initial values.
template <class Blocks>
void init_device_copies(const Blocks& blocks, std::string_view model, std::vector<double>& fil,
                        std::vector<double>& res, std::vector<double>& s) {
  for (std::size_t i = 0; i < fil.size(); ++i)
    if (fil[i] != 0 || res[i] != 0 || s[i] != 1)
      throw input_error(fmt::format(
          "{}: fil, res and s are the memristor's state and read only (set the initial residue "
          "with res_init_min and res_init_max)",
          model));
  const auto dev = blocks.make(0, fil.size());
  for (std::size_t i = 0; i < fil.size(); ++i) {
    fil[i] = dev->state(0)[i];
    res[i] = dev->state(1)[i];
    s[i] = dev->state(2)[i];
  }
}

}  // namespace ionsim::network
