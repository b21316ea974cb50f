#include "poller/peripheral_decode.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "poller/peripheral_plan.h"

namespace periscope::poller {
namespace {

using snmp::Oid;
using snmp::ValueType;
using snmp::VarBind;
using store::DeviceKind;
using store::MetricReading;
using store::MetricType;
using store::PeripheralRecord;

Oid At(const Oid& entry, std::initializer_list<uint32_t> arcs) {
  Oid o = entry;
  o.insert(o.end(), arcs.begin(), arcs.end());
  return o;
}

VarBind Int(Oid oid, int64_t v) {
  VarBind vb;
  vb.oid = std::move(oid);
  vb.type = ValueType::kInteger;
  vb.integer = v;
  return vb;
}

VarBind Str(Oid oid, std::string v) {
  VarBind vb;
  vb.oid = std::move(oid);
  vb.type = ValueType::kOctets;
  vb.octets = std::move(v);
  return vb;
}

VarBind Unsigned(Oid oid, ValueType type, uint64_t v) {
  VarBind vb;
  vb.oid = std::move(oid);
  vb.type = type;
  vb.unsigned_value = v;
  return vb;
}

VarBind ObjectId(Oid oid, std::string dotted) {
  VarBind vb;
  vb.oid = std::move(oid);
  vb.type = ValueType::kObjectId;
  vb.octets = std::move(dotted);
  return vb;
}

PeripheralDecodeOptions Options() {
  PeripheralDecodeOptions o;
  o.target_address = "192.0.2.7";
  o.target_port = 1161;
  return o;
}

const MetricReading* Find(const PeripheralRecord& r, std::string_view metric,
                          std::string_view instance) {
  for (const MetricReading& m : r.readings) {
    if (m.metric == metric && m.instance == instance) return &m;
  }
  return nullptr;
}

bool Warned(const DecodedPeripherals& d, std::string_view column) {
  for (const auto& w : d.warnings) {
    if (w.column == column) return true;
  }
  return false;
}

// Printer-MIB columns by entry and column number.
Oid Marker(uint32_t column, uint32_t device, uint32_t marker) {
  return At(oids::kPrtMarkerEntry, {column, device, marker});
}
Oid Supply(uint32_t column, uint32_t device, uint32_t supply) {
  return At(oids::kPrtMarkerSuppliesEntry, {column, device, supply});
}
Oid Input(uint32_t column, uint32_t device, uint32_t input) {
  return At(oids::kPrtInputEntry, {column, device, input});
}
Oid Entity(uint32_t column, uint32_t index) { return At(oids::kEntPhysicalEntry, {column, index}); }

std::vector<VarBind> APrinter() {
  return {
      Str(At(oids::kSysDescr, {0}), "ACME LaserJet firmware 2.1"),
      Unsigned(At(oids::kSysUpTime, {0}), ValueType::kTimeTicks, 123456),
      Str(At(oids::kHrDeviceEntry, {3, 1}), "ACME LJ 4000"),
      Str(At(oids::kPrtGeneralSerialNumber, {1}), "SN-0001"),
      Int(Marker(3, 1, 1), 7),  // impressions
      Unsigned(Marker(4, 1, 1), ValueType::kCounter32, 98765),
      Int(Input(2, 1, 1), 3),
      Int(Input(8, 1, 1), 8),  // sheets
      Int(Input(9, 1, 1), 500),
      Int(Input(10, 1, 1), 250),
      Str(Input(12, 1, 1), "A4"),
      Str(Input(13, 1, 1), "Tray 1"),
      Int(Supply(5, 1, 1), 3),  // toner
      Str(Supply(6, 1, 1), "Black Toner"),
      Int(Supply(7, 1, 1), 19),  // percent
      Int(Supply(8, 1, 1), 100),
      Int(Supply(9, 1, 1), 42),
      Int(At(oids::kPrtAlertEntry, {2, 1, 5}), 4),
      Int(At(oids::kPrtAlertEntry, {4, 1, 5}), 8),
      Int(At(oids::kPrtAlertEntry, {5, 1, 5}), 2),
      Int(At(oids::kPrtAlertEntry, {7, 1, 5}), 807),
      Str(At(oids::kPrtAlertEntry, {8, 1, 5}), "Tray 2 low"),
  };
}

TEST(PrinterDecode, ReadsPagesSuppliesTraysAndAlerts) {
  auto d = DecodePeripherals(DeviceKind::kPrinter, APrinter(), Options());
  ASSERT_TRUE(d.ok()) << d.status().message();
  ASSERT_EQ(d->devices.size(), 1u);
  const PeripheralRecord& p = d->devices[0];
  EXPECT_EQ(p.kind, DeviceKind::kPrinter);
  EXPECT_EQ(p.device_index, 1);
  EXPECT_EQ(p.serial_number, "SN-0001");
  EXPECT_EQ(p.uptime_cs, 123456);
  const MetricReading* pages = Find(p, store::kMetricPages, "1");
  ASSERT_NE(pages, nullptr);
  EXPECT_EQ(pages->type, MetricType::kLifeCount);
  EXPECT_EQ(pages->value, 98765u);
  const MetricReading* toner = Find(p, store::kMetricSupplyLevelPct, "1");
  ASSERT_NE(toner, nullptr);
  EXPECT_EQ(toner->type, MetricType::kGauge);
  EXPECT_EQ(toner->value, 42u);
  const MetricReading* tray = Find(p, store::kMetricTrayLevel, "1");
  ASSERT_NE(tray, nullptr);
  EXPECT_EQ(tray->value, 250u);
  ASSERT_EQ(p.alerts.size(), 1u);
  EXPECT_EQ(p.alerts[0].index, 5);
  EXPECT_EQ(p.alerts[0].severity, "warning");
  EXPECT_EQ(p.alerts[0].group, "input");
  EXPECT_EQ(p.alerts[0].group_index, 2);
  EXPECT_EQ(p.alerts[0].code, "inputMediaSupplyLow");
  EXPECT_EQ(p.alerts[0].description, "Tray 2 low");
  ASSERT_TRUE(p.spec.has_value());
  EXPECT_EQ(p.spec->model, "ACME LJ 4000");
  EXPECT_EQ(p.spec->model_source, "hrDeviceDescr");
  EXPECT_EQ(p.spec->description, "ACME LaserJet firmware 2.1");
  auto details = nlohmann::json::parse(p.spec->details_json);
  EXPECT_EQ(details["markers"][0]["unit"], "impressions");
  EXPECT_EQ(details["trays"][0]["name"], "Tray 1");
  EXPECT_EQ(details["trays"][0]["media"], "A4");
  EXPECT_EQ(details["trays"][0]["max"], 500);
  EXPECT_EQ(details["supplies"][0]["type"], "toner");
  EXPECT_EQ(details["supplies"][0]["unit"], "percent");
  EXPECT_EQ(details["supplies"][0]["description"], "Black Toner");
  EXPECT_TRUE(d->warnings.empty());
}

TEST(PrinterDecode, SpecDetailsHoldNoLevelsOrCounters) {
  std::vector<VarBind> second = APrinter();
  for (VarBind& vb : second) {
    if (vb.oid == Marker(4, 1, 1)) vb.unsigned_value += 500;
    if (vb.oid == Supply(9, 1, 1)) vb.integer = 17;
    if (vb.oid == Input(10, 1, 1)) vb.integer = 12;
  }
  auto a = DecodePeripherals(DeviceKind::kPrinter, APrinter(), Options());
  auto b = DecodePeripherals(DeviceKind::kPrinter, second, Options());
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->devices[0].spec, b->devices[0].spec);
  EXPECT_NE(a->devices[0].readings, b->devices[0].readings);
  // Compact, sorted keys.
  const std::string& json = a->devices[0].spec->details_json;
  EXPECT_EQ(json.find("\": "), std::string::npos);
  EXPECT_EQ(json.find(", "), std::string::npos);
  EXPECT_LT(json.find("\"markers\""), json.find("\"supplies\""));
  EXPECT_LT(json.find("\"supplies\""), json.find("\"trays\""));
}

TEST(PrinterDecode, NegativeUnknownLevelIsNotStored) {
  for (int64_t level : {-1, -2, -3}) {
    std::vector<VarBind> vbs = APrinter();
    for (VarBind& vb : vbs) {
      if (vb.oid == Supply(9, 1, 1) || vb.oid == Input(10, 1, 1)) vb.integer = level;
    }
    auto d = DecodePeripherals(DeviceKind::kPrinter, vbs, Options());
    ASSERT_TRUE(d.ok());
    EXPECT_EQ(Find(d->devices[0], store::kMetricSupplyLevelPct, "1"), nullptr) << level;
    EXPECT_EQ(Find(d->devices[0], store::kMetricTrayLevel, "1"), nullptr) << level;
    EXPECT_NE(Find(d->devices[0], store::kMetricPages, "1"), nullptr);
    EXPECT_TRUE(d->warnings.empty());
  }
}

TEST(PrinterDecode, UnknownMaximumGivesNoPercent) {
  for (int64_t max : {-2, -1, 0}) {
    std::vector<VarBind> vbs = APrinter();
    for (VarBind& vb : vbs) {
      if (vb.oid == Supply(8, 1, 1)) vb.integer = max;
    }
    auto d = DecodePeripherals(DeviceKind::kPrinter, vbs, Options());
    ASSERT_TRUE(d.ok());
    EXPECT_EQ(Find(d->devices[0], store::kMetricSupplyLevelPct, "1"), nullptr) << max;
    auto details = nlohmann::json::parse(d->devices[0].spec->details_json);
    EXPECT_TRUE(details["supplies"][0]["max"].is_null());
  }
}

TEST(PrinterDecode, SupplyPercentIsRoundedLevelOverMaximum) {
  std::vector<VarBind> vbs = APrinter();
  for (VarBind& vb : vbs) {
    if (vb.oid == Supply(8, 1, 1)) vb.integer = 3000;  // e.g. tenths of grams
    if (vb.oid == Supply(9, 1, 1)) vb.integer = 1015;  // 33.83 %
  }
  auto d = DecodePeripherals(DeviceKind::kPrinter, vbs, Options());
  ASSERT_TRUE(d.ok());
  const MetricReading* m = Find(d->devices[0], store::kMetricSupplyLevelPct, "1");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->value, 34u);
}

TEST(PrinterDecode, LevelAboveMaximumIsRefusedWithAWarning) {
  std::vector<VarBind> vbs = APrinter();
  for (VarBind& vb : vbs) {
    if (vb.oid == Supply(9, 1, 1)) vb.integer = 150;
    if (vb.oid == Input(10, 1, 1)) vb.integer = 501;
  }
  auto d = DecodePeripherals(DeviceKind::kPrinter, vbs, Options());
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(Find(d->devices[0], store::kMetricSupplyLevelPct, "1"), nullptr);
  EXPECT_EQ(Find(d->devices[0], store::kMetricTrayLevel, "1"), nullptr);
  EXPECT_TRUE(Warned(*d, "prtMarkerSuppliesLevel"));
  EXPECT_TRUE(Warned(*d, "prtInputCurrentLevel"));
}

TEST(PrinterDecode, PagesOnlyForImpressionsOrSheets) {
  for (int64_t unit : {7, 8, 3, 6, 11}) {
    std::vector<VarBind> vbs = APrinter();
    for (VarBind& vb : vbs) {
      if (vb.oid == Marker(3, 1, 1)) vb.integer = unit;
    }
    auto d = DecodePeripherals(DeviceKind::kPrinter, vbs, Options());
    ASSERT_TRUE(d.ok());
    bool counted = unit == 7 || unit == 8;
    EXPECT_EQ(Find(d->devices[0], store::kMetricPages, "1") != nullptr, counted) << unit;
    auto details = nlohmann::json::parse(d->devices[0].spec->details_json);
    EXPECT_FALSE(details["markers"][0]["unit"].is_null());
  }
}

TEST(PrinterDecode, ModelFallsBackFromEntityToHrDeviceToSysDescr) {
  std::vector<VarBind> vbs = APrinter();
  vbs.push_back(Int(Entity(5, 1), 3));
  vbs.push_back(Str(Entity(13, 1), "LJ-4000dn"));
  vbs.push_back(Str(Entity(9, 1), "FW 7.2"));
  auto entity = DecodePeripherals(DeviceKind::kPrinter, vbs, Options());
  ASSERT_TRUE(entity.ok());
  EXPECT_EQ(entity->devices[0].spec->model, "LJ-4000dn");
  EXPECT_EQ(entity->devices[0].spec->model_source, "entPhysicalModelName");
  EXPECT_EQ(entity->devices[0].spec->firmware, "FW 7.2");

  std::vector<VarBind> no_hr;
  for (const VarBind& vb : APrinter()) {
    if (!snmp::OidStartsWith(vb.oid, oids::kHrDeviceEntry)) no_hr.push_back(vb);
  }
  auto sys = DecodePeripherals(DeviceKind::kPrinter, no_hr, Options());
  ASSERT_TRUE(sys.ok());
  EXPECT_EQ(sys->devices[0].spec->model, "ACME LaserJet firmware 2.1");
  EXPECT_EQ(sys->devices[0].spec->model_source, "sysDescr");
  EXPECT_EQ(sys->devices[0].spec->firmware, "");

  std::vector<VarBind> nothing;
  for (const VarBind& vb : no_hr) {
    if (!snmp::OidStartsWith(vb.oid, oids::kSysDescr)) nothing.push_back(vb);
  }
  auto none = DecodePeripherals(DeviceKind::kPrinter, nothing, Options());
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->devices[0].spec.has_value());
}

TEST(PrinterDecode, MissingSerialGetsAStableSubstituteAndAWarning) {
  std::vector<VarBind> vbs;
  for (const VarBind& vb : APrinter()) {
    if (!snmp::OidStartsWith(vb.oid, oids::kPrtGeneralSerialNumber)) vbs.push_back(vb);
  }
  auto d = DecodePeripherals(DeviceKind::kPrinter, vbs, Options());
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->devices[0].serial_number, "target:192.0.2.7:1161#1");
  EXPECT_TRUE(Warned(*d, "prtGeneralSerialNumber"));

  vbs.push_back(Str(Entity(11, 4), "ENT-SERIAL"));
  auto e = DecodePeripherals(DeviceKind::kPrinter, vbs, Options());
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->devices[0].serial_number, "ENT-SERIAL");
  EXPECT_FALSE(Warned(*e, "prtGeneralSerialNumber"));
}

TEST(PrinterDecode, OnePrinterPerHrDeviceIndexWithPrinterData) {
  std::vector<VarBind> vbs = APrinter();
  vbs.push_back(Str(At(oids::kHrDeviceEntry, {3, 2}), "Finisher"));  // no printer rows
  vbs.push_back(Str(At(oids::kHrDeviceEntry, {3, 3}), "Second engine"));
  vbs.push_back(Int(Marker(3, 3, 1), 8));
  vbs.push_back(Unsigned(Marker(4, 3, 1), ValueType::kCounter32, 10));
  auto d = DecodePeripherals(DeviceKind::kPrinter, vbs, Options());
  ASSERT_TRUE(d.ok());
  ASSERT_EQ(d->devices.size(), 2u);
  EXPECT_EQ(d->devices[0].device_index, 1);
  EXPECT_EQ(d->devices[1].device_index, 3);
  EXPECT_EQ(d->devices[1].spec->model, "Second engine");
  EXPECT_EQ(d->devices[1].serial_number, "target:192.0.2.7:1161#3");
}

TEST(PrinterDecode, NoPrinterMibIsNotFound) {
  auto d = DecodePeripherals(DeviceKind::kPrinter, {Str(At(oids::kSysDescr, {0}), "a router")},
                             Options());
  EXPECT_EQ(d.status().code(), StatusCode::kNotFound);
  // A printer without prtGeneral but with a marker row is a printer.
  auto m = DecodePeripherals(DeviceKind::kPrinter,
                             {Unsigned(Marker(4, 1, 1), ValueType::kCounter32, 1)}, Options());
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->devices.size(), 1u);
}

TEST(PrinterDecode, WrongTypedValuesAreSkippedWithAWarning) {
  std::vector<VarBind> vbs = APrinter();
  for (VarBind& vb : vbs) {
    if (vb.oid == Supply(9, 1, 1)) vb = Str(vb.oid, "42");
    if (vb.oid == Marker(4, 1, 1)) vb = Unsigned(vb.oid, ValueType::kGauge32, 5);
  }
  VarBind null_value;
  null_value.oid = Input(10, 1, 1);
  null_value.type = static_cast<ValueType>(0x05);
  for (VarBind& vb : vbs) {
    if (vb.oid == Input(10, 1, 1)) vb = null_value;
  }
  auto d = DecodePeripherals(DeviceKind::kPrinter, vbs, Options());
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(Find(d->devices[0], store::kMetricSupplyLevelPct, "1"), nullptr);
  EXPECT_EQ(Find(d->devices[0], store::kMetricPages, "1"), nullptr);
  EXPECT_EQ(Find(d->devices[0], store::kMetricTrayLevel, "1"), nullptr);
  ASSERT_TRUE(Warned(*d, "prtMarkerSuppliesLevel"));
  ASSERT_TRUE(Warned(*d, "prtInputCurrentLevel"));
  for (const auto& w : d->warnings) {
    if (w.column == "prtMarkerSuppliesLevel") {
      EXPECT_NE(w.message.find("prtMarkerSuppliesLevel.1.1"), std::string::npos) << w.message;
      EXPECT_NE(w.message.find("OCTET STRING"), std::string::npos);
      EXPECT_EQ(w.device_index, 1);
    }
    if (w.column == "prtInputCurrentLevel") {
      EXPECT_NE(w.message.find("NULL"), std::string::npos) << w.message;
    }
  }
}

TEST(PrinterDecode, ValuesOutsideTheirWireRangeAreSkipped) {
  std::vector<VarBind> vbs = APrinter();
  for (VarBind& vb : vbs) {
    if (vb.oid == Marker(4, 1, 1)) vb.unsigned_value = uint64_t{1} << 33;
    if (vb.oid == Supply(9, 1, 1)) vb.integer = int64_t{1} << 40;
  }
  auto d = DecodePeripherals(DeviceKind::kPrinter, vbs, Options());
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(Find(d->devices[0], store::kMetricPages, "1"), nullptr);
  EXPECT_EQ(Find(d->devices[0], store::kMetricSupplyLevelPct, "1"), nullptr);
  EXPECT_TRUE(Warned(*d, "prtMarkerLifeCount"));
  EXPECT_TRUE(Warned(*d, "prtMarkerSuppliesLevel"));
}

TEST(PrinterDecode, StringsAreCleanedAndBounded) {
  std::vector<VarBind> vbs = APrinter();
  for (VarBind& vb : vbs) {
    if (vb.oid == At(oids::kHrDeviceEntry, {3, 1}))
      vb.octets = "Bad\r\nModel" + std::string(400, 'x');
    if (vb.oid == At(oids::kPrtGeneralSerialNumber, {1})) vb.octets = "SN\x01\xff";
  }
  auto d = DecodePeripherals(DeviceKind::kPrinter, vbs, Options());
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->devices[0].serial_number, "SN??");
  EXPECT_EQ(d->devices[0].spec->model.size(), 255u);
  EXPECT_EQ(d->devices[0].spec->model.rfind("Bad??Model", 0), 0u);
}

TEST(PrinterDecode, TooManyPrintersOrRowsIsResourceExhausted) {
  std::vector<VarBind> vbs;
  for (uint32_t i = 1; i <= 5; ++i) vbs.push_back(Str(At(oids::kPrtGeneralSerialNumber, {i}), "S"));
  PeripheralDecodeOptions o = Options();
  o.max_devices = 4;
  auto d = DecodePeripherals(DeviceKind::kPrinter, vbs, o);
  EXPECT_EQ(d.status().code(), StatusCode::kResourceExhausted);
  o.max_devices = 5;
  EXPECT_TRUE(DecodePeripherals(DeviceKind::kPrinter, vbs, o).ok());

  std::vector<VarBind> alerts;
  for (uint32_t i = 1; i <= 10; ++i) alerts.push_back(Int(At(oids::kPrtAlertEntry, {2, 1, i}), 3));
  o.max_instances = 9;
  EXPECT_EQ(DecodePeripherals(DeviceKind::kPrinter, alerts, o).status().code(),
            StatusCode::kResourceExhausted);
}

// --- hosts ------------------------------------------------------------------

Oid Storage(uint32_t column, uint32_t index) { return At(oids::kHrStorageEntry, {column, index}); }

const std::string kRam = "1.3.6.1.2.1.25.2.1.2";
const std::string kFixedDisk = "1.3.6.1.2.1.25.2.1.4";
const std::string kVirtualMemory = "1.3.6.1.2.1.25.2.1.3";

std::vector<VarBind> StorageRow(uint32_t index, const std::string& type, std::string descr,
                                int64_t units, int64_t size, int64_t used) {
  return {ObjectId(Storage(2, index), type), Str(Storage(3, index), std::move(descr)),
          Int(Storage(4, index), units), Int(Storage(5, index), size),
          Int(Storage(6, index), used)};
}

std::vector<VarBind> AHost() {
  std::vector<VarBind> vbs = {
      Str(At(oids::kSysDescr, {0}), "Linux pc1 6.1"),
      Unsigned(At(oids::kSysUpTime, {0}), ValueType::kTimeTicks, 500),
      Int(At(oids::kHrProcessorLoad, {196608}), 10),
      Int(At(oids::kHrProcessorLoad, {196609}), 31),
  };
  for (auto rows : {StorageRow(1, kRam, "Physical memory", 1024, 4000000, 1000000),
                    StorageRow(3, kVirtualMemory, "Virtual memory", 1024, 8000000, 2000000),
                    StorageRow(31, kFixedDisk, "/", 4096, 1000000, 250000)}) {
    vbs.insert(vbs.end(), rows.begin(), rows.end());
  }
  return vbs;
}

TEST(HostDecode, StorageInBytesAndProcessorLoads) {
  auto d = DecodePeripherals(DeviceKind::kHost, AHost(), Options());
  ASSERT_TRUE(d.ok()) << d.status().message();
  ASSERT_EQ(d->devices.size(), 1u);
  const PeripheralRecord& h = d->devices[0];
  EXPECT_EQ(h.kind, DeviceKind::kHost);
  EXPECT_EQ(h.device_index, 1);
  EXPECT_EQ(h.uptime_cs, 500);
  const MetricReading* root_used = Find(h, store::kMetricStorageUsedBytes, "/");
  ASSERT_NE(root_used, nullptr);
  EXPECT_EQ(root_used->value, 250000u * 4096u);
  EXPECT_EQ(Find(h, store::kMetricStorageSizeBytes, "/")->value, 1000000u * 4096u);
  EXPECT_EQ(Find(h, store::kMetricStorageUsedBytes, "Physical memory")->value, 1000000u * 1024u);
  EXPECT_EQ(Find(h, store::kMetricStorageUsedBytes, "Virtual memory"), nullptr);
  EXPECT_EQ(Find(h, store::kMetricCpuLoadPct, "196608")->value, 10u);
  EXPECT_EQ(Find(h, store::kMetricCpuLoadPct, "196609")->value, 31u);
  EXPECT_EQ(Find(h, store::kMetricCpuLoadPct, "all")->value, 21u);  // 20.5 rounded
  ASSERT_TRUE(h.spec.has_value());
  EXPECT_EQ(h.spec->model_source, "sysDescr");
  auto details = nlohmann::json::parse(h.spec->details_json);
  EXPECT_EQ(details["processors"], 2);
  ASSERT_EQ(details["storage"].size(), 2u);
  EXPECT_EQ(details["storage"][1]["descr"], "/");
  EXPECT_EQ(details["storage"][1]["type"], "fixedDisk");
  EXPECT_EQ(details["storage"][1]["size_bytes"], int64_t{1000000} * 4096);
  EXPECT_EQ(h.serial_number, "target:192.0.2.7:1161#1");
  EXPECT_TRUE(Warned(*d, "entPhysicalSerialNum"));
}

TEST(HostDecode, InvalidStorageGivesAWarningAndNoReading) {
  struct Case {
    int64_t units, size, used;
  };
  for (const Case& c : {Case{4096, 0, 0}, Case{4096, -5, 0}, Case{4096, 100, 101},
                        Case{4096, 100, -1}, Case{0, 100, 10}}) {
    std::vector<VarBind> vbs = StorageRow(31, kFixedDisk, "/", c.units, c.size, c.used);
    auto d = DecodePeripherals(DeviceKind::kHost, vbs, Options());
    ASSERT_TRUE(d.ok());
    EXPECT_EQ(Find(d->devices[0], store::kMetricStorageUsedBytes, "/"), nullptr) << c.size;
    EXPECT_EQ(Find(d->devices[0], store::kMetricStorageSizeBytes, "/"), nullptr);
    EXPECT_TRUE(Warned(*d, "hrStorageUsed"));
  }
}

TEST(HostDecode, DuplicateOrEmptyDescrGetsTheIndex) {
  std::vector<VarBind> vbs;
  for (auto rows : {StorageRow(7, kFixedDisk, "/data", 512, 100, 10),
                    StorageRow(9, kFixedDisk, "/data", 512, 200, 20),
                    StorageRow(12, kFixedDisk, "", 512, 300, 30)}) {
    vbs.insert(vbs.end(), rows.begin(), rows.end());
  }
  auto d = DecodePeripherals(DeviceKind::kHost, vbs, Options());
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(Find(d->devices[0], store::kMetricStorageSizeBytes, "/data")->value, 100u * 512u);
  EXPECT_EQ(Find(d->devices[0], store::kMetricStorageSizeBytes, "/data#9")->value, 200u * 512u);
  EXPECT_EQ(Find(d->devices[0], store::kMetricStorageSizeBytes, "hrStorage 12")->value,
            300u * 512u);
}

TEST(HostDecode, ProcessorLoadOutOfRangeOrWrongTypeIsSkipped) {
  std::vector<VarBind> vbs = {
      Str(At(oids::kSysDescr, {0}), "pc"), Int(At(oids::kHrProcessorLoad, {1}), 101),
      Str(At(oids::kHrProcessorLoad, {2}), "50"), Int(At(oids::kHrProcessorLoad, {3}), 40)};
  auto d = DecodePeripherals(DeviceKind::kHost, vbs, Options());
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(Find(d->devices[0], store::kMetricCpuLoadPct, "1"), nullptr);
  EXPECT_EQ(Find(d->devices[0], store::kMetricCpuLoadPct, "2"), nullptr);
  EXPECT_EQ(Find(d->devices[0], store::kMetricCpuLoadPct, "all")->value, 40u);
  EXPECT_EQ(d->warnings.size(), 3u);  // 101, the string, and the missing serial
}

TEST(HostDecode, ChassisEntityGivesSerialAndModel) {
  std::vector<VarBind> vbs = AHost();
  vbs.push_back(Int(Entity(5, 1), 10));  // a port, listed first
  vbs.push_back(Str(Entity(13, 1), "Port module"));
  vbs.push_back(Str(Entity(11, 1), "PORT-1"));
  vbs.push_back(Int(Entity(5, 2), 3));  // the chassis
  vbs.push_back(Str(Entity(13, 2), "OptiPlex 7000"));
  vbs.push_back(Str(Entity(11, 2), "CHASSIS-9"));
  vbs.push_back(Str(Entity(10, 2), "BIOS 1.2"));
  auto d = DecodePeripherals(DeviceKind::kHost, vbs, Options());
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->devices[0].serial_number, "CHASSIS-9");
  EXPECT_EQ(d->devices[0].spec->model, "OptiPlex 7000");
  EXPECT_EQ(d->devices[0].spec->firmware, "BIOS 1.2");
  EXPECT_FALSE(Warned(*d, "entPhysicalSerialNum"));
}

// --- network ----------------------------------------------------------------

Oid If(uint32_t column, uint32_t index) { return At(oids::kIfEntry, {column, index}); }
Oid IfX(uint32_t column, uint32_t index) { return At(oids::kIfXEntry, {column, index}); }

TEST(NetworkDecode, HighCapacityCountersAndSpeedPerInterface) {
  std::vector<VarBind> vbs = {
      Str(At(oids::kSysDescr, {0}), "ACME switch"),
      Str(IfX(1, 1), "Gi0/1"),
      Unsigned(IfX(6, 1), ValueType::kCounter64, 5000000000ULL),
      Unsigned(IfX(10, 1), ValueType::kCounter64, 7000000000ULL),
      Unsigned(IfX(15, 1), ValueType::kGauge32, 1000),
      Str(If(2, 1), "GigabitEthernet0/1"),
      Unsigned(If(5, 1), ValueType::kGauge32, 1000000000),
      Unsigned(If(10, 1), ValueType::kCounter32, 705032704),
      Unsigned(If(16, 1), ValueType::kCounter32, 1),
  };
  auto d = DecodePeripherals(DeviceKind::kNetwork, vbs, Options());
  ASSERT_TRUE(d.ok()) << d.status().message();
  const PeripheralRecord& n = d->devices[0];
  EXPECT_EQ(n.kind, DeviceKind::kNetwork);
  const MetricReading* in = Find(n, store::kMetricIfInOctets, "Gi0/1");
  ASSERT_NE(in, nullptr);
  EXPECT_EQ(in->type, MetricType::kCounter64);
  EXPECT_EQ(in->value, 5000000000ULL);
  ASSERT_TRUE(in->capacity_per_s.has_value());
  EXPECT_DOUBLE_EQ(*in->capacity_per_s, 125000000.0);
  EXPECT_EQ(Find(n, store::kMetricIfOutOctets, "Gi0/1")->value, 7000000000ULL);
  EXPECT_EQ(n.readings.size(), 2u);  // the 32-bit ones are not used
  auto details = nlohmann::json::parse(n.spec->details_json);
  EXPECT_EQ(details["interfaces"][0]["counter_bits"], 64);
  EXPECT_EQ(details["interfaces"][0]["speed_mbps"], 1000);
  EXPECT_EQ(details["interfaces"][0]["name"], "Gi0/1");
}

TEST(NetworkDecode, ThirtyTwoBitCountersOnlyWhereSixtyFourAreAbsent) {
  std::vector<VarBind> vbs = {
      Str(If(2, 2), "eth1"),
      Unsigned(If(5, 2), ValueType::kGauge32, 100000000),
      Unsigned(If(10, 2), ValueType::kCounter32, 12345),
      Unsigned(If(16, 2), ValueType::kCounter32, 678),
  };
  auto d = DecodePeripherals(DeviceKind::kNetwork, vbs, Options());
  ASSERT_TRUE(d.ok());
  const MetricReading* in = Find(d->devices[0], store::kMetricIfInOctets, "eth1");
  ASSERT_NE(in, nullptr);
  EXPECT_EQ(in->type, MetricType::kCounter32);
  EXPECT_EQ(in->value, 12345u);
  EXPECT_DOUBLE_EQ(*in->capacity_per_s, 12500000.0);
  EXPECT_EQ(Find(d->devices[0], store::kMetricIfOutOctets, "eth1")->type, MetricType::kCounter32);
}

TEST(NetworkDecode, SpeedRules) {
  struct Case {
    std::optional<uint64_t> if_speed, high_speed;
    std::optional<double> capacity;
  };
  const Case cases[] = {
      {4294967295ULL, 10000, 1.25e9},  // ifSpeed saturated: ifHighSpeed says
      {4294967295ULL, std::nullopt, std::nullopt},
      {4294967295ULL, 0, std::nullopt},
      {0, std::nullopt, std::nullopt},  // unknown speed
      {10000000, 0, 1.25e6},            // ifHighSpeed 0 (below 1 Mbit/s rounding): ifSpeed
      {std::nullopt, std::nullopt, std::nullopt},
  };
  for (const Case& c : cases) {
    std::vector<VarBind> vbs = {Str(IfX(1, 4), "p4"),
                                Unsigned(IfX(6, 4), ValueType::kCounter64, 1)};
    if (c.if_speed) vbs.push_back(Unsigned(If(5, 4), ValueType::kGauge32, *c.if_speed));
    if (c.high_speed) vbs.push_back(Unsigned(IfX(15, 4), ValueType::kGauge32, *c.high_speed));
    auto d = DecodePeripherals(DeviceKind::kNetwork, vbs, Options());
    ASSERT_TRUE(d.ok());
    const MetricReading* in = Find(d->devices[0], store::kMetricIfInOctets, "p4");
    ASSERT_NE(in, nullptr);
    EXPECT_EQ(in->capacity_per_s, c.capacity);
  }
}

TEST(NetworkDecode, InstanceNamesFallBackAndStayUnique) {
  std::vector<VarBind> vbs = {
      Str(IfX(1, 1), "uplink"),
      Unsigned(IfX(6, 1), ValueType::kCounter64, 1),
      Str(IfX(1, 2), "uplink"),
      Unsigned(IfX(6, 2), ValueType::kCounter64, 2),
      Str(IfX(1, 3), ""),
      Str(If(2, 3), "Port 3"),
      Unsigned(IfX(6, 3), ValueType::kCounter64, 3),
      Unsigned(If(10, 4), ValueType::kCounter32, 4),
  };
  auto d = DecodePeripherals(DeviceKind::kNetwork, vbs, Options());
  ASSERT_TRUE(d.ok());
  const PeripheralRecord& n = d->devices[0];
  EXPECT_EQ(Find(n, store::kMetricIfInOctets, "uplink")->value, 1u);
  EXPECT_EQ(Find(n, store::kMetricIfInOctets, "uplink#2")->value, 2u);
  EXPECT_EQ(Find(n, store::kMetricIfInOctets, "Port 3")->value, 3u);
  EXPECT_EQ(Find(n, store::kMetricIfInOctets, "ifIndex 4")->value, 4u);
}

TEST(NetworkDecode, ARenamedDuplicateNeverCollidesWithAServedName) {
  std::vector<VarBind> vbs = {
      Str(IfX(1, 1), "x"),   Unsigned(IfX(6, 1), ValueType::kCounter64, 1),
      Str(IfX(1, 2), "x#3"), Unsigned(IfX(6, 2), ValueType::kCounter64, 2),
      Str(IfX(1, 3), "x"),   Unsigned(IfX(6, 3), ValueType::kCounter64, 3),
  };
  auto d = DecodePeripherals(DeviceKind::kNetwork, vbs, Options());
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(Find(d->devices[0], store::kMetricIfInOctets, "x#3")->value, 2u);
  EXPECT_EQ(Find(d->devices[0], store::kMetricIfInOctets, "x#3#2")->value, 3u);
}

TEST(NetworkDecode, AVanishedInterfaceSimplyHasNoReading) {
  std::vector<VarBind> both = {Str(IfX(1, 1), "a"), Unsigned(IfX(6, 1), ValueType::kCounter64, 1),
                               Str(IfX(1, 2), "b"), Unsigned(IfX(6, 2), ValueType::kCounter64, 2)};
  std::vector<VarBind> one(both.begin(), both.begin() + 2);
  auto d = DecodePeripherals(DeviceKind::kNetwork, one, Options());
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->devices[0].readings.size(), 1u);
  EXPECT_EQ(Find(d->devices[0], store::kMetricIfInOctets, "b"), nullptr);
}

TEST(NetworkDecode, TooManyInterfacesIsResourceExhausted) {
  std::vector<VarBind> vbs;
  for (uint32_t i = 1; i <= 20; ++i) vbs.push_back(Unsigned(If(10, i), ValueType::kCounter32, i));
  PeripheralDecodeOptions o = Options();
  o.max_instances = 19;
  EXPECT_EQ(DecodePeripherals(DeviceKind::kNetwork, vbs, o).status().code(),
            StatusCode::kResourceExhausted);
  o.max_instances = 20;
  EXPECT_TRUE(DecodePeripherals(DeviceKind::kNetwork, vbs, o).ok());
}

TEST(PeripheralDecode, WarningsAreCapped) {
  std::vector<VarBind> vbs;
  for (uint32_t i = 1; i <= 50; ++i) vbs.push_back(Str(At(oids::kHrProcessorLoad, {i}), "x"));
  PeripheralDecodeOptions o = Options();
  o.max_warnings = 10;
  auto d = DecodePeripherals(DeviceKind::kHost, vbs, o);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->warnings.size(), 11u);
  EXPECT_NE(d->warnings.back().message.find("more warnings"), std::string::npos);
}

TEST(PeripheralDecode, PeriscopeKindIsNotDecodedHere) {
  EXPECT_EQ(DecodePeripherals(DeviceKind::kPeriscope, {}, Options()).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(PeripheralPlan, EveryDecodedColumnIsWalked) {
  // Each kind's plan covers the subtrees its decoder reads, and periscope
  // has none (it walks PERISCOPE-MIB as one subtree).
  EXPECT_TRUE(PeripheralPlan(DeviceKind::kPeriscope).groups.empty());
  auto walks = [](DeviceKind kind, const Oid& oid) {
    for (const auto& group : PeripheralPlan(kind).groups) {
      for (const Oid& root : group) {
        if (snmp::OidStartsWith(oid, root)) return true;
      }
    }
    return false;
  };
  for (const VarBind& vb : APrinter()) {
    EXPECT_TRUE(walks(DeviceKind::kPrinter, vb.oid)) << snmp::OidToString(vb.oid);
  }
  for (const VarBind& vb : AHost()) {
    EXPECT_TRUE(walks(DeviceKind::kHost, vb.oid)) << snmp::OidToString(vb.oid);
  }
  for (const Oid& oid : {IfX(1, 1), IfX(6, 1), IfX(10, 1), IfX(15, 1), If(2, 1), If(5, 1),
                         If(10, 1), If(16, 1), Entity(13, 1), Entity(11, 1)}) {
    EXPECT_TRUE(walks(DeviceKind::kNetwork, oid)) << snmp::OidToString(oid);
  }
  EXPECT_FALSE(walks(DeviceKind::kNetwork, At(oids::kHrStorageEntry, {5, 1})));
}

}  // namespace
}  // namespace periscope::poller
