#include "tests/support/fleet.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>

#include <fmt/format.h>

#include "core/snmp/sync_client.h"
#include "mib/periscope_oids.h"

namespace periscope::testing {
namespace {

struct Model {
  const char* model;
  const char* name;
  int type;
  uint64_t capacity;
};
constexpr Model kModels[] = {
    {"PSA-2000", "Periscope Storage Array 2000", 2, 12'000'000'000'000ULL},
    {"PSA-4000", "Periscope Storage Array 4000", 2, 48'000'000'000'000ULL},
    {"TL-80", "テープライブラリ TL-80", 3, 1'440'000'000'000'000ULL},
    {"OD-12", "Optical Library OD-12", 4, 12'000'000'000'000ULL},
};

std::string Hex(const std::string& s) {
  std::string out;
  for (char c : s) out += fmt::format("{:02x}", static_cast<unsigned char>(c));
  return out;
}

}  // namespace

std::vector<SimAgent> MakeFleet(size_t agents, size_t customers, uint32_t days_of_history) {
  std::vector<SimAgent> out;
  for (size_t a = 0; a < agents; ++a) {
    SimAgent agent;
    agent.customer = fmt::format("cust-{:02}", a % customers + 1);
    size_t ndev = a % 5 == 4 ? 2 : 1;
    for (size_t k = 0; k < ndev; ++k) {
      const Model& m = kModels[(a + k) % std::size(kModels)];
      SimDevice d;
      d.index = static_cast<uint32_t>(k + 1);
      d.type = m.type;
      d.product_name = m.name;
      d.model = m.model;
      d.product_number = fmt::format("{}-PN{}", m.model, k);
      d.serial = fmt::format("SIM-{:04}-{}", a, k + 1);
      d.configuration = fmt::format("config of agent {}", a);
      d.firmware = fmt::format("{}.{}.{}", 1 + a % 3, a % 7, k);
      d.user_id = agent.customer;
      d.capacity_bytes = m.capacity;
      d.cache_bytes = (8ULL << 30) * (k + 1);
      d.price = 1'000'000 + a * 1000;
      d.used_bytes = m.capacity / 100 * (10 + a % 80);
      d.load_peak = static_cast<uint32_t>(100 + a * 7);
      d.load_avg_centi = static_cast<uint32_t>(2500 + a * 3);
      d.writes = 5'000'000'000ULL + a;
      d.bytes_written = d.writes * 4096;
      for (uint32_t day = 0; day < days_of_history; ++day) {
        SimDaily y;
        y.date = 20261101 + day;
        y.load_peak = static_cast<uint32_t>(50 + a + day);
        y.load_avg_centi = static_cast<uint32_t>(1000 + day * 10);
        y.used_bytes = d.used_bytes - (days_of_history - day) * 1'000'000'000ULL;
        y.intervals = 8640;
        d.daily.push_back(y);
      }
      agent.devices.push_back(std::move(d));
    }
    out.push_back(std::move(agent));
  }
  return out;
}

std::string SnmprecFor(const SimAgent& agent) {
  std::map<std::vector<uint32_t>, std::string> lines;
  auto add = [&](std::vector<uint32_t> oid, const std::string& tag_value) {
    lines[oid] = snmp::OidToString(oid) + "|" + tag_value;
  };
  auto dev = [](uint32_t col, uint32_t idx) {
    return mib::Oid({mib::kObjects, mib::kDeviceTable, mib::kEntry, col, idx});
  };
  add({1, 3, 6, 1, 2, 1, 1, 5, 0}, "4|sim-" + std::to_string(agent.port));
  add(mib::Oid({mib::kObjects, mib::kAgentGroup, mib::kAgentVersion, 0}), "4|0.1.0-sim");
  add(mib::Oid({mib::kObjects, mib::kAgentGroup, mib::kAgentDeviceCount, 0}),
      "66|" + std::to_string(agent.devices.size()));
  for (const SimDevice& d : agent.devices) {
    uint32_t i = d.index;
    add(dev(mib::kDeviceType, i), "2|" + std::to_string(d.type));
    add(dev(mib::kDeviceProductName, i), "4x|" + Hex(d.product_name));
    add(dev(mib::kDeviceModel, i), "4|" + d.model);
    add(dev(mib::kDeviceProductNumber, i), "4|" + d.product_number);
    add(dev(mib::kDeviceSerialNumber, i), "4|" + d.serial);
    add(dev(mib::kDeviceConfiguration, i), "4|" + d.configuration);
    add(dev(mib::kDeviceFirmware, i), "4|" + d.firmware);
    add(dev(mib::kDeviceCapacityBytes, i), "70|" + std::to_string(d.capacity_bytes));
    add(dev(mib::kDeviceCacheBytes, i), "70|" + std::to_string(d.cache_bytes));
    std::string sale = {static_cast<char>(d.sale_date / 10000 >> 8),
                        static_cast<char>(d.sale_date / 10000 & 0xff),
                        static_cast<char>(d.sale_date / 100 % 100),
                        static_cast<char>(d.sale_date % 100),
                        0,
                        0,
                        0,
                        0};
    add(dev(mib::kDeviceSaleDate, i), "4x|" + Hex(sale));
    add(dev(mib::kDevicePrice, i), "70|" + std::to_string(d.price));
    add(dev(mib::kDeviceCurrency, i), "4|" + d.currency);
    add(dev(mib::kDeviceUserId, i), "4|" + d.user_id);
    add(dev(mib::kDeviceUsedBytes, i), "70|" + std::to_string(d.used_bytes));
    add(dev(mib::kDeviceLoadIntervalS, i), "66|" + std::to_string(d.load_interval_s));
    add(dev(mib::kDeviceLoadPeakToday, i), "66|" + std::to_string(d.load_peak));
    add(dev(mib::kDeviceLoadAvgToday, i), "66|" + std::to_string(d.load_avg_centi));
    add(dev(mib::kDeviceWritesCompleted, i), "70|" + std::to_string(d.writes));
    add(dev(mib::kDeviceBytesWritten, i), "70|" + std::to_string(d.bytes_written));
    add(dev(mib::kDeviceStatus, i), "2|" + std::to_string(d.status));
    add(dev(mib::kDeviceStatusText, i), "4|");
    for (const SimDaily& y : d.daily) {
      auto cell = [&](uint32_t col) {
        return mib::Oid({mib::kObjects, mib::kDailyTable, mib::kEntry, col, i, y.date});
      };
      add(cell(mib::kDailyLoadPeak), "66|" + std::to_string(y.load_peak));
      add(cell(mib::kDailyLoadAvg), "66|" + std::to_string(y.load_avg_centi));
      add(cell(mib::kDailyUsedBytes), "70|" + std::to_string(y.used_bytes));
      add(cell(mib::kDailyIntervals), "66|" + std::to_string(y.intervals));
    }
  }
  for (const auto& [oid, tag_value] : agent.overrides) {
    if (tag_value.empty()) {
      lines.erase(oid);
    } else {
      add(oid, tag_value);
    }
  }
  std::string out;
  for (const auto& [oid, line] : lines) out += line + "\n";
  return out;
}

bool HaveSnmpsim() { return ::access("/usr/bin/snmpsimd", X_OK) == 0; }

SnmpsimFleet::SnmpsimFleet(const TempDir& dir, std::vector<SimAgent> agents, size_t processes)
    : dir_(dir), agents_(std::move(agents)), processes_(processes == 0 ? 1 : processes) {}

SnmpsimFleet::~SnmpsimFleet() { Stop(); }

bool SnmpsimFleet::Start() {
  std::string root = dir_.File("snmpsim");
  std::string data = root + "/data/public";
  ::mkdir(root.c_str(), 0755);
  ::mkdir((root + "/data").c_str(), 0755);
  ::mkdir(data.c_str(), 0755);
  // Each process indexes the whole data dir into its cache: one cache dir per
  // process, or they race building the same index files.
  for (size_t p = 0; p < processes_; ++p) {
    const std::string cache = fmt::format("{}/cache-{}", root, p);
    ::mkdir(cache.c_str(), 0755);
    if (::chown(cache.c_str(), 65534, 65534) != 0) {
      error_ = "chown " + cache + ": " + std::strerror(errno);
      return false;
    }
  }
  for (size_t i = 0; i < agents_.size(); ++i) {
    agents_[i].port = FreeUdpPort();
    WriteTextFile(fmt::format("{}/1.3.6.1.6.1.1.{}.snmprec", data, i), SnmprecFor(agents_[i]));
  }
  size_t per = (agents_.size() + processes_ - 1) / processes_;
  for (size_t p = 0; p < processes_; ++p) {
    size_t first = p * per;
    if (first >= agents_.size()) break;
    std::vector<std::string> argv = {"setpriv",
                                     "--reuid=65534",
                                     "--regid=65534",
                                     "--clear-groups",
                                     "--",
                                     "/usr/bin/snmpsimd",
                                     "--v2c-arch",
                                     "--data-dir=" + root + "/data",
                                     fmt::format("--cache-dir={}/cache-{}", root, p),
                                     "--logging-method=null",
                                     fmt::format("--transport-id-offset={}", first)};
    for (size_t i = first; i < std::min(first + per, agents_.size()); ++i) {
      argv.push_back(fmt::format("--agent-udpv4-endpoint=127.0.0.1:{}", agents_[i].port));
    }
    running_.push_back(
        std::make_unique<Process>(argv, dir_.File(fmt::format("snmpsim-{}.log", p))));
  }
  // Every endpoint must answer sysName.0 with its own data before tests poll.
  for (const SimAgent& a : agents_) {
    auto client = snmp::SnmpClient::Open(fmt::format("udp:127.0.0.1:{}", a.port),
                                         snmp::Credentials{"public", "", "", ""}, 300, 0);
    if (!client.ok()) {
      error_ = client.status().message();
      return false;
    }
    bool up = WaitFor(
        [&] {
          snmp::Response r = (*client)->Get({{1, 3, 6, 1, 2, 1, 1, 5, 0}});
          return !r.timeout && r.varbinds.size() == 1 &&
                 r.varbinds[0].octets == "sim-" + std::to_string(a.port);
        },
        std::chrono::seconds(60));
    if (!up) {
      error_ = fmt::format("port {} did not answer with its data within 60 s", a.port);
      return false;
    }
  }
  return true;
}

void SnmpsimFleet::Stop() {
  for (auto& p : running_) p->Stop();
  running_.clear();
}

std::string SnmpsimFleet::Log() const {
  std::string out = error_.empty() ? "" : "fleet: " + error_ + "\n";
  for (size_t p = 0; p < processes_; ++p) {
    out += ReadTextFile(dir_.File(fmt::format("snmpsim-{}.log", p)));
  }
  return out;
}

}  // namespace periscope::testing
