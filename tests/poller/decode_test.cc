#include "poller/decode.h"

#include <gtest/gtest.h>

#include "mib/periscope_oids.h"

namespace periscope::poller {
namespace {

using snmp::ValueType;
using snmp::VarBind;

VarBind Cell(uint32_t table, uint32_t column, std::vector<uint32_t> index, ValueType type) {
  VarBind v;
  v.oid = mib::Oid({mib::kObjects, table, mib::kEntry, column});
  v.oid.insert(v.oid.end(), index.begin(), index.end());
  v.type = type;
  return v;
}
VarBind Text(uint32_t column, uint32_t index, std::string s) {
  VarBind v = Cell(mib::kDeviceTable, column, {index}, ValueType::kOctets);
  v.octets = std::move(s);
  return v;
}
VarBind Number(uint32_t table, uint32_t column, std::vector<uint32_t> index, uint64_t n,
               ValueType type = ValueType::kCounter64) {
  VarBind v = Cell(table, column, std::move(index), type);
  v.unsigned_value = n;
  v.integer = static_cast<int64_t>(n);
  return v;
}

TEST(DecodeTest, DevicesAndDailyRowsAreGroupedByIndex) {
  std::vector<VarBind> walk = {
      Number(mib::kDeviceTable, mib::kDeviceType, {1}, 2, ValueType::kInteger),
      Number(mib::kDeviceTable, mib::kDeviceType, {7}, 3, ValueType::kInteger),
      Text(mib::kDeviceProductName, 1, "ストレージ"),
      Text(mib::kDeviceSerialNumber, 1, "SN1"),
      Text(mib::kDeviceSerialNumber, 7, "SN7"),
      Text(mib::kDeviceFirmware, 1, "2.4.1"),
      Number(mib::kDeviceTable, mib::kDeviceCapacityBytes, {1}, 1ULL << 40),
      Number(mib::kDeviceTable, mib::kDeviceUsedBytes, {1}, 1ULL << 39),
      Number(mib::kDeviceTable, mib::kDeviceWritesCompleted, {1}, ~0ULL),  // saturates
      Text(mib::kDeviceSaleDate, 1, std::string("\x07\xe9\x04\x01\x00\x00\x00\x00", 8)),
      Text(mib::kDeviceSaleDate, 7, std::string("\x07\xb2\x01\x01\x00\x00\x00\x00", 8)),
      Number(mib::kDailyTable, mib::kDailyLoadPeak, {1, 20261120}, 50, ValueType::kGauge32),
      Number(mib::kDailyTable, mib::kDailyLoadPeak, {1, 20261121}, 70, ValueType::kGauge32),
      Number(mib::kDailyTable, mib::kDailyIntervals, {1, 20261121}, 8640, ValueType::kGauge32),
  };
  auto devices = DecodeDevices(walk);
  ASSERT_TRUE(devices.ok()) << devices.status().message();
  ASSERT_EQ(devices->size(), 2u);
  const store::DeviceRecord& d = (*devices)[0];
  EXPECT_EQ(d.device_index, 1);
  EXPECT_EQ(d.spec.type, 2);
  EXPECT_EQ(d.spec.product_name, "ストレージ");
  EXPECT_EQ(d.spec.serial_number, "SN1");
  EXPECT_EQ(d.spec.capacity_bytes, 1LL << 40);
  EXPECT_EQ(d.usage.used_bytes, 1LL << 39);
  EXPECT_EQ(d.usage.writes_completed, INT64_MAX);
  EXPECT_EQ(d.spec.sale_date, 20250401);
  EXPECT_FALSE((*devices)[1].spec.sale_date.has_value());  // 1970-01-01 = unknown
  ASSERT_EQ(d.daily.size(), 2u);
  EXPECT_EQ(d.daily[0].date, 20261120);
  EXPECT_EQ(d.daily[1].load_peak, 70);
  EXPECT_EQ(d.daily[1].intervals, 8640);
}

TEST(DecodeTest, ADeviceWithoutSerialIsAProtocolError) {
  auto r =
      DecodeDevices({Number(mib::kDeviceTable, mib::kDeviceType, {3}, 2, ValueType::kInteger)});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("device 3 has no serial number"), std::string::npos);
}

TEST(DecodeTest, UntrustedStringsAreBoundedAndCleaned) {
  auto r = DecodeDevices({Text(mib::kDeviceSerialNumber, 1, "S\r\nBcc: x"),
                          Text(mib::kDeviceModel, 1, std::string(1000, 'm') + "\xff")});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[0].spec.serial_number, "S??Bcc: x");
  EXPECT_EQ((*r)[0].spec.model.size(), 255u);
}

}  // namespace
}  // namespace periscope::poller
