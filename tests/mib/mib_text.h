// Reads OID assignments out of an SMIv2 module's text (tests only).
#ifndef PERISCOPE_TESTS_MIB_MIB_TEXT_H_
#define PERISCOPE_TESTS_MIB_MIB_TEXT_H_

#include <map>
#include <regex>
#include <string>
#include <vector>

namespace periscope::testing {

struct MibDefinition {
  std::string name;
  std::string kind;  // OBJECT-TYPE, OBJECT IDENTIFIER, NOTIFICATION-TYPE, ...
  std::string parent;
  uint32_t subid = 0;
};

// Strips quoted strings and "--" comments, then finds "name KIND ... ::= { parent n }".
inline std::vector<MibDefinition> ParseMibDefinitions(const std::string& text) {
  std::string clean;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') {
      in_string = true;
      clean += "\"\"";
      continue;
    }
    if (c == '-' && i + 1 < text.size() && text[i + 1] == '-') {
      while (i < text.size() && text[i] != '\n') ++i;
      clean += '\n';
      continue;
    }
    clean += c;
  }
  size_t body = clean.find(';', clean.find("IMPORTS"));
  std::string rest = clean.substr(body == std::string::npos ? 0 : body + 1);
  static const std::regex kDef(
      R"(([a-z][A-Za-z0-9-]*)\s+(OBJECT-TYPE|OBJECT\s+IDENTIFIER|MODULE-IDENTITY|NOTIFICATION-TYPE|OBJECT-GROUP|NOTIFICATION-GROUP|MODULE-COMPLIANCE)\b)");
  static const std::regex kAssign(R"(::=\s*\{\s*([A-Za-z][A-Za-z0-9-]*)\s+(\d+)\s*\})");
  std::vector<MibDefinition> out;
  auto begin = std::sregex_iterator(rest.begin(), rest.end(), kDef);
  for (auto it = begin; it != std::sregex_iterator(); ++it) {
    size_t from = static_cast<size_t>(it->position() + it->length());
    std::smatch m;
    std::string tail = rest.substr(from);
    if (!std::regex_search(tail, m, kAssign)) continue;
    std::string kind = std::regex_replace((*it)[2].str(), std::regex(R"(\s+)"), " ");
    out.push_back(
        {(*it)[1].str(), kind, m[1].str(), static_cast<uint32_t>(std::stoul(m[2].str()))});
  }
  return out;
}

}  // namespace periscope::testing

#endif  // PERISCOPE_TESTS_MIB_MIB_TEXT_H_
