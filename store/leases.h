// Bucket leases: how pollers share the targets (issue 12).
//
// Targets fall into `bucket_count` buckets (a stable hash of the target id:
// (id * 2654435761) mod bucket_count, so doubling the count splits every
// bucket in two). A poller claims due buckets, polls their targets, and writes
// results in chunks; every chunk's transaction first re-checks that the
// poller still holds the bucket at the epoch it claimed (the fencing token,
// +1 on every claim) and that the lease has not expired, and is rolled back
// otherwise (kLeaseLost below). All times are the database's clock (epoch s),
// never a poller's.
//
// Slots: with an interval I > 0 a bucket b is due at slot_start + offset(b)
// (offset = b * I / bucket_count, spreading the fleet over the interval); its
// samples carry slot_start, and a (device, slot_start) pair is stored at most
// once whatever happens (UNIQUE, ON CONFLICT DO NOTHING). With I = 0 (cron
// without an interval: every run polls everything once) each run is its own
// slot (NextRunSlot): a bucket is due when its last completed slot is older.
// That is for one poller at a time (SQLite, or one cron poller on
// PostgreSQL); pollers sharing a store need I > 0.
//
// PostgreSQL: claims use FOR UPDATE SKIP LOCKED, so pollers never wait for
// each other; chunks use concurrent transactions (each touches only its own
// bucket's rows). SQLite: one poller (the run's flock); the same statements
// without row locks, and leases are never taken away.
#ifndef PERISCOPE_STORE_LEASES_H_
#define PERISCOPE_STORE_LEASES_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "store/db.h"
#include "store/metrics.h"
#include "store/poll_writer.h"

namespace periscope::store {

// A chunk refused because the bucket's lease is no longer this poller's (it
// expired and was, or may be, claimed by another). Nothing of it was written.
bool IsLeaseLost(const Status& status);

// The database's clock, epoch seconds.
Result<int64_t> DatabaseNow(Db& db);

struct BucketSettings {
  int64_t bucket_count = 1024;
  int64_t interval_s = 0;  // 0: every run polls everything once
};

// Makes the store's buckets match `settings`: the poll_buckets rows
// 0..bucket_count-1 (a changed count replaces them, due at once) and every
// target's bucket. Cheap when nothing changed: only targets added since the
// last call are looked at (a changed count rebuckets all). Under the writer
// lock.
Status PrepareBuckets(Db& db, const BucketSettings& settings);

// SQLite only (one poller holds the flock): leases left by a killed run are
// released. PostgreSQL leases expire on their own.
Status ReleaseStaleLeasesOfDeadRuns(Db& db);

struct BucketLease {
  int64_t bucket = 0;
  int64_t epoch = 0;
  int64_t slot_start = 0;  // the slot this claim polls for
  int64_t next_due = 0;    // when the bucket is due after this slot
};

// The slot of a run with interval 0: the database's now, but always after
// every slot already completed.
Result<int64_t> NextRunSlot(Db& db);

// Claims up to `max_buckets` due buckets that have enabled targets, with the
// lease free or expired: with an interval, next_due <= due_by (now); without,
// completed_slot < due_by (the run's slot, so a run takes each bucket once).
// Sets owner, lease_until = now + ttl_s, epoch + 1.
Result<std::vector<BucketLease>> ClaimDueBuckets(Db& db, const std::string& owner,
                                                 const BucketSettings& settings, int64_t due_by,
                                                 int64_t ttl_s, int max_buckets);

// Enabled targets of a bucket whose result for `slot_start` is not stored yet.
Result<std::vector<Target>> LoadBucketTargets(Db& db, int64_t bucket, int64_t slot_start);

// Seconds until the next bucket with enabled targets is due and free (0: one
// is due now; `none_s` when no bucket has targets). For --service to sleep
// between passes without starting empty runs.
Result<int64_t> SecondsUntilDue(Db& db, int64_t none_s);

// About how many buckets hold enabled targets (at most the bucket count and
// the target count) and how many enabled targets there are (the claim size).
Result<std::pair<int64_t, int64_t>> CountBucketsAndTargets(Db& db);

// One target's result in a chunk.
struct TargetResult {
  int64_t target_id = 0;
  int64_t at = 0;  // UTC seconds
  enum class Kind { kDevices, kPeripherals, kError } kind = Kind::kDevices;
  std::vector<DeviceRecord> devices;
  std::vector<PeripheralRecord> peripherals;
  std::vector<PollWarning> warnings;
  std::string error_class;  // kError
  std::string error_message;
};

// Writes results of one leased bucket in one transaction: the fence first
// (kLeaseLost when the lease is gone: nothing is written), then every
// result (samples with lease.slot_start, ON CONFLICT DO NOTHING), the targets'
// polled_slot, and a longer lease (now + ttl_s). With `complete` the bucket is
// also released and due again at lease.next_due.
Status WriteLeasedChunk(Db& db, int64_t run_id, const std::string& owner, const BucketLease& lease,
                        const std::vector<TargetResult>& results, bool complete, int64_t ttl_s);

// One bucket's part of a chunk (pointers: the caller keeps them alive).
struct BucketChunk {
  const BucketLease* lease = nullptr;
  const std::vector<TargetResult>* results = nullptr;
  bool complete = false;
};

// Results of several leased buckets in one transaction (so a commit carries
// chunk-targets results even when buckets are small): each bucket's part is
// fenced on its own; a refused part is left out (nothing of it written) and
// its bucket returned; the others are committed.
Result<std::vector<int64_t>> WriteLeasedChunks(Db& db, int64_t run_id, const std::string& owner,
                                               const std::vector<BucketChunk>& parts,
                                               int64_t ttl_s);

// Extends the leases this poller still holds (a heartbeat while slow devices
// keep a bucket from committing a chunk). Returns the buckets whose lease was
// gone (expired or taken): their results will be refused.
Result<std::vector<int64_t>> RenewLeases(Db& db, const std::string& owner,
                                         const std::vector<BucketLease>& leases, int64_t ttl_s);

// Pollers seen by the store (`periscope-store list pollers`).
Status RegisterPoller(Db& db, const std::string& name, const std::string& host, int64_t pid,
                      int64_t run_id);
Status MarkPollerStopped(Db& db, const std::string& name);

// Counters of a run for the summary (reconnects, leases lost).
Status RecordRunCounters(Db& db, int64_t run_id, const std::string& poller, int64_t reconnects,
                         int64_t leases_lost);

}  // namespace periscope::store

#endif  // PERISCOPE_STORE_LEASES_H_
