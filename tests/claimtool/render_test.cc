#include "claimtool/render.h"

#include <gtest/gtest.h>

#include <time.h>

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "render/html.h"
#include "tests/support/html_checks.h"

namespace periscope::claimtool {
namespace {

// Markup, quotes, a terminal escape, CR LF, invalid UTF-8 and a bidi override.
const std::string kHostile = "\"'><script>alert(1)</script>\x1b[31m\r\nX\xff\xfe\xE2\x80\xAE<b>";

constexpr auto Count = periscope::testing::CountOccurrences;

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  for (size_t nl = text.find('\n'); nl != std::string::npos; nl = text.find('\n', start)) {
    lines.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  if (start < text.size()) lines.push_back(text.substr(start));
  return lines;
}

// The first line holding `needle`, or "" when none does.
std::string LineWith(const std::string& text, const std::string& needle) {
  for (const std::string& line : Lines(text)) {
    if (line.find(needle) != std::string::npos) return line;
  }
  return {};
}

bool IsCleanUtf8(const std::string& s) { return render::CleanUtf8(s, render::kUnbounded) == s; }

std::string Iso(int64_t unix_s) {
  time_t t = static_cast<time_t>(unix_s);
  struct tm tm {};
  gmtime_r(&t, &tm);
  char buf[32];
  strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// No markup from data (tests/support/html_checks.h), and the hostile text
// present in escaped form.
void ExpectNoMarkupFromData(const std::string& html) {
  periscope::testing::ExpectNoMarkupFromData(html);
  EXPECT_EQ(html.find("<b>"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(html.find("&quot;&#39;&gt;"), std::string::npos);
}

void ExpectNoControls(const std::string& text) {
  EXPECT_EQ(text.find('\x1b'), std::string::npos);
  EXPECT_EQ(text.find('\r'), std::string::npos);
  EXPECT_EQ(text.find("\xE2\x80\xAE"), std::string::npos);
  EXPECT_TRUE(IsCleanUtf8(text));
}

store::ClaimStatRecord NumberStat(std::string item, std::string instance, std::string label,
                                  std::optional<double> claimed, int64_t n, double mean,
                                  double median, std::optional<double> sd, std::optional<double> z,
                                  bool flagged) {
  store::ClaimStatRecord s;
  s.item = std::move(item);
  s.instance = std::move(instance);
  s.measure = "value";
  s.label = std::move(label);
  s.unit = "pages";
  s.claimed_number = claimed;
  s.claimed_text = claimed ? std::to_string(*claimed) : "";
  s.n = n;
  s.mean = mean;
  s.median = median;
  s.sd = sd;
  s.min = median - 1;
  s.max = median + 1;
  s.z = z;
  s.robust_z = z ? std::optional<double>(*z * 0.9) : std::nullopt;
  s.percentile = claimed ? std::optional<double>(75) : std::nullopt;
  s.meaningful = n >= 3;
  s.flagged = flagged;
  return s;
}

// A claim with hostile text in every untrusted string, its statistics in
// rule order with the flagged ones in the middle.
store::ClaimRecord MakeClaim() {
  store::ClaimRecord c;
  c.id = 12;
  c.created_at = 1795500000;
  c.customer_user_id = "cust-42" + kHostile;
  c.device_id = 7;
  c.device_kind = "printer";
  c.model = "CPY-6000" + kHostile;
  c.category = "image-quality";
  c.category_title = "Image quality" + kHostile;
  c.symptom = "faint copies\r\nsecond line" + kHostile;
  c.matched_terms = "faint, かすれ" + kHostile;
  c.in_charge_name = "Copier desk" + kHostile;
  c.in_charge_email = "copier@vendor.example";
  c.deadline_ms = 10000;
  c.elapsed_ms = 2345;
  c.completed = false;

  store::ClaimDeviceRecord claimed;
  claimed.device_id = 7;
  claimed.role = "claimed";
  claimed.customer_user_id = c.customer_user_id;
  claimed.serial_number = "SN-CLAIMED-A\x1b[31mB\r\nTAILOFSERIAL" + kHostile;
  claimed.endpoint = "192.0.2.7:161";
  claimed.answered = true;
  claimed.read_at = c.created_at;
  c.devices.push_back(claimed);
  for (int i = 0; i < 4; ++i) {
    store::ClaimDeviceRecord peer;
    peer.device_id = 100 + i;
    peer.role = "peer";
    peer.customer_user_id = "cust-" + std::to_string(i);
    peer.serial_number = "SN-PEER-" + std::to_string(i);
    peer.endpoint = "192.0.2." + std::to_string(10 + i) + ":161";
    peer.answered = i < 2;
    if (!peer.answered) {
      peer.error_class = i == 2 ? "timeout" : "deadline";
      peer.error = (i == 2 ? "no answer after 2 retries" : "given up at the deadline") + kHostile;
    }
    c.devices.push_back(peer);
  }

  store::ClaimValueRecord v;
  v.device_id = 7;
  v.item = "copies";
  v.number = 1234;
  v.text = "1234";
  v.read_at = c.created_at;
  c.values.push_back(v);
  store::ClaimValueRecord big;
  big.device_id = 100;
  big.item = "firmware";
  big.text = std::string(10 * 1024, 'v') + kHostile;
  big.read_at = c.created_at + 1;
  c.values.push_back(big);
  store::ClaimValueRecord refused;
  refused.device_id = 101;
  refused.item = "tray-copies";
  refused.instance = "1.2";
  refused.problem = "wrong type OCTET STRING" + kHostile;
  refused.read_at = c.created_at + 2;
  c.values.push_back(refused);

  c.stats.push_back(NumberStat("copies", "", "Copies quiet", 1234, 4, 1100, 1150, 120, 1.1, false));
  c.stats.push_back(NumberStat("tray-copies", "1.2", "Copies per feed stage", 9000, 4, 1000, 990,
                               800, 10.0, true));
  c.stats.back().example = true;
  c.stats.push_back(NumberStat("few", "", "Few peers item", 5, 2, 3, 3, 1, 2.0, false));
  store::ClaimStatRecord text;
  text.item = "firmware";
  text.measure = "value";
  text.label = "Firmware" + kHostile;
  text.numeric = false;
  text.claimed_text = "1.0" + kHostile + std::string(10 * 1024, 'w');
  text.n = 4;
  text.most_common = "2.0" + kHostile;
  text.most_common_count = 3;
  text.differs = true;
  text.meaningful = true;
  text.flagged = true;
  c.stats.push_back(text);
  c.stats.push_back(NumberStat("toner", "", "Toner left", std::nullopt, 0, 0, 0, std::nullopt,
                               std::nullopt, false));
  c.stats.back().mean = c.stats.back().median = c.stats.back().min = c.stats.back().max =
      std::nullopt;
  return c;
}

int64_t FlaggedCount(const store::ClaimRecord& c) {
  return std::count_if(c.stats.begin(), c.stats.end(),
                       [](const store::ClaimStatRecord& s) { return s.flagged; });
}

// Every flagged stat's label appears before every unflagged one's.
void ExpectFlaggedFirst(const std::string& out, const store::ClaimRecord& c, size_t from) {
  size_t last_flagged = 0;
  size_t first_quiet = std::string::npos;
  for (const auto& s : c.stats) {
    std::string label = s.label.substr(0, s.label.find('"'));
    size_t pos = out.find(label, from);
    ASSERT_NE(pos, std::string::npos) << label;
    if (s.flagged) {
      last_flagged = std::max(last_flagged, pos);
    } else {
      first_quiet = std::min(first_quiet, pos);
    }
  }
  EXPECT_LT(last_flagged, first_quiet);
}

TEST(RenderTest, TextHasNoControlsAndTheSerialStaysOnOneLine) {
  store::ClaimRecord c = MakeClaim();
  std::string text = RenderClaimText(c);
  ExpectNoControls(text);
  std::string device = LineWith(text, "SN-CLAIMED-A");
  EXPECT_NE(device.find("TAILOFSERIAL"), std::string::npos) << device;
  EXPECT_EQ(device.rfind("Device:", 0), 0u) << device;
  std::string symptom = LineWith(text, "faint copies");
  EXPECT_NE(symptom.find("second line"), std::string::npos) << symptom;
  // The 10 kB values are cut, not pasted whole.
  for (const std::string& line : Lines(text)) EXPECT_LT(line.size(), 2000u);
}

TEST(RenderTest, TextShowsFlaggedRowsFirstMarkedAsLikelyCause) {
  store::ClaimRecord c = MakeClaim();
  std::string text = RenderClaimText(c);
  size_t table = text.find("Statistics");
  ASSERT_NE(table, std::string::npos);
  ExpectFlaggedFirst(text, c, table);
  for (const auto& s : c.stats) {
    std::string label = s.label.substr(0, s.label.find('"'));
    std::string row = LineWith(text.substr(table), label);
    EXPECT_EQ(row.find("<-- likely cause") != std::string::npos, s.flagged) << row;
    EXPECT_EQ(row.find("not meaningful") != std::string::npos, s.n < 3) << row;
  }
  EXPECT_NE(LineWith(text, "Copies per feed stage [1.2]").find("(example OID)"), std::string::npos);
  std::string firmware = LineWith(text.substr(table), "Firmware");
  EXPECT_NE(firmware.find("most common"), std::string::npos) << firmware;
  EXPECT_NE(firmware.find("(3 of 4)"), std::string::npos) << firmware;
  EXPECT_NE(firmware.find("differs"), std::string::npos) << firmware;
}

TEST(RenderTest, TextListsDevicesThatDidNotAnswerAndRefusedValues) {
  store::ClaimRecord c = MakeClaim();
  std::string text = RenderClaimText(c);
  size_t dead = text.find("Did not answer");
  size_t refused = text.find("Refused values");
  ASSERT_NE(dead, std::string::npos);
  ASSERT_NE(refused, std::string::npos);
  std::string section = text.substr(dead, refused - dead);
  for (const auto& d : c.devices) {
    std::string row = LineWith(section, d.serial_number.substr(0, 9));
    if (d.answered) {
      EXPECT_TRUE(row.empty()) << row;
      continue;
    }
    ASSERT_FALSE(row.empty()) << d.serial_number;
    EXPECT_NE(row.find(d.serial_number), std::string::npos) << row;
    EXPECT_NE(row.find(d.role), std::string::npos) << row;
    EXPECT_NE(row.find(d.customer_user_id), std::string::npos) << row;
    EXPECT_NE(row.find(d.endpoint), std::string::npos) << row;
    EXPECT_NE(row.find(d.error_class), std::string::npos) << row;
    EXPECT_NE(row.find(d.error.substr(0, 15)), std::string::npos) << row;
  }
  std::string refused_row = LineWith(text.substr(refused), "tray-copies");
  EXPECT_NE(refused_row.find("SN-PEER-1"), std::string::npos) << refused_row;
  EXPECT_NE(refused_row.find("1.2"), std::string::npos) << refused_row;
  EXPECT_NE(refused_row.find("wrong type OCTET STRING"), std::string::npos) << refused_row;
}

TEST(RenderTest, NumbersHaveUpToFourSignificantDigits) {
  store::ClaimRecord c;
  c.id = 1;
  c.stats.push_back(NumberStat("x", "", "Figures", 12345, 5, 1234.5678, 0.000123, 2.5, -3.0, true));
  c.stats.back().min = std::nullopt;
  std::string row = LineWith(RenderClaimText(c), "Figures");
  EXPECT_NE(row.find(" 12345 "), std::string::npos) << row;
  EXPECT_NE(row.find(" 1235 "), std::string::npos) << row;
  EXPECT_NE(row.find(" 0.000123 "), std::string::npos) << row;
  EXPECT_NE(row.find(" 2.5 "), std::string::npos) << row;
  EXPECT_NE(row.find(" -3 "), std::string::npos) << row;
  EXPECT_NE(row.find(" - "), std::string::npos) << row;  // the missing min
}

TEST(RenderTest, HtmlEscapesEveryValueAndHighlightsFlaggedRows) {
  store::ClaimRecord c = MakeClaim();
  std::string html = RenderClaimHtml(c);
  ExpectNoMarkupFromData(html);
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  size_t table = html.find("<table");
  ASSERT_NE(table, std::string::npos);
  ExpectFlaggedFirst(html, c, table);
  // Every cell of a flagged row has the class, and only those.
  size_t columns = 13;
  EXPECT_EQ(Count(html, "<td class=\"flagged"), columns * static_cast<size_t>(FlaggedCount(c)));
  EXPECT_NE(html.find("(example OID)"), std::string::npos);
  EXPECT_NE(html.find("not meaningful"), std::string::npos);
  for (const auto& d : c.devices) {
    if (d.answered) continue;
    EXPECT_NE(html.find(render::EscapeHtml(d.error.substr(0, 20))), std::string::npos);
    EXPECT_NE(html.find("<td>" + d.error_class + "</td>"), std::string::npos) << d.error_class;
  }
}

TEST(RenderTest, JsonParsesBackWithTheRecordsNumbersAndNulls) {
  store::ClaimRecord c = MakeClaim();
  c.outbox_id = std::nullopt;
  std::string out = RenderClaimJson(c);
  auto j = nlohmann::json::parse(out, nullptr, /*allow_exceptions=*/false);
  ASSERT_FALSE(j.is_discarded()) << out.substr(0, 400);

  const auto& claim = j["claim"];
  EXPECT_EQ(claim["id"].get<int64_t>(), c.id);
  EXPECT_EQ(claim["created_at"].get<int64_t>(), c.created_at);
  EXPECT_EQ(claim["created_at_utc"].get<std::string>(), Iso(c.created_at));
  EXPECT_EQ(claim["device_id"].get<int64_t>(), c.device_id);
  EXPECT_EQ(claim["deadline_ms"].get<int64_t>(), c.deadline_ms);
  EXPECT_EQ(claim["elapsed_ms"].get<int64_t>(), c.elapsed_ms);
  EXPECT_EQ(claim["completed"].get<bool>(), c.completed);
  EXPECT_TRUE(claim["outbox_id"].is_null());
  EXPECT_EQ(claim["in_charge"]["email"].get<std::string>(), c.in_charge_email);
  EXPECT_EQ(claim["category"].get<std::string>(), c.category);
  EXPECT_EQ(claim["customer"].get<std::string>(), render::CleanUtf8(c.customer_user_id));

  ASSERT_EQ(j["devices"].size(), c.devices.size());
  for (size_t i = 0; i < c.devices.size(); ++i) {
    EXPECT_EQ(j["devices"][i]["device_id"].get<int64_t>(), c.devices[i].device_id);
    EXPECT_EQ(j["devices"][i]["answered"].get<bool>(), c.devices[i].answered);
  }
  ASSERT_EQ(j["values"].size(), c.values.size());
  for (size_t i = 0; i < c.values.size(); ++i) {
    const auto& v = j["values"][i];
    EXPECT_EQ(v["read_at"].get<int64_t>(), c.values[i].read_at);
    if (c.values[i].number) {
      EXPECT_EQ(v["number"].get<double>(), *c.values[i].number);
    } else {
      EXPECT_TRUE(v["number"].is_null());
    }
  }
  // The 10 kB value is kept whole (cleaned).
  EXPECT_EQ(j["values"][1]["text"].get<std::string>(),
            render::CleanUtf8(c.values[1].text, 1 << 20));

  ASSERT_EQ(j["stats"].size(), c.stats.size());
  for (const auto& s : c.stats) {
    SCOPED_TRACE(s.item);
    auto it = std::find_if(j["stats"].begin(), j["stats"].end(), [&](const auto& js) {
      return js["item"] == s.item && js["instance"] == s.instance;
    });
    ASSERT_NE(it, j["stats"].end());
    const auto& js = *it;
    auto expect_number = [&](const char* key, std::optional<double> want) {
      if (want) {
        EXPECT_EQ(js[key].get<double>(), *want) << key;
      } else {
        EXPECT_TRUE(js[key].is_null()) << key;
      }
    };
    expect_number("claimed_number", s.claimed_number);
    expect_number("mean", s.mean);
    expect_number("median", s.median);
    expect_number("sd", s.sd);
    expect_number("min", s.min);
    expect_number("max", s.max);
    expect_number("z", s.z);
    expect_number("robust_z", s.robust_z);
    expect_number("percentile", s.percentile);
    EXPECT_EQ(js["n"].get<int64_t>(), s.n);
    EXPECT_EQ(js["flagged"].get<bool>(), s.flagged);
    EXPECT_EQ(js["meaningful"].get<bool>(), s.meaningful);
    EXPECT_EQ(js["numeric"].get<bool>(), s.numeric);
  }
  EXPECT_TRUE(j["stats"][0]["flagged"].get<bool>());

  c.outbox_id = 55;
  auto linked = nlohmann::json::parse(RenderClaimJson(c), nullptr, false);
  EXPECT_EQ(linked["claim"]["outbox_id"].get<int64_t>(), 55);
}

TEST(RenderTest, JsonIsValidUtf8WhateverTheInput) {
  store::ClaimRecord c = MakeClaim();
  c.symptom = std::string("\xC0\xAF\xED\xA0\x80\xF4\x90\x80\x80") + std::string(1, '\0') + "x";
  std::string out = RenderClaimJson(c);
  EXPECT_TRUE(IsCleanUtf8(out));
  auto j = nlohmann::json::parse(out, nullptr, false);
  ASSERT_FALSE(j.is_discarded());
  EXPECT_EQ(j["claim"]["symptom"].get<std::string>(), render::CleanUtf8(c.symptom));
}

TEST(RenderTest, MailSubjectIsOneCleanLineAndBodiesPutFlaggedFirst) {
  store::ClaimRecord c = MakeClaim();
  ClaimMail mail = RenderClaimMail(c);
  EXPECT_EQ(mail.subject.rfind("[periscope claim #12] image-quality: CPY-6000", 0), 0u)
      << mail.subject;
  EXPECT_NE(mail.subject.find("(" + std::to_string(FlaggedCount(c)) + " flagged)"),
            std::string::npos)
      << mail.subject;
  EXPECT_NE(mail.subject.find("SN-CLAIMED-A"), std::string::npos);
  EXPECT_NE(mail.subject.find("TAILOFSERIAL"), std::string::npos);
  for (char bad : {'\r', '\n', '\x1b', '\t', '\0'}) {
    EXPECT_EQ(mail.subject.find(bad), std::string::npos) << static_cast<int>(bad);
  }
  EXPECT_TRUE(IsCleanUtf8(mail.subject));

  ExpectNoControls(mail.text);
  size_t cause = mail.text.find("Likely cause");
  size_t table = mail.text.find("Statistics");
  size_t dead = mail.text.find("Did not answer");
  ASSERT_NE(cause, std::string::npos);
  ASSERT_NE(table, std::string::npos);
  ASSERT_NE(dead, std::string::npos);
  EXPECT_LT(cause, table);
  EXPECT_LT(table, dead);
  // The summary names the flagged items and not the others.
  std::string summary = mail.text.substr(cause, table - cause);
  for (const auto& s : c.stats) {
    std::string label = s.label.substr(0, s.label.find('"'));
    EXPECT_EQ(summary.find(label) != std::string::npos, s.flagged) << label;
  }
  ExpectFlaggedFirst(mail.text, c, table);

  ExpectNoMarkupFromData(mail.html);
  size_t html_cause = mail.html.find("Likely cause");
  size_t html_table = mail.html.find("<table");
  ASSERT_NE(html_cause, std::string::npos);
  ASSERT_NE(html_table, std::string::npos);
  EXPECT_LT(html_cause, html_table);
  ExpectFlaggedFirst(mail.html, c, html_table);
  EXPECT_NE(mail.html.find("Did not answer"), std::string::npos);
}

TEST(RenderTest, ListTextAndJsonCarryEverySummary) {
  std::vector<store::ClaimSummary> list(2);
  list[0].id = 9;
  list[0].created_at = 1795500000;
  list[0].customer_user_id = "cust-1";
  list[0].serial_number = "SN\r\nX" + kHostile;
  list[0].peers = 5;
  list[0].peers_answered = 3;
  list[0].flagged = 2;
  list[1].id = 8;
  list[1].created_at = 1795400000;

  std::string text = RenderClaimListText(list);
  ExpectNoControls(text);
  EXPECT_EQ(Lines(text).size(), 2u + list.size());  // header, rule, one per claim
  EXPECT_NE(LineWith(text, "SN").find(Iso(list[0].created_at)), std::string::npos);

  auto j = nlohmann::json::parse(RenderClaimListJson(list), nullptr, false);
  ASSERT_TRUE(j.is_array());
  ASSERT_EQ(j.size(), list.size());
  for (size_t i = 0; i < list.size(); ++i) {
    EXPECT_EQ(j[i]["id"].get<int64_t>(), list[i].id);
    EXPECT_EQ(j[i]["created_at"].get<int64_t>(), list[i].created_at);
    EXPECT_EQ(j[i]["peers"].get<int64_t>(), list[i].peers);
    EXPECT_EQ(j[i]["peers_answered"].get<int64_t>(), list[i].peers_answered);
    EXPECT_EQ(j[i]["flagged"].get<int64_t>(), list[i].flagged);
    EXPECT_EQ(j[i]["serial_number"].get<std::string>(), render::CleanUtf8(list[i].serial_number));
  }
  EXPECT_EQ(nlohmann::json::parse(RenderClaimListJson({}), nullptr, false),
            nlohmann::json::array());
}

}  // namespace
}  // namespace periscope::claimtool
