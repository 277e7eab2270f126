#include "core/error.hpp"

#include <cstdio>
#include <cstdlib>

namespace ionsim {

void internal_failure(const char* expr, const char* file, int line) {
  std::fprintf(stderr, "ionsim internal error (a bug, please report): %s at %s:%d\n", expr, file,
               line);
  std::abort();
}

}  // namespace ionsim
