#pragma once
// Static synapses of one projection in compressed sparse rows by source neuron: the targets
// of source s are target[row[s] .. row[s+1]), sorted by target index, with their weights in a
// parallel array. 8 bytes per synapse (uint32 target, float weight) plus 8 bytes per source
// neuron; the delay is one per projection when uniform, else a uint16 step count per synapse.
// Plastic state, when it comes, goes in further parallel arrays.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/random.hpp"
#include "network/spec.hpp"

namespace ionsim::network {

struct procedural_rows;   // how a procedural projection draws its rows (synapses.cpp)
struct memristive_reads;  // how it programs them (network/memristive.hpp)

struct synapse_table {
  std::vector<std::uint64_t> row;  // n_source + 1 offsets
  std::vector<std::uint32_t> target;
  std::vector<float> weight;
  std::vector<std::uint16_t> delay;    // per synapse [steps]; empty when uniform
  std::uint32_t uniform_delay = 1;     // [steps] when `delay` is empty
  bool memristive = false;             // weights are memristor reads (network/memristive.hpp)
  float read_noise = 0;                // [1] relative std of each read (memristive)
  float read_step = 0, read_full = 0;  // [weight] the read-out's quantizer (read_out; 0: none)
  // A part of the projection (the synapses onto a range of targets, built by one rank of a
  // distributed run): per source, the index its first synapse here has in the whole table,
  // which keys the synapse's random draws. Empty when the table is the whole projection.
  std::vector<std::uint64_t> global;
  // A procedural projection (projection_spec::procedural): target, weight and delay stay empty,
  // `row` has the offsets of the whole table's rows, and draw_row_of draws a row again, as it
  // would have been stored, when it is needed. Null when the synapses are stored.
  std::shared_ptr<const procedural_rows> procedural;
  // A procedural projection of memristive synapses: how a drawn conductance becomes a read
  // weight (program_memristive does it once for stored synapses).
  std::shared_ptr<const memristive_reads> programmed;

  // The index in the whole projection of synapse q (of source s) of this table.
  std::uint64_t global_index(std::size_t s, std::uint64_t q) const {
    return global.empty() ? q : global[s] + (q - row[s]);
  }

  std::size_t sources() const { return row.empty() ? 0 : row.size() - 1; }
  // The synapses stored here (none in a procedural projection).
  std::size_t size() const { return target.size(); }
  // The synapses of this table, stored or drawn when needed (a procedural projection: all of
  // the projection's, on every rank).
  std::uint64_t count() const { return row.empty() ? 0 : row.back(); }
  std::size_t bytes() const {
    return row.capacity() * sizeof(std::uint64_t) + target.capacity() * sizeof(std::uint32_t) +
           weight.capacity() * sizeof(float) + delay.capacity() * sizeof(std::uint16_t) +
           global.capacity() * sizeof(std::uint64_t);
  }
  std::uint32_t min_delay() const;
  std::uint32_t max_delay() const;
};

// Builds the synapses of projection `index` (its number in the file, part of the random
// key) from a population of n_source to one of n_target neurons. Random draws are keyed by
// (seed, stream, projection and neuron, draw number), so the result is bit-identical for any
// number of `threads` (OpenMP, used for the generated rules; from_file reads serially).
// input_error (naming spec.where) for an impossible specification. With spec.autapses false
// no pair (i, i) is made: in one population a neuron onto itself, between two the neuron of
// the same index.
//
// Given a target range [targets.first, targets.second), only the synapses onto those targets
// are kept (with `global` set, even when the range covers them all), each with the weight and
// delay it has in the whole table: the rank that owns those targets builds its part.
using target_range = std::pair<std::uint32_t, std::uint32_t>;
synapse_table build_synapses(const projection_spec& spec, std::uint32_t index, std::size_t n_source,
                             std::size_t n_target, double dt, const philox& rng, int threads = 1,
                             const target_range* targets = nullptr);

// One row of a procedural projection, drawn as build_synapses would have stored it: the
// synapses of a source onto targets [lo, hi) (sorted), their weights, their delays [steps]
// (empty when the delay is uniform) and the index of the first of them in the whole table.
struct drawn_row {
  std::vector<std::uint32_t> target;
  std::vector<float> weight;
  std::vector<std::uint16_t> delay;
  std::uint64_t first = 0;
  std::vector<std::uint32_t> picked;  // scratch
};
void draw_row_of(const synapse_table& t, std::size_t s, std::uint32_t lo, std::uint32_t hi,
                 drawn_row& out);

// Delay in whole steps of dt (Brian2's rounding), checked to be at least one step and to fit
// the ring buffer; `what` names the key for messages.
std::uint32_t delay_steps(double delay, double dt, const std::string& what);

}  // namespace ionsim::network
