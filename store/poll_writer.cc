#include "store/poll_writer.h"

#include <algorithm>
#include <map>
#include <optional>
#include <tuple>
#include <utility>

#include <fmt/format.h>

#include "store/poll_writer_internal.h"
#include "store/sql_batch.h"

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

// A device's identity (devices' unique key).
using DeviceKey = std::tuple<int64_t, int64_t, std::string>;  // target, index, serial

std::optional<int64_t> OptionalInt(const Stmt& stmt, int column) {
  if (stmt.IsNull(column)) return std::nullopt;
  return stmt.Int(column);
}

// The latest stored specification of each of `device_ids`.
Result<std::map<int64_t, DeviceSpec>> LoadLatestSpecs(Db& db,
                                                      const std::vector<int64_t>& device_ids) {
  std::map<int64_t, DeviceSpec> out;
  Status s = internal::SelectIn(
      db,
      "SELECT s.device_id, s.type, s.product_name, s.model, s.product_number, s.configuration, "
      "s.firmware, s.capacity_bytes, s.cache_bytes, s.sale_date, s.price_minor_units, "
      "s.currency, s.user_id FROM device_specs s WHERE s.device_id IN ({}) AND s.id = "
      "(SELECT l.id FROM device_specs l WHERE l.device_id = s.device_id "
      "ORDER BY l.seen_from DESC, l.id DESC LIMIT 1)",
      device_ids, {}, [&](const Stmt& row) {
        DeviceSpec& prev = out[row.Int(0)];
        prev.type = row.Int(1);
        prev.product_name = row.Text(2);
        prev.model = row.Text(3);
        prev.product_number = row.Text(4);
        prev.configuration = row.Text(5);
        prev.firmware = row.Text(6);
        prev.capacity_bytes = row.Int(7);
        prev.cache_bytes = row.Int(8);
        if (!row.IsNull(9)) prev.sale_date = row.Int(9);
        prev.price_minor_units = row.Int(10);
        prev.currency = row.Text(11);
        prev.user_id = row.Text(12);
      });
  if (!s.ok()) return s;
  return out;
}

Status InsertSpec(Db& db, int64_t device_id, const DeviceSpec& s, int64_t at) {
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

// The stored daily rows of `device_ids` from `first_date` on, by device.
Result<std::map<int64_t, std::map<int64_t, DailyRow>>> LoadStoredDays(
    Db& db, const std::vector<int64_t>& device_ids, int64_t first_date) {
  std::map<int64_t, std::map<int64_t, DailyRow>> out;
  Status s = internal::SelectIn(
      db,
      "SELECT device_id, date, load_peak, load_avg_centi, used_bytes, intervals FROM daily "
      "WHERE device_id IN ({}) AND date >= ?",
      device_ids, {first_date}, [&](const Stmt& row) {
        DailyRow d;
        d.date = row.Int(1);
        d.load_peak = OptionalInt(row, 2);
        d.load_avg_centi = OptionalInt(row, 3);
        d.used_bytes = OptionalInt(row, 4);
        d.intervals = OptionalInt(row, 5);
        out[row.Int(0)][d.date] = d;
      });
  if (!s.ok()) return s;
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
  std::vector<WarningRow> rows;
  rows.reserve(warnings.size());
  for (const PollWarning& w : warnings) rows.push_back({run_id, target_id, at, &w});
  return InsertWarningRows(db, rows);
}

Status InsertWarningRows(Db& db, const std::vector<WarningRow>& rows) {
  return RunWithValueRows(
      db, "INSERT INTO poll_warnings (run_id, target_id, at, device_index, column_name, message)",
      {"?", "?", "?", "?", "?", "?"}, "", RepeatedRows::kRefused, rows.size(),
      [&](Stmt& stmt, int p, size_t i) {
        const WarningRow& r = rows[i];
        stmt.Bind(p, r.run_id)
            .Bind(p + 1, r.target_id)
            .Bind(p + 2, r.at)
            .Bind(p + 3, r.warning->device_index)
            .Bind(p + 4, r.warning->column)
            .Bind(p + 5, r.warning->message);
      });
}

}  // namespace internal

namespace internal {

Status WriteDeviceResults(Db& db, const std::vector<DeviceResult>& results) {
  // Every device of the results, in order, with its id once known.
  struct Item {
    const DeviceResult* result;
    const DeviceRecord* device;
    int64_t id = 0;
  };
  std::vector<Item> items;
  std::vector<int64_t> target_ids;
  for (const DeviceResult& r : results) {
    target_ids.push_back(r.target_id);
    for (const DeviceRecord& d : *r.devices) items.push_back({&r, &d});
  }
  std::sort(target_ids.begin(), target_ids.end());
  target_ids.erase(std::unique(target_ids.begin(), target_ids.end()), target_ids.end());

  // Identities: the stored ones in one read; a new device is inserted with
  // first_seen = last_seen; a known one gets last_seen (the newest poll of it
  // in these results), kind set and retired_at cleared.
  std::map<DeviceKey, int64_t> ids;
  PERISCOPE_RETURN_IF_ERROR(SelectIn(
      db, "SELECT id, target_id, device_index, serial_number FROM devices WHERE target_id IN ({})",
      target_ids, {}, [&](const Stmt& row) {
        ids[DeviceKey{row.Int(1), row.Int(2), row.Text(3)}] = row.Int(0);
      }));
  std::map<int64_t, int64_t> last_seen;  // device id -> newest poll time
  for (Item& item : items) {
    const DeviceRecord& d = *item.device;
    const int64_t at = item.result->sampled_at;
    auto [it, is_new] =
        ids.try_emplace(DeviceKey{item.result->target_id, d.device_index, d.serial_number}, 0);
    if (is_new) {
      auto ins = db.Prepare(
          "INSERT INTO devices (target_id, device_index, serial_number, first_seen, last_seen, "
          "kind) VALUES (?, ?, ?, ?, ?, 'periscope') RETURNING id");
      if (!ins.ok()) return ins.status();
      ins->Bind(1, item.result->target_id)
          .Bind(2, d.device_index)
          .Bind(3, d.serial_number)
          .Bind(4, at)
          .Bind(5, at);
      auto id = ins->RunReturningId();
      if (!id.ok()) return id.status();
      it->second = *id;
    } else {
      last_seen[it->second] = at;
    }
    item.id = it->second;
  }
  {
    std::vector<std::pair<int64_t, int64_t>> touched(last_seen.begin(), last_seen.end());
    PERISCOPE_RETURN_IF_ERROR(RunWithValueRows(
        db,
        "UPDATE devices SET last_seen = v.column2, kind = 'periscope', retired_at = NULL "
        "FROM (",
        {"CAST(? AS BIGINT)", "CAST(? AS BIGINT)"}, ") AS v WHERE devices.id = v.column1",
        RepeatedRows::kHarmless, touched.size(), [&](Stmt& stmt, int p, size_t i) {
          stmt.Bind(p, touched[i].first).Bind(p + 1, touched[i].second);
        }));
  }

  // Specifications: a new row only when a complete spec differs from the
  // latest stored (or written just before) one.
  {
    std::vector<int64_t> with_spec;
    for (const Item& item : items) {
      if (item.device->spec) with_spec.push_back(item.id);
    }
    if (!with_spec.empty()) {
      auto latest = LoadLatestSpecs(db, with_spec);
      if (!latest.ok()) return latest.status();
      for (const Item& item : items) {
        if (!item.device->spec) continue;
        auto it = latest->find(item.id);
        if (it != latest->end() && it->second == *item.device->spec) continue;
        PERISCOPE_RETURN_IF_ERROR(
            InsertSpec(db, item.id, *item.device->spec, item.result->sampled_at));
        (*latest)[item.id] = *item.device->spec;
      }
    }
  }

  // Samples: at most one per device and slot (a second is dropped).
  PERISCOPE_RETURN_IF_ERROR(RunWithValueRows(
      db,
      "INSERT INTO samples (device_id, run_id, sampled_at, used_bytes, capacity_bytes, "
      "load_interval_s, load_peak_today, load_avg_today_centi, writes_completed, "
      "bytes_written, status, status_text, slot_start)",
      {"?", "?", "?", "?", "?", "?", "?", "?", "?", "?", "?", "?", "?"},
      " ON CONFLICT (device_id, slot_start) DO NOTHING", RepeatedRows::kHarmless, items.size(),
      [&](Stmt& stmt, int p, size_t i) {
        const Item& item = items[i];
        const DeviceUsage& u = item.device->usage;
        stmt.Bind(p, item.id)
            .Bind(p + 1, item.result->run_id)
            .Bind(p + 2, item.result->sampled_at)
            .Bind(p + 3, u.used_bytes)
            .Bind(p + 4, u.capacity_bytes)
            .Bind(p + 5, u.load_interval_s)
            .Bind(p + 6, u.load_peak_today)
            .Bind(p + 7, u.load_avg_today_centi)
            .Bind(p + 8, u.writes_completed)
            .Bind(p + 9, u.bytes_written)
            .Bind(p + 10, u.status)
            .Bind(p + 11, u.status_text)
            .Bind(p + 12, item.result->slot_start);
      }));

  // Daily rows, merged with the stored ones (see PollWriter::RecordTarget);
  // a day that did not change costs no write (the agent serves its whole
  // daily table every poll).
  {
    std::vector<int64_t> with_days;
    int64_t first_date = 0;
    for (const Item& item : items) {
      if (item.device->daily.empty()) continue;
      with_days.push_back(item.id);
      for (const DailyRow& r : item.device->daily) {
        first_date = first_date == 0 ? r.date : std::min(first_date, r.date);
      }
    }
    if (!with_days.empty()) {
      auto stored = LoadStoredDays(db, with_days, first_date);
      if (!stored.ok()) return stored.status();
      std::map<std::pair<int64_t, int64_t>, DailyRow> writes;  // (device, date) -> row
      for (const Item& item : items) {
        const std::vector<DailyRow>& daily = item.device->daily;
        if (daily.empty()) continue;
        std::map<int64_t, DailyRow>& days = (*stored)[item.id];
        // A day older than the newest stored or reported one is closed.
        int64_t newest = days.empty() ? 0 : days.rbegin()->first;
        for (const DailyRow& r : daily) newest = std::max(newest, r.date);
        for (const DailyRow& incoming : daily) {
          DailyRow row = incoming;
          auto it = days.find(incoming.date);
          if (it != days.end()) {
            row = MergeDay(it->second, incoming, incoming.date < newest);
            if (row == it->second) continue;
          }
          days[row.date] = row;
          writes[{item.id, row.date}] = row;
        }
      }
      std::vector<std::pair<int64_t, const DailyRow*>> rows;
      for (const auto& [key, row] : writes) rows.emplace_back(key.first, &row);
      PERISCOPE_RETURN_IF_ERROR(RunWithValueRows(
          db,
          "INSERT INTO daily (device_id, date, load_peak, load_avg_centi, used_bytes, "
          "intervals)",
          {"?", "?", "?", "?", "?", "?"},
          " ON CONFLICT (device_id, date) DO UPDATE SET load_peak = excluded.load_peak, "
          "load_avg_centi = excluded.load_avg_centi, used_bytes = excluded.used_bytes, "
          "intervals = excluded.intervals",
          RepeatedRows::kRefused, rows.size(), [&](Stmt& stmt, int p, size_t i) {
            const DailyRow& row = *rows[i].second;
            stmt.Bind(p, rows[i].first)
                .Bind(p + 1, row.date)
                .Bind(p + 2, row.load_peak)
                .Bind(p + 3, row.load_avg_centi)
                .Bind(p + 4, row.used_bytes)
                .Bind(p + 5, row.intervals);
          }));
    }
  }

  std::vector<WarningRow> warnings;
  for (const DeviceResult& r : results) {
    if (r.warnings == nullptr) continue;
    for (const PollWarning& w : *r.warnings) {
      warnings.push_back({r.run_id, r.target_id, r.sampled_at, &w});
    }
  }
  return InsertWarningRows(db, warnings);
}

Status InsertErrors(Db& db, const std::vector<ErrorResult>& errors) {
  return RunWithValueRows(
      db, "INSERT INTO poll_errors (run_id, target_id, at, class, message, slot_start)",
      {"?", "?", "?", "?", "?", "?"}, " ON CONFLICT (target_id, slot_start) DO NOTHING",
      RepeatedRows::kHarmless, errors.size(), [&](Stmt& stmt, int p, size_t i) {
        const ErrorResult& e = errors[i];
        stmt.Bind(p, e.run_id)
            .Bind(p + 1, e.target_id)
            .Bind(p + 2, e.at)
            .Bind(p + 3, e.error_class)
            .Bind(p + 4, e.message)
            .Bind(p + 5, e.slot_start);
      });
}

}  // namespace internal

Status PollWriter::RecordTarget(int64_t run_id, int64_t target_id, int64_t sampled_at,
                                const std::vector<DeviceRecord>& devices,
                                const std::vector<PollWarning>& warnings) {
  return InTransaction(*db_, [&]() -> Status {
    return internal::WriteDeviceResults(
        *db_, {{run_id, target_id, sampled_at, sampled_at, &devices, &warnings}});
  });
}

Status PollWriter::RecordError(int64_t run_id, int64_t target_id, int64_t at,
                               const std::string& error_class, const std::string& message) {
  return InTransaction(*db_, [&]() -> Status {
    return internal::InsertErrors(*db_, {{run_id, target_id, at, at, error_class, message}});
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
