#pragma once
// Plots are drawn by small matplotlib scripts compiled into the binary (src/report/plots),
// run with Debian's /usr/bin/python3 (or $IONSIM_PYTHON) on files ionsim has written.
#include <string>
#include <vector>

namespace ionsim {

// Runs plot script `name` (e.g. "iv.py") with `args`; throws run_error if it fails.
void run_plot(const std::string& name, const std::vector<std::string>& args);

}  // namespace ionsim
