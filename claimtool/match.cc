#include "claimtool/match.h"

#include <algorithm>
#include <cstdint>
#include <set>
#include <utility>

#include "core/strings.h"

namespace periscope::claimtool {
namespace {

bool IsWordChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// Decodes one UTF-8 sequence at s[i]; on a malformed byte returns the byte
// itself with length 1 (the text was checked clean at load time, symptoms
// are not trusted).
std::pair<uint32_t, size_t> DecodeUtf8(std::string_view s, size_t i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char b0 = byte(i);
  size_t len = 0;
  uint32_t cp = 0;
  if (b0 < 0x80) return {b0, 1};
  if ((b0 & 0xE0) == 0xC0) {
    len = 2;
    cp = b0 & 0x1Fu;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3;
    cp = b0 & 0x0Fu;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4;
    cp = b0 & 0x07u;
  } else {
    return {b0, 1};
  }
  if (i + len > s.size()) return {b0, 1};
  for (size_t k = 1; k < len; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return {b0, 1};
    cp = (cp << 6) | (byte(i + k) & 0x3Fu);
  }
  return {cp, len};
}

// Full-width ASCII (U+FF01..U+FF5E) to ASCII, the ideographic space U+3000
// to a space, then ASCII lower-cased. Malformed bytes are kept as they are.
std::string Normalize(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    auto [cp, len] = DecodeUtf8(s, i);
    if (len == 1 && cp >= 0x80) {
      out.push_back(s[i]);  // a malformed byte, unchanged
    } else if (cp >= 0xFF01 && cp <= 0xFF5E) {
      out.push_back(static_cast<char>(cp - 0xFEE0));
    } else if (cp == 0x3000) {
      out.push_back(' ');
    } else {
      out.append(s.substr(i, len));
    }
    i += len;
  }
  return AsciiLower(out);
}

// Maximal runs of ASCII letters and digits (lower-cased input).
std::vector<std::string_view> Words(std::string_view s) {
  std::vector<std::string_view> words;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && !IsWordChar(s[i])) ++i;
    size_t start = i;
    while (i < s.size() && IsWordChar(s[i])) ++i;
    if (i > start) words.push_back(s.substr(start, i - start));
  }
  return words;
}

// One word of a term against one word of the symptom: equal, equal with a
// plural "s" or "es", or (a term word of 4 letters or more) a prefix.
bool WordMatches(std::string_view term_word, std::string_view word) {
  if (word.size() < term_word.size() || word.compare(0, term_word.size(), term_word) != 0) {
    return false;
  }
  std::string_view rest = word.substr(term_word.size());
  return rest.empty() || rest == "s" || rest == "es" || term_word.size() >= 4;
}

bool EnglishTermOccurs(std::string_view term, const std::vector<std::string_view>& words) {
  std::vector<std::string_view> term_words = Words(term);
  if (term_words.empty() || term_words.size() > words.size()) return false;
  for (size_t start = 0; start + term_words.size() <= words.size(); ++start) {
    bool all = true;
    for (size_t k = 0; k < term_words.size() && all; ++k) {
      all = WordMatches(term_words[k], words[start + k]);
    }
    if (all) return true;
  }
  return false;
}

bool Applies(const Category& category, store::DeviceKind kind) {
  return std::find(category.kinds.begin(), category.kinds.end(), kind) != category.kinds.end();
}

// --- similarity ---

// Trigrams of each word padded as "  word " (as PostgreSQL's pg_trgm does),
// so short words and word starts weigh in.
std::set<std::string> Trigrams(const std::vector<std::string_view>& words) {
  std::set<std::string> grams;
  for (std::string_view w : words) {
    std::string padded = "  " + std::string(w) + " ";
    for (size_t i = 0; i + 3 <= padded.size(); ++i) grams.insert(padded.substr(i, 3));
  }
  return grams;
}

// Code points of a text that are neither ASCII punctuation nor spaces.
std::vector<uint32_t> CodePoints(std::string_view s) {
  std::vector<uint32_t> cps;
  size_t i = 0;
  while (i < s.size()) {
    auto [cp, len] = DecodeUtf8(s, i);
    i += len;
    if (cp < 0x80 && !IsWordChar(static_cast<char>(cp))) continue;
    cps.push_back(cp);
  }
  return cps;
}

// Code-point bigrams (a lone code point when there is only one).
std::set<std::pair<uint32_t, uint32_t>> Bigrams(const std::vector<uint32_t>& cps) {
  std::set<std::pair<uint32_t, uint32_t>> grams;
  if (cps.size() == 1) grams.insert({cps[0], 0});
  for (size_t i = 0; i + 1 < cps.size(); ++i) grams.insert({cps[i], cps[i + 1]});
  return grams;
}

template <typename Set>
size_t CommonCount(const Set& a, const Set& b) {
  size_t n = 0;
  for (const auto& g : a) n += b.count(g);
  return n;
}

template <typename Set>
double Dice(const Set& a, const Set& b) {
  if (a.empty() || b.empty()) return 0;
  return 2.0 * static_cast<double>(CommonCount(a, b)) / static_cast<double>(a.size() + b.size());
}

bool IsAscii(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

struct Symptom {
  std::string normalized;
  std::vector<std::string_view> words;  // into normalized
  std::set<std::pair<uint32_t, uint32_t>> bigrams;
};

// Similarity 0..1 of a term (or title) to the symptom. ASCII terms: the best
// trigram Dice coefficient between the term and any run of as many symptom
// words. Other terms (Japanese, no word boundaries): the share of the term's
// code-point bigrams found in the symptom.
double Similarity(std::string_view term_text, const Symptom& symptom) {
  std::string term = Normalize(term_text);
  if (IsAscii(term)) {
    std::vector<std::string_view> term_words = Words(term);
    if (term_words.empty() || symptom.words.empty()) return 0;
    std::set<std::string> term_grams = Trigrams(term_words);
    size_t n = std::min(term_words.size(), symptom.words.size());
    double best = 0;
    for (size_t start = 0; start + n <= symptom.words.size(); ++start) {
      std::vector<std::string_view> window(
          symptom.words.begin() + static_cast<ptrdiff_t>(start),
          symptom.words.begin() + static_cast<ptrdiff_t>(start + n));
      best = std::max(best, Dice(term_grams, Trigrams(window)));
    }
    return best;
  }
  std::set<std::pair<uint32_t, uint32_t>> term_grams = Bigrams(CodePoints(term));
  if (term_grams.empty()) return 0;
  if (term_grams.size() == 1 && term_grams.begin()->second == 0) {
    // A one-character term: found or not.
    for (uint32_t cp : CodePoints(symptom.normalized)) {
      if (cp == term_grams.begin()->first) return 1;
    }
    return 0;
  }
  return static_cast<double>(CommonCount(term_grams, symptom.bigrams)) /
         static_cast<double>(term_grams.size());
}

}  // namespace

std::vector<CategoryMatch> MatchSymptom(const ClaimRules& rules, std::string_view symptom,
                                        store::DeviceKind kind) {
  const std::string text = Normalize(symptom);
  const std::vector<std::string_view> words = Words(text);
  std::vector<CategoryMatch> matches;
  for (const Category& category : rules.categories) {
    if (!Applies(category, kind)) continue;
    CategoryMatch m;
    m.category = &category;
    for (const std::string& term : category.terms_en) {
      if (EnglishTermOccurs(term, words)) m.matched_terms.push_back(term);
    }
    for (const std::string& term : category.terms_ja) {
      std::string folded = Normalize(term);
      if (!folded.empty() && text.find(folded) != std::string::npos) {
        m.matched_terms.push_back(term);
      }
    }
    if (m.matched_terms.empty()) continue;
    m.score = static_cast<double>(m.matched_terms.size());
    matches.push_back(std::move(m));
  }
  std::stable_sort(
      matches.begin(), matches.end(),
      [](const CategoryMatch& a, const CategoryMatch& b) { return a.score > b.score; });
  return matches;
}

std::vector<CategoryMatch> ClosestCategories(const ClaimRules& rules, std::string_view symptom,
                                             store::DeviceKind kind, size_t limit) {
  // Similarity is quadratic-ish in the text: a complaint's first few
  // kilobytes are plenty to rank categories (the store keeps 1024 bytes).
  constexpr size_t kMaxSimilarityBytes = 4096;
  Symptom s;
  s.normalized = Normalize(TruncateUtf8(symptom, kMaxSimilarityBytes));
  s.words = Words(s.normalized);
  s.bigrams = Bigrams(CodePoints(s.normalized));
  std::vector<CategoryMatch> closest;
  for (const Category& category : rules.categories) {
    if (!Applies(category, kind)) continue;
    CategoryMatch m;
    m.category = &category;
    std::string best_term;
    auto consider = [&](const std::string& term) {
      double similarity = Similarity(term, s);
      if (similarity > m.score) {
        m.score = similarity;
        best_term = term;
      }
    };
    for (const std::string& term : category.terms_en) consider(term);
    for (const std::string& term : category.terms_ja) consider(term);
    consider(category.title);
    if (!best_term.empty()) m.matched_terms.push_back(std::move(best_term));
    closest.push_back(std::move(m));
  }
  std::stable_sort(
      closest.begin(), closest.end(),
      [](const CategoryMatch& a, const CategoryMatch& b) { return a.score > b.score; });
  if (closest.size() > limit) closest.resize(limit);
  return closest;
}

}  // namespace periscope::claimtool
