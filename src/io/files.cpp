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

void write_file_atomic(const std::string& path, const std::string& content) {
  const std::string tmp = path + ".partial";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw input_error(fmt::format("{}: cannot write file", path));
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    out.flush();
    if (!out) {
      std::remove(tmp.c_str());
      throw input_error(fmt::format("{}: write failed (disk full?)", path));
    }
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
