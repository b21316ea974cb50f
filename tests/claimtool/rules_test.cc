#include "claimtool/rules.h"

#include <algorithm>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "claimtool/match.h"
#include "claimtool/standard_objects.h"
#include "core/snmp/sync_client.h"

namespace periscope::claimtool {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr char kFileName[] = "rules.xml";

// A valid file, one element per line, so a test knows the line of whatever
// it inserts (its index + 1).
std::vector<std::string> ValidLines() {
  return {
      R"(<?xml version="1.0" encoding="UTF-8"?>)",
      R"(<claim-rules>)",
      R"(  <role name="desk" person="Service desk" email="desk@vendor.example"/>)",
      R"(  <item name="copies" label="Copies" mib="prtMarkerLifeCount" rate-metric="pages"/>)",
      R"(  <item name="stage" oid="1.3.6.1.4.1.8072.9999.9999.2.1" table="true" device-indexed="true" example="true"/>)",
      R"(  <item name="status" periscope="status" type="text"/>)",
      R"(  <category name="paper-jam" title="Paper jam" kinds="printer, host" in-charge="desk">)",
      R"(    <match lang="en">Paper  Jam</match>)",
      R"(    <match lang="ja">紙詰まり</match>)",
      R"(    <use item="copies"/>)",
      R"(    <use item="stage"/>)",
      R"(  </category>)",
      R"(</claim-rules>)",
  };
}

// Index of the first line containing `text`.
size_t IndexOf(const std::vector<std::string>& lines, std::string_view text) {
  for (size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].find(text) != std::string::npos) return i;
  }
  ADD_FAILURE() << "no line with " << text;
  return 0;
}

Result<ClaimRules> ParseLines(const std::vector<std::string>& lines) {
  std::string content;
  for (const std::string& line : lines) content += line + "\n";
  return ParseClaimRules(content, kFileName);
}

// Inserts `line` before index `at` and expects the parse to fail naming the
// file and that line, with `reason` in the message.
void ExpectRefusedAt(std::vector<std::string> lines, size_t at, const std::string& line,
                     const std::string& reason) {
  lines.insert(lines.begin() + static_cast<ptrdiff_t>(at), line);
  Result<ClaimRules> rules = ParseLines(lines);
  ASSERT_FALSE(rules.ok()) << "accepted: " << line;
  EXPECT_EQ(rules.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(rules.status().message(),
              StartsWith(std::string(kFileName) + ":" + std::to_string(at + 1) + ":"));
  EXPECT_THAT(rules.status().message(), HasSubstr(reason));
}

TEST(RulesTest, ValidFileIsParsed) {
  Result<ClaimRules> rules = ParseLines(ValidLines());
  ASSERT_TRUE(rules.ok()) << rules.status().message();
  EXPECT_EQ(rules->source_name, kFileName);
  ASSERT_EQ(rules->roles.size(), 1u);
  EXPECT_EQ(rules->roles[0].email, "desk@vendor.example");
  ASSERT_EQ(rules->items.size(), 3u);

  const ItemDef* copies = rules->FindItem("copies");
  ASSERT_NE(copies, nullptr);
  EXPECT_EQ(copies->source, ItemSource::kMib);
  EXPECT_EQ(copies->mib_name, "prtMarkerLifeCount");
  const StandardObject* object = FindStandardObject("prtMarkerLifeCount");
  ASSERT_NE(object, nullptr);
  EXPECT_EQ(copies->oid, object->oid);
  EXPECT_TRUE(copies->table);
  EXPECT_TRUE(copies->device_indexed);
  EXPECT_EQ(copies->type, ValueType::kNumber);
  EXPECT_EQ(copies->rate_metric, "pages");
  EXPECT_EQ(copies->label, "Copies");
  EXPECT_EQ(copies->line, static_cast<int>(IndexOf(ValidLines(), "name=\"copies\"") + 1));

  const ItemDef* stage = rules->FindItem("stage");
  ASSERT_NE(stage, nullptr);
  EXPECT_EQ(stage->source, ItemSource::kOid);
  EXPECT_EQ(stage->oid, (snmp::Oid{1, 3, 6, 1, 4, 1, 8072, 9999, 9999, 2, 1}));
  EXPECT_TRUE(stage->table);
  EXPECT_TRUE(stage->device_indexed);
  EXPECT_TRUE(stage->example);
  EXPECT_EQ(stage->label, "stage");  // defaults to the name

  const ItemDef* status = rules->FindItem("status");
  ASSERT_NE(status, nullptr);
  EXPECT_EQ(status->source, ItemSource::kPeriscope);
  EXPECT_EQ(status->periscope_item, "status");
  EXPECT_EQ(status->type, ValueType::kText);
  EXPECT_FALSE(status->table);

  const Category* jam = rules->FindCategory("paper-jam");
  ASSERT_NE(jam, nullptr);
  EXPECT_EQ(jam->title, "Paper jam");
  EXPECT_EQ(jam->kinds, (std::vector<store::DeviceKind>{store::DeviceKind::kPrinter,
                                                        store::DeviceKind::kHost}));
  EXPECT_EQ(jam->terms_en, std::vector<std::string>{"paper jam"});  // lowered, one space
  EXPECT_EQ(jam->terms_ja, std::vector<std::string>{"紙詰まり"});
  EXPECT_EQ(jam->items, (std::vector<std::string>{"copies", "stage"}));
  EXPECT_EQ(jam->in_charge, "desk");
  EXPECT_EQ(jam->line, static_cast<int>(IndexOf(ValidLines(), "<category") + 1));
  EXPECT_EQ(rules->FindCategory("nope"), nullptr);
  EXPECT_EQ(rules->FindRole("nope"), nullptr);
  EXPECT_EQ(rules->FindItem("nope"), nullptr);
}

TEST(RulesTest, MibItemTakesTheStandardObjectsTypeUnlessGiven) {
  std::vector<std::string> lines = ValidLines();
  size_t at = IndexOf(lines, "<category");
  lines.insert(lines.begin() + static_cast<ptrdiff_t>(at),
               {R"(  <item name="descr" mib="prtAlertDescription"/>)",
                R"(  <item name="duplex" mib="dot3StatsDuplexStatus" type="text"/>)"});
  Result<ClaimRules> rules = ParseLines(lines);
  ASSERT_TRUE(rules.ok()) << rules.status().message();
  EXPECT_EQ(rules->FindItem("descr")->type, ValueType::kText);
  EXPECT_EQ(rules->FindItem("duplex")->type, ValueType::kText);
  EXPECT_EQ(FindStandardObject("dot3StatsDuplexStatus")->type, ValueType::kNumber);
}

TEST(RulesTest, UseOfUnknownItemIsRefusedWithLine) {
  std::vector<std::string> lines = ValidLines();
  ExpectRefusedAt(lines, IndexOf(lines, "<use item=\"stage\""), R"(    <use item="nope"/>)",
                  "unknown item 'nope'");
}

TEST(RulesTest, UnknownMibNameIsRefusedWithLine) {
  std::vector<std::string> lines = ValidLines();
  ExpectRefusedAt(lines, IndexOf(lines, "<category"),
                  R"(  <item name="life" mib="prtMarkerLifeCounter"/>)",
                  "unknown standard object 'prtMarkerLifeCounter'");
}

TEST(RulesTest, MalformedOidIsRefusedWithLine) {
  std::vector<std::string> lines = ValidLines();
  ExpectRefusedAt(lines, IndexOf(lines, "<category"), R"(  <item name="bad" oid="1.3..6"/>)",
                  "field 'oid'");
  ExpectRefusedAt(lines, IndexOf(lines, "<category"), R"(  <item name="bad" oid="1.3..6"/>)",
                  "'1.3..6'");
  ExpectRefusedAt(lines, IndexOf(lines, "<category"), R"(  <item name="bad" oid="1.3.6.x"/>)",
                  "not dotted decimal");
}

TEST(RulesTest, DuplicateCategoryIsRefusedWithLine) {
  std::vector<std::string> lines = ValidLines();
  // A second copy of the whole category, after the first.
  size_t first = IndexOf(lines, "<category");
  size_t end = IndexOf(lines, "</category>");
  std::vector<std::string> copy(lines.begin() + static_cast<ptrdiff_t>(first),
                                lines.begin() + static_cast<ptrdiff_t>(end) + 1);
  lines.insert(lines.begin() + static_cast<ptrdiff_t>(end) + 1, copy.begin() + 1, copy.end());
  // The duplicate's start tag goes right after the first category's end.
  ExpectRefusedAt(lines, end + 1, copy.front(), "category 'paper-jam' is already defined");
}

TEST(RulesTest, DuplicateItemIsRefusedWithLine) {
  std::vector<std::string> lines = ValidLines();
  ExpectRefusedAt(lines, IndexOf(lines, "<category"), R"(  <item name="copies" mib="ifSpeed"/>)",
                  "item 'copies' is already defined");
}

TEST(RulesTest, DuplicateRoleIsRefusedWithLine) {
  std::vector<std::string> lines = ValidLines();
  ExpectRefusedAt(lines, IndexOf(lines, "<item"),
                  R"(  <role name="desk" person="Other" email="other@vendor.example"/>)",
                  "role 'desk' is already defined");
}

TEST(RulesTest, UnknownRoleIsRefusedWithLine) {
  std::vector<std::string> lines = ValidLines();
  size_t at = IndexOf(lines, "<category");
  lines[at] = R"(  <category name="paper-jam" title="Paper jam" kinds="printer" in-charge="boss">)";
  std::string category = lines[at];
  lines.erase(lines.begin() + static_cast<ptrdiff_t>(at));
  ExpectRefusedAt(lines, at, category, "unknown role 'boss'");
}

TEST(RulesTest, UnknownAttributeIsRefusedWithLine) {
  std::vector<std::string> lines = ValidLines();
  ExpectRefusedAt(lines, IndexOf(lines, "<category"),
                  R"(  <item name="speed" mib="ifSpeed" colour="red"/>)",
                  "unknown attribute 'colour'");
}

TEST(RulesTest, UnknownElementIsRefusedWithLine) {
  std::vector<std::string> lines = ValidLines();
  ExpectRefusedAt(lines, IndexOf(lines, "<use item=\"copies\""), R"(    <read item="copies"/>)",
                  "unknown element <read>");
}

TEST(RulesTest, BadEmailIsRefusedWithLine) {
  std::vector<std::string> lines = ValidLines();
  ExpectRefusedAt(lines, IndexOf(lines, "<item"),
                  R"(  <role name="other" person="Other" email="not an address"/>)",
                  "field 'email'");
}

TEST(RulesTest, RateMetricOnTextItemIsRefusedWithLine) {
  std::vector<std::string> lines = ValidLines();
  ExpectRefusedAt(lines, IndexOf(lines, "<category"),
                  R"(  <item name="descr" mib="prtAlertDescription" rate-metric="pages"/>)",
                  "only for number items");
}

TEST(RulesTest, UnknownRateMetricIsRefusedWithLine) {
  std::vector<std::string> lines = ValidLines();
  ExpectRefusedAt(lines, IndexOf(lines, "<category"),
                  R"(  <item name="life" mib="prtMarkerLifeCount" rate-metric="sheets"/>)",
                  "'sheets' is not a stored metric");
}

TEST(RulesTest, ItemNeedsExactlyOneSource) {
  std::vector<std::string> lines = ValidLines();
  size_t at = IndexOf(lines, "<category");
  ExpectRefusedAt(lines, at, R"(  <item name="none" label="Nothing"/>)", "exactly one of");
  ExpectRefusedAt(lines, at, R"(  <item name="two" mib="ifSpeed" oid="1.3.6.1"/>)",
                  "exactly one of");
}

TEST(RulesTest, TableShapeIsOnlyForOidItems) {
  std::vector<std::string> lines = ValidLines();
  size_t at = IndexOf(lines, "<category");
  ExpectRefusedAt(lines, at, R"(  <item name="speed" mib="ifSpeed" table="true"/>)",
                  "only for oid= items");
  ExpectRefusedAt(lines, at, R"(  <item name="p" periscope="firmware" device-indexed="false"/>)",
                  "only for oid= items");
  ExpectRefusedAt(lines, at, R"(  <item name="x" oid="1.3.6.1.4.1.9" device-indexed="true"/>)",
                  "needs table=\"true\"");
}

TEST(RulesTest, BadNamesAreRefused) {
  std::vector<std::string> lines = ValidLines();
  size_t at = IndexOf(lines, "<category");
  ExpectRefusedAt(lines, at, R"(  <item name="Copies" mib="ifSpeed"/>)", "a-z 0-9 . - _");
  ExpectRefusedAt(lines, at, R"(  <item name="p" periscope="Backup Result"/>)",
                  "not a periscopeItemName");
  ExpectRefusedAt(lines, at, "  <item name=\"" + std::string(65, 'a') + "\" mib=\"ifSpeed\"/>",
                  "longer than 64 bytes");
}

TEST(RulesTest, CategoryNeedsKindsTermsAndItems) {
  const std::vector<std::string> lines = ValidLines();
  const size_t at = IndexOf(lines, "<category");
  const size_t end = IndexOf(lines, "</category>");
  auto with_category = [&](const std::vector<std::string>& category) {
    std::vector<std::string> out(lines.begin(), lines.begin() + static_cast<ptrdiff_t>(at));
    out.insert(out.end(), category.begin(), category.end());
    out.insert(out.end(), lines.begin() + static_cast<ptrdiff_t>(end) + 1, lines.end());
    return out;
  };
  struct Case {
    std::vector<std::string> category;
    std::string reason;
  };
  const Case cases[] = {
      {{R"(<category name="c" kinds="," in-charge="desk"><match lang="en">x</match><use item="copies"/></category>)"},
       "needs at least one device kind"},
      {{R"(<category name="c" kinds="printer copier" in-charge="desk"><match lang="en">x</match><use item="copies"/></category>)"},
       "'copier' is not a device kind"},
      {{R"(<category name="c" kinds="printer" in-charge="desk"><use item="copies"/></category>)"},
       "at least one <match> term"},
      {{R"(<category name="c" kinds="printer" in-charge="desk"><match lang="en">x</match></category>)"},
       "at least one <use item"},
      {{R"(<category name="c" kinds="printer" in-charge="desk"><match lang="fr">x</match><use item="copies"/></category>)"},
       "'fr' is not en or ja"},
      {{R"(<category name="c" kinds="printer" in-charge="desk"><match lang="en">紙</match><use item="copies"/></category>)"},
       "not ASCII"},
      {{R"(<category name="c" kinds="printer" in-charge="desk"><match lang="en">x</match><use item="copies"/><use item="copies"/></category>)"},
       "already used"},
  };
  for (const Case& c : cases) {
    Result<ClaimRules> rules = ParseLines(with_category(c.category));
    ASSERT_FALSE(rules.ok()) << c.category[0];
    EXPECT_THAT(rules.status().message(),
                StartsWith(std::string(kFileName) + ":" + std::to_string(at + 1) + ":"))
        << c.category[0];
    EXPECT_THAT(rules.status().message(), HasSubstr(c.reason)) << c.category[0];
  }
}

TEST(RulesTest, CategoryMayComeBeforeWhatItNames) {
  std::vector<std::string> lines = ValidLines();
  const size_t at = IndexOf(lines, "<category");
  const size_t end = IndexOf(lines, "</category>");
  std::vector<std::string> category(lines.begin() + static_cast<ptrdiff_t>(at),
                                    lines.begin() + static_cast<ptrdiff_t>(end) + 1);
  lines.erase(lines.begin() + static_cast<ptrdiff_t>(at),
              lines.begin() + static_cast<ptrdiff_t>(end) + 1);
  lines.insert(lines.begin() + 2, category.begin(), category.end());
  Result<ClaimRules> rules = ParseLines(lines);
  ASSERT_TRUE(rules.ok()) << rules.status().message();
  EXPECT_NE(rules->FindCategory("paper-jam"), nullptr);
}

TEST(RulesTest, FileWithoutCategoryOrWithWrongRootIsRefused) {
  Result<ClaimRules> empty = ParseClaimRules("<claim-rules/>", kFileName);
  ASSERT_FALSE(empty.ok());
  EXPECT_THAT(empty.status().message(), HasSubstr("no <category>"));
  Result<ClaimRules> wrong = ParseClaimRules("<rules/>", kFileName);
  ASSERT_FALSE(wrong.ok());
  EXPECT_THAT(wrong.status().message(), HasSubstr("expected <claim-rules>"));
}

TEST(RulesTest, MissingFileIsAnError) {
  Result<ClaimRules> rules = LoadClaimRules("/nonexistent/claim-rules.xml");
  ASSERT_FALSE(rules.ok());
  EXPECT_THAT(rules.status().message(), HasSubstr("/nonexistent/claim-rules.xml"));
}

// --- the shipped etc/claim-rules.xml ---

class ShippedRulesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<ClaimRules> loaded =
        LoadClaimRules(std::string(PERISCOPE_SOURCE_DIR) + "/etc/claim-rules.xml");
    ASSERT_TRUE(loaded.ok()) << loaded.status().message();
    rules_ = std::move(loaded).value();
  }

  void ExpectCategory(std::string_view name, store::DeviceKind kind,
                      const std::vector<std::string>& items) {
    SCOPED_TRACE(std::string(name));
    const Category* c = rules_.FindCategory(name);
    ASSERT_NE(c, nullptr);
    EXPECT_NE(std::find(c->kinds.begin(), c->kinds.end(), kind), c->kinds.end());
    EXPECT_FALSE(c->terms_en.empty());
    EXPECT_FALSE(c->terms_ja.empty());
    EXPECT_NE(rules_.FindRole(c->in_charge), nullptr);
    for (const std::string& item : items) {
      EXPECT_NE(std::find(c->items.begin(), c->items.end(), item), c->items.end()) << item;
    }
  }

  const ItemDef& Item(std::string_view name) {
    const ItemDef* item = rules_.FindItem(name);
    EXPECT_NE(item, nullptr) << name;
    static const ItemDef kMissing;
    return item != nullptr ? *item : kMissing;
  }

  ClaimRules rules_;
};

TEST_F(ShippedRulesTest, HasTheRolesAndCategories) {
  for (const char* role : {"storage-support", "copier-service", "network-support"}) {
    ASSERT_NE(rules_.FindRole(role), nullptr) << role;
    EXPECT_THAT(rules_.FindRole(role)->email, HasSubstr("@vendor.example"));
  }
  using store::DeviceKind;
  ExpectCategory("slow-writes", DeviceKind::kPeriscope,
                 {"load-peak-today", "load-avg-today", "used-percent", "status", "firmware"});
  ExpectCategory("capacity-alarm", DeviceKind::kPeriscope,
                 {"used-percent", "used-bytes", "capacity-bytes"});
  ExpectCategory("backup-failure", DeviceKind::kPeriscope,
                 {"backup-last-result", "backup-age", "status"});
  const std::vector<std::string> network = {"if-speed",     "if-high-speed", "if-oper-status",
                                            "if-in-errors", "if-out-errors", "duplex",
                                            "ip-address",   "netmask"};
  ExpectCategory("network-problem", DeviceKind::kPeriscope, network);
  ExpectCategory(
      "image-quality", DeviceKind::kPrinter,
      {"copies", "image-density", "exposure", "auto-density", "drum-charge", "supplies-level"});
  ExpectCategory("paper-jam", DeviceKind::kPrinter,
                 {"copies", "tray-copies", "tray-level", "alert-code", "alert-description"});
  ExpectCategory("supplies", DeviceKind::kPrinter,
                 {"supplies-level", "supplies-max", "supplies-description", "alert-code"});
  ExpectCategory("network-problem-printer", DeviceKind::kPrinter, network);
}

TEST_F(ShippedRulesTest, ItemsHaveTheirSourcesAndShapes) {
  const ItemDef& copies = Item("copies");
  EXPECT_EQ(copies.source, ItemSource::kMib);
  EXPECT_EQ(copies.mib_name, "prtMarkerLifeCount");
  EXPECT_EQ(copies.rate_metric, "pages");
  EXPECT_EQ(copies.unit, "impressions");

  // The vendor-private examples under Net-SNMP's playpen arc.
  const snmp::Oid playpen = {1, 3, 6, 1, 4, 1, 8072, 9999, 9999, 2};
  const char* examples[] = {"tray-copies", "image-density", "exposure", "auto-density",
                            "drum-charge"};
  for (uint32_t i = 0; i < std::size(examples); ++i) {
    SCOPED_TRACE(examples[i]);
    const ItemDef& item = Item(examples[i]);
    snmp::Oid expected = playpen;
    expected.push_back(i + 1);
    EXPECT_EQ(item.source, ItemSource::kOid);
    EXPECT_EQ(item.oid, expected);
    EXPECT_TRUE(item.table);
    EXPECT_TRUE(item.device_indexed);
    EXPECT_TRUE(item.example);
    EXPECT_EQ(item.type, ValueType::kNumber);
  }

  EXPECT_EQ(Item("backup-last-result").periscope_item, "backup.last-result");
  EXPECT_EQ(Item("backup-last-result").type, ValueType::kText);
  EXPECT_EQ(Item("backup-age").periscope_item, "backup.age-s");
  EXPECT_EQ(Item("backup-age").type, ValueType::kNumber);
  EXPECT_EQ(Item("firmware").type, ValueType::kText);
  EXPECT_EQ(Item("duplex").mib_name, "dot3StatsDuplexStatus");
  EXPECT_EQ(Item("duplex").type, ValueType::kText);
  EXPECT_EQ(Item("ip-address").type, ValueType::kText);
  EXPECT_EQ(Item("netmask").type, ValueType::kText);
  EXPECT_EQ(Item("alert-description").type, ValueType::kText);
  EXPECT_EQ(Item("supplies-description").type, ValueType::kText);
}

TEST_F(ShippedRulesTest, SeedTermsAreThere) {
  auto has = [&](std::string_view category, const std::string& term) {
    const Category* c = rules_.FindCategory(category);
    if (c == nullptr) return false;
    return std::find(c->terms_en.begin(), c->terms_en.end(), term) != c->terms_en.end() ||
           std::find(c->terms_ja.begin(), c->terms_ja.end(), term) != c->terms_ja.end();
  };
  for (const char* t :
       {"faint", "streak", "density", "pale", "かすれ", "薄い", "濃度", "画質", "スジ"}) {
    EXPECT_TRUE(has("image-quality", t)) << t;
  }
  for (const char* t : {"jam", "misfeed", "paper stuck", "紙詰まり", "ジャム"}) {
    EXPECT_TRUE(has("paper-jam", t)) << t;
  }
  for (const char* t : {"slow", "latency", "timeout", "遅い", "書き込みが遅い"}) {
    EXPECT_TRUE(has("slow-writes", t)) << t;
  }
  for (const char* t : {"full", "capacity", "disk space", "容量", "満杯"}) {
    EXPECT_TRUE(has("capacity-alarm", t)) << t;
  }
  for (const char* t : {"backup", "バックアップ"}) EXPECT_TRUE(has("backup-failure", t)) << t;
  for (const char* t :
       {"network", "link", "unreachable", "packet loss", "ネットワーク", "通信", "つながらない"}) {
    EXPECT_TRUE(has("network-problem", t)) << t;
    EXPECT_TRUE(has("network-problem-printer", t)) << t;
  }
  for (const char* t : {"toner", "supply", "cartridge", "トナー", "消耗品"}) {
    EXPECT_TRUE(has("supplies", t)) << t;
  }
}

TEST_F(ShippedRulesTest, SampleComplaintsFindTheirCategory) {
  struct Case {
    const char* symptom;
    store::DeviceKind kind;
    const char* category;
  };
  const Case cases[] = {
      {"コピー中に紙詰まりが頻発する", store::DeviceKind::kPrinter, "paper-jam"},
      {"Copies come out faint with streaks", store::DeviceKind::kPrinter, "image-quality"},
      {"トナーの減りが早い", store::DeviceKind::kPrinter, "supplies"},
      {"書き込みが遅い", store::DeviceKind::kPeriscope, "slow-writes"},
      {"Disk space is almost full", store::DeviceKind::kPeriscope, "capacity-alarm"},
      {"昨夜のバックアップが失敗", store::DeviceKind::kPeriscope, "backup-failure"},
      {"device unreachable from the office", store::DeviceKind::kPeriscope, "network-problem"},
      {"ネットワークにつながらない", store::DeviceKind::kPrinter, "network-problem-printer"},
  };
  for (const Case& c : cases) {
    std::vector<CategoryMatch> matches = MatchSymptom(rules_, c.symptom, c.kind);
    ASSERT_FALSE(matches.empty()) << c.symptom;
    EXPECT_EQ(matches[0].category->name, c.category) << c.symptom;
  }
}

}  // namespace
}  // namespace periscope::claimtool
