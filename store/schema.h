// The history database's schema and its numbered migrations.
#ifndef PERISCOPE_STORE_SCHEMA_H_
#define PERISCOPE_STORE_SCHEMA_H_

#include "core/status.h"
#include "store/db.h"

namespace periscope::store {

// The schema version this binary writes (PRAGMA user_version).
int SchemaVersion();

// Brings the database up to SchemaVersion(), each migration in its own
// transaction. A database newer than this binary is FailedPrecondition and
// left untouched.
Status Migrate(Db& db);

// Migrates up to `version` only (<= SchemaVersion()); for upgrade tests that
// need a database as an older periscope left it.
Status MigrateTo(Db& db, int version);

// Reads PRAGMA user_version.
Result<int> CurrentVersion(Db& db);

// Integrity and schema checks for `periscope-store check`: integrity_check,
// foreign_key_check, the schema version, and the expected tables.
Status CheckDatabase(Db& db);

}  // namespace periscope::store

#endif  // PERISCOPE_STORE_SCHEMA_H_
