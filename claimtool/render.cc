#include "claimtool/render.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>

#include "claimtool/stats.h"
#include "core/clock.h"
#include "core/text_table.h"
#include "render/html.h"

namespace periscope::claimtool {
namespace {

using Json = nlohmann::ordered_json;
using render::Element;
using render::SafeHtml;
using render::TextElement;

// Bounds on one untrusted text, in bytes of cleaned text: short ones in table
// cells and the subject, longer ones where a sentence is expected. JSON keeps
// far more (the store already bounds stored text at kMaxClaimTextBytes).
constexpr size_t kMaxCellBytes = 80;
constexpr size_t kMaxValueBytes = 60;
constexpr size_t kMaxSentenceBytes = 400;
constexpr size_t kMaxSymptomBytes = 1000;
constexpr size_t kMaxSubjectPartBytes = 80;
constexpr size_t kMaxSubjectBytes = 250;
constexpr size_t kMaxJsonTextBytes = 64 * 1024;

constexpr std::string_view kLikelyCause = "<-- likely cause";
constexpr std::string_view kStatsCss = "td.flagged { background: #fde8e6; font-weight: 600; }\n";

// One line of untrusted text: cleaned, bounded, no line break can be added.
std::string Line(std::string_view s, size_t max_bytes = kMaxCellBytes) {
  return render::CleanUtf8(s, max_bytes, /*keep_newlines=*/false);
}

// Up to 4 significant digits, never fewer digits than the integer part has
// (12345 -> "12345", 1234.5678 -> "1235", 0.000123 -> "0.000123", 2.5 ->
// "2.5"); very large or small magnitudes in exponent notation; "-" when
// missing or not finite.
std::string FormatNumber(std::optional<double> value) {
  if (!value || !std::isfinite(*value)) return "-";
  double v = *value;
  if (v == 0.0) return "0";
  double magnitude = std::fabs(v);
  if (magnitude >= 1e15 || magnitude < 1e-6) return fmt::format("{:.4g}", v);
  int exponent = static_cast<int>(std::floor(std::log10(magnitude)));
  int decimals = std::max(0, 3 - exponent);
  std::string s = fmt::format("{:.{}f}", v, decimals);
  if (s.find('.') != std::string::npos) {
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
  }
  if (s == "-0") s = "0";
  return s;
}

// The exact value for tooltips and JSON readers' eyes: shortest round trip.
std::string ExactNumber(std::optional<double> value) {
  if (!value || !std::isfinite(*value)) return {};
  return fmt::format("{}", *value);
}

// "2026-11-21T06:00:00Z"; "" outside 1970..9999.
std::string IsoUtc(int64_t unix_s) {
  constexpr int64_t kDay = 86400;
  int64_t days = unix_s / kDay;
  int64_t second_of_day = unix_s % kDay;
  if (second_of_day < 0) {
    second_of_day += kDay;
    --days;
  }
  if (days < 0 || days > DaysFromDate(99991231)) return {};
  return fmt::format("{}T{:02}:{:02}:{:02}Z", FormatIsoDate(DateFromDays(days)),
                     second_of_day / 3600, second_of_day / 60 % 60, second_of_day % 60);
}

const store::ClaimDeviceRecord* ClaimedDevice(const store::ClaimRecord& claim) {
  for (const auto& d : claim.devices) {
    if (d.role == "claimed" && d.device_id == claim.device_id) return &d;
  }
  for (const auto& d : claim.devices) {
    if (d.role == "claimed") return &d;
  }
  return nullptr;
}

std::string ClaimedSerial(const store::ClaimRecord& claim) {
  const store::ClaimDeviceRecord* d = ClaimedDevice(claim);
  return d ? d->serial_number : std::string();
}

std::string DeviceSerial(const store::ClaimRecord& claim, int64_t device_id) {
  for (const auto& d : claim.devices) {
    if (d.device_id == device_id) return d.serial_number;
  }
  return fmt::format("device {}", device_id);
}

struct PeerCounts {
  int64_t asked = 0;
  int64_t answered = 0;
};

PeerCounts CountPeers(const store::ClaimRecord& claim) {
  PeerCounts counts;
  for (const auto& d : claim.devices) {
    if (d.role != "peer") continue;
    ++counts.asked;
    if (d.answered) ++counts.answered;
  }
  return counts;
}

int64_t CountFlagged(const std::vector<store::ClaimStatRecord>& stats) {
  return std::count_if(stats.begin(), stats.end(),
                       [](const store::ClaimStatRecord& s) { return s.flagged; });
}

std::vector<store::ClaimStatRecord> OrderedStats(const store::ClaimRecord& claim) {
  std::vector<store::ClaimStatRecord> stats = claim.stats;
  OrderFlaggedFirst(&stats);
  return stats;
}

// "Copies per feed stage [1.2] (example OID)".
std::string ItemName(const store::ClaimStatRecord& s) {
  std::string name = Line(s.label.empty() ? s.item : s.label);
  if (!s.instance.empty()) name += " [" + Line(s.instance, 40) + "]";
  if (s.example) name += " (example OID)";
  return name;
}

// "per_day (pages/day)".
std::string MeasureName(const store::ClaimStatRecord& s) {
  std::string measure = Line(s.measure, 20);
  if (!s.unit.empty()) measure += " (" + Line(s.unit, 30) + ")";
  return measure;
}

std::string NotMeaningful() { return fmt::format("(n < {}: not meaningful)", kMinPeersForStats); }

// The comparison of a text item: "most common "x" (3 of 4), differs".
std::string TextComparison(const store::ClaimStatRecord& s) {
  if (s.n == 0) return "no peer value";
  std::string out = fmt::format("most common \"{}\" ({} of {})",
                                Line(s.most_common, kMaxValueBytes), s.most_common_count, s.n);
  if (s.differs) {
    out += ", differs";
  } else if (s.claimed_text == s.most_common) {
    out += ", same";
  }
  return out;
}

// One statistic as the text table, the HTML table and the mail show it:
// every string cleaned and bounded.
struct StatRow {
  std::string item, measure, claimed, n, mean, median, sd, min, max, z, robust_z, pct;
  std::string note;  // the flag column: likely cause, text comparison, not meaningful
  std::string claimed_exact, mean_exact, median_exact, sd_exact, min_exact, max_exact;
  bool flagged = false;
  bool numeric = true;
};

StatRow MakeRow(const store::ClaimStatRecord& s) {
  StatRow r;
  r.item = ItemName(s);
  r.measure = MeasureName(s);
  r.n = std::to_string(s.n);
  r.flagged = s.flagged;
  r.numeric = s.numeric;
  std::vector<std::string> notes;
  if (s.numeric) {
    r.claimed = FormatNumber(s.claimed_number);
    r.mean = FormatNumber(s.mean);
    r.median = FormatNumber(s.median);
    r.sd = FormatNumber(s.sd);
    r.min = FormatNumber(s.min);
    r.max = FormatNumber(s.max);
    r.z = FormatNumber(s.z);
    r.robust_z = FormatNumber(s.robust_z);
    r.pct = FormatNumber(s.percentile);
    r.claimed_exact = ExactNumber(s.claimed_number);
    r.mean_exact = ExactNumber(s.mean);
    r.median_exact = ExactNumber(s.median);
    r.sd_exact = ExactNumber(s.sd);
    r.min_exact = ExactNumber(s.min);
    r.max_exact = ExactNumber(s.max);
  } else {
    r.claimed = s.claimed_text.empty() ? "-" : "\"" + Line(s.claimed_text, kMaxValueBytes) + "\"";
    r.mean = r.median = r.sd = r.min = r.max = r.z = r.robust_z = r.pct = "-";
    notes.push_back(TextComparison(s));
  }
  if (s.flagged) notes.emplace_back(kLikelyCause);
  if (!s.meaningful) notes.push_back(NotMeaningful());
  for (const std::string& note : notes) {
    if (!r.note.empty()) r.note += ' ';
    r.note += note;
  }
  return r;
}

std::vector<StatRow> MakeRows(const store::ClaimRecord& claim) {
  std::vector<StatRow> rows;
  for (const auto& s : OrderedStats(claim)) rows.push_back(MakeRow(s));
  return rows;
}

// The one-line summary of a flagged statistic (the mail's "likely cause").
std::string FlaggedSummary(const store::ClaimStatRecord& s) {
  std::string out = ItemName(s) + ", " + MeasureName(s) + ": ";
  if (s.numeric) {
    out += fmt::format("claimed {}, peers mean {} (median {}, sd {}, n {})",
                       FormatNumber(s.claimed_number), FormatNumber(s.mean), FormatNumber(s.median),
                       FormatNumber(s.sd), s.n);
    if (s.z) {
      out += ", z " + FormatNumber(s.z);
    } else if (s.sd && *s.sd == 0.0) {
      out += ", every peer has the same value";
    }
    if (s.robust_z) out += ", robust z " + FormatNumber(s.robust_z);
    if (s.percentile) out += ", percentile " + FormatNumber(s.percentile);
  } else {
    out +=
        fmt::format("claimed \"{}\", {}", Line(s.claimed_text, kMaxValueBytes), TextComparison(s));
  }
  return out;
}

// --- the header (text and HTML alike) ---

struct HeaderField {
  std::string term;
  std::string value;  // cleaned, one line
};

std::vector<HeaderField> HeaderFields(const store::ClaimRecord& claim) {
  std::vector<HeaderField> fields;
  std::string created = IsoUtc(claim.created_at);
  fields.push_back({"Created", created.empty() ? std::to_string(claim.created_at) : created});
  fields.push_back({"Customer", Line(claim.customer_user_id)});
  std::string serial = ClaimedSerial(claim);
  fields.push_back(
      {"Device", fmt::format("{} (model {}, {}, device id {})", serial.empty() ? "-" : Line(serial),
                             Line(claim.model), Line(claim.device_kind, 40), claim.device_id)});
  std::string category = Line(claim.category);
  if (!claim.category_title.empty()) category += " (" + Line(claim.category_title) + ")";
  fields.push_back({"Category", category});
  if (!claim.symptom.empty()) fields.push_back({"Symptom", Line(claim.symptom, kMaxSymptomBytes)});
  if (!claim.matched_terms.empty()) {
    fields.push_back({"Matched terms", Line(claim.matched_terms, kMaxSentenceBytes)});
  }
  fields.push_back({"In charge", fmt::format("{} <{}>", Line(claim.in_charge_name),
                                             Line(claim.in_charge_email, 254))});
  PeerCounts peers = CountPeers(claim);
  fields.push_back({"Peers", fmt::format("{} asked, {} answered", peers.asked, peers.answered)});
  fields.push_back(
      {"Time", fmt::format("{} ms of a {} ms deadline ({})", claim.elapsed_ms, claim.deadline_ms,
                           claim.completed ? "completed" : "cut short by the deadline")});
  if (claim.outbox_id)
    fields.push_back({"Notification", fmt::format("outbox #{}", *claim.outbox_id)});
  return fields;
}

std::vector<const store::ClaimDeviceRecord*> DeadDevices(const store::ClaimRecord& claim) {
  std::vector<const store::ClaimDeviceRecord*> dead;
  for (const auto& d : claim.devices) {
    if (!d.answered) dead.push_back(&d);
  }
  return dead;
}

std::vector<const store::ClaimValueRecord*> RefusedValues(const store::ClaimRecord& claim) {
  std::vector<const store::ClaimValueRecord*> refused;
  for (const auto& v : claim.values) {
    if (!v.problem.empty()) refused.push_back(&v);
  }
  return refused;
}

const std::vector<std::string> kStatHeaders = {"item",     "measure", "claimed", "n",   "mean",
                                               "median",   "sd",      "min",     "max", "z",
                                               "robust z", "pct",     "flag"};
const std::vector<std::string> kDeadHeaders = {"device id", "role",        "customer", "serial",
                                               "endpoint",  "error class", "error"};
const std::vector<std::string> kRefusedHeaders = {"device serial", "item", "instance", "problem"};

std::vector<std::string> DeadCells(const store::ClaimDeviceRecord& d) {
  return {std::to_string(d.device_id),
          Line(d.role, 20),
          Line(d.customer_user_id),
          Line(d.serial_number),
          Line(d.endpoint),
          d.error_class.empty() ? "-" : Line(d.error_class, 40),
          d.error.empty() ? "-" : Line(d.error, kMaxSentenceBytes)};
}

std::vector<std::string> RefusedCells(const store::ClaimRecord& claim,
                                      const store::ClaimValueRecord& v) {
  return {Line(DeviceSerial(claim, v.device_id)), Line(v.item),
          v.instance.empty() ? "-" : Line(v.instance, 40), Line(v.problem, kMaxSentenceBytes)};
}

std::string StatsLegend() {
  return fmt::format(
      "z = (claimed - mean) / sd; robust z = 0.6745 (claimed - median) / MAD; pct = mid-rank "
      "percentile of the claimed value among the peers; flagged when |z| >= {} or every peer "
      "agrees on another value, with at least {} peers.",
      FormatNumber(kFlagZ), kMinPeersForStats);
}

// --- HTML ---

render::Cell HtmlNumber(const std::string& text, const std::string& exact, bool flagged) {
  render::Cell cell = render::NumberCell(text, exact);
  if (flagged) cell.css_class = "flagged";
  return cell;
}

render::Cell HtmlText(const std::string& text, bool flagged) {
  render::Cell cell = render::TextCell(text);
  if (flagged) cell.css_class = "flagged";
  return cell;
}

SafeHtml HtmlClaimBody(const store::ClaimRecord& claim) {
  SafeHtml body;
  std::vector<std::pair<std::string, SafeHtml>> header;
  for (const HeaderField& f : HeaderFields(claim)) {
    header.emplace_back(f.term, SafeHtml::Text(f.value, kMaxSymptomBytes));
  }
  body += render::DefinitionList(header, "claim");

  std::vector<StatRow> rows = MakeRows(claim);
  body += render::Heading(2,
                          fmt::format("Statistics ({} items, {} flagged)", claim.stats.size(),
                                      CountFlagged(claim.stats)),
                          "statistics");
  render::Table t;
  t.css_class = "claim-stats";
  t.headers = kStatHeaders;
  t.numeric_columns = {false, false, true, true, true, true, true,
                       true,  true,  true, true, true, false};
  for (const StatRow& r : rows) {
    bool f = r.flagged;
    std::vector<render::Cell> cells;
    cells.push_back(HtmlText(r.item, f));
    cells.push_back(HtmlText(r.measure, f));
    if (r.numeric) {
      cells.push_back(HtmlNumber(r.claimed, r.claimed_exact, f));
    } else {
      cells.push_back(HtmlText(r.claimed, f));
    }
    cells.push_back(HtmlNumber(r.n, {}, f));
    cells.push_back(HtmlNumber(r.mean, r.mean_exact, f));
    cells.push_back(HtmlNumber(r.median, r.median_exact, f));
    cells.push_back(HtmlNumber(r.sd, r.sd_exact, f));
    cells.push_back(HtmlNumber(r.min, r.min_exact, f));
    cells.push_back(HtmlNumber(r.max, r.max_exact, f));
    cells.push_back(HtmlNumber(r.z, {}, f));
    cells.push_back(HtmlNumber(r.robust_z, {}, f));
    cells.push_back(HtmlNumber(r.pct, {}, f));
    cells.push_back(HtmlText(r.note, f));
    t.rows.push_back(std::move(cells));
  }
  body += render::RenderTable(t);
  body += TextElement("p", StatsLegend(), {{"class", "muted"}});

  std::vector<const store::ClaimDeviceRecord*> dead = DeadDevices(claim);
  body += render::Heading(
      2, fmt::format("Did not answer ({} of {} devices)", dead.size(), claim.devices.size()),
      "did-not-answer");
  if (dead.empty()) {
    body += TextElement("p", "Every device answered.");
  } else {
    render::Table dt;
    dt.css_class = "claim-dead";
    dt.headers = kDeadHeaders;
    dt.numeric_columns = {true};
    for (const store::ClaimDeviceRecord* d : dead) {
      std::vector<render::Cell> cells;
      std::vector<std::string> texts = DeadCells(*d);
      cells.push_back(render::NumberCell(texts[0]));
      for (size_t i = 1; i < texts.size(); ++i) cells.push_back(render::TextCell(texts[i]));
      cells.back().css_class = "error";
      dt.rows.push_back(std::move(cells));
    }
    body += render::RenderTable(dt);
  }

  std::vector<const store::ClaimValueRecord*> refused = RefusedValues(claim);
  body += render::Heading(2, fmt::format("Refused values ({})", refused.size()), "refused");
  if (refused.empty()) {
    body += TextElement("p", "None.");
  } else {
    render::Table rt;
    rt.css_class = "claim-refused";
    rt.headers = kRefusedHeaders;
    for (const store::ClaimValueRecord* v : refused) {
      std::vector<render::Cell> cells;
      for (const std::string& text : RefusedCells(claim, *v)) {
        cells.push_back(render::TextCell(text));
      }
      rt.rows.push_back(std::move(cells));
    }
    body += render::RenderTable(rt);
  }
  return body;
}

std::string ClaimTitle(const store::ClaimRecord& claim) {
  return fmt::format("Claim #{}: {}", claim.id,
                     Line(claim.category_title.empty() ? claim.category : claim.category_title));
}

std::string HtmlPage(const std::string& title, const SafeHtml& body) {
  render::PageOptions options;
  options.title = title;
  options.extra_css = std::string(kStatsCss);
  return render::RenderPage(options, body);
}

// --- JSON ---

Json Str(std::string_view s) { return render::CleanUtf8(s, kMaxJsonTextBytes); }

Json Num(std::optional<double> v) {
  if (!v || !std::isfinite(*v)) return nullptr;
  return *v;
}

Json UtcOrNull(int64_t unix_s) {
  std::string s = IsoUtc(unix_s);
  return s.empty() ? Json(nullptr) : Json(s);
}

std::string Dump(const Json& j) {
  return j.dump(2, ' ', /*ensure_ascii=*/false, Json::error_handler_t::replace) + "\n";
}

}  // namespace

std::string RenderClaimText(const store::ClaimRecord& claim) {
  std::string out = fmt::format("Claim #{}\n", claim.id);
  std::vector<HeaderField> fields = HeaderFields(claim);
  size_t width = 0;
  for (const HeaderField& f : fields) width = std::max(width, f.term.size());
  for (const HeaderField& f : fields) {
    out += f.term + ":" + std::string(width - f.term.size() + 1, ' ') + f.value + "\n";
  }

  out += fmt::format("\nStatistics ({} items, {} flagged; flagged first):\n", claim.stats.size(),
                     CountFlagged(claim.stats));
  std::vector<std::vector<std::string>> table;
  for (const StatRow& r : MakeRows(claim)) {
    table.push_back({r.item, r.measure, r.claimed, r.n, r.mean, r.median, r.sd, r.min, r.max, r.z,
                     r.robust_z, r.pct, r.note});
  }
  out += RenderTextTable(kStatHeaders, table);
  out += StatsLegend() + "\n";

  std::vector<const store::ClaimDeviceRecord*> dead = DeadDevices(claim);
  if (dead.empty()) {
    out += "\nDid not answer: none (every device answered).\n";
  } else {
    out += fmt::format("\nDid not answer ({} of {} devices):\n", dead.size(), claim.devices.size());
    std::vector<std::vector<std::string>> rows;
    for (const store::ClaimDeviceRecord* d : dead) rows.push_back(DeadCells(*d));
    out += RenderTextTable(kDeadHeaders, rows);
  }

  std::vector<const store::ClaimValueRecord*> refused = RefusedValues(claim);
  if (refused.empty()) {
    out += "\nRefused values: none.\n";
  } else {
    out += fmt::format("\nRefused values ({}):\n", refused.size());
    std::vector<std::vector<std::string>> rows;
    for (const store::ClaimValueRecord* v : refused) rows.push_back(RefusedCells(claim, *v));
    out += RenderTextTable(kRefusedHeaders, rows);
  }
  return out;
}

std::string RenderClaimJson(const store::ClaimRecord& claim) {
  Json c;
  c["id"] = claim.id;
  c["created_at"] = claim.created_at;
  c["created_at_utc"] = UtcOrNull(claim.created_at);
  c["customer"] = Str(claim.customer_user_id);
  c["device_id"] = claim.device_id;
  c["device_kind"] = Str(claim.device_kind);
  c["model"] = Str(claim.model);
  c["category"] = Str(claim.category);
  c["category_title"] = Str(claim.category_title);
  c["symptom"] = Str(claim.symptom);
  c["matched_terms"] = Str(claim.matched_terms);
  c["in_charge"] = {{"name", Str(claim.in_charge_name)}, {"email", Str(claim.in_charge_email)}};
  c["deadline_ms"] = claim.deadline_ms;
  c["elapsed_ms"] = claim.elapsed_ms;
  c["completed"] = claim.completed;
  c["outbox_id"] = claim.outbox_id ? Json(*claim.outbox_id) : Json(nullptr);

  Json devices = Json::array();
  for (const auto& d : claim.devices) {
    Json j;
    j["device_id"] = d.device_id;
    j["role"] = Str(d.role);
    j["customer"] = Str(d.customer_user_id);
    j["serial_number"] = Str(d.serial_number);
    j["endpoint"] = Str(d.endpoint);
    j["answered"] = d.answered;
    j["error_class"] = Str(d.error_class);
    j["error"] = Str(d.error);
    j["read_at"] = d.read_at;
    j["elapsed_ms"] = d.elapsed_ms;
    devices.push_back(std::move(j));
  }

  Json values = Json::array();
  for (const auto& v : claim.values) {
    Json j;
    j["device_id"] = v.device_id;
    j["item"] = Str(v.item);
    j["instance"] = Str(v.instance);
    j["number"] = Num(v.number);
    j["text"] = Str(v.text);
    j["problem"] = Str(v.problem);
    j["read_at"] = v.read_at;
    values.push_back(std::move(j));
  }

  Json stats = Json::array();
  for (const auto& s : OrderedStats(claim)) {
    Json j;
    j["item"] = Str(s.item);
    j["instance"] = Str(s.instance);
    j["measure"] = Str(s.measure);
    j["label"] = Str(s.label);
    j["unit"] = Str(s.unit);
    j["example"] = s.example;
    j["numeric"] = s.numeric;
    j["claimed_number"] = Num(s.claimed_number);
    j["claimed_text"] = Str(s.claimed_text);
    j["n"] = s.n;
    j["mean"] = Num(s.mean);
    j["median"] = Num(s.median);
    j["sd"] = Num(s.sd);
    j["min"] = Num(s.min);
    j["max"] = Num(s.max);
    j["z"] = Num(s.z);
    j["robust_z"] = Num(s.robust_z);
    j["percentile"] = Num(s.percentile);
    j["most_common"] = Str(s.most_common);
    j["most_common_count"] = s.most_common_count;
    j["differs"] = s.differs;
    j["meaningful"] = s.meaningful;
    j["flagged"] = s.flagged;
    stats.push_back(std::move(j));
  }

  Json root;
  root["claim"] = std::move(c);
  root["devices"] = std::move(devices);
  root["values"] = std::move(values);
  root["stats"] = std::move(stats);
  return Dump(root);
}

std::string RenderClaimHtml(const store::ClaimRecord& claim) {
  std::string title = ClaimTitle(claim);
  return HtmlPage(title, render::Heading(1, title) + HtmlClaimBody(claim));
}

ClaimMail RenderClaimMail(const store::ClaimRecord& claim) {
  ClaimMail mail;
  std::string serial = ClaimedSerial(claim);
  int64_t flagged = CountFlagged(claim.stats);
  mail.subject = Line(fmt::format("[periscope claim #{}] {}: {} {} ({} flagged)", claim.id,
                                  Line(claim.category, kMaxSubjectPartBytes),
                                  Line(claim.model, kMaxSubjectPartBytes),
                                  Line(serial, kMaxSubjectPartBytes), flagged),
                      kMaxSubjectBytes);

  std::vector<store::ClaimStatRecord> stats = OrderedStats(claim);
  std::string greeting = "Hello " + Line(claim.in_charge_name) + ",";
  std::string intro = fmt::format(
      "a claim was made for customer {} about {} {} ({}).", Line(claim.customer_user_id),
      Line(claim.model), serial.empty() ? "-" : Line(serial),
      Line(claim.category_title.empty() ? claim.category : claim.category_title));
  std::string cause_heading =
      flagged == 0
          ? std::string("No item stands out among the peers (nothing flagged).")
          : fmt::format("Likely cause ({} flagged item{}):", flagged, flagged == 1 ? "" : "s");
  std::vector<std::string> causes;
  for (const auto& s : stats) {
    if (s.flagged) causes.push_back(FlaggedSummary(s));
  }

  // Text: the summary, then the whole claim as the terminal shows it.
  std::string text = greeting + "\n\n" + intro + "\n";
  if (!claim.symptom.empty()) text += "Symptom: " + Line(claim.symptom, kMaxSymptomBytes) + "\n";
  text += "\n" + cause_heading + "\n";
  for (const std::string& cause : causes) text += "  - " + cause + "\n";
  text += "\n" + RenderClaimText(claim);
  text += "\n-- \nperiscope-claim\n";
  mail.text = render::CleanUtf8(text, render::kUnbounded, /*keep_newlines=*/true);

  // HTML: the same content.
  SafeHtml body = render::Heading(1, ClaimTitle(claim));
  body += TextElement("p", greeting);
  body += TextElement("p", intro);
  if (!claim.symptom.empty()) {
    body += Element("p", TextElement("strong", "Symptom: ") +
                             SafeHtml::Text(Line(claim.symptom, kMaxSymptomBytes)));
  }
  body += render::Heading(2, cause_heading, "likely-cause");
  if (!causes.empty()) {
    SafeHtml list;
    for (const std::string& cause : causes) list += TextElement("li", cause);
    body += Element("ul", list, {{"class", "likely-cause"}});
  }
  body += HtmlClaimBody(claim);
  mail.html = HtmlPage(mail.subject, body);
  return mail;
}

std::string RenderClaimListText(const std::vector<store::ClaimSummary>& claims) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& c : claims) {
    std::string created = IsoUtc(c.created_at);
    rows.push_back({std::to_string(c.id), created.empty() ? std::to_string(c.created_at) : created,
                    Line(c.customer_user_id), Line(c.serial_number), Line(c.model),
                    Line(c.category), Line(c.in_charge_email),
                    fmt::format("{}/{}", c.peers_answered, c.peers), std::to_string(c.flagged)});
  }
  return RenderTextTable({"id", "created (UTC)", "customer", "serial", "model", "category",
                          "in charge", "peers answered/asked", "flagged"},
                         rows);
}

std::string RenderClaimListJson(const std::vector<store::ClaimSummary>& claims) {
  Json list = Json::array();
  for (const auto& c : claims) {
    Json j;
    j["id"] = c.id;
    j["created_at"] = c.created_at;
    j["created_at_utc"] = UtcOrNull(c.created_at);
    j["customer"] = Str(c.customer_user_id);
    j["serial_number"] = Str(c.serial_number);
    j["model"] = Str(c.model);
    j["category"] = Str(c.category);
    j["in_charge_email"] = Str(c.in_charge_email);
    j["peers"] = c.peers;
    j["peers_answered"] = c.peers_answered;
    j["flagged"] = c.flagged;
    list.push_back(std::move(j));
  }
  return Dump(list);
}

}  // namespace periscope::claimtool
