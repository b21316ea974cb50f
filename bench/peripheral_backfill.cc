// peripheral_backfill: writes the earlier readings of the demo's peripherals
// into a store (docs/demo-history.md).
//
//   peripheral_backfill --db DB --fleet DIR
//
// DIR is a fleet written by `fleet_gen --patterns --peripherals N`: its
// peripherals.csv names, per peripheral, its port and the start and length of
// its generated history. Printers, copiers, hosts and switches keep only their
// current counters and levels, so the first live poll cannot backfill months
// as a periscope agent's daily table does; this tool stands in for the polls
// that would have happened. For every day of the history it records seven
// readings (00:00, 06:00, 09:00, 11:00, 12:00, 14:00 and 18:00 local time)
// through store::PollWriter::RecordPeripherals with sampled_at in the past,
// in one poll run per day (the runs are real rows: `list runs` shows them).
// The readings are what the simulated agent would have served at that time
// (tests/support/peripheral_fleet.h DemoPeripheralAt), decoded as
// poller/peripheral_decode.h documents, so the live poll that follows
// continues the same counters.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "store/db.h"
#include "store/metrics.h"
#include "store/poll_writer.h"
#include "tests/support/peripheral_fleet.h"

namespace {

using periscope::store::DeviceKind;
using periscope::store::MetricType;
using periscope::store::PeripheralRecord;
using periscope::testing::SimPeripheralAgent;
using periscope::testing::SimPeripheralKind;

// IANA-PRINTER-MIB names, as the poller writes them in the spec details.
std::string UnitName(int unit) {
  switch (unit) {
    case 7:
      return "impressions";
    case 8:
      return "sheets";
    case 13:
      return "tenthsOfGrams";
    case 17:
      return "meters";
    case 19:
      return "percent";
  }
  return std::to_string(unit);
}
std::string SupplyTypeName(int type) {
  switch (type) {
    case 3:
      return "toner";
    case 4:
      return "wasteToner";
    case 9:
      return "opc";
    case 10:
      return "developer";
    case 15:
      return "fuser";
  }
  return std::to_string(type);
}

// The record a poller would decode from `a` served on 127.0.0.1:`port`.
PeripheralRecord RecordOf(const SimPeripheralAgent& a, int port) {
  PeripheralRecord r;
  r.device_index = 1;
  r.uptime_cs = a.uptime_cs;
  periscope::store::PeripheralSpec spec;
  spec.model = a.model;
  spec.description = a.sys_descr;
  spec.firmware = a.firmware;
  nlohmann::json details = nlohmann::json::object();
  auto reading = [&](std::string_view metric, std::string instance, MetricType type, uint64_t value,
                     std::optional<double> capacity = std::nullopt) {
    r.readings.push_back({std::string(metric), std::move(instance), type, value, capacity});
  };
  switch (a.kind) {
    case SimPeripheralKind::kPrinter: {
      r.kind = DeviceKind::kPrinter;
      r.device_index = a.printer.device_index;
      r.serial_number = a.printer.serial;
      spec.model_source = a.printer.has_entity ? "entPhysicalModelName" : "hrDeviceDescr";
      for (const auto& m : a.printer.markers) {
        details["markers"].push_back({{"index", m.index}, {"unit", UnitName(m.counter_unit)}});
        if (m.counter_unit == periscope::testing::kPrtUnitImpressions ||
            m.counter_unit == periscope::testing::kPrtUnitSheets) {
          reading(periscope::store::kMetricPages, std::to_string(m.index), MetricType::kLifeCount,
                  m.life_count & 0xffffffffULL);
        }
      }
      for (const auto& t : a.printer.trays) {
        details["trays"].push_back({{"index", t.index},
                                    {"name", t.name},
                                    {"media", t.media},
                                    {"unit", UnitName(t.capacity_unit)},
                                    {"max", t.max}});
        if (t.level >= 0 && (t.max < 0 || t.level <= t.max)) {
          reading(periscope::store::kMetricTrayLevel, std::to_string(t.index), MetricType::kGauge,
                  static_cast<uint64_t>(t.level));
        }
      }
      for (const auto& s : a.printer.supplies) {
        details["supplies"].push_back({{"index", s.index},
                                       {"description", s.description},
                                       {"type", SupplyTypeName(s.type)},
                                       {"unit", UnitName(s.unit)},
                                       {"max", s.max}});
        if (s.level >= 0 && s.max > 0 && s.level <= s.max) {
          reading(periscope::store::kMetricSupplyLevelPct, std::to_string(s.index),
                  MetricType::kGauge, static_cast<uint64_t>(std::llround(s.level * 100.0 / s.max)));
        }
      }
      break;
    }
    case SimPeripheralKind::kHost: {
      r.kind = DeviceKind::kHost;
      r.serial_number = fmt::format("target:127.0.0.1:{}#1", port);
      spec.model_source = "sysDescr";
      for (const auto& s : a.host.storage) {
        if (s.type == 3 || s.size <= 0 || s.used < 0 || s.used > s.size) continue;
        const uint64_t units = static_cast<uint64_t>(s.units);
        details["storage"].push_back({{"descr", s.descr},
                                      {"type", s.type == 2 ? "ram" : "fixedDisk"},
                                      {"size_bytes", static_cast<uint64_t>(s.size) * units}});
        reading(periscope::store::kMetricStorageUsedBytes, s.descr, MetricType::kGauge,
                static_cast<uint64_t>(s.used) * units);
        reading(periscope::store::kMetricStorageSizeBytes, s.descr, MetricType::kGauge,
                static_cast<uint64_t>(s.size) * units);
      }
      double sum = 0;
      for (const auto& p : a.host.processors) {
        reading(periscope::store::kMetricCpuLoadPct, std::to_string(p.device_index),
                MetricType::kGauge, static_cast<uint64_t>(p.load));
        sum += p.load;
      }
      details["processors"] = a.host.processors.size();
      if (!a.host.processors.empty()) {
        reading(periscope::store::kMetricCpuLoadPct, "all", MetricType::kGauge,
                static_cast<uint64_t>(
                    std::llround(sum / static_cast<double>(a.host.processors.size()))));
      }
      break;
    }
    case SimPeripheralKind::kNetwork: {
      r.kind = DeviceKind::kNetwork;
      r.serial_number = a.serial;
      spec.model_source = "entPhysicalModelName";
      const MetricType type = a.net.has_hc ? MetricType::kCounter64 : MetricType::kCounter32;
      const uint64_t mask = a.net.has_hc ? ~0ULL : 0xffffffffULL;
      for (const auto& f : a.net.interfaces) {
        const std::string name = f.name.empty() ? f.descr : f.name;
        const double capacity = f.speed_mbps * 125'000.0;
        details["interfaces"].push_back({{"name", name},
                                         {"index", f.index},
                                         {"speed_mbps", f.speed_mbps},
                                         {"counter_bits", a.net.has_hc ? 64 : 32}});
        reading(periscope::store::kMetricIfInOctets, name, type, f.in_octets & mask, capacity);
        reading(periscope::store::kMetricIfOutOctets, name, type, f.out_octets & mask, capacity);
      }
      break;
    }
  }
  spec.details_json = details.dump();
  r.spec = spec;
  return r;
}

struct Row {
  size_t which = 0;
  int port = 0;
  std::string customer;
  int64_t origin = 0, days = 0;
};

}  // namespace

int main(int argc, char** argv) {
  std::string db_path, fleet;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--db") {
      db_path = argv[i + 1];
    } else if (flag == "--fleet") {
      fleet = argv[i + 1];
    } else {
      std::fprintf(stderr, "peripheral_backfill: unknown flag %s\n", flag.c_str());
      return 2;
    }
  }
  if (db_path.empty() || fleet.empty()) {
    std::fputs("usage: peripheral_backfill --db DB --fleet DIR\n", stderr);
    return 2;
  }
  std::ifstream in(fleet + "/peripherals.csv");
  std::vector<Row> rows;
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::istringstream cells(line);
    Row r;
    std::string cell;
    std::getline(cells, cell, ',');
    r.which = std::strtoul(cell.c_str(), nullptr, 10);
    std::getline(cells, cell, ',');
    r.port = std::atoi(cell.c_str());
    std::getline(cells, r.customer, ',');
    std::getline(cells, cell, ',');
    r.origin = std::strtoll(cell.c_str(), nullptr, 10);
    std::getline(cells, cell, ',');
    r.days = std::strtoll(cell.c_str(), nullptr, 10);
    rows.push_back(r);
  }
  if (rows.empty()) {
    std::fprintf(stderr, "peripheral_backfill: no peripherals in %s/peripherals.csv\n",
                 fleet.c_str());
    return 1;
  }
  auto db = periscope::store::Db::OpenWriter(db_path, periscope::store::OpenMode::kMustExist);
  if (!db.ok()) {
    std::fprintf(stderr, "peripheral_backfill: %s\n", db.status().ToString().c_str());
    return 1;
  }
  auto targets = periscope::store::LoadTargets(**db, "", "");
  if (!targets.ok()) {
    std::fprintf(stderr, "peripheral_backfill: %s\n", targets.status().ToString().c_str());
    return 1;
  }
  std::map<int, int64_t> target_of_port;
  for (const auto& t : *targets) target_of_port[t.port] = t.id;
  periscope::store::PollWriter writer(db->get());
  const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  const int kHours[] = {0, 6, 9, 11, 12, 14, 18};
  size_t written = 0;
  for (int64_t day = 0; day < rows[0].days; ++day) {
    const int64_t day_start = rows[0].origin + day * 86'400;
    auto run = writer.StartRun(day_start);
    if (!run.ok()) {
      std::fprintf(stderr, "peripheral_backfill: %s\n", run.status().ToString().c_str());
      return 1;
    }
    int64_t ok = 0;
    for (int hour : kHours) {
      const int64_t at = day_start + hour * 3'600;
      if (at >= now - 60) break;
      for (const Row& r : rows) {
        auto target = target_of_port.find(r.port);
        if (target == target_of_port.end()) {
          std::fprintf(stderr, "peripheral_backfill: no target on port %d\n", r.port);
          return 1;
        }
        SimPeripheralAgent a =
            periscope::testing::DemoPeripheralAt(r.which, r.customer, r.origin, r.days, at);
        periscope::Status s =
            writer.RecordPeripherals(*run, target->second, at, {RecordOf(a, r.port)});
        if (!s.ok()) {
          std::fprintf(stderr, "peripheral_backfill: %s\n", s.ToString().c_str());
          return 1;
        }
        ++ok;
        ++written;
      }
    }
    periscope::Status s = writer.FinishRun(*run, day_start + 18 * 3'600 + 60, true, ok, ok, 0);
    if (!s.ok()) {
      std::fprintf(stderr, "peripheral_backfill: %s\n", s.ToString().c_str());
      return 1;
    }
  }
  std::printf("peripheral_backfill: %zu readings of %zu peripherals over %lld days\n", written,
              rows.size(), static_cast<long long>(rows[0].days));
  return 0;
}
