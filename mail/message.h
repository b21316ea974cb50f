// An e-mail message as values, and its RFC 5322 / MIME text.
//
// Compose is the only place that writes header text, so it is where untrusted
// strings (customer and device names in a subject, a sales person's name) are
// made safe: CR, LF, NUL and every other control character in a display name
// or subject become spaces before encoding, and anything that is not plain
// printable ASCII is RFC 2047 encoded (UTF-8, B encoding), so no data can
// start a header line of its own. Addresses are not cleaned but validated
// (ValidateAddress): a bad address is an error, never "fixed".
//
// The composed text uses CRLF line endings throughout, every line is at most
// 78 bytes (headers) or 76 bytes (quoted-printable bodies), and it is pure
// 7-bit ASCII, so it passes any SMTP server unchanged. No composed line starts
// with "." (quoted-printable writes a leading dot as "=2E"); libcurl would
// dot-stuff one anyway (lib/smtp.c, Curl_smtp_escape_eob, in Debian 12's
// 7.88), which SmtpMailerTest checks end to end.
#ifndef PERISCOPE_MAIL_MESSAGE_H_
#define PERISCOPE_MAIL_MESSAGE_H_

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace periscope::mail {

struct Address {
  std::string display_name;  // any UTF-8; may be empty
  std::string email;         // must pass ValidateAddress
};

struct Message {
  Address from;
  std::vector<Address> to;
  // Where replies go instead of `from` (a customer's own address on a mail
  // sent for them); validated like the other addresses.
  std::optional<Address> reply_to;
  std::string subject;
  std::string text_body;                 // UTF-8; LF, CRLF or CR line breaks
  std::optional<std::string> html_body;  // when set: multipart/alternative
  // "<random@domain-of-from>"; Compose generates one when empty (see
  // NewMessageId), which the caller then cannot know: callers that record the
  // message (the outbox) set it first.
  std::string message_id;
  std::chrono::system_clock::time_point date;  // must be set (not the epoch)
};

// Bounds checked by Compose.
inline constexpr size_t kMaxBodyBytes = 2 * 1024 * 1024;  // each of text and HTML
inline constexpr size_t kMaxRecipients = 100;
inline constexpr size_t kMaxSubjectBytes = 500;      // longer subjects are cut
inline constexpr size_t kMaxDisplayNameBytes = 200;  // longer names are cut

// OK for a plain addr-spec "local@domain" as SMTP and our headers accept it:
// at most 254 bytes, one '@', a dot-atom local part of at most 64 bytes
// (letters, digits and !#$%&'*+-/=?^_`{|}~, dots not leading, trailing or
// doubled), and a domain of dot-separated labels of letters, digits and '-'
// (not at a label's ends, each at most 63 bytes). Refuses everything else
// with InvalidArgument saying why: controls (CR, LF, NUL...), spaces, quotes,
// angle brackets, commas, non-ASCII, quoted local parts, domain literals.
Status ValidateAddress(std::string_view email);

// A new random message ID "<32 hex digits@domain>", the domain taken from
// `from_email` ("localhost" when it has none).
std::string NewMessageId(std::string_view from_email);

// The message as RFC 5322 text: From, To, Reply-To (when set), Subject, Date,
// Message-ID, MIME-Version and content headers, then the body (text/plain, or
// multipart/alternative of text/plain and text/html), both parts UTF-8 and
// quoted-printable, each ending in a line break (one is added when the text
// has none). InvalidArgument for an invalid address, no recipient, more
// than kMaxRecipients, a body over kMaxBodyBytes, an unset date or a
// malformed message_id (not "<id-left@id-right>" of printable ASCII without
// spaces, at most 250 bytes).
Result<std::string> Compose(const Message& message);

// RFC 2047 encoded-word text ("=?UTF-8?B?...?=", adjacent words separated by
// folding whitespace "\r\n ") of a cleaned header value, or the value itself
// when it is printable ASCII that needs no encoding and fits on the line.
// `header_name_bytes` is the length of "Name: " before it on the first line.
// Exposed for tests.
std::string EncodeHeaderText(std::string_view text, size_t header_name_bytes);

}  // namespace periscope::mail

#endif  // PERISCOPE_MAIL_MESSAGE_H_
