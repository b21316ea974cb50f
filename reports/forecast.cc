#include "reports/forecast.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <numeric>
#include <string>
#include <utility>

namespace periscope::reports::forecast {
namespace {

constexpr double kMaxExponent = 600.0;  // e^600 * 1e13 stays finite
constexpr double kHuge = 1e300;

constexpr std::array<FitKind, 7> kAllKinds = {
    FitKind::kLinear,      FitKind::kLogarithmic, FitKind::kExponential, FitKind::kPower,
    FitKind::kPolynomial2, FitKind::kSaturating,  FitKind::kPolynomial3};

// Simpler kinds first; a more complex kind has to be clearly better.
int Complexity(FitKind kind) {
  switch (kind) {
    case FitKind::kLinear:
      return 0;
    case FitKind::kLogarithmic:
    case FitKind::kExponential:
    case FitKind::kPower:
      return 1;
    case FitKind::kPolynomial2:
    case FitKind::kSaturating:
      return 2;
    case FitKind::kPolynomial3:
      return 3;
  }
  return 3;
}

size_t ParameterCount(FitKind kind) {
  switch (kind) {
    case FitKind::kPolynomial2:
    case FitKind::kSaturating:
      return 3;
    case FitKind::kPolynomial3:
      return 4;
    default:
      return 2;
  }
}

// Features of the linear part (the saturating kind's time constant is found by search).
size_t FeatureCount(FitKind kind) {
  return kind == FitKind::kSaturating ? 2 : ParameterCount(kind);
}

bool LogX(FitKind kind) { return kind == FitKind::kLogarithmic || kind == FitKind::kPower; }
bool LogY(FitKind kind) { return kind == FitKind::kExponential || kind == FitKind::kPower; }

double Finite(double v) {
  if (std::isnan(v)) return 0.0;
  return std::clamp(v, -kHuge, kHuge);
}

// Inverse of the standard normal CDF by bisection (p in (0, 1)).
double NormalQuantile(double p) {
  double lo = -10.0;
  double hi = 10.0;
  for (int i = 0; i < 100; ++i) {
    double mid = (lo + hi) / 2;
    double cdf = 0.5 * std::erfc(-mid / std::sqrt(2.0));
    (cdf < p ? lo : hi) = mid;
  }
  return (lo + hi) / 2;
}

// Linear-interpolated empirical quantile; `v` is sorted in place.
double Quantile(std::vector<double>& v, double q) {
  if (v.empty()) return 0.0;
  std::sort(v.begin(), v.end());
  double pos = q * static_cast<double>(v.size() - 1);
  size_t i = static_cast<size_t>(std::floor(pos));
  if (i + 1 >= v.size()) return v.back();
  double frac = pos - static_cast<double>(i);
  return v[i] * (1 - frac) + v[i + 1] * frac;
}

double Median(std::vector<double> v) { return Quantile(v, 0.5); }

// The feature vector [1, t, t^2, ...] of `p` entries.
void Features(double t, size_t p, double* f) {
  double power = 1.0;
  for (size_t i = 0; i < p; ++i) {
    f[i] = power;
    power *= t;
  }
}

double ModelU(FitKind kind, double tau_days, double x) {
  if (kind == FitKind::kSaturating) return std::exp(-std::max(x, 0.0) / tau_days);
  return LogX(kind) ? std::log(std::max(x, 1e-9)) : x;
}

double ModelZ(const Model& m, double day) {
  double x = day - static_cast<double>(m.origin_day);
  double t = (ModelU(m.kind, m.tau_days, x) - m.u_center) / m.u_scale;
  std::array<double, 4> f{};
  Features(t, m.beta.size(), f.data());
  double z = 0;
  for (size_t i = 0; i < m.beta.size(); ++i) z += m.beta[i] * f[i];
  return z;
}

double ModelHalfWidth(const Model& m, double day) {
  size_t p = m.beta.size();
  if (m.covariance.size() != p * p || m.band_sigma <= 0) return 0.0;
  double x = day - static_cast<double>(m.origin_day);
  double t = (ModelU(m.kind, m.tau_days, x) - m.u_center) / m.u_scale;
  std::array<double, 4> f{};
  Features(t, p, f.data());
  double q = 0;
  for (size_t i = 0; i < p; ++i) {
    for (size_t j = 0; j < p; ++j) q += f[i] * m.covariance[i * p + j] * f[j];
  }
  return m.band_sigma * std::sqrt(std::max(q, 0.0));
}

double ZToValue(const Model& m, double z) {
  if (LogY(m.kind)) return Finite(m.value_scale * std::exp(std::min(z, kMaxExponent)));
  return Finite(m.value_scale * z);
}

// Inverts the p x p matrix `a` (row-major) by Gauss-Jordan with partial
// pivoting; false when it is (numerically) singular.
bool Invert(std::vector<double> a, size_t p, std::vector<double>& inv) {
  inv.assign(p * p, 0.0);
  for (size_t i = 0; i < p; ++i) inv[i * p + i] = 1.0;
  double scale = 0;
  for (double v : a) scale = std::max(scale, std::fabs(v));
  if (scale == 0 || !std::isfinite(scale)) return false;
  for (size_t col = 0; col < p; ++col) {
    size_t pivot = col;
    for (size_t r = col + 1; r < p; ++r) {
      if (std::fabs(a[r * p + col]) > std::fabs(a[pivot * p + col])) pivot = r;
    }
    if (std::fabs(a[pivot * p + col]) < 1e-12 * scale) return false;
    if (pivot != col) {
      for (size_t k = 0; k < p; ++k) {
        std::swap(a[pivot * p + k], a[col * p + k]);
        std::swap(inv[pivot * p + k], inv[col * p + k]);
      }
    }
    double d = a[col * p + col];
    for (size_t k = 0; k < p; ++k) {
      a[col * p + k] /= d;
      inv[col * p + k] /= d;
    }
    for (size_t r = 0; r < p; ++r) {
      if (r == col) continue;
      double factor = a[r * p + col];
      if (factor == 0) continue;
      for (size_t k = 0; k < p; ++k) {
        a[r * p + k] -= factor * a[col * p + k];
        inv[r * p + k] -= factor * inv[col * p + k];
      }
    }
  }
  return true;
}

// A point of a segment: x = day - origin (>= 1), y = value / value_scale.
struct Point {
  double x = 0;
  double y = 0;
};

struct FitResult {
  Model model;
  double sigma = 0;  // residual standard deviation of z
  bool ok = false;
};

// OLS of the kind on `points` (value-scaled). Fails when the kind does not
// apply (ln of a non-positive value) or the system is singular.
FitResult FitKindOnWithTau(FitKind kind, double tau_days, std::span<const Point> points,
                           int64_t origin_day, double value_scale) {
  FitResult r;
  size_t p = FeatureCount(kind);
  size_t dof_used = ParameterCount(kind);
  size_t n = points.size();
  if (n < dof_used || (kind != FitKind::kLinear && n < dof_used + 1)) return r;
  std::vector<double> u(n);
  std::vector<double> z(n);
  for (size_t i = 0; i < n; ++i) {
    if (LogY(kind) && !(points[i].y > 0)) return r;
    u[i] = ModelU(kind, tau_days, points[i].x);
    z[i] = LogY(kind) ? std::log(points[i].y) : points[i].y;
  }
  auto [umin, umax] = std::minmax_element(u.begin(), u.end());
  double center = (*umin + *umax) / 2;
  double half_range = (*umax - *umin) / 2;
  if (!(half_range > 0)) return r;
  std::vector<double> ftf(p * p, 0.0);
  std::vector<double> ftz(p, 0.0);
  std::array<double, 4> f{};
  for (size_t i = 0; i < n; ++i) {
    Features((u[i] - center) / half_range, p, f.data());
    for (size_t a = 0; a < p; ++a) {
      ftz[a] += f[a] * z[i];
      for (size_t b = 0; b < p; ++b) ftf[a * p + b] += f[a] * f[b];
    }
  }
  std::vector<double> inv;
  if (!Invert(ftf, p, inv)) return r;
  Model& m = r.model;
  m.kind = kind;
  m.tau_days = tau_days;
  m.origin_day = origin_day;
  m.u_center = center;
  m.u_scale = half_range;
  m.value_scale = value_scale;
  m.beta.assign(p, 0.0);
  for (size_t a = 0; a < p; ++a) {
    for (size_t b = 0; b < p; ++b) m.beta[a] += inv[a * p + b] * ftz[b];
  }
  m.covariance = inv;
  double rss = 0;
  for (size_t i = 0; i < n; ++i) {
    Features((u[i] - center) / half_range, p, f.data());
    double zhat = 0;
    for (size_t a = 0; a < p; ++a) zhat += m.beta[a] * f[a];
    rss += (z[i] - zhat) * (z[i] - zhat);
  }
  r.sigma = n > dof_used ? std::sqrt(rss / static_cast<double>(n - dof_used)) : 0.0;
  for (double b : m.beta) {
    if (!std::isfinite(b)) return r;
  }
  // Display coefficients: expand sum beta_i ((u - c) / s)^i into powers of u.
  std::vector<double> a(p, 0.0);
  for (size_t i = 0; i < p; ++i) {
    // beta_i * s^-i * (u - c)^i = beta_i s^-i sum_j C(i,j) u^j (-c)^(i-j)
    double coef = m.beta[i] / std::pow(half_range, static_cast<double>(i));
    double binom = 1;
    for (size_t j = 0; j <= i; ++j) {
      if (j > 0) binom = binom * static_cast<double>(i - j + 1) / static_cast<double>(j);
      a[j] += coef * binom * std::pow(-center, static_cast<double>(i - j));
    }
  }
  if (kind == FitKind::kSaturating) {
    m.coefficients = {Finite(a[0] * value_scale), Finite(a[1] * value_scale), tau_days};
  } else if (LogY(kind)) {
    m.coefficients = {Finite(value_scale * std::exp(std::min(a[0], kMaxExponent))), Finite(a[1])};
  } else {
    m.coefficients.clear();
    for (double c : a) m.coefficients.push_back(Finite(c * value_scale));
  }
  r.ok = true;
  return r;
}

// The saturating fit searches its time constant on a grid (from a tenth of the
// segment to far beyond it) and keeps the least squares; a ceiling that is
// not approached (c1 >= 0: accelerating) is not this kind.
FitResult FitKindOn(FitKind kind, std::span<const Point> points, int64_t origin_day,
                    double value_scale) {
  if (kind != FitKind::kSaturating) {
    return FitKindOnWithTau(kind, 0, points, origin_day, value_scale);
  }
  FitResult best;
  double best_rss = std::numeric_limits<double>::infinity();
  double span_days = points.empty() ? 1.0 : std::max(1.0, points.back().x);
  constexpr double kTauStep = 1.3;
  for (double tau = span_days / 10; tau <= span_days * 50; tau *= kTauStep) {
    FitResult r = FitKindOnWithTau(kind, tau, points, origin_day, value_scale);
    if (!r.ok) continue;
    double rss = r.sigma * r.sigma;
    if (rss < best_rss) {
      best_rss = rss;
      best = std::move(r);
    }
  }
  // Refine the time constant between the grid neighbours (golden section on ln tau).
  if (best.ok) {
    double lo = std::log(best.model.tau_days / kTauStep);
    double hi = std::log(best.model.tau_days * kTauStep);
    auto rss_at = [&](double log_tau) {
      FitResult r = FitKindOnWithTau(kind, std::exp(log_tau), points, origin_day, value_scale);
      return r.ok ? r.sigma : std::numeric_limits<double>::infinity();
    };
    constexpr double kGolden = 0.6180339887498949;
    double a = hi - kGolden * (hi - lo);
    double b = lo + kGolden * (hi - lo);
    double fa = rss_at(a);
    double fb = rss_at(b);
    for (int i = 0; i < 16; ++i) {
      if (fa < fb) {
        hi = b;
        b = a;
        fb = fa;
        a = hi - kGolden * (hi - lo);
        fa = rss_at(a);
      } else {
        lo = a;
        a = b;
        fa = fb;
        b = lo + kGolden * (hi - lo);
        fb = rss_at(b);
      }
    }
    FitResult refined =
        FitKindOnWithTau(kind, std::exp((lo + hi) / 2), points, origin_day, value_scale);
    if (refined.ok && refined.sigma <= best.sigma) best = std::move(refined);
  }
  // y grows when e^(-x/tau) falls: the coefficient of t must be negative.
  if (best.ok && !(best.model.beta[1] < 0)) best.ok = false;
  return best;
}

double FitValueScaled(const Model& m, double x) {
  // Value in the scaled unit (value / value_scale) at x.
  return ZToValue(m, ModelZ(m, x + static_cast<double>(m.origin_day))) / m.value_scale;
}

// True when the kind's curve keeps one direction (that of its slope at the
// last point) from the last point until it reaches `top` or the horizon ends.
bool Monotone(const Model& m, double last_x, double horizon_days, double top_scaled) {
  double step = std::max(1.0, horizon_days / 200.0);
  double prev = FitValueScaled(m, last_x);
  double dir = FitValueScaled(m, last_x + 1) - prev;
  double tol = 1e-9 * std::max(1.0, std::fabs(prev));
  for (double x = last_x + step; x <= last_x + horizon_days + 1e-9; x += step) {
    double v = FitValueScaled(m, x);
    if (dir >= 0 && v < prev - tol) return false;
    if (dir < 0 && v > prev + tol) return false;
    if (dir >= 0 && v >= top_scaled) break;
    prev = v;
  }
  return true;
}

// Curvature sign of the fit over the segment, checked against linear's bias.
bool BendsWith(const Model& m, std::span<const Point> points, double linear_bias) {
  double x0 = points.front().x;
  double x1 = points.back().x;
  double mid = FitValueScaled(m, (x0 + x1) / 2);
  double chord = (FitValueScaled(m, x0) + FitValueScaled(m, x1)) / 2;
  return linear_bias > 0 ? mid <= chord : mid >= chord;
}

struct Scored {
  FitKind kind = FitKind::kLinear;
  double score = std::numeric_limits<double>::infinity();  // selection error
  double mae = 0;                                          // mean absolute holdout error
  std::vector<double> standardized;                        // |error| / predicted sd
  // Mean over origins of the holdout window's mean error in z, divided by its
  // standard error under the fit (about N(0, 1) when the kind is right).
  double bias_z = 0;
  bool scored = false;
};

// Rolling-origin holdout of `kind`: for origins at 60, 70, 80 and 90% of the
// segment, fit on the points before the origin and forecast all the points
// after it. The selection score is the mean over origins of the absolute error
// of the holdout window's mean level (noise averages out, a wrong shape does
// not); `mae` is the plain mean absolute error per point.
Scored Holdout(FitKind kind, std::span<const Point> points, double value_scale) {
  Scored s;
  s.kind = kind;
  size_t n = points.size();
  size_t p = ParameterCount(kind);
  double score_sum = 0;
  double bias_sum = 0;
  double abs_sum = 0;
  size_t origins = 0;
  size_t abs_count = 0;
  for (double share : {0.6, 0.7, 0.8, 0.9}) {
    size_t k = static_cast<size_t>(std::floor(share * static_cast<double>(n)));
    if (k < p + 2 || k >= n) continue;
    FitResult fit = FitKindOn(kind, points.first(k), 0, 1.0);
    if (!fit.ok) continue;
    double mean_err = 0;
    double mean_z_err = 0;
    std::array<double, 4> mean_f{};
    for (size_t j = k; j < n; ++j) {
      double predicted = FitValueScaled(fit.model, points[j].x);
      double err = points[j].y - predicted;
      mean_err += err;
      abs_sum += std::fabs(err);
      ++abs_count;
      // Standardized in z space against the fit's own predictive sd.
      double z_actual = LogY(kind) ? std::log(std::max(points[j].y, 1e-300)) : points[j].y;
      double z_pred = ModelZ(fit.model, points[j].x);
      mean_z_err += z_actual - z_pred;
      {
        std::array<double, 4> fj{};
        double t = (ModelU(kind, fit.model.tau_days, points[j].x) - fit.model.u_center) /
                   fit.model.u_scale;
        Features(t, fit.model.beta.size(), fj.data());
        for (size_t a = 0; a < fit.model.beta.size(); ++a) mean_f[a] += fj[a];
      }
      Model unit = fit.model;
      unit.band_sigma = 1.0;
      double se_mean = ModelHalfWidth(unit, points[j].x);
      double sd = std::sqrt(fit.sigma * fit.sigma * (1.0 + se_mean * se_mean));
      if (sd > 0) s.standardized.push_back(std::fabs(z_actual - z_pred) / sd);
    }
    double m = static_cast<double>(n - k);
    score_sum += std::fabs(mean_err / m);
    size_t fp = fit.model.beta.size();
    double q = 0;
    for (size_t a = 0; a < fp; ++a) {
      for (size_t b = 0; b < fp; ++b) {
        q += mean_f[a] / m * fit.model.covariance[a * fp + b] * mean_f[b] / m;
      }
    }
    double se = std::max(fit.sigma * std::sqrt(1.0 / m + std::max(q, 0.0)), 1e-9);
    bias_sum += se > 0 ? mean_z_err / m / se : 0.0;
    ++origins;
  }
  if (origins == 0) return s;
  s.scored = true;
  s.score = score_sum / static_cast<double>(origins);
  s.bias_z = bias_sum / static_cast<double>(origins);
  s.mae = abs_sum / static_cast<double>(abs_count) * value_scale;
  return s;
}

// Days after `last_day` at which `curve` first reaches `level` within the
// horizon; 0 when it is already there.
template <typename Curve>
std::optional<double> FirstCrossing(const Curve& curve, double last_day, double level,
                                    double horizon_days) {
  if (curve(last_day) >= level) return 0.0;
  double prev_day = last_day;
  for (double d = 1; d <= horizon_days + 1e-9; d += 1) {
    double day = last_day + d;
    if (curve(day) >= level) {
      double lo = prev_day;
      double hi = day;
      for (int i = 0; i < 40; ++i) {
        double mid = (lo + hi) / 2;
        (curve(mid) >= level ? hi : lo) = mid;
      }
      return hi - last_day;
    }
    prev_day = day;
  }
  return std::nullopt;
}

Options Sanitized(Options o) {
  Options d;
  if (!std::isfinite(o.threshold_pct) || o.threshold_pct <= 0) o.threshold_pct = d.threshold_pct;
  if (!std::isfinite(o.horizon_days) || o.horizon_days <= 0) o.horizon_days = d.horizon_days;
  o.horizon_days = std::min(o.horizon_days, 36500.0);
  if (!(o.interval_level > 0 && o.interval_level < 1)) o.interval_level = d.interval_level;
  if (o.min_days < 2) o.min_days = 2;
  if (!(o.level_shift_share > 0)) o.level_shift_share = d.level_shift_share;
  return o;
}

struct Internal {
  bool detect_drops = true;
  // The date's interval from the trend posterior (TrendInterval); off: from
  // the chosen fit's band alone.
  bool shape_interval = true;
  std::vector<FitKind> kinds{kAllKinds.begin(), kAllKinds.end()};
};

// Flags single outlier days: after removing a robust trend (the median of the
// day-to-day slopes), a day further from the median of the 7 days around it
// (itself included, so the first day after a step is not flagged) than 5
// robust standard deviations of all such residuals, and than 1% of the largest
// value (smooth curves have no noise to measure).
std::vector<bool> OutlierDays(const std::vector<double>& days, const std::vector<double>& values) {
  size_t n = values.size();
  std::vector<bool> out(n, false);
  if (n < 5) return out;
  std::vector<double> slopes;
  for (size_t i = 1; i < n; ++i)
    slopes.push_back((values[i] - values[i - 1]) / (days[i] - days[i - 1]));
  double slope = Median(slopes);
  std::vector<double> detrended(n);
  for (size_t i = 0; i < n; ++i) detrended[i] = values[i] - slope * (days[i] - days[0]);
  std::vector<double> residual(n);
  for (size_t i = 0; i < n; ++i) {
    size_t lo = i >= 3 ? i - 3 : 0;
    size_t hi = std::min(n, i + 4);
    std::vector<double> window;
    for (size_t j = lo; j < hi; ++j) window.push_back(detrended[j]);
    residual[i] = detrended[i] - Median(window);
  }
  std::vector<double> abs_res(n);
  for (size_t i = 0; i < n; ++i) abs_res[i] = std::fabs(residual[i]);
  double mad = Median(abs_res);
  double scale = 0;
  for (double v : values) scale = std::max(scale, std::fabs(v));
  double limit = std::max(5.0 * 1.4826 * mad, 0.01 * scale);
  if (!(limit > 0)) return out;
  for (size_t i = 0; i < n; ++i) out[i] = std::fabs(residual[i]) > limit;
  return out;
}

// The trend family y = a + b g_k(x), g_k(x) = (1 - e^(-k x)) / k (g_0(x) = x):
// growth that slows (k > 0, the saturating kind), a line (k = 0) and growth
// that speeds up (k < 0) in one curve with one curvature parameter. Its
// curvature is not fixed but integrated out: a flat prior on k over a grid,
// weights from the profile likelihood of (a, b) at each k. This is how the
// date's interval accounts for the uncertainty of the shape (and so of the
// saturating time constant), which a band at one fitted shape ignores.
double TrendG(double k, double x) {
  if (std::fabs(k * x) < 1e-9) return x;
  return -std::expm1(-k * x) / k;
}

struct TrendFit {
  double k = 0;
  double weight = 0;  // posterior weight (sums to 1 over the grid)
  double a = 0;       // y = a + b g_k(x), y value-scaled
  double b = 0;
  double g_mean = 0;  // mean of g_k over the points
  double g_ss = 0;    // centred sum of squares of g_k
  double rss = 0;
};

struct TrendPosterior {
  std::vector<TrendFit> grid;
  size_t n = 0;
  double sigma2 = 0;  // residual variance at the best k
  size_t best = 0;    // index of the least-squares k
  double k_step = 0;
  // The line alone (k = 0 exactly) and its weight against the family (BIC):
  // a straight trend is a point hypothesis the flat prior on k underrates.
  TrendFit line;
  double line_weight = 0;
  bool ok = false;
};

// The grid spans |k| <= 3 / span (a time constant of a third of the segment or
// longer) in kTrendGrid steps.
constexpr int kTrendGrid = 160;

TrendPosterior FitTrendPosterior(std::span<const Point> points) {
  TrendPosterior post;
  size_t n = points.size();
  if (n < 5) return post;
  double span_days = std::max(1.0, points.back().x - points.front().x);
  double k_max = 3.0 / span_days;
  post.k_step = 2 * k_max / kTrendGrid;
  post.n = n;
  double y_mean = 0;
  for (const Point& p : points) y_mean += p.y;
  y_mean /= static_cast<double>(n);
  double y_ss = 0;
  for (const Point& p : points) y_ss += (p.y - y_mean) * (p.y - y_mean);
  std::vector<double> g(n);
  double rss_min = std::numeric_limits<double>::infinity();
  for (int i = 0; i <= kTrendGrid; ++i) {
    TrendFit t;
    t.k = k_max * static_cast<double>(i - kTrendGrid / 2) / (kTrendGrid / 2);
    double g_sum = 0;
    // e^(-k x) by products along the sorted days (one exp per distinct gap
    // instead of per point: this loop is most of a forecast's cost).
    double unit_gap_factor = std::exp(-t.k);
    double e = std::exp(-t.k * points[0].x);
    for (size_t j = 0; j < n; ++j) {
      if (j > 0) {
        double gap = points[j].x - points[j - 1].x;
        e *= gap == 1.0 ? unit_gap_factor : std::exp(-t.k * gap);
      }
      g[j] = std::fabs(t.k * points[j].x) < 1e-4 ? TrendG(t.k, points[j].x) : (1 - e) / t.k;
      g_sum += g[j];
    }
    t.g_mean = g_sum / static_cast<double>(n);
    double gy = 0;
    for (size_t j = 0; j < n; ++j) {
      double dg = g[j] - t.g_mean;
      t.g_ss += dg * dg;
      gy += dg * (points[j].y - y_mean);
    }
    if (!(t.g_ss > 0) || !std::isfinite(t.g_ss)) continue;
    t.b = gy / t.g_ss;
    t.a = y_mean - t.b * t.g_mean;
    t.rss = std::max(0.0, y_ss - t.b * gy);
    if (t.rss < rss_min) {
      rss_min = t.rss;
      post.best = post.grid.size();
    }
    post.grid.push_back(t);
  }
  if (post.grid.empty()) return post;
  // A floor keeps noise-free series finite: the posterior then sits on the best k.
  post.sigma2 = std::max(rss_min / static_cast<double>(n - 3), 1e-18 + 1e-12 * y_ss);
  double total = 0;
  for (TrendFit& t : post.grid) {
    t.weight = std::exp(-(t.rss - rss_min) / (2 * post.sigma2));
    total += t.weight;
  }
  for (TrendFit& t : post.grid) t.weight /= total;
  {
    TrendFit& t = post.line;
    double g_sum = 0;
    for (size_t j = 0; j < n; ++j) g_sum += points[j].x;
    t.g_mean = g_sum / static_cast<double>(n);
    double gy = 0;
    for (size_t j = 0; j < n; ++j) {
      double dg = points[j].x - t.g_mean;
      t.g_ss += dg * dg;
      gy += dg * (points[j].y - y_mean);
    }
    if (t.g_ss > 0) {
      t.b = gy / t.g_ss;
      t.a = y_mean - t.b * t.g_mean;
      t.rss = std::max(0.0, y_ss - t.b * gy);
      double floor = 1e-18 + 1e-12 * y_ss;
      double bic_difference =
          static_cast<double>(n) * std::log(std::max(rss_min, floor) / std::max(t.rss, floor)) +
          std::log(static_cast<double>(n));
      post.line_weight = 1 / (1 + std::exp(std::clamp(-bic_difference / 2, -700.0, 700.0)));
      t.weight = 1;
    }
  }
  post.ok = true;
  return post;
}

// Days after `last_x` at which the member reaches `level` (value-scaled): 0
// when already there, nullopt when never or beyond the horizon.
std::optional<double> TrendCrossing(const TrendFit& t, double last_x, double level,
                                    double horizon_days) {
  if (t.a + t.b * TrendG(t.k, last_x) >= level) return 0.0;
  if (!(t.b > 0)) return std::nullopt;
  double g = (level - t.a) / t.b;
  double x = g;
  if (std::fabs(t.k * g) >= 1e-12) {
    double q = 1 - t.k * g;
    if (!(q > 0)) return std::nullopt;
    x = -std::log(q) / t.k;
  }
  double d = x - last_x;
  if (!std::isfinite(d) || d > horizon_days) return std::nullopt;
  return std::max(d, 0.0);
}

// The crossing date's distribution under the posterior: a mixture over k of
// normals around each member's crossing, whose spread is the member's mean-curve
// standard error at the crossing divided by its slope there. Mass beyond the
// horizon is "none". Returns the central `level_share` interval: lower is
// nullopt when even the fast end does not cross within the horizon, upper when
// the slow end does not.
struct DateInterval {
  std::optional<double> lower;
  std::optional<double> upper;
};

DateInterval TrendInterval(const TrendPosterior& post, double last_x, double level,
                           double horizon_days, double level_share, double line_weight,
                           double sd_scale) {
  struct Part {
    double weight, days, sd;
  };
  std::vector<Part> parts;
  double n = static_cast<double>(post.n);
  std::vector<TrendFit> members = post.grid;
  for (TrendFit& t : members) t.weight *= 1 - line_weight;
  if (line_weight > 0 && post.line.g_ss > 0) {
    members.push_back(post.line);
    members.back().weight = line_weight;
  }
  for (const TrendFit& t : members) {
    if (t.weight < 1e-6) continue;
    std::optional<double> d = TrendCrossing(t, last_x, level, horizon_days);
    if (!d) continue;
    double x = last_x + *d;
    double se = std::sqrt(post.sigma2 * (1 / n + std::pow(TrendG(t.k, x) - t.g_mean, 2) / t.g_ss));
    double slope = t.b * std::exp(-t.k * x);
    double sd = slope > 0 ? sd_scale * se / slope : horizon_days;
    parts.push_back({t.weight, *d, std::min(sd, horizon_days)});
  }
  auto cdf = [&](double days) {
    double c = 0;
    for (const Part& p : parts) {
      c += p.sd > 0 ? p.weight * 0.5 * std::erfc(-(days - p.days) / (p.sd * std::sqrt(2.0)))
                    : (p.days <= days ? p.weight : 0.0);
    }
    return c;
  };
  auto quantile = [&](double q) -> std::optional<double> {
    if (cdf(0) >= q) return 0.0;
    if (cdf(horizon_days) < q) return std::nullopt;
    double lo = 0;
    double hi = horizon_days;
    for (int i = 0; i < 32; ++i) {
      double mid = (lo + hi) / 2;
      (cdf(mid) >= q ? hi : lo) = mid;
    }
    return hi;
  };
  double tail = (1 - level_share) / 2;
  return {quantile(tail), quantile(1 - tail)};
}

// The member whose crossing of `level` is the posterior's median under
// relative error (weights divided by the crossing's days, at least one): the
// date that minimises the expected |forecast - truth| / truth. A crossing date
// is convex in the curvature, so the plain median sits late; this one does not.
// Members that never cross count at the horizon. Returns the k of that member.
double TrendRelativeMedianK(const TrendPosterior& post, double last_x, double level,
                            double horizon_days) {
  struct Item {
    double days, weight, k;
  };
  std::vector<Item> items;
  double total = 0;
  for (const TrendFit& t : post.grid) {
    std::optional<double> d = TrendCrossing(t, last_x, level, horizon_days);
    double days = d ? *d : 2 * horizon_days;
    double w = t.weight / std::max(days, 1.0);
    items.push_back({days, w, t.k});
    total += w;
  }
  std::stable_sort(items.begin(), items.end(),
                   [](const Item& x, const Item& y) { return x.days < y.days; });
  double acc = 0;
  for (const Item& it : items) {
    acc += it.weight;
    if (acc >= total / 2) return it.k;
  }
  return items.empty() ? 0.0 : items.back().k;
}

SeriesForecast ForecastImpl(std::span<const Sample> samples, std::span<const double> levels,
                            std::span<const size_t> breaks_before, const Options& raw_options,
                            const Internal& internal) {
  Options options = Sanitized(raw_options);
  SeriesForecast result;
  result.crossings.resize(levels.size());
  for (size_t i = 0; i < levels.size(); ++i) result.crossings[i].level = Finite(levels[i]);

  // Sort by day (stable: of one day's samples the last given wins), keep finite values.
  struct Entry {
    int64_t day;
    double value;
    bool brk;
  };
  std::vector<Entry> entries;
  entries.reserve(samples.size());
  std::vector<bool> is_break(samples.size(), false);
  for (size_t b : breaks_before) {
    if (b < samples.size()) is_break[b] = true;
  }
  for (size_t i = 0; i < samples.size(); ++i) {
    entries.push_back({samples[i].day, samples[i].value, is_break[i]});
  }
  std::stable_sort(entries.begin(), entries.end(),
                   [](const Entry& a, const Entry& b) { return a.day < b.day; });
  std::vector<Entry> days;
  for (size_t i = 0; i < entries.size(); ++i) {
    bool last_of_day = i + 1 == entries.size() || entries[i + 1].day != entries[i].day;
    bool brk = entries[i].brk;
    if (!last_of_day) {
      if (brk && i + 1 < entries.size()) entries[i + 1].brk = true;
      continue;
    }
    if (!std::isfinite(entries[i].value)) {
      if (brk && i + 1 < entries.size()) entries[i + 1].brk = true;
      continue;
    }
    days.push_back(entries[i]);
  }
  if (days.empty()) {
    result.reason = "no history";
    return result;
  }

  const int64_t observed_last_day = days.back().day;
  // Single outlier days are left out (before the drop test, so a one-day glitch
  // does not open a segment).
  {
    std::vector<double> values;
    std::vector<double> day_numbers;
    for (const Entry& e : days) {
      values.push_back(e.value);
      day_numbers.push_back(static_cast<double>(e.day - days.front().day));
    }
    std::vector<bool> outlier(days.size(), false);
    size_t from = 0;
    for (size_t i = 1; i <= days.size(); ++i) {
      if (i < days.size() && !days[i].brk) continue;
      std::vector<double> part_days(day_numbers.begin() + static_cast<std::ptrdiff_t>(from),
                                    day_numbers.begin() + static_cast<std::ptrdiff_t>(i));
      std::vector<double> part_values(values.begin() + static_cast<std::ptrdiff_t>(from),
                                      values.begin() + static_cast<std::ptrdiff_t>(i));
      std::vector<bool> part = OutlierDays(part_days, part_values);
      for (size_t j = 0; j < part.size(); ++j) outlier[from + j] = part[j];
      from = i;
    }
    std::vector<Entry> kept;
    for (size_t i = 0; i < days.size(); ++i) {
      if (outlier[i]) {
        if (days[i].brk && i + 1 < days.size()) days[i + 1].brk = true;
        continue;
      }
      kept.push_back(days[i]);
    }
    days = std::move(kept);
  }

  double level_ref = 0;
  for (double l : levels) level_ref = std::max(level_ref, std::fabs(Finite(l)));
  if (level_ref == 0) {
    for (const Entry& e : days) level_ref = std::max(level_ref, std::fabs(e.value));
  }
  size_t segment_start = 0;
  for (size_t i = 1; i < days.size(); ++i) {
    bool drop = internal.detect_drops && level_ref > 0 &&
                days[i - 1].value - days[i].value > options.level_shift_share * level_ref;
    if (days[i].brk || drop) segment_start = i;
  }
  std::span<const Entry> segment(days.data() + segment_start, days.size() - segment_start);
  result.segment_first_day = segment.front().day;
  result.last_day = observed_last_day;
  result.last_value = Finite(segment.back().value);
  if (segment.size() < static_cast<size_t>(options.min_days)) {
    result.reason = "only " + std::to_string(segment.size()) + " day" +
                    (segment.size() == 1 ? "" : "s") + " of history" +
                    (segment_start > 0 ? " since the last level shift" : "") + " (need " +
                    std::to_string(options.min_days) + ")";
    return result;
  }

  // Scale values to about 1 so that sums of squares of 1e13-byte values stay exact.
  double value_scale = level_ref;
  for (const Entry& e : segment) value_scale = std::max(value_scale, std::fabs(e.value));
  if (!(value_scale > 0) || !std::isfinite(value_scale)) value_scale = 1.0;
  int64_t origin_day = segment.front().day - 1;
  std::vector<Point> points;
  for (const Entry& e : segment) {
    points.push_back({static_cast<double>(e.day - origin_day), Finite(e.value) / value_scale});
  }
  double last_x = points.back().x;

  double top_scaled = -kHuge;
  for (double l : levels) top_scaled = std::max(top_scaled, Finite(l) / value_scale);
  if (levels.empty()) top_scaled = kHuge;

  // Score every kind, then take the simplest one within the margin of the best.
  std::vector<Scored> scored;
  std::vector<FitResult> fits;
  for (FitKind kind : internal.kinds) {
    FitResult fit = FitKindOn(kind, points, origin_day, value_scale);
    if (!fit.ok) continue;
    if (kind != FitKind::kLinear &&
        !Monotone(fit.model, last_x, options.horizon_days, top_scaled)) {
      continue;
    }
    Scored s = Holdout(kind, points, value_scale);
    if (!s.scored && kind != FitKind::kLinear) continue;
    scored.push_back(std::move(s));
    fits.push_back(std::move(fit));
  }
  if (fits.empty()) {
    result.reason = "no fit applies to the history";
    return result;
  }
  double best = std::numeric_limits<double>::infinity();
  for (const Scored& s : scored) {
    if (s.scored) best = std::min(best, s.score);
  }
  // Linear stays unless its holdout errors are biased beyond noise (then its
  // shape is wrong); otherwise the simplest kind within kMargin of the best.
  constexpr double kMargin = 0.25;
  constexpr double kLinearBiasLimit = 1.3;
  size_t chosen = 0;  // linear (first) when nothing could be scored
  // No curve without a trend: when linear's slope is within two standard
  // errors of zero the series is flat for forecasting.
  bool trend = false;
  if (fits[0].model.kind == FitKind::kLinear && fits[0].model.covariance.size() == 4) {
    double slope_se = fits[0].sigma * std::sqrt(fits[0].model.covariance[3]);
    trend = std::fabs(fits[0].model.beta[1]) > 2.0 * slope_se;
  }
  bool linear_adequate =
      scored[0].kind == FitKind::kLinear &&
      (!trend || !scored[0].scored || std::fabs(scored[0].bias_z) <= kLinearBiasLimit);
  // Slowing growth (linear's holdout forecasts ran above the data) is the
  // saturating kind's: the one family with the line as its limit, so a slight
  // slowing gives a slightly bent line, not a logarithm's or a power's shape.
  bool saturating_chosen = false;
  if (std::isfinite(best) && !linear_adequate && scored[0].bias_z < 0) {
    for (size_t i = 1; i < scored.size(); ++i) {
      if (scored[i].kind == FitKind::kSaturating && scored[i].scored &&
          BendsWith(fits[i].model, points, scored[0].bias_z)) {
        chosen = i;
        saturating_chosen = true;
      }
    }
  }
  if (std::isfinite(best) && !linear_adequate && !saturating_chosen) {
    int chosen_complexity = 100;
    double chosen_score = std::numeric_limits<double>::infinity();
    for (size_t i = 0; i < scored.size(); ++i) {
      if (!scored[i].scored) continue;
      if (scored[i].score > best * (1 + kMargin) + 1e-12) continue;
      // The shape must bend the way linear's holdout errors point (convex when
      // the data ran above linear's forecasts, concave when below).
      if (i > 0 && !BendsWith(fits[i].model, points, scored[0].bias_z)) continue;
      // Polynomials explode when extrapolated: only when clearly better than linear.
      if (Complexity(scored[i].kind) >= 2 && scored[i].kind != FitKind::kSaturating &&
          !(scored[i].score < 0.5 * scored[0].score)) {
        continue;
      }
      int c = Complexity(scored[i].kind);
      if (c < chosen_complexity || (c == chosen_complexity && scored[i].score < chosen_score)) {
        chosen = i;
        chosen_complexity = c;
        chosen_score = scored[i].score;
      }
    }
  }
  FitResult fit = fits[chosen];
  Scored& score = scored[chosen];
  // Saturation: the time constant is uncertain (slowing over a long time seen
  // for a short one), so the date integrates it out (TrendPosterior): the
  // curve shown is the member at the relative-error median of the threshold
  // date, and the interval is the posterior's.
  double observed_last_x = static_cast<double>(observed_last_day - origin_day);
  TrendPosterior trend_posterior;
  if (!levels.empty() && internal.shape_interval) {
    trend_posterior = FitTrendPosterior(points);
  }
  if (trend_posterior.ok && saturating_chosen) {
    double k_mean = 0;
    double k_var = 0;
    for (const TrendFit& t : trend_posterior.grid) k_mean += t.weight * t.k;
    for (const TrendFit& t : trend_posterior.grid)
      k_var += t.weight * (t.k - k_mean) * (t.k - k_mean);
    // A posterior narrower than the grid: the fitted time constant is known.
    if (std::sqrt(k_var) > trend_posterior.k_step) {
      double k = TrendRelativeMedianK(trend_posterior, observed_last_x,
                                      Finite(levels[0]) / value_scale, options.horizon_days);
      FitResult member;
      if (k > 0) {
        member = FitKindOnWithTau(FitKind::kSaturating, 1 / k, points, origin_day, value_scale);
        if (member.ok && !(member.model.beta[1] < 0)) member.ok = false;
      } else {
        member = fits[0];
      }
      if (member.ok) fit = std::move(member);
    }
  }
  result.ok = true;
  result.model = fit.model;
  result.holdout_error = Finite(score.mae);

  // The band: mean-curve standard error, widened when the holdout errors are
  // larger than the fit itself predicts (a wrong shape, correlated noise).
  double z_level = NormalQuantile(0.5 + options.interval_level / 2);
  double inflation = 1.0;
  if (!score.standardized.empty()) {
    double q = Quantile(score.standardized, options.interval_level);
    inflation = std::clamp(q / z_level, 1.0, 10.0);
  }
  result.model.band_sigma = Finite(z_level * inflation * fit.sigma);

  const Model& model = result.model;
  double last_day = static_cast<double>(result.last_day);
  for (Crossing& c : result.crossings) {
    if (result.last_value >= c.level) {
      c.days = c.lower_days = c.upper_days = 0.0;
      continue;
    }
    auto value = [&](double d) { return model.Value(d); };
    auto lower = [&](double d) { return model.Lower(d); };
    auto upper = [&](double d) { return model.Upper(d); };
    c.days = FirstCrossing(value, last_day, c.level, options.horizon_days);
    c.lower_days = FirstCrossing(upper, last_day, c.level, options.horizon_days);
    c.upper_days = FirstCrossing(lower, last_day, c.level, options.horizon_days);
    // The date's interval integrates the shape: the trend posterior (the line
    // and the curvature family, weighted by BIC), its spread widened like the
    // band by the holdout errors. The band alone assumes the chosen shape.
    if (trend_posterior.ok) {
      DateInterval interval = TrendInterval(trend_posterior, observed_last_x, c.level / value_scale,
                                            options.horizon_days, options.interval_level,
                                            trend_posterior.line_weight, inflation);
      c.lower_days = interval.lower;
      c.upper_days = interval.upper;
    }
    if (c.days && c.lower_days) c.lower_days = std::min(*c.lower_days, *c.days);
    if (c.days && c.upper_days) c.upper_days = std::max(*c.upper_days, *c.days);
  }
  if (!result.crossings.empty() && !result.crossings.front().days) {
    result.reason = "no exhaustion expected within the horizon";
  }

  // Weekly projection from the segment start to the horizon, or a little past the
  // last crossing (its slow end when known).
  double end_ahead = options.horizon_days;
  bool all_cross = !result.crossings.empty();
  double latest = 0;
  for (const Crossing& c : result.crossings) {
    if (!c.days) {
      all_cross = false;
      break;
    }
    latest = std::max(latest, c.upper_days.value_or(*c.days));
  }
  if (all_cross) end_ahead = std::min(options.horizon_days, latest * 1.1 + 14.0);
  double first = static_cast<double>(result.segment_first_day);
  double end_day = last_day + end_ahead;
  for (double d = first; d < end_day; d += 7.0) {
    result.projection.push_back({d, model.Value(d), model.Lower(d), model.Upper(d)});
  }
  result.projection.push_back(
      {end_day, model.Value(end_day), model.Lower(end_day), model.Upper(end_day)});
  return result;
}

}  // namespace

std::string_view FitName(FitKind kind) {
  switch (kind) {
    case FitKind::kLinear:
      return "linear";
    case FitKind::kPolynomial2:
      return "polynomial2";
    case FitKind::kPolynomial3:
      return "polynomial3";
    case FitKind::kExponential:
      return "exponential";
    case FitKind::kLogarithmic:
      return "logarithmic";
    case FitKind::kPower:
      return "power";
    case FitKind::kSaturating:
      return "saturating";
  }
  return "linear";
}

double Model::Value(double day) const {
  if (beta.empty()) return 0.0;
  return ZToValue(*this, ModelZ(*this, day));
}

double Model::Lower(double day) const {
  if (beta.empty()) return 0.0;
  return ZToValue(*this, ModelZ(*this, day) - ModelHalfWidth(*this, day));
}

double Model::Upper(double day) const {
  if (beta.empty()) return 0.0;
  return ZToValue(*this, ModelZ(*this, day) + ModelHalfWidth(*this, day));
}

ProjectionPoint SeriesForecast::Predict(double days_ahead) const {
  double day = static_cast<double>(last_day) + Finite(days_ahead);
  return {day, model.Value(day), model.Lower(day), model.Upper(day)};
}

std::optional<Model> FitModel(FitKind kind, std::span<const Sample> samples) {
  if (samples.empty()) return std::nullopt;
  std::vector<Sample> sorted(samples.begin(), samples.end());
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const Sample& a, const Sample& b) { return a.day < b.day; });
  double value_scale = 0;
  for (const Sample& s : sorted) {
    if (!std::isfinite(s.value)) return std::nullopt;
    value_scale = std::max(value_scale, std::fabs(s.value));
  }
  if (!(value_scale > 0)) value_scale = 1.0;
  int64_t origin_day = sorted.front().day - 1;
  std::vector<Point> points;
  for (const Sample& s : sorted) {
    points.push_back({static_cast<double>(s.day - origin_day), s.value / value_scale});
  }
  FitResult fit = FitKindOn(kind, points, origin_day, value_scale);
  if (!fit.ok) return std::nullopt;
  return fit.model;
}

SeriesForecast ForecastSeries(std::span<const Sample> samples, std::span<const double> levels,
                              std::span<const size_t> breaks_before, const Options& options) {
  return ForecastImpl(samples, levels, breaks_before, options, Internal{});
}

SeriesForecast ForecastCapacity(std::span<const UsageDay> days, const Options& raw_options) {
  Options options = Sanitized(raw_options);
  std::vector<UsageDay> sorted(days.begin(), days.end());
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const UsageDay& a, const UsageDay& b) { return a.day < b.day; });
  std::optional<double> capacity;
  for (const UsageDay& d : sorted) {
    if (d.capacity_bytes && std::isfinite(*d.capacity_bytes) && *d.capacity_bytes > 0) {
      capacity = *d.capacity_bytes;
    }
  }
  if (!capacity) {
    SeriesForecast none;
    none.crossings = {Crossing{}, Crossing{}};
    none.reason = "no capacity known";
    return none;
  }
  std::vector<Sample> samples;
  std::vector<size_t> breaks;
  std::optional<double> current;
  bool pending_break = false;
  for (const UsageDay& d : sorted) {
    if (d.capacity_bytes && std::isfinite(*d.capacity_bytes) && *d.capacity_bytes > 0) {
      if (current && std::fabs(*d.capacity_bytes - *current) > 1e-9 * *current) {
        pending_break = true;
      }
      current = *d.capacity_bytes;
    }
    if (!d.used_bytes || !std::isfinite(*d.used_bytes)) continue;
    if (pending_break) {
      breaks.push_back(samples.size());
      pending_break = false;
    }
    samples.push_back({d.day, *d.used_bytes});
  }
  std::array<double, 2> levels = {*capacity * options.threshold_pct / 100.0, *capacity};
  return ForecastImpl(samples, levels, breaks, options, Internal{});
}

SeriesForecast ForecastLoad(std::span<const LoadDay> days, double rated_load, double pct,
                            const Options& options) {
  if (!(rated_load > 0) || !std::isfinite(rated_load) || !(pct > 0) || !std::isfinite(pct)) {
    SeriesForecast none;
    none.crossings = {Crossing{}};
    none.reason = "no rated load";
    return none;
  }
  std::vector<std::pair<int64_t, double>> peaks;
  for (const LoadDay& d : days) {
    if (d.load_peak && std::isfinite(*d.load_peak)) peaks.emplace_back(d.day, *d.load_peak);
  }
  std::stable_sort(peaks.begin(), peaks.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  // Of one day's figures the last given counts.
  std::vector<std::pair<int64_t, double>> unique;
  for (const auto& p : peaks) {
    if (!unique.empty() && unique.back().first == p.first) {
      unique.back() = p;
    } else {
      unique.push_back(p);
    }
  }
  std::vector<Sample> samples;
  size_t window_start = 0;
  for (size_t i = 0; i < unique.size(); ++i) {
    while (unique[window_start].first < unique[i].first - 6) ++window_start;
    double peak = unique[i].second;
    for (size_t j = window_start; j <= i; ++j) peak = std::max(peak, unique[j].second);
    samples.push_back({unique[i].first, peak});
  }
  Internal internal;
  internal.detect_drops = false;
  internal.shape_interval = false;
  internal.kinds = {FitKind::kLinear};
  std::array<double, 1> levels = {rated_load * pct / 100.0};
  return ForecastImpl(samples, levels, {}, options, internal);
}

std::optional<double> ZabbixLinearTimeleft(std::span<const Sample> samples, double threshold) {
  size_t n = 0;
  double sx = 0;
  double sy = 0;
  int64_t first = 0;
  int64_t last = 0;
  for (const Sample& s : samples) {
    if (!std::isfinite(s.value)) continue;
    if (n == 0) first = last = s.day;
    first = std::min(first, s.day);
    last = std::max(last, s.day);
    ++n;
  }
  if (n < 2 || first == last || !std::isfinite(threshold)) return std::nullopt;
  // Centred on the first day for precision.
  for (const Sample& s : samples) {
    if (!std::isfinite(s.value)) continue;
    sx += static_cast<double>(s.day - first);
    sy += s.value;
  }
  double mx = sx / static_cast<double>(n);
  double my = sy / static_cast<double>(n);
  double sxx = 0;
  double sxy = 0;
  for (const Sample& s : samples) {
    if (!std::isfinite(s.value)) continue;
    double dx = static_cast<double>(s.day - first) - mx;
    sxx += dx * dx;
    sxy += dx * (s.value - my);
  }
  if (!(sxx > 0)) return std::nullopt;
  double slope = sxy / sxx;
  if (!(slope > 0) || !std::isfinite(slope)) return std::nullopt;
  double x_cross = mx + (threshold - my) / slope;
  double ahead = x_cross - static_cast<double>(last - first);
  if (!std::isfinite(ahead)) return std::nullopt;
  return std::max(0.0, ahead);
}

}  // namespace periscope::reports::forecast
