// CSV and JSON of the same views as the HTML reports, for spreadsheets and
// other programs. Strings are cleaned (render::CleanUtf8: valid UTF-8, no
// control or bidi characters other than tab and LF) and bounded. Thread-safe:
// pure functions.
//
// JSON (stable field names; dates "YYYY-MM-DD"; absent values null; day counts
// fractional days after the forecast's last day, as `periscope-report
// forecast`):
//   {"customer": {user_id, name, contact_person, sales: {name, email}|null,
//                 today, generated_at, data_note},
//    "devices": [{device_id, target, device_index, serial_number, retired,
//                 spec: {product_name, model, product_number, configuration,
//                        firmware, latest_firmware, capacity_bytes, cache_bytes,
//                        sale_date, price_minor_units, currency}|null,
//                 history: [{date, used_bytes, capacity_bytes, load_peak,
//                            load_avg, intervals}],   (date order)
//                 forecast: {fit, threshold_pct, threshold_date,
//                            days_to_threshold, interval: {level, lower_days,
//                            upper_days}, days_to_full, full_date, last_date,
//                            reason},
//                 load_forecast: {fit, rated_load, rated_pct, threshold_date,
//                                 days_to_threshold, interval: {...},
//                                 last_date, reason}|null}],
//    "proposals": [{id, device_id, device_serial, kind, status, product_number,
//                   product_name, quantity, unit_price_minor_units,
//                   price_minor_units, currency, needed_by, confidence, summary,
//                   evidence, revision, changed,
//                   answers: [{inquiry_key, site, state, in_stock,
//                              quantity_available, retailer, delivery_date,
//                              message}]}]}
//   `fit` and `reason`: the fit's name when a model was fitted, else null; the
//   reason is null when a crossing is forecast. `evidence` is the proposal's
//   evidence parsed as JSON, or its text when it does not parse.
// Fleet JSON: {today, generated_at, sales_filter, threshold_pct, data_note,
//   rows: [{rank, customer_user_id, customer_name, sales_name, sales_email,
//           device_id, serial_number, model, target, used_bytes, capacity_bytes,
//           days_to_threshold, lower_days, upper_days, threshold_date, reason,
//           open_proposals}]} in RankFleetRows order.
//
// CSV (RFC 4180, LF line ends, a header row, UTF-8): one row per history day
// of each PERISCOPE-MIB device in date order (a device without history gets one row with an
// empty date), the device's forecast repeated on each of its rows:
//   user_id,customer,device_id,serial_number,target,date,used_bytes,
//   capacity_bytes,used_pct,load_peak,load_avg,intervals,fit,threshold_pct,
//   threshold_date,days_to_threshold,lower_days,upper_days,days_to_full,reason
// Fleet CSV: the fleet JSON rows' fields in that order.
// A text field starting with = + - @ tab or CR gets a leading ' (no formula
// runs when the file is opened in a spreadsheet); fields holding a comma, a
// quote, CR or LF are quoted with quotes doubled. Numbers are plain (no
// thousands separators), days with two decimals.
#ifndef PERISCOPE_REPORTS_REPORT_EXPORT_H_
#define PERISCOPE_REPORTS_REPORT_EXPORT_H_

#include <string>
#include <string_view>

#include "reports/report_model.h"

namespace periscope::reports {

std::string RenderCustomerJson(const CustomerReport& report);
std::string RenderCustomerCsv(const CustomerReport& report);
// Peripherals' daily metric figures (store::MetricDay), one row per device,
// metric, instance and day: user_id,customer,device_id,kind,serial_number,
// target,model,metric,instance,date,samples,min,max,mean,last,total,intervals,
// covered_s,peak_delta,peak_interval_s,peak_util_pct,mean_util_pct,
// discontinuities (utilisation only for interface octets with a known speed).
// RenderCustomerCsv leaves peripherals out; this has only them.
std::string RenderCustomerMetricsCsv(const CustomerReport& report);
std::string RenderFleetJson(const FleetReport& report);
std::string RenderFleetCsv(const FleetReport& report);

// One CSV field of untrusted text: cleaned, formula-neutralised, quoted when
// needed.
std::string CsvTextField(std::string_view text);

}  // namespace periscope::reports

#endif  // PERISCOPE_REPORTS_REPORT_EXPORT_H_
