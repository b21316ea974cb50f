#include "store/db.h"
#include "store/db_backend.h"

#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <fstream>
#include <sstream>
#include <vector>

#include <fmt/format.h>

#include "store/schema.h"

namespace periscope::store {

namespace {

// SQLite's lock bytes (os_unix.c / wal.c): the WAL writer lock is shm slot 0
// at offset 120 of the -shm file; in rollback mode a writer holds the
// reserved (0x40000001) or pending (0x40000000) byte of the database file.
constexpr uint64_t kWalWriteLockOffset = 120;
constexpr uint64_t kPendingByte = 0x40000000;
constexpr uint64_t kReservedByte = 0x40000001;

std::string DirOf(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

bool Exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

// NotFound for a missing database, naming the path; init is suggested only
// when it could create the file (the directory exists).
Status MissingDatabase(const std::string& path) {
  std::string dir = DirOf(path);
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return NotFoundError(
        fmt::format("{}: no such database: directory {} does not exist", path, dir));
  }
  return NotFoundError(fmt::format(
      "{}: no such database (check the path; 'periscope-store --db {} init' creates a new one)",
      path, path));
}

// A "file:" URI for `path` with `query`, percent-encoding what URIs reserve.
std::string FileUri(const std::string& path, std::string_view query) {
  std::string uri = "file:";
  for (char ch : path) {
    auto c = static_cast<unsigned char>(ch);
    if (c == '%' || c == '?' || c == '#' || c < 0x21 || c >= 0x7f) {
      uri += fmt::format("%{:02X}", c);
    } else {
      uri += ch;
    }
  }
  uri += '?';
  uri += query;
  return uri;
}

std::string ProcessCommandLine(pid_t pid) {
  std::ifstream in(fmt::format("/proc/{}/cmdline", pid), std::ios::binary);
  std::string raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  while (!raw.empty() && raw.back() == '\0') raw.pop_back();
  for (char& c : raw) {
    if (c == '\0') c = ' ';
  }
  if (raw.size() > 200) raw = raw.substr(0, 200) + "...";
  return raw.empty() ? "command unknown" : raw;
}

// Status for SQLite result `rc`, with `what` in front.
Status Classify(sqlite3* db, int rc, std::string_view what, std::string_view detail,
                const std::string& path, std::chrono::milliseconds busy_timeout) {
  int primary = rc & 0xff;
  int os_error = db != nullptr ? sqlite3_system_errno(db) : 0;
  if (primary == SQLITE_FULL ||
      (primary == SQLITE_IOERR && (os_error == ENOSPC || os_error == EDQUOT))) {
    return ResourceExhaustedError(fmt::format(
        "{}: disk full ({}{}{}): free space on the filesystem holding {} (or the quota)", what,
        detail, os_error == ENOSPC || os_error == EDQUOT ? ": " : "",
        os_error == ENOSPC || os_error == EDQUOT ? std::strerror(os_error) : "", path));
  }
  std::string msg = fmt::format("{}: {}", what, detail);
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) {
    std::string holders = DescribeWriteLockHolders(path);
    return UnavailableError(fmt::format("{} by another writer{}{}; gave up after waiting {} ms",
                                        msg, holders.empty() ? "" : ": ", holders,
                                        busy_timeout.count()));
  }
  if (primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB) return DataLossError(msg);
  if (primary == SQLITE_CONSTRAINT) return AlreadyExistsError(msg);
  if (primary == SQLITE_CANTOPEN || primary == SQLITE_PERM || primary == SQLITE_READONLY)
    return PermissionDeniedError(msg);
  return InternalError(msg);
}

Status OpenError(sqlite3* handle, int rc, const std::string& path) {
  Status s =
      Classify(handle, rc, path, handle != nullptr ? sqlite3_errmsg(handle) : sqlite3_errstr(rc),
               path, std::chrono::milliseconds(0));
  sqlite3_close(handle);
  return s;
}

// Refuses a file whose header says a newer schema, before SQLite opens it.
Status CheckHeader(const std::string& path) {
  auto version = PeekUserVersion(path);
  if (!version.ok()) return version.status();
  if (*version > SchemaVersion()) return SchemaVersionMismatch(path, *version);
  return Status::Ok();
}

// The formatting functions shared SQL uses; PostgreSQL defines the same
// names in its migration 7 (store/schema_pg.cc). NULL in, NULL out.
void UtcText(sqlite3_context* ctx, int, sqlite3_value** argv) {
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL) return sqlite3_result_null(ctx);
  const time_t t = static_cast<time_t>(sqlite3_value_int64(argv[0]));
  struct tm tm {};
  char text[32];
  if (gmtime_r(&t, &tm) == nullptr ||
      std::strftime(text, sizeof(text), "%Y-%m-%d %H:%M:%S", &tm) == 0) {
    return sqlite3_result_null(ctx);
  }
  sqlite3_result_text(ctx, text, -1, SQLITE_TRANSIENT);
}

void Ymd(sqlite3_context* ctx, int, sqlite3_value** argv) {
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL) return sqlite3_result_null(ctx);
  const time_t t = static_cast<time_t>(sqlite3_value_int64(argv[0]));
  struct tm tm {};
  if (gmtime_r(&t, &tm) == nullptr) return sqlite3_result_null(ctx);
  sqlite3_result_int64(ctx,
                       (int64_t{tm.tm_year} + 1900) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday);
}

void Fixed2(sqlite3_context* ctx, int, sqlite3_value** argv) {
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL) return sqlite3_result_null(ctx);
  const std::string text = fmt::format("{:.2f}", sqlite3_value_double(argv[0]));
  sqlite3_result_text(ctx, text.c_str(), -1, SQLITE_TRANSIENT);
}

void CentiText(sqlite3_context* ctx, int, sqlite3_value** argv) {
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL) return sqlite3_result_null(ctx);
  const int64_t centi = sqlite3_value_int64(argv[0]);
  const std::string text = fmt::format("{}.{:02d}", centi / 100, centi % 100);
  sqlite3_result_text(ctx, text.c_str(), -1, SQLITE_TRANSIENT);
}

void RegisterFunctions(sqlite3* handle) {
  constexpr int kFlags = SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS;
  sqlite3_create_function_v2(handle, "periscope_utc_text", 1, kFlags, nullptr, UtcText, nullptr,
                             nullptr, nullptr);
  sqlite3_create_function_v2(handle, "periscope_ymd", 1, kFlags, nullptr, Ymd, nullptr, nullptr,
                             nullptr);
  sqlite3_create_function_v2(handle, "periscope_fixed2", 1, kFlags, nullptr, Fixed2, nullptr,
                             nullptr, nullptr);
  sqlite3_create_function_v2(handle, "periscope_centi_text", 1, kFlags, nullptr, CentiText, nullptr,
                             nullptr, nullptr);
}

class SqliteStmt final : public internal::StmtImpl {
 public:
  SqliteStmt(sqlite3_stmt* stmt, const internal::DbImpl* db) : stmt_(stmt), db_(db) {}
  ~SqliteStmt() override { sqlite3_finalize(stmt_); }
  SqliteStmt(const SqliteStmt&) = delete;
  SqliteStmt& operator=(const SqliteStmt&) = delete;

  Status BindInt(int index, int64_t value) override {
    return Check(sqlite3_bind_int64(stmt_, index, value));
  }
  Status BindText(int index, std::string_view value) override {
    return Check(sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT,
                                     SQLITE_UTF8));
  }
  Status BindDouble(int index, double value) override {
    return Check(sqlite3_bind_double(stmt_, index, value));
  }
  Status BindNull(int index) override { return Check(sqlite3_bind_null(stmt_, index)); }
  Result<bool> Step() override {
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return db_->Error(fmt::format("step '{}'", sqlite3_sql(stmt_)));
  }
  void Reset() override {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  int64_t Int(int column) const override { return sqlite3_column_int64(stmt_, column); }
  double Double(int column) const override { return sqlite3_column_double(stmt_, column); }
  std::string Text(int column) const override {
    const unsigned char* p = sqlite3_column_text(stmt_, column);
    int n = sqlite3_column_bytes(stmt_, column);
    return p == nullptr ? std::string()
                        : std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(n));
  }
  bool IsNull(int column) const override {
    return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
  }
  int ColumnCount() const override { return sqlite3_column_count(stmt_); }
  std::string ColumnName(int column) const override {
    const char* n = sqlite3_column_name(stmt_, column);
    return n == nullptr ? std::string() : std::string(n);
  }

 private:
  Status Check(int rc) const { return rc == SQLITE_OK ? Status::Ok() : db_->Error("bind"); }
  sqlite3_stmt* stmt_;
  const internal::DbImpl* db_;
};

class SqliteDb final : public internal::DbImpl {
 public:
  SqliteDb(sqlite3* handle, std::string path, std::chrono::milliseconds busy_timeout)
      : db_(handle), path_(std::move(path)), busy_timeout_(busy_timeout) {}
  ~SqliteDb() override { sqlite3_close_v2(db_); }
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

  Backend backend() const override { return Backend::kSqlite; }
  const std::string& name() const override { return path_; }

  Status Exec(std::string_view sql) override {
    std::string s(sql);
    char* err = nullptr;
    int rc = sqlite3_exec(db_, s.c_str(), nullptr, nullptr, &err);
    if (rc != SQLITE_OK) {
      std::string msg = err != nullptr ? err : sqlite3_errstr(rc);
      sqlite3_free(err);
      return FromCode(rc, path_, msg);
    }
    return Status::Ok();
  }

  Result<std::unique_ptr<internal::StmtImpl>> Prepare(std::string_view sql) override {
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
    if (rc != SQLITE_OK) return Error(fmt::format("prepare '{}'", sql));
    return std::unique_ptr<internal::StmtImpl>(new SqliteStmt(stmt, this));
  }

  Status BeginImmediate() override { return Exec("BEGIN IMMEDIATE"); }
  Status BeginConcurrent() override { return BeginImmediate(); }
  Status Commit() override { return Exec("COMMIT"); }
  void Rollback() override {
    if (sqlite3_get_autocommit(db_) == 0) (void)Exec("ROLLBACK");
  }
  int64_t Changes() const override { return sqlite3_changes64(db_); }
  Status Error(std::string_view what) const override {
    return FromCode(sqlite3_extended_errcode(db_), fmt::format("{}: {}", path_, what),
                    sqlite3_errmsg(db_));
  }
  bool ConnectionLost() const override { return false; }
  Status Reconnect() override { return Status::Ok(); }

 private:
  Status FromCode(int rc, std::string_view what, std::string_view detail) const {
    return Classify(db_, rc, what, detail, path_, busy_timeout_);
  }
  sqlite3* db_;
  std::string path_;
  std::chrono::milliseconds busy_timeout_;
};

}  // namespace

Result<int> PeekUserVersion(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return MissingDatabase(path);
    return PermissionDeniedError(fmt::format("{}: {}", path, std::strerror(errno)));
  }
  if (st.st_size == 0) return 0;
  // Through SQLite's own VFS: its close keeps this process's POSIX locks on
  // the file, which a plain open()/close() would drop.
  sqlite3_vfs* vfs = sqlite3_vfs_find(nullptr);
  if (vfs == nullptr) return InternalError("sqlite: no default VFS");
  std::vector<char> full(static_cast<size_t>(vfs->mxPathname) + 1);
  if (vfs->xFullPathname(vfs, path.c_str(), vfs->mxPathname, full.data()) != SQLITE_OK) {
    return InvalidArgumentError(fmt::format("{}: cannot resolve the path", path));
  }
  std::vector<char> file_storage(static_cast<size_t>(vfs->szOsFile));
  auto* file = reinterpret_cast<sqlite3_file*>(file_storage.data());
  int out_flags = 0;
  int rc =
      vfs->xOpen(vfs, full.data(), file, SQLITE_OPEN_READONLY | SQLITE_OPEN_MAIN_DB, &out_flags);
  if (rc != SQLITE_OK) {
    return PermissionDeniedError(fmt::format("{}: cannot open: {}", path, sqlite3_errstr(rc)));
  }
  unsigned char header[100] = {};
  rc = file->pMethods->xRead(file, header, sizeof(header), 0);
  file->pMethods->xClose(file);
  if ((rc != SQLITE_OK && rc != SQLITE_IOERR_SHORT_READ) ||
      std::memcmp(header, "SQLite format 3", 16) != 0) {
    return DataLossError(fmt::format("{}: not an SQLite database", path));
  }
  uint32_t v = (uint32_t{header[60]} << 24) | (uint32_t{header[61]} << 16) |
               (uint32_t{header[62]} << 8) | uint32_t{header[63]};
  return static_cast<int>(v);
}

std::string DescribeWriteLockHolders(const std::string& path) {
  struct Wanted {
    dev_t dev;
    ino_t ino;
    uint64_t first, last;
  };
  std::vector<Wanted> wanted;
  struct stat st {};
  if (::stat((path + "-shm").c_str(), &st) == 0) {
    wanted.push_back({st.st_dev, st.st_ino, kWalWriteLockOffset, kWalWriteLockOffset});
  }
  if (::stat(path.c_str(), &st) == 0) {
    wanted.push_back({st.st_dev, st.st_ino, kPendingByte, kReservedByte});
  }
  std::ifstream locks("/proc/locks");
  std::string line;
  std::vector<pid_t> pids;
  while (std::getline(locks, line)) {
    // "1: POSIX  ADVISORY  WRITE 7610 fe:00:10953429 120 120"
    std::istringstream in(line);
    std::string id, kind, advisory, type, file, start, end;
    long pid = 0;
    if (!(in >> id >> kind >> advisory >> type >> pid >> file >> start >> end)) continue;
    if (kind != "POSIX" || type != "WRITE" || pid <= 0 || pid == ::getpid()) continue;
    unsigned maj = 0, min = 0;
    unsigned long long ino = 0;
    if (std::sscanf(file.c_str(), "%x:%x:%llu", &maj, &min, &ino) != 3) continue;
    uint64_t lo = std::strtoull(start.c_str(), nullptr, 10);
    uint64_t hi = end == "EOF" ? UINT64_MAX : std::strtoull(end.c_str(), nullptr, 10);
    for (const Wanted& w : wanted) {
      if (major(w.dev) == maj && minor(w.dev) == min && w.ino == ino && lo <= w.last &&
          hi >= w.first && std::find(pids.begin(), pids.end(), pid) == pids.end()) {
        pids.push_back(static_cast<pid_t>(pid));
      }
    }
  }
  std::string out;
  for (pid_t pid : pids) {
    if (!out.empty()) out += ", ";
    out += fmt::format("pid {} ({})", pid, ProcessCommandLine(pid));
  }
  return out;
}

namespace internal {

Result<std::unique_ptr<DbImpl>> OpenSqliteWriter(const std::string& path, OpenMode mode,
                                                 std::chrono::milliseconds busy_timeout) {
  if (Exists(path)) {
    PERISCOPE_RETURN_IF_ERROR(CheckHeader(path));
  } else if (mode == OpenMode::kMustExist || !Exists(DirOf(path))) {
    return MissingDatabase(path);
  }
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
  if (mode == OpenMode::kCreate) flags |= SQLITE_OPEN_CREATE;
  sqlite3* handle = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &handle, flags, nullptr);
  if (rc != SQLITE_OK) return OpenError(handle, rc, path);
  sqlite3_busy_timeout(handle, static_cast<int>(busy_timeout.count()));
  sqlite3_extended_result_codes(handle, 1);
  RegisterFunctions(handle);
  return std::unique_ptr<DbImpl>(new SqliteDb(handle, path, busy_timeout));
}

Result<std::unique_ptr<DbImpl>> OpenSqliteReader(const std::string& path) {
  if (!Exists(path)) return MissingDatabase(path);
  PERISCOPE_RETURN_IF_ERROR(CheckHeader(path));
  const std::string dir = DirOf(path);
  const bool dir_writable = ::access(dir.c_str(), W_OK) == 0;
  const bool have_wal = Exists(path + "-wal");
  // Read-only media: SQLite cannot create the -shm file, and with no -wal file
  // no writer has the database open, so the main file is the whole database.
  const bool immutable = !dir_writable && !have_wal;
  std::string name = immutable ? FileUri(path, "immutable=1") : path;
  sqlite3* handle = nullptr;
  int rc = sqlite3_open_v2(name.c_str(), &handle,
                           SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI, nullptr);
  if (rc != SQLITE_OK) return OpenError(handle, rc, path);
  sqlite3_busy_timeout(handle, 10000);
  sqlite3_extended_result_codes(handle, 1);
  RegisterFunctions(handle);
  std::unique_ptr<DbImpl> db(new SqliteDb(handle, path, std::chrono::seconds(10)));
  // SQLite opens lazily: read the schema now so that a file it cannot read
  // fails here, with the reason.
  auto probe = db->Prepare("SELECT count(*) FROM sqlite_schema");
  Status s = probe.ok() ? (*probe)->Step().status() : probe.status();
  if (!s.ok()) {
    if (have_wal && !dir_writable) {
      return PermissionDeniedError(fmt::format(
          "{}: cannot be read here: {}-wal holds changes that SQLite reads through {}-shm, "
          "which it cannot create or open because {} is not writable; read it as a user who "
          "can write {}, or copy the database with its -wal file to a writable directory ({})",
          path, path, path, dir, dir, s.message()));
    }
    return s;
  }
  return db;
}

}  // namespace internal

}  // namespace periscope::store
