// Test support for periscope-portal end to end (issue 9): a real portal
// process over a real store, a real SMTP server, and a small HTTP client.
//
// PortalEnv builds, once per test process, a template store with the real
// binaries: `periscope-store init`, a simulated fleet's months of history
// (WriteFleetToStore), `periscope-store import staff|customers` (two sales
// persons, cust-01..cust-03 assigned, cust-lone without a sales person), one
// `periscope-report run --no-mail --no-reports` for proposals, and
// `periscope-portal set-password` for cust-01, cust-02 and cust-lone. Each
// PortalEnv copies that store into its own temp dir (PostgreSQL, in the /pg
// run of tests/support/test_store.h: into a new database made from the
// template database), starts an SMTP server
// (aiosmtpd) and `periscope-portal serve` on port 0, and reads the URL from
// its first stdout line. Every process it starts is stopped by Stop() or the
// destructor.
#ifndef PERISCOPE_TESTS_SUPPORT_PORTAL_ENV_H_
#define PERISCOPE_TESTS_SUPPORT_PORTAL_ENV_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tests/support/process.h"
#include "tests/support/smtp_server.h"

namespace periscope::testing {

// The demo password of cust-01, cust-02 and cust-lone (cust-03 has none: it is
// the one to invite).
inline constexpr const char* kPortalPassword = "correct horse battery";
// The sales persons (as tests/support/demo_store.h): cust-01 and cust-03 are
// Hanako Sato's, cust-02 Jiro Tanaka's; cust-lone has nobody.
inline constexpr const char* kPortalSales1 = "sales@vendor.example";
inline constexpr const char* kPortalSales2 = "sales2@vendor.example";

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;
using FormFields = std::vector<std::pair<std::string, std::string>>;

struct HttpResponse {
  int status = 0;       // 0: no HTTP answer (see error)
  std::string error;    // the transport error, "" when an answer came
  HttpHeaders headers;  // names as sent, in order (Set-Cookie may repeat)
  std::string body;

  // The first header of that name (case-insensitive), "" when absent.
  std::string Header(std::string_view name) const;
  std::vector<std::string> Headers(std::string_view name) const;
  // The Set-Cookie header value for cookie `name`, "" when none.
  std::string SetCookie(std::string_view name) const;
};

// application/x-www-form-urlencoded.
std::string FormEncode(const FormFields& fields);
std::string UrlEncodeComponent(std::string_view text);
// The value of a page's first hidden csrf input, "" when none.
std::string CsrfOf(const std::string& html);
// The href values starting with `prefix`, in page order, with &amp; decoded.
std::vector<std::string> HrefsStartingWith(const std::string& html, const std::string& prefix);
// A mail's text with quoted-printable soft line breaks ("=" CRLF) undone.
std::string UnfoldMail(std::string mail);
// A mail's header block (up to the first empty line), unfolded.
std::string MailHeaders(const std::string& mail);

// A cookie-keeping HTTP/1.1 client (libcurl) for one origin. Not thread-safe;
// use one per thread.
class HttpClient {
 public:
  explicit HttpClient(std::string base_url);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends `method` `path` with the jar's cookies (unless a Cookie header is
  // given) and keeps the Set-Cookie answers (Max-Age=0 removes). Redirects
  // are not followed. A transport failure is status 0 with `error`.
  HttpResponse Request(const std::string& method, const std::string& path,
                       const HttpHeaders& headers = {}, const std::string& body = "",
                       long timeout_ms = 20000);
  HttpResponse Get(const std::string& path, const HttpHeaders& headers = {});
  // A form POST with Origin: the base URL (unless `headers` names Origin or
  // `with_origin` is false).
  HttpResponse Post(const std::string& path, const FormFields& fields,
                    const HttpHeaders& headers = {}, bool with_origin = true);

  // Signs in through the sign-in page as a browser does; on success (303)
  // the jar holds the session and csrf() is the session's form token (from
  // /products). Returns the POST's answer.
  HttpResponse SignIn(const std::string& user_id, const std::string& password = kPortalPassword);
  const std::string& csrf() const { return csrf_; }

  std::map<std::string, std::string>& cookies() { return cookies_; }
  const std::string& base_url() const { return base_url_; }

 private:
  std::string base_url_;
  std::map<std::string, std::string> cookies_;
  std::string csrf_;
  void* curl_ = nullptr;  // CURL*
};

// A raw TCP connection to 127.0.0.1:port for clients that misbehave on
// purpose (a stalled request, a huge header).
class RawConnection {
 public:
  explicit RawConnection(int port);
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;
  bool connected() const { return fd_ >= 0; }
  // False when the peer refused or closed.
  bool Send(std::string_view data);
  // Reads until the peer closes or `timeout` passes; `*closed` tells which.
  std::string ReadUntilClosed(std::chrono::milliseconds timeout, bool* closed);

 private:
  int fd_ = -1;
};

struct PortalEnvOptions {
  int max_failures = 5;
  int lock_s = 900;
  int idle_timeout_s = 2;
  size_t max_header_bytes = 8192;
  size_t max_body_bytes = 16384;
  // Rate limits, generous by default (tests of other things make many
  // requests from one address); a test of the limits lowers them.
  double post_burst = 10000, post_per_second = 1000;
  double account_burst = 10000, account_per_second = 1000;
  double address_burst = 10000, address_per_second = 1000;
  // false: the SMTP port is reserved but nothing listens (StartSmtp later).
  bool smtp_up = true;
  int first_retry_delay_s = 1;
};

class PortalEnv {
 public:
  explicit PortalEnv(PortalEnvOptions options = {});
  ~PortalEnv();
  PortalEnv(const PortalEnv&) = delete;
  PortalEnv& operator=(const PortalEnv&) = delete;

  // The store, the SMTP server (when smtp_up) and the portal; false with
  // error() set when something did not come up.
  bool Start();
  void Stop();
  const std::string& error() const { return error_; }

  // Starts the SMTP server on the reserved port (when smtp_up was false).
  bool StartSmtp();
  SmtpServer& smtp() { return *smtp_; }
  std::vector<ReceivedMail> Mails() const { return smtp_->Received(); }

  const std::string& url() const { return url_; }  // "http://127.0.0.1:PORT"
  int port() const { return port_; }
  // The SQLite file or the PostgreSQL URI of this env's store.
  const std::string& db_path() const { return db_path_; }
  const std::string& config_path() const { return config_path_; }
  const TempDir& dir() const { return dir_; }
  std::string PortalLog() const;

  // periscope-portal -c CONFIG ARGS... (stdin: `input`); once the server is
  // listening, CONFIG has <public-url> set to its URL (links name it).
  CommandResult RunPortal(const std::vector<std::string>& args, const std::string& input = "");

  // Read-only queries of the store (its own connection each call).
  std::vector<std::vector<std::string>> Query(const std::string& sql,
                                              const std::vector<std::string>& params = {}) const;
  int64_t Count(const std::string& table) const;

 private:
  PortalEnvOptions options_;
  TempDir dir_;
  std::string db_path_, config_path_, cli_config_path_, report_config_path_, error_, url_;
  int port_ = 0;
  int smtp_port_ = 0;
  std::unique_ptr<SmtpServer> smtp_;
  std::unique_ptr<Process> portal_;
};

}  // namespace periscope::testing

#endif  // PERISCOPE_TESTS_SUPPORT_PORTAL_ENV_H_
