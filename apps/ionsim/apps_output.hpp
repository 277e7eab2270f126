#pragma once
// Small helpers the commands share: NaN (a statistic that is not defined) is null in JSON and
// an empty cell in CSV; the check of a spike file that `ionsim run` wrote; stopping on a
// signal.
#include <fmt/format.h>

#include <atomic>
#include <cmath>
#include <csignal>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "core/error.hpp"
#include "io/hdf5.hpp"

namespace ionsim::cli {

// SIGINT and SIGTERM: a long command checks stop_requested at safe points (the end of an
// epoch, of an image) while a signal_scope is alive, and stops there with what it has; a
// second signal ends the process at once.
inline std::atomic<bool> stop_requested{false};
inline std::atomic<int> stop_signal{0};
static_assert(std::atomic<bool>::is_always_lock_free);

extern "C" inline void on_stop_signal(int sig) {
  stop_signal.store(sig);
  stop_requested.store(true);
  std::signal(sig, SIG_DFL);  // a second signal ends the process at once
}

struct signal_scope {
  using handler = void (*)(int);
  handler old_int, old_term;
  signal_scope() {
    stop_requested = false;
    old_int = std::signal(SIGINT, on_stop_signal);
    old_term = std::signal(SIGTERM, on_stop_signal);
  }
  ~signal_scope() {
    std::signal(SIGINT, old_int);
    std::signal(SIGTERM, old_term);
  }
  signal_scope(const signal_scope&) = delete;
  signal_scope& operator=(const signal_scope&) = delete;
};

inline nlohmann::json json_number(double v) {
  return std::isnan(v) ? nlohmann::json(nullptr) : nlohmann::json(v);
}

inline std::string csv_cell(double v) {
  return std::isnan(v) ? std::string() : fmt::format("{:.6g}", v);
}

// Checks that `h5` is a spike file of `ionsim run` (everything the readers and plot scripts use
// is there), so that a bad file is one clear line; `out_dir` names the run directory in the hint.
inline void check_spike_file(const std::string& h5, const std::string& out_dir) {
  if (!std::filesystem::is_regular_file(h5))
    throw input_error(
        fmt::format("{} does not exist (write it with `ionsim run CONFIG --out {}` "
                    "and a [[recorder]] of type \"spikes\")",
                    h5, out_dir));
  for (const char* d : {"/spikes/times", "/spikes/ids", "/populations/first_id",
                        "/populations/size", "/populations/names"}) {
    try {
      (void)read_h5_dims(h5, d);
    } catch (const input_error&) {
      throw input_error(fmt::format(
          "{} is not a spike file of `ionsim run` (no dataset {}; is it HDF5 with a spikes "
          "recorder?)",
          h5, d));
    }
  }
}

}  // namespace ionsim::cli
