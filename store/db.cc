#include "store/db.h"

#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
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

Stmt& Stmt::BindDouble(int index, double value) {
  int rc = sqlite3_bind_double(stmt_, index, value);
  if (rc != SQLITE_OK && bind_status_.ok()) bind_status_ = db_->Error("bind");
  return *this;
}

Stmt& Stmt::BindDouble(int index, const std::optional<double>& value) {
  return value ? BindDouble(index, *value) : BindNull(index);
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

double Stmt::Double(int column) const { return sqlite3_column_double(stmt_, column); }

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

Result<std::unique_ptr<Db>> Db::OpenWriter(const std::string& path, OpenMode mode,
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
  std::unique_ptr<Db> db(new Db(handle, path, busy_timeout));
  sqlite3_busy_timeout(handle, static_cast<int>(busy_timeout.count()));
  sqlite3_extended_result_codes(handle, 1);
  // The header may be stale while a -wal file holds newer commits: ask SQLite
  // too, still before anything is written.
  auto version = CurrentVersion(*db);
  if (!version.ok()) return version.status();
  if (*version > SchemaVersion()) return SchemaVersionMismatch(path, *version);
  if (mode == OpenMode::kMustExist && *version == 0) {
    // Never initialised (an empty file, or not ours): only init may write to
    // it. MigrateExisting refuses version 0 with the reason, writing nothing.
    Status refused = MigrateExisting(*db);
    return refused.ok() ? InternalError(fmt::format("{}: schema version 0", path)) : refused;
  }
  // WAL: readers never block the writer. synchronous=FULL: a commit survives
  // power loss, not only a crash (the history is the product).
  for (const char* pragma :
       {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL", "PRAGMA foreign_keys=ON"}) {
    Status s = db->Exec(pragma);
    if (!s.ok()) return s;
  }
  return db;
}

Result<std::unique_ptr<Db>> Db::OpenReader(const std::string& path) {
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
  std::unique_ptr<Db> db(new Db(handle, path, std::chrono::seconds(10)));
  sqlite3_busy_timeout(handle, 10000);
  sqlite3_extended_result_codes(handle, 1);
  // SQLite opens lazily: read the schema now so that a file it cannot read
  // fails here, with the reason.
  auto probe = db->Prepare("SELECT count(*) FROM sqlite_schema");
  Status s = probe.ok() ? probe->Step().status() : probe.status();
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

Db::~Db() { sqlite3_close_v2(db_); }

Status Db::Exec(std::string_view sql) {
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
  return FromCode(sqlite3_extended_errcode(db_), fmt::format("{}: {}", path_, what),
                  sqlite3_errmsg(db_));
}

Status Db::FromCode(int rc, std::string_view what, std::string_view detail) const {
  return Classify(db_, rc, what, detail, path_, busy_timeout_);
}

}  // namespace periscope::store
