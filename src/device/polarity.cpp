#include "device/polarity.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <span>

#include "core/error.hpp"

namespace ionsim {

namespace {

constexpr double switches = 0.2;         // a polarity switches in at least this share
constexpr double never_switches = 0.05;  // ... and does not below this one
constexpr double mostly = 0.9;           // share of sign changes that makes cycles alternate

int sign_of(double v) { return v > 0 ? 1 : (v < 0 ? -1 : 0); }

}  // namespace

std::string_view sweep_class_name(sweep_class c) {
  switch (c) {
    case sweep_class::both_polarities:
      return "switching in both polarities";
    case sweep_class::one_sided:
      return "switching in one polarity only, although both are applied";
    case sweep_class::alternating:
      return "one polarity per cycle, alternating";
    case sweep_class::unipolar:
      return "one polarity only";
  }
  return "";
}

polarity_thresholds thresholds_by_polarity(const std::vector<std::vector<double>>& v,
                                           const std::vector<std::vector<double>>& i) {
  polarity_thresholds out;
  for (std::size_t c = 0; c < v.size(); ++c) {
    const auto& vc = v[c];
    std::size_t k = 0;
    while (k < vc.size()) {
      const int s = sign_of(vc[k]);
      if (s == 0) {
        ++k;
        continue;
      }
      // The half-sweep from k, with the zeros on either side of it when there are (so that
      // the first step away from zero counts as rising).
      std::size_t end = k;
      while (end < vc.size() && sign_of(vc[end]) == s) ++end;
      const std::size_t begin = k > 0 && vc[k - 1] == 0 ? k - 1 : k;
      const std::size_t stop = end < vc.size() && vc[end] == 0 ? end + 1 : end;
      const auto p = extract_thresholds(std::span(vc).subspan(begin, stop - begin),
                                        std::span(i[c]).subspan(begin, stop - begin));
      auto& side = s > 0 ? out.positive : out.negative;
      side.cycles += 1;
      if (p.vth) side.vth.push_back(*p.vth);
      if (p.vhold) side.vhold.push_back(*p.vhold);
      k = end;
    }
  }
  return out;
}

sweep_features classify_sweep(const sweep_data& data) {
  sweep_features f;
  f.cycles = data.v.size();
  if (f.cycles == 0) throw input_error(fmt::format("{}: no sweep cycles", data.path));
  int previous = 0;
  for (const auto& c : data.v) {
    bool pos = false, neg = false;
    for (double x : c) {
      pos = pos || x > 0;
      neg = neg || x < 0;
    }
    if (pos && neg) {
      ++f.bipolar_cycles;
      previous = 0;
      continue;
    }
    const int s = pos ? 1 : (neg ? -1 : 0);
    if (s > 0) ++f.positive_cycles;
    if (s < 0) ++f.negative_cycles;
    if (s != 0 && previous != 0 && s != previous) ++f.sign_changes;
    if (s != 0) previous = s;
  }
  const auto th = thresholds_by_polarity(data.v, {data.i});
  f.half_sweeps_positive = th.positive.cycles;
  f.half_sweeps_negative = th.negative.cycles;
  const auto share = [](const threshold_lists& t) {
    return t.cycles ? static_cast<double>(t.vth.size()) / static_cast<double>(t.cycles) : 0.0;
  };
  f.switching_positive = share(th.positive);
  f.switching_negative = share(th.negative);
  const std::string switching = fmt::format(
      "V_th found in {:.0f} % of the {} positive and {:.0f} % of the {} negative half-sweeps",
      100 * f.switching_positive, f.half_sweeps_positive, 100 * f.switching_negative,
      f.half_sweeps_negative);
  if (std::max(f.switching_positive, f.switching_negative) < switches)
    throw input_error(fmt::format(
        "{}: the sweeps show no switching to fit ({}; a polarity switches when |I| rises "
        "through 10 nA in at least 20 % of its half-sweeps)",
        data.path, switching));
  const int stronger = f.switching_positive >= f.switching_negative ? 1 : -1;
  const bool one_sign_both = f.positive_cycles > 0 && f.negative_cycles > 0;
  if (f.bipolar_cycles == 0 && !one_sign_both) {
    f.kind = sweep_class::unipolar;
    f.switching_sign = f.positive_cycles > 0 ? 1 : -1;
    f.reason = fmt::format("all {} cycles sweep {} voltages only; {}", f.cycles,
                           f.switching_sign > 0 ? "positive" : "negative", switching);
    return f;
  }
  if (f.bipolar_cycles == 0) {
    const double pairs = static_cast<double>(f.positive_cycles + f.negative_cycles - 1);
    if (static_cast<double>(f.sign_changes) >= mostly * pairs) {
      f.kind = sweep_class::alternating;
      f.switching_sign = stronger;
      f.reason = fmt::format(
          "every cycle sweeps one polarity, and {} of {} consecutive cycles change sign; {}",
          f.sign_changes, static_cast<std::size_t>(pairs), switching);
      return f;
    }
  }
  // Both polarities applied: in each cycle, or in cycles of either sign in no regular order.
  const double weaker = std::min(f.switching_positive, f.switching_negative);
  const bool each_side_applied = f.half_sweeps_positive > 0 && f.half_sweeps_negative > 0;
  if (!each_side_applied)
    throw input_error(
        fmt::format("{}: cannot tell the polarity layout ({})", data.path, switching));
  if (weaker < never_switches) {
    f.kind = sweep_class::one_sided;
    f.switching_sign = stronger;
  } else {
    f.kind = sweep_class::both_polarities;
  }
  f.reason = fmt::format(
      "both polarities applied ({} cycles with both signs, {} positive and {} negative "
      "one-sign cycles); {}",
      f.bipolar_cycles, f.positive_cycles, f.negative_cycles, switching);
  return f;
}

}  // namespace ionsim
