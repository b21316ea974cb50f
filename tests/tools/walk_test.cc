// periscope-walk against hand-made misbehaving agents on loopback
// (tests/support/bad_agent.h): it stops at its bounds, prints what it
// received, names why on stderr and exits 3; usage errors exit 2.
#include <sys/resource.h>

#include <chrono>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/exit_codes.h"
#include "core/snmp/sync_client.h"
#include "mib/periscope_oids.h"
#include "tests/support/bad_agent.h"
#include "tests/support/process.h"

namespace periscope::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;
using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::StartsWith;

struct WalkRun {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
  milliseconds took{0};
};

// Runs periscope-walk with `args` against 127.0.0.1:`port`, stdout and stderr
// kept apart (through sh, which execs the walk in its own process).
WalkRun RunWalk(const TempDir& dir, int port, const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"/bin/sh", "-c", "exec \"$@\" >\"$OUT\" 2>\"$ERR\"", "sh",
                                   BinaryDir() + "/tools/periscope-walk"};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.push_back("udp:127.0.0.1:" + std::to_string(port));
  auto t0 = steady_clock::now();
  CommandResult r = RunCommand(argv, {{"OUT", dir.File("out")}, {"ERR", dir.File("err")}});
  WalkRun run;
  run.took = std::chrono::duration_cast<milliseconds>(steady_clock::now() - t0);
  run.exit_code = r.exit_code;
  run.out = ReadTextFile(dir.File("out"));
  run.err = ReadTextFile(dir.File("err"));
  return run;
}

std::string Row(uint32_t n) { return snmp::OidToString(mib::Oid({mib::kObjects, n})) + " "; }

// ASan's shadow memory and quarantine multiply a process's resident set; the
// bounds below are for an uninstrumented build.
#if defined(__SANITIZE_ADDRESS__)
constexpr long kRssScale = 8;
#else
constexpr long kRssScale = 1;
#endif

// Largest resident set of any child reaped so far, in KiB.
long MaxChildRssKib() {
  rusage usage{};
  ::getrusage(RUSAGE_CHILDREN, &usage);
  return usage.ru_maxrss;
}

TEST(PeriscopeWalkTest, EndlessAgentStopsAtTheDefaultObjectCapPrintingWhatItGot) {
  TempDir dir;
  BadAgent agent(BadAgent::Mode::kEndlessRows, mib::kPeriscopeMibRoot);
  WalkRun run = RunWalk(dir, agent.port(), {});
  EXPECT_EQ(run.exit_code, kExitIncomplete) << run.err;
  EXPECT_EQ(run.err, "periscope-walk: stopped after 20000 objects (--max-objects)\n");
  EXPECT_THAT(run.out, HasSubstr("other objects"));
  EXPECT_THAT(run.out, HasSubstr(Row(1)));
  EXPECT_THAT(run.out, HasSubstr(Row(20000)));
  EXPECT_THAT(run.out, Not(HasSubstr(Row(20001))));
  // Bounded: well within the deadline, and far below what an unbounded walk
  // grows to (about 3 MB/s for as long as it runs).
  EXPECT_LT(run.took, milliseconds(30000));
  EXPECT_LT(MaxChildRssKib(), kRssScale * 64 * 1024);
}

TEST(PeriscopeWalkTest, MaxObjectsFlagSetsTheCap) {
  TempDir dir;
  BadAgent agent(BadAgent::Mode::kEndlessRows, mib::kPeriscopeMibRoot);
  WalkRun run = RunWalk(dir, agent.port(), {"--max-objects", "35"});
  EXPECT_EQ(run.exit_code, kExitIncomplete);
  EXPECT_EQ(run.err, "periscope-walk: stopped after 35 objects (--max-objects)\n");
  EXPECT_THAT(run.out, HasSubstr(Row(35)));
  EXPECT_THAT(run.out, Not(HasSubstr(Row(36))));
}

TEST(PeriscopeWalkTest, EndlessAgentStopsBeforeTheByteCap) {
  TempDir dir;
  BadAgent agent(BadAgent::Mode::kEndlessRows, mib::kPeriscopeMibRoot);
  WalkRun run = RunWalk(dir, agent.port(), {"--max-bytes", "1KiB"});  // 8 bytes per INTEGER
  EXPECT_EQ(run.exit_code, kExitIncomplete);
  EXPECT_EQ(run.err,
            "periscope-walk: stopped after 128 objects: the next would pass 1024 bytes "
            "(--max-bytes)\n");
  EXPECT_THAT(run.out, HasSubstr(Row(128)));
  EXPECT_THAT(run.out, Not(HasSubstr(Row(129))));
}

TEST(PeriscopeWalkTest, EndlessAgentStopsAtTheDeadline) {
  TempDir dir;
  BadAgent agent(BadAgent::Mode::kEndlessRows, mib::kPeriscopeMibRoot);
  WalkRun run =
      RunWalk(dir, agent.port(),
              {"--max-objects", "1000000000", "--max-bytes", "1000000000000", "--deadline-s", "1"});
  EXPECT_EQ(run.exit_code, kExitIncomplete) << run.err;
  EXPECT_THAT(run.err, StartsWith("periscope-walk: stopped after "));
  EXPECT_THAT(run.err, EndsWith(" objects: the walk took longer than 1 s (--deadline-s)\n"));
  EXPECT_THAT(run.out, HasSubstr(Row(1)));
  EXPECT_GE(run.took, milliseconds(1000));
  EXPECT_LT(run.took, milliseconds(8000));  // includes printing what it got
  EXPECT_LT(MaxChildRssKib(), kRssScale * 256 * 1024);
}

TEST(PeriscopeWalkTest, SilentAgentStopsAtTheDeadlineRatherThanAfterEveryRetry) {
  TempDir dir;
  BadAgent agent(BadAgent::Mode::kSilent, mib::kPeriscopeMibRoot);
  // Without the deadline: 3 tries of 5 s.
  WalkRun run = RunWalk(dir, agent.port(), {"-t", "5000", "--deadline-s", "0.5"});
  EXPECT_EQ(run.exit_code, kExitIncomplete);
  EXPECT_EQ(run.err,
            "periscope-walk: stopped after 0 objects: the walk took longer than 0.5 s "
            "(--deadline-s)\n");
  EXPECT_THAT(run.out, IsEmpty());
  EXPECT_LT(run.took, milliseconds(3000));
}

TEST(PeriscopeWalkTest, LoopingAgentStopsAtTheFirstRepeatedOid) {
  TempDir dir;
  BadAgent agent(BadAgent::Mode::kRepeatOid, mib::kPeriscopeMibRoot);
  WalkRun run = RunWalk(dir, agent.port(), {});
  EXPECT_EQ(run.exit_code, kExitIncomplete);
  std::string row = snmp::OidToString(mib::Oid({mib::kObjects, 1}));
  EXPECT_EQ(run.err,
            "periscope-walk: stopped after 1 objects: the agent returned an OID that does not "
            "increase, it is looping (OID not increasing: " +
                row + " after " + row + ")\n");
  EXPECT_THAT(run.out, HasSubstr(row + " "));
  EXPECT_LT(run.took, milliseconds(5000));
}

TEST(PeriscopeWalkTest, NoAnswerExitsOneNamingThePeer) {
  TempDir dir;
  BadAgent agent(BadAgent::Mode::kSilent, mib::kPeriscopeMibRoot);
  WalkRun run = RunWalk(dir, agent.port(), {"-t", "100"});
  EXPECT_EQ(run.exit_code, kExitFailure);
  EXPECT_EQ(run.err, "periscope-walk: udp:127.0.0.1:" + std::to_string(agent.port()) +
                         ": no answer after 0 objects (Timeout)\n");
  EXPECT_THAT(run.out, IsEmpty());
}

TEST(PeriscopeWalkTest, BadBoundsAreUsageErrors) {
  TempDir dir;
  BadAgent agent(BadAgent::Mode::kSilent, mib::kPeriscopeMibRoot);
  for (std::vector<std::string> args : std::vector<std::vector<std::string>>{
           {"--max-objects", "0"},
           {"--max-objects", "-5"},
           {"--max-objects", "99999999999999999999"},
           {"--max-bytes", "lots"},
           {"--max-bytes", "0"},
           {"--deadline-s", "0"},
           {"--deadline-s", "-1"},
           {"--deadline-s", "nan"},
           {"--deadline-s", "1e9"},
           {"-t", "abc"},
       }) {
    WalkRun run = RunWalk(dir, agent.port(), args);
    EXPECT_EQ(run.exit_code, kExitUsage) << args[0] << " " << args[1];
    EXPECT_THAT(run.err, HasSubstr(args[0])) << args[1];
  }
  EXPECT_EQ(agent.requests(), 0);
}

TEST(PeriscopeWalkTest, ShortPassPhraseIsNamedWithoutBeingPrinted) {
  TempDir dir;
  BadAgent agent(BadAgent::Mode::kSilent, mib::kPeriscopeMibRoot);
  WalkRun run = RunWalk(dir, agent.port(), {"-u", "ops", "-A", "s3cr", "-X", "long-enough-1"});
  EXPECT_EQ(run.exit_code, kExitFailure);
  EXPECT_THAT(run.err, HasSubstr("SNMPv3 user 'ops': cannot derive a key from the "
                                 "authentication pass phrase (at least 8 characters)"));
  EXPECT_THAT(run.err, Not(HasSubstr("s3cr")));
  EXPECT_EQ(agent.requests(), 0);
}

}  // namespace
}  // namespace periscope::testing
