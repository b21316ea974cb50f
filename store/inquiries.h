// Stock inquiries to manufacturing sites and each site's answer (tables
// `inquiries` and `inquiry_answers`, schema migration 3). SQL only; the HTTP
// side is reports/inquiry.h. Times are UTC seconds, dates YYYYMMDD.
// Functions take the writer (or, for reads, a reader) Db; a Db belongs to one
// thread.
#ifndef PERISCOPE_STORE_INQUIRIES_H_
#define PERISCOPE_STORE_INQUIRIES_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "store/db.h"

namespace periscope::store {

struct NewInquiry {
  std::string inquiry_key;
  int64_t proposal_id = 0;
  std::string product_number;
  int64_t quantity = 0;
  std::string delivery_place;
  std::string requested_by;
  int64_t created_at = 0;
  // The sites it goes to: each gets a 'pending' answer row in the same
  // transaction, so an inquiry interrupted before the answers are recorded is
  // still asked again by RefreshPendingInquiries.
  std::vector<std::string> sites;
};

// Inserts the inquiry and, in the same transaction, sets the proposal's status
// to 'inquired' when it is 'new' or 'mailed' (other statuses are kept: an
// inquiry about an accepted proposal does not reopen it). Returns the
// inquiry's id. NotFound naming the proposal when it does not exist;
// AlreadyExists when the key is taken.
Result<int64_t> CreateInquiry(Db& db, const NewInquiry& inquiry);

// One site's answer, or why there is none. `state` is one of pending,
// answered, timeout, http-error, malformed, unreachable.
struct InquiryAnswerRecord {
  int64_t inquiry_id = 0;
  std::string site;
  std::string state;
  std::optional<bool> in_stock;
  std::optional<int64_t> quantity_available;
  std::optional<std::string> retailer;
  std::optional<uint32_t> delivery_date;  // YYYYMMDD
  std::string message;
  bool new_attempt = true;  // attempts + 1 (false: an answer that came by itself)
  int64_t updated_at = 0;
};

// Inserts or replaces the (inquiry_id, site) row: every field is overwritten,
// attempts grows by one when new_attempt. A single statement: callers writing
// several answers wrap them in InTransaction.
// An answer never replaces a stored 'answered' row with anything but another
// answer (a late "pending" file cannot undo a real answer).
Status RecordInquiryAnswer(Db& db, const InquiryAnswerRecord& answer);

struct InquiryAnswerRow {
  std::string site;
  std::string state;
  std::optional<bool> in_stock;
  std::optional<int64_t> quantity_available;
  std::string retailer;
  std::optional<uint32_t> delivery_date;
  std::string message;
  int64_t attempts = 0;
  int64_t updated_at = 0;
};

struct InquiryRow {
  int64_t id = 0;
  std::string inquiry_key;
  int64_t proposal_id = 0;
  std::string product_number;
  int64_t quantity = 0;
  std::string delivery_place;
  std::string requested_by;
  int64_t created_at = 0;
  // From the proposal and its customer.
  std::string proposal_kind;
  std::string proposal_status;
  std::string product_name;
  std::string customer_user_id;
  std::string customer_name;
  std::vector<InquiryAnswerRow> answers;  // by site name
};

// The inquiry with this key and its answers; nullopt when there is none.
Result<std::optional<InquiryRow>> FindInquiryByKey(Db& db, std::string_view inquiry_key);

// Every field set narrows the list. `state`: inquiries with at least one
// answer in that state (all their answers are still returned).
struct InquiryFilter {
  std::optional<int64_t> proposal_id;
  std::optional<std::string> customer_user_id;
  std::optional<std::string> state;
};

// Inquiries with their answers, newest first (created_at, then id).
Result<std::vector<InquiryRow>> ListInquiries(Db& db, const InquiryFilter& filter = {});

// An answer worth asking for again, with what is needed to ask.
struct RetryableAnswer {
  int64_t inquiry_id = 0;
  std::string inquiry_key;
  int64_t proposal_id = 0;
  std::string product_number;
  int64_t quantity = 0;
  std::string delivery_place;
  std::string requested_by;
  std::string site;
  std::string state;
  int64_t attempts = 0;
};

// Answers in state pending with attempts < max_pending_attempts, and in
// timeout, unreachable or http-error with attempts < max_failed_attempts,
// oldest inquiry first.
Result<std::vector<RetryableAnswer>> ListRetryableAnswers(Db& db, int max_failed_attempts,
                                                          int max_pending_attempts);

}  // namespace periscope::store

#endif  // PERISCOPE_STORE_INQUIRIES_H_
