// bench/snmprec_agent against the fleets bench/fleet_gen writes: Net-SNMP's
// tools, the project's SNMP client and periscope-poller read exactly what the
// snmprec files say. Each test has its own temp dir, fleet and agent process
// (kernel-chosen loopback ports), stopped at its end.
#include <sys/stat.h>
#include <sys/wait.h>

#include <algorithm>
#include <fstream>
#include <regex>
#include <sstream>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/snmp/sync_client.h"
#include "mib/periscope_oids.h"
#include "store/db.h"
#include "store/registry.h"
#include "tests/support/fleet.h"
#include "tests/support/peripheral_fleet.h"
#include "tests/support/process.h"

namespace periscope::testing {
namespace {

using snmp::ValueType;
using ::testing::HasSubstr;

std::string Bin(const std::string& path) { return BinaryDir() + "/" + path; }

// One served agent: its port and its snmprec file's bindings in OID order.
struct Served {
  int port = 0;
  std::string file;
  std::vector<snmp::VarBind> varbinds;
};

class SnmprecAgentTest : public ::testing::Test {
 protected:
  ~SnmprecAgentTest() override {
    if (agent_) agent_->Stop();
  }

  // fleet_gen with `flags`, then snmprec_agent serving it; fills served_.
  void StartFleet(std::vector<std::string> flags, std::vector<std::string> agent_flags = {}) {
    std::vector<std::string> gen = {Bin("bench/fleet_gen"), "--out", dir_.File("fleet")};
    gen.insert(gen.end(), flags.begin(), flags.end());
    CommandResult made = RunCommand(gen);
    ASSERT_EQ(made.exit_code, 0) << made.output;
    std::vector<std::string> argv = {Bin("bench/snmprec_agent"),
                                     "--dir",
                                     dir_.File("fleet"),
                                     "--targets-out",
                                     targets_csv(),
                                     "--fresh-ports"};
    argv.insert(argv.end(), agent_flags.begin(), agent_flags.end());
    agent_ = std::make_unique<Process>(argv, dir_.File("agent.log"));
    ASSERT_TRUE(WaitFor([&] { return std::ifstream(targets_csv()).good() || !agent_->Running(); },
                        std::chrono::seconds(20)));
    ASSERT_TRUE(agent_->Running()) << agent_->Log();
    std::istringstream rows(ReadTextFile(targets_csv()));
    std::string line;
    std::getline(rows, line);
    while (std::getline(rows, line)) {
      Served s;
      s.port = std::stoi(line.substr(line.find(',') + 1));
      s.file = dir_.File(fmt::format("fleet/data/public/1.3.6.1.6.1.1.{}.snmprec", served_.size()));
      s.varbinds = SnmprecVarBinds(ReadTextFile(s.file));
      std::stable_sort(s.varbinds.begin(), s.varbinds.end(),
                       [](const auto& a, const auto& b) { return a.oid < b.oid; });
      served_.push_back(std::move(s));
    }
  }

  std::string targets_csv() const { return dir_.File("targets-served.csv"); }

  std::unique_ptr<snmp::SnmpClient> Client(int port, const std::string& community = "public") {
    snmp::Credentials creds;
    creds.community = community;
    auto c = snmp::SnmpClient::Open(fmt::format("udp:127.0.0.1:{}", port), creds, 1000, 1);
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return c.ok() ? std::move(*c) : nullptr;
  }

  // Net-SNMP's command line tools, numeric OIDs, no MIB loading.
  CommandResult NetSnmp(const std::string& tool, std::vector<std::string> args) {
    std::vector<std::string> argv = {tool, "-v2c", "-c", "public", "-On", "-r1", "-t2"};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunCommand(argv, {{"MIBS", ""}, {"SNMP_PERSISTENT_DIR", dir_.File("snmp")}});
  }

  // The OIDs of the bindings a tool printed (not its endOfMibView line).
  static std::vector<std::string> FirstWords(const std::string& output) {
    std::vector<std::string> out;
    std::istringstream lines(output);
    for (std::string line; std::getline(lines, line);) {
      if (line.find("No more variables left") != std::string::npos) continue;
      if (!line.empty() && line[0] == '.') out.push_back(line.substr(0, line.find(' ')));
    }
    return out;
  }

  TempDir dir_;
  std::unique_ptr<Process> agent_;
  std::vector<Served> served_;
};

void ExpectSameBinding(const snmp::VarBind& got, const snmp::VarBind& want) {
  const std::string where = snmp::OidToString(want.oid);
  EXPECT_EQ(snmp::OidToString(got.oid), where);
  EXPECT_EQ(static_cast<int>(got.type), static_cast<int>(want.type)) << where;
  if (want.type != ValueType::kObjectId) {
    EXPECT_EQ(got.octets, want.octets) << where;
  }
  EXPECT_EQ(got.integer, want.integer) << where;
  EXPECT_EQ(got.unsigned_value, want.unsigned_value) << where;
}

TEST_F(SnmprecAgentTest, BulkWalkReturnsEveryLineOfTheFileWithItsValue) {
  // Periscope agents (one and two devices), peripherals (OID, TimeTicks,
  // Counter32 values) and claim copiers (IpAddress).
  ASSERT_NO_FATAL_FAILURE(
      StartFleet({"--agents", "5", "--days", "4", "--peripherals", "4", "--claim-copiers", "1"}));
  ASSERT_EQ(served_.size(), 5u + 4u + 6u);
  for (const Served& s : served_) {
    ASSERT_GT(s.varbinds.size(), 5u) << s.file;
    auto client = Client(s.port);
    ASSERT_NE(client, nullptr);
    // 1 per request, 25 as the poller asks, 1000: cut to the message size.
    for (int repetitions : {1, 25, 1000}) {
      snmp::WalkResult walk = client->BulkWalk({1, 3, 6, 1}, repetitions);
      ASSERT_TRUE(walk.complete()) << s.file << ": " << walk.status.ToString();
      ASSERT_EQ(walk.varbinds.size(), s.varbinds.size()) << s.file << " x" << repetitions;
      for (size_t i = 0; i < walk.varbinds.size(); ++i) {
        ExpectSameBinding(walk.varbinds[i], s.varbinds[i]);
      }
    }
  }
}

TEST_F(SnmprecAgentTest, NetSnmpWalkListsTheFileInOidOrderWithOidAndAddressValues) {
  ASSERT_NO_FATAL_FAILURE(
      StartFleet({"--agents", "2", "--days", "2", "--peripherals", "4", "--claim-copiers", "1"}));
  size_t oid_values = 0, addresses = 0;
  for (const Served& s : served_) {
    // snmpwalk: GETNEXT; -Cc: no check of increasing OIDs (the agent's job here).
    CommandResult walk =
        NetSnmp("snmpwalk", {"-Oq", "-Cc", fmt::format("127.0.0.1:{}", s.port), ".1.3.6.1"});
    ASSERT_EQ(walk.exit_code, 0) << walk.output;
    std::vector<std::string> want;
    for (const auto& vb : s.varbinds) want.push_back("." + snmp::OidToString(vb.oid));
    EXPECT_EQ(FirstWords(walk.output), want) << s.file;
    // OID and IpAddress values as in the file (their lines: TAG 6 and 64).
    std::istringstream lines(ReadTextFile(s.file));
    for (std::string line; std::getline(lines, line);) {
      size_t a = line.find('|'), b = line.find('|', a + 1);
      std::string tag = line.substr(a + 1, b - a - 1), value = line.substr(b + 1);
      if (tag == "6") {
        EXPECT_THAT(walk.output, HasSubstr(fmt::format(".{} .{}\n", line.substr(0, a), value)));
        ++oid_values;
      } else if (tag == "64") {
        EXPECT_THAT(walk.output, HasSubstr(fmt::format(".{} {}\n", line.substr(0, a), value)));
        ++addresses;
      }
    }
  }
  EXPECT_GT(oid_values, 0u);
  EXPECT_GT(addresses, 0u);
}

TEST_F(SnmprecAgentTest, GetOfOidsNotServedIsNoSuchInstanceOrNoSuchObject) {
  ASSERT_NO_FATAL_FAILURE(StartFleet({"--agents", "1", "--days", "1"}));
  auto client = Client(served_[0].port);
  ASSERT_NE(client, nullptr);
  const snmp::Oid sys_name = {1, 3, 6, 1, 2, 1, 1, 5, 0};
  snmp::Response r = client->Get({sys_name,
                                  {1, 3, 6, 1, 2, 1, 1, 5, 1},   // sysName.1: object, no instance
                                  {1, 3, 6, 1, 2, 1, 1, 6, 0},   // sysLocation: not served
                                  {1, 3, 6, 1, 4, 1, 99999, 1}}  // nothing under it
  );
  ASSERT_FALSE(r.timeout) << r.error;
  EXPECT_EQ(r.error_status, 0);
  ASSERT_EQ(r.varbinds.size(), 4u);
  EXPECT_EQ(r.varbinds[0].type, ValueType::kOctets);
  EXPECT_EQ(r.varbinds[0].octets, fmt::format("sim-{}", [&] {
              // fleet_gen names the agent by the port it chose, not the served one.
              std::string csv = ReadTextFile(dir_.File("fleet/targets.csv"));
              size_t at = csv.find('\n') + 1;
              return std::stoi(csv.substr(csv.find(',', at) + 1));
            }()));
  EXPECT_EQ(r.varbinds[1].type, ValueType::kNoSuchInstance);
  EXPECT_EQ(snmp::OidToString(r.varbinds[1].oid), "1.3.6.1.2.1.1.5.1");
  EXPECT_EQ(r.varbinds[2].type, ValueType::kNoSuchObject);
  EXPECT_EQ(r.varbinds[3].type, ValueType::kNoSuchObject);
  EXPECT_EQ(snmp::OidToString(r.varbinds[3].oid), "1.3.6.1.4.1.99999.1");
  // A device table cell of a device index the agent does not have.
  snmp::Oid missing =
      mib::Oid({mib::kObjects, mib::kDeviceTable, mib::kEntry, mib::kDeviceSerialNumber, 7});
  r = client->Get({missing});
  ASSERT_EQ(r.varbinds.size(), 1u);
  EXPECT_EQ(r.varbinds[0].type, ValueType::kNoSuchInstance);
}

TEST_F(SnmprecAgentTest, GetBulkAnswersNonRepeatersOnceThenRepeatersUpToEndOfMibView) {
  ASSERT_NO_FATAL_FAILURE(StartFleet({"--agents", "1", "--days", "2"}));
  const Served& s = served_[0];
  ASSERT_GT(s.varbinds.size(), 10u);
  auto name = [&](size_t i) { return "." + snmp::OidToString(s.varbinds[i].oid); };
  // Non-repeater: the object after #2. Repeater from #5: #6, #7, #8.
  CommandResult bulk = NetSnmp(
      "snmpbulkget", {"-Cn1", "-Cr3", fmt::format("127.0.0.1:{}", s.port), name(2), name(5)});
  ASSERT_EQ(bulk.exit_code, 0) << bulk.output;
  EXPECT_EQ(FirstWords(bulk.output), (std::vector<std::string>{name(3), name(6), name(7), name(8)}))
      << bulk.output;
  // From the second-to-last object: the last one, then endOfMibView once.
  auto client = Client(s.port);
  ASSERT_NE(client, nullptr);
  snmp::Response r = client->GetBulk(s.varbinds[s.varbinds.size() - 2].oid, 10);
  ASSERT_FALSE(r.timeout) << r.error;
  ASSERT_EQ(r.varbinds.size(), 2u);
  ExpectSameBinding(r.varbinds[0], s.varbinds.back());
  EXPECT_EQ(r.varbinds[1].type, ValueType::kEndOfMibView);
}

TEST_F(SnmprecAgentTest, BulkResponsesAreCutToTheMessageSize) {
  // Two devices with 30 days each: about 300 objects, far above one message.
  ASSERT_NO_FATAL_FAILURE(
      StartFleet({"--agents", "5", "--days", "30"}, {"--max-message-bytes", "1000"}));
  const Served& s = served_[4];
  ASSERT_GT(s.varbinds.size(), 200u);
  CommandResult bulk =
      NetSnmp("snmpbulkget", {"-d", "-Cr500", fmt::format("127.0.0.1:{}", s.port), ".1.3.6.1"});
  ASSERT_EQ(bulk.exit_code, 0) << bulk.output;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(bulk.output, m, std::regex("Received (\\d+) byte packet")))
      << bulk.output;
  const int bytes = std::stoi(m[1]);
  EXPECT_LE(bytes, 1000);
  EXPECT_GT(bytes, 800);  // cut at the last binding that fits, not far below
  std::vector<std::string> got = FirstWords(bulk.output);
  ASSERT_GT(got.size(), 10u);
  EXPECT_LT(got.size(), s.varbinds.size());
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i], "." + snmp::OidToString(s.varbinds[i].oid));
  }
}

TEST_F(SnmprecAgentTest, WrongCommunityIsNotAnsweredAndCountersArePrintedOnExit) {
  ASSERT_NO_FATAL_FAILURE(StartFleet({"--agents", "2", "--days", "1"}));
  auto wrong = Client(served_[0].port, "not-public");
  ASSERT_NE(wrong, nullptr);
  snmp::Response r = wrong->Get({{1, 3, 6, 1, 2, 1, 1, 5, 0}});
  EXPECT_TRUE(r.timeout);
  auto right = Client(served_[1].port);
  ASSERT_NE(right, nullptr);
  r = right->Get({{1, 3, 6, 1, 2, 1, 1, 5, 0}});
  EXPECT_FALSE(r.timeout) << r.error;
  int status = agent_->Stop(SIGTERM);
  ASSERT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(WEXITSTATUS(status), 0);
  // The wrong community: two tries (1 retry), both dropped; one GET answered.
  EXPECT_THAT(agent_->Log(),
              HasSubstr("requests=3 responses=1 dropped=2 bad_community=2 too_big=0 get=1"));
  agent_.reset();
}

TEST_F(SnmprecAgentTest, PollerStoresEveryDeviceAsServed) {
  const size_t kAgents = 10, kCustomers = 3, kDays = 3;
  ASSERT_NO_FATAL_FAILURE(
      StartFleet({"--agents", std::to_string(kAgents), "--customers", std::to_string(kCustomers),
                  "--days", std::to_string(kDays)}));
  const std::string db = dir_.File("h.db");
  const std::string store = Bin("store/periscope-store");
  ASSERT_EQ(RunCommand({store, "--db", db, "init"}).exit_code, 0);
  for (const auto& [what, file] : std::vector<std::pair<std::string, std::string>>{
           {"staff", dir_.File("fleet/staff.csv")},
           {"customers", dir_.File("fleet/customers.csv")},
           {"targets", targets_csv()}}) {
    CommandResult r = RunCommand({store, "--db", db, "import", what, file});
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }
  WriteTextFile(dir_.File("poller.xml"), fmt::format(R"(<periscope-poller>
  <database path="{}"/>
  <polling window="64" timeout-ms="1000" retries="1"/>
  <profile name="sim-v2c" version="2c" community="public"/>
</periscope-poller>
)",
                                                     db));
  ::chmod(dir_.File("poller.xml").c_str(), 0600);
  CommandResult run =
      RunCommand({Bin("poller/periscope-poller"), "-c", dir_.File("poller.xml"), "--json"});
  ASSERT_EQ(run.exit_code, 0) << run.output;
  nlohmann::json summary;
  std::istringstream lines(run.output);
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty() && line[0] == '{') summary = nlohmann::json::parse(line);
  }
  // fleet_gen's fleet is MakeFleet's: the same devices, built here again.
  std::vector<SimAgent> fleet = MakeFleet(kAgents, kCustomers, kDays);
  size_t devices = 0;
  for (const SimAgent& a : fleet) devices += a.devices.size();
  EXPECT_EQ(summary["targets"], kAgents) << run.output;
  EXPECT_EQ(summary["ok"], kAgents) << run.output;
  EXPECT_EQ(summary["failed"], 0) << run.output;
  EXPECT_EQ(summary["devices"], devices) << run.output;

  auto reader = store::Db::OpenReader(db);
  ASSERT_TRUE(reader.ok());
  for (size_t i = 0; i < fleet.size(); ++i) {
    for (const SimDevice& d : fleet[i].devices) {
      auto t = store::Query(
          **reader,
          fmt::format("SELECT s.model, s.capacity_bytes, sa.used_bytes, sa.writes_completed, "
                      "(SELECT count(*) FROM daily y WHERE y.device_id = dev.id) "
                      "FROM devices dev JOIN targets t ON t.id = dev.target_id "
                      "JOIN device_specs s ON s.device_id = dev.id "
                      "JOIN samples sa ON sa.device_id = dev.id "
                      "WHERE t.port = {} AND dev.serial_number = '{}'",
                      served_[i].port, d.serial));
      ASSERT_TRUE(t.ok()) << t.status().message();
      ASSERT_EQ(t->rows.size(), 1u) << d.serial;
      EXPECT_EQ(t->rows[0][0], d.model);
      EXPECT_EQ(t->rows[0][1], std::to_string(d.capacity_bytes));
      EXPECT_EQ(t->rows[0][2], std::to_string(d.used_bytes));
      EXPECT_EQ(t->rows[0][3], std::to_string(d.writes));
      EXPECT_EQ(t->rows[0][4], std::to_string(kDays));
    }
  }
}

}  // namespace
}  // namespace periscope::testing
