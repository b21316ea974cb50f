// From a complaint's free text to a claim category (seed 003: "generating a
// necessary backup data item from the claim information").
//
// Matching is deterministic and explainable: a category matches when one of
// its terms occurs in the symptom. English terms (one or more words) match
// case-insensitively (ASCII folded) starting at a word start and ending at a
// word end, a trailing "s" or "es" allowed ("jam" matches "jams" but not
// "pajama"); a term of 4 letters or more also matches a word prefix ("slow"
// matches "slowly").
// Japanese terms match as substrings of the UTF-8 text (full-width ASCII
// letters and digits in the symptom are folded to ASCII first). The score of
// a category is the number of distinct terms that matched.
#ifndef PERISCOPE_CLAIMTOOL_MATCH_H_
#define PERISCOPE_CLAIMTOOL_MATCH_H_

#include <string>
#include <string_view>
#include <vector>

#include "claimtool/rules.h"
#include "store/metrics.h"

namespace periscope::claimtool {

struct CategoryMatch {
  const Category* category = nullptr;
  double score = 0;  // matched terms (MatchSymptom) or similarity 0..1 (ClosestCategories)
  std::vector<std::string> matched_terms;  // as written in the rules
};

// Categories applying to `kind` whose terms occur in `symptom`, best first
// (score descending, then rule order). Empty when none matched.
std::vector<CategoryMatch> MatchSymptom(const ClaimRules& rules, std::string_view symptom,
                                        store::DeviceKind kind);

// For an unmatched symptom: the `limit` categories applying to `kind` it came
// closest to, best first, by a character-trigram similarity (0..1) between the
// symptom's words and each category's terms and title; categories with no
// similarity at all are still listed after the others (so the user always
// sees what exists).
std::vector<CategoryMatch> ClosestCategories(const ClaimRules& rules, std::string_view symptom,
                                             store::DeviceKind kind, size_t limit = 3);

}  // namespace periscope::claimtool

#endif  // PERISCOPE_CLAIMTOOL_MATCH_H_
