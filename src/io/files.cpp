#include "io/files.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.hpp"

namespace ionsim {

void make_output_dir(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec || !std::filesystem::is_directory(dir))
    throw input_error(fmt::format("{}: cannot create output directory ({})", dir, ec.message()));
}

std::string read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw input_error(fmt::format("{}: cannot open the file", path));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_file_atomic(const std::string& path, std::string_view content) {
  // A new file, flushed to the disk (fsync), then renamed over the old one: whenever the process
  // or the machine stops, `path` holds the old content or the new one, whole.
  const std::string tmp = path + ".partial";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) throw input_error(fmt::format("{}: cannot write file", path));
  const char* p = content.data();
  std::size_t n = content.size();
  bool ok = true;
  while (ok && n > 0) {
    const ssize_t w = ::write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    ok = w > 0;
    if (ok) {
      p += w;
      n -= static_cast<std::size_t>(w);
    }
  }
  ok = ok && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) {
    std::remove(tmp.c_str());
    throw input_error(fmt::format("{}: write failed (disk full?)", path));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    throw input_error(fmt::format("{}: cannot move the finished file into place", path));
  }
}

void probe_in_child(const std::string& path, const std::string& what,
                    const std::function<void()>& read) {
  std::fflush(nullptr);
  const pid_t child = fork();
  if (child < 0) return;  // no child: the caller reads it directly
  if (child == 0) {
    // Quiet: the caller reports what went wrong.
    const int null = open("/dev/null", O_WRONLY);
    if (null >= 0) {
      dup2(null, 1);
      dup2(null, 2);
    }
    try {
      read();
    } catch (...) {
    }
    _exit(0);
  }
  int status = 0;
  while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  // A signal, or an exit other than the child's own _exit(0) (a sanitizer's report of the crash).
  if (WIFSIGNALED(status))
    throw input_error(fmt::format("{}: {} crashed reading it (signal {}): the file is damaged",
                                  path, what, WTERMSIG(status)));
  if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
    throw input_error(fmt::format("{}: {} crashed reading it (exit {}): the file is damaged", path,
                                  what, WEXITSTATUS(status)));
}

}  // namespace ionsim
