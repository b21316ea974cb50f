#include "store/registry.h"

#include <gtest/gtest.h>

#include "store/history.h"
#include "store/schema.h"
#include "tests/support/process.h"
#include "tests/support/test_store.h"

namespace periscope::store {
namespace {

class RegistryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    PERISCOPE_TEST_STORE_OR_RETURN(store_, dir_, "h.db");
    auto db = Db::OpenWriter(store_, OpenMode::kCreate);
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
  std::string store_;  // TestStoreLocation: a file or a PostgreSQL URI
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
       "t.csv:2: field 'name': contains a line break (only an address may span lines)"},
      {"customers", "user_id,name,contact_person,email,phone,address,sales_email\nc9,N\xff,,,,,\n",
       "t.csv:2: field 'name': not valid UTF-8"},
      {"targets", "address,port,profile,customer_user_id\nudp:10.0.0.1,161,p,cust-1\n",
       "t.csv:2: field 'address': 'udp:10.0.0.1' has a transport prefix 'udp:': give the bare "
       "address (the poller uses UDP)"},
      {"targets", "address,port,profile,customer_user_id\n10.0.0.1:161,161,p,cust-1\n",
       "t.csv:2: field 'address': '10.0.0.1:161' looks like host:port: give the port in the "
       "'port' column"},
      {"staff", "name,email,role\nA,a@b.example,sales\nB,c@b.example,sales\nA2,a@b.example,sales\n",
       "t.csv:4: field 'email': 'a@b.example' appears twice in this file: on line 2 and here"},
      {"customers",
       "user_id,name,contact_person,email,phone,address,sales_email\nc9,N,,,,,\nc9,M,,,,,\n",
       "t.csv:3: field 'user_id': 'c9' appears twice in this file: on line 2 and here"},
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

TEST_F(RegistryTest, TargetsHaveAKindDefaultingToPeriscope) {
  auto first = ImportTargetsCsv(*db_,
                                "address,port,profile,customer_user_id,enabled,kind\n"
                                "10.0.0.1,161,p,cust-1,yes,printer\n"
                                "10.0.0.2,161,p,cust-1,yes,\n"
                                "10.0.0.3,161,p,cust-1,yes,network\n",
                                "t.csv");
  ASSERT_TRUE(first.ok()) << first.status().message();
  auto kinds = [&] {
    auto table = Query(*db_, "SELECT kind FROM targets ORDER BY address");
    std::string out;
    if (!table.ok()) return out;
    for (const auto& row : table->rows) out += row[0] + " ";
    return out;
  };
  EXPECT_EQ(kinds(), "printer periscope network ");
  // A file without the column leaves stored kinds alone; a new target is periscope.
  ASSERT_TRUE(ImportTargetsCsv(*db_,
                               "address,port,profile,customer_user_id\n"
                               "10.0.0.1,161,q,cust-1\n10.0.0.4,161,p,cust-1\n",
                               "t2.csv")
                  .ok());
  EXPECT_EQ(kinds(), "printer periscope network periscope ");
  ASSERT_TRUE(ImportTargetsCsv(
                  *db_, "kind,address,port,profile,customer_user_id\nhost,10.0.0.1,161,q,cust-1\n",
                  "t3.csv")
                  .ok());
  EXPECT_EQ(kinds(), "host periscope network periscope ");
  auto listed = List(*db_, "targets");
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->columns.back(), "kind");
  EXPECT_EQ(listed->rows.at(0).back(), "host");
}

TEST_F(RegistryTest, AnUnknownKindNamesItsLineAndTheKnownKinds) {
  auto bad = ImportTargetsCsv(*db_,
                              "address,port,profile,customer_user_id,kind\n"
                              "10.0.0.1,161,p,cust-1,printer\n10.0.0.2,161,p,cust-1,Printer\n",
                              "t.csv");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.status().message(),
            "t.csv:3: field 'kind': 'Printer' is not periscope, printer, host or network");
  EXPECT_EQ(Count("targets"), 0);
}

TEST_F(RegistryTest, TargetAddressesAreIpv4Ipv6OrDnsNamesInCanonicalForm) {
  const std::pair<const char*, const char*> accepted[] = {
      {"10.0.0.1", "10.0.0.1"},
      {"2001:DB8:0::1", "2001:db8::1"},
      {"::1", "::1"},
      {"Array-01.Example.COM.", "array-01.example.com"},
      {"localhost", "localhost"},
      {"h1", "h1"},
  };
  for (const auto& [in, out] : accepted) {
    auto c = CanonicalTargetAddress(in);
    ASSERT_TRUE(c.ok()) << in << ": " << c.status().message();
    EXPECT_EQ(*c, out);
  }
  const std::pair<const char*, const char*> refused[] = {
      {"", "must not be empty"},
      {"10.0.0.1:161", "looks like host:port"},
      {"host:161", "looks like host:port"},
      {"udp:10.0.0.1", "transport prefix 'udp:'"},
      {"TCP:host", "transport prefix 'TCP:'"},
      {"udp6:[::1]", "bracketed"},
      {"[2001:db8::1]", "bracketed"},
      {"a b", "contains a space"},
      {"010.0.0.1", "without leading zeros"},
      {"10.0.0", "without leading zeros"},
      {"10.0.0.256", "without leading zeros"},
      {"2001:db8::g", "not an IPv6 address"},
      {"fe80::1%eth0", "not an IPv6 address"},
      {"-bad.example", "starts or ends with '-'"},
      {"a..b", "empty label"},
      {"under_score.example", "'_' is not allowed"},
      {"例え.jp", "non-ASCII"},
  };
  for (const auto& [in, why] : refused) {
    auto c = CanonicalTargetAddress(in);
    ASSERT_FALSE(c.ok()) << in;
    EXPECT_NE(c.status().message().find(why), std::string::npos)
        << in << ": " << c.status().message();
  }
}

TEST_F(RegistryTest, OneTargetWrittenTwoWaysIsRefusedNamingBothLines) {
  auto r = ImportTargetsCsv(*db_,
                            "address,port,profile,customer_user_id\n"
                            "2001:db8::1,161,p,cust-1\n10.0.0.1,161,p,cust-1\n"
                            "2001:DB8:0::1,161,p,cust-1\n",
                            "t.csv");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "t.csv:4: field 'address': target 2001:db8::1 port 161 (written '2001:DB8:0::1') "
            "appears twice in this file: on line 2 and here");
  EXPECT_EQ(Count("targets"), 0);
  // The same address on another port is another target.
  ASSERT_TRUE(ImportTargetsCsv(*db_,
                               "address,port,profile,customer_user_id\n"
                               "2001:db8::1,161,p,cust-1\n2001:DB8::1,1161,p,cust-1\n",
                               "t.csv")
                  .ok());
  EXPECT_EQ(Query(*db_, "SELECT address FROM targets ORDER BY port")->rows,
            (std::vector<std::vector<std::string>>{{"2001:db8::1"}, {"2001:db8::1"}}));
}

TEST_F(RegistryTest, AStoredTargetIsMatchedByItsCanonicalForm) {
  ASSERT_TRUE(db_->Exec("INSERT INTO targets (address, port, profile, customer_id) "
                        "VALUES ('2001:DB8:0::1', 161, 'old', 1)")
                  .ok());
  auto r = ImportTargetsCsv(
      *db_, "address,port,profile,customer_user_id\n2001:db8::1,161,p,cust-1\n", "t.csv");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->updated, 1u);
  EXPECT_EQ(Query(*db_, "SELECT address, profile FROM targets")->rows,
            (std::vector<std::vector<std::string>>{{"2001:db8::1", "p"}}));
}

TEST_F(RegistryTest, AddressesMaySpanLinesAndLaterLinesKeepTheirNumbers) {
  auto ok = ImportCustomersCsv(*db_,
                               "user_id,name,contact_person,email,phone,address,sales_email\n"
                               "c7,N,,,,\"1-2-3 Chiyoda\r\nTokyo\n100-0001\",\n",
                               "c.csv");
  ASSERT_TRUE(ok.ok()) << ok.status().message();
  EXPECT_EQ(Query(*db_, "SELECT address FROM customers WHERE user_id = 'c7'")->rows[0][0],
            "1-2-3 Chiyoda\nTokyo\n100-0001");
  auto bad = ImportCustomersCsv(*db_,
                                "user_id,name,contact_person,email,phone,address,sales_email\n"
                                "c8,N,,,,\"line 2\nline 3\nline 4\",\n"
                                "c9,N,,not-mail,,,\n",
                                "c.csv");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "c.csv:5: field 'email': 'not-mail' is not an e-mail address");
  auto phone = ImportCustomersCsv(*db_,
                                  "user_id,name,contact_person,email,phone,address,sales_email\n"
                                  "c8,N,,,\"03\n1234\",,\n",
                                  "c.csv");
  ASSERT_FALSE(phone.ok());
  EXPECT_EQ(phone.status().message(),
            "c.csv:2: field 'phone': contains a line break (only an address may span lines)");
  EXPECT_EQ(Count("customers"), 3);
}

TEST_F(RegistryTest, LengthCapsCountCharactersNotBytes) {
  std::string jp;
  for (int i = 0; i < 255; ++i) jp += "東";  // 765 bytes, 255 characters
  auto ok = ImportCustomersCsv(*db_,
                               "user_id,name,contact_person,email,phone,address,sales_email\n"
                               "c7,N,,,," +
                                   jp + ",\n",
                               "c.csv");
  ASSERT_TRUE(ok.ok()) << ok.status().message();
  auto bad = ImportCustomersCsv(*db_,
                                "user_id,name,contact_person,email,phone,address,sales_email\n"
                                "c8,N,,,," +
                                    jp + "京,\n",
                                "c.csv");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "c.csv:2: field 'address': longer than 255 characters (256)");
}

TEST_F(RegistryTest, CsvOutputNeutralisesFormulasButKeepsNegativeNumbers) {
  TextTable t{{"product", "delta"},
              {{"=HYPERLINK(\"http://x\",\"y\")", "-5"},
               {"+1+1", "-0.25"},
               {"@SUM(A1)", "-2+3"},
               {"\tx", "12"}}};
  EXPECT_EQ(*Render(t, "csv"),
            "product,delta\r\n"
            "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",-5\r\n"
            "'+1+1,-0.25\r\n"
            "'@SUM(A1),'-2+3\r\n"
            "'\tx,12\r\n");
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
  EXPECT_EQ(*Render(t, "json"), "[\n  {\n    \"a\": \"x,y\",\n    \"b\": \"q\\\"\\n\"\n  }\n]\n");
  EXPECT_EQ(*Render(TextTable{{"a"}, {}}, "json"), "[]\n");
  // Invalid UTF-8 from a device is replaced, not an error or a crash.
  EXPECT_EQ(*Render(TextTable{{"a"}, {{"x\xff"}}}, "json"),
            "[\n  {\n    \"a\": \"x\xEF\xBF\xBD\"\n  }\n]\n");
  EXPECT_FALSE(Render(t, "xml").ok());
}

}  // namespace
}  // namespace periscope::store
