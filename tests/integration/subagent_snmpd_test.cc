// periscope-subagent under a real snmpd (AgentX over a unix socket), read with
// SNMPv2c and SNMPv3 authPriv. Everything runs in a temp dir on loopback ports.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <sstream>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/clock.h"
#include "core/files.h"
#include "core/strings.h"
#include "core/unique_fd.h"
#include "mib/periscope_oids.h"
#include "subagent/config.h"
#include "subagent/sampler.h"
#include "tests/support/agent_env.h"

namespace periscope::testing {
namespace {

using std::chrono::seconds;

constexpr int kPingIntervalS = 2;

Oid Column(uint32_t table, uint32_t column) {
  return mib::Oid({mib::kObjects, table, mib::kEntry, column});
}
Oid DeviceCell(uint32_t column, uint32_t index) {
  Oid o = Column(mib::kDeviceTable, column);
  o.push_back(index);
  return o;
}
Oid AgentScalar(uint32_t scalar) { return mib::Oid({mib::kObjects, mib::kAgentGroup, scalar, 0}); }

const std::string kRootDevice = R"(  <device index="1" type="diskArray">
    <product-name>ストレージ装置 PSA</product-name>
    <model>PSA-2000</model>
    <product-number>PSA-2000-12T</product-number>
    <serial-number>SN-0001</serial-number>
    <configuration>RAID6 12x1TB</configuration>
    <firmware>2.4.1</firmware>
    <cache>8GiB</cache>
    <sale-date>2025-04-01</sale-date>
    <price currency="JPY">3500000</price>
    <user-id>顧客-0042</user-id>
    <mount>/</mount>
    <item name="site" value="Rack B4"/>
    <item name="kernel.release" file="/proc/sys/kernel/osrelease"/>
  </device>
)";

class SubagentSnmpdTest : public ::testing::Test {
 protected:
  void SetUp() override {
    snmpd_ = std::make_unique<Snmpd>(dir_, trap_port_);
    config_path_ = dir_.File("subagent.xml");
    WriteConfig(kRootDevice);
    subagent_ = std::make_unique<Subagent>(dir_, config_path_);
  }

  void WriteConfig(const std::string& devices, int threshold_pct = 90) {
    WriteTextFile(config_path_, SubagentConfigXml(snmpd_->agentx_socket(), dir_.File("state"), 1,
                                                  kPingIntervalS, devices, threshold_pct));
  }

  std::unique_ptr<SnmpClient> V2c() {
    auto client = SnmpClient::Open(snmpd_->peer(), V2cCredentials());
    EXPECT_TRUE(client.ok()) << client.status().ToString();
    return client.ok() ? std::move(*client) : nullptr;
  }

  // True once the subtree answers with a sampled device 1.
  bool Serving(SnmpClient* client) {
    Response r = client->Get({DeviceCell(mib::kDeviceStatus, 1)});
    return !r.timeout && r.error_status == 0 && r.varbinds.size() == 1 &&
           r.varbinds[0].type == ValueType::kInteger &&
           r.varbinds[0].integer != static_cast<int>(mib::DeviceStatus::kUnavailable);
  }

  void StartBoth() {
    ASSERT_TRUE(snmpd_->Start()) << snmpd_->Log();
    subagent_->Start();
    auto client = V2c();
    ASSERT_TRUE(WaitFor([&] { return Serving(client.get()); }, seconds(15)))
        << "subagent log:\n"
        << subagent_->Log() << "\nsnmpd log:\n"
        << snmpd_->Log();
  }

  uint64_t GetUnsigned(SnmpClient* client, const Oid& oid) {
    Response r = client->Get({oid});
    EXPECT_FALSE(r.timeout);
    if (r.varbinds.size() != 1) return 0;
    return r.varbinds[0].unsigned_value;
  }

  TempDir dir_;
  int trap_port_ = 0;
  std::unique_ptr<Snmpd> snmpd_;
  std::unique_ptr<Subagent> subagent_;
  std::string config_path_;
};

std::map<Oid, VarBind> ByOid(const std::vector<VarBind>& vbs) {
  std::map<Oid, VarBind> out;
  for (const VarBind& v : vbs) out[v.oid] = v;
  return out;
}

TEST_F(SubagentSnmpdTest, EveryColumnReadableWithV2cAndV3AndEqualToTheHost) {
  ASSERT_NO_FATAL_FAILURE(StartBoth());
  auto v2c = V2c();
  auto v3 = SnmpClient::Open(snmpd_->peer(), V3Credentials());
  ASSERT_TRUE(v3.ok()) << v3.status().ToString();
  snmp::WalkResult walk2 = v2c->BulkWalk(mib::kPeriscopeMibRoot, 25);
  snmp::WalkResult walk3 = (*v3)->BulkWalk(mib::kPeriscopeMibRoot, 25);
  ASSERT_TRUE(walk2.complete()) << walk2.status.ToString();
  ASSERT_TRUE(walk3.complete()) << walk3.status.ToString();
  auto cells = ByOid(walk2.varbinds);
  auto cells3 = ByOid(walk3.varbinds);
  // Same objects through both security models (values may move between walks).
  ASSERT_EQ(cells.size(), cells3.size());
  for (const auto& [oid, vb] : cells) EXPECT_EQ(cells3.count(oid), 1u) << OidToString(oid);

  // Scalars.
  for (uint32_t s = mib::kAgentFirstScalar; s <= mib::kAgentLastScalar; ++s) {
    EXPECT_EQ(cells.count(AgentScalar(s)), 1u) << "scalar " << s;
  }
  EXPECT_EQ(cells[AgentScalar(mib::kAgentSamplingIntervalS)].unsigned_value, 1u);
  EXPECT_EQ(cells[AgentScalar(mib::kAgentDeviceCount)].unsigned_value, 1u);
  EXPECT_EQ(cells[AgentScalar(mib::kAgentDailyRetentionDays)].unsigned_value, 35u);

  // Every device column exists with its MIB type.
  struct Expect {
    uint32_t column;
    ValueType type;
  };
  const Expect columns[] = {
      {mib::kDeviceType, ValueType::kInteger},
      {mib::kDeviceProductName, ValueType::kOctets},
      {mib::kDeviceModel, ValueType::kOctets},
      {mib::kDeviceProductNumber, ValueType::kOctets},
      {mib::kDeviceSerialNumber, ValueType::kOctets},
      {mib::kDeviceConfiguration, ValueType::kOctets},
      {mib::kDeviceFirmware, ValueType::kOctets},
      {mib::kDeviceCapacityBytes, ValueType::kCounter64},
      {mib::kDeviceCacheBytes, ValueType::kCounter64},
      {mib::kDeviceSaleDate, ValueType::kOctets},
      {mib::kDevicePrice, ValueType::kCounter64},
      {mib::kDeviceCurrency, ValueType::kOctets},
      {mib::kDeviceUserId, ValueType::kOctets},
      {mib::kDeviceUsedBytes, ValueType::kCounter64},
      {mib::kDeviceLoadIntervalS, ValueType::kGauge32},
      {mib::kDeviceLoadPeakToday, ValueType::kGauge32},
      {mib::kDeviceLoadAvgToday, ValueType::kGauge32},
      {mib::kDeviceWritesCompleted, ValueType::kCounter64},
      {mib::kDeviceBytesWritten, ValueType::kCounter64},
      {mib::kDeviceStatus, ValueType::kInteger},
      {mib::kDeviceStatusText, ValueType::kOctets},
      {mib::kDeviceLastSampleTime, ValueType::kOctets},
  };
  for (const Expect& e : columns) {
    auto it = cells.find(DeviceCell(e.column, 1));
    ASSERT_NE(it, cells.end()) << "device column " << e.column;
    EXPECT_EQ(it->second.type, e.type) << "device column " << e.column;
  }
  EXPECT_EQ(cells[DeviceCell(mib::kDeviceType, 1)].integer, 2);  // diskArray
  EXPECT_EQ(cells[DeviceCell(mib::kDeviceProductName, 1)].octets, "ストレージ装置 PSA");
  EXPECT_EQ(cells[DeviceCell(mib::kDeviceUserId, 1)].octets, "顧客-0042");
  EXPECT_EQ(cells[DeviceCell(mib::kDeviceSerialNumber, 1)].octets, "SN-0001");
  EXPECT_EQ(cells[DeviceCell(mib::kDeviceFirmware, 1)].octets, "2.4.1");
  EXPECT_EQ(cells[DeviceCell(mib::kDeviceCacheBytes, 1)].unsigned_value, 8ULL << 30);
  EXPECT_EQ(cells[DeviceCell(mib::kDevicePrice, 1)].unsigned_value, 3500000u);
  EXPECT_EQ(cells[DeviceCell(mib::kDeviceCurrency, 1)].octets, "JPY");
  EXPECT_EQ(cells[DeviceCell(mib::kDeviceSaleDate, 1)].octets,
            std::string("\x07\xe9\x04\x01\x00\x00\x00\x00", 8));
  EXPECT_EQ(cells[DeviceCell(mib::kDeviceStatus, 1)].integer, 1);
  EXPECT_EQ(cells[DeviceCell(mib::kDeviceLastSampleTime, 1)].octets.size(), 11u);

  // Used and total bytes equal statvfs of / within 1%.
  struct statvfs st {};
  ASSERT_EQ(::statvfs("/", &st), 0);
  double host_used =
      static_cast<double>(st.f_blocks - st.f_bfree) * static_cast<double>(st.f_frsize);
  double host_size = static_cast<double>(st.f_blocks) * static_cast<double>(st.f_frsize);
  double served_used =
      static_cast<double>(cells[DeviceCell(mib::kDeviceUsedBytes, 1)].unsigned_value);
  EXPECT_NEAR(served_used, host_used, host_used * 0.01);
  EXPECT_NEAR(static_cast<double>(cells[DeviceCell(mib::kDeviceCapacityBytes, 1)].unsigned_value),
              host_size, host_size * 0.01);

  // Today's row of the daily table, every column.
  Oid daily_prefix = Column(mib::kDailyTable, mib::kDailyIntervals);
  daily_prefix.push_back(1);
  daily_prefix.push_back(LocalDate(std::chrono::system_clock::now()));
  for (uint32_t col = mib::kDailyFirstColumn; col <= mib::kDailyLastColumn; ++col) {
    Oid cell = Column(mib::kDailyTable, col);
    cell.push_back(1);
    cell.push_back(daily_prefix.back());
    EXPECT_EQ(cells.count(cell), 1u) << "daily column " << col;
  }
  Oid today_used = Column(mib::kDailyTable, mib::kDailyUsedBytes);
  today_used.push_back(1);
  today_used.push_back(daily_prefix.back());
  EXPECT_NEAR(static_cast<double>(cells[today_used].unsigned_value), host_used, host_used * 0.01);

  // Items: configured static and file values, and built-ins.
  auto item = [&](uint32_t col, const std::string& name) {
    Oid o = Column(mib::kItemTable, col);
    o.push_back(1);
    for (char c : name) o.push_back(static_cast<uint8_t>(c));  // IMPLIED: no length
    return o;
  };
  EXPECT_EQ(cells[item(mib::kItemValue, "site")].octets, "Rack B4");
  EXPECT_EQ(cells[item(mib::kItemSource, "site")].integer, 1);
  std::string release = ReadTextFile("/proc/sys/kernel/osrelease");
  release.erase(release.find_last_not_of("\n") + 1);
  EXPECT_EQ(cells[item(mib::kItemValue, "kernel.release")].octets, release);
  EXPECT_EQ(cells[item(mib::kItemSource, "kernel.release")].integer, 2);
  EXPECT_EQ(cells[item(mib::kItemValue, "firmware")].octets, "2.4.1");
  EXPECT_EQ(cells[item(mib::kItemSource, "used-percent")].integer, 3);
  EXPECT_EQ(cells[item(mib::kItemUnit, "used-percent")].octets, "%");
}

// Writes `count` synced 4 KiB blocks into a file in `dir` (O_DIRECT|O_DSYNC).
void WriteSyncedBurst(const std::string& path, int count) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_DIRECT | O_DSYNC, 0600));
  if (!fd.valid()) fd.reset(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_DSYNC, 0600));
  ASSERT_TRUE(fd.valid());
  void* buf = nullptr;
  ASSERT_EQ(::posix_memalign(&buf, 4096, 4096), 0);
  std::unique_ptr<void, decltype(&std::free)> owned_buf(buf, std::free);
  std::memset(buf, 'p', 4096);
  for (int i = 0; i < count; ++i) ASSERT_EQ(::write(fd.get(), buf, 4096), 4096);
}

// The mount point holding `path` (longest matching mount), and whether it is
// backed by an anonymous device (0:N, e.g. tmpfs or overlay).
std::string MountHolding(const std::string& path, bool* anonymous) {
  std::string mount = "/";
  *anonymous = false;
  auto content = ReadFileBounded("/proc/self/mountinfo", 1 << 20);
  if (!content.ok()) return mount;
  size_t best = 0;
  std::stringstream lines(*content);
  std::string line;
  while (std::getline(lines, line)) {
    std::vector<std::string_view> f = SplitWhitespace(line);
    if (f.size() < 5) continue;
    std::string mp(f[4]);
    if (path.rfind(mp, 0) == 0 && mp.size() >= best &&
        (mp == "/" || path.size() == mp.size() || path[mp.size()] == '/')) {
      best = mp.size();
      mount = mp;
      *anonymous = f[2].rfind("0:", 0) == 0;
    }
  }
  return mount;
}

TEST_F(SubagentSnmpdTest, SyncedBurstRaisesTodaysPeakAndRestartKeepsIt) {
  // The burst lands on the filesystem holding the temp dir: monitor that mount.
  bool anonymous = false;
  std::string mount = MountHolding(dir_.path(), &anonymous);
  if (anonymous) {
    GTEST_SKIP() << dir_.path() << " is on " << mount
                 << ", which has no block device; set TMPDIR to a disk-backed directory";
  }
  std::string device = kRootDevice;
  device.replace(device.find("<mount>/</mount>"), 16, "<mount>" + mount + "</mount>");
  WriteConfig(device);
  ASSERT_NO_FATAL_FAILURE(StartBoth());
  auto client = V2c();
  Oid peak = DeviceCell(mib::kDeviceLoadPeakToday, 1);
  std::this_thread::sleep_for(seconds(2));
  uint64_t before = GetUnsigned(client.get(), peak);

  constexpr int kBurstWrites = 1500;
  ASSERT_NO_FATAL_FAILURE(WriteSyncedBurst(dir_.File("burst.bin"), kBurstWrites));
  uint64_t after = 0;
  EXPECT_TRUE(WaitFor(
      [&] {
        after = GetUnsigned(client.get(), peak);
        return after >= before + kBurstWrites / 4 && after >= kBurstWrites / 2;
      },
      seconds(8)))
      << "peak before " << before << ", after " << after;

  // Restart: today's peak and the daily row survive through the state file.
  ASSERT_EQ(subagent_->Stop(), 0) << subagent_->Log();
  subagent_->Start();
  ASSERT_TRUE(WaitFor([&] { return Serving(client.get()); }, seconds(15))) << subagent_->Log();
  EXPECT_GE(GetUnsigned(client.get(), peak), after);
  Oid daily_peak = Column(mib::kDailyTable, mib::kDailyLoadPeak);
  daily_peak.push_back(1);
  daily_peak.push_back(LocalDate(std::chrono::system_clock::now()));
  EXPECT_GE(GetUnsigned(client.get(), daily_peak), after);
}

TEST_F(SubagentSnmpdTest, DailyHistoryIsServedAndSurvivesRestart) {
  // Build a state file holding yesterday's figures with the production code.
  auto config =
      subagent::ParseSubagentConfig(SubagentConfigXml(snmpd_->agentx_socket(), dir_.File("state"),
                                                      1, kPingIntervalS, kRootDevice),
                                    "inline");
  ASSERT_TRUE(config.ok()) << config.status().message();
  subagent::SystemDiskProbe probe;
  subagent::Sampler seed(*config, &probe);
  auto now = std::chrono::system_clock::now();
  auto yesterday = now - std::chrono::hours(24);
  seed.Sample(yesterday);
  seed.Sample(yesterday + seconds(1));
  seed.Sample(now - seconds(2));  // closes yesterday into the history
  ASSERT_TRUE(WriteFileAtomically(dir_.File("state"), seed.SerializeState()).ok());
  DateYmd yesterday_date = LocalDate(yesterday);

  ASSERT_NO_FATAL_FAILURE(StartBoth());
  auto client = V2c();
  Oid intervals = Column(mib::kDailyTable, mib::kDailyIntervals);
  intervals.push_back(1);
  intervals.push_back(yesterday_date);
  Response r = client->Get({intervals});
  ASSERT_EQ(r.varbinds.size(), 1u);
  EXPECT_EQ(r.varbinds[0].type, ValueType::kGauge32);
  EXPECT_EQ(r.varbinds[0].unsigned_value, 1u);

  ASSERT_EQ(subagent_->Stop(), 0);
  subagent_->Start();
  ASSERT_TRUE(WaitFor([&] { return Serving(client.get()); }, seconds(15)));
  r = client->Get({intervals});
  ASSERT_EQ(r.varbinds.size(), 1u);
  EXPECT_EQ(r.varbinds[0].unsigned_value, 1u);
}

TEST_F(SubagentSnmpdTest, CorruptStateFileIsSetAsideAndSubagentStartsClean) {
  WriteTextFile(dir_.File("state"), "periscope-subagent-state 1\ndevice 1 x\ngarbage\n");
  ASSERT_NO_FATAL_FAILURE(StartBoth());
  EXPECT_THAT(subagent_->Log(), ::testing::HasSubstr("is damaged"));
  bool found = false;
  for (const auto& entry : std::filesystem::directory_iterator(dir_.path())) {
    if (entry.path().filename().string().rfind("state.corrupt-", 0) == 0) found = true;
  }
  EXPECT_TRUE(found);
}

TEST_F(SubagentSnmpdTest, SnmpdRestartIsFollowedWithoutSubagentRestart) {
  ASSERT_NO_FATAL_FAILURE(StartBoth());
  pid_t pid = subagent_->pid();
  snmpd_->Stop(/*kill9=*/true);
  ASSERT_TRUE(snmpd_->Start()) << snmpd_->Log();
  auto client = V2c();
  auto started = std::chrono::steady_clock::now();
  EXPECT_TRUE(WaitFor([&] { return Serving(client.get()); }, seconds(kPingIntervalS + 5)))
      << subagent_->Log();
  EXPECT_LE(std::chrono::steady_clock::now() - started, seconds(kPingIntervalS + 5));
  EXPECT_TRUE(subagent_->Running());
  EXPECT_EQ(subagent_->pid(), pid);
}

TEST_F(SubagentSnmpdTest, SubagentStartedBeforeSnmpdConnectsWhenItComesUp) {
  subagent_->Start();
  std::this_thread::sleep_for(seconds(1));
  ASSERT_TRUE(subagent_->Running()) << subagent_->Log();
  ASSERT_TRUE(snmpd_->Start()) << snmpd_->Log();
  auto client = V2c();
  EXPECT_TRUE(WaitFor([&] { return Serving(client.get()); }, seconds(kPingIntervalS + 5)))
      << subagent_->Log();
}

TEST_F(SubagentSnmpdTest, AgentxFlagOverridesTheConfiguredSocket) {
  WriteTextFile(config_path_, SubagentConfigXml(dir_.File("wrong.sock"), dir_.File("state"), 1,
                                                kPingIntervalS, kRootDevice));
  ASSERT_TRUE(snmpd_->Start()) << snmpd_->Log();
  Process subagent({SubagentBinary(), "-f", "-c", config_path_, "-x", snmpd_->agentx_socket()},
                   dir_.File("subagent-x.log"));
  auto client = V2c();
  EXPECT_TRUE(WaitFor([&] { return Serving(client.get()); }, seconds(10))) << subagent.Log();
}

TEST_F(SubagentSnmpdTest, SetsAreRefusedAsNotWritable) {
  ASSERT_NO_FATAL_FAILURE(StartBoth());
  auto opened = SnmpClient::Open(snmpd_->peer(), V2cCredentials(kRwCommunity));
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  auto rw = std::move(*opened);
  struct SetCase {
    Oid oid;
    char type;
    const char* value;
  };
  Oid daily = Column(mib::kDailyTable, mib::kDailyLoadPeak);
  daily.push_back(1);
  daily.push_back(LocalDate(std::chrono::system_clock::now()));
  Oid item = Column(mib::kItemTable, mib::kItemValue);
  item.insert(item.end(), {1, 's', 'i', 't', 'e'});
  const SetCase cases[] = {
      {DeviceCell(mib::kDeviceSerialNumber, 1), 's', "forged"},
      {DeviceCell(mib::kDeviceUsedBytes, 1), 'u', "1"},
      {DeviceCell(mib::kDeviceProductName, 99), 's', "new row"},
      {AgentScalar(mib::kAgentSamplingIntervalS), 'u', "5"},
      {daily, 'u', "0"},
      {item, 's', "x"},
  };
  for (const SetCase& c : cases) {
    Response r = rw->Set(c.oid, c.type, c.value);
    EXPECT_FALSE(r.timeout) << OidToString(c.oid);
    EXPECT_THAT(r.error_status,
                ::testing::AnyOf(17 /*notWritable*/, 6 /*noAccess*/, 11 /*noCreation*/))
        << OidToString(c.oid);
  }
  Response r = rw->Get({DeviceCell(mib::kDeviceSerialNumber, 1)});
  ASSERT_EQ(r.varbinds.size(), 1u);
  EXPECT_EQ(r.varbinds[0].octets, "SN-0001");
}

TEST_F(SubagentSnmpdTest, MalformedIndexesAnswerNoSuchInstanceAndAgentSurvives) {
  ASSERT_NO_FATAL_FAILURE(StartBoth());
  auto client = V2c();
  Oid no_index = Column(mib::kDeviceTable, mib::kDeviceModel);
  Oid too_long = DeviceCell(mib::kDeviceModel, 1);
  too_long.insert(too_long.end(), {2, 3, 4});
  Oid zero = DeviceCell(mib::kDeviceModel, 0);
  Oid max = DeviceCell(mib::kDeviceModel, 0xffffffffU);
  Oid bad_column = DeviceCell(99, 1);
  Oid daily_half = Column(mib::kDailyTable, mib::kDailyLoadPeak);
  daily_half.push_back(1);
  Oid item_long = Column(mib::kItemTable, mib::kItemValue);
  item_long.push_back(1);
  for (int i = 0; i < 100; ++i) item_long.push_back('a');
  Oid item_nonascii = Column(mib::kItemTable, mib::kItemValue);
  item_nonascii.insert(item_nonascii.end(), {1, 300, 0xffffffffU});
  Oid scalar_instance = AgentScalar(mib::kAgentVersion);
  scalar_instance.back() = 1;
  for (const Oid& oid : {no_index, too_long, zero, max, bad_column, daily_half, item_long,
                         item_nonascii, scalar_instance}) {
    Response r = client->Get({oid});
    ASSERT_FALSE(r.timeout) << OidToString(oid);
    EXPECT_EQ(r.error_status, 0) << OidToString(oid);
    ASSERT_EQ(r.varbinds.size(), 1u);
    EXPECT_THAT(r.varbinds[0].type,
                ::testing::AnyOf(ValueType::kNoSuchInstance, ValueType::kNoSuchObject))
        << OidToString(oid);
    // GETNEXT from a malformed point still moves forward.
    Response next = client->GetNext({oid});
    ASSERT_FALSE(next.timeout) << OidToString(oid);
  }
  EXPECT_TRUE(Serving(client.get()));
  EXPECT_TRUE(subagent_->Running());
}

TEST_F(SubagentSnmpdTest, MissingMountMarksTheDeviceDegraded) {
  std::string devices = kRootDevice;
  devices.replace(devices.find("<mount>/</mount>"), 16,
                  "<mount>/</mount><mount>/nonexistent/periscope-test</mount>");
  devices += "  <device index=\"2\"><mount>/also/missing</mount></device>\n";
  WriteConfig(devices);
  ASSERT_NO_FATAL_FAILURE(StartBoth());
  auto client = V2c();
  Response r =
      client->Get({DeviceCell(mib::kDeviceStatus, 1), DeviceCell(mib::kDeviceStatusText, 1),
                   DeviceCell(mib::kDeviceStatus, 2), DeviceCell(mib::kDeviceStatusText, 2),
                   DeviceCell(mib::kDeviceUsedBytes, 1)});
  ASSERT_EQ(r.varbinds.size(), 5u);
  EXPECT_EQ(r.varbinds[0].integer, static_cast<int>(mib::DeviceStatus::kDegraded));
  EXPECT_THAT(r.varbinds[1].octets,
              ::testing::HasSubstr("/nonexistent/periscope-test: not mounted"));
  EXPECT_EQ(r.varbinds[2].integer, static_cast<int>(mib::DeviceStatus::kUnavailable));
  EXPECT_THAT(r.varbinds[3].octets, ::testing::HasSubstr("/also/missing"));
  EXPECT_GT(r.varbinds[4].unsigned_value, 0u);  // / still counted
}

TEST(SubagentPrivilegeTest, RunsAsAnUnprivilegedUser) {
  if (::geteuid() != 0) GTEST_SKIP() << "already unprivileged";
  if (::access("/usr/bin/setpriv", X_OK) != 0) GTEST_SKIP() << "setpriv (util-linux) missing";
  TempDir dir;
  // The subagent's own directory (state file) belongs to nobody; the AgentX
  // socket is opened to it through agentXPerms, as the snmpd.conf snippet does.
  std::string own = dir.File("nobody");
  ::mkdir(own.c_str(), 0700);
  ASSERT_EQ(::chown(own.c_str(), 65534, 65534), 0);
  Snmpd snmpd(dir, 0, "0660 0770 nobody nogroup");
  ASSERT_TRUE(snmpd.Start()) << snmpd.Log();
  std::string config = dir.File("subagent.xml");
  WriteTextFile(config, SubagentConfigXml(snmpd.agentx_socket(), own + "/state", 1, kPingIntervalS,
                                          kRootDevice));
  Subagent subagent(dir, config, "65534");
  subagent.Start();
  auto opened = SnmpClient::Open(snmpd.peer(), V2cCredentials());
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  auto client = std::move(*opened);
  EXPECT_TRUE(WaitFor(
      [&] {
        Response r = client->Get({DeviceCell(mib::kDeviceStatus, 1)});
        return r.varbinds.size() == 1 && r.varbinds[0].integer == 1;
      },
      seconds(10)))
      << subagent.Log() << snmpd.Log();
  EXPECT_TRUE(WaitFor([&] { return ::access((own + "/state").c_str(), F_OK) == 0; }, seconds(5)));
  std::string status = ReadTextFile("/proc/" + std::to_string(subagent.pid()) + "/status");
  EXPECT_THAT(status, ::testing::HasSubstr("Uid:\t65534"));
}

TEST(SubagentCommandTest, BadConfigExitsTwoNamingTheLine) {
  TempDir dir;
  WriteTextFile(dir.File("bad.xml"),
                "<periscope-subagent>\n  <device index=\"1\">\n    <capacity>huge</capacity>\n"
                "  </device>\n</periscope-subagent>\n");
  CommandResult r = RunCommand({SubagentBinary(), "-f", "-c", dir.File("bad.xml")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.output, ::testing::HasSubstr(dir.File("bad.xml") + ":3:5"));
  EXPECT_THAT(r.output, ::testing::HasSubstr("capacity"));

  r = RunCommand({SubagentBinary(), "--check-config", "-c", dir.File("missing.xml")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.output, ::testing::HasSubstr("missing.xml"));

  r = RunCommand({SubagentBinary(), "--bogus"});
  EXPECT_EQ(r.exit_code, 2);
  r = RunCommand({SubagentBinary(), "--version"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_THAT(r.output, ::testing::HasSubstr("periscope-subagent "));
}

TEST(SubagentCommandTest, CheckConfigPrintsWhatWouldBeServed) {
  CommandResult r = RunCommand(
      {SubagentBinary(), "--check-config", "-c", SourceDir() + "/etc/periscope-subagent.xml"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, ::testing::HasSubstr("device 1 (diskArray)"));
  EXPECT_THAT(r.output, ::testing::HasSubstr("mounts: /"));
}

// A tiny UDP listener: collects datagrams sent to 127.0.0.1:<port>.
class UdpSink {
 public:
  UdpSink() : fd_(BindLoopbackUdp(&port_, std::chrono::milliseconds(200))) {}
  int port() const { return port_; }
  std::string Receive() {
    char buf[65536];
    ssize_t n = ::recv(fd_.get(), buf, sizeof buf, 0);
    return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
  }

 private:
  int port_ = 0;  // declared first: fd_'s initializer sets it
  UniqueFd fd_;
};

// BER encoding of the notification's OID value, as it appears in the trap PDU.
std::string BerOidBody(const Oid& oid) {
  std::string out;
  out += static_cast<char>(oid[0] * 40 + oid[1]);
  for (size_t i = 2; i < oid.size(); ++i) {
    uint32_t v = oid[i];
    std::string chunk;
    chunk.insert(chunk.begin(), static_cast<char>(v & 0x7f));
    v >>= 7;
    while (v != 0) {
      chunk.insert(chunk.begin(), static_cast<char>(0x80 | (v & 0x7f)));
      v >>= 7;
    }
    out += chunk;
  }
  return out;
}

class CapacityNotificationTest : public SubagentSnmpdTest {
 protected:
  void SetUp() override {
    trap_port_ = sink_.port();
    SubagentSnmpdTest::SetUp();
  }
  // Counts periscopeCapacityThresholdCrossed notifications received in `window`.
  int CountNotifications(std::chrono::milliseconds window) {
    std::string notification =
        BerOidBody(mib::Oid({mib::kNotifications, mib::kNotifyCapacityThresholdCrossed}));
    int traps = 0;
    auto deadline = std::chrono::steady_clock::now() + window;
    while (std::chrono::steady_clock::now() < deadline) {
      if (sink_.Receive().find(notification) != std::string::npos) ++traps;
    }
    return traps;
  }

  bool LogSays(const std::string& text, std::chrono::milliseconds timeout) {
    return WaitFor([&] { return subagent_->Log().find(text) != std::string::npos; }, timeout);
  }

  UdpSink sink_;
};

TEST_F(CapacityNotificationTest, CrossingTheThresholdSendsOneTrapThroughSnmpd) {
  WriteConfig(kRootDevice, /*threshold_pct=*/1);  // / is surely over 1% used
  ASSERT_NO_FATAL_FAILURE(StartBoth());
  std::string notification =
      BerOidBody(mib::Oid({mib::kNotifications, mib::kNotifyCapacityThresholdCrossed}));
  std::string user_id = "顧客-0042";
  int traps = 0;
  auto deadline = std::chrono::steady_clock::now() + seconds(6);
  while (std::chrono::steady_clock::now() < deadline) {
    std::string packet = sink_.Receive();
    if (packet.find(notification) != std::string::npos) {
      ++traps;
      EXPECT_NE(packet.find(user_id), std::string::npos);
    }
  }
  EXPECT_EQ(traps, 1) << subagent_->Log();
}

TEST_F(CapacityNotificationTest, ACrossingWhileSnmpdIsDownIsSentOnceWhenItStarts) {
  // Monitor the filesystem holding the temp dir with a configured capacity
  // that puts the 50% threshold kMargin above its usage now; allocating twice
  // that much then crosses it.
  constexpr uint64_t kMargin = 512ULL << 20;
  bool anonymous = false;
  std::string mount = MountHolding(dir_.path(), &anonymous);
  struct statvfs vfs {};
  ASSERT_EQ(::statvfs(dir_.path().c_str(), &vfs), 0);
  if (anonymous || static_cast<uint64_t>(vfs.f_bavail) * vfs.f_frsize < 8 * kMargin) {
    GTEST_SKIP() << dir_.path() << " is on " << mount
                 << ", which is memory-backed or has less than 4 GiB free";
  }
  uint64_t used_now = static_cast<uint64_t>(vfs.f_blocks - vfs.f_bfree) * vfs.f_frsize;
  uint64_t capacity = 2 * (used_now + kMargin);
  std::string device = kRootDevice;
  device.replace(
      device.find("<mount>/</mount>"), 16,
      "<mount>" + mount + "</mount><capacity>" + std::to_string(capacity) + "</capacity>");
  WriteConfig(device, /*threshold_pct=*/50);
  ASSERT_NO_FATAL_FAILURE(StartBoth());
  ASSERT_EQ(CountNotifications(seconds(2)), 0) << "crossed before the test made it cross";

  snmpd_->Stop();
  UniqueFd ballast(::open(dir_.File("ballast").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
  ASSERT_TRUE(ballast.valid());
  ASSERT_EQ(::posix_fallocate(ballast.get(), 0, static_cast<off_t>(2 * kMargin)), 0);
  ballast.reset();
  ASSERT_TRUE(LogSays("notification pending", seconds(10))) << subagent_->Log();
  EXPECT_EQ(subagent_->Log().find("notification sent"), std::string::npos) << subagent_->Log();
  std::this_thread::sleep_for(seconds(kPingIntervalS + 1));  // a few reconnect attempts fail

  ASSERT_TRUE(snmpd_->Start()) << snmpd_->Log();
  EXPECT_EQ(CountNotifications(seconds(kPingIntervalS + 6)), 1)
      << subagent_->Log() << snmpd_->Log();
  EXPECT_TRUE(LogSays("notification sent", seconds(1))) << subagent_->Log();
  EXPECT_LT(subagent_->Log().find("notification pending"),
            subagent_->Log().find("notification sent"));
}

TEST_F(CapacityNotificationTest, APendingNotificationSurvivesARestartAndIsSentExactlyOnce) {
  WriteConfig(kRootDevice, /*threshold_pct=*/1);  // / is surely over 1% used
  subagent_->Start();                             // snmpd is not running: no AgentX session
  ASSERT_TRUE(LogSays("notification pending", seconds(10))) << subagent_->Log();
  ASSERT_EQ(subagent_->Stop(), 0) << subagent_->Log();
  EXPECT_THAT(ReadTextFile(dir_.File("state")), ::testing::HasSubstr("\nalarm 1 1\n"));

  subagent_->Start();  // restored with the notification still pending
  std::this_thread::sleep_for(seconds(2));
  ASSERT_TRUE(snmpd_->Start()) << snmpd_->Log();
  EXPECT_EQ(CountNotifications(seconds(kPingIntervalS + 6)), 1)
      << subagent_->Log() << snmpd_->Log();
  // The delivery is saved at once, so a restart does not send it again.
  EXPECT_TRUE(WaitFor(
      [&] { return ReadTextFile(dir_.File("state")).find("\nalarm 1 0\n") != std::string::npos; },
      seconds(3)));
  subagent_->Stop(/*kill9=*/true);  // no shutdown save: the delivery was saved already
  subagent_->Start();
  auto client = V2c();
  ASSERT_TRUE(WaitFor([&] { return Serving(client.get()); }, seconds(15))) << subagent_->Log();
  EXPECT_EQ(CountNotifications(seconds(3)), 0) << subagent_->Log();
}

}  // namespace
}  // namespace periscope::testing
