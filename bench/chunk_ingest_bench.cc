// chunk_ingest_bench: the scale-out write path alone, without SNMP: how many
// device results per second a store takes through the poller's own bucket
// statements (store/leases.h), from several clients at once.
//
//   chunk_ingest_bench --db URI_OR_PATH [--targets N] [--buckets N] [--clients N]
//                      [--chunk N] [--daily-rows N] [--passes N]
//
// The database must exist and be empty (PostgreSQL: a fresh database;
// SQLite: a path that does not exist yet, --clients 1). The store gets
// --targets targets (one device each, shaped like ingest_bench's storage
// array) in --buckets buckets (interval 0, as `periscope-poller` cron runs).
// Then --clients threads, each with its own connection and run, do what
// periscope-poller's PollBuckets does with the results of the engine:
// ClaimDueBuckets (one bucket at a time; FOR UPDATE SKIP LOCKED on PostgreSQL),
// LoadBucketTargets, and WriteLeasedChunk per --chunk results (fence, samples,
// daily rows, polled_slot, lease renewal; the last chunk completes the bucket)
// until no bucket is due. The first pass creates the devices and is reported
// apart; --passes further passes are the steady state.
//
// Prints key=value lines on stdout: results/s (= sample rows/s), chunk
// commits and results per chunk commit, per pass.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "bench/bench_records.h"
#include "core/clock.h"
#include "store/db.h"
#include "store/leases.h"
#include "store/poll_writer.h"
#include "store/registry.h"
#include "store/retention.h"
#include "store/schema.h"

namespace {

using periscope::Result;
using periscope::Status;
using periscope::store::Db;
using periscope::store::DeviceRecord;
using Clock = std::chrono::steady_clock;

[[noreturn]] void Die(const Status& s) {
  std::fprintf(stderr, "chunk_ingest_bench: %s\n", s.ToString().c_str());
  std::exit(1);
}

void Check(const Status& s) {
  if (!s.ok()) Die(s);
}

int64_t Now() { return periscope::UnixSeconds(periscope::SystemClock::Instance()); }

// One storage array as the poller decodes it from a subagent: spec, usage at
// `pass`, and `daily_rows` daily rows up to today. Today's row grows with
// every pass, as an agent's does between polls (one daily upsert per device
// and pass); the closed days are served unchanged (no write).
DeviceRecord MakeDevice(int64_t target, int64_t pass, size_t daily_rows) {
  DeviceRecord d =
      periscope::bench::StorageArrayRecord(fmt::format("CHUNK-{:07}", target), target, pass);
  const int64_t today = periscope::DaysFromDate(20260301);
  for (size_t k = daily_rows; k-- > 0;) {
    periscope::store::DailyRow r;
    r.date = periscope::DateFromDays(today - static_cast<int64_t>(k));
    const bool is_today = k == 0;
    r.load_peak = is_today ? *d.usage.load_peak_today : 150 + static_cast<int64_t>(k);
    r.load_avg_centi = is_today ? *d.usage.load_avg_today_centi : 2400 + static_cast<int64_t>(k);
    r.used_bytes =
        is_today ? *d.usage.used_bytes : 4'000'000'000'000 - static_cast<int64_t>(k) * 24'000'000;
    r.intervals = is_today ? 360 + pass : 8640;
    d.daily.push_back(r);
  }
  return d;
}

struct Options {
  std::string db;
  int64_t targets = 20000;
  int64_t buckets = 0;  // 0: targets / 244 (1M devices in 4096 buckets)
  int clients = 4;
  size_t chunk = 50;
  size_t daily_rows = 2;
  int passes = 2;
};

struct ClientTotals {
  int64_t results = 0;
  int64_t chunks = 0;
  int64_t buckets = 0;
  int64_t lost = 0;
};

// One client: claims and writes until nothing is due by `due_by`.
ClientTotals RunClient(const Options& o, int client, int64_t pass, int64_t due_by) {
  auto db = Db::OpenWriter(o.db, periscope::store::OpenMode::kMustExist);
  if (!db.ok()) Die(db.status());
  periscope::store::PollWriter writer(db->get());
  auto run = writer.StartRun(Now());
  if (!run.ok()) Die(run.status());
  const std::string owner = fmt::format("bench-{}", client);
  const periscope::store::BucketSettings settings{o.buckets, 0};
  ClientTotals totals;
  while (true) {
    auto leases = periscope::store::ClaimDueBuckets(**db, owner, settings, due_by, 60, 1);
    if (!leases.ok()) Die(leases.status());
    if (leases->empty()) break;
    for (const auto& lease : *leases) {
      auto targets = periscope::store::LoadBucketTargets(**db, lease.bucket, lease.slot_start);
      if (!targets.ok()) Die(targets.status());
      std::vector<periscope::store::TargetResult> chunk;
      for (size_t i = 0; i < targets->size(); ++i) {
        periscope::store::TargetResult r;
        r.target_id = (*targets)[i].id;
        r.at = Now();
        r.kind = periscope::store::TargetResult::Kind::kDevices;
        r.devices.push_back(MakeDevice(r.target_id, pass, o.daily_rows));
        chunk.push_back(std::move(r));
        const bool last = i + 1 == targets->size();
        if (chunk.size() >= o.chunk || last) {
          Status s = periscope::store::WriteLeasedChunk(**db, *run, owner, lease, chunk, last, 60);
          if (periscope::store::IsLeaseLost(s)) {
            ++totals.lost;
            break;
          }
          Check(s);
          totals.results += static_cast<int64_t>(chunk.size());
          ++totals.chunks;
          chunk.clear();
        }
      }
      ++totals.buckets;
    }
  }
  Check(writer.FinishRun(*run, Now(), true, totals.results, totals.results, 0));
  return totals;
}

int Usage() {
  std::fputs(
      "usage: chunk_ingest_bench --db URI_OR_PATH [--targets N] [--buckets N] [--clients N]\n"
      "                          [--chunk N] [--daily-rows N] [--passes N]\n",
      stderr);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; i += 2) {
    std::string flag = argv[i];
    if (i + 1 >= argc) return Usage();
    std::string value = argv[i + 1];
    auto number = [&] { return std::strtoll(value.c_str(), nullptr, 10); };
    if (flag == "--db") {
      o.db = value;
    } else if (flag == "--targets") {
      o.targets = number();
    } else if (flag == "--buckets") {
      o.buckets = number();
    } else if (flag == "--clients") {
      o.clients = static_cast<int>(number());
    } else if (flag == "--chunk") {
      o.chunk = static_cast<size_t>(number());
    } else if (flag == "--daily-rows") {
      o.daily_rows = static_cast<size_t>(number());
    } else if (flag == "--passes") {
      o.passes = static_cast<int>(number());
    } else {
      std::fprintf(stderr, "chunk_ingest_bench: unknown flag %s\n", flag.c_str());
      return Usage();
    }
  }
  if (o.db.empty() || o.targets <= 0 || o.clients <= 0 || o.chunk == 0 || o.passes <= 0) {
    return Usage();
  }
  if (o.buckets <= 0) o.buckets = std::max<int64_t>(1, o.targets / 244);

  {
    auto db = Db::OpenWriter(o.db, periscope::store::OpenMode::kCreate);
    if (!db.ok()) Die(db.status());
    Check(periscope::store::Migrate(**db));
    std::string staff = "name,email,role\nHanako Sato,sales@vendor.example,sales\n";
    std::string customers = "user_id,name,contact_person,email,phone,address,sales_email\n";
    for (int c = 1; c <= 50; ++c) {
      customers += fmt::format(
          "cust-{:03},Customer {},Contact,it@c{}.example,,,sales@vendor.example\n", c, c, c);
    }
    std::string csv = "address,port,profile,customer_user_id\n";
    for (int64_t t = 0; t < o.targets; ++t) {
      csv += fmt::format("10.{}.{}.{},161,bench-v2c,cust-{:03}\n", t / 65536 % 256, t / 256 % 256,
                         t % 256, t % 50 + 1);
    }
    Check(periscope::store::ImportStaffCsv(**db, staff, "staff").status());
    Check(periscope::store::ImportCustomersCsv(**db, customers, "customers").status());
    Check(periscope::store::ImportTargetsCsv(**db, csv, "targets").status());
    Check(periscope::store::PrepareBuckets(**db, {o.buckets, 0}));
    Check(periscope::store::EnsureSamplePartitions(**db, Now(), 2));
  }
  std::printf("db=%s targets=%lld buckets=%lld clients=%d chunk=%zu daily_rows=%zu\n",
              o.db.rfind("postgres", 0) == 0 ? "postgresql" : "sqlite",
              static_cast<long long>(o.targets), static_cast<long long>(o.buckets), o.clients,
              o.chunk, o.daily_rows);
  std::fflush(stdout);

  double steady_s = 0;
  int64_t steady_results = 0, steady_chunks = 0;
  for (int pass = 0; pass <= o.passes; ++pass) {
    // A bucket done in one pass is due again one second after its slot.
    std::this_thread::sleep_for(std::chrono::milliseconds(pass == 0 ? 0 : 2100));
    int64_t due_by = 0;
    {
      auto db = Db::OpenWriter(o.db, periscope::store::OpenMode::kMustExist);
      if (!db.ok()) Die(db.status());
      auto now = periscope::store::DatabaseNow(**db);
      if (!now.ok()) Die(now.status());
      due_by = *now;
    }
    std::vector<ClientTotals> totals(static_cast<size_t>(o.clients));
    std::vector<std::thread> threads;
    auto t0 = Clock::now();
    for (int c = 0; c < o.clients; ++c) {
      threads.emplace_back(
          [&, c] { totals[static_cast<size_t>(c)] = RunClient(o, c, pass, due_by); });
    }
    for (auto& t : threads) t.join();
    const double wall = std::chrono::duration<double>(Clock::now() - t0).count();
    ClientTotals sum;
    for (const auto& t : totals) {
      sum.results += t.results;
      sum.chunks += t.chunks;
      sum.buckets += t.buckets;
      sum.lost += t.lost;
    }
    std::printf(
        "pass=%d%s wall_s=%.3f results=%lld results_per_s=%.0f chunk_commits=%lld "
        "results_per_chunk=%.1f buckets=%lld leases_lost=%lld\n",
        pass, pass == 0 ? " (first: creates devices)" : "", wall,
        static_cast<long long>(sum.results), static_cast<double>(sum.results) / wall,
        static_cast<long long>(sum.chunks),
        static_cast<double>(sum.results) / static_cast<double>(std::max<int64_t>(1, sum.chunks)),
        static_cast<long long>(sum.buckets), static_cast<long long>(sum.lost));
    std::fflush(stdout);
    if (pass == 0) {
      // The statistics a live store has (PostgreSQL's autovacuum analyzes a
      // table within a minute of it changing this much): without them
      // PostgreSQL plans the chunk's `IN (64 ids)` lookups as sequential
      // scans of the rows the first pass created.
      auto db = Db::OpenWriter(o.db, periscope::store::OpenMode::kMustExist);
      if (!db.ok()) Die(db.status());
      Check((*db)->Exec("ANALYZE"));
    }
    if (pass > 0) {
      steady_s += wall;
      steady_results += sum.results;
      steady_chunks += sum.chunks;
    }
  }
  std::printf("steady_results_per_s=%.0f steady_results_per_chunk=%.1f steady_chunks_per_s=%.1f\n",
              static_cast<double>(steady_results) / steady_s,
              static_cast<double>(steady_results) /
                  static_cast<double>(std::max<int64_t>(1, steady_chunks)),
              static_cast<double>(steady_chunks) / steady_s);
  return 0;
}
