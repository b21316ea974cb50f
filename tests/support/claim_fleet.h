// A simulated copier fleet for the claim tool (issue 8, seed 003): copiers
// served by snmpsim through tests/support/peripheral_fleet.h (Printer-MIB,
// HOST-RESOURCES-MIB, SNMPv2-MIB, ENTITY-MIB) plus what a claim reads besides:
// - the example vendor objects of the shipped claim rules, under
//   1.3.6.1.4.1.8072.9999.9999.2 (netSnmpPlaypen 2, a placeholder as
//   PERISCOPE-MIB's root is), every one indexed by hrDeviceIndex:
//     .2.1.<hrDeviceIndex>.<trayIndex>  copies per paper-feed stage (Counter32)
//     .2.2.<hrDeviceIndex>              image density measurement (INTEGER)
//     .2.3.<hrDeviceIndex>              exposure setting (INTEGER)
//     .2.4.<hrDeviceIndex>              automatic density adjustment (INTEGER)
//     .2.5.<hrDeviceIndex>              drum charge adjustment (INTEGER)
// - the network environment: IP-MIB ipAddrTable (ipAdEntAddr, ipAdEntIfIndex,
//   ipAdEntNetMask as IpAddress), IF-MIB ifSpeed of interface 1 (Gauge32) and
//   EtherLike-MIB dot3StatsDuplexStatus of interface 1 (INTEGER).
//
// MakeClaimFleet is deterministic from its seed and takes any number of peers
// (tests, the demo and benchmarks). Tests compute what the claim tool must
// read from ClaimServedValues (the served values, from the copier's fields),
// never from the claim tool's code.
#ifndef PERISCOPE_TESTS_SUPPORT_CLAIM_FLEET_H_
#define PERISCOPE_TESTS_SUPPORT_CLAIM_FLEET_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/snmp/sync_client.h"
#include "tests/support/peripheral_fleet.h"

namespace periscope::testing {

// The vendor objects (without instance): kClaimVendorRoot followed by one arc.
inline const snmp::Oid kClaimVendorRoot = {1, 3, 6, 1, 4, 1, 8072, 9999, 9999, 2};
enum ClaimVendorObject : uint32_t {
  kVendorTrayCopies = 1,   // .<hrDeviceIndex>.<trayIndex>, Counter32
  kVendorDensity = 2,      // .<hrDeviceIndex>, INTEGER
  kVendorExposure = 3,     // .<hrDeviceIndex>, INTEGER
  kVendorAutoDensity = 4,  // .<hrDeviceIndex>, INTEGER
  kVendorDrumCharge = 5,   // .<hrDeviceIndex>, INTEGER
};
snmp::Oid ClaimVendorOid(ClaimVendorObject object);

// Standard objects a copier serves for claims (without instance).
inline const snmp::Oid kClaimPrtMarkerLifeCount = {1, 3, 6, 1, 2, 1, 43, 10, 2, 1, 4};
inline const snmp::Oid kClaimPrtGeneralSerialNumber = {1, 3, 6, 1, 2, 1, 43, 5, 1, 1, 17};
inline const snmp::Oid kClaimIpAdEntAddr = {1, 3, 6, 1, 2, 1, 4, 20, 1, 1};
inline const snmp::Oid kClaimIpAdEntNetMask = {1, 3, 6, 1, 2, 1, 4, 20, 1, 3};
inline const snmp::Oid kClaimIfSpeed = {1, 3, 6, 1, 2, 1, 2, 2, 1, 5};
inline const snmp::Oid kClaimDot3StatsDuplexStatus = {1, 3, 6, 1, 2, 1, 10, 7, 2, 1, 19};

// dot3StatsDuplexStatus values.
inline constexpr int kDuplexUnknown = 1;
inline constexpr int kDuplexHalf = 2;
inline constexpr int kDuplexFull = 3;

inline constexpr char kClaimModelA[] = "CPY-6000";  // the claimed device's model
inline constexpr char kClaimModelB[] = "CPY-4500";  // another model, other values

// One copier. Edit the fields freely before serving (the demo sets its own
// customers); ClaimCopierAgent serves exactly these values.
struct ClaimCopier {
  std::string model;                  // kClaimModelA or kClaimModelB
  std::string serial;                 // prtGeneralSerialNumber and entPhysicalSerialNum
  std::string customer;               // sysContact "it@<customer>.example"
  std::string firmware;               // entPhysicalFirmwareRev
  uint32_t device_index = 1;          // hrDeviceIndex
  int32_t density = 0;                // image density measurement
  int32_t exposure = 0;               // exposure setting
  int32_t auto_density = 0;           // automatic density adjustment
  int32_t drum_charge = 0;            // drum charge adjustment
  std::vector<uint64_t> tray_copies;  // tray i+1's copies (served mod 2^32)
  uint64_t life_count = 0;            // prtMarkerLifeCount.<d>.1 (the sum of tray_copies)
  std::string ip, netmask;            // the ipAddrTable row (dotted quads)
  uint32_t if_speed_bps = 0;          // ifSpeed.1
  int duplex = kDuplexFull;           // dot3StatsDuplexStatus.1
  // Served with wrong types: every INTEGER and Counter32 vendor object and
  // prtMarkerLifeCount as OCTET STRING "n/a" (tray copies as the non-UTF-8
  // octets ff fe), plus an invalid tray-copies row under hrDeviceIndex
  // device_index + 1, a device the agent does not have. The network objects
  // and the serial number are served correctly.
  bool garbage = false;
};

struct ClaimFleetSpec {
  uint64_t seed = 3;
  size_t model_a_peers = 6;  // CPY-6000 peers of the claimed device
  size_t model_b = 3;        // CPY-4500 copiers
  bool garbage = true;       // add a garbage CPY-6000 (ClaimCopier::garbage)
  std::vector<std::string> customers = {"cust-01", "cust-02", "cust-03"};
};

// Centre of a model's settings; peers are spread deterministically around it
// (density +-3, exposure +-1, drum charge +-20), the claimed device's density
// is kClaimedDensityOffset above its model's centre and its other settings are
// the centre's.
struct ClaimModelCentre {
  int32_t density = 0, exposure = 0, auto_density = 0, drum_charge = 0;
  size_t trays = 0;
  uint32_t if_speed_bps = 0;
};
ClaimModelCentre ClaimCentre(const std::string& model);  // of kClaimModelA or kClaimModelB
inline constexpr int32_t kClaimedDensityOffset = 25;

// The fleet: copiers[0] is the claimed CPY-6000 (customers[0], hrDeviceIndex
// 1), then model_a_peers CPY-6000 peers, model_b CPY-4500 copiers and, when
// spec.garbage, the garbage CPY-6000 last. Every copier has a distinct serial
// and IP address; some peers use hrDeviceIndex 2.
struct ClaimFleet {
  std::vector<ClaimCopier> copiers;
  size_t claimed = 0;
  std::optional<size_t> garbage;  // index of the garbage copier
};
ClaimFleet MakeClaimFleet(const ClaimFleetSpec& spec = {});

// The agent serving `copier` (kind kPrinter; vendor and network objects as
// `overrides`), and one per copier in order. Serve them with PeripheralSim.
SimPeripheralAgent ClaimCopierAgent(const ClaimCopier& copier);
std::vector<SimPeripheralAgent> ClaimCopierAgents(const std::vector<ClaimCopier>& copiers);

// One object instance as served, keyed as the claim tool reports values:
// `object` without instance and `instance` after the object (after the
// hrDeviceIndex for the vendor objects, prtMarkerLifeCount and
// prtGeneralSerialNumber; "" when nothing follows it).
struct ClaimServed {
  snmp::Oid object;
  std::string instance;
  std::optional<double> number;  // numeric objects served with a numeric type
  std::string text;              // text objects ("10.8.0.2", the serial), or ""
  bool wrong_type = false;       // a garbage copier's OCTET STRING in place of a number
};
// Every instance `copier` serves of the objects above (the garbage copier's
// invalid row under another hrDeviceIndex is not listed: it is not the
// copier's).
std::vector<ClaimServed> ClaimServedValues(const ClaimCopier& copier);

}  // namespace periscope::testing

#endif  // PERISCOPE_TESTS_SUPPORT_CLAIM_FLEET_H_
