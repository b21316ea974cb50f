// periscope-claim's configuration (etc/periscope-claim.xml). Errors name
// file:line:column and the field; unknown elements and attributes are errors.
//
// <periscope-claim>
//   <database path="/var/lib/periscope/periscope.db" busy-timeout-ms="10000"/>
//   <poller config="periscope-poller.xml"/>  credential profiles, timeouts,
//                                            retries, window, walk limits
//   <rules path="claim-rules.xml"/>
//   <claim deadline-ms="10000" max-peers="200" rate-days="30"/>
//   <output dir="/var/lib/periscope/claims"/>  HTML pages of claims
//   <mail from="..." ...> (mail/settings.h) </mail>
// </periscope-claim>
#ifndef PERISCOPE_CLAIMTOOL_CONFIG_H_
#define PERISCOPE_CLAIMTOOL_CONFIG_H_

#include <chrono>
#include <optional>
#include <string>

#include "core/status.h"
#include "mail/settings.h"

namespace periscope::claimtool {

struct ClaimConfig {
  std::string database;
  std::chrono::milliseconds busy_timeout{10000};
  std::string poller_config;  // the poller's XML: profiles and engine options
  std::string rules;
  // The whole claim's reading ends within this (1 s .. 10 min).
  std::chrono::milliseconds deadline{10000};
  std::optional<size_t> max_peers;  // none: every same-model device
  int rate_days = 30;               // history window of per-day rates
  std::string output_dir;
  mail::MailSettings mail;
};

// Defaults: files under `sysconfdir` and `statedir`.
ClaimConfig DefaultClaimConfig(const std::string& sysconfdir, const std::string& statedir);

// Parses `content` over `defaults`; relative paths are resolved against the
// directory of `name`.
Result<ClaimConfig> ParseClaimConfig(std::string content, const std::string& name,
                                     ClaimConfig defaults);
Result<ClaimConfig> LoadClaimConfig(const std::string& path, ClaimConfig defaults);

}  // namespace periscope::claimtool

#endif  // PERISCOPE_CLAIMTOOL_CONFIG_H_
