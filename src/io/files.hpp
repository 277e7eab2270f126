#pragma once
// Output files are written whole or not at all: each goes to a temporary name first and is
// renamed into place, so an interrupted or failed run never leaves a half-written file. Input
// files are read whole.
#include <string>

namespace ionsim {

void make_output_dir(const std::string& dir);
void write_file_atomic(const std::string& path, const std::string& content);
// The whole of a file; an input_error "PATH: cannot open the file" if it cannot be read.
std::string read_text_file(const std::string& path);

}  // namespace ionsim
