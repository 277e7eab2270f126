#include "circuit/netlist.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>
#include <numbers>
#include <set>
#include <unordered_map>
#include <utility>

#include "circuit/element.hpp"
#include "circuit/expr.hpp"
#include "core/error.hpp"

namespace ionsim::circuit {

double waveform::value(double t) const {
  switch (type) {
    case kind::dc:
      return dc;
    case kind::pulse: {
      IONSIM_ASSERT(args.size() == 7);
      const double v1 = args[0], v2 = args[1], td = args[2], tr = args[3], tf = args[4],
                   pw = args[5], per = args[6];
      // As ngspice's vsrcload.c: shift by TD, fold into one period, then the four segments.
      double x = t - td;
      if (per > 0 && x > per) x -= per * std::floor(x / per);
      if (x <= 0 || x >= tr + pw + tf) return v1;
      if (x >= tr && x <= tr + pw) return v2;
      if (x < tr) return v1 + (v2 - v1) * x / tr;
      return v2 + (v1 - v2) * (x - (tr + pw)) / tf;
    }
    case kind::pwl: {
      IONSIM_ASSERT(args.size() >= 2 && args.size() % 2 == 0);
      const std::size_t n = args.size() / 2;
      if (t <= args[0]) return args[1];
      if (t >= args[2 * (n - 1)]) return args[2 * n - 1];
      std::size_t lo = 0, hi = n - 1;  // args[2 lo] <= t < args[2 hi]
      while (hi - lo > 1) {
        const std::size_t mid = (lo + hi) / 2;
        (args[2 * mid] <= t ? lo : hi) = mid;
      }
      const double t0 = args[2 * lo], v0 = args[2 * lo + 1];
      const double t1 = args[2 * hi], v1 = args[2 * hi + 1];
      return v0 + (v1 - v0) * (t - t0) / (t1 - t0);
    }
    case kind::sin: {
      IONSIM_ASSERT(args.size() == 6);
      const double vo = args[0], va = args[1], freq = args[2], td = args[3], theta = args[4];
      const double phase = args[5] * std::numbers::pi / 180;
      if (t <= td) return vo + va * std::sin(phase);
      const double x = t - td;
      return vo + va * std::sin(2 * std::numbers::pi * freq * x + phase) * std::exp(-x * theta);
    }
  }
  return dc;
}

void waveform::breakpoints(double t0, double t1, std::vector<double>& out) const {
  const std::size_t first = out.size();
  auto add = [&](double t) {
    if (t > t0 && t <= t1) out.push_back(t);
  };
  switch (type) {
    case kind::dc:
      return;
    case kind::pulse: {
      IONSIM_ASSERT(args.size() == 7);
      const double td = args[2], tr = args[3], tf = args[4], pw = args[5], per = args[6];
      const double corners[4] = {0, tr, tr + pw, tr + pw + tf};
      double k = 0;
      if (per > 0) k = std::max(0.0, std::floor((t0 - td - corners[3]) / per));
      for (;; k += 1) {
        const double start = td + k * per;
        if (start > t1) break;
        for (const double c : corners) add(start + c);
        if (per <= 0) break;
      }
      break;
    }
    case kind::pwl:
      for (std::size_t i = 0; i < args.size(); i += 2) add(args[i]);
      break;
    case kind::sin:
      IONSIM_ASSERT(args.size() == 6);
      add(args[3]);
      break;
  }
  std::sort(out.begin() + static_cast<std::ptrdiff_t>(first), out.end());
  out.erase(std::unique(out.begin() + static_cast<std::ptrdiff_t>(first), out.end()), out.end());
}

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool is_space(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

bool is_ground(std::string_view low) { return low == "0" || low == "gnd"; }

struct token {
  enum class kind { word, expr, lparen, rparen, equals };
  kind type = kind::word;
  std::string text;  // as written: a word, or an expression with its quotes or braces
  std::string low;   // lower case of text

  bool is_word() const { return type == kind::word; }
  bool is_value() const { return type == kind::word || type == kind::expr; }
  std::string_view body() const {  // an expression without its quotes or braces
    return std::string_view(text).substr(1, text.size() - 2);
  }
};

struct card {
  int line = 0;
  std::string text;
  std::vector<token> toks;
  std::string head() const { return toks.empty() || !toks[0].is_word() ? "" : toks[0].low; }
};

struct subckt_def {
  std::string name;
  int line = 0;
  std::vector<std::string> ports;
  std::vector<std::pair<std::string, token>> defaults;
  std::vector<card> body;
};

// What names mean while one body of cards is expanded: the top level or one subcircuit instance.
struct scope {
  std::string prefix;  // "x1.x2." (lower case), prepended to element and internal node names
  std::string shown;   // "X1.X2." as written, for messages
  param_table params;
  std::map<std::string, int> ports;           // port name -> node index
  std::map<std::string, std::string> models;  // local model name -> key in netlist::models
  std::vector<std::string> stack;             // subcircuits being expanded, outermost first
};

struct pending_source {
  std::size_t element;
  bool dc_given;
  int line;
  std::string who;
};

struct pending_ic {
  int line;
  std::string node;
  double value;
};

struct pending_output {
  int line;
  std::string card;                // ".save" or ".print"
  std::string text;                // normalized: "v(out)", "i(vdd)", "v(a,b)"
  std::vector<std::string> nodes;  // for v(...)
  std::string current;             // for i(...)
  std::string state_of;            // for state(element.variable): the element
};

class parser {
 public:
  parser(std::string_view text, const std::string& source) : text_(text), source_(source) {
    nl_.source = source;
    nl_.node_names.push_back("0");
  }

  netlist run() {
    read_cards();
    split_subcircuits();
    scope top;
    global_ = &top.params;
    expand(top_, top, true);
    finish();
    return std::move(nl_);
  }

 private:
  [[noreturn]] void fail(int line, std::string_view what) const {
    throw input_error(fmt::format("{}:{}: {}", source_, line, what));
  }
  [[noreturn]] void fail(const card& c, std::string_view what) const { fail(c.line, what); }

  std::string where(int line) const { return fmt::format("{}:{}", source_, line); }

  // Lines to cards: the title, comments, continuations, .control blocks and .end.
  void read_cards() {
    std::vector<std::pair<int, std::string>> lines;
    std::size_t pos = 0;
    int number = 0;
    while (pos <= text_.size()) {
      std::size_t end = text_.find('\n', pos);
      if (end == std::string_view::npos) end = text_.size();
      std::string_view line = text_.substr(pos, end - pos);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      ++number;
      if (number == 1 && line.starts_with("\xef\xbb\xbf")) line.remove_prefix(3);  // BOM
      lines.emplace_back(number, std::string(line));
      if (end == text_.size()) break;
      pos = end + 1;
    }
    if (lines.empty()) return;
    nl_.title = std::string(trim(lines[0].second));
    int control_line = 0;
    for (std::size_t k = 1; k < lines.size(); ++k) {
      const int n = lines[k].first;
      std::string_view line = strip_comment(lines[k].second);
      if (line.empty() || line.front() == '*') continue;
      const std::string first = lower(line.substr(0, line.find_first_of(" \t")));
      if (control_line) {
        if (first == ".endc") control_line = 0;
        continue;
      }
      if (first == ".control") {
        control_line = n;
        continue;
      }
      if (first == ".end") break;
      if (line.front() == '+') {
        if (cards_.empty()) fail(n, "continuation line '+' with no card before it");
        cards_.back().text += ' ';
        cards_.back().text += line.substr(1);
        continue;
      }
      cards_.push_back(card{n, std::string(line), {}});
    }
    if (control_line) fail(control_line, ".control without .endc");
    for (auto& c : cards_) tokenize(c);
    // a card of separators alone (",") has no tokens: nothing to read
    std::erase_if(cards_, [](const card& c) { return c.toks.empty(); });
  }

  // Removes ';' and '$ ' comments and surrounding blanks.
  static std::string_view strip_comment(std::string_view line) {
    if (const auto semi = line.find(';'); semi != std::string_view::npos)
      line = line.substr(0, semi);
    for (std::size_t i = 0; i < line.size(); ++i) {
      if (line[i] == '$' && (i == 0 || is_space(line[i - 1])) &&
          (i + 1 == line.size() || is_space(line[i + 1]))) {
        line = line.substr(0, i);
        break;
      }
    }
    return trim(line);
  }

  void tokenize(card& c) const {
    const std::string& s = c.text;
    std::size_t i = 0;
    auto push = [&](token::kind k, std::string text) {
      token t;
      t.type = k;
      t.low = lower(text);
      t.text = std::move(text);
      c.toks.push_back(std::move(t));
    };
    while (i < s.size()) {
      const char ch = s[i];
      if (is_space(ch) || ch == ',') {
        ++i;
      } else if (ch == '(') {
        push(token::kind::lparen, "("), ++i;
      } else if (ch == ')') {
        push(token::kind::rparen, ")"), ++i;
      } else if (ch == '=') {
        push(token::kind::equals, "="), ++i;
      } else if (ch == '\'') {
        const std::size_t end = s.find('\'', i + 1);
        if (end == std::string::npos)
          fail(c, fmt::format("unterminated quote in '{}'", s.substr(i)));
        push(token::kind::expr, s.substr(i, end + 1 - i));
        i = end + 1;
      } else if (ch == '{') {
        int depth = 0;
        std::size_t end = i;
        for (; end < s.size(); ++end) {
          if (s[end] == '{') ++depth;
          if (s[end] == '}' && --depth == 0) break;
        }
        if (end == s.size()) fail(c, fmt::format("unterminated '{{' in '{}'", s.substr(i)));
        push(token::kind::expr, s.substr(i, end + 1 - i));
        i = end + 1;
      } else if (ch == '}') {
        fail(c, fmt::format("unexpected '}}' in '{}'", s));
      } else if (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f) {
        fail(c, fmt::format("unexpected control character 0x{:02x} (not a text netlist?)",
                            static_cast<unsigned char>(ch)));
      } else {
        const std::size_t start = i;
        // (not strchr: it finds a NUL byte, the string's end, and the word would never grow)
        constexpr std::string_view stops = ",()='{}";
        while (i < s.size() && !is_space(s[i]) && stops.find(s[i]) == std::string_view::npos &&
               static_cast<unsigned char>(s[i]) >= 0x20 && s[i] != 0x7f)
          ++i;
        std::string word = s.substr(start, i - start);
        // "params:a=1" written without a blank
        if (word.size() > 7 && lower(word).starts_with("params:")) {
          push(token::kind::word, word.substr(0, 7));
          word = word.substr(7);
        }
        push(token::kind::word, std::move(word));
      }
    }
  }

  // Moves .subckt ... .ends bodies out of the top level. Definitions written inside another
  // are collected the same way, into one global table of subcircuits.
  void split_subcircuits() {
    std::vector<subckt_def> open;
    for (auto& c : cards_) {
      const std::string h = c.head();
      if (h == ".subckt") {
        open.push_back(subckt_header(c));
        continue;
      }
      if (h == ".ends") {
        if (open.empty()) fail(c, ".ends without .subckt");
        subckt_def def = std::move(open.back());
        open.pop_back();
        if (c.toks.size() > 1 && c.toks[1].low != def.name)
          fail(c, fmt::format(".ends '{}' does not match .subckt '{}' (line {})", c.toks[1].text,
                              def.name, def.line));
        if (const auto it = subckts_.find(def.name); it != subckts_.end())
          fail(def.line, fmt::format("subcircuit '{}' is defined twice (first at line {})",
                                     def.name, it->second.line));
        subckts_.emplace(def.name, std::move(def));
        continue;
      }
      if (!open.empty()) check_body_card(c, h);
      (open.empty() ? top_ : open.back().body).push_back(std::move(c));
    }
    if (!open.empty())
      fail(open.back().line, fmt::format(".subckt '{}' has no .ends", open.back().name));
  }

  // A card a subcircuit body cannot hold is an error even if the subcircuit is never used.
  void check_body_card(const card& c, const std::string& h) {
    if (h == ".param" || h == ".model") return;
    if (!h.empty() && h.front() == '.') dot_card(c, h, false);  // throws for every other card
    if (h.empty()) fail(c, fmt::format("unexpected '{}' at the start of a card", c.toks[0].text));
    if (std::string_view("rclvegsmyxi").find(h.front()) == std::string_view::npos)
      fail(c, fmt::format("{}: element type '{}' is not supported (R C L V I E G S M Y X)",
                          c.toks[0].text, c.toks[0].text.front()));
  }

  subckt_def subckt_header(const card& c) const {
    subckt_def def;
    def.line = c.line;
    if (c.toks.size() < 2 || !c.toks[1].is_word()) fail(c, ".subckt: missing subcircuit name");
    def.name = c.toks[1].low;
    std::size_t i = 2;
    for (; i < c.toks.size(); ++i) {
      const token& t = c.toks[i];
      if (t.is_word() && t.low == "params:") {
        ++i;
        break;
      }
      if (i + 1 < c.toks.size() && c.toks[i + 1].type == token::kind::equals) break;
      if (!t.is_word()) fail(c, fmt::format(".subckt {}: unexpected '{}'", def.name, t.text));
      if (is_ground(t.low))
        fail(c, fmt::format(".subckt {}: ground '{}' cannot be a port", def.name, t.text));
      if (std::find(def.ports.begin(), def.ports.end(), t.low) != def.ports.end())
        fail(c, fmt::format(".subckt {}: port '{}' is listed twice", def.name, t.text));
      def.ports.push_back(t.low);
    }
    for (const auto& [key, value] : key_values(c, i, ".subckt " + def.name)) {
      if (!is_identifier(key))
        fail(c, fmt::format(".subckt {}: invalid parameter name '{}'", def.name, key));
      def.defaults.emplace_back(key, *value);
    }
    return def;
  }

  // name=value pairs from toks[i] to the end.
  std::vector<std::pair<std::string, const token*>> key_values(const card& c, std::size_t i,
                                                               std::string_view who) const {
    std::vector<std::pair<std::string, const token*>> out;
    while (i < c.toks.size()) {
      const token& k = c.toks[i];
      if (!k.is_word() || i + 1 >= c.toks.size() || c.toks[i + 1].type != token::kind::equals)
        fail(c, fmt::format("{}: expected name=value, got '{}'", who, k.text));
      if (i + 2 >= c.toks.size() || !c.toks[i + 2].is_value())
        fail(c, fmt::format("{}: missing value after '{}='", who, k.text));
      out.emplace_back(k.low, &c.toks[i + 2]);
      i += 3;
    }
    return out;
  }

  double value_of(const card& c, const token& t, const param_table& params,
                  std::string_view who) const {
    if (t.type == token::kind::expr) {
      try {
        return evaluate_expression(t.body(), params);
      } catch (const input_error& e) {
        fail(c, fmt::format("{}: {}", who, e.what()));
      }
    }
    if (!t.is_word()) fail(c, fmt::format("{}: expected a value, got '{}'", who, t.text));
    if (const auto v = parse_spice_number(t.text)) return *v;
    if (is_identifier(t.low)) {
      if (const auto it = params.find(t.low); it != params.end()) return it->second;
      if (t.low == "pi") return std::numbers::pi;
      fail(c, fmt::format("{}: undefined parameter '{}'", who, t.text));
    }
    fail(c, fmt::format("{}: '{}' is not a number", who, t.text));
  }

  void expand(const std::vector<card>& cards, scope& s, bool top) {
    for (const auto& c : cards)
      if (c.head() == ".param") param_card(c, s);
    for (const auto& c : cards)
      if (c.head() == ".model") model_line(c, s, top);
    for (const auto& c : cards) {
      const std::string h = c.head();
      if (h == ".param" || h == ".model") continue;
      if (!h.empty() && h.front() == '.') {
        dot_card(c, h, top);
      } else {
        element_card(c, s);
      }
    }
  }

  void param_card(const card& c, scope& s) const {
    if (c.toks.size() < 2) fail(c, ".param: expected name=value");
    for (const auto& [key, value] : key_values(c, 1, ".param")) {
      if (!is_identifier(key)) fail(c, fmt::format(".param: invalid parameter name '{}'", key));
      double v = 0;
      if (value->is_word() && !parse_spice_number(value->text)) {
        // ngspice also reads an unquoted expression here: .param b = a*2
        try {
          v = evaluate_expression(value->text, s.params);
        } catch (const input_error& e) {
          fail(c, fmt::format(".param {}: {}", key, e.what()));
        }
      } else {
        v = value_of(c, *value, s.params, ".param " + key);
      }
      s.params[key] = v;
    }
  }

  void model_line(const card& c, scope& s, bool top) {
    if (c.toks.size() < 2 || !c.toks[1].is_word()) fail(c, ".model: missing model name");
    const std::string name = c.toks[1].low;
    const std::string who = ".model " + c.toks[1].text;
    if (c.toks.size() < 3 || !c.toks[2].is_word()) fail(c, who + ": missing model type");
    model_card m;
    m.name = s.prefix + name;
    m.type = c.toks[2].low;
    m.source = where(c.line);
    const element_type* type = element_type_for_model(m.type);
    if (!type) {
      std::vector<std::string> known;
      for (const element_type* t : element_types())
        known.insert(known.end(), t->model_types.begin(), t->model_types.end());
      fail(c, fmt::format("{}: model type '{}' is not supported ({})", who, c.toks[2].text,
                          fmt::join(known, ", ")));
    }
    std::size_t i = 3, end = c.toks.size();
    if (i < end && c.toks[i].type == token::kind::lparen) {
      if (c.toks.back().type != token::kind::rparen) fail(c, who + ": missing ')'");
      ++i, --end;
    }
    card inner{c.line,
               c.text,
               {c.toks.begin() + static_cast<std::ptrdiff_t>(i),
                c.toks.begin() + static_cast<std::ptrdiff_t>(end)}};
    for (const auto& [key, value] : key_values(inner, 0, who)) {
      // Some cards' words name things ("model=zhao2025"); other values are numbers.
      if (type->model_words && value->is_word() && !parse_spice_number(value->text) &&
          !s.params.contains(value->low)) {
        m.words[key] = value->low;
        m.params.erase(key);
      } else {
        m.params[key] = value_of(c, *value, s.params, who);
        m.words.erase(key);
      }
    }
    if (type->check_model)
      if (const std::string problem = type->check_model(m); !problem.empty())
        fail(c, fmt::format("{}: {}", who, problem));
    if (top) {
      if (const auto it = nl_.models.find(m.name); it != nl_.models.end())
        fail(c, fmt::format("{}: model '{}' is defined twice (first at {})", who, name,
                            it->second.source));
    } else {
      if (s.models.contains(name))
        fail(c, fmt::format("{}: model '{}' is defined twice in subcircuit '{}'", who, name,
                            s.stack.back()));
      if (nl_.models.contains(m.name))
        fail(c, fmt::format("{}: local model '{}' clashes with a global model", who, m.name));
      s.models[name] = m.name;
    }
    nl_.models[m.name] = std::move(m);
  }

  void dot_card(const card& c, const std::string& h, bool top) {
    const std::string& shown = c.toks[0].text;
    static const std::set<std::string> top_only = {".tran", ".options", ".option", ".opt",
                                                   ".ic",   ".save",    ".print"};
    if (!top && top_only.contains(h))
      fail(c, fmt::format("{} is not allowed inside a subcircuit", shown));
    if (h == ".tran") return tran_card(c);
    if (h == ".options" || h == ".option" || h == ".opt") return options_card(c);
    if (h == ".ic") return ic_card(c);
    if (h == ".save" || h == ".print") return output_card(c, h);
    if (h == ".include" || h == ".inc" || h == ".lib")
      fail(c, fmt::format("{} is not supported (paste the file's cards into the netlist)", shown));
    static const std::set<std::string> analyses = {".op", ".dc",  ".ac",   ".noise",
                                                   ".tf", ".pz",  ".sens", ".disto",
                                                   ".sp", ".pss", ".meas", ".measure"};
    if (analyses.contains(h))
      fail(c, fmt::format("{} is not supported (ionsim runs .tran only)", shown));
    fail(c, fmt::format("unknown card '{}'", shown));
  }

  void tran_card(const card& c) {
    if (tran_line_)
      fail(c,
           fmt::format(".tran: only one .tran is allowed (the first is at line {})", tran_line_));
    std::vector<double> v;
    tran_request tr;
    for (std::size_t i = 1; i < c.toks.size(); ++i) {
      if (c.toks[i].is_word() && c.toks[i].low == "uic") {
        tr.uic = true;
        continue;
      }
      if (v.size() == 4) fail(c, fmt::format(".tran: unexpected '{}'", c.toks[i].text));
      static const char* names[] = {"tstep", "tstop", "tstart", "tmax"};
      v.push_back(value_of(c, c.toks[i], *global_, fmt::format(".tran {}", names[v.size()])));
    }
    if (v.size() < 2) fail(c, ".tran: expected .tran tstep tstop [tstart [tmax]] [uic]");
    tr.tstep = v[0];
    tr.tstop = v[1];
    if (v.size() > 2) tr.tstart = v[2];
    if (v.size() > 3) tr.tmax = v[3];
    if (!(tr.tstep > 0)) fail(c, fmt::format(".tran: tstep {:g} must be positive", tr.tstep));
    if (!(tr.tstop > 0)) fail(c, fmt::format(".tran: tstop {:g} must be positive", tr.tstop));
    if (tr.tstart < 0 || tr.tstart >= tr.tstop)
      fail(c, fmt::format(".tran: tstart {:g} must be in [0, tstop)", tr.tstart));
    if (tr.tmax < 0) fail(c, fmt::format(".tran: tmax {:g} must not be negative", tr.tmax));
    nl_.tran = tr;
    tran_line_ = c.line;
  }

  void options_card(const card& c) {
    const std::string& shown = c.toks[0].text;
    for (std::size_t i = 1; i < c.toks.size(); i += 3) {
      const token& k = c.toks[i];
      if (!k.is_word()) fail(c, fmt::format("{}: unexpected '{}'", shown, k.text));
      static const std::set<std::string> known = {"reltol", "abstol", "vntol", "chgtol", "trtol",
                                                  "gmin",   "itl1",   "itl4",  "method"};
      if (!known.contains(k.low))
        fail(c, fmt::format("{}: unsupported option '{}' (supported: reltol abstol vntol chgtol "
                            "trtol gmin itl1 itl4 method)",
                            shown, k.text));
      if (i + 2 >= c.toks.size() || c.toks[i + 1].type != token::kind::equals ||
          !c.toks[i + 2].is_value())
        fail(c, fmt::format("{}: option '{}' needs a value ({}=...)", shown, k.text, k.low));
      const token& v = c.toks[i + 2];
      const std::string who = fmt::format("{} {}", shown, k.low);
      if (k.low == "method") {
        if (v.low == "trap" || v.low == "trapezoidal") {
          nl_.options.method = "trap";
        } else if (v.low == "gear") {
          nl_.options.method = "gear";
        } else {
          fail(c, fmt::format("{}: method '{}' is not supported (trap or gear)", shown, v.text));
        }
        continue;
      }
      const double x = value_of(c, v, *global_, who);
      if (k.low == "itl1" || k.low == "itl4") {
        if (x < 1 || x != std::floor(x) || x > 1e9)
          fail(c, fmt::format("{}: {:g} must be a positive whole number", who, x));
        (k.low == "itl1" ? nl_.options.itl1 : nl_.options.itl4) = static_cast<int>(x);
        continue;
      }
      if (k.low == "gmin" ? x < 0 : !(x > 0))
        fail(c, fmt::format("{}: {:g} must be {}", who, x, k.low == "gmin" ? ">= 0" : "> 0"));
      if (k.low == "reltol") nl_.options.reltol = x;
      if (k.low == "abstol") nl_.options.abstol = x;
      if (k.low == "vntol") nl_.options.vntol = x;
      if (k.low == "chgtol") nl_.options.chgtol = x;
      if (k.low == "trtol") nl_.options.trtol = x;
      if (k.low == "gmin") nl_.options.gmin = x;
    }
  }

  void ic_card(const card& c) {
    const auto& t = c.toks;
    if (t.size() < 2) fail(c, ".ic: expected v(node)=value");
    for (std::size_t i = 1; i < t.size(); i += 6) {
      if (!(i + 5 < t.size() && t[i].is_word() && t[i].low == "v" &&
            t[i + 1].type == token::kind::lparen && t[i + 2].is_word() &&
            t[i + 3].type == token::kind::rparen && t[i + 4].type == token::kind::equals &&
            t[i + 5].is_value()))
        fail(c, fmt::format(".ic: expected v(node)=value at '{}'", t[i].text));
      const std::string& node = t[i + 2].low;
      if (is_ground(node)) fail(c, fmt::format(".ic: '{}' is ground", t[i + 2].text));
      const double v = value_of(c, t[i + 5], *global_, fmt::format(".ic v({})", node));
      ics_.push_back({c.line, node, v});
    }
  }

  void output_card(const card& c, const std::string& h) {
    const auto& t = c.toks;
    std::size_t i = 1;
    if (h == ".print" && i < t.size() && t[i].is_word() &&
        (i + 1 >= t.size() || t[i + 1].type != token::kind::lparen)) {
      static const std::set<std::string> other = {"dc", "ac", "op", "noise", "disto", "tf"};
      if (t[i].low == "tran") {
        ++i;
      } else if (other.contains(t[i].low)) {
        fail(c, fmt::format(".print {}: only .print tran is supported", t[i].text));
      }
    }
    if (i >= t.size()) fail(c, fmt::format("{}: nothing to {}", t[0].text, h.substr(1)));
    while (i < t.size()) {
      const token& w = t[i];
      if (!w.is_word()) fail(c, fmt::format("{}: unexpected '{}'", t[0].text, w.text));
      if (i + 1 < t.size() && t[i + 1].type == token::kind::lparen) {
        std::vector<std::string> args;
        std::size_t j = i + 2;
        for (; j < t.size() && t[j].type != token::kind::rparen; ++j) {
          if (!t[j].is_word()) fail(c, fmt::format("{}: unexpected '{}'", t[0].text, t[j].text));
          args.push_back(t[j].low);
        }
        if (j >= t.size()) fail(c, fmt::format("{}: missing ')' after {}(", t[0].text, w.text));
        std::string text = w.low + "(";
        for (std::size_t a = 0; a < args.size(); ++a) text += (a ? "," : "") + args[a];
        text += ")";
        pending_output o{c.line, t[0].text, text, {}, {}, {}};
        if (w.low == "v" && (args.size() == 1 || args.size() == 2)) {
          o.nodes = args;
        } else if (w.low == "i" && args.size() == 1) {
          o.current = args[0];
        } else if (const auto dot = args.empty() ? std::string::npos : args[0].rfind('.');
                   w.low == "state" && args.size() == 1 && dot != std::string::npos && dot > 0 &&
                   dot + 1 < args[0].size()) {
          o.state_of = args[0].substr(0, dot);
        } else {
          fail(c, fmt::format("{}: unsupported output '{}' (v(node), v(a,b), i(vsource) or "
                              "state(element.variable))",
                              t[0].text, text));
        }
        outputs_.push_back(std::move(o));
        i = j + 1;
        continue;
      }
      if (w.low == "all") {
        save_all_ = true;
      } else if (w.low.front() == '@') {
        fail(c, fmt::format("{}: device internals '{}' are not supported", t[0].text, w.text));
      } else {
        outputs_.push_back({c.line, t[0].text, "v(" + w.low + ")", {w.low}, {}, {}});
      }
      ++i;
    }
  }

  int node_of(const scope& s, const std::string& low) {
    if (is_ground(low)) return 0;
    if (const auto it = s.ports.find(low); it != s.ports.end()) return it->second;
    std::string name = s.prefix + low;
    if (const auto it = node_index_.find(name); it != node_index_.end()) return it->second;
    const int index = static_cast<int>(nl_.node_names.size());
    node_index_.emplace(name, index);
    nl_.node_names.push_back(std::move(name));
    return index;
  }

  // Leading fields (words and expressions not followed by '='), starting at toks[1].
  static std::size_t count_fields(const card& c) {
    std::size_t i = 1;
    while (i < c.toks.size() && c.toks[i].is_value() &&
           !(i + 1 < c.toks.size() && c.toks[i + 1].type == token::kind::equals))
      ++i;
    return i - 1;
  }

  std::string model_of(const card& c, const scope& s, const std::string& who, const token& t,
                       const std::vector<std::string>& types) const {
    if (!t.is_word()) fail(c, fmt::format("{}: expected a model name, got '{}'", who, t.text));
    std::string key = t.low;
    if (const auto it = s.models.find(t.low); it != s.models.end()) key = it->second;
    const auto it = nl_.models.find(key);
    if (it == nl_.models.end()) fail(c, fmt::format("{}: undefined model '{}'", who, t.text));
    if (std::find(types.begin(), types.end(), it->second.type) == types.end()) {
      const std::string expected = fmt::format("{}", fmt::join(types, " or "));
      fail(c, fmt::format("{}: model '{}' is a {} model, expected {}", who, t.text, it->second.type,
                          expected));
    }
    return key;
  }

  void add_element(const card& c, const std::string& who, element e) {
    e.source = where(c.line);
    if (const auto it = element_index_.find(e.name); it != element_index_.end())
      fail(c, fmt::format("{}: element '{}' is defined twice (first at {})", who, e.name,
                          nl_.elements[it->second].source));
    element_index_.emplace(e.name, nl_.elements.size());
    nl_.elements.push_back(std::move(e));
  }

  void element_card(const card& c, scope& s) {
    const token& t0 = c.toks[0];
    if (!t0.is_word()) fail(c, fmt::format("unexpected '{}' at the start of a card", t0.text));
    const std::string who = s.shown + t0.text;
    element e;
    e.name = s.prefix + t0.low;
    if (t0.low.front() == 'x') return instance(c, s, who);
    e.type = element_type_for_letter(t0.low.front());
    if (!e.type) {
      std::string letters;
      for (const element_type* t : element_types())
        letters += fmt::format("{:c} ", std::toupper(static_cast<unsigned char>(t->letter)));
      fail(c, fmt::format("{}: element type '{}' is not supported ({}X)", who, t0.text.front(),
                          letters));
    }
    switch (e.type->form) {
      case card_form::value:
        return value_card(c, s, who, std::move(e));
      case card_form::model:
        return model_card_element(c, s, who, std::move(e));
      case card_form::source:
        return source_card(c, s, who, std::move(e));
    }
  }

  // Checks the leading fields: `nodes` node names then one `last` field.
  void expect_fields(const card& c, const std::string& who, std::size_t nodes,
                     std::string_view syntax, std::string_view last) const {
    const std::size_t n = count_fields(c);
    if (n < nodes)
      fail(c, fmt::format("{}: expected {} nodes, got {} (syntax: {})", who, nodes, n, syntax));
    if (n == nodes) fail(c, fmt::format("{}: missing {} (syntax: {})", who, last, syntax));
    if (n > nodes + 1)
      fail(c, fmt::format("{}: too many fields, unexpected '{}' (syntax: {})", who,
                          c.toks[nodes + 2].text, syntax));
  }

  // Instance parameters after the leading fields: the element type's only.
  void instance_params(const card& c, scope& s, const std::string& who, std::size_t first,
                       element& e) {
    const element_type& type = *e.type;
    for (const auto& [key, value] : key_values(c, first, who)) {
      if (std::find(type.params.begin(), type.params.end(), key) == type.params.end())
        fail(c, fmt::format("{}: {} parameter '{}' (syntax: {})", who,
                            type.params.empty() ? "unexpected" : "unsupported", key, type.syntax));
      e.params[key] = value_of(c, *value, s.params, fmt::format("{} {}", who, key));
    }
  }

  // nodes, one value, [key=value ...]
  void value_card(const card& c, scope& s, const std::string& who, element e) {
    const element_type& type = *e.type;
    if (type.linear_only)
      for (std::size_t i = 1; i < c.toks.size(); ++i) {
        static const std::set<std::string> forms = {"poly", "value", "table", "vol", "cur"};
        if (!c.toks[i].is_value() || (c.toks[i].is_word() && forms.contains(c.toks[i].low)))
          fail(c, fmt::format("{}: only the linear form '{}' is supported", who, type.syntax));
      }
    expect_fields(c, who, type.nodes, type.syntax, type.value_name);
    for (std::size_t i = 1; i <= type.nodes; ++i) e.nodes.push_back(node_of(s, c.toks[i].low));
    e.value = value_of(c, c.toks[type.nodes + 1], s.params, who);
    instance_params(c, s, who, type.nodes + 2, e);
    if (type.value_ok && !type.value_ok(e.value))
      fail(c, fmt::format("{} {} value {:g} is not allowed{}", type.name, who, e.value,
                          type.value_rule));
    add_element(c, who, std::move(e));
  }

  // nodes, a model name, [key=value ...]
  void model_card_element(const card& c, scope& s, const std::string& who, element e) {
    const element_type& type = *e.type;
    expect_fields(c, who, type.nodes, type.syntax, "model name");
    for (std::size_t i = 1; i <= type.nodes; ++i) e.nodes.push_back(node_of(s, c.toks[i].low));
    e.model = model_of(c, s, who, c.toks[type.nodes + 1], type.model_types);
    instance_params(c, s, who, type.nodes + 2, e);
    add_element(c, who, std::move(e));
  }

  // two nodes, [[DC] v] [PULSE(...)|PWL(...)|SIN(...)]
  void source_card(const card& c, scope& s, const std::string& who, element e) {
    const auto& t = c.toks;
    const char* syntax = e.type->syntax;
    static const std::set<std::string> functions = {"pulse", "pwl", "sin"};
    static const std::set<std::string> unsupported = {"exp",      "sffm", "am",      "trnoise",
                                                      "trrandom", "pat",  "distof1", "distof2"};
    auto keyword = [&](std::size_t i) {
      return t[i].is_word() && (t[i].low == "dc" || t[i].low == "ac" ||
                                functions.contains(t[i].low) || unsupported.contains(t[i].low));
    };
    std::size_t i = 1;
    for (; i < t.size() && i < 3; ++i) {
      if (!t[i].is_word() || keyword(i) ||
          (i + 1 < t.size() && t[i + 1].type == token::kind::lparen))
        break;
      e.nodes.push_back(node_of(s, t[i].low));
    }
    if (e.nodes.size() < 2)
      fail(c,
           fmt::format("{}: expected 2 nodes, got {} (syntax: {})", who, e.nodes.size(), syntax));
    bool dc_given = false, func_given = false;
    while (i < t.size()) {
      const token& w = t[i];
      if (w.is_word() && w.low == "ac")
        fail(c, fmt::format("{}: AC analysis is not supported", who));
      if (w.is_word() && unsupported.contains(w.low))
        fail(c, fmt::format("{}: {} sources are not supported (PULSE, PWL, SIN)", who, w.text));
      if (w.is_word() && w.low == "dc") {
        if (dc_given) fail(c, fmt::format("{}: DC value given twice", who));
        if (i + 1 >= t.size() || keyword(i + 1)) fail(c, fmt::format("{}: missing DC value", who));
        e.wave.dc = value_of(c, t[i + 1], s.params, who);
        dc_given = true;
        i += 2;
        continue;
      }
      if (w.is_word() && functions.contains(w.low)) {
        if (func_given) fail(c, fmt::format("{}: more than one transient function", who));
        func_given = true;
        std::size_t j = i + 1, end = 0;
        if (j < t.size() && t[j].type == token::kind::lparen) {
          ++j;
          end = j;
          while (end < t.size() && t[end].type != token::kind::rparen) ++end;
          if (end == t.size()) fail(c, fmt::format("{}: missing ')' after {}(", who, w.text));
        } else {
          end = j;
          while (end < t.size() && t[end].is_value() && !keyword(end)) ++end;
        }
        std::vector<double> args;
        for (std::size_t a = j; a < end; ++a) {
          if (!t[a].is_value())
            fail(c, fmt::format("{}: unexpected '{}' in {}", who, t[a].text, w.text));
          if (t[a].is_word() && a + 1 < end && t[a + 1].type == token::kind::equals)
            fail(c, fmt::format("{}: {} option '{}' is not supported", who, w.text, t[a].text));
          args.push_back(value_of(c, t[a], s.params, fmt::format("{} {}", who, w.text)));
        }
        e.wave.args = std::move(args);
        set_function(c, who, w, e.wave);
        i = end < t.size() && t[end].type == token::kind::rparen ? end + 1 : end;
        continue;
      }
      if (dc_given || func_given || !w.is_value())
        fail(c, fmt::format("{}: unexpected '{}' (syntax: {})", who, w.text, syntax));
      e.wave.dc = value_of(c, w, s.params, who);
      dc_given = true;
      ++i;
    }
    if (func_given) pending_.push_back({nl_.elements.size() + 0, dc_given, c.line, who});
    add_element(c, who, std::move(e));
  }

  void set_function(const card& c, const std::string& who, const token& w, waveform& wave) const {
    const std::size_t n = wave.args.size();
    if (w.low == "pulse") {
      wave.type = waveform::kind::pulse;
      if (n < 2 || n > 7)
        fail(c,
             fmt::format("{}: PULSE takes 2 to 7 values (V1 V2 TD TR TF PW PER), got {}", who, n));
    } else if (w.low == "sin") {
      wave.type = waveform::kind::sin;
      if (n < 2 || n > 6)
        fail(c, fmt::format("{}: SIN takes 2 to 6 values (VO VA FREQ TD THETA PHASE), got {}", who,
                            n));
    } else {
      wave.type = waveform::kind::pwl;
      if (n < 2 || n % 2 != 0)
        fail(c, fmt::format("{}: PWL needs time-value pairs (T1 V1 T2 V2 ...), got {} values", who,
                            n));
      for (std::size_t k = 2; k < n; k += 2)
        if (!(wave.args[k] > wave.args[k - 2]))
          fail(c, fmt::format("{}: PWL times must increase, but T{} = {:g} follows T{} = {:g}", who,
                              k / 2 + 1, wave.args[k], k / 2, wave.args[k - 2]));
    }
  }

  void instance(const card& c, scope& s, const std::string& who) {
    const auto& t = c.toks;
    std::vector<const token*> fields;
    std::size_t i = 1;
    for (; i < t.size(); ++i) {
      if (t[i].is_word() && t[i].low == "params:") {
        ++i;
        break;
      }
      if (i + 1 < t.size() && t[i + 1].type == token::kind::equals) break;
      if (!t[i].is_word()) fail(c, fmt::format("{}: unexpected '{}'", who, t[i].text));
      fields.push_back(&t[i]);
    }
    if (fields.empty()) fail(c, fmt::format("{}: missing subcircuit name", who));
    const token& sub = *fields.back();
    fields.pop_back();
    const auto it = subckts_.find(sub.low);
    if (it == subckts_.end()) fail(c, fmt::format("{}: unknown subcircuit '{}'", who, sub.text));
    const subckt_def& def = it->second;
    if (fields.size() != def.ports.size())
      fail(c, fmt::format("{}: subcircuit '{}' has {} ports, got {} nodes", who, def.name,
                          def.ports.size(), fields.size()));
    if (std::find(s.stack.begin(), s.stack.end(), def.name) != s.stack.end()) {
      std::string chain;
      for (const auto& n : s.stack) chain += n + " -> ";
      fail(c, fmt::format("{}: subcircuit '{}' contains itself ({}{})", who, def.name, chain,
                          def.name));
    }
    param_table overrides;
    for (const auto& kv : key_values(c, i, who)) {
      const std::string& key = kv.first;  // clang < 16 cannot capture structured bindings
      const token* value = kv.second;
      const bool declared = std::any_of(def.defaults.begin(), def.defaults.end(),
                                        [&](const auto& d) { return d.first == key; });
      if (!declared)
        fail(c, fmt::format("{}: subcircuit '{}' has no parameter '{}'", who, def.name, key));
      overrides[key] = value_of(c, *value, s.params, fmt::format("{} {}", who, key));
    }
    scope inner;
    inner.prefix = s.prefix + t[0].low + ".";
    inner.shown = s.shown + t[0].text + ".";
    inner.params = *global_;
    for (std::size_t p = 0; p < fields.size(); ++p)
      inner.ports[def.ports[p]] = node_of(s, fields[p]->low);
    inner.stack = s.stack;
    inner.stack.push_back(def.name);
    for (const auto& [key, value] : def.defaults) {
      if (const auto o = overrides.find(key); o != overrides.end()) {
        inner.params[key] = o->second;
      } else {
        const card header{def.line, {}, {}};
        inner.params[key] =
            value_of(header, value, inner.params, fmt::format(".subckt {} {}", def.name, key));
      }
    }
    expand(def.body, inner, false);
  }

  void finish() {
    for (const auto& p : pending_) {
      element& e = nl_.elements[p.element];
      waveform& w = e.wave;
      const bool pulse = w.type == waveform::kind::pulse;
      if (pulse || w.type == waveform::kind::sin) {
        w.args.resize(pulse ? 7 : 6, 0.0);
        // ngspice's vsrcload.c: a missing or zero TR, TF, PW, PER (or SIN FREQ) takes its
        // default from .tran.
        const std::vector<std::size_t> defaulted =
            pulse ? std::vector<std::size_t>{3, 4, 5, 6} : std::vector<std::size_t>{2};
        for (const std::size_t a : defaulted) {
          static const char* pulse_names[] = {"V1", "V2", "TD", "TR", "TF", "PW", "PER"};
          const char* name = pulse ? pulse_names[a] : "FREQ";
          if (w.args[a] < 0)
            fail(p.line, fmt::format("{}: {} {} {:g} must not be negative", p.who,
                                     pulse ? "PULSE" : "SIN", name, w.args[a]));
          if (w.args[a] != 0) continue;
          if (!nl_.tran)
            fail(p.line, fmt::format("{}: {} {} is not given and there is no .tran to take its "
                                     "default from",
                                     p.who, pulse ? "PULSE" : "SIN", name));
          w.args[a] = !pulse ? 1 / nl_.tran->tstop : a <= 4 ? nl_.tran->tstep : nl_.tran->tstop;
        }
      }
      if (!p.dc_given) w.dc = w.value(0);  // as ngspice: "no DC value, transient time 0 value used"
    }
    for (const auto& ic : ics_) {
      const auto it = node_index_.find(ic.node);
      if (it == node_index_.end()) fail(ic.line, fmt::format(".ic: unknown node '{}'", ic.node));
      auto same = [&](const auto& x) { return x.first == it->second; };
      if (const auto old = std::find_if(nl_.ics.begin(), nl_.ics.end(), same);
          old != nl_.ics.end()) {
        old->second = ic.value;
      } else {
        nl_.ics.emplace_back(it->second, ic.value);
      }
    }
    for (const auto& o : outputs_) {
      for (const auto& n : o.nodes)
        if (!is_ground(n) && !node_index_.contains(n))
          fail(o.line, fmt::format("{}: unknown node '{}' in {}", o.card, n, o.text));
      if (!o.current.empty()) {
        const auto it = element_index_.find(o.current);
        if (it == element_index_.end())
          fail(o.line, fmt::format("{}: unknown element '{}' in {}", o.card, o.current, o.text));
        if (!nl_.elements[it->second].type->current_output) {
          std::vector<std::string> takes;
          for (const element_type* type : element_types())
            if (type->current_output) takes.push_back(type->name);
          fail(o.line, fmt::format("{}: {} is a {}; i() takes a {}", o.card, o.current,
                                   nl_.elements[it->second].type->name, fmt::join(takes, " or ")));
        }
      }
      if (!o.state_of.empty() && !element_index_.contains(o.state_of))
        fail(o.line, fmt::format("{}: unknown element '{}' in {}", o.card, o.state_of, o.text));
      if (std::find(nl_.outputs.begin(), nl_.outputs.end(), o.text) == nl_.outputs.end())
        nl_.outputs.push_back(o.text);
    }
    if (save_all_) nl_.outputs.clear();
  }

  std::string_view text_;
  std::string source_;
  netlist nl_;
  std::vector<card> cards_;
  std::vector<card> top_;
  std::map<std::string, subckt_def> subckts_;
  const param_table* global_ = nullptr;
  std::unordered_map<std::string, int> node_index_;
  std::unordered_map<std::string, std::size_t> element_index_;
  std::vector<pending_source> pending_;
  std::vector<pending_ic> ics_;
  std::vector<pending_output> outputs_;
  bool save_all_ = false;
  int tran_line_ = 0;
};

}  // namespace

int netlist::node(std::string_view name) const {
  const std::string low = lower(name);
  if (is_ground(low)) return 0;
  for (std::size_t i = 1; i < node_names.size(); ++i)
    if (node_names[i] == low) return static_cast<int>(i);
  return -1;
}

netlist parse_netlist(std::string_view text, const std::string& source) {
  return parser(text, source).run();
}

netlist read_netlist(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw input_error(fmt::format("{}: cannot open the netlist: {}", path, std::strerror(errno)));
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (in.bad()) throw input_error(fmt::format("{}: cannot read the netlist", path));
  return parse_netlist(text, path);
}

}  // namespace ionsim::circuit
