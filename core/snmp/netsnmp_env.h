// Net-SNMP library set-up shared by periscope programs.
//
// Net-SNMP is not thread-safe (SNMPv3 especially, in 5.9.3): every function in
// this folder, and every Net-SNMP call, must run on one thread per process.
#ifndef PERISCOPE_CORE_SNMP_NETSNMP_ENV_H_
#define PERISCOPE_CORE_SNMP_NETSNMP_ENV_H_

#include <string>

namespace periscope::snmp {

// Prepares the library before init_snmp()/init_agent(): no MIB files are parsed
// (periscope never needs MIB text at run time and Debian ships none of the
// IETF modules), no snmp.conf/persistent files are read or written, and
// Net-SNMP's own log goes to stderr (`to_stderr`) or syslog under `ident`.
void PrepareLibrary(const std::string& ident, bool to_stderr);

}  // namespace periscope::snmp

#endif  // PERISCOPE_CORE_SNMP_NETSNMP_ENV_H_
