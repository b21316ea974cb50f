#include "reports/inquiry_message.h"

#include <algorithm>
#include <memory>
#include <sstream>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <pugixml.hpp>

#include "core/clock.h"
#include "core/strings.h"
#include "core/xml_config.h"

namespace periscope::reports {
namespace {

bool IsIdChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

// Empty when `value` is acceptable, else why not.
std::string CheckId(std::string_view value, size_t max_bytes) {
  if (value.empty()) return "missing";
  if (value.size() > max_bytes) {
    return fmt::format("longer than {} bytes ({} bytes)", max_bytes, value.size());
  }
  if (!std::all_of(value.begin(), value.end(), IsIdChar)) {
    return "only letters, digits, '.', '_' and '-' are allowed";
  }
  return "";
}

std::string CheckText(std::string_view value, size_t max_bytes, bool required) {
  if (value.empty()) return required ? "missing" : "";
  if (!IsCleanUtf8Text(value)) return "not clean UTF-8 text (control characters or bad encoding)";
  if (TrimWhitespace(value).size() != value.size()) return "leading or trailing white space";
  if (value.size() > max_bytes) {
    return fmt::format("longer than {} bytes ({} bytes)", max_bytes, value.size());
  }
  return "";
}

Status FieldStatus(std::string_view what, std::string_view field, const std::string& why) {
  if (why.empty()) return Status::Ok();
  return InvalidArgumentError(fmt::format("{} field '{}': {}", what, field, why));
}

std::string Serialise(const pugi::xml_document& doc) {
  std::ostringstream out;
  doc.save(out, "  ", pugi::format_indent, pugi::encoding_utf8);
  return out.str();
}

pugi::xml_node AddRoot(pugi::xml_document& doc, const char* name) {
  pugi::xml_node decl = doc.append_child(pugi::node_declaration);
  decl.append_attribute("version") = "1.0";
  decl.append_attribute("encoding") = "UTF-8";
  pugi::xml_node root = doc.append_child(name);
  root.append_attribute("xmlns") = std::string(kInquiryNamespace).c_str();
  return root;
}

void AddText(pugi::xml_node parent, const char* name, const std::string& value) {
  parent.append_child(name).text().set(value.c_str());
}

// A parsed message: the document and its checked root element.
struct Parsed {
  std::unique_ptr<XmlConfig> xml;
  pugi::xml_node root;
};

// Parses and checks what every message shares: size, no DOCTYPE or entities,
// the root element's name and namespace, only `attributes` on the root, only
// `elements` (each at most once, text only, no attributes) inside it.
Result<Parsed> ParseMessage(std::string_view text, std::string_view name,
                            std::string_view root_name,
                            const std::vector<std::string_view>& attributes,
                            const std::vector<std::string_view>& elements) {
  if (text.size() > kMaxInquiryMessageBytes) {
    return InvalidArgumentError(fmt::format("{}: message of {} bytes is over the {} byte limit",
                                            name, text.size(), kMaxInquiryMessageBytes));
  }
  auto loaded = XmlConfig::LoadString(std::string(text), std::string(name));
  if (!loaded.ok()) return loaded.status();
  Parsed parsed{std::move(loaded).value(), {}};
  const XmlConfig& xml = *parsed.xml;
  pugi::xml_node root = xml.root();
  if (std::string_view(root.name()) != root_name) {
    return InvalidArgumentError(fmt::format("{}: root element is <{}>, expected <{}>",
                                            xml.Where(root), root.name(), root_name));
  }
  pugi::xml_attribute ns = root.attribute("xmlns");
  if (!ns) {
    return InvalidArgumentError(fmt::format("{}: <{}> has no namespace (expected xmlns=\"{}\")",
                                            xml.Where(root), root_name, kInquiryNamespace));
  }
  if (std::string_view(ns.value()) != kInquiryNamespace) {
    return InvalidArgumentError(
        fmt::format("{}: <{}> namespace '{}' is not '{}'", xml.Where(ns, root), root_name,
                    CleanText(TruncateUtf8(ns.value(), 100), '?'), kInquiryNamespace));
  }
  auto in = [](const std::vector<std::string_view>& list, std::string_view v) {
    return std::find(list.begin(), list.end(), v) != list.end();
  };
  for (pugi::xml_attribute attr : root.attributes()) {
    if (!in(attributes, attr.name())) {
      return InvalidArgumentError(fmt::format("{}: <{}> unknown attribute '{}'",
                                              xml.Where(attr, root), root_name,
                                              CleanText(TruncateUtf8(attr.name(), 64), '?')));
    }
  }
  std::vector<std::string_view> seen;
  for (pugi::xml_node child : root.children()) {
    if (child.type() == pugi::node_pcdata || child.type() == pugi::node_cdata) {
      if (!TrimWhitespace(child.value()).empty()) {
        return InvalidArgumentError(
            fmt::format("{}: <{}> text outside any field", xml.Where(child), root_name));
      }
      continue;
    }
    if (child.type() != pugi::node_element) continue;  // comments, processing instructions
    std::string_view child_name = child.name();
    if (!in(elements, child_name)) {
      return InvalidArgumentError(fmt::format("{}: <{}> unknown element <{}>", xml.Where(child),
                                              root_name,
                                              CleanText(TruncateUtf8(child_name, 64), '?')));
    }
    if (in(seen, child_name)) {
      return InvalidArgumentError(
          fmt::format("{}: <{}> field '{}' given twice", xml.Where(child), root_name, child_name));
    }
    seen.push_back(child_name);
    if (child.first_attribute()) {
      return InvalidArgumentError(fmt::format("{}: <{}> field '{}': attributes are not allowed",
                                              xml.Where(child), root_name, child_name));
    }
  }
  parsed.root = root;
  return parsed;
}

// The text of a field (attribute of the root, or child element) with the
// message's rules; nullopt when absent. Empty text counts as absent.
Result<std::optional<std::string>> Field(const Parsed& p, std::string_view field,
                                         size_t max_bytes) {
  auto text = p.xml->Text(p.root, field, max_bytes);
  if (!text.ok()) return text.status();
  if (text->has_value() && (*text)->empty()) return std::optional<std::string>();
  return text;
}

Result<std::string> RequiredText(const Parsed& p, std::string_view field, size_t max_bytes) {
  auto text = Field(p, field, max_bytes);
  if (!text.ok()) return text.status();
  if (!text->has_value()) return p.xml->FieldError(p.root, field, "missing");
  return std::move(**text);
}

Result<std::string> RequiredId(const Parsed& p, std::string_view field, size_t max_bytes) {
  auto text = RequiredText(p, field, max_bytes);
  if (!text.ok()) return text.status();
  std::string why = CheckId(*text, max_bytes);
  if (!why.empty()) return p.xml->FieldError(p.root, field, why);
  return text;
}

}  // namespace

std::string_view AnswerStatusName(AnswerStatus status) {
  switch (status) {
    case AnswerStatus::kAnswered:
      return "answered";
    case AnswerStatus::kPending:
      return "pending";
    case AnswerStatus::kUnknownProduct:
      return "unknown-product";
  }
  return "answered";
}

Status ValidateInquiry(const InquiryRequest& r) {
  constexpr std::string_view kWhat = "<inquiry>";
  PERISCOPE_RETURN_IF_ERROR(FieldStatus(kWhat, "id", CheckId(r.inquiry_key, kMaxInquiryKeyBytes)));
  PERISCOPE_RETURN_IF_ERROR(FieldStatus(kWhat, "product-number",
                                        CheckText(r.product_number, kMaxProductNumberBytes, true)));
  if (r.quantity < 1 || r.quantity > kMaxInquiryQuantity) {
    return InvalidArgumentError(fmt::format("{} field 'quantity': {} is not an integer in 1..{}",
                                            kWhat, r.quantity, kMaxInquiryQuantity));
  }
  PERISCOPE_RETURN_IF_ERROR(
      FieldStatus(kWhat, "delivery-place", CheckText(r.delivery_place, kMaxPlaceBytes, true)));
  PERISCOPE_RETURN_IF_ERROR(
      FieldStatus(kWhat, "requested-by", CheckText(r.requested_by, kMaxPlaceBytes, true)));
  return FieldStatus(kWhat, "customer-reference",
                     CheckText(r.customer_reference, kMaxCustomerReferenceBytes, false));
}

Status ValidateAnswer(const SiteAnswer& a) {
  constexpr std::string_view kWhat = "<answer>";
  PERISCOPE_RETURN_IF_ERROR(FieldStatus(kWhat, "id", CheckId(a.inquiry_key, kMaxInquiryKeyBytes)));
  PERISCOPE_RETURN_IF_ERROR(FieldStatus(kWhat, "site", CheckId(a.site, kMaxSiteNameBytes)));
  bool answered = a.status == AnswerStatus::kAnswered;
  if (answered) {
    if (!a.in_stock) return FieldStatus(kWhat, "in-stock", "missing");
    if (!a.delivery_date) return FieldStatus(kWhat, "delivery-date", "missing");
    if (!IsValidDate(*a.delivery_date)) {
      return FieldStatus(kWhat, "delivery-date", "not a calendar day");
    }
    PERISCOPE_RETURN_IF_ERROR(
        FieldStatus(kWhat, "retailer", CheckText(a.retailer, kMaxPlaceBytes, true)));
  } else {
    const char* extra = a.in_stock             ? "in-stock"
                        : a.quantity_available ? "quantity-available"
                        : !a.retailer.empty()  ? "retailer"
                        : a.delivery_date      ? "delivery-date"
                                               : nullptr;
    if (extra != nullptr) {
      return FieldStatus(
          kWhat, extra,
          fmt::format("only allowed with status 'answered', not '{}'", AnswerStatusName(a.status)));
    }
  }
  if (a.quantity_available && (*a.quantity_available < 0 || *a.quantity_available > INT32_MAX)) {
    return FieldStatus(kWhat, "quantity-available", "out of range");
  }
  return FieldStatus(kWhat, "message", CheckText(a.message, kMaxAnswerMessageBytes, false));
}

std::string BuildInquiryXml(const InquiryRequest& r) {
  pugi::xml_document doc;
  pugi::xml_node root = AddRoot(doc, "inquiry");
  root.append_attribute("id") = r.inquiry_key.c_str();
  AddText(root, "product-number", r.product_number);
  AddText(root, "quantity", std::to_string(r.quantity));
  AddText(root, "delivery-place", r.delivery_place);
  AddText(root, "requested-by", r.requested_by);
  if (!r.customer_reference.empty()) AddText(root, "customer-reference", r.customer_reference);
  return Serialise(doc);
}

Result<InquiryRequest> ParseInquiryXml(std::string_view xml, std::string_view name) {
  auto parsed = ParseMessage(
      xml, name, "inquiry", {"xmlns", "id"},
      {"product-number", "quantity", "delivery-place", "requested-by", "customer-reference"});
  if (!parsed.ok()) return parsed.status();
  const Parsed& p = *parsed;
  InquiryRequest r;
  auto key = RequiredId(p, "id", kMaxInquiryKeyBytes);
  if (!key.ok()) return key.status();
  r.inquiry_key = std::move(*key);
  auto product = RequiredText(p, "product-number", kMaxProductNumberBytes);
  if (!product.ok()) return product.status();
  r.product_number = std::move(*product);
  auto quantity = p.xml->Uint(p.root, "quantity", 1, kMaxInquiryQuantity);
  if (!quantity.ok()) return quantity.status();
  if (!quantity->has_value()) return p.xml->FieldError(p.root, "quantity", "missing");
  r.quantity = static_cast<int64_t>(**quantity);
  auto place = RequiredText(p, "delivery-place", kMaxPlaceBytes);
  if (!place.ok()) return place.status();
  r.delivery_place = std::move(*place);
  auto by = RequiredText(p, "requested-by", kMaxPlaceBytes);
  if (!by.ok()) return by.status();
  r.requested_by = std::move(*by);
  auto reference = Field(p, "customer-reference", kMaxCustomerReferenceBytes);
  if (!reference.ok()) return reference.status();
  if (reference->has_value()) r.customer_reference = std::move(**reference);
  return r;
}

std::string BuildAnswerXml(const SiteAnswer& a) {
  pugi::xml_document doc;
  pugi::xml_node root = AddRoot(doc, "answer");
  root.append_attribute("id") = a.inquiry_key.c_str();
  root.append_attribute("site") = a.site.c_str();
  root.append_attribute("status") = std::string(AnswerStatusName(a.status)).c_str();
  if (a.in_stock) AddText(root, "in-stock", *a.in_stock ? "true" : "false");
  if (a.quantity_available) {
    AddText(root, "quantity-available", std::to_string(*a.quantity_available));
  }
  if (!a.retailer.empty()) AddText(root, "retailer", a.retailer);
  if (a.delivery_date) AddText(root, "delivery-date", FormatIsoDate(*a.delivery_date));
  if (!a.message.empty()) AddText(root, "message", a.message);
  return Serialise(doc);
}

Result<SiteAnswer> ParseAnswerXml(std::string_view xml, std::string_view name) {
  auto parsed =
      ParseMessage(xml, name, "answer", {"xmlns", "id", "site", "status"},
                   {"in-stock", "quantity-available", "retailer", "delivery-date", "message"});
  if (!parsed.ok()) return parsed.status();
  const Parsed& p = *parsed;
  SiteAnswer a;
  auto key = RequiredId(p, "id", kMaxInquiryKeyBytes);
  if (!key.ok()) return key.status();
  a.inquiry_key = std::move(*key);
  auto site = RequiredId(p, "site", kMaxSiteNameBytes);
  if (!site.ok()) return site.status();
  a.site = std::move(*site);
  auto status = RequiredText(p, "status", 32);
  if (!status.ok()) return status.status();
  if (*status == "answered") {
    a.status = AnswerStatus::kAnswered;
  } else if (*status == "pending") {
    a.status = AnswerStatus::kPending;
  } else if (*status == "unknown-product") {
    a.status = AnswerStatus::kUnknownProduct;
  } else {
    return p.xml->FieldError(
        p.root, "status",
        fmt::format("'{}' is not answered, pending or unknown-product", CleanText(*status, '?')));
  }
  bool answered = a.status == AnswerStatus::kAnswered;
  for (std::string_view field : {"in-stock", "quantity-available", "retailer", "delivery-date"}) {
    if (!answered && p.root.child(std::string(field).c_str())) {
      return p.xml->FieldError(
          p.root, field, fmt::format("only allowed with status 'answered', not '{}'", *status));
    }
  }
  // in-stock is exactly true or false (not the config loader's yes/no/1/0).
  auto in_stock = Field(p, "in-stock", 8);
  if (!in_stock.ok()) return in_stock.status();
  if (in_stock->has_value()) {
    if (**in_stock == "true") {
      a.in_stock = true;
    } else if (**in_stock == "false") {
      a.in_stock = false;
    } else {
      return p.xml->FieldError(
          p.root, "in-stock", fmt::format("'{}' is not true or false", CleanText(**in_stock, '?')));
    }
  }
  auto available = p.xml->Uint(p.root, "quantity-available", 0, INT32_MAX);
  if (!available.ok()) return available.status();
  if (available->has_value()) a.quantity_available = static_cast<int64_t>(**available);
  auto retailer = Field(p, "retailer", kMaxPlaceBytes);
  if (!retailer.ok()) return retailer.status();
  if (retailer->has_value()) a.retailer = std::move(**retailer);
  auto date = Field(p, "delivery-date", 32);
  if (!date.ok()) return date.status();
  if (date->has_value()) {
    a.delivery_date = ParseIsoDate(**date);
    if (!a.delivery_date) {
      return p.xml->FieldError(
          p.root, "delivery-date",
          fmt::format("'{}' is not a calendar day YYYY-MM-DD", CleanText(**date, '?')));
    }
  }
  auto message = Field(p, "message", kMaxAnswerMessageBytes);
  if (!message.ok()) return message.status();
  if (message->has_value()) a.message = std::move(**message);
  if (answered) {
    if (!a.in_stock) return p.xml->FieldError(p.root, "in-stock", "missing");
    if (a.retailer.empty()) return p.xml->FieldError(p.root, "retailer", "missing");
    if (!a.delivery_date) return p.xml->FieldError(p.root, "delivery-date", "missing");
  }
  return a;
}

std::string BuildErrorXml(std::string_view message) {
  pugi::xml_document doc;
  pugi::xml_node root = AddRoot(doc, "error");
  AddText(root, "message", CleanText(TruncateUtf8(message, kMaxAnswerMessageBytes), ' '));
  return Serialise(doc);
}

Result<std::string> ParseErrorXml(std::string_view xml, std::string_view name) {
  auto parsed = ParseMessage(xml, name, "error", {"xmlns"}, {"message"});
  if (!parsed.ok()) return parsed.status();
  return RequiredText(*parsed, "message", kMaxAnswerMessageBytes);
}

}  // namespace periscope::reports
