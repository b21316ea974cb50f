// English and Japanese texts of the portal. Texts are keyed by their English
// form (as gettext does): Tr(kJa, "Sign in") is the Japanese text, and an
// English text without a translation is shown as it is (a test lists every
// key used by the portal and requires a translation for each).
#ifndef PERISCOPE_PORTAL_I18N_H_
#define PERISCOPE_PORTAL_I18N_H_

#include <string>
#include <string_view>
#include <vector>

namespace periscope::portal {

enum class Lang { kEn, kJa };

// "en" or "ja".
std::string_view LangCode(Lang lang);
// From "en"/"ja" (case-insensitive, "ja-JP" too); nullopt-like: false when unknown.
bool ParseLangCode(std::string_view code, Lang* lang);
// The best of en/ja for an Accept-Language header (q-values honoured; "ja",
// "ja-JP" pick Japanese); English when nothing matches or the header is
// malformed.
Lang LangFromAcceptLanguage(std::string_view header);

// The text of `english` in `lang`.
std::string_view Tr(Lang lang, std::string_view english);
// Every English key that has a Japanese translation (for tests).
std::vector<std::string_view> TranslatedKeys();

}  // namespace periscope::portal

#endif  // PERISCOPE_PORTAL_I18N_H_
