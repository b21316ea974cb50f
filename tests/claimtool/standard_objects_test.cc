// The standard object table against the IETF modules: every OID, whether the
// object is a column (its parent is an ...Entry), whether its rows start with
// hrDeviceIndex, and its value type, as snmptranslate reads them from the MIB
// files. The modules are looked for in $PERISCOPE_MIB_DIR, else in
// ../shared/mibs beside the checkout; the test skips, saying so, without
// them or without snmptranslate.
#include "claimtool/standard_objects.h"

#include <sys/stat.h>

#include <cstdlib>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/support/process.h"

namespace periscope::claimtool {
namespace {

using periscope::testing::RunCommand;
using periscope::testing::TempDir;

bool Exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

std::string MibDir() {
  const char* env = std::getenv("PERISCOPE_MIB_DIR");
  if (env != nullptr && *env != '\0') return env;
  return std::string(PERISCOPE_SOURCE_DIR) + "/../shared/mibs";
}

std::string FindSnmptranslate() {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path != nullptr ? path : "/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    if (!dir.empty() && Exists(dir + "/snmptranslate")) return dir + "/snmptranslate";
  }
  return "";
}

bool ModuleFileExists(const std::string& dir, std::string_view module) {
  std::string base = dir + "/" + std::string(module);
  return Exists(base + ".txt") || Exists(base) || Exists(base + ".my");
}

std::string Dotted(const snmp::Oid& oid) {
  std::string s;
  for (uint32_t arc : oid) s += "." + std::to_string(arc);
  return s;
}

// What snmptranslate says about one object.
struct MibFacts {
  bool resolved = false;
  std::string oid;           // ".1.3.6..."
  std::string syntax;        // "Counter32", "OCTET STRING (0..255)"
  std::string parent;        // the name of the parent node, "prtMarkerEntry"
  std::string parent_index;  // the parent's INDEX or AUGMENTS clause
  std::string output;        // for failure messages
};

class Snmptranslate {
 public:
  Snmptranslate(std::string binary, std::string dir)
      : binary_(std::move(binary)), dir_(std::move(dir)) {}

  // `what` is "MODULE::name" or a bare name (searched with -IR).
  std::string Run(const std::string& flag, const std::string& what) {
    auto r =
        RunCommand({binary_, "-M", dir_, "-m", "ALL", "-IR", flag, what},
                   {{"SNMP_PERSISTENT_DIR", persist_.path()}, {"SNMPCONFPATH", persist_.path()}});
    return r.exit_code == 0 ? r.output : "";
  }

  MibFacts Describe(const std::string& what) {
    MibFacts f;
    std::string numeric = Run("-On", what);
    std::string definition = Run("-Td", what);
    f.output = numeric + definition;
    std::istringstream lines(numeric);
    std::string line;
    while (std::getline(lines, line)) {
      if (!line.empty() && line[0] == '.') f.oid = line;
    }
    if (f.oid.empty() || definition.empty()) return f;
    f.resolved = true;
    f.syntax = Field(definition, "SYNTAX");
    // "::= { iso(1) ... prtMarkerEntry(1) 4 }": the last named node.
    size_t assign = definition.rfind("::= {");
    if (assign != std::string::npos) {
      std::string path = definition.substr(assign);
      size_t paren = path.rfind('(');
      size_t start = path.rfind(' ', paren);
      if (paren != std::string::npos && start != std::string::npos) {
        f.parent = path.substr(start + 1, paren - start - 1);
      }
    }
    if (!f.parent.empty()) {
      std::string parent_definition = Run("-Td", f.parent);
      f.parent_index = Field(parent_definition, "INDEX");
      if (f.parent_index.empty()) f.parent_index = Field(parent_definition, "AUGMENTS");
    }
    return f;
  }

 private:
  // The value of a "  KEY\tvalue" line of -Td output.
  static std::string Field(const std::string& definition, const std::string& key) {
    std::istringstream lines(definition);
    std::string line;
    while (std::getline(lines, line)) {
      size_t at = line.find_first_not_of(' ');
      if (at == std::string::npos || line.compare(at, key.size(), key) != 0) continue;
      size_t end = at + key.size();
      if (end < line.size() && line[end] != '\t' && line[end] != ' ') continue;  // longer word
      size_t value = line.find_first_not_of(" \t", end);
      return value == std::string::npos ? "" : line.substr(value);
    }
    return "";
  }

  std::string binary_;
  std::string dir_;
  TempDir persist_;
};

bool IsTextSyntax(const std::string& syntax) {
  return syntax.rfind("OCTET STRING", 0) == 0 || syntax.rfind("OBJECT IDENTIFIER", 0) == 0 ||
         syntax.rfind("IpAddress", 0) == 0;
}

bool EndsWith(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

TEST(StandardObjectsTest, EveryEntryMatchesItsMibModule) {
  const std::string dir = MibDir();
  if (!ModuleFileExists(dir, "SNMPv2-SMI")) {
    GTEST_SKIP() << "no IETF MIB modules (SNMPv2-SMI) in " << dir
                 << "; set PERISCOPE_MIB_DIR to a directory holding them to check the standard "
                    "object table";
  }
  const std::string binary = FindSnmptranslate();
  if (binary.empty()) {
    GTEST_SKIP() << "snmptranslate not found in PATH (Debian package snmp); the standard object "
                    "table is not checked";
  }
  Snmptranslate translate(binary, dir);
  std::vector<std::string> unchecked;
  int checked = 0;
  for (const StandardObject& object : StandardObjects()) {
    SCOPED_TRACE(std::string(object.module) + "::" + std::string(object.name));
    const bool module_present = ModuleFileExists(dir, object.module);
    // A module superseded by one in the directory (IP-MIB's ipAddrTable is
    // RFC1213-MIB's) is found by the bare name.
    MibFacts facts = translate.Describe(module_present ? std::string(object.module) +
                                                             "::" + std::string(object.name)
                                                       : std::string(object.name));
    if (!facts.resolved) {
      if (module_present) {
        ADD_FAILURE() << "snmptranslate does not know the object:\n" << facts.output;
      } else {
        unchecked.push_back(std::string(object.name) + " (" + std::string(object.module) + ")");
      }
      continue;
    }
    ++checked;
    EXPECT_EQ(Dotted(object.oid), facts.oid);
    EXPECT_EQ(object.table, EndsWith(facts.parent, "Entry")) << "parent " << facts.parent;
    const bool device_indexed = facts.parent_index.rfind("{ hrDeviceIndex", 0) == 0;
    EXPECT_EQ(object.device_indexed, device_indexed) << "parent index " << facts.parent_index;
    EXPECT_EQ(object.type == ValueType::kText, IsTextSyntax(facts.syntax))
        << "SYNTAX " << facts.syntax;
  }
  EXPECT_GT(checked, 0);
  if (!unchecked.empty()) {
    std::string list;
    for (const std::string& u : unchecked) list += " " + u;
    // Not a failure: the modules are not in the directory. Said on the log.
    std::cerr << "note: checked " << checked << " objects; not checked, their module is not in "
              << dir << ":" << list << "\n";
    ::testing::Test::RecordProperty("unchecked", list);
  }
}

TEST(StandardObjectsTest, TableIsSortedByNameWithUniqueNames) {
  const std::vector<StandardObject>& table = StandardObjects();
  ASSERT_FALSE(table.empty());
  for (size_t i = 1; i < table.size(); ++i) {
    EXPECT_LT(table[i - 1].name, table[i].name) << "at " << i;
  }
}

TEST(StandardObjectsTest, HoldsTheObjectsTheShippedRulesNeed) {
  const std::vector<std::string_view> needed = {"sysDescr",
                                                "sysObjectID",
                                                "sysUpTime",
                                                "sysContact",
                                                "sysName",
                                                "sysLocation",
                                                "ifDescr",
                                                "ifType",
                                                "ifMtu",
                                                "ifSpeed",
                                                "ifPhysAddress",
                                                "ifAdminStatus",
                                                "ifOperStatus",
                                                "ifInErrors",
                                                "ifOutErrors",
                                                "ifInDiscards",
                                                "ifName",
                                                "ifHighSpeed",
                                                "ipAdEntAddr",
                                                "ipAdEntIfIndex",
                                                "ipAdEntNetMask",
                                                "dot3StatsDuplexStatus",
                                                "hrDeviceDescr",
                                                "hrDeviceStatus",
                                                "hrDeviceErrors",
                                                "hrStorageDescr",
                                                "hrStorageSize",
                                                "hrStorageUsed",
                                                "hrProcessorLoad",
                                                "prtGeneralSerialNumber",
                                                "prtMarkerLifeCount",
                                                "prtMarkerPowerOnCount",
                                                "prtMarkerSuppliesDescription",
                                                "prtMarkerSuppliesLevel",
                                                "prtMarkerSuppliesMaxCapacity",
                                                "prtInputName",
                                                "prtInputCurrentLevel",
                                                "prtInputMaxCapacity",
                                                "prtAlertSeverityLevel",
                                                "prtAlertGroup",
                                                "prtAlertCode",
                                                "prtAlertDescription",
                                                "prtConsoleDisplayBufferText",
                                                "entPhysicalModelName",
                                                "entPhysicalSerialNum",
                                                "entPhysicalFirmwareRev",
                                                "entPhysicalSoftwareRev"};
  for (std::string_view name : needed) {
    EXPECT_NE(FindStandardObject(name), nullptr) << name;
  }
}

TEST(StandardObjectsTest, FindsKnownNamesAndMissesOthers) {
  const StandardObject* life = FindStandardObject("prtMarkerLifeCount");
  ASSERT_NE(life, nullptr);
  EXPECT_EQ(life->name, "prtMarkerLifeCount");
  EXPECT_EQ(life->module, "Printer-MIB");
  // First and last entries are found too (binary search bounds).
  const std::vector<StandardObject>& table = StandardObjects();
  EXPECT_EQ(FindStandardObject(table.front().name), &table.front());
  EXPECT_EQ(FindStandardObject(table.back().name), &table.back());
  EXPECT_EQ(FindStandardObject("prtmarkerlifecount"), nullptr);  // case-sensitive
  EXPECT_EQ(FindStandardObject("prtMarkerLife"), nullptr);       // no prefix match
  EXPECT_EQ(FindStandardObject("zzz"), nullptr);
  EXPECT_EQ(FindStandardObject("aaa"), nullptr);
  EXPECT_EQ(FindStandardObject(""), nullptr);
}

}  // namespace
}  // namespace periscope::claimtool
