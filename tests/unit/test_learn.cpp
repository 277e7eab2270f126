// Unsupervised learning by STDP (task/learn.hpp): the learning file's errors (the learning
// itself: tests/validation/test_learn_digits.cpp).
#include <gtest/gtest.h>

#include "task/learn.hpp"
#include "test_support.hpp"

namespace ionsim::task {
namespace IONSIM_TEST_FILE {

TEST(Learn, FileErrorsNameTheLine) {
  const auto err = [](const std::string& text) {
    return test::input_error_of([&] { parse_learn_config(text, "l.toml"); });
  };
  EXPECT_TRUE(test::contains(err("[network]\nneurons = 10\nsize = 3\n"),
                             "l.toml:3: unknown key 'size' in [network]"));
  EXPECT_TRUE(test::contains(err("[data]\ndataset = \"mnist\"\n"),
                             "dataset = 'mnist' is not one of digits, fashion_mnist"));
  EXPECT_TRUE(
      test::contains(err("[encoding]\npresent = \"-1ms\"\n"), "present = -0.001 s must be > 0"));
  EXPECT_TRUE(test::contains(err("[plasticity]\nw_init = 2\n"), "w_init = 2 is above w_max = 1"));
  EXPECT_TRUE(test::contains(err("[training]\nepochs = 0\n"), "epochs = 0 must be at least 1"));
  EXPECT_TRUE(test::contains(err("[trainig]\n"), "unknown key 'trainig'"));
  EXPECT_TRUE(test::contains(err("[plasticity]\ndevice = \"gold\"\n"),
                             "l.toml:2: device 'gold' is not one of ag-a-si"));
  EXPECT_TRUE(test::contains(err("[plasticity]\npulse_rounding = \"nearest\"\n"),
                             "'pulse_rounding' needs a 'device'"));
  const auto c = parse_learn_config(
      "[network]\nneurons = 7\ntheta_plus = \"0.1mV\"\n[plasticity]\nnu_post = 0.02\n", "l.toml");
  EXPECT_EQ(c.neurons, 7u);
  EXPECT_DOUBLE_EQ(c.theta_plus, 1e-4);
  EXPECT_DOUBLE_EQ(c.nu_post, 0.02);
  EXPECT_DOUBLE_EQ(c.nu_pre, 1e-4);  // Diehl & Cook's default
}

}  // namespace IONSIM_TEST_FILE
}  // namespace ionsim::task
