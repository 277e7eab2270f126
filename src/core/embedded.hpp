#pragma once
// Files compiled into the binary (presets, plotting scripts, neuron target files); see
// cmake/embed.cmake.
#include <cstddef>
#include <span>
#include <string_view>

namespace ionsim::detail {

struct embedded_file {
  const char* name;
  const char* data;
  std::size_t size;
  std::string_view text() const { return {data, size}; }
};

std::span<const embedded_file> presets();
std::span<const embedded_file> plot_scripts();
std::span<const embedded_file> neuron_targets();

}  // namespace ionsim::detail
