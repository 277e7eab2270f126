#pragma once
// Fuzz targets: each takes one input (bytes) through one of ionsim's readers of user input.
// An ionsim::error (the reader's one-line message) is the expected answer to bad input; any
// other exception, a crash, a hang or a sanitizer report is a bug. The same functions run
// under libFuzzer (`make fuzz`, fuzz_main.cpp) and replay the corpora in tests/fuzz/<name>/
// in the test suite (tests/unit/test_fuzz_corpus.cpp, also in the ASan/UBSan build).
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace ionsim::fuzz {

struct target {
  std::string_view name;
  void (*run)(const std::uint8_t* data, std::size_t size);
};

// units, expression, netlist, network_toml, device_config, csv, nir.
std::span<const target> targets();

}  // namespace ionsim::fuzz
