// Unsupervised learning by STDP (task/learn.hpp): the learning file's errors (the learning
// itself: tests/validation/test_learn_digits.cpp).
#include <fmt/format.h>
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
  EXPECT_TRUE(test::contains(err("[encoding]\nread_max_rate = \"0Hz\"\n"),
                             "read_max_rate = 0 Hz must be > 0"));
  EXPECT_TRUE(test::contains(err("[encoding]\nread_present = \"0.1ms\"\n"),
                             "l.toml:2: read_present = 0.0001 s is shorter than the network's "
                             "step dt = 0.0005 s"));
  EXPECT_TRUE(test::contains(err("[encoding]\npresent = \"2ms\"\n[network]\ndt = \"5ms\"\n"),
                             "l.toml:2: present = 0.002 s is shorter than the network's step"));
  EXPECT_TRUE(test::contains(err("[plasticity]\nw_init = 2\n"), "w_init = 2 is above w_max = 1"));
  EXPECT_TRUE(test::contains(err("[training]\nepochs = 0\n"), "epochs = 0 must be at least 1"));
  EXPECT_TRUE(test::contains(err("[trainig]\n"), "unknown key 'trainig'"));
  EXPECT_TRUE(test::contains(err("[plasticity]\ndevice = \"gold\"\n"),
                             "l.toml:2: device 'gold' is not one of ag-a-si"));
  EXPECT_TRUE(test::contains(err("[plasticity]\npulse_rounding = \"nearest\"\n"),
                             "'pulse_rounding' needs a 'device'"));
  EXPECT_TRUE(test::contains(err("[plasticity]\nnormalization = \"l1\"\n"),
                             "l.toml:2: normalization = 'l1' is not one of sum, l2"));
  EXPECT_TRUE(test::contains(err("[encoding]\nnormalization = \"sum\"\n"),
                             "l.toml:2: normalization = 'sum' is not one of none, l2"));
  EXPECT_TRUE(test::contains(err("[training]\nvote = \"majority\"\n"),
                             "l.toml:2: vote = 'majority' is not one of all_activity, "
                             "proportion_weighting"));
  EXPECT_TRUE(test::contains(err("[training]\nreadout = \"svm\"\n"),
                             "l.toml:2: readout = 'svm' is not one of none, ridge"));
  EXPECT_TRUE(test::contains(err("[plasticity]\npairing = \"all\"\n"),
                             "l.toml:2: pairing = 'all' is not one of nearest, all_to_all"));
  EXPECT_TRUE(test::contains(err("[network]\nneuron = \"hh\"\n"),
                             "l.toml:2: neuron = 'hh' is not one of lif, dm1t1r"));
  EXPECT_TRUE(
      test::contains(err("[network]\ntau_in = \"5ms\"\n"),
                     "l.toml:2: 'tau_in' is a key of the dm1t1r network (neuron = \"lif\" here)"));
  EXPECT_TRUE(test::contains(
      err("[network]\nw_exc_inh = 3\nneuron = \"dm1t1r\"\n"),
      "l.toml:2: 'w_exc_inh' is a key of the lif network (neuron = \"dm1t1r\" here)"));
  const auto ionic = parse_learn_config(
      "[network]\nneuron = \"dm1t1r\"\ntau_in = \"5ms\"\ntarget_rate = \"1Hz\"\n", "l.toml");
  EXPECT_EQ(ionic.neuron, "dm1t1r");
  EXPECT_DOUBLE_EQ(ionic.tau_in, 5e-3);
  EXPECT_DOUBLE_EQ(ionic.target_rate, 1.0);
  EXPECT_DOUBLE_EQ(ionic.norm, 0.025);  // the ionic defaults (weights in V)
  EXPECT_DOUBLE_EQ(ionic.w_inh_exc, 0.5);
  const auto c = parse_learn_config(
      "[network]\nneurons = 7\ntheta_plus = \"0.1mV\"\n[plasticity]\nnu_post = 0.02\n", "l.toml");
  EXPECT_EQ(c.neurons, 7u);
  EXPECT_DOUBLE_EQ(c.theta_plus, 1e-4);
  EXPECT_DOUBLE_EQ(c.nu_post, 0.02);
  EXPECT_DOUBLE_EQ(c.nu_pre, 1e-4);  // Diehl & Cook's default
  EXPECT_FALSE(c.l2_norm);           // and their normalization, by the sum
  EXPECT_TRUE(parse_learn_config("[plasticity]\nnormalization = \"l2\"\n", "l.toml").l2_norm);
  EXPECT_FALSE(c.image_l2);  // the pixels as they are
  EXPECT_TRUE(parse_learn_config("[encoding]\nnormalization = \"l2\"\n", "l.toml").image_l2);
  EXPECT_FALSE(c.proportion_vote);  // Diehl & Cook's vote by default
  EXPECT_EQ(c.pairing, "nearest");  // and their nearest-spike pairing
  EXPECT_EQ(parse_learn_config("[plasticity]\npairing = \"all_to_all\"\n", "l.toml").pairing,
            "all_to_all");
  EXPECT_TRUE(parse_learn_config("[training]\nvote = \"proportion_weighting\"\n", "l.toml")
                  .proportion_vote);
}

// Labels and votes worked by hand. Two classes, each shown twice while labelling; answers
// summed over those showings: neuron 0 answered 8 and 6 spikes (means 4 and 3: class 0, share
// 4/7), neuron 1 10 and 0 (class 0, share 1), neuron 2 0 and 4 (class 1, share 1), neuron 3
// never (unlabelled, no vote).
TEST(Learn, LabelsAndVotes) {
  Eigen::MatrixXd answer(4, 2);
  answer << 8, 6, 10, 0, 0, 4, 0, 0;
  const auto l = label_neurons(answer, {2, 2});
  EXPECT_EQ(l.label, (std::vector<int>{0, 0, 1, -1}));
  EXPECT_NEAR(l.share[0], 4.0 / 7.0, 1e-15);
  EXPECT_EQ(l.share[1], 1.0);
  EXPECT_EQ(l.share[2], 1.0);
  EXPECT_EQ(l.share[3], 0.0);
  // Counts 10, 0, 4.5 (and 100 from the unlabelled neuron): class 0's mean 5 beats class 1's
  // 4.5 in Diehl & Cook's vote; weighted by the shares, class 0 has (10 x 4/7 + 0) / 2 = 2.86.
  const std::vector<double> got{10, 0, 4.5, 100};
  EXPECT_EQ(vote(got, l, false, 2), 0);
  EXPECT_EQ(vote(got, l, true, 2), 1);
  EXPECT_EQ(vote({0, 0, 0, 100}, l, false, 2), 0);  // no answer: the first class
}

// The linear read-out finds a class no neuron is labelled with. Three neurons answer class 0
// with counts near (80, 20, 0), class 1 near (60, 0, 40), class 2 near (0, 10, 80): neuron 0 is
// labelled 0 (80 > 60), neuron 1 0 (20 > 10), neuron 2 2 (80 > 40), so the vote never says 1
// (a class 1 image: class 0's neurons answer 30 on average, class 2's 40); the shares of the three
// classes are affinely independent, so a linear map of them with an intercept separates all three.
TEST(Learn, LinearReadoutFindsAClassNoNeuronIsLabelledWith) {
  const double base[3][3] = {{80, 20, 0}, {60, 0, 40}, {0, 10, 80}};
  const auto counts = [&](int images, int offset, std::vector<int>& labels) {
    Eigen::MatrixXd m(images, 3);
    for (int r = 0; r < images; ++r) {
      const int y = r % 3;
      labels.push_back(y);
      for (int i = 0; i < 3; ++i)  // +-4 spikes, fixed
        m(r, i) = base[y][i] > 0 ? base[y][i] + ((r + offset) * 7 + i * 3) % 9 - 4 : 0.0;
    }
    return m;
  };
  std::vector<int> label_y, test_y;
  const Eigen::MatrixXd label = counts(60, 0, label_y), test = counts(30, 1, test_y);
  Eigen::MatrixXd answer = Eigen::MatrixXd::Zero(3, 3);
  for (int r = 0; r < 60; ++r) answer.col(label_y[static_cast<std::size_t>(r)]) += label.row(r);
  const auto l = label_neurons(answer, {20, 20, 20});
  EXPECT_EQ(l.label, (std::vector<int>{0, 0, 2}));
  int voted = 0;
  for (int r = 0; r < 30; ++r) {
    const Eigen::RowVectorXd row = test.row(r);
    voted += vote(std::vector<double>(row.data(), row.data() + 3), l, false, 3) ==
             test_y[static_cast<std::size_t>(r)];
  }
  EXPECT_EQ(voted, 20);  // classes 0 and 2 only
  double lambda = -1;
  EXPECT_EQ(ridge_classes(label, label_y, 3, test, &lambda), test_y);
  EXPECT_GE(lambda, 0.0);
  // An image that drew no spike still gets a class.
  const auto silent = ridge_classes(label, label_y, 3, Eigen::MatrixXd::Zero(1, 3));
  ASSERT_EQ(silent.size(), 1u);
  EXPECT_TRUE(silent[0] >= 0 && silent[0] < 3);
}

// Images scaled to the training images' mean Euclidean norm: training norms 5 and 1 (mean 3),
// so the first training image shrinks to norm 3 (3, 4 -> 1.8, 2.4), the second triples, the
// test image of norm 6 halves, and the blank test image stays blank.
TEST(Learn, ImagesScaledToTheTrainingImagesMeanNorm) {
  dataset train, test;
  train.x.resize(2, 2);
  train.x << 3, 4, 0, 1;
  test.x.resize(2, 2);
  test.x << 0, 6, 0, 0;
  scale_to_common_norm(train, test);
  EXPECT_DOUBLE_EQ(train.x(0, 0), 1.8);
  EXPECT_DOUBLE_EQ(train.x(0, 1), 2.4);
  EXPECT_DOUBLE_EQ(train.x(1, 1), 3.0);
  EXPECT_DOUBLE_EQ(test.x(0, 1), 3.0);
  EXPECT_EQ(test.x(1, 0), 0.0);
  EXPECT_EQ(test.x(1, 1), 0.0);
  EXPECT_EQ(train.x(1, 0), 0.0);
}

// The shipped learning files read without error (running them: docs/tasks/learning.md).
TEST(Learn, ExampleFilesRead) {
  for (const char* name : {"digits_stdp", "digits_stdp_l2", "fashion_mnist_stdp", "digits_ionic",
                           "digits_ionic_l2", "fashion_mnist_ionic"}) {
    const auto c =
        read_learn_config(fmt::format("{}/examples/learning/{}.toml", IONSIM_SOURCE_DIR, name));
    EXPECT_EQ(c.neuron, std::string(name).find("ionic") != std::string::npos ? "dm1t1r" : "lif")
        << name;
    EXPECT_EQ(c.l2_norm, std::string(name).ends_with("l2")) << name;
    EXPECT_EQ(c.image_l2, std::string(name).starts_with("fashion")) << name;
  }
}

}  // namespace IONSIM_TEST_FILE
}  // namespace ionsim::task
