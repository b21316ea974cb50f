#include "store/registry.h"

#include <gtest/gtest.h>

#include "store/history.h"
#include "store/schema.h"
#include "tests/support/process.h"

namespace periscope::store {
namespace {

class RegistryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = Db::OpenWriter(dir_.File("h.db"), OpenMode::kCreate);
    ASSERT_TRUE(db.ok());
    db_ = std::move(*db);
    ASSERT_TRUE(Migrate(*db_).ok());
    auto staff = ImportStaffCsv(*db_,
                                "name,email,role\nHanako,hanako@v.example,sales\n"
                                "Taro,taro@v.example,support\n",
                                "staff.csv");
    ASSERT_TRUE(staff.ok()) << staff.status().message();
    auto customers =
        ImportCustomersCsv(*db_,
                           "user_id,name,contact_person,email,phone,address,sales_email\n"
                           "cust-1,ACME,Ken,ken@acme.example,1,Tokyo,hanako@v.example\n"
                           "顧客-2,株式会社テスト,山田,y@t.example,2,大阪,\n",
                           "customers.csv");
    ASSERT_TRUE(customers.ok()) << customers.status().message();
  }
  int64_t Count(const std::string& table) {
    auto t = Query(*db_, "SELECT count(*) FROM " + table);
    return std::stoll(t->rows[0][0]);
  }

  periscope::testing::TempDir dir_;
  std::unique_ptr<Db> db_;
};

TEST_F(RegistryTest, ImportUpsertsByNaturalKey) {
  auto again = ImportStaffCsv(*db_, "name,email,role,phone\nHanako Sato,hanako@v.example,sales,9\n",
                              "staff2.csv");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->inserted, 0u);
  EXPECT_EQ(again->updated, 1u);
  auto t = Query(*db_, "SELECT name, phone FROM staff WHERE email = 'hanako@v.example'");
  EXPECT_EQ(t->rows[0], (std::vector<std::string>{"Hanako Sato", "9"}));
}

struct BadImport {
  const char* what;
  const char* csv;
  const char* expected;
};

TEST_F(RegistryTest, BadRowNamesItsLineAndNothingIsImported) {
  const BadImport cases[] = {
      {"targets",
       "address,port,profile,customer_user_id\n10.0.0.1,161,p,cust-1\n10.0.0.2,99999,p,cust-1\n",
       "t.csv:3: field 'port': '99999' is not a port in 1..65535"},
      {"targets",
       "address,port,profile,customer_user_id\n10.0.0.1,161,p,cust-1\n10.0.0.2,161,p,nobody\n",
       "t.csv:3: field 'customer_user_id': no customer 'nobody'"},
      {"targets", "address,port,profile,customer_user_id,enabled\n10.0.0.1,161,p,cust-1,maybe\n",
       "t.csv:2: field 'enabled': 'maybe' is not yes or no"},
      {"targets", "address,port,profile\n", "t.csv:1: missing column 'customer_user_id'"},
      {"targets", "address,port,profile,customer_user_id,colour\n",
       "t.csv:1: unknown column 'colour' (expected address,port,profile,customer_user_id)"},
      {"targets", "address,port,profile,customer_user_id\n10.0.0.1,161,p\n",
       "t.csv:2: row has 3 fields, header has 4"},
      {"customers",
       "user_id,name,contact_person,email,phone,address,sales_email\nc9,N,,x@y.z,,,taro@v."
       "example\n",
       "t.csv:2: field 'sales_email': 'taro@v.example' is not in sales"},
      {"customers", "user_id,name,contact_person,email,phone,address,sales_email\nc9,N,,bad,,,\n",
       "t.csv:2: field 'email': 'bad' is not an e-mail address"},
      {"customers",
       "user_id,name,contact_person,email,phone,address,sales_email\nc9,\"two\nlines\",,,,,\n",
       "t.csv:2: field 'name': not clean UTF-8 text"},
      {"staff", "name,email,role\nA,a@b.example,boss\n",
       "t.csv:2: field 'role': 'boss' is not sales or support"},
  };
  for (const BadImport& c : cases) {
    int64_t targets = Count("targets"), customers = Count("customers"), staff = Count("staff");
    Result<ImportCounts> r =
        std::string(c.what) == "targets"     ? ImportTargetsCsv(*db_, c.csv, "t.csv")
        : std::string(c.what) == "customers" ? ImportCustomersCsv(*db_, c.csv, "t.csv")
                                             : ImportStaffCsv(*db_, c.csv, "t.csv");
    ASSERT_FALSE(r.ok()) << c.expected;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(r.status().message(), c.expected);
    EXPECT_EQ(Count("targets"), targets) << c.expected;
    EXPECT_EQ(Count("customers"), customers);
    EXPECT_EQ(Count("staff"), staff);
  }
}

TEST_F(RegistryTest, HistoryListsDailyFiguresInDateOrder) {
  ASSERT_TRUE(
      ImportTargetsCsv(*db_, "address,port,profile,customer_user_id\nh1,161,p,cust-1\n", "t").ok());
  ASSERT_TRUE(db_->Exec(R"sql(
INSERT INTO devices (id, target_id, device_index, serial_number, first_seen, last_seen)
  VALUES (1, 1, 1, 'SN1', 0, 0);
INSERT INTO device_specs (device_id, seen_from, type, product_name, model, product_number,
  configuration, firmware, capacity_bytes, cache_bytes, sale_date, price_minor_units, currency,
  user_id) VALUES (1, 0, 2, 'Array', 'PSA', 'P', '', '2.4', 1000, 0, NULL, 0, '', 'cust-1');
INSERT INTO daily VALUES (1, 20261122, 70, 3050, 500, 8640);
INSERT INTO daily VALUES (1, 20261121, 50, 2000, 400, 8640);
)sql")
                  .ok());
  auto h = CustomerHistory(*db_, "cust-1");
  ASSERT_TRUE(h.ok()) << h.status().message();
  ASSERT_EQ(h->rows.size(), 2u);
  EXPECT_EQ(h->rows[0][0], "20261121");
  EXPECT_EQ(h->rows[1][0], "20261122");
  EXPECT_EQ(h->rows[1][8], "50.00");   // used percent
  EXPECT_EQ(h->rows[1][10], "30.50");  // load average
  EXPECT_EQ(CustomerHistory(*db_, "nobody").status().code(), StatusCode::kNotFound);
}

TEST_F(RegistryTest, RenderEscapesCsvAndJson) {
  TextTable t{{"a", "b"}, {{"x,y", "q\"\n"}}};
  EXPECT_EQ(*Render(t, "csv"), "a,b\r\n\"x,y\",\"q\"\"\n\"\r\n");
  EXPECT_EQ(*Render(t, "json"), "[\n  {\"a\": \"x,y\", \"b\": \"q\\\"\\n\"}\n]\n");
  EXPECT_FALSE(Render(t, "xml").ok());
}

}  // namespace
}  // namespace periscope::store
