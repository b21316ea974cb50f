// The portal's pages: plain server-rendered HTML that works without
// JavaScript, made with render/html.h (every value escaped, bounded). Pure
// functions of their arguments; texts in the page's language (portal/i18n.h).
//
// Stable hooks for tests and browsers (ids and names never change):
// - forms: #signin-form, #set-password-form, #contact-form, #account-form,
//   #signout-form (in the header of every signed-in page); every form posts
//   to its own path with a hidden "csrf" field.
// - field names: signin: user_id, password; set password: token, password,
//   password_confirm; contact: product | proposal (hidden), contact_name,
//   phone, email, preferred_time, message; account: contact_person, address,
//   phone, email.
// - #notice (a one-line success notice), #error (a page-level error),
//   .field-error (next to the field, with data-field="NAME").
// - #devices (the devices with usage and charts: reports::RenderDeviceSection,
//   the daily table cut to the last 31 days),
//   #proposals (table, a link a.contact-link to /contact?proposal=ID per row),
//   #offers (table, a.contact-link to /contact?product=NUMBER per row),
//   #requests and #changes (tables; each row tr[data-id][data-mail-state], the
//   state as store::ContactRequest::mail_state), #registered (dl).
// - the language switch: a#lang-en / a#lang-ja to /lang?to=en|ja&back=PATH.
#ifndef PERISCOPE_PORTAL_PAGES_H_
#define PERISCOPE_PORTAL_PAGES_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "portal/i18n.h"
#include "reports/catalog_offers.h"
#include "reports/report_model.h"
#include "store/portal.h"

namespace periscope::portal {

// Where every page's stylesheet is served (the CSP allows style-src 'self').
inline constexpr std::string_view kStylesheetPath = "/assets/portal.css";
// The stylesheet: render::BaseCss() and the portal's own rules.
std::string PortalCss();

struct PageContext {
  Lang lang = Lang::kEn;
  std::string path = "/";  // this page's path and query (the language switch comes back to it)
  bool signed_in = false;
  std::string customer_name;
  std::string user_id;
  std::string csrf_token;  // put in every form of the page
  std::string notice;      // already translated; empty: none
};

// Field name -> already translated message.
using FieldErrors = std::map<std::string, std::string>;

std::string RenderSignInPage(const PageContext& ctx, std::string_view user_id,
                             std::string_view error);
// The first-password page of an invite link.
std::string RenderSetPasswordPage(const PageContext& ctx, std::string_view invite_token,
                                  std::string_view user_id, std::string_view error);

// Devices with usage and charts, the customer's proposals (customer-facing
// columns only: product, quantity, price, needed by, why; no evidence JSON or
// confidence), and the catalog offers for their devices with prices; each
// proposal and offer links to its contact form.
std::string RenderProductsPage(const PageContext& ctx, const reports::CustomerReport& report,
                               const std::vector<reports::CatalogOffer>& offers);

// What a contact request is about.
struct ContactSubject {
  std::string kind;  // "product" or "proposal"
  std::string product_number;
  std::string product_name;
  std::string detail;  // offer detail or proposal summary
  int64_t price_minor_units = 0;
  std::string currency;
  std::optional<int64_t> proposal_id;
};

struct ContactForm {
  std::string contact_name;
  std::string phone;
  std::string email;
  std::string preferred_time;
  std::string message;
};

std::string RenderContactPage(const PageContext& ctx, const ContactSubject& subject,
                              const ContactForm& form, const FieldErrors& errors);
// The customer's contact requests and registered-information changes, with
// each mail's state ("sent to your sales contact", "queued" ...).
std::string RenderRequestsPage(const PageContext& ctx,
                               const std::vector<store::ContactRequest>& requests,
                               const std::vector<store::CustomerChange>& changes);
// The registered information (#registered: user id, name, contact person,
// address, phone, e-mail, sales contact's name) and the update form
// pre-filled with `form`.
std::string RenderAccountPage(const PageContext& ctx, const store::PortalCustomer& customer,
                              const store::CustomerContactInfo& form, const FieldErrors& errors);
// An error page: the status and a translated one-line message; never a stack
// trace, SQL or a path.
std::string RenderErrorPage(const PageContext& ctx, int status, std::string_view message);

}  // namespace periscope::portal

#endif  // PERISCOPE_PORTAL_PAGES_H_
