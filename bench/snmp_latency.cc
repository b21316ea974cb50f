// SNMP latency and footprint of periscope-subagent behind a real snmpd.
//
// Starts a private snmpd (AgentX master on a unix socket, UDP on a free
// loopback port) and periscope-subagent with --devices devices on mount "/"
// (bench/bench_devices.h), sampling every --interval-s seconds, all in a temp
// dir. The subagent starts from a state file holding --history-days days of
// daily figures per device (default: the full 35-day retention, as after a
// month in service; the daily table then dominates a walk). Once every device
// has been sampled it measures, with one request outstanding at a time (a
// synchronous client, as a poller sees one agent):
//   periscope GET    one periscope device cell (periscopeDeviceUsedBytes.1)
//   hrStorage GET    hrStorageSize.1, answered by snmpd itself (the baseline)
//   periscope WALK   GETBULK walk of the whole periscope subtree
//   hrStorage WALK   GETBULK walk of hrStorageTable
// over SNMPv2c, GETs and WALKs of both subtrees interleaved so that drift in
// the machine's load hits both alike; then the periscope GET and WALK over
// SNMPv3 authPriv (SHA-256/AES-128), recording the CPU time snmpd and the
// subagent spend per request. Then it reads the subagent's memory
// (/proc/<pid>/status, smaps) and its CPU time over an idle window with no
// SNMP traffic (/proc/<pid>/stat utime+stime, and the nanosecond
// sum_exec_runtime of every thread from /proc/<pid>/task/*/schedstat).
//
// Output: a plain-text table on stdout, or with --json one JSON object.
// Progress goes to stderr. Exit status 0 when every request succeeded, 1 when
// any failed or timed out, 2 on bad flags or when the agents did not start.
// SIGINT/SIGTERM end the run early; snmpd and the subagent are always stopped
// (destructors), and the temp dir removed.
#include <dirent.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "bench/bench_devices.h"
#include "bench/bench_history.h"
#include "core/files.h"
#include "core/snmp/sync_client.h"
#include "mib/periscope_oids.h"
#include "subagent/config.h"
#include "subagent/disk_probe.h"
#include "subagent/sampler.h"
#include "tests/support/agent_env.h"
#include "tests/support/process.h"

namespace periscope::bench {
namespace {

using snmp::Oid;
using snmp::Response;
using snmp::SnmpClient;
using snmp::ValueType;
using snmp::VarBind;
using Clock = std::chrono::steady_clock;

volatile sig_atomic_t g_stop = 0;

void OnSignal(int /*signo*/) { g_stop = 1; }

// ---- Options ---------------------------------------------------------------

struct Options {
  int devices = 16;
  int interval_s = 1;
  int gets = 2000;    // per GET series
  int walks = 100;    // per WALK series
  int v3_gets = 500;  // 0 skips the SNMPv3 series
  int v3_walks = 20;
  int history_days = 35;  // daily figures per device in the initial state file
  int max_repetitions = 25;
  int warmup = 20;      // unmeasured GETs per series first
  int walk_warmup = 2;  // unmeasured walks per series first
  int idle_s = 30;      // 0 skips the idle CPU window
  bool json = false;
  std::string subagent = PERISCOPE_SUBAGENT_BINARY;
};

constexpr char kUsage[] =
    "usage: snmp_latency_bench [--devices=16] [--interval-s=1] [--history-days=35]\n"
    "                          [--gets=2000] [--walks=100] [--v3-gets=500] [--v3-walks=20]\n"
    "                          [--max-repetitions=25] [--warmup=20] [--walk-warmup=2]\n"
    "                          [--idle-s=30] [--subagent=PATH] [--json]\n";

// Parses --name=value flags; false (after a message on stderr) on any error.
bool ParseFlags(int argc, char** argv, Options* o) {
  const std::map<std::string, std::pair<int*, int>> ints = {
      {"--devices", {&o->devices, 1}},
      {"--interval-s", {&o->interval_s, 1}},
      {"--gets", {&o->gets, 0}},
      {"--walks", {&o->walks, 0}},
      {"--v3-gets", {&o->v3_gets, 0}},
      {"--v3-walks", {&o->v3_walks, 0}},
      {"--max-repetitions", {&o->max_repetitions, 1}},
      {"--warmup", {&o->warmup, 0}},
      {"--walk-warmup", {&o->walk_warmup, 0}},
      {"--idle-s", {&o->idle_s, 0}},
      {"--history-days", {&o->history_days, 0}},
  };
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--json") {
      o->json = true;
      continue;
    }
    if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    }
    size_t eq = arg.find('=');
    std::string name = arg.substr(0, eq);
    std::string value = eq == std::string::npos ? "" : arg.substr(eq + 1);
    if (name == "--subagent" && !value.empty()) {
      o->subagent = value;
      continue;
    }
    auto it = ints.find(name);
    char* end = nullptr;
    int64_t v = value.empty() ? -1 : std::strtoll(value.c_str(), &end, 10);
    if (it == ints.end() || value.empty() || *end != '\0' || v < it->second.second || v > 1000000) {
      std::fprintf(stderr, "bad flag: %s\n%s", arg.c_str(), kUsage);
      return false;
    }
    *it->second.first = static_cast<int>(v);
  }
  return true;
}

// ---- Measurement -----------------------------------------------------------

// One kind of request against one object, timed request by request.
struct Series {
  std::string name;
  std::string target;  // the OID asked for
  bool walk = false;
  std::vector<double> latency_us;
  size_t varbinds_per_op = 0;  // GET: 1; WALK: varbinds of the last walk
  size_t varbinds_min = 0;     // WALK: fewest and most varbinds seen
  size_t varbinds_max = 0;
  size_t pdus_per_op = 0;  // requests per operation (WALK: counted once)
  int failures = 0;
};

Series MakeSeries(std::string name, std::string target, bool walk) {
  Series s;
  s.name = std::move(name);
  s.target = std::move(target);
  s.walk = walk;
  return s;
}

struct Stats {
  size_t count = 0;
  double p50_us = 0, p99_us = 0, mean_us = 0, max_us = 0;
  double ops_per_s = 0;  // one request outstanding: count / time spent
  double varbinds_per_s = 0;
};

// Nearest-rank percentile of sorted values, p in (0, 1].
double Percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  size_t rank = static_cast<size_t>(std::ceil(p * static_cast<double>(sorted.size())));
  return sorted[std::clamp<size_t>(rank, 1, sorted.size()) - 1];
}

Stats Summarize(const Series& s) {
  Stats st;
  std::vector<double> v = s.latency_us;
  std::sort(v.begin(), v.end());
  st.count = v.size();
  if (v.empty()) return st;
  double total = 0;
  for (double x : v) total += x;
  st.p50_us = Percentile(v, 0.50);
  st.p99_us = Percentile(v, 0.99);
  st.mean_us = total / static_cast<double>(v.size());
  st.max_us = v.back();
  st.ops_per_s = static_cast<double>(v.size()) / (total * 1e-6);
  st.varbinds_per_s = st.ops_per_s * static_cast<double>(s.varbinds_per_op);
  return st;
}

// One GET of `oid`; when `record`, adds its latency (or a failure) to `s`.
void TimeGet(SnmpClient* client, const Oid& oid, bool record, Series* s) {
  Clock::time_point t0 = Clock::now();
  Response r = client->Get({oid});
  double us = std::chrono::duration<double, std::micro>(Clock::now() - t0).count();
  bool ok = !r.timeout && r.error_status == 0 && r.varbinds.size() == 1 &&
            r.varbinds[0].type != ValueType::kNoSuchObject &&
            r.varbinds[0].type != ValueType::kNoSuchInstance;
  if (!record) return;
  if (!ok) {
    ++s->failures;
    return;
  }
  s->latency_us.push_back(us);
  s->varbinds_per_op = 1;
  s->pdus_per_op = 1;
}

// One GETBULK walk of `root`; when `record`, adds its latency and varbind
// count (or a failure) to `s`.
void TimeWalk(SnmpClient* client, const Oid& root, int max_repetitions, bool record, Series* s) {
  // Unbounded, as measured before walks had bounds.
  static const snmp::WalkLimits kNoBounds{SIZE_MAX, SIZE_MAX, std::chrono::hours(24)};
  Clock::time_point t0 = Clock::now();
  snmp::WalkResult walk = client->BulkWalk(root, max_repetitions, kNoBounds);
  double us = std::chrono::duration<double, std::micro>(Clock::now() - t0).count();
  if (!record) return;
  const std::vector<VarBind>& vbs = walk.varbinds;
  if (!walk.complete() || vbs.empty()) {
    ++s->failures;
    return;
  }
  s->latency_us.push_back(us);
  s->varbinds_per_op = vbs.size();
  s->varbinds_min = s->varbinds_min == 0 ? vbs.size() : std::min(s->varbinds_min, vbs.size());
  s->varbinds_max = std::max(s->varbinds_max, vbs.size());
}

// GETBULK requests one walk of `root` takes (SnmpClient::BulkWalk's loop,
// counted); 0 on error.
size_t CountWalkPdus(SnmpClient* client, const Oid& root, int max_repetitions) {
  Oid cursor = root;
  for (size_t pdus = 1; pdus < 100000; ++pdus) {
    Response r = client->GetBulk(cursor, max_repetitions);
    if (r.timeout || r.error_status != 0) return 0;
    if (r.varbinds.empty()) return pdus;
    for (const VarBind& vb : r.varbinds) {
      if (!snmp::OidStartsWith(vb.oid, root) || vb.type == ValueType::kEndOfMibView ||
          vb.type == ValueType::kNoSuchObject || vb.type == ValueType::kNoSuchInstance) {
        return pdus;
      }
      cursor = vb.oid;
    }
  }
  return 0;
}

// Runs `count` rounds; each round does one request of every series in turn.
// The first `warmup` rounds are not recorded. Stops early on a signal.
void RunInterleaved(const std::vector<std::function<void(bool)>>& ops, int warmup, int count) {
  for (int i = 0; i < warmup + count && g_stop == 0; ++i) {
    for (const auto& op : ops) op(i >= warmup);
  }
}

// ---- /proc -----------------------------------------------------------------

// The decimal number at the start of `text` (leading blanks skipped); 0 when
// there is none.
int64_t ToInt64(const char* text) { return std::strtoll(text, nullptr, 10); }

// "Key:   123 kB" lines of /proc/<pid>/status, in KiB; missing keys are absent.
std::map<std::string, int64_t> ProcStatusKib(pid_t pid) {
  std::map<std::string, int64_t> out;
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::istringstream rest(line.substr(colon + 1));
    int64_t value = 0;
    std::string unit;
    if (rest >> value >> unit && unit == "kB") out[line.substr(0, colon)] = value;
    if (line.compare(0, 8, "Threads:") == 0) out["Threads"] = ToInt64(line.c_str() + 8);
  }
  return out;
}

// The largest resident mappings of /proc/<pid>/smaps, summed by path
// ("[heap]", "[anon]" for unnamed ones), in KiB, largest first.
std::vector<std::pair<std::string, int64_t>> TopMappingsKib(pid_t pid, size_t limit) {
  std::map<std::string, int64_t> by_path;
  std::ifstream in("/proc/" + std::to_string(pid) + "/smaps");
  std::string line, current = "[anon]";
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    if (line.find(':') == std::string::npos || line.find('-') < line.find(' ')) {
      // A mapping header: "start-end perms offset dev inode   [path]".
      std::istringstream h(line);
      std::string range, perms, offset, dev, inode, path;
      h >> range >> perms >> offset >> dev >> inode;
      std::getline(h, path);
      path.erase(0, path.find_first_not_of(' '));
      current = path.empty() ? "[anon]" : path;
      continue;
    }
    if (line.compare(0, 4, "Rss:") == 0) by_path[current] += ToInt64(line.c_str() + 4);
  }
  std::vector<std::pair<std::string, int64_t>> out(by_path.begin(), by_path.end());
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return a.second > b.second; });
  if (out.size() > limit) out.resize(limit);
  return out;
}

// "Key: 123 kB" lines of /proc/<pid>/smaps_rollup (Pss, Private_Dirty...), in KiB.
std::map<std::string, int64_t> SmapsRollupKib(pid_t pid) {
  std::map<std::string, int64_t> out;
  std::ifstream in("/proc/" + std::to_string(pid) + "/smaps_rollup");
  std::string line;
  while (std::getline(in, line)) {
    size_t colon = line.find(':');
    if (colon == std::string::npos || line.find(" kB") == std::string::npos) continue;
    out[line.substr(0, colon)] = ToInt64(line.c_str() + colon + 1);
  }
  return out;
}

struct CpuReading {
  double stat_s = 0;       // utime + stime from /proc/<pid>/stat (clock-tick resolution)
  double schedstat_s = 0;  // sum of sum_exec_runtime over /proc/<pid>/task/* (ns resolution)
  bool ok = false;
};

CpuReading ReadCpu(pid_t pid) {
  CpuReading r;
  std::string base = "/proc/" + std::to_string(pid);
  std::ifstream stat(base + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  size_t paren = text.rfind(')');
  if (paren == std::string::npos) return r;
  std::istringstream fields(text.substr(paren + 2));  // from field 3 (state)
  std::vector<std::string> f;
  std::string tok;
  while (fields >> tok) f.push_back(tok);
  if (f.size() < 13) return r;
  double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  r.stat_s = (std::stod(f[11]) + std::stod(f[12])) / ticks;  // fields 14 and 15
  if (DIR* d = ::opendir((base + "/task").c_str())) {
    while (dirent* e = ::readdir(d)) {
      if (e->d_name[0] == '.') continue;
      std::ifstream ss(base + "/task/" + e->d_name + "/schedstat");
      double ns = 0;
      if (ss >> ns) r.schedstat_s += ns * 1e-9;
    }
    ::closedir(d);
  }
  r.ok = true;
  return r;
}

// Sleeps `seconds`, waking early on a signal.
void SleepInterruptibly(int seconds) {
  Clock::time_point end = Clock::now() + std::chrono::seconds(seconds);
  while (g_stop == 0 && Clock::now() < end) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

// ---- Output ----------------------------------------------------------------

std::string JsonString(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) {
      out += fmt::format("\\u{:04x}", static_cast<int>(c));
      continue;
    }
    out += c;
  }
  return out + "\"";
}

// CPU the two agents used during one measured phase (schedstat, all threads).
// The subagent's share includes its background sampling (see the idle
// figures); snmpd's includes the interleaved hrStorage requests.
struct PhaseCpu {
  std::string name;
  int periscope_ops = 0;  // periscope requests (GETs or walks) in the phase
  size_t varbinds_per_op = 0;
  double wall_s = 0;
  double subagent_s = 0;
  double snmpd_s = 0;
};

struct Report {
  Options options;
  std::vector<Series> series;
  std::map<std::string, int64_t> status_kib;  // subagent, after the latency run
  std::map<std::string, int64_t> rollup_kib;  // its smaps_rollup, same moment
  std::vector<std::pair<std::string, int64_t>> top_mappings;
  int64_t snmpd_rss_kib = -1;
  std::vector<PhaseCpu> phases;  // CPU of the agents while measuring
  bool idle_measured = false;
  double idle_wall_s = 0;
  double idle_passes = 0;
  CpuReading idle_cpu;  // CPU consumed in the window
  std::string subagent_version;
};

const Series* Find(const Report& r, const std::string& name) {
  for (const Series& s : r.series) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

double Ratio(double a, double b) { return b > 0 ? a / b : 0; }

struct Ratios {
  std::string what;
  double p50 = 0, mean = 0, per_varbind = 0;
};

std::vector<Ratios> ComputeRatios(const Report& r) {
  std::vector<Ratios> out;
  for (const char* kind : {"GET", "WALK"}) {
    const Series* p = Find(r, std::string("periscope ") + kind + " v2c");
    const Series* h = Find(r, std::string("hrStorage ") + kind + " v2c");
    if (p == nullptr || h == nullptr || p->latency_us.empty() || h->latency_us.empty()) continue;
    Stats ps = Summarize(*p), hs = Summarize(*h);
    Ratios x;
    x.what = kind;
    x.p50 = Ratio(ps.p50_us, hs.p50_us);
    x.mean = Ratio(ps.mean_us, hs.mean_us);
    x.per_varbind =
        Ratio(ps.mean_us / static_cast<double>(std::max<size_t>(p->varbinds_per_op, 1)),
              hs.mean_us / static_cast<double>(std::max<size_t>(h->varbinds_per_op, 1)));
    out.push_back(x);
  }
  return out;
}

double CpuPerPass(const Report& r) {
  return r.idle_passes > 0 ? r.idle_cpu.schedstat_s / r.idle_passes : 0;
}

void PrintTable(const Report& r) {
  const Options& o = r.options;
  fmt::print(
      "periscope-subagent {} | {} devices on \"/\", {} days of history, sampling every "
      "{} s | GETBULK max-repetitions {} | 1 request outstanding, loopback\n\n",
      r.subagent_version, o.devices, o.history_days, o.interval_s, o.max_repetitions);
  fmt::print("{:<20} {:>6} {:>4} {:>9} {:>9} {:>9} {:>9} {:>9} {:>6} {:>5} {:>10}\n", "series", "n",
             "fail", "p50 us", "p99 us", "mean us", "max us", "ops/s", "vb/op", "pdu", "vb/s");
  for (const Series& s : r.series) {
    Stats st = Summarize(s);
    std::string vb = s.walk && s.varbinds_min != s.varbinds_max
                         ? fmt::format("{}-{}", s.varbinds_min, s.varbinds_max)
                         : std::to_string(s.varbinds_per_op);
    fmt::print(
        "{:<20} {:>6} {:>4} {:>9.0f} {:>9.0f} {:>9.0f} {:>9.0f} {:>9.0f} {:>6} {:>5} "
        "{:>10.0f}\n",
        s.name, st.count, s.failures, st.p50_us, st.p99_us, st.mean_us, st.max_us, st.ops_per_s, vb,
        s.pdus_per_op, st.varbinds_per_s);
  }
  if (!r.phases.empty()) {
    fmt::print(
        "\nagent CPU per periscope operation (schedstat; snmpd's share includes the "
        "interleaved hrStorage requests):\n");
  }
  for (const PhaseCpu& ph : r.phases) {
    double n = ph.periscope_ops > 0 ? ph.periscope_ops : 1;
    double vb = static_cast<double>(std::max<size_t>(ph.varbinds_per_op, 1));
    fmt::print(
        "  {:<20} subagent {:>9.1f} us/op ({:.1f} us/varbind)   snmpd {:>9.1f} us/op   "
        "({:.1f} s wall)\n",
        ph.name, ph.subagent_s / n * 1e6, ph.subagent_s / n / vb * 1e6, ph.snmpd_s / n * 1e6,
        ph.wall_s);
  }
  std::vector<Ratios> ratios = ComputeRatios(r);
  if (!ratios.empty()) fmt::print("\nperiscope / hrStorage (v2c):\n");
  for (const Ratios& x : ratios) {
    fmt::print("  {:<5} p50 x{:.2f}   mean x{:.2f}   mean per varbind x{:.2f}\n", x.what, x.p50,
               x.mean, x.per_varbind);
  }
  auto kib = [&](const char* key) {
    auto it = r.status_kib.find(key);
    return it == r.status_kib.end() ? int64_t{-1} : it->second;
  };
  fmt::print("\nsubagent memory after the run (/proc/<pid>/status):\n");
  fmt::print(
      "  VmRSS {:.2f} MiB  VmHWM {:.2f} MiB  (RssAnon {:.2f}, RssFile {:.2f}, RssShmem "
      "{:.2f} MiB)  VmSize {:.1f} MiB  threads {}\n",
      static_cast<double>(kib("VmRSS")) / 1024, static_cast<double>(kib("VmHWM")) / 1024,
      static_cast<double>(kib("RssAnon")) / 1024, static_cast<double>(kib("RssFile")) / 1024,
      static_cast<double>(kib("RssShmem")) / 1024, static_cast<double>(kib("VmSize")) / 1024,
      kib("Threads"));
  auto roll = [&](const char* key) {
    auto it = r.rollup_kib.find(key);
    return static_cast<double>(it == r.rollup_kib.end() ? int64_t{0} : it->second) / 1024;
  };
  fmt::print(
      "  PSS {:.2f} MiB (anon {:.2f}, file {:.2f})  private (USS) {:.2f} MiB  "
      "shared with other processes {:.2f} MiB\n",
      roll("Pss"), roll("Pss_Anon"), roll("Pss_File"),
      roll("Private_Clean") + roll("Private_Dirty"), roll("Shared_Clean") + roll("Shared_Dirty"));
  fmt::print("  largest resident mappings (KiB):\n");
  for (const auto& [path, k] : r.top_mappings) fmt::print("    {:>7}  {}\n", k, path);
  if (r.snmpd_rss_kib >= 0) {
    fmt::print("  (for comparison, snmpd VmRSS {:.2f} MiB)\n",
               static_cast<double>(r.snmpd_rss_kib) / 1024);
  }
  if (r.idle_measured) {
    double per_pass = CpuPerPass(r);
    fmt::print(
        "\nsubagent CPU over an idle window of {:.1f} s (no SNMP requests, {:.0f} sample "
        "passes):\n",
        r.idle_wall_s, r.idle_passes);
    fmt::print(
        "  utime+stime {:.3f} s (/proc/<pid>/stat, {} Hz ticks)   sum_exec_runtime "
        "{:.4f} s (schedstat)\n",
        r.idle_cpu.stat_s, ::sysconf(_SC_CLK_TCK), r.idle_cpu.schedstat_s);
    fmt::print(
        "  per sample pass {:.0f} us  ->  {:.4f} % of a core at a 10 s interval "
        "({:.3f} % at {} s)\n",
        per_pass * 1e6, per_pass / 10 * 100, per_pass / o.interval_s * 100, o.interval_s);
  }
}

void PrintJson(const Report& r) {
  const Options& o = r.options;
  std::string out = "{\n";
  out += fmt::format(
      "  \"config\": {{\"subagent_version\": {}, \"devices\": {}, \"interval_s\": {}, "
      "\"history_days\": {}, "
      "\"max_repetitions\": {}, \"gets\": {}, \"walks\": {}, \"v3_gets\": {}, \"v3_walks\": {}, "
      "\"warmup\": {}, \"walk_warmup\": {}, \"idle_s\": {}}},\n",
      JsonString(r.subagent_version), o.devices, o.interval_s, o.history_days, o.max_repetitions,
      o.gets, o.walks, o.v3_gets, o.v3_walks, o.warmup, o.walk_warmup, o.idle_s);
  out += "  \"series\": [\n";
  for (size_t i = 0; i < r.series.size(); ++i) {
    const Series& s = r.series[i];
    Stats st = Summarize(s);
    out += fmt::format(
        "    {{\"name\": {}, \"target\": {}, \"walk\": {}, \"count\": {}, \"failures\": {}, "
        "\"p50_us\": {:.1f}, \"p99_us\": {:.1f}, \"mean_us\": {:.1f}, \"max_us\": {:.1f}, "
        "\"ops_per_s\": {:.1f}, \"varbinds_per_op\": {}, \"varbinds_min\": {}, "
        "\"varbinds_max\": {}, \"pdus_per_op\": {}, \"varbinds_per_s\": {:.1f}}}{}\n",
        JsonString(s.name), JsonString(s.target), s.walk, st.count, s.failures, st.p50_us,
        st.p99_us, st.mean_us, st.max_us, st.ops_per_s, s.varbinds_per_op, s.varbinds_min,
        s.varbinds_max, s.pdus_per_op, st.varbinds_per_s, i + 1 < r.series.size() ? "," : "");
  }
  out += "  ],\n  \"ratios_periscope_over_hrstorage\": {";
  std::vector<Ratios> ratios = ComputeRatios(r);
  for (size_t i = 0; i < ratios.size(); ++i) {
    const Ratios& x = ratios[i];
    out += fmt::format(
        "{}\"{}\": {{\"p50\": {:.3f}, \"mean\": {:.3f}, \"mean_per_varbind\": "
        "{:.3f}}}",
        i > 0 ? ", " : "", x.what, x.p50, x.mean, x.per_varbind);
  }
  out += "},\n  \"subagent_status_kib\": {";
  bool first = true;
  for (const auto& [k, v] : r.status_kib) {
    out += fmt::format("{}{}: {}", first ? "" : ", ", JsonString(k), v);
    first = false;
  }
  out += "},\n  \"subagent_smaps_rollup_kib\": {";
  first = true;
  for (const auto& [k, v] : r.rollup_kib) {
    out += fmt::format("{}{}: {}", first ? "" : ", ", JsonString(k), v);
    first = false;
  }
  out += "},\n  \"subagent_top_mappings_kib\": [";
  for (size_t i = 0; i < r.top_mappings.size(); ++i) {
    out += fmt::format("{}[{}, {}]", i > 0 ? ", " : "", JsonString(r.top_mappings[i].first),
                       r.top_mappings[i].second);
  }
  out += "],\n  \"phase_cpu\": [";
  for (size_t i = 0; i < r.phases.size(); ++i) {
    const PhaseCpu& ph = r.phases[i];
    out += fmt::format(
        "{}{{\"name\": {}, \"periscope_ops\": {}, \"varbinds_per_op\": {}, \"wall_s\": {:.3f}, "
        "\"subagent_cpu_s\": {:.6f}, \"snmpd_cpu_s\": {:.6f}}}",
        i > 0 ? ", " : "", JsonString(ph.name), ph.periscope_ops, ph.varbinds_per_op, ph.wall_s,
        ph.subagent_s, ph.snmpd_s);
  }
  out += fmt::format("],\n  \"snmpd_vmrss_kib\": {}", r.snmpd_rss_kib);
  if (r.idle_measured) {
    double per_pass = CpuPerPass(r);
    out += fmt::format(
        ",\n  \"idle\": {{\"wall_s\": {:.3f}, \"sample_passes\": {:.0f}, "
        "\"utime_stime_s\": {:.3f}, \"sum_exec_runtime_s\": {:.6f}, \"cpu_per_pass_us\": {:.1f}, "
        "\"pct_core_at_10s\": {:.5f}, \"pct_core_at_interval\": {:.4f}}}",
        r.idle_wall_s, r.idle_passes, r.idle_cpu.stat_s, r.idle_cpu.schedstat_s, per_pass * 1e6,
        per_pass / 10 * 100, per_pass / o.interval_s * 100);
  }
  out += "\n}\n";
  std::fputs(out.c_str(), stdout);
}

// ---- Main ------------------------------------------------------------------

void Progress(const std::string& text) {
  std::fprintf(stderr, "[snmp_latency] %s\n", text.c_str());
}

Oid DeviceCell(uint32_t column, uint32_t index) {
  Oid o = mib::Oid({mib::kObjects, mib::kDeviceTable, mib::kEntry, column});
  o.push_back(index);
  return o;
}

// True once every device has been sampled (status no longer unavailable).
bool AllDevicesSampled(SnmpClient* client, int devices) {
  for (int i = 1; i <= devices; ++i) {
    Response r = client->Get({DeviceCell(mib::kDeviceStatus, static_cast<uint32_t>(i))});
    if (r.timeout || r.error_status != 0 || r.varbinds.size() != 1 ||
        r.varbinds[0].type != ValueType::kInteger ||
        r.varbinds[0].integer == static_cast<int>(mib::DeviceStatus::kUnavailable)) {
      return false;
    }
  }
  return true;
}

// Writes the state file of the config in `xml` with `days` days of daily
// figures per device, for the subagent to restore at start (devices match by
// index and serial number). False, after a message, on failure.
bool WriteHistoryState(const std::string& xml, int days) {
  subagent::SubagentConfig config = ParseBenchConfig(xml);
  subagent::SystemDiskProbe probe;
  subagent::Sampler sampler(config, &probe);
  FillHistory(&sampler, config, days, std::chrono::system_clock::now() - std::chrono::minutes(1));
  Status saved = WriteFileAtomically(config.state_file, sampler.SerializeState());
  if (!saved.ok()) std::fprintf(stderr, "state file: %s\n", saved.message().c_str());
  return saved.ok();
}

// hrStorageSize.1 when snmpd serves it, else the first hrStorageSize cell.
std::optional<Oid> HrStorageSizeCell(SnmpClient* client) {
  const Oid column = {1, 3, 6, 1, 2, 1, 25, 2, 3, 1, 5};  // hrStorageSize
  Oid first = column;
  first.push_back(1);
  Response r = client->Get({first});
  if (!r.timeout && r.error_status == 0 && r.varbinds.size() == 1 &&
      r.varbinds[0].type == ValueType::kInteger) {
    return first;
  }
  r = client->GetNext({column});
  if (!r.timeout && r.error_status == 0 && r.varbinds.size() == 1 &&
      snmp::OidStartsWith(r.varbinds[0].oid, column) && r.varbinds[0].oid.size() > column.size()) {
    return r.varbinds[0].oid;
  }
  return std::nullopt;
}

int Run(const Options& o) {
  using testing::Snmpd;
  using testing::TempDir;
  TempDir dir;
  Snmpd snmpd(dir);
  Progress("starting snmpd in " + dir.path());
  if (!snmpd.Start()) {
    std::fprintf(stderr, "snmpd did not start:\n%s\n", snmpd.Log().c_str());
    return 2;
  }
  std::string config_path = dir.File("subagent.xml");
  std::string config_xml = testing::SubagentConfigXml(snmpd.agentx_socket(), dir.File("state"),
                                                      o.interval_s, 15, BenchDevicesXml(o.devices));
  testing::WriteTextFile(config_path, config_xml);
  if (o.history_days > 0) {
    Progress(fmt::format("writing a state file with {} days of history", o.history_days));
    if (!WriteHistoryState(config_xml, o.history_days)) return 2;
  }
  Progress(fmt::format("starting {} with {} devices, interval {} s", o.subagent, o.devices,
                       o.interval_s));
  auto subagent = std::make_unique<testing::Process>(
      std::vector<std::string>{o.subagent, "-f", "-c", config_path}, dir.File("subagent.log"));
  auto opened = SnmpClient::Open(snmpd.peer(), testing::V2cCredentials());
  if (!opened.ok()) {
    std::fprintf(stderr, "%s\n", opened.status().message().c_str());
    return 2;
  }
  std::unique_ptr<SnmpClient> v2c = std::move(*opened);
  if (!testing::WaitFor([&] { return g_stop != 0 || AllDevicesSampled(v2c.get(), o.devices); },
                        std::chrono::seconds(30)) ||
      g_stop != 0) {
    std::fprintf(stderr, "subagent not serving:\n%s\nsnmpd log:\n%s\n",
                 testing::ReadTextFile(dir.File("subagent.log")).c_str(), snmpd.Log().c_str());
    return 2;
  }
  Report report;
  report.options = o;
  Response version = v2c->Get({mib::Oid({mib::kObjects, mib::kAgentGroup, mib::kAgentVersion, 0})});
  if (version.varbinds.size() == 1) report.subagent_version = version.varbinds[0].octets;

  const Oid periscope_cell = DeviceCell(mib::kDeviceUsedBytes, 1);
  const Oid periscope_root = mib::kPeriscopeMibRoot;
  const Oid hr_root = {1, 3, 6, 1, 2, 1, 25, 2, 3};  // hrStorageTable
  std::optional<Oid> hr_cell = HrStorageSizeCell(v2c.get());
  if (!hr_cell) Progress("snmpd serves no hrStorageSize cell; hrStorage series skipped");
  const int rep = o.max_repetitions;

  // v2c: GETs, then WALKs, each round interleaving periscope and hrStorage.
  Series p_get = MakeSeries("periscope GET v2c", snmp::OidToString(periscope_cell), false);
  Series h_get =
      MakeSeries("hrStorage GET v2c", hr_cell ? snmp::OidToString(*hr_cell) : "-", false);
  Series p_walk = MakeSeries("periscope WALK v2c", snmp::OidToString(periscope_root), true);
  Series h_walk = MakeSeries("hrStorage WALK v2c", snmp::OidToString(hr_root), true);
  SnmpClient* c = v2c.get();
  std::vector<std::function<void(bool)>> gets = {
      [&](bool rec) { TimeGet(c, periscope_cell, rec, &p_get); }};
  std::vector<std::function<void(bool)>> walks = {
      [&](bool rec) { TimeWalk(c, periscope_root, rep, rec, &p_walk); }};
  if (hr_cell) {
    gets.push_back([&](bool rec) { TimeGet(c, *hr_cell, rec, &h_get); });
    walks.push_back([&](bool rec) { TimeWalk(c, hr_root, rep, rec, &h_walk); });
  }
  Progress(fmt::format("v2c: {} GETs and {} walks per series", o.gets, o.walks));
  const pid_t subagent_pid = subagent->pid();
  const pid_t snmpd_pid =
      static_cast<pid_t>(ToInt64(testing::ReadTextFile(dir.File("snmpd.pid")).c_str()));
  // Runs `ops` as RunInterleaved does and records the agents' CPU over the
  // measured rounds.
  auto measure = [&](const std::string& name, const std::vector<std::function<void(bool)>>& ops,
                     int count, const Series* periscope) {
    RunInterleaved(ops, periscope->walk ? o.walk_warmup : o.warmup, 0);
    CpuReading sub0 = ReadCpu(subagent_pid), snmpd0 = ReadCpu(snmpd_pid);
    Clock::time_point t0 = Clock::now();
    RunInterleaved(ops, 0, count);
    CpuReading sub1 = ReadCpu(subagent_pid), snmpd1 = ReadCpu(snmpd_pid);
    if (count == 0 || !sub0.ok || !sub1.ok || !snmpd0.ok || !snmpd1.ok) return;
    report.phases.push_back(
        PhaseCpu{name, static_cast<int>(periscope->latency_us.size()), periscope->varbinds_per_op,
                 std::chrono::duration<double>(Clock::now() - t0).count(),
                 sub1.schedstat_s - sub0.schedstat_s, snmpd1.schedstat_s - snmpd0.schedstat_s});
  };
  measure("periscope GET v2c", gets, o.gets, &p_get);
  measure("periscope WALK v2c", walks, o.walks, &p_walk);
  if (o.walks > 0) {
    p_walk.pdus_per_op = CountWalkPdus(c, periscope_root, rep);
    h_walk.pdus_per_op = hr_cell ? CountWalkPdus(c, hr_root, rep) : 0;
  }
  if (o.gets > 0) report.series.push_back(p_get);
  if (o.gets > 0 && hr_cell) report.series.push_back(h_get);
  if (o.walks > 0) report.series.push_back(p_walk);
  if (o.walks > 0 && hr_cell) report.series.push_back(h_walk);

  // v3 authPriv: the periscope subtree only (one session, engine ID discovered
  // during warm-up).
  if ((o.v3_gets > 0 || o.v3_walks > 0) && g_stop == 0) {
    auto opened_v3 = SnmpClient::Open(snmpd.peer(), testing::V3Credentials());
    std::unique_ptr<SnmpClient> v3 = opened_v3.ok() ? std::move(*opened_v3) : nullptr;
    if (v3 == nullptr) {
      Progress("SNMPv3 session could not be opened (" + opened_v3.status().message() +
               "); v3 series skipped");
    } else {
      Series v3_get = MakeSeries("periscope GET v3", snmp::OidToString(periscope_cell), false);
      Series v3_walk = MakeSeries("periscope WALK v3", snmp::OidToString(periscope_root), true);
      SnmpClient* c3 = v3.get();
      Progress(fmt::format("v3 authPriv: {} GETs, {} walks", o.v3_gets, o.v3_walks));
      measure("periscope GET v3", {[&](bool rec) { TimeGet(c3, periscope_cell, rec, &v3_get); }},
              o.v3_gets, &v3_get);
      measure("periscope WALK v3",
              {[&](bool rec) { TimeWalk(c3, periscope_root, rep, rec, &v3_walk); }}, o.v3_walks,
              &v3_walk);
      if (o.v3_walks > 0) v3_walk.pdus_per_op = CountWalkPdus(c3, periscope_root, rep);
      if (o.v3_gets > 0) report.series.push_back(v3_get);
      if (o.v3_walks > 0) report.series.push_back(v3_walk);
    }
  }

  const pid_t pid = subagent_pid;
  if (!subagent->Running()) {
    std::fprintf(stderr, "subagent exited during the run:\n%s\n",
                 testing::ReadTextFile(dir.File("subagent.log")).c_str());
    return 1;
  }
  report.status_kib = ProcStatusKib(pid);
  report.rollup_kib = SmapsRollupKib(pid);
  report.top_mappings = TopMappingsKib(pid, 8);
  if (snmpd_pid > 0) {
    auto s = ProcStatusKib(snmpd_pid);
    if (auto it = s.find("VmRSS"); it != s.end()) report.snmpd_rss_kib = it->second;
  }

  if (o.idle_s > 0 && g_stop == 0) {
    Progress(fmt::format("idle window: {} s without SNMP requests", o.idle_s));
    CpuReading before = ReadCpu(pid);
    Clock::time_point t0 = Clock::now();
    SleepInterruptibly(o.idle_s);
    CpuReading after = ReadCpu(pid);
    report.idle_wall_s = std::chrono::duration<double>(Clock::now() - t0).count();
    if (before.ok && after.ok && g_stop == 0) {
      report.idle_measured = true;
      report.idle_cpu.stat_s = after.stat_s - before.stat_s;
      report.idle_cpu.schedstat_s = after.schedstat_s - before.schedstat_s;
      report.idle_cpu.ok = true;
      report.idle_passes = report.idle_wall_s / o.interval_s;
    }
  }

  bool failed = false;
  for (const Series& s : report.series) failed = failed || s.failures > 0;
  if (g_stop != 0) {
    Progress("interrupted; partial results");
    failed = true;
  }
  if (o.json) {
    PrintJson(report);
  } else {
    PrintTable(report);
  }
  Progress("stopping the subagent and snmpd");
  subagent->Stop();
  snmpd.Stop();
  return failed ? 1 : 0;
}

}  // namespace
}  // namespace periscope::bench

int main(int argc, char** argv) {
  periscope::bench::Options options;
  if (!periscope::bench::ParseFlags(argc, argv, &options)) return 2;
  struct sigaction sa {};
  sa.sa_handler = periscope::bench::OnSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  return periscope::bench::Run(options);
}
