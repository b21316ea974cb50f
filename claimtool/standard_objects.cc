#include "claimtool/standard_objects.h"

#include <algorithm>
#include <cstdint>
#include <utility>

namespace periscope::claimtool {
namespace {

constexpr ValueType kNum = ValueType::kNumber;
constexpr ValueType kText = ValueType::kText;

StandardObject Scalar(std::string_view name, std::string_view module, snmp::Oid oid,
                      ValueType type) {
  return StandardObject{name, module, std::move(oid), false, false, type};
}

StandardObject Column(std::string_view name, std::string_view module, snmp::Oid oid,
                      ValueType type) {
  return StandardObject{name, module, std::move(oid), true, false, type};
}

// A column of a table whose INDEX starts with hrDeviceIndex.
StandardObject DeviceColumn(std::string_view name, std::string_view module, snmp::Oid oid,
                            ValueType type) {
  return StandardObject{name, module, std::move(oid), true, true, type};
}

// `entry` (a table's Entry, or a group) with `arc` appended.
snmp::Oid At(const snmp::Oid& entry, uint32_t arc) {
  snmp::Oid oid = entry;
  oid.push_back(arc);
  return oid;
}

std::vector<StandardObject> BuildTable() {
  // The parents of the objects below, from the modules' OBJECT-TYPE
  // definitions (mib-2 is 1.3.6.1.2.1).
  const snmp::Oid kSystem = {1, 3, 6, 1, 2, 1, 1};                       // system
  const snmp::Oid kIfEntry = {1, 3, 6, 1, 2, 1, 2, 2, 1};                // ifEntry
  const snmp::Oid kIpAddrEntry = {1, 3, 6, 1, 2, 1, 4, 20, 1};           // ipAddrEntry
  const snmp::Oid kDot3StatsEntry = {1, 3, 6, 1, 2, 1, 10, 7, 2, 1};     // dot3StatsEntry
  const snmp::Oid kHrStorageEntry = {1, 3, 6, 1, 2, 1, 25, 2, 3, 1};     // hrStorageEntry
  const snmp::Oid kHrDeviceEntry = {1, 3, 6, 1, 2, 1, 25, 3, 2, 1};      // hrDeviceEntry
  const snmp::Oid kHrProcessorEntry = {1, 3, 6, 1, 2, 1, 25, 3, 3, 1};   // hrProcessorEntry
  const snmp::Oid kIfXEntry = {1, 3, 6, 1, 2, 1, 31, 1, 1, 1};           // ifXEntry
  const snmp::Oid kPrtGeneralEntry = {1, 3, 6, 1, 2, 1, 43, 5, 1, 1};    // prtGeneralEntry
  const snmp::Oid kPrtInputEntry = {1, 3, 6, 1, 2, 1, 43, 8, 2, 1};      // prtInputEntry
  const snmp::Oid kPrtMarkerEntry = {1, 3, 6, 1, 2, 1, 43, 10, 2, 1};    // prtMarkerEntry
  const snmp::Oid kPrtSuppliesEntry = {1, 3, 6, 1, 2, 1, 43, 11, 1, 1};  // prtMarkerSuppliesEntry
  // prtConsoleDisplayBufferEntry
  const snmp::Oid kPrtConsoleEntry = {1, 3, 6, 1, 2, 1, 43, 16, 5, 1};
  const snmp::Oid kPrtAlertEntry = {1, 3, 6, 1, 2, 1, 43, 18, 1, 1};       // prtAlertEntry
  const snmp::Oid kEntPhysicalEntry = {1, 3, 6, 1, 2, 1, 47, 1, 1, 1, 1};  // entPhysicalEntry
  constexpr std::string_view kSnmpv2 = "SNMPv2-MIB";
  constexpr std::string_view kIf = "IF-MIB";
  constexpr std::string_view kIp = "IP-MIB";
  constexpr std::string_view kEther = "EtherLike-MIB";
  constexpr std::string_view kHr = "HOST-RESOURCES-MIB";
  constexpr std::string_view kPrt = "Printer-MIB";
  constexpr std::string_view kEnt = "ENTITY-MIB";
  // Sorted by name (FindStandardObject searches it; the test checks it).
  std::vector<StandardObject> t = {
      // EtherLike-MIB (RFC 3635): INTEGER { unknown(1), halfDuplex(2), fullDuplex(3) }.
      Column("dot3StatsDuplexStatus", kEther, At(kDot3StatsEntry, 19), kNum),
      // ENTITY-MIB (RFC 6933) entPhysicalTable, INDEX { entPhysicalIndex }.
      Column("entPhysicalFirmwareRev", kEnt, At(kEntPhysicalEntry, 9), kText),
      Column("entPhysicalModelName", kEnt, At(kEntPhysicalEntry, 13), kText),
      Column("entPhysicalSerialNum", kEnt, At(kEntPhysicalEntry, 11), kText),
      Column("entPhysicalSoftwareRev", kEnt, At(kEntPhysicalEntry, 10), kText),
      // HOST-RESOURCES-MIB (RFC 2790). hrDeviceTable and hrProcessorTable are
      // indexed by hrDeviceIndex; hrStorageTable by hrStorageIndex.
      DeviceColumn("hrDeviceDescr", kHr, At(kHrDeviceEntry, 3), kText),
      DeviceColumn("hrDeviceErrors", kHr, At(kHrDeviceEntry, 6), kNum),
      DeviceColumn("hrDeviceStatus", kHr, At(kHrDeviceEntry, 5), kNum),
      DeviceColumn("hrProcessorLoad", kHr, At(kHrProcessorEntry, 2), kNum),
      Column("hrStorageAllocationUnits", kHr, At(kHrStorageEntry, 4), kNum),
      Column("hrStorageDescr", kHr, At(kHrStorageEntry, 3), kText),
      Column("hrStorageSize", kHr, At(kHrStorageEntry, 5), kNum),
      Column("hrStorageUsed", kHr, At(kHrStorageEntry, 6), kNum),
      // IF-MIB (RFC 2863): ifTable, INDEX { ifIndex }; ifXTable AUGMENTS it.
      Column("ifAdminStatus", kIf, At(kIfEntry, 7), kNum),
      Column("ifAlias", kIf, At(kIfXEntry, 18), kText),
      Column("ifDescr", kIf, At(kIfEntry, 2), kText),
      Column("ifHCInOctets", kIf, At(kIfXEntry, 6), kNum),
      Column("ifHCOutOctets", kIf, At(kIfXEntry, 10), kNum),
      Column("ifHighSpeed", kIf, At(kIfXEntry, 15), kNum),
      Column("ifInDiscards", kIf, At(kIfEntry, 13), kNum),
      Column("ifInErrors", kIf, At(kIfEntry, 14), kNum),
      Column("ifInOctets", kIf, At(kIfEntry, 10), kNum),
      Column("ifMtu", kIf, At(kIfEntry, 4), kNum),
      Column("ifName", kIf, At(kIfXEntry, 1), kText),
      Column("ifOperStatus", kIf, At(kIfEntry, 8), kNum),
      Column("ifOutDiscards", kIf, At(kIfEntry, 19), kNum),
      Column("ifOutErrors", kIf, At(kIfEntry, 20), kNum),
      Column("ifOutOctets", kIf, At(kIfEntry, 16), kNum),
      Column("ifPhysAddress", kIf, At(kIfEntry, 6), kText),
      Column("ifSpeed", kIf, At(kIfEntry, 5), kNum),
      Column("ifType", kIf, At(kIfEntry, 3), kNum),
      // IP-MIB (RFC 4293, deprecated but still what printers answer):
      // ipAddrTable, INDEX { ipAdEntAddr }.
      Column("ipAdEntAddr", kIp, At(kIpAddrEntry, 1), kText),
      Column("ipAdEntIfIndex", kIp, At(kIpAddrEntry, 2), kNum),
      Column("ipAdEntNetMask", kIp, At(kIpAddrEntry, 3), kText),
      // Printer-MIB (RFC 3805): every table's INDEX starts with hrDeviceIndex.
      DeviceColumn("prtAlertCode", kPrt, At(kPrtAlertEntry, 7), kNum),
      DeviceColumn("prtAlertDescription", kPrt, At(kPrtAlertEntry, 8), kText),
      DeviceColumn("prtAlertGroup", kPrt, At(kPrtAlertEntry, 4), kNum),
      DeviceColumn("prtAlertSeverityLevel", kPrt, At(kPrtAlertEntry, 2), kNum),
      DeviceColumn("prtConsoleDisplayBufferText", kPrt, At(kPrtConsoleEntry, 2), kText),
      DeviceColumn("prtGeneralSerialNumber", kPrt, At(kPrtGeneralEntry, 17), kText),
      DeviceColumn("prtInputCurrentLevel", kPrt, At(kPrtInputEntry, 10), kNum),
      DeviceColumn("prtInputMaxCapacity", kPrt, At(kPrtInputEntry, 9), kNum),
      DeviceColumn("prtInputName", kPrt, At(kPrtInputEntry, 13), kText),
      DeviceColumn("prtMarkerLifeCount", kPrt, At(kPrtMarkerEntry, 4), kNum),
      DeviceColumn("prtMarkerPowerOnCount", kPrt, At(kPrtMarkerEntry, 5), kNum),
      DeviceColumn("prtMarkerSuppliesDescription", kPrt, At(kPrtSuppliesEntry, 6), kText),
      DeviceColumn("prtMarkerSuppliesLevel", kPrt, At(kPrtSuppliesEntry, 9), kNum),
      DeviceColumn("prtMarkerSuppliesMaxCapacity", kPrt, At(kPrtSuppliesEntry, 8), kNum),
      // SNMPv2-MIB (RFC 3418) system group scalars.
      Scalar("sysContact", kSnmpv2, At(kSystem, 4), kText),
      Scalar("sysDescr", kSnmpv2, At(kSystem, 1), kText),
      Scalar("sysLocation", kSnmpv2, At(kSystem, 6), kText),
      Scalar("sysName", kSnmpv2, At(kSystem, 5), kText),
      Scalar("sysObjectID", kSnmpv2, At(kSystem, 2), kText),
      Scalar("sysUpTime", kSnmpv2, At(kSystem, 3), kNum),
  };
  return t;
}

}  // namespace

const std::vector<StandardObject>& StandardObjects() {
  static const std::vector<StandardObject>* const kTable =
      new std::vector<StandardObject>(BuildTable());
  return *kTable;
}

const StandardObject* FindStandardObject(std::string_view name) {
  const std::vector<StandardObject>& t = StandardObjects();
  auto it =
      std::lower_bound(t.begin(), t.end(), name,
                       [](const StandardObject& o, std::string_view n) { return o.name < n; });
  if (it == t.end() || it->name != name) return nullptr;
  return &*it;
}

}  // namespace periscope::claimtool
