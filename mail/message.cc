#include "mail/message.h"

#include <ctime>
#include <random>

#include <fmt/format.h>

#include "core/strings.h"

namespace periscope::mail {
namespace {

// Raw bytes per encoded-word: 42 bytes are 56 base64 characters, so a word
// "=?UTF-8?B?<56>?=" is 68 bytes and "Subject: " + word is 77 (<= 78).
constexpr size_t kEncodedWordRawBytes = 42;
constexpr size_t kMaxHeaderLine = 78;
constexpr size_t kQpMaxLine = 76;

bool IsAtext(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-/=?^_`{|}~").find(c) != std::string_view::npos;
}

bool IsLabelChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
}

// For error messages: the address with anything unprintable shown as '?'.
std::string Shown(std::string_view email) { return CleanText(TruncateUtf8(email, 80), '?'); }

std::string Base64(std::string_view in) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t v = (static_cast<uint32_t>(static_cast<unsigned char>(in[i])) << 16) |
                 (static_cast<uint32_t>(static_cast<unsigned char>(in[i + 1])) << 8) |
                 static_cast<uint32_t>(static_cast<unsigned char>(in[i + 2]));
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  size_t rest = in.size() - i;
  if (rest > 0) {
    uint32_t v = static_cast<uint32_t>(static_cast<unsigned char>(in[i])) << 16;
    if (rest == 2) v |= static_cast<uint32_t>(static_cast<unsigned char>(in[i + 1])) << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += rest == 2 ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

// Length of the UTF-8 sequence starting with `lead` (1 for anything else, so
// a stray byte never stalls the loop; cleaned text is valid UTF-8 anyway).
size_t Utf8SequenceLength(unsigned char lead) {
  if (lead >= 0xF0 && lead <= 0xF4) return 4;
  if (lead >= 0xE0) return 3;
  if (lead >= 0xC2 && lead < 0xE0) return 2;
  return 1;
}

// Encoded-words of at most kEncodedWordRawBytes raw bytes each, never
// splitting a UTF-8 character, joined by folding whitespace.
std::string EncodedWords(std::string_view text) {
  std::string out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = start;
    while (end < text.size()) {
      size_t n = Utf8SequenceLength(static_cast<unsigned char>(text[end]));
      if (end + n > text.size()) n = text.size() - end;
      if (end + n - start > kEncodedWordRawBytes) break;
      end += n;
    }
    if (!out.empty()) out += "\r\n ";
    out += "=?UTF-8?B?" + Base64(text.substr(start, end - start)) + "?=";
    start = end;
  }
  return out;
}

// Untrusted header text made safe: controls (CR, LF, NUL, tab...) become
// spaces, invalid UTF-8 becomes '?', bounded, trimmed.
std::string CleanHeaderValue(std::string_view text, size_t max_bytes) {
  return std::string(TrimWhitespace(CleanText(TruncateUtf8(text, max_bytes), ' ')));
}

bool IsPrintableAscii(std::string_view s) {
  for (char c : s) {
    if (c < 0x20 || c > 0x7E) return false;
  }
  return true;
}

// A display name as a phrase: plain atoms when it is only atext and spaces,
// otherwise encoded-words.
std::string EncodePhrase(std::string_view name) {
  bool plain = !name.empty();
  for (char c : name) {
    if (!IsAtext(c) && c != ' ') plain = false;
  }
  if (plain && name.find("=?") == std::string_view::npos) return std::string(name);
  return EncodedWords(name);
}

std::string FormatAddress(const Address& address) {
  std::string name = CleanHeaderValue(address.display_name, kMaxDisplayNameBytes);
  if (name.empty()) return address.email;
  std::string phrase = EncodePhrase(name);
  if (phrase.find("=?") == 0) return phrase + "\r\n <" + address.email + ">";
  return phrase + " <" + address.email + ">";
}

// RFC 5322 date-time in UTC, independent of the locale.
std::string FormatDate(std::chrono::system_clock::time_point date) {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::time_t t = std::chrono::system_clock::to_time_t(date);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  return fmt::format("{}, {:02d} {} {:04d} {:02d}:{:02d}:{:02d} +0000", kDays[tm.tm_wday % 7],
                     tm.tm_mday, kMonths[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                     tm.tm_sec);
}

std::string RandomHex(size_t bytes) {
  std::random_device random;
  std::string out;
  for (size_t i = 0; i < bytes; ++i) out += fmt::format("{:02x}", random() & 0xFFu);
  return out;
}

// Splits on CRLF, LF or CR; a final line break does not add an empty line.
std::vector<std::string_view> SplitLines(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t start = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r' || text[i] == '\n') {
      lines.push_back(text.substr(start, i - start));
      if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      start = i + 1;
    }
  }
  if (start < text.size()) lines.push_back(text.substr(start));
  return lines;
}

// Quoted-printable (RFC 2045 6.7) with CRLF hard breaks and soft breaks
// keeping every line <= 76 bytes. A "." or the "F" of "From " at the start of
// an output line is encoded too, so no line starts with a dot (SMTP) or
// "From " (mbox).
std::string QuotedPrintable(std::string_view text) {
  std::string out;
  for (std::string_view line : SplitLines(text)) {
    size_t column = 0;
    for (size_t i = 0; i < line.size(); ++i) {
      auto c = static_cast<unsigned char>(line[i]);
      bool last = i + 1 == line.size();
      bool literal = (c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !last);
      std::string token =
          literal ? std::string(1, static_cast<char>(c)) : fmt::format("={:02X}", c);
      if (column + token.size() > kQpMaxLine - 1) {
        out += "=\r\n";
        column = 0;
      }
      if (column == 0 && literal && (c == '.' || (c == 'F' && line.substr(i, 5) == "From "))) {
        token = fmt::format("={:02X}", c);
      }
      out += token;
      column += token.size();
    }
    out += "\r\n";
  }
  return out;
}

Status ValidateMessageId(std::string_view id) {
  if (id.size() < 5 || id.size() > 250 || id.front() != '<' || id.back() != '>') {
    return InvalidArgumentError(
        fmt::format("message id '{}': not <left@right> of at most 250 "
                    "bytes",
                    Shown(id)));
  }
  std::string_view inner = id.substr(1, id.size() - 2);
  size_t at = inner.find('@');
  if (at == 0 || at == std::string_view::npos || at + 1 == inner.size() ||
      inner.find('@', at + 1) != std::string_view::npos) {
    return InvalidArgumentError(fmt::format("message id '{}': not <left@right>", Shown(id)));
  }
  for (char c : inner) {
    if (c <= 0x20 || c >= 0x7F || c == '<' || c == '>') {
      return InvalidArgumentError(
          fmt::format("message id '{}': only printable ASCII without spaces", Shown(id)));
    }
  }
  return Status::Ok();
}

std::string TextPartHeaders(std::string_view subtype) {
  return fmt::format(
      "Content-Type: text/{}; charset=UTF-8\r\nContent-Transfer-Encoding: quoted-printable\r\n",
      subtype);
}

}  // namespace

Status ValidateAddress(std::string_view email) {
  auto bad = [&](std::string_view why) {
    return InvalidArgumentError(fmt::format("address '{}': {}", Shown(email), why));
  };
  if (email.empty()) return bad("empty");
  if (email.size() > 254) return bad("longer than 254 bytes");
  for (char c : email) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F) return bad("contains a control character (CR, LF, NUL...)");
    if (u >= 0x80) return bad("contains non-ASCII characters");
    if (c == ' ') return bad("contains a space");
  }
  size_t at = email.find('@');
  if (at == std::string_view::npos) return bad("no '@'");
  if (email.find('@', at + 1) != std::string_view::npos) return bad("more than one '@'");
  std::string_view local = email.substr(0, at);
  std::string_view domain = email.substr(at + 1);
  if (local.empty()) return bad("empty local part");
  if (local.size() > 64) return bad("local part longer than 64 bytes");
  if (local.front() == '.' || local.back() == '.' || local.find("..") != std::string_view::npos) {
    return bad("misplaced '.' in the local part");
  }
  for (char c : local) {
    if (!IsAtext(c) && c != '.') return bad(fmt::format("'{}' in the local part", c));
  }
  if (domain.empty()) return bad("empty domain");
  size_t start = 0;
  while (true) {
    size_t dot = domain.find('.', start);
    std::string_view label =
        domain.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (label.empty()) return bad("empty label in the domain");
    if (label.size() > 63) return bad("domain label longer than 63 bytes");
    if (label.front() == '-' || label.back() == '-')
      return bad("domain label starts or ends with '-'");
    for (char c : label) {
      if (!IsLabelChar(c)) return bad(fmt::format("'{}' in the domain", c));
    }
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return Status::Ok();
}

std::string NewMessageId(std::string_view from_email) {
  size_t at = from_email.rfind('@');
  std::string domain =
      at == std::string_view::npos ? std::string() : std::string(from_email.substr(at + 1));
  if (domain.empty() || !ValidateAddress("x@" + domain).ok()) domain = "localhost";
  return "<" + RandomHex(16) + "@" + domain + ">";
}

std::string EncodeHeaderText(std::string_view text, size_t header_name_bytes) {
  if (IsPrintableAscii(text) && text.find("=?") == std::string_view::npos &&
      header_name_bytes + text.size() <= kMaxHeaderLine) {
    return std::string(text);
  }
  return EncodedWords(text);
}

Result<std::string> Compose(const Message& message) {
  PERISCOPE_RETURN_IF_ERROR(ValidateAddress(message.from.email).WithPrefix("from"));
  if (message.to.empty()) return InvalidArgumentError("message has no recipient");
  if (message.to.size() > kMaxRecipients) {
    return InvalidArgumentError(
        fmt::format("message has {} recipients (at most {})", message.to.size(), kMaxRecipients));
  }
  for (const Address& to : message.to) {
    PERISCOPE_RETURN_IF_ERROR(ValidateAddress(to.email).WithPrefix("to"));
  }
  if (message.reply_to) {
    PERISCOPE_RETURN_IF_ERROR(ValidateAddress(message.reply_to->email).WithPrefix("reply-to"));
  }
  if (message.text_body.size() > kMaxBodyBytes ||
      (message.html_body && message.html_body->size() > kMaxBodyBytes)) {
    return InvalidArgumentError(fmt::format("message body larger than {} bytes", kMaxBodyBytes));
  }
  if (message.date == std::chrono::system_clock::time_point{}) {
    return InvalidArgumentError("message date not set");
  }
  std::string message_id =
      message.message_id.empty() ? NewMessageId(message.from.email) : message.message_id;
  PERISCOPE_RETURN_IF_ERROR(ValidateMessageId(message_id));

  std::string out;
  out += "From: " + FormatAddress(message.from) + "\r\n";
  out += "To: ";
  for (size_t i = 0; i < message.to.size(); ++i) {
    if (i > 0) out += ",\r\n ";
    out += FormatAddress(message.to[i]);
  }
  out += "\r\n";
  if (message.reply_to) out += "Reply-To: " + FormatAddress(*message.reply_to) + "\r\n";
  std::string subject = CleanHeaderValue(message.subject, kMaxSubjectBytes);
  out += "Subject: " + EncodeHeaderText(subject, std::string_view("Subject: ").size()) + "\r\n";
  out += "Date: " + FormatDate(message.date) + "\r\n";
  out += "Message-ID: " + message_id + "\r\n";
  out += "MIME-Version: 1.0\r\n";
  if (!message.html_body) {
    out += TextPartHeaders("plain");
    out += "\r\n";
    out += QuotedPrintable(message.text_body);
    return out;
  }
  // "=_" never occurs in quoted-printable text, so no body line can look
  // like the boundary.
  std::string boundary = "=_periscope_" + RandomHex(16);
  out += "Content-Type: multipart/alternative;\r\n boundary=\"" + boundary + "\"\r\n";
  out += "\r\nThis is a multi-part message in MIME format.\r\n";
  // The CRLF before a delimiter belongs to the delimiter (RFC 2046 5.1.1),
  // hence the extra one after each part.
  out += "--" + boundary + "\r\n" + TextPartHeaders("plain") + "\r\n";
  out += QuotedPrintable(message.text_body);
  out += "\r\n--" + boundary + "\r\n" + TextPartHeaders("html") + "\r\n";
  out += QuotedPrintable(*message.html_body);
  out += "\r\n--" + boundary + "--\r\n";
  return out;
}

}  // namespace periscope::mail
