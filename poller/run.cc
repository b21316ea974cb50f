#include "poller/run.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

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
#include "store/poll_writer.h"
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

}  // namespace

Result<RunSummary> PollOnce(const PollerConfig& config, const RunOptions& options) {
  // The database must exist (only periscope-store init creates one) and is
  // checked before the lock file is made beside it; opening writes nothing.
  auto db =
      store::Db::OpenWriter(config.database, store::OpenMode::kMustExist, config.busy_timeout);
  if (!db.ok()) return db.status();
  auto lock = RunLock::Acquire(config.lock_file);
  if (!lock.ok()) return lock.status();
  PERISCOPE_RETURN_IF_ERROR(store::MigrateExisting(**db));
  auto targets = store::LoadTargets(**db, options.customer, options.target);
  if (!targets.ok()) return targets.status();

  store::PollWriter writer(db->get());
  auto started = std::chrono::steady_clock::now();
  auto run_id = writer.StartRun(UnixNow());
  if (!run_id.ok()) {
    if (run_id.status().code() != StatusCode::kUnavailable) return run_id.status();
    return Status(StatusCode::kUnavailable,
                  run_id.status().message() +
                      " (<database busy-timeout-ms> in the poller config sets the wait)");
  }
  RunSummary summary;
  summary.run_id = *run_id;
  summary.targets = targets->size();

  std::vector<Job> jobs;
  std::map<int64_t, const store::Target*> by_id;
  Status store_error;
  auto record_error = [&](int64_t target_id, const std::string& cls, const std::string& message) {
    ++summary.failed[cls];
    Status s = writer.RecordError(*run_id, target_id, UnixNow(), cls, message);
    if (!s.ok() && store_error.ok()) store_error = s;
  };
  for (const store::Target& t : *targets) {
    by_id[t.id] = &t;
    auto profile = config.profiles.find(t.profile);
    if (profile == config.profiles.end()) {
      record_error(t.id, "internal",
                   fmt::format("{}:{}: no credentials profile '{}' in the poller config", t.address,
                               t.port, t.profile));
      continue;
    }
    // PERISCOPE-MIB is one subtree (the Run's root); other kinds walk their
    // plan's columns.
    const WalkPlan* plan =
        t.kind == store::DeviceKind::kPeriscope ? nullptr : &PeripheralPlan(t.kind);
    jobs.push_back(Job{t.id, t.address, t.port, &profile->second, plan});
  }
  size_t done = summary.targets - jobs.size();
  DecodeOptions decode_options;
  decode_options.max_devices = config.max_devices;
  decode_options.latest_date = LocalDate(std::chrono::system_clock::now() + std::chrono::hours(24));
  // A walk of a printer, host or network target: its kind's decoder, then
  // the store's peripheral tables.
  auto record_peripheral_target = [&](const store::Target& t,
                                      const std::vector<snmp::VarBind>& varbinds) {
    PeripheralDecodeOptions peripheral_options;
    peripheral_options.target_address = t.address;
    peripheral_options.target_port = t.port;
    peripheral_options.max_devices = config.max_devices;
    auto decoded = DecodePeripherals(t.kind, varbinds, peripheral_options);
    if (!decoded.ok()) {
      const char* error_class =
          decoded.status().code() == StatusCode::kNotFound ? "no-such-object" : "limit";
      record_error(t.id, error_class,
                   fmt::format("{}:{}: {}", t.address, t.port, decoded.status().message()));
      return;
    }
    summary.warnings += decoded->warnings.size();
    for (const store::PollWarning& w : decoded->warnings) {
      LogWarning(fmt::format("{}:{}: {}", t.address, t.port, w.message));
    }
    Status s =
        writer.RecordPeripherals(*run_id, t.id, UnixNow(), decoded->devices, decoded->warnings);
    if (s.ok()) {
      ++summary.ok;
      summary.devices += decoded->devices.size();
    } else if (store_error.ok()) {
      store_error = s;
    }
  };
  Engine engine(config.engine);
  EngineStats stats = engine.Run(
      jobs, mib::kPeriscopeMibRoot,
      [&](JobResult&& r) {
        ++done;
        if (r.ok && by_id[r.target_id]->kind != store::DeviceKind::kPeriscope) {
          record_peripheral_target(*by_id[r.target_id], r.varbinds);
        } else if (r.ok) {
          const store::Target* t = by_id[r.target_id];
          auto decoded = DecodeDevices(r.varbinds, decode_options);
          if (!decoded.ok()) {
            record_error(r.target_id, "limit",
                         fmt::format("{}:{}: {}", t->address, t->port, decoded.status().message()));
          } else {
            summary.warnings += decoded->warnings.size();
            for (const store::PollWarning& w : decoded->warnings) {
              LogWarning(fmt::format("{}:{}: {}", t->address, t->port, w.message));
            }
            Status s = writer.RecordTarget(*run_id, r.target_id, UnixNow(), decoded->devices,
                                           decoded->warnings);
            if (s.ok()) {
              ++summary.ok;
              summary.devices += decoded->devices.size();
            } else if (store_error.ok()) {
              store_error = s;
            }
          }
        } else {
          record_error(r.target_id, ErrorClassName(r.error_class), r.error);
        }
        if (options.progress) options.progress(done, summary.targets);
      },
      [&] { return !store_error.ok() || (options.stop && options.stop()); });
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
      Status s =
          writer.RecordWarnings(*run_id, target_id, UnixNow(), {{0, "snmpEngineID", message}});
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
    auto retired =
        writer.RetireDevicesUnseenSince(now - int64_t{86400} * config.retire_after_days, now);
    if (retired.ok()) {
      summary.retired = static_cast<size_t>(*retired);
    } else {
      store_error = retired.status();
    }
  }
  Status finish =
      writer.FinishRun(*run_id, UnixNow(), summary.completed, static_cast<int64_t>(summary.targets),
                       static_cast<int64_t>(summary.ok), static_cast<int64_t>(failed),
                       static_cast<int64_t>(summary.warnings));
  if (!store_error.ok()) return store_error;
  if (!finish.ok()) return finish;
  return summary;
}

}  // namespace periscope::poller
