// The inquiry client end to end: SendInquiry and RefreshPendingInquiries
// against the reference responder process and misbehaving HTTP servers on
// loopback, with the answers in a real store.
#include "reports/inquiry.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <regex>
#include <string>
#include <thread>

#include "core/unique_fd.h"
#include "store/inquiries.h"
#include "store/schema.h"
#include "tests/factory/factory_env.h"
#include "tests/support/process.h"

namespace periscope::reports {
namespace {

using periscope::testing::FactorySite;
using periscope::testing::StartFactory;
using periscope::testing::TempDir;

class FixedClock final : public Clock {
 public:
  std::chrono::system_clock::time_point Now() const override {
    return std::chrono::system_clock::time_point(std::chrono::seconds(1796126400));
  }
};

// A TCP listener on 127.0.0.1 at a kernel-chosen port.
UniqueFd ListenLoopback(int* port) {
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&addr), &len);
  ::listen(fd.get(), 8);
  *port = ntohs(addr.sin_port);
  return fd;
}

// A site that misbehaves in one way: it never answers (holds the connection
// until stopped), answers with a fixed status and body, or (kImpostor) answers
// the request's ID in the name of site `body`.
class BadSite {
 public:
  enum class Mode { kSilent, kFixed, kImpostor };
  BadSite(Mode mode, int status_code = 200, std::string body = "")
      : mode_(mode), status_code_(status_code), body_(std::move(body)) {
    listener_ = ListenLoopback(&port_);
    thread_ = std::thread([this] { Serve(); });
  }
  ~BadSite() {
    stop_ = true;
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/inquiry"; }

 private:
  void Serve() {
    while (!stop_) {
      pollfd p{listener_.get(), POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      UniqueFd conn(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
      if (conn.get() < 0) continue;
      std::string request = ReadRequest(conn.get());
      if (mode_ == Mode::kSilent) {
        while (!stop_) std::this_thread::sleep_for(std::chrono::milliseconds(20));
        return;
      }
      std::string body = body_;
      if (mode_ == Mode::kImpostor) {
        size_t start = request.find("\r\n\r\n");
        auto inquiry = ParseInquiryXml(request.substr(start + 4), "request");
        SiteAnswer answer;
        answer.inquiry_key = inquiry.ok() ? inquiry->inquiry_key : "none";
        answer.site = body_;
        answer.status = AnswerStatus::kPending;
        body = BuildAnswerXml(answer);
      }
      std::string reply = "HTTP/1.1 " + std::to_string(status_code_) +
                          " X\r\nContent-Type: application/xml\r\nConnection: close\r\n"
                          "Content-Length: " +
                          std::to_string(body.size()) + "\r\n\r\n" + body;
      (void)!::send(conn.get(), reply.data(), reply.size(), MSG_NOSIGNAL);
    }
  }
  // Reads headers and a Content-Length body (up to 2 s).
  std::string ReadRequest(int fd) {
    std::string data;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    while (std::chrono::steady_clock::now() < deadline && !stop_) {
      size_t end = data.find("\r\n\r\n");
      if (end != std::string::npos) {
        std::smatch m;
        std::string head = data.substr(0, end);
        size_t length = 0;
        if (std::regex_search(head, m,
                              std::regex("Content-Length: *([0-9]+)", std::regex::icase))) {
          length = std::stoul(m[1]);
        }
        if (data.size() >= end + 4 + length) return data;
      }
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      char buf[4096];
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) return data;
      data.append(buf, static_cast<size_t>(n));
    }
    return data;
  }

  Mode mode_;
  int status_code_;
  std::string body_;
  UniqueFd listener_;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// A loopback port that nothing listens on (bound, then closed).
int ClosedPort() {
  int port = 0;
  UniqueFd fd = ListenLoopback(&port);
  return port;
}

class InquiryClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = store::Db::OpenWriter(dir_.File("h.db"), store::OpenMode::kCreate);
    ASSERT_TRUE(db.ok()) << db.status().message();
    db_ = std::move(*db);
    ASSERT_TRUE(store::Migrate(*db_).ok());
    ASSERT_TRUE(db_->Exec(R"sql(
INSERT INTO customers (id, user_id, name) VALUES (1, 'cust-1', 'ACME');
INSERT INTO targets (id, address, port, profile, customer_id) VALUES (1, '10.0.0.1', 161, 'p', 1);
INSERT INTO devices (id, target_id, device_index, serial_number, first_seen, last_seen)
  VALUES (1, 1, 1, 'SN-1', 0, 0);
INSERT INTO proposals (id, device_id, customer_id, kind, status, product_number, product_name,
  quantity, unit_price_minor_units, price_minor_units, currency, confidence, summary,
  evidence_json, material_key, raised_at, changed_at, checked_at)
VALUES (7, 1, 1, 'capacity', 'mailed', 'PS-ADD-2TB', '2 TB add-on', 2, 100, 200, 'JPY', 'high',
  's', '{}', 'k', 0, 0, 0);
)sql")
                    .ok());
    auto http = MakeCurlHttpClient();
    ASSERT_TRUE(http.ok()) << http.status().message();
    http_ = std::move(*http);
    tokyo_ = StartFactory(dir_, "tokyo");
    ASSERT_FALSE(tokyo_.url.empty()) << tokyo_.process->Log();
  }

  SiteConfig Site(const std::string& name, const std::string& url,
                  std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    return SiteConfig{name, url, timeout};
  }

  Result<InquiryOutcome> Send(const std::string& product, const std::vector<SiteConfig>& sites) {
    return SendInquiry(*db_, 7, product, 2, "Store near Shinjuku", "hanako@v.example", sites,
                       *http_, clock_);
  }

  std::map<std::string, store::InquiryAnswerRow> Answers(const std::string& key) {
    auto row = store::FindInquiryByKey(*db_, key);
    EXPECT_TRUE(row.ok() && row->has_value());
    std::map<std::string, store::InquiryAnswerRow> by_site;
    if (row.ok() && row->has_value()) {
      for (const auto& a : (*row)->answers) by_site[a.site] = a;
    }
    return by_site;
  }

  TempDir dir_;
  std::unique_ptr<store::Db> db_;
  std::unique_ptr<HttpClient> http_;
  FixedClock clock_;
  FactorySite tokyo_;
};

TEST_F(InquiryClientTest, AnswerIsStoredAndListedAndProposalBecomesInquired) {
  auto outcome = Send("PS-ADD-2TB", {Site("tokyo", tokyo_.url)});
  ASSERT_TRUE(outcome.ok()) << outcome.status().message();
  EXPECT_TRUE(std::regex_match(outcome->inquiry_key, std::regex("INQ-[0-9a-f]{16}")))
      << outcome->inquiry_key;
  ASSERT_EQ(outcome->results.size(), 1u);
  EXPECT_EQ(outcome->results[0].state, SiteState::kAnswered) << outcome->results[0].message;

  store::InquiryFilter filter;
  filter.proposal_id = 7;
  auto listed = store::ListInquiries(*db_, filter);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  const store::InquiryRow& row = (*listed)[0];
  EXPECT_EQ(row.inquiry_key, outcome->inquiry_key);
  EXPECT_EQ(row.proposal_status, "inquired");
  EXPECT_EQ(row.delivery_place, "Store near Shinjuku");
  EXPECT_EQ(row.customer_user_id, "cust-1");
  ASSERT_EQ(row.answers.size(), 1u);
  const store::InquiryAnswerRow& a = row.answers[0];
  EXPECT_EQ(a.site, "tokyo");
  EXPECT_EQ(a.state, "answered");
  EXPECT_EQ(a.in_stock, true);
  EXPECT_EQ(a.retailer, "Store Ginza");
  EXPECT_TRUE(a.delivery_date.has_value());
  EXPECT_EQ(a.attempts, 1);
}

TEST_F(InquiryClientTest, EachFailingSiteIsRecordedOnItsOwnWhileTheGoodSiteAnswers) {
  BadSite silent(BadSite::Mode::kSilent);
  BadSite error500(BadSite::Mode::kFixed, 500, "oops");
  BadSite garbage(BadSite::Mode::kFixed, 200, "<answer>not ours");
  // A well-formed answer, but to another inquiry; and one in another site's name.
  SiteAnswer other;
  other.inquiry_key = "INQ-00000000deadbeef";
  other.site = "wrong-id";
  other.status = AnswerStatus::kPending;
  BadSite wrong_id(BadSite::Mode::kFixed, 200, BuildAnswerXml(other));
  BadSite impostor(BadSite::Mode::kImpostor, 200, "tokyo");
  int closed = ClosedPort();

  std::vector<SiteConfig> sites = {
      Site("silent", silent.url(), std::chrono::milliseconds(300)),
      Site("error500", error500.url()),
      Site("tokyo", tokyo_.url),
      Site("garbage", garbage.url()),
      Site("closed", "http://127.0.0.1:" + std::to_string(closed) + "/inquiry"),
      Site("wrong-id", wrong_id.url()),
      Site("impostor", impostor.url()),
  };
  auto outcome = Send("PS-ADD-2TB", sites);
  ASSERT_TRUE(outcome.ok()) << outcome.status().message();
  auto answers = Answers(outcome->inquiry_key);
  ASSERT_EQ(answers.size(), sites.size());
  EXPECT_EQ(answers["tokyo"].state, "answered");
  EXPECT_EQ(answers["tokyo"].retailer, "Store Ginza");
  EXPECT_EQ(answers["silent"].state, "timeout") << answers["silent"].message;
  EXPECT_EQ(answers["error500"].state, "http-error");
  EXPECT_NE(answers["error500"].message.find("http 500"), std::string::npos);
  EXPECT_EQ(answers["garbage"].state, "malformed");
  EXPECT_NE(answers["garbage"].message.find("XML syntax error"), std::string::npos)
      << answers["garbage"].message;
  EXPECT_EQ(answers["closed"].state, "unreachable") << answers["closed"].message;
  EXPECT_EQ(answers["wrong-id"].state, "malformed");
  EXPECT_NE(answers["wrong-id"].message.find("INQ-00000000deadbeef"), std::string::npos);
  EXPECT_EQ(answers["impostor"].state, "malformed");
  EXPECT_NE(answers["impostor"].message.find("names itself 'tokyo'"), std::string::npos)
      << answers["impostor"].message;
  for (const auto& [site, a] : answers) {
    if (site != "tokyo") {
      EXPECT_FALSE(a.in_stock.has_value()) << site;
      EXPECT_FALSE(a.delivery_date.has_value()) << site;
    }
  }
}

TEST_F(InquiryClientTest, PendingAnswerIsCompletedByRefreshMatchedByItsId) {
  auto outcome = Send("PS-A900", {Site("tokyo", tokyo_.url)});
  ASSERT_TRUE(outcome.ok()) << outcome.status().message();
  EXPECT_EQ(Answers(outcome->inquiry_key)["tokyo"].state, "pending");

  auto refreshed = RefreshPendingInquiries(*db_, {Site("tokyo", tokyo_.url)}, *http_, clock_);
  ASSERT_TRUE(refreshed.ok()) << refreshed.status().message();
  EXPECT_EQ(*refreshed, 1);
  store::InquiryAnswerRow a = Answers(outcome->inquiry_key)["tokyo"];
  EXPECT_EQ(a.state, "answered");
  EXPECT_EQ(a.retailer, "Store Umeda");
  EXPECT_EQ(a.in_stock, false);  // 2 asked, 1 in stock
  EXPECT_EQ(a.attempts, 2);

  // Nothing is left to ask.
  auto again = RefreshPendingInquiries(*db_, {Site("tokyo", tokyo_.url)}, *http_, clock_);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, 0);
}

TEST_F(InquiryClientTest, FailedSiteIsRetriedUpToTheLimitAndAnswersWhenBack) {
  int closed = ClosedPort();
  std::string dead_url = "http://127.0.0.1:" + std::to_string(closed) + "/inquiry";
  auto outcome = Send("PS-ADD-2TB", {Site("osaka", dead_url)});
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(Answers(outcome->inquiry_key)["osaka"].state, "unreachable");
  RetryPolicy policy;
  policy.max_failed_attempts = 2;
  auto first = RefreshPendingInquiries(*db_, {Site("osaka", dead_url)}, *http_, clock_, policy);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(*first, 0);
  EXPECT_EQ(Answers(outcome->inquiry_key)["osaka"].attempts, 2);
  // At the limit: the site is not asked again even though it is up now.
  FactorySite osaka = StartFactory(dir_, "osaka");
  ASSERT_FALSE(osaka.url.empty()) << osaka.process->Log();
  auto capped = RefreshPendingInquiries(*db_, {Site("osaka", osaka.url)}, *http_, clock_, policy);
  ASSERT_TRUE(capped.ok());
  EXPECT_EQ(*capped, 0);
  EXPECT_EQ(Answers(outcome->inquiry_key)["osaka"].attempts, 2);
  // Under a higher limit it is asked once more and its answer is stored.
  policy.max_failed_attempts = 3;
  auto back = RefreshPendingInquiries(*db_, {Site("osaka", osaka.url)}, *http_, clock_, policy);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, 1);
  store::InquiryAnswerRow a = Answers(outcome->inquiry_key)["osaka"];
  EXPECT_EQ(a.state, "answered") << a.message;
  EXPECT_EQ(a.retailer, "Store Ginza");
  EXPECT_EQ(a.attempts, 3);
}

TEST_F(InquiryClientTest, LateAnswerFileIsMatchedByIdAndSite) {
  BadSite silent(BadSite::Mode::kSilent);
  auto outcome = Send("PS-ADD-2TB", {Site("nagoya", silent.url(), std::chrono::milliseconds(200))});
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(Answers(outcome->inquiry_key)["nagoya"].state, "timeout");

  SiteAnswer late;
  late.inquiry_key = outcome->inquiry_key;
  late.site = "nagoya";
  late.in_stock = true;
  late.retailer = "Store Sakae";
  late.delivery_date = 20261224;
  ASSERT_TRUE(RecordLateAnswer(*db_, BuildAnswerXml(late), "late.xml", clock_).ok());
  store::InquiryAnswerRow a = Answers(outcome->inquiry_key)["nagoya"];
  EXPECT_EQ(a.state, "answered");
  EXPECT_EQ(a.retailer, "Store Sakae");
  EXPECT_EQ(a.delivery_date, 20261224u);
  EXPECT_EQ(a.attempts, 1);  // an answer that came by itself is not an attempt

  late.site = "kobe";
  Status other_site = RecordLateAnswer(*db_, BuildAnswerXml(late), "late.xml", clock_);
  EXPECT_EQ(other_site.code(), StatusCode::kNotFound);
  EXPECT_NE(other_site.message().find("'kobe'"), std::string::npos) << other_site.message();
}

TEST_F(InquiryClientTest, LateAnswerForAnUnknownIdIsNotFoundNamingIt) {
  SiteAnswer late;
  late.inquiry_key = "INQ-ffffffffffffffff";
  late.site = "tokyo";
  late.status = AnswerStatus::kPending;
  Status s = RecordLateAnswer(*db_, BuildAnswerXml(late), "late.xml", clock_);
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_NE(s.message().find("INQ-ffffffffffffffff"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("late.xml"), std::string::npos) << s.message();
}

TEST_F(InquiryClientTest, BadSiteConfigOrProposalFailsBeforeAnythingIsSent) {
  auto no_sites = Send("PS-ADD-2TB", {});
  EXPECT_EQ(no_sites.status().code(), StatusCode::kInvalidArgument);
  auto ftp = Send("PS-ADD-2TB", {Site("ftp", "ftp://127.0.0.1/x")});
  EXPECT_EQ(ftp.status().code(), StatusCode::kInvalidArgument);
  auto twice = Send("PS-ADD-2TB", {Site("a", tokyo_.url), Site("a", tokyo_.url)});
  EXPECT_EQ(twice.status().code(), StatusCode::kInvalidArgument);
  auto missing =
      SendInquiry(*db_, 99, "PS-ADD-2TB", 1, "x", "y", {Site("tokyo", tokyo_.url)}, *http_, clock_);
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  auto listed = store::ListInquiries(*db_);
  ASSERT_TRUE(listed.ok());
  EXPECT_TRUE(listed->empty());
}

TEST(CurlHttpClientTest, ErrorsNeverShowUrlCredentials) {
  auto http = MakeCurlHttpClient();
  ASSERT_TRUE(http.ok());
  int closed = ClosedPort();
  auto r = (*http)->Post("http://user:s3cret@127.0.0.1:" + std::to_string(closed) + "/inquiry",
                         "application/xml", "<x/>", std::chrono::seconds(5));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(r.status().message().find("s3cret"), std::string::npos) << r.status().message();
  EXPECT_EQ(RedactUrl("https://a:b@h.example:8443/p?q=1"), "https://h.example:8443/p?q=1");
}

TEST(CurlHttpClientTest, OversizedResponseIsRefused) {
  BadSite huge(BadSite::Mode::kFixed, 200, std::string(kMaxHttpResponseBytes + 1, 'x'));
  auto http = MakeCurlHttpClient();
  ASSERT_TRUE(http.ok());
  auto r = (*http)->Post(huge.url(), "application/xml", "<x/>", std::chrono::seconds(5));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kResourceExhausted) << r.status().message();
}

TEST(InquiryKeyTest, KeysAreFreshHexFromTheRandomSource) {
  auto a = NewInquiryKey();
  auto b = NewInquiryKey();
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_TRUE(std::regex_match(*a, std::regex("INQ-[0-9a-f]{16}"))) << *a;
  EXPECT_NE(*a, *b);
}

}  // namespace
}  // namespace periscope::reports
