#pragma once
// Small helpers shared by the unit tests (plain GoogleTest: the suite links gtest_main only).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "device/model.hpp"

namespace ionsim::test {

// Holds applied voltages on every device of a batch for n steps at a time, keeping the step
// count; i and g are the currents and conductances after the last call.
struct driver {
  device_model& m;
  double dt;
  std::int64_t step = 0;
  std::vector<double> i, g;
  driver(device_model& model, double dt_) : m(model), dt(dt_), i(model.size()), g(model.size()) {}
  void hold(double v, int n) { hold(std::vector<double>(m.size(), v), n); }
  void hold(const std::vector<double>& va, int n) {
    m.advance(step, n, dt, va, i, g);
    step += n;
  }
};

// EXPECT_TRUE(contains(message, "file.csv:3")) prints both strings when it fails.
inline ::testing::AssertionResult contains(const std::string& text, std::string_view part) {
  if (text.find(part) != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "'" << text << "' does not contain '" << part << "'";
}

// The message of the ionsim::input_error that f() throws; a test failure if it throws nothing
// or something else.
template <class F>
std::string input_error_of(F&& f) {
  try {
    f();
  } catch (const input_error& e) {
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "expected ionsim::input_error, got another exception: " << e.what();
    return {};
  }
  ADD_FAILURE() << "expected ionsim::input_error, nothing was thrown";
  return {};
}

// sklearn's digits (python3-sklearn), or $IONSIM_DIGITS.
inline std::string digits_path() {
  const char* env = std::getenv("IONSIM_DIGITS");
  return env && *env ? env : "/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz";
}

// A fresh directory under ::testing::TempDir(), unique per process and call (ctest runs the
// tests of this suite in parallel processes).
inline std::filesystem::path fresh_dir(const std::string& stem) {
  static std::atomic<int> counter{0};
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = stem;
  if (info) name += std::string("-") + info->test_suite_name() + "-" + info->name();
  name += "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
  const auto dir = std::filesystem::path(::testing::TempDir()) / ("ionsim-" + name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

inline std::string write_text(const std::filesystem::path& path, std::string_view text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  out.close();
  EXPECT_TRUE(out.good()) << "could not write " << path;
  return path.string();
}

inline std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// A shell word: `s` in single quotes (embedded quotes escaped).
inline std::string quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

#ifdef IONSIM_BINARY
// The command-line tool run as a user runs it: `prefix` (environment, a wrapper) before it,
// `args` (quoted where needed) after it, no input. `status` is the exit status, -1 when it did
// not exit normally.
struct cli_result {
  int status = -1;
  std::string out, err;
};

inline cli_result run_cli(const std::string& args, const std::string& prefix = "") {
  const std::filesystem::path dir = fresh_dir("cli-io");
  const std::string cmd = prefix + quote(IONSIM_BINARY) + " " + args + " >" +
                          quote((dir / "stdout").string()) + " 2>" +
                          quote((dir / "stderr").string()) + " </dev/null";
  const int raw = std::system(cmd.c_str());
  cli_result r;
  if (raw != -1 && WIFEXITED(raw)) r.status = WEXITSTATUS(raw);
  r.out = read_text(dir / "stdout");
  r.err = read_text(dir / "stderr");
  std::filesystem::remove_all(dir);
  return r;
}
#endif

// The project's shared data (third-party measurements), read where they are: the folder
// ../shared/data beside the repository, or $IONSIM_DATA_DIR.
inline std::string shared_data(const std::string& relative) {
  const char* env = std::getenv("IONSIM_DATA_DIR");
  const std::string root =
      env && *env ? std::string(env) : std::string(IONSIM_SOURCE_DIR) + "/../shared/data";
  return root + "/" + relative;
}
// The measured device data sets (shared data, device/).
inline std::string device_data(const char* name) {
  return shared_data(std::string("device/") + name);
}

// Under IONSIM_REQUIRE_DATA=1 (CI) missing data fail a test instead of skipping it.
inline bool data_required() {
  const char* env = std::getenv("IONSIM_REQUIRE_DATA");
  return env && std::string(env) == "1";
}

}  // namespace ionsim::test

// Skips the test, naming the file, when a data file it needs is absent (fails it under
// IONSIM_REQUIRE_DATA=1).
#define IONSIM_REQUIRE_DATA(path)                                                        \
  do {                                                                                   \
    if (!std::filesystem::exists(path)) {                                                \
      if (::ionsim::test::data_required())                                               \
        FAIL() << "missing data file " << (path) << " (IONSIM_REQUIRE_DATA=1)";          \
      GTEST_SKIP() << "missing data file " << (path)                                     \
                   << " (the project's shared data; set IONSIM_DATA_DIR to its folder)"; \
    }                                                                                    \
  } while (0)
