#pragma once
// The device contract: everything a device model declares, in one place, for every layer
// (device experiments and fits, the netlist element Y, the compact neuron, network
// populations, the parameter docs). A model is a parameter struct with its table, a batch
// class derived from device_model, and one `device_type` describing them; the registry
// (device/registry.hpp) lists the types. No layer switches on a model's name: each asks the
// type. See docs/dev/adding-a-device-model.md.
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/params.hpp"
#include "device/model.hpp"

namespace ionsim {

// A parameter of a model, independent of the model's struct.
struct param_info {
  std::string_view name;
  std::string_view unit;  // SI unit; "1" for dimensionless
  double min;
  double max;
  bool min_exclusive;  // true: value must be > min
  std::string_view description;
  param_kind kind = param_kind::real;
  double default_value = 0;
};

// A free parameter of a fit: its bounds in the parameter's unit, searched on a log scale or not.
struct fit_param {
  std::string name;
  double lo, hi;
  bool log;
};

// What a fit frees by default, per kind of measurement (empty: the model has no default), and
// the presets it starts from (empty: the model's defaults).
struct fit_defaults {
  std::vector<fit_param> sweep;   // quasi-static I-V sweeps
  std::vector<fit_param> pulse;   // single-pulse switching
  std::vector<fit_param> neuron;  // the compact neuron's figures
  std::string sweep_start, pulse_start;
  // Sweeps of a device that switches in both polarities: what a structure with its own kinetics
  // per polarity frees beside `sweep` (empty: the model has no such structure).
  std::vector<fit_param> sweep_polarity;
  // Parameters a sweep or pulse fit frees only when asked to (`--free`), with their search bounds.
  std::vector<fit_param> optional;
  // Devices its kernel advances together (a vector's worth; 1: one at a time): a sweep fit
  // simulates that many per evaluation unless told otherwise (at least 2), and sweeps its
  // devices in parallel batches of whole multiples of it.
  int sweep_lanes = 1;
};

class device_type {
 public:
  virtual ~device_type() = default;

  virtual std::string_view name() const = 0;
  // The publication whose equations the model follows.
  virtual std::string_view citation() const = 0;
  // The parameter table, in the order of a config's values.
  virtual std::span<const param_info> params() const = 0;
  // Index of a parameter in params(), if the model has it.
  std::optional<std::size_t> find(std::string_view param) const;
  std::vector<double> defaults() const;

  // Validates each value and their combinations; throws input_error naming `source` or, for a
  // parameter, the location `at(name)` gives.
  virtual void check(std::span<const double> values, const std::string& source,
                     const param_locator& at) const = 0;
  // Every stochastic term of a parameter set multiplied by `factor` (0: the "noise off" form).
  virtual void scale_noise(std::span<double> values, double factor) const = 0;
  virtual const fit_defaults& fit() const = 0;
  // A batch of n devices with global ids [first_id, first_id + n).
  virtual std::unique_ptr<device_model> make(std::span<const double> values, std::size_t n,
                                             std::uint64_t seed, std::uint64_t first_id) const = 0;
  // Memory of one device of a batch [bytes]: its state arrays.
  virtual std::size_t bytes_per_device() const = 0;
};

// Converts between a model's parameter struct and a config's values, through its table.
template <class P>
P params_from_values(std::span<const param_field<P>> fields, std::span<const double> values) {
  P p;
  for (std::size_t k = 0; k < fields.size(); ++k) p.*(fields[k].member) = values[k];
  return p;
}
template <class P>
std::vector<double> values_from_params(std::span<const param_field<P>> fields, const P& p) {
  std::vector<double> v;
  v.reserve(fields.size());
  for (const auto& f : fields) v.push_back(p.*(f.member));
  return v;
}

// What a model with a parameter struct P and a batch class Model declares.
template <class P>
struct model_declaration {
  std::string_view name;
  std::string_view citation;
  std::span<const param_field<P>> fields;
  void (*check)(const P&, const std::string& source, const param_locator& at);
  std::vector<std::string_view> noise;  // parameters that are zero in the noise-off form
  fit_defaults fit;
  std::size_t state_doubles;  // doubles of state per device
};

// The device_type of a model declared by a parameter struct, its table and a batch class whose
// constructor is Model(const P&, std::size_t n, std::uint64_t seed, std::uint64_t first_id).
template <class P, class Model>
class device_type_of final : public device_type {
 public:
  explicit device_type_of(model_declaration<P> d) : d_(std::move(d)) {
    const P defaults{};
    for (const auto& f : d_.fields)
      info_.push_back({f.name, f.unit, f.min, f.max, f.min_exclusive, f.description, f.kind,
                       defaults.*(f.member)});
  }
  std::string_view name() const override { return d_.name; }
  std::string_view citation() const override { return d_.citation; }
  std::span<const param_info> params() const override { return info_; }
  void check(std::span<const double> values, const std::string& source,
             const param_locator& at) const override {
    d_.check(params_from_values<P>(d_.fields, values), source, at);
  }
  void scale_noise(std::span<double> values, double factor) const override {
    for (auto n : d_.noise) values[*find(n)] *= factor;
  }
  const fit_defaults& fit() const override { return d_.fit; }
  std::unique_ptr<device_model> make(std::span<const double> values, std::size_t n,
                                     std::uint64_t seed, std::uint64_t first_id) const override {
    return std::make_unique<Model>(params_from_values<P>(d_.fields, values), n, seed, first_id);
  }
  std::size_t bytes_per_device() const override { return d_.state_doubles * sizeof(double); }

 private:
  model_declaration<P> d_;
  std::vector<param_info> info_;
};

}  // namespace ionsim
