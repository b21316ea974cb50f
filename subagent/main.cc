// periscope-subagent: serves PERISCOPE-MIB to the local snmpd over AgentX.
#include <getopt.h>

#include <cstdio>
#include <string>

#include <fmt/format.h>

#include "core/exit_codes.h"
#include "core/log.h"
#include "subagent/config.h"
#include "subagent/subagent.h"

#ifndef PERISCOPE_VERSION
#define PERISCOPE_VERSION "0.0.0"
#endif
#ifndef PERISCOPE_DEFAULT_CONFIG
#define PERISCOPE_DEFAULT_CONFIG "/etc/periscope/periscope-subagent.xml"
#endif

namespace {

using periscope::kExitFailure;
using periscope::kExitOk;
using periscope::kExitUsage;

void PrintHelp() {
  std::fputs(
      "usage: periscope-subagent [options]\n"
      "\n"
      "Serves PERISCOPE-MIB (sold devices' specification and usage) to the local\n"
      "snmpd as a read-only AgentX subagent.\n"
      "\n"
      "  -c, --config FILE   configuration (default " PERISCOPE_DEFAULT_CONFIG
      ")\n"
      "  -x, --agentx SOCKET AgentX master socket, overrides the config\n"
      "                      (e.g. /var/agentx/master or unix:/run/snmpd/agentx)\n"
      "  -f, --foreground    stay in the foreground and log to stderr\n"
      "      --check-config  validate the config, print what would be served, exit\n"
      "      --version       print the version and exit\n"
      "  -h, --help          print this help and exit\n"
      "\n"
      "exit status: 0 ok, 1 runtime failure, 2 usage or configuration error\n",
      stdout);
}

}  // namespace

int main(int argc, char** argv) {
  using periscope::LogError;
  std::string config_path = PERISCOPE_DEFAULT_CONFIG;
  std::string socket_override;
  bool foreground = false;
  bool check_only = false;
  enum { kOptCheckConfig = 1000, kOptVersion };
  static const option kLongOptions[] = {
      {"config", required_argument, nullptr, 'c'},
      {"agentx", required_argument, nullptr, 'x'},
      {"foreground", no_argument, nullptr, 'f'},
      {"check-config", no_argument, nullptr, kOptCheckConfig},
      {"version", no_argument, nullptr, kOptVersion},
      {"help", no_argument, nullptr, 'h'},
      {nullptr, 0, nullptr, 0},
  };
  int opt;
  while ((opt = getopt_long(argc, argv, "c:x:fh", kLongOptions, nullptr)) != -1) {
    switch (opt) {
      case 'c':
        config_path = optarg;
        break;
      case 'x':
        socket_override = optarg;
        break;
      case 'f':
        foreground = true;
        break;
      case kOptCheckConfig:
        check_only = true;
        break;
      case kOptVersion:
        std::printf("periscope-subagent %s\n", PERISCOPE_VERSION);
        return kExitOk;
      case 'h':
        PrintHelp();
        return kExitOk;
      default:
        std::fputs("try 'periscope-subagent --help'\n", stderr);
        return kExitUsage;
    }
  }
  if (optind != argc) {
    std::fprintf(stderr, "periscope-subagent: unexpected argument '%s'\n", argv[optind]);
    return kExitUsage;
  }
  periscope::InitLogging(
      "periscope-subagent",
      foreground || check_only ? periscope::LogSink::kStderr : periscope::LogSink::kSyslog,
      periscope::LogLevel::kInfo);
  auto config = periscope::subagent::LoadSubagentConfig(config_path);
  if (!config.ok()) {
    LogError(config.status().message());
    return kExitUsage;
  }
  if (!socket_override.empty()) config->agentx_socket = socket_override;
  if (check_only) {
    std::fputs(periscope::subagent::DescribeConfig(*config).c_str(), stdout);
    std::printf("%s: ok\n", config_path.c_str());
    return kExitOk;
  }
  periscope::Status status = periscope::subagent::RunSubagent(*config, {foreground});
  if (!status.ok()) {
    LogError(status.message());
    return kExitFailure;
  }
  return kExitOk;
}
