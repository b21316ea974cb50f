#include "core/snmp/sync_client.h"

#include <cstring>
#include <mutex>
#include <sstream>

// clang-format off
#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
// clang-format on

#include "core/snmp/netsnmp_env.h"

namespace periscope::snmp {

std::string OidToString(const Oid& oid) {
  std::string out;
  for (size_t i = 0; i < oid.size(); ++i) {
    if (i > 0) out += '.';
    out += std::to_string(oid[i]);
  }
  return out;
}

Oid ParseOid(const std::string& dotted) {
  Oid out;
  std::stringstream ss(dotted);
  std::string part;
  while (std::getline(ss, part, '.')) {
    if (!part.empty()) out.push_back(static_cast<uint32_t>(std::stoul(part)));
  }
  return out;
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
      out.unsigned_value = (static_cast<uint64_t>(v->val.counter64->high & 0xffffffffUL) << 32) |
                           (v->val.counter64->low & 0xffffffffUL);
      break;
    case ASN_OBJECT_ID:
    case ASN_IPADDRESS:
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

std::unique_ptr<SnmpClient> SnmpClient::Open(const std::string& peer, const Credentials& creds,
                                             int timeout_ms, int retries) {
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
      return nullptr;
    }
    s.securityPrivProto = usmAESPrivProtocol;
    s.securityPrivProtoLen = OID_LENGTH(usmAESPrivProtocol);
    s.securityPrivKeyLen = USM_PRIV_KU_LEN;
    if (generate_Ku(s.securityAuthProto, static_cast<u_int>(s.securityAuthProtoLen),
                    reinterpret_cast<const u_char*>(creds.priv_pass.c_str()),
                    creds.priv_pass.size(), s.securityPrivKey,
                    &s.securityPrivKeyLen) != SNMPERR_SUCCESS) {
      return nullptr;
    }
  }
  void* handle = snmp_sess_open(&s);
  if (handle == nullptr) return nullptr;
  std::unique_ptr<SnmpClient> client(new SnmpClient());
  client->session_ = handle;
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

std::vector<VarBind> SnmpClient::BulkWalk(const Oid& root, int max_repetitions, bool* ok) {
  std::vector<VarBind> out;
  Oid cursor = root;
  *ok = true;
  while (true) {
    Response r = GetBulk(cursor, max_repetitions);
    if (r.timeout || r.error_status != 0) {
      *ok = false;
      return out;
    }
    if (r.varbinds.empty()) return out;
    for (VarBind& vb : r.varbinds) {
      if (!OidStartsWith(vb.oid, root) || vb.type == ValueType::kEndOfMibView ||
          vb.type == ValueType::kNoSuchObject || vb.type == ValueType::kNoSuchInstance) {
        return out;
      }
      if (!(cursor < vb.oid)) {  // lexicographic compare of sub-identifiers
        *ok = false;
        return out;
      }
      cursor = vb.oid;
      out.push_back(std::move(vb));
    }
  }
}

}  // namespace periscope::snmp
