// CPU cost of the subagent's sampler thread (Google Benchmark).
//
// Every sampling interval the sampler thread of periscope-subagent does, in
// this order (subagent/subagent.cc, SamplerThread::Loop):
//   1. Sampler::Sample(now)            read mountinfo, diskstats, statvfs, item files
//   2. Sampler::SerializeState()       the state file's text
//   3. WriteFileAtomically(state_file) write, fsync, rename, fsync the directory
// The benchmarks below time each step, and the whole pass, with the real
// SystemDiskProbe on mount "/" (block device derived from the mount) and the
// device shape of etc/periscope-subagent.xml. Every sampler carries a full
// history, as in steady state: the default retention of 35 days, i.e. today
// plus 34 completed days per device.
//
// The figure that matters is the CPU time per pass ("CPU" column: thread CPU
// time, user + kernel). BM_SamplerThreadPass also reports it as a share of one
// core at the default 10 s interval (counter pct_core_at_10s).
//
// The state file is written under $TMPDIR (default /tmp) in a private
// directory removed at exit.
#include <stdlib.h>
#include <time.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "bench/bench_devices.h"
#include "core/files.h"
#include "subagent/config.h"
#include "subagent/disk_probe.h"
#include "subagent/sampler.h"

namespace periscope::bench {
namespace {

using std::chrono::system_clock;
using subagent::DiskProbe;
using subagent::Sampler;
using subagent::SampleSet;
using subagent::SubagentConfig;
using subagent::SystemDiskProbe;

constexpr int kIntervalS = 10;      // the default <sampling interval-s>
constexpr int kRetentionDays = 35;  // the default <sampling retention-days>
constexpr int kSamplesPerDay = 3;   // enough to close a day with counted intervals

// A private directory for state files, removed with its content at exit.
class StateDir {
 public:
  StateDir() {
    const char* base = std::getenv("TMPDIR");
    std::string templ =
        std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/periscope-bench-XXXXXX";
    std::vector<char> buf(templ.begin(), templ.end());
    buf.push_back('\0');
    if (::mkdtemp(buf.data()) == nullptr) {
      std::perror("mkdtemp");
      std::abort();
    }
    path_ = buf.data();
  }
  ~StateDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  StateDir(const StateDir&) = delete;
  StateDir& operator=(const StateDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

StateDir* g_state_dir = nullptr;  // set in main for the process's lifetime

// A config of `devices` devices, loaded through the real parser.
SubagentConfig LoadBenchConfig(int devices, const std::string& state_file) {
  std::string xml =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<periscope-subagent>\n"
      "  <agentx socket=\"/var/agentx/master\"/>\n"
      "  <sampling interval-s=\"" +
      std::to_string(kIntervalS) + "\" state-file=\"" + state_file + "\" retention-days=\"" +
      std::to_string(kRetentionDays) + "\"/>\n" + BenchDevicesXml(devices) +
      "</periscope-subagent>\n";
  auto config = subagent::ParseSubagentConfig(xml, "bench-config");
  if (!config.ok()) {
    std::fprintf(stderr, "bench config: %s\n", config.status().message().c_str());
    std::abort();
  }
  return std::move(config).value();
}

// A sampler on the real host with a full history: today plus
// kRetentionDays - 1 completed days per device.
// Heap-allocated and never moved: the Sampler keeps references to the config
// and the probe.
struct SamplerFixture {
  SubagentConfig config;
  SystemDiskProbe probe;
  std::unique_ptr<Sampler> sampler;
  system_clock::time_point now;  // time of the next sample
  std::string error;             // non-empty: the fixture is unusable

  SamplerFixture(int devices, const std::string& state_file)
      : config(LoadBenchConfig(devices, state_file)) {
    sampler = std::make_unique<Sampler>(config, &probe);
    // Samples a few intervals apart on each of the last kRetentionDays + 1
    // days; the day rollovers fill the history up to the retention limit.
    using std::chrono::hours;
    using std::chrono::seconds;
    system_clock::time_point start = system_clock::now() - hours(24 * (kRetentionDays + 1));
    for (int day = 0; day <= kRetentionDays; ++day) {
      for (int s = 0; s < kSamplesPerDay; ++s) {
        now = start + hours(24 * day) + seconds(kIntervalS * s);
        sampler->Sample(now);
      }
    }
    now += seconds(kIntervalS);
    SampleSet check = sampler->Sample(now);
    now += seconds(kIntervalS);
    for (const subagent::DeviceSnapshot& d : check.devices) {
      if (d.status != mib::DeviceStatus::kOk) {
        error = "device " + std::to_string(d.config->index) + " not ok: " + d.status_text;
      } else if (d.history.size() != static_cast<size_t>(kRetentionDays - 1)) {
        error = "history holds " + std::to_string(d.history.size()) + " days";
      }
    }
  }

  // One sampling pass at the next interval.
  SampleSet Pass() {
    SampleSet set = sampler->Sample(now);
    now += std::chrono::seconds(kIntervalS);
    return set;
  }
};

std::unique_ptr<SamplerFixture> MakeFixture(benchmark::State& state, const std::string& name) {
  auto fixture = std::make_unique<SamplerFixture>(static_cast<int>(state.range(0)),
                                                  g_state_dir->path() + "/" + name + ".state");
  if (!fixture->error.empty()) state.SkipWithError(fixture->error.c_str());
  return fixture;
}

double ThreadCpuSeconds() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// Step 1: Sampler::Sample for range(0) devices, snapshot destruction included.
void BM_SamplePass(benchmark::State& state) {
  auto f = MakeFixture(state, "sample");
  for (auto _ : state) {
    SampleSet set = f->Pass();
    benchmark::DoNotOptimize(set);
  }
  state.counters["devices"] = static_cast<double>(state.range(0));
}
BENCHMARK(BM_SamplePass)->ArgName("devices")->Arg(1)->Arg(16)->Unit(benchmark::kMicrosecond);

// Step 2: Sampler::SerializeState with a full history.
void BM_SerializeState(benchmark::State& state) {
  auto f = MakeFixture(state, "serialize");
  size_t bytes = 0;
  for (auto _ : state) {
    std::string text = f->sampler->SerializeState();
    bytes = text.size();
    benchmark::DoNotOptimize(text);
  }
  state.counters["state_bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_SerializeState)->ArgName("devices")->Arg(16)->Unit(benchmark::kMicrosecond);

// Step 3: WriteFileAtomically of that text. Wall time is dominated by the two
// fsyncs (disk latency, not CPU), so iterations are sized by wall time.
void BM_WriteStateFile(benchmark::State& state) {
  auto f = MakeFixture(state, "write");
  std::string text = f->sampler->SerializeState();
  for (auto _ : state) {
    Status saved = WriteFileAtomically(f->config.state_file, text);
    if (!saved.ok()) {
      state.SkipWithError(saved.message().c_str());
      break;
    }
  }
  state.counters["state_bytes"] = static_cast<double>(text.size());
}
BENCHMARK(BM_WriteStateFile)
    ->ArgName("devices")
    ->Arg(16)
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);

// Steps 1-3 together: one whole pass of the sampler thread. pct_core_at_10s is
// the thread CPU time per pass divided by the 10 s interval, in percent.
void BM_SamplerThreadPass(benchmark::State& state) {
  auto f = MakeFixture(state, "pass");
  double cpu_start = ThreadCpuSeconds();
  for (auto _ : state) {
    SampleSet set = f->Pass();
    benchmark::DoNotOptimize(set);
    Status saved = WriteFileAtomically(f->config.state_file, f->sampler->SerializeState());
    if (!saved.ok()) {
      state.SkipWithError(saved.message().c_str());
      break;
    }
  }
  double cpu_per_pass = (ThreadCpuSeconds() - cpu_start) /
                        static_cast<double>(state.iterations() > 0 ? state.iterations() : 1);
  state.counters["pct_core_at_10s"] = cpu_per_pass / kIntervalS * 100.0;
  state.counters["devices"] = static_cast<double>(state.range(0));
}
BENCHMARK(BM_SamplerThreadPass)
    ->ArgName("devices")
    ->Arg(1)
    ->Arg(16)
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace periscope::bench

int main(int argc, char** argv) {
  periscope::bench::StateDir dir;
  periscope::bench::g_state_dir = &dir;
  benchmark::AddCustomContext("state_dir", dir.path());
  benchmark::AddCustomContext("mount", "/ (block device derived from /proc/self/mountinfo)");
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
