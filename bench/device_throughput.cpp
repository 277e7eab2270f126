// Device steps per second of the batched device kernels on one thread. The protocol is the
// one bench/reference_wang2024.py applies to the PyTorch reference of model B, so that
// bench/run-benchmarks.sh can print the ratio of the two measured in the same run.
//
// Protocol: N devices, each driven by a triangle sweep 0 -> +A -> 0 -> -A -> 0 of period P
// steps (A = 0.5 V, P = 1000), device i shifted by i steps, so the batch holds every phase of
// the sweep at once (devices off, switching, on, in compliance). One advance() call per step,
// as a circuit or network layer makes it; filling the voltage vector is inside the timing.
//
// Usage: bench_device_throughput [--devices N] [--seconds S] [--reps R] [--warmup STEPS]
//                                [--amplitude V] [--period STEPS] [--case NAME]...
// Prints one JSON line per case.
#include <fmt/format.h>
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <stdexcept>
#include <string>
#include <vector>

#include "device/registry.hpp"

namespace {

struct bench_case {
  std::string name;
  std::string preset;
  std::string scheme;
  bool published;
};

double sweep_level(int j, double amplitude, int period) {
  const double x = static_cast<double>(j) / period;
  const double tri = x < 0.25 ? 4 * x : (x < 0.75 ? 2 - 4 * x : 4 * x - 4);
  return amplitude * tri;
}

// A device counts as switched on above this conductance (below 100 MΩ) [S].
constexpr double on_conductance = 1e-8;

struct options {
  std::size_t devices = 100000;
  int warmup = 200;
  double amplitude = 0.5;  // [V] the preset's sweep amplitude (PHYSICS.md §3)
  int period = 1000;       // [steps] 1 s at dt = 1 ms
  double seconds = 2.0;
  int reps = 3;
  std::vector<std::string> only;
};

options parse(int argc, char** argv) {
  options o;
  for (int a = 1; a < argc; ++a) {
    const std::string arg = argv[a];
    auto next = [&]() -> std::string {
      if (a + 1 >= argc) throw std::runtime_error(fmt::format("{} needs a value", arg));
      return argv[++a];
    };
    if (arg == "--devices")
      o.devices = std::stoul(next());
    else if (arg == "--seconds")
      o.seconds = std::stod(next());
    else if (arg == "--warmup")
      o.warmup = std::stoi(next());
    else if (arg == "--reps")
      o.reps = std::stoi(next());
    else if (arg == "--amplitude")
      o.amplitude = std::stod(next());
    else if (arg == "--period")
      o.period = std::stoi(next());
    else if (arg == "--case")
      o.only.push_back(next());
    else
      throw std::runtime_error(fmt::format(
          "unknown argument '{}' (usage: bench_device_throughput [--devices N] [--seconds S] "
          "[--reps R] [--warmup STEPS] [--amplitude V] [--period STEPS] [--case NAME]...)",
          arg));
  }
  if (o.devices == 0 || o.seconds <= 0 || o.reps < 1 || o.warmup < 0 || o.period < 4)
    throw std::runtime_error(
        "--devices, --seconds and --reps must be positive, --warmup >= 0, --period >= 4");
  return o;
}

void run_case(const bench_case& bc, const options& o) {
  auto cfg = ionsim::load_preset(bc.preset);
  if (bc.published) ionsim::set_param(cfg, "published", 1);
  const double dt = ionsim::config_dt(cfg);
  const std::size_t n = o.devices;
  auto dev = ionsim::make_device(cfg, n, 20240601);

  const int period = o.period;
  std::vector<double> levels(static_cast<std::size_t>(period));
  for (int j = 0; j < period; ++j) levels[j] = sweep_level(j, o.amplitude, period);
  std::vector<double> v(n), cur(n), g(n);
  std::vector<int> phase(n);
  for (std::size_t i = 0; i < n; ++i)
    phase[i] = static_cast<int>(i % static_cast<std::size_t>(period));

  std::int64_t step = 0;
  auto one_step = [&] {
    const int k = static_cast<int>(step % period);
    for (std::size_t i = 0; i < n; ++i) {
      int j = phase[i] + k;
      if (j >= period) j -= period;
      v[i] = levels[j];
    }
    dev->advance(step, 1, dt, v, cur, g);
    ++step;
  };

  // Warm-up: the devices leave the initial state and spread over the regimes of the sweep.
  for (int k = 0; k < o.warmup; ++k) one_step();

  using clock = std::chrono::steady_clock;
  std::vector<double> rates;
  std::int64_t total_steps = 0;
  double total_seconds = 0;
  for (int r = 0; r < o.reps; ++r) {
    std::int64_t steps = 0;
    const auto t0 = clock::now();
    double elapsed = 0;
    while (elapsed < o.seconds) {
      one_step();
      ++steps;
      elapsed = std::chrono::duration<double>(clock::now() - t0).count();
    }
    rates.push_back(static_cast<double>(n) * static_cast<double>(steps) / elapsed);
    total_steps += steps;
    total_seconds += elapsed;
  }
  std::vector<double> sorted = rates;
  std::sort(sorted.begin(), sorted.end());
  const double median = sorted[sorted.size() / 2];

  double mean_abs_i = 0, mean_g = 0;
  std::size_t on = 0;
  for (std::size_t i = 0; i < n; ++i) {
    mean_abs_i += std::fabs(cur[i]);
    mean_g += g[i];
    if (g[i] > on_conductance) ++on;
  }

  mean_abs_i /= static_cast<double>(n);
  mean_g /= static_cast<double>(n);

  std::string reps_json;
  for (double x : rates) reps_json += fmt::format("{}{:.6g}", reps_json.empty() ? "" : ",", x);
  fmt::print(
      "{{\"impl\":\"ionsim\",\"case\":\"{}\",\"model\":\"{}\",\"preset\":\"{}\",\"scheme\":\"{}\","
      "\"dtype\":\"float64\",\"threads\":{},\"n_devices\":{},\"dt\":{:g},\"steps\":{},"
      "\"seconds\":{:.4f},\"device_steps_per_s\":{:.6g},\"rep_device_steps_per_s\":[{}],"
      "\"warmup_steps\":{},\"sweep_amplitude\":{:g},\"sweep_period\":{},"
      "\"mean_abs_current\":{:.6g},\"mean_conductance\":{:.6g},\"on_fraction\":{:.4f}}}\n",
      bc.name, cfg.model(), bc.preset, bc.scheme, omp_get_max_threads(), n, dt, total_steps,
      total_seconds, median, reps_json, o.warmup, o.amplitude, period, mean_abs_i, mean_g,
      static_cast<double>(on) / static_cast<double>(n));
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const options o = parse(argc, argv);
    omp_set_num_threads(1);
    const std::vector<bench_case> cases = {
        {"wang2024", "wang2024-dc-symmetric", "continuous", false},
        {"wang2024-published", "wang2024-dc-symmetric", "published", true},
        {"zhao2025", "zhao2025-table1", "default", false},
    };
    bool any = false;
    for (const auto& c : cases) {
      if (!o.only.empty() && std::find(o.only.begin(), o.only.end(), c.name) == o.only.end())
        continue;
      run_case(c, o);
      any = true;
    }
    if (!any)
      throw std::runtime_error(
          "no case matches --case (known: wang2024, wang2024-published, zhao2025)");
  } catch (const std::exception& e) {
    fmt::print(stderr, "bench_device_throughput: {}\n", e.what());
    return 1;
  }
  return 0;
}
