// Forecasts of a device's used capacity and daily load peak (pure math, no I/O).
//
// Fits (as Zabbix's timeleft()/forecast()): linear, polynomial of degree 2 and
// 3, exponential and power (OLS on ln y, power also on ln x), logarithmic (OLS
// on ln x); x is days since just before the first sample of the segment
// (x = day - first_day + 1), so ln x is defined. Beyond Zabbix:
//  - the fit is chosen by rolling-origin holdout error (refit on the first k
//    days, score the next days; never by in-sample fit);
//  - a single outlier day is down-weighted (robust residual screen), and a level
//    shift starts a new segment: a capacity change (a disk added) or a large drop
//    in used bytes (data deleted); only the last segment is fitted;
//  - the crossing date has an 80% interval that carries the shape's
//    uncertainty: the posterior over the curvature k of the trend family
//    y = a + b (1 - e^(-k x)) / k (saturating, the line, accelerating), mixed
//    with the line alone by BIC weight, widened by the holdout errors;
//  - a saturating date integrates its time constant out: the curve is the
//    member at the posterior's median under relative error of the date;
//  - fewer than Options::min_days days (in the last segment): no forecast, with
//    a reason; flat or shrinking usage: no crossing within the horizon.
// Days are fractional days since 1970-01-01 (a sample of date D is day
// DaysFromDate(D)); crossing distances are fractional days after the last day.
// Thread-safe: every function is pure.
#ifndef PERISCOPE_REPORTS_FORECAST_H_
#define PERISCOPE_REPORTS_FORECAST_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace periscope::reports::forecast {

// The Zabbix fits, and kSaturating (beyond Zabbix): growth that slows towards a
// ceiling, y = c0 + c1 e^(-x / c2) (c1 < 0), a trend damped exponentially.
enum class FitKind {
  kLinear,
  kPolynomial2,
  kPolynomial3,
  kExponential,
  kLogarithmic,
  kPower,
  kSaturating,
};

// "linear", "polynomial2", "polynomial3", "exponential", "logarithmic", "power",
// "saturating".
std::string_view FitName(FitKind kind);

// Out-of-range options are replaced by their defaults (a NaN or non-positive
// horizon, a level outside (0, 1), ...).
struct Options {
  double threshold_pct = 85.0;   // warning threshold, percent of capacity
  double horizon_days = 1095.0;  // 3 years: crossings later than this are "none"
  double interval_level = 0.8;   // central prediction interval on the crossing date
  int min_days = 7;              // fewer days in the last segment: no forecast
  // A drop of used bytes by more than this share of capacity from one day to
  // the next starts a new segment (data deleted).
  double level_shift_share = 0.10;
};

// One day of a device's history. Days without a used figure are skipped.
struct UsageDay {
  int64_t day = 0;  // days since 1970-01-01
  std::optional<double> used_bytes;
  std::optional<double> capacity_bytes;  // the specification in effect that day
};

// One day's load peak (writes completed per sampling interval, seed 001 0032).
struct LoadDay {
  int64_t day = 0;
  std::optional<double> load_peak;
};

// The fitted curve of the last segment: value(day) for any day, and the
// interval band around it.
//
// `coefficients` are for display, in the kind's own parameterisation with
// x = day - origin_day (bytes or writes per interval as y):
//   linear y = c0 + c1 x; polynomialN y = sum ci x^i; exponential y = c0 e^(c1 x);
//   logarithmic y = c0 + c1 ln x; power y = c0 x^c1; saturating y = c0 + c1 e^(-x / c2).
// Value/Lower/Upper evaluate the same curve from an internal, numerically
// stable form (centred and scaled x, value scaled to about 1), so they stay
// finite for byte counts of 1e13 and more. Lower/Upper bound the mean curve at
// Options::interval_level; they widen with the distance from the data.
struct Model {
  FitKind kind = FitKind::kLinear;
  int64_t origin_day = 0;            // x = day - origin_day (origin = first day - 1)
  std::vector<double> coefficients;  // see above

  // Internal form: u = x (ln x for logarithmic and power, e^(-x / tau_days)
  // for saturating), t = (u -
  // u_center) / u_scale, z = sum beta_i t^i, value = value_scale * z (or
  // value_scale * e^z for exponential and power). `covariance` is (F'F)^-1 of
  // the fit (beta.size() squared, row-major); the band is z +- band_sigma *
  // sqrt(f' covariance f).
  double tau_days = 0;
  double u_center = 0;
  double u_scale = 1;
  double value_scale = 1;
  std::vector<double> beta;
  std::vector<double> covariance;
  double band_sigma = 0;

  double Value(double day) const;
  double Lower(double day) const;
  double Upper(double day) const;
};

// When a level is reached. All three are days after the last day of the
// series; nullopt when not reached within the horizon (for `upper_days` also
// when the slow end of the interval never gets there).
struct Crossing {
  double level = 0;                  // the value that is crossed (bytes, writes)
  std::optional<double> days;        // point estimate
  std::optional<double> lower_days;  // interval bounds (interval_level)
  std::optional<double> upper_days;
};

// A point of the projection for charts: the fit and its interval band.
struct ProjectionPoint {
  double day = 0;
  double value = 0;
  double lower = 0;
  double upper = 0;
};

struct SeriesForecast {
  bool ok = false;     // a model was fitted
  std::string reason;  // why there is no forecast, or "no exhaustion expected within the horizon"
  Model model;
  int64_t segment_first_day = 0;  // the fitted segment
  int64_t last_day = 0;
  double last_value = 0;                    // the last observed value
  double holdout_error = 0;                 // mean absolute holdout error, in the value's unit
  std::vector<Crossing> crossings;          // one per requested level, same order
  std::vector<ProjectionPoint> projection;  // weekly from the segment start to the horizon (or
                                            // a little past the last crossing)
  // Predicted value `days_ahead` after the last day, with the interval band
  // (day is last_day + days_ahead). REQUIRES: ok.
  ProjectionPoint Predict(double days_ahead) const;
};

// Forecasts a generic series of (day, value) with segment breaks, for the
// given levels. `breaks_before` lists indexes of `samples` that start a new
// segment (in addition to the detected drops: a fall by more than
// level_shift_share of the largest level from one kept day to the next).
// Samples may come unsorted; non-finite values are skipped; of several samples
// of one day the last one given counts. A single outlier day (far from the
// running median of its neighbours) is left out of the fit.
struct Sample {
  int64_t day = 0;
  double value = 0;
};
SeriesForecast ForecastSeries(std::span<const Sample> samples, std::span<const double> levels,
                              std::span<const size_t> breaks_before, const Options& options);

// One fit of `kind` over all of `samples` (no segments, no screen, no band):
// the building block of ForecastSeries, for charts of a chosen kind and for
// tests. Nullopt when the kind does not apply (ln of a non-positive value, too
// few distinct days, a saturating fit to growth that does not slow).
std::optional<Model> FitModel(FitKind kind, std::span<const Sample> samples);

// Used capacity against the capacity in effect on the last day: crossings[0] is
// threshold_pct of it, crossings[1] is 100%. A capacity change starts a segment.
SeriesForecast ForecastCapacity(std::span<const UsageDay> days, const Options& options);

// The daily load peak against `rated_load` (writes per interval): crossings[0]
// is `pct` percent of it. Peaks are noisy and weekly: the series fitted is the
// highest peak of the trailing 7 days, with a linear trend only, and falls in
// load never start a segment.
SeriesForecast ForecastLoad(std::span<const LoadDay> days, double rated_load, double pct,
                            const Options& options);

// Zabbix's timeleft(..., threshold, linear) over the whole series (no
// segments, no holdout, no outlier screen; x is the day): days after the last
// sample until the least-squares line reaches `threshold`; 0 when the line is
// already past it at the last sample; nullopt when it never does (slope <= 0)
// or there are fewer than two distinct days. The baseline of the quality
// benchmark.
std::optional<double> ZabbixLinearTimeleft(std::span<const Sample> samples, double threshold);

}  // namespace periscope::reports::forecast

#endif  // PERISCOPE_REPORTS_FORECAST_H_
