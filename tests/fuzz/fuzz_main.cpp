// libFuzzer's entry point for one target, chosen at compile time (IONSIM_FUZZ_TARGET).
#include <cstdlib>

#include "targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const auto* t = [] {
    for (const auto& x : ionsim::fuzz::targets())
      if (x.name == IONSIM_FUZZ_TARGET) return &x;
    std::abort();
  }();
  t->run(data, size);
  return 0;
}
