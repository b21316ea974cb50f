#include "subagent/notifier.h"

#include <fmt/format.h>

// clang-format off
#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <net-snmp/agent/net-snmp-agent-includes.h>
#include <net-snmp/agent/agent_callbacks.h>
// clang-format on

#include "core/log.h"
#include "core/snmp/values.h"
#include "mib/periscope_oids.h"

namespace periscope::subagent {
namespace {

// AgentX Notify-PDU type (RFC 2741 section 6.1, h.type 12). Net-SNMP's
// agentx/protocol.h, which defines AGENTX_MSG_NOTIFY, is not installed.
constexpr int kAgentxMsgNotify = 12;

// A Notify unanswered for this long is considered lost and sent again. The
// library's own timeout (agentx timeout x retries) normally reports it first.
constexpr auto kInFlightLimit = std::chrono::seconds(60);

const oid kSysUpTime[] = {1, 3, 6, 1, 2, 1, 1, 3, 0};
const oid kSnmpTrapOid[] = {1, 3, 6, 1, 6, 3, 1, 1, 4, 1, 0};

std::vector<oid> ToOid(const mib::OidVector& v) { return std::vector<oid>(v.begin(), v.end()); }

std::string Describe(const SubagentConfig& config, const DeviceSnapshot& s) {
  return fmt::format("device {}: used {} of {} bytes crossed {}%", s.config->index, s.used_bytes,
                     s.capacity_bytes, config.capacity_threshold_pct);
}

}  // namespace

Notifier::Notifier(const SubagentConfig& config, Sampler* sampler, const MibTables* tables,
                   std::function<void()> on_delivered)
    : config_(config), sampler_(sampler), tables_(tables), on_delivered_(std::move(on_delivered)) {
  snmp_register_callback(SNMP_CALLBACK_APPLICATION, SNMPD_CALLBACK_INDEX_START, &OnSessionStart,
                         this);
  snmp_register_callback(SNMP_CALLBACK_APPLICATION, SNMPD_CALLBACK_INDEX_STOP, &OnSessionStop,
                         this);
  attached_ = true;
}

void Notifier::Detach() {
  if (!attached_) return;
  attached_ = false;
  session_ = nullptr;
  snmp_unregister_callback(SNMP_CALLBACK_APPLICATION, SNMPD_CALLBACK_INDEX_START, &OnSessionStart,
                           this, 1);
  snmp_unregister_callback(SNMP_CALLBACK_APPLICATION, SNMPD_CALLBACK_INDEX_STOP, &OnSessionStop,
                           this, 1);
}

int Notifier::OnSessionStart(int /*major*/, int /*minor*/, void* server_arg,
                             void* client_arg) noexcept {
  auto* self = static_cast<Notifier*>(client_arg);
  self->session_ = static_cast<snmp_session*>(server_arg);
  self->in_flight_.clear();  // anything sent on an earlier session is sent again
  self->Flush();
  return 0;
}

int Notifier::OnSessionStop(int /*major*/, int /*minor*/, void* /*server_arg*/,
                            void* client_arg) noexcept {
  auto* self = static_cast<Notifier*>(client_arg);
  self->session_ = nullptr;
  self->in_flight_.clear();  // their answers can no longer come; still pending
  return 0;
}

int Notifier::OnResponse(int op, snmp_session* /*session*/, int reqid, snmp_pdu* pdu,
                         void* magic) noexcept {
  static_cast<Notifier*>(magic)->HandleResponse(op, reqid, pdu);
  return 1;
}

void Notifier::HandleResponse(int op, int reqid, const snmp_pdu* pdu) {
  if (op == NETSNMP_CALLBACK_OP_RESEND) return;  // a retransmission, not an outcome
  auto it = in_flight_.find(reqid);
  if (it == in_flight_.end()) return;  // from a session since lost
  PendingNotification p = it->second.notification;
  in_flight_.erase(it);
  const SampleSet& set = tables_->current();
  if (p.device >= set.devices.size()) return;
  const DeviceSnapshot& s = set.devices[p.device];
  if (op != NETSNMP_CALLBACK_OP_RECEIVED_MESSAGE || pdu == nullptr) {
    LogWarning(fmt::format("{}: notification not confirmed by snmpd; pending, sent again later",
                           Describe(config_, s)));
    return;
  }
  if (pdu->errstat != 0) {
    if (logged_refused_.insert(p.generation).second) {
      LogWarning(fmt::format("{}: snmpd refused the notification (AgentX error {}); pending",
                             Describe(config_, s), pdu->errstat));
    }
    return;
  }
  if (sampler_->AcknowledgeNotification(p)) {
    LogInfo(fmt::format("{}: notification sent", Describe(config_, s)));
    logged_pending_.erase(p.generation);
    logged_refused_.erase(p.generation);
    if (on_delivered_) on_delivered_();
  }
}

void Notifier::Flush() {
  const SampleSet& set = tables_->current();
  auto now = std::chrono::steady_clock::now();
  for (auto it = in_flight_.begin(); it != in_flight_.end();) {
    it = now - it->second.sent_at > kInFlightLimit ? in_flight_.erase(it) : std::next(it);
  }
  for (const PendingNotification& p : sampler_->PendingNotifications()) {
    if (p.device >= set.devices.size()) continue;
    const DeviceSnapshot& s = set.devices[p.device];
    if (!s.sampled_at) continue;  // not sampled since start: no current figures yet
    bool in_flight = false;
    for (const auto& [reqid, f] : in_flight_) {
      if (f.notification == p) in_flight = true;
    }
    if (in_flight) continue;
    if (session_ == nullptr) {
      if (logged_pending_.insert(p.generation).second) {
        LogInfo(fmt::format("{}: notification pending (no AgentX session to snmpd)",
                            Describe(config_, s)));
      }
      continue;
    }
    Send(p, s);
  }
}

void Notifier::Send(const PendingNotification& p, const DeviceSnapshot& s) {
  netsnmp_pdu* pdu = snmp_pdu_create(kAgentxMsgNotify);
  if (pdu == nullptr) return;
  // As Net-SNMP's own send_trap_to_sess does for an AgentX trap session:
  // sysUpTime.0 and snmpTrapOID.0 first, the session's version and id.
  u_long uptime = netsnmp_get_agent_uptime();
  snmp_varlist_add_variable(&pdu->variables, kSysUpTime, OID_LENGTH(kSysUpTime), ASN_TIMETICKS,
                            &uptime, sizeof uptime);
  std::vector<oid> trap_oid =
      ToOid(mib::Oid({mib::kNotifications, mib::kNotifyCapacityThresholdCrossed}));
  snmp_varlist_add_variable(&pdu->variables, kSnmpTrapOid, OID_LENGTH(kSnmpTrapOid), ASN_OBJECT_ID,
                            trap_oid.data(), trap_oid.size() * sizeof(oid));
  auto column = [&](uint32_t col) {
    return ToOid(mib::Oid({mib::kObjects, mib::kDeviceTable, mib::kEntry, col, s.config->index}));
  };
  std::vector<oid> user = column(mib::kDeviceUserId);
  snmp_varlist_add_variable(&pdu->variables, user.data(), user.size(), ASN_OCTET_STR,
                            s.config->user_id.data(), s.config->user_id.size());
  auto add_c64 = [&](uint32_t col, uint64_t v) {
    std::vector<oid> o = column(col);
    counter64 c = snmp::PackCounter64(v);
    snmp_varlist_add_variable(&pdu->variables, o.data(), o.size(), ASN_COUNTER64, &c, sizeof c);
  };
  add_c64(mib::kDeviceCapacityBytes, s.capacity_bytes);
  add_c64(mib::kDeviceUsedBytes, s.used_bytes);
  std::vector<oid> pct =
      ToOid(mib::Oid({mib::kObjects, mib::kAgentGroup, mib::kAgentCapacityThresholdPct, 0}));
  u_long pct_value = config_.capacity_threshold_pct;
  snmp_varlist_add_variable(&pdu->variables, pct.data(), pct.size(), ASN_UNSIGNED, &pct_value,
                            sizeof pct_value);
  pdu->version = session_->version;
  pdu->sessid = session_->sessid;
  pdu->reqid = snmp_get_next_reqid();
  pdu->msgid = snmp_get_next_msgid();
  int reqid = static_cast<int>(pdu->reqid);
  if (snmp_async_send(session_, pdu, &OnResponse, this) == 0) {
    snmp_free_pdu(pdu);
    if (logged_pending_.insert(p.generation).second) {
      LogInfo(
          fmt::format("{}: notification pending (sending to snmpd failed)", Describe(config_, s)));
    }
    return;
  }
  in_flight_[reqid] = InFlight{p, std::chrono::steady_clock::now()};
}

}  // namespace periscope::subagent
