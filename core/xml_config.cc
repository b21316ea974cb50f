#include "core/xml_config.h"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "core/files.h"
#include "core/strings.h"

namespace periscope {

Result<std::unique_ptr<XmlConfig>> XmlConfig::LoadFile(const std::string& path, size_t max_bytes) {
  Result<std::string> content = ReadFileBounded(path, max_bytes);
  if (!content.ok()) return content.status();
  return LoadString(std::move(content).value(), path);
}

Result<std::unique_ptr<XmlConfig>> XmlConfig::LoadString(std::string content, std::string name) {
  std::unique_ptr<XmlConfig> config(new XmlConfig());
  config->name_ = std::move(name);
  config->content_ = std::move(content);
  config->line_starts_.push_back(0);
  for (size_t i = 0; i < config->content_.size(); ++i) {
    if (config->content_[i] == '\n') config->line_starts_.push_back(i + 1);
  }
  // parse_doctype only so that a DOCTYPE is seen and refused below.
  pugi::xml_parse_result parsed = config->doc_.load_buffer(
      config->content_.data(), config->content_.size(),
      pugi::parse_default | pugi::parse_ws_pcdata_single | pugi::parse_doctype,
      pugi::encoding_utf8);
  if (!parsed) {
    auto [line, col] = config->LineColumn(parsed.offset);
    return InvalidArgumentError(fmt::format("{}:{}:{}: XML syntax error: {}", config->name_, line,
                                            col, parsed.description()));
  }
  for (pugi::xml_node node : config->doc_.children()) {
    if (node.type() == pugi::node_doctype) {
      size_t at = config->content_.find("<!DOCTYPE");
      auto [line, col] = config->LineColumn(at == std::string::npos ? node.offset_debug()
                                                                    : static_cast<ptrdiff_t>(at));
      return InvalidArgumentError(
          fmt::format("{}:{}:{}: a DOCTYPE is not allowed (no DTDs or entity declarations)",
                      config->name_, line, col));
    }
  }
  PERISCOPE_RETURN_IF_ERROR(config->CheckEntityReferences());
  if (!config->doc_.document_element()) {
    return InvalidArgumentError(fmt::format("{}: no root element", config->name_));
  }
  return config;
}

Status XmlConfig::CheckEntityReferences() const {
  const std::string& c = content_;
  auto skip_to = [&](size_t from, std::string_view end) {
    size_t at = c.find(end, from);
    return at == std::string::npos ? c.size() : at + end.size();
  };
  size_t i = 0;
  while (i < c.size()) {
    if (c.compare(i, 4, "<!--") == 0) {
      i = skip_to(i + 4, "-->");
    } else if (c.compare(i, 9, "<![CDATA[") == 0) {
      i = skip_to(i + 9, "]]>");
    } else if (c.compare(i, 2, "<?") == 0) {
      i = skip_to(i + 2, "?>");
    } else if (c[i] == '&') {
      size_t semi = c.find(';', i);
      std::string_view ref = semi == std::string::npos || semi - i > 12
                                 ? std::string_view()
                                 : std::string_view(c).substr(i + 1, semi - i - 1);
      bool ok = ref == "amp" || ref == "lt" || ref == "gt" || ref == "quot" || ref == "apos";
      if (!ok && ref.size() > 1 && ref[0] == '#') {
        bool hex = ref[1] == 'x';
        std::string_view digits = ref.substr(hex ? 2 : 1);
        ok = !digits.empty() && std::all_of(digits.begin(), digits.end(), [&](char d) {
          return hex ? std::isxdigit(static_cast<unsigned char>(d)) != 0 : (d >= '0' && d <= '9');
        });
      }
      if (!ok) {
        auto [line, col] = LineColumn(static_cast<ptrdiff_t>(i));
        return InvalidArgumentError(fmt::format(
            "{}:{}:{}: entity reference '{}' is not allowed (only &amp; &lt; &gt; &quot; &apos; "
            "and &#N; character references; write a literal '&' as &amp;)",
            name_, line, col,
            semi == std::string::npos || semi - i > 12 ? std::string("&")
                                                       : c.substr(i, semi - i + 1)));
      }
      i = semi + 1;
    } else {
      ++i;
    }
  }
  return Status::Ok();
}

std::pair<int, int> XmlConfig::LineColumn(ptrdiff_t offset) const {
  if (offset < 0) return {0, 0};
  auto off = static_cast<size_t>(offset);
  auto it = std::upper_bound(line_starts_.begin(), line_starts_.end(), off);
  size_t line_index = static_cast<size_t>(it - line_starts_.begin()) - 1;
  return {static_cast<int>(line_index + 1), static_cast<int>(off - line_starts_[line_index] + 1)};
}

std::string XmlConfig::Where(const pugi::xml_node& node) const {
  // offset_debug() points just past '<'; report the '<' itself.
  ptrdiff_t off = node.offset_debug();
  if (off > 0 && node.type() == pugi::node_element) --off;
  auto [line, col] = LineColumn(off);
  return fmt::format("{}:{}:{}", name_, line, col);
}

std::string XmlConfig::Where(const pugi::xml_attribute& attr, const pugi::xml_node& owner) const {
  // pugixml keeps no offsets for attributes: find the name inside the start tag.
  ptrdiff_t start = owner.offset_debug();
  if (start >= 0) {
    size_t end = content_.find('>', static_cast<size_t>(start));
    size_t pos = content_.find(std::string(" ") + attr.name(), static_cast<size_t>(start));
    if (pos == std::string::npos) pos = content_.find(attr.name(), static_cast<size_t>(start));
    if (pos != std::string::npos && (end == std::string::npos || pos < end)) {
      if (content_[pos] == ' ') ++pos;
      auto [line, col] = LineColumn(static_cast<ptrdiff_t>(pos));
      return fmt::format("{}:{}:{}", name_, line, col);
    }
  }
  return Where(owner);
}

pugi::xml_node XmlConfig::FieldNode(const pugi::xml_node& node, std::string_view field) const {
  std::string f(field);
  pugi::xml_node child = node.child(f.c_str());
  return child ? child : node;
}

Status XmlConfig::FieldError(const pugi::xml_node& node, std::string_view field,
                             std::string_view message) const {
  std::string f(field);
  std::string where;
  if (pugi::xml_attribute attr = node.attribute(f.c_str())) {
    where = Where(attr, node);
  } else {
    where = Where(FieldNode(node, field));
  }
  return InvalidArgumentError(
      fmt::format("{}: <{}> field '{}': {}", where, node.name(), field, message));
}

Status XmlConfig::CheckKnownFields(const pugi::xml_node& node,
                                   const std::vector<std::string_view>& allowed) const {
  auto known = [&](std::string_view name) {
    return std::find(allowed.begin(), allowed.end(), name) != allowed.end();
  };
  for (pugi::xml_attribute attr : node.attributes()) {
    if (!known(attr.name())) {
      return InvalidArgumentError(fmt::format("{}: <{}> unknown attribute '{}'", Where(attr, node),
                                              node.name(), attr.name()));
    }
  }
  for (pugi::xml_node child : node.children()) {
    if (child.type() != pugi::node_element) continue;
    if (!known(child.name())) {
      return InvalidArgumentError(
          fmt::format("{}: <{}> unknown element <{}>", Where(child), node.name(), child.name()));
    }
  }
  return Status::Ok();
}

Result<std::optional<std::string>> XmlConfig::Text(const pugi::xml_node& node,
                                                   std::string_view field, size_t max_bytes) const {
  std::string f(field);
  std::string raw;
  if (pugi::xml_attribute attr = node.attribute(f.c_str())) {
    raw = attr.value();
  } else if (pugi::xml_node child = node.child(f.c_str())) {
    if (child.first_child() && child.first_child().type() == pugi::node_element) {
      return FieldError(node, field, "expected text, found an element");
    }
    raw = child.child_value();
  } else {
    return std::optional<std::string>();
  }
  std::string value(TrimWhitespace(raw));
  if (!IsCleanUtf8Text(value)) {
    return FieldError(node, field, "not clean UTF-8 text (control characters or bad encoding)");
  }
  if (value.size() > max_bytes) {
    return FieldError(node, field,
                      fmt::format("longer than {} bytes ({} bytes)", max_bytes, value.size()));
  }
  return std::optional<std::string>(std::move(value));
}

Status XmlConfig::SetText(const pugi::xml_node& node, std::string_view field, std::string* dest,
                          size_t max_bytes) const {
  auto v = Text(node, field, max_bytes);
  if (!v.ok()) return v.status();
  if (v->has_value()) *dest = **v;
  return Status::Ok();
}

Result<std::optional<uint64_t>> XmlConfig::Uint(const pugi::xml_node& node, std::string_view field,
                                                uint64_t min, uint64_t max) const {
  auto text = Text(node, field, 32);
  if (!text.ok()) return text.status();
  if (!text->has_value()) return std::optional<uint64_t>();
  auto value = ParseUint64(**text);
  if (!value || *value < min || *value > max) {
    return FieldError(node, field,
                      fmt::format("'{}' is not an integer in {}..{}", **text, min, max));
  }
  return std::optional<uint64_t>(*value);
}

Result<std::optional<uint64_t>> XmlConfig::Bytes(const pugi::xml_node& node,
                                                 std::string_view field) const {
  auto text = Text(node, field, 32);
  if (!text.ok()) return text.status();
  if (!text->has_value()) return std::optional<uint64_t>();
  auto value = ParseByteCount(**text);
  if (!value) {
    return FieldError(
        node, field,
        fmt::format("'{}' is not a byte count (e.g. 4000000000000, 4TB, 3.6TiB)", **text));
  }
  return std::optional<uint64_t>(*value);
}

Result<std::optional<bool>> XmlConfig::Bool(const pugi::xml_node& node,
                                            std::string_view field) const {
  auto text = Text(node, field, 8);
  if (!text.ok()) return text.status();
  if (!text->has_value()) return std::optional<bool>();
  const std::string& v = **text;
  if (v == "true" || v == "yes" || v == "1") return std::optional<bool>(true);
  if (v == "false" || v == "no" || v == "0") return std::optional<bool>(false);
  return FieldError(node, field, fmt::format("'{}' is not true or false", v));
}

}  // namespace periscope
