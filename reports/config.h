// periscope-report's configuration (etc/periscope-report.xml). Errors name
// file:line:column and the field; unknown elements and attributes are errors.
#ifndef PERISCOPE_REPORTS_CONFIG_H_
#define PERISCOPE_REPORTS_CONFIG_H_

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "mail/settings.h"

namespace periscope::reports {

// The shared <mail> element plus how many proposals one mail lists.
struct MailSettings : mail::MailSettings {
  int max_proposals = 200;  // per mail; the rest lead the next run's mail
};

struct SiteSettings {
  std::string name;
  std::string url;
  int64_t timeout_ms = 10000;
};

struct ReportConfig {
  std::string database;
  std::chrono::milliseconds busy_timeout{10000};
  std::string catalog;
  std::string output_dir;
  std::string data_note;  // shown on every report (the demo says its history is generated)
  // forecasts
  double threshold_pct = 85.0;
  double horizon_days = 1095.0;
  int min_days = 7;
  double rated_pct = 80.0;
  // proposals
  int planning_horizon_days = 180;
  int growth_months = 12;
  int recent_load_days = 14;
  MailSettings mail;
  // stock inquiries
  std::string delivery_place;
  std::string ca_file;
  std::vector<SiteSettings> sites;
};

// Defaults: database and output under `statedir`, catalog under `sysconfdir`.
ReportConfig DefaultReportConfig(const std::string& sysconfdir, const std::string& statedir);

// Parses `content` over `defaults`; relative paths are resolved against the
// directory of `name` (the config file).
Result<ReportConfig> ParseReportConfig(std::string content, const std::string& name,
                                       ReportConfig defaults);
Result<ReportConfig> LoadReportConfig(const std::string& path, ReportConfig defaults);

}  // namespace periscope::reports

#endif  // PERISCOPE_REPORTS_CONFIG_H_
