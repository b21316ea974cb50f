// Claims (seed 003, issue 8): a customer complaint about one device, the
// maintenance ("backup data") items it needs, every value read from the
// claimed device and from same-model peers (with the time it was read), and
// the per-item statistics computed from them.
//
// A stored claim is evidence: it is written once, in one transaction, and
// never updated afterwards except for its mail link, so `periscope-claim show
// ID` shows the values and statistics exactly as they were when the claim was
// made, whatever was polled or retired since.
//
// Every string comes from a device, a customer or a config: bound as a
// parameter, never spliced into SQL; the caller bounds lengths (claimtool
// cuts device text at kMaxClaimTextBytes).
#ifndef PERISCOPE_STORE_CLAIMS_H_
#define PERISCOPE_STORE_CLAIMS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "store/db.h"
#include "store/metrics.h"

namespace periscope::store {

// Bound on one stored text (a value read, a symptom, an error).
inline constexpr size_t kMaxClaimTextBytes = 1024;

// A device as the claim tool needs it: what it is, where to read it, whose.
struct ClaimDevice {
  int64_t device_id = 0;
  DeviceKind kind = DeviceKind::kPeriscope;
  std::string model;          // latest device_specs.model or peripheral_specs.model
  std::string serial_number;  // devices.serial_number
  int64_t device_index = 0;   // periscopeDeviceIndex or hrDeviceIndex (1 for hosts, switches)
  int64_t target_id = 0;
  std::string address;  // targets.address (canonical literal or DNS name)
  int port = 161;
  std::string profile;  // the poller's credential profile name
  bool target_enabled = true;
  std::string customer_user_id;  // customers.user_id
  std::string customer_name;
  int64_t last_seen = 0;              // devices.last_seen (UTC seconds)
  std::optional<int64_t> retired_at;  // devices.retired_at
};

// The claimed device. `device` is a serial number, or "target:index" where
// target is an address or "address:port" of one of the customer's targets and
// index the device index ("192.0.2.7:1", "[2001:db8::7]:161:1"). Only the
// customer's own devices are found (retired ones too). NotFound when the
// customer does not exist (naming it) or has no such device; ambiguous serials
// (the same serial on two targets) are FailedPrecondition listing them.
// The address is matched in canonical form (CanonicalTargetAddress) and the
// port defaults to 161. Several devices at one target and index (a replaced
// device keeps its slot with a new serial) give the one not retired, then the
// most recently seen.
Result<ClaimDevice> FindClaimDevice(Db& db, const std::string& customer_user_id,
                                    const std::string& device);

// The customer's devices (for "unknown device" messages), by target then
// device index. NotFound when the customer does not exist.
Result<std::vector<ClaimDevice>> ListCustomerDevices(Db& db, const std::string& customer_user_id);

// Peers of `claimed`: devices of the same kind and exactly the same model,
// not retired, on enabled targets, other than the claimed device itself (of
// any customer, the claimed one's own other devices included), most recently
// seen first (ties by device id). At most `max_peers` when set.
Result<std::vector<ClaimDevice>> FindPeers(Db& db, const ClaimDevice& claimed,
                                           std::optional<size_t> max_peers);

// Per device, the mean of metric_daily.total over the days in
// [from_date, to_date] (YYYYMMDD, local days as stored) that have at least one
// interval, summed over the metric's instances of each day (e.g. pages of all
// markers); devices without such a day are absent. `days` is how many days
// contributed. Used for "copies per day" style rates.
struct DailyRate {
  int64_t device_id = 0;
  double per_day = 0;
  int days = 0;
};
Result<std::vector<DailyRate>> MeanDailyTotals(Db& db, const std::vector<int64_t>& device_ids,
                                               std::string_view metric, int64_t from_date,
                                               int64_t to_date);

// --- the stored claim ---

// A device that took part in a claim, as it was then.
struct ClaimDeviceRecord {
  int64_t device_id = 0;
  std::string role;  // "claimed" or "peer"
  std::string customer_user_id;
  std::string serial_number;
  std::string endpoint;  // "address:port" ("[v6]:port")
  bool answered = false;
  // As poll_errors.class ("timeout", "auth", "deadline" ...); "" when answered.
  std::string error_class;
  std::string error;    // why it did not answer, or "" ; never a secret
  int64_t read_at = 0;  // UTC seconds the answer arrived (or the attempt ended)
  int64_t elapsed_ms = 0;
  bool operator==(const ClaimDeviceRecord&) const = default;
};

// One value read (or refused). `instance` is "" for a scalar item, else the
// row's index as dotted decimal after the column ("1", "1.3") or, for
// periscope items, "".
struct ClaimValueRecord {
  int64_t device_id = 0;
  std::string item;              // the rule file's item name
  std::string instance;          // "" or the row index
  std::optional<double> number;  // numeric items that parsed
  std::string text;              // the value as text (numeric ones too), or "" when refused
  std::string problem;           // why a value was refused (wrong type, not a number ...), else ""
  int64_t read_at = 0;           // UTC seconds
  bool operator==(const ClaimValueRecord&) const = default;
};

// The statistics of one (item, instance) over the peers that answered with a
// usable value. Numeric fields are nullopt when not defined (no peers, sd = 0
// for z, MAD = 0 for robust z, a text item).
struct ClaimStatRecord {
  std::string item;
  std::string instance;
  std::string measure;   // "value" (as read) or "per_day" (rate from history)
  std::string label;     // the item's label and unit as the rules had them then
  std::string unit;      // ("pages/day" for a per_day measure)
  bool example = false;  // the item's OID is a placeholder example (rules: example="true")
  bool numeric = true;
  std::optional<double> claimed_number;  // the claimed device's value
  std::string claimed_text;
  int64_t n = 0;  // peers with a usable value
  std::optional<double> mean, median, sd, min, max, z, robust_z, percentile;
  std::string most_common;  // text items: the peers' most common value
  int64_t most_common_count = 0;
  bool differs = false;     // text items: the claimed value is not the most common one
  bool meaningful = false;  // n >= 3
  bool flagged = false;     // the likely cause (see claimtool/stats.h)
  bool operator==(const ClaimStatRecord&) const = default;
};

struct ClaimRecord {
  int64_t id = 0;  // set by InsertClaim
  int64_t created_at = 0;
  std::string customer_user_id;
  int64_t device_id = 0;    // the claimed device
  std::string device_kind;  // DeviceKindName
  std::string model;
  std::string category;        // the rule file's category name
  std::string category_title;  // as the rule file had it then
  std::string symptom;         // free text as given ("" when a category was named)
  std::string matched_terms;   // "slow, 遅い" (comma separated), or ""
  std::string in_charge_name;
  std::string in_charge_email;
  int64_t deadline_ms = 0;
  int64_t elapsed_ms = 0;
  bool completed = true;  // false: the deadline ended the reading before every device answered
  std::optional<int64_t> outbox_id;        // the notification mail
  std::vector<ClaimDeviceRecord> devices;  // the claimed device first
  std::vector<ClaimValueRecord> values;
  std::vector<ClaimStatRecord> stats;  // flagged first, then in rule order
  bool operator==(const ClaimRecord&) const = default;
};

// Writes the claim and everything in it in one transaction of its own (BEGIN
// IMMEDIATE) and returns its id. InvalidArgument when a role is not
// claimed/peer or the device kind is unknown; NotFound naming the customer
// when customer_user_id does not exist (nothing is written); store errors as
// Db.
Result<int64_t> InsertClaim(Db& db, const ClaimRecord& claim);

// The same, inside the caller's open transaction (to queue the notification
// in the same transaction and link it with SetClaimOutbox).
Result<int64_t> InsertClaimInTransaction(Db& db, const ClaimRecord& claim);
Status SetClaimOutbox(Db& db, int64_t claim_id, int64_t outbox_id);

// The claim as stored, devices, values and stats in the order inserted.
// NotFound naming the id.
Result<ClaimRecord> LoadClaim(Db& db, int64_t claim_id);

struct ClaimSummary {
  int64_t id = 0;
  int64_t created_at = 0;
  std::string customer_user_id;
  std::string serial_number;
  std::string model;
  std::string category;
  std::string in_charge_email;
  int64_t peers = 0;           // peers asked
  int64_t peers_answered = 0;  // peers that answered
  int64_t flagged = 0;         // flagged stats
};

struct ClaimFilter {
  std::string customer_user_id;  // "" = all
  std::optional<int64_t> since;  // created_at >= since
  size_t limit = 100;
};

// Newest first (created_at, then id). NotFound when filter.customer_user_id
// names no customer.
Result<std::vector<ClaimSummary>> ListClaims(Db& db, const ClaimFilter& filter);

}  // namespace periscope::store

#endif  // PERISCOPE_STORE_CLAIMS_H_
