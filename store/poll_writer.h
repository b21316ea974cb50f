// The poller's write side of the store: runs, device results, errors.
//
// Each device result is committed whole or not at all (one BEGIN IMMEDIATE
// transaction); a run row moves from 'started' to 'finished' (or 'failed'). A
// killed poller leaves its run 'started' and no half-written device.
#ifndef PERISCOPE_STORE_POLL_WRITER_H_
#define PERISCOPE_STORE_POLL_WRITER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "store/db.h"
#include "store/metrics.h"

namespace periscope::store {

// A poll target as the poller needs it.
struct Target {
  int64_t id = 0;
  std::string address;
  int port = 161;
  std::string profile;
  std::string customer_user_id;
  DeviceKind kind = DeviceKind::kPeriscope;
};

// Enabled targets, optionally only one customer's or one address's.
Result<std::vector<Target>> LoadTargets(Db& db, const std::string& customer_user_id,
                                        const std::string& address);

// A device's specification. Recorded only when every field arrived valid: a
// partial or invalid spec never looks like a reconfiguration.
struct DeviceSpec {
  int64_t type = 1;
  std::string product_name, model, product_number, configuration, firmware;
  int64_t capacity_bytes = 0;
  int64_t cache_bytes = 0;
  std::optional<int64_t> sale_date;  // YYYYMMDD; nullopt: the agent says unknown
  int64_t price_minor_units = 0;
  std::string currency;
  std::string user_id;
  bool operator==(const DeviceSpec&) const = default;
};

// The usage status as served; nullopt where the column was missing or invalid
// (stored as NULL, never as 0 over a real figure).
struct DeviceUsage {
  std::optional<int64_t> used_bytes;
  std::optional<int64_t> capacity_bytes;
  std::optional<int64_t> load_interval_s;
  std::optional<int64_t> load_peak_today;
  std::optional<int64_t> load_avg_today_centi;
  std::optional<int64_t> writes_completed;
  std::optional<int64_t> bytes_written;
  std::optional<int64_t> status;
  std::optional<std::string> status_text;
};

// One day of the agent's daily table; nullopt fields were missing or invalid.
struct DailyRow {
  int64_t date = 0;  // YYYYMMDD, a real calendar day
  std::optional<int64_t> load_peak;
  std::optional<int64_t> load_avg_centi;
  std::optional<int64_t> used_bytes;
  std::optional<int64_t> intervals;
  bool operator==(const DailyRow&) const = default;
};

// One device as read from an agent. The identity is target + device_index +
// serial_number; serial_number is never empty.
struct DeviceRecord {
  int64_t device_index = 0;
  std::string serial_number;
  std::optional<DeviceSpec> spec;  // set only when complete and valid
  DeviceUsage usage;
  std::vector<DailyRow> daily;
};

// Something an agent served that the poller refused (a wrong-typed or
// out-of-range value); stored with the run, shown by `list errors`.
struct PollWarning {
  int64_t device_index = 0;  // 0: not tied to one device
  std::string column;        // MIB object name
  std::string message;       // what arrived and why it was refused
};

class PollWriter {
 public:
  explicit PollWriter(Db* db) : db_(db) {}

  // Inserts a 'started' run row.
  Result<int64_t> StartRun(int64_t started_at);
  // Moves the run to 'finished' (or 'failed') with its counts.
  Status FinishRun(int64_t run_id, int64_t finished_at, bool completed, int64_t total, int64_t ok,
                   int64_t failed, int64_t warnings = 0);

  // Stores every device of one target in one transaction: device identity
  // (a retired device seen again is active again), a new spec row when a
  // complete spec differs from the latest, a sample, the daily rows, and the
  // warnings. `sampled_at` is UTC seconds.
  //
  // Daily rows merge field by field: a missing field never overwrites a stored
  // value. A day older than the device's newest stored or reported day is
  // closed; a closed day's stored row is replaced only by a row covering at
  // least as many sampling intervals (otherwise only its missing fields are
  // filled), so an agent whose clock jumped or that lost its state cannot
  // erase a good day.
  Status RecordTarget(int64_t run_id, int64_t target_id, int64_t sampled_at,
                      const std::vector<DeviceRecord>& devices,
                      const std::vector<PollWarning>& warnings = {});

  // Stores every peripheral of one target in one transaction (issue 7):
  // identity (devices.kind set; a retired device seen again is active again),
  // a new peripheral_specs row when the spec differs from the latest, every
  // reading in metric_samples, the daily aggregates in metric_daily computed
  // against metric_last (see MetricType), the alert set, and the warnings.
  // `sampled_at` is UTC seconds; days are the process's local dates.
  Status RecordPeripherals(int64_t run_id, int64_t target_id, int64_t sampled_at,
                           const std::vector<PeripheralRecord>& devices,
                           const std::vector<PollWarning>& warnings = {});

  // Records a failed target: class is timeout, resolve, auth, protocol,
  // no-such-object, limit or internal.
  Status RecordError(int64_t run_id, int64_t target_id, int64_t at, const std::string& error_class,
                     const std::string& message);

  // Records warnings of a target that failed or stored nothing.
  Status RecordWarnings(int64_t run_id, int64_t target_id, int64_t at,
                        const std::vector<PollWarning>& warnings);

  // Marks devices not seen since `unseen_since` (UTC seconds) retired at `at`:
  // kept with their history, listed as retired, left out of reports. Returns
  // how many were newly retired.
  Result<int64_t> RetireDevicesUnseenSince(int64_t unseen_since, int64_t at);

 private:
  Db* db_;
};

}  // namespace periscope::store

#endif  // PERISCOPE_STORE_POLL_WRITER_H_
