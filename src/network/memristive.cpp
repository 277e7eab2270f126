#include "network/memristive.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>

#include "core/error.hpp"
#include "core/simd.hpp"
#include "network/read_noise.hpp"

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
      {"adc_bits", "1", &P::adc_bits, 0, 24, false,
       "bits of the column's read-out of each read, over one device's full scale (0: analog)"},
      {"r_wire", "Ohm", &P::r_wire, 0, inf, false,
       "line resistance per cell (IR drop: each row read alone, ladder model)"},
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
  if (m.adc_bits != std::floor(m.adc_bits))
    throw input_error(
        fmt::format("{}: adc_bits = {:g} must be a whole number (0: analog)", source, m.adc_bits));
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

void crossbar_ir_drop(std::vector<double>& g, const synapse_table& t, double r_wire) {
  if (r_wire <= 0 || t.size() == 0) return;
  const std::size_t m = t.sources();
  std::size_t cols = 0;
  for (std::uint32_t k : t.target) cols = std::max<std::size_t>(cols, k + std::size_t{1});
  // The columns' synapses in row order (a transposed index).
  std::vector<std::uint64_t> start(cols + 1, 0), entry(t.size());
  for (std::uint32_t k : t.target) ++start[k + 1];
  for (std::size_t k = 0; k < cols; ++k) start[k + 1] += start[k];
  std::vector<std::size_t> row_of(t.size());
  {
    std::vector<std::uint64_t> fill(start.begin(), start.end() - 1);
    for (std::size_t s = 0; s < m; ++s)
      for (auto q = t.row[s]; q < t.row[s + 1]; ++q) {
        entry[fill[t.target[q]]++] = q;
        row_of[q] = s;
      }
  }
  const auto inv = [](double y) { return y > 0 ? 1 / y : INFINITY; };
  // Per synapse: the admittance of its column line at its node (up and down) and the fraction
  // of the current entering there that reaches the integrator.
  std::vector<double> y_col(t.size()), reach(t.size());
  for (std::size_t k = 0; k < cols; ++k) {
    const auto e0 = start[k], e1 = start[k + 1];
    if (e0 == e1) continue;
    const std::size_t n = e1 - e0;
    std::vector<double> above(n), below(n);
    for (std::size_t j = 0; j < n; ++j) {  // from row 0 down: the idle devices above
      if (j == 0) {
        above[j] = 0;
      } else {
        const double y_at = g[entry[e0 + j - 1]] + above[j - 1];
        const double seg =
            r_wire * static_cast<double>(row_of[entry[e0 + j]] - row_of[entry[e0 + j - 1]]);
        above[j] = 1 / (seg + inv(y_at));
      }
    }
    double pass = 1;  // share of the current below entry j that reaches the integrator
    for (std::size_t j = n; j-- > 0;) {
      const std::size_t i = row_of[entry[e0 + j]];
      if (j + 1 == n) {
        below[j] = 1 / (r_wire * static_cast<double>(m - i));
      } else {
        const double g1 = g[entry[e0 + j + 1]];
        const double y_node = g1 + below[j + 1];
        below[j] = 1 / (r_wire * static_cast<double>(row_of[entry[e0 + j + 1]] - i) + 1 / y_node);
        pass *= below[j + 1] / y_node;
      }
      const auto q = entry[e0 + j];
      y_col[q] = above[j] + below[j];
      reach[q] = below[j] / y_col[q] * pass;
    }
  }
  // Each row's line as a ladder: node k at its k-th device, -a_k u_{k-1} + (a_k + a_{k+1} +
  // y_k) u_k - a_{k+1} u_{k+1} = 0 with a_k the conductance of the segments before node k, y_k
  // the device in series with its column line, u_{-1} = 1 (the drive); Thomas' algorithm.
  std::vector<double> a, y, c, d;
  for (std::size_t s = 0; s < m; ++s) {
    const auto q0 = t.row[s];
    const std::size_t n = t.row[s + 1] - q0;
    if (n == 0) continue;
    a.assign(n + 1, 0.0);
    y.resize(n);
    c.resize(n);
    d.resize(n);
    for (std::size_t k = 0; k < n; ++k) {
      const auto q = q0 + k;
      const double segments =
          k == 0 ? t.target[q] + 1.0 : static_cast<double>(t.target[q] - t.target[q - 1]);
      a[k] = 1 / (r_wire * std::max(segments, 1.0));
      y[k] = g[q] > 0 ? 1 / (1 / g[q] + 1 / y_col[q]) : 0.0;
    }
    for (std::size_t k = 0; k < n; ++k) {
      const double diag = a[k] + a[k + 1] + y[k] - (k == 0 ? 0.0 : a[k] * c[k - 1]);
      c[k] = a[k + 1] / diag;
      d[k] = (k == 0 ? a[0] : a[k] * d[k - 1]) / diag;
    }
    double u = 0;
    for (std::size_t k = n; k-- > 0;) {
      u = d[k] + c[k] * u;
      g[q0 + k] = y[k] * u * reach[q0 + k];
    }
  }
}

void program_memristive(synapse_table& t, const memristive_params& m, std::uint32_t projection,
                        const philox& rng) {
  // synapse_key packs the projection above bit 40 of a 56-bit id.
  if (projection >= (1u << 16) || t.count() >= (std::uint64_t{1} << 40))
    throw input_error(
        fmt::format("memristive projection {}: at most 65536 projections of 2^40 "
                    "synapses each",
                    projection));
  const double scale = m.sign * m.v_read * m.t_read / m.c_f;
  const memristive_reads reads{m, programming_rng(m, rng), scale, projection};
  t.read_noise = static_cast<float>(m.read_noise);
  t.read_full = static_cast<float>(std::fabs(scale) * m.g_max);
  t.read_step = m.adc_bits > 0
                    ? static_cast<float>(std::fabs(scale) * m.g_max / (std::exp2(m.adc_bits) - 1))
                    : 0.0f;
  t.memristive = true;
  if (t.procedural) {  // programmed as each row is drawn
    if (m.r_wire > 0)
      throw input_error(fmt::format(
          "memristive projection {}: r_wire (the crossbar's IR drop) needs the stored crossbar; "
          "it cannot be procedural",
          projection));
    t.programmed = std::make_shared<memristive_reads>(reads);
    return;
  }
  if (m.r_wire > 0 && !t.global.empty())
    throw input_error(fmt::format(
        "memristive projection {}: r_wire (the crossbar's IR drop) needs the whole crossbar in "
        "one process; run it without MPI ranks",
        projection));
  const auto n_rows = static_cast<std::int64_t>(t.sources());
  std::vector<double> g(t.size());
#pragma omp parallel for schedule(dynamic, 256) if (t.size() > 100000)
  for (std::int64_t s = 0; s < n_rows; ++s) {
    const auto r = static_cast<std::size_t>(s);
    for (auto q = t.row[r]; q < t.row[r + 1]; ++q)
      g[q] = reads.conductance(t.weight[q], t.global_index(r, q));
  }
  crossbar_ir_drop(g, t, m.r_wire);  // the lines' IR drop (none without r_wire)
  for (std::size_t q = 0; q < t.size(); ++q) t.weight[q] = static_cast<float>(scale * g[q]);
}

void read_normals(const philox& rng, std::uint32_t projection, std::uint64_t q0, std::int64_t n,
                  std::size_t count, double* z) {
  const auto counter = static_cast<std::uint64_t>(n);
  switch (best_simd_isa()) {
    case simd_isa::avx512:
      return detail::read_normals_avx512bw(rng.seed(), projection, q0, counter, count, z);
    case simd_isa::avx2:
      return detail::read_normals_avx2(rng.seed(), projection, q0, counter, count, z);
    case simd_isa::sse2:
      break;
  }
  for (std::size_t k = 0; k < count; ++k) {
    const std::uint64_t q = q0 + k;
    z[k] = rng.normals(rng_stream::synapse_read, synapse_key(projection, q / 4), counter)[q % 4];
  }
}

}  // namespace ionsim::network
