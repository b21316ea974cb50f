// Read-side queries of the store: the sales terminal's view.
#ifndef PERISCOPE_STORE_HISTORY_H_
#define PERISCOPE_STORE_HISTORY_H_

#include <string>

#include "core/status.h"
#include "store/db.h"
#include "store/registry.h"

namespace periscope::store {

// Every device of customer `user_id`, one row per device and day in date order
// (seed 001 paragraph 0043): date, target, device, serial, model, firmware,
// capacity, used bytes and percent, load peak, load average, intervals. Each
// day shows the specification in effect on that day. Retired devices are left
// out unless `include_retired`. A value the agent did not serve is empty.
// NotFound when the customer does not exist.
Result<TextTable> CustomerHistory(Db& db, const std::string& user_id, bool include_retired = false);

// Listings for `periscope-store list WHAT`.
Result<TextTable> List(Db& db, const std::string& what);

// Renders a TextTable as text, CSV or JSON (an array of objects).
Result<std::string> Render(const TextTable& table, const std::string& format);

}  // namespace periscope::store

#endif  // PERISCOPE_STORE_HISTORY_H_
