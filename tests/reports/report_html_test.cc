#include "reports/report_html.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <regex>
#include <string>

#include "render/html.h"
#include "reports/mail_body.h"
#include "tests/reports/report_fixture.h"
#include "tests/support/html_checks.h"

namespace periscope::reports {
namespace {

using testing::kHostile;
constexpr auto Count = periscope::testing::CountOccurrences;
using testing::MakeCustomerReport;
using testing::MakeFleetReport;

// The checks every page built from hostile data must pass.
void ExpectNoMarkupFromData(const std::string& html, size_t min_escaped_copies) {
  periscope::testing::ExpectNoMarkupFromData(html);
  // The hostile text is there, escaped, once per string field.
  EXPECT_GE(Count(html, "&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;/td&gt;&lt;/tr&gt;"),
            min_escaped_copies);
}

// The table rows the customer page shows for `r`: per device the
// specification/usage table (header + 8) and the history (header + days);
// the proposals (header + one each) and per proposal with answers a table
// (header + one per answer).
size_t ExpectedCustomerRows(const CustomerReport& r) {
  size_t rows = 0;
  for (const DeviceView& d : r.devices) rows += 1 + 8 + 1 + d.history.size();
  if (!r.proposals.empty()) rows += 1 + r.proposals.size();
  for (const ProposalView& p : r.proposals) {
    if (!p.answers.empty()) rows += 1 + p.answers.size();
  }
  return rows;
}

size_t ExpectedCustomerCells(const CustomerReport& r) {
  size_t cells = 0;
  for (const DeviceView& d : r.devices) cells += 8 * 4 + d.history.size() * 7;
  cells += r.proposals.size() * 10;
  for (const ProposalView& p : r.proposals) cells += p.answers.size() * 7;
  return cells;
}

TEST(ReportHtmlTest, CustomerPageHoldsNoMarkupFromHostileStrings) {
  CustomerReport report = MakeCustomerReport(/*hostile=*/true);
  std::string html = RenderCustomerHtml(report);
  // Customer name, user id, contact, sales name+email, generated at, data note,
  // 2x(target, serial, reason or spec fields), proposals and answers: far more
  // than 20 fields carry the hostile text.
  ExpectNoMarkupFromData(html, 20);
  EXPECT_EQ(Count(html, "<tr"), ExpectedCustomerRows(report));
  EXPECT_EQ(Count(html, "<td"), ExpectedCustomerCells(report));
  EXPECT_EQ(Count(html, "<table"), 2u * 2 + 2);
  EXPECT_EQ(Count(html, "</script"), 0u);
}

TEST(ReportHtmlTest, FleetPageHoldsNoMarkupFromHostileStrings) {
  FleetReport report = MakeFleetReport(/*hostile=*/true);
  std::string html = RenderFleetHtml(report);
  ExpectNoMarkupFromData(html, 5 * 7);
  EXPECT_EQ(Count(html, "<tr"), 1 + report.rows.size());
  EXPECT_EQ(Count(html, "<td"), 15 * report.rows.size());
}

TEST(ReportHtmlTest, MailBodyHoldsNoMarkupFromHostileStrings) {
  CustomerReport report = MakeCustomerReport(true);
  ProposalMailInput input;
  input.to = *report.sales;
  input.today = report.today;
  input.data_note = report.data_note;
  for (const ProposalView& p : report.proposals) {
    input.items.push_back({report.user_id, report.name, p, p.id == 12});
  }
  MailBody body = RenderProposalMail(input);
  ExpectNoMarkupFromData(body.html, 5);
  EXPECT_EQ(Count(body.html, "<tr"), 1 + input.items.size());
  // The text body: only LF, no CR, no raw controls; a hostile CR LF cannot
  // start a line of its own.
  EXPECT_EQ(body.text.find('\r'), std::string::npos);
  EXPECT_EQ(body.text.find('\0'), std::string::npos);
  EXPECT_EQ(body.text.find("\nnext"), std::string::npos);
  EXPECT_EQ(render::CleanUtf8(body.text, render::kUnbounded), body.text);
}

TEST(ReportHtmlTest, CustomerPageShowsHeaderChartsForecastAndSortedHistory) {
  CustomerReport report = MakeCustomerReport(false);
  std::string html = RenderCustomerHtml(report);
  EXPECT_NE(html.find("Acme Storage KK"), std::string::npos);
  EXPECT_NE(html.find("Taro Yamada &lt;taro@example.com&gt;"), std::string::npos);
  EXPECT_NE(html.find("<div class=\"note\" role=\"note\">"), std::string::npos);
  EXPECT_EQ(Count(html, "class=\"chart chart-capacity\""), 2u);
  EXPECT_EQ(Count(html, "class=\"chart chart-load\""), 1u);  // only where rated load is known
  EXPECT_NE(html.find("85% reached around 2027-02-24 (80%: 2027-01-30 .. 2027-03-31), 95 days; "
                      "100% around 2027-07-19"),
            std::string::npos);
  EXPECT_NE(html.find("No forecast: fewer than 7 days of history"), std::string::npos);
  EXPECT_NE(html.find("1,250,000,000 JPY"), std::string::npos);  // device price, JPY: no decimals
  EXPECT_NE(html.find("3.1.0 (latest: 3.2.1)"), std::string::npos);
  // History rows in date order although the model was shuffled.
  size_t prev = 0;
  for (const char* date : {"2026-10-23", "2026-10-26", "2026-11-12", "2026-11-21"}) {
    size_t pos = html.find("<td>" + std::string(date) + "</td>");
    ASSERT_NE(pos, std::string::npos) << date;
    EXPECT_GT(pos, prev) << date;
    prev = pos;
  }
  // Proposals by needed-by date: the dated capacity add-on before the undated firmware.
  EXPECT_LT(html.find("2 TB capacity add-on (ADD-2T)"), html.find("Firmware 3.2.1 (FW-3.2.1)"));
  EXPECT_NE(html.find("<td class=\"error\">timeout</td>"), std::string::npos);
  EXPECT_NE(html.find("<td>Umeda Systems</td>"), std::string::npos);
  EXPECT_NE(html.find("<td>2026-12-05</td>"), std::string::npos);
}

TEST(ReportHtmlTest, FleetRanksMostUrgentFirstThenNoneThenNoForecast) {
  FleetReport report = MakeFleetReport(false);
  std::vector<FleetRow> ranked = RankFleetRows(report.rows);
  std::vector<int64_t> ids;
  for (const FleetRow& r : ranked) ids.push_back(r.device_id);
  EXPECT_EQ(ids, (std::vector<int64_t>{4, 2, 5, 3, 1}));
  std::string html = RenderFleetHtml(report);
  EXPECT_LT(html.find("SN-4"), html.find("SN-2"));
  EXPECT_LT(html.find("SN-2"), html.find("SN-5"));
  EXPECT_LT(html.find("SN-3"), html.find("SN-1"));
  EXPECT_NE(html.find("none within the horizon"), std::string::npos);
  EXPECT_NE(html.find("fewer than 7 days of history"), std::string::npos);
  EXPECT_NE(html.find("<dd>taro@example.com</dd>"), std::string::npos);  // the sales filter
  report.sales_filter.clear();
  EXPECT_NE(RenderFleetHtml(report).find("<dd>everybody</dd>"), std::string::npos);
}

TEST(ReportHtmlTest, ForecastSentenceSaysWhyThereIsNone) {
  forecast::SeriesForecast flat;
  flat.ok = true;
  flat.crossings = {{85, std::nullopt, std::nullopt, std::nullopt}};
  EXPECT_EQ(CapacityForecastSentence(flat, 85, 20261121),
            "No exhaustion expected within the horizon");
  forecast::SeriesForecast none;
  none.reason = "fewer than 7 days of history";
  EXPECT_EQ(CapacityForecastSentence(none, 85, 20261121),
            "No forecast: fewer than 7 days of history");
}

TEST(MailBodyTest, ListsMostUrgentFirstWithSubject) {
  CustomerReport report = MakeCustomerReport(false);
  ProposalMailInput input;
  input.to = *report.sales;
  input.today = report.today;
  for (const ProposalView& p : report.proposals) {
    input.items.push_back({report.user_id, report.name, p, p.id == 12});
  }
  ProposalView late = report.proposals[1];
  late.id = 13;
  late.needed_by = 20270601;
  input.items.push_back({"cust-01", "Other", late, false});
  EXPECT_EQ(ProposalMailSubject(input),
            "periscope: 3 proposals (1 new, 2 changed), first needed by 2027-02-01");
  MailBody body = RenderProposalMail(input);
  size_t first = body.text.find("1. [changed] needed by 2027-02-01: Acme Storage KK (cust-42)");
  size_t second = body.text.find("2. [changed] needed by 2027-06-01: Other (cust-01)");
  size_t third = body.text.find("3. [new] needed by no date: Acme Storage KK (cust-42)");
  ASSERT_NE(first, std::string::npos) << body.text;
  ASSERT_NE(second, std::string::npos) << body.text;
  ASSERT_NE(third, std::string::npos) << body.text;
  EXPECT_LT(first, second);
  EXPECT_LT(second, third);
  EXPECT_NE(body.text.find("stock: Osaka plant: in stock (12 available), retailer Umeda Systems, "
                           "delivery 2026-12-05"),
            std::string::npos);
  EXPECT_NE(body.text.find("stock: Nagoya plant: timeout (no answer after 10 s)"),
            std::string::npos);
  EXPECT_LT(body.html.find("2027-02-01"), body.html.find("2027-06-01"));
}

}  // namespace
}  // namespace periscope::reports
