// PERISCOPE-MIB varbinds -> store records (pure).
//
// The MIB is the contract: every column is checked against its SMI type and
// range before use. A value of the wrong type (an INTEGER where a string is
// expected, NULL, IpAddress, OBJECT IDENTIFIER...), out of range (an unknown
// enumeration, a string longer than its SIZE, an impossible DateAndTime) or a
// daily row whose index is not a real date or lies after the poller's
// tomorrow is treated as missing and reported as a warning naming the device
// index, the column and what arrived. Nothing invalid is ever stored.
#ifndef PERISCOPE_POLLER_DECODE_H_
#define PERISCOPE_POLLER_DECODE_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/snmp/sync_client.h"
#include "core/status.h"
#include "store/poll_writer.h"

namespace periscope::poller {

struct DecodeOptions {
  // Daily rows dated after this YYYYMMDD (the poller's local tomorrow, which
  // leaves room for agents east of the poller) are refused.
  int64_t latest_date = 99991231;
  // More devices than this in one walk fails the target (class limit) and
  // stores nothing: an agent inventing serials cannot grow the store.
  size_t max_devices = 256;
  // Warnings kept per target; past it one summary warning counts the rest.
  size_t max_warnings = 100;
};

struct DecodedTarget {
  std::vector<store::DeviceRecord> devices;
  std::vector<store::PollWarning> warnings;
};

// Groups a walk of the periscope subtree into one record per device. A device
// row whose serial number is missing, empty or invalid is left out with a
// warning (it never becomes a new identity). A record's spec is set only when
// every spec column arrived valid. Strings are SnmpAdminString: UTF-8 of at
// most 255 bytes, cleaned by CleanText(s, '?') (core/strings.h): control
// characters (tab included) become '?', and so does every non-ASCII byte of a
// value that is not valid UTF-8.
// Errors: ResourceExhausted when the walk has more than max_devices devices.
Result<DecodedTarget> DecodeDevices(const std::vector<snmp::VarBind>& varbinds,
                                    const DecodeOptions& options = {});

}  // namespace periscope::poller

#endif  // PERISCOPE_POLLER_DECODE_H_
