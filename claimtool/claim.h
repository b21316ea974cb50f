// One claim, end to end (seed 003 claims 1-7): the claimed device and its
// category from the store and the rules, the items read from it and its
// same-model peers (claimtool/collect.h), per-item statistics
// (claimtool/stats.h), rates per day from the store's history, the claim
// stored as evidence (store/claims.h) and the person in charge mailed through
// the outbox, all in one transaction with the claim.
#ifndef PERISCOPE_CLAIMTOOL_CLAIM_H_
#define PERISCOPE_CLAIMTOOL_CLAIM_H_

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "claimtool/config.h"
#include "claimtool/rules.h"
#include "core/clock.h"
#include "core/status.h"
#include "mail/mailer.h"
#include "mail/outbox.h"
#include "poller/config.h"
#include "store/claims.h"

namespace periscope::claimtool {

struct ClaimRequest {
  std::string customer;             // customers.user_id
  std::string device;               // serial number or target:index (store::FindClaimDevice)
  std::string symptom;              // free text; or
  std::string category;             // a category named outright (wins over the symptom)
  std::optional<size_t> max_peers;  // overrides the config
  std::optional<std::chrono::milliseconds> deadline;  // overrides the config
  std::string in_charge_email;  // overrides the category's role ("" = the role's)
  bool notify = true;           // queue the mail to the person in charge
};

// A claim file (`periscope-claim --file F`):
//   <claim customer="cust-01" device="SN123" category="paper-jam">
//     <symptom>Paper jams in tray 2 since Monday</symptom>
//   </claim>
// Errors name file:line:column.
Result<ClaimRequest> LoadClaimFile(const std::string& path);

struct ClaimDeps {
  const Clock* clock = nullptr;  // REQUIRED
  // Delivers due outbox mail after the claim is stored; nullptr: the mail
  // stays queued (periscope-report mail or the next claim delivers it).
  mail::Mailer* mailer = nullptr;
};

struct ClaimOutcome {
  store::ClaimRecord claim;
  std::optional<mail::DeliveryStats> delivery;
  std::string html_path;              // the page written, or ""
  std::vector<std::string> problems;  // what went wrong without failing the claim
};

// Errors (nothing stored, nothing mailed):
// - NotFound: the customer, or the device among the customer's devices (the
//   message lists the customer's devices);
// - InvalidArgument: an unknown category, a category not for this kind of
//   device, a symptom that matched no category (the message lists the
//   categories it came closest to), neither symptom nor category;
// - store errors as the store returns them.
// A device that does not answer is not an error: the claim is stored with
// the reason (claim.devices[0].answered false).
Result<ClaimOutcome> RunClaim(const ClaimConfig& config, const ClaimRules& rules,
                              const poller::PollerConfig& poller, const ClaimRequest& request,
                              const ClaimDeps& deps);

// The statistics of a claim from its values (and per-day rates), flagged
// first. Exposed for tests: `values` as collected, `rates` per device for
// items with a rate_metric (absent devices had no history).
struct ItemRates {
  std::string item;
  std::vector<store::DailyRate> rates;
};
std::vector<store::ClaimStatRecord> ComputeClaimStats(
    const std::vector<const ItemDef*>& items, const std::vector<store::ClaimDeviceRecord>& devices,
    const std::vector<store::ClaimValueRecord>& values, const std::vector<ItemRates>& rates);

}  // namespace periscope::claimtool

#endif  // PERISCOPE_CLAIMTOOL_CLAIM_H_
