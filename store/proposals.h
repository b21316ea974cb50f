// Sales proposals in the store (schema migration 3, table `proposals`): the
// life cycle of what the rules propose for a device, so the same proposal is
// neither raised nor mailed twice.
//
// Statuses: new -> mailed -> inquired are "open" (at most one open proposal
// per device and kind, enforced by a unique index); accepted, declined and
// expired are final. A proposal's `revision` grows on every material change
// (a different material_key); a mail covers one revision (mailed_revision), so
// "unmailed" means revision > mailed_revision while open.
//
// Knows nothing of the report rules: the run converts its drafts to
// ProposalDraftRow. All functions use the caller's writer connection; values
// are bound as parameters.
#ifndef PERISCOPE_STORE_PROPOSALS_H_
#define PERISCOPE_STORE_PROPOSALS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "store/db.h"

namespace periscope::store {

// What the rules propose for a device now (mirrors reports::ProposalDraft).
struct ProposalDraftRow {
  std::string kind;  // capacity, cache, successor, firmware
  std::string product_number, product_name;
  int64_t quantity = 1;
  int64_t unit_price_minor_units = 0;
  int64_t price_minor_units = 0;
  std::string currency;
  std::optional<int64_t> needed_by;  // YYYYMMDD
  std::string confidence;
  std::string summary;
  std::string evidence_json;
  std::string material_key;  // kind, product, quantity: what the customer would buy
  // A needed-by date that moved by more than this many days from the stored
  // one is a material change too (smaller moves are the forecast's wobble).
  int64_t needed_by_tolerance_days = 7;
};

// A row of `proposals`, with its customer, sales person and device.
struct StoredProposal {
  int64_t id = 0;
  int64_t device_id = 0;
  int64_t customer_id = 0;
  std::string customer_user_id, customer_name;
  std::string sales_name, sales_email;  // empty when no sales person is assigned
  std::string device_serial;
  std::string kind, status;
  std::string product_number, product_name;
  int64_t quantity = 1;
  int64_t unit_price_minor_units = 0;
  int64_t price_minor_units = 0;
  std::string currency;
  std::optional<int64_t> needed_by;  // YYYYMMDD
  std::string confidence, summary, evidence_json, material_key;
  int64_t revision = 1;
  int64_t mailed_revision = 0;
  int64_t raised_at = 0, changed_at = 0, checked_at = 0;  // UTC seconds
  std::optional<int64_t> closed_at;
};

// What one SyncDeviceProposals did, per draft or open proposal.
struct SyncOutcome {
  int raised = 0;      // inserted as new (revision 1)
  int changed = 0;     // open, different material_key: revision + 1
  int unchanged = 0;   // open, same material_key: evidence refreshed only
  int expired = 0;     // open, and no draft of its kind any more
  int suppressed = 0;  // same material_key as a declined or accepted one: not raised again
};

// Brings the device's proposals in line with `drafts` (at most one per kind),
// in one transaction (BEGIN IMMEDIATE; REQUIRES: no transaction open on `db`):
//  - an open proposal of the same kind with the same material_key and a
//    needed-by date within needed_by_tolerance_days of the stored one (or both
//    without a date): summary, evidence, confidence, prices and checked_at are
//    refreshed, the stored needed-by date is kept; no new revision;
//  - with a different key, a date moved further, or a date appearing or going:
//    every field is updated, revision + 1, changed_at = now; the status stays
//    (it is listed as unmailed again);
//  - none open: suppressed when a declined or accepted proposal of the device
//    and kind has the same key, else inserted (status new, revision 1);
//  - open proposals whose kind has no draft: expired, closed_at = now.
// InvalidArgument for an unknown kind, two drafts of one kind or a quantity < 1.
Result<SyncOutcome> SyncDeviceProposals(Db& db, int64_t device_id, int64_t customer_id,
                                        const std::vector<ProposalDraftRow>& drafts, int64_t now_s);

struct ProposalFilter {
  std::optional<std::string> customer_user_id;
  std::optional<std::string> sales_email;  // the assigned sales person's e-mail
  std::vector<std::string> statuses;       // empty: every status
  std::optional<int64_t> device_id;
  bool only_unmailed = false;  // open and revision > mailed_revision
};

// Proposals matching every given filter, ordered by needed_by (none last), then id.
Result<std::vector<StoredProposal>> ListProposals(Db& db, const ProposalFilter& filter);

// A person's decision or progress. Allowed: new -> mailed; new or mailed ->
// inquired; any open -> accepted or declined. Setting the status a proposal
// already has is a no-op. accepted, declined and expired are final; expired is
// set only by SyncDeviceProposals. Accepting or declining sets closed_at.
// NotFound for an unknown id; FailedPrecondition naming the id and the
// transition when it is not allowed; InvalidArgument for an unknown status.
Status SetProposalStatus(Db& db, int64_t id, std::string_view status, int64_t now_s);

// Records that a mail listed `revision` of the proposal: mailed_revision =
// max(mailed_revision, revision), and status new -> mailed (other statuses
// stay). REQUIRES: the caller holds a transaction on `db`, so the mail is
// queued in the outbox and the proposals are marked together. NotFound for an
// unknown id; InvalidArgument when `revision` is not in 1..current revision.
Status MarkProposalMailed(Db& db, int64_t proposal_id, int64_t revision);

// Expires the open proposals of retired devices (closed_at = now) in one
// transaction; returns how many.
Result<int> ExpireProposalsOfRetiredDevices(Db& db, int64_t now_s);

}  // namespace periscope::store

#endif  // PERISCOPE_STORE_PROPOSALS_H_
