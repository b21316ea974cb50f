// Scale-out faults (issue 12) with real processes on one machine: four
// `periscope-poller --service` processes share a simulated fleet of 504
// targets through bucket leases in one PostgreSQL store, with compressed time
// (interval 10 s, 64 buckets, lease TTL 3 s, chunks of 4 targets). A poller
// is killed, stopped past its TTL, or the server restarts under them; then
// every slot of every live device must hold exactly one sample, and no device
// may have been asked twice in a slot except the faulted poller's uncommitted
// work.
//
// Counting from the agents' side: every target is reached through a
// LoggingUdpRelay (tests/support/logging_relay.h) that records each walk
// start (the GETBULK of the PERISCOPE-MIB root that begins a device's walk,
// retransmissions folded). Each walk start is matched with a result stored
// for its target within 3 s after it (a slot's samples, or an error); a walk
// with no stored result asked the device for nothing. A device asked twice in
// one slot is such a walk, since a slot's result is stored once. Only the
// faulted poller's uncommitted or refused work may be asked for nothing.
// (Mapping walk times to slots would be unsound: a takeover claimed just
// before the next slot is due polls the old slot after that due time.)
#include <signal.h>
#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "mib/periscope_oids.h"
#include "tests/support/fleet.h"
#include "tests/support/logging_relay.h"
#include "tests/support/pg_cluster.h"
#include "tests/support/process.h"

namespace periscope::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr int64_t kIntervalS = 10;
constexpr int64_t kBuckets = 64;
constexpr int64_t kLeaseTtlS = 3;
constexpr int64_t kChunkTargets = 4;  // buckets hold ~8 targets: two chunks each
constexpr int64_t kWindow = 16;       // devices in flight per poller
constexpr size_t kAgents = 500;
constexpr size_t kDeadTargets = 4;  // ports nobody listens on
constexpr size_t kSlowTargets = 4;  // 100 ms each way through the relay
// How long after its due time a slot's poll must be committed, including a
// takeover (TTL + one claim cycle) and a dead device (timeout x tries).
constexpr int64_t kGraceS = 8;

std::string PollerBinary() { return BinaryDir() + "/poller/periscope-poller"; }
std::string StoreBinary() { return BinaryDir() + "/store/periscope-store"; }

int64_t UnixNowS() {
  return std::chrono::duration_cast<seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int64_t Offset(int64_t bucket) { return bucket * kIntervalS / kBuckets; }

std::string XmlAttr(std::string s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '<':
        out += "&lt;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

enum class TargetKind { kLive, kSlow, kDead };

struct FleetTarget {
  int port = 0;  // the relay's port
  TargetKind kind = TargetKind::kLive;
  std::string customer;
};

// The fleet and the relay, shared by the tests (starting 500 agents takes a
// while); each test has its own PostgreSQL cluster and store.
struct SharedFleet {
  TempDir dir;
  std::unique_ptr<SnmpsimFleet> sim;
  std::unique_ptr<LoggingUdpRelay> relay;
  std::vector<FleetTarget> targets;   // index = relay route
  std::vector<UniqueFd> black_holes;  // the dead targets' upstream ports
  std::string error;
};
SharedFleet* g_fleet = nullptr;

class ScaleoutFaultTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!HaveSnmpsim()) return;
    g_fleet = new SharedFleet;
    SharedFleet& f = *g_fleet;
    // The agents' ports were free when chosen; on a busy machine another
    // process may take one before snmpsimd binds it: a new set of ports then.
    for (int attempt = 0; attempt < 3; ++attempt) {
      f.sim = std::make_unique<SnmpsimFleet>(f.dir, MakeFleet(kAgents, 20, 1), 4);
      if (f.sim->Start()) break;
      f.error += f.sim->Log();
      f.sim.reset();
    }
    if (f.sim == nullptr) return;
    f.error.clear();
    std::vector<LoggingUdpRelay::Route> routes;
    for (size_t i = 0; i < f.sim->agents().size(); ++i) {
      const SimAgent& a = f.sim->agents()[i];
      const bool slow = i % (kAgents / kSlowTargets) == 7;
      routes.push_back({a.port, slow ? milliseconds(100) : milliseconds(0)});
      f.targets.push_back({0, slow ? TargetKind::kSlow : TargetKind::kLive, a.customer});
    }
    // Dead devices: ports held by sockets nobody reads (a port merely free
    // could be taken by another process on a busy machine).
    for (size_t i = 0; i < kDeadTargets; ++i) {
      int port = 0;
      f.black_holes.push_back(BindLoopbackUdp(&port, milliseconds(100)));
      routes.push_back({port, milliseconds(0)});
      f.targets.push_back({0, TargetKind::kDead, f.sim->agents()[i].customer});
    }
    f.relay = std::make_unique<LoggingUdpRelay>(mib::kPeriscopeMibRoot);
    if (!f.relay->Start(routes, &f.error)) return;
    for (size_t i = 0; i < f.targets.size(); ++i) f.targets[i].port = f.relay->port(i);
  }
  static void TearDownTestSuite() {
    delete g_fleet;
    g_fleet = nullptr;
  }

  void SetUp() override {
    if (g_fleet == nullptr) GTEST_SKIP() << "snmpsim not installed (apt-get install snmpsim)";
    ASSERT_TRUE(g_fleet->error.empty()) << g_fleet->error;
    PERISCOPE_PG_CLUSTER_OR_SKIP(cluster);
    cluster_ = std::move(cluster);
    std::string error;
    ASSERT_TRUE(cluster_->CreateDatabase("periscope", &error)) << error;
    uri_ = cluster_->Uri("periscope");
    ASSERT_NO_FATAL_FAILURE(InitAndImport());
    WriteConfig();
  }

  void TearDown() override {
    pollers_.clear();  // SIGTERM, then SIGKILL after 5 s; reaped
  }

  void InitAndImport() {
    const SharedFleet& f = *g_fleet;
    std::string customers = "user_id,name,contact_person,email,phone,address,sales_email\n";
    std::set<std::string> seen;
    std::string rows = "address,port,profile,customer_user_id\n";
    for (const FleetTarget& t : f.targets) {
      if (seen.insert(t.customer).second) {
        customers += fmt::format("{},Customer {},,,,,sales@v.example\n", t.customer, t.customer);
      }
      rows += fmt::format("127.0.0.1,{},v2,{}\n", t.port, t.customer);
    }
    WriteTextFile(dir_.File("staff.csv"), "name,email,role\nSales,sales@v.example,sales\n");
    WriteTextFile(dir_.File("customers.csv"), customers);
    WriteTextFile(dir_.File("targets.csv"), rows);
    CommandResult init = RunCommand({StoreBinary(), "--db", uri_, "init"});
    ASSERT_EQ(init.exit_code, 0) << init.output;
    for (const char* what : {"staff", "customers", "targets"}) {
      CommandResult r = RunCommand(
          {StoreBinary(), "--db", uri_, "import", what, dir_.File(std::string(what) + ".csv")});
      ASSERT_EQ(r.exit_code, 0) << r.output;
    }
  }

  void WriteConfig() {
    config_ = dir_.File("poller.xml");
    // A dead device costs timeout x (retries + 1) = 0.9 s; a slow one's
    // round trip is 200 ms (on a loaded machine snmpsim may take longer).
    WriteTextFile(config_, fmt::format(R"(<periscope-poller>
  <database path="{}"/>
  <polling window="{}" timeout-ms="900" retries="0" interval-s="{}" buckets="{}" lease-ttl-s="{}" chunk-targets="{}"/>
  <profile name="v2" version="2c" community="public"/>
</periscope-poller>
)",
                                       XmlAttr(uri_), kWindow, kIntervalS, kBuckets, kLeaseTtlS,
                                       kChunkTargets));
    ::chmod(config_.c_str(), 0600);
  }

  void StartPollers() {
    for (int n = 1; n <= 4; ++n) {
      const std::string node = fmt::format("p{}", n);
      pollers_[node] =
          std::make_unique<Process>(std::vector<std::string>{PollerBinary(), "-c", config_,
                                                             "--service", "--node", node, "--json"},
                                    dir_.File(node + ".log"));
    }
  }

  std::string PollerLogs() const {
    std::string out;
    for (const auto& [node, p] : pollers_) {
      std::string log = p->Log();
      if (log.size() > 3000) log = "..." + log.substr(log.size() - 3000);
      out += "---- " + node + " ----\n" + log + "\n";
    }
    return out;
  }

  // Rows of `sql` ('|' between columns).
  std::vector<std::string> Rows(const std::string& sql) {
    bool ok = false;
    std::string error;
    std::string out = cluster_->Psql("periscope", sql, &ok, &error);
    EXPECT_TRUE(ok) << sql << "\n" << error;
    std::vector<std::string> rows;
    std::istringstream lines(out);
    for (std::string line; std::getline(lines, line);) {
      if (!line.empty()) rows.push_back(line);
    }
    return rows;
  }
  int64_t Int(const std::string& sql) {
    auto rows = Rows(sql);
    return rows.empty() ? -1 : std::atoll(rows[0].c_str());
  }

  // Waits until every bucket with targets completed a slot (each live device
  // has a devices row) and none is overdue by more than 3 s (the warm-up
  // backlog, every bucket due at once, is gone); returns each bucket's next
  // slot: the first slot the window checks.
  std::map<int64_t, int64_t> WaitSteady() {
    std::map<int64_t, int64_t> first;
    bool steady = WaitFor(
        [&] {
          return Int("SELECT CASE WHEN (SELECT count(*) FROM poll_buckets) = " +
                     std::to_string(kBuckets) +
                     " AND NOT EXISTS (SELECT 1 FROM poll_buckets b WHERE (b.completed_slot IS "
                     "NULL OR b.next_due < CAST(extract(epoch FROM clock_timestamp()) AS BIGINT) "
                     "- 3) AND EXISTS (SELECT 1 FROM targets t WHERE t.bucket = b.bucket AND "
                     "t.enabled = 1)) THEN 1 ELSE 0 END") == 1;
        },
        seconds(40));
    EXPECT_TRUE(steady) << "not every bucket was polled on time within 40 s\n" << PollerLogs();
    for (const std::string& row : Rows("SELECT bucket, completed_slot FROM poll_buckets WHERE "
                                       "completed_slot IS NOT NULL")) {
      int64_t bucket = 0, slot = 0;
      std::sscanf(row.c_str(), "%ld|%ld", &bucket, &slot);
      // The warm-up slot is claimed whenever the backlog allows (its
      // results may come in after the slot's interval); the next one on time.
      first[bucket] = slot + kIntervalS;
    }
    steady_ms_ = std::chrono::duration_cast<milliseconds>(
                     std::chrono::system_clock::now().time_since_epoch())
                     .count();
    g_fleet->relay->Clear();
    return first;
  }

  // Waits until `node` holds a live lease on a bucket it has committed a
  // chunk of for this slot and not finished: some targets already carry the
  // lease's slot, others do not. Returns false when that did not happen.
  bool WaitMidBucket(const std::string& node) {
    const std::string sql = fmt::format(
        "SELECT count(*) FROM poll_buckets b WHERE b.lease_owner = '{}' AND b.lease_until >= "
        "CAST(floor(extract(epoch FROM clock_timestamp())) AS BIGINT) "
        "AND EXISTS (SELECT 1 FROM targets t WHERE t.bucket = b.bucket AND t.enabled = 1 AND "
        "  t.polled_slot > coalesce(b.completed_slot, -1)) "
        "AND EXISTS (SELECT 1 FROM targets t WHERE t.bucket = b.bucket AND t.enabled = 1 AND "
        "  coalesce(t.polled_slot, -1) <= coalesce(b.completed_slot, -1))",
        node);
    return WaitFor([&] { return Int(sql) > 0; }, seconds(30));
  }

  std::set<int64_t> LeasedBy(const std::string& node) {
    std::set<int64_t> out;
    for (const std::string& row :
         Rows(fmt::format("SELECT bucket FROM poll_buckets WHERE lease_owner = '{}'", node))) {
      out.insert(std::atoll(row.c_str()));
    }
    return out;
  }

  std::string PortList(TargetKind a, TargetKind b) const {
    std::string out;
    for (const FleetTarget& t : g_fleet->targets) {
      if (t.kind == a || t.kind == b) out += (out.empty() ? "" : ",") + std::to_string(t.port);
    }
    return out;
  }

  // SQL: WITH first_slot(bucket, slot), expected(device_id, slot_start) = the
  // live devices' slots from each bucket's first checked slot through those
  // due by `last_due_s`, err(target_id, slot_start) = poll_errors with the
  // slot each was recorded for.
  std::string WindowSql(const std::map<int64_t, int64_t>& first, int64_t last_due_s) const {
    std::string values;
    for (const auto& [bucket, slot] : first) {
      values += fmt::format("{}({}, {})", values.empty() ? "" : ",", bucket, slot);
    }
    return fmt::format(
        "WITH first_slot(bucket, slot) AS (VALUES {values}), "
        "expected AS (SELECT d.id AS device_id, s.slot AS slot_start FROM devices d "
        "  JOIN targets t ON t.id = d.target_id JOIN first_slot f ON f.bucket = t.bucket "
        "  CROSS JOIN LATERAL generate_series(f.slot::bigint, {last}::bigint, {i}::bigint) AS "
        "s(slot) "
        "  WHERE t.enabled = 1 AND t.port IN ({live}) AND s.slot + t.bucket * {i} / {b} <= "
        "{last}), "
        "err AS (SELECT e.target_id, e.slot_start FROM poll_errors e) ",
        fmt::arg("values", values), fmt::arg("last", last_due_s), fmt::arg("i", kIntervalS),
        fmt::arg("b", kBuckets), fmt::arg("live", PortList(TargetKind::kLive, TargetKind::kSlow)));
  }

  // Expected (device, slot) pairs with neither a sample nor an error of
  // their target in that slot: "device slot bucket b" rows, at most 20.
  std::vector<std::string> MissingResults(const std::map<int64_t, int64_t>& first,
                                          int64_t last_due_s) {
    return Rows(WindowSql(first, last_due_s) +
                "SELECT m.device_id || ' ' || m.slot_start || ' bucket ' || t.bucket FROM "
                "(SELECT device_id, slot_start FROM expected "
                " EXCEPT SELECT device_id, slot_start FROM samples "
                " EXCEPT SELECT ex.device_id, ex.slot_start FROM expected ex JOIN devices d ON "
                " d.id = ex.device_id JOIN err ON err.target_id = d.target_id AND "
                " err.slot_start = ex.slot_start) m "
                "JOIN devices d ON d.id = m.device_id JOIN targets t ON t.id = d.target_id "
                "ORDER BY 1 LIMIT 20");
  }

  // poll_errors rows written twice for one walk (same target, time, class
  // and message): what a chunk retried after it committed would leave (the
  // samples' UNIQUE key hides that for samples).
  std::vector<std::string> DuplicateErrors() {
    return Rows(
        "SELECT target_id || ' ' || at || ' x' || count(*) FROM poll_errors "
        "GROUP BY target_id, at, class, message HAVING count(*) > 1 ORDER BY 1 LIMIT 20");
  }

  int64_t ErrorsOfLiveDevices(const std::map<int64_t, int64_t>& first, int64_t last_due_s) {
    return Int(WindowSql(first, last_due_s) +
               "SELECT count(DISTINCT (ex.device_id, ex.slot_start)) FROM expected ex JOIN "
               "devices d ON d.id = ex.device_id JOIN err ON err.target_id = d.target_id AND "
               "err.slot_start = ex.slot_start WHERE NOT EXISTS (SELECT 1 FROM samples sa WHERE "
               "sa.device_id = ex.device_id AND sa.slot_start = ex.slot_start)");
  }

  // Devices with both a sample and an error of their target in one slot:
  // one slot's result stored twice ("device slot" rows, at most 20).
  std::vector<std::string> SampleAndErrorInOneSlot() {
    return Rows(
        "SELECT s.device_id || ' ' || s.slot_start FROM samples s JOIN devices d ON d.id = "
        "s.device_id JOIN poll_errors e ON e.target_id = d.target_id AND e.slot_start = "
        "s.slot_start ORDER BY 1 LIMIT 20");
  }

  std::vector<std::string> DuplicateSamples() {
    return Rows(
        "SELECT device_id || ' ' || slot_start || ' x' || count(*) FROM samples "
        "GROUP BY device_id, slot_start HAVING count(*) > 1 ORDER BY 1 LIMIT 20");
  }

  // Dead targets: "port slot" for each checked slot without its poll_errors
  // row.
  std::vector<std::string> DeadTargetSlotsWithoutError(const std::map<int64_t, int64_t>& first,
                                                       int64_t last_due_s) {
    std::map<int64_t, std::set<int64_t>> slots_of;  // port -> slots with an error
    std::map<int64_t, int64_t> bucket_of;           // port -> bucket
    const std::string dead = PortList(TargetKind::kDead, TargetKind::kDead);
    for (const std::string& row :
         Rows(fmt::format("SELECT port, bucket FROM targets WHERE port IN ({})", dead))) {
      int64_t port = 0, bucket = 0;
      std::sscanf(row.c_str(), "%ld|%ld", &port, &bucket);
      bucket_of[port] = bucket;
    }
    for (const std::string& row :
         Rows(fmt::format("SELECT t.port, e.slot_start FROM poll_errors e JOIN targets t ON "
                          "t.id = e.target_id WHERE t.port IN ({})",
                          dead))) {
      int64_t port = 0, slot = 0;
      std::sscanf(row.c_str(), "%ld|%ld", &port, &slot);
      slots_of[port].insert(slot);
    }
    std::vector<std::string> out;
    for (const auto& [port, bucket] : bucket_of) {
      auto f = first.find(bucket);
      if (f == first.end()) continue;
      for (int64_t s = f->second; s + Offset(bucket) <= last_due_s; s += kIntervalS) {
        if (slots_of[port].count(s) == 0) out.push_back(fmt::format("{} {}", port, s));
      }
    }
    return out;
  }

  // Agent side: every walk start the relay saw from `steady_ms_` on, up to
  // `end_ms`, is matched with a result stored for its target (a slot's
  // samples, or an error) that came in at most 3 s after it; each result is
  // matched once. A walk left without a stored result is a device asked
  // for nothing: work of the faulted poller that was never committed (or was
  // refused), and in a steady run nothing else. A device asked twice in a
  // slot is such a walk (the slot's result is stored once).
  struct Asks {
    size_t walks = 0;
    std::vector<std::string> wasted_outside_fault;  // "port walk-ms bucket"
    size_t wasted_in_fault = 0;  // in the faulted buckets, up to 1 interval after the fault
    std::vector<std::string> results_without_walk;  // "port at"
  };
  Asks MatchAsks(int64_t end_ms, const std::set<int64_t>& fault_buckets, int64_t fault_ms) {
    std::map<int64_t, int64_t> bucket_of;                // port -> bucket
    std::map<int64_t, std::vector<int64_t>> results_of;  // port -> result times (s)
    for (const std::string& row : Rows("SELECT port, bucket FROM targets")) {
      int64_t port = 0, bucket = 0;
      std::sscanf(row.c_str(), "%ld|%ld", &port, &bucket);
      bucket_of[port] = bucket;
    }
    const int64_t from_s = steady_ms_ / 1000 - kIntervalS;
    for (const std::string& row : Rows(fmt::format(
             "SELECT t.port, min(sa.sampled_at) FROM samples sa JOIN devices d ON d.id = "
             "sa.device_id JOIN targets t ON t.id = d.target_id WHERE sa.sampled_at >= {} "
             "GROUP BY t.port, sa.slot_start "
             "UNION ALL SELECT t.port, e.at FROM poll_errors e JOIN targets t ON t.id = "
             "e.target_id WHERE e.at >= {}",
             from_s, from_s))) {
      int64_t port = 0, at = 0;
      std::sscanf(row.c_str(), "%ld|%ld", &port, &at);
      results_of[port].push_back(at);
    }
    std::map<int64_t, std::vector<int64_t>> walks_of;  // port -> walk start ms
    for (const auto& w : g_fleet->relay->WalkStarts()) {
      walks_of[g_fleet->targets[w.route].port].push_back(w.unix_ms);
    }
    Asks out;
    for (auto& [port, walks] : walks_of) {
      std::vector<int64_t>& results = results_of[port];
      std::sort(walks.begin(), walks.end());
      std::sort(results.begin(), results.end());
      // Each result (whole seconds: its true time is in [at, at + 1)) goes to
      // the latest walk not yet matched that started before it and at most
      // 3 s earlier (a walk takes < 1.5 s here): of two walks for one slot
      // the later one delivered the stored result.
      std::vector<bool> used(walks.size(), false);
      for (int64_t r : results) {
        bool matched = false;
        for (size_t i = walks.size(); i-- > 0 && !matched;) {
          if (used[i] || walks[i] > (r + 1) * 1000) continue;
          if (walks[i] < r * 1000 - 3000) break;
          used[i] = matched = true;
        }
        if (!matched && r * 1000 >= steady_ms_ + 5000 && r * 1000 <= end_ms) {
          out.results_without_walk.push_back(fmt::format("{} {}", port, r));
        }
      }
      for (size_t i = 0; i < walks.size(); ++i) {
        const int64_t w = walks[i];
        if (w > end_ms) break;
        ++out.walks;
        if (used[i]) continue;
        const int64_t bucket = bucket_of[port];
        if (fault_buckets.count(bucket) != 0 && w >= fault_ms - kIntervalS * 1000 &&
            w <= fault_ms + kIntervalS * 1000) {
          ++out.wasted_in_fault;
        } else {
          out.wasted_outside_fault.push_back(fmt::format("{} {} bucket {}", port, w, bucket));
        }
      }
    }
    return out;
  }

  // The checks every fault test ends with, for slots due by `last_due_s`
  // (waited for here), the fault at `fault_ms` touching `fault_buckets`.
  void ExpectEverySlotOnce(const std::map<int64_t, int64_t>& first, int64_t last_due_s,
                           const std::set<int64_t>& fault_buckets, int64_t fault_ms) {
    while (UnixNowS() < last_due_s + kGraceS) std::this_thread::sleep_for(milliseconds(200));
    std::vector<std::string> missing = MissingResults(first, last_due_s);
    EXPECT_THAT(missing, ::testing::IsEmpty())
        << "(device slot) without a sample or error; slots due by " << last_due_s << ", now "
        << UnixNowS() << "\nbuckets:\n"
        << ::testing::PrintToString(
               Rows("SELECT b.bucket || ' next_due ' || b.next_due || ' completed ' || "
                    "coalesce(b.completed_slot, -1) || ' at ' || coalesce(b.completed_at, -1) || "
                    "' owner ' || coalesce(b.lease_owner, '-') FROM poll_buckets b ORDER BY 1"))
        << "\nerrors of live targets:\n"
        << ::testing::PrintToString(Rows(fmt::format(
               "SELECT t.bucket || ' ' || t.port || ' at ' || e.at || ' run ' || e.run_id || ' ' "
               "|| e.class || ': ' || e.message FROM poll_errors e JOIN targets t ON t.id = "
               "e.target_id WHERE t.port IN ({}) ORDER BY e.at LIMIT 40",
               PortList(TargetKind::kLive, TargetKind::kSlow))))
        << "\n"
        << PollerLogs();
    EXPECT_THAT(DuplicateSamples(), ::testing::IsEmpty());
    EXPECT_THAT(DuplicateErrors(), ::testing::IsEmpty());
    EXPECT_THAT(SampleAndErrorInOneSlot(), ::testing::IsEmpty());
    EXPECT_THAT(DeadTargetSlotsWithoutError(first, last_due_s), ::testing::IsEmpty())
        << "dead targets need a poll_errors row for every slot";
    Asks asks = MatchAsks(last_due_s * 1000, fault_buckets, fault_ms);
    EXPECT_THAT(asks.wasted_outside_fault, ::testing::IsEmpty())
        << "devices asked without a stored result outside the fault (fault at " << fault_ms
        << " in buckets " << ::testing::PrintToString(fault_buckets) << ")\n"
        << PollerLogs();
    // Uncommitted work of the faulted poller: the devices in flight and the
    // results not yet in a committed chunk of each of its buckets.
    EXPECT_LE(
        asks.wasted_in_fault,
        static_cast<size_t>(kWindow + kChunkTargets * static_cast<int64_t>(fault_buckets.size())));
    EXPECT_THAT(asks.results_without_walk, ::testing::IsEmpty());
    EXPECT_GT(asks.walks, g_fleet->targets.size());  // at least one interval's worth
    std::printf(
        "[ window ] %zu walks; %zu devices asked again after the fault (allowed); %ld live "
        "device slots ended in an error\n",
        asks.walks, asks.wasted_in_fault,
        static_cast<long>(ErrorsOfLiveDevices(first, last_due_s)));
  }

  TempDir dir_;
  std::unique_ptr<PgCluster> cluster_;
  std::string uri_;
  std::string config_;
  std::map<std::string, std::unique_ptr<Process>> pollers_;
  int64_t steady_ms_ = 0;
};

TEST_F(ScaleoutFaultTest, KilledPollersBucketsAreTakenOverAndEverySlotIsStoredOnce) {
  StartPollers();
  std::map<int64_t, int64_t> first = WaitSteady();
  ASSERT_EQ(static_cast<int64_t>(first.size()),
            Int("SELECT count(DISTINCT bucket) FROM targets WHERE enabled = 1"))
      << PollerLogs();
  ASSERT_GT(Int("SELECT count(*) FROM samples s JOIN poll_runs r ON r.id = s.run_id "
                "WHERE r.poller = 'p2'"),
            0);
  ASSERT_TRUE(WaitMidBucket("p2")) << PollerLogs();
  ASSERT_EQ(::kill(pollers_["p2"]->pid(), SIGKILL), 0);
  const int64_t kill_ms = UnixNowS() * 1000;
  const auto killed_at = std::chrono::steady_clock::now();
  pollers_["p2"]->Stop(SIGKILL);
  std::set<int64_t> held = LeasedBy("p2");
  ASSERT_FALSE(held.empty()) << "p2 held no lease when killed";

  // Another poller takes them within TTL + one claim cycle (the 1 s pause
  // between passes, the claim's whole-second clock).
  const bool taken = WaitFor([&] { return LeasedBy("p2").empty(); }, seconds(15));
  const double takeover_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - killed_at).count();
  ASSERT_TRUE(taken) << PollerLogs();
  EXPECT_LE(takeover_s, static_cast<double>(kLeaseTtlS + 3)) << PollerLogs();
  std::printf("[ takeover ] %zu buckets of p2 taken over after %.1f s\n", held.size(), takeover_s);

  ExpectEverySlotOnce(first, kill_ms / 1000 + 2 * kIntervalS, held, kill_ms);
  // The others' runs carry on: none lost a lease.
  EXPECT_EQ(Int("SELECT coalesce(sum(leases_lost), 0) FROM poll_runs WHERE poller <> 'p2'"), 0)
      << PollerLogs();
}

TEST_F(ScaleoutFaultTest, PollerStoppedPastItsTtlHasItsChunksRefusedAfterContinue) {
  StartPollers();
  std::map<int64_t, int64_t> first = WaitSteady();
  ASSERT_EQ(static_cast<int64_t>(first.size()),
            Int("SELECT count(DISTINCT bucket) FROM targets WHERE enabled = 1"))
      << PollerLogs();
  ASSERT_TRUE(WaitMidBucket("p3")) << PollerLogs();
  Process& p3 = *pollers_["p3"];
  ASSERT_EQ(::kill(p3.pid(), SIGSTOP), 0);
  const int64_t stop_ms = UnixNowS() * 1000;
  std::set<int64_t> held = LeasedBy("p3");
  ASSERT_FALSE(held.empty());
  const int64_t run = Int("SELECT last_run_id FROM pollers WHERE name = 'p3'");
  ASSERT_GT(run, 0);
  std::string held_list;
  for (int64_t b : held) held_list += (held_list.empty() ? "" : ",") + std::to_string(b);
  // Rows of p3's run for the buckets it held, in the slot it held them for.
  const std::string rows_of_held = fmt::format(
      "SELECT count(*) FROM samples s JOIN devices d ON d.id = s.device_id JOIN targets t ON "
      "t.id = d.target_id WHERE s.run_id = {} AND t.bucket IN ({}) AND s.slot_start >= {}",
      run, held_list, stop_ms / 1000 - 2 * kIntervalS);

  // Past the TTL the others take the buckets over.
  ASSERT_TRUE(WaitFor([&] { return LeasedBy("p3").empty(); }, seconds(15)))
      << "p3 still holds " << ::testing::PrintToString(LeasedBy("p3")) << " of "
      << ::testing::PrintToString(held) << "; sessions:\n"
      << ::testing::PrintToString(
             Rows("SELECT pid || ' ' || state || ' xact ' || coalesce(extract(epoch FROM "
                  "clock_timestamp() - xact_start)::text, '-') || ' ' || left(query, 120) FROM "
                  "pg_stat_activity WHERE datname = 'periscope' AND pid <> pg_backend_pid()"))
      << "\nlocks:\n"
      << ::testing::PrintToString(
             Rows("SELECT l.pid || ' ' || l.mode || ' ' || coalesce(c.relname, '-') || ' ' || "
                  "l.granted FROM pg_locks l LEFT JOIN pg_class c ON c.oid = l.relation WHERE "
                  "c.relname = 'poll_buckets' OR NOT l.granted"))
      << "\nbuckets:\n"
      << ::testing::PrintToString(
             Rows("SELECT bucket || ' ' || coalesce(lease_owner, '-') || ' until ' || "
                  "coalesce(lease_until, -1) || ' next_due ' || next_due FROM poll_buckets "
                  "WHERE lease_owner IS NOT NULL"))
      << "\n"
      << PollerLogs();
  std::this_thread::sleep_for(seconds(1));
  const int64_t before = Int(rows_of_held);
  ASSERT_EQ(::kill(p3.pid(), SIGCONT), 0);

  // Its run's next chunk of those buckets is refused as a lost lease.
  EXPECT_TRUE(WaitFor(
      [&] {
        return Int(fmt::format("SELECT coalesce(leases_lost, 0) FROM poll_runs WHERE id = {}",
                               run)) > 0;
      },
      seconds(20)))
      << PollerLogs();
  EXPECT_THAT(p3.Log(), HasSubstr("lease lost")) << PollerLogs();
  EXPECT_EQ(Int(rows_of_held), before) << "p3 wrote after its leases were taken over";

  ExpectEverySlotOnce(first, stop_ms / 1000 + 2 * kIntervalS, held, stop_ms);
  EXPECT_TRUE(p3.Running()) << PollerLogs();
}

TEST_F(ScaleoutFaultTest, PostgresRestartMidRunIsRidenOutByReconnecting) {
  StartPollers();
  std::map<int64_t, int64_t> first = WaitSteady();
  ASSERT_EQ(static_cast<int64_t>(first.size()),
            Int("SELECT count(DISTINCT bucket) FROM targets WHERE enabled = 1"))
      << PollerLogs();
  // Restart while chunks are being written.
  ASSERT_TRUE(WaitFor(
      [&] {
        return Int("SELECT count(*) FROM poll_buckets WHERE lease_owner IS "
                   "NOT NULL") > 0;
      },
      seconds(10)));
  std::set<int64_t> held;
  for (const std::string& row :
       Rows("SELECT bucket FROM poll_buckets WHERE lease_owner IS NOT NULL")) {
    held.insert(std::atoll(row.c_str()));
  }
  const int64_t restart_ms = UnixNowS() * 1000;
  std::string error;
  ASSERT_TRUE(cluster_->RestartFast(&error)) << error;
  const int64_t restarted_s = UnixNowS();

  // Runs that spanned the restart count their reconnects.
  EXPECT_TRUE(WaitFor([&] { return Int("SELECT coalesce(sum(reconnects), 0) FROM poll_runs") > 0; },
                      seconds(20)))
      << PollerLogs();
  ExpectEverySlotOnce(first, std::max(restart_ms / 1000, restarted_s) + 2 * kIntervalS, held,
                      restart_ms);
  for (const auto& [node, p] : pollers_) EXPECT_TRUE(p->Running()) << node << "\n" << PollerLogs();
  EXPECT_THAT(PollerLogs(), HasSubstr("reconnected"));
}

TEST(ScaleoutStartTest, UnreachableDatabaseAtStartExitsNamingIt) {
  // The URI names a socket dir no server uses. (A password in it is refused
  // before any connection: DbFlagTest.)
  TempDir config_dir, cwd, socket_dir, logs;
  const std::string uri =
      fmt::format("postgresql://periscope@/periscope?host={}&port=5999", socket_dir.path());
  const std::string config = config_dir.File("poller.xml");
  WriteTextFile(config, fmt::format(R"(<periscope-poller>
  <database path="{}"/>
  <polling interval-s="10" buckets="64" lease-ttl-s="3" chunk-targets="10"/>
  <profile name="v2" version="2c" community="public"/>
</periscope-poller>
)",
                                    XmlAttr(uri)));
  ::chmod(config.c_str(), 0600);
  CommandResult r = RunCommand({"/bin/sh", "-c",
                                fmt::format("cd '{}' && exec '{}' -c '{}' --node p1 --json",
                                            cwd.path(), PollerBinary(), config)});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_THAT(r.output, HasSubstr("postgresql://"));
  EXPECT_THAT(r.output, HasSubstr(socket_dir.path()));
  EXPECT_THAT(r.output, HasSubstr("cannot connect"));
  // Nothing written: no lock file, nothing beside the config, in the working
  // directory, or in the socket dir.
  auto entries = [](const std::string& dir) {
    CommandResult ls = RunCommand({"/bin/ls", "-A", dir});
    return ls.output;
  };
  EXPECT_EQ(entries(config_dir.path()), "poller.xml\n");
  EXPECT_EQ(entries(cwd.path()), "");
  EXPECT_EQ(entries(socket_dir.path()), "");

  // --service fails the same way at start (systemd's Restart= tries again);
  // it writes nothing either. A server lost later is reconnected to.
  CommandResult service =
      RunCommand({"/bin/sh", "-c",
                  fmt::format("cd '{}' && exec '{}' -c '{}' --node p1 --service", cwd.path(),
                              PollerBinary(), config)});
  EXPECT_EQ(service.exit_code, 1) << service.output;
  EXPECT_THAT(service.output, HasSubstr("cannot connect"));
  EXPECT_EQ(entries(config_dir.path()), "poller.xml\n");
  EXPECT_EQ(entries(cwd.path()), "");
  EXPECT_EQ(entries(socket_dir.path()), "");
}

}  // namespace
}  // namespace periscope::testing
