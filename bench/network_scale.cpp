// The 10^8-synapse benchmark of the network engine: N neurons (80 %
// excitatory, 20 % inhibitory), each receiving K synapses (fixed in-degree: 0.8 K from the
// excitatory and 0.2 K from the inhibitory population), driven by Poisson input. Prints one
// JSON line: build time, peak memory (getrusage ru_maxrss), bytes per synapse, synaptic events
// per second and the real-time factor of the simulation loop.
//
// The network is written as an `ionsim run` TOML file and read by the same parser, so any
// model of the registry runs with its own parameters: --model NAME, --param KEY=VALUE (the
// value as TOML: a number, a quoted string, true/false; anything else is taken as a string,
// so `--param tau_m=20ms` works), --init KEY=VALUE (initial state, a TOML value such as
// '{ uniform = ["-60mV", "-50mV"] }'), --receptor-exc/--receptor-inh and the weights in the
// receptor's unit. --config-out FILE writes the generated TOML (for `ionsim run FILE`).
//
// Usage: bench_network_scale [--threads N] [--neurons N] [--indegree K] [--model NAME]
//   [--param K=V]... [--init K=V]... [--w-exc Q] [--w-inh Q] [--receptor-exc R]
//   [--receptor-inh R] [--rate Q] [--sources N] [--w-input Q] [--delay Q] [--dt Q]
//   [--duration Q] [--seed N] [--config-out FILE]
#include <fmt/format.h>
#include <sys/resource.h>

#include <cstdint>
#include <cstdio>
#include <exception>
#include <fstream>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "network/config.hpp"
#include "network/network.hpp"

namespace {

struct options {
  int threads = 1;
  std::size_t neurons = 100000, indegree = 1000;
  std::string model = "lif_cuba";
  std::vector<std::pair<std::string, std::string>> params, init;
  bool init_given = false;
  std::string w_exc = "\"0.1mV\"", w_inh = "\"-0.35mV\"";
  std::string receptor_exc = "exc", receptor_inh = "inh";
  std::string rate = "\"10Hz\"", w_input = "\"0.1mV\"";
  std::size_t sources = 100;
  std::string delay = "\"1.5ms\"", dt = "\"0.1ms\"", duration = "\"0.5s\"";
  std::uint64_t seed = 1;
  std::string config_out;
};

// A command-line value as TOML: kept when it parses as a TOML value, else quoted.
std::string toml_value(const std::string& v) {
  try {
    (void)toml::parse("x = " + v);
    return v;
  } catch (const toml::parse_error&) {
    return fmt::format("\"{}\"", v);
  }
}

std::pair<std::string, std::string> key_value(const std::string& kv, const char* opt) {
  const auto eq = kv.find('=');
  if (eq == std::string::npos || eq == 0)
    throw std::runtime_error(fmt::format("{} needs KEY=VALUE, got '{}'", opt, kv));
  return {kv.substr(0, eq), toml_value(kv.substr(eq + 1))};
}

options parse(int argc, char** argv) {
  options o;
  for (int a = 1; a < argc; ++a) {
    const std::string arg = argv[a];
    auto next = [&]() -> std::string {
      if (a + 1 >= argc) throw std::runtime_error(arg + " needs a value");
      return argv[++a];
    };
    if (arg == "--threads")
      o.threads = std::stoi(next());
    else if (arg == "--neurons")
      o.neurons = std::stoull(next());
    else if (arg == "--indegree")
      o.indegree = std::stoull(next());
    else if (arg == "--model")
      o.model = next();
    else if (arg == "--param")
      o.params.push_back(key_value(next(), "--param"));
    else if (arg == "--init") {
      o.init.push_back(key_value(next(), "--init"));
      o.init_given = true;
    } else if (arg == "--w-exc")
      o.w_exc = toml_value(next());
    else if (arg == "--w-inh")
      o.w_inh = toml_value(next());
    else if (arg == "--receptor-exc")
      o.receptor_exc = next();
    else if (arg == "--receptor-inh")
      o.receptor_inh = next();
    else if (arg == "--rate")
      o.rate = toml_value(next());
    else if (arg == "--sources")
      o.sources = std::stoull(next());
    else if (arg == "--w-input")
      o.w_input = toml_value(next());
    else if (arg == "--delay")
      o.delay = toml_value(next());
    else if (arg == "--dt")
      o.dt = toml_value(next());
    else if (arg == "--duration")
      o.duration = toml_value(next());
    else if (arg == "--seed")
      o.seed = std::stoull(next());
    else if (arg == "--config-out")
      o.config_out = next();
    else
      throw std::runtime_error("unknown option " + arg + " (see the header of network_scale.cpp)");
  }
  // The LIF models start from random potentials between reset and threshold.
  if (!o.init_given && (o.model == "lif_cuba" || o.model == "lif_coba"))
    o.init.emplace_back("v", R"({ uniform = ["-60mV", "-50mV"] })");
  return o;
}

std::string config_text(const options& o) {
  const std::size_t n_exc = o.neurons * 4 / 5, n_inh = o.neurons - n_exc;
  const std::size_t k_exc = o.indegree * 4 / 5, k_inh = o.indegree - k_exc;
  auto inline_table = [](const std::vector<std::pair<std::string, std::string>>& kv) {
    std::string s;
    for (const auto& [k, v] : kv) s += fmt::format("{}{} = {}", s.empty() ? "" : ", ", k, v);
    return "{ " + s + " }";
  };
  std::string t = fmt::format(
      "# Generated by bench_network_scale.\n[run]\ndt = {}\nduration = {}\nseed = {}\n"
      "threads = {}\n",
      o.dt, o.duration, o.seed, o.threads);
  for (auto [name, size] : {std::pair<const char*, std::size_t>{"exc", n_exc}, {"inh", n_inh}}) {
    t += fmt::format("\n[[population]]\nname = \"{}\"\nmodel = \"{}\"\nsize = {}\n", name, o.model,
                     size);
    if (!o.params.empty()) t += fmt::format("params = {}\n", inline_table(o.params));
    if (!o.init.empty()) t += fmt::format("init = {}\n", inline_table(o.init));
  }
  for (const char* src : {"exc", "inh"})
    for (const char* tgt : {"exc", "inh"}) {
      const bool e = std::string(src) == "exc";
      t += fmt::format(
          "\n[[projection]]\nsource = \"{}\"\ntarget = \"{}\"\nrule = \"fixed_indegree\"\n"
          "indegree = {}\nreceptor = \"{}\"\nweight = {}\ndelay = {}\n",
          src, tgt, e ? k_exc : k_inh, e ? o.receptor_exc : o.receptor_inh, e ? o.w_exc : o.w_inh,
          o.delay);
    }
  for (const char* tgt : {"exc", "inh"})
    t += fmt::format(
        "\n[[stimulus]]\ntype = \"poisson\"\ntarget = \"{}\"\nreceptor = \"{}\"\nrate = {}\n"
        "sources = {}\nweight = {}\n",
        tgt, o.receptor_exc, o.rate, o.sources, o.w_input);
  return t;
}

// Counts spikes and the synaptic events they cause (one per outgoing synapse).
struct counting_sink final : ionsim::network::epoch_sink {
  std::vector<std::uint64_t> out_degree;  // per global neuron
  std::uint64_t spikes_seen = 0, events = 0;
  void spikes(std::int64_t, std::int64_t, std::span<const ionsim::network::spike> s) override {
    spikes_seen += s.size();
    for (const auto& x : s) events += out_degree[x.id];
  }
  void samples(std::size_t, std::span<const std::int64_t>, std::span<const double>) override {}
};

double peak_rss_bytes() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) * 1024.0;  // Linux: kilobytes
}

}  // namespace

int main(int argc, char** argv) {
  try {
    using namespace ionsim::network;
    const options o = parse(argc, argv);
    const std::string text = config_text(o);
    if (!o.config_out.empty()) std::ofstream(o.config_out) << text;
    const auto models = builtin_models();
    const auto spec = parse_network_config(text, "bench_network_scale.toml", models);
    const double rss_before = peak_rss_bytes();
    network net(spec, models);
    const double rss_built = peak_rss_bytes();

    counting_sink sink;
    sink.out_degree.assign(net.neurons(), 0);
    std::map<std::string, std::uint32_t> first;
    for (std::size_t p = 0; p < net.populations(); ++p)
      first[net.population_name(p)] = net.first_id(p);
    for (std::size_t j = 0; j < spec.projections.size(); ++j) {
      const auto& tb = net.projection(j);
      const std::uint32_t f = first.at(spec.projections[j].source);
      for (std::size_t s = 0; s < tb.sources(); ++s)
        sink.out_degree[f + s] += tb.row[s + 1] - tb.row[s];
    }

    const auto res = net.run(sink);
    const double simulated = static_cast<double>(res.steps_done) * spec.run.dt;
    const double wall = res.wall_seconds;
    const double synapses = static_cast<double>(net.synapses());
    std::printf(
        "%s\n",
        fmt::format(
            R"({{"bench": "network_scale", "model": "{}", "threads": {}, "neurons": {}, )"
            R"("synapses": {}, "build_s": {:.3f}, "bytes_per_synapse": {:.3f}, )"
            R"("synapse_bytes": {}, "peak_rss_bytes": {:.0f}, "rss_before_build_bytes": {:.0f}, )"
            R"("rss_after_build_bytes": {:.0f}, "simulated_s": {:g}, "run_s": {:.3f}, )"
            R"("spikes": {}, "mean_rate_hz": {:.3f}, "synaptic_events": {}, )"
            R"("events_per_s": {:.4g}, "real_time_factor": {:.4g}, "wall_per_simulated": {:.4g}}})",
            o.model, net.threads(), net.neurons(), net.synapses(), net.build_seconds(),
            static_cast<double>(net.synapse_bytes()) / synapses, net.synapse_bytes(),
            peak_rss_bytes(), rss_before, rss_built, simulated, wall, sink.spikes_seen,
            static_cast<double>(sink.spikes_seen) /
                (static_cast<double>(net.neurons()) * simulated),
            sink.events, static_cast<double>(sink.events) / wall, simulated / wall,
            wall / simulated)
            .c_str());
    return 0;
  } catch (const ionsim::input_error& e) {
    std::fprintf(stderr, "bench_network_scale: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_network_scale: %s\n", e.what());
    return 1;
  }
}
