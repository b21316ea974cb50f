#include "tests/support/process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <thread>

namespace periscope::testing {

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string templ =
      std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/periscope-test-XXXXXX";
  std::vector<char> buf(templ.begin(), templ.end());
  buf.push_back('\0');
  if (::mkdtemp(buf.data()) == nullptr) {
    std::perror("mkdtemp");
    std::abort();
  }
  path_ = buf.data();
  ::chmod(path_.c_str(), 0755);
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

UniqueFd BindLoopbackUdp(int* port, std::chrono::milliseconds recv_timeout) {
  UniqueFd owned(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  int fd = owned.get();
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  *port = ntohs(addr.sin_port);
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(recv_timeout).count();
  timeval tv{static_cast<time_t>(us / 1000000), static_cast<suseconds_t>(us % 1000000)};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  return owned;
}

int FreeUdpPort() {
  // The kernel may hand the same ephemeral port out again once the probe
  // socket is closed: never give one port twice in a process.
  static std::set<int> given;
  while (true) {
    int port = 0;
    BindLoopbackUdp(&port, std::chrono::milliseconds(0));  // closed at once
    if (given.insert(port).second) return port;
  }
}

void WriteTextFile(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
}

std::string ReadTextFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

namespace {

pid_t Spawn(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
            int out_fd) {
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(out_fd, 1);
    ::dup2(out_fd, 2);
    ::setpgid(0, 0);
    for (const auto& [k, v] : env) ::setenv(k.c_str(), v.c_str(), 1);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    std::fprintf(stderr, "exec %s: %s\n", args[0], std::strerror(errno));
    ::_exit(127);
  }
  return pid;
}

int DecodeStatus(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

}  // namespace

Process::Process(std::vector<std::string> argv, std::string log_path,
                 std::map<std::string, std::string> env)
    : log_path_(std::move(log_path)) {
  UniqueFd log(::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
  pid_ = Spawn(argv, env, log.get());
}

Process::~Process() {
  if (pid_ > 0) Stop(SIGTERM);
}

bool Process::Running() {
  if (pid_ <= 0) return false;
  int status;
  pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    pid_ = -1;
    return false;
  }
  return true;
}

// Reaps `pid` if it exits before `timeout`; returns its decoded status, or
// nullopt (still running).
static std::optional<int> ReapWithin(pid_t pid, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  while (true) {
    if (::waitpid(pid, &status, WNOHANG) == pid) return DecodeStatus(status);
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

int Process::Stop(int signo, std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return 0;
  ::kill(pid_, signo);
  std::optional<int> code = ReapWithin(pid_, timeout);
  if (!code) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  pid_ = -1;
  return code.value_or(-1);
}

int Process::Wait(std::chrono::milliseconds timeout) {
  std::optional<int> code = ReapWithin(pid_, timeout);
  if (!code) return Stop(SIGKILL);
  pid_ = -1;
  return *code;
}

std::string Process::Log() const { return ReadTextFile(log_path_); }

CommandResult RunCommand(const std::vector<std::string>& argv,
                         std::map<std::string, std::string> env) {
  char path[] = "/tmp/periscope-cmd-XXXXXX";
  UniqueFd output(::mkstemp(path));
  pid_t pid = Spawn(argv, env, output.get());
  int status = 0;
  ::waitpid(pid, &status, 0);
  output.reset();
  CommandResult result{DecodeStatus(status), ReadTextFile(path)};
  ::unlink(path);
  return result;
}

bool WaitFor(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (condition()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

std::string BinaryDir() { return PERISCOPE_BINARY_DIR; }
std::string SourceDir() { return PERISCOPE_SOURCE_DIR; }

}  // namespace periscope::testing
