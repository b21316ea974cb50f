#include "tests/support/test_store.h"

#include <unistd.h>

#include <cstdlib>
#include <map>
#include <mutex>
#include <utility>
#include <vector>

#include "tests/support/pg_cluster.h"

namespace periscope::testing {
namespace {

// Records the skip or the fatal failure in the running test (a void function,
// as GTEST_SKIP and FAIL need).
void ReportNoDatabase(const std::string& skip_reason, const std::string& error) {
  if (!skip_reason.empty()) GTEST_SKIP() << "no PostgreSQL server: " << skip_reason;
  FAIL() << "PostgreSQL test database: " << error;
}

}  // namespace

bool TestingPostgres() {
  const char* backend = std::getenv("PERISCOPE_TEST_BACKEND");
  return backend != nullptr && std::string(backend) == "postgres";
}

namespace {

// The databases this process made, dropped when it exits (after the test's
// connections are gone), so the shared cluster does not fill the disk with
// one database per test.
class CreatedDatabases {
 public:
  ~CreatedDatabases() {
    if (cluster_ == nullptr) return;
    for (const std::string& db : names_) {
      bool ok = false;
      std::string error;
      cluster_->Psql("postgres", "DROP DATABASE IF EXISTS \"" + db + "\" WITH (FORCE)", &ok,
                     &error);
    }
  }
  void Add(PgCluster* cluster, const std::string& db) {
    cluster_ = cluster;
    names_.push_back(db);
  }

 private:
  PgCluster* cluster_ = nullptr;
  std::vector<std::string> names_;
};

}  // namespace

std::string TestStoreLocation(const TempDir& dir, const std::string& name) {
  if (!TestingPostgres()) return dir.File(name);

  static std::mutex mu;
  static std::map<std::pair<std::string, std::string>, std::string> given;
  static int counter = 0;
  std::lock_guard<std::mutex> lock(mu);
  auto key = std::make_pair(dir.path(), name);
  if (auto it = given.find(key); it != given.end()) return it->second;

  std::string skip_reason, error;
  PgCluster* cluster = SharedPgCluster(&skip_reason, &error);
  if (cluster == nullptr) {
    ReportNoDatabase(skip_reason, error);
    return "";
  }
  // Unique across the processes sharing the cluster (one per test under ctest).
  std::string db = "s_" + std::to_string(::getpid()) + "_" + std::to_string(++counter);
  bool ok = false;
  cluster->Psql("postgres",
                "CREATE DATABASE \"" + db +
                    "\" TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'",
                &ok, &error);
  if (!ok) {
    ReportNoDatabase("", "CREATE DATABASE " + db + ": " + error);
    return "";
  }
  std::string uri = cluster->Uri(db);
  given.emplace(key, uri);
  // Constructed after SharedPgCluster's statics, so destroyed before them.
  static CreatedDatabases created;
  created.Add(cluster, db);
  return uri;
}

}  // namespace periscope::testing
