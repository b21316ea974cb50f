// The <database> element of the tools' XML configs (periscope-report,
// -claim, -portal): where the store is and how long to wait for another
// writer. The poller's element adds its lock file and reads it itself.
#ifndef PERISCOPE_STORE_DB_CONFIG_H_
#define PERISCOPE_STORE_DB_CONFIG_H_

#include <chrono>
#include <string>
#include <string_view>

#include "core/status.h"
#include "core/xml_config.h"

namespace periscope::store {

// True when `database` is a PostgreSQL URI carrying a password: in its
// user information ("postgresql://user:secret@host/db", an empty one too) or
// as a "password" parameter ("...?password=secret").
bool DatabaseHasPassword(std::string_view database);

// Refuses a database given at `where` ("--db", "--to", "file.xml:3:5:
// <database path>") that carries a password: InvalidArgument naming `where`
// and the URI without the password, and saying where the password goes
// (~/.pgpass or the file PGPASSFILE names). Command lines are visible to
// every local user (ps, /proc) and configs are copied around, so every tool
// refuses both, with exit status 2. Ok for a path or a URI without one.
Status CheckNoPassword(std::string_view database, std::string_view where);

// Reads <database path="..." busy-timeout-ms="..."/> `node`: the path
// (resolved against `base_dir`, at most 1024 bytes; a postgresql:// URI is
// kept as it is, and refused when it carries a password) and the busy timeout
// (0..600000 ms). Fields absent keep their values; unknown fields are errors
// naming file:line:column.
Status ParseDatabaseElement(const XmlConfig& xml, const pugi::xml_node& node,
                            const std::string& base_dir, std::string* path,
                            std::chrono::milliseconds* busy_timeout);

}  // namespace periscope::store

#endif  // PERISCOPE_STORE_DB_CONFIG_H_
