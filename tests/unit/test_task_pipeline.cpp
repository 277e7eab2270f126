// Task runs (src/task/pipeline.hpp, `ionsim task run`): task files are checked with file:line
// messages; the Hénon map through an echo-state network meets its known accuracy; a device
// reservoir runs on any preset and reports its baselines, and so does a recurrent network of
// 1M1T1R neurons; the digits task from the command
// line writes results.json with the linear baseline's accuracy.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "core/random.hpp"
#include "device/registry.hpp"
#include "task/pipeline.hpp"
#include "task/readout.hpp"
#include "task/reservoir.hpp"
#include "test_support.hpp"

namespace ionsim::task {
namespace IONSIM_TEST_FILE {

using test::contains;

TEST(TaskConfig, ProblemsNameTheFileAndLine) {
  auto err = [](const std::string& text) {
    return test::input_error_of([&] { parse_task_config(text, "t.toml"); });
  };
  EXPECT_TRUE(contains(err("task = \"mnist\"\n"), "t.toml:1"));
  EXPECT_TRUE(contains(err("task = \"mnist\"\n"), "henon"));
  EXPECT_TRUE(contains(err("task = \"henon\"\nsampels = 10\n"), "unknown key 'sampels'"));
  EXPECT_TRUE(contains(err("samples = 10\n"), "needs 'task'"));
  EXPECT_TRUE(contains(err("task = \"henon\"\n[reservoir]\npreset = \"nope\"\n"), "t.toml:3"));
  EXPECT_TRUE(contains(err("task = \"henon\"\n[reservoir]\npulse = \"-1ms\"\n"), "pulse"));
  EXPECT_TRUE(contains(err("task = \"henon\"\n[reservoir]\nmask = \"random\"\n"), "t.toml:3"));
  EXPECT_TRUE(contains(err("task = \"henon\"\n[reservoir]\nnoise_scale = -1\n"), "t.toml:3"));
  EXPECT_TRUE(contains(err("task = \"henon\"\n[reservoir]\nnoise = false\nnoise_scale = 0.1\n"),
                       "t.toml:4: noise_scale"));
  {
    const auto c = parse_task_config(
        "task = \"henon\"\n[reservoir]\npreset = \"zhao2025-calibrated\"\nnoise_scale = 0.01\n",
        "t.toml");
    const auto full = load_preset("zhao2025-calibrated");
    EXPECT_DOUBLE_EQ(get_param(c.device.device, "sigma1"), 0.01 * get_param(full, "sigma1"));
    EXPECT_DOUBLE_EQ(get_param(c.device.device, "sigma2"), 0.01 * get_param(full, "sigma2"));
    EXPECT_DOUBLE_EQ(get_param(c.device.device, "mu"), get_param(full, "mu"));
  }
  EXPECT_TRUE(
      contains(err("task = \"henon\"\n[reservoir]\nkind = \"neurons\"\nmask = \"affine\"\n"),
               "device reservoir"));
  EXPECT_TRUE(contains(err("task = \"henon\"\n[reservoir]\ninput_delays = 0\n"), "t.toml:3"));
  EXPECT_TRUE(contains(err("task = \"henon\"\n[reservoir]\nsegment = 4\n"),
                       "t.toml:3: segment is a key of the image reservoir"));
  EXPECT_TRUE(
      contains(err("task = \"fashion_mnist\"\n[reservoir]\nkind = \"device\"\nsegment = 5\n"),
               "t.toml:4: segment 5 does not divide the images' width of 28 pixels"));
  EXPECT_TRUE(contains(err("task = \"digits\"\n[reservoir]\nkind = \"device\"\nmask_steps = 5\n"),
                       "t.toml:4: mask_steps is a key of the time-series device reservoir"));
  {
    const auto c = parse_task_config(
        "task = \"digits\"\n[reservoir]\nkind = \"device\"\nsegment = 2\ncolumns = false\n"
        "gap = \"0s\"\nhardware_dt = \"10us\"\nv_max = \"1.2V\"\nreadout_pixels = false\n"
        "mask = \"affine\"\n",
        "t.toml");
    EXPECT_EQ(c.image.segment, 2);
    EXPECT_FALSE(c.image.columns);
    EXPECT_EQ(c.image.gap, 0.0);
    EXPECT_DOUBLE_EQ(c.image.dt, 10e-6);
    EXPECT_DOUBLE_EQ(c.image.v_max, 1.2);
    EXPECT_DOUBLE_EQ(c.image.v_min, 0.3);
    EXPECT_FALSE(c.readout_pixels);
    EXPECT_TRUE(c.image.affine);
  }
  EXPECT_TRUE(
      contains(err("task = \"henon\"\n[reservoir]\nread_noise = 1.5\n"), "t.toml:3: read_noise"));
  EXPECT_TRUE(contains(err("task = \"henon\"\n[reservoir]\nkind = \"neurons\"\ninput_delays = 4\n"),
                       "t.toml:4: input_delays is a key of the device reservoir"));
  EXPECT_TRUE(contains(err("task = \"digits\"\n[reservoir]\nkind = \"esn\"\n"), "none"));
  EXPECT_TRUE(contains(err("task = \"henon\"\ntrain_fraction = 1.5\n"), "t.toml:2"));
  // a spiking network given as NIR
  const std::string snn = "task = \"digits\"\n[snn]\ngraph = \"g.nir\"\n";
  EXPECT_TRUE(contains(err("task = \"digits\"\n[snn]\nsteps = 3\n"), "[snn] needs 'graph'"));
  EXPECT_TRUE(contains(err(snn + "levle = 4\n"), "t.toml:4: unknown key 'levle'"));
  EXPECT_TRUE(contains(err(snn + "sweep = \"levels\"\n"), "needs sweep_values"));
  EXPECT_TRUE(contains(err(snn + "sweep = \"gain\"\n"), "noise, g_min, g_max, levels, d2d"));
  EXPECT_TRUE(contains(err(snn + "prog_noise = -0.1\n"), "t.toml:2: [snn]: prog_noise"));
  EXPECT_TRUE(contains(err(snn + "stuck_on = 0.7\nstuck_off = 0.7\n"), "exceeds 1"));
  EXPECT_TRUE(contains(err(snn + "sweep = \"levels\"\nsweep_values = [16, 1]\n"),
                       "t.toml:5: [snn] sweep of levels: levels = 1 must be 0"));
  EXPECT_TRUE(contains(err(snn + "max_rate = 2\n"), "max_rate must be in (0, 1]"));
  EXPECT_TRUE(contains(err(snn + "sub_levels = 17\n"), "t.toml:4: sub_levels must be at most 16"));
  EXPECT_TRUE(contains(err(snn + "hardware_dt = \"-1us\"\n"), "t.toml:4"));
  EXPECT_TRUE(contains(err(snn + "integrator = \"rk4\"\n"), "t.toml:4"));
  const auto hw = parse_task_config(
      snn + "hardware_dt = \"20us\"\nsub_levels = 3\nintegrator = \"hybrid\"\n", "t.toml");
  EXPECT_DOUBLE_EQ(hw.snn.options.dt, 20e-6);
  EXPECT_EQ(hw.snn.options.sub_levels, 3);
  EXPECT_EQ(hw.snn.options.integrator, "hybrid");
  EXPECT_TRUE(contains(err(snn + "hardware = \"ideal\"\ncalibrate = 4\n"), "need hardware"));
  EXPECT_TRUE(contains(err("task = \"henon\"\n[snn]\ngraph = \"g.nir\"\n"), "classifies images"));
  EXPECT_EQ(parse_task_config(snn, "dir/t.toml").snn.graph, "dir/g.nir");  // beside the file
}

// Every shipped task file reads without an error.
TEST(TaskConfig, EveryExampleReads) {
  std::size_t n = 0;
  for (const auto& e :
       std::filesystem::directory_iterator(std::string(IONSIM_SOURCE_DIR) + "/examples/tasks")) {
    if (e.path().extension() != ".toml") continue;
    SCOPED_TRACE(e.path().string());
    EXPECT_NO_THROW(read_task_config(e.path().string()));
    ++n;
  }
  EXPECT_GE(n, 8u);
}

// The recurrent reservoir of 1M1T1R neurons: its keys are checked, and on the Hénon map its
// features (spikes and integrator voltages per sample) predict better than the input alone
// (0.44 against 0.96 on 2000 samples; below 0.6 asserted on 1000, where it measured 0.47).
TEST(TaskRun, HenonThroughARecurrentNetworkOfIonicNeurons) {
  auto err = [](const std::string& text) {
    return test::input_error_of([&] { parse_task_config(text, "t.toml"); });
  };
  const std::string head = "task = \"henon\"\n[reservoir]\n";
  EXPECT_TRUE(contains(err(head + "kind = \"neurons\"\ndevices = 4\n"),
                       "t.toml:4: devices is a key of the device reservoir"));
  EXPECT_TRUE(contains(err(head + "kind = \"device\"\nconnectivity = 0.2\n"),
                       "t.toml:4: connectivity is a key of the neuron reservoir"));
  EXPECT_TRUE(contains(err(head + "kind = \"neurons\"\nconnectivity = 1.5\n"), "t.toml:4"));
  EXPECT_TRUE(
      contains(err(head + "kind = \"neurons\"\npulse = \"10us\"\n"), "at least hardware_dt"));
  const task_config c =
      parse_task_config(head + "kind = \"neurons\"\nsize = 40\nweight = \"40mV\"\n", "t.toml");
  EXPECT_EQ(c.neurons.size, 40u);
  EXPECT_DOUBLE_EQ(c.neurons.weight, 0.04);
  task_config run = parse_task_config(head + "kind = \"neurons\"\n", "t.toml");
  run.samples = 1000;
  const auto r = run_task(run).results;
  std::printf("neuron reservoir %.3f, input alone %.3f\n", r["value"].get<double>(),
              r["baselines"]["ridge_on_input"].get<double>());
  EXPECT_LT(r["value"].get<double>(), 0.6);
  EXPECT_GT(r["baselines"]["ridge_on_input"].get<double>(), 0.9);
  EXPECT_EQ(r["hardware"]["reservoir"], "neurons");
  EXPECT_EQ(r["hardware"]["model"], "dm1t1r");
  EXPECT_EQ(r["hardware"]["size"], 100);
}

TEST(TaskRun, HenonThroughAnEchoStateNetwork) {
  task_config c = parse_task_config(
      "task = \"henon\"\nsamples = 2000\n[reservoir]\nkind = \"esn\"\nsize = 100\n", "t.toml");
  const task_result r = run_task(c);
  const double v = r.results["value"].get<double>();
  // a tanh ESN of 100 nodes: 0.0014 measured with an untuned ESN in TASKS.md; the memristor
  // record is 0.046 (Zhong et al. 2021)
  EXPECT_LT(v, 0.046);
  EXPECT_GT(r.results["baselines"]["persistence"].get<double>(), 1.0);
  EXPECT_EQ(r.target.size(), 1000u);
}

TEST(TaskRun, DeviceReservoirReportsItsBaselinesOverSeeds) {
  for (const char* preset : {"ag-pulse-fit", "zhao2025-calibrated"}) {
    const std::string text = std::string("task = \"henon\"\nsamples = 600\nwashout = 50\n") +
                             "seeds = [1, 2]\n[reservoir]\nkind = \"device\"\npreset = \"" +
                             preset + "\"\ndevices = 8\nmask_steps = 3\npulse = \"0.1ms\"\n";
    const task_result r = run_task(parse_task_config(text, "t.toml"));
    const auto& j = r.results;
    SCOPED_TRACE(preset);
    EXPECT_EQ(j["per_seed"].size(), 2u);
    EXPECT_TRUE(std::isfinite(j["value"].get<double>()));
    EXPECT_LE(j["ci95"][0].get<double>(), j["value"].get<double>());
    for (const char* b : {"esn_same_size", "ar10_ridge", "ridge_on_input", "persistence"})
      EXPECT_TRUE(j["baselines"].contains(b)) << b;
    EXPECT_EQ(j["hardware"]["devices"].get<int>(), 8);
  }
}

// The affine mask (an offset and a slope of either sign per virtual node) on model A without
// its noise: the drift threshold is each node's kink, spread over the input's range, and the
// residue's decay the memory of the last input. On 1000 samples of the Henon map it beats the
// memristor record of 0.046 (Zhong et al. 2021): seeds 1-3 measured 0.0088, 0.0035 and 0.0071,
// an echo-state network of 100 nodes 0.012-0.016 in the same runs, the input alone 0.98. The
// scaled mask at these voltages gives about 0.18 (docs/tasks/pipelines.md).
TEST(TaskRun, DeviceReservoirWithTheAffineMaskBeatsTheMemristorRecord) {
  const std::string text =
      "task = \"henon\"\nsamples = 1000\nseeds = [2]\n[reservoir]\nkind = \"device\"\n"
      "preset = \"zhao2025-calibrated\"\nnoise = false\nmask = \"affine\"\n"
      "v_min = \"0.3V\"\nv_max = \"0.8V\"\npulse = \"2ms\"\n";
  const task_result r = run_task(parse_task_config(text, "t.toml"));
  EXPECT_EQ(r.results["hardware"]["mask"], "affine");
  EXPECT_LT(r.results["value"].get<double>(), 0.046);
  EXPECT_GT(r.results["baselines"]["ridge_on_input"].get<double>(), 0.9);
}

// Model A without its noise through the affine mask at 0.3-0.8 V, 1 ms pulses.
device_reservoir_settings quiet_affine_reservoir(std::size_t devices, int mask_steps) {
  device_reservoir_settings s;
  s.device = with_noise_scaled(load_preset("zhao2025-calibrated"), 0);
  s.devices = devices;
  s.mask_steps = mask_steps;
  s.affine = true;
  s.v_min = 0.3;
  s.v_max = 0.8;
  s.pulse = 1e-3;
  return s;
}

// The input's delay line: with input_delays = 8 the devices hold the input of four samples
// before (each virtual node reads u(t - d), d in 0..7), which the devices alone forget (their
// filament and residue hold about two samples). Ridge on the features predicts u(t - 4) with
// an NRMSE of 0.35 with the delay line and 0.97 without (measured; asserted 0.5 and 0.8).
TEST(TaskReservoir, DelayLineGivesTheDevicesTheOlderInputs) {
  device_reservoir_settings s = quiet_affine_reservoir(6, 5);
  const std::size_t n = 800, lag = 4, washout = 50, split = 500;
  std::vector<double> u(n);
  const philox rng(9);
  for (std::size_t t = 0; t < n; ++t) u[t] = rng.uniforms(rng_stream::task_input, 0, t)[0];
  auto lagged_nrmse = [&](const Eigen::MatrixXd& f) {
    const auto rows = static_cast<Eigen::Index>(split - washout);
    Eigen::VectorXd y(static_cast<Eigen::Index>(n - washout));
    for (std::size_t t = washout; t < n; ++t)
      y[static_cast<Eigen::Index>(t - washout)] = u[t - lag];
    const Eigen::MatrixXd x = f.bottomRows(static_cast<Eigen::Index>(n - washout));
    const ridge_readout r = fit_ridge(x.topRows(rows), y.head(rows), default_lambdas(), 5);
    const auto test = static_cast<Eigen::Index>(n - split);
    return nrmse(r.predict(x.bottomRows(test)).col(0), y.tail(test));
  };
  const double without = lagged_nrmse(device_reservoir_states(u, s));
  s.input_delays = 8;
  const double with = lagged_nrmse(device_reservoir_states(u, s));
  EXPECT_LT(with, 0.5) << "without: " << without;
  EXPECT_GT(without, 0.8) << "with: " << with;
}

// The image reservoir: a device reads `segment` consecutive pixels of a row (and of a column),
// one pulse each, and its feature k is its conductance after pulse k. So one pixel's change
// reaches exactly the reads at and after it in its row segment and its column segment, and no
// other device; and the features do not depend on how many threads share the images, nor on
// how the images are split into calls (the noise is keyed by the image's index).
TEST(TaskReservoir, ImageReservoirReadsEachPixelInItsRowAndColumnSegments) {
  image_reservoir_settings s;
  s.device = with_noise_scaled(load_preset("zhao2025-calibrated"), 0);
  s.width = 8;
  s.segment = 4;
  s.v_min = 0.3;
  s.v_max = 1.5;
  s.dt = 20e-6;
  Eigen::MatrixXd images(2, 64);
  for (Eigen::Index j = 0; j < 64; ++j) images(0, j) = 0.5 + 0.5 * std::sin(0.7 * j);
  images.row(1) = images.row(0);
  const int row = 2, col = 5;
  images(1, row * 8 + col) = images(0, row * 8 + col) > 0.5 ? 0.0 : 1.0;
  const Eigen::MatrixXd f = image_reservoir_states(images, s);
  ASSERT_EQ(f.cols(), 128);
  std::vector<Eigen::Index> changed;
  for (Eigen::Index j = 0; j < f.cols(); ++j)
    if (f(0, j) != f(1, j)) changed.push_back(j);
  // rows: pixel (2, 5) is read 2 of the segment of columns 4-7 -> features 2*8 + 5, 6, 7;
  // columns: read 2 of the segment of rows 0-3 of column 5 -> 64 + 5*8 + 2, 3
  const std::vector<Eigen::Index> expected = {21, 22, 23, 64 + 42, 64 + 43};
  EXPECT_EQ(changed, expected);
  // with the affine mask (its own drive per device) no other read changes; a device whose
  // drive stays below the drift threshold for both values does not move at all
  s.affine = true;
  const Eigen::MatrixXd g = image_reservoir_states(images, s);
  changed.clear();
  for (Eigen::Index j = 0; j < g.cols(); ++j)
    if (g(0, j) != g(1, j)) changed.push_back(j);
  EXPECT_FALSE(changed.empty());
  for (const auto j : changed)
    EXPECT_NE(std::find(expected.begin(), expected.end(), j), expected.end()) << j;
  EXPECT_NE(f.row(0), g.row(0));
  // with the noise on, the same for 1 and 2 threads
  s.device = load_preset("zhao2025-calibrated");
  s.threads = 1;
  const Eigen::MatrixXd one = image_reservoir_states(images, s);
  s.threads = 2;
  EXPECT_EQ(one, image_reservoir_states(images, s));
  // the noise is keyed by the image's index: image 1 alone, as image 1, reads the same
  s.first_image = 1;
  EXPECT_EQ(image_reservoir_states(images.bottomRows(1), s).row(0), one.row(1));
  EXPECT_NE(image_reservoir_states(images.topRows(1), s).row(0), one.row(0));  // other noise
  EXPECT_TRUE(
      contains(test::input_error_of([&] { s.segment = 3, image_reservoir_states(images, s); }),
               "segment 3 must divide the image's width 8"));
}

// The reservoir's energy: the sources' v I dt summed over the pulses. The features do not
// depend on how a pulse is split for it, and the 16-part sum is within 1 % of the sum over
// every step (measured: 0.06 %); at 0 V nothing is spent.
TEST(TaskReservoir, DeviceEnergyIsTheSourcesWorkOverThePulses) {
  device_reservoir_settings s = quiet_affine_reservoir(5, 2);
  std::vector<double> u(100);
  for (std::size_t t = 0; t < u.size(); ++t) u[t] = 0.5 + 0.45 * std::sin(0.9 * t);
  double coarse = 0, fine = 0;
  const Eigen::MatrixXd a = device_reservoir_states(u, s, &coarse);
  s.energy_parts = 1 << 20;  // every step
  const Eigen::MatrixXd b = device_reservoir_states(u, s, &fine);
  EXPECT_EQ(a, b);
  EXPECT_GT(fine, 0);
  EXPECT_NEAR(coarse, fine, 0.01 * fine);
  s.v_min = s.v_max = 0;
  double none = 1;
  device_reservoir_states(u, s, &none);
  EXPECT_EQ(none, 0.0);
}

// Read noise is on the reading only: the device's trajectory is the same, and log10 of the
// read conductance moves by read_noise / ln 10 (1 %: 0.00434 decades; asserted within 5 %).
TEST(TaskReservoir, ReadNoiseIsARelativeSpreadOfEachRead) {
  device_reservoir_settings s;
  s.device = load_preset("zhao2025-calibrated");
  s.devices = 4;
  s.mask_steps = 5;
  s.pulse = 1e-3;
  std::vector<double> u(300);
  for (std::size_t t = 0; t < u.size(); ++t) u[t] = 0.5 + 0.4 * std::sin(0.3 * t);
  const Eigen::MatrixXd clean = device_reservoir_states(u, s);
  s.read_noise = 0.01;
  const Eigen::ArrayXXd d = (device_reservoir_states(u, s) - clean).array();
  const double sd = std::sqrt((d - d.mean()).square().mean());
  EXPECT_NEAR(sd, 0.01 / std::log(10.0), 0.05 * 0.01 / std::log(10.0));
}

TEST(TaskRun, DigitsFromTheCommandLine) {
  const char* env = std::getenv("IONSIM_DIGITS");
  const std::string digits =
      env && *env ? env : "/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz";
  if (!std::filesystem::exists(digits))
    GTEST_SKIP() << "missing " << digits << " (install Debian's python3-sklearn)";
  const auto dir = test::fresh_dir("task-digits");
  const std::string cmd = std::string(IONSIM_BINARY) + " task run " + IONSIM_SOURCE_DIR +
                          "/examples/tasks/digits.toml --out " + (dir / "out").string() + " >" +
                          (dir / "stdout").string() + " 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  std::ifstream in(dir / "out" / "results.json");
  const auto j = nlohmann::json::parse(in);
  EXPECT_EQ(j["task"], "digits");
  EXPECT_EQ(j["metric"], "accuracy");
  // the image reservoir (32 devices, 128 reads, the reads alone): 0.930 measured; softmax and
  // ridge on the pixels as sklearn's (0.934, 0.884)
  EXPECT_GT(j["value"].get<double>(), 0.9);
  EXPECT_NEAR(j["baselines"]["softmax_on_pixels"].get<double>(), 0.934, 0.001);
  EXPECT_NEAR(j["baselines"]["ridge_on_pixels"].get<double>(), 0.884, 0.001);
  EXPECT_EQ(j["features"]["device_reads"], 128);
  EXPECT_EQ(j["features"]["pixels"], 0);
  EXPECT_EQ(j["hardware"]["mask"], "affine");
  EXPECT_GT(j["energy_per_inference_J"].get<double>(), 0);
  EXPECT_TRUE(test::contains(test::read_text(dir / "stdout"), "energy per inference"));
  EXPECT_EQ(j["confusion"].size(), 10u);
  EXPECT_TRUE(std::filesystem::exists(dir / "out" / "task.png"));
  const std::string report = test::read_text(dir / "out" / "report.html");
  EXPECT_TRUE(test::contains(report, "Baselines (same run)"));
  EXPECT_TRUE(test::contains(report, "task.png"));
  std::filesystem::remove_all(dir);
}

// The shipped digits graph run ideally by the task layer: the accuracy the training script
// reported for the same 360 test images (0.892; tests/validation/test_nir_hardware.cpp runs it
// on hardware).
// Spike count and first-spike decisions, by hand: 3 outputs over 4 steps.
TEST(TaskSnn, CountAndFirstSpikeDecisions) {
  nir::run_result r;
  r.output_size = 3;
  // step 0 silent; step 1: outputs 1 and 2 spike; outputs 0 spikes in steps 2 and 3,
  // output 2 again in step 3
  r.output = {0, 0, 0, 0, 1, 1, 1, 0, 0, 1, 0, 1};
  EXPECT_EQ(output_class(r, false), 0);  // 2, 1, 2 spikes: the first of the most
  EXPECT_EQ(output_class(r, true), 2);   // step 1: 1 and 2; 2 has more spikes
  r.output = {0, 0, 0, 0, 0, 0};
  r.output_size = 3;
  EXPECT_EQ(output_class(r, true), 0);  // no spike: the most (none), the first
  EXPECT_TRUE(contains(test::input_error_of([] {
                         parse_task_config(
                             "task = \"digits\"\n[snn]\ngraph = \"g.nir\"\ndecision = \"vote\"\n",
                             "t.toml");
                       }),
                       "t.toml:4"));
}

TEST(TaskRun, SpikingNetworkGivenAsNir) {
  const char* env = std::getenv("IONSIM_DIGITS");
  const std::string digits =
      env && *env ? env : "/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz";
  if (!std::filesystem::exists(digits))
    GTEST_SKIP() << "missing " << digits << " (install Debian's python3-sklearn)";
  const auto c = parse_task_config(
      "task = \"digits\"\ntrain_limit = 1437\n[snn]\ngraph = \"data/nir/digits_ff.nir\"\n"
      "hardware = \"ideal\"\n",
      std::string(IONSIM_SOURCE_DIR) + "/t.toml");
  const auto r = run_task(c).results;
  EXPECT_EQ(r["split"]["test"], 360);
  EXPECT_NEAR(r["value"].get<double>(), 0.892, 0.004);  // within an image or so
  EXPECT_EQ(r["value"], r["baselines"]["ideal_graph"]);
  EXPECT_EQ(r["hardware"]["kind"], "ideal");
  EXPECT_EQ(r["hardware"]["decision"], "count");
  auto first = c;
  first.snn.first_spike = true;
  const auto f = run_task(first).results;
  EXPECT_EQ(f["hardware"]["decision"], "first_spike");
  EXPECT_GT(f["value"].get<double>(), 0.5);  // 0.792 (the graph was trained for counts: 0.892)
}

}  // namespace IONSIM_TEST_FILE
}  // namespace ionsim::task
