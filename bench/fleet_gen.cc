// fleet_gen: writes a simulated fleet for snmpsim (demo and benchmarks).
//
//   fleet_gen --out DIR [--agents N] [--customers N] [--days N] [--processes N]
//             [--patterns] [--peripherals N] [--claim-copiers N]
//
// --patterns: the demo fleet (tests/support/demo_fleet.h, docs/demo-history.md):
// --days days of generated history with growth patterns ending today, and two
// sales persons, each assigned every other customer.
//
// --peripherals N: N more agents after the periscope ones, serving printers,
// copiers, hosts and switches (tests/support/peripheral_fleet.h); --agents 0
// gives a fleet of peripherals only. targets.csv then has the columns enabled
// and kind. With --patterns they are the demo's peripherals (PRN-3500,
// CPY-6000, PC-200, SW-1024, customer cust-01) in their state now of a
// history of --days days, and DIR/peripherals.csv (which,port,customer,
// origin,days) lets bench/peripheral_backfill write that history's earlier
// readings into a store (docs/demo-history.md).
//
// --claim-copiers N: a claim fleet after those (tests/support/claim_fleet.h
// MakeClaimFleet, seed 3): the claimed CPY-6000 (customer cust-01), N CPY-6000
// peers, 3 CPY-4500 copiers and one CPY-6000 serving garbage, customers
// cycling over cust-01 .. cust-<--customers>; kind printer in targets.csv.
// DIR/claim.csv (role,serial,customer,port; role claimed, peer, other-model
// or garbage) names them, so that scripts find the claimed device's serial.
//
// Writes DIR/data/public/1.3.6.1.6.1.1.<i>.snmprec (one per agent, free
// loopback UDP ports chosen now), DIR/staff.csv, DIR/customers.csv,
// DIR/targets.csv (profile "sim-v2c"), and DIR/snmpsim-<p>.args: the snmpsimd
// arguments of process p (endpoints and --transport-id-offset).
#include <sys/stat.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <set>
#include <string>

#include <fmt/format.h>

#include "core/clock.h"
#include "tests/support/claim_fleet.h"
#include "tests/support/demo_fleet.h"
#include "tests/support/fleet.h"
#include "tests/support/peripheral_fleet.h"
#include "tests/support/process.h"

int main(int argc, char** argv) {
  std::string out;
  size_t agents = 20, customers = 5, days = 7, processes = 1, peripherals = 0;
  size_t claim_copiers = 0;
  bool claim = false;
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
    } else if (flag == "--peripherals") {
      peripherals = std::strtoul(value.c_str(), nullptr, 10);
    } else if (flag == "--claim-copiers") {
      claim_copiers = std::strtoul(value.c_str(), nullptr, 10);
      claim = true;
    } else if (flag == "--processes") {
      processes = std::strtoul(value.c_str(), nullptr, 10);
    } else {
      std::fprintf(stderr, "fleet_gen: unknown flag %s\n", flag.c_str());
      return 2;
    }
  }
  if (out.empty() || (agents + peripherals == 0 && !claim) || customers == 0 || processes == 0) {
    std::fputs(
        "usage: fleet_gen --out DIR [--agents N] [--customers N] [--days N] [--processes N]\n"
        "                 [--patterns] [--peripherals N] [--claim-copiers N]\n",
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
  const bool kinds = peripherals > 0 || claim;
  std::string targets = !kinds ? "address,port,profile,customer_user_id\n"
                               : "address,port,profile,customer_user_id,enabled,kind\n";
  const std::string periscope_kind = !kinds ? "" : ",yes,periscope";
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
    targets += fmt::format("127.0.0.1,{},sim-v2c,{}{}\n", port, fleet[i].customer, periscope_kind);
    if (seen.insert(fleet[i].customer).second) {
      const char* sales =
          patterns && seen.size() % 2 == 0 ? "sales2@vendor.example" : "sales@vendor.example";
      customers_csv += fmt::format("{},Simulated customer {},Contact,it@{}.example,,,{}\n",
                                   fleet[i].customer, fleet[i].customer, fleet[i].customer, sales);
    }
  }
  // The peripherals: their history starts at local midnight `days` days ago.
  const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  std::time_t now_t = static_cast<std::time_t>(now);
  std::tm midnight{};
  ::localtime_r(&now_t, &midnight);
  midnight.tm_hour = midnight.tm_min = midnight.tm_sec = 0;
  midnight.tm_isdst = -1;
  const int64_t origin =
      static_cast<int64_t>(std::mktime(&midnight)) - static_cast<int64_t>(days) * 86'400;
  std::vector<periscope::testing::SimPeripheralAgent> extra;
  if (patterns) {
    for (size_t k = 0; k < peripherals; ++k) {
      extra.push_back(periscope::testing::DemoPeripheralAt(k, "cust-01", origin,
                                                           static_cast<int64_t>(days), now));
    }
  } else {
    extra = periscope::testing::MakePeripheralFleet(peripherals, customers);
  }
  std::string peripherals_csv = "which,port,customer,origin,days\n";
  for (size_t k = 0; k < extra.size(); ++k) {
    int port;
    do {
      port = periscope::testing::FreeUdpPort();
    } while (!used.insert(port).second);
    extra[k].port = port;
    const size_t i = fleet.size() + k;
    WriteTextFile(fmt::format("{}/1.3.6.1.6.1.1.{}.snmprec", data, i),
                  periscope::testing::PeripheralSnmprec(extra[k], fmt::format("sim-{}", port)));
    targets += fmt::format("127.0.0.1,{},sim-v2c,{},yes,{}\n", port, extra[k].customer,
                           periscope::testing::KindName(extra[k].kind));
    peripherals_csv += fmt::format("{},{},{},{},{}\n", k, port, extra[k].customer, origin, days);
    if (seen.insert(extra[k].customer).second) {
      customers_csv +=
          fmt::format("{},Simulated customer {},Contact,it@{}.example,,,{}\n", extra[k].customer,
                      extra[k].customer, extra[k].customer, "sales@vendor.example");
    }
  }
  if (patterns && peripherals > 0) WriteTextFile(out + "/peripherals.csv", peripherals_csv);
  // The claim fleet: its customers cycle over the fleet's names (cust-01 ...).
  std::vector<periscope::testing::SimPeripheralAgent> claim_agents;
  if (claim) {
    periscope::testing::ClaimFleetSpec spec;
    spec.model_a_peers = claim_copiers;
    spec.model_b = 3;
    spec.garbage = true;
    spec.customers.clear();
    for (size_t c = 0; c < customers; ++c) {
      spec.customers.push_back(fmt::format("cust-{:02}", c + 1));
    }
    const periscope::testing::ClaimFleet claim_fleet = periscope::testing::MakeClaimFleet(spec);
    claim_agents = periscope::testing::ClaimCopierAgents(claim_fleet.copiers);
    std::string claim_csv = "role,serial,customer,port\n";
    for (size_t k = 0; k < claim_agents.size(); ++k) {
      const periscope::testing::ClaimCopier& copier = claim_fleet.copiers[k];
      int port;
      do {
        port = periscope::testing::FreeUdpPort();
      } while (!used.insert(port).second);
      claim_agents[k].port = port;
      const size_t i = fleet.size() + extra.size() + k;
      WriteTextFile(
          fmt::format("{}/1.3.6.1.6.1.1.{}.snmprec", data, i),
          periscope::testing::PeripheralSnmprec(claim_agents[k], fmt::format("sim-{}", port)));
      targets += fmt::format("127.0.0.1,{},sim-v2c,{},yes,{}\n", port, copier.customer,
                             periscope::testing::KindName(claim_agents[k].kind));
      const char* role = k == claim_fleet.claimed                           ? "claimed"
                         : claim_fleet.garbage && k == *claim_fleet.garbage ? "garbage"
                         : copier.model != periscope::testing::kClaimModelA ? "other-model"
                                                                            : "peer";
      claim_csv += fmt::format("{},{},{},{}\n", role, copier.serial, copier.customer, port);
      if (seen.insert(copier.customer).second) {
        customers_csv +=
            fmt::format("{},Simulated customer {},Contact,it@{}.example,,,{}\n", copier.customer,
                        copier.customer, copier.customer, "sales@vendor.example");
      }
    }
    WriteTextFile(out + "/claim.csv", claim_csv);
  }
  WriteTextFile(out + "/targets.csv", targets);
  WriteTextFile(out + "/customers.csv", customers_csv);
  WriteTextFile(out + "/staff.csv",
                "name,email,role\nHanako Sato,sales@vendor.example,sales\n"
                "Jiro Tanaka,sales2@vendor.example,sales\n"
                "Taro Suzuki,support@vendor.example,support\n");
  std::vector<int> ports;
  for (const auto& a : fleet) ports.push_back(a.port);
  for (const auto& a : extra) ports.push_back(a.port);
  for (const auto& a : claim_agents) ports.push_back(a.port);
  size_t per = (ports.size() + processes - 1) / processes;
  for (size_t p = 0; p * per < ports.size(); ++p) {
    std::string args = fmt::format("--transport-id-offset={}\n", p * per);
    for (size_t i = p * per; i < std::min(ports.size(), (p + 1) * per); ++i) {
      args += fmt::format("--agent-udpv4-endpoint=127.0.0.1:{}\n", ports[i]);
    }
    WriteTextFile(fmt::format("{}/snmpsim-{}.args", out, p), args);
  }
  std::printf(
      "fleet_gen: %zu agents (%zu peripherals, %zu claim copiers) for %zu customers in %s\n",
      ports.size(), extra.size(), claim_agents.size(), seen.size(), out.c_str());
  return 0;
}
