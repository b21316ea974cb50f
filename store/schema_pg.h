// The PostgreSQL 15 schema of the history store: the same tables, columns
// (in the same order, so `SELECT *` matches SQLite's), defaults, NOT NULLs,
// keys and CHECKs as store/schema.cc, as DDL text only. The runner that applies
// it and keeps the version lives elsewhere; nothing here talks to a server.
#ifndef PERISCOPE_STORE_SCHEMA_PG_H_
#define PERISCOPE_STORE_SCHEMA_PG_H_

#include <vector>

namespace periscope::store {

// One step of the PostgreSQL schema: applying `sql` (several statements, meant
// to run in one transaction) to a store at the previous entry's version
// brings it to `version`.
struct PgMigration {
  int version;
  const char* sql;
};

// Ascending by version. The first entry is the baseline: it creates, in an
// empty schema, what SQLite has after its migrations 1..6 (there was never a
// PostgreSQL store older than that). Every later entry matches the SQLite
// migration of the same number. Append only: never edit an entry that has
// shipped.
const std::vector<PgMigration>& PgMigrations();

}  // namespace periscope::store

#endif  // PERISCOPE_STORE_SCHEMA_PG_H_
