#include "core/status.h"

#include <gtest/gtest.h>

namespace periscope {
namespace {

Result<int> Half(int v) {
  if (v % 2 != 0) return InvalidArgumentError("odd value " + std::to_string(v));
  return v / 2;
}

Status Chain(int v) {
  PERISCOPE_RETURN_IF_ERROR(Half(v).status());
  return Status::Ok();
}

TEST(StatusTest, ResultCarriesValueOrError) {
  Result<int> ok = Half(4);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, 2);
  Result<int> bad = Half(3);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.status().ToString(), "invalid argument: odd value 3");
}

TEST(StatusTest, ReturnIfErrorPropagatesAndPrefixes) {
  EXPECT_TRUE(Chain(2).ok());
  Status s = Chain(5).WithPrefix("config.xml:3:1");
  EXPECT_EQ(s.message(), "config.xml:3:1: odd value 5");
  EXPECT_TRUE(Status::Ok().WithPrefix("x").ok());
}

}  // namespace
}  // namespace periscope
