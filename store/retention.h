// Retention of the history: PostgreSQL's daily sample partitions, and pruning
// raw readings (samples, metric_samples) and daily aggregates (daily,
// metric_daily) past their keep periods (`periscope-store prune`).
#ifndef PERISCOPE_STORE_RETENTION_H_
#define PERISCOPE_STORE_RETENTION_H_

#include <cstdint>
#include <string>

#include "core/status.h"
#include "store/db.h"

namespace periscope::store {

inline constexpr int64_t kSecondsPerDay = 86400;
// Daily aggregates are what reports and forecasts read: never kept shorter.
inline constexpr int kMinKeepDailyDays = 365;

// The start (epoch s) of the UTC day holding `epoch_s`.
int64_t UtcDayStart(int64_t epoch_s);
// "samples_pYYYYMMDD" for the UTC day starting at `day_start_s`.
std::string SamplePartitionName(int64_t day_start_s);

// PostgreSQL: makes sure `samples` has a daily partition samples_pYYYYMMDD,
// FOR VALUES FROM (day start) TO (next day start) in epoch s UTC, for every
// day from today (UTC day of `now_s`) to today + `days_ahead`. Rows of such a
// day already in samples_default are moved into the new partition in the same
// transaction (the partition is created standalone, filled from the default
// partition with DELETE ... RETURNING, then attached), so a late partition
// never fails on, nor loses, rows. Each day runs in its own transaction under
// the writer lock (BeginImmediate). SQLite: nothing to do, Ok.
Status EnsureSamplePartitions(Db& db, int64_t now_s, int days_ahead);

// The same for every UTC day from the one holding `first_s` to the one holding
// `last_s` (both included); for copying a store whose samples span those days.
Status EnsureSamplePartitionsForRange(Db& db, int64_t first_s, int64_t last_s);

struct PruneResult {
  // The cutoff (epoch s, a UTC day start): raw rows before it are gone.
  int64_t raw_cutoff_s = 0;
  // The daily aggregates' cutoff (YYYYMMDD): days before it are gone.
  int64_t daily_cutoff_ymd = 0;
  // PostgreSQL: whole daily partitions dropped, and the rows they held.
  int64_t partitions_dropped = 0;
  int64_t samples_in_dropped_partitions = 0;
  // Rows deleted one by one (SQLite: all samples; PostgreSQL: samples_default).
  int64_t samples_deleted = 0;
  int64_t metric_samples_deleted = 0;
  int64_t daily_deleted = 0;
  int64_t metric_daily_deleted = 0;
};

// Removes raw readings (samples by slot_start, metric_samples by sampled_at)
// from before the UTC day `keep_days` days before today, and daily aggregates
// (daily, metric_daily; dates YYYYMMDD) from before the day `keep_daily_days`
// before today. PostgreSQL drops whole daily partitions whose upper bound is
// <= the cutoff and deletes older rows from samples_default; row deletes run
// in batches of `batch_rows` per transaction so the writer lock is never held
// long. With `dry_run` nothing is changed and the result counts what would go.
// InvalidArgument naming the field: keep_days < 1, keep_daily_days <
// kMinKeepDailyDays.
Result<PruneResult> PruneSamples(Db& db, int64_t now_s, int keep_days, int keep_daily_days,
                                 bool dry_run = false, int batch_rows = 10000);

}  // namespace periscope::store

#endif  // PERISCOPE_STORE_RETENTION_H_
