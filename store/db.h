// A thin RAII layer over SQLite (the only place that includes sqlite3.h).
//
// Concurrency policy (Debian 12 ships SQLite 3.40, which has the WAL-reset bug
// fixed only in 3.51.3): a database has at most one writing connection at a
// time, opened with OpenWriter (WAL, synchronous=FULL, busy_timeout, foreign
// keys) and writing only inside BEGIN IMMEDIATE transactions; every other
// connection is opened with OpenReader (SQLITE_OPEN_READONLY). Writers in other
// processes (a second poller) are kept out by the poller's flock, and by
// busy_timeout for short tools such as periscope-store import.
// A Db and its statements belong to one thread.
//
// Opening never writes before the schema version is known: the 100-byte file
// header is read directly first (no SQLite connection, so no -wal or -shm file
// appears), and a database whose user_version is newer than SchemaVersion() is
// refused byte-for-byte untouched. Only a writer opened with OpenMode::kCreate
// may create the file (`periscope-store init`); everything else needs it to
// exist, so a mistyped path is an error instead of a new, empty store.
#ifndef PERISCOPE_STORE_DB_H_
#define PERISCOPE_STORE_DB_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"

struct sqlite3;
struct sqlite3_stmt;

namespace periscope::store {

class Db;

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

  // Next row: true when a row is available, false when done.
  Result<bool> Step();
  // Runs to completion (for statements without rows).
  Status Run();
  void Reset();

  int64_t Int(int column) const;
  double Double(int column) const;
  std::string Text(int column) const;
  bool IsNull(int column) const;
  int ColumnCount() const;
  std::string ColumnName(int column) const;

 private:
  friend class Db;
  Stmt(sqlite3_stmt* stmt, Db* db) : stmt_(stmt), db_(db) {}
  Status bind_status_;
  sqlite3_stmt* stmt_ = nullptr;
  Db* db_ = nullptr;
};

// Whether OpenWriter may create a missing database file.
enum class OpenMode {
  kCreate,     // `periscope-store init` only
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
  Status Commit();
  void Rollback();  // no-op outside a transaction

  int64_t LastInsertId() const;
  int64_t Changes() const;
  const std::string& path() const { return path_; }

  // Status for the last error on this connection, prefixed with `what`.
  // SQLITE_FULL, and I/O errors whose OS error is ENOSPC or EDQUOT, are
  // ResourceExhausted saying "disk full"; SQLITE_BUSY names the holder.
  Status Error(std::string_view what) const;

 private:
  Db(sqlite3* handle, std::string path, std::chrono::milliseconds busy_timeout)
      : db_(handle), path_(std::move(path)), busy_timeout_(busy_timeout) {}
  Status FromCode(int rc, std::string_view what, std::string_view detail) const;
  sqlite3* db_;
  std::string path_;
  std::chrono::milliseconds busy_timeout_;
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
