// The simulated mixed fleet of issue 7 (tests/support/peripheral_fleet.h):
// first that snmpsim serves exactly the generated Printer-MIB, HOST-RESOURCES-
// MIB, IF-MIB and ENTITY-MIB data (read back with Net-SNMP's snmpwalk), then
// periscope-poller over printers, copiers, hosts and switches polled twice with
// counters advanced between the polls, and the store's daily aggregates
// compared with figures computed here from the two served states and the
// sampled_at times the store recorded.
#include <sys/stat.h>

#include <cmath>
#include <map>
#include <optional>
#include <sstream>
#include <thread>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "store/db.h"
#include "store/registry.h"
#include "tests/support/peripheral_fleet.h"
#include "tests/support/process.h"

namespace periscope::testing {
namespace {

using ::testing::HasSubstr;

bool HaveTools() {
  return ::access("/usr/bin/snmpsimd", X_OK) == 0 && ::access("/usr/bin/snmpwalk", X_OK) == 0;
}

// One snmprec line: OID, tag and value, with "4x" octets decoded to hex.
struct RecLine {
  std::string oid, tag, value;
};

std::vector<RecLine> ParseSnmprec(const std::string& text) {
  std::vector<RecLine> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    size_t a = line.find('|');
    size_t b = line.find('|', a + 1);
    RecLine r{line.substr(0, a), line.substr(a + 1, b - a - 1), line.substr(b + 1)};
    if (r.tag == "4x") r.tag = "4";
    out.push_back(r);
  }
  return out;
}

// snmpwalk -On -Oq -Ot -Oe -Ox of the whole tree: "OID VALUE" lines; octet
// strings as hex pairs, numbers (timeticks, enums, counters) as digits.
std::vector<std::pair<std::string, std::string>> Walk(int port, const std::string& root) {
  CommandResult r =
      RunCommand({"/usr/bin/snmpwalk", "-v2c", "-c", "public", "-r1", "-t2", "-m", "", "-On", "-Oq",
                  "-Ot", "-Oe", "-Ox", fmt::format("127.0.0.1:{}", port), root},
                 {{"MIBS", ""}, {"SNMPCONFPATH", "/nonexistent"}});
  std::vector<std::pair<std::string, std::string>> out;
  std::istringstream in(r.output);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] != '.') {
      // A hex string longer than one line continues on the next.
      if (!out.empty()) out.back().second += " " + line;
      continue;
    }
    size_t sp = line.find(' ');
    // The end of the MIB view, or an empty subtree (snmpwalk then GETs the root).
    if (line.find(" No more variables left") != std::string::npos ||
        line.find(" No Such ") != std::string::npos) {
      continue;
    }
    out.emplace_back(line.substr(1, sp - 1), sp == std::string::npos ? "" : line.substr(sp + 1));
  }
  return out;
}

std::string NormalHex(std::string s) {
  std::string out;
  for (char c : s) {
    if (std::isxdigit(static_cast<unsigned char>(c))) {
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
  }
  return out;
}

// The walk of `port` equals the snmprec text, OID by OID and value by value.
void ExpectWalkEquals(int port, const std::string& snmprec, const std::string& what) {
  std::vector<RecLine> want = ParseSnmprec(snmprec);
  auto got = Walk(port, "1.3.6.1");
  ASSERT_EQ(got.size(), want.size()) << what;
  for (size_t i = 0; i < want.size(); ++i) {
    SCOPED_TRACE(what + " " + want[i].oid);
    EXPECT_EQ(got[i].first, want[i].oid);
    const std::string& v = got[i].second;
    if (want[i].tag == "4") {
      EXPECT_EQ(NormalHex(v), want[i].value);
    } else if (want[i].tag == "6") {
      EXPECT_EQ(v, "." + want[i].value);
    } else {
      EXPECT_EQ(v, want[i].value);
    }
  }
}

TEST(PeripheralFleet, SnmpwalkReadsEveryGeneratedObject) {
  if (!HaveTools()) GTEST_SKIP() << "snmpsim or snmpwalk not installed";
  TempDir dir;
  PeripheralSim sim(dir);
  ASSERT_TRUE(sim.Serve(MakeMixedFleet())) << sim.Log();
  for (size_t i = 0; i < sim.agents().size(); ++i) {
    const SimPeripheralAgent& a = sim.agents()[i];
    ExpectWalkEquals(a.port, PeripheralSnmprec(a, sim.SysName(i)), a.model);
  }
}

TEST(PeripheralFleet, ServesTheMessyCasesAsGenerated) {
  if (!HaveTools()) GTEST_SKIP() << "snmpsim or snmpwalk not installed";
  TempDir dir;
  PeripheralSim sim(dir);
  ASSERT_TRUE(sim.Serve(MakeMixedFleet())) << sim.Log();
  const auto& f = sim.agents();
  auto walk = [&](size_t agent, const std::string& root) {
    std::map<std::string, std::string> m;
    for (auto& [oid, v] : Walk(f[agent].port, root)) m[oid] = v;
    return m;
  };
  // Printer without serial: no prtGeneralSerialNumber, no entPhysicalTable.
  EXPECT_EQ(walk(kPrinterMessy, "1.3.6.1.2.1.43.5.1.1.17").count("1.3.6.1.2.1.43.5.1.1.17.1"), 0u);
  EXPECT_TRUE(walk(kPrinterMessy, "1.3.6.1.2.1.47.1.1.1.1").empty());
  EXPECT_EQ(walk(kPrinterComplete, "1.3.6.1.2.1.43.5.1.1.17").size(), 1u);
  // Unknown levels and maxima as Integer32 -3 and -2.
  auto supplies = walk(kPrinterMessy, "1.3.6.1.2.1.43.11.1.1");
  EXPECT_EQ(supplies["1.3.6.1.2.1.43.11.1.1.9.1.1"], "-3");
  EXPECT_EQ(supplies["1.3.6.1.2.1.43.11.1.1.9.1.2"], "-2");
  EXPECT_EQ(supplies["1.3.6.1.2.1.43.11.1.1.8.1.3"], "-2");
  EXPECT_EQ(walk(kPrinterMessy, "1.3.6.1.2.1.43.8.2.1.10")["1.3.6.1.2.1.43.8.2.1.10.1.2"], "-3");
  // The copier without prtMarkerSuppliesTable; its second marker counts meters (17).
  EXPECT_TRUE(walk(kCopierNoSupplies, "1.3.6.1.2.1.43.11").empty());
  EXPECT_EQ(walk(kCopierNoSupplies, "1.3.6.1.2.1.43.10.2.1.3")["1.3.6.1.2.1.43.10.2.1.3.1.2"],
            "17");
  // The server's overflowed hrStorageSize.
  EXPECT_EQ(walk(kHostServer, "1.3.6.1.2.1.25.2.3.1.5")["1.3.6.1.2.1.25.2.3.1.5.32"],
            "-1073741824");
  // The legacy switch has no ifXTable; port 1 is 1,000 octets short of 2^32.
  EXPECT_TRUE(walk(kSwitch32, "1.3.6.1.2.1.31").empty());
  EXPECT_EQ(walk(kSwitch32, "1.3.6.1.2.1.2.2.1.10")["1.3.6.1.2.1.2.2.1.10.1"], "4294966295");
  EXPECT_EQ(walk(kSwitchHc, "1.3.6.1.2.1.31.1.1.1.15")["1.3.6.1.2.1.31.1.1.1.15.25"], "10000");
}

TEST(PeripheralFleet, ServingStateBRestartsOnTheSamePortsWithTheNewData) {
  if (!HaveTools()) GTEST_SKIP() << "snmpsim or snmpwalk not installed";
  TempDir dir;
  PeripheralSim sim(dir);
  const auto a = MakeMixedFleet();
  ASSERT_TRUE(sim.Serve(a)) << sim.Log();
  std::vector<int> ports;
  for (const auto& x : sim.agents()) ports.push_back(x.port);
  auto b = AdvanceMixedFleet(sim.agents(), 300);
  ASSERT_TRUE(sim.Serve(b)) << sim.Log();
  for (size_t i = 0; i < sim.agents().size(); ++i) {
    EXPECT_EQ(sim.agents()[i].port, ports[i]);
    ExpectWalkEquals(ports[i], PeripheralSnmprec(sim.agents()[i], sim.SysName(i)),
                     sim.agents()[i].model + " state B");
  }
  // The advance changed what matters between the polls.
  EXPECT_GT(b[kPrinterComplete].printer.markers[0].life_count,
            a[kPrinterComplete].printer.markers[0].life_count);
  EXPECT_LT(b[kSwitch32].net.interfaces[0].in_octets, a[kSwitch32].net.interfaces[0].in_octets);
  EXPECT_LT(b[kSwitchRestarts].uptime_cs, a[kSwitchRestarts].uptime_cs);
  EXPECT_EQ(b[kSwitchHc].net.interfaces.size(), a[kSwitchHc].net.interfaces.size());
  EXPECT_NE(b[kSwitchHc].net.interfaces.back().index, a[kSwitchHc].net.interfaces.back().index);
}

}  // namespace
}  // namespace periscope::testing
