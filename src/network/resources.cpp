#include "network/resources.hpp"

#include <fmt/format.h>
#include <sys/statvfs.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

#include "core/error.hpp"
#include "io/hdf5.hpp"
#include "network/network.hpp"

namespace ionsim::network {

namespace {

const population_spec* population_named(const network_spec& spec, const std::string& name) {
  for (const auto& p : spec.populations)
    if (p.name == name) return &p;
  return nullptr;
}

// The largest value a distribution gives (a uniform's upper bound, a normal's mean + 6 sd).
double largest(const value_dist& d) {
  switch (d.k) {
    case value_dist::kind::uniform:
      return d.b;
    case value_dist::kind::normal:
      return d.a + 6 * d.b;
    default:
      return d.a;
  }
}

std::string gigabytes(double bytes) {
  return bytes >= 1e9   ? fmt::format("{:.1f} GB", bytes / 1e9)
         : bytes >= 1e6 ? fmt::format("{:.1f} MB", bytes / 1e6)
                        : fmt::format("{:.0f} kB", bytes / 1e3);
}

// The three largest parts of an estimate, with their sizes, for a refusal's message.
std::string largest_parts(const memory_estimate& e) {
  std::string parts;
  for (std::size_t k = 0; k < std::min<std::size_t>(3, e.parts.size()); ++k)
    parts += fmt::format("{}{} {}", k ? ", " : "", e.parts[k].first, gigabytes(e.parts[k].second));
  return parts;
}

// A number from a file of one value ("max" or bytes), or -1.
double read_number(const std::string& path) {
  std::ifstream in(path);
  std::string s;
  if (!(in >> s) || s == "max") return -1;
  try {
    return std::stod(s);
  } catch (...) {
    return -1;
  }
}

}  // namespace

namespace {

// The entries of a from_file projection's list, without reading it: the length of an HDF5
// file's `source` dataset, or the lines of a CSV file after its header; 0 when it cannot be
// read (building the network then reports why).
double list_length(const std::string& file) {
  const auto ext = std::filesystem::path(file).extension().string();
  try {
    if (ext == ".h5" || ext == ".hdf5") {
      const auto dims = read_h5_dims(file, "source");
      return dims.empty() ? 0.0 : static_cast<double>(dims[0]);
    }
  } catch (const input_error&) {
    return 0;
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) return 0;
  double lines = 0;
  std::string line;
  while (std::getline(in, line))
    if (line.find_first_not_of(" \t\r") != std::string::npos) lines += 1;
  return std::max(0.0, lines - 1);
}

}  // namespace

memory_estimate estimate_memory(const network_spec& spec, const model_registry& models, int ranks) {
  memory_estimate e;
  const double share = 1.0 / std::max(1, ranks);
  const double dt = spec.run.dt;
  // The longest delay onto each population, in steps.
  std::vector<double> longest(spec.populations.size(), 1.0);
  for (std::size_t j = 0; j < spec.projections.size(); ++j) {
    const auto& pr = spec.projections[j];
    const auto* src = population_named(spec, pr.source);
    const auto* tgt = population_named(spec, pr.target);
    if (!src || !tgt) continue;  // the build names the missing population
    const auto t = static_cast<std::size_t>(tgt - spec.populations.data());
    longest[t] = std::max(longest[t], std::round(largest(pr.delay) / dt));
    const double ns = static_cast<double>(src->size), nt = static_cast<double>(tgt->size);
    double n = 0;
    switch (pr.rule) {
      case connect_rule::all_to_all:
        n = ns * nt;
        break;
      case connect_rule::one_to_one:
        n = std::min(ns, nt);
        break;
      case connect_rule::fixed_probability:
        n = pr.p * ns * nt;
        break;
      case connect_rule::fixed_indegree:
        n = static_cast<double>(pr.degree) * nt;
        break;
      case connect_rule::fixed_outdegree:
        n = static_cast<double>(pr.degree) * ns;
        break;
      case connect_rule::from_file:
        n = pr.file.empty() ? static_cast<double>(pr.list_source.size()) : list_length(pr.file);
        break;
    }
    double per = 8 + (pr.delay.is_constant() ? 0 : 2);
    if (pr.plasticity) per += pr.plasticity->kind == plasticity_spec::rule::reward_stdp ? 20 : 4;
    const std::string name = pr.name.empty() ? fmt::format("projection{}", j) : pr.name;
    if (pr.procedural)  // nothing per synapse: the whole rows' offsets on every rank
      e.parts.emplace_back(fmt::format("projection '{}' ({:.3g} synapses, procedural)", name, n),
                           8 * (ns + 1));
    else
      e.parts.emplace_back(fmt::format("projection '{}' ({:.3g} synapses)", name, n * share),
                           n * share * per + 8 * (ns + 1) * (ranks > 1 ? 2 : 1));
  }
  for (std::size_t p = 0; p < spec.populations.size(); ++p) {
    const auto& ps = spec.populations[p];
    const model_entry* m = models.find(ps.model);
    if (!m || ps.size == 0) continue;  // the build names these
    // A model of one neuron tells its variables and receptors.
    const toml::table* params = ps.params ? &*ps.params : nullptr;
    std::size_t vars = 4, receptors = 2;
    try {
      const auto one = m->make(1, params, ps.params_source);
      vars = one->state_variables().size();
      receptors = one->receptors().size();
    } catch (const input_error&) {
      // a bad parameter: the build reports it
    }
    const double n = static_cast<double>(ps.size);
    // Each state variable, a few per-neuron work arrays, and a device's own state.
    const double per = 8.0 * static_cast<double>(vars + 4) + (m->device_backed ? 8.0 * 24 : 0.0);
    e.parts.emplace_back(fmt::format("population '{}' ({:.3g} neurons)", ps.name, n),
                         n * per + n * static_cast<double>(receptors) * (longest[p] + 1) * 8);
  }
  std::sort(e.parts.begin(), e.parts.end(),
            [](const auto& a, const auto& b) { return a.second > b.second; });
  for (const auto& [what, bytes] : e.parts) e.total += bytes;
  return e;
}

double memory_available(std::string* source) {
  double best = std::numeric_limits<double>::infinity();
  std::string from = "unknown";
  std::ifstream meminfo("/proc/meminfo");
  for (std::string line; std::getline(meminfo, line);) {
    if (line.rfind("MemAvailable:", 0) != 0) continue;
    std::istringstream in(line.substr(13));
    double kb = 0;
    if (in >> kb) {
      best = kb * 1024;
      from = "MemAvailable";
    }
  }
  // cgroup v2, then v1.
  for (const auto& [limit, usage] :
       {std::pair{"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"},
        std::pair{"/sys/fs/cgroup/memory/memory.limit_in_bytes",
                  "/sys/fs/cgroup/memory/memory.usage_in_bytes"}}) {
    const double l = read_number(limit), u = read_number(usage);
    if (l > 0 && l < 1e18 && u >= 0 && l - u < best) {
      best = std::max(0.0, l - u);
      from = "the cgroup's memory limit";
    }
  }
  if (source) *source = from;
  return best;
}

void check_resources(const network_spec& spec, const model_registry& models,
                     const communicator& comm) {
  double neurons = 0;
  for (const auto& p : spec.populations) neurons += static_cast<double>(p.size);
  if (neurons > 4294967295.0)
    throw input_error(fmt::format(
        "{}: {:.4g} neurons in all, beyond the 2^32 - 1 that the engine's 32-bit neuron index "
        "counts",
        spec.source, neurons));
  const memory_estimate e = estimate_memory(spec, models, comm.size());
  std::string source = "--max-memory";
  const double limit = spec.run.max_memory > 0 ? spec.run.max_memory : memory_available(&source);
  // The ranks on this machine take its memory together
  const double local = comm.local_size();
  if (!comm.any(local * e.total > limit)) return;
  const std::string parts = largest_parts(e);
  const std::string who = !comm.distributed() ? "the network needs"
                          : local > 1
                              ? fmt::format("each of the {:g} ranks on this machine needs", local)
                              : "each rank needs";
  throw input_error(
      fmt::format("{}: {} about {} ({}), more than the {} available ({}); make it smaller{}",
                  spec.source, who, gigabytes(e.total), parts, gigabytes(limit / local), source,
                  spec.run.max_memory > 0 ? " or raise --max-memory" : ""));
}

memory_estimate estimate_recording(const network& net) {
  memory_estimate e;
  const double steps = static_cast<double>(net.total_steps());
  for (std::size_t r = 0; r < net.probes().size(); ++r) {
    const auto& pr = net.probes()[r];
    const double samples = std::ceil(steps / static_cast<double>(pr.interval));
    e.parts.emplace_back(
        fmt::format("state of '{}' ({:.3g} samples x {} neurons x {} variables)",
                    net.population_name(pr.population), samples, pr.neurons.size(),
                    pr.variables.size()),
        samples * (8.0 * static_cast<double>(pr.neurons.size() * pr.variables.size()) + 8.0));
  }
  for (std::size_t k = 0; k < net.weight_probes(); ++k) {
    const std::size_t j = net.weight_probe_projection(k);
    const double snapshots =
        std::floor(steps / static_cast<double>(net.weight_probe_interval(k))) + 2;
    const double synapses = static_cast<double>(net.projection(j).size());
    e.parts.emplace_back(fmt::format("weights of '{}' ({:.3g} snapshots x {:.3g} synapses)",
                                     net.projection_name(j), snapshots, synapses),
                         snapshots * (4.0 * synapses + 8.0) + 8.0 * synapses);
  }
  for (const auto& rs : net.spec().recorders) {
    if (rs.kind != recorder_kind::rate) continue;
    const double bins = std::ceil(steps * net.spec().run.dt / rs.bin) + 1;
    const double pops =
        static_cast<double>(rs.populations.empty() ? net.populations() : rs.populations.size());
    e.parts.emplace_back(fmt::format("rates ({:.3g} bins)", bins), bins * (8.0 * pops + 8.0));
  }
  for (const auto& [what, bytes] : e.parts) e.total += bytes;
  std::sort(e.parts.begin(), e.parts.end(),
            [](const auto& a, const auto& b) { return a.second > b.second; });
  return e;
}

double disk_available(const std::string& path) {
  std::filesystem::path p = std::filesystem::absolute(path);
  std::error_code ec;
  while (!std::filesystem::exists(p, ec) && p.has_parent_path() && p != p.parent_path())
    p = p.parent_path();
  struct statvfs st {};
  if (::statvfs(p.c_str(), &st) != 0) return std::numeric_limits<double>::infinity();
  return static_cast<double>(st.f_bavail) * static_cast<double>(st.f_frsize);
}

void check_disk(const network& net, const std::string& dir) {
  const memory_estimate e = estimate_recording(net);
  const double free = disk_available(dir);
  if (e.total <= free) return;
  const std::string parts = largest_parts(e);
  throw input_error(fmt::format(
      "{}: the recording needs about {} ({}; spikes not counted), more than the {} free where "
      "{} is written; record fewer neurons or variables, or at longer intervals",
      net.spec().source, gigabytes(e.total), parts, gigabytes(free), dir));
}

}  // namespace ionsim::network
