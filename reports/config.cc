#include "reports/config.h"

#include <functional>
#include <utility>

#include <fmt/format.h>

#include "core/files.h"
#include "core/strings.h"
#include "core/xml_config.h"
#include "store/db_config.h"

namespace periscope::reports {
namespace {

Status Load(const XmlConfig& xml, const std::string& base, ReportConfig* out) {
  pugi::xml_node root = xml.root();
  if (std::string_view(root.name()) != "periscope-report") {
    return InvalidArgumentError(fmt::format("{}: root element is <{}>, expected <periscope-report>",
                                            xml.Where(root), root.name()));
  }
  PERISCOPE_RETURN_IF_ERROR(xml.CheckKnownFields(
      root, {"database", "catalog", "output", "forecast", "proposals", "mail", "inquiry"}));
  if (pugi::xml_node n = root.child("database")) {
    PERISCOPE_RETURN_IF_ERROR(
        store::ParseDatabaseElement(xml, n, base, &out->database, &out->busy_timeout));
  }
  if (pugi::xml_node n = root.child("catalog")) {
    PERISCOPE_RETURN_IF_ERROR(xml.CheckKnownFields(n, {"path"}));
    PERISCOPE_RETURN_IF_ERROR(xml.SetText(n, "path", &out->catalog, 1024));
    out->catalog = ResolvePath(base, out->catalog);
  }
  if (pugi::xml_node n = root.child("output")) {
    PERISCOPE_RETURN_IF_ERROR(xml.CheckKnownFields(n, {"dir", "data-note"}));
    PERISCOPE_RETURN_IF_ERROR(xml.SetText(n, "dir", &out->output_dir, 1024));
    out->output_dir = ResolvePath(base, out->output_dir);
    PERISCOPE_RETURN_IF_ERROR(xml.SetText(n, "data-note", &out->data_note, 1000));
  }
  if (pugi::xml_node n = root.child("forecast")) {
    PERISCOPE_RETURN_IF_ERROR(
        xml.CheckKnownFields(n, {"threshold-pct", "horizon-days", "min-days", "rated-load-pct"}));
    PERISCOPE_RETURN_IF_ERROR(xml.SetUint(n, "threshold-pct", 1, 100, &out->threshold_pct));
    PERISCOPE_RETURN_IF_ERROR(xml.SetUint(n, "horizon-days", 7, 3660, &out->horizon_days));
    PERISCOPE_RETURN_IF_ERROR(xml.SetUint(n, "min-days", 3, 365, &out->min_days));
    PERISCOPE_RETURN_IF_ERROR(xml.SetUint(n, "rated-load-pct", 1, 100, &out->rated_pct));
  }
  if (pugi::xml_node n = root.child("proposals")) {
    PERISCOPE_RETURN_IF_ERROR(
        xml.CheckKnownFields(n, {"planning-horizon-days", "growth-months", "recent-load-days"}));
    PERISCOPE_RETURN_IF_ERROR(
        xml.SetUint(n, "planning-horizon-days", 1, 3660, &out->planning_horizon_days));
    PERISCOPE_RETURN_IF_ERROR(xml.SetUint(n, "growth-months", 1, 120, &out->growth_months));
    PERISCOPE_RETURN_IF_ERROR(xml.SetUint(n, "recent-load-days", 1, 366, &out->recent_load_days));
  }
  if (pugi::xml_node n = root.child("mail")) {
    PERISCOPE_RETURN_IF_ERROR(mail::ParseMailSettings(xml, n, base, &out->mail, {"max-proposals"}));
    PERISCOPE_RETURN_IF_ERROR(xml.SetUint(n, "max-proposals", 1, 10000, &out->mail.max_proposals));
  }
  if (pugi::xml_node n = root.child("inquiry")) {
    PERISCOPE_RETURN_IF_ERROR(xml.CheckKnownFields(n, {"delivery-place", "ca-file", "site"}));
    PERISCOPE_RETURN_IF_ERROR(xml.SetText(n, "delivery-place", &out->delivery_place, 255));
    PERISCOPE_RETURN_IF_ERROR(xml.SetText(n, "ca-file", &out->ca_file, 1024));
    out->ca_file = ResolvePath(base, out->ca_file);
    for (pugi::xml_node s : n.children("site")) {
      PERISCOPE_RETURN_IF_ERROR(xml.CheckKnownFields(s, {"name", "url", "timeout-ms"}));
      SiteSettings site;
      PERISCOPE_RETURN_IF_ERROR(xml.SetText(s, "name", &site.name, 64));
      PERISCOPE_RETURN_IF_ERROR(xml.SetText(s, "url", &site.url, 512));
      PERISCOPE_RETURN_IF_ERROR(xml.SetUint(s, "timeout-ms", 100, 600000, &site.timeout_ms));
      if (site.name.empty()) return xml.FieldError(s, "name", "is required");
      if (!site.url.starts_with("http://") && !site.url.starts_with("https://")) {
        return xml.FieldError(s, "url", "must start with http:// or https://");
      }
      for (const SiteSettings& other : out->sites) {
        if (other.name == site.name) {
          return xml.FieldError(s, "name", fmt::format("site '{}' is named twice", site.name));
        }
      }
      out->sites.push_back(std::move(site));
    }
  }
  if (out->mail.directory.empty()) out->mail.directory = out->output_dir + "/mail";
  return Status::Ok();
}

}  // namespace

ReportConfig DefaultReportConfig(const std::string& sysconfdir, const std::string& statedir) {
  ReportConfig c;
  c.database = statedir + "/periscope.db";
  c.catalog = sysconfdir + "/catalog.xml";
  c.output_dir = statedir + "/reports";
  return c;
}

Result<ReportConfig> ParseReportConfig(std::string content, const std::string& name,
                                       ReportConfig defaults) {
  return ParseConfigText(std::move(content), name, std::move(defaults), Load);
}

Result<ReportConfig> LoadReportConfig(const std::string& path, ReportConfig defaults) {
  return LoadConfigFile(path, std::move(defaults), Load);
}

}  // namespace periscope::reports
