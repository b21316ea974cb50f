#include "subagent/subagent.h"

#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <csignal>
#include <cstring>
#include <mutex>
#include <optional>
#include <thread>

#include <fmt/format.h>

// clang-format off
#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <net-snmp/agent/net-snmp-agent-includes.h>
// clang-format on

#include "core/clock.h"
#include "core/files.h"
#include "core/log.h"
#include "core/snmp/netsnmp_env.h"
#include "core/unique_fd.h"
#include "subagent/disk_probe.h"
#include "subagent/mib_tables.h"
#include "subagent/notifier.h"
#include "subagent/sampler.h"

#ifndef PERISCOPE_VERSION
#define PERISCOPE_VERSION "0.0.0"
#endif

namespace periscope::subagent {
namespace {

volatile std::sig_atomic_t g_stop = 0;
int g_stop_pipe_write = -1;  // wakes the agent's select when a stop signal arrives

extern "C" void OnStopSignal(int /*signo*/) {
  g_stop = 1;
  if (g_stop_pipe_write >= 0) {
    char b = 1;
    (void)!::write(g_stop_pipe_write, &b, 1);
  }
}

void OnStopPipe(int fd, void* /*data*/) noexcept {
  char buf[16];
  while (::read(fd, buf, sizeof buf) > 0) {
  }
}

constexpr size_t kMaxStateBytes = 64 << 20;

// Hands SampleSets from the sampler thread to the SNMP thread: a mutex-guarded
// slot plus a pipe whose read end the agent's select loop watches.
class Handoff {
 public:
  Handoff() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) == 0) {
      read_fd_.reset(fds[0]);
      write_fd_.reset(fds[1]);
    }
  }
  bool ok() const { return read_fd_.valid(); }
  int read_fd() const { return read_fd_.get(); }

  void Put(SampleSet set) {
    {
      // A set the SNMP thread has not taken yet is replaced; notifications
      // are not lost with it (they stay pending in the Sampler).
      std::lock_guard<std::mutex> lock(mu_);
      pending_ = std::move(set);
    }
    char b = 1;
    (void)!::write(write_fd_.get(), &b, 1);  // a full pipe already means "pending"
  }

  std::optional<SampleSet> Take() {
    char buf[64];
    while (::read(read_fd_.get(), buf, sizeof buf) > 0) {
    }
    std::lock_guard<std::mutex> lock(mu_);
    std::optional<SampleSet> out = std::move(pending_);
    pending_.reset();
    return out;
  }

 private:
  UniqueFd read_fd_;
  UniqueFd write_fd_;
  std::mutex mu_;
  std::optional<SampleSet> pending_;
};

// Runs Sampler::Sample every interval on its own thread, aligned to multiples
// of the interval in wall-clock time, and saves the state file after each pass.
class SamplerThread {
 public:
  SamplerThread(const SubagentConfig& config, Sampler* sampler, Handoff* handoff)
      : config_(config), sampler_(sampler), handoff_(handoff) {}

  void Start() {
    thread_ = std::thread([this] { Loop(); });
  }

  void Stop() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

  // Asks the thread to save the state file now, without sampling (e.g. a
  // notification was delivered: it must not be sent again after a restart).
  // Thread-safe.
  void RequestSave() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      save_requested_ = true;
    }
    cv_.notify_all();
  }

  // Steady-clock time of the last completed pass (epoch = never).
  std::chrono::steady_clock::time_point last_pass() const {
    return std::chrono::steady_clock::time_point(
        std::chrono::steady_clock::duration(last_pass_.load()));
  }

 private:
  void Loop() {
    using std::chrono::steady_clock;
    using std::chrono::system_clock;
    const auto interval = std::chrono::seconds(config_.sampling_interval_s);
    // Waits use the steady clock, so a wall clock stepped back or forward
    // never stretches or skips the wait; the wall clock only picks the
    // aligned boundary.
    auto next = steady_clock::now();
    while (true) {
      {
        std::unique_lock<std::mutex> lock(mu_);
        if (cv_.wait_until(lock, next, [this] { return stop_ || save_requested_; })) {
          if (stop_) return;
          save_requested_ = false;
          lock.unlock();
          Save();
          continue;  // the sampling deadline is unchanged
        }
        save_requested_ = false;  // the save after this pass covers it
      }
      auto now = system_clock::now();
      SampleSet set = sampler_->Sample(now);
      last_pass_ = steady_clock::now().time_since_epoch().count();
      Save();
      handoff_->Put(std::move(set));
      // Next multiple of the interval since the epoch, so every interval lies
      // within one day whenever the interval divides the UTC offset.
      auto wall = system_clock::now();
      auto since_epoch = wall.time_since_epoch();
      auto boundary = system_clock::time_point(std::chrono::duration_cast<system_clock::duration>(
          interval * (since_epoch / interval + 1)));
      next =
          steady_clock::now() + std::chrono::duration_cast<steady_clock::duration>(boundary - wall);
    }
  }

  void Save() {
    Status saved = WriteFileAtomically(config_.state_file, sampler_->SerializeState());
    if (!saved.ok()) {
      if (!state_warned_) LogWarning(fmt::format("state file: {}", saved.message()));
      state_warned_ = true;
    } else {
      state_warned_ = false;
    }
  }

  const SubagentConfig& config_;
  Sampler* sampler_;
  Handoff* handoff_;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  bool save_requested_ = false;
  bool state_warned_ = false;
  std::atomic<int64_t> last_pass_{0};
};

struct LoopContext {
  const SubagentConfig* config;
  MibTables* tables;
  Handoff* handoff;
  SamplerThread* sampler_thread;
  Notifier* notifier;
  bool stalled = false;
};

void OnSampleReady(int /*fd*/, void* data) noexcept {
  auto* ctx = static_cast<LoopContext*>(data);
  std::optional<SampleSet> set = ctx->handoff->Take();
  if (!set) return;
  if (ctx->stalled) LogInfo("sampler is running again");
  ctx->stalled = false;
  ctx->tables->Update(std::move(*set));
  ctx->notifier->Flush();
}

// A sampler blocked in the kernel (hung NFS mount) must not leave stale data
// looking fresh: after three missed intervals every device turns unavailable.
void CheckSamplerAlive(unsigned int /*reg*/, void* data) noexcept {
  auto* ctx = static_cast<LoopContext*>(data);
  auto last = ctx->sampler_thread->last_pass();
  auto limit = std::chrono::seconds(3 * ctx->config->sampling_interval_s + 5);
  if (last.time_since_epoch().count() == 0 || ctx->stalled) return;
  auto silent = std::chrono::steady_clock::now() - last;
  if (silent > limit) {
    ctx->stalled = true;
    std::string reason =
        fmt::format("sampler stalled for {} s (a disk or mount is not answering)",
                    std::chrono::duration_cast<std::chrono::seconds>(silent).count());
    LogWarning(reason);
    ctx->tables->MarkAllUnavailable(reason);
  }
}

void RestoreState(const SubagentConfig& config, Sampler* sampler) {
  auto content = ReadFileBounded(config.state_file, kMaxStateBytes);
  if (!content.ok()) {
    if (content.status().code() != StatusCode::kNotFound) {
      LogWarning(fmt::format("state file: {}; starting clean", content.status().message()));
    }
    return;
  }
  Status restored = sampler->RestoreState(*content);
  if (restored.ok()) {
    LogInfo(fmt::format("restored daily figures from {}", config.state_file));
    return;
  }
  std::string aside = fmt::format("{}.corrupt-{}", config.state_file,
                                  std::chrono::duration_cast<std::chrono::seconds>(
                                      std::chrono::system_clock::now().time_since_epoch())
                                      .count());
  if (::rename(config.state_file.c_str(), aside.c_str()) == 0) {
    LogWarning(fmt::format("state file {} is damaged ({}); moved to {}, starting clean",
                           config.state_file, restored.message(), aside));
  } else {
    LogWarning(fmt::format("state file {} is damaged ({}); starting clean", config.state_file,
                           restored.message()));
  }
}

}  // namespace

Status RunSubagent(const SubagentConfig& config, const RunOptions& options) {
  snmp::PrepareLibrary(kSubagentName, options.foreground);
  if (!options.foreground && netsnmp_daemonize(1, 0) != 0) {
    return InternalError(fmt::format("cannot daemonize: {}", std::strerror(errno)));
  }
  netsnmp_ds_set_boolean(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_ROLE, 1);
  netsnmp_ds_set_string(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_X_SOCKET,
                        config.agentx_socket.c_str());
  netsnmp_ds_set_int(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_AGENTX_TIMEOUT,
                     static_cast<int>(config.agentx_timeout_s));
  netsnmp_ds_set_int(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_AGENTX_RETRIES,
                     static_cast<int>(config.agentx_retries));
  if (init_agent(kSubagentName) != 0) return InternalError("init_agent failed");
  // init_agent() resets the ping interval to 15 s: set it afterwards.
  netsnmp_ds_set_int(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_AGENTX_PING_INTERVAL,
                     static_cast<int>(config.agentx_ping_interval_s));

  SystemDiskProbe probe;
  Sampler sampler(config, &probe);
  RestoreState(config, &sampler);

  auto tables = MibTables::Register(config, PERISCOPE_VERSION);
  if (!tables.ok()) return tables.status();
  (*tables)->Update(sampler.Initial());

  Handoff handoff;
  if (!handoff.ok()) return InternalError(fmt::format("pipe: {}", std::strerror(errno)));

  // Stop signals are caught before anything connects; they write to a pipe
  // the agent's select loop watches, so a stop is seen at once.
  // The notifier follows the AgentX session from the first connection on.
  SamplerThread sampler_thread(config, &sampler, &handoff);
  Notifier notifier(config, &sampler, tables->get(), [&] { sampler_thread.RequestSave(); });

  std::signal(SIGPIPE, SIG_IGN);
  int stop_fds[2];
  if (::pipe2(stop_fds, O_CLOEXEC | O_NONBLOCK) != 0) {
    return InternalError(fmt::format("pipe: {}", std::strerror(errno)));
  }
  UniqueFd stop_read(stop_fds[0]);
  UniqueFd stop_write(stop_fds[1]);
  g_stop_pipe_write = stop_write.get();
  struct sigaction sa {};
  sa.sa_handler = OnStopSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);

  init_snmp(kSubagentName);  // connects to the master (or schedules retries)
  register_readfd(stop_read.get(), OnStopPipe, nullptr);

  // The sampler thread must never take the stop signals.
  sigset_t block, old;
  sigemptyset(&block);
  sigaddset(&block, SIGTERM);
  sigaddset(&block, SIGINT);
  pthread_sigmask(SIG_BLOCK, &block, &old);
  sampler_thread.Start();
  pthread_sigmask(SIG_SETMASK, &old, nullptr);

  LoopContext ctx{&config, tables->get(), &handoff, &sampler_thread, &notifier};
  register_readfd(handoff.read_fd(), OnSampleReady, &ctx);
  snmp_alarm_register(config.sampling_interval_s, SA_REPEAT, CheckSamplerAlive, &ctx);
  LogInfo(fmt::format("{} {} serving {} device(s) via AgentX {}", kSubagentName, PERISCOPE_VERSION,
                      config.devices.size(), config.agentx_socket));

  while (g_stop == 0) agent_check_and_process(1);

  LogInfo("stopping");
  sampler_thread.Stop();
  unregister_readfd(handoff.read_fd());
  unregister_readfd(stop_read.get());
  g_stop_pipe_write = -1;  // before the close: the handler must not write to a reused number
  stop_read.reset();
  stop_write.reset();
  Status saved = WriteFileAtomically(config.state_file, sampler.SerializeState());
  if (!saved.ok()) LogWarning(fmt::format("state file: {}", saved.message()));
  notifier.Detach();  // snmp_shutdown frees registered callbacks' arguments
  snmp_shutdown(kSubagentName);
  return Status::Ok();
}

}  // namespace periscope::subagent
