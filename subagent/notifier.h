// Delivery of periscopeCapacityThresholdCrossed to the AgentX master.
//
// A notification raised by the Sampler stays pending there (and in the state
// file) until the master has answered its AgentX Notify-PDU with a Response
// carrying no error; only then is it acknowledged, logged as sent, and a state
// save requested so it is never sent again. Without a session (snmpd down,
// restarting, or started later) nothing is sent and the log says the
// notification is pending; it goes out when the session opens. A Notify lost
// with its session (timeout, disconnect) is sent again on the next session.
//
// The session is followed through the SNMPD_CALLBACK_INDEX_START/STOP
// application callbacks, which Net-SNMP 5.9.3's AgentX subagent calls when the
// session to the master opens and when it is lost (disconnect or failed ping).
// send_v2trap() is not used: it drops a notification silently when there is
// no session and reports no delivery.
//
// Owned and called on the SNMP thread only; callbacks never throw.
#ifndef PERISCOPE_SUBAGENT_NOTIFIER_H_
#define PERISCOPE_SUBAGENT_NOTIFIER_H_

#include <chrono>
#include <functional>
#include <map>
#include <set>

#include "subagent/config.h"
#include "subagent/mib_tables.h"
#include "subagent/sampler.h"

struct snmp_session;
struct snmp_pdu;

namespace periscope::subagent {

class Notifier {
 public:
  // `config`, `sampler` and `tables` must outlive the Notifier;
  // `on_delivered` runs after a notification was acknowledged (it should get
  // the state file saved soon). Registers the session callbacks: construct it
  // before init_snmp() so the first session is seen. Call Detach() before
  // snmp_shutdown() (which frees every registered callback's argument) and
  // destroy it only after, as snmp_shutdown() may still report requests in
  // flight.
  Notifier(const SubagentConfig& config, Sampler* sampler, const MibTables* tables,
           std::function<void()> on_delivered);
  ~Notifier() { Detach(); }

  // Unregisters the session callbacks. Idempotent.
  void Detach();
  Notifier(const Notifier&) = delete;
  Notifier& operator=(const Notifier&) = delete;

  // Sends every pending notification that is not already awaiting the
  // master's answer, if there is a session and the device has been sampled
  // since start (the figures it carries are the current ones).
  void Flush();

  // Callbacks registered with Net-SNMP (C linkage not required: called
  // through function pointers).
  static int OnSessionStart(int major, int minor, void* server_arg, void* client_arg) noexcept;
  static int OnSessionStop(int major, int minor, void* server_arg, void* client_arg) noexcept;
  static int OnResponse(int op, snmp_session* session, int reqid, snmp_pdu* pdu,
                        void* magic) noexcept;

 private:
  struct InFlight {
    PendingNotification notification;
    std::chrono::steady_clock::time_point sent_at;
  };
  void Send(const PendingNotification& p, const DeviceSnapshot& device);
  void HandleResponse(int op, int reqid, const snmp_pdu* pdu);

  const SubagentConfig& config_;
  Sampler* sampler_;
  const MibTables* tables_;
  std::function<void()> on_delivered_;
  bool attached_ = false;
  snmp_session* session_ = nullptr;    // the open AgentX session, if any
  std::map<int, InFlight> in_flight_;  // by request id
  std::set<uint64_t> logged_pending_;  // generations already logged as pending
  std::set<uint64_t> logged_refused_;  // generations the master refused (logged once)
};

}  // namespace periscope::subagent

#endif  // PERISCOPE_SUBAGENT_NOTIFIER_H_
