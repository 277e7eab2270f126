#include "core/archive.hpp"

#include <fmt/format.h>

#include <fstream>
#include <iterator>

#include "core/error.hpp"
#include "io/files.hpp"

namespace ionsim {
namespace {

// Entry: name length (u16), name, element size (u32), count (u64), the elements.
constexpr char magic[8] = {'I', 'O', 'N', 'S', 'I', 'M', 'C', 'K'};
constexpr std::uint32_t version = 1;

template <class T>
void put(std::vector<char>& b, const T& x) {
  const std::size_t n = b.size();
  b.resize(n + sizeof(T));
  std::memcpy(b.data() + n, &x, sizeof(T));
}

}  // namespace

std::uint64_t fnv1a(std::string_view bytes) {
  std::uint64_t h = 1469598103934665603ull;
  for (const char c : bytes) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ull;
  }
  return h;
}

std::string archive::full_name(std::string_view name) const {
  return scope_.empty() ? std::string(name) : scope_ + "/" + std::string(name);
}

void archive::write(std::string_view name, std::size_t elem, std::uint64_t n, const void* data) {
  const std::string full = full_name(name);
  put(bytes_, static_cast<std::uint16_t>(full.size()));
  const std::size_t at = bytes_.size();
  bytes_.resize(at + full.size());
  std::memcpy(bytes_.data() + at, full.data(), full.size());
  put(bytes_, static_cast<std::uint32_t>(elem));
  put(bytes_, n);
  const std::size_t body = bytes_.size();
  bytes_.resize(body + elem * n);
  if (n) std::memcpy(bytes_.data() + body, data, elem * n);
}

void archive::fail(const std::string& what) const {
  throw input_error(fmt::format(
      "{}: {} (the checkpoint does not belong to this network, or another version of ionsim "
      "wrote it)",
      where_, what));
}

std::uint64_t archive::peek_count(std::string_view name, std::size_t elem, std::uint64_t expected,
                                  bool any) {
  const std::string full = full_name(name);
  std::size_t p = pos_;
  auto take = [&](void* out, std::size_t n) {
    if (p + n > bytes_.size()) fail(fmt::format("ends before entry '{}'", full));
    std::memcpy(out, bytes_.data() + p, n);
    p += n;
  };
  std::uint16_t len = 0;
  take(&len, sizeof len);
  std::string got(len, '\0');
  take(got.data(), len);
  if (got != full) fail(fmt::format("entry '{}' found where '{}' was expected", got, full));
  std::uint32_t size = 0;
  take(&size, sizeof size);
  if (size != elem)
    fail(fmt::format("entry '{}' has {}-byte elements, expected {}", full, size, elem));
  std::uint64_t n = 0;
  take(&n, sizeof n);
  if (!any && n != expected)
    fail(fmt::format("entry '{}' has {} elements, this network {}", full, n, expected));
  if (n > (bytes_.size() - p) / std::max<std::size_t>(elem, 1))
    fail(fmt::format("entry '{}' is cut short", full));
  return n;
}

void archive::read(std::string_view name, std::size_t elem, std::uint64_t n, void* data,
                   bool array) {
  if (!array) peek_count(name, elem, 1, false);
  std::uint16_t len = 0;
  std::memcpy(&len, bytes_.data() + pos_, sizeof len);
  pos_ += sizeof len + len + sizeof(std::uint32_t) + sizeof(std::uint64_t);
  if (n) std::memcpy(data, bytes_.data() + pos_, elem * n);
  pos_ += elem * n;
}

void archive::finish() const {
  if (loading_ && pos_ != bytes_.size())
    fail(fmt::format("{} bytes left over after the last entry", bytes_.size() - pos_));
}

void write_archive(const std::string& path, const archive& a, std::string_view kind) {
  std::vector<char> file(16, '\0');
  std::memcpy(file.data(), magic, 8);
  std::memcpy(file.data() + 8, kind.data(), std::min<std::size_t>(kind.size(), 8));
  put(file, version);
  put(file, static_cast<std::uint64_t>(a.bytes().size()));
  put(file, fnv1a({a.bytes().data(), a.bytes().size()}));
  file.insert(file.end(), a.bytes().begin(), a.bytes().end());
  write_file_atomic(path, {file.data(), file.size()});
}

archive read_archive(const std::string& path, std::string_view kind) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw input_error(fmt::format("{}: cannot open the file", path));
  std::vector<char> all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  constexpr std::size_t head = 8 + 8 + 4 + 8 + 8;
  if (all.size() < head || std::memcmp(all.data(), magic, 8) != 0)
    throw input_error(fmt::format("{}: not an ionsim checkpoint", path));
  char k[8] = {};
  std::memcpy(k, kind.data(), std::min<std::size_t>(kind.size(), 8));
  if (std::memcmp(all.data() + 8, k, 8) != 0)
    throw input_error(fmt::format("{}: not a {} checkpoint", path, kind));
  std::uint32_t v = 0;
  std::uint64_t n = 0, sum = 0;
  std::memcpy(&v, all.data() + 16, 4);
  std::memcpy(&n, all.data() + 20, 8);
  std::memcpy(&sum, all.data() + 28, 8);
  if (v != version)
    throw input_error(
        fmt::format("{}: checkpoint format {} (this ionsim reads format {})", path, v, version));
  if (all.size() - head != n || fnv1a({all.data() + head, n}) != sum)
    throw input_error(fmt::format("{}: the checkpoint is damaged (length or checksum)", path));
  return archive(std::vector<char>(all.begin() + head, all.end()), path);
}

}  // namespace ionsim
