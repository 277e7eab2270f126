#pragma once
// Progress on stderr for long runs: a redrawn line on a terminal, a line every 10 % otherwise.
#include <chrono>
#include <cstdio>
#include <string>
#include <unistd.h>

namespace ionsim {

class progress {
 public:
  progress(std::string label, double total, bool enabled = true)
      : label_(std::move(label)), total_(total), enabled_(enabled), tty_(isatty(2) != 0),
        start_(std::chrono::steady_clock::now()) {}
  ~progress() { finish(); }

  void update(double done, const std::string& note = {}) {
    if (!enabled_ || total_ <= 0) return;
    const int pct = static_cast<int>(100.0 * done / total_);
    if (tty_) {
      const auto now = std::chrono::steady_clock::now();
      if (now - last_ < std::chrono::milliseconds(200) && pct < 100) return;
      last_ = now;
      std::fprintf(stderr, "\r%s: %3d%% %s   ", label_.c_str(), pct, note.c_str());
    } else if (pct >= next_pct_) {
      std::fprintf(stderr, "%s: %d%% %s\n", label_.c_str(), pct, note.c_str());
      while (next_pct_ <= pct) next_pct_ += 10;
    }
    shown_ = true;
  }

  void finish() {
    if (!enabled_ || !shown_ || finished_) return;
    finished_ = true;
    const double s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    if (tty_)
      std::fprintf(stderr, "\r%s: done in %.1f s            \n", label_.c_str(), s);
    else
      std::fprintf(stderr, "%s: done in %.1f s\n", label_.c_str(), s);
  }

 private:
  std::string label_;
  double total_;
  bool enabled_, tty_;
  bool shown_ = false, finished_ = false;
  int next_pct_ = 0;
  std::chrono::steady_clock::time_point start_, last_{};
};

}  // namespace ionsim
