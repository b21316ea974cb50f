// The throwaway PostgreSQL cluster used by the PostgreSQL store tests.
#include "tests/support/pg_cluster.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/unique_fd.h"
#include "tests/support/process.h"

namespace periscope::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// psql (as this process's user) against `uri`, with `env` added.
CommandResult RunPsql(const std::string& uri, const std::string& sql,
                      std::map<std::string, std::string> env = {}) {
  env.emplace("PGPASSWORD", "");  // never inherited from the caller
  return RunCommand(
      {"psql", "-X", "-A", "-t", "-q", "-w", "-v", "ON_ERROR_STOP=1", "-d", uri, "-c", sql}, env);
}

std::string Trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

bool ProcessLives(pid_t pid) {
  std::string stat = ReadTextFile("/proc/" + std::to_string(pid) + "/stat");
  if (stat.empty()) return false;
  size_t paren = stat.rfind(')');
  return paren != std::string::npos && paren + 2 < stat.size() && stat[paren + 2] != 'Z';
}

// Live processes whose parent is `parent` or whose command line mentions
// `needle`.
std::vector<pid_t> ProcessesOf(pid_t parent, const std::string& needle) {
  std::vector<pid_t> found;
  DIR* dir = ::opendir("/proc");
  if (dir == nullptr) return found;
  while (dirent* e = ::readdir(dir)) {
    char* end = nullptr;
    long pid = std::strtol(e->d_name, &end, 10);
    if (end == e->d_name || *end != '\0' || pid <= 0) continue;
    std::string base = std::string("/proc/") + e->d_name;
    std::string stat = ReadTextFile(base + "/stat");
    size_t paren = stat.rfind(')');
    if (paren == std::string::npos || paren + 2 >= stat.size() || stat[paren + 2] == 'Z') continue;
    long ppid = std::strtol(stat.c_str() + paren + 4, nullptr, 10);
    std::string cmdline = ReadTextFile(base + "/cmdline");
    for (char& c : cmdline) {
      if (c == '\0') c = ' ';
    }
    if (ppid == parent || cmdline.find(needle) != std::string::npos) {
      found.push_back(static_cast<pid_t>(pid));
    }
  }
  ::closedir(dir);
  return found;
}

// True when something accepts TCP connections on 127.0.0.1:port.
bool TcpListenerOn(int port) {
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  return ::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
}

TEST(PgClusterTest, StartsAServerAnsweringOnlyOnItsUnixSocket) {
  auto started = std::chrono::steady_clock::now();
  PERISCOPE_PG_CLUSTER_OR_SKIP(cluster);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                  started);
  std::printf("cluster start: %lld ms\n", static_cast<long long>(ms.count()));
  RecordProperty("cluster_start_ms", std::to_string(ms.count()));

  std::string error;
  ASSERT_TRUE(cluster->CreateDatabase("periscope", &error)) << error;
  bool ok = false;
  EXPECT_EQ(cluster->Psql("periscope", "SELECT 1+1", &ok, &error), "2");
  EXPECT_TRUE(ok) << error;
  EXPECT_EQ(cluster->Uri(), "postgresql:///periscope?host=" + cluster->socket_dir() +
                                "&port=" + std::to_string(cluster->port()) + "&user=postgres");
  EXPECT_EQ(Trimmed(RunPsql(cluster->Uri(), "SELECT current_database()").output), "periscope");

  struct stat st {};
  std::string socket = cluster->socket_dir() + "/.s.PGSQL." + std::to_string(cluster->port());
  ASSERT_EQ(::stat(socket.c_str(), &st), 0) << socket;
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(cluster->socket_dir().rfind(cluster->base_dir(), 0), 0u);
  EXPECT_EQ(cluster->data_dir().rfind(cluster->base_dir(), 0), 0u);

  EXPECT_FALSE(TcpListenerOn(cluster->port()));
  CommandResult tcp = RunPsql("postgresql://postgres@127.0.0.1:" + std::to_string(cluster->port()) +
                                  "/periscope?connect_timeout=5",
                              "SELECT 1");
  EXPECT_NE(tcp.exit_code, 0) << tcp.output;

  EXPECT_EQ(cluster->Psql("postgres",
                          "SELECT current_setting('listen_addresses') || ',' || "
                          "current_setting('fsync') || ',' || "
                          "current_setting('synchronous_commit') || ',' || "
                          "current_setting('full_page_writes') || ',' || "
                          "current_setting('data_directory') || ',' || "
                          "current_setting('server_version_num')::int / 10000"),
            ",off,off,off," + cluster->data_dir() + ",15");

  pid_t pid = cluster->ServerPid();
  ASSERT_GT(pid, 0);
  if (::geteuid() == 0) {
    std::string status = ReadTextFile("/proc/" + std::to_string(pid) + "/status");
    std::string uid_line = status.substr(status.find("Uid:"));
    uid_line = uid_line.substr(0, uid_line.find('\n'));
    EXPECT_EQ(RunCommand({"id", "-u", "postgres"}).output,
              std::to_string(std::strtol(uid_line.c_str() + 4, nullptr, 10)) + "\n")
        << uid_line;
  }
  EXPECT_THAT(cluster->LogTail(), Not(HasSubstr("FATAL")));
}

TEST(PgClusterTest, CreateDatabaseRefusesAnExistingName) {
  PERISCOPE_PG_CLUSTER_OR_SKIP(cluster);
  std::string error;
  ASSERT_TRUE(cluster->CreateDatabase("twice", &error)) << error;
  EXPECT_FALSE(cluster->CreateDatabase("twice", &error));
  EXPECT_THAT(error, HasSubstr("already exists"));
}

TEST(PgClusterTest, PsqlStopsAtTheFirstErrorAndReportsIt) {
  PERISCOPE_PG_CLUSTER_OR_SKIP(cluster);
  bool ok = true;
  std::string error;
  std::string out =
      cluster->Psql("postgres", "SELECT 'first';\nSELEC 2;\nSELECT 'third';", &ok, &error);
  EXPECT_FALSE(ok);
  EXPECT_THAT(error, HasSubstr("syntax error"));
  EXPECT_EQ(out, "first");

  EXPECT_EQ(cluster->Psql("postgres", "SELECT g, g * 2 FROM generate_series(1, 3) g", &ok),
            "1|2\n2|4\n3|6");
  EXPECT_TRUE(ok);
}

TEST(PgClusterTest, RestartFastKeepsCommittedData) {
  PERISCOPE_PG_CLUSTER_OR_SKIP(cluster);
  std::string error;
  ASSERT_TRUE(cluster->CreateDatabase("periscope", &error)) << error;
  bool ok = false;
  cluster->Psql("periscope", "CREATE TABLE kept (v text); INSERT INTO kept VALUES ('a'), ('b');",
                &ok, &error);
  ASSERT_TRUE(ok) << error;
  pid_t before = cluster->ServerPid();

  ASSERT_TRUE(cluster->RestartFast(&error)) << error;
  pid_t after = cluster->ServerPid();
  EXPECT_GT(after, 0);
  EXPECT_NE(after, before);
  EXPECT_FALSE(ProcessLives(before));
  EXPECT_EQ(
      cluster->Psql("periscope", "SELECT string_agg(v, ',' ORDER BY v) FROM kept", &ok, &error),
      "a,b");
  EXPECT_TRUE(ok) << error;
}

TEST(PgClusterTest, StopMakesTheServerUnreachableAndStartAgainBringsItBack) {
  PERISCOPE_PG_CLUSTER_OR_SKIP(cluster);
  std::string error;
  bool ok = false;
  cluster->Psql("postgres", "CREATE TABLE survivor (n int); INSERT INTO survivor VALUES (7);", &ok,
                &error);
  ASSERT_TRUE(ok) << error;
  pid_t pid = cluster->ServerPid();

  ASSERT_TRUE(cluster->Stop());
  EXPECT_EQ(cluster->ServerPid(), -1);
  EXPECT_FALSE(ProcessLives(pid));
  cluster->Psql("postgres", "SELECT 1", &ok, &error);
  EXPECT_FALSE(ok);
  EXPECT_THAT(error, HasSubstr(cluster->socket_dir()));
  EXPECT_NE(RunPsql(cluster->Uri("postgres"), "SELECT 1").exit_code, 0);

  ASSERT_TRUE(cluster->StartAgain(&error)) << error;
  EXPECT_EQ(cluster->Psql("postgres", "SELECT n FROM survivor", &ok, &error), "7");
  EXPECT_TRUE(ok) << error;
}

TEST(PgClusterTest, RoleWithPasswordConnectsOnlyWithThatPassword) {
  PERISCOPE_PG_CLUSTER_OR_SKIP(cluster);
  std::string error;
  const std::string password = "s3cr'et:pw";
  ASSERT_TRUE(cluster->CreateRoleWithPassword("app", password, "appdb", &error)) << error;
  EXPECT_EQ(cluster->Psql("postgres",
                          "SELECT r.rolname || ',' || (a.rolpassword LIKE 'SCRAM-SHA-256$%') "
                          "FROM pg_database d JOIN pg_roles r ON r.oid = d.datdba "
                          "JOIN pg_authid a ON a.oid = r.oid WHERE d.datname = 'appdb'"),
            "app,true");

  TempDir dir;
  // ~/.pgpass format: ':' and '\' in fields are escaped with '\'.
  auto write_pgpass = [&](const std::string& file, const std::string& pw) {
    std::string escaped;
    for (char c : pw) {
      if (c == ':' || c == '\\') escaped += '\\';
      escaped += c;
    }
    WriteTextFile(file, cluster->socket_dir() + ":" + std::to_string(cluster->port()) +
                            ":appdb:app:" + escaped + "\n");
    ::chmod(file.c_str(), 0600);  // libpq ignores a group- or world-readable file
  };
  write_pgpass(dir.File("right"), password);
  write_pgpass(dir.File("wrong"), "not-the-password");
  const std::string uri = cluster->UserUri("app", "appdb");

  CommandResult right = RunPsql(uri, "CREATE TABLE mine (x int); SELECT current_user",
                                {{"PGPASSFILE", dir.File("right")}});
  EXPECT_EQ(right.exit_code, 0) << right.output;
  EXPECT_EQ(Trimmed(right.output), "app");

  CommandResult wrong = RunPsql(uri, "SELECT 1", {{"PGPASSFILE", dir.File("wrong")}});
  EXPECT_NE(wrong.exit_code, 0);
  EXPECT_THAT(wrong.output, HasSubstr("password authentication failed"));

  CommandResult none = RunPsql(uri, "SELECT 1", {{"PGPASSFILE", dir.File("missing")}});
  EXPECT_NE(none.exit_code, 0);
  EXPECT_THAT(none.output, HasSubstr("no password supplied"));

  // An existing database changes owner.
  ASSERT_TRUE(cluster->CreateDatabase("existing", &error)) << error;
  ASSERT_TRUE(cluster->CreateRoleWithPassword("other", "pw2", "existing", &error)) << error;
  EXPECT_EQ(cluster->Psql("postgres",
                          "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = "
                          "'existing'"),
            "other");
}

TEST(PgClusterTest, DestructorStopsTheServerAndRemovesItsDirectory) {
  PERISCOPE_PG_CLUSTER_OR_SKIP(cluster);
  std::string base = cluster->base_dir(), data = cluster->data_dir();
  pid_t pid = cluster->ServerPid();
  ASSERT_GT(pid, 0);
  std::vector<pid_t> processes = ProcessesOf(pid, data);
  ASSERT_GE(processes.size(), 2u);  // the postmaster and its auxiliary processes
  ASSERT_TRUE(std::filesystem::exists(base));

  cluster.reset();
  EXPECT_FALSE(std::filesystem::exists(base));
  EXPECT_FALSE(ProcessLives(pid));
  for (pid_t p : processes) EXPECT_FALSE(ProcessLives(p)) << "pid " << p;
  EXPECT_TRUE(ProcessesOf(pid, data).empty());
}

TEST(PgClusterTest, SharedClusterIsStartedOnceAndFreshDatabasesAreDistinct) {
  PERISCOPE_SHARED_PG_CLUSTER_OR_SKIP(shared);
  std::string skip, error;
  EXPECT_EQ(SharedPgCluster(&skip, &error), shared);
  pid_t pid = shared->ServerPid();

  std::string a = FreshDatabase(*shared), b = FreshDatabase(*shared);
  ASSERT_FALSE(a.empty());
  ASSERT_FALSE(b.empty());
  EXPECT_NE(a, b);
  bool ok = false;
  shared->Psql(a, "CREATE TABLE only_in_a (x int)", &ok, &error);
  ASSERT_TRUE(ok) << error;
  EXPECT_EQ(shared->Psql(a, "SELECT count(*) FROM pg_tables WHERE tablename = 'only_in_a'"), "1");
  EXPECT_EQ(shared->Psql(b, "SELECT count(*) FROM pg_tables WHERE tablename = 'only_in_a'"), "0");
  EXPECT_EQ(shared->ServerPid(), pid);
}

}  // namespace
}  // namespace periscope::testing
