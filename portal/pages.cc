#include "portal/pages.h"

#include <ctime>
#include <utility>

#include <fmt/format.h>

#include "core/strings.h"
#include "render/html.h"
#include "reports/report_html.h"

namespace periscope::portal {
namespace {

using render::Attr;
using render::Element;
using render::Heading;
using render::SafeHtml;
using render::TextElement;
using render::VoidElement;

// The site's policy in the page's <meta>: the stylesheet from the portal
// itself, data: images (the favicon, charts), forms posting to the portal
// only. frame-ancestors is not allowed in a <meta> policy (browsers ignore it
// and log an error); the HTTP header (portal/portal.cc) carries it, with
// X-Frame-Options.
constexpr std::string_view kPortalCsp =
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "base-uri 'none'";

// Days of the daily usage table on the products page (the charts show the
// whole history; the sales report lists every day).
constexpr size_t kHistoryDaysShown = 31;

// Input bounds in characters (the browser's maxlength). Each is small enough
// that a value of three-byte characters (Japanese) stays within the portal's
// default field cap of 2000 bytes (portal/config.h max_field_bytes).
constexpr int kMaxUserIdChars = 64;
constexpr int kMaxPasswordChars = 256;
constexpr int kMaxNameChars = 100;
constexpr int kMaxPhoneChars = 40;
constexpr int kMaxEmailChars = 254;
constexpr int kMaxPreferredTimeChars = 100;
constexpr int kMaxMessageChars = 600;
constexpr int kMaxAddressChars = 300;

// Percent-encodes everything but the unreserved characters (RFC 3986), for a
// query value. Local so the pages do not depend on the HTTP layer.
std::string EncodeQueryValue(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    bool unreserved = (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') ||
                      c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out += c;
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 0x0F];
    }
  }
  return out;
}

// CRLF and CR (a browser's textarea sends CRLF) become LF, which CleanUtf8
// keeps (a CR would become U+FFFD).
std::string Lf(std::string_view text) { return NormalizeLineBreaks(text); }

std::string T(const PageContext& ctx, std::string_view english) {
  return std::string(Tr(ctx.lang, english));
}

SafeHtml Text(std::string_view text) { return SafeHtml::Text(text); }

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

// What the customer is told about the mail of a request or change.
std::string MailStateText(const PageContext& ctx, std::string_view state) {
  if (state == "queued" || state == "sending") return T(ctx, "Being sent");
  if (state == "sent") return T(ctx, "Sent to your sales contact");
  return T(ctx, "Not delivered yet; we will follow up");
}

std::string FieldLabel(const PageContext& ctx, std::string_view field) {
  if (field == "contact_person") return T(ctx, "Contact person");
  if (field == "address") return T(ctx, "Address");
  if (field == "phone") return T(ctx, "Phone");
  if (field == "email") return T(ctx, "E-mail");
  return std::string(field);
}

std::string OfferKindText(const PageContext& ctx, std::string_view kind) {
  if (kind == "capacity") return T(ctx, "Capacity expansion");
  if (kind == "cache") return T(ctx, "Cache expansion");
  if (kind == "firmware") return T(ctx, "Firmware update");
  if (kind == "successor") return T(ctx, "Successor model");
  if (kind == "supply") return T(ctx, "Supplies");
  if (kind == "storage-upgrade") return T(ctx, "Storage upgrade");
  if (kind == "cpu-upgrade") return T(ctx, "Processor upgrade");
  return std::string(kind);
}

// --- tables with ids and row attributes (render::RenderTable has neither) ---

struct Row {
  std::vector<Attr> attrs;
  std::vector<render::Cell> cells;
};

SafeHtml CellHtml(const render::Cell& cell) {
  std::vector<Attr> attrs;
  std::string css = cell.css_class;
  if (cell.numeric) css += css.empty() ? "num" : " num";
  if (!css.empty()) attrs.push_back({"class", css});
  if (!cell.title.empty()) attrs.push_back({"title", cell.title});
  return Element("td", cell.content, attrs);
}

// A table with `id`; `empty_text` fills one row spanning every column when
// there is no row.
SafeHtml IdTable(std::string_view id, const std::vector<std::string>& headers,
                 const std::vector<bool>& numeric, const std::vector<Row>& rows,
                 std::string_view empty_text) {
  SafeHtml head;
  for (size_t i = 0; i < headers.size(); ++i) {
    std::vector<Attr> attrs{{"scope", "col"}};
    if (i < numeric.size() && numeric[i]) attrs.push_back({"class", "num"});
    head += TextElement("th", headers[i], attrs);
  }
  SafeHtml body;
  for (const Row& row : rows) {
    SafeHtml cells;
    for (const render::Cell& cell : row.cells) cells += CellHtml(cell);
    body += Element("tr", cells, row.attrs);
  }
  if (rows.empty()) {
    body += Element("tr",
                    TextElement("td", empty_text,
                                {{"colspan", std::to_string(headers.size())}, {"class", "empty"}}));
  }
  SafeHtml table = Element("thead", Element("tr", head)) + Element("tbody", body);
  return Element("div", Element("table", table, {{"id", std::string(id)}}),
                 {{"class", "table-scroll"}});
}

// --- forms ---

SafeHtml Hidden(std::string_view name, std::string_view value) {
  return VoidElement(
      "input", {{"type", "hidden"}, {"name", std::string(name)}, {"value", std::string(value)}});
}

SafeHtml CsrfField(const PageContext& ctx) { return Hidden("csrf", ctx.csrf_token); }

SafeHtml Form(std::string_view id, std::string_view action, const SafeHtml& content) {
  return Element("form", content,
                 {{"id", std::string(id)},
                  {"method", "post"},
                  {"action", std::string(action)},
                  {"accept-charset", "utf-8"}});
}

SafeHtml SubmitButton(std::string_view text) {
  return TextElement("button", text, {{"type", "submit"}});
}

struct FieldSpec {
  std::string name;
  std::string label;
  std::string value;
  std::string type = "text";  // "textarea" for a text area
  int max_chars = 0;
  bool required = false;
  std::string autocomplete;  // "" : none
  std::string hint;          // already translated; "" : none
};

// A labelled input with its hint and error (.field-error[data-field=NAME]).
SafeHtml FieldHtml(const FieldSpec& f, const FieldErrors& errors) {
  const std::string id = "field-" + f.name;
  auto error = errors.find(f.name);
  std::vector<Attr> attrs{{"id", id}, {"name", f.name}};
  if (f.max_chars > 0) attrs.push_back({"maxlength", std::to_string(f.max_chars)});
  if (f.required) attrs.push_back({"required", ""});
  if (!f.autocomplete.empty()) attrs.push_back({"autocomplete", f.autocomplete});
  std::string described;
  if (!f.hint.empty()) described = id + "-hint";
  if (error != errors.end()) {
    attrs.push_back({"aria-invalid", "true"});
    described += (described.empty() ? "" : " ") + id + "-error";
  }
  if (!described.empty()) attrs.push_back({"aria-describedby", described});

  SafeHtml control;
  if (f.type == "textarea") {
    attrs.push_back({"rows", f.name == "message" ? "6" : "3"});
    // A parser drops one line break right after <textarea>: the value's own
    // leading line break survives behind this one.
    control = Element("textarea", Text("\n" + Lf(f.value)), attrs);
  } else {
    attrs.insert(attrs.begin(), Attr{"type", f.type});
    attrs.push_back({"value", Lf(f.value)});
    control = VoidElement("input", attrs);
  }
  SafeHtml label = TextElement("label", f.label, {{"for", id}});
  if (f.required) {
    label =
        Element("label",
                Text(f.label) +
                    TextElement("span", "*", {{"class", "required-mark"}, {"aria-hidden", "true"}}),
                {{"for", id}});
  }
  SafeHtml inner = label + control;
  if (!f.hint.empty()) inner += TextElement("p", f.hint, {{"class", "hint"}, {"id", id + "-hint"}});
  if (error != errors.end()) {
    inner += TextElement("p", error->second,
                         {{"class", "field-error"}, {"data-field", f.name}, {"id", id + "-error"}});
  }
  return Element("div", inner, {{"class", "field"}});
}

// An error for a field the form has no input for (never dropped silently).
SafeHtml OtherFieldErrors(const FieldErrors& errors, const std::vector<std::string>& shown) {
  SafeHtml out;
  for (const auto& [name, message] : errors) {
    bool listed = false;
    for (const std::string& s : shown) listed = listed || s == name;
    if (listed) continue;
    out += TextElement("p", message, {{"class", "field-error"}, {"data-field", name}});
  }
  return out;
}

// --- the page frame ---

SafeHtml LanguageSwitch(const PageContext& ctx) {
  const std::string back = EncodeQueryValue(ctx.path);
  auto link = [&](Lang lang, std::string_view native_name) {
    std::string code(LangCode(lang));
    std::vector<Attr> attrs{{"id", "lang-" + code},
                            {"href", "/lang?to=" + code + "&back=" + back},
                            {"lang", code},
                            {"hreflang", code}};
    if (lang == ctx.lang) attrs.push_back({"aria-current", "true"});
    return TextElement("a", native_name, attrs);
  };
  // Each language's name is written in that language, whatever the page's.
  return Element("nav", link(Lang::kEn, "English") + Text(" | ") + link(Lang::kJa, "日本語"),
                 {{"class", "lang-switch"}, {"aria-label", T(ctx, "Language")}});
}

SafeHtml SiteHeader(const PageContext& ctx) {
  SafeHtml inner = TextElement("p", T(ctx, "Periscope customer portal"), {{"class", "site-name"}});
  if (ctx.signed_in) {
    std::string current = ctx.path.substr(0, ctx.path.find('?'));
    SafeHtml links;
    for (auto [href, text] :
         {std::pair<std::string_view, std::string_view>{"/products", "Products"},
          {"/requests", "Requests"},
          {"/account", "Registered information"}}) {
      std::vector<Attr> attrs{{"href", std::string(href)}};
      if (current == href) attrs.push_back({"aria-current", "page"});
      links += Element("li", TextElement("a", T(ctx, text), attrs));
    }
    inner += Element("nav", Element("ul", links),
                     {{"class", "main-nav"}, {"aria-label", T(ctx, "Main")}});
    SafeHtml who = TextElement("span", T(ctx, "Signed in as"), {{"class", "muted"}}) + Text(" ") +
                   TextElement("strong", ctx.customer_name, {{"class", "customer-name"}});
    if (!ctx.user_id.empty()) {
      who += Text(" ") + TextElement("span", "(" + ctx.user_id + ")", {{"class", "muted"}});
    }
    inner += Element(
        "div",
        Element("p", who, {{"class", "who"}}) +
            Form("signout-form", "/signout", CsrfField(ctx) + SubmitButton(T(ctx, "Sign out"))),
        {{"class", "account-bar"}});
  }
  inner += LanguageSwitch(ctx);
  return Element("header", inner, {{"class", "site"}});
}

SafeHtml Notice(const PageContext& ctx) {
  if (ctx.notice.empty()) return {};
  return TextElement("p", ctx.notice, {{"id", "notice"}, {"class", "notice"}, {"role", "status"}});
}

SafeHtml PageError(std::string_view error) {
  if (error.empty()) return {};
  return TextElement("p", error, {{"id", "error"}, {"class", "error"}, {"role", "alert"}});
}

std::string Page(const PageContext& ctx, std::string_view title, const SafeHtml& main) {
  render::PageOptions options;
  options.title = std::string(title) + " - " + T(ctx, "Periscope customer portal");
  options.lang = std::string(LangCode(ctx.lang));
  options.content_security_policy = std::string(kPortalCsp);
  options.stylesheet_href = std::string(kStylesheetPath);
  options.referrer_policy = "same-origin";
  SafeHtml body = SiteHeader(ctx) + Element("main", main);
  return render::RenderPage(options, body);
}

std::string Money(int64_t minor_units, std::string_view currency) {
  return render::FormatMoney(minor_units, currency);
}

// --- the products page ---

bool ShownToCustomer(const reports::ProposalView& p) {
  return p.status != "declined" && p.status != "expired";
}

SafeHtml ProposalsTable(const PageContext& ctx, const reports::CustomerReport& report) {
  std::vector<Row> rows;
  for (const reports::ProposalView& p : report.proposals) {
    if (!ShownToCustomer(p)) continue;
    std::string id = std::to_string(p.id);
    rows.push_back(Row{{{"data-id", id}},
                       {render::TextCell(ProductLabel(p.product_name, p.product_number)),
                        render::NumberCell(render::FormatInteger(p.quantity)),
                        render::NumberCell(Money(p.price_minor_units, p.currency)),
                        render::TextCell(p.needed_by ? render::FormatDate(*p.needed_by) : ""),
                        render::TextCell(p.summary),
                        render::MarkupCell(TextElement(
                            "a", T(ctx, "Ask about this"),
                            {{"class", "contact-link"}, {"href", "/contact?proposal=" + id}}))}});
  }
  return IdTable("proposals",
                 {T(ctx, "Product"), T(ctx, "Quantity"), T(ctx, "Price"), T(ctx, "Needed by"),
                  T(ctx, "Why"), T(ctx, "Contact")},
                 {false, true, true, false, false, false}, rows,
                 T(ctx, "There are no proposals for you at the moment."));
}

SafeHtml OffersTable(const PageContext& ctx, const std::vector<reports::CatalogOffer>& offers) {
  const std::vector<std::string> headers = {T(ctx, "Kind"),  T(ctx, "Product number"),
                                            T(ctx, "Name"),  T(ctx, "Detail"),
                                            T(ctx, "Price"), T(ctx, "Contact")};
  SafeHtml head;
  for (size_t i = 0; i < headers.size(); ++i) {
    std::vector<Attr> attrs{{"scope", "col"}};
    if (i == 4) attrs.push_back({"class", "num"});
    head += TextElement("th", headers[i], attrs);
  }
  // One <tbody> per model, in the order the models first appear.
  std::vector<std::string> models;
  for (const reports::CatalogOffer& o : offers) {
    bool seen = false;
    for (const std::string& m : models) seen = seen || m == o.for_model;
    if (!seen) models.push_back(o.for_model);
  }
  SafeHtml groups;
  for (const std::string& model : models) {
    SafeHtml rows =
        Element("tr",
                Element("th",
                        Text(T(ctx, "For your model")) + Text(" ") +
                            TextElement("span", model, {{"class", "model"}}),
                        {{"colspan", std::to_string(headers.size())}, {"scope", "colgroup"}}),
                {{"class", "group"}});
    for (const reports::CatalogOffer& o : offers) {
      if (o.for_model != model) continue;
      SafeHtml cells = CellHtml(render::TextCell(OfferKindText(ctx, o.kind))) +
                       CellHtml(render::TextCell(o.product_number)) +
                       CellHtml(render::TextCell(o.name)) + CellHtml(render::TextCell(o.detail)) +
                       CellHtml(render::NumberCell(Money(o.price_minor_units, o.currency))) +
                       CellHtml(render::MarkupCell(TextElement(
                           "a", T(ctx, "Ask about this"),
                           {{"class", "contact-link"},
                            {"href", "/contact?product=" + EncodeQueryValue(o.product_number)}})));
      rows += Element("tr", cells, {{"data-kind", o.kind}});
    }
    groups += Element("tbody", rows, {{"data-model", model}});
  }
  if (offers.empty()) {
    groups += Element(
        "tbody",
        Element("tr",
                TextElement("td", T(ctx, "The catalog has no products for your devices."),
                            {{"colspan", std::to_string(headers.size())}, {"class", "empty"}})));
  }
  return Element(
      "div", Element("table", Element("thead", Element("tr", head)) + groups, {{"id", "offers"}}),
      {{"class", "table-scroll"}});
}

// --- the contact page ---

SafeHtml SubjectSummary(const PageContext& ctx, const ContactSubject& subject) {
  std::vector<std::pair<std::string, SafeHtml>> items;
  items.emplace_back(T(ctx, "Product"), Text(subject.product_name));
  items.emplace_back(T(ctx, "Product number"), Text(subject.product_number));
  items.emplace_back(T(ctx, "Price"), Text(Money(subject.price_minor_units, subject.currency)));
  if (subject.proposal_id) {
    items.emplace_back(T(ctx, "Proposal number"), Text(std::to_string(*subject.proposal_id)));
  }
  if (!subject.detail.empty()) {
    items.emplace_back(subject.kind == "proposal" ? T(ctx, "Why") : T(ctx, "Detail"),
                       Text(subject.detail));
  }
  return Element(
      "section",
      Heading(2, T(ctx, "What you are asking about")) + render::DefinitionList(items, "subject"),
      {{"id", "contact-subject"}});
}

}  // namespace

std::string PortalCss() {
  std::string css(render::BaseCss());
  css += R"css(
body { margin: 0; }
header.site { display: flex; flex-wrap: wrap; align-items: center; gap: .5rem 1.5rem;
  padding: .6rem 1.5rem; background: #1d3557; color: #fff; }
header.site a { color: #fff; }
header.site .muted { color: #d5dae3; }
.site-name { font-weight: 700; margin: 0; }
.main-nav ul { display: flex; flex-wrap: wrap; gap: .25rem 1rem; list-style: none; margin: 0;
  padding: 0; }
.main-nav a { text-decoration: none; padding: .2rem 0; border-bottom: 2px solid transparent; }
.main-nav a:hover, .main-nav a:focus { border-bottom-color: #fff; }
.main-nav a[aria-current="page"] { border-bottom-color: #f1c40f; font-weight: 600; }
.account-bar { display: flex; flex-wrap: wrap; align-items: center; gap: .5rem; margin-left: auto; }
.account-bar p { margin: 0; }
.account-bar button { background: transparent; color: #fff; border: 1px solid #fff; }
.lang-switch a[aria-current="true"] { font-weight: 700; text-decoration: none; }
main { padding: 1rem 1.5rem 2rem; max-width: 72rem; }
.notice { border-left: 4px solid #2e7d32; background: #edf7ee; padding: .5rem .75rem; }
p.error { border-left: 4px solid #a40000; background: #fdecea; padding: .5rem .75rem; }
.field { margin: 0 0 .9rem; max-width: 36rem; }
.field label { display: block; font-weight: 600; margin-bottom: .2rem; }
.required-mark { color: #a40000; margin-left: .2rem; }
.field input, .field textarea { box-sizing: border-box; width: 100%; font: inherit;
  padding: .35rem .5rem; border: 1px solid #8a93a3; border-radius: 3px; }
.field input[aria-invalid="true"], .field textarea[aria-invalid="true"] { border-color: #a40000; }
.hint { color: #5b6474; font-size: .9rem; margin: .2rem 0 0; }
.field-error { color: #a40000; font-weight: 600; margin: .2rem 0 0; }
button { font: inherit; padding: .35rem 1rem; border-radius: 3px; border: 1px solid #1d3557;
  background: #1d3557; color: #fff; cursor: pointer; }
button:focus, a:focus, input:focus, textarea:focus { outline: 2px solid #f1c40f;
  outline-offset: 1px; }
.table-scroll { overflow-x: auto; }
tr.group th { background: #e3e8f0; }
#registered dd, #changes td { white-space: pre-line; }
td.empty { color: #5b6474; font-style: italic; }
section#devices > section { border-top: 1px solid #d5dae3; }
@media (max-width: 40rem) {
  header.site { padding: .5rem .75rem; }
  main { padding: .75rem; }
  .account-bar { margin-left: 0; }
  dl { grid-template-columns: 1fr; }
  dd { margin-bottom: .4rem; }
}
)css";
  return css;
}

std::string RenderSignInPage(const PageContext& ctx, std::string_view user_id,
                             std::string_view error) {
  SafeHtml fields = CsrfField(ctx) +
                    FieldHtml({"user_id", T(ctx, "Customer ID"), std::string(user_id), "text",
                               kMaxUserIdChars, true, "username", ""},
                              {}) +
                    FieldHtml({"password", T(ctx, "Password"), "", "password", kMaxPasswordChars,
                               true, "current-password", ""},
                              {}) +
                    SubmitButton(T(ctx, "Sign in"));
  SafeHtml main =
      Heading(1, T(ctx, "Sign in")) + Notice(ctx) + PageError(error) +
      TextElement("p", T(ctx, "Sign in with your customer ID and the password you chose."),
                  {{"class", "intro"}}) +
      Form("signin-form", "/signin", fields) +
      TextElement("p",
                  T(ctx,
                    "No password yet or forgot it? Ask your sales contact for an "
                    "invitation."),
                  {{"class", "hint"}});
  return Page(ctx, T(ctx, "Sign in"), main);
}

std::string RenderSetPasswordPage(const PageContext& ctx, std::string_view invite_token,
                                  std::string_view user_id, std::string_view error) {
  const std::string rules =
      T(ctx, "At least 10 characters, not one repeated character, and not your customer ID.");
  SafeHtml fields = CsrfField(ctx) + Hidden("token", invite_token) +
                    FieldHtml({"password", T(ctx, "New password"), "", "password",
                               kMaxPasswordChars, true, "new-password", rules},
                              {}) +
                    FieldHtml({"password_confirm", T(ctx, "New password again"), "", "password",
                               kMaxPasswordChars, true, "new-password", ""},
                              {}) +
                    SubmitButton(T(ctx, "Set password"));
  SafeHtml main = Heading(1, T(ctx, "Choose your password")) + PageError(error) +
                  Element("p",
                          Text(T(ctx, "Customer ID")) + Text(": ") +
                              TextElement("strong", user_id, {{"class", "user-id"}}),
                          {{"class", "intro"}}) +
                  Form("set-password-form", "/invite", fields);
  return Page(ctx, T(ctx, "Choose your password"), main);
}

std::string RenderProductsPage(const PageContext& ctx, const reports::CustomerReport& report,
                               const std::vector<reports::CatalogOffer>& offers) {
  SafeHtml main = Heading(1, T(ctx, "Products")) + Notice(ctx);
  main += TextElement("p",
                      T(ctx,
                        "Your devices and their usage, our proposals for you, and the "
                        "products that fit your devices. Ask about any of them and your "
                        "sales contact will get back to you."),
                      {{"class", "intro"}});
  if (!report.data_note.empty()) {
    main += TextElement("p", report.data_note, {{"class", "note"}});
  }

  SafeHtml proposals = Heading(2, T(ctx, "Proposals for you")) + ProposalsTable(ctx, report);
  main += Element("section", proposals, {{"class", "proposals"}});

  SafeHtml offer_section =
      Heading(2, T(ctx, "Products for your devices")) + OffersTable(ctx, offers);
  main += Element("section", offer_section, {{"class", "offers"}});

  SafeHtml devices = Heading(2, T(ctx, "Your devices"));
  if (report.devices.empty()) {
    devices +=
        TextElement("p", T(ctx, "No devices are registered for you yet."), {{"class", "empty"}});
  }
  for (const reports::DeviceView& d : report.devices) {
    devices += reports::RenderDeviceSection(d, report.today, kHistoryDaysShown);
  }
  main += Element("section", devices, {{"id", "devices"}});
  return Page(ctx, T(ctx, "Products"), main);
}

std::string RenderContactPage(const PageContext& ctx, const ContactSubject& subject,
                              const ContactForm& form, const FieldErrors& errors) {
  SafeHtml fields = CsrfField(ctx);
  if (subject.proposal_id) {
    fields += Hidden("proposal", std::to_string(*subject.proposal_id));
  } else {
    fields += Hidden("product", subject.product_number);
  }
  const std::string either = T(ctx, "Give an e-mail address or a phone number, or both.");
  fields += FieldHtml({"contact_name", T(ctx, "Your name"), form.contact_name, "text",
                       kMaxNameChars, true, "name", ""},
                      errors);
  fields += FieldHtml(
      {"email", T(ctx, "E-mail"), form.email, "email", kMaxEmailChars, false, "email", either},
      errors);
  fields += FieldHtml(
      {"phone", T(ctx, "Phone"), form.phone, "tel", kMaxPhoneChars, false, "tel", either}, errors);
  fields +=
      FieldHtml({"preferred_time", T(ctx, "When we may contact you"), form.preferred_time, "text",
                 kMaxPreferredTimeChars, false, "", T(ctx, "For example: weekday mornings.")},
                errors);
  fields += FieldHtml(
      {"message", T(ctx, "Message"), form.message, "textarea", kMaxMessageChars, false, "", ""},
      errors);
  fields +=
      OtherFieldErrors(errors, {"contact_name", "email", "phone", "preferred_time", "message"});
  fields += SubmitButton(T(ctx, "Send request"));

  SafeHtml main = Heading(1, T(ctx, "Contact your sales contact")) + Notice(ctx);
  if (!errors.empty()) {
    main += PageError(T(ctx, "Please check the marked fields."));
  }
  main += SubjectSummary(ctx, subject);
  main += TextElement("p",
                      T(ctx,
                        "Your sales contact receives this request by e-mail, together with "
                        "your registered information, and will get back to you."),
                      {{"class", "intro"}});
  main += TextElement("p", T(ctx, "Fields marked * are required."), {{"class", "hint"}});
  main += Form("contact-form", "/contact", fields);
  return Page(ctx, T(ctx, "Contact your sales contact"), main);
}

std::string RenderRequestsPage(const PageContext& ctx,
                               const std::vector<store::ContactRequest>& requests,
                               const std::vector<store::CustomerChange>& changes) {
  std::vector<Row> request_rows;
  for (const store::ContactRequest& r : requests) {
    std::string id = std::to_string(r.id);
    std::string about = ProductLabel(r.product_name, r.product_number);
    if (r.proposal_id) {
      about += " - " + T(ctx, "Proposal number") + " " + std::to_string(*r.proposal_id);
    }
    request_rows.push_back(
        Row{{{"data-id", id}, {"data-mail-state", r.mail_state}},
            {render::NumberCell(id), render::TextCell(FormatUtcMinute(r.created_at)),
             render::TextCell(about), render::TextCell(MailStateText(ctx, r.mail_state))}});
  }
  std::vector<Row> change_rows;
  for (const store::CustomerChange& c : changes) {
    change_rows.push_back(
        Row{{{"data-id", std::to_string(c.id)}, {"data-mail-state", c.mail_state}},
            {render::TextCell(FormatUtcMinute(c.changed_at)),
             render::TextCell(FieldLabel(ctx, c.change.field)),
             render::TextCell(Lf(c.change.old_value)), render::TextCell(Lf(c.change.new_value)),
             render::TextCell(MailStateText(ctx, c.mail_state))}});
  }
  SafeHtml main = Heading(1, T(ctx, "Requests")) + Notice(ctx);
  main += Element("section", Heading(2, T(ctx, "Your contact requests")) +
                                 IdTable("requests",
                                         {T(ctx, "Number"), T(ctx, "Date"), T(ctx, "Regarding"),
                                          T(ctx, "Mail to your sales contact")},
                                         {true, false, false, false}, request_rows,
                                         T(ctx, "You have not sent any request yet.")));
  main +=
      Element("section", Heading(2, T(ctx, "Changes to your registered information")) +
                             IdTable("changes",
                                     {T(ctx, "Date"), T(ctx, "Field"), T(ctx, "Old value"),
                                      T(ctx, "New value"), T(ctx, "Mail to your sales contact")},
                                     {}, change_rows, T(ctx, "No changes yet.")));
  main += TextElement("p", T(ctx, "Times are in UTC."), {{"class", "hint"}});
  return Page(ctx, T(ctx, "Requests"), main);
}

std::string RenderAccountPage(const PageContext& ctx, const store::PortalCustomer& customer,
                              const store::CustomerContactInfo& form, const FieldErrors& errors) {
  std::vector<std::pair<std::string, SafeHtml>> items;
  items.emplace_back(T(ctx, "Customer ID"), Text(customer.user_id));
  items.emplace_back(T(ctx, "Company name"), Text(customer.name));
  items.emplace_back(T(ctx, "Contact person"), Text(customer.contact_person));
  items.emplace_back(T(ctx, "Address"), Text(Lf(customer.address)));
  items.emplace_back(T(ctx, "Phone"), Text(customer.phone));
  items.emplace_back(T(ctx, "E-mail"), Text(customer.email));
  items.emplace_back(T(ctx, "Your sales contact"), customer.sales_name.empty()
                                                       ? Text(T(ctx, "Not assigned yet"))
                                                       : Text(customer.sales_name));
  SafeHtml registered;
  for (const auto& [term, definition] : items) {
    registered += TextElement("dt", term) + Element("dd", definition);
  }
  registered = Element("dl", registered, {{"id", "registered"}});

  SafeHtml fields = CsrfField(ctx);
  fields += FieldHtml({"contact_person", T(ctx, "Contact person"), form.contact_person, "text",
                       kMaxNameChars, true, "name", ""},
                      errors);
  fields += FieldHtml({"address", T(ctx, "Address"), form.address, "textarea", kMaxAddressChars,
                       false, "street-address", ""},
                      errors);
  fields += FieldHtml(
      {"phone", T(ctx, "Phone"), form.phone, "tel", kMaxPhoneChars, false, "tel", ""}, errors);
  fields += FieldHtml(
      {"email", T(ctx, "E-mail"), form.email, "email", kMaxEmailChars, false, "email", ""}, errors);
  fields += OtherFieldErrors(errors, {"contact_person", "address", "phone", "email"});
  fields += SubmitButton(T(ctx, "Save changes"));

  SafeHtml main = Heading(1, T(ctx, "Registered information")) + Notice(ctx);
  if (!errors.empty()) main += PageError(T(ctx, "Please check the marked fields."));
  main += Element("section", Heading(2, T(ctx, "What we have on record")) + registered);
  main += Element("section",
                  Heading(2, T(ctx, "Update your information")) +
                      TextElement("p",
                                  T(ctx,
                                    "Changes are saved at once and sent to your sales contact by "
                                    "e-mail."),
                                  {{"class", "intro"}}) +
                      Form("account-form", "/account", fields));
  return Page(ctx, T(ctx, "Registered information"), main);
}

std::string RenderErrorPage(const PageContext& ctx, int status, std::string_view message) {
  SafeHtml main = Heading(1, T(ctx, "Sorry, this did not work")) + PageError(message) +
                  Element("p",
                          Text(T(ctx, "Status")) + Text(": ") +
                              TextElement("span", std::to_string(status), {{"class", "status"}}),
                          {{"class", "muted"}});
  main += Element(
      "p", ctx.signed_in ? TextElement("a", T(ctx, "Back to the products"), {{"href", "/products"}})
                         : TextElement("a", T(ctx, "Sign in"), {{"href", "/signin"}}));
  return Page(ctx, T(ctx, "Error") + " " + std::to_string(status), main);
}

}  // namespace periscope::portal
