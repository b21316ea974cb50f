#include "store/poll_writer.h"

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "store/poll_writer_internal.h"

namespace periscope::store {

Result<std::vector<Target>> LoadTargets(Db& db, const std::string& customer_user_id,
                                        const std::string& address) {
  auto stmt = db.Prepare(
      "SELECT t.id, t.address, t.port, t.profile, c.user_id, t.kind FROM targets t "
      "JOIN customers c ON c.id = t.customer_id WHERE t.enabled = 1 "
      "AND (?1 = '' OR c.user_id = ?1) AND (?2 = '' OR t.address = ?2) ORDER BY t.id");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, customer_user_id).Bind(2, address);
  std::vector<Target> out;
  while (true) {
    auto row = stmt->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    // The schema's CHECK admits only the four names.
    DeviceKind kind = ParseDeviceKind(stmt->Text(5)).value_or(DeviceKind::kPeriscope);
    out.push_back(Target{stmt->Int(0), stmt->Text(1), static_cast<int>(stmt->Int(2)), stmt->Text(3),
                         stmt->Text(4), kind});
  }
  return out;
}

Result<int64_t> PollWriter::StartRun(int64_t started_at) {
  int64_t id = 0;
  Status s = InTransaction(*db_, [&]() -> Status {
    auto stmt = db_->Prepare(
        "INSERT INTO poll_runs (started_at, state) VALUES (?, 'started') RETURNING id");
    if (!stmt.ok()) return stmt.status();
    stmt->Bind(1, started_at);
    auto inserted = stmt->RunReturningId();
    if (!inserted.ok()) return inserted.status();
    id = *inserted;
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return id;
}

Status PollWriter::FinishRun(int64_t run_id, int64_t finished_at, bool completed, int64_t total,
                             int64_t ok, int64_t failed, int64_t warnings) {
  return InTransaction(*db_, [&]() -> Status {
    auto stmt = db_->Prepare(
        "UPDATE poll_runs SET finished_at = ?, state = ?, targets_total = ?, targets_ok = ?, "
        "targets_failed = ?, warnings = ? WHERE id = ?");
    if (!stmt.ok()) return stmt.status();
    stmt->Bind(1, finished_at)
        .Bind(2, completed ? "finished" : "failed")
        .Bind(3, total)
        .Bind(4, ok)
        .Bind(5, failed)
        .Bind(6, warnings)
        .Bind(7, run_id);
    return stmt->Run();
  });
}

namespace {

Status RecordSpecIfChanged(Db& db, int64_t device_id, const DeviceSpec& s, int64_t at) {
  auto last = db.Prepare(
      "SELECT type, product_name, model, product_number, configuration, firmware, "
      "capacity_bytes, cache_bytes, sale_date, price_minor_units, currency, user_id "
      "FROM device_specs WHERE device_id = ? ORDER BY seen_from DESC, id DESC LIMIT 1");
  if (!last.ok()) return last.status();
  last->Bind(1, device_id);
  auto row = last->Step();
  if (!row.ok()) return row.status();
  if (*row) {
    DeviceSpec prev;
    prev.type = last->Int(0);
    prev.product_name = last->Text(1);
    prev.model = last->Text(2);
    prev.product_number = last->Text(3);
    prev.configuration = last->Text(4);
    prev.firmware = last->Text(5);
    prev.capacity_bytes = last->Int(6);
    prev.cache_bytes = last->Int(7);
    if (!last->IsNull(8)) prev.sale_date = last->Int(8);
    prev.price_minor_units = last->Int(9);
    prev.currency = last->Text(10);
    prev.user_id = last->Text(11);
    if (prev == s) return Status::Ok();
  }
  auto ins = db.Prepare(
      "INSERT INTO device_specs (device_id, seen_from, type, product_name, model, "
      "product_number, configuration, firmware, capacity_bytes, cache_bytes, sale_date, "
      "price_minor_units, currency, user_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  if (!ins.ok()) return ins.status();
  ins->Bind(1, device_id)
      .Bind(2, at)
      .Bind(3, s.type)
      .Bind(4, s.product_name)
      .Bind(5, s.model)
      .Bind(6, s.product_number)
      .Bind(7, s.configuration)
      .Bind(8, s.firmware)
      .Bind(9, s.capacity_bytes)
      .Bind(10, s.cache_bytes)
      .Bind(11, s.sale_date)
      .Bind(12, s.price_minor_units)
      .Bind(13, s.currency)
      .Bind(14, s.user_id);
  return ins->Run();
}

std::optional<int64_t> OptionalInt(const Stmt& stmt, int column) {
  if (stmt.IsNull(column)) return std::nullopt;
  return stmt.Int(column);
}

// The stored daily rows of a device from `first_date` on. Their newest date
// is the device's newest stored date whenever it matters: if none is on or
// after first_date, every incoming day is at least as new as any stored one.
struct StoredDays {
  std::map<int64_t, DailyRow> rows;
  int64_t newest_date = 0;
};

Result<StoredDays> LoadStoredDays(Db& db, int64_t device_id, int64_t first_date) {
  StoredDays out;
  auto stmt = db.Prepare(
      "SELECT date, load_peak, load_avg_centi, used_bytes, intervals FROM daily "
      "WHERE device_id = ? AND date >= ?");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, device_id).Bind(2, first_date);
  while (true) {
    auto r = stmt->Step();
    if (!r.ok()) return r.status();
    if (!*r) break;
    DailyRow d;
    d.date = stmt->Int(0);
    d.load_peak = OptionalInt(*stmt, 1);
    d.load_avg_centi = OptionalInt(*stmt, 2);
    d.used_bytes = OptionalInt(*stmt, 3);
    d.intervals = OptionalInt(*stmt, 4);
    out.newest_date = std::max(out.newest_date, d.date);
    out.rows[d.date] = d;
  }
  return out;
}

// The row to store for a day, given what is stored (see RecordTarget).
DailyRow MergeDay(const DailyRow& stored, const DailyRow& incoming, bool closed) {
  bool replaces = !closed || (incoming.intervals.has_value() &&
                              incoming.intervals.value_or(0) >= stored.intervals.value_or(0));
  const DailyRow& first = replaces ? incoming : stored;
  const DailyRow& second = replaces ? stored : incoming;
  DailyRow out;
  out.date = stored.date;
  out.load_peak = first.load_peak ? first.load_peak : second.load_peak;
  out.load_avg_centi = first.load_avg_centi ? first.load_avg_centi : second.load_avg_centi;
  out.used_bytes = first.used_bytes ? first.used_bytes : second.used_bytes;
  out.intervals = first.intervals ? first.intervals : second.intervals;
  return out;
}

}  // namespace

namespace internal {

Result<int64_t> UpsertDevice(Db& db, int64_t target_id, int64_t device_index,
                             const std::string& serial_number, DeviceKind kind, int64_t at) {
  const std::string kind_name(DeviceKindName(kind));
  auto find = db.Prepare(
      "SELECT id FROM devices WHERE target_id = ? AND device_index = ? AND serial_number = ?");
  if (!find.ok()) return find.status();
  find->Bind(1, target_id).Bind(2, device_index).Bind(3, serial_number);
  auto row = find->Step();
  if (!row.ok()) return row.status();
  if (*row) {
    int64_t id = find->Int(0);
    auto touch =
        db.Prepare("UPDATE devices SET last_seen = ?, kind = ?, retired_at = NULL WHERE id = ?");
    if (!touch.ok()) return touch.status();
    touch->Bind(1, at).Bind(2, kind_name).Bind(3, id);
    PERISCOPE_RETURN_IF_ERROR(touch->Run());
    return id;
  }
  auto ins = db.Prepare(
      "INSERT INTO devices (target_id, device_index, serial_number, first_seen, last_seen, kind) "
      "VALUES (?, ?, ?, ?, ?, ?) RETURNING id");
  if (!ins.ok()) return ins.status();
  ins->Bind(1, target_id)
      .Bind(2, device_index)
      .Bind(3, serial_number)
      .Bind(4, at)
      .Bind(5, at)
      .Bind(6, kind_name);
  return ins->RunReturningId();
}

Status InsertWarnings(Db& db, int64_t run_id, int64_t target_id, int64_t at,
                      const std::vector<PollWarning>& warnings) {
  if (warnings.empty()) return Status::Ok();
  auto stmt = db.Prepare(
      "INSERT INTO poll_warnings (run_id, target_id, at, device_index, column_name, message) "
      "VALUES (?, ?, ?, ?, ?, ?)");
  if (!stmt.ok()) return stmt.status();
  for (const PollWarning& w : warnings) {
    stmt->Reset();
    stmt->Bind(1, run_id)
        .Bind(2, target_id)
        .Bind(3, at)
        .Bind(4, w.device_index)
        .Bind(5, w.column)
        .Bind(6, w.message);
    PERISCOPE_RETURN_IF_ERROR(stmt->Run());
  }
  return Status::Ok();
}

}  // namespace internal

namespace internal {

Status WriteTargetDevices(Db& db, int64_t run_id, int64_t target_id, int64_t sampled_at,
                          int64_t slot_start, const std::vector<DeviceRecord>& devices,
                          const std::vector<PollWarning>& warnings) {
  Db* db_ = &db;
  {
    auto sample = db_->Prepare(
        "INSERT INTO samples (device_id, run_id, sampled_at, used_bytes, capacity_bytes, "
        "load_interval_s, load_peak_today, load_avg_today_centi, writes_completed, "
        "bytes_written, status, status_text, slot_start) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (device_id, slot_start) DO NOTHING");
    if (!sample.ok()) return sample.status();
    auto daily = db_->Prepare(
        "INSERT INTO daily (device_id, date, load_peak, load_avg_centi, used_bytes, intervals) "
        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (device_id, date) DO UPDATE SET "
        "load_peak = excluded.load_peak, load_avg_centi = excluded.load_avg_centi, "
        "used_bytes = excluded.used_bytes, intervals = excluded.intervals");
    if (!daily.ok()) return daily.status();
    for (const DeviceRecord& d : devices) {
      auto device_id = internal::UpsertDevice(*db_, target_id, d.device_index, d.serial_number,
                                              DeviceKind::kPeriscope, sampled_at);
      if (!device_id.ok()) return device_id.status();
      if (d.spec) {
        PERISCOPE_RETURN_IF_ERROR(RecordSpecIfChanged(*db_, *device_id, *d.spec, sampled_at));
      }
      const DeviceUsage& u = d.usage;
      sample->Reset();
      sample->Bind(1, *device_id)
          .Bind(2, run_id)
          .Bind(3, sampled_at)
          .Bind(4, u.used_bytes)
          .Bind(5, u.capacity_bytes)
          .Bind(6, u.load_interval_s)
          .Bind(7, u.load_peak_today)
          .Bind(8, u.load_avg_today_centi)
          .Bind(9, u.writes_completed)
          .Bind(10, u.bytes_written)
          .Bind(11, u.status)
          .Bind(12, u.status_text)
          .Bind(13, slot_start);
      PERISCOPE_RETURN_IF_ERROR(sample->Run());
      if (d.daily.empty()) continue;
      int64_t first_date = d.daily.front().date;
      int64_t newest_reported = d.daily.front().date;
      for (const DailyRow& r : d.daily) {
        first_date = std::min(first_date, r.date);
        newest_reported = std::max(newest_reported, r.date);
      }
      auto stored = LoadStoredDays(*db_, *device_id, first_date);
      if (!stored.ok()) return stored.status();
      const int64_t newest = std::max(stored->newest_date, newest_reported);
      for (const DailyRow& incoming : d.daily) {
        DailyRow row = incoming;
        auto it = stored->rows.find(incoming.date);
        if (it != stored->rows.end()) {
          row = MergeDay(it->second, incoming, incoming.date < newest);
          // The agent serves its whole daily table every poll: a day that
          // did not change costs no write.
          if (row == it->second) continue;
        }
        daily->Reset();
        daily->Bind(1, *device_id)
            .Bind(2, row.date)
            .Bind(3, row.load_peak)
            .Bind(4, row.load_avg_centi)
            .Bind(5, row.used_bytes)
            .Bind(6, row.intervals);
        PERISCOPE_RETURN_IF_ERROR(daily->Run());
      }
    }
    return internal::InsertWarnings(*db_, run_id, target_id, sampled_at, warnings);
  }
}

Status InsertError(Db& db, int64_t run_id, int64_t target_id, int64_t at,
                   const std::string& error_class, const std::string& message) {
  auto stmt = db.Prepare(
      "INSERT INTO poll_errors (run_id, target_id, at, class, message) VALUES (?, ?, ?, ?, ?)");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, run_id).Bind(2, target_id).Bind(3, at).Bind(4, error_class).Bind(5, message);
  return stmt->Run();
}

}  // namespace internal

Status PollWriter::RecordTarget(int64_t run_id, int64_t target_id, int64_t sampled_at,
                                const std::vector<DeviceRecord>& devices,
                                const std::vector<PollWarning>& warnings) {
  return InTransaction(*db_, [&]() -> Status {
    return internal::WriteTargetDevices(*db_, run_id, target_id, sampled_at, sampled_at, devices,
                                        warnings);
  });
}

Status PollWriter::RecordError(int64_t run_id, int64_t target_id, int64_t at,
                               const std::string& error_class, const std::string& message) {
  return InTransaction(*db_, [&]() -> Status {
    return internal::InsertError(*db_, run_id, target_id, at, error_class, message);
  });
}

Status PollWriter::RecordWarnings(int64_t run_id, int64_t target_id, int64_t at,
                                  const std::vector<PollWarning>& warnings) {
  if (warnings.empty()) return Status::Ok();
  return InTransaction(*db_, [&]() -> Status {
    return internal::InsertWarnings(*db_, run_id, target_id, at, warnings);
  });
}

Result<int64_t> PollWriter::RetireDevicesUnseenSince(int64_t unseen_since, int64_t at) {
  int64_t retired = 0;
  Status s = InTransaction(*db_, [&]() -> Status {
    auto stmt = db_->Prepare(
        "UPDATE devices SET retired_at = ? WHERE retired_at IS NULL AND last_seen < ?");
    if (!stmt.ok()) return stmt.status();
    stmt->Bind(1, at).Bind(2, unseen_since);
    PERISCOPE_RETURN_IF_ERROR(stmt->Run());
    retired = db_->Changes();
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return retired;
}

}  // namespace periscope::store
