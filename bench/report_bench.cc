// report_bench: the daily report run at fleet scale (issue 6 section 7).
//
//   report_bench [--devices N] [--days N] [--customers N] [--dir DIR] [--keep]
//                [--phase generate|run|all]
//
// generate: a fresh store with --devices devices (one per simulated agent) of
//   the demo fleet's growth patterns (tests/support/demo_fleet.h), each with
//   --days days of daily history ending today, written as one poller walk per
//   agent (tests/support/demo_store.h); --customers customers, two sales persons.
// run: one periscope-report run over that store in this process, exactly as
//   `periscope-report run` does it with the sample catalog: every forecast
//   (capacity and load), every proposal (stored), every report (HTML, CSV, JSON
//   per customer, the fleet views) and one mail per sales person (.eml files).
//   Then, apart, the forecasts alone (read + forecast every device, no
//   proposals or rendering) for the forecasts-per-second figure.
// Prints key=value lines: wall and CPU seconds of each phase, devices/s,
// forecasts/s, and the process's peak RSS (ru_maxrss) after each phase; run
// the phases as separate processes (--phase) to see the run's own peak memory.
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <fmt/format.h>

#include "core/clock.h"
#include "mail/directory_mailer.h"
#include "reports/catalog.h"
#include "reports/config.h"
#include "reports/forecast.h"
#include "reports/run.h"
#include "store/db.h"
#include "store/report_data.h"
#include "store/schema.h"
#include "tests/support/demo_fleet.h"
#include "tests/support/demo_store.h"

namespace {

using periscope::Status;
using SteadyClock = std::chrono::steady_clock;

[[noreturn]] void Die(const std::string& what, const Status& s) {
  std::fprintf(stderr, "report_bench: %s: %s\n", what.c_str(), s.ToString().c_str());
  std::exit(1);
}

double CpuSeconds() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

double PeakRssMib() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;
}

double Since(SteadyClock::time_point start) {
  return std::chrono::duration<double>(SteadyClock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  size_t devices = 10000, days = 365, customers = 500;
  std::string dir, phase = "all";
  bool keep = false;
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "report_bench: %s needs a value\n", flag.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (flag == "--devices") {
      devices = std::strtoul(value().c_str(), nullptr, 10);
    } else if (flag == "--days") {
      days = std::strtoul(value().c_str(), nullptr, 10);
    } else if (flag == "--customers") {
      customers = std::strtoul(value().c_str(), nullptr, 10);
    } else if (flag == "--dir") {
      dir = value();
    } else if (flag == "--phase") {
      phase = value();
    } else if (flag == "--keep") {
      keep = true;
    } else {
      std::fputs(
          "usage: report_bench [--devices N] [--days N] [--customers N] [--dir DIR] [--keep]\n"
          "                    [--phase generate|run|all]\n",
          stderr);
      return 2;
    }
  }
  if (dir.empty()) {
    char tmpl[] = "/tmp/report_bench.XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) return 1;
    dir = tmpl;
  }
  ::mkdir(dir.c_str(), 0755);
  const std::string db_path = dir + "/periscope.db";
  const auto now = std::chrono::system_clock::now();
  const uint32_t today = periscope::LocalDate(now);
  const int64_t now_s =
      std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();

  if (phase == "generate" || phase == "all") {
    ::unlink(db_path.c_str());
    auto start = SteadyClock::now();
    auto db = periscope::store::Db::OpenWriter(db_path, periscope::store::OpenMode::kCreate);
    if (!db.ok()) Die("open", db.status());
    if (Status s = periscope::store::Migrate(**db); !s.ok()) Die("migrate", s);
    auto fleet =
        periscope::testing::MakeDemoFleet(devices, customers, static_cast<uint32_t>(days), today);
    if (Status s = periscope::testing::WriteFleetToStore(**db, std::move(fleet), now_s); !s.ok()) {
      Die("generate", s);
    }
    std::printf("generate_devices=%zu\ngenerate_days=%zu\ngenerate_wall_s=%.1f\n", devices, days,
                Since(start));
    std::fflush(stdout);
  }

  if (phase == "run" || phase == "all") {
    auto config = periscope::reports::DefaultReportConfig("", "");
    config.database = db_path;
    config.catalog = std::string(PERISCOPE_SOURCE_DIR) + "/etc/catalog.xml";
    config.output_dir = dir + "/reports";
    config.mail.directory = dir + "/mail";
    auto catalog = periscope::reports::LoadCatalog(config.catalog);
    if (!catalog.ok()) Die("catalog", catalog.status());
    auto db = periscope::store::Db::OpenWriter(db_path, periscope::store::OpenMode::kMustExist);
    if (!db.ok()) Die("open", db.status());
    auto mailer = periscope::mail::MakeDirectoryMailer(config.mail.directory);
    if (!mailer.ok()) Die("mailer", mailer.status());
    periscope::reports::RunOptions options;
    periscope::reports::RunDeps deps;
    deps.clock = &periscope::SystemClock::Instance();
    deps.mailer = mailer->get();
    const double cpu0 = CpuSeconds();
    auto start = SteadyClock::now();
    auto summary = periscope::reports::RunReports(**db, config, *catalog, options, deps);
    if (!summary.ok()) Die("run", summary.status());
    const double run_wall = Since(start);
    const double run_cpu = CpuSeconds() - cpu0;
    std::printf("run_wall_s=%.1f\nrun_cpu_s=%.1f\nrun_devices_per_s=%.0f\nrun_peak_rss_mib=%.0f\n",
                run_wall, run_cpu, summary->devices / run_wall, PeakRssMib());
    std::printf("run_summary=%s\n", periscope::reports::SummaryLine(*summary).c_str());
    std::fflush(stdout);

    // The forecasts alone: read every device's history and forecast it.
    periscope::reports::forecast::Options fo;
    size_t forecasts = 0;
    const double cpu1 = CpuSeconds();
    start = SteadyClock::now();
    Status s = periscope::store::ForEachDeviceHistory(
        **db, {}, [&](periscope::store::DeviceHistory&& h) -> Status {
          std::vector<periscope::reports::forecast::UsageDay> usage;
          std::vector<periscope::reports::forecast::LoadDay> load;
          const double capacity =
              h.specs.empty() ? 0.0 : static_cast<double>(h.specs.back().spec.capacity_bytes);
          for (const auto& y : h.days) {
            const int64_t day = periscope::DaysFromDate(static_cast<uint32_t>(y.date));
            periscope::reports::forecast::UsageDay u;
            u.day = day;
            if (y.used_bytes) u.used_bytes = static_cast<double>(*y.used_bytes);
            u.capacity_bytes = capacity;
            usage.push_back(u);
            periscope::reports::forecast::LoadDay l;
            l.day = day;
            if (y.load_peak) l.load_peak = static_cast<double>(*y.load_peak);
            load.push_back(l);
          }
          auto c = periscope::reports::forecast::ForecastCapacity(usage, fo);
          auto l = periscope::reports::forecast::ForecastLoad(load, 2000, 80, fo);
          forecasts += (c.ok ? 1U : 0U) + (l.ok ? 1U : 0U);
          return Status::Ok();
        });
    if (!s.ok()) Die("forecasts", s);
    const double fc_wall = Since(start);
    std::printf(
        "forecast_only_wall_s=%.1f\nforecast_only_cpu_s=%.1f\nforecasts=%zu\n"
        "forecasts_per_s=%.0f\npeak_rss_mib=%.0f\n",
        fc_wall, CpuSeconds() - cpu1, forecasts, static_cast<double>(forecasts) / fc_wall,
        PeakRssMib());
  }
  if (!keep && phase == "all") {
    std::string cmd = "rm -rf '" + dir + "'";
    if (std::system(cmd.c_str()) != 0)
      std::fprintf(stderr, "report_bench: cannot remove %s\n", dir.c_str());
  } else {
    std::printf("dir=%s\n", dir.c_str());
  }
  return 0;
}
