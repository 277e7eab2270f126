#pragma once
// Device STDP in a network (`rule = "device_stdp"`; docs/network/plasticity.md): the pre- and
// post-synaptic neurons' spikes are voltage waveforms on the two electrodes of the synapse's
// device (device/experiment.hpp spike_waveform), and each pairing changes the device as the
// registered device model does under them. A presynaptic spike's arrival at step n pairs with
// the target's last spike (delta_t = t_post - t_pre <= 0), and a postsynaptic spike with each
// source's last arrival (delta_t >= 0): nearest-neighbour pairs, each taken as an isolated
// pair of waveforms.
//
// The weight is proportional to the device's conductance, w = w_max G(x) / G(1), for a device
// with one state x in [0, 1] (model `hopping`: the bridged fraction). The change of x after a
// pairing, dx(x, delta_t), is tabulated when the projection is built: the device model itself
// (noise off) is driven through each pair of waveforms from 33 states and at delays of whole
// network steps (at most 128 per side), in its own step during either spike's peak and 50 of
// them where only the tails (sub-threshold) remain, and read between rows and columns
// geometrically where the neighbours share a sign (the changes grow and decay about
// exponentially in x and delta_t), linearly otherwise. Where one pairing switches the device
// completely the change is steep in x and the rows miss it (docs/network/plasticity.md). The
// energy of each pair, the integral of v^2 G over its waveforms, is tabulated beside it.
#include <cstdint>
#include <string>
#include <vector>

#include "device/stdp_protocol.hpp"

namespace ionsim {
struct device_config;
}

namespace ionsim::network {

class device_stdp_table {
 public:
  // `device`: a device preset or parameter set with one state in [0, 1] whose conductance grows
  // with it; `dt`: the network's step [s]. input_error naming `where` otherwise.
  device_stdp_table(const device_config& device, const stdp_protocol& spike, double w_max,
                    double dt, const std::string& where);

  double w_min() const { return w_max_ * g_min_ / g_max_; }
  double w_max() const { return w_max_; }
  // The weight after a pairing at t_post - t_pre = k network steps (k > 0: post after pre);
  // unchanged where the two waveforms do not meet. `energy` [J] grows by what the device
  // dissipates under the pair's two waveforms, the integral of v^2 G over them.
  double apply(double w, std::int64_t k, double& energy) const;
  // Whether the waveforms of a pairing at k network steps meet (k != 0 within the reach).
  bool meets(std::int64_t k) const {
    return k != 0 && (k > 0 ? k : -k) < static_cast<std::int64_t>(columns_ - 1) * stride_;
  }
  std::size_t bytes() const;

  // The grids (for tests): states, and delays in network steps per column.
  static constexpr std::size_t states = 33;
  std::int64_t steps_per_column() const { return stride_; }
  int columns() const { return columns_; }

 private:
  // x -> conductance and back, on a fine grid of x (ln G interpolated linearly in x: exact for
  // a conductance exponential in x, as hopping's)
  double x_of(double g) const;
  double g_of(double x) const;

  double w_max_;
  std::vector<double> ln_g_;      // ln G at x = k / (fine - 1)
  double g_min_ = 0, g_max_ = 0;  // [S] G(0), G(1)
  std::int64_t stride_ = 1;       // network steps per column
  int columns_ = 0;               // per side, delay 0 included
  std::vector<double> dx_;        // [side (0: post after pre)][state][column]
  std::vector<double> e_;         // [J] the pair's energy, laid out as dx_
};

}  // namespace ionsim::network
