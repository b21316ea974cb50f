#include "core/clock.h"

#include <ctime>

#include <fmt/format.h>

namespace periscope {

const SystemClock& SystemClock::Instance() {
  static const SystemClock clock;
  return clock;
}

namespace {

std::tm ToLocalTm(std::chrono::system_clock::time_point t) {
  std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  localtime_r(&tt, &tm);
  return tm;
}

}  // namespace

DateYmd LocalDate(std::chrono::system_clock::time_point t) {
  std::tm tm = ToLocalTm(t);
  return static_cast<DateYmd>((tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday);
}

// Howard Hinnant's days_from_civil / civil_from_days.
int64_t DaysFromDate(DateYmd date) {
  int64_t y = date / 10000;
  int64_t m = (date / 100) % 100;
  int64_t d = date % 100;
  y -= m <= 2 ? 1 : 0;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

DateYmd DateFromDays(int64_t z) {
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = yoe + era * 400;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int64_t d = doy - (153 * mp + 2) / 5 + 1;
  int64_t m = mp + (mp < 10 ? 3 : -9);
  y += m <= 2 ? 1 : 0;
  return static_cast<DateYmd>(y * 10000 + m * 100 + d);
}

bool IsValidDate(DateYmd date) {
  if (date < 19700101 || date > 99991231) return false;
  uint32_t m = (date / 100) % 100;
  uint32_t d = date % 100;
  if (m < 1 || m > 12 || d < 1 || d > 31) return false;
  return DateFromDays(DaysFromDate(date)) == date;
}

std::optional<DateYmd> ParseIsoDate(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  DateYmd date = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (i == 4 || i == 7) continue;
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    date = date * 10 + static_cast<DateYmd>(text[i] - '0');
  }
  if (!IsValidDate(date)) return std::nullopt;
  return date;
}

std::string FormatIsoDate(DateYmd date) {
  return fmt::format("{:04}-{:02}-{:02}", date / 10000, date / 100 % 100, date % 100);
}

DateAndTimeOctets LocalDateAndTime(std::chrono::system_clock::time_point t) {
  std::tm tm = ToLocalTm(t);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  int deci = static_cast<int>(((ms % 1000) + 1000) % 1000 / 100);
  int year = tm.tm_year + 1900;
  long offset_s = tm.tm_gmtoff;
  long abs_off = offset_s < 0 ? -offset_s : offset_s;
  return DateAndTimeOctets{static_cast<uint8_t>(year >> 8),
                           static_cast<uint8_t>(year & 0xff),
                           static_cast<uint8_t>(tm.tm_mon + 1),
                           static_cast<uint8_t>(tm.tm_mday),
                           static_cast<uint8_t>(tm.tm_hour),
                           static_cast<uint8_t>(tm.tm_min),
                           static_cast<uint8_t>(tm.tm_sec > 59 ? 59 : tm.tm_sec),
                           static_cast<uint8_t>(deci),
                           static_cast<uint8_t>(offset_s < 0 ? '-' : '+'),
                           static_cast<uint8_t>(abs_off / 3600),
                           static_cast<uint8_t>((abs_off % 3600) / 60)};
}

std::array<uint8_t, 8> DateOnlyDateAndTime(DateYmd date) {
  uint32_t year = date / 10000;
  return {static_cast<uint8_t>(year >> 8),
          static_cast<uint8_t>(year & 0xff),
          static_cast<uint8_t>((date / 100) % 100),
          static_cast<uint8_t>(date % 100),
          0,
          0,
          0,
          0};
}

std::string FormatLocalTime(std::chrono::system_clock::time_point t) {
  std::tm tm = ToLocalTm(t);
  long off = tm.tm_gmtoff;
  char sign = off < 0 ? '-' : '+';
  if (off < 0) off = -off;
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{}{:02}:{:02}", tm.tm_year + 1900,
                     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, sign, off / 3600,
                     (off % 3600) / 60);
}

}  // namespace periscope
