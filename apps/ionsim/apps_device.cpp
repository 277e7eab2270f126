#include "apps_device.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>
#include <filesystem>
#include <iostream>

#include "core/error.hpp"
#include "core/progress.hpp"
#include "core/units.hpp"
#include "device/experiment.hpp"
#include "device/fit.hpp"
#include "device/registry.hpp"
#include "device/summary.hpp"
#include "io/files.hpp"
#include "report/plot.hpp"

namespace ionsim::cli {

namespace {

void add_model_options(CLI::App* c, std::string& model, std::string& preset, std::string& file,
                       std::string& dt, std::string& temperature, std::uint64_t& seed) {
  c->add_option("--model", model,
                fmt::format("device model: {} (used with its defaults when neither "
                            "--preset nor --params is given)",
                            fmt::join(model_names(), " or ")))
      ->capture_default_str();
  c->add_option("--preset", preset, "named parameter set (see `ionsim device presets`)");
  c->add_option("--params", file, "parameter file (TOML), as written by `ionsim device fit`")
      ->check(CLI::ExistingFile);
  c->add_option("--dt", dt, "integration step [s]; default: the parameter set's dt");
  c->add_option("--temperature", temperature,
                "device temperature [K], e.g. 350K, for a model with a temperature parameter");
  c->add_option("--seed", seed,
                "random seed (a non-negative integer); the same seed gives the same result")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
}

device_config load_config(const std::string& model, const std::string& preset,
                          const std::string& file, const std::string& temperature) {
  if (!preset.empty() && !file.empty())
    throw input_error("give either --preset or --params, not both");
  device_config c = !preset.empty() ? load_preset(preset)
                    : !file.empty() ? load_config_file(file)
                                    : default_config(model);
  if (!temperature.empty())
    set_temperature(c, parse_quantity(temperature, "K", "--temperature"), "--temperature");
  return c;
}

double quantity(const std::string& text, const char* unit, const char* option) {
  return parse_quantity(text, unit, option);
}

std::string join_path(const std::string& dir, const char* name) {
  return (std::filesystem::path(dir) / name).string();
}

}  // namespace

device_commands::device_commands(CLI::App& app) {
  device_ = app.add_subcommand("device", "device-level experiments and calibration");
  device_->require_subcommand(1);

  sweep_ = device_->add_subcommand(
      "sweep", "triangular I-V sweeps 0 -> vmax -> 0; writes trace.csv, summary.json, iv.png");
  add_model_options(sweep_, model_, preset_, params_file_, dt_, temperature_, seed_);
  sweep_->add_option("--vmax", vmax_, "sweep amplitude [V]; its sign sets the polarity")
      ->capture_default_str();
  sweep_->add_option("--points", points_, "points per cycle (odd): (points-1)/2 up, the rest down")
      ->capture_default_str();
  sweep_->add_option("--dwell", dwell_, "time at each point [s]")->capture_default_str();
  sweep_->add_option("--cycles", cycles_, "number of cycles")->capture_default_str();
  sweep_->add_option("--compliance", compliance_,
                     "current compliance [A]; default: the parameter set's i_compliance");
  sweep_->add_option("--series", series_, "series resistor [Ω]; default: the parameter set's");
  sweep_->add_option("--devices", devices_, "independent devices swept in parallel")
      ->capture_default_str();
  sweep_
      ->add_option("--replay", replay_,
                   "drive with the voltages of a measured sweep file (cycle,point,voltage_V,"
                   "current_A); replaces --vmax, --points and --cycles")
      ->check(CLI::ExistingFile);
  sweep_->add_option("--out", out_, "output directory")->required();
  sweep_->add_flag("--no-plot", no_plot_, "do not draw iv.png");

  pulse_ = device_->add_subcommand(
      "pulse",
      "single voltage pulses through a series resistor, one device per trial; writes "
      "trace.csv, summary.json, pulse.png");
  add_model_options(pulse_, model_, preset_, params_file_, dt_, temperature_, seed_);
  pulse_->add_option("--amplitude", amplitude_, "pulse amplitude [V]")->capture_default_str();
  pulse_->add_option("--width", width_, "pulse width [s]")->capture_default_str();
  pulse_->add_option("--read", read_, "read level before and after the pulse [V]")
      ->capture_default_str();
  pulse_->add_option("--pre", pre_, "read time before the pulse [s]")->capture_default_str();
  pulse_->add_option("--post", post_, "read time after the pulse [s]")->capture_default_str();
  pulse_->add_option("--series", series_, "series resistor [Ω]; default: the parameter set's");
  pulse_->add_option("--compliance", compliance_, "current compliance [A]; default: none");
  pulse_->add_option("--trials", trials_, "number of trials (independent devices)")
      ->capture_default_str();
  pulse_->add_option("--record", record_, "trials whose traces go to trace.csv")
      ->capture_default_str();
  pulse_->add_option("--sample", sample_, "sampling interval of trace.csv [s]")
      ->capture_default_str();
  pulse_->add_option("--out", out_, "output directory")->required();
  pulse_->add_flag("--no-plot", no_plot_, "do not draw pulse.png");

  stdp_ = device_->add_subcommand(
      "stdp",
      "device STDP: pre- and post-synaptic spike waveforms on the device's two electrodes, "
      "one device per delta_t; writes window.csv, summary.json, window.png");
  add_model_options(stdp_, model_, preset_, params_file_, dt_, temperature_, seed_);
  stdp_->add_option("--peak", peak_, "peak of a spike [V]")->capture_default_str();
  stdp_->add_option("--width", spike_width_, "width of the peak [s]")->capture_default_str();
  stdp_
      ->add_option("--tail-depth", tail_depth_,
                   "depth of the spike's negative tail at its start [V]")
      ->capture_default_str();
  stdp_->add_option("--tau-tail", tau_tail_, "decay time of the tail [s]")->capture_default_str();
  stdp_->add_option("--tail", tail_, "length of the tail [s]")->capture_default_str();
  stdp_->add_option("--max-delay", max_delay_, "largest |t_post - t_pre| [s]")
      ->capture_default_str();
  stdp_->add_option("--delay-step", delay_step_, "spacing of t_post - t_pre [s]")
      ->capture_default_str();
  stdp_->add_option("--pairs", pairs_, "pairings per delta_t")->capture_default_str();
  stdp_->add_option("--period", period_, "time from one pairing to the next [s]")
      ->capture_default_str();
  stdp_->add_option("--out", out_, "output directory")->required();
  stdp_->add_flag("--no-plot", no_plot_, "do not draw window.png");

  fit_ = device_->add_subcommand(
      "fit",
      "calibrate a model to measured sweep or pulse data (NLopt: CRS2 global search, then "
      "BOBYQA, with common random numbers); writes the parameter file and a fit report");
  fit_->add_option("--model", model_,
                   fmt::format("model to fit ({}), or auto: classify the sweeps by polarity, fit "
                               "every model and structure, choose on the held-out cycles",
                               fmt::join(model_names(), ", ")))
      ->capture_default_str();
  auto* s = fit_->add_option("--sweep", fit_sweep_,
                             "measured I-V sweeps (cycle,point,voltage_V,current_A)")
                ->check(CLI::ExistingFile);
  auto* p = fit_->add_option("--pulse", fit_pulse_,
                             "measured pulse trials (trial,time_s,voltage_V,current_A)")
                ->check(CLI::ExistingFile);
  s->excludes(p);
  fit_->add_option("--out", out_, "output parameter file (TOML)")->required();
  fit_->add_option("--report", report_dir_,
                   "directory of the fit report (default: next to --out, named <stem>-report)");
  fit_->add_option(
      "--start", start_,
      "preset or parameter file to start from (default: the model's own starting preset for the "
      "measurement, for wang2024 wang2024-dc-symmetric for sweeps and wang2024-pulse "
      "for pulses; its defaults where it has none)");
  fit_->add_option("--max-evals", max_evals_,
                   "objective evaluations (each one a full simulated experiment); with "
                   "--model auto per candidate and start, default 120 there; 0: no fit, the report "
                   "of --start against the data")
      ->capture_default_str();
  fit_->add_option("--free", free_,
                   "parameters to fit, comma-separated (default: the model's own list for the "
                   "measurement); any the model declares bounds for, e.g. alpha_spread")
      ->delimiter(',');
  fit_->add_option("--devices", fit_devices_,
                   "sweeps: devices simulated through every cycle per evaluation (more: less "
                   "sampling noise in the objective; default: the model's own, 8 for wang2024, "
                   "whose vector kernel runs them about as fast as 2, else 2)");
  fit_->add_option("--local", fit_local_,
                   "sweeps: the local phase, lm (Levenberg-Marquardt on the objective's "
                   "residuals) or bobyqa (NLopt's BOBYQA on the objective)")
      ->capture_default_str()
      ->check(CLI::IsMember({"bobyqa", "lm"}));
  fit_->add_option("--seed", seed_, "seed of the common random numbers")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  fit_->add_option("--dwell", fit_dwell_,
                   "sweep: time at each voltage point of the measurement [s]")
      ->capture_default_str();
  fit_->add_option("--series", fit_series_, "pulse: series resistor of the measurement [Ω]")
      ->capture_default_str();
  fit_->add_flag("--no-plot", no_plot_, "do not draw the report's PNG");

  presets_ = device_->add_subcommand("presets", "list the built-in parameter sets");
  params_ =
      device_->add_subcommand("params", "print a model's parameter table, or a preset as TOML");
  params_->add_option("--model", model_, "model")->capture_default_str();
  params_->add_option("--preset", preset_, "print this preset as a TOML parameter file");
}

int device_commands::run() {
  if (sweep_->parsed()) return run_sweep();
  if (pulse_->parsed()) return run_pulse();
  if (stdp_->parsed()) return run_stdp();
  if (fit_->parsed()) return run_fit();
  if (presets_->parsed()) return run_presets();
  if (params_->parsed()) return run_params();
  return 1;
}

int device_commands::run_presets() {
  for (const auto& name : preset_names()) {
    const auto c = load_preset(name);
    std::cout << fmt::format("{:<26} {:<9} {}\n", name, c.model(), c.description);
  }
  return 0;
}

int device_commands::run_params() {
  if (!preset_.empty()) {
    std::cout << to_toml(load_preset(preset_));
    return 0;
  }
  std::cout << param_table_markdown(model_);
  return 0;
}

int device_commands::run_sweep() {
  device_config cfg = load_config(model_, preset_, params_file_, temperature_);
  if (!compliance_.empty())
    set_param(cfg, "i_compliance", quantity(compliance_, "A", "--compliance"));
  if (!series_.empty()) set_param(cfg, "r_series", quantity(series_, "Ohm", "--series"));
  const double dt = dt_.empty() ? config_dt(cfg) : quantity(dt_, "s", "--dt");
  if (!(dt > 0)) throw input_error("--dt must be positive");
  const double dwell = quantity(dwell_, "s", "--dwell");
  if (devices_ < 1) throw input_error("--devices must be at least 1");
  std::vector<std::vector<double>> cycles;
  if (!replay_.empty()) {
    cycles = read_sweep_csv(replay_).v;
  } else {
    const double vmax = quantity(vmax_, "V", "--vmax");
    if (vmax == 0) throw input_error("--vmax must not be zero");
    if (cycles_ < 1) throw input_error("--cycles must be at least 1");
    cycles.assign(static_cast<std::size_t>(cycles_), sweep_cycle(vmax, points_));
  }
  auto model = make_device(cfg, static_cast<std::size_t>(devices_), seed_);
  progress bar("sweep", 1.0);
  const auto r = ionsim::run_sweep(*model, cycles, dwell, dt, [&](double f) { bar.update(f); });
  bar.finish();
  const auto th = sweep_thresholds(r);
  nlohmann::json j;
  j["model"] = std::string(cfg.model());
  j["parameters"] = cfg.source;
  j["protocol"] = {{"cycles", cycles.size()}, {"points", cycles.front().size()},
                   {"dwell_s", dwell},        {"dt_s", dt},
                   {"devices", devices_},     {"seed", seed_},
                   {"replay", replay_}};
  if (replay_.empty()) j["protocol"]["vmax_V"] = quantity(vmax_, "V", "--vmax");
  j["thresholds"] = thresholds_json(th);
  j["extraction"] =
      "V_th: first |V| on the rising branch where |I| exceeds 10 nA from below; "
      "V_hold: first |V| on the falling branch where |I| drops below 10 pA from above";
  make_output_dir(out_);
  write_file_atomic(join_path(out_, "trace.csv"), sweep_trace_csv(r));
  write_file_atomic(join_path(out_, "summary.json"), j.dump(2) + "\n");
  const auto& sv = j["thresholds"]["vth"];
  const auto& sh = j["thresholds"]["vhold"];
  std::cout << fmt::format("V_th   = {:.4f} ± {:.4f} V (median {:.4f}, n = {})\n",
                           sv.value("mean", NAN), sv.value("std", NAN), sv.value("median", NAN),
                           sv["n"].get<int>());
  std::cout << fmt::format("V_hold = {:.4f} ± {:.4f} V (median {:.4f}, n = {})\n",
                           sh.value("mean", NAN), sh.value("std", NAN), sh.value("median", NAN),
                           sh["n"].get<int>());
  if (!no_plot_) run_plot("iv.py", {join_path(out_, "iv.png"), join_path(out_, "trace.csv")});
  std::cout << "wrote " << out_ << "/trace.csv, summary.json" << (no_plot_ ? "" : ", iv.png")
            << "\n";
  return 0;
}

int device_commands::run_pulse() {
  device_config cfg = load_config(model_, preset_, params_file_, temperature_);
  if (!compliance_.empty())
    set_param(cfg, "i_compliance", quantity(compliance_, "A", "--compliance"));
  if (!series_.empty()) set_param(cfg, "r_series", quantity(series_, "Ohm", "--series"));
  const double dt = dt_.empty() ? config_dt(cfg) : quantity(dt_, "s", "--dt");
  if (!(dt > 0)) throw input_error("--dt must be positive");
  pulse_protocol p;
  p.amplitude = quantity(amplitude_, "V", "--amplitude");
  p.width = quantity(width_, "s", "--width");
  p.read = quantity(read_, "V", "--read");
  p.pre = quantity(pre_, "s", "--pre");
  p.post = quantity(post_, "s", "--post");
  const double sample = quantity(sample_, "s", "--sample");
  if (trials_ < 1) throw input_error("--trials must be at least 1");
  if (record_ < 0) throw input_error("--record must not be negative");
  if (std::fabs(p.amplitude) <= std::fabs(p.read))
    throw input_error("--amplitude must exceed the --read level in magnitude");
  auto model = make_device(cfg, static_cast<std::size_t>(trials_), seed_);
  progress bar("pulse", 1.0);
  const auto r = ionsim::run_pulse(*model, p, dt, static_cast<std::size_t>(record_), sample,
                                   [&](double f) { bar.update(f); });
  bar.finish();
  const auto times = pulse_times_of(r.times);
  nlohmann::json j;
  j["model"] = std::string(cfg.model());
  j["parameters"] = cfg.source;
  j["protocol"] = {{"amplitude_V", p.amplitude},
                   {"width_s", p.width},
                   {"read_V", p.read},
                   {"pre_s", p.pre},
                   {"post_s", p.post},
                   {"dt_s", dt},
                   {"trials", trials_},
                   {"seed", seed_},
                   {"r_series_ohm", get_param(cfg, "r_series")}};
  j["simulated"] = pulse_json(times);
  nlohmann::json per_trial = nlohmann::json::array();
  for (const auto& t : r.times) {
    nlohmann::json one;
    one["delay_s"] = t.delay ? nlohmann::json(*t.delay) : nlohmann::json();
    one["relax_s"] = t.relax ? nlohmann::json(*t.relax) : nlohmann::json();
    per_trial.push_back(one);
  }
  j["per_trial"] = per_trial;
  j["extraction"] =
      "delay: from the pulse's rise to |I| > 1 uA; relaxation: from the pulse's end "
      "to |I| < 10 nA; trials that never cross are left out of the statistics";
  make_output_dir(out_);
  write_file_atomic(join_path(out_, "trace.csv"), pulse_trace_csv(r));
  write_file_atomic(join_path(out_, "summary.json"), j.dump(2) + "\n");
  const auto& d = j["simulated"]["delay_s"];
  const auto& x = j["simulated"]["relax_s"];
  auto median_ms = [](const nlohmann::json& s) {
    return s["n"].get<int>() > 0 ? fmt::format("{:.3g} ms", s["median"].get<double>() * 1e3)
                                 : std::string("none");
  };
  std::cout << fmt::format("switching delay: median {} ({} of {} trials switched)\n", median_ms(d),
                           d["n"].get<int>(), trials_);
  std::cout << fmt::format("relaxation time: median {} ({} of {} trials relaxed)\n", median_ms(x),
                           x["n"].get<int>(), trials_);
  if (!no_plot_)
    run_plot("pulse.py", {join_path(out_, "pulse.png"), join_path(out_, "trace.csv"),
                          join_path(out_, "summary.json")});
  std::cout << "wrote " << out_ << "/trace.csv, summary.json" << (no_plot_ ? "" : ", pulse.png")
            << "\n";
  return 0;
}

int device_commands::run_stdp() {
  device_config cfg = load_config(model_, preset_, params_file_, temperature_);
  const double dt = dt_.empty() ? config_dt(cfg) : quantity(dt_, "s", "--dt");
  if (!(dt > 0)) throw input_error("--dt must be positive");
  stdp_protocol p;
  p.peak = quantity(peak_, "V", "--peak");
  p.width = quantity(spike_width_, "s", "--width");
  p.tail_depth = quantity(tail_depth_, "V", "--tail-depth");
  p.tau_tail = quantity(tau_tail_, "s", "--tau-tail");
  p.tail = quantity(tail_, "s", "--tail");
  p.pairs = pairs_;
  p.period = quantity(period_, "s", "--period");
  const double max_delay = quantity(max_delay_, "s", "--max-delay");
  const double step = quantity(delay_step_, "s", "--delay-step");
  if (!(max_delay > 0)) throw input_error("--max-delay must be positive");
  if (!(step > 0) || step > max_delay)
    throw input_error("--delay-step must be positive and at most --max-delay");
  const auto half = static_cast<int>(std::floor(max_delay / step + 1e-9));
  std::vector<double> delta_t;
  for (int k = -half; k <= half; ++k)
    if (k != 0) delta_t.push_back(k * step);
  check_stdp_protocol(p, max_delay);
  auto model = make_device(cfg, delta_t.size(), seed_);
  progress bar("stdp", 1.0);
  const auto r = ionsim::run_stdp(*model, p, delta_t, dt, [&](double f) { bar.update(f); });
  bar.finish();
  std::string csv = "delta_t_s,g_before_S,g_after_S,dg_rel,energy_J\n";
  for (std::size_t k = 0; k < delta_t.size(); ++k)
    csv += fmt::format("{:.9g},{:.9g},{:.9g},{:.9g},{:.9g}\n", delta_t[k], r.g_before[k],
                       r.g_after[k], r.dg_rel[k], r.energy[k]);
  nlohmann::json j;
  j["model"] = std::string(cfg.model());
  j["parameters"] = cfg.source;
  j["protocol"] = {{"peak_V", p.peak},
                   {"width_s", p.width},
                   {"tail_depth_V", p.tail_depth},
                   {"tau_tail_s", p.tau_tail},
                   {"tail_s", p.tail},
                   {"pairs", p.pairs},
                   {"period_s", p.period},
                   {"max_delay_s", max_delay},
                   {"delay_step_s", step},
                   {"dt_s", dt},
                   {"seed", seed_},
                   {"duration_s", r.duration},
                   {"device_voltage", "spike(t - t_post) - spike(t - t_pre)"}};
  const auto pot = fit_window_side(delta_t, r.dg_rel, true),
             dep = fit_window_side(delta_t, r.dg_rel, false);
  auto side = [](const window_side& w) {
    return nlohmann::json{
        {"dg_rel_nearest", w.peak}, {"fit_a", w.a}, {"tau_s", w.tau}, {"points", w.points}};
  };
  j["window"] = {{"post_after_pre", side(pot)}, {"post_before_pre", side(dep)}};
  j["extraction"] =
      "dg_rel = G_after / G_before - 1 per delta_t; energy_J: v i dt in the device over all "
      "pairings; fit_a exp(-|delta_t| / tau): least-squares fit of ln|dg_rel| against "
      "|delta_t| on each side, over the points with the side's sign and at least 1 % of its "
      "largest change";
  make_output_dir(out_);
  write_file_atomic(join_path(out_, "window.csv"), csv);
  write_file_atomic(join_path(out_, "summary.json"), j.dump(2) + "\n");
  std::cout << fmt::format(
      "post after pre: dG/G {:+.4g} at {:g} ms, decay time {:.3g} ms\n"
      "post before pre: dG/G {:+.4g} at {:g} ms, decay time {:.3g} ms\n",
      pot.peak, step * 1e3, pot.tau * 1e3, dep.peak, -step * 1e3, dep.tau * 1e3);
  if (!no_plot_)
    run_plot("stdp_window.py", {join_path(out_, "window.png"), join_path(out_, "window.csv"),
                                join_path(out_, "summary.json")});
  std::cout << "wrote " << out_ << "/window.csv, summary.json" << (no_plot_ ? "" : ", window.png")
            << "\n";
  return 0;
}

int device_commands::run_fit() {
  if (fit_sweep_.empty() && fit_pulse_.empty())
    throw input_error("give the measured data: --sweep DATA.csv or --pulse DATA.csv");
  const bool sweep = !fit_sweep_.empty();
  const bool automatic = model_ == "auto";
  if (automatic && !sweep)
    throw input_error("--model auto chooses among models on sweep data: give --sweep DATA.csv");
  if (automatic && !start_.empty())
    throw input_error("--model auto starts every candidate from its own preset: drop --start");
  const auto& fit_of = device_type_named(automatic ? "wang2024" : model_).fit();
  const std::string start_name =
      start_.empty() ? (sweep ? fit_of.sweep_start : fit_of.pulse_start) : start_;
  const device_config start =
      automatic ? default_config("wang2024")
                : (start_name.empty() ? default_config(model_) : load_preset_or_file(start_name));
  if (!automatic && start.model() != model_)
    throw input_error(fmt::format("--start {}: a preset of model {} is needed (--model), not {}",
                                  start_, model_, start.model()));
  // --model auto fits every candidate with --max-evals; without it, 120 each keeps the
  // candidates on 200 cycles within 6 minutes (docs/fits/model-choice.md).
  if (automatic && fit_->get_option("--max-evals")->count() == 0) max_evals_ = 120;
  check_fit_request(automatic, max_evals_, !free_.empty(), "--max-evals", "--free");
  if (fit_->get_option("--devices")->count() != 0 && fit_devices_ < 1)
    throw input_error("--devices must be at least 1");
  fit_options o;
  if (!free_.empty()) o.free = declared_fit_params(*start.type, free_, sweep);
  o.max_evals = max_evals_;
  o.devices = fit_devices_;
  o.local = fit_local_;
  o.seed = seed_;
  o.dwell = quantity(fit_dwell_, "s", "--dwell");
  o.r_series = quantity(fit_series_, "Ohm", "--series");
  progress bar("fit", max_evals_);
  std::string candidate;
  o.on_progress = [&](int n, double best, const char* phase) {
    bar.update(n, fmt::format("eval {}/{}, best objective {:.4g}, {}", n, max_evals_, best, phase));
  };
  std::string report = report_dir_;
  if (report.empty()) {
    const std::filesystem::path p(out_);
    report = (p.parent_path() / (p.stem().string() + "-report")).string();
  }
  // Read the data before any output exists, so a bad file leaves nothing behind.
  fit_outcome r;
  if (sweep) {
    const auto data = read_sweep_csv(fit_sweep_);
    if (automatic) {
      // one bar over every candidate's budget
      auto_step at;
      o.on_progress = [&](int n, double best, const char* phase) {
        bar.update(at.evals_before + n, fmt::format("{}: eval {}/{}, best objective {:.4g}, {}",
                                                    candidate, n, max_evals_, best, phase));
      };
      r = fit_sweep_auto(data, o, [&](const sweep_candidate& c, const auto_step& step) {
        if (step.evals_before == 0) bar = progress("fit", step.evals_total);
        at = step;
        candidate = fmt::format("candidate {}/{} {} {} from {}", step.candidate + 1,
                                step.candidates, c.start.model(), c.structure, step.start);
        bar.update(step.evals_before, candidate);
      });
    } else {
      r = fit_sweep(data, start, o);
    }
  } else {
    const auto data = read_pulse_csv(fit_pulse_);
    r = fit_pulse(data, start, o);
  }
  bar.finish();
  const std::string header = fmt::format(
      "# {} by: ionsim device fit --model {} --{} {} --start {}{} --max-evals {} --seed "
      "{}\n"
      "# Report: {}\n",
      max_evals_ == 0 ? "Evaluated" : "Fitted", model_, sweep ? "sweep" : "pulse",
      sweep ? fit_sweep_ : fit_pulse_,
      automatic            ? "(each candidate's own)"
      : start_name.empty() ? "(the model's defaults)"
                           : start_name,
      (free_.empty() ? "" : fmt::format(" --free {}", fmt::join(free_, ","))) +
          (fit_devices_ == 0 ? "" : fmt::format(" --devices {}", fit_devices_)) +
          (fit_local_ == "lm" ? "" : fmt::format(" --local {}", fit_local_)),
      max_evals_, seed_, report);
  make_output_dir(report);
  write_file_atomic(join_path(report, "report.json"), r.report.dump(2) + "\n");
  write_file_atomic(join_path(report, "trace.csv"), r.trace_csv);
  const auto parent = std::filesystem::path(out_).parent_path();
  if (!parent.empty()) make_output_dir(parent.string());
  write_file_atomic(out_, header + to_toml(r.config));
  const auto& m = r.report["measured"];
  const auto& s = r.report["simulated"];
  auto row = [](const char* name, const nlohmann::json& a, const nlohmann::json& b, double scale,
                const char* unit) {
    std::cout << fmt::format(
        "{:<18} measured {:>9.4g} ± {:<9.4g} simulated {:>9.4g} ± {:<9.4g} {} "
        "(median {:.4g} / {:.4g})\n",
        name, a.value("mean", NAN) * scale, a.value("std", NAN) * scale,
        b.value("mean", NAN) * scale, b.value("std", NAN) * scale, unit,
        a.value("median", NAN) * scale, b.value("median", NAN) * scale);
  };
  if (sweep) {
    row("V_th", m["vth"], s["vth"], 1, "V");
    row("V_hold", m["vhold"], s["vhold"], 1, "V");
    std::cout << fmt::format("I-V envelope: rms difference {:.3f} decades\n",
                             r.report["envelope"]["rms_decades"].get<double>());
    std::cout << fmt::format("data: {}\n", r.report["features"].get<std::string>());
    if (r.report.contains("model_choice"))
      for (const auto& c : r.report["model_choice"]["candidates"])
        std::cout << fmt::format("candidate {} {}: objective {:.4g}, on held-out cycles {:.4g}{}\n",
                                 c["model"].get<std::string>(), c["structure"].get<std::string>(),
                                 c["objective"].get<double>(),
                                 c["held_out_objective"].get<double>(),
                                 c == r.report["model_choice"]["chosen"] ? "  <- chosen" : "");
    if (r.report.contains("held_out"))
      std::cout << fmt::format("held-out cycles {}-{}: acceptance {}\n",
                               r.report["held_out"]["cycles"][0].get<int>(),
                               r.report["held_out"]["cycles"][1].get<int>() - 1,
                               r.report["held_out"]["accepted"].get<bool>() ? "met" : "NOT met");
    if (r.report.contains("parameters"))
      for (const auto& p : r.report["parameters"])
        if (!p["identifiable"].get<bool>())
          std::cout << fmt::format(
              "{} = {:.4g} is not identifiable (95 % interval spans more "
              "than a factor of 10)\n",
              p["name"].get<std::string>(), p["fitted"].get<double>());
  } else {
    row("switching delay", m["delay_s"], s["delay_s"], 1e3, "ms");
    row("relaxation", m["relax_s"], s["relax_s"], 1e3, "ms");
    const auto ks_line = [](const char* what, const nlohmann::json& d) {
      return fmt::format("{}: KS distance delay {:.3f}, relaxation {:.3f}; acceptance {}\n", what,
                         d["delay_s"]["ks"].get<double>(), d["relax_s"]["ks"].get<double>(),
                         d["accepted"].get<bool>() ? "met" : "NOT met");
    };
    std::cout << ks_line("fitted trials", r.report["distributions"]);
    if (r.report.contains("held_out"))
      std::cout << ks_line(
          fmt::format("held-out trials {}-{}", r.report["held_out"]["trials"][0].get<int>(),
                      r.report["held_out"]["trials"][1].get<int>() - 1)
              .c_str(),
          r.report["held_out"]);
  }
  std::cout << fmt::format("objective {:.4g} after {} evaluations\n", r.objective, r.evaluations);
  if (!no_plot_) {
    if (sweep)
      run_plot("iv.py", {join_path(report, "fit.png"), join_path(report, "trace.csv"),
                         join_path(report, "report.json"), fit_sweep_});
    else
      run_plot("pulse.py", {join_path(report, "fit.png"), join_path(report, "trace.csv"),
                            join_path(report, "report.json"), fit_pulse_});
  }
  std::cout << "wrote " << out_ << " and " << report << "/report.json, trace.csv"
            << (no_plot_ ? "" : ", fit.png") << "\n";
  return 0;
}

}  // namespace ionsim::cli
