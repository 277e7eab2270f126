#pragma once
// The circuit description after parsing: a flat list of elements on numbered nodes (subcircuits
// expanded, parameters evaluated), the model cards, and the analysis and output requests.
// Parsed from a SPICE-compatible subset (docs/circuit/netlist.md) by parse_netlist.
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ionsim::circuit {

// An independent source's value over time (SPICE semantics, ngspice manual §4.1).
struct waveform {
  enum class kind { dc, pulse, pwl, sin };
  kind type = kind::dc;
  double dc = 0;             // DC value (also the value of a DC source in transient)
  std::vector<double> args;  // PULSE(V1 V2 TD TR TF PW PER), SIN(VO VA FREQ TD THETA PHASE),
                             // PWL(T1 V1 T2 V2 ...), missing trailing args filled with defaults
                             // by the parser where SPICE defines them from .tran (TR, TF, PW, PER)
  double value(double t) const;
  // Times in (t0, t1] where the waveform has a corner (the integrator lands on them).
  void breakpoints(double t0, double t1, std::vector<double>& out) const;
};

struct element_type;  // circuit/element.hpp: the registered element types

struct model_card {
  std::string name;                          // lower case
  std::string type;                          // lower case: "nmos", "pmos", "sw", "memristor", ...
  std::map<std::string, double> params;      // lower-case keys
  std::map<std::string, std::string> words;  // non-numeric values, e.g. model=zhao2025
  std::string source;                        // "file:line" of the card
};

struct element {
  const element_type* type = nullptr;  // its card and its engine model (circuit/element.hpp)
  std::string name;                    // lower case, hierarchical for subcircuit instances: "x1.r2"
  std::string source;                  // "file:line"
  std::vector<int> nodes;              // node indices, 0 = ground; order as in the type's syntax
  double value = 0;   // value-form elements: R [Ω], C [F], L [H], E gain [1], G [S]
  waveform wave;      // V and I sources
  std::string model;  // model-form elements (S, M, Y): lower-case model name
  std::map<std::string, double> params;  // instance parameters (w, l, ic, ...), lower case
};

struct tran_request {
  double tstep = 0;   // [s] suggested step (also the output interval)
  double tstop = 0;   // [s]
  double tstart = 0;  // [s] first output time
  double tmax = 0;    // [s] largest step, 0 = none
  bool uic = false;   // skip the operating point, start from .ic values (others 0)
};

struct sim_options {
  double reltol = 1e-3;
  double abstol = 1e-12;  // [A]
  double vntol = 1e-6;    // [V]
  double chgtol = 1e-14;  // [C]
  double trtol = 7;
  double gmin = 1e-12;          // [S]
  int itl1 = 100;               // DC Newton iterations
  int itl4 = 10;                // transient Newton iterations per step
  std::string method = "trap";  // "trap" or "gear" (BDF2)
};

struct netlist {
  std::string title;                    // first line of the file
  std::string source;                   // file name
  std::vector<std::string> node_names;  // index -> name (lower case); [0] = "0"
  std::vector<element> elements;
  std::map<std::string, model_card> models;  // by lower-case name
  std::optional<tran_request> tran;
  sim_options options;
  std::vector<std::pair<int, double>> ics;  // .ic v(node)=value
  std::vector<std::string> outputs;         // .save / .print: "v(out)", "i(vdd)", "v(a,b)"

  int node(std::string_view name) const;  // -1 if absent
};

// Parses SPICE-subset text. Every problem (unknown card, missing node, bad value, undefined
// parameter or model, unsupported option) is an ionsim::input_error "file:line: what".
netlist parse_netlist(std::string_view text, const std::string& source);
netlist read_netlist(const std::string& path);

}  // namespace ionsim::circuit
