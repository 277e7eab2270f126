#pragma once
// Device batches of a population advanced in ranges: the engine always advances the same
// ranges of a population, each from one thread, so each range gets its own batch of the
// device model (created on first use; only that needs the lock). Device models key their
// noise by device id (first id of the range + index) and time, so the split into ranges
// does not change the results.
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

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

}  // namespace ionsim::network
