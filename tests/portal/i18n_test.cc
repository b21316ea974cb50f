#include "portal/i18n.h"

#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <string>
#include <vector>

#include "portal/mails.h"
#include "portal/pages.h"

namespace periscope::portal {
namespace {

TEST(I18nTest, LangCodesRoundTrip) {
  EXPECT_EQ(LangCode(Lang::kEn), "en");
  EXPECT_EQ(LangCode(Lang::kJa), "ja");
  struct Case {
    const char* code;
    bool ok;
    Lang lang;
  };
  const Case cases[] = {
      {"en", true, Lang::kEn},     {"EN", true, Lang::kEn},   {"en-US", true, Lang::kEn},
      {"ja", true, Lang::kJa},     {"JA", true, Lang::kJa},   {"ja-JP", true, Lang::kJa},
      {"ja_jp", true, Lang::kJa},  {"", false, Lang::kEn},    {"fr", false, Lang::kEn},
      {"jap", false, Lang::kEn},   {"ja-", false, Lang::kEn}, {"j", false, Lang::kEn},
      {"ja\r\n", false, Lang::kEn}};
  for (const Case& c : cases) {
    Lang lang = c.lang == Lang::kEn ? Lang::kJa : Lang::kEn;  // must be overwritten
    EXPECT_EQ(ParseLangCode(c.code, &lang), c.ok) << c.code;
    if (c.ok) {
      EXPECT_EQ(lang, c.lang) << c.code;
    }
  }
}

TEST(I18nTest, AcceptLanguageHonoursQValues) {
  struct Case {
    std::string header;
    Lang want;
  };
  const std::vector<Case> cases = {
      {"", Lang::kEn},
      {"ja", Lang::kJa},
      {"ja-JP", Lang::kJa},
      {"JA-jp", Lang::kJa},
      {"ja-JP,ja;q=0.9,en;q=0.5", Lang::kJa},
      {"en-US,en;q=0.9,ja;q=0.8", Lang::kEn},
      {"en;q=0.5, ja;q=0.8", Lang::kJa},
      {"en;q=0.8, ja;q=0.5", Lang::kEn},
      {"ja;q=0.800", Lang::kJa},
      {"fr, de;q=0.9", Lang::kEn},
      {"fr, ja;q=0.1", Lang::kJa},
      {"zh-Hant-TW, ja;q=0.3", Lang::kJa},
      {"ja;q=0", Lang::kEn},
      {"ja;q=0, en;q=0", Lang::kEn},
      {"*", Lang::kEn},
      {"fr, *;q=0.5", Lang::kEn},
      {"en;q=0, *;q=0.5", Lang::kJa},  // English refused, Japanese by "*"
      {"ja, en", Lang::kJa},           // equal weights: the first
      {"en, ja", Lang::kEn},
      {"ja;q=0.5, en;q=0.5", Lang::kJa},
      {"ja ; q=0.9 ,, en;q=0.8", Lang::kJa},  // spaces and empty items are allowed
      // Malformed: English.
      {"ja;q=abc", Lang::kEn},
      {"ja;q=1.5", Lang::kEn},
      {"ja;q=0.12345", Lang::kEn},
      {"ja;level=1", Lang::kEn},
      {"ja;q=", Lang::kEn},
      {"<script>", Lang::kEn},
      {"ja\r\nX: y", Lang::kEn},
      {"ja, 123", Lang::kEn},
      {"ja, abcdefghi", Lang::kEn},
      {"ja" + std::string(2000, ' '), Lang::kEn},  // too long for a browser's header
  };
  for (const Case& c : cases) {
    EXPECT_EQ(LangFromAcceptLanguage(c.header), c.want) << "'" << c.header << "'";
  }
}

TEST(I18nTest, EnglishIsTheKeyAndUnknownTextsStayAsTheyAre) {
  EXPECT_EQ(Tr(Lang::kEn, "Sign in"), "Sign in");
  EXPECT_EQ(Tr(Lang::kJa, "Sign in"), "ログイン");
  EXPECT_EQ(Tr(Lang::kJa, "no such text"), "no such text");
}

TEST(I18nTest, EveryTranslationIsJapaneseAndKeepsItsPlaceholders) {
  std::vector<std::string_view> keys = TranslatedKeys();
  EXPECT_GT(keys.size(), 100U);
  std::set<std::string_view> unique(keys.begin(), keys.end());
  EXPECT_EQ(unique.size(), keys.size()) << "a key is listed twice";
  const std::regex placeholder(R"(\{[a-z_]+\})");
  for (std::string_view key : keys) {
    std::string ja(Tr(Lang::kJa, key));
    EXPECT_NE(ja, key);
    bool non_ascii = false;
    for (char c : ja) non_ascii = non_ascii || static_cast<unsigned char>(c) >= 0x80;
    EXPECT_TRUE(non_ascii) << key;
    std::string k(key);
    for (auto it = std::sregex_iterator(k.begin(), k.end(), placeholder);
         it != std::sregex_iterator(); ++it) {
      EXPECT_NE(ja.find(it->str()), std::string::npos) << key << ": " << it->str();
    }
  }
}

// The texts portal/portal.cc shows through Tr (notices, field errors, error
// pages): each needs its Japanese.
TEST(I18nTest, ApplicationMessagesAreTranslated) {
  for (const char* text : {
           "Wrong customer ID or password.",
           "Too many failed sign-ins. This account is locked for a while.",
           "Internal error. Please try again later.",
           "Too many requests. Please wait a moment and try again.",
           "A field is too long.",
           "The form could not be read.",
           "This form has expired. Please reload the page and try again.",
           "This link has been used or has expired.",
           "The two passwords differ.",
           "The password must be 10 to 256 characters long, not one repeated character, and "
           "not your customer ID.",
           "No such product or proposal.",
           "No such request.",
           "Please enter a name.",
           "This is not an e-mail address.",
           "Use digits, spaces and + - ( ) only.",
           "Please give an e-mail address or a phone number.",
           "No sales contact is assigned to your account yet. Please call us instead.",
           "Your request was received and is being sent to your sales contact.",
           "Saved. Your sales contact has been told.",
           "Nothing was changed.",
           "Unknown language.",
           "Method not allowed.",
           "Page not found.",
           "This request did not come from the portal's own pages.",
           "Please sign in again.",
       }) {
    EXPECT_NE(Tr(Lang::kJa, text), text) << text;
  }
}

// Runs of three or more ASCII letters in what a reader sees: text nodes and
// the title/aria-label/placeholder attributes.
std::vector<std::string> LatinWords(const std::string& html) {
  std::vector<std::string> out;
  std::string visible;
  static const std::regex text(R"(>([^<]*)<)");
  for (auto it = std::sregex_iterator(html.begin(), html.end(), text); it != std::sregex_iterator();
       ++it) {
    visible += (*it)[1].str() + "\n";
  }
  static const std::regex attr(R"re(\s(title|aria-label|placeholder)="([^"]*)")re");
  for (auto it = std::sregex_iterator(html.begin(), html.end(), attr); it != std::sregex_iterator();
       ++it) {
    visible += (*it)[2].str() + "\n";
  }
  static const std::regex word(R"([A-Za-z]{3,})");
  for (auto it = std::sregex_iterator(visible.begin(), visible.end(), word);
       it != std::sregex_iterator(); ++it) {
    out.push_back(it->str());
  }
  return out;
}

TEST(I18nTest, JapanesePagesShowNoEnglishText) {
  // Data in Japanese and digits, so any Latin word left is an untranslated text.
  PageContext ctx;
  ctx.lang = Lang::kJa;
  ctx.signed_in = true;
  ctx.path = "/products";
  ctx.customer_name = "株式会社テスト";
  ctx.user_id = "c-1";
  ctx.csrf_token = "abcdef0123456789";
  ctx.notice = "保存しました。";
  PageContext out = ctx;
  out.signed_in = false;

  reports::CustomerReport report;
  report.today = 20261121;
  reports::ProposalView p;
  p.id = 3;
  p.product_number = "A-1";
  p.product_name = "増設ディスク";
  p.price_minor_units = 520000;
  p.currency = "JPY";
  p.needed_by = 20270101;
  p.summary = "容量が不足します";
  p.status = "new";
  report.proposals = {p};
  std::vector<reports::CatalogOffer> offers;
  for (const char* kind :
       {"capacity", "cache", "firmware", "successor", "supply", "storage-upgrade", "cpu-upgrade"}) {
    offers.push_back({"機種1", kind, "N-1", "製品", "詳細", 1000, "JPY"});
  }
  ContactSubject subject{"proposal", "A-1", "増設ディスク", "容量が不足します", 520000, "JPY", 3};
  ContactForm form{"花子", "03-1234-5678", "", "午前", "お願いします"};
  FieldErrors errors{{"email", "エラー"}, {"other", "エラー"}};
  std::vector<store::ContactRequest> requests(4);
  const char* states[] = {"queued", "sent", "failed", ""};
  for (size_t i = 0; i < requests.size(); ++i) {
    requests[i].id = static_cast<int64_t>(i) + 1;
    requests[i].created_at = 1795255200;
    requests[i].product_number = "A-1";
    requests[i].product_name = "増設ディスク";
    requests[i].mail_state = states[i];
  }
  requests[0].proposal_id = 3;
  std::vector<store::CustomerChange> changes;
  for (const char* field : {"contact_person", "address", "phone", "email"}) {
    store::CustomerChange c;
    c.id = 9;
    c.changed_at = 1795255200;
    c.change = {field, "旧", "新"};
    c.mail_state = "sending";
    changes.push_back(c);
  }
  store::PortalCustomer customer;
  customer.user_id = "c-1";
  customer.name = "株式会社テスト";
  customer.contact_person = "佐藤";
  customer.address = "東京都";
  customer.phone = "03-0000-0000";
  customer.email = "";
  store::CustomerContactInfo info{"佐藤", "東京都", "03-0000-0000", ""};

  const std::vector<std::pair<std::string, std::string>> pages = {
      {"signin", RenderSignInPage(out, "c-1", "エラー")},
      {"set-password", RenderSetPasswordPage(out, "t", "c-1", "エラー")},
      {"products", RenderProductsPage(ctx, report, offers)},
      {"products-empty", RenderProductsPage(ctx, reports::CustomerReport{}, {})},
      {"contact", RenderContactPage(ctx, subject, form, errors)},
      {"requests", RenderRequestsPage(ctx, requests, changes)},
      {"requests-empty", RenderRequestsPage(ctx, {}, {})},
      {"account", RenderAccountPage(ctx, customer, info, {{"phone", "エラー"}})},
      {"account-unassigned", RenderAccountPage(ctx, customer, info, {})},
      {"error-in", RenderErrorPage(ctx, 404, "エラー")},
      {"error-out", RenderErrorPage(out, 404, "エラー")},
  };
  // The brand, the time zone, the currency and the language switch's own
  // "English" are the same in both languages.
  const std::set<std::string> allowed = {"Periscope", "UTC", "JPY", "English"};
  for (const auto& [name, html] : pages) {
    for (const std::string& w : LatinWords(html)) {
      EXPECT_TRUE(allowed.count(w)) << name << ": '" << w << "' is not translated";
    }
  }
  // And the check can fail: the English page has English words.
  PageContext en = out;
  en.lang = Lang::kEn;
  EXPECT_GT(LatinWords(RenderSignInPage(en, "c-1", "")).size(), 5U);
}

TEST(I18nTest, InviteMailHasEveryTextInJapaneseToo) {
  MailContext ctx{{"Portal", "portal@vendor.example"},
                  "https://portal.example",
                  std::chrono::system_clock::time_point(std::chrono::seconds(1795255200))};
  store::PortalCustomer customer;
  customer.user_id = "c-1";
  customer.name = "株式会社テスト";
  customer.contact_person = "佐藤";
  customer.email = "sato@test.example";
  mail::Message m = InviteMail(ctx, customer, "https://portal.example/invite?token=t", 1795514400);
  size_t ja = m.text_body.find("----------");
  ASSERT_NE(ja, std::string::npos);
  std::string japanese = m.text_body.substr(ja, m.text_body.rfind("\n-- \n") - ja);
  for (const std::string& w : LatinWords(">" + japanese + "<")) {
    EXPECT_TRUE(w == "Periscope" || w == "UTC" || w == "https" || w == "portal" || w == "example" ||
                w == "invite" || w == "token")
        << "'" << w << "' is not translated";
  }
  EXPECT_NE(japanese.find("株式会社テスト 佐藤 様"), std::string::npos) << japanese;
}

}  // namespace
}  // namespace periscope::portal
