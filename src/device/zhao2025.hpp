#pragma once
// Model A: R. Zhao et al., "A spiking artificial neuron based on one diffusive memristor,
// one transistor and one resistor", Nature Electronics 8, 1211-1221 (2025), Supplementary
// Notes 4 and 6 (third-party transcription, see ../shared/PHYSICS.md §2). Filament x1 and
// residue x2; see docs/models/zhao2025.md.
#include <span>
#include <vector>

#include "core/params.hpp"
#include "core/random.hpp"
#include "device/model.hpp"

namespace ionsim {

struct zhao2025_params {
  double dt = 2e-6;         // [s] integration step the set was made for
  double mu = 150;          // [1/(V·s)] drift mobility
  double alpha = 0.01;      // [1]
  double beta = 20;         // [1/s] filament-to-residue transfer rate
  double gamma1 = 600;      // [1/s] filament diffusion rate
  double gamma2 = 5;        // [1/s] residue diffusion rate
  double lambda = 0.2;      // [1] shape of the off-state resistance
  double r_on = 1e6;        // [Ω]
  double r_off = 1e12;      // [Ω]
  double sigma1 = 0;        // [1] noise intensity of x1
  double sigma2 = 0;        // [1] noise intensity of x2
  double r_series = 0;      // [Ω]
  double i_compliance = 0;  // [A]
  double v_th = 0;          // [V] drift threshold: the field acts on v_d - v_th
};

std::span<const param_field<zhao2025_params>> zhao2025_fields();
// Validates every parameter and their combinations. `at(name)` gives the location of a
// parameter for messages (default: just `source`).
void zhao2025_check(const zhao2025_params& p, const std::string& source,
                    const param_locator& at = {});

class zhao2025_model final : public device_model {
 public:
  zhao2025_model(const zhao2025_params& p, std::size_t n, std::uint64_t seed,
                 std::uint64_t first_id = 0);

  std::string_view model_name() const override { return "zhao2025"; }
  double default_dt() const override { return p_.dt; }
  void reset() override;
  void advance(std::int64_t first_step, int n_steps, double dt, std::span<const double> v_applied,
               std::span<double> current, std::span<double> conductance) override;
  std::vector<std::string> state_names() const override { return {"x1", "x2"}; }
  std::span<const double> state(std::size_t k) const override;

  void advance_interval(double t0, double h, std::uint64_t counter,
                        std::span<const double> v_device) override;
  double resistance(std::size_t i) const override;
  void save_state(std::vector<double>& out) const override;
  void restore_state(const std::vector<double>& in) override;

  const zhao2025_params& params() const { return p_; }
  // Advances device i by one step of dt with voltage v_d [V] across it (anode minus cathode).
  void step_device(std::size_t i, std::int64_t step, double dt, double v_d);

 private:
  zhao2025_params p_;
  philox rng_;
  double off_norm_;
  std::vector<double> x1_, x2_;
};

}  // namespace ionsim
