#pragma once
// A checkpoint archive: the state of a running simulation as a sequence of named, typed
// entries. One function per object writes and reads its state (`io` in both directions), so
// that the two cannot drift apart; reading checks every entry's name, element size and count
// against what the object expects and names the first that differs. The file form (see
// write_archive) carries a magic, a format version and a checksum, and is replaced atomically.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace ionsim {

class archive {
 public:
  // An empty archive that io() appends to.
  archive() = default;
  // An archive that io() reads from; `where` names it in messages (a file path).
  archive(std::vector<char> bytes, std::string where)
      : bytes_(std::move(bytes)), where_(std::move(where)), loading_(true) {}

  bool loading() const { return loading_; }
  const std::vector<char>& bytes() const { return bytes_; }
  const std::string& where() const { return where_; }

  // A scalar (any trivially copyable type).
  template <class T>
  void io(std::string_view name, T& x) {
    static_assert(std::is_trivially_copyable_v<T>);
    if (loading_)
      read(name, sizeof(T), 1, &x, false);
    else
      write(name, sizeof(T), 1, &x);
  }
  // An array. Reading, its length must equal the vector's unless `resize` (then it is set).
  template <class T>
  void io(std::string_view name, std::vector<T>& v, bool resize = false) {
    static_assert(std::is_trivially_copyable_v<T> && !std::is_same_v<T, bool>);
    if (loading_) {
      const std::uint64_t n = peek_count(name, sizeof(T), v.size(), resize);
      v.resize(static_cast<std::size_t>(n));
      read(name, sizeof(T), n, v.data(), true);
    } else {
      write(name, sizeof(T), v.size(), v.data());
    }
  }
  // A fixed-length array in place (for example a model's state held elsewhere).
  template <class T>
  void io_span(std::string_view name, T* data, std::size_t n) {
    static_assert(std::is_trivially_copyable_v<T>);
    if (loading_) {
      peek_count(name, sizeof(T), n, false);
      read(name, sizeof(T), n, data, true);
    } else {
      write(name, sizeof(T), n, data);
    }
  }
  // Reading: input_error unless every entry was read.
  void finish() const;
  // A prefix for the names of the entries that follow (a population's or projection's name),
  // so that a message says whose entry differs.
  void scope(std::string s) { scope_ = std::move(s); }

 private:
  void write(std::string_view name, std::size_t elem, std::uint64_t n, const void* data);
  std::uint64_t peek_count(std::string_view name, std::size_t elem, std::uint64_t expected,
                           bool any);
  void read(std::string_view name, std::size_t elem, std::uint64_t n, void* data, bool array);
  [[noreturn]] void fail(const std::string& what) const;
  std::string full_name(std::string_view name) const;  // with the scope

  std::vector<char> bytes_;
  std::string where_, scope_;
  std::size_t pos_ = 0;
  bool loading_ = false;
};

// The 64-bit FNV-1a hash of `bytes` (the archive's checksum; also a file's fingerprint).
std::uint64_t fnv1a(std::string_view bytes);

// Writes `a` to `path` with write_file_atomic (a new file, flushed to disk, then renamed):
// the path holds the previous archive or this one whole, whenever the process is killed.
// `kind` (at most 8 characters, for example "network") is checked on reading.
void write_archive(const std::string& path, const archive& a, std::string_view kind);
// Reads an archive written by write_archive; input_error naming `path` for a missing file,
// another kind, another format version, or a damaged file (length or checksum).
archive read_archive(const std::string& path, std::string_view kind);

}  // namespace ionsim
