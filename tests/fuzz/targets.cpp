#include "targets.hpp"

#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "circuit/expr.hpp"
#include "circuit/netlist.hpp"
#include "core/error.hpp"
#include "core/units.hpp"
#include "device/registry.hpp"
#include "io/csv.hpp"
#include "io/files.hpp"
#include "network/config.hpp"
#include "nir/graph.hpp"

namespace ionsim::fuzz {
// In the unit tests' unity build CMake names this file's namespace (tests/CMakeLists.txt); the
// fuzzers compile it alone.
#ifndef IONSIM_TEST_FILE
#define IONSIM_TEST_FILE targets_cpp
#endif
namespace IONSIM_TEST_FILE {

std::string_view text(const std::uint8_t* d, std::size_t n) {
  return {reinterpret_cast<const char*>(d), n};
}

// Readers of files get the input as a file of their own (one per process).
std::string as_file(const std::uint8_t* d, std::size_t n, const char* suffix) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("ionsim-fuzz-" + std::to_string(::getpid()) + suffix);
  std::ofstream(path, std::ios::binary | std::ios::trunc)
      .write(reinterpret_cast<const char*>(d), static_cast<std::streamsize>(n));
  return path.string();
}

template <class F>
void expect_errors_only(F&& f) {
  try {
    f();
  } catch (const ionsim::error&) {
  }
}

void units(const std::uint8_t* d, std::size_t n) {
  const std::string_view t = text(d, n);
  for (const char* unit : {"", "V", "s", "Ohm"})
    expect_errors_only([&] { (void)parse_quantity(t, unit, "fuzz"); });
  expect_errors_only([&] { (void)parse_bytes(t, "fuzz"); });
  expect_errors_only([&] { (void)parse_wall_time(t, "fuzz"); });
  (void)circuit::parse_spice_number(t);
}

void expression(const std::uint8_t* d, std::size_t n) {
  circuit::param_table params;
  params["a"] = 2.5;
  params["rload"] = 1e3;
  expect_errors_only([&] { (void)circuit::evaluate_expression(text(d, n), params); });
}

void netlist(const std::uint8_t* d, std::size_t n) {
  expect_errors_only([&] { (void)circuit::parse_netlist(text(d, n), "fuzz.cir"); });
}

void network_toml(const std::uint8_t* d, std::size_t n) {
  static const auto models = network::builtin_models();
  expect_errors_only(
      [&] { (void)network::parse_network_config(std::string(text(d, n)), "fuzz.toml", models); });
}

void device_config(const std::uint8_t* d, std::size_t n) {
  expect_errors_only([&] { (void)parse_config(text(d, n), "fuzz.toml"); });
}

void csv(const std::uint8_t* d, std::size_t n) {
  const std::string path = as_file(d, n, ".csv");
  expect_errors_only([&] { (void)read_csv(path, {"time"}); });
  std::remove(path.c_str());
}

// As `ionsim nir run` reads a graph: first in a child process (libhdf5 itself crashes on some
// damaged files), then here.
void nir(const std::uint8_t* d, std::size_t n) {
  const std::string path = as_file(d, n, ".nir");
  expect_errors_only([&] {
    probe_in_child(path, "a NIR graph", [&] { (void)nir::read_graph(path); });
    (void)nir::flatten(nir::read_graph(path));
  });
  std::remove(path.c_str());
}

constexpr std::array<target, 7> all = {{{"units", units},
                                        {"expression", expression},
                                        {"netlist", netlist},
                                        {"network_toml", network_toml},
                                        {"device_config", device_config},
                                        {"csv", csv},
                                        {"nir", nir}}};

}  // namespace IONSIM_TEST_FILE

std::span<const target> targets() { return IONSIM_TEST_FILE::all; }

}  // namespace ionsim::fuzz
