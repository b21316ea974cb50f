#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include <nlohmann/json.hpp>

#include "render/html.h"
#include "reports/mail_body.h"
#include "reports/proposals.h"
#include "reports/report_export.h"
#include "reports/report_html.h"
#include "tests/reports/peripheral_fixture.h"
#include "tests/reports/report_fixture.h"
#include "tests/support/html_checks.h"

namespace periscope::reports {
namespace {

using store::DeviceKind;
using testing::AddCounterDays;
using testing::AddGaugeDays;
using testing::kHostile;

constexpr uint32_t kToday = 20270104;

constexpr auto Count = periscope::testing::CountOccurrences;

DeviceView ViewOf(store::DeviceHistory h, int64_t device_id) {
  DeviceView v;
  v.device_id = device_id;
  v.serial_number = h.serial_number;
  v.target = "192.0.2.7:161";
  v.peripheral = ToPeripheralView(h, kToday);
  return v;
}

// A customer with a printer, a PC and a switch; `hostile` appends the hostile
// text to the models, descriptions, instances, alerts and serial numbers.
CustomerReport MixedFleetReport(bool hostile) {
  const std::string h = hostile ? kHostile : "";
  CustomerReport r;
  r.user_id = "cust-1";
  r.name = "Acme";
  r.today = kToday;

  store::DeviceHistory printer = testing::PeripheralHistory(
      DeviceKind::kPrinter, "PRN-3500" + h,
      nlohmann::json{
          {"supplies", {{{"index", 1}, {"description", "Black Toner" + h}, {"type", "toner"}}}}}
          .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  printer.serial_number += h;
  printer.peripheral_specs.back().spec.description = "Printer agent" + h;
  AddCounterDays(printer, store::kMetricPages, "1", kToday, 20, [](int i) { return 100.0 + i; });
  AddGaugeDays(printer, store::kMetricSupplyLevelPct, "1", kToday, 20,
               [](int i) { return 90.0 - i; });
  AddGaugeDays(printer, store::kMetricSupplyLevelPct, "2", kToday, 20, [](int) { return 60.0; });
  store::DeviceAlert alert;
  alert.index = 1;
  alert.severity = "critical";
  alert.group = "input";
  alert.group_index = 2;
  alert.code = "jam";
  alert.description = "Paper jam in tray 2" + h;
  printer.alerts.push_back(alert);
  r.devices.push_back(ViewOf(printer, 11));

  store::DeviceHistory pc =
      testing::PeripheralHistory(DeviceKind::kHost, "Periscope PC-200", testing::kHostDetails);
  AddGaugeDays(pc, store::kMetricStorageUsedBytes, "/" + h, kToday, 20,
               [](int i) { return 300e9 + 1e9 * i; });
  AddGaugeDays(pc, store::kMetricStorageSizeBytes, "/" + h, kToday, 20, [](int) { return 500e9; });
  AddGaugeDays(pc, store::kMetricCpuLoadPct, "all", kToday, 20, [](int i) { return 30.0 + i; });
  r.devices.push_back(ViewOf(pc, 12));

  store::DeviceHistory sw =
      testing::PeripheralHistory(DeviceKind::kNetwork, "SW-1024", testing::kSwitchDetails);
  AddCounterDays(
      sw, store::kMetricIfInOctets, "ge-0/1" + h, kToday, 20, [](int) { return 1e11; }, 125e6,
      [](int i) { return 40.0 + i; });
  AddCounterDays(
      sw, store::kMetricIfOutOctets, "ge-0/1" + h, kToday, 20, [](int) { return 5e10; }, 125e6,
      [](int) { return 20.0; });
  r.devices.push_back(ViewOf(sw, 13));
  return r;
}

TEST(PeripheralReport, EachKindHasTheChartsThatSuitIt) {
  std::string html = RenderCustomerHtml(MixedFleetReport(false));
  EXPECT_EQ(Count(html, "class=\"chart chart-pages"), 1u);
  EXPECT_EQ(Count(html, "class=\"chart chart-supplies"), 1u);
  EXPECT_EQ(Count(html, "class=\"chart chart-storage"), 1u);
  EXPECT_EQ(Count(html, "class=\"chart chart-cpu"), 1u);
  EXPECT_EQ(Count(html, "class=\"chart chart-link"), 1u);
  // No storage forecast chart for peripherals.
  EXPECT_EQ(Count(html, "chart-capacity"), 0u);
  EXPECT_EQ(Count(html, "peripheral-printer"), 1u);
  EXPECT_EQ(Count(html, "peripheral-host"), 1u);
  EXPECT_EQ(Count(html, "peripheral-network"), 1u);
  // The supply legend names the supply from the specification.
  EXPECT_NE(html.find("supply 1: Black Toner"), std::string::npos);
  // The printer's alert is listed, critical marked as an error.
  EXPECT_NE(html.find("Paper jam in tray 2"), std::string::npos);
  EXPECT_EQ(Count(html, "class=\"alerts"), 1u);
  EXPECT_NE(html.find("PRN-3500"), std::string::npos);
  EXPECT_NE(html.find("Periscope PC-200"), std::string::npos);
}

TEST(PeripheralReport, HostileDeviceStringsAreEscapedEverywhere) {
  std::string html = RenderCustomerHtml(MixedFleetReport(true));
  std::string lower = AsciiLower(html);
  EXPECT_EQ(lower.find("<script"), std::string::npos);
  EXPECT_EQ(lower.find("<img"), std::string::npos);
  EXPECT_EQ(Count(html, "</script"), 0u);
  // Model, description, serial, alert, supply name, storage and interface
  // names all carry it, escaped.
  EXPECT_GE(Count(html, "&lt;script&gt;alert(1)&lt;/script&gt;"), 7u);
  for (const char* raw : {"\xE2\x80\xAE", "\x1b", "\r"}) {
    EXPECT_EQ(html.find(raw), std::string::npos) << "raw byte sequence found";
  }
  EXPECT_EQ(render::CleanUtf8(html, render::kUnbounded), html) << "not clean UTF-8";
}

TEST(PeripheralReport, CustomerJsonHasEachPeripheralsKindSpecAlertsAndDays) {
  CustomerReport report = MixedFleetReport(true);
  auto j = nlohmann::json::parse(RenderCustomerJson(report));
  ASSERT_EQ(j["devices"].size(), 3u);
  EXPECT_EQ(j["devices"][0]["kind"], "printer");
  EXPECT_EQ(j["devices"][1]["kind"], "host");
  EXPECT_EQ(j["devices"][2]["kind"], "network");
  const auto& printer = j["devices"][0]["peripheral"];
  EXPECT_EQ(printer["alerts"].size(), 1u);
  EXPECT_EQ(printer["alerts"][0]["code"], "jam");
  EXPECT_EQ(printer["metric_days"].size(), report.devices[0].peripheral->metric_days.size());
  EXPECT_EQ(printer["spec"]["details"]["supplies"][0]["index"], 1);
  const auto& link_day = j["devices"][2]["peripheral"]["metric_days"][0];
  EXPECT_NEAR(link_day["peak_utilisation_pct"].get<double>(), 40.0, 1e-9);
}

TEST(PeripheralReport, MetricsCsvHasOneRowPerMetricDayAndTheStorageCsvNone) {
  CustomerReport report = MixedFleetReport(false);
  size_t days = 0;
  for (const DeviceView& d : report.devices) days += d.peripheral->metric_days.size();
  ASSERT_GT(days, 0u);
  const std::string metrics = RenderCustomerMetricsCsv(report);
  EXPECT_EQ(Count(metrics, "\n"), 1u + days);
  EXPECT_EQ(metrics.substr(0, metrics.find('\n')),
            "user_id,customer,device_id,kind,serial_number,target,model,metric,instance,date,"
            "samples,min,max,mean,last,total,intervals,covered_s,peak_delta,peak_interval_s,"
            "peak_util_pct,mean_util_pct,discontinuities");
  // The switch's last in-octets day: peak utilisation 40 + 19 %, from MetricDay.
  const store::MetricDay* last_in = nullptr;
  for (const store::MetricDay& m : report.devices[2].peripheral->metric_days) {
    if (m.metric == store::kMetricIfInOctets) last_in = &m;
  }
  ASSERT_NE(last_in, nullptr);
  ASSERT_TRUE(last_in->PeakUtilisationPct().has_value());
  EXPECT_NE(metrics.find(",network,"), std::string::npos);
  EXPECT_NE(metrics.find(render::FormatDecimal(*last_in->PeakUtilisationPct(), 2)),
            std::string::npos);
  // Peripherals have no storage history: the storage CSV is the header only.
  EXPECT_EQ(Count(RenderCustomerCsv(report), "\n"), 1u);
}

TEST(PeripheralReport, MetricsCsvNeutralisesFormulasInDeviceStrings) {
  CustomerReport report = MixedFleetReport(false);
  report.devices[0].serial_number = "=HYPERLINK(\"http://x\")";
  const std::string metrics = RenderCustomerMetricsCsv(report);
  EXPECT_EQ(metrics.find(",=HYPERLINK"), std::string::npos);
  EXPECT_NE(metrics.find("'=HYPERLINK"), std::string::npos);
}

TEST(PeripheralReport, MailListsPeripheralProposalsLikeStorageOnesMostUrgentFirst) {
  ProposalMailInput input;
  input.to = {"Taro", "taro@example.com"};
  input.today = kToday;
  auto item = [](int64_t id, const std::string& kind, const std::string& product,
                 std::optional<uint32_t> needed_by) {
    MailProposal m;
    m.customer_user_id = "cust-1";
    m.customer_name = "Acme";
    m.proposal.id = id;
    m.proposal.kind = kind;
    m.proposal.product_name = product;
    m.proposal.quantity = 1;
    m.proposal.currency = "JPY";
    m.proposal.needed_by = needed_by;
    m.proposal.device_serial = "SN-" + kind;
    return m;
  };
  input.items = {item(1, "link", "Switch SW-1024X", 20270301),
                 item(2, "supply-2", "Drum unit", 20270110),
                 item(3, "volume", "Printer PRN-5000", std::nullopt)};
  MailBody body = RenderProposalMail(input);
  const size_t supply = body.text.find("supply-2: Drum unit");
  const size_t link = body.text.find("link: Switch SW-1024X");
  const size_t volume = body.text.find("volume: Printer PRN-5000");
  ASSERT_NE(supply, std::string::npos) << body.text;
  ASSERT_NE(link, std::string::npos);
  ASSERT_NE(volume, std::string::npos);
  EXPECT_LT(supply, link);
  EXPECT_LT(link, volume);
  EXPECT_NE(body.html.find("supply-2"), std::string::npos);
}

}  // namespace
}  // namespace periscope::reports
