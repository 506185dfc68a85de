// Markdown tables and SVG plots of evaluation results (see include/lethe/eval/report.h).
#include "lethe/eval/report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>

#include "lethe/core/error.h"

namespace lethe::eval {
namespace {

using Metrics = std::map<std::string, double>;

std::string fmt(std::optional<double> v, int decimals) {
  if (!v) return "-";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, *v);
  return buf;
}

std::optional<double> get(const Metrics& m, const std::string& k) {
  auto it = m.find(k);
  return it == m.end() ? std::nullopt : std::optional<double>(it->second);
}

// label -> merged metrics, in first-appearance order.
std::vector<std::pair<std::string, Metrics>> merge_rows(const std::vector<json>& results, bool* has_mc, bool* has_muse) {
  std::vector<std::pair<std::string, Metrics>> rows;
  for (const auto& r : results) {
    const std::string p = r.value("protocol", "");
    if (p == "wmdp" || p == "mmlu") *has_mc = true;
    if (p == "muse") *has_muse = true;
    const std::string label = result_label(r);
    auto it = std::find_if(rows.begin(), rows.end(), [&](const auto& x) { return x.first == label; });
    if (it == rows.end()) it = rows.insert(rows.end(), {label, {}});
    if (r.contains("metrics"))
      for (const auto& [k, v] : r["metrics"].items())
        if (v.is_number()) it->second[k] = v.get<double>();
  }
  return rows;
}

std::string xml_escape(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '<') o += "&lt;";
    else if (c == '>') o += "&gt;";
    else if (c == '&') o += "&amp;";
    else if (c == '"') o += "&quot;";
    else o += c;
  }
  return o;
}

// "Nice" tick values covering [lo, hi] (1-2-5 steps, about 5 ticks).
std::vector<double> ticks(double lo, double hi) {
  const double span = hi - lo, raw = span / 5;
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = mag;
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * mag >= raw) { step = m * mag; break; }
  std::vector<double> t;
  for (double v = std::ceil(lo / step) * step; v <= hi + 1e-9 * span; v += step) t.push_back(std::abs(v) < 1e-12 * span ? 0.0 : v);
  return t;
}

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

const char* kColors[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"};

// Plot frame: 720x440, plot area [80, 660] x [50, 370]; maps data to pixels.
struct Frame {
  double x0, x1, y0, y1;
  static constexpr double L = 80, R = 560, T = 50, B = 370;  // R: leaves room for the legend
  double px(double x) const { return L + (x - x0) / (x1 - x0) * (R - L); }
  double py(double y) const { return B - (y - y0) / (y1 - y0) * (B - T); }
};

Frame make_frame(double xmin, double xmax, double ymin, double ymax) {
  auto pad = [](double& lo, double& hi) {
    if (!(hi > lo)) lo -= 0.5, hi += 0.5;
    const double p = (hi - lo) * 0.05;
    lo -= p, hi += p;
  };
  pad(xmin, xmax);
  pad(ymin, ymax);
  return {xmin, xmax, ymin, ymax};
}

std::string axes(const Frame& f, const std::string& title, const std::string& xt, const std::string& yt) {
  std::ostringstream s;
  s << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"720\" height=\"440\" viewBox=\"0 0 720 440\" "
       "font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"720\" height=\"440\" fill=\"white\"/>\n";
  s << "<text x=\"" << (Frame::L + Frame::R) / 2 << "\" y=\"28\" text-anchor=\"middle\" font-size=\"16\">" << xml_escape(title) << "</text>\n";
  for (double t : ticks(f.x0, f.x1)) {
    const double x = f.px(t);
    s << "<line x1=\"" << x << "\" y1=\"" << Frame::T << "\" x2=\"" << x << "\" y2=\"" << Frame::B << "\" stroke=\"#e5e5e5\"/>"
      << "<text x=\"" << x << "\" y=\"" << Frame::B + 18 << "\" text-anchor=\"middle\">" << num(t) << "</text>\n";
  }
  for (double t : ticks(f.y0, f.y1)) {
    const double y = f.py(t);
    s << "<line x1=\"" << Frame::L << "\" y1=\"" << y << "\" x2=\"" << Frame::R << "\" y2=\"" << y << "\" stroke=\"#e5e5e5\"/>"
      << "<text x=\"" << Frame::L - 6 << "\" y=\"" << y + 4 << "\" text-anchor=\"end\">" << num(t) << "</text>\n";
  }
  s << "<rect x=\"" << Frame::L << "\" y=\"" << Frame::T << "\" width=\"" << Frame::R - Frame::L << "\" height=\"" << Frame::B - Frame::T
    << "\" fill=\"none\" stroke=\"black\"/>\n";
  s << "<text x=\"" << (Frame::L + Frame::R) / 2 << "\" y=\"" << Frame::B + 42 << "\" text-anchor=\"middle\">" << xml_escape(xt) << "</text>\n";
  s << "<text transform=\"translate(24," << (Frame::T + Frame::B) / 2 << ") rotate(-90)\" text-anchor=\"middle\">" << xml_escape(yt)
    << "</text>\n";
  return s.str();
}

}  // namespace

std::string result_label(const json& r) {
  if (r.contains("label") && r["label"].is_string() && !r["label"].get<std::string>().empty()) return r["label"].get<std::string>();
  return r.value("model", std::string("(unnamed)"));
}

std::string markdown_table(const std::vector<json>& results) {
  bool mc = false, muse = false;
  const auto rows = merge_rows(results, &mc, &muse);
  std::ostringstream s;
  s << "| Model |";
  if (mc) s << " 1-AccBio | 1-AccCyber | MMLU |";
  if (muse) s << " VerbMem Df | KnowMem Df | PrivLeak | KnowMem Dr |";
  s << "\n|---|";
  if (mc) s << "---:|---:|---:|";
  if (muse) s << "---:|---:|---:|---:|";
  s << "\n";
  for (const auto& [label, m] : rows) {
    s << "| " << label << " |";
    if (mc) s << " " << fmt(get(m, "wmdp_bio/1-acc"), 3) << " | " << fmt(get(m, "wmdp_cyber/1-acc"), 3) << " | " << fmt(get(m, "mmlu/acc"), 3) << " |";
    if (muse)
      s << " " << fmt(get(m, "verbmem_f"), 2) << " | " << fmt(get(m, "knowmem_f"), 2) << " | " << fmt(get(m, "privleak"), 2) << " | "
        << fmt(get(m, "knowmem_r"), 2) << " |";
    s << "\n";
  }
  return s.str();
}

std::vector<ScatterPoint> forget_utility_points(const std::vector<json>& results, std::string& axis_x, std::string& axis_y) {
  bool mc = false, muse = false;
  const auto rows = merge_rows(results, &mc, &muse);
  std::vector<ScatterPoint> pts;
  if (muse) {
    axis_x = "VerbMem on D_f (ROUGE-L F1 x100; lower = more forgotten)";
    axis_y = "KnowMem on D_r (utility, ROUGE-L F1 x100)";
    for (const auto& [label, m] : rows)
      if (auto x = get(m, "verbmem_f"), y = get(m, "knowmem_r"); x && y) pts.push_back({label, *x, *y});
    return pts;
  }
  axis_x = "forget efficacy: mean 1-Acc over WMDP subsets";
  axis_y = "MMLU accuracy (utility)";
  for (const auto& [label, m] : rows) {
    double sum = 0;
    int n = 0;
    for (const char* k : {"wmdp_bio/1-acc", "wmdp_cyber/1-acc", "wmdp_chem/1-acc"})
      if (auto v = get(m, k)) sum += *v, ++n;
    if (auto y = get(m, "mmlu/acc"); y && n) pts.push_back({label, sum / n, *y});
  }
  return pts;
}

std::string training_curves_svg(const std::vector<json>& log_lines, const std::string& title) {
  std::map<std::string, std::vector<std::pair<double, double>>> series;
  for (const auto& l : log_lines) {
    if (!l.is_object() || !l.contains("step") || !l["step"].is_number()) continue;
    const double step = l["step"].get<double>();
    for (const auto& [k, v] : l.items())
      if (k.find("loss") != std::string::npos && v.is_number() && std::isfinite(v.get<double>())) series[k].push_back({step, v.get<double>()});
  }
  if (series.empty()) throw ConfigError("training log has no line with a numeric 'step' and a numeric '*loss*' field");
  double xmin = INFINITY, xmax = -INFINITY, ymin = INFINITY, ymax = -INFINITY;
  for (const auto& [k, pts] : series)
    for (const auto& [x, y] : pts) xmin = std::min(xmin, x), xmax = std::max(xmax, x), ymin = std::min(ymin, y), ymax = std::max(ymax, y);
  const Frame f = make_frame(xmin, xmax, ymin, ymax);
  std::ostringstream s;
  s << axes(f, title, "step", "loss");
  size_t i = 0;
  for (const auto& [k, pts] : series) {
    const char* c = kColors[i % 8];
    s << "<polyline fill=\"none\" stroke=\"" << c << "\" stroke-width=\"1.8\" points=\"";
    for (const auto& [x, y] : pts) s << f.px(x) << "," << f.py(y) << " ";
    s << "\"/>\n";
    if (pts.size() == 1) s << "<circle cx=\"" << f.px(pts[0].first) << "\" cy=\"" << f.py(pts[0].second) << "\" r=\"3\" fill=\"" << c << "\"/>\n";
    const double ly = Frame::T + 10 + 18 * static_cast<double>(i);
    s << "<line x1=\"572\" y1=\"" << ly << "\" x2=\"592\" y2=\"" << ly << "\" stroke=\"" << c << "\" stroke-width=\"2\"/>"
      << "<text x=\"598\" y=\"" << ly + 4 << "\">" << xml_escape(k) << "</text>\n";
    ++i;
  }
  s << "</svg>\n";
  return s.str();
}

std::string scatter_svg(const std::vector<ScatterPoint>& points, const std::string& title, const std::string& x_title,
                        const std::string& y_title) {
  if (points.empty()) throw ConfigError("scatter plot: no run has both a forget and a utility number");
  double xmin = INFINITY, xmax = -INFINITY, ymin = INFINITY, ymax = -INFINITY;
  for (const auto& p : points) xmin = std::min(xmin, p.x), xmax = std::max(xmax, p.x), ymin = std::min(ymin, p.y), ymax = std::max(ymax, p.y);
  const Frame f = make_frame(xmin, xmax, ymin, ymax);
  std::ostringstream s;
  s << axes(f, title, x_title, y_title);
  for (size_t i = 0; i < points.size(); ++i) {
    const char* c = kColors[i % 8];
    const auto& p = points[i];
    s << "<circle cx=\"" << f.px(p.x) << "\" cy=\"" << f.py(p.y) << "\" r=\"5\" fill=\"" << c << "\"/>"
      << "<text x=\"" << f.px(p.x) + 8 << "\" y=\"" << f.py(p.y) - 6 << "\" fill=\"" << c << "\">" << xml_escape(p.label) << "</text>\n";
  }
  s << "</svg>\n";
  return s.str();
}

std::vector<json> read_jsonl(const std::string& path, size_t* skipped) {
  std::ifstream in(path);
  if (!in) throw FormatError(path, "cannot open file for reading");
  std::vector<json> out;
  size_t bad = 0;
  std::string line;
  while (std::getline(in, line)) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    try {
      out.push_back(json::parse(line));
    } catch (const json::parse_error&) {
      ++bad;
    }
  }
  if (skipped) *skipped = bad;
  return out;
}

}  // namespace lethe::eval
