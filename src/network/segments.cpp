#include "network/segments.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <filesystem>

#include "core/error.hpp"
#include "io/hdf5.hpp"

namespace ionsim::network {

namespace fs = std::filesystem;

run_files::run_files(const std::string& d)
    : dir(d),
      checkpoint_dir((fs::path(d) / "checkpoint").string()),
      run_json((fs::path(d) / "checkpoint" / "run.json").string()),
      state((fs::path(d) / "checkpoint" / "state.ckpt").string()),
      segment_dir((fs::path(d) / "segments").string()),
      spikes((fs::path(d) / "spikes.h5").string()) {}

std::string run_files::segment(std::size_t k, bool part) const {
  return (fs::path(segment_dir) / fmt::format("spikes-{:06d}.h5{}", k, part ? ".part" : ""))
      .string();
}

std::vector<std::string> run_files::segments() const {
  std::vector<std::string> out;
  for (std::size_t k = 0; fs::is_regular_file(segment(k)); ++k) out.push_back(segment(k));
  return out;
}

void run_files::drop_segments_from(std::size_t k) const {
  std::error_code ec;
  if (!fs::is_directory(segment_dir, ec)) return;
  for (const auto& e : fs::directory_iterator(segment_dir, ec)) {
    const std::string name = e.path().filename().string();
    unsigned long index = 0;
    const bool part = name.size() > 5 && name.ends_with(".part");
    if (part || (std::sscanf(name.c_str(), "spikes-%lu.h5", &index) == 1 && index >= k))
      fs::remove(e.path(), ec);
  }
}

run_recording::run_recording(const std::string& dir_or_file) {
  if (!fs::is_directory(dir_or_file)) {
    path_ = dir_or_file;
    return;
  }
  const run_files files(dir_or_file);
  if (fs::is_regular_file(files.spikes)) {
    path_ = files.spikes;
    return;
  }
  const auto parts = files.segments();
  if (parts.empty()) {
    path_ = files.spikes;  // the caller reports it missing
    return;
  }
  path_ = (fs::temp_directory_path() / fmt::format("ionsim-recording-{}-{}.h5",
                                                   static_cast<long>(::getpid()),
                                                   reinterpret_cast<std::uintptr_t>(this)))
              .string();
  temporary_ = true;
  segments_ = parts.size();
  join_h5_series(parts, path_);
}

run_recording::~run_recording() {
  if (!temporary_) return;
  std::error_code ec;
  fs::remove(path_, ec);
}

}  // namespace ionsim::network
