// The SPICE-subset netlist parser and source waveforms (src/circuit/netlist.hpp).
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <string>
#include <vector>

#include "circuit/element.hpp"
#include "circuit/netlist.hpp"
#include "core/error.hpp"
#include "test_support.hpp"

namespace ionsim::circuit {
namespace IONSIM_TEST_FILE {

using test::contains;

netlist parse(const std::string& text) { return parse_netlist(text, "net.cir"); }

std::string error_of(const std::string& text) {
  return test::input_error_of([&] { parse_netlist(text, "net.cir"); });
}

const element& find(const netlist& nl, const std::string& name) {
  for (const auto& e : nl.elements)
    if (e.name == name) return e;
  ADD_FAILURE() << "no element " << name;
  static const element none{};
  return none;
}

std::vector<int> nodes(const netlist& nl, std::initializer_list<const char*> names) {
  std::vector<int> out;
  for (const char* n : names) out.push_back(nl.node(n));
  return out;
}

// Every card type in one deck, as an engineer would paste it from ngspice.
const char* const full_deck = R"(Full deck: every card
* a full-line comment
.param rbase=5k rload={2*rbase}
.param lmin=0.18u wn='2*lmin'
.param cap = 10p  ; an end-of-line comment
.options reltol=1e-4 abstol=1p vntol=1u chgtol=1e-15 trtol=5
+ gmin=1e-13 itl1=200 itl4=20 method=gear
VDD vdd 0 DC 1.8
VIN in 0 PULSE(0 1.8 1n 2n 2n 10n 40n)
VS sig 0 SIN(0.5, 0.2, 1meg)

IB 0 bias PWL(0 0 1u 1m 2u 1m)
R1 vdd out rload
RL out 0 1kohm $ the load
C1 out 0 cap ic=0.2
L1 bias 0 1uH IC=1m
E1 amp 0 in 0 10
G1 0 amp2 in 0 2m
S1 out sw_out in 0 swmod
M1 out in 0 0 nch W=wn L=lmin
M2 out in vdd vdd pch w=1u
+ l=0.18u
Y1 in gate dm
.model nch nmos(level=1 vto=0.5 kp=100u lambda=0.01)
.model pch pmos vto=-0.5 kp=40u
.model swmod sw(vt=0.9 vh=0.1 ron=1 roff=1meg)
.MODEL dm memristor(model=zhao2025 preset=zhao2025-table1 mu=200)
.tran 1n 100n 0 0.5n uic
.ic v(out)=0.9 V(gate)=0
.save v(out) i(vdd) v(out, in)
.print tran v(gate) v(out)
.control
run
plot v(out)
.endc
.end
R99 after the end: ignored
)";

// Found by fuzzing (tests/fuzz/netlist/regression-*): a NUL byte in a card made the tokenizer
// loop for ever; a card of separators alone had no tokens and was read past its end.
TEST(Netlist, ControlCharactersAreAnErrorAndCardsOfSeparatorsAreSkipped) {
  const netlist nl = parse("title\nR1 a 0 1k\n,\n, ,\nC1 a 0 1n\n.end\n");
  EXPECT_EQ(nl.elements.size(), 2u);
  std::string nul = "title\nR1 a 0 1k\n.save v(a)";
  nul += std::string(3, '\0');
  nul += "\n.end\n";
  EXPECT_EQ(error_of(nul), "net.cir:3: unexpected control character 0x00 (not a text netlist?)");
  EXPECT_TRUE(contains(error_of("title\nR1 a\x01"
                                "b 0 1k\n.end\n"),
                       "control character 0x01"));
}

TEST(Netlist, FullDeckTitleNodesAndElementCount) {
  const netlist nl = parse(full_deck);
  EXPECT_EQ(nl.title, "Full deck: every card");
  EXPECT_EQ(nl.source, "net.cir");
  const std::vector<std::string> names = {"0",   "vdd", "in",   "sig",    "bias",
                                          "out", "amp", "amp2", "sw_out", "gate"};
  EXPECT_EQ(nl.node_names, names);
  EXPECT_EQ(nl.node("OUT"), 5);
  EXPECT_EQ(nl.node("gnd"), 0);
  EXPECT_EQ(nl.node("GND"), 0);
  EXPECT_EQ(nl.node("0"), 0);
  EXPECT_EQ(nl.node("nowhere"), -1);
  EXPECT_EQ(nl.elements.size(), 14u);
}

TEST(Netlist, FullDeckPassiveAndControlledElements) {
  const netlist nl = parse(full_deck);
  const element& r1 = find(nl, "r1");
  EXPECT_STREQ(r1.type->name, "resistor");
  EXPECT_EQ(r1.nodes, nodes(nl, {"vdd", "out"}));
  EXPECT_DOUBLE_EQ(r1.value, 10e3);
  EXPECT_EQ(r1.source, "net.cir:13");
  EXPECT_DOUBLE_EQ(find(nl, "rl").value, 1e3);
  const element& c1 = find(nl, "c1");
  EXPECT_STREQ(c1.type->name, "capacitor");
  EXPECT_DOUBLE_EQ(c1.value, 10e-12);
  EXPECT_DOUBLE_EQ(c1.params.at("ic"), 0.2);
  const element& l1 = find(nl, "l1");
  EXPECT_STREQ(l1.type->name, "inductor");
  EXPECT_EQ(l1.nodes, nodes(nl, {"bias", "0"}));
  EXPECT_DOUBLE_EQ(l1.value, 1e-6);
  EXPECT_DOUBLE_EQ(l1.params.at("ic"), 1e-3);
  const element& e1 = find(nl, "e1");
  EXPECT_STREQ(e1.type->name, "VCVS");
  EXPECT_EQ(e1.nodes, nodes(nl, {"amp", "0", "in", "0"}));
  EXPECT_DOUBLE_EQ(e1.value, 10.0);
  const element& g1 = find(nl, "g1");
  EXPECT_STREQ(g1.type->name, "VCCS");
  EXPECT_EQ(g1.nodes, nodes(nl, {"0", "amp2", "in", "0"}));
  EXPECT_DOUBLE_EQ(g1.value, 2e-3);
}

TEST(Netlist, FullDeckSources) {
  const netlist nl = parse(full_deck);
  const element& vdd = find(nl, "vdd");
  EXPECT_STREQ(vdd.type->name, "voltage source");
  EXPECT_EQ(vdd.nodes, nodes(nl, {"vdd", "0"}));
  EXPECT_EQ(vdd.wave.type, waveform::kind::dc);
  EXPECT_DOUBLE_EQ(vdd.wave.dc, 1.8);
  const element& vin = find(nl, "vin");
  EXPECT_EQ(vin.wave.type, waveform::kind::pulse);
  const std::vector<double> pulse = {0, 1.8, 1e-9, 2e-9, 2e-9, 10e-9, 40e-9};
  ASSERT_EQ(vin.wave.args.size(), 7u);
  for (std::size_t i = 0; i < 7; ++i) EXPECT_DOUBLE_EQ(vin.wave.args[i], pulse[i]) << i;
  EXPECT_DOUBLE_EQ(vin.wave.dc, 0.0);  // no DC given: the value at t = 0
  const element& vs = find(nl, "vs");
  EXPECT_EQ(vs.wave.type, waveform::kind::sin);
  const std::vector<double> sine = {0.5, 0.2, 1e6, 0, 0, 0};
  ASSERT_EQ(vs.wave.args.size(), 6u);
  for (std::size_t i = 0; i < 6; ++i) EXPECT_DOUBLE_EQ(vs.wave.args[i], sine[i]) << i;
  EXPECT_DOUBLE_EQ(vs.wave.dc, 0.5);
  const element& ib = find(nl, "ib");
  EXPECT_STREQ(ib.type->name, "current source");
  EXPECT_EQ(ib.nodes, nodes(nl, {"0", "bias"}));
  EXPECT_EQ(ib.wave.type, waveform::kind::pwl);
  const std::vector<double> pwl = {0, 0, 1e-6, 1e-3, 2e-6, 1e-3};
  ASSERT_EQ(ib.wave.args.size(), 6u);
  for (std::size_t i = 0; i < 6; ++i) EXPECT_DOUBLE_EQ(ib.wave.args[i], pwl[i]) << i;
}

TEST(Netlist, FullDeckModelElements) {
  const netlist nl = parse(full_deck);
  const element& s1 = find(nl, "s1");
  EXPECT_STREQ(s1.type->name, "switch");
  EXPECT_EQ(s1.nodes, nodes(nl, {"out", "sw_out", "in", "0"}));
  EXPECT_EQ(s1.model, "swmod");
  const element& m1 = find(nl, "m1");
  EXPECT_STREQ(m1.type->name, "MOSFET");
  EXPECT_EQ(m1.nodes, nodes(nl, {"out", "in", "0", "0"}));
  EXPECT_EQ(m1.model, "nch");
  EXPECT_DOUBLE_EQ(m1.params.at("w"), 0.36e-6);
  EXPECT_DOUBLE_EQ(m1.params.at("l"), 0.18e-6);
  const element& m2 = find(nl, "m2");
  EXPECT_EQ(m2.model, "pch");
  EXPECT_DOUBLE_EQ(m2.params.at("w"), 1e-6);
  EXPECT_DOUBLE_EQ(m2.params.at("l"), 0.18e-6);  // from the continuation line
  EXPECT_EQ(m2.source, "net.cir:21");            // the line of the first card
  const element& y1 = find(nl, "y1");
  EXPECT_STREQ(y1.type->name, "memristor");
  EXPECT_EQ(y1.nodes, nodes(nl, {"in", "gate"}));
  EXPECT_EQ(y1.model, "dm");
}

TEST(Netlist, FullDeckModels) {
  const netlist nl = parse(full_deck);
  ASSERT_EQ(nl.models.size(), 4u);
  const model_card& nch = nl.models.at("nch");
  EXPECT_EQ(nch.type, "nmos");
  EXPECT_DOUBLE_EQ(nch.params.at("level"), 1.0);
  EXPECT_DOUBLE_EQ(nch.params.at("vto"), 0.5);
  EXPECT_DOUBLE_EQ(nch.params.at("kp"), 100e-6);
  EXPECT_DOUBLE_EQ(nch.params.at("lambda"), 0.01);
  EXPECT_EQ(nch.source, "net.cir:24");
  const model_card& pch = nl.models.at("pch");
  EXPECT_EQ(pch.type, "pmos");
  EXPECT_DOUBLE_EQ(pch.params.at("vto"), -0.5);
  const model_card& sw = nl.models.at("swmod");
  EXPECT_EQ(sw.type, "sw");
  EXPECT_DOUBLE_EQ(sw.params.at("roff"), 1e6);
  const model_card& dm = nl.models.at("dm");
  EXPECT_EQ(dm.type, "memristor");
  EXPECT_EQ(dm.words.at("model"), "zhao2025");
  EXPECT_EQ(dm.words.at("preset"), "zhao2025-table1");
  EXPECT_DOUBLE_EQ(dm.params.at("mu"), 200.0);
  EXPECT_EQ(dm.params.size(), 1u);
}

TEST(Netlist, FullDeckAnalysisOptionsAndOutputs) {
  const netlist nl = parse(full_deck);
  ASSERT_TRUE(nl.tran);
  EXPECT_DOUBLE_EQ(nl.tran->tstep, 1e-9);
  EXPECT_DOUBLE_EQ(nl.tran->tstop, 100e-9);
  EXPECT_DOUBLE_EQ(nl.tran->tstart, 0.0);
  EXPECT_DOUBLE_EQ(nl.tran->tmax, 0.5e-9);
  EXPECT_TRUE(nl.tran->uic);
  EXPECT_DOUBLE_EQ(nl.options.reltol, 1e-4);
  EXPECT_DOUBLE_EQ(nl.options.abstol, 1e-12);
  EXPECT_DOUBLE_EQ(nl.options.vntol, 1e-6);
  EXPECT_DOUBLE_EQ(nl.options.chgtol, 1e-15);
  EXPECT_DOUBLE_EQ(nl.options.trtol, 5.0);
  EXPECT_DOUBLE_EQ(nl.options.gmin, 1e-13);
  EXPECT_EQ(nl.options.itl1, 200);
  EXPECT_EQ(nl.options.itl4, 20);
  EXPECT_EQ(nl.options.method, "gear");
  const std::vector<std::pair<int, double>> ics = {{nl.node("out"), 0.9}, {nl.node("gate"), 0}};
  EXPECT_EQ(nl.ics, ics);
  const std::vector<std::string> outputs = {"v(out)", "i(vdd)", "v(out,in)", "v(gate)"};
  EXPECT_EQ(nl.outputs, outputs);  // lower case, no blanks, no duplicates
}

TEST(Netlist, DefaultsWithoutOptionsOrSave) {
  const netlist nl = parse("t\nR1 a 0 1\n");
  EXPECT_FALSE(nl.tran);
  EXPECT_EQ(nl.options.method, "trap");
  EXPECT_DOUBLE_EQ(nl.options.reltol, 1e-3);
  EXPECT_TRUE(nl.outputs.empty());
  EXPECT_TRUE(nl.ics.empty());
}

TEST(Netlist, SaveAllLeavesOutputsToTheEngine) {
  const netlist nl = parse("t\nR1 a 0 1\n.save all\n.save v(a)\n");
  EXPECT_TRUE(nl.outputs.empty());
  const netlist bare = parse("t\nR1 a 0 1\n.save a\n.print v(a)\n");
  EXPECT_EQ(bare.outputs, std::vector<std::string>{"v(a)"});
}

TEST(Netlist, CaseInsensitiveNamesAndEmptyDeck) {
  const netlist nl = parse("Title\nRa NodeA GND 2K\nRB nodea 0 3k\n.END\n");
  ASSERT_EQ(nl.elements.size(), 2u);
  EXPECT_EQ(nl.elements[0].name, "ra");
  EXPECT_EQ(nl.elements[0].nodes, (std::vector<int>{1, 0}));
  EXPECT_EQ(nl.elements[1].nodes, (std::vector<int>{1, 0}));
  EXPECT_EQ(nl.node_names, (std::vector<std::string>{"0", "nodea"}));
  const netlist empty = parse("");
  EXPECT_TRUE(empty.elements.empty());
  EXPECT_EQ(empty.node_names, std::vector<std::string>{"0"});
  const netlist crlf = parse("crlf deck\r\nR1 a 0 1k\r\n+ \r\n");
  EXPECT_EQ(crlf.title, "crlf deck");
  EXPECT_DOUBLE_EQ(crlf.elements.at(0).value, 1e3);
}

TEST(Netlist, ParametersInValuesAndSourceForms) {
  const netlist nl = parse(R"(params
.param vhi=1.2 f=1k r0=2 tail=4
.param twice = r0*2   ; unquoted expression, as ngspice
V1 a 0 vhi
V2 b 0 DC 'vhi/2' PWL(0,0,1n,{vhi})
V3 c 0 PULSE 0 vhi 1n 1n 1n 5n 10n
V4 d 0 sin(0 1 f)
V5 e 0
R1 a 0 {r0*1k}
R2 b 0 twice
R3 c 0 'tail'
R4 d 0 1
R5 e 0 1
.tran 1n 1u
)");
  EXPECT_DOUBLE_EQ(find(nl, "v1").wave.dc, 1.2);
  const element& v2 = find(nl, "v2");
  EXPECT_DOUBLE_EQ(v2.wave.dc, 0.6);
  EXPECT_EQ(v2.wave.type, waveform::kind::pwl);
  EXPECT_DOUBLE_EQ(v2.wave.args.at(3), 1.2);
  const element& v3 = find(nl, "v3");
  EXPECT_EQ(v3.wave.type, waveform::kind::pulse);
  EXPECT_DOUBLE_EQ(v3.wave.args.at(1), 1.2);
  EXPECT_DOUBLE_EQ(v3.wave.args.at(6), 10e-9);
  EXPECT_DOUBLE_EQ(find(nl, "v4").wave.args.at(2), 1e3);
  EXPECT_DOUBLE_EQ(find(nl, "v5").wave.dc, 0.0);
  EXPECT_DOUBLE_EQ(find(nl, "r1").value, 2e3);
  EXPECT_DOUBLE_EQ(find(nl, "r2").value, 4.0);
  EXPECT_DOUBLE_EQ(find(nl, "r3").value, 4.0);
}

TEST(Netlist, PulseAndSinDefaultsComeFromTran) {
  const netlist nl = parse(R"(defaults
V1 a 0 PULSE(0 1)
V2 b 0 PULSE(0 1 2u 0 0 0 0)
V3 c 0 SIN(0 1)
V4 d 0 PULSE(0 1 0 1n)
R1 a 0 1
R2 b 0 1
R3 c 0 1
R4 d 0 1
.tran 1u 1m
)");
  const std::vector<double> p1 = {0, 1, 0, 1e-6, 1e-6, 1e-3, 1e-3};
  const std::vector<double> p2 = {0, 1, 2e-6, 1e-6, 1e-6, 1e-3, 1e-3};
  const std::vector<double> p4 = {0, 1, 0, 1e-9, 1e-6, 1e-3, 1e-3};
  const std::vector<double> s3 = {0, 1, 1e3, 0, 0, 0};
  auto expect_args = [](const element& e, const std::vector<double>& want) {
    ASSERT_EQ(e.wave.args.size(), want.size()) << e.name;
    for (std::size_t i = 0; i < want.size(); ++i)
      EXPECT_DOUBLE_EQ(e.wave.args[i], want[i]) << e.name << " arg " << i;
  };
  expect_args(find(nl, "v1"), p1);
  expect_args(find(nl, "v2"), p2);
  expect_args(find(nl, "v3"), s3);
  expect_args(find(nl, "v4"), p4);
}

const char* const subckt_deck = R"(subcircuits
.param gain=3
.subckt inv a y params: w=1u l={2*w}
.param half={w/2}
M1 y a 0 0 nch W=w L=l
R1 a mid 1k
R2 mid y 'gain*1k'
C1 mid 0 half
.ends inv
.subckt buf a y w=1u
X1 a m inv w={w}
X2 m y inv w={2*w}
.model nloc nmos(vto={w*1meg})
M9 y m gnd 0 nloc
.ends
X1 in out inv
XB in out2 buf params: w=3u
.model nch nmos(vto=0.4)
.ic v(xb.m)=0.1
.save v(x1.mid)
)";

TEST(Netlist, SubcircuitExpansionNamesNodesAndElements) {
  const netlist nl = parse(subckt_deck);
  const std::vector<std::string> names = {"0",    "in",   "out",       "x1.mid",
                                          "out2", "xb.m", "xb.x1.mid", "xb.x2.mid"};
  EXPECT_EQ(nl.node_names, names);
  std::vector<std::string> elements;
  for (const auto& e : nl.elements) elements.push_back(e.name);
  const std::vector<std::string> want = {"x1.m1",    "x1.r1",    "x1.r2",    "x1.c1",    "xb.x1.m1",
                                         "xb.x1.r1", "xb.x1.r2", "xb.x1.c1", "xb.x2.m1", "xb.x2.r1",
                                         "xb.x2.r2", "xb.x2.c1", "xb.m9"};
  EXPECT_EQ(elements, want);
  EXPECT_EQ(find(nl, "x1.m1").nodes, nodes(nl, {"out", "in", "0", "0"}));
  EXPECT_EQ(find(nl, "x1.r1").nodes, nodes(nl, {"in", "x1.mid"}));
  EXPECT_EQ(find(nl, "xb.x1.m1").nodes, nodes(nl, {"xb.m", "in", "0", "0"}));
  EXPECT_EQ(find(nl, "xb.x2.r2").nodes, nodes(nl, {"xb.x2.mid", "out2"}));
  EXPECT_EQ(find(nl, "xb.m9").nodes, nodes(nl, {"out2", "xb.m", "0", "0"}));
  EXPECT_EQ(find(nl, "x1.r1").source, "net.cir:6");
  EXPECT_EQ(nl.ics, (std::vector<std::pair<int, double>>{{nl.node("xb.m"), 0.1}}));
  EXPECT_EQ(nl.outputs, std::vector<std::string>{"v(x1.mid)"});
}

TEST(Netlist, SubcircuitParametersDefaultsOverridesAndLocalModels) {
  const netlist nl = parse(subckt_deck);
  EXPECT_DOUBLE_EQ(find(nl, "x1.m1").params.at("w"), 1e-6);  // default
  EXPECT_DOUBLE_EQ(find(nl, "x1.m1").params.at("l"), 2e-6);  // default from another default
  EXPECT_DOUBLE_EQ(find(nl, "x1.c1").value, 0.5e-6);         // local .param
  EXPECT_DOUBLE_EQ(find(nl, "x1.r2").value, 3e3);            // global .param
  EXPECT_DOUBLE_EQ(find(nl, "xb.x1.m1").params.at("w"), 3e-6);
  EXPECT_DOUBLE_EQ(find(nl, "xb.x1.m1").params.at("l"), 6e-6);
  EXPECT_DOUBLE_EQ(find(nl, "xb.x2.m1").params.at("w"), 6e-6);
  EXPECT_DOUBLE_EQ(find(nl, "xb.x2.m1").params.at("l"), 12e-6);
  EXPECT_EQ(find(nl, "xb.x1.m1").model, "nch");
  EXPECT_EQ(find(nl, "xb.m9").model, "xb.nloc");
  EXPECT_DOUBLE_EQ(nl.models.at("xb.nloc").params.at("vto"), 3.0);
  EXPECT_EQ(nl.models.at("xb.nloc").source, "net.cir:13");
}

// ---- errors: "FILE:LINE: what", naming the culprit ----

TEST(NetlistErrors, ExamplesFromTheSpecification) {
  EXPECT_EQ(error_of("t\nV1 a 0 1\n* c\nR1 a b\n"),
            "net.cir:4: R1: missing value (syntax: R n+ n- value)");
  EXPECT_EQ(error_of("t\nR1 a 0 1\n.four 1k v(a)\n"), "net.cir:3: unknown card '.four'");
  EXPECT_EQ(error_of("t\nX1 a b inv\n"), "net.cir:2: X1: unknown subcircuit 'inv'");
  EXPECT_EQ(error_of("t\nR1 a 0 1\nR2 a 0 0\n"), "net.cir:3: resistor R2 value 0 is not allowed");
}

TEST(NetlistErrors, ValuesNodesAndParameters) {
  EXPECT_TRUE(contains(error_of("t\nR1 a\n"), "net.cir:2: R1: expected 2 nodes, got 1"));
  EXPECT_TRUE(
      contains(error_of("t\nR1 a b c 1k\n"), "net.cir:2: R1: too many fields, unexpected '1k'"));
  EXPECT_TRUE(contains(error_of("t\nR1 a b 1x2\n"), "net.cir:2: R1: '1x2' is not a number"));
  EXPECT_TRUE(contains(error_of("t\nR1 a b rr\n"), "net.cir:2: R1: undefined parameter 'rr'"));
  EXPECT_TRUE(contains(error_of("t\nR1 a b {rr*2}\n"),
                       "net.cir:2: R1: expression 'rr*2': undefined parameter 'rr'"));
  EXPECT_TRUE(contains(error_of("t\nR1 a b '2*'\n"), "net.cir:2: R1: expression '2*'"));
  EXPECT_TRUE(
      contains(error_of("t\nC1 a 0 -1p\n"), "net.cir:2: capacitor C1 value -1e-12 is not allowed"));
  EXPECT_TRUE(
      contains(error_of("t\nL1 a 0 -1\n"), "net.cir:2: inductor L1 value -1 is not allowed"));
  EXPECT_TRUE(contains(error_of("t\nC1 a 0 1p m=2\n"), "net.cir:2: C1: unsupported parameter 'm'"));
  EXPECT_TRUE(contains(error_of("t\nE1 a b c 2\n"), "net.cir:2: E1: missing gain"));
  EXPECT_TRUE(contains(error_of("t\nE1 a 0 poly(1) c 0 1 2\n"), "E1: only the linear form"));
  EXPECT_TRUE(contains(error_of("t\nG1 a 0 c 0\n"), "net.cir:2: G1: missing transconductance"));
  EXPECT_TRUE(
      contains(error_of("t\n.param 1x=2\n"), "net.cir:2: .param: invalid parameter name '1x'"));
  EXPECT_TRUE(contains(error_of("t\n.param a=b+1\n"),
                       "net.cir:2: .param a: expression 'b+1': undefined parameter 'b'"));
  EXPECT_TRUE(contains(error_of("t\nR1 a 0 1 'x\n"), "net.cir:2: unterminated quote"));
  EXPECT_TRUE(contains(error_of("t\nR1 a 0 {x\n"), "net.cir:2: unterminated '{'"));
  EXPECT_TRUE(contains(error_of("t\nR1 a 0 1\nr1 b 0 1\n"),
                       "net.cir:3: r1: element 'r1' is defined twice (first at net.cir:2)"));
}

TEST(NetlistErrors, ContinuationKeepsTheLineOfTheFirstCard) {
  EXPECT_EQ(error_of("t\nR1 a 0 1\nR2 a b\n* comment between\n+ 1x2\n"),
            "net.cir:3: R2: '1x2' is not a number");
  EXPECT_TRUE(contains(error_of("t\n+ 1k\n"), "net.cir:2: continuation line"));
}

TEST(NetlistErrors, SourcesAndWaveforms) {
  EXPECT_TRUE(
      contains(error_of("t\nV1 a 0 AC 1\n"), "net.cir:2: V1: AC analysis is not supported"));
  EXPECT_TRUE(contains(error_of("t\nV1 a 0 DC 0 AC 1 0\n"), "V1: AC analysis is not supported"));
  EXPECT_TRUE(
      contains(error_of("t\nV1 a 0 EXP(0 1)\n"), "net.cir:2: V1: EXP sources are not supported"));
  EXPECT_TRUE(contains(error_of("t\nV1 a PULSE(0 1)\n"), "net.cir:2: V1: expected 2 nodes, got 1"));
  EXPECT_TRUE(
      contains(error_of("t\nV1 a 0 PWL(0 0 1n)\n"), "net.cir:2: V1: PWL needs time-value pairs"));
  EXPECT_TRUE(
      contains(error_of("t\nV1 a 0 PWL(0 0 2n 1 1n 0)\n"),
               "net.cir:2: V1: PWL times must increase, but T3 = 1e-09 follows T2 = 2e-09"));
  EXPECT_TRUE(contains(error_of("t\nV1 a 0 PWL(0 0 1n 1) r=0\n"), "V1: unexpected 'r'"));
  EXPECT_TRUE(
      contains(error_of("t\nV1 a 0 PULSE(0 1 2 3 4 5 6 7)\n"), "V1: PULSE takes 2 to 7 values"));
  EXPECT_TRUE(contains(error_of("t\nV1 a 0 SIN(0)\n"), "V1: SIN takes 2 to 6 values"));
  EXPECT_TRUE(contains(error_of("t\nV1 a 0 PULSE(0 1 0 1n\n"), "V1: missing ')'"));
  EXPECT_TRUE(contains(error_of("t\nV1 a 0 1 2\n"), "net.cir:2: V1: unexpected '2'"));
  EXPECT_TRUE(contains(error_of("t\nI1 a 0 PULSE(0 1)\n"),
                       "net.cir:2: I1: PULSE TR is not given and there is no .tran"));
  EXPECT_TRUE(contains(error_of("t\nV1 a 0 PULSE(0 1 0 -1n 1n 1n 1n)\n.tran 1n 1u\n"),
                       "net.cir:2: V1: PULSE TR -1e-09 must not be negative"));
}

TEST(NetlistErrors, ModelsAndModelReferences) {
  EXPECT_TRUE(contains(error_of("t\nM1 d g 0 0 nfet\n"), "net.cir:2: M1: undefined model 'nfet'"));
  EXPECT_TRUE(contains(error_of("t\n.model sw1 sw(vt=1)\nM1 d g 0 0 sw1\n"),
                       "net.cir:3: M1: model 'sw1' is a sw model, expected nmos or pmos"));
  EXPECT_TRUE(contains(error_of("t\n.model n1 nmos\nS1 a 0 c 0 n1\n"),
                       "net.cir:3: S1: model 'n1' is a nmos model, expected sw"));
  EXPECT_TRUE(contains(error_of("t\n.model n1 nmos\nY1 a 0 n1\n"),
                       "net.cir:3: Y1: model 'n1' is a nmos model, expected memristor"));
  EXPECT_TRUE(
      contains(error_of("t\n.model n1 nmos\nM1 d g 0 n1\n"), "net.cir:3: M1: missing model name"));
  EXPECT_TRUE(contains(error_of("t\n.model dm memristor\nY1 a 0 dm ic=1\n"),
                       "net.cir:3: Y1: unexpected parameter 'ic'"));
  EXPECT_TRUE(contains(error_of("t\n.model d1 d(is=1e-14)\n"),
                       "net.cir:2: .model d1: model type 'd' is not supported"));
  EXPECT_TRUE(contains(error_of("t\n.model n1 nmos(level=3)\n"),
                       "net.cir:2: .model n1: level 3 is not supported"));
  EXPECT_TRUE(contains(error_of("t\n.model n1 nmos(vto=x)\n"),
                       "net.cir:2: .model n1: undefined parameter 'x'"));
  EXPECT_TRUE(contains(error_of("t\n.model n1 nmos(vto=1\n"), "net.cir:2: .model n1: missing ')'"));
  EXPECT_TRUE(contains(error_of("t\n.model n1 nmos\n.model N1 pmos\n"),
                       "net.cir:3: .model N1: model 'n1' is defined twice (first at net.cir:2)"));
}

TEST(NetlistErrors, SubcircuitProblems) {
  EXPECT_TRUE(contains(error_of("t\n.subckt a p q\nR1 p q 1\n.ends\nX1 n a\n"),
                       "net.cir:5: X1: subcircuit 'a' has 2 ports, got 1 nodes"));
  EXPECT_TRUE(contains(error_of("t\n.subckt a p q\nR1 p q 1\n.ends\nX1 n m a w=1\n"),
                       "net.cir:5: X1: subcircuit 'a' has no parameter 'w'"));
  EXPECT_TRUE(
      contains(error_of("t\n.subckt a p\nX2 p b\n.ends\n.subckt b p\nX3 p a\n.ends\nX1 n a\n"),
               "net.cir:6: X1.X2.X3: subcircuit 'a' contains itself (a -> b -> a)"));
  EXPECT_TRUE(contains(error_of("t\n.subckt a p\nR1 p 0 q\n.ends\nX1 n a\n"),
                       "net.cir:3: X1.R1: undefined parameter 'q'"));
  EXPECT_TRUE(
      contains(error_of("t\n.subckt a p\nR1 p 0 1\n"), "net.cir:2: .subckt 'a' has no .ends"));
  EXPECT_TRUE(contains(error_of("t\n.subckt a p\nR1 p 0 1\n.ends b\n"),
                       "net.cir:4: .ends 'b' does not match .subckt 'a'"));
  EXPECT_TRUE(contains(error_of("t\nR1 p 0 1\n.ends\n"), "net.cir:3: .ends without .subckt"));
  EXPECT_TRUE(contains(error_of("t\n.subckt a p\n.ends\n.subckt A q\n.ends\n"),
                       "net.cir:4: subcircuit 'a' is defined twice (first at line 2)"));
  EXPECT_TRUE(contains(error_of("t\n.subckt a p\n.tran 1n 1u\n.ends\nX1 n a\n"),
                       "net.cir:3: .tran is not allowed inside a subcircuit"));
  EXPECT_TRUE(contains(error_of("t\n.subckt a p 0\n.ends\n"),
                       "net.cir:2: .subckt a: ground '0' cannot be a port"));
  EXPECT_TRUE(contains(error_of("t\nX1\n"), "net.cir:2: X1: missing subcircuit name"));
  // Even in a subcircuit that is never instantiated.
  EXPECT_TRUE(contains(error_of("t\n.subckt a p\n.four 1k v(p)\n.ends\n"),
                       "net.cir:3: unknown card '.four'"));
  EXPECT_TRUE(contains(error_of("t\n.subckt a p\n.save v(p)\n.ends\n"),
                       "net.cir:3: .save is not allowed inside a subcircuit"));
  EXPECT_TRUE(contains(error_of("t\n.subckt a p\nQ1 p b 0 npn\n.ends\n"),
                       "net.cir:3: Q1: element type 'Q' is not supported"));
}

TEST(NetlistErrors, CardsThatAreNotSupported) {
  EXPECT_EQ(error_of("t\n.include models.lib\n"),
            "net.cir:2: .include is not supported (paste the file's cards into the netlist)");
  EXPECT_TRUE(contains(error_of("t\n.lib models.lib tt\n"), "net.cir:2: .lib is not supported"));
  EXPECT_TRUE(contains(error_of("t\n.op\n"), "net.cir:2: .op is not supported"));
  EXPECT_TRUE(contains(error_of("t\n.dc V1 0 1 0.1\n"), "net.cir:2: .dc is not supported"));
  EXPECT_TRUE(contains(error_of("t\n.AC dec 10 1 1meg\n"), "net.cir:2: .AC is not supported"));
  EXPECT_TRUE(
      contains(error_of("t\n.noise v(a) V1 dec 10 1 1k\n"), "net.cir:2: .noise is not supported"));
  EXPECT_TRUE(
      contains(error_of("t\n.meas tran t1 when v(a)=1\n"), "net.cir:2: .meas is not supported"));
  EXPECT_TRUE(contains(error_of("t\n.global vdd\n"), "net.cir:2: unknown card '.global'"));
  EXPECT_TRUE(
      contains(error_of("t\nQ1 c b e npn\n"), "net.cir:2: Q1: element type 'Q' is not supported"));
  EXPECT_TRUE(
      contains(error_of("t\nD1 a 0 dmod\n"), "net.cir:2: D1: element type 'D' is not supported"));
  EXPECT_TRUE(contains(error_of("t\n.control\nrun\n"), "net.cir:2: .control without .endc"));
  EXPECT_TRUE(contains(error_of("t\n.print dc v(a)\n"), "net.cir:2: .print dc: only .print tran"));
}

TEST(NetlistErrors, AnalysisOptionsAndOutputs) {
  EXPECT_TRUE(contains(error_of("t\n.tran 1n\n"), "net.cir:2: .tran: expected .tran tstep tstop"));
  EXPECT_TRUE(contains(error_of("t\n.tran 0 1u\n"), "net.cir:2: .tran: tstep 0 must be positive"));
  EXPECT_TRUE(contains(error_of("t\n.tran 1n 1u\n.tran 1n 2u\n"),
                       "net.cir:3: .tran: only one .tran is allowed (the first is at line 2)"));
  EXPECT_TRUE(contains(error_of("t\n.options temp=27\n"),
                       "net.cir:2: .options: unsupported option 'temp'"));
  EXPECT_TRUE(contains(error_of("t\n.options noacct\n"),
                       "net.cir:2: .options: unsupported option 'noacct'"));
  EXPECT_TRUE(contains(error_of("t\n.options method=euler\n"),
                       "net.cir:2: .options: method 'euler' is not supported"));
  EXPECT_TRUE(contains(error_of("t\n.options itl4=2.5\n"),
                       "net.cir:2: .options itl4: 2.5 must be a positive whole number"));
  EXPECT_TRUE(
      contains(error_of("t\n.options reltol=0\n"), "net.cir:2: .options reltol: 0 must be > 0"));
  EXPECT_TRUE(contains(error_of("t\nR1 a 0 1\n.ic v(b)=1\n"), "net.cir:3: .ic: unknown node 'b'"));
  EXPECT_TRUE(contains(error_of("t\nR1 a 0 1\n.ic a=1\n"),
                       "net.cir:3: .ic: expected v(node)=value at 'a'"));
  EXPECT_TRUE(contains(error_of("t\nR1 a 0 1\n.save v(b)\n"),
                       "net.cir:3: .save: unknown node 'b' in v(b)"));
  EXPECT_TRUE(contains(error_of("t\nR1 a 0 1\n.print tran i(r1)\n"),
                       "net.cir:3: .print: r1 is a resistor; i() takes a voltage source"));
  EXPECT_TRUE(
      contains(error_of("t\nR1 a 0 1\n.save i(v9)\n"), "net.cir:3: .save: unknown element 'v9'"));
  EXPECT_TRUE(contains(error_of("t\nR1 a 0 1\n.save vdb(a)\n"),
                       "net.cir:3: .save: unsupported output 'vdb(a)'"));
  EXPECT_TRUE(contains(error_of("t\nR1 a 0 1\n.save state(y9.x1)\n"),
                       "net.cir:3: .save: unknown element 'y9' in state(y9.x1)"));
  EXPECT_TRUE(contains(error_of("t\nR1 a 0 1\n.save state(r1)\n"),
                       "net.cir:3: .save: unsupported output 'state(r1)'"));
}

TEST(NetlistErrors, ReadNetlistNamesTheFile) {
  const auto dir = test::fresh_dir("netlist");
  const std::string path = test::write_text(dir / "deck.cir", "deck\nR1 a 0 1k\nR2 a 0\n");
  EXPECT_EQ(test::input_error_of([&] { read_netlist(path); }),
            path + ":3: R2: missing value (syntax: R n+ n- value)");
  const std::string good = test::write_text(dir / "good.cir", "deck\nR1 a 0 1k\n");
  EXPECT_EQ(read_netlist(good).source, good);
  EXPECT_TRUE(contains(test::input_error_of([&] { read_netlist((dir / "none.cir").string()); }),
                       "none.cir: cannot open the netlist"));
}

// ---- waveforms, against values computed by hand (and checked with ngspice 4) ----

waveform make(waveform::kind k, std::vector<double> args) {
  waveform w;
  w.type = k;
  w.args = std::move(args);
  return w;
}

std::vector<double> breaks(const waveform& w, double t0, double t1) {
  std::vector<double> out;
  w.breakpoints(t0, t1, out);
  return out;
}

TEST(Waveform, DcIsConstantWithoutBreakpoints) {
  waveform w;
  w.dc = 1.5;
  EXPECT_DOUBLE_EQ(w.value(0), 1.5);
  EXPECT_DOUBLE_EQ(w.value(1e3), 1.5);
  EXPECT_TRUE(breaks(w, 0, 1e3).empty());
}

TEST(Waveform, PulseValues) {
  // V1=0 V2=1 TD=1 TR=0.5 TF=0.5 PW=2 PER=5
  const waveform w = make(waveform::kind::pulse, {0, 1, 1, 0.5, 0.5, 2, 5});
  EXPECT_DOUBLE_EQ(w.value(0), 0.0);
  EXPECT_DOUBLE_EQ(w.value(1), 0.0);
  EXPECT_DOUBLE_EQ(w.value(1.25), 0.5);
  EXPECT_DOUBLE_EQ(w.value(1.5), 1.0);
  EXPECT_DOUBLE_EQ(w.value(3.5), 1.0);
  EXPECT_DOUBLE_EQ(w.value(3.75), 0.5);
  EXPECT_DOUBLE_EQ(w.value(4), 0.0);
  EXPECT_DOUBLE_EQ(w.value(5.5), 0.0);
  EXPECT_DOUBLE_EQ(w.value(6), 0.0);     // second period starts
  EXPECT_DOUBLE_EQ(w.value(6.25), 0.5);  // rising again
  EXPECT_DOUBLE_EQ(w.value(7), 1.0);
  EXPECT_DOUBLE_EQ(w.value(8.875), 0.25);  // falling: 1 - 0.375/0.5
  EXPECT_DOUBLE_EQ(w.value(101.25), 0.5);  // period 20
  // Inverted pulse, as a neuron's reset might be driven.
  const waveform inv = make(waveform::kind::pulse, {1, -1, 0, 1, 1, 1, 10});
  EXPECT_DOUBLE_EQ(inv.value(0), 1.0);
  EXPECT_DOUBLE_EQ(inv.value(0.5), 0.0);
  EXPECT_DOUBLE_EQ(inv.value(1.5), -1.0);
  EXPECT_DOUBLE_EQ(inv.value(2.75), 0.5);
}

TEST(Waveform, PulseBreakpoints) {
  const waveform w = make(waveform::kind::pulse, {0, 1, 1, 0.5, 0.5, 2, 5});
  EXPECT_EQ(breaks(w, 0, 12), (std::vector<double>{1, 1.5, 3.5, 4, 6, 6.5, 8.5, 9, 11, 11.5}));
  EXPECT_EQ(breaks(w, 4, 9), (std::vector<double>{6, 6.5, 8.5, 9}));  // (t0, t1]
  EXPECT_EQ(breaks(w, 100, 106.5), (std::vector<double>{101, 101.5, 103.5, 104, 106, 106.5}));
  EXPECT_TRUE(breaks(w, 4, 5.9).empty());
  std::vector<double> out = {-1};  // appends
  w.breakpoints(0, 1, out);
  EXPECT_EQ(out, (std::vector<double>{-1, 1}));
}

TEST(Waveform, PwlValuesAndBreakpoints) {
  const waveform w = make(waveform::kind::pwl, {0, 0, 1, 2, 3, -1});
  EXPECT_DOUBLE_EQ(w.value(-1), 0.0);
  EXPECT_DOUBLE_EQ(w.value(0), 0.0);
  EXPECT_DOUBLE_EQ(w.value(0.5), 1.0);
  EXPECT_DOUBLE_EQ(w.value(1), 2.0);
  EXPECT_DOUBLE_EQ(w.value(2), 0.5);
  EXPECT_DOUBLE_EQ(w.value(3), -1.0);
  EXPECT_DOUBLE_EQ(w.value(10), -1.0);
  EXPECT_EQ(breaks(w, 0, 3), (std::vector<double>{1, 3}));
  EXPECT_EQ(breaks(w, -1, 2), (std::vector<double>{0, 1}));
  const waveform late = make(waveform::kind::pwl, {1, 5, 2, 6});
  EXPECT_DOUBLE_EQ(late.value(0), 5.0);  // constant before the first point
  EXPECT_DOUBLE_EQ(late.value(1.5), 5.5);
  const waveform single = make(waveform::kind::pwl, {1, 7});
  EXPECT_DOUBLE_EQ(single.value(0), 7.0);
  EXPECT_DOUBLE_EQ(single.value(2), 7.0);
}

TEST(Waveform, SinValuesAndBreakpoints) {
  // VO=1 VA=2 FREQ=10 TD=0.1 THETA=3 PHASE=90
  const waveform w = make(waveform::kind::sin, {1, 2, 10, 0.1, 3, 90});
  EXPECT_DOUBLE_EQ(w.value(0), 3.0);  // before TD: VO + VA sin(PHASE)
  EXPECT_DOUBLE_EQ(w.value(0.1), 3.0);
  EXPECT_NEAR(w.value(0.15), 1 - 2 * std::exp(-0.15), 1e-12);  // sin(2 pi 0.5 + pi/2) = -1
  EXPECT_NEAR(w.value(0.2), 1 + 2 * std::exp(-0.3), 1e-12);    // sin(2 pi + pi/2) = 1
  EXPECT_EQ(breaks(w, 0, 1), std::vector<double>{0.1});
  EXPECT_TRUE(breaks(w, 0.1, 1).empty());
  const waveform plain = make(waveform::kind::sin, {0, 1, 1e3, 0, 0, 0});
  EXPECT_NEAR(plain.value(0.25e-3), 1.0, 1e-12);
  EXPECT_NEAR(plain.value(0.75e-3), -1.0, 1e-12);
  EXPECT_TRUE(breaks(plain, 0, 1).empty());
}

TEST(Waveform, ParsedSourcesEvaluate) {
  const netlist nl = parse("w\nV1 a 0 PULSE(0 1 1u)\nR1 a 0 1\n.tran 0.1u 10u\n");
  const waveform& w = nl.elements.at(0).wave;  // TR = TF = 0.1u, PW = PER = 10u
  EXPECT_NEAR(w.value(1.05e-6), 0.5, 1e-9);
  EXPECT_DOUBLE_EQ(w.value(5e-6), 1.0);
  const std::vector<double> b = breaks(w, 0, 10e-6);
  ASSERT_EQ(b.size(), 2u);
  EXPECT_DOUBLE_EQ(b[0], 1e-6);
  EXPECT_DOUBLE_EQ(b[1], 1.1e-6);
}

// Every registered element type is complete and reachable from its card letter and its
// .model types; the parser names the registered letters for an unknown one.
TEST(ElementRegistry, TypesAreCompleteAndFoundByLetterAndModelType) {
  std::string letters;
  for (const element_type* t : element_types()) {
    ASSERT_NE(t->make, nullptr) << t->name;
    EXPECT_EQ(element_type_for_letter(t->letter), t) << t->name;
    EXPECT_EQ(std::tolower(static_cast<unsigned char>(t->syntax[0])), t->letter) << t->name;
    EXPECT_EQ(t->form == card_form::model, !t->model_types.empty()) << t->name;
    for (const auto& m : t->model_types) EXPECT_EQ(element_type_for_model(m), t) << m;
    letters += static_cast<char>(std::toupper(static_cast<unsigned char>(t->letter)));
    letters += ' ';
  }
  EXPECT_EQ(letters, "R C L V I E G S M Y ");
  EXPECT_TRUE(contains(error_of("t\nQ1 a b c qmod\n"), "(R C L V I E G S M Y X)"));
}

}  // namespace IONSIM_TEST_FILE
}  // namespace ionsim::circuit
