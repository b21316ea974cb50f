// Loading of XML configuration files with positions in every error.
//
// An XmlConfig owns the parsed document and the original text, so any node can
// be reported as "file:line:column". Files over a size cap are refused before
// parsing. pugixml never expands entities, and a config is refused outright
// (file:line:column) when it has a DOCTYPE (so no DTD or entity declaration)
// or an entity reference other than the five predefined ones (&amp; &lt; &gt;
// &quot; &apos;) and numeric character references: pugixml would otherwise
// keep "&name;" or a bare "&" as literal text.
#ifndef PERISCOPE_CORE_XML_CONFIG_H_
#define PERISCOPE_CORE_XML_CONFIG_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <pugixml.hpp>

#include "core/files.h"
#include "core/status.h"

namespace periscope {

// Default upper bound on a configuration file's size.
inline constexpr size_t kMaxConfigBytes = 1 << 20;

class XmlConfig {
 public:
  // Reads and parses `path`. Errors name the file, and for syntax errors the
  // line and column.
  static Result<std::unique_ptr<XmlConfig>> LoadFile(const std::string& path,
                                                     size_t max_bytes = kMaxConfigBytes);
  // Parses `content`; `name` stands for the file name in messages.
  static Result<std::unique_ptr<XmlConfig>> LoadString(std::string content, std::string name);

  pugi::xml_node root() const { return doc_.document_element(); }
  const std::string& name() const { return name_; }

  // "file:line:column" of a node or attribute.
  std::string Where(const pugi::xml_node& node) const;
  std::string Where(const pugi::xml_attribute& attr, const pugi::xml_node& owner) const;

  // InvalidArgument "file:line:col: <element> field 'name': message".
  Status FieldError(const pugi::xml_node& node, std::string_view field,
                    std::string_view message) const;

  // Fails when `node` has an attribute or child element not in `allowed`.
  // Misspelled settings are errors, not silently ignored.
  Status CheckKnownFields(const pugi::xml_node& node,
                          const std::vector<std::string_view>& allowed) const;

  // A field is an attribute or a child element's text (an attribute wins).
  // Text is trimmed and must be clean UTF-8 of at most `max_bytes`.
  Result<std::optional<std::string>> Text(const pugi::xml_node& node, std::string_view field,
                                          size_t max_bytes = 255) const;
  Result<std::optional<uint64_t>> Uint(const pugi::xml_node& node, std::string_view field,
                                       uint64_t min, uint64_t max) const;
  Result<std::optional<uint64_t>> Bytes(const pugi::xml_node& node, std::string_view field) const;
  Result<std::optional<bool>> Bool(const pugi::xml_node& node, std::string_view field) const;

  // Text/Uint into `dest`, left unchanged when the field is absent.
  Status SetText(const pugi::xml_node& node, std::string_view field, std::string* dest,
                 size_t max_bytes = 255) const;
  template <typename T>
  Status SetUint(const pugi::xml_node& node, std::string_view field, uint64_t min, uint64_t max,
                 T* dest) const {
    auto v = Uint(node, field, min, max);
    if (!v.ok()) return v.status();
    if (v->has_value()) *dest = static_cast<T>(**v);
    return Status::Ok();
  }

 private:
  XmlConfig() = default;
  std::pair<int, int> LineColumn(ptrdiff_t offset) const;
  // Scans the raw text (outside comments, CDATA and processing instructions)
  // for '&' that is not a predefined entity or a numeric character reference.
  Status CheckEntityReferences() const;
  // Node holding the field (attribute owner or child element), for error positions.
  pugi::xml_node FieldNode(const pugi::xml_node& node, std::string_view field) const;

  std::string name_;
  std::string content_;
  std::vector<size_t> line_starts_;
  pugi::xml_document doc_;
};

// A tool's config from text named `name` (ParseConfigText) or from the file
// `path` (LoadConfigFile), over `defaults`: `load(xml, base_dir, &config)`
// fills it, resolving relative paths against base_dir, the directory of the
// name or path.
template <typename Config, typename Load>
Result<Config> ParseConfigText(std::string content, const std::string& name, Config defaults,
                               Load load) {
  auto xml = XmlConfig::LoadString(std::move(content), name);
  if (!xml.ok()) return xml.status();
  PERISCOPE_RETURN_IF_ERROR(load(**xml, DirName(name), &defaults));
  return defaults;
}
template <typename Config, typename Load>
Result<Config> LoadConfigFile(const std::string& path, Config defaults, Load load) {
  auto xml = XmlConfig::LoadFile(path);
  if (!xml.ok()) return xml.status();
  PERISCOPE_RETURN_IF_ERROR(load(**xml, DirName(path), &defaults));
  return defaults;
}

}  // namespace periscope

#endif  // PERISCOPE_CORE_XML_CONFIG_H_
