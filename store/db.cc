#include "store/db.h"

#include <fmt/format.h>

#include "store/db_backend.h"
#include "store/schema.h"

namespace periscope::store {

Stmt::Stmt(std::unique_ptr<internal::StmtImpl> impl) : impl_(std::move(impl)) {}
Stmt::Stmt(Stmt&&) noexcept = default;
Stmt& Stmt::operator=(Stmt&&) noexcept = default;
Stmt::~Stmt() = default;

void Stmt::Note(Status s) {
  if (!s.ok() && bind_status_.ok()) bind_status_ = std::move(s);
}

Stmt& Stmt::Bind(int index, int64_t value) {
  Note(impl_->BindInt(index, value));
  return *this;
}

Stmt& Stmt::Bind(int index, std::string_view value) {
  Note(impl_->BindText(index, value));
  return *this;
}

Stmt& Stmt::BindDouble(int index, double value) {
  Note(impl_->BindDouble(index, value));
  return *this;
}

Stmt& Stmt::BindDouble(int index, const std::optional<double>& value) {
  return value ? BindDouble(index, *value) : BindNull(index);
}

Stmt& Stmt::BindNull(int index) {
  Note(impl_->BindNull(index));
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
  return impl_->Step();
}

Status Stmt::Run() {
  while (true) {
    Result<bool> r = Step();
    if (!r.ok()) return r.status();
    if (!*r) return Status::Ok();
  }
}

Result<int64_t> Stmt::RunReturningId() {
  Result<bool> row = Step();
  if (!row.ok()) return row.status();
  if (!*row) return InternalError("INSERT ... RETURNING id gave no row");
  const int64_t id = Int(0);
  PERISCOPE_RETURN_IF_ERROR(Run());
  return id;
}

void Stmt::Reset() {
  impl_->Reset();
  bind_status_ = Status::Ok();
}

int64_t Stmt::Int(int column) const { return impl_->Int(column); }
double Stmt::Double(int column) const { return impl_->Double(column); }
std::string Stmt::Text(int column) const { return impl_->Text(column); }
bool Stmt::IsNull(int column) const { return impl_->IsNull(column); }
int Stmt::ColumnCount() const { return impl_->ColumnCount(); }
std::string Stmt::ColumnName(int column) const { return impl_->ColumnName(column); }

Db::Db(std::unique_ptr<internal::DbImpl> impl) : impl_(std::move(impl)) {}
Db::~Db() = default;

Result<std::unique_ptr<Db>> Db::OpenWriter(const std::string& path, OpenMode mode,
                                           std::chrono::milliseconds busy_timeout) {
  const bool postgres = IsPostgresUri(path);
  auto impl = postgres ? internal::OpenPostgres(path, /*read_only=*/false, busy_timeout)
                       : internal::OpenSqliteWriter(path, mode, busy_timeout);
  if (!impl.ok()) return impl.status();
  auto db = std::make_unique<Db>(std::move(*impl));
  // SQLite: the header may be stale while a -wal file holds newer commits:
  // ask the engine too, still before anything is written.
  auto version = CurrentVersion(*db);
  if (!version.ok()) return version.status();
  if (*version > SchemaVersion()) return SchemaVersionMismatch(db->path(), *version);
  if (mode == OpenMode::kMustExist && *version == 0) {
    // Never initialised (an empty file, or not ours): only init may write to
    // it. MigrateExisting refuses version 0 with the reason, writing nothing.
    Status refused = MigrateExisting(*db);
    return refused.ok() ? InternalError(fmt::format("{}: schema version 0", db->path())) : refused;
  }
  if (!postgres) {
    // WAL: readers never block the writer. synchronous=FULL: a commit survives
    // power loss, not only a crash (the history is the product).
    for (const char* pragma :
         {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL", "PRAGMA foreign_keys=ON"}) {
      PERISCOPE_RETURN_IF_ERROR(db->Exec(pragma));
    }
  }
  return db;
}

Result<std::unique_ptr<Db>> Db::OpenReader(const std::string& path) {
  if (IsPostgresUri(path)) {
    auto impl = internal::OpenPostgres(path, /*read_only=*/true, std::chrono::seconds(10));
    if (!impl.ok()) return impl.status();
    auto db = std::make_unique<Db>(std::move(*impl));
    auto version = CurrentVersion(*db);
    if (!version.ok()) return version.status();
    if (*version > SchemaVersion()) return SchemaVersionMismatch(db->path(), *version);
    return db;
  }
  auto impl = internal::OpenSqliteReader(path);
  if (!impl.ok()) return impl.status();
  return std::make_unique<Db>(std::move(*impl));
}

Status Db::Exec(std::string_view sql) { return impl_->Exec(sql); }

Result<Stmt> Db::Prepare(std::string_view sql) {
  auto stmt = impl_->Prepare(sql);
  if (!stmt.ok()) return stmt.status();
  return Stmt(std::move(*stmt));
}

Status Db::BeginImmediate() { return impl_->BeginImmediate(); }
Status Db::BeginConcurrent() { return impl_->BeginConcurrent(); }
Status Db::Commit() { return impl_->Commit(); }
void Db::Rollback() { impl_->Rollback(); }
int64_t Db::Changes() const { return impl_->Changes(); }
const std::string& Db::path() const { return impl_->name(); }
Backend Db::backend() const { return impl_->backend(); }
bool Db::ConnectionLost() const { return impl_->ConnectionLost(); }
Status Db::Reconnect() { return impl_->Reconnect(); }
Status Db::Error(std::string_view what) const { return impl_->Error(what); }

}  // namespace periscope::store
