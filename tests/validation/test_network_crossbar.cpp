// Cross-fidelity: 4 inputs, a 4 x 2 memristive crossbar and 2 `dm1t1r` neurons
// (examples/networks/crossbar), simulated by the network engine and, as one netlist (read
// pulses on the rows, crossbar resistors, op-amp integrators with an inverter, the memristor,
// C_g, R_c, the transistor and its load per neuron), by the circuit engine. Noise off. The
// circuit engine itself agrees with ngspice on this netlist (a behavioural memristor in
// ngspice gives neuron 0's first spike at 44.70 ms where the engine gives 44.68-44.73 ms
// with the op-amp gain of 1e6 used at first).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "circuit/netlist.hpp"
#include "circuit/transient.hpp"
#include "core/units.hpp"
#include "device/registry.hpp"
#include "io/csv.hpp"
#include "network/config.hpp"
#include "network/network.hpp"
#include "neuron/characterize.hpp"

namespace ionsim::network {
namespace IONSIM_TEST_FILE {

using collect = memory_sink;

TEST(NetworkCrossbar, NetworkAndCircuitEnginesAgreeWithin2Percent) {
  const std::string dir = std::string(IONSIM_SOURCE_DIR) + "/examples/networks/crossbar/";
  // Network engine.
  const auto models = builtin_models();
  const auto spec = read_network_config(dir + "net.toml", models);
  network net(spec, models);
  collect c;
  net.run(c);
  std::map<std::uint32_t, std::vector<double>> net_spikes;
  for (const auto& s : c.all)
    if (s.id >= 4) net_spikes[s.id - 4].push_back(static_cast<double>(s.step) * spec.run.dt);

  // The same circuit as one netlist. Values as in net.toml: read 0.2 V for 2 us, centred on
  // the network's arrival step (spike step + 1-step delay), C_f = 65 pF, tau_in = 1 ms.
  // Everything the netlist needs is read from the example (its memristor table and tau_in)
  // and from the neuron preset, so the two sides stay the same circuit.
  const auto& mt = *spec.projections.at(0).memristor;
  auto q = [&](const toml::table& t, const char* key, const char* unit) {
    const auto* x = t.get(key);
    if (!x) throw std::runtime_error(key);
    return x->is_string() ? parse_quantity(*x->value<std::string>(), unit, key)
                          : *x->value<double>();
  };
  const double dt = spec.run.dt, v_read = q(mt, "v_read", "V"), t_read = q(mt, "t_read", "s"),
               c_f = q(mt, "c_f", "F"), tau_in = q(*spec.populations.at(1).params, "tau_in", "s");
  const auto cell = neuron::neuron_from_preset("zhao2025-calibrated");
  const auto in = read_csv(dir + "inputs.csv", {"time", "neuron"});
  const auto xb = read_csv(dir + "crossbar.csv", {"source", "target", "weight"});
  std::string nl = "crossbar 4x2 with two 1M1T1R neurons (network cross-check)\n";
  for (int i = 0; i < 4; ++i) {
    std::string pwl = "0 0";
    for (std::size_t r = 0; r < in.rows(); ++r) {
      if (static_cast<int>(in.column("neuron")[r]) != i) continue;
      const double arrive = (std::round(in.column("time")[r] / dt) + 1) * dt;
      const double a = arrive - 0.5 * t_read, e = 0.05e-6;
      pwl += fmt::format(" {:.9g} 0 {:.9g} {} {:.9g} {} {:.9g} 0", a - e, a + e, v_read,
                         a + t_read - e, v_read, a + t_read + e);
    }
    nl += fmt::format("Vr{} row{} 0 PWL({})\n", i, i, pwl);
  }
  for (std::size_t r = 0; r < xb.rows(); ++r)
    nl += fmt::format("Rx{} row{} col{} {:.9g}\n", r, static_cast<int>(xb.column("source")[r]),
                      static_cast<int>(xb.column("target")[r]), 1.0 / xb.column("weight")[r]);
  auto mem = cell.memristor;
  set_param(mem, "sigma1", 0);
  set_param(mem, "sigma2", 0);
  std::string card = ".model dm memristor(model=zhao2025";
  for (const auto& [name, value] : param_values(mem))
    card += fmt::format(" {}={:.17g}", name, value);
  card += ")\n";
  for (int j = 0; j < 2; ++j)
    nl += fmt::format(
        "* integrator of column {j}: op-amp of gain 1e9 (1e6 would leak 0.4 % through the "
        "crossbar), R_f || C_f, then an inverter\n"
        "Ea{j} o{j} 0 0 col{j} 1e9\nRf{j} o{j} col{j} {rf:.9g}\nCf{j} o{j} col{j} {cf:.9g}\n"
        "Eb{j} in{j} 0 0 o{j} 1\n"
        "Y{j} in{j} gate{j} dm\nCg{j} gate{j} 0 {cg:.9g}\nRc{j} gate{j} 0 {rc:.9g}\n"
        "M{j} drain{j} gate{j} 0 0 nm W=1u L=1u\nRl{j} vdd drain{j} {rl:.9g}\n",
        fmt::arg("j", j), fmt::arg("rf", tau_in / c_f), fmt::arg("cf", c_f),
        fmt::arg("cg", cell.c_g), fmt::arg("rc", cell.r_c), fmt::arg("rl", cell.r_l));
  nl += fmt::format("Vdd vdd 0 DC {:.9g}\n.model nm nmos(level=1 vto={:.9g} kp={:.9g} lambda=0)\n",
                    cell.v_dd, cell.vto, cell.kp) +
        card +
        ".options reltol=1e-4 abstol=1e-16 vntol=1e-9 method=gear\n"
        ".tran 1u 80m 0 1u\n.save v(gate0) v(gate1) v(in0) v(in1)\n.end\n";
  const auto r = circuit::run_transient(circuit::parse_netlist(nl, "crossbar.cir"), {});
  auto column = [&](const std::string& name) {
    for (std::size_t k = 0; k < r.names.size(); ++k)
      if (r.names[k] == name) return r.values[k];
    ADD_FAILURE() << name;
    return std::vector<double>{};
  };
  for (int j = 0; j < 2; ++j) {
    SCOPED_TRACE(fmt::format("neuron {}", j));
    // Spikes before 76 ms: one near the end of the 80 ms run may fall on either side of it.
    auto before = [](std::vector<double> v) {
      v.erase(std::remove_if(v.begin(), v.end(), [](double x) { return x >= 76e-3; }), v.end());
      return v;
    };
    const auto circ = before(
        neuron::spike_times(r.t, column(fmt::format("v(gate{})", j)), cell.v_spike, cell.v_rearm));
    const auto netw = before(net_spikes[static_cast<std::uint32_t>(j)]);
    // The first three spikes within 2 %, the count within one. Measured: 0.05-0.34 % on the
    // first three; later ones drift further (up to 2.5 % on neuron 1's fourth), because the
    // input arrives in steps every 0.5 ms, so a sub-percent difference in the integration can
    // move a spike to the next input step, and each spike resets what follows.
    ASSERT_GE(netw.size(), 3u);  // the example drives both neurons to fire repeatedly
    ASSERT_GE(circ.size(), 3u);
    EXPECT_LE(std::abs(static_cast<int>(circ.size()) - static_cast<int>(netw.size())), 1);
    for (std::size_t k = 0; k < std::min(netw.size(), circ.size()); ++k) {
      if (k < 3) EXPECT_NEAR(netw[k], circ[k], 0.02 * circ[k]) << "spike " << k;
      std::printf("neuron %d spike %zu: network %.4f ms, circuit %.4f ms (%+.3f %%)\n", j, k,
                  netw[k] * 1e3, circ[k] * 1e3, 100 * (netw[k] - circ[k]) / circ[k]);
    }
  }
}

}  // namespace IONSIM_TEST_FILE
}  // namespace ionsim::network
