#include "claimtool/match.h"

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace periscope::claimtool {
namespace {

using store::DeviceKind;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

Category MakeCategory(std::string name, std::string title, std::vector<DeviceKind> kinds,
                      std::vector<std::string> en, std::vector<std::string> ja) {
  Category c;
  c.name = std::move(name);
  c.title = std::move(title);
  c.kinds = std::move(kinds);
  c.terms_en = std::move(en);
  c.terms_ja = std::move(ja);
  c.items = {"copies"};
  c.in_charge = "desk";
  return c;
}

// Built directly (as the parser stores them: English lower-cased), so these
// tests do not depend on the rule file parser.
ClaimRules TestRules() {
  ClaimRules r;
  r.categories.push_back(MakeCategory("image-quality", "Image quality", {DeviceKind::kPrinter},
                                      {"faint", "streak", "pale", "patch", "density"},
                                      {"かすれ", "薄い", "画質"}));
  r.categories.push_back(MakeCategory("paper-jam", "Paper jam", {DeviceKind::kPrinter},
                                      {"jam", "misfeed", "paper stuck"}, {"紙詰まり", "ジャム"}));
  r.categories.push_back(MakeCategory("supplies", "Toner and supplies", {DeviceKind::kPrinter},
                                      {"toner", "cartridge"}, {"トナー"}));
  r.categories.push_back(MakeCategory("slow-writes", "Slow writes", {DeviceKind::kPeriscope},
                                      {"slow", "latency"}, {"遅い"}));
  r.categories.push_back(MakeCategory("network-problem", "Network problem",
                                      {DeviceKind::kPeriscope, DeviceKind::kHost},
                                      {"network", "packet loss"}, {"ネットワーク"}));
  r.categories.push_back(MakeCategory("network-problem-printer", "Network problem",
                                      {DeviceKind::kPrinter}, {"network", "packet loss"},
                                      {"ネットワーク"}));
  return r;
}

std::vector<std::string> Names(const std::vector<CategoryMatch>& matches) {
  std::vector<std::string> names;
  for (const CategoryMatch& m : matches) names.push_back(m.category->name);
  return names;
}

TEST(MatchTest, EnglishTermMatchesWhateverTheCase) {
  ClaimRules rules = TestRules();
  auto m = MatchSymptom(rules, "Paper JAM in tray 2", DeviceKind::kPrinter);
  ASSERT_THAT(Names(m), ElementsAre("paper-jam"));
  EXPECT_THAT(m[0].matched_terms, ElementsAre("jam"));
  EXPECT_EQ(m[0].score, 1);
}

TEST(MatchTest, PluralSAndEsMatch) {
  ClaimRules rules = TestRules();
  EXPECT_THAT(Names(MatchSymptom(rules, "three jams today", DeviceKind::kPrinter)),
              ElementsAre("paper-jam"));
  EXPECT_THAT(Names(MatchSymptom(rules, "grey patches on prints", DeviceKind::kPrinter)),
              ElementsAre("image-quality"));
}

TEST(MatchTest, NoMatchInsideOrAtTheStartOfALongerWordForShortTerms) {
  ClaimRules rules = TestRules();
  EXPECT_THAT(MatchSymptom(rules, "printed pajamas pattern", DeviceKind::kPrinter), IsEmpty());
  EXPECT_THAT(MatchSymptom(rules, "the door jamb is bent", DeviceKind::kPrinter), IsEmpty());
  // "pale" is 4 letters: a word prefix matches ("paler"), a word inside does not.
  EXPECT_THAT(Names(MatchSymptom(rules, "prints got paler", DeviceKind::kPrinter)),
              ElementsAre("image-quality"));
  EXPECT_THAT(MatchSymptom(rules, "impaled", DeviceKind::kPrinter), IsEmpty());
}

TEST(MatchTest, TermsOfFourLettersOrMoreMatchAWordPrefix) {
  ClaimRules rules = TestRules();
  auto m = MatchSymptom(rules, "the array answers slowly", DeviceKind::kPeriscope);
  ASSERT_THAT(Names(m), ElementsAre("slow-writes"));
  EXPECT_THAT(m[0].matched_terms, ElementsAre("slow"));
}

TEST(MatchTest, MultiWordTermNeedsItsWordsInOrder) {
  ClaimRules rules = TestRules();
  EXPECT_THAT(Names(MatchSymptom(rules, "Paper   stuck, again!", DeviceKind::kPrinter)),
              ElementsAre("paper-jam"));
  EXPECT_THAT(MatchSymptom(rules, "paper is stuck", DeviceKind::kPrinter), IsEmpty());
  EXPECT_THAT(MatchSymptom(rules, "stuck paper", DeviceKind::kPrinter), IsEmpty());
}

TEST(MatchTest, FullWidthLettersFoldToAscii) {
  ClaimRules rules = TestRules();
  auto m = MatchSymptom(rules, "ＪＡＭが発生しました", DeviceKind::kPrinter);
  ASSERT_THAT(Names(m), ElementsAre("paper-jam"));
  EXPECT_THAT(m[0].matched_terms, ElementsAre("jam"));
}

TEST(MatchTest, JapaneseTermMatchesAsSubstring) {
  ClaimRules rules = TestRules();
  auto m = MatchSymptom(rules, "コピー中に紙詰まりが頻発する", DeviceKind::kPrinter);
  ASSERT_THAT(Names(m), ElementsAre("paper-jam"));
  EXPECT_THAT(m[0].matched_terms, ElementsAre("紙詰まり"));
}

TEST(MatchTest, OnlyCategoriesOfTheDeviceKindMatch) {
  ClaimRules rules = TestRules();
  EXPECT_THAT(Names(MatchSymptom(rules, "network is down", DeviceKind::kPrinter)),
              ElementsAre("network-problem-printer"));
  EXPECT_THAT(Names(MatchSymptom(rules, "network is down", DeviceKind::kPeriscope)),
              ElementsAre("network-problem"));
  EXPECT_THAT(Names(MatchSymptom(rules, "network is down", DeviceKind::kHost)),
              ElementsAre("network-problem"));
  EXPECT_THAT(MatchSymptom(rules, "network is down", DeviceKind::kNetwork), IsEmpty());
  EXPECT_THAT(MatchSymptom(rules, "paper jam", DeviceKind::kPeriscope), IsEmpty());
}

TEST(MatchTest, MoreDistinctTermsRankFirstThenRuleOrder) {
  ClaimRules rules = TestRules();
  // image-quality: faint, pale, streak (3 terms); supplies: toner (1).
  auto m =
      MatchSymptom(rules, "new toner but faint, pale prints with streaks", DeviceKind::kPrinter);
  ASSERT_THAT(Names(m), ElementsAre("image-quality", "supplies"));
  EXPECT_EQ(m[0].score, 3);
  EXPECT_THAT(m[0].matched_terms, UnorderedElementsAre("faint", "pale", "streak"));
  EXPECT_EQ(m[1].score, 1);
  // One term each: rule order (image-quality is defined before paper-jam).
  EXPECT_THAT(Names(MatchSymptom(rules, "jam then faint", DeviceKind::kPrinter)),
              ElementsAre("image-quality", "paper-jam"));
  EXPECT_THAT(Names(MatchSymptom(rules, "faint then jam", DeviceKind::kPrinter)),
              ElementsAre("image-quality", "paper-jam"));
}

TEST(MatchTest, UnrelatedSymptomMatchesNothing) {
  ClaimRules rules = TestRules();
  EXPECT_THAT(MatchSymptom(rules, "the display shows error E-204", DeviceKind::kPrinter),
              IsEmpty());
  EXPECT_THAT(MatchSymptom(rules, "", DeviceKind::kPrinter), IsEmpty());
}

TEST(MatchTest, ClosestCategoryOfAMisspeltSymptomComesFirst) {
  ClaimRules rules = TestRules();
  ASSERT_THAT(MatchSymptom(rules, "pepar jamm", DeviceKind::kPrinter), IsEmpty());
  auto closest = ClosestCategories(rules, "pepar jamm", DeviceKind::kPrinter, 3);
  ASSERT_EQ(closest.size(), 3u);
  EXPECT_EQ(closest[0].category->name, "paper-jam");
  EXPECT_GT(closest[0].score, closest[1].score);
  EXPECT_LE(closest[0].score, 1.0);
  for (size_t i = 1; i < closest.size(); ++i) {
    EXPECT_GE(closest[i - 1].score, closest[i].score);
  }

  auto toner = ClosestCategories(rules, "tonner cartrige empty", DeviceKind::kPrinter, 1);
  ASSERT_EQ(toner.size(), 1u);
  EXPECT_EQ(toner[0].category->name, "supplies");
}

TEST(MatchTest, ClosestCategoryOfAJapaneseNearMiss) {
  ClaimRules rules = TestRules();
  // "紙が詰まった" shares 詰ま with 紙詰まり but is not the term.
  ASSERT_THAT(MatchSymptom(rules, "紙が詰まった", DeviceKind::kPrinter), IsEmpty());
  auto closest = ClosestCategories(rules, "紙が詰まった", DeviceKind::kPrinter, 1);
  ASSERT_EQ(closest.size(), 1u);
  EXPECT_EQ(closest[0].category->name, "paper-jam");
  EXPECT_GT(closest[0].score, 0);
}

TEST(MatchTest, ClosestListsUpToLimitOfTheKindEvenWithoutSimilarity) {
  ClaimRules rules = TestRules();
  // Nothing alike: every printer category is still listed, in rule order.
  auto all = ClosestCategories(rules, "zzzz", DeviceKind::kPrinter, 10);
  EXPECT_THAT(Names(all),
              ElementsAre("image-quality", "paper-jam", "supplies", "network-problem-printer"));
  for (const CategoryMatch& m : all) EXPECT_EQ(m.score, 0);
  EXPECT_EQ(ClosestCategories(rules, "zzzz", DeviceKind::kPrinter, 2).size(), 2u);
  EXPECT_THAT(Names(ClosestCategories(rules, "", DeviceKind::kPeriscope, 5)),
              ElementsAre("slow-writes", "network-problem"));
  EXPECT_THAT(ClosestCategories(rules, "jam", DeviceKind::kNetwork, 3), IsEmpty());
}

}  // namespace
}  // namespace periscope::claimtool
