#include "store/history.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <tuple>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/text_table.h"
#include "store/csv.h"
#include "store/report_data.h"

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
            THEN periscope_fixed2(100.0 * d.used_bytes / s.capacity_bytes) ELSE '' END AS used_pct,
       d.load_peak AS load_peak,
       CASE WHEN d.load_avg_centi IS NULL THEN ''
            ELSE periscope_centi_text(d.load_avg_centi) END AS load_avg,
       d.intervals AS intervals
FROM daily d
JOIN devices dev ON dev.id = d.device_id
JOIN targets t ON t.id = dev.target_id
JOIN customers c ON c.id = t.customer_id
LEFT JOIN device_specs s ON s.id = COALESCE(
  (SELECT id FROM device_specs x WHERE x.device_id = dev.id
     AND periscope_ymd(x.seen_from) <= d.date
   ORDER BY x.seen_from DESC, x.id DESC LIMIT 1),
  (SELECT id FROM device_specs x WHERE x.device_id = dev.id
   ORDER BY x.seen_from, x.id LIMIT 1))
WHERE c.user_id = ? AND (? OR dev.retired_at IS NULL)
ORDER BY d.date, t.address, t.port, dev.device_index
)sql",
               {user_id, include_retired ? "1" : "0"});
}

namespace {

std::string Whole(double v) { return fmt::format("{:.0f}", v); }
std::string Percent(double v) { return fmt::format("{:.2f}", v); }
std::string Whole(const std::optional<double>& v) { return v ? Whole(*v) : ""; }
std::string Percent(const std::optional<double>& v) { return v ? Percent(*v) : ""; }

// Instances in numeric order when they are numbers ("2" before "10").
bool InstanceLess(const std::string& a, const std::string& b) {
  auto numeric = [](const std::string& s) {
    return !s.empty() && s.size() < 18 &&
           std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  bool na = numeric(a), nb = numeric(b);
  if (na && nb) return std::stoll(a) < std::stoll(b);
  if (na != nb) return na;
  return a < b;
}

// The peripheral spec in effect on `date`: the newest first seen on or before
// it, else the first (days before the first poll).
const PeripheralSpecPeriod* SpecOn(const DeviceHistory& h, int64_t date) {
  const PeripheralSpecPeriod* found = nullptr;
  for (const PeripheralSpecPeriod& p : h.peripheral_specs) {
    if (p.from_date <= date) found = &p;
  }
  if (found == nullptr && !h.peripheral_specs.empty()) found = &h.peripheral_specs.front();
  return found;
}

// Labels by index from a spec's details_json array (printers' "supplies" and
// "trays"): `label_key` names the entry, "max" its capacity when present.
struct Labels {
  std::map<std::string, std::string> name;
  std::map<std::string, std::string> max;
};

Labels LabelsOf(const PeripheralSpecPeriod* spec, const char* array, const char* label_key) {
  Labels out;
  if (spec == nullptr) return out;
  auto details =
      nlohmann::json::parse(spec->spec.details_json, nullptr, /*allow_exceptions=*/false);
  if (!details.is_object() || !details.contains(array) || !details[array].is_array()) return out;
  for (const auto& entry : details[array]) {
    if (!entry.is_object() || !entry.contains("index") || !entry["index"].is_number_integer()) {
      continue;
    }
    std::string index = std::to_string(entry["index"].get<int64_t>());
    if (entry.contains(label_key) && entry[label_key].is_string() &&
        !entry[label_key].get<std::string>().empty()) {
      out.name[index] = entry[label_key].get<std::string>();
    }
    if (entry.contains("max") && entry["max"].is_number() && entry["max"].get<double>() > 0) {
      out.max[index] = Whole(entry["max"].get<double>());
    }
  }
  return out;
}

// A device's metric days grouped by date, then metric, then instance.
using DayMetrics = std::map<std::string, std::vector<const MetricDay*>>;
std::map<int64_t, DayMetrics> ByDate(const DeviceHistory& h) {
  std::map<int64_t, DayMetrics> out;
  for (const MetricDay& m : h.metric_days) out[m.date][m.metric].push_back(&m);
  for (auto& [date, metrics] : out) {
    for (auto& [metric, days] : metrics) {
      std::sort(days.begin(), days.end(), [](const MetricDay* a, const MetricDay* b) {
        return InstanceLess(a->instance, b->instance);
      });
    }
  }
  return out;
}

const std::vector<const MetricDay*>& Days(const DayMetrics& m, std::string_view metric) {
  static const std::vector<const MetricDay*> kNone;
  auto it = m.find(std::string(metric));
  return it == m.end() ? kNone : it->second;
}

const MetricDay* Instance(const DayMetrics& m, std::string_view metric,
                          const std::string& instance) {
  for (const MetricDay* d : Days(m, metric)) {
    if (d->instance == instance) return d;
  }
  return nullptr;
}

// Usage of a counter day: empty when no poll interval covered any of it.
std::string Usage(const MetricDay* d) { return d && d->intervals > 0 ? Whole(d->total) : ""; }

struct SortedRow {
  std::tuple<int64_t, std::string, int64_t, int64_t, int64_t>
      key;            // date, address, port, index, id
  int64_t order = 0;  // within a device and day
  std::vector<std::string> cells;
};

void PrinterRows(const DeviceHistory& h, std::vector<SortedRow>& rows) {
  const std::string target = h.address + ":" + std::to_string(h.port);
  for (const auto& [date, metrics] : ByDate(h)) {
    const PeripheralSpecPeriod* spec = SpecOn(h, date);
    std::optional<double> pages;
    const MetricDay* peak = nullptr;
    for (const MetricDay* d : Days(metrics, kMetricPages)) {
      if (d->intervals > 0) pages = pages.value_or(0) + d->total;
      if (d->peak_delta && (peak == nullptr || *d->peak_delta > *peak->peak_delta)) peak = d;
    }
    Labels supplies = LabelsOf(spec, "supplies", "description");
    std::string supply_text;
    for (const MetricDay* d : Days(metrics, kMetricSupplyLevelPct)) {
      if (!d->min) continue;
      auto name = supplies.name.find(d->instance);
      if (!supply_text.empty()) supply_text += ", ";
      supply_text += fmt::format(
          "{} {}%", name != supplies.name.end() ? name->second : "supply " + d->instance,
          Whole(*d->min));
    }
    Labels trays = LabelsOf(spec, "trays", "name");
    std::string tray_text;
    for (const MetricDay* d : Days(metrics, kMetricTrayLevel)) {
      if (!d->last) continue;
      auto name = trays.name.find(d->instance);
      auto max = trays.max.find(d->instance);
      if (!tray_text.empty()) tray_text += ", ";
      tray_text +=
          fmt::format("{} {}{}", name != trays.name.end() ? name->second : "tray " + d->instance,
                      Whole(*d->last), max != trays.max.end() ? "/" + max->second : "");
    }
    rows.push_back(
        {{date, h.address, h.port, h.device_index, h.device_id},
         0,
         {std::to_string(date), target, std::to_string(h.device_index), h.serial_number,
          spec ? spec->spec.model : "", Whole(pages), peak ? Whole(*peak->peak_delta) : "",
          peak && peak->peak_interval_s ? std::to_string(*peak->peak_interval_s) : "", supply_text,
          tray_text}});
  }
}

void HostRows(const DeviceHistory& h, std::vector<SortedRow>& rows) {
  const std::string target = h.address + ":" + std::to_string(h.port);
  for (const auto& [date, metrics] : ByDate(h)) {
    const PeripheralSpecPeriod* spec = SpecOn(h, date);
    const MetricDay* cpu = Instance(metrics, kMetricCpuLoadPct, "all");
    std::vector<std::string> storages;
    for (const MetricDay* d : Days(metrics, kMetricStorageUsedBytes))
      storages.push_back(d->instance);
    for (const MetricDay* d : Days(metrics, kMetricStorageSizeBytes)) {
      if (std::find(storages.begin(), storages.end(), d->instance) == storages.end()) {
        storages.push_back(d->instance);
      }
    }
    std::sort(storages.begin(), storages.end(), InstanceLess);
    if (storages.empty()) storages.push_back("");
    int64_t order = 0;
    for (const std::string& storage : storages) {
      const MetricDay* used = Instance(metrics, kMetricStorageUsedBytes, storage);
      const MetricDay* size = Instance(metrics, kMetricStorageSizeBytes, storage);
      const std::string used_text = used ? Whole(used->last) : "";
      const std::string size_text = size ? Whole(size->last) : "";
      std::string used_pct;
      if (used && size && used->last && size->last && *size->last > 0) {
        used_pct = Percent(*used->last * 100 / *size->last);
      }
      rows.push_back(
          {{date, h.address, h.port, h.device_index, h.device_id},
           order++,
           {std::to_string(date), target, std::to_string(h.device_index), h.serial_number,
            spec ? spec->spec.model : "", storage, used_text, size_text, used_pct,
            Percent(cpu ? cpu->max : std::nullopt), Percent(cpu ? cpu->mean : std::nullopt)}});
    }
  }
}

void NetworkRows(const DeviceHistory& h, std::vector<SortedRow>& rows) {
  const std::string target = h.address + ":" + std::to_string(h.port);
  for (const auto& [date, metrics] : ByDate(h)) {
    const PeripheralSpecPeriod* spec = SpecOn(h, date);
    std::vector<std::string> interfaces;
    for (std::string_view metric : {kMetricIfInOctets, kMetricIfOutOctets}) {
      for (const MetricDay* d : Days(metrics, metric)) {
        if (std::find(interfaces.begin(), interfaces.end(), d->instance) == interfaces.end()) {
          interfaces.push_back(d->instance);
        }
      }
    }
    std::sort(interfaces.begin(), interfaces.end(), InstanceLess);
    int64_t order = 0;
    for (const std::string& name : interfaces) {
      const MetricDay* in = Instance(metrics, kMetricIfInOctets, name);
      const MetricDay* out = Instance(metrics, kMetricIfOutOctets, name);
      std::optional<double> capacity = in && in->capacity_per_s ? in->capacity_per_s
                                       : out                    ? out->capacity_per_s
                                                                : std::nullopt;
      std::string speed = capacity ? fmt::format("{:g}", *capacity * 8 / 1e6) : "";
      auto peak = [](const MetricDay* d) { return d ? d->PeakUtilisationPct() : std::nullopt; };
      auto mean = [](const MetricDay* d) { return d ? d->MeanUtilisationPct() : std::nullopt; };
      rows.push_back(
          {{date, h.address, h.port, h.device_index, h.device_id},
           order++,
           {std::to_string(date), target, std::to_string(h.device_index), h.serial_number,
            spec ? spec->spec.model : "", name, speed, Usage(in), Percent(peak(in)),
            Percent(mean(in)), Usage(out), Percent(peak(out)), Percent(mean(out))}});
    }
  }
}

const std::vector<std::string>& ColumnsOf(DeviceKind kind) {
  static const std::vector<std::string> kPrinter = {
      "date",  "target",     "device",          "serial",   "model",
      "pages", "peak_pages", "peak_interval_s", "supplies", "trays"};
  static const std::vector<std::string> kHost = {
      "date",       "target",     "device",   "serial",       "model",       "storage",
      "used_bytes", "size_bytes", "used_pct", "cpu_peak_pct", "cpu_mean_pct"};
  static const std::vector<std::string> kNetwork = {
      "date",      "target",       "device",      "serial",      "model",
      "interface", "speed_mbps",   "in_bytes",    "in_peak_pct", "in_mean_pct",
      "out_bytes", "out_peak_pct", "out_mean_pct"};
  return kind == DeviceKind::kPrinter ? kPrinter : kind == DeviceKind::kHost ? kHost : kNetwork;
}

}  // namespace

Result<std::vector<HistorySection>> CustomerHistoryByKind(Db& db, const std::string& user_id,
                                                          bool include_retired,
                                                          std::optional<DeviceKind> kind) {
  auto customer = Query(db, "SELECT id FROM customers WHERE user_id = ?", {user_id});
  if (!customer.ok()) return customer.status();
  if (customer->rows.empty()) return NotFoundError(fmt::format("no customer '{}'", user_id));
  // Which kinds the customer has devices of.
  auto kinds = Query(db,
                     "SELECT DISTINCT d.kind FROM devices d JOIN targets t ON t.id = d.target_id "
                     "JOIN customers c ON c.id = t.customer_id "
                     "WHERE c.user_id = ? AND (? OR d.retired_at IS NULL)",
                     {user_id, include_retired ? "1" : "0"});
  if (!kinds.ok()) return kinds.status();
  auto present = [&](DeviceKind k) {
    if (kind) return *kind == k;
    for (const auto& row : kinds->rows) {
      if (row[0] == DeviceKindName(k)) return true;
    }
    return false;
  };
  std::vector<HistorySection> out;
  const bool any_peripheral =
      present(DeviceKind::kPrinter) || present(DeviceKind::kHost) || present(DeviceKind::kNetwork);
  if (present(DeviceKind::kPeriscope) || (!kind && !any_peripheral)) {
    auto storage = CustomerHistory(db, user_id, include_retired);
    if (!storage.ok()) return storage.status();
    out.push_back({DeviceKind::kPeriscope, std::move(*storage)});
  }
  if (!any_peripheral) return out;
  std::map<DeviceKind, std::vector<SortedRow>> rows;
  HistoryFilter filter;
  filter.customer_user_id = user_id;
  filter.include_retired = include_retired;
  Status s = ForEachDeviceHistory(db, filter, [&](DeviceHistory&& h) -> Status {
    if (!present(h.kind)) return Status::Ok();
    switch (h.kind) {
      case DeviceKind::kPrinter:
        PrinterRows(h, rows[h.kind]);
        break;
      case DeviceKind::kHost:
        HostRows(h, rows[h.kind]);
        break;
      case DeviceKind::kNetwork:
        NetworkRows(h, rows[h.kind]);
        break;
      case DeviceKind::kPeriscope:
        break;
    }
    return Status::Ok();
  });
  if (!s.ok()) return s;
  for (DeviceKind k : {DeviceKind::kPrinter, DeviceKind::kHost, DeviceKind::kNetwork}) {
    if (!present(k)) continue;
    std::vector<SortedRow>& sorted = rows[k];
    std::stable_sort(sorted.begin(), sorted.end(), [](const SortedRow& a, const SortedRow& b) {
      return std::tie(a.key, a.order) < std::tie(b.key, b.order);
    });
    HistorySection section;
    section.kind = k;
    section.table.columns = ColumnsOf(k);
    for (SortedRow& r : sorted) section.table.rows.push_back(std::move(r.cells));
    out.push_back(std::move(section));
  }
  return out;
}

Result<std::string> RenderHistory(const std::vector<HistorySection>& sections,
                                  const std::string& format) {
  if (sections.size() == 1) return Render(sections.front().table, format);
  if (format != "text") {
    if (format != "csv" && format != "json") return Render(TextTable{}, format);
    std::vector<std::string_view> names;
    for (const HistorySection& s : sections) names.push_back(DeviceKindName(s.kind));
    return InvalidArgumentError(
        fmt::format("{} holds one table and this customer has devices of several kinds ({}): "
                    "choose one with --kind",
                    format, fmt::join(names, ", ")));
  }
  std::string out;
  for (const HistorySection& s : sections) {
    if (!out.empty()) out += "\n";
    auto text = Render(s.table, format);
    if (!text.ok()) return text.status();
    out += fmt::format("{} devices:\n{}", DeviceKindName(s.kind), *text);
  }
  return out;
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
                 "SELECT t.address, t.port, t.profile, c.user_id AS customer, t.enabled, t.kind "
                 "FROM targets t JOIN customers c ON c.id = t.customer_id "
                 "ORDER BY t.address, t.port");
  }
  if (what == "devices") {
    return Query(db,
                 "SELECT t.address || ':' || t.port AS target, d.device_index AS device, "
                 "d.serial_number AS serial, d.kind AS kind, "
                 "COALESCE(s.product_name, '') AS product_name, "
                 "COALESCE(s.model, ps.model) AS model, "
                 "COALESCE(s.firmware, ps.firmware) AS firmware, "
                 "c.user_id AS customer, periscope_utc_text(d.last_seen) AS last_seen, "
                 "CASE WHEN d.retired_at IS NULL THEN 'active' ELSE 'retired' END AS state "
                 "FROM devices d "
                 "JOIN targets t ON t.id = d.target_id JOIN customers c ON c.id = t.customer_id "
                 "LEFT JOIN device_specs s ON s.id = (SELECT id FROM device_specs x WHERE "
                 "x.device_id = d.id ORDER BY x.seen_from DESC LIMIT 1) "
                 "LEFT JOIN peripheral_specs ps ON ps.id = (SELECT id FROM peripheral_specs y "
                 "WHERE y.device_id = d.id ORDER BY y.seen_from DESC, y.id DESC LIMIT 1) "
                 "ORDER BY target, device, d.id");
  }
  if (what == "runs") {
    return Query(db,
                 "SELECT id, periscope_utc_text(started_at) AS started, "
                 "periscope_utc_text(finished_at) AS finished, state, targets_total, "
                 "targets_ok, targets_failed, warnings FROM poll_runs ORDER BY id");
  }
  if (what == "errors") {
    return Query(db,
                 "SELECT run, target, class, message FROM ("
                 "SELECT e.run_id AS run, t.address || ':' || t.port AS target, e.class AS class, "
                 "e.message AS message, e.at AS at, 0 AS kind, e.id AS id FROM poll_errors e "
                 "JOIN targets t ON t.id = e.target_id UNION ALL "
                 "SELECT w.run_id, t.address || ':' || t.port, 'warning', w.message, w.at, 1, "
                 "w.id FROM poll_warnings w JOIN targets t ON t.id = w.target_id) AS lines "
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
