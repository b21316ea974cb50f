// Test support: runs the reference site responder (periscope-factory) on a
// free loopback port. Header-only; for the inquiry integration tests.
#ifndef PERISCOPE_TESTS_FACTORY_FACTORY_ENV_H_
#define PERISCOPE_TESTS_FACTORY_FACTORY_ENV_H_

#include <chrono>
#include <memory>
#include <string>

#include "tests/support/process.h"

namespace periscope::testing {

inline const char* const kFactoryStock =
    "product_number,quantity,retailer,delivery_days,answer\n"
    "PS-ADD-2TB,40,Store Ginza,3,\n"
    "PS-ADD-8TB,2,Store Ginza,10,\n"
    "PS-A900,1,Store Umeda,21,later\n";

inline std::string FactoryBinary() { return BinaryDir() + "/factory/periscope-factory"; }

// A running periscope-factory; stopped (SIGTERM) when destroyed.
struct FactorySite {
  std::unique_ptr<Process> process;
  std::string url;  // empty when it did not start
};

// Starts site `name` with `stock` (CSV content) listening on `listen` (port 0)
// and waits up to 10 s for its "listening on URL" line.
inline FactorySite StartFactory(const TempDir& dir, const std::string& name,
                                const std::string& stock = kFactoryStock,
                                const std::string& listen = "127.0.0.1:0") {
  FactorySite site;
  std::string stock_path = dir.File(name + "-stock.csv");
  WriteTextFile(stock_path, stock);
  site.process =
      std::make_unique<Process>(std::vector<std::string>{FactoryBinary(), "--site", name, "--stock",
                                                         stock_path, "--listen", listen},
                                dir.File(name + ".log"));
  const std::string marker = "listening on ";
  WaitFor(
      [&] {
        std::string log = site.process->Log();
        size_t at = log.find(marker);
        size_t eol = at == std::string::npos ? at : log.find('\n', at);
        if (eol == std::string::npos) return !site.process->Running();
        site.url = log.substr(at + marker.size(), eol - at - marker.size());
        return true;
      },
      std::chrono::seconds(10));
  return site;
}

}  // namespace periscope::testing

#endif  // PERISCOPE_TESTS_FACTORY_FACTORY_ENV_H_
