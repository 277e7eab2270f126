#pragma once
// Memristive synapses: each synapse is a non-volatile memristor conductance G in a crossbar
// (row: the presynaptic neuron's line, column: the postsynaptic neuron's input). A presynaptic
// spike applies a read pulse of v_read for t_read to the row; the column current G v_read
// flows into the target's input integrator (network/dm1t1r_model.hpp), whose feedback
// capacitor c_f turns the charge into a voltage step
//   w = G v_read t_read / c_f   [V].
// G is programmed from the projection's drawn `weight` (in S), in this order:
// - clipped to [g_min, g_max] and quantized to `levels` equally spaced levels (0: continuous);
// - programming error: + N(0, prog_noise g_max), then at least 0 (a write-verify's residual,
//   absolute in g_max as aihwkit and the analog in-memory literature state it);
// - a fixed device-to-device factor (lognormal, mean 1, relative spread d2d);
// - stuck-at faults: a fraction stuck_off of the devices at g_min, stuck_on at g_max;
// - drift: G (drift_time / drift_t0)^-nu, nu ~ N(drift_nu, drift_nu_std) per device, at the
//   inference time drift_time after programming (the power law of Joshi et al., Nat. Commun.
//   11, 2473 (2020)); off when drift_time <= drift_t0 or drift_nu = drift_nu_std = 0.
// Each of these draws is keyed by (program_seed, projection, synapse): the same chip for every
// run of that seed; program_seed < 0 takes the run's seed. With r_wire > 0 the read sees the IR
// drop of the lines: each row (presynaptic neuron) read alone, its line driven from the side of
// column 0, each column (target) led to its integrator past the rows of higher index, every
// cell's segment of a line r_wire (crossbar_ir_drop); a projection is one crossbar of its own. Each
// read multiplies G by (1 + read_noise z), z standard normal keyed by (run seed, synapse, step).
// With adc_bits = b > 0 the column's read-out is quantized: each read, noise included, is
// rounded to the nearest of 2^b levels from 0 to one device's full-scale read (g_max), clipped
// there (read_out).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <span>
#include <vector>

#include "core/params.hpp"
#include "core/random.hpp"
#include "network/synapses.hpp"

namespace ionsim::network {

struct memristive_params {
  double g_min = 1e-6;       // [S] lowest programmable conductance
  double g_max = 1e-4;       // [S] highest programmable conductance
  double levels = 0;         // [1] programmable levels, 0 for continuous
  double d2d = 0;            // [1] device-to-device relative spread of G
  double read_noise = 0;     // [1] relative standard deviation of each read
  double v_read = 0.2;       // [V] read pulse amplitude
  double t_read = 10e-6;     // [s] read pulse width
  double c_f = 100e-12;      // [F] feedback capacitor of the target's input integrator
  double sign = 1;           // [1] +1, or -1 for the minus column of a differential pair
  double prog_noise = 0;     // [1] programming error's standard deviation / g_max
  double stuck_off = 0;      // [1] fraction of devices stuck at g_min
  double stuck_on = 0;       // [1] fraction of devices stuck at g_max
  double drift_nu = 0;       // [1] mean drift exponent
  double drift_nu_std = 0;   // [1] its device-to-device standard deviation
  double drift_time = 0;     // [s] time from programming to the reads
  double drift_t0 = 1;       // [s] reference time of the drift law
  double program_seed = -1;  // [1] key of the programmed state; < 0: the run's seed
  double r_wire = 0;         // [Ω] line resistance per cell (0: ideal lines)
  double adc_bits = 0;       // [1] bits of the column's read-out of each read (0: analog)
};

std::span<const param_field<memristive_params>> memristive_fields();
// Ranges of each field and their combinations; `source` names the table for messages.
void memristive_check(const memristive_params& m, const std::string& source);

// The programmed conductance [S] of a drawn value g for synapse `id` (global synapse key).
double program_conductance(const memristive_params& m, double g, std::uint64_t id,
                           const philox& rng);

// IR drop of a crossbar whose rows are read one at a time (the fast model, checked against the
// circuit engine in tests). Row s (a source) is a line driven at its start, reaching the device
// of column k after k + 1 segments of r_wire; column k (a target) is a line from row 0 down to
// its integrator (virtual ground) after the last row, one segment per row. Exact for the active
// row's line and for every column line with the idle rows' devices hanging from it, whose row
// lines are taken at 0 V (their drivers' potential: their own line resistance is left out).
// g holds each synapse's conductance in the table's order and becomes the current per volt of
// the drive that reaches its target's integrator.
void crossbar_ir_drop(std::vector<double>& g, const synapse_table& t, double r_wire);

// A read as the column's read-out gives it: v rounded to the nearest multiple of `step` (with
// its sign), at most `full` in magnitude; v itself when step is 0 (analog).
inline double read_out(double v, float step, float full) {
  if (step <= 0) return v;
  const double q = std::min(std::round(std::fabs(v) / step) * step, static_cast<double>(full));
  return v < 0 ? -q : q;
}

// Converts a table whose weights are drawn conductances [S] into read weights [V].
void program_memristive(synapse_table& t, const memristive_params& m, std::uint32_t projection,
                        const philox& rng);

// The global key of synapse q of projection j (for the random streams).
inline std::uint64_t synapse_key(std::uint32_t projection, std::uint64_t q) {
  return (static_cast<std::uint64_t>(projection) << 40) | q;
}

// The read weight [V] of one synapse whose drawn conductance is g [S] and whose index in the
// whole projection is q: what program_memristive stores, without the IR drop (a procedural
// projection programs each synapse of a row it draws again).
struct memristive_reads {
  memristive_params m;
  philox program{0};
  double scale = 0;  // [V/S]
  std::uint32_t projection = 0;

  // The programmed conductance [S] (before the IR drop).
  double conductance(double g, std::uint64_t q) const {
    return program_conductance(m, g, synapse_key(projection, q), program);
  }
  float weight(double g, std::uint64_t q) const {
    return static_cast<float>(scale * conductance(g, q));
  }
};

}  // namespace ionsim::network
