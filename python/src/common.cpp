#include "common.hpp"

#include <fmt/format.h>

#include <sstream>

namespace ionsim::python {

py::object to_python(const nlohmann::json& j) {
  using t = nlohmann::json::value_t;
  switch (j.type()) {
    case t::boolean:
      return py::bool_(j.get<bool>());
    case t::number_integer:
      return py::int_(j.get<std::int64_t>());
    case t::number_unsigned:
      return py::int_(j.get<std::uint64_t>());
    case t::number_float:
      return py::float_(j.get<double>());
    case t::string:
      return py::str(j.get_ref<const std::string&>());
    case t::array: {
      py::list l;
      for (const auto& e : j) l.append(to_python(e));
      return l;
    }
    case t::object: {
      py::dict d;
      for (const auto& [k, v] : j.items()) d[py::str(k)] = to_python(v);
      return d;
    }
    default:
      return py::none();
  }
}

namespace {

void append(toml::array& a, py::handle v, const std::string& where);

// A Python value as a TOML node inserted into table t under key, or appended to array a.
template <class Put>
void convert(py::handle v, const std::string& where, Put&& put) {
  if (py::isinstance<py::bool_>(v)) return put(v.cast<bool>());
  if (py::isinstance<py::int_>(v)) return put(v.cast<std::int64_t>());
  if (py::isinstance<py::float_>(v)) return put(v.cast<double>());
  if (py::isinstance<py::str>(v)) return put(v.cast<std::string>());
  if (py::isinstance<py::dict>(v)) return put(to_toml(v.cast<py::dict>(), where));
  if (py::isinstance<py::list>(v) || py::isinstance<py::tuple>(v)) {
    toml::array a;
    std::size_t k = 0;
    for (auto item : v) append(a, item, fmt::format("{}[{}]", where, k++));
    return put(std::move(a));
  }
  if (py::hasattr(v, "tolist"))  // numpy scalars and arrays
    return convert(v.attr("tolist")(), where, std::forward<Put>(put));
  throw py::type_error(
      fmt::format("{}: a {} cannot be written in TOML (use a bool, int, float, "
                  "str, list or dict)",
                  where, py::str(py::type::of(v).attr("__name__")).cast<std::string>()));
}

void append(toml::array& a, py::handle v, const std::string& where) {
  convert(v, where, [&](auto&& x) { a.push_back(std::forward<decltype(x)>(x)); });
}

}  // namespace

toml::table to_toml(const py::dict& d, const std::string& where) {
  toml::table t;
  for (auto [k, v] : d) {
    if (!py::isinstance<py::str>(k))
      throw py::type_error(fmt::format("{}: keys must be strings", where));
    const auto key = k.cast<std::string>();
    convert(v, where.empty() ? key : where + "." + key,
            [&](auto&& x) { t.insert_or_assign(key, std::forward<decltype(x)>(x)); });
  }
  return t;
}

std::string toml_text(const py::dict& d) {
  std::ostringstream s;
  s << toml::toml_formatter{to_toml(d, "")};
  return s.str() + "\n";
}

py::array_t<double> to_array(std::span<const double> v) {
  py::array_t<double> a(static_cast<py::ssize_t>(v.size()));
  std::copy(v.begin(), v.end(), a.mutable_data());
  return a;
}

py::array_t<double> to_array(std::span<const double> v, std::vector<py::ssize_t> shape) {
  py::array_t<double> a(shape);
  std::copy(v.begin(), v.end(), a.mutable_data());
  return a;
}

bool interrupt_poll::poll() {
  if (pending_) return true;
  const auto now = std::chrono::steady_clock::now();
  if (now < next_) return false;
  next_ = now + std::chrono::milliseconds(50);
  py::gil_scoped_acquire gil;
  if (PyErr_CheckSignals() != 0) {
    PyErr_Clear();
    pending_ = true;
  }
  return pending_;
}

void interrupt_poll::raise_if_pending() const {
  if (!pending_) return;
  PyErr_SetNone(PyExc_KeyboardInterrupt);
  throw py::error_already_set();
}

}  // namespace ionsim::python
