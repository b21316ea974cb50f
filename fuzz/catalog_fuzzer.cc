// Fuzzes reports::ParseCatalog (etc/catalog.xml). Besides memory errors it
// checks that an accepted catalog has unique, findable models (storage
// products, printers, hosts and switches) whose successors exist and whose
// sizes are positive.
#include <cstdint>
#include <set>
#include <string>

#include "fuzz/fuzz_check.h"
#include "reports/catalog.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace periscope;  // NOLINT(google-build-using-namespace)
  auto catalog =
      reports::ParseCatalog(std::string(reinterpret_cast<const char*>(data), size), "fuzz.xml");
  if (!catalog.ok()) {
    FUZZ_CHECK(!catalog.status().message().empty());
    return 0;
  }
  std::set<std::string> models;
  for (const reports::Product& p : catalog->products) {
    FUZZ_CHECK(!p.model.empty());
    FUZZ_CHECK(models.insert(p.model).second);
    FUZZ_CHECK(catalog->Find(p.model) == &p);
    for (const auto& a : p.capacity_addons) FUZZ_CHECK(a.size_bytes > 0);
    for (const auto& c : p.cache_options) FUZZ_CHECK(c.size_bytes > 0);
  }
  for (const reports::Product& p : catalog->products) {
    if (!p.successor.empty()) FUZZ_CHECK(catalog->Find(p.successor) != nullptr);
  }
  // Peripheral models share the model namespace with the storage products.
  for (const reports::PrinterProduct& p : catalog->printers) {
    FUZZ_CHECK(models.insert(p.model).second);
    FUZZ_CHECK(catalog->FindPrinter(p.model) == &p);
    FUZZ_CHECK(p.recommended_monthly_pages <= p.duty_cycle_pages);
    if (!p.successor.empty()) FUZZ_CHECK(catalog->FindPrinter(p.successor) != nullptr);
  }
  for (const reports::HostProduct& h : catalog->hosts) {
    FUZZ_CHECK(models.insert(h.model).second);
    FUZZ_CHECK(catalog->FindHost(h.model) == &h);
    for (const auto& u : h.storage_upgrades) FUZZ_CHECK(u.size_bytes > 0);
  }
  for (const reports::SwitchProduct& w : catalog->switches) {
    FUZZ_CHECK(models.insert(w.model).second);
    FUZZ_CHECK(catalog->FindSwitch(w.model) == &w);
    FUZZ_CHECK(w.port_speed_mbps > 0);
    if (!w.successor.empty()) FUZZ_CHECK(catalog->FindSwitch(w.successor) != nullptr);
  }
  return 0;
}
