#include "store/retention.h"

#include <time.h>

#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

namespace periscope::store {
namespace {

constexpr std::string_view kPartitionPrefix = "samples_p";

// YYYYMMDD of the UTC day holding `epoch_s`.
int64_t UtcYmd(int64_t epoch_s) {
  const time_t t = static_cast<time_t>(epoch_s);
  struct tm tm {};
  ::gmtime_r(&t, &tm);
  return int64_t{tm.tm_year + 1900} * 10000 + int64_t{tm.tm_mon + 1} * 100 + tm.tm_mday;
}

// The UTC day start of a partition named samples_pYYYYMMDD; nullopt for any
// other name (samples_default, or a table someone else attached).
std::optional<int64_t> PartitionDayStart(std::string_view name) {
  if (name.size() != kPartitionPrefix.size() + 8 ||
      name.substr(0, kPartitionPrefix.size()) != kPartitionPrefix) {
    return std::nullopt;
  }
  int ymd = 0;
  for (char c : name.substr(kPartitionPrefix.size())) {
    if (c < '0' || c > '9') return std::nullopt;
    ymd = ymd * 10 + (c - '0');
  }
  struct tm tm {};
  tm.tm_year = ymd / 10000 - 1900;
  tm.tm_mon = ymd / 100 % 100 - 1;
  tm.tm_mday = ymd % 100;
  const int64_t start = static_cast<int64_t>(::timegm(&tm));
  if (SamplePartitionName(start) != name) return std::nullopt;  // not a real date
  return start;
}

Result<int64_t> CountRows(Db& db, const std::string& sql, std::optional<int64_t> param) {
  auto stmt = db.Prepare(sql);
  if (!stmt.ok()) return stmt.status();
  if (param) stmt->Bind(1, *param);
  auto row = stmt->Step();
  if (!row.ok()) return row.status();
  return stmt->Int(0);
}

// Creates the partition of the UTC day starting at `day_start_s` unless it
// exists; see EnsureSamplePartitions.
Status EnsureDayPartition(Db& db, int64_t day_start_s) {
  const std::string name = SamplePartitionName(day_start_s);
  const int64_t next = day_start_s + kSecondsPerDay;
  return InTransaction(db, [&]() -> Status {
    auto exists = db.Prepare("SELECT to_regclass(?) IS NOT NULL");
    if (!exists.ok()) return exists.status();
    exists->Bind(1, name);
    auto row = exists->Step();
    if (!row.ok()) return row.status();
    if (exists->Int(0) != 0) return Status::Ok();
    auto stranded =
        db.Prepare("SELECT count(*) FROM samples_default WHERE slot_start >= ? AND slot_start < ?");
    if (!stranded.ok()) return stranded.status();
    stranded->Bind(1, day_start_s).Bind(2, next);
    auto counted = stranded->Step();
    if (!counted.ok()) return counted.status();
    // Names and bounds are computed here, never taken from input.
    if (stranded->Int(0) == 0) {
      return db.Exec(fmt::format(
          "CREATE TABLE IF NOT EXISTS {} PARTITION OF samples FOR VALUES FROM ({}) TO ({})", name,
          day_start_s, next));
    }
    // PostgreSQL refuses to create a partition whose rows sit in the default
    // partition: build it beside, move the rows, then attach (which checks
    // that the default partition no longer holds any of them).
    PERISCOPE_RETURN_IF_ERROR(db.Exec(fmt::format(
        "CREATE TABLE {} (LIKE samples INCLUDING DEFAULTS INCLUDING CONSTRAINTS)", name)));
    PERISCOPE_RETURN_IF_ERROR(db.Exec(fmt::format(
        "WITH moved AS (DELETE FROM samples_default WHERE slot_start >= {1} AND slot_start < {2} "
        "RETURNING *) INSERT INTO {0} SELECT * FROM moved",
        name, day_start_s, next)));
    return db.Exec(
        fmt::format("ALTER TABLE samples ATTACH PARTITION {} FOR VALUES FROM ({}) TO ({})", name,
                    day_start_s, next));
  });
}

// Runs `delete_sql` (parameters: ?1 the cutoff, ?2 the batch size) until it
// deletes fewer rows than a batch, one transaction per batch; the rows
// deleted.
Result<int64_t> DeleteInBatches(Db& db, const std::string& delete_sql, int64_t cutoff,
                                int batch_rows) {
  int64_t total = 0;
  while (true) {
    int64_t deleted = 0;
    Status s = InTransaction(db, [&]() -> Status {
      auto stmt = db.Prepare(delete_sql);
      if (!stmt.ok()) return stmt.status();
      stmt->Bind(1, cutoff).Bind(2, int64_t{batch_rows});
      PERISCOPE_RETURN_IF_ERROR(stmt->Run());
      deleted = db.Changes();
      return Status::Ok();
    });
    if (!s.ok()) return s;
    total += deleted;
    if (deleted < batch_rows) return total;
  }
}

// One table's old rows: `where` selects them with ?1 = the cutoff; `key` is
// the table's primary key (a row value for the batched delete).
struct PruneTarget {
  const char* table;
  const char* key;
  const char* where;
};

Result<int64_t> PruneTable(Db& db, const PruneTarget& t, int64_t cutoff, bool dry_run,
                           int batch_rows) {
  if (dry_run) {
    return CountRows(db, fmt::format("SELECT count(*) FROM {} WHERE {}", t.table, t.where), cutoff);
  }
  return DeleteInBatches(
      db,
      fmt::format("DELETE FROM {0} WHERE ({1}) IN (SELECT {1} FROM {0} WHERE {2} LIMIT ?2)",
                  t.table, t.key, t.where),
      cutoff, batch_rows);
}

}  // namespace

int64_t UtcDayStart(int64_t epoch_s) {
  int64_t days = epoch_s / kSecondsPerDay;
  if (epoch_s % kSecondsPerDay < 0) --days;
  return days * kSecondsPerDay;
}

std::string SamplePartitionName(int64_t day_start_s) {
  return fmt::format("{}{}", kPartitionPrefix, UtcYmd(day_start_s));
}

Status EnsureSamplePartitionsForRange(Db& db, int64_t first_s, int64_t last_s) {
  if (!db.is_postgres()) return Status::Ok();
  for (int64_t day = UtcDayStart(first_s); day <= UtcDayStart(last_s); day += kSecondsPerDay) {
    Status s = EnsureDayPartition(db, day);
    if (!s.ok()) return s.WithPrefix(fmt::format("partition {}", SamplePartitionName(day)));
  }
  return Status::Ok();
}

Status EnsureSamplePartitions(Db& db, int64_t now_s, int days_ahead) {
  if (days_ahead < 0) return InvalidArgumentError("days_ahead must not be negative");
  return EnsureSamplePartitionsForRange(db, now_s, now_s + int64_t{days_ahead} * kSecondsPerDay);
}

Result<PruneResult> PruneSamples(Db& db, int64_t now_s, int keep_days, int keep_daily_days,
                                 bool dry_run, int batch_rows) {
  if (keep_days < 1) {
    return InvalidArgumentError(fmt::format("keep-days must be at least 1 (got {})", keep_days));
  }
  if (keep_daily_days < kMinKeepDailyDays) {
    return InvalidArgumentError(
        fmt::format("keep-daily-days must be at least {} (got {}): reports and forecasts read "
                    "a year of daily figures",
                    kMinKeepDailyDays, keep_daily_days));
  }
  if (batch_rows < 1) return InvalidArgumentError("batch_rows must be at least 1");
  PruneResult result;
  const int64_t today = UtcDayStart(now_s);
  result.raw_cutoff_s = today - int64_t{keep_days} * kSecondsPerDay;
  result.daily_cutoff_ymd = UtcYmd(today - int64_t{keep_daily_days} * kSecondsPerDay);

  if (db.is_postgres()) {
    auto parts = db.Prepare(
        "SELECT c.relname FROM pg_catalog.pg_inherits i "
        "JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid "
        "WHERE i.inhparent = to_regclass('samples') ORDER BY c.relname");
    if (!parts.ok()) return parts.status();
    std::vector<std::string> old_partitions;
    while (true) {
      auto row = parts->Step();
      if (!row.ok()) return row.status();
      if (!*row) break;
      const std::string name = parts->Text(0);
      auto start = PartitionDayStart(name);
      if (start && *start + kSecondsPerDay <= result.raw_cutoff_s) old_partitions.push_back(name);
    }
    for (const std::string& name : old_partitions) {
      Status s = InTransaction(db, [&]() -> Status {
        auto rows = CountRows(db, fmt::format("SELECT count(*) FROM {}", name), std::nullopt);
        if (!rows.ok()) return rows.status();
        result.samples_in_dropped_partitions += *rows;
        if (!dry_run) PERISCOPE_RETURN_IF_ERROR(db.Exec(fmt::format("DROP TABLE {}", name)));
        ++result.partitions_dropped;
        return Status::Ok();
      });
      if (!s.ok()) return s.WithPrefix(fmt::format("dropping partition {}", name));
    }
    // ctid: samples has no index on id; each batch finds its rows by scan.
    auto deleted =
        dry_run ? CountRows(db, "SELECT count(*) FROM samples_default WHERE slot_start < ?",
                            result.raw_cutoff_s)
                : DeleteInBatches(db,
                                  "DELETE FROM samples_default WHERE ctid IN (SELECT ctid FROM "
                                  "samples_default WHERE slot_start < ?1 LIMIT ?2)",
                                  result.raw_cutoff_s, batch_rows);
    if (!deleted.ok()) return deleted.status();
    result.samples_deleted = *deleted;
  } else {
    // slot_start is NULL in SQLite rows written before the poller set it.
    auto deleted = PruneTable(db, {"samples", "id", "COALESCE(slot_start, sampled_at) < ?1"},
                              result.raw_cutoff_s, dry_run, batch_rows);
    if (!deleted.ok()) return deleted.status();
    result.samples_deleted = *deleted;
  }

  auto metric_samples = PruneTable(
      db, {"metric_samples", "device_id, metric, instance, sampled_at", "sampled_at < ?1"},
      result.raw_cutoff_s, dry_run, batch_rows);
  if (!metric_samples.ok()) return metric_samples.status();
  result.metric_samples_deleted = *metric_samples;
  auto daily = PruneTable(db, {"daily", "device_id, date", "date < ?1"}, result.daily_cutoff_ymd,
                          dry_run, batch_rows);
  if (!daily.ok()) return daily.status();
  result.daily_deleted = *daily;
  auto metric_daily =
      PruneTable(db, {"metric_daily", "device_id, metric, instance, date", "date < ?1"},
                 result.daily_cutoff_ymd, dry_run, batch_rows);
  if (!metric_daily.ok()) return metric_daily.status();
  result.metric_daily_deleted = *metric_daily;
  return result;
}

}  // namespace periscope::store
