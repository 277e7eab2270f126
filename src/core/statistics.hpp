#pragma once
// Two-sample comparison of distributions, shared by the layers that compare a simulation with
// measurements or with another simulator (device fits, network benchmarks).
#include <cstddef>
#include <vector>

namespace ionsim {

// The two-sample Kolmogorov-Smirnov statistic D = sup |F_a - F_b| (0 if either is empty).
double ks_statistic(std::vector<double> a, std::vector<double> b);
// The critical D at level alpha for sample sizes n and m (asymptotic formula).
double ks_critical(double alpha, std::size_t n, std::size_t m);

}  // namespace ionsim
