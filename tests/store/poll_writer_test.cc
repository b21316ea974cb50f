#include "store/poll_writer.h"

#include <gtest/gtest.h>

#include "store/registry.h"
#include "store/schema.h"
#include "tests/support/process.h"

namespace periscope::store {
namespace {

class PollWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = Db::OpenWriter(dir_.File("h.db"), OpenMode::kCreate);
    ASSERT_TRUE(db.ok());
    db_ = std::move(*db);
    ASSERT_TRUE(Migrate(*db_).ok());
    ASSERT_TRUE(ImportCustomersCsv(*db_,
                                   "user_id,name,contact_person,email,phone,address,sales_email\n"
                                   "c1,C,,,,,\n",
                                   "c.csv")
                    .ok());
    ASSERT_TRUE(
        ImportTargetsCsv(*db_, "address,port,profile,customer_user_id\nh,161,p,c1\n", "t.csv")
            .ok());
  }
  std::string One(const std::string& sql) {
    auto t = Query(*db_, sql);
    return t.ok() && !t->rows.empty() ? t->rows[0][0] : "";
  }
  DeviceRecord Device(const std::string& firmware, int64_t used) {
    DeviceRecord d;
    d.device_index = 1;
    d.spec.serial_number = "SN1";
    d.spec.model = "PSA";
    d.spec.firmware = firmware;
    d.spec.capacity_bytes = 1000;
    d.usage.used_bytes = used;
    d.daily = {{20261120, 5, 100, used - 1, 8640}, {20261121, 7, 200, used, 10}};
    return d;
  }

  periscope::testing::TempDir dir_;
  std::unique_ptr<Db> db_;
};

TEST_F(PollWriterTest, SpecChangesAddRowsAndDailyRowsAreUpserted) {
  PollWriter w(db_.get());
  auto run = w.StartRun(1000);
  ASSERT_TRUE(run.ok());
  EXPECT_EQ(One("SELECT state FROM poll_runs"), "started");
  ASSERT_TRUE(w.RecordTarget(*run, 1, 1000, {Device("2.4.1", 400)}).ok());
  ASSERT_TRUE(w.RecordTarget(*run, 1, 2000, {Device("2.4.1", 500)}).ok());
  EXPECT_EQ(One("SELECT count(*) FROM device_specs"), "1");  // unchanged spec: no new row
  ASSERT_TRUE(w.RecordTarget(*run, 1, 3000, {Device("2.5.0", 600)}).ok());
  EXPECT_EQ(One("SELECT count(*) FROM device_specs"), "2");  // firmware update: a new row
  EXPECT_EQ(One("SELECT group_concat(firmware, ',') FROM (SELECT firmware FROM device_specs "
                "ORDER BY seen_from)"),
            "2.4.1,2.5.0");
  EXPECT_EQ(One("SELECT count(*) FROM devices"), "1");
  EXPECT_EQ(One("SELECT count(*) FROM samples"), "3");
  EXPECT_EQ(One("SELECT count(*) FROM daily"), "2");
  EXPECT_EQ(One("SELECT used_bytes FROM daily WHERE date = 20261121"), "600");
  ASSERT_TRUE(w.FinishRun(*run, 3001, true, 1, 1, 0).ok());
  EXPECT_EQ(One("SELECT state || ' ' || targets_ok FROM poll_runs"), "finished 1");
}

TEST_F(PollWriterTest, AFailingDeviceLeavesNothingOfItsTarget) {
  PollWriter w(db_.get());
  auto run = w.StartRun(1000);
  ASSERT_TRUE(run.ok());
  // Target 99 does not exist: the foreign key fails inside the transaction.
  Status s = w.RecordTarget(*run, 99, 1000, {Device("1", 1), Device("1", 1)});
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(One("SELECT count(*) FROM devices"), "0");
  EXPECT_EQ(One("SELECT count(*) FROM samples"), "0");
  EXPECT_TRUE(CheckDatabase(*db_).ok());
}

TEST_F(PollWriterTest, TargetsCanBeSelectedByCustomerOrAddress) {
  ASSERT_TRUE(ImportCustomersCsv(*db_,
                                 "user_id,name,contact_person,email,phone,address,sales_email\n"
                                 "c2,C2,,,,,\n",
                                 "c.csv")
                  .ok());
  ASSERT_TRUE(ImportTargetsCsv(*db_,
                               "address,port,profile,customer_user_id,enabled\n"
                               "h2,161,p,c2,yes\nh3,161,p,c2,no\n",
                               "t.csv")
                  .ok());
  EXPECT_EQ(LoadTargets(*db_, "", "")->size(), 2u);  // the disabled one is left out
  EXPECT_EQ(LoadTargets(*db_, "c2", "")->size(), 1u);
  EXPECT_EQ(LoadTargets(*db_, "", "h")->size(), 1u);
  EXPECT_EQ(LoadTargets(*db_, "", "nowhere")->size(), 0u);
}

}  // namespace
}  // namespace periscope::store
