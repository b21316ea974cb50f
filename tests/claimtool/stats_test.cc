#include "claimtool/stats.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <optional>
#include <string>
#include <vector>

namespace periscope::claimtool {
namespace {

constexpr double kTolerance = 1e-9;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// The statistics recomputed here from their textbook definitions, with
// nothing shared with stats.cc: copies sorted, std::accumulate, the plain
// formulas.
struct Reference {
  int64_t n = 0;
  std::optional<double> mean, median, sd, min, max, z, robust_z, percentile;
  bool meaningful = false;
  bool flagged = false;
};

double MedianOf(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

Reference Recompute(std::optional<double> claimed, const std::vector<double>& peers) {
  Reference r;
  r.n = static_cast<int64_t>(peers.size());
  r.meaningful = peers.size() >= 3;
  if (peers.empty()) return r;
  double n = static_cast<double>(peers.size());
  double mean = std::accumulate(peers.begin(), peers.end(), 0.0) / n;
  r.mean = mean;
  r.median = MedianOf(peers);
  r.min = *std::min_element(peers.begin(), peers.end());
  r.max = *std::max_element(peers.begin(), peers.end());
  if (peers.size() >= 2) {
    double ss = 0;
    for (double v : peers) ss += (v - mean) * (v - mean);
    r.sd = std::sqrt(ss / (n - 1));
  }
  std::vector<double> deviations;
  for (double v : peers) deviations.push_back(std::fabs(v - *r.median));
  double mad = MedianOf(deviations);
  if (!claimed) return r;
  if (r.sd && *r.sd > 0) r.z = (*claimed - mean) / *r.sd;
  if (mad > 0) r.robust_z = 0.6745 * (*claimed - *r.median) / mad;
  double below = static_cast<double>(
      std::count_if(peers.begin(), peers.end(), [&](double v) { return v < *claimed; }));
  double equal = static_cast<double>(std::count(peers.begin(), peers.end(), *claimed));
  r.percentile = 100.0 * (below + equal / 2.0) / n;
  bool all_agree = std::all_of(peers.begin(), peers.end(), [&](double v) { return v == peers[0]; });
  r.flagged = r.meaningful && ((r.z && std::fabs(*r.z) >= 2.0) ||
                               (peers.size() >= 2 && all_agree && *claimed != peers[0]));
  return r;
}

void ExpectNear(const char* what, std::optional<double> got, std::optional<double> want) {
  ASSERT_EQ(got.has_value(), want.has_value()) << what;
  if (want) {
    EXPECT_NEAR(*got, *want, kTolerance * std::max(1.0, std::fabs(*want))) << what;
  }
}

void ExpectMatches(const store::ClaimStatRecord& got, const Reference& want) {
  EXPECT_TRUE(got.numeric);
  EXPECT_EQ(got.n, want.n);
  ExpectNear("mean", got.mean, want.mean);
  ExpectNear("median", got.median, want.median);
  ExpectNear("sd", got.sd, want.sd);
  ExpectNear("min", got.min, want.min);
  ExpectNear("max", got.max, want.max);
  ExpectNear("z", got.z, want.z);
  ExpectNear("robust z", got.robust_z, want.robust_z);
  ExpectNear("percentile", got.percentile, want.percentile);
  EXPECT_EQ(got.meaningful, want.meaningful);
  EXPECT_EQ(got.flagged, want.flagged);
}

struct DataSet {
  const char* name;
  std::optional<double> claimed;
  std::vector<double> peers;
};

TEST(StatsTest, NumericFiguresMatchTheirDefinitions) {
  const DataSet cases[] = {
      {"odd n", 12.5, {10, 12, 9, 11, 13}},
      {"even n", 4, {3, 7, 1, 9}},
      {"ties with the claimed value", 7, {5, 5, 7, 7, 7, 9}},
      {"claimed below every peer", -3, {2.5, 0.5, 1.5, 4.25, 3}},
      {"n = 1", 40, {42}},
      {"n = 2", 1000, {1, 2}},
      {"all equal peers", 4, {3, 3, 3, 3}},
      {"all equal, claimed the same", 3, {3, 3, 3}},
      {"an outlier", 150, {100, 101, 99, 100, 102, 98, 100}},
      {"MAD zero but sd not", 10, {5, 5, 5, 5, 9}},
      {"no claimed value", std::nullopt, {1, 2, 3, 4}},
      {"no peers", 5, {}},
      {"large magnitudes", 3.5e12, {1e12, 2e12, 3e12}},
  };
  for (const DataSet& c : cases) {
    SCOPED_TRACE(c.name);
    store::ClaimStatRecord got;
    ComputeNumericStats(c.claimed, c.peers, &got);
    ExpectMatches(got, Recompute(c.claimed, c.peers));
  }
}

TEST(StatsTest, ItemInstanceAndMeasureAreLeftAlone) {
  store::ClaimStatRecord got;
  got.item = "copies";
  got.instance = "1.2";
  got.measure = "per_day";
  ComputeNumericStats(1.0, {1, 2, 3}, &got);
  EXPECT_EQ(got.item, "copies");
  EXPECT_EQ(got.instance, "1.2");
  EXPECT_EQ(got.measure, "per_day");
}

// Peers with sample mean 10 and sd sqrt(2.5); the claimed value k sd away.
TEST(StatsTest, OutlierFiveSdAwayIsFlaggedOneSdAwayIsNot) {
  const std::vector<double> peers = {8, 9, 10, 11, 12};
  double mean = std::accumulate(peers.begin(), peers.end(), 0.0) / 5.0;
  double ss = 0;
  for (double v : peers) ss += (v - mean) * (v - mean);
  double sd = std::sqrt(ss / 4.0);

  store::ClaimStatRecord far;
  ComputeNumericStats(mean + 5 * sd, peers, &far);
  ASSERT_TRUE(far.z.has_value());
  EXPECT_NEAR(*far.z, 5.0, kTolerance);
  EXPECT_TRUE(far.meaningful);
  EXPECT_TRUE(far.flagged);

  store::ClaimStatRecord below;
  ComputeNumericStats(mean - 5 * sd, peers, &below);
  EXPECT_TRUE(below.flagged);

  store::ClaimStatRecord near;
  ComputeNumericStats(mean + sd, peers, &near);
  ASSERT_TRUE(near.z.has_value());
  EXPECT_NEAR(*near.z, 1.0, kTolerance);
  EXPECT_FALSE(near.flagged);
}

TEST(StatsTest, TwoPeersAreNeverMeaningfulNorFlagged) {
  for (double claimed : {-1e9, 0.0, 1.5, 1e9}) {
    store::ClaimStatRecord got;
    ComputeNumericStats(claimed, {1, 2}, &got);
    EXPECT_EQ(got.n, 2);
    EXPECT_FALSE(got.meaningful);
    EXPECT_FALSE(got.flagged) << claimed;
  }
  store::ClaimStatRecord agreeing;
  ComputeNumericStats(9.0, {1, 1}, &agreeing);
  EXPECT_FALSE(agreeing.flagged);
}

TEST(StatsTest, AgreeingPeersFlagADifferentClaimedValue) {
  store::ClaimStatRecord got;
  ComputeNumericStats(4.0, {3, 3, 3}, &got);
  ASSERT_TRUE(got.sd.has_value());
  EXPECT_EQ(*got.sd, 0.0);
  EXPECT_FALSE(got.z.has_value());
  EXPECT_FALSE(got.robust_z.has_value());
  EXPECT_TRUE(got.flagged);

  store::ClaimStatRecord same;
  ComputeNumericStats(3.0, {3, 3, 3}, &same);
  EXPECT_FALSE(same.flagged);
}

// 0.1 summed three times and divided by 3 is not 0.1: peers that agree on a
// fraction still have sd 0, and the same claimed value is not flagged.
TEST(StatsTest, PeersAgreeingOnAFractionHaveZeroSd) {
  store::ClaimStatRecord same;
  ComputeNumericStats(0.1, {0.1, 0.1, 0.1}, &same);
  ASSERT_TRUE(same.sd.has_value());
  EXPECT_EQ(*same.sd, 0.0);
  EXPECT_FALSE(same.z.has_value());
  EXPECT_FALSE(same.flagged);

  store::ClaimStatRecord other;
  ComputeNumericStats(0.2, {0.1, 0.1, 0.1}, &other);
  EXPECT_TRUE(other.flagged);
}

TEST(StatsTest, NonFiniteValuesAreIgnored) {
  store::ClaimStatRecord got;
  ComputeNumericStats(12.0, {10, kNaN, 11, kInf, 9, -kInf}, &got);
  ExpectMatches(got, Recompute(12.0, {10, 11, 9}));

  store::ClaimStatRecord nan_claimed;
  ComputeNumericStats(kNaN, {1, 2, 3, 100}, &nan_claimed);
  EXPECT_EQ(nan_claimed.n, 4);
  EXPECT_FALSE(nan_claimed.z.has_value());
  EXPECT_FALSE(nan_claimed.robust_z.has_value());
  EXPECT_FALSE(nan_claimed.percentile.has_value());
  EXPECT_FALSE(nan_claimed.flagged);

  store::ClaimStatRecord only_nan;
  ComputeNumericStats(1.0, {kNaN, kNaN, kNaN}, &only_nan);
  EXPECT_EQ(only_nan.n, 0);
  EXPECT_FALSE(only_nan.mean.has_value());
  EXPECT_FALSE(only_nan.meaningful);
  EXPECT_FALSE(only_nan.flagged);
}

TEST(StatsTest, TextMostCommonValueTiesGoToTheByteWiseSmallest) {
  store::ClaimStatRecord got;
  ComputeTextStats(std::string("c"), {"b", "a", "b", "a", "c"}, &got);
  EXPECT_FALSE(got.numeric);
  EXPECT_EQ(got.n, 5);
  EXPECT_EQ(got.most_common, "a");
  EXPECT_EQ(got.most_common_count, 2);
  EXPECT_TRUE(got.differs);
  EXPECT_TRUE(got.meaningful);
  EXPECT_TRUE(got.flagged);
  EXPECT_FALSE(got.mean.has_value());
  EXPECT_FALSE(got.z.has_value());

  // Bytes compare unsigned: "z" (0x7a) sorts before "é" (0xc3 0xa9).
  store::ClaimStatRecord bytes;
  ComputeTextStats(std::string("z"), {"\xC3\xA9", "z", "z", "\xC3\xA9"}, &bytes);
  EXPECT_EQ(bytes.most_common, "z");
  EXPECT_FALSE(bytes.differs);
  EXPECT_FALSE(bytes.flagged);
}

TEST(StatsTest, TextDiffersIsFlaggedOnlyWhenMeaningful) {
  store::ClaimStatRecord three;
  ComputeTextStats(std::string("1.0"), {"2.0", "2.0", "1.0"}, &three);
  EXPECT_EQ(three.most_common, "2.0");
  EXPECT_EQ(three.most_common_count, 2);
  EXPECT_TRUE(three.differs);
  EXPECT_TRUE(three.flagged);

  store::ClaimStatRecord two;
  ComputeTextStats(std::string("1.0"), {"2.0", "2.0"}, &two);
  EXPECT_TRUE(two.differs);
  EXPECT_FALSE(two.meaningful);
  EXPECT_FALSE(two.flagged);

  store::ClaimStatRecord none;
  ComputeTextStats(std::nullopt, {"2.0", "2.0", "2.0"}, &none);
  EXPECT_FALSE(none.differs);
  EXPECT_FALSE(none.flagged);

  store::ClaimStatRecord no_peers;
  ComputeTextStats(std::string("x"), {}, &no_peers);
  EXPECT_EQ(no_peers.n, 0);
  EXPECT_EQ(no_peers.most_common_count, 0);
  EXPECT_FALSE(no_peers.differs);
  EXPECT_FALSE(no_peers.flagged);
}

store::ClaimStatRecord Stat(std::string item, bool flagged, bool numeric, std::optional<double> z) {
  store::ClaimStatRecord s;
  s.item = std::move(item);
  s.flagged = flagged;
  s.numeric = numeric;
  s.z = z;
  return s;
}

TEST(StatsTest, OrderFlaggedFirstByLargestZThenTextThenTheRestInGivenOrder) {
  std::vector<store::ClaimStatRecord> stats = {
      Stat("quiet-1", false, true, 0.5),  Stat("mild", true, true, 2.5),
      Stat("text-1", true, false, {}),    Stat("strong", true, true, -7.0),
      Stat("quiet-2", false, false, {}),  Stat("agreeing", true, true, {}),
      Stat("mild-tie", true, true, -2.5), Stat("quiet-3", false, true, 9.0),
      Stat("text-2", true, false, {}),
  };
  OrderFlaggedFirst(&stats);
  std::vector<std::string> order;
  for (const auto& s : stats) order.push_back(s.item);
  EXPECT_EQ(order, (std::vector<std::string>{"agreeing", "strong", "mild", "mild-tie", "text-1",
                                             "text-2", "quiet-1", "quiet-2", "quiet-3"}));
}

TEST(StatsTest, OrderFlaggedFirstKeepsAnOrderedListAsItIs) {
  std::vector<store::ClaimStatRecord> stats;
  for (int i = 0; i < 20; ++i) stats.push_back(Stat("s" + std::to_string(i), false, true, i));
  OrderFlaggedFirst(&stats);
  for (int i = 0; i < 20; ++i)
    EXPECT_EQ(stats[static_cast<size_t>(i)].item, "s" + std::to_string(i));
}

}  // namespace
}  // namespace periscope::claimtool
