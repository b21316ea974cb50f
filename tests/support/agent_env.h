// A private snmpd (AgentX master) and periscope-subagent for integration tests
// and benchmarks: everything in one temp dir, UDP on 127.0.0.1 at a free port.
#ifndef PERISCOPE_TESTS_SUPPORT_AGENT_ENV_H_
#define PERISCOPE_TESTS_SUPPORT_AGENT_ENV_H_

#include <memory>
#include <string>

#include "core/snmp/sync_client.h"
#include "tests/support/process.h"

namespace periscope::testing {

using snmp::Credentials;
using snmp::Oid;
using snmp::OidToString;
using snmp::ParseOid;
using snmp::Response;
using snmp::SnmpClient;
using snmp::ValueType;
using snmp::VarBind;

inline constexpr char kRoCommunity[] = "public";
inline constexpr char kRwCommunity[] = "private";
inline constexpr char kV3User[] = "periscope";
inline constexpr char kV3AuthPass[] = "authpass256x";
inline constexpr char kV3PrivPass[] = "privpass256x";
// A second SNMPv3 user with SHA-512 and AES-256 (same pass phrases).
inline constexpr char kV3StrongUser[] = "periscope512";

// snmpd running from `dir` with its own conf and persistent directory. The
// engine ID persists across restarts (no -C), as on a real host. It listens on
// 127.0.0.1 through 127.0.0.5, one port, so tests can address it as several
// poll targets.
class Snmpd {
 public:
  // trap_port > 0 adds "trap2sink udp:127.0.0.1:<trap_port> public";
  // `agentx_perms` is the agentXPerms line's arguments.
  Snmpd(const TempDir& dir, int trap_port = 0, const std::string& agentx_perms = "0660 0770");
  ~Snmpd();
  // Starts snmpd and waits until it answers sysUpTime.0 over v2c.
  bool Start();
  // SIGTERM (or SIGKILL) and reap.
  void Stop(bool kill9 = false);
  bool running() const { return process_ != nullptr; }
  int port() const { return port_; }
  std::string peer() const { return "udp:127.0.0.1:" + std::to_string(port_); }
  const std::string& agentx_socket() const { return agentx_socket_; }
  std::string Log() const;

 private:
  const TempDir& dir_;
  int port_;
  std::string agentx_socket_;
  std::unique_ptr<Process> process_;
};

// Builds a subagent config. `devices_xml` is the <device> elements.
std::string SubagentConfigXml(const std::string& agentx_socket, const std::string& state_file,
                              int sampling_interval_s, int ping_interval_s,
                              const std::string& devices_xml, int threshold_pct = 90);

// periscope-subagent -f -c <config>.
class Subagent {
 public:
  // `run_as` (a numeric id such as "65534"), when set, starts the subagent
  // through setpriv with that uid and gid and no supplementary groups.
  Subagent(const TempDir& dir, std::string config_path, std::string run_as = "");
  ~Subagent();
  void Start();
  int Stop(bool kill9 = false);
  pid_t pid() const { return process_ ? process_->pid() : -1; }
  bool Running() { return process_ && process_->Running(); }
  std::string Log() const;

 private:
  const TempDir& dir_;
  std::string config_path_;
  std::string run_as_;
  std::unique_ptr<Process> process_;
};

std::string SubagentBinary();

Credentials V2cCredentials(const std::string& community = kRoCommunity);
Credentials V3Credentials();

}  // namespace periscope::testing

#endif  // PERISCOPE_TESTS_SUPPORT_AGENT_ENV_H_
