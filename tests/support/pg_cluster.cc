#include "tests/support/pg_cluster.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>
#include <vector>

#include "core/unique_fd.h"
#include "tests/support/process.h"

extern char** environ;

namespace periscope::testing {
namespace {

constexpr char kDebianBinDir[] = "/usr/lib/postgresql/15/bin";
constexpr std::chrono::seconds kCommandTimeout(120);

struct RunResult {
  int exit_code = -1;  // -1: not started, killed on timeout or by a signal
  std::string out, err;
};

// Who a child runs as: the current user (uid unset) or the server account.
struct RunAs {
  bool switch_user = false;
  uid_t uid = 0;
  gid_t gid = 0;
  std::string home;
};

bool IsExecutable(const std::string& path) { return ::access(path.c_str(), X_OK) == 0; }

// The environment for a child: ours without any PG* variable (libpq and the
// server tools read many), plus `extra` ("NAME=value").
std::vector<std::string> ChildEnvironment(const std::vector<std::string>& extra) {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string entry(*e);
    if (entry.rfind("PG", 0) == 0) continue;
    std::string name = entry.substr(0, entry.find('='));
    bool overridden = false;
    for (const auto& x : extra) overridden |= x.substr(0, x.find('=')) == name;
    if (!overridden) env.push_back(std::move(entry));
  }
  env.insert(env.end(), extra.begin(), extra.end());
  return env;
}

// A temp file opened for writing and removed (by name) at once; the
// descriptor stays usable.
UniqueFd AnonymousFile() {
  char path[] = "/tmp/periscope-pgout-XXXXXX";
  UniqueFd fd(::mkstemp(path));
  if (fd.valid()) ::unlink(path);
  return fd;
}

std::string ReadAll(int fd) {
  std::string data;
  ::lseek(fd, 0, SEEK_SET);
  char buf[8192];
  while (true) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    data.append(buf, static_cast<size_t>(n));
  }
  return data;
}

// Runs argv[0] (looked up in PATH when not a path) to completion with stdin
// from /dev/null, in `cwd`, as `as`, with `extra_env`; kills it after
// kCommandTimeout.
RunResult Run(const std::vector<std::string>& argv, const RunAs& as, const std::string& cwd,
              const std::vector<std::string>& extra_env) {
  RunResult result;
  UniqueFd out = AnonymousFile(), err = AnonymousFile();
  UniqueFd in(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  if (!out.valid() || !err.valid() || !in.valid()) {
    result.err = "cannot create temp files for a child's output";
    return result;
  }
  // Everything the child needs is prepared before fork (no allocation after).
  std::vector<std::string> env = ChildEnvironment(extra_env);
  std::vector<char*> envp, args;
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::vector<std::string> argv_copy = argv;
  for (auto& a : argv_copy) args.push_back(a.data());
  args.push_back(nullptr);

  pid_t pid = ::fork();
  if (pid < 0) {
    result.err = std::string("fork: ") + std::strerror(errno);
    return result;
  }
  if (pid == 0) {
    ::dup2(in.get(), 0);
    ::dup2(out.get(), 1);
    ::dup2(err.get(), 2);
    if (as.switch_user) {
      gid_t groups[] = {as.gid};
      if (::setgroups(1, groups) != 0 || ::setgid(as.gid) != 0 || ::setuid(as.uid) != 0) {
        std::fprintf(stderr, "cannot switch to uid %u: %s\n", static_cast<unsigned>(as.uid),
                     std::strerror(errno));
        ::_exit(126);
      }
    }
    if (!cwd.empty() && ::chdir(cwd.c_str()) != 0) {
      std::fprintf(stderr, "chdir %s: %s\n", cwd.c_str(), std::strerror(errno));
      ::_exit(126);
    }
    ::execvpe(args[0], args.data(), envp.data());
    std::fprintf(stderr, "exec %s: %s\n", args[0], std::strerror(errno));
    ::_exit(127);
  }
  auto deadline = std::chrono::steady_clock::now() + kCommandTimeout;
  auto pause = std::chrono::milliseconds(1);
  int status = 0;
  bool timed_out = false;
  while (::waitpid(pid, &status, WNOHANG) != pid) {
    if (std::chrono::steady_clock::now() >= deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      timed_out = true;
      break;
    }
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(20));
  }
  result.exit_code = !timed_out && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  result.out = ReadAll(out.get());
  result.err = ReadAll(err.get());
  if (timed_out) result.err += "\n(killed after " + std::to_string(kCommandTimeout.count()) + " s)";
  return result;
}

std::string Describe(const std::string& what, const RunResult& r) {
  std::string text = what + " failed (exit " + std::to_string(r.exit_code) + ")";
  std::string output = r.out + r.err;
  while (!output.empty() && output.back() == '\n') output.pop_back();
  if (!output.empty()) text += ": " + output;
  return text;
}

std::string QuoteIdent(const std::string& name) {
  std::string quoted = "\"";
  for (char c : name) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

// A string literal for standard_conforming_strings = on (the default).
std::string QuoteLiteral(const std::string& value) {
  std::string quoted = "'";
  for (char c : value) {
    if (c == '\'') quoted += '\'';
    quoted += c;
  }
  return quoted + "'";
}

// A TCP port on 127.0.0.1 that was free a moment ago, never the same twice in
// this process.
int FreePortNumber() {
  static std::mutex mu;
  static std::set<int> given;
  std::lock_guard<std::mutex> lock(mu);
  for (int attempt = 0; attempt < 100; ++attempt) {
    UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (!fd.valid() || ::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      continue;
    }
    socklen_t len = sizeof addr;
    ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&addr), &len);
    int port = ntohs(addr.sin_port);
    if (given.insert(port).second) return port;
  }
  return 0;
}

// Where server binaries are: the Debian PostgreSQL 15 directory, else
// `pg_config --bindir`; "" when neither has postgres, initdb and pg_ctl.
std::string FindServerBinDir() {
  auto complete = [](const std::string& dir) {
    return IsExecutable(dir + "/postgres") && IsExecutable(dir + "/initdb") &&
           IsExecutable(dir + "/pg_ctl");
  };
  if (complete(kDebianBinDir)) return kDebianBinDir;
  RunResult r = Run({"pg_config", "--bindir"}, RunAs{}, "", {});
  std::string dir = r.out;
  while (!dir.empty() && (dir.back() == '\n' || dir.back() == '\r')) dir.pop_back();
  if (r.exit_code == 0 && !dir.empty() && complete(dir)) return dir;
  return "";
}

// A base directory that leaves room for "/socket/.s.PGSQL.65535" in a unix
// socket path (108 bytes). Root uses /tmp (world-traversable, so the server
// account reaches it); others $TMPDIR when short enough.
std::string BaseDirTemplate(bool root) {
  std::string base = "/tmp";
  const char* tmpdir = std::getenv("TMPDIR");
  if (!root && tmpdir != nullptr && *tmpdir != '\0' && std::strlen(tmpdir) < 60) base = tmpdir;
  return base + "/periscope-pg-XXXXXX";
}

bool ProcessAlive(pid_t pid) {
  if (pid <= 0) return false;
  std::string stat = ReadTextFile("/proc/" + std::to_string(pid) + "/stat");
  if (stat.empty()) return ::kill(pid, 0) == 0;
  size_t paren = stat.rfind(')');
  return paren != std::string::npos && paren + 2 < stat.size() && stat[paren + 2] != 'Z';
}

}  // namespace

std::unique_ptr<PgCluster> PgCluster::Start(std::string* skip_reason, std::string* error) {
  skip_reason->clear();
  error->clear();
  std::string bin_dir = FindServerBinDir();
  if (bin_dir.empty()) {
    *skip_reason = std::string("no PostgreSQL server binaries (") + kDebianBinDir +
                   "/postgres, initdb, pg_ctl; nor in `pg_config --bindir`)";
    return nullptr;
  }
  bool root = ::geteuid() == 0;
  std::unique_ptr<PgCluster> cluster(new PgCluster());
  cluster->bin_dir_ = bin_dir;
  cluster->psql_ = IsExecutable(bin_dir + "/psql") ? bin_dir + "/psql" : "psql";
  if (root) {
    struct passwd* pw = ::getpwnam("postgres");
    if (pw == nullptr) {
      *skip_reason = "running as root and there is no user postgres to run the server";
      return nullptr;
    }
    cluster->run_as_postgres_ = true;
    cluster->server_uid_ = pw->pw_uid;
    cluster->server_gid_ = pw->pw_gid;
    cluster->server_home_ = pw->pw_dir != nullptr ? pw->pw_dir : "/";
  }

  std::string templ = BaseDirTemplate(root);
  std::vector<char> buf(templ.begin(), templ.end());
  buf.push_back('\0');
  if (::mkdtemp(buf.data()) == nullptr) {
    *error = "mkdtemp " + templ + ": " + std::strerror(errno);
    return nullptr;
  }
  // From here the destructor removes the directory (and any server).
  cluster->base_dir_ = buf.data();
  cluster->data_dir_ = cluster->base_dir_ + "/data";
  cluster->socket_dir_ = cluster->base_dir_ + "/socket";
  cluster->log_path_ = cluster->base_dir_ + "/server.log";
  cluster->port_ = FreePortNumber();
  if (cluster->port_ == 0) {
    *error = "no free port number on 127.0.0.1";
    return nullptr;
  }
  if (::mkdir(cluster->socket_dir_.c_str(), 0755) != 0 ||
      ::chmod(cluster->base_dir_.c_str(), 0755) != 0) {
    *error = "mkdir " + cluster->socket_dir_ + ": " + std::strerror(errno);
    return nullptr;
  }
  if (root) {
    for (const std::string& dir : {cluster->base_dir_, cluster->socket_dir_}) {
      if (::chown(dir.c_str(), cluster->server_uid_, cluster->server_gid_) != 0) {
        *error = "chown " + dir + " to postgres: " + std::strerror(errno);
        return nullptr;
      }
    }
  }

  RunAs server{cluster->run_as_postgres_, cluster->server_uid_, cluster->server_gid_,
               cluster->server_home_};
  std::vector<std::string> server_env = {"LC_ALL=C"};
  if (cluster->run_as_postgres_) server_env.push_back("HOME=" + cluster->server_home_);
  RunResult initdb =
      Run({bin_dir + "/initdb", "-D", cluster->data_dir_, "-U", "postgres", "--auth-local=trust",
           "--auth-host=reject", "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions"},
          server, cluster->base_dir_, server_env);
  if (initdb.exit_code != 0) {
    *error = Describe("initdb", initdb);
    return nullptr;
  }

  // Settings live in the data directory, so restarts keep them. Files keep
  // their owner (postgres) when appended to or truncated by root.
  std::string socket_dir_literal = QuoteLiteral(cluster->socket_dir_);
  {
    std::ofstream conf(cluster->data_dir_ + "/postgresql.conf", std::ios::app);
    conf << "\n# periscope test cluster (tests/support/pg_cluster.cc)\n"
         << "listen_addresses = ''\n"
         << "port = " << cluster->port_ << "\n"
         << "unix_socket_directories = " << socket_dir_literal << "\n"
         << "fsync = off\n"
         << "synchronous_commit = off\n"
         << "full_page_writes = off\n"
         // Parallel workers use /dev/shm, which is small in containers.
         << "max_parallel_workers_per_gather = 0\n";
    if (!conf.flush()) {
      *error = "cannot append to " + cluster->data_dir_ + "/postgresql.conf";
      return nullptr;
    }
  }
  {
    std::ofstream hba(cluster->data_dir_ + "/pg_hba.conf", std::ios::trunc);
    hba << "# periscope test cluster: superuser by trust, every other role by password\n"
        << "local all postgres trust\n"
        << "local all all scram-sha-256\n";
    if (!hba.flush()) {
      *error = "cannot write " + cluster->data_dir_ + "/pg_hba.conf";
      return nullptr;
    }
  }

  if (!cluster->PgCtl("start", "", error)) return nullptr;
  bool ok = false;
  std::string psql_error;
  std::string answer = cluster->Psql("postgres", "SELECT 1", &ok, &psql_error);
  if (!ok || answer != "1") {
    *error = "server started but psql failed: " + psql_error + "\nserver log tail:\n" +
             cluster->LogTail();
    return nullptr;
  }
  return cluster;
}

namespace {

constexpr char kRecordFile[] = "cluster.txt";
constexpr char kSkipFile[] = "skip.txt";

}  // namespace

bool PgCluster::SaveRecord(const std::string& record_dir, std::string* error) const {
  std::error_code ec;
  std::filesystem::create_directories(record_dir, ec);
  if (ec) {
    *error = "mkdir " + record_dir + ": " + ec.message();
    return false;
  }
  std::filesystem::remove(record_dir + "/" + kSkipFile, ec);
  std::ostringstream text;
  text << "base_dir=" << base_dir_ << "\n"
       << "bin_dir=" << bin_dir_ << "\n"
       << "psql=" << psql_ << "\n"
       << "port=" << port_ << "\n"
       << "run_as_postgres=" << (run_as_postgres_ ? 1 : 0) << "\n"
       << "server_uid=" << server_uid_ << "\n"
       << "server_gid=" << server_gid_ << "\n"
       << "server_home=" << server_home_ << "\n";
  // Written whole under a temporary name, then renamed: a reader never sees
  // half a record.
  std::string path = record_dir + "/" + kRecordFile;
  {
    std::ofstream out(path + ".tmp", std::ios::trunc);
    out << text.str();
    if (!out.flush()) {
      *error = "cannot write " + path + ".tmp";
      return false;
    }
  }
  std::filesystem::rename(path + ".tmp", path, ec);
  if (ec) {
    *error = "rename to " + path + ": " + ec.message();
    return false;
  }
  return true;
}

std::unique_ptr<PgCluster> PgCluster::Attach(const std::string& record_dir, std::string* error) {
  error->clear();
  std::string path = record_dir + "/" + kRecordFile;
  std::ifstream in(path);
  if (!in) {
    *error = "no PostgreSQL test cluster recorded in " + path +
             " (is the ctest fixture PgTestCluster.Start missing? run `pg_test_cluster start " +
             record_dir + "`)";
    return nullptr;
  }
  std::unique_ptr<PgCluster> cluster(new PgCluster());
  cluster->owned_ = false;
  std::string line;
  while (std::getline(in, line)) {
    size_t eq = line.find('=');
    if (eq == std::string::npos) continue;
    std::string key = line.substr(0, eq), value = line.substr(eq + 1);
    if (key == "base_dir") cluster->base_dir_ = value;
    if (key == "bin_dir") cluster->bin_dir_ = value;
    if (key == "psql") cluster->psql_ = value;
    if (key == "port") cluster->port_ = std::atoi(value.c_str());
    if (key == "run_as_postgres") cluster->run_as_postgres_ = value == "1";
    if (key == "server_uid") cluster->server_uid_ = static_cast<uid_t>(std::stoul(value));
    if (key == "server_gid") cluster->server_gid_ = static_cast<gid_t>(std::stoul(value));
    if (key == "server_home") cluster->server_home_ = value;
  }
  if (cluster->base_dir_.empty() || cluster->bin_dir_.empty() || cluster->port_ <= 0) {
    *error = path + " is incomplete";
    return nullptr;
  }
  cluster->data_dir_ = cluster->base_dir_ + "/data";
  cluster->socket_dir_ = cluster->base_dir_ + "/socket";
  cluster->log_path_ = cluster->base_dir_ + "/server.log";
  bool ok = false;
  std::string psql_error;
  std::string answer = cluster->Psql("postgres", "SELECT 1", &ok, &psql_error);
  if (!ok || answer != "1") {
    *error = "the PostgreSQL test cluster recorded in " + path + " (" + cluster->base_dir_ +
             ") does not answer: " + psql_error + "\nserver log tail:\n" + cluster->LogTail();
    return nullptr;
  }
  return cluster;
}

bool RecordSkip(const std::string& record_dir, const std::string& reason, std::string* error) {
  std::error_code ec;
  std::filesystem::create_directories(record_dir, ec);
  if (ec) {
    *error = "mkdir " + record_dir + ": " + ec.message();
    return false;
  }
  std::filesystem::remove(record_dir + "/" + kRecordFile, ec);
  std::ofstream out(record_dir + "/" + kSkipFile, std::ios::trunc);
  out << reason << "\n";
  if (!out.flush()) {
    *error = "cannot write " + record_dir + "/" + kSkipFile;
    return false;
  }
  return true;
}

bool StopRecorded(const std::string& record_dir, std::string* error) {
  error->clear();
  std::error_code ec;
  std::filesystem::remove(record_dir + "/" + kSkipFile, ec);
  if (!std::filesystem::exists(record_dir + "/" + kRecordFile)) return true;
  std::string attach_error;
  std::unique_ptr<PgCluster> cluster = PgCluster::Attach(record_dir, &attach_error);
  if (cluster == nullptr && attach_error.find("is incomplete") != std::string::npos) {
    *error = attach_error;
    return false;
  }
  if (cluster == nullptr) {
    // Not answering: read the record again without the liveness check.
    std::ifstream in(record_dir + "/" + kRecordFile);
    std::string line, base_dir;
    while (std::getline(in, line)) {
      if (line.rfind("base_dir=", 0) == 0) base_dir = line.substr(9);
    }
    std::ifstream pid_file(base_dir + "/data/postmaster.pid");
    long pid = 0;
    if (!base_dir.empty() && (pid_file >> pid) && pid > 0 &&
        ProcessAlive(static_cast<pid_t>(pid))) {
      ::kill(static_cast<pid_t>(pid), SIGKILL);
      WaitFor([pid] { return !ProcessAlive(static_cast<pid_t>(pid)); }, std::chrono::seconds(10));
    }
    if (!base_dir.empty()) std::filesystem::remove_all(base_dir, ec);
  } else {
    cluster->owned_ = true;  // the destructor stops it and removes its directory
    cluster.reset();
  }
  std::filesystem::remove(record_dir + "/" + kRecordFile, ec);
  return true;
}

PgCluster::~PgCluster() {
  if (base_dir_.empty() || !owned_) return;
  if (ServerPid() > 0) {
    std::string ignored;
    PgCtl("stop", "immediate", &ignored);
    pid_t pid = ServerPid();
    if (pid > 0) {
      ::kill(pid, SIGKILL);
      WaitFor([pid] { return !ProcessAlive(pid); }, std::chrono::seconds(10));
    }
  }
  std::error_code ec;
  std::filesystem::remove_all(base_dir_, ec);
  if (ec)
    std::fprintf(stderr, "PgCluster: cannot remove %s: %s\n", base_dir_.c_str(),
                 ec.message().c_str());
}

bool PgCluster::PgCtl(const std::string& action, const std::string& mode, std::string* error) {
  std::vector<std::string> argv = {
      bin_dir_ + "/pg_ctl", "-D", data_dir_, "-l", log_path_, "-w", "-t", "60", "-s", action};
  if (!mode.empty()) {
    argv.push_back("-m");
    argv.push_back(mode);
  }
  RunAs server{run_as_postgres_, server_uid_, server_gid_, server_home_};
  std::vector<std::string> env = {"LC_ALL=C"};
  if (run_as_postgres_) env.push_back("HOME=" + server_home_);
  RunResult r = Run(argv, server, base_dir_, env);
  if (r.exit_code == 0) return true;
  *error = Describe("pg_ctl " + action, r) + "\nserver log tail:\n" + LogTail();
  return false;
}

std::string PgCluster::Uri(const std::string& db) const { return UserUri("postgres", db); }

std::string PgCluster::UserUri(const std::string& user, const std::string& db) const {
  return "postgresql:///" + db + "?host=" + socket_dir_ + "&port=" + std::to_string(port_) +
         "&user=" + user;
}

bool PgCluster::CreateDatabase(const std::string& name, std::string* error) {
  bool ok = false;
  Psql("postgres", "CREATE DATABASE " + QuoteIdent(name), &ok, error);
  return ok;
}

std::string PgCluster::Psql(const std::string& db, const std::string& sql, bool* ok,
                            std::string* error) const {
  if (ok != nullptr) *ok = false;
  char path[] = "/tmp/periscope-psql-XXXXXX";
  UniqueFd fd(::mkstemp(path));
  if (!fd.valid()) {
    if (error != nullptr) *error = std::string("mkstemp: ") + std::strerror(errno);
    return "";
  }
  fd.reset();
  WriteTextFile(path, sql);
  RunResult r =
      Run({psql_, "-X", "-A", "-t", "-q", "-w", "-v", "ON_ERROR_STOP=1", "-d", Uri(db), "-f", path},
          RunAs{}, "", {"PGCLIENTENCODING=UTF8"});
  ::unlink(path);
  while (!r.out.empty() && r.out.back() == '\n') r.out.pop_back();
  if (r.exit_code == 0) {
    if (ok != nullptr) *ok = true;
    if (error != nullptr) error->clear();
  } else if (error != nullptr) {
    *error = Describe("psql", RunResult{r.exit_code, "", r.err});
  }
  return r.out;
}

bool PgCluster::RestartFast(std::string* error) {
  if (!PgCtl("restart", "fast", error)) return false;
  bool ok = false;
  std::string psql_error;
  Psql("postgres", "SELECT 1", &ok, &psql_error);
  if (!ok) *error = "restarted but psql failed: " + psql_error + "\nserver log tail:\n" + LogTail();
  return ok;
}

bool PgCluster::Stop() {
  std::string error;
  if (PgCtl("stop", "fast", &error)) return true;
  std::fprintf(stderr, "PgCluster::Stop: %s\n", error.c_str());
  return false;
}

bool PgCluster::StartAgain(std::string* error) {
  if (!PgCtl("start", "", error)) return false;
  bool ok = false;
  std::string psql_error;
  Psql("postgres", "SELECT 1", &ok, &psql_error);
  if (!ok) *error = "started but psql failed: " + psql_error + "\nserver log tail:\n" + LogTail();
  return ok;
}

bool PgCluster::CreateRoleWithPassword(const std::string& role, const std::string& password,
                                       const std::string& db, std::string* error) {
  bool ok = false;
  std::string exists =
      Psql("postgres", "SELECT 1 FROM pg_database WHERE datname = " + QuoteLiteral(db), &ok, error);
  if (!ok) return false;
  std::string sql =
      "SET password_encryption = 'scram-sha-256';\n"
      "CREATE ROLE " +
      QuoteIdent(role) + " LOGIN PASSWORD " + QuoteLiteral(password) + ";\n";
  if (exists == "1") {
    sql += "ALTER DATABASE " + QuoteIdent(db) + " OWNER TO " + QuoteIdent(role) + ";\n";
  } else {
    sql += "CREATE DATABASE " + QuoteIdent(db) + " OWNER " + QuoteIdent(role) + ";\n";
  }
  Psql("postgres", sql, &ok, error);
  return ok;
}

std::string PgCluster::LogTail(size_t max_bytes) const {
  std::string log = ReadTextFile(log_path_);
  if (log.size() > max_bytes) log = "..." + log.substr(log.size() - max_bytes);
  return log;
}

pid_t PgCluster::ServerPid() const {
  std::ifstream in(data_dir_ + "/postmaster.pid");
  long pid = 0;
  if (!(in >> pid) || pid <= 0) return -1;
  pid_t server = static_cast<pid_t>(pid);
  return ProcessAlive(server) ? server : -1;
}

namespace {

struct SharedState {
  std::mutex mu;
  bool tried = false;
  std::unique_ptr<PgCluster> cluster;  // stopped and removed at exit
  std::string skip_reason, error;
};

SharedState& Shared() {
  static SharedState state;
  return state;
}

}  // namespace

PgCluster* SharedPgCluster(std::string* skip_reason, std::string* error) {
  SharedState& state = Shared();
  std::lock_guard<std::mutex> lock(state.mu);
  if (!state.tried) {
    state.tried = true;
    const char* record_dir = std::getenv("PERISCOPE_TEST_PG_DIR");
    if (record_dir != nullptr && *record_dir != '\0') {
      std::string skip = ReadTextFile(std::string(record_dir) + "/" + kSkipFile);
      while (!skip.empty() && skip.back() == '\n') skip.pop_back();
      if (!skip.empty()) {
        state.skip_reason = skip;
      } else {
        state.cluster = PgCluster::Attach(record_dir, &state.error);
      }
    } else {
      state.cluster = PgCluster::Start(&state.skip_reason, &state.error);
    }
  }
  *skip_reason = state.skip_reason;
  *error = state.error;
  return state.cluster.get();
}

std::string FreshDatabase(PgCluster& cluster, std::string* error) {
  static std::atomic<int> counter{0};
  std::string name =
      "t_" + std::to_string(::getpid()) + "_" + std::to_string(counter.fetch_add(1) + 1);
  std::string why;
  if (cluster.CreateDatabase(name, &why)) return name;
  std::fprintf(stderr, "FreshDatabase %s: %s\n", name.c_str(), why.c_str());
  if (error != nullptr) *error = why;
  return "";
}

}  // namespace periscope::testing
