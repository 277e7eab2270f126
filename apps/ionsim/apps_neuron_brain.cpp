#include "apps_neuron_brain.hpp"

#include <fmt/format.h>

#include <cctype>
#include <cmath>
#include <cstdlib>
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
#include "neuron/fit_spikes.hpp"
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
  fingerprint_->add_option(
      "--r-c", r_c_, "gate resistors, comma-separated (default 50meg,100meg,250meg,500meg,1G)");
  fingerprint_->add_option("--axis", axis_,
                           "one more axis: a memristor parameter and its values, e.g. "
                           "v_th=0.6,0.658,0.7 (in the parameter's unit)");
  fingerprint_->add_option("--duration", duration_, "run per map point (default 1s)");
  fingerprint_->add_option("--trials", trials_, "devices per map point")->capture_default_str();
  fingerprint_->add_option("--seed", seed_, "random seed")->capture_default_str();
  fingerprint_->add_flag("--no-plot", no_plot_, "do not draw the PNGs and report.html");

  fit_spikes_ = neuron->add_subcommand(
      "fit-spikes",
      "fit the 1M1T1R neuron and a LIF baseline to a recorded neuron's spikes under its stimulus "
      "and predict the spikes for a second stimulus; prints the coincidence factor Gamma (2 and 4 "
      "ms) and the van Rossum distance. Without files: the two locust receptor recordings of "
      "Debian's python3-nitime ($IONSIM_NITIME_DATA to use another copy)");
  fit_spikes_->add_option("--stimulus", stimulus_, "stimulus to fit on: lines 'time value'");
  fit_spikes_->add_option("--spikes", spikes_, "spike times recorded under --stimulus");
  fit_spikes_->add_option("--test-stimulus", test_stimulus_, "stimulus to predict");
  fit_spikes_->add_option("--test-spikes", test_spikes_, "spikes recorded under it (scored)");
  fit_spikes_->add_option("--time-unit", time_unit_,
                          "unit of the files' times (default: us for the nitime recordings, "
                          "else s)");
  fit_spikes_->add_option("--segment", segment_,
                          "fit and predict on the first part of each recording only (e.g. 2s)");
  fit_spikes_->add_option("--preset", fit_preset_, "neuron preset")->capture_default_str();
  fit_spikes_->add_option("--max-evals", max_evals_, "objective evaluations per model")
      ->capture_default_str();
  fit_spikes_->add_option("--dt", fit_dt_, "the 1M1T1R neuron's step")->capture_default_str();
  fit_spikes_->add_option("--seed", seed_, "seed of the global search")->capture_default_str();
  fit_spikes_->add_option("--out", fit_out_, "output directory")->capture_default_str();
  fit_spikes_->add_flag("--no-plot", no_plot_, "do not draw fit-spikes.png");
}

bool neuron_brain_commands::parsed() const {
  return fingerprint_->parsed() || fit_spikes_->parsed();
}

int neuron_brain_commands::run() {
  return fit_spikes_->parsed() ? run_fit_spikes() : run_fingerprint();
}

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

int neuron_brain_commands::run_fit_spikes() {
  const bool own =
      !stimulus_.empty() || !spikes_.empty() || !test_stimulus_.empty() || !test_spikes_.empty();
  std::string s1 = stimulus_, t1 = spikes_, s2 = test_stimulus_, t2 = test_spikes_;
  if (own) {
    if (s1.empty() || t1.empty() || s2.empty() || t2.empty())
      throw input_error(
          "give all four of --stimulus, --spikes, --test-stimulus and --test-spikes (or none, "
          "for the nitime recordings)");
  } else {
    const char* env = std::getenv("IONSIM_NITIME_DATA");
    const fs::path dir =
        env && *env ? fs::path(env) : fs::path("/usr/lib/python3/dist-packages/nitime/data");
    s1 = (dir / "grasshopper_stimulus1.txt").string();
    t1 = (dir / "grasshopper_spike_times1.txt").string();
    s2 = (dir / "grasshopper_stimulus2.txt").string();
    t2 = (dir / "grasshopper_spike_times2.txt").string();
    if (!fs::is_regular_file(s1))
      throw input_error(fmt::format(
          "{} not found: install Debian's python3-nitime, or set $IONSIM_NITIME_DATA to a "
          "directory with the grasshopper recordings",
          s1));
  }
  std::string tu = time_unit_.empty() ? (own ? "s" : "us") : time_unit_;
  if (std::isalpha(static_cast<unsigned char>(tu[0]))) tu = "1" + tu;  // "us": one microsecond
  const double unit = parse_quantity(tu, "s", "--time-unit");
  if (!(unit > 0)) throw input_error("--time-unit must be positive");
  if (max_evals_ < 10) throw input_error("--max-evals must be at least 10");
  neuron::fit_spikes_options o;
  o.max_evals = max_evals_;
  o.seed = seed_;
  o.dt = parse_quantity(fit_dt_, "s", "--dt");
  if (!(o.dt > 0 && o.dt <= 1e-4)) throw input_error("--dt must be in (0, 100us]");
  const double segment = segment_.empty() ? 0 : parse_quantity(segment_, "s", "--segment");
  const neuron::neuron_circuit n = neuron::neuron_from_preset(fit_preset_);
  const auto train = neuron::head(neuron::read_recording(s1, t1, unit), segment);
  const auto test = neuron::head(neuron::read_recording(s2, t2, unit), segment);

  progress bar("fit-spikes", 2.0 * o.max_evals);
  o.progress = [&](const std::string& model, int k, double best) {
    bar.update((model == "LIF" ? 0 : o.max_evals) + k,
               fmt::format("{}: distance {:.4g}", model, best));
  };
  const auto fits = neuron::fit_spikes(n, train, test, o);
  bar.finish();

  nlohmann::json j;
  j["train"] = {{"stimulus", train.stimulus_source},
                {"spikes", train.spikes_source},
                {"duration_s", train.t_end() - train.t0},
                {"spike_count", train.spikes.size()}};
  j["test"] = {{"stimulus", test.stimulus_source},
               {"spikes", test.spikes_source},
               {"duration_s", test.t_end() - test.t0},
               {"spike_count", test.spikes.size()}};
  j["options"] = {{"max_evals", o.max_evals},
                  {"global_fraction", o.global_fraction},
                  {"seed", o.seed},
                  {"dt_s", o.dt},
                  {"van_rossum_tau_s", o.van_rossum_tau},
                  {"preset", fit_preset_}};
  const auto scores = [](const neuron::prediction_scores& p) {
    return nlohmann::json{{"gamma_2ms", json_number(p.gamma_2ms)},
                          {"gamma_4ms", json_number(p.gamma_4ms)},
                          {"van_rossum", p.van_rossum},
                          {"rate_hz", p.rate},
                          {"data_rate_hz", p.data_rate}};
  };
  std::string csv = "model,time_s\n";
  for (const auto& f : fits) {
    nlohmann::json params;
    for (const auto& [name, v] : f.params) params[name] = v;
    j["models"][f.model] = {{"params", params},
                            {"train", scores(f.train)},
                            {"test", scores(f.test)},
                            {"evaluations", f.evaluations},
                            {"seconds", f.seconds}};
    for (double t : f.test_spikes) csv += fmt::format("{},{:.9g}\n", f.model, t);
  }
  for (double t : test.spikes) csv += fmt::format("data,{:.9g}\n", t);
  make_output_dir(fit_out_);
  const auto at = [&](const char* name) { return (fs::path(fit_out_) / name).string(); };
  write_file_atomic(at("results.json"), j.dump(2) + "\n");
  write_file_atomic(at("test_spikes.csv"), csv);
  if (!no_plot_)
    run_plot("fit_spikes.py", {at("fit-spikes.png"), at("results.json"), at("test_spikes.csv"),
                               test.stimulus_source, fmt::format("{:.17g}", unit)});

  std::cout << fmt::format("fit on {} ({} spikes, {:.3g} s), predicted {} ({} spikes)\n",
                           train.spikes_source, train.spikes.size(), train.t_end() - train.t0,
                           test.spikes_source, test.spikes.size());
  std::cout << fmt::format("{:<8} {:>12} {:>12} {:>12} {:>12} {:>10} {:>10}\n", "model",
                           "Gamma2 fit", "Gamma4 fit", "Gamma2 test", "Gamma4 test", "vR test",
                           "rate test");
  for (const auto& f : fits)
    std::cout << fmt::format(
        "{:<8} {:>12.3f} {:>12.3f} {:>12.3f} {:>12.3f} {:>10.3f} {:>8.1f} Hz\n", f.model,
        f.train.gamma_2ms, f.train.gamma_4ms, f.test.gamma_2ms, f.test.gamma_4ms, f.test.van_rossum,
        f.test.rate);
  std::cout << fmt::format("data rate on the test recording: {:.1f} Hz\n", fits[0].test.data_rate);
  std::cout << "wrote " << fit_out_ << "/results.json, test_spikes.csv"
            << (no_plot_ ? "" : ", fit-spikes.png") << "\n";
  return 0;
}

}  // namespace ionsim::cli
