#include "store/db_config.h"

#include <algorithm>
#include <cstdint>

#include <fmt/format.h>

#include "core/files.h"
#include "store/db.h"

namespace periscope::store {

// Here rather than in db.cc: the config parsers (and their fuzz harnesses)
// use it without the engines.
std::string RedactDatabase(std::string_view database) {
  std::string out(database);
  if (!IsPostgresUri(database)) return out;
  // postgresql://user:secret@host/... -> postgresql://user:***@host/...
  const size_t scheme_end = out.find("://") + 3;
  const size_t authority_end = out.find_first_of("/?", scheme_end);
  const size_t at = out.rfind('@', authority_end == std::string::npos ? out.size() : authority_end);
  if (at != std::string::npos && at > scheme_end) {
    const size_t colon = out.find(':', scheme_end);
    if (colon != std::string::npos && colon < at) out.replace(colon + 1, at - colon - 1, "***");
  }
  // ...?password=secret&... in the query string.
  size_t pos = out.find('?');
  while (pos != std::string::npos) {
    const size_t key = pos + 1;
    const size_t end = out.find('&', key);
    if (out.compare(key, 9, "password=") == 0) {
      out.replace(key + 9, (end == std::string::npos ? out.size() : end) - key - 9, "***");
    }
    pos = out.find('&', key);
  }
  return out;
}

bool DatabaseHasPassword(std::string_view database) {
  if (!IsPostgresUri(database)) return false;
  const size_t scheme_end = database.find("://") + 3;
  const size_t authority_end = database.find_first_of("/?", scheme_end);
  const std::string_view authority = database.substr(
      scheme_end, authority_end == std::string_view::npos ? std::string_view::npos
                                                          : authority_end - scheme_end);
  const size_t at = authority.rfind('@');
  if (at != std::string_view::npos && authority.substr(0, at).find(':') != std::string_view::npos) {
    return true;
  }
  const size_t query = database.find('?');
  if (query == std::string_view::npos) return false;
  for (size_t key = query + 1; key <= database.size();) {
    const size_t end = std::min(database.find('&', key), database.size());
    if (database.substr(key, end - key).starts_with("password=")) return true;
    key = end + 1;
  }
  return false;
}

Status CheckNoPassword(std::string_view database, std::string_view where) {
  if (!DatabaseHasPassword(database)) return Status::Ok();
  return InvalidArgumentError(fmt::format(
      "{}: {} carries a password; give the URI without it and put the password in ~/.pgpass "
      "(or the file PGPASSFILE names, mode 0600): passwords on command lines are visible to "
      "every local user and configs are copied around",
      where, RedactDatabase(database)));
}

Status ParseDatabaseElement(const XmlConfig& xml, const pugi::xml_node& node,
                            const std::string& base_dir, std::string* path,
                            std::chrono::milliseconds* busy_timeout) {
  PERISCOPE_RETURN_IF_ERROR(xml.CheckKnownFields(node, {"path", "busy-timeout-ms"}));
  PERISCOPE_RETURN_IF_ERROR(xml.SetText(node, "path", path, 1024));
  // A PostgreSQL URI is used as it is; a file path is relative to the config.
  if (IsPostgresUri(*path)) {
    const pugi::xml_attribute attr = node.attribute("path");
    const std::string where = attr ? xml.Where(attr, node) : xml.Where(node.child("path"));
    PERISCOPE_RETURN_IF_ERROR(CheckNoPassword(*path, where + ": <database path>"));
  } else {
    *path = ResolvePath(base_dir, *path);
  }
  int64_t busy_ms = busy_timeout->count();
  PERISCOPE_RETURN_IF_ERROR(xml.SetUint(node, "busy-timeout-ms", 0, 600000, &busy_ms));
  *busy_timeout = std::chrono::milliseconds(busy_ms);
  return Status::Ok();
}

}  // namespace periscope::store
