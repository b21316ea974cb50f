// The poller's SNMP engine: many devices walked concurrently on one thread.
//
// Every Net-SNMP call of the poller happens inside Engine::Run on the calling
// thread (Net-SNMP 5.9.3 is not thread-safe for SNMPv3). Devices are walked
// through the single-session API with at most `window` devices in flight and
// one outstanding request per device. SNMPv3 engine-ID discovery, synchronous
// inside Net-SNMP's first send, is done here asynchronously instead (a probe
// PDU like any other request), so a dead SNMPv3 device costs its own timeout
// and nothing else.
//
// Net-SNMP keeps one process-wide USM user list and engine-time cache keyed by
// engine ID, so two targets reporting the same engine ID (cloned images) would
// overwrite each other's keys and boots/time. The engine therefore lets one
// device at a time own an engine ID: a second device with the same engine ID
// waits until the first is done, then starts over with a fresh session and a
// fresh discovery, and the owner's user and time entries are removed when it
// finishes. Such groups are reported in EngineStats.
//
// Error classes: timeout means no datagram at all came back; answers that the
// library rejected are auth (SNMPv3 checks) or protocol (unparsable); answers
// that arrive only after the last retry was given up are late.
#ifndef PERISCOPE_POLLER_ENGINE_H_
#define PERISCOPE_POLLER_ENGINE_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "core/snmp/sync_client.h"
#include "poller/resolver.h"
#include "poller/walk.h"

namespace periscope::poller {

// A named credentials profile from the poller's config. Secrets stay here and
// never appear in messages.
struct Profile {
  std::string name;
  int version = 2;  // 2 (SNMPv2c) or 3 (SNMPv3 authPriv)
  std::string community;
  std::string user;
  std::string auth_protocol = "SHA-256";  // SHA, SHA-256, SHA-512
  std::string auth_pass;
  std::string priv_protocol = "AES";  // AES, AES-256
  std::string priv_pass;
};

struct EngineOptions {
  // Resolves DNS names on worker threads (IP literals need none).
  LookupFn lookup = LookupHost;
  size_t resolver_threads = 8;
  size_t window = 256;                      // devices in flight
  std::chrono::milliseconds timeout{1000};  // per request
  int retries = 1;
  int bulk_repetitions = 25;  // GETBULK max-repetitions
  std::chrono::seconds device_deadline{60};
  std::chrono::seconds run_budget{3600};
  WalkLimits limits;
};

struct Job {
  int64_t target_id = 0;
  std::string host;  // IPv4 or IPv6 literal, or a DNS name
  int port = 161;
  const Profile* profile = nullptr;
  // What to walk: nullptr walks the Run's root as one subtree (Walk); a plan
  // walks its columns (PlanWalk). REQUIRES: the plan outlives the Run.
  const WalkPlan* plan = nullptr;
};

struct JobResult {
  int64_t target_id = 0;
  bool ok = false;
  ErrorClass error_class = ErrorClass::kInternal;
  std::string error;  // lower case, names the peer
  // An OBJECT IDENTIFIER value (hrStorageType) carries the value, dotted
  // ("1.3.6.1.2.1.25.2.1.4"), in octets.
  std::vector<snmp::VarBind> varbinds;
  std::chrono::milliseconds elapsed{0};
};

// Targets that reported one SNMPv3 engine ID (cloned images, copied snmpd
// state). They were polled one after another, each with its own keys.
struct DuplicateEngineId {
  std::string engine_id_hex;  // "0x8000..."
  std::vector<int64_t> target_ids;
  std::vector<std::string> names;  // "host:port", same order
};

struct EngineStats {
  size_t started = 0;
  size_t finished = 0;
  size_t requests = 0;
  bool budget_exhausted = false;
  bool stopped = false;
  std::vector<DuplicateEngineId> duplicate_engine_ids;
};

class Engine {
 public:
  explicit Engine(EngineOptions options);

  // Walks `root` (or the job's plan) on every job. `on_result` runs on this thread as each device
  // finishes, in completion order. `stop` is polled between events; when it
  // returns true (or the run budget is spent) devices not finished get no
  // result. REQUIRES: every job's profile outlives the call.
  EngineStats Run(const std::vector<Job>& jobs, const snmp::Oid& root,
                  const std::function<void(JobResult&&)>& on_result,
                  const std::function<bool()>& stop);

  // Jobs arrive from `feed` while the run goes on: it is called on this thread
  // whenever fewer than `low_water` devices are in flight or ready (and at the
  // start), and returns the next jobs (possibly none); it is asked repeatedly
  // until that many are, or until it answers none. An empty answer while
  // devices are still in flight (or waiting for a name) is "nothing now": feed
  // is asked again only after at least one more device finishes. An empty
  // answer with nothing in flight or waiting ends the run. Jobs returned are
  // copied and owned by the run (profiles and plans still must outlive it).
  // Once `stop` returns true or the run budget is spent, feed is not called
  // again. `on_result` and `stop` as in the other overload.
  EngineStats Run(const std::function<std::vector<Job>()>& feed, size_t low_water,
                  const snmp::Oid& root, const std::function<void(JobResult&&)>& on_result,
                  const std::function<bool()>& stop);

 private:
  EngineOptions options_;
};

}  // namespace periscope::poller

#endif  // PERISCOPE_POLLER_ENGINE_H_
