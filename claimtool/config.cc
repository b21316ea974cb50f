#include "claimtool/config.h"

#include <utility>

#include <fmt/format.h>

#include "core/files.h"
#include "core/xml_config.h"
#include "store/db_config.h"

namespace periscope::claimtool {
namespace {

Status Load(const XmlConfig& xml, const std::string& base, ClaimConfig* out) {
  pugi::xml_node root = xml.root();
  if (std::string_view(root.name()) != "periscope-claim") {
    return InvalidArgumentError(fmt::format("{}: root element is <{}>, expected <periscope-claim>",
                                            xml.Where(root), root.name()));
  }
  PERISCOPE_RETURN_IF_ERROR(
      xml.CheckKnownFields(root, {"database", "poller", "rules", "claim", "output", "mail"}));
  if (pugi::xml_node n = root.child("database")) {
    PERISCOPE_RETURN_IF_ERROR(
        store::ParseDatabaseElement(xml, n, base, &out->database, &out->busy_timeout));
  }
  if (pugi::xml_node n = root.child("poller")) {
    PERISCOPE_RETURN_IF_ERROR(xml.CheckKnownFields(n, {"config"}));
    PERISCOPE_RETURN_IF_ERROR(xml.SetText(n, "config", &out->poller_config, 1024));
    out->poller_config = ResolvePath(base, out->poller_config);
  }
  if (pugi::xml_node n = root.child("rules")) {
    PERISCOPE_RETURN_IF_ERROR(xml.CheckKnownFields(n, {"path"}));
    PERISCOPE_RETURN_IF_ERROR(xml.SetText(n, "path", &out->rules, 1024));
    out->rules = ResolvePath(base, out->rules);
  }
  if (pugi::xml_node n = root.child("claim")) {
    PERISCOPE_RETURN_IF_ERROR(xml.CheckKnownFields(n, {"deadline-ms", "max-peers", "rate-days"}));
    int64_t deadline_ms = out->deadline.count();
    PERISCOPE_RETURN_IF_ERROR(xml.SetUint(n, "deadline-ms", 1000, 600000, &deadline_ms));
    out->deadline = std::chrono::milliseconds(deadline_ms);
    auto max_peers = xml.Uint(n, "max-peers", 1, 100000);
    if (!max_peers.ok()) return max_peers.status();
    if (max_peers->has_value()) out->max_peers = static_cast<size_t>(**max_peers);
    PERISCOPE_RETURN_IF_ERROR(xml.SetUint(n, "rate-days", 1, 366, &out->rate_days));
  }
  if (pugi::xml_node n = root.child("output")) {
    PERISCOPE_RETURN_IF_ERROR(xml.CheckKnownFields(n, {"dir"}));
    PERISCOPE_RETURN_IF_ERROR(xml.SetText(n, "dir", &out->output_dir, 1024));
    out->output_dir = ResolvePath(base, out->output_dir);
  }
  if (pugi::xml_node n = root.child("mail")) {
    PERISCOPE_RETURN_IF_ERROR(mail::ParseMailSettings(xml, n, base, &out->mail));
  }
  if (out->mail.directory.empty()) out->mail.directory = out->output_dir + "/mail";
  return Status::Ok();
}

}  // namespace

ClaimConfig DefaultClaimConfig(const std::string& sysconfdir, const std::string& statedir) {
  ClaimConfig c;
  c.database = statedir + "/periscope.db";
  c.poller_config = sysconfdir + "/periscope-poller.xml";
  c.rules = sysconfdir + "/claim-rules.xml";
  c.output_dir = statedir + "/claims";
  return c;
}

Result<ClaimConfig> ParseClaimConfig(std::string content, const std::string& name,
                                     ClaimConfig defaults) {
  return ParseConfigText(std::move(content), name, std::move(defaults), Load);
}

Result<ClaimConfig> LoadClaimConfig(const std::string& path, ClaimConfig defaults) {
  return LoadConfigFile(path, std::move(defaults), Load);
}

}  // namespace periscope::claimtool
