#pragma once
// Output files are written whole or not at all: each goes to a temporary name first and is
// renamed into place, so an interrupted or failed run never leaves a half-written file.
#include <string>

namespace ionsim {

void make_output_dir(const std::string& dir);
void write_file_atomic(const std::string& path, const std::string& content);

}  // namespace ionsim
