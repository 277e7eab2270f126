#include "network/recording.hpp"

#include <fmt/format.h>

#include <cmath>
#include <filesystem>

#include "core/archive.hpp"

namespace ionsim::network {

h5_recording::h5_recording(const std::string& path, network& net)
    : net_(net), dt_(net.spec().run.dt), last_flush_(std::chrono::steady_clock::now()) {
  open(path);
}

void h5_recording::open(const std::string& path) {
  network& net = net_;
  out_ = std::make_unique<h5_writer>(path);
  auto& out = *out_;
  record_spikes_.clear();
  rate_pops_.clear();
  rate_column_.clear();
  probes_.clear();
  weight_series_.clear();
  const auto& spec = net.spec();
  out.attribute("/", "source", spec.source);
  out.attribute("/", "dt", spec.run.dt);
  out.attribute("/", "duration", spec.run.duration);
  out.attribute("/", "seed", static_cast<double>(spec.run.seed));
  out.attribute("/", "threads", static_cast<double>(net.threads()));
  out.attribute("/", "simulated", 0.0);
  out.attribute("/", "complete", 0.0);
  out.group("/populations");
  std::vector<std::string> names;
  std::vector<std::uint32_t> first, size;
  for (std::size_t p = 0; p < net.populations(); ++p) {
    names.push_back(net.population_name(p));
    first.push_back(net.first_id(p));
    size.push_back(static_cast<std::uint32_t>(net.population_size(p)));
  }
  out.strings("/populations/names", names);
  out.array("/populations/first_id", h5_writer::type::u32, first.data(), first.size());
  out.array("/populations/size", h5_writer::type::u32, size.data(), size.size());

  auto index_of = [&](const std::string& name) {
    for (std::size_t p = 0; p < net.populations(); ++p)
      if (net.population_name(p) == name) return p;
    return net.populations();
  };
  record_spikes_.assign(net.populations(), 0);
  rate_column_.assign(net.populations(), -1);
  std::size_t probe = 0;
  for (const auto& r : spec.recorders) {
    if (r.kind == recorder_kind::spikes) {
      for (const auto& n : r.populations) record_spikes_[index_of(n)] = 1;
      out.group("/spikes");
      times_ = out.series("/spikes/times", h5_writer::type::f64);
      ids_ = out.series("/spikes/ids", h5_writer::type::u32);
    } else if (r.kind == recorder_kind::rate) {
      bin_ = std::max<std::int64_t>(1, std::llround(r.bin / dt_));
      std::vector<std::string> cols;
      for (const auto& n : r.populations) {
        const auto p = index_of(n);
        if (rate_column_[p] >= 0) continue;
        rate_column_[p] = static_cast<int>(rate_pops_.size());
        rate_pops_.push_back(p);
        cols.push_back(n);
      }
      counts_.resize(rate_pops_.size(), 0.0);
      out.group("/rates");
      out.strings("/rates/populations", cols);
      rate_time_series_ = out.series("/rates/time", h5_writer::type::f64);
      rate_series_ = out.series("/rates/rate", h5_writer::type::f64, rate_pops_.size());
      out.attribute("/rates", "bin", static_cast<double>(bin_) * dt_);
    } else if (r.kind == recorder_kind::weights) {
      const std::size_t j = net.weight_probe_projection(weight_series_.size());
      const auto& t = net.recorded_projection(j);
      const std::string g = "/weights/" + net.projection_name(j);
      if (weight_series_.empty()) out.group("/weights");
      out.group(g);
      std::vector<std::uint32_t> source(t.size());
      for (std::size_t s = 0; s < t.sources(); ++s)
        for (auto q = t.row[s]; q < t.row[s + 1]; ++q) source[q] = static_cast<std::uint32_t>(s);
      out.array(g + "/source", h5_writer::type::u32, source.data(), source.size());
      out.array(g + "/target", h5_writer::type::u32, t.target.data(), t.size());
      weight_series_.emplace_back(out.series(g + "/time", h5_writer::type::f64),
                                  out.series(g + "/w", h5_writer::type::f32, t.size()));
      out.attribute(g, "source", net.spec().projections[j].source);
      out.attribute(g, "target", net.spec().projections[j].target);
    } else {
      const auto& pr = net.probes()[probe++];
      const std::string g = "/state/" + r.name;
      if (probe == 1) out.group("/state");
      out.group(g);
      std::vector<std::uint32_t> ids(pr.neurons.begin(), pr.neurons.end());
      out.array(g + "/neurons", h5_writer::type::u32, ids.data(), ids.size());
      out.attribute(g, "population", net.population_name(pr.population));
      probe_out po;
      po.time_series = out.series(g + "/time", h5_writer::type::f64);
      const auto vars = net.model(pr.population).state_variables();
      for (const auto v : pr.variables) {
        const std::string name = g + "/" + std::string(vars[v].name);
        po.var_series.push_back(out.series(name, h5_writer::type::f64, pr.neurons.size()));
        out.attribute(name, "unit", std::string(vars[v].unit));
      }
      po.rows.resize(pr.variables.size());
      probes_.push_back(std::move(po));
    }
  }
  out.flush();
}

h5_recording::~h5_recording() = default;

void h5_recording::close_bins(std::int64_t upto) {
  // Bins that end at or before step `upto` are complete.
  while ((cur_bin_ + 1) * bin_ <= upto) {
    rate_time_.push_back(static_cast<double>(cur_bin_ * bin_) * dt_);
    for (std::size_t c = 0; c < rate_pops_.size(); ++c) {
      const double n = static_cast<double>(net_.population_size(rate_pops_[c]));
      rate_rows_.push_back(counts_[c] / (n * static_cast<double>(bin_) * dt_));
      counts_[c] = 0;
    }
    ++cur_bin_;
  }
}

void h5_recording::spikes(std::int64_t, std::int64_t last, std::span<const spike> s) {
  for (const auto& sp : s) {
    std::size_t p = 0;
    while (p + 1 < net_.populations() && net_.first_id(p + 1) <= sp.id) ++p;
    if (record_spikes_[p]) {
      spike_t_.push_back((static_cast<double>(sp.step) + sp.offset) * dt_);
      spike_id_.push_back(sp.id);
    }
    if (!rate_pops_.empty() && rate_column_[p] >= 0) {
      close_bins(sp.step);
      counts_[static_cast<std::size_t>(rate_column_[p])] += 1;
    }
  }
  if (!rate_pops_.empty()) close_bins(last);
  const auto now = std::chrono::steady_clock::now();
  if (spike_t_.size() >= (1u << 16) || now - last_flush_ > std::chrono::seconds(1)) flush();
}

void h5_recording::samples(std::size_t r, std::span<const std::int64_t> steps,
                           std::span<const double> values) {
  auto& po = probes_[r];
  const std::size_t nv = po.rows.size();
  const std::size_t k = net_.probes()[r].neurons.size();
  for (std::size_t row = 0; row < steps.size(); ++row) {
    po.time.push_back(static_cast<double>(steps[row]) * dt_);
    for (std::size_t v = 0; v < nv; ++v) {
      const double* src = values.data() + row * nv * k + v * k;
      po.rows[v].insert(po.rows[v].end(), src, src + k);
    }
  }
}

void h5_recording::weights(std::size_t r, std::int64_t step, std::span<const float> w) {
  const double t = static_cast<double>(step) * dt_;
  out_->append(weight_series_[r].first, &t, 1);
  if (!w.empty()) out_->append(weight_series_[r].second, w.data(), 1);
}

void h5_recording::flush() {
  if (!spike_t_.empty()) {
    out_->append(times_, spike_t_.data(), spike_t_.size());
    out_->append(ids_, spike_id_.data(), spike_id_.size());
    spike_t_.clear();
    spike_id_.clear();
  }
  if (!rate_time_.empty()) {
    out_->append(rate_time_series_, rate_time_.data(), rate_time_.size());
    out_->append(rate_series_, rate_rows_.data(), rate_time_.size());
    rate_time_.clear();
    rate_rows_.clear();
  }
  for (auto& po : probes_) {
    if (po.time.empty()) continue;
    out_->append(po.time_series, po.time.data(), po.time.size());
    for (std::size_t v = 0; v < po.rows.size(); ++v) {
      out_->append(po.var_series[v], po.rows[v].data(), po.time.size());
      po.rows[v].clear();
    }
    po.time.clear();
  }
  out_->flush();
  last_flush_ = std::chrono::steady_clock::now();
}

void h5_recording::finish(const run_result& r) {
  // The last, possibly partial, rate bin counts over its actual length.
  if (!rate_pops_.empty() && r.steps_done > cur_bin_ * bin_) {
    const double len = static_cast<double>(r.steps_done - cur_bin_ * bin_) * dt_;
    rate_time_.push_back(static_cast<double>(cur_bin_ * bin_) * dt_);
    for (std::size_t c = 0; c < rate_pops_.size(); ++c)
      rate_rows_.push_back(counts_[c] /
                           (static_cast<double>(net_.population_size(rate_pops_[c])) * len));
  }
  flush();
  out_->attribute("/", "simulated", static_cast<double>(r.steps_done) * dt_);
  out_->attribute("/", "complete", r.interrupted ? 0.0 : 1.0);
  out_->close();
}

void h5_recording::close_segment(std::int64_t step) {
  flush();
  out_->attribute("/", "simulated", static_cast<double>(step) * dt_);
  out_->attribute("/", "complete", 0.0);
  out_->close();
}

void h5_recording::open_segment(const std::string& path) { open(path); }

void h5_recording::checkpoint(archive& a) {
  a.io("rate_bin", cur_bin_);
  a.io("rate_counts", counts_);
}

void write_weights_h5(const std::string& path, const network& net, std::size_t j) {
  const auto& t = net.recorded_projection(j);
  std::vector<std::uint32_t> source(t.size());
  std::vector<double> delay(t.size());
  const double dt = net.spec().run.dt;
  for (std::size_t s = 0; s < t.sources(); ++s)
    for (auto q = t.row[s]; q < t.row[s + 1]; ++q) {
      source[q] = static_cast<std::uint32_t>(s);
      delay[q] = static_cast<double>(t.delay.empty() ? t.uniform_delay : t.delay[q]) * dt;
    }
  const std::string tmp = path + ".part";
  {
    h5_writer out(tmp);
    out.array("/source", h5_writer::type::u32, source.data(), source.size());
    out.array("/target", h5_writer::type::u32, t.target.data(), t.size());
    out.array("/weight", h5_writer::type::f32, t.weight.data(), t.size());
    out.array("/delay", h5_writer::type::f64, delay.data(), delay.size());
    out.attribute("/", "source", net.spec().projections[j].source);
    out.attribute("/", "target", net.spec().projections[j].target);
    out.close();
  }
  std::filesystem::rename(tmp, path);
}

}  // namespace ionsim::network
