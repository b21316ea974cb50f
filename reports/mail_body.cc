#include "reports/mail_body.h"

#include <fmt/format.h>

#include <algorithm>

#include "render/html.h"

namespace periscope::reports {
namespace {

using render::Element;
using render::SafeHtml;
using render::TextElement;

// One line of untrusted text for the text body: no newline can be injected.
std::string Line(std::string_view s, size_t max_bytes = 400) {
  return render::CleanUtf8(s, max_bytes, /*keep_newlines=*/false);
}

std::string NeededBy(const ProposalView& p) {
  return p.needed_by ? render::FormatDate(*p.needed_by) : "no date";
}

std::string AnswerLine(const InquiryAnswerView& a) {
  std::string out = Line(a.site, 120) + ": ";
  if (a.state == "answered") {
    out += a.in_stock ? (*a.in_stock ? "in stock" : "not in stock") : "answered";
    if (a.quantity_available) out += fmt::format(" ({} available)", *a.quantity_available);
    if (!a.retailer.empty()) out += ", retailer " + Line(a.retailer, 200);
    if (a.delivery_date) out += ", delivery " + render::FormatDate(*a.delivery_date);
  } else {
    out += Line(a.state, 40);
    if (!a.message.empty()) out += " (" + Line(a.message, 200) + ")";
  }
  return out;
}

int CountNew(const std::vector<MailProposal>& items) {
  return static_cast<int>(
      std::count_if(items.begin(), items.end(), [](const MailProposal& m) { return m.is_new; }));
}

}  // namespace

std::vector<MailProposal> SortForMail(const std::vector<MailProposal>& items) {
  std::vector<MailProposal> sorted = items;
  std::stable_sort(sorted.begin(), sorted.end(), [](const MailProposal& a, const MailProposal& b) {
    uint32_t da = a.proposal.needed_by.value_or(99999999);
    uint32_t db = b.proposal.needed_by.value_or(99999999);
    if (da != db) return da < db;
    if (a.customer_user_id != b.customer_user_id) return a.customer_user_id < b.customer_user_id;
    return a.proposal.id < b.proposal.id;
  });
  return sorted;
}

std::string ProposalMailSubject(const ProposalMailInput& input) {
  int total = static_cast<int>(input.items.size());
  int fresh = CountNew(input.items);
  std::string subject = fmt::format("periscope: {} proposal{} ({} new, {} changed)", total,
                                    total == 1 ? "" : "s", fresh, total - fresh);
  std::vector<MailProposal> sorted = SortForMail(input.items);
  if (!sorted.empty() && sorted.front().proposal.needed_by) {
    subject += ", first needed by " + render::FormatDate(*sorted.front().proposal.needed_by);
  }
  return render::CleanUtf8(subject, 200, false);
}

MailBody RenderProposalMail(const ProposalMailInput& input) {
  std::vector<MailProposal> sorted = SortForMail(input.items);
  int fresh = CountNew(sorted);
  int changed = static_cast<int>(sorted.size()) - fresh;
  std::string intro =
      fmt::format("{} proposal{} for your customers ({} new, {} changed), most urgent first.",
                  sorted.size(), sorted.size() == 1 ? "" : "s", fresh, changed);
  std::string greeting = "Hello " + Line(input.to.name, 120) + ",";

  // Text body.
  std::string text = greeting + "\n\n" + intro + "\n";
  if (input.today != 0) text += "Report date: " + render::FormatDate(input.today) + "\n";
  if (!input.data_note.empty()) text += "\nNote: " + Line(input.data_note, 1000) + "\n";
  int n = 0;
  for (const MailProposal& m : sorted) {
    const ProposalView& p = m.proposal;
    text += fmt::format("\n{}. [{}] needed by {}: {} ({})\n", ++n, m.is_new ? "new" : "changed",
                        NeededBy(p), Line(m.customer_name, 200), Line(m.customer_user_id, 100));
    text += "   " + Line(p.kind, 40) + ": " + Line(p.product_name, 200);
    if (!p.product_number.empty()) text += " (" + Line(p.product_number, 100) + ")";
    text +=
        fmt::format(" x {}, {}", p.quantity, render::FormatMoney(p.price_minor_units, p.currency));
    text += "\n   device " + Line(p.device_serial, 120) + ", confidence " + Line(p.confidence, 20) +
            ", status " + Line(p.status, 20) + "\n";
    if (!p.summary.empty()) text += "   why: " + Line(p.summary, 600) + "\n";
    for (const InquiryAnswerView& a : p.answers) text += "   stock: " + AnswerLine(a) + "\n";
  }
  if (!input.report_hint.empty()) text += "\nReports: " + Line(input.report_hint, 500) + "\n";
  text += "\n-- \nperiscope\n";

  // HTML body.
  SafeHtml body = render::Heading(1, "Proposals for your customers");
  body += TextElement("p", greeting);
  body += TextElement("p", intro);
  if (!input.data_note.empty()) {
    body += Element("div", TextElement("strong", "Note: ") + SafeHtml::Text(input.data_note),
                    {{"class", "note"}, {"role", "note"}});
  }
  render::Table t;
  t.css_class = "mail-proposals";
  t.headers = {"Needed by", "",      "Customer",   "Device", "Kind", "Product",
               "Quantity",  "Price", "Confidence", "Why",    "Stock"};
  t.numeric_columns = {false, false, false, false, false, false, true, true, false, false, false};
  for (const MailProposal& m : sorted) {
    const ProposalView& p = m.proposal;
    std::string product = p.product_name;
    if (!p.product_number.empty()) product += " (" + p.product_number + ")";
    SafeHtml stock;
    for (const InquiryAnswerView& a : p.answers) {
      stock += TextElement("div", AnswerLine(a));
    }
    t.rows.push_back(
        {render::TextCell(NeededBy(p)), render::TextCell(m.is_new ? "new" : "changed"),
         render::TextCell(m.customer_name + " (" + m.customer_user_id + ")"),
         render::TextCell(p.device_serial), render::TextCell(p.kind), render::TextCell(product),
         render::NumberCell(render::FormatInteger(p.quantity)),
         render::NumberCell(render::FormatMoney(p.price_minor_units, p.currency)),
         render::TextCell(p.confidence), render::TextCell(p.summary), render::MarkupCell(stock)});
  }
  body += render::RenderTable(t);
  if (!input.report_hint.empty()) {
    body += TextElement("p", "Reports: " + input.report_hint, {{"class", "muted"}});
  }
  render::PageOptions options;
  options.title = ProposalMailSubject(input);
  return MailBody{render::CleanUtf8(text, render::kUnbounded, true),
                  render::RenderPage(options, body)};
}

}  // namespace periscope::reports
