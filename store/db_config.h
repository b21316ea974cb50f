// The <database> element of the tools' XML configs (periscope-report,
// -claim, -portal): where the store is and how long to wait for another
// writer. The poller's element adds its lock file and reads it itself.
#ifndef PERISCOPE_STORE_DB_CONFIG_H_
#define PERISCOPE_STORE_DB_CONFIG_H_

#include <chrono>
#include <string>

#include "core/status.h"
#include "core/xml_config.h"

namespace periscope::store {

// Reads <database path="..." busy-timeout-ms="..."/> `node`: the path
// (resolved against `base_dir`, at most 1024 bytes) and the busy timeout
// (0..600000 ms). Fields absent keep their values; unknown fields are errors
// naming file:line:column.
Status ParseDatabaseElement(const XmlConfig& xml, const pugi::xml_node& node,
                            const std::string& base_dir, std::string* path,
                            std::chrono::milliseconds* busy_timeout);

}  // namespace periscope::store

#endif  // PERISCOPE_STORE_DB_CONFIG_H_
