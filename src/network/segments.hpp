#pragma once
// The files of a network run with checkpoints, under its output directory DIR:
//   DIR/checkpoint/run.json        what resumes the run: the description's path and checksum,
//                                  the options that shaped the network and the checkpoints;
//   DIR/checkpoint/state.ckpt      the last checkpoint (core/archive: the segments written, the
//                                  network's state, the recording's partial rate bin);
//   DIR/segments/spikes-NNNNNN.h5  the recording from one checkpoint to the next, each a whole
//                                  spikes.h5 of its stretch ("...h5.part" while being written).
// At the end of the run the segments are joined into DIR/spikes.h5 and both folders removed.
// HDF5 files are not crash-consistent, so a run killed while writing leaves its last segment
// unreadable; the segments closed at the checkpoints are whole.
#include <cstddef>
#include <string>
#include <vector>

namespace ionsim::network {

struct run_files {
  explicit run_files(const std::string& dir);
  std::string dir, checkpoint_dir, run_json, state, segment_dir, spikes;
  // Segment k's path; `part`: its name while it is being written.
  std::string segment(std::size_t k, bool part = false) const;
  // The whole segments present, in order (segment 0, 1, ... up to the first missing).
  std::vector<std::string> segments() const;
  // Removes segments k, k + 1, ... and every ".part" file (what a resumed run writes again).
  void drop_segments_from(std::size_t k) const;
};

// The recording of a run in DIR (or the path of its spikes.h5): DIR/spikes.h5 when the run
// wrote one; for a run with checkpoints that stopped before its end, its whole segments joined
// into a temporary file, removed with this object.
class run_recording {
 public:
  explicit run_recording(const std::string& dir_or_file);
  ~run_recording();
  run_recording(const run_recording&) = delete;
  run_recording& operator=(const run_recording&) = delete;
  const std::string& path() const { return path_; }
  // The segments read (0: DIR/spikes.h5 itself).
  std::size_t segments() const { return segments_; }

 private:
  std::string path_;
  std::size_t segments_ = 0;
  bool temporary_ = false;
};

}  // namespace ionsim::network
