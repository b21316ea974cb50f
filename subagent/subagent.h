// The subagent process: AgentX session, sampler thread, main loop.
#ifndef PERISCOPE_SUBAGENT_SUBAGENT_H_
#define PERISCOPE_SUBAGENT_SUBAGENT_H_

#include <string>

#include "core/status.h"
#include "subagent/config.h"

namespace periscope::subagent {

inline constexpr char kSubagentName[] = "periscope-subagent";

struct RunOptions {
  bool foreground = false;  // log to stderr; otherwise syslog
};

// Runs until SIGTERM/SIGINT. Net-SNMP calls stay on the calling thread; disk
// sampling runs on a second thread that never calls Net-SNMP. Returns an error
// only when start-up fails (AgentX registration), never because snmpd is
// absent: the subagent then keeps retrying every ping interval.
Status RunSubagent(const SubagentConfig& config, const RunOptions& options);

}  // namespace periscope::subagent

#endif  // PERISCOPE_SUBAGENT_SUBAGENT_H_
