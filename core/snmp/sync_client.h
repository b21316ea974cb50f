// A small synchronous SNMP client (Net-SNMP's single-session API) for command
// line tools, tests and benchmarks. Not for the poller, which needs the
// asynchronous API. Not thread-safe: one thread per process uses Net-SNMP.
#ifndef PERISCOPE_CORE_SNMP_SYNC_CLIENT_H_
#define PERISCOPE_CORE_SNMP_SYNC_CLIENT_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

struct variable_list;  // netsnmp_variable_list

namespace periscope::snmp {

using Oid = std::vector<uint32_t>;

std::string OidToString(const Oid& oid);  // "1.3.6.1..."
Oid ParseOid(const std::string& dotted);
bool OidStartsWith(const Oid& oid, const Oid& prefix);

// Value types as on the wire (BER tags).
enum class ValueType : int {
  kInteger = 0x02,
  kOctets = 0x04,
  kObjectId = 0x06,
  kCounter32 = 0x41,
  kGauge32 = 0x42,  // also Unsigned32
  kTimeTicks = 0x43,
  kCounter64 = 0x46,
  kNoSuchObject = 0x80,
  kNoSuchInstance = 0x81,
  kEndOfMibView = 0x82,
  kOther = -1,
};

struct VarBind {
  Oid oid;
  ValueType type = ValueType::kOther;
  std::string octets;           // kOctets
  int64_t integer = 0;          // kInteger
  uint64_t unsigned_value = 0;  // counters, gauges, timeticks
};

// Copies a Net-SNMP varbind into a VarBind (32-bit values masked, Counter64
// joined, unknown types as kOther).
VarBind VarBindFrom(const variable_list* v);

struct Credentials {
  std::string community;  // non-empty: SNMPv2c
  std::string user;       // SNMPv3 authPriv, SHA-256 + AES-128
  std::string auth_pass;
  std::string priv_pass;
};

struct Response {
  bool timeout = false;
  int error_status = 0;  // SNMP error-status (0 = noError)
  int error_index = 0;
  std::vector<VarBind> varbinds;
};

class SnmpClient {
 public:
  // Opens a session to `peer` ("udp:127.0.0.1:161", "host:port"); nullptr
  // when the peer cannot be resolved or the keys cannot be derived.
  static std::unique_ptr<SnmpClient> Open(const std::string& peer, const Credentials& creds,
                                          int timeout_ms = 1000, int retries = 1);
  ~SnmpClient();

  Response Get(const std::vector<Oid>& oids);
  Response GetNext(const std::vector<Oid>& oids);
  Response GetBulk(const Oid& oid, int max_repetitions);
  // type: 's' string, 'u' unsigned, 'i' integer (as snmpset's type letters).
  Response Set(const Oid& oid, char type, const std::string& value);
  // GETBULK walk of `root`; `ok` false on timeout/error or non-increasing OIDs.
  std::vector<VarBind> BulkWalk(const Oid& root, int max_repetitions, bool* ok);

 private:
  SnmpClient() = default;
  Response Send(void* pdu);
  void* session_ = nullptr;
};

}  // namespace periscope::snmp

#endif  // PERISCOPE_CORE_SNMP_SYNC_CLIENT_H_
