// The store's connection: SQLite (a file path, the embedded default) or
// PostgreSQL (a libpq URI "postgresql://..." / "postgres://..."), behind one
// API. Only store/db_sqlite.cc includes sqlite3.h and only store/db_pg.cc
// includes libpq-fe.h.
//
// SQL given to Prepare/Exec is written once for both engines: the common
// subset of SQLite 3.40 and PostgreSQL 15 (ON CONFLICT, RETURNING, COALESCE,
// CASE; no INSERT OR REPLACE, no printf/strftime). Parameters are written `?`
// or `?N` as in SQLite; the PostgreSQL backend numbers them `$N`. The few
// statements that cannot be shared ask backend().
//
// SQLite concurrency policy (Debian 12 ships SQLite 3.40, which has the
// WAL-reset bug fixed only in 3.51.3): a database has at most one writing
// connection at a time, opened with OpenWriter (WAL, synchronous=FULL,
// busy_timeout, foreign keys) and writing only inside BEGIN IMMEDIATE
// transactions; every other connection is opened with OpenReader
// (SQLITE_OPEN_READONLY). Writers in other processes (a second poller) are
// kept out by the poller's flock, and by busy_timeout for short tools such as
// periscope-store import.
//
// PostgreSQL: BeginImmediate keeps SQLite's meaning (one writing transaction
// at a time per store) with a transaction-level advisory lock, so every
// read-then-write operation written for SQLite stays race-free; only the
// poller's fenced chunk writes use BeginConcurrent (plain BEGIN), which is
// safe there because each chunk touches only its own bucket's rows and
// re-checks the lease first. Waiting for the lock is bounded like SQLite's
// busy_timeout (lock_timeout). Readers are sessions with
// default_transaction_read_only. A Db and its statements belong to one thread.
//
// Opening never writes before the schema version is known. SQLite: the
// 100-byte file header is read directly first (no SQLite connection, so no
// -wal or -shm file appears), and a database whose user_version is newer than
// SchemaVersion() is refused byte-for-byte untouched. Only a writer opened
// with OpenMode::kCreate may create the file (`periscope-store init`);
// everything else needs it to exist, so a mistyped path is an error instead
// of a new, empty store. PostgreSQL: the database must exist (created by the
// DBA); kCreate may create periscope's tables in an empty one.
#ifndef PERISCOPE_STORE_DB_H_
#define PERISCOPE_STORE_DB_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"

namespace periscope::store {

class Db;
namespace internal {
class DbImpl;
class StmtImpl;
}  // namespace internal

enum class Backend { kSqlite, kPostgres };

// True for "postgresql://..." and "postgres://..." (libpq URIs).
inline bool IsPostgresUri(std::string_view database) {
  return database.starts_with("postgresql://") || database.starts_with("postgres://");
}

// `database` fit for messages and logs: a PostgreSQL URI without its
// password; a path as it is.
std::string RedactDatabase(std::string_view database);

// A prepared statement. Parameters are 1-based, columns 0-based (as SQLite).
class Stmt {
 public:
  Stmt(Stmt&&) noexcept;
  Stmt& operator=(Stmt&&) noexcept;
  ~Stmt();

  Stmt& Bind(int index, int64_t value);
  Stmt& Bind(int index, std::string_view value);
  Stmt& Bind(int index, const char* value) { return Bind(index, std::string_view(value)); }
  Stmt& Bind(int index, const std::string& value) { return Bind(index, std::string_view(value)); }
  Stmt& BindNull(int index);
  Stmt& Bind(int index, const std::optional<int64_t>& value);
  Stmt& Bind(int index, const std::optional<std::string>& value);
  // REAL values (issue 7's metric aggregates); named apart from Bind so an int
  // argument is never ambiguous.
  Stmt& BindDouble(int index, double value);
  Stmt& BindDouble(int index, const std::optional<double>& value);

  // Next row: true when a row is available, false when done. PostgreSQL runs
  // the statement at the first Step and holds its whole result.
  Result<bool> Step();
  // Runs to completion (for statements without rows).
  Status Run();
  // Runs an INSERT ... RETURNING id (portable: SQLite >= 3.35 and
  // PostgreSQL) and gives the new row's id.
  Result<int64_t> RunReturningId();
  void Reset();

  int64_t Int(int column) const;
  double Double(int column) const;
  std::string Text(int column) const;
  bool IsNull(int column) const;
  int ColumnCount() const;
  std::string ColumnName(int column) const;

 private:
  friend class Db;
  explicit Stmt(std::unique_ptr<internal::StmtImpl> impl);
  void Note(Status s);
  Status bind_status_;
  std::unique_ptr<internal::StmtImpl> impl_;
};

// Whether OpenWriter may create a missing database file.
enum class OpenMode {
  kCreate,     // `periscope-store init` only (PostgreSQL: the database must exist)
  kMustExist,  // everything else: a missing file is NotFound naming the path
};

class Db {
 public:
  // Opens for writing. Errors name the path: NotFound (missing file or
  // directory), DataLoss (not an SQLite file), FailedPrecondition (schema newer
  // than this binary; nothing is written), PermissionDenied.
  static Result<std::unique_ptr<Db>> OpenWriter(
      const std::string& path, OpenMode mode,
      std::chrono::milliseconds busy_timeout = std::chrono::seconds(10));
  // Opens an existing database read-only; never creates or writes the file.
  // On read-only media (the directory not writable, so SQLite cannot create
  // the -shm file a WAL database needs) and with no -wal file present, the
  // file is opened `immutable=1`: it is read as it is, without locks, which is
  // exact because no writer can have it open (a writer keeps a -wal file). When
  // a -wal file exists but cannot be used, the error says so.
  static Result<std::unique_ptr<Db>> OpenReader(const std::string& path);
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  Status Exec(std::string_view sql);
  Result<Stmt> Prepare(std::string_view sql);

  // BEGIN IMMEDIATE: takes the write lock now (waiting up to busy_timeout), so
  // a transaction never fails half-way for lack of the lock. When another
  // connection holds it past busy_timeout: Unavailable naming the path, the
  // holding process (pid and command line, from /proc/locks) when it can be
  // seen, and how long this one waited.
  Status BeginImmediate();
  // PostgreSQL: a plain BEGIN (read committed), concurrent with other
  // writers; only for writes designed for that (fenced poll chunks). SQLite:
  // the same as BeginImmediate.
  Status BeginConcurrent();
  Status Commit();
  void Rollback();  // no-op outside a transaction

  // Rows changed by the last INSERT, UPDATE or DELETE.
  int64_t Changes() const;
  // What errors name: the SQLite path, or the PostgreSQL URI without password.
  const std::string& path() const;
  Backend backend() const;
  bool is_postgres() const { return backend() == Backend::kPostgres; }
  // PostgreSQL: the server went away (restart, network); Reconnect() opens a
  // new session (any open transaction is gone). Always false for SQLite.
  bool ConnectionLost() const;
  Status Reconnect();

  // Status for the last error on this connection, prefixed with `what`.
  // SQLITE_FULL, and I/O errors whose OS error is ENOSPC or EDQUOT, are
  // ResourceExhausted saying "disk full"; SQLITE_BUSY names the holder.
  // PostgreSQL: SQLSTATE class 23 is AlreadyExists, 53 ResourceExhausted, a
  // lost connection or lock timeout Unavailable.
  Status Error(std::string_view what) const;

  explicit Db(std::unique_ptr<internal::DbImpl> impl);

 private:
  std::unique_ptr<internal::DbImpl> impl_;
};

// Reads PRAGMA user_version from the file header of `path` without opening it
// with SQLite. NotFound when missing, DataLoss when it is not an SQLite file;
// 0 for an empty file. Changes still in a -wal file are not seen.
Result<int> PeekUserVersion(const std::string& path);

// "pid 123 (periscope-store --db h.db import targets t.csv)" for each other
// process holding a write lock on the database `path` (WAL writer lock on its
// -shm, or the rollback-journal reserved/pending lock), from /proc/locks; ""
// when none is visible. Never opens the files (closing a descriptor would drop
// this process's own SQLite locks).
std::string DescribeWriteLockHolders(const std::string& path);

// Runs a function inside BEGIN IMMEDIATE ... COMMIT; rolls back when it returns
// an error (nothing of it is kept).
template <typename Fn>
Status InTransaction(Db& db, Fn&& fn) {
  PERISCOPE_RETURN_IF_ERROR(db.BeginImmediate());
  Status s = fn();
  if (!s.ok()) {
    db.Rollback();
    return s;
  }
  s = db.Commit();
  if (!s.ok()) db.Rollback();
  return s;
}

}  // namespace periscope::store

#endif  // PERISCOPE_STORE_DB_H_
