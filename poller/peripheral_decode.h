// Standard-MIB varbinds (a walk of PeripheralPlan(kind)) -> peripheral records
// (pure).
//
// Every column is checked against its SMI type: a value of another type
// (OCTET STRING where an INTEGER is expected, NULL, a Gauge32 for a
// Counter32...) is skipped with a warning naming the column and the index.
// Strings are cleaned by CleanText(s, '?') and bounded to 255 bytes.
//
// Printers (Printer-MIB, RFC 3805): one record per hrDeviceIndex that has
// Printer-MIB rows (prtGeneral, markers, inputs, supplies or alerts).
// - model: entPhysicalModelName (of the first chassis entity, else the first
//   entity with a model name), else hrDeviceDescr of that hrDeviceIndex, else
//   sysDescr; model_source names the column. No model at all: no spec.
// - serial: prtGeneralSerialNumber, else entPhysicalSerialNum, else the
//   substitute "target:<address>:<port>#<hrDeviceIndex>" with a warning.
// - pages (kLifeCount, instance = prtMarkerIndex): prtMarkerLifeCount of
//   markers counting impressions(7) or sheets(8) only; other units give no
//   reading (the unit is in the spec details).
// - supply_level_pct (instance = supply index): round(level * 100 / max) when
//   level >= 0 and max > 0. The negative levels (-1 other, -2 unknown, -3
//   "some remaining") and unknown maxima (-1, -2, 0) give no reading and no
//   warning (they are what the MIB allows); -3 is not noted anywhere, since
//   the details hold configuration, not levels. level > max: a warning, no
//   reading.
// - tray_level (instance = prtInputIndex): prtInputCurrentLevel when >= 0 and
//   not above a known maximum (above: a warning, no reading).
// - alerts: every prtAlertTable row, with names from the IANA-PRINTER-MIB TCs
//   (an unknown number is kept as its decimal string).
// Hosts (device_index 1): storage of type hrStorageRam, hrStorageFixedDisk and
// hrStorageFlashMemory (others such as virtual memory, removable disks and
// network disks are left out); used and size x allocation units in bytes;
// a size <= 0, used < 0, used > size or allocation units <= 0 gives a
// warning and no reading. Instance: hrStorageDescr ("hrStorage N" when empty;
// a descr already taken by a lower index gets "#<index>"). cpu_load_pct per
// processor (instance hrDeviceIndex, 0..100 else a warning) and "all", the
// rounded mean.
// Network (device_index 1): per interface (instance ifName, else ifDescr,
// else "ifIndex N"; a name already taken by a lower ifIndex gets "#N"),
// if_in_octets / if_out_octets as kCounter64 from ifHCIn/OutOctets, else
// kCounter32 from ifIn/OutOctets (per direction). capacity_per_s = speed in
// bit/s / 8, the speed being ifHighSpeed x 10^6 when > 0, else ifSpeed when
// > 0 and not 4294967295 (which means "at least": only ifHighSpeed can say);
// else unknown.
// Hosts and network equipment: serial from entPhysicalSerialNum of the
// chassis (class 3, else the first entity with a serial), else the substitute
// "target:<address>:<port>#1" with a warning; model from entPhysicalModelName
// (same entity rule), else sysDescr. Firmware everywhere: entPhysicalFirmwareRev,
// else entPhysicalSoftwareRev, else "".
#ifndef PERISCOPE_POLLER_PERIPHERAL_DECODE_H_
#define PERISCOPE_POLLER_PERIPHERAL_DECODE_H_

#include <cstddef>
#include <string>
#include <vector>

#include "core/snmp/sync_client.h"
#include "core/status.h"
#include "store/metrics.h"
#include "store/poll_writer.h"

namespace periscope::poller {

struct PeripheralDecodeOptions {
  // The target, for stable serial substitutes.
  std::string target_address;
  int target_port = 161;
  // More printers than this in one walk fails the target (ResourceExhausted)
  // and stores nothing.
  size_t max_devices = 256;
  // More storage areas, processors, interfaces, markers, trays, supplies or
  // alerts than this in one device fails the target likewise.
  size_t max_instances = 4096;
  // Warnings kept per target; past it one summary warning counts the rest.
  size_t max_warnings = 100;
};

struct DecodedPeripherals {
  std::vector<store::PeripheralRecord> devices;  // in device_index order
  std::vector<store::PollWarning> warnings;
};

// Errors: ResourceExhausted over the caps (the run's class "limit");
// NotFound for a printer walk without any Printer-MIB row (class
// "no-such-object", as an absent PERISCOPE-MIB subtree); InvalidArgument for
// kPeriscope (use DecodeDevices).
Result<DecodedPeripherals> DecodePeripherals(store::DeviceKind kind,
                                             const std::vector<snmp::VarBind>& varbinds,
                                             const PeripheralDecodeOptions& options);

}  // namespace periscope::poller

#endif  // PERISCOPE_POLLER_PERIPHERAL_DECODE_H_
