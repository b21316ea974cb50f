// A simulated mixed fleet of peripherals for issue 7: printers and copiers
// (Printer-MIB, RFC 3805), PCs and servers (HOST-RESOURCES-MIB) and LAN
// switches (IF-MIB), each with SNMPv2-MIB system and, where real devices have
// it, ENTITY-MIB entPhysicalTable. The snmprec data is written from the
// standard MIB definitions (/work/shared/mibs) and served by Debian's snmpsim
// on loopback, like tests/support/fleet.h.
//
// State A (MakeMixedFleet) is what the first poll reads; AdvanceMixedFleet
// gives state B: counters advanced, plus the messy cases real agents produce
// (a 32-bit wrap, an agent restart with counters reset, an interface that
// disappears and one that appears). Tests compute what the store must hold from
// the two states' served values, never from this file's increments.
//
// Models served (keep in step with the peripheral catalog, etc/catalog.xml):
// printers "PRN-3500" (35 ppm A4) and copiers "CPY-6000" (60 ppm A3) as
// hrDeviceDescr and entPhysicalModelName; hosts by sysDescr only ("Periscope
// PC-200", "Periscope PSV-100 Server"); switches by entPhysicalModelName
// ("SW-1024", "SW-1048").
#ifndef PERISCOPE_TESTS_SUPPORT_PERIPHERAL_FLEET_H_
#define PERISCOPE_TESTS_SUPPORT_PERIPHERAL_FLEET_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/snmp/sync_client.h"
#include "tests/support/process.h"

namespace periscope::testing {

// Printer-MIB enumerations used here (IANA-PRINTER-MIB).
inline constexpr int kPrtUnitImpressions = 7;  // PrtMarkerCounterUnitTC
inline constexpr int kPrtUnitSheets = 8;
inline constexpr int kPrtUnitMeters = 17;
inline constexpr int kPrtSupplyUnitPercent = 19;  // PrtMarkerSuppliesSupplyUnitTC
inline constexpr int kPrtSupplyUnitTenthsOfGrams = 13;
inline constexpr int kPrtSupplyToner = 3;  // PrtMarkerSuppliesTypeTC
inline constexpr int kPrtSupplyWasteToner = 4;
inline constexpr int kPrtSupplyOpc = 9;
inline constexpr int kPrtSupplyDeveloper = 10;
inline constexpr int kPrtSupplyFuser = 15;
// Unknown levels and capacities (RFC 3805): -2 unknown, -3 "some remains".
inline constexpr int32_t kPrtUnknown = -2;
inline constexpr int32_t kPrtSomeRemaining = -3;

struct SimMarker {
  uint32_t index = 1;
  int counter_unit = kPrtUnitImpressions;  // prtMarkerCounterUnit
  uint64_t life_count = 0;                 // prtMarkerLifeCount (Counter32 on the wire)
};

struct SimTray {
  uint32_t index = 1;
  std::string name, media;  // prtInputName, prtInputMediaName
  int capacity_unit = kPrtUnitSheets;
  int32_t max = 0, level = 0;  // prtInputMaxCapacity, prtInputCurrentLevel
};

struct SimSupply {
  uint32_t index = 1;
  uint32_t marker_index = 1;
  int supply_class = 3;  // supplyThatIsConsumed(3), receptacleThatIsFilled(4)
  int type = kPrtSupplyToner;
  std::string description;
  int unit = kPrtSupplyUnitPercent;
  int32_t max = 100, level = 100;
};

struct SimAlert {
  uint32_t index = 1;
  int severity = 4;  // other(1), critical(3), warning(4), warningBinaryChangeEvent(5)
  int group = 11;    // PrtAlertGroupTC: input(8), marker(10), markerSupplies(11)
  int32_t group_index = 1;
  int code = 1104;  // PrtAlertCodeTC: markerTonerAlmostEmpty(1104), jam(8) ...
  std::string description;
};

struct SimPrinter {
  uint32_t device_index = 1;  // hrDeviceIndex
  std::string serial;         // prtGeneralSerialNumber; empty: the object is absent
  bool has_supplies_table = true;
  bool has_entity = true;  // entPhysicalModelName/SerialNum/FirmwareRev served
  std::vector<SimMarker> markers;
  std::vector<SimTray> trays;
  std::vector<SimSupply> supplies;
  std::vector<SimAlert> alerts;
};

struct SimStorage {
  uint32_t index = 1;
  int type = 4;  // hrStorageTypes: ram(2), virtualMemory(3), fixedDisk(4)
  std::string descr;
  int32_t units = 4096;  // hrStorageAllocationUnits (bytes)
  // hrStorageSize and hrStorageUsed in units, as Integer32 on the wire: a
  // size beyond 2^31-1 units is served wrapped to a negative number, as
  // Net-SNMP does on big file systems.
  int32_t size = 0, used = 0;
};

struct SimProcessor {
  uint32_t device_index = 196608;  // hrDeviceIndex (Net-SNMP numbers CPUs from 196608)
  int32_t load = 0;                // hrProcessorLoad, percent over the last minute
};

struct SimHost {
  std::vector<SimStorage> storage;
  std::vector<SimProcessor> processors;
};

struct SimInterface {
  uint32_t index = 1;       // ifIndex
  std::string name;         // ifName (ifXTable)
  std::string descr;        // ifDescr
  uint32_t speed_mbps = 0;  // ifHighSpeed; ifSpeed = min(speed, 4294) Mbit/s in bit/s
  uint64_t in_octets = 0, out_octets = 0;  // served mod 2^32 as ifIn/OutOctets
};

struct SimSwitch {
  bool has_hc = true;  // ifXTable with ifName, ifHCIn/OutOctets and ifHighSpeed
  std::vector<SimInterface> interfaces;
};

enum class SimPeripheralKind { kPrinter, kHost, kNetwork };

// One agent: one UDP endpoint, one peripheral.
struct SimPeripheralAgent {
  SimPeripheralKind kind = SimPeripheralKind::kPrinter;
  int port = 0;
  std::string customer;
  std::string model;  // the model a poller must report (see the file comment)
  std::string sys_descr;
  std::string serial;             // entPhysicalSerialNum (network, printers with has_entity)
  std::string firmware;           // entPhysicalFirmwareRev
  int64_t uptime_cs = 0;          // sysUpTime.0 / hrSystemUptime.0
  uint32_t pages_per_minute = 0;  // printers: the model's rated speed (not served)
  SimPrinter printer;
  SimHost host;
  SimSwitch net;
  // snmprec "TAG|VALUE" replacing (or adding) the line of an OID; an empty
  // string removes the OID.
  std::map<std::vector<uint32_t>, std::string> overrides;
};

// The mixed fleet in state A, in this order (each line one agent; customers
// cust-01 and cust-02 alternate):
//  0 printer PRN-3500, complete, a toner-low alert
//  1 printer PRN-3500, no prtGeneralSerialNumber and no ENTITY-MIB; supply
//    levels -3 and -2 and a maximum of -2; a tray at level -3
//  2 copier CPY-6000, complete (5 trays, toner, drum, developer, waste toner)
//  3 copier CPY-6000, no prtMarkerSuppliesTable; a second marker counting meters
//  4 host "Periscope PC-200" (RAM, swap, /, two processors)
//  5 host "Periscope PSV-100 Server" (a 16 TiB /srv whose hrStorageSize
//    overflows Integer32, four processors)
//  6 switch SW-1024: 24 x 1G + 2 x 10G, 64-bit counters; interface 24 vanishes
//    in state B, interface 1000 (a VLAN) appears
//  7 switch SW-1048: 48 x 100M + 2 x 1G, 32-bit counters only (no ifXTable);
//    port 1's ifInOctets wraps between A and B
//  8 switch SW-1024 that restarts between A and B (sysUpTime and counters lower)
std::vector<SimPeripheralAgent> MakeMixedFleet();

// Indices into MakeMixedFleet's vector.
enum MixedFleetAgent : size_t {
  kPrinterComplete = 0,
  kPrinterMessy = 1,
  kCopierComplete = 2,
  kCopierNoSupplies = 3,
  kHostPc = 4,
  kHostServer = 5,
  kSwitchHc = 6,
  kSwitch32 = 7,
  kSwitchRestarts = 8,
  kMixedFleetSize = 9,
};

// State B of a fleet `elapsed_s` seconds after `a`: printed pages, used
// supplies and paper, storage, loads and octets advance (deterministically from
// `step`); the messy events listed at MakeMixedFleet happen when `a` is
// MakeMixedFleet's fleet (ports kept).
std::vector<SimPeripheralAgent> AdvanceMixedFleet(const std::vector<SimPeripheralAgent>& a,
                                                  int64_t elapsed_s, uint32_t step = 1);

// A fleet of `count` agents for benchmarks and the demo: printers, copiers,
// hosts and switches in the ratio 4:2:2:2, all well-behaved, models as above.
std::vector<SimPeripheralAgent> MakePeripheralFleet(size_t count, size_t customers);

// The demo's peripherals (docs/demo-history.md): a PRN-3500 printer whose
// page volume grows past what a 35 ppm printer is meant for, a CPY-6000 copier
// whose toner cartridge runs out within days, a "Periscope PC-200" whose "/"
// fills towards 90 % and whose CPU peaks grow, and an SW-1024 switch whose
// 10G uplink's busiest hour nears line rate. DemoPeripheralAt gives the state
// at `at` (UTC seconds) of a deterministic usage history starting at
// `origin` (counters and levels follow continuous functions of time, so a
// back-filled reading and a later live poll of the served state agree).
inline constexpr size_t kDemoPeripherals = 4;
SimPeripheralAgent DemoPeripheralAt(size_t which, const std::string& customer, int64_t origin,
                                    int64_t days, int64_t at);

// The targets CSV `kind` of an agent: printer, host or network.
std::string KindName(SimPeripheralKind kind);

// The snmprec text (sorted by OID) serving `agent`. sysName.0 is
// `sys_name`.
std::string PeripheralSnmprec(const SimPeripheralAgent& agent, const std::string& sys_name);

// The varbinds a walk of snmprec `text` would return, in its order, typed as
// VarBindFrom types them (OBJECT IDENTIFIER values dotted in `octets`, as the
// poller's engine keeps them). Lines that do not parse are skipped.
std::vector<snmp::VarBind> SnmprecVarBinds(const std::string& text);

// snmpsimd processes serving peripheral agents on 127.0.0.1. Ports are
// assigned on the first Serve and kept: Serve again restarts the processes on
// the same ports with new data (a fresh cache dir, so nothing stale is served).
class PeripheralSim {
 public:
  explicit PeripheralSim(const TempDir& dir, size_t processes = 1);
  ~PeripheralSim();
  PeripheralSim(const PeripheralSim&) = delete;
  PeripheralSim& operator=(const PeripheralSim&) = delete;
  // Serves `agents` (their ports are overwritten with the assigned ones) and
  // waits until every endpoint answers with this generation's data. False
  // (with Log()) on failure.
  bool Serve(std::vector<SimPeripheralAgent> agents);
  void Stop();
  const std::vector<SimPeripheralAgent>& agents() const { return agents_; }
  // The sysName.0 served by agent `i` in the current generation.
  std::string SysName(size_t i) const;
  std::string Log() const;

 private:
  const TempDir& dir_;
  size_t processes_;
  int generation_ = 0;
  std::vector<int> ports_;
  std::vector<SimPeripheralAgent> agents_;
  std::vector<std::unique_ptr<Process>> running_;
  std::string error_;
};

}  // namespace periscope::testing

#endif  // PERISCOPE_TESTS_SUPPORT_PERIPHERAL_FLEET_H_
