#include "ngspice_runner.hpp"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <sstream>
#include <stdexcept>

namespace ionsim::test {

namespace fs = std::filesystem;

namespace {

constexpr const char* data_file = "ionsim_ngspice.data";
constexpr const char* log_file = "ngspice.log";

std::string lower_trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return {};
  auto e = s.find_last_not_of(" \t\r");
  std::string out = s.substr(b, e - b + 1);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool starts_with_word(const std::string& line, const std::string& word) {
  return line.rfind(word, 0) == 0 && (line.size() == word.size() ||
                                      std::isspace(static_cast<unsigned char>(line[word.size()])));
}

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + p.string());
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string tail(const std::string& s, std::size_t n) {
  return s.size() <= n ? s : "..." + s.substr(s.size() - n);
}

// The commands that write the requested vectors, at full precision, on one time column.
std::string output_commands(const std::vector<std::string>& vectors) {
  std::string c = "set wr_singlescale\nset wr_vecnames\noption numdgt=15\nwrdata ";
  c += data_file;
  for (const auto& v : vectors) c += " " + v;
  return c + "\n";
}

// The deck with its wrdata lines replaced by output_commands (see the header).
std::string rewrite_deck(const std::string& text, const std::vector<std::string>& vectors) {
  std::istringstream in(text);
  std::string line, out;
  bool in_control = false, had_control = false;
  while (std::getline(in, line)) {
    const std::string l = lower_trim(line);
    if (starts_with_word(l, ".control")) {
      in_control = had_control = true;
    } else if (in_control && starts_with_word(l, ".endc")) {
      out += output_commands(vectors);
      in_control = false;
    } else if (in_control && (starts_with_word(l, "wrdata") || starts_with_word(l, "quit") ||
                              starts_with_word(l, "exit"))) {
      continue;
    } else if (!had_control && starts_with_word(l, ".end")) {
      out += ".control\nrun\n" + output_commands(vectors) + ".endc\n";
      had_control = true;
    }
    out += line + "\n";
  }
  if (!had_control) throw std::runtime_error("deck has neither .control nor .end");
  return out;
}

trace parse_wrdata(const fs::path& p, const std::vector<std::string>& vectors) {
  std::ifstream in(p);
  if (!in) throw std::runtime_error("ngspice wrote no data file");
  std::string line;
  if (!std::getline(in, line)) throw std::runtime_error("ngspice data file is empty");
  std::istringstream hs(line);
  std::vector<std::string> header{std::istream_iterator<std::string>(hs), {}};
  if (header.size() != vectors.size() + 1 || header[0] != "time")
    throw std::runtime_error("unexpected ngspice data header: " + line);
  trace tr;
  std::vector<std::vector<double>*> cols;
  for (const auto& v : vectors) cols.push_back(&tr.v[v]);
  while (std::getline(in, line)) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const char* s = line.c_str();
    char* end = nullptr;
    const double t = std::strtod(s, &end);
    if (end == s) throw std::runtime_error("bad ngspice data line: " + line);
    tr.t.push_back(t);
    for (auto* c : cols) {
      s = end;
      const double x = std::strtod(s, &end);
      if (end == s) throw std::runtime_error("bad ngspice data line: " + line);
      c->push_back(x);
    }
  }
  if (tr.t.size() < 2) throw std::runtime_error("ngspice wrote fewer than two time points");
  return tr;
}

}  // namespace

const std::vector<double>& trace::at(const std::string& name) const {
  auto it = v.find(name);
  if (it == v.end()) throw std::out_of_range("trace has no vector " + name);
  return it->second;
}

bool ngspice_available() { return ::access(ngspice_binary, X_OK) == 0; }

trace run_ngspice(const std::string& deck_path, const std::vector<std::string>& vectors) {
  if (!ngspice_available())
    throw std::runtime_error(std::string(ngspice_binary) + " is not installed");
  if (vectors.empty()) throw std::runtime_error("run_ngspice: no vectors requested");
  const std::string deck = rewrite_deck(read_text(deck_path), vectors);

  std::string tmpl = (fs::temp_directory_path() / "ionsim-ngspice-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr)
    throw std::runtime_error("cannot create a temporary directory for ngspice");
  const fs::path dir = tmpl;
  struct cleanup {
    fs::path d;
    ~cleanup() {
      if (std::getenv("IONSIM_KEEP_NGSPICE") == nullptr) {
        std::error_code ec;
        fs::remove_all(d, ec);
      }
    }
  } guard{dir};

  const std::string name = fs::path(deck_path).filename().string();
  {
    std::ofstream out(dir / name, std::ios::binary);
    out << deck;
    if (!out) throw std::runtime_error("cannot write the deck copy in " + dir.string());
  }
  // ngspice -b exits with status 1 even after a successful run of a deck with a .control
  // block (ngspice 39), so success is judged by the data file alone.
  const std::string cmd = "cd '" + dir.string() + "' && " + ngspice_binary + " -b '" + name +
                          "' > " + log_file + " 2>&1 < /dev/null";
  const int rc = std::system(cmd.c_str());
  (void)rc;
  try {
    return parse_wrdata(dir / data_file, vectors);
  } catch (const std::exception& e) {
    std::string log;
    try {
      log = read_text(dir / log_file);
    } catch (...) {
    }
    throw std::runtime_error("ngspice on " + deck_path + ": " + e.what() + "\n--- log ---\n" +
                             tail(log, 3000));
  }
}

double interpolate(const std::vector<double>& t, const std::vector<double>& v, double x) {
  if (t.empty() || t.size() != v.size()) throw std::invalid_argument("interpolate: bad trace");
  if (x <= t.front()) return v.front();
  if (x >= t.back()) return v.back();
  const auto it = std::upper_bound(t.begin(), t.end(), x);
  const auto j = static_cast<std::size_t>(it - t.begin());  // t[j-1] <= x < t[j]
  const double t0 = t[j - 1], t1 = t[j];
  if (t1 <= t0) return v[j];
  return v[j - 1] + (v[j] - v[j - 1]) * (x - t0) / (t1 - t0);
}

double max_error_on_grid(const trace& ref, const std::string& name,
                         const std::vector<double>& times, const std::vector<double>& values) {
  const auto& rv = ref.at(name);
  if (times.size() < 2 || times.size() != values.size())
    throw std::invalid_argument("max_error_on_grid: bad ionsim trace for " + name);
  const auto [lo, hi] = std::minmax_element(rv.begin(), rv.end());
  const double range = *hi - *lo;
  // Allow a rounding slack at the ends of ionsim's span.
  const double slack = 1e-9 * (times.back() - times.front());
  double err = 0;
  std::size_t used = 0;
  for (std::size_t i = 0; i < ref.t.size(); ++i) {
    const double x = ref.t[i];
    if (x < times.front() - slack || x > times.back() + slack) continue;
    err = std::max(err, std::fabs(interpolate(times, values, x) - rv[i]));
    ++used;
  }
  if (used == 0) throw std::invalid_argument("max_error_on_grid: no common time span for " + name);
  return range > 0 ? err / range : err;
}

std::vector<double> crossings(const std::vector<double>& t, const std::vector<double>& v,
                              double level, bool rising) {
  if (t.size() != v.size()) throw std::invalid_argument("crossings: t and v differ in length");
  std::vector<double> out;
  for (std::size_t i = 1; i < t.size(); ++i) {
    const double a = v[i - 1] - level, b = v[i] - level;
    const bool hit = rising ? (a < 0 && b >= 0) : (a > 0 && b <= 0);
    if (!hit) continue;
    out.push_back(t[i - 1] + (t[i] - t[i - 1]) * (-a) / (b - a));
  }
  return out;
}

std::vector<double> debounce(const std::vector<double>& times, double min_gap) {
  std::vector<double> out;
  for (double x : times)
    if (out.empty() || x - out.back() >= min_gap) out.push_back(x);
  return out;
}

std::vector<double> intervals(const std::vector<double>& times) {
  std::vector<double> out;
  for (std::size_t i = 1; i < times.size(); ++i) out.push_back(times[i] - times[i - 1]);
  return out;
}

}  // namespace ionsim::test
