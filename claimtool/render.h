// A claim for people and programs: the terminal table, JSON, the HTML page
// and the notification mail. Everything is rendered from a store::ClaimRecord
// alone, so a claim shown later (periscope-claim show ID) looks as it did when
// it was made. Untrusted text (device values, serials, symptoms, customer
// names, rule labels) is cleaned (render::CleanUtf8) everywhere and escaped in
// HTML (render::SafeHtml); JSON is written with nlohmann-json.
#ifndef PERISCOPE_CLAIMTOOL_RENDER_H_
#define PERISCOPE_CLAIMTOOL_RENDER_H_

#include <string>
#include <vector>

#include "store/claims.h"

namespace periscope::claimtool {

// The terminal report: a header (claim id, customer, device, model, category,
// matched terms, person in charge, peers asked/answered, elapsed vs deadline),
// one table row per statistic, flagged rows first and marked "<-- likely
// cause"; "(n < 3: not meaningful)" where it applies; then the devices that
// did not answer with the reason, and refused values. Numbers formatted to 4
// significant digits.
std::string RenderClaimText(const store::ClaimRecord& claim);

// The whole record as JSON: {"claim": {...}, "devices": [...], "values":
// [...], "stats": [...]}; optional numbers absent as null.
std::string RenderClaimJson(const store::ClaimRecord& claim);

// A self-contained page (render::Page): the same content as the text, flagged
// rows highlighted, every value escaped.
std::string RenderClaimHtml(const store::ClaimRecord& claim);

struct ClaimMail {
  std::string subject;  // "[periscope claim #12] image-quality: CPY-6000 SN123 (2 flagged)"
  std::string text;
  std::string html;
};
// The notification to the person in charge: flagged items first, the full
// statistics and the devices that did not answer.
ClaimMail RenderClaimMail(const store::ClaimRecord& claim);

// `periscope-claim list`: a table (text) or a JSON array.
std::string RenderClaimListText(const std::vector<store::ClaimSummary>& claims);
std::string RenderClaimListJson(const std::vector<store::ClaimSummary>& claims);

}  // namespace periscope::claimtool

#endif  // PERISCOPE_CLAIMTOOL_RENDER_H_
