#include "apps_analyze.hpp"

#include <fmt/format.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "apps_output.hpp"
#include "core/error.hpp"
#include "core/units.hpp"
#include "io/files.hpp"
#include "io/hdf5.hpp"
#include "network/segments.hpp"
#include "report/plot.hpp"

namespace ionsim::cli {

namespace fs = std::filesystem;

analyze_command::analyze_command(CLI::App& app) {
  cmd_ = app.add_subcommand(
      "analyze",
      "spike-train statistics of a network run (rate, CV, CV2, Lv, LvR, Fano, synchrony, "
      "ISI-, SPIKE- and van Rossum distances, correlogram) per neuron and population; writes "
      "populations.csv, neurons.csv, statistics.json and analysis.png");
  cmd_->add_option("spikes", input_, "DIR/spikes.h5 written by `ionsim run` (or DIR)")->required();
  cmd_->add_option("--out", out_, "output directory")->required();
  cmd_->add_option("--t0", t0_, "start of the window (default 0)");
  cmd_->add_option("--t1", t1_, "end of the window (default: the simulated time)");
  cmd_->add_option("--refractory", refractory_, "LvR's refractory constant R (default 5ms)");
  cmd_->add_option("--fano-window", fano_window_, "Fano factor's counting window (default 100ms)");
  cmd_->add_option("--bin", bin_, "bin of the synchrony and the correlogram (default 5ms)");
  cmd_->add_option("--max-lag", max_lag_, "correlogram half-width (default 100ms)");
  cmd_->add_option("--tau", tau_, "van Rossum time constant (default 10ms)");
  cmd_->add_option("--min-intervals", o_.min_intervals,
                   "intervals a neuron needs for CV, CV2, Lv and LvR (default 4)")
      ->check(CLI::Range(2, 1000000));
  cmd_->add_option("--pairs", o_.pairs,
                   "neuron pairs per population for the distances and correlogram (default 100)");
  cmd_->add_option("--seed", o_.seed, "seed of the pair sample (default 1)");
  cmd_->add_flag("--no-plot", no_plot_, "do not draw analysis.png");
}

bool analyze_command::parsed() const { return cmd_->parsed(); }

int analyze_command::run() {
  // DIR/spikes.h5, or the segments of a run with checkpoints that has not reached its end
  const network::run_recording recording(input_);
  const std::string path = recording.path();
  if (recording.segments() > 0)
    std::fprintf(stderr, "analyze: %zu segments of an unfinished run in %s\n", recording.segments(),
                 input_.c_str());
  check_spike_file(path, fs::is_directory(input_) ? input_ : "DIR");
  auto& o = o_;
  o.t0 = parse_quantity(t0_, "s", "--t0");
  o.t1 = t1_.empty() ? read_h5_attribute(path, "simulated") : parse_quantity(t1_, "s", "--t1");
  o.refractory = parse_quantity(refractory_, "s", "--refractory");
  o.fano_window = parse_quantity(fano_window_, "s", "--fano-window");
  o.bin = parse_quantity(bin_, "s", "--bin");
  o.max_lag = parse_quantity(max_lag_, "s", "--max-lag");
  o.tau = parse_quantity(tau_, "s", "--tau");
  if (!(o.t0 >= 0) || !(o.t1 > o.t0))
    throw input_error(
        fmt::format("--t0 = {:g} s and --t1 = {:g} s do not form a window (the "
                    "file holds {:g} s)",
                    o.t0, o.t1, read_h5_attribute(path, "simulated")));
  for (auto [v, name] : {std::pair{o.fano_window, "--fano-window"},
                         {o.bin, "--bin"},
                         {o.tau, "--tau"},
                         {o.max_lag, "--max-lag"}})
    if (!(v > 0)) throw input_error(fmt::format("{} must be positive (got {:g} s)", name, v));
  if (o.refractory < 0)
    throw input_error(fmt::format("--refractory must not be negative (got {:g} s)", o.refractory));
  if (o.max_lag < o.bin)
    throw input_error(
        fmt::format("--max-lag ({:g} s) is shorter than --bin ({:g} s)", o.max_lag, o.bin));

  const auto times = read_h5_doubles(path, "/spikes/times");
  const auto ids = read_h5_doubles(path, "/spikes/ids");
  const auto first = read_h5_doubles(path, "/populations/first_id");
  const auto size = read_h5_doubles(path, "/populations/size");
  const auto names = read_h5_strings(path, "/populations/names");
  if (times.size() != ids.size() || first.size() != size.size() || names.size() != size.size())
    throw input_error(
        fmt::format("{}: /spikes/times and /spikes/ids, or the /populations "
                    "datasets, differ in length",
                    path));
  double total = 0;
  for (double s : size) total += s;
  std::vector<std::vector<double>> trains(static_cast<std::size_t>(total));
  for (std::size_t k = 0; k < times.size(); ++k) {
    if (!(ids[k] >= 0 && ids[k] < total))
      throw input_error(
          fmt::format("{}: spike {} has neuron id {:g}, outside the {} neurons of "
                      "its populations",
                      path, k, ids[k], total));
    if (times[k] >= o.t0 && times[k] <= o.t1)
      trains[static_cast<std::size_t>(ids[k])].push_back(times[k]);
  }
  for (auto& t : trains) std::sort(t.begin(), t.end());

  std::vector<analysis::population_stats> pops;
  for (std::size_t p = 0; p < names.size(); ++p) {
    const auto a = static_cast<std::size_t>(first[p]), n = static_cast<std::size_t>(size[p]);
    pops.push_back(analysis::analyze_population(
        names[p], std::span<const std::vector<double>>(trains).subspan(a, n), o));
  }

  // Tables and JSON, written whole once everything is computed.
  std::string pop_csv =
      "population,neurons,spiking,rate_hz,cv,cv2,lv,lvr,fano,chi,isi_distance,spike_distance,"
      "van_rossum,regular,random,bursty,class\n";
  std::string neuron_csv = "population,neuron,spikes,rate_hz,cv,cv2,lv,lvr,fano,class\n";
  std::string cc_csv = "population,lag_s,count\n";
  nlohmann::json j;
  j["source"] = path;
  j["window_s"] = {o.t0, o.t1};
  j["parameters"] = {{"refractory_s", o.refractory},
                     {"fano_window_s", o.fano_window},
                     {"bin_s", o.bin},
                     {"max_lag_s", o.max_lag},
                     {"tau_s", o.tau},
                     {"min_intervals", o.min_intervals},
                     {"pairs", o.pairs},
                     {"seed", o.seed}};
  j["class_boundaries_lvr"] = {0.5, 1.0};
  for (const auto& s : pops) {
    pop_csv +=
        fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n", s.name, s.neurons,
                    s.spiking, csv_cell(s.rate), csv_cell(s.cv), csv_cell(s.cv2), csv_cell(s.lv),
                    csv_cell(s.lvr), csv_cell(s.fano), csv_cell(s.chi), csv_cell(s.isi_distance),
                    csv_cell(s.spike_distance), csv_cell(s.van_rossum), csv_cell(s.regular),
                    csv_cell(s.random), csv_cell(s.bursty), analysis::population_class(s));
    for (std::size_t i = 0; i < s.per_neuron.size(); ++i) {
      const auto& n = s.per_neuron[i];
      neuron_csv += fmt::format("{},{},{},{},{},{},{},{},{},{}\n", s.name, i, n.spikes,
                                csv_cell(n.rate), csv_cell(n.cv), csv_cell(n.cv2), csv_cell(n.lv),
                                csv_cell(n.lvr), csv_cell(n.fano), analysis::firing_class(n.lvr));
    }
    for (std::size_t b = 0; b < s.cross.lag.size(); ++b)
      cc_csv += fmt::format("{},{:.9g},{:g}\n", s.name, s.cross.lag[b], s.cross.count[b]);
    j["populations"][s.name] = {
        {"neurons", s.neurons},
        {"spiking", s.spiking},
        {"irregularity_neurons", s.irregularity_neurons},
        {"rate_hz", s.rate},
        {"cv", json_number(s.cv)},
        {"cv2", json_number(s.cv2)},
        {"lv", json_number(s.lv)},
        {"lvr", json_number(s.lvr)},
        {"fano", json_number(s.fano)},
        {"chi", json_number(s.chi)},
        {"pairs", s.pairs},
        {"isi_distance", json_number(s.isi_distance)},
        {"spike_distance", json_number(s.spike_distance)},
        {"van_rossum", json_number(s.van_rossum)},
        {"fractions", {{"regular", s.regular}, {"random", s.random}, {"bursty", s.bursty}}},
        {"class", analysis::population_class(s)}};
  }
  make_output_dir(out_);
  const auto at = [&](const char* name) { return (fs::path(out_) / name).string(); };
  write_file_atomic(at("populations.csv"), pop_csv);
  write_file_atomic(at("neurons.csv"), neuron_csv);
  write_file_atomic(at("correlograms.csv"), cc_csv);
  write_file_atomic(at("statistics.json"), j.dump(2) + "\n");
  if (!no_plot_)
    run_plot("analysis.py", {at("analysis.png"), at("neurons.csv"), at("correlograms.csv"),
                             fmt::format("{:.17g}", o.refractory)});

  std::cout << fmt::format("{}: [{:g}, {:g}] s\n", path, o.t0, o.t1);
  std::cout << fmt::format("{:<12} {:>8} {:>9} {:>6} {:>6} {:>6} {:>6} {:>6} {:>6} {:>8}  {}\n",
                           "population", "neurons", "rate(Hz)", "CV", "CV2", "Lv", "LvR", "Fano",
                           "chi", "SPIKE-d", "class");
  const auto f = [](double v) {
    return std::isnan(v) ? std::string("-") : fmt::format("{:.3f}", v);
  };
  for (const auto& s : pops)
    std::cout << fmt::format(
        "{:<12} {:>8} {:>9.3f} {:>6} {:>6} {:>6} {:>6} {:>6} {:>6} {:>8}  {}\n", s.name, s.neurons,
        s.rate, f(s.cv), f(s.cv2), f(s.lv), f(s.lvr), f(s.fano), f(s.chi), f(s.spike_distance),
        analysis::population_class(s));
  std::cout << "wrote " << out_
            << "/populations.csv, neurons.csv, correlograms.csv, statistics.json"
            << (no_plot_ ? "" : ", analysis.png") << "\n";
  return 0;
}

}  // namespace ionsim::cli
