// The wang2024 kernel is compiled for SSE2, AVX2 and AVX-512 and chosen at run time
// (src/device/wang2024_dispatch.cpp). The baseline SSE2 kernel, forced with IONSIM_SIMD=sse2,
// must give the same V_th / V_hold of every cycle as the kernel this CPU picks.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "test_support.hpp"

namespace ionsim {
namespace IONSIM_TEST_FILE {

nlohmann::json sweep_summary(const std::string& env, const std::filesystem::path& out) {
  const std::string cmd = env + " '" + std::string(IONSIM_BINARY) +
                          "' device sweep --preset wang2024-dc-symmetric --cycles 40 --devices 5 "
                          "--seed 9 --no-plot --out '" +
                          out.string() + "' >/dev/null 2>&1";
  EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
  std::ifstream in(out / "summary.json");
  return nlohmann::json::parse(in);
}

TEST(Wang2024Kernel, BaselineAndWidestInstructionSetsAgree) {
  const auto wide = sweep_summary("", test::fresh_dir("isa_wide"));
  const auto base = sweep_summary("IONSIM_SIMD=sse2", test::fresh_dir("isa_sse2"));
  const auto& wv = wide["thresholds"]["vth"]["values"];
  ASSERT_EQ(wv.size(), 200u);
  EXPECT_EQ(wv, base["thresholds"]["vth"]["values"]);
  EXPECT_EQ(wide["thresholds"]["vhold"]["values"], base["thresholds"]["vhold"]["values"]);
}

}  // namespace IONSIM_TEST_FILE
}  // namespace ionsim
