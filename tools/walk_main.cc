// periscope-walk: reads PERISCOPE-MIB from an SNMP agent and prints it as tables.
#include <getopt.h>

#include <cstdio>
#include <string>

#include "core/exit_codes.h"
#include "core/snmp/sync_client.h"
#include "mib/periscope_oids.h"
#include "tools/walk_format.h"

namespace {

using periscope::kExitFailure;
using periscope::kExitOk;
using periscope::kExitUsage;

void PrintHelp() {
  std::fputs(
      "usage: periscope-walk [options] PEER\n"
      "\n"
      "Walks the PERISCOPE-MIB subtree of PEER (e.g. udp:127.0.0.1:161) with GETBULK\n"
      "and prints the agent scalars, devices, daily figures and items as tables.\n"
      "\n"
      "  -c COMMUNITY     SNMPv2c community (default: public)\n"
      "  -u USER          SNMPv3 authPriv user (SHA-256 + AES-128) instead of v2c\n"
      "  -A PASSPHRASE    SNMPv3 authentication pass phrase\n"
      "  -X PASSPHRASE    SNMPv3 privacy pass phrase\n"
      "  -t MILLISECONDS  timeout per request (default 1000), 2 retries\n"
      "  -h, --help       this help\n"
      "\n"
      "exit status: 0 ok, 1 no answer or walk error, 2 usage error\n",
      stdout);
}

}  // namespace

int main(int argc, char** argv) {
  periscope::snmp::Credentials creds{"public", "", "", ""};
  int timeout_ms = 1000;
  static const option kLong[] = {{"help", no_argument, nullptr, 'h'}, {nullptr, 0, nullptr, 0}};
  int opt;
  while ((opt = getopt_long(argc, argv, "c:u:A:X:t:h", kLong, nullptr)) != -1) {
    switch (opt) {
      case 'c':
        creds.community = optarg;
        break;
      case 'u':
        creds.user = optarg;
        creds.community.clear();
        break;
      case 'A':
        creds.auth_pass = optarg;
        break;
      case 'X':
        creds.priv_pass = optarg;
        break;
      case 't':
        timeout_ms = std::atoi(optarg);
        break;
      case 'h':
        PrintHelp();
        return kExitOk;
      default:
        std::fputs("try 'periscope-walk --help'\n", stderr);
        return kExitUsage;
    }
  }
  if (optind + 1 != argc || timeout_ms <= 0) {
    std::fputs("periscope-walk: expected exactly one PEER (try --help)\n", stderr);
    return kExitUsage;
  }
  std::string peer = argv[optind];
  auto client = periscope::snmp::SnmpClient::Open(peer, creds, timeout_ms, 2);
  if (client == nullptr) {
    std::fprintf(stderr, "periscope-walk: cannot open a session to %s\n", peer.c_str());
    return kExitFailure;
  }
  bool ok = false;
  auto varbinds = client->BulkWalk(periscope::mib::kPeriscopeMibRoot, 25, &ok);
  if (!ok) {
    std::fprintf(stderr, "periscope-walk: %s: no answer or a walk error after %zu objects\n",
                 peer.c_str(), varbinds.size());
    return kExitFailure;
  }
  if (varbinds.empty()) {
    std::fprintf(stderr,
                 "periscope-walk: %s has no PERISCOPE-MIB objects (is periscope-subagent "
                 "attached to its snmpd, and does the view include the subtree?)\n",
                 peer.c_str());
    return kExitFailure;
  }
  std::fputs(periscope::tools::FormatPeriscopeWalk(varbinds).c_str(), stdout);
  return kExitOk;
}
