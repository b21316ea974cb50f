// pg_test_cluster start DIR | stop DIR
//
// The ctest fixture `pg` (tests/CMakeLists.txt): `start` starts a throwaway
// PostgreSQL cluster (tests/support/pg_cluster.h) and leaves it running,
// recording where it is in DIR, so every /pg test process attaches to it
// (PERISCOPE_TEST_PG_DIR=DIR) instead of running initdb itself. Exit 0 when
// it runs; 77 (ctest SKIP_RETURN_CODE) with a message when there are no
// server binaries (DIR then records why, and the tests skip); 1 otherwise.
// A cluster still recorded in DIR from an earlier run is stopped first.
// `stop` stops the recorded cluster and removes it; exit 0 also when nothing
// was recorded.
#include <cstdio>
#include <memory>
#include <string>

#include "tests/support/pg_cluster.h"

int main(int argc, char** argv) {
  using periscope::testing::PgCluster;
  if (argc != 3 || (std::string(argv[1]) != "start" && std::string(argv[1]) != "stop")) {
    std::fprintf(stderr, "usage: pg_test_cluster start|stop DIR\n");
    return 2;
  }
  std::string action = argv[1], dir = argv[2];
  std::string error;
  if (!periscope::testing::StopRecorded(dir, &error)) {
    std::fprintf(stderr, "pg_test_cluster: stopping the cluster recorded in %s: %s\n", dir.c_str(),
                 error.c_str());
    return 1;
  }
  if (action == "stop") {
    std::printf("pg_test_cluster: stopped (%s)\n", dir.c_str());
    return 0;
  }
  std::string skip_reason;
  std::unique_ptr<PgCluster> cluster = PgCluster::Start(&skip_reason, &error);
  if (cluster == nullptr) {
    if (!skip_reason.empty()) {
      std::string record_error;
      if (!periscope::testing::RecordSkip(dir, skip_reason, &record_error)) {
        std::fprintf(stderr, "pg_test_cluster: %s\n", record_error.c_str());
        return 1;
      }
      std::printf("pg_test_cluster: skipped: %s\n", skip_reason.c_str());
      return 77;
    }
    std::fprintf(stderr, "pg_test_cluster: the cluster did not start: %s\n", error.c_str());
    return 1;
  }
  if (!cluster->SaveRecord(dir, &error)) {
    std::fprintf(stderr, "pg_test_cluster: %s\n", error.c_str());
    return 1;  // the destructor stops the cluster
  }
  cluster->Release();
  std::printf("pg_test_cluster: running in %s (port %d), recorded in %s\n",
              cluster->base_dir().c_str(), cluster->port(), dir.c_str());
  return 0;
}
