// periscope-store: the history database's command-line tool.
#include <getopt.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "core/cli_args.h"
#include "core/exit_codes.h"
#include "core/files.h"
#include "store/copy.h"
#include "store/db.h"
#include "store/db_config.h"
#include "store/history.h"
#include "store/leases_view.h"
#include "store/metrics.h"
#include "store/registry.h"
#include "store/retention.h"
#include "store/schema.h"

#ifndef PERISCOPE_DEFAULT_DB
#define PERISCOPE_DEFAULT_DB "/var/lib/periscope/periscope.db"
#endif

namespace {

using periscope::kExitFailure;
using periscope::kExitOk;
using periscope::kExitUsage;
using periscope::Result;
using periscope::Status;
namespace store = periscope::store;

constexpr size_t kMaxImportBytes = 64 << 20;

void PrintHelp() {
  std::fputs(
      "usage: periscope-store [--db DB] [--format text|csv|json] COMMAND ...\n"
      "\n"
      "The periscope history database: an SQLite file, or PostgreSQL given as a\n"
      "postgresql:// URI (the password from ~/.pgpass or PGPASSFILE).\n"
      "\n"
      "commands:\n"
      "  init                          create or migrate the database (the only command\n"
      "                                that creates one)\n"
      "  import staff|customers|targets FILE\n"
      "                                upsert rows from a CSV file with a header row;\n"
      "                                a bad row names its line and nothing is imported\n"
      "  list staff|customers|targets|devices|runs|errors\n"
      "  list pollers                  each poller: host, pid, state, started, last seen,\n"
      "                                its last run's state and targets ok/failed\n"
      "  list leases [--all]           bucket leases: owner, epoch, leased until, due,\n"
      "                                last completed slot (UTC); only buckets held or\n"
      "                                due unless --all\n"
      "  history --customer USER_ID [--kind KIND] [--include-retired]\n"
      "                                every device's daily figures in date order, with\n"
      "                                the spec in effect each day (retired devices only\n"
      "                                with --include-retired); one table per kind the\n"
      "                                customer has (periscope, printer, host, network),\n"
      "                                or only KIND's (csv and json need --kind when\n"
      "                                there are several)\n"
      "  export [--table NAME]         dump tables (default json, all tables)\n"
      "  check                         integrity_check, foreign keys and schema\n"
      "  prune --keep-days N [--keep-daily-days M] [--dry-run]\n"
      "                                delete raw samples and metric readings from before\n"
      "                                the UTC day N days ago (PostgreSQL: drops whole\n"
      "                                daily partitions), and daily aggregates older\n"
      "                                than M days (default 400, at least 365); in\n"
      "                                batches; --dry-run counts only\n"
      "  copy --from DB --to DB [--resume|--force]\n"
      "                                copy a whole store, SQLite <-> PostgreSQL either\n"
      "                                way: migrates the target, refuses one holding\n"
      "                                rows (--resume continues an interrupted copy after\n"
      "                                each table's last key; --force copies into it,\n"
      "                                skipping rows whose key exists), then verifies\n"
      "                                row counts and checksums of every table; stop\n"
      "                                pollers and tools writing the source first\n"
      "\n"
      "options:\n"
      "  --db DB         database file or postgresql:// URI (default " PERISCOPE_DEFAULT_DB
      ")\n"
      "  --format FMT    text (default for list/history), csv or json\n"
      "\n"
      "exit status: 0 ok, 1 failed (database error, damaged database), 2 usage or bad input\n",
      stdout);
}

int Fail(const Status& s) { return periscope::FailWith("periscope-store", s); }

int Print(const Result<store::TextTable>& table, const std::string& format) {
  if (!table.ok()) return Fail(table.status());
  auto text = store::Render(*table, format);
  if (!text.ok()) return Fail(text.status());
  std::fputs(text->c_str(), stdout);
  return kExitOk;
}

// Opens the writer and brings the schema up to date. Only init creates the
// file and the schema; import needs an initialised database.
Result<std::unique_ptr<store::Db>> OpenForWrite(const std::string& path, store::OpenMode mode) {
  auto db = store::Db::OpenWriter(path, mode);
  if (!db.ok()) return db.status();
  PERISCOPE_RETURN_IF_ERROR(mode == store::OpenMode::kCreate ? store::Migrate(**db)
                                                             : store::MigrateExisting(**db));
  return db;
}

// Opens read-only and refuses a schema this binary does not know.
Result<std::unique_ptr<store::Db>> OpenForRead(const std::string& path) {
  auto db = store::Db::OpenReader(path);
  if (!db.ok()) return db.status();
  auto version = store::CurrentVersion(**db);
  if (!version.ok()) return version.status();
  if (*version != store::SchemaVersion()) return store::SchemaVersionMismatch(path, *version);
  return db;
}

// "YYYY-MM-DD HH:MM:SS" in UTC.
std::string UtcText(int64_t epoch_s) {
  const time_t t = static_cast<time_t>(epoch_s);
  struct tm tm {};
  ::gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

int Usage(const std::string& what) {
  std::fprintf(stderr, "periscope-store: %s (try --help)\n", what.c_str());
  return kExitUsage;
}

// A whole number in [minimum, 1000000] from a flag's value.
std::optional<int> DaysArg(const std::string& text, int minimum) {
  if (text.empty() || text.size() > 7) return std::nullopt;
  int value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  if (value < minimum) return std::nullopt;
  return value;
}

// periscope-store prune --keep-days N [--keep-daily-days M] [--dry-run]
int Prune(const std::string& db_path, const std::vector<std::string>& args) {
  std::optional<int> keep_days;
  int keep_daily_days = 400;
  bool dry_run = false;
  for (size_t i = 1; i < args.size(); ++i) {
    if (args[i] == "--dry-run") {
      dry_run = true;
    } else if ((args[i] == "--keep-days" || args[i] == "--keep-daily-days") &&
               i + 1 < args.size()) {
      auto days = DaysArg(args[i + 1], 0);
      if (!days) return Usage(args[i] + " needs a number of days");
      if (args[i] == "--keep-days") {
        keep_days = *days;
      } else {
        keep_daily_days = *days;
      }
      ++i;
    } else {
      return Usage(fmt::format("prune: unexpected '{}'", args[i]));
    }
  }
  if (!keep_days) return Usage("prune needs --keep-days N");
  auto db = OpenForWrite(db_path, store::OpenMode::kMustExist);
  if (!db.ok()) return Fail(db.status());
  auto pruned = store::PruneSamples(**db, static_cast<int64_t>(std::time(nullptr)), *keep_days,
                                    keep_daily_days, dry_run);
  if (!pruned.ok()) return Fail(pruned.status());
  const char* verb = dry_run ? "would delete" : "deleted";
  if ((*db)->is_postgres()) {
    std::printf(
        "samples before %s: %s %lld daily partitions (%lld rows), %lld rows from "
        "samples_default\n",
        UtcText(pruned->raw_cutoff_s).c_str(), dry_run ? "would drop" : "dropped",
        static_cast<long long>(pruned->partitions_dropped),
        static_cast<long long>(pruned->samples_in_dropped_partitions),
        static_cast<long long>(pruned->samples_deleted));
  } else {
    std::printf("samples before %s: %s %lld rows\n", UtcText(pruned->raw_cutoff_s).c_str(), verb,
                static_cast<long long>(pruned->samples_deleted));
  }
  std::printf("metric_samples before %s: %s %lld rows\n", UtcText(pruned->raw_cutoff_s).c_str(),
              verb, static_cast<long long>(pruned->metric_samples_deleted));
  std::printf("daily before %lld: %s %lld rows\nmetric_daily before %lld: %s %lld rows\n",
              static_cast<long long>(pruned->daily_cutoff_ymd), verb,
              static_cast<long long>(pruned->daily_deleted),
              static_cast<long long>(pruned->daily_cutoff_ymd), verb,
              static_cast<long long>(pruned->metric_daily_deleted));
  return kExitOk;
}

// periscope-store copy --from DB --to DB [--resume|--force]
int Copy(const std::vector<std::string>& args) {
  std::string from, to;
  store::CopyOptions options;
  for (size_t i = 1; i < args.size(); ++i) {
    if ((args[i] == "--from" || args[i] == "--to") && i + 1 < args.size()) {
      (args[i] == "--from" ? from : to) = args[i + 1];
      ++i;
    } else if (args[i] == "--force" || args[i] == "--resume") {
      if (options.existing != store::CopyExisting::kRefuse) {
        return Usage("copy: --force and --resume exclude each other");
      }
      options.existing =
          args[i] == "--force" ? store::CopyExisting::kForce : store::CopyExisting::kResume;
    } else {
      return Usage(fmt::format("copy: unexpected '{}'", args[i]));
    }
  }
  if (from.empty() || to.empty()) return Usage("copy needs --from DB --to DB");
  for (const auto& [db, flag] : {std::pair{&from, "--from"}, std::pair{&to, "--to"}}) {
    if (Status s = store::CheckNoPassword(*db, flag); !s.ok()) return Usage(s.message());
  }
  options.on_table = [](const store::TableCopy& t) {
    if (t.skipped > 0) {
      std::printf("%s: %lld rows copied, %lld already there\n", t.table.c_str(),
                  static_cast<long long>(t.copied), static_cast<long long>(t.skipped));
    } else {
      std::printf("%s: %lld rows copied\n", t.table.c_str(), static_cast<long long>(t.copied));
    }
    std::fflush(stdout);
  };
  auto copied = store::CopyStore(from, to, options);
  if (!copied.ok()) return Fail(copied.status());
  std::printf("verified: %d tables, counts and checksums equal\n", copied->tables_verified);
  return kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  std::string db_path = PERISCOPE_DEFAULT_DB;
  std::string format;
  std::string customer;
  std::string table;
  std::string kind;
  bool include_retired = false;
  enum { kOptDb = 1000, kOptFormat, kOptCustomer, kOptTable, kOptIncludeRetired, kOptKind };
  static const option kLong[] = {{"db", required_argument, nullptr, kOptDb},
                                 {"format", required_argument, nullptr, kOptFormat},
                                 {"customer", required_argument, nullptr, kOptCustomer},
                                 {"table", required_argument, nullptr, kOptTable},
                                 {"include-retired", no_argument, nullptr, kOptIncludeRetired},
                                 {"kind", required_argument, nullptr, kOptKind},
                                 {"help", no_argument, nullptr, 'h'},
                                 {nullptr, 0, nullptr, 0}};
  int opt;
  while ((opt = getopt_long(argc, argv, "+h", kLong, nullptr)) != -1) {
    switch (opt) {
      case kOptDb:
        db_path = optarg;
        break;
      case kOptFormat:
        format = optarg;
        break;
      case kOptCustomer:
        customer = optarg;
        break;
      case kOptTable:
        table = optarg;
        break;
      case kOptIncludeRetired:
        include_retired = true;
        break;
      case kOptKind:
        kind = optarg;
        break;
      case 'h':
        PrintHelp();
        return kExitOk;
      default:
        std::fputs("try 'periscope-store --help'\n", stderr);
        return kExitUsage;
    }
  }
  std::vector<std::string> args(argv + optind, argv + argc);
  // Options may also follow the command.
  for (auto it = args.begin(); it != args.end();) {
    if (it != args.begin() && *it == "--include-retired") {
      include_retired = true;
      it = args.erase(it);
    } else {
      ++it;
    }
  }
  for (size_t i = 1; i + 1 < args.size();) {
    if (args[i] == "--customer" || args[i] == "--table" || args[i] == "--format" ||
        args[i] == "--db" || args[i] == "--kind") {
      std::string& dest = args[i] == "--customer" ? customer
                          : args[i] == "--table"  ? table
                          : args[i] == "--format" ? format
                          : args[i] == "--kind"   ? kind
                                                  : db_path;
      dest = args[i + 1];
      args.erase(args.begin() + static_cast<ptrdiff_t>(i),
                 args.begin() + static_cast<ptrdiff_t>(i) + 2);
    } else {
      ++i;
    }
  }
  if (args.empty()) {
    PrintHelp();
    return kExitUsage;
  }
  if (Status s = store::CheckNoPassword(db_path, "--db"); !s.ok()) return Usage(s.message());
  const std::string& command = args[0];
  auto usage = [](const char* what) {
    std::fprintf(stderr, "periscope-store: %s (try --help)\n", what);
    return kExitUsage;
  };

  if (command == "init") {
    if (args.size() != 1) return usage("init takes no arguments");
    auto db = OpenForWrite(db_path, store::OpenMode::kCreate);
    if (!db.ok()) return Fail(db.status());
    std::printf("%s: schema version %d\n", db_path.c_str(), store::SchemaVersion());
    return kExitOk;
  }
  if (command == "import") {
    if (args.size() != 3) return usage("import needs WHAT FILE");
    const std::string& what = args[1];
    if (what != "staff" && what != "customers" && what != "targets") {
      return usage("import staff, customers or targets");
    }
    auto content = periscope::ReadFileBounded(args[2], kMaxImportBytes);
    if (!content.ok()) return Fail(periscope::InvalidArgumentError(content.status().message()));
    auto db = OpenForWrite(db_path, store::OpenMode::kMustExist);
    if (!db.ok()) return Fail(db.status());
    auto counts = what == "staff"       ? store::ImportStaffCsv(**db, *content, args[2])
                  : what == "customers" ? store::ImportCustomersCsv(**db, *content, args[2])
                                        : store::ImportTargetsCsv(**db, *content, args[2]);
    if (!counts.ok()) return Fail(counts.status());
    std::printf("%s: %zu inserted, %zu updated\n", args[2].c_str(), counts->inserted,
                counts->updated);
    return kExitOk;
  }
  if (command == "list" && args.size() >= 2 && (args[1] == "pollers" || args[1] == "leases")) {
    bool all = false;
    for (size_t i = 2; i < args.size(); ++i) {
      if (args[1] != "leases" || args[i] != "--all") return usage("list pollers|leases [--all]");
      all = true;
    }
    auto db = OpenForRead(db_path);
    if (!db.ok()) return Fail(db.status());
    return Print(args[1] == "pollers"
                     ? store::ListPollers(**db)
                     : store::ListLeases(**db, static_cast<int64_t>(std::time(nullptr)), all),
                 format.empty() ? "text" : format);
  }
  if (command == "prune") return Prune(db_path, args);
  if (command == "copy") return Copy(args);
  if (command == "list") {
    if (args.size() != 2) return usage("list needs WHAT");
    auto db = OpenForRead(db_path);
    if (!db.ok()) return Fail(db.status());
    return Print(store::List(**db, args[1]), format.empty() ? "text" : format);
  }
  if (command == "history") {
    if (customer.empty() || args.size() != 1) return usage("history needs --customer USER_ID");
    std::optional<store::DeviceKind> only;
    if (!kind.empty()) {
      only = store::ParseDeviceKind(kind);
      if (!only) return usage("--kind is periscope, printer, host or network");
    }
    auto db = OpenForRead(db_path);
    if (!db.ok()) return Fail(db.status());
    auto sections = store::CustomerHistoryByKind(**db, customer, include_retired, only);
    if (!sections.ok()) return Fail(sections.status());
    auto text = store::RenderHistory(*sections, format.empty() ? "text" : format);
    if (!text.ok()) return Fail(text.status());
    std::fputs(text->c_str(), stdout);
    return kExitOk;
  }
  if (command == "export") {
    if (args.size() != 1) return usage("export takes --table and --format only");
    auto db = OpenForRead(db_path);
    if (!db.ok()) return Fail(db.status());
    std::string fmt_name = format.empty() ? "json" : format;
    const auto& tables = store::ExportableTables();
    std::vector<std::string> wanted;
    if (table.empty()) {
      wanted = tables;
    } else if (std::find(tables.begin(), tables.end(), table) != tables.end()) {
      wanted = {table};
    } else {
      return usage("unknown --table");
    }
    if (wanted.size() > 1 && fmt_name == "csv") return usage("csv export needs --table");
    std::string out = wanted.size() > 1 ? "{\n" : "";
    for (size_t i = 0; i < wanted.size(); ++i) {
      // Table names come from the fixed list above, never from the user. Every
      // table's key starts with its first columns (id; device_id, date).
      auto rows = store::Query(**db, "SELECT * FROM " + wanted[i] + " ORDER BY 1, 2");
      if (!rows.ok()) return Fail(rows.status());
      auto text = store::Render(*rows, fmt_name);
      if (!text.ok()) return Fail(text.status());
      if (wanted.size() > 1) {
        out += fmt::format("\"{}\": {}{}", wanted[i], *text, i + 1 < wanted.size() ? "," : "");
      } else {
        out += *text;
      }
    }
    if (wanted.size() > 1) out += "}\n";
    std::fputs(out.c_str(), stdout);
    return kExitOk;
  }
  if (command == "check") {
    auto db = OpenForRead(db_path);
    if (!db.ok()) return Fail(db.status());
    Status s = store::CheckDatabase(**db);
    if (!s.ok()) {
      std::fprintf(stderr, "periscope-store: %s\n", s.message().c_str());
      return kExitFailure;
    }
    std::printf("%s: ok (schema version %d)\n", db_path.c_str(), store::SchemaVersion());
    return kExitOk;
  }
  return usage(fmt::format("unknown command '{}'", command).c_str());
}
