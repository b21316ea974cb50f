// Test support: where a store test keeps its store, so one conformance suite
// runs every store behaviour against both backends. ctest runs each store
// test twice: as is (SQLite files in a temp dir) and with the suffix "/pg"
// and PERISCOPE_TEST_BACKEND=postgres (fresh databases in the ctest-wide
// cluster of PERISCOPE_TEST_PG_DIR, or in this binary's own cluster when that
// is unset; tests/support/pg_cluster.h).
#ifndef PERISCOPE_TESTS_SUPPORT_TEST_STORE_H_
#define PERISCOPE_TESTS_SUPPORT_TEST_STORE_H_

#include <gtest/gtest.h>

#include <string>

#include "tests/support/process.h"

namespace periscope::testing {

// True when the environment says PERISCOPE_TEST_BACKEND=postgres.
bool TestingPostgres();

// The store location for a test: SQLite -> dir.File(name) (not created);
// PostgreSQL -> the URI of a new, empty database (TEMPLATE template0,
// LC_COLLATE and LC_CTYPE 'C', so text sorts bytewise as in SQLite) in the
// shared cluster. The same (dir, name) gives the same location again within
// one process. On PostgreSQL trouble it returns "" after recording a skip
// (no server binaries) or a fatal failure (anything else) in the running
// test: use PERISCOPE_TEST_STORE_OR_RETURN.
std::string TestStoreLocation(const TempDir& dir, const std::string& name);

}  // namespace periscope::testing

// Assigns TestStoreLocation(dir, name) to the string `lhs`; returns from the
// calling void function (test body, SetUp) when the test was skipped or has
// failed for lack of a PostgreSQL database.
#define PERISCOPE_TEST_STORE_OR_RETURN(lhs, dir, name)          \
  do {                                                          \
    (lhs) = ::periscope::testing::TestStoreLocation(dir, name); \
    if ((lhs).empty()) return;                                  \
  } while (0)

// First statement of a test about SQLite files (headers, WAL, -shm, flock,
// old schema versions): skipped in the PostgreSQL run.
#define PERISCOPE_SQLITE_ONLY()                                            \
  do {                                                                     \
    if (::periscope::testing::TestingPostgres())                           \
      GTEST_SKIP() << "SQLite file behaviour (checked in the SQLite run)"; \
  } while (0)

#endif  // PERISCOPE_TESTS_SUPPORT_TEST_STORE_H_
