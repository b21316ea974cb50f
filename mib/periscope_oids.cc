#include "mib/periscope_oids.h"

namespace periscope::mib {

std::vector<NamedOid> AllNamedOids() {
  std::vector<NamedOid> out = {
      {"periscopeMIB", Oid({})},
      {"periscopeNotifications", Oid({kNotifications})},
      {"periscopeCapacityThresholdCrossed", Oid({kNotifications, kNotifyCapacityThresholdCrossed})},
      {"periscopeObjects", Oid({kObjects})},
      {"periscopeAgent", Oid({kObjects, kAgentGroup})},
      {"periscopeAgentVersion", Oid({kObjects, kAgentGroup, kAgentVersion})},
      {"periscopeAgentSamplingIntervalS", Oid({kObjects, kAgentGroup, kAgentSamplingIntervalS})},
      {"periscopeAgentLastSampleTime", Oid({kObjects, kAgentGroup, kAgentLastSampleTime})},
      {"periscopeAgentDeviceCount", Oid({kObjects, kAgentGroup, kAgentDeviceCount})},
      {"periscopeAgentCapacityThresholdPct",
       Oid({kObjects, kAgentGroup, kAgentCapacityThresholdPct})},
      {"periscopeAgentCapacityHysteresisPct",
       Oid({kObjects, kAgentGroup, kAgentCapacityHysteresisPct})},
      {"periscopeAgentDailyRetentionDays", Oid({kObjects, kAgentGroup, kAgentDailyRetentionDays})},
      {"periscopeDeviceTable", Oid({kObjects, kDeviceTable})},
      {"periscopeDeviceEntry", Oid({kObjects, kDeviceTable, kEntry})},
      {"periscopeDailyTable", Oid({kObjects, kDailyTable})},
      {"periscopeDailyEntry", Oid({kObjects, kDailyTable, kEntry})},
      {"periscopeItemTable", Oid({kObjects, kItemTable})},
      {"periscopeItemEntry", Oid({kObjects, kItemTable, kEntry})},
  };
  struct Column {
    std::string_view name;
    uint32_t table;
    uint32_t column;
  };
  static constexpr Column kColumns[] = {
      {"periscopeDeviceIndex", kDeviceTable, kDeviceIndex},
      {"periscopeDeviceType", kDeviceTable, kDeviceType},
      {"periscopeDeviceProductName", kDeviceTable, kDeviceProductName},
      {"periscopeDeviceModel", kDeviceTable, kDeviceModel},
      {"periscopeDeviceProductNumber", kDeviceTable, kDeviceProductNumber},
      {"periscopeDeviceSerialNumber", kDeviceTable, kDeviceSerialNumber},
      {"periscopeDeviceConfiguration", kDeviceTable, kDeviceConfiguration},
      {"periscopeDeviceFirmware", kDeviceTable, kDeviceFirmware},
      {"periscopeDeviceCapacityBytes", kDeviceTable, kDeviceCapacityBytes},
      {"periscopeDeviceCacheBytes", kDeviceTable, kDeviceCacheBytes},
      {"periscopeDeviceSaleDate", kDeviceTable, kDeviceSaleDate},
      {"periscopeDevicePrice", kDeviceTable, kDevicePrice},
      {"periscopeDeviceCurrency", kDeviceTable, kDeviceCurrency},
      {"periscopeDeviceUserId", kDeviceTable, kDeviceUserId},
      {"periscopeDeviceUsedBytes", kDeviceTable, kDeviceUsedBytes},
      {"periscopeDeviceLoadIntervalS", kDeviceTable, kDeviceLoadIntervalS},
      {"periscopeDeviceLoadPeakToday", kDeviceTable, kDeviceLoadPeakToday},
      {"periscopeDeviceLoadAvgToday", kDeviceTable, kDeviceLoadAvgToday},
      {"periscopeDeviceWritesCompleted", kDeviceTable, kDeviceWritesCompleted},
      {"periscopeDeviceBytesWritten", kDeviceTable, kDeviceBytesWritten},
      {"periscopeDeviceStatus", kDeviceTable, kDeviceStatus},
      {"periscopeDeviceStatusText", kDeviceTable, kDeviceStatusText},
      {"periscopeDeviceLastSampleTime", kDeviceTable, kDeviceLastSampleTime},
      {"periscopeDailyDate", kDailyTable, kDailyDate},
      {"periscopeDailyLoadPeak", kDailyTable, kDailyLoadPeak},
      {"periscopeDailyLoadAvg", kDailyTable, kDailyLoadAvg},
      {"periscopeDailyUsedBytes", kDailyTable, kDailyUsedBytes},
      {"periscopeDailyIntervals", kDailyTable, kDailyIntervals},
      {"periscopeItemName", kItemTable, kItemName},
      {"periscopeItemValue", kItemTable, kItemValue},
      {"periscopeItemUnit", kItemTable, kItemUnit},
      {"periscopeItemSource", kItemTable, kItemSource},
  };
  for (const Column& c : kColumns) {
    out.push_back({c.name, Oid({kObjects, c.table, kEntry, c.column})});
  }
  return out;
}

std::string_view DeviceTypeLabel(DeviceType type) {
  switch (type) {
    case DeviceType::kOther:
      return "other";
    case DeviceType::kDiskArray:
      return "diskArray";
    case DeviceType::kTapeLibrary:
      return "tapeLibrary";
    case DeviceType::kOpticalLibrary:
      return "opticalLibrary";
    case DeviceType::kDisk:
      return "disk";
    case DeviceType::kPrinter:
      return "printer";
    case DeviceType::kCopier:
      return "copier";
    case DeviceType::kPersonalComputer:
      return "personalComputer";
    case DeviceType::kNetwork:
      return "network";
  }
  return "other";
}

}  // namespace periscope::mib
