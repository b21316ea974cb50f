// periscope-factory: the reference manufacturing-site responder. See
// factory/README.md and docs/inquiry.md.
#include <signal.h>

#include <cstdio>
#include <iostream>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/exit_codes.h"
#include "factory/responder.h"
#include "reports/inquiry_message.h"

namespace {

constexpr const char* kUsage =
    R"(usage: periscope-factory --site NAME --stock FILE [--listen HOST:PORT]

Answers stock and delivery inquiries (POST /inquiry, docs/inquiry.md) from a
stock file, as manufacturing site NAME, until SIGTERM or SIGINT.

  --site NAME         the site's name in its answers ([A-Za-z0-9._-], <= 64 bytes)
  --stock FILE        CSV: product_number,quantity,retailer,delivery_days[,answer]
  --listen HOST:PORT  address to bind (default 127.0.0.1:8642; [::1]:PORT for
                      IPv6; port 0 picks a free port). Prints
                      "listening on http://HOST:PORT/inquiry" once ready.

Exit codes: 0 stopped by a signal, 1 cannot listen, 2 usage or stock-file error.
)";

}  // namespace

int main(int argc, char** argv) {
  using namespace periscope;
  std::string site, stock_path, listen = "127.0.0.1:8642";
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    auto value = [&](std::string& out) {
      if (i + 1 >= argc) return false;
      out = argv[++i];
      return true;
    };
    bool ok = true;
    if (arg == "--help" || arg == "-h") {
      std::cout << kUsage;
      return kExitOk;
    } else if (arg == "--site") {
      ok = value(site);
    } else if (arg == "--stock") {
      ok = value(stock_path);
    } else if (arg == "--listen") {
      ok = value(listen);
    } else {
      ok = false;
    }
    if (!ok) {
      std::cerr << "periscope-factory: bad argument '" << arg << "'\n" << kUsage;
      return kExitUsage;
    }
  }
  if (site.empty() || stock_path.empty()) {
    std::cerr << "periscope-factory: --site and --stock are required\n" << kUsage;
    return kExitUsage;
  }
  reports::SiteAnswer probe;
  probe.inquiry_key = "probe";
  probe.site = site;
  probe.status = reports::AnswerStatus::kPending;
  if (Status s = reports::ValidateAnswer(probe); !s.ok()) {
    std::cerr << "periscope-factory: --site: " << s.message() << "\n";
    return kExitUsage;
  }
  auto stock = factory::LoadStockFile(stock_path);
  if (!stock.ok()) {
    std::cerr << "periscope-factory: " << stock.status().message() << "\n";
    return kExitUsage;
  }

  // Block the stop signals in every thread (microhttpd's included) and wait
  // for them here.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);

  factory::Responder responder(site, std::move(stock).value(), SystemClock::Instance());
  auto server = factory::ResponderServer::Start(responder, listen);
  if (!server.ok()) {
    std::cerr << "periscope-factory: " << server.status().message() << "\n";
    return kExitFailure;
  }
  std::cout << "listening on " << (*server)->url() << std::endl;
  int signo = 0;
  sigwait(&stop, &signo);
  server->reset();
  std::cerr << "periscope-factory: stopped by signal " << signo << "\n";
  return kExitOk;
}
