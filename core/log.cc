#include "core/log.h"

#include <syslog.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <string>

namespace periscope {
namespace {

std::mutex g_mutex;
std::string g_ident = "periscope";
LogSink g_sink = LogSink::kStderr;
std::atomic<int> g_min_level{static_cast<int>(LogLevel::kInfo)};

std::string_view LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarning:
      return "warning";
    case LogLevel::kError:
      return "error";
  }
  return "?";
}

int SyslogPriority(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return LOG_DEBUG;
    case LogLevel::kInfo:
      return LOG_INFO;
    case LogLevel::kWarning:
      return LOG_WARNING;
    case LogLevel::kError:
      return LOG_ERR;
  }
  return LOG_INFO;
}

}  // namespace

void InitLogging(std::string_view ident, LogSink sink, LogLevel min_level) {
  std::lock_guard<std::mutex> lock(g_mutex);
  g_ident = std::string(ident);
  g_sink = sink;
  g_min_level = static_cast<int>(min_level);
  if (sink == LogSink::kSyslog) openlog(g_ident.c_str(), LOG_PID, LOG_DAEMON);
}

void Log(LogLevel level, std::string_view message) {
  if (static_cast<int>(level) < g_min_level.load()) return;
  std::lock_guard<std::mutex> lock(g_mutex);
  if (g_sink == LogSink::kSyslog) {
    syslog(SyslogPriority(level), "%.*s", static_cast<int>(message.size()), message.data());
    return;
  }
  std::string line = g_ident;
  line += ": ";
  line += LevelName(level);
  line += ": ";
  line += message;
  line += '\n';
  size_t off = 0;
  while (off < line.size()) {
    ssize_t n = ::write(STDERR_FILENO, line.data() + off, line.size() - off);
    if (n <= 0) break;
    off += static_cast<size_t>(n);
  }
}

}  // namespace periscope
