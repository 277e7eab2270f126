// Checkpoint and resume of the network engine: a run stopped at an epoch, written to a
// checkpoint file, read into a network built anew from the same description (with another
// thread count) and run to the end gives the spikes, state samples and weights of the
// uninterrupted run, bit for bit; for every neuron model, with noise, plasticity and
// adaptation. A checkpoint of another network, a damaged file and a file of another kind are
// refused with one message.
#include <fcntl.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "core/archive.hpp"
#include "io/hdf5.hpp"
#include "network/config.hpp"
#include "network/network.hpp"
#include "network/segments.hpp"
#include "test_support.hpp"

namespace ionsim::network {
namespace IONSIM_TEST_FILE {

network_spec parse(const std::string& text) {
  return parse_network_config(text, "net.toml", builtin_models());
}

struct outcome {
  std::vector<spike> spikes;
  std::vector<double> samples;
  std::vector<std::pair<std::int64_t, std::vector<float>>> weights;
  std::vector<float> final_weights;
};

void collect(outcome& o, const memory_sink& s, const network& net) {
  o.spikes.insert(o.spikes.end(), s.all.begin(), s.all.end());
  for (const auto& [r, v] : s.values) o.samples.insert(o.samples.end(), v.begin(), v.end());
  for (const auto& [r, snaps] : s.snapshots)
    for (const auto& sn : snaps)
      if (o.weights.empty() || o.weights.back().first != sn.first) o.weights.push_back(sn);
  o.final_weights.clear();
  for (std::size_t j = 0; j < net.projections(); ++j)
    o.final_weights.insert(o.final_weights.end(), net.projection(j).weight.begin(),
                           net.projection(j).weight.end());
}

// The uninterrupted run (threads `a`) against one stopped after `stop_at` of its steps (threads
// `a`), checkpointed to a file and resumed in a new network (threads `b`).
void expect_resume_identical(const std::string& text, int a, int b, double stop_at = 0.4) {
  const auto models = builtin_models();
  outcome whole, parts;
  {
    auto s = parse(text);
    s.run.threads = a;
    network net(s, models);
    memory_sink sink;
    net.run(sink);
    collect(whole, sink, net);
  }
  const auto dir = test::fresh_dir("checkpoint");
  const std::string file = (dir / "state.ckpt").string();
  {
    auto s = parse(text);
    s.run.threads = a;
    network net(s, models);
    memory_sink sink;
    std::atomic<bool> stop{false};
    const auto cut = static_cast<std::int64_t>(stop_at * static_cast<double>(net.total_steps()));
    const auto r = net.run(sink, &stop, [&](std::int64_t step) {
      if (step >= cut) stop = true;
    });
    ASSERT_TRUE(r.interrupted);
    ASSERT_LT(r.steps_done, net.total_steps());
    collect(parts, sink, net);
    archive w;
    net.checkpoint(w);
    write_archive(file, w, "network");
  }
  {
    auto s = parse(text);
    s.run.threads = b;
    network net(s, models);
    archive r = read_archive(file, "network");
    net.checkpoint(r);
    r.finish();
    memory_sink sink;
    net.run(sink);
    collect(parts, sink, net);
  }
  ASSERT_GT(whole.spikes.size(), 20u);
  for (std::size_t i = 0; i < std::min(whole.spikes.size(), parts.spikes.size()); ++i) {
    ASSERT_EQ(whole.spikes[i].step, parts.spikes[i].step)
        << i << " id " << whole.spikes[i].id << " " << parts.spikes[i].id;
    ASSERT_EQ(whole.spikes[i].id, parts.spikes[i].id) << i;
  }
  ASSERT_EQ(whole.spikes.size(), parts.spikes.size());
  EXPECT_EQ(whole.samples, parts.samples);
  ASSERT_EQ(whole.weights.size(), parts.weights.size());
  for (std::size_t i = 0; i < whole.weights.size(); ++i) {
    EXPECT_EQ(whole.weights[i].first, parts.weights[i].first);
    EXPECT_EQ(whole.weights[i].second, parts.weights[i].second);
  }
  EXPECT_EQ(whole.final_weights, parts.final_weights);
}

// LIF models (CUBA with a state recorder, COBA with an adaptive threshold, Brunel's delta
// synapses), Poisson stimuli and a poisson_source, a triplet-STDP projection with a weights
// recorder.
const char* lif_net = R"([run]
dt = "0.1ms"
duration = "0.2s"
seed = 7
[[population]]
name = "in"
model = "poisson_source"
size = 40
params = { rate = "30Hz" }
[[population]]
name = "cuba"
model = "lif_cuba"
size = 120
init = { v = { uniform = ["-60mV", "-50mV"] } }
[[population]]
name = "coba"
model = "lif_coba"
size = 60
params = { theta_plus = "0.5mV", tau_theta = "50ms" }
[[population]]
name = "delta"
model = "lif_delta"
size = 50
[[projection]]
name = "plastic"
source = "in"
target = "cuba"
rule = "fixed_probability"
p = 0.3
receptor = "exc"
weight = { uniform = ["0mV", "2mV"] }
delay = "1ms"
plasticity = { rule = "triplet", a_plus = "0.05mV", a_minus = "0.06mV", a3_plus = "0.02mV", a3_minus = "0.01mV", w_max = "2mV" }
[[projection]]
source = "cuba"
target = "coba"
rule = "fixed_probability"
p = 0.1
receptor = "exc"
weight = 0.05
delay = "2ms"
[[projection]]
source = "cuba"
target = "delta"
rule = "fixed_probability"
p = 0.1
receptor = "exc"
weight = "0.5mV"
delay = "1.5ms"
[[stimulus]]
type = "poisson"
target = "cuba"
receptor = "exc"
rate = "1kHz"
weight = "0.6mV"
[[stimulus]]
type = "dc"
target = "delta"
amplitude = "12mV"
[[recorder]]
type = "state"
population = "cuba"
variables = ["v", "ge"]
neurons = [0, 5, 77]
[[recorder]]
type = "weights"
projection = "plastic"
interval = "20ms"
)";

TEST(Checkpoint, LifModelsPlasticityAndSourcesResumeBitIdentically) {
  expect_resume_identical(lif_net, 1, 1);
  expect_resume_identical(lif_net, 1, 2, 0.55);
}

// Noisy 1M1T1R neurons (model A) with memristive synapses, fixed step and hybrid integrator;
// the memristor state is recorded.
const char* dm_net = R"([run]
dt = "{dt}"
duration = "30ms"
seed = 3
[[population]]
name = "n"
model = "dm1t1r"
size = 40
params = {{ preset = "zhao2025-calibrated", tau_in = "1ms"{extra} }}
[[projection]]
source = "n"
target = "n"
rule = "fixed_probability"
p = 0.2
receptor = "in"
weight = {{ uniform = ["20uS", "80uS"] }}
delay = "0.5ms"
memristor = {{ g_min = "10uS", g_max = "100uS", levels = 8, d2d = 0.1, read_noise = 0.05, v_read = "0.2V", t_read = "1us", c_f = "100pF" }}
[[stimulus]]
type = "poisson"
target = "n"
receptor = "in"
rate = "50Hz"
sources = 20
weight = "0.8V"
[[recorder]]
type = "state"
population = "n"
variables = ["v_in", "x1"]
neurons = [1, 30]
interval = "0.1ms"
)";

TEST(Checkpoint, MemristiveNeuronsResumeBitIdenticallyOnAnyThreadCount) {
  expect_resume_identical(
      fmt::format(fmt::runtime(dm_net), fmt::arg("dt", "5us"), fmt::arg("extra", "")), 2, 1);
  expect_resume_identical(fmt::format(fmt::runtime(dm_net), fmt::arg("dt", "100us"),
                                      fmt::arg("extra", ", integrator = \"hybrid\"")),
                          1, 2);
}

// dm_lif on model B (a noise clock of its own) and a reward-modulated projection.
TEST(Checkpoint, ModelBNeuronsAndRewardStdpResumeBitIdentically) {
  expect_resume_identical(R"([run]
dt = "10us"
duration = "40ms"
seed = 11
[[population]]
name = "d"
model = "dm_lif"
size = 20
[[population]]
name = "in"
model = "poisson_source"
size = 30
params = { rate = "100Hz" }
[[population]]
name = "da"
model = "poisson_source"
size = 5
params = { rate = "50Hz" }
[[population]]
name = "out"
model = "lif_cuba"
size = 20
[[projection]]
source = "in"
target = "out"
rule = "all_to_all"
receptor = "exc"
weight = "1mV"
delay = "1ms"
plasticity = { rule = "reward_stdp", a_plus = "0.05mV", a_minus = "0.06mV", tau_c = "20ms", tau_d = "10ms", reward = "10Hz", modulator = "da", modulator_delay = "1ms", w_max = "3mV" }
[[stimulus]]
type = "dc"
target = "d"
amplitude = "1V"
[[stimulus]]
type = "poisson"
target = "out"
receptor = "exc"
rate = "2kHz"
weight = "0.6mV"
)",
                          1, 2);
}

TEST(Checkpoint, RefusesAnotherNetworkAndDamagedFiles) {
  const auto models = builtin_models();
  const auto dir = test::fresh_dir("checkpoint_errors");
  const std::string file = (dir / "state.ckpt").string();
  {
    network net(parse(lif_net), models);
    archive w;
    net.checkpoint(w);
    write_archive(file, w, "network");
  }
  // another seed
  std::string other = lif_net;
  other.replace(other.find("seed = 7"), 8, "seed = 8");
  auto msg = test::input_error_of([&] {
    network net(parse(other), models);
    archive r = read_archive(file, "network");
    net.checkpoint(r);
  });
  EXPECT_TRUE(test::contains(msg, "written by another network (seed 7")) << msg;
  // another population size: the first entry that differs is named
  other = lif_net;
  other.replace(other.find("size = 50"), 9, "size = 51");
  msg = test::input_error_of([&] {
    network net(parse(other), models);
    archive r = read_archive(file, "network");
    net.checkpoint(r);
  });
  EXPECT_TRUE(test::contains(msg, "written by another network")) << msg;
  // a flipped byte, a cut file, another kind, not a checkpoint
  std::string bytes;
  {
    std::ifstream in(file, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  auto write = [&](const std::string& b) {
    std::ofstream(file, std::ios::binary | std::ios::trunc) << b;
  };
  std::string flipped = bytes;
  flipped[flipped.size() / 2] ^= 1;
  write(flipped);
  msg = test::input_error_of([&] { read_archive(file, "network"); });
  EXPECT_TRUE(test::contains(msg, "the checkpoint is damaged")) << msg;
  write(bytes.substr(0, bytes.size() - 100));
  msg = test::input_error_of([&] { read_archive(file, "network"); });
  EXPECT_TRUE(test::contains(msg, "the checkpoint is damaged")) << msg;
  write(bytes);
  msg = test::input_error_of([&] { read_archive(file, "learning"); });
  EXPECT_TRUE(test::contains(msg, "not a learning checkpoint")) << msg;
  write("seed = 1\n");
  msg = test::input_error_of([&] { read_archive(file, "network"); });
  EXPECT_TRUE(test::contains(msg, "not an ionsim checkpoint")) << msg;
  EXPECT_TRUE(test::contains(test::input_error_of([&] { read_archive(file + "x", "network"); }),
                             "cannot open the file"));
}

// `ionsim run --checkpoint-every` killed with SIGKILL mid-run: the segments closed at the
// checkpoints read as one recording (the uninterrupted run's, up to the last checkpoint), and
// `ionsim run --resume` (on another thread count) finishes with a spikes.h5 whose datasets
// equal the uninterrupted run's.
TEST(CheckpointCli, ResumeAfterSigkillEqualsTheUninterruptedRun) {
  namespace fs = std::filesystem;
  const auto dir = test::fresh_dir("checkpoint-kill");
  std::string cfg = test::read_text(fs::path(IONSIM_SOURCE_DIR) / "examples/networks/cuba.toml");
  cfg.replace(cfg.find("duration = \"1s\""), 15, "duration = \"8s\"");
  const auto net = test::write_text(dir / "cuba.toml", cfg);
  const auto whole = dir / "whole", killed = dir / "killed";
  auto r = test::run_cli("run " + test::quote(net) + " --no-progress --out " +
                         test::quote(whole.string()));
  ASSERT_EQ(r.status, 0) << r.err;

  const std::string out = killed.string();
  std::vector<std::string> args = {IONSIM_BINARY,        "run", net, "--no-progress", "--out", out,
                                   "--checkpoint-every", "0.5s"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid = 0;
  ASSERT_EQ(posix_spawn(&pid, IONSIM_BINARY, &actions, nullptr, argv.data(), environ), 0);
  posix_spawn_file_actions_destroy(&actions);
  const run_files files(out);
  int status = 0;
  bool exited = false;
  // Killed once the third checkpoint is written (1.5 s of 8 s simulated).
  while (!fs::exists(files.segment(3, true))) {
    if (waitpid(pid, &status, WNOHANG) == pid) {
      exited = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  ASSERT_FALSE(exited) << "the run ended before it could be killed";
  ASSERT_EQ(kill(pid, SIGKILL), 0);
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status));
  ASSERT_FALSE(fs::exists(files.spikes));

  const std::string full = (whole / "spikes.h5").string();
  const auto t_all = read_h5_doubles(full, "/spikes/times");
  const auto id_all = read_h5_doubles(full, "/spikes/ids");
  {
    // What survived: whole segments up to a checkpoint, read as one recording.
    const run_recording rec(out);
    ASSERT_GE(rec.segments(), 3u);
    const double upto = read_h5_attribute(rec.path(), "simulated");
    EXPECT_NEAR(upto, 0.5 * static_cast<double>(rec.segments()), 1e-9);
    EXPECT_EQ(read_h5_attribute(rec.path(), "complete"), 0.0);
    const auto t = read_h5_doubles(rec.path(), "/spikes/times");
    const auto id = read_h5_doubles(rec.path(), "/spikes/ids");
    const auto n = static_cast<std::size_t>(
        std::lower_bound(t_all.begin(), t_all.end(), upto - 1e-9) - t_all.begin());
    ASSERT_EQ(t.size(), n);
    EXPECT_TRUE(std::equal(t.begin(), t.end(), t_all.begin()));
    EXPECT_TRUE(std::equal(id.begin(), id.end(), id_all.begin()));
  }
  // A changed description, or options that shaped the run, are refused.
  test::write_text(dir / "cuba.toml", cfg + "\n# changed\n");
  r = test::run_cli("run --resume " + test::quote(out));
  EXPECT_EQ(r.status, 2);
  EXPECT_TRUE(test::contains(r.err, "the description changed since the run began")) << r.err;
  test::write_text(dir / "cuba.toml", cfg);
  r = test::run_cli("run --resume " + test::quote(out) + " --checkpoint-every 1s");
  EXPECT_EQ(r.status, 2);
  EXPECT_TRUE(test::contains(r.err, "are the run's own")) << r.err;

  r = test::run_cli("run --resume " + test::quote(out) + " --no-progress --threads 2");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(test::contains(r.err, "resumed at t = ")) << r.err;
  const std::string joined = files.spikes;
  for (const char* d : {"/spikes/times", "/spikes/ids", "/rates/time", "/rates/rate",
                        "/state/exc/time", "/state/exc/v", "/state/exc/ge"})
    EXPECT_EQ(read_h5_doubles(joined, d), read_h5_doubles(full, d)) << d;
  EXPECT_EQ(read_h5_attribute(joined, "complete"), 1.0);
  EXPECT_FALSE(fs::exists(files.segment_dir));
  EXPECT_FALSE(fs::exists(files.checkpoint_dir));
  // A finished run has nothing to resume.
  r = test::run_cli("run --resume " + test::quote(out));
  EXPECT_EQ(r.status, 2);
  EXPECT_TRUE(test::contains(r.err, "the run is complete")) << r.err;
}

}  // namespace IONSIM_TEST_FILE
}  // namespace ionsim::network
