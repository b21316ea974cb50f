#include "portal/auth.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace periscope::portal {
namespace {

// libcrypt's lowest yescrypt cost keeps the tests quick.
constexpr unsigned long kCheapCost = 1;

TEST(PasswordHashTest, VerifiesTheRightPasswordOnly) {
  auto hash = HashPassword("correct horse battery", kCheapCost);
  ASSERT_TRUE(hash.ok()) << hash.status().ToString();
  EXPECT_TRUE(hash->starts_with("$y$")) << *hash;
  EXPECT_EQ(hash->find("correct"), std::string::npos);
  EXPECT_TRUE(VerifyPassword("correct horse battery", *hash));
  EXPECT_FALSE(VerifyPassword("correct horse batterY", *hash));
  EXPECT_FALSE(VerifyPassword("correct horse battery ", *hash));
  EXPECT_FALSE(VerifyPassword("", *hash));
}

TEST(PasswordHashTest, DefaultCostHashVerifies) {
  auto hash = HashPassword("パスワードです12345");
  ASSERT_TRUE(hash.ok()) << hash.status().ToString();
  EXPECT_TRUE(VerifyPassword("パスワードです12345", *hash));
  EXPECT_FALSE(VerifyPassword("パスワードです12346", *hash));
}

TEST(PasswordHashTest, EachHashHasItsOwnSalt) {
  auto a = HashPassword("same password here", kCheapCost);
  auto b = HashPassword("same password here", kCheapCost);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(*a, *b);
  EXPECT_TRUE(VerifyPassword("same password here", *a));
  EXPECT_TRUE(VerifyPassword("same password here", *b));
}

TEST(PasswordHashTest, MalformedHashesNeverMatch) {
  auto hash = HashPassword("some password 1", kCheapCost);
  ASSERT_TRUE(hash.ok());
  std::string truncated = hash->substr(0, hash->size() - 5);
  std::string other_alg = "$6$saltsalt$" + hash->substr(hash->rfind('$') + 1);
  for (const std::string& bad :
       {std::string(), std::string("*"), std::string("*0"), std::string("$y$"),
        std::string("$y$garbage"), truncated, other_alg, std::string("some password 1"),
        *hash + std::string(1, '\0'), std::string(500, '$')}) {
    EXPECT_FALSE(VerifyPassword("some password 1", bad)) << bad;
  }
  // A NUL in the password does not cut it short.
  EXPECT_FALSE(VerifyPassword(std::string("some password 1\0tail", 20), *hash));
  EXPECT_FALSE(HashPassword(std::string("abc\0def ghijk", 13), kCheapCost).ok());
}

TEST(PasswordHashTest, DummyHashIsAYescryptHashOfAnUnknownPassword) {
  const std::string& dummy = DummyPasswordHash();
  EXPECT_TRUE(dummy.starts_with("$y$")) << dummy;
  EXPECT_EQ(&dummy, &DummyPasswordHash());  // computed once
  EXPECT_FALSE(VerifyPassword("", dummy));
  EXPECT_FALSE(VerifyPassword("password123", dummy));
}

TEST(PasswordRulesTest, AcceptsReasonablePasswords) {
  EXPECT_TRUE(CheckPasswordRules("correct horse", "C0001").ok());
  EXPECT_TRUE(CheckPasswordRules("日本語のパスワード", "C0001").ok());
  EXPECT_TRUE(CheckPasswordRules(std::string(kMaxPasswordBytes - 1, 'a') + "b", "C0001").ok());
  EXPECT_TRUE(CheckPasswordRules("aaaaaaaaab", "C0001").ok());
  EXPECT_TRUE(CheckPasswordRules("with\ttab123", "C0001").ok());
}

void ExpectRefused(std::string_view password, std::string_view user_id, std::string_view code) {
  Status s = CheckPasswordRules(password, user_id);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << password;
  EXPECT_TRUE(s.message().starts_with(code)) << s.message();
}

TEST(PasswordRulesTest, RefusesEachBrokenRuleWithItsCode) {
  ExpectRefused("", "C0001", "password-too-short");
  ExpectRefused("123456789", "C0001", "password-too-short");
  ExpectRefused(std::string(kMaxPasswordBytes + 1, 'x') + "y", "C0001", "password-too-long");
  ExpectRefused("abcdefghij\xff", "C0001", "password-not-text");
  ExpectRefused("abcdefghij\xc3", "C0001", "password-not-text");
  ExpectRefused(std::string("abcde\0fghij", 11), "C0001", "password-not-text");
  ExpectRefused("abcdefghij\n", "C0001", "password-not-text");
  ExpectRefused("aaaaaaaaaaaa", "C0001", "password-one-character");
  ExpectRefused("ああああ", "C0001", "password-one-character");  // 12 bytes, one character
  ExpectRefused("customer-0001", "customer-0001", "password-is-user-id");
  ExpectRefused("Customer-0001", "customer-0001", "password-is-user-id");
}

TEST(TokenTest, TokensAre43Base64UrlCharactersAndUnique) {
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    auto token = NewToken();
    ASSERT_TRUE(token.ok()) << token.status().ToString();
    ASSERT_EQ(token->size(), 43u) << *token;
    for (char c : *token) {
      bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                c == '-' || c == '_';
      ASSERT_TRUE(ok) << *token;
    }
    EXPECT_TRUE(seen.insert(*token).second) << *token;
  }
}

TEST(TokenTest, AllBase64UrlCharactersTurnUp) {
  // 200 tokens hold 8600 characters: each of the 64 shows up (a wrong
  // alphabet or a stuck bit would leave some out).
  std::set<char> chars;
  for (int i = 0; i < 200; ++i) {
    auto token = NewToken();
    ASSERT_TRUE(token.ok());
    chars.insert(token->begin(), token->end());
  }
  EXPECT_EQ(chars.size(), 64u);
}

TEST(Sha256HexTest, MatchesKnownVectors) {
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex(std::string("a\0b", 3)).size(), 64u);
  EXPECT_NE(Sha256Hex(std::string("a\0b", 3)), Sha256Hex("a"));
}

TEST(ConstantTimeEqualsTest, ComparesContentAndLength) {
  EXPECT_TRUE(ConstantTimeEquals("", ""));
  EXPECT_TRUE(ConstantTimeEquals("token-123", "token-123"));
  EXPECT_FALSE(ConstantTimeEquals("token-123", "token-124"));
  EXPECT_FALSE(ConstantTimeEquals("token-123", "Token-123"));
  EXPECT_FALSE(ConstantTimeEquals("token-123", "token-12"));
  EXPECT_FALSE(ConstantTimeEquals("", "x"));
  EXPECT_FALSE(ConstantTimeEquals(std::string("a\0", 2), "a"));
}

}  // namespace
}  // namespace periscope::portal
