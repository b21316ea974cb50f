#include "core/snmp/sync_client.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <optional>

#include <fmt/format.h>

// clang-format off
#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
// clang-format on

#include "core/snmp/netsnmp_env.h"
#include "core/snmp/values.h"
#include "core/snmp/walk_rules.h"
#include "core/strings.h"

namespace periscope::snmp {

std::string OidToString(const Oid& oid) {
  std::string out;
  for (size_t i = 0; i < oid.size(); ++i) {
    if (i > 0) out += '.';
    out += std::to_string(oid[i]);
  }
  return out;
}

Result<Oid> ParseOid(std::string_view dotted) {
  // Quotes at most 64 bytes of the input, cleaned for the log.
  auto fail = [&](std::string_view why) -> Status {
    std::string shown = CleanText(TruncateUtf8(dotted, 64), ' ');
    if (shown.size() < dotted.size()) shown += "...";
    return InvalidArgumentError(fmt::format("OID '{}': {}", shown, why));
  };
  std::string_view rest = dotted;
  if (!rest.empty() && rest.front() == '.') rest.remove_prefix(1);
  if (rest.empty()) return fail("empty");
  Oid out;
  while (true) {
    size_t dot = rest.find('.');
    std::string_view part = rest.substr(0, dot);
    if (part.empty()) return fail("empty sub-identifier");
    if (out.size() == kMaxOidLength) {
      return fail(fmt::format("more than {} sub-identifiers", kMaxOidLength));
    }
    std::optional<uint64_t> v = ParseUint64(part);
    if (!v) {
      bool digits =
          std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; });
      return fail(digits ? "sub-identifier above 4294967295" : "not dotted decimal");
    }
    if (*v > 0xffffffffULL) return fail("sub-identifier above 4294967295");
    out.push_back(static_cast<uint32_t>(*v));
    if (dot == std::string_view::npos) return out;
    rest.remove_prefix(dot + 1);
  }
}

bool OidStartsWith(const Oid& oid, const Oid& prefix) {
  return oid.size() >= prefix.size() && std::equal(prefix.begin(), prefix.end(), oid.begin());
}

namespace {

void InitOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    PrepareLibrary("periscope", true);
    snmp_disable_log();
    init_snmp("periscope");
  });
}

std::vector<oid> ToNetsnmp(const Oid& o) { return std::vector<oid>(o.begin(), o.end()); }

}  // namespace

VarBind VarBindFrom(const variable_list* v) {
  VarBind out;
  out.oid.assign(v->name, v->name + v->name_length);
  out.type = static_cast<ValueType>(v->type);
  switch (v->type) {
    case ASN_OCTET_STR:
    case ASN_OPAQUE:
      out.octets.assign(reinterpret_cast<const char*>(v->val.string), v->val_len);
      out.type = ValueType::kOctets;
      break;
    case ASN_INTEGER:
      out.integer = *v->val.integer;
      break;
    case ASN_COUNTER:
    case ASN_GAUGE:
    case ASN_TIMETICKS:
      out.unsigned_value = static_cast<unsigned long>(*v->val.integer) & 0xffffffffUL;
      break;
    case ASN_COUNTER64:
      out.unsigned_value = UnpackCounter64(*v->val.counter64);
      break;
    case ASN_IPADDRESS:  // its 4 octets, network order
      out.octets.assign(reinterpret_cast<const char*>(v->val.string), v->val_len);
      break;
    case ASN_OBJECT_ID:
    case ASN_NULL:
    case SNMP_NOSUCHOBJECT:
    case SNMP_NOSUCHINSTANCE:
    case SNMP_ENDOFMIBVIEW:
      break;
    default:
      out.type = ValueType::kOther;
      break;
  }
  return out;
}

Result<std::unique_ptr<SnmpClient>> SnmpClient::Open(const std::string& peer,
                                                     const Credentials& creds, int timeout_ms,
                                                     int retries) {
  if (timeout_ms <= 0)
    return InvalidArgumentError(fmt::format("timeout {} ms: not positive", timeout_ms));
  if (retries < 0) return InvalidArgumentError(fmt::format("retries {}: negative", retries));
  InitOnce();
  netsnmp_session s;
  snmp_sess_init(&s);
  s.peername = const_cast<char*>(peer.c_str());
  s.timeout = timeout_ms * 1000L;
  s.retries = retries;
  if (!creds.community.empty()) {
    s.version = SNMP_VERSION_2c;
    s.community = reinterpret_cast<u_char*>(const_cast<char*>(creds.community.c_str()));
    s.community_len = creds.community.size();
  } else {
    s.version = SNMP_VERSION_3;
    s.securityName = const_cast<char*>(creds.user.c_str());
    s.securityNameLen = creds.user.size();
    s.securityLevel = SNMP_SEC_LEVEL_AUTHPRIV;
    s.securityAuthProto = usmHMAC192SHA256AuthProtocol;
    s.securityAuthProtoLen = OID_LENGTH(usmHMAC192SHA256AuthProtocol);
    s.securityAuthKeyLen = USM_AUTH_KU_LEN;
    if (generate_Ku(s.securityAuthProto, static_cast<u_int>(s.securityAuthProtoLen),
                    reinterpret_cast<const u_char*>(creds.auth_pass.c_str()),
                    creds.auth_pass.size(), s.securityAuthKey,
                    &s.securityAuthKeyLen) != SNMPERR_SUCCESS) {
      return InvalidArgumentError(fmt::format(
          "SNMPv3 user '{}': cannot derive a key from the authentication pass phrase (at least "
          "{} characters)",
          creds.user, USM_LENGTH_P_MIN));
    }
    s.securityPrivProto = usmAESPrivProtocol;
    s.securityPrivProtoLen = OID_LENGTH(usmAESPrivProtocol);
    s.securityPrivKeyLen = USM_PRIV_KU_LEN;
    if (generate_Ku(s.securityAuthProto, static_cast<u_int>(s.securityAuthProtoLen),
                    reinterpret_cast<const u_char*>(creds.priv_pass.c_str()),
                    creds.priv_pass.size(), s.securityPrivKey,
                    &s.securityPrivKeyLen) != SNMPERR_SUCCESS) {
      return InvalidArgumentError(fmt::format(
          "SNMPv3 user '{}': cannot derive a key from the privacy pass phrase (at least {} "
          "characters)",
          creds.user, USM_LENGTH_P_MIN));
    }
  }
  void* handle = snmp_sess_open(&s);
  if (handle == nullptr) {
    char* text = nullptr;
    int sys_errno = 0, snmp_errno = 0;
    snmp_error(&s, &sys_errno, &snmp_errno, &text);
    std::string reason = text != nullptr ? text : "unknown error";
    std::free(text);
    return UnavailableError(fmt::format("cannot open an SNMP session to '{}': {}", peer, reason));
  }
  std::unique_ptr<SnmpClient> client(new SnmpClient());
  client->session_ = handle;
  client->timeout_us_ = s.timeout;
  client->retries_ = retries;
  return client;
}

SnmpClient::~SnmpClient() {
  if (session_ != nullptr) snmp_sess_close(session_);
}

Response SnmpClient::Send(void* p) {
  auto* pdu = static_cast<netsnmp_pdu*>(p);
  netsnmp_pdu* reply = nullptr;
  Response r;
  int status = snmp_sess_synch_response(session_, pdu, &reply);
  if (status != STAT_SUCCESS || reply == nullptr) {
    r.timeout = true;
    if (status == STAT_TIMEOUT) {
      r.error = "Timeout";
    } else {
      char* text = nullptr;
      int sys_errno = 0, snmp_errno = 0;
      snmp_sess_error(session_, &sys_errno, &snmp_errno, &text);
      r.error = text != nullptr ? text : "no reply";
      std::free(text);
    }
    if (reply != nullptr) snmp_free_pdu(reply);
    return r;
  }
  r.error_status = static_cast<int>(reply->errstat);
  r.error_index = static_cast<int>(reply->errindex);
  for (netsnmp_variable_list* v = reply->variables; v != nullptr; v = v->next_variable) {
    r.varbinds.push_back(VarBindFrom(v));
  }
  snmp_free_pdu(reply);
  return r;
}

Response SnmpClient::Get(const std::vector<Oid>& oids) {
  netsnmp_pdu* pdu = snmp_pdu_create(SNMP_MSG_GET);
  for (const Oid& o : oids) {
    auto n = ToNetsnmp(o);
    snmp_add_null_var(pdu, n.data(), n.size());
  }
  return Send(pdu);
}

Response SnmpClient::GetNext(const std::vector<Oid>& oids) {
  netsnmp_pdu* pdu = snmp_pdu_create(SNMP_MSG_GETNEXT);
  for (const Oid& o : oids) {
    auto n = ToNetsnmp(o);
    snmp_add_null_var(pdu, n.data(), n.size());
  }
  return Send(pdu);
}

Response SnmpClient::GetBulk(const Oid& o, int max_repetitions) {
  netsnmp_pdu* pdu = snmp_pdu_create(SNMP_MSG_GETBULK);
  pdu->non_repeaters = 0;
  pdu->max_repetitions = max_repetitions;
  auto n = ToNetsnmp(o);
  snmp_add_null_var(pdu, n.data(), n.size());
  return Send(pdu);
}

Response SnmpClient::Set(const Oid& o, char type, const std::string& value) {
  netsnmp_pdu* pdu = snmp_pdu_create(SNMP_MSG_SET);
  auto n = ToNetsnmp(o);
  if (snmp_add_var(pdu, n.data(), n.size(), type, value.c_str()) != 0) {
    snmp_free_pdu(pdu);
    Response r;
    r.error_status = -1;
    return r;
  }
  return Send(pdu);
}

const char* WalkEndName(WalkEnd end) {
  switch (end) {
    case WalkEnd::kComplete:
      return "complete";
    case WalkEnd::kMaxObjects:
      return "max-objects";
    case WalkEnd::kMaxBytes:
      return "max-bytes";
    case WalkEnd::kDeadline:
      return "deadline";
    case WalkEnd::kOidNotIncreasing:
      return "oid-not-increasing";
    case WalkEnd::kProtocol:
      return "protocol";
    case WalkEnd::kNoAnswer:
      return "no-answer";
    case WalkEnd::kErrorStatus:
      return "error-status";
  }
  return "?";
}

WalkResult SnmpClient::BulkWalk(const Oid& root, int max_repetitions, const WalkLimits& limits) {
  using Clock = std::chrono::steady_clock;
  const Clock::time_point deadline = Clock::now() + limits.deadline;
  WalkResult out;
  auto stop = [&](WalkEnd end, Status status) {
    out.end = end;
    out.status = std::move(status);
  };
  if (max_repetitions < 1) {
    stop(WalkEnd::kProtocol,
         InvalidArgumentError(fmt::format("max-repetitions {}: not positive", max_repetitions)));
    return out;
  }
  netsnmp_session* session = snmp_sess_session(session_);
  WalkRules rules(root, {limits.max_objects, limits.max_bytes});
  // What was accepted so far goes out with every ending, complete or not.
  auto finish = [&]() -> WalkResult {
    out.bytes = rules.bytes();
    out.varbinds = std::move(rules.mutable_varbinds());
    return std::move(out);
  };
  auto fail = [&]() -> WalkResult {
    switch (rules.failure()) {
      case WalkRules::Failure::kOidNotIncreasing:
        stop(WalkEnd::kOidNotIncreasing, DataLossError(rules.error()));
        break;
      case WalkRules::Failure::kMaxObjects:
        stop(WalkEnd::kMaxObjects, ResourceExhaustedError(rules.error()));
        break;
      case WalkRules::Failure::kMaxBytes:
        stop(WalkEnd::kMaxBytes, ResourceExhaustedError(rules.error()));
        break;
      default:
        stop(WalkEnd::kProtocol, DataLossError(rules.error()));
        break;
    }
    return finish();
  };
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::microseconds>(deadline - Clock::now());
    if (left.count() <= 0) {
      stop(WalkEnd::kDeadline,
           DeadlineExceededError(fmt::format("walk deadline of {} ms passed after {} objects",
                                             limits.deadline.count(), rules.varbinds().size())));
      return finish();
    }
    // Every try of this request must fit in what is left of the deadline.
    long per_try = static_cast<long>(left.count()) / (retries_ + 1);
    session->timeout = std::clamp(per_try, 1000L, timeout_us_);
    Response r = GetBulk(rules.cursor(), max_repetitions);
    session->timeout = timeout_us_;
    if (r.timeout) {
      if (Clock::now() >= deadline) continue;  // reported as the deadline above
      stop(WalkEnd::kNoAnswer, UnavailableError(fmt::format("no answer after {} objects ({})",
                                                            rules.varbinds().size(), r.error)));
      return finish();
    }
    if (r.error_status != 0) {
      stop(WalkEnd::kErrorStatus,
           UnavailableError(fmt::format("agent answered error-status {} ({}) after {} objects",
                                        r.error_status, snmp_errstring(r.error_status),
                                        rules.varbinds().size())));
      return finish();
    }
    switch (rules.Accept(std::move(r.varbinds))) {
      case WalkRules::Step::kContinue:
        break;
      case WalkRules::Step::kDone:
        return finish();
      case WalkRules::Step::kFailed:
        return fail();
    }
  }
}

}  // namespace periscope::snmp
