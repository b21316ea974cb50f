#include "core/snmp/netsnmp_env.h"

#include <cstdlib>

// clang-format off
#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
// clang-format on

namespace periscope::snmp {

void PrepareLibrary(const std::string& ident, bool to_stderr) {
  // An empty MIBS list loads no MIB modules: no "Cannot find module" noise.
  setenv("MIBS", "", 1);
  netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_LOAD, 1);
  netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_SAVE, 1);
  // Also skips reading <app>.conf and snmp.conf: periscope is configured by XML only.
  netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_PERSIST_STATE, 1);
  netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_CONFIG_LOAD, 1);
  snmp_disable_log();
  if (to_stderr) {
    snmp_enable_stderrlog();
  } else {
    snmp_enable_syslog_ident(ident.c_str(), LOG_DAEMON);
  }
}

}  // namespace periscope::snmp
