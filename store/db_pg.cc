// The PostgreSQL engine behind store::Db (libpq's C API; the only file that
// includes libpq-fe.h).
#include <libpq-fe.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <fmt/format.h>

#include "store/db.h"
#include "store/db_backend.h"

namespace periscope::store::internal {
namespace {

// Every parameter is sent as text of unknown type: the server takes its type
// from where it is used, as SQLite's type affinity does (a text "5" bound to
// an integer column, 1/0 in a boolean spot). A parameter whose only use gives
// no type (`? IS NULL`) needs a CAST in the SQL.
constexpr Oid kUnknownOid = 0;
// pg_type.oid of boolean (catalog/pg_type.dat; fixed since PostgreSQL 7).
constexpr Oid kBoolOid = 16;

// The advisory-lock key BeginImmediate takes: one writing transaction at a
// time per store, as SQLite's BEGIN IMMEDIATE (ASCII "periscop").
constexpr int64_t kWriterLockKey = 0x7065726973636f70;

struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using ResultPtr = std::unique_ptr<PGresult, ResultDeleter>;

// SQLite placeholders (`?`, `?N`) as PostgreSQL's ($N): a plain `?` takes the
// largest number used so far plus one, as in SQLite. Quoted strings,
// identifiers and comments are copied as they are.
std::string NumberPlaceholders(std::string_view sql, int* max_index) {
  std::string out;
  out.reserve(sql.size() + 16);
  int highest = 0;
  size_t i = 0;
  while (i < sql.size()) {
    const char c = sql[i];
    if (c == '\'' || c == '"') {
      size_t end = i + 1;
      while (end < sql.size()) {
        if (sql[end] == c) {
          if (end + 1 < sql.size() && sql[end + 1] == c) {
            end += 2;
            continue;
          }
          break;
        }
        ++end;
      }
      end = std::min(end + 1, sql.size());
      out.append(sql.substr(i, end - i));
      i = end;
    } else if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
      size_t end = sql.find('\n', i);
      end = end == std::string_view::npos ? sql.size() : end;
      out.append(sql.substr(i, end - i));
      i = end;
    } else if (c == '?') {
      size_t j = i + 1;
      int number = 0;
      while (j < sql.size() && sql[j] >= '0' && sql[j] <= '9') {
        number = number * 10 + (sql[j] - '0');
        ++j;
      }
      if (j == i + 1) number = highest + 1;
      highest = std::max(highest, number);
      out += fmt::format("${}", number);
      i = j;
    } else {
      out += c;
      ++i;
    }
  }
  *max_index = highest;
  return out;
}

std::string Trimmed(const char* message) {
  std::string s = message != nullptr ? message : "";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  for (char& ch : s) {
    if (ch == '\n') ch = ' ';
  }
  return s;
}

// Status for a failed command: SQLSTATE decides the code.
Status Classify(const PGresult* result, PGconn* conn, std::string_view what) {
  const char* state = result != nullptr ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  std::string detail = Trimmed(result != nullptr ? PQresultErrorMessage(result) : "");
  if (detail.empty()) detail = Trimmed(PQerrorMessage(conn));
  const std::string msg = fmt::format("{}: {}", what, detail);
  const std::string code = state != nullptr ? state : "";
  if (code.empty() || PQstatus(conn) == CONNECTION_BAD) {
    return UnavailableError(fmt::format("{} (connection to the database lost)", msg));
  }
  const std::string klass = code.substr(0, 2);
  if (klass == "23") return AlreadyExistsError(msg);
  if (klass == "53")
    return ResourceExhaustedError(fmt::format("{} (server out of resources)", msg));
  if (klass == "08" || klass == "57" || code == "55P03" || code == "40001" || code == "40P01") {
    return UnavailableError(msg);
  }
  if (klass == "28" || code == "42501") return PermissionDeniedError(msg);
  if (code == "3D000") return NotFoundError(msg);
  if (code == "25006") return PermissionDeniedError(fmt::format("{} (read-only connection)", msg));
  return InternalError(msg);
}

class PgDb;

class PgStmt final : public StmtImpl {
 public:
  PgStmt(PgDb* db, std::string sql, int params)
      : db_(db),
        sql_(std::move(sql)),
        values_(static_cast<size_t>(params)),
        types_(static_cast<size_t>(params), kUnknownOid) {}

  Status BindInt(int index, int64_t value) override {
    return Set(index, std::to_string(value), kUnknownOid);
  }
  Status BindText(int index, std::string_view value) override {
    if (value.find('\0') != std::string_view::npos) {
      return InvalidArgumentError("a text value holds a NUL byte (PostgreSQL text cannot)");
    }
    return Set(index, std::string(value), kUnknownOid);
  }
  Status BindDouble(int index, double value) override {
    return Set(index, fmt::format("{}", value), kUnknownOid);
  }
  Status BindNull(int index) override {
    PERISCOPE_RETURN_IF_ERROR(CheckIndex(index));
    values_[static_cast<size_t>(index - 1)].reset();
    return Status::Ok();
  }
  Result<bool> Step() override;
  void Reset() override {
    result_.reset();
    early_error_ = Status::Ok();
    row_ = -1;
    for (auto& v : values_) v.reset();
    for (auto& t : types_) t = kUnknownOid;
  }
  int64_t Int(int column) const override {
    const char* v = Value(column);
    if (v == nullptr) return 0;
    if (v[0] == 't' && v[1] == '\0') return 1;
    if (v[0] == 'f' && v[1] == '\0') return 0;
    if (std::strpbrk(v, ".eE") != nullptr) return static_cast<int64_t>(std::strtod(v, nullptr));
    return std::strtoll(v, nullptr, 10);
  }
  double Double(int column) const override {
    const char* v = Value(column);
    return v == nullptr ? 0.0 : std::strtod(v, nullptr);
  }
  // A boolean column (`x IS NULL` in a select list) reads "1"/"0" as in
  // SQLite, not PostgreSQL's "t"/"f".
  std::string Text(int column) const override {
    const char* v = Value(column);
    if (v == nullptr) return std::string();
    if (PQftype(result_.get(), column) == kBoolOid) return v[0] == 't' ? "1" : "0";
    return std::string(v, static_cast<size_t>(PQgetlength(result_.get(), row_, column)));
  }
  bool IsNull(int column) const override {
    return result_ == nullptr || row_ < 0 || PQgetisnull(result_.get(), row_, column) != 0;
  }
  // Before the first Step the statement runs now (SQLite knows its columns
  // from the prepared statement; PostgreSQL from the result), so callers may
  // ask for column names first, as with SQLite.
  int ColumnCount() const override {
    const_cast<PgStmt*>(this)->ExecuteForColumns();
    return result_ ? PQnfields(result_.get()) : 0;
  }
  std::string ColumnName(int column) const override {
    const_cast<PgStmt*>(this)->ExecuteForColumns();
    const char* n = result_ ? PQfname(result_.get(), column) : nullptr;
    return n == nullptr ? std::string() : std::string(n);
  }

 private:
  Status Execute();
  // Execute for ColumnCount/ColumnName; a failure is kept for the next Step.
  void ExecuteForColumns() {
    if (result_ == nullptr && early_error_.ok()) early_error_ = Execute();
  }
  Status CheckIndex(int index) const {
    if (index < 1 || static_cast<size_t>(index) > values_.size()) {
      return InvalidArgumentError(fmt::format("bind: parameter {} out of range 1..{} in '{}'",
                                              index, values_.size(), sql_));
    }
    return Status::Ok();
  }
  Status Set(int index, std::string value, Oid type) {
    PERISCOPE_RETURN_IF_ERROR(CheckIndex(index));
    values_[static_cast<size_t>(index - 1)] = std::move(value);
    types_[static_cast<size_t>(index - 1)] = type;
    return Status::Ok();
  }
  const char* Value(int column) const {
    if (result_ == nullptr || row_ < 0 || PQgetisnull(result_.get(), row_, column) != 0) {
      return nullptr;
    }
    return PQgetvalue(result_.get(), row_, column);
  }

  PgDb* db_;
  std::string sql_;
  std::vector<std::optional<std::string>> values_;
  std::vector<Oid> types_;
  ResultPtr result_;
  int row_ = -1;
  Status early_error_;
};

class PgDb final : public DbImpl {
 public:
  PgDb(std::string uri, bool read_only, std::chrono::milliseconds lock_timeout)
      : uri_(std::move(uri)),
        name_(RedactDatabase(uri_)),
        read_only_(read_only),
        lock_timeout_(lock_timeout) {}
  ~PgDb() override {
    if (conn_ != nullptr) PQfinish(conn_);
  }
  PgDb(const PgDb&) = delete;
  PgDb& operator=(const PgDb&) = delete;

  // Connects and sets the session up; errors name the URI without password.
  Status Connect() {
    if (conn_ != nullptr) PQfinish(conn_);
    prepared_.clear();  // a new session has none
    // The URI's own settings win over these defaults (later keywords override).
    const char* keys[] = {"connect_timeout", "fallback_application_name", "dbname", nullptr};
    const char* values[] = {"10", "periscope", uri_.c_str(), nullptr};
    conn_ = PQconnectdbParams(keys, values, /*expand_dbname=*/1);
    if (conn_ == nullptr) return ResourceExhaustedError(fmt::format("{}: out of memory", name_));
    if (PQstatus(conn_) != CONNECTION_OK) {
      std::string why = Trimmed(PQerrorMessage(conn_));
      const bool auth = why.find("password") != std::string::npos ||
                        why.find("authentication") != std::string::npos;
      const bool missing = why.find("does not exist") != std::string::npos;
      std::string msg = fmt::format("{}: cannot connect to PostgreSQL: {}", name_, why);
      if (auth) {
        return PermissionDeniedError(msg +
                                     " (the password comes from ~/.pgpass or PGPASSFILE, never "
                                     "the command line)");
      }
      if (missing) return NotFoundError(msg);
      return UnavailableError(msg);
    }
    PQsetNoticeProcessor(
        conn_, [](void*, const char*) {}, nullptr);
    std::string setup =
        fmt::format("SET client_min_messages = warning; SET lock_timeout = {}; SET TIME ZONE 'UTC'",
                    lock_timeout_.count());
    if (read_only_) setup += "; SET default_transaction_read_only = on";
    return Exec(setup);
  }

  Backend backend() const override { return Backend::kPostgres; }
  const std::string& name() const override { return name_; }

  Status Exec(std::string_view sql) override {
    ResultPtr r(PQexec(conn_, std::string(sql).c_str()));
    return Finish(r.get(), fmt::format("{}: {}", name_, Abbreviated(sql)));
  }

  Result<std::unique_ptr<StmtImpl>> Prepare(std::string_view sql) override {
    int params = 0;
    std::string numbered = NumberPlaceholders(sql, &params);
    return std::unique_ptr<StmtImpl>(new PgStmt(this, std::move(numbered), params));
  }

  // On failure (lock_timeout) no transaction is left open: the aborted one
  // would refuse every later statement, where SQLite's failed BEGIN IMMEDIATE
  // leaves the connection usable.
  Status BeginImmediate() override {
    Status s = Exec(fmt::format("BEGIN; SELECT pg_advisory_xact_lock({})", kWriterLockKey));
    if (!s.ok()) Rollback();
    return s;
  }
  Status BeginConcurrent() override { return Exec("BEGIN"); }
  Status Commit() override { return Exec("COMMIT"); }
  void Rollback() override {
    if (conn_ != nullptr && PQtransactionStatus(conn_) != PQTRANS_IDLE) (void)Exec("ROLLBACK");
  }
  int64_t Changes() const override { return changes_; }
  Status Error(std::string_view what) const override {
    return Classify(nullptr, conn_, fmt::format("{}: {}", name_, what));
  }
  bool ConnectionLost() const override {
    return conn_ == nullptr || PQstatus(conn_) == CONNECTION_BAD;
  }
  Status Reconnect() override { return Connect(); }

  // Runs a statement; returns its result (rows or not), or the error.
  Result<ResultPtr> Run(const std::string& sql,
                        const std::vector<std::optional<std::string>>& values,
                        const std::vector<Oid>& types) {
    std::vector<const char*> pointers(values.size());
    for (size_t i = 0; i < values.size(); ++i) {
      pointers[i] = values[i] ? values[i]->c_str() : nullptr;
    }
    const std::string what = fmt::format("{}: step '{}'", name_, Abbreviated(sql));
    // A statement is parsed and planned once per session (the poller runs the
    // same few per device): prepared under a name on first use, then only
    // executed. Past kMaxPrepared distinct statements (SQL built with names,
    // as the copy tool's) the rest run unprepared.
    ResultPtr r;
    auto it = prepared_.find(sql);
    if (it == prepared_.end() && prepared_.size() < kMaxPrepared) {
      std::string statement = fmt::format("periscope_{}", prepared_.size());
      ResultPtr parsed(PQprepare(conn_, statement.c_str(), sql.c_str(),
                                 static_cast<int>(values.size()), types.data()));
      PERISCOPE_RETURN_IF_ERROR(Finish(parsed.get(), what));
      it = prepared_.emplace(sql, std::move(statement)).first;
    }
    if (it != prepared_.end()) {
      r.reset(PQexecPrepared(conn_, it->second.c_str(), static_cast<int>(values.size()),
                             pointers.data(), nullptr, nullptr, 0));
    } else {
      r.reset(PQexecParams(conn_, sql.c_str(), static_cast<int>(values.size()), types.data(),
                           pointers.data(), nullptr, nullptr, 0));
    }
    Status s = Finish(r.get(), what);
    if (!s.ok()) return s;
    return r;
  }

 private:
  static std::string Abbreviated(std::string_view sql) {
    std::string s(sql.substr(0, 300));
    if (sql.size() > 300) s += "...";
    return s;
  }

  Status Finish(PGresult* r, std::string_view what) {
    ExecStatusType status = r != nullptr ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
      const char* tag = PQcmdStatus(r);
      if (std::strncmp(tag, "INSERT", 6) == 0 || std::strncmp(tag, "UPDATE", 6) == 0 ||
          std::strncmp(tag, "DELETE", 6) == 0 || std::strncmp(tag, "MERGE", 5) == 0) {
        changes_ = std::strtoll(PQcmdTuples(r), nullptr, 10);
      }
      return Status::Ok();
    }
    return Classify(r, conn_, what);
  }

  std::string uri_;
  std::string name_;
  bool read_only_;
  std::chrono::milliseconds lock_timeout_;
  PGconn* conn_ = nullptr;
  int64_t changes_ = 0;
  static constexpr size_t kMaxPrepared = 256;
  std::unordered_map<std::string, std::string> prepared_;  // SQL -> statement name
};

Status PgStmt::Execute() {
  if (result_ != nullptr) return Status::Ok();
  auto r = db_->Run(sql_, values_, types_);
  if (!r.ok()) return r.status();
  result_ = std::move(*r);
  row_ = -1;
  return Status::Ok();
}

Result<bool> PgStmt::Step() {
  if (!early_error_.ok()) return early_error_;
  if (result_ == nullptr) PERISCOPE_RETURN_IF_ERROR(Execute());
  if (row_ + 1 < PQntuples(result_.get())) {
    ++row_;
    return true;
  }
  row_ = PQntuples(result_.get());
  return false;
}

}  // namespace

Result<std::unique_ptr<DbImpl>> OpenPostgres(const std::string& uri, bool read_only,
                                             std::chrono::milliseconds lock_timeout) {
  auto db = std::make_unique<PgDb>(uri, read_only, lock_timeout);
  PERISCOPE_RETURN_IF_ERROR(db->Connect());
  return std::unique_ptr<DbImpl>(std::move(db));
}

}  // namespace periscope::store::internal
