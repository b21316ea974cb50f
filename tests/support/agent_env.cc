#include "tests/support/agent_env.h"

#include <sys/stat.h>

#include <thread>

namespace periscope::testing {

Snmpd::Snmpd(const TempDir& dir, int trap_port, const std::string& agentx_perms)
    : dir_(dir), port_(FreeUdpPort()) {
  agentx_socket_ = dir.File("agentx.sock");
  ::mkdir(dir.File("snmpd-conf").c_str(), 0755);
  ::mkdir(dir.File("snmpd-persist").c_str(), 0700);
  WriteTextFile(dir.File("snmpd-conf/snmp.conf"), "mibs :\n");
  // 127.0.0.1 to 127.0.0.5 (all loopback): several poll targets, one snmpd.
  std::string addresses;
  for (int host = 1; host <= 5; ++host) {
    addresses += (host > 1 ? "," : "") + std::string("udp:127.0.0.") + std::to_string(host) + ":" +
                 std::to_string(port_);
  }
  std::string conf = "agentaddress " + addresses +
                     "\n"
                     "master agentx\n"
                     "agentXSocket unix:" +
                     agentx_socket_ +
                     "\n"
                     "agentXPerms " +
                     agentx_perms +
                     "\n"
                     "view all included .1\n"
                     "rocommunity " +
                     std::string(kRoCommunity) +
                     " 127.0.0.1 -V all\n"
                     "rwcommunity " +
                     std::string(kRwCommunity) +
                     " 127.0.0.1\n"
                     "createUser " +
                     std::string(kV3User) + " SHA-256 \"" + kV3AuthPass + "\" AES \"" +
                     kV3PrivPass +
                     "\"\n"
                     "rouser -s usm " +
                     std::string(kV3User) +
                     " priv -V all\n"
                     "createUser " +
                     std::string(kV3StrongUser) + " SHA-512 \"" + kV3AuthPass + "\" AES-256 \"" +
                     kV3PrivPass + "\"\n" + "rouser -s usm " + std::string(kV3StrongUser) +
                     " priv -V all\n" + "dontLogTCPWrappersConnects yes\n";
  if (trap_port > 0) {
    conf += "trap2sink udp:127.0.0.1:" + std::to_string(trap_port) + " public\n";
  }
  WriteTextFile(dir.File("snmpd-conf/snmpd.conf"), conf);
}

Snmpd::~Snmpd() { Stop(); }

bool Snmpd::Start() {
  std::string pidfile = dir_.File("snmpd.pid");
  process_ = std::make_unique<Process>(
      std::vector<std::string>{"/usr/sbin/snmpd", "-f", "-Lo", "-I", "-smux", "-p", pidfile},
      dir_.File("snmpd.log"),
      std::map<std::string, std::string>{
          {"SNMPCONFPATH", dir_.File("snmpd-conf") + ":" + dir_.File("snmpd-persist")},
          {"SNMP_PERSISTENT_DIR", dir_.File("snmpd-persist")},
          {"MIBS", ""}});
  auto client = SnmpClient::Open(peer(), V2cCredentials(), 200, 0);
  if (!client.ok()) return false;
  return WaitFor(
      [&] {
        Response r = (*client)->Get({Oid{1, 3, 6, 1, 2, 1, 1, 3, 0}});  // sysUpTime.0
        return !r.timeout && r.error_status == 0;
      },
      std::chrono::seconds(10));
}

void Snmpd::Stop(bool kill9) {
  if (!process_) return;
  process_->Stop(kill9 ? 9 : 15);
  process_.reset();
}

std::string Snmpd::Log() const { return ReadTextFile(dir_.File("snmpd.log")); }

std::string SubagentConfigXml(const std::string& agentx_socket, const std::string& state_file,
                              int sampling_interval_s, int ping_interval_s,
                              const std::string& devices_xml, int threshold_pct) {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
         "<periscope-subagent>\n"
         "  <agentx socket=\"" +
         agentx_socket + "\" ping-interval-s=\"" + std::to_string(ping_interval_s) +
         "\"/>\n"
         "  <sampling interval-s=\"" +
         std::to_string(sampling_interval_s) + "\" state-file=\"" + state_file +
         "\"/>\n"
         "  <capacity-notification threshold-pct=\"" +
         std::to_string(threshold_pct) + "\" hysteresis-pct=\"" +
         std::to_string(threshold_pct > 5 ? 5 : 0) + "\"/>\n" + devices_xml +
         "</periscope-subagent>\n";
}

std::string SubagentBinary() { return BinaryDir() + "/subagent/periscope-subagent"; }

Subagent::Subagent(const TempDir& dir, std::string config_path, std::string run_as)
    : dir_(dir), config_path_(std::move(config_path)), run_as_(std::move(run_as)) {}

Subagent::~Subagent() { Stop(); }

void Subagent::Start() {
  std::vector<std::string> argv;
  if (!run_as_.empty()) {
    argv = {"setpriv", "--reuid=" + run_as_, "--regid=" + run_as_, "--clear-groups", "--"};
  }
  for (const std::string& a :
       {SubagentBinary(), std::string("-f"), std::string("-c"), config_path_}) {
    argv.push_back(a);
  }
  process_ = std::make_unique<Process>(argv, dir_.File("subagent.log"));
}

int Subagent::Stop(bool kill9) {
  if (!process_) return 0;
  int rc = process_->Stop(kill9 ? 9 : 15);
  process_.reset();
  return rc;
}

std::string Subagent::Log() const { return ReadTextFile(dir_.File("subagent.log")); }

Credentials V2cCredentials(const std::string& community) {
  return Credentials{community, "", "", ""};
}

Credentials V3Credentials() { return Credentials{"", kV3User, kV3AuthPass, kV3PrivPass}; }

}  // namespace periscope::testing
