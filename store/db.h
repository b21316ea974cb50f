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

  // Next row: true when a row is available, false when done.
  Result<bool> Step();
  // Runs to completion (for statements without rows).
  Status Run();
  void Reset();

  int64_t Int(int column) const;
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

class Db {
 public:
  // Opens (creating it when missing) for writing.
  static Result<std::unique_ptr<Db>> OpenWriter(
      const std::string& path, std::chrono::milliseconds busy_timeout = std::chrono::seconds(10));
  // Opens an existing database read-only.
  static Result<std::unique_ptr<Db>> OpenReader(const std::string& path);
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  Status Exec(std::string_view sql);
  Result<Stmt> Prepare(std::string_view sql);

  // BEGIN IMMEDIATE: takes the write lock now (waiting up to busy_timeout), so
  // a transaction never fails half-way for lack of the lock.
  Status BeginImmediate();
  Status Commit();
  void Rollback();  // no-op outside a transaction

  int64_t LastInsertId() const;
  int64_t Changes() const;
  const std::string& path() const { return path_; }

  // Status for the last error on this connection, prefixed with `what`.
  Status Error(std::string_view what) const;

 private:
  Db(sqlite3* handle, std::string path) : db_(handle), path_(std::move(path)) {}
  sqlite3* db_;
  std::string path_;
};

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
