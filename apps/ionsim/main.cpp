// ionsim command-line tool: a thin layer over the library.
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <new>
#include <thread>

#include "apps_analyze.hpp"
#include "apps_circuit.hpp"
#include "apps_device.hpp"
#include "apps_network.hpp"
#include "apps_neuron.hpp"
#include "apps_neuron_brain.hpp"
#include "apps_nir.hpp"
#include "apps_plot.hpp"
#include "apps_task.hpp"
#include "core/comm.hpp"
#include "core/error.hpp"

namespace {

int run(int argc, char** argv) {
  CLI::App app{
      "ionsim: a physics-faithful simulator of ionic (diffusive-memristor) neuromorphic hardware.\n"
      "Quantities take engineering units: 20ms, 22k, 1uA, 0.5V, 1meg."};
  app.require_subcommand(1);
  app.set_version_flag("--version", "ionsim 0.1.0");
  ionsim::cli::device_commands cmds(app);
  ionsim::cli::circuit_commands circuit(app);
  ionsim::cli::neuron_commands neuron(app);
  ionsim::cli::neuron_brain_commands neuron_brain(app);  // adds to `neuron`
  ionsim::cli::network_commands network(app);
  ionsim::cli::plot_commands plot(app);
  ionsim::cli::task_commands task(app);
  ionsim::cli::learn_command learn(app);
  ionsim::cli::analyze_command analyze(app);
  ionsim::cli::nir_commands nir(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (ionsim::world().distributed() && !network.parsed())
    throw ionsim::input_error(
        "only `ionsim run` is distributed over MPI ranks; start the other commands without "
        "mpirun");
  if (circuit.parsed()) return circuit.run();
  if (neuron_brain.parsed()) return neuron_brain.run();
  if (neuron.parsed()) return neuron.run();
  if (network.parsed()) return network.run();
  if (plot.parsed()) return plot.run();
  if (task.parsed()) return task.run();
  if (learn.parsed()) return learn.run();
  if (analyze.parsed()) return analyze.run();
  if (nir.parsed()) return nir.run();
  return cmds.run();
}

// One line on stderr, and the exit code `code`. In a run of several MPI ranks the run ends on
// every rank at once (a rank that failed alone would leave the others waiting in an exchange).
// Every rank meets an error of the description, so rank 0 says it and ends the run; another
// rank waits two seconds first, and so speaks only when its error is its own.
int fail(const char* what, int code = 1) {
  std::fflush(stdout);
  const auto& w = ionsim::world();
  if (!w.distributed()) {
    std::fprintf(stderr, "ionsim: error: %s\n", what);
    return code;
  }
  if (w.rank() != 0) std::this_thread::sleep_for(std::chrono::seconds(2));
  std::fprintf(stderr, "ionsim: error (rank %d of %d): %s\n", w.rank(), w.size(), what);
  std::fflush(stderr);
  w.abort(code);
}

int guarded(int argc, char** argv) {
  try {
    ionsim::start_distributed(argc, argv);
    const int rc = run(argc, argv);
    ionsim::end_distributed();
    return rc;
  } catch (const ionsim::error& e) {
    return fail(e.what(), 2);
  } catch (const std::bad_alloc&) {
    return fail("out of memory");
  } catch (const std::exception& e) {
    return fail(e.what());
  } catch (...) {
    return fail("unknown failure");
  }
}

}  // namespace

// Errors of the user's input exit with 2, anything else with 1; each is one line, and no
// exception leaves main.
int main(int argc, char** argv) { return guarded(argc, argv); }
