#include "circuit/transient.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <Eigen/Dense>
#include <Eigen/SparseCore>
#include <Eigen/SparseLU>
#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <cmath>
#include <memory>
#include <numeric>
#include <optional>

#include "circuit/element.hpp"
#include "circuit/small_lu.hpp"
#include "core/error.hpp"

namespace ionsim::circuit {

namespace {

using sparse = Eigen::SparseMatrix<double, Eigen::ColMajor, int>;
using vec = Eigen::VectorXd;

constexpr double newton_vlimit = 0.5;  // [V] largest node-voltage change per iteration

class engine {
 public:
  engine(const netlist& nl, const run_options& o);
  tran_result run();

 private:
  // What one recorded output reads.
  struct probe {
    enum kind { node, diff, branch_current, elem_state } k;
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

  void build();
  void check_models() const;
  void build_matrix();
  void check_topology() const;
  void assemble(const vec& x, double t, const step_ctx& c, bool& groups_ok);
  bool newton(vec& x, double t, const step_ctx& c, int max_it, int& iterations);
  bool dc_operating_point(vec& x, int& iterations);
  void accept(const vec& x, const step_ctx& c);
  static double v(const vec& x, int u) { return u < 0 ? 0.0 : x[u]; }
  void powers(const vec& x, double t, std::vector<double>& p) const;

  // the steps of run()
  std::vector<probe> make_probes(std::vector<std::string>& names) const;
  void record(tran_state& s, double t) const;
  void initial_point(tran_state& s);
  void init_histories(vec& x, bool uic);
  void start_stepping(tran_state& s) const;
  void attempt_step(tran_state& s);
  bool limit_step(tran_state& s) const;
  std::optional<double> first_corner(double from, double to) const;
  void predict(const tran_state& s, vec& xp) const;
  void reject_unconverged(tran_state& s, const vec& xn);
  double lte_ratio(const tran_state& s, const vec& xn, const vec& xp) const;
  double state_change_ratio() const;
  void reject_inaccurate(tran_state& s, double ratio, double state_ratio);
  void restore_groups();
  void accept_step(tran_state& s, const vec& xn);
  void choose_next_step(tran_state& s, double ratio, double state_ratio, bool at_bp) const;
  void report_progress(tran_state& s) const;

  const netlist& nl_;
  run_options o_;
  int n_nodes_ = 0, n_ = 0;
  std::vector<std::unique_ptr<element_model>> es_;  // one per netlist element, in its order
  std::vector<std::unique_ptr<element_group>> groups_;
  sparse A_;
  vec b_;
  vec xn_, xp_, x_try_;        // Newton's next iterate; a step's predictor and its corrector
  std::vector<double> p_now_;  // the elements' powers at the point just accepted
  Eigen::SparseLU<sparse, Eigen::COLAMDOrdering<int>> lu_;
  bool analysed_ = false;
  static constexpr int dense_limit = 24;  // unknowns up to which the dense array is used
  std::array<double, dense_limit * dense_limit> dense_{};
  small_lu small_lu_;  // its solver
  std::vector<double*> gmin_slot_;
  double gmin_ = 1e-12, gmin_extra_ = 0, src_scale_ = 1;
  // the first source corner in (from, to], or none (first_corner)
  struct corner_window {
    double from = 0, to = -1;
    std::optional<double> first;
  };
  mutable corner_window corners_;
  double t0_ = 0;              // start of the step being solved (groups)
  std::uint64_t counter_ = 0;  // accepted steps so far (the memristors' noise counter)
};

engine::engine(const netlist& nl, const run_options& o) : nl_(nl), o_(o) {
  n_nodes_ = static_cast<int>(nl.node_names.size()) - 1;
  gmin_ = nl.options.gmin;
  build();
}

// Model-card parameters the engine reads; any other is an error, never silently ignored.
void engine::check_models() const {
  for (const auto& [name, m] : nl_.models) {
    const element_type* type = element_type_for_model(m.type);
    if (!type || type->model_params.empty()) continue;  // checked by the element's factory
    for (const auto& [key, val] : m.params)
      if (std::find(type->model_params.begin(), type->model_params.end(), key) ==
          type->model_params.end())
        throw input_error(
            fmt::format("{}: model {}: parameter '{}' is not supported (supported: {})", m.source,
                        m.name, key, fmt::join(type->model_params, ", ")));
  }
}

void engine::build() {
  check_models();
  es_.reserve(nl_.elements.size());
  int branches = 0;
  for (std::size_t k = 0; k < nl_.elements.size(); ++k) {
    const element& el = nl_.elements[k];
    build_ctx ctx{nl_, k, o_, groups_};
    es_.push_back(el.type->make(el, ctx));
    element_model& e = *es_.back();
    for (std::size_t j = 0; j < el.nodes.size() && j < 5; ++j) e.n[j] = el.nodes[j] - 1;
    if (e.branches() > 0) {
      e.branch = n_nodes_ + branches;
      branches += e.branches();
    }
  }
  for (auto& g : groups_) g->finish();
  n_ = n_nodes_ + branches;
  check_topology();
  build_matrix();
  b_.resize(n_);
}

// The matrix: the elements' entries and every diagonal; then each element's entries' addresses,
// in the sparse matrix, or in the dense array that small systems are assembled and solved in.
void engine::build_matrix() {
  std::vector<Eigen::Triplet<double>> t;
  for (const auto& e : es_)
    for (const auto& [r, c] : e->entries())
      if (r >= 0 && c >= 0) t.emplace_back(r, c, 0.0);
  for (int i = 0; i < n_; ++i) t.emplace_back(i, i, 0.0);
  A_.resize(n_, n_);
  A_.setFromTriplets(t.begin(), t.end());
  A_.makeCompressed();
  auto entry = [&](int r, int c) {
    return n_ <= dense_limit ? &dense_[static_cast<std::size_t>(r * n_ + c)] : &A_.coeffRef(r, c);
  };
  for (int i = 0; i < n_nodes_; ++i) gmin_slot_.push_back(entry(i, i));
  for (auto& e : es_)
    for (const auto& [r, c] : e->entries())
      e->slot.push_back(r >= 0 && c >= 0 ? entry(r, c) : nullptr);
  if (n_ <= dense_limit) {
    std::vector<char> nonzero(static_cast<std::size_t>(n_ * n_));
    for (const auto& tr : t) nonzero[static_cast<std::size_t>(tr.row() * n_ + tr.col())] = 1;
    small_lu_.set_pattern(n_, std::move(nonzero));
  }
}

void engine::check_topology() const {
  // Union-find over the elements that connect nodes: every node must reach ground, and no
  // loop may consist of voltage-fixing elements (voltage sources, inductors, VCVS) only.
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
  for (std::size_t k = 0; k < nl_.elements.size(); ++k) {
    const element& el = nl_.elements[k];
    auto join = [&](int p, int q) { parent[static_cast<std::size_t>(find(p))] = find(q); };
    for (const auto& [p, q] : es_[k]->conducts())
      join(el.nodes[static_cast<std::size_t>(p)], el.nodes[static_cast<std::size_t>(q)]);
    if (es_[k]->fixes_voltage()) {
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

void engine::assemble(const vec& x, double t, const step_ctx& c, bool& groups_ok) {
  if (n_ <= dense_limit)
    std::fill_n(dense_.begin(), n_ * n_, 0.0);
  else
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
  groups_ok = true;
  for (auto& g : groups_) groups_ok = g->load(x.data(), c, t0_, counter_) && groups_ok;
  const load_ctx ctx{x.data(), t, c, src_scale_, b_.data()};
  for (auto& e : es_) e->load(ctx);
}

bool engine::newton(vec& x, double t, const step_ctx& c, int max_it, int& iterations) {
  const auto& op = nl_.options;
  for (int it = 0; it < max_it; ++it) {
    ++iterations;
    bool groups_ok = true;
    assemble(x, t, c, groups_ok);
    if (!groups_ok) return false;
    vec& xn = xn_;
    if (n_ <= dense_limit) {
      // Small systems, assembled in dense_: an LU with a kept pivot order over the entries
      // that may be nonzero (no allocation, no search for pivots, no general sparse overhead).
      xn = b_;
      auto solved = small_lu_.solve(dense_.data(), xn.data());
      if (solved == small_lu::result::reorder) {  // assembled again: the solve spoiled it
        assemble(x, t, c, groups_ok);
        xn = b_;
        solved = small_lu_.solve_reordered(dense_.data(), xn.data());
      }
      if (solved != small_lu::result::solved) return false;
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

// After an accepted point: the elements' histories and discrete states; after a step, the
// groups' states are the start of the next.
void engine::accept(const vec& x, const step_ctx& c) {
  for (auto& e : es_) e->accept(x.data(), c);
  if (!c.dc)
    for (auto& g : groups_) g->save();
}

void engine::powers(const vec& x, double t, std::vector<double>& p) const {
  p.resize(es_.size());
  for (std::size_t k = 0; k < es_.size(); ++k) p[k] = es_[k]->power(x.data(), t);
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
      if (nl_.elements[k].type->current_output) {
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
      } else if (fn == "state") {
        const auto dot = arg.rfind('.');
        const std::size_t k = element_index(arg.substr(0, dot));
        const std::vector<std::string> states = es_[k]->state_names();
        const auto it = std::find_if(states.begin(), states.end(), [&](const std::string& st) {
          const std::string_view var = std::string_view(arg).substr(dot + 1);
          return std::equal(st.begin(), st.end(), var.begin(), var.end(), [](char a, char b) {
            return std::tolower(static_cast<unsigned char>(a)) == b;
          });
        });
        if (it == states.end())
          throw input_error(
              fmt::format("{}: output {}: {} has {}", nl_.source, out, nl_.elements[k].name,
                          states.empty() ? std::string("no states")
                                         : fmt::format("the states {}", fmt::join(states, ", "))));
        names.back() = fmt::format("state({}.{})", nl_.elements[k].name, *it);
        probes.push_back(
            {probe::elem_state, -1, -1, k, static_cast<std::size_t>(it - states.begin())});
      } else {
        throw input_error(fmt::format(
            "{}: output '{}': only v(...), i(...) and state(...) can be saved", nl_.source, out));
      }
    }
    return probes;
  }
  for (std::size_t k = 0; k < nl_.elements.size(); ++k) {
    const std::vector<std::string> states = es_[k]->state_names();
    for (std::size_t s = 0; s < states.size(); ++s) {
      names.push_back(fmt::format("state({}.{})", nl_.elements[k].name, states[s]));
      probes.push_back({probe::elem_state, -1, -1, k, s});
    }
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
        val = es_[pr.elem]->current(s.x.data(), t);
        break;
      case probe::elem_state:
        val = es_[pr.elem]->state(pr.state);
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
  powers(s.x, 0.0, s.p_prev);
  s.energy.assign(nl_.elements.size(), 0.0);
}

// The elements' histories at the initial point (their ic values with uic), and the groups'
// states to retry the first step from.
void engine::init_histories(vec& x, bool uic) {
  for (auto& e : es_) e->start(x.data(), uic);
  for (auto& g : groups_) g->save();
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
  predict(s, xp_);
  vec& xn = x_try_;
  xn = xp_;
  const vec& xp = xp_;
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
  const double state_ratio = state_change_ratio();
  if (std::max(ratio, state_ratio) > 1.0 && s.h > 4 * s.hmin) {
    reject_inaccurate(s, ratio, state_ratio);
    return;
  }
  accept_step(s, xn);
  choose_next_step(s, ratio, state_ratio, at_bp);
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
      for (const auto& e : es_) e->breakpoints(from, corners_.to, bps);
      if (!bps.empty()) corners_.first = *std::min_element(bps.begin(), bps.end());
      if (corners_.first || corners_.to >= to) break;
    }
  }
  if (corners_.first && *corners_.first <= to) return corners_.first;
  return std::nullopt;
}

// predictor: polynomial through the last points
void engine::predict(const tran_state& s, vec& xp) const {
  if (s.since_restart < 2 || s.hist.size() < 3) {
    xp = s.x;
    return;
  }
  const auto& [t1, x1] = s.hist[s.hist.size() - 1];
  const auto& [t2, x2] = s.hist[s.hist.size() - 2];
  const auto& [t3, x3] = s.hist[s.hist.size() - 3];
  const double tn = s.t + s.h;
  const double l1 = (tn - t2) * (tn - t3) / ((t1 - t2) * (t1 - t3));
  const double l2 = (tn - t1) * (tn - t3) / ((t2 - t1) * (t2 - t3));
  const double l3 = (tn - t1) * (tn - t2) / ((t3 - t1) * (t3 - t2));
  xp = l1 * x1 + l2 * x2 + l3 * x3;
}

// Newton failed: the next try from the same point takes an eighth of the step, down to hmin.
void engine::reject_unconverged(tran_state& s, const vec& xn) {
  ++s.r.rejected;
  restore_groups();
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

// The groups' largest state change over the step relative to what one step may change.
double engine::state_change_ratio() const {
  double ratio = 0;
  for (const auto& g : groups_) ratio = std::max(ratio, g->change_ratio());
  return ratio;
}

// Converged but too inaccurate: the next try from the same point takes a shorter step.
void engine::reject_inaccurate(tran_state& s, double ratio, double state_ratio) {
  ++s.r.rejected;
  restore_groups();
  const double shrink = ratio > state_ratio ? 0.9 * std::cbrt(1.0 / ratio) : 0.9 / state_ratio;
  s.h *= std::clamp(shrink, 0.1, 0.9);
}

// Back to the groups' states at the last accepted point.
void engine::restore_groups() {
  for (auto& g : groups_) g->restore();
}

void engine::accept_step(tran_state& s, const vec& xn) {
  ++s.r.accepted;
  ++counter_;
  s.x = xn;
  accept(s.x, s.c);
  s.t += s.h;
  if (s.hist.size() == 3) {  // the oldest point's storage takes the newest
    std::rotate(s.hist.begin(), s.hist.begin() + 1, s.hist.end());
    s.hist.back().first = s.t;
    s.hist.back().second = s.x;
  } else {
    s.hist.emplace_back(s.t, s.x);
  }
  record(s, s.t);
  powers(s.x, s.t, p_now_);
  for (std::size_t k = 0; k < s.energy.size(); ++k)
    s.energy[k] += 0.5 * s.h * (s.p_prev[k] + p_now_[k]);
  std::swap(s.p_prev, p_now_);
  s.c.h_prev = s.h;
  ++s.since_restart;
}

// After an accepted step: grow the step as far as its error allows.
void engine::choose_next_step(tran_state& s, double ratio, double state_ratio, bool at_bp) const {
  const double worst = std::max(ratio, state_ratio);
  double grow = 2.0;
  if (worst > 0)
    grow = std::min(2.0, ratio > state_ratio ? 0.9 * std::cbrt(1.0 / ratio) : 0.9 / worst);
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
