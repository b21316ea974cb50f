// OIDs of PERISCOPE-MIB (mib/PERISCOPE-MIB.txt is the contract).
//
// tests/mib/oids_test.cc checks every constant here against the MIB text, so a
// change on one side without the other fails the build's tests. To move the
// module under the vendor's own enterprise number, change kPeriscopeMibRoot and
// the MODULE-IDENTITY line of the MIB; everything else is relative.
#ifndef PERISCOPE_MIB_PERISCOPE_OIDS_H_
#define PERISCOPE_MIB_PERISCOPE_OIDS_H_

#include <cstdint>
#include <initializer_list>
#include <string_view>
#include <vector>

namespace periscope::mib {

using OidVector = std::vector<uint32_t>;

// periscopeMIB ::= { netSnmpPlaypen 1 }
inline const OidVector kPeriscopeMibRoot = {1, 3, 6, 1, 4, 1, 8072, 9999, 9999, 1};

// Returns kPeriscopeMibRoot followed by `suffix`.
inline OidVector Oid(std::initializer_list<uint32_t> suffix) {
  OidVector out = kPeriscopeMibRoot;
  out.insert(out.end(), suffix.begin(), suffix.end());
  return out;
}

// periscopeNotifications (0)
inline constexpr uint32_t kNotifications = 0;
inline constexpr uint32_t kNotifyCapacityThresholdCrossed = 1;

// periscopeObjects (1)
inline constexpr uint32_t kObjects = 1;
inline constexpr uint32_t kAgentGroup = 1;   // periscopeAgent scalars
inline constexpr uint32_t kDeviceTable = 2;  // periscopeDeviceTable
inline constexpr uint32_t kDailyTable = 3;   // periscopeDailyTable
inline constexpr uint32_t kItemTable = 4;    // periscopeItemTable
inline constexpr uint32_t kEntry = 1;        // xxxEntry under every table

enum AgentScalar : uint32_t {
  kAgentVersion = 1,
  kAgentSamplingIntervalS = 2,
  kAgentLastSampleTime = 3,
  kAgentDeviceCount = 4,
  kAgentCapacityThresholdPct = 5,
  kAgentCapacityHysteresisPct = 6,
  kAgentDailyRetentionDays = 7,
};
inline constexpr uint32_t kAgentFirstScalar = kAgentVersion;
inline constexpr uint32_t kAgentLastScalar = kAgentDailyRetentionDays;

enum DeviceColumn : uint32_t {
  kDeviceIndex = 1,  // not-accessible
  kDeviceType = 2,
  kDeviceProductName = 3,
  kDeviceModel = 4,
  kDeviceProductNumber = 5,
  kDeviceSerialNumber = 6,
  kDeviceConfiguration = 7,
  kDeviceFirmware = 8,
  kDeviceCapacityBytes = 9,
  kDeviceCacheBytes = 10,
  kDeviceSaleDate = 11,
  kDevicePrice = 12,
  kDeviceCurrency = 13,
  kDeviceUserId = 14,
  kDeviceUsedBytes = 15,
  kDeviceLoadIntervalS = 16,
  kDeviceLoadPeakToday = 17,
  kDeviceLoadAvgToday = 18,
  kDeviceWritesCompleted = 19,
  kDeviceBytesWritten = 20,
  kDeviceStatus = 21,
  kDeviceStatusText = 22,
  kDeviceLastSampleTime = 23,
};
inline constexpr uint32_t kDeviceFirstColumn = kDeviceType;
inline constexpr uint32_t kDeviceLastColumn = kDeviceLastSampleTime;

enum DailyColumn : uint32_t {
  kDailyDate = 1,  // not-accessible
  kDailyLoadPeak = 2,
  kDailyLoadAvg = 3,
  kDailyUsedBytes = 4,
  kDailyIntervals = 5,
};
inline constexpr uint32_t kDailyFirstColumn = kDailyLoadPeak;
inline constexpr uint32_t kDailyLastColumn = kDailyIntervals;

enum ItemColumn : uint32_t {
  kItemName = 1,  // not-accessible
  kItemValue = 2,
  kItemUnit = 3,
  kItemSource = 4,
};
inline constexpr uint32_t kItemFirstColumn = kItemValue;
inline constexpr uint32_t kItemLastColumn = kItemSource;

// Value sets of the MIB's enumerations.
enum class DeviceType : int32_t {
  kOther = 1,
  kDiskArray = 2,
  kTapeLibrary = 3,
  kOpticalLibrary = 4,
  kDisk = 5,
  kPrinter = 6,
  kCopier = 7,
  kPersonalComputer = 8,
  kNetwork = 9,
};
enum class DeviceStatus : int32_t { kOk = 1, kDegraded = 2, kUnavailable = 3 };
enum class ItemSource : int32_t { kStatic = 1, kFile = 2, kBuiltin = 3 };

// MIB size limits the agent enforces on served strings.
inline constexpr size_t kMaxAdminStringBytes = 255;
inline constexpr size_t kMaxItemNameBytes = 64;
inline constexpr size_t kMaxItemUnitBytes = 32;
inline constexpr size_t kMaxAgentVersionBytes = 64;

// One named OID of the MIB, for the consistency test and for tools.
struct NamedOid {
  std::string_view name;
  OidVector oid;
};

// Every object, table, entry and notification defined in PERISCOPE-MIB.
std::vector<NamedOid> AllNamedOids();

// The MIB's enumeration labels, as spelled in the MIB.
std::string_view DeviceTypeLabel(DeviceType type);

}  // namespace periscope::mib

#endif  // PERISCOPE_MIB_PERISCOPE_OIDS_H_
