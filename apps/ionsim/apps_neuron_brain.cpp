#include "apps_neuron_brain.hpp"

#include <fmt/format.h>

#include <cmath>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "apps_output.hpp"
#include "core/error.hpp"
#include "core/progress.hpp"
#include "core/units.hpp"
#include "device/contract.hpp"
#include "io/files.hpp"
#include "neuron/fingerprint.hpp"
#include "report/plot.hpp"

namespace ionsim::cli {

namespace fs = std::filesystem;

neuron_brain_commands::neuron_brain_commands(CLI::App& app) {
  CLI::App* neuron = app.get_subcommand("neuron");
  fingerprint_ = neuron->add_subcommand(
      "fingerprint",
      "f-I curve and excitability class beside LIF and Hodgkin-Huxley, and a map over bias x "
      "noise x R_c of rate, CV, Lv, LvR and Fano with Shinomoto's classes and self-sustained or "
      "noise-induced firing; writes results.json, map.csv, fi.csv, report.html and PNGs");
  fingerprint_->add_option("--preset", preset_, "neuron preset (memristor and [circuit] table)")
      ->capture_default_str();
  fingerprint_->add_option("--out", out_, "output directory")->capture_default_str();
  fingerprint_->add_option("--bias", bias_,
                           "constant input levels, comma-separated (default "
                           "0.66V,0.7V,0.75V,0.8V,0.9V,1V,1.2V)");
  fingerprint_->add_option("--noise", noise_,
                           "factors on the memristor's noise parameters, comma-separated "
                           "(default 0,0.25,1,4)");
  fingerprint_->add_option("--r-c", r_c_,
                           "gate resistors, comma-separated (default 50meg,100meg,250meg,500meg,1G)");
  fingerprint_->add_option("--axis", axis_,
                           "one more axis: a memristor parameter and its values, e.g. "
                           "v_th=0.6,0.658,0.7 (in the parameter's unit)");
  fingerprint_->add_option("--duration", duration_, "run per map point (default 1s)");
  fingerprint_->add_option("--trials", trials_, "devices per map point")->capture_default_str();
  fingerprint_->add_option("--seed", seed_, "random seed")->capture_default_str();
  fingerprint_->add_flag("--no-plot", no_plot_, "do not draw the PNGs and report.html");
}

bool neuron_brain_commands::parsed() const { return fingerprint_->parsed(); }

int neuron_brain_commands::run() { return run_fingerprint(); }

namespace {

// A comma-separated list of quantities in `unit` (an empty text keeps `fallback`).
std::vector<double> quantity_list(const std::string& text, std::string_view unit,
                                  const std::string& option, std::vector<double> fallback) {
  if (text.empty()) return fallback;
  std::vector<double> out;
  std::size_t a = 0;
  while (a <= text.size()) {
    const std::size_t b = std::min(text.find(',', a), text.size());
    const std::string item = text.substr(a, b - a);
    if (item.empty()) throw input_error(fmt::format("{} '{}': an empty item", option, text));
    out.push_back(parse_quantity(item, unit, option));
    a = b + 1;
  }
  return out;
}

nlohmann::json curve_json(const neuron::fi_curve& c) {
  return {{"name", c.name},
          {"input_unit", c.input_unit},
          {"input", c.input},
          {"rate_hz", c.rate},
          {"onset", c.onset},
          {"rate_near_onset_hz", c.rate_near_onset},
          {"rate_above_onset_hz", c.rate_above_onset},
          {"excitability_class", c.excitability_class}};
}

}  // namespace

int neuron_brain_commands::run_fingerprint() {
  const neuron::neuron_circuit n = neuron::neuron_from_preset(preset_);
  neuron::fingerprint_options o;
  o.bias = quantity_list(bias_, "V", "--bias", o.bias);
  o.noise = quantity_list(noise_, "1", "--noise", o.noise);
  o.r_c = quantity_list(r_c_, "Ohm", "--r-c", o.r_c);
  if (!axis_.empty()) {
    const auto eq = axis_.find('=');
    if (eq == std::string::npos || eq == 0)
      throw input_error(fmt::format("--axis '{}': write NAME=v1,v2,...", axis_));
    o.param = axis_.substr(0, eq);
    (void)get_param(n.memristor, o.param);  // names the model's parameters when unknown
    const auto& info = n.memristor.type->params()[*n.memristor.type->find(o.param)];
    const std::string unit = info.unit == "1" ? "" : std::string(info.unit);
    o.param_values = quantity_list(axis_.substr(eq + 1), unit == "Ω" ? "Ohm" : unit, "--axis", {});
    for (double v : o.param_values) {  // each value in its parameter's range
      device_config c = n.memristor;
      set_param(c, o.param, v);
    }
  }
  o.duration = parse_quantity(duration_, "s", "--duration");
  o.trials = trials_;
  o.seed = seed_;
  if (!(o.duration > o.skip))
    throw input_error(fmt::format("--duration {} must be longer than {:g} s", duration_, o.skip));
  progress bar("fingerprint " + preset_, 1.0);
  o.progress = [&](double f) { bar.update(f); };
  const auto r = neuron::fingerprint(n, o);
  bar.update(1.0);
  bar.finish();

  nlohmann::json j;
  j["preset"] = preset_;
  j["options"] = {{"bias_v", o.bias},
                  {"noise_factor", o.noise},
                  {"r_c_ohm", o.r_c},
                  {"axis", o.param},
                  {"axis_values", o.param_values},
                  {"duration_s", o.duration},
                  {"skip_s", o.skip},
                  {"trials", o.trials},
                  {"refractory_s", o.refractory},
                  {"fano_window_s", o.fano_window},
                  {"min_intervals", o.min_intervals},
                  {"seed", o.seed}};
  j["neuron_r_c_ohm"] = n.r_c;
  j["fi"] = {curve_json(r.neuron), curve_json(r.lif), curve_json(r.hh)};
  std::string csv =
      "param,r_c_ohm,noise,bias_v,rate_hz,rate_noise_off_hz,cv,lv,lvr,fano,regime,"
      "class\n";
  for (const auto& m : r.map) {
    j["map"].push_back({{"param", json_number(m.param)},
                        {"r_c_ohm", m.r_c},
                        {"noise", m.noise},
                        {"bias_v", m.bias},
                        {"rate_hz", m.rate},
                        {"rate_noise_off_hz", m.rate_noise_off},
                        {"cv", json_number(m.cv)},
                        {"lv", json_number(m.lv)},
                        {"lvr", json_number(m.lvr)},
                        {"fano", json_number(m.fano)},
                        {"regime", m.regime},
                        {"class", m.firing_class}});
    csv +=
        fmt::format("{},{:g},{:g},{:g},{},{},{},{},{},{},{},{}\n", csv_cell(m.param), m.r_c,
                    m.noise, m.bias, csv_cell(m.rate), csv_cell(m.rate_noise_off), csv_cell(m.cv),
                    csv_cell(m.lv), csv_cell(m.lvr), csv_cell(m.fano), m.regime, m.firing_class);
  }
  j["transitions"] = nlohmann::json::array();
  for (const auto& t : r.transitions)
    j["transitions"].push_back({{"axis", t.axis}, {"from", t.from}, {"to", t.to}});
  std::string fi = "curve,input,unit,rate_hz\n";
  for (const auto* c : {&r.neuron, &r.lif, &r.hh})
    for (std::size_t k = 0; k < c->input.size(); ++k)
      fi += fmt::format("{},{:g},{},{:.6g}\n", c->name, c->input[k], c->input_unit, c->rate[k]);

  make_output_dir(out_);
  const auto at = [&](const char* name) { return (fs::path(out_) / name).string(); };
  write_file_atomic(at("results.json"), j.dump(2) + "\n");
  write_file_atomic(at("map.csv"), csv);
  write_file_atomic(at("fi.csv"), fi);
  if (!no_plot_) run_plot("fingerprint.py", {out_, at("results.json")});

  for (const auto* c : {&r.neuron, &r.lif, &r.hh}) {
    if (c->excitability_class == 0)
      std::cout << fmt::format("{:<15} does not fire in [{:g}, {:g}] {}\n", c->name,
                               c->input.front(), c->input.back(), c->input_unit);
    else
      std::cout << fmt::format(
          "{:<15} onset {:.5g} {}, {:.3g} Hz just above it, {:.3g} Hz at 1.1x: class {}\n", c->name,
          c->onset, c->input_unit, c->rate_near_onset, c->rate_above_onset, c->excitability_class);
  }
  std::size_t counts[3] = {0, 0, 0};
  for (const auto& m : r.map)
    ++counts[m.regime == "self-sustained" ? 0 : m.regime == "noise-induced" ? 1 : 2];
  std::cout << fmt::format(
      "map: {} points: {} self-sustained, {} noise-induced, {} silent; {} "
      "steps change regime or class\n",
      r.map.size(), counts[0], counts[1], counts[2], r.transitions.size());
  std::cout << "wrote " << out_ << "/results.json, map.csv, fi.csv"
            << (no_plot_ ? "" : ", fi.png, map.png, report.html") << "\n";
  return 0;
}

}  // namespace ionsim::cli
