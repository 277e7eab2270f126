#include "circuit/transient.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <Eigen/Dense>
#include <Eigen/SparseCore>
#include <Eigen/SparseLU>
#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <memory>
#include <numeric>
#include <optional>

#include "circuit/mosfet.hpp"
#include "core/error.hpp"
#include "device/registry.hpp"

namespace ionsim::circuit {

namespace {

using sparse = Eigen::SparseMatrix<double, Eigen::ColMajor, int>;
using vec = Eigen::VectorXd;

constexpr double max_state_step = 0.02;  // memristor: largest change of a state variable per step
constexpr double newton_vlimit = 0.5;    // [V] largest node-voltage change per iteration

// History of a reactive element: s is its charge (C) or flux (L).
struct reactive {
  double s = 0, sdot = 0, s_prev = 0;
};

struct step_ctx {
  bool dc = true;
  int order = 1;
  double h = 0, h_prev = 0;
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
  // ds/dt(new) = alpha * s_new + hist
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

// Gaussian elimination with partial pivoting for the small systems of most circuits, in place
// on a fixed array: no allocation and no blocking, which cost more than the arithmetic below a
// few dozen unknowns. Solves a x = b (a row-major, n x n) into b; false for a zero pivot.
bool solve_small(int n, double* a, double* b) {
  for (int k = 0; k < n; ++k) {
    int p = k;
    for (int i = k + 1; i < n; ++i)
      if (std::fabs(a[i * n + k]) > std::fabs(a[p * n + k])) p = i;
    const double pivot = a[p * n + k];
    if (pivot == 0 || !std::isfinite(pivot)) return false;
    if (p != k) {
      for (int j = k; j < n; ++j) std::swap(a[k * n + j], a[p * n + j]);
      std::swap(b[k], b[p]);
    }
    for (int i = k + 1; i < n; ++i) {
      const double l = a[i * n + k] / pivot;
      if (l == 0) continue;
      for (int j = k + 1; j < n; ++j) a[i * n + j] -= l * a[k * n + j];
      b[i] -= l * b[k];
    }
  }
  for (int i = n - 1; i >= 0; --i) {
    double sum = b[i];
    for (int j = i + 1; j < n; ++j) sum -= a[i * n + j] * b[j];
    b[i] = sum / a[i * n + i];
  }
  return true;
}

// The memristors of one device configuration that follow each other in the netlist's memristor
// order, as one device batch: their device ids are contiguous, as the batch's are, and one
// call per Newton iteration advances them all.
struct mem_batch {
  device_config config;
  std::uint64_t first_id = 0;
  std::unique_ptr<device_model> dev;
  std::vector<std::size_t> elems;      // element indices, in batch order
  std::vector<double> saved, v, i, g;  // saved state; per device: voltage, current, slope
};

struct elem_state {
  int n[5] = {-1, -1, -1, -1, -1};  // unknown indices of the terminals (-1 ground)
  int branch = -1;
  std::vector<double*> slot;  // matrix entries this element writes, in build order
  reactive rx;
  mos_model mos;
  double beta = 0;
  bool sw_on = false;
  double sw_vt = 0, sw_vh = 0, sw_ron = 1, sw_roff = 1e12;
  device_model* mem = nullptr;    // the batch holding this memristor (or none)
  std::size_t mem_index = 0;      // its device in the batch
  double mem_i = 0, mem_g = 0;    // the batch's current and slope at the last load
  std::vector<double> mem_start;  // the state variables at the step's start (step control)
};

class engine {
 public:
  engine(const netlist& nl, const run_options& o);
  tran_result run();

 private:
  // What one recorded output reads.
  struct probe {
    enum kind { node, diff, branch_current, mem_state } k;
    int a = -1, b = -1;
    std::size_t elem = 0, state = 0;
  };
  // The transient loop's state between step attempts.
  struct tran_state {
    tran_result r;
    std::vector<probe> probes;
    vec x;               // the last accepted point
    int iterations = 0;  // Newton iterations, operating point included
    step_ctx c;
    double t = 0, h = 0;  // time of x; the step to try next
    double hmin = 0, hmax = 0;
    std::vector<std::pair<double, vec>> hist;  // accepted history for the predictor: (t, x)
    int since_restart = 0;                     // accepted steps since the start or a corner
    double next_progress = 0;
    std::vector<double> p_prev, energy;  // element powers at t; energies up to t
  };

  // slot bookkeeping: in the pattern pass, register (r, c); in the pointer pass, fetch them
  void pattern(elem_state& e, std::initializer_list<std::pair<int, int>> rc);
  void build();
  void check_models() const;
  void setup_mosfet(const element& el, elem_state& e) const;
  void setup_switch(const element& el, elem_state& e) const;
  void build_matrix();
  void element_pattern(const element& el, elem_state& e);
  void check_topology() const;
  void assemble(const vec& x, double t, const step_ctx& c, bool& mem_ok);
  void stamp(std::size_t k, const vec& x, double t, const step_ctx& c, double alpha);
  void stamp_mosfet(const elem_state& e, const vec& x);
  void load_memristors(const vec& x, const step_ctx& c, bool& mem_ok);
  void stamp_memristor(const elem_state& e, const vec& x);
  static void stamp_conductance(const elem_state& e, double g);
  static void stamp_incidence(const elem_state& e);
  bool newton(vec& x, double t, const step_ctx& c, int max_it, int& iterations);
  bool dc_operating_point(vec& x, int& iterations);
  void accept(const vec& x, const step_ctx& c);
  double v(const vec& x, int u) const { return u < 0 ? 0.0 : x[u]; }
  void rhs(int r, double val) {
    if (r >= 0) b_[r] += val;
  }
  static void add(double* p, double val) {
    if (p) *p += val;
  }
  std::vector<double> powers(const vec& x, double t) const;
  double element_current(std::size_t k, const vec& x, double t) const;

  // the steps of run()
  std::vector<probe> make_probes(std::vector<std::string>& names) const;
  void record(tran_state& s, double t) const;
  void initial_point(tran_state& s);
  void init_histories(vec& x, bool uic);
  void start_stepping(tran_state& s) const;
  void attempt_step(tran_state& s);
  bool limit_step(tran_state& s) const;
  std::optional<double> first_corner(double from, double to) const;
  vec predict(const tran_state& s) const;
  void reject_unconverged(tran_state& s, const vec& xn);
  double lte_ratio(const tran_state& s, const vec& xn, const vec& xp) const;
  double state_change_ratio() const;
  void save_memristors();
  void reject_inaccurate(tran_state& s, double ratio, double mem_ratio);
  void restore_memristors();
  void accept_step(tran_state& s, const vec& xn);
  void choose_next_step(tran_state& s, double ratio, double mem_ratio, bool at_bp) const;
  void report_progress(tran_state& s) const;

  const netlist& nl_;
  run_options o_;
  int n_nodes_ = 0, n_ = 0;
  std::vector<elem_state> es_;
  std::vector<mem_batch> mem_;
  std::vector<std::pair<int, int>> triplets_;
  bool pointer_pass_ = false;
  sparse A_;
  vec b_;
  Eigen::SparseLU<sparse, Eigen::COLAMDOrdering<int>> lu_;
  bool analysed_ = false;
  static constexpr int dense_limit = 24;  // unknowns up to which a dense LU is used
  std::array<double, dense_limit * dense_limit> dense_{};
  std::vector<double*> gmin_slot_;
  double gmin_ = 1e-12, gmin_extra_ = 0, src_scale_ = 1;
  // the first source corner in (from, to], or none (first_corner)
  struct corner_window {
    double from = 0, to = -1;
    std::optional<double> first;
  };
  mutable corner_window corners_;
  double t0_ = 0;              // start of the step being solved (memristors)
  std::uint64_t counter_ = 0;  // accepted steps so far (memristor noise counter)
};

engine::engine(const netlist& nl, const run_options& o) : nl_(nl), o_(o) {
  n_nodes_ = static_cast<int>(nl.node_names.size()) - 1;
  gmin_ = nl.options.gmin;
  build();
}

void engine::pattern(elem_state& e, std::initializer_list<std::pair<int, int>> rc) {
  for (const auto& [r, c] : rc) {
    if (!pointer_pass_) {
      if (r >= 0 && c >= 0) triplets_.emplace_back(r, c);
    } else {
      e.slot.push_back(r >= 0 && c >= 0 ? &A_.coeffRef(r, c) : nullptr);
    }
  }
}

// Model parameters the engine reads; any other is an error, never silently ignored.
void check_model_params(const model_card& m, std::initializer_list<const char*> known) {
  for (const auto& [key, val] : m.params) {
    bool ok = false;
    for (const char* k : known) ok = ok || key == k;
    if (!ok) {
      std::string list;
      for (const char* k : known) list += (list.empty() ? "" : ", ") + std::string(k);
      throw input_error(fmt::format("{}: model {}: parameter '{}' is not supported (supported: {})",
                                    m.source, m.name, key, list));
    }
  }
  if (!m.words.empty() && m.type != "memristor")
    throw input_error(fmt::format("{}: model {}: '{}' is not a number", m.source, m.name,
                                  m.words.begin()->first));
}

// A memristor model card's device configuration: a preset or a model's defaults, then the
// card's parameters.
device_config memristor_config(const model_card& m) {
  const auto model_it = m.words.find("model");
  const auto preset_it = m.words.find("preset");
  if (preset_it == m.words.end() && model_it == m.words.end())
    throw input_error(
        fmt::format("{}: model {}: a memristor model needs model=NAME ({}) or preset=NAME",
                    m.source, m.name, fmt::join(model_names(), ", ")));
  device_config cfg;
  try {
    cfg = preset_it != m.words.end() ? load_preset(preset_it->second)
                                     : default_config(model_it->second);
  } catch (const input_error& err) {
    throw input_error(fmt::format("{}: model {}: {}", m.source, m.name, err.what()));
  }
  if (preset_it != m.words.end() && model_it != m.words.end() && model_it->second != cfg.model())
    throw input_error(fmt::format("{}: model {}: preset '{}' is a {} parameter set, not {}",
                                  m.source, m.name, preset_it->second, cfg.model(),
                                  model_it->second));
  for (const auto& [key, val] : m.words)
    if (key != "model" && key != "preset")
      throw input_error(
          fmt::format("{}: model {}: '{}={}' is not a number", m.source, m.name, key, val));
  for (const auto& [key, val] : m.params) {
    try {
      set_param(cfg, key, val);
    } catch (const input_error& err) {
      throw input_error(fmt::format("{}: model {}: {}", m.source, m.name, err.what()));
    }
  }
  set_param(cfg, "r_series", 0);
  set_param(cfg, "i_compliance", 0);
  return cfg;
}

void engine::build() {
  es_.resize(nl_.elements.size());
  check_models();
  int branches = 0;
  std::uint64_t mem_count = 0;
  for (std::size_t k = 0; k < nl_.elements.size(); ++k) {
    const element& el = nl_.elements[k];
    elem_state& e = es_[k];
    for (std::size_t j = 0; j < el.nodes.size() && j < 5; ++j) e.n[j] = el.nodes[j] - 1;
    switch (el.kind) {
      case element_kind::vsource:
      case element_kind::inductor:
      case element_kind::vcvs:
        e.branch = n_nodes_ + branches++;
        break;
      case element_kind::mosfet:
        setup_mosfet(el, e);
        break;
      case element_kind::vswitch:
        setup_switch(el, e);
        break;
      case element_kind::memristor: {
        device_config cfg = memristor_config(nl_.models.at(el.model));
        // every memristor of every instance has its own random streams
        const std::uint64_t id =
            o_.instance * static_cast<std::uint64_t>(nl_.elements.size()) + mem_count++;
        const bool joins = !mem_.empty() && mem_.back().config.type == cfg.type &&
                           mem_.back().config.values == cfg.values &&
                           mem_.back().first_id + mem_.back().elems.size() == id;
        if (!joins) {
          mem_.emplace_back();
          mem_.back().config = std::move(cfg);
          mem_.back().first_id = id;
        }
        e.mem_index = mem_.back().elems.size();
        mem_.back().elems.push_back(k);
        break;
      }
      default:
        break;
    }
  }
  for (auto& mb : mem_) {
    const std::size_t n = mb.elems.size();
    mb.dev = make_device(mb.config, n, o_.seed, mb.first_id);
    mb.v.assign(n, 0.0);
    mb.i.assign(n, 0.0);
    mb.g.assign(n, 0.0);
    for (const std::size_t k : mb.elems) es_[k].mem = mb.dev.get();
  }
  n_ = n_nodes_ + branches;
  check_topology();
  build_matrix();
  b_.resize(n_);
}

void engine::check_models() const {
  for (const auto& [name, m] : nl_.models) {
    if (m.type == "nmos" || m.type == "pmos")
      check_model_params(
          m, {"level", "vto", "kp", "lambda", "gamma", "phi", "ld", "subthreshold", "n"});
    else if (m.type == "sw")
      check_model_params(m, {"vt", "vh", "ron", "roff"});
  }
}

void engine::setup_mosfet(const element& el, elem_state& e) const {
  const model_card& m = nl_.models.at(el.model);
  auto get = [&](const char* key, double def) {
    const auto it = m.params.find(key);
    return it == m.params.end() ? def : it->second;
  };
  const double level = get("level", 1);
  if (level != 1)
    throw input_error(
        fmt::format("{}: model {}: only level 1 MOSFETs are supported", m.source, m.name));
  e.mos.type = m.type == "pmos" ? -1 : 1;
  e.mos.vto = get("vto", 0);
  e.mos.kp = get("kp", 2e-5);
  e.mos.lambda = get("lambda", 0);
  e.mos.gamma = get("gamma", 0);
  e.mos.phi = get("phi", 0.6);
  e.mos.ld = get("ld", 0);
  e.mos.subthreshold = get("subthreshold", 0) != 0;
  e.mos.n = get("n", 1.5);
  auto ip = [&](const char* key, double def) {
    const auto it = el.params.find(key);
    return it == el.params.end() ? def : it->second;
  };
  const double w = ip("w", 1e-4), l = ip("l", 1e-4) - 2 * e.mos.ld;
  if (!(w > 0) || !(l > 0))
    throw input_error(fmt::format("{}: {}: W and L - 2 LD must be positive", el.source, el.name));
  e.beta = e.mos.kp * w / l;
}

void engine::setup_switch(const element& el, elem_state& e) const {
  const model_card& m = nl_.models.at(el.model);
  auto get = [&](const char* key, double def) {
    const auto it = m.params.find(key);
    return it == m.params.end() ? def : it->second;
  };
  e.sw_vt = get("vt", 0);
  e.sw_vh = get("vh", 0);
  e.sw_ron = get("ron", 1);
  e.sw_roff = get("roff", 1.0 / gmin_);
}

void engine::build_matrix() {
  // two passes: collect the pattern, then fetch the entries' addresses
  for (int pass = 0; pass < 2; ++pass) {
    pointer_pass_ = pass == 1;
    if (pointer_pass_) {
      for (int i = 0; i < n_nodes_; ++i) triplets_.emplace_back(i, i);  // gmin
      for (int i = 0; i < n_; ++i) triplets_.emplace_back(i, i);
      std::vector<Eigen::Triplet<double>> t;
      for (const auto& [r, c] : triplets_) t.emplace_back(r, c, 0.0);
      A_.resize(n_, n_);
      A_.setFromTriplets(t.begin(), t.end());
      A_.makeCompressed();
      for (int i = 0; i < n_nodes_; ++i) gmin_slot_.push_back(&A_.coeffRef(i, i));
    }
    for (std::size_t k = 0; k < nl_.elements.size(); ++k) element_pattern(nl_.elements[k], es_[k]);
  }
}

void engine::element_pattern(const element& el, elem_state& e) {
  const int a = e.n[0], b = e.n[1], c = e.n[2], d = e.n[3];
  switch (el.kind) {
    case element_kind::resistor:
    case element_kind::capacitor:
    case element_kind::vswitch:
    case element_kind::memristor:
      pattern(e, {{a, a}, {b, b}, {a, b}, {b, a}});
      break;
    case element_kind::vsource:
    case element_kind::inductor:
      pattern(e,
              {{a, e.branch}, {b, e.branch}, {e.branch, a}, {e.branch, b}, {e.branch, e.branch}});
      break;
    case element_kind::vcvs:
      pattern(e, {{a, e.branch},
                  {b, e.branch},
                  {e.branch, a},
                  {e.branch, b},
                  {e.branch, c},
                  {e.branch, d}});
      break;
    case element_kind::vccs:
      pattern(e, {{a, c}, {a, d}, {b, c}, {b, d}});
      break;
    case element_kind::mosfet:  // rows d, s; columns d, g, s, b
      pattern(e, {{a, a}, {a, b}, {a, c}, {a, d}, {c, a}, {c, b}, {c, c}, {c, d}});
      break;
    case element_kind::isource:
      break;
  }
}

void engine::check_topology() const {
  // Union-find over the elements that connect nodes: every node must reach ground, and no
  // loop may consist of voltage sources (and inductors) only.
  const int nn = n_nodes_ + 1;
  std::vector<int> parent(static_cast<std::size_t>(nn));
  std::iota(parent.begin(), parent.end(), 0);
  std::function<int(int)> find = [&](int x) {
    while (parent[static_cast<std::size_t>(x)] != x)
      x = parent[static_cast<std::size_t>(x)] =
          parent[static_cast<std::size_t>(parent[static_cast<std::size_t>(x)])];
    return x;
  };
  std::vector<int> vparent = parent;
  auto vfind = [&](int x) {
    while (vparent[static_cast<std::size_t>(x)] != x) x = vparent[static_cast<std::size_t>(x)];
    return x;
  };
  for (const element& el : nl_.elements) {
    auto join = [&](int p, int q) { parent[static_cast<std::size_t>(find(p))] = find(q); };
    switch (el.kind) {
      case element_kind::isource:
      case element_kind::vccs:
        break;
      case element_kind::mosfet:
        join(el.nodes[0], el.nodes[2]);
        join(el.nodes[0], el.nodes[3]);
        break;
      default:
        join(el.nodes[0], el.nodes[1]);
    }
    if (el.kind == element_kind::vsource || el.kind == element_kind::vcvs ||
        el.kind == element_kind::inductor) {
      const int p = vfind(el.nodes[0]), q = vfind(el.nodes[1]);
      if (p == q)
        throw input_error(fmt::format(
            "{}: {} closes a loop of voltage sources and inductors between nodes {} and {}",
            el.source, el.name, nl_.node_names[static_cast<std::size_t>(el.nodes[0])],
            nl_.node_names[static_cast<std::size_t>(el.nodes[1])]));
      vparent[static_cast<std::size_t>(p)] = q;
    }
  }
  std::vector<std::string> floating;
  for (int i = 1; i < nn; ++i)
    if (find(i) != find(0)) floating.push_back(nl_.node_names[static_cast<std::size_t>(i)]);
  if (!floating.empty())
    throw input_error(fmt::format("{}: floating node(s) with no path to ground: {}", nl_.source,
                                  fmt::join(floating, ", ")));
}

void engine::assemble(const vec& x, double t, const step_ctx& c, bool& mem_ok) {
  std::fill(A_.valuePtr(), A_.valuePtr() + A_.nonZeros(), 0.0);
  b_.setZero();
  for (auto* p : gmin_slot_) *p += gmin_ + gmin_extra_;
  if (c.dc) {
    // .ic holds its nodes during the operating point (as SPICE): a large conductance to the value
    constexpr double g_ic = 1e4;
    for (const auto& [node, val] : nl_.ics)
      if (node > 0) {
        *gmin_slot_[static_cast<std::size_t>(node - 1)] += g_ic;
        b_[node - 1] += g_ic * val;
      }
  }
  const double alpha = c.alpha();
  mem_ok = true;
  load_memristors(x, c, mem_ok);
  for (std::size_t k = 0; k < nl_.elements.size(); ++k) stamp(k, x, t, c, alpha);
}

// A branch's incidence: its current leaves n+ and enters n-, and its equation reads v(n+) - v(n-)
// (the first four entries of a voltage source, inductor or VCVS).
void engine::stamp_incidence(const elem_state& e) {
  add(e.slot[0], 1);
  add(e.slot[1], -1);
  add(e.slot[2], 1);
  add(e.slot[3], -1);
}

void engine::stamp_conductance(const elem_state& e, double g) {
  add(e.slot[0], g);
  add(e.slot[1], g);
  add(e.slot[2], -g);
  add(e.slot[3], -g);
}

// Element k's entries in A_ and b_, linearized at x.
void engine::stamp(std::size_t k, const vec& x, double t, const step_ctx& c, double alpha) {
  const element& el = nl_.elements[k];
  elem_state& e = es_[k];
  const int a = e.n[0], b = e.n[1];
  switch (el.kind) {
    case element_kind::resistor:
      stamp_conductance(e, 1.0 / el.value);
      break;
    case element_kind::capacitor: {
      if (c.dc) break;
      stamp_conductance(e, el.value * alpha);
      const double ieq = c.hist(e.rx);  // charge rate not proportional to v_new
      rhs(a, -ieq);
      rhs(b, ieq);
      break;
    }
    case element_kind::inductor: {
      stamp_incidence(e);
      if (!c.dc) {
        add(e.slot[4], -el.value * alpha);
        b_[e.branch] += c.hist(e.rx);
      }
      break;
    }
    case element_kind::vsource:
      stamp_incidence(e);
      b_[e.branch] += src_scale_ * el.wave.value(t);
      break;
    case element_kind::isource: {
      const double i = src_scale_ * el.wave.value(t);
      rhs(a, -i);
      rhs(b, i);
      break;
    }
    case element_kind::vcvs:
      stamp_incidence(e);
      add(e.slot[4], -el.value);
      add(e.slot[5], el.value);
      break;
    case element_kind::vccs:
      add(e.slot[0], el.value);
      add(e.slot[1], -el.value);
      add(e.slot[2], -el.value);
      add(e.slot[3], el.value);
      break;
    case element_kind::vswitch:
      stamp_conductance(e, 1.0 / (e.sw_on ? e.sw_ron : e.sw_roff));
      break;
    case element_kind::mosfet:
      stamp_mosfet(e, x);
      break;
    case element_kind::memristor:
      stamp_memristor(e, x);
      break;
  }
}

void engine::stamp_mosfet(const elem_state& e, const vec& x) {
  const int d = e.n[0], g = e.n[1], s = e.n[2], bb = e.n[3];
  const double vd = v(x, d), vg = v(x, g), vs = v(x, s), vb = v(x, bb);
  const mos_eval m = mos_current(e.mos, e.beta, vd, vg, vs, vb);
  const double ieq = m.id - (m.dd * vd + m.dg * vg + m.ds * vs + m.db * vb);
  add(e.slot[0], m.dd);
  add(e.slot[1], m.dg);
  add(e.slot[2], m.ds);
  add(e.slot[3], m.db);
  add(e.slot[4], -m.dd);
  add(e.slot[5], -m.dg);
  add(e.slot[6], -m.ds);
  add(e.slot[7], -m.db);
  rhs(d, -ieq);
  rhs(s, ieq);
}

// Every memristor's current and slope at x: at the operating point its present resistance; in
// a step the state at the step's end for its voltage held over the step, and the current's
// slope through it (the device model's dI/dV: analytic, or its forward difference). A negative
// slope (the device switching on faster than the voltage drops) is not stamped: Newton then
// converges from the side of the smaller current. An accepted step keeps the state of the
// last evaluation.
void engine::load_memristors(const vec& x, const step_ctx& c, bool& mem_ok) {
  for (auto& mb : mem_) {
    for (std::size_t j = 0; j < mb.elems.size(); ++j) {
      const elem_state& e = es_[mb.elems[j]];
      mb.v[j] = v(x, e.n[0]) - v(x, e.n[1]);
    }
    if (c.dc) {
      for (std::size_t j = 0; j < mb.elems.size(); ++j) {
        mb.g[j] = 1.0 / mb.dev->resistance(j);
        mb.i[j] = mb.v[j] * mb.g[j];
      }
    } else {
      mb.dev->restore_state(mb.saved);
      mb.dev->advance_interval_slope(t0_, c.h, counter_, mb.v, mb.i, mb.g);
      for (std::size_t j = 0; j < mb.elems.size(); ++j) {
        mb.g[j] = std::max(mb.g[j], 0.0);
        if (!std::isfinite(mb.g[j]) || !std::isfinite(mb.i[j])) mem_ok = false;
      }
    }
    for (std::size_t j = 0; j < mb.elems.size(); ++j) {
      es_[mb.elems[j]].mem_i = mb.i[j];
      es_[mb.elems[j]].mem_g = mb.g[j];
    }
  }
}

void engine::stamp_memristor(const elem_state& e, const vec& x) {
  const int a = e.n[0], b = e.n[1];
  const double vm = v(x, a) - v(x, b), g = e.mem_g;
  stamp_conductance(e, g);
  const double ieq = e.mem_i - g * vm;
  rhs(a, -ieq);
  rhs(b, ieq);
}

bool engine::newton(vec& x, double t, const step_ctx& c, int max_it, int& iterations) {
  const auto& op = nl_.options;
  for (int it = 0; it < max_it; ++it) {
    ++iterations;
    bool mem_ok = true;
    assemble(x, t, c, mem_ok);
    if (!mem_ok) return false;
    vec xn;
    if (n_ <= dense_limit) {
      // Small systems: a dense LU is faster than any sparse one (no symbolic work at all).
      std::fill_n(dense_.begin(), n_ * n_, 0.0);
      for (int col = 0; col < n_; ++col)
        for (sparse::InnerIterator it(A_, col); it; ++it) dense_[it.row() * n_ + col] = it.value();
      xn = b_;
      if (!solve_small(n_, dense_.data(), xn.data())) return false;
    } else {
      if (!analysed_) {
        lu_.analyzePattern(A_);
        analysed_ = true;
      }
      lu_.factorize(A_);
      if (lu_.info() != Eigen::Success) return false;
      xn = lu_.solve(b_);
    }
    if (!xn.allFinite()) return false;
    bool converged = it > 0;
    for (int i = 0; i < n_; ++i) {
      double dx = xn[i] - x[i];
      if (i < n_nodes_ && std::fabs(dx) > newton_vlimit) {
        dx = std::copysign(newton_vlimit, dx);
        xn[i] = x[i] + dx;
        converged = false;
      }
      const double tol = op.reltol * std::max(std::fabs(xn[i]), std::fabs(x[i])) +
                         (i < n_nodes_ ? op.vntol : op.abstol);
      if (std::fabs(dx) > tol) converged = false;
    }
    x = xn;
    if (converged) return true;
  }
  return false;
}

bool engine::dc_operating_point(vec& x, int& iterations) {
  step_ctx dc;
  x.setZero(n_);
  if (newton(x, 0.0, dc, nl_.options.itl1, iterations)) return true;
  // gmin stepping, then source stepping
  for (double g = 1e-2; g >= 1e-13; g /= 10) {
    gmin_extra_ = g;
    if (!newton(x, 0.0, dc, nl_.options.itl1, iterations)) break;
  }
  gmin_extra_ = 0;
  if (newton(x, 0.0, dc, nl_.options.itl1, iterations)) return true;
  x.setZero(n_);
  for (int k = 1; k <= 20; ++k) {
    src_scale_ = k / 20.0;
    if (!newton(x, 0.0, dc, nl_.options.itl1, iterations)) {
      src_scale_ = 1;
      return false;
    }
  }
  src_scale_ = 1;
  return true;
}

// After an accepted point: update the reactive histories and the switches.
void engine::accept(const vec& x, const step_ctx& c) {
  const double alpha = c.alpha();
  for (std::size_t k = 0; k < nl_.elements.size(); ++k) {
    const element& el = nl_.elements[k];
    elem_state& e = es_[k];
    if (el.kind == element_kind::capacitor || el.kind == element_kind::inductor) {
      const double s_new = el.kind == element_kind::capacitor
                               ? el.value * (v(x, e.n[0]) - v(x, e.n[1]))
                               : el.value * x[e.branch];
      const double sdot = c.dc ? 0.0 : alpha * s_new + c.hist(e.rx);
      e.rx.s_prev = e.rx.s;
      e.rx.s = s_new;
      e.rx.sdot = sdot;
      if (c.dc) e.rx.s_prev = s_new;
    } else if (el.kind == element_kind::vswitch) {
      const double vc = v(x, e.n[2]) - v(x, e.n[3]);
      if (vc > e.sw_vt + e.sw_vh) e.sw_on = true;
      if (vc < e.sw_vt - e.sw_vh) e.sw_on = false;
    }
  }
  if (!c.dc) save_memristors();
}

double engine::element_current(std::size_t k, const vec& x, double t) const {
  // Current into terminal 1 (n+ or drain) [A].
  const element& el = nl_.elements[k];
  const elem_state& e = es_[k];
  const double vab = v(x, e.n[0]) - v(x, e.n[1]);
  switch (el.kind) {
    case element_kind::resistor:
      return vab / el.value;
    case element_kind::capacitor:
      return e.rx.sdot;
    case element_kind::inductor:
    case element_kind::vsource:
    case element_kind::vcvs:
      return x[e.branch];
    case element_kind::isource:
      return el.wave.value(t);
    case element_kind::vccs:
      return el.value * (v(x, e.n[2]) - v(x, e.n[3]));
    case element_kind::vswitch:
      return vab / (e.sw_on ? e.sw_ron : e.sw_roff);
    case element_kind::mosfet:
      return mos_current(e.mos, e.beta, v(x, e.n[0]), v(x, e.n[1]), v(x, e.n[2]), v(x, e.n[3])).id;
    case element_kind::memristor:
      return vab / e.mem->resistance(e.mem_index);
  }
  return 0;
}

std::vector<double> engine::powers(const vec& x, double t) const {
  std::vector<double> p(nl_.elements.size());
  for (std::size_t k = 0; k < nl_.elements.size(); ++k) {
    const element& el = nl_.elements[k];
    const elem_state& e = es_[k];
    const double i = element_current(k, x, t);
    if (el.kind == element_kind::mosfet)
      p[k] = (v(x, e.n[0]) - v(x, e.n[2])) * i;  // the gate draws no current
    else
      p[k] = (v(x, e.n[0]) - v(x, e.n[1])) * i;  // absorbed; negative for a delivering source
  }
  return p;
}

tran_result engine::run() {
  const auto wall0 = std::chrono::steady_clock::now();
  if (!nl_.tran)
    throw input_error(fmt::format("{}: no .tran card: nothing to simulate", nl_.source));
  tran_state s;
  s.x = vec::Zero(n_);
  s.probes = make_probes(s.r.names);
  s.r.values.resize(s.probes.size());
  initial_point(s);
  start_stepping(s);
  while (s.t < nl_.tran->tstop * (1 - 1e-12)) attempt_step(s);
  s.r.newton_iterations = s.iterations;
  for (std::size_t k = 0; k < s.energy.size(); ++k)
    s.r.energy.push_back({nl_.elements[k].name, s.energy[k]});
  s.r.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
  return std::move(s.r);
}

// Outputs: the requested ones, or every node voltage, source current and memristor state.
std::vector<engine::probe> engine::make_probes(std::vector<std::string>& names) const {
  std::vector<probe> probes;
  auto element_index = [&](const std::string& name) -> std::size_t {
    for (std::size_t k = 0; k < nl_.elements.size(); ++k)
      if (nl_.elements[k].name == name) return k;
    throw input_error(fmt::format("{}: output i({}): no element named {}", nl_.source, name, name));
  };
  auto node_index = [&](const std::string& name) {
    const int n = nl_.node(name);
    if (n < 0)
      throw input_error(fmt::format("{}: output v({}): no node named {}", nl_.source, name, name));
    return n - 1;
  };
  if (nl_.outputs.empty()) {
    for (int i = 1; i <= n_nodes_; ++i) {
      names.push_back(fmt::format("v({})", nl_.node_names[static_cast<std::size_t>(i)]));
      probes.push_back({probe::node, i - 1});
    }
    for (std::size_t k = 0; k < nl_.elements.size(); ++k)
      if (nl_.elements[k].kind == element_kind::vsource) {
        names.push_back(fmt::format("i({})", nl_.elements[k].name));
        probes.push_back({probe::branch_current, -1, -1, k});
      }
  } else {
    for (const std::string& out : nl_.outputs) {
      const auto open = out.find('('), close = out.rfind(')');
      if (open == std::string::npos || close == std::string::npos || close < open)
        throw input_error(fmt::format("{}: cannot read output '{}'", nl_.source, out));
      const std::string fn = out.substr(0, open), arg = out.substr(open + 1, close - open - 1);
      names.push_back(out);
      if (fn == "v") {
        const auto comma = arg.find(',');
        if (comma == std::string::npos)
          probes.push_back({probe::node, node_index(arg)});
        else
          probes.push_back(
              {probe::diff, node_index(arg.substr(0, comma)), node_index(arg.substr(comma + 1))});
      } else if (fn == "i") {
        probes.push_back({probe::branch_current, -1, -1, element_index(arg)});
      } else {
        throw input_error(
            fmt::format("{}: output '{}': only v(...) and i(...) can be saved", nl_.source, out));
      }
    }
  }
  for (std::size_t k = 0; k < nl_.elements.size(); ++k)
    if (es_[k].mem)
      for (std::size_t s = 0; s < es_[k].mem->state_names().size(); ++s) {
        names.push_back(
            fmt::format("state({}.{})", nl_.elements[k].name, es_[k].mem->state_names()[s]));
        probes.push_back({probe::mem_state, -1, -1, k, s});
      }
  return probes;
}

// Appends the outputs at s.x, time t.
void engine::record(tran_state& s, double t) const {
  s.r.t.push_back(t);
  for (std::size_t p = 0; p < s.probes.size(); ++p) {
    const probe& pr = s.probes[p];
    double val = 0;
    switch (pr.k) {
      case probe::node:
        val = v(s.x, pr.a);
        break;
      case probe::diff:
        val = v(s.x, pr.a) - v(s.x, pr.b);
        break;
      case probe::branch_current:
        val = element_current(pr.elem, s.x, t);
        break;
      case probe::mem_state:
        val = es_[pr.elem].mem->state(pr.state)[es_[pr.elem].mem_index];
        break;
    }
    s.r.values[p].push_back(val);
  }
}

// Initial point: the operating point, or .ic values with uic.
void engine::initial_point(tran_state& s) {
  const bool uic = nl_.tran->uic;
  if (uic) {
    for (const auto& [node, val] : nl_.ics)
      if (node > 0) s.x[node - 1] = val;
  } else if (!dc_operating_point(s.x, s.iterations)) {
    throw run_error(fmt::format("{}: the DC operating point did not converge", nl_.source));
  }
  init_histories(s.x, uic);
  accept(s.x, step_ctx{});
  record(s, 0.0);
  s.p_prev = powers(s.x, 0.0);
  s.energy.assign(nl_.elements.size(), 0.0);
}

// The reactive elements' histories at the initial point (their ic values with uic), and the
// memristors' states to retry the first step from.
void engine::init_histories(vec& x, bool uic) {
  for (std::size_t k = 0; k < nl_.elements.size(); ++k) {
    const element& el = nl_.elements[k];
    elem_state& e = es_[k];
    if (el.kind == element_kind::capacitor) {
      double v0 = v(x, e.n[0]) - v(x, e.n[1]);
      if (uic && el.params.count("ic")) v0 = el.params.at("ic");
      e.rx.s = e.rx.s_prev = el.value * v0;
    } else if (el.kind == element_kind::inductor) {
      double i0 = x[e.branch];
      if (uic && el.params.count("ic")) i0 = el.params.at("ic");
      e.rx.s = e.rx.s_prev = el.value * i0;
      x[e.branch] = i0;
    }
  }
  save_memristors();
}

void engine::start_stepping(tran_state& s) const {
  const tran_request& tr = *nl_.tran;
  s.hmax = tr.tmax > 0 ? tr.tmax : std::min(tr.tstep, tr.tstop / 50.0);
  s.hmin = 1e-12 * tr.tstop;
  s.t = 0;
  s.h = std::min(tr.tstep, tr.tstop / 50.0) / 10.0;
  s.c.dc = false;
  s.c.gear = nl_.options.method == "gear";
  s.c.order = 1;
  s.c.h_prev = s.h;
  s.hist.assign(1, {0.0, s.x});
  s.since_restart = 0;
  s.next_progress = 0;
}

// One try at a step from s.t: accepted, or rejected with a smaller s.h for the next try.
void engine::attempt_step(tran_state& s) {
  const bool at_bp = limit_step(s);
  const vec xp = predict(s);
  vec xn = xp;
  t0_ = s.t;
  int its = 0;
  const bool ok = newton(xn, s.t + s.h, s.c, nl_.options.itl4, its);
  s.iterations += its;
  if (!ok) {
    reject_unconverged(s, xn);
    return;
  }
  // step control: local truncation error of the node voltages (Milne's estimate against
  // the quadratic predictor) and the memristors' resistance change
  const double ratio = lte_ratio(s, xn, xp);
  const double mem_ratio = state_change_ratio();
  if (std::max(ratio, mem_ratio) > 1.0 && s.h > 4 * s.hmin) {
    reject_inaccurate(s, ratio, mem_ratio);
    return;
  }
  accept_step(s, xn);
  choose_next_step(s, ratio, mem_ratio, at_bp);
  report_progress(s);
}

// Limits s.h and cuts it to land on the next source corner; returns whether it does.
bool engine::limit_step(tran_state& s) const {
  s.h = std::min({s.h, s.hmax, nl_.tran->tstop - s.t});
  // land on the next source corner
  bool at_bp = false;
  const std::optional<double> bp = first_corner(s.t + 1e-6 * s.hmin, s.t + s.h);
  if (bp && *bp - s.t < s.h * (1 + 1e-9)) {
    s.h = *bp - s.t;
    at_bp = true;
  }
  if (s.h < s.hmin) s.h = s.hmin;
  s.c.h = s.h;
  s.c.order = (s.since_restart == 0) ? 1 : 2;
  return at_bp;
}

// The earliest corner of an independent source in (from, to], if any. The first corner after a
// time is kept, with the window that was searched for it, while the queries stay inside it: a
// long run does not enumerate the sources' corners at every step.
std::optional<double> engine::first_corner(double from, double to) const {
  const bool inside =
      from >= corners_.from && (corners_.first ? from < *corners_.first : to <= corners_.to);
  if (!inside) {
    corners_.from = from;
    corners_.first.reset();
    // windows growing from a thousandth of the run until a corner or `to`
    for (double span = 1e-3 * nl_.tran->tstop;; span *= 4) {
      corners_.to = from + span;
      std::vector<double> bps;
      for (const element& el : nl_.elements)
        if (el.kind == element_kind::vsource || el.kind == element_kind::isource)
          el.wave.breakpoints(from, corners_.to, bps);
      if (!bps.empty()) corners_.first = *std::min_element(bps.begin(), bps.end());
      if (corners_.first || corners_.to >= to) break;
    }
  }
  if (corners_.first && *corners_.first <= to) return corners_.first;
  return std::nullopt;
}

// predictor: polynomial through the last points
vec engine::predict(const tran_state& s) const {
  if (s.since_restart < 2 || s.hist.size() < 3) return s.x;
  const auto& [t1, x1] = s.hist[s.hist.size() - 1];
  const auto& [t2, x2] = s.hist[s.hist.size() - 2];
  const auto& [t3, x3] = s.hist[s.hist.size() - 3];
  const double tn = s.t + s.h;
  const double l1 = (tn - t2) * (tn - t3) / ((t1 - t2) * (t1 - t3));
  const double l2 = (tn - t1) * (tn - t3) / ((t2 - t1) * (t2 - t3));
  const double l3 = (tn - t1) * (tn - t2) / ((t3 - t1) * (t3 - t2));
  return l1 * x1 + l2 * x2 + l3 * x3;
}

// Newton failed: the next try from the same point takes an eighth of the step, down to hmin.
void engine::reject_unconverged(tran_state& s, const vec& xn) {
  ++s.r.rejected;
  restore_memristors();
  s.h /= 8;
  if (s.h < s.hmin) {
    int worst = 0;
    for (int i = 1; i < n_nodes_; ++i)
      if (std::fabs(xn[i] - s.x[i]) > std::fabs(xn[worst] - s.x[worst])) worst = i;
    throw run_error(fmt::format(
        "{}: no convergence at t = {:g} s with the smallest step ({:g} s); worst node: {}",
        nl_.source, s.t, s.h,
        n_nodes_ > 0 ? nl_.node_names[static_cast<std::size_t>(worst + 1)] : "-"));
  }
  s.since_restart = 0;
}

// The node voltages' largest truncation error relative to its tolerance; 0 while the
// predictor has fewer than three points.
double engine::lte_ratio(const tran_state& s, const vec& xn, const vec& xp) const {
  const sim_options& op = nl_.options;
  double ratio = 0;
  if (s.since_restart >= 2 && s.hist.size() >= 3) {
    const double factor = s.c.gear ? 2.0 / 11.0 : 1.0 / 13.0;
    for (int i = 0; i < n_nodes_; ++i) {
      const double lte = factor * std::fabs(xn[i] - xp[i]);
      const double tol = op.reltol * std::max(std::fabs(xn[i]), std::fabs(s.x[i])) + op.vntol;
      ratio = std::max(ratio, lte / tol);
    }
  }
  return ratio;
}

// The memristors' largest state change over the step relative to max_state_step.
// The change of each memristor's internal state over the step. (Its effect on the circuit is
// controlled by the voltage LTE; a criterion on the resistance itself forced tiny steps near
// x = 1, where R changes by a factor 2 for dx = 3e-5 but the circuit barely sees it.)
double engine::state_change_ratio() const {
  double mem_ratio = 0;
  for (const auto& e : es_)
    if (e.mem)
      for (std::size_t k = 0; k < e.mem_start.size(); ++k)
        mem_ratio = std::max(
            mem_ratio, std::fabs(e.mem->state(k)[e.mem_index] - e.mem_start[k]) / max_state_step);
  return mem_ratio;
}

// Keeps the memristors' states as the start of the next step.
void engine::save_memristors() {
  for (auto& mb : mem_) {
    mb.dev->save_state(mb.saved);
    const std::size_t ns = mb.dev->state_names().size();
    for (const std::size_t k : mb.elems) {
      elem_state& e = es_[k];
      e.mem_start.resize(ns);
      for (std::size_t q = 0; q < ns; ++q) e.mem_start[q] = mb.dev->state(q)[e.mem_index];
    }
  }
}

// Converged but too inaccurate: the next try from the same point takes a shorter step.
void engine::reject_inaccurate(tran_state& s, double ratio, double mem_ratio) {
  ++s.r.rejected;
  restore_memristors();
  const double shrink = ratio > mem_ratio ? 0.9 * std::cbrt(1.0 / ratio) : 0.9 / mem_ratio;
  s.h *= std::clamp(shrink, 0.1, 0.9);
}

// Back to the memristor states of the last accepted point.
void engine::restore_memristors() {
  for (auto& mb : mem_) mb.dev->restore_state(mb.saved);
}

void engine::accept_step(tran_state& s, const vec& xn) {
  ++s.r.accepted;
  ++counter_;
  s.x = xn;
  accept(s.x, s.c);
  s.t += s.h;
  s.hist.emplace_back(s.t, s.x);
  if (s.hist.size() > 3) s.hist.erase(s.hist.begin());
  record(s, s.t);
  const std::vector<double> p_now = powers(s.x, s.t);
  for (std::size_t k = 0; k < s.energy.size(); ++k)
    s.energy[k] += 0.5 * s.h * (s.p_prev[k] + p_now[k]);
  s.p_prev = p_now;
  s.c.h_prev = s.h;
  ++s.since_restart;
}

// After an accepted step: grow the step as far as its error allows.
void engine::choose_next_step(tran_state& s, double ratio, double mem_ratio, bool at_bp) const {
  const double worst = std::max(ratio, mem_ratio);
  double grow = 2.0;
  if (worst > 0)
    grow = std::min(2.0, ratio > mem_ratio ? 0.9 * std::cbrt(1.0 / ratio) : 0.9 / worst);
  s.h *= std::max(grow, 0.5);
  if (at_bp) {
    // restart the history after a corner, with a small first step
    s.since_restart = 0;
    s.hist.assign(1, {s.t, s.x});
    const double tstop = nl_.tran->tstop;
    const std::optional<double> bp = first_corner(s.t + 1e-6 * s.hmin, tstop);
    const double next = bp ? *bp - s.t : tstop - s.t;
    s.h = std::min(s.h, 0.1 * std::max(next, s.hmin));
  }
}

void engine::report_progress(tran_state& s) const {
  const double tstop = nl_.tran->tstop;
  if (o_.progress && s.t >= s.next_progress) {
    o_.progress(s.t / tstop);
    s.next_progress = s.t + 0.01 * tstop;
  }
}

}  // namespace

tran_result run_transient(const netlist& nl, const run_options& o) {
  engine e(nl, o);
  return e.run();
}

}  // namespace ionsim::circuit
