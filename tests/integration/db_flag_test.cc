// Every tool takes its store as --db (an SQLite file or a postgresql:// URI),
// keeps a URI a URI (never a file path, never a file to check), and refuses a
// password on its command line or in its config with exit status 2.
#include <sys/stat.h>

#include <filesystem>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/process.h"

namespace periscope::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kSecret = "s3cret-pw";

struct Tool {
  std::string binary;
  std::vector<std::string> command;  // one that opens the store
};

std::vector<Tool> Tools() {
  const std::string bin = BinaryDir();
  return {
      {bin + "/store/periscope-store", {"list", "staff"}},
      {bin + "/reports/periscope-report", {"proposals"}},
      {bin + "/claimtool/periscope-claim", {"list"}},
      {bin + "/portal/periscope-portal", {"deliver"}},
  };
}

CommandResult RunTool(const Tool& tool, const std::string& db) {
  std::vector<std::string> argv = {tool.binary, "--db", db};
  argv.insert(argv.end(), tool.command.begin(), tool.command.end());
  return RunCommand(argv);
}

TEST(DbFlagTest, APasswordInTheUriOnTheCommandLineIsRefusedWithExitTwo) {
  TempDir dir;
  for (const std::string& uri :
       {std::string("postgresql://periscope:") + kSecret + "@127.0.0.1:1/periscope",
        std::string("postgresql:///periscope?host=") + dir.path() + "&password=" + kSecret}) {
    for (const Tool& tool : Tools()) {
      CommandResult r = RunTool(tool, uri);
      EXPECT_EQ(r.exit_code, 2) << tool.binary << ": " << r.output;
      EXPECT_THAT(r.output, HasSubstr("--db: postgresql://")) << tool.binary;
      EXPECT_THAT(r.output, HasSubstr("~/.pgpass")) << tool.binary;
      EXPECT_THAT(r.output, HasSubstr("PGPASSFILE")) << tool.binary;
      EXPECT_THAT(r.output, Not(HasSubstr(kSecret))) << tool.binary;
    }
  }
  CommandResult copy = RunCommand(
      {BinaryDir() + "/store/periscope-store", "copy", "--from", dir.File("a.db"), "--to",
       std::string("postgresql://periscope:") + kSecret + "@127.0.0.1:1/periscope"});
  EXPECT_EQ(copy.exit_code, 2) << copy.output;
  EXPECT_THAT(copy.output, HasSubstr("--to: postgresql://periscope:***@127.0.0.1:1/periscope"));
  EXPECT_THAT(copy.output, Not(HasSubstr(kSecret)));
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

TEST(DbFlagTest, APasswordInAConfigIsRefusedNamingTheFileAndField) {
  TempDir dir;
  const std::string uri =
      std::string("postgresql://periscope:") + kSecret + "@127.0.0.1:1/periscope";
  const std::vector<std::pair<std::string, std::string>> tools = {
      {BinaryDir() + "/reports/periscope-report", "periscope-report"},
      {BinaryDir() + "/claimtool/periscope-claim", "periscope-claim"},
      {BinaryDir() + "/portal/periscope-portal", "periscope-portal"},
  };
  const std::vector<std::string> commands = {"proposals", "list", "deliver"};
  for (size_t i = 0; i < tools.size(); ++i) {
    const std::string config = dir.File(tools[i].second + ".xml");
    WriteTextFile(config, "<" + tools[i].second + ">\n  <database path=\"" + uri + "\"/>\n</" +
                              tools[i].second + ">\n");
    ::chmod(config.c_str(), 0600);
    CommandResult r = RunCommand({tools[i].first, "-c", config, commands[i]});
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_THAT(r.output, HasSubstr(config + ":2:")) << r.output;
    EXPECT_THAT(r.output, HasSubstr("<database path>")) << r.output;
    EXPECT_THAT(r.output, HasSubstr("~/.pgpass")) << r.output;
    EXPECT_THAT(r.output, Not(HasSubstr(kSecret))) << r.output;
  }
}

TEST(DbFlagTest, AUriIsConnectedToNeverTakenForAFile) {
  TempDir dir;
  TempDir cwd;
  // Nothing listens on this socket directory: every tool fails to connect,
  // names the URI, and creates no file (not in the socket directory, not in
  // its working directory).
  const std::string uri = "postgresql:///periscope?host=" + dir.path() + "&port=1";
  // The portal needs its report config (for the catalog) before it opens the
  // store.
  TempDir configs;
  WriteTextFile(configs.File("report.xml"), "<periscope-report><catalog path=\"" + SourceDir() +
                                                "/etc/catalog.xml\"/></periscope-report>\n");
  WriteTextFile(configs.File("portal.xml"),
                "<periscope-portal><report config=\"report.xml\"/></periscope-portal>\n");
  ::chmod(configs.File("portal.xml").c_str(), 0600);
  for (const Tool& tool : Tools()) {
    std::vector<std::string> argv = {"/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", cwd.path(),
                                     tool.binary};
    if (tool.binary.ends_with("periscope-portal")) {
      argv.insert(argv.end(), {"-c", configs.File("portal.xml")});
    }
    argv.insert(argv.end(), {"--db", uri});
    argv.insert(argv.end(), tool.command.begin(), tool.command.end());
    CommandResult r = RunCommand(argv);
    EXPECT_EQ(r.exit_code, 1) << tool.binary << ": " << r.output;
    EXPECT_THAT(r.output, HasSubstr(uri + ": cannot connect to PostgreSQL")) << tool.binary;
    EXPECT_TRUE(std::filesystem::is_empty(dir.path())) << tool.binary;
    EXPECT_TRUE(std::filesystem::is_empty(cwd.path())) << tool.binary;
  }
}

TEST(DbFlagTest, ThePollerRefusesAPasswordAndNamesAnUnreachableUriWritingNothing) {
  TempDir dir;
  TempDir cwd;
  const std::string poller = BinaryDir() + "/poller/periscope-poller";
  const std::string config = dir.File("poller.xml");
  auto write_config = [&](const std::string& database) {
    WriteTextFile(config, "<periscope-poller>\n  <database path=\"" + database +
                              "\"/>\n  <profile name=\"v2\" version=\"2c\" "
                              "community=\"public\"/>\n</periscope-poller>\n");
    ::chmod(config.c_str(), 0600);
  };
  write_config(dir.File("unused.db"));
  CommandResult flag =
      RunCommand({poller, "-c", config, "--db",
                  std::string("postgresql://periscope:") + kSecret + "@127.0.0.1:1/periscope"});
  EXPECT_EQ(flag.exit_code, 2) << flag.output;
  EXPECT_THAT(flag.output, HasSubstr("--db: postgresql://periscope:***@"));
  EXPECT_THAT(flag.output, HasSubstr("~/.pgpass"));
  EXPECT_THAT(flag.output, Not(HasSubstr(kSecret)));

  write_config(std::string("postgresql://periscope:") + kSecret + "@127.0.0.1:1/periscope");
  CommandResult in_config = RunCommand({poller, "-c", config});
  EXPECT_EQ(in_config.exit_code, 2) << in_config.output;
  EXPECT_THAT(in_config.output, HasSubstr(config + ":2:"));
  EXPECT_THAT(in_config.output, HasSubstr("<database path>"));
  EXPECT_THAT(in_config.output, Not(HasSubstr(kSecret)));

  // PostgreSQL unreachable at start: exit 1 (an unusable database), the URI
  // named, no lock file or anything else written.
  const std::string uri = "postgresql:///periscope?host=" + cwd.path() + "&amp;port=1";
  write_config(uri);
  CommandResult unreachable =
      RunCommand({"/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", cwd.path(), poller, "-c", config});
  EXPECT_EQ(unreachable.exit_code, 1) << unreachable.output;
  EXPECT_THAT(unreachable.output, HasSubstr("postgresql:///periscope?host=" + cwd.path() +
                                            "&port=1: cannot connect to PostgreSQL"));
  EXPECT_TRUE(std::filesystem::is_empty(cwd.path()));
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()),
                          std::filesystem::directory_iterator()),
            1);  // the config only
}

}  // namespace
}  // namespace periscope::testing
