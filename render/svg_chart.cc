#include "render/svg_chart.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>

namespace periscope::render {
namespace {

// Values beyond this are treated like NaN: no chart shows them usefully and
// they would overflow the range arithmetic.
constexpr double kMaxMagnitude = 1e20;

bool Usable(double v) { return std::isfinite(v) && std::fabs(v) <= kMaxMagnitude; }

std::string Color(const std::string& c) {
  bool ok =
      c.size() == 7 && c[0] == '#' && std::all_of(c.begin() + 1, c.end(), [](char ch) {
        return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F');
      });
  return ok ? c : "#777777";
}

std::string SanitizeId(std::string_view id) {
  std::string out;
  for (char c : id.substr(0, 64)) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_';
    out += ok ? c : '_';
  }
  return out;
}

std::string SanitizeClasses(std::string_view classes) {
  std::string out;
  for (char c : classes.substr(0, 128)) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == ' ';
    if (ok) out += c;
  }
  return out;
}

// A coordinate with one decimal; callers pass finite values.
std::string Num(double v) {
  if (!std::isfinite(v)) v = 0;
  std::string s = fmt::format("{:.1f}", v);
  if (s == "-0.0") s = "0.0";
  return s;
}

struct Range {
  double lo = std::numeric_limits<double>::infinity();
  double hi = -std::numeric_limits<double>::infinity();
  void Add(double v) {
    if (!Usable(v)) return;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  bool empty() const { return lo > hi; }
};

double TickStep(double lo, double hi, int target) {
  double span = hi - lo;
  double raw = span / std::max(1, target);
  double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double norm = raw / mag;
  double nice = norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10;
  return nice * mag;
}

class Mapper {
 public:
  Mapper(double x_lo, double x_hi, double y_lo, double y_hi, double left, double top, double w,
         double h)
      : x_lo_(x_lo), x_hi_(x_hi), y_lo_(y_lo), y_hi_(y_hi), left_(left), top_(top), w_(w), h_(h) {}
  // Pixel coordinates, clamped to a few plot sizes around the plot so that the
  // clip path hides them and the numbers stay small.
  double X(double day) const {
    double px = left_ + (day - x_lo_) / (x_hi_ - x_lo_) * w_;
    return std::clamp(px, left_ - 4 * w_, left_ + 5 * w_);
  }
  double Y(double value) const {
    double py = top_ + h_ - (value - y_lo_) / (y_hi_ - y_lo_) * h_;
    return std::clamp(py, top_ - 4 * h_, top_ + 5 * h_);
  }
  bool InX(double day) const { return day >= x_lo_ && day <= x_hi_; }
  bool InY(double value) const { return value >= y_lo_ && value <= y_hi_; }

 private:
  double x_lo_, x_hi_, y_lo_, y_hi_, left_, top_, w_, h_;
};

std::string Text(double x, double y, std::string_view anchor, std::string_view text,
                 std::string_view extra = {}) {
  return fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"{}\"{}>{}</text>", Num(x), Num(y),
                     anchor, extra, EscapeHtml(text, 200));
}

std::atomic<uint64_t> g_chart_serial{0};

}  // namespace

std::vector<double> NiceTicks(double lo, double hi, int target) {
  std::vector<double> ticks;
  if (!Usable(lo) || !Usable(hi) || !(hi > lo)) return ticks;
  double step = TickStep(lo, hi, target);
  if (!std::isfinite(step) || step <= 0) return ticks;
  double first = std::ceil(lo / step - 1e-9) * step;
  for (int i = 0; i < 100; ++i) {
    double v = first + i * step;
    if (v > hi + step * 1e-9) break;
    if (std::fabs(v) < step * 1e-9) v = 0;
    ticks.push_back(v);
  }
  return ticks;
}

std::string FormatTick(double value, double step, ValueFormat format) {
  if (!std::isfinite(value)) return "";
  if (!std::isfinite(step) || step <= 0) step = std::max(1.0, std::fabs(value));
  double unit = 1;
  std::string suffix;
  if (format == ValueFormat::kBytes) {
    static constexpr const char* kUnits[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};
    double top = std::max(std::fabs(value), step);
    size_t k = 0;
    while (k + 1 < std::size(kUnits) && top >= unit * 1000) {
      unit *= 1000;
      ++k;
    }
    suffix = std::string(" ") + kUnits[k];
  }
  double scaled_step = step / unit;
  int decimals =
      scaled_step >= 1 ? 0 : static_cast<int>(std::ceil(-std::log10(scaled_step) - 1e-9));
  return FormatDecimal(value / unit, std::clamp(decimals, 0, 6)) + suffix;
}

SafeHtml RenderTimeSeriesChart(const ChartSpec& spec) {
  const double width = std::clamp(spec.width, 200, 4000);
  const double height = std::clamp(spec.height, 120, 3000);
  const double left = 78, right_margin = 150, top = 34, bottom_margin = 62;
  const double plot_w = width - left - right_margin;
  const double plot_h = height - top - bottom_margin;

  // Ranges.
  Range xr, yr;
  bool any_data = false;
  for (const ChartSeries& s : spec.series) {
    for (const ChartPoint& p : s.points) {
      if (!Usable(p.day) || !Usable(p.value)) continue;
      any_data = true;
      xr.Add(p.day);
      if (s.extends_range) yr.Add(p.value);
    }
  }
  if (spec.band) {
    for (const auto& p : spec.band->points) {
      if (!Usable(p.day) || !Usable(p.lower) || !Usable(p.upper)) continue;
      any_data = true;
      xr.Add(p.day);
      if (spec.band->extends_range) {
        yr.Add(p.lower);
        yr.Add(p.upper);
      }
    }
  }
  for (const ReferenceLine& r : spec.reference_lines) yr.Add(r.value);
  if (spec.today_day) xr.Add(*spec.today_day);

  double x_lo = xr.empty() ? 0 : xr.lo, x_hi = xr.empty() ? 1 : xr.hi;
  if (spec.x_min && Usable(*spec.x_min)) x_lo = *spec.x_min;
  if (spec.x_max && Usable(*spec.x_max)) x_hi = *spec.x_max;
  if (!(x_hi > x_lo)) {
    double mid = x_lo;
    x_lo = mid - 1;
    x_hi = mid + 1;
  }
  double y_lo = yr.empty() ? 0 : std::min(0.0, yr.lo), y_hi = yr.empty() ? 1 : yr.hi;
  if (!(y_hi > y_lo)) y_hi = y_lo + std::max(1.0, std::fabs(y_lo) * 0.1);
  double y_step = TickStep(y_lo, y_hi, 5);
  if (!spec.y_min || !Usable(*spec.y_min)) y_lo = std::floor(y_lo / y_step) * y_step;
  if (!spec.y_max || !Usable(*spec.y_max)) y_hi = std::ceil(y_hi * 1.0001 / y_step) * y_step;
  if (spec.y_min && Usable(*spec.y_min)) y_lo = *spec.y_min;
  if (spec.y_max && Usable(*spec.y_max)) y_hi = *spec.y_max;
  if (!(y_hi > y_lo)) y_hi = y_lo + 1;

  Mapper m(x_lo, x_hi, y_lo, y_hi, left, top, plot_w, plot_h);
  std::string clip_id = spec.id.empty() ? fmt::format("chart-clip-{}", g_chart_serial.fetch_add(1))
                                        : "clip-" + SanitizeId(spec.id);

  std::string out;
  out.reserve(8192);
  std::string classes = "chart";
  std::string extra = SanitizeClasses(spec.css_class);
  if (!extra.empty()) classes += " " + extra;
  out += fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"{}\"{} role=\"img\" viewBox=\"0 0 {} {}\" "
      "width=\"{}\" height=\"{}\" font-family=\"sans-serif\" font-size=\"11\">",
      classes, spec.id.empty() ? "" : " id=\"" + SanitizeId(spec.id) + "\"", Num(width),
      Num(height), Num(width), Num(height));
  out += "<title>" + EscapeHtml(spec.title, 300) + "</title>";
  out += "<desc>" + EscapeHtml(spec.description, 2000) + "</desc>";
  out += fmt::format(
      "<defs><clipPath id=\"{}\"><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"/></clipPath>"
      "</defs>",
      clip_id, Num(left), Num(top), Num(plot_w), Num(plot_h));
  out += fmt::format(
      "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#ffffff\" "
      "stroke=\"#c9ced8\"/>",
      Num(left), Num(top), Num(plot_w), Num(plot_h));
  out += Text(left, 20, "start", spec.title, " font-size=\"13\" font-weight=\"600\"");

  // Grid and y ticks.
  std::vector<double> y_ticks = NiceTicks(y_lo, y_hi, 5);
  double tick_step = y_ticks.size() >= 2 ? y_ticks[1] - y_ticks[0] : y_hi - y_lo;
  for (double v : y_ticks) {
    double py = m.Y(v);
    out += fmt::format("<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#eceff4\"/>",
                       Num(left), Num(py), Num(left + plot_w), Num(py));
    out += Text(left - 6, py + 4, "end", FormatTick(v, tick_step, spec.y_format));
  }
  if (!spec.y_label.empty()) {
    out += fmt::format(
        "<text x=\"14\" y=\"{}\" text-anchor=\"middle\" transform=\"rotate(-90 14 {})\">{}</text>",
        Num(top + plot_h / 2), Num(top + plot_h / 2), EscapeHtml(spec.y_label, 200));
  }

  // X ticks: a day step from a fixed ladder, about six labels.
  static constexpr double kDaySteps[] = {1, 2, 7, 14, 30, 61, 91, 182, 365, 730, 1826, 3652};
  double x_span = x_hi - x_lo;
  double x_step = kDaySteps[std::size(kDaySteps) - 1];
  for (double s : kDaySteps) {
    if (x_span / s <= 6) {
      x_step = s;
      break;
    }
  }
  double x_first = std::ceil(x_lo / x_step) * x_step;
  for (int i = 0; i < 40; ++i) {
    double day = x_first + i * x_step;
    if (day > x_hi) break;
    double px = m.X(day);
    out += fmt::format("<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#eceff4\"/>",
                       Num(px), Num(top), Num(px), Num(top + plot_h));
    out += Text(px, top + plot_h + 16, "middle", FormatDay(day));
  }

  // Plotted content, clipped to the plot area.
  out += fmt::format("<g clip-path=\"url(#{})\">", clip_id);
  if (spec.band) {
    std::vector<ChartBand::Point> pts;
    for (const auto& p : spec.band->points) {
      if (Usable(p.day) && Usable(p.lower) && Usable(p.upper)) pts.push_back(p);
    }
    std::stable_sort(pts.begin(), pts.end(), [](auto& a, auto& b) { return a.day < b.day; });
    if (pts.size() >= 2) {
      std::string d;
      for (const auto& p : pts)
        d += (d.empty() ? "" : " ") + Num(m.X(p.day)) + "," + Num(m.Y(p.upper));
      for (auto it = pts.rbegin(); it != pts.rend(); ++it) {
        d += " " + Num(m.X(it->day)) + "," + Num(m.Y(it->lower));
      }
      out += fmt::format(
          "<polygon class=\"band\" points=\"{}\" fill=\"{}\" fill-opacity=\"0.18\" "
          "stroke=\"none\"/>",
          d, Color(spec.band->color));
    }
  }
  for (const ChartSeries& s : spec.series) {
    std::vector<ChartPoint> pts;
    for (const ChartPoint& p : s.points) {
      if (Usable(p.day) && Usable(p.value)) pts.push_back(p);
    }
    std::stable_sort(pts.begin(), pts.end(), [](auto& a, auto& b) { return a.day < b.day; });
    std::string color = Color(s.color);
    if (s.line && pts.size() >= 2) {
      std::string d;
      for (const ChartPoint& p : pts) {
        d += (d.empty() ? "M" : " L") + Num(m.X(p.day)) + " " + Num(m.Y(p.value));
      }
      out += fmt::format(
          "<path class=\"series\" d=\"{}\" fill=\"none\" stroke=\"{}\" "
          "stroke-width=\"1.8\"{}/>",
          d, color, s.dashed ? " stroke-dasharray=\"6 4\"" : "");
    }
    if (s.markers || (s.line && pts.size() == 1)) {
      for (const ChartPoint& p : pts) {
        if (!m.InX(p.day) || !m.InY(p.value)) continue;
        out += fmt::format("<circle cx=\"{}\" cy=\"{}\" r=\"2.2\" fill=\"{}\"/>", Num(m.X(p.day)),
                           Num(m.Y(p.value)), color);
      }
    }
  }
  out += "</g>";

  // Reference lines and the today marker, labelled outside the plot.
  for (const ReferenceLine& r : spec.reference_lines) {
    if (!Usable(r.value) || !m.InY(r.value)) continue;
    double py = m.Y(r.value);
    std::string color = Color(r.color);
    out += fmt::format(
        "<line class=\"reference\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" "
        "stroke=\"{}\" stroke-width=\"1.2\"{}/>",
        Num(left), Num(py), Num(left + plot_w), Num(py), color,
        r.dashed ? " stroke-dasharray=\"4 3\"" : "");
    out += Text(left + plot_w + 6, py + 4, "start", r.label, " fill=\"" + color + "\"");
  }
  if (spec.today_day && Usable(*spec.today_day) && m.InX(*spec.today_day)) {
    double px = m.X(*spec.today_day);
    out += fmt::format(
        "<line class=\"today\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" "
        "stroke=\"#333333\" stroke-dasharray=\"2 3\"/>",
        Num(px), Num(top), Num(px), Num(top + plot_h));
    out += Text(px, top - 4, "middle", "today");
  }
  if (!any_data) {
    out += Text(left + plot_w / 2, top + plot_h / 2, "middle", "no data", " fill=\"#5b6474\"");
  }

  // Legend below the date labels.
  double lx = left;
  double ly = height - 14;
  auto legend = [&](const std::string& label, const std::string& color, bool dashed, bool band) {
    if (label.empty()) return;
    std::string clean = CleanUtf8(label, 60, false);
    if (band) {
      out += fmt::format(
          "<rect x=\"{}\" y=\"{}\" width=\"18\" height=\"10\" fill=\"{}\" "
          "fill-opacity=\"0.25\"/>",
          Num(lx), Num(ly - 9), Color(color));
    } else {
      out += fmt::format(
          "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{}\" "
          "stroke-width=\"2\"{}/>",
          Num(lx), Num(ly - 4), Num(lx + 18), Num(ly - 4), Color(color),
          dashed ? " stroke-dasharray=\"5 3\"" : "");
    }
    out += Text(lx + 22, ly, "start", clean);
    lx += 22 + 6.5 * static_cast<double>(std::min<size_t>(clean.size(), 60)) + 16;
  };
  for (const ChartSeries& s : spec.series) legend(s.label, s.color, s.dashed, false);
  if (spec.band) legend(spec.band->label, spec.band->color, false, true);

  out += "</svg>";
  return SafeHtml::Trusted(std::move(out));
}

}  // namespace periscope::render
