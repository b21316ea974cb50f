#include "poller/decode.h"

#include <gtest/gtest.h>

#include <optional>

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

VarBind Of(uint32_t column, uint32_t index, ValueType type) {
  return Cell(mib::kDeviceTable, column, {index}, type);
}

// Every column of a valid device, as the subagent serves it.
std::vector<VarBind> FullDevice(uint32_t index, const std::string& serial) {
  return {
      Number(mib::kDeviceTable, mib::kDeviceType, {index}, 2, ValueType::kInteger),
      Text(mib::kDeviceProductName, index, "ストレージ"),
      Text(mib::kDeviceModel, index, "PSA-2000"),
      Text(mib::kDeviceProductNumber, index, "PN-1"),
      Text(mib::kDeviceSerialNumber, index, serial),
      Text(mib::kDeviceConfiguration, index, "RAID6"),
      Text(mib::kDeviceFirmware, index, "2.4.1"),
      Number(mib::kDeviceTable, mib::kDeviceCapacityBytes, {index}, 1ULL << 40),
      Number(mib::kDeviceTable, mib::kDeviceCacheBytes, {index}, 1ULL << 33),
      Text(mib::kDeviceSaleDate, index, std::string("\x07\xe9\x04\x01\x00\x00\x00\x00", 8)),
      Number(mib::kDeviceTable, mib::kDevicePrice, {index}, 1500000),
      Text(mib::kDeviceCurrency, index, "JPY"),
      Text(mib::kDeviceUserId, index, "cust-1"),
      Number(mib::kDeviceTable, mib::kDeviceUsedBytes, {index}, 1ULL << 39),
      Number(mib::kDeviceTable, mib::kDeviceLoadIntervalS, {index}, 10, ValueType::kGauge32),
      Number(mib::kDeviceTable, mib::kDeviceLoadPeakToday, {index}, 70, ValueType::kGauge32),
      Number(mib::kDeviceTable, mib::kDeviceLoadAvgToday, {index}, 1234, ValueType::kGauge32),
      Number(mib::kDeviceTable, mib::kDeviceWritesCompleted, {index}, ~0ULL),  // saturates
      Number(mib::kDeviceTable, mib::kDeviceBytesWritten, {index}, 4096),
      Number(mib::kDeviceTable, mib::kDeviceStatus, {index}, 1, ValueType::kInteger),
      Text(mib::kDeviceStatusText, index, "ok"),
  };
}

// Replaces (or removes, with nullopt) the varbind of one device column.
std::vector<VarBind> With(std::vector<VarBind> walk, uint32_t column,
                          std::optional<VarBind> replacement) {
  for (auto it = walk.begin(); it != walk.end(); ++it) {
    if (it->oid[mib::kPeriscopeMibRoot.size() + 1] == mib::kDeviceTable &&
        it->oid[mib::kPeriscopeMibRoot.size() + 3] == column) {
      if (replacement) {
        replacement->oid = it->oid;
        *it = *replacement;
      } else {
        walk.erase(it);
      }
      return walk;
    }
  }
  ADD_FAILURE() << "no column " << column;
  return walk;
}

bool HasWarning(const DecodedTarget& t, int64_t device, const std::string& column,
                const std::string& text) {
  for (const auto& w : t.warnings) {
    if (w.device_index == device && w.column == column &&
        w.message.find(text) != std::string::npos) {
      return true;
    }
  }
  return false;
}

TEST(DecodeTest, DevicesAndDailyRowsAreGroupedByIndex) {
  std::vector<VarBind> walk = FullDevice(1, "SN1");
  for (VarBind& v : FullDevice(7, "SN7")) walk.push_back(v);
  walk = With(walk, mib::kDeviceSaleDate,
              Text(mib::kDeviceSaleDate, 1, std::string("\x07\xb2\x01\x01\x00\x00\x00\x00", 8)));
  walk.push_back(
      Number(mib::kDailyTable, mib::kDailyLoadPeak, {1, 20261120}, 50, ValueType::kGauge32));
  walk.push_back(
      Number(mib::kDailyTable, mib::kDailyLoadPeak, {1, 20261121}, 70, ValueType::kGauge32));
  walk.push_back(
      Number(mib::kDailyTable, mib::kDailyIntervals, {1, 20261121}, 8640, ValueType::kGauge32));
  auto decoded = DecodeDevices(walk);
  ASSERT_TRUE(decoded.ok()) << decoded.status().message();
  EXPECT_TRUE(decoded->warnings.empty());
  ASSERT_EQ(decoded->devices.size(), 2u);
  const store::DeviceRecord& d = decoded->devices[0];
  EXPECT_EQ(d.device_index, 1);
  EXPECT_EQ(d.serial_number, "SN1");
  ASSERT_TRUE(d.spec.has_value());
  EXPECT_EQ(d.spec->type, 2);
  EXPECT_EQ(d.spec->product_name, "ストレージ");
  EXPECT_EQ(d.spec->capacity_bytes, 1LL << 40);
  EXPECT_EQ(d.spec->currency, "JPY");
  EXPECT_FALSE(d.spec->sale_date.has_value());  // 1970-01-01 = unknown, still a valid spec
  EXPECT_EQ(decoded->devices[1].spec->sale_date, 20250401);
  EXPECT_EQ(d.usage.used_bytes, 1LL << 39);
  EXPECT_EQ(d.usage.writes_completed, INT64_MAX);
  EXPECT_EQ(d.usage.load_avg_today_centi, 1234);
  ASSERT_EQ(d.daily.size(), 2u);
  EXPECT_EQ(d.daily[0].date, 20261120);
  EXPECT_EQ(d.daily[1].load_peak, 70);
  EXPECT_EQ(d.daily[1].intervals, 8640);
  EXPECT_FALSE(d.daily[0].intervals.has_value());
}

TEST(DecodeTest, WrongTypedValuesAreMissingWithAWarningNamingDeviceColumnAndValue) {
  VarBind integer_name = Of(mib::kDeviceProductName, 1, ValueType::kInteger);
  integer_name.integer = 42;
  VarBind string_used = Text(mib::kDeviceUsedBytes, 1, "lots");
  VarBind null_writes = Of(mib::kDeviceWritesCompleted, 1, static_cast<ValueType>(0x05));
  VarBind ip_firmware = Of(mib::kDeviceFirmware, 1, static_cast<ValueType>(0x40));
  VarBind oid_status = Of(mib::kDeviceStatus, 1, ValueType::kObjectId);
  VarBind gauge_capacity = Number(mib::kDeviceTable, mib::kDeviceCapacityBytes, {1}, 5,
                                  ValueType::kGauge32);  // CounterBasedGauge64 is Counter64
  std::vector<VarBind> walk = FullDevice(1, "SN1");
  walk = With(walk, mib::kDeviceProductName, integer_name);
  walk = With(walk, mib::kDeviceUsedBytes, string_used);
  walk = With(walk, mib::kDeviceWritesCompleted, null_writes);
  walk = With(walk, mib::kDeviceFirmware, ip_firmware);
  walk = With(walk, mib::kDeviceStatus, oid_status);
  walk = With(walk, mib::kDeviceCapacityBytes, gauge_capacity);
  auto r = DecodeDevices(walk);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->devices.size(), 1u);
  const store::DeviceRecord& d = r->devices[0];
  EXPECT_FALSE(d.usage.used_bytes.has_value());
  EXPECT_FALSE(d.usage.writes_completed.has_value());
  EXPECT_FALSE(d.usage.status.has_value());
  EXPECT_FALSE(d.usage.capacity_bytes.has_value());
  EXPECT_EQ(d.usage.bytes_written, 4096);  // the valid columns are kept
  EXPECT_FALSE(d.spec.has_value());        // an invalid spec field: no spec row
  EXPECT_EQ(r->warnings.size(), 6u);
  EXPECT_TRUE(HasWarning(*r, 1, "periscopeDeviceProductName", "INTEGER 42"));
  EXPECT_TRUE(HasWarning(*r, 1, "periscopeDeviceUsedBytes", "OCTET STRING of 4 bytes"));
  EXPECT_TRUE(HasWarning(*r, 1, "periscopeDeviceWritesCompleted", "NULL"));
  EXPECT_TRUE(HasWarning(*r, 1, "periscopeDeviceFirmware", "IpAddress"));
  EXPECT_TRUE(HasWarning(*r, 1, "periscopeDeviceStatus", "OBJECT IDENTIFIER"));
  EXPECT_TRUE(HasWarning(*r, 1, "periscopeDeviceCapacityBytes", "Gauge32 5"));
}

TEST(DecodeTest, OutOfRangeEnumerationsAndCurrenciesAreRefused) {
  std::vector<VarBind> walk = FullDevice(1, "SN1");
  walk = With(walk, mib::kDeviceType,
              Number(mib::kDeviceTable, mib::kDeviceType, {1}, 10, ValueType::kInteger));
  walk = With(walk, mib::kDeviceStatus,
              Number(mib::kDeviceTable, mib::kDeviceStatus, {1}, 0, ValueType::kInteger));
  walk = With(walk, mib::kDeviceCurrency, Text(mib::kDeviceCurrency, 1, "yen"));
  auto r = DecodeDevices(walk);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->devices[0].spec.has_value());
  EXPECT_FALSE(r->devices[0].usage.status.has_value());
  EXPECT_TRUE(HasWarning(*r, 1, "periscopeDeviceType", "INTEGER 10"));
  EXPECT_TRUE(HasWarning(*r, 1, "periscopeDeviceStatus", "INTEGER 0"));
  EXPECT_TRUE(HasWarning(*r, 1, "periscopeDeviceCurrency", "OCTET STRING of 3 bytes"));
}

TEST(DecodeTest, CalendarImpossibleDateAndTimeIsRefused) {
  for (const std::string& octets :
       {std::string("\x07\xea\x0d\x01\x00\x00\x00\x00", 8),               // 13
        std::string("\x07\xea\x02\x2d\x00\x00\x00\x00", 8),               // 45
        std::string("\x07\xea\x02\x1e\x00\x00\x00\x00", 8),               // 2-30
        std::string("\x07\xea\x02\x01\x18\x00\x00\x00", 8),               // 24 h
        std::string("\x07\xea\x02\x01", 4),                               // short
        std::string("\x07\xea\x02\x01\x00\x00\x00\x00*\x00\x00", 11)}) {  // bad UTC direction
    auto r = DecodeDevices(
        With(FullDevice(1, "SN1"), mib::kDeviceSaleDate, Text(mib::kDeviceSaleDate, 1, octets)));
    ASSERT_TRUE(r.ok());
    EXPECT_FALSE(r->devices[0].spec.has_value());
    EXPECT_TRUE(HasWarning(*r, 1, "periscopeDeviceSaleDate", "DateAndTime"));
  }
  auto ok = DecodeDevices(
      With(FullDevice(1, "SN1"), mib::kDeviceSaleDate,
           Text(mib::kDeviceSaleDate, 1,
                std::string("\x07\xe8\x02\x1d\x17\x3b\x3c\x09+\x09\x00", 11))));  // 2024-02-29
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->devices[0].spec->sale_date, 20240229);
}

TEST(DecodeTest, DailyRowsDatedImpossiblyOrAfterTomorrowAreIgnored) {
  std::vector<VarBind> walk = FullDevice(1, "SN1");
  for (uint32_t date : {0u, 99999999u, 20260230u, 20261203u, 20261202u}) {
    walk.push_back(
        Number(mib::kDailyTable, mib::kDailyLoadPeak, {1, date}, 5, ValueType::kGauge32));
    walk.push_back(
        Number(mib::kDailyTable, mib::kDailyUsedBytes, {1, date}, 7, ValueType::kCounter64));
  }
  DecodeOptions options;
  options.latest_date = 20261202;
  auto r = DecodeDevices(walk, options);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->devices[0].daily.size(), 1u);
  EXPECT_EQ(r->devices[0].daily[0].date, 20261202);
  EXPECT_EQ(r->warnings.size(), 4u);  // one per refused day, not per column
  EXPECT_TRUE(HasWarning(*r, 1, "periscopeDailyDate", "99999999 is not a real date"));
  EXPECT_TRUE(HasWarning(*r, 1, "periscopeDailyDate", "20261203 is after the poller's tomorrow"));
}

TEST(DecodeTest, HiddenColumnsAreMissingNotZero) {
  std::vector<VarBind> walk = FullDevice(1, "SN1");
  walk = With(walk, mib::kDeviceUsedBytes, std::nullopt);
  walk = With(walk, mib::kDeviceLoadPeakToday, std::nullopt);
  walk.push_back(
      Number(mib::kDailyTable, mib::kDailyLoadPeak, {1, 20261120}, 50, ValueType::kGauge32));
  auto r = DecodeDevices(walk);
  ASSERT_TRUE(r.ok());
  const store::DeviceRecord& d = r->devices[0];
  EXPECT_FALSE(d.usage.used_bytes.has_value());
  EXPECT_FALSE(d.usage.load_peak_today.has_value());
  EXPECT_FALSE(d.daily[0].used_bytes.has_value());
  EXPECT_TRUE(d.spec.has_value());  // the hidden columns are usage, not spec
  EXPECT_TRUE(r->warnings.empty());
}

TEST(DecodeTest, AHiddenSpecColumnMeansNoSpecRow) {
  auto r = DecodeDevices(With(FullDevice(1, "SN1"), mib::kDeviceFirmware, std::nullopt));
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->devices.size(), 1u);
  EXPECT_FALSE(r->devices[0].spec.has_value());
}

TEST(DecodeTest, ASerialMissingEmptyOrOfTheWrongTypeNeverBecomesAnIdentity) {
  VarBind integer_serial = Of(mib::kDeviceSerialNumber, 2, ValueType::kInteger);
  integer_serial.integer = 12345;
  std::vector<VarBind> walk = FullDevice(1, "SN1");
  for (VarBind& v : With(FullDevice(2, "x"), mib::kDeviceSerialNumber, integer_serial)) {
    walk.push_back(v);
  }
  for (VarBind& v : FullDevice(3, "")) walk.push_back(v);
  for (VarBind& v : With(FullDevice(4, "x"), mib::kDeviceSerialNumber, std::nullopt)) {
    walk.push_back(v);
  }
  walk.push_back(  // a daily row of a device that has no device row at all
      Number(mib::kDailyTable, mib::kDailyLoadPeak, {9, 20261120}, 50, ValueType::kGauge32));
  auto r = DecodeDevices(walk);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->devices.size(), 1u);
  EXPECT_EQ(r->devices[0].serial_number, "SN1");
  EXPECT_TRUE(HasWarning(*r, 2, "periscopeDeviceSerialNumber", "INTEGER 12345"));
  EXPECT_TRUE(HasWarning(*r, 2, "periscopeDeviceSerialNumber", "device not stored"));
  EXPECT_TRUE(HasWarning(*r, 3, "periscopeDeviceSerialNumber", "is empty"));
  EXPECT_TRUE(HasWarning(*r, 4, "periscopeDeviceSerialNumber", "missing"));
  EXPECT_TRUE(HasWarning(*r, 9, "periscopeDeviceSerialNumber", "missing"));
}

TEST(DecodeTest, MoreDevicesThanTheLimitFailsTheTarget) {
  std::vector<VarBind> walk;
  for (uint32_t i = 1; i <= 4; ++i) walk.push_back(Text(mib::kDeviceSerialNumber, i, "S"));
  DecodeOptions options;
  options.max_devices = 4;
  EXPECT_TRUE(DecodeDevices(walk, options).ok());
  options.max_devices = 3;
  auto r = DecodeDevices(walk, options);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kResourceExhausted);
  EXPECT_NE(r.status().message().find("4 devices, more than the limit of 3"), std::string::npos);
}

TEST(DecodeTest, WarningsAreBoundedPerTarget) {
  std::vector<VarBind> walk = FullDevice(1, "SN1");
  for (uint32_t day = 0; day < 500; ++day) {
    walk.push_back(Number(mib::kDailyTable, mib::kDailyLoadPeak, {1, day}, 5, ValueType::kGauge32));
  }
  DecodeOptions options;
  options.max_warnings = 10;
  auto r = DecodeDevices(walk, options);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->warnings.size(), 11u);
  EXPECT_EQ(r->warnings.back().message, "490 more warnings not stored");
}

TEST(DecodeTest, UntrustedStringsAreCleanedAndOverlongOnesRefused) {
  auto r = DecodeDevices(With(With(FullDevice(1, "S\r\nBcc: x"), mib::kDeviceModel,
                                   Text(mib::kDeviceModel, 1, std::string(256, 'm'))),
                              mib::kDeviceStatusText,
                              Text(mib::kDeviceStatusText, 1, std::string(255, 's') + "")));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->devices[0].serial_number, "S??Bcc: x");
  EXPECT_FALSE(r->devices[0].spec.has_value());
  EXPECT_EQ(r->devices[0].usage.status_text->size(), 255u);
  EXPECT_TRUE(HasWarning(*r, 1, "periscopeDeviceModel", "OCTET STRING of 256 bytes"));
}

TEST(DecodeTest, CleaningKeepsUtf8AndMarksEveryControlCharacter) {
  auto r = DecodeDevices(FullDevice(1, "装置\t01\n"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->devices[0].serial_number, "装置?01?");
}

}  // namespace
}  // namespace periscope::poller
