// PERISCOPE-MIB varbinds -> store records (pure).
#ifndef PERISCOPE_POLLER_DECODE_H_
#define PERISCOPE_POLLER_DECODE_H_

#include <vector>

#include "core/snmp/sync_client.h"
#include "core/status.h"
#include "store/poll_writer.h"

namespace periscope::poller {

// Groups a walk of the periscope subtree into one record per device. Device
// rows without a serial-number column are a protocol error (the identity is
// target + index + serial). Strings are truncated to 255 bytes and must be
// UTF-8 (invalid bytes are replaced); counters beyond 2^63-1 saturate.
Result<std::vector<store::DeviceRecord>> DecodeDevices(const std::vector<snmp::VarBind>& varbinds);

}  // namespace periscope::poller

#endif  // PERISCOPE_POLLER_DECODE_H_
