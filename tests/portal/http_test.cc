#include "portal/http.h"

#include <gtest/gtest.h>

#include <string>

namespace periscope::portal {
namespace {

constexpr size_t kMaxField = 100;

TEST(ParseFormTest, DecodesPlusPercentAndUtf8) {
  auto form =
      ParseForm("name=Yamada+Taro&note=a%26b%3Dc%0D%0Aline2&ja=%E6%97%A5%E6%9C%AC", kMaxField);
  ASSERT_TRUE(form.ok()) << form.status().ToString();
  EXPECT_EQ(form->size(), 3u);
  EXPECT_EQ(form->at("name"), "Yamada Taro");
  EXPECT_EQ(form->at("note"), "a&b=c\r\nline2");
  EXPECT_EQ(form->at("ja"), "日本");
}

TEST(ParseFormTest, EmptyBodyEmptyValuesAndStrayAmpersands) {
  auto empty = ParseForm("", kMaxField);
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
  auto form = ParseForm("a=&&b&c=1&", kMaxField);
  ASSERT_TRUE(form.ok()) << form.status().ToString();
  EXPECT_EQ(form->at("a"), "");
  EXPECT_EQ(form->at("b"), "");
  EXPECT_EQ(form->at("c"), "1");
}

TEST(ParseFormTest, MalformedEscapesAreInvalidArgumentNamingTheField) {
  for (const char* body : {"comment=50%", "comment=%4", "comment=%zz", "comment=ok%G1"}) {
    auto form = ParseForm(body, kMaxField);
    ASSERT_FALSE(form.ok()) << body;
    EXPECT_EQ(form.status().code(), StatusCode::kInvalidArgument) << body;
    EXPECT_NE(form.status().message().find("comment"), std::string::npos)
        << form.status().message();
  }
  auto bad_name = ParseForm("a%ZZ=1", kMaxField);
  EXPECT_EQ(bad_name.status().code(), StatusCode::kInvalidArgument);
}

TEST(ParseFormTest, RepeatedFieldIsInvalidArgument) {
  auto form = ParseForm("csrf=a&x=1&csrf=b", kMaxField);
  ASSERT_FALSE(form.ok());
  EXPECT_EQ(form.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(form.status().message().find("csrf"), std::string::npos);
}

TEST(ParseFormTest, InvalidUtf8AndControlCharactersAreRefused) {
  for (const char* body : {"v=%FF", "v=%C3%28", "v=%ED%A0%80", "v=%C0%AF", "v=a%00b", "v=%1B[31m",
                           "v=%7F", "v=%C2%85"}) {
    auto form = ParseForm(body, kMaxField);
    ASSERT_FALSE(form.ok()) << body;
    EXPECT_EQ(form.status().code(), StatusCode::kInvalidArgument) << body;
  }
  auto tabs = ParseForm("v=a%09b%0Ac%0Dd", kMaxField);
  ASSERT_TRUE(tabs.ok()) << tabs.status().ToString();
  EXPECT_EQ(tabs->at("v"), "a\tb\nc\rd");
  // A name holds no control characters at all.
  EXPECT_FALSE(ParseForm("a%0Ab=1", kMaxField).ok());
}

TEST(ParseFormTest, OversizeFieldIsOutOfRangeNamingIt) {
  std::string body = "short=1&message=" + std::string(kMaxField + 1, 'x');
  auto form = ParseForm(body, kMaxField);
  ASSERT_FALSE(form.ok());
  EXPECT_EQ(form.status().code(), StatusCode::kOutOfRange);
  EXPECT_NE(form.status().message().find("message"), std::string::npos);
  // Exactly at the limit is fine; the limit applies to the decoded value.
  EXPECT_TRUE(ParseForm("message=" + std::string(kMaxField, 'x'), kMaxField).ok());
  std::string encoded;
  for (size_t i = 0; i < kMaxField; ++i) encoded += "%41";
  auto decoded = ParseForm("message=" + encoded, kMaxField);
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded->at("message"), std::string(kMaxField, 'A'));
  auto long_name = ParseForm(std::string(kMaxField + 1, 'n') + "=1", kMaxField);
  EXPECT_EQ(long_name.status().code(), StatusCode::kOutOfRange);
}

TEST(ParseFormTest, ErrorMessagesQuoteAtMost64BytesOfAName) {
  std::string name(90, 'n');
  auto form = ParseForm(name + "=%zz", kMaxField);
  ASSERT_FALSE(form.ok());
  EXPECT_NE(form.status().message().find(std::string(64, 'n')), std::string::npos);
  EXPECT_EQ(form.status().message().find(std::string(65, 'n')), std::string::npos);
}

TEST(ParseQueryTest, DecodesLikeAForm) {
  auto query = ParseQuery("token=abc-_DEF&back=%2Fproducts%3Fq%3D1&q=a+b", kMaxField);
  ASSERT_TRUE(query.ok()) << query.status().ToString();
  EXPECT_EQ(query->at("token"), "abc-_DEF");
  EXPECT_EQ(query->at("back"), "/products?q=1");
  EXPECT_EQ(query->at("q"), "a b");
  EXPECT_FALSE(ParseQuery("a=%", kMaxField).ok());
  EXPECT_FALSE(ParseQuery("a=1&a=1", kMaxField).ok());
}

TEST(UrlEncodeTest, KeepsUnreservedAndEncodesTheRest) {
  EXPECT_EQ(UrlEncode("AZaz09-._~"), "AZaz09-._~");
  EXPECT_EQ(UrlEncode("a b&c=d/e?f#g+%"), "a%20b%26c%3Dd%2Fe%3Ff%23g%2B%25");
  EXPECT_EQ(UrlEncode("日"), "%E6%97%A5");
  // Round trip through the form decoder.
  std::string text = "x y&z=日本/?%+";
  auto form = ParseForm("v=" + UrlEncode(text), kMaxField);
  ASSERT_TRUE(form.ok());
  EXPECT_EQ(form->at("v"), text);
}

TEST(ParseCookiesTest, SplitsTrimsAndKeepsTheFirstOfARepeatedName) {
  auto cookies = ParseCookies("a=1; b=two ;c=\"quoted\";a=again;  d=x=y; novalue; =anon; e=");
  EXPECT_EQ(cookies.at("a"), "1");
  EXPECT_EQ(cookies.at("b"), "two");
  EXPECT_EQ(cookies.at("c"), "quoted");
  EXPECT_EQ(cookies.at("d"), "x=y");
  EXPECT_EQ(cookies.at("e"), "");
  EXPECT_FALSE(cookies.contains("novalue"));
  EXPECT_FALSE(cookies.contains(""));
  EXPECT_EQ(cookies.size(), 5u);
  EXPECT_TRUE(ParseCookies("").empty());
  EXPECT_TRUE(ParseCookies(";;; ").empty());
}

TEST(SetCookieValueTest, WritesEveryAttributeByDefault) {
  CookieOptions options;
  options.max_age_s = 3600;
  EXPECT_EQ(SetCookieValue("periscope_session", "tok", options),
            "periscope_session=tok; Path=/; Max-Age=3600; Secure; HttpOnly; SameSite=Strict");
}

TEST(SetCookieValueTest, SessionCookieDeletionAndRelaxedOptions) {
  CookieOptions session;
  EXPECT_EQ(SetCookieValue("s", "v", session), "s=v; Path=/; Secure; HttpOnly; SameSite=Strict");
  CookieOptions del;
  del.max_age_s = 0;
  EXPECT_EQ(SetCookieValue("s", "", del),
            "s=; Path=/; Max-Age=0; Secure; HttpOnly; SameSite=Strict");
  CookieOptions relaxed;
  relaxed.secure = false;
  relaxed.http_only = false;
  relaxed.same_site = "Lax";
  relaxed.path = "/app";
  relaxed.max_age_s = 60;
  EXPECT_EQ(SetCookieValue("lang", "ja", relaxed), "lang=ja; Path=/app; Max-Age=60; SameSite=Lax");
}

TEST(OriginOfTest, SchemeHostAndPortLowerCased) {
  EXPECT_EQ(OriginOf("https://Portal.Example.com"), "https://portal.example.com");
  EXPECT_EQ(OriginOf("https://portal.example.com/products?x=1#top"), "https://portal.example.com");
  EXPECT_EQ(OriginOf("HTTP://127.0.0.1:8480/signin"), "http://127.0.0.1:8480");
  EXPECT_EQ(OriginOf("http://[::1]:8480/x"), "http://[::1]:8480");
  EXPECT_EQ(OriginOf("http://[2001:DB8::1]"), "http://[2001:db8::1]");
  EXPECT_EQ(OriginOf("http://host?q"), "http://host");
  EXPECT_EQ(OriginOf("  https://a.example  "), "https://a.example");
}

TEST(OriginOfTest, DefaultPortsAreLeftOutAsBrowsersDo) {
  EXPECT_EQ(OriginOf("https://portal.example.com:443/"), "https://portal.example.com");
  EXPECT_EQ(OriginOf("http://portal.example.com:80"), "http://portal.example.com");
  EXPECT_EQ(OriginOf("http://portal.example.com:443"), "http://portal.example.com:443");
}

TEST(OriginOfTest, AnythingElseIsEmpty) {
  for (const char* url :
       {"null", "", "ftp://example.com", "//example.com", "/relative", "javascript:alert(1)",
        "https://", "https:///path", "http://user:pw@evil.example/", "http://evil.example@good/",
        "http://host:", "http://host:99999", "http://host:8x", "http://[::1", "http://[::1]x",
        "http://ho st/", "data:text/html,hi", "https:/portal.example.com"}) {
    EXPECT_EQ(OriginOf(url), "") << url;
  }
}

TEST(RequestTest, HeaderAndQueryAreEmptyWhenAbsent) {
  Request request;
  request.headers["cookie"] = "a=1";
  request.query["token"] = "t";
  EXPECT_EQ(request.Header("cookie"), "a=1");
  EXPECT_EQ(request.Header("origin"), "");
  EXPECT_EQ(request.Query("token"), "t");
  EXPECT_EQ(request.Query("back"), "");
}

TEST(ResponseTest, FindHeaderIsCaseInsensitiveAndReturnsTheFirst) {
  Response response;
  response.AddHeader("Set-Cookie", "a=1");
  response.AddHeader("set-cookie", "b=2");
  response.AddHeader("Cache-Control", "no-store");
  EXPECT_EQ(response.FindHeader("SET-COOKIE"), "a=1");
  EXPECT_EQ(response.FindHeader("cache-control"), "no-store");
  EXPECT_FALSE(response.FindHeader("Location").has_value());
}

}  // namespace
}  // namespace periscope::portal
