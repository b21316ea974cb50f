// The claim rules (etc/claim-rules.xml): which maintenance ("backup data")
// items a complaint needs (seed 003 claims 1 and 8-14), and who is in charge.
//
// <claim-rules>
//   <role name="copier-service" person="Copier service desk" email="copier@vendor.example"/>
//   <item name="copies" label="Number of copies" mib="prtMarkerLifeCount"
//         unit="impressions" type="number" rate-metric="pages"/>
//   <item name="tray-copies" label="Copies per paper-feed stage" type="number"
//         oid="1.3.6.1.4.1.8072.9999.9999.2.1" table="true" device-indexed="true" example="true"/>
//   <item name="firmware" label="Firmware" periscope="firmware" type="text"/>
//   <category name="image-quality" title="Image quality" kinds="printer"
//             in-charge="copier-service">
//     <match lang="en">faint</match> <match lang="ja">かすれ</match>
//     <use item="copies"/> ...
//   </category>
// </claim-rules>
//
// An item is exactly one of:
// - periscope="NAME": a row of the subagent's periscopeItemTable (NAME as
//   periscopeItemName: 1..64 of a-z 0-9 . - _), read for the claimed device's
//   periscopeDeviceIndex;
// - mib="NAME": a standard MIB object the claim tool knows by name
//   (claimtool/standard_objects.h); its OID, table-ness and whether rows
//   start with the device's hrDeviceIndex come from there;
// - oid="1.3.6..": any object (a vendor's private one), the object's OID
//   without instance; table="true" reads every row, else the scalar (.0);
//   device-indexed="true" when rows start with the hrDeviceIndex (as
//   Printer-MIB tables do).
// Every error is InvalidArgument "file:line:column: <element> field 'x':
// reason": an unknown item (a <use> naming no <item>, a mib= name not known),
// a malformed OID, a duplicate item, category or role, a category naming a
// role not defined, unknown attributes or elements.
#ifndef PERISCOPE_CLAIMTOOL_RULES_H_
#define PERISCOPE_CLAIMTOOL_RULES_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/snmp/sync_client.h"
#include "core/status.h"
#include "store/metrics.h"

namespace periscope::claimtool {

enum class ItemSource { kPeriscope, kMib, kOid };
enum class ValueType { kNumber, kText };

struct ItemDef {
  std::string name;   // 1..64 of a-z 0-9 . - _ ; unique in the file
  std::string label;  // for people; default: the name
  ItemSource source = ItemSource::kOid;
  std::string periscope_item;   // kPeriscope
  std::string mib_name;         // kMib: "prtMarkerLifeCount"
  snmp::Oid oid;                // kMib, kOid: the object, without instance
  bool table = false;           // every row is read (one value per row)
  bool device_indexed = false;  // rows start with the device's index (Printer-MIB)
  ValueType type = ValueType::kNumber;
  std::string unit;         // "" when none
  std::string rate_metric;  // a store metric compared per day too ("pages"), or ""
  bool example = false;     // a placeholder OID to be set per vendor (marked in output)
  int line = 0;             // where it was defined
};

struct Role {
  std::string name;    // referenced by categories' in-charge
  std::string person;  // display name
  std::string email;   // validated as mail::ValidateAddress would
};

struct Category {
  std::string name;                      // 1..64 of a-z 0-9 . - _ ; unique
  std::string title;                     // for people
  std::vector<store::DeviceKind> kinds;  // device kinds it applies to (at least one)
  std::vector<std::string> terms_en;     // lower-cased ASCII-folded English terms
  std::vector<std::string> terms_ja;     // Japanese terms, as written (UTF-8)
  std::vector<std::string> items;        // ItemDef names, in rule order
  std::string in_charge;                 // a Role name
  int line = 0;
};

struct ClaimRules {
  std::string source_name;  // file name for messages
  std::vector<ItemDef> items;
  std::vector<Role> roles;
  std::vector<Category> categories;

  const ItemDef* FindItem(std::string_view name) const;
  const Role* FindRole(std::string_view name) const;
  const Category* FindCategory(std::string_view name) const;
};

Result<ClaimRules> ParseClaimRules(std::string content, const std::string& name);
Result<ClaimRules> LoadClaimRules(const std::string& path);

}  // namespace periscope::claimtool

#endif  // PERISCOPE_CLAIMTOOL_RULES_H_
