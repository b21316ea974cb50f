#include "claimtool/rules.h"

#include <algorithm>
#include <array>
#include <map>
#include <memory>
#include <optional>
#include <utility>

#include <fmt/format.h>

#include "claimtool/standard_objects.h"
#include "core/strings.h"
#include "core/xml_config.h"
#include "mail/message.h"

namespace periscope::claimtool {
namespace {

constexpr size_t kMaxNameBytes = 64;    // item, role and category names; periscope items
constexpr size_t kMaxLabelBytes = 128;  // item labels, category titles, role persons
constexpr size_t kMaxUnitBytes = 32;
constexpr size_t kMaxEmailBytes = 254;
constexpr size_t kMaxOidTextBytes = 1400;  // 128 sub-identifiers of up to 10 digits
constexpr size_t kMaxTermBytes = 100;
constexpr size_t kMaxItems = 1000;
constexpr size_t kMaxRoles = 100;
constexpr size_t kMaxCategories = 200;
constexpr size_t kMaxTermsPerCategory = 100;
constexpr size_t kMaxUsesPerCategory = 100;

// The metrics a number item may be compared with per day (store/metrics.h).
constexpr std::array<std::string_view, 8> kRateMetrics = {
    store::kMetricPages,
    store::kMetricSupplyLevelPct,
    store::kMetricTrayLevel,
    store::kMetricStorageUsedBytes,
    store::kMetricStorageSizeBytes,
    store::kMetricCpuLoadPct,
    store::kMetricIfInOctets,
    store::kMetricIfOutOctets,
};

// 1..64 of a-z 0-9 . - _ (periscopeItemName's charset).
bool IsValidName(std::string_view name) {
  if (name.empty() || name.size() > kMaxNameBytes) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_';
  });
}

bool IsAsciiAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

std::string JoinNames(const std::vector<std::string_view>& names) {
  std::string out;
  for (std::string_view n : names) {
    if (!out.empty()) out += ", ";
    out += n;
  }
  return out;
}

class Parser {
 public:
  explicit Parser(const XmlConfig& xml) : xml_(xml) {}

  Result<ClaimRules> Parse() {
    pugi::xml_node root = xml_.root();
    if (std::string_view(root.name()) != "claim-rules") {
      return InvalidArgumentError(fmt::format("{}: root element is <{}>, expected <claim-rules>",
                                              xml_.Where(root), root.name()));
    }
    PERISCOPE_RETURN_IF_ERROR(xml_.CheckKnownFields(root, {"role", "item", "category"}));
    ClaimRules rules;
    rules.source_name = xml_.name();
    // Roles and items first, so a category may come before what it names.
    for (pugi::xml_node node : root.children()) {
      if (node.type() != pugi::node_element) continue;
      const std::string_view element = node.name();
      if (element == "role") {
        if (rules.roles.size() >= kMaxRoles) {
          return InvalidArgumentError(
              fmt::format("{}: more than {} <role> elements", xml_.Where(node), kMaxRoles));
        }
        Result<Role> role = ParseRole(node, rules);
        if (!role.ok()) return role.status();
        rules.roles.push_back(std::move(role).value());
      } else if (element == "item") {
        if (rules.items.size() >= kMaxItems) {
          return InvalidArgumentError(
              fmt::format("{}: more than {} <item> elements", xml_.Where(node), kMaxItems));
        }
        Result<ItemDef> item = ParseItem(node, rules);
        if (!item.ok()) return item.status();
        rules.items.push_back(std::move(item).value());
      }
    }
    for (pugi::xml_node node : root.children("category")) {
      if (rules.categories.size() >= kMaxCategories) {
        return InvalidArgumentError(
            fmt::format("{}: more than {} <category> elements", xml_.Where(node), kMaxCategories));
      }
      Result<Category> category = ParseCategory(node, rules);
      if (!category.ok()) return category.status();
      rules.categories.push_back(std::move(category).value());
    }
    if (rules.categories.empty()) {
      return InvalidArgumentError(
          fmt::format("{}: <claim-rules> has no <category>", xml_.Where(root)));
    }
    return rules;
  }

 private:
  // The line of `node` (from XmlConfig::Where's "file:line:column").
  int LineOf(const pugi::xml_node& node) const {
    std::string where = xml_.Where(node);
    std::string_view rest =
        std::string_view(where).substr(std::min(where.size(), xml_.name().size() + 1));
    size_t colon = rest.find(':');
    std::optional<uint64_t> line = ParseUint64(rest.substr(0, colon));
    return line && *line < 1000000000 ? static_cast<int>(*line) : 0;
  }

  Result<std::string> RequiredText(const pugi::xml_node& node, std::string_view field,
                                   size_t max_bytes) const {
    auto text = xml_.Text(node, field, max_bytes);
    if (!text.ok()) return text.status();
    if (!text->has_value()) return xml_.FieldError(node, field, "required");
    if ((*text)->empty()) return xml_.FieldError(node, field, "must not be empty");
    return std::move(**text);
  }

  Result<std::string> RequiredName(const pugi::xml_node& node, std::string_view field) const {
    auto name = RequiredText(node, field, kMaxNameBytes);
    if (!name.ok()) return name.status();
    if (!IsValidName(*name)) {
      return xml_.FieldError(
          node, field, fmt::format("'{}' must be 1..{} of a-z 0-9 . - _", *name, kMaxNameBytes));
    }
    return name;
  }

  // Optional text defaulting to `fallback`; empty text is refused.
  Result<std::string> OptionalText(const pugi::xml_node& node, std::string_view field,
                                   size_t max_bytes, std::string fallback) const {
    auto text = xml_.Text(node, field, max_bytes);
    if (!text.ok()) return text.status();
    if (!text->has_value()) return fallback;
    if ((*text)->empty()) return xml_.FieldError(node, field, "must not be empty");
    return std::move(**text);
  }

  Result<Role> ParseRole(const pugi::xml_node& node, const ClaimRules& rules) {
    PERISCOPE_RETURN_IF_ERROR(xml_.CheckKnownFields(node, {"name", "person", "email"}));
    Role role;
    auto name = RequiredName(node, "name");
    if (!name.ok()) return name.status();
    role.name = std::move(name).value();
    if (rules.FindRole(role.name) != nullptr) {
      return xml_.FieldError(
          node, "name",
          fmt::format("role '{}' is already defined at {}", role.name, where_role_.at(role.name)));
    }
    auto person = RequiredText(node, "person", kMaxLabelBytes);
    if (!person.ok()) return person.status();
    role.person = std::move(person).value();
    auto email = RequiredText(node, "email", kMaxEmailBytes);
    if (!email.ok()) return email.status();
    if (Status valid = mail::ValidateAddress(*email); !valid.ok()) {
      return xml_.FieldError(
          node, "email", fmt::format("'{}' is not a valid address: {}", *email, valid.message()));
    }
    role.email = std::move(email).value();
    where_role_[role.name] = xml_.Where(node);
    return role;
  }

  Result<ItemDef> ParseItem(const pugi::xml_node& node, const ClaimRules& rules) {
    PERISCOPE_RETURN_IF_ERROR(
        xml_.CheckKnownFields(node, {"name", "label", "periscope", "mib", "oid", "unit", "type",
                                     "table", "device-indexed", "rate-metric", "example"}));
    ItemDef item;
    item.line = LineOf(node);
    auto name = RequiredName(node, "name");
    if (!name.ok()) return name.status();
    item.name = std::move(name).value();
    if (rules.FindItem(item.name) != nullptr) {
      return xml_.FieldError(
          node, "name",
          fmt::format("item '{}' is already defined at {}", item.name, where_item_.at(item.name)));
    }
    auto label = OptionalText(node, "label", kMaxLabelBytes, item.name);
    if (!label.ok()) return label.status();
    item.label = std::move(label).value();

    auto periscope = xml_.Text(node, "periscope", kMaxNameBytes);
    if (!periscope.ok()) return periscope.status();
    auto mib = xml_.Text(node, "mib", kMaxNameBytes);
    if (!mib.ok()) return mib.status();
    auto oid = xml_.Text(node, "oid", kMaxOidTextBytes);
    if (!oid.ok()) return oid.status();
    int sources = static_cast<int>(periscope->has_value()) + static_cast<int>(mib->has_value()) +
                  static_cast<int>(oid->has_value());
    if (sources != 1) {
      return xml_.FieldError(
          node, "name",
          fmt::format("item '{}' needs exactly one of periscope=, mib= or oid= (has {})", item.name,
                      sources));
    }
    auto table = xml_.Bool(node, "table");
    if (!table.ok()) return table.status();
    auto device_indexed = xml_.Bool(node, "device-indexed");
    if (!device_indexed.ok()) return device_indexed.status();
    if (!oid->has_value()) {
      // mib= takes the shape from the standard object; periscope items are
      // one row of periscopeItemTable.
      for (std::string_view field : {"table", "device-indexed"}) {
        if (node.attribute(std::string(field).c_str()) || node.child(std::string(field).c_str())) {
          return xml_.FieldError(node, field,
                                 "only for oid= items (a mib= object's shape is known, a "
                                 "periscope= item is one value)");
        }
      }
    }
    std::optional<ValueType> default_type;
    if (periscope->has_value()) {
      item.source = ItemSource::kPeriscope;
      if (!IsValidName(**periscope)) {
        return xml_.FieldError(node, "periscope",
                               fmt::format("'{}' is not a periscopeItemName (1..{} of a-z 0-9 . "
                                           "- _)",
                                           **periscope, kMaxNameBytes));
      }
      item.periscope_item = **periscope;
    } else if (mib->has_value()) {
      item.source = ItemSource::kMib;
      const StandardObject* object = FindStandardObject(**mib);
      if (object == nullptr) {
        return xml_.FieldError(
            node, "mib",
            fmt::format("unknown standard object '{}' (names are case-sensitive; give a "
                        "vendor's or any other object with oid=)",
                        **mib));
      }
      item.mib_name = std::string(object->name);
      item.oid = object->oid;
      item.table = object->table;
      item.device_indexed = object->device_indexed;
      default_type = object->type;
    } else {
      item.source = ItemSource::kOid;
      Result<snmp::Oid> parsed = snmp::ParseOid(**oid);
      if (!parsed.ok()) {
        return xml_.FieldError(node, "oid", parsed.status().message());
      }
      if (parsed->size() < 2) {
        return xml_.FieldError(node, "oid",
                               fmt::format("'{}' is too short to name an object", **oid));
      }
      item.oid = std::move(parsed).value();
      item.table = table->value_or(false);
      item.device_indexed = device_indexed->value_or(false);
      if (item.device_indexed && !item.table) {
        return xml_.FieldError(node, "device-indexed",
                               "needs table=\"true\" (a scalar has no device index)");
      }
    }

    auto type = xml_.Text(node, "type", 16);
    if (!type.ok()) return type.status();
    if (!type->has_value()) {
      item.type = default_type.value_or(ValueType::kNumber);
    } else if (**type == "number") {
      item.type = ValueType::kNumber;
    } else if (**type == "text") {
      item.type = ValueType::kText;
    } else {
      return xml_.FieldError(node, "type", fmt::format("'{}' is not number or text", **type));
    }
    auto unit = xml_.Text(node, "unit", kMaxUnitBytes);
    if (!unit.ok()) return unit.status();
    item.unit = unit->value_or("");
    auto rate = xml_.Text(node, "rate-metric", kMaxNameBytes);
    if (!rate.ok()) return rate.status();
    if (rate->has_value()) {
      if (item.type != ValueType::kNumber) {
        return xml_.FieldError(node, "rate-metric", "only for number items (this one is text)");
      }
      if (std::find(kRateMetrics.begin(), kRateMetrics.end(), **rate) == kRateMetrics.end()) {
        return xml_.FieldError(node, "rate-metric",
                               fmt::format("'{}' is not a stored metric (one of {})", **rate,
                                           JoinNames({kRateMetrics.begin(), kRateMetrics.end()})));
      }
      item.rate_metric = **rate;
    }
    auto example = xml_.Bool(node, "example");
    if (!example.ok()) return example.status();
    item.example = example->value_or(false);
    where_item_[item.name] = xml_.Where(node);
    return item;
  }

  // Space- or comma-separated device kind names, at least one.
  Result<std::vector<store::DeviceKind>> ParseKinds(const pugi::xml_node& node) const {
    auto text = RequiredText(node, "kinds", 128);
    if (!text.ok()) return text.status();
    std::string spaced = *text;
    std::replace(spaced.begin(), spaced.end(), ',', ' ');
    std::vector<store::DeviceKind> kinds;
    for (std::string_view word : SplitWhitespace(spaced)) {
      std::optional<store::DeviceKind> kind = store::ParseDeviceKind(word);
      if (!kind) {
        return xml_.FieldError(
            node, "kinds",
            fmt::format("'{}' is not a device kind (periscope, printer, host, network)", word));
      }
      if (std::find(kinds.begin(), kinds.end(), *kind) != kinds.end()) {
        return xml_.FieldError(node, "kinds", fmt::format("'{}' is listed twice", word));
      }
      kinds.push_back(*kind);
    }
    if (kinds.empty()) {
      return xml_.FieldError(node, "kinds", "needs at least one device kind");
    }
    return kinds;
  }

  // An English term: ASCII words, stored lower-cased with single spaces.
  Result<std::string> EnglishTerm(const pugi::xml_node& match, std::string_view text) const {
    std::string term;
    bool has_alnum = false;
    for (std::string_view word : SplitWhitespace(text)) {
      if (!term.empty()) term += ' ';
      term += AsciiLower(word);
    }
    for (char c : term) {
      if (static_cast<unsigned char>(c) >= 0x80) {
        return xml_.FieldError(match, "lang",
                               fmt::format("English term '{}' is not ASCII (write it with "
                                           "lang=\"ja\")",
                                           text));
      }
      has_alnum = has_alnum || IsAsciiAlnum(c);
    }
    if (!has_alnum) {
      return xml_.FieldError(match, "lang",
                             fmt::format("English term '{}' has no letter or digit", text));
    }
    return term;
  }

  Status ParseMatch(const pugi::xml_node& match, Category* category) const {
    PERISCOPE_RETURN_IF_ERROR(xml_.CheckKnownFields(match, {"lang"}));
    auto lang = RequiredText(match, "lang", 8);
    if (!lang.ok()) return lang.status();
    if (*lang != "en" && *lang != "ja") {
      return xml_.FieldError(match, "lang", fmt::format("'{}' is not en or ja", *lang));
    }
    std::string text(TrimWhitespace(match.child_value()));
    if (!IsCleanUtf8Text(text)) {
      return InvalidArgumentError(fmt::format(
          "{}: <match> term is not clean UTF-8 text (control characters or bad encoding)",
          xml_.Where(match)));
    }
    if (text.empty()) {
      return InvalidArgumentError(fmt::format("{}: <match> term is empty", xml_.Where(match)));
    }
    if (text.size() > kMaxTermBytes) {
      return InvalidArgumentError(fmt::format("{}: <match> term longer than {} bytes ({} bytes)",
                                              xml_.Where(match), kMaxTermBytes, text.size()));
    }
    std::vector<std::string>* terms = nullptr;
    std::string term;
    if (*lang == "en") {
      auto english = EnglishTerm(match, text);
      if (!english.ok()) return english.status();
      term = std::move(english).value();
      terms = &category->terms_en;
    } else {
      term = std::move(text);
      terms = &category->terms_ja;
    }
    if (std::find(terms->begin(), terms->end(), term) != terms->end()) {
      return InvalidArgumentError(fmt::format("{}: <match> term '{}' is already in category '{}'",
                                              xml_.Where(match), term, category->name));
    }
    if (category->terms_en.size() + category->terms_ja.size() >= kMaxTermsPerCategory) {
      return InvalidArgumentError(fmt::format("{}: category '{}' has more than {} terms",
                                              xml_.Where(match), category->name,
                                              kMaxTermsPerCategory));
    }
    terms->push_back(std::move(term));
    return Status::Ok();
  }

  Status ParseUse(const pugi::xml_node& use, const ClaimRules& rules, Category* category) const {
    PERISCOPE_RETURN_IF_ERROR(xml_.CheckKnownFields(use, {"item"}));
    auto item = RequiredText(use, "item", kMaxNameBytes);
    if (!item.ok()) return item.status();
    if (rules.FindItem(*item) == nullptr) {
      return xml_.FieldError(use, "item", fmt::format("unknown item '{}'", *item));
    }
    if (std::find(category->items.begin(), category->items.end(), *item) != category->items.end()) {
      return xml_.FieldError(
          use, "item",
          fmt::format("item '{}' is already used in category '{}'", *item, category->name));
    }
    if (category->items.size() >= kMaxUsesPerCategory) {
      return xml_.FieldError(use, "item",
                             fmt::format("category '{}' uses more than {} items", category->name,
                                         kMaxUsesPerCategory));
    }
    category->items.push_back(std::move(item).value());
    return Status::Ok();
  }

  Result<Category> ParseCategory(const pugi::xml_node& node, const ClaimRules& rules) {
    PERISCOPE_RETURN_IF_ERROR(
        xml_.CheckKnownFields(node, {"name", "title", "kinds", "in-charge", "match", "use"}));
    for (std::string_view child_only : {"match", "use"}) {
      if (node.attribute(std::string(child_only).c_str())) {
        return InvalidArgumentError(
            fmt::format("{}: <category> unknown attribute '{}' (write <{}> elements)",
                        xml_.Where(node.attribute(std::string(child_only).c_str()), node),
                        child_only, child_only));
      }
    }
    Category category;
    category.line = LineOf(node);
    auto name = RequiredName(node, "name");
    if (!name.ok()) return name.status();
    category.name = std::move(name).value();
    if (rules.FindCategory(category.name) != nullptr) {
      return xml_.FieldError(node, "name",
                             fmt::format("category '{}' is already defined at {}", category.name,
                                         where_category_.at(category.name)));
    }
    auto title = OptionalText(node, "title", kMaxLabelBytes, category.name);
    if (!title.ok()) return title.status();
    category.title = std::move(title).value();
    auto kinds = ParseKinds(node);
    if (!kinds.ok()) return kinds.status();
    category.kinds = std::move(kinds).value();
    auto in_charge = RequiredText(node, "in-charge", kMaxNameBytes);
    if (!in_charge.ok()) return in_charge.status();
    if (rules.FindRole(*in_charge) == nullptr) {
      return xml_.FieldError(
          node, "in-charge",
          fmt::format("unknown role '{}' (define it with <role name=...>)", *in_charge));
    }
    category.in_charge = std::move(in_charge).value();
    for (pugi::xml_node child : node.children()) {
      if (child.type() != pugi::node_element) continue;
      if (std::string_view(child.name()) == "match") {
        PERISCOPE_RETURN_IF_ERROR(ParseMatch(child, &category));
      } else if (std::string_view(child.name()) == "use") {
        PERISCOPE_RETURN_IF_ERROR(ParseUse(child, rules, &category));
      }
    }
    if (category.terms_en.empty() && category.terms_ja.empty()) {
      return xml_.FieldError(
          node, "match",
          fmt::format("category '{}' needs at least one <match> term", category.name));
    }
    if (category.items.empty()) {
      return xml_.FieldError(
          node, "use",
          fmt::format("category '{}' needs at least one <use item=...>", category.name));
    }
    where_category_[category.name] = xml_.Where(node);
    return category;
  }

  const XmlConfig& xml_;
  // "file:line:column" of each definition, for duplicate messages.
  std::map<std::string, std::string, std::less<>> where_item_;
  std::map<std::string, std::string, std::less<>> where_role_;
  std::map<std::string, std::string, std::less<>> where_category_;
};

template <typename T>
const T* FindByName(const std::vector<T>& v, std::string_view name) {
  auto it = std::find_if(v.begin(), v.end(), [&](const T& x) { return x.name == name; });
  return it == v.end() ? nullptr : &*it;
}

Result<ClaimRules> ParseDocument(const XmlConfig& xml) {
  Parser parser(xml);
  return parser.Parse();
}

}  // namespace

const ItemDef* ClaimRules::FindItem(std::string_view name) const { return FindByName(items, name); }

const Role* ClaimRules::FindRole(std::string_view name) const { return FindByName(roles, name); }

const Category* ClaimRules::FindCategory(std::string_view name) const {
  return FindByName(categories, name);
}

Result<ClaimRules> ParseClaimRules(std::string content, const std::string& name) {
  auto xml = XmlConfig::LoadString(std::move(content), name);
  if (!xml.ok()) return xml.status();
  return ParseDocument(**xml);
}

Result<ClaimRules> LoadClaimRules(const std::string& path) {
  auto xml = XmlConfig::LoadFile(path);
  if (!xml.ok()) return xml.status();
  return ParseDocument(**xml);
}

}  // namespace periscope::claimtool
