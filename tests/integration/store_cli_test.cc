// periscope-store and the poller's database opening, run as the binaries:
// what they refuse (missing, newer or held databases, full disks) and what
// they can still read (read-only media). Each test has its own temp dir.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "store/db.h"
#include "store/metrics.h"
#include "store/poll_writer.h"
#include "store/schema.h"
#include "tests/support/process.h"
#include "tests/support/test_store.h"

namespace periscope::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string StoreBinary() { return BinaryDir() + "/store/periscope-store"; }
std::string PollerBinary() { return BinaryDir() + "/poller/periscope-poller"; }

std::vector<std::string> ListDir(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    names.push_back(e.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

class StoreCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ::mkdir(dir_.File("db").c_str(), 0755);
    // An SQLite file, or a PostgreSQL database in the /pg run (only the tests
    // about no file in particular run there: see tests/CMakeLists.txt).
    PERISCOPE_TEST_STORE_OR_RETURN(db_, dir_, "db/h.db");
  }

  CommandResult Store(std::vector<std::string> args) {
    args.insert(args.begin(), {StoreBinary(), "--db", db_});
    return RunCommand(args);
  }

  // A poller config (mode 600, outside the database's directory) with no
  // profiles: enough to exercise opening the database.
  std::string PollerConfig(const std::string& db_extra = "") {
    std::string path = dir_.File("poller.xml");
    WriteTextFile(path, fmt::format("<periscope-poller>\n  <database path=\"{}\" {}/>\n"
                                    "</periscope-poller>\n",
                                    db_, db_extra));
    ::chmod(path.c_str(), 0600);
    return path;
  }

  // init, then staff, customers and targets imported.
  void InitAndImport() {
    ASSERT_EQ(Store({"init"}).exit_code, 0);
    WriteTextFile(dir_.File("staff.csv"), "name,email,role\nSales,sales@v.example,sales\n");
    WriteTextFile(dir_.File("customers.csv"),
                  "user_id,name,contact_person,email,phone,address,sales_email\n"
                  "cust-1,=HYPERLINK(\"http://x\"),,,,,sales@v.example\n");
    WriteTextFile(dir_.File("targets.csv"),
                  "address,port,profile,customer_user_id\n10.0.0.1,161,v2,cust-1\n");
    for (const char* what : {"staff", "customers", "targets"}) {
      CommandResult r = Store({"import", what, dir_.File(std::string(what) + ".csv")});
      ASSERT_EQ(r.exit_code, 0) << r.output;
    }
  }

  TempDir dir_;
  std::string db_;
};

TEST_F(StoreCliTest, ImportAndPollerOnAMissingDatabaseFailNamingItAndCreateNothing) {
  WriteTextFile(dir_.File("staff.csv"), "name,email,role\nSales,sales@v.example,sales\n");
  CommandResult import = Store({"import", "staff", dir_.File("staff.csv")});
  EXPECT_NE(import.exit_code, 0);
  EXPECT_THAT(import.output, HasSubstr(db_ + ": no such database"));
  EXPECT_THAT(import.output, HasSubstr("periscope-store --db " + db_ + " init"));

  CommandResult poll = RunCommand({PollerBinary(), "-c", PollerConfig()});
  EXPECT_EQ(poll.exit_code, 1) << poll.output;
  EXPECT_THAT(poll.output, HasSubstr(db_ + ": no such database"));
  EXPECT_TRUE(ListDir(dir_.File("db")).empty()) << "a file was created";

  // A missing directory is named as such; init could not create it either.
  db_ = dir_.File("nowhere/h.db");
  CommandResult list = Store({"list", "staff"});
  EXPECT_NE(list.exit_code, 0);
  EXPECT_THAT(list.output, HasSubstr("directory " + dir_.File("nowhere") + " does not exist"));
  EXPECT_THAT(list.output, Not(HasSubstr("init")));
}

TEST_F(StoreCliTest, AnEmptyFileIsNotInitialisedForThePollerAndImport) {
  WriteTextFile(db_, "");
  CommandResult poll = RunCommand({PollerBinary(), "-c", PollerConfig()});
  EXPECT_EQ(poll.exit_code, 1) << poll.output;
  EXPECT_THAT(poll.output, HasSubstr(db_ + ": not initialised"));
  EXPECT_EQ(std::filesystem::file_size(db_), 0u);
  ASSERT_EQ(Store({"init"}).exit_code, 0);
  EXPECT_EQ(Store({"check"}).exit_code, 0);
}

TEST_F(StoreCliTest, ANewerSchemaIsRefusedByEveryCommandByteForByte) {
  for (const char* journal : {"WAL", "DELETE"}) {
    SCOPED_TRACE(journal);
    std::filesystem::remove_all(dir_.File("db"));
    ::mkdir(dir_.File("db").c_str(), 0755);
    ASSERT_NO_FATAL_FAILURE(InitAndImport());
    {
      auto db = store::Db::OpenWriter(db_, store::OpenMode::kMustExist);
      ASSERT_TRUE(db.ok()) << db.status().message();
      ASSERT_TRUE((*db)->Exec(fmt::format("PRAGMA journal_mode={}", journal)).ok());
      ASSERT_TRUE((*db)->Exec("PRAGMA user_version = 99").ok());
    }
    ASSERT_EQ(ListDir(dir_.File("db")), std::vector<std::string>{"h.db"});
    const std::string before = ReadTextFile(db_);
    const std::string config = PollerConfig();
    const std::vector<std::vector<std::string>> commands = {
        {StoreBinary(), "--db", db_, "init"},
        {StoreBinary(), "--db", db_, "import", "staff", dir_.File("staff.csv")},
        {StoreBinary(), "--db", db_, "list", "staff"},
        {StoreBinary(), "--db", db_, "history", "--customer", "cust-1"},
        {StoreBinary(), "--db", db_, "export"},
        {StoreBinary(), "--db", db_, "check"},
        {PollerBinary(), "-c", config},
    };
    for (const auto& argv : commands) {
      SCOPED_TRACE(argv.size() > 3 ? argv[3] : argv[0]);
      CommandResult r = RunCommand(argv);
      EXPECT_EQ(r.exit_code, 1) << r.output;
      EXPECT_THAT(r.output, HasSubstr(db_ + ": schema version 99 is newer than this periscope"));
      EXPECT_THAT(r.output, HasSubstr("upgrade periscope"));
      EXPECT_THAT(r.output, Not(HasSubstr("init'")));
      EXPECT_EQ(ReadTextFile(db_), before) << "the database changed";
      EXPECT_EQ(ListDir(dir_.File("db")), std::vector<std::string>{"h.db"});
    }
  }
}

TEST_F(StoreCliTest, AnOlderOrUninitialisedSchemaAdvisesInitOnlyWhereInitHelps) {
  ASSERT_NO_FATAL_FAILURE(InitAndImport());
  {
    auto db = store::Db::OpenWriter(db_, store::OpenMode::kMustExist);
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE((*db)->Exec("PRAGMA user_version = 0").ok());
  }
  // Version 0 with tables is not ours: init must not touch it.
  CommandResult init = Store({"init"});
  EXPECT_EQ(init.exit_code, 1);
  EXPECT_THAT(init.output, HasSubstr(db_ + ": not a periscope database"));
  CommandResult list = Store({"list", "staff"});
  EXPECT_EQ(list.exit_code, 1);
  EXPECT_THAT(list.output, HasSubstr("run 'periscope-store --db " + db_ + " init'"));
}

// Read-only media: the directory is not writable and the file is read-only,
// so SQLite can create neither -wal nor -shm. Tests run as root, which
// ignores permissions, so the binary runs as `nobody`.
TEST_F(StoreCliTest, ReadCommandsWorkOnReadOnlyMedia) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to run the binary as nobody";
  ASSERT_NO_FATAL_FAILURE(InitAndImport());
  ::chmod(dir_.path().c_str(), 0755);
  auto as_nobody = [&](std::vector<std::string> args) {
    std::vector<std::string> argv = {
        "setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", StoreBinary(), "--db",
        db_};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunCommand(argv);
  };
  if (RunCommand({"setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "test", "-x",
                  StoreBinary()})
          .exit_code != 0) {
    GTEST_SKIP() << "nobody cannot run " << StoreBinary();
  }
  ::chmod(db_.c_str(), 0444);
  ::chmod(dir_.File("db").c_str(), 0555);
  CommandResult write_test = RunCommand({"setpriv", "--reuid=nobody", "--regid=nogroup",
                                         "--clear-groups", "touch", dir_.File("db/probe")});
  ASSERT_NE(write_test.exit_code, 0) << "the directory is writable for nobody";

  CommandResult list = as_nobody({"list", "targets"});
  EXPECT_EQ(list.exit_code, 0) << list.output;
  EXPECT_THAT(list.output, HasSubstr("10.0.0.1"));
  CommandResult history = as_nobody({"history", "--customer", "cust-1"});
  EXPECT_EQ(history.exit_code, 0) << history.output;
  CommandResult exported = as_nobody({"export", "--table", "customers", "--format", "csv"});
  EXPECT_EQ(exported.exit_code, 0) << exported.output;
  EXPECT_THAT(exported.output, HasSubstr("cust-1"));
  CommandResult check = as_nobody({"check"});
  EXPECT_EQ(check.exit_code, 0) << check.output;
  EXPECT_THAT(check.output, HasSubstr(": ok"));
  EXPECT_EQ(ListDir(dir_.File("db")), std::vector<std::string>{"h.db"});

  // A -wal file holding commits cannot be read without its -shm: the error
  // says exactly that instead of showing stale data.
  ::chmod(dir_.File("db").c_str(), 0755);
  ::chmod(db_.c_str(), 0644);
  {
    auto db = store::Db::OpenWriter(db_, store::OpenMode::kMustExist);
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE((*db)->Exec("PRAGMA wal_autocheckpoint = 0").ok());
    ASSERT_TRUE(
        (*db)
            ->Exec("INSERT INTO staff (name, email, role) VALUES ('W', 'w@v.example', 'sales')")
            .ok());
    ::mkdir(dir_.File("copy").c_str(), 0755);
    std::filesystem::copy_file(db_, dir_.File("copy/h.db"));
    std::filesystem::copy_file(db_ + "-wal", dir_.File("copy/h.db-wal"));
  }
  ::chmod(dir_.File("copy").c_str(), 0555);
  db_ = dir_.File("copy/h.db");
  CommandResult stale = as_nobody({"list", "staff"});
  EXPECT_NE(stale.exit_code, 0) << stale.output;
  EXPECT_THAT(stale.output, HasSubstr(db_ + "-wal holds changes"));
  EXPECT_THAT(stale.output, HasSubstr("is not writable"));
  ::chmod(dir_.File("copy").c_str(), 0755);
  ::chmod(dir_.File("db").c_str(), 0755);
}

// A real ENOSPC: a 512 KiB tmpfs (init's WAL of four migrations fits; the
// 4,000 customers do not) in a private mount namespace (unshare -m), so
// nothing is left mounted if the test dies.
TEST_F(StoreCliTest, ADiskFullIsReportedAsDiskFullNamingTheDatabase) {
  if (RunCommand(
          {"unshare", "-m", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs \"$0\"", dir_.File("db")})
          .exit_code != 0) {
    GTEST_SKIP() << "cannot mount a tmpfs in a private mount namespace here";
  }
  std::string customers = "user_id,name,contact_person,email,phone,address,sales_email\n";
  for (int i = 0; i < 4000; ++i) {
    customers += fmt::format("c{},Customer {} {},,,,Street {},\n", i, i, std::string(100, 'x'), i);
  }
  WriteTextFile(dir_.File("customers.csv"), customers);
  const std::string script = R"sh(
mount -t tmpfs -o size=512k tmpfs "$(dirname "$1")" || exit 99
"$0" --db "$1" init >/dev/null || exit 98
"$0" --db "$1" import customers "$2"
echo "import exit $?"
"$0" --db "$1" check >/dev/null
echo "check exit $?"
)sh";
  CommandResult r = RunCommand(
      {"unshare", "-m", "sh", "-c", script, StoreBinary(), db_, dir_.File("customers.csv")});
  ASSERT_NE(r.exit_code, 99) << r.output;
  ASSERT_NE(r.exit_code, 98) << r.output;
  EXPECT_THAT(r.output, HasSubstr("import exit 1"));
  EXPECT_THAT(r.output, HasSubstr(db_ + ": "));
  EXPECT_THAT(r.output, HasSubstr("disk full"));
  EXPECT_THAT(r.output, Not(HasSubstr("disk I/O error")));
  EXPECT_THAT(r.output, HasSubstr("check exit 0"));  // nothing half-written
}

TEST_F(StoreCliTest, AHeldDatabaseMakesWritersWaitTheirTimeoutAndNameTheHolder) {
  ASSERT_NO_FATAL_FAILURE(InitAndImport());
  auto holder = store::Db::OpenWriter(db_, store::OpenMode::kMustExist);
  ASSERT_TRUE(holder.ok());
  ASSERT_TRUE((*holder)->BeginImmediate().ok());
  const std::string me = fmt::format("pid {} (", ::getpid());

  auto started = std::chrono::steady_clock::now();
  CommandResult poll = RunCommand({PollerBinary(), "-c", PollerConfig("busy-timeout-ms=\"700\"")});
  auto waited = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(poll.exit_code, 1) << poll.output;
  EXPECT_GE(waited, std::chrono::milliseconds(700));
  EXPECT_THAT(poll.output, HasSubstr(db_));
  EXPECT_THAT(poll.output, HasSubstr("database is locked by another writer: " + me));
  EXPECT_THAT(poll.output, HasSubstr("store_cli_test"));  // the holder's command line
  EXPECT_THAT(poll.output, HasSubstr("gave up after waiting 700 ms"));
  EXPECT_THAT(poll.output, HasSubstr("busy-timeout-ms"));
  EXPECT_THAT(poll.output, Not(HasSubstr("init")));

  CommandResult import = Store({"import", "staff", dir_.File("staff.csv")});
  EXPECT_NE(import.exit_code, 0);
  EXPECT_THAT(import.output, HasSubstr(me));

  (*holder)->Rollback();
  CommandResult again = RunCommand({PollerBinary(), "-c", PollerConfig()});
  EXPECT_EQ(again.exit_code, 0) << again.output;
}

TEST_F(StoreCliTest, HistoryShowsEachKindAndKindSelectsOneTable) {
  InitAndImport();
  WriteTextFile(dir_.File("more.csv"),
                "address,port,profile,customer_user_id,kind\n10.0.0.2,161,v2,cust-1,printer\n");
  CommandResult import = Store({"import", "targets", dir_.File("more.csv")});
  ASSERT_EQ(import.exit_code, 0) << import.output;
  CommandResult before = Store({"history", "--customer", "cust-1"});
  ASSERT_EQ(before.exit_code, 0) << before.output;
  EXPECT_THAT(before.output, Not(HasSubstr("devices:")));  // no devices yet: the storage table
  {
    auto db = store::Db::OpenWriter(db_, store::OpenMode::kMustExist);
    ASSERT_TRUE(db.ok());
    store::PollWriter writer(db->get());
    auto run = writer.StartRun(1795132800);
    ASSERT_TRUE(run.ok());
    store::DeviceRecord storage;
    storage.device_index = 1;
    storage.serial_number = "SN-STOR";
    storage.daily = {{20261120, 5, 100, 400, 8640}};
    ASSERT_TRUE(writer.RecordTarget(*run, 1, 1795132800 + 43200, {storage}).ok());
    store::PeripheralRecord printer;
    printer.kind = store::DeviceKind::kPrinter;
    printer.serial_number = "SN-PRN";
    store::MetricReading pages;
    pages.metric = std::string(store::kMetricPages);
    pages.instance = "1";
    pages.type = store::MetricType::kLifeCount;
    for (auto [at, count] : {std::pair<int64_t, uint64_t>{43200, 100}, {43800, 160}}) {
      pages.value = count;
      printer.readings = {pages};
      ASSERT_TRUE(writer.RecordPeripherals(*run, 2, 1795132800 + at, {printer}).ok());
    }
  }
  CommandResult text = Store({"history", "--customer", "cust-1"});
  ASSERT_EQ(text.exit_code, 0) << text.output;
  EXPECT_THAT(text.output, HasSubstr("periscope devices:"));
  EXPECT_THAT(text.output, HasSubstr("printer devices:"));
  EXPECT_THAT(text.output, HasSubstr("SN-STOR"));
  EXPECT_THAT(text.output, HasSubstr("SN-PRN"));

  CommandResult csv = Store({"history", "--customer", "cust-1", "--format", "csv"});
  EXPECT_EQ(csv.exit_code, 2) << csv.output;
  EXPECT_THAT(csv.output, HasSubstr("--kind"));

  CommandResult printer_csv =
      Store({"history", "--customer", "cust-1", "--kind", "printer", "--format", "csv"});
  ASSERT_EQ(printer_csv.exit_code, 0) << printer_csv.output;
  EXPECT_THAT(printer_csv.output, HasSubstr("date,target,device,serial,model,pages,peak_pages"));
  EXPECT_THAT(printer_csv.output, HasSubstr("20261120,10.0.0.2:161,1,SN-PRN,,60,60,600,,"));
  EXPECT_THAT(printer_csv.output, Not(HasSubstr("SN-STOR")));

  CommandResult storage_only = Store({"history", "--customer", "cust-1", "--kind", "periscope"});
  ASSERT_EQ(storage_only.exit_code, 0) << storage_only.output;
  EXPECT_THAT(storage_only.output, HasSubstr("SN-STOR"));
  EXPECT_THAT(storage_only.output, Not(HasSubstr("SN-PRN")));
  EXPECT_THAT(storage_only.output, Not(HasSubstr("devices:")));

  CommandResult bad = Store({"history", "--customer", "cust-1", "--kind", "toner"});
  EXPECT_EQ(bad.exit_code, 2) << bad.output;
  EXPECT_THAT(bad.output, HasSubstr("periscope, printer, host or network"));

  CommandResult targets = Store({"list", "targets", "--format", "csv"});
  ASSERT_EQ(targets.exit_code, 0) << targets.output;
  EXPECT_THAT(targets.output, HasSubstr("address,port,profile,customer,enabled,kind"));
  EXPECT_THAT(targets.output, HasSubstr("10.0.0.2,161,v2,cust-1,1,printer"));
  CommandResult devices = Store({"list", "devices", "--format", "csv"});
  ASSERT_EQ(devices.exit_code, 0) << devices.output;
  EXPECT_THAT(devices.output, HasSubstr("10.0.0.2:161,1,SN-PRN,printer,"));
  EXPECT_THAT(devices.output, HasSubstr("10.0.0.1:161,1,SN-STOR,periscope,"));
}

TEST_F(StoreCliTest, AnUnknownTargetKindIsRefusedNamingItsLine) {
  InitAndImport();
  WriteTextFile(dir_.File("more.csv"),
                "address,port,profile,customer_user_id,kind\n10.0.0.2,161,v2,cust-1,copier\n");
  CommandResult import = Store({"import", "targets", dir_.File("more.csv")});
  EXPECT_EQ(import.exit_code, 2) << import.output;
  EXPECT_THAT(import.output,
              HasSubstr(dir_.File("more.csv") + ":2: field 'kind': 'copier' is not "
                                                "periscope, printer, host or network"));
}

}  // namespace
}  // namespace periscope::testing
