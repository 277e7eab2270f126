#pragma once
// HDF5 output of sampled waveforms, for runs too large for CSV.
#include <string>
#include <vector>

namespace ionsim {

// Writes `path` (whole or not at all): dataset /time [n] (s), dataset /signals [n x m]
// (row k = time point k, column j = signal j) and dataset /names [m] (fixed-length strings).
void write_waveforms_h5(const std::string& path, const std::vector<double>& time,
                        const std::vector<std::string>& names,
                        const std::vector<std::vector<double>>& columns);

}  // namespace ionsim
