// What the poller walks for each kind of peripheral: only the columns its
// decoder reads, from the standard MIBs (SNMPv2-MIB, HOST-RESOURCES-MIB,
// ENTITY-MIB, Printer-MIB (RFC 3805), IF-MIB). Columns of one table are one
// group (walked side by side); scalars are walked as one-object columns.
#ifndef PERISCOPE_POLLER_PERIPHERAL_PLAN_H_
#define PERISCOPE_POLLER_PERIPHERAL_PLAN_H_

#include "core/snmp/sync_client.h"
#include "poller/walk.h"
#include "store/metrics.h"

namespace periscope::poller {

namespace oids {
// SNMPv2-MIB system group (scalars, instance .0).
inline const snmp::Oid kSysDescr = {1, 3, 6, 1, 2, 1, 1, 1};
inline const snmp::Oid kSysUpTime = {1, 3, 6, 1, 2, 1, 1, 3};
// HOST-RESOURCES-MIB.
inline const snmp::Oid kHrStorageEntry = {1, 3, 6, 1, 2, 1, 25, 2, 3, 1};  // .2 .. .6
inline const snmp::Oid kHrStorageTypes = {1, 3, 6, 1, 2, 1, 25, 2, 1};     // .2 ram, .4 fixedDisk
inline const snmp::Oid kHrDeviceEntry = {1, 3, 6, 1, 2, 1, 25, 3, 2, 1};   // .3 hrDeviceDescr
inline const snmp::Oid kHrProcessorLoad = {1, 3, 6, 1, 2, 1, 25, 3, 3, 1, 2};
// ENTITY-MIB entPhysicalEntry: .5 class, .9 firmwareRev, .10 softwareRev,
// .11 serialNum, .13 modelName.
inline const snmp::Oid kEntPhysicalEntry = {1, 3, 6, 1, 2, 1, 47, 1, 1, 1, 1};
// Printer-MIB (mib-2 43).
inline const snmp::Oid kPrtGeneralSerialNumber = {1, 3, 6, 1, 2, 1, 43, 5, 1, 1, 17};
inline const snmp::Oid kPrtInputEntry = {1, 3, 6, 1, 2, 1, 43, 8, 2, 1};
inline const snmp::Oid kPrtMarkerEntry = {1, 3, 6, 1, 2, 1, 43, 10, 2, 1};
inline const snmp::Oid kPrtMarkerSuppliesEntry = {1, 3, 6, 1, 2, 1, 43, 11, 1, 1};
inline const snmp::Oid kPrtAlertEntry = {1, 3, 6, 1, 2, 1, 43, 18, 1, 1};
// IF-MIB ifEntry (.2 ifDescr, .5 ifSpeed, .10 ifInOctets, .16 ifOutOctets)
// and ifXEntry (.1 ifName, .6 ifHCInOctets, .10 ifHCOutOctets, .15
// ifHighSpeed).
inline const snmp::Oid kIfEntry = {1, 3, 6, 1, 2, 1, 2, 2, 1};
inline const snmp::Oid kIfXEntry = {1, 3, 6, 1, 2, 1, 31, 1, 1, 1};
}  // namespace oids

// The walk plan of a kind. kPeriscope has an empty plan: it walks
// PERISCOPE-MIB as one subtree (Engine::Run's root).
const WalkPlan& PeripheralPlan(store::DeviceKind kind);

}  // namespace periscope::poller

#endif  // PERISCOPE_POLLER_PERIPHERAL_PLAN_H_
