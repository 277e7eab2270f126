#pragma once
// Generated temporal tasks (definitions in docs/tasks/datasets.md): an input series u and the
// target y to predict from it. Each generator is a pure function of its parameters and seed;
// `params` records them for publication with the result.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace ionsim::task {

struct series {
  std::string name;
  std::vector<double> input;   // u(t)
  std::vector<double> target;  // y(t): what a readout predicts at t from u up to t
  std::map<std::string, double> params;
};

// NARMA10: u(t) ~ U[0, 0.5), y(t+1) = 0.3 y(t) + 0.05 y(t) sum_{i=0..9} y(t-i)
// + 1.5 u(t-9) u(t) + 0.1 (Atiya & Parlos, IEEE Trans. Neural Netw. 11, 697 (2000)). For some
// input draws y diverges; the generator then redraws the whole input with the next sub-seed
// and records the number of redraws in params["redraws"] (a series is divergent when |y|
// exceeds 10, far above the bounded series' range of about 0.1-1).
series narma10(std::size_t n, std::uint64_t seed);

// Mackey-Glass: dx/dt = beta x(t - tau) / (1 + x(t - tau)^power) - gamma x, beta 0.2,
// gamma 0.1, power 10 (Mackey & Glass, Science 197, 287 (1977)), by the classical 4th-order
// Runge-Kutta method with step dt (the delayed value linearly interpolated), history x = 1.2
// for t <= 0, sampled every `sample`; the first `washout` samples are dropped. The task is to
// predict x(t + horizon samples) from x up to t.
series mackey_glass(std::size_t n, int horizon, double tau = 17, double dt = 0.1,
                    double sample = 1.0, std::size_t washout = 1000);

// Hénon map: x(n+1) = 1 - a x(n)^2 + y(n), y(n+1) = b x(n), a 1.4, b 0.3 (Hénon, Commun. Math.
// Phys. 50, 69 (1976)), from (0, 0) after `washout` iterations. Input x(n), target x(n+1).
series henon(std::size_t n, std::size_t washout = 100);

// Linear memory capacity: u(t) ~ U[-1, 1) i.i.d.; targets are the delayed inputs (computed by
// the pipeline), so the series' target is u itself.
series memory_capacity_input(std::size_t n, std::uint64_t seed);

}  // namespace ionsim::task
