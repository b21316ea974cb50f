// Stock and delivery inquiries to manufacturing sites (seed 001 figures 5 and
// 6, paragraphs 0050-0054): for a proposal, the purchase-order information and
// the delivery place go to every configured site as an XML message
// (reports/inquiry_message.h, docs/inquiry.md) over HTTP(S); each site's answer,
// or why there is none, is stored per site (store/inquiries.h). One site's
// failure never affects the others. Answers that come later (a site answering
// "pending", a timeout, an answer file) are matched to their inquiry by its
// unguessable ID.
#ifndef PERISCOPE_REPORTS_INQUIRY_H_
#define PERISCOPE_REPORTS_INQUIRY_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/status.h"
#include "reports/inquiry_message.h"
#include "store/db.h"

namespace periscope::reports {

// Upper bound on an HTTP response body the client accepts.
inline constexpr size_t kMaxHttpResponseBytes = 64 * 1024;

struct HttpResponse {
  int status_code = 0;
  std::string content_type;
  std::string body;
};

// The HTTP edge (a seam: tests may substitute it). Post returns any HTTP
// status as a response; errors are DeadlineExceeded (the timeout passed),
// Unavailable (name not resolved, connection refused or reset, TLS failure),
// ResourceExhausted (the body exceeded kMaxHttpResponseBytes), InvalidArgument
// (a URL that is not http or https). Messages never hold credentials from the
// URL. Implementations are thread-compatible: one call at a time per object.
class HttpClient {
 public:
  virtual ~HttpClient() = default;
  virtual Result<HttpResponse> Post(const std::string& url, const std::string& content_type,
                                    const std::string& body, std::chrono::milliseconds timeout) = 0;
};

// libcurl: http and https only, no redirects followed, proxies from the
// environment (http_proxy, https_proxy, no_proxy) except for loopback hosts,
// which are always reached directly; the connect phase bounded by min(timeout, 5 s) and the whole
// request by `timeout`, TLS verified against `ca_file` (empty: the system's CA store).
Result<std::unique_ptr<HttpClient>> MakeCurlHttpClient(const std::string& ca_file = "");

// "https://site.example/inquiry" with any user:password@ removed (for messages).
std::string RedactUrl(std::string_view url);

// One manufacturing site from the reports config.
struct SiteConfig {
  std::string name;  // as the site names itself in its answers ([A-Za-z0-9._-], <= 64 bytes)
  std::string url;   // http:// or https://
  std::chrono::milliseconds timeout{10000};
};

// What became of asking one site. The names are the store's states.
enum class SiteState { kAnswered, kPending, kTimeout, kHttpError, kMalformed, kUnreachable };
std::string_view SiteStateName(SiteState state);

struct SiteResult {
  std::string site;
  SiteState state = SiteState::kUnreachable;
  // The site's answer for kAnswered (its status answered or unknown-product)
  // and kPending; nullopt otherwise.
  std::optional<SiteAnswer> answer;
  std::string message;  // why, for the failure states; the site's message otherwise
};

// Posts `request` to each site in order and classifies each reply on its own:
// answered, pending, timeout, http-error (status code in the message),
// malformed (not a valid answer, another inquiry's ID or another site's name),
// unreachable. REQUIRES: ValidateInquiry(request).ok(). Never fails as a whole.
std::vector<SiteResult> QuerySites(const InquiryRequest& request,
                                   const std::vector<SiteConfig>& sites, HttpClient& http);

// OK when each site has a valid, unique name and an http(s) URL; else
// InvalidArgument naming the site.
Status ValidateSites(const std::vector<SiteConfig>& sites);

// A fresh inquiry ID: "INQ-" and 16 hex digits from the OS's random source.
Result<std::string> NewInquiryKey();

struct InquiryOutcome {
  int64_t inquiry_id = 0;
  std::string inquiry_key;
  std::vector<SiteResult> results;  // one per site, in config order
};

// Sends an inquiry for proposal `proposal_id`: stores the inquiry (the
// proposal becomes 'inquired' when it was 'new' or 'mailed'), asks every site
// with no database transaction open, then records every site's result in one
// transaction. Errors: InvalidArgument (a field or a site config), NotFound
// (no such proposal), store errors. A site's failure is a stored result, not
// an error.
Result<InquiryOutcome> SendInquiry(store::Db& db, int64_t proposal_id,
                                   const std::string& product_number, int64_t quantity,
                                   const std::string& delivery_place,
                                   const std::string& requested_by,
                                   const std::vector<SiteConfig>& sites, HttpClient& http,
                                   const Clock& clock);

struct RetryPolicy {
  int max_failed_attempts = 3;    // timeout, unreachable, http-error
  int max_pending_attempts = 30;  // a site that keeps saying "later"
};

// Asks again, with the same inquiry ID and fields, each site whose answer is
// pending or failed (timeout, unreachable, http-error) within `policy`, and
// records each result (attempts + 1). Sites no longer in `sites` are skipped;
// malformed answers are not retried (a person should look). Returns how many
// of the re-asked sites answered this time.
Result<int> RefreshPendingInquiries(store::Db& db, const std::vector<SiteConfig>& sites,
                                    HttpClient& http, const Clock& clock,
                                    const RetryPolicy& policy = {});

// Records an answer that arrived by other means (a file): matched by its ID
// and site. NotFound naming the ID when no inquiry has it, or naming the site
// when the inquiry was not sent to that site; InvalidArgument (name:line:col)
// when it is not a valid answer.
Status RecordLateAnswer(store::Db& db, std::string_view answer_xml, std::string_view name,
                        const Clock& clock);

}  // namespace periscope::reports

#endif  // PERISCOPE_REPORTS_INQUIRY_H_
