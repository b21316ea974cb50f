// Process exit codes shared by every periscope program (documented in --help).
#ifndef PERISCOPE_CORE_EXIT_CODES_H_
#define PERISCOPE_CORE_EXIT_CODES_H_

#include "core/status.h"

namespace periscope {

inline constexpr int kExitOk = 0;       // the job completed
inline constexpr int kExitFailure = 1;  // the job itself failed at run time
inline constexpr int kExitUsage = 2;    // bad flags or configuration
// The job stopped at one of its bounds (objects, bytes, deadline) or on a
// misbehaving peer; what it printed is incomplete (periscope-walk).
inline constexpr int kExitIncomplete = 3;

// The exit status of a failed job: bad input the user can fix (an unknown
// name, a malformed file: InvalidArgument, NotFound) is kExitUsage, anything
// else kExitFailure.
inline int ExitCodeFor(const Status& status) {
  return status.code() == StatusCode::kInvalidArgument || status.code() == StatusCode::kNotFound
             ? kExitUsage
             : kExitFailure;
}

}  // namespace periscope

#endif  // PERISCOPE_CORE_EXIT_CODES_H_
