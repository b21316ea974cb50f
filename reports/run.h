// The daily run of periscope-report (from cron, after the poller):
//  1. re-asks the manufacturing sites for inquiry answers still pending;
//  2. per customer, per device: the capacity and load forecasts, the
//     proposals (raised, updated when the evidence changed materially, expired
//     when the need went away), and the customer's HTML, CSV and JSON report;
//  3. the fleet view (every device by days to the warning threshold), whole
//     and per sales person;
//  4. one mail per sales person listing their new or changed proposals, most
//     urgent first, queued in the outbox together with the proposals' mailed
//     revision (one transaction), then the outbox delivered.
// A failure in one part (a site, a mail, a report file) is counted and
// reported; the run goes on with the rest and its exit status says so.
#ifndef PERISCOPE_REPORTS_RUN_H_
#define PERISCOPE_REPORTS_RUN_H_

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/status.h"
#include "reports/catalog.h"
#include "reports/config.h"
#include "reports/inquiry.h"
#include "reports/report_model.h"
#include "store/db.h"

namespace periscope::mail {
class Mailer;
}

namespace periscope::reports {

struct RunOptions {
  uint32_t today = 0;            // YYYYMMDD; 0: the local date of the clock
  std::string customer_user_id;  // empty: every customer
  std::string sales_email;       // empty: every sales person
  bool write_reports = true;
  bool send_mail = true;
  std::ostream* progress = nullptr;  // per-customer progress lines (a terminal)
  size_t threads = 0;                // workers for forecasts and rendering; 0: one per core
};

struct RunDeps {
  const Clock* clock = nullptr;
  mail::Mailer* mailer = nullptr;  // null: mail is queued, not delivered
  HttpClient* http = nullptr;      // null: pending inquiries are not refreshed
};

struct RunSummary {
  int customers = 0;
  int devices = 0;
  int forecasts = 0;    // devices with a capacity forecast
  int no_forecast = 0;  // devices without (too little history, no spec)
  int peripherals = 0;  // printers, hosts, LAN equipment (their own rules)
  int raised = 0, changed = 0, unchanged = 0, expired = 0, suppressed = 0;
  int reports_written = 0;
  int mails_queued = 0, mails_sent = 0, mails_retried = 0, mails_failed = 0;
  int inquiries_refreshed = 0;
  std::vector<std::string> problems;  // each failed part, one line each (exit 1)
  std::vector<std::string> warnings;  // worth telling, not a failure
  std::string output_dir;
};

// The configured manufacturing sites, as the inquiry client takes them.
std::vector<SiteConfig> SiteConfigsOf(const ReportConfig& config);

// The one-line summary printed at the end of a run.
std::string SummaryLine(const RunSummary& summary);

Result<RunSummary> RunReports(store::Db& db, const ReportConfig& config, const Catalog& catalog,
                              const RunOptions& options, const RunDeps& deps);

// One customer's report (no proposals are changed). NotFound for an unknown
// customer.
Result<CustomerReport> BuildCustomerReport(store::Db& db, const ReportConfig& config,
                                           const Catalog& catalog, const std::string& user_id,
                                           uint32_t today);

// The fleet view, optionally only one sales person's customers.
Result<FleetReport> BuildFleetReport(store::Db& db, const ReportConfig& config,
                                     const Catalog& catalog, const std::string& sales_email,
                                     uint32_t today);

}  // namespace periscope::reports

#endif  // PERISCOPE_REPORTS_RUN_H_
