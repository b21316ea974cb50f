// The stock and delivery inquiry message (seed 001 figures 5 and 6): the XML a
// sales terminal sends to a manufacturing site and the site's answer. The
// schema, with examples, is docs/inquiry.md; namespace kInquiryNamespace.
//
// Builders serialise any value; parsers are strict: the root element and its
// namespace, every required field, each field at most once, no unknown
// attribute or element, bounded sizes, clean UTF-8, and no DOCTYPE or entity
// other than the predefined ones (core/xml_config.h). Errors are
// InvalidArgument "name:line:col: <element> field 'f': why". Shared by the
// client (reports/inquiry.h) and the reference responder (factory/).
// Thread-safe: every function is pure.
#ifndef PERISCOPE_REPORTS_INQUIRY_MESSAGE_H_
#define PERISCOPE_REPORTS_INQUIRY_MESSAGE_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"  // ParseIsoDate, FormatIsoDate (YYYY-MM-DD)
#include "core/status.h"

namespace periscope::reports {

inline constexpr std::string_view kInquiryNamespace = "urn:periscope:inquiry:1";

// Upper bound on a whole message (request, answer or error document).
inline constexpr size_t kMaxInquiryMessageBytes = 16 * 1024;

// Field bounds (bytes of UTF-8 after trimming).
inline constexpr size_t kMaxInquiryKeyBytes = 64;  // [A-Za-z0-9._-]+
inline constexpr size_t kMaxSiteNameBytes = 64;    // [A-Za-z0-9._-]+
inline constexpr size_t kMaxProductNumberBytes = 64;
inline constexpr size_t kMaxPlaceBytes = 255;  // delivery-place, retailer, requested-by
inline constexpr size_t kMaxCustomerReferenceBytes = 128;
inline constexpr size_t kMaxAnswerMessageBytes = 1024;
inline constexpr int64_t kMaxInquiryQuantity = 1000000;

// The purchase-order information and the designated delivery place (seed 001
// paragraph 0050, steps d6-d8).
struct InquiryRequest {
  std::string inquiry_key;  // the ID every answer echoes
  std::string product_number;
  int64_t quantity = 0;            // 1..kMaxInquiryQuantity
  std::string delivery_place;      // the retailer or place the customer wants
  std::string requested_by;        // the sales person (name or address)
  std::string customer_reference;  // optional; empty: not sent
};

enum class AnswerStatus {
  kAnswered,        // in-stock, retailer and delivery-date are given
  kPending,         // the site will answer later (ask again with the same ID)
  kUnknownProduct,  // the site does not make or sell this product number
};
std::string_view AnswerStatusName(AnswerStatus status);

// A site's answer (seed 001 paragraph 0052, step e3): at least the retailer
// that can hand the product over and the delivery date.
struct SiteAnswer {
  std::string inquiry_key;
  std::string site;
  AnswerStatus status = AnswerStatus::kAnswered;
  // Required with kAnswered, absent otherwise (quantity_available optional).
  std::optional<bool> in_stock;
  std::optional<int64_t> quantity_available;
  std::string retailer;
  std::optional<uint32_t> delivery_date;  // YYYYMMDD
  std::string message;                    // optional free text
};

// OK when every field is within the bounds above (the parser's rules), else
// InvalidArgument naming the field. Call before sending a built message.
Status ValidateInquiry(const InquiryRequest& request);
Status ValidateAnswer(const SiteAnswer& answer);

std::string BuildInquiryXml(const InquiryRequest& request);
Result<InquiryRequest> ParseInquiryXml(std::string_view xml, std::string_view name);

std::string BuildAnswerXml(const SiteAnswer& answer);
Result<SiteAnswer> ParseAnswerXml(std::string_view xml, std::string_view name);

// The body of a refused request (HTTP 4xx from a site): <error> with a message.
std::string BuildErrorXml(std::string_view message);
// The message of an <error> document (truncated to kMaxAnswerMessageBytes).
Result<std::string> ParseErrorXml(std::string_view xml, std::string_view name);

}  // namespace periscope::reports

#endif  // PERISCOPE_REPORTS_INQUIRY_MESSAGE_H_
