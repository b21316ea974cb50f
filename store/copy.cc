#include "store/copy.h"

#include <cctype>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <fmt/format.h>

#include "store/retention.h"
#include "store/schema.h"

namespace periscope::store {
namespace {

// A table and its primary key, in foreign key order.
struct TableSpec {
  const char* name;
  std::vector<const char*> key;
};

const std::vector<TableSpec>& Specs() {
  static const std::vector<TableSpec> kSpecs = {
      {"staff", {"id"}},
      {"customers", {"id"}},
      {"targets", {"id"}},
      {"devices", {"id"}},
      {"device_specs", {"id"}},
      {"poll_runs", {"id"}},
      {"samples", {"id"}},
      {"daily", {"device_id", "date"}},
      {"poll_errors", {"id"}},
      {"poll_warnings", {"id"}},
      {"proposals", {"id"}},
      {"inquiries", {"id"}},
      {"inquiry_answers", {"id"}},
      {"outbox", {"id"}},
      {"outbox_proposals", {"outbox_id", "proposal_id"}},
      {"peripheral_specs", {"id"}},
      {"metric_samples", {"device_id", "metric", "instance", "sampled_at"}},
      {"metric_last", {"device_id", "metric", "instance"}},
      {"metric_daily", {"device_id", "metric", "instance", "date"}},
      {"device_alerts", {"device_id", "alert_index"}},
      {"claims", {"id"}},
      {"claim_devices", {"claim_id", "seq"}},
      {"claim_values", {"claim_id", "seq"}},
      {"claim_stats", {"claim_id", "seq"}},
      {"portal_accounts", {"customer_id"}},
      {"portal_invites", {"token_sha256"}},
      {"portal_sessions", {"token_sha256"}},
      {"contact_requests", {"id"}},
      {"customer_changes", {"id"}},
      {"poll_buckets", {"bucket"}},
      {"pollers", {"name"}},
      {"store_settings", {"name"}},
  };
  return kSpecs;
}

const TableSpec* FindSpec(std::string_view table) {
  for (const TableSpec& spec : Specs()) {
    if (table == spec.name) return &spec;
  }
  return nullptr;
}

enum class Kind { kInt, kReal, kText };

struct Column {
  std::string name;
  Kind kind;
};

// The table's columns in order, with how their values are read and written.
Result<std::vector<Column>> Columns(Db& db, const std::string& table) {
  auto stmt =
      db.Prepare(db.is_postgres() ? "SELECT column_name, data_type FROM information_schema.columns "
                                    "WHERE table_schema = current_schema() AND table_name = ? "
                                    "ORDER BY ordinal_position"
                                  : "SELECT name, type FROM pragma_table_info(?) ORDER BY cid");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, table);
  std::vector<Column> columns;
  while (true) {
    auto row = stmt->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    std::string type = stmt->Text(1);
    for (char& c : type) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    Kind kind = Kind::kText;
    if (type.find("INT") != std::string::npos) {
      kind = Kind::kInt;
    } else if (type.find("REAL") != std::string::npos || type.find("DOUB") != std::string::npos ||
               type.find("FLOA") != std::string::npos) {
      kind = Kind::kReal;
    }
    columns.push_back({stmt->Text(0), kind});
  }
  if (columns.empty()) {
    return FailedPreconditionError(fmt::format("{}: table {} is missing", db.path(), table));
  }
  return columns;
}

Kind KindOf(const std::vector<Column>& columns, std::string_view name) {
  for (const Column& c : columns) {
    if (c.name == name) return c.kind;
  }
  return Kind::kText;
}

// `col` for ORDER BY and comparisons: text in byte order on both engines
// (SQLite's BINARY collation; PostgreSQL's "C").
std::string Ordered(const Db& db, const std::vector<Column>& columns, const char* col) {
  if (db.is_postgres() && KindOf(columns, col) == Kind::kText) {
    return fmt::format("{} COLLATE \"C\"", col);
  }
  return col;
}

std::string KeyList(const Db& db, const TableSpec& spec, const std::vector<Column>& columns,
                    std::string_view suffix = "") {
  std::string out;
  for (const char* k : spec.key) {
    if (!out.empty()) out += ", ";
    out += Ordered(db, columns, k);
    out += suffix;
  }
  return out;
}

std::string ColumnList(const std::vector<Column>& columns) {
  std::string out;
  for (const Column& c : columns) {
    if (!out.empty()) out += ", ";
    out += c.name;
  }
  return out;
}

using Value = std::variant<std::monostate, int64_t, double, std::string>;

Value Read(const Stmt& stmt, int column, Kind kind) {
  if (stmt.IsNull(column)) return std::monostate{};
  switch (kind) {
    case Kind::kInt:
      return stmt.Int(column);
    case Kind::kReal:
      return stmt.Double(column);
    case Kind::kText:
      break;
  }
  return stmt.Text(column);
}

void BindValue(Stmt& stmt, int index, const Value& value) {
  if (std::holds_alternative<int64_t>(value)) {
    stmt.Bind(index, std::get<int64_t>(value));
  } else if (std::holds_alternative<double>(value)) {
    stmt.BindDouble(index, std::get<double>(value));
  } else if (std::holds_alternative<std::string>(value)) {
    stmt.Bind(index, std::get<std::string>(value));
  } else {
    stmt.BindNull(index);
  }
}

// A read transaction over the whole of a copy or checksum: one snapshot.
Status BeginSnapshot(Db& db) {
  return db.Exec(db.is_postgres() ? "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY" : "BEGIN");
}

void EndSnapshot(Db& db) { (void)db.Exec("COMMIT"); }

// Rows of one SELECT, in order, without holding them all: SQLite steps the
// statement; PostgreSQL (whose Stmt holds a whole result) reads a cursor in
// batches. Needs an open transaction (BeginSnapshot) on PostgreSQL.
class RowStream {
 public:
  static constexpr const char* kCursor = "periscope_copy_rows";

  static Result<RowStream> Open(Db& db, const std::string& select, const std::vector<Value>& params,
                                int batch_rows) {
    RowStream rows(db, batch_rows);
    auto stmt = db.Prepare(db.is_postgres()
                               ? fmt::format("DECLARE {} NO SCROLL CURSOR FOR {}", kCursor, select)
                               : select);
    if (!stmt.ok()) return stmt.status();
    for (size_t i = 0; i < params.size(); ++i) BindValue(*stmt, static_cast<int>(i + 1), params[i]);
    if (db.is_postgres()) {
      PERISCOPE_RETURN_IF_ERROR(stmt->Run());
      rows.open_cursor_ = true;
    } else {
      rows.stmt_.emplace(std::move(*stmt));
    }
    return rows;
  }

  RowStream(RowStream&& other) noexcept
      : db_(other.db_),
        batch_rows_(other.batch_rows_),
        stmt_(std::move(other.stmt_)),
        fetched_(other.fetched_),
        done_(other.done_),
        open_cursor_(other.open_cursor_) {
    other.open_cursor_ = false;
  }
  RowStream& operator=(RowStream&&) = delete;
  ~RowStream() {
    if (open_cursor_) (void)db_->Exec(fmt::format("CLOSE {}", kCursor));
  }

  // Moves to the next row: false when there is none.
  Result<bool> Next() {
    if (!db_->is_postgres()) return stmt_->Step();
    while (!done_) {
      if (stmt_) {
        auto row = stmt_->Step();
        if (!row.ok()) return row.status();
        if (*row) {
          ++fetched_;
          return true;
        }
        if (fetched_ < batch_rows_) break;
      }
      auto fetch = db_->Prepare(fmt::format("FETCH FORWARD {} FROM {}", batch_rows_, kCursor));
      if (!fetch.ok()) return fetch.status();
      stmt_.emplace(std::move(*fetch));
      fetched_ = 0;
    }
    done_ = true;
    return false;
  }

  const Stmt& row() const { return *stmt_; }

 private:
  RowStream(Db& db, int batch_rows) : db_(&db), batch_rows_(batch_rows) {}

  Db* db_;
  int batch_rows_;
  std::optional<Stmt> stmt_;
  int fetched_ = 0;
  bool done_ = false;
  bool open_cursor_ = false;
};

std::string SelectInKeyOrder(const Db& db, const TableSpec& spec,
                             const std::vector<Column>& columns, bool after_key) {
  std::string where;
  if (after_key) {
    std::string params;
    for (size_t i = 0; i < spec.key.size(); ++i) params += i == 0 ? "?" : ", ?";
    where = fmt::format(" WHERE ({}) > ({})", KeyList(db, spec, columns), params);
  }
  return fmt::format("SELECT {} FROM {}{} ORDER BY {}", ColumnList(columns), spec.name, where,
                     KeyList(db, spec, columns));
}

// 64-bit FNV-1a over a row stream; each value is tagged with its kind and
// length, so NULL, '' and 0 differ and no two rows run into each other.
class Checksum {
 public:
  void Add(std::string_view bytes) {
    for (char c : bytes) {
      hash_ ^= static_cast<unsigned char>(c);
      hash_ *= 1099511628211ULL;
    }
  }
  void AddValue(const Value& value) {
    if (std::holds_alternative<int64_t>(value)) {
      Add(fmt::format("i{};", std::get<int64_t>(value)));
    } else if (std::holds_alternative<double>(value)) {
      char buf[40];
      std::snprintf(buf, sizeof buf, "r%.17g;", std::get<double>(value));
      Add(buf);
    } else if (std::holds_alternative<std::string>(value)) {
      const std::string& s = std::get<std::string>(value);
      Add(fmt::format("t{}:", s.size()));
      Add(s);
    } else {
      Add("n;");
    }
  }
  uint64_t hash() const { return hash_; }

 private:
  uint64_t hash_ = 14695981039346656037ULL;
};

// ChecksumTable inside an open snapshot.
Result<TableChecksum> ChecksumIn(Db& db, const TableSpec& spec,
                                 const std::vector<Column>& columns) {
  auto rows = RowStream::Open(db, SelectInKeyOrder(db, spec, columns, false), {}, 5000);
  if (!rows.ok()) return rows.status();
  TableChecksum sum;
  Checksum hash;
  while (true) {
    auto row = rows->Next();
    if (!row.ok()) return row.status();
    if (!*row) break;
    ++sum.rows;
    for (size_t c = 0; c < columns.size(); ++c) {
      hash.AddValue(Read(rows->row(), static_cast<int>(c), columns[c].kind));
    }
    hash.Add("\n");
  }
  sum.hash = hash.hash();
  return sum;
}

Result<bool> HasRows(Db& db, const char* table) {
  auto stmt = db.Prepare(fmt::format("SELECT 1 FROM {} LIMIT 1", table));
  if (!stmt.ok()) return stmt.status();
  return stmt->Step();
}

// The target's largest key of `spec`, or nullopt when the table is empty.
Result<std::optional<std::vector<Value>>> LargestKey(Db& db, const TableSpec& spec,
                                                     const std::vector<Column>& columns) {
  std::string plain;
  for (const char* k : spec.key) plain += plain.empty() ? k : fmt::format(", {}", k);
  auto stmt = db.Prepare(fmt::format("SELECT {} FROM {} ORDER BY {} LIMIT 1", plain, spec.name,
                                     KeyList(db, spec, columns, " DESC")));
  if (!stmt.ok()) return stmt.status();
  auto row = stmt->Step();
  if (!row.ok()) return row.status();
  if (!*row) return std::optional<std::vector<Value>>();
  std::vector<Value> key;
  for (size_t i = 0; i < spec.key.size(); ++i) {
    key.push_back(Read(*stmt, static_cast<int>(i), KindOf(columns, spec.key[i])));
  }
  return std::optional<std::vector<Value>>(std::move(key));
}

// Samples in PostgreSQL go to daily partitions: create those of every day the
// source's samples span. slot_start is NOT NULL there.
Status PrepareSamplePartitions(Db& source, Db& target) {
  if (!target.is_postgres()) return Status::Ok();
  auto stmt = source.Prepare(
      "SELECT min(slot_start), max(slot_start), "
      "COALESCE(sum(CASE WHEN slot_start IS NULL THEN 1 ELSE 0 END), 0) FROM samples");
  if (!stmt.ok()) return stmt.status();
  auto row = stmt->Step();
  if (!row.ok()) return row.status();
  if (stmt->Int(2) > 0) {
    return FailedPreconditionError(fmt::format(
        "{}: {} samples have no slot_start, which PostgreSQL requires; poll once with this "
        "periscope or set slot_start = sampled_at for them",
        source.path(), stmt->Int(2)));
  }
  if (stmt->IsNull(0)) return Status::Ok();
  return EnsureSamplePartitionsForRange(target, stmt->Int(0), stmt->Int(1));
}

Result<TableCopy> CopyTable(Db& source, Db& target, const TableSpec& spec,
                            const std::vector<Column>& columns, const CopyOptions& options) {
  TableCopy result;
  result.table = spec.name;
  std::vector<Value> after;
  if (options.existing == CopyExisting::kResume) {
    auto largest = LargestKey(target, spec, columns);
    if (!largest.ok()) return largest.status();
    if (*largest) after = std::move(**largest);
  }
  auto rows = RowStream::Open(source, SelectInKeyOrder(source, spec, columns, !after.empty()),
                              after, options.batch_rows);
  if (!rows.ok()) return rows.status();
  std::string params;
  for (size_t i = 0; i < columns.size(); ++i) params += i == 0 ? "?" : ", ?";
  auto insert = target.Prepare(fmt::format("INSERT INTO {} ({}) VALUES ({}) ON CONFLICT DO NOTHING",
                                           spec.name, ColumnList(columns), params));
  if (!insert.ok()) return insert.status();
  bool more = true;
  while (more) {
    Status s = InTransaction(target, [&]() -> Status {
      for (int n = 0; n < options.batch_rows; ++n) {
        auto row = rows->Next();
        if (!row.ok()) return row.status();
        if (!*row) {
          more = false;
          break;
        }
        insert->Reset();
        for (size_t c = 0; c < columns.size(); ++c) {
          BindValue(*insert, static_cast<int>(c + 1),
                    Read(rows->row(), static_cast<int>(c), columns[c].kind));
        }
        PERISCOPE_RETURN_IF_ERROR(insert->Run());
        if (target.Changes() > 0) {
          ++result.copied;
        } else {
          ++result.skipped;
        }
      }
      return Status::Ok();
    });
    if (!s.ok()) return s.WithPrefix(fmt::format("copying {}", spec.name));
  }
  return result;
}

// PostgreSQL identity columns and samples_id_seq continue after the copied ids.
Status ResetSequences(Db& target) {
  if (!target.is_postgres()) return Status::Ok();
  return InTransaction(target, [&]() -> Status {
    for (const TableSpec& spec : Specs()) {
      if (spec.key.size() != 1 || std::string_view(spec.key[0]) != "id") continue;
      PERISCOPE_RETURN_IF_ERROR(target.Exec(fmt::format(
          "SELECT setval(pg_get_serial_sequence('{0}', 'id'), m) FROM (SELECT max(id) AS m "
          "FROM {0}) x WHERE m IS NOT NULL",
          spec.name)));
    }
    return Status::Ok();
  });
}

Result<CopyResult> CopyInSnapshot(Db& source, Db& target, const CopyOptions& options) {
  std::vector<std::vector<Column>> all_columns;
  for (const TableSpec& spec : Specs()) {
    auto from = Columns(source, spec.name);
    if (!from.ok()) return from.status();
    auto to = Columns(target, spec.name);
    if (!to.ok()) return to.status();
    bool same = from->size() == to->size();
    for (size_t i = 0; same && i < from->size(); ++i) {
      same = (*from)[i].name == (*to)[i].name && (*from)[i].kind == (*to)[i].kind;
    }
    if (!same) {
      return FailedPreconditionError(
          fmt::format("table {}: columns differ between {} ({}) and {} ({})", spec.name,
                      source.path(), ColumnList(*from), target.path(), ColumnList(*to)));
    }
    if (options.existing == CopyExisting::kRefuse) {
      auto has = HasRows(target, spec.name);
      if (!has.ok()) return has.status();
      if (*has) {
        return FailedPreconditionError(
            fmt::format("{}: the target is not empty (table {} has rows); --resume continues an "
                        "interrupted copy, --force copies into it anyway",
                        target.path(), spec.name));
      }
    }
    all_columns.push_back(std::move(*from));
  }
  CopyResult result;
  for (size_t i = 0; i < Specs().size(); ++i) {
    const TableSpec& spec = Specs()[i];
    if (std::string_view(spec.name) == "samples") {
      PERISCOPE_RETURN_IF_ERROR(PrepareSamplePartitions(source, target));
    }
    auto copied = CopyTable(source, target, spec, all_columns[i], options);
    if (!copied.ok()) return copied.status();
    if (options.on_table) options.on_table(*copied);
    result.tables.push_back(std::move(*copied));
  }
  PERISCOPE_RETURN_IF_ERROR(ResetSequences(target));
  PERISCOPE_RETURN_IF_ERROR(BeginSnapshot(target));
  for (size_t i = 0; i < Specs().size(); ++i) {
    const TableSpec& spec = Specs()[i];
    auto from = ChecksumIn(source, spec, all_columns[i]);
    if (!from.ok()) {
      EndSnapshot(target);
      return from.status();
    }
    auto to = ChecksumIn(target, spec, all_columns[i]);
    if (!to.ok()) {
      EndSnapshot(target);
      return to.status();
    }
    if (from->rows != to->rows) {
      EndSnapshot(target);
      return DataLossError(fmt::format("verify: table {}: {} rows in {}, {} in {}", spec.name,
                                       from->rows, source.path(), to->rows, target.path()));
    }
    if (from->hash != to->hash) {
      EndSnapshot(target);
      return DataLossError(fmt::format(
          "verify: table {}: {} rows on both sides but their contents differ (checksum {:016x} "
          "in {}, {:016x} in {})",
          spec.name, from->rows, from->hash, source.path(), to->hash, target.path()));
    }
    ++result.tables_verified;
  }
  EndSnapshot(target);
  return result;
}

}  // namespace

const std::vector<std::string>& CopyTables() {
  static const std::vector<std::string> kNames = [] {
    std::vector<std::string> names;
    for (const TableSpec& spec : Specs()) names.emplace_back(spec.name);
    return names;
  }();
  return kNames;
}

Result<TableChecksum> ChecksumTable(Db& db, const std::string& table) {
  const TableSpec* spec = FindSpec(table);
  if (spec == nullptr) return InvalidArgumentError(fmt::format("no table '{}' to checksum", table));
  auto columns = Columns(db, table);
  if (!columns.ok()) return columns.status();
  PERISCOPE_RETURN_IF_ERROR(BeginSnapshot(db));
  auto sum = ChecksumIn(db, *spec, *columns);
  EndSnapshot(db);
  return sum;
}

Result<CopyResult> CopyStore(Db& source, Db& target, const CopyOptions& options) {
  if (options.batch_rows < 1) return InvalidArgumentError("batch_rows must be at least 1");
  auto version = CurrentVersion(source);
  if (!version.ok()) return version.status();
  if (*version != SchemaVersion()) return SchemaVersionMismatch(source.path(), *version);
  PERISCOPE_RETURN_IF_ERROR(BeginSnapshot(source));
  auto result = CopyInSnapshot(source, target, options);
  EndSnapshot(source);
  return result;
}

Result<CopyResult> CopyStore(const std::string& from, const std::string& to,
                             const CopyOptions& options) {
  if (from == to) {
    return InvalidArgumentError(
        fmt::format("copy: --from and --to are the same ({})", RedactDatabase(from)));
  }
  auto source = Db::OpenReader(from);
  if (!source.ok()) return source.status().WithPrefix("copy: source");
  auto target = Db::OpenWriter(to, OpenMode::kCreate);
  if (!target.ok()) return target.status().WithPrefix("copy: target");
  PERISCOPE_RETURN_IF_ERROR(Migrate(**target));
  return CopyStore(**source, **target, options);
}

}  // namespace periscope::store
