// The scheduler tests' store (leases_test, chunk_write_test): SQLite, or a
// fresh PostgreSQL database in the binaries' /pg run, with customer c1 and
// targets h1..hN (port 161, profile p), ids 1..N.
#ifndef PERISCOPE_TESTS_STORE_BUCKET_STORE_FIXTURE_H_
#define PERISCOPE_TESTS_STORE_BUCKET_STORE_FIXTURE_H_

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "store/db.h"
#include "store/registry.h"
#include "store/schema.h"
#include "tests/support/process.h"
#include "tests/support/test_store.h"

namespace periscope::store {

class BucketStoreTest : public ::testing::Test {
 protected:
  explicit BucketStoreTest(int targets) : targets_(targets) {}

  // Leaves db_ null when the store cannot be had (the test then fails or is
  // skipped with the reason).
  void SetUp() override {
    PERISCOPE_TEST_STORE_OR_RETURN(store_, dir_, "h.db");
    auto db = Db::OpenWriter(store_, OpenMode::kCreate);
    ASSERT_TRUE(db.ok()) << db.status().message();
    db_ = std::move(*db);
    ASSERT_TRUE(Migrate(*db_).ok());
    ASSERT_TRUE(ImportCustomersCsv(*db_,
                                   "user_id,name,contact_person,email,phone,address,sales_email\n"
                                   "c1,C,,,,,\n",
                                   "c.csv")
                    .ok());
    std::string targets = "address,port,profile,customer_user_id\n";
    for (int i = 1; i <= targets_; ++i) targets += "h" + std::to_string(i) + ",161,p,c1\n";
    ASSERT_TRUE(ImportTargetsCsv(*db_, targets, "t.csv").ok());
  }

  // The first column of the first row ("" when there is none).
  std::string One(const std::string& sql) {
    auto t = Query(*db_, sql);
    EXPECT_TRUE(t.ok()) << t.status().message();
    return t.ok() && !t->rows.empty() ? t->rows[0][0] : "";
  }

  ::periscope::testing::TempDir dir_;
  std::string store_;
  std::unique_ptr<Db> db_;

 private:
  int targets_;
};

}  // namespace periscope::store

#endif  // PERISCOPE_TESTS_STORE_BUCKET_STORE_FIXTURE_H_
