#pragma once
// Errors in the user's input (files, parameters, options) versus bugs in ionsim.
// The command-line tool prints an ionsim::error as one line and exits non-zero.
#include <stdexcept>
#include <string>

namespace ionsim {

class error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A malformed or impossible input: a file, a parameter, a command-line value.
class input_error : public error {
 public:
  using error::error;
};

// A run that cannot proceed (for example an optimizer failure or a plotting backend missing).
class run_error : public error {
 public:
  using error::error;
};

// A broken internal invariant: a bug in ionsim, not in the input.
[[noreturn]] void internal_failure(const char* expr, const char* file, int line);

}  // namespace ionsim

#define IONSIM_ASSERT(expr) \
  ((expr) ? static_cast<void>(0) : ::ionsim::internal_failure(#expr, __FILE__, __LINE__))
