#include "store/db.h"

#include <sqlite3.h>

#include <fmt/format.h>

namespace periscope::store {

namespace {

Status FromCode(sqlite3* db, int rc, std::string_view what) {
  std::string msg =
      fmt::format("{}: {}", what, db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  int primary = rc & 0xff;
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) return UnavailableError(msg);
  if (primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB) return DataLossError(msg);
  if (primary == SQLITE_CONSTRAINT) return AlreadyExistsError(msg);
  if (primary == SQLITE_CANTOPEN || primary == SQLITE_PERM || primary == SQLITE_READONLY)
    return PermissionDeniedError(msg);
  if (primary == SQLITE_FULL) return ResourceExhaustedError(msg);
  return InternalError(msg);
}

}  // namespace

Stmt::Stmt(Stmt&& o) noexcept
    : bind_status_(std::move(o.bind_status_)), stmt_(o.stmt_), db_(o.db_) {
  o.stmt_ = nullptr;
}

Stmt& Stmt::operator=(Stmt&& o) noexcept {
  if (this != &o) {
    if (stmt_ != nullptr) sqlite3_finalize(stmt_);
    stmt_ = o.stmt_;
    db_ = o.db_;
    bind_status_ = std::move(o.bind_status_);
    o.stmt_ = nullptr;
  }
  return *this;
}

Stmt::~Stmt() {
  if (stmt_ != nullptr) sqlite3_finalize(stmt_);
}

Stmt& Stmt::Bind(int index, int64_t value) {
  int rc = sqlite3_bind_int64(stmt_, index, value);
  if (rc != SQLITE_OK && bind_status_.ok()) bind_status_ = db_->Error("bind");
  return *this;
}

Stmt& Stmt::Bind(int index, std::string_view value) {
  int rc =
      sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  if (rc != SQLITE_OK && bind_status_.ok()) bind_status_ = db_->Error("bind");
  return *this;
}

Stmt& Stmt::BindNull(int index) {
  int rc = sqlite3_bind_null(stmt_, index);
  if (rc != SQLITE_OK && bind_status_.ok()) bind_status_ = db_->Error("bind");
  return *this;
}

Stmt& Stmt::Bind(int index, const std::optional<int64_t>& value) {
  return value ? Bind(index, *value) : BindNull(index);
}

Stmt& Stmt::Bind(int index, const std::optional<std::string>& value) {
  return value ? Bind(index, std::string_view(*value)) : BindNull(index);
}

Result<bool> Stmt::Step() {
  if (!bind_status_.ok()) return bind_status_;
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return db_->Error(fmt::format("step '{}'", sqlite3_sql(stmt_)));
}

Status Stmt::Run() {
  while (true) {
    Result<bool> r = Step();
    if (!r.ok()) return r.status();
    if (!*r) return Status::Ok();
  }
}

void Stmt::Reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  bind_status_ = Status::Ok();
}

int64_t Stmt::Int(int column) const { return sqlite3_column_int64(stmt_, column); }

std::string Stmt::Text(int column) const {
  const unsigned char* p = sqlite3_column_text(stmt_, column);
  int n = sqlite3_column_bytes(stmt_, column);
  return p == nullptr ? std::string()
                      : std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(n));
}

bool Stmt::IsNull(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }

int Stmt::ColumnCount() const { return sqlite3_column_count(stmt_); }

std::string Stmt::ColumnName(int column) const {
  const char* n = sqlite3_column_name(stmt_, column);
  return n == nullptr ? std::string() : std::string(n);
}

Result<std::unique_ptr<Db>> Db::OpenWriter(const std::string& path,
                                           std::chrono::milliseconds busy_timeout) {
  sqlite3* handle = nullptr;
  int rc =
      sqlite3_open_v2(path.c_str(), &handle,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    Status s = FromCode(handle, rc, path);
    sqlite3_close(handle);
    return s;
  }
  std::unique_ptr<Db> db(new Db(handle, path));
  sqlite3_busy_timeout(handle, static_cast<int>(busy_timeout.count()));
  sqlite3_extended_result_codes(handle, 1);
  // WAL: readers never block the writer. synchronous=FULL: a commit survives
  // power loss, not only a crash (the history is the product).
  for (const char* pragma :
       {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL", "PRAGMA foreign_keys=ON"}) {
    Status s = db->Exec(pragma);
    if (!s.ok()) return s.WithPrefix(path);
  }
  return db;
}

Result<std::unique_ptr<Db>> Db::OpenReader(const std::string& path) {
  sqlite3* handle = nullptr;
  int rc =
      sqlite3_open_v2(path.c_str(), &handle, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    Status s = FromCode(handle, rc, path);
    sqlite3_close(handle);
    return s;
  }
  std::unique_ptr<Db> db(new Db(handle, path));
  sqlite3_busy_timeout(handle, 10000);
  sqlite3_extended_result_codes(handle, 1);
  return db;
}

Db::~Db() { sqlite3_close_v2(db_); }

Status Db::Exec(std::string_view sql) {
  std::string s(sql);
  char* err = nullptr;
  int rc = sqlite3_exec(db_, s.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err != nullptr ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    Status st = FromCode(db_, rc, path_);
    return Status(st.code(), fmt::format("{}: {}", path_, msg));
  }
  return Status::Ok();
}

Result<Stmt> Db::Prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
  if (rc != SQLITE_OK) return Error(fmt::format("prepare '{}'", sql));
  return Stmt(stmt, this);
}

Status Db::BeginImmediate() { return Exec("BEGIN IMMEDIATE"); }

Status Db::Commit() { return Exec("COMMIT"); }

void Db::Rollback() {
  if (sqlite3_get_autocommit(db_) == 0) (void)Exec("ROLLBACK");
}

int64_t Db::LastInsertId() const { return sqlite3_last_insert_rowid(db_); }

int64_t Db::Changes() const { return sqlite3_changes64(db_); }

Status Db::Error(std::string_view what) const {
  return FromCode(db_, sqlite3_extended_errcode(db_), fmt::format("{}: {}", path_, what));
}

}  // namespace periscope::store
