// periscope-poller against real agents: the subagent under snmpd, a simulated
// fleet (snmpsim), and hand-made misbehaving responders. Each test has its own
// temp dir, SQLite file and loopback ports.
#include <signal.h>
#include <sys/stat.h>

#include <map>
#include <sstream>
#include <thread>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "mib/periscope_oids.h"
#include "poller/engine.h"
#include "store/db.h"
#include "store/registry.h"
#include "store/schema.h"
#include "tests/support/agent_env.h"
#include "tests/support/bad_agent.h"
#include "tests/support/fleet.h"
#include "tests/support/test_store.h"

namespace periscope::testing {
namespace {

using std::chrono::seconds;
using ::testing::HasSubstr;

std::string PollerBinary() { return BinaryDir() + "/poller/periscope-poller"; }
std::string StoreBinary() { return BinaryDir() + "/store/periscope-store"; }

struct TargetRow {
  std::string address = "127.0.0.1";
  int port = 0;
  std::string profile;
  std::string customer;
};

// `text` fit for an XML attribute value (a PostgreSQL URI has '&').
std::string XmlAttr(std::string text) {
  for (size_t at = text.find('&'); at != std::string::npos; at = text.find('&', at + 1)) {
    text.replace(at, 1, "&amp;");
  }
  return text;
}

class PollerTest : public ::testing::Test {
 protected:
  // The store: an SQLite file, or a PostgreSQL database in the /pg run
  // (tests/support/test_store.h).
  void SetUp() override { PERISCOPE_TEST_STORE_OR_RETURN(db_, dir_, "h.db"); }

  // Writes the poller config (mode 600) with the given <polling> attributes.
  void WriteConfig(const std::string& polling = "window=\"64\" timeout-ms=\"500\" retries=\"1\"",
                   const std::string& extra_profiles = "", const std::string& db_extra = "") {
    config_ = dir_.File("poller.xml");
    WriteTextFile(config_,
                  fmt::format(R"(<periscope-poller>
  <database path="{}" {}/>
  <polling {}/>
  <profile name="v2" version="2c" community="public"/>
  <profile name="v2-wrong" version="2c" community="not-the-community"/>
  <profile name="v3" version="3" user="{}" auth="SHA-256" auth-pass="{}" priv="AES" priv-pass="{}"/>
  <profile name="v3-no-user" version="3" user="nobody-here" auth="SHA-256" auth-pass="{}" priv="AES" priv-pass="{}"/>
  <profile name="v3-bad-auth" version="3" user="{}" auth="SHA-256" auth-pass="wrong-auth-1" priv="AES" priv-pass="{}"/>
  <profile name="v3-bad-priv" version="3" user="{}" auth="SHA-256" auth-pass="{}" priv="AES" priv-pass="wrong-priv-1"/>
  <profile name="v3-strong" version="3" user="{}" auth="SHA-512" auth-pass="{}" priv="AES-256" priv-pass="{}"/>
  {}
</periscope-poller>
)",
                              XmlAttr(db_), db_extra, polling, kV3User, kV3AuthPass, kV3PrivPass,
                              kV3AuthPass, kV3PrivPass, kV3User, kV3PrivPass, kV3User, kV3AuthPass,
                              kV3StrongUser, kV3AuthPass, kV3PrivPass, extra_profiles));
    ::chmod(config_.c_str(), 0600);
  }

  // Imports staff, the customers named by `targets`, and the targets.
  void Import(const std::vector<TargetRow>& targets) {
    std::string customers = "user_id,name,contact_person,email,phone,address,sales_email\n";
    std::map<std::string, bool> seen;
    for (const TargetRow& t : targets) {
      if (seen[t.customer]) continue;
      seen[t.customer] = true;
      customers += fmt::format("{},Customer {},,,,,sales@v.example\n", t.customer, t.customer);
    }
    std::string rows = "address,port,profile,customer_user_id\n";
    for (const TargetRow& t : targets) {
      rows += fmt::format("{},{},{},{}\n", t.address, t.port, t.profile, t.customer);
    }
    WriteTextFile(dir_.File("staff.csv"), "name,email,role\nSales,sales@v.example,sales\n");
    WriteTextFile(dir_.File("customers.csv"), customers);
    WriteTextFile(dir_.File("targets.csv"), rows);
    CommandResult init = RunCommand({StoreBinary(), "--db", db_, "init"});
    ASSERT_EQ(init.exit_code, 0) << init.output;
    for (const char* what : {"staff", "customers", "targets"}) {
      CommandResult r = RunCommand(
          {StoreBinary(), "--db", db_, "import", what, dir_.File(std::string(what) + ".csv")});
      ASSERT_EQ(r.exit_code, 0) << r.output;
    }
  }

  // The --json summary line of a run's output (stderr may hold log lines).
  static nlohmann::json Summary(const CommandResult& r) {
    nlohmann::json out = nlohmann::json::object();
    std::istringstream lines(r.output);
    for (std::string line; std::getline(lines, line);) {
      if (!line.empty() && line[0] == '{') out = nlohmann::json::parse(line, nullptr, false);
    }
    return out;
  }

  CommandResult Poll(std::vector<std::string> extra = {}) {
    std::vector<std::string> argv = {PollerBinary(), "-c", config_, "--json"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return RunCommand(argv);
  }

  store::TextTable Query(const std::string& sql) {
    auto db = store::Db::OpenReader(db_);
    EXPECT_TRUE(db.ok());
    auto t = store::Query(**db, sql);
    EXPECT_TRUE(t.ok()) << t.status().message();
    return t.ok() ? *t : store::TextTable{};
  }

  std::string ErrorClassOf(int port) {
    auto t =
        Query(fmt::format("SELECT e.class || ': ' || e.message FROM poll_errors e JOIN targets t "
                          "ON t.id = e.target_id "
                          "WHERE t.port = {} ORDER BY e.id DESC LIMIT 1",
                          port));
    return t.rows.empty() ? "" : t.rows[0][0];
  }

  TempDir dir_;
  std::string db_;
  std::string config_;
};

TEST_F(PollerTest, FleetAndRealSubagentAreStoredAsServed) {
  if (!HaveSnmpsim()) GTEST_SKIP() << "snmpsim not installed (apt-get install snmpsim)";
  // The real subagent under snmpd, read with SNMPv3 authPriv.
  Snmpd snmpd(dir_);
  ASSERT_TRUE(snmpd.Start()) << snmpd.Log();
  WriteTextFile(dir_.File("subagent.xml"),
                SubagentConfigXml(snmpd.agentx_socket(), dir_.File("state"), 1, 2,
                                  "<device index=\"3\" type=\"disk\"><serial-number>REAL-1"
                                  "</serial-number><model>RD-1</model><user-id>cust-real"
                                  "</user-id><mount>/</mount></device>\n"));
  Subagent subagent(dir_, dir_.File("subagent.xml"));
  subagent.Start();
  // 54 simulated agents (65 devices), 4 models, 10 customers.
  SnmpsimFleet fleet(dir_, MakeFleet(54, 10, 3));
  ASSERT_TRUE(fleet.Start()) << fleet.Log();
  auto opened = SnmpClient::Open(snmpd.peer(), V3Credentials());
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  auto client = std::move(*opened);
  ASSERT_TRUE(WaitFor(
      [&] {
        Response r = client->Get(
            {mib::Oid({mib::kObjects, mib::kDeviceTable, mib::kEntry, mib::kDeviceStatus, 3})});
        return r.varbinds.size() == 1 && r.varbinds[0].integer == 1;
      },
      seconds(15)));

  // The same subagent through two SNMPv3 users: SHA-256/AES and SHA-512/AES-256.
  std::vector<TargetRow> targets = {{"127.0.0.1", snmpd.port(), "v3", "cust-real"},
                                    {"127.0.0.2", snmpd.port(), "v3-strong", "cust-real"}};
  size_t devices = 2;
  for (const SimAgent& a : fleet.agents()) {
    targets.push_back({"127.0.0.1", a.port, "v2", a.customer});
    devices += a.devices.size();
  }
  ASSERT_NO_FATAL_FAILURE(Import(targets));
  WriteConfig();
  CommandResult r = Poll();
  ASSERT_EQ(r.exit_code, 0) << r.output;
  nlohmann::json summary = Summary(r);
  EXPECT_EQ(summary["targets"], targets.size()) << r.output;
  EXPECT_EQ(summary["ok"], targets.size());
  EXPECT_EQ(summary["devices"], devices);
  EXPECT_EQ(summary["failed"], 0);
  // The one snmpd is two targets (127.0.0.1 and .2): one engine ID, reported
  // for each of them; the fleet's values are all valid.
  EXPECT_EQ(summary["warnings"], 2) << r.output;
  EXPECT_THAT(r.output, HasSubstr("is reported by 2 targets"));

  // Every simulated device: spec, sample and daily rows equal what was served.
  for (const SimAgent& a : fleet.agents()) {
    for (const SimDevice& d : a.devices) {
      auto row = Query(fmt::format(
          "SELECT s.product_name, s.model, s.firmware, s.capacity_bytes, s.cache_bytes, "
          "s.sale_date, s.price_minor_units, s.user_id, sa.used_bytes, sa.load_peak_today, "
          "sa.load_avg_today_centi, sa.writes_completed, sa.bytes_written, sa.status, "
          "(SELECT count(*) FROM daily y WHERE y.device_id = dev.id), c.user_id "
          "FROM devices dev JOIN targets t ON t.id = dev.target_id "
          "JOIN customers c ON c.id = t.customer_id "
          "JOIN device_specs s ON s.device_id = dev.id JOIN samples sa ON sa.device_id = dev.id "
          "WHERE t.port = {} AND dev.device_index = {} AND dev.serial_number = '{}'",
          a.port, d.index, d.serial));
      ASSERT_EQ(row.rows.size(), 1u) << d.serial;
      const auto& v = row.rows[0];
      EXPECT_EQ(v[0], d.product_name);
      EXPECT_EQ(v[1], d.model);
      EXPECT_EQ(v[2], d.firmware);
      EXPECT_EQ(v[3], std::to_string(d.capacity_bytes));
      EXPECT_EQ(v[4], std::to_string(d.cache_bytes));
      EXPECT_EQ(v[5], std::to_string(d.sale_date));
      EXPECT_EQ(v[6], std::to_string(d.price));
      EXPECT_EQ(v[7], d.user_id);
      EXPECT_EQ(v[8], std::to_string(d.used_bytes));
      EXPECT_EQ(v[9], std::to_string(d.load_peak));
      EXPECT_EQ(v[10], std::to_string(d.load_avg_centi));
      EXPECT_EQ(v[11], std::to_string(d.writes));
      EXPECT_EQ(v[12], std::to_string(d.bytes_written));
      EXPECT_EQ(v[13], "1");
      EXPECT_EQ(v[14], std::to_string(d.daily.size()));
      EXPECT_EQ(v[15], a.customer);
    }
  }
  auto daily = Query(
      "SELECT y.load_peak, y.load_avg_centi, y.used_bytes, y.intervals FROM daily y "
      "JOIN devices d ON d.id = y.device_id WHERE d.serial_number = 'SIM-0007-1' AND y.date = "
      "20261102");
  ASSERT_EQ(daily.rows.size(), 1u);
  const SimDaily& expected = fleet.agents()[7].devices[0].daily[1];
  EXPECT_EQ(daily.rows[0],
            (std::vector<std::string>{
                std::to_string(expected.load_peak), std::to_string(expected.load_avg_centi),
                std::to_string(expected.used_bytes), std::to_string(expected.intervals)}));
  // The real subagent's device, over SNMPv3.
  auto real = Query(
      "SELECT s.model, sa.status FROM devices d JOIN device_specs s ON s.device_id = d.id "
      "JOIN samples sa ON sa.device_id = d.id WHERE d.serial_number = 'REAL-1' AND d.device_index "
      "= 3");
  ASSERT_EQ(real.rows.size(), 2u);  // one per target address
  EXPECT_EQ(real.rows[0][0], "RD-1");
  EXPECT_EQ(real.rows[1][0], "RD-1");
  // A second run adds samples, not devices or specs; the history is per customer in date order.
  ASSERT_EQ(Poll().exit_code, 0);
  EXPECT_EQ(Query("SELECT count(*) FROM devices").rows[0][0], std::to_string(devices));
  EXPECT_EQ(Query("SELECT count(*) FROM device_specs").rows[0][0], std::to_string(devices));
  EXPECT_EQ(Query("SELECT count(*) FROM samples").rows[0][0], std::to_string(2 * devices));
  CommandResult history =
      RunCommand({StoreBinary(), "--db", db_, "history", "--customer", "cust-03"});
  EXPECT_EQ(history.exit_code, 0);
  EXPECT_THAT(history.output, HasSubstr("20261101"));
  EXPECT_EQ(RunCommand({StoreBinary(), "--db", db_, "check"}).exit_code, 0);
}

TEST_F(PollerTest, EachFaultFailsOnlyItsDeviceWithItsClass) {
  Snmpd snmpd(dir_);  // no subagent attached: the subtree is absent
  ASSERT_TRUE(snmpd.Start()) << snmpd.Log();
  BadAgent repeat(BadAgent::Mode::kRepeatOid, mib::kPeriscopeMibRoot);
  BadAgent endless(BadAgent::Mode::kEndlessRows, mib::kPeriscopeMibRoot);
  BadAgent silent(BadAgent::Mode::kSilent, mib::kPeriscopeMibRoot);
  BadAgent late(BadAgent::Mode::kLate, mib::kPeriscopeMibRoot);
  BadAgent garbage(BadAgent::Mode::kGarbage, mib::kPeriscopeMibRoot);
  BadAgent wrong_id(BadAgent::Mode::kWrongRequestId, mib::kPeriscopeMibRoot);
  int closed = FreeUdpPort();
  std::vector<TargetRow> targets = {
      {"127.0.0.1", late.port(), "v2", "c1"},
      {"127.0.0.1", garbage.port(), "v2", "c1"},
      {"127.0.0.1", wrong_id.port(), "v2", "c1"},
      {"127.0.0.1", closed, "v2", "c1"},
      {"127.0.0.1", silent.port(), "v2", "c1"},
      {"127.0.0.1", repeat.port(), "v2", "c1"},
      {"127.0.0.1", endless.port(), "v2", "c1"},
      {"127.0.0.1", snmpd.port(), "v2", "c1"},  // no such object
      {"127.0.0.2", snmpd.port(), "v2-wrong", "c1"},
      {"127.0.0.3", snmpd.port(), "v3-no-user", "c1"},
      {"127.0.0.4", snmpd.port(), "v3-bad-auth", "c1"},
      {"127.0.0.5", snmpd.port(), "v3-bad-priv", "c1"},
  };
  ASSERT_NO_FATAL_FAILURE(Import(targets));
  // The late agent answers after 750 ms: past the 500 ms timeout, within the
  // 500 ms the poller keeps listening after giving up.
  WriteConfig("window=\"16\" timeout-ms=\"500\" retries=\"0\" max-objects=\"500\"");
  CommandResult r = Poll();
  EXPECT_EQ(r.exit_code, 0) << r.output;  // the run completed even though every device failed
  EXPECT_THAT(ErrorClassOf(late.port()), HasSubstr("late: "));
  EXPECT_THAT(ErrorClassOf(late.port()), HasSubstr("raise timeout-ms"));
  EXPECT_THAT(ErrorClassOf(silent.port()), HasSubstr("no answer within 500 ms x 1 tries"));
  // Answers came, so neither is a timeout: each says what was wrong with them.
  EXPECT_THAT(ErrorClassOf(garbage.port()),
              HasSubstr("protocol: 127.0.0.1:" + std::to_string(garbage.port()) +
                        ": answers arrived but none was a usable answer"));
  EXPECT_THAT(ErrorClassOf(wrong_id.port()),
              HasSubstr("protocol: 127.0.0.1:" + std::to_string(wrong_id.port()) +
                        ": answers arrived but none was a usable answer"));
  EXPECT_THAT(ErrorClassOf(closed), HasSubstr("timeout"));
  EXPECT_THAT(ErrorClassOf(silent.port()), HasSubstr("timeout"));
  EXPECT_THAT(ErrorClassOf(repeat.port()), HasSubstr("protocol: "));
  EXPECT_THAT(ErrorClassOf(repeat.port()), HasSubstr("OID not increasing"));
  EXPECT_THAT(ErrorClassOf(endless.port()), HasSubstr("limit: "));
  auto by_address = [&](const std::string& address) {
    auto t = Query(
        "SELECT e.class || ': ' || e.message FROM poll_errors e JOIN targets t ON "
        "t.id = e.target_id WHERE t.address = '" +
        address + "' AND t.port = " + std::to_string(snmpd.port()));
    return t.rows.empty() ? std::string() : t.rows[0][0];
  };
  EXPECT_THAT(by_address("127.0.0.1"), HasSubstr("no-such-object"));
  EXPECT_THAT(by_address("127.0.0.2"), HasSubstr("timeout"));  // wrong community: silence
  EXPECT_THAT(by_address("127.0.0.2"), HasSubstr("silent when the community is wrong"));
  EXPECT_THAT(by_address("127.0.0.3"), HasSubstr("auth: "));
  EXPECT_THAT(by_address("127.0.0.4"), HasSubstr("auth: "));
  EXPECT_THAT(by_address("127.0.0.5"), HasSubstr("auth: "));
  EXPECT_THAT(by_address("127.0.0.5"), HasSubstr("wrong privacy pass phrase"));
  // No secret reaches the store or the output.
  for (const char* secret : {"wrong-auth-1", "wrong-priv-1", kV3AuthPass, "not-the-community"}) {
    EXPECT_EQ(
        Query(std::string("SELECT count(*) FROM poll_errors WHERE message LIKE '%") + secret + "%'")
            .rows[0][0],
        "0");
    EXPECT_THAT(r.output, ::testing::Not(HasSubstr(secret)));
  }
  EXPECT_EQ(Query("SELECT count(*) FROM poll_errors").rows[0][0], std::to_string(targets.size()));
  EXPECT_EQ(Query("SELECT state FROM poll_runs").rows[0][0], "finished");
}

}  // namespace
}  // namespace periscope::testing

namespace periscope::testing {
namespace {

TEST_F(PollerTest, ADeadSnmpV3DeviceDoesNotStallTheOthers) {
  Snmpd snmpd(dir_);
  ASSERT_TRUE(snmpd.Start()) << snmpd.Log();
  WriteTextFile(
      dir_.File("subagent.xml"),
      SubagentConfigXml(snmpd.agentx_socket(), dir_.File("state"), 1, 2,
                        "<device><serial-number>S</serial-number><mount>/</mount></device>\n"));
  Subagent subagent(dir_, dir_.File("subagent.xml"));
  subagent.Start();
  BadAgent dead(BadAgent::Mode::kSilent, mib::kPeriscopeMibRoot);
  // The dead device is first in line; its discovery times out after 2 x 3 s.
  std::vector<TargetRow> targets = {{"127.0.0.1", dead.port(), "v3", "c1"}};
  for (int host = 1; host <= 5; ++host) {
    targets.push_back({fmt::format("127.0.0.{}", host), snmpd.port(), "v3", "c2"});
  }
  ASSERT_NO_FATAL_FAILURE(Import(targets));
  WriteConfig("window=\"2\" timeout-ms=\"3000\" retries=\"1\"");
  auto opened = SnmpClient::Open(snmpd.peer(), V2cCredentials());
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  auto client = std::move(*opened);
  ASSERT_TRUE(WaitFor(
      [&] {
        Response r = client->Get(
            {mib::Oid({mib::kObjects, mib::kDeviceTable, mib::kEntry, mib::kDeviceStatus, 1})});
        return r.varbinds.size() == 1 && r.varbinds[0].integer == 1;
      },
      seconds(15)));
  CommandResult r = Poll();
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(Summary(r)["ok"], 5) << r.output;
  EXPECT_THAT(ErrorClassOf(dead.port()), HasSubstr("timeout: "));
  // With a window of 2, the five healthy devices went through the other slot
  // while the dead one waited: all were stored before its timeout was.
  auto latest_sample = Query("SELECT max(sampled_at) FROM samples").rows[0][0];
  auto dead_error = Query("SELECT min(at) FROM poll_errors").rows[0][0];
  EXPECT_LT(std::stoll(latest_sample) + 3, std::stoll(dead_error));
}

TEST_F(PollerTest, OverlappingRunExitsAtOnceAndKillNineLeavesNoHalfDevice) {
  if (!HaveSnmpsim()) GTEST_SKIP() << "snmpsim not installed";
  SnmpsimFleet fleet(dir_, MakeFleet(30, 3, 30), 1);
  ASSERT_TRUE(fleet.Start()) << fleet.Log();
  BadAgent silent(BadAgent::Mode::kSilent, mib::kPeriscopeMibRoot);
  std::vector<TargetRow> targets;
  for (const SimAgent& a : fleet.agents())
    targets.push_back({"127.0.0.1", a.port, "v2", a.customer});
  targets.push_back({"127.0.0.1", silent.port(), "v2", "cust-01"});  // keeps the run alive ~10 s
  ASSERT_NO_FATAL_FAILURE(Import(targets));
  // Small chunks: results are committed while the silent target keeps the
  // run going.
  WriteConfig(
      "window=\"4\" timeout-ms=\"5000\" retries=\"1\" max-repetitions=\"5\" "
      "chunk-targets=\"2\"");

  Process first({PollerBinary(), "-c", config_}, dir_.File("first.log"));
  ASSERT_TRUE(
      WaitFor([&] { return !Query("SELECT 1 FROM samples LIMIT 1").rows.empty(); }, seconds(20)))
      << first.Log();
  // A second run while the first holds the lock exits at once, saying so.
  auto started = std::chrono::steady_clock::now();
  CommandResult second = Poll();
  EXPECT_EQ(second.exit_code, 1);
  EXPECT_THAT(second.output, HasSubstr("another periscope-poller run holds"));
  EXPECT_LT(std::chrono::steady_clock::now() - started, seconds(5));

  // kill -9 in the middle of the run.
  first.Stop(SIGKILL);
  EXPECT_EQ(RunCommand({StoreBinary(), "--db", db_, "check"}).exit_code, 0);
  EXPECT_EQ(Query("SELECT state FROM poll_runs WHERE id = 1").rows[0][0], "started");
  // No half-written device: each stored device has its spec, a sample and all its days.
  auto partial = Query(
      "SELECT d.serial_number FROM devices d WHERE NOT EXISTS (SELECT 1 FROM device_specs s "
      "WHERE s.device_id = d.id) OR NOT EXISTS (SELECT 1 FROM samples s WHERE s.device_id = d.id) "
      "OR (SELECT count(*) FROM daily y WHERE y.device_id = d.id) != 30");
  EXPECT_TRUE(partial.rows.empty()) << partial.rows.size() << " half-written devices";
  // The next run is fine (the kernel released the flock with the process).
  // One snmpsim process serves all 30 agents: timeouts leave it room on a busy machine.
  WriteConfig("window=\"64\" timeout-ms=\"2000\" retries=\"1\"");
  CommandResult next = Poll();
  EXPECT_EQ(next.exit_code, 0) << next.output;
  EXPECT_EQ(Summary(next)["ok"], fleet.agents().size()) << next.output;
}

// An snmpd started from a cloned image: `engine_id` fixed by exactEngineID,
// the v3 user's pass phrases and the persisted engineBoots chosen by the test.
void CloneSnmpd(const TempDir& dir, const std::string& auth_pass, const std::string& priv_pass,
                int engine_boots) {
  std::string conf = ReadTextFile(dir.File("snmpd-conf/snmpd.conf"));
  auto replace = [&](const std::string& from, const std::string& to) {
    for (size_t at = conf.find(from); at != std::string::npos; at = conf.find(from, at + 1)) {
      conf.replace(at, from.size(), to);
    }
  };
  replace(std::string("\"") + kV3AuthPass + "\"", "\"" + auth_pass + "\"");
  replace(std::string("\"") + kV3PrivPass + "\"", "\"" + priv_pass + "\"");
  conf += "exactEngineID 0x8000cafe04636c6f6e6564\n";
  WriteTextFile(dir.File("snmpd-conf/snmpd.conf"), conf);
  // snmpd keeps the persisted boots only for the engine ID it persisted with.
  WriteTextFile(
      dir.File("snmpd-persist/snmpd.conf"),
      "engineBoots " + std::to_string(engine_boots) + "\noldEngineID 0x8000cafe04636c6f6e6564\n");
}

class ClonedEngineIdTest : public PollerTest, public ::testing::WithParamInterface<bool> {};

// Two hosts from one image report the same engine ID. Each must be polled with
// its own profile's keys and its own boots/time, both in the same run, and the
// run must say that the engine ID is duplicated and by whom.
TEST_P(ClonedEngineIdTest, BothClonesPollWithTheirOwnKeysAndTheRunWarns) {
  const bool same_pass_phrases = GetParam();
  TempDir dir_a, dir_b;
  Snmpd a(dir_a), b(dir_b);
  CloneSnmpd(dir_a, kV3AuthPass, kV3PrivPass, 3);
  if (same_pass_phrases) {
    CloneSnmpd(dir_b, kV3AuthPass, kV3PrivPass, 41);  // same keys, other boots and time
  } else {
    CloneSnmpd(dir_b, "clone-b-auth-pass", "clone-b-priv-pass", 3);
  }
  ASSERT_TRUE(a.Start()) << a.Log();
  ASSERT_TRUE(b.Start()) << b.Log();
  std::vector<std::unique_ptr<Subagent>> subagents;
  for (const auto& [dir, snmpd] : {std::pair<TempDir*, Snmpd*>{&dir_a, &a}, {&dir_b, &b}}) {
    WriteTextFile(dir->File("subagent.xml"),
                  SubagentConfigXml(snmpd->agentx_socket(), dir->File("state"), 1, 2,
                                    "<device index=\"1\" type=\"disk\"><serial-number>CLONE"
                                    "</serial-number><mount>/</mount></device>\n"));
    subagents.push_back(std::make_unique<Subagent>(*dir, dir->File("subagent.xml")));
    subagents.back()->Start();
    auto opened = SnmpClient::Open(snmpd->peer(), V2cCredentials());
    ASSERT_TRUE(opened.ok()) << opened.status().message();
    std::unique_ptr<SnmpClient> client = std::move(*opened);
    ASSERT_TRUE(WaitFor(
        [&] {
          Response r = client->Get({mib::Oid(
              {mib::kObjects, mib::kDeviceTable, mib::kEntry, mib::kDeviceSerialNumber, 1})});
          return r.varbinds.size() == 1 && r.varbinds[0].type == ValueType::kOctets;
        },
        seconds(15)))
        << subagents.back()->Log();
  }
  auto boots = [](const Snmpd& snmpd) {
    auto client = SnmpClient::Open(snmpd.peer(), V2cCredentials());
    if (!client.ok()) return int64_t{-1};
    Response r = (*client)->Get({{1, 3, 6, 1, 6, 3, 10, 2, 1, 2, 0}});  // snmpEngineBoots.0
    return r.varbinds.empty() ? int64_t{-1} : r.varbinds[0].integer;
  };
  if (same_pass_phrases) {
    EXPECT_NE(boots(a), boots(b));
  }
  ASSERT_NO_FATAL_FAILURE(
      Import({{"127.0.0.1", a.port(), "v3", "c1"},
              {"127.0.0.1", b.port(), same_pass_phrases ? "v3" : "v3-b", "c2"}}));
  for (int run = 0; run < 2; ++run) {
    WriteConfig(
        "window=\"8\" timeout-ms=\"1000\" retries=\"1\"",
        fmt::format(R"(<profile name="v3-b" version="3" user="{}" auth="SHA-256" )"
                    R"(auth-pass="clone-b-auth-pass" priv="AES" priv-pass="clone-b-priv-pass"/>)",
                    kV3User));
    CommandResult r = Poll();
    EXPECT_EQ(r.exit_code, 0) << r.output;
    nlohmann::json summary = Summary(r);
    EXPECT_EQ(summary["ok"], 2) << r.output << ErrorClassOf(a.port()) << ErrorClassOf(b.port());
    EXPECT_EQ(summary["failed"], 0);
    EXPECT_THAT(r.output, HasSubstr("0x8000cafe04636c6f6e6564"));
  }
  auto warnings = Query(
      "SELECT t.port, w.message FROM poll_warnings w JOIN targets t ON t.id = w.target_id "
      "WHERE w.column_name = 'snmpEngineID' ORDER BY w.id");
  ASSERT_GE(warnings.rows.size(), 2u);
  EXPECT_THAT(warnings.rows[0][1], HasSubstr("127.0.0.1:" + std::to_string(a.port())));
  EXPECT_THAT(warnings.rows[0][1], HasSubstr("127.0.0.1:" + std::to_string(b.port())));
}

INSTANTIATE_TEST_SUITE_P(PassPhrases, ClonedEngineIdTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& param) {
                           return param.param ? "SamePassPhrasesOtherBoots" : "OtherPassPhrases";
                         });

std::vector<uint32_t> DeviceCell(uint32_t column, uint32_t index) {
  return mib::Oid({mib::kObjects, mib::kDeviceTable, mib::kEntry, column, index});
}
std::vector<uint32_t> DailyCell(uint32_t column, uint32_t index, uint32_t date) {
  return mib::Oid({mib::kObjects, mib::kDailyTable, mib::kEntry, column, index, date});
}

// A real agent over the wire serving values the MIB forbids: each becomes a
// warning naming device and column, is stored as missing, and never makes a
// device, a spec row or a daily row of its own.
TEST_F(PollerTest, AHostileAgentsInvalidValuesAreWarningsAndNeverStored) {
  if (!HaveSnmpsim()) GTEST_SKIP() << "snmpsim not installed";
  std::vector<SimAgent> agents = MakeFleet(5, 2, 5);
  SimAgent& hostile = agents[4];
  ASSERT_EQ(hostile.devices.size(), 2u);
  const uint32_t good = hostile.devices[0].index, phantom = hostile.devices[1].index;
  hostile.overrides = {
      {DeviceCell(mib::kDeviceSerialNumber, phantom), "2|12345"},       // INTEGER serial
      {DeviceCell(mib::kDeviceUsedBytes, good), "4|lots"},              // string for Counter64
      {DeviceCell(mib::kDeviceProductName, good), "5|"},                // NULL
      {DeviceCell(mib::kDeviceCacheBytes, good), "64|10.0.0.1"},        // IpAddress
      {DeviceCell(mib::kDeviceSaleDate, good), "4x|07ea0d2d00000000"},  // month 13, day 45
      {DailyCell(mib::kDailyLoadPeak, good, 99999999), "66|5"},         // not a date
      {DailyCell(mib::kDailyLoadPeak, good, 20261301), "66|5"},         // not a date
  };
  SnmpsimFleet fleet(dir_, agents, 1);
  ASSERT_TRUE(fleet.Start()) << fleet.Log();
  std::vector<TargetRow> targets;
  for (const SimAgent& a : fleet.agents())
    targets.push_back({"127.0.0.1", a.port, "v2", a.customer});
  ASSERT_NO_FATAL_FAILURE(Import(targets));
  WriteConfig("window=\"8\" timeout-ms=\"2000\" retries=\"1\"");
  CommandResult r = Poll();
  ASSERT_EQ(r.exit_code, 0) << r.output;
  nlohmann::json summary = Summary(r);
  EXPECT_EQ(summary["ok"], 5) << r.output;
  EXPECT_EQ(summary["devices"], 5);  // 4 agents x 1 device + the hostile one's good device
  EXPECT_GE(summary["warnings"], 7);
  const std::string port = std::to_string(fleet.agents()[4].port);
  EXPECT_EQ(Query("SELECT count(*) FROM devices d JOIN targets t ON t.id = d.target_id "
                  "WHERE t.port = " +
                  port)
                .rows[0][0],
            "1");
  EXPECT_EQ(Query("SELECT count(*) FROM devices WHERE serial_number = '12345'").rows[0][0], "0");
  auto sample = Query(
      "SELECT s.used_bytes IS NULL, s.capacity_bytes FROM samples s JOIN devices d ON "
      "d.id = s.device_id JOIN targets t ON t.id = d.target_id WHERE t.port = " +
      port);
  ASSERT_EQ(sample.rows.size(), 1u);
  EXPECT_EQ(sample.rows[0][0], "1");  // missing, not 0
  EXPECT_EQ(sample.rows[0][1], std::to_string(hostile.devices[0].capacity_bytes));
  EXPECT_EQ(Query("SELECT count(*) FROM device_specs s JOIN devices d ON d.id = s.device_id "
                  "JOIN targets t ON t.id = d.target_id WHERE t.port = " +
                  port)
                .rows[0][0],
            "0");  // an invalid spec field: no spec row
  EXPECT_EQ(Query("SELECT count(*) FROM daily WHERE date > 20261231").rows[0][0], "0");
  CommandResult listed = RunCommand({StoreBinary(), "--db", db_, "list", "errors"});
  ASSERT_EQ(listed.exit_code, 0) << listed.output;
  for (const char* text :
       {"periscopeDeviceUsedBytes is OCTET STRING of 4 bytes", "periscopeDeviceProductName is NULL",
        "periscopeDeviceCacheBytes is IpAddress", "periscopeDeviceSaleDate",
        "serial number is missing or invalid", "99999999 is not a real date",
        "20261301 is not a real date"}) {
    EXPECT_THAT(listed.output, HasSubstr(text));
  }
}

TEST_F(PollerTest, AnAgentServingMoreDevicesThanTheCapFailsWithLimitAndStoresNothing) {
  if (!HaveSnmpsim()) GTEST_SKIP() << "snmpsim not installed";
  SnmpsimFleet fleet(dir_, MakeFleet(5, 2, 3), 1);
  ASSERT_TRUE(fleet.Start()) << fleet.Log();
  std::vector<TargetRow> targets;
  for (const SimAgent& a : fleet.agents())
    targets.push_back({"127.0.0.1", a.port, "v2", a.customer});
  ASSERT_NO_FATAL_FAILURE(Import(targets));
  WriteConfig("window=\"8\" timeout-ms=\"2000\" retries=\"1\" max-devices=\"1\"");
  CommandResult r = Poll();
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(Summary(r)["ok"], 4) << r.output;
  EXPECT_EQ(Summary(r)["failed_by_class"]["limit"], 1);
  const int port = fleet.agents()[4].port;
  EXPECT_THAT(ErrorClassOf(port), HasSubstr("limit: "));
  EXPECT_THAT(ErrorClassOf(port), HasSubstr("serves 2 devices, more than the limit of 1"));
  EXPECT_EQ(Query("SELECT count(*) FROM devices d JOIN targets t ON t.id = d.target_id "
                  "WHERE t.port = " +
                  std::to_string(port))
                .rows[0][0],
            "0");
}

// Targets by IPv6 literal (over UDP/IPv6 on ::1) and by DNS name; a name that
// does not resolve fails alone with class resolve.
TEST_F(PollerTest, Ipv6AndDnsNameTargetsArePolledAndAnUnresolvableNameIsClassedResolve) {
  Snmpd snmpd(dir_);
  std::string conf = ReadTextFile(dir_.File("snmpd-conf/snmpd.conf"));
  const std::string address_line = "agentaddress ";
  size_t at = conf.find(address_line);
  ASSERT_NE(at, std::string::npos);
  size_t end = conf.find('\n', at);
  conf.insert(end, ",udp6:[::1]:" + std::to_string(snmpd.port()));
  conf += "rocommunity6 public ::1 -V all\n";
  WriteTextFile(dir_.File("snmpd-conf/snmpd.conf"), conf);
  ASSERT_TRUE(snmpd.Start()) << snmpd.Log();
  WriteTextFile(dir_.File("subagent.xml"),
                SubagentConfigXml(snmpd.agentx_socket(), dir_.File("state"), 1, 2,
                                  "<device index=\"1\" type=\"disk\"><serial-number>V6"
                                  "</serial-number><mount>/</mount></device>\n"));
  Subagent subagent(dir_, dir_.File("subagent.xml"));
  subagent.Start();
  auto opened = SnmpClient::Open(snmpd.peer(), V2cCredentials());
  ASSERT_TRUE(opened.ok());
  ASSERT_TRUE(WaitFor(
      [&] {
        Response resp = (*opened)->Get({DeviceCell(mib::kDeviceSerialNumber, 1)});
        return resp.varbinds.size() == 1 && resp.varbinds[0].type == ValueType::kOctets;
      },
      seconds(15)))
      << subagent.Log();
  ASSERT_NO_FATAL_FAILURE(Import({{"::1", snmpd.port(), "v2", "c1"},
                                  {"localhost", snmpd.port(), "v2", "c1"},
                                  {"no-such-host.invalid", snmpd.port(), "v2", "c2"}}));
  WriteConfig("window=\"8\" timeout-ms=\"2000\" retries=\"1\"");
  CommandResult r = Poll();
  EXPECT_EQ(r.exit_code, 0) << r.output;
  nlohmann::json summary = Summary(r);
  EXPECT_EQ(summary["ok"], 2) << r.output;
  EXPECT_EQ(summary["failed_by_class"]["resolve"], 1);
  auto error = Query("SELECT e.class || ': ' || e.message FROM poll_errors e");
  ASSERT_EQ(error.rows.size(), 1u);
  EXPECT_THAT(error.rows[0][0], HasSubstr("resolve: no-such-host.invalid:"));
  EXPECT_THAT(error.rows[0][0], HasSubstr("cannot resolve 'no-such-host.invalid'"));
  EXPECT_EQ(Query("SELECT count(*) FROM devices d JOIN targets t ON t.id = d.target_id "
                  "WHERE t.address IN ('::1', 'localhost')")
                .rows[0][0],
            "2");
}

// A name server that takes seconds delays only the targets behind that name.
TEST(PollerEngineTest, ASlowNameDoesNotStallThePollLoop) {
  TempDir dir;
  Snmpd snmpd(dir);  // no subagent: each walk ends quickly with no-such-object
  ASSERT_TRUE(snmpd.Start()) << snmpd.Log();
  poller::Profile v2;
  v2.name = "v2";
  v2.community = kRoCommunity;
  poller::EngineOptions options;
  options.timeout = std::chrono::milliseconds(2000);
  options.lookup = [](const std::string& host) -> Result<poller::NumericAddress> {
    if (host == "slow.example") std::this_thread::sleep_for(seconds(3));
    return poller::NumericAddress{false, "127.0.0.1"};
  };
  std::vector<poller::Job> jobs = {{1, "slow.example", snmpd.port(), &v2},
                                   {2, "fast.example", snmpd.port(), &v2},
                                   {3, "127.0.0.1", snmpd.port(), &v2}};
  const auto started = std::chrono::steady_clock::now();
  std::map<int64_t, std::chrono::steady_clock::duration> finished_after;
  poller::Engine engine(options);
  engine.Run(
      jobs, mib::kPeriscopeMibRoot,
      [&](poller::JobResult&& result) {
        finished_after[result.target_id] = std::chrono::steady_clock::now() - started;
        EXPECT_EQ(result.error_class, poller::ErrorClass::kNoSuchObject) << result.error;
      },
      nullptr);
  ASSERT_EQ(finished_after.size(), 3u);
  EXPECT_LT(finished_after[2], seconds(2));
  EXPECT_LT(finished_after[3], seconds(2));
  EXPECT_GE(finished_after[1], seconds(3));
}

TEST_F(PollerTest, DevicesUnseenForRetireAfterDaysAreRetiredByARun) {
  if (!HaveSnmpsim()) GTEST_SKIP() << "snmpsim not installed";
  SnmpsimFleet fleet(dir_, MakeFleet(2, 2, 3), 1);
  ASSERT_TRUE(fleet.Start()) << fleet.Log();
  const SimAgent& stale = fleet.agents()[1];
  ASSERT_NO_FATAL_FAILURE(Import({{"127.0.0.1", fleet.agents()[0].port, "v2", "c1"},
                                  {"127.0.0.1", stale.port, "v2", "c2"},
                                  {"127.0.0.1", FreeUdpPort(), "no-such-profile", "c2"}}));
  WriteConfig("window=\"8\" timeout-ms=\"2000\" retries=\"1\" retire-after-days=\"30\"");
  CommandResult first = Poll();
  EXPECT_EQ(Summary(first)["ok"], 2) << first.output;
  EXPECT_EQ(Summary(first)["retired"], 0);
  // A profile the config lacks fails its target alone, saying which.
  EXPECT_EQ(Summary(first)["failed_by_class"]["internal"], 1);
  auto missing = Query("SELECT message FROM poll_errors WHERE class = 'internal'");
  ASSERT_EQ(missing.rows.size(), 1u);
  EXPECT_THAT(missing.rows[0][0], HasSubstr("no credentials profile 'no-such-profile'"));
  {
    auto db = store::Db::OpenWriter(db_, store::OpenMode::kMustExist);
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE((*db)
                    ->Exec("UPDATE devices SET last_seen = last_seen - 40 * 86400 WHERE "
                           "target_id = (SELECT id FROM targets WHERE port = " +
                           std::to_string(stale.port) + ")")
                    .ok());
  }
  CommandResult second = Poll({"--target", "127.0.0.9"});  // polls nothing, retires
  EXPECT_EQ(Summary(second)["retired"], 1) << second.output;
  CommandResult listed = RunCommand({StoreBinary(), "--db", db_, "list", "devices"});
  EXPECT_THAT(listed.output, HasSubstr("retired"));
  CommandResult history = RunCommand({StoreBinary(), "--db", db_, "history", "--customer", "c2"});
  EXPECT_EQ(history.exit_code, 0) << history.output;
  EXPECT_THAT(history.output, ::testing::Not(HasSubstr(stale.devices[0].serial)));
  history =
      RunCommand({StoreBinary(), "--db", db_, "history", "--customer", "c2", "--include-retired"});
  EXPECT_THAT(history.output, HasSubstr(stale.devices[0].serial));
  CommandResult third = Poll();  // seen again: active again
  EXPECT_EQ(Summary(third)["ok"], 2) << third.output;
  EXPECT_EQ(Query("SELECT count(*) FROM devices WHERE retired_at IS NOT NULL").rows[0][0], "0");
}

TEST_F(PollerTest, ADatabaseHeldByAnotherWriterFailsTheRunCleanly) {
  if (!HaveSnmpsim()) GTEST_SKIP() << "snmpsim not installed";
  SnmpsimFleet fleet(dir_, MakeFleet(3, 1, 2), 1);
  ASSERT_TRUE(fleet.Start()) << fleet.Log();
  std::vector<TargetRow> targets;
  for (const SimAgent& a : fleet.agents())
    targets.push_back({"127.0.0.1", a.port, "v2", a.customer});
  ASSERT_NO_FATAL_FAILURE(Import(targets));
  WriteConfig("window=\"8\" timeout-ms=\"500\"", "", "busy-timeout-ms=\"300\"");
  ASSERT_EQ(Poll().exit_code, 0);
  std::string before = Query("SELECT count(*) FROM samples").rows[0][0];
  {
    auto other = store::Db::OpenWriter(db_, store::OpenMode::kMustExist);
    ASSERT_TRUE(other.ok());
    ASSERT_TRUE((*other)->BeginImmediate().ok());  // another writer holds the database
    CommandResult r = Poll();
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_THAT(r.output, HasSubstr("locked"));
    (*other)->Rollback();
  }
  EXPECT_EQ(Query("SELECT count(*) FROM samples").rows[0][0], before);
  EXPECT_EQ(RunCommand({StoreBinary(), "--db", db_, "check"}).exit_code, 0);
  EXPECT_EQ(Poll().exit_code, 0);
}

TEST_F(PollerTest, CustomerAndTargetSelectASubset) {
  if (!HaveSnmpsim()) GTEST_SKIP() << "snmpsim not installed";
  SnmpsimFleet fleet(dir_, MakeFleet(6, 3, 1), 1);
  ASSERT_TRUE(fleet.Start()) << fleet.Log();
  std::vector<TargetRow> targets;
  for (const SimAgent& a : fleet.agents())
    targets.push_back({"127.0.0.1", a.port, "v2", a.customer});
  ASSERT_NO_FATAL_FAILURE(Import(targets));
  WriteConfig();
  CommandResult r = Poll({"--customer", "cust-02"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(Summary(r)["targets"], 2) << r.output;
  EXPECT_EQ(Query("SELECT DISTINCT s.user_id FROM device_specs s").rows,
            (std::vector<std::vector<std::string>>{{"cust-02"}}));
  r = Poll({"--target", "127.0.0.9"});
  EXPECT_EQ(Summary(r)["targets"], 0) << r.output;
}

TEST_F(PollerTest, ASpentRunBudgetEndsTheRunAsIncomplete) {
  BadAgent silent(BadAgent::Mode::kSilent, mib::kPeriscopeMibRoot);
  ASSERT_NO_FATAL_FAILURE(Import({{"127.0.0.1", silent.port(), "v2", "c1"}}));
  WriteConfig("timeout-ms=\"5000\" retries=\"3\" run-budget-s=\"1\"");
  CommandResult r = Poll();
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_EQ(Summary(r)["completed"], false) << r.output;
  EXPECT_EQ(Summary(r)["failed_by_class"]["budget"], 1);
  EXPECT_EQ(Query("SELECT state FROM poll_runs").rows[0][0], "failed");
}

TEST_F(PollerTest, AWindowBeyondTheOpenFileLimitIsCappedNotFailed) {
  if (!HaveSnmpsim()) GTEST_SKIP() << "snmpsim not installed";
  SnmpsimFleet fleet(dir_, MakeFleet(120, 4, 1), 2);
  ASSERT_TRUE(fleet.Start()) << fleet.Log();
  std::vector<TargetRow> targets;
  for (const SimAgent& a : fleet.agents())
    targets.push_back({"127.0.0.1", a.port, "v2", a.customer});
  ASSERT_NO_FATAL_FAILURE(Import(targets));
  WriteConfig("window=\"1000\" timeout-ms=\"2000\" retries=\"1\"");
  // A hard limit of 100 descriptors: the poller cannot raise it and must fit
  // its window under it instead of failing devices with EMFILE.
  CommandResult r = RunCommand(
      {"/bin/sh", "-c", "ulimit -n 100 && exec \"$0\" -c \"$1\" --json", PollerBinary(), config_});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(Summary(r)["ok"], 120) << r.output;
}

TEST_F(PollerTest, ConfigReadableByOthersIsRefusedWithExitTwo) {
  WriteConfig();
  ::chmod(config_.c_str(), 0644);
  CommandResult r = Poll();
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.output, HasSubstr("chmod 600"));
  EXPECT_THAT(r.output, ::testing::Not(HasSubstr(kV3AuthPass)));
}

}  // namespace
}  // namespace periscope::testing
