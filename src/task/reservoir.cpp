#include "task/reservoir.hpp"

#include <fmt/format.h>

#include <Eigen/Eigenvalues>
#include <algorithm>
#include <cmath>

#include "core/error.hpp"
#include "core/random.hpp"
#include "network/model.hpp"
#include "network/network.hpp"
#include "network/spec.hpp"

namespace ionsim::task {

namespace {

// Advances `steps` steps holding v and returns the energy the sources deliver, sum over devices
// of v * I dt, with the currents at the ends of `parts` equal parts of the interval (the
// right-hand Riemann sum; the device's state, hence its features, do not depend on the split).
double advance_counting_energy(device_model& dev, std::int64_t step, int steps, double dt,
                               const std::vector<double>& v, std::vector<double>& current,
                               std::vector<double>& conductance, int parts) {
  double e = 0;
  parts = std::clamp(parts, 1, steps);
  for (int p = 0; p < parts; ++p) {
    const int a = static_cast<int>(static_cast<std::int64_t>(steps) * p / parts);
    const int b = static_cast<int>(static_cast<std::int64_t>(steps) * (p + 1) / parts);
    dev.advance(step + a, b - a, dt, v, current, conductance);
    double power = 0;
    for (std::size_t i = 0; i < v.size(); ++i) power += v[i] * current[i];
    e += power * (b - a) * dt;
  }
  return e;
}

}  // namespace

Eigen::MatrixXd esn_states(const std::vector<double>& u, const esn_settings& s) {
  if (s.size == 0 || !(s.spectral_radius > 0) || !(s.leak > 0 && s.leak <= 1) ||
      !(s.density > 0 && s.density <= 1))
    throw input_error(
        "echo-state network: size > 0, spectral radius > 0, leak and density in "
        "(0, 1] are needed");
  const auto n = static_cast<Eigen::Index>(s.size);
  const philox rng(s.seed);
  Eigen::MatrixXd w = Eigen::MatrixXd::Zero(n, n);
  Eigen::MatrixXd w_in(n, 2);
  for (Eigen::Index i = 0; i < n; ++i) {
    for (Eigen::Index j = 0; j < n; j += 2) {
      const auto z = rng.normals(rng_stream::task_weights, static_cast<std::uint64_t>(i),
                                 static_cast<std::uint64_t>(j / 2));
      const auto keep = rng.uniforms(rng_stream::task_weights, static_cast<std::uint64_t>(i),
                                     (std::uint64_t{1} << 40) + static_cast<std::uint64_t>(j / 2));
      for (Eigen::Index k = 0; k < 2 && j + k < n; ++k)
        if (keep[static_cast<std::size_t>(k)] < s.density)
          w(i, j + k) = z[static_cast<std::size_t>(k)];
    }
    const auto v = rng.uniforms(rng_stream::task_weights, static_cast<std::uint64_t>(i),
                                std::uint64_t{1} << 41);
    w_in(i, 0) = s.input_scaling * (2 * v[0] - 1);
    w_in(i, 1) = s.input_scaling * (2 * v[1] - 1);
  }
  const double radius = w.eigenvalues().cwiseAbs().maxCoeff();
  if (radius > 0) w *= s.spectral_radius / radius;
  Eigen::MatrixXd states(static_cast<Eigen::Index>(u.size()), n);
  Eigen::VectorXd x = Eigen::VectorXd::Zero(n);
  for (std::size_t t = 0; t < u.size(); ++t) {
    const Eigen::VectorXd pre = w * x + w_in.col(0) + w_in.col(1) * u[t];
    x = (1 - s.leak) * x + s.leak * pre.array().tanh().matrix();
    states.row(static_cast<Eigen::Index>(t)) = x.transpose();
  }
  return states;
}

Eigen::MatrixXd device_reservoir_states(const std::vector<double>& u,
                                        const device_reservoir_settings& s, double* energy_out) {
  if (s.devices == 0 || s.mask_steps < 1 || !(s.pulse > 0) || !(s.v_max >= s.v_min) ||
      s.input_delays < 1)
    throw input_error(
        "device reservoir: devices > 0, mask_steps >= 1, pulse > 0, v_max >= v_min and "
        "input_delays >= 1 are needed");
  auto dev = make_device(s.device, s.devices, s.seed, 0);
  const double dt = dev->default_dt();
  const int steps = std::max(1, static_cast<int>(std::lround(s.pulse / dt)));
  const philox rng(s.seed);
  // x = offset + mask u per virtual node
  std::vector<double> mask(s.devices * static_cast<std::size_t>(s.mask_steps));
  std::vector<double> offset(mask.size(), 0.0);
  std::vector<std::size_t> delay(mask.size(), 0);  // in samples
  for (std::size_t k = 0; k < mask.size(); ++k) {
    const auto r = rng.uniforms(rng_stream::task_weights, k, std::uint64_t{1} << 42);
    if (s.input_delays > 1)
      delay[k] = std::min(static_cast<std::size_t>(r[2] * s.input_delays),
                          static_cast<std::size_t>(s.input_delays - 1));
    if (s.affine) {
      offset[k] = r[0];
      mask[k] = r[1] - r[0];
    } else {
      mask[k] = 0.2 + 0.8 * r[0];
    }
  }
  const auto nd = static_cast<Eigen::Index>(s.devices);
  Eigen::MatrixXd features(static_cast<Eigen::Index>(u.size()), nd * s.mask_steps);
  std::vector<double> v(s.devices), current(s.devices), conductance(s.devices);
  std::int64_t step = 0;
  double energy = 0;
  for (std::size_t t = 0; t < u.size(); ++t) {
    if (!(u[t] >= 0 && u[t] <= 1))
      throw input_error(
          fmt::format("device reservoir: input {:g} at sample {} is outside [0, 1]", u[t], t));
    for (int m = 0; m < s.mask_steps; ++m) {
      for (std::size_t i = 0; i < s.devices; ++i) {
        const std::size_t k =
            i * static_cast<std::size_t>(s.mask_steps) + static_cast<std::size_t>(m);
        const double in = t >= delay[k] ? u[t - delay[k]] : 0.0;
        v[i] = s.affine ? s.v_min + (s.v_max - s.v_min) * (offset[k] + mask[k] * in)
                        : s.v_min + (s.v_max - s.v_min) * in * mask[k];
      }
      energy +=
          advance_counting_energy(*dev, step, steps, dt, v, current, conductance, s.energy_parts);
      step += steps;
      for (std::size_t i = 0; i < s.devices; ++i) {
        const auto col = static_cast<Eigen::Index>(i) * s.mask_steps + m;
        double g = std::max(conductance[i], 1e-30);
        if (s.read_noise > 0)
          g = std::max(g * (1 + s.read_noise * rng.normals(rng_stream::task_read,
                                                           static_cast<std::uint64_t>(col), t)[0]),
                       g / 100);
        features(static_cast<Eigen::Index>(t), col) = std::log10(g);
      }
    }
  }
  if (energy_out) *energy_out = energy;
  return features;
}

Eigen::MatrixXd image_reservoir_states(const Eigen::MatrixXd& images,
                                       const image_reservoir_settings& s, double* energy_out) {
  const int w = s.width;
  if (w < 1 || images.cols() != static_cast<Eigen::Index>(w) * w)
    throw input_error(fmt::format("image reservoir: {} pixels per image are not a square of {}",
                                  images.cols(), w));
  if (s.segment < 1 || w % s.segment != 0)
    throw input_error(
        fmt::format("image reservoir: segment {} must divide the image's width {}", s.segment, w));
  if (!(s.pulse > 0) || !(s.gap >= 0) || !(s.dt >= 0) || !(s.v_max >= s.v_min))
    throw input_error(
        "image reservoir: pulse > 0, gap >= 0, dt >= 0 and v_max >= v_min are needed");
  const int orientations = s.columns ? 2 : 1;
  const std::size_t per_line = static_cast<std::size_t>(w / s.segment);
  const std::size_t devices = per_line * static_cast<std::size_t>(w * orientations);
  const auto pixels = static_cast<Eigen::Index>(w) * w;
  Eigen::MatrixXd features(images.rows(), pixels * orientations);
  const double dt = s.dt > 0 ? s.dt : config_dt(s.device);
  const int pulse_steps = std::max(1, static_cast<int>(std::lround(s.pulse / dt)));
  const int gap_steps = static_cast<int>(std::lround(s.gap / dt));
  // the pixel device j reads at its k-th pulse (orientation o, line l, segment q), once for all
  // images; its read is feature j * segment + k
  const auto seg = static_cast<std::size_t>(s.segment), width = static_cast<std::size_t>(w);
  std::vector<Eigen::Index> pixel(devices * seg);
  for (std::size_t j = 0; j < devices; ++j)
    for (std::size_t k = 0; k < seg; ++k) {
      const std::size_t o = j / (per_line * width), l = (j / per_line) % width;
      const std::size_t along = (j % per_line) * seg + k;
      pixel[j * seg + k] =
          static_cast<Eigen::Index>(o == 0 ? l * width + along : along * width + l);
    }
  std::vector<double> offset(devices, 0.0), slope(devices, 1.0);
  if (s.affine) {
    const philox rng(s.seed);
    for (std::size_t j = 0; j < devices; ++j) {
      const auto r = rng.uniforms(rng_stream::task_weights, j, std::uint64_t{1} << 44);
      offset[j] = r[0];
      slope[j] = r[1] - r[0];
    }
  }
  const std::int64_t steps_per_image =
      static_cast<std::int64_t>(s.segment) * (pulse_steps + gap_steps);
  double energy = 0;
#pragma omp parallel num_threads(std::max(s.threads, 1)) reduction(+ : energy)
  {
    // each thread its own copy of the same chip
    auto dev = make_device(s.device, devices, s.seed, 0);
    std::vector<double> v(devices), zero(devices, 0.0), current(devices), conductance(devices);
#pragma omp for schedule(static)
    for (Eigen::Index r = 0; r < images.rows(); ++r) {
      dev->reset();
      std::int64_t step = (static_cast<std::int64_t>(s.first_image) + r) * steps_per_image;
      for (int k = 0; k < s.segment; ++k) {
        for (std::size_t j = 0; j < devices; ++j) {
          const double p = images(r, pixel[j * seg + static_cast<std::size_t>(k)]);
          const double x = offset[j] + slope[j] * std::clamp(p, 0.0, 1.0);
          v[j] = s.v_min + (s.v_max - s.v_min) * std::clamp(x, 0.0, 1.0);
        }
        energy += advance_counting_energy(*dev, step, pulse_steps, dt, v, current, conductance,
                                          s.energy_parts);
        step += pulse_steps;
        for (std::size_t j = 0; j < devices; ++j)
          features(r, static_cast<Eigen::Index>(j * seg + static_cast<std::size_t>(k))) =
              std::log10(std::max(conductance[j], 1e-30));
        if (gap_steps > 0) {
          dev->advance(step, gap_steps, dt, zero, current, conductance);
          step += gap_steps;
        }
      }
    }
  }
  if (energy_out) *energy_out = energy;
  return features;
}

Eigen::MatrixXd neuron_reservoir_states(const std::vector<double>& u,
                                        const neuron_reservoir_settings& s) {
  if (s.size == 0 || !(s.connectivity >= 0 && s.connectivity <= 1) || !(s.weight >= 0) ||
      !(s.sample >= s.dt && s.dt > 0) || !(s.v_max >= s.v_min) || !(s.tau_in > 0))
    throw input_error(
        "neuron reservoir: size > 0, connectivity in [0, 1], weight >= 0, sample >= dt > 0, "
        "tau_in > 0 and v_max >= v_min are needed");
  network::network_spec spec;
  spec.source = "neuron reservoir";
  spec.run.dt = s.dt;
  spec.run.duration = 0;  // run sample by sample
  spec.run.seed = s.seed;
  network::population_spec pop;
  pop.name = "reservoir";
  pop.model = "dm1t1r";
  pop.size = s.size;
  pop.params = toml::table{
      {"preset", s.preset}, {"tau_in", s.tau_in}, {"v_rest", s.v_rest}, {"integrator", "hybrid"}};
  pop.params_source = spec.source;
  spec.populations.push_back(pop);
  if (s.connectivity > 0 && s.weight > 0) {
    network::projection_spec j;
    j.name = "recurrent";
    j.source = j.target = "reservoir";
    j.receptor = "in";
    j.rule = network::connect_rule::fixed_probability;
    j.p = s.connectivity;
    j.autapses = false;
    j.weight = {network::value_dist::kind::normal, 0.0, s.weight};
    j.delay = network::value_dist::constant(s.dt);
    j.where = "neuron reservoir: recurrent projection";
    spec.projections.push_back(std::move(j));
  }
  const auto models = network::builtin_models();
  network::network net(spec, models);
  const philox rng(s.seed);
  std::vector<double> mask(s.size), drive(s.size);
  for (std::size_t i = 0; i < s.size; ++i)
    mask[i] = 0.2 + 0.8 * rng.uniforms(rng_stream::task_weights, i, std::uint64_t{1} << 43)[0];
  const auto steps = static_cast<std::int64_t>(std::llround(s.sample / s.dt));
  const auto n = static_cast<Eigen::Index>(s.size);
  Eigen::MatrixXd features = Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(u.size()), 2 * n);
  auto& model = net.model(0);
  network::memory_sink sink;
  for (std::size_t t = 0; t < u.size(); ++t) {
    if (!(u[t] >= 0 && u[t] <= 1))
      throw input_error(
          fmt::format("neuron reservoir: input {:g} at sample {} is outside [0, 1]", u[t], t));
    for (std::size_t i = 0; i < s.size; ++i)
      drive[i] = s.v_min + (s.v_max - s.v_min) * u[t] * mask[i];
    net.set_drive(0, drive);
    sink.all.clear();
    net.run_more(steps, sink);
    const auto row = static_cast<Eigen::Index>(t);
    for (const auto& sp : sink.all) features(row, static_cast<Eigen::Index>(sp.id)) += 1;
    const auto v_in = model.variable(0);
    for (Eigen::Index i = 0; i < n; ++i) features(row, n + i) = v_in[static_cast<std::size_t>(i)];
  }
  return features;
}

}  // namespace ionsim::task
