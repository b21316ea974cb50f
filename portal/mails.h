// The portal's mails (seed 002): to the assigned sales person, a contact
// request with the customer's registered data, the product and the contact
// information (claims 1-8); the registered information that changed, old and
// new (claims 11-20); to the customer, the invite link for a first password.
// Text and HTML parts; every value from a customer is escaped in the HTML and
// kept out of headers except the subject, whose CR/LF mail::Compose strips.
#ifndef PERISCOPE_PORTAL_MAILS_H_
#define PERISCOPE_PORTAL_MAILS_H_

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "mail/message.h"
#include "portal/pages.h"
#include "store/portal.h"

namespace periscope::portal {

struct MailContext {
  mail::Address from;
  std::string portal_url;  // the public base URL, "https://portal.example.com"
  std::chrono::system_clock::time_point date;
};

// To the sales person (customer.sales_name/sales_email). Subject "Contact
// request from NAME (USER_ID): PRODUCT". Reply-To: the e-mail the customer
// entered when it is a valid address. The text names the request id.
mail::Message ContactRequestMail(const MailContext& ctx, const store::PortalCustomer& customer,
                                 const store::ContactRequest& request,
                                 const ContactSubject& subject);

// To the sales person: every changed field, old and new value, and the
// registered data after the change. `customer` is as stored after it.
mail::Message CustomerUpdateMail(const MailContext& ctx, const store::PortalCustomer& customer,
                                 const store::CustomerChangeSet& changes);

// To the customer's registered e-mail, in English and Japanese: the link
// (single use) and when it expires.
mail::Message InviteMail(const MailContext& ctx, const store::PortalCustomer& customer,
                         std::string_view link, int64_t expires_at);

}  // namespace periscope::portal

#endif  // PERISCOPE_PORTAL_MAILS_H_
