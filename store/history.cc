#include "store/history.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/text_table.h"
#include "store/csv.h"

namespace periscope::store {

Result<TextTable> CustomerHistory(Db& db, const std::string& user_id, bool include_retired) {
  auto customer = Query(db, "SELECT id FROM customers WHERE user_id = ?", {user_id});
  if (!customer.ok()) return customer.status();
  if (customer->rows.empty()) return NotFoundError(fmt::format("no customer '{}'", user_id));
  // The spec in effect on a day is the newest one first seen on or before that
  // day (UTC); days before the first poll (backfilled from the agent's daily
  // table) take the first spec seen.
  return Query(db, R"sql(
SELECT d.date AS date,
       t.address || ':' || t.port AS target,
       dev.device_index AS device,
       dev.serial_number AS serial,
       s.model AS model,
       s.firmware AS firmware,
       s.capacity_bytes AS capacity_bytes,
       d.used_bytes AS used_bytes,
       CASE WHEN s.capacity_bytes > 0 AND d.used_bytes IS NOT NULL
            THEN printf('%.2f', 100.0 * d.used_bytes / s.capacity_bytes) ELSE '' END AS used_pct,
       d.load_peak AS load_peak,
       CASE WHEN d.load_avg_centi IS NULL THEN ''
            ELSE printf('%d.%02d', d.load_avg_centi / 100, d.load_avg_centi % 100) END AS load_avg,
       d.intervals AS intervals
FROM daily d
JOIN devices dev ON dev.id = d.device_id
JOIN targets t ON t.id = dev.target_id
JOIN customers c ON c.id = t.customer_id
LEFT JOIN device_specs s ON s.id = COALESCE(
  (SELECT id FROM device_specs x WHERE x.device_id = dev.id
     AND CAST(strftime('%Y%m%d', x.seen_from, 'unixepoch') AS INTEGER) <= d.date
   ORDER BY x.seen_from DESC, x.id DESC LIMIT 1),
  (SELECT id FROM device_specs x WHERE x.device_id = dev.id
   ORDER BY x.seen_from, x.id LIMIT 1))
WHERE c.user_id = ? AND (? OR dev.retired_at IS NULL)
ORDER BY d.date, t.address, t.port, dev.device_index
)sql",
               {user_id, include_retired ? "1" : "0"});
}

Result<TextTable> List(Db& db, const std::string& what) {
  if (what == "staff") return Query(db, "SELECT name, email, role, phone FROM staff ORDER BY name");
  if (what == "customers") {
    return Query(db,
                 "SELECT c.user_id, c.name, c.contact_person, c.email, c.phone, "
                 "COALESCE(s.email, '') AS sales FROM customers c "
                 "LEFT JOIN staff s ON s.id = c.sales_staff_id ORDER BY c.user_id");
  }
  if (what == "targets") {
    return Query(db,
                 "SELECT t.address, t.port, t.profile, c.user_id AS customer, t.enabled "
                 "FROM targets t JOIN customers c ON c.id = t.customer_id "
                 "ORDER BY t.address, t.port");
  }
  if (what == "devices") {
    return Query(db,
                 "SELECT t.address || ':' || t.port AS target, d.device_index AS device, "
                 "d.serial_number AS serial, s.product_name, s.model, s.firmware, "
                 "c.user_id AS customer, datetime(d.last_seen, 'unixepoch') AS last_seen, "
                 "CASE WHEN d.retired_at IS NULL THEN 'active' ELSE 'retired' END AS state "
                 "FROM devices d "
                 "JOIN targets t ON t.id = d.target_id JOIN customers c ON c.id = t.customer_id "
                 "LEFT JOIN device_specs s ON s.id = (SELECT id FROM device_specs x WHERE "
                 "x.device_id = d.id ORDER BY x.seen_from DESC LIMIT 1) "
                 "ORDER BY target, device");
  }
  if (what == "runs") {
    return Query(db,
                 "SELECT id, datetime(started_at, 'unixepoch') AS started, "
                 "datetime(finished_at, 'unixepoch') AS finished, state, targets_total, "
                 "targets_ok, targets_failed, warnings FROM poll_runs ORDER BY id");
  }
  if (what == "errors") {
    return Query(db,
                 "SELECT run, target, class, message FROM ("
                 "SELECT e.run_id AS run, t.address || ':' || t.port AS target, e.class AS class, "
                 "e.message AS message, e.at AS at, 0 AS kind, e.id AS id FROM poll_errors e "
                 "JOIN targets t ON t.id = e.target_id UNION ALL "
                 "SELECT w.run_id, t.address || ':' || t.port, 'warning', w.message, w.at, 1, "
                 "w.id FROM poll_warnings w JOIN targets t ON t.id = w.target_id) "
                 "ORDER BY run, at, kind, id");
  }
  return InvalidArgumentError(fmt::format(
      "cannot list '{}': use staff, customers, targets, devices, runs or errors", what));
}

Result<std::string> Render(const TextTable& table, const std::string& format) {
  if (format == "text") return RenderTextTable(table.columns, table.rows);
  if (format == "csv") {
    std::string out;
    auto line = [&](const std::vector<std::string>& cells) {
      for (size_t i = 0; i < cells.size(); ++i) {
        if (i > 0) out += ',';
        out += CsvField(NeutraliseCsvFormula(cells[i]));
      }
      out += "\r\n";
    };
    line(table.columns);
    for (const auto& row : table.rows) line(row);
    return out;
  }
  if (format == "json") {
    // An array of objects, keys in column order. Invalid UTF-8 from a device
    // is replaced (U+FFFD), never an exception.
    nlohmann::ordered_json rows = nlohmann::ordered_json::array();
    for (const auto& row : table.rows) {
      nlohmann::ordered_json object = nlohmann::ordered_json::object();
      for (size_t c = 0; c < table.columns.size() && c < row.size(); ++c) {
        object[table.columns[c]] = row[c];
      }
      rows.push_back(std::move(object));
    }
    return rows.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
  }
  return InvalidArgumentError(fmt::format("unknown format '{}': use text, csv or json", format));
}

}  // namespace periscope::store
