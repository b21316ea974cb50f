#include "poller/engine.h"

#include <sys/resource.h>
#include <sys/select.h>

#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <deque>
#include <iterator>
#include <memory>

#include <fmt/format.h>

// clang-format off
#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <net-snmp/library/large_fd_set.h>
// clang-format on

#include "core/snmp/netsnmp_env.h"
#include "core/strings.h"

namespace periscope::poller {
namespace {

using Clock = std::chrono::steady_clock;

// Localised keys are derived per engine ID by the library; the expensive
// pass-phrase to Ku step (a megabyte of hashing) is done once per profile.
struct ProfileKeys {
  const oid* auth_proto = nullptr;
  size_t auth_proto_len = 0;
  const oid* priv_proto = nullptr;
  size_t priv_proto_len = 0;
  u_char auth_ku[USM_AUTH_KU_LEN] = {};
  size_t auth_ku_len = 0;
  u_char priv_ku[USM_PRIV_KU_LEN] = {};
  size_t priv_ku_len = 0;
  bool ok = false;
  std::string error;
};

ProfileKeys DeriveKeys(const Profile& p) {
  ProfileKeys k;
  if (p.auth_protocol == "SHA") {
    k.auth_proto = usmHMACSHA1AuthProtocol;
    k.auth_proto_len = OID_LENGTH(usmHMACSHA1AuthProtocol);
  } else if (p.auth_protocol == "SHA-256") {
    k.auth_proto = usmHMAC192SHA256AuthProtocol;
    k.auth_proto_len = OID_LENGTH(usmHMAC192SHA256AuthProtocol);
  } else if (p.auth_protocol == "SHA-512") {
    k.auth_proto = usmHMAC384SHA512AuthProtocol;
    k.auth_proto_len = OID_LENGTH(usmHMAC384SHA512AuthProtocol);
  } else {
    k.error = fmt::format("profile {}: unsupported auth protocol", p.name);
    return k;
  }
  if (p.priv_protocol == "AES") {
    k.priv_proto = usmAESPrivProtocol;
    k.priv_proto_len = OID_LENGTH(usmAESPrivProtocol);
#ifdef NETSNMP_DRAFT_BLUMENTHAL_AES_04
  } else if (p.priv_protocol == "AES-256") {
    k.priv_proto = usmAES256PrivProtocol;
    k.priv_proto_len = OID_LENGTH(usmAES256PrivProtocol);
#endif
  } else {
    k.error = fmt::format("profile {}: unsupported privacy protocol", p.name);
    return k;
  }
  k.auth_ku_len = sizeof k.auth_ku;
  k.priv_ku_len = sizeof k.priv_ku;
  if (generate_Ku(k.auth_proto, static_cast<u_int>(k.auth_proto_len),
                  reinterpret_cast<const u_char*>(p.auth_pass.data()), p.auth_pass.size(),
                  k.auth_ku, &k.auth_ku_len) != SNMPERR_SUCCESS ||
      generate_Ku(k.auth_proto, static_cast<u_int>(k.auth_proto_len),
                  reinterpret_cast<const u_char*>(p.priv_pass.data()), p.priv_pass.size(),
                  k.priv_ku, &k.priv_ku_len) != SNMPERR_SUCCESS) {
    k.error = fmt::format("profile {}: cannot derive keys from the pass phrases", p.name);
    return k;
  }
  k.ok = true;
  return k;
}

// usmStats counters a Report may carry (RFC 3414), 1.3.6.1.6.3.15.1.1.N.0.
ErrorClass ClassifyReport(const netsnmp_pdu* pdu, std::string* what) {
  static const oid kUsmStats[] = {1, 3, 6, 1, 6, 3, 15, 1, 1};
  const netsnmp_variable_list* v = pdu->variables;
  if (v != nullptr && v->name_length > OID_LENGTH(kUsmStats) &&
      snmp_oid_compare(v->name, OID_LENGTH(kUsmStats), kUsmStats, OID_LENGTH(kUsmStats)) == 0) {
    switch (v->name[OID_LENGTH(kUsmStats)]) {
      case 1:
        *what = "unsupported security level";
        return ErrorClass::kAuth;
      case 2:
        *what = "not in time window";
        return ErrorClass::kAuth;
      case 3:
        *what = "unknown user name";
        return ErrorClass::kAuth;
      case 4:
        *what = "unknown engine ID";
        return ErrorClass::kAuth;
      case 5:
        *what = "wrong digest (authentication key)";
        return ErrorClass::kAuth;
      case 6:
        *what = "decryption error (privacy key)";
        return ErrorClass::kAuth;
      default:
        break;
    }
  }
  *what = "unexpected report";
  return ErrorClass::kProtocol;
}

// Counters Net-SNMP increments when it drops an incoming message; read
// around each session's read to attribute rejections to that device.
struct RejectCounter {
  int stat;
  ErrorClass error_class;
  const char* what;
};
constexpr RejectCounter kRejectCounters[] = {
    {STAT_USMSTATSNOTINTIMEWINDOWS, ErrorClass::kAuth,
     "not in the time window (engine boots/time do not match)"},
    {STAT_USMSTATSWRONGDIGESTS, ErrorClass::kAuth, "wrong digest (authentication key)"},
    {STAT_USMSTATSDECRYPTIONERRORS, ErrorClass::kAuth, "decryption error (privacy key)"},
    {STAT_USMSTATSUNKNOWNUSERNAMES, ErrorClass::kAuth, "unknown user name"},
    {STAT_USMSTATSUNKNOWNENGINEIDS, ErrorClass::kAuth, "unknown engine ID"},
    {STAT_USMSTATSUNSUPPORTEDSECLEVELS, ErrorClass::kAuth, "unsupported security level"},
    {STAT_SNMPUNKNOWNSECURITYMODELS, ErrorClass::kProtocol, "unknown security model"},
    {STAT_SNMPINASNPARSEERRS, ErrorClass::kProtocol, "not a parsable SNMP message"},
    {STAT_SNMPINBADVERSIONS, ErrorClass::kProtocol, "wrong SNMP version"},
    {STAT_SNMPINVALIDMSGS, ErrorClass::kProtocol, "invalid message"},
};
using RejectSnapshot = std::array<u_int, std::size(kRejectCounters)>;

RejectSnapshot SnapshotRejects() {
  RejectSnapshot out{};
  for (size_t i = 0; i < out.size(); ++i) out[i] = snmp_get_statistic(kRejectCounters[i].stat);
  return out;
}

std::string Hex(const std::string& bytes) {
  std::string out = "0x";
  for (char c : bytes) out += fmt::format("{:02x}", static_cast<unsigned char>(c));
  return out;
}

struct Device {
  const Job* job = nullptr;
  const EngineOptions* options = nullptr;
  std::string name;  // "host:port" for messages
  std::string peer;  // Net-SNMP transport specifier
  void* sess = nullptr;
  enum class Phase { kProbe, kWaitEngine, kWalk, kLinger, kDone } phase = Phase::kWalk;
  std::unique_ptr<Walk> walk;           // a single-root job
  std::unique_ptr<PlanWalk> plan_walk;  // a job with a plan
  int reqid = 0;
  bool awaiting = false;  // a request is outstanding
  bool probe_answered = false;
  bool send_next = false;
  bool closing = false;
  std::string engine_id;     // learnt by discovery (SNMPv3)
  bool owns_engine = false;  // holds the process-wide USM entries of engine_id
  int datagrams_since_send = 0;
  ErrorClass rejected_class = ErrorClass::kInternal;
  std::string rejected_reason;  // why the library dropped an answer
  std::string no_answer;        // the timeout message, used when lingering ends silent
  Clock::time_point linger_from;
  Clock::time_point linger_until;
  Clock::time_point started;
  Clock::time_point deadline;
  JobResult result;
};

bool WalkedNothing(const Device* d) {
  return d->plan_walk ? d->plan_walk->varbinds().empty() : d->walk->varbinds().empty();
}

void Finish(Device* d, bool ok, ErrorClass c, std::string message) {
  if (d->phase == Device::Phase::kDone) return;
  d->phase = Device::Phase::kDone;
  d->result.ok = ok;
  d->result.error_class = c;
  d->result.error = std::move(message);
}

// A request timed out after every retry. What came back decides the class:
// rejected answers say why; answers the library ignored are a protocol fault;
// silence is followed by a short wait for a late answer (see Runner).
void OnTimedOut(Device* d) {
  const EngineOptions& o = *d->options;
  if (!d->rejected_reason.empty()) {
    Finish(d, false, d->rejected_class,
           fmt::format("{}: answers arrived but were rejected: {}", d->name, d->rejected_reason));
    return;
  }
  if (d->job->profile->version == 3 && d->phase == Device::Phase::kWalk && WalkedNothing(d)) {
    // The agent answered discovery, so it is up. A request it cannot decrypt
    // is dropped, or (AES has no integrity check of its own) decrypts to
    // garbage that snmpd may answer with something unusable: either way the
    // privacy key is the likely cause.
    Finish(d, false, ErrorClass::kAuth,
           fmt::format("{}: answered engine-ID discovery but not the encrypted request: wrong "
                       "privacy pass phrase or protocol?",
                       d->name));
    return;
  }
  if (d->datagrams_since_send > 0) {
    Finish(d, false, ErrorClass::kProtocol,
           fmt::format("{}: answers arrived but none was a usable answer to the request "
                       "(unparsable, or for another request ID)",
                       d->name));
    return;
  }
  d->no_answer = fmt::format("{}: no answer{} within {} ms x {} tries{}", d->name,
                             d->phase == Device::Phase::kProbe ? " to engine-ID discovery" : "",
                             o.timeout.count(), o.retries + 1,
                             d->job->profile->version == 2
                                 ? " (an SNMPv2c agent is also silent when the community is wrong)"
                                 : "");
  d->phase = Device::Phase::kLinger;
  d->linger_from = Clock::now();
  d->linger_until = d->linger_from + o.timeout;
}

int OnPdu(int op, netsnmp_session* /*session*/, int reqid, netsnmp_pdu* pdu, void* magic) noexcept {
  auto* d = static_cast<Device*>(magic);
  if (d == nullptr || d->closing || d->phase == Device::Phase::kDone ||
      d->phase == Device::Phase::kLinger) {
    return 1;
  }
  if (op == NETSNMP_CALLBACK_OP_RESEND) return 1;  // a retransmission, not final
  // A late answer to an old request is ignored; a Report may carry no request
  // ID (the agent could not decrypt the request) but still ends this one.
  bool report = pdu != nullptr && pdu->command == SNMP_MSG_REPORT;
  if (reqid != d->reqid && !report) return 1;
  d->awaiting = false;
  if (d->phase == Device::Phase::kProbe && op != NETSNMP_CALLBACK_OP_TIMED_OUT) {
    // The answer to discovery is a Report (usmStatsUnknownEngineIDs), which
    // the library may hand over as a security error; either way the session
    // now knows the engine. Checked after snmp_sess_read2 returns.
    d->probe_answered = true;
    return 1;
  }
  switch (op) {
    case NETSNMP_CALLBACK_OP_RECEIVED_MESSAGE:
      break;
    case NETSNMP_CALLBACK_OP_TIMED_OUT:
      OnTimedOut(d);
      return 1;
    case NETSNMP_CALLBACK_OP_SEC_ERROR:
      Finish(d, false, ErrorClass::kAuth,
             fmt::format("{}: security error in the response (wrong keys?)", d->name));
      return 1;
    default:
      Finish(d, false, ErrorClass::kProtocol,
             fmt::format("{}: send failed or disconnected", d->name));
      return 1;
  }
  if (pdu == nullptr) {
    Finish(d, false, ErrorClass::kProtocol, fmt::format("{}: empty response", d->name));
    return 1;
  }
  if (pdu->command == SNMP_MSG_REPORT) {
    std::string what;
    ErrorClass c = ClassifyReport(pdu, &what);
    Finish(d, false, c, fmt::format("{}: {}", d->name, what));
    return 1;
  }
  if (pdu->errstat != SNMP_ERR_NOERROR) {
    Finish(d, false,
           pdu->errstat == SNMP_ERR_AUTHORIZATIONERROR ? ErrorClass::kAuth : ErrorClass::kProtocol,
           fmt::format("{}: agent error {} ({})", d->name,
                       snmp_errstring(static_cast<int>(pdu->errstat)), pdu->errstat));
    return 1;
  }
  std::vector<snmp::VarBind> vbs;
  for (netsnmp_variable_list* v = pdu->variables; v != nullptr; v = v->next_variable) {
    vbs.push_back(snmp::VarBindFrom(v));
    if (v->type == ASN_OBJECT_ID && v->val.objid != nullptr) {
      snmp::Oid value(v->val.objid, v->val.objid + v->val_len / sizeof(oid));
      vbs.back().octets = snmp::OidToString(value);
    }
  }
  Walk::Step step =
      d->plan_walk ? d->plan_walk->Accept(std::move(vbs)) : d->walk->Accept(std::move(vbs));
  switch (step) {
    case Walk::Step::kContinue:
      d->send_next = true;
      break;
    case Walk::Step::kDone:
      Finish(d, true, ErrorClass::kInternal, "");
      break;
    case Walk::Step::kFailed:
      if (d->plan_walk) {
        Finish(d, false, d->plan_walk->error_class(),
               fmt::format("{}: {}", d->name, d->plan_walk->error()));
      } else {
        Finish(d, false, d->walk->error_class(), fmt::format("{}: {}", d->name, d->walk->error()));
      }
      break;
  }
  return 1;
}

int SessionFd(void* sess) {
  netsnmp_transport* t = snmp_sess_transport(sess);
  return t != nullptr ? t->sock : -1;
}

// One Engine::Run: the state of a run and its steps.
class Runner {
 public:
  Runner(const EngineOptions& options, const std::function<std::vector<Job>()>& feed,
         size_t low_water, const snmp::Oid& root, const std::function<void(JobResult&&)>& on_result,
         const std::function<bool()>& stop)
      : options_(options),
        feed_(feed),
        low_water_(low_water),
        root_(root),
        on_result_(on_result),
        stop_(stop),
        resolver_(options.lookup, options.resolver_threads) {}

  EngineStats Run() {
    window_ = WindowUnderFileLimit();
    budget_end_ = Clock::now() + options_.run_budget;
    netsnmp_large_fd_set_init(&fdset_, 4096);
    while (true) {
      if (stop_ && stop_()) {
        stats_.stopped = true;
        break;
      }
      if (Clock::now() >= budget_end_) {
        stats_.budget_exhausted = true;
        break;
      }
      Feed();
      if (Pending() == 0) break;  // the feed has nothing and nothing is left
      StartReadyDevices();
      WaitAndRead();
      CollectResolved();
      StepDevices();
    }
    for (auto& d : active_) {
      if (d->sess != nullptr) {
        d->closing = true;
        snmp_sess_close(d->sess);
        d->sess = nullptr;
      }
      ReleaseEngineId(d.get(), /*wake_next=*/false);
    }
    netsnmp_large_fd_set_cleanup(&fdset_);
    ReportDuplicateEngineIds();
    return stats_;
  }

 private:
  // Devices in flight (waiting for an engine ID included), ready to start, or
  // waiting for their name.
  size_t Pending() const { return active_.size() + ready_.size() + unresolved_; }

  // Asks the feed for jobs until low_water are pending or it has none; after
  // an empty answer with devices pending, not before one more has finished.
  void Feed() {
    if (feed_paused_) {
      if (stats_.finished == finished_at_pause_) return;
      feed_paused_ = false;
    }
    while (Pending() < low_water_ || Pending() == 0) {
      std::vector<Job> more = feed_();
      if (more.empty()) {
        feed_paused_ = true;
        finished_at_pause_ = stats_.finished;
        return;
      }
      for (Job& job : more) AddJob(std::move(job));
    }
  }

  // Keys are derived once per profile, when its first job arrives. IP
  // literals are ready at once; each name is looked up off this thread, once
  // for all jobs that arrive while it is being looked up.
  void AddJob(Job&& job) {
    jobs_.push_back(std::move(job));
    const Job& j = jobs_.back();
    if (j.profile->version == 3 && keys_.count(j.profile) == 0) {
      keys_[j.profile] = poller::DeriveKeys(*j.profile);
    }
    if (auto literal = ParseIpLiteral(j.host)) {
      ready_.push_back({&j, *literal});
      return;
    }
    auto& waiting = by_name_[j.host];
    if (waiting.empty()) resolver_.Submit(j.host);
    waiting.push_back(&j);
    ++unresolved_;
  }

  // One socket per device in flight: raise the open-file limit to its hard
  // maximum and keep the window below it (with room for the store and logs).
  size_t WindowUnderFileLimit() const {
    size_t window = options_.window;
    rlimit nofile{};
    if (::getrlimit(RLIMIT_NOFILE, &nofile) == 0) {
      if (nofile.rlim_cur < nofile.rlim_max) {
        nofile.rlim_cur = nofile.rlim_max;
        (void)::setrlimit(RLIMIT_NOFILE, &nofile);
        (void)::getrlimit(RLIMIT_NOFILE, &nofile);
      }
      if (nofile.rlim_cur != RLIM_INFINITY && nofile.rlim_cur > 128) {
        window = std::min<size_t>(window, static_cast<size_t>(nofile.rlim_cur) - 64);
      }
    }
    return window;
  }

  void CollectResolved() {
    if (unresolved_ == 0 || !resolver_ready_) return;
    resolver_ready_ = false;
    for (auto& [host, address] : resolver_.TakeResults()) {
      auto it = by_name_.find(host);
      if (it == by_name_.end()) continue;
      for (const Job* j : it->second) {
        --unresolved_;
        if (address.ok()) {
          ready_.push_back({j, *address});
          continue;
        }
        JobResult r;
        r.target_id = j->target_id;
        r.error_class = ErrorClass::kResolve;
        r.error = fmt::format("{}:{}: {}", j->host, j->port, address.status().message());
        ++stats_.started;
        ++stats_.finished;
        on_result_(std::move(r));
      }
      by_name_.erase(it);
    }
  }

  void StartReadyDevices() {
    while (active_.size() < window_ && !ready_.empty()) {
      if (!StartDevice(ready_.front().first, ready_.front().second)) break;
      ready_.pop_front();
    }
  }

  // Returns false (and starts nothing) when no socket is available right now.
  bool StartDevice(const Job* job, const NumericAddress& address) {
    auto d = std::make_unique<Device>();
    d->job = job;
    d->options = &options_;
    d->name = HostPort(job->host, job->port);
    d->peer = PeerSpec(address, job->port);
    d->started = Clock::now();
    d->deadline = d->started + options_.device_deadline;
    d->result.target_id = job->target_id;
    if (job->plan != nullptr) {
      d->plan_walk =
          std::make_unique<PlanWalk>(*job->plan, options_.limits, options_.bulk_repetitions);
      if (d->plan_walk->Start() == Walk::Step::kFailed) {
        Finish(d.get(), false, d->plan_walk->error_class(),
               fmt::format("{}: {}", d->name, d->plan_walk->error()));
      }
    } else {
      d->walk = std::make_unique<Walk>(root_, options_.limits);
    }
    ++stats_.started;
    if (d->phase == Device::Phase::kDone) {  // nothing to walk
      active_.push_back(std::move(d));
      return true;
    }
    if (!OpenAndBegin(d.get())) {
      --stats_.started;
      return false;
    }
    active_.push_back(std::move(d));
    return true;
  }

  // Opens the device's session and sends its first request (the discovery
  // probe for SNMPv3). False only when out of descriptors with other devices
  // in flight (retry later); other failures finish the device.
  bool OpenAndBegin(Device* d) {
    netsnmp_session s;
    snmp_sess_init(&s);
    s.peername = const_cast<char*>(d->peer.c_str());
    s.timeout = static_cast<long>(
        std::chrono::duration_cast<std::chrono::microseconds>(options_.timeout).count());
    s.retries = options_.retries;
    const Profile& p = *d->job->profile;
    if (p.version == 2) {
      s.version = SNMP_VERSION_2c;
      s.community = reinterpret_cast<u_char*>(const_cast<char*>(p.community.c_str()));
      s.community_len = p.community.size();
    } else {
      const ProfileKeys& k = keys_[d->job->profile];
      if (!k.ok) {
        Finish(d, false, ErrorClass::kInternal, fmt::format("{}: {}", d->name, k.error));
        return true;
      }
      s.version = SNMP_VERSION_3;
      s.securityName = const_cast<char*>(p.user.c_str());
      s.securityNameLen = p.user.size();
      s.securityLevel = SNMP_SEC_LEVEL_AUTHPRIV;
      s.securityModel = SNMP_SEC_MODEL_USM;
      s.securityAuthProto = const_cast<oid*>(k.auth_proto);
      s.securityAuthProtoLen = k.auth_proto_len;
      std::memcpy(s.securityAuthKey, k.auth_ku, k.auth_ku_len);
      s.securityAuthKeyLen = k.auth_ku_len;
      s.securityPrivProto = const_cast<oid*>(k.priv_proto);
      s.securityPrivProtoLen = k.priv_proto_len;
      std::memcpy(s.securityPrivKey, k.priv_ku, k.priv_ku_len);
      s.securityPrivKeyLen = k.priv_ku_len;
      s.flags |= SNMP_FLAGS_DONT_PROBE;
    }
    errno = 0;
    d->sess = snmp_sess_open(&s);
    if (d->sess == nullptr && (errno == EMFILE || errno == ENFILE) && !active_.empty()) {
      return false;
    }
    if (d->sess == nullptr) {
      Finish(d, false, ErrorClass::kInternal,
             fmt::format("{}: cannot open a session: {}", d->name,
                         errno != 0 ? std::strerror(errno) : snmp_api_errstring(snmp_errno)));
      return true;
    }
    if (p.version == 3) {
      SendProbe(d);
    } else {
      d->phase = Device::Phase::kWalk;
      SendGetBulk(d);
    }
    return true;
  }

  void Send(Device* d, netsnmp_pdu* pdu) {
    d->reqid = 0;
    d->awaiting = true;
    d->datagrams_since_send = 0;
    d->rejected_reason.clear();
    int id = snmp_sess_async_send(d->sess, pdu, OnPdu, d);
    ++stats_.requests;
    if (id == 0) {
      snmp_free_pdu(pdu);
      d->awaiting = false;
      // The library may already have called back (and finished the device).
      Finish(d, false, ErrorClass::kProtocol,
             fmt::format("{}: cannot send: {}", d->name, snmp_api_errstring(snmp_errno)));
      return;
    }
    d->reqid = id;
  }

  void SendGetBulk(Device* d) {
    netsnmp_pdu* pdu = snmp_pdu_create(SNMP_MSG_GETBULK);
    pdu->non_repeaters = 0;
    if (d->plan_walk) {
      pdu->max_repetitions = d->plan_walk->repetitions();
      for (const snmp::Oid& cursor : d->plan_walk->request()) {
        std::vector<oid> name(cursor.begin(), cursor.end());
        snmp_add_null_var(pdu, name.data(), name.size());
      }
    } else {
      pdu->max_repetitions = options_.bulk_repetitions;
      std::vector<oid> name(d->walk->cursor().begin(), d->walk->cursor().end());
      snmp_add_null_var(pdu, name.data(), name.size());
    }
    Send(d, pdu);
  }

  // Our own engine-ID discovery: a noAuth GET with an empty user name,
  // answered by a Report that carries the engine ID, boots and time.
  void SendProbe(Device* d) {
    snmp_sess_session(d->sess)->flags |= SNMP_FLAGS_DONT_PROBE;
    d->phase = Device::Phase::kProbe;
    netsnmp_pdu* probe = snmp_pdu_create(SNMP_MSG_GET);
    probe->version = SNMP_VERSION_3;
    probe->securityName = strdup("");
    probe->securityNameLen = 0;
    probe->securityLevel = SNMP_SEC_LEVEL_NOAUTH;
    probe->securityModel = SNMP_SEC_MODEL_USM;
    Send(d, probe);
  }

  // Waits for any answer, the earliest retransmission timer, a late answer of
  // a lingering device, a resolved name, or a deadline; then reads.
  void WaitAndRead() {
    int numfds = 0;
    NETSNMP_LARGE_FD_ZERO(&fdset_);
    timeval wait{0, 200000};
    const Clock::time_point now = Clock::now();
    auto wait_until = [&](Clock::time_point t) {
      auto us = std::chrono::duration_cast<std::chrono::microseconds>(t - now).count();
      timeval tv{0, 0};
      if (us > 0) tv = {static_cast<time_t>(us / 1000000), static_cast<suseconds_t>(us % 1000000)};
      if (timercmp(&tv, &wait, <)) wait = tv;
    };
    auto add_fd = [&](int fd) {
      if (fd < 0) return;
      NETSNMP_LARGE_FD_SET(fd, &fdset_);
      numfds = std::max(numfds, fd + 1);
    };
    for (const auto& d : active_) {
      if (d->sess == nullptr || d->phase == Device::Phase::kDone) {
        wait = {0, 0};
      } else if (d->phase == Device::Phase::kLinger) {
        add_fd(SessionFd(d->sess));
        wait_until(d->linger_until);
      } else if (d->phase != Device::Phase::kWaitEngine) {
        int block = 1;
        timeval tv{0, 0};
        snmp_sess_select_info2(d->sess, &numfds, &fdset_, &tv, &block);
        if (!block && timercmp(&tv, &wait, <)) wait = tv;
      }
    }
    if (unresolved_ > 0) add_fd(resolver_.wake_fd());
    int ready = netsnmp_large_fd_set_select(numfds, &fdset_, nullptr, nullptr, &wait);
    if (unresolved_ > 0 && ready > 0 && NETSNMP_LARGE_FD_ISSET(resolver_.wake_fd(), &fdset_)) {
      resolver_ready_ = true;
    }
    for (const auto& d : active_) {
      Device* dev = d.get();
      if (dev->sess == nullptr || dev->phase == Device::Phase::kDone ||
          dev->phase == Device::Phase::kWaitEngine) {
        continue;
      }
      int fd = SessionFd(dev->sess);
      bool readable = ready > 0 && fd >= 0 && NETSNMP_LARGE_FD_ISSET(fd, &fdset_);
      if (dev->phase == Device::Phase::kLinger) {
        if (readable) DrainLateAnswer(dev);
        continue;
      }
      if (readable) {
        ++dev->datagrams_since_send;
        RejectSnapshot before = SnapshotRejects();
        snmp_sess_read2(dev->sess, &fdset_);
        RejectSnapshot after = SnapshotRejects();
        for (size_t i = 0; i < before.size(); ++i) {
          if (after[i] != before[i]) {
            dev->rejected_class = kRejectCounters[i].error_class;
            dev->rejected_reason = kRejectCounters[i].what;
          }
        }
      }
      snmp_sess_timeout(dev->sess);
    }
  }

  void DrainLateAnswer(Device* d) {
    char buf[2048];
    while (::recv(SessionFd(d->sess), buf, sizeof buf, MSG_DONTWAIT) > 0) {
    }
    auto late_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - d->linger_from)
            .count();
    Finish(d, false, ErrorClass::kLate,
           fmt::format("{}: answered {} ms after the request was given up ({} ms x {} tries): "
                       "the device or the path is slow; raise timeout-ms",
                       d->name, late_ms, options_.timeout.count(), options_.retries + 1));
  }

  // After discovery: the device owns its engine ID, or waits for the device
  // that does (see engine.h).
  void AfterProbe(Device* d) {
    netsnmp_session* session = snmp_sess_session(d->sess);
    if (session->securityEngineIDLen == 0) {
      Finish(d, false, ErrorClass::kProtocol,
             fmt::format("{}: engine-ID discovery answered without an engine ID", d->name));
      return;
    }
    d->engine_id.assign(reinterpret_cast<const char*>(session->securityEngineID),
                        session->securityEngineIDLen);
    auto& group = engine_groups_[d->engine_id];
    if (std::find(group.begin(), group.end(), d->job) == group.end()) group.push_back(d->job);
    auto owner = engine_owner_.find(d->engine_id);
    if (owner != engine_owner_.end() && owner->second != d) {
      d->phase = Device::Phase::kWaitEngine;
      waiting_for_engine_[d->engine_id].push_back(d);
      return;
    }
    engine_owner_[d->engine_id] = d;
    d->owns_engine = true;
    if (session->engineBoots != 0 || session->engineTime != 0) {
      set_enginetime(session->securityEngineID, static_cast<u_int>(session->securityEngineIDLen),
                     session->engineBoots, session->engineTime, TRUE);
    }
    if (create_user_from_session(session) != SNMPERR_SUCCESS) {
      Finish(d, false, ErrorClass::kAuth,
             fmt::format("{}: cannot set up the SNMPv3 user", d->name));
      return;
    }
    d->phase = Device::Phase::kWalk;
    SendGetBulk(d);
  }

  // Drops the process-wide USM user and engine-time entries of the device's
  // engine ID, and lets the next device with that engine ID start over.
  void ReleaseEngineId(Device* d, bool wake_next) {
    if (!d->owns_engine) return;
    d->owns_engine = false;
    const auto* eid = reinterpret_cast<const u_char*>(d->engine_id.data());
    if (usmUser* user = usm_get_user(eid, d->engine_id.size(), d->job->profile->user.c_str())) {
      usm_remove_user(user);
      usm_free_user(user);
    }
    free_enginetime(const_cast<u_char*>(eid), d->engine_id.size());
    engine_owner_.erase(d->engine_id);
    auto waiting = waiting_for_engine_.find(d->engine_id);
    if (!wake_next || waiting == waiting_for_engine_.end() || waiting->second.empty()) return;
    Device* next = waiting->second.front();
    waiting->second.pop_front();
    // A fresh session and discovery: the boots/time learnt earlier are stale.
    next->closing = true;
    snmp_sess_close(next->sess);
    next->sess = nullptr;
    next->closing = false;
    next->deadline = Clock::now() + options_.device_deadline;
    if (!OpenAndBegin(next)) {
      Finish(next, false, ErrorClass::kInternal,
             fmt::format("{}: cannot open a session: out of file descriptors", next->name));
    }
  }

  void StepDevices() {
    const Clock::time_point now = Clock::now();
    for (auto it = active_.begin(); it != active_.end();) {
      Device* d = it->get();
      if (d->phase == Device::Phase::kProbe && d->probe_answered) {
        d->probe_answered = false;
        AfterProbe(d);
      }
      if (d->send_next && d->phase == Device::Phase::kWalk) {
        d->send_next = false;
        SendGetBulk(d);
      }
      if (d->phase == Device::Phase::kLinger && now >= d->linger_until) {
        Finish(d, false, ErrorClass::kTimeout, d->no_answer);
      }
      if (d->phase != Device::Phase::kDone && d->phase != Device::Phase::kWaitEngine &&
          now >= d->deadline) {
        Finish(d, false, ErrorClass::kTimeout,
               fmt::format("{}: device deadline of {} s passed", d->name,
                           options_.device_deadline.count()));
      }
      if (d->phase != Device::Phase::kDone) {
        ++it;
        continue;
      }
      if (d->sess != nullptr) {
        d->closing = true;
        snmp_sess_close(d->sess);
        d->sess = nullptr;
      }
      ReleaseEngineId(d, /*wake_next=*/true);
      d->result.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(now - d->started);
      if (d->result.ok) {
        d->result.varbinds = d->plan_walk ? std::move(d->plan_walk->mutable_varbinds())
                                          : std::move(d->walk->mutable_varbinds());
      }
      ++stats_.finished;
      on_result_(std::move(d->result));
      it = active_.erase(it);
    }
  }

  void ReportDuplicateEngineIds() {
    for (const auto& [eid, group] : engine_groups_) {
      if (group.size() < 2) continue;
      DuplicateEngineId dup;
      dup.engine_id_hex = Hex(eid);
      for (const Job* j : group) {
        dup.target_ids.push_back(j->target_id);
        dup.names.push_back(fmt::format("{}:{}", j->host, j->port));
      }
      stats_.duplicate_engine_ids.push_back(std::move(dup));
    }
  }

  const EngineOptions& options_;
  const std::function<std::vector<Job>()>& feed_;
  const size_t low_water_;
  bool feed_paused_ = false;  // answered none with devices pending
  size_t finished_at_pause_ = 0;
  // Every job of the run; a deque, so that the Job pointers held in ready_,
  // by_name_, devices and engine_groups_ stay valid as jobs arrive.
  std::deque<Job> jobs_;
  const snmp::Oid& root_;
  const std::function<void(JobResult&&)>& on_result_;
  const std::function<bool()>& stop_;
  Resolver resolver_;
  EngineStats stats_;
  std::map<const Profile*, ProfileKeys> keys_;
  size_t window_ = 0;
  Clock::time_point budget_end_;
  std::deque<std::pair<const Job*, NumericAddress>> ready_;
  std::map<std::string, std::vector<const Job*>> by_name_;
  size_t unresolved_ = 0;
  bool resolver_ready_ = false;
  std::vector<std::unique_ptr<Device>> active_;
  netsnmp_large_fd_set fdset_{};
  std::map<std::string, Device*> engine_owner_;
  std::map<std::string, std::deque<Device*>> waiting_for_engine_;
  std::map<std::string, std::vector<const Job*>> engine_groups_;
};

}  // namespace

Engine::Engine(EngineOptions options) : options_(std::move(options)) {}

EngineStats Engine::Run(const std::vector<Job>& jobs, const snmp::Oid& root,
                        const std::function<void(JobResult&&)>& on_result,
                        const std::function<bool()>& stop) {
  bool given = false;
  const std::function<std::vector<Job>()> all_at_once = [&]() -> std::vector<Job> {
    if (given) return {};
    given = true;
    return jobs;
  };
  return Run(all_at_once, /*low_water=*/0, root, on_result, stop);
}

EngineStats Engine::Run(const std::function<std::vector<Job>()>& feed, size_t low_water,
                        const snmp::Oid& root, const std::function<void(JobResult&&)>& on_result,
                        const std::function<bool()>& stop) {
  snmp::PrepareLibrary("periscope-poller", true);
  static bool initialised = false;
  if (!initialised) {
    init_snmp("periscope-poller");
    initialised = true;
  }
  Runner runner(options_, feed, low_water, root, on_result, stop);
  return runner.Run();
}

}  // namespace periscope::poller
