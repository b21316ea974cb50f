// Standard MIB objects the claim rules may name with mib="NAME" (SNMPv2-MIB,
// IF-MIB, IP-MIB, EtherLike-MIB, HOST-RESOURCES-MIB, Printer-MIB, ENTITY-MIB).
// Debian ships no MIB files and a user's machine may have none, so the names
// are a table here; tests/claimtool/standard_objects_test.cc checks every
// entry against the IETF modules with snmptranslate -M (skipped, saying so,
// when the modules are not found).
#ifndef PERISCOPE_CLAIMTOOL_STANDARD_OBJECTS_H_
#define PERISCOPE_CLAIMTOOL_STANDARD_OBJECTS_H_

#include <string_view>
#include <vector>

#include "claimtool/rules.h"
#include "core/snmp/sync_client.h"

namespace periscope::claimtool {

struct StandardObject {
  std::string_view name;        // "prtMarkerLifeCount"
  std::string_view module;      // "Printer-MIB"
  snmp::Oid oid;                // the object, without instance
  bool table = false;           // a column (else a scalar, read as .0)
  bool device_indexed = false;  // rows start with hrDeviceIndex (Printer-MIB, hrDevice tables)
  ValueType type = ValueType::kNumber;  // INTEGER/Counter/Gauge: number; strings, addresses: text
};

// Every known object, sorted by name.
const std::vector<StandardObject>& StandardObjects();

// nullptr when `name` is not known (case-sensitive, as MIB descriptors are).
const StandardObject* FindStandardObject(std::string_view name);

}  // namespace periscope::claimtool

#endif  // PERISCOPE_CLAIMTOOL_STANDARD_OBJECTS_H_
