#include "claimtool/stats.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <map>

namespace periscope::claimtool {
namespace {

// The scale that makes the MAD a consistent estimator of the standard
// deviation for normal data (Iglewicz and Hoaglin's modified z-score).
constexpr double kRobustZScale = 0.6745;

// The median of a sorted, non-empty vector: the middle value, or the mean of
// the two middle values for an even count.
double SortedMedian(const std::vector<double>& sorted) {
  size_t n = sorted.size();
  if (n % 2 == 1) return sorted[n / 2];
  double lo = sorted[n / 2 - 1];
  double hi = sorted[n / 2];
  return lo + (hi - lo) / 2.0;
}

std::optional<double> Finite(double v) {
  if (!std::isfinite(v)) return std::nullopt;
  return v;
}

// The sort key of a flagged numeric statistic: |z|, and for one flagged
// without z (sd == 0: every peer agrees and the claimed value differs, a
// difference of infinitely many standard deviations) +infinity.
double FlagStrength(const store::ClaimStatRecord& s) {
  if (!s.z) return std::numeric_limits<double>::infinity();
  if (std::isnan(*s.z)) return 0.0;
  return std::fabs(*s.z);
}

// 0: flagged numbers, 1: flagged text items, 2: everything else.
int Group(const store::ClaimStatRecord& s) {
  if (!s.flagged) return 2;
  return s.numeric ? 0 : 1;
}

}  // namespace

void ComputeNumericStats(std::optional<double> claimed, const std::vector<double>& peers,
                         store::ClaimStatRecord* out) {
  // A non-finite value is no usable value: NaN peers are skipped, a NaN or
  // infinite claimed value counts as none.
  std::vector<double> sorted;
  sorted.reserve(peers.size());
  for (double v : peers) {
    if (std::isfinite(v)) sorted.push_back(v);
  }
  std::sort(sorted.begin(), sorted.end());
  const bool has_claimed = claimed.has_value() && std::isfinite(*claimed);
  const double c = has_claimed ? *claimed : 0.0;

  out->numeric = true;
  out->most_common.clear();
  out->most_common_count = 0;
  out->differs = false;
  out->n = static_cast<int64_t>(sorted.size());
  out->mean = out->median = out->sd = out->min = out->max = std::nullopt;
  out->z = out->robust_z = out->percentile = std::nullopt;
  out->meaningful = out->n >= kMinPeersForStats;
  out->flagged = false;
  if (sorted.empty()) return;

  const double n = static_cast<double>(sorted.size());
  const double min = sorted.front();
  const double max = sorted.back();
  const bool all_equal = min == max;
  out->min = min;
  out->max = max;

  // Mean: the plain sum, or (when the sum overflows) the sum of x / n. Equal
  // peers give exactly their value (a sum of 0.1s divided back is not 0.1),
  // so "sd == 0" below means "every peer agrees".
  double mean = min;
  if (!all_equal) {
    double sum = 0.0;
    for (double v : sorted) sum += v;
    if (std::isfinite(sum)) {
      mean = sum / n;
    } else {
      mean = 0.0;
      for (double v : sorted) mean += v / n;
    }
    mean = std::clamp(mean, min, max);
  }
  out->mean = mean;
  out->median = SortedMedian(sorted);

  if (sorted.size() >= 2) {
    if (all_equal) {
      out->sd = 0.0;
    } else {
      double squares = 0.0;
      for (double v : sorted) squares += (v - mean) * (v - mean);
      out->sd = Finite(std::sqrt(squares / (n - 1.0)));
    }
  }

  std::vector<double> deviations;
  deviations.reserve(sorted.size());
  for (double v : sorted) deviations.push_back(std::fabs(v - *out->median));
  std::sort(deviations.begin(), deviations.end());
  const std::optional<double> mad = Finite(SortedMedian(deviations));

  if (!has_claimed) return;
  if (out->sd && *out->sd > 0.0) out->z = Finite((c - mean) / *out->sd);
  if (mad && *mad > 0.0) out->robust_z = Finite(kRobustZScale * (c - *out->median) / *mad);
  size_t below = 0;
  size_t equal = 0;
  for (double v : sorted) {
    if (v < c) ++below;
    if (v == c) ++equal;
  }
  out->percentile = 100.0 * (static_cast<double>(below) + static_cast<double>(equal) / 2.0) / n;

  if (out->meaningful) {
    bool far = out->z && std::fabs(*out->z) >= kFlagZ;
    bool differs_from_agreeing_peers = out->sd && *out->sd == 0.0 && c != min;
    out->flagged = far || differs_from_agreeing_peers;
  }
}

void ComputeTextStats(const std::optional<std::string>& claimed,
                      const std::vector<std::string>& peers, store::ClaimStatRecord* out) {
  out->numeric = false;
  out->mean = out->median = out->sd = out->min = out->max = std::nullopt;
  out->z = out->robust_z = out->percentile = std::nullopt;
  out->n = static_cast<int64_t>(peers.size());
  out->most_common.clear();
  out->most_common_count = 0;

  // std::string orders by unsigned byte values, so the first of the most
  // common values in map order is the byte-wise smallest of them.
  std::map<std::string, int64_t> counts;
  for (const std::string& v : peers) ++counts[v];
  for (const auto& [value, count] : counts) {
    if (count > out->most_common_count) {
      out->most_common = value;
      out->most_common_count = count;
    }
  }
  out->differs = claimed.has_value() && !counts.empty() && *claimed != out->most_common;
  out->meaningful = out->n >= kMinPeersForStats;
  out->flagged = out->meaningful && out->differs;
}

void OrderFlaggedFirst(std::vector<store::ClaimStatRecord>* stats) {
  std::stable_sort(stats->begin(), stats->end(),
                   [](const store::ClaimStatRecord& a, const store::ClaimStatRecord& b) {
                     int ga = Group(a);
                     int gb = Group(b);
                     if (ga != gb) return ga < gb;
                     if (ga == 0) return FlagStrength(a) > FlagStrength(b);
                     return false;
                   });
}

}  // namespace periscope::claimtool
