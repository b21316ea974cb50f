// Read-side queries of the store: the sales terminal's view.
#ifndef PERISCOPE_STORE_HISTORY_H_
#define PERISCOPE_STORE_HISTORY_H_

#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "store/db.h"
#include "store/metrics.h"
#include "store/registry.h"

namespace periscope::store {

// Every device of customer `user_id`, one row per device and day in date order
// (seed 001 paragraph 0043): date, target, device, serial, model, firmware,
// capacity, used bytes and percent, load peak, load average, intervals. Each
// day shows the specification in effect on that day. Retired devices are left
// out unless `include_retired`. A value the agent did not serve is empty.
// NotFound when the customer does not exist.
Result<TextTable> CustomerHistory(Db& db, const std::string& user_id, bool include_retired = false);

// One kind's daily table in a customer's history.
struct HistorySection {
  DeviceKind kind = DeviceKind::kPeriscope;
  TextTable table;
};

// The customer's daily figures, one table per device kind, in the order
// periscope, printer, host, network; rows in date, target, device order.
// - periscope: CustomerHistory's storage table;
// - printer: date, target, device, serial, model, pages printed that day
//   (empty when no poll interval covered the day), the largest pages in one
//   poll interval and that interval's seconds, each supply's lowest level
//   ("Black Toner 45%") and each tray's last level ("Tray 2 250/500");
// - host: one row per storage area and day: used and size bytes (the day's
//   last reading) and percent, and the day's CPU load peak and mean (percent,
//   mean over processors);
// - network: one row per interface and day: speed, octets in and out, and
//   peak and mean utilisation in percent of the speed.
// The model is the one in effect on the day (as CustomerHistory). With `kind`,
// only that kind's table (possibly empty); otherwise every kind the customer
// has devices of, and the storage table when there are none at all.
// NotFound when the customer does not exist.
Result<std::vector<HistorySection>> CustomerHistoryByKind(Db& db, const std::string& user_id,
                                                          bool include_retired,
                                                          std::optional<DeviceKind> kind);

// Renders history sections: one section exactly as Render; several as text
// with a "KIND devices:" line above each and a blank line between them. CSV and
// JSON hold one table: several sections are InvalidArgument naming the kinds
// and asking for --kind.
Result<std::string> RenderHistory(const std::vector<HistorySection>& sections,
                                  const std::string& format);

// Listings for `periscope-store list WHAT`.
Result<TextTable> List(Db& db, const std::string& what);

// Renders a TextTable as text, CSV or JSON (an array of objects).
Result<std::string> Render(const TextTable& table, const std::string& format);

}  // namespace periscope::store

#endif  // PERISCOPE_STORE_HISTORY_H_
