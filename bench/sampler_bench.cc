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
// core at the default 10 s interval, in parts per million (counter
// core_ppm_at_10s; the target of 0.1 % is 1000 ppm), and with the
// console format main() prints that share in percent after the table.
//
// The state file is written under $TMPDIR (default /tmp) in a private
// directory removed at exit.
#include <signal.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "bench/bench_devices.h"
#include "bench/bench_history.h"
#include "core/files.h"
#include "subagent/config.h"
#include "subagent/disk_probe.h"
#include "subagent/sampler.h"
#include "tests/support/process.h"

namespace periscope::bench {
namespace {

using std::chrono::system_clock;
using subagent::Sampler;
using subagent::SampleSet;
using subagent::SubagentConfig;
using subagent::SystemDiskProbe;

constexpr int kIntervalS = 10;      // the default <sampling interval-s>
constexpr int kRetentionDays = 35;  // the default <sampling retention-days>

// A private directory for state files, removed with its content at exit.
using StateDir = testing::TempDir;

StateDir* g_state_dir = nullptr;  // set in main for the process's lifetime

// The state files the benchmarks may leave in the state dir: MakeFixture's
// `name` + ".state", and WriteFileAtomically's ".tmp" beside it.
constexpr const char* kStateNames[] = {"sample", "serialize", "write", "pass"};

// What the SIGINT/SIGTERM handler removes: those files, then the dir itself
// (last). Prepared before the benchmarks run, since a handler may only make
// async-signal-safe calls.
constexpr size_t kMaxCleanupPaths = 2 * std::size(kStateNames) + 1;
char g_cleanup_paths[kMaxCleanupPaths][512];
size_t g_cleanup_count = 0;

void PrepareCleanup(const std::string& dir) {
  for (const char* name : kStateNames) {
    for (const char* suffix : {".state", ".state.tmp"}) {
      std::snprintf(g_cleanup_paths[g_cleanup_count++], sizeof g_cleanup_paths[0], "%s/%s%s",
                    dir.c_str(), name, suffix);
    }
  }
  std::snprintf(g_cleanup_paths[g_cleanup_count++], sizeof g_cleanup_paths[0], "%s", dir.c_str());
}

// Removes the state dir and exits with 128 + signo (Google Benchmark cannot
// be stopped midway, and destructors do not run on a signal).
void RemoveStateDirAndExit(int signo) {
  for (size_t i = 0; i + 1 < g_cleanup_count; ++i) ::unlink(g_cleanup_paths[i]);
  if (g_cleanup_count > 0) ::rmdir(g_cleanup_paths[g_cleanup_count - 1]);
  ::_exit(128 + signo);
}

// A config of `devices` devices, loaded through the real parser.
SubagentConfig LoadBenchConfig(int devices, const std::string& state_file) {
  return ParseBenchConfig(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<periscope-subagent>\n"
      "  <agentx socket=\"/var/agentx/master\"/>\n"
      "  <sampling interval-s=\"" +
      std::to_string(kIntervalS) + "\" state-file=\"" + state_file + "\" retention-days=\"" +
      std::to_string(kRetentionDays) + "\"/>\n" + BenchDevicesXml(devices) +
      "</periscope-subagent>\n");
}

// A sampler on the real host with a full history: today plus
// kRetentionDays - 1 completed days per device. Heap-allocated and never
// moved: the Sampler keeps references to the config and the probe.
struct SamplerFixture {
  SubagentConfig config;
  SystemDiskProbe probe;
  std::unique_ptr<Sampler> sampler;
  system_clock::time_point now;  // time of the next sample
  std::string error;             // non-empty: the fixture is unusable

  SamplerFixture(int devices, const std::string& state_file)
      : config(LoadBenchConfig(devices, state_file)) {
    sampler = std::make_unique<Sampler>(config, &probe);
    // The history ends an hour ago; the measured passes continue from there
    // 10 s apart, rolling over days (and pruning) as the subagent does.
    now = system_clock::now() - std::chrono::hours(1);
    FillHistory(sampler.get(), config, kRetentionDays, now);
    now += std::chrono::seconds(kIntervalS);
    SampleSet check = Pass();
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

// Steps 1-3 together: one whole pass of the sampler thread. core_ppm_at_10s is
// the thread CPU time per pass divided by the 10 s interval, in parts per
// million of one core.
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
  state.counters["core_ppm_at_10s"] = cpu_per_pass / kIntervalS * 1e6;
  state.counters["devices"] = static_cast<double>(state.range(0));
}
BENCHMARK(BM_SamplerThreadPass)
    ->ArgName("devices")
    ->Arg(1)
    ->Arg(16)
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);

// Console output as usual, remembering each benchmark's CPU time per
// iteration so that main() can derive the sampler's share of a core.
class DerivedReporter : public benchmark::ConsoleReporter {
 public:
  explicit DerivedReporter(OutputOptions options) : ConsoleReporter(options) {}

  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& r : runs) {
      if (r.error_occurred) continue;
      std::string key = r.run_name.function_name + "/" + r.run_name.args;
      double us = r.GetAdjustedCPUTime() * MicrosPerUnit(r.time_unit);
      if (r.run_type == Run::RT_Iteration) {
        repetitions_[key].push_back(us);
      } else if (r.aggregate_name == "median") {
        medians_[key] = us;
      }
    }
    ConsoleReporter::ReportRuns(runs);
  }

  // CPU microseconds per iteration of `key` ("BM_SamplePass/devices:16"): the
  // median over repetitions; nullopt when it did not run (filtered, failed).
  std::optional<double> CpuMicros(const std::string& key) const {
    if (auto m = medians_.find(key); m != medians_.end()) return m->second;
    auto it = repetitions_.find(key);
    if (it == repetitions_.end() || it->second.empty()) return std::nullopt;
    std::vector<double> v = it->second;
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  }

 private:
  static double MicrosPerUnit(benchmark::TimeUnit unit) {
    switch (unit) {
      case benchmark::kNanosecond:
        return 1e-3;
      case benchmark::kMicrosecond:
        return 1;
      case benchmark::kMillisecond:
        return 1e3;
      case benchmark::kSecond:
        return 1e6;
    }
    return 1;
  }

  std::map<std::string, std::vector<double>> repetitions_;
  std::map<std::string, double> medians_;
};

// Prints the share of one core the sampler thread needs at the 10 s interval,
// from whichever of the benchmarks ran.
void PrintDerived(const DerivedReporter& r) {
  auto sample = r.CpuMicros("BM_SamplePass/devices:16");
  auto serialize = r.CpuMicros("BM_SerializeState/devices:16");
  auto write = r.CpuMicros("BM_WriteStateFile/devices:16");
  auto pass = r.CpuMicros("BM_SamplerThreadPass/devices:16");
  auto pct = [](double us) { return us * 1e-6 / kIntervalS * 100; };
  std::printf("\nDerived, 16 devices, one pass every %d s (target: < 0.1 %% of one core):\n",
              kIntervalS);
  if (sample && serialize && write) {
    double sum = *sample + *serialize + *write;
    std::printf(
        "  Sample %.0f us + SerializeState %.0f us + WriteStateFile %.0f us = %.0f us CPU"
        " -> %.4f %% of one core\n",
        *sample, *serialize, *write, sum, pct(sum));
  }
  if (pass) {
    std::printf(
        "  BM_SamplerThreadPass (all three in one loop): %.0f us CPU -> %.4f %% of one"
        " core\n",
        *pass, pct(*pass));
  }
}

}  // namespace
}  // namespace periscope::bench

// Flags as for any Google Benchmark binary (--benchmark_filter=...,
// --benchmark_repetitions=N, --benchmark_out=file.json). With the console
// format (the default) a "Derived" summary follows the table.
int main(int argc, char** argv) {
  bool console = true;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.rfind("--benchmark_format=", 0) == 0 && arg != "--benchmark_format=console") {
      console = false;
    }
  }
  periscope::bench::StateDir dir;
  periscope::bench::g_state_dir = &dir;
  periscope::bench::PrepareCleanup(dir.path());
  struct sigaction sa {};
  sa.sa_handler = periscope::bench::RemoveStateDirAndExit;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  benchmark::AddCustomContext("state_dir", dir.path());
  benchmark::AddCustomContext("mount", "/ (block device derived from /proc/self/mountinfo)");
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  if (console) {
    periscope::bench::DerivedReporter reporter(::isatty(1) != 0
                                                   ? benchmark::ConsoleReporter::OO_Color
                                                   : benchmark::ConsoleReporter::OO_None);
    benchmark::RunSpecifiedBenchmarks(&reporter);
    periscope::bench::PrintDerived(reporter);
  } else {
    benchmark::RunSpecifiedBenchmarks();
  }
  benchmark::Shutdown();
  return 0;
}
