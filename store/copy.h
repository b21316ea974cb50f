// `periscope-store copy`: a whole store from one database to another, SQLite
// or PostgreSQL in either direction, resumable and verified.
//
// The target is migrated to this binary's schema first (created in a new
// SQLite file or an empty PostgreSQL database). Tables are copied in foreign
// key order, each in primary-key order (text keys in byte order on both
// engines), in batches of `batch_rows` rows per target transaction, so an
// interrupted copy leaves every table before the current one complete, the
// current one holding a key-order prefix, and the later ones empty; --resume
// continues each table after the target's largest key. The source is read in
// one snapshot (a read transaction for the whole copy); writers should be
// stopped anyway, or the copy is of the moment it began.
//
// Verification reads both sides again in key order: per table the row count
// and a checksum over every column value (integers in decimal, doubles as
// %.17g of the value, text as its bytes, NULL apart from '').
#ifndef PERISCOPE_STORE_COPY_H_
#define PERISCOPE_STORE_COPY_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/status.h"
#include "store/db.h"

namespace periscope::store {

// What to do with a target that already holds rows (in any table).
enum class CopyExisting {
  kRefuse,  // FailedPrecondition naming the table (the default)
  kResume,  // each table continues after the target's largest key
  kForce,   // every source row is offered; rows whose key exists are skipped
};

struct TableCopy {
  std::string table;
  int64_t copied = 0;   // rows inserted into the target
  int64_t skipped = 0;  // rows offered whose key the target already had (kForce)
};

struct TableChecksum {
  int64_t rows = 0;
  uint64_t hash = 0;
};

struct CopyOptions {
  CopyExisting existing = CopyExisting::kRefuse;
  int batch_rows = 5000;
  // Called after each table is copied (before verification).
  std::function<void(const TableCopy&)> on_table;
};

struct CopyResult {
  std::vector<TableCopy> tables;
  int tables_verified = 0;
};

// Every table of the schema, parents before children: the order copy writes.
const std::vector<std::string>& CopyTables();

// Copies the store `from` into `to` (paths or postgresql:// URIs; see the
// file comment). Errors: InvalidArgument (from and to the same), the opening
// errors of Db (NotFound, FailedPrecondition for a schema mismatch of the
// source), FailedPrecondition (the target holds rows and existing is kRefuse;
// the two schemas' columns differ; source samples without slot_start for a
// PostgreSQL target), DataLoss naming the first table whose count or checksum
// differs after the copy.
Result<CopyResult> CopyStore(const std::string& from, const std::string& to,
                             const CopyOptions& options);

// The same between open databases: `source` at SchemaVersion() (only read),
// `target` migrated by the caller.
Result<CopyResult> CopyStore(Db& source, Db& target, const CopyOptions& options);

// Row count and checksum of one table of CopyTables(), read in key order.
Result<TableChecksum> ChecksumTable(Db& db, const std::string& table);

}  // namespace periscope::store

#endif  // PERISCOPE_STORE_COPY_H_
