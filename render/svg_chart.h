// Inline SVG time-series charts: x is days since 1970-01-01 (labelled as
// dates), y a value (plain numbers or bytes) with nice ticks. Series (points,
// lines, dashed projections), a translucent interval band, labelled horizontal
// reference lines and a vertical "today" marker. Styling is by presentation
// attributes only, so a chart needs no stylesheet and works under the strict
// CSP of render/html.h.
//
// Robust by contract: empty series, one point, constant values, huge values
// and NaN/inf inputs (skipped) all give well-formed SVG whose numbers are
// finite; anything outside the plotted range is clipped to the plot area.
// Every text (title, description, labels) is untrusted and escaped.
// Thread-safe: every function is pure.
#ifndef PERISCOPE_RENDER_SVG_CHART_H_
#define PERISCOPE_RENDER_SVG_CHART_H_

#include <optional>
#include <string>
#include <vector>

#include "render/html.h"

namespace periscope::render {

struct ChartPoint {
  double day = 0;  // days since 1970-01-01, fractional allowed
  double value = 0;
};

struct ChartSeries {
  std::string label;              // legend text, untrusted
  std::string color = "#1f5fbf";  // #rrggbb; anything else falls back to grey
  bool line = true;               // join the points
  bool markers = false;           // draw a dot per point
  bool dashed = false;
  // Whether the points widen the y range (observed data: yes; a projection
  // that may run off to infinity: no, it is clipped instead).
  bool extends_range = true;
  std::vector<ChartPoint> points;
};

// A filled band between lower and upper at each day (an interval).
struct ChartBand {
  std::string label;
  std::string color = "#e08a1e";
  bool extends_range = false;
  struct Point {
    double day = 0, lower = 0, upper = 0;
  };
  std::vector<Point> points;
};

struct ReferenceLine {
  double value = 0;
  std::string label;  // drawn at the right end, untrusted
  std::string color = "#a40000";
  bool dashed = true;
};

enum class ValueFormat { kPlain, kBytes };

struct ChartSpec {
  std::string id;           // element id (sanitised to [A-Za-z0-9_-]); none when empty
  std::string css_class;    // extra classes after "chart", e.g. "chart-capacity"
  std::string title;        // <title> and the heading line, untrusted
  std::string description;  // <desc>, untrusted
  std::string y_label;      // axis caption, untrusted
  ValueFormat y_format = ValueFormat::kPlain;
  std::vector<ChartSeries> series;
  std::optional<ChartBand> band;
  std::vector<ReferenceLine> reference_lines;  // always widen the y range
  std::optional<double> today_day;             // vertical marker
  // Overrides of the computed ranges (e.g. to show only a year ahead).
  std::optional<double> x_min, x_max;
  std::optional<double> y_min, y_max;
  int width = 760;
  int height = 320;
};

// An <svg class="chart ..." role="img"> element with <title> and <desc>.
SafeHtml RenderTimeSeriesChart(const ChartSpec& spec);

// Tick positions between lo and hi (inclusive range, lo < hi), about `target`
// of them at a 1-2-5 step; exposed for tests.
std::vector<double> NiceTicks(double lo, double hi, int target);

// A y tick label: plain numbers with digits enough for `step`, bytes in the
// unit that suits `step` ("1.5 TB").
std::string FormatTick(double value, double step, ValueFormat format);

}  // namespace periscope::render

#endif  // PERISCOPE_RENDER_SVG_CHART_H_
