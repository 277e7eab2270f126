#pragma once
// Recording a network run to HDF5 (DIR/spikes.h5), flushed as the run goes:
//   /spikes/times [s], /spikes/ids (global neuron index): one row per spike, by time;
//   /populations/names, first_id, size: how global indices map to populations;
//   /state/<name>/time [s], /state/<name>/<variable> [samples x neurons], /state/<name>/neurons;
//   /rates/time [s] (bin starts), /rates/rate [Hz] [bins x populations], /rates/populations;
//   /weights/<projection>/time [s], /weights/<projection>/w [snapshots x synapses] (float, the
//   weight's unit), /weights/<projection>/source, /target (local indices of each synapse);
//   root attributes: source, dt, duration, seed, threads, simulated (s), complete (1 when the
//   run reached its end, 0 while running or when it was interrupted).
// A run with checkpoints records in segments, one file per stretch between two checkpoints,
// joined into one at the end (join_h5_series); read_recording reads either.
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "io/hdf5.hpp"
#include "network/network.hpp"

namespace ionsim::network {

class h5_recording final : public epoch_sink {
 public:
  h5_recording(const std::string& path, network& net);
  ~h5_recording() override;
  void spikes(std::int64_t first, std::int64_t last, std::span<const spike> s) override;
  void samples(std::size_t r, std::span<const std::int64_t> steps,
               std::span<const double> values) override;
  void weights(std::size_t r, std::int64_t step, std::span<const float> w) override;
  // Writes what is buffered, the final attributes, and closes the file.
  void finish(const run_result& r);

  // A recording in segments (a run with checkpoints): close_segment writes what is buffered
  // and closes the file as a whole recording of the steps so far (attributes simulated up to
  // `step`, complete = 0); open_segment continues in a new file of the same layout.
  void close_segment(std::int64_t step);
  void open_segment(const std::string& path);
  // The partial rate bin, carried from one segment to the next and through a checkpoint.
  void checkpoint(archive& a);

 private:
  void open(const std::string& path);
  void flush();
  void close_bins(std::int64_t upto);

  network& net_;
  std::unique_ptr<h5_writer> out_;
  double dt_;
  std::vector<char> record_spikes_;  // per population
  std::size_t times_ = 0, ids_ = 0;
  std::vector<double> spike_t_;
  std::vector<std::uint32_t> spike_id_;
  // rates
  std::vector<std::size_t> rate_pops_;  // population indices
  std::vector<int> rate_column_;        // per population: column or -1
  std::int64_t bin_ = 0, cur_bin_ = 0;
  std::vector<double> counts_, rate_rows_, rate_time_;
  std::size_t rate_series_ = 0, rate_time_series_ = 0;
  // state probes
  struct probe_out {
    std::size_t time_series;
    std::vector<std::size_t> var_series;
    std::vector<double> time;
    std::vector<std::vector<double>> rows;  // per variable, row-major
  };
  std::vector<probe_out> probes_;
  std::vector<std::pair<std::size_t, std::size_t>> weight_series_;  // (time, w) per recorder
  std::chrono::steady_clock::time_point last_flush_;
};

// The synapses of projection j as a file that a `from_file` projection reads back: 1-D
// datasets source, target (local indices), weight (the weight's unit), delay [s]. Written to
// a temporary name and renamed, so `path` is whole or absent.
void write_weights_h5(const std::string& path, const network& net, std::size_t j);

}  // namespace ionsim::network
