#include "store/leases.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <set>

#include <fmt/format.h>

#include "store/poll_writer_internal.h"
#include "store/sql_batch.h"

namespace periscope::store {
namespace {

// The message prefix that marks a refused chunk (Status has no code of its
// own for it; FailedPrecondition + this prefix).
constexpr std::string_view kLeaseLostPrefix = "lease lost: ";

// The database clock as an SQL expression (epoch s).
const char* NowSql(const Db& db) {
  return db.is_postgres() ? "CAST(floor(extract(epoch FROM clock_timestamp())) AS BIGINT)"
                          : "CAST(strftime('%s', 'now') AS INTEGER)";
}

int64_t Offset(int64_t bucket, const BucketSettings& settings) {
  return settings.interval_s > 0 ? bucket * settings.interval_s / settings.bucket_count : 0;
}

Result<std::string> Setting(Db& db, const std::string& name) {
  auto st = db.Prepare("SELECT value FROM store_settings WHERE name = ?");
  if (!st.ok()) return st.status();
  st->Bind(1, name);
  auto row = st->Step();
  if (!row.ok()) return row.status();
  return *row ? st->Text(0) : std::string();
}

// A numeric setting; `absent` when it was never set.
Result<int64_t> IntSetting(Db& db, const std::string& name, int64_t absent) {
  auto text = Setting(db, name);
  if (!text.ok()) return text.status();
  if (text->empty()) return absent;
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (ec != std::errc() || end != text->data() + text->size()) {
    return DataLossError(
        fmt::format("{}: store_settings {} is '{}', not a number", db.path(), name, *text));
  }
  return value;
}

Status SetSetting(Db& db, const std::string& name, const std::string& value) {
  auto st = db.Prepare(
      "INSERT INTO store_settings (name, value) VALUES (?, ?) "
      "ON CONFLICT (name) DO UPDATE SET value = excluded.value");
  if (!st.ok()) return st.status();
  st->Bind(1, name).Bind(2, value);
  return st->Run();
}

}  // namespace

bool IsLeaseLost(const Status& status) {
  return status.code() == StatusCode::kFailedPrecondition &&
         status.message().starts_with(kLeaseLostPrefix);
}

Result<int64_t> DatabaseNow(Db& db) {
  auto st = db.Prepare(fmt::format("SELECT {}", NowSql(db)));
  if (!st.ok()) return st.status();
  auto row = st->Step();
  if (!row.ok()) return row.status();
  return st->Int(0);
}

Status PrepareBuckets(Db& db, const BucketSettings& settings) {
  if (settings.bucket_count < 1 || settings.bucket_count > 1'000'000) {
    return InvalidArgumentError(
        fmt::format("bucket count {} out of range 1..1000000", settings.bucket_count));
  }
  return InTransaction(db, [&]() -> Status {
    auto stored = Setting(db, "bucket_count");
    if (!stored.ok()) return stored.status();
    const std::string wanted = std::to_string(settings.bucket_count);
    // Targets up to this id have their bucket; targets only ever get larger
    // ids (none is deleted), so a run looks only at the ones added since.
    auto through = IntSetting(db, "bucketed_through_id", -1);
    if (!through.ok()) return through.status();
    int64_t bucketed_through = *through;
    if (*stored != wanted) {
      // A new count: every bucket starts due now; leases of the old layout
      // are void (their epochs are gone with their rows).
      PERISCOPE_RETURN_IF_ERROR(db.Exec("DELETE FROM poll_buckets"));
      auto insert =
          db.Prepare("INSERT INTO poll_buckets (bucket, next_due, epoch) VALUES (?, 0, ?)");
      if (!insert.ok()) return insert.status();
      // Epochs continue above any earlier layout's so a stale fence can never match.
      for (int64_t b = 0; b < settings.bucket_count; ++b) {
        insert->Reset();
        insert->Bind(1, b).Bind(2, int64_t{1'000'000'000});
        PERISCOPE_RETURN_IF_ERROR(insert->Run());
      }
      PERISCOPE_RETURN_IF_ERROR(SetSetting(db, "bucket_count", wanted));
      bucketed_through = -1;
    }
    PERISCOPE_RETURN_IF_ERROR(
        SetSetting(db, "poll_interval_s", std::to_string(settings.interval_s)));
    auto rebucket = db.Prepare(
        "UPDATE targets SET bucket = (id * 2654435761) % ?1 "
        "WHERE id > ?2 AND bucket <> (id * 2654435761) % ?1");
    if (!rebucket.ok()) return rebucket.status();
    rebucket->Bind(1, settings.bucket_count).Bind(2, bucketed_through);
    PERISCOPE_RETURN_IF_ERROR(rebucket->Run());
    auto newest = db.Prepare("SELECT COALESCE(max(id), -1) FROM targets");
    if (!newest.ok()) return newest.status();
    auto row = newest->Step();
    if (!row.ok()) return row.status();
    return SetSetting(db, "bucketed_through_id", std::to_string(newest->Int(0)));
  });
}

Status ReleaseStaleLeasesOfDeadRuns(Db& db) {
  if (db.is_postgres()) return Status::Ok();
  return InTransaction(db, [&]() -> Status {
    return db.Exec(
        "UPDATE poll_buckets SET lease_owner = NULL, lease_until = NULL "
        "WHERE lease_owner IS NOT NULL");
  });
}

Result<int64_t> NextRunSlot(Db& db) {
  auto st =
      db.Prepare(fmt::format("SELECT CASE WHEN {now} > COALESCE(max(completed_slot), 0) THEN {now} "
                             "ELSE max(completed_slot) + 1 END FROM poll_buckets",
                             fmt::arg("now", NowSql(db))));
  if (!st.ok()) return st.status();
  auto row = st->Step();
  if (!row.ok()) return row.status();
  return st->Int(0);
}

Result<int64_t> SecondsUntilDue(Db& db, int64_t none_s) {
  auto st = db.Prepare(fmt::format(
      "SELECT min(CASE WHEN b.lease_until IS NOT NULL AND b.lease_until >= {now} "
      "  THEN CASE WHEN b.lease_until > b.next_due THEN b.lease_until ELSE b.next_due END "
      "  ELSE b.next_due END) - {now} FROM poll_buckets b "
      "WHERE EXISTS (SELECT 1 FROM targets t WHERE t.bucket = b.bucket AND t.enabled = 1)",
      fmt::arg("now", NowSql(db))));
  if (!st.ok()) return st.status();
  auto row = st->Step();
  if (!row.ok()) return row.status();
  if (!*row || st->IsNull(0)) return none_s;
  return std::max<int64_t>(0, st->Int(0));
}

Result<std::pair<int64_t, int64_t>> CountBucketsAndTargets(Db& db) {
  auto buckets = IntSetting(db, "bucket_count", 1);
  if (!buckets.ok()) return buckets.status();
  auto st = db.Prepare("SELECT count(*) FROM targets WHERE enabled = 1");
  if (!st.ok()) return st.status();
  auto row = st->Step();
  if (!row.ok()) return row.status();
  const int64_t targets = st->Int(0);
  return std::make_pair(std::min(*buckets, targets), targets);
}

Result<std::vector<BucketLease>> ClaimDueBuckets(Db& db, const std::string& owner,
                                                 const BucketSettings& settings, int64_t due_by,
                                                 int64_t ttl_s, int max_buckets) {
  std::vector<BucketLease> out;
  Status s = [&]() -> Status {
    // PostgreSQL: rows another poller is claiming right now are skipped, not
    // waited for; the subquery's FOR UPDATE re-checks them on their latest
    // version. SQLite: one writer, so the same statement is race-free.
    const std::string sql = fmt::format(
        "UPDATE poll_buckets SET lease_owner = ?1, lease_until = {now} + ?2, "
        "epoch = epoch + 1, claimed_at = {now} "
        "WHERE bucket IN (SELECT bucket FROM poll_buckets b "
        "  WHERE {due} AND (b.lease_until IS NULL OR b.lease_until < {now}) "
        "  AND EXISTS (SELECT 1 FROM targets t WHERE t.bucket = b.bucket AND t.enabled = 1) "
        "  ORDER BY b.next_due, b.bucket LIMIT ?4{lock}) "
        "RETURNING bucket, epoch, next_due, completed_slot, claimed_at",
        fmt::arg("now", NowSql(db)),
        fmt::arg("due", settings.interval_s > 0
                            ? "b.next_due <= ?3"
                            : "(b.completed_slot IS NULL OR b.completed_slot < ?3)"),
        fmt::arg("lock", db.is_postgres() ? " FOR UPDATE SKIP LOCKED" : ""));
    PERISCOPE_RETURN_IF_ERROR(db.BeginConcurrent());
    auto st = db.Prepare(sql);
    if (!st.ok()) return st.status();
    st->Bind(1, owner).Bind(2, ttl_s).Bind(3, due_by).Bind(4, int64_t{max_buckets});
    while (true) {
      auto row = st->Step();
      if (!row.ok()) return row.status();
      if (!*row) break;
      BucketLease lease;
      lease.bucket = st->Int(0);
      lease.epoch = st->Int(1);
      const int64_t next_due = st->Int(2);
      const int64_t claimed_at = st->Int(4);
      if (settings.interval_s > 0) {
        const int64_t offset = Offset(lease.bucket, settings);
        const int64_t due_slot = next_due - offset;
        // A bucket overdue by more than an interval polls the current slot
        // (missed slots cannot be polled any more).
        const int64_t current_slot =
            (claimed_at - offset) / settings.interval_s * settings.interval_s;
        lease.slot_start = std::max(due_slot, current_slot);
        lease.next_due = lease.slot_start + settings.interval_s + offset;
      } else {
        lease.slot_start = due_by;
        lease.next_due = 0;
      }
      out.push_back(lease);
    }
    return db.Commit();
  }();
  if (!s.ok()) {
    db.Rollback();
    return s;
  }
  std::sort(out.begin(), out.end(),
            [](const BucketLease& a, const BucketLease& b) { return a.bucket < b.bucket; });
  return out;
}

Result<std::vector<Target>> LoadBucketTargets(Db& db, int64_t bucket, int64_t slot_start) {
  auto st = db.Prepare(
      "SELECT t.id, t.address, t.port, t.profile, c.user_id, t.kind FROM targets t "
      "JOIN customers c ON c.id = t.customer_id "
      "WHERE t.bucket = ? AND t.enabled = 1 AND (t.polled_slot IS NULL OR t.polled_slot < ?) "
      "ORDER BY t.id");
  if (!st.ok()) return st.status();
  st->Bind(1, bucket).Bind(2, slot_start);
  std::vector<Target> out;
  while (true) {
    auto row = st->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    DeviceKind kind = ParseDeviceKind(st->Text(5)).value_or(DeviceKind::kPeriscope);
    out.push_back(Target{st->Int(0), st->Text(1), static_cast<int>(st->Int(2)), st->Text(3),
                         st->Text(4), kind});
  }
  return out;
}

namespace {

// The fence of every part at once: this poller, the part's epoch, an
// unexpired lease. Fenced rows stay locked (PostgreSQL) until commit, so no
// claim can slip in between. Returns the buckets whose fence held.
Result<std::set<int64_t>> FenceParts(Db& db, const std::string& owner,
                                     const std::vector<BucketChunk>& parts, int64_t ttl_s) {
  std::set<int64_t> held;
  for (size_t first = 0; first < parts.size(); first += internal::kMaxBatchRows) {
    const size_t n = std::min(internal::kMaxBatchRows, parts.size() - first);
    const size_t padded = internal::PaddedListSize(n);
    auto fence = db.Prepare(fmt::format(
        "UPDATE poll_buckets SET lease_until = {now} + ? "
        "WHERE lease_owner = ? AND lease_until >= {now} AND (bucket, epoch) IN (VALUES {rows}) "
        "RETURNING bucket",
        fmt::arg("now", NowSql(db)),
        fmt::arg("rows",
                 internal::ValuesRows(padded, {"CAST(? AS BIGINT)", "CAST(? AS BIGINT)"}))));
    if (!fence.ok()) return fence.status();
    fence->Bind(1, ttl_s).Bind(2, owner);
    for (size_t i = 0; i < padded; ++i) {
      const BucketLease& lease = *parts[first + std::min(i, n - 1)].lease;
      fence->Bind(static_cast<int>(2 * i) + 3, lease.bucket);
      fence->Bind(static_cast<int>(2 * i) + 4, lease.epoch);
    }
    while (true) {
      auto row = fence->Step();
      if (!row.ok()) return row.status();
      if (!*row) break;
      held.insert(fence->Int(0));
    }
  }
  return held;
}

// polled_slot of `target_ids` (committed in `slot`).
Status MarkPolled(Db& db, int64_t slot, const std::vector<int64_t>& target_ids) {
  for (size_t first = 0; first < target_ids.size(); first += internal::kMaxBatchRows) {
    const size_t n = std::min(internal::kMaxBatchRows, target_ids.size() - first);
    const size_t padded = internal::PaddedListSize(n);
    auto polled = db.Prepare(fmt::format("UPDATE targets SET polled_slot = ? WHERE id IN ({})",
                                         internal::Markers(padded)));
    if (!polled.ok()) return polled.status();
    polled->Bind(1, slot);
    for (size_t i = 0; i < padded; ++i) {
      polled->Bind(static_cast<int>(i) + 2, target_ids[first + std::min(i, n - 1)]);
    }
    PERISCOPE_RETURN_IF_ERROR(polled->Run());
  }
  return Status::Ok();
}

}  // namespace

Result<std::vector<int64_t>> WriteLeasedChunks(Db& db, int64_t run_id, const std::string& owner,
                                               const std::vector<BucketChunk>& parts,
                                               int64_t ttl_s) {
  std::vector<int64_t> lost;
  Status s = [&]() -> Status {
    PERISCOPE_RETURN_IF_ERROR(db.BeginConcurrent());
    auto held = FenceParts(db, owner, parts, ttl_s);
    if (!held.ok()) return held.status();
    // The held parts' results, written together (a refused part writes
    // nothing); then their targets' polled_slot and the completed buckets.
    std::vector<internal::DeviceResult> devices;
    std::vector<internal::ErrorResult> errors;
    std::vector<internal::WarningRow> error_warnings;
    std::map<int64_t, std::vector<int64_t>> polled;  // slot -> targets
    for (const BucketChunk& part : parts) {
      const BucketLease& lease = *part.lease;
      if (!held->contains(lease.bucket)) {
        lost.push_back(lease.bucket);
        continue;
      }
      for (const TargetResult& r : *part.results) {
        polled[lease.slot_start].push_back(r.target_id);
        switch (r.kind) {
          case TargetResult::Kind::kDevices:
            devices.push_back(
                {run_id, r.target_id, r.at, lease.slot_start, &r.devices, &r.warnings});
            break;
          case TargetResult::Kind::kPeripherals:
            PERISCOPE_RETURN_IF_ERROR(internal::WritePeripherals(db, run_id, r.target_id, r.at,
                                                                 r.peripherals, r.warnings));
            break;
          case TargetResult::Kind::kError:
            errors.push_back(
                {run_id, r.target_id, r.at, lease.slot_start, r.error_class, r.error_message});
            for (const PollWarning& w : r.warnings) {
              error_warnings.push_back({run_id, r.target_id, r.at, &w});
            }
            break;
        }
      }
    }
    if (!devices.empty()) PERISCOPE_RETURN_IF_ERROR(internal::WriteDeviceResults(db, devices));
    PERISCOPE_RETURN_IF_ERROR(internal::InsertErrors(db, errors));
    PERISCOPE_RETURN_IF_ERROR(internal::InsertWarningRows(db, error_warnings));
    for (const auto& [slot, target_ids] : polled) {
      PERISCOPE_RETURN_IF_ERROR(MarkPolled(db, slot, target_ids));
    }
    for (const BucketChunk& part : parts) {
      const BucketLease& lease = *part.lease;
      if (!part.complete || !held->contains(lease.bucket)) continue;
      auto done = db.Prepare(fmt::format(
          "UPDATE poll_buckets SET lease_owner = NULL, lease_until = NULL, next_due = ?1, "
          "completed_at = {now}, completed_slot = ?2 WHERE bucket = ?3 AND epoch = ?4",
          fmt::arg("now", NowSql(db))));
      if (!done.ok()) return done.status();
      done->Bind(1, lease.next_due).Bind(2, lease.slot_start).Bind(3, lease.bucket);
      done->Bind(4, lease.epoch);
      PERISCOPE_RETURN_IF_ERROR(done->Run());
    }
    return db.Commit();
  }();
  if (!s.ok()) {
    db.Rollback();
    return s;
  }
  return lost;
}

Status WriteLeasedChunk(Db& db, int64_t run_id, const std::string& owner, const BucketLease& lease,
                        const std::vector<TargetResult>& results, bool complete, int64_t ttl_s) {
  auto lost = WriteLeasedChunks(db, run_id, owner, {{&lease, &results, complete}}, ttl_s);
  if (!lost.ok()) return lost.status();
  if (!lost->empty()) {
    return FailedPreconditionError(fmt::format(
        "{}bucket {} epoch {}: the lease expired or another poller holds it; {} results of "
        "slot {} not written",
        kLeaseLostPrefix, lease.bucket, lease.epoch, results.size(), lease.slot_start));
  }
  return Status::Ok();
}

Result<std::vector<int64_t>> RenewLeases(Db& db, const std::string& owner,
                                         const std::vector<BucketLease>& leases, int64_t ttl_s) {
  std::vector<int64_t> lost;
  if (leases.empty()) return lost;
  Status s = [&]() -> Status {
    PERISCOPE_RETURN_IF_ERROR(db.BeginConcurrent());
    auto renew = db.Prepare(fmt::format(
        "UPDATE poll_buckets SET lease_until = {now} + ?1 "
        "WHERE bucket = ?2 AND epoch = ?3 AND lease_owner = ?4 AND lease_until >= {now}",
        fmt::arg("now", NowSql(db))));
    if (!renew.ok()) return renew.status();
    for (const BucketLease& lease : leases) {
      renew->Reset();
      renew->Bind(1, ttl_s).Bind(2, lease.bucket).Bind(3, lease.epoch).Bind(4, owner);
      PERISCOPE_RETURN_IF_ERROR(renew->Run());
      if (db.Changes() != 1) lost.push_back(lease.bucket);
    }
    return db.Commit();
  }();
  if (!s.ok()) {
    db.Rollback();
    return s;
  }
  return lost;
}

Status RegisterPoller(Db& db, const std::string& name, const std::string& host, int64_t pid,
                      int64_t run_id) {
  return InTransaction(db, [&]() -> Status {
    auto st = db.Prepare(fmt::format(
        "INSERT INTO pollers (name, host, pid, started_at, last_seen, last_run_id, state) "
        "VALUES (?1, ?2, ?3, {now}, {now}, ?4, 'running') ON CONFLICT (name) DO UPDATE SET "
        "host = excluded.host, pid = excluded.pid, started_at = excluded.started_at, "
        "last_seen = excluded.last_seen, last_run_id = excluded.last_run_id, state = 'running'",
        fmt::arg("now", NowSql(db))));
    if (!st.ok()) return st.status();
    st->Bind(1, name).Bind(2, host).Bind(3, pid).Bind(4, run_id);
    PERISCOPE_RETURN_IF_ERROR(st->Run());
    auto run = db.Prepare("UPDATE poll_runs SET poller = ? WHERE id = ?");
    if (!run.ok()) return run.status();
    run->Bind(1, name).Bind(2, run_id);
    return run->Run();
  });
}

Status MarkPollerStopped(Db& db, const std::string& name) {
  return InTransaction(db, [&]() -> Status {
    auto st = db.Prepare(
        fmt::format("UPDATE pollers SET state = 'stopped', last_seen = {now} WHERE name = ?",
                    fmt::arg("now", NowSql(db))));
    if (!st.ok()) return st.status();
    st->Bind(1, name);
    return st->Run();
  });
}

Status RecordRunCounters(Db& db, int64_t run_id, const std::string& poller, int64_t reconnects,
                         int64_t leases_lost) {
  return InTransaction(db, [&]() -> Status {
    auto st = db.Prepare("UPDATE poll_runs SET reconnects = ?, leases_lost = ? WHERE id = ?");
    if (!st.ok()) return st.status();
    st->Bind(1, reconnects).Bind(2, leases_lost).Bind(3, run_id);
    PERISCOPE_RETURN_IF_ERROR(st->Run());
    auto seen = db.Prepare(fmt::format("UPDATE pollers SET last_seen = {now} WHERE name = ?",
                                       fmt::arg("now", NowSql(db))));
    if (!seen.ok()) return seen.status();
    seen->Bind(1, poller);
    return seen->Run();
  });
}

}  // namespace periscope::store
