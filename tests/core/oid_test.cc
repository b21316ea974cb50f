// OID text parsing and client set-up errors (core/snmp/sync_client.h); no
// network traffic.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "core/snmp/sync_client.h"

namespace periscope::snmp {
namespace {

using ::testing::HasSubstr;

TEST(ParseOidTest, ParsesDottedDecimalWithOrWithoutALeadingDot) {
  Result<Oid> plain = ParseOid("1.3.6.1.4.1.8072");
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  EXPECT_EQ(*plain, (Oid{1, 3, 6, 1, 4, 1, 8072}));
  Result<Oid> dotted = ParseOid(".1.3.6");
  ASSERT_TRUE(dotted.ok());
  EXPECT_EQ(*dotted, (Oid{1, 3, 6}));
  Result<Oid> single = ParseOid("0");
  ASSERT_TRUE(single.ok());
  EXPECT_EQ(*single, Oid{0});
}

TEST(ParseOidTest, RoundTripsThroughOidToString) {
  Oid oid = {1, 3, 6, 1, 4294967295u, 0, 17};
  Result<Oid> back = ParseOid(OidToString(oid));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, oid);
}

TEST(ParseOidTest, AcceptsTheLargestSubIdentifierAndRefusesOneMore) {
  Result<Oid> max = ParseOid("1.4294967295");
  ASSERT_TRUE(max.ok());
  EXPECT_EQ((*max)[1], 4294967295u);
  Result<Oid> over = ParseOid("1.4294967296");
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(over.status().message(), HasSubstr("above 4294967295"));
}

TEST(ParseOidTest, RefusesSubIdentifiersBeyondSixtyFourBitsWithoutThrowing) {
  Result<Oid> r = ParseOid("1.3." + std::string(400, '9'));
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("above 4294967295"));
  // The message quotes a bounded part of the input.
  EXPECT_LT(r.status().message().size(), 160u);
}

TEST(ParseOidTest, RefusesEmptyInputAndEmptySubIdentifiers) {
  for (const char* text : {"", ".", "1..3", "1.3.", "..1", " "}) {
    Result<Oid> r = ParseOid(text);
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << "'" << text << "'";
  }
  EXPECT_THAT(ParseOid("").status().message(), HasSubstr("empty"));
  EXPECT_THAT(ParseOid("1..3").status().message(), HasSubstr("empty sub-identifier"));
}

TEST(ParseOidTest, RefusesGarbage) {
  for (const char* text : {"iso.3.6", "1.3.6.1a", "-1.3", "+1.3", "1,3,6", "1.3 .6", "0x1.3",
                           "1.3.6\n", "\xff\xfe", "1.3.-0"}) {
    Result<Oid> r = ParseOid(text);
    EXPECT_FALSE(r.ok()) << "'" << text << "'";
    EXPECT_THAT(r.status().message(), HasSubstr("not dotted decimal")) << "'" << text << "'";
  }
}

TEST(ParseOidTest, AcceptsOneHundredTwentyEightSubIdentifiersAndRefusesMore) {
  std::string text = "1";
  for (size_t i = 1; i < kMaxOidLength; ++i) text += ".1";
  Result<Oid> max = ParseOid(text);
  ASSERT_TRUE(max.ok());
  EXPECT_EQ(max->size(), kMaxOidLength);
  Result<Oid> over = ParseOid(text + ".1");
  ASSERT_FALSE(over.ok());
  EXPECT_THAT(over.status().message(), HasSubstr("more than 128 sub-identifiers"));
  // A megabyte of sub-identifiers is refused without parsing it all.
  std::string huge;
  for (int i = 0; i < 500000; ++i) huge += "1.";
  huge += "1";
  EXPECT_FALSE(ParseOid(huge).ok());
}

TEST(SnmpClientOpenTest, RefusesANonPositiveTimeoutAndNegativeRetries) {
  Credentials v2c{"public", "", "", ""};
  Result<std::unique_ptr<SnmpClient>> zero = SnmpClient::Open("udp:127.0.0.1:9", v2c, 0, 1);
  ASSERT_FALSE(zero.ok());
  EXPECT_EQ(zero.status().code(), StatusCode::kInvalidArgument);
  Result<std::unique_ptr<SnmpClient>> negative = SnmpClient::Open("udp:127.0.0.1:9", v2c, 100, -1);
  ASSERT_FALSE(negative.ok());
  EXPECT_EQ(negative.status().code(), StatusCode::kInvalidArgument);
}

TEST(SnmpClientOpenTest, NamesAShortPassPhraseWithoutRevealingIt) {
  Credentials v3{"", "someone", "short", "long-enough-priv"};
  Result<std::unique_ptr<SnmpClient>> r = SnmpClient::Open("udp:127.0.0.1:9", v3);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("authentication pass phrase"));
  EXPECT_THAT(r.status().message(), HasSubstr("someone"));
  EXPECT_THAT(r.status().message(), ::testing::Not(HasSubstr("short")));
  Credentials bad_priv{"", "someone", "long-enough-auth", "tiny"};
  Result<std::unique_ptr<SnmpClient>> p = SnmpClient::Open("udp:127.0.0.1:9", bad_priv);
  ASSERT_FALSE(p.ok());
  EXPECT_THAT(p.status().message(), HasSubstr("privacy pass phrase"));
  EXPECT_THAT(p.status().message(), ::testing::Not(HasSubstr("tiny")));
}

TEST(SnmpClientOpenTest, NamesAPeerThatCannotBeParsed) {
  Result<std::unique_ptr<SnmpClient>> r =
      SnmpClient::Open("udp:127.0.0.1:not-a-port", Credentials{"public", "", "", ""});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(r.status().message(), HasSubstr("udp:127.0.0.1:not-a-port"));
}

TEST(SnmpClientOpenTest, OpensAV2cSessionWithoutContactingThePeer) {
  Result<std::unique_ptr<SnmpClient>> r =
      SnmpClient::Open("udp:127.0.0.1:9", Credentials{"public", "", "", ""});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_NE(*r, nullptr);
}

}  // namespace
}  // namespace periscope::snmp
