// periscope-portal: the customer web page of seed 002 (issue 9). Thin: parses
// flags, loads the configs and the catalog, runs one command and maps the
// result to an exit code. `serve` runs the HTTP server and a mail delivery
// thread until SIGTERM or SIGINT.
#include <signal.h>
#include <sys/stat.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <iostream>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "core/cli_args.h"
#include "core/clock.h"
#include "core/exit_codes.h"
#include "core/log.h"
#include "core/strings.h"
#include "mail/settings.h"
#include "portal/config.h"
#include "portal/http_server.h"
#include "portal/portal.h"
#include "reports/catalog.h"
#include "reports/config.h"
#include "store/db.h"
#include "store/db_config.h"

#ifndef PERISCOPE_SYSCONFDIR
#define PERISCOPE_SYSCONFDIR "/etc/periscope"
#endif
#ifndef PERISCOPE_STATEDIR
#define PERISCOPE_STATEDIR "/var/lib/periscope"
#endif

namespace {

using periscope::kExitFailure;
using periscope::kExitOk;
using periscope::kExitUsage;
using periscope::Status;
namespace portal = periscope::portal;
namespace reports = periscope::reports;
namespace store = periscope::store;

constexpr const char* kHelp =
    "usage: periscope-portal [-c|--config FILE] [--db DB] [--listen ADDRESS:PORT] [COMMAND]\n"
    "\n"
    "The customer portal: customers sign in, see their devices' usage, the proposals\n"
    "made for them and the products that fit their devices, ask to be contacted and\n"
    "update their registered information; each request is mailed to the customer's\n"
    "sales person through the outbox. Serve it behind a TLS reverse proxy\n"
    "(etc/nginx/periscope-portal.conf).\n"
    "\n"
    "commands:\n"
    "  [serve]                 serve until SIGTERM or SIGINT; prints\n"
    "                          \"periscope-portal: listening on URL\" once listening\n"
    "  invite USER_ID          mail the customer a single-use link to set a first\n"
    "                          password (printed too)\n"
    "  set-password USER_ID    set a password read from stdin (one line)\n"
    "  deliver                 send queued portal mail once\n"
    "  check-config            load the configs and the catalog, print a summary\n"
    "\n"
    "options:\n"
    "  -c, --config FILE       default " PERISCOPE_SYSCONFDIR
    "/periscope-portal.xml (built-in defaults when absent)\n"
    "  --db DB                 the store, overriding the config: an SQLite file or a\n"
    "                          postgresql:// URI (its password in ~/.pgpass or PGPASSFILE)\n"
    "  --listen ADDRESS:PORT   overrides <listen> (port 0: any free port)\n"
    "\n"
    "exit status: 0 ok; 1 the job failed (store, mail not delivered yet: it stays\n"
    "queued); 2 usage, configuration, unknown customer, a password breaking the rules\n";

constexpr std::string_view kProgram = "periscope-portal";
int Usage(const std::string& message) { return periscope::UsageError(kProgram, message); }
int Fail(const Status& s) { return periscope::FailWith(kProgram, s); }
void Print(const std::string& text) { periscope::PrintFlushed(text); }

// Wakes the delivery loop when a request queued a mail.
struct MailSignal {
  std::mutex mu;
  std::condition_variable cv;
  bool pending = false;
  bool stop = false;
  void Notify() {
    {
      std::lock_guard<std::mutex> lock(mu);
      pending = true;
    }
    cv.notify_one();
  }
};

int Deliver(portal::Portal& app, const portal::PortalConfig& config) {
  auto mailer = periscope::mail::MakeMailer(config.mail);
  if (!mailer.ok()) return Fail(mailer.status());
  auto stats = app.DeliverMail(**mailer, periscope::mail::RetryPolicyOf(config.mail));
  if (!stats.ok()) return Fail(stats.status());
  Print(fmt::format("mail: {} sent, {} to retry, {} failed, {} unknown\n", stats->sent,
                    stats->retried, stats->failed, stats->unknown));
  return stats->retried + stats->failed + stats->unknown > 0 ? kExitFailure : kExitOk;
}

int Serve(portal::Portal& app, const portal::PortalConfig& config, MailSignal& signal) {
  auto mailer = periscope::mail::MakeMailer(config.mail);
  if (!mailer.ok()) return Fail(mailer.status());
  const periscope::mail::RetryPolicy policy = periscope::mail::RetryPolicyOf(config.mail);

  // Signals are taken by sigwait on this thread only.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);

  auto server = portal::HttpServer::Start(
      config.http, [&app](const portal::Request& r) { return app.Handle(r); });
  if (!server.ok()) return Fail(server.status());
  app.SetListenUrl((*server)->url());

  // Delivery: right after a request queued mail, and every 30 s for retries.
  std::thread delivery([&] {
    std::unique_lock<std::mutex> lock(signal.mu);
    while (!signal.stop) {
      signal.cv.wait_for(lock, std::chrono::seconds(30),
                         [&] { return signal.pending || signal.stop; });
      if (signal.stop) break;
      signal.pending = false;
      lock.unlock();
      auto stats = app.DeliverMail(**mailer, policy);
      if (!stats.ok()) {
        periscope::LogError("portal: mail delivery: " + stats.status().ToString());
      } else if (stats->retried > 0) {
        periscope::LogWarning(
            fmt::format("portal: {} mail(s) not delivered yet; retrying later", stats->retried));
      }
      lock.lock();
      // Mail left to retry is looked at again after the first retry delay
      // (sooner than the 30 s tick when configured so); a pass finds nothing
      // due cheaply.
      if (stats.ok() && stats->retried > 0 && policy.first_delay < std::chrono::seconds(30)) {
        signal.cv.wait_for(lock, policy.first_delay, [&] { return signal.stop; });
        signal.pending = true;
      }
    }
  });

  Print(fmt::format("periscope-portal: listening on {}\n", (*server)->url()));
  if (app.public_origin() != (*server)->url()) {
    std::fprintf(stderr, "periscope-portal: public origin %s\n", app.public_origin().c_str());
  }
  signal.Notify();  // mail left queued by an earlier run
  int received = 0;
  sigwait(&stop_signals, &received);
  std::fprintf(stderr, "periscope-portal: signal %d, stopping\n", received);
  server->reset();  // no request runs after this
  {
    std::lock_guard<std::mutex> lock(signal.mu);
    signal.stop = true;
  }
  signal.cv.notify_one();
  delivery.join();
  return kExitOk;
}

int Main(int argc, char** argv) {
  std::vector<std::string> all(argv + 1, argv + argc);
  std::string config_path = PERISCOPE_SYSCONFDIR "/periscope-portal.xml";
  bool config_given = false;
  std::string db_override, listen_override;
  size_t i = 0;
  for (; i < all.size(); ++i) {
    const std::string& a = all[i];
    if (a == "-h" || a == "--help") {
      Print(kHelp);
      return kExitOk;
    }
    const bool config_flag = a == "-c" || a == "--config";
    if ((config_flag || a == "--db" || a == "--listen") && i + 1 < all.size()) {
      (config_flag ? config_path : a == "--db" ? db_override : listen_override) = all[++i];
      if (config_flag) config_given = true;
      continue;
    }
    if (a.starts_with("-")) return Usage("unknown option '" + a + "'");
    break;
  }
  // The password of a PostgreSQL store comes from ~/.pgpass, never argv.
  if (Status s = store::CheckNoPassword(db_override, "--db"); !s.ok()) return Usage(s.message());
  std::string command = "serve";
  if (i < all.size()) command = all[i++];
  std::vector<std::string> rest(all.begin() + static_cast<std::ptrdiff_t>(i), all.end());

  periscope::InitLogging(
      "periscope-portal", periscope::LogSink::kStderr,
      command == "serve" ? periscope::LogLevel::kInfo : periscope::LogLevel::kWarning);
  auto defaults = portal::DefaultPortalConfig(PERISCOPE_SYSCONFDIR, PERISCOPE_STATEDIR);
  auto config = portal::LoadPortalConfig(config_path, defaults);
  if (!config.ok()) {
    struct stat st {};
    const bool absent = ::stat(config_path.c_str(), &st) != 0 && errno == ENOENT;
    if (config_given || !absent) return Usage(config.status().message());
    config = defaults;
  }
  if (!db_override.empty()) config->database = db_override;
  if (!listen_override.empty()) {
    auto colon = listen_override.rfind(':');
    auto port = colon == std::string::npos
                    ? std::nullopt
                    : periscope::ParseUint64(listen_override.substr(colon + 1));
    if (!port || *port > 65535) return Usage("--listen: expected ADDRESS:PORT");
    std::string address = listen_override.substr(0, colon);
    if (address.size() > 2 && address.front() == '[' && address.back() == ']') {
      address = address.substr(1, address.size() - 2);
    }
    config->http.address = address;
    config->http.port = static_cast<uint16_t>(*port);
  }

  auto report_defaults = reports::DefaultReportConfig(PERISCOPE_SYSCONFDIR, PERISCOPE_STATEDIR);
  auto report_config = reports::LoadReportConfig(config->report_config, report_defaults);
  if (!report_config.ok()) return Usage(report_config.status().message());
  auto catalog = reports::LoadCatalog(report_config->catalog);
  if (!catalog.ok()) return Usage(catalog.status().message());

  if (command == "check-config") {
    Print(fmt::format("{}: ok; store {}; listen {}:{}; catalog {} ({} models); mail {}\n",
                      config_path, store::RedactDatabase(config->database), config->http.address,
                      config->http.port, report_config->catalog,
                      catalog->products.size() + catalog->printers.size() + catalog->hosts.size() +
                          catalog->switches.size(),
                      config->mail.smtp ? config->mail.smtp->url : "to " + config->mail.directory));
    return kExitOk;
  }
  if (command != "serve" && command != "invite" && command != "set-password" &&
      command != "deliver") {
    return Usage("unknown command '" + command + "'");
  }
  if ((command == "invite" || command == "set-password") && rest.size() != 1) {
    return Usage(command + ": expected one customer user ID");
  }
  if ((command == "serve" || command == "deliver") && !rest.empty()) {
    return Usage(command + ": unexpected argument '" + rest[0] + "'");
  }

  MailSignal signal;
  auto app =
      portal::Portal::Open(*config, *report_config, std::move(*catalog),
                           periscope::SystemClock::Instance(), [&signal] { signal.Notify(); });
  if (!app.ok()) return Fail(app.status());

  if (command == "serve") return Serve(**app, *config, signal);
  if (command == "deliver") return Deliver(**app, *config);
  if (command == "set-password") {
    std::string password;
    if (!std::getline(std::cin, password)) return Usage("set-password: no password on stdin");
    if (!password.empty() && password.back() == '\r') password.pop_back();
    Status s = (*app)->SetPassword(rest[0], password);
    if (!s.ok()) return Fail(s);
    Print(fmt::format("password set for {}\n", rest[0]));
    return kExitOk;
  }
  if (command == "invite" && config->public_url.empty() && config->http.port == 0) {
    return Usage("invite: the link needs <public-url> (or a fixed <listen port>) in " +
                 config_path);
  }
  auto invite = (*app)->Invite(rest[0]);
  if (!invite.ok()) return Fail(invite.status());
  Print(fmt::format("invite for {} queued to {}; link: {} (single use, expires {})\n",
                    invite->user_id, invite->email, invite->link,
                    periscope::FormatLocalTime(std::chrono::system_clock::time_point(
                        std::chrono::seconds(invite->expires_at)))));
  return Deliver(**app, *config);
}

}  // namespace

int main(int argc, char** argv) { return Main(argc, argv); }
