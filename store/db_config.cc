#include "store/db_config.h"

#include <algorithm>
#include <cstdint>

#include <fmt/format.h>

#include "core/files.h"
#include "store/db.h"

namespace periscope::store {

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
