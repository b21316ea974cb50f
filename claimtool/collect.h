// Reading a claim's items from the claimed device and its peers (seed 003
// claims 3-5) through the poller's SNMP engine: the same single-threaded
// Net-SNMP engine, timeouts, retries, walk limits and credential profiles as
// periscope-poller, all devices concurrently, the whole read bounded by a
// deadline whatever the devices do.
//
// One job per target (devices on one target share its walk). What a job
// walks (PlanForItems): for each item one column, grouped by table (the
// object's parent OID) so one GETBULK carries every column of a table:
// - periscope items: periscopeItemValue.<deviceIndex> (the device's rows of
//   periscopeItemTable; the item is the row whose IMPLIED name matches);
// - columns, device-indexed or not: the whole <column> (a device-indexed
//   column's rows are then kept only where the first index arc is the
//   device's index: a row may be exactly <column>.<deviceIndex>, which a walk
//   of that subtree would not return);
// - scalars: the object's subtree (its .0 instance).
// Two items with one OID share one column.
#ifndef PERISCOPE_CLAIMTOOL_COLLECT_H_
#define PERISCOPE_CLAIMTOOL_COLLECT_H_

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "claimtool/rules.h"
#include "core/clock.h"
#include "core/snmp/sync_client.h"
#include "core/status.h"
#include "poller/engine.h"
#include "store/claims.h"

namespace periscope::claimtool {

// The plan reading `items` for the devices of one target with these device
// indexes (periscope items get one column per index; other items one column
// whatever the indexes). Groups: one per parent OID, in first-use order;
// identical columns once.
poller::WalkPlan PlanForItems(const std::vector<const ItemDef*>& items,
                              const std::vector<int64_t>& device_indexes);

// The values of `items` for `device` in `varbinds` (a walk of PlanForItems).
// Instances: "" for scalars and periscope items, else the row index after the
// column (after the device index for device-indexed columns), dotted.
// Numbers: INTEGER, Counter32/64, Gauge32, TimeTicks, and for text-typed
// encodings (periscope items are SnmpAdminString) a decimal number in the
// text; anything else for a number item is refused (value with `problem`
// naming the wire type, via snmp::DescribeValue). Text items take octets as
// clean UTF-8 (render::CleanUtf8, at most store::kMaxClaimTextBytes; octets
// that are not UTF-8 shown as hex "0x..."; 4- and 16-byte octets of an
// address column as an IP address), numbers in decimal, OIDs dotted. An item
// the device does not have gives a value with problem "no such object".
std::vector<store::ClaimValueRecord> DecodeItemValues(const store::ClaimDevice& device,
                                                      const std::vector<const ItemDef*>& items,
                                                      const std::vector<snmp::VarBind>& varbinds,
                                                      int64_t read_at);

struct CollectOptions {
  poller::EngineOptions engine;  // from the poller config
  const std::map<std::string, poller::Profile>* profiles = nullptr;
  // The whole read ends by then: devices still unfinished are given up
  // ("deadline"). The engine's device_deadline is capped at this.
  std::chrono::milliseconds deadline{10000};
  const Clock* clock = nullptr;  // read_at stamps; REQUIRED
};

struct CollectResult {
  // One per input device, in input order. answered: the walk succeeded and
  // at least one value is usable; else error_class is the engine's
  // (poller::ErrorClassName), "deadline" (given up at the deadline),
  // "profile" (the target's profile is not in the poller config) or
  // "no_usable_value" (it answered, but nothing needed was usable; error
  // names the first problem).
  std::vector<store::ClaimDeviceRecord> devices;
  std::vector<store::ClaimValueRecord> values;  // device by device, in input order
  bool completed = true;                        // false when the deadline cut the read short
  int64_t elapsed_ms = 0;
};

// REQUIRES: the first device is the claimed one (role "claimed"), the rest
// peers. Called on the thread that owns Net-SNMP in this process.
Result<CollectResult> CollectItems(const std::vector<store::ClaimDevice>& devices,
                                   const std::vector<const ItemDef*>& items,
                                   const CollectOptions& options);

}  // namespace periscope::claimtool

#endif  // PERISCOPE_CLAIMTOOL_COLLECT_H_
