// PlanForItems and DecodeItemValues on hand-made items and varbinds; no
// network (CollectItems against agents is tests/integration/claim_collect_test.cc).
#include "claimtool/collect.h"

#include <algorithm>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "mib/periscope_oids.h"

namespace periscope::claimtool {
namespace {

using snmp::Oid;
using snmp::VarBind;
using SnmpType = snmp::ValueType;
using ::testing::HasSubstr;

const Oid kVendor = {1, 3, 6, 1, 4, 1, 8072, 9999, 9999, 2};
const Oid kTrayCopies = {1, 3, 6, 1, 4, 1, 8072, 9999, 9999, 2, 1};
const Oid kDensity = {1, 3, 6, 1, 4, 1, 8072, 9999, 9999, 2, 2};
const Oid kExposure = {1, 3, 6, 1, 4, 1, 8072, 9999, 9999, 2, 3};
const Oid kLifeCount = {1, 3, 6, 1, 2, 1, 43, 10, 2, 1, 4};
const Oid kIfSpeed = {1, 3, 6, 1, 2, 1, 2, 2, 1, 5};
const Oid kIpAdEntAddr = {1, 3, 6, 1, 2, 1, 4, 20, 1, 1};
const Oid kIpAdEntNetMask = {1, 3, 6, 1, 2, 1, 4, 20, 1, 3};
const Oid kSysDescr = {1, 3, 6, 1, 2, 1, 1, 1};
const Oid kSysObjectId = {1, 3, 6, 1, 2, 1, 1, 2};
const Oid kItemValue = {1, 3, 6, 1, 4, 1, 8072, 9999, 9999, 1, 1, 4, 1, 2};

Oid Cat(Oid base, const std::vector<uint32_t>& tail) {
  base.insert(base.end(), tail.begin(), tail.end());
  return base;
}

// periscopeItemValue.<device>.<IMPLIED name>
Oid ItemRow(uint32_t device, const std::string& name) {
  Oid o = Cat(kItemValue, {device});
  for (char c : name) o.push_back(static_cast<unsigned char>(c));
  return o;
}

ItemDef Column(std::string name, Oid oid, bool device_indexed,
               ValueType type = ValueType::kNumber) {
  ItemDef d;
  d.name = std::move(name);
  d.source = ItemSource::kOid;
  d.oid = std::move(oid);
  d.table = true;
  d.device_indexed = device_indexed;
  d.type = type;
  return d;
}

ItemDef Scalar(std::string name, Oid oid, ValueType type) {
  ItemDef d = Column(std::move(name), std::move(oid), false, type);
  d.table = false;
  return d;
}

ItemDef Periscope(std::string name, std::string item, ValueType type) {
  ItemDef d;
  d.name = std::move(name);
  d.source = ItemSource::kPeriscope;
  d.periscope_item = std::move(item);
  d.type = type;
  return d;
}

VarBind Int(Oid oid, int64_t v) {
  VarBind b;
  b.oid = std::move(oid);
  b.type = SnmpType::kInteger;
  b.integer = v;
  return b;
}

VarBind Unsigned(Oid oid, SnmpType type, uint64_t v) {
  VarBind b;
  b.oid = std::move(oid);
  b.type = type;
  b.unsigned_value = v;
  return b;
}

VarBind Octets(Oid oid, std::string v) {
  VarBind b;
  b.oid = std::move(oid);
  b.type = SnmpType::kOctets;
  b.octets = std::move(v);
  return b;
}

VarBind IpAddress(Oid oid, std::string four_octets) {
  VarBind b = Octets(std::move(oid), std::move(four_octets));
  b.type = static_cast<SnmpType>(0x40);
  return b;
}

store::ClaimDevice Device(int64_t id, int64_t index) {
  store::ClaimDevice d;
  d.device_id = id;
  d.device_index = index;
  return d;
}

std::vector<const ItemDef*> Ptrs(const std::vector<ItemDef>& defs) {
  std::vector<const ItemDef*> out;
  for (const ItemDef& d : defs) out.push_back(&d);
  return out;
}

std::vector<Oid> AllColumns(const poller::WalkPlan& plan) {
  std::vector<Oid> out;
  for (const auto& g : plan.groups) out.insert(out.end(), g.begin(), g.end());
  return out;
}

// The values of `item`, as (instance, record).
std::vector<store::ClaimValueRecord> Of(const std::vector<store::ClaimValueRecord>& values,
                                        const std::string& item) {
  std::vector<store::ClaimValueRecord> out;
  for (const auto& v : values) {
    if (v.item == item) out.push_back(v);
  }
  return out;
}

// ---- PlanForItems ----

TEST(PlanForItemsTest, ColumnsOfOneTableShareOneGroupInItemOrder) {
  const std::vector<ItemDef> defs = {
      Column("density", kDensity, true), Column("speed", kIfSpeed, false),
      Column("exposure", kExposure, true), Column("trays", kTrayCopies, true)};
  poller::WalkPlan plan = PlanForItems(Ptrs(defs), {1});
  ASSERT_EQ(plan.groups.size(), 2u);
  EXPECT_EQ(plan.groups[0], (std::vector<Oid>{kDensity, kExposure, kTrayCopies}));
  EXPECT_EQ(plan.groups[1], (std::vector<Oid>{kIfSpeed}));
}

TEST(PlanForItemsTest, IdenticalColumnsAreWalkedOnce) {
  const std::vector<ItemDef> defs = {Column("copies", kLifeCount, true),
                                     Column("copies-again", kLifeCount, true),
                                     Column("density", kDensity, true)};
  poller::WalkPlan plan = PlanForItems(Ptrs(defs), {1, 2});
  std::vector<Oid> columns = AllColumns(plan);
  EXPECT_EQ(std::count(columns.begin(), columns.end(), kLifeCount), 1);
  EXPECT_EQ(columns.size(), 2u);
}

TEST(PlanForItemsTest, DeviceIndexedColumnIsWalkedWholeWhateverTheIndexes) {
  const std::vector<ItemDef> defs = {Column("copies", kLifeCount, true)};
  for (const std::vector<int64_t>& indexes :
       {std::vector<int64_t>{1}, std::vector<int64_t>{1, 2, 7}, std::vector<int64_t>{}}) {
    poller::WalkPlan plan = PlanForItems(Ptrs(defs), indexes);
    EXPECT_EQ(AllColumns(plan), (std::vector<Oid>{kLifeCount})) << indexes.size() << " indexes";
  }
}

TEST(PlanForItemsTest, ScalarIsWalkedAsItsObjectsSubtree) {
  const std::vector<ItemDef> defs = {Scalar("descr", kSysDescr, ValueType::kText),
                                     Scalar("object-id", kSysObjectId, ValueType::kText)};
  poller::WalkPlan plan = PlanForItems(Ptrs(defs), {1});
  ASSERT_EQ(plan.groups.size(), 1u);
  EXPECT_EQ(plan.groups[0], (std::vector<Oid>{kSysDescr, kSysObjectId}));
}

TEST(PlanForItemsTest, PeriscopeItemsReadTheItemValueColumnOfEachDeviceIndexOnce) {
  const std::vector<ItemDef> defs = {Periscope("firmware", "firmware", ValueType::kText),
                                     Periscope("used", "used-percent", ValueType::kNumber)};
  poller::WalkPlan plan = PlanForItems(Ptrs(defs), {1, 3, 1});
  ASSERT_EQ(plan.groups.size(), 1u);
  EXPECT_EQ(plan.groups[0], (std::vector<Oid>{Cat(kItemValue, {1}), Cat(kItemValue, {3})}));
}

TEST(PlanForItemsTest, ColumnUnderAnotherColumnIsWalkedInAnotherGroup) {
  // Every column of a group is walked side by side: no group may hold two
  // columns of which one is under the other.
  const std::vector<ItemDef> defs = {Column("trays", kTrayCopies, true),
                                     Column("tray-1", Cat(kTrayCopies, {1}), false),
                                     Column("density", kDensity, true),
                                     Column("vendor", kVendor, false),
                                     Periscope("firmware", "firmware", ValueType::kText),
                                     Column("all-items", kItemValue, false, ValueType::kText)};
  poller::WalkPlan plan = PlanForItems(Ptrs(defs), {1});
  std::vector<Oid> columns = AllColumns(plan);
  for (const ItemDef& d : defs) {
    if (d.source == ItemSource::kPeriscope) continue;
    EXPECT_EQ(std::count(columns.begin(), columns.end(), d.oid), 1) << d.name;
  }
  EXPECT_EQ(std::count(columns.begin(), columns.end(), Cat(kItemValue, {1})), 1);
  for (const auto& group : plan.groups) {
    for (const Oid& a : group) {
      for (const Oid& b : group) {
        if (a != b) {
          EXPECT_FALSE(snmp::OidStartsWith(b, a)) << snmp::OidToString(a);
        }
      }
    }
  }
}

// ---- DecodeItemValues ----

TEST(DecodeItemValuesTest, DeviceIndexedRowsAreTheDevicesOwnWithTheIndexAfterIt) {
  const std::vector<ItemDef> defs = {Column("copies", kLifeCount, true)};
  const std::vector<VarBind> walk = {Unsigned(Cat(kLifeCount, {1, 1}), SnmpType::kCounter32, 100),
                                     Unsigned(Cat(kLifeCount, {1, 2}), SnmpType::kCounter32, 200),
                                     Unsigned(Cat(kLifeCount, {2, 1}), SnmpType::kCounter32, 300),
                                     Unsigned(Cat(kLifeCount, {11, 1}), SnmpType::kCounter32, 9)};
  auto one = DecodeItemValues(Device(7, 1), Ptrs(defs), walk, 1000);
  ASSERT_EQ(one.size(), 2u);
  EXPECT_EQ(one[0].instance, "1");
  EXPECT_EQ(one[0].number, 100.0);
  EXPECT_EQ(one[0].text, "100");
  EXPECT_EQ(one[1].instance, "2");
  EXPECT_EQ(one[1].number, 200.0);
  for (const auto& v : one) {
    EXPECT_EQ(v.device_id, 7);
    EXPECT_EQ(v.item, "copies");
    EXPECT_EQ(v.read_at, 1000);
    EXPECT_EQ(v.problem, "");
  }
  auto two = DecodeItemValues(Device(8, 2), Ptrs(defs), walk, 1000);
  ASSERT_EQ(two.size(), 1u);
  EXPECT_EQ(two[0].instance, "1");
  EXPECT_EQ(two[0].number, 300.0);
}

TEST(DecodeItemValuesTest, RowExactlyAtTheDeviceIndexHasAnEmptyInstance) {
  const std::vector<ItemDef> defs = {Column("density", kDensity, true)};
  const std::vector<VarBind> walk = {Int(Cat(kDensity, {1}), 52), Int(Cat(kDensity, {3}), -4)};
  auto one = DecodeItemValues(Device(1, 1), Ptrs(defs), walk, 5);
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].instance, "");
  EXPECT_EQ(one[0].number, 52.0);
  auto three = DecodeItemValues(Device(3, 3), Ptrs(defs), walk, 5);
  ASSERT_EQ(three.size(), 1u);
  EXPECT_EQ(three[0].number, -4.0);
  EXPECT_EQ(three[0].text, "-4");
}

TEST(DecodeItemValuesTest, ColumnRowsKeepTheirWholeIndexDotted) {
  const std::vector<ItemDef> defs = {Column("speed", kIfSpeed, false),
                                     Column("address", kIpAdEntAddr, false, ValueType::kText)};
  const std::vector<VarBind> walk = {
      Unsigned(Cat(kIfSpeed, {1}), SnmpType::kGauge32, 1000000000),
      Unsigned(Cat(kIfSpeed, {10}), SnmpType::kGauge32, 100000000),
      IpAddress(Cat(kIpAdEntAddr, {10, 8, 0, 2}), std::string("\x0a\x08\x00\x02", 4))};
  // Not device-indexed: every row, whatever the device's index.
  auto values = DecodeItemValues(Device(1, 2), Ptrs(defs), walk, 5);
  auto speed = Of(values, "speed");
  ASSERT_EQ(speed.size(), 2u);
  EXPECT_EQ(speed[0].instance, "1");
  EXPECT_EQ(speed[0].number, 1e9);
  EXPECT_EQ(speed[1].instance, "10");
  EXPECT_EQ(speed[1].number, 1e8);
  auto address = Of(values, "address");
  ASSERT_EQ(address.size(), 1u);
  EXPECT_EQ(address[0].instance, "10.8.0.2");
  EXPECT_EQ(address[0].text, "10.8.0.2");
  EXPECT_FALSE(address[0].number.has_value());
}

TEST(DecodeItemValuesTest, ScalarIsItsZeroInstance) {
  const std::vector<ItemDef> defs = {Scalar("descr", kSysDescr, ValueType::kText),
                                     Scalar("object-id", kSysObjectId, ValueType::kText)};
  VarBind object_id;
  object_id.oid = Cat(kSysObjectId, {0});
  object_id.type = SnmpType::kObjectId;
  object_id.octets = "1.3.6.1.4.1.32473.7.1";  // as the engine keeps OID values
  const std::vector<VarBind> walk = {Octets(Cat(kSysDescr, {0}), "Periscope CPY-6000"), object_id};
  auto values = DecodeItemValues(Device(1, 1), Ptrs(defs), walk, 5);
  ASSERT_EQ(values.size(), 2u);
  EXPECT_EQ(values[0].instance, "");
  EXPECT_EQ(values[0].text, "Periscope CPY-6000");
  EXPECT_EQ(values[1].text, "1.3.6.1.4.1.32473.7.1");
}

TEST(DecodeItemValuesTest, PeriscopeItemIsTheDevicesRowWithExactlyItsName) {
  const std::vector<ItemDef> defs = {Periscope("firmware", "firmware", ValueType::kText),
                                     Periscope("used", "used-percent", ValueType::kNumber)};
  const std::vector<VarBind> walk = {
      Octets(ItemRow(1, "firmware"), "2.4.1"),
      Octets(ItemRow(1, "firmware.backup"), "2.3.9"),  // a longer name starting alike
      Octets(ItemRow(1, "used-percent"), "42.50"),
      Octets(ItemRow(2, "firmware"), "3.0.0"),
      Octets(ItemRow(2, "used-percent"), "7"),
  };
  auto one = DecodeItemValues(Device(1, 1), Ptrs(defs), walk, 5);
  ASSERT_EQ(one.size(), 2u);
  EXPECT_EQ(one[0].item, "firmware");
  EXPECT_EQ(one[0].instance, "");
  EXPECT_EQ(one[0].text, "2.4.1");
  EXPECT_EQ(one[1].item, "used");
  EXPECT_EQ(one[1].number, 42.5);
  EXPECT_EQ(one[1].text, "42.50");
  auto two = DecodeItemValues(Device(2, 2), Ptrs(defs), walk, 5);
  ASSERT_EQ(two.size(), 2u);
  EXPECT_EQ(two[0].text, "3.0.0");
  EXPECT_EQ(two[1].number, 7.0);
}

TEST(DecodeItemValuesTest, WrongTypeForANumberIsRefusedNamingTheType) {
  const std::vector<ItemDef> defs = {Column("density", kDensity, true),
                                     Column("exposure", kExposure, true)};
  const std::vector<VarBind> walk = {Octets(Cat(kDensity, {1}), "n/a"),
                                     IpAddress(Cat(kExposure, {1}), std::string("\1\2\3\4", 4))};
  auto values = DecodeItemValues(Device(1, 1), Ptrs(defs), walk, 5);
  ASSERT_EQ(values.size(), 2u);
  EXPECT_FALSE(values[0].number.has_value());
  EXPECT_EQ(values[0].text, "");
  EXPECT_THAT(values[0].problem, HasSubstr("OCTET STRING"));
  EXPECT_FALSE(values[1].number.has_value());
  EXPECT_THAT(values[1].problem, HasSubstr("IpAddress"));
}

TEST(DecodeItemValuesTest, DecimalTextIsANumberAndOtherTextIsNot) {
  struct Case {
    std::string text;
    std::optional<double> number;
  };
  const Case cases[] = {
      {"42", 42}, {"42.50", 42.5}, {"-7", -7},   {" 12 ", 12},           {"+3", 3},
      {"", {}},   {"12abc", {}},   {"1e5", {}},  {"unavailable: x", {}}, {"1.", {}},
      {".5", {}}, {"-", {}},       {"0x1f", {}},
  };
  const std::vector<ItemDef> defs = {Periscope("used", "used-percent", ValueType::kNumber)};
  for (const Case& c : cases) {
    auto values =
        DecodeItemValues(Device(1, 1), Ptrs(defs), {Octets(ItemRow(1, "used-percent"), c.text)}, 5);
    ASSERT_EQ(values.size(), 1u);
    EXPECT_EQ(values[0].number, c.number) << "'" << c.text << "'";
    EXPECT_EQ(values[0].problem.empty(), c.number.has_value()) << "'" << c.text << "'";
    if (!c.number) {
      EXPECT_THAT(values[0].problem, HasSubstr("OCTET STRING")) << c.text;
    }
  }
}

TEST(DecodeItemValuesTest, EveryNumericWireTypeIsANumber) {
  const Oid c = kVendor;  // a column with rows 1..5
  const std::vector<ItemDef> defs = {Column("n", c, false)};
  const std::vector<VarBind> walk = {
      Int(Cat(c, {1}), -2147483648LL), Unsigned(Cat(c, {2}), SnmpType::kCounter32, 4294967295u),
      Unsigned(Cat(c, {3}), SnmpType::kGauge32, 17), Unsigned(Cat(c, {4}), SnmpType::kTimeTicks, 9),
      Unsigned(Cat(c, {5}), SnmpType::kCounter64, 1ULL << 40)};
  auto values = DecodeItemValues(Device(1, 1), Ptrs(defs), walk, 5);
  ASSERT_EQ(values.size(), 5u);
  const double expected[] = {-2147483648.0, 4294967295.0, 17, 9, 1099511627776.0};
  for (size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(values[i].number, expected[i]) << i;
    EXPECT_EQ(values[i].problem, "") << i;
  }
  EXPECT_EQ(values[4].text, "1099511627776");
}

TEST(DecodeItemValuesTest, NonUtf8TextIsShownAsHex) {
  const std::vector<ItemDef> defs = {Column("serial", kDensity, true, ValueType::kText)};
  auto values = DecodeItemValues(Device(1, 1), Ptrs(defs),
                                 {Octets(Cat(kDensity, {1}), std::string("\xff\xfe\x41", 3))}, 5);
  ASSERT_EQ(values.size(), 1u);
  EXPECT_EQ(values[0].text, "0xfffe41");
  EXPECT_EQ(values[0].problem, "");
  // Well-formed UTF-8 stays text.
  values =
      DecodeItemValues(Device(1, 1), Ptrs(defs), {Octets(Cat(kDensity, {1}), "かすれ ABC")}, 5);
  ASSERT_EQ(values.size(), 1u);
  EXPECT_EQ(values[0].text, "かすれ ABC");
}

TEST(DecodeItemValuesTest, TextIsCleanedAndBounded) {
  const std::vector<ItemDef> defs = {Column("note", kDensity, true, ValueType::kText)};
  auto values = DecodeItemValues(Device(1, 1), Ptrs(defs),
                                 {Octets(Cat(kDensity, {1}), std::string(5000, 'x'))}, 5);
  ASSERT_EQ(values.size(), 1u);
  EXPECT_LE(values[0].text.size(), store::kMaxClaimTextBytes);
  EXPECT_GT(values[0].text.size(), store::kMaxClaimTextBytes / 2);
  values = DecodeItemValues(Device(1, 1), Ptrs(defs),
                            {Octets(Cat(kDensity, {1}), std::string(5000, '\xff'))}, 5);
  ASSERT_EQ(values.size(), 1u);
  EXPECT_LE(values[0].text.size(), store::kMaxClaimTextBytes);
  EXPECT_EQ(values[0].text.rfind("0xffff", 0), 0u);
  // A control character cannot reach a terminal or a mail.
  values =
      DecodeItemValues(Device(1, 1), Ptrs(defs), {Octets(Cat(kDensity, {1}), "a\x1b[31mb")}, 5);
  ASSERT_EQ(values.size(), 1u);
  EXPECT_EQ(values[0].text.find('\x1b'), std::string::npos);
}

TEST(DecodeItemValuesTest, AddressColumnOctetsAreShownAsAnAddress) {
  const std::vector<ItemDef> defs = {Column("mask", kIpAdEntNetMask, false, ValueType::kText),
                                     Column("other", kDensity, true, ValueType::kText)};
  const std::vector<VarBind> walk = {
      Octets(Cat(kIpAdEntNetMask, {10, 8, 0, 2}), std::string("\xff\xff\x00\x00", 4)),
      Octets(Cat(kIpAdEntNetMask, {10, 8, 0, 3}), "ABCD"),
      IpAddress(Cat(kIpAdEntNetMask, {10, 8, 0, 4}), std::string("\xff\xff\xff\x00", 4)),
      Octets(Cat(kDensity, {1}), "ABCD")};
  auto values = DecodeItemValues(Device(1, 1), Ptrs(defs), walk, 5);
  auto mask = Of(values, "mask");
  ASSERT_EQ(mask.size(), 3u);
  EXPECT_EQ(mask[0].text, "255.255.0.0");
  EXPECT_EQ(mask[1].text, "65.66.67.68");
  EXPECT_EQ(mask[2].text, "255.255.255.0");
  auto other = Of(values, "other");
  ASSERT_EQ(other.size(), 1u);
  EXPECT_EQ(other[0].text, "ABCD");  // four octets elsewhere are text
}

TEST(DecodeItemValuesTest, MissingItemGivesOneValueWithNoSuchObject) {
  const std::vector<ItemDef> defs = {
      Column("copies", kLifeCount, true), Periscope("firmware", "firmware", ValueType::kText),
      Scalar("descr", kSysDescr, ValueType::kText), Column("density", kDensity, true)};
  // Device 1 has a density row, nothing else; device 2's copies do not count.
  const std::vector<VarBind> walk = {Unsigned(Cat(kLifeCount, {2, 1}), SnmpType::kCounter32, 5),
                                     Octets(ItemRow(2, "firmware"), "1.0"),
                                     Int(Cat(kDensity, {1}), 50)};
  auto values = DecodeItemValues(Device(4, 1), Ptrs(defs), walk, 77);
  ASSERT_EQ(values.size(), 4u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(values[i].item, defs[i].name);
    EXPECT_EQ(values[i].instance, "");
    EXPECT_EQ(values[i].problem, "no such object") << defs[i].name;
    EXPECT_FALSE(values[i].number.has_value());
    EXPECT_EQ(values[i].text, "");
    EXPECT_EQ(values[i].device_id, 4);
    EXPECT_EQ(values[i].read_at, 77);
  }
  EXPECT_EQ(values[3].number, 50.0);
}

TEST(DecodeItemValuesTest, ObjectSeenTwiceIsOneValue) {
  // Overlapping plan groups walk some objects twice.
  const std::vector<ItemDef> defs = {Column("trays", kTrayCopies, true)};
  const std::vector<VarBind> walk = {Unsigned(Cat(kTrayCopies, {1, 1}), SnmpType::kCounter32, 5),
                                     Unsigned(Cat(kTrayCopies, {1, 1}), SnmpType::kCounter32, 5)};
  EXPECT_EQ(DecodeItemValues(Device(1, 1), Ptrs(defs), walk, 5).size(), 1u);
}

// ---- CollectItems without a network ----

class FixedClock : public Clock {
 public:
  std::chrono::system_clock::time_point Now() const override {
    return std::chrono::system_clock::time_point(std::chrono::seconds(1'800'000'000));
  }
};

TEST(CollectItemsTest, TargetWithoutAProfileIsNotAsked) {
  const std::vector<ItemDef> defs = {Column("density", kDensity, true)};
  std::map<std::string, poller::Profile> profiles;  // none
  FixedClock clock;
  CollectOptions options;
  options.profiles = &profiles;
  options.clock = &clock;
  store::ClaimDevice claimed = Device(1, 1);
  claimed.address = "192.0.2.1";  // TEST-NET-1: nothing may be sent there
  claimed.target_id = 10;
  claimed.profile = "nope";
  store::ClaimDevice peer = Device(2, 1);
  peer.address = "2001:db8::5";
  peer.target_id = 11;
  peer.profile = "nope";
  auto result = CollectItems({claimed, peer}, Ptrs(defs), options);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  ASSERT_EQ(result->devices.size(), 2u);
  EXPECT_EQ(result->devices[0].role, "claimed");
  EXPECT_EQ(result->devices[1].role, "peer");
  EXPECT_EQ(result->devices[1].endpoint, "[2001:db8::5]:161");
  for (const auto& d : result->devices) {
    EXPECT_FALSE(d.answered);
    EXPECT_EQ(d.error_class, "profile");
    EXPECT_THAT(d.error, HasSubstr("'nope'"));
    EXPECT_EQ(d.read_at, 1'800'000'000);
  }
  EXPECT_TRUE(result->values.empty());
  EXPECT_TRUE(result->completed);
}

TEST(CollectItemsTest, ClockIsRequired) {
  const std::vector<ItemDef> defs = {Column("density", kDensity, true)};
  CollectOptions options;
  auto result = CollectItems({Device(1, 1)}, Ptrs(defs), options);
  EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace periscope::claimtool
