#include "device/contract.hpp"

namespace ionsim {

std::optional<std::size_t> device_type::find(std::string_view param) const {
  const auto info = params();
  for (std::size_t k = 0; k < info.size(); ++k)
    if (info[k].name == param) return k;
  return std::nullopt;
}

std::vector<double> device_type::defaults() const {
  std::vector<double> out;
  for (const auto& f : params()) out.push_back(f.default_value);
  return out;
}

}  // namespace ionsim
