// The simulated mixed fleet of issue 7 (tests/support/peripheral_fleet.h):
// first that snmpsim serves exactly the generated Printer-MIB, HOST-RESOURCES-
// MIB, IF-MIB and ENTITY-MIB data (read back with Net-SNMP's snmpwalk), then
// periscope-poller over printers, copiers, hosts and switches polled twice with
// counters advanced between the polls, and the store's daily aggregates
// compared with figures computed here from the two served states and the
// sampled_at times the store recorded.
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cmath>
#include <ctime>
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
#include "tests/support/test_store.h"

namespace periscope::testing {
namespace {

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

// ---- periscope-poller end to end ----
//
// Needs the other parts of issue 7: the targets CSV `kind` column (store),
// the peripheral walks and decoders (poller, poller/peripheral_decode.h) and
// PollWriter::RecordPeripherals with its daily aggregates (store). Without
// them the import refuses the `kind` column, or the polls store no metric, and
// this test fails. Everything asserted below follows store/metrics.h and
// poller/peripheral_decode.h; the expected figures come from the served
// states A and B and the stored sampled_at times only.

std::string PollerBinary() { return BinaryDir() + "/poller/periscope-poller"; }
std::string StoreBinary() { return BinaryDir() + "/store/periscope-store"; }

constexpr double kTwoTo32 = 4294967296.0;

// `text` fit for an XML attribute value (a PostgreSQL URI has '&').
std::string XmlAttr(std::string text) {
  for (size_t at = text.find('&'); at != std::string::npos; at = text.find('&', at + 1)) {
    text.replace(at, 1, "&amp;");
  }
  return text;
}

class PeripheralPollTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // An SQLite file, or a PostgreSQL database in the /pg run.
    PERISCOPE_TEST_STORE_OR_RETURN(db_, dir_, "p.db");
    config_ = dir_.File("poller.xml");
    WriteTextFile(config_, fmt::format(R"(<periscope-poller>
  <database path="{}"/>
  <polling window="16" timeout-ms="1000" retries="2"/>
  <profile name="v2" version="2c" community="public"/>
</periscope-poller>
)",
                                       XmlAttr(db_)));
    ::chmod(config_.c_str(), 0600);
  }

  void Import(const std::vector<SimPeripheralAgent>& agents) {
    std::string customers = "user_id,name,contact_person,email,phone,address,sales_email\n";
    std::map<std::string, bool> seen;
    std::string targets = "address,port,profile,customer_user_id,enabled,kind\n";
    for (const SimPeripheralAgent& a : agents) {
      if (!seen[a.customer]) {
        customers += fmt::format("{},Customer {},,,,,sales@v.example\n", a.customer, a.customer);
        seen[a.customer] = true;
      }
      targets += fmt::format("127.0.0.1,{},v2,{},yes,{}\n", a.port, a.customer, KindName(a.kind));
    }
    WriteTextFile(dir_.File("staff.csv"), "name,email,role\nSales,sales@v.example,sales\n");
    WriteTextFile(dir_.File("customers.csv"), customers);
    WriteTextFile(dir_.File("targets.csv"), targets);
    CommandResult init = RunCommand({StoreBinary(), "--db", db_, "init"});
    ASSERT_EQ(init.exit_code, 0) << init.output;
    for (const char* what : {"staff", "customers", "targets"}) {
      CommandResult r = RunCommand(
          {StoreBinary(), "--db", db_, "import", what, dir_.File(std::string(what) + ".csv")});
      ASSERT_EQ(r.exit_code, 0) << what << ": " << r.output;
    }
  }

  nlohmann::json Poll() {
    CommandResult r = RunCommand({PollerBinary(), "-c", config_, "--json"});
    EXPECT_EQ(r.exit_code, 0) << r.output;
    nlohmann::json out = nlohmann::json::object();
    std::istringstream lines(r.output);
    for (std::string line; std::getline(lines, line);) {
      if (!line.empty() && line[0] == '{') out = nlohmann::json::parse(line, nullptr, false);
    }
    return out;
  }

  store::TextTable Query(const std::string& sql, const std::vector<std::string>& params = {}) {
    auto db = store::Db::OpenReader(db_);
    EXPECT_TRUE(db.ok());
    if (!db.ok()) return {};
    auto t = store::Query(**db, sql, params);
    EXPECT_TRUE(t.ok()) << t.status().message();
    return t.ok() ? *t : store::TextTable{};
  }

  std::string Scalar(const std::string& sql, const std::vector<std::string>& params = {}) {
    auto t = Query(sql, params);
    return t.rows.empty() || t.rows[0].empty() ? "" : t.rows[0][0];
  }

  // The device ids stored for the target on `port`.
  std::vector<std::string> DevicesOf(int port) {
    std::vector<std::string> out;
    for (auto& row : Query("SELECT d.id FROM devices d JOIN targets t ON t.id = d.target_id "
                           "WHERE t.port = ? ORDER BY d.id",
                           {std::to_string(port)})
                         .rows) {
      out.push_back(row[0]);
    }
    return out;
  }

  // sampled_at -> value (counters read back as unsigned).
  std::map<int64_t, uint64_t> Samples(const std::string& device, std::string_view metric,
                                      const std::string& instance) {
    std::map<int64_t, uint64_t> out;
    for (auto& row : Query("SELECT sampled_at, value FROM metric_samples WHERE device_id = ? AND "
                           "metric = ? AND instance = ? ORDER BY sampled_at",
                           {device, std::string(metric), instance})
                         .rows) {
      out[std::stoll(row[0])] = static_cast<uint64_t>(std::stoll(row[1]));
    }
    return out;
  }

  // The metric's daily rows summed over every day polled.
  struct Days {
    size_t rows = 0;
    double total = 0;
    int64_t intervals = 0, covered_s = 0, discontinuities = 0;
    std::optional<double> peak_delta, peak_rate_per_s, capacity_per_s, last;
  };
  Days DaysOf(const std::string& device, std::string_view metric, const std::string& instance) {
    Days d;
    auto t = Query(
        "SELECT total, intervals, covered_s, discontinuities, peak_delta, peak_rate_per_s, "
        "capacity_per_s, last_value FROM metric_daily WHERE device_id = ? AND metric = ? AND "
        "instance = ? ORDER BY date",
        {device, std::string(metric), instance});
    for (auto& r : t.rows) {
      ++d.rows;
      d.total += std::stod(r[0]);
      d.intervals += std::stoll(r[1]);
      d.covered_s += std::stoll(r[2]);
      d.discontinuities += std::stoll(r[3]);
      auto max = [](std::optional<double>& into, const std::string& v) {
        if (!v.empty()) into = std::max(into.value_or(0.0), std::stod(v));
      };
      max(d.peak_delta, r[4]);
      max(d.peak_rate_per_s, r[5]);
      if (!r[6].empty()) d.capacity_per_s = std::stod(r[6]);
      if (!r[7].empty()) d.last = std::stod(r[7]);
    }
    return d;
  }

  // The two sampled_at times of a device (the polls' times for its target).
  std::pair<int64_t, int64_t> PollTimes(const std::string& device) {
    auto t = Query("SELECT DISTINCT sampled_at FROM metric_samples WHERE device_id = ? ORDER BY 1",
                   {device});
    EXPECT_EQ(t.rows.size(), 2u) << "device " << device;
    if (t.rows.size() != 2) return {0, 0};
    return {std::stoll(t.rows[0][0]), std::stoll(t.rows[1][0])};
  }

  // A counter polled at t1 and t2 with no discontinuity: one interval whose
  // delta is `delta`, rate delta/dt, the day's capacity `capacity_per_s`.
  void ExpectCounter(const std::string& device, std::string_view metric,
                     const std::string& instance, uint64_t a, uint64_t b, double delta,
                     std::optional<double> capacity_per_s, int64_t dt) {
    SCOPED_TRACE(fmt::format("{} {} device {}", metric, instance, device));
    auto s = Samples(device, metric, instance);
    ASSERT_EQ(s.size(), 2u);
    EXPECT_EQ(s.begin()->second, a);
    EXPECT_EQ(s.rbegin()->second, b);
    Days d = DaysOf(device, metric, instance);
    EXPECT_DOUBLE_EQ(d.total, delta);
    EXPECT_EQ(d.intervals, 1);
    EXPECT_EQ(d.covered_s, dt);
    EXPECT_EQ(d.discontinuities, 0);
    ASSERT_TRUE(d.peak_delta.has_value());
    EXPECT_DOUBLE_EQ(*d.peak_delta, delta);
    ASSERT_TRUE(d.peak_rate_per_s.has_value());
    EXPECT_NEAR(*d.peak_rate_per_s, delta / static_cast<double>(dt), 1e-6 * delta);
    if (capacity_per_s) {
      ASSERT_TRUE(d.capacity_per_s.has_value());
      EXPECT_DOUBLE_EQ(*d.capacity_per_s, *capacity_per_s);
      // Peak utilisation: delta * 8 bits over dt seconds at the interface speed.
      double expected_pct = delta * 8.0 / (static_cast<double>(dt) * *capacity_per_s * 8.0) * 100.0;
      EXPECT_NEAR(*d.peak_rate_per_s / *d.capacity_per_s * 100.0, expected_pct, 1e-6);
      EXPECT_LE(expected_pct, 100.0);
    }
  }

  TempDir dir_;
  std::string db_, config_;
};

int64_t SupplyPct(const SimSupply& s) {
  return std::llround(static_cast<double>(s.level) * 100.0 / static_cast<double>(s.max));
}

TEST_F(PeripheralPollTest, MixedFleetPolledTwiceHasDailyFiguresFromTheServedStates) {
  if (!HaveTools()) GTEST_SKIP() << "snmpsim or snmpwalk not installed";
  PeripheralSim sim(dir_);
  ASSERT_TRUE(sim.Serve(MakeMixedFleet())) << sim.Log();
  const std::vector<SimPeripheralAgent> a = sim.agents();
  ASSERT_NO_FATAL_FAILURE(Import(a));

  nlohmann::json first = Poll();
  EXPECT_EQ(first["targets"], a.size()) << first.dump();
  EXPECT_EQ(first["ok"], a.size()) << first.dump();
  EXPECT_EQ(first["failed"], 0) << first.dump();

  // At least two seconds between the polls' sampled_at, then state B.
  const int64_t before = std::time(nullptr);
  while (std::time(nullptr) < before + 2)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ASSERT_TRUE(sim.Serve(AdvanceMixedFleet(a, 3))) << sim.Log();
  const std::vector<SimPeripheralAgent> b = sim.agents();
  nlohmann::json second = Poll();
  EXPECT_EQ(second["ok"], b.size()) << second.dump();

  // Identity, kind and model of every peripheral, as served.
  std::vector<std::string> dev(a.size());
  for (size_t i = 0; i < a.size(); ++i) {
    SCOPED_TRACE(a[i].model + " on port " + std::to_string(a[i].port));
    auto ids = DevicesOf(a[i].port);
    ASSERT_EQ(ids.size(), 1u) << "one stable identity across both polls";
    dev[i] = ids[0];
    EXPECT_EQ(Scalar("SELECT kind FROM devices WHERE id = ?", {dev[i]}), KindName(a[i].kind));
    EXPECT_EQ(Scalar("SELECT model FROM peripheral_specs WHERE device_id = ? "
                     "ORDER BY seen_from DESC, id DESC LIMIT 1",
                     {dev[i]}),
              a[i].model);
    std::string serial = Scalar("SELECT serial_number FROM devices WHERE id = ?", {dev[i]});
    EXPECT_FALSE(serial.empty());
    if (!a[i].serial.empty() && a[i].kind != SimPeripheralKind::kHost) {
      EXPECT_EQ(serial, a[i].serial);
    }
  }

  // Printers: pages = life count delta; supplies in percent; trays as served.
  for (size_t i : {kPrinterComplete, kPrinterMessy, kCopierComplete, kCopierNoSupplies}) {
    SCOPED_TRACE(a[i].model + " agent " + std::to_string(i));
    auto [t1, t2] = PollTimes(dev[i]);
    const SimMarker& ma = a[i].printer.markers[0];
    const SimMarker& mb = b[i].printer.markers[0];
    ExpectCounter(dev[i], "pages", "1", ma.life_count, mb.life_count,
                  static_cast<double>(mb.life_count - ma.life_count), std::nullopt, t2 - t1);
    for (size_t k = 0; k < a[i].printer.supplies.size(); ++k) {
      const SimSupply& sa = a[i].printer.supplies[k];
      const SimSupply& sb = b[i].printer.supplies[k];
      auto s = Samples(dev[i], "supply_level_pct", std::to_string(sa.index));
      if (sa.level < 0 || sa.max <= 0) {
        EXPECT_TRUE(s.empty()) << "unknown level or maximum of supply " << sa.index;
        continue;
      }
      ASSERT_EQ(s.size(), 2u) << "supply " << sa.index;
      EXPECT_EQ(static_cast<int64_t>(s.at(t1)), SupplyPct(sa)) << "supply " << sa.index;
      EXPECT_EQ(static_cast<int64_t>(s.at(t2)), SupplyPct(sb)) << "supply " << sa.index;
      Days d = DaysOf(dev[i], "supply_level_pct", std::to_string(sa.index));
      ASSERT_TRUE(d.last.has_value());
      EXPECT_DOUBLE_EQ(*d.last, static_cast<double>(SupplyPct(sb)));
    }
    for (size_t k = 0; k < a[i].printer.trays.size(); ++k) {
      const SimTray& ta = a[i].printer.trays[k];
      const SimTray& tb = b[i].printer.trays[k];
      auto s = Samples(dev[i], "tray_level", std::to_string(ta.index));
      if (ta.level < 0) {
        EXPECT_TRUE(s.empty()) << "tray " << ta.index << " level " << ta.level;
        continue;
      }
      ASSERT_EQ(s.size(), 2u) << "tray " << ta.index;
      EXPECT_EQ(s.at(t1), static_cast<uint64_t>(ta.level));
      EXPECT_EQ(s.at(t2), static_cast<uint64_t>(tb.level));
    }
  }
  // The copier without prtMarkerSuppliesTable has no supply figures; its
  // meter-counting marker is not pages.
  EXPECT_EQ(Scalar("SELECT count(*) FROM metric_samples WHERE device_id = ? AND metric = ?",
                   {dev[kCopierNoSupplies], "supply_level_pct"}),
            "0");
  EXPECT_TRUE(Samples(dev[kCopierNoSupplies], "pages", "2").empty());
  // The printer without a serial: a substitute identity (checked above) and a warning.
  EXPECT_NE(Scalar("SELECT count(*) FROM poll_warnings w JOIN targets t ON t.id = w.target_id "
                   "WHERE t.port = ?",
                   {std::to_string(a[kPrinterMessy].port)}),
            "0");
  // Alerts as served at the last poll.
  auto alerts = Query(
      "SELECT alert_index, severity, description FROM device_alerts WHERE "
      "device_id = ? ORDER BY alert_index",
      {dev[kPrinterComplete]});
  ASSERT_EQ(alerts.rows.size(), b[kPrinterComplete].printer.alerts.size());
  EXPECT_EQ(alerts.rows[0][1], "warning");
  EXPECT_EQ(alerts.rows[0][2], b[kPrinterComplete].printer.alerts[0].description);

  // Hosts: storage in bytes, processor loads.
  for (size_t i : {kHostPc, kHostServer}) {
    SCOPED_TRACE(a[i].model);
    auto [t1, t2] = PollTimes(dev[i]);
    for (const SimStorage& s : b[i].host.storage) {
      if (s.type == 3) continue;  // virtual memory: the poller may leave it out
      auto used = Samples(dev[i], "storage_used_bytes", s.descr);
      auto size = Samples(dev[i], "storage_size_bytes", s.descr);
      if (s.size < 0) {
        // An overflowed Integer32 size: not stored (a warning), or read as
        // unsigned; never a negative size or a used share above 100 %.
        for (auto& [at, v] : size) {
          EXPECT_DOUBLE_EQ(static_cast<double>(v),
                           (static_cast<double>(s.size) + kTwoTo32) * s.units)
              << s.descr;
        }
        if (!used.empty()) {
          EXPECT_EQ(used.rbegin()->second,
                    static_cast<uint64_t>(s.used) * static_cast<uint64_t>(s.units));
        }
        continue;
      }
      ASSERT_EQ(used.size(), 2u) << s.descr;
      EXPECT_EQ(used.at(t2), static_cast<uint64_t>(s.used) * static_cast<uint64_t>(s.units));
      ASSERT_EQ(size.size(), 2u) << s.descr;
      EXPECT_EQ(size.at(t2), static_cast<uint64_t>(s.size) * static_cast<uint64_t>(s.units));
    }
    double sum = 0;
    for (const SimProcessor& p : b[i].host.processors) {
      auto load = Samples(dev[i], "cpu_load_pct", std::to_string(p.device_index));
      ASSERT_EQ(load.size(), 2u) << p.device_index;
      EXPECT_EQ(load.at(t2), static_cast<uint64_t>(p.load));
      sum += p.load;
    }
    auto all = Samples(dev[i], "cpu_load_pct", "all");
    ASSERT_EQ(all.size(), 2u);
    EXPECT_NEAR(static_cast<double>(all.at(t2)),
                sum / static_cast<double>(b[i].host.processors.size()), 0.5);
  }
  // No gauge of any device is negative.
  EXPECT_EQ(
      Scalar("SELECT count(*) FROM metric_samples WHERE value < 0 AND metric NOT LIKE 'if_%'"),
      "0");

  // Switches with 64-bit counters: octet deltas, rates and utilisation.
  {
    const size_t i = kSwitchHc;
    auto [t1, t2] = PollTimes(dev[i]);
    std::map<uint32_t, const SimInterface*> in_b;
    for (const SimInterface& f : b[i].net.interfaces) in_b[f.index] = &f;
    for (const SimInterface& fa : a[i].net.interfaces) {
      auto it = in_b.find(fa.index);
      if (it == in_b.end()) {
        // The interface that vanished: its first reading and nothing after.
        auto s = Samples(dev[i], "if_in_octets", fa.name);
        ASSERT_EQ(s.size(), 1u) << fa.name;
        EXPECT_EQ(s.begin()->first, t1);
        EXPECT_EQ(DaysOf(dev[i], "if_in_octets", fa.name).intervals, 0);
        continue;
      }
      const SimInterface& fb = *it->second;
      double cap = fa.speed_mbps * 125'000.0;
      ExpectCounter(dev[i], "if_in_octets", fa.name, fa.in_octets, fb.in_octets,
                    static_cast<double>(fb.in_octets - fa.in_octets), cap, t2 - t1);
      ExpectCounter(dev[i], "if_out_octets", fa.name, fa.out_octets, fb.out_octets,
                    static_cast<double>(fb.out_octets - fa.out_octets), cap, t2 - t1);
    }
    // The interface that appeared: one reading, no usage yet.
    const SimInterface& vlan = b[i].net.interfaces.back();
    auto s = Samples(dev[i], "if_in_octets", vlan.name);
    ASSERT_EQ(s.size(), 1u) << vlan.name;
    EXPECT_EQ(s.begin()->first, t2);
    EXPECT_EQ(DaysOf(dev[i], "if_in_octets", vlan.name).total, 0.0);
  }
  // The legacy switch: 32-bit counters named by ifDescr; port 1 wrapped.
  {
    const size_t i = kSwitch32;
    auto [t1, t2] = PollTimes(dev[i]);
    for (size_t k = 0; k < a[i].net.interfaces.size(); ++k) {
      const SimInterface& fa = a[i].net.interfaces[k];
      const SimInterface& fb = b[i].net.interfaces[k];
      double cap = fa.speed_mbps * 125'000.0;
      // Deltas modulo 2^32, computed independently of the store's wrap rule.
      double in_delta = std::fmod(
          static_cast<double>(fb.in_octets) - static_cast<double>(fa.in_octets) + kTwoTo32,
          kTwoTo32);
      double out_delta = std::fmod(
          static_cast<double>(fb.out_octets) - static_cast<double>(fa.out_octets) + kTwoTo32,
          kTwoTo32);
      ExpectCounter(dev[i], "if_in_octets", fa.descr, fa.in_octets, fb.in_octets, in_delta, cap,
                    t2 - t1);
      ExpectCounter(dev[i], "if_out_octets", fa.descr, fa.out_octets, fb.out_octets, out_delta, cap,
                    t2 - t1);
    }
    EXPECT_LT(b[i].net.interfaces[0].in_octets, a[i].net.interfaces[0].in_octets)
        << "port 1 wrapped";
  }
  // The switch that restarted: every counter a discontinuity, no usage.
  {
    const size_t i = kSwitchRestarts;
    for (const SimInterface& f : a[i].net.interfaces) {
      for (std::string_view metric : {"if_in_octets", "if_out_octets"}) {
        SCOPED_TRACE(fmt::format("{} {}", metric, f.name));
        EXPECT_EQ(Samples(dev[i], metric, f.name).size(), 2u);
        Days d = DaysOf(dev[i], metric, f.name);
        EXPECT_EQ(d.total, 0.0);
        EXPECT_EQ(d.intervals, 0);
        EXPECT_GE(d.discontinuities, 1);
      }
    }
  }
  // The store stays consistent.
  CommandResult check = RunCommand({StoreBinary(), "--db", db_, "check"});
  EXPECT_EQ(check.exit_code, 0) << check.output;
}

}  // namespace
}  // namespace periscope::testing
