#include "store/db.h"

#include <filesystem>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "store/schema.h"
#include "tests/support/process.h"
#include "tests/support/test_store.h"

namespace periscope::store {
namespace {

using periscope::testing::TempDir;
using periscope::testing::TestingPostgres;

TEST(DbTest, MigrateCreatesTheSchemaAndIsIdempotent) {
  TempDir dir;
  std::string store;
  PERISCOPE_TEST_STORE_OR_RETURN(store, dir, "h.db");
  auto db = Db::OpenWriter(store, OpenMode::kCreate);
  ASSERT_TRUE(db.ok()) << db.status().message();
  ASSERT_TRUE(Migrate(**db).ok());
  ASSERT_TRUE(Migrate(**db).ok());
  EXPECT_EQ(*CurrentVersion(**db), SchemaVersion());
  EXPECT_TRUE(CheckDatabase(**db).ok());
  if (TestingPostgres()) return;
  auto mode = (*db)->Prepare("PRAGMA journal_mode");
  ASSERT_TRUE(mode.ok());
  ASSERT_TRUE(*mode->Step());
  EXPECT_EQ(mode->Text(0), "wal");
}

TEST(DbTest, NewerSchemaIsRefusedAndLeftAlone) {
  PERISCOPE_SQLITE_ONLY();
  TempDir dir;
  auto db = Db::OpenWriter(dir.File("h.db"), OpenMode::kCreate);
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE((*db)->Exec("PRAGMA user_version = 999").ok());
  Status s = Migrate(**db);
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(s.message().find("newer than this periscope"), std::string::npos);
  EXPECT_EQ(*CurrentVersion(**db), 999);
}

TEST(DbTest, ReaderCannotWrite) {
  TempDir dir;
  std::string store;
  PERISCOPE_TEST_STORE_OR_RETURN(store, dir, "h.db");
  {
    auto w = Db::OpenWriter(store, OpenMode::kCreate);
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE(Migrate(**w).ok());
  }
  auto r = Db::OpenReader(store);
  ASSERT_TRUE(r.ok());
  Status s = (*r)->Exec("INSERT INTO staff (name, email, role) VALUES ('a', 'a@b', 'sales')");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kPermissionDenied);
}

TEST(DbTest, FailedTransactionKeepsNothing) {
  TempDir dir;
  std::string store;
  PERISCOPE_TEST_STORE_OR_RETURN(store, dir, "h.db");
  auto db = Db::OpenWriter(store, OpenMode::kCreate);
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE(Migrate(**db).ok());
  Status s = InTransaction(**db, [&]() -> Status {
    PERISCOPE_RETURN_IF_ERROR(
        (*db)->Exec("INSERT INTO staff (name, email, role) VALUES ('a', 'a@b', 'sales')"));
    return (*db)->Exec("INSERT INTO staff (name, email, role) VALUES ('b', 'a@b', 'sales')");
  });
  EXPECT_EQ(s.code(), StatusCode::kAlreadyExists);
  auto count = (*db)->Prepare("SELECT count(*) FROM staff");
  ASSERT_TRUE(*count->Step());
  EXPECT_EQ(count->Int(0), 0);
}

TEST(DbTest, SecondWriterWaitsBusyTimeoutThenFailsCleanly) {
  TempDir dir;
  std::string store;
  PERISCOPE_TEST_STORE_OR_RETURN(store, dir, "h.db");
  auto first = Db::OpenWriter(store, OpenMode::kCreate);
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(Migrate(**first).ok());
  ASSERT_TRUE((*first)->BeginImmediate().ok());
  auto second = Db::OpenWriter(store, OpenMode::kMustExist, std::chrono::milliseconds(200));
  ASSERT_TRUE(second.ok());
  auto started = std::chrono::steady_clock::now();
  Status s = (*second)->BeginImmediate();
  EXPECT_EQ(s.code(), StatusCode::kUnavailable) << s.message();
  EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(150));
  (*first)->Rollback();
  EXPECT_TRUE((*second)->BeginImmediate().ok());
  (*second)->Rollback();
}

TEST(DbTest, BoundParametersAreNeverSql) {
  TempDir dir;
  std::string store;
  PERISCOPE_TEST_STORE_OR_RETURN(store, dir, "h.db");
  auto db = Db::OpenWriter(store, OpenMode::kCreate);
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE(Migrate(**db).ok());
  auto ins = (*db)->Prepare("INSERT INTO staff (name, email, role) VALUES (?, ?, 'sales')");
  ASSERT_TRUE(ins.ok());
  ins->Bind(1, "x'); DROP TABLE staff; --").Bind(2, "e@x");
  ASSERT_TRUE(ins->Run().ok());
  EXPECT_TRUE(CheckDatabase(**db).ok());
  auto name = (*db)->Prepare("SELECT name FROM staff");
  ASSERT_TRUE(*name->Step());
  EXPECT_EQ(name->Text(0), "x'); DROP TABLE staff; --");
}

TEST(DbTest, AFullDatabaseIsReportedAsDiskFullNamingThePath) {
  PERISCOPE_SQLITE_ONLY();
  TempDir dir;
  auto db = Db::OpenWriter(dir.File("h.db"), OpenMode::kCreate);
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE(Migrate(**db).ok());
  auto pages = (*db)->Prepare("PRAGMA page_count");
  ASSERT_TRUE(*pages->Step());
  ASSERT_TRUE((*db)->Exec(fmt::format("PRAGMA max_page_count = {}", pages->Int(0) + 2)).ok());
  Status s = InTransaction(**db, [&]() -> Status {
    auto ins = (*db)->Prepare("INSERT INTO staff (name, email, role) VALUES (?, ?, 'sales')");
    if (!ins.ok()) return ins.status();
    for (int i = 0; i < 100; ++i) {
      ins->Reset();
      ins->Bind(1, std::string(1000, 'n')).Bind(2, fmt::format("{}@x", i));
      PERISCOPE_RETURN_IF_ERROR(ins->Run());
    }
    return Status::Ok();
  });
  EXPECT_EQ(s.code(), StatusCode::kResourceExhausted);
  EXPECT_NE(s.message().find(dir.File("h.db") + ": "), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("disk full"), std::string::npos) << s.message();
}

TEST(DbTest, OnlyCreateModeMakesANewFile) {
  PERISCOPE_SQLITE_ONLY();
  TempDir dir;
  auto missing = Db::OpenWriter(dir.File("h.db"), OpenMode::kMustExist);
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(Db::OpenReader(dir.File("h.db")).status().code(), StatusCode::kNotFound);
  EXPECT_FALSE(std::filesystem::exists(dir.File("h.db")));
  EXPECT_TRUE(Db::OpenWriter(dir.File("h.db"), OpenMode::kCreate).ok());
  EXPECT_TRUE(std::filesystem::exists(dir.File("h.db")));
}

}  // namespace
}  // namespace periscope::store
