// The HTML reports: the sales terminal's customer page (seed 001 paragraphs
// 0046-0047: the specification beside the usage, the history in date order,
// charts, forecasts) with the proposals and their stock inquiry answers, and
// the fleet view ranked by urgency. Self-contained documents made with
// render/html.h (strict CSP, no script, no external resource); every string of
// the model is escaped. Thread-safe: pure functions.
#ifndef PERISCOPE_REPORTS_REPORT_HTML_H_
#define PERISCOPE_REPORTS_REPORT_HTML_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "render/html.h"
#include "reports/forecast.h"
#include "reports/report_model.h"

namespace periscope::reports {

// The interval level the forecasts are computed with (forecast::Options).
inline constexpr double kReportIntervalLevel = 0.8;

std::string RenderCustomerHtml(const CustomerReport& report);

// One device's section of the customer report (specification, usage, forecast
// sentences, charts, daily history), for pages that embed it (the portal).
// Needs render::BaseCss() on the page. The daily table lists the last
// `history_rows` days (the charts always show the whole history).
inline constexpr size_t kAllHistoryRows = static_cast<size_t>(-1);
render::SafeHtml RenderDeviceSection(const DeviceView& device, uint32_t today,
                                     size_t history_rows = kAllHistoryRows);

// Rows ranked as in RankFleetRows; the sales filter is shown when set.
std::string RenderFleetHtml(const FleetReport& report);

// The reports' index page: links to every customer's page and the fleet views.
struct ReportIndex {
  std::vector<std::pair<std::string, std::string>> customers;  // (file stem, label)
  std::vector<std::pair<std::string, std::string>> sales;      // (file stem, label)
  std::string generated_at;
  std::string data_note;
};
std::string RenderIndexHtml(const ReportIndex& index);

// The fleet order: rows with a days_to_threshold first, soonest first; then
// rows without one and without a reason ("none within the horizon"); then rows
// with a reason (no forecast). Stable within each group.
std::vector<FleetRow> RankFleetRows(const std::vector<FleetRow>& rows);

// "85% reached around 2027-03-14 (80%: 2027-02-20 .. 2027-04-30), 95 days;
// 100% around 2027-06-01", or why there is none. Days count from `today`
// (YYYYMMDD; from the forecast's last day when 0). Plain text.
std::string CapacityForecastSentence(const forecast::SeriesForecast& forecast, double threshold_pct,
                                     uint32_t today);
// The same for the load peak against `rated_pct` percent of the rated load.
std::string LoadForecastSentence(const forecast::SeriesForecast& forecast, double rated_pct,
                                 uint32_t today);

// "linear", "polynomial2", ... (the JSON and CSV spelling of FitName).
std::string FitLabel(forecast::FitKind kind);

}  // namespace periscope::reports

#endif  // PERISCOPE_REPORTS_REPORT_HTML_H_
