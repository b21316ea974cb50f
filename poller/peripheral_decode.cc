#include "poller/peripheral_decode.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <optional>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/strings.h"
#include "poller/peripheral_plan.h"

namespace periscope::poller {
namespace {

using snmp::Oid;
using snmp::ValueType;
using snmp::VarBind;
using Index = std::vector<uint32_t>;

constexpr size_t kMaxTextBytes = 255;

// The columns the decoders read.
enum class Col {
  kSysDescr,
  kSysUpTime,
  kHrDeviceDescr,
  kHrProcessorLoad,
  kHrStorageType,
  kHrStorageDescr,
  kHrStorageUnits,
  kHrStorageSize,
  kHrStorageUsed,
  kEntClass,
  kEntFirmwareRev,
  kEntSoftwareRev,
  kEntSerialNum,
  kEntModelName,
  kPrtGeneralSerialNumber,
  kPrtMarkerCounterUnit,
  kPrtMarkerLifeCount,
  kPrtInputType,
  kPrtInputCapacityUnit,
  kPrtInputMaxCapacity,
  kPrtInputCurrentLevel,
  kPrtInputMediaName,
  kPrtInputName,
  kPrtInputDescription,
  kSuppliesType,
  kSuppliesDescription,
  kSuppliesUnit,
  kSuppliesMaxCapacity,
  kSuppliesLevel,
  kAlertSeverity,
  kAlertGroup,
  kAlertGroupIndex,
  kAlertCode,
  kAlertDescription,
  kIfDescr,
  kIfSpeed,
  kIfInOctets,
  kIfOutOctets,
  kIfName,
  kIfHCInOctets,
  kIfHCOutOctets,
  kIfHighSpeed,
};

// SMI types as they arrive on the wire.
enum class Wire { kInteger, kString, kObjectId, kCounter32, kGauge32, kTimeTicks, kCounter64 };

struct ColumnDef {
  Col col;
  Oid root;
  const char* name;
  Wire wire;
  size_t index_arcs;  // 1 for scalars (.0)
};

Oid Sub(const Oid& entry, uint32_t column) {
  Oid o = entry;
  o.push_back(column);
  return o;
}

const std::vector<ColumnDef>& Columns() {
  static const std::vector<ColumnDef> kColumns = {
      {Col::kSysDescr, oids::kSysDescr, "sysDescr", Wire::kString, 1},
      {Col::kSysUpTime, oids::kSysUpTime, "sysUpTime", Wire::kTimeTicks, 1},
      {Col::kHrDeviceDescr, Sub(oids::kHrDeviceEntry, 3), "hrDeviceDescr", Wire::kString, 1},
      {Col::kHrProcessorLoad, oids::kHrProcessorLoad, "hrProcessorLoad", Wire::kInteger, 1},
      {Col::kHrStorageType, Sub(oids::kHrStorageEntry, 2), "hrStorageType", Wire::kObjectId, 1},
      {Col::kHrStorageDescr, Sub(oids::kHrStorageEntry, 3), "hrStorageDescr", Wire::kString, 1},
      {Col::kHrStorageUnits, Sub(oids::kHrStorageEntry, 4), "hrStorageAllocationUnits",
       Wire::kInteger, 1},
      {Col::kHrStorageSize, Sub(oids::kHrStorageEntry, 5), "hrStorageSize", Wire::kInteger, 1},
      {Col::kHrStorageUsed, Sub(oids::kHrStorageEntry, 6), "hrStorageUsed", Wire::kInteger, 1},
      {Col::kEntClass, Sub(oids::kEntPhysicalEntry, 5), "entPhysicalClass", Wire::kInteger, 1},
      {Col::kEntFirmwareRev, Sub(oids::kEntPhysicalEntry, 9), "entPhysicalFirmwareRev",
       Wire::kString, 1},
      {Col::kEntSoftwareRev, Sub(oids::kEntPhysicalEntry, 10), "entPhysicalSoftwareRev",
       Wire::kString, 1},
      {Col::kEntSerialNum, Sub(oids::kEntPhysicalEntry, 11), "entPhysicalSerialNum", Wire::kString,
       1},
      {Col::kEntModelName, Sub(oids::kEntPhysicalEntry, 13), "entPhysicalModelName", Wire::kString,
       1},
      {Col::kPrtGeneralSerialNumber, oids::kPrtGeneralSerialNumber, "prtGeneralSerialNumber",
       Wire::kString, 1},
      {Col::kPrtMarkerCounterUnit, Sub(oids::kPrtMarkerEntry, 3), "prtMarkerCounterUnit",
       Wire::kInteger, 2},
      {Col::kPrtMarkerLifeCount, Sub(oids::kPrtMarkerEntry, 4), "prtMarkerLifeCount",
       Wire::kCounter32, 2},
      {Col::kPrtInputType, Sub(oids::kPrtInputEntry, 2), "prtInputType", Wire::kInteger, 2},
      {Col::kPrtInputCapacityUnit, Sub(oids::kPrtInputEntry, 8), "prtInputCapacityUnit",
       Wire::kInteger, 2},
      {Col::kPrtInputMaxCapacity, Sub(oids::kPrtInputEntry, 9), "prtInputMaxCapacity",
       Wire::kInteger, 2},
      {Col::kPrtInputCurrentLevel, Sub(oids::kPrtInputEntry, 10), "prtInputCurrentLevel",
       Wire::kInteger, 2},
      {Col::kPrtInputMediaName, Sub(oids::kPrtInputEntry, 12), "prtInputMediaName", Wire::kString,
       2},
      {Col::kPrtInputName, Sub(oids::kPrtInputEntry, 13), "prtInputName", Wire::kString, 2},
      {Col::kPrtInputDescription, Sub(oids::kPrtInputEntry, 18), "prtInputDescription",
       Wire::kString, 2},
      {Col::kSuppliesType, Sub(oids::kPrtMarkerSuppliesEntry, 5), "prtMarkerSuppliesType",
       Wire::kInteger, 2},
      {Col::kSuppliesDescription, Sub(oids::kPrtMarkerSuppliesEntry, 6),
       "prtMarkerSuppliesDescription", Wire::kString, 2},
      {Col::kSuppliesUnit, Sub(oids::kPrtMarkerSuppliesEntry, 7), "prtMarkerSuppliesSupplyUnit",
       Wire::kInteger, 2},
      {Col::kSuppliesMaxCapacity, Sub(oids::kPrtMarkerSuppliesEntry, 8),
       "prtMarkerSuppliesMaxCapacity", Wire::kInteger, 2},
      {Col::kSuppliesLevel, Sub(oids::kPrtMarkerSuppliesEntry, 9), "prtMarkerSuppliesLevel",
       Wire::kInteger, 2},
      {Col::kAlertSeverity, Sub(oids::kPrtAlertEntry, 2), "prtAlertSeverityLevel", Wire::kInteger,
       2},
      {Col::kAlertGroup, Sub(oids::kPrtAlertEntry, 4), "prtAlertGroup", Wire::kInteger, 2},
      {Col::kAlertGroupIndex, Sub(oids::kPrtAlertEntry, 5), "prtAlertGroupIndex", Wire::kInteger,
       2},
      {Col::kAlertCode, Sub(oids::kPrtAlertEntry, 7), "prtAlertCode", Wire::kInteger, 2},
      {Col::kAlertDescription, Sub(oids::kPrtAlertEntry, 8), "prtAlertDescription", Wire::kString,
       2},
      {Col::kIfDescr, Sub(oids::kIfEntry, 2), "ifDescr", Wire::kString, 1},
      {Col::kIfSpeed, Sub(oids::kIfEntry, 5), "ifSpeed", Wire::kGauge32, 1},
      {Col::kIfInOctets, Sub(oids::kIfEntry, 10), "ifInOctets", Wire::kCounter32, 1},
      {Col::kIfOutOctets, Sub(oids::kIfEntry, 16), "ifOutOctets", Wire::kCounter32, 1},
      {Col::kIfName, Sub(oids::kIfXEntry, 1), "ifName", Wire::kString, 1},
      {Col::kIfHCInOctets, Sub(oids::kIfXEntry, 6), "ifHCInOctets", Wire::kCounter64, 1},
      {Col::kIfHCOutOctets, Sub(oids::kIfXEntry, 10), "ifHCOutOctets", Wire::kCounter64, 1},
      {Col::kIfHighSpeed, Sub(oids::kIfXEntry, 15), "ifHighSpeed", Wire::kGauge32, 1},
  };
  return kColumns;
}

const char* WireName(Wire w) {
  switch (w) {
    case Wire::kInteger:
      return "INTEGER";
    case Wire::kString:
      return "OCTET STRING";
    case Wire::kObjectId:
      return "OBJECT IDENTIFIER";
    case Wire::kCounter32:
      return "Counter32";
    case Wire::kGauge32:
      return "Gauge32";
    case Wire::kTimeTicks:
      return "TimeTicks";
    case Wire::kCounter64:
      return "Counter64";
  }
  return "?";
}

ValueType WireType(Wire w) {
  switch (w) {
    case Wire::kInteger:
      return ValueType::kInteger;
    case Wire::kString:
      return ValueType::kOctets;
    case Wire::kObjectId:
      return ValueType::kObjectId;
    case Wire::kCounter32:
      return ValueType::kCounter32;
    case Wire::kGauge32:
      return ValueType::kGauge32;
    case Wire::kTimeTicks:
      return ValueType::kTimeTicks;
    case Wire::kCounter64:
      return ValueType::kCounter64;
  }
  return ValueType::kOther;
}

std::string IndexText(const Index& index) {
  std::string out;
  for (uint32_t arc : index) out += (out.empty() ? "" : ".") + std::to_string(arc);
  return out;
}

// `name`, or when a lower index took it "name#index" (then "name#index#k"
// should that be taken too), within 255 bytes; recorded in `taken`.
std::string UniqueName(std::set<std::string>* taken, const std::string& name, uint32_t index) {
  if (taken->insert(name).second) return name;
  std::string base = TruncateUtf8(name, kMaxTextBytes - 11) + "#" + std::to_string(index);
  std::string candidate = base;
  for (uint32_t k = 2; !taken->insert(candidate).second; ++k) {
    candidate = TruncateUtf8(name, kMaxTextBytes - 23) + "#" + std::to_string(index) + "#" +
                std::to_string(k);
  }
  return candidate;
}

std::string Clean(const std::string& s) { return TruncateUtf8(CleanText(s, '?'), kMaxTextBytes); }

// Names of the Printer-MIB / IANA-PRINTER-MIB textual conventions used.
using NameTable = std::map<int64_t, const char*>;

std::string EnumName(const NameTable& table, int64_t value) {
  auto it = table.find(value);
  return it != table.end() ? std::string(it->second) : std::to_string(value);
}

const NameTable& SeverityNames() {
  static const NameTable k = {
      {1, "other"}, {3, "critical"}, {4, "warning"}, {5, "warningBinaryChangeEvent"}};
  return k;
}

const NameTable& AlertGroupNames() {
  static const NameTable k = {{1, "other"},
                              {2, "unknown"},
                              {3, "hostResourcesMIBStorageTable"},
                              {4, "hostResourcesMIBDeviceTable"},
                              {5, "generalPrinter"},
                              {6, "cover"},
                              {7, "localization"},
                              {8, "input"},
                              {9, "output"},
                              {10, "marker"},
                              {11, "markerSupplies"},
                              {12, "markerColorant"},
                              {13, "mediaPath"},
                              {14, "channel"},
                              {15, "interpreter"},
                              {16, "consoleDisplayBuffer"},
                              {17, "consoleLights"},
                              {18, "alert"},
                              {30, "finDevice"},
                              {31, "finSupply"},
                              {32, "finSupplyMediaInput"},
                              {33, "finAttribute"}};
  return k;
}

const NameTable& AlertCodeNames() {
  static const NameTable k = {{1, "other"},
                              {2, "unknown"},
                              {3, "coverOpen"},
                              {4, "coverClosed"},
                              {5, "interlockOpen"},
                              {6, "interlockClosed"},
                              {7, "configurationChange"},
                              {8, "jam"},
                              {9, "subunitMissing"},
                              {10, "subunitLifeAlmostOver"},
                              {11, "subunitLifeOver"},
                              {12, "subunitAlmostEmpty"},
                              {13, "subunitEmpty"},
                              {14, "subunitAlmostFull"},
                              {15, "subunitFull"},
                              {16, "subunitNearLimit"},
                              {17, "subunitAtLimit"},
                              {18, "subunitOpened"},
                              {19, "subunitClosed"},
                              {20, "subunitTurnedOn"},
                              {21, "subunitTurnedOff"},
                              {22, "subunitOffline"},
                              {23, "subunitPowerSaver"},
                              {24, "subunitWarmingUp"},
                              {25, "subunitAdded"},
                              {26, "subunitRemoved"},
                              {27, "subunitResourceAdded"},
                              {28, "subunitResourceRemoved"},
                              {29, "subunitRecoverableFailure"},
                              {30, "subunitUnrecoverableFailure"},
                              {31, "subunitRecoverableStorageError"},
                              {32, "subunitUnrecoverableStorageError"},
                              {33, "subunitMotorFailure"},
                              {34, "subunitMemoryExhausted"},
                              {35, "subunitUnderTemperature"},
                              {36, "subunitOverTemperature"},
                              {37, "subunitTimingFailure"},
                              {38, "subunitThermistorFailure"},
                              {501, "doorOpen"},
                              {502, "doorClosed"},
                              {503, "powerUp"},
                              {504, "powerDown"},
                              {505, "printerNMSReset"},
                              {506, "printerManualReset"},
                              {507, "printerReadyToPrint"},
                              {801, "inputMediaTrayMissing"},
                              {802, "inputMediaSizeChange"},
                              {803, "inputMediaWeightChange"},
                              {804, "inputMediaTypeChange"},
                              {805, "inputMediaColorChange"},
                              {806, "inputMediaFormPartsChange"},
                              {807, "inputMediaSupplyLow"},
                              {808, "inputMediaSupplyEmpty"},
                              {809, "inputMediaChangeRequest"},
                              {810, "inputManualInputRequest"},
                              {811, "inputTrayPositionFailure"},
                              {812, "inputTrayElevationFailure"},
                              {813, "inputCannotFeedSizeSelected"},
                              {901, "outputMediaTrayMissing"},
                              {902, "outputMediaTrayAlmostFull"},
                              {903, "outputMediaTrayFull"},
                              {904, "outputMailboxSelectFailure"},
                              {1001, "markerFuserUnderTemperature"},
                              {1002, "markerFuserOverTemperature"},
                              {1003, "markerFuserTimingFailure"},
                              {1004, "markerFuserThermistorFailure"},
                              {1005, "markerAdjustingPrintQuality"},
                              {1101, "markerTonerEmpty"},
                              {1102, "markerInkEmpty"},
                              {1103, "markerPrintRibbonEmpty"},
                              {1104, "markerTonerAlmostEmpty"},
                              {1105, "markerInkAlmostEmpty"},
                              {1106, "markerPrintRibbonAlmostEmpty"},
                              {1107, "markerWasteTonerReceptacleAlmostFull"},
                              {1108, "markerWasteInkReceptacleAlmostFull"},
                              {1109, "markerWasteTonerReceptacleFull"},
                              {1110, "markerWasteInkReceptacleFull"},
                              {1111, "markerOpcLifeAlmostOver"},
                              {1112, "markerOpcLifeOver"},
                              {1113, "markerDeveloperAlmostEmpty"},
                              {1114, "markerDeveloperEmpty"},
                              {1115, "markerTonerCartridgeMissing"},
                              {1301, "mediaPathMediaTrayMissing"},
                              {1302, "mediaPathMediaTrayAlmostFull"},
                              {1303, "mediaPathMediaTrayFull"},
                              {1304, "mediaPathCannotDuplexMediaSelected"},
                              {1501, "interpreterMemoryIncrease"},
                              {1502, "interpreterMemoryDecrease"},
                              {1503, "interpreterCartridgeAdded"},
                              {1504, "interpreterCartridgeDeleted"},
                              {1505, "interpreterResourceAdded"},
                              {1506, "interpreterResourceDeleted"},
                              {1507, "interpreterResourceUnavailable"},
                              {1509, "interpreterComplexPageEncountered"},
                              {1801, "alertRemovalOfBinaryChangeEntry"}};
  return k;
}

const NameTable& SupplyTypeNames() {
  static const NameTable k = {{1, "other"},
                              {2, "unknown"},
                              {3, "toner"},
                              {4, "wasteToner"},
                              {5, "ink"},
                              {6, "inkCartridge"},
                              {7, "inkRibbon"},
                              {8, "wasteInk"},
                              {9, "opc"},
                              {10, "developer"},
                              {11, "fuserOil"},
                              {12, "solidWax"},
                              {13, "ribbonWax"},
                              {14, "wasteWax"},
                              {15, "fuser"},
                              {16, "coronaWire"},
                              {17, "fuserOilWick"},
                              {18, "cleanerUnit"},
                              {19, "fuserCleaningPad"},
                              {20, "transferUnit"},
                              {21, "tonerCartridge"},
                              {22, "fuserOiler"},
                              {23, "water"},
                              {24, "wasteWater"},
                              {25, "glueWaterAdditive"},
                              {26, "wastePaper"},
                              {27, "bindingSupply"},
                              {28, "bandingSupply"},
                              {29, "stitchingWire"},
                              {30, "shrinkWrap"},
                              {31, "paperWrap"},
                              {32, "staples"},
                              {33, "inserts"},
                              {34, "covers"},
                              {35, "matteToner"},
                              {36, "matteInk"}};
  return k;
}

// PrtMarkerSuppliesSupplyUnitTC, PrtCapacityUnitTC and PrtMarkerCounterUnitTC
// share their numbers.
const NameTable& UnitNames() {
  static const NameTable k = {{1, "other"},
                              {2, "unknown"},
                              {3, "tenThousandthsOfInches"},
                              {4, "micrometers"},
                              {5, "characters"},
                              {6, "lines"},
                              {7, "impressions"},
                              {8, "sheets"},
                              {9, "dotRow"},
                              {11, "hours"},
                              {12, "thousandthsOfOunces"},
                              {13, "tenthsOfGrams"},
                              {14, "hundrethsOfFluidOunces"},
                              {15, "tenthsOfMilliliters"},
                              {16, "feet"},
                              {17, "meters"},
                              {18, "items"},
                              {19, "percent"}};
  return k;
}

constexpr int64_t kUnitImpressions = 7;
constexpr int64_t kUnitSheets = 8;
constexpr int64_t kEntClassChassis = 3;

// The varbinds of one walk, by column and index, each checked for its type.
class Cells {
 public:
  Cells(const std::vector<VarBind>& varbinds,
        const std::function<void(int64_t, std::string, std::string)>& warn) {
    for (const VarBind& vb : varbinds) {
      const ColumnDef* def = nullptr;
      for (const ColumnDef& c : Columns()) {
        if (vb.oid.size() == c.root.size() + c.index_arcs &&
            std::equal(c.root.begin(), c.root.end(), vb.oid.begin())) {
          def = &c;
          break;
        }
      }
      if (def == nullptr) continue;  // another column, or a malformed index: not ours
      Index index(vb.oid.begin() + static_cast<std::ptrdiff_t>(def->root.size()), vb.oid.end());
      if (def->index_arcs == 1 && IsScalar(def->col) && index[0] != 0) continue;
      if (vb.type != WireType(def->wire)) {
        int64_t device = def->index_arcs == 2 ? index[0] : 0;
        warn(device, def->name,
             fmt::format("{}.{} is {}, expected {}; value skipped", def->name, IndexText(index),
                         snmp::DescribeValue(vb), WireName(def->wire)));
        continue;
      }
      bool is32 = def->wire == Wire::kCounter32 || def->wire == Wire::kGauge32 ||
                  def->wire == Wire::kTimeTicks;
      bool in_range = is32 ? vb.unsigned_value <= 0xffffffffULL
                           : def->wire != Wire::kInteger ||
                                 (vb.integer >= INT32_MIN && vb.integer <= INT32_MAX);
      if (!in_range) {  // not from a decoded PDU (those are masked), but never trusted
        int64_t device = def->index_arcs == 2 ? index[0] : 0;
        warn(device, def->name,
             fmt::format("{}.{} is {}, outside its 32-bit range; value skipped", def->name,
                         IndexText(index), snmp::DescribeValue(vb)));
        continue;
      }
      cells_[def->col][index] = &vb;
    }
  }

  static bool IsScalar(Col c) { return c == Col::kSysDescr || c == Col::kSysUpTime; }

  const std::map<Index, const VarBind*>& Column(Col c) const {
    static const std::map<Index, const VarBind*> kEmpty;
    auto it = cells_.find(c);
    return it != cells_.end() ? it->second : kEmpty;
  }

  const VarBind* Get(Col c, const Index& index) const {
    const auto& column = Column(c);
    auto it = column.find(index);
    return it != column.end() ? it->second : nullptr;
  }

  std::optional<int64_t> Int(Col c, const Index& index) const {
    const VarBind* vb = Get(c, index);
    if (vb == nullptr) return std::nullopt;
    return vb->integer;
  }

  std::optional<uint64_t> Unsigned(Col c, const Index& index) const {
    const VarBind* vb = Get(c, index);
    if (vb == nullptr) return std::nullopt;
    return vb->unsigned_value;
  }

  std::optional<std::string> Text(Col c, const Index& index) const {
    const VarBind* vb = Get(c, index);
    if (vb == nullptr) return std::nullopt;
    return Clean(vb->octets);
  }

  // A non-empty cleaned string, else nullopt.
  std::optional<std::string> NonEmpty(Col c, const Index& index) const {
    auto t = Text(c, index);
    if (!t || t->empty()) return std::nullopt;
    return t;
  }

 private:
  std::map<Col, std::map<Index, const VarBind*>> cells_;
};

class Decoder {
 public:
  Decoder(const std::vector<VarBind>& varbinds, const PeripheralDecodeOptions& options)
      : options_(options),
        cells_(varbinds, [this](int64_t device, std::string column, std::string message) {
          Warn(device, std::move(column), std::move(message));
        }) {}

  void Warn(int64_t device_index, std::string column, std::string message) {
    ++warning_count_;
    if (warnings_.size() < options_.max_warnings) {
      warnings_.push_back({device_index, std::move(column), std::move(message)});
    }
  }

  Result<DecodedPeripherals> Decode(store::DeviceKind kind) {
    DecodedPeripherals out;
    switch (kind) {
      case store::DeviceKind::kPrinter: {
        auto s = Printers(&out.devices);
        if (!s.ok()) return s;
        break;
      }
      case store::DeviceKind::kHost: {
        auto s = Host(&out.devices);
        if (!s.ok()) return s;
        break;
      }
      case store::DeviceKind::kNetwork: {
        auto s = Network(&out.devices);
        if (!s.ok()) return s;
        break;
      }
      case store::DeviceKind::kPeriscope:
        return InvalidArgumentError("PERISCOPE-MIB targets are decoded by DecodeDevices");
    }
    if (warning_count_ > warnings_.size()) {
      warnings_.push_back(
          {0, "", fmt::format("{} more warnings not stored", warning_count_ - warnings_.size())});
    }
    out.warnings = std::move(warnings_);
    return out;
  }

 private:
  Status CheckInstances(size_t n, const char* what, int64_t device) const {
    if (n <= options_.max_instances) return Status();
    return ResourceExhaustedError(
        fmt::format("device {} serves {} {}, more than the limit of {} per device; nothing stored",
                    device, n, what, options_.max_instances));
  }

  std::string Substitute(int64_t device) const {
    return fmt::format("target:{}:{}#{}", options_.target_address, options_.target_port, device);
  }

  // The entity whose model and serial describe the device: the first chassis
  // with a model name or serial, else the first entity with one.
  std::optional<Index> MainEntity() const {
    std::optional<Index> first;
    std::set<Index> entities;
    for (const auto& [index, vb] : cells_.Column(Col::kEntModelName)) entities.insert(index);
    for (const auto& [index, vb] : cells_.Column(Col::kEntSerialNum)) entities.insert(index);
    for (const Index& index : entities) {
      if (!cells_.NonEmpty(Col::kEntModelName, index) &&
          !cells_.NonEmpty(Col::kEntSerialNum, index)) {
        continue;
      }
      if (cells_.Int(Col::kEntClass, index) == kEntClassChassis) return index;
      if (!first) first = index;
    }
    return first;
  }

  std::string Firmware(const std::optional<Index>& entity) const {
    if (!entity) return "";
    if (auto f = cells_.NonEmpty(Col::kEntFirmwareRev, *entity)) return *f;
    if (auto s = cells_.NonEmpty(Col::kEntSoftwareRev, *entity)) return *s;
    return "";
  }

  // Identity and spec fields every kind shares. `hr_device` (printers): the
  // hrDeviceIndex whose hrDeviceDescr is the second choice of model.
  void Common(store::PeripheralRecord* r, std::optional<std::string> served_serial,
              std::optional<uint32_t> hr_device, nlohmann::json details) {
    std::optional<Index> entity = MainEntity();
    if (!served_serial && entity) served_serial = cells_.NonEmpty(Col::kEntSerialNum, *entity);
    if (served_serial) {
      r->serial_number = *served_serial;
    } else {
      r->serial_number = Substitute(r->device_index);
      Warn(r->device_index,
           r->kind == store::DeviceKind::kPrinter ? "prtGeneralSerialNumber"
                                                  : "entPhysicalSerialNum",
           fmt::format("device {}: no serial number served; identified as {}", r->device_index,
                       r->serial_number));
    }
    if (auto up = cells_.Unsigned(Col::kSysUpTime, {0})) r->uptime_cs = static_cast<int64_t>(*up);
    store::PeripheralSpec spec;
    std::optional<std::string> model;
    if (entity) model = cells_.NonEmpty(Col::kEntModelName, *entity);
    if (model) {
      spec.model_source = "entPhysicalModelName";
    } else if (hr_device && (model = cells_.NonEmpty(Col::kHrDeviceDescr, {*hr_device}))) {
      spec.model_source = "hrDeviceDescr";
    } else if ((model = cells_.NonEmpty(Col::kSysDescr, {0}))) {
      spec.model_source = "sysDescr";
    }
    if (!model) {
      Warn(r->device_index, "entPhysicalModelName",
           fmt::format("device {}: no model (entPhysicalModelName, hrDeviceDescr, sysDescr); "
                       "no specification stored",
                       r->device_index));
      return;
    }
    spec.model = *model;
    spec.description = cells_.Text(Col::kSysDescr, {0}).value_or("");
    spec.firmware = Firmware(entity);
    spec.details_json = details.dump();
    r->spec = std::move(spec);
  }

  // --- printers -----------------------------------------------------------

  Status Printers(std::vector<store::PeripheralRecord>* out) {
    std::map<uint32_t, std::set<uint32_t>> markers, inputs, supplies, alerts;
    std::set<uint32_t> devices;
    auto collect = [&](std::initializer_list<Col> cols, std::map<uint32_t, std::set<uint32_t>>* m) {
      for (Col c : cols) {
        for (const auto& [index, vb] : cells_.Column(c)) {
          devices.insert(index[0]);
          if (m != nullptr) (*m)[index[0]].insert(index[1]);
        }
      }
    };
    collect({Col::kPrtGeneralSerialNumber}, nullptr);
    collect({Col::kPrtMarkerCounterUnit, Col::kPrtMarkerLifeCount}, &markers);
    collect({Col::kPrtInputType, Col::kPrtInputCapacityUnit, Col::kPrtInputMaxCapacity,
             Col::kPrtInputCurrentLevel, Col::kPrtInputMediaName, Col::kPrtInputName,
             Col::kPrtInputDescription},
            &inputs);
    collect({Col::kSuppliesType, Col::kSuppliesDescription, Col::kSuppliesUnit,
             Col::kSuppliesMaxCapacity, Col::kSuppliesLevel},
            &supplies);
    collect({Col::kAlertSeverity, Col::kAlertGroup, Col::kAlertGroupIndex, Col::kAlertCode,
             Col::kAlertDescription},
            &alerts);
    devices.erase(0);  // hrDeviceIndex is 1..2147483647
    if (devices.size() > options_.max_devices) {
      return ResourceExhaustedError(fmt::format(
          "the agent serves {} printers, more than the limit of {} per target; nothing stored",
          devices.size(), options_.max_devices));
    }
    if (devices.empty()) {
      return NotFoundError(
          "no Printer-MIB rows served (not a printer, or the MIB is outside the view)");
    }
    for (uint32_t device : devices) {
      for (const auto* m : {&markers, &inputs, &supplies, &alerts}) {
        auto it = m->find(device);
        if (it != m->end()) {
          PERISCOPE_RETURN_IF_ERROR(CheckInstances(it->second.size(), "rows of a table", device));
        }
      }
      store::PeripheralRecord r;
      r.kind = store::DeviceKind::kPrinter;
      r.device_index = device;
      nlohmann::json details = nlohmann::json::object();
      details["markers"] = Markers(device, markers[device], &r);
      details["trays"] = Trays(device, inputs[device], &r);
      details["supplies"] = Supplies(device, supplies[device], &r);
      Alerts(device, alerts[device], &r);
      Common(&r, cells_.NonEmpty(Col::kPrtGeneralSerialNumber, {device}), device,
             std::move(details));
      out->push_back(std::move(r));
    }
    return Status();
  }

  nlohmann::json Markers(uint32_t device, const std::set<uint32_t>& indexes,
                         store::PeripheralRecord* r) {
    nlohmann::json list = nlohmann::json::array();
    for (uint32_t m : indexes) {
      std::optional<int64_t> unit = cells_.Int(Col::kPrtMarkerCounterUnit, {device, m});
      nlohmann::json entry = {{"index", m}, {"unit", nullptr}};
      if (unit) entry["unit"] = EnumName(UnitNames(), *unit);
      list.push_back(entry);
      std::optional<uint64_t> count = cells_.Unsigned(Col::kPrtMarkerLifeCount, {device, m});
      if (!count || !unit || (*unit != kUnitImpressions && *unit != kUnitSheets)) continue;
      r->readings.push_back({std::string(store::kMetricPages), std::to_string(m),
                             store::MetricType::kLifeCount, *count, std::nullopt});
    }
    return list;
  }

  nlohmann::json Trays(uint32_t device, const std::set<uint32_t>& indexes,
                       store::PeripheralRecord* r) {
    nlohmann::json list = nlohmann::json::array();
    for (uint32_t t : indexes) {
      const Index i = {device, t};
      std::optional<int64_t> max = cells_.Int(Col::kPrtInputMaxCapacity, i);
      std::optional<int64_t> level = cells_.Int(Col::kPrtInputCurrentLevel, i);
      std::optional<int64_t> unit = cells_.Int(Col::kPrtInputCapacityUnit, i);
      std::optional<std::string> name = cells_.NonEmpty(Col::kPrtInputName, i);
      if (!name) name = cells_.NonEmpty(Col::kPrtInputDescription, i);
      nlohmann::json entry = {
          {"index", t}, {"name", nullptr}, {"media", nullptr}, {"unit", nullptr}, {"max", nullptr}};
      if (name) entry["name"] = *name;
      if (auto media = cells_.Text(Col::kPrtInputMediaName, i)) entry["media"] = *media;
      if (unit) entry["unit"] = EnumName(UnitNames(), *unit);
      if (max && *max > 0) entry["max"] = *max;
      list.push_back(entry);
      if (!level || *level < 0) continue;  // -1 other, -2 unknown, -3 some remaining
      if (max && *max > 0 && *level > *max) {
        Warn(device, "prtInputCurrentLevel",
             fmt::format("device {}: prtInputCurrentLevel.{}.{} is {}, above its maximum {}; "
                         "no reading",
                         device, device, t, *level, *max));
        continue;
      }
      r->readings.push_back({std::string(store::kMetricTrayLevel), std::to_string(t),
                             store::MetricType::kGauge, static_cast<uint64_t>(*level),
                             std::nullopt});
    }
    return list;
  }

  nlohmann::json Supplies(uint32_t device, const std::set<uint32_t>& indexes,
                          store::PeripheralRecord* r) {
    nlohmann::json list = nlohmann::json::array();
    for (uint32_t s : indexes) {
      const Index i = {device, s};
      std::optional<int64_t> max = cells_.Int(Col::kSuppliesMaxCapacity, i);
      std::optional<int64_t> level = cells_.Int(Col::kSuppliesLevel, i);
      std::optional<int64_t> type = cells_.Int(Col::kSuppliesType, i);
      std::optional<int64_t> unit = cells_.Int(Col::kSuppliesUnit, i);
      nlohmann::json entry = {{"index", s},
                              {"description", nullptr},
                              {"type", nullptr},
                              {"unit", nullptr},
                              {"max", nullptr}};
      if (auto d = cells_.Text(Col::kSuppliesDescription, i)) entry["description"] = *d;
      if (type) entry["type"] = EnumName(SupplyTypeNames(), *type);
      if (unit) entry["unit"] = EnumName(UnitNames(), *unit);
      if (max && *max > 0) entry["max"] = *max;
      list.push_back(entry);
      if (!level || *level < 0 || !max || *max <= 0) continue;
      if (*level > *max) {
        Warn(device, "prtMarkerSuppliesLevel",
             fmt::format("device {}: prtMarkerSuppliesLevel.{}.{} is {}, above its maximum {}; "
                         "no reading",
                         device, device, s, *level, *max));
        continue;
      }
      auto pct = static_cast<uint64_t>(
          std::llround(static_cast<double>(*level) * 100.0 / static_cast<double>(*max)));
      r->readings.push_back({std::string(store::kMetricSupplyLevelPct), std::to_string(s),
                             store::MetricType::kGauge, pct, std::nullopt});
    }
    return list;
  }

  void Alerts(uint32_t device, const std::set<uint32_t>& indexes, store::PeripheralRecord* r) {
    for (uint32_t a : indexes) {
      const Index i = {device, a};
      store::DeviceAlert alert;
      alert.index = a;
      if (auto v = cells_.Int(Col::kAlertSeverity, i))
        alert.severity = EnumName(SeverityNames(), *v);
      if (auto v = cells_.Int(Col::kAlertGroup, i)) alert.group = EnumName(AlertGroupNames(), *v);
      alert.group_index = cells_.Int(Col::kAlertGroupIndex, i).value_or(-1);
      if (auto v = cells_.Int(Col::kAlertCode, i)) alert.code = EnumName(AlertCodeNames(), *v);
      alert.description = cells_.Text(Col::kAlertDescription, i).value_or("");
      r->alerts.push_back(std::move(alert));
    }
  }

  // --- hosts --------------------------------------------------------------

  Status Host(std::vector<store::PeripheralRecord>* out) {
    store::PeripheralRecord r;
    r.kind = store::DeviceKind::kHost;
    r.device_index = 1;
    std::set<uint32_t> storage;
    for (Col c : {Col::kHrStorageType, Col::kHrStorageDescr, Col::kHrStorageUnits,
                  Col::kHrStorageSize, Col::kHrStorageUsed}) {
      for (const auto& [index, vb] : cells_.Column(c)) storage.insert(index[0]);
    }
    PERISCOPE_RETURN_IF_ERROR(CheckInstances(storage.size(), "storage areas", 1));
    const auto& loads = cells_.Column(Col::kHrProcessorLoad);
    PERISCOPE_RETURN_IF_ERROR(CheckInstances(loads.size(), "processors", 1));

    nlohmann::json storage_list = nlohmann::json::array();
    std::set<std::string> taken;
    for (uint32_t s : storage) {
      const Index i = {s};
      std::optional<std::string> type = StorageType(i);
      if (!type) continue;  // virtual memory, removable disks...: not tracked
      std::string name =
          cells_.NonEmpty(Col::kHrStorageDescr, i).value_or(fmt::format("hrStorage {}", s));
      name = UniqueName(&taken, name, s);
      std::optional<int64_t> units = cells_.Int(Col::kHrStorageUnits, i);
      std::optional<int64_t> size = cells_.Int(Col::kHrStorageSize, i);
      std::optional<int64_t> used = cells_.Int(Col::kHrStorageUsed, i);
      nlohmann::json entry = {{"descr", name}, {"type", *type}, {"size_bytes", nullptr}};
      bool valid = units && size && used && *units > 0 && *size > 0 && *used >= 0 && *used <= *size;
      if (units && size && used && !valid) {
        Warn(1, "hrStorageUsed",
             fmt::format("storage {} ({}): allocation units {}, size {}, used {} are not a "
                         "valid storage area; no reading",
                         s, name, *units, *size, *used));
      }
      if (valid) {
        int64_t size_bytes = *size * *units;  // both < 2^31: no overflow
        int64_t used_bytes = *used * *units;
        entry["size_bytes"] = size_bytes;
        r.readings.push_back({std::string(store::kMetricStorageUsedBytes), name,
                              store::MetricType::kGauge, static_cast<uint64_t>(used_bytes),
                              std::nullopt});
        r.readings.push_back({std::string(store::kMetricStorageSizeBytes), name,
                              store::MetricType::kGauge, static_cast<uint64_t>(size_bytes),
                              std::nullopt});
      }
      storage_list.push_back(entry);
    }
    int64_t load_sum = 0;
    size_t load_count = 0;
    for (const auto& [index, vb] : loads) {
      if (vb->integer < 0 || vb->integer > 100) {
        Warn(1, "hrProcessorLoad",
             fmt::format("hrProcessorLoad.{} is {}, outside 0..100; no reading", index[0],
                         vb->integer));
        continue;
      }
      load_sum += vb->integer;
      ++load_count;
      r.readings.push_back({std::string(store::kMetricCpuLoadPct), std::to_string(index[0]),
                            store::MetricType::kGauge, static_cast<uint64_t>(vb->integer),
                            std::nullopt});
    }
    if (load_count > 0) {
      auto mean = static_cast<uint64_t>(
          std::llround(static_cast<double>(load_sum) / static_cast<double>(load_count)));
      r.readings.push_back({std::string(store::kMetricCpuLoadPct), "all", store::MetricType::kGauge,
                            mean, std::nullopt});
    }
    nlohmann::json details = {{"storage", storage_list}, {"processors", loads.size()}};
    Common(&r, std::nullopt, std::nullopt, std::move(details));
    out->push_back(std::move(r));
    return Status();
  }

  // The tracked storage types (the value of hrStorageType, an OID under
  // hrStorageTypes, arrives dotted in octets: see JobResult).
  std::optional<std::string> StorageType(const Index& i) const {
    const VarBind* vb = cells_.Get(Col::kHrStorageType, i);
    if (vb == nullptr) return std::nullopt;
    static const std::map<std::string, std::string> kTracked = {
        {"1.3.6.1.2.1.25.2.1.2", "ram"},
        {"1.3.6.1.2.1.25.2.1.4", "fixedDisk"},
        {"1.3.6.1.2.1.25.2.1.9", "flashMemory"},
    };
    auto it = kTracked.find(vb->octets);
    if (it == kTracked.end()) return std::nullopt;
    return it->second;
  }

  // --- network ------------------------------------------------------------

  Status Network(std::vector<store::PeripheralRecord>* out) {
    store::PeripheralRecord r;
    r.kind = store::DeviceKind::kNetwork;
    r.device_index = 1;
    std::set<uint32_t> interfaces;
    for (Col c : {Col::kIfDescr, Col::kIfSpeed, Col::kIfInOctets, Col::kIfOutOctets, Col::kIfName,
                  Col::kIfHCInOctets, Col::kIfHCOutOctets, Col::kIfHighSpeed}) {
      for (const auto& [index, vb] : cells_.Column(c)) interfaces.insert(index[0]);
    }
    PERISCOPE_RETURN_IF_ERROR(CheckInstances(interfaces.size(), "interfaces", 1));
    nlohmann::json list = nlohmann::json::array();
    std::set<std::string> taken;
    for (uint32_t n : interfaces) {
      const Index i = {n};
      std::optional<std::string> name = cells_.NonEmpty(Col::kIfName, i);
      if (!name) name = cells_.NonEmpty(Col::kIfDescr, i);
      if (!name) name = fmt::format("ifIndex {}", n);
      name = UniqueName(&taken, *name, n);
      std::optional<uint64_t> high_speed = cells_.Unsigned(Col::kIfHighSpeed, i);
      std::optional<uint64_t> speed = cells_.Unsigned(Col::kIfSpeed, i);
      std::optional<double> bits_per_s;
      std::optional<uint64_t> speed_mbps;
      if (high_speed && *high_speed > 0) {
        bits_per_s = static_cast<double>(*high_speed) * 1e6;
        speed_mbps = *high_speed;
      } else if (speed && *speed > 0 && *speed != 0xffffffffULL) {
        bits_per_s = static_cast<double>(*speed);
        speed_mbps = *speed / 1000000;
      }
      std::optional<double> capacity;
      if (bits_per_s) capacity = *bits_per_s / 8;
      int counter_bits = 0;
      auto counter = [&](Col hc, Col low, std::string_view metric) {
        if (auto v = cells_.Unsigned(hc, i)) {
          counter_bits = 64;
          r.readings.push_back(
              {std::string(metric), *name, store::MetricType::kCounter64, *v, capacity});
        } else if (auto v32 = cells_.Unsigned(low, i)) {
          if (counter_bits == 0) counter_bits = 32;
          r.readings.push_back(
              {std::string(metric), *name, store::MetricType::kCounter32, *v32, capacity});
        }
      };
      counter(Col::kIfHCInOctets, Col::kIfInOctets, store::kMetricIfInOctets);
      counter(Col::kIfHCOutOctets, Col::kIfOutOctets, store::kMetricIfOutOctets);
      nlohmann::json entry = {
          {"name", *name}, {"index", n}, {"speed_mbps", nullptr}, {"counter_bits", nullptr}};
      if (speed_mbps) entry["speed_mbps"] = *speed_mbps;
      if (counter_bits != 0) entry["counter_bits"] = counter_bits;
      list.push_back(entry);
    }
    nlohmann::json details = {{"interfaces", list}};
    Common(&r, std::nullopt, std::nullopt, std::move(details));
    out->push_back(std::move(r));
    return Status();
  }

  const PeripheralDecodeOptions& options_;
  // Before cells_, whose construction warns.
  std::vector<store::PollWarning> warnings_;
  size_t warning_count_ = 0;
  Cells cells_;
};

}  // namespace

Result<DecodedPeripherals> DecodePeripherals(store::DeviceKind kind,
                                             const std::vector<VarBind>& varbinds,
                                             const PeripheralDecodeOptions& options) {
  Decoder decoder(varbinds, options);
  return decoder.Decode(kind);
}

}  // namespace periscope::poller
