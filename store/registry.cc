#include "store/registry.h"

#include <algorithm>
#include <map>
#include <optional>

#include <fmt/format.h>

#include "core/strings.h"
#include "store/csv.h"

namespace periscope::store {
namespace {

constexpr size_t kMaxFieldBytes = 255;

// Maps a CSV header to column positions and validates rows against it.
class CsvSheet {
 public:
  static Result<CsvSheet> Parse(std::string_view content, std::string_view name,
                                std::vector<std::string> required,
                                std::vector<std::string> optional) {
    auto records = ParseCsv(content, name);
    if (!records.ok()) return records.status();
    if (records->empty()) return InvalidArgumentError(fmt::format("{}: empty file", name));
    CsvSheet sheet;
    sheet.name_ = std::string(name);
    const CsvRecord& header = records->front();
    for (size_t i = 0; i < header.fields.size(); ++i) {
      std::string col(TrimWhitespace(header.fields[i]));
      bool known = std::find(required.begin(), required.end(), col) != required.end() ||
                   std::find(optional.begin(), optional.end(), col) != optional.end();
      if (!known) {
        return InvalidArgumentError(fmt::format("{}:{}: unknown column '{}' (expected {})", name,
                                                header.line, col, fmt::join(required, ",")));
      }
      if (sheet.columns_.count(col) != 0) {
        return InvalidArgumentError(
            fmt::format("{}:{}: column '{}' appears twice", name, header.line, col));
      }
      sheet.columns_[col] = i;
    }
    for (const std::string& col : required) {
      if (sheet.columns_.count(col) == 0) {
        return InvalidArgumentError(
            fmt::format("{}:{}: missing column '{}'", name, header.line, col));
      }
    }
    sheet.records_.assign(records->begin() + 1, records->end());
    return sheet;
  }

  const std::vector<CsvRecord>& records() const { return records_; }

  // The trimmed, validated text of `column` in `rec` ("" when the column is
  // optional and absent).
  Result<std::string> Field(const CsvRecord& rec, const std::string& column, bool required) const {
    auto it = columns_.find(column);
    std::string value;
    if (it != columns_.end()) {
      if (it->second >= rec.fields.size()) {
        return Error(
            rec, column,
            fmt::format("row has {} fields, expected {}", rec.fields.size(), columns_.size()));
      }
      value = std::string(TrimWhitespace(rec.fields[it->second]));
    }
    if (!IsCleanUtf8Text(value)) return Error(rec, column, "not clean UTF-8 text");
    if (value.size() > kMaxFieldBytes) {
      return Error(rec, column, fmt::format("longer than {} bytes", kMaxFieldBytes));
    }
    if (required && value.empty()) return Error(rec, column, "must not be empty");
    return value;
  }

  Status Error(const CsvRecord& rec, std::string_view column, std::string_view why) const {
    return InvalidArgumentError(fmt::format("{}:{}: field '{}': {}", name_, rec.line, column, why));
  }

  Status CheckWidth(const CsvRecord& rec) const {
    if (rec.fields.size() != columns_.size()) {
      return InvalidArgumentError(fmt::format("{}:{}: row has {} fields, header has {}", name_,
                                              rec.line, rec.fields.size(), columns_.size()));
    }
    return Status::Ok();
  }

 private:
  std::string name_;
  std::map<std::string, size_t> columns_;
  std::vector<CsvRecord> records_;
};

bool LooksLikeEmail(std::string_view e) {
  size_t at = e.find('@');
  return at != std::string_view::npos && at > 0 && at + 1 < e.size() &&
         e.find_first_of(" <>,;\"") == std::string_view::npos && e.find('@', at + 1) == e.npos;
}

// Upserts by natural key. Returns true when a row was inserted.
Result<bool> Upsert(Db& db, std::string_view lookup_sql, const std::vector<std::string>& key,
                    std::string_view insert_sql, std::string_view update_sql,
                    const std::vector<std::optional<std::string>>& values) {
  auto find = db.Prepare(lookup_sql);
  if (!find.ok()) return find.status();
  for (size_t i = 0; i < key.size(); ++i) find->Bind(static_cast<int>(i + 1), key[i]);
  auto found = find->Step();
  if (!found.ok()) return found.status();
  bool exists = *found;
  int64_t id = exists ? find->Int(0) : 0;
  auto stmt = db.Prepare(exists ? update_sql : insert_sql);
  if (!stmt.ok()) return stmt.status();
  int n = 1;
  for (const auto& v : values) stmt->Bind(n++, v);
  if (exists) stmt->Bind(n, id);
  PERISCOPE_RETURN_IF_ERROR(stmt->Run());
  return !exists;
}

template <typename RowFn>
Result<ImportCounts> ImportSheet(Db& db, const CsvSheet& sheet, RowFn&& fn) {
  ImportCounts counts;
  Status s = InTransaction(db, [&]() -> Status {
    for (const CsvRecord& rec : sheet.records()) {
      PERISCOPE_RETURN_IF_ERROR(sheet.CheckWidth(rec));
      auto inserted = fn(rec);
      if (!inserted.ok()) return inserted.status();
      ++(*inserted ? counts.inserted : counts.updated);
    }
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return counts;
}

}  // namespace

Result<ImportCounts> ImportStaffCsv(Db& db, std::string_view content, std::string_view name) {
  auto sheet = CsvSheet::Parse(content, name, {"name", "email", "role"}, {"phone"});
  if (!sheet.ok()) return sheet.status();
  return ImportSheet(db, *sheet, [&](const CsvRecord& rec) -> Result<bool> {
    auto n = sheet->Field(rec, "name", true);
    auto e = sheet->Field(rec, "email", true);
    auto r = sheet->Field(rec, "role", true);
    auto p = sheet->Field(rec, "phone", false);
    for (auto* f : {&n, &e, &r, &p}) {
      if (!f->ok()) return f->status();
    }
    if (!LooksLikeEmail(*e))
      return sheet->Error(rec, "email", fmt::format("'{}' is not an e-mail address", *e));
    if (*r != "sales" && *r != "support") {
      return sheet->Error(rec, "role", fmt::format("'{}' is not sales or support", *r));
    }
    return Upsert(db, "SELECT id FROM staff WHERE email = ?", {*e},
                  "INSERT INTO staff (name, email, role, phone) VALUES (?, ?, ?, ?)",
                  "UPDATE staff SET name = ?, email = ?, role = ?, phone = ? WHERE id = ?",
                  {*n, *e, *r, *p});
  });
}

Result<ImportCounts> ImportCustomersCsv(Db& db, std::string_view content, std::string_view name) {
  auto sheet = CsvSheet::Parse(
      content, name,
      {"user_id", "name", "contact_person", "email", "phone", "address", "sales_email"}, {});
  if (!sheet.ok()) return sheet.status();
  return ImportSheet(db, *sheet, [&](const CsvRecord& rec) -> Result<bool> {
    auto u = sheet->Field(rec, "user_id", true);
    auto n = sheet->Field(rec, "name", true);
    auto c = sheet->Field(rec, "contact_person", false);
    auto e = sheet->Field(rec, "email", false);
    auto p = sheet->Field(rec, "phone", false);
    auto a = sheet->Field(rec, "address", false);
    auto s = sheet->Field(rec, "sales_email", false);
    for (auto* f : {&u, &n, &c, &e, &p, &a, &s}) {
      if (!f->ok()) return f->status();
    }
    if (!e->empty() && !LooksLikeEmail(*e)) {
      return sheet->Error(rec, "email", fmt::format("'{}' is not an e-mail address", *e));
    }
    std::optional<std::string> sales_id;
    if (!s->empty()) {
      auto find = db.Prepare("SELECT id, role FROM staff WHERE email = ?");
      if (!find.ok()) return find.status();
      find->Bind(1, *s);
      auto row = find->Step();
      if (!row.ok()) return row.status();
      if (!*row) return sheet->Error(rec, "sales_email", fmt::format("no staff member '{}'", *s));
      if (find->Text(1) != "sales") {
        return sheet->Error(rec, "sales_email", fmt::format("'{}' is not in sales", *s));
      }
      sales_id = std::to_string(find->Int(0));
    }
    return Upsert(db, "SELECT id FROM customers WHERE user_id = ?", {*u},
                  "INSERT INTO customers (user_id, name, contact_person, email, phone, address, "
                  "sales_staff_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
                  "UPDATE customers SET user_id = ?, name = ?, contact_person = ?, email = ?, "
                  "phone = ?, address = ?, sales_staff_id = ? WHERE id = ?",
                  {*u, *n, *c, *e, *p, *a, sales_id});
  });
}

Result<ImportCounts> ImportTargetsCsv(Db& db, std::string_view content, std::string_view name) {
  auto sheet = CsvSheet::Parse(content, name, {"address", "port", "profile", "customer_user_id"},
                               {"enabled"});
  if (!sheet.ok()) return sheet.status();
  return ImportSheet(db, *sheet, [&](const CsvRecord& rec) -> Result<bool> {
    auto a = sheet->Field(rec, "address", true);
    auto p = sheet->Field(rec, "port", true);
    auto f = sheet->Field(rec, "profile", true);
    auto u = sheet->Field(rec, "customer_user_id", true);
    auto e = sheet->Field(rec, "enabled", false);
    for (auto* x : {&a, &p, &f, &u, &e}) {
      if (!x->ok()) return x->status();
    }
    if (a->find_first_of(" /\\'\"") != std::string::npos) {
      return sheet->Error(rec, "address", fmt::format("'{}' is not a host name or address", *a));
    }
    auto port = ParseUint64(*p);
    if (!port || *port < 1 || *port > 65535) {
      return sheet->Error(rec, "port", fmt::format("'{}' is not a port in 1..65535", *p));
    }
    bool disabled = *e == "0" || *e == "no" || *e == "false";
    if (!disabled && !e->empty() && *e != "1" && *e != "yes" && *e != "true") {
      return sheet->Error(rec, "enabled", fmt::format("'{}' is not yes or no", *e));
    }
    const std::string enabled(disabled ? "0" : "1");
    auto find = db.Prepare("SELECT id FROM customers WHERE user_id = ?");
    if (!find.ok()) return find.status();
    find->Bind(1, *u);
    auto row = find->Step();
    if (!row.ok()) return row.status();
    if (!*row) return sheet->Error(rec, "customer_user_id", fmt::format("no customer '{}'", *u));
    std::string customer_id = std::to_string(find->Int(0));
    std::string port_text = std::to_string(*port);
    return Upsert(db, "SELECT id FROM targets WHERE address = ? AND port = ?", {*a, port_text},
                  "INSERT INTO targets (address, port, profile, customer_id, enabled) "
                  "VALUES (?, CAST(? AS INTEGER), ?, CAST(? AS INTEGER), CAST(? AS INTEGER))",
                  "UPDATE targets SET address = ?, port = CAST(? AS INTEGER), profile = ?, "
                  "customer_id = CAST(? AS INTEGER), enabled = CAST(? AS INTEGER) WHERE id = ?",
                  {*a, port_text, *f, customer_id, enabled});
  });
}

Result<TextTable> Query(Db& db, std::string_view sql, const std::vector<std::string>& params) {
  auto stmt = db.Prepare(sql);
  if (!stmt.ok()) return stmt.status();
  for (size_t i = 0; i < params.size(); ++i) stmt->Bind(static_cast<int>(i + 1), params[i]);
  TextTable t;
  for (int c = 0; c < stmt->ColumnCount(); ++c) t.columns.push_back(stmt->ColumnName(c));
  while (true) {
    auto row = stmt->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    std::vector<std::string> r;
    for (int c = 0; c < stmt->ColumnCount(); ++c) r.push_back(stmt->Text(c));
    t.rows.push_back(std::move(r));
  }
  return t;
}

const std::vector<std::string>& ExportableTables() {
  static const std::vector<std::string> kTables = {"staff",   "customers",    "targets",
                                                   "devices", "device_specs", "poll_runs",
                                                   "samples", "daily",        "poll_errors",
                                                   "poll_warnings"};
  return kTables;
}

}  // namespace periscope::store
