#include "portal/portal.h"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <exception>
#include <map>
#include <mutex>
#include <set>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "core/log.h"
#include "core/strings.h"
#include "mail/message.h"
#include "portal/auth.h"
#include "portal/i18n.h"
#include "portal/mails.h"
#include "portal/pages.h"
#include "portal/rate_limit.h"
#include "reports/catalog_offers.h"
#include "reports/run.h"
#include "store/db.h"
#include "store/portal.h"
#include "store/schema.h"

namespace periscope::portal {
namespace {

constexpr std::string_view kCsp =
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'";

// Per-field bounds (bytes) of what a customer may enter; over them: 413. The
// forms' maxlength (characters, portal/pages.cc) times 3 bytes of UTF-8 fits
// in each, so Japanese text typed up to the form's limit is accepted.
constexpr size_t kMaxNameBytes = 400;
constexpr size_t kMaxPhoneBytes = 40;
constexpr size_t kMaxEmailBytes = 254;
constexpr size_t kMaxPreferredTimeBytes = 400;
constexpr size_t kMaxMessageBytes = 2000;
constexpr size_t kMaxAddressBytes = 1000;
constexpr size_t kMaxUserIdBytes = 64;
// How long a built customer report is reused for the products page.
constexpr int64_t kReportCacheS = 60;
// The pre-session cookie (sign-in and invite forms' CSRF token) lives this long.
constexpr int64_t kPreSessionTtlS = 3600;

// A request's state as the handlers pass it around.
struct Ctx {
  const Request* request = nullptr;
  std::string client_ip;
  Lang lang = Lang::kEn;
  int64_t now_s = 0;
  std::map<std::string, std::string> cookies;
  std::optional<store::PortalSession> session;
  std::optional<store::PortalCustomer> customer;  // set with session
};

bool IsPhoneText(std::string_view phone) {
  return std::all_of(phone.begin(), phone.end(), [](char c) {
    return (c >= '0' && c <= '9') || c == ' ' || c == '+' || c == '-' || c == '(' || c == ')' ||
           c == '.';
  });
}

std::optional<int64_t> ParseId(std::string_view text) {
  int64_t v = 0;
  if (text.empty() || text.size() > 18) return std::nullopt;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v <= 0) return std::nullopt;
  return v;
}

// A local path to come back to after the language switch: "/..." but not
// "//host" or a backslash trick; anything else is "/".
std::string SafeBackPath(std::string_view back) {
  if (back.empty() || back[0] != '/' || back.size() > 512) return "/";
  if (back.size() > 1 && (back[1] == '/' || back[1] == '\\')) return "/";
  for (char c : back) {
    if (static_cast<unsigned char>(c) < 0x20 || c == '\\') return "/";
  }
  return std::string(back);
}

std::string ModelOf(const reports::DeviceView& d) {
  if (d.peripheral && d.peripheral->spec) return d.peripheral->spec->model;
  if (d.spec) return d.spec->model;
  return "";
}

}  // namespace

struct Portal::Impl {
  PortalConfig config;
  reports::ReportConfig report_config;
  reports::Catalog catalog;
  const Clock& clock;
  std::function<void()> mail_queued;
  std::string origin;

  std::mutex write_mu;  // guards writer (and every transaction on it)
  std::unique_ptr<store::Db> writer;

  std::mutex readers_mu;
  std::vector<std::unique_ptr<store::Db>> idle_readers;

  RateLimiter address_limiter;
  RateLimiter account_limiter;
  RateLimiter post_limiter;

  struct CachedReport {
    int64_t built_at = 0;
    std::shared_ptr<const reports::CustomerReport> report;
  };
  std::mutex cache_mu;
  std::map<int64_t, CachedReport> report_cache;

  std::atomic<uint64_t> next_request_id{1};

  Impl(PortalConfig c, reports::ReportConfig rc, reports::Catalog cat, const Clock& clk)
      : config(std::move(c)),
        report_config(std::move(rc)),
        catalog(std::move(cat)),
        clock(clk),
        address_limiter(config.address_limit, clk),
        account_limiter(config.account_limit, clk),
        post_limiter(config.post_limit, clk) {}

  // --- store access ---

  // A read-only connection for this request, back to the pool when done.
  class Reader {
   public:
    Reader(Impl* impl, std::unique_ptr<store::Db> db) : impl_(impl), db_(std::move(db)) {}
    ~Reader() {
      if (db_ == nullptr) return;
      std::lock_guard<std::mutex> lock(impl_->readers_mu);
      if (impl_->idle_readers.size() < impl_->config.http.threads + 2) {
        impl_->idle_readers.push_back(std::move(db_));
      }
    }
    Reader(Reader&&) = default;
    store::Db& operator*() { return *db_; }

   private:
    Impl* impl_;
    std::unique_ptr<store::Db> db_;
  };

  Result<Reader> AcquireReader() {
    {
      std::lock_guard<std::mutex> lock(readers_mu);
      if (!idle_readers.empty()) {
        std::unique_ptr<store::Db> db = std::move(idle_readers.back());
        idle_readers.pop_back();
        return Reader(this, std::move(db));
      }
    }
    auto db = store::Db::OpenReader(config.database);
    if (!db.ok()) return db.status();
    return Reader(this, std::move(*db));
  }

  // --- responses ---

  PageContext PageCtx(const Ctx& ctx) const {
    PageContext p;
    p.lang = ctx.lang;
    p.path = ctx.request->path;
    if (!ctx.request->query.empty()) {
      std::string q;
      for (const auto& [k, v] : ctx.request->query) {
        if (k == "sent" || k == "saved") continue;  // one-time notices
        q += (q.empty() ? "?" : "&") + UrlEncode(k) + "=" + UrlEncode(v);
      }
      p.path += q;
    }
    if (ctx.session && ctx.customer) {
      p.signed_in = true;
      p.customer_name = ctx.customer->name;
      p.user_id = ctx.customer->user_id;
      p.csrf_token = ctx.session->csrf_token;
    }
    return p;
  }

  Response Page(int status, std::string body) const {
    Response r;
    r.status = status;
    r.body = std::move(body);
    return r;
  }

  Response Error(const Ctx& ctx, int status, std::string_view english) const {
    return Page(status, RenderErrorPage(PageCtx(ctx), status, Tr(ctx.lang, english)));
  }

  Response Internal(const Ctx& ctx, const Status& cause) {
    uint64_t id = next_request_id.fetch_add(1);
    LogError(fmt::format("portal: request {} {} {}: {}", id, ctx.request->method, ctx.request->path,
                         cause.ToString()));
    return Error(ctx, 500, "Internal error. Please try again later.");
  }

  static Response Redirect(std::string location) {
    Response r;
    r.status = 303;
    r.content_type = "text/plain; charset=utf-8";
    r.AddHeader("Location", std::move(location));
    return r;
  }

  Response TooMany(const Ctx& ctx, int retry_after_s) const {
    Response r = Error(ctx, 429, "Too many requests. Please wait a moment and try again.");
    r.AddHeader("Retry-After", std::to_string(std::max(1, retry_after_s)));
    return r;
  }

  CookieOptions Cookie(int64_t max_age_s) const {
    CookieOptions o;
    o.max_age_s = max_age_s;
    o.secure = config.secure_cookies;
    return o;
  }

  void AddSecurityHeaders(Response& r) const {
    r.AddHeader("Content-Security-Policy", std::string(kCsp));
    r.AddHeader("X-Content-Type-Options", "nosniff");
    r.AddHeader("X-Frame-Options", "DENY");
    r.AddHeader("Referrer-Policy", "same-origin");
    if (!r.FindHeader("Cache-Control")) r.AddHeader("Cache-Control", "no-store");
    if (origin.rfind("https://", 0) == 0) {
      r.AddHeader("Strict-Transport-Security", "max-age=31536000");
    }
  }

  // --- request plumbing ---

  std::string ClientIp(const Request& request) const {
    if (std::find(config.trusted_proxies.begin(), config.trusted_proxies.end(),
                  request.client_ip) == config.trusted_proxies.end()) {
      return request.client_ip;
    }
    const std::string& forwarded = request.Header("x-forwarded-for");
    if (forwarded.empty()) return request.client_ip;
    std::string_view last = forwarded;
    if (size_t comma = last.rfind(','); comma != std::string_view::npos) {
      last = last.substr(comma + 1);
    }
    std::string ip(TrimWhitespace(last));
    return ip.empty() || ip.size() > 64 ? request.client_ip : ip;
  }

  // The POST's Origin (or Referer) is ours.
  bool SameOrigin(const Request& request) const {
    std::string from = request.Header("origin");
    if (from.empty()) {
      const std::string& referer = request.Header("referer");
      if (referer.empty()) return false;
      from = referer;
    }
    return OriginOf(from) == origin;
  }

  // Loads the session and its customer from the cookie (no session when the
  // cookie is absent, unknown, expired or revoked).
  Status LoadSession(Ctx& ctx) {
    auto it = ctx.cookies.find(std::string(kSessionCookie));
    if (it == ctx.cookies.end() || it->second.empty() || it->second.size() > 128) {
      return Status::Ok();
    }
    auto reader = AcquireReader();
    if (!reader.ok()) return reader.status();
    auto session = store::FindActivePortalSession(**reader, Sha256Hex(it->second), ctx.now_s);
    if (!session.ok()) return session.status();
    if (!*session) return Status::Ok();
    auto customer = store::GetPortalCustomer(**reader, (*session)->customer_id);
    if (!customer.ok()) return customer.status();
    ctx.session = std::move(**session);
    ctx.customer = std::move(*customer);
    return Status::Ok();
  }

  // Parses a POST form: nullopt and *error set when it cannot be used.
  std::optional<std::map<std::string, std::string>> Form(const Ctx& ctx, Response* error) const {
    auto form = ParseForm(ctx.request->body, config.max_field_bytes);
    if (form.ok()) return std::move(*form);
    *error = form.status().code() == StatusCode::kOutOfRange
                 ? Error(ctx, 413, "A field is too long.")
                 : Error(ctx, 400, "The form could not be read.");
    return std::nullopt;
  }

  static std::string Field(const std::map<std::string, std::string>& form, const char* name) {
    auto it = form.find(name);
    return it == form.end() ? std::string() : it->second;
  }

  // --- the report and the offers of a customer ---

  Result<std::shared_ptr<const reports::CustomerReport>> ReportOf(const Ctx& ctx) {
    int64_t id = ctx.customer->customer_id;
    {
      std::lock_guard<std::mutex> lock(cache_mu);
      auto it = report_cache.find(id);
      if (it != report_cache.end() && ctx.now_s - it->second.built_at < kReportCacheS &&
          ctx.now_s >= it->second.built_at) {
        return it->second.report;
      }
    }
    auto reader = AcquireReader();
    if (!reader.ok()) return reader.status();
    auto report = reports::BuildCustomerReport(**reader, report_config, catalog,
                                               ctx.customer->user_id, LocalDate(clock.Now()));
    if (!report.ok()) return report.status();
    auto shared = std::make_shared<const reports::CustomerReport>(std::move(*report));
    std::lock_guard<std::mutex> lock(cache_mu);
    if (report_cache.size() > 10000) report_cache.clear();
    report_cache[id] = CachedReport{ctx.now_s, shared};
    return shared;
  }

  void ForgetReport(int64_t customer_id) {
    std::lock_guard<std::mutex> lock(cache_mu);
    report_cache.erase(customer_id);
  }

  std::vector<reports::CatalogOffer> OffersOf(const reports::CustomerReport& report) const {
    std::vector<std::string> models;
    for (const reports::DeviceView& d : report.devices) {
      std::string model = ModelOf(d);
      if (d.retired || model.empty()) continue;
      if (std::find(models.begin(), models.end(), model) == models.end()) models.push_back(model);
    }
    return reports::OffersForModels(catalog, models);
  }

  // What a contact request is about, from its "product" or "proposal"
  // parameter; only the customer's own proposals and the offers for their
  // devices. NotFound otherwise.
  Result<ContactSubject> SubjectOf(const Ctx& ctx, const std::string& product,
                                   const std::string& proposal) {
    ContactSubject subject;
    if (!proposal.empty()) {
      std::optional<int64_t> id = ParseId(proposal);
      if (!id) return NotFoundError("no such proposal");
      auto reader = AcquireReader();
      if (!reader.ok()) return reader.status();
      auto p = store::GetCustomerProposal(**reader, ctx.customer->customer_id, *id);
      if (!p.ok()) return p.status();
      subject.kind = "proposal";
      subject.product_number = p->product_number;
      subject.product_name = p->product_name;
      subject.detail = p->summary;
      subject.price_minor_units = p->price_minor_units;
      subject.currency = p->currency;
      subject.proposal_id = p->id;
      return subject;
    }
    if (product.empty()) return NotFoundError("no product named");
    auto report = ReportOf(ctx);
    if (!report.ok()) return report.status();
    for (const reports::CatalogOffer& offer : OffersOf(**report)) {
      if (offer.product_number != product) continue;
      subject.kind = "product";
      subject.product_number = offer.product_number;
      subject.product_name = offer.name;
      subject.detail = offer.detail;
      subject.price_minor_units = offer.price_minor_units;
      subject.currency = offer.currency;
      return subject;
    }
    return NotFoundError("no such product for this customer");
  }

  // The sales person a customer's mails go to: the assigned one, else the
  // configured fallback; false when neither.
  bool ResolveSales(store::PortalCustomer& customer) const {
    if (!customer.sales_email.empty()) return true;
    if (config.fallback_sales_email.empty()) return false;
    customer.sales_name = config.fallback_sales_name;
    customer.sales_email = config.fallback_sales_email;
    return true;
  }

  MailContext MailCtx() const {
    MailContext m;
    m.from = mail::Address{config.mail.from_name, config.mail.from_email};
    m.portal_url = origin;
    m.date = clock.Now();
    return m;
  }

  // A new session for the customer: the Set-Cookie header value.
  Result<std::string> StartSession(int64_t customer_id, int64_t now_s) {
    auto token = NewToken();
    if (!token.ok()) return token.status();
    auto csrf = NewToken();
    if (!csrf.ok()) return csrf.status();
    store::PortalSession session;
    session.token_sha256 = Sha256Hex(*token);
    session.customer_id = customer_id;
    session.csrf_token = *csrf;
    session.created_at = now_s;
    session.expires_at = now_s + config.session_ttl_s;
    {
      std::lock_guard<std::mutex> lock(write_mu);
      PERISCOPE_RETURN_IF_ERROR(store::InsertPortalSession(*writer, session));
    }
    return SetCookieValue(kSessionCookie, *token, Cookie(config.session_ttl_s));
  }

  // The pre-session token of the sign-in and invite forms: the cookie's, or a
  // new one (then *set_cookie is its Set-Cookie value).
  Result<std::string> PreSessionToken(const Ctx& ctx, std::string* set_cookie) const {
    auto it = ctx.cookies.find(std::string(kPreSessionCookie));
    if (it != ctx.cookies.end() && it->second.size() == 43) return it->second;
    auto token = NewToken();
    if (!token.ok()) return token.status();
    *set_cookie = SetCookieValue(kPreSessionCookie, *token, Cookie(kPreSessionTtlS));
    return *token;
  }

  // The form of a POST without a session (sign-in, invite): readable, and its
  // csrf field equal to the pre-session cookie; nullopt and *error otherwise.
  std::optional<std::map<std::string, std::string>> PreSessionForm(const Ctx& ctx,
                                                                   Response* error) const {
    auto form = Form(ctx, error);
    if (!form) return std::nullopt;
    auto it = ctx.cookies.find(std::string(kPreSessionCookie));
    if (it == ctx.cookies.end() || it->second.empty() ||
        !ConstantTimeEquals(it->second, Field(*form, "csrf"))) {
      *error = Error(ctx, 403, "This form has expired. Please reload the page and try again.");
      return std::nullopt;
    }
    return form;
  }

  // A page with a pre-session form: its token (the cookie's, or a new one set
  // with the page) is the form's csrf.
  template <typename Render>
  Response PreSessionPage(Ctx& ctx, int status, Render render) {
    std::string set_cookie;
    auto token = PreSessionToken(ctx, &set_cookie);
    if (!token.ok()) return Internal(ctx, token.status());
    PageContext p = PageCtx(ctx);
    p.csrf_token = *token;
    Response r = Page(status, render(p));
    if (!set_cookie.empty()) r.AddHeader("Set-Cookie", set_cookie);
    return r;
  }

  // The customer of a usable invite token; nullopt (answer 410) for an
  // unknown, used or expired one.
  Result<std::optional<store::PortalCustomer>> InviteCustomer(const std::string& token,
                                                              int64_t now_s) {
    if (token.empty() || token.size() > 128) return std::optional<store::PortalCustomer>();
    auto reader = AcquireReader();
    if (!reader.ok()) return reader.status();
    auto id = store::CheckPortalInvite(**reader, Sha256Hex(token), now_s);
    if (!id.ok()) {
      if (id.status().code() == StatusCode::kNotFound ||
          id.status().code() == StatusCode::kFailedPrecondition) {
        return std::optional<store::PortalCustomer>();
      }
      return id.status();
    }
    auto customer = store::GetPortalCustomer(**reader, *id);
    if (!customer.ok()) return customer.status();
    return std::optional<store::PortalCustomer>(std::move(*customer));
  }

  // --- handlers ---

  Response Dispatch(Ctx& ctx);
  Response SignInPage(Ctx& ctx, int status, std::string_view user_id, std::string_view error);
  Response SignIn(Ctx& ctx);
  Response SignOut(Ctx& ctx);
  Response InvitePage(Ctx& ctx);
  Response SetPasswordFromInvite(Ctx& ctx);
  Response Products(Ctx& ctx);
  Response ContactPage(Ctx& ctx);
  Response Contact(Ctx& ctx);
  Response Requests(Ctx& ctx);
  Response AccountPage(Ctx& ctx);
  Response Account(Ctx& ctx);
  Response SwitchLanguage(Ctx& ctx);
};

Response Portal::Impl::SignInPage(Ctx& ctx, int status, std::string_view user_id,
                                  std::string_view error) {
  return PreSessionPage(ctx, status,
                        [&](const PageContext& p) { return RenderSignInPage(p, user_id, error); });
}

Response Portal::Impl::SignIn(Ctx& ctx) {
  Response error;
  auto form = PreSessionForm(ctx, &error);
  if (!form) return error;
  std::string user_id = Field(*form, "user_id");
  std::string password = Field(*form, "password");
  if (user_id.size() > kMaxUserIdBytes || password.size() > kMaxPasswordBytes) {
    return Error(ctx, 413, "A field is too long.");
  }
  int retry_after = 0;
  if (!account_limiter.Allow("signin:" + user_id, 1, &retry_after)) {
    return TooMany(ctx, retry_after);
  }
  const std::string_view wrong = "Wrong customer ID or password.";
  std::optional<store::PortalCustomer> customer;
  std::optional<store::PortalAccount> account;
  {
    auto reader = AcquireReader();
    if (!reader.ok()) return Internal(ctx, reader.status());
    auto found = store::FindPortalCustomer(**reader, user_id);
    if (found.ok()) {
      customer = std::move(*found);
      auto acc = store::GetPortalAccount(**reader, customer->customer_id);
      if (!acc.ok()) return Internal(ctx, acc.status());
      account = std::move(*acc);
    } else if (found.status().code() != StatusCode::kNotFound) {
      return Internal(ctx, found.status());
    }
  }
  if (!account) {
    // As long as a real check, so the answer does not tell which IDs exist.
    (void)VerifyPassword(password, DummyPasswordHash());
    return SignInPage(ctx, 401, user_id, Tr(ctx.lang, wrong));
  }
  if (account->locked_until > ctx.now_s) {
    Response r =
        SignInPage(ctx, 429, user_id,
                   Tr(ctx.lang, "Too many failed sign-ins. This account is locked for a while."));
    r.AddHeader("Retry-After", std::to_string(account->locked_until - ctx.now_s));
    return r;
  }
  if (!VerifyPassword(password, account->password_hash)) {
    Result<store::PortalAccount> after = [&] {
      std::lock_guard<std::mutex> lock(write_mu);
      return store::RecordFailedSignIn(*writer, customer->customer_id, config.max_failed_signins,
                                       config.lock_s, ctx.now_s);
    }();
    if (!after.ok()) return Internal(ctx, after.status());
    if (after->locked_until > ctx.now_s) {
      LogWarning(fmt::format("portal: customer {} locked after {} failed sign-ins from {}",
                             customer->user_id, config.max_failed_signins, ctx.client_ip));
      Response r =
          SignInPage(ctx, 429, user_id,
                     Tr(ctx.lang, "Too many failed sign-ins. This account is locked for a while."));
      r.AddHeader("Retry-After", std::to_string(after->locked_until - ctx.now_s));
      return r;
    }
    return SignInPage(ctx, 401, user_id, Tr(ctx.lang, wrong));
  }
  {
    std::lock_guard<std::mutex> lock(write_mu);
    Status s = store::RecordSignIn(*writer, customer->customer_id, ctx.now_s);
    if (!s.ok()) return Internal(ctx, s);
  }
  auto cookie = StartSession(customer->customer_id, ctx.now_s);
  if (!cookie.ok()) return Internal(ctx, cookie.status());
  Response r = Redirect("/products");
  r.AddHeader("Set-Cookie", *cookie);
  r.AddHeader("Set-Cookie", SetCookieValue(kPreSessionCookie, "", Cookie(0)));
  return r;
}

Response Portal::Impl::SignOut(Ctx& ctx) {
  auto it = ctx.cookies.find(std::string(kSessionCookie));
  {
    std::lock_guard<std::mutex> lock(write_mu);
    Status s = store::RevokePortalSession(*writer, Sha256Hex(it->second), ctx.now_s);
    if (!s.ok()) return Internal(ctx, s);
  }
  Response r = Redirect("/signin");
  r.AddHeader("Set-Cookie", SetCookieValue(kSessionCookie, "", Cookie(0)));
  return r;
}

Response Portal::Impl::InvitePage(Ctx& ctx) {
  const std::string& token = ctx.request->Query("token");
  auto customer = InviteCustomer(token, ctx.now_s);
  if (!customer.ok()) return Internal(ctx, customer.status());
  if (!*customer) return Error(ctx, 410, "This link has been used or has expired.");
  return PreSessionPage(ctx, 200, [&](const PageContext& p) {
    return RenderSetPasswordPage(p, token, (*customer)->user_id, "");
  });
}

Response Portal::Impl::SetPasswordFromInvite(Ctx& ctx) {
  Response error;
  auto form = PreSessionForm(ctx, &error);
  if (!form) return error;
  std::string token = Field(*form, "token");
  std::string password = Field(*form, "password");
  if (password.size() > kMaxPasswordBytes) return Error(ctx, 413, "A field is too long.");
  auto invited = InviteCustomer(token, ctx.now_s);
  if (!invited.ok()) return Internal(ctx, invited.status());
  if (!*invited) return Error(ctx, 410, "This link has been used or has expired.");
  const store::PortalCustomer* customer = &**invited;
  const std::string token_sha = Sha256Hex(token);
  auto page_error = [&](std::string_view english) {
    PageContext p = PageCtx(ctx);
    p.csrf_token = Field(*form, "csrf");
    return Page(400, RenderSetPasswordPage(p, token, customer->user_id, Tr(ctx.lang, english)));
  };
  if (password != Field(*form, "password_confirm")) {
    return page_error("The two passwords differ.");
  }
  if (!CheckPasswordRules(password, customer->user_id).ok()) {
    return page_error(
        "The password must be 10 to 256 characters long, not one repeated character, and not "
        "your customer ID.");
  }
  auto hash = HashPassword(password);
  if (!hash.ok()) return Internal(ctx, hash.status());
  Result<int64_t> consumed = [&] {
    std::lock_guard<std::mutex> lock(write_mu);
    return store::ConsumePortalInvite(*writer, token_sha, *hash, ctx.now_s);
  }();
  if (!consumed.ok()) {
    if (consumed.status().code() == StatusCode::kNotFound ||
        consumed.status().code() == StatusCode::kFailedPrecondition) {
      return Error(ctx, 410, "This link has been used or has expired.");
    }
    return Internal(ctx, consumed.status());
  }
  auto cookie = StartSession(*consumed, ctx.now_s);
  if (!cookie.ok()) return Internal(ctx, cookie.status());
  Response r = Redirect("/products");
  r.AddHeader("Set-Cookie", *cookie);
  r.AddHeader("Set-Cookie", SetCookieValue(kPreSessionCookie, "", Cookie(0)));
  return r;
}

Response Portal::Impl::Products(Ctx& ctx) {
  auto report = ReportOf(ctx);
  if (!report.ok()) return Internal(ctx, report.status());
  return Page(200, RenderProductsPage(PageCtx(ctx), **report, OffersOf(**report)));
}

Response Portal::Impl::ContactPage(Ctx& ctx) {
  auto subject = SubjectOf(ctx, ctx.request->Query("product"), ctx.request->Query("proposal"));
  if (!subject.ok()) {
    if (subject.status().code() == StatusCode::kNotFound) {
      return Error(ctx, 404, "No such product or proposal.");
    }
    return Internal(ctx, subject.status());
  }
  ContactForm form;
  form.contact_name = ctx.customer->contact_person;
  form.phone = ctx.customer->phone;
  form.email = ctx.customer->email;
  return Page(200, RenderContactPage(PageCtx(ctx), *subject, form, {}));
}

Response Portal::Impl::Contact(Ctx& ctx) {
  Response error;
  auto form = Form(ctx, &error);
  if (!form) return error;
  auto subject = SubjectOf(ctx, Field(*form, "product"), Field(*form, "proposal"));
  if (!subject.ok()) {
    if (subject.status().code() == StatusCode::kNotFound) {
      return Error(ctx, 404, "No such product or proposal.");
    }
    return Internal(ctx, subject.status());
  }
  ContactForm entered;
  entered.contact_name = std::string(TrimWhitespace(Field(*form, "contact_name")));
  entered.phone = std::string(TrimWhitespace(Field(*form, "phone")));
  entered.email = std::string(TrimWhitespace(Field(*form, "email")));
  entered.preferred_time = std::string(TrimWhitespace(Field(*form, "preferred_time")));
  entered.message = Field(*form, "message");
  if (entered.contact_name.size() > kMaxNameBytes || entered.phone.size() > kMaxPhoneBytes ||
      entered.email.size() > kMaxEmailBytes ||
      entered.preferred_time.size() > kMaxPreferredTimeBytes ||
      entered.message.size() > kMaxMessageBytes) {
    return Error(ctx, 413, "A field is too long.");
  }
  FieldErrors errors;
  if (entered.contact_name.empty()) errors["contact_name"] = Tr(ctx.lang, "Please enter a name.");
  if (!entered.email.empty() && !mail::ValidateAddress(entered.email).ok()) {
    errors["email"] = Tr(ctx.lang, "This is not an e-mail address.");
  }
  if (!entered.phone.empty() && !IsPhoneText(entered.phone)) {
    errors["phone"] = Tr(ctx.lang, "Use digits, spaces and + - ( ) only.");
  }
  if (entered.email.empty() && entered.phone.empty()) {
    errors["email"] = Tr(ctx.lang, "Please give an e-mail address or a phone number.");
  }
  if (!errors.empty()) return Page(400, RenderContactPage(PageCtx(ctx), *subject, entered, errors));

  int64_t request_id = 0;
  {
    std::lock_guard<std::mutex> lock(write_mu);
    Status s = store::InTransaction(*writer, [&]() -> Status {
      auto customer = store::GetPortalCustomer(*writer, ctx.customer->customer_id);
      if (!customer.ok()) return customer.status();
      if (!ResolveSales(*customer)) {
        return FailedPreconditionError("no sales person assigned and no fallback configured");
      }
      store::ContactRequest request;
      request.customer_id = customer->customer_id;
      request.created_at = ctx.now_s;
      request.subject_kind = subject->kind;
      request.product_number = subject->product_number;
      request.product_name = subject->product_name;
      request.proposal_id = subject->proposal_id;
      request.contact_name = entered.contact_name;
      request.phone = entered.phone;
      request.email = entered.email;
      request.preferred_time = entered.preferred_time;
      request.message = entered.message;
      request.sales_staff_id = customer->sales_staff_id;
      request.sales_email = customer->sales_email;
      auto id = store::InsertContactRequest(*writer, request);
      if (!id.ok()) return id.status();
      request.id = *id;
      auto prepared = mail::PrepareOutboxMail(
          ContactRequestMail(MailCtx(), *customer, request, *subject), "portal-contact", clock);
      if (!prepared.ok()) return prepared.status();
      auto outbox_id = store::InsertOutboxMail(*writer, *prepared, ctx.now_s);
      if (!outbox_id.ok()) return outbox_id.status();
      request_id = *id;
      return store::SetContactRequestOutbox(*writer, *id, *outbox_id);
    });
    if (s.code() == StatusCode::kFailedPrecondition) {
      return Error(ctx, 503,
                   "No sales contact is assigned to your account yet. Please call us instead.");
    }
    if (!s.ok()) return Internal(ctx, s);
  }
  LogInfo(fmt::format("portal: contact request {} from customer {} about {}", request_id,
                      ctx.customer->user_id, subject->product_number));
  if (mail_queued) mail_queued();
  return Redirect(fmt::format("/requests?sent={}", request_id));
}

Response Portal::Impl::Requests(Ctx& ctx) {
  auto reader = AcquireReader();
  if (!reader.ok()) return Internal(ctx, reader.status());
  auto requests = store::ListContactRequests(**reader, ctx.customer->customer_id);
  if (!requests.ok()) return Internal(ctx, requests.status());
  auto changes = store::ListCustomerChanges(**reader, ctx.customer->customer_id);
  if (!changes.ok()) return Internal(ctx, changes.status());
  PageContext p = PageCtx(ctx);
  if (const std::string& sent = ctx.request->Query("sent"); !sent.empty()) {
    // Only for one of the customer's own requests.
    std::optional<int64_t> id = ParseId(sent);
    auto own = id ? store::GetContactRequest(**reader, ctx.customer->customer_id, *id)
                  : Result<store::ContactRequest>(NotFoundError("no such request"));
    if (!own.ok()) {
      if (own.status().code() == StatusCode::kNotFound) {
        return Error(ctx, 404, "No such request.");
      }
      return Internal(ctx, own.status());
    }
    p.notice = Tr(ctx.lang, "Your request was received and is being sent to your sales contact.");
  }
  return Page(200, RenderRequestsPage(p, *requests, *changes));
}

Response Portal::Impl::AccountPage(Ctx& ctx) {
  PageContext p = PageCtx(ctx);
  const std::string& saved = ctx.request->Query("saved");
  if (saved == "1") {
    p.notice = Tr(ctx.lang, "Saved. Your sales contact has been told.");
  } else if (saved == "0") {
    p.notice = Tr(ctx.lang, "Nothing was changed.");
  }
  store::CustomerContactInfo form{ctx.customer->contact_person, ctx.customer->address,
                                  ctx.customer->phone, ctx.customer->email};
  return Page(200, RenderAccountPage(p, *ctx.customer, form, {}));
}

Response Portal::Impl::Account(Ctx& ctx) {
  Response error;
  auto form = Form(ctx, &error);
  if (!form) return error;
  store::CustomerContactInfo info;
  info.contact_person = std::string(TrimWhitespace(Field(*form, "contact_person")));
  info.address = std::string(TrimWhitespace(Field(*form, "address")));
  info.phone = std::string(TrimWhitespace(Field(*form, "phone")));
  info.email = std::string(TrimWhitespace(Field(*form, "email")));
  if (info.contact_person.size() > kMaxNameBytes || info.address.size() > kMaxAddressBytes ||
      info.phone.size() > kMaxPhoneBytes || info.email.size() > kMaxEmailBytes) {
    return Error(ctx, 413, "A field is too long.");
  }
  FieldErrors errors;
  if (info.contact_person.empty()) {
    errors["contact_person"] = Tr(ctx.lang, "Please enter a name.");
  }
  if (!mail::ValidateAddress(info.email).ok()) {
    errors["email"] = Tr(ctx.lang, "This is not an e-mail address.");
  }
  if (!IsPhoneText(info.phone))
    errors["phone"] = Tr(ctx.lang, "Use digits, spaces and + - ( ) only.");
  if (!errors.empty())
    return Page(400, RenderAccountPage(PageCtx(ctx), *ctx.customer, info, errors));

  bool changed = false;
  {
    std::lock_guard<std::mutex> lock(write_mu);
    Status s = store::InTransaction(*writer, [&]() -> Status {
      auto set = store::UpdateCustomerContactInfo(*writer, ctx.customer->customer_id, info,
                                                  "portal", ctx.now_s);
      if (!set.ok()) return set.status();
      if (set->changes.empty()) return Status::Ok();
      changed = true;
      auto after = store::GetPortalCustomer(*writer, ctx.customer->customer_id);
      if (!after.ok()) return after.status();
      if (!ResolveSales(*after)) {
        LogWarning(
            fmt::format("portal: customer {} changed registered data; no sales person to tell",
                        after->user_id));
        return Status::Ok();
      }
      auto prepared = mail::PrepareOutboxMail(CustomerUpdateMail(MailCtx(), *after, *set),
                                              "portal-update", clock);
      if (!prepared.ok()) return prepared.status();
      auto outbox_id = store::InsertOutboxMail(*writer, *prepared, ctx.now_s);
      if (!outbox_id.ok()) return outbox_id.status();
      return store::SetCustomerChangesOutbox(*writer, ctx.customer->customer_id, set->change_set,
                                             *outbox_id);
    });
    if (!s.ok()) return Internal(ctx, s);
  }
  if (!changed) return Redirect("/account?saved=0");
  ForgetReport(ctx.customer->customer_id);
  LogInfo(fmt::format("portal: customer {} updated registered information", ctx.customer->user_id));
  if (mail_queued) mail_queued();
  return Redirect("/account?saved=1");
}

Response Portal::Impl::SwitchLanguage(Ctx& ctx) {
  Lang lang = Lang::kEn;
  if (!ParseLangCode(ctx.request->Query("to"), &lang)) {
    return Error(ctx, 400, "Unknown language.");
  }
  CookieOptions o = Cookie(365 * 86400);
  o.http_only = false;
  Response r = Redirect(SafeBackPath(ctx.request->Query("back")));
  r.AddHeader("Set-Cookie", SetCookieValue(kLangCookie, LangCode(lang), o));
  return r;
}

Response Portal::Impl::Dispatch(Ctx& ctx) {
  const Request& req = *ctx.request;
  const std::string& path = req.path;
  const bool get = req.method == "GET" || req.method == "HEAD";
  const bool post = req.method == "POST";

  if (path == std::string(kStylesheetPath)) {
    if (!get) return Error(ctx, 405, "Method not allowed.");
    Response r;
    r.content_type = "text/css; charset=utf-8";
    r.body = PortalCss();
    r.AddHeader("Cache-Control", "max-age=3600");
    return r;
  }
  if (path == "/lang") {
    if (!get) return Error(ctx, 405, "Method not allowed.");
    return SwitchLanguage(ctx);
  }

  static const std::set<std::string> kPublicPages = {"/signin", "/invite"};
  static const std::set<std::string> kPrivatePages = {"/",         "/products", "/contact",
                                                      "/requests", "/account",  "/signout"};
  if (kPublicPages.count(path) == 0 && kPrivatePages.count(path) == 0) {
    return Error(ctx, 404, "Page not found.");
  }

  if (post) {
    // Every POST: our own origin, then the form's CSRF token (below, per
    // route), before anything else is looked at.
    if (!SameOrigin(req)) {
      LogWarning(fmt::format("portal: POST {} from {} refused: foreign or missing Origin '{}'",
                             path, ctx.client_ip, req.Header("origin")));
      return Error(ctx, 403, "This request did not come from the portal's own pages.");
    }
    int retry_after = 0;
    if (!post_limiter.Allow(ctx.client_ip, 1, &retry_after)) return TooMany(ctx, retry_after);
  } else if (!get) {
    Response r = Error(ctx, 405, "Method not allowed.");
    r.AddHeader("Allow", path == "/signout" ? "POST" : "GET, POST");
    return r;
  }

  if (path == "/signin") return post ? SignIn(ctx) : SignInPage(ctx, 200, "", "");
  if (path == "/invite") return post ? SetPasswordFromInvite(ctx) : InvitePage(ctx);

  // Signed-in pages.
  if (Status s = LoadSession(ctx); !s.ok()) return Internal(ctx, s);
  if (!ctx.session) {
    if (post) return Error(ctx, 403, "Please sign in again.");
    return Redirect("/signin");
  }
  int retry_after = 0;
  if (!account_limiter.Allow(fmt::format("customer:{}", ctx.session->customer_id), 1,
                             &retry_after)) {
    return TooMany(ctx, retry_after);
  }
  if (post) {
    // A form that cannot be read is refused as such (413, 400); nothing of it
    // is used.
    Response error;
    auto form = Form(ctx, &error);
    if (!form) return error;
    if (!ConstantTimeEquals(Field(*form, "csrf"), ctx.session->csrf_token)) {
      LogWarning(fmt::format("portal: POST {} from {} refused: missing or wrong CSRF token", path,
                             ctx.client_ip));
      return Error(ctx, 403, "This form has expired. Please reload the page and try again.");
    }
  }
  if (path == "/") return Redirect("/products");
  if (path == "/signout") {
    if (!post) return Error(ctx, 405, "Method not allowed.");
    return SignOut(ctx);
  }
  if (path == "/products") return post ? Error(ctx, 405, "Method not allowed.") : Products(ctx);
  if (path == "/contact") return post ? Contact(ctx) : ContactPage(ctx);
  if (path == "/requests") return post ? Error(ctx, 405, "Method not allowed.") : Requests(ctx);
  if (path == "/account") return post ? Account(ctx) : AccountPage(ctx);
  return Error(ctx, 404, "Page not found.");
}

Portal::Portal(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Portal::~Portal() = default;

Result<std::unique_ptr<Portal>> Portal::Open(const PortalConfig& config,
                                             const reports::ReportConfig& report_config,
                                             reports::Catalog catalog, const Clock& clock,
                                             std::function<void()> mail_queued) {
  auto impl = std::make_unique<Impl>(config, report_config, std::move(catalog), clock);
  impl->mail_queued = std::move(mail_queued);
  auto writer =
      store::Db::OpenWriter(config.database, store::OpenMode::kMustExist, config.busy_timeout);
  if (!writer.ok()) return writer.status();
  // Brings an older store up to this schema (as the poller and tools do).
  PERISCOPE_RETURN_IF_ERROR(store::MigrateExisting(**writer));
  impl->writer = std::move(*writer);
  auto reader = impl->AcquireReader();
  if (!reader.ok()) return reader.status();
  impl->origin = config.public_url.empty()
                     ? OriginOf(fmt::format("http://{}:{}",
                                            config.http.address.find(':') == std::string::npos
                                                ? config.http.address
                                                : "[" + config.http.address + "]",
                                            config.http.port))
                     : config.public_url;
  return std::unique_ptr<Portal>(new Portal(std::move(impl)));
}

void Portal::SetListenUrl(const std::string& url) {
  if (impl_->config.public_url.empty()) impl_->origin = OriginOf(url);
}

const std::string& Portal::public_origin() const { return impl_->origin; }

Response Portal::Handle(const Request& request) {
  Ctx ctx;
  ctx.request = &request;
  ctx.now_s = UnixSeconds(impl_->clock);
  ctx.client_ip = impl_->ClientIp(request);
  ctx.cookies = ParseCookies(request.Header("cookie"));
  auto lang_cookie = ctx.cookies.find(std::string(kLangCookie));
  if (lang_cookie == ctx.cookies.end() || !ParseLangCode(lang_cookie->second, &ctx.lang)) {
    ctx.lang = LangFromAcceptLanguage(request.Header("accept-language"));
  }
  Response response;
  int retry_after = 0;
  if (!impl_->address_limiter.Allow(ctx.client_ip, 1, &retry_after)) {
    response = impl_->TooMany(ctx, retry_after);
  } else {
    try {
      response = impl_->Dispatch(ctx);
    } catch (const std::exception& e) {
      response = impl_->Internal(ctx, InternalError(e.what()));
    }
  }
  impl_->AddSecurityHeaders(response);
  if (request.method == "HEAD") response.body.clear();
  return response;
}

Result<InviteResult> Portal::Invite(const std::string& user_id) {
  Impl& im = *impl_;
  auto token = NewToken();
  if (!token.ok()) return token.status();
  InviteResult result;
  result.user_id = user_id;
  result.link = im.origin + "/invite?token=" + *token;
  const int64_t now_s = UnixSeconds(im.clock);
  result.expires_at = now_s + im.config.invite_ttl_s;
  std::lock_guard<std::mutex> lock(im.write_mu);
  Status s = store::InTransaction(*im.writer, [&]() -> Status {
    auto customer = store::FindPortalCustomer(*im.writer, user_id);
    if (!customer.ok()) return customer.status();
    if (Status valid = mail::ValidateAddress(customer->email); !valid.ok()) {
      return FailedPreconditionError(fmt::format(
          "customer '{}' has no usable e-mail address ('{}'): {}; update it with periscope-store "
          "import customers",
          user_id, customer->email, valid.message()));
    }
    result.email = customer->email;
    auto prepared =
        mail::PrepareOutboxMail(InviteMail(im.MailCtx(), *customer, result.link, result.expires_at),
                                "portal-invite", im.clock);
    if (!prepared.ok()) return prepared.status();
    auto outbox_id = store::InsertOutboxMail(*im.writer, *prepared, now_s);
    if (!outbox_id.ok()) return outbox_id.status();
    result.outbox_id = *outbox_id;
    return store::InsertPortalInvite(*im.writer, customer->customer_id, Sha256Hex(*token), now_s,
                                     result.expires_at, *outbox_id);
  });
  if (!s.ok()) return s;
  return result;
}

Status Portal::SetPassword(const std::string& user_id, const std::string& password) {
  Impl& im = *impl_;
  PERISCOPE_RETURN_IF_ERROR(CheckPasswordRules(password, user_id));
  auto hash = HashPassword(password);
  if (!hash.ok()) return hash.status();
  std::lock_guard<std::mutex> lock(im.write_mu);
  auto customer = store::FindPortalCustomer(*im.writer, user_id);
  if (!customer.ok()) return customer.status();
  return store::SetPortalPassword(*im.writer, customer->customer_id, *hash, UnixSeconds(im.clock));
}

Result<mail::DeliveryStats> Portal::DeliverMail(mail::Mailer& mailer,
                                                const mail::RetryPolicy& policy) {
  Impl& im = *impl_;
  {
    std::lock_guard<std::mutex> lock(im.write_mu);
    auto deleted = store::DeleteOldPortalSessions(*im.writer, UnixSeconds(im.clock), 7 * 86400);
    if (!deleted.ok()) return deleted.status();
  }
  return mail::DeliverDue(*im.writer, mailer, im.clock, policy, std::nullopt, &im.write_mu);
}

}  // namespace periscope::portal
