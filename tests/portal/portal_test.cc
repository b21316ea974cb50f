// The portal application called directly (no sockets): a real SQLite store
// holding a simulated fleet with history and the proposals of a report run,
// the shipped catalog, a fake clock and a recording mailer behind the Mailer
// interface. Every security rule of portal/portal.h is checked here at the
// request level; tests/integration/portal_security_test.cc repeats the main
// ones over real HTTP.
#include "portal/portal.h"

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/clock.h"
#include "mail/mailer.h"
#include "portal/auth.h"
#include "reports/catalog.h"
#include "reports/config.h"
#include "reports/run.h"
#include "store/db.h"
#include "store/portal.h"
#include "store/registry.h"
#include "store/schema.h"
#include "tests/support/demo_fleet.h"
#include "tests/support/demo_store.h"
#include "tests/support/process.h"
#include "tests/support/test_store.h"

namespace periscope::portal {
namespace {

using std::chrono::seconds;

class FakeClock final : public Clock {
 public:
  std::chrono::system_clock::time_point Now() const override { return now; }
  std::chrono::system_clock::time_point now = std::chrono::system_clock::now();
};

struct SentMail {
  std::string from;
  std::vector<std::string> to;
  std::string message;
};

class RecordingMailer final : public mail::Mailer {
 public:
  Status Send(const std::string& from, const std::vector<std::string>& to, const std::string&,
              const std::string& message) override {
    if (!up) return UnavailableError("smtp down (test)");
    sent.push_back({from, to, message});
    return Status::Ok();
  }
  bool up = true;
  std::vector<SentMail> sent;
};

constexpr const char* kOrigin = "http://127.0.0.1:8480";
constexpr const char* kPassword = "correct horse battery";

// A mail's text with quoted-printable soft line breaks undone.
std::string Unfolded(std::string mail) {
  for (size_t at = mail.find("=\r\n"); at != std::string::npos; at = mail.find("=\r\n", at)) {
    mail.erase(at, 3);
  }
  return mail;
}

std::string CookieValue(const Response& r, std::string_view name) {
  for (const auto& [k, v] : r.headers) {
    if (k != "Set-Cookie" || v.rfind(std::string(name) + "=", 0) != 0) continue;
    return v.substr(name.size() + 1, v.find(';') - name.size() - 1);
  }
  return "";
}

std::string SetCookieHeader(const Response& r, std::string_view name) {
  for (const auto& [k, v] : r.headers) {
    if (k == "Set-Cookie" && v.rfind(std::string(name) + "=", 0) == 0) return v;
  }
  return "";
}

// The value of the hidden csrf input of a page.
std::string CsrfOf(const std::string& html) {
  const std::string marker = "name=\"csrf\" value=\"";
  size_t at = html.find(marker);
  if (at == std::string::npos) return "";
  at += marker.size();
  return html.substr(at, html.find('"', at) - at);
}

class PortalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // An SQLite file, or a PostgreSQL database in the /pg run.
    PERISCOPE_TEST_STORE_OR_RETURN(db_path_, dir_, "periscope.db");
    {
      auto db = store::Db::OpenWriter(db_path_, store::OpenMode::kCreate);
      ASSERT_TRUE(db.ok()) << db.status().message();
      ASSERT_TRUE(store::Migrate(**db).ok());
      const int64_t now_s = UnixSeconds(clock_);
      Status s = testing::WriteFleetToStore(
          **db, testing::MakeDemoFleet(6, 3, 90, LocalDate(clock_.now)), now_s);
      ASSERT_TRUE(s.ok()) << s.message();
      // A customer without a sales person and without a portal account.
      auto imported =
          store::ImportCustomersCsv(**db,
                                    "user_id,name,contact_person,email,phone,address,sales_email\n"
                                    "cust-lone,Lone KK,Nobody,lone@lone.example,,,\n",
                                    "lone.csv");
      ASSERT_TRUE(imported.ok()) << imported.status().message();
      auto catalog = reports::LoadCatalog(std::string(PERISCOPE_SOURCE_DIR) + "/etc/catalog.xml");
      ASSERT_TRUE(catalog.ok()) << catalog.status().message();
      report_config_.catalog = std::string(PERISCOPE_SOURCE_DIR) + "/etc/catalog.xml";
      reports::RunOptions options;
      options.write_reports = false;
      options.send_mail = false;
      reports::RunDeps deps;
      deps.clock = &clock_;
      auto run = reports::RunReports(**db, report_config_, *catalog, options, deps);
      ASSERT_TRUE(run.ok()) << run.status().message();
      ASSERT_GT(run->raised, 0);
    }
    config_.database = db_path_;
    config_.public_url = kOrigin;
    config_.mail.from_email = "portal@vendor.example";
    Open();
    ASSERT_TRUE(portal_->SetPassword("cust-01", kPassword).ok());
    ASSERT_TRUE(portal_->SetPassword("cust-02", kPassword).ok());
  }

  void Open() {
    portal_.reset();
    auto catalog = reports::LoadCatalog(report_config_.catalog);
    ASSERT_TRUE(catalog.ok());
    auto portal = Portal::Open(config_, report_config_, std::move(*catalog), clock_);
    ASSERT_TRUE(portal.ok()) << portal.status().message();
    portal_ = std::move(*portal);
  }

  Request Get(const std::string& path, const std::string& cookie = "") {
    Request r;
    r.method = "GET";
    size_t q = path.find('?');
    r.path = path.substr(0, q);
    if (q != std::string::npos) {
      auto query = ParseQuery(path.substr(q + 1), 10000);
      EXPECT_TRUE(query.ok());
      if (query.ok()) r.query = *query;
    }
    r.client_ip = "127.0.0.1";
    if (!cookie.empty()) r.headers["cookie"] = cookie;
    return r;
  }

  Request Post(const std::string& path, const std::map<std::string, std::string>& fields,
               const std::string& cookie, const std::string& origin = kOrigin) {
    Request r = Get(path, cookie);
    r.method = "POST";
    r.headers["content-type"] = "application/x-www-form-urlencoded";
    if (!origin.empty()) r.headers["origin"] = origin;
    for (const auto& [k, v] : fields) {
      r.body += (r.body.empty() ? "" : "&") + UrlEncode(k) + "=" + UrlEncode(v);
    }
    return r;
  }

  struct Session {
    std::string cookie;  // "periscope_session=..."
    std::string csrf;
  };

  // Signs in through the pages as a browser would; empty cookie on failure.
  Session SignIn(const std::string& user_id, const std::string& password = kPassword,
                 Response* answer = nullptr) {
    Response page = portal_->Handle(Get("/signin"));
    EXPECT_EQ(page.status, 200);
    std::string pre = "periscope_pre=" + CookieValue(page, "periscope_pre");
    Response r = portal_->Handle(
        Post("/signin", {{"user_id", user_id}, {"password", password}, {"csrf", CsrfOf(page.body)}},
             pre));
    if (answer != nullptr) *answer = r;
    Session s;
    if (r.status != 303) return s;
    s.cookie = "periscope_session=" + CookieValue(r, "periscope_session");
    Response products = portal_->Handle(Get("/products", s.cookie));
    EXPECT_EQ(products.status, 200);
    s.csrf = CsrfOf(products.body);
    return s;
  }

  int64_t Count(const std::string& table) {
    auto db = store::Db::OpenReader(db_path_);
    EXPECT_TRUE(db.ok());
    auto t = store::Query(**db, "SELECT count(*) FROM " + table);
    EXPECT_TRUE(t.ok());
    return std::stoll(t->rows[0][0]);
  }

  // The first catalog product offered on the customer's product page.
  std::string FirstOfferedProduct(const Session& s) {
    Response products = portal_->Handle(Get("/products", s.cookie));
    const std::string marker = "/contact?product=";
    size_t at = products.body.find(marker);
    if (at == std::string::npos) return "";
    at += marker.size();
    std::string encoded = products.body.substr(at, products.body.find('"', at) - at);
    auto decoded = ParseQuery("p=" + encoded, 1000);
    return decoded.ok() ? (*decoded)["p"] : "";
  }

  std::map<std::string, std::string> ContactFields(const Session& s, const std::string& product) {
    return {{"csrf", s.csrf},
            {"product", product},
            {"contact_name", "Hanako"},
            {"phone", "+81 3-1234-5678"},
            {"email", "hanako@cust.example"},
            {"preferred_time", "weekday mornings"},
            {"message", "Please call about this."}};
  }

  testing::TempDir dir_;
  std::string db_path_;
  FakeClock clock_;
  PortalConfig config_;
  reports::ReportConfig report_config_;
  std::unique_ptr<Portal> portal_;
};

TEST_F(PortalTest, EveryAnswerCarriesTheStrictSecurityHeaders) {
  for (const Request& r : {Get("/signin"), Get("/products"), Get("/nowhere"),
                           Get("/assets/portal.css"), Post("/signin", {}, "", "")}) {
    Response answer = portal_->Handle(r);
    auto csp = answer.FindHeader("Content-Security-Policy");
    ASSERT_TRUE(csp.has_value()) << r.path;
    EXPECT_NE(csp->find("default-src 'none'"), std::string::npos);
    EXPECT_NE(csp->find("frame-ancestors 'none'"), std::string::npos);
    EXPECT_EQ(answer.FindHeader("X-Content-Type-Options").value_or(""), "nosniff");
    EXPECT_EQ(answer.FindHeader("X-Frame-Options").value_or(""), "DENY");
  }
}

TEST_F(PortalTest, PagesNeedASessionAndSignInSetsAStrictSecureCookie) {
  Response anonymous = portal_->Handle(Get("/products"));
  EXPECT_EQ(anonymous.status, 303);
  EXPECT_EQ(anonymous.FindHeader("Location").value_or(""), "/signin");

  Response answer;
  Session s = SignIn("cust-01", kPassword, &answer);
  ASSERT_EQ(answer.status, 303);
  EXPECT_EQ(answer.FindHeader("Location").value_or(""), "/products");
  std::string set_cookie = SetCookieHeader(answer, "periscope_session");
  EXPECT_NE(set_cookie.find("; Secure"), std::string::npos) << set_cookie;
  EXPECT_NE(set_cookie.find("; HttpOnly"), std::string::npos) << set_cookie;
  EXPECT_NE(set_cookie.find("; SameSite=Strict"), std::string::npos) << set_cookie;
  EXPECT_NE(set_cookie.find("Max-Age=28800"), std::string::npos) << set_cookie;
  EXPECT_EQ(s.csrf.size(), 43U);
  EXPECT_EQ(Count("portal_sessions"), 1);
}

TEST_F(PortalTest, ProductPageShowsOnlyTheCustomersOwnDevicesProposalsAndOffers) {
  Session s = SignIn("cust-01");
  Response page = portal_->Handle(Get("/products", s.cookie));
  ASSERT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("id=\"devices\""), std::string::npos);
  EXPECT_NE(page.body.find("<svg"), std::string::npos);  // the report's charts
  // 90 days of history: the charts have them all, the table the last 31.
  EXPECT_NE(page.body.find("History: the last 31 days"), std::string::npos);
  EXPECT_NE(page.body.find("id=\"offers\""), std::string::npos);
  EXPECT_NE(page.body.find("/contact?proposal="), std::string::npos);
  EXPECT_FALSE(FirstOfferedProduct(s).empty());
  // cust-01 has agents 0 and 3 of MakeDemoFleet(6, 3, ...); no other customer appears.
  EXPECT_EQ(page.body.find("cust-02"), std::string::npos);
  EXPECT_EQ(page.body.find("cust-03"), std::string::npos);
}

TEST_F(PortalTest, WrongPasswordsLockTheAccountEvenForTheRightPassword) {
  config_.max_failed_signins = 3;
  config_.lock_s = 600;
  Open();
  for (int i = 1; i <= 3; ++i) {
    Response answer;
    SignIn("cust-01", "wrong password!", &answer);
    EXPECT_EQ(answer.status, i < 3 ? 401 : 429) << "attempt " << i;
  }
  Response locked;
  EXPECT_TRUE(SignIn("cust-01", kPassword, &locked).cookie.empty());
  EXPECT_EQ(locked.status, 429);
  EXPECT_TRUE(locked.FindHeader("Retry-After").has_value());
  // An unknown ID answers exactly like a wrong password.
  Response unknown;
  SignIn("cust-nobody", kPassword, &unknown);
  EXPECT_EQ(unknown.status, 401);
  EXPECT_EQ(Count("portal_sessions"), 0);

  clock_.now += seconds(601);
  EXPECT_FALSE(SignIn("cust-01").cookie.empty());
}

TEST_F(PortalTest, PostsWithoutOurOriginOrTheRightCsrfTokenChangeNothing) {
  Session s = SignIn("cust-01");
  std::string product = FirstOfferedProduct(s);
  ASSERT_FALSE(product.empty());
  auto fields = ContactFields(s, product);

  EXPECT_EQ(portal_->Handle(Post("/contact", fields, s.cookie, "")).status, 403);
  EXPECT_EQ(portal_->Handle(Post("/contact", fields, s.cookie, "https://evil.example")).status,
            403);
  Request referer_only = Post("/contact", fields, s.cookie, "");
  referer_only.headers["referer"] = "https://evil.example/page";
  EXPECT_EQ(portal_->Handle(referer_only).status, 403);
  auto wrong = fields;
  // One character changed (a base64url token may itself start with 'x').
  wrong["csrf"] = (s.csrf[0] == 'x' ? "y" : "x") + s.csrf.substr(1);
  EXPECT_EQ(portal_->Handle(Post("/contact", wrong, s.cookie)).status, 403);
  auto missing = fields;
  missing.erase("csrf");
  EXPECT_EQ(portal_->Handle(Post("/contact", missing, s.cookie)).status, 403);
  // Another session's token is not this session's.
  Session other = SignIn("cust-02");
  auto foreign = fields;
  foreign["csrf"] = other.csrf;
  EXPECT_EQ(portal_->Handle(Post("/contact", foreign, s.cookie)).status, 403);
  // No session at all.
  EXPECT_EQ(portal_->Handle(Post("/contact", fields, "")).status, 403);
  EXPECT_EQ(Count("contact_requests"), 0);
  EXPECT_EQ(Count("outbox"), 0);

  Request referer_ok = Post("/contact", fields, s.cookie, "");
  referer_ok.headers["referer"] = std::string(kOrigin) + "/contact?product=x";
  EXPECT_EQ(portal_->Handle(referer_ok).status, 303);
  EXPECT_EQ(Count("contact_requests"), 1);
}

TEST_F(PortalTest, AContactRequestIsStoredAndMailedToTheAssignedSalesPersonWithTheCustomersData) {
  Session s = SignIn("cust-01");
  std::string product = FirstOfferedProduct(s);
  ASSERT_FALSE(product.empty());
  Response answer = portal_->Handle(Post("/contact", ContactFields(s, product), s.cookie));
  ASSERT_EQ(answer.status, 303) << answer.body;
  std::string location = answer.FindHeader("Location").value_or("");
  EXPECT_EQ(location.rfind("/requests?sent=", 0), 0U) << location;
  EXPECT_EQ(Count("contact_requests"), 1);
  EXPECT_EQ(Count("outbox"), 1);

  Response listed = portal_->Handle(Get(location, s.cookie));
  EXPECT_EQ(listed.status, 200);
  EXPECT_NE(listed.body.find("id=\"notice\""), std::string::npos);
  EXPECT_NE(listed.body.find(product), std::string::npos);

  RecordingMailer mailer;
  auto stats = portal_->DeliverMail(mailer, mail::RetryPolicy{});
  ASSERT_TRUE(stats.ok()) << stats.status().message();
  ASSERT_EQ(mailer.sent.size(), 1U);
  // cust-01 is the first demo customer: sales@vendor.example (demo_store.h).
  EXPECT_EQ(mailer.sent[0].to, std::vector<std::string>{testing::kDemoSalesEmails[0]});
  std::string text = Unfolded(mailer.sent[0].message);
  for (const char* expected :
       {"cust-01", "Customer cust-01", "it@cust-01.example", "Hanako", "+81 3-1234-5678",
        "hanako@cust.example", "weekday mornings", "Please call about this."}) {
    EXPECT_NE(text.find(expected), std::string::npos) << expected;
  }
  EXPECT_NE(text.find(product), std::string::npos);
  EXPECT_NE(text.find("Reply-To: "), std::string::npos);

  // Another customer cannot even have the request's notice.
  Session other = SignIn("cust-02");
  Response foreign = portal_->Handle(Get(location, other.cookie));
  EXPECT_EQ(foreign.status, 404);
  EXPECT_EQ(foreign.body.find(product), std::string::npos);
}

TEST_F(PortalTest, AnotherCustomersProposalOrAnUnofferedProductIsNotFound) {
  Session one = SignIn("cust-01");
  Session two = SignIn("cust-02");
  // A proposal id of cust-02, from its own product page.
  Response page = portal_->Handle(Get("/products", two.cookie));
  const std::string marker = "/contact?proposal=";
  size_t at = page.body.find(marker);
  ASSERT_NE(at, std::string::npos);
  at += marker.size();
  std::string id = page.body.substr(at, page.body.find('"', at) - at);
  EXPECT_EQ(portal_->Handle(Get("/contact?proposal=" + id, two.cookie)).status, 200);
  EXPECT_EQ(portal_->Handle(Get("/contact?proposal=" + id, one.cookie)).status, 404);
  auto fields = ContactFields(one, "");
  fields.erase("product");
  fields["proposal"] = id;
  EXPECT_EQ(portal_->Handle(Post("/contact", fields, one.cookie)).status, 404);
  EXPECT_EQ(portal_->Handle(Get("/contact?product=NOT-A-PRODUCT", one.cookie)).status, 404);
  EXPECT_EQ(portal_->Handle(Get("/contact?proposal=99999999", one.cookie)).status, 404);
  EXPECT_EQ(Count("contact_requests"), 0);
}

TEST_F(PortalTest, AnUpdateKeepsTheOldValuesAndMailsWhatChanged) {
  Session s = SignIn("cust-02");
  Response page = portal_->Handle(Get("/account", s.cookie));
  ASSERT_EQ(page.status, 200);
  std::map<std::string, std::string> fields = {{"csrf", s.csrf},
                                               {"contact_person", "Jiro Suzuki"},
                                               {"address", "1-2-3 Chiyoda, Tokyo"},
                                               {"phone", "03-0000-1111"},
                                               {"email", "it@cust-02.example"}};
  Response answer = portal_->Handle(Post("/account", fields, s.cookie));
  ASSERT_EQ(answer.status, 303) << answer.body;
  EXPECT_EQ(answer.FindHeader("Location").value_or(""), "/account?saved=1");
  EXPECT_EQ(Count("customer_changes"), 3);  // contact person, address, phone; not the e-mail

  // The same values again: nothing to audit or mail.
  Response again = portal_->Handle(Post("/account", fields, s.cookie));
  EXPECT_EQ(again.FindHeader("Location").value_or(""), "/account?saved=0");
  EXPECT_EQ(Count("customer_changes"), 3);

  RecordingMailer mailer;
  ASSERT_TRUE(portal_->DeliverMail(mailer, mail::RetryPolicy{}).ok());
  ASSERT_EQ(mailer.sent.size(), 1U);
  EXPECT_EQ(mailer.sent[0].to, std::vector<std::string>{testing::kDemoSalesEmails[1]});
  std::string text = Unfolded(mailer.sent[0].message);
  EXPECT_NE(text.find("Contact"), std::string::npos);  // the old contact person
  EXPECT_NE(text.find("Jiro Suzuki"), std::string::npos);
  EXPECT_NE(text.find("1-2-3 Chiyoda, Tokyo"), std::string::npos);

  Response shown = portal_->Handle(Get("/account", s.cookie));
  EXPECT_NE(shown.body.find("Jiro Suzuki"), std::string::npos);
}

TEST_F(PortalTest, InvalidInputIsRefusedWithFieldErrorsAndNothingStored) {
  Session s = SignIn("cust-01");
  std::string product = FirstOfferedProduct(s);
  auto fields = ContactFields(s, product);
  fields["email"] = "not an address";
  Response bad = portal_->Handle(Post("/contact", fields, s.cookie));
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("field-error"), std::string::npos);
  fields = ContactFields(s, product);
  fields["message"] = std::string(3000, 'x');
  EXPECT_EQ(portal_->Handle(Post("/contact", fields, s.cookie)).status, 413);
  Request malformed = Post("/contact", ContactFields(s, product), s.cookie);
  malformed.body += "&bad=%zz";
  EXPECT_EQ(portal_->Handle(malformed).status, 400);
  EXPECT_EQ(Count("contact_requests"), 0);
}

TEST_F(PortalTest, SignOutRevokesTheSession) {
  Session s = SignIn("cust-01");
  Response out = portal_->Handle(Post("/signout", {{"csrf", s.csrf}}, s.cookie));
  EXPECT_EQ(out.status, 303);
  EXPECT_EQ(out.FindHeader("Location").value_or(""), "/signin");
  EXPECT_NE(SetCookieHeader(out, "periscope_session").find("Max-Age=0"), std::string::npos);
  EXPECT_EQ(portal_->Handle(Get("/products", s.cookie)).status, 303);
}

TEST_F(PortalTest, SessionsExpire) {
  Session s = SignIn("cust-01");
  clock_.now += seconds(config_.session_ttl_s + 1);
  EXPECT_EQ(portal_->Handle(Get("/products", s.cookie)).status, 303);
}

TEST_F(PortalTest, AnInviteLinkSetsTheFirstPasswordOnce) {
  auto invite = portal_->Invite("cust-03");
  ASSERT_TRUE(invite.ok()) << invite.status().message();
  EXPECT_EQ(invite->email, "it@cust-03.example");
  std::string path = invite->link.substr(std::string(kOrigin).size());
  Response page = portal_->Handle(Get(path));
  ASSERT_EQ(page.status, 200) << page.body;
  std::string pre = "periscope_pre=" + CookieValue(page, "periscope_pre");
  std::string token = path.substr(path.find("token=") + 6);
  std::map<std::string, std::string> fields = {{"csrf", CsrfOf(page.body)},
                                               {"token", token},
                                               {"password", "a new passphrase"},
                                               {"password_confirm", "a new passphrase"}};
  Response set = portal_->Handle(Post("/invite", fields, pre));
  EXPECT_EQ(set.status, 303) << set.body;
  EXPECT_FALSE(CookieValue(set, "periscope_session").empty());
  EXPECT_EQ(portal_->Handle(Post("/invite", fields, pre)).status, 410);
  EXPECT_EQ(portal_->Handle(Get(path)).status, 410);
  EXPECT_FALSE(SignIn("cust-03", "a new passphrase").cookie.empty());

  RecordingMailer mailer;
  ASSERT_TRUE(portal_->DeliverMail(mailer, mail::RetryPolicy{}).ok());
  ASSERT_EQ(mailer.sent.size(), 1U);
  EXPECT_EQ(mailer.sent[0].to, std::vector<std::string>{"it@cust-03.example"});
  EXPECT_NE(Unfolded(mailer.sent[0].message).find(token), std::string::npos);
}

TEST_F(PortalTest, APostBurstFromOneAddressIsLimited) {
  config_.post_limit = RateLimitOptions{5, 0.001, 1000};
  Open();
  Session s = SignIn("cust-01");  // one POST
  std::string product = FirstOfferedProduct(s);
  int accepted = 0, limited = 0;
  for (int i = 0; i < 20; ++i) {
    Response r = portal_->Handle(Post("/contact", ContactFields(s, product), s.cookie));
    if (r.status == 303) ++accepted;
    if (r.status == 429) {
      ++limited;
      EXPECT_TRUE(r.FindHeader("Retry-After").has_value());
    }
  }
  EXPECT_EQ(accepted, 4);
  EXPECT_EQ(limited, 16);
  EXPECT_EQ(Count("contact_requests"), accepted);
  EXPECT_EQ(Count("outbox"), accepted);
}

TEST_F(PortalTest, AnUpdateOfACustomerWithoutASalesPersonIsSavedWithoutMail) {
  ASSERT_TRUE(portal_->SetPassword("cust-lone", kPassword).ok());
  Session s = SignIn("cust-lone");
  std::map<std::string, std::string> fields = {{"csrf", s.csrf},
                                               {"contact_person", "Somebody"},
                                               {"address", ""},
                                               {"phone", ""},
                                               {"email", "lone@lone.example"}};
  // The update is saved (it is the customer's record) without a mail.
  EXPECT_EQ(portal_->Handle(Post("/account", fields, s.cookie)).status, 303);
  EXPECT_EQ(Count("customer_changes"), 1);
  EXPECT_EQ(Count("outbox"), 0);
}

TEST_F(PortalTest, LanguageFollowsAcceptLanguageAndTheSwitch) {
  Request ja = Get("/signin");
  ja.headers["accept-language"] = "ja-JP,ja;q=0.9,en;q=0.5";
  EXPECT_NE(portal_->Handle(ja).body.find("lang=\"ja\""), std::string::npos);
  Response sw = portal_->Handle(Get("/lang?to=en&back=/signin"));
  EXPECT_EQ(sw.status, 303);
  EXPECT_EQ(sw.FindHeader("Location").value_or(""), "/signin");
  ja.headers["cookie"] = "periscope_lang=en";
  EXPECT_NE(portal_->Handle(ja).body.find("lang=\"en\""), std::string::npos);
  // The switch only goes back to a local path.
  EXPECT_EQ(portal_->Handle(Get("/lang?to=ja&back=//evil.example/")).FindHeader("Location"),
            std::optional<std::string>("/"));
}

}  // namespace
}  // namespace periscope::portal
