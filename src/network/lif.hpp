#pragma once
// Leaky integrate-and-fire neurons with exponentially decaying synaptic variables, the two
// models of the Vogels-Abbott benchmark network as Brette et al. define them:
//   R. Brette et al., "Simulation of networks of spiking neurons: a review of tools and
//   strategies", J. Comput. Neurosci. 23, 349-398 (2007), benchmarks 1 (COBA) and 2 (CUBA);
//   T. P. Vogels, L. F. Abbott, J. Neurosci. 25, 10786 (2005).
// The defaults are the parameters of Brian2's CUBA example and of its COBA benchmark script.
//
// lif_cuba:  tau_m dv/dt = (e_l + drive - v) + ge + gi,  tau_e dge/dt = -ge,  tau_i dgi/dt = -gi
//   (ge, gi in volts; a spike on receptor exc adds its weight to ge, on inh to gi). The system
//   is linear and integrated exactly (the propagator of the coupled system over one step).
// lif_coba:  tau_m dv/dt = (e_l + drive - v) + ge (e_e - v) + gi (e_i - v)
//   (ge, gi dimensionless, in units of the leak conductance). v is integrated exactly with
//   the conductances held at their values at the start of the step (exponential Euler, as
//   Brian2's 'exponential_euler'); ge and gi decay exactly, and are set to 0 once below 1e-30
//   (their effect on v is then below 1e-31 V; a neuron without input then needs no exp).
// Both: a spike when v > v_th outside the refractory period, then v = v_reset; v is clamped
// during t_ref after the spike (the synaptic variables keep decaying). The spike of the step
// from t_n to t_n + dt is stamped t_n, and the membrane integrates again from the step that
// begins t_ref after that (Brian2's conventions).
// Any parameter may vary from neuron to neuron (a distribution in [population.params]); the
// kernels then read per-neuron derived constants, and keep the scalar path otherwise.
// Adaptive threshold (both models, off while theta_plus = 0): the threshold is v_th + theta,
//   dtheta/dt = -theta / tau_theta - theta_plus target_rate + theta_plus sum_k delta(t - t_k),
// a jump of theta_plus at each spike (Diehl & Cook, Front. Comput. Neurosci. 9, 99 (2015),
// with tau_theta) and, with target_rate > 0, a constant downward drift: with tau_theta
// infinite the mean rate settles at target_rate (homeostasis). Per step, after the spikes of
// the step: theta <- theta exp(-dt / tau_theta) - theta_plus target_rate dt (+ theta_plus if
// the neuron spiked); the threshold of a step uses theta as the previous step left it. An
// adapting population runs the per-neuron kernel (its thresholds differ).
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/params.hpp"
#include "network/model.hpp"

namespace ionsim::network {

struct lif_cuba_params {
  double tau_m = 20e-3;     // [s] membrane time constant
  double tau_e = 5e-3;      // [s] excitatory synaptic time constant
  double tau_i = 10e-3;     // [s] inhibitory synaptic time constant
  double v_th = -50e-3;     // [V] threshold
  double v_reset = -60e-3;  // [V] reset potential
  double e_l = -49e-3;      // [V] leak reversal (resting) potential
  double t_ref = 5e-3;      // [s] refractory period
  double drive = 0;         // [V] constant depolarization added to e_l (Brian2's I)
  double theta_plus = 0;    // [V] threshold jump per spike (0: no adaptation)
  double tau_theta = inf;   // [s] decay of the threshold's adaptation
  double target_rate = 0;   // [Hz] rate the adaptation drives toward (0: none)
};

struct lif_coba_params {
  double tau_m = 20e-3;     // [s]
  double tau_e = 5e-3;      // [s]
  double tau_i = 10e-3;     // [s]
  double v_th = -50e-3;     // [V]
  double v_reset = -60e-3;  // [V]
  double e_l = -60e-3;      // [V]
  double e_e = 0;           // [V] excitatory reversal potential
  double e_i = -80e-3;      // [V] inhibitory reversal potential
  double t_ref = 5e-3;      // [s]
  double drive = 20e-3;     // [V] constant depolarization (Brian2's COBA benchmark: I = 20 mV)
  double theta_plus = 0;    // [V]
  double tau_theta = inf;   // [s]
  double target_rate = 0;   // [Hz]
};

// The adaptive threshold's state and per-neuron constants (see above), shared by both models.
struct threshold_adaptation {
  std::vector<double> v_th0, decay, drift, jump;  // per neuron
  // After a step over [first, last): decay and drift of theta, jumps for the spikes from
  // spiked[from], and the thresholds v_th = v_th0 + theta.
  void after_step(std::size_t first, std::size_t last, const std::vector<std::uint32_t>& spiked,
                  std::size_t from, std::vector<double>& theta, std::vector<double>& v_th) const;
};

std::span<const param_field<lif_cuba_params>> lif_cuba_fields();
std::span<const param_field<lif_coba_params>> lif_coba_fields();

// A LIF model's parameters from its [population.params] table (null: the defaults), checked
// against the table `fields` and for v_reset < v_th (the error names v_reset's line).
template <class P>
P read_lif_params(const toml::table* t, std::span<const param_field<P>> fields,
                  const std::string& source) {
  P p;
  if (t) read_params(*t, fields, p, source);
  if (!(p.v_reset < p.v_th)) {
    std::string at = source;
    if (t)
      if (const auto* n = t->get("v_reset")) at = where(source, *n);
    throw input_error(
        fmt::format("{}: v_reset = {:g} V must be below v_th = {:g} V", at, p.v_reset, p.v_th));
  }
  return p;
}

// Refractory steps as Brian2 counts them: floor(t_ref / dt) with a 1e-3 dt tolerance.
std::int64_t refractory_steps(double t_ref, double dt);

class lif_cuba final : public neuron_model {
 public:
  lif_cuba(std::size_t n, const lif_cuba_params& p);
  std::string_view model_name() const override { return "lif_cuba"; }
  std::size_t size() const override { return v_.size(); }
  std::span<const model_quantity> receptors() const override;
  std::span<const model_quantity> state_variables() const override;
  std::string_view drive_unit() const override { return "V"; }
  std::span<double> variable(std::size_t k) override;
  std::span<const model_quantity> per_neuron_parameters() const override;
  void set_per_neuron(std::string_view name, std::span<const double> values,
                      const std::string& where) override;
  void set_adaptation(bool on) override { adapting_ = on; }
  void prepare(double dt) override;
  void advance(const step_input& in, std::size_t first, std::size_t last,
               std::vector<std::uint32_t>& spiked) override;
  void checkpoint(archive& a) override;
  template <class M>
  friend void lif_checkpoint(archive& a, M& m);

  // The population's parameters (where none varies from neuron to neuron: varies() false).
  const lif_cuba_params& params() const { return p_; }
  bool varies() const {
    for (const auto& v : values_)
      if (!v.empty()) return true;
    return false;
  }

  // Derived constants per neuron, used (instead of the scalar ones) once any parameter varies.
  struct per_neuron {
    std::vector<double> base, pm, pe, pi, ae, ai, v_th, v_reset, hold;
  };

 private:
  lif_cuba_params p_;
  std::vector<double> v_, ge_, gi_, theta_;
  std::vector<double> ref_;  // held steps left + 0.5 after a spike (see cuba_step)
  std::unique_ptr<threshold_adaptation> adapt_;  // null without adaptation
  bool adapting_ = true;
  double pm_ = 0, pe_ = 0, pi_ = 0, ae_ = 0, ai_ = 0;
  std::int32_t hold_ = 0;
  std::vector<std::vector<double>> values_;  // per parameter field: per neuron, or empty
  std::unique_ptr<per_neuron> per_;          // null while every parameter is constant
};

class lif_coba final : public neuron_model {
 public:
  lif_coba(std::size_t n, const lif_coba_params& p);
  std::string_view model_name() const override { return "lif_coba"; }
  std::size_t size() const override { return v_.size(); }
  std::span<const model_quantity> receptors() const override;
  std::span<const model_quantity> state_variables() const override;
  std::string_view drive_unit() const override { return "V"; }
  std::span<double> variable(std::size_t k) override;
  std::span<const model_quantity> per_neuron_parameters() const override;
  void set_per_neuron(std::string_view name, std::span<const double> values,
                      const std::string& where) override;
  void set_adaptation(bool on) override { adapting_ = on; }
  void prepare(double dt) override;
  void advance(const step_input& in, std::size_t first, std::size_t last,
               std::vector<std::uint32_t>& spiked) override;
  void checkpoint(archive& a) override;
  template <class M>
  friend void lif_checkpoint(archive& a, M& m);

  struct per_neuron {
    std::vector<double> dt_over_tau_m, em, pe, pi, base, e_e, e_i, v_th, v_reset;
    std::vector<std::int32_t> hold;
  };

 private:
  // The conductances' step and each non-refractory neuron's membrane at the step's end into
  // v_next_: vectorized (network/coba_kernel.hpp) where the CPU can (false otherwise), or scalar.
  bool vector_steps(const step_input& in, std::size_t first, std::size_t last);
  template <bool varying>
  void scalar_steps(const step_input& in, std::size_t first, std::size_t last);

  lif_coba_params p_;
  std::vector<double> v_, ge_, gi_, theta_;
  std::vector<double> v_next_;  // the membranes at the step's end (before spikes)
  std::vector<std::int32_t> ref_;
  std::unique_ptr<threshold_adaptation> adapt_;
  bool adapting_ = true;
  double dt_over_tau_m_ = 0, em_ = 0, pe_ = 0, pi_ = 0;  // em_ = exp(-dt / tau_m)
  std::int32_t hold_ = 0;
  std::vector<std::vector<double>> values_;
  std::unique_ptr<per_neuron> per_;
};

}  // namespace ionsim::network
