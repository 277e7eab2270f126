#include "device/registry.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <filesystem>
#include <sstream>

#include "core/embedded.hpp"
#include "core/error.hpp"
#include "io/files.hpp"

namespace ionsim {

namespace {

std::string escape(const std::string& s) {
  std::string out;
  for (char ch : s) {
    if (ch == '"' || ch == '\\') {
      out += '\\';
      out += ch;
    } else if (ch == '\n') {
      out += "\\n";
    } else if (ch == '\t') {
      out += "\\t";
    } else if (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f) {
      out += fmt::format("\\u{:04x}", static_cast<unsigned>(static_cast<unsigned char>(ch)));
    } else {
      out += ch;
    }
  }
  return out;
}

std::string preset_file_name(std::string_view name) { return fmt::format("{}.toml", name); }

}  // namespace

#define IONSIM_DEVICE_MODEL(name) const device_type& name##_type();
#include "device/models.def"
#undef IONSIM_DEVICE_MODEL

std::span<const device_type* const> device_types() {
  static const device_type* const types[] = {
#define IONSIM_DEVICE_MODEL(name) &name##_type(),
#include "device/models.def"
#undef IONSIM_DEVICE_MODEL
  };
  return types;
}

const device_type& device_type_named(std::string_view model) {
  for (const device_type* t : device_types())
    if (t->name() == model) return *t;
  std::string known;
  for (const auto& n : model_names()) known += (known.empty() ? "" : ", ") + n;
  throw input_error(fmt::format("unknown device model '{}' (known: {})", model, known));
}

namespace {
std::vector<std::string> temperature_models() {
  std::vector<std::string> out;
  for (const device_type* t : device_types())
    if (t->find("temperature")) out.emplace_back(t->name());
  return out;
}
}  // namespace

std::vector<std::string> model_names() {
  std::vector<std::string> out;
  for (const device_type* t : device_types()) out.emplace_back(t->name());
  return out;
}

std::vector<std::string> preset_names() {
  std::vector<std::string> out;
  for (const auto& f : detail::presets()) {
    std::string n = f.name;
    if (n.size() > 5) out.push_back(n.substr(0, n.size() - 5));
  }
  return out;
}

device_config default_config(std::string_view model) {
  device_config c;
  c.type = &device_type_named(model);
  c.source = fmt::format("defaults of {}", model);
  c.values = c.type->defaults();
  return c;
}

device_config parse_config(std::string_view text, const std::string& source) {
  const toml::table doc = parse_toml(text, source);
  device_config c;
  c.source = source;
  std::string model;
  for (const auto& [key, node] : doc) {
    const std::string k(key.str());
    const std::string at = where(source, node);
    if (k == "model" || k == "description") {
      auto s = node.value<std::string>();
      if (!s) throw input_error(fmt::format("{}: '{}' must be a string", at, k));
      (k == "model" ? model : c.description) = *s;
    } else if (k == "params") {
      if (!node.is_table()) throw input_error(fmt::format("{}: [params] must be a table", at));
    } else if (k == "protocol" || k == "circuit" || k == "fit") {
      if (!node.is_table()) throw input_error(fmt::format("{}: [{}] must be a table", at, k));
      c.extra.insert(k, *node.as_table());
    } else {
      throw input_error(
          fmt::format("{}: unknown key '{}' (expected model, description, [params], [protocol], "
                      "[circuit], [fit])",
                      at, k));
    }
  }
  if (model.empty()) throw input_error(fmt::format("{}: missing 'model = \"...\"'", source));
  const toml::table empty;
  const toml::table* params = doc["params"].as_table();
  if (!params) params = &empty;
  // A combination of values is reported at the line of the named parameter, or of [params]
  // when the parameter kept its default.
  const param_locator at = [&](std::string_view name) {
    if (const toml::node* n = params->get(name)) return where(source, *n);
    if (const toml::node* t = doc.get("params")) return where(source, *t);
    return source;
  };
  const toml::node* model_node = doc.get("model");
  try {
    c.type = &device_type_named(model);
  } catch (const input_error& e) {
    throw input_error(fmt::format("{}: {}", where(source, *model_node), e.what()));
  }
  c.values = c.type->defaults();
  read_params(*params, c.type->params(), c.values, source);
  c.type->check(c.values, source, at);
  return c;
}

device_config load_preset(std::string_view name) {
  const std::string file = preset_file_name(name);
  for (const auto& f : detail::presets())
    if (file == f.name) return parse_config(f.text(), fmt::format("preset '{}'", name));
  std::string known;
  for (const auto& n : preset_names()) known += (known.empty() ? "" : ", ") + n;
  throw input_error(fmt::format("unknown preset '{}' (known: {})", name, known));
}

device_config load_config_file(const std::string& path) {
  return parse_config(read_text_file(path), path);
}

bool names_a_config_file(const std::string& name) {
  return name.ends_with(".toml") || std::filesystem::is_regular_file(name);
}

device_config load_preset_or_file(const std::string& name) {
  return names_a_config_file(name) ? load_config_file(name) : load_preset(name);
}

std::string to_toml(const device_config& c) {
  std::string out = fmt::format("model = \"{}\"\n", c.model());
  if (!c.description.empty()) out += fmt::format("description = \"{}\"\n", escape(c.description));
  out += "\n[params]\n";
  out += write_params(c.type->params(), c.values);
  for (const auto& [k, v] : c.extra) {
    toml::table one;
    one.insert(k, v);
    std::ostringstream ss;
    ss << one;
    out += "\n" + ss.str() + "\n";
  }
  return out;
}

double config_dt(const device_config& c) { return get_param(c, "dt"); }

void set_temperature(device_config& c, double kelvin, std::string_view what) {
  if (!c.type->find("temperature"))
    throw input_error(
        fmt::format("{}: model {} has no temperature dependence (models with a "
                    "'temperature' parameter: {})",
                    what, c.model(), fmt::join(temperature_models(), ", ")));
  set_param(c, "temperature", kelvin);
}

device_config without_noise(device_config c) { return with_noise_scaled(std::move(c), 0.0); }

device_config with_noise_scaled(device_config c, double factor) {
  c.type->scale_noise(c.values, factor);
  return c;
}

std::unique_ptr<device_model> make_device(const device_config& c, std::size_t n, std::uint64_t seed,
                                          std::uint64_t first_id) {
  return c.type->make(c.values, n, seed, first_id);
}

namespace {
std::size_t param_index(const device_config& c, std::string_view name) {
  if (const auto k = c.type->find(name)) return *k;
  throw input_error(fmt::format("model {} has no parameter '{}'", c.model(), name));
}
}  // namespace

double get_param(const device_config& c, std::string_view name) {
  return c.values[param_index(c, name)];
}

void set_param(device_config& c, std::string_view name, double value) {
  const std::size_t k = param_index(c, name);
  const std::string msg = check_range(c.type->params()[k], value);
  if (!msg.empty()) throw input_error(fmt::format("{}: {}", c.source, msg));
  c.values[k] = value;
}

std::vector<std::pair<std::string, double>> param_values(const device_config& c) {
  std::vector<std::pair<std::string, double>> out;
  const auto info = c.type->params();
  for (std::size_t k = 0; k < info.size(); ++k)
    out.emplace_back(std::string(info[k].name), c.values[k]);
  return out;
}

std::string param_table_markdown(std::string_view model) {
  std::string out =
      "| parameter | unit | default | valid range | description |\n|---|---|---|---|---|\n";
  for (const auto& f : device_type_named(model).params()) {
    const double d = f.default_value;
    const std::string def =
        f.kind == param_kind::flag ? (d != 0 ? "true" : "false") : fmt::format("{:g}", d);
    const std::string range =
        f.kind == param_kind::flag
            ? "true/false"
            : fmt::format("{}{:g}, {}", f.min_exclusive ? "(" : "[", f.min,
                          std::isinf(f.max) ? "∞)" : fmt::format("{:g}]", f.max));
    out += fmt::format("| `{}` | {} | {} | {} | {} |\n", f.name, f.unit.empty() ? "—" : f.unit, def,
                       range, f.description);
  }
  return out;
}

}  // namespace ionsim
