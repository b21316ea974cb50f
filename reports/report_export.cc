#include "reports/report_export.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

#include "core/clock.h"
#include "render/html.h"
#include "reports/report_html.h"

namespace periscope::reports {
namespace {

using Json = nlohmann::ordered_json;

constexpr size_t kMaxEvidenceBytes = 64 * 1024;

Json Str(std::string_view s) { return render::CleanUtf8(s); }

template <typename T>
Json Opt(const std::optional<T>& v) {
  return v ? Json(*v) : Json(nullptr);
}

Json Date(std::optional<uint32_t> ymd) {
  if (!ymd) return nullptr;
  std::string s = render::FormatDate(*ymd);
  return s.empty() ? Json(nullptr) : Json(s);
}

// Days rounded to 1/100 (JSON readers compare them; fewer noisy digits).
Json Days(std::optional<double> days) {
  if (!days || !std::isfinite(*days)) return nullptr;
  return std::round(*days * 100.0) / 100.0;
}

Json DayDate(const forecast::SeriesForecast& f, std::optional<double> days) {
  if (!days || !std::isfinite(*days)) return nullptr;
  std::string s = render::FormatDay(static_cast<double>(f.last_day) + *days);
  return s.empty() ? Json(nullptr) : Json(s);
}

Json LastDate(const forecast::SeriesForecast& f) {
  if (!f.ok) return nullptr;
  std::string s = render::FormatDay(static_cast<double>(f.last_day));
  return s.empty() ? Json(nullptr) : Json(s);
}

Json Interval(const forecast::Crossing* c) {
  Json j;
  j["level"] = kReportIntervalLevel;
  j["lower_days"] = c ? Days(c->lower_days) : Json(nullptr);
  j["upper_days"] = c ? Days(c->upper_days) : Json(nullptr);
  return j;
}

Json Reason(const forecast::SeriesForecast& f) {
  if (f.ok && !f.crossings.empty() && f.crossings[0].days) return nullptr;
  if (!f.reason.empty()) return Str(f.reason);
  return f.ok ? "no exhaustion expected within the horizon" : "no forecast";
}

Json CapacityForecastJson(const DeviceView& d) {
  const forecast::SeriesForecast& f = d.capacity;
  const forecast::Crossing* warn = f.crossings.size() >= 1 ? &f.crossings[0] : nullptr;
  const forecast::Crossing* full = f.crossings.size() >= 2 ? &f.crossings[1] : nullptr;
  Json j;
  j["fit"] = f.ok ? Json(FitLabel(f.model.kind)) : Json(nullptr);
  j["threshold_pct"] = d.threshold_pct;
  j["threshold_date"] = warn ? DayDate(f, warn->days) : Json(nullptr);
  j["days_to_threshold"] = warn ? Days(warn->days) : Json(nullptr);
  j["interval"] = Interval(warn);
  j["days_to_full"] = full ? Days(full->days) : Json(nullptr);
  j["full_date"] = full ? DayDate(f, full->days) : Json(nullptr);
  j["last_date"] = LastDate(f);
  j["reason"] = Reason(f);
  return j;
}

Json LoadForecastJson(const DeviceView& d) {
  if (!d.load) return nullptr;
  const forecast::SeriesForecast& f = *d.load;
  const forecast::Crossing* c = f.crossings.empty() ? nullptr : &f.crossings[0];
  Json j;
  j["fit"] = f.ok ? Json(FitLabel(f.model.kind)) : Json(nullptr);
  j["rated_load"] = Opt(d.rated_load);
  j["rated_pct"] = d.rated_pct;
  j["threshold_date"] = c ? DayDate(f, c->days) : Json(nullptr);
  j["days_to_threshold"] = c ? Days(c->days) : Json(nullptr);
  j["interval"] = Interval(c);
  j["last_date"] = LastDate(f);
  j["reason"] = Reason(f);
  return j;
}

std::vector<DayFigures> SortedHistory(const std::vector<DayFigures>& history) {
  std::vector<DayFigures> sorted = history;
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const DayFigures& a, const DayFigures& b) { return a.date < b.date; });
  return sorted;
}

Json Evidence(const std::string& text) {
  if (text.empty()) return nullptr;
  if (text.size() <= kMaxEvidenceBytes) {
    Json parsed = Json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (!parsed.is_discarded()) return parsed;
  }
  return Str(text);
}

Json ProposalJson(const ProposalView& p) {
  Json j;
  j["id"] = p.id;
  j["device_id"] = p.device_id;
  j["device_serial"] = Str(p.device_serial);
  j["kind"] = Str(p.kind);
  j["status"] = Str(p.status);
  j["product_number"] = Str(p.product_number);
  j["product_name"] = Str(p.product_name);
  j["quantity"] = p.quantity;
  j["unit_price_minor_units"] = p.unit_price_minor_units;
  j["price_minor_units"] = p.price_minor_units;
  j["currency"] = Str(p.currency);
  j["needed_by"] = Date(p.needed_by);
  j["confidence"] = Str(p.confidence);
  j["summary"] = Str(p.summary);
  j["evidence"] = Evidence(p.evidence_json);
  j["revision"] = p.revision;
  j["changed"] = p.changed;
  Json answers = Json::array();
  for (const InquiryAnswerView& a : p.answers) {
    Json ja;
    ja["inquiry_key"] = Str(a.inquiry_key);
    ja["site"] = Str(a.site);
    ja["state"] = Str(a.state);
    ja["in_stock"] = Opt(a.in_stock);
    ja["quantity_available"] = Opt(a.quantity_available);
    ja["retailer"] = Str(a.retailer);
    ja["delivery_date"] = Date(a.delivery_date);
    ja["message"] = Str(a.message);
    answers.push_back(std::move(ja));
  }
  j["answers"] = std::move(answers);
  return j;
}

std::string Dump(const Json& j) {
  // Every string was cleaned; `replace` guards the evidence text all the same.
  return j.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

// --- CSV ---

std::string CsvNumber(std::optional<int64_t> v) { return v ? std::to_string(*v) : ""; }

std::string CsvDays(std::optional<double> v) {
  if (!v || !std::isfinite(*v)) return "";
  return render::FormatDecimal(*v, 2);
}

std::string CsvPercent(std::optional<int64_t> used, std::optional<int64_t> capacity) {
  if (!used || !capacity || *capacity <= 0) return "";
  return render::FormatDecimal(100.0 * static_cast<double>(*used) / static_cast<double>(*capacity),
                               2);
}

void AppendRow(std::string& out, const std::vector<std::string>& fields) {
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i != 0) out += ',';
    out += fields[i];
  }
  out += '\n';
}

std::string JsonValueText(const Json& j) {
  if (j.is_null()) return "";
  if (j.is_string()) return j.get<std::string>();
  return j.dump();
}

}  // namespace

std::string CsvTextField(std::string_view text) {
  // Only CR is not kept by CleanUtf8's rules; it is neutralised there anyway.
  std::string s = render::CleanUtf8(text);
  if (!s.empty() &&
      (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' || s[0] == '\r')) {
    s.insert(s.begin(), '\'');
  }
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string quoted = "\"";
  for (char c : s) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  quoted += '"';
  return quoted;
}

namespace {

// A peripheral's specification, current alerts and daily metric figures.
Json PeripheralJson(const PeripheralView& p) {
  Json j;
  if (p.spec) {
    Json spec;
    spec["model"] = Str(p.spec->model);
    spec["model_source"] = Str(p.spec->model_source);
    spec["description"] = Str(p.spec->description);
    spec["firmware"] = Str(p.spec->firmware);
    auto details = Json::parse(p.spec->details_json, nullptr, false);
    spec["details"] = details.is_discarded() ? Json(nullptr) : std::move(details);
    j["spec"] = std::move(spec);
  } else {
    j["spec"] = nullptr;
  }
  Json alerts = Json::array();
  for (const store::DeviceAlert& a : p.alerts) {
    alerts.push_back(Json{{"index", a.index},
                          {"severity", Str(a.severity)},
                          {"group", Str(a.group)},
                          {"group_index", a.group_index},
                          {"code", Str(a.code)},
                          {"description", Str(a.description)}});
  }
  j["alerts"] = std::move(alerts);
  Json days = Json::array();
  for (const store::MetricDay& m : p.metric_days) {
    Json jm;
    jm["metric"] = Str(m.metric);
    jm["instance"] = Str(m.instance);
    jm["date"] = Date(static_cast<uint32_t>(m.date));
    jm["samples"] = m.samples;
    jm["min"] = Opt(m.min);
    jm["max"] = Opt(m.max);
    jm["mean"] = Opt(m.mean);
    jm["last"] = Opt(m.last);
    jm["total"] = m.total;
    jm["peak_utilisation_pct"] = Opt(m.PeakUtilisationPct());
    jm["mean_utilisation_pct"] = Opt(m.MeanUtilisationPct());
    days.push_back(std::move(jm));
  }
  j["metric_days"] = std::move(days);
  return j;
}

}  // namespace

std::string RenderCustomerJson(const CustomerReport& report) {
  Json root;
  Json customer;
  customer["user_id"] = Str(report.user_id);
  customer["name"] = Str(report.name);
  customer["contact_person"] = Str(report.contact_person);
  if (report.sales) {
    customer["sales"] =
        Json{{"name", Str(report.sales->name)}, {"email", Str(report.sales->email)}};
  } else {
    customer["sales"] = nullptr;
  }
  customer["today"] = Date(report.today);
  customer["generated_at"] = Str(report.generated_at);
  customer["data_note"] = Str(report.data_note);
  root["customer"] = std::move(customer);

  Json devices = Json::array();
  for (const DeviceView& d : report.devices) {
    Json jd;
    jd["device_id"] = d.device_id;
    jd["target"] = Str(d.target);
    jd["device_index"] = d.device_index;
    jd["serial_number"] = Str(d.serial_number);
    jd["retired"] = d.retired;
    if (d.spec) {
      const SpecView& s = *d.spec;
      Json js;
      js["product_name"] = Str(s.product_name);
      js["model"] = Str(s.model);
      js["product_number"] = Str(s.product_number);
      js["configuration"] = Str(s.configuration);
      js["firmware"] = Str(s.firmware);
      js["latest_firmware"] = d.latest_firmware ? Str(*d.latest_firmware) : Json(nullptr);
      js["capacity_bytes"] = s.capacity_bytes;
      js["cache_bytes"] = s.cache_bytes;
      js["sale_date"] = Date(s.sale_date);
      js["price_minor_units"] = s.price_minor_units;
      js["currency"] = Str(s.currency);
      jd["spec"] = std::move(js);
    } else {
      jd["spec"] = nullptr;
    }
    Json history = Json::array();
    for (const DayFigures& day : SortedHistory(d.history)) {
      Json jh;
      jh["date"] = Date(day.date);
      jh["used_bytes"] = Opt(day.used_bytes);
      jh["capacity_bytes"] = Opt(day.capacity_bytes);
      jh["load_peak"] = Opt(day.load_peak);
      jh["load_avg"] = day.load_avg_centi ? Json(static_cast<double>(*day.load_avg_centi) / 100.0)
                                          : Json(nullptr);
      jh["intervals"] = Opt(day.intervals);
      history.push_back(std::move(jh));
    }
    jd["history"] = std::move(history);
    jd["forecast"] = CapacityForecastJson(d);
    jd["load_forecast"] = LoadForecastJson(d);
    jd["kind"] = d.peripheral ? Str(store::DeviceKindName(d.peripheral->kind)) : Json("periscope");
    jd["peripheral"] = d.peripheral ? PeripheralJson(*d.peripheral) : Json(nullptr);
    devices.push_back(std::move(jd));
  }
  root["devices"] = std::move(devices);

  Json proposals = Json::array();
  for (const ProposalView& p : report.proposals) proposals.push_back(ProposalJson(p));
  root["proposals"] = std::move(proposals);
  return Dump(root);
}

std::string RenderCustomerCsv(const CustomerReport& report) {
  std::string out;
  AppendRow(out, {"user_id",    "customer",      "device_id",      "serial_number",
                  "target",     "date",          "used_bytes",     "capacity_bytes",
                  "used_pct",   "load_peak",     "load_avg",       "intervals",
                  "fit",        "threshold_pct", "threshold_date", "days_to_threshold",
                  "lower_days", "upper_days",    "days_to_full",   "reason"});
  for (const DeviceView& d : report.devices) {
    if (d.peripheral) continue;  // in RenderCustomerMetricsCsv
    const forecast::SeriesForecast& f = d.capacity;
    const forecast::Crossing* warn = f.crossings.size() >= 1 ? &f.crossings[0] : nullptr;
    const forecast::Crossing* full = f.crossings.size() >= 2 ? &f.crossings[1] : nullptr;
    std::optional<double> none;
    std::vector<std::string> forecast_fields = {
        f.ok ? FitLabel(f.model.kind) : "",
        render::FormatDecimal(d.threshold_pct, 2),
        warn ? JsonValueText(DayDate(f, warn->days)) : "",
        CsvDays(warn ? warn->days : none),
        CsvDays(warn ? warn->lower_days : none),
        CsvDays(warn ? warn->upper_days : none),
        CsvDays(full ? full->days : none),
        CsvTextField(JsonValueText(Reason(f))),
    };
    std::vector<std::string> device_fields = {
        CsvTextField(report.user_id), CsvTextField(report.name), std::to_string(d.device_id),
        CsvTextField(d.serial_number), CsvTextField(d.target)};
    std::vector<DayFigures> history = SortedHistory(d.history);
    if (history.empty()) history.push_back(DayFigures{});
    for (const DayFigures& day : history) {
      std::vector<std::string> row = device_fields;
      row.push_back(render::FormatDate(day.date));
      row.push_back(CsvNumber(day.used_bytes));
      row.push_back(CsvNumber(day.capacity_bytes));
      row.push_back(CsvPercent(day.used_bytes, day.capacity_bytes));
      row.push_back(CsvNumber(day.load_peak));
      row.push_back(day.load_avg_centi
                        ? render::FormatDecimal(static_cast<double>(*day.load_avg_centi) / 100, 2)
                        : "");
      row.push_back(CsvNumber(day.intervals));
      row.insert(row.end(), forecast_fields.begin(), forecast_fields.end());
      AppendRow(out, row);
    }
  }
  return out;
}

std::string RenderFleetJson(const FleetReport& report) {
  Json root;
  root["today"] = Date(report.today);
  root["generated_at"] = Str(report.generated_at);
  root["sales_filter"] = Str(report.sales_filter);
  root["threshold_pct"] = report.threshold_pct;
  root["data_note"] = Str(report.data_note);
  Json rows = Json::array();
  int rank = 0;
  for (const FleetRow& r : RankFleetRows(report.rows)) {
    Json j;
    j["rank"] = ++rank;
    j["customer_user_id"] = Str(r.customer_user_id);
    j["customer_name"] = Str(r.customer_name);
    j["sales_name"] = Str(r.sales_name);
    j["sales_email"] = Str(r.sales_email);
    j["device_id"] = r.device_id;
    j["serial_number"] = Str(r.serial_number);
    j["model"] = Str(r.model);
    j["target"] = Str(r.target);
    j["used_bytes"] = Opt(r.used_bytes);
    j["capacity_bytes"] = Opt(r.capacity_bytes);
    j["days_to_threshold"] = Days(r.days_to_threshold);
    j["lower_days"] = Days(r.lower_days);
    j["upper_days"] = Days(r.upper_days);
    j["threshold_date"] = Date(r.threshold_date);
    j["reason"] = r.reason.empty() ? Json(nullptr) : Str(r.reason);
    j["open_proposals"] = r.open_proposals;
    rows.push_back(std::move(j));
  }
  root["rows"] = std::move(rows);
  return Dump(root);
}

std::string RenderFleetCsv(const FleetReport& report) {
  std::string out;
  AppendRow(
      out, {"rank", "customer_user_id", "customer_name", "sales_name", "sales_email", "device_id",
            "serial_number", "model", "target", "used_bytes", "capacity_bytes", "days_to_threshold",
            "lower_days", "upper_days", "threshold_date", "reason", "open_proposals"});
  int rank = 0;
  for (const FleetRow& r : RankFleetRows(report.rows)) {
    AppendRow(out, {std::to_string(++rank), CsvTextField(r.customer_user_id),
                    CsvTextField(r.customer_name), CsvTextField(r.sales_name),
                    CsvTextField(r.sales_email), std::to_string(r.device_id),
                    CsvTextField(r.serial_number), CsvTextField(r.model), CsvTextField(r.target),
                    CsvNumber(r.used_bytes), CsvNumber(r.capacity_bytes),
                    CsvDays(r.days_to_threshold), CsvDays(r.lower_days), CsvDays(r.upper_days),
                    r.threshold_date ? render::FormatDate(*r.threshold_date) : "",
                    CsvTextField(r.reason), std::to_string(r.open_proposals)});
  }
  return out;
}

std::string RenderCustomerMetricsCsv(const CustomerReport& report) {
  std::string out;
  AppendRow(out, {"user_id",       "customer",      "device_id",      "kind",
                  "serial_number", "target",        "model",          "metric",
                  "instance",      "date",          "samples",        "min",
                  "max",           "mean",          "last",           "total",
                  "intervals",     "covered_s",     "peak_delta",     "peak_interval_s",
                  "peak_util_pct", "mean_util_pct", "discontinuities"});
  auto decimal = [](std::optional<double> v) {
    return v && std::isfinite(*v) ? render::FormatDecimal(*v, 2) : std::string();
  };
  for (const DeviceView& d : report.devices) {
    if (!d.peripheral) continue;
    const std::string model = d.peripheral->spec ? d.peripheral->spec->model : "";
    for (const store::MetricDay& m : d.peripheral->metric_days) {
      AppendRow(out, {CsvTextField(report.user_id),
                      CsvTextField(report.name),
                      std::to_string(d.device_id),
                      std::string(store::DeviceKindName(d.peripheral->kind)),
                      CsvTextField(d.serial_number),
                      CsvTextField(d.target),
                      CsvTextField(model),
                      CsvTextField(m.metric),
                      CsvTextField(m.instance),
                      render::FormatDate(static_cast<uint32_t>(m.date)),
                      std::to_string(m.samples),
                      decimal(m.min),
                      decimal(m.max),
                      decimal(m.mean),
                      decimal(m.last),
                      decimal(m.total),
                      std::to_string(m.intervals),
                      std::to_string(m.covered_s),
                      decimal(m.peak_delta),
                      CsvNumber(m.peak_interval_s),
                      decimal(m.PeakUtilisationPct()),
                      decimal(m.MeanUtilisationPct()),
                      std::to_string(m.discontinuities)});
    }
  }
  return out;
}

}  // namespace periscope::reports
