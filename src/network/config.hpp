#pragma once
// `ionsim run` configuration files (TOML, docs/network/engine.md): [run], [[population]],
// [[projection]], [[stimulus]], [[recorder]]. Every key is checked; an unknown key, a missing
// one or a bad value is an input_error naming the key and file:line.
#include <string>

#include "network/model.hpp"
#include "network/spec.hpp"

namespace ionsim::network {

// Reads `path`; file names inside it are relative to its directory. `models` gives the
// receptor and drive units that weights and amplitudes are read in.
network_spec read_network_config(const std::string& path, const model_registry& models);
network_spec parse_network_config(const std::string& text, const std::string& source,
                                  const model_registry& models);

}  // namespace ionsim::network
