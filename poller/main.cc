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
      "                        [--progress] [--json]\n"
      "\n"
      "Polls every enabled target of the periscope store once (SNMPv2c or SNMPv3\n"
      "authPriv), walking PERISCOPE-MIB, and stores each device's result. Meant for\n"
      "cron: a second run while one is active exits at once.\n"
      "\n"
      "  -c, --config FILE     poller config (default " PERISCOPE_DEFAULT_POLLER_CONFIG
      ")\n"
      "      --customer ID     only this customer's targets\n"
      "      --target ADDRESS  only targets at this address\n"
      "      --progress        show progress on a terminal (stderr)\n"
      "      --json            print the summary as JSON on stdout\n"
      "  -h, --help            this help\n"
      "\n"
      "exit status: 0 the run completed (even if some devices failed), 1 the run\n"
      "itself failed (lock held, database error, budget spent), 2 usage or config error\n",
      stdout);
}

}  // namespace

int main(int argc, char** argv) {
  std::string config_path = PERISCOPE_DEFAULT_POLLER_CONFIG;
  periscope::poller::RunOptions options;
  bool progress = false, json = false;
  enum { kCustomer = 1000, kTarget, kProgress, kJson };
  static const option kLong[] = {{"config", required_argument, nullptr, 'c'},
                                 {"customer", required_argument, nullptr, kCustomer},
                                 {"target", required_argument, nullptr, kTarget},
                                 {"progress", no_argument, nullptr, kProgress},
                                 {"json", no_argument, nullptr, kJson},
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
  std::signal(SIGTERM, OnStop);
  std::signal(SIGINT, OnStop);
  options.stop = [] { return g_stop != 0; };
  if (progress && ::isatty(STDERR_FILENO)) {
    options.progress = [](size_t done, size_t total) {
      std::fprintf(stderr, "\rperiscope-poller: %zu/%zu targets", done, total);
      if (done == total) std::fputc('\n', stderr);
    };
  }
  auto summary = periscope::poller::PollOnce(*config, options);
  if (!summary.ok()) {
    periscope::LogError(summary.status().message());
    return kExitFailure;
  }
  size_t failed = 0;
  std::string by_class;
  for (const auto& [cls, n] : summary->failed) {
    failed += n;
    by_class += fmt::format("{}{} {}", by_class.empty() ? "" : ", ", n, cls);
  }
  if (json) {
    nlohmann::json out = {
        {"run_id", summary->run_id},          {"completed", summary->completed},
        {"targets", summary->targets},        {"ok", summary->ok},
        {"devices", summary->devices},        {"failed", failed},
        {"failed_by_class", summary->failed}, {"warnings", summary->warnings},
        {"retired", summary->retired},        {"duration_s", summary->duration_s},
    };
    std::printf("%s\n", out.dump().c_str());
  } else {
    std::printf(
        "periscope-poller: run %lld %s: %zu targets, %zu ok (%zu devices), %zu failed%s%s%s, "
        "%zu warnings, %.1f s\n",
        static_cast<long long>(summary->run_id), summary->completed ? "finished" : "incomplete",
        summary->targets, summary->ok, summary->devices, failed, by_class.empty() ? "" : " (",
        by_class.c_str(), by_class.empty() ? "" : ")", summary->warnings, summary->duration_s);
  }
  return summary->completed ? kExitOk : kExitFailure;
}
