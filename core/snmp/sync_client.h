// A small synchronous SNMP client (Net-SNMP's single-session API) for command
// line tools, tests and benchmarks. Not for the poller, which needs the
// asynchronous API. Not thread-safe: one thread per process uses Net-SNMP.
#ifndef PERISCOPE_CORE_SNMP_SYNC_CLIENT_H_
#define PERISCOPE_CORE_SNMP_SYNC_CLIENT_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

struct variable_list;  // netsnmp_variable_list

namespace periscope::snmp {

using Oid = std::vector<uint32_t>;

// Net-SNMP's MAX_OID_LEN: no OID on the wire has more sub-identifiers.
inline constexpr size_t kMaxOidLength = 128;

std::string OidToString(const Oid& oid);  // "1.3.6.1..."

// Parses dotted decimal ("1.3.6.1.4.1", one leading '.' allowed, as Net-SNMP
// prints them). Never throws. InvalidArgument for empty input, an empty
// sub-identifier ("1..3", "1.3."), anything but ASCII digits and dots, a
// sub-identifier above 4294967295 or more than kMaxOidLength of them; the
// message quotes the (truncated) input.
Result<Oid> ParseOid(std::string_view dotted);
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
// joined, an IpAddress's octets in `octets`, unknown types as kOther).
VarBind VarBindFrom(const variable_list* v);

// "What arrived", for warnings about a refused value: the wire type and a
// bounded, printable value ("INTEGER 5", "OCTET STRING of 3 bytes (0x616263)",
// "NULL", "IpAddress").
std::string DescribeValue(const VarBind& vb);

struct Credentials {
  std::string community;  // non-empty: SNMPv2c
  std::string user;       // SNMPv3 authPriv, SHA-256 + AES-128
  std::string auth_pass;
  std::string priv_pass;
};

struct Response {
  bool timeout = false;  // no usable reply (timeout, or an error such as an SNMPv3 report)
  std::string error;     // when `timeout`: Net-SNMP's reason, e.g. "Timeout"
  int error_status = 0;  // SNMP error-status (0 = noError)
  int error_index = 0;
  std::vector<VarBind> varbinds;
};

// Bounds of one BulkWalk: the caps of core/snmp/walk_rules.h (the poller's
// too) plus a deadline, so a looping or endless agent costs bounded memory and
// time.
struct WalkLimits {
  size_t max_objects = 20000;
  size_t max_bytes = 4 << 20;                 // sum over objects of the value's octets + 8
  std::chrono::milliseconds deadline{60000};  // wall time of the whole walk
};

// How a BulkWalk ended.
enum class WalkEnd {
  kComplete,          // left the subtree or endOfMibView: every object was received
  kMaxObjects,        // one more object than WalkLimits::max_objects was offered
  kMaxBytes,          // the next object would exceed WalkLimits::max_bytes
  kDeadline,          // WalkLimits::deadline passed
  kOidNotIncreasing,  // the agent returned an OID not after the previous one (looping agent)
  kProtocol,          // empty response, or an exception value inside a GETBULK response
  kNoAnswer,          // timeout or an error such as an SNMPv3 report
  kErrorStatus,       // the agent answered with a non-zero error-status
};
const char* WalkEndName(WalkEnd end);  // "complete", "max-objects", ...

struct WalkResult {
  // Every object accepted, in order; also when the walk stopped early.
  std::vector<VarBind> varbinds;
  size_t bytes = 0;  // as counted against WalkLimits::max_bytes
  WalkEnd end = WalkEnd::kComplete;
  // Ok when complete; otherwise why it stopped, e.g. "OID not increasing:
  // 1.3.6.1.2 after 1.3.6.1.2" (ResourceExhausted for the object and byte caps,
  // DeadlineExceeded, DataLoss for protocol violations, Unavailable for no answer
  // or an error-status).
  Status status;
  bool complete() const { return end == WalkEnd::kComplete; }
};

class SnmpClient {
 public:
  // Opens a session to `peer` ("udp:127.0.0.1:161", "host:port") without
  // contacting it (SNMPv3 discovers the agent's engine ID with the first
  // request). Errors: InvalidArgument for timeout_ms <= 0, retries < 0 or
  // SNMPv3 pass phrases from which no key can be derived (shorter than 8
  // characters); Unavailable when Net-SNMP cannot open the session (unknown
  // host, bad address), with its reason. Secrets never appear in messages.
  static Result<std::unique_ptr<SnmpClient>> Open(const std::string& peer, const Credentials& creds,
                                                  int timeout_ms = 1000, int retries = 1);
  ~SnmpClient();
  SnmpClient(const SnmpClient&) = delete;
  SnmpClient& operator=(const SnmpClient&) = delete;

  Response Get(const std::vector<Oid>& oids);
  Response GetNext(const std::vector<Oid>& oids);
  Response GetBulk(const Oid& oid, int max_repetitions);
  // type: 's' string, 'u' unsigned, 'i' integer (as snmpset's type letters).
  Response Set(const Oid& oid, char type, const std::string& value);
  // GETBULK walk of the subtree under `root`, with the poller's rules: it ends at the first object
  // outside the subtree or at endOfMibView, and stops early, keeping what it accepted, on a
  // non-increasing OID, a protocol violation, no answer, an error-status, or a bound of `limits`.
  // No request waits past the deadline: near it, the per-request timeout is shortened so that every
  // retry fits. max_repetitions < 1 stops at once (kProtocol, InvalidArgument).
  WalkResult BulkWalk(const Oid& root, int max_repetitions, const WalkLimits& limits = {});

 private:
  SnmpClient() = default;
  Response Send(void* pdu);
  void* session_ = nullptr;
  long timeout_us_ = 0;  // as opened; BulkWalk shortens it near its deadline
  int retries_ = 0;
};

}  // namespace periscope::snmp

#endif  // PERISCOPE_CORE_SNMP_SYNC_CLIENT_H_
