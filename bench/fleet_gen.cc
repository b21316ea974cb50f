// fleet_gen: writes a simulated fleet for snmpsim (demo and benchmarks).
//
//   fleet_gen --out DIR [--agents N] [--customers N] [--days N] [--processes N]
//             [--patterns]
//
// --patterns: the demo fleet (tests/support/demo_fleet.h, docs/demo-history.md):
// --days days of generated history with growth patterns ending today, and two
// sales persons, each assigned every other customer.
//
// Writes DIR/data/public/1.3.6.1.6.1.1.<i>.snmprec (one per agent, free
// loopback UDP ports chosen now), DIR/staff.csv, DIR/customers.csv,
// DIR/targets.csv (profile "sim-v2c"), and DIR/snmpsim-<p>.args: the snmpsimd
// arguments of process p (endpoints and --transport-id-offset).
#include <sys/stat.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>

#include <fmt/format.h>

#include "core/clock.h"
#include "tests/support/demo_fleet.h"
#include "tests/support/fleet.h"
#include "tests/support/process.h"

int main(int argc, char** argv) {
  std::string out;
  size_t agents = 20, customers = 5, days = 7, processes = 1;
  bool patterns = false;
  for (int i = 1; i < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--patterns") {
      patterns = true;
      --i;
      continue;
    }
    if (i + 1 >= argc) {
      std::fprintf(stderr, "fleet_gen: %s needs a value\n", flag.c_str());
      return 2;
    }
    std::string value = argv[i + 1];
    if (flag == "--out") {
      out = value;
    } else if (flag == "--agents") {
      agents = std::strtoul(value.c_str(), nullptr, 10);
    } else if (flag == "--customers") {
      customers = std::strtoul(value.c_str(), nullptr, 10);
    } else if (flag == "--days") {
      days = std::strtoul(value.c_str(), nullptr, 10);
    } else if (flag == "--processes") {
      processes = std::strtoul(value.c_str(), nullptr, 10);
    } else {
      std::fprintf(stderr, "fleet_gen: unknown flag %s\n", flag.c_str());
      return 2;
    }
  }
  if (out.empty() || agents == 0 || customers == 0 || processes == 0) {
    std::fputs(
        "usage: fleet_gen --out DIR [--agents N] [--customers N] [--days N] [--processes N]\n",
        stderr);
    return 2;
  }
  using periscope::testing::WriteTextFile;
  auto fleet = patterns
                   ? periscope::testing::MakeDemoFleet(
                         agents, customers, static_cast<uint32_t>(days),
                         periscope::LocalDate(std::chrono::system_clock::now()))
                   : periscope::testing::MakeFleet(agents, customers, static_cast<uint32_t>(days));
  std::string data = out + "/data/public";
  ::mkdir(out.c_str(), 0755);
  ::mkdir((out + "/data").c_str(), 0755);
  ::mkdir(data.c_str(), 0755);
  std::set<int> used;
  std::string targets = "address,port,profile,customer_user_id\n";
  std::string customers_csv = "user_id,name,contact_person,email,phone,address,sales_email\n";
  std::set<std::string> seen;
  for (size_t i = 0; i < fleet.size(); ++i) {
    int port;
    do {
      port = periscope::testing::FreeUdpPort();
    } while (!used.insert(port).second);
    fleet[i].port = port;
    WriteTextFile(fmt::format("{}/1.3.6.1.6.1.1.{}.snmprec", data, i),
                  periscope::testing::SnmprecFor(fleet[i]));
    targets += fmt::format("127.0.0.1,{},sim-v2c,{}\n", port, fleet[i].customer);
    if (seen.insert(fleet[i].customer).second) {
      const char* sales =
          patterns && seen.size() % 2 == 0 ? "sales2@vendor.example" : "sales@vendor.example";
      customers_csv += fmt::format("{},Simulated customer {},Contact,it@{}.example,,,{}\n",
                                   fleet[i].customer, fleet[i].customer, fleet[i].customer, sales);
    }
  }
  WriteTextFile(out + "/targets.csv", targets);
  WriteTextFile(out + "/customers.csv", customers_csv);
  WriteTextFile(out + "/staff.csv",
                "name,email,role\nHanako Sato,sales@vendor.example,sales\n"
                "Jiro Tanaka,sales2@vendor.example,sales\n"
                "Taro Suzuki,support@vendor.example,support\n");
  size_t per = (fleet.size() + processes - 1) / processes;
  for (size_t p = 0; p * per < fleet.size(); ++p) {
    std::string args = fmt::format("--transport-id-offset={}\n", p * per);
    for (size_t i = p * per; i < std::min(fleet.size(), (p + 1) * per); ++i) {
      args += fmt::format("--agent-udpv4-endpoint=127.0.0.1:{}\n", fleet[i].port);
    }
    WriteTextFile(fmt::format("{}/snmpsim-{}.args", out, p), args);
  }
  std::printf("fleet_gen: %zu agents for %zu customers in %s\n", fleet.size(), seen.size(),
              out.c_str());
  return 0;
}
