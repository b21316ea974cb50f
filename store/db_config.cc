#include "store/db_config.h"

#include <cstdint>

#include "core/files.h"
#include "store/db.h"

namespace periscope::store {

Status ParseDatabaseElement(const XmlConfig& xml, const pugi::xml_node& node,
                            const std::string& base_dir, std::string* path,
                            std::chrono::milliseconds* busy_timeout) {
  PERISCOPE_RETURN_IF_ERROR(xml.CheckKnownFields(node, {"path", "busy-timeout-ms"}));
  PERISCOPE_RETURN_IF_ERROR(xml.SetText(node, "path", path, 1024));
  // A PostgreSQL URI is used as it is; a file path is relative to the config.
  if (!IsPostgresUri(*path)) *path = ResolvePath(base_dir, *path);
  int64_t busy_ms = busy_timeout->count();
  PERISCOPE_RETURN_IF_ERROR(xml.SetUint(node, "busy-timeout-ms", 0, 600000, &busy_ms));
  *busy_timeout = std::chrono::milliseconds(busy_ms);
  return Status::Ok();
}

}  // namespace periscope::store
