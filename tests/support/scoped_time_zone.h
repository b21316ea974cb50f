// Sets TZ for the life of the object and restores the previous value, so
// tests of local dates do not depend on the machine's zone.
#ifndef PERISCOPE_TESTS_SUPPORT_SCOPED_TIME_ZONE_H_
#define PERISCOPE_TESTS_SUPPORT_SCOPED_TIME_ZONE_H_

#include <time.h>

#include <cstdlib>
#include <optional>
#include <string>

namespace periscope::testing {

class ScopedTimeZone {
 public:
  explicit ScopedTimeZone(const char* zone) {
    if (const char* tz = std::getenv("TZ"); tz != nullptr) saved_ = tz;
    setenv("TZ", zone, 1);
    tzset();
  }
  ~ScopedTimeZone() {
    if (saved_) {
      setenv("TZ", saved_->c_str(), 1);
    } else {
      unsetenv("TZ");
    }
    tzset();
  }
  ScopedTimeZone(const ScopedTimeZone&) = delete;
  ScopedTimeZone& operator=(const ScopedTimeZone&) = delete;

 private:
  std::optional<std::string> saved_;
};

}  // namespace periscope::testing

#endif  // PERISCOPE_TESTS_SUPPORT_SCOPED_TIME_ZONE_H_
