// The PostgreSQL backend of store::Db (store/db_pg.cc): what the conformance
// suite cannot show because it is not shared with SQLite (URIs, passwords,
// server-side locks, reconnection, the PostgreSQL schema check). Skipped
// when there is no PostgreSQL server.
#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <future>
#include <string>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "store/db.h"
#include "store/schema.h"
#include "tests/support/pg_cluster.h"
#include "tests/support/process.h"

namespace periscope::store {
namespace {

using periscope::testing::FreshDatabase;
using periscope::testing::PgCluster;
using periscope::testing::TempDir;
using periscope::testing::WriteTextFile;
using ::testing::HasSubstr;
using ::testing::Not;

// Sets an environment variable for one scope (libpq reads PGPASSFILE and
// PGPASSWORD when connecting), restoring the old value after.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    const char* old = std::getenv(name);
    if (old != nullptr) old_ = old;
    had_ = old != nullptr;
    ::setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (had_) {
      ::setenv(name_, old_.c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::string old_;
  bool had_ = false;
};

// The first column of the first row of `sql`, or the error.
std::string One(Db& db, const std::string& sql) {
  auto st = db.Prepare(sql);
  if (!st.ok()) return "error: " + st.status().message();
  auto row = st->Step();
  if (!row.ok()) return "error: " + row.status().message();
  return *row ? st->Text(0) : "no row";
}

// A fresh database in the shared cluster, as a periscope store of the
// current schema, opened for writing.
class DbPgTest : public ::testing::Test {
 protected:
  void SetUp() override {
    PERISCOPE_SHARED_PG_CLUSTER_OR_SKIP(cluster);
    cluster_ = cluster;
    db_name_ = FreshDatabase(*cluster_);
    ASSERT_FALSE(db_name_.empty());
    uri_ = cluster_->Uri(db_name_);
  }

  // A writer on uri_ after `periscope-store init` (kCreate + Migrate).
  std::unique_ptr<Db> InitStore(std::chrono::milliseconds busy = std::chrono::seconds(10)) {
    auto db = Db::OpenWriter(uri_, OpenMode::kCreate, busy);
    EXPECT_TRUE(db.ok()) << db.status().message();
    if (!db.ok()) return nullptr;
    Status migrated = Migrate(**db);
    EXPECT_TRUE(migrated.ok()) << migrated.message();
    return std::move(*db);
  }

  std::string Psql(const std::string& sql) {
    bool ok = false;
    std::string error;
    std::string out = cluster_->Psql(db_name_, sql, &ok, &error);
    EXPECT_TRUE(ok) << error;
    return out;
  }

  PgCluster* cluster_ = nullptr;
  std::string db_name_, uri_;
};

TEST(DbPgRedactTest, PasswordsInTheAuthorityAndTheQueryAreHidden) {
  std::string in_authority = RedactDatabase("postgresql://periscope:s3cr3t@db.example:5432/store");
  EXPECT_THAT(in_authority, Not(HasSubstr("s3cr3t")));
  EXPECT_THAT(in_authority, HasSubstr("periscope"));
  EXPECT_THAT(in_authority, HasSubstr("db.example:5432/store"));
  std::string in_query =
      RedactDatabase("postgres:///store?host=/run/pg&password=s3cr3t&user=periscope");
  EXPECT_THAT(in_query, Not(HasSubstr("s3cr3t")));
  EXPECT_THAT(in_query, HasSubstr("host=/run/pg"));
  EXPECT_THAT(in_query, HasSubstr("user=periscope"));
  EXPECT_EQ(RedactDatabase("/var/lib/periscope/h.db"), "/var/lib/periscope/h.db");
}

TEST(DbPgUnreachableTest, NoServerIsUnavailableNamingTheUriWithoutThePassword) {
  TempDir socket_dir;  // no server listens here
  std::string uri =
      "postgresql:///store?host=" + socket_dir.path() + "&port=5999&user=u&password=s3cr3t";
  auto db = Db::OpenWriter(uri, OpenMode::kMustExist);
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.status().code(), StatusCode::kUnavailable) << db.status().message();
  EXPECT_THAT(db.status().message(), HasSubstr(RedactDatabase(uri)));
  EXPECT_THAT(db.status().message(), HasSubstr(socket_dir.path()));
  EXPECT_THAT(db.status().message(), Not(HasSubstr("s3cr3t")));
  EXPECT_EQ(Db::OpenReader(uri).status().code(), StatusCode::kUnavailable);
}

TEST_F(DbPgTest, AWrongPasswordIsPermissionDeniedPointingAtPgpass) {
  std::string role = "r_wrong_" + std::to_string(::getpid());
  std::string error;
  ASSERT_TRUE(cluster_->CreateRoleWithPassword(role, "right-pw", db_name_, &error)) << error;
  TempDir dir;
  WriteTextFile(dir.File("pgpass"), "*:*:*:" + role + ":wrong-pw\n");
  ASSERT_EQ(::chmod(dir.File("pgpass").c_str(), 0600), 0);
  ScopedEnv passfile("PGPASSFILE", dir.File("pgpass"));
  auto db = Db::OpenWriter(cluster_->UserUri(role, db_name_), OpenMode::kCreate);
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.status().code(), StatusCode::kPermissionDenied) << db.status().message();
  EXPECT_THAT(db.status().message(), HasSubstr("~/.pgpass"));
  EXPECT_THAT(db.status().message(), Not(HasSubstr("wrong-pw")));
}

TEST_F(DbPgTest, ThePasswordFromPgpassfileIsUsed) {
  std::string role = "r_right_" + std::to_string(::getpid());
  std::string error;
  ASSERT_TRUE(cluster_->CreateRoleWithPassword(role, "right-pw", db_name_, &error)) << error;
  TempDir dir;
  WriteTextFile(dir.File("pgpass"), "*:*:*:" + role + ":right-pw\n");
  ASSERT_EQ(::chmod(dir.File("pgpass").c_str(), 0600), 0);
  ScopedEnv passfile("PGPASSFILE", dir.File("pgpass"));
  auto db = Db::OpenWriter(cluster_->UserUri(role, db_name_), OpenMode::kCreate);
  ASSERT_TRUE(db.ok()) << db.status().message();
  Status migrated = Migrate(**db);
  ASSERT_TRUE(migrated.ok()) << migrated.message();
  EXPECT_EQ(*CurrentVersion(**db), SchemaVersion());
  EXPECT_EQ(Psql("SELECT tableowner FROM pg_tables WHERE tablename = 'staff'"), role);
}

TEST_F(DbPgTest, InitTwiceIsIdempotent) {
  {
    auto db = InitStore();
    ASSERT_NE(db, nullptr);
    ASSERT_TRUE(
        (*db).Exec("INSERT INTO staff (name, email, role) VALUES ('a', 'a@x', 'sales')").ok());
  }
  auto again = InitStore();
  ASSERT_NE(again, nullptr);
  EXPECT_EQ(*CurrentVersion(*again), SchemaVersion());
  EXPECT_TRUE(CheckDatabase(*again).ok());
  EXPECT_EQ(One(*again, "SELECT count(*) FROM staff"), "1");
  EXPECT_EQ(Psql("SELECT count(*) FROM schema_version"), "1");
}

TEST_F(DbPgTest, InitRefusesADatabaseWhoseTextDoesNotSortBytewise) {
  bool ok = false;
  std::string error;
  cluster_->Psql("postgres",
                 "CREATE DATABASE " + db_name_ +
                     "_icu TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US'",
                 &ok, &error);
  if (!ok) GTEST_SKIP() << "this PostgreSQL has no ICU collations: " << error;
  auto db = Db::OpenWriter(cluster_->Uri(db_name_ + "_icu"), OpenMode::kCreate);
  ASSERT_TRUE(db.ok()) << db.status().message();
  Status s = Migrate(**db);
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(s.message().find("LC_COLLATE 'C'"), std::string::npos) << s.message();
  EXPECT_EQ(One(**db, "SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname = 'public'"),
            "0");
}

TEST_F(DbPgTest, ANewerSchemaIsRefusedByOpenWriterAndLeftUntouched) {
  {
    auto db = InitStore();
    ASSERT_NE(db, nullptr);
    ASSERT_TRUE(
        db->Exec("INSERT INTO staff (name, email, role) VALUES ('a', 'a@x', 'sales')").ok());
  }
  Psql("UPDATE schema_version SET version = 99");
  std::string tables_before = Psql(
      "SELECT string_agg(tablename, ',' ORDER BY tablename) FROM pg_tables "
      "WHERE schemaname = 'public'");
  auto writer = Db::OpenWriter(uri_, OpenMode::kCreate);
  ASSERT_FALSE(writer.ok());
  EXPECT_EQ(writer.status().code(), StatusCode::kFailedPrecondition) << writer.status().message();
  EXPECT_THAT(writer.status().message(), HasSubstr("99"));
  EXPECT_EQ(Db::OpenWriter(uri_, OpenMode::kMustExist).status().code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(Db::OpenReader(uri_).status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(Psql("SELECT version FROM schema_version"), "99");
  EXPECT_EQ(Psql("SELECT count(*) FROM staff"), "1");
  EXPECT_EQ(Psql("SELECT string_agg(tablename, ',' ORDER BY tablename) FROM pg_tables "
                 "WHERE schemaname = 'public'"),
            tables_before);
}

TEST_F(DbPgTest, AReaderRefusesWrites) {
  ASSERT_NE(InitStore(), nullptr);
  auto reader = Db::OpenReader(uri_);
  ASSERT_TRUE(reader.ok()) << reader.status().message();
  Status s = (*reader)->Exec("INSERT INTO staff (name, email, role) VALUES ('a', 'a@x', 'sales')");
  EXPECT_EQ(s.code(), StatusCode::kPermissionDenied) << s.message();
  EXPECT_EQ(One(**reader, "SELECT count(*) FROM staff"), "0");
}

TEST_F(DbPgTest, PlaceholdersAreNumberedOutsideStringLiterals) {
  auto db = InitStore();
  ASSERT_NE(db, nullptr);
  auto plain = db->Prepare("SELECT ? || '?' || 'it''s ?' || ?");
  ASSERT_TRUE(plain.ok());
  plain->Bind(1, "a").Bind(2, "b");
  ASSERT_TRUE(*plain->Step());
  EXPECT_EQ(plain->Text(0), "a?it's ?b");
  auto numbered = db->Prepare("SELECT ?2 || '-' || ?1 || '-' || ?2 || '-?1'");
  ASSERT_TRUE(numbered.ok());
  numbered->Bind(1, "x").Bind(2, "y");
  ASSERT_TRUE(*numbered->Step());
  EXPECT_EQ(numbered->Text(0), "y-x-y-?1");
}

TEST_F(DbPgTest, ChangesCountsTheRowsOfTheLastUpdateOrDelete) {
  auto db = InitStore();
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(db->Exec("INSERT INTO staff (name, email, role) VALUES ('a', 'a@x', 'sales'), "
                       "('b', 'b@x', 'sales'), ('c', 'c@x', 'support')")
                  .ok());
  EXPECT_EQ(db->Changes(), 3);
  auto update = db->Prepare("UPDATE staff SET name = name || '!' WHERE role = ?");
  ASSERT_TRUE(update.ok());
  update->Bind(1, "sales");
  ASSERT_TRUE(update->Run().ok());
  EXPECT_EQ(db->Changes(), 2);
  ASSERT_TRUE(db->Exec("DELETE FROM staff WHERE email = 'c@x'").ok());
  EXPECT_EQ(db->Changes(), 1);
  ASSERT_TRUE(db->Exec("DELETE FROM staff WHERE email = 'nobody@x'").ok());
  EXPECT_EQ(db->Changes(), 0);
}

TEST_F(DbPgTest, AUniqueViolationIsAlreadyExists) {
  auto db = InitStore();
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(db->Exec("INSERT INTO staff (name, email, role) VALUES ('a', 'a@x', 'sales')").ok());
  Status s = db->Exec("INSERT INTO staff (name, email, role) VALUES ('b', 'a@x', 'sales')");
  EXPECT_EQ(s.code(), StatusCode::kAlreadyExists) << s.message();
}

TEST_F(DbPgTest, BeginImmediateSerialisesWritersUntilTheFirstCommits) {
  auto first = InitStore();
  ASSERT_NE(first, nullptr);
  auto second = Db::OpenWriter(uri_, OpenMode::kMustExist, std::chrono::seconds(10));
  ASSERT_TRUE(second.ok()) << second.status().message();
  ASSERT_TRUE(first->BeginImmediate().ok());
  std::atomic<bool> committed{false};
  auto waiter = std::async(std::launch::async, [&]() -> std::string {
    Status begun = (*second)->BeginImmediate();
    if (!begun.ok()) return "begin: " + begun.message();
    if (!committed.load()) return "began before the first writer committed";
    std::string seen = One(**second, "SELECT count(*) FROM staff");
    (*second)->Rollback();
    return seen;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  ASSERT_EQ(waiter.wait_for(std::chrono::seconds(0)), std::future_status::timeout)
      << "the second writer did not wait";
  ASSERT_TRUE(
      first->Exec("INSERT INTO staff (name, email, role) VALUES ('a', 'a@x', 'sales')").ok());
  committed.store(true);
  ASSERT_TRUE(first->Commit().ok());
  EXPECT_EQ(waiter.get(), "1");
}

TEST_F(DbPgTest, AWriterWaitsLockTimeoutThenIsUnavailableAndStaysUsable) {
  auto first = InitStore();
  ASSERT_NE(first, nullptr);
  auto second = Db::OpenWriter(uri_, OpenMode::kMustExist, std::chrono::milliseconds(200));
  ASSERT_TRUE(second.ok()) << second.status().message();
  ASSERT_TRUE(first->BeginImmediate().ok());
  auto started = std::chrono::steady_clock::now();
  Status s = (*second)->BeginImmediate();
  EXPECT_EQ(s.code(), StatusCode::kUnavailable) << s.message();
  EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(150));
  first->Rollback();
  ASSERT_TRUE((*second)->BeginImmediate().ok());
  EXPECT_TRUE(
      (*second)->Exec("INSERT INTO staff (name, email, role) VALUES ('a', 'a@x', 'sales')").ok());
  EXPECT_TRUE((*second)->Commit().ok());
}

TEST_F(DbPgTest, CheckDatabaseAcceptsAFreshStoreAndRefusesAnUnpartitionedSamplesTable) {
  auto db = InitStore();
  ASSERT_NE(db, nullptr);
  Status fresh = CheckDatabase(*db);
  EXPECT_TRUE(fresh.ok()) << fresh.message();
  Psql(
      "DROP TABLE samples CASCADE; CREATE TABLE samples (id bigint, device_id bigint, "
      "run_id bigint, sampled_at bigint, slot_start bigint)");
  Status s = CheckDatabase(*db);
  EXPECT_EQ(s.code(), StatusCode::kDataLoss) << s.message();
  EXPECT_THAT(s.message(), HasSubstr("samples"));
}

// Its own cluster: restarting the shared one would cut every other test's
// connections.
TEST(DbPgRestartTest, ALostConnectionIsSeenAndReconnectRecovers) {
  PERISCOPE_PG_CLUSTER_OR_SKIP(cluster);
  std::string name = FreshDatabase(*cluster);
  ASSERT_FALSE(name.empty());
  auto db = Db::OpenWriter(cluster->Uri(name), OpenMode::kCreate);
  ASSERT_TRUE(db.ok()) << db.status().message();
  ASSERT_TRUE(Migrate(**db).ok());
  EXPECT_FALSE((*db)->ConnectionLost());
  std::string error;
  ASSERT_TRUE(cluster->RestartFast(&error)) << error;
  Status after_restart = (*db)->Exec("SELECT 1");
  EXPECT_FALSE(after_restart.ok());
  EXPECT_EQ(after_restart.code(), StatusCode::kUnavailable) << after_restart.message();
  EXPECT_TRUE((*db)->ConnectionLost());
  Status reconnected = (*db)->Reconnect();
  ASSERT_TRUE(reconnected.ok()) << reconnected.message();
  EXPECT_FALSE((*db)->ConnectionLost());
  EXPECT_EQ(One(**db, "SELECT count(*) FROM staff"), "0");
  EXPECT_EQ(*CurrentVersion(**db), SchemaVersion());
}

}  // namespace
}  // namespace periscope::store
