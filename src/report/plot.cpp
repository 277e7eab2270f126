#include "report/plot.hpp"

#include <fmt/format.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>

#include "core/embedded.hpp"
#include "core/error.hpp"

namespace ionsim {

namespace {
std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'')
      out += "'\\''";
    else
      out += c;
  }
  return out + "'";
}
}  // namespace

void run_plot(const std::string& name, const std::vector<std::string>& args) {
  const detail::embedded_file* script = nullptr;
  for (const auto& f : detail::plot_scripts())
    if (name == f.name) script = &f;
  IONSIM_ASSERT(script != nullptr);
  const char* py = std::getenv("IONSIM_PYTHON");
  std::string cmd = shell_quote(py ? py : "/usr/bin/python3") + " - ";
  for (const auto& a : args) cmd += " " + shell_quote(a);
  std::fflush(stdout);
  FILE* p = popen(cmd.c_str(), "w");
  if (!p) throw run_error(fmt::format("cannot start the plotting interpreter for {}", name));
  std::fwrite(script->data, 1, script->size, p);
  const int status = pclose(p);
  if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw run_error(fmt::format(
        "plot {} failed (needs /usr/bin/python3 with python3-matplotlib and python3-numpy; "
        "run scripts/setup-deps.sh); the data files were written",
        name));
}

}  // namespace ionsim
