#pragma once
// Reservoirs that turn an input series into features for a linear readout: a tanh echo-state
// network (the software reference of the same size), a physical reservoir of diffusive
// memristors driven through input masks (time-multiplexed virtual nodes, as in Zhong et al.,
// Nat. Commun. 12, 408 (2021)), on any registered device model, and a recurrent network of
// 1M1T1R neurons (the network engine's dm1t1r population).
#include <Eigen/Core>
#include <cstdint>
#include <string>
#include <vector>

#include "device/registry.hpp"

namespace ionsim::task {

struct esn_settings {
  std::size_t size = 100;
  double spectral_radius = 0.9;
  double input_scaling = 0.5;
  double leak = 1.0;     // leaking rate of the state update (1: none)
  double density = 1.0;  // fraction of nonzero recurrent weights
  std::uint64_t seed = 1;
};
// States x(t) = (1 - leak) x(t-1) + leak tanh(W x(t-1) + W_in [1, u(t)]), W normal with
// `density`, scaled to the spectral radius, W_in uniform in [-s, s]. Rows: time; columns: size.
Eigen::MatrixXd esn_states(const std::vector<double>& u, const esn_settings& s);

struct device_reservoir_settings {
  device_config device;      // the memristor (a preset, with its noise and spreads)
  std::size_t devices = 20;  // physical devices
  int mask_steps = 5;        // virtual nodes per device and input sample
  double v_min = 0.0;        // [V] pulse amplitude for input 0
  double v_max = 1.0;        // [V] pulse amplitude for input 1 (times the mask)
  double pulse = 1e-3;       // [s] duration of one mask step
  bool affine = false;       // the mask's form (below)
  int input_delays = 1;      // length of the input's delay line in samples (1: none; below)
  double read_noise = 0;     // [1] relative standard deviation of each conductance read
  int energy_parts = 16;     // parts of a pulse at whose ends the current is taken (energy)
  double noise_scale = 1;    // [1] the preset's noise parameters were multiplied by this (record)
  std::uint64_t seed = 1;
};
// Input u(t) in [0, 1]. For each sample and mask step m, device i is held for `pulse` at
// v_min + (v_max - v_min) x, x = u(t) mask[i][m] (mask uniform in [0.2, 1]), or with `affine`
// x = b + a u(t), b uniform in [0, 1] and a uniform in [-b, 1 - b] per virtual node (so x stays
// in [0, 1]); the feature is log10 of its conductance at the end of the pulse, read as
// g (1 + read_noise xi), xi standard normal per node and sample (floored at g / 100). With
// `input_delays` D > 1 the input passes a delay line (a shift register of D samples before the
// drivers) and each virtual node reads u(t - d) instead of u(t), d drawn uniformly from
// 0 ... D - 1 per node (u = 0 before the series starts): a device then mixes inputs up to D - 1
// samples apart across its mask steps. Rows: time; columns: devices * mask_steps.
// *energy_out (if given): the energy the drivers deliver to the devices over the whole series
// [J], the sum of v I dt with the current at the ends of `energy_parts` parts of each pulse.
Eigen::MatrixXd device_reservoir_states(const std::vector<double>& u,
                                        const device_reservoir_settings& s,
                                        double* energy_out = nullptr);

struct image_reservoir_settings {
  device_config device;  // the memristor (a preset, with its noise and spreads)
  int width = 0;         // [pixels] image width (square images: width * width pixels)
  int segment = 4;       // [pixels] consecutive pixels of a row that one device reads
  bool columns = true;   // also read the columns (a second set of devices)
  bool affine = false;   // per device an offset and a slope of the pixel's drive (below)
  double v_min = 0.3;    // [V] pulse amplitude for pixel value 0
  double v_max = 1.5;    // [V] pulse amplitude for pixel value 1
  double pulse = 1e-3;   // [s] one pixel's pulse
  double gap = 1e-3;     // [s] rest at 0 V after each pulse
  double dt = 0;         // [s] the devices' step (0: the preset's)
  std::uint64_t seed = 1;
  int threads = 1;                // images side by side (the result does not depend on it)
  int energy_parts = 16;          // parts of a pulse at whose ends the current is taken (energy)
  std::uint64_t first_image = 0;  // the index of the first image (keys the devices' noise)
};
// An image reservoir after Du et al., Nat. Commun. 8, 2204 (2017) and, with diffusive
// memristors, Midya et al., Adv. Intell. Syst. 1, 1900084 (2019): every row of an image is cut
// into segments of `segment` pixels, and each segment drives its own device with one pulse per
// pixel, in order (v_min + (v_max - v_min) x for `pulse`, then 0 V for `gap`; x = p, or with
// `affine` x = b + a p, b uniform in [0, 1] and a uniform in [-b, 1 - b] per device, drawn per
// seed); with `columns` the columns get a second set of devices. The features are log10 of each
// device's conductance after each of its pulses, so a segment's feature k depends on pixels
// 0 ... k through the device's volatile state. Every image starts from the devices' rest state
// (the chip rests between images); the same devices (ids, so the same device-to-device draws)
// read every image, and their noise is keyed by the image's index, first_image + row. Rows:
// images; columns: width * width (rows), then width * width (columns). *energy_out (if given):
// the energy delivered to the devices over all images [J], as for the device reservoir.
Eigen::MatrixXd image_reservoir_states(const Eigen::MatrixXd& images,
                                       const image_reservoir_settings& s,
                                       double* energy_out = nullptr);

struct neuron_reservoir_settings {
  std::string preset = "zhao2025-calibrated";  // the neurons' preset (dm1t1r)
  std::size_t size = 100;                      // neurons
  double connectivity = 0.1;  // probability of each recurrent connection (no autapses)
  double weight = 0.05;       // [V] standard deviation of the recurrent weights (mean 0): a
                              //   spike's jump of its target's integrator
  double v_rest = 0.3;        // [V] the integrators' rest
  double v_min = 0.3;         // [V] gate drive for input 0
  double v_max = 0.8;         // [V] gate drive for input 1 (times the mask)
  double sample = 20e-3;      // [s] time per input sample
  double tau_in = 5e-3;       // [s] the integrators' time constant
  double dt = 100e-6;         // [s] the network's step (hybrid integrator)
  std::uint64_t seed = 1;
};
// Input u(t) in [0, 1]. During sample t neuron i's gate is driven at v_min + (v_max - v_min) u(t)
// mask[i] (mask uniform in [0.2, 1]) above its integrator, which the recurrent spikes move; the
// neurons' switching noise is on. Features of sample t, per neuron: its spikes in the sample and
// its integrator's voltage at the sample's end (the gate node's voltage, nearly always at rest
// and far out when a spike is caught, would only mislead a standardised linear readout). Rows:
// time; columns: 2 * size.
Eigen::MatrixXd neuron_reservoir_states(const std::vector<double>& u,
                                        const neuron_reservoir_settings& s);

}  // namespace ionsim::task
