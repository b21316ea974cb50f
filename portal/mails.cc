#include "portal/mails.h"

#include <ctime>
#include <optional>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "core/strings.h"
#include "portal/i18n.h"
#include "render/html.h"

namespace periscope::portal {
namespace {

using render::Element;
using render::SafeHtml;
using render::TextElement;

// One labelled value of a mail. Multi-line values (an address, a message)
// keep their line breaks; every other value is one line.
struct Item {
  std::string label;
  std::string value;
  bool multiline = false;
};

struct Section {
  std::string title;
  std::vector<Item> items;
};

// CRLF and CR (a browser's textarea sends CRLF) become LF, which CleanUtf8
// keeps (a CR would become U+FFFD).
std::string Lf(std::string_view text) { return NormalizeLineBreaks(text); }

// Untrusted text made safe for a plain-text body (no controls, bidi
// overrides or invalid UTF-8; bounded).
std::string Clean(std::string_view text, bool multiline) {
  return render::CleanUtf8(Lf(text), render::kDefaultMaxTextBytes, multiline);
}

// "YYYY-MM-DD HH:MM UTC" of UTC seconds.
std::string FormatUtcMinute(int64_t unix_s) {
  std::time_t t = static_cast<std::time_t>(unix_s);
  std::tm tm{};
  if (::gmtime_r(&t, &tm) == nullptr) return "";
  return fmt::format("{:04d}-{:02d}-{:02d} {:02d}:{:02d} UTC", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min);
}

std::string ProductLabel(std::string_view name, std::string_view number) {
  if (name.empty()) return std::string(number);
  if (number.empty()) return std::string(name);
  return fmt::format("{} ({})", name, number);
}

std::string OrNone(std::string_view value) {
  return value.empty() ? std::string("(none)") : std::string(value);
}

// "  Label: value", a multi-line value on its own indented lines.
std::string TextSections(const std::vector<Section>& sections) {
  std::string out;
  for (const Section& s : sections) {
    out += "\n" + s.title + "\n";
    for (const Item& item : s.items) {
      std::string value = Clean(item.value, item.multiline);
      if (item.multiline && value.find('\n') != std::string::npos) {
        out += "  " + item.label + ":\n";
        size_t start = 0;
        while (start <= value.size()) {
          size_t end = value.find('\n', start);
          if (end == std::string::npos) end = value.size();
          out += "    " + value.substr(start, end - start) + "\n";
          start = end + 1;
        }
      } else {
        out += "  " + item.label + ": " + value + "\n";
      }
    }
  }
  return out;
}

SafeHtml HtmlSections(const std::vector<Section>& sections) {
  SafeHtml out;
  for (const Section& s : sections) {
    SafeHtml list;
    for (const Item& item : s.items) {
      list += TextElement("dt", item.label);
      std::vector<render::Attr> attrs;
      if (item.multiline) attrs.push_back({"class", "multiline"});
      list += TextElement("dd", Lf(item.value), attrs);
    }
    out += render::Heading(2, s.title) + Element("dl", list);
  }
  return out;
}

constexpr std::string_view kMailCss = "dd.multiline { white-space: pre-line; }\n";

std::string HtmlDocument(std::string_view title, const SafeHtml& body) {
  render::PageOptions options;
  options.title = std::string(title);
  options.extra_css = std::string(kMailCss);
  return render::RenderPage(options, body);
}

Section RegisteredData(std::string title, const store::PortalCustomer& c) {
  return Section{std::move(title),
                 {{"Customer ID", c.user_id},
                  {"Company name", c.name},
                  {"Contact person", c.contact_person},
                  {"Address", c.address, true},
                  {"Phone", c.phone},
                  {"E-mail", c.email}}};
}

std::string FieldName(std::string_view field) {
  if (field == "contact_person") return "Contact person";
  if (field == "address") return "Address";
  if (field == "phone") return "Phone";
  if (field == "email") return "E-mail";
  return std::string(field);
}

std::string PortalLine(const MailContext& ctx) {
  std::string line = "Sent by the Periscope customer portal";
  if (!ctx.portal_url.empty()) line += " (" + Clean(ctx.portal_url, false) + ")";
  return line + ".";
}

mail::Address SalesAddress(const store::PortalCustomer& customer) {
  return mail::Address{customer.sales_name, customer.sales_email};
}

// `{key}` in `tmpl` replaced by its value; values are not scanned again.
std::string Substitute(std::string_view tmpl,
                       const std::vector<std::pair<std::string_view, std::string>>& values) {
  std::string out;
  size_t i = 0;
  while (i < tmpl.size()) {
    bool replaced = false;
    if (tmpl[i] == '{') {
      for (const auto& [key, value] : values) {
        if (tmpl.substr(i + 1, key.size()) == key && i + 1 + key.size() < tmpl.size() &&
            tmpl[i + 1 + key.size()] == '}') {
          out += value;
          i += key.size() + 2;
          replaced = true;
          break;
        }
      }
    }
    if (!replaced) out += tmpl[i++];
  }
  return out;
}

}  // namespace

mail::Message ContactRequestMail(const MailContext& ctx, const store::PortalCustomer& customer,
                                 const store::ContactRequest& request,
                                 const ContactSubject& subject) {
  mail::Message m;
  m.from = ctx.from;
  m.to = {SalesAddress(customer)};
  m.date = ctx.date;
  if (mail::ValidateAddress(request.email).ok()) {
    m.reply_to = mail::Address{request.contact_name, request.email};
  }
  const std::string product = ProductLabel(subject.product_name, subject.product_number);
  m.subject =
      fmt::format("Contact request from {} ({}): {}", customer.name, customer.user_id, product);

  Section about{"Product",
                {{"Product number", subject.product_number},
                 {"Product", subject.product_name},
                 {"Price", render::FormatMoney(subject.price_minor_units, subject.currency)}}};
  if (subject.proposal_id) {
    about.items.push_back({"Proposal", "#" + std::to_string(*subject.proposal_id)});
  }
  if (!subject.detail.empty()) {
    about.items.push_back(
        {subject.kind == "proposal" ? "Proposal summary" : "Detail", subject.detail});
  }
  Section entered{"Contact information entered by the customer",
                  {{"Name", request.contact_name},
                   {"Phone", OrNone(request.phone)},
                   {"E-mail", OrNone(request.email)},
                   {"Preferred time", OrNone(request.preferred_time)},
                   {"Message", OrNone(request.message), true}}};
  std::vector<Section> sections = {about, entered,
                                   RegisteredData("Registered customer data", customer)};

  const std::string intro = fmt::format(
      "Contact request #{} from {} ({}), received {}.", request.id, Clean(customer.name, false),
      Clean(customer.user_id, false), FormatUtcMinute(request.created_at));
  const std::string how =
      "Please contact the customer: reply to this mail, or use the phone number or e-mail "
      "address entered.";
  m.text_body =
      intro + "\n" + TextSections(sections) + "\n" + how + "\n\n-- \n" + PortalLine(ctx) + "\n";

  SafeHtml body = render::Heading(1, "Contact request #" + std::to_string(request.id)) +
                  Element("p", SafeHtml::Text(fmt::format("From {} ({}), received {}.",
                                                          customer.name, customer.user_id,
                                                          FormatUtcMinute(request.created_at)))) +
                  HtmlSections(sections) + TextElement("p", how) +
                  TextElement("p", PortalLine(ctx), {{"class", "muted"}});
  m.html_body = HtmlDocument(m.subject, body);
  return m;
}

mail::Message CustomerUpdateMail(const MailContext& ctx, const store::PortalCustomer& customer,
                                 const store::CustomerChangeSet& changes) {
  mail::Message m;
  m.from = ctx.from;
  m.to = {SalesAddress(customer)};
  m.date = ctx.date;
  if (mail::ValidateAddress(customer.email).ok()) {
    m.reply_to = mail::Address{customer.contact_person, customer.email};
  }
  m.subject =
      fmt::format("Registered information changed by {} ({})", customer.name, customer.user_id);

  const std::string intro =
      fmt::format("{} ({}) changed their registered information on the portal (change #{}).",
                  Clean(customer.name, false), Clean(customer.user_id, false), changes.change_set);
  std::string text = intro + "\n\nChanged\n";
  SafeHtml changed_rows;
  for (const store::CustomerFieldChange& c : changes.changes) {
    std::string field = FieldName(c.field);
    bool multiline = c.field == "address";
    text += "  " + field + ":\n";
    for (const auto& [label, value] :
         {std::pair<std::string, std::string_view>{"old", c.old_value}, {"new", c.new_value}}) {
      std::string clean = Clean(value.empty() ? "(empty)" : value, multiline);
      std::string indented;
      for (char ch : clean)
        indented += ch == '\n' ? std::string("\n          ") : std::string(1, ch);
      text += "    " + label + ": " + indented + "\n";
    }
    std::vector<render::Attr> attrs;
    if (multiline) attrs.push_back({"class", "multiline"});
    changed_rows += Element(
        "tr", TextElement("th", field, {{"scope", "row"}}) +
                  TextElement("td", Lf(c.old_value.empty() ? "(empty)" : c.old_value), attrs) +
                  TextElement("td", Lf(c.new_value.empty() ? "(empty)" : c.new_value), attrs));
  }
  if (changes.changes.empty()) text += "  (nothing)\n";
  std::vector<Section> after = {
      RegisteredData("Registered customer data after the change", customer)};
  text += TextSections(after);
  text += "\n-- \n" + PortalLine(ctx) + "\n";
  m.text_body = std::move(text);

  SafeHtml head = Element("tr", TextElement("th", "Field", {{"scope", "col"}}) +
                                    TextElement("th", "Old value", {{"scope", "col"}}) +
                                    TextElement("th", "New value", {{"scope", "col"}}));
  SafeHtml body = render::Heading(1, "Registered information changed") + TextElement("p", intro) +
                  render::Heading(2, "Changed") +
                  Element("table", Element("thead", head) + Element("tbody", changed_rows),
                          {{"class", "changes"}}) +
                  HtmlSections(after) + TextElement("p", PortalLine(ctx), {{"class", "muted"}});
  m.html_body = HtmlDocument(m.subject, body);
  return m;
}

mail::Message InviteMail(const MailContext& ctx, const store::PortalCustomer& customer,
                         std::string_view link, int64_t expires_at) {
  mail::Message m;
  m.from = ctx.from;
  const std::string name =
      customer.contact_person.empty() ? customer.name : customer.contact_person;
  m.to = {mail::Address{name, customer.email}};
  m.date = ctx.date;
  constexpr std::string_view kSubject = "Periscope customer portal: choose your password";
  m.subject = fmt::format("{} / {}", Tr(Lang::kEn, kSubject), Tr(Lang::kJa, kSubject));

  const std::vector<std::pair<std::string_view, std::string>> values = {
      {"name", Clean(name, false)},
      {"company", Clean(customer.name, false)},
      {"expires", FormatUtcMinute(expires_at)}};
  std::string text;
  for (Lang lang : {Lang::kEn, Lang::kJa}) {
    auto line = [&](std::string_view english) {
      return Substitute(Tr(lang, english), values) + "\n";
    };
    if (!text.empty()) text += "\n----------------------------------------\n\n";
    text += line("Dear {name} ({company}),");
    text += "\n";
    text += line(
        "You are invited to the Periscope customer portal: see your devices, our proposals and "
        "products, send requests to your sales contact and keep your registered information up "
        "to date.");
    text += "\n";
    text += line("Open this link to choose your password. It works once, until {expires}:");
    text += "\n" + std::string(link) + "\n\n";
    text +=
        std::string(Tr(lang, "Your customer ID")) + ": " + Clean(customer.user_id, false) + "\n\n";
    text += line("Do not forward this mail: the link lets its holder set your password.");
    text += line(
        "If you did not expect this mail, ignore it; nothing changes until the link is "
        "used.");
  }
  text += "\n-- \n" + PortalLine(ctx) + "\n";
  m.text_body = std::move(text);
  return m;
}

}  // namespace periscope::portal
