#include "network/network.hpp"

#include <fmt/format.h>
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>

#include "core/archive.hpp"
#include "core/error.hpp"
#include "io/csv.hpp"
#include "network/memristive.hpp"
#include "network/read_noise.hpp"
#include "network/resources.hpp"

namespace ionsim::network {

namespace {

std::string list_names(const auto& items) {
  std::string out;
  for (const auto& x : items) out += fmt::format("{}{}", out.empty() ? "" : ", ", x.name);
  return out;
}

// The Poisson count of mean lambda (p0 = exp(-lambda)) whose CDF first exceeds u.
std::uint32_t poisson_invert(double u, double lambda, double p0) {
  double p = p0, s = p;
  std::uint32_t k = 0;
  while (u > s && k < 1000) {
    ++k;
    p *= lambda / k;
    s += p;
  }
  return k;
}

// A Poisson count from one uniform u, by inversion (lambda <= 30) or from a normal draw
// rounded to the nearest integer (lambda > 30, where its error is below the count's spread).
// p0 = exp(-lambda), computed once per stimulus.
std::uint32_t poisson_count(const philox& rng, std::uint64_t id, std::int64_t step, double lambda,
                            double p0) {
  const auto c = static_cast<std::uint64_t>(step);
  if (lambda > 30) {
    const double z = rng.normal_pair(rng_stream::poisson_input, id, c)[0];
    return static_cast<std::uint32_t>(
        std::max(0.0, std::floor(lambda + std::sqrt(lambda) * z + 0.5)));
  }
  return poisson_invert(rng.uniforms(rng_stream::poisson_input, id, c)[0], lambda, p0);
}

// Lane 0 of philox::uniforms(poisson_input, first_id + j, counter) for j < n (n <= 64), the
// same Philox4x32-10 rounds written over an array of ids so that the compiler vectorizes
// them (32x32 -> 64-bit lane multiplies), bit-identical to the scalar draw.
__attribute__((target_clones("avx512f", "avx2", "default"))) void poisson_uniforms(
    std::uint64_t seed, std::uint64_t first_id, std::uint64_t counter, std::size_t n,
    double* __restrict u) {
  const auto stream = static_cast<std::uint32_t>(rng_stream::poisson_input);
  const auto key0 = static_cast<std::uint32_t>(seed), key1 = static_cast<std::uint32_t>(seed >> 32);
#pragma omp simd
  for (std::size_t j = 0; j < n; ++j) {
    const std::uint64_t id = first_id + j;
    std::uint32_t c0 = static_cast<std::uint32_t>(counter);
    std::uint32_t c1 = static_cast<std::uint32_t>(counter >> 32);
    std::uint32_t c2 = static_cast<std::uint32_t>(id);
    std::uint32_t c3 = (static_cast<std::uint32_t>(id >> 32) & 0x00ffffffu) | (stream << 24);
    std::uint32_t k0 = key0, k1 = key1;
    for (int r = 0; r < 10; ++r) {
      const std::uint64_t p0 = static_cast<std::uint64_t>(c0) * 0xD2511F53u;
      const std::uint64_t p1 = static_cast<std::uint64_t>(c2) * 0xCD9E8D57u;
      const std::uint32_t n0 = static_cast<std::uint32_t>(p1 >> 32) ^ c1 ^ k0;
      const std::uint32_t n2 = static_cast<std::uint32_t>(p0 >> 32) ^ c3 ^ k1;
      c1 = static_cast<std::uint32_t>(p1);
      c3 = static_cast<std::uint32_t>(p0);
      c0 = n0;
      c2 = n2;
      k0 += 0x9E3779B9u;
      k1 += 0xBB67AE85u;
    }
    u[j] = (static_cast<double>(c0) + 0.5) * 0x1p-32;
  }
}

std::int64_t steps_of(double t, double dt) { return std::llround(t / dt); }

// A value of `d` for neuron `id`, from lane 0 of the neuron_init draw at `counter`.
double draw_value(const value_dist& d, const philox& rng, std::uint64_t id, std::uint64_t counter) {
  switch (d.k) {
    case value_dist::kind::constant:
      return d.a;
    case value_dist::kind::uniform:
      return d.a + (d.b - d.a) * rng.uniforms(rng_stream::neuron_init, id, counter)[0];
    case value_dist::kind::normal:
      return d.a + d.b * rng.normal_pair(rng_stream::neuron_init, id, counter)[0];
  }
  return d.a;
}

std::size_t find_pop(const network_spec& spec, const std::string& name, const std::string& at,
                     const char* what) {
  for (std::size_t p = 0; p < spec.populations.size(); ++p)
    if (spec.populations[p].name == name) return p;
  throw input_error(fmt::format("{}: {} '{}' is not a population (populations: {})", at, what, name,
                                list_names(spec.populations)));
}

std::size_t find_receptor(const neuron_model& m, const std::string& name, const std::string& at) {
  const auto rs = m.receptors();
  std::string known;
  for (std::size_t r = 0; r < rs.size(); ++r) {
    if (rs[r].name == name) return r;
    known += fmt::format("{}{}", known.empty() ? "" : ", ", rs[r].name);
  }
  throw input_error(fmt::format("{}: receptor '{}' is not one of model {}'s receptors ({})", at,
                                name, m.model_name(), known));
}

void check_neurons(const std::vector<std::size_t>& ids, const neuron_model& m,
                   const std::string& population, const std::string& at) {
  for (auto i : ids)
    if (i >= m.size())
      throw input_error(fmt::format("{}: neuron {} is not in population '{}' of {} neurons", at, i,
                                    population, m.size()));
}

const model_entry& find_model(const model_registry& models, const population_spec& ps) {
  const model_entry* m = models.find(ps.model);
  if (!m) {
    std::string known;
    for (const auto& n : models.names()) known += (known.empty() ? "" : ", ") + n;
    throw input_error(fmt::format("{}: unknown model '{}' (known: {})", ps.where, ps.model, known));
  }
  return *m;
}

// Per-neuron parameters: value of neuron i keyed by (seed, neuron_init, global index,
// 2^32 + the parameter's index), apart from the initial values' counters.
void set_param_dists(neuron_model& model, const population_spec& ps, std::uint32_t first,
                     const philox& rng) {
  const auto varying = model.per_neuron_parameters();
  for (const auto& pd : ps.param_dists) {
    std::size_t k = 0;
    while (k < varying.size() && varying[k].name != pd.variable) ++k;
    if (k == varying.size())
      throw input_error(fmt::format("{}: parameter '{}' of {} cannot vary from neuron to neuron",
                                    pd.where, pd.variable, ps.model));
    std::vector<double> values(ps.size);
    const std::uint64_t counter = (std::uint64_t{1} << 32) + k;
    for (std::size_t i = 0; i < ps.size; ++i)
      values[i] = draw_value(pd.value, rng, first + i, counter);
    model.set_per_neuron(pd.variable, values, pd.where);
  }
}

void set_initial_state(neuron_model& model, const population_spec& ps, std::uint32_t first,
                       const philox& rng) {
  const auto vars = model.state_variables();
  for (const auto& iv : ps.init) {
    std::size_t k = vars.size();
    std::string known;
    for (std::size_t v = 0; v < vars.size(); ++v) {
      if (vars[v].name == iv.variable) k = v;
      known += fmt::format("{}{}", known.empty() ? "" : ", ", vars[v].name);
    }
    if (k == vars.size())
      throw input_error(fmt::format("{}: '{}' is not a state variable of {} ({})", iv.where,
                                    iv.variable, ps.model, known));
    auto x = model.variable(k);
    for (std::size_t i = 0; i < x.size(); ++i) {
      const std::uint64_t id = first + i;
      switch (iv.value.k) {
        case value_dist::kind::constant:
          x[i] = iv.value.a;
          break;
        case value_dist::kind::uniform:
          x[i] = iv.value.a +
                 (iv.value.b - iv.value.a) * rng.uniforms(rng_stream::neuron_init, id, k)[0];
          break;
        case value_dist::kind::normal:
          x[i] = iv.value.a + iv.value.b * rng.normal_pair(rng_stream::neuron_init, id, k)[0];
          break;
      }
    }
  }
}

// `src`: the config file, for messages when the memristor keys name no file of their own.
void program_memristors(synapse_table& t, const projection_spec& js, const std::string& src,
                        std::uint32_t j, const philox& rng) {
  memristive_params m;
  const std::string msrc = js.memristor_source.empty() ? src : js.memristor_source;
  read_params(*js.memristor, memristive_fields(), m, msrc);
  memristive_check(m, fmt::format("{}: memristor", js.where));
  program_memristive(t, m, j, rng);
}

// spike_train: the (step, neuron) events of the file, sorted, for a population of `size`.
std::vector<std::pair<std::int64_t, std::uint32_t>> read_spike_train(const stimulus_spec& ss,
                                                                     std::size_t size, double dt) {
  std::vector<std::pair<std::int64_t, std::uint32_t>> events;
  const auto csv = read_csv(ss.file, {"time", "neuron"});
  const auto& tc = csv.column("time");
  const auto& nc = csv.column("neuron");
  for (std::size_t r = 0; r < csv.rows(); ++r) {
    const double i = nc[r];
    if (!(i >= 0) || i != std::floor(i) || i >= static_cast<double>(size))
      throw input_error(
          fmt::format("{}:{}: neuron = {:g} is not in population '{}' of {} "
                      "neurons",
                      ss.file, csv.line[r], i, ss.target, size));
    if (!(tc[r] >= 0) || !(tc[r] / dt < 1e15))
      throw input_error(
          fmt::format("{}:{}: time = {:g} s is not a time >= 0 within the "
                      "range of steps",
                      ss.file, csv.line[r], tc[r]));
    events.emplace_back(steps_of(tc[r], dt), static_cast<std::uint32_t>(i));
  }
  std::sort(events.begin(), events.end());
  return events;
}

// Rank 0's view of a projection built in parts: the elements of every rank's part (concatenated
// in rank order; rank r's row offsets are rows[r]) interleaved row by row into the whole
// table's order (rows are sorted by target, and ranks own increasing ranges of targets).
template <class T>
std::vector<T> interleave_parts(const std::vector<std::vector<std::uint64_t>>& rows,
                                const std::vector<T>& data) {
  std::vector<std::size_t> base(rows.size() + 1, 0);
  for (std::size_t r = 0; r < rows.size(); ++r) base[r + 1] = base[r] + rows[r].back();
  IONSIM_ASSERT(base.back() == data.size());
  std::vector<T> out;
  out.reserve(data.size());
  const std::size_t n_source = rows[0].size() - 1;
  for (std::size_t s = 0; s < n_source; ++s)
    for (std::size_t r = 0; r < rows.size(); ++r)
      out.insert(out.end(), data.begin() + static_cast<std::ptrdiff_t>(base[r] + rows[r][s]),
                 data.begin() + static_cast<std::ptrdiff_t>(base[r] + rows[r][s + 1]));
  return out;
}

}  // namespace

network::network(const network_spec& spec, const model_registry& models, const communicator& comm)
    : spec_(spec), comm_(&comm), rng_(spec.run.seed), threads_(std::max(1, spec.run.threads)) {
  const auto t0 = std::chrono::steady_clock::now();
  const double dt = spec.run.dt;
  const std::string& src = spec.source;
  if (!(dt > 0)) throw input_error(fmt::format("{}: dt must be positive", src));
  if (!(spec.run.duration >= 0)) throw input_error(fmt::format("{}: duration must be >= 0", src));
  n_steps_ = steps_of(spec.run.duration, dt);
  check_resources(spec, models, comm);  // before anything is allocated
  build_populations(spec, models);
  const auto ranks = static_cast<std::uint64_t>(comm.size()),
             me = static_cast<std::uint64_t>(comm.rank());
  own_lo_ = static_cast<std::uint32_t>(n_total_ * me / ranks);
  own_hi_ = static_cast<std::uint32_t>(n_total_ * (me + 1) / ranks);
  build_projections(spec);
  allocate_rings();
  build_stimuli(spec);
  build_recorders(spec);
  if (comm.distributed()) keep_whole_tables();
  spike_count_.assign(pops_.size(), 0);
  build_seconds_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void network::build_populations(const network_spec& spec, const model_registry& models) {
  std::uint64_t first = 0;
  for (std::size_t p = 0; p < spec.populations.size(); ++p) {
    const auto& ps = spec.populations[p];
    for (std::size_t q = 0; q < p; ++q)
      if (spec.populations[q].name == ps.name)
        throw input_error(fmt::format("{}: population '{}' is defined twice", ps.where, ps.name));
    const model_entry& m = find_model(models, ps);
    if (ps.size == 0) throw input_error(fmt::format("{}: size must be at least 1", ps.where));
    population_data pop;
    pop.model = m.make(ps.size, ps.params ? &*ps.params : nullptr,
                       ps.params_source.empty() ? spec.source : ps.params_source);
    pop.first = static_cast<std::uint32_t>(first);
    first += ps.size;
    if (first > 0xffffffffull)
      throw input_error(fmt::format("{}: more than 2^32 neurons in all", ps.where));
    set_param_dists(*pop.model, ps, pop.first, rng_);
    set_initial_state(*pop.model, ps, pop.first, rng_);
    pop.model->set_identity(spec.run.seed, pop.first);
    pop.model->prepare(spec.run.dt);
    pops_.push_back(std::move(pop));
  }
  n_total_ = first;
}

void network::build_projections(const network_spec& spec) {
  const double dt = spec.run.dt;
  out_projs_.resize(pops_.size());
  std::uint32_t min_delay = 0, max_delay = 1;
  for (std::size_t j = 0; j < spec.projections.size(); ++j) {
    const auto& js = spec.projections[j];
    projection_data pr;
    pr.source = find_pop(spec, js.source, js.where, "source");
    pr.target = find_pop(spec, js.target, js.where, "target");
    pr.receptor = find_receptor(*pops_[pr.target].model, js.receptor, js.where);
    // This rank's part: the synapses onto its own neurons of the target population
    const auto& tp = pops_[pr.target];
    const std::uint64_t t0 = tp.first, t1 = t0 + tp.model->size();
    const target_range mine{
        static_cast<std::uint32_t>(std::clamp<std::uint64_t>(own_lo_, t0, t1) - t0),
        static_cast<std::uint32_t>(std::clamp<std::uint64_t>(own_hi_, t0, t1) - t0)};
    if (js.built) {
      if (comm_->distributed() || js.built->sources() != pops_[pr.source].model->size())
        throw input_error(
            fmt::format("{}: a table built before is used only in one process, with its {} sources",
                        js.where, js.built->sources()));
      pr.table = *js.built;
    } else {
      pr.table = build_synapses(js, static_cast<std::uint32_t>(j), pops_[pr.source].model->size(),
                                tp.model->size(), dt, rng_, threads_,
                                comm_->distributed() ? &mine : nullptr);
      if (js.memristor)
        program_memristors(pr.table, js, spec.source, static_cast<std::uint32_t>(j), rng_);
    }
    // The epoch and the ring are the whole projection's: over the ranks' parts (a part without
    // synapses says nothing, unless the whole projection has none).
    std::uint64_t lo = pr.table.min_delay(), hi = pr.table.max_delay();
    if (comm_->distributed()) {
      const bool whole_empty = comm_->sum(pr.table.size()) == 0;
      const bool silent = pr.table.size() == 0 && !whole_empty;
      lo = comm_->min(silent ? std::numeric_limits<std::uint64_t>::max() : lo);
      hi = comm_->max(silent ? 0 : hi);
    }
    min_delay = min_delay == 0 ? static_cast<std::uint32_t>(lo)
                               : std::min(min_delay, static_cast<std::uint32_t>(lo));
    max_delay = std::max(max_delay, static_cast<std::uint32_t>(hi));
    if (js.plasticity) {
      const auto& ps = *js.plasticity;
      if (js.memristor)
        throw input_error(fmt::format(
            "{}: a projection of memristive synapses cannot take an abstract plasticity rule",
            ps.where));
      pr.plastic = std::make_unique<plastic_projection>(
          ps, pr.table, pops_[pr.target].model->size(), dt, static_cast<std::size_t>(threads_),
          spec.run.seed, static_cast<std::uint32_t>(j));
      keep_ = std::max<std::int64_t>(keep_, pr.table.uniform_delay);
      if (pr.plastic->rewarded()) {
        pr.modulator = find_pop(spec, ps.modulator, ps.where, "modulator");
        const auto dm = delay_steps(ps.modulator_delay, dt, ps.where + ": modulator_delay");
        pr.modulator_delay = dm;
        min_delay = std::min(min_delay, dm);
        keep_ = std::max<std::int64_t>(keep_, dm);
      }
      plastic_in_.resize(pops_.size());
      plastic_in_[pr.target].push_back(j);
    }
    out_projs_[pr.source].push_back(j);
    projs_.push_back(std::move(pr));
  }
  // Without projections the epoch only sets how often recordings and signals are handled.
  epoch_ = min_delay > 0 ? min_delay : std::max<std::int64_t>(1, steps_of(10e-3, dt));
  ring_ = max_delay;
}

void network::allocate_rings() {
  for (auto& pop : pops_) {
    pop.ring.resize(pop.model->receptors().size());
    for (auto& r : pop.ring) r.assign(static_cast<std::size_t>(ring_) * pop.model->size(), 0.0);
  }
}

void network::build_stimuli(const network_spec& spec) {
  for (const auto& ss : spec.stimuli) stims_.push_back(make_stimulus(spec, ss));
}

network::stimulus network::make_stimulus(const network_spec& spec, const stimulus_spec& ss) {
  const double dt = spec.run.dt;
  stimulus st;
  st.kind = ss.kind;
  st.population = find_pop(spec, ss.target, ss.where, "target");
  auto& pop = pops_[st.population];
  check_neurons(ss.neurons, *pop.model, spec.populations[st.population].name, ss.where);
  st.neurons.assign(ss.neurons.begin(), ss.neurons.end());
  std::sort(st.neurons.begin(), st.neurons.end());
  st.neurons.erase(std::unique(st.neurons.begin(), st.neurons.end()), st.neurons.end());
  st.start = steps_of(ss.start, dt);
  st.stop = ss.stop < 0 ? n_steps_ : steps_of(ss.stop, dt);
  if (st.stop < st.start)
    throw input_error(
        fmt::format("{}: stop = {:g} s is before start = {:g} s", ss.where, ss.stop, ss.start));
  switch (ss.kind) {
    case stimulus_kind::poisson:
      st.receptor = find_receptor(*pop.model, ss.receptor, ss.where);
      st.lambda = ss.rate * static_cast<double>(ss.sources) * dt;
      st.p0 = std::exp(-st.lambda);
      st.weight = ss.weight;
      break;
    case stimulus_kind::pulse:
      st.width = steps_of(ss.width, dt);
      st.period = steps_of(ss.period, dt);
      st.count = ss.count;
      if (st.width < 1 || st.period < st.width)
        throw input_error(fmt::format(
            "{}: width = {:g} s and period = {:g} s must be at least one step dt = {:g} s "
            "and width <= period",
            ss.where, ss.width, ss.period, dt));
      [[fallthrough]];
    case stimulus_kind::dc:
      st.amplitude = ss.amplitude;
      if (pop.drive.empty()) pop.drive.assign(pop.model->size(), 0.0);
      break;
    case stimulus_kind::spike_train:
      st.receptor = find_receptor(*pop.model, ss.receptor, ss.where);
      st.weight = ss.weight;
      st.events = read_spike_train(ss, pop.model->size(), dt);
      break;
  }
  return st;
}

// State probes here; spikes and rates are counted by the sink.
void network::build_recorders(const network_spec& spec) {
  for (const auto& rs : spec.recorders) {
    if (rs.kind == recorder_kind::state) {
      state_probe pr;
      if (rs.populations.size() != 1)
        throw input_error(fmt::format("{}: a state recorder needs one population", rs.where));
      pr.population = find_pop(spec, rs.populations[0], rs.where, "population");
      auto& m = *pops_[pr.population].model;
      const auto vars = m.state_variables();
      for (const auto& name : rs.variables) {
        std::size_t k = vars.size();
        for (std::size_t v = 0; v < vars.size(); ++v)
          if (vars[v].name == name) k = v;
        if (k == vars.size())
          throw input_error(fmt::format("{}: '{}' is not a state variable of {}", rs.where, name,
                                        m.model_name()));
        pr.variables.push_back(k);
        m.watch(k);
      }
      check_neurons(rs.neurons, m, spec.populations[pr.population].name, rs.where);
      pr.neurons = rs.neurons;
      pr.interval = steps_of(rs.interval, spec.run.dt);
      if (pr.interval < 1)
        throw input_error(fmt::format("{}: interval must be at least one step dt", rs.where));
      probes_.push_back(std::move(pr));
    } else if (rs.kind == recorder_kind::weights) {
      weight_probe wp;
      wp.projection = spec.projections.size();
      for (std::size_t j = 0; j < spec.projections.size(); ++j)
        if (spec.projections[j].name == rs.projection) wp.projection = j;
      if (wp.projection == spec.projections.size())
        throw input_error(fmt::format("{}: no projection is named '{}'", rs.where, rs.projection));
      if (spec.projections[wp.projection].procedural)
        throw input_error(fmt::format(
            "{}: projection '{}' is procedural: its weights are drawn when used, not kept to be "
            "recorded",
            rs.where, rs.projection));
      wp.interval = rs.interval > 0 ? std::max<std::int64_t>(1, steps_of(rs.interval, spec.run.dt))
                                    : std::max<std::int64_t>(1, n_steps_);
      weight_probes_.push_back(wp);
    } else {
      for (const auto& name : rs.populations) find_pop(spec, name, rs.where, "population");
    }
  }
}

network::~network() = default;

std::uint64_t network::synapses() const {
  std::uint64_t n = 0;
  for (const auto& p : projs_) n += p.table.size();  // stored
  return n;
}

std::uint64_t network::synapse_bytes() const {
  std::uint64_t n = 0;
  for (std::size_t j = 0; j < projs_.size(); ++j) n += projection_bytes(j);
  return n;
}

std::uint64_t network::projection_bytes(std::size_t j) const {
  const auto& p = projs_[j];
  return p.table.bytes() + (p.plastic ? p.plastic->bytes() : 0);
}

run_result network::run_more(std::int64_t steps, epoch_sink& sink, const std::atomic<bool>* stop,
                             const std::function<void(std::int64_t)>& on_epoch) {
  n_steps_ = done_ + steps;
  return run(sink, stop, on_epoch);
}

void neuron_model::checkpoint(archive& a) {
  const auto vars = state_variables();
  for (std::size_t k = 0; k < vars.size(); ++k) {
    const auto v = variable(k);
    a.io_span(vars[k].name, v.data(), v.size());
  }
}

void network::checkpoint(archive& a) {
  if (comm_->distributed())
    throw input_error("checkpoints are written by runs in one process (not with MPI ranks)");
  a.scope("run");
  // identity: what a network built from another description would differ in first
  std::uint64_t seed = spec_.run.seed, neurons = n_total_, projections = projs_.size();
  double dt = spec_.run.dt;
  std::int64_t steps = n_steps_;
  const std::uint64_t seed0 = seed, neurons0 = neurons, projections0 = projections;
  const double dt0 = dt;
  a.io("seed", seed);
  a.io("dt", dt);
  a.io("neurons", neurons);
  a.io("projections", projections);
  a.io("steps", steps);
  if (a.loading() &&
      (seed != seed0 || dt != dt0 || neurons != neurons0 || projections != projections0))
    throw input_error(fmt::format(
        "{}: written by another network (seed {}, dt {:g} s, {} neurons, {} projections; this "
        "one: seed {}, dt {:g} s, {} neurons, {} projections)",
        a.where(), seed, dt, neurons, projections, seed0, dt0, neurons0, projections0));
  if (a.loading()) n_steps_ = std::max(n_steps_, steps);  // run_more may have extended it
  a.io("done", done_);
  if (a.loading() && !(done_ >= 0 && done_ <= n_steps_))
    throw input_error(
        fmt::format("{}: step {} is beyond the run's {} steps", a.where(), done_, n_steps_));
  a.io("spike_count", spike_count_);
  a.io("history", history_, true);
  for (std::size_t p = 0; p < pops_.size(); ++p) {
    a.scope("population/" + spec_.populations[p].name);
    pops_[p].model->checkpoint(a);
    for (std::size_t r = 0; r < pops_[p].ring.size(); ++r)
      a.io("ring" + std::to_string(r), pops_[p].ring[r]);
    a.io("drive", pops_[p].drive);  // dc and pulse stimuli add to it where they switch
  }
  for (std::size_t j = 0; j < projs_.size(); ++j) {
    if (!projs_[j].plastic) continue;
    a.scope("projection/" + projection_name(j));
    a.io("weight", projs_[j].table.weight);
    projs_[j].plastic->checkpoint(a);
  }
  for (std::size_t k = 0; k < weight_probes_.size(); ++k) {
    a.scope("weights_recorder" + std::to_string(k));
    a.io("next", weight_probes_[k].next);
    a.io("last", weight_probes_[k].last);
  }
  a.scope("");
}

void network::set_drive(std::size_t p, std::span<const double> values) {
  auto& pop = pops_.at(p);
  if (values.size() != pop.model->size())
    throw input_error(fmt::format("population '{}': {} drive values for {} neurons",
                                  spec_.populations[p].name, values.size(), pop.model->size()));
  pop.drive.assign(values.begin(), values.end());
}

void network::set_learning(bool on) {
  for (auto& pr : projs_)
    if (pr.plastic) pr.plastic->freeze(!on);
  for (auto& pop : pops_) pop.model->set_adaptation(on);
}

void network::normalize_incoming(std::size_t j, double total, bool l2) {
  auto& t = projs_[j].table;
  if (t.procedural)
    throw input_error(fmt::format("{}: a procedural projection has no stored weights to normalize",
                                  projection_name(j)));
  const std::size_t n_target = pops_[projs_[j].target].model->size();
  std::vector<double> sum(n_target, 0.0);
  for (std::uint64_t q = 0; q < t.size(); ++q) {
    const double w = t.weight[q];
    sum[t.target[q]] += l2 ? w * w : w;
  }
  for (auto& s : sum) s = s > 0 ? total / (l2 ? std::sqrt(s) : s) : 1.0;
  for (std::uint64_t q = 0; q < t.size(); ++q)
    t.weight[q] = static_cast<float>(t.weight[q] * sum[t.target[q]]);
  if (projs_[j].plastic) projs_[j].plastic->weights_set(t);
}

std::string network::projection_name(std::size_t j) const {
  const auto& name = spec_.projections[j].name;
  return name.empty() ? fmt::format("projection{}", j) : name;
}

void network::spikes_at(std::size_t p, std::int64_t n, std::vector<std::uint32_t>& out) const {
  out.clear();
  const std::uint32_t first = pops_[p].first;
  const auto last = static_cast<std::uint32_t>(first + pops_[p].model->size());
  auto it = std::lower_bound(history_.begin(), history_.end(), spike{n, first},
                             [](const spike& a, const spike& b) {
                               return a.step != b.step ? a.step < b.step : a.id < b.id;
                             });
  for (; it != history_.end() && it->step == n && it->id < last; ++it)
    out.push_back(it->id - first);
}

void network::plastic_arrivals(std::size_t t, std::size_t p, std::int64_t n, std::uint32_t f,
                               std::uint32_t l, std::span<double* const> rec) {
  if (plastic_in_.empty()) return;
  auto& arriving = scratch_[t].arriving;
  for (const std::size_t j : plastic_in_[p]) {
    auto& pr = projs_[j];
    spikes_at(pr.source, n - pr.table.uniform_delay, arriving);
    if (!arriving.empty()) pr.plastic->arrive(t, n, pr.table, arriving, f, l, rec[pr.receptor]);
  }
}

void network::plastic_after(std::size_t t, std::size_t p, std::int64_t n, std::int64_t s0,
                            std::uint32_t f, std::uint32_t l,
                            std::span<const std::uint32_t> local) {
  if (plastic_in_.empty()) return;
  for (const std::size_t j : plastic_in_[p]) {
    auto& pr = projs_[j];
    if (!local.empty()) pr.plastic->post(t, n, pr.table, local);
    if (pr.plastic->rewarded())
      pr.plastic->end_step(pr.table, f, l, pr.d[static_cast<std::size_t>(n - s0)]);
  }
}

void network::snapshot_weights(epoch_sink& sink, bool last) {
  for (std::size_t k = 0; k < weight_probes_.size(); ++k) {
    auto& wp = weight_probes_[k];
    if (wp.last == done_ || (done_ < wp.next && !last)) continue;
    gather_weights(wp.projection);
    sink.weights(k, done_, recorded_projection(wp.projection).weight);
    wp.last = done_;
    wp.next = (done_ / wp.interval + 1) * wp.interval;
  }
}

void network::step_block(std::size_t t, std::int64_t s0, std::int64_t s1) {
  const std::uint32_t a = bounds_[t], b = bounds_[t + 1];
  auto& out = thread_spikes_[t];
  out.clear();
  auto& local = scratch_[t].local;
  auto& rec = scratch_[t].rec;
  for (std::int64_t n = s0; n < s1; ++n) {
    const std::size_t slot = static_cast<std::size_t>(n % ring_);
    for (std::size_t p = 0; p < pops_.size(); ++p) {
      auto& pop = pops_[p];
      const std::size_t size = pop.model->size();
      if (b <= pop.first || a >= pop.first + size) continue;
      const std::size_t f = std::max(a, pop.first) - pop.first;
      const std::size_t l = std::min<std::uint64_t>(b, pop.first + size) - pop.first;
      rec.clear();
      for (auto& r : pop.ring) rec.push_back(r.data() + slot * size);

      for (std::size_t k = 0; k < stims_.size(); ++k) {
        const auto& st = stims_[k];
        if (st.population != p) continue;
        auto each = [&](auto&& fn) {
          if (st.neurons.empty()) {
            for (std::size_t i = f; i < l; ++i) fn(i);
          } else {
            auto it = std::lower_bound(st.neurons.begin(), st.neurons.end(), f);
            for (; it != st.neurons.end() && *it < l; ++it) fn(*it);
          }
        };
        switch (st.kind) {
          case stimulus_kind::poisson:
            if (n >= st.start && n < st.stop && st.lambda > 0) {
              double* x = rec[st.receptor];
              const std::uint64_t base = static_cast<std::uint64_t>(k) << 32;
              if (st.neurons.empty() && st.lambda <= 30) {
                // The uniforms of 64 neurons at once; most counts are 0 (u <= p0).
                double u[64];
                for (std::size_t i0 = f; i0 < l; i0 += 64) {
                  const std::size_t m = std::min<std::size_t>(64, l - i0);
                  poisson_uniforms(spec_.run.seed, base | i0, static_cast<std::uint64_t>(n), m, u);
                  for (std::size_t j = 0; j < m; ++j)
                    if (u[j] > st.p0)
                      x[i0 + j] += poisson_invert(u[j], st.lambda, st.p0) * st.weight;
                }
              } else {
                each([&](std::size_t i) {
                  const auto c = poisson_count(rng_, base | i, n, st.lambda, st.p0);
                  if (c) x[i] += c * st.weight;
                });
              }
            }
            break;
          case stimulus_kind::pulse: {
            // On in [start + m period, start + m period + width) for m < count, before stop;
            // the drive changes where that switches.
            auto on = [&](std::int64_t q) {
              if (q < st.start || q >= st.stop) return false;
              const std::int64_t r = q - st.start;
              return r % st.period < st.width && (st.count < 0 || r / st.period < st.count);
            };
            const bool now = on(n), before = on(n - 1);
            if (now && !before) each([&](std::size_t i) { pop.drive[i] += st.amplitude; });
            if (!now && before) each([&](std::size_t i) { pop.drive[i] -= st.amplitude; });
            break;
          }
          case stimulus_kind::dc:
            if (n == st.start && st.start < st.stop)
              each([&](std::size_t i) { pop.drive[i] += st.amplitude; });
            if (n == st.stop && st.start < st.stop)
              each([&](std::size_t i) { pop.drive[i] -= st.amplitude; });
            break;
          case stimulus_kind::spike_train: {
            double* x = rec[st.receptor];
            auto it = std::lower_bound(st.events.begin(), st.events.end(),
                                       std::pair<std::int64_t, std::uint32_t>(n, 0));
            for (; it != st.events.end() && it->first == n; ++it)
              if (it->second >= f && it->second < l) x[it->second] += st.weight;
            break;
          }
        }
      }

      plastic_arrivals(t, p, n, static_cast<std::uint32_t>(f), static_cast<std::uint32_t>(l), rec);

      for (std::size_t r = 0; r < probes_.size(); ++r) {
        const auto& pr = probes_[r];
        if (pr.population != p || n % pr.interval != 0) continue;
        const std::int64_t first_sample = (s0 + pr.interval - 1) / pr.interval * pr.interval;
        const std::size_t row = static_cast<std::size_t>((n - first_sample) / pr.interval);
        const std::size_t cols = pr.variables.size() * pr.neurons.size();
        double* dst = probe_values_[r].data() + row * cols;
        for (std::size_t v = 0; v < pr.variables.size(); ++v) {
          const auto x = pop.model->variable(pr.variables[v]);
          for (std::size_t c = 0; c < pr.neurons.size(); ++c) {
            const auto i = pr.neurons[c];
            if (i >= f && i < l) dst[v * pr.neurons.size() + c] = x[i];
          }
        }
      }

      step_input in;
      in.step = n;
      in.receptor = rec;
      in.drive = pop.drive.empty() ? nullptr : pop.drive.data();
      local.clear();
      pop.model->advance(in, f, l, local);
      for (auto i : local) out.push_back({n, pop.first + i, pop.model->spike_offset(i)});
      plastic_after(t, p, n, s0, static_cast<std::uint32_t>(f), static_cast<std::uint32_t>(l),
                    local);
    }
  }
}

namespace {

// The spikes of steps [s0, s1) of `lists`, each ordered by (step, neuron) and each holding a
// range of neurons above the previous list's (threads' blocks, ranks' ranges), merged into
// (step, neuron) order.
void merge_by_step(std::span<const std::span<const spike>> lists, std::int64_t s0, std::int64_t s1,
                   std::vector<spike>& out) {
  out.clear();
  std::vector<std::size_t> cur(lists.size(), 0);
  for (std::int64_t n = s0; n < s1; ++n)
    for (std::size_t u = 0; u < lists.size(); ++u)
      for (const auto& list = lists[u]; cur[u] < list.size() && list[cur[u]].step == n; ++cur[u])
        out.push_back(list[cur[u]]);
}

}  // namespace

void network::exchange_spikes(std::int64_t s0, std::int64_t s1) {
  std::vector<std::span<const spike>> lists(thread_spikes_.begin(), thread_spikes_.end());
  if (!comm_->distributed()) return merge_by_step(lists, s0, s1, epoch_spikes_);
  std::vector<spike> mine;
  merge_by_step(lists, s0, s1, mine);
  std::vector<std::size_t> counts;
  halt_ = stop_ && stop_->load(std::memory_order_relaxed);  // travels with the counts
  const auto t0 = std::chrono::steady_clock::now();
  const auto all = comm_->allgather(std::span<const spike>(mine), &counts, &halt_);
  exchange_seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  exchange_bytes_ += all.size() * sizeof(spike);
  lists.clear();
  std::size_t at = 0;
  for (const std::size_t c : counts) {
    lists.emplace_back(all.data() + at, c);
    at += c;
  }
  merge_by_step(lists, s0, s1, epoch_spikes_);
}

void network::deliver_drawn(std::size_t t, std::size_t j, std::size_t s, std::int64_t n,
                            std::uint32_t lo, std::uint32_t hi) {
  const auto& pr = projs_[j];
  const auto& tb = pr.table;
  auto& row = scratch_[t].row;
  draw_row_of(tb, s, lo, hi, row);
  auto& tp = pops_[pr.target];
  const std::size_t size = tp.model->size();
  double* ring = tp.ring[pr.receptor].data();
  const double sd = tb.read_noise;
  auto& z = scratch_[t].z;
  if (sd > 0) {
    z.resize(row.target.size());
    read_normals(rng_, static_cast<std::uint32_t>(j), row.first, n, z.size(), z.data());
  }
  for (std::size_t k = 0; k < row.target.size(); ++k) {
    const std::uint64_t q = row.first + k;  // in the whole table
    const float w = tb.programmed ? tb.programmed->weight(row.weight[k], q) : row.weight[k];
    const std::int64_t d = row.delay.empty() ? tb.uniform_delay : row.delay[k];
    double& x = ring[static_cast<std::size_t>((n + d) % ring_) * size + row.target[k]];
    x += read_out(sd > 0 ? w * (1.0 + sd * z[k]) : w, tb.read_step, tb.read_full);
  }
}

int network::owner(std::uint32_t id) const {
  const auto ranks = static_cast<std::uint64_t>(comm_->size());
  for (std::uint64_t r = 0; r + 1 < ranks; ++r)
    if (id < n_total_ * (r + 1) / ranks) return static_cast<int>(r);
  return static_cast<int>(ranks - 1);
}

void network::gather_probes() {
  // All probes of the epoch in one exchange: every rank's buffers have the same size
  std::vector<double> mine;
  std::vector<std::size_t> at;
  for (std::size_t r = 0; r < probes_.size(); ++r) {
    at.push_back(mine.size());
    mine.insert(mine.end(), probe_values_[r].begin(), probe_values_[r].end());
  }
  if (mine.empty()) return;
  const auto gathered = comm_->gather_equal(std::span<const double>(mine));
  if (comm_->rank() != 0) return;
  for (std::size_t r = 0; r < probes_.size(); ++r) {
    if (probe_steps_[r].empty()) continue;
    auto& v = probe_values_[r];
    const auto& pr = probes_[r];
    const std::size_t nn = pr.neurons.size(), cols = pr.variables.size() * nn;
    for (std::size_t c = 0; c < nn; ++c) {
      const auto o = static_cast<std::size_t>(
          owner(pops_[pr.population].first + static_cast<std::uint32_t>(pr.neurons[c])));
      if (o == 0) continue;
      for (std::size_t row = 0; row < probe_steps_[r].size(); ++row)
        for (std::size_t k = 0; k < pr.variables.size(); ++k) {
          const std::size_t i = row * cols + k * nn + c;
          v[i] = gathered[o * mine.size() + at[r] + i];
        }
    }
  }
}

const synapse_table& network::recorded_projection(std::size_t j) const {
  if (comm_->distributed() && comm_->rank() == 0) {
    const auto it = whole_.find(j);
    IONSIM_ASSERT(it != whole_.end());
    return it->second.table;
  }
  return projs_[j].table;
}

void network::keep_whole_tables() {
  const auto ranks = static_cast<std::size_t>(comm_->size());
  std::vector<std::size_t> recorded;
  for (const auto& wp : weight_probes_) recorded.push_back(wp.projection);
  for (std::size_t j = 0; j < projs_.size(); ++j)
    if (projs_[j].plastic) recorded.push_back(j);
  std::sort(recorded.begin(), recorded.end());
  recorded.erase(std::unique(recorded.begin(), recorded.end()), recorded.end());
  for (const std::size_t j : recorded) {
    const auto& t = projs_[j].table;
    const auto rows = comm_->gather(std::span<const std::uint64_t>(t.row));
    const auto target = comm_->gather(std::span<const std::uint32_t>(t.target));
    const auto delay = comm_->gather(std::span<const std::uint16_t>(t.delay));
    if (comm_->rank() != 0) continue;
    whole_table& w = whole_[j];
    const std::size_t stride = t.row.size();
    for (std::size_t r = 0; r < ranks; ++r)
      w.rows.emplace_back(rows.begin() + static_cast<std::ptrdiff_t>(r * stride),
                          rows.begin() + static_cast<std::ptrdiff_t>((r + 1) * stride));
    w.table.uniform_delay = t.uniform_delay;
    w.table.memristive = t.memristive;
    w.table.read_noise = t.read_noise;
    w.table.read_step = t.read_step;
    w.table.read_full = t.read_full;
    w.table.target = interleave_parts(w.rows, target);
    if (!delay.empty() || !t.delay.empty()) w.table.delay = interleave_parts(w.rows, delay);
    w.table.row.assign(stride, 0);
    for (std::size_t s = 0; s + 1 < stride; ++s) {
      std::uint64_t len = 0;
      for (const auto& rr : w.rows) len += rr[s + 1] - rr[s];
      w.table.row[s + 1] = w.table.row[s] + len;
    }
    w.table.weight.resize(w.table.target.size());
  }
  for (const std::size_t j : recorded) gather_weights(j);
}

void network::gather_weights(std::size_t j) {
  if (!comm_->distributed()) return;
  const auto w = comm_->gather(std::span<const float>(projs_[j].table.weight));
  if (comm_->rank() == 0) whole_.at(j).table.weight = interleave_parts(whole_.at(j).rows, w);
}

void network::deliver_block(std::size_t t) {
  const std::uint32_t a = bounds_[t], b = bounds_[t + 1];
  for (const auto& sp : epoch_spikes_) {
    const std::int64_t n = sp.step;
    const std::uint32_t id = sp.id;
    std::size_t p = 0;
    while (p + 1 < pops_.size() && pops_[p + 1].first <= id) ++p;
    const std::size_t s = id - pops_[p].first;
    for (const std::size_t j : out_projs_[p]) {
      const auto& pr = projs_[j];
      if (pr.plastic) continue;  // delivered when the spike arrives (step_block)
      auto& tp = pops_[pr.target];
      const std::size_t size = tp.model->size();
      if (b <= tp.first || a >= tp.first + size) continue;
      const std::uint32_t lo = std::max(a, tp.first) - tp.first;
      const std::uint32_t hi =
          static_cast<std::uint32_t>(std::min<std::uint64_t>(b, tp.first + size) - tp.first);
      const auto& tb = pr.table;
      if (tb.procedural) {  // the row drawn again: its part in this block
        deliver_drawn(t, j, s, n, lo, hi);
        continue;
      }
      const std::uint32_t* tg = tb.target.data();
      std::uint64_t q = tb.row[s];
      const std::uint64_t q1 = tb.row[s + 1];
      if (lo > 0) q = static_cast<std::uint64_t>(std::lower_bound(tg + q, tg + q1, lo) - tg);
      double* ring = tp.ring[pr.receptor].data();
      if (tb.read_noise > 0 || tb.read_step > 0) {  // memristive reads: noise, read-out
        const double sd = tb.read_noise;
        const std::uint64_t qe =
            hi >= size ? q1
                       : static_cast<std::uint64_t>(std::lower_bound(tg + q, tg + q1, hi) - tg);
        auto& z = scratch_[t].z;
        if (sd > 0) {
          z.resize(qe - q);
          read_normals(rng_, static_cast<std::uint32_t>(j), tb.global_index(s, q), n, z.size(),
                       z.data());
        }
        for (std::size_t k = 0; q < qe; ++q, ++k) {
          const std::int64_t d = tb.delay.empty() ? tb.uniform_delay : tb.delay[q];
          const double w = tb.weight[q];
          ring[static_cast<std::size_t>((n + d) % ring_) * size + tg[q]] +=
              read_out(sd > 0 ? w * (1.0 + sd * z[k]) : w, tb.read_step, tb.read_full);
        }
      } else if (tb.delay.empty()) {
        double* x = ring + static_cast<std::size_t>((n + tb.uniform_delay) % ring_) * size;
        for (; q < q1 && tg[q] < hi; ++q) x[tg[q]] += tb.weight[q];
      } else {
        for (; q < q1 && tg[q] < hi; ++q)
          ring[static_cast<std::size_t>((n + tb.delay[q]) % ring_) * size + tg[q]] += tb.weight[q];
      }
    }
  }
}

run_result network::run(epoch_sink& sink, const std::atomic<bool>* stop,
                        const std::function<void(std::int64_t)>& on_epoch) {
  const auto t0 = std::chrono::steady_clock::now();
  const int nt = threads_;
  stop_ = stop;
  exchange_seconds_ = 0;
  exchange_bytes_ = 0;
  bounds_.assign(static_cast<std::size_t>(nt) + 1, 0);
  const std::uint64_t owned = own_hi_ - own_lo_;
  for (int t = 0; t <= nt; ++t)
    bounds_[static_cast<std::size_t>(t)] = static_cast<std::uint32_t>(
        own_lo_ + owned * static_cast<std::uint64_t>(t) / static_cast<std::uint64_t>(nt));
  thread_spikes_.assign(static_cast<std::size_t>(nt), {});
  scratch_.assign(static_cast<std::size_t>(nt), {});
  probe_values_.assign(probes_.size(), {});
  probe_steps_.assign(probes_.size(), {});
  run_result res;

  snapshot_weights(sink, n_steps_ == done_);
  std::vector<std::uint32_t> arriving, counts;
  while (done_ < n_steps_) {
    const std::int64_t s0 = done_, s1 = std::min(done_ + epoch_, n_steps_);
    for (auto& pr : projs_) {  // the modulators' values over the epoch, known in advance
      if (!pr.plastic || !pr.plastic->rewarded()) continue;
      counts.clear();
      for (std::int64_t n = s0; n < s1; ++n) {
        spikes_at(pr.modulator, n - pr.modulator_delay, arriving);
        counts.push_back(static_cast<std::uint32_t>(arriving.size()));
      }
      pr.plastic->modulator_steps(counts, pr.d);
    }
    for (std::size_t r = 0; r < probes_.size(); ++r) {
      const auto iv = probes_[r].interval;
      probe_steps_[r].clear();
      for (std::int64_t n = (s0 + iv - 1) / iv * iv; n < s1; n += iv) probe_steps_[r].push_back(n);
      probe_values_[r].assign(
          probe_steps_[r].size() * probes_[r].variables.size() * probes_[r].neurons.size(), 0.0);
    }
    if (nt == 1) {
      step_block(0, s0, s1);
      exchange_spikes(s0, s1);
      deliver_block(0);
    } else {
#pragma omp parallel num_threads(nt)
      {
        const int me = omp_get_thread_num(), team = omp_get_num_threads();
        for (int t = me; t < nt; t += team) step_block(static_cast<std::size_t>(t), s0, s1);
#pragma omp barrier
#pragma omp master
        exchange_spikes(s0, s1);  // the thread that makes MPI calls
#pragma omp barrier
        for (int t = me; t < nt; t += team) deliver_block(static_cast<std::size_t>(t));
      }
    }
    for (const auto& sp : epoch_spikes_) {
      std::size_t p = 0;
      while (p + 1 < pops_.size() && pops_[p + 1].first <= sp.id) ++p;
      ++spike_count_[p];
    }
    sink.spikes(s0, s1, epoch_spikes_);
    if (keep_ > 0) {
      history_.insert(history_.end(), epoch_spikes_.begin(), epoch_spikes_.end());
      const auto old_end =
          std::lower_bound(history_.begin(), history_.end(), s1 - keep_,
                           [](const spike& a, std::int64_t step) { return a.step < step; });
      history_.erase(history_.begin(), old_end);
    }
    if (comm_->distributed()) gather_probes();
    for (std::size_t r = 0; r < probes_.size(); ++r)
      if (!probe_steps_[r].empty()) sink.samples(r, probe_steps_[r], probe_values_[r]);
    done_ = s1;
    snapshot_weights(sink, done_ == n_steps_);
    if (on_epoch) on_epoch(done_);
    // Distributed, every rank stops at the same epoch: the one where any rank saw the request
    const bool halt = comm_->distributed() ? halt_ : stop && stop->load(std::memory_order_relaxed);
    if (halt && done_ < n_steps_) {
      res.interrupted = true;
      break;
    }
  }
  res.steps_done = done_;
  res.spike_count = spike_count_;
  res.exchange_seconds = exchange_seconds_;
  res.exchange_bytes = exchange_bytes_;
  res.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return res;
}

}  // namespace ionsim::network
