// The OID constants in mib/periscope_oids.h must match mib/PERISCOPE-MIB.txt.
#include <map>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "mib/periscope_oids.h"
#include "tests/mib/mib_text.h"
#include "tests/support/process.h"

namespace periscope::mib {
namespace {

using ::periscope::testing::MibDefinition;

std::map<std::string, OidVector> ResolveMib() {
  std::string text = periscope::testing::ReadTextFile(std::string(PERISCOPE_SOURCE_DIR) +
                                                      "/mib/PERISCOPE-MIB.txt");
  std::vector<MibDefinition> defs = periscope::testing::ParseMibDefinitions(text);
  std::map<std::string, OidVector> oids = {
      {"netSnmpPlaypen", {1, 3, 6, 1, 4, 1, 8072, 9999, 9999}}};
  // Definitions may refer to later ones; iterate until nothing changes.
  bool changed = true;
  while (changed) {
    changed = false;
    for (const MibDefinition& d : defs) {
      if (oids.count(d.name) != 0) continue;
      auto parent = oids.find(d.parent);
      if (parent == oids.end()) continue;
      OidVector o = parent->second;
      o.push_back(d.subid);
      oids[d.name] = o;
      changed = true;
    }
  }
  return oids;
}

TEST(MibOidsTest, EveryConstantMatchesTheMib) {
  std::map<std::string, OidVector> mib = ResolveMib();
  ASSERT_GT(mib.size(), 40u) << "MIB parse found too little";
  for (const NamedOid& n : AllNamedOids()) {
    auto it = mib.find(std::string(n.name));
    ASSERT_NE(it, mib.end()) << n.name << " is in periscope_oids.h but not in the MIB";
    EXPECT_EQ(it->second, n.oid) << n.name;
  }
}

TEST(MibOidsTest, EveryMibObjectHasAConstant) {
  std::string text = periscope::testing::ReadTextFile(std::string(PERISCOPE_SOURCE_DIR) +
                                                      "/mib/PERISCOPE-MIB.txt");
  std::map<std::string, bool> in_code;
  for (const NamedOid& n : AllNamedOids()) in_code[std::string(n.name)] = true;
  for (const auto& d : periscope::testing::ParseMibDefinitions(text)) {
    if (d.kind != "OBJECT-TYPE" && d.kind != "NOTIFICATION-TYPE") continue;
    EXPECT_TRUE(in_code.count(d.name)) << d.name << " is in the MIB but has no constant";
  }
}

TEST(MibOidsTest, RootIsTheDocumentedPlaceholder) {
  EXPECT_EQ(kPeriscopeMibRoot, (OidVector{1, 3, 6, 1, 4, 1, 8072, 9999, 9999, 1}));
}

}  // namespace
}  // namespace periscope::mib
