#include "core/xml_config.h"

#include <gtest/gtest.h>

#include "core/files.h"

namespace periscope {
namespace {

TEST(XmlConfigTest, SyntaxErrorNamesFileLineAndColumn) {
  auto r = XmlConfig::LoadString("<a>\n  <b>\n</a>\n", "bad.xml");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("bad.xml:3:"), std::string::npos) << r.status().message();
}

TEST(XmlConfigTest, FieldErrorPointsAtTheElement) {
  auto r = XmlConfig::LoadString("<root>\n  <x>\n    <n>abc</n>\n  </x>\n</root>\n", "c.xml");
  ASSERT_TRUE(r.ok());
  const XmlConfig& xml = **r;
  pugi::xml_node x = xml.root().child("x");
  auto n = xml.Uint(x, "n", 0, 10);
  ASSERT_FALSE(n.ok());
  EXPECT_EQ(n.status().message(), "c.xml:3:5: <x> field 'n': 'abc' is not an integer in 0..10");
}

TEST(XmlConfigTest, AttributeErrorPointsAtTheAttribute) {
  auto r = XmlConfig::LoadString("<root>\n<x a=\"1\" n=\"99\"/>\n</root>", "c.xml");
  ASSERT_TRUE(r.ok());
  auto n = (*r)->Uint((*r)->root().child("x"), "n", 0, 10);
  ASSERT_FALSE(n.ok());
  EXPECT_NE(n.status().message().find("c.xml:2:10:"), std::string::npos) << n.status().message();
}

TEST(XmlConfigTest, UnknownFieldsAreRejected) {
  auto r = XmlConfig::LoadString("<root><x intervl=\"3\"/></root>", "c.xml");
  ASSERT_TRUE(r.ok());
  Status s = (*r)->CheckKnownFields((*r)->root().child("x"), {"interval"});
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("unknown attribute 'intervl'"), std::string::npos);
}

TEST(XmlConfigTest, TextRejectsControlCharactersAndOverlongValues) {
  auto r = XmlConfig::LoadString("<root><a>x&#1;y</a><b>123456</b></root>", "c.xml");
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE((*r)->Text((*r)->root(), "a").ok());
  EXPECT_FALSE((*r)->Text((*r)->root(), "b", 5).ok());
  auto b = (*r)->Text((*r)->root(), "b", 6);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(**b, "123456");
}

TEST(XmlConfigTest, ADoctypeIsRefusedWithItsPosition) {
  auto r = XmlConfig::LoadString(
      "<?xml version=\"1.0\"?>\n<!DOCTYPE r [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>\n"
      "<r><a>&xxe;</a></r>",
      "c.xml");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(),
            "c.xml:2:1: a DOCTYPE is not allowed (no DTDs or entity declarations)");
  EXPECT_FALSE(XmlConfig::LoadString("<!DOCTYPE r><r/>", "c.xml").ok());
}

TEST(XmlConfigTest, AnUndeclaredEntityOrBareAmpersandIsRefusedWithItsPosition) {
  auto r = XmlConfig::LoadString("<r>\n  <a>x &e; y</a>\n</r>", "c.xml");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("c.xml:2:8: entity reference '&e;' is not allowed"),
            std::string::npos)
      << r.status().message();
  auto attr = XmlConfig::LoadString("<r a=\"AT&T\"/>", "c.xml");
  ASSERT_FALSE(attr.ok());
  EXPECT_NE(attr.status().message().find("c.xml:1:9: entity reference '&' is not allowed"),
            std::string::npos)
      << attr.status().message();
}

TEST(XmlConfigTest, PredefinedEntitiesCharacterReferencesAndCdataAreAccepted) {
  auto r = XmlConfig::LoadString(
      "<r a=\"&quot;&apos;\"><!-- &c; --><b>&amp;&lt;&gt;&#65;&#x42;</b>"
      "<c><![CDATA[&d;]]></c></r>",
      "c.xml");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ((*r)->Text((*r)->root(), "b")->value_or(""), "&<>AB");
  EXPECT_EQ((*r)->Text((*r)->root(), "a")->value_or(""), "\"'");
}

TEST(XmlConfigTest, OversizedFileIsRefusedBeforeParsing) {
  std::string path = ::testing::TempDir() + "/big.xml";
  ASSERT_TRUE(WriteFileAtomically(path, "<r>" + std::string(5000, 'x') + "</r>").ok());
  auto r = XmlConfig::LoadFile(path, 1000);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kResourceExhausted);
  EXPECT_NE(r.status().message().find(path), std::string::npos);
}

}  // namespace
}  // namespace periscope
