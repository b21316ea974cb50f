#include "reports/proposal_text.h"

#include <cmath>
#include <iterator>

#include <fmt/format.h>

namespace periscope::reports {

std::string ProposalDate(uint32_t ymd) {
  return fmt::format("{:04}-{:02}-{:02}", ymd / 10000, ymd / 100 % 100, ymd % 100);
}

std::string ProposalBytes(double bytes) {
  static const char* const kUnits[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};
  size_t unit = 0;
  while (std::fabs(bytes) >= 1000.0 && unit + 1 < std::size(kUnits)) {
    bytes /= 1000.0;
    ++unit;
  }
  if (unit == 0 || std::fabs(bytes - std::round(bytes)) < 0.05) {
    return fmt::format("{:.0f} {}", bytes, kUnits[unit]);
  }
  return fmt::format("{:.1f} {}", bytes, kUnits[unit]);
}

}  // namespace periscope::reports
