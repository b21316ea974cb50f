#include "poller/engine.h"

#include <sys/resource.h>
#include <sys/select.h>

#include <cerrno>

#include <cstring>
#include <deque>
#include <memory>

#include <fmt/format.h>

// clang-format off
#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <net-snmp/library/large_fd_set.h>
// clang-format on

#include "core/snmp/netsnmp_env.h"

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

struct Device {
  const Job* job = nullptr;
  void* sess = nullptr;
  enum class Phase { kProbe, kWalk, kDone } phase = Phase::kWalk;
  std::unique_ptr<Walk> walk;
  int reqid = 0;
  bool awaiting = false;  // a request is outstanding
  bool probe_answered = false;
  bool send_next = false;
  bool closing = false;
  Clock::time_point started;
  Clock::time_point deadline;
  JobResult result;
};

void Finish(Device* d, bool ok, ErrorClass c, std::string message) {
  if (d->phase == Device::Phase::kDone) return;
  d->phase = Device::Phase::kDone;
  d->result.ok = ok;
  d->result.error_class = c;
  d->result.error = std::move(message);
}

std::string PeerName(const Device* d) { return d->job->peer; }

int OnPdu(int op, netsnmp_session* /*session*/, int reqid, netsnmp_pdu* pdu, void* magic) noexcept {
  auto* d = static_cast<Device*>(magic);
  if (d == nullptr || d->closing || d->phase == Device::Phase::kDone) return 1;
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
      Finish(d, false, ErrorClass::kTimeout,
             fmt::format("{}: timeout{}", PeerName(d),
                         d->job->profile->version == 2       ? " (no answer, or wrong community)"
                         : d->phase == Device::Phase::kProbe ? " during engine-ID discovery"
                                                             : ""));
      return 1;
    case NETSNMP_CALLBACK_OP_SEC_ERROR:
      Finish(d, false, ErrorClass::kAuth,
             fmt::format("{}: security error in the response (wrong keys?)", PeerName(d)));
      return 1;
    default:
      Finish(d, false, ErrorClass::kProtocol,
             fmt::format("{}: send failed or disconnected", PeerName(d)));
      return 1;
  }
  if (pdu == nullptr) {
    Finish(d, false, ErrorClass::kProtocol, fmt::format("{}: empty response", PeerName(d)));
    return 1;
  }
  if (pdu->command == SNMP_MSG_REPORT) {
    std::string what;
    ErrorClass c = ClassifyReport(pdu, &what);
    Finish(d, false, c, fmt::format("{}: {}", PeerName(d), what));
    return 1;
  }
  if (pdu->errstat != SNMP_ERR_NOERROR) {
    Finish(d, false,
           pdu->errstat == SNMP_ERR_AUTHORIZATIONERROR ? ErrorClass::kAuth : ErrorClass::kProtocol,
           fmt::format("{}: agent error {} ({})", PeerName(d),
                       snmp_errstring(static_cast<int>(pdu->errstat)), pdu->errstat));
    return 1;
  }
  std::vector<snmp::VarBind> vbs;
  for (netsnmp_variable_list* v = pdu->variables; v != nullptr; v = v->next_variable) {
    vbs.push_back(snmp::VarBindFrom(v));
  }
  switch (d->walk->Accept(std::move(vbs))) {
    case Walk::Step::kContinue:
      d->send_next = true;
      break;
    case Walk::Step::kDone:
      Finish(d, true, ErrorClass::kInternal, "");
      break;
    case Walk::Step::kFailed:
      Finish(d, false, d->walk->error_class(),
             fmt::format("{}: {}", PeerName(d), d->walk->error()));
      break;
  }
  return 1;
}

}  // namespace

Engine::Engine(EngineOptions options) : options_(options) {}

EngineStats Engine::Run(const std::vector<Job>& jobs, const snmp::Oid& root,
                        const std::function<void(JobResult&&)>& on_result,
                        const std::function<bool()>& stop) {
  snmp::PrepareLibrary("periscope-poller", true);
  static bool initialised = false;
  if (!initialised) {
    init_snmp("periscope-poller");
    initialised = true;
  }
  EngineStats stats;
  std::map<const Profile*, ProfileKeys> keys;
  for (const Job& j : jobs) {
    if (j.profile->version == 3 && keys.count(j.profile) == 0)
      keys[j.profile] = DeriveKeys(*j.profile);
  }
  const Clock::time_point budget_end = Clock::now() + options_.run_budget;
  // One socket per device in flight: raise the open-file limit to its hard
  // maximum and keep the window below it (with room for the store and logs).
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
  std::deque<const Job*> pending;
  for (const Job& j : jobs) pending.push_back(&j);
  std::vector<std::unique_ptr<Device>> active;
  netsnmp_large_fd_set fdset;
  netsnmp_large_fd_set_init(&fdset, 4096);

  auto send = [&](Device* d, netsnmp_pdu* pdu) {
    d->reqid = 0;
    d->awaiting = true;
    int id = snmp_sess_async_send(d->sess, pdu, OnPdu, d);
    ++stats.requests;
    if (id == 0) {
      snmp_free_pdu(pdu);
      d->awaiting = false;
      // The library may already have called back (and finished the device).
      Finish(d, false, ErrorClass::kProtocol,
             fmt::format("{}: cannot send: {}", d->job->peer, snmp_api_errstring(snmp_errno)));
      return;
    }
    d->reqid = id;
  };
  auto send_getbulk = [&](Device* d) {
    netsnmp_pdu* pdu = snmp_pdu_create(SNMP_MSG_GETBULK);
    pdu->non_repeaters = 0;
    pdu->max_repetitions = options_.bulk_repetitions;
    std::vector<oid> name(d->walk->cursor().begin(), d->walk->cursor().end());
    snmp_add_null_var(pdu, name.data(), name.size());
    send(d, pdu);
  };
  // Returns false (and starts nothing) when no socket is available right now.
  auto start = [&](const Job* job) -> bool {
    auto d = std::make_unique<Device>();
    d->job = job;
    d->started = Clock::now();
    d->deadline = d->started + options_.device_deadline;
    d->result.target_id = job->target_id;
    d->walk = std::make_unique<Walk>(root, options_.limits);
    ++stats.started;
    netsnmp_session s;
    snmp_sess_init(&s);
    s.peername = const_cast<char*>(job->peer.c_str());
    s.timeout = static_cast<long>(
        std::chrono::duration_cast<std::chrono::microseconds>(options_.timeout).count());
    s.retries = options_.retries;
    const Profile& p = *job->profile;
    if (p.version == 2) {
      s.version = SNMP_VERSION_2c;
      s.community = reinterpret_cast<u_char*>(const_cast<char*>(p.community.c_str()));
      s.community_len = p.community.size();
    } else {
      const ProfileKeys& k = keys[job->profile];
      if (!k.ok) {
        Finish(d.get(), false, ErrorClass::kInternal, fmt::format("{}: {}", job->peer, k.error));
        active.push_back(std::move(d));
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
    if (d->sess == nullptr && (errno == EMFILE || errno == ENFILE) && !active.empty()) {
      --stats.started;
      return false;
    }
    if (d->sess == nullptr) {
      Finish(d.get(), false, ErrorClass::kInternal,
             fmt::format("{}: cannot open a session: {}", job->peer,
                         errno != 0 ? std::strerror(errno) : snmp_api_errstring(snmp_errno)));
      active.push_back(std::move(d));
      return true;
    }
    if (p.version == 3) {
      // Our own engine-ID discovery: a noAuth GET with an empty user name,
      // answered by a Report that carries the engine ID, boots and time.
      snmp_sess_session(d->sess)->flags |= SNMP_FLAGS_DONT_PROBE;
      d->phase = Device::Phase::kProbe;
      netsnmp_pdu* probe = snmp_pdu_create(SNMP_MSG_GET);
      probe->version = SNMP_VERSION_3;
      probe->securityName = strdup("");
      probe->securityNameLen = 0;
      probe->securityLevel = SNMP_SEC_LEVEL_NOAUTH;
      probe->securityModel = SNMP_SEC_MODEL_USM;
      send(d.get(), probe);
    } else {
      send_getbulk(d.get());
    }
    active.push_back(std::move(d));
    return true;
  };

  while (!pending.empty() || !active.empty()) {
    if (stop && stop()) {
      stats.stopped = true;
      break;
    }
    if (Clock::now() >= budget_end) {
      stats.budget_exhausted = true;
      break;
    }
    while (active.size() < window && !pending.empty()) {
      if (!start(pending.front())) break;  // out of descriptors: retry when one frees
      pending.pop_front();
    }
    // Wait for any answer, the earliest retransmission timer, or a deadline.
    int numfds = 0;
    NETSNMP_LARGE_FD_ZERO(&fdset);
    timeval wait{0, 200000};
    for (const auto& d : active) {
      if (d->sess == nullptr || d->phase == Device::Phase::kDone) {
        wait = {0, 0};
        continue;
      }
      int block = 1;
      timeval tv{0, 0};
      snmp_sess_select_info2(d->sess, &numfds, &fdset, &tv, &block);
      if (!block && timercmp(&tv, &wait, <)) wait = tv;
    }
    int ready = netsnmp_large_fd_set_select(numfds, &fdset, nullptr, nullptr, &wait);
    for (const auto& d : active) {
      if (d->sess == nullptr || d->phase == Device::Phase::kDone) continue;
      if (ready > 0) snmp_sess_read2(d->sess, &fdset);
      snmp_sess_timeout(d->sess);
    }
    Clock::time_point now = Clock::now();
    for (auto it = active.begin(); it != active.end();) {
      Device* d = it->get();
      if (d->phase == Device::Phase::kProbe && d->probe_answered) {
        d->probe_answered = false;
        netsnmp_session* session = snmp_sess_session(d->sess);
        if (session->securityEngineIDLen == 0) {
          Finish(
              d, false, ErrorClass::kProtocol,
              fmt::format("{}: engine-ID discovery answered without an engine ID", d->job->peer));
        } else {
          if (session->engineBoots != 0 || session->engineTime != 0) {
            set_enginetime(session->securityEngineID,
                           static_cast<u_int>(session->securityEngineIDLen), session->engineBoots,
                           session->engineTime, TRUE);
          }
          if (create_user_from_session(session) != SNMPERR_SUCCESS) {
            Finish(d, false, ErrorClass::kAuth,
                   fmt::format("{}: cannot set up the SNMPv3 user", d->job->peer));
          } else {
            d->phase = Device::Phase::kWalk;
            send_getbulk(d);
          }
        }
      }
      if (d->send_next && d->phase == Device::Phase::kWalk) {
        d->send_next = false;
        send_getbulk(d);
      }
      if (d->phase != Device::Phase::kDone && now >= d->deadline) {
        Finish(d, false, ErrorClass::kTimeout,
               fmt::format("{}: device deadline of {} s passed", d->job->peer,
                           options_.device_deadline.count()));
      }
      if (d->phase == Device::Phase::kDone) {
        if (d->sess != nullptr) {
          d->closing = true;
          snmp_sess_close(d->sess);
          d->sess = nullptr;
        }
        d->result.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(now - d->started);
        if (d->result.ok) d->result.varbinds = std::move(d->walk->mutable_varbinds());
        ++stats.finished;
        on_result(std::move(d->result));
        it = active.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (auto& d : active) {
    if (d->sess != nullptr) {
      d->closing = true;
      snmp_sess_close(d->sess);
    }
  }
  netsnmp_large_fd_set_cleanup(&fdset);
  return stats;
}

}  // namespace periscope::poller
