#pragma once
// Output files are written whole or not at all: each goes to a temporary name first and is
// renamed into place, so an interrupted or failed run never leaves a half-written file. Input
// files are read whole.
#include <functional>
#include <string>
#include <string_view>

namespace ionsim {

void make_output_dir(const std::string& dir);
// Writes `content` to `path` atomically and durably (a new file, fsync, rename).
void write_file_atomic(const std::string& path, std::string_view content);
// The whole of a file; an input_error "PATH: cannot open the file" if it cannot be read.
std::string read_text_file(const std::string& path);

// Runs `read` (a parser of the file at `path`) once in a child process first. Where the child
// dies of a signal or exits otherwise than by itself (a third-party parser crashing on a
// damaged file: HDF5 1.10 does on some corrupt variable-length strings; under a sanitizer the
// crash is an exit), an input_error "PATH: <what> crashed reading it (signal N): the file is
// damaged"; otherwise nothing (the caller then reads it itself, and gets its
// own errors). For a program that is single-threaded at that point (the command line).
void probe_in_child(const std::string& path, const std::string& what,
                    const std::function<void()>& read);

}  // namespace ionsim
