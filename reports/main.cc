// periscope-report: forecasts, proposals, stock inquiries, reports and mail to
// the sales persons (issue 6). Thin: parses flags, loads the config and the
// catalog, opens the store, wires the mailer and the HTTP client, runs one
// command and maps the result to an exit code.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "core/cli_args.h"
#include "core/clock.h"
#include "core/exit_codes.h"
#include "core/files.h"
#include "core/strings.h"
#include "mail/outbox.h"
#include "mail/settings.h"
#include "reports/catalog.h"
#include "reports/config.h"
#include "reports/forecast_cli.h"
#include "reports/inquiry.h"
#include "reports/report_export.h"
#include "reports/report_html.h"
#include "reports/run.h"
#include "store/db.h"
#include "store/db_config.h"
#include "store/history.h"
#include "store/inquiries.h"
#include "store/outbox.h"
#include "store/proposals.h"
#include "store/schema.h"

#ifndef PERISCOPE_SYSCONFDIR
#define PERISCOPE_SYSCONFDIR "/etc/periscope"
#endif
#ifndef PERISCOPE_STATEDIR
#define PERISCOPE_STATEDIR "/var/lib/periscope"
#endif

namespace {

using periscope::kExitFailure;
using periscope::kExitOk;
using periscope::kExitUsage;
using periscope::Result;
using periscope::Status;
using periscope::StatusCode;
namespace reports = periscope::reports;
namespace store = periscope::store;
namespace mail = periscope::mail;

constexpr const char* kHelp =
    "usage: periscope-report [-c CONFIG] [--db DB] [--progress] COMMAND [ARGS]\n"
    "\n"
    "Forecasts, sales proposals, stock inquiries, reports and mail to each\n"
    "customer's assigned sales person, from the periscope store.\n"
    "\n"
    "commands:\n"
    "  run [--customer ID] [--sales EMAIL] [--today YYYY-MM-DD] [--no-mail] [--no-reports]\n"
    "        the daily job (cron, after the poller): pending inquiry answers,\n"
    "        forecasts, proposals (raised, updated, expired), the HTML/CSV/JSON\n"
    "        reports under the output dir, one mail per sales person with their new\n"
    "        or changed proposals, then the outbox delivered; prints a one-line summary\n"
    "  forecast --series FILE [--threshold-pct P] [--horizon-days N] [--format json]\n"
    "        forecast one CSV series date,used_bytes,capacity_bytes (a what-if; no\n"
    "        config or store needed)\n"
    "  customer USER_ID [--format html|csv|metrics-csv|json] [-o FILE]\n"
    "        one customer's report (default html) to stdout or FILE\n"
    "  fleet [--sales EMAIL] [--format html|csv|json] [-o FILE]\n"
    "        every device by days to the warning threshold, most urgent first\n"
    "  proposals [--customer ID] [--sales EMAIL] [--status S] [--format text|csv|json]\n"
    "  proposal ID accept|decline\n"
    "        record the customer's decision (final; the same proposal is not raised again)\n"
    "  inquire --proposal ID [--quantity N] [--delivery-place TEXT] [--by EMAIL]\n"
    "        ask every configured manufacturing site for stock and delivery\n"
    "  inquiries [--proposal ID] [--customer ID] [--format text|csv|json]\n"
    "  inquiry-answer FILE\n"
    "        record a site's answer that arrived by other means (matched by its ID)\n"
    "  outbox [--state queued|sending|sent|failed|unknown] [--format text|csv|json]\n"
    "  outbox-requeue ID\n"
    "        send a failed or interrupted ('unknown') mail again\n"
    "  mail  deliver the mail that is due now\n"
    "\n"
    "options:\n"
    "  -c CONFIG     configuration (default " PERISCOPE_SYSCONFDIR
    "/periscope-report.xml)\n"
    "  --db DB       the store, overriding the config: an SQLite file or a\n"
    "                postgresql:// URI (its password in ~/.pgpass or PGPASSFILE)\n"
    "  --progress    one line per customer on stderr (when it is a terminal)\n"
    "\n"
    "exit status: 0 ok; 1 the job failed or part of it did (a site, a mail, a\n"
    "report file: each named on stderr); 2 usage, configuration or bad input\n";

constexpr std::string_view kProgram = "periscope-report";
int Fail(const Status& s) { return periscope::FailWith(kProgram, s); }
int Usage(const std::string& message) { return periscope::UsageError(kProgram, message); }

Result<uint32_t> ParseDateFlag(const std::string& text, const std::string& what) {
  std::optional<periscope::DateYmd> date = periscope::ParseIsoDate(text);
  if (!date) {
    return periscope::InvalidArgumentError(
        fmt::format("{}: '{}' is not a date YYYY-MM-DD", what, text));
  }
  return *date;
}

Result<int64_t> ParseId(const std::string& text, const std::string& what) {
  auto v = periscope::ParseUint64(text);
  if (!v || *v == 0 || *v > static_cast<uint64_t>(INT64_MAX)) {
    return periscope::InvalidArgumentError(fmt::format("{}: '{}' is not an ID", what, text));
  }
  return static_cast<int64_t>(*v);
}

int64_t NowSeconds() { return periscope::UnixSeconds(periscope::SystemClock::Instance()); }

Status Emit(const std::string& content, const std::string& out_path) {
  if (out_path.empty()) {
    std::fwrite(content.data(), 1, content.size(), stdout);
    return Status::Ok();
  }
  return periscope::WriteFileAtomically(out_path, content);
}

std::string DateText(std::optional<int64_t> yyyymmdd) {
  if (!yyyymmdd) return "";
  return periscope::FormatIsoDate(static_cast<periscope::DateYmd>(*yyyymmdd));
}

int PrintTable(const store::TextTable& table, const std::string& format) {
  auto text = store::Render(table, format);
  if (!text.ok()) return Fail(text.status());
  std::fputs(text->c_str(), stdout);
  return kExitOk;
}

int RunCommand(const std::string& command, const std::vector<std::string>& rest,
               const std::string& config_path, bool config_given, const std::string& db_override,
               bool progress) {
  if (command == "forecast") return reports::RunForecastCommand(rest, std::cout, std::cerr);

  reports::ReportConfig defaults =
      reports::DefaultReportConfig(PERISCOPE_SYSCONFDIR, PERISCOPE_STATEDIR);
  // The default config file may be absent (built-in defaults); a named one
  // must exist, and any other problem with either is an error.
  Result<reports::ReportConfig> config = reports::LoadReportConfig(config_path, defaults);
  if (!config.ok()) {
    struct stat st {};
    const bool absent = ::stat(config_path.c_str(), &st) != 0 && errno == ENOENT;
    if (config_given || !absent) return Usage(config.status().message());
    config = defaults;
  }
  if (!db_override.empty()) config->database = db_override;
  const bool writes = command == "run" || command == "proposal" || command == "inquire" ||
                      command == "inquiry-answer" || command == "outbox-requeue" ||
                      command == "mail";
  auto db = writes ? store::Db::OpenWriter(config->database, store::OpenMode::kMustExist,
                                           config->busy_timeout)
                   : store::Db::OpenReader(config->database);
  if (!db.ok()) return Fail(db.status());
  if (writes) {
    // The poller's writer migrates too; whichever runs first after an upgrade does it.
    if (Status s = store::MigrateExisting(**db); !s.ok()) return Fail(s);
  } else {
    auto version = store::CurrentVersion(**db);
    if (!version.ok()) return Fail(version.status());
    if (*version != store::SchemaVersion()) {
      return Fail(store::SchemaVersionMismatch(config->database, *version));
    }
  }

  auto load_catalog = [&]() -> Result<reports::Catalog> {
    return reports::LoadCatalog(config->catalog);
  };

  if (command == "run") {
    auto args = periscope::ParseCliArgs(rest, {"--customer", "--sales", "--today"},
                                        {"--no-mail", "--no-reports"});
    if (!args.ok()) return Usage(args.status().message());
    if (!args->positional.empty()) return Usage("run: unexpected argument " + args->positional[0]);
    auto catalog = load_catalog();
    if (!catalog.ok()) return Usage(catalog.status().message());
    reports::RunOptions options;
    options.customer_user_id = args->Value("--customer");
    options.sales_email = args->Value("--sales");
    if (args->values.count("--today")) {
      auto today = ParseDateFlag(args->Value("--today"), "--today");
      if (!today.ok()) return Usage(today.status().message());
      options.today = *today;
    }
    options.send_mail = !args->flags.count("--no-mail");
    options.write_reports = !args->flags.count("--no-reports");
    if (progress && ::isatty(STDERR_FILENO)) options.progress = &std::cerr;
    std::unique_ptr<mail::Mailer> mailer;
    if (options.send_mail) {
      auto made = mail::MakeMailer(config->mail);
      if (!made.ok()) return Usage("mail: " + made.status().message());
      mailer = std::move(*made);
    }
    std::unique_ptr<reports::HttpClient> http;
    if (!config->sites.empty()) {
      auto made = reports::MakeCurlHttpClient(config->ca_file);
      if (!made.ok()) return Fail(made.status());
      http = std::move(*made);
    }
    reports::RunDeps deps;
    deps.clock = &periscope::SystemClock::Instance();
    deps.mailer = mailer.get();
    deps.http = http.get();
    auto summary = reports::RunReports(**db, *config, *catalog, options, deps);
    if (!summary.ok()) {
      std::fprintf(stderr, "periscope-report: %s\n", summary.status().message().c_str());
      return kExitFailure;
    }
    for (const std::string& w : summary->warnings) {
      std::fprintf(stderr, "periscope-report: warning: %s\n", w.c_str());
    }
    for (const std::string& p : summary->problems) {
      std::fprintf(stderr, "periscope-report: %s\n", p.c_str());
    }
    std::printf("%s\n", reports::SummaryLine(*summary).c_str());
    return summary->problems.empty() ? kExitOk : kExitFailure;
  }

  if (command == "customer" || command == "fleet") {
    auto args = periscope::ParseCliArgs(rest, {"--format", "-o", "--sales", "--today"}, {});
    if (!args.ok()) return Usage(args.status().message());
    const std::string format = args->Value("--format", "html");
    if (format != "html" && format != "csv" && format != "json" &&
        (format != "metrics-csv" || command != "customer")) {
      return Usage(command == "customer" ? "--format: expected html, csv, metrics-csv or json"
                                         : "--format: expected html, csv or json");
    }
    uint32_t today = periscope::LocalDate(std::chrono::system_clock::now());
    if (args->values.count("--today")) {
      auto parsed = ParseDateFlag(args->Value("--today"), "--today");
      if (!parsed.ok()) return Usage(parsed.status().message());
      today = *parsed;
    }
    auto catalog = load_catalog();
    if (!catalog.ok()) return Usage(catalog.status().message());
    std::string content;
    if (command == "customer") {
      if (args->positional.size() != 1) return Usage("customer: give one USER_ID");
      auto report =
          reports::BuildCustomerReport(**db, *config, *catalog, args->positional[0], today);
      if (!report.ok()) return Fail(report.status());
      content = format == "html"          ? reports::RenderCustomerHtml(*report)
                : format == "csv"         ? reports::RenderCustomerCsv(*report)
                : format == "metrics-csv" ? reports::RenderCustomerMetricsCsv(*report)
                                          : reports::RenderCustomerJson(*report);
    } else {
      if (!args->positional.empty()) return Usage("fleet: unexpected argument");
      auto report =
          reports::BuildFleetReport(**db, *config, *catalog, args->Value("--sales"), today);
      if (!report.ok()) return Fail(report.status());
      content = format == "html"  ? reports::RenderFleetHtml(*report)
                : format == "csv" ? reports::RenderFleetCsv(*report)
                                  : reports::RenderFleetJson(*report);
    }
    Status s = Emit(content, args->Value("-o"));
    return s.ok() ? kExitOk : Fail(s);
  }

  if (command == "proposals") {
    auto args =
        periscope::ParseCliArgs(rest, {"--customer", "--sales", "--status", "--format"}, {});
    if (!args.ok()) return Usage(args.status().message());
    store::ProposalFilter filter;
    if (args->values.count("--customer")) filter.customer_user_id = args->Value("--customer");
    if (args->values.count("--sales")) filter.sales_email = args->Value("--sales");
    if (args->values.count("--status")) filter.statuses = {args->Value("--status")};
    auto list = store::ListProposals(**db, filter);
    if (!list.ok()) return Fail(list.status());
    store::TextTable table;
    table.columns = {"id",         "customer", "device", "kind",     "status",
                     "product",    "quantity", "price",  "currency", "needed_by",
                     "confidence", "sales",    "summary"};
    for (const store::StoredProposal& p : *list) {
      table.rows.push_back({std::to_string(p.id), p.customer_user_id, p.device_serial, p.kind,
                            p.status, p.product_number, std::to_string(p.quantity),
                            std::to_string(p.price_minor_units), p.currency, DateText(p.needed_by),
                            p.confidence, p.sales_email, p.summary});
    }
    return PrintTable(table, args->Value("--format", "text"));
  }

  if (command == "proposal") {
    if (rest.size() != 2 || (rest[1] != "accept" && rest[1] != "decline")) {
      return Usage("proposal: give ID accept|decline");
    }
    auto id = ParseId(rest[0], "proposal");
    if (!id.ok()) return Usage(id.status().message());
    Status s = store::SetProposalStatus(**db, *id, rest[1] == "accept" ? "accepted" : "declined",
                                        NowSeconds());
    if (!s.ok()) return Fail(s);
    std::printf("periscope-report: proposal %lld %s\n", static_cast<long long>(*id),
                rest[1] == "accept" ? "accepted" : "declined");
    return kExitOk;
  }

  if (command == "inquire") {
    auto args =
        periscope::ParseCliArgs(rest, {"--proposal", "--quantity", "--delivery-place", "--by"}, {});
    if (!args.ok()) return Usage(args.status().message());
    auto id = ParseId(args->Value("--proposal"), "--proposal");
    if (!id.ok()) return Usage(id.status().message());
    if (config->sites.empty()) return Usage("inquire: no <site> in the <inquiry> config");
    store::ProposalFilter filter;
    auto list = store::ListProposals(**db, filter);
    if (!list.ok()) return Fail(list.status());
    const store::StoredProposal* proposal = nullptr;
    for (const auto& p : *list) {
      if (p.id == *id) proposal = &p;
    }
    if (!proposal) return Usage(fmt::format("inquire: proposal {} not found", *id));
    int64_t quantity = proposal->quantity;
    if (args->values.count("--quantity")) {
      auto q = ParseId(args->Value("--quantity"), "--quantity");
      if (!q.ok()) return Usage(q.status().message());
      quantity = *q;
    }
    const std::string place = args->Value("--delivery-place", config->delivery_place);
    if (place.empty()) return Usage("inquire: no --delivery-place and none in the config");
    const std::string by = args->Value("--by", proposal->sales_email);
    auto http = reports::MakeCurlHttpClient(config->ca_file);
    if (!http.ok()) return Fail(http.status());
    auto outcome = reports::SendInquiry(**db, *id, proposal->product_number, quantity, place, by,
                                        reports::SiteConfigsOf(*config), **http,
                                        periscope::SystemClock::Instance());
    if (!outcome.ok()) return Fail(outcome.status());
    int failed = 0;
    for (const reports::SiteResult& r : outcome->results) {
      std::string line = fmt::format("{}: {}", r.site, reports::SiteStateName(r.state));
      if (r.answer && r.state == reports::SiteState::kAnswered) {
        line += fmt::format(", in stock: {}, retailer: {}, delivery: {}",
                            r.answer->in_stock ? (*r.answer->in_stock ? "yes" : "no") : "?",
                            r.answer->retailer, DateText(r.answer->delivery_date));
      }
      if (!r.message.empty()) line += " (" + r.message + ")";
      std::printf("periscope-report: inquiry %s %s\n", outcome->inquiry_key.c_str(),
                  periscope::CleanText(line, '?').c_str());
      if (r.state != reports::SiteState::kAnswered && r.state != reports::SiteState::kPending) {
        ++failed;
      }
    }
    return failed == 0 ? kExitOk : kExitFailure;
  }

  if (command == "inquiries") {
    auto args = periscope::ParseCliArgs(rest, {"--proposal", "--customer", "--format"}, {});
    if (!args.ok()) return Usage(args.status().message());
    store::InquiryFilter filter;
    if (args->values.count("--proposal")) {
      auto id = ParseId(args->Value("--proposal"), "--proposal");
      if (!id.ok()) return Usage(id.status().message());
      filter.proposal_id = *id;
    }
    if (args->values.count("--customer")) filter.customer_user_id = args->Value("--customer");
    auto list = store::ListInquiries(**db, filter);
    if (!list.ok()) return Fail(list.status());
    store::TextTable table;
    table.columns = {"inquiry", "proposal", "customer",  "product",  "quantity", "site",
                     "state",   "in_stock", "available", "retailer", "delivery", "message"};
    for (const store::InquiryRow& q : *list) {
      for (const store::InquiryAnswerRow& a : q.answers) {
        table.rows.push_back({q.inquiry_key, std::to_string(q.proposal_id), q.customer_user_id,
                              q.product_number, std::to_string(q.quantity), a.site, a.state,
                              a.in_stock ? (*a.in_stock ? "yes" : "no") : "",
                              a.quantity_available ? std::to_string(*a.quantity_available) : "",
                              a.retailer, DateText(a.delivery_date), a.message});
      }
    }
    return PrintTable(table, args->Value("--format", "text"));
  }

  if (command == "inquiry-answer") {
    if (rest.size() != 1) return Usage("inquiry-answer: give one FILE");
    auto content = periscope::ReadFileBounded(rest[0], 64 * 1024);
    if (!content.ok()) return Usage(content.status().message());
    Status s =
        reports::RecordLateAnswer(**db, *content, rest[0], periscope::SystemClock::Instance());
    if (!s.ok()) return Fail(s);
    std::printf("periscope-report: answer in %s recorded\n", rest[0].c_str());
    return kExitOk;
  }

  if (command == "outbox") {
    auto args = periscope::ParseCliArgs(rest, {"--state", "--format"}, {});
    if (!args.ok()) return Usage(args.status().message());
    std::optional<store::OutboxState> state;
    if (args->values.count("--state")) {
      const std::string want = args->Value("--state");
      for (auto s :
           {store::OutboxState::kQueued, store::OutboxState::kSending, store::OutboxState::kSent,
            store::OutboxState::kFailed, store::OutboxState::kUnknown}) {
        if (store::OutboxStateName(s) == want) state = s;
      }
      if (!state) return Usage("--state: expected queued, sending, sent, failed or unknown");
    }
    auto list = store::ListOutbox(**db, state);
    if (!list.ok()) return Fail(list.status());
    store::TextTable table;
    table.columns = {"id", "kind", "recipient", "subject", "state", "attempts", "last_error"};
    for (const store::OutboxRow& r : *list) {
      table.rows.push_back({std::to_string(r.id), r.mail.kind, r.mail.recipient, r.mail.subject,
                            std::string(store::OutboxStateName(r.state)),
                            std::to_string(r.attempts), r.last_error});
    }
    return PrintTable(table, args->Value("--format", "text"));
  }

  if (command == "outbox-requeue") {
    if (rest.size() != 1) return Usage("outbox-requeue: give one ID");
    auto id = ParseId(rest[0], "outbox-requeue");
    if (!id.ok()) return Usage(id.status().message());
    Status s = store::RequeueOutboxMail(**db, *id, NowSeconds());
    if (!s.ok()) return Fail(s);
    std::printf("periscope-report: mail %lld queued again\n", static_cast<long long>(*id));
    return kExitOk;
  }

  if (command == "mail") {
    if (!rest.empty()) return Usage("mail: unexpected argument");
    auto mailer = mail::MakeMailer(config->mail);
    if (!mailer.ok()) return Usage("mail: " + mailer.status().message());
    auto stats = mail::DeliverDue(**db, **mailer, periscope::SystemClock::Instance(),
                                  mail::RetryPolicyOf(config->mail));
    if (!stats.ok()) return Fail(stats.status());
    std::printf("periscope-report: mail: %d sent, %d to retry, %d failed, %d unknown\n",
                stats->sent, stats->retried, stats->failed, stats->unknown);
    return stats->retried + stats->failed + stats->unknown == 0 ? kExitOk : kExitFailure;
  }
  return Usage(fmt::format("unknown command '{}'", command));
}

}  // namespace

int main(int argc, char** argv) {
  std::string config_path = PERISCOPE_SYSCONFDIR "/periscope-report.xml";
  bool config_given = false;
  bool progress = false;
  std::string db_override;
  int i = 1;
  for (; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "-h" || a == "--help") {
      std::fputs(kHelp, stdout);
      return kExitOk;
    }
    if (a == "-c" || a == "--config") {
      if (i + 1 >= argc) return Usage("-c needs a value");
      config_path = argv[++i];
      config_given = true;
    } else if (a == "--db") {
      if (i + 1 >= argc) return Usage("--db needs a value");
      db_override = argv[++i];
      if (Status s = store::CheckNoPassword(db_override, "--db"); !s.ok()) {
        return Usage(s.message());
      }
    } else if (a == "--progress") {
      progress = true;
    } else if (!a.empty() && a[0] == '-') {
      return Usage(fmt::format("unknown option '{}'", a));
    } else {
      break;
    }
  }
  if (i >= argc) return Usage("no command given");
  std::string command = argv[i];
  std::vector<std::string> rest(argv + i + 1, argv + argc);
  for (const std::string& a : rest) {
    if (command != "forecast" && (a == "-h" || a == "--help")) {
      std::fputs(kHelp, stdout);
      return kExitOk;
    }
  }
  return RunCommand(command, rest, config_path, config_given, db_override, progress);
}
