// periscope-poller: one run per invocation (from cron), all enabled targets.
#include <getopt.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/exit_codes.h"
#include "core/log.h"
#include "poller/config.h"
#include "poller/run.h"
#include "store/db.h"
#include "store/db_config.h"

#ifndef PERISCOPE_DEFAULT_POLLER_CONFIG
#define PERISCOPE_DEFAULT_POLLER_CONFIG "/etc/periscope/periscope-poller.xml"
#endif

namespace {

using periscope::kExitFailure;
using periscope::kExitOk;
using periscope::kExitUsage;

volatile std::sig_atomic_t g_stop = 0;
extern "C" void OnStop(int /*signo*/) { g_stop = 1; }

void PrintHelp() {
  std::fputs(
      "usage: periscope-poller [-c FILE] [--customer USER_ID] [--target ADDRESS]\n"
      "                        [--node NAME] [--service] [--progress] [--json]\n"
      "\n"
      "Polls the enabled targets of the periscope store (SNMPv2c or SNMPv3 authPriv),\n"
      "walking PERISCOPE-MIB or the standard MIBs of a peripheral, and stores each\n"
      "device's result. Targets are shared out in buckets leased from the store: with\n"
      "PostgreSQL (<database><path>postgresql://...</path>) any number of pollers on\n"
      "any number of machines run at once, each claiming due buckets; with SQLite one\n"
      "poller runs at a time (a second run exits at once). From cron, a run claims due\n"
      "buckets until none is left, then exits; --service loops (systemd).\n"
      "\n"
      "  -c, --config FILE     poller config (default " PERISCOPE_DEFAULT_POLLER_CONFIG
      ")\n"
      "      --customer ID     only this customer's targets\n"
      "      --target ADDRESS  only targets at this address\n"
      "      --db DB           the store: a file, or postgresql://... (password from\n"
      "                        ~/.pgpass or PGPASSFILE); overrides <database><path>\n"
      "      --node NAME       this poller's name in leases (default host:pid)\n"
      "      --service         keep polling as targets fall due (needs interval-s)\n"
      "      --progress        show progress on a terminal (stderr)\n"
      "      --json            print the summary as JSON on stdout\n"
      "  -h, --help            this help\n"
      "\n"
      "exit status: 0 the run completed (even if some devices failed), 1 the run\n"
      "itself failed (lock held, database error, budget spent), 2 usage or config error\n",
      stdout);
}

void PrintSummary(const periscope::poller::RunSummary& s, bool json) {
  size_t failed = 0;
  std::string by_class;
  for (const auto& [cls, n] : s.failed) {
    failed += n;
    by_class += fmt::format("{}{} {}", by_class.empty() ? "" : ", ", n, cls);
  }
  if (json) {
    nlohmann::json out = {
        {"buckets", s.buckets},
        {"leases_lost", s.leases_lost},
        {"reconnects", s.reconnects},
        {"run_id", s.run_id},
        {"completed", s.completed},
        {"targets", s.targets},
        {"ok", s.ok},
        {"devices", s.devices},
        {"failed", failed},
        {"failed_by_class", s.failed},
        {"warnings", s.warnings},
        {"retired", s.retired},
        {"duration_s", s.duration_s},
    };
    std::printf("%s\n", out.dump().c_str());
  } else {
    std::printf(
        "periscope-poller: run %lld %s: %zu targets, %zu ok (%zu devices), %zu failed%s%s%s, "
        "%zu warnings, %.1f s\n",
        static_cast<long long>(s.run_id), s.completed ? "finished" : "incomplete", s.targets, s.ok,
        s.devices, failed, by_class.empty() ? "" : " (", by_class.c_str(),
        by_class.empty() ? "" : ")", s.warnings, s.duration_s);
    if (s.leases_lost > 0 || s.reconnects > 0) {
      std::printf(
          "periscope-poller: %zu buckets, %zu chunks refused (lease lost), %zu reconnects\n",
          s.buckets, s.leases_lost, s.reconnects);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string config_path = PERISCOPE_DEFAULT_POLLER_CONFIG;
  periscope::poller::RunOptions options;
  bool progress = false, json = false;
  bool service = false;
  std::string db_override;
  enum { kCustomer = 1000, kTarget, kProgress, kJson, kNode, kService, kDb };
  static const option kLong[] = {{"config", required_argument, nullptr, 'c'},
                                 {"customer", required_argument, nullptr, kCustomer},
                                 {"target", required_argument, nullptr, kTarget},
                                 {"progress", no_argument, nullptr, kProgress},
                                 {"json", no_argument, nullptr, kJson},
                                 {"node", required_argument, nullptr, kNode},
                                 {"db", required_argument, nullptr, kDb},
                                 {"service", no_argument, nullptr, kService},
                                 {"help", no_argument, nullptr, 'h'},
                                 {nullptr, 0, nullptr, 0}};
  int opt;
  while ((opt = getopt_long(argc, argv, "c:h", kLong, nullptr)) != -1) {
    switch (opt) {
      case 'c':
        config_path = optarg;
        break;
      case kCustomer:
        options.customer = optarg;
        break;
      case kTarget:
        options.target = optarg;
        break;
      case kProgress:
        progress = true;
        break;
      case kJson:
        json = true;
        break;
      case kNode:
        options.node = optarg;
        break;
      case kDb:
        db_override = optarg;
        break;
      case kService:
        service = true;
        break;
      case 'h':
        PrintHelp();
        return kExitOk;
      default:
        std::fputs("try 'periscope-poller --help'\n", stderr);
        return kExitUsage;
    }
  }
  if (optind != argc) {
    std::fprintf(stderr, "periscope-poller: unexpected argument '%s'\n", argv[optind]);
    return kExitUsage;
  }
  periscope::InitLogging("periscope-poller", periscope::LogSink::kStderr,
                         periscope::LogLevel::kInfo);
  auto config = periscope::poller::LoadPollerConfig(config_path);
  if (!config.ok()) {
    periscope::LogError(config.status().message());
    return kExitUsage;
  }
  if (!db_override.empty()) {
    if (periscope::Status s = periscope::store::CheckNoPassword(db_override, "--db"); !s.ok()) {
      periscope::LogError(s.message());
      return kExitUsage;
    }
    // The lock file follows the database unless the config names one.
    if (config->lock_file == config->database + ".lock") config->lock_file.clear();
    config->database = db_override;
    if (config->lock_file.empty() && !periscope::store::IsPostgresUri(config->database)) {
      config->lock_file = config->database + ".lock";
    }
  }
  std::signal(SIGTERM, OnStop);
  std::signal(SIGINT, OnStop);
  options.stop = [] { return g_stop != 0; };
  if (progress && ::isatty(STDERR_FILENO)) {
    options.progress = [](size_t done, size_t total) {
      std::fprintf(stderr, "\rperiscope-poller: %zu/%zu targets", done, total);
      if (done == total) std::fputc('\n', stderr);
    };
  }
  auto print = [&](const periscope::poller::RunSummary& s) { PrintSummary(s, json); };
  if (service && (!options.customer.empty() || !options.target.empty())) {
    std::fputs("periscope-poller: --service polls the whole store; drop --customer/--target\n",
               stderr);
    return kExitUsage;
  }
  auto summary = service ? periscope::poller::PollService(*config, options, print)
                         : periscope::poller::PollOnce(*config, options);
  if (!summary.ok()) {
    if (summary.status().code() == periscope::StatusCode::kInvalidArgument && service) {
      periscope::LogError(summary.status().message());
      return kExitUsage;
    }
    periscope::LogError(summary.status().message());
    return kExitFailure;
  }
  if (!service) print(*summary);
  return summary->completed ? kExitOk : kExitFailure;
}
