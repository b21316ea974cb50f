#include "portal/i18n.h"

#include <algorithm>
#include <optional>
#include <unordered_map>
#include <utility>

#include "core/strings.h"

namespace periscope::portal {
namespace {

// English text -> Japanese text: every text of the pages (portal/pages.cc),
// the invite mail (portal/mails.cc) and the application's messages
// (portal/portal.cc). "{name}"-style placeholders must survive translation.
constexpr std::pair<std::string_view, std::string_view> kJapanese[] = {
    // The frame of every page.
    {"Periscope customer portal", "Periscope お客様ポータル"},
    {"Main", "メインメニュー"},
    {"Language", "言語"},
    {"Products", "製品情報"},
    {"Requests", "お問い合わせ履歴"},
    {"Registered information", "ご登録情報"},
    {"Signed in as", "ログイン中:"},
    {"Sign out", "ログアウト"},

    // Sign-in and password pages.
    {"Sign in", "ログイン"},
    {"Customer ID", "お客様 ID"},
    {"Password", "パスワード"},
    {"Sign in with your customer ID and the password you chose.",
     "お客様 ID と、ご自身で設定したパスワードでログインしてください。"},
    {"No password yet or forgot it? Ask your sales contact for an invitation.",
     "パスワードをお持ちでない場合やお忘れの場合は、担当営業に招待メールをご依頼ください。"},
    {"Choose your password", "パスワードの設定"},
    {"New password", "新しいパスワード"},
    {"New password again", "新しいパスワード(確認)"},
    {"Set password", "パスワードを設定"},
    {"At least 10 characters, not one repeated character, and not your customer ID.",
     "10 文字以上で、同じ文字の繰り返しやお客様 ID と同じものは使えません。"},

    // Products page.
    {"Your devices and their usage, our proposals for you, and the products that fit your "
     "devices. Ask about any of them and your sales contact will get back to you.",
     "お客様の機器とその使用状況、お客様へのご提案、機器に対応する製品をご覧いただけます。"
     "いずれについてもお問い合わせいただければ、担当営業からご連絡いたします。"},
    {"Proposals for you", "お客様へのご提案"},
    {"Products for your devices", "お客様の機器に対応する製品"},
    {"Your devices", "お客様の機器"},
    {"No devices are registered for you yet.", "登録されている機器はまだありません。"},
    {"There are no proposals for you at the moment.", "現在、ご提案はありません。"},
    {"The catalog has no products for your devices.",
     "お客様の機器に対応する製品はカタログにありません。"},
    {"Product", "製品"},
    {"Quantity", "数量"},
    {"Price", "価格"},
    {"Needed by", "必要時期"},
    {"Why", "理由"},
    {"Contact", "お問い合わせ"},
    {"Ask about this", "問い合わせる"},
    {"Kind", "種類"},
    {"Product number", "製品番号"},
    {"Name", "名称"},
    {"Detail", "詳細"},
    {"For your model", "対象機種:"},
    {"Capacity expansion", "容量の増設"},
    {"Cache expansion", "キャッシュの増設"},
    {"Firmware update", "ファームウェア更新"},
    {"Successor model", "後継機種"},
    {"Supplies", "消耗品"},
    {"Storage upgrade", "ストレージの増設"},
    {"Processor upgrade", "処理能力の強化"},

    // Contact page.
    {"Contact your sales contact", "担当営業へのお問い合わせ"},
    {"What you are asking about", "お問い合わせの対象"},
    {"Proposal number", "ご提案番号"},
    {"Your sales contact receives this request by e-mail, together with your registered "
     "information, and will get back to you.",
     "このお問い合わせは、ご登録情報とともにメールで担当営業に届きます。"
     "担当営業からご連絡いたします。"},
    {"Fields marked * are required.", "* の付いた項目は必須です。"},
    {"Your name", "お名前"},
    {"E-mail", "メールアドレス"},
    {"Phone", "電話番号"},
    {"Give an e-mail address or a phone number, or both.",
     "メールアドレスと電話番号の少なくとも一方をご記入ください。"},
    {"When we may contact you", "ご連絡の希望時間帯"},
    {"For example: weekday mornings.", "例: 平日の午前中"},
    {"Message", "メッセージ"},
    {"Send request", "送信する"},
    {"Please check the marked fields.", "表示された項目をご確認ください。"},

    // Requests page.
    {"Your contact requests", "お問い合わせ"},
    {"Number", "番号"},
    {"Date", "日時"},
    {"Regarding", "対象"},
    {"Mail to your sales contact", "担当営業へのメール"},
    {"You have not sent any request yet.", "お問い合わせはまだありません。"},
    {"Changes to your registered information", "ご登録情報の変更履歴"},
    {"Field", "項目"},
    {"Old value", "変更前"},
    {"New value", "変更後"},
    {"No changes yet.", "変更はまだありません。"},
    {"Times are in UTC.", "日時は UTC (協定世界時) で表示しています。"},
    {"Being sent", "送信中"},
    {"Sent to your sales contact", "担当営業に送信済み"},
    {"Not delivered yet; we will follow up", "まだ届いていません。こちらで対応いたします"},

    // Account page.
    {"What we have on record", "現在のご登録内容"},
    {"Company name", "会社名"},
    {"Contact person", "ご担当者"},
    {"Address", "住所"},
    {"Your sales contact", "担当営業"},
    {"Not assigned yet", "未定"},
    {"Update your information", "登録内容を変更する"},
    {"Changes are saved at once and sent to your sales contact by e-mail.",
     "変更はすぐに保存され、メールで担当営業に通知されます。"},
    {"Save changes", "変更を保存"},

    // Error page.
    {"Error", "エラー"},
    {"Sorry, this did not work", "申し訳ありません。処理できませんでした"},
    {"Status", "ステータス"},
    {"Back to the products", "製品情報に戻る"},

    // The invite mail.
    {"Periscope customer portal: choose your password",
     "Periscope お客様ポータル: パスワード設定のご案内"},
    {"Dear {name} ({company}),", "{company} {name} 様"},
    {"You are invited to the Periscope customer portal: see your devices, our proposals and "
     "products, send requests to your sales contact and keep your registered information up to "
     "date.",
     "Periscope お客様ポータルにご招待いたします。お客様の機器、ご提案や製品のご確認、"
     "担当営業へのお問い合わせ、ご登録情報の更新ができます。"},
    {"Open this link to choose your password. It works once, until {expires}:",
     "次のリンクを開いて、パスワードを設定してください。リンクは {expires} まで、1 "
     "回だけ使えます:"},
    {"Your customer ID", "お客様 ID"},
    {"Do not forward this mail: the link lets its holder set your password.",
     "このメールは転送しないでください。リンクを知っている人は誰でもパスワードを設定できます。"},
    {"If you did not expect this mail, ignore it; nothing changes until the link is used.",
     "お心当たりのない場合は、このメールを破棄してください。リンクが使われない限り、何も変わりませ"
     "ん。"},

    // The application's messages (portal/portal.cc): notices, field errors
    // and error pages.
    {"Wrong customer ID or password.", "お客様 ID またはパスワードが正しくありません。"},
    {"Too many failed sign-ins. This account is locked for a while.",
     "ログインの失敗が続いたため、このアカウントはしばらくロックされています。"},
    {"Internal error. Please try again later.",
     "内部エラーが発生しました。しばらくしてからもう一度お試しください。"},
    {"Too many requests. Please wait a moment and try again.",
     "リクエストが多すぎます。少し待ってからもう一度お試しください。"},
    {"A field is too long.", "入力が長すぎる項目があります。"},
    {"The form could not be read.", "フォームの内容を読み取れませんでした。"},
    {"This form has expired. Please reload the page and try again.",
     "このフォームは有効期限が切れています。ページを再読み込みして、もう一度お試しください。"},
    {"This link has been used or has expired.", "このリンクは使用済みか、有効期限が切れています。"},
    {"The two passwords differ.", "2 つのパスワードが一致しません。"},
    {"The password must be 10 to 256 characters long, not one repeated character, and not your "
     "customer ID.",
     "パスワードは 10〜256 文字で、同じ文字の繰り返しやお客様 ID と同じものは使えません。"},
    {"No such product or proposal.", "該当する製品またはご提案がありません。"},
    {"No such request.", "該当するご依頼がありません。"},
    {"Please enter a name.", "お名前を入力してください。"},
    {"This is not an e-mail address.", "メールアドレスの形式が正しくありません。"},
    {"Use digits, spaces and + - ( ) only.", "数字、空白と + - ( ) だけを使ってください。"},
    {"Please give an e-mail address or a phone number.",
     "メールアドレスか電話番号を入力してください。"},
    {"No sales contact is assigned to your account yet. Please call us instead.",
     "お客様の担当営業がまだ決まっていません。お手数ですが、お電話でお問い合わせください。"},
    {"Your request was received and is being sent to your sales contact.",
     "お問い合わせを受け付けました。担当営業に送信しています。"},
    {"Saved. Your sales contact has been told.", "保存しました。担当営業に通知しました。"},
    {"Nothing was changed.", "変更はありませんでした。"},
    {"Unknown language.", "対応していない言語です。"},
    {"Method not allowed.", "この操作は許可されていません。"},
    {"Page not found.", "ページが見つかりません。"},
    {"This request did not come from the portal's own pages.",
     "このリクエストはポータルのページから送信されたものではありません。"},
    {"Please sign in again.", "もう一度ログインしてください。"},
};

const std::unordered_map<std::string_view, std::string_view>& JapaneseByEnglish() {
  static const auto* table = [] {
    auto* m = new std::unordered_map<std::string_view, std::string_view>();
    for (const auto& [en, ja] : kJapanese) m->emplace(en, ja);
    return m;
  }();
  return *table;
}

// Accept-Language bounds: a longer header or more items is not from a browser.
constexpr size_t kMaxAcceptLanguageBytes = 1024;
constexpr size_t kMaxAcceptLanguageItems = 64;

bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// RFC 4647 language-range: "*" or 1*8ALPHA *("-" 1*8alphanum).
bool IsLanguageRange(std::string_view range) {
  if (range == "*") return true;
  size_t start = 0;
  bool first = true;
  while (true) {
    size_t dash = range.find('-', start);
    std::string_view part =
        range.substr(start, dash == std::string_view::npos ? std::string_view::npos : dash - start);
    if (part.empty() || part.size() > 8) return false;
    for (char c : part) {
      if (!IsAlpha(c) && (first || !IsDigit(c))) return false;
    }
    if (dash == std::string_view::npos) return true;
    first = false;
    start = dash + 1;
  }
}

// RFC 9110 qvalue: "0" ["." 0*3DIGIT] / "1" ["." 0*3("0")], in thousandths.
std::optional<int> ParseQValue(std::string_view q) {
  if (q.empty() || q.size() > 5 || (q[0] != '0' && q[0] != '1')) return std::nullopt;
  int value = (q[0] - '0') * 1000;
  if (q.size() == 1) return value;
  if (q[1] != '.') return std::nullopt;
  int scale = 100;
  for (char c : q.substr(2)) {
    if (!IsDigit(c)) return std::nullopt;
    value += (c - '0') * scale;
    scale /= 10;
  }
  if (value > 1000) return std::nullopt;
  return value;
}

std::string_view TrimOws(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::string_view LangCode(Lang lang) { return lang == Lang::kJa ? "ja" : "en"; }

bool ParseLangCode(std::string_view code, Lang* lang) {
  if (code.size() > 35) return false;
  std::string lower = AsciiLower(code);
  std::string_view primary = lower;
  size_t sep = primary.find_first_of("-_");
  if (sep != std::string_view::npos) {
    if (sep + 1 == primary.size()) return false;
    primary = primary.substr(0, sep);
  }
  if (primary == "en") {
    *lang = Lang::kEn;
    return true;
  }
  if (primary == "ja") {
    *lang = Lang::kJa;
    return true;
  }
  return false;
}

Lang LangFromAcceptLanguage(std::string_view header) {
  if (header.size() > kMaxAcceptLanguageBytes) return Lang::kEn;
  // The best weight of each language, named explicitly or by "*"; -1: none.
  int explicit_q[2] = {-1, -1};
  size_t explicit_pos[2] = {0, 0};
  int wildcard_q = -1;
  size_t items = 0;
  size_t start = 0;
  while (start <= header.size()) {
    size_t comma = header.find(',', start);
    if (comma == std::string_view::npos) comma = header.size();
    std::string_view item = TrimOws(header.substr(start, comma - start));
    start = comma + 1;
    if (item.empty()) continue;  // "a, , b" is allowed (RFC 9110 5.6.1)
    if (++items > kMaxAcceptLanguageItems) return Lang::kEn;
    size_t semicolon = item.find(';');
    std::string_view range = TrimOws(item.substr(0, semicolon));
    int q = 1000;
    if (semicolon != std::string_view::npos) {
      std::string_view param = TrimOws(item.substr(semicolon + 1));
      if (param.size() < 2 || (param[0] != 'q' && param[0] != 'Q') || param[1] != '=') {
        return Lang::kEn;
      }
      std::optional<int> parsed = ParseQValue(param.substr(2));
      if (!parsed) return Lang::kEn;
      q = *parsed;
    }
    if (!IsLanguageRange(range)) return Lang::kEn;
    if (range == "*") {
      wildcard_q = std::max(wildcard_q, q);
      continue;
    }
    Lang lang;
    if (!ParseLangCode(range, &lang)) continue;
    int i = lang == Lang::kJa ? 1 : 0;
    // A more specific range after a general one ("ja;q=0, ja-JP") counts too:
    // the best weight wins.
    if (q > explicit_q[i]) {
      if (explicit_q[i] < 0) explicit_pos[i] = items;
      explicit_q[i] = q;
    }
  }
  // "*" stands for every language not named.
  int en = explicit_q[0] >= 0 ? explicit_q[0] : wildcard_q;
  int ja = explicit_q[1] >= 0 ? explicit_q[1] : wildcard_q;
  if (ja > 0 && ja > en) return Lang::kJa;
  if (ja > 0 && ja == en && explicit_q[1] >= 0 &&
      (explicit_q[0] < 0 || explicit_pos[1] < explicit_pos[0])) {
    return Lang::kJa;  // equal weights: the one listed first
  }
  return Lang::kEn;
}

std::string_view Tr(Lang lang, std::string_view english) {
  if (lang == Lang::kEn) return english;
  const auto& table = JapaneseByEnglish();
  auto it = table.find(english);
  return it == table.end() ? english : it->second;
}

std::vector<std::string_view> TranslatedKeys() {
  std::vector<std::string_view> keys;
  keys.reserve(std::size(kJapanese));
  for (const auto& [en, ja] : kJapanese) keys.push_back(en);
  return keys;
}

}  // namespace periscope::portal
