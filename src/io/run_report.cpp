// A run's report as JSON and as an SVG plot (run_report.h).
#include "zklora/io/run_report.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <utility>

namespace zklora {
namespace {

// ---- report.json ----------------------------------------------------------------------------------------------

nlohmann::json real_json(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }

// A count of one listed step: an integer >= 0 (the step number's own check is its place in the list).
Result<int64_t> count_field(const nlohmann::json& e, const char* key) {
  const auto it = e.find(key);
  if (it == e.end()) return make_error(ErrorCode::INVALID_ARGUMENT, std::string("no \"") + key + "\"");
  const bool fits = it->is_number_integer() && (it->is_number_unsigned()
                                                    ? it->get<uint64_t>() <= uint64_t{INT64_MAX}
                                                    : it->get<int64_t>() >= 0);
  if (!fits) return make_error(ErrorCode::INVALID_ARGUMENT, std::string("\"") + key + "\" is not a count");
  return it->get<int64_t>();
}

// A real of one listed step; null stands for a value that was not finite.
Result<double> real_field(const nlohmann::json& e, const char* key) {
  const auto it = e.find(key);
  if (it == e.end()) return make_error(ErrorCode::INVALID_ARGUMENT, std::string("no \"") + key + "\"");
  if (it->is_null()) return std::numeric_limits<double>::quiet_NaN();
  if (!it->is_number()) return make_error(ErrorCode::INVALID_ARGUMENT, std::string("\"") + key + "\" is not a number");
  return it->get<double>();
}

// ---- report.svg -----------------------------------------------------------------------------------------------

// The canvas (pixels): both panels span [kLeft, kWidth - kRight] and share the step axis.
constexpr double kWidth = 760, kHeight = 560, kLeft = 80, kRight = 24;
constexpr double kPlotWidth = kWidth - kLeft - kRight;
struct Panel {
  double top, height;
  double bottom() const { return top + height; }
};
constexpr Panel kLossPanel{76, 170}, kTimePanel{316, 170};
// Beyond this many points a marker is drawn on every k-th point only, so that markers do not merge.
constexpr size_t kMaxMarkers = 60;

// What the plot shows of a value: finite and small enough to print in fixed notation.
bool plottable(double v) { return std::isfinite(v) && std::abs(v) <= 1e12; }

// Fixed notation; `v` is plottable or a canvas coordinate, so the text is short and never "nan" or "inf".
std::string num(double v, int decimals) {
  if (!plottable(v)) v = 0;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  std::string s = buf;
  if (s[0] == '-' && s.find_first_not_of("-0.") == std::string::npos) s.erase(0, 1);  // "-0.0"
  return s;
}
std::string px(double v) { return num(v, 1); }

std::string escape(const std::string& text) {
  std::string out;
  for (const char ch : text) {
    switch (ch) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += static_cast<unsigned char>(ch) < 0x20 ? ' ' : ch;  // control characters are not XML
    }
  }
  return out;
}

// The spacing among 1, 2, 5 x 10^k nearest above span / target (span > 0).
double nice_step(double span, double target) {
  const double raw = span / target;
  const double p = std::pow(10.0, std::floor(std::log10(raw)));
  const double f = raw / p;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p;
}

// A value axis: the domain widened to whole ticks, never of zero width.
struct Axis {
  double lo = 0, hi = 1, tick = 0.25;
  int decimals = 2;  // of the tick labels
  double y(const Panel& p, double v) const { return p.bottom() - (v - lo) / (hi - lo) * p.height; }
};

Axis value_axis(double lo, double hi) {
  if (hi - lo <= 1e-6 * std::max(1.0, std::abs(hi))) {  // equal values: a flat line mid-panel
    const double pad = std::max(0.1 * std::abs(hi), 0.5);
    lo -= pad;
    hi += pad;
  }
  Axis a;
  a.tick = nice_step(hi - lo, 4);
  a.lo = std::floor(lo / a.tick) * a.tick;
  a.hi = std::ceil(hi / a.tick) * a.tick;
  a.decimals = std::clamp(static_cast<int>(-std::floor(std::log10(a.tick) + 1e-9)), 0, 8);
  return a;
}

// The range of the plottable values `get` picks; false when there is none.
template <class Get>
bool value_range(std::span<const StepReport> steps, Get get, double& lo, double& hi) {
  bool any = false;
  for (const StepReport& s : steps) {
    const double v = get(s);
    if (!plottable(v)) continue;
    lo = any ? std::min(lo, v) : v;
    hi = any ? std::max(hi, v) : v;
    any = true;
  }
  return any;
}

// The step axis: one band per step number in [first, last], integer ticks.
struct StepAxis {
  double first = 1, last = 1;  // doubles: any two int64 step numbers make a band count without overflow
  double x(double step) const { return kLeft + (step - (first - 0.5)) / (last - first + 1) * kPlotWidth; }
  double band() const { return kPlotWidth / (last - first + 1); }
};

void text(std::string& out, double x, double y, const std::string& s, const char* attrs = "") {
  out += "<text x=\"" + px(x) + "\" y=\"" + px(y) + "\"" + attrs + ">" + escape(s) + "</text>\n";
}

void line(std::string& out, double x1, double y1, double x2, double y2, const char* stroke) {
  out += "<line x1=\"" + px(x1) + "\" y1=\"" + px(y1) + "\" x2=\"" + px(x2) + "\" y2=\"" + px(y2) +
         "\" stroke=\"" + stroke + "\"/>\n";
}

// A panel's heading, grid, y ticks and axes, and x ticks (labelled under the bottom panel only).
void draw_frame(std::string& out, const Panel& p, const Axis& a, const StepAxis& sx, const std::string& heading,
                const std::string& unit, bool x_labels, bool empty) {
  const double right = kWidth - kRight;
  text(out, kLeft, p.top - 10, heading, " font-weight=\"bold\"");
  for (int k = 0; k <= 20; ++k) {
    const double v = a.lo + k * a.tick;
    if (v > a.hi + 1e-9 * a.tick) break;
    const double y = a.y(p, v);
    line(out, kLeft, y, right, y, "#e4e4e4");
    line(out, kLeft - 4, y, kLeft, y, "#333");
    text(out, kLeft - 7, y + 4, num(std::abs(v) < 1e-9 * a.tick ? 0 : v, a.decimals), " text-anchor=\"end\"");
  }
  const double tick = std::max(1.0, nice_step(sx.last - sx.first + 1, 8));
  for (int k = 0; k <= 20; ++k) {
    const double s = (std::ceil(sx.first / tick) + k) * tick;
    if (s > sx.last) break;
    line(out, sx.x(s), p.bottom(), sx.x(s), p.bottom() + 4, "#333");
    if (x_labels) text(out, sx.x(s), p.bottom() + 17, num(s, 0), " text-anchor=\"middle\"");
  }
  line(out, kLeft, p.top, kLeft, p.bottom(), "#333");
  line(out, kLeft, p.bottom(), right, p.bottom(), "#333");
  const std::string cy = px(p.top + p.height / 2);
  out += "<text x=\"20\" y=\"" + cy + "\" text-anchor=\"middle\" transform=\"rotate(-90 20 " + cy + ")\">" +
         escape(unit) + "</text>\n";
  if (empty) text(out, kLeft + kPlotWidth / 2, p.top + p.height / 2, "no finite values", " text-anchor=\"middle\"");
}

}  // namespace

std::string report_json(std::span<const StepReport> steps) {
  nlohmann::json list = nlohmann::json::array();
  for (const StepReport& s : steps) {
    list.push_back({{"step", s.step},
                    {"loss", real_json(s.loss)},
                    {"tokens", s.tokens},
                    {"witness_s", real_json(s.witness_s)},
                    {"commit_s", real_json(s.commit_s)},
                    {"prove_s", real_json(s.prove_s)},
                    {"proof_bytes", s.proof_bytes},
                    {"peak_rss_mb", real_json(s.peak_rss_mb)},
                    {"subproofs", s.subproofs},
                    {"subproofs_s", real_json(s.subproofs_s)},
                    {"largest_subproof_s", real_json(s.largest_subproof_s)},
                    {"largest_subproof", s.largest_subproof},
                    {"subproofs_bytes", s.subproofs_bytes},
                    {"largest_subproof_bytes", s.largest_subproof_bytes},
                    {"cuts_bytes", s.cuts_bytes}});
  }
  return nlohmann::json{{"steps", list}}.dump(1) + "\n";
}

Result<std::vector<StepReport>> parse_report_json(const std::string& text, const std::string& where) {
  const auto bad = [&](const std::string& m) { return make_error(ErrorCode::INVALID_ARGUMENT, where + ": " + m); };
  const nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded()) return bad("not JSON");
  if (!j.is_object() || !j.contains("steps") || !j["steps"].is_array()) return bad("no \"steps\" list");
  std::vector<StepReport> out;
  for (const nlohmann::json& e : j["steps"]) {
    const std::string item = "steps[" + std::to_string(out.size()) + "]: ";
    if (!e.is_object()) return bad(item + "not an object");
    StepReport s;
    const std::pair<const char*, int64_t*> counts[] = {
        {"step", &s.step}, {"tokens", &s.tokens}, {"proof_bytes", &s.proof_bytes}};
    for (const auto& [key, field] : counts) {
      auto v = count_field(e, key);
      if (!v) return bad(item + v.error().message);
      *field = v.value();
    }
    // The sub-proofs' figures: absent from the reports of whole-step proofs (step files of version 2).
    const std::pair<const char*, int64_t*> part_counts[] = {{"subproofs", &s.subproofs},
                                                            {"subproofs_bytes", &s.subproofs_bytes},
                                                            {"largest_subproof_bytes", &s.largest_subproof_bytes},
                                                            {"cuts_bytes", &s.cuts_bytes}};
    for (const auto& [key, field] : part_counts) {
      if (!e.contains(key)) continue;
      auto v = count_field(e, key);
      if (!v) return bad(item + v.error().message);
      *field = v.value();
    }
    const std::pair<const char*, double*> reals[] = {{"loss", &s.loss},         {"witness_s", &s.witness_s},
                                                     {"commit_s", &s.commit_s}, {"prove_s", &s.prove_s},
                                                     {"peak_rss_mb", &s.peak_rss_mb}};
    for (const auto& [key, field] : reals) {
      auto v = real_field(e, key);
      if (!v) return bad(item + v.error().message);
      *field = v.value();
    }
    const std::pair<const char*, double*> part_reals[] = {{"subproofs_s", &s.subproofs_s},
                                                          {"largest_subproof_s", &s.largest_subproof_s}};
    for (const auto& [key, field] : part_reals) {
      if (!e.contains(key)) continue;
      auto v = real_field(e, key);
      if (!v) return bad(item + v.error().message);
      *field = v.value();
    }
    if (const auto largest = e.find("largest_subproof"); largest != e.end()) {
      if (!largest->is_string()) return bad(item + "\"largest_subproof\" is not a name");
      s.largest_subproof = largest->get<std::string>();
    }
    const auto expected = static_cast<int64_t>(out.size()) + 1;
    if (s.step != expected) {
      return bad(item + "step " + std::to_string(s.step) + " where step " + std::to_string(expected) +
                 " belongs (steps are listed 1, 2, 3, ... in order)");
    }
    out.push_back(s);
  }
  return out;
}

std::string report_svg(std::span<const StepReport> steps, const std::string& title) {
  const double height = steps.empty() ? 110 : kHeight;
  std::string out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + num(kWidth, 0) + "\" height=\"" +
                    num(height, 0) + "\" viewBox=\"0 0 " + num(kWidth, 0) + " " + num(height, 0) +
                    "\" font-family=\"sans-serif\" font-size=\"12\">\n";
  out += "<title>" + escape(title) + "</title>\n";
  out += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  text(out, kLeft, 28, title, " font-size=\"16\" font-weight=\"bold\"");
  if (steps.empty()) {
    text(out, kLeft, 60, "no steps yet");
    return out + "</svg>\n";
  }

  StepAxis sx;
  sx.first = sx.last = static_cast<double>(steps.front().step);
  for (const StepReport& s : steps) {
    sx.first = std::min(sx.first, static_cast<double>(s.step));
    sx.last = std::max(sx.last, static_cast<double>(s.step));
  }
  // Summary: the last finite loss and the total prove time.
  std::string summary = std::to_string(steps.size()) + (steps.size() == 1 ? " step" : " steps");
  for (auto it = steps.rbegin(); it != steps.rend(); ++it) {
    if (!plottable(it->loss)) continue;
    summary += "; last proven loss " + num(it->loss, 4) + " nats (step " + std::to_string(it->step) + ")";
    break;
  }
  double total = 0;
  for (const StepReport& s : steps) total += plottable(s.prove_s) ? s.prove_s : 0;
  text(out, kLeft, 48, summary + "; total prove time " + num(total, 2) + " s", " fill=\"#555\"");

  // The loss: a polyline through the finite values, markers thinned to at most about kMaxMarkers.
  double lo = 0, hi = 1;
  const bool any_loss = value_range(steps, [](const StepReport& s) { return s.loss; }, lo, hi);
  const Axis la = any_loss ? value_axis(lo, hi) : Axis{};
  draw_frame(out, kLossPanel, la, sx, "proven loss per step (mean cross-entropy over the batch's targets)",
             "loss (nats)", false, !any_loss);
  std::vector<std::pair<double, double>> points;
  for (const StepReport& s : steps) {
    if (plottable(s.loss)) points.emplace_back(sx.x(static_cast<double>(s.step)), la.y(kLossPanel, s.loss));
  }
  if (points.size() >= 2) {
    out += "<polyline fill=\"none\" stroke=\"#1f6fb4\" stroke-width=\"1.5\" points=\"";
    for (size_t i = 0; i < points.size(); ++i) {
      out += (i ? " " : "") + px(points[i].first) + "," + px(points[i].second);
    }
    out += "\"/>\n";
  }
  const size_t stride = (points.size() + kMaxMarkers - 1) / kMaxMarkers;
  const char* radius = points.size() <= kMaxMarkers ? "3" : "2";
  for (size_t i = 0; i < points.size(); ++i) {
    if (i % std::max<size_t>(stride, 1) != 0 && i + 1 != points.size()) continue;
    out += "<circle cx=\"" + px(points[i].first) + "\" cy=\"" + px(points[i].second) + "\" r=\"" + radius +
           "\" fill=\"#1f6fb4\"/>\n";
  }

  // The prove time: one bar per step from 0, on an axis that always holds 0.
  const bool any_time = value_range(steps, [](const StepReport& s) { return s.prove_s; }, lo, hi);
  if (!any_time) lo = hi = 0;
  lo = std::min(lo, 0.0);
  hi = std::max(hi, 0.0);
  if (hi - lo <= 1e-9) hi = lo + 1;
  const Axis ta = value_axis(lo, hi);
  draw_frame(out, kTimePanel, ta, sx, "prove time per step", "prove time (s)", true, !any_time);
  const double width = std::max(0.5, 0.7 * sx.band());
  for (const StepReport& s : steps) {
    if (!plottable(s.prove_s)) continue;
    const double y0 = ta.y(kTimePanel, 0), y1 = ta.y(kTimePanel, s.prove_s);
    out += "<rect x=\"" + px(sx.x(static_cast<double>(s.step)) - width / 2) + "\" y=\"" + px(std::min(y0, y1)) +
           "\" width=\"" + px(width) + "\" height=\"" + px(std::abs(y1 - y0)) + "\" fill=\"#e07b24\"/>\n";
  }
  text(out, kLeft + kPlotWidth / 2, kTimePanel.bottom() + 40, "step", " text-anchor=\"middle\"");
  return out + "</svg>\n";
}

}  // namespace zklora
