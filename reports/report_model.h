// What the report renderers show: plain values filled by reports/run.cc from
// the store, the catalog and the forecasts. Renderers (HTML, CSV, JSON, mail
// bodies) read only these structs; every string in them is untrusted (from a
// device, a customer or the catalog) and is escaped by the renderer.
#ifndef PERISCOPE_REPORTS_REPORT_MODEL_H_
#define PERISCOPE_REPORTS_REPORT_MODEL_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "reports/forecast.h"
#include "store/metrics.h"

namespace periscope::reports {

// One day of a device's history (seed 001 paragraph 0043), date order.
struct DayFigures {
  uint32_t date = 0;  // YYYYMMDD
  std::optional<int64_t> used_bytes;
  std::optional<int64_t> capacity_bytes;  // the specification in effect that day
  std::optional<int64_t> load_peak;       // writes completed per interval (Cmax)
  std::optional<int64_t> load_avg_centi;  // hundredths of writes per interval
  std::optional<int64_t> intervals;
};

// The specification in effect now (the newest row).
struct SpecView {
  std::string product_name, model, product_number, configuration, firmware;
  int64_t capacity_bytes = 0;
  int64_t cache_bytes = 0;
  std::optional<uint32_t> sale_date;  // YYYYMMDD
  int64_t price_minor_units = 0;
  std::string currency;
};

// A peripheral's figures (printer, copier, PC, LAN equipment): its newest
// specification, its daily metric figures up to the report's day and the
// alerts served at the last poll.
struct PeripheralView {
  store::DeviceKind kind = store::DeviceKind::kPrinter;
  std::optional<store::PeripheralSpec> spec;  // nullopt: none polled yet
  std::vector<store::MetricDay> metric_days;  // by metric, instance, date
  std::vector<store::DeviceAlert> alerts;
};

struct DeviceView {
  int64_t device_id = 0;
  std::string target;  // "address:port"
  int64_t device_index = 0;
  std::string serial_number;
  bool retired = false;
  std::optional<SpecView> spec;
  std::vector<DayFigures> history;
  forecast::SeriesForecast capacity;  // crossings[0] warning threshold, [1] full
  double threshold_pct = 85.0;
  std::optional<forecast::SeriesForecast> load;  // crossings[0] = rated_pct of rated load
  std::optional<double> rated_load;              // from the catalog, writes per interval
  double rated_pct = 80.0;
  std::optional<std::string> latest_firmware;  // from the catalog
  // Set for every kind but PERISCOPE-MIB devices (whose figures are above).
  std::optional<PeripheralView> peripheral;
};

// A site's answer to a stock inquiry (seed 001 figure 6).
struct InquiryAnswerView {
  std::string inquiry_key;
  std::string site;
  std::string state;  // pending, answered, timeout, http-error, malformed, unreachable
  std::optional<bool> in_stock;
  std::optional<int64_t> quantity_available;
  std::string retailer;
  std::optional<uint32_t> delivery_date;  // YYYYMMDD
  std::string message;
};

struct ProposalView {
  int64_t id = 0;
  int64_t device_id = 0;
  std::string device_serial;
  // capacity, cache, successor, firmware; volume, supply-<N>, host-storage,
  // host-cpu, link for peripherals
  std::string kind;
  std::string status;  // new, mailed, inquired, accepted, declined, expired
  std::string product_number, product_name;
  int64_t quantity = 1;
  int64_t unit_price_minor_units = 0;
  int64_t price_minor_units = 0;
  std::string currency;
  std::optional<uint32_t> needed_by;  // YYYYMMDD
  std::string confidence;             // high, medium, low
  std::string summary;                // one line: why
  std::string evidence_json;          // the figures and forecast behind it
  int64_t revision = 1;
  bool changed = false;  // new or materially changed since the last mail
  std::vector<InquiryAnswerView> answers;
};

struct StaffView {
  std::string name;
  std::string email;
};

struct CustomerReport {
  std::string user_id;
  std::string name;
  std::string contact_person;
  std::optional<StaffView> sales;  // the assigned sales person
  uint32_t today = 0;              // YYYYMMDD the report is computed for
  std::string generated_at;        // local time text
  std::string data_note;           // e.g. that the history is generated demo data; may be empty
  std::vector<DeviceView> devices;
  std::vector<ProposalView> proposals;
};

// One line of the fleet view: every device, most urgent first.
struct FleetRow {
  std::string customer_user_id, customer_name;
  std::string sales_name, sales_email;
  int64_t device_id = 0;
  std::string serial_number, model, target;
  std::optional<int64_t> used_bytes, capacity_bytes;
  std::optional<double> days_to_threshold;  // nullopt: none within the horizon
  std::optional<double> lower_days, upper_days;
  std::optional<uint32_t> threshold_date;  // YYYYMMDD
  std::string reason;                      // when there is no forecast
  int open_proposals = 0;
};

struct FleetReport {
  uint32_t today = 0;
  std::string generated_at;
  std::string sales_filter;  // empty: everybody
  double threshold_pct = 85.0;
  std::string data_note;
  std::vector<FleetRow> rows;  // sorted by days_to_threshold, none last
};

}  // namespace periscope::reports

#endif  // PERISCOPE_REPORTS_REPORT_MODEL_H_
