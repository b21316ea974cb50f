// The claim's own logic around the parts: which values enter which
// statistic (ComputeClaimStats), claim files and the claim tool's config.
#include "claimtool/claim.h"

#include <cmath>
#include <numeric>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "claimtool/config.h"
#include "tests/support/process.h"

namespace periscope::claimtool {
namespace {

using ::testing::HasSubstr;

store::ClaimDeviceRecord Device(int64_t id, std::string role, bool answered) {
  store::ClaimDeviceRecord d;
  d.device_id = id;
  d.role = std::move(role);
  d.answered = answered;
  d.error_class = answered ? "" : "timeout";
  return d;
}

store::ClaimValueRecord Number(int64_t device, std::string item, std::string instance,
                               double value) {
  store::ClaimValueRecord v;
  v.device_id = device;
  v.item = std::move(item);
  v.instance = std::move(instance);
  v.number = value;
  v.text = std::to_string(value);
  return v;
}

store::ClaimValueRecord Text(int64_t device, std::string item, std::string text) {
  store::ClaimValueRecord v;
  v.device_id = device;
  v.item = std::move(item);
  v.text = std::move(text);
  return v;
}

ItemDef Item(std::string name, ValueType type, std::string rate_metric = "") {
  ItemDef d;
  d.name = name;
  d.label = "Label of " + name;
  d.unit = type == ValueType::kNumber ? "sheets" : "";
  d.type = type;
  d.rate_metric = std::move(rate_metric);
  return d;
}

const store::ClaimStatRecord* Find(const std::vector<store::ClaimStatRecord>& stats,
                                   const std::string& item, const std::string& instance,
                                   const std::string& measure = "value") {
  for (const auto& s : stats) {
    if (s.item == item && s.instance == instance && s.measure == measure) return &s;
  }
  return nullptr;
}

double Mean(const std::vector<double>& v) {
  return std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
}

TEST(ComputeClaimStatsTest, OneStatisticPerItemAndInstanceOverAnsweringPeersOnly) {
  ItemDef trays = Item("tray-copies", ValueType::kNumber);
  std::vector<const ItemDef*> items = {&trays};
  // Device 1 claimed; 2, 3, 4 answered; 5 did not (its stale values, if any
  // slipped in, must not count).
  std::vector<store::ClaimDeviceRecord> devices = {
      Device(1, "claimed", true), Device(2, "peer", true), Device(3, "peer", true),
      Device(4, "peer", true), Device(5, "peer", false)};
  std::vector<store::ClaimValueRecord> values = {
      Number(1, "tray-copies", "1", 100), Number(1, "tray-copies", "2", 900),
      Number(2, "tray-copies", "1", 110), Number(2, "tray-copies", "2", 200),
      Number(3, "tray-copies", "1", 90),  Number(3, "tray-copies", "2", 210),
      Number(4, "tray-copies", "1", 105), Number(4, "tray-copies", "2", 190),
      Number(5, "tray-copies", "1", 5000)};
  auto stats = ComputeClaimStats(items, devices, values, {});
  ASSERT_EQ(stats.size(), 2u);
  const auto* tray1 = Find(stats, "tray-copies", "1");
  const auto* tray2 = Find(stats, "tray-copies", "2");
  ASSERT_NE(tray1, nullptr);
  ASSERT_NE(tray2, nullptr);
  EXPECT_EQ(tray1->n, 3);
  EXPECT_NEAR(*tray1->mean, Mean({110, 90, 105}), 1e-9);
  EXPECT_EQ(tray1->claimed_number, 100);
  EXPECT_EQ(tray1->label, "Label of tray-copies");
  EXPECT_EQ(tray1->unit, "sheets");
  EXPECT_FALSE(tray1->flagged);
  // Tray 2 of the claimed device is far off its peers: flagged and first.
  EXPECT_TRUE(tray2->flagged);
  EXPECT_EQ(stats.front().instance, "2");
}

TEST(ComputeClaimStatsTest, RefusedValuesCountNowhere) {
  ItemDef density = Item("density", ValueType::kNumber);
  std::vector<const ItemDef*> items = {&density};
  std::vector<store::ClaimDeviceRecord> devices = {
      Device(1, "claimed", true), Device(2, "peer", true), Device(3, "peer", true),
      Device(4, "peer", true), Device(5, "peer", true)};
  store::ClaimValueRecord garbage;
  garbage.device_id = 5;
  garbage.item = "density";
  garbage.problem = "expected a number, got OCTET STRING of 3 bytes (0x6e2f61)";
  std::vector<store::ClaimValueRecord> values = {
      Number(1, "density", "", 10), Number(2, "density", "", 11), Number(3, "density", "", 12),
      Number(4, "density", "", 13), garbage};
  auto stats = ComputeClaimStats(items, devices, values, {});
  ASSERT_EQ(stats.size(), 1u);
  EXPECT_EQ(stats[0].n, 3);
  EXPECT_NEAR(*stats[0].mean, 12, 1e-9);
}

TEST(ComputeClaimStatsTest, TextItemsComparePeersMostCommonValue) {
  ItemDef firmware = Item("firmware", ValueType::kText);
  std::vector<const ItemDef*> items = {&firmware};
  std::vector<store::ClaimDeviceRecord> devices = {Device(1, "claimed", true),
                                                   Device(2, "peer", true), Device(3, "peer", true),
                                                   Device(4, "peer", true)};
  std::vector<store::ClaimValueRecord> values = {
      Text(1, "firmware", "1.0.2"), Text(2, "firmware", "2.1.0"), Text(3, "firmware", "2.1.0"),
      Text(4, "firmware", "2.0.9")};
  auto stats = ComputeClaimStats(items, devices, values, {});
  ASSERT_EQ(stats.size(), 1u);
  EXPECT_FALSE(stats[0].numeric);
  EXPECT_EQ(stats[0].claimed_text, "1.0.2");
  EXPECT_EQ(stats[0].most_common, "2.1.0");
  EXPECT_EQ(stats[0].most_common_count, 2);
  EXPECT_TRUE(stats[0].differs);
  EXPECT_TRUE(stats[0].flagged);
}

TEST(ComputeClaimStatsTest, CountersAreComparedPerDayFromHistoryIncludingPeersDeadNow) {
  ItemDef copies = Item("copies", ValueType::kNumber, "pages");
  std::vector<const ItemDef*> items = {&copies};
  std::vector<store::ClaimDeviceRecord> devices = {Device(1, "claimed", true),
                                                   Device(2, "peer", true), Device(3, "peer", true),
                                                   Device(4, "peer", false)};
  std::vector<store::ClaimValueRecord> values = {Number(1, "copies", "1", 500000),
                                                 Number(2, "copies", "1", 100000),
                                                 Number(3, "copies", "1", 200000)};
  // Device 4 is dead now but its history counts; device 99 is no peer.
  std::vector<ItemRates> rates = {
      {"copies", {{1, 900.0, 30}, {2, 300.0, 30}, {3, 310.0, 28}, {4, 290.0, 30}, {99, 1e6, 30}}}};
  auto stats = ComputeClaimStats(items, devices, values, rates);
  const auto* raw = Find(stats, "copies", "1");
  const auto* per_day = Find(stats, "copies", "", "per_day");
  ASSERT_NE(raw, nullptr);
  ASSERT_NE(per_day, nullptr);
  EXPECT_EQ(raw->n, 2);
  EXPECT_FALSE(raw->meaningful);
  EXPECT_EQ(per_day->n, 3);
  EXPECT_EQ(per_day->claimed_number, 900.0);
  EXPECT_NEAR(*per_day->mean, Mean({300, 310, 290}), 1e-9);
  EXPECT_EQ(per_day->unit, "sheets/day");
  EXPECT_TRUE(per_day->flagged);
}

TEST(ComputeClaimStatsTest, AClaimedDeviceWithoutAnswerStillGetsPeerFigures) {
  ItemDef density = Item("density", ValueType::kNumber);
  std::vector<const ItemDef*> items = {&density};
  std::vector<store::ClaimDeviceRecord> devices = {Device(1, "claimed", false),
                                                   Device(2, "peer", true), Device(3, "peer", true),
                                                   Device(4, "peer", true)};
  std::vector<store::ClaimValueRecord> values = {
      Number(2, "density", "", 11), Number(3, "density", "", 12), Number(4, "density", "", 13)};
  auto stats = ComputeClaimStats(items, devices, values, {});
  ASSERT_EQ(stats.size(), 1u);
  EXPECT_FALSE(stats[0].claimed_number.has_value());
  EXPECT_FALSE(stats[0].z.has_value());
  EXPECT_FALSE(stats[0].flagged);
  EXPECT_NEAR(*stats[0].mean, 12, 1e-9);
}

TEST(ClaimFileTest, ReadsCustomerDeviceCategoryAndSymptom) {
  testing::TempDir dir;
  testing::WriteTextFile(dir.File("c.xml"),
                         R"(<claim customer="cust-01" device="SN-1" max-peers="20">
  <symptom>Paper jam in tray 2 / 紙詰まり</symptom>
</claim>
)");
  auto r = LoadClaimFile(dir.File("c.xml"));
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->customer, "cust-01");
  EXPECT_EQ(r->device, "SN-1");
  EXPECT_EQ(r->symptom, "Paper jam in tray 2 / 紙詰まり");
  EXPECT_EQ(r->max_peers, 20u);
}

TEST(ClaimFileTest, AMissingDeviceOrAnUnknownFieldNamesFileAndLine) {
  testing::TempDir dir;
  testing::WriteTextFile(dir.File("c.xml"),
                         "<claim customer=\"c\">\n  <symptom>x</symptom>\n</claim>\n");
  auto r = LoadClaimFile(dir.File("c.xml"));
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("c.xml:1:"));
  EXPECT_THAT(r.status().message(), HasSubstr("device"));
  testing::WriteTextFile(dir.File("d.xml"),
                         "<claim customer=\"c\" device=\"d\">\n  <sympton>x</sympton>\n</claim>\n");
  r = LoadClaimFile(dir.File("d.xml"));
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("d.xml:2:"));
  EXPECT_THAT(r.status().message(), HasSubstr("sympton"));
}

TEST(ClaimConfigTest, TheShippedSampleParses) {
  auto c = LoadClaimConfig(std::string(PERISCOPE_SOURCE_DIR) + "/etc/periscope-claim.xml",
                           DefaultClaimConfig("/etc/periscope", "/var/lib/periscope"));
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->deadline.count(), 10000);
  EXPECT_EQ(c->rate_days, 30);
  EXPECT_EQ(c->rules, "/etc/periscope/claim-rules.xml");
  EXPECT_EQ(c->mail.directory, "/var/lib/periscope/claims/mail");
  EXPECT_FALSE(c->mail.smtp.has_value());
}

TEST(ClaimConfigTest, RelativePathsFollowTheFileAndTyposAreRefusedWithTheirLine) {
  auto c = ParseClaimConfig(
      "<periscope-claim>\n  <rules path=\"rules.xml\"/>\n  <claim deadline-ms=\"2500\" "
      "max-peers=\"40\"/>\n</periscope-claim>\n",
      "/etc/x/claim.xml", DefaultClaimConfig("/etc/periscope", "/var/lib/periscope"));
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->rules, "/etc/x/rules.xml");
  EXPECT_EQ(c->deadline.count(), 2500);
  EXPECT_EQ(c->max_peers, 40u);
  auto bad = ParseClaimConfig("<periscope-claim>\n  <claim deadline=\"5\"/>\n</periscope-claim>\n",
                              "/etc/x/claim.xml", {});
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("claim.xml:2:"));
  EXPECT_THAT(bad.status().message(), HasSubstr("deadline"));
  auto short_deadline = ParseClaimConfig(
      "<periscope-claim><claim deadline-ms=\"10\"/></periscope-claim>", "c.xml", {});
  EXPECT_FALSE(short_deadline.ok());
}

}  // namespace
}  // namespace periscope::claimtool
