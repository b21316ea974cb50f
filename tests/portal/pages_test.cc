#include "portal/pages.h"

#include <gtest/gtest.h>

#include <regex>
#include <string>
#include <vector>

#include "render/html.h"
#include "tests/portal/page_checks.h"
#include "tests/reports/report_fixture.h"
#include "tests/support/html_checks.h"

namespace periscope::portal {
namespace {

using periscope::testing::CountOccurrences;
using testing::ExpectHostileEscaped;
using testing::ExpectOnlyOurMarkup;
using testing::kHostile;

constexpr const char* kToken = "c0ffee0123456789abcdef";

std::string H(const std::string& plain) { return plain + kHostile; }

PageContext Ctx(bool hostile, Lang lang = Lang::kEn) {
  PageContext ctx;
  ctx.lang = lang;
  ctx.signed_in = true;
  ctx.path = hostile ? "/products?x=" + kHostile : "/products";
  ctx.customer_name = hostile ? H("Acme") : "Acme KK";
  ctx.user_id = hostile ? H("cust-01") : "cust-01";
  ctx.csrf_token = kToken;
  ctx.notice = hostile ? H("Saved") : "";
  return ctx;
}

std::vector<reports::CatalogOffer> Offers(bool hostile) {
  auto f = [&](const std::string& s) { return hostile ? H(s) : s; };
  return {{f("PSA-2000"), "capacity", f("PSA-2000-DP4"), f("Drive pack"), f("adds 4.0 TB"), 520000,
           f("JPY")},
          {f("PSA-2000"), "successor", f("PSA-4000-PN0"), f("Array 4000"), f("replaces"), 14500000,
           "JPY"},
          {f("PRN-3500"), "supply", "PRN/3500 TK&1", f("Toner"), f("yield"), 14800, "JPY"}};
}

ContactSubject Subject(bool hostile, bool proposal) {
  auto f = [&](const std::string& s) { return hostile ? H(s) : s; };
  ContactSubject s;
  s.kind = proposal ? "proposal" : "product";
  s.product_number = f("PSA-2000-DP4");
  s.product_name = f("Drive pack");
  s.detail = f("adds 4.0 TB");
  s.price_minor_units = 520000;
  s.currency = f("JPY");
  if (proposal) s.proposal_id = 42;
  return s;
}

ContactForm Form(bool hostile) {
  auto f = [&](const std::string& s) { return hostile ? H(s) : s; };
  return {f("Hanako"), f("+81 3-1234-5678"), f("hanako@cust.example"), f("mornings"),
          f("Please call.\r\nSecond line.")};
}

store::PortalCustomer Customer(bool hostile) {
  auto f = [&](const std::string& s) { return hostile ? H(s) : s; };
  store::PortalCustomer c;
  c.customer_id = 1;
  c.user_id = f("cust-01");
  c.name = f("Acme KK");
  c.contact_person = f("Hanako Sato");
  c.email = f("it@acme.example");
  c.phone = f("+81 3-0000-0000");
  c.address = f("1-2-3 Chiyoda\r\nTokyo");
  c.sales_staff_id = 5;
  c.sales_name = f("Taro Yamada");
  c.sales_email = "taro@vendor.example";
  return c;
}

std::vector<store::ContactRequest> Requests(bool hostile) {
  auto f = [&](const std::string& s) { return hostile ? H(s) : s; };
  std::vector<store::ContactRequest> out;
  const char* states[] = {"queued", "sending", "sent", "failed", "unknown", ""};
  int64_t id = 100;
  for (const char* state : states) {
    store::ContactRequest r;
    r.id = id++;
    r.customer_id = 1;
    r.created_at = 1795255200;  // 2026-11-21 10:00 UTC
    r.subject_kind = "product";
    r.product_number = f("PSA-2000-DP4");
    r.product_name = f("Drive pack");
    r.contact_name = f("Hanako");
    r.message = f("msg");
    r.mail_state = hostile ? f(state) : state;
    out.push_back(r);
  }
  out[1].proposal_id = 42;
  return out;
}

std::vector<store::CustomerChange> Changes(bool hostile) {
  auto f = [&](const std::string& s) { return hostile ? H(s) : s; };
  std::vector<store::CustomerChange> out;
  int64_t id = 200;
  for (const char* field : {"contact_person", "address", "phone", "email"}) {
    store::CustomerChange c;
    c.id = id++;
    c.changed_at = 1795255260;
    c.change_set = 200;
    c.change = {field, f("old"), f("new")};
    c.source = "portal";
    c.mail_state = "sent";
    out.push_back(c);
  }
  return out;
}

FieldErrors Errors(bool hostile, const std::vector<std::string>& fields) {
  FieldErrors e;
  for (const std::string& field : fields) e[field] = hostile ? H("bad " + field) : "bad " + field;
  return e;
}

store::CustomerContactInfo Info(bool hostile) {
  auto f = [&](const std::string& s) { return hostile ? H(s) : s; };
  return {f("Jiro Suzuki"), f("4-5-6 Minato\r\nTokyo"), f("+81 3-9999-9999"), f("jiro@x.example")};
}

const std::vector<std::string> kContactFields = {"contact_name", "phone", "email", "preferred_time",
                                                 "message"};
const std::vector<std::string> kAccountFields = {"contact_person", "address", "phone", "email"};

struct RenderedPage {
  std::string name;
  std::string html;
  int forms;  // including the sign-out form of signed-in pages
};

std::vector<RenderedPage> EveryPage(bool hostile, Lang lang) {
  PageContext ctx = Ctx(hostile, lang);
  PageContext out = ctx;
  out.signed_in = false;
  out.customer_name.clear();
  out.user_id.clear();
  std::string h = hostile ? kHostile : "";
  return {
      {"signin", RenderSignInPage(out, "cust-01" + h, hostile ? H("Wrong") : "Wrong"), 1},
      {"set-password",
       RenderSetPasswordPage(out, "tok" + h, "cust-01" + h, hostile ? H("Differ") : ""), 1},
      {"products",
       RenderProductsPage(ctx, reports::testing::MakeCustomerReport(hostile), Offers(hostile)), 1},
      {"contact-product",
       RenderContactPage(ctx, Subject(hostile, false), Form(hostile),
                         Errors(hostile, kContactFields)),
       2},
      {"contact-proposal", RenderContactPage(ctx, Subject(hostile, true), Form(hostile), {}), 2},
      {"requests", RenderRequestsPage(ctx, Requests(hostile), Changes(hostile)), 1},
      {"account",
       RenderAccountPage(ctx, Customer(hostile), Info(hostile), Errors(hostile, kAccountFields)),
       2},
      {"error-in", RenderErrorPage(ctx, 404, hostile ? H("Not found") : "Not found"), 1},
      {"error-out", RenderErrorPage(out, 403, hostile ? H("Expired") : "Expired"), 0},
  };
}

bool Has(const std::string& html, const std::string& needle) {
  return html.find(needle) != std::string::npos;
}

TEST(PagesTest, HostileTextInEveryFieldOfEveryPageIsEscaped) {
  for (Lang lang : {Lang::kEn, Lang::kJa}) {
    for (const RenderedPage& page : EveryPage(true, lang)) {
      SCOPED_TRACE(page.name);
      ExpectOnlyOurMarkup(page.html);
      EXPECT_FALSE(Has(page.html, "Bcc: victim@example.com\x1b"));
    }
  }
  // At least one escaped copy per hostile field of each page (a currency is
  // cut to its first characters: not counted).
  std::vector<RenderedPage> pages = EveryPage(true, Lang::kEn);
  const size_t header = 3;                 // customer name, user id, notice
  ExpectHostileEscaped(pages[0].html, 3);  // notice, error, user id
  ExpectHostileEscaped(pages[1].html, 3);  // error, user id, token
  // Offers: two models (group heading and attribute), three numbers, names,
  // details less the one plain number.
  ExpectHostileEscaped(pages[2].html, header + 2 * 2 + 3 * 3 - 1);
  // The subject (name, number, detail, hidden product), 5 fields, 5 errors.
  ExpectHostileEscaped(pages[3].html, header + 4 + 5 + 5);
  ExpectHostileEscaped(pages[4].html, header + 3 + 5);
  // Per request its product name and number and the mail state (an
  // attribute); per change old and new value.
  ExpectHostileEscaped(pages[5].html, header + 6 * 3 + 4 * 2);
  // Registered data (7), the form (4) and its errors (4).
  ExpectHostileEscaped(pages[6].html, header + 7 + 4 + 4);
  ExpectHostileEscaped(pages[7].html, 2 + 1);  // no notice on an error page
  ExpectHostileEscaped(pages[8].html, 1);
}

TEST(PagesTest, LongTextsAreCutAtTheBound) {
  PageContext ctx = Ctx(false);
  ctx.customer_name = std::string(5000, 'n');
  ContactForm form = Form(false);
  form.message = std::string(5000, 'm');
  std::string html = RenderContactPage(ctx, Subject(false, false), form, {});
  ExpectOnlyOurMarkup(html);
  EXPECT_TRUE(Has(html, std::string(render::kDefaultMaxTextBytes, 'n') + "\xE2\x80\xA6"));
  EXPECT_FALSE(Has(html, std::string(render::kDefaultMaxTextBytes + 1, 'n')));
  EXPECT_FALSE(Has(html, std::string(render::kDefaultMaxTextBytes + 1, 'm')));
}

TEST(PagesTest, EveryFormPostsToItsPathWithTheCsrfToken) {
  const std::string csrf = std::string("name=\"csrf\" value=\"") + kToken + "\"";
  for (const RenderedPage& page : EveryPage(false, Lang::kEn)) {
    SCOPED_TRACE(page.name);
    EXPECT_EQ(CountOccurrences(page.html, "<form "), static_cast<size_t>(page.forms));
    EXPECT_EQ(CountOccurrences(page.html, "method=\"post\""), static_cast<size_t>(page.forms));
    EXPECT_EQ(CountOccurrences(page.html, csrf), static_cast<size_t>(page.forms));
  }
  std::vector<RenderedPage> pages = EveryPage(false, Lang::kEn);
  EXPECT_TRUE(Has(pages[0].html, R"(<form id="signin-form" method="post" action="/signin")"));
  EXPECT_TRUE(Has(pages[1].html, R"(<form id="set-password-form" method="post" action="/invite")"));
  EXPECT_TRUE(Has(pages[3].html, R"(<form id="contact-form" method="post" action="/contact")"));
  EXPECT_TRUE(Has(pages[6].html, R"(<form id="account-form" method="post" action="/account")"));
  for (size_t i : {2U, 3U, 4U, 5U, 6U, 7U}) {
    EXPECT_TRUE(Has(pages[i].html, R"(<form id="signout-form" method="post" action="/signout")"))
        << pages[i].name;
  }
  EXPECT_FALSE(Has(pages[0].html, "signout-form"));
  EXPECT_FALSE(Has(pages[8].html, "signout-form"));
}

TEST(PagesTest, FieldNamesAndHooksExist) {
  std::vector<RenderedPage> pages = EveryPage(false, Lang::kEn);
  auto input = [](const std::string& name) { return "name=\"" + name + "\""; };
  for (const char* name : {"user_id", "password"}) EXPECT_TRUE(Has(pages[0].html, input(name)));
  EXPECT_TRUE(Has(pages[0].html, R"(id="error")"));
  for (const char* name : {"token", "password", "password_confirm"}) {
    EXPECT_TRUE(Has(pages[1].html, input(name))) << name;
  }
  EXPECT_TRUE(Has(pages[1].html, R"(type="hidden" name="token" value="tok")"));
  EXPECT_FALSE(Has(pages[1].html, R"(id="error")"));  // no error given
  for (const char* id : {"devices", "proposals", "offers"}) {
    EXPECT_TRUE(Has(pages[2].html, std::string("id=\"") + id + "\"")) << id;
  }
  for (const std::string& name : kContactFields) {
    EXPECT_TRUE(Has(pages[3].html, input(name))) << name;
    EXPECT_TRUE(Has(pages[3].html, "class=\"field-error\" data-field=\"" + name + "\"")) << name;
    EXPECT_TRUE(Has(pages[3].html, "<label for=\"field-" + name + "\"")) << name;
    EXPECT_TRUE(Has(pages[3].html, "id=\"field-" + name + "\"")) << name;
  }
  EXPECT_TRUE(Has(pages[3].html, R"(type="hidden" name="product" value="PSA-2000-DP4")"));
  EXPECT_FALSE(Has(pages[3].html, R"(name="proposal")"));
  EXPECT_TRUE(Has(pages[4].html, R"(type="hidden" name="proposal" value="42")"));
  EXPECT_FALSE(Has(pages[4].html, R"(name="product")"));
  EXPECT_FALSE(Has(pages[4].html, "field-error"));
  for (const char* id : {"requests", "changes"}) {
    EXPECT_TRUE(Has(pages[5].html, std::string("<table id=\"") + id + "\"")) << id;
  }
  for (const std::string& name : kAccountFields) {
    EXPECT_TRUE(Has(pages[6].html, input(name))) << name;
    EXPECT_TRUE(Has(pages[6].html, "class=\"field-error\" data-field=\"" + name + "\"")) << name;
  }
  EXPECT_TRUE(Has(pages[6].html, R"(<dl id="registered">)"));
  for (const RenderedPage& page : pages) {
    SCOPED_TRACE(page.name);
    EXPECT_TRUE(Has(page.html, R"(id="lang-en" href="/lang?to=en&amp;back=)"));
    EXPECT_TRUE(Has(page.html, R"(id="lang-ja" href="/lang?to=ja&amp;back=)"));
    EXPECT_TRUE(Has(page.html, R"(<link rel="stylesheet" href="/assets/portal.css">)"));
    EXPECT_TRUE(Has(page.html, R"(<meta name="referrer" content="same-origin">)"));
    // Not allowed in a <meta> policy (Chromium logs an error); the HTTP header has it.
    EXPECT_FALSE(Has(page.html, "frame-ancestors"));
    EXPECT_TRUE(Has(page.html, "form-action &#39;self&#39;"));
    EXPECT_FALSE(Has(page.html, "<style>"));  // the stylesheet is a file: CSP style-src 'self'
  }
}

TEST(PagesTest, SignedInHeaderNamesTheCustomerAndLinksEveryPage) {
  std::string html = RenderRequestsPage(Ctx(false), Requests(false), Changes(false));
  EXPECT_TRUE(Has(html, "Acme KK"));
  EXPECT_TRUE(Has(html, "cust-01"));
  EXPECT_TRUE(Has(html, R"(<a href="/products" aria-current="page">Products</a>)"));
  EXPECT_TRUE(Has(html, R"(<a href="/requests">Requests</a>)"));
  EXPECT_TRUE(Has(html, R"(<a href="/account">Registered information</a>)"));
  // The language switch comes back to this page, its path encoded.
  PageContext ctx = Ctx(false);
  ctx.path = "/contact?product=A B&x=1";
  html = RenderErrorPage(ctx, 404, "gone");
  EXPECT_TRUE(Has(html, "href=\"/lang?to=ja&amp;back=%2Fcontact%3Fproduct%3DA%20B%26x%3D1\""));
}

TEST(PagesTest, ProductsPageListsProposalsAndOffersWithContactLinks) {
  reports::CustomerReport report = reports::testing::MakeCustomerReport(false);
  std::string html = RenderProductsPage(Ctx(false), report, Offers(false));
  ExpectOnlyOurMarkup(html);
  // Devices with their charts (the report's section).
  EXPECT_TRUE(Has(html, "<svg"));
  EXPECT_TRUE(Has(html, report.devices[0].serial_number));
  // Each proposal: product, quantity, price, needed by, why; a contact link.
  for (const reports::ProposalView& p : report.proposals) {
    EXPECT_TRUE(Has(html, "href=\"/contact?proposal=" + std::to_string(p.id) + "\"")) << p.id;
    EXPECT_TRUE(Has(html, render::EscapeHtml(p.summary))) << p.id;
    EXPECT_TRUE(Has(html, render::FormatMoney(p.price_minor_units, p.currency))) << p.id;
  }
  // Customer-facing columns only.
  EXPECT_FALSE(Has(html, report.proposals[0].confidence + "</td>"));
  EXPECT_EQ(CountOccurrences(html, "class=\"contact-link\""), report.proposals.size() + 3);
  // Offers grouped by model, with prices and an encoded product number.
  EXPECT_EQ(CountOccurrences(html, "data-model=\""), 2U);
  EXPECT_TRUE(Has(html, "href=\"/contact?product=PSA-2000-DP4\""));
  EXPECT_TRUE(Has(html, "href=\"/contact?product=PRN%2F3500%20TK%261\""));
  EXPECT_TRUE(Has(html, "520,000 JPY"));
  EXPECT_TRUE(Has(html, "Capacity expansion"));
  EXPECT_TRUE(Has(html, "Successor model"));
}

TEST(PagesTest, DeclinedAndExpiredProposalsAreNotShown) {
  reports::CustomerReport report = reports::testing::MakeCustomerReport(false);
  ASSERT_EQ(report.proposals.size(), 2U);
  report.proposals[0].status = "declined";
  report.proposals[1].status = "expired";
  std::string html = RenderProductsPage(Ctx(false), report, {});
  EXPECT_FALSE(Has(html, "/contact?proposal="));
  EXPECT_TRUE(Has(html, "There are no proposals for you at the moment."));
  EXPECT_TRUE(Has(html, "The catalog has no products for your devices."));
}

TEST(PagesTest, ContactPageShowsTheSubjectAndRequiredFields) {
  std::string html = RenderContactPage(Ctx(false), Subject(false, true), Form(false), {});
  EXPECT_TRUE(Has(html, "Drive pack"));
  EXPECT_TRUE(Has(html, "PSA-2000-DP4"));
  EXPECT_TRUE(Has(html, "520,000 JPY"));
  EXPECT_TRUE(Has(html, "adds 4.0 TB"));
  // Pre-filled, CRLF of the textarea kept as a line break.
  EXPECT_TRUE(Has(html, "value=\"Hanako\""));
  EXPECT_TRUE(Has(html, ">\nPlease call.\nSecond line.</textarea>"));
  std::smatch m;
  ASSERT_TRUE(std::regex_search(html, m, std::regex(R"(<input[^>]*name="contact_name"[^>]*>)")));
  EXPECT_TRUE(Has(m.str(), "required=\"\""));
  EXPECT_TRUE(Has(m.str(), "maxlength=\""));
  for (const char* name : {"phone", "email"}) {
    ASSERT_TRUE(std::regex_search(
        html, m, std::regex(std::string("<input[^>]*name=\"") + name + "\"[^>]*>")));
    EXPECT_FALSE(Has(m.str(), "required")) << name;  // either one: said in text
    EXPECT_TRUE(Has(m.str(), "maxlength=\"")) << name;
  }
  EXPECT_TRUE(Has(html, "Give an e-mail address or a phone number, or both."));
  ASSERT_TRUE(std::regex_search(html, m, std::regex(R"(<textarea[^>]*name="message"[^>]*>)")));
  EXPECT_TRUE(Has(m.str(), "maxlength=\""));
}

TEST(PagesTest, RequestsShowTheMailStateInCustomerWords) {
  std::string html = RenderRequestsPage(Ctx(false), Requests(false), Changes(false));
  EXPECT_EQ(CountOccurrences(html, "<td>Being sent</td>"), 2U);  // queued, sending
  EXPECT_EQ(CountOccurrences(html, "<td>Sent to your sales contact</td>"), 1U + 4U);
  EXPECT_EQ(CountOccurrences(html, "<td>Not delivered yet; we will follow up</td>"), 3U);
  for (int id = 100; id < 106; ++id) {
    EXPECT_TRUE(Has(html, "<tr data-id=\"" + std::to_string(id) + "\"")) << id;
  }
  for (int id = 200; id < 204; ++id) {
    EXPECT_TRUE(Has(html, "<tr data-id=\"" + std::to_string(id) + "\"")) << id;
  }
  EXPECT_EQ(CountOccurrences(html, "2026-11-21 10:00 UTC"), 6U);
  EXPECT_EQ(CountOccurrences(html, "2026-11-21 10:01 UTC"), 4U);
  EXPECT_TRUE(Has(html, "<td>Contact person</td><td>old</td><td>new</td>"));
  EXPECT_TRUE(Has(html, "Drive pack (PSA-2000-DP4)"));

  std::string empty = RenderRequestsPage(Ctx(false), {}, {});
  EXPECT_TRUE(Has(empty, "You have not sent any request yet."));
  EXPECT_FALSE(Has(empty, "data-id="));
}

TEST(PagesTest, AccountPageShowsTheRegisteredDataAndTheSalesContact) {
  store::PortalCustomer c = Customer(false);
  std::string html = RenderAccountPage(Ctx(false), c, Info(false), {});
  std::smatch m;
  ASSERT_TRUE(std::regex_search(html, m, std::regex(R"(<dl id="registered">[\s\S]*?</dl>)")));
  for (const std::string& value : {c.user_id, c.name, c.contact_person, c.phone, c.email,
                                   c.sales_name, std::string("1-2-3 Chiyoda\nTokyo")}) {
    EXPECT_TRUE(Has(m.str(), value)) << value;
  }
  EXPECT_TRUE(Has(html, "value=\"Jiro Suzuki\""));
  EXPECT_FALSE(Has(html, "field-error"));
  c.sales_name.clear();
  html = RenderAccountPage(Ctx(false), c, Info(false), {});
  EXPECT_TRUE(Has(html, "Not assigned yet"));
}

TEST(PagesTest, NoticeAndErrorsAppearOnlyWhenGiven) {
  PageContext ctx = Ctx(false);
  EXPECT_FALSE(Has(RenderAccountPage(ctx, Customer(false), Info(false), {}), "id=\"notice\""));
  ctx.notice = "Saved.";
  EXPECT_TRUE(Has(RenderAccountPage(ctx, Customer(false), Info(false), {}),
                  R"(<p id="notice" class="notice" role="status">Saved.</p>)"));
  EXPECT_FALSE(Has(RenderSignInPage(Ctx(false), "", ""), "id=\"error\""));
  std::string error = RenderErrorPage(Ctx(false), 500, "Internal error.");
  EXPECT_TRUE(Has(error, "Internal error."));
  EXPECT_TRUE(Has(error, ">500<"));
}

TEST(PagesTest, JapanesePagesAreMarkedAndTranslated) {
  for (const RenderedPage& page : EveryPage(false, Lang::kJa)) {
    SCOPED_TRACE(page.name);
    EXPECT_TRUE(Has(page.html, "<html lang=\"ja\">"));
    EXPECT_TRUE(Has(page.html, std::string(Tr(Lang::kJa, "Periscope customer portal"))));
  }
  for (const RenderedPage& page : EveryPage(false, Lang::kEn)) {
    EXPECT_TRUE(Has(page.html, "<html lang=\"en\">")) << page.name;
  }
  std::vector<RenderedPage> ja = EveryPage(false, Lang::kJa);
  EXPECT_TRUE(Has(ja[0].html, "ログイン"));
  EXPECT_TRUE(Has(ja[3].html, "お名前"));
  EXPECT_TRUE(Has(ja[5].html, "担当営業に送信済み"));
  EXPECT_TRUE(Has(ja[6].html, "ご登録情報"));
}

TEST(PagesTest, StylesheetHasTheBaseAndPortalRules) {
  std::string css = PortalCss();
  EXPECT_EQ(css.rfind(std::string(render::BaseCss()), 0), 0U);
  EXPECT_TRUE(Has(css, ".field-error"));
  EXPECT_TRUE(Has(css, "@media"));
  EXPECT_FALSE(Has(css, "url("));  // no fonts or images to fetch
  EXPECT_FALSE(Has(css, "@import"));
}

}  // namespace
}  // namespace periscope::portal
