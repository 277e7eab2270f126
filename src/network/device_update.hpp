#pragma once
// Non-volatile synapse devices programmed by identical pulses: the weight change of a plastic
// synapse is what the device does under the pulses, not a formula (docs/network/plasticity.md).
//
// Model: NeuroSim's (P.-Y. Chen, X. Peng, S. Yu, IEEE TCAD 37, 3067 (2018); MLP_NeuroSim V3.0
// user manual, eqs. (1)-(3), p. 5). After x pulses from G_min a device has
//   G(x) = B (1 - exp(-x / A)) + G_min,   B = (G_max - G_min) / (1 - exp(-P_max / A)),
// with A > 0 and P_max = levels_ltp pulses up (potentiation), A < 0 and P_max = levels_ltd
// pulses down (depression): both curves join G_min at x = 0 and G_max at x = P_max. A device
// at G takes n pulses by x = G^-1(G) on the curve of their direction, then G(x + n). Each
// write adds cycle-to-cycle noise N(0, c2c (G_max - G_min)) sqrt(|n|) and is clipped to
// [G_min, G_max] (NeuroSim's RealDevice::Write). A = a P_max, with a the normalized A of the
// device's nonlinearity label (NeuroSim's getParamA table, computed here: see normalized_a).
// Device-to-device variation adds N(0, d2d) to each device's labels (NeuroSim's sigmaDtoD,
// in label units), drawn once per device (keyed by seed, projection and synapse).
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace ionsim::network {

struct programmed_device {
  std::string_view name, citation;
  double g_min = 0, g_max = 0;    // [S]
  int levels_ltp = 0;             // pulses from G_min to G_max
  int levels_ltd = 0;             // pulses from G_max to G_min
  double nl_ltp = 0, nl_ltd = 0;  // nonlinearity labels (NeuroSim's)
  double c2c = 0;                 // [1] per-pulse spread, fraction of G_max - G_min
  double d2d = 0;                 // [1] spread of the labels from device to device
  double v_ltp = 0, t_ltp = 0;    // [V], [s] programming pulse up
  double v_ltd = 0, t_ltd = 0;    // [V], [s] programming pulse down
};

// The devices of NeuroSim V3.0's benchmark table (manual Table II, pp. 23-24): ag-a-si,
// taox-hfox, pcmo, alox-hfo2, epiram.
std::span<const programmed_device> programmed_devices();
// The device named `name`, or null.
const programmed_device* find_programmed_device(std::string_view name);
// The device named `name`; input_error "`where`: device '...' is not one of ..." otherwise.
const programmed_device& programmed_device_named(std::string_view name, const std::string& where);

// NeuroSim's normalized A (P_max = 1) of a nonlinearity label L > 0: the a whose curve
// (1 - exp(-x/a)) / (1 - exp(-1/a)) lies at most 0.07 L from the diagonal (perpendicular
// distance), i.e. 1/c - a + a ln(a c) = 0.07 sqrt(2) L with c = 1 - exp(-1/a). This rule is
// ours: it reproduces NeuroSim's 900-entry table (labels 0.01 ... 9) to 2e-5 relative. Labels
// of 0 give a linear device (a = infinity).
double normalized_a(double label);
// The same from a table (log-log interpolation over labels 0.001 ... 10, within 1e-4 of
// normalized_a; exact outside): for curves made per write (device-to-device spread).
double normalized_a_tabulated(double label);

// One device's two curves.
class pulse_curve {
 public:
  pulse_curve() = default;
  // `nl_ltp`, `nl_ltd`: this device's labels (the preset's plus its variation); `tabulated`:
  // normalized A from normalized_a_tabulated.
  pulse_curve(const programmed_device& d, double nl_ltp, double nl_ltd, bool tabulated = false);
  // The conductance after n pulses (n > 0 up, n < 0 down) from g, with the standard normal z
  // of its cycle-to-cycle noise.
  double apply(double g, int n, double z) const;
  double g_min() const { return g_min_; }
  double g_max() const { return g_max_; }

 private:
  double g_min_ = 0, g_max_ = 0, sigma_ = 0;
  double a_up_ = 0, b_up_ = 0, a_down_ = 0, b_down_ = 0;  // A and B of each curve (0: linear)
  int p_up_ = 0, p_down_ = 0;
};

}  // namespace ionsim::network
