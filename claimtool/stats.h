// Per-item peer statistics (seed 003 claims 6-7: "an average value of each
// backup data item", and what a support engineer needs to judge it).
//
// Definitions (tests/claimtool/stats_test.cc recomputes each independently):
// - n: peers with a usable value; mean; median (mean of the two middle values
//   for even n); sd: the sample standard deviation (n - 1 in the
//   denominator; nullopt for n < 2); min, max.
// - z = (claimed - mean) / sd; nullopt when there is no claimed value, n < 2
//   or sd == 0.
// - robust z = 0.6745 * (claimed - median) / MAD, MAD the median of
//   |peer - median|; nullopt when MAD == 0 or no claimed value.
// - percentile: the mid-rank percentile of the claimed value among the peers,
//   100 * (below + equal / 2) / n.
// - meaningful: n >= kMinPeersForStats (3). With fewer, the figures are still
//   given but shown as not meaningful and nothing is flagged.
// - flagged (the likely cause): meaningful and |z| >= kFlagZ (2); and when
//   sd == 0 (every peer agrees) and the claimed value differs from them.
// Text items: the peers' most common value (ties: the smallest value in byte
// order), its count, and whether the claimed value differs from it; flagged
// when meaningful and it differs.
#ifndef PERISCOPE_CLAIMTOOL_STATS_H_
#define PERISCOPE_CLAIMTOOL_STATS_H_

#include <optional>
#include <string>
#include <vector>

#include "store/claims.h"

namespace periscope::claimtool {

inline constexpr int64_t kMinPeersForStats = 3;
inline constexpr double kFlagZ = 2.0;

// Fills n, mean, median, sd, min, max, z, robust_z, percentile, meaningful,
// flagged and numeric = true of `out` (item, instance, measure untouched).
void ComputeNumericStats(std::optional<double> claimed, const std::vector<double>& peers,
                         store::ClaimStatRecord* out);

// Fills n, most_common, most_common_count, differs, meaningful, flagged and
// numeric = false. `claimed` nullopt: the claimed device had no value
// (differs is then false).
void ComputeTextStats(const std::optional<std::string>& claimed,
                      const std::vector<std::string>& peers, store::ClaimStatRecord* out);

// Flagged first (largest |z| first, text items after numbers), then the
// others, each group keeping its given order. Stable. A number flagged
// without z (every peer agrees on another value: sd == 0) counts as the
// largest |z|.
void OrderFlaggedFirst(std::vector<store::ClaimStatRecord>* stats);

}  // namespace periscope::claimtool

#endif  // PERISCOPE_CLAIMTOOL_STATS_H_
