#pragma once
// The circuit element interface: what an element declares to the netlist parser (its card) and
// what it does in the transient engine (its matrix entries, its stamp, its current and its
// histories), in the spirit of SPICE's and Xyce's device interfaces. The engine and the parser
// know no element by name; the element types are listed once, in circuit/elements.def
// (docs/dev/adding-a-circuit-element.md).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "circuit/netlist.hpp"

namespace ionsim::circuit {

// History of a reactive element: s is its charge (C) or flux (L) [C or Wb].
struct reactive {
  double s = 0, sdot = 0, s_prev = 0;
};

// The integration formula of the step being solved. A charge or flux s has the rate
// ds/dt(new) = alpha() * s_new + hist(r): backward Euler on the first step after a start or a
// corner, then the trapezoidal rule or BDF2 (Gear).
struct step_ctx {
  bool dc = true;  // the operating point: no time derivative
  int order = 1;
  double h = 0, h_prev = 0;  // [s] this step and the last accepted one
  bool gear = false;
  double alpha() const {
    if (dc) return 0;
    if (order == 1) return 1.0 / h;
    if (gear) {
      const double rho = h / h_prev;
      return (1 + 2 * rho) / (h * (1 + rho));
    }
    return 2.0 / h;
  }
  double hist(const reactive& r) const {
    if (dc) return 0;
    if (order == 1) return -r.s / h;
    if (gear) {
      const double rho = h / h_prev;
      return -(1 + rho) / h * r.s + rho * rho / (h * (1 + rho)) * r.s_prev;
    }
    return -2.0 / h * r.s - r.sdot;
  }
};

// A reactive element's history after an accepted point with charge or flux s_new.
inline void accept_history(reactive& r, double s_new, const step_ctx& c) {
  const double sdot = c.dc ? 0.0 : c.alpha() * s_new + c.hist(r);
  r.s_prev = c.dc ? s_new : r.s;
  r.s = s_new;
  r.sdot = sdot;
}

// What a stamp sees: the unknowns (node voltages [V], then branch currents [A]) it is linearised
// at, the time, the step, and the right-hand side it adds to.
struct load_ctx {
  const double* x;
  double t;  // [s] time of the solution
  const step_ctx& c;
  double src_scale;  // the operating point's source-stepping factor (1 otherwise)
  double* b;         // right-hand side, one entry per unknown
};

// One element of the circuit in the engine. Its terminals' unknowns (`n`, -1 for ground) and
// its branch unknowns are set by the engine before entries() is asked; the matrix entries it
// asked for arrive in `slot`, in the same order (nullptr where a row or column is ground).
class element_model {
 public:
  virtual ~element_model() = default;

  // Extra unknowns: one branch current per voltage-defined branch (V, L, E).
  virtual int branches() const { return 0; }
  // The matrix entries it writes, as (row, column) unknowns, in the order of `slot`.
  virtual std::vector<std::pair<int, int>> entries() const = 0;
  // Adds its linearisation at ctx.x to the matrix (through `slot`) and to ctx.b.
  virtual void load(const load_ctx& ctx) = 0;
  // Current into terminal 1 [A] at the accepted point x.
  virtual double current(const double* x, double t) const = 0;
  // Power absorbed [W] (negative where it delivers): (v1 - v2) * current, unless overridden.
  virtual double power(const double* x, double t) const;

  // Topology: pairs of terminals (indices into the element's node list) joined by a path for
  // DC, and whether the element fixes the voltage between terminals 1 and 2 (a loop of such
  // elements has no solution).
  virtual std::vector<std::pair<int, int>> conducts() const { return {{0, 1}}; }
  virtual bool fixes_voltage() const { return false; }

  // The initial point: histories from x (or from the element's ic with uic); may set its
  // branch unknowns in x.
  virtual void start(double* /*x*/, bool /*uic*/) {}
  // After an accepted point (the operating point too): histories and discrete states.
  virtual void accept(const double* /*x*/, const step_ctx& /*c*/) {}
  // Times in (from, to] at which its input has a corner (the integrator lands on them).
  virtual void breakpoints(double /*from*/, double /*to*/, std::vector<double>& /*out*/) const {}
  // Internal state variables recorded as outputs "state(name.variable)".
  virtual std::vector<std::string> state_names() const { return {}; }
  virtual double state(std::size_t /*k*/) const { return 0; }

  int n[5] = {-1, -1, -1, -1, -1};  // unknowns of the terminals (-1: ground)
  int branch = -1;                  // first branch unknown
  std::vector<double*> slot;        // matrix entries, in the order of entries()

 protected:
  static double volt(const double* x, int u) { return u < 0 ? 0.0 : x[u]; }
  double across(const double* x) const { return volt(x, n[0]) - volt(x, n[1]); }
  void add(std::size_t s, double val) const {
    if (slot[s]) *slot[s] += val;
  }
  static void rhs(const load_ctx& ctx, int row, double val) {
    if (row >= 0) ctx.b[row] += val;
  }
  // Two-terminal entries {n1,n1}, {n2,n2}, {n1,n2}, {n2,n1} and a conductance g on them.
  std::vector<std::pair<int, int>> conductance_entries() const {
    return {{n[0], n[0]}, {n[1], n[1]}, {n[0], n[1]}, {n[1], n[0]}};
  }
  void stamp_conductance(double g) const {
    add(0, g);
    add(1, g);
    add(2, -g);
    add(3, -g);
  }
  // A branch's entries {n1,br}, {n2,br}, {br,n1}, {br,n2} and its incidence: its current leaves
  // n1 and enters n2, and its equation reads v(n1) - v(n2).
  std::vector<std::pair<int, int>> incidence_entries() const {
    return {{n[0], branch}, {n[1], branch}, {branch, n[0]}, {branch, n[1]}};
  }
  void stamp_incidence() const {
    add(0, 1);
    add(1, -1);
    add(2, 1);
    add(3, -1);
  }
};

// Elements that load together, once per Newton iteration before their stamps: for example the
// memristors of one device configuration, advanced as one device batch. One group per element
// type that asks for one (build_ctx::group).
class element_group {
 public:
  virtual ~element_group() = default;
  // After every element is made.
  virtual void finish() {}
  // Evaluates the members at x for the step from t0 (counter: accepted steps so far); false when
  // a member's result is not finite.
  virtual bool load(const double* x, const step_ctx& c, double t0, std::uint64_t counter) = 0;
  // The accepted point is the start of the next step.
  virtual void save() {}
  // Back to the start of the step (a rejected step).
  virtual void restore() {}
  // The largest change of the members' states over the step relative to what one step may
  // change (> 1 rejects the step).
  virtual double change_ratio() const { return 0; }
};

struct run_options;

// What a factory is given to make an element.
struct build_ctx {
  const netlist& nl;
  std::size_t index;  // the element's position in nl.elements
  const run_options& options;
  std::vector<std::unique_ptr<element_group>>& groups;
  // The group of type G, made on first use.
  template <class G>
  G& group() {
    for (auto& g : groups)
      if (auto* p = dynamic_cast<G*>(g.get())) return *p;
    groups.push_back(std::make_unique<G>());
    return static_cast<G&>(*groups.back());
  }
};

// How an element's card reads after its name.
enum class card_form {
  value,   // nodes, one value, [key=value ...]
  model,   // nodes, a model name, [key=value ...]
  source,  // two nodes, [[DC] v] [PULSE(...)|PWL(...)|SIN(...)]
};

// An element type: its card and its factory.
struct element_type {
  const char* name;    // "resistor", in messages
  char letter;         // the card's first letter, lower case
  const char* syntax;  // "R n+ n- value", in messages
  card_form form;
  std::size_t nodes = 2;
  std::vector<std::string> params = {};        // instance parameters allowed after the fields
  const char* value_name = "value";            // value form: the name of the value field
  bool linear_only = false;                    // value form: POLY/VALUE/TABLE forms are refused
  bool (*value_ok)(double) = nullptr;          // value form: the values allowed (nullptr: any)
  const char* value_rule = "";                 // how value_ok reads, in messages: " (must be >= 0)"
  std::vector<std::string> model_types = {};   // model form: the .model types it takes
  std::vector<std::string> model_params = {};  // the model card's numeric parameters (empty:
                                               // checked by the factory)
  bool model_words = false;  // the model card may name things (model=zhao2025), not only numbers
  // A problem with a model card found while parsing ("" if none), e.g. an unsupported level.
  std::string (*check_model)(const model_card& m) = nullptr;
  bool current_output = false;  // i(name) is an output, and a default output
  std::unique_ptr<element_model> (*make)(const element& el, build_ctx& ctx);
};

// The registered element types (circuit/elements.def), and the one for a card letter or a
// .model type (nullptr if none).
const std::vector<const element_type*>& element_types();
const element_type* element_type_for_letter(char letter);
const element_type* element_type_for_model(const std::string& model_type);

}  // namespace ionsim::circuit
