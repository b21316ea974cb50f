// Text shared by the proposal rules' summaries (storage and peripherals).
#ifndef PERISCOPE_REPORTS_PROPOSAL_TEXT_H_
#define PERISCOPE_REPORTS_PROPOSAL_TEXT_H_

#include <cstdint>
#include <string>

namespace periscope::reports {

// YYYYMMDD -> "YYYY-MM-DD" (no validation: callers pass real dates).
std::string ProposalDate(uint32_t ymd);

// Decimal units as storage vendors sell them: "12 TB", "3.6 TB", "512 GB"
// (whole numbers without a decimal, one decimal otherwise).
std::string ProposalBytes(double bytes);

}  // namespace periscope::reports

#endif  // PERISCOPE_REPORTS_PROPOSAL_TEXT_H_
