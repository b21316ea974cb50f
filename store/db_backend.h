// The two engines behind store::Db and store::Stmt (SQLite, PostgreSQL).
// Internal to store/: only db.cc, db_sqlite.cc and db_pg.cc include it.
#ifndef PERISCOPE_STORE_DB_BACKEND_H_
#define PERISCOPE_STORE_DB_BACKEND_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"
#include "store/db.h"

namespace periscope::store::internal {

// One prepared statement of one engine. Parameters 1-based, columns 0-based.
class StmtImpl {
 public:
  virtual ~StmtImpl() = default;
  virtual Status BindInt(int index, int64_t value) = 0;
  virtual Status BindText(int index, std::string_view value) = 0;
  virtual Status BindDouble(int index, double value) = 0;
  virtual Status BindNull(int index) = 0;
  virtual Result<bool> Step() = 0;
  virtual void Reset() = 0;
  virtual int64_t Int(int column) const = 0;
  virtual double Double(int column) const = 0;
  virtual std::string Text(int column) const = 0;
  virtual bool IsNull(int column) const = 0;
  virtual int ColumnCount() const = 0;
  virtual std::string ColumnName(int column) const = 0;
};

// One connection of one engine. `name` is what errors show: the SQLite path,
// or the PostgreSQL URI without its password.
class DbImpl {
 public:
  virtual ~DbImpl() = default;
  virtual Backend backend() const = 0;
  virtual const std::string& name() const = 0;
  virtual Status Exec(std::string_view sql) = 0;
  virtual Result<std::unique_ptr<StmtImpl>> Prepare(std::string_view sql) = 0;
  virtual Status BeginImmediate() = 0;
  virtual Status BeginConcurrent() = 0;
  virtual Status Commit() = 0;
  virtual void Rollback() = 0;
  virtual int64_t Changes() const = 0;
  virtual Status Error(std::string_view what) const = 0;
  virtual bool ConnectionLost() const = 0;
  virtual Status Reconnect() = 0;
};

Result<std::unique_ptr<DbImpl>> OpenSqliteWriter(const std::string& path, OpenMode mode,
                                                 std::chrono::milliseconds busy_timeout);
Result<std::unique_ptr<DbImpl>> OpenSqliteReader(const std::string& path);
// A connection that has not yet checked the schema version (Db does that).
Result<std::unique_ptr<DbImpl>> OpenPostgres(const std::string& uri, bool read_only,
                                             std::chrono::milliseconds lock_timeout);

}  // namespace periscope::store::internal

#endif  // PERISCOPE_STORE_DB_BACKEND_H_
