#include "poller/run.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <optional>
#include <thread>

#include <fmt/format.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/unique_fd.h"
#include "mib/periscope_oids.h"
#include "poller/decode.h"
#include "poller/engine.h"
#include "poller/peripheral_decode.h"
#include "poller/peripheral_plan.h"
#include "store/db.h"
#include "store/leases.h"
#include "store/poll_writer.h"
#include "store/retention.h"
#include "store/schema.h"

namespace periscope::poller {
namespace {

// An exclusive flock held for the life of the object; the kernel releases it
// when the process dies, even by kill -9.
class RunLock {
 public:
  static Result<std::unique_ptr<RunLock>> Acquire(const std::string& path) {
    UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
    if (!fd.valid()) return UnavailableError(fmt::format("{}: {}", path, std::strerror(errno)));
    if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
      int err = errno;
      if (err == EWOULDBLOCK) {
        return FailedPreconditionError(
            fmt::format("another periscope-poller run holds {}; not starting", path));
      }
      return UnavailableError(fmt::format("{}: flock: {}", path, std::strerror(err)));
    }
    return std::unique_ptr<RunLock>(new RunLock(std::move(fd)));
  }

 private:
  explicit RunLock(UniqueFd fd) : fd_(std::move(fd)) {}
  UniqueFd fd_;
};

int64_t UnixNow() { return UnixSeconds(SystemClock::Instance()); }

std::string DefaultNodeName() {
  char host[256] = {};
  if (::gethostname(host, sizeof(host) - 1) != 0) std::snprintf(host, sizeof(host), "localhost");
  return fmt::format("{}:{}", host, ::getpid());
}

std::string HostName() {
  char host[256] = {};
  if (::gethostname(host, sizeof(host) - 1) != 0) return "localhost";
  return host;
}

// The store connection of a run. PostgreSQL may go away (restart, failover,
// network): an operation that failed because the session was lost is retried
// once on a new session, opened with back-off (0.2 s doubling to 5 s) for up
// to `give_up`. A first connection that fails is an error at once.
class Connection {
 public:
  Connection(const PollerConfig& config, std::function<bool()> stop)
      : config_(config), stop_(std::move(stop)) {}

  Status Open() {
    auto db =
        store::Db::OpenWriter(config_.database, store::OpenMode::kMustExist, config_.busy_timeout);
    if (!db.ok()) return db.status();
    db_ = std::move(*db);
    return LimitIdleTransactions();
  }

  store::Db& db() { return *db_; }
  size_t reconnects() const { return reconnects_; }

  template <typename Fn>
  auto Retry(Fn&& fn) -> decltype(fn()) {
    auto result = fn();
    if (result.ok() || !db_->ConnectionLost()) return result;
    LogWarning(fmt::format("{}: connection lost ({}); reconnecting", db_->path(),
                           StatusOf(result).message()));
    Status back = Reconnect();
    if (!back.ok()) return back;
    return fn();
  }

 private:
  template <typename T>
  static Status StatusOf(const Result<T>& r) {
    return r.status();
  }
  static Status StatusOf(const Status& s) { return s; }

  Status Reconnect() {
    const auto give_up = std::chrono::steady_clock::now() +
                         std::chrono::seconds(std::max<int64_t>(30, 2 * config_.lease_ttl_s));
    auto delay = std::chrono::milliseconds(200);
    while (true) {
      Status s = db_->Reconnect();
      if (s.ok()) s = LimitIdleTransactions();
      if (s.ok()) {
        ++reconnects_;
        LogInfo(fmt::format("{}: reconnected", db_->path()));
        return s;
      }
      if (std::chrono::steady_clock::now() + delay > give_up || (stop_ && stop_())) {
        return s.WithPrefix("gave up reconnecting");
      }
      std::this_thread::sleep_for(delay);
      delay = std::min(delay * 2, std::chrono::milliseconds(5000));
    }
  }

  // A poller frozen inside a transaction (SIGSTOP, a stalled VM) would keep
  // its bucket rows locked, so nobody could take them over: PostgreSQL ends
  // such a session after the lease TTL, the transaction is rolled back, and
  // the poller, once it runs again, reconnects and finds its leases lost.
  Status LimitIdleTransactions() {
    if (!db_->is_postgres()) return Status::Ok();
    return db_->Exec(fmt::format("SET idle_in_transaction_session_timeout = {}",
                                 std::max<int64_t>(1, config_.lease_ttl_s) * 1000));
  }

  const PollerConfig& config_;
  std::function<bool()> stop_;
  std::unique_ptr<store::Db> db_;
  size_t reconnects_ = 0;
};

// Turns a finished walk into what the store keeps, counting into `summary`.
store::TargetResult Decode(const store::Target& t, JobResult&& r, const PollerConfig& config,
                           const DecodeOptions& decode_options, RunSummary& summary) {
  store::TargetResult out;
  out.target_id = t.id;
  out.at = UnixNow();
  auto fail = [&](const std::string& cls, const std::string& message) {
    ++summary.failed[cls];
    out.kind = store::TargetResult::Kind::kError;
    out.error_class = cls;
    out.error_message = message;
  };
  // A decoded target: its refused values logged, the counts kept.
  auto stored = [&](const std::vector<store::PollWarning>& warnings, size_t devices) {
    for (const store::PollWarning& w : warnings) {
      LogWarning(fmt::format("{}:{}: {}", t.address, t.port, w.message));
    }
    summary.warnings += warnings.size();
    ++summary.ok;
    summary.devices += devices;
  };
  if (!r.ok) {
    fail(ErrorClassName(r.error_class), r.error);
    return out;
  }
  if (t.kind != store::DeviceKind::kPeriscope) {
    PeripheralDecodeOptions peripheral_options;
    peripheral_options.target_address = t.address;
    peripheral_options.target_port = t.port;
    peripheral_options.max_devices = config.max_devices;
    auto decoded = DecodePeripherals(t.kind, r.varbinds, peripheral_options);
    if (!decoded.ok()) {
      fail(decoded.status().code() == StatusCode::kNotFound ? "no-such-object" : "limit",
           fmt::format("{}:{}: {}", t.address, t.port, decoded.status().message()));
      return out;
    }
    stored(decoded->warnings, decoded->devices.size());
    out.kind = store::TargetResult::Kind::kPeripherals;
    out.peripherals = std::move(decoded->devices);
    out.warnings = std::move(decoded->warnings);
    return out;
  }
  auto decoded = DecodeDevices(r.varbinds, decode_options);
  if (!decoded.ok()) {
    fail("limit", fmt::format("{}:{}: {}", t.address, t.port, decoded.status().message()));
    return out;
  }
  stored(decoded->warnings, decoded->devices.size());
  out.kind = store::TargetResult::Kind::kDevices;
  out.devices = std::move(decoded->devices);
  out.warnings = std::move(decoded->warnings);
  return out;
}

// One job for a target, or an internal error when its profile is missing.
std::optional<Job> JobFor(const store::Target& t, const PollerConfig& config) {
  auto profile = config.profiles.find(t.profile);
  if (profile == config.profiles.end()) return std::nullopt;
  // PERISCOPE-MIB is one subtree (the Run's root); other kinds walk their
  // plan's columns.
  const WalkPlan* plan =
      t.kind == store::DeviceKind::kPeriscope ? nullptr : &PeripheralPlan(t.kind);
  return Job{t.id, t.address, t.port, &profile->second, plan};
}

std::string MissingProfile(const store::Target& t) {
  return fmt::format("{}:{}: no credentials profile '{}' in the poller config", t.address, t.port,
                     t.profile);
}

// A claimed bucket while its targets are polled.
struct ActiveBucket {
  store::BucketLease lease;
  size_t outstanding = 0;  // jobs handed to the engine, not yet finished
  std::vector<store::TargetResult> pending;
  bool lost = false;  // a chunk was refused: drop everything else
};

}  // namespace

namespace {

// The targets of a subset (--customer, --target), each result in its own
// transaction, outside the buckets.
Status PollSubset(Connection& conn, const PollerConfig& config, const RunOptions& options,
                  int64_t run_id, const DecodeOptions& decode_options, RunSummary& summary,
                  EngineStats& stats) {
  auto targets = store::LoadTargets(conn.db(), options.customer, options.target);
  if (!targets.ok()) return targets.status();
  summary.targets = targets->size();
  store::PollWriter writer(&conn.db());
  Status store_error;
  std::vector<Job> jobs;
  std::map<int64_t, const store::Target*> by_id;
  for (const store::Target& t : *targets) {
    by_id[t.id] = &t;
    if (auto job = JobFor(t, config)) {
      jobs.push_back(*job);
    } else {
      ++summary.failed["internal"];
      Status s = writer.RecordError(run_id, t.id, UnixNow(), "internal", MissingProfile(t));
      if (!s.ok() && store_error.ok()) store_error = s;
    }
  }
  size_t done = summary.targets - jobs.size();
  Engine engine(config.engine);
  stats = engine.Run(
      jobs, mib::kPeriscopeMibRoot,
      [&](JobResult&& r) {
        ++done;
        const store::Target& t = *by_id[r.target_id];
        store::TargetResult result = Decode(t, std::move(r), config, decode_options, summary);
        Status s;
        switch (result.kind) {
          case store::TargetResult::Kind::kDevices:
            s = writer.RecordTarget(run_id, t.id, result.at, result.devices, result.warnings);
            break;
          case store::TargetResult::Kind::kPeripherals:
            s = writer.RecordPeripherals(run_id, t.id, result.at, result.peripherals,
                                         result.warnings);
            break;
          case store::TargetResult::Kind::kError:
            s = writer.RecordError(run_id, t.id, result.at, result.error_class,
                                   result.error_message);
            break;
        }
        if (!s.ok() && store_error.ok()) store_error = s;
        if (options.progress) options.progress(done, summary.targets);
      },
      [&] { return !store_error.ok() || (options.stop && options.stop()); });
  return store_error;
}

// Every due bucket: claimed, polled and written in fenced chunks until none
// is left.
Status PollBuckets(Connection& conn, const PollerConfig& config, const RunOptions& options,
                   const std::string& node, int64_t run_id, const DecodeOptions& decode_options,
                   RunSummary& summary, EngineStats& stats) {
  store::Db& db = conn.db();
  const store::BucketSettings settings{config.bucket_count, config.interval_s};
  PERISCOPE_RETURN_IF_ERROR(conn.Retry([&] { return store::PrepareBuckets(db, settings); }));
  PERISCOPE_RETURN_IF_ERROR(store::ReleaseStaleLeasesOfDeadRuns(db));
  // Today's and the next two days' sample partitions (PostgreSQL; a no-op on
  // SQLite), so a run never writes into the default partition.
  PERISCOPE_RETURN_IF_ERROR(
      conn.Retry([&] { return store::EnsureSamplePartitions(db, UnixNow(), 2); }));
  auto run_start = conn.Retry([&] { return store::NextRunSlot(db); });
  if (!run_start.ok()) return run_start.status();
  if (config.interval_s == 0 && db.is_postgres()) {
    LogInfo(
        "no <polling interval-s>: this run polls every target once in its own slot; pollers "
        "sharing a store need an interval");
  }
  auto counts = conn.Retry([&] { return store::CountBucketsAndTargets(db); });
  if (!counts.ok()) return counts.status();
  // Enough buckets per claim to fill the window once, but no more: a bucket
  // waiting behind others could outlive its lease.
  const int64_t per_bucket =
      std::max<int64_t>(1, (counts->second + std::max<int64_t>(1, counts->first) - 1) /
                               std::max<int64_t>(1, counts->first));
  const int claim_size = static_cast<int>(
      std::clamp<int64_t>(static_cast<int64_t>(config.engine.window) / per_bucket, 1, 256));

  std::map<int64_t, ActiveBucket> active;
  std::map<int64_t, std::pair<int64_t, store::Target>> by_target;  // id -> bucket, target
  Status store_error;
  size_t done = 0;
  // Leases of buckets still being polled are renewed every third of the TTL,
  // between engine events, so a bucket held up by slow or dead devices is not
  // taken over while this poller is alive; a stopped (SIGSTOP) or dead poller
  // renews nothing.
  const auto renew_every = std::chrono::milliseconds(config.lease_ttl_s * 1000 / 3);
  auto last_renewal = std::chrono::steady_clock::now();
  auto renew = [&] {
    if (!store_error.ok() || active.empty()) return;
    if (std::chrono::steady_clock::now() - last_renewal < renew_every) return;
    last_renewal = std::chrono::steady_clock::now();
    std::vector<store::BucketLease> held;
    for (const auto& [bucket, b] : active) {
      if (!b.lost) held.push_back(b.lease);
    }
    auto lost = conn.Retry([&] { return store::RenewLeases(db, node, held, config.lease_ttl_s); });
    if (!lost.ok()) {
      store_error = lost.status();
      return;
    }
    for (int64_t bucket : *lost) {
      LogWarning(
          fmt::format("bucket {}: lease lost before its results were written; another "
                      "poller takes it over",
                      bucket));
      ++summary.leases_lost;
      active[bucket].lost = true;
      active[bucket].pending.clear();
    }
  };
  auto stopped = [&] {
    renew();
    return !store_error.ok() || (options.stop && options.stop());
  };

  // Results wait until chunk-targets of them have arrived, from whichever
  // buckets, and go in one transaction (each bucket fenced on its own); a
  // bucket whose devices have all answered is completed in the same write.
  // Until then it stays in `active`, so its lease is renewed.
  size_t pending_total = 0;
  auto flush = [&]() {
    if (!store_error.ok()) return;
    std::vector<store::BucketChunk> parts;
    for (auto& [bucket, b] : active) {
      const bool complete = b.outstanding == 0;
      if (b.lost || (b.pending.empty() && !complete)) continue;
      parts.push_back({&b.lease, &b.pending, complete});
    }
    if (parts.empty()) return;
    auto lost = conn.Retry(
        [&] { return store::WriteLeasedChunks(db, run_id, node, parts, config.lease_ttl_s); });
    if (!lost.ok()) {
      store_error = lost.status();
      return;
    }
    for (int64_t bucket : *lost) {
      ActiveBucket& b = active[bucket];
      LogWarning(fmt::format(
          "lease lost: bucket {} epoch {}: the lease expired or another poller holds it; {} "
          "results of slot {} not written",
          bucket, b.lease.epoch, b.pending.size(), b.lease.slot_start));
      ++summary.leases_lost;
      b.lost = true;
    }
    pending_total = 0;
    for (auto it = active.begin(); it != active.end();) {
      ActiveBucket& b = it->second;
      b.pending.clear();
      if (b.outstanding == 0) {
        if (!b.lost) ++summary.buckets;
        it = active.erase(it);
      } else {
        ++it;
      }
    }
  };

  // At the end of a pass the engine asks after every finished device; a
  // claim that found nothing is not repeated within a second.
  auto last_empty_claim = std::chrono::steady_clock::time_point{};
  auto feed = [&]() -> std::vector<Job> {
    std::vector<Job> jobs;
    if (!by_target.empty() &&
        std::chrono::steady_clock::now() - last_empty_claim < std::chrono::seconds(1)) {
      return jobs;
    }
    while (jobs.empty() && !stopped()) {
      Result<int64_t> due_by = *run_start;
      if (config.interval_s > 0) due_by = conn.Retry([&] { return store::DatabaseNow(db); });
      if (!due_by.ok()) {
        store_error = due_by.status();
        break;
      }
      auto leases = conn.Retry([&] {
        return store::ClaimDueBuckets(db, node, settings, *due_by, config.lease_ttl_s, claim_size);
      });
      if (!leases.ok()) {
        store_error = leases.status();
        break;
      }
      if (leases->empty()) break;
      for (const store::BucketLease& lease : *leases) {
        auto targets = conn.Retry(
            [&] { return store::LoadBucketTargets(db, lease.bucket, lease.slot_start); });
        if (!targets.ok()) {
          store_error = targets.status();
          break;
        }
        ActiveBucket& b = active[lease.bucket];
        b = ActiveBucket{lease, 0, {}, false};
        for (store::Target& t : *targets) {
          ++summary.targets;
          if (auto job = JobFor(t, config)) {
            jobs.push_back(*job);
            ++b.outstanding;
            by_target[t.id] = {lease.bucket, std::move(t)};
          } else {
            ++summary.failed["internal"];
            store::TargetResult missing;
            missing.target_id = t.id;
            missing.at = UnixNow();
            missing.kind = store::TargetResult::Kind::kError;
            missing.error_class = "internal";
            missing.error_message = MissingProfile(t);
            b.pending.push_back(std::move(missing));
          }
        }
        pending_total += b.pending.size();
      }
      if (pending_total >= config.chunk_targets) flush();
    }
    if (jobs.empty()) {
      last_empty_claim = std::chrono::steady_clock::now();
      // Nothing due and nothing in flight: the run ends; write what is left.
      if (by_target.empty()) flush();
    }
    return jobs;
  };

  auto on_result = [&](JobResult&& r) {
    ++done;
    auto it = by_target.find(r.target_id);
    if (it == by_target.end()) return;
    const int64_t bucket = it->second.first;
    ActiveBucket& b = active[bucket];
    --b.outstanding;
    if (!b.lost) {
      b.pending.push_back(Decode(it->second.second, std::move(r), config, decode_options, summary));
      ++pending_total;
    }
    by_target.erase(it);
    if (pending_total >= config.chunk_targets) flush();
    if (options.progress) options.progress(done, summary.targets);
  };

  Engine engine(config.engine);
  // The window stays full: new buckets are claimed as devices finish.
  stats = engine.Run(feed, config.engine.window, mib::kPeriscopeMibRoot, on_result, stopped);
  // Stopped or out of budget: what arrived is kept; the rest of each bucket is
  // polled by whoever claims it after its lease expires (committed targets
  // are skipped in the same slot).
  flush();
  return store_error;
}

}  // namespace

Result<RunSummary> PollOnce(const PollerConfig& config, const RunOptions& options) {
  // The database must exist (only periscope-store init creates one) and is
  // checked before the lock file is made beside it; opening writes nothing.
  Connection conn(config, options.stop);
  PERISCOPE_RETURN_IF_ERROR(conn.Open());
  store::Db& db = conn.db();
  std::unique_ptr<RunLock> lock;
  if (!db.is_postgres()) {
    auto acquired = RunLock::Acquire(config.lock_file);
    if (!acquired.ok()) return acquired.status();
    lock = std::move(*acquired);
  }
  PERISCOPE_RETURN_IF_ERROR(store::MigrateExisting(db));
  const std::string node = options.node.empty() ? DefaultNodeName() : options.node;

  store::PollWriter writer(&db);
  auto started = std::chrono::steady_clock::now();
  auto run_id = conn.Retry([&] { return writer.StartRun(UnixNow()); });
  if (!run_id.ok()) {
    if (run_id.status().code() != StatusCode::kUnavailable) return run_id.status();
    return Status(StatusCode::kUnavailable,
                  run_id.status().message() +
                      " (<database busy-timeout-ms> in the poller config sets the wait)");
  }
  PERISCOPE_RETURN_IF_ERROR(
      conn.Retry([&] { return store::RegisterPoller(db, node, HostName(), ::getpid(), *run_id); }));
  RunSummary summary;
  summary.run_id = *run_id;

  DecodeOptions decode_options;
  decode_options.max_devices = config.max_devices;
  decode_options.latest_date = LocalDate(std::chrono::system_clock::now() + std::chrono::hours(24));
  EngineStats stats;
  const bool subset = !options.customer.empty() || !options.target.empty();
  Status store_error =
      subset ? PollSubset(conn, config, options, *run_id, decode_options, summary, stats)
             : PollBuckets(conn, config, options, node, *run_id, decode_options, summary, stats);
  for (const DuplicateEngineId& dup : stats.duplicate_engine_ids) {
    std::string names;
    for (const std::string& n : dup.names) names += (names.empty() ? "" : ", ") + n;
    std::string message = fmt::format(
        "SNMPv3 engine ID {} is reported by {} targets ({}): cloned images or copied snmpd "
        "state; they were polled one after another, each with its own keys. Give each host its "
        "own engine ID",
        dup.engine_id_hex, dup.names.size(), names);
    LogWarning(message);
    for (int64_t target_id : dup.target_ids) {
      ++summary.warnings;
      Status s = conn.Retry([&] {
        return writer.RecordWarnings(*run_id, target_id, UnixNow(), {{0, "snmpEngineID", message}});
      });
      if (!s.ok() && store_error.ok()) store_error = s;
    }
  }
  summary.completed = !stats.budget_exhausted && !stats.stopped && store_error.ok();
  summary.duration_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  size_t failed = 0;
  for (const auto& [cls, n] : summary.failed) failed += n;
  if (!summary.completed && store_error.ok()) {
    size_t unfinished = summary.targets - summary.ok - failed;
    if (unfinished > 0) summary.failed[stats.stopped ? "stopped" : "budget"] += unfinished;
    failed += unfinished;
  }
  if (store_error.ok()) {
    int64_t now = UnixNow();
    auto retired = conn.Retry([&] {
      return writer.RetireDevicesUnseenSince(now - int64_t{86400} * config.retire_after_days, now);
    });
    if (retired.ok()) {
      summary.retired = static_cast<size_t>(*retired);
    } else {
      store_error = retired.status();
    }
  }
  summary.reconnects = conn.reconnects();
  Status finish = conn.Retry([&] {
    return writer.FinishRun(*run_id, UnixNow(), summary.completed,
                            static_cast<int64_t>(summary.targets), static_cast<int64_t>(summary.ok),
                            static_cast<int64_t>(failed), static_cast<int64_t>(summary.warnings));
  });
  summary.reconnects = conn.reconnects();
  Status counters = conn.Retry([&] {
    return store::RecordRunCounters(db, *run_id, node, static_cast<int64_t>(summary.reconnects),
                                    static_cast<int64_t>(summary.leases_lost));
  });
  if (options.mark_stopped) (void)conn.Retry([&] { return store::MarkPollerStopped(db, node); });
  if (!store_error.ok()) return store_error;
  if (!finish.ok()) return finish;
  if (!counters.ok()) return counters;
  return summary;
}

Result<RunSummary> PollService(const PollerConfig& config, const RunOptions& options,
                               const std::function<void(const RunSummary&)>& on_pass) {
  if (config.interval_s <= 0) {
    return InvalidArgumentError(
        "--service needs <polling interval-s> in the poller config (how often each target is due)");
  }
  RunOptions pass_options = options;
  if (pass_options.node.empty()) pass_options.node = DefaultNodeName();
  pass_options.mark_stopped = false;
  auto stop = [&] { return options.stop && options.stop(); };
  // Between passes: one connection that only asks when the next bucket is
  // due, so an idle poller starts no empty runs.
  Connection watch(config, options.stop);
  PERISCOPE_RETURN_IF_ERROR(watch.Open());
  PERISCOPE_RETURN_IF_ERROR(store::MigrateExisting(watch.db()));
  Result<RunSummary> last = RunSummary{};
  bool first = true;
  while (!stop()) {
    auto wait_s =
        watch.Retry([&] { return store::SecondsUntilDue(watch.db(), config.interval_s); });
    if (!wait_s.ok()) {
      if (wait_s.status().code() != StatusCode::kUnavailable) return wait_s.status();
      LogWarning(wait_s.status().message() + "; trying again");
      wait_s = int64_t{1};
    }
    if (*wait_s > 0 && !first) {
      const auto until = std::chrono::steady_clock::now() +
                         std::chrono::seconds(std::min(*wait_s, config.interval_s));
      while (!stop() && std::chrono::steady_clock::now() < until) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
      continue;
    }
    first = false;
    last = PollOnce(config, pass_options);
    if (last.ok()) {
      if (on_pass) on_pass(*last);
    } else if (last.status().code() == StatusCode::kUnavailable) {
      LogWarning(last.status().message() + "; trying again");
      std::this_thread::sleep_for(std::chrono::seconds(1));
    } else {
      return last;
    }
  }
  (void)store::MarkPollerStopped(watch.db(), pass_options.node);
  return last;
}

}  // namespace periscope::poller
