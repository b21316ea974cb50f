#include "mail/smtp_mailer.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

#include "mail/message.h"

namespace periscope::mail {
namespace {

struct CurlDeleter {
  void operator()(CURL* curl) const { curl_easy_cleanup(curl); }
};
using CurlPtr = std::unique_ptr<CURL, CurlDeleter>;

struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using SlistPtr = std::unique_ptr<curl_slist, SlistDeleter>;

// libcurl's global state, initialised once per process (thread-safe static).
bool CurlGlobalInit() {
  static const CURLcode code = curl_global_init(CURL_GLOBAL_DEFAULT);
  return code == CURLE_OK;
}

// The message being uploaded; `handed_over` once libcurl has read all of it.
struct Upload {
  const std::string* data = nullptr;
  size_t offset = 0;
  bool handed_over = false;
};

size_t ReadCallback(char* buffer, size_t size, size_t nitems, void* userdata) noexcept {
  auto* upload = static_cast<Upload*>(userdata);
  size_t n = std::min(size * nitems, upload->data->size() - upload->offset);
  std::memcpy(buffer, upload->data->data() + upload->offset, n);
  upload->offset += n;
  // libcurl may stop reading at the known size without asking again, so the
  // last byte read is what counts.
  if (upload->offset == upload->data->size()) upload->handed_over = true;
  return n;
}

bool IsLoopbackHost(const std::string& host) {
  if (host == "localhost" || host == "::1" || host == "[::1]") return true;
  in_addr v4{};
  if (::inet_pton(AF_INET, host.c_str(), &v4) == 1) {
    return (ntohl(v4.s_addr) >> 24) == 127;
  }
  return false;
}

struct ParsedUrl {
  bool implicit_tls = false;
  std::string authority;  // host[:port]
  std::string host;
};

Result<ParsedUrl> ParseSmtpUrl(const std::string& url) {
  auto bad = [&](std::string_view why) {
    return InvalidArgumentError(fmt::format("smtp url '{}': {}", url, why));
  };
  ParsedUrl parsed;
  std::string_view rest;
  if (url.rfind("smtp://", 0) == 0) {
    rest = std::string_view(url).substr(7);
  } else if (url.rfind("smtps://", 0) == 0) {
    parsed.implicit_tls = true;
    rest = std::string_view(url).substr(8);
  } else {
    return bad("not smtp://host:port or smtps://host:port");
  }
  for (char c : rest) {
    if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7F) {
      return bad("contains spaces, controls or non-ASCII");
    }
  }
  size_t end = rest.find_first_of("/?#");
  std::string_view after = end == std::string_view::npos ? "" : rest.substr(end);
  if (!after.empty() && after != "/") {
    return bad("has a path or query (set helo_domain for the EHLO name)");
  }
  parsed.authority = std::string(rest.substr(0, end));
  if (parsed.authority.find('@') != std::string::npos) {
    return bad("holds a user name; set username and password instead");
  }
  if (parsed.authority.empty()) return bad("no host");
  if (parsed.authority.front() == '[') {
    size_t close = parsed.authority.find(']');
    if (close == std::string::npos) return bad("unclosed '['");
    parsed.host = parsed.authority.substr(1, close - 1);
  } else {
    parsed.host = parsed.authority.substr(0, parsed.authority.find(':'));
  }
  if (parsed.host.empty()) return bad("no host");
  return parsed;
}

class SmtpMailer final : public Mailer {
 public:
  SmtpMailer(SmtpConfig config, std::string curl_url, bool require_tls)
      : config_(std::move(config)), curl_url_(std::move(curl_url)), require_tls_(require_tls) {}

  Status Send(const std::string& envelope_from, const std::vector<std::string>& recipients,
              const std::string& message_id, const std::string& rfc5322) override {
    PERISCOPE_RETURN_IF_ERROR(ValidateAddress(envelope_from).WithPrefix("envelope sender"));
    if (recipients.empty()) return InvalidArgumentError("message " + message_id + ": no recipient");
    for (const std::string& r : recipients) {
      PERISCOPE_RETURN_IF_ERROR(ValidateAddress(r).WithPrefix("recipient"));
    }
    if (!CurlGlobalInit()) return InternalError("libcurl global initialisation failed");
    CurlPtr curl(curl_easy_init());
    if (!curl) return UnavailableError("libcurl: cannot create a handle (out of memory?)");
    SlistPtr rcpt;
    for (const std::string& r : recipients) {
      curl_slist* next = curl_slist_append(rcpt.get(), ("<" + r + ">").c_str());
      if (next == nullptr) return UnavailableError("libcurl: out of memory");
      rcpt.release();
      rcpt.reset(next);
    }
    std::string mail_from = "<" + envelope_from + ">";
    Upload upload{&rfc5322};
    char errbuf[CURL_ERROR_SIZE] = {0};
    CURL* h = curl.get();
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_URL, curl_url_.c_str());
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, config_.timeout_ms);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, config_.timeout_ms);
    curl_easy_setopt(h, CURLOPT_USE_SSL,
                     static_cast<long>(require_tls_ ? CURLUSESSL_ALL : CURLUSESSL_NONE));
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    if (!config_.ca_file.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, config_.ca_file.c_str());
    if (!config_.username.empty()) {
      curl_easy_setopt(h, CURLOPT_USERNAME, config_.username.c_str());
      curl_easy_setopt(h, CURLOPT_PASSWORD, config_.password.c_str());
    }
    curl_easy_setopt(h, CURLOPT_MAIL_FROM, mail_from.c_str());
    curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt.get());
    curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(rfc5322.size()));
    curl_easy_setopt(h, CURLOPT_READFUNCTION, &ReadCallback);
    curl_easy_setopt(h, CURLOPT_READDATA, &upload);

    CURLcode code = curl_easy_perform(h);
    if (code == CURLE_OK) return Status::Ok();
    long response = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &response);
    return Classify(code, response, upload.handed_over, errbuf, message_id);
  }

 private:
  Status Classify(CURLcode code, long response, bool handed_over, const char* errbuf,
                  const std::string& message_id) const {
    std::string detail = curl_easy_strerror(code);
    if (errbuf[0] != '\0' && detail != errbuf) detail += std::string(": ") + errbuf;
    if (response > 0) detail += fmt::format(" (last reply {})", response);
    std::string what = fmt::format("smtp {}: message {}: {}", config_.url, message_id, detail);
    switch (code) {
      case CURLE_LOGIN_DENIED:
        return PermissionDeniedError(what + "; authentication failed (check username/password)");
      case CURLE_USE_SSL_FAILED:
        return PermissionDeniedError(
            what + "; TLS is required (local_relay is false) but the server offers no STARTTLS");
      case CURLE_PEER_FAILED_VERIFICATION:
      case CURLE_SSL_CACERT_BADFILE:
      case CURLE_SSL_CERTPROBLEM:
        return PermissionDeniedError(what + "; the server's certificate is not trusted (ca_file)");
      case CURLE_URL_MALFORMAT:
      case CURLE_UNSUPPORTED_PROTOCOL:
        return InvalidArgumentError(what);
      default:
        break;
    }
    if (response >= 500 && response < 600) return InvalidArgumentError(what + "; refused");
    if (response >= 400 && response < 500) return UnavailableError(what + "; try again later");
    bool transport = code == CURLE_OPERATION_TIMEDOUT || code == CURLE_SEND_ERROR ||
                     code == CURLE_RECV_ERROR || code == CURLE_GOT_NOTHING ||
                     code == CURLE_PARTIAL_FILE || code == CURLE_WEIRD_SERVER_REPLY;
    if (handed_over && transport) {
      return DeadlineExceededError(
          what + "; the message was handed over but no verdict came: it may have been delivered");
    }
    switch (code) {
      case CURLE_COULDNT_CONNECT:
      case CURLE_COULDNT_RESOLVE_HOST:
      case CURLE_SSL_CONNECT_ERROR:
      case CURLE_OUT_OF_MEMORY:
      case CURLE_AGAIN:
        return UnavailableError(what);
      default:
        break;
    }
    if (transport) return UnavailableError(what);
    return InternalError(what);
  }

  SmtpConfig config_;
  std::string curl_url_;
  bool require_tls_;
};

bool IsHeloDomain(const std::string& name) {
  if (name.empty() || name.size() > 253) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '.';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

Result<std::unique_ptr<Mailer>> MakeSmtpMailer(const SmtpConfig& config) {
  auto parsed = ParseSmtpUrl(config.url);
  if (!parsed.ok()) return parsed.status();
  if (config.local_relay && !IsLoopbackHost(parsed->host)) {
    return InvalidArgumentError(fmt::format(
        "smtp local_relay: true only for a relay on this host (localhost, 127.0.0.0/8, ::1), "
        "not '{}'; set it to false to require TLS",
        parsed->host));
  }
  if (!config.helo_domain.empty() && !IsHeloDomain(config.helo_domain)) {
    return InvalidArgumentError("smtp helo_domain: not a host name (letters, digits, '-', '.')");
  }
  if (config.timeout_ms <= 0) return InvalidArgumentError("smtp timeout_ms: must be positive");
  if (!config.ca_file.empty() && ::access(config.ca_file.c_str(), R_OK) != 0) {
    return InvalidArgumentError(
        fmt::format("smtp ca_file '{}': {}", config.ca_file, std::strerror(errno)));
  }
  if (config.username.empty() && !config.password.empty()) {
    return InvalidArgumentError("smtp password: set without a username");
  }
  std::string curl_url = (parsed->implicit_tls ? "smtps://" : "smtp://") + parsed->authority;
  if (!config.helo_domain.empty()) curl_url += "/" + config.helo_domain;
  bool require_tls = parsed->implicit_tls || !config.local_relay;
  return std::unique_ptr<Mailer>(
      std::make_unique<SmtpMailer>(config, std::move(curl_url), require_tls));
}

}  // namespace periscope::mail
