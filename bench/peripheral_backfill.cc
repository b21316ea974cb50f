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
// (tests/support/peripheral_fleet.h DemoPeripheralAt), walked and decoded by
// the poller's own decoder (poller/peripheral_decode.h), so the live poll that
// follows continues the same counters.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include <fmt/format.h>

#include "poller/peripheral_decode.h"
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

// What the poller would store from the agent as it is at that time: its
// snmprec data walked (every object, in order) and decoded by the poller's
// own decoder, so the live poll that follows continues the same devices.
periscope::Result<std::vector<PeripheralRecord>> RecordsOf(const SimPeripheralAgent& a, int port) {
  auto kind = periscope::store::ParseDeviceKind(periscope::testing::KindName(a.kind));
  if (!kind) return periscope::InternalError("unknown simulated kind");
  periscope::poller::PeripheralDecodeOptions options;
  options.target_address = "127.0.0.1";
  options.target_port = port;
  auto decoded = periscope::poller::DecodePeripherals(
      *kind,
      periscope::testing::SnmprecVarBinds(
          periscope::testing::PeripheralSnmprec(a, fmt::format("sim-{}", port))),
      options);
  if (!decoded.ok()) return decoded.status();
  return std::move(decoded->devices);
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
        auto records = RecordsOf(a, r.port);
        periscope::Status s = records.ok()
                                  ? writer.RecordPeripherals(*run, target->second, at, *records)
                                  : records.status();
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
