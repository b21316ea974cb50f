// The portal application (seed 002): routes a Request to its page or action.
// No HTTP library here (portal/http_server.h serves it); every route works
// without JavaScript.
//
// Routes (GET unless said):
//   /                      -> 303 /products (signed in) or /signin
//   /signin, POST /signin  customer ID + password; lockout after failures
//   /invite?token=T, POST /invite   first password from a single-use link
//   POST /signout          revokes the session
//   /products              devices with usage and charts, proposals, catalog offers
//   /contact?product=N | ?proposal=ID, POST /contact   a contact request
//   /requests              the customer's requests and changes, with mail state
//   /account, POST /account   registered information and its update
//   /lang?to=en|ja&back=PATH   the language switch (a cookie), 303 back
//   /assets/portal.css     the stylesheet
//
// Security (each answered before any page is rendered or anything stored):
// - every response: a strict Content-Security-Policy (default-src 'none';
//   style-src 'self'; img-src 'self' data:; form-action 'self';
//   frame-ancestors 'none'; base-uri 'none'), X-Content-Type-Options,
//   Referrer-Policy same-origin, Cache-Control no-store on pages;
// - POST: the Origin (or, without it, the Referer) must be the public URL's
//   origin, else 403; the form's csrf field must equal the session's token (or
//   the pre-session cookie's, for sign-in and invite), else 403;
// - rate limits per client address (all requests), per address for POSTs, and
//   per account: 429 with Retry-After;
// - a field over the cap: 413; bad form encoding: 400;
// - every read and write is of the signed-in customer's own record (ids from
//   the session, never from the request); another customer's proposal or
//   request: 404;
// - errors never show SQL, paths or stack traces (500 "internal error",
//   the cause logged).
//
// Thread-safe: Handle may run on several threads at once. Writes go through
// one writer connection under a mutex (store/db.h policy); reads through a
// pool of read-only connections.
#ifndef PERISCOPE_PORTAL_PORTAL_H_
#define PERISCOPE_PORTAL_PORTAL_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "core/clock.h"
#include "core/status.h"
#include "mail/mailer.h"
#include "mail/outbox.h"
#include "portal/config.h"
#include "portal/http.h"
#include "reports/catalog.h"
#include "reports/config.h"

namespace periscope::portal {

inline constexpr std::string_view kSessionCookie = "periscope_session";
inline constexpr std::string_view kPreSessionCookie = "periscope_pre";
inline constexpr std::string_view kLangCookie = "periscope_lang";

struct InviteResult {
  std::string user_id;
  std::string email;  // where the link was mailed
  std::string link;   // PUBLIC_URL/invite?token=...
  int64_t expires_at = 0;
  int64_t outbox_id = 0;
};

class Portal {
 public:
  // Opens the store (writer and readers; NotFound/FailedPrecondition as
  // store::Db says), with the report settings and catalog. `mail_queued` is
  // called (on a request thread) after a mail was committed to the outbox, so
  // the delivery loop can wake; may be empty.
  static Result<std::unique_ptr<Portal>> Open(const PortalConfig& config,
                                              const reports::ReportConfig& report_config,
                                              reports::Catalog catalog, const Clock& clock,
                                              std::function<void()> mail_queued = {});
  ~Portal();

  Response Handle(const Request& request);

  // `periscope-portal invite USER_ID`: a single-use link stored (hashed) and
  // mailed to the customer's registered address, in one transaction.
  // NotFound for an unknown customer, FailedPrecondition for a customer
  // without a valid e-mail.
  Result<InviteResult> Invite(const std::string& user_id);
  // `periscope-portal set-password USER_ID`: for administrators and the demo.
  // The password must meet CheckPasswordRules.
  Status SetPassword(const std::string& user_id, const std::string& password);
  // Delivers due outbox mail through `mailer` (the writer lock is held only
  // around the store's calls, not while a mail is being sent).
  Result<mail::DeliveryStats> DeliverMail(mail::Mailer& mailer, const mail::RetryPolicy& policy);

  // The origin the Origin check accepts ("http://127.0.0.1:8480").
  const std::string& public_origin() const;
  // Set once the server is listening, when <public-url> is not configured.
  void SetListenUrl(const std::string& url);

 private:
  struct Impl;
  explicit Portal(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace periscope::portal

#endif  // PERISCOPE_PORTAL_PORTAL_H_
