// periscope-portal over real HTTP (tests/support/portal_env.h): a real store,
// the real binary on a loopback port, a real SMTP server. Every case checks the
// answer's status and that nothing was stored or mailed that should not be
// (row counts in the store, messages the SMTP server received).
#include <cctype>
#include <chrono>
#include <iostream>
#include <memory>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "render/html.h"
#include "tests/support/portal_env.h"

namespace periscope::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using Clock = std::chrono::steady_clock;

// Hostile inputs: markup, an attribute breaker, SQL, a mail header injection,
// Japanese, and a right-to-left override.
const std::vector<std::string> kHostile = {
    "<script>alert(1)</script>",
    "\"><img src=x onerror=alert(1)>",
    "'); DROP TABLE customers;--",
    "x\r\nBcc: evil@example.com",
    "\xE5\xB1\xB1\xE7\x94\xB0\xE5\xA4\xAA\xE9\x83\x8E \xE6\xA7\x98",  // 山田太郎 様
    "abc\xE2\x80\xAE"
    "fdp.exe",  // U+202E
};

// Markup that must never reach a page as markup.
const std::vector<std::string> kRawMarkup = {"<script>alert(1)", "<img src=x onerror", "\"><img"};

std::string PercentDecode(const std::string& text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      out += static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += text[i] == '+' ? ' ' : text[i];
    }
  }
  return out;
}

// The value after "NAME=" in an href's query.
std::string QueryValue(const std::string& href, const std::string& name) {
  size_t at = href.find(name + "=");
  if (at == std::string::npos) return "";
  at += name.size() + 1;
  return PercentDecode(href.substr(at, href.find('&', at) - at));
}

// A quoted-printable text decoded (soft line breaks removed, =XX as bytes).
std::string DecodeQuotedPrintable(const std::string& text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '=') {
      out += text[i];
    } else if (text.compare(i + 1, 2, "\r\n") == 0) {
      i += 2;
    } else if (i + 2 < text.size() && std::isxdigit(static_cast<unsigned char>(text[i + 1])) &&
               std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
      out += static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

// The decoded body of a mail's text/html part ("" when it has none).
std::string HtmlPart(const std::string& mail) {
  size_t at = mail.find("Content-Type: text/html");
  if (at == std::string::npos) return "";
  size_t body = mail.find("\r\n\r\n", at);
  if (body == std::string::npos) return "";
  body += 4;
  size_t end = mail.find("\r\n--", body);
  return DecodeQuotedPrintable(mail.substr(body, end == std::string::npos ? end : end - body));
}

void ExpectNoRawMarkup(const std::string& page, const std::string& where) {
  for (const std::string& raw : kRawMarkup) {
    EXPECT_EQ(page.find(raw), std::string::npos) << where << " shows raw markup " << raw;
  }
}

class PortalSecurityTest : public ::testing::Test {
 protected:
  void StartPortal(PortalEnvOptions options = {}) {
    env_ = std::make_unique<PortalEnv>(options);
    ASSERT_TRUE(env_->Start()) << env_->error();
  }

  void SetUp() override {
    if (!skip_default_start_) StartPortal();
  }

  std::unique_ptr<HttpClient> SignedIn(const std::string& user) {
    auto client = std::make_unique<HttpClient>(env_->url());
    HttpResponse r = client->SignIn(user);
    EXPECT_EQ(r.status, 303) << user << ": " << r.error << r.body;
    EXPECT_EQ(client->csrf().size(), 43U) << user;
    return client;
  }

  // The product number of the first catalog offer on the products page.
  std::string FirstOffer(HttpClient& client) {
    HttpResponse page = client.Get("/products");
    EXPECT_EQ(page.status, 200);
    std::vector<std::string> links = HrefsStartingWith(page.body, "/contact?product=");
    EXPECT_FALSE(links.empty()) << "no offer on the products page";
    return links.empty() ? "" : QueryValue(links[0], "product");
  }

  FormFields ContactFields(HttpClient& client, const std::string& product) {
    return {{"csrf", client.csrf()},
            {"product", product},
            {"contact_name", "Ichiro Suzuki"},
            {"phone", "+81 3-1111-0001"},
            {"email", "ichiro@cust-01.example"},
            {"preferred_time", "weekday mornings"},
            {"message", "Please call me about this."}};
  }

  // Waits until the SMTP server holds `n` messages (then a little longer, so
  // an extra one would show).
  std::vector<ReceivedMail> WaitForMails(size_t n, seconds timeout = seconds(15)) {
    WaitFor([&] { return env_->smtp().ReceivedCount() >= n; }, timeout);
    std::this_thread::sleep_for(milliseconds(300));
    return env_->Mails();
  }

  // No mail arrives within a delivery pass or two.
  void ExpectNoMail() {
    std::this_thread::sleep_for(milliseconds(700));
    EXPECT_EQ(env_->smtp().ReceivedCount(), 0U);
    EXPECT_EQ(env_->Count("outbox"), 0);
  }

  bool skip_default_start_ = false;
  std::unique_ptr<PortalEnv> env_;
};

TEST_F(PortalSecurityTest, PostsWithoutTheFormTokenOrOurOriginAreRefusedAndChangeNothing) {
  auto client = SignedIn("cust-01");
  const std::string product = FirstOffer(*client);
  ASSERT_FALSE(product.empty());
  const int64_t sessions = env_->Count("portal_sessions");
  const FormFields fields = ContactFields(*client, product);
  FormFields account = {{"csrf", client->csrf()},
                        {"contact_person", "Changed Person"},
                        {"address", "9-9-9 Elsewhere"},
                        {"phone", "03-9999-9999"},
                        {"email", "changed@cust-01.example"}};

  for (const auto& [path, form] : {std::pair{"/contact", fields}, std::pair{"/account", account}}) {
    SCOPED_TRACE(path);
    FormFields missing(form.begin() + 1, form.end());
    EXPECT_EQ(client->Post(path, missing).status, 403);
    FormFields wrong = form;
    wrong[0].second = std::string(43, 'A');
    EXPECT_EQ(client->Post(path, wrong).status, 403);
    EXPECT_EQ(client->Post(path, form, {{"Origin", "https://evil.example"}}).status, 403);
    EXPECT_EQ(client->Post(path, form, {{"Origin", "null"}}).status, 403);
    EXPECT_EQ(client->Post(path, form, {{"Referer", "https://evil.example/x"}}, false).status, 403);
    EXPECT_EQ(client->Post(path, form, {}, /*with_origin=*/false).status, 403);
    // Another port on our host is another origin.
    EXPECT_EQ(client->Post(path, form, {{"Origin", "http://127.0.0.1:1"}}).status, 403);
  }
  // Sign-in without the pre-session token: no session either.
  HttpClient stranger(env_->url());
  EXPECT_EQ(
      stranger.Post("/signin", {{"user_id", "cust-02"}, {"password", kPortalPassword}}).status,
      403);
  EXPECT_TRUE(stranger.cookies().count("periscope_session") == 0);

  EXPECT_EQ(env_->Count("contact_requests"), 0);
  EXPECT_EQ(env_->Count("customer_changes"), 0);
  EXPECT_EQ(env_->Count("portal_sessions"), sessions);
  EXPECT_EQ(env_->Query("SELECT contact_person FROM customers WHERE user_id = 'cust-01'")[0][0],
            "Ichiro Suzuki");
  ExpectNoMail();

  // The same form with our Origin (or only our Referer) and token is taken.
  EXPECT_EQ(client->Post("/contact", fields).status, 303);
  EXPECT_EQ(client->Post("/contact", fields, {{"Referer", env_->url() + "/contact"}}, false).status,
            303);
  EXPECT_EQ(env_->Count("contact_requests"), 2);
  EXPECT_EQ(WaitForMails(2).size(), 2U);
}

TEST_F(PortalSecurityTest, AnotherCustomersProposalAndRequestIdsAreNotFound) {
  auto one = SignedIn("cust-01");
  auto two = SignedIn("cust-02");
  HttpResponse page = two->Get("/products");
  std::vector<std::string> proposals = HrefsStartingWith(page.body, "/contact?proposal=");
  ASSERT_FALSE(proposals.empty()) << "cust-02 has no proposal on its page";
  const std::string their_proposal = QueryValue(proposals[0], "proposal");
  const auto proposal_row = env_->Query(
      "SELECT p.product_name, c.user_id FROM proposals p JOIN customers c ON "
      "c.id = p.customer_id WHERE p.id = ?",
      {their_proposal});
  ASSERT_EQ(proposal_row.size(), 1U);
  ASSERT_EQ(proposal_row[0][1], "cust-02");
  EXPECT_EQ(two->Get("/contact?proposal=" + their_proposal).status, 200);

  HttpResponse foreign = one->Get("/contact?proposal=" + their_proposal);
  EXPECT_EQ(foreign.status, 404);
  EXPECT_EQ(foreign.body.find("cust-02"), std::string::npos);
  EXPECT_EQ(foreign.body.find("Borealis"), std::string::npos);
  FormFields fields = ContactFields(*one, "");
  fields[1] = {"proposal", their_proposal};
  EXPECT_EQ(one->Post("/contact", fields).status, 404);
  EXPECT_EQ(one->Get("/contact?proposal=99999999").status, 404);
  EXPECT_EQ(one->Get("/contact?product=NOT-A-PRODUCT").status, 404);
  EXPECT_EQ(env_->Count("contact_requests"), 0);

  // cust-02's own request, then cust-01 names its id.
  FormFields theirs = ContactFields(*two, "");
  theirs[1] = {"proposal", their_proposal};
  theirs[6] = {"message", "secret plans of Borealis"};
  HttpResponse sent = two->Post("/contact", theirs);
  ASSERT_EQ(sent.status, 303) << sent.body;
  const std::string location = sent.Header("Location");
  ASSERT_EQ(location.rfind("/requests?sent=", 0), 0U) << location;
  const std::string their_request = location.substr(std::string("/requests?sent=").size());
  HttpResponse listed = one->Get("/requests?sent=" + their_request);
  EXPECT_EQ(listed.status, 404);
  HttpResponse own_list = one->Get("/requests");
  EXPECT_EQ(own_list.status, 200);
  for (const HttpResponse* r : {&listed, &own_list}) {
    EXPECT_EQ(r->body.find("secret plans"), std::string::npos);
    EXPECT_EQ(r->body.find("Borealis"), std::string::npos);
    EXPECT_EQ(r->body.find("data-id=\"" + their_request + "\""), std::string::npos);
  }
  EXPECT_NE(two->Get("/requests").body.find("data-id=\"" + their_request + "\""),
            std::string::npos);
  EXPECT_EQ(env_->Count("contact_requests"), 1);
  std::vector<ReceivedMail> mails = WaitForMails(1);
  ASSERT_EQ(mails.size(), 1U);
  EXPECT_EQ(mails[0].rcpt_to, std::vector<std::string>{kPortalSales2});
}

TEST_F(PortalSecurityTest, HostileTextIsStoredVerbatimEscapedOnPagesAndInjectsNoMailHeader) {
  auto client = SignedIn("cust-01");
  const std::string product = FirstOffer(*client);
  ASSERT_FALSE(product.empty());

  // Free-text contact fields take anything and keep it exactly.
  for (const std::string& h : kHostile) {
    FormFields fields = ContactFields(*client, product);
    fields[2].second = h;  // contact_name
    fields[5].second = h;  // preferred_time
    fields[6].second = h;  // message
    HttpResponse r = client->Post("/contact", fields);
    ASSERT_EQ(r.status, 303) << h << ": " << r.body;
  }
  auto rows = env_->Query(
      "SELECT contact_name, preferred_time, message, sales_email FROM contact_requests ORDER BY "
      "id");
  ASSERT_EQ(rows.size(), kHostile.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i][0], kHostile[i]);
    EXPECT_EQ(rows[i][1], kHostile[i]);
    EXPECT_EQ(rows[i][2], kHostile[i]);
    EXPECT_EQ(rows[i][3], kPortalSales1);
  }
  // Phone and e-mail are checked: each hostile value is refused with the form
  // shown again (escaped), nothing stored.
  for (const std::string& h : kHostile) {
    for (size_t field : {3U, 4U}) {
      FormFields fields = ContactFields(*client, product);
      fields[field].second = h;
      HttpResponse r = client->Post("/contact", fields);
      EXPECT_EQ(r.status, 400) << fields[field].first << " = " << h;
      ExpectNoRawMarkup(r.body, "refused contact form");
    }
  }
  EXPECT_EQ(env_->Count("contact_requests"), static_cast<int64_t>(kHostile.size()));

  // Registered information: contact person and address take anything.
  for (const std::string& h : kHostile) {
    HttpResponse r = client->Post("/account", {{"csrf", client->csrf()},
                                               {"contact_person", h},
                                               {"address", h},
                                               {"phone", "03-1111-0001"},
                                               {"email", "it@cust-01.example"}});
    ASSERT_EQ(r.status, 303) << h << ": " << r.body;
    EXPECT_EQ(r.Header("Location"), "/account?saved=1");
    auto stored =
        env_->Query("SELECT contact_person, address FROM customers WHERE user_id = 'cust-01'");
    EXPECT_EQ(stored[0][0], h);
    EXPECT_EQ(stored[0][1], h);
    HttpResponse account = client->Get("/account");
    ASSERT_EQ(account.status, 200);
    ExpectNoRawMarkup(account.body, "/account");
    if (h.find('\r') == std::string::npos) {
      EXPECT_NE(account.body.find(render::EscapeHtml(h)), std::string::npos)
          << "/account does not show " << h;
    }
    if (h.find("\xE2\x80\xAE") != std::string::npos) {
      EXPECT_EQ(account.body.find("\xE2\x80\xAE"), std::string::npos) << "bidi override shown";
    }
  }
  // Phone and e-mail of the registered information are checked too.
  for (const std::string& h : kHostile) {
    for (const char* field : {"phone", "email"}) {
      FormFields fields = {{"csrf", client->csrf()},
                           {"contact_person", "Ichiro Suzuki"},
                           {"address", "1-1-1 Marunouchi"},
                           {"phone", "03-1111-0001"},
                           {"email", "it@cust-01.example"}};
      for (auto& [name, value] : fields) {
        if (name == field) value = h;
      }
      HttpResponse r = client->Post("/account", fields);
      EXPECT_EQ(r.status, 400) << field << " = " << h;
      ExpectNoRawMarkup(r.body, "refused account form");
    }
  }
  EXPECT_EQ(env_->Query("SELECT phone, email FROM customers WHERE user_id = 'cust-01'")[0],
            (std::vector<std::string>{"03-1111-0001", "it@cust-01.example"}));
  // Each update changed two fields (contact person and address).
  EXPECT_EQ(env_->Count("customer_changes"), static_cast<int64_t>(2 * kHostile.size()));
  for (const std::string& h : kHostile) {
    EXPECT_EQ(env_->Query("SELECT count(*) FROM customer_changes WHERE new_value = ?", {h})[0][0],
              "2")
        << h;
  }

  HttpResponse requests = client->Get("/requests");
  ASSERT_EQ(requests.status, 200);
  ExpectNoRawMarkup(requests.body, "/requests");
  EXPECT_EQ(requests.body.find("\xE2\x80\xAE"), std::string::npos);
  // The changes list shows the values, escaped.
  EXPECT_NE(requests.body.find(render::EscapeHtml(kHostile[0])), std::string::npos);
  EXPECT_NE(requests.body.find(render::EscapeHtml(kHostile[4])), std::string::npos);

  // Every mail went to the sales person only, with no injected header.
  const size_t expected = 2 * kHostile.size();
  std::vector<ReceivedMail> mails = WaitForMails(expected);
  ASSERT_EQ(mails.size(), expected);
  // The contact mails carry the entered text as it was (in the text part).
  size_t with_sql = 0;
  for (const ReceivedMail& m : mails) {
    if (DecodeQuotedPrintable(m.data).find(kHostile[2]) != std::string::npos) ++with_sql;
  }
  EXPECT_GE(with_sql, 2U);  // the contact mail and the update mail of that value
  const std::regex injected("(^|\r\n)bcc:", std::regex::icase);
  for (const ReceivedMail& m : mails) {
    EXPECT_EQ(m.rcpt_to, std::vector<std::string>{kPortalSales1});
    const std::string head = m.data.substr(0, m.data.find("\r\n\r\n"));
    EXPECT_FALSE(std::regex_search(head, injected)) << head;
    // One To: header, naming the sales person (the hostile text may appear
    // in the body, as text).
    const std::string unfolded = MailHeaders(m.data);
    std::vector<std::string> to;
    const std::regex to_header("(^|\r\n)To: ([^\r\n]*)", std::regex::icase);
    for (std::sregex_iterator it(unfolded.begin(), unfolded.end(), to_header);
         it != std::sregex_iterator(); ++it) {
      to.push_back((*it)[2]);
    }
    ASSERT_EQ(to.size(), 1U) << head;
    EXPECT_NE(to[0].find(kPortalSales1), std::string::npos) << to[0];
    EXPECT_EQ(unfolded.find("evil@example.com"), std::string::npos) << unfolded;
    // The HTML part shows the text, never as markup.
    const std::string html = HtmlPart(m.data);
    EXPECT_FALSE(html.empty());
    ExpectNoRawMarkup(html, "a mail's HTML part");
  }
}

TEST_F(PortalSecurityTest, AnOversizedBodyIs413AndAnOversizedFieldToo) {
  auto client = SignedIn("cust-01");
  const std::string product = FirstOffer(*client);
  FormFields fields = ContactFields(*client, product);
  fields[6].second = std::string(20000, 'x');  // over max-body-bytes 16384
  HttpResponse big = client->Post("/contact", fields);
  EXPECT_EQ(big.status, 413) << big.error;
  fields[6].second = std::string(3000, 'x');  // under the body cap, over a field's
  EXPECT_EQ(client->Post("/contact", fields).status, 413);
  EXPECT_EQ(client
                ->Post("/account", {{"csrf", client->csrf()},
                                    {"contact_person", std::string(5000, 'p')},
                                    {"address", "x"},
                                    {"phone", "03-1111-0001"},
                                    {"email", "it@cust-01.example"}})
                .status,
            413);
  EXPECT_EQ(env_->Count("contact_requests"), 0);
  EXPECT_EQ(env_->Count("customer_changes"), 0);
  ExpectNoMail();
  // The server goes on serving.
  EXPECT_EQ(client->Get("/products").status, 200);
}

TEST_F(PortalSecurityTest, HugeHeadersAre431) {
  HttpClient client(env_->url());
  HttpResponse r = client.Get("/signin", {{"X-Filler", std::string(20000, 'a')}});
  EXPECT_EQ(r.status, 431) << r.error;
  HttpResponse many;
  HttpHeaders headers;
  for (int i = 0; i < 400; ++i) headers.emplace_back("X-H" + std::to_string(i), "0123456789");
  many = client.Get("/signin", headers);
  EXPECT_EQ(many.status, 431) << many.error;
  EXPECT_EQ(client.Get("/signin").status, 200);
}

TEST_F(PortalSecurityTest, AStalledClientIsCutOffAfterTheIdleTimeoutWhileOthersAreServed) {
  // Half a request line and headers, then nothing; and full headers with half
  // the announced body.
  RawConnection half_header(env_->port());
  ASSERT_TRUE(half_header.connected());
  ASSERT_TRUE(half_header.Send("GET /signin HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "));
  RawConnection half_body(env_->port());
  ASSERT_TRUE(half_body.connected());
  ASSERT_TRUE(half_body.Send(
      "POST /signin HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
      "application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nuser_id=cust-01&"));
  const auto stalled_at = Clock::now();

  // Meanwhile others are served at once.
  HttpClient other(env_->url());
  for (int i = 0; i < 3; ++i) {
    const auto start = Clock::now();
    EXPECT_EQ(other.Get("/signin").status, 200);
    EXPECT_LT(Clock::now() - start, milliseconds(1500));
  }

  bool closed = false;
  half_header.ReadUntilClosed(seconds(8), &closed);
  EXPECT_TRUE(closed) << "the stalled request was not cut off";
  const auto header_cut = Clock::now() - stalled_at;
  closed = false;
  half_body.ReadUntilClosed(seconds(8), &closed);
  EXPECT_TRUE(closed) << "the stalled body was not cut off";
  const auto body_cut = Clock::now() - stalled_at;
  // idle-timeout-s="2" (PortalEnvOptions): not before, and not much after.
  EXPECT_GE(header_cut, milliseconds(1500));
  EXPECT_LT(header_cut, seconds(6));
  EXPECT_GE(body_cut, milliseconds(1500));
  EXPECT_LT(body_cut, seconds(6));
  EXPECT_EQ(env_->Count("portal_sessions"), 0);
  EXPECT_EQ(other.Get("/signin").status, 200);
}

class PortalBurstTest : public PortalSecurityTest {
 protected:
  PortalBurstTest() { skip_default_start_ = true; }
};

TEST_F(PortalBurstTest, ABurstOfContactPostsIsLimitedAndEveryAcceptedOneIsStoredAndMailed) {
  PortalEnvOptions options;
  options.post_burst = 20;
  options.post_per_second = 0.001;
  StartPortal(options);
  auto client = SignedIn("cust-01");  // one POST of the 20
  const std::string product = FirstOffer(*client);
  const FormFields fields = ContactFields(*client, product);
  int accepted = 0, limited = 0, first_limited = -1;
  bool accepted_after_limit = false;
  for (int i = 0; i < 100; ++i) {
    HttpResponse r = client->Post("/contact", fields);
    if (r.status == 303) {
      ++accepted;
      if (first_limited >= 0) accepted_after_limit = true;
    } else if (r.status == 429) {
      if (first_limited < 0) first_limited = i;
      ++limited;
      const std::string retry = r.Header("Retry-After");
      EXPECT_TRUE(std::regex_match(retry, std::regex("[1-9][0-9]*"))) << "Retry-After " << retry;
    } else {
      ADD_FAILURE() << "POST " << i << ": " << r.status << " " << r.error;
    }
  }
  EXPECT_EQ(accepted, 19);
  EXPECT_EQ(limited, 81);
  EXPECT_EQ(first_limited, 19);
  EXPECT_FALSE(accepted_after_limit);
  EXPECT_EQ(env_->Count("contact_requests"), accepted);
  std::vector<ReceivedMail> mails = WaitForMails(static_cast<size_t>(accepted), seconds(30));
  EXPECT_EQ(mails.size(), static_cast<size_t>(accepted));
  for (const ReceivedMail& m : mails) EXPECT_EQ(m.rcpt_to, std::vector<std::string>{kPortalSales1});
  EXPECT_EQ(env_->Query("SELECT count(*) FROM outbox WHERE state = 'sent'")[0][0],
            std::to_string(accepted));
}

TEST_F(PortalBurstTest, RepeatedWrongPasswordsLockTheAccountEvenForTheRightPassword) {
  PortalEnvOptions options;
  options.max_failures = 3;
  options.lock_s = 600;
  StartPortal(options);
  HttpClient client(env_->url());
  // The third failure locks (401, 401, 429), as portal/portal.cc answers.
  for (int i = 1; i <= 3; ++i) {
    HttpResponse r = client.SignIn("cust-01", "wrong password " + std::to_string(i));
    EXPECT_EQ(r.status, i < 3 ? 401 : 429) << "attempt " << i;
    EXPECT_TRUE(client.cookies().count("periscope_session") == 0);
  }
  HttpResponse locked = client.SignIn("cust-01", kPortalPassword);
  EXPECT_EQ(locked.status, 429);
  const std::string retry = locked.Header("Retry-After");
  ASSERT_TRUE(std::regex_match(retry, std::regex("[0-9]+"))) << retry;
  EXPECT_GT(std::stoi(retry), 500);
  EXPECT_LE(std::stoi(retry), 600);
  EXPECT_TRUE(client.cookies().count("periscope_session") == 0);
  EXPECT_EQ(env_->Count("portal_sessions"), 0);
  EXPECT_NE(env_->Query("SELECT locked_until FROM portal_accounts a JOIN customers c ON "
                        "c.id = a.customer_id WHERE c.user_id = 'cust-01'")[0][0],
            "0");
  // Another account is not locked with it.
  HttpClient other(env_->url());
  EXPECT_EQ(other.SignIn("cust-02").status, 303);
  EXPECT_EQ(env_->Count("portal_sessions"), 1);
  ExpectNoMail();
}

TEST_F(PortalSecurityTest, TheSessionCookieIsSecureHttpOnlyStrictAndSignOutRevokesIt) {
  HttpClient client(env_->url());
  HttpResponse signin_page = client.Get("/signin");
  const std::string pre = signin_page.SetCookie("periscope_pre");
  for (const char* attribute : {"; Secure", "; HttpOnly", "; SameSite=Strict"}) {
    EXPECT_NE(pre.find(attribute), std::string::npos) << pre;
  }
  HttpResponse signed_in = client.Post(
      "/signin",
      {{"csrf", CsrfOf(signin_page.body)}, {"user_id", "cust-01"}, {"password", kPortalPassword}});
  ASSERT_EQ(signed_in.status, 303);
  EXPECT_EQ(signed_in.Header("Location"), "/products");
  const std::string cookie = signed_in.SetCookie("periscope_session");
  for (const char* attribute : {"; Secure", "; HttpOnly", "; SameSite=Strict", "; Path=/"}) {
    EXPECT_NE(cookie.find(attribute), std::string::npos) << cookie;
  }
  const std::string token = client.cookies()["periscope_session"];
  ASSERT_GE(token.size(), 32U);
  // The store keeps only the token's hash.
  EXPECT_EQ(
      env_->Query("SELECT count(*) FROM portal_sessions WHERE token_sha256 = ?", {token})[0][0],
      "0");
  HttpResponse products = client.Get("/products");
  ASSERT_EQ(products.status, 200);
  const std::string csrf = CsrfOf(products.body);

  HttpResponse out = client.Post("/signout", {{"csrf", csrf}});
  EXPECT_EQ(out.status, 303);
  EXPECT_EQ(out.Header("Location"), "/signin");
  EXPECT_EQ(client.cookies().count("periscope_session"), 0U);
  EXPECT_EQ(env_->Query("SELECT count(*) FROM portal_sessions WHERE revoked_at IS NOT NULL")[0][0],
            "1");

  // The old cookie is worth nothing now.
  const HttpHeaders old = {{"Cookie", "periscope_session=" + token}};
  HttpResponse again = client.Get("/products", old);
  EXPECT_EQ(again.status, 303);
  EXPECT_EQ(again.Header("Location"), "/signin");
  HttpHeaders post_old = old;
  EXPECT_EQ(client
                .Post("/account",
                      {{"csrf", csrf},
                       {"contact_person", "Old Cookie"},
                       {"address", "x"},
                       {"phone", "03-1111-0001"},
                       {"email", "it@cust-01.example"}},
                      post_old)
                .status,
            403);
  EXPECT_EQ(env_->Count("customer_changes"), 0);
  ExpectNoMail();
}

TEST_F(PortalSecurityTest, AnInviteLinkSetsTheFirstPasswordOnlyOnce) {
  CommandResult invite = env_->RunPortal({"invite", "cust-03"});
  ASSERT_EQ(invite.exit_code, 0) << invite.output;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(invite.output, m,
                                std::regex("link: (\\S+?/invite\\?token=(\\S+?))[ ;)\n]")))
      << invite.output;
  const std::string link = m[1];
  const std::string token = m[2];
  const std::string path = link.substr(link.find("/invite?"));
  std::vector<ReceivedMail> mails = WaitForMails(1);
  ASSERT_EQ(mails.size(), 1U);
  EXPECT_EQ(mails[0].rcpt_to, std::vector<std::string>{"it@cust-03.example"});
  EXPECT_NE(UnfoldMail(mails[0].data).find(token), std::string::npos);
  // Only the hash is stored.
  EXPECT_EQ(
      env_->Query("SELECT count(*) FROM portal_invites WHERE token_sha256 = ?", {token})[0][0],
      "0");

  HttpClient client(env_->url());
  HttpResponse page = client.Get(path);
  ASSERT_EQ(page.status, 200) << page.body;
  const FormFields fields = {{"csrf", CsrfOf(page.body)},
                             {"token", token},
                             {"password", "a new passphrase"},
                             {"password_confirm", "a new passphrase"}};
  HttpResponse set = client.Post("/invite", fields);
  ASSERT_EQ(set.status, 303) << set.body;
  EXPECT_EQ(set.Header("Location"), "/products");
  EXPECT_EQ(client.Get("/products").status, 200);

  HttpClient second(env_->url());
  HttpResponse second_page = second.Get(path);
  EXPECT_EQ(second_page.status, 410);
  HttpResponse signin = second.Get("/signin");
  FormFields reuse = fields;
  reuse[0].second = CsrfOf(signin.body);
  reuse[2].second = reuse[3].second = "another passphrase";
  EXPECT_EQ(second.Post("/invite", reuse).status, 410);
  EXPECT_EQ(second.cookies().count("periscope_session"), 0U);

  // The password is the first one.
  HttpClient later(env_->url());
  EXPECT_EQ(later.SignIn("cust-03", "another passphrase").status, 401);
  EXPECT_EQ(later.SignIn("cust-03", "a new passphrase").status, 303);
  EXPECT_EQ(env_->smtp().ReceivedCount(), 1U);
}

class PortalSmtpDownTest : public PortalSecurityTest {
 protected:
  PortalSmtpDownTest() { skip_default_start_ = true; }
};

TEST_F(PortalSmtpDownTest, ARequestWhileSmtpIsDownIsKeptQueuedAndMailedOnceItIsBack) {
  PortalEnvOptions options;
  options.smtp_up = false;
  options.first_retry_delay_s = 1;
  StartPortal(options);
  auto client = SignedIn("cust-01");
  const std::string product = FirstOffer(*client);
  HttpResponse sent = client->Post("/contact", ContactFields(*client, product));
  ASSERT_EQ(sent.status, 303) << sent.body;
  EXPECT_EQ(env_->Count("contact_requests"), 1);
  // The delivery pass right after the request fails and leaves it queued (the
  // row is 'sending' with attempts 1 while that pass runs).
  ASSERT_TRUE(WaitFor(
      [&] {
        auto row = env_->Query("SELECT attempts, state FROM outbox")[0];
        return row[0] != "0" && row[1] == "queued";
      },
      seconds(10)))
      << env_->PortalLog();
  const std::string location = sent.Header("Location");
  const std::string id = location.substr(location.find('=') + 1);
  HttpResponse listed = client->Get(location);
  ASSERT_EQ(listed.status, 200);
  EXPECT_NE(listed.body.find("id=\"notice\""), std::string::npos);
  // The request's row says its mail is still queued (tr[data-id][data-mail-state]).
  auto RowOf = [&](const std::string& page) {
    size_t at = page.find("data-id=\"" + id + "\"");
    if (at == std::string::npos) return std::string();
    size_t start = page.rfind("<tr", at);
    return page.substr(start, page.find("</tr>", at) - start);
  };
  EXPECT_NE(RowOf(listed.body).find("data-mail-state=\"queued\""), std::string::npos)
      << RowOf(listed.body);

  ASSERT_TRUE(env_->StartSmtp()) << env_->error();
  const auto back = Clock::now();
  // The portal retries by itself once the first retry delay has passed
  // (first-retry-delay-s="1"), well before its 30 s tick.
  ASSERT_TRUE(WaitFor([&] { return env_->smtp().ReceivedCount() >= 1; }, seconds(10)))
      << env_->PortalLog();
  std::cout << "mail arrived "
            << std::chrono::duration_cast<milliseconds>(Clock::now() - back).count()
            << " ms after the SMTP server came back\n";
  std::vector<ReceivedMail> mails = WaitForMails(1);
  ASSERT_EQ(mails.size(), 1U);
  EXPECT_EQ(mails[0].rcpt_to, std::vector<std::string>{kPortalSales1});
  EXPECT_NE(UnfoldMail(mails[0].data).find("Please call me about this."), std::string::npos);
  EXPECT_TRUE(
      WaitFor([&] { return env_->Query("SELECT state FROM outbox")[0][0] == "sent"; }, seconds(5)));
  EXPECT_NE(RowOf(client->Get("/requests").body).find("data-mail-state=\"sent\""),
            std::string::npos);
}

}  // namespace
}  // namespace periscope::testing
