// netsnmp_floor_bench: the resident memory a process pays for Net-SNMP alone.
//
// Prints VmRSS / RssAnon / RssFile of this process at start (libraries mapped,
// nothing initialised) and after the library's initialisation (init_snmp, done
// by opening a client session). periscope-subagent cannot go below the second
// figure plus libnetsnmpagent's own pages, so it is the floor its RSS target is
// measured against.
#include <cstdio>
#include <fstream>
#include <string>

#include "core/snmp/sync_client.h"

namespace {

void PrintMemory(const char* label) {
  std::ifstream status("/proc/self/status");
  std::string line;
  std::printf("%-28s", label);
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0 || line.rfind("RssAnon:", 0) == 0 ||
        line.rfind("RssFile:", 0) == 0) {
      std::string value = line.substr(line.find(':') + 1);
      value.erase(0, value.find_first_not_of(" \t"));
      std::printf("  %s %s", line.substr(0, line.find(':')).c_str(), value.c_str());
    }
  }
  std::printf("\n");
}

}  // namespace

int main() {
  PrintMemory("libraries mapped:");
  // Opening a session runs init_snmp(); the peer is never contacted.
  auto client = periscope::snmp::SnmpClient::Open(
      "udp:127.0.0.1:9", periscope::snmp::Credentials{"public", "", "", ""});
  PrintMemory("after init_snmp():");
  return client.ok() ? 0 : 1;
}
