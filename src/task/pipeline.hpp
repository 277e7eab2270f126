#pragma once
// A task run (`ionsim task run FILE.toml --out DIR`): a data set or generated series, features
// from a reservoir (memristor devices, or none), a linear readout, the metric with its spread
// over seeds, and the baselines computed in the same run (docs/tasks/pipelines.md).
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "nir/hardware.hpp"
#include "task/energy.hpp"
#include "task/reservoir.hpp"

namespace ionsim::task {

struct task_config {
  std::string source;  // file name, for messages
  std::string task;    // henon, mackey_glass, narma10 | digits, fashion_mnist
  // temporal tasks
  std::size_t samples = 2000;
  std::size_t washout = 100;  // samples dropped before the readout sees the features
  int horizon = 1;            // mackey_glass: samples ahead
  double train_fraction = 0.5;
  std::string reservoir = "device";  // device | esn | neurons | none
  device_reservoir_settings device;
  esn_settings esn;
  neuron_reservoir_settings neurons;
  std::vector<std::uint64_t> seeds = {1};
  // classification
  std::string readout = "softmax";              // softmax | ridge
  std::size_t train_limit = 0, test_limit = 0;  // 0: all
  image_reservoir_settings image;               // [reservoir] kind = "device" on images
  bool readout_pixels = true;                   // the image reservoir's readout sees the pixels
  // classification by a spiking network given as a NIR graph ([snn]), ideal or on hardware
  struct snn_settings {
    std::string graph;                // the .nir file ("" : no [snn] table)
    std::size_t steps = 30;           // per image
    double dt = 1e-3;                 // [s] the graph's step
    double max_rate = 0.25;           // input spikes per step at pixel value 1 (regular trains)
    bool first_spike = false;         // decision: the first output to spike (else the most)
    std::string hardware = "1m1t1r";  // 1m1t1r | ideal
    nir::hardware_options options;    // levels, read_noise, d2d, noise, ...
    std::size_t calibrate = 0;        // training images for the calibration (0: none)
    std::string sweep;                // one non-ideality swept: levels | read_noise | d2d | noise
    std::vector<double> sweep_values;
    energy_model energy;  // [snn.energy]
  } snn;
  // on-chip learning ([learn]): the learning file that `ionsim learn` runs ("": none)
  std::string learn;
  bool temporal() const { return task == "henon" || task == "mackey_glass" || task == "narma10"; }
};

// The class of a spiking network's sample: the output neuron with the most spikes, the first on
// a tie; or, with first_spike, the output neuron that spikes first (in the earliest step with an
// output spike, the one of them with the most spikes, the first on a tie; no spike: the most).
int output_class(const nir::run_result& r, bool first_spike);

// Reads and checks a task file; every problem is an input_error naming the file and line.
task_config read_task_config(const std::string& path);
task_config parse_task_config(const std::string& text, const std::string& source);

struct task_result {
  nlohmann::json results;  // results.json
  // the first seed's held-out segment (temporal tasks): target and prediction
  std::vector<double> target, prediction;
};

// Runs the task; progress(fraction, message) now and then.
task_result run_task(const task_config& c,
                     const std::function<void(double, const std::string&)>& progress = {});

}  // namespace ionsim::task
