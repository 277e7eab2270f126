#include "device/registry.hpp"

#include <fmt/format.h>

#include <fstream>
#include <sstream>

#include "core/embedded.hpp"
#include "core/error.hpp"

namespace ionsim {

namespace {

template <class F>
decltype(auto) visit_fields(std::string_view model, F&& f) {
  if (model == "wang2024") return f(wang2024_fields(), wang2024_params{});
  if (model == "zhao2025") return f(zhao2025_fields(), zhao2025_params{});
  throw input_error(fmt::format("unknown device model '{}' (known: wang2024, zhao2025)", model));
}

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

// The parameter table of a model's parameter struct.
std::span<const param_field<wang2024_params>> fields_of(const wang2024_params&) {
  return wang2024_fields();
}
std::span<const param_field<zhao2025_params>> fields_of(const zhao2025_params&) {
  return zhao2025_fields();
}

std::string preset_file_name(std::string_view name) { return fmt::format("{}.toml", name); }

}  // namespace

std::vector<std::string> model_names() { return {"wang2024", "zhao2025"}; }

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
  c.model = std::string(model);
  c.source = fmt::format("defaults of {}", model);
  if (model == "wang2024")
    c.params = wang2024_params{};
  else if (model == "zhao2025")
    c.params = zhao2025_params{};
  else
    throw input_error(fmt::format("unknown device model '{}' (known: wang2024, zhao2025)", model));
  return c;
}

device_config parse_config(std::string_view text, const std::string& source) {
  toml::table doc;
  try {
    doc = toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    throw input_error(fmt::format("{}:{}: {}", source, e.source().begin.line, e.description()));
  }
  device_config c;
  c.source = source;
  for (const auto& [key, node] : doc) {
    const std::string k(key.str());
    const std::string at = where(source, node);
    if (k == "model" || k == "description") {
      auto s = node.value<std::string>();
      if (!s) throw input_error(fmt::format("{}: '{}' must be a string", at, k));
      (k == "model" ? c.model : c.description) = *s;
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
  if (c.model.empty()) throw input_error(fmt::format("{}: missing 'model = \"...\"'", source));
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
  if (c.model == "wang2024") {
    wang2024_params p;
    read_params<wang2024_params>(*params, wang2024_fields(), p, source);
    wang2024_check(p, source, at);
    c.params = p;
  } else if (c.model == "zhao2025") {
    zhao2025_params p;
    read_params<zhao2025_params>(*params, zhao2025_fields(), p, source);
    zhao2025_check(p, source, at);
    c.params = p;
  } else {
    throw input_error(fmt::format("{}: unknown device model '{}' (known: wang2024, zhao2025)",
                                  where(source, *doc.get("model")), c.model));
  }
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
  std::ifstream in(path, std::ios::binary);
  if (!in) throw input_error(fmt::format("{}: cannot open parameter file", path));
  std::ostringstream ss;
  ss << in.rdbuf();
  return parse_config(ss.str(), path);
}

std::string to_toml(const device_config& c) {
  std::string out = fmt::format("model = \"{}\"\n", c.model);
  if (!c.description.empty()) out += fmt::format("description = \"{}\"\n", escape(c.description));
  out += "\n[params]\n";
  std::visit(
      [&](const auto& p) {
        using T = std::decay_t<decltype(p)>;
        out += write_params<T>(p, fields_of(p));
      },
      c.params);
  for (const auto& [k, v] : c.extra) {
    toml::table one;
    one.insert(k, v);
    std::ostringstream ss;
    ss << one;
    out += "\n" + ss.str() + "\n";
  }
  return out;
}

double config_dt(const device_config& c) {
  return std::visit([](const auto& p) { return p.dt; }, c.params);
}

std::unique_ptr<device_model> make_device(const device_config& c, std::size_t n, std::uint64_t seed,
                                          std::uint64_t first_id) {
  if (const auto* w = std::get_if<wang2024_params>(&c.params))
    return std::make_unique<wang2024_model>(*w, n, seed, first_id);
  return std::make_unique<zhao2025_model>(std::get<zhao2025_params>(c.params), n, seed, first_id);
}

double get_param(const device_config& c, std::string_view name) {
  return std::visit(
      [&](const auto& p) -> double {
        const auto fields = fields_of(p);
        for (const auto& f : fields)
          if (f.name == name) return p.*(f.member);
        throw input_error(fmt::format("model {} has no parameter '{}'", c.model, name));
      },
      c.params);
}

void set_param(device_config& c, std::string_view name, double value) {
  std::visit(
      [&](auto& p) {
        const auto fields = fields_of(p);
        for (const auto& f : fields) {
          if (f.name == name) {
            const std::string msg = check_range(f, value);
            if (!msg.empty()) throw input_error(fmt::format("{}: {}", c.source, msg));
            p.*(f.member) = value;
            return;
          }
        }
        throw input_error(fmt::format("model {} has no parameter '{}'", c.model, name));
      },
      c.params);
}

std::vector<std::pair<std::string, double>> param_values(const device_config& c) {
  return std::visit(
      [](const auto& p) {
        const auto fields = fields_of(p);
        std::vector<std::pair<std::string, double>> out;
        for (const auto& f : fields) out.emplace_back(std::string(f.name), p.*(f.member));
        return out;
      },
      c.params);
}

std::string param_table_markdown(std::string_view model) {
  return visit_fields(model, [](auto fields, auto defaults) {
    std::string out =
        "| parameter | unit | default | valid range | description |\n|---|---|---|---|---|\n";
    for (const auto& f : fields) {
      const double d = defaults.*(f.member);
      const std::string def =
          f.kind == param_kind::flag ? (d != 0 ? "true" : "false") : fmt::format("{:g}", d);
      const std::string range =
          f.kind == param_kind::flag
              ? "true/false"
              : fmt::format("{}{:g}, {}", f.min_exclusive ? "(" : "[", f.min,
                            std::isinf(f.max) ? "∞)" : fmt::format("{:g}]", f.max));
      out += fmt::format("| `{}` | {} | {} | {} | {} |\n", f.name, f.unit.empty() ? "—" : f.unit,
                         def, range, f.description);
    }
    return out;
  });
}

}  // namespace ionsim
