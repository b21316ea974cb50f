// Helpers shared by the poller's write side (poll_writer.cc, metrics_writer.cc).
// Each runs inside the caller's transaction.
#ifndef PERISCOPE_STORE_POLL_WRITER_INTERNAL_H_
#define PERISCOPE_STORE_POLL_WRITER_INTERNAL_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "store/db.h"
#include "store/metrics.h"
#include "store/poll_writer.h"

namespace periscope::store::internal {

// The device's id: inserted when new (first_seen = last_seen = at); otherwise
// last_seen = at, kind set and retired_at cleared (a retired device seen again
// is active again).
Result<int64_t> UpsertDevice(Db& db, int64_t target_id, int64_t device_index,
                             const std::string& serial_number, DeviceKind kind, int64_t at);

// One target's device result, as WriteDeviceResults takes it.
struct DeviceResult {
  int64_t run_id = 0;
  int64_t target_id = 0;
  int64_t sampled_at = 0;
  int64_t slot_start = 0;  // at most one sample per device and slot: a second is dropped
  const std::vector<DeviceRecord>* devices = nullptr;
  const std::vector<PollWarning>* warnings = nullptr;  // may be null
};

// Stores the results as PollWriter::RecordTarget stores one, with the same
// outcome as writing them one after another in order, but with a few
// multi-row statements per table for all of them.
Status WriteDeviceResults(Db& db, const std::vector<DeviceResult>& results);

// One target's peripherals (PollWriter::RecordPeripherals).
Status WritePeripherals(Db& db, int64_t run_id, int64_t target_id, int64_t sampled_at,
                        const std::vector<PeripheralRecord>& devices,
                        const std::vector<PollWarning>& warnings);

// A failed target (PollWriter::RecordError): at most one error row per
// target and slot (a second is dropped, as a second sample is).
struct ErrorResult {
  int64_t run_id = 0;
  int64_t target_id = 0;
  int64_t at = 0;
  int64_t slot_start = 0;
  std::string_view error_class;
  std::string_view message;
};
Status InsertErrors(Db& db, const std::vector<ErrorResult>& errors);

// Inserts the warnings with the run and target.
Status InsertWarnings(Db& db, int64_t run_id, int64_t target_id, int64_t at,
                      const std::vector<PollWarning>& warnings);

// A warning with its run, target and time; the warning must outlive the call.
struct WarningRow {
  int64_t run_id = 0;
  int64_t target_id = 0;
  int64_t at = 0;
  const PollWarning* warning = nullptr;
};
Status InsertWarningRows(Db& db, const std::vector<WarningRow>& rows);

}  // namespace periscope::store::internal

#endif  // PERISCOPE_STORE_POLL_WRITER_INTERNAL_H_
