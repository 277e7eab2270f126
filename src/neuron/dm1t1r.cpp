#include "neuron/dm1t1r.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>

#include "core/error.hpp"
#include "core/simd.hpp"
#include "neuron/gate_kernel.hpp"

namespace ionsim::detail {
bool gate_steps(const double* v_in, const double* g_d, const double* g_c, double c_g, double dt,
                double* node, double* mean, std::size_t n) {
  switch (best_simd_isa()) {
    case simd_isa::avx512:
      gate_steps_avx512bw(v_in, g_d, g_c, c_g, dt, node, mean, n);
      return true;
    case simd_isa::avx2:
      gate_steps_avx2(v_in, g_d, g_c, c_g, dt, node, mean, n);
      return true;
    case simd_isa::sse2:
      break;
  }
  return false;
}

bool gate_steps_relaxing(const gate_relaxing_batch& s) {
  switch (best_simd_isa()) {
    case simd_isa::avx512:
      gate_steps_relaxing_avx512bw(s);
      return true;
    case simd_isa::avx2:
      gate_steps_relaxing_avx2(s);
      return true;
    case simd_isa::sse2:
      break;
  }
  return false;
}
}  // namespace ionsim::detail

namespace ionsim::neuron {

namespace {

double table_value(const toml::table& t, const char* key, double def, const std::string& where,
                   bool zero_ok = false) {
  const toml::node* n = t.get(key);
  if (!n) return def;
  const auto v = n->value<double>();
  if (!v || !(zero_ok ? *v >= 0 : *v > 0) || !std::isfinite(*v))
    throw input_error(fmt::format("{}: [circuit] {} must be a {} number", where, key,
                                  zero_ok ? "non-negative" : "positive"));
  return *v;
}

}  // namespace

neuron_circuit neuron_from_preset(const std::string& preset) {
  neuron_circuit n;
  // A file (a fitted neuron) or a built-in preset.
  const bool file = names_a_config_file(preset);
  n.memristor = load_preset_or_file(preset);
  const auto where = file ? preset : fmt::format("preset '{}'", preset);
  const toml::table* c = n.memristor.extra["circuit"].as_table();
  if (!c) throw input_error(fmt::format("{}: no [circuit] table: not a neuron preset", where));
  for (auto&& entry : *c) {
    static const char* known[] = {"c_g", "r_c", "r_l", "v_dd", "vto", "kp", "c_l"};
    const std::string_view key = entry.first.str();
    if (std::find_if(std::begin(known), std::end(known), [&](const char* k) { return key == k; }) ==
        std::end(known))
      throw input_error(
          fmt::format("{}: unknown [circuit] key '{}' (known: c_g, r_c, r_l, v_dd, "
                      "vto, kp, c_l)",
                      where, key));
  }
  n.c_g = table_value(*c, "c_g", n.c_g, where);
  n.r_c = table_value(*c, "r_c", n.r_c, where);
  n.r_l = table_value(*c, "r_l", n.r_l, where);
  n.v_dd = table_value(*c, "v_dd", n.v_dd, where);
  n.vto = table_value(*c, "vto", n.vto, where);
  n.kp = table_value(*c, "kp", n.kp, where);
  n.c_l = table_value(*c, "c_l", 0.0, where, true);
  set_spike_levels(n);
  return n;
}

double output_current(const neuron_circuit& n, double v_g, double* v_drain) {
  const double vov = v_g - n.vto;
  double i = 0;
  if (vov > 0) {
    const double i_sat = 0.5 * n.kp * vov * vov;
    if (n.v_dd - i_sat * n.r_l >= vov) {
      i = i_sat;
    } else {
      // Triode: i = kp (vov v_D - v_D²/2) with v_D = v_dd - i r_l; the smaller root.
      const double g = 1.0 / n.r_l, bb = n.kp * vov + g;
      const double vd = (bb - std::sqrt(std::max(0.0, bb * bb - 2 * n.kp * n.v_dd * g))) / n.kp;
      i = (n.v_dd - vd) * g;
    }
  }
  if (v_drain) *v_drain = n.v_dd - i * n.r_l;
  return i;
}

std::vector<trial> run_ensemble(const neuron_circuit& n, const pulse_input& in, int trials,
                                const ensemble_options& o) {
  if (trials < 1) throw input_error("an ensemble needs at least one trial");
  if (!(o.t_end > 0)) throw input_error("the run length must be positive");
  const gate_circuit circuit(n);
  dm1t1r_batch(n.memristor, circuit, 0, o.seed);  // checks the neuron before the parallel region
  const double dt = o.dt > 0 ? o.dt : config_dt(n.memristor);
  const auto steps = [dt](double t) { return std::llround(t / dt); };
  const std::int64_t n_steps = std::max<std::int64_t>(1, steps(o.t_end));
  const std::int64_t k_start = steps(in.start), k_width = steps(in.width),
                     k_period = steps(in.period), k_tail = n_steps - steps(o.window);
  if ((in.width > 0 && k_width < 1) || (in.period > 0 && k_period < 1))
    throw input_error(
        fmt::format("pulse width {:g} s and period {:g} s must be at least one "
                    "step ({:g} s)",
                    in.width, in.period, dt));
  const auto level = [&](std::int64_t k) {
    const std::int64_t r = k - k_start;
    if (r < 0) return 0.0;
    if (k_period <= 0) return k_width <= 0 || r < k_width ? in.amplitude : 0.0;
    if (in.count >= 0 && r / k_period >= in.count) return 0.0;
    return k_width <= 0 || r % k_period < k_width ? in.amplitude : 0.0;
  };
  std::vector<trial> out(static_cast<std::size_t>(trials));
  const philox var(o.seed);
  constexpr int block = 32;
  const int n_blocks = (trials + block - 1) / block;
  int done = 0;
#pragma omp parallel for schedule(dynamic)
  for (int b = 0; b < n_blocks; ++b) {
    const int first = b * block, size = std::min(block, trials - first);
    const auto sz = static_cast<std::size_t>(size);
    dm1t1r_batch pop(n.memristor, circuit, sz, o.seed, static_cast<std::uint64_t>(first), dt);
    for (std::size_t i = 0; i < sz; ++i) {
      if (o.r_c > 0) pop.set_g_node(i, 1.0 / o.r_c);
      if (o.d2d > 0) {
        const double z = var.normal_pair(rng_stream::device_variation, first + i, 0)[0];
        pop.set_drift_scale(i, lognormal_factor(o.d2d, z));
      }
    }
    std::vector<double> v(sz);
    std::vector<int> running(sz, 1);
    int n_running = size;
    std::int64_t k = 0;
    for (; k < n_steps && n_running > 0; ++k) {
      std::fill(v.begin(), v.end(), level(k));
      pop.advance(k, v);
      const double t = static_cast<double>(k + 1) * dt;
      for (std::size_t i = 0; i < sz; ++i) {
        if (!running[i]) continue;
        trial& tr = out[static_cast<std::size_t>(first) + i];
        if (pop.switched_on(i)) tr.switch_on.push_back(t);
        if (k >= k_tail && pop.node(i) >= n.v_spike) tr.time_high_tail += dt;
        if (pop.spiked(i)) {
          tr.spikes.push_back(t);
          if (o.stop_after_spikes > 0 &&
              static_cast<int>(tr.spikes.size()) >= o.stop_after_spikes) {
            running[i] = 0;
            --n_running;
            tr.t_end = t;
            tr.energy_input = pop.energy_input(i);
            tr.energy_supply = pop.energy_supply(i);
          }
        }
      }
    }
    for (std::size_t i = 0; i < sz; ++i)
      if (running[i]) {
        trial& tr = out[static_cast<std::size_t>(first) + i];
        tr.t_end = static_cast<double>(k) * dt;
        tr.energy_input = pop.energy_input(i);
        tr.energy_supply = pop.energy_supply(i);
      }
    if (o.on_trials_done) {
#pragma omp critical(ionsim_ensemble_progress)
      {
        done += size;
        o.on_trials_done(done);
      }
    }
  }
  return out;
}

}  // namespace ionsim::neuron
