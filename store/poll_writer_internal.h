// Helpers shared by the poller's write side (poll_writer.cc, metrics_writer.cc).
// Each runs inside the caller's transaction.
#ifndef PERISCOPE_STORE_POLL_WRITER_INTERNAL_H_
#define PERISCOPE_STORE_POLL_WRITER_INTERNAL_H_

#include <cstdint>
#include <string>
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

// One target's devices (PollWriter::RecordTarget) with their sample in
// `slot_start` (at most one per device and slot: a second is dropped).
Status WriteTargetDevices(Db& db, int64_t run_id, int64_t target_id, int64_t sampled_at,
                          int64_t slot_start, const std::vector<DeviceRecord>& devices,
                          const std::vector<PollWarning>& warnings);

// One target's peripherals (PollWriter::RecordPeripherals).
Status WritePeripherals(Db& db, int64_t run_id, int64_t target_id, int64_t sampled_at,
                        const std::vector<PeripheralRecord>& devices,
                        const std::vector<PollWarning>& warnings);

// A failed target (PollWriter::RecordError).
Status InsertError(Db& db, int64_t run_id, int64_t target_id, int64_t at,
                   const std::string& error_class, const std::string& message);

// Inserts the warnings with the run and target.
Status InsertWarnings(Db& db, int64_t run_id, int64_t target_id, int64_t at,
                      const std::vector<PollWarning>& warnings);

}  // namespace periscope::store::internal

#endif  // PERISCOPE_STORE_POLL_WRITER_INTERNAL_H_
