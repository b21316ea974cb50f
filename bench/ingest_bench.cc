// ingest_bench: how fast periscope-store takes the poller's results, and how
// much the database grows per device and year.
//
//   ingest_bench [--dir DIR] [--targets N] [--daily-rows N] [--polls N]
//                [--size-devices N] [--size-days N] [--size-sync full|off]
//
// Rate: a fresh store (store::Db::OpenWriter: WAL, synchronous=FULL, as the
// poller opens it) with --targets targets of one device each, written exactly
// as periscope-poller writes a run: StartRun, one PollWriter::RecordTarget per
// target (one BEGIN IMMEDIATE transaction each: device upsert, spec check, one
// sample, --daily-rows daily upserts), FinishRun. The first poll creates the
// devices and their spec rows and is reported apart; --polls further polls are
// the steady state (targets/s, samples/s, daily upserts/s, wall and CPU per
// target).
//
// Size (skipped with --size-devices 0): another fresh store with
// --size-devices devices polled hourly for
// --size-days simulated days. Every poll carries what the subagent serves with
// its default retention: 35 daily rows (today's changes every poll; one new
// date per day). The main file is measured after a TRUNCATE checkpoint at the
// end of day 5 and of the last day; the difference per device-day (24 samples +
// 1 new daily row), times 365, is the size per device-year. This part keeps
// the poller's synchronous=FULL too; --size-sync off only makes it faster
// (synchronous changes when pages are flushed, not what is written).
//
// Prints key=value lines on stdout. The temp dir (under $TMPDIR, default /tmp,
// or --dir) is removed at exit unless --dir was given.
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "bench/bench_records.h"
#include "core/clock.h"
#include "store/db.h"
#include "store/poll_writer.h"
#include "store/registry.h"
#include "store/schema.h"

namespace {

using periscope::Status;
using periscope::store::Db;
using periscope::store::DeviceRecord;
using periscope::store::PollWriter;

using Clock = std::chrono::steady_clock;

std::string g_tmpdir;  // removed at exit when we created it

void RemoveTmp() {
  if (g_tmpdir.empty()) return;
  std::string cmd = "rm -rf '" + g_tmpdir + "'";
  if (std::system(cmd.c_str()) != 0) std::fprintf(stderr, "ingest_bench: cannot remove tmp\n");
  g_tmpdir.clear();
}

extern "C" void OnSignal(int signo) {
  // Only async-signal-safe calls here: the tree is removed by a child.
  if (!g_tmpdir.empty() && ::fork() == 0) {
    ::execl("/bin/rm", "rm", "-rf", g_tmpdir.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::_exit(128 + signo);
}

[[noreturn]] void Die(const Status& s) {
  std::fprintf(stderr, "ingest_bench: %s\n", s.ToString().c_str());
  RemoveTmp();
  std::exit(1);
}

void Check(const Status& s) {
  if (!s.ok()) Die(s);
}

double CpuSeconds() {
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  auto sec = [](const timeval& tv) {
    return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
  };
  return sec(ru.ru_utime) + sec(ru.ru_stime);
}

// YYYYMMDD of day `n` after 2026-01-01.
int64_t Date(int64_t n) { return periscope::DateFromDays(periscope::DaysFromDate(20260101) + n); }

// One device as the poller decodes it from a subagent: the spec of a storage
// array, the usage at poll `hour` (hours since the start), and the daily rows
// the agent serves then (`daily_rows` days up to today).
DeviceRecord MakeDevice(size_t target, int64_t hour, size_t daily_rows) {
  DeviceRecord d = periscope::bench::StorageArrayRecord(fmt::format("BENCH-{:06}", target),
                                                        static_cast<int64_t>(target), hour);
  const auto& u = d.usage;
  int64_t today = hour / 24;
  for (size_t k = daily_rows; k-- > 0;) {
    int64_t day = today - static_cast<int64_t>(k);
    periscope::store::DailyRow r;
    r.date = Date(day);
    bool is_today = k == 0;
    r.load_peak = is_today ? *u.load_peak_today : 150 + day % 17;
    r.load_avg_centi = is_today ? *u.load_avg_today_centi : 2400 + day % 13;
    r.used_bytes = 4'000'000'000'000 + day * 24'000'000;
    r.intervals = is_today ? (hour % 24 + 1) * 360 : 8640;
    d.daily.push_back(r);
  }
  return d;
}

std::unique_ptr<Db> NewStore(const std::string& path, size_t targets) {
  auto db = Db::OpenWriter(path, periscope::store::OpenMode::kCreate);
  if (!db.ok()) Die(db.status());
  Check(periscope::store::Migrate(**db));
  std::string staff = "name,email,role\nHanako Sato,sales@vendor.example,sales\n";
  std::string customers = "user_id,name,contact_person,email,phone,address,sales_email\n";
  for (int c = 1; c <= 50; ++c) {
    customers += fmt::format(
        "cust-{:03},Customer {},Contact,it@c{}.example,,,sales@vendor.example\n", c, c, c);
  }
  std::string csv = "address,port,profile,customer_user_id\n";
  for (size_t t = 0; t < targets; ++t) {
    csv += fmt::format("10.{}.{}.{},161,bench-v2c,cust-{:03}\n", t / 65536 % 256, t / 256 % 256,
                       t % 256, t % 50 + 1);
  }
  Check(periscope::store::ImportStaffCsv(**db, staff, "staff").status());
  Check(periscope::store::ImportCustomersCsv(**db, customers, "customers").status());
  Check(periscope::store::ImportTargetsCsv(**db, csv, "targets").status());
  return std::move(*db);
}

std::vector<int64_t> TargetIds(Db& db) {
  auto targets = periscope::store::LoadTargets(db, "", "");
  if (!targets.ok()) Die(targets.status());
  std::vector<int64_t> ids;
  for (const auto& t : *targets) ids.push_back(t.id);
  return ids;
}

struct PollTiming {
  double wall_s = 0;
  double cpu_s = 0;
};

// One poll of every target, as periscope-poller's run writes it.
PollTiming Poll(Db& db, const std::vector<int64_t>& ids, int64_t hour, size_t daily_rows) {
  PollWriter writer(&db);
  const int64_t at = 1'767'225'600 + hour * 3600;  // 2026-01-01T00:00Z + hour
  std::vector<std::vector<DeviceRecord>> records;
  for (size_t i = 0; i < ids.size(); ++i) records.push_back({MakeDevice(i, hour, daily_rows)});
  double cpu0 = CpuSeconds();
  Clock::time_point t0 = Clock::now();
  auto run = writer.StartRun(at);
  if (!run.ok()) Die(run.status());
  for (size_t i = 0; i < ids.size(); ++i) Check(writer.RecordTarget(*run, ids[i], at, records[i]));
  auto n = static_cast<int64_t>(ids.size());
  Check(writer.FinishRun(*run, at + 60, true, n, n, 0));
  return {std::chrono::duration<double>(Clock::now() - t0).count(), CpuSeconds() - cpu0};
}

int64_t MainFileSize(Db& db) {
  Check(db.Exec("PRAGMA wal_checkpoint(TRUNCATE)"));
  struct stat st {};
  if (::stat(db.path().c_str(), &st) != 0) return -1;
  return static_cast<int64_t>(st.st_size);
}

int Usage() {
  std::fputs(
      "usage: ingest_bench [--dir DIR] [--targets N] [--daily-rows N] [--polls N]\n"
      "                    [--size-devices N] [--size-days N] [--size-sync full|off]\n",
      stderr);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir;
  size_t targets = 1000, daily_rows = 35, polls = 3, size_devices = 50, size_days = 30;
  std::string size_sync = "full";
  for (int i = 1; i < argc; i += 2) {
    std::string flag = argv[i];
    if (i + 1 >= argc) return Usage();
    std::string value = argv[i + 1];
    auto number = [&] { return std::strtoul(value.c_str(), nullptr, 10); };
    if (flag == "--dir") {
      dir = value;
    } else if (flag == "--targets") {
      targets = number();
    } else if (flag == "--daily-rows") {
      daily_rows = number();
    } else if (flag == "--polls") {
      polls = number();
    } else if (flag == "--size-devices") {
      size_devices = number();
    } else if (flag == "--size-days") {
      size_days = number();
    } else if (flag == "--size-sync") {
      size_sync = value;
    } else {
      std::fprintf(stderr, "ingest_bench: unknown flag %s\n", flag.c_str());
      return Usage();
    }
  }
  if (targets == 0 || polls == 0 || size_days < 7 || (size_sync != "off" && size_sync != "full")) {
    return Usage();
  }
  if (dir.empty()) {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern =
        std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/ingest_bench.XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) {
      std::perror("ingest_bench: mkdtemp");
      return 1;
    }
    dir = g_tmpdir = pattern;
    std::signal(SIGINT, OnSignal);
    std::signal(SIGTERM, OnSignal);
  }

  // ---- rate ----
  {
    auto db = NewStore(dir + "/rate.db", targets);
    std::vector<int64_t> ids = TargetIds(*db);
    PollTiming first = Poll(*db, ids, 0, daily_rows);
    PollTiming steady;
    for (size_t p = 1; p <= polls; ++p) {
      PollTiming t = Poll(*db, ids, static_cast<int64_t>(p), daily_rows);
      steady.wall_s += t.wall_s;
      steady.cpu_s += t.cpu_s;
    }
    double n = static_cast<double>(targets);
    double writes = n * static_cast<double>(polls);
    std::printf("rate_targets=%zu daily_rows_per_sample=%zu synchronous=full\n", targets,
                daily_rows);
    std::printf("first_poll_s=%.3f first_poll_targets_per_s=%.1f\n", first.wall_s,
                n / first.wall_s);
    std::printf(
        "steady_polls=%zu steady_targets_per_s=%.1f steady_samples_per_s=%.1f "
        "steady_daily_upserts_per_s=%.1f steady_ms_per_target=%.3f steady_cpu_ms_per_target=%.3f\n",
        polls, writes / steady.wall_s, writes / steady.wall_s,
        writes * static_cast<double>(daily_rows) / steady.wall_s, steady.wall_s * 1e3 / writes,
        steady.cpu_s * 1e3 / writes);
  }

  // ---- size ----
  if (size_devices > 0) {
    auto db = NewStore(dir + "/size.db", size_devices);
    if (size_sync == "off") Check(db->Exec("PRAGMA synchronous=OFF"));
    std::vector<int64_t> ids = TargetIds(*db);
    const size_t warm_days = 5;
    int64_t size_warm = 0;
    Clock::time_point t0 = Clock::now();
    for (size_t day = 0; day < size_days; ++day) {
      for (int64_t h = 0; h < 24; ++h) {
        Poll(*db, ids, static_cast<int64_t>(day) * 24 + h, 35);
      }
      if (day + 1 == warm_days) size_warm = MainFileSize(*db);
    }
    int64_t size_end = MainFileSize(*db);
    double device_days = static_cast<double>(size_devices * (size_days - warm_days));
    double per_device_day = static_cast<double>(size_end - size_warm) / device_days;
    std::printf(
        "size_devices=%zu size_days=%zu hourly_polls=%zu synchronous=%s elapsed_s=%.1f "
        "file_bytes_day%zu=%lld file_bytes_day%zu=%lld\n",
        size_devices, size_days, size_devices * size_days * 24, size_sync.c_str(),
        std::chrono::duration<double>(Clock::now() - t0).count(), warm_days,
        static_cast<long long>(size_warm), size_days, static_cast<long long>(size_end));
    std::printf(
        "bytes_per_device_day=%.0f bytes_per_sample_incl_daily=%.1f "
        "mib_per_device_year=%.3f mib_per_1000_devices_year=%.1f\n",
        per_device_day, per_device_day / 24, per_device_day * 365 / (1 << 20),
        per_device_day * 365 * 1000 / (1 << 20));
  }
  RemoveTmp();
  return 0;
}
