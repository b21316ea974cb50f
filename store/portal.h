// The customer portal's rows (issue 9, seed 002): accounts, invites,
// sessions, contact requests and the audit of registered-information updates.
//
// Secrets never reach the store in clear: passwords arrive as yescrypt or
// Argon2id strings, invite and session tokens as SHA-256 hex (portal/auth.h
// makes both). Every customer-facing read takes the signed-in customer's id
// and returns NotFound for a row of another customer, so a handler cannot show
// or change someone else's record by passing an id.
//
// Every string is bound as a parameter; the portal bounds lengths before
// calling (portal/config.h field caps). Times are UTC seconds.
#ifndef PERISCOPE_STORE_PORTAL_H_
#define PERISCOPE_STORE_PORTAL_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "store/db.h"

namespace periscope::store {

// A customer as the portal shows and mails it, with the assigned sales person
// (seed 002 claim 3: the customer and staff storage sections).
struct PortalCustomer {
  int64_t customer_id = 0;
  std::string user_id;
  std::string name;
  std::string contact_person;
  std::string email;
  std::string phone;
  std::string address;
  std::optional<int64_t> sales_staff_id;  // nullopt: none assigned
  std::string sales_name;                 // "" when none assigned
  std::string sales_email;
  std::string sales_phone;
};

// By customers.user_id; NotFound naming it.
Result<PortalCustomer> FindPortalCustomer(Db& db, std::string_view user_id);
// By customers.id; NotFound.
Result<PortalCustomer> GetPortalCustomer(Db& db, int64_t customer_id);

struct PortalAccount {
  int64_t customer_id = 0;
  std::string password_hash;
  int64_t password_set_at = 0;
  int64_t failed_signins = 0;  // consecutive, since the last success or lock
  int64_t locked_until = 0;    // 0 or a time: no sign-in before it
  std::optional<int64_t> last_signin_at;
};

// nullopt when the customer has no password yet (never invited, or the invite
// not used).
Result<std::optional<PortalAccount>> GetPortalAccount(Db& db, int64_t customer_id);

// Counts one failed sign-in in its own transaction. When the count reaches
// `max_failures`, the account is locked until now_s + lock_s and the count
// starts again from 0. Returns the account as stored after. NotFound when the
// customer has no account.
Result<PortalAccount> RecordFailedSignIn(Db& db, int64_t customer_id, int max_failures,
                                         int64_t lock_s, int64_t now_s);
// A successful sign-in: failures to 0, last_signin_at = now_s (own transaction).
Status RecordSignIn(Db& db, int64_t customer_id, int64_t now_s);

// Sets the password hash (creating the account), clears failures and lock,
// and revokes every session of the customer (a new password signs out
// everywhere). Own transaction. NotFound for an unknown customer.
Status SetPortalPassword(Db& db, int64_t customer_id, std::string_view password_hash,
                         int64_t now_s);

// A single-use invite. REQUIRES: inside a transaction the caller holds (the
// invite and the outbox mail carrying its link are stored together). Earlier
// unused invites of the customer stay valid until they expire.
Status InsertPortalInvite(Db& db, int64_t customer_id, std::string_view token_sha256, int64_t now_s,
                          int64_t expires_at, std::optional<int64_t> outbox_id);

// Whether an invite can still be used: the customer id; NotFound for an
// unknown token, FailedPrecondition "used" or "expired".
Result<int64_t> CheckPortalInvite(Db& db, std::string_view token_sha256, int64_t now_s);

// In one transaction: checks the invite as CheckPortalInvite does, marks it
// used, and sets the password as SetPortalPassword does. Returns the
// customer id. A token can set a password once only, even when two requests
// race.
Result<int64_t> ConsumePortalInvite(Db& db, std::string_view token_sha256,
                                    std::string_view password_hash, int64_t now_s);

struct PortalSession {
  std::string token_sha256;
  int64_t customer_id = 0;
  std::string csrf_token;  // the form token of this session (not a secret of the cookie)
  int64_t created_at = 0;
  int64_t expires_at = 0;
  std::optional<int64_t> revoked_at;
};

// Own transaction. AlreadyExists for a duplicate token hash.
Status InsertPortalSession(Db& db, const PortalSession& session);
// The session when it exists, is not revoked and expires after now_s;
// nullopt otherwise. Read-only (works on an OpenReader connection).
Result<std::optional<PortalSession>> FindActivePortalSession(Db& db, std::string_view token_sha256,
                                                             int64_t now_s);
// Sets revoked_at (own transaction); a no-op for an unknown or already revoked
// session.
Status RevokePortalSession(Db& db, std::string_view token_sha256, int64_t now_s);
// Deletes sessions that expired or were revoked before now_s - keep_s; the
// number deleted.
Result<int64_t> DeleteOldPortalSessions(Db& db, int64_t now_s, int64_t keep_s);

// A proposal of the customer, as a contact request names it.
struct PortalProposal {
  int64_t id = 0;
  std::string kind;  // proposals.kind
  std::string status;
  std::string product_number;
  std::string product_name;
  int64_t quantity = 1;
  int64_t price_minor_units = 0;
  std::string currency;
  std::string summary;
  std::string device_serial;
};
// NotFound when there is no such proposal or it belongs to another customer.
Result<PortalProposal> GetCustomerProposal(Db& db, int64_t customer_id, int64_t proposal_id);

struct ContactRequest {
  int64_t id = 0;  // set by InsertContactRequest
  int64_t customer_id = 0;
  int64_t created_at = 0;
  std::string subject_kind;  // "product" or "proposal"
  std::string product_number;
  std::string product_name;
  std::optional<int64_t> proposal_id;
  std::string contact_name;
  std::string phone;
  std::string email;
  std::string preferred_time;
  std::string message;
  std::optional<int64_t> sales_staff_id;
  std::string sales_email;  // where the mail went ("" when nobody was assigned)
  std::optional<int64_t> outbox_id;
  // Read back only: the outbox row's state ("queued", "sending", "sent",
  // "failed", "unknown"), "" without a mail.
  std::string mail_state;
};

// Inserts the request; returns its id. REQUIRES: inside a transaction the
// caller holds (with the outbox mail; see SetContactRequestOutbox).
Result<int64_t> InsertContactRequest(Db& db, const ContactRequest& request);
// REQUIRES: inside a transaction the caller holds.
Status SetContactRequestOutbox(Db& db, int64_t request_id, int64_t outbox_id);
// The customer's requests, newest first, at most `limit`.
Result<std::vector<ContactRequest>> ListContactRequests(Db& db, int64_t customer_id,
                                                        int limit = 100);
// NotFound when there is no such request or it belongs to another customer.
Result<ContactRequest> GetContactRequest(Db& db, int64_t customer_id, int64_t request_id);

// The registered fields a customer may change through the portal.
struct CustomerContactInfo {
  std::string contact_person;
  std::string address;
  std::string phone;
  std::string email;
};

struct CustomerFieldChange {
  std::string field;  // "contact_person", "address", "phone", "email"
  std::string old_value;
  std::string new_value;
};

struct CustomerChangeSet {
  int64_t change_set = 0;  // the id of its first audit row; 0 when nothing changed
  std::vector<CustomerFieldChange> changes;  // in the field order above
};

// Writes the new values and one customer_changes row per field that differs
// (old and new value, `source` such as "portal"); fields that are equal are
// neither written nor audited. REQUIRES: inside a transaction the caller holds
// (with the outbox mail; see SetCustomerChangesOutbox). NotFound for an
// unknown customer.
Result<CustomerChangeSet> UpdateCustomerContactInfo(Db& db, int64_t customer_id,
                                                    const CustomerContactInfo& info,
                                                    std::string_view source, int64_t now_s);
// REQUIRES: inside a transaction the caller holds.
Status SetCustomerChangesOutbox(Db& db, int64_t customer_id, int64_t change_set, int64_t outbox_id);

struct CustomerChange {
  int64_t id = 0;
  int64_t changed_at = 0;
  int64_t change_set = 0;
  CustomerFieldChange change;
  std::string source;
  std::optional<int64_t> outbox_id;
  std::string mail_state;  // as in ContactRequest
};
// The customer's audit rows, newest first, at most `limit`.
Result<std::vector<CustomerChange>> ListCustomerChanges(Db& db, int64_t customer_id,
                                                        int limit = 100);

}  // namespace periscope::store

#endif  // PERISCOPE_STORE_PORTAL_H_
