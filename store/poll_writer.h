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

namespace periscope::store {

// A poll target as the poller needs it.
struct Target {
  int64_t id = 0;
  std::string address;
  int port = 161;
  std::string profile;
  std::string customer_user_id;
};

// Enabled targets, optionally only one customer's or one address's.
Result<std::vector<Target>> LoadTargets(Db& db, const std::string& customer_user_id,
                                        const std::string& address);

struct DeviceSpec {
  int64_t type = 1;
  std::string product_name, model, product_number, serial_number, configuration, firmware;
  int64_t capacity_bytes = 0;
  int64_t cache_bytes = 0;
  std::optional<int64_t> sale_date;  // YYYYMMDD
  int64_t price_minor_units = 0;
  std::string currency;
  std::string user_id;
  bool operator==(const DeviceSpec&) const = default;
};

struct DeviceUsage {
  int64_t used_bytes = 0;
  int64_t capacity_bytes = 0;
  int64_t load_interval_s = 0;
  int64_t load_peak_today = 0;
  int64_t load_avg_today_centi = 0;
  int64_t writes_completed = 0;
  int64_t bytes_written = 0;
  int64_t status = 3;
  std::string status_text;
};

struct DailyRow {
  int64_t date = 0;  // YYYYMMDD
  int64_t load_peak = 0;
  int64_t load_avg_centi = 0;
  int64_t used_bytes = 0;
  int64_t intervals = 0;
};

// One device as read from an agent.
struct DeviceRecord {
  int64_t device_index = 0;
  DeviceSpec spec;
  DeviceUsage usage;
  std::vector<DailyRow> daily;
};

class PollWriter {
 public:
  explicit PollWriter(Db* db) : db_(db) {}

  // Inserts a 'started' run row.
  Result<int64_t> StartRun(int64_t started_at);
  // Moves the run to 'finished' (or 'failed') with its counts.
  Status FinishRun(int64_t run_id, int64_t finished_at, bool completed, int64_t total, int64_t ok,
                   int64_t failed);

  // Stores every device of one target in one transaction: device identity,
  // a new spec row when the spec changed, a sample, and the daily rows
  // (upserted). `sampled_at` is UTC seconds.
  Status RecordTarget(int64_t run_id, int64_t target_id, int64_t sampled_at,
                      const std::vector<DeviceRecord>& devices);

  // Records a failed target: class is timeout, auth, protocol, no-such-object,
  // limit or internal.
  Status RecordError(int64_t run_id, int64_t target_id, int64_t at, const std::string& error_class,
                     const std::string& message);

 private:
  Db* db_;
};

}  // namespace periscope::store

#endif  // PERISCOPE_STORE_POLL_WRITER_H_
