// Process exit codes shared by every periscope program (documented in --help).
#ifndef PERISCOPE_CORE_EXIT_CODES_H_
#define PERISCOPE_CORE_EXIT_CODES_H_

namespace periscope {

inline constexpr int kExitOk = 0;       // the job completed
inline constexpr int kExitFailure = 1;  // the job itself failed at run time
inline constexpr int kExitUsage = 2;    // bad flags or configuration
// The job stopped at one of its bounds (objects, bytes, deadline) or on a
// misbehaving peer; what it printed is incomplete (periscope-walk).
inline constexpr int kExitIncomplete = 3;

}  // namespace periscope

#endif  // PERISCOPE_CORE_EXIT_CODES_H_
