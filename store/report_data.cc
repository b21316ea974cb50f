#include "store/report_data.h"

#include <utility>

#include <fmt/format.h>

namespace periscope::store {
namespace {

std::optional<int64_t> OptInt(const Stmt& s, int column) {
  if (s.IsNull(column)) return std::nullopt;
  return s.Int(column);
}

// The device scan's WHERE clause; parameters ?1
// (customer user ID or ''), ?2 (sales e-mail or ''), ?3 (include retired).
constexpr const char* kDeviceFilter =
    "(?1 = '' OR c.user_id = ?1) AND (?2 = '' OR st.email = ?2) "
    "AND (?3 = 1 OR d.retired_at IS NULL)";

std::optional<double> OptDouble(const Stmt& s, int column) {
  if (s.IsNull(column)) return std::nullopt;
  return s.Double(column);
}

// The readers below leave their statement reset (none active during fn).
Status ReadPeripheralSpecs(Stmt& st, DeviceHistory& h) {
  st.Reset();
  st.Bind(1, h.device_id);
  while (true) {
    auto row = st.Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    PeripheralSpecPeriod p;
    p.seen_from = st.Int(0);
    p.from_date = st.Int(1);
    p.spec.model = st.Text(2);
    p.spec.model_source = st.Text(3);
    p.spec.description = st.Text(4);
    p.spec.firmware = st.Text(5);
    p.spec.details_json = st.Text(6);
    h.peripheral_specs.push_back(std::move(p));
  }
  st.Reset();
  return Status::Ok();
}

Status ReadMetricDays(Stmt& st, DeviceHistory& h) {
  st.Reset();
  st.Bind(1, h.device_id);
  while (true) {
    auto row = st.Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    MetricDay m;
    m.metric = st.Text(0);
    m.instance = st.Text(1);
    m.date = st.Int(2);
    m.samples = st.Int(3);
    m.min = OptDouble(st, 4);
    m.max = OptDouble(st, 5);
    std::optional<double> sum = OptDouble(st, 6);
    if (sum && m.samples > 0) m.mean = *sum / static_cast<double>(m.samples);
    m.last = OptDouble(st, 7);
    m.total = st.Double(8);
    m.intervals = st.Int(9);
    m.covered_s = st.Int(10);
    m.peak_delta = OptDouble(st, 11);
    m.peak_interval_s = OptInt(st, 12);
    m.peak_rate_per_s = OptDouble(st, 13);
    m.capacity_per_s = OptDouble(st, 14);
    m.discontinuities = st.Int(15);
    h.metric_days.push_back(std::move(m));
  }
  st.Reset();
  return Status::Ok();
}

Status ReadAlerts(Stmt& st, DeviceHistory& h) {
  st.Reset();
  st.Bind(1, h.device_id);
  while (true) {
    auto row = st.Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    DeviceAlert a;
    a.index = st.Int(0);
    a.severity = st.Text(1);
    a.group = st.Text(2);
    a.group_index = st.Int(3);
    a.code = st.Text(4);
    a.description = st.Text(5);
    h.alerts.push_back(std::move(a));
  }
  st.Reset();
  return Status::Ok();
}

}  // namespace

Status ForEachDeviceHistory(Db& db, const HistoryFilter& filter,
                            const std::function<Status(DeviceHistory&&)>& fn) {
  auto devices = db.Prepare(
      "SELECT d.id, t.id, t.address, t.port, d.device_index, d.serial_number, "
      "d.retired_at IS NOT NULL, c.id, c.user_id, c.name, c.contact_person, "
      "COALESCE(st.name, ''), COALESCE(st.email, ''), d.kind "
      "FROM devices d JOIN targets t ON t.id = d.target_id "
      "JOIN customers c ON c.id = t.customer_id "
      "LEFT JOIN staff st ON st.id = c.sales_staff_id WHERE " +
      std::string(kDeviceFilter) + " ORDER BY c.user_id, d.id");
  if (!devices.ok()) return devices.status();
  devices->Bind(1, filter.customer_user_id).Bind(2, filter.sales_email);
  devices->Bind(3, int64_t{filter.include_retired ? 1 : 0});
  // The device list is small (no history); it is read whole first so that no
  // statement is active while `fn` runs and `fn` may write on this connection.
  std::vector<DeviceHistory> list;
  while (true) {
    auto row = devices->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    DeviceHistory h;
    h.device_id = devices->Int(0);
    h.target_id = devices->Int(1);
    h.address = devices->Text(2);
    h.port = devices->Int(3);
    h.device_index = devices->Int(4);
    h.serial_number = devices->Text(5);
    h.retired = devices->Int(6) != 0;
    h.customer_id = devices->Int(7);
    h.customer_user_id = devices->Text(8);
    h.customer_name = devices->Text(9);
    h.contact_person = devices->Text(10);
    h.sales_name = devices->Text(11);
    h.sales_email = devices->Text(12);
    // The schema's CHECK admits only the four names.
    h.kind = ParseDeviceKind(devices->Text(13)).value_or(DeviceKind::kPeriscope);
    list.push_back(std::move(h));
  }
  devices->Reset();

  auto specs = db.Prepare(
      "SELECT seen_from, periscope_ymd(seen_from), type, "
      "product_name, model, product_number, configuration, firmware, capacity_bytes, "
      "cache_bytes, sale_date, price_minor_units, currency, user_id "
      "FROM device_specs WHERE device_id = ? ORDER BY seen_from, id");
  if (!specs.ok()) return specs.status();
  auto days = db.Prepare(
      "SELECT date, load_peak, load_avg_centi, used_bytes, intervals FROM daily "
      "WHERE device_id = ? ORDER BY date");
  if (!days.ok()) return days.status();
  auto peripheral_specs = db.Prepare(
      "SELECT seen_from, periscope_ymd(seen_from), model, "
      "model_source, description, firmware, details_json FROM peripheral_specs "
      "WHERE device_id = ? ORDER BY seen_from, id");
  if (!peripheral_specs.ok()) return peripheral_specs.status();
  auto metric_days = db.Prepare(
      "SELECT metric, instance, date, samples, min_value, max_value, sum_value, last_value, "
      "total, intervals, covered_s, peak_delta, peak_interval_s, peak_rate_per_s, "
      "capacity_per_s, discontinuities FROM metric_daily WHERE device_id = ? "
      "ORDER BY metric, instance, date");
  if (!metric_days.ok()) return metric_days.status();
  auto alerts = db.Prepare(
      "SELECT alert_index, severity, alert_group, group_index, code, description "
      "FROM device_alerts WHERE device_id = ? ORDER BY alert_index");
  if (!alerts.ok()) return alerts.status();
  for (DeviceHistory& h : list) {
    specs->Reset();
    specs->Bind(1, h.device_id);
    while (true) {
      auto row = specs->Step();
      if (!row.ok()) return row.status();
      if (!*row) break;
      SpecPeriod p;
      p.seen_from = specs->Int(0);
      p.from_date = specs->Int(1);
      p.spec.type = specs->Int(2);
      p.spec.product_name = specs->Text(3);
      p.spec.model = specs->Text(4);
      p.spec.product_number = specs->Text(5);
      p.spec.configuration = specs->Text(6);
      p.spec.firmware = specs->Text(7);
      p.spec.capacity_bytes = specs->Int(8);
      p.spec.cache_bytes = specs->Int(9);
      p.spec.sale_date = OptInt(*specs, 10);
      p.spec.price_minor_units = specs->Int(11);
      p.spec.currency = specs->Text(12);
      p.spec.user_id = specs->Text(13);
      h.specs.push_back(std::move(p));
    }
    specs->Reset();
    days->Reset();
    days->Bind(1, h.device_id);
    while (true) {
      auto row = days->Step();
      if (!row.ok()) return row.status();
      if (!*row) break;
      DailyRow y;
      y.date = days->Int(0);
      y.load_peak = OptInt(*days, 1);
      y.load_avg_centi = OptInt(*days, 2);
      y.used_bytes = OptInt(*days, 3);
      y.intervals = OptInt(*days, 4);
      h.days.push_back(y);
    }
    days->Reset();
    if (h.kind != DeviceKind::kPeriscope) {
      PERISCOPE_RETURN_IF_ERROR(ReadPeripheralSpecs(*peripheral_specs, h));
      PERISCOPE_RETURN_IF_ERROR(ReadMetricDays(*metric_days, h));
      PERISCOPE_RETURN_IF_ERROR(ReadAlerts(*alerts, h));
    }
    // Handed over from a local, so the history is freed after `fn` whether
    // or not `fn` moved it away.
    DeviceHistory current = std::move(h);
    PERISCOPE_RETURN_IF_ERROR(fn(std::move(current)));
  }
  return Status::Ok();
}

Result<std::vector<CustomerSummary>> ListCustomerSummaries(Db& db, const HistoryFilter& filter) {
  auto stmt = db.Prepare(
      "SELECT c.id, c.user_id, c.name, c.contact_person, c.email, COALESCE(st.name, ''), "
      "COALESCE(st.email, '') FROM customers c LEFT JOIN staff st ON st.id = c.sales_staff_id "
      "WHERE (?1 = '' OR c.user_id = ?1) AND (?2 = '' OR st.email = ?2) ORDER BY c.user_id");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, filter.customer_user_id).Bind(2, filter.sales_email);
  std::vector<CustomerSummary> out;
  while (true) {
    auto row = stmt->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    CustomerSummary c;
    c.id = stmt->Int(0);
    c.user_id = stmt->Text(1);
    c.name = stmt->Text(2);
    c.contact_person = stmt->Text(3);
    c.email = stmt->Text(4);
    c.sales_name = stmt->Text(5);
    c.sales_email = stmt->Text(6);
    out.push_back(std::move(c));
  }
  if (out.empty() && !filter.customer_user_id.empty()) {
    return NotFoundError(fmt::format("customer '{}' not found", filter.customer_user_id));
  }
  return out;
}

}  // namespace periscope::store
