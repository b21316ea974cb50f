// Fuzzes claimtool::ParseClaimRules (etc/claim-rules.xml). Besides memory
// errors it checks that accepted rules keep their documented invariants:
// every category has a kind, an item and a term, names only items and roles
// that exist, and names are unique.
#include <cstdint>
#include <set>
#include <string>

#include "claimtool/rules.h"
#include "fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace periscope;  // NOLINT(google-build-using-namespace)
  auto rules = claimtool::ParseClaimRules(std::string(reinterpret_cast<const char*>(data), size),
                                          "/nonexistent/claim-rules.xml");
  if (!rules.ok()) {
    FUZZ_CHECK(!rules.status().message().empty());
    return 0;
  }
  std::set<std::string> items, categories;
  for (const claimtool::ItemDef& item : rules->items) {
    FUZZ_CHECK(items.insert(item.name).second);
    FUZZ_CHECK(!item.name.empty() && item.name.size() <= 64);
    if (item.source != claimtool::ItemSource::kPeriscope) FUZZ_CHECK(item.oid.size() >= 2);
  }
  for (const claimtool::Category& c : rules->categories) {
    FUZZ_CHECK(categories.insert(c.name).second);
    FUZZ_CHECK(!c.kinds.empty() && !c.items.empty());
    FUZZ_CHECK(!c.terms_en.empty() || !c.terms_ja.empty());
    FUZZ_CHECK(rules->FindRole(c.in_charge) != nullptr);
    for (const std::string& name : c.items) FUZZ_CHECK(rules->FindItem(name) != nullptr);
  }
  return 0;
}
