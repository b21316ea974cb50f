// Turns a walk of the PERISCOPE-MIB subtree into text tables (periscope-walk).
#ifndef PERISCOPE_TOOLS_WALK_FORMAT_H_
#define PERISCOPE_TOOLS_WALK_FORMAT_H_

#include <string>
#include <vector>

#include "core/snmp/sync_client.h"

namespace periscope::tools {

// Renders the agent scalars, the device table (one column per device), the
// daily table and the item table. Unknown OIDs are listed at the end.
std::string FormatPeriscopeWalk(const std::vector<snmp::VarBind>& varbinds);

// "2026-11-21 12:35:24.0 +09:00" from an 8- or 11-octet DateAndTime.
std::string FormatDateAndTime(const std::string& octets);

}  // namespace periscope::tools

#endif  // PERISCOPE_TOOLS_WALK_FORMAT_H_
