// Test support: temp dirs, free loopback ports and child processes.
#ifndef PERISCOPE_TESTS_SUPPORT_PROCESS_H_
#define PERISCOPE_TESTS_SUPPORT_PROCESS_H_

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "core/unique_fd.h"

namespace periscope::testing {

// A directory under $TMPDIR (or /tmp) removed with its content on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// A UDP socket bound to 127.0.0.1 on a kernel-chosen port (stored in *port),
// with `recv_timeout` on receives.
UniqueFd BindLoopbackUdp(int* port, std::chrono::milliseconds recv_timeout);

// A UDP port on 127.0.0.1 that was free a moment ago, never the same twice
// in one process. Not thread-safe.
int FreeUdpPort();

void WriteTextFile(const std::string& path, const std::string& content);
std::string ReadTextFile(const std::string& path);

// A child process with stdout and stderr sent to a log file. Destruction
// stops it (SIGTERM, then SIGKILL after 5 s) and reaps it.
class Process {
 public:
  Process(std::vector<std::string> argv, std::string log_path,
          std::map<std::string, std::string> env = {});
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  bool Running();
  // Sends `signo` and waits up to `timeout` for exit. Returns the exit status
  // as from waitpid, or -1 when it had to be killed.
  int Stop(int signo = 15, std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // Waits for a self-terminating process; returns its exit code (or 128+sig).
  int Wait(std::chrono::milliseconds timeout = std::chrono::seconds(20));
  std::string Log() const;

 private:
  pid_t pid_ = -1;
  std::string log_path_;
};

// Runs a command to completion, capturing stdout and stderr together.
struct CommandResult {
  int exit_code = -1;
  std::string output;
};
CommandResult RunCommand(const std::vector<std::string>& argv,
                         std::map<std::string, std::string> env = {});

// Polls `condition` every 100 ms until it is true or `timeout` passes.
bool WaitFor(const std::function<bool()>& condition, std::chrono::milliseconds timeout);

// Directory holding the built binaries, and the source tree (from CMake).
std::string BinaryDir();
std::string SourceDir();

}  // namespace periscope::testing

#endif  // PERISCOPE_TESTS_SUPPORT_PROCESS_H_
