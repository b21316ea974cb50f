// Process-wide logging to stderr or syslog.
//
// Thread-safe: each message is written with one write(2) or syslog(3) call.
#ifndef PERISCOPE_CORE_LOG_H_
#define PERISCOPE_CORE_LOG_H_

#include <string>
#include <string_view>

namespace periscope {

enum class LogLevel { kDebug = 0, kInfo, kWarning, kError };

enum class LogSink { kStderr, kSyslog };

// Selects where messages go and the least severe level written. `ident` names
// the program in syslog and in stderr lines. Call once, early in main().
void InitLogging(std::string_view ident, LogSink sink, LogLevel min_level);

void Log(LogLevel level, std::string_view message);
inline void LogDebug(std::string_view m) { Log(LogLevel::kDebug, m); }
inline void LogInfo(std::string_view m) { Log(LogLevel::kInfo, m); }
inline void LogWarning(std::string_view m) { Log(LogLevel::kWarning, m); }
inline void LogError(std::string_view m) { Log(LogLevel::kError, m); }

}  // namespace periscope

#endif  // PERISCOPE_CORE_LOG_H_
