// The circuit engine (src/circuit/transient.hpp, mosfet.hpp): device derivatives against
// finite differences, energy bookkeeping, topology errors, determinism of memristor noise and
// of batched instances. The comparisons with ngspice are in tests/validation.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "circuit/mosfet.hpp"
#include "circuit/netlist.hpp"
#include "circuit/transient.hpp"
#include "test_support.hpp"

namespace ionsim::circuit {
namespace IONSIM_TEST_FILE {

double energy_of(const tran_result& r, const std::string& name) {
  for (const auto& e : r.energy)
    if (e.element == name) return e.joules;
  ADD_FAILURE() << "no energy entry for " << name;
  return 0;
}

TEST(Mosfet, DerivativesMatchFiniteDifferences) {
  // Every region (cutoff, linear, saturation, reversed drain/source, body effect), both
  // polarities, with and without the subthreshold tail.
  for (int type : {1, -1}) {
    for (bool sub : {false, true}) {
      mos_model m;
      m.type = type;
      m.vto = 0.5 * type;
      m.kp = 1e-4;
      m.lambda = 0.05;
      m.gamma = 0.4;
      m.subthreshold = sub;
      const double beta = m.kp * 4;
      for (double vg : {0.2, 0.9, 2.0, 3.3})
        for (double vd : {0.0, 0.3, 1.5, 3.0})
          for (double vs : {0.0, 0.8})
            for (double vb : {0.0, -0.5}) {
              const double s = type;
              const auto e = mos_current(m, beta, s * vd, s * vg, s * vs, s * vb);
              const double h = 1e-7;
              auto fd = [&](int k) {
                double v[4] = {s * vd, s * vg, s * vs, s * vb};
                v[k] += h;
                const double up = mos_current(m, beta, v[0], v[1], v[2], v[3]).id;
                v[k] -= 2 * h;
                const double dn = mos_current(m, beta, v[0], v[1], v[2], v[3]).id;
                return (up - dn) / (2 * h);
              };
              const double an[4] = {e.dd, e.dg, e.ds, e.db};
              for (int k = 0; k < 4; ++k)
                EXPECT_NEAR(an[k], fd(k), 1e-6 * std::fabs(beta) + 1e-4 * std::fabs(fd(k)))
                    << "type " << type << " sub " << sub << " vg " << vg << " vd " << vd << " vs "
                    << vs << " vb " << vb << " terminal " << k;
            }
    }
  }
}

TEST(Mosfet, SubthresholdTailIsExponentialWithSlopeN) {
  mos_model m;
  m.vto = 0.5;
  m.kp = 1e-4;
  m.subthreshold = true;
  m.n = 1.5;
  // well below threshold: 100 mV less gate voltage, a factor exp(0.1 / (n Vt)) less current
  const double i1 = mos_current(m, 1e-4, 1.0, 0.0, 0, 0).id;
  const double i2 = mos_current(m, 1e-4, 1.0, -0.1, 0, 0).id;
  EXPECT_NEAR(std::log(i1 / i2), 0.1 / (1.5 * thermal_voltage), 0.01);
  // and well above it the level-1 square law is unchanged
  const double on = mos_current(m, 1e-4, 3.0, 2.0, 0, 0).id;
  EXPECT_NEAR(on, 0.5e-4 * 1.5 * 1.5, 1e-3 * on);
  // and without the tail the device is off
  m.subthreshold = false;
  EXPECT_EQ(mos_current(m, 1e-4, 1.0, 0.2, 0, 0).id, 0.0);
}

TEST(Transient, RcEnergyBalances) {
  const auto nl = parse_netlist(
      "rc\nV1 in 0 PULSE(0 1 0 1n 1n 1 2)\nR1 in out 1k\nC1 out 0 1u\n.tran 10u 5m\n.end\n",
      "rc.cir");
  const auto r = run_transient(nl);
  const double delivered = -energy_of(r, "v1");
  const double stored = energy_of(r, "c1"), heat = energy_of(r, "r1");
  ASSERT_EQ(r.names[1], "v(out)");
  const double v_end = r.values[1].back();
  EXPECT_NEAR(v_end, 1 - std::exp(-5.0), 1e-4);
  EXPECT_NEAR(stored, 0.5 * 1e-6 * v_end * v_end, 1e-3 * stored);
  EXPECT_NEAR(delivered, stored + heat, 1e-3 * delivered);
}

TEST(Transient, FloatingNodeIsAnErrorNamingIt) {
  const auto nl =
      parse_netlist("f\nV1 a 0 1\nR1 a 0 1k\nR2 b c 1k\n.tran 1u 1m\n.end\n", "float.cir");
  const std::string msg = test::input_error_of([&] { run_transient(nl); });
  EXPECT_TRUE(test::contains(msg, "floating"));
  EXPECT_TRUE(test::contains(msg, "b"));
  EXPECT_TRUE(test::contains(msg, "c"));
}

TEST(Transient, LoopOfVoltageSourcesIsAnErrorNamingTheSource) {
  const auto nl =
      parse_netlist("l\nV1 a 0 1\nV2 a 0 2\nR1 a 0 1k\n.tran 1u 1m\n.end\n", "loop.cir");
  const std::string msg = test::input_error_of([&] { run_transient(nl); });
  EXPECT_TRUE(test::contains(msg, "loop.cir:3"));
  EXPECT_TRUE(test::contains(msg, "v2"));
}

TEST(Transient, UnsupportedModelParameterIsAnError) {
  const auto nl = parse_netlist(
      "m\nV1 d 0 1\nM1 d d 0 0 nm\n.model nm nmos(level=1 vto=0.5 kp=1e-4 cgso=1p)\n"
      ".tran 1u 1m\n.end\n",
      "mos.cir");
  const std::string msg = test::input_error_of([&] { run_transient(nl); });
  EXPECT_TRUE(test::contains(msg, "cgso"));
}

const char* noisy_neuron =
    "n\nVin in 0 DC 1.0\nY1 in gate dm\nCg gate 0 10p\nRc gate 0 250meg\n"
    ".model dm memristor(model=zhao2025 preset=zhao2025-table1 sigma1=0.002 sigma2=0.002)\n"
    ".tran 10u 20m 0 20u\n.save v(gate) state(y1.x1)\n.end\n";

TEST(Transient, SavedSignalsAreExactlyTheListedOnes) {
  // a .save list names what is recorded, states as state(element.variable) in any case;
  // without one, every node voltage, source current and memristor state
  std::string deck = noisy_neuron;
  const auto listed = run_transient(parse_netlist(deck, "n.cir"));
  EXPECT_EQ(listed.names, (std::vector<std::string>{"v(gate)", "state(y1.x1)"}));
  deck.replace(deck.find("state(y1.x1)"), 12, "STATE(Y1.X2)");
  EXPECT_EQ(run_transient(parse_netlist(deck, "n.cir")).names,
            (std::vector<std::string>{"v(gate)", "state(y1.x2)"}));
  deck.replace(deck.find(".save"), deck.find(".end") - deck.find(".save"), "");
  EXPECT_EQ(
      run_transient(parse_netlist(deck, "n.cir")).names,
      (std::vector<std::string>{"v(in)", "v(gate)", "i(vin)", "state(y1.x1)", "state(y1.x2)"}));
  std::string wrong = noisy_neuron;
  wrong.replace(wrong.find("state(y1.x1)"), 12, "state(y1.x3)");
  try {
    run_transient(parse_netlist(wrong, "n.cir"));
    ADD_FAILURE() << "no error for state(y1.x3)";
  } catch (const input_error& e) {
    EXPECT_STREQ(e.what(), "n.cir: output state(y1.x3): y1 has the states x1, x2");
  }
}

TEST(Transient, MemristorNoiseIsReproducibleAndSeeded) {
  const auto nl = parse_netlist(noisy_neuron, "n.cir");
  run_options a;
  a.seed = 3;
  const auto r1 = run_transient(nl, a);
  const auto r2 = run_transient(nl, a);
  ASSERT_EQ(r1.t.size(), r2.t.size());
  EXPECT_EQ(r1.values[0], r2.values[0]);
  run_options b = a;
  b.instance = 1;  // another instance: other random streams
  const auto r3 = run_transient(nl, b);
  EXPECT_NE(r1.values[1].back(), r3.values[1].back());  // state(y1.x1) at the end
}

}  // namespace IONSIM_TEST_FILE
}  // namespace ionsim::circuit

namespace ionsim::circuit {
namespace IONSIM_TEST_FILE {

TEST(CircuitCli, WritesHdf5WhenAskedAndCsvByDefault) {
  const std::string root = IONSIM_SOURCE_DIR;
  const auto dir = test::fresh_dir("circuit_cli");
  const std::string base = std::string("'") + IONSIM_BINARY + "' circuit run '" + root +
                           "/examples/circuits/rc_step.cir' ";
  ASSERT_EQ(std::system((base + "--out '" + (dir / "csv").string() + "' >/dev/null 2>&1").c_str()),
            0);
  EXPECT_TRUE(std::filesystem::exists(dir / "csv" / "trace.csv"));
  EXPECT_TRUE(std::filesystem::exists(dir / "csv" / "summary.json"));
  ASSERT_EQ(
      std::system(
          (base + "--format hdf5 --out '" + (dir / "h5").string() + "' >/dev/null 2>&1").c_str()),
      0);
  EXPECT_TRUE(std::filesystem::exists(dir / "h5" / "trace.h5"));
  EXPECT_FALSE(std::filesystem::exists(dir / "h5" / "trace.csv"));
  // a bad netlist: one line naming file and line, non-zero exit, nothing written
  const auto bad = dir / "bad.cir";
  std::ofstream(bad) << "bad\nR1 a 0\n.tran 1u 1m\n.end\n";
  const std::string cmd = std::string("'") + IONSIM_BINARY + "' circuit run '" + bad.string() +
                          "' --out '" + (dir / "bad").string() + "' 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  char buf[512];
  while (fgets(buf, sizeof buf, p)) out += buf;
  EXPECT_NE(pclose(p), 0);
  EXPECT_TRUE(test::contains(out, "bad.cir:2"));
  EXPECT_FALSE(std::filesystem::exists(dir / "bad" / "trace.csv"));
}

// Memristors of one model that follow each other load as one device batch. The same circuit
// with a memristor of another model between them (grounded at both ends, so it never moves and
// never limits the step) keeps them in separate batches: every trace must be the same, to the
// last bit, which catches any mix-up of a batch's devices (the branches differ in C_g).
TEST(Transient, BatchedMemristorsEqualSeparateOnes) {
  const std::string branches =
      "Vin in 0 PULSE(0 1 0 1u 1u 999u 2m)\n"
      "C1 g1 0 10p\nR1 g1 0 250meg\nC3 g3 0 20p\nR3 g3 0 250meg\n"
      ".model dm memristor(model=zhao2025 preset=zhao2025-table1)\n"
      ".model db memristor(model=hopping)\n"
      ".options reltol=1e-4 abstol=1e-16 vntol=1e-9 method=gear\n"
      ".tran 2u 40m 0 20u\n.save v(g1) v(g3) state(y1.x1) state(y1.x2) state(y3.x1) "
      "state(y3.x2)\n.end\n";
  const auto batched =
      run_transient(parse_netlist("batched\nY1 in g1 dm\nY3 in g3 dm\n" + branches, "batched.cir"));
  const auto separate = run_transient(
      parse_netlist("separate\nY1 in g1 dm\nY2 0 0 db\nY3 in g3 dm\n" + branches, "separate.cir"));
  ASSERT_EQ(batched.t, separate.t);
  auto column = [](const tran_result& r, const std::string& name) {
    const auto it = std::find(r.names.begin(), r.names.end(), name);
    EXPECT_NE(it, r.names.end()) << name;
    return r.values[static_cast<std::size_t>(it - r.names.begin())];
  };
  for (const char* name :
       {"v(g1)", "v(g3)", "state(y1.x1)", "state(y1.x2)", "state(y3.x1)", "state(y3.x2)"})
    EXPECT_EQ(column(batched, name), column(separate, name)) << name;
  // the two branches really differ, and each filament grew
  EXPECT_NE(column(batched, "v(g1)"), column(batched, "v(g3)"));
  for (const char* name : {"state(y1.x1)", "state(y3.x1)"}) {
    const auto x = column(batched, name);
    EXPECT_GT(*std::max_element(x.begin(), x.end()), 0.1) << name;
  }
}

}  // namespace IONSIM_TEST_FILE
}  // namespace ionsim::circuit
