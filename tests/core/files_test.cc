#include "core/files.h"

#include <sys/stat.h>

#include <gtest/gtest.h>

namespace periscope {
namespace {

TEST(FilesTest, AtomicWriteReplacesContentAndLeavesNoTempFile) {
  std::string path = ::testing::TempDir() + "/atomic.txt";
  ASSERT_TRUE(WriteFileAtomically(path, "first").ok());
  ASSERT_TRUE(WriteFileAtomically(path, "second").ok());
  auto content = ReadFileBounded(path, 100);
  ASSERT_TRUE(content.ok());
  EXPECT_EQ(*content, "second");
  struct stat st {};
  EXPECT_NE(::stat((path + ".tmp").c_str(), &st), 0);
}

TEST(FilesTest, MissingFileIsNotFound) {
  auto r = ReadFileBounded(::testing::TempDir() + "/does-not-exist", 10);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
}

TEST(FilesTest, WriteIntoMissingDirectoryFailsCleanly) {
  Status s = WriteFileAtomically("/nonexistent-dir-periscope/x", "y");
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("/nonexistent-dir-periscope/x.tmp"), std::string::npos);
}

}  // namespace
}  // namespace periscope
