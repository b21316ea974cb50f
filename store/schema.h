// The history database's schema and its numbered migrations.
#ifndef PERISCOPE_STORE_SCHEMA_H_
#define PERISCOPE_STORE_SCHEMA_H_

#include <string>

#include "core/status.h"
#include "store/db.h"

namespace periscope::store {

// The schema version this binary writes (PRAGMA user_version).
int SchemaVersion();

// Brings the database up to SchemaVersion(), each migration in its own
// transaction; for `periscope-store init`, which creates the schema in a new
// file. A database newer than this binary is FailedPrecondition and left
// untouched; so is a file that has tables but no periscope schema version (not
// a periscope database).
Status Migrate(Db& db);

// Migrates up to `version` only (<= SchemaVersion()); for upgrade tests that
// need a database as an older periscope left it.
Status MigrateTo(Db& db, int version);

// Migrate for everything but init (the poller, import): a database that was
// never initialised (schema version 0) is FailedPrecondition naming the path
// and saying to run `periscope-store init`, so that a mistaken path does not
// become an empty store that "succeeds" with nothing in it.
Status MigrateExisting(Db& db);

// FailedPrecondition for a database at `version` != SchemaVersion(), naming
// the path and the right remedy: upgrade periscope (newer), or run
// `periscope-store init` (never initialised, or older: init migrates).
Status SchemaVersionMismatch(const std::string& path, int version);

// Reads PRAGMA user_version.
Result<int> CurrentVersion(Db& db);

// Integrity and schema checks for `periscope-store check`: integrity_check,
// foreign_key_check, the schema version, and the expected tables.
Status CheckDatabase(Db& db);

}  // namespace periscope::store

#endif  // PERISCOPE_STORE_SCHEMA_H_
