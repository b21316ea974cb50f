// Wall clock behind a narrow interface, and calendar helpers in local time.
#ifndef PERISCOPE_CORE_CLOCK_H_
#define PERISCOPE_CORE_CLOCK_H_

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace periscope {

// Source of wall-clock time. Implementations are thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual std::chrono::system_clock::time_point Now() const = 0;
};

// The real system clock.
class SystemClock final : public Clock {
 public:
  std::chrono::system_clock::time_point Now() const override {
    return std::chrono::system_clock::now();
  }
  static const SystemClock& Instance();
};

// Seconds since the Unix epoch (UTC), as the store keeps times.
inline int64_t UnixSeconds(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}
inline int64_t UnixSeconds(const Clock& clock) { return UnixSeconds(clock.Now()); }

// A calendar day as the integer YYYYMMDD (for example 20261121).
using DateYmd = uint32_t;

// The local-time calendar day of `t` (honours TZ).
DateYmd LocalDate(std::chrono::system_clock::time_point t);

// Days since 1970-01-01 of a valid YYYYMMDD date, and back (proleptic Gregorian).
int64_t DaysFromDate(DateYmd date);
DateYmd DateFromDays(int64_t days);

// True when `date` is a real calendar day between 1970-01-01 and 9999-12-31.
bool IsValidDate(DateYmd date);

// "YYYY-MM-DD" (exactly: four, two and two digits) of a valid date, and back.
std::optional<DateYmd> ParseIsoDate(std::string_view text);
std::string FormatIsoDate(DateYmd date);

// SNMPv2-TC DateAndTime: 11 octets, local time with its UTC offset.
using DateAndTimeOctets = std::array<uint8_t, 11>;
DateAndTimeOctets LocalDateAndTime(std::chrono::system_clock::time_point t);

// DateAndTime of a calendar day at 00:00:00 with no offset: 8 octets.
std::array<uint8_t, 8> DateOnlyDateAndTime(DateYmd date);

// "2026-11-21T10:00:00+09:00" for logs and --check-config.
std::string FormatLocalTime(std::chrono::system_clock::time_point t);

}  // namespace periscope

#endif  // PERISCOPE_CORE_CLOCK_H_
