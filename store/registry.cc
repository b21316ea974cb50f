#include "store/registry.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>

#include <fmt/format.h>

#include "core/strings.h"
#include "store/csv.h"
#include "store/metrics.h"

namespace periscope::store {
namespace {

// Length cap of an imported field, in characters (UTF-8 code points), so a
// Japanese address gets as many characters as an English one.
constexpr size_t kMaxFieldChars = 255;

// Decodes well-formed UTF-8 (no overlong forms, surrogates or values past
// U+10FFFF) into code points; nullopt when malformed.
std::optional<std::vector<uint32_t>> DecodeUtf8(std::string_view s) {
  std::vector<uint32_t> out;
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    size_t len = 1;
    uint32_t cp = c;
    if (c >= 0x80) {
      if ((c & 0xe0) == 0xc0) {
        len = 2;
        cp = c & 0x1fu;
      } else if ((c & 0xf0) == 0xe0) {
        len = 3;
        cp = c & 0x0fu;
      } else if ((c & 0xf8) == 0xf0) {
        len = 4;
        cp = c & 0x07u;
      } else {
        return std::nullopt;
      }
      if (i + len > s.size()) return std::nullopt;
      for (size_t k = 1; k < len; ++k) {
        auto cc = static_cast<unsigned char>(s[i + k]);
        if ((cc & 0xc0) != 0x80) return std::nullopt;
        cp = (cp << 6) | (cc & 0x3fu);
      }
      if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
          (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) {
        return std::nullopt;
      }
    }
    out.push_back(cp);
    i += len;
  }
  return out;
}

// Transport names Net-SNMP accepts in front of an address ("udp:host").
bool IsTransportPrefix(std::string_view s) {
  static const char* const kPrefixes[] = {"udp",     "tcp",    "udp6", "tcp6",     "udpv6",
                                          "tcpv6",   "unix",   "ipx",  "aal5pvc",  "pvc",
                                          "dtlsudp", "tlstcp", "ssh",  "callback", "alias"};
  std::string lower;
  for (char c : s) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const char* p : kPrefixes) {
    if (lower == p) return true;
  }
  return false;
}

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
  bool Has(const std::string& column) const { return columns_.count(column) != 0; }

  // The trimmed, validated text of `column` in `rec` ("" when the column is
  // optional and absent): valid UTF-8, no control characters (line breaks
  // only when `multiline`, normalised to LF), at most kMaxFieldChars
  // characters.
  Result<std::string> Field(const CsvRecord& rec, const std::string& column, bool required,
                            bool multiline = false) const {
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
    auto chars = DecodeUtf8(value);
    if (!chars) return Error(rec, column, "not valid UTF-8");
    bool line_break = false;
    for (uint32_t cp : *chars) {
      if (cp == '\n' || cp == '\r') {
        line_break = true;
      } else if ((cp < 0x20 && cp != '\t') || (cp >= 0x7f && cp <= 0x9f)) {
        return Error(rec, column, fmt::format("contains the control character U+{:04X}", cp));
      }
    }
    if (line_break && !multiline) {
      return Error(rec, column, "contains a line break (only an address may span lines)");
    }
    if (line_break) {
      std::string lf;
      for (size_t i = 0; i < value.size(); ++i) {
        if (value[i] == '\r' && i + 1 < value.size() && value[i + 1] == '\n') continue;
        lf += value[i] == '\r' ? '\n' : value[i];
      }
      value = std::move(lf);
    }
    if (chars->size() > kMaxFieldChars) {
      return Error(rec, column,
                   fmt::format("longer than {} characters ({})", kMaxFieldChars, chars->size()));
    }
    if (required && value.empty()) return Error(rec, column, "must not be empty");
    return value;
  }

  // Fails when `key` was already seen in this file, naming both lines.
  Status CheckUnique(const CsvRecord& rec, std::string_view column, const std::string& key,
                     std::string_view shown) {
    auto [it, inserted] = keys_.emplace(key, rec.line);
    if (inserted) return Status::Ok();
    return Error(
        rec, column,
        fmt::format("{} appears twice in this file: on line {} and here", shown, it->second));
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
  std::map<std::string, size_t> keys_;  // natural key -> first line
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
    PERISCOPE_RETURN_IF_ERROR(sheet->CheckUnique(rec, "email", *e, fmt::format("'{}'", *e)));
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
    auto a = sheet->Field(rec, "address", false, /*multiline=*/true);
    auto s = sheet->Field(rec, "sales_email", false);
    for (auto* f : {&u, &n, &c, &e, &p, &a, &s}) {
      if (!f->ok()) return f->status();
    }
    if (!e->empty() && !LooksLikeEmail(*e)) {
      return sheet->Error(rec, "email", fmt::format("'{}' is not an e-mail address", *e));
    }
    PERISCOPE_RETURN_IF_ERROR(sheet->CheckUnique(rec, "user_id", *u, fmt::format("'{}'", *u)));
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
                               {"enabled", "kind"});
  if (!sheet.ok()) return sheet.status();
  std::optional<std::map<std::string, std::string>> stored;  // "address port" -> id
  return ImportSheet(db, *sheet, [&](const CsvRecord& rec) -> Result<bool> {
    auto a = sheet->Field(rec, "address", true);
    auto p = sheet->Field(rec, "port", true);
    auto f = sheet->Field(rec, "profile", true);
    auto u = sheet->Field(rec, "customer_user_id", true);
    auto e = sheet->Field(rec, "enabled", false);
    auto k = sheet->Field(rec, "kind", false);
    for (auto* x : {&a, &p, &f, &u, &e, &k}) {
      if (!x->ok()) return x->status();
    }
    // Without the column a new target is periscope and a stored one keeps
    // its kind; an empty field means periscope.
    std::optional<std::string> kind;
    if (sheet->Has("kind")) {
      if (k->empty()) *k = std::string(DeviceKindName(DeviceKind::kPeriscope));
      if (!ParseDeviceKind(*k)) {
        return sheet->Error(rec, "kind",
                            fmt::format("'{}' is not periscope, printer, host or network", *k));
      }
      kind = *k;
    }
    auto address = CanonicalTargetAddress(*a);
    if (!address.ok()) return sheet->Error(rec, "address", address.status().message());
    auto port = ParseUint64(*p);
    if (!port || *port < 1 || *port > 65535) {
      return sheet->Error(rec, "port", fmt::format("'{}' is not a port in 1..65535", *p));
    }
    bool disabled = *e == "0" || *e == "no" || *e == "false";
    if (!disabled && !e->empty() && *e != "1" && *e != "yes" && *e != "true") {
      return sheet->Error(rec, "enabled", fmt::format("'{}' is not yes or no", *e));
    }
    auto find = db.Prepare("SELECT id FROM customers WHERE user_id = ?");
    if (!find.ok()) return find.status();
    find->Bind(1, *u);
    auto row = find->Step();
    if (!row.ok()) return row.status();
    if (!*row) return sheet->Error(rec, "customer_user_id", fmt::format("no customer '{}'", *u));
    std::string customer_id = std::to_string(find->Int(0));
    std::string port_text = std::to_string(*port);
    const std::string key = *address + " " + port_text;
    PERISCOPE_RETURN_IF_ERROR(sheet->CheckUnique(
        rec, "address", key,
        *a == *address ? fmt::format("target {} port {}", *address, port_text)
                       : fmt::format("target {} port {} (written '{}')", *address, port_text, *a)));
    // Stored rows match by their canonical form too, so a row imported before
    // addresses were canonicalised is updated, not polled twice.
    if (!stored) {
      auto rows = Query(db, "SELECT id, address, port FROM targets");
      if (!rows.ok()) return rows.status();
      stored.emplace();
      for (const auto& stored_row : rows->rows) {
        auto canonical = CanonicalTargetAddress(stored_row[1]);
        (*stored)[(canonical.ok() ? *canonical : stored_row[1]) + " " + stored_row[2]] =
            stored_row[0];
      }
    }
    auto existing = stored->find(key);
    auto statement = existing == stored->end()
                         ? db.Prepare(
                               "INSERT INTO targets (address, port, profile, customer_id, "
                               "enabled, kind) VALUES (?, ?, ?, ?, ?, COALESCE(?, 'periscope'))")
                         : db.Prepare(
                               "UPDATE targets SET address = ?, port = ?, profile = ?, "
                               "customer_id = ?, enabled = ?, kind = COALESCE(?, kind) "
                               "WHERE id = ?");
    if (!statement.ok()) return statement.status();
    statement->Bind(1, *address)
        .Bind(2, static_cast<int64_t>(*port))
        .Bind(3, *f)
        .Bind(4, find->Int(0))
        .Bind(5, int64_t{disabled ? 0 : 1})
        .Bind(6, kind);
    if (existing != stored->end())
      statement->Bind(7, static_cast<int64_t>(std::stoll(existing->second)));
    PERISCOPE_RETURN_IF_ERROR(statement->Run());
    return existing == stored->end();
  });
}

Result<std::string> CanonicalTargetAddress(std::string_view address) {
  if (address.empty()) return InvalidArgumentError("must not be empty");
  if (address.find_first_of(" \t\r\n") != std::string_view::npos) {
    return InvalidArgumentError(fmt::format("'{}' contains a space", address));
  }
  if (address.find_first_of("[]") != std::string_view::npos) {
    return InvalidArgumentError(
        fmt::format("'{}' is bracketed: give the bare address, and the port in 'port'", address));
  }
  size_t colon = address.find(':');
  if (colon != std::string_view::npos && IsTransportPrefix(address.substr(0, colon))) {
    return InvalidArgumentError(fmt::format(
        "'{}' has a transport prefix '{}:': give the bare address (the poller uses UDP)", address,
        address.substr(0, colon)));
  }
  std::string text(address);
  char buf[INET6_ADDRSTRLEN] = {};
  in6_addr v6{};
  if (::inet_pton(AF_INET6, text.c_str(), &v6) == 1) {
    if (::inet_ntop(AF_INET6, &v6, buf, sizeof(buf)) == nullptr) {
      return InvalidArgumentError(fmt::format("'{}' is not an IPv6 address", address));
    }
    return std::string(buf);
  }
  if (colon != std::string_view::npos) {
    if (address.find(':', colon + 1) == std::string_view::npos) {
      return InvalidArgumentError(
          fmt::format("'{}' looks like host:port: give the port in the 'port' column", address));
    }
    return InvalidArgumentError(fmt::format("'{}' is not an IPv6 address", address));
  }
  in_addr v4{};
  if (::inet_pton(AF_INET, text.c_str(), &v4) == 1) {
    if (::inet_ntop(AF_INET, &v4, buf, sizeof(buf)) == nullptr) {
      return InvalidArgumentError(fmt::format("'{}' is not an IPv4 address", address));
    }
    return std::string(buf);
  }
  // A DNS name (RFC 1123): ASCII letters, digits and hyphens in labels of
  // 1..63, 253 in all, one trailing dot allowed; lower-cased. A name whose
  // last label is all digits would be read as an IPv4 address by resolvers.
  std::string name;
  for (char c : address) name += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (name.size() > 1 && name.back() == '.') name.pop_back();
  auto bad = [&](std::string_view why) {
    return InvalidArgumentError(
        fmt::format("'{}' is not an IPv4 or IPv6 address or a DNS name ({})", address, why));
  };
  if (name.size() > 253) return bad("longer than 253 characters");
  size_t start = 0;
  std::string_view last;
  while (start <= name.size()) {
    size_t dot = name.find('.', start);
    if (dot == std::string::npos) dot = name.size();
    std::string_view label(name.data() + start, dot - start);
    if (label.empty()) return bad("empty label");
    if (label.size() > 63) return bad("a label longer than 63 characters");
    if (label.front() == '-' || label.back() == '-') return bad("a label starts or ends with '-'");
    for (char c : label) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') {
        return bad(static_cast<unsigned char>(c) >= 0x80 ? "non-ASCII: give the ASCII (xn--) form"
                                                         : fmt::format("'{}' is not allowed", c));
      }
    }
    last = label;
    start = dot + 1;
  }
  if (std::all_of(last.begin(), last.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return bad("all digits: an IPv4 address is four numbers 0..255 without leading zeros");
  }
  return name;
}

Result<TextTable> Query(Db& db, std::string_view sql, const std::vector<std::string>& params) {
  auto stmt = db.Prepare(sql);
  if (!stmt.ok()) return stmt.status();
  for (size_t i = 0; i < params.size(); ++i) stmt->Bind(static_cast<int>(i + 1), params[i]);
  TextTable t;
  while (true) {
    auto row = stmt->Step();
    if (!row.ok()) return row.status();
    // PostgreSQL describes the columns only once the statement has run.
    if (t.columns.empty()) {
      for (int c = 0; c < stmt->ColumnCount(); ++c) t.columns.push_back(stmt->ColumnName(c));
    }
    if (!*row) break;
    std::vector<std::string> r;
    for (int c = 0; c < stmt->ColumnCount(); ++c) r.push_back(stmt->Text(c));
    t.rows.push_back(std::move(r));
  }
  return t;
}

const std::vector<std::string>& ExportableTables() {
  static const std::vector<std::string> kTables = {
      "staff",     "customers", "targets", "devices",     "device_specs",
      "poll_runs", "samples",   "daily",   "poll_errors", "poll_warnings"};
  return kTables;
}

}  // namespace periscope::store
