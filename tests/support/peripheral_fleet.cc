#include "tests/support/peripheral_fleet.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <ctime>
#include <thread>

#include <fmt/format.h>

#include "core/snmp/sync_client.h"

namespace periscope::testing {
namespace {

using OidV = std::vector<uint32_t>;

// Object identifiers (RFC 3418 SNMPv2-MIB, RFC 2790 HOST-RESOURCES-MIB, RFC
// 3805 Printer-MIB, RFC 2863 IF-MIB, RFC 6933 ENTITY-MIB).
const OidV kSystem = {1, 3, 6, 1, 2, 1, 1};
const OidV kIfNumber = {1, 3, 6, 1, 2, 1, 2, 1, 0};
const OidV kIfEntry = {1, 3, 6, 1, 2, 1, 2, 2, 1};
const OidV kHrSystemUptime = {1, 3, 6, 1, 2, 1, 25, 1, 1, 0};
const OidV kHrStorageTypes = {1, 3, 6, 1, 2, 1, 25, 2, 1};
const OidV kHrStorageEntry = {1, 3, 6, 1, 2, 1, 25, 2, 3, 1};
const OidV kHrDeviceTypes = {1, 3, 6, 1, 2, 1, 25, 3, 1};
const OidV kHrDeviceEntry = {1, 3, 6, 1, 2, 1, 25, 3, 2, 1};
const OidV kHrProcessorEntry = {1, 3, 6, 1, 2, 1, 25, 3, 3, 1};
const OidV kIfXEntry = {1, 3, 6, 1, 2, 1, 31, 1, 1, 1};
const OidV kPrtGeneralEntry = {1, 3, 6, 1, 2, 1, 43, 5, 1, 1};
const OidV kPrtInputEntry = {1, 3, 6, 1, 2, 1, 43, 8, 2, 1};
const OidV kPrtMarkerEntry = {1, 3, 6, 1, 2, 1, 43, 10, 2, 1};
const OidV kPrtSuppliesEntry = {1, 3, 6, 1, 2, 1, 43, 11, 1, 1};
const OidV kPrtAlertEntry = {1, 3, 6, 1, 2, 1, 43, 18, 1, 1};
const OidV kEntPhysicalEntry = {1, 3, 6, 1, 2, 1, 47, 1, 1, 1, 1};
// Made-up enterprise object IDs for sysObjectID (the "example" arc).
const OidV kSysObjectBase = {1, 3, 6, 1, 4, 1, 32473, 7};

OidV Cat(OidV base, std::initializer_list<uint32_t> tail) {
  base.insert(base.end(), tail.begin(), tail.end());
  return base;
}

std::string Hex(const std::string& s) {
  std::string out;
  for (char c : s) out += fmt::format("{:02x}", static_cast<unsigned char>(c));
  return out;
}

// Octet strings as hex ("4x"), so that '|' or non-ASCII never breaks a line.
std::string Str(const std::string& s) { return "4x|" + Hex(s); }
std::string Int(int64_t v) { return "2|" + std::to_string(v); }
std::string Oid(const OidV& v) { return "6|" + snmp::OidToString(v); }
std::string C32(uint64_t v) { return "65|" + std::to_string(v & 0xffffffffULL); }
std::string G32(uint64_t v) { return "66|" + std::to_string(std::min<uint64_t>(v, 0xffffffffULL)); }
std::string Ticks(int64_t v) { return "67|" + std::to_string(v & 0xffffffffLL); }
std::string C64(uint64_t v) { return "70|" + std::to_string(v); }

SimPeripheralAgent Printer(const std::string& customer, uint64_t seed) {
  SimPeripheralAgent a;
  a.kind = SimPeripheralKind::kPrinter;
  a.customer = customer;
  a.model = "PRN-3500";
  a.pages_per_minute = 35;
  a.sys_descr = "Periscope PRN-3500 35ppm A4 mono laser; firmware 2.14.3";
  a.firmware = "2.14.3";
  a.serial = fmt::format("PRN35-{:06}", 104200 + seed);
  a.uptime_cs = 86'400'00 * 3 + 1'234'56 + static_cast<int64_t>(seed) * 1000;
  SimPrinter& p = a.printer;
  p.device_index = 1;
  p.serial = a.serial;
  p.markers = {{1, kPrtUnitImpressions, 48'213 + seed * 1'117}};
  p.trays = {{1, "Bypass Tray", "Plain A4", kPrtUnitSheets, 100, 0},
             {2, "Tray 1", "Plain A4", kPrtUnitSheets, 550, static_cast<int32_t>(310 + seed % 40)}};
  p.supplies = {
      {1, 1, 3, kPrtSupplyToner, "Black Toner Cartridge TN-35", kPrtUnitImpressions, 12'000,
       static_cast<int32_t>((3'310 + seed * 13) % 12'000)},
      {2, 1, 3, kPrtSupplyOpc, "Drum Unit DR-35", kPrtUnitImpressions, 60'000,
       static_cast<int32_t>(41'234 - seed * 7 % 40'000)},
      {3, 1, 3, kPrtSupplyFuser, "Fuser Unit", kPrtSupplyUnitPercent, 100, 77},
  };
  return a;
}

SimPeripheralAgent Copier(const std::string& customer, uint64_t seed) {
  SimPeripheralAgent a;
  a.kind = SimPeripheralKind::kPrinter;
  a.customer = customer;
  a.model = "CPY-6000";
  a.pages_per_minute = 60;
  a.sys_descr = "Periscope CPY-6000 60ppm A3 multifunction copier; controller 5.2.0";
  a.firmware = "5.2.0";
  a.serial = fmt::format("CPY60-{:06}", 7700 + seed);
  a.uptime_cs = 86'400'00 * 12 + 5'55'00 + static_cast<int64_t>(seed) * 1000;
  SimPrinter& p = a.printer;
  p.device_index = 1;
  p.serial = a.serial;
  p.markers = {{1, kPrtUnitImpressions, 1'284'377 + seed * 20'011}};
  p.trays = {
      {1, "Bypass Tray", "Plain A4", kPrtUnitSheets, 100, 15},
      {2, "Tray 1", "Plain A4", kPrtUnitSheets, 500, 420},
      {3, "Tray 2", "Plain A4", kPrtUnitSheets, 500, 180},
      {4, "Tray 3", "Plain A3", kPrtUnitSheets, 500, 260},
      {5, "LCT", "Recycled A4", kPrtUnitSheets, 2'500, static_cast<int32_t>(1'700 + seed % 800)}};
  p.supplies = {
      {1, 1, 3, kPrtSupplyToner, "Toner Black CT-60", kPrtSupplyUnitTenthsOfGrams, 9'000,
       static_cast<int32_t>((2'130 + seed * 11) % 9'000)},
      {2, 1, 3, kPrtSupplyOpc, "Drum Unit DU-60", kPrtUnitImpressions, 300'000,
       static_cast<int32_t>(212'340 - seed * 17 % 200'000)},
      {3, 1, 3, kPrtSupplyDeveloper, "Developer DV-60", kPrtUnitImpressions, 600'000, 451'230},
      {4, 1, 4, kPrtSupplyWasteToner, "Waste Toner Box WT-60", kPrtSupplyUnitPercent, 100, 38},
  };
  return a;
}

SimPeripheralAgent Host(const std::string& customer, uint64_t seed, bool server) {
  SimPeripheralAgent a;
  a.kind = SimPeripheralKind::kHost;
  a.customer = customer;
  a.model = server ? "Periscope PSV-100 Server" : "Periscope PC-200";
  a.sys_descr = a.model;
  a.uptime_cs = 86'400'00 * 41 + static_cast<int64_t>(seed) * 777;
  SimHost& h = a.host;
  // 16 GiB RAM and 4 GiB swap in 1 KiB units; disks in 4 KiB units.
  h.storage = {{1, 2, "Physical memory", 1024, 16'303'724, static_cast<int32_t>(9'123'456 + seed)},
               {3, 3, "Swap space", 1024, 4'194'300, 102'400},
               {31, 4, "/", 4096, 61'049'382, static_cast<int32_t>(38'100'000 + seed * 10'000)}};
  h.processors = {{196608, static_cast<int32_t>(12 + seed % 10)}, {196609, 31}};
  if (server) {
    // 12 TiB in 4 KiB units is 3,221,225,472 units: beyond Integer32, served
    // wrapped to -1,073,741,824 as Net-SNMP does.
    const int64_t srv_units = 3'221'225'472LL - 4'294'967'296LL;
    h.storage.push_back({32, 4, "/srv", 4096, static_cast<int32_t>(srv_units), 1'900'000'000});
    h.processors = {{196608, 55}, {196609, 61}, {196610, 48}, {196611, 70}};
  }
  return a;
}

SimPeripheralAgent Switch(const std::string& customer, uint64_t seed, bool legacy) {
  SimPeripheralAgent a;
  a.kind = SimPeripheralKind::kNetwork;
  a.customer = customer;
  a.model = legacy ? "SW-1048" : "SW-1024";
  a.sys_descr = legacy ? "Periscope SW-1048 48-port Fast Ethernet switch, software 3.0.9"
                       : "Periscope SW-1024 24-port Gigabit switch, software 7.1.2";
  a.firmware = legacy ? "3.0.9" : "7.1.2";
  a.serial = fmt::format("{}-{:05}", legacy ? "SW48" : "SW24", 3100 + seed);
  a.uptime_cs = 86'400'00 * 97 + static_cast<int64_t>(seed) * 4321;
  a.net.has_hc = !legacy;
  const uint32_t ports = legacy ? 48 : 24;
  const uint32_t access_mbps = legacy ? 100 : 1000;
  const uint32_t uplink_mbps = legacy ? 1000 : 10000;
  for (uint32_t i = 1; i <= ports + 2; ++i) {
    SimInterface f;
    f.index = i;
    bool uplink = i > ports;
    f.speed_mbps = uplink ? uplink_mbps : access_mbps;
    f.name =
        legacy ? "" : (uplink ? fmt::format("te1/0/{}", i - ports) : fmt::format("gi1/0/{}", i));
    f.descr = legacy ? fmt::format("Port {}", i)
                     : (uplink ? fmt::format("TenGigabitEthernet1/0/{}", i - ports)
                               : fmt::format("GigabitEthernet1/0/{}", i));
    // Months of traffic: 64-bit counters far beyond 2^32.
    uint64_t base = uplink ? 9'000'000'000'000ULL : 700'000'000'000ULL;
    f.in_octets = base + (seed + 1) * 1'000'003ULL * i;
    f.out_octets = base / 2 + (seed + 1) * 999'983ULL * i;
    if (legacy) {
      f.in_octets &= 0xffffffffULL;
      f.out_octets &= 0xffffffffULL;
    }
    a.net.interfaces.push_back(f);
  }
  return a;
}

std::string Customer(size_t i, size_t customers) {
  return fmt::format("cust-{:02}", i % std::max<size_t>(customers, 1) + 1);
}

}  // namespace

std::string KindName(SimPeripheralKind kind) {
  switch (kind) {
    case SimPeripheralKind::kPrinter:
      return "printer";
    case SimPeripheralKind::kHost:
      return "host";
    case SimPeripheralKind::kNetwork:
      return "network";
  }
  return "?";
}

std::vector<SimPeripheralAgent> MakeMixedFleet() {
  std::vector<SimPeripheralAgent> f(kMixedFleetSize);
  f[kPrinterComplete] = Printer("cust-01", 0);
  f[kPrinterComplete].printer.alerts = {{1, 4, 11, 1, 1104, "Black toner low: order TN-35"}};

  f[kPrinterMessy] = Printer("cust-02", 1);
  {
    SimPrinter& p = f[kPrinterMessy].printer;
    f[kPrinterMessy].serial.clear();
    p.serial.clear();
    p.has_entity = false;
    p.supplies[0].level = kPrtSomeRemaining;  // toner: "some remains"
    p.supplies[1].level = kPrtUnknown;        // drum: unknown level
    p.supplies[2].max = kPrtUnknown;          // fuser: unknown maximum
    p.trays[1].level = kPrtSomeRemaining;     // tray 1: "some paper"
    p.alerts = {{1, 3, 8, 2, 8, "Paper jam in tray 1"}};
  }
  f[kCopierComplete] = Copier("cust-01", 0);
  f[kCopierComplete].printer.alerts = {{1, 5, 8, 1, 13, "Bypass tray empty"}};
  f[kCopierNoSupplies] = Copier("cust-02", 1);
  {
    SimPrinter& p = f[kCopierNoSupplies].printer;
    p.has_supplies_table = false;
    p.supplies.clear();
    p.markers[0].counter_unit = kPrtUnitSheets;
    // A banner/roll unit counting meters: not pages.
    p.markers.push_back({2, kPrtUnitMeters, 9'412});
  }
  f[kHostPc] = Host("cust-01", 0, false);
  f[kHostServer] = Host("cust-02", 1, true);
  f[kSwitchHc] = Switch("cust-01", 0, false);
  f[kSwitch32] = Switch("cust-02", 1, true);
  // Port 1 of the legacy switch is 1,000 octets short of the 32-bit wrap.
  f[kSwitch32].net.interfaces[0].in_octets = 0xffffffffULL - 1'000;
  f[kSwitchRestarts] = Switch("cust-01", 2, false);
  return f;
}

std::vector<SimPeripheralAgent> AdvanceMixedFleet(const std::vector<SimPeripheralAgent>& a,
                                                  int64_t elapsed_s, uint32_t step) {
  std::vector<SimPeripheralAgent> b = a;
  const bool mixed =
      a.size() == kMixedFleetSize && a[kSwitch32].model == "SW-1048" && !a[kSwitch32].net.has_hc;
  for (size_t i = 0; i < b.size(); ++i) {
    SimPeripheralAgent& d = b[i];
    d.uptime_cs += elapsed_s * 100;
    const uint64_t k = i + step;  // varies per agent and per step
    switch (d.kind) {
      case SimPeripheralKind::kPrinter: {
        uint64_t printed = 0;
        for (SimMarker& m : d.printer.markers) {
          uint64_t add = m.counter_unit == kPrtUnitMeters ? 3 + k % 5 : 17 + 13 * k;
          m.life_count += add;
          if (m.index == 1) printed = add;
        }
        for (SimTray& t : d.printer.trays) {
          if (t.level > 0)
            t.level = std::max<int32_t>(0, t.level - static_cast<int32_t>(printed / 2));
        }
        for (SimSupply& s : d.printer.supplies) {
          if (s.level <= 0 || s.max <= 0) continue;
          int32_t used = s.unit == kPrtSupplyUnitPercent ? 1 : static_cast<int32_t>(printed);
          s.level =
              s.supply_class == 4 ? std::min(s.max, s.level + used) : std::max(0, s.level - used);
        }
        break;
      }
      case SimPeripheralKind::kHost:
        for (SimStorage& s : d.host.storage) {
          if (s.size > 0) s.used = std::min(s.size, s.used + static_cast<int32_t>(1'000 * k));
        }
        for (SimProcessor& p : d.host.processors)
          p.load = static_cast<int32_t>((static_cast<uint64_t>(p.load) + 7 * k) % 100);
        break;
      case SimPeripheralKind::kNetwork:
        for (SimInterface& f : d.net.interfaces) {
          // At most 1/4 of one second of line rate: utilisation stays below
          // 100 % for any interval of a second or more.
          uint64_t bytes_per_s = uint64_t{f.speed_mbps} * 125'000;
          f.in_octets += bytes_per_s / 4 - 1'000 * (f.index % 50) - 17 * k;
          f.out_octets += bytes_per_s / 8 + 1'000 * (f.index % 50) + 11 * k;
          if (!d.net.has_hc) {
            f.in_octets &= 0xffffffffULL;
            f.out_octets &= 0xffffffffULL;
          }
        }
        break;
    }
  }
  if (mixed) {
    // The legacy switch's port 1 wraps: 6,001 octets later it reads 5,000.
    b[kSwitch32].net.interfaces[0].in_octets = 5'000;
    // The HC switch loses port 24 (a removed module) and gains VLAN 10.
    auto& ifs = b[kSwitchHc].net.interfaces;
    ifs.erase(
        std::remove_if(ifs.begin(), ifs.end(), [](const SimInterface& f) { return f.index == 24; }),
        ifs.end());
    SimInterface vlan;
    vlan.index = 1000;
    vlan.name = "vlan10";
    vlan.descr = "Vlan10";
    vlan.speed_mbps = 1000;
    vlan.in_octets = 123'456'789;
    vlan.out_octets = 98'765'432;
    ifs.push_back(vlan);
    // The third switch restarted 2 minutes ago: uptime and counters start over.
    SimPeripheralAgent& r = b[kSwitchRestarts];
    r.uptime_cs = 120 * 100;
    for (SimInterface& f : r.net.interfaces) {
      f.in_octets = 40'000 + f.index * 1'000;
      f.out_octets = 20'000 + f.index * 500;
    }
  }
  return b;
}

std::vector<SimPeripheralAgent> MakePeripheralFleet(size_t count, size_t customers) {
  std::vector<SimPeripheralAgent> out;
  for (size_t i = 0; i < count; ++i) {
    const std::string c = Customer(i, customers);
    switch (i % 10) {
      case 0:
      case 1:
      case 2:
      case 3:
        out.push_back(Printer(c, i));
        break;
      case 4:
      case 5:
        out.push_back(Copier(c, i));
        break;
      case 6:
      case 7:
        out.push_back(Host(c, i, i % 10 == 7));
        break;
      default:
        out.push_back(Switch(c, i, false));
        break;
    }
  }
  return out;
}

namespace {

// The sum over whole and partial hours from `origin` (a local midnight) to
// `at` of per_hour(day, hour_of_day, business_day); day is fractional days
// since origin.
template <typename F>
double Cumulative(int64_t origin, int64_t at, const F& per_hour) {
  if (at <= origin) return 0;
  std::time_t o = static_cast<std::time_t>(origin);
  std::tm tm{};
  ::localtime_r(&o, &tm);
  const int64_t wday0 = tm.tm_wday;
  auto rate = [&](int64_t h) {
    int64_t wday = (wday0 + h / 24) % 7;
    return per_hour(static_cast<double>(h) / 24.0, static_cast<int>(h % 24),
                    wday >= 1 && wday <= 5);
  };
  const int64_t hours = (at - origin) / 3600;
  double sum = 0;
  for (int64_t h = 0; h < hours; ++h) sum += rate(h);
  sum += static_cast<double>((at - origin) % 3600) / 3600.0 * rate(hours);
  return sum;
}

int32_t Remaining(double used, double yield, double max) {
  return static_cast<int32_t>(std::lround(max * (1.0 - std::fmod(used, yield) / yield)));
}

}  // namespace

SimPeripheralAgent DemoPeripheralAt(size_t which, const std::string& customer, int64_t origin,
                                    int64_t days, int64_t at) {
  const double span = static_cast<double>(std::max<int64_t>(days, 1));
  const int64_t end = origin + days * 86'400;
  const double u = static_cast<double>(at - origin) / 86'400.0;  // days since origin
  const int64_t boot = origin - 10 * 86'400;
  SimPeripheralAgent a;
  switch (which % kDemoPeripherals) {
    case 0: {
      // PRN-3500: business-day volume 2,000 -> 3,500 pages (8:00-18:00).
      a = Printer(customer, 0);
      auto per_hour = [&](double day, int hour, bool business) {
        if (!business || hour < 8 || hour >= 18) return 0.0;
        return (2'000.0 + 1'500.0 * day / span) / 10.0;
      };
      const double pages = Cumulative(origin, at, per_hour);
      a.printer.markers[0].life_count = 48'213 + static_cast<uint64_t>(pages);
      a.printer.trays[1].level = Remaining(pages, 550, 550);
      a.printer.supplies[0].level = Remaining(pages + 5'000, 12'000, 12'000);
      a.printer.supplies[1].level = Remaining(pages + 19'000, 60'000, 60'000);
      a.printer.supplies[2].level = Remaining(pages, 200'000, 100);
      break;
    }
    case 1: {
      // CPY-6000: 4,000 -> 5,000 pages per business day (8:00-20:00); the
      // toner cartridge (90,000 pages) is 85 % used at the end of the history.
      a = Copier(customer, 0);
      auto per_hour = [&](double day, int hour, bool business) {
        if (!business || hour < 8 || hour >= 20) return 0.0;
        return (4'000.0 + 1'000.0 * day / span) / 12.0;
      };
      const double pages = Cumulative(origin, at, per_hour);
      const double total = Cumulative(origin, end, per_hour);
      const double toner_offset =
          std::fmod(0.85 * 90'000.0 - std::fmod(total, 90'000.0) + 90'000.0, 90'000.0);
      a.printer.markers[0].life_count = 1'284'377 + static_cast<uint64_t>(pages);
      a.printer.supplies[0].level = Remaining(pages + toner_offset, 90'000, 9'000);
      a.printer.supplies[1].level = Remaining(pages + 87'660, 300'000, 300'000);
      a.printer.supplies[2].level = Remaining(pages + 148'770, 600'000, 600'000);
      a.printer.supplies[3].level =
          100 - Remaining(pages + 170'000, 450'000, 100);  // waste toner fills up
      a.printer.trays[1].level = Remaining(pages * 0.6, 500, 500);
      a.printer.trays[2].level = Remaining(pages * 0.3, 500, 500);
      a.printer.trays[4].level = Remaining(pages * 0.1, 2'500, 2'500);
      break;
    }
    case 2: {
      // PC-200: "/" from 60 % to 88 % used; CPU peaks (14:00) 40 % -> 90 %.
      a = Host(customer, 0, false);
      std::time_t t = static_cast<std::time_t>(at);
      std::tm tm{};
      ::localtime_r(&t, &tm);
      SimStorage& root = a.host.storage[2];
      root.used = static_cast<int32_t>(root.size * (0.60 + 0.28 * u / span + 0.004 * std::sin(u)));
      a.host.storage[0].used =
          static_cast<int32_t>(a.host.storage[0].size * (0.55 + 0.2 * std::sin(tm.tm_hour / 4.0)));
      const bool business = tm.tm_wday >= 1 && tm.tm_wday <= 5;
      double load = business && tm.tm_hour >= 9 && tm.tm_hour < 18
                        ? 25.0 + (15.0 + 50.0 * u / span) * (tm.tm_hour == 14 ? 1.0 : 0.5)
                        : 4.0;
      a.host.processors[0].load = static_cast<int32_t>(std::clamp(load, 0.0, 100.0));
      a.host.processors[1].load = static_cast<int32_t>(std::clamp(load * 0.9, 0.0, 100.0));
      break;
    }
    default: {
      // SW-1024: the 10G uplink te1/0/1 carries 25 % -> 70 % of line rate in
      // business hours and 40 % -> 85 % in its busiest hour (11:00-12:00).
      a = Switch(customer, 0, false);
      for (SimInterface& f : a.net.interfaces) {
        const bool uplink = f.index == 25;
        const double line = f.speed_mbps * 125'000.0 * 3'600.0;  // octets per hour
        auto util = [&](double day, int hour, bool business) {
          if (!business || hour < 9 || hour >= 18) return uplink ? 0.03 : 0.005;
          double base = uplink ? 0.25 + 0.45 * day / span : 0.02 + 0.0005 * f.index;
          return hour == 11 && uplink ? base + 0.15 : base;
        };
        const double in =
            Cumulative(origin, at, [&](double d, int h, bool b) { return util(d, h, b) * line; });
        f.in_octets += static_cast<uint64_t>(in);
        f.out_octets += static_cast<uint64_t>(in * 0.6);
      }
      break;
    }
  }
  a.uptime_cs = (at - boot) * 100;
  return a;
}

std::string PeripheralSnmprec(const SimPeripheralAgent& a, const std::string& sys_name) {
  std::map<OidV, std::string> lines;
  auto add = [&](const OidV& oid, const std::string& tag_value) {
    lines[oid] = snmp::OidToString(oid) + "|" + tag_value;
  };
  uint32_t object_id = a.kind == SimPeripheralKind::kPrinter ? 1
                       : a.kind == SimPeripheralKind::kHost  ? 2
                                                             : 3;
  add(Cat(kSystem, {1, 0}), Str(a.sys_descr));
  add(Cat(kSystem, {2, 0}), Oid(Cat(kSysObjectBase, {object_id})));
  add(Cat(kSystem, {3, 0}), Ticks(a.uptime_cs));
  add(Cat(kSystem, {4, 0}), Str("it@" + a.customer + ".example"));
  add(Cat(kSystem, {5, 0}), Str(sys_name));
  add(Cat(kSystem, {6, 0}), Str("Tokyo"));
  add(Cat(kSystem, {7, 0}), Int(a.kind == SimPeripheralKind::kNetwork ? 2 : 72));
  // Every agent has at least its network interface and hrSystemUptime.
  add(kHrSystemUptime, Ticks(a.uptime_cs));
  auto entity = [&](uint32_t cls) {
    const OidV& e = kEntPhysicalEntry;
    add(Cat(e, {2, 1}), Str(a.sys_descr));
    add(Cat(e, {3, 1}), Oid(Cat(kSysObjectBase, {object_id})));
    add(Cat(e, {4, 1}), Int(0));
    add(Cat(e, {5, 1}), Int(cls));
    add(Cat(e, {6, 1}), Int(-1));
    add(Cat(e, {7, 1}), Str(a.model));
    add(Cat(e, {8, 1}), Str("A"));
    add(Cat(e, {9, 1}), Str(a.firmware));
    add(Cat(e, {10, 1}), Str(a.firmware));
    add(Cat(e, {11, 1}), Str(a.serial));
    add(Cat(e, {12, 1}), Str("Periscope"));
    add(Cat(e, {13, 1}), Str(a.model));
  };
  auto interfaces = [&](const std::vector<SimInterface>& ifs, bool hc) {
    add(kIfNumber, Int(static_cast<int64_t>(ifs.size())));
    for (const SimInterface& f : ifs) {
      const uint32_t i = f.index;
      add(Cat(kIfEntry, {1, i}), Int(i));
      add(Cat(kIfEntry, {2, i}), Str(f.descr));
      add(Cat(kIfEntry, {3, i}), Int(i >= 1000 ? 136 : 6));  // l3ipvlan(136), ethernetCsmacd(6)
      add(Cat(kIfEntry, {4, i}), Int(1500));
      add(Cat(kIfEntry, {5, i}), G32(uint64_t{f.speed_mbps} * 1'000'000));
      add(Cat(kIfEntry, {7, i}), Int(1));
      add(Cat(kIfEntry, {8, i}), Int(1));
      add(Cat(kIfEntry, {10, i}), C32(f.in_octets));
      add(Cat(kIfEntry, {16, i}), C32(f.out_octets));
      if (!hc) continue;
      add(Cat(kIfXEntry, {1, i}), Str(f.name));
      add(Cat(kIfXEntry, {6, i}), C64(f.in_octets));
      add(Cat(kIfXEntry, {10, i}), C64(f.out_octets));
      add(Cat(kIfXEntry, {15, i}), G32(f.speed_mbps));
      add(Cat(kIfXEntry, {18, i}), Str(""));
    }
  };
  auto hr_device = [&](uint32_t index, uint32_t type, const std::string& descr) {
    add(Cat(kHrDeviceEntry, {1, index}), Int(index));
    add(Cat(kHrDeviceEntry, {2, index}), Oid(Cat(kHrDeviceTypes, {type})));
    add(Cat(kHrDeviceEntry, {3, index}), Str(descr));
    add(Cat(kHrDeviceEntry, {4, index}), Oid({0, 0}));
    add(Cat(kHrDeviceEntry, {5, index}), Int(2));  // running
    add(Cat(kHrDeviceEntry, {6, index}), C32(0));
  };

  switch (a.kind) {
    case SimPeripheralKind::kPrinter: {
      const SimPrinter& p = a.printer;
      const uint32_t d = p.device_index;
      if (p.has_entity) entity(3);  // chassis
      hr_device(d, 5, a.model);     // hrDevicePrinter
      interfaces({{1, "", "Ethernet", 1000, 1'234'567'890, 987'654'321}}, false);
      const OidV& g = kPrtGeneralEntry;
      add(Cat(g, {1, d}), Int(3));   // prtGeneralConfigChanges
      add(Cat(g, {2, d}), Int(1));   // prtGeneralCurrentLocalization
      add(Cat(g, {4, d}), Int(3));   // prtGeneralCurrentOperator
      add(Cat(g, {8, d}), Int(1));   // prtInputDefaultIndex
      add(Cat(g, {10, d}), Int(1));  // prtMarkerDefaultIndex
      add(Cat(g, {16, d}), Str(a.model));
      if (!p.serial.empty()) add(Cat(g, {17, d}), Str(p.serial));
      add(Cat(g, {18, d}), Int(static_cast<int64_t>(
                               std::count_if(p.alerts.begin(), p.alerts.end(),
                                             [](const SimAlert& x) { return x.severity == 3; }))));
      add(Cat(g, {19, d}), Int(static_cast<int64_t>(p.alerts.size())));
      for (const SimTray& t : p.trays) {
        const OidV& e = kPrtInputEntry;
        const uint32_t i = t.index;
        add(Cat(e, {2, d, i}), Int(i == 1 ? 4 : 3));  // sheetFeedManual, sheetFeedAutoRemovableTray
        add(Cat(e, {3, d, i}), Int(4));               // micrometers
        add(Cat(e, {4, d, i}), Int(t.media.find("A3") != std::string::npos ? 420000 : 297000));
        add(Cat(e, {5, d, i}), Int(t.media.find("A3") != std::string::npos ? 297000 : 210000));
        add(Cat(e, {8, d, i}), Int(t.capacity_unit));
        add(Cat(e, {9, d, i}), Int(t.max));
        add(Cat(e, {10, d, i}), Int(t.level));
        add(Cat(e, {11, d, i}), Int(t.level == 0 ? 9 : 0));
        add(Cat(e, {12, d, i}), Str(t.media));
        add(Cat(e, {13, d, i}), Str(t.name));
      }
      for (const SimMarker& m : p.markers) {
        const OidV& e = kPrtMarkerEntry;
        const uint32_t i = m.index;
        add(Cat(e, {2, d, i}),
            Int(m.counter_unit == kPrtUnitMeters ? 5 : 4));  // electrophotographicLaser(4)
        add(Cat(e, {3, d, i}), Int(m.counter_unit));
        add(Cat(e, {4, d, i}), C32(m.life_count));
        add(Cat(e, {5, d, i}), C32(m.life_count % 5'000));
        add(Cat(e, {6, d, i}), Int(1));
        add(Cat(e, {9, d, i}), Int(600));
        add(Cat(e, {10, d, i}), Int(600));
        add(Cat(e, {15, d, i}), Int(0));
      }
      if (p.has_supplies_table) {
        for (const SimSupply& s : p.supplies) {
          const OidV& e = kPrtSuppliesEntry;
          const uint32_t i = s.index;
          add(Cat(e, {2, d, i}), Int(s.marker_index));
          add(Cat(e, {3, d, i}), Int(s.type == kPrtSupplyToner ? 1 : 0));
          add(Cat(e, {4, d, i}), Int(s.supply_class));
          add(Cat(e, {5, d, i}), Int(s.type));
          add(Cat(e, {6, d, i}), Str(s.description));
          add(Cat(e, {7, d, i}), Int(s.unit));
          add(Cat(e, {8, d, i}), Int(s.max));
          add(Cat(e, {9, d, i}), Int(s.level));
        }
      }
      for (const SimAlert& x : p.alerts) {
        const OidV& e = kPrtAlertEntry;
        const uint32_t i = x.index;
        add(Cat(e, {2, d, i}), Int(x.severity));
        add(Cat(e, {3, d, i}), Int(4));  // trained(4)
        add(Cat(e, {4, d, i}), Int(x.group));
        add(Cat(e, {5, d, i}), Int(x.group_index));
        add(Cat(e, {6, d, i}), Int(0));
        add(Cat(e, {7, d, i}), Int(x.code));
        add(Cat(e, {8, d, i}), Str(x.description));
        add(Cat(e, {9, d, i}), Ticks(std::max<int64_t>(0, a.uptime_cs - 360'000)));
      }
      break;
    }
    case SimPeripheralKind::kHost: {
      interfaces({{1, "lo", "lo", 10, 5'000'000, 5'000'000},
                  {2, "eth0", "Intel Corporation Ethernet Connection", 1000, 80'000'000'000ULL,
                   20'000'000'000ULL}},
                 true);
      for (const SimStorage& s : a.host.storage) {
        const OidV& e = kHrStorageEntry;
        const uint32_t i = s.index;
        add(Cat(e, {1, i}), Int(i));
        add(Cat(e, {2, i}), Oid(Cat(kHrStorageTypes, {static_cast<uint32_t>(s.type)})));
        add(Cat(e, {3, i}), Str(s.descr));
        add(Cat(e, {4, i}), Int(s.units));
        add(Cat(e, {5, i}), Int(s.size));
        add(Cat(e, {6, i}), Int(s.used));
        add(Cat(e, {7, i}), C32(0));
      }
      for (const SimProcessor& p : a.host.processors) {
        hr_device(p.device_index, 3, "GenuineIntel: Intel(R) Core(TM) i5-8500 CPU @ 3.00GHz");
        add(Cat(kHrProcessorEntry, {1, p.device_index}), Oid({0, 0}));
        add(Cat(kHrProcessorEntry, {2, p.device_index}), Int(p.load));
      }
      hr_device(262145, 4, "network interface eth0");
      break;
    }
    case SimPeripheralKind::kNetwork:
      entity(3);
      interfaces(a.net.interfaces, a.net.has_hc);
      break;
  }
  for (const auto& [oid, tag_value] : a.overrides) {
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

PeripheralSim::PeripheralSim(const TempDir& dir, size_t processes)
    : dir_(dir), processes_(processes == 0 ? 1 : processes) {}

PeripheralSim::~PeripheralSim() { Stop(); }

std::string PeripheralSim::SysName(size_t i) const {
  return fmt::format("periph-{}-g{}", i, generation_);
}

bool PeripheralSim::Serve(std::vector<SimPeripheralAgent> agents) {
  Stop();
  error_.clear();
  if (!ports_.empty() && ports_.size() != agents.size()) {
    error_ = "Serve: a new generation must have as many agents as the first";
    return false;
  }
  while (ports_.size() < agents.size()) ports_.push_back(FreeUdpPort());
  ++generation_;
  agents_ = std::move(agents);
  for (size_t i = 0; i < agents_.size(); ++i) agents_[i].port = ports_[i];
  // A fresh tree per generation: snmpsim indexes each .snmprec into its cache
  // dir and may not notice a rewrite within the same second.
  std::string root = dir_.File(fmt::format("periph-sim-{}", generation_));
  std::string data = root + "/data/public";
  for (const std::string& d : {root, root + "/data", data, root + "/cache"}) {
    ::mkdir(d.c_str(), 0755);
  }
  if (::geteuid() == 0 && ::chown((root + "/cache").c_str(), 65534, 65534) != 0) {
    error_ = "chown " + root + "/cache: " + std::strerror(errno);
    return false;
  }
  for (size_t i = 0; i < agents_.size(); ++i) {
    WriteTextFile(fmt::format("{}/1.3.6.1.6.1.1.{}.snmprec", data, i),
                  PeripheralSnmprec(agents_[i], SysName(i)));
  }
  // A port found free can be taken by another process before snmpsimd (a
  // Python start-up later) binds it; then snmpsimd exits with "Address already
  // in use". Its agents are started again, on new ports in the first
  // generation (no target knows them yet), on the same ports (after a pause)
  // in later ones.
  const size_t per = (agents_.size() + processes_ - 1) / processes_;
  const size_t used = (agents_.size() + per - 1) / per;
  auto start = [&](size_t p, int attempt) {
    const size_t first = p * per;
    std::vector<std::string> argv;
    if (::geteuid() == 0) {
      argv = {"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"};
    }
    for (std::string arg :
         {std::string("/usr/bin/snmpsimd"), std::string("--v2c-arch"),
          "--data-dir=" + root + "/data", "--cache-dir=" + root + "/cache",
          std::string("--logging-method=null"), fmt::format("--transport-id-offset={}", first)}) {
      argv.push_back(arg);
    }
    for (size_t i = first; i < std::min(first + per, agents_.size()); ++i) {
      argv.push_back(fmt::format("--agent-udpv4-endpoint=127.0.0.1:{}", agents_[i].port));
    }
    return std::make_unique<Process>(
        argv, dir_.File(fmt::format("periph-sim-{}-{}-{}.log", generation_, p, attempt)));
  };
  for (size_t p = 0; p < used; ++p) running_.push_back(start(p, 0));
  for (size_t i = 0; i < agents_.size(); ++i) {
    const size_t p = i / per;
    const std::string want = SysName(i);
    for (int attempt = 0;; ++attempt) {
      auto client = snmp::SnmpClient::Open(fmt::format("udp:127.0.0.1:{}", agents_[i].port),
                                           snmp::Credentials{"public", "", "", ""}, 300, 0);
      if (!client.ok()) {
        error_ = client.status().message();
        return false;
      }
      bool up = false;
      WaitFor(
          [&] {
            snmp::Response r = (*client)->Get({{1, 3, 6, 1, 2, 1, 1, 5, 0}});
            up = !r.timeout && r.varbinds.size() == 1 && r.varbinds[0].octets == want;
            return up || !running_[p]->Running();
          },
          std::chrono::seconds(60));
      if (up) break;
      const std::string log = running_[p]->Log();
      if (running_[p]->Running() || log.find("Address already in use") == std::string::npos ||
          attempt >= 4) {
        error_ = fmt::format("port {} did not answer with {} within 60 s\n{}", agents_[i].port,
                             want, log);
        return false;
      }
      for (size_t k = p * per; k < std::min((p + 1) * per, agents_.size()); ++k) {
        if (generation_ == 1) {
          ports_[k] = FreeUdpPort();
          agents_[k].port = ports_[k];
        }
      }
      if (generation_ > 1) std::this_thread::sleep_for(std::chrono::milliseconds(500));
      running_[p] = start(p, attempt + 1);
    }
  }
  return true;
}

void PeripheralSim::Stop() {
  for (auto& p : running_) p->Stop();
  running_.clear();
}

std::string PeripheralSim::Log() const {
  std::string out = error_.empty() ? "" : "peripheral sim: " + error_ + "\n";
  for (const auto& process : running_) out += process->Log();
  return out;
}

std::vector<snmp::VarBind> SnmprecVarBinds(const std::string& text) {
  std::vector<snmp::VarBind> out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    const std::string line = text.substr(pos, end - pos);
    pos = end + 1;
    const size_t a = line.find('|');
    const size_t b = a == std::string::npos ? a : line.find('|', a + 1);
    if (b == std::string::npos) continue;
    auto oid = snmp::ParseOid(line.substr(0, a));
    if (!oid.ok()) continue;
    const std::string tag = line.substr(a + 1, b - a - 1);
    const std::string value = line.substr(b + 1);
    snmp::VarBind vb;
    vb.oid = std::move(*oid);
    if (tag == "2") {
      vb.type = snmp::ValueType::kInteger;
      vb.integer = std::strtoll(value.c_str(), nullptr, 10);
    } else if (tag == "4" || tag == "4x") {
      vb.type = snmp::ValueType::kOctets;
      if (tag == "4") {
        vb.octets = value;
      } else {
        for (size_t i = 0; i + 1 < value.size(); i += 2) {
          vb.octets += static_cast<char>(std::stoi(value.substr(i, 2), nullptr, 16));
        }
      }
    } else if (tag == "64") {  // IpAddress: its 4 octets, as VarBindFrom keeps them
      auto address = snmp::ParseOid(value);
      if (!address.ok() || address->size() != 4) continue;
      vb.type = static_cast<snmp::ValueType>(0x40);
      for (uint32_t arc : *address) vb.octets += static_cast<char>(arc & 0xff);
    } else if (tag == "6") {
      vb.type = snmp::ValueType::kObjectId;
      vb.octets = value;
    } else if (tag == "65" || tag == "66" || tag == "67" || tag == "70") {
      vb.type = tag == "65"   ? snmp::ValueType::kCounter32
                : tag == "66" ? snmp::ValueType::kGauge32
                : tag == "67" ? snmp::ValueType::kTimeTicks
                              : snmp::ValueType::kCounter64;
      vb.unsigned_value = std::strtoull(value.c_str(), nullptr, 10);
    } else {
      continue;
    }
    out.push_back(std::move(vb));
  }
  return out;
}

}  // namespace periscope::testing
