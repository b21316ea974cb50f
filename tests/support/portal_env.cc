#include "tests/support/portal_env.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <regex>
#include <stdexcept>

#include <fmt/format.h>

#include "core/clock.h"
#include "render/html.h"
#include "store/db.h"
#include "store/registry.h"
#include "tests/support/demo_fleet.h"
#include "tests/support/demo_store.h"
#include "tests/support/pg_cluster.h"
#include "tests/support/test_store.h"

namespace periscope::testing {
namespace {

std::string StoreBinary() { return BinaryDir() + "/store/periscope-store"; }
std::string ReportBinary() { return BinaryDir() + "/reports/periscope-report"; }
std::string PortalBinary() { return BinaryDir() + "/portal/periscope-portal"; }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return std::string(s);
}

// For a value in an XML attribute or text of the configs written here.
std::string XmlAttr(const std::string& text) {
  return render::EscapeHtml(text, render::kUnbounded);
}

// The report config the template's report run and each portal read: the
// database, the shipped catalog, reports and mail kept in `dir`.
std::string ReportConfigXml(const std::string& db, const std::string& dir) {
  return fmt::format(
      "<periscope-report>\n"
      "  <database path=\"{}\"/>\n"
      "  <catalog path=\"{}/etc/catalog.xml\"/>\n"
      "  <output dir=\"{}/reports\" data-note=\"Generated test history\"/>\n"
      "  <mail from=\"periscope@vendor.example\" directory=\"{}/report-mail\"/>\n"
      "</periscope-report>\n",
      XmlAttr(db), XmlAttr(SourceDir()), XmlAttr(dir), XmlAttr(dir));
}

// `public_url` "": none (the Origin check takes the listen URL).
std::string PortalConfigXml(const std::string& db, const std::string& report_config,
                            const PortalEnvOptions& o, const std::string& smtp_url,
                            const std::string& mail_dir, const std::string& public_url = "") {
  return fmt::format(
      "<periscope-portal>\n"
      "{}"
      "  <database path=\"{}\"/>\n"
      "  <report config=\"{}\"/>\n"
      "  <listen address=\"127.0.0.1\" port=\"0\" threads=\"4\"/>\n"
      "  <limits idle-timeout-s=\"{}\" max-header-bytes=\"{}\" max-body-bytes=\"{}\"/>\n"
      "  <rate-limit address-burst=\"{}\" address-per-second=\"{}\" account-burst=\"{}\"\n"
      "              account-per-second=\"{}\" post-burst=\"{}\" post-per-second=\"{}\"/>\n"
      "  <session secure-cookies=\"true\"/>\n"
      "  <sign-in max-failures=\"{}\" lock-s=\"{}\"/>\n"
      "  <mail from=\"portal@vendor.example\" from-name=\"periscope portal\"\n"
      "        first-retry-delay-s=\"{}\" max-attempts=\"8\" directory=\"{}\">\n"
      "    <smtp url=\"{}\" local-relay=\"true\" timeout-ms=\"5000\"/>\n"
      "  </mail>\n"
      "</periscope-portal>\n",
      public_url.empty() ? "" : "  <public-url>" + XmlAttr(public_url) + "</public-url>\n",
      XmlAttr(db), XmlAttr(report_config), o.idle_timeout_s, o.max_header_bytes, o.max_body_bytes,
      o.address_burst, o.address_per_second, o.account_burst, o.account_per_second, o.post_burst,
      o.post_per_second, o.max_failures, o.lock_s, o.first_retry_delay_s, XmlAttr(mail_dir),
      XmlAttr(smtp_url));
}

CommandResult RunWithStdin(const std::vector<std::string>& argv, const std::string& input,
                           const std::string& input_file) {
  WriteTextFile(input_file, input);
  std::vector<std::string> sh = {"/bin/sh", "-c", "f=$1; shift; exec \"$@\" < \"$f\"", "sh",
                                 input_file};
  sh.insert(sh.end(), argv.begin(), argv.end());
  CommandResult r = RunCommand(sh);
  std::filesystem::remove(input_file);
  return r;
}

// The template store (see the header), built once per process. Empty path
// and *error set when a step failed.
struct Template {
  std::unique_ptr<TempDir> dir;
  std::string db;
  std::string error;
};

std::string BuildTemplate(Template& t) {
  t.dir = std::make_unique<TempDir>();
  // An SQLite file, or a PostgreSQL database in the /pg run.
  t.db = TestStoreLocation(*t.dir, "periscope.db");
  if (t.db.empty()) return "no store location (see the failure or skip above)";
  CommandResult init = RunCommand({StoreBinary(), "--db", t.db, "init"});
  if (init.exit_code != 0) return "periscope-store init: " + init.output;
  {
    auto db = store::Db::OpenWriter(t.db, store::OpenMode::kMustExist);
    if (!db.ok()) return "open: " + db.status().ToString();
    const auto now = std::chrono::system_clock::now();
    Status s = WriteFleetToStore(
        **db, MakeDemoFleet(6, 3, 90, LocalDate(now)),
        std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count());
    if (!s.ok()) return "WriteFleetToStore: " + s.ToString();
  }
  // The registry as an administrator keeps it, through the real CLI.
  WriteTextFile(t.dir->File("staff.csv"),
                fmt::format("name,email,role,phone\n"
                            "Hanako Sato,{},sales,03-5555-0001\n"
                            "Jiro Tanaka,{},sales,06-5555-0002\n"
                            "Support Desk,support@vendor.example,support,03-5555-0009\n",
                            kPortalSales1, kPortalSales2));
  WriteTextFile(t.dir->File("customers.csv"),
                fmt::format("user_id,name,contact_person,email,phone,address,sales_email\n"
                            "cust-01,Acme Storage KK,Ichiro Suzuki,it@cust-01.example,"
                            "03-1111-0001,\"1-1-1 Marunouchi\nChiyoda, Tokyo\",{}\n"
                            "cust-02,Borealis Systems,Jiro Kato,it@cust-02.example,"
                            "06-1111-0002,2-2-2 Umeda Osaka,{}\n"
                            "cust-03,Cobalt Works,Saburo Ito,it@cust-03.example,,,{}\n"
                            "cust-lone,Lone KK,Nobody,lone@lone.example,,,\n",
                            kPortalSales1, kPortalSales2, kPortalSales1));
  for (const char* what : {"staff", "customers"}) {
    CommandResult r = RunCommand(
        {StoreBinary(), "--db", t.db, "import", what, t.dir->File(std::string(what) + ".csv")});
    if (r.exit_code != 0) return fmt::format("periscope-store import {}: {}", what, r.output);
  }
  const std::string report_xml = t.dir->File("report.xml");
  WriteTextFile(report_xml, ReportConfigXml(t.db, t.dir->path()));
  CommandResult run =
      RunCommand({ReportBinary(), "-c", report_xml, "run", "--no-mail", "--no-reports"});
  if (run.exit_code != 0) return "periscope-report run: " + run.output;
  const std::string portal_xml = t.dir->File("portal.xml");
  WriteTextFile(portal_xml, PortalConfigXml(t.db, report_xml, PortalEnvOptions{},
                                            "smtp://127.0.0.1:1", t.dir->File("portal-mail")));
  for (const char* user : {"cust-01", "cust-02", "cust-lone"}) {
    CommandResult r = RunWithStdin({PortalBinary(), "-c", portal_xml, "set-password", user},
                                   std::string(kPortalPassword) + "\n", t.dir->File("pw"));
    if (r.exit_code != 0)
      return fmt::format("periscope-portal set-password {}: {}", user, r.output);
  }
  return "";
}

// The database name of a PostgreSQL URI "postgresql:///NAME?host=...".
std::string DatabaseNameOf(const std::string& uri) {
  const size_t start = uri.find(":///") + 4;
  return uri.substr(start, uri.find('?', start) - start);
}

// A copy of the store `from` of this process's template in `dir`: a file
// copy (with its -wal) for SQLite, CREATE DATABASE ... TEMPLATE for
// PostgreSQL (the template has no sessions left once built). "" or why not.
std::string CopyStore(const std::string& from, const TempDir& dir, std::string* to) {
  if (!store::IsPostgresUri(from)) {
    *to = dir.File("periscope.db");
    std::error_code ec;
    std::filesystem::copy_file(from, *to, ec);
    if (ec) return ec.message();
    if (std::filesystem::exists(from + "-wal")) {
      std::filesystem::copy_file(from + "-wal", *to + "-wal", ec);
    }
    return "";
  }
  std::string skip_reason, error;
  PgCluster* cluster = SharedPgCluster(&skip_reason, &error);
  if (cluster == nullptr) return skip_reason + error;
  static int copies = 0;
  const std::string name = fmt::format("{}_copy{}", DatabaseNameOf(from), ++copies);
  bool ok = false;
  cluster->Psql("postgres",
                fmt::format("CREATE DATABASE \"{}\" TEMPLATE \"{}\"", name, DatabaseNameOf(from)),
                &ok, &error);
  if (!ok) return error;
  *to = cluster->Uri(name);
  return "";
}

const Template& TemplateStore() {
  static Template t;
  static bool built = false;
  if (!built) {
    built = true;
    t.error = BuildTemplate(t);
  }
  return t;
}

size_t CollectBody(char* data, size_t size, size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

size_t CollectHeader(char* data, size_t size, size_t n, void* user) {
  auto* headers = static_cast<HttpHeaders*>(user);
  std::string_view line(data, size * n);
  if (line.rfind("HTTP/", 0) == 0) {
    headers->clear();  // a 100 Continue's headers are not the answer's
  } else if (size_t colon = line.find(':'); colon != std::string_view::npos) {
    headers->emplace_back(Trim(line.substr(0, colon)), Trim(line.substr(colon + 1)));
  }
  return size * n;
}

}  // namespace

// --- HttpResponse and helpers ---

std::string HttpResponse::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (EqualsIgnoreCase(k, name)) return v;
  }
  return "";
}

std::vector<std::string> HttpResponse::Headers(std::string_view name) const {
  std::vector<std::string> out;
  for (const auto& [k, v] : headers) {
    if (EqualsIgnoreCase(k, name)) out.push_back(v);
  }
  return out;
}

std::string HttpResponse::SetCookie(std::string_view name) const {
  for (const std::string& v : Headers("Set-Cookie")) {
    if (v.rfind(std::string(name) + "=", 0) == 0) return v;
  }
  return "";
}

std::string UrlEncodeComponent(std::string_view text) {
  std::string out;
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

std::string FormEncode(const FormFields& fields) {
  std::string out;
  for (const auto& [k, v] : fields) {
    if (!out.empty()) out += '&';
    out += UrlEncodeComponent(k) + "=" + UrlEncodeComponent(v);
  }
  return out;
}

std::string CsrfOf(const std::string& html) {
  size_t at = html.find("name=\"csrf\"");
  if (at == std::string::npos) return "";
  size_t open = html.rfind('<', at);
  size_t close = html.find('>', at);
  if (open == std::string::npos || close == std::string::npos) return "";
  std::string tag = html.substr(open, close - open);
  size_t value = tag.find("value=\"");
  if (value == std::string::npos) return "";
  value += 7;
  return tag.substr(value, tag.find('"', value) - value);
}

std::vector<std::string> HrefsStartingWith(const std::string& html, const std::string& prefix) {
  std::vector<std::string> out;
  const std::string marker = "href=\"" + prefix;
  for (size_t at = html.find(marker); at != std::string::npos; at = html.find(marker, at + 1)) {
    size_t start = at + 6;
    std::string href = html.substr(start, html.find('"', start) - start);
    for (size_t amp = href.find("&amp;"); amp != std::string::npos; amp = href.find("&amp;")) {
      href.replace(amp, 5, "&");
    }
    out.push_back(href);
  }
  return out;
}

std::string UnfoldMail(std::string mail) {
  for (size_t at = mail.find("=\r\n"); at != std::string::npos; at = mail.find("=\r\n", at)) {
    mail.erase(at, 3);
  }
  return mail;
}

std::string MailHeaders(const std::string& mail) {
  std::string head = mail.substr(0, mail.find("\r\n\r\n"));
  // Folded header lines continue with a space or tab.
  return std::regex_replace(head, std::regex("\r\n[ \t]+"), " ");
}

// --- HttpClient ---

HttpClient::HttpClient(std::string base_url) : base_url_(std::move(base_url)) {
  static const bool initialised = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
  (void)initialised;
  curl_ = curl_easy_init();
}

HttpClient::~HttpClient() {
  if (curl_ != nullptr) curl_easy_cleanup(static_cast<CURL*>(curl_));
}

HttpResponse HttpClient::Request(const std::string& method, const std::string& path,
                                 const HttpHeaders& headers, const std::string& body,
                                 long timeout_ms) {
  HttpResponse response;
  CURL* curl = static_cast<CURL*>(curl_);
  if (curl == nullptr) {
    response.error = "curl_easy_init failed";
    return response;
  }
  curl_easy_reset(curl);
  const std::string url = base_url_ + path;
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_PROXY, "");
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, CollectBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response.body);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, CollectHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &response.headers);
  if (method == "GET") {
    curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
  } else if (method == "HEAD") {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else {
    if (method == "POST" || !body.empty()) {
      curl_easy_setopt(curl, CURLOPT_POST, 1L);
      curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
      curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.c_str());
    }
    if (method != "POST") curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
  }
  curl_slist* list = nullptr;
  bool cookie_given = false;
  for (const auto& [k, v] : headers) {
    if (EqualsIgnoreCase(k, "cookie")) cookie_given = true;
    list = curl_slist_append(list, (k + ": " + v).c_str());
  }
  if (!cookie_given && !cookies_.empty()) {
    std::string cookie;
    for (const auto& [k, v] : cookies_) cookie += (cookie.empty() ? "" : "; ") + k + "=" + v;
    list = curl_slist_append(list, ("Cookie: " + cookie).c_str());
  }
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
  CURLcode code = curl_easy_perform(curl);
  curl_slist_free_all(list);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  response.status = static_cast<int>(status);
  if (code != CURLE_OK) response.error = curl_easy_strerror(code);
  if (response.status == 0 && response.error.empty()) response.error = "no answer";

  for (const std::string& set : response.Headers("Set-Cookie")) {
    size_t eq = set.find('=');
    if (eq == std::string::npos) continue;
    std::string name = set.substr(0, eq);
    size_t semi = set.find(';', eq);
    std::string value = set.substr(eq + 1, semi == std::string::npos ? semi : semi - eq - 1);
    const bool removed = set.find("Max-Age=0") != std::string::npos || value.empty();
    if (removed) {
      cookies_.erase(name);
    } else {
      cookies_[name] = value;
    }
  }
  return response;
}

HttpResponse HttpClient::Get(const std::string& path, const HttpHeaders& headers) {
  return Request("GET", path, headers);
}

HttpResponse HttpClient::Post(const std::string& path, const FormFields& fields,
                              const HttpHeaders& headers, bool with_origin) {
  HttpHeaders all = headers;
  const bool origin_given = std::any_of(
      all.begin(), all.end(), [](const auto& h) { return EqualsIgnoreCase(h.first, "origin"); });
  if (with_origin && !origin_given) all.emplace_back("Origin", base_url_);
  all.emplace_back("Content-Type", "application/x-www-form-urlencoded");
  return Request("POST", path, all, FormEncode(fields));
}

HttpResponse HttpClient::SignIn(const std::string& user_id, const std::string& password) {
  csrf_.clear();
  HttpResponse page = Get("/signin");
  if (page.status != 200) return page;
  HttpResponse answer =
      Post("/signin", {{"csrf", CsrfOf(page.body)}, {"user_id", user_id}, {"password", password}});
  if (answer.status != 303) return answer;
  HttpResponse products = Get("/products");
  csrf_ = CsrfOf(products.body);
  return answer;
}

// --- RawConnection ---

RawConnection::RawConnection(int port) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

RawConnection::~RawConnection() {
  if (fd_ >= 0) ::close(fd_);
}

bool RawConnection::Send(std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

std::string RawConnection::ReadUntilClosed(std::chrono::milliseconds timeout, bool* closed) {
  std::string out;
  *closed = false;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return out;
    pollfd p{fd_, POLLIN, 0};
    int ready = ::poll(&p, 1, static_cast<int>(left.count()));
    if (ready <= 0) continue;
    char buf[4096];
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) {
      *closed = true;  // EOF or reset
      return out;
    }
    out.append(buf, static_cast<size_t>(n));
  }
}

// --- PortalEnv ---

PortalEnv::PortalEnv(PortalEnvOptions options) : options_(options) {}

PortalEnv::~PortalEnv() { Stop(); }

bool PortalEnv::Start() {
  const Template& t = TemplateStore();
  if (!t.error.empty()) {
    error_ = "template store: " + t.error;
    return false;
  }
  if (std::string copied = CopyStore(t.db, dir_, &db_path_); !copied.empty()) {
    error_ = "copy store: " + copied;
    return false;
  }
  report_config_path_ = dir_.File("report.xml");
  WriteTextFile(report_config_path_, ReportConfigXml(db_path_, dir_.path()));

  smtp_port_ = FreeTcpPort();
  SmtpServerOptions smtp_options;
  smtp_options.port = smtp_port_;
  smtp_ = std::make_unique<SmtpServer>(dir_.File("smtp"), smtp_options);
  std::filesystem::create_directories(dir_.File("smtp"));
  if (options_.smtp_up && !StartSmtp()) return false;

  config_path_ = dir_.File("portal.xml");
  WriteTextFile(config_path_, PortalConfigXml(db_path_, report_config_path_, options_, smtp_->url(),
                                              dir_.File("portal-mail")));
  portal_ = std::make_unique<Process>(
      std::vector<std::string>{PortalBinary(), "-c", config_path_, "serve"},
      dir_.File("portal.log"));
  static const std::regex kListening(
      "periscope-portal: listening on (http://127\\.0\\.0\\.1:(\\d+))");
  std::smatch m;
  const bool up = WaitFor(
      [&] {
        std::string log = PortalLog();
        return std::regex_search(log, m, kListening) || !portal_->Running();
      },
      std::chrono::seconds(20));
  std::string log = PortalLog();
  if (!up || !std::regex_search(log, m, kListening)) {
    error_ = "periscope-portal did not start listening: " + log;
    return false;
  }
  url_ = m[1];
  port_ = std::stoi(m[2]);
  // The commands run beside the server (invite) name its URL in links.
  cli_config_path_ = dir_.File("portal-cli.xml");
  WriteTextFile(cli_config_path_, PortalConfigXml(db_path_, report_config_path_, options_,
                                                  smtp_->url(), dir_.File("portal-mail"), url_));
  return true;
}

bool PortalEnv::StartSmtp() {
  if (!smtp_->Start()) {
    error_ = "smtp server: " + smtp_->Log();
    return false;
  }
  return true;
}

void PortalEnv::Stop() {
  if (portal_) portal_->Stop();
  portal_.reset();
  if (smtp_) smtp_->Stop();
}

std::string PortalEnv::PortalLog() const { return ReadTextFile(dir_.File("portal.log")); }

CommandResult PortalEnv::RunPortal(const std::vector<std::string>& args, const std::string& input) {
  std::vector<std::string> argv = {PortalBinary(), "-c",
                                   cli_config_path_.empty() ? config_path_ : cli_config_path_};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunWithStdin(argv, input, dir_.File("stdin.txt"));
}

std::vector<std::vector<std::string>> PortalEnv::Query(
    const std::string& sql, const std::vector<std::string>& params) const {
  auto db = store::Db::OpenReader(db_path_);
  if (!db.ok()) throw std::runtime_error("open reader: " + db.status().ToString());
  auto table = store::Query(**db, sql, params);
  if (!table.ok()) throw std::runtime_error(sql + ": " + table.status().ToString());
  return table->rows;
}

int64_t PortalEnv::Count(const std::string& table) const {
  return std::stoll(Query("SELECT count(*) FROM " + table)[0][0]);
}

}  // namespace periscope::testing
