#include "store/claims.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "store/outbox.h"
#include "store/poll_writer.h"
#include "store/registry.h"
#include "store/schema.h"
#include "tests/support/process.h"
#include "tests/support/test_store.h"

namespace periscope::store {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// The fleet every test starts from (built through the registry imports and
// the poller's writer):
//   c1  192.0.2.7:161      periscope  1 SN-A1 PSA (seen 1000), 2 SN-A2 PSA (1500),
//                                     3 SN-DUP PSD
//   c1  [2001:db8::7]:161  periscope  1 SN-B1 PSA (2000), 2 SN-DUP PSD
//   c1  [2001:db8::8]:1161 periscope  1 SN-B8 PSD
//   c1  prn1.example:161   printer    1 SN-P1 "LaserJet M607"
//   c2  198.51.100.9:161   periscope  1 SN-C1 PSA (2500), 2 SN-C2 PSB, 3 SN-C3 PSA (retired),
//                                     4 SN-C4 PSA then PSX, 5 SN-C5 PSX then PSA (2500),
//                                     6 SN-C6 "LaserJet M607" (a periscope device)
//   c2  198.51.100.10:161  periscope  1 SN-D1 PSA, on a disabled target
//   c2  prn2.example:161   printer    1 SN-P2 "LaserJet M607", 2 SN-P3 M607 then M608
class ClaimsStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    PERISCOPE_TEST_STORE_OR_RETURN(store_, dir_, "h.db");
    auto db = Db::OpenWriter(path(), OpenMode::kCreate);
    ASSERT_TRUE(db.ok()) << db.status().message();
    db_ = std::move(*db);
    ASSERT_TRUE(Migrate(*db_).ok());
    auto customers =
        ImportCustomersCsv(*db_,
                           "user_id,name,contact_person,email,phone,address,sales_email\n"
                           "c1,Café Müller,,,,,\nc2,Other Co,,,,,\n",
                           "c.csv");
    ASSERT_TRUE(customers.ok()) << customers.status().message();
    auto targets = ImportTargetsCsv(*db_,
                                    "address,port,profile,customer_user_id,enabled,kind\n"
                                    "192.0.2.7,161,pa,c1,yes,periscope\n"
                                    "2001:db8::7,161,pb,c1,yes,periscope\n"
                                    "2001:db8::8,1161,pb,c1,yes,periscope\n"
                                    "prn1.example,161,pp,c1,yes,printer\n"
                                    "198.51.100.9,161,pc,c2,yes,periscope\n"
                                    "198.51.100.10,161,pd,c2,no,periscope\n"
                                    "prn2.example,161,pp,c2,yes,printer\n",
                                    "t.csv");
    ASSERT_TRUE(targets.ok()) << targets.status().message();
    PollWriter w(db_.get());
    auto run = w.StartRun(900);
    ASSERT_TRUE(run.ok());
    run_ = *run;

    Poll("192.0.2.7", 1000, 1, "SN-A1", "PSA");
    Poll("192.0.2.7", 1500, 2, "SN-A2", "PSA");
    Poll("192.0.2.7", 1500, 3, "SN-DUP", "PSD");
    Poll("2001:db8::7", 2000, 1, "SN-B1", "PSA");
    Poll("2001:db8::7", 2000, 2, "SN-DUP", "PSD");
    Poll("2001:db8::8", 2000, 1, "SN-B8", "PSD");
    Poll("198.51.100.9", 2500, 1, "SN-C1", "PSA");
    Poll("198.51.100.9", 2600, 2, "SN-C2", "PSB");
    Poll("198.51.100.9", 2700, 3, "SN-C3", "PSA");
    Poll("198.51.100.9", 1300, 4, "SN-C4", "PSA");
    Poll("198.51.100.9", 1400, 4, "SN-C4", "PSX");
    Poll("198.51.100.9", 1200, 5, "SN-C5", "PSX");
    Poll("198.51.100.9", 2500, 5, "SN-C5", "PSA");
    Poll("198.51.100.9", 2800, 6, "SN-C6", "LaserJet M607");
    Poll("198.51.100.10", 2900, 1, "SN-D1", "PSA");
    PollPrinter("prn1.example", 1000, 1, "SN-P1", "LaserJet M607");
    PollPrinter("prn2.example", 1100, 1, "SN-P2", "LaserJet M607");
    PollPrinter("prn2.example", 1100, 2, "SN-P3", "LaserJet M607");
    PollPrinter("prn2.example", 1200, 2, "SN-P3", "LaserJet M608");
    ASSERT_TRUE(
        db_->Exec("UPDATE devices SET retired_at = 3000 WHERE serial_number = 'SN-C3'").ok());
  }

  const std::string& path() const { return store_; }

  int64_t TargetId(const std::string& address) {
    auto t = Query(*db_, "SELECT id FROM targets WHERE address = ?", {address});
    EXPECT_TRUE(t.ok() && t->rows.size() == 1) << address;
    return t.ok() && t->rows.size() == 1 ? std::stoll(t->rows[0][0]) : 0;
  }

  int64_t DeviceId(const std::string& serial, int64_t index = 0) {
    auto t = Query(*db_,
                   "SELECT id FROM devices WHERE serial_number = ? AND (? = '0' OR "
                   "device_index = CAST(? AS INTEGER))",
                   {serial, std::to_string(index), std::to_string(index)});
    EXPECT_TRUE(t.ok() && t->rows.size() == 1) << serial;
    return t.ok() && t->rows.size() == 1 ? std::stoll(t->rows[0][0]) : 0;
  }

  std::string One(const std::string& sql) {
    auto t = Query(*db_, sql);
    EXPECT_TRUE(t.ok()) << t.status().message();
    return t.ok() && !t->rows.empty() ? t->rows[0][0] : "";
  }

  void Poll(const std::string& address, int64_t at, int64_t index, const std::string& serial,
            const std::string& model) {
    DeviceRecord d;
    d.device_index = index;
    d.serial_number = serial;
    DeviceSpec spec;
    spec.model = model;
    spec.product_name = "Periscope " + model;
    spec.firmware = "1.0";
    spec.capacity_bytes = 1000;
    d.spec = spec;
    Status s = PollWriter(db_.get()).RecordTarget(run_, TargetId(address), at, {d});
    ASSERT_TRUE(s.ok()) << s.message();
  }

  void PollPrinter(const std::string& address, int64_t at, int64_t index, const std::string& serial,
                   const std::string& model) {
    PeripheralRecord p;
    p.kind = DeviceKind::kPrinter;
    p.device_index = index;
    p.serial_number = serial;
    PeripheralSpec spec;
    spec.model = model;
    spec.model_source = "hrDeviceDescr";
    spec.description = "HP " + model;
    spec.firmware = "1.0";
    spec.details_json = "{}";
    p.spec = spec;
    Status s = PollWriter(db_.get()).RecordPeripherals(run_, TargetId(address), at, {p});
    ASSERT_TRUE(s.ok()) << s.message();
  }

  static std::vector<std::string> Serials(const std::vector<ClaimDevice>& devices) {
    std::vector<std::string> out;
    for (const ClaimDevice& d : devices) out.push_back(d.serial_number);
    return out;
  }

  periscope::testing::TempDir dir_;
  std::string store_;  // TestStoreLocation: a file or a PostgreSQL URI
  std::unique_ptr<Db> db_;
  int64_t run_ = 0;
};

TEST_F(ClaimsStoreTest, FindsTheCustomersDeviceBySerialNumber) {
  auto d = FindClaimDevice(*db_, "c1", "SN-A1");
  ASSERT_TRUE(d.ok()) << d.status().message();
  EXPECT_EQ(d->device_id, DeviceId("SN-A1"));
  EXPECT_EQ(d->kind, DeviceKind::kPeriscope);
  EXPECT_EQ(d->model, "PSA");
  EXPECT_EQ(d->serial_number, "SN-A1");
  EXPECT_EQ(d->device_index, 1);
  EXPECT_EQ(d->target_id, TargetId("192.0.2.7"));
  EXPECT_EQ(d->address, "192.0.2.7");
  EXPECT_EQ(d->port, 161);
  EXPECT_EQ(d->profile, "pa");
  EXPECT_TRUE(d->target_enabled);
  EXPECT_EQ(d->customer_user_id, "c1");
  EXPECT_EQ(d->customer_name, "Café Müller");
  EXPECT_EQ(d->last_seen, 1000);
  EXPECT_FALSE(d->retired_at.has_value());

  auto printer = FindClaimDevice(*db_, "c1", "SN-P1");
  ASSERT_TRUE(printer.ok()) << printer.status().message();
  EXPECT_EQ(printer->kind, DeviceKind::kPrinter);
  EXPECT_EQ(printer->model, "LaserJet M607");
  EXPECT_EQ(printer->address, "prn1.example");
}

TEST_F(ClaimsStoreTest, FindsTheCustomersDeviceByTargetAndIndex) {
  struct Case {
    const char* text;
    const char* serial;
  };
  const Case cases[] = {
      {"192.0.2.7:2", "SN-A2"},              // port 161 by default
      {"192.0.2.7:161:1", "SN-A1"},          // explicit port
      {"[2001:db8::7]:1", "SN-B1"},          // IPv6, default port
      {"[2001:db8::7]:161:1", "SN-B1"},      // IPv6, explicit port
      {"[2001:DB8:0:0::7]:161:1", "SN-B1"},  // matched in canonical form
      {"[2001:db8::8]:1161:1", "SN-B8"},     // a port other than 161
      {"PRN1.example.:1", "SN-P1"},          // DNS names too
  };
  for (const Case& c : cases) {
    auto d = FindClaimDevice(*db_, "c1", c.text);
    ASSERT_TRUE(d.ok()) << c.text << ": " << d.status().message();
    EXPECT_EQ(d->serial_number, c.serial) << c.text;
  }
}

TEST_F(ClaimsStoreTest, AnUnknownDeviceIsNotFound) {
  const char* unknown[] = {
      "SN-NOPE",         "192.0.2.7:9",   "192.0.2.99:1",
      "[2001:db8::8]:1",  // the target is on port 1161
      "192.0.2.7:0:1",   "192.0.2.7:x:1", "2001:db8::7:1", "[2001:db8::7:1", ":1", "192.0.2.7:"};
  for (const char* text : unknown) {
    auto d = FindClaimDevice(*db_, "c1", text);
    ASSERT_FALSE(d.ok()) << text;
    EXPECT_EQ(d.status().code(), StatusCode::kNotFound) << text << ": " << d.status().message();
    EXPECT_THAT(d.status().message(), HasSubstr(text));
  }
  auto unbracketed = FindClaimDevice(*db_, "c1", "2001:db8::7:1");
  EXPECT_THAT(unbracketed.status().message(), HasSubstr("brackets"));
}

TEST_F(ClaimsStoreTest, AnotherCustomersDeviceIsNotFound) {
  for (const char* text : {"SN-C1", "198.51.100.9:1", "SN-P2"}) {
    auto d = FindClaimDevice(*db_, "c1", text);
    ASSERT_FALSE(d.ok()) << text;
    EXPECT_EQ(d.status().code(), StatusCode::kNotFound) << text;
  }
  EXPECT_TRUE(FindClaimDevice(*db_, "c2", "SN-C1").ok());
}

TEST_F(ClaimsStoreTest, AnUnknownCustomerIsNotFoundByName) {
  auto d = FindClaimDevice(*db_, "nobody", "SN-A1");
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(d.status().message(), HasSubstr("nobody"));
  auto list = ListCustomerDevices(*db_, "nobody");
  ASSERT_FALSE(list.ok());
  EXPECT_EQ(list.status().code(), StatusCode::kNotFound);
}

TEST_F(ClaimsStoreTest, AnAmbiguousSerialIsFailedPreconditionListingTheDevices) {
  auto d = FindClaimDevice(*db_, "c1", "SN-DUP");
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(d.status().message(), HasSubstr("192.0.2.7:161:3"));
  EXPECT_THAT(d.status().message(), HasSubstr("[2001:db8::7]:161:2"));
  // Either is reachable by target and index.
  auto by_target = FindClaimDevice(*db_, "c1", "[2001:db8::7]:2");
  ASSERT_TRUE(by_target.ok());
  EXPECT_EQ(by_target->device_id, DeviceId("SN-DUP", 2));
}

TEST_F(ClaimsStoreTest, ARetiredDeviceOfTheCustomerIsFound) {
  auto d = FindClaimDevice(*db_, "c2", "SN-C3");
  ASSERT_TRUE(d.ok()) << d.status().message();
  EXPECT_EQ(d->retired_at, std::optional<int64_t>(3000));
}

TEST_F(ClaimsStoreTest, ListsTheCustomersDevicesByTargetThenIndex) {
  auto list = ListCustomerDevices(*db_, "c1");
  ASSERT_TRUE(list.ok()) << list.status().message();
  // Targets by address text, then port: "192.0.2.7" < "2001:db8::7" < "2001:db8::8" <
  // "prn1.example".
  EXPECT_THAT(Serials(*list),
              ElementsAre("SN-A1", "SN-A2", "SN-DUP", "SN-B1", "SN-DUP", "SN-B8", "SN-P1"));
}

TEST_F(ClaimsStoreTest, PeersHaveTheSameKindAndLatestModelNewestFirst) {
  auto claimed = FindClaimDevice(*db_, "c1", "SN-A1");
  ASSERT_TRUE(claimed.ok());
  // SN-C1 and SN-C5 were both last seen at 2500; SN-C1 was stored first.
  ASSERT_LT(DeviceId("SN-C1"), DeviceId("SN-C5"));
  auto peers = FindPeers(*db_, *claimed, std::nullopt);
  ASSERT_TRUE(peers.ok()) << peers.status().message();
  // Not: SN-A1 (the claimed one), SN-C2 (PSB), SN-C3 (retired), SN-C4 (now
  // PSX), SN-D1 (disabled target), SN-DUP and SN-B8 (PSD), the printers.
  EXPECT_THAT(Serials(*peers), ElementsAre("SN-C1", "SN-C5", "SN-B1", "SN-A2"));
  for (const ClaimDevice& p : *peers) {
    EXPECT_EQ(p.model, "PSA") << p.serial_number;
    EXPECT_EQ(p.kind, DeviceKind::kPeriscope) << p.serial_number;
  }
  EXPECT_EQ((*peers)[0].customer_user_id, "c2");
  EXPECT_EQ((*peers)[1].model, "PSA");  // SN-C5 matched on its latest spec
}

TEST_F(ClaimsStoreTest, MaxPeersKeepsTheMostRecentlySeen) {
  auto claimed = FindClaimDevice(*db_, "c1", "SN-A1");
  ASSERT_TRUE(claimed.ok());
  auto two = FindPeers(*db_, *claimed, 2);
  ASSERT_TRUE(two.ok());
  EXPECT_THAT(Serials(*two), ElementsAre("SN-C1", "SN-C5"));
  auto none = FindPeers(*db_, *claimed, 0);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

TEST_F(ClaimsStoreTest, APrinterHasOnlyPrintersOfItsLatestModelAsPeers) {
  auto claimed = FindClaimDevice(*db_, "c1", "SN-P1");
  ASSERT_TRUE(claimed.ok());
  auto peers = FindPeers(*db_, *claimed, std::nullopt);
  ASSERT_TRUE(peers.ok()) << peers.status().message();
  // Not SN-C6 (a periscope device whose model text is the same), nor SN-P3
  // (M607 before, M608 now).
  EXPECT_THAT(Serials(*peers), ElementsAre("SN-P2"));

  auto changed = FindClaimDevice(*db_, "c2", "SN-P3");
  ASSERT_TRUE(changed.ok());
  EXPECT_EQ(changed->model, "LaserJet M608");
  EXPECT_TRUE(FindPeers(*db_, *changed, std::nullopt)->empty());
}

TEST_F(ClaimsStoreTest, ADeviceWithoutARecordedModelHasNoPeers) {
  DeviceRecord d;
  d.device_index = 7;
  d.serial_number = "SN-NOSPEC";
  ASSERT_TRUE(PollWriter(db_.get()).RecordTarget(run_, TargetId("192.0.2.7"), 3000, {d}).ok());
  auto claimed = FindClaimDevice(*db_, "c1", "SN-NOSPEC");
  ASSERT_TRUE(claimed.ok()) << claimed.status().message();
  EXPECT_EQ(claimed->model, "");
  EXPECT_TRUE(FindPeers(*db_, *claimed, std::nullopt)->empty());
}

TEST_F(ClaimsStoreTest, MeanDailyTotalsSumsInstancesPerDayOverTheDaysInRange) {
  const int64_t p1 = DeviceId("SN-P1");
  const int64_t p2 = DeviceId("SN-P2");
  const int64_t p3 = DeviceId("SN-P3");
  ASSERT_TRUE(db_->Exec(fmt::format(R"sql(
INSERT INTO metric_daily (device_id, metric, instance, date, total, intervals) VALUES
  ({0}, 'pages', '1', 20261101, 100, 5),
  ({0}, 'pages', '2', 20261101, 50, 5),
  ({0}, 'pages', '1', 20261102, 30, 2),
  ({0}, 'pages', '1', 20261103, 0, 0),
  ({0}, 'pages', '1', 20261031, 1000, 3),
  ({0}, 'pages', '1', 20261106, 1000, 3),
  ({0}, 'if_in_octets', 'eth0', 20261102, 777, 4),
  ({1}, 'pages', '1', 20261020, 500, 3),
  ({1}, 'pages', '1', 20261105, 40, 1);
)sql",
                                    p1, p2))
                  .ok());
  auto rates = MeanDailyTotals(*db_, {p1, p2, p3}, "pages", 20261101, 20261105);
  ASSERT_TRUE(rates.ok()) << rates.status().message();
  ASSERT_EQ(rates->size(), 2u);  // SN-P3 has no day
  EXPECT_EQ((*rates)[0].device_id, p1);
  // 20261101: 100 + 50; 20261102: 30; 20261103 covered no interval.
  EXPECT_DOUBLE_EQ((*rates)[0].per_day, (150.0 + 30.0) / 2);
  EXPECT_EQ((*rates)[0].days, 2);
  EXPECT_EQ((*rates)[1].device_id, p2);
  EXPECT_DOUBLE_EQ((*rates)[1].per_day, 40.0);
  EXPECT_EQ((*rates)[1].days, 1);

  auto outside = MeanDailyTotals(*db_, {p1}, "pages", 20261201, 20261231);
  ASSERT_TRUE(outside.ok());
  EXPECT_TRUE(outside->empty());
}

ClaimRecord SampleClaim(int64_t claimed, int64_t peer1, int64_t peer2) {
  ClaimRecord c;
  c.created_at = 1'800'000'000;
  c.customer_user_id = "c1";
  c.device_id = claimed;
  c.device_kind = "periscope";
  c.model = "PSA";
  c.category = "slow";
  c.category_title = "遅い / slow responses";
  c.symptom = "Die Anlage ist langsam — とても遅い";
  c.matched_terms = "slow, 遅い";
  c.in_charge_name = "Jürgen Ø";
  c.in_charge_email = "support@example.com";
  c.deadline_ms = 30000;
  c.elapsed_ms = 1234;
  c.completed = false;
  // The claimed device first; peers in the order they were asked, not by id.
  c.devices = {
      {claimed, "claimed", "c1", "SN-A1", "192.0.2.7:161", true, "", "", 1'800'000'001, 12},
      {peer2, "peer", "c2", "SN-C1", "198.51.100.9:161", false, "timeout", "no answer in 5 s",
       1'800'000'006, 5000},
      {peer1, "peer", "c1", "SN-B1", "[2001:db8::7]:161", true, "", "", 1'800'000'002, 40},
  };
  c.values = {
      {claimed, "cache_hit_pct", "", 12.5, "12.5", "", 1'800'000'001},
      {claimed, "firmware", "", std::nullopt, "2.4.1 ß", "", 1'800'000'001},
      {peer1, "cache_hit_pct", "", 1.0 / 3.0, "0.333", "", 1'800'000'002},
      {peer1, "fan_rpm", "1.3", std::nullopt, "", "not a number: 'fast'", 1'800'000'002},
  };
  ClaimStatRecord flagged;
  flagged.item = "cache_hit_pct";
  flagged.measure = "value";
  flagged.label = "Cache hit ratio";
  flagged.unit = "%";
  flagged.example = true;
  flagged.numeric = true;
  flagged.claimed_number = 12.5;
  flagged.claimed_text = "12.5";
  flagged.n = 4;
  flagged.mean = 80.25;
  flagged.median = 81;
  flagged.sd = 2.0 / 3.0;
  flagged.min = -1e-300;
  flagged.max = 1e300;
  flagged.z = -101.375;
  flagged.robust_z = -45;
  flagged.percentile = 0;
  flagged.meaningful = true;
  flagged.flagged = true;
  ClaimStatRecord text;  // every optional unset
  text.item = "firmware";
  text.instance = "2";
  text.measure = "value";
  text.label = "Firmware";
  text.numeric = false;
  text.claimed_text = "2.4.1 ß";
  text.n = 2;
  text.most_common = "2.5.0";
  text.most_common_count = 2;
  text.differs = true;
  ClaimStatRecord rate;
  rate.item = "pages";
  rate.instance = "1";
  rate.measure = "per_day";
  rate.label = "Pages";
  rate.unit = "pages/day";
  rate.claimed_number = 0;
  rate.n = 0;
  c.stats = {flagged, text, rate};
  return c;
}

TEST_F(ClaimsStoreTest, AStoredClaimLoadsBackFieldForFieldInOrder) {
  ClaimRecord claim = SampleClaim(DeviceId("SN-A1"), DeviceId("SN-B1"), DeviceId("SN-C1"));
  auto id = InsertClaim(*db_, claim);
  ASSERT_TRUE(id.ok()) << id.status().message();
  auto loaded = LoadClaim(*db_, *id);
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  claim.id = *id;
  EXPECT_EQ(*loaded, claim);
  // Spot checks of what the equality above covers, for a readable failure.
  EXPECT_EQ(loaded->symptom, "Die Anlage ist langsam — とても遅い");
  EXPECT_FALSE(loaded->outbox_id.has_value());
  ASSERT_EQ(loaded->devices.size(), 3u);
  EXPECT_EQ(loaded->devices[1].serial_number, "SN-C1");
  ASSERT_EQ(loaded->values.size(), 4u);
  EXPECT_EQ(loaded->values[2].number, std::optional<double>(1.0 / 3.0));
  EXPECT_FALSE(loaded->values[3].number.has_value());
  ASSERT_EQ(loaded->stats.size(), 3u);
  EXPECT_FALSE(loaded->stats[1].mean.has_value());
  EXPECT_EQ(loaded->stats[0].min, std::optional<double>(-1e-300));

  // A completed claim without peers round-trips too.
  ClaimRecord bare;
  bare.created_at = 5;
  bare.customer_user_id = "c2";
  bare.device_id = DeviceId("SN-P2");
  bare.device_kind = "printer";
  bare.completed = true;
  auto bare_id = InsertClaim(*db_, bare);
  ASSERT_TRUE(bare_id.ok()) << bare_id.status().message();
  bare.id = *bare_id;
  EXPECT_EQ(*LoadClaim(*db_, *bare_id), bare);
}

TEST_F(ClaimsStoreTest, AnUnknownClaimIsNotFoundByNumber) {
  auto loaded = LoadClaim(*db_, 42);
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(loaded.status().message(), HasSubstr("42"));
  Status s = SetClaimOutbox(*db_, 42, 1);
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
}

TEST_F(ClaimsStoreTest, TheNotificationIsLinkedInTheClaimsTransaction) {
  ClaimRecord claim = SampleClaim(DeviceId("SN-A1"), DeviceId("SN-B1"), DeviceId("SN-C1"));
  int64_t claim_id = 0;
  int64_t outbox_id = 0;
  Status s = InTransaction(*db_, [&]() -> Status {
    auto id = InsertClaimInTransaction(*db_, claim);
    if (!id.ok()) return id.status();
    claim_id = *id;
    OutboxMail mail{"<claim-1@example.com>", "claim", "periscope@example.com",
                    "support@example.com",   "claim", "text"};
    auto queued = InsertOutboxMail(*db_, mail, 1'800'000'010);
    if (!queued.ok()) return queued.status();
    outbox_id = *queued;
    return SetClaimOutbox(*db_, claim_id, outbox_id);
  });
  ASSERT_TRUE(s.ok()) << s.message();
  auto loaded = LoadClaim(*db_, claim_id);
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded->outbox_id, std::optional<int64_t>(outbox_id));
  // A mail that does not exist cannot be linked.
  EXPECT_FALSE(SetClaimOutbox(*db_, claim_id, outbox_id + 100).ok());
  EXPECT_EQ(LoadClaim(*db_, claim_id)->outbox_id, std::optional<int64_t>(outbox_id));
}

TEST_F(ClaimsStoreTest, AClaimForAnUnknownCustomerIsRefusedAndNothingIsWritten) {
  ClaimRecord claim = SampleClaim(DeviceId("SN-A1"), DeviceId("SN-B1"), DeviceId("SN-C1"));
  claim.customer_user_id = "nobody";
  auto id = InsertClaim(*db_, claim);
  ASSERT_FALSE(id.ok());
  EXPECT_EQ(id.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(id.status().message(), HasSubstr("nobody"));
  EXPECT_EQ(One("SELECT (SELECT count(*) FROM claims) + (SELECT count(*) FROM claim_devices) + "
                "(SELECT count(*) FROM claim_values) + (SELECT count(*) FROM claim_stats)"),
            "0");
}

TEST_F(ClaimsStoreTest, ABadRoleOrAFailingRowLeavesNothingOfTheClaim) {
  ClaimRecord claim = SampleClaim(DeviceId("SN-A1"), DeviceId("SN-B1"), DeviceId("SN-C1"));
  claim.devices[2].role = "witness";
  auto id = InsertClaim(*db_, claim);
  ASSERT_FALSE(id.ok());
  EXPECT_EQ(id.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(id.status().message(), HasSubstr("witness"));

  // The last value names a device that does not exist: the claim row and
  // every row before it are rolled back.
  claim = SampleClaim(DeviceId("SN-A1"), DeviceId("SN-B1"), DeviceId("SN-C1"));
  claim.values.back().device_id = 999999;
  EXPECT_FALSE(InsertClaim(*db_, claim).ok());
  EXPECT_EQ(One("SELECT (SELECT count(*) FROM claims) + (SELECT count(*) FROM claim_devices) + "
                "(SELECT count(*) FROM claim_values) + (SELECT count(*) FROM claim_stats)"),
            "0");
}

TEST_F(ClaimsStoreTest, ListsClaimsNewestFirstWithCountsAndFilters) {
  const int64_t a1 = DeviceId("SN-A1");
  const int64_t b1 = DeviceId("SN-B1");
  const int64_t c1 = DeviceId("SN-C1");
  ClaimRecord old_c1 = SampleClaim(a1, b1, c1);  // 2 peers, 1 answered, 1 flagged
  old_c1.created_at = 100;
  ClaimRecord new_c2 = SampleClaim(a1, b1, c1);
  new_c2.created_at = 300;
  new_c2.customer_user_id = "c2";
  new_c2.device_id = c1;
  new_c2.model = "PSA";
  new_c2.in_charge_email = "other@example.com";
  new_c2.devices.pop_back();                                 // 1 peer, not answered
  for (ClaimStatRecord& s : new_c2.stats) s.flagged = true;  // 3 flagged
  ClaimRecord mid_c1 = SampleClaim(a1, b1, c1);
  mid_c1.created_at = 200;
  mid_c1.category = "noise";
  mid_c1.devices[1].answered = true;  // 2 peers, both answered
  mid_c1.stats.clear();
  auto id_old = InsertClaim(*db_, old_c1);
  auto id_new = InsertClaim(*db_, new_c2);
  auto id_mid = InsertClaim(*db_, mid_c1);
  ASSERT_TRUE(id_old.ok() && id_new.ok() && id_mid.ok());

  auto all = ListClaims(*db_, ClaimFilter{});
  ASSERT_TRUE(all.ok()) << all.status().message();
  ASSERT_EQ(all->size(), 3u);
  const ClaimSummary& first = (*all)[0];
  EXPECT_EQ(first.id, *id_new);
  EXPECT_EQ(first.created_at, 300);
  EXPECT_EQ(first.customer_user_id, "c2");
  EXPECT_EQ(first.serial_number, "SN-C1");
  EXPECT_EQ(first.model, "PSA");
  EXPECT_EQ(first.category, "slow");
  EXPECT_EQ(first.in_charge_email, "other@example.com");
  EXPECT_EQ(first.peers, 1);
  EXPECT_EQ(first.peers_answered, 0);
  EXPECT_EQ(first.flagged, 3);
  EXPECT_EQ((*all)[1].id, *id_mid);
  EXPECT_EQ((*all)[1].category, "noise");
  EXPECT_EQ((*all)[1].peers, 2);
  EXPECT_EQ((*all)[1].peers_answered, 2);
  EXPECT_EQ((*all)[1].flagged, 0);
  EXPECT_EQ((*all)[2].id, *id_old);
  EXPECT_EQ((*all)[2].serial_number, "SN-A1");
  EXPECT_EQ((*all)[2].peers, 2);
  EXPECT_EQ((*all)[2].peers_answered, 1);
  EXPECT_EQ((*all)[2].flagged, 1);

  ClaimFilter only_c1;
  only_c1.customer_user_id = "c1";
  auto c1_claims = ListClaims(*db_, only_c1);
  ASSERT_TRUE(c1_claims.ok());
  ASSERT_EQ(c1_claims->size(), 2u);
  EXPECT_EQ((*c1_claims)[0].id, *id_mid);
  EXPECT_EQ((*c1_claims)[1].id, *id_old);

  ClaimFilter since;
  since.since = 200;
  auto recent = ListClaims(*db_, since);
  ASSERT_TRUE(recent.ok());
  ASSERT_EQ(recent->size(), 2u);
  EXPECT_EQ((*recent)[0].id, *id_new);
  EXPECT_EQ((*recent)[1].id, *id_mid);

  ClaimFilter one;
  one.limit = 1;
  auto newest = ListClaims(*db_, one);
  ASSERT_TRUE(newest.ok());
  ASSERT_EQ(newest->size(), 1u);
  EXPECT_EQ((*newest)[0].id, *id_new);

  ClaimFilter nobody;
  nobody.customer_user_id = "nobody";
  auto unknown = ListClaims(*db_, nobody);
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().code(), StatusCode::kNotFound);
}

TEST_F(ClaimsStoreTest, EveryReadWorksOnAReadOnlyConnection) {
  ClaimRecord claim = SampleClaim(DeviceId("SN-A1"), DeviceId("SN-B1"), DeviceId("SN-C1"));
  auto id = InsertClaim(*db_, claim);
  ASSERT_TRUE(id.ok());
  claim.id = *id;
  auto reader = Db::OpenReader(path());
  ASSERT_TRUE(reader.ok()) << reader.status().message();
  Db& r = **reader;
  auto claimed = FindClaimDevice(r, "c1", "192.0.2.7:1");
  ASSERT_TRUE(claimed.ok()) << claimed.status().message();
  auto peers = FindPeers(r, *claimed, std::nullopt);
  ASSERT_TRUE(peers.ok()) << peers.status().message();
  EXPECT_EQ(peers->size(), 4u);
  EXPECT_TRUE(ListCustomerDevices(r, "c2").ok());
  EXPECT_TRUE(MeanDailyTotals(r, {claimed->device_id}, "pages", 20260101, 20261231).ok());
  auto loaded = LoadClaim(r, *id);
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  EXPECT_EQ(*loaded, claim);
  auto list = ListClaims(r, ClaimFilter{});
  ASSERT_TRUE(list.ok()) << list.status().message();
  EXPECT_EQ(list->size(), 1u);
}

// A store as periscope left it at schema version 4 (peripherals, no claims).
constexpr const char* kVersion4Rows = R"sql(
INSERT INTO customers (id, user_id, name) VALUES (1, 'c1', 'C');
INSERT INTO targets (id, address, port, profile, customer_id, kind)
  VALUES (1, 'prn.example', 161, 'p', 1, 'printer');
INSERT INTO devices (id, target_id, device_index, serial_number, first_seen, last_seen, kind)
  VALUES (1, 1, 1, 'PRN1', 10, 20, 'printer');
INSERT INTO peripheral_specs (device_id, seen_from, model, model_source, description, firmware,
  details_json) VALUES (1, 10, 'LaserJet M607', 'hrDeviceDescr', 'HP', '1.0', '{}');
INSERT INTO metric_daily (device_id, metric, instance, date, total, intervals)
  VALUES (1, 'pages', '1', 20261101, 120, 4);
INSERT INTO outbox (id, message_id, kind, sender, recipient, subject, message, state,
  created_at, next_attempt_at) VALUES (1, '<m1@x>', 'proposal', 'a@x', 'b@x', 's', 'm',
  'sent', 3, 3);
)sql";

TEST(Migration5Test, AVersion4StoreGainsClaimsAndKeepsItsData) {
  PERISCOPE_SQLITE_ONLY();
  periscope::testing::TempDir dir;
  auto db = Db::OpenWriter(dir.File("old.db"), OpenMode::kCreate);
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE(MigrateTo(**db, 4).ok());
  ASSERT_TRUE((*db)->Exec(kVersion4Rows).ok());
  EXPECT_EQ(Query(**db, "SELECT name FROM sqlite_schema WHERE name = 'claims'")->rows.size(), 0u);
  Status migrated = Migrate(**db);
  ASSERT_TRUE(migrated.ok()) << migrated.message();
  EXPECT_EQ(*CurrentVersion(**db), SchemaVersion());
  Status checked = CheckDatabase(**db);
  EXPECT_TRUE(checked.ok()) << checked.message();
  auto one = [&](const std::string& sql) { return Query(**db, sql)->rows.at(0).at(0); };
  EXPECT_EQ(one("SELECT serial_number || ' ' || kind FROM devices"), "PRN1 printer");
  EXPECT_EQ(one("SELECT total FROM metric_daily"), "120.0");
  EXPECT_EQ(one("SELECT state FROM outbox"), "sent");

  // The old device can be claimed, and its claim linked to the old mail.
  auto device = FindClaimDevice(**db, "c1", "PRN1");
  ASSERT_TRUE(device.ok()) << device.status().message();
  EXPECT_EQ(device->model, "LaserJet M607");
  ClaimRecord claim;
  claim.created_at = 30;
  claim.customer_user_id = "c1";
  claim.device_id = device->device_id;
  claim.device_kind = "printer";
  claim.outbox_id = 1;
  claim.devices = {
      {device->device_id, "claimed", "c1", "PRN1", "prn.example:161", true, "", "", 30, 5}};
  auto id = InsertClaim(**db, claim);
  ASSERT_TRUE(id.ok()) << id.status().message();
  claim.id = *id;
  EXPECT_EQ(*LoadClaim(**db, *id), claim);
}

TEST(Migration5Test, CheckNamesAMissingClaimsTable) {
  periscope::testing::TempDir dir;
  std::string store;
  PERISCOPE_TEST_STORE_OR_RETURN(store, dir, "h.db");
  auto db = Db::OpenWriter(store, OpenMode::kCreate);
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE(Migrate(**db).ok());
  ASSERT_TRUE(CheckDatabase(**db).ok());
  ASSERT_TRUE((*db)->Exec("DROP TABLE claim_stats").ok());
  Status s = CheckDatabase(**db);
  EXPECT_EQ(s.code(), StatusCode::kDataLoss);
  EXPECT_THAT(s.message(), HasSubstr("claim_stats"));
}

}  // namespace
}  // namespace periscope::store
