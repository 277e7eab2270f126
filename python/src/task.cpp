// ionsim.learn: unsupervised learning by STDP (task/learn.hpp), as `ionsim learn` runs it,
// with the results and the learned weights returned in memory.
#include <fmt/format.h>

#include <atomic>

#include "common.hpp"
#include "core/error.hpp"
#include "task/learn.hpp"

namespace ionsim::python {

namespace {

// A learning file from its path or from a dict with the same sections.
task::learn_config read_learn(const py::object& config) {
  if (!py::isinstance<py::dict>(config))
    return task::read_learn_config(py::str(config).cast<std::string>());
  const std::string text = toml_text(config.cast<py::dict>());
  try {
    return task::parse_learn_config(text, "dict");
  } catch (const input_error& e) {
    throw input_error(fmt::format("{}\n(the lines of the dict as TOML:)\n{}", e.what(), text));
  }
}

py::dict learn(const py::object& config, const py::object& progress, const py::object& trained,
               const py::object& save_trained) {
  task::learn_config c = read_learn(config);
  if (!trained.is_none()) c.trained = py::str(trained).cast<std::string>();
  interrupt_poll poll;
  std::atomic<bool> stop{false};
  auto next = std::chrono::steady_clock::now();
  const auto r = without_gil(poll, [&] {
    return task::run_learning(
        c,
        [&](double fraction, const std::string& what) {
          if (poll.poll()) stop = true;  // run_learning returns after this image
          if (progress.is_none() || std::chrono::steady_clock::now() < next) return;
          next = std::chrono::steady_clock::now() + std::chrono::milliseconds(500);
          py::gil_scoped_acquire gil;
          progress(fraction, what);
        },
        &stop);
  });
  poll.raise_if_pending();
  if (!save_trained.is_none() && !r.trained.bytes().empty())
    write_archive(py::str(save_trained).cast<std::string>(), r.trained, "learn");
  py::dict d = to_python(task::learn_report(r));
  const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> w = r.weights;
  d["weights"] = to_array({w.data(), static_cast<std::size_t>(w.size())},
                          {static_cast<py::ssize_t>(w.rows()), static_cast<py::ssize_t>(w.cols())});
  return d;
}

}  // namespace

void bind_task(py::module_& m) {
  m.def("learn", &learn, py::arg("config"), py::arg("progress") = py::none(),
        py::arg("trained") = py::none(), py::arg("save_trained") = py::none(),
        R"(Trains, labels and tests a network by unsupervised STDP, as `ionsim learn` does
(docs/tasks/learning.md). config: the path of a learning file, or a dict with its sections
({'data': {...}, 'encoding': {...}, 'network': {...}, 'plasticity': {...}, 'training': {...}});
quantities as in the file. progress: called as progress(fraction, message) at most every
0.5 s. Returns the contents of results.json ('accuracy', 'confusion', 'assignment',
'running_accuracy', 'settings', ...) with 'weights', the learned input weights as an
(inputs, neurons) array. save_trained: a path to write the trained network to (as the command's
trained.state); trained: such a file, labelled and tested instead of training (only the reading
keys of config may differ from its training's). Ctrl-C stops after the current image and raises
KeyboardInterrupt.)");
}

}  // namespace ionsim::python
