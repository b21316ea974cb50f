#include "reports/inquiry.h"

#include <curl/curl.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <random>
#include <utility>

#include <fmt/format.h>

#include "core/strings.h"
#include "store/inquiries.h"

namespace periscope::reports {
namespace {

struct CurlDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
using CurlPtr = std::unique_ptr<CURL, CurlDeleter>;
using SlistPtr = std::unique_ptr<curl_slist, SlistDeleter>;

// Collects the response body up to kMaxHttpResponseBytes.
struct Sink {
  std::string body;
  bool overflow = false;
};

extern "C" size_t WriteBody(char* data, size_t size, size_t count, void* user) noexcept {
  auto* sink = static_cast<Sink*>(user);
  size_t n = size * count;
  if (sink->body.size() + n > kMaxHttpResponseBytes) {
    sink->overflow = true;
    return 0;  // curl aborts with CURLE_WRITE_ERROR
  }
  try {
    sink->body.append(data, n);
  } catch (...) {
    return 0;
  }
  return n;
}

Status GlobalInit() {
  static CURLcode rc = curl_global_init(CURL_GLOBAL_DEFAULT);
  if (rc != CURLE_OK) {
    return InternalError(fmt::format("curl_global_init: {}", curl_easy_strerror(rc)));
  }
  return Status::Ok();
}

// The loopback hosts joined to the environment's no_proxy list.
std::string NoProxyList() {
  std::string list = "localhost,127.0.0.1,::1";
  for (const char* var : {"no_proxy", "NO_PROXY"}) {
    const char* v = std::getenv(var);
    if (v != nullptr && *v != '\0') {
      list += ',';
      list += v;
      break;
    }
  }
  return list;
}

class CurlHttpClient final : public HttpClient {
 public:
  explicit CurlHttpClient(std::string ca_file) : ca_file_(std::move(ca_file)) {}

  Result<HttpResponse> Post(const std::string& url, const std::string& content_type,
                            const std::string& body, std::chrono::milliseconds timeout) override {
    std::string shown = RedactUrl(url);
    if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) {
      return InvalidArgumentError(fmt::format("{}: not an http or https URL", shown));
    }
    CurlPtr curl(curl_easy_init());
    if (!curl) return InternalError("curl_easy_init failed");
    std::string content_header = "Content-Type: " + CleanText(content_type, ' ');
    SlistPtr headers(curl_slist_append(nullptr, content_header.c_str()));
    if (!headers) return InternalError("curl_slist_append failed");
    curl_slist* more = curl_slist_append(headers.get(), "Accept: application/xml");
    if (more == nullptr) return InternalError("curl_slist_append failed");
    more = curl_slist_append(headers.get(), "Expect:");  // no 100-continue round trip
    if (more == nullptr) return InternalError("curl_slist_append failed");
    Sink sink;
    char error[CURL_ERROR_SIZE] = {};
    auto total_ms = static_cast<long>(std::max<int64_t>(1, timeout.count()));
    long connect_ms = std::min<long>(total_ms, 5000);
    std::string no_proxy = NoProxyList();
    CURL* c = curl.get();
    CURLcode rc = CURLE_OK;
    auto set = [&](auto option, auto value) {
      if (rc == CURLE_OK) rc = curl_easy_setopt(c, option, value);
    };
    set(CURLOPT_URL, url.c_str());
    set(CURLOPT_PROTOCOLS_STR, "http,https");
    set(CURLOPT_FOLLOWLOCATION, 0L);
    set(CURLOPT_NOSIGNAL, 1L);
    set(CURLOPT_NOPROXY, no_proxy.c_str());
    set(CURLOPT_POST, 1L);
    set(CURLOPT_POSTFIELDS, body.data());
    set(CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    set(CURLOPT_HTTPHEADER, headers.get());
    set(CURLOPT_WRITEFUNCTION, &WriteBody);
    set(CURLOPT_WRITEDATA, &sink);
    set(CURLOPT_ERRORBUFFER, error);
    set(CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
    set(CURLOPT_TIMEOUT_MS, total_ms);
    set(CURLOPT_USERAGENT, "periscope-report/1");
    set(CURLOPT_SSL_VERIFYPEER, 1L);
    set(CURLOPT_SSL_VERIFYHOST, 2L);
    if (!ca_file_.empty()) set(CURLOPT_CAINFO, ca_file_.c_str());
    if (rc != CURLE_OK) {
      return InternalError(fmt::format("{}: curl option: {}", shown, curl_easy_strerror(rc)));
    }
    rc = curl_easy_perform(c);
    std::string detail = error[0] != '\0' ? std::string(error) : curl_easy_strerror(rc);
    detail = CleanText(TruncateUtf8(detail, 200), ' ');
    if (rc == CURLE_WRITE_ERROR && sink.overflow) {
      return ResourceExhaustedError(
          fmt::format("{}: answer larger than {} bytes", shown, kMaxHttpResponseBytes));
    }
    switch (rc) {
      case CURLE_OK:
        break;
      case CURLE_OPERATION_TIMEDOUT:
        return DeadlineExceededError(
            fmt::format("{}: no answer within {} ms ({})", shown, total_ms, detail));
      case CURLE_UNSUPPORTED_PROTOCOL:
      case CURLE_URL_MALFORMAT:
        return InvalidArgumentError(fmt::format("{}: {}", shown, detail));
      default:
        return UnavailableError(fmt::format("{}: {}", shown, detail));
    }
    HttpResponse response;
    long code = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    response.status_code = static_cast<int>(code);
    char* type = nullptr;
    if (curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &type) == CURLE_OK && type != nullptr) {
      response.content_type = CleanText(TruncateUtf8(type, 200), ' ');
    }
    response.body = std::move(sink.body);
    return response;
  }

 private:
  std::string ca_file_;
};

SiteResult Failure(const SiteConfig& site, SiteState state, std::string message) {
  SiteResult r;
  r.site = site.name;
  r.state = state;
  r.message = std::move(message);
  return r;
}

SiteResult AskSite(const InquiryRequest& request, const std::string& xml, const SiteConfig& site,
                   HttpClient& http) {
  auto response = http.Post(site.url, "application/xml; charset=utf-8", xml, site.timeout);
  if (!response.ok()) {
    const Status& s = response.status();
    switch (s.code()) {
      case StatusCode::kDeadlineExceeded:
        return Failure(site, SiteState::kTimeout, s.message());
      case StatusCode::kResourceExhausted:
        return Failure(site, SiteState::kMalformed, s.message());
      default:
        return Failure(site, SiteState::kUnreachable, s.message());
    }
  }
  std::string name = fmt::format("answer from {}", site.name);
  if (response->status_code != 200) {
    std::string why = fmt::format("http {}", response->status_code);
    auto error = ParseErrorXml(response->body, name);
    if (error.ok()) why += ": " + *error;
    return Failure(site, SiteState::kHttpError, why);
  }
  auto answer = ParseAnswerXml(response->body, name);
  if (!answer.ok()) return Failure(site, SiteState::kMalformed, answer.status().message());
  if (answer->inquiry_key != request.inquiry_key) {
    return Failure(site, SiteState::kMalformed,
                   fmt::format("{}: answers inquiry '{}', not '{}'", name, answer->inquiry_key,
                               request.inquiry_key));
  }
  if (answer->site != site.name) {
    return Failure(site, SiteState::kMalformed,
                   fmt::format("{}: names itself '{}'", name, answer->site));
  }
  SiteResult r;
  r.site = site.name;
  r.state = answer->status == AnswerStatus::kPending ? SiteState::kPending : SiteState::kAnswered;
  r.message = answer->message;
  if (answer->status == AnswerStatus::kUnknownProduct && r.message.empty()) {
    r.message = "unknown product";
  }
  r.answer = std::move(*answer);
  return r;
}

store::InquiryAnswerRecord ToRecord(int64_t inquiry_id, const SiteResult& result, bool attempt,
                                    int64_t now_s) {
  store::InquiryAnswerRecord rec;
  rec.inquiry_id = inquiry_id;
  rec.site = result.site;
  rec.state = std::string(SiteStateName(result.state));
  rec.message = TruncateUtf8(result.message, kMaxAnswerMessageBytes);
  rec.new_attempt = attempt;
  rec.updated_at = now_s;
  if (result.answer) {
    const SiteAnswer& a = *result.answer;
    if (a.status == AnswerStatus::kUnknownProduct) {
      // The schema has no state of its own for this: an answer that the
      // product cannot be had from this site, message "unknown product".
      rec.in_stock = false;
      if (a.message.empty()) rec.message = "unknown product";
    } else {
      rec.in_stock = a.in_stock;
    }
    rec.quantity_available = a.quantity_available;
    if (!a.retailer.empty()) rec.retailer = a.retailer;
    rec.delivery_date = a.delivery_date;
  }
  return rec;
}

}  // namespace

Result<std::unique_ptr<HttpClient>> MakeCurlHttpClient(const std::string& ca_file) {
  PERISCOPE_RETURN_IF_ERROR(GlobalInit());
  if (!ca_file.empty() && !std::ifstream(ca_file).good()) {
    return NotFoundError(fmt::format("{}: CA file cannot be read", ca_file));
  }
  return std::unique_ptr<HttpClient>(new CurlHttpClient(ca_file));
}

std::string RedactUrl(std::string_view url) {
  size_t scheme = url.find("://");
  size_t start = scheme == std::string_view::npos ? 0 : scheme + 3;
  size_t end = url.find_first_of("/?#", start);
  std::string_view authority =
      url.substr(start, end == std::string_view::npos ? url.npos : end - start);
  size_t at = authority.rfind('@');
  std::string out(url);
  if (at != std::string_view::npos) out.erase(start, at + 1);
  return CleanText(TruncateUtf8(out, 300), '?');
}

std::string_view SiteStateName(SiteState state) {
  switch (state) {
    case SiteState::kAnswered:
      return "answered";
    case SiteState::kPending:
      return "pending";
    case SiteState::kTimeout:
      return "timeout";
    case SiteState::kHttpError:
      return "http-error";
    case SiteState::kMalformed:
      return "malformed";
    case SiteState::kUnreachable:
      return "unreachable";
  }
  return "unreachable";
}

Status ValidateSites(const std::vector<SiteConfig>& sites) {
  if (sites.empty()) return InvalidArgumentError("no manufacturing sites configured");
  for (size_t i = 0; i < sites.size(); ++i) {
    const SiteConfig& site = sites[i];
    SiteAnswer probe;
    probe.inquiry_key = "probe";
    probe.site = site.name;
    probe.status = AnswerStatus::kPending;
    if (Status s = ValidateAnswer(probe); !s.ok()) {
      return InvalidArgumentError(fmt::format(
          "site '{}': name: {}", CleanText(TruncateUtf8(site.name, 64), '?'), s.message()));
    }
    for (size_t j = 0; j < i; ++j) {
      if (sites[j].name == site.name) {
        return InvalidArgumentError(fmt::format("site '{}': configured twice", site.name));
      }
    }
    if (site.url.rfind("http://", 0) != 0 && site.url.rfind("https://", 0) != 0) {
      return InvalidArgumentError(fmt::format("site '{}': url '{}' is not http:// or https://",
                                              site.name, RedactUrl(site.url)));
    }
    if (site.timeout.count() <= 0) {
      return InvalidArgumentError(fmt::format("site '{}': timeout must be positive", site.name));
    }
  }
  return Status::Ok();
}

Result<std::string> NewInquiryKey() {
  try {
    std::random_device random("/dev/urandom");
    std::string key = "INQ-";
    // 64 bits: two 32-bit draws (random_device yields unsigned int).
    for (int i = 0; i < 2; ++i) key += fmt::format("{:08x}", static_cast<uint32_t>(random()));
    return key;
  } catch (const std::exception& e) {
    return UnavailableError(fmt::format("random source: {}", e.what()));
  }
}

std::vector<SiteResult> QuerySites(const InquiryRequest& request,
                                   const std::vector<SiteConfig>& sites, HttpClient& http) {
  std::string xml = BuildInquiryXml(request);
  std::vector<SiteResult> results;
  results.reserve(sites.size());
  for (const SiteConfig& site : sites) results.push_back(AskSite(request, xml, site, http));
  return results;
}

Result<InquiryOutcome> SendInquiry(store::Db& db, int64_t proposal_id,
                                   const std::string& product_number, int64_t quantity,
                                   const std::string& delivery_place,
                                   const std::string& requested_by,
                                   const std::vector<SiteConfig>& sites, HttpClient& http,
                                   const Clock& clock) {
  PERISCOPE_RETURN_IF_ERROR(ValidateSites(sites));
  auto key = NewInquiryKey();
  if (!key.ok()) return key.status();
  InquiryRequest request;
  request.inquiry_key = *key;
  request.product_number = product_number;
  request.quantity = quantity;
  request.delivery_place = delivery_place;
  request.requested_by = requested_by;
  request.customer_reference = fmt::format("proposal-{}", proposal_id);
  PERISCOPE_RETURN_IF_ERROR(ValidateInquiry(request));

  store::NewInquiry row;
  row.inquiry_key = request.inquiry_key;
  row.proposal_id = proposal_id;
  row.product_number = product_number;
  row.quantity = quantity;
  row.delivery_place = delivery_place;
  row.requested_by = requested_by;
  row.created_at = UnixSeconds(clock);
  for (const SiteConfig& site : sites) row.sites.push_back(site.name);
  auto inquiry_id = store::CreateInquiry(db, row);
  if (!inquiry_id.ok()) return inquiry_id.status();

  InquiryOutcome outcome;
  outcome.inquiry_id = *inquiry_id;
  outcome.inquiry_key = request.inquiry_key;
  // No transaction is open here: the sites may take their whole timeout.
  outcome.results = QuerySites(request, sites, http);
  int64_t now_s = UnixSeconds(clock);
  Status recorded = store::InTransaction(db, [&]() -> Status {
    for (const SiteResult& result : outcome.results) {
      PERISCOPE_RETURN_IF_ERROR(
          store::RecordInquiryAnswer(db, ToRecord(outcome.inquiry_id, result, true, now_s)));
    }
    return Status::Ok();
  });
  if (!recorded.ok()) return recorded;
  return outcome;
}

Result<int> RefreshPendingInquiries(store::Db& db, const std::vector<SiteConfig>& sites,
                                    HttpClient& http, const Clock& clock,
                                    const RetryPolicy& policy) {
  auto due =
      store::ListRetryableAnswers(db, policy.max_failed_attempts, policy.max_pending_attempts);
  if (!due.ok()) return due.status();
  std::vector<std::pair<int64_t, SiteResult>> results;
  for (const store::RetryableAnswer& r : *due) {
    auto site = std::find_if(sites.begin(), sites.end(),
                             [&](const SiteConfig& s) { return s.name == r.site; });
    if (site == sites.end()) continue;
    InquiryRequest request;
    request.inquiry_key = r.inquiry_key;
    request.product_number = r.product_number;
    request.quantity = r.quantity;
    request.delivery_place = r.delivery_place;
    request.requested_by = r.requested_by;
    request.customer_reference = fmt::format("proposal-{}", r.proposal_id);
    if (!ValidateInquiry(request).ok()) continue;  // cannot happen for rows SendInquiry wrote
    results.emplace_back(r.inquiry_id, AskSite(request, BuildInquiryXml(request), *site, http));
  }
  int answered = 0;
  int64_t now_s = UnixSeconds(clock);
  Status recorded = store::InTransaction(db, [&]() -> Status {
    answered = 0;
    for (const auto& [inquiry_id, result] : results) {
      if (result.state == SiteState::kAnswered) ++answered;
      PERISCOPE_RETURN_IF_ERROR(
          store::RecordInquiryAnswer(db, ToRecord(inquiry_id, result, true, now_s)));
    }
    return Status::Ok();
  });
  if (!recorded.ok()) return recorded;
  return answered;
}

Status RecordLateAnswer(store::Db& db, std::string_view answer_xml, std::string_view name,
                        const Clock& clock) {
  auto answer = ParseAnswerXml(answer_xml, name);
  if (!answer.ok()) return answer.status();
  auto inquiry = store::FindInquiryByKey(db, answer->inquiry_key);
  if (!inquiry.ok()) return inquiry.status();
  if (!inquiry->has_value()) {
    return NotFoundError(fmt::format("{}: no inquiry with id '{}'", name, answer->inquiry_key));
  }
  const store::InquiryRow& row = **inquiry;
  bool asked =
      std::any_of(row.answers.begin(), row.answers.end(),
                  [&](const store::InquiryAnswerRow& a) { return a.site == answer->site; });
  if (!asked) {
    return NotFoundError(fmt::format("{}: inquiry '{}' was not sent to site '{}'", name,
                                     answer->inquiry_key, answer->site));
  }
  SiteResult result;
  result.site = answer->site;
  result.state =
      answer->status == AnswerStatus::kPending ? SiteState::kPending : SiteState::kAnswered;
  result.message = answer->message;
  result.answer = std::move(*answer);
  return store::InTransaction(db, [&]() -> Status {
    return store::RecordInquiryAnswer(db, ToRecord(row.id, result, false, UnixSeconds(clock)));
  });
}

}  // namespace periscope::reports
