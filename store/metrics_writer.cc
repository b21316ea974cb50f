// PollWriter::RecordPeripherals: peripheral identity, specs, alerts, metric
// samples and the daily aggregates computed from successive readings.
#include <time.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "store/poll_writer.h"
#include "store/poll_writer_internal.h"

namespace periscope::store {
namespace {

// A delta whose rate exceeds the capacity by more than this factor is refused.
constexpr double kCapacityTolerance = 1.10;
constexpr uint64_t kTwoTo32 = uint64_t{1} << 32;
constexpr uint64_t kTwoTo31 = uint64_t{1} << 31;
// An interval longer than this (a poller stopped for weeks, or a clock jump
// forward) is a discontinuity: where in it the usage happened is unknown, and
// spreading it over every day would invent daily figures.
constexpr int64_t kMaxCounterIntervalS = int64_t{35} * 86400;

std::string_view MetricTypeName(MetricType type) {
  switch (type) {
    case MetricType::kGauge:
      return "gauge";
    case MetricType::kCounter32:
      return "counter32";
    case MetricType::kCounter64:
      return "counter64";
    case MetricType::kLifeCount:
      return "lifecount";
  }
  return "gauge";
}

bool IsCounter(MetricType type) { return type != MetricType::kGauge; }

// YYYYMMDD of `at` (UTC seconds) in the process's local time zone.
int64_t LocalDate(int64_t at) {
  time_t t = static_cast<time_t>(at);
  struct tm tm {};
  localtime_r(&t, &tm);
  return int64_t{tm.tm_year + 1900} * 10000 + int64_t{tm.tm_mon + 1} * 100 + tm.tm_mday;
}

// The first local midnight after `at`.
int64_t NextLocalMidnight(int64_t at) {
  time_t t = static_cast<time_t>(at);
  struct tm tm {};
  localtime_r(&t, &tm);
  tm.tm_mday += 1;
  tm.tm_hour = 0;
  tm.tm_min = 0;
  tm.tm_sec = 0;
  tm.tm_isdst = -1;
  time_t next = mktime(&tm);
  if (next == static_cast<time_t>(-1) || next <= t) return at + 86400;
  return static_cast<int64_t>(next);
}

// What one reading adds to one day's metric_daily row (merged into the stored
// row by UpsertDay; absent fields leave the stored ones alone).
struct DayContribution {
  int64_t date = 0;
  int64_t samples = 0;
  std::optional<double> value;  // min/max/last; sum as well for gauges
  bool gauge = false;
  double total = 0;
  int64_t intervals = 0;
  int64_t covered_s = 0;
  std::optional<double> peak_delta;
  std::optional<int64_t> peak_interval_s;
  std::optional<double> peak_rate_per_s;
  std::optional<double> capacity_per_s;
  int64_t discontinuities = 0;
};

// The previous reading of one metric instance (metric_last).
struct LastReading {
  std::string type;
  uint64_t value = 0;
  int64_t sampled_at = 0;
  std::optional<int64_t> uptime_cs;
};

class MetricStatements {
 public:
  static Result<MetricStatements> Prepare(Db& db) {
    MetricStatements s;
    auto last = db.Prepare(
        "SELECT type, value, sampled_at, uptime_cs FROM metric_last "
        "WHERE device_id = ? AND metric = ? AND instance = ?");
    if (!last.ok()) return last.status();
    s.last_.emplace(std::move(*last));
    auto sample = db.Prepare(
        "INSERT INTO metric_samples (device_id, metric, instance, sampled_at, run_id, value) "
        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (device_id, metric, instance, sampled_at) "
        "DO UPDATE SET run_id = excluded.run_id, value = excluded.value");
    if (!sample.ok()) return sample.status();
    s.sample_.emplace(std::move(*sample));
    auto set_last = db.Prepare(
        "INSERT INTO metric_last (device_id, metric, instance, type, value, sampled_at, "
        "uptime_cs) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (device_id, metric, instance) "
        "DO UPDATE SET type = excluded.type, value = excluded.value, "
        "sampled_at = excluded.sampled_at, uptime_cs = excluded.uptime_cs");
    if (!set_last.ok()) return set_last.status();
    s.set_last_.emplace(std::move(*set_last));
    // A NULL on either side keeps the known value (CASE, not two-argument
    // min/max: PostgreSQL has none). Old-row columns are qualified: PostgreSQL
    // finds them ambiguous with excluded otherwise.
    auto day = db.Prepare(
        "INSERT INTO metric_daily (device_id, metric, instance, date, samples, min_value, "
        "max_value, sum_value, last_value, total, intervals, covered_s, peak_delta, "
        "peak_interval_s, peak_rate_per_s, capacity_per_s, discontinuities) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7, ?6, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15) "
        "ON CONFLICT (device_id, metric, instance, date) DO UPDATE SET "
        "samples = metric_daily.samples + excluded.samples, "
        "min_value = CASE WHEN excluded.min_value < metric_daily.min_value "
        "  THEN excluded.min_value ELSE COALESCE(metric_daily.min_value, excluded.min_value) END, "
        "max_value = CASE WHEN excluded.max_value > metric_daily.max_value "
        "  THEN excluded.max_value ELSE COALESCE(metric_daily.max_value, excluded.max_value) END, "
        "sum_value = CASE WHEN excluded.sum_value IS NULL THEN metric_daily.sum_value "
        "                 ELSE COALESCE(metric_daily.sum_value, 0) + excluded.sum_value END, "
        "last_value = COALESCE(excluded.last_value, metric_daily.last_value), "
        "total = metric_daily.total + excluded.total, "
        "intervals = metric_daily.intervals + excluded.intervals, "
        "covered_s = metric_daily.covered_s + excluded.covered_s, "
        "peak_interval_s = CASE WHEN excluded.peak_delta IS NOT NULL AND "
        "  (metric_daily.peak_delta IS NULL OR excluded.peak_delta > metric_daily.peak_delta) "
        "  THEN excluded.peak_interval_s ELSE metric_daily.peak_interval_s END, "
        "peak_delta = CASE WHEN excluded.peak_delta > metric_daily.peak_delta "
        "  THEN excluded.peak_delta "
        "  ELSE COALESCE(metric_daily.peak_delta, excluded.peak_delta) END, "
        "peak_rate_per_s = CASE WHEN excluded.peak_rate_per_s > metric_daily.peak_rate_per_s "
        "  THEN excluded.peak_rate_per_s "
        "  ELSE COALESCE(metric_daily.peak_rate_per_s, excluded.peak_rate_per_s) END, "
        "capacity_per_s = COALESCE(excluded.capacity_per_s, metric_daily.capacity_per_s), "
        "discontinuities = metric_daily.discontinuities + excluded.discontinuities");
    if (!day.ok()) return day.status();
    s.day_.emplace(std::move(*day));
    return s;
  }

  Result<std::optional<LastReading>> Last(int64_t device_id, const MetricReading& r) {
    Stmt& st = *last_;
    st.Reset();
    st.Bind(1, device_id).Bind(2, r.metric).Bind(3, r.instance);
    auto row = st.Step();
    if (!row.ok()) return row.status();
    std::optional<LastReading> out;
    if (*row) {
      out.emplace();
      out->type = st.Text(0);
      out->value = std::bit_cast<uint64_t>(st.Int(1));
      out->sampled_at = st.Int(2);
      if (!st.IsNull(3)) out->uptime_cs = st.Int(3);
    }
    st.Reset();
    return out;
  }

  Status InsertSample(int64_t device_id, const MetricReading& r, int64_t sampled_at,
                      int64_t run_id) {
    Stmt& st = *sample_;
    st.Reset();
    st.Bind(1, device_id)
        .Bind(2, r.metric)
        .Bind(3, r.instance)
        .Bind(4, sampled_at)
        .Bind(5, run_id)
        .Bind(6, std::bit_cast<int64_t>(r.value));
    return st.Run();
  }

  Status SetLast(int64_t device_id, const MetricReading& r, int64_t sampled_at,
                 std::optional<int64_t> uptime_cs) {
    Stmt& st = *set_last_;
    st.Reset();
    st.Bind(1, device_id)
        .Bind(2, r.metric)
        .Bind(3, r.instance)
        .Bind(4, MetricTypeName(r.type))
        .Bind(5, std::bit_cast<int64_t>(r.value))
        .Bind(6, sampled_at)
        .Bind(7, uptime_cs);
    return st.Run();
  }

  Status UpsertDay(int64_t device_id, const MetricReading& r, const DayContribution& c) {
    Stmt& st = *day_;
    st.Reset();
    st.Bind(1, device_id)
        .Bind(2, r.metric)
        .Bind(3, r.instance)
        .Bind(4, c.date)
        .Bind(5, c.samples)
        .BindDouble(6, c.value)
        .BindDouble(7, c.gauge ? c.value : std::nullopt)
        .BindDouble(8, c.total)
        .Bind(9, c.intervals)
        .Bind(10, c.covered_s)
        .BindDouble(11, c.peak_delta)
        .Bind(12, c.peak_interval_s)
        .BindDouble(13, c.peak_rate_per_s)
        .BindDouble(14, c.capacity_per_s)
        .Bind(15, c.discontinuities);
    return st.Run();
  }

 private:
  MetricStatements() = default;
  std::optional<Stmt> last_, sample_, set_last_, day_;
};

// The usage a counter reading adds since `last`, or nullopt when the interval
// is a discontinuity (clock step, agent restart, reset, implausible wrap, or a
// rate above the capacity).
std::optional<uint64_t> CounterDelta(const LastReading& last, const MetricReading& r,
                                     int64_t sampled_at, std::optional<int64_t> uptime_cs) {
  const int64_t dt = sampled_at - last.sampled_at;
  if (dt <= 0) return std::nullopt;  // the clock stepped back (or stood still)
  if (dt > kMaxCounterIntervalS) return std::nullopt;
  if (uptime_cs && last.uptime_cs && *uptime_cs < *last.uptime_cs) return std::nullopt;
  uint64_t delta = 0;
  if (r.value >= last.value) {
    delta = r.value - last.value;
  } else if (r.type == MetricType::kCounter32 && last.value < kTwoTo32 && r.value < kTwoTo32) {
    delta = kTwoTo32 - last.value + r.value;
    const bool plausible = r.capacity_per_s ? static_cast<double>(delta) <=
                                                  *r.capacity_per_s * static_cast<double>(dt) * 1.0
                                            : delta < kTwoTo31;
    if (!plausible) return std::nullopt;
  } else {
    return std::nullopt;  // a reset (64-bit counters and life counts never wrap)
  }
  if (r.capacity_per_s && *r.capacity_per_s > 0 &&
      static_cast<double>(delta) / static_cast<double>(dt) >
          *r.capacity_per_s * kCapacityTolerance) {
    return std::nullopt;
  }
  return delta;
}

// Adds one reading of one metric instance: the sample, the day's figures, the
// usage since the previous reading, and the new baseline.
Status RecordReading(MetricStatements& st, int64_t device_id, int64_t run_id, int64_t sampled_at,
                     std::optional<int64_t> uptime_cs, const MetricReading& r) {
  auto last = st.Last(device_id, r);
  if (!last.ok()) return last.status();
  PERISCOPE_RETURN_IF_ERROR(st.InsertSample(device_id, r, sampled_at, run_id));

  DayContribution today;
  today.date = LocalDate(sampled_at);
  today.samples = 1;
  today.value = static_cast<double>(r.value);
  today.gauge = !IsCounter(r.type);
  if (IsCounter(r.type)) today.capacity_per_s = r.capacity_per_s;

  std::vector<DayContribution> usage;  // earlier days an interval reaches back into
  if (IsCounter(r.type) && *last && (*last)->type == MetricTypeName(r.type)) {
    const LastReading& prev = **last;
    auto delta = CounterDelta(prev, r, sampled_at, uptime_cs);
    if (!delta) {
      today.discontinuities = 1;
    } else {
      // Split across local midnights in proportion to the seconds on each
      // side; the peak counts only for an interval within one day.
      const int64_t dt = sampled_at - prev.sampled_at;
      const double d = static_cast<double>(*delta);
      int64_t from = prev.sampled_at;
      bool split = false;
      while (from < sampled_at) {
        const int64_t until = std::min(NextLocalMidnight(from), sampled_at);
        if (until < sampled_at) split = true;
        const int64_t seconds = until - from;
        const int64_t date = LocalDate(from);
        DayContribution* c = &today;
        if (date != today.date) {
          usage.push_back(DayContribution{});
          c = &usage.back();
          c->date = date;
          c->capacity_per_s = r.capacity_per_s;
        }
        c->total += d * static_cast<double>(seconds) / static_cast<double>(dt);
        c->intervals += 1;
        c->covered_s += seconds;
        from = until;
      }
      if (!split) {
        // The whole interval lies in one day: the day the interval ends, or
        // the previous one when it ends on the stroke of midnight.
        DayContribution& c = usage.empty() ? today : usage.back();
        c.peak_delta = d;
        c.peak_interval_s = dt;
        c.peak_rate_per_s = d / static_cast<double>(dt);
      }
    }
  }
  for (const DayContribution& c : usage) {
    PERISCOPE_RETURN_IF_ERROR(st.UpsertDay(device_id, r, c));
  }
  PERISCOPE_RETURN_IF_ERROR(st.UpsertDay(device_id, r, today));
  return st.SetLast(device_id, r, sampled_at, uptime_cs);
}

Status RecordPeripheralSpecIfChanged(Db& db, int64_t device_id, const PeripheralSpec& spec,
                                     int64_t at) {
  auto last = db.Prepare(
      "SELECT model, model_source, description, firmware, details_json FROM peripheral_specs "
      "WHERE device_id = ? ORDER BY seen_from DESC, id DESC LIMIT 1");
  if (!last.ok()) return last.status();
  last->Bind(1, device_id);
  auto row = last->Step();
  if (!row.ok()) return row.status();
  if (*row) {
    PeripheralSpec prev{last->Text(0), last->Text(1), last->Text(2), last->Text(3), last->Text(4)};
    if (prev == spec) return Status::Ok();
  }
  last->Reset();
  auto ins = db.Prepare(
      "INSERT INTO peripheral_specs (device_id, seen_from, model, model_source, description, "
      "firmware, details_json) VALUES (?, ?, ?, ?, ?, ?, ?)");
  if (!ins.ok()) return ins.status();
  ins->Bind(1, device_id)
      .Bind(2, at)
      .Bind(3, spec.model)
      .Bind(4, spec.model_source)
      .Bind(5, spec.description)
      .Bind(6, spec.firmware)
      .Bind(7, spec.details_json);
  return ins->Run();
}

Status ReplaceAlerts(Db& db, int64_t device_id, const std::vector<DeviceAlert>& alerts,
                     int64_t at) {
  auto clear = db.Prepare("DELETE FROM device_alerts WHERE device_id = ?");
  if (!clear.ok()) return clear.status();
  clear->Bind(1, device_id);
  PERISCOPE_RETURN_IF_ERROR(clear->Run());
  if (alerts.empty()) return Status::Ok();
  // An index served twice keeps the later row.
  auto ins = db.Prepare(
      "INSERT INTO device_alerts (device_id, alert_index, severity, alert_group, group_index, "
      "code, description, seen_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
      "ON CONFLICT (device_id, alert_index) DO UPDATE SET severity = excluded.severity, "
      "alert_group = excluded.alert_group, group_index = excluded.group_index, "
      "code = excluded.code, description = excluded.description, seen_at = excluded.seen_at");
  if (!ins.ok()) return ins.status();
  for (const DeviceAlert& a : alerts) {
    ins->Reset();
    ins->Bind(1, device_id)
        .Bind(2, a.index)
        .Bind(3, a.severity)
        .Bind(4, a.group)
        .Bind(5, a.group_index)
        .Bind(6, a.code)
        .Bind(7, a.description)
        .Bind(8, at);
    PERISCOPE_RETURN_IF_ERROR(ins->Run());
  }
  return Status::Ok();
}

}  // namespace

Status PollWriter::RecordPeripherals(int64_t run_id, int64_t target_id, int64_t sampled_at,
                                     const std::vector<PeripheralRecord>& devices,
                                     const std::vector<PollWarning>& warnings) {
  return InTransaction(*db_, [&]() -> Status {
    return internal::WritePeripherals(*db_, run_id, target_id, sampled_at, devices, warnings);
  });
}

namespace internal {

Status WritePeripherals(Db& db, int64_t run_id, int64_t target_id, int64_t sampled_at,
                        const std::vector<PeripheralRecord>& devices,
                        const std::vector<PollWarning>& warnings) {
  Db* db_ = &db;
  {
    auto statements = MetricStatements::Prepare(*db_);
    if (!statements.ok()) return statements.status();
    for (const PeripheralRecord& p : devices) {
      auto device_id = internal::UpsertDevice(*db_, target_id, p.device_index, p.serial_number,
                                              p.kind, sampled_at);
      if (!device_id.ok()) return device_id.status();
      if (p.spec) {
        PERISCOPE_RETURN_IF_ERROR(
            RecordPeripheralSpecIfChanged(*db_, *device_id, *p.spec, sampled_at));
      }
      PERISCOPE_RETURN_IF_ERROR(ReplaceAlerts(*db_, *device_id, p.alerts, sampled_at));
      for (const MetricReading& r : p.readings) {
        PERISCOPE_RETURN_IF_ERROR(
            RecordReading(*statements, *device_id, run_id, sampled_at, p.uptime_cs, r));
      }
    }
    return internal::InsertWarnings(*db_, run_id, target_id, sampled_at, warnings);
  }
}

}  // namespace internal

}  // namespace periscope::store
