// CollectItems against real agents: simulated copiers served by snmpsim
// (tests/support/claim_fleet.h), a dead peer, a peer whose profile is unknown,
// and storage devices served by the real periscope-subagent under a private
// snmpd over AgentX. Everything on 127.0.0.1, in temp dirs.
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "claimtool/collect.h"
#include "core/clock.h"
#include "mib/periscope_oids.h"
#include "tests/support/agent_env.h"
#include "tests/support/claim_fleet.h"
#include "tests/support/fleet.h"
#include "tests/support/peripheral_fleet.h"
#include "tests/support/process.h"

namespace periscope::testing {
namespace {

using claimtool::CollectItems;
using claimtool::CollectOptions;
using claimtool::CollectResult;
using claimtool::ItemDef;
using claimtool::ItemSource;
using std::chrono::milliseconds;
using ::testing::HasSubstr;

ItemDef ColumnItem(std::string name, snmp::Oid oid, bool device_indexed, claimtool::ValueType type,
                   ItemSource source = ItemSource::kOid) {
  ItemDef d;
  d.name = std::move(name);
  d.source = source;
  d.oid = std::move(oid);
  d.table = true;
  d.device_indexed = device_indexed;
  d.type = type;
  return d;
}

ItemDef PeriscopeItem(std::string name, std::string item, claimtool::ValueType type) {
  ItemDef d;
  d.name = std::move(name);
  d.source = ItemSource::kPeriscope;
  d.periscope_item = std::move(item);
  d.type = type;
  return d;
}

std::vector<const ItemDef*> Ptrs(const std::vector<ItemDef>& defs) {
  std::vector<const ItemDef*> out;
  for (const ItemDef& d : defs) out.push_back(&d);
  return out;
}

constexpr auto kNumber = claimtool::ValueType::kNumber;
constexpr auto kText = claimtool::ValueType::kText;

// The items a copier claim reads: the vendor examples, Printer-MIB and the
// network environment, as the shipped rules name them.
std::vector<ItemDef> CopierItems() {
  return {
      ColumnItem("tray-copies", ClaimVendorOid(kVendorTrayCopies), true, kNumber),
      ColumnItem("density", ClaimVendorOid(kVendorDensity), true, kNumber),
      ColumnItem("exposure", ClaimVendorOid(kVendorExposure), true, kNumber),
      ColumnItem("auto-density", ClaimVendorOid(kVendorAutoDensity), true, kNumber),
      ColumnItem("drum-charge", ClaimVendorOid(kVendorDrumCharge), true, kNumber),
      ColumnItem("copies", kClaimPrtMarkerLifeCount, true, kNumber, ItemSource::kMib),
      ColumnItem("serial", kClaimPrtGeneralSerialNumber, true, kText, ItemSource::kMib),
      ColumnItem("ip-address", kClaimIpAdEntAddr, false, kText, ItemSource::kMib),
      ColumnItem("netmask", kClaimIpAdEntNetMask, false, kText, ItemSource::kMib),
      ColumnItem("link-speed", kClaimIfSpeed, false, kNumber, ItemSource::kMib),
      ColumnItem("duplex", kClaimDot3StatsDuplexStatus, false, kNumber, ItemSource::kMib),
  };
}

// Only the vendor's numbers, all of which the garbage copier serves wrongly.
std::vector<ItemDef> VendorNumberItems() {
  std::vector<ItemDef> all = CopierItems();
  return {all.begin(), all.begin() + 5};
}

std::vector<store::ClaimValueRecord> ValuesOf(const CollectResult& r, int64_t device_id) {
  std::vector<store::ClaimValueRecord> out;
  for (const auto& v : r.values) {
    if (v.device_id == device_id) out.push_back(v);
  }
  return out;
}

const store::ClaimValueRecord* Find(const std::vector<store::ClaimValueRecord>& values,
                                    const std::string& item, const std::string& instance) {
  for (const auto& v : values) {
    if (v.item == item && v.instance == instance) return &v;
  }
  return nullptr;
}

// Checks that `values` (one device's) hold exactly what `copier` serves of
// `items`, instance for instance.
void ExpectServedValues(const ClaimCopier& copier, const std::vector<ItemDef>& items,
                        const std::vector<store::ClaimValueRecord>& values) {
  size_t expected = 0;
  for (const ClaimServed& s : ClaimServedValues(copier)) {
    const ItemDef* item = nullptr;
    for (const ItemDef& d : items) {
      if (d.oid == s.object) item = &d;
    }
    if (item == nullptr) continue;
    ++expected;
    const store::ClaimValueRecord* v = Find(values, item->name, s.instance);
    ASSERT_NE(v, nullptr) << copier.serial << " " << item->name << " instance '" << s.instance
                          << "'";
    SCOPED_TRACE(copier.serial + " " + item->name + " instance '" + s.instance + "'");
    if (s.wrong_type) {
      EXPECT_FALSE(v->number.has_value());
      EXPECT_THAT(v->problem, HasSubstr("OCTET STRING"));
    } else if (s.number) {
      EXPECT_EQ(v->problem, "");
      EXPECT_EQ(v->number, s.number);
    } else {
      EXPECT_EQ(v->problem, "");
      EXPECT_EQ(v->text, s.text);
      EXPECT_FALSE(v->number.has_value());
    }
  }
  // Nothing else: no row of another hrDeviceIndex, no invented instance.
  EXPECT_EQ(values.size(), expected) << copier.serial;
}

class ClaimCollectSimTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!HaveSnmpsim()) return;
    dir_ = new TempDir();
    sim_ = new PeripheralSim(*dir_, 2);
    ClaimFleetSpec spec;
    spec.model_a_peers = 5;
    spec.model_b = 2;
    fleet_ = new ClaimFleet(MakeClaimFleet(spec));
    served_ = sim_->Serve(ClaimCopierAgents(fleet_->copiers));
  }
  static void TearDownTestSuite() {
    delete sim_;
    delete fleet_;
    delete dir_;
    sim_ = nullptr;
    fleet_ = nullptr;
    dir_ = nullptr;
  }

  void SetUp() override {
    if (!HaveSnmpsim()) GTEST_SKIP() << "snmpsim not installed (apt-get install snmpsim)";
    ASSERT_TRUE(served_) << sim_->Log();
    v2_.name = "v2";
    v2_.community = "public";
    profiles_["v2"] = v2_;
  }

  // The copiers as the claim tool finds them: one target each, device id
  // i + 1, the claimed copier first.
  std::vector<store::ClaimDevice> Copiers() const {
    std::vector<store::ClaimDevice> out;
    for (size_t i = 0; i < fleet_->copiers.size(); ++i) {
      const ClaimCopier& c = fleet_->copiers[i];
      store::ClaimDevice d;
      d.device_id = static_cast<int64_t>(i) + 1;
      d.kind = store::DeviceKind::kPrinter;
      d.model = c.model;
      d.serial_number = c.serial;
      d.device_index = c.device_index;
      d.target_id = static_cast<int64_t>(i) + 1;
      d.address = "127.0.0.1";
      d.port = sim_->agents()[i].port;
      d.profile = "v2";
      d.customer_user_id = c.customer;
      out.push_back(d);
    }
    return out;
  }

  // A peer on a free UDP port where nothing listens.
  static store::ClaimDevice DeadPeer() {
    store::ClaimDevice d;
    d.device_id = 100;
    d.kind = store::DeviceKind::kPrinter;
    d.serial_number = "CPY60-DEAD";
    d.device_index = 1;
    d.target_id = 100;
    d.address = "127.0.0.1";
    d.port = FreeUdpPort();
    d.profile = "v2";
    return d;
  }

  CollectOptions Options(milliseconds deadline, milliseconds timeout, int retries) const {
    CollectOptions o;
    o.engine.timeout = timeout;
    o.engine.retries = retries;
    o.profiles = &profiles_;
    o.deadline = deadline;
    o.clock = &SystemClock::Instance();
    return o;
  }

  static TempDir* dir_;
  static PeripheralSim* sim_;
  static ClaimFleet* fleet_;
  static bool served_;
  poller::Profile v2_;
  std::map<std::string, poller::Profile> profiles_;
};

TempDir* ClaimCollectSimTest::dir_ = nullptr;
PeripheralSim* ClaimCollectSimTest::sim_ = nullptr;
ClaimFleet* ClaimCollectSimTest::fleet_ = nullptr;
bool ClaimCollectSimTest::served_ = false;

TEST_F(ClaimCollectSimTest, ValuesReadAreTheServedValuesAndFailuresAreClassified) {
  std::vector<store::ClaimDevice> devices = Copiers();
  devices.push_back(DeadPeer());
  store::ClaimDevice unknown = devices[1];
  unknown.device_id = 101;
  unknown.target_id = 101;
  unknown.profile = "v3-nowhere";
  devices.push_back(unknown);
  const std::vector<ItemDef> items = CopierItems();

  const int64_t before = UnixSeconds(SystemClock::Instance());
  auto result =
      CollectItems(devices, Ptrs(items), Options(milliseconds(20000), milliseconds(400), 0));
  const int64_t after = UnixSeconds(SystemClock::Instance());
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  ASSERT_EQ(result->devices.size(), devices.size());
  EXPECT_TRUE(result->completed);
  EXPECT_EQ(result->devices[0].role, "claimed");

  for (size_t i = 0; i < fleet_->copiers.size(); ++i) {
    const ClaimCopier& copier = fleet_->copiers[i];
    const store::ClaimDeviceRecord& rec = result->devices[i];
    SCOPED_TRACE(copier.serial);
    EXPECT_EQ(rec.role, i == 0 ? "claimed" : "peer");
    EXPECT_EQ(rec.device_id, devices[i].device_id);
    EXPECT_EQ(rec.serial_number, copier.serial);
    EXPECT_EQ(rec.customer_user_id, copier.customer);
    EXPECT_EQ(rec.endpoint, "127.0.0.1:" + std::to_string(devices[i].port));
    // The garbage copier's network objects and serial are fine: it answered,
    // with its vendor numbers refused.
    EXPECT_TRUE(rec.answered) << rec.error_class << ": " << rec.error;
    EXPECT_EQ(rec.error_class, "");
    EXPECT_GE(rec.read_at, before);
    EXPECT_LE(rec.read_at, after);
    ExpectServedValues(copier, items, ValuesOf(*result, rec.device_id));
  }
  ASSERT_TRUE(fleet_->garbage.has_value());
  const auto garbage = ValuesOf(*result, result->devices[*fleet_->garbage].device_id);
  EXPECT_GT(std::count_if(garbage.begin(), garbage.end(),
                          [](const auto& v) { return !v.problem.empty(); }),
            5);

  const store::ClaimDeviceRecord& dead = result->devices[fleet_->copiers.size()];
  EXPECT_FALSE(dead.answered);
  EXPECT_EQ(dead.error_class, "timeout") << dead.error;
  EXPECT_THAT(dead.error, HasSubstr(std::to_string(devices[fleet_->copiers.size()].port)));
  const store::ClaimDeviceRecord& no_profile = result->devices.back();
  EXPECT_FALSE(no_profile.answered);
  EXPECT_EQ(no_profile.error_class, "profile");
  EXPECT_THAT(no_profile.error, HasSubstr("v3-nowhere"));
  EXPECT_TRUE(ValuesOf(*result, dead.device_id).empty());
  EXPECT_TRUE(ValuesOf(*result, no_profile.device_id).empty());

  // Values come device by device, in input order.
  int64_t last = 0;
  for (const auto& v : result->values) {
    EXPECT_GE(v.device_id, last);
    last = v.device_id;
  }
}

TEST_F(ClaimCollectSimTest, CopierWithNoUsableValueIsReportedSoWithItsFirstProblem) {
  const std::vector<ItemDef> items = VendorNumberItems();
  auto result =
      CollectItems(Copiers(), Ptrs(items), Options(milliseconds(20000), milliseconds(1000), 1));
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  ASSERT_TRUE(fleet_->garbage.has_value());
  for (size_t i = 0; i < fleet_->copiers.size(); ++i) {
    const store::ClaimDeviceRecord& rec = result->devices[i];
    if (i == *fleet_->garbage) {
      EXPECT_FALSE(rec.answered);
      EXPECT_EQ(rec.error_class, "no_usable_value");
      EXPECT_THAT(rec.error, HasSubstr("OCTET STRING"));
      // Its refused values are kept, each saying why.
      ExpectServedValues(fleet_->copiers[i], items, ValuesOf(*result, rec.device_id));
    } else {
      EXPECT_TRUE(rec.answered) << rec.error;
      ExpectServedValues(fleet_->copiers[i], items, ValuesOf(*result, rec.device_id));
    }
  }
}

TEST_F(ClaimCollectSimTest, DeadlineEndsTheWholeReadAndGivesUpTheUnfinished) {
  std::vector<store::ClaimDevice> devices = Copiers();
  devices.resize(2);
  devices.push_back(DeadPeer());
  const std::vector<ItemDef> items = CopierItems();
  const milliseconds deadline(1500);
  // A dead device costs (1 + retries) x timeout plus a timeout listening for
  // late answers: far beyond the deadline.
  const auto started = std::chrono::steady_clock::now();
  auto result = CollectItems(devices, Ptrs(items), Options(deadline, milliseconds(1000), 1));
  const auto took = std::chrono::steady_clock::now() - started;
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_LT(took, deadline + milliseconds(1000));
  EXPECT_FALSE(result->completed);
  EXPECT_LE(result->elapsed_ms, std::chrono::duration_cast<milliseconds>(took).count());
  ASSERT_EQ(result->devices.size(), 3u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_TRUE(result->devices[i].answered) << result->devices[i].error;
    ExpectServedValues(fleet_->copiers[i], items, ValuesOf(*result, result->devices[i].device_id));
  }
  EXPECT_FALSE(result->devices[2].answered);
  EXPECT_EQ(result->devices[2].error_class, "deadline") << result->devices[2].error;
  EXPECT_THAT(result->devices[2].error, HasSubstr("1500 ms"));
}

// ---- the real subagent under snmpd ----

const char kDevices[] = R"(  <device index="1" type="diskArray">
    <model>PSA-2000</model>
    <serial-number>SN-0001</serial-number>
    <firmware>2.4.1</firmware>
    <mount>/</mount>
    <item name="backup.last-result" value="ok 2026-11-20 02:00"/>
    <item name="controller.temperature" value="41" unit="C"/>
  </device>
  <device index="2" type="diskArray">
    <model>PSA-2000</model>
    <serial-number>SN-0002</serial-number>
    <firmware>3.0.7</firmware>
    <mount>/</mount>
    <item name="backup.last-result" value="failed: tape 3 offline"/>
  </device>
)";

snmp::Oid ItemRow(uint32_t device, const std::string& name) {
  snmp::Oid o = mib::Oid({mib::kObjects, mib::kItemTable, mib::kEntry, mib::kItemValue, device});
  for (char c : name) o.push_back(static_cast<unsigned char>(c));
  return o;
}

TEST(ClaimCollectSubagentTest, PeriscopeItemsAreReadForTheirDeviceAndIfSpeedFromTheSameSnmpd) {
  TempDir dir;
  Snmpd snmpd(dir);
  const std::string config = dir.File("subagent.xml");
  WriteTextFile(config,
                SubagentConfigXml(snmpd.agentx_socket(), dir.File("state"), 1, 2, kDevices));
  Subagent subagent(dir, config);
  ASSERT_TRUE(snmpd.Start()) << snmpd.Log();
  subagent.Start();
  auto client = SnmpClient::Open(snmpd.peer(), V2cCredentials());
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  auto served_text = [&](uint32_t device, const std::string& name) -> std::optional<std::string> {
    Response r = (*client)->Get({ItemRow(device, name)});
    if (r.timeout || r.varbinds.size() != 1 || r.varbinds[0].type != ValueType::kOctets) {
      return std::nullopt;
    }
    return r.varbinds[0].octets;
  };
  ASSERT_TRUE(WaitFor(
      [&] {
        auto used = served_text(2, "used-percent");
        return used && !used->empty();
      },
      std::chrono::seconds(15)))
      << "subagent log:\n"
      << subagent.Log() << "\nsnmpd log:\n"
      << snmpd.Log();

  const std::vector<ItemDef> items = {
      PeriscopeItem("firmware", "firmware", kText),
      PeriscopeItem("used-percent", "used-percent", kNumber),
      PeriscopeItem("backup", "backup.last-result", kText),
      PeriscopeItem("temperature", "controller.temperature", kNumber),
      PeriscopeItem("not-configured", "no.such-item", kText),
      ColumnItem("link-speed", {1, 3, 6, 1, 2, 1, 2, 2, 1, 5}, false, kNumber, ItemSource::kMib),
  };
  std::vector<store::ClaimDevice> devices;
  for (int64_t index : {2, 1}) {  // the claimed one is device 2; one target
    store::ClaimDevice d;
    d.device_id = 10 + index;
    d.kind = store::DeviceKind::kPeriscope;
    d.serial_number = "SN-000" + std::to_string(index);
    d.device_index = index;
    d.target_id = 7;
    d.address = "127.0.0.1";
    d.port = snmpd.port();
    d.profile = "v2";
    devices.push_back(d);
  }
  std::map<std::string, poller::Profile> profiles;
  profiles["v2"].name = "v2";
  profiles["v2"].community = kRoCommunity;
  CollectOptions options;
  options.engine.timeout = milliseconds(2000);
  options.profiles = &profiles;
  options.deadline = milliseconds(20000);
  options.clock = &SystemClock::Instance();
  auto result = CollectItems(devices, Ptrs(items), options);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  ASSERT_EQ(result->devices.size(), 2u);
  EXPECT_TRUE(result->completed);

  // ifSpeed as this snmpd serves it, read independently.
  snmp::WalkResult if_speed = (*client)->BulkWalk({1, 3, 6, 1, 2, 1, 2, 2, 1, 5}, 10);
  ASSERT_TRUE(if_speed.complete()) << if_speed.status.ToString();
  ASSERT_FALSE(if_speed.varbinds.empty());

  struct Expected {
    int64_t device_id;
    std::string firmware, backup;
    std::optional<double> temperature;
  };
  const Expected expected[] = {{12, "3.0.7", "failed: tape 3 offline", std::nullopt},
                               {11, "2.4.1", "ok 2026-11-20 02:00", 41.0}};
  for (size_t i = 0; i < 2; ++i) {
    const Expected& e = expected[i];
    SCOPED_TRACE("device " + std::to_string(e.device_id));
    EXPECT_TRUE(result->devices[i].answered) << result->devices[i].error;
    EXPECT_EQ(result->devices[i].device_id, e.device_id);
    const auto values = ValuesOf(*result, e.device_id);
    const auto* firmware = Find(values, "firmware", "");
    ASSERT_NE(firmware, nullptr);
    EXPECT_EQ(firmware->text, e.firmware);
    const auto* backup = Find(values, "backup", "");
    ASSERT_NE(backup, nullptr);
    EXPECT_EQ(backup->text, e.backup);
    const auto* temperature = Find(values, "temperature", "");
    ASSERT_NE(temperature, nullptr);
    EXPECT_EQ(temperature->number, e.temperature);
    EXPECT_EQ(temperature->problem, e.temperature ? "" : "no such object");
    const auto* missing = Find(values, "not-configured", "");
    ASSERT_NE(missing, nullptr);
    EXPECT_EQ(missing->problem, "no such object");
    // used-percent moves with the disk: near what the subagent serves now.
    const auto* used = Find(values, "used-percent", "");
    ASSERT_NE(used, nullptr);
    ASSERT_TRUE(used->number.has_value()) << used->problem;
    auto served = served_text(static_cast<uint32_t>(e.device_id - 10), "used-percent");
    ASSERT_TRUE(served.has_value());
    EXPECT_NEAR(*used->number, std::strtod(served->c_str(), nullptr), 1.0);
    // Every interface's speed, for every device of the target.
    for (const VarBind& vb : if_speed.varbinds) {
      const std::string instance = std::to_string(vb.oid.back());
      const auto* speed = Find(values, "link-speed", instance);
      ASSERT_NE(speed, nullptr) << "ifIndex " << instance;
      EXPECT_EQ(speed->number, static_cast<double>(vb.unsigned_value));
    }
  }
  EXPECT_EQ(subagent.Stop(), 0) << subagent.Log();
}

}  // namespace
}  // namespace periscope::testing
