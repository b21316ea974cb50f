// Lints mib/PERISCOPE-MIB.txt with smilint -l 6 and loads it with snmptranslate.
// Both need the IETF base modules (SNMPv2-SMI ...), which Debian does not ship:
// the test looks in ../shared/mibs beside the checkout and in
// /usr/share/snmp/mibs/ietf, and skips with a message when neither has them.
#include <sys/stat.h>

#include <gtest/gtest.h>

#include "mib/periscope_oids.h"
#include "tests/support/process.h"

namespace periscope::mib {
namespace {

using periscope::testing::RunCommand;

bool Exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

std::string BaseMibDir() {
  const char* env = std::getenv("PERISCOPE_BASE_MIBS");
  std::vector<std::string> candidates;
  if (env != nullptr && *env != '\0') candidates.emplace_back(env);
  candidates.push_back(std::string(PERISCOPE_SOURCE_DIR) + "/../shared/mibs");
  candidates.emplace_back("/usr/share/snmp/mibs/ietf");
  for (const std::string& dir : candidates) {
    if (Exists(dir + "/SNMPv2-SMI.txt") || Exists(dir + "/SNMPv2-SMI")) return dir;
  }
  return "";
}

std::string MibPath() { return std::string(PERISCOPE_SOURCE_DIR) + "/mib/PERISCOPE-MIB.txt"; }

TEST(MibLintTest, SmilintLevel6ReportsNothing) {
  std::string base = BaseMibDir();
  if (base.empty()) {
    GTEST_SKIP() << "no IETF base MIBs (SNMPv2-SMI) in ../shared/mibs or /usr/share/snmp/mibs/ietf;"
                    " set PERISCOPE_BASE_MIBS to lint PERISCOPE-MIB";
  }
  if (!Exists("/usr/bin/smilint")) GTEST_SKIP() << "smilint not installed (package smitools)";
  auto r = RunCommand({"smilint", "-l", "6", "-s", MibPath()},
                      {{"SMIPATH", base + ":/usr/share/snmp/mibs"}});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, "") << "smilint -l 6 reported:\n" << r.output;
}

TEST(MibLintTest, SnmptranslateResolvesObjectsToTheCodesOids) {
  std::string base = BaseMibDir();
  if (base.empty()) GTEST_SKIP() << "no IETF base MIBs found; see SmilintLevel6ReportsNothing";
  std::string persist = ::testing::TempDir() + "/snmp-persist";
  ::mkdir(persist.c_str(), 0700);
  ::mkdir((persist + "/cert_indexes").c_str(), 0700);
  std::string mibdirs =
      base + ":/usr/share/snmp/mibs:" + std::string(PERISCOPE_SOURCE_DIR) + "/mib";
  for (const NamedOid& n : AllNamedOids()) {
    auto r = RunCommand({"snmptranslate", "-M", mibdirs, "-m", "PERISCOPE-MIB", "-On",
                         "PERISCOPE-MIB::" + std::string(n.name)},
                        {{"SNMP_PERSISTENT_DIR", persist}});
    std::string expected;
    for (uint32_t s : n.oid) expected += "." + std::to_string(s);
    EXPECT_EQ(r.output, expected + "\n") << n.name;
  }
}

}  // namespace
}  // namespace periscope::mib
