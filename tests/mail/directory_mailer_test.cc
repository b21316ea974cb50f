#include "mail/directory_mailer.h"

#include <filesystem>

#include <gtest/gtest.h>

#include "tests/support/process.h"

namespace periscope::mail {
namespace {

using periscope::testing::ReadTextFile;
using periscope::testing::TempDir;

size_t CountFiles(const std::string& dir) {
  size_t n = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    (void)entry;
    ++n;
  }
  return n;
}

TEST(DirectoryMailerTest, WritesOneEmlPerMessageIdAndNeverRewritesIt) {
  TempDir dir;
  std::string out = dir.File("mail/outgoing");  // created on demand
  auto mailer = MakeDirectoryMailer(out);
  ASSERT_TRUE(mailer.ok()) << mailer.status().message();
  ASSERT_TRUE((*mailer)->Send("a@x.example", {"b@y.example"}, "<one@x.example>", "first\r\n").ok());
  ASSERT_TRUE(
      (*mailer)->Send("a@x.example", {"b@y.example"}, "<two@x.example>", "second\r\n").ok());
  // A retry of the first message: succeeds, writes nothing.
  ASSERT_TRUE(
      (*mailer)->Send("a@x.example", {"b@y.example"}, "<one@x.example>", "changed\r\n").ok());
  EXPECT_EQ(CountFiles(out), 2u);
  EXPECT_EQ(ReadTextFile(out + "/one@x.example.eml"), "first\r\n");
  EXPECT_EQ(ReadTextFile(out + "/two@x.example.eml"), "second\r\n");
}

TEST(DirectoryMailerTest, FileNamesCannotLeaveTheDirectory) {
  EXPECT_EQ(EmlFileName("<../../etc/passwd@x>"), "_.._.._etc_passwd@x.eml");
  EXPECT_EQ(EmlFileName("<a/b\r\nc@x>"), "a_b__c@x.eml");
  EXPECT_EQ(EmlFileName("<..@x>").front(), '_');
  std::string long_id = "<" + std::string(300, 'a') + "@x>";
  std::string name = EmlFileName(long_id);
  EXPECT_LE(name.size() + 4, 255u);  // with ".tmp" during the write
  EXPECT_NE(name, EmlFileName("<" + std::string(300, 'a') + "@y>"));
}

TEST(DirectoryMailerTest, APathThatIsAFileIsRefused) {
  TempDir dir;
  periscope::testing::WriteTextFile(dir.File("f"), "x");
  EXPECT_FALSE(MakeDirectoryMailer(dir.File("f")).ok());
}

}  // namespace
}  // namespace periscope::mail
