// Test support: a throwaway PostgreSQL cluster (initdb + pg_ctl) in a temp dir.
#ifndef PERISCOPE_TESTS_SUPPORT_PG_CLUSTER_H_
#define PERISCOPE_TESTS_SUPPORT_PG_CLUSTER_H_

#include <sys/types.h>

#include <memory>
#include <string>

namespace periscope::testing {

// A throwaway PostgreSQL cluster under its own directory in /tmp (or $TMPDIR
// when not root): `data/` (PGDATA), `socket/` (the unix socket), `server.log`.
// Server binaries run as user postgres when this process is root, otherwise as
// the current user; the superuser role is always `postgres`. The server
// listens on a unix socket only (listen_addresses=''); the port number is one
// that was free on 127.0.0.1 and only names the socket file. fsync,
// synchronous_commit and full_page_writes are off (data is not crash-safe).
// Authentication (pg_hba.conf): role postgres by trust, every other role by
// scram-sha-256 password. The destructor stops the server (-m immediate) and
// removes the whole directory. Client commands (psql) run as the current user.
// Not thread-safe.
class PgCluster {
 public:
  // A running cluster, or nullptr with:
  //  - *skip_reason set (and *error empty) when no server binaries exist
  //    (/usr/lib/postgresql/15/bin/postgres, or postgres in `pg_config
  //    --bindir`), or when this process is root and there is no user postgres;
  //  - *skip_reason empty and *error = what failed, with the server log tail,
  //    for any other failure.
  static std::unique_ptr<PgCluster> Start(std::string* skip_reason, std::string* error);
  // A cluster already running, started by another process that recorded it in
  // `record_dir` with SaveRecord (tests/support/pg_test_cluster_main.cc). The
  // object does not own it: its destructor leaves the server running and the
  // directory in place. nullptr + *error when there is no record or the
  // server does not answer.
  static std::unique_ptr<PgCluster> Attach(const std::string& record_dir, std::string* error);
  // Writes what Attach needs into `record_dir` (created when missing), as the
  // file `cluster.txt`. False + *error on failure.
  bool SaveRecord(const std::string& record_dir, std::string* error) const;
  // From now on the destructor leaves the server running and its directory in
  // place (whoever stops it uses the record).
  void Release() { owned_ = false; }
  ~PgCluster();
  PgCluster(const PgCluster&) = delete;
  PgCluster& operator=(const PgCluster&) = delete;

  // libpq URI for database `db` as the superuser:
  // "postgresql:///<db>?host=<socket_dir>&port=<port>&user=postgres".
  std::string Uri(const std::string& db = "periscope") const;
  // The same for another role `user` (no password in the URI: give it through
  // PGPASSFILE / ~/.pgpass / PGPASSWORD).
  std::string UserUri(const std::string& user, const std::string& db) const;

  // CREATE DATABASE `name` (owned by postgres). False + *error on failure
  // (also when it exists).
  bool CreateDatabase(const std::string& name, std::string* error);

  // Runs `sql` (any number of statements; each its own transaction unless the
  // SQL says otherwise) through `psql -X -A -t -q -w -v ON_ERROR_STOP=1 -f`
  // against `db` as postgres. Returns psql's stdout without trailing newlines
  // (rows separated by '\n', columns by '|'); *ok = psql exited 0; *error =
  // psql's stderr (with the exit code) when it did not.
  std::string Psql(const std::string& db, const std::string& sql, bool* ok = nullptr,
                   std::string* error = nullptr) const;

  // pg_ctl restart -m fast, waiting until it accepts connections again (same
  // port, socket dir and settings). False + *error (with the log tail) if it
  // did not come back.
  bool RestartFast(std::string* error);
  // pg_ctl stop -m fast, waiting until the postmaster has exited: the server
  // is unreachable afterwards.
  bool Stop();
  // pg_ctl start after Stop(), waiting until it accepts connections.
  bool StartAgain(std::string* error);

  // Creates login role `role` with `password` (stored as SCRAM-SHA-256) and
  // makes it the owner of database `db` (created when missing). The role must
  // then authenticate by password (pg_hba.conf: scram-sha-256 for all roles
  // but postgres). False + *error on failure.
  bool CreateRoleWithPassword(const std::string& role, const std::string& password,
                              const std::string& db, std::string* error);

  const std::string& socket_dir() const { return socket_dir_; }
  int port() const { return port_; }
  const std::string& data_dir() const { return data_dir_; }
  // The cluster's own directory (holds data_dir, socket_dir and the log).
  const std::string& base_dir() const { return base_dir_; }
  const std::string& log_path() const { return log_path_; }
  // The last `max_bytes` bytes of the server log.
  std::string LogTail(size_t max_bytes = 4000) const;
  // The postmaster's pid from data_dir/postmaster.pid; -1 when not running.
  pid_t ServerPid() const;

 private:
  friend bool StopRecorded(const std::string& record_dir, std::string* error);
  PgCluster() = default;
  // Runs `pg_ctl <action> ...`; false + *error (with output and log tail).
  bool PgCtl(const std::string& action, const std::string& mode, std::string* error);

  std::string bin_dir_, psql_, base_dir_, data_dir_, socket_dir_, log_path_;
  int port_ = 0;
  bool owned_ = true;  // the destructor stops the server and removes base_dir_
  bool run_as_postgres_ = false;
  uid_t server_uid_ = 0;
  gid_t server_gid_ = 0;
  std::string server_home_;
};

// One cluster for the whole test binary. When the environment variable
// PERISCOPE_TEST_PG_DIR is set (ctest: the fixture `pg`, see
// tests/support/pg_test_cluster_main.cc), the cluster recorded there by
// `pg_test_cluster start` is attached to and left running; when that tool
// found no server binaries it recorded why, and this returns *skip_reason;
// any other failure to attach is an *error. Otherwise a cluster is started on
// first call and stopped and removed at exit. Returns nullptr with
// *skip_reason / *error as Start() (the outcome of the first call is
// remembered and repeated). Thread-safe.
PgCluster* SharedPgCluster(std::string* skip_reason, std::string* error);

// For `pg_test_cluster start`: records in `record_dir` (file `skip.txt`) that
// no cluster can run here and why, so that SharedPgCluster skips.
bool RecordSkip(const std::string& record_dir, const std::string& reason, std::string* error);
// For `pg_test_cluster stop`: stops the cluster recorded in `record_dir` (if
// any), removes its directory and the record. True when nothing is left
// running; a missing record is not an error.
bool StopRecorded(const std::string& record_dir, std::string* error);

// Creates a database with a name unique in this cluster and process
// ("t_<pid>_<n>") and returns the name; "" (and a message on stderr, and
// *error when given) on failure.
std::string FreshDatabase(PgCluster& cluster, std::string* error = nullptr);

}  // namespace periscope::testing

// In a GoogleTest test body (include <gtest/gtest.h>): declares
// `std::unique_ptr<periscope::testing::PgCluster> var` holding a started
// cluster, or skips the test when there is no server (GTEST_SKIP), or fails it
// (FAIL) when the server did not start for another reason.
#define PERISCOPE_PG_CLUSTER_OR_SKIP(var)                                           \
  std::unique_ptr<::periscope::testing::PgCluster> var;                             \
  do {                                                                              \
    std::string var##_skip_reason, var##_error;                                     \
    var = ::periscope::testing::PgCluster::Start(&var##_skip_reason, &var##_error); \
    if (var == nullptr) {                                                           \
      if (!var##_skip_reason.empty()) GTEST_SKIP() << var##_skip_reason;            \
      FAIL() << "PostgreSQL test cluster did not start: " << var##_error;           \
    }                                                                               \
  } while (0)

// The same with the binary's shared cluster: declares
// `periscope::testing::PgCluster* var` (SharedPgCluster).
#define PERISCOPE_SHARED_PG_CLUSTER_OR_SKIP(var)                                   \
  ::periscope::testing::PgCluster* var = nullptr;                                  \
  do {                                                                             \
    std::string var##_skip_reason, var##_error;                                    \
    var = ::periscope::testing::SharedPgCluster(&var##_skip_reason, &var##_error); \
    if (var == nullptr) {                                                          \
      if (!var##_skip_reason.empty()) GTEST_SKIP() << var##_skip_reason;           \
      FAIL() << "PostgreSQL test cluster did not start: " << var##_error;          \
    }                                                                              \
  } while (0)

#endif  // PERISCOPE_TESTS_SUPPORT_PG_CLUSTER_H_
