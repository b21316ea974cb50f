// The bodies of the daily mail to a sales person (seed 002 claim 3): that
// person's new or changed proposals, most urgent first. The mailer (mail/)
// builds the message: it encodes the subject (RFC 2047), converts the text's
// LF to CRLF and wraps both bodies in multipart/alternative.
// Thread-safe: pure functions.
#ifndef PERISCOPE_REPORTS_MAIL_BODY_H_
#define PERISCOPE_REPORTS_MAIL_BODY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "reports/report_model.h"

namespace periscope::reports {

struct MailBody {
  std::string text;  // UTF-8, LF line ends, no other control characters but tab
  std::string html;  // a self-contained document (render/html.h)
};

// One proposal of the mail, with the customer it belongs to.
struct MailProposal {
  std::string customer_user_id;
  std::string customer_name;
  ProposalView proposal;
  bool is_new = true;  // false: an earlier mailed proposal that changed materially
};

struct ProposalMailInput {
  StaffView to;                     // the assigned sales person
  uint32_t today = 0;               // YYYYMMDD
  std::string data_note;            // e.g. generated demo history; may be empty
  std::vector<MailProposal> items;  // any order; the mail sorts them
  std::string report_hint;          // where the HTML reports are, plain text; may be empty
};

// The order of the mail: earliest needed_by first (none last), then customer
// user id, then proposal id.
std::vector<MailProposal> SortForMail(const std::vector<MailProposal>& items);

// Text and HTML of the same content: a greeting, the data note, then per
// proposal: needed-by date, new/changed, customer, device, kind, product and
// quantity, price, confidence, the one-line why, and the stock answers.
MailBody RenderProposalMail(const ProposalMailInput& input);

// "periscope: 3 proposals (2 new, 1 changed), first needed by 2027-03-14":
// one line of plain text without control characters, at most 200 bytes.
std::string ProposalMailSubject(const ProposalMailInput& input);

}  // namespace periscope::reports

#endif  // PERISCOPE_REPORTS_MAIL_BODY_H_
