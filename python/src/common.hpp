#pragma once
// What the Python bindings share: conversions between nlohmann::json, TOML, numpy and Python
// objects, and the running of library code with the GIL released and Ctrl-C honoured.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <toml++/toml.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <vector>

namespace ionsim::python {

namespace py = pybind11;

// A JSON value (a results dict of the library) as Python objects: objects become dicts,
// arrays lists.
py::object to_python(const nlohmann::json& j);

// A Python dict as a TOML table, for the library's TOML readers: dict -> table, list or tuple
// -> array (of tables where its items are dicts), bool, int, float, str; numpy scalars and
// arrays through their Python values. `where` names the value in errors (a TypeError).
toml::table to_toml(const py::dict& d, const std::string& where);

// The TOML text of a dict (to_toml's table, formatted): what a file reader parses, and what its
// error messages' line numbers refer to.
std::string toml_text(const py::dict& d);

// A copy of the values as a 1-D float64 array, or with the given shape.
py::array_t<double> to_array(std::span<const double> v);
py::array_t<double> to_array(std::span<const double> v, std::vector<py::ssize_t> shape);

// Ctrl-C while C++ runs without the GIL. Python's own SIGINT handler only records the signal;
// poll() takes the GIL at most every 50 ms to let Python look (PyErr_CheckSignals) and
// remembers a KeyboardInterrupt. Code that cannot stop where it is throws `interrupted` from
// its progress callback; code that can stops and returns, and the binding then raises.
class interrupt_poll {
 public:
  bool poll();
  bool pending() const { return pending_; }
  // Raises KeyboardInterrupt when one is pending. Call it with the GIL held.
  void raise_if_pending() const;

 private:
  std::chrono::steady_clock::time_point next_{};
  bool pending_ = false;
};

struct interrupted : std::exception {
  const char* what() const noexcept override { return "interrupted"; }
};

// Runs f() with the GIL released. If a Ctrl-C was seen by `poll` (in f's callbacks), raises
// KeyboardInterrupt whatever f threw on its way out.
template <class F>
auto without_gil(interrupt_poll& poll, F&& f) -> decltype(f()) {
  try {
    py::gil_scoped_release release;
    return f();
  } catch (...) {
    if (poll.pending()) poll.raise_if_pending();
    throw;
  }
}

}  // namespace ionsim::python
