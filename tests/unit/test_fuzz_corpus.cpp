// The fuzz corpora (tests/fuzz/<target>/: seeds and the inputs libFuzzer kept, among them every
// input that once found a bug) replayed through the fuzz targets: each input is read, or refused
// with an ionsim::error, without another exception; in the ASan/UBSan build also without a
// sanitizer report. `make fuzz` runs the same targets under libFuzzer (docs/dev/fuzzing.md).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "../fuzz/targets.hpp"
#include "test_support.hpp"

namespace ionsim::fuzz {
namespace IONSIM_TEST_FILE {

TEST(FuzzCorpus, EveryTargetReplaysItsCorpusCleanly) {
  namespace fs = std::filesystem;
  for (const auto& t : targets()) {
    const fs::path dir = fs::path(IONSIM_SOURCE_DIR) / "tests" / "fuzz" / std::string(t.name);
    std::vector<fs::path> inputs;
    if (fs::is_directory(dir))
      for (const auto& e : fs::directory_iterator(dir))
        if (e.is_regular_file()) inputs.push_back(e.path());
    std::sort(inputs.begin(), inputs.end());
    EXPECT_GE(inputs.size(), 3u) << "corpus of " << t.name << " in " << dir;
    for (const auto& p : inputs) {
      const std::string bytes = test::read_text(p);
      EXPECT_NO_THROW(t.run(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()))
          << p;
    }
  }
}

}  // namespace IONSIM_TEST_FILE
}  // namespace ionsim::fuzz
