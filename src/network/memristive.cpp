#include "network/memristive.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>

#include "core/error.hpp"

namespace ionsim::network {

std::span<const param_field<memristive_params>> memristive_fields() {
  using P = memristive_params;
  static const param_field<P> f[] = {
      {"g_min", "S", &P::g_min, 0, inf, false, "lowest programmable conductance"},
      {"g_max", "S", &P::g_max, 0, inf, true, "highest programmable conductance"},
      {"levels", "1", &P::levels, 0, 1e6, false, "programmable levels (0: continuous)"},
      {"d2d", "1", &P::d2d, 0, 1, false, "device-to-device relative spread of G (lognormal)"},
      {"read_noise", "1", &P::read_noise, 0, 1, false, "relative std of each read"},
      {"v_read", "V", &P::v_read, 0, inf, true, "read pulse amplitude"},
      {"t_read", "s", &P::t_read, 0, inf, true, "read pulse width"},
      {"c_f", "F", &P::c_f, 0, inf, true, "feedback capacitor of the target's input integrator"},
      {"sign", "1", &P::sign, -1, 1, false,
       "+1, or -1 for the minus column of a differential pair (its charge subtracted)"},
      {"prog_noise", "1", &P::prog_noise, 0, 1, false,
       "programming error's standard deviation, a fraction of g_max"},
      {"stuck_off", "1", &P::stuck_off, 0, 1, false, "fraction of devices stuck at g_min"},
      {"stuck_on", "1", &P::stuck_on, 0, 1, false, "fraction of devices stuck at g_max"},
      {"drift_nu", "1", &P::drift_nu, 0, 1, false, "mean exponent of the drift G (t / t0)^-nu"},
      {"drift_nu_std", "1", &P::drift_nu_std, 0, 1, false,
       "device-to-device standard deviation of the drift exponent"},
      {"drift_time", "s", &P::drift_time, 0, inf, false, "time from programming to the reads"},
      {"drift_t0", "s", &P::drift_t0, 0, inf, true, "reference time of the drift law"},
      {"program_seed", "1", &P::program_seed, -1, 9007199254740992.0, false,
       "key of the programmed state (programming noise, D2D, faults, drift); -1: the run's "
       "seed"},
  };
  return f;
}

void memristive_check(const memristive_params& m, const std::string& source) {
  validate_params<memristive_params>(m, memristive_fields(), source);
  if (!(m.g_max > m.g_min))
    throw input_error(
        fmt::format("{}: g_max ({:g} S) must exceed g_min ({:g} S)", source, m.g_max, m.g_min));
  if (m.levels != std::floor(m.levels) || m.levels == 1)
    throw input_error(fmt::format("{}: levels = {:g} must be 0 (continuous) or an integer >= 2",
                                  source, m.levels));
  if (m.sign != 1 && m.sign != -1)
    throw input_error(fmt::format("{}: sign = {:g} must be 1 or -1", source, m.sign));
  if (m.stuck_off + m.stuck_on > 1)
    throw input_error(
        fmt::format("{}: stuck_off + stuck_on = {:g} exceeds 1", source, m.stuck_off + m.stuck_on));
  if (m.program_seed != std::floor(m.program_seed))
    throw input_error(
        fmt::format("{}: program_seed = {:g} must be an integer", source, m.program_seed));
}

// The programmed state's random numbers: the chip of program_seed, or the run's.
static philox programming_rng(const memristive_params& m, const philox& run_rng) {
  return m.program_seed < 0 ? run_rng : philox(static_cast<std::uint64_t>(m.program_seed));
}

double program_conductance(const memristive_params& m, double g, std::uint64_t id,
                           const philox& rng) {
  g = std::clamp(g, m.g_min, m.g_max);
  if (m.levels >= 2) {
    const double step = (m.g_max - m.g_min) / (m.levels - 1);
    g = m.g_min + std::round((g - m.g_min) / step) * step;
  }
  // one draw of four normals and one of four uniforms per device: each effect its own number
  const bool any_normal = m.prog_noise > 0 || m.d2d > 0 || m.drift_nu_std > 0;
  const auto z =
      any_normal ? rng.normals(rng_stream::synapse_variation, id, 0) : std::array<double, 4>{};
  if (m.prog_noise > 0) g = std::max(g + m.prog_noise * m.g_max * z[1], 0.0);
  if (m.d2d > 0) g *= lognormal_factor(m.d2d, z[0]);
  if (m.stuck_off > 0 || m.stuck_on > 0) {
    const double u = rng.uniforms(rng_stream::synapse_variation, id, 1)[0];
    if (u < m.stuck_off) return m.g_min;
    if (u < m.stuck_off + m.stuck_on) return m.g_max;
  }
  if (m.drift_time > m.drift_t0) {
    const double nu = m.drift_nu + m.drift_nu_std * z[2];
    g *= std::pow(m.drift_time / m.drift_t0, -nu);
  }
  return g;
}

void program_memristive(synapse_table& t, const memristive_params& m, std::uint32_t projection,
                        const philox& rng) {
  // synapse_key packs the projection above bit 40 of a 56-bit id.
  if (projection >= (1u << 16) || t.size() >= (std::uint64_t{1} << 40))
    throw input_error(
        fmt::format("memristive projection {}: at most 65536 projections of 2^40 "
                    "synapses each",
                    projection));
  const double scale = m.sign * m.v_read * m.t_read / m.c_f;
  const philox program = programming_rng(m, rng);
  const auto n = static_cast<std::int64_t>(t.size());
#pragma omp parallel for schedule(static) if (n > 100000)
  for (std::int64_t q = 0; q < n; ++q) {
    const auto u = static_cast<std::size_t>(q);
    t.weight[u] = static_cast<float>(
        scale * program_conductance(m, t.weight[u], synapse_key(projection, u), program));
  }
  t.read_noise = static_cast<float>(m.read_noise);
  t.memristive = true;
}

}  // namespace ionsim::network
