#include "subagent/config.h"

#include <gtest/gtest.h>

namespace periscope::subagent {
namespace {

std::string Wrap(const std::string& inner) {
  return "<periscope-subagent>\n" + inner + "</periscope-subagent>\n";
}

TEST(SubagentConfigTest, FullDeviceIsParsed) {
  auto c = ParseSubagentConfig(Wrap(R"(  <agentx socket="/run/agentx" ping-interval-s="3"/>
  <sampling interval-s="5" state-file="/var/lib/p/state" retention-days="40"/>
  <capacity-notification threshold-pct="80" hysteresis-pct="10"/>
  <device index="7" type="tapeLibrary">
    <product-name>テープ装置</product-name>
    <model>T-9</model><serial-number>SN1</serial-number>
    <capacity>12TB</capacity><cache>1GiB</cache>
    <sale-date>2024-02-29</sale-date>
    <price currency="JPY">1200000</price>
    <user-id>顧客-42</user-id>
    <mount>/srv/data/</mount><block-device>/dev/mapper/vg-data</block-device>
    <item name="z.last" value="1"/><item name="a.first" unit="Mb/s" file="/sys/x"/>
  </device>
)"),
                               "t.xml");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->agentx_socket, "/run/agentx");
  EXPECT_EQ(c->agentx_ping_interval_s, 3u);
  EXPECT_EQ(c->sampling_interval_s, 5u);
  EXPECT_EQ(c->daily_retention_days, 40u);
  EXPECT_EQ(c->capacity_threshold_pct, 80u);
  ASSERT_EQ(c->devices.size(), 1u);
  const DeviceConfig& d = c->devices[0];
  EXPECT_EQ(d.index, 7u);
  EXPECT_EQ(d.type, mib::DeviceType::kTapeLibrary);
  EXPECT_EQ(d.product_name, "テープ装置");
  EXPECT_EQ(d.capacity_bytes, 12'000'000'000'000ULL);
  EXPECT_EQ(d.cache_bytes, 1ULL << 30);
  EXPECT_EQ(d.sale_date, 20240229u);
  EXPECT_EQ(d.price_minor_units, 1'200'000u);
  EXPECT_EQ(d.currency, "JPY");
  EXPECT_EQ(d.user_id, "顧客-42");
  EXPECT_EQ(d.mount_points, std::vector<std::string>{"/srv/data"});
  EXPECT_EQ(d.block_devices, std::vector<std::string>{"/dev/mapper/vg-data"});
  ASSERT_EQ(d.items.size(), 2u);
  EXPECT_EQ(d.items[0].name, "a.first");  // sorted
  EXPECT_EQ(d.items[0].source, mib::ItemSource::kFile);
  EXPECT_EQ(d.items[1].source, mib::ItemSource::kStatic);
}

TEST(SubagentConfigTest, DefaultsApplyAndIndexesFollowPosition) {
  auto c = ParseSubagentConfig(Wrap("<device/><device><mount>/</mount></device>"), "t.xml");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->agentx_socket, "/var/agentx/master");
  EXPECT_EQ(c->sampling_interval_s, 10u);
  EXPECT_EQ(c->daily_retention_days, 35u);
  ASSERT_EQ(c->devices.size(), 2u);
  EXPECT_EQ(c->devices[1].index, 2u);
  EXPECT_FALSE(c->devices[0].capacity_bytes.has_value());
}

struct BadCase {
  const char* name;
  std::string xml;
  std::string expected;  // substring of the error
};

TEST(SubagentConfigTest, ErrorsNameFileLineAndField) {
  const BadCase cases[] = {
      {"syntax", "<periscope-subagent>\n<device>\n</periscope-subagent>", "t.xml:3:"},
      {"root", "<other/>", "expected <periscope-subagent>"},
      {"no devices", Wrap("<sampling interval-s=\"5\"/>\n"), "no <device>"},
      {"interval range", Wrap("\n<sampling interval-s=\"0\"/><device/>"),
       "t.xml:3:11: <sampling> field 'interval-s': '0' is not an integer in 1..86400"},
      {"unknown element", Wrap("<device>\n  <modle>x</modle></device>"),
       "t.xml:3:3: <device> unknown element <modle>"},
      {"duplicate index", Wrap("<device index=\"2\"/>\n<device index=\"2\"/>"),
       "t.xml:3:9: <device> field 'index': device index 2 is used twice"},
      {"bad type", Wrap("<device type=\"floppy\"/>"), "field 'type': 'floppy' is not one of"},
      {"bad date", Wrap("<device><sale-date>2023-02-29</sale-date></device>"),
       "'2023-02-29' is not a YYYY-MM-DD date"},
      {"bad bytes", Wrap("<device><capacity>lots</capacity></device>"),
       "field 'capacity': 'lots' is not a byte count"},
      {"bad currency", Wrap("<device><price currency=\"yen\">1</price></device>"),
       "'yen' is not an ISO 4217 code"},
      {"relative mount", Wrap("<device><mount>data</mount></device>"),
       "<mount> must hold an absolute mount point path"},
      {"item name", Wrap("<device><item name=\"Bad Name\" value=\"1\"/></device>"),
       "'Bad Name' must be 1..64 of a-z 0-9 . - _"},
      {"builtin item", Wrap("<device><item name=\"used-percent\" value=\"1\"/></device>"),
       "is a built-in item name"},
      {"item needs one source", Wrap("<device><item name=\"x\"/></device>"),
       "exactly one of 'value' or 'file'"},
      {"control chars", Wrap("<device><model>a&#7;b</model></device>"), "not clean UTF-8"},
      {"too long", Wrap("<device><model>" + std::string(256, 'm') + "</model></device>"),
       "longer than 255 bytes"},
      {"hysteresis",
       Wrap("<capacity-notification threshold-pct=\"5\" hysteresis-pct=\"6\"/><device/>"),
       "must not exceed threshold-pct"},
      {"relative state", Wrap("<sampling state-file=\"state\"/><device/>"),
       "must be an absolute path"},
      {"twice", Wrap("<agentx/><agentx/><device/>"), "<agentx> may appear only once"},
      {"repeated field",
       Wrap(
           "<device>\n<serial-number>A</serial-number>\n<serial-number>B</serial-number></device>"),
       "t.xml:4:1: <device> field 'serial-number' may appear only once"},
      {"position collides", Wrap("<device index=\"2\"/>\n<device/>"),
       "device index 2 is used twice (a <device> without index takes its position as index)"},
  };
  for (const BadCase& c : cases) {
    auto r = ParseSubagentConfig(c.xml, "t.xml");
    ASSERT_FALSE(r.ok()) << c.name;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << c.name;
    EXPECT_NE(r.status().message().find(c.expected), std::string::npos)
        << c.name << ": " << r.status().message();
  }
}

TEST(SubagentConfigTest, DefaultHysteresisShrinksToASmallThreshold) {
  auto c = ParseSubagentConfig(Wrap("<capacity-notification threshold-pct=\"3\"/><device/>"), "t");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->capacity_hysteresis_pct, 3u);
}

TEST(SubagentConfigTest, MissingFileIsNotFound) {
  auto r = LoadSubagentConfig("/nonexistent/periscope.xml");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  EXPECT_NE(r.status().message().find("/nonexistent/periscope.xml"), std::string::npos);
}

}  // namespace
}  // namespace periscope::subagent
