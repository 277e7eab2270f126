#include "network/device_update.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/error.hpp"

namespace ionsim::network {

namespace {

// G_max = 1 / R_ON and G_min = G_max / (on/off ratio), from NeuroSim V3.0's Table II.
constexpr double g_on(double r_on) { return 1.0 / r_on; }

const programmed_device devices[] = {
    // Ag:a-Si, S. H. Jo et al., Nano Lett. 10, 1297 (2010): NeuroSim's default device (97
    // pulses up and 100 down as its RealDevice sets them; 97 states in the table).
    {"ag-a-si", "Jo et al., Nano Lett. 10, 1297 (2010); NeuroSim V3.0 manual Table II",
     g_on(26e6) / 12.5, g_on(26e6), 97, 100, 2.4, -4.88, 0.035, 0, 3.2, 300e-6, -2.8, 300e-6},
    // TaOx/HfOx, W. Wu et al., IEEE VLSI Symp. 2018.
    {"taox-hfox", "Wu et al., VLSI 2018; NeuroSim V3.0 manual Table II", g_on(100e3) / 10,
     g_on(100e3), 128, 128, 0.04, -0.63, 0.037, 0, 1.6, 50e-9, -1.6, 50e-9},
    // PCMO, S. Park et al., IEDM 2013 (C2C "< 1 %": 1 % taken).
    {"pcmo", "Park et al., IEDM 2013; NeuroSim V3.0 manual Table II", g_on(23e6) / 6.84, g_on(23e6),
     50, 50, 3.68, -6.76, 0.01, 0, -2.0, 1e-3, 2.0, 1e-3},
    // AlOx/HfO2, J. Woo et al., IEEE EDL 37, 994 (2016).
    {"alox-hfo2", "Woo et al., IEEE EDL 37, 994 (2016); NeuroSim V3.0 manual Table II",
     g_on(16.9e3) / 4.43, g_on(16.9e3), 40, 40, 1.94, -0.61, 0.05, 0, 0.9, 100e-6, -1.0, 100e-6},
    // EpiRAM (Ag:SiGe), S. Choi et al., Nat. Mater. 17, 335 (2018).
    {"epiram", "Choi et al., Nat. Mater. 17, 335 (2018); NeuroSim V3.0 manual Table II",
     g_on(81e3) / 50.2, g_on(81e3), 64, 64, 0.5, -0.5, 0.02, 0, 5.0, 5e-6, -3.0, 5e-6},
};

// 1/c - a + a ln(a c), c = 1 - exp(-1/a): the largest vertical distance of the normalized
// curve from the diagonal; decreasing in a.
double max_deviation(double a) {
  const double c = -std::expm1(-1.0 / a);
  return 1.0 / c - a + a * std::log(a * c);
}

}  // namespace

std::span<const programmed_device> programmed_devices() { return devices; }

const programmed_device* find_programmed_device(std::string_view name) {
  for (const auto& d : devices)
    if (d.name == name) return &d;
  return nullptr;
}

const programmed_device& programmed_device_named(std::string_view name, const std::string& where) {
  if (const auto* d = find_programmed_device(name)) return *d;
  std::string known;
  for (const auto& d : devices) known += (known.empty() ? "" : ", ") + std::string(d.name);
  throw input_error(fmt::format("{}: device '{}' is not one of {}", where, name, known));
}

double normalized_a(double label) {
  if (!(label > 0)) return 0;  // linear
  const double target = 0.07 * std::sqrt(2.0) * label;
  double lo = std::log(1e-4), hi = std::log(1e4);  // bisection in log a
  for (int k = 0; k < 200; ++k) {
    const double mid = 0.5 * (lo + hi);
    if (max_deviation(std::exp(mid)) > target)
      lo = mid;
    else
      hi = mid;
  }
  return std::exp(0.5 * (lo + hi));
}

double normalized_a_tabulated(double label) {
  constexpr double lo = 1e-3, hi = 10.0;
  constexpr int n = 8001;
  static const std::vector<double> table = [] {
    std::vector<double> t(n);
    for (int k = 0; k < n; ++k)
      t[static_cast<std::size_t>(k)] =
          std::log(normalized_a(lo * std::pow(hi / lo, static_cast<double>(k) / (n - 1))));
    return t;
  }();
  if (!(label >= lo && label <= hi)) return normalized_a(label);
  const double x = std::log(label / lo) / std::log(hi / lo) * (n - 1);
  const auto k = std::min(n - 2, static_cast<int>(x));
  const double f = x - k;
  return std::exp(table[static_cast<std::size_t>(k)] * (1 - f) +
                  table[static_cast<std::size_t>(k) + 1] * f);
}

pulse_curve::pulse_curve(const programmed_device& d, double nl_ltp, double nl_ltd, bool tabulated)
    : g_min_(d.g_min),
      g_max_(d.g_max),
      sigma_(d.c2c * (d.g_max - d.g_min)),
      p_up_(d.levels_ltp),
      p_down_(d.levels_ltd) {
  auto curve = [&](double label, int p, double& a, double& b) {
    const double na =
        tabulated ? normalized_a_tabulated(std::fabs(label)) : normalized_a(std::fabs(label));
    if (na == 0) {
      a = b = 0;
      return;
    }
    a = std::copysign(na, label) * p;
    b = (g_max_ - g_min_) / -std::expm1(-p / a);
  };
  curve(nl_ltp, p_up_, a_up_, b_up_);
  curve(nl_ltd, p_down_, a_down_, b_down_);
}

double pulse_curve::apply(double g, int n, double z) const {
  if (n == 0) return g;
  const bool up = n > 0;
  const double a = up ? a_up_ : a_down_, b = up ? b_up_ : b_down_;
  const double p = up ? p_up_ : p_down_;
  const double span = g_max_ - g_min_;
  double x, g_new;
  if (a == 0) {  // linear device
    x = (g - g_min_) / span * p;
    g_new = g_min_ + (x + n) / p * span;
  } else {
    x = -a * std::log1p(-(g - g_min_) / b);
    g_new = b * -std::expm1(-(x + n) / a) + g_min_;
  }
  g_new += sigma_ * std::sqrt(std::fabs(static_cast<double>(n))) * z;
  return std::clamp(g_new, g_min_, g_max_);
}

}  // namespace ionsim::network
