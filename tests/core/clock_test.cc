#include "core/clock.h"

#include <cstdlib>
#include <ctime>

#include <gtest/gtest.h>

namespace periscope {
namespace {

// Sets TZ for one test and restores it.
class ScopedTz {
 public:
  explicit ScopedTz(const char* tz) {
    const char* old = std::getenv("TZ");
    had_ = old != nullptr;
    if (had_) old_ = old;
    setenv("TZ", tz, 1);
    tzset();
  }
  ~ScopedTz() {
    if (had_) {
      setenv("TZ", old_.c_str(), 1);
    } else {
      unsetenv("TZ");
    }
    tzset();
  }

 private:
  bool had_ = false;
  std::string old_;
};

std::chrono::system_clock::time_point Unix(int64_t s) {
  return std::chrono::system_clock::time_point(std::chrono::seconds(s));
}

TEST(ClockTest, DaysRoundTripAcrossLeapYears) {
  EXPECT_EQ(DaysFromDate(19700101), 0);
  EXPECT_EQ(DaysFromDate(20000301) - DaysFromDate(20000228), 2);  // 2000 is leap
  EXPECT_EQ(DaysFromDate(21000301) - DaysFromDate(21000228), 1);  // 2100 is not
  for (int64_t d = 0; d < 200000; d += 37) EXPECT_EQ(DaysFromDate(DateFromDays(d)), d);
}

TEST(ClockTest, IsValidDateRejectsImpossibleDays) {
  EXPECT_TRUE(IsValidDate(20240229));
  EXPECT_FALSE(IsValidDate(20230229));
  EXPECT_FALSE(IsValidDate(20261131));
  EXPECT_FALSE(IsValidDate(20261300));
  EXPECT_FALSE(IsValidDate(19691231));
}

TEST(ClockTest, LocalDateFollowsTheHostTimeZone) {
  // 2026-11-21T15:30:00Z is already the 22nd in Tokyo, still the 21st in New York.
  const auto t = Unix(1795275000);
  {
    ScopedTz tz("Asia/Tokyo");
    EXPECT_EQ(LocalDate(t), 20261122u);
    DateAndTimeOctets o = LocalDateAndTime(t);
    EXPECT_EQ(o[0] * 256 + o[1], 2026);
    EXPECT_EQ(o[3], 22);
    EXPECT_EQ(o[4], 0);  // 00:30 local
    EXPECT_EQ(o[8], '+');
    EXPECT_EQ(o[9], 9);
  }
  {
    ScopedTz tz("America/New_York");
    EXPECT_EQ(LocalDate(t), 20261121u);
    EXPECT_EQ(LocalDateAndTime(t)[8], '-');
  }
}

}  // namespace
}  // namespace periscope

namespace periscope {
namespace {

TEST(IsoDateTest, ParsesExactlyYyyyMmDdOfARealDayAndFormatsBack) {
  EXPECT_EQ(ParseIsoDate("2026-12-02"), 20261202u);
  EXPECT_EQ(ParseIsoDate("2024-02-29"), 20240229u);
  for (const char* bad : {"2026-2-02", "2026-02-30", "2025-02-29", "20261202", "2026/12/02",
                          "2026-12-02 ", "+026-12-02", "1969-12-31", "", "2026-13-01"}) {
    EXPECT_FALSE(ParseIsoDate(bad).has_value()) << bad;
  }
  EXPECT_EQ(FormatIsoDate(20260105), "2026-01-05");
  EXPECT_EQ(ParseIsoDate(FormatIsoDate(99991231)), 99991231u);
}

}  // namespace
}  // namespace periscope
