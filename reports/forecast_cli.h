// `periscope-report forecast`: forecasts one series given as a CSV file, so a
// person can try a what-if and an outside harness can score the forecaster.
#ifndef PERISCOPE_REPORTS_FORECAST_CLI_H_
#define PERISCOPE_REPORTS_FORECAST_CLI_H_

#include <ostream>
#include <string>
#include <vector>

#include "core/status.h"
#include "reports/forecast.h"

namespace periscope::reports {

// Parses the CSV `date,used_bytes,capacity_bytes` (a header line first; dates
// YYYY-MM-DD; byte counts non-negative numbers, capacity positive; an empty
// used_bytes field is a missing day). `name` prefixes errors:
// "FILE:LINE: field 'used_bytes': not a number".
Result<std::vector<forecast::UsageDay>> ParseForecastCsv(const std::string& name,
                                                         const std::string& content);

// Runs `forecast` with the arguments after the command word:
//   --series FILE  [--threshold-pct P] [--horizon-days N] [--format text|json] [--help]
// Writes the result to `out`, problems to `err`. Returns the exit code: 0 a
// result (also "no forecast"), 2 usage or bad input, 1 other failure.
int RunForecastCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace periscope::reports

#endif  // PERISCOPE_REPORTS_FORECAST_CLI_H_
