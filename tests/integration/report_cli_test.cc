// periscope-report end to end: a store holding a simulated fleet's months of
// history, the sample catalog, a real SMTP server (aiosmtpd) on loopback and
// the reference factory site (periscope-factory) with the sample stock file.
#include <cctype>
#include <chrono>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/clock.h"
#include "store/db.h"
#include "store/schema.h"
#include "tests/factory/factory_env.h"
#include "tests/support/demo_fleet.h"
#include "tests/support/demo_store.h"
#include "tests/support/process.h"
#include "tests/support/smtp_server.h"
#include "tests/support/test_store.h"

namespace periscope::testing {
namespace {

// `text` fit for an XML attribute value (a PostgreSQL URI has '&').
std::string XmlAttr(std::string text) {
  for (size_t at = text.find('&'); at != std::string::npos; at = text.find('&', at + 1)) {
    text.replace(at, 1, "&amp;");
  }
  return text;
}

std::string ReportBinary() { return BinaryDir() + "/reports/periscope-report"; }

class ReportCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    PERISCOPE_TEST_STORE_OR_RETURN(db_, dir_, "periscope.db");
    auto db = store::Db::OpenWriter(db_, store::OpenMode::kCreate);
    ASSERT_TRUE(db.ok()) << db.status().message();
    ASSERT_TRUE(store::Migrate(**db).ok());
    const auto now = std::chrono::system_clock::now();
    // 16 agents: two of each growth pattern; 4 customers, two per sales person.
    Status s = WriteFleetToStore(
        **db, MakeDemoFleet(16, 4, 120, LocalDate(now)),
        std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count());
    ASSERT_TRUE(s.ok()) << s.message();
  }

  // Writes the config: mail to `smtp_url` (a local relay; none: .eml files),
  // inquiries to `site_url` (none: no site).
  std::string WriteConfig(const std::string& smtp_url, const std::string& site_url,
                          int max_proposals = 200) {
    std::string xml = "<periscope-report>\n";
    xml += "  <database path=\"" + XmlAttr(db_) + "\"/>\n";
    xml += "  <catalog path=\"" + SourceDir() + "/etc/catalog.xml\"/>\n";
    xml +=
        "  <output dir=\"" + dir_.File("reports") + "\" data-note=\"Generated test history\"/>\n";
    xml += "  <mail from=\"periscope@vendor.example\" first-retry-delay-s=\"1\" max-proposals=\"" +
           std::to_string(max_proposals) + "\" directory=\"" + dir_.File("mail") + "\">\n";
    if (!smtp_url.empty()) xml += "    <smtp url=\"" + smtp_url + "\" local-relay=\"true\"/>\n";
    xml += "  </mail>\n  <inquiry delivery-place=\"Tokyo Service Center\">\n";
    if (!site_url.empty()) {
      xml += "    <site name=\"kofu-factory\" url=\"" + site_url + "\" timeout-ms=\"5000\"/>\n";
    }
    xml += "  </inquiry>\n</periscope-report>\n";
    WriteTextFile(dir_.File("report.xml"), xml);
    return dir_.File("report.xml");
  }

  CommandResult Report(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {ReportBinary(), "-c", dir_.File("report.xml")};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunCommand(argv);
  }

  nlohmann::json Json(const std::vector<std::string>& args) {
    CommandResult r = Report(args);
    EXPECT_EQ(r.exit_code, 0) << r.output;
    return nlohmann::json::parse(r.output, nullptr, false);
  }

  TempDir dir_;
  std::string db_;  // SQLite file or PostgreSQL URI (tests/support/test_store.h)
};

// A mail's text with quoted-printable soft line breaks ("=" CRLF, which may
// fall anywhere in a line) undone.
std::string Unfolded(std::string mail) {
  for (size_t at = mail.find("=\r\n"); at != std::string::npos; at = mail.find("=\r\n", at)) {
    mail.erase(at, 3);
  }
  return mail;
}

// The customers a mail lists (the "cust-NN" user IDs in its parts).
std::set<std::string> CustomersIn(const std::string& raw) {
  const std::string mail = Unfolded(raw);
  std::set<std::string> out;
  for (size_t at = mail.find("cust-"); at != std::string::npos; at = mail.find("cust-", at + 1)) {
    const std::string id = mail.substr(at, 7);
    if (id.size() == 7 && std::isdigit(static_cast<unsigned char>(id[5])) &&
        std::isdigit(static_cast<unsigned char>(id[6]))) {
      out.insert(id);
    }
  }
  return out;
}

TEST_F(ReportCliTest, DailyRunMailsEachSalesPersonTheirOwnProposalsOnceAndWritesReports) {
  SmtpServer smtp(dir_.File("smtp"), {});
  ASSERT_TRUE(smtp.Start()) << smtp.Log();
  WriteConfig(smtp.url(), "");
  CommandResult first = Report({"run"});
  ASSERT_EQ(first.exit_code, 0) << first.output;
  EXPECT_NE(first.output.find("4 customers, 16 devices"), std::string::npos) << first.output;
  EXPECT_NE(first.output.find("mail: 2 queued, 2 sent"), std::string::npos) << first.output;

  std::vector<ReceivedMail> mails = smtp.Received();
  ASSERT_EQ(mails.size(), 2U);
  for (const ReceivedMail& m : mails) {
    ASSERT_EQ(m.rcpt_to.size(), 1U);
    // Customers 1 and 3 belong to sales@, 2 and 4 to sales2@ (demo_store.h).
    const std::set<std::string> expected = m.rcpt_to[0] == kDemoSalesEmails[0]
                                               ? std::set<std::string>{"cust-01", "cust-03"}
                                               : std::set<std::string>{"cust-02", "cust-04"};
    EXPECT_EQ(CustomersIn(m.data), expected) << m.rcpt_to[0];
    EXPECT_NE(m.data.find("Content-Type: multipart/alternative"), std::string::npos);
    EXPECT_NE(m.data.find("text/html"), std::string::npos);
  }
  std::set<std::string> recipients = {mails[0].rcpt_to[0], mails[1].rcpt_to[0]};
  EXPECT_EQ(recipients, (std::set<std::string>{kDemoSalesEmails[0], kDemoSalesEmails[1]}));

  for (const char* file :
       {"index.html", "fleet.html", "fleet.csv", "fleet.json", "customers/cust-01.html",
        "customers/cust-01.csv", "customers/cust-01.json", "sales/sales_40vendor.example.html"}) {
    EXPECT_FALSE(ReadTextFile(dir_.File(std::string("reports/") + file)).empty()) << file;
  }
  auto customer = nlohmann::json::parse(ReadTextFile(dir_.File("reports/customers/cust-01.json")),
                                        nullptr, false);
  ASSERT_FALSE(customer.is_discarded());

  // The same day again: nothing new, nothing mailed twice.
  CommandResult second = Report({"run"});
  ASSERT_EQ(second.exit_code, 0) << second.output;
  EXPECT_NE(second.output.find("proposals: 0 new, 0 changed"), std::string::npos) << second.output;
  EXPECT_NE(second.output.find("mail: 0 queued, 0 sent"), std::string::npos) << second.output;
  EXPECT_EQ(smtp.ReceivedCount(), 2U);
}

TEST_F(ReportCliTest, DownSmtpServerLeavesMailQueuedAndALaterRunSendsItOnce) {
  const int port = FreeTcpPort();
  const std::string url = "smtp://127.0.0.1:" + std::to_string(port);
  WriteConfig(url, "");
  CommandResult down = Report({"run"});
  EXPECT_EQ(down.exit_code, 1) << down.output;
  EXPECT_NE(down.output.find("stay queued"), std::string::npos) << down.output;
  nlohmann::json queued = Json({"outbox", "--state", "queued", "--format", "json"});
  ASSERT_EQ(queued.size(), 2U) << queued.dump();

  SmtpServerOptions options;
  options.port = port;
  SmtpServer smtp(dir_.File("smtp"), options);
  ASSERT_TRUE(smtp.Start()) << smtp.Log();
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));  // first-retry-delay-s="1"
  CommandResult later = Report({"mail"});
  ASSERT_EQ(later.exit_code, 0) << later.output;
  EXPECT_NE(later.output.find("2 sent"), std::string::npos) << later.output;
  EXPECT_EQ(smtp.ReceivedCount(), 2U);
  CommandResult again = Report({"run"});
  EXPECT_EQ(again.exit_code, 0) << again.output;
  EXPECT_EQ(smtp.ReceivedCount(), 2U);
  EXPECT_EQ(Json({"outbox", "--state", "sent", "--format", "json"}).size(), 2U);
}

TEST_F(ReportCliTest, AMailListsTheMostUrgentProposalsAndTheRestFollowNextRun) {
  SmtpServer smtp(dir_.File("smtp"), {});
  ASSERT_TRUE(smtp.Start()) << smtp.Log();
  WriteConfig(smtp.url(), "", 3);
  ASSERT_EQ(Report({"run"}).exit_code, 0);
  ASSERT_EQ(smtp.ReceivedCount(), 2U);
  nlohmann::json unmailed = Json({"proposals", "--status", "new", "--format", "json"});
  nlohmann::json mailed = Json({"proposals", "--status", "mailed", "--format", "json"});
  EXPECT_EQ(mailed.size(), 6U) << mailed.dump();
  ASSERT_GT(unmailed.size(), 0U);
  // The mailed ones are the most urgent of each sales person's: none of the
  // unmailed is needed earlier than a mailed one of the same sales person.
  for (const auto& m : mailed) {
    ASSERT_TRUE(m.contains("sales") && m.contains("needed_by")) << m.dump();
    EXPECT_TRUE(m["sales"] == kDemoSalesEmails[0] || m["sales"] == kDemoSalesEmails[1]) << m.dump();
    for (const auto& u : unmailed) {
      if (m["needed_by"] != "" && u["needed_by"] != "" && m["sales"] == u["sales"]) {
        EXPECT_LE(m["needed_by"].get<std::string>(), u["needed_by"].get<std::string>());
      }
    }
  }
  EXPECT_NE(Unfolded(smtp.Received()[0].data).find("more proposals follow"), std::string::npos);
  ASSERT_EQ(Report({"run"}).exit_code, 0);
  EXPECT_EQ(smtp.ReceivedCount(), 4U);
  EXPECT_EQ(Json({"proposals", "--status", "mailed", "--format", "json"}).size(), 12U);
}

TEST_F(ReportCliTest, WithoutSmtpServerMailIsWrittenAsEmlFiles) {
  WriteConfig("", "");
  CommandResult run = Report({"run"});
  ASSERT_EQ(run.exit_code, 0) << run.output;
  CommandResult ls =
      RunCommand({"/bin/sh", "-c", "ls " + dir_.File("mail") + " | grep -c '\\.eml$'"});
  EXPECT_EQ(ls.output, "2\n");
}

TEST_F(ReportCliTest, InquiryToTheReferenceSiteIsStoredListedAndShownInTheReport) {
  const std::string stock = ReadTextFile(SourceDir() + "/etc/factory-stock.csv");
  FactorySite site = StartFactory(dir_, "kofu-factory", stock);
  ASSERT_FALSE(site.url.empty()) << site.process->Log();
  WriteConfig("", site.url);
  ASSERT_EQ(Report({"run", "--no-mail"}).exit_code, 0);
  nlohmann::json proposals =
      Json({"proposals", "--customer", "cust-01", "--format", "json", "--status", "new"});
  std::string id;
  for (const auto& p : proposals) {
    if (p["kind"] == "capacity" && p["product"] == "PSA-2000-DP4") id = p["id"];
  }
  ASSERT_FALSE(id.empty()) << proposals.dump();
  CommandResult inquire = Report({"inquire", "--proposal", id, "--by", "sales@vendor.example"});
  ASSERT_EQ(inquire.exit_code, 0) << inquire.output;
  EXPECT_NE(inquire.output.find("kofu-factory: answered"), std::string::npos) << inquire.output;
  nlohmann::json inquiries = Json({"inquiries", "--proposal", id, "--format", "json"});
  ASSERT_EQ(inquiries.size(), 1U) << inquiries.dump();
  EXPECT_EQ(inquiries[0]["state"], "answered");
  EXPECT_EQ(inquiries[0]["in_stock"], "yes");
  EXPECT_EQ(inquiries[0]["retailer"], "Periscope Store Tokyo");
  nlohmann::json after = Json({"proposals", "--customer", "cust-01", "--format", "json"});
  bool found = false;
  for (const auto& p : after) {
    if (p["id"] == id) {
      found = true;
      EXPECT_EQ(p["status"], "inquired");
    }
  }
  EXPECT_TRUE(found) << after.dump();
  CommandResult html = Report({"customer", "cust-01"});
  ASSERT_EQ(html.exit_code, 0);
  EXPECT_NE(html.output.find("Periscope Store Tokyo"), std::string::npos);
}

TEST_F(ReportCliTest, DeclinedProposalIsNotRaisedAgain) {
  WriteConfig("", "");
  ASSERT_EQ(Report({"run", "--no-mail"}).exit_code, 0);
  nlohmann::json proposals = Json({"proposals", "--format", "json", "--status", "new"});
  ASSERT_FALSE(proposals.empty());
  const std::string id = proposals[0]["id"];
  ASSERT_EQ(Report({"proposal", id, "decline"}).exit_code, 0);
  CommandResult again = Report({"run", "--no-mail"});
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_NE(again.output.find("0 new"), std::string::npos) << again.output;
  CommandResult refused = Report({"proposal", id, "accept"});
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.output.find(id), std::string::npos) << refused.output;
}

TEST_F(ReportCliTest, BadConfigAndUsageExitTwoNamingTheProblem) {
  WriteTextFile(dir_.File("report.xml"),
                "<periscope-report>\n  <forecast horizon=\"3\"/>\n</periscope-report>\n");
  CommandResult bad = Report({"run"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.output.find("report.xml:2:"), std::string::npos) << bad.output;
  WriteConfig("", "");
  EXPECT_EQ(Report({"frobnicate"}).exit_code, 2);
  EXPECT_EQ(Report({"run", "--today", "2026-13-01"}).exit_code, 2);
  CommandResult missing = RunCommand({ReportBinary(), "-c", dir_.File("nope.xml"), "run"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.output.find("nope.xml"), std::string::npos) << missing.output;
}

TEST_F(ReportCliTest, MistypedDatabasePathIsAnErrorNotANewStore) {
  // SQLite: a file name one typo away; PostgreSQL: a database name one typo
  // away (the URI is not taken for a file path either).
  const bool pg = TestingPostgres();
  const std::string wrong = pg ? db_.substr(0, db_.find('?')) + "x" + db_.substr(db_.find('?'))
                               : dir_.File("periscpoe.db");
  const std::string wrong_name =
      pg ? wrong.substr(wrong.find(":///") + 4, wrong.find('?') - wrong.find(":///") - 4)
         : "periscpoe.db";
  WriteConfig("", "");
  std::string xml = ReadTextFile(dir_.File("report.xml"));
  const std::string right = XmlAttr(db_);
  xml.replace(xml.find(right), right.size(), XmlAttr(wrong));
  WriteTextFile(dir_.File("report.xml"), xml);
  CommandResult r = Report({"run"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find(wrong_name), std::string::npos) << r.output;
  EXPECT_TRUE(ReadTextFile(dir_.File("periscpoe.db")).empty());
}

}  // namespace
}  // namespace periscope::testing
