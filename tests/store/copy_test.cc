// store::CopyStore between SQLite and PostgreSQL: every value survives a round
// trip, a non-empty target is refused, an interrupted copy resumes, and the
// verification catches a target that does not hold what was copied.
#include "store/copy.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "store/db.h"
#include "store/retention.h"
#include "store/schema.h"
#include "tests/store/copy_fixture.h"
#include "tests/support/pg_cluster.h"
#include "tests/support/process.h"

namespace periscope::testing {
namespace {

using ::testing::HasSubstr;

constexpr int64_t kDay = 1704153600;  // 2024-01-02 00:00:00 UTC

std::unique_ptr<store::Db> OpenMigrated(const std::string& where) {
  auto db = store::Db::OpenWriter(where, store::OpenMode::kCreate);
  EXPECT_TRUE(db.ok()) << db.status().message();
  if (!db.ok()) return nullptr;
  Status s = store::Migrate(**db);
  EXPECT_TRUE(s.ok()) << s.message();
  return std::move(*db);
}

std::string Scalar(store::Db& db, const std::string& sql) {
  auto stmt = db.Prepare(sql);
  EXPECT_TRUE(stmt.ok()) << stmt.status().message();
  auto row = stmt->Step();
  EXPECT_TRUE(row.ok() && *row) << sql;
  return stmt->IsNull(0) ? "NULL" : stmt->Text(0);
}

// Every table's checksum in both stores is the same (and the stores hold rows).
void ExpectSameContents(store::Db& a, store::Db& b) {
  int64_t rows = 0;
  for (const std::string& table : store::CopyTables()) {
    auto x = store::ChecksumTable(a, table);
    auto y = store::ChecksumTable(b, table);
    ASSERT_TRUE(x.ok()) << x.status().message();
    ASSERT_TRUE(y.ok()) << y.status().message();
    EXPECT_EQ(x->rows, y->rows) << table;
    EXPECT_EQ(x->hash, y->hash) << table;
    rows += x->rows;
  }
  EXPECT_GT(rows, 30);
}

store::TableCopy Copied(const store::CopyResult& result, const std::string& table) {
  for (const store::TableCopy& t : result.tables) {
    if (t.table == table) return t;
  }
  ADD_FAILURE() << "no table " << table;
  return {};
}

class CopyTest : public ::testing::Test {
 protected:
  TempDir dir_;
};

TEST_F(CopyTest, SqliteToPostgresAndBackKeepsEveryValue) {
  PERISCOPE_SHARED_PG_CLUSTER_OR_SKIP(cluster);
  const std::string pg = cluster->Uri(FreshDatabase(*cluster));
  {
    auto a = OpenMigrated(dir_.File("a.db"));
    ASSERT_NE(a, nullptr);
    ASSERT_TRUE(FillSmallStore(*a, kDay).ok());
  }
  std::vector<std::string> tables_reported;
  store::CopyOptions options;
  options.batch_rows = 4;  // several batches per table
  options.on_table = [&](const store::TableCopy& t) { tables_reported.push_back(t.table); };
  auto there = store::CopyStore(dir_.File("a.db"), pg, options);
  ASSERT_TRUE(there.ok()) << there.status().message();
  EXPECT_EQ(there->tables_verified, static_cast<int>(store::CopyTables().size()));
  EXPECT_EQ(tables_reported, store::CopyTables());
  auto back = store::CopyStore(pg, dir_.File("c.db"), options);
  ASSERT_TRUE(back.ok()) << back.status().message();

  auto a = store::Db::OpenReader(dir_.File("a.db"));
  auto p = store::Db::OpenWriter(pg, store::OpenMode::kMustExist);
  auto c = store::Db::OpenReader(dir_.File("c.db"));
  ASSERT_TRUE(a.ok() && p.ok() && c.ok());
  ExpectSameContents(**a, **p);
  ExpectSameContents(**a, **c);
  for (store::Db* db : {a->get(), p->get(), c->get()}) {
    SCOPED_TRACE(db->path());
    EXPECT_EQ(Scalar(*db, "SELECT count(*) FROM samples"), "24");
    // Doubles to the last bit (text forms differ between the engines).
    EXPECT_EQ(Scalar(*db,
                     "SELECT count(*) FROM metric_daily WHERE max_value = 1e300 AND "
                     "min_value = 0.1 AND sum_value = 0.30000000000000004"),
              "1");
    EXPECT_EQ(Scalar(*db, "SELECT count(*) FROM metric_daily WHERE min_value = -1.5e-300"), "1");
    EXPECT_EQ(Scalar(*db, "SELECT last_value FROM metric_daily WHERE instance = 'a'"), "NULL");
    EXPECT_EQ(Scalar(*db, "SELECT count(*) FROM samples WHERE status_text = ''"), "6");
    EXPECT_EQ(Scalar(*db, "SELECT count(*) FROM samples WHERE status_text IS NULL"), "0");
    EXPECT_EQ(Scalar(*db, "SELECT name FROM staff WHERE id = 1"), "Sales 'Quoted'");
  }
  // PostgreSQL: the days' partitions hold the samples; new ids follow the copied ones.
  EXPECT_EQ(Scalar(**p, "SELECT count(*) FROM samples_default"), "0");
  EXPECT_EQ(Scalar(**p, "SELECT count(*) FROM " + store::SamplePartitionName(kDay)), "8");
  auto staff = (*p)->Prepare(
      "INSERT INTO staff (name, email, role) VALUES ('New', 'n@v.example', 'sales') RETURNING id");
  ASSERT_TRUE(staff.ok());
  auto staff_id = staff->RunReturningId();
  ASSERT_TRUE(staff_id.ok()) << staff_id.status().message();
  EXPECT_EQ(*staff_id, 3);
  EXPECT_EQ(Scalar(**p, "SELECT nextval('samples_id_seq')"), "25");
}

TEST_F(CopyTest, ANonEmptyTargetIsRefusedNamingATable) {
  {
    auto a = OpenMigrated(dir_.File("a.db"));
    ASSERT_TRUE(FillSmallStore(*a, kDay).ok());
    auto b = OpenMigrated(dir_.File("b.db"));
    ASSERT_TRUE((*b).Exec("INSERT INTO store_settings (name, value) VALUES ('x', 'y')").ok());
  }
  auto copied = store::CopyStore(dir_.File("a.db"), dir_.File("b.db"), {});
  ASSERT_FALSE(copied.ok());
  EXPECT_EQ(copied.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(copied.status().message(), HasSubstr("table store_settings has rows"));
  auto b = store::Db::OpenReader(dir_.File("b.db"));
  EXPECT_EQ(Scalar(**b, "SELECT count(*) FROM staff"), "0");
}

TEST_F(CopyTest, SameSourceAndTargetIsInvalid) {
  auto copied = store::CopyStore(dir_.File("a.db"), dir_.File("a.db"), {});
  ASSERT_FALSE(copied.ok());
  EXPECT_EQ(copied.status().code(), StatusCode::kInvalidArgument);
}

// What an interrupted copy leaves: tables before `samples` complete, samples
// a prefix in key order, every later table empty.
void Interrupt(store::Db& target, int64_t keep_samples_up_to_id) {
  ASSERT_TRUE(store::InTransaction(target, [&]() -> Status {
                const auto& tables = store::CopyTables();
                for (auto it = tables.rbegin(); *it != "samples"; ++it) {
                  PERISCOPE_RETURN_IF_ERROR(target.Exec("DELETE FROM " + *it));
                }
                return target.Exec(
                    fmt::format("DELETE FROM samples WHERE id > {}", keep_samples_up_to_id));
              }).ok());
}

void ResumesAfterAnInterruption(const std::string& source, const std::string& target) {
  {
    auto a = OpenMigrated(source);
    ASSERT_TRUE(FillSmallStore(*a, kDay).ok());
  }
  ASSERT_TRUE(store::CopyStore(source, target, {}).ok());
  {
    auto t = store::Db::OpenWriter(target, store::OpenMode::kMustExist);
    ASSERT_TRUE(t.ok());
    Interrupt(**t, 10);
  }
  auto refused = store::CopyStore(source, target, {});
  EXPECT_EQ(refused.status().code(), StatusCode::kFailedPrecondition);
  store::CopyOptions resume;
  resume.existing = store::CopyExisting::kResume;
  resume.batch_rows = 3;
  auto resumed = store::CopyStore(source, target, resume);
  ASSERT_TRUE(resumed.ok()) << resumed.status().message();
  for (const store::TableCopy& t : resumed->tables) EXPECT_EQ(t.skipped, 0) << t.table;
  EXPECT_EQ(Copied(*resumed, "staff").copied, 0);
  EXPECT_EQ(Copied(*resumed, "samples").copied, 14);
  EXPECT_EQ(Copied(*resumed, "metric_daily").copied, 2);
  EXPECT_EQ(resumed->tables_verified, static_cast<int>(store::CopyTables().size()));
}

TEST_F(CopyTest, AnInterruptedCopyToPostgresResumesAfterTheLastKey) {
  PERISCOPE_SHARED_PG_CLUSTER_OR_SKIP(cluster);
  ResumesAfterAnInterruption(dir_.File("a.db"), cluster->Uri(FreshDatabase(*cluster)));
}

TEST_F(CopyTest, AnInterruptedCopyFromPostgresResumesAfterTheLastKey) {
  PERISCOPE_SHARED_PG_CLUSTER_OR_SKIP(cluster);
  ResumesAfterAnInterruption(cluster->Uri(FreshDatabase(*cluster)), dir_.File("b.db"));
}

TEST_F(CopyTest, ForceSkipsRowsWhoseKeyExists) {
  {
    auto a = OpenMigrated(dir_.File("a.db"));
    ASSERT_TRUE(FillSmallStore(*a, kDay).ok());
  }
  ASSERT_TRUE(store::CopyStore(dir_.File("a.db"), dir_.File("b.db"), {}).ok());
  {
    auto b = store::Db::OpenWriter(dir_.File("b.db"), store::OpenMode::kMustExist);
    Interrupt(**b, 20);
  }
  store::CopyOptions force;
  force.existing = store::CopyExisting::kForce;
  auto forced = store::CopyStore(dir_.File("a.db"), dir_.File("b.db"), force);
  ASSERT_TRUE(forced.ok()) << forced.status().message();
  EXPECT_EQ(Copied(*forced, "samples").copied, 4);
  EXPECT_EQ(Copied(*forced, "samples").skipped, 20);
  EXPECT_EQ(Copied(*forced, "staff").skipped, 2);
  EXPECT_EQ(Copied(*forced, "metric_daily").copied, 2);
}

TEST_F(CopyTest, VerificationNamesATableWhoseCopyDiffers) {
  {
    auto a = OpenMigrated(dir_.File("a.db"));
    ASSERT_TRUE(FillSmallStore(*a, kDay).ok());
    // A target that changes what it is given: the copy must not call that equal.
    auto b = OpenMigrated(dir_.File("b.db"));
    ASSERT_TRUE(b->Exec("CREATE TRIGGER bend AFTER INSERT ON metric_daily BEGIN "
                        "UPDATE metric_daily SET min_value = 0.1000000000000001 WHERE "
                        "instance = 'a'; END")
                    .ok());
  }
  auto copied = store::CopyStore(dir_.File("a.db"), dir_.File("b.db"), {});
  ASSERT_FALSE(copied.ok());
  EXPECT_EQ(copied.status().code(), StatusCode::kDataLoss);
  EXPECT_THAT(copied.status().message(), HasSubstr("table metric_daily"));
  EXPECT_THAT(copied.status().message(), HasSubstr("contents differ"));
}

TEST_F(CopyTest, ChecksumTellsNullFromEmptyText) {
  auto a = OpenMigrated(dir_.File("a.db"));
  ASSERT_TRUE(a->Exec("INSERT INTO poll_runs (id, started_at, state, poller) VALUES "
                      "(1, 1, 'started', '')")
                  .ok());
  auto with_empty = store::ChecksumTable(*a, "poll_runs");
  ASSERT_TRUE(a->Exec("UPDATE poll_runs SET poller = NULL").ok());
  auto with_null = store::ChecksumTable(*a, "poll_runs");
  ASSERT_TRUE(with_empty.ok() && with_null.ok());
  EXPECT_EQ(with_empty->rows, 1);
  EXPECT_NE(with_empty->hash, with_null->hash);
}

}  // namespace
}  // namespace periscope::testing
