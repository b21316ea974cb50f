// A small store written with SQL through store::Db (the same statements on
// both engines), for the copy, retention and CLI tests: every kind of value
// (integers, doubles, text with quotes and UTF-8, NULL and '') and text keys
// whose byte order differs from a locale's order.
#ifndef PERISCOPE_TESTS_STORE_COPY_FIXTURE_H_
#define PERISCOPE_TESTS_STORE_COPY_FIXTURE_H_

#include <cstdint>
#include <string>

#include <fmt/format.h>

#include "core/status.h"
#include "store/db.h"

namespace periscope::testing {

// Fills an initialised, empty store. Samples: `samples_per_day` per device for
// each of `days` UTC days ending with the day of `last_day_s`, slot_start on
// those days. Needs the PostgreSQL partitions to exist or samples land in
// samples_default (both fine).
inline Status FillSmallStore(store::Db& db, int64_t last_day_s, int days = 3,
                             int samples_per_day = 4) {
  return store::InTransaction(db, [&]() -> Status {
    PERISCOPE_RETURN_IF_ERROR(
        db.Exec("INSERT INTO staff (id, name, email, role, phone) VALUES "
                "(1, 'Sales ''Quoted''', 'sales@v.example', 'sales', ''), "
                "(2, 'Support Müller', 'support@v.example', 'support', '+81 3')"));
    PERISCOPE_RETURN_IF_ERROR(
        db.Exec("INSERT INTO customers (id, user_id, name, sales_staff_id) VALUES "
                "(1, 'cust-1', '=HYPERLINK(\"x\")', 1), (2, 'cust-2', 'Two', NULL)"));
    PERISCOPE_RETURN_IF_ERROR(db.Exec(
        "INSERT INTO targets (id, address, port, profile, customer_id, kind, bucket) VALUES "
        "(1, '10.0.0.1', 161, 'v2', 1, 'periscope', 0), (2, '10.0.0.2', 161, 'v2', 2, "
        "'printer', 1)"));
    PERISCOPE_RETURN_IF_ERROR(db.Exec(
        "INSERT INTO devices (id, target_id, device_index, serial_number, first_seen, last_seen, "
        "kind) VALUES (1, 1, 1, 'S1', 1000, 2000, 'periscope'), (2, 1, 2, 'S2', 1000, 2000, "
        "'periscope'), (3, 2, 1, 'P1', 1000, 2000, 'printer')"));
    PERISCOPE_RETURN_IF_ERROR(db.Exec(
        "INSERT INTO poll_runs (id, started_at, finished_at, state, targets_total, targets_ok, "
        "targets_failed, poller) VALUES (1, 1000, 1010, 'finished', 2, 2, 0, 'h:1'), "
        "(2, 2000, NULL, 'started', 2, 1, 1, 'h:2')"));
    auto sample = db.Prepare(
        "INSERT INTO samples (id, device_id, run_id, sampled_at, used_bytes, capacity_bytes, "
        "status, status_text, slot_start) VALUES (?, ?, 1, ?, ?, 1000, 1, ?, ?)");
    if (!sample.ok()) return sample.status();
    int64_t id = 1;
    const int64_t first_day = last_day_s - int64_t{days - 1} * 86400;
    for (int64_t device = 1; device <= 2; ++device) {
      for (int d = 0; d < days; ++d) {
        for (int n = 0; n < samples_per_day; ++n) {
          const int64_t slot = first_day - first_day % 86400 + int64_t{d} * 86400 + n * 300;
          sample->Reset();
          sample->Bind(1, id).Bind(2, device).Bind(3, slot + 7);
          if (n == 1) {
            sample->BindNull(4);
          } else {
            sample->Bind(4, id * 10);
          }
          sample->Bind(5, n == 2 ? std::string() : fmt::format("ok {}", id)).Bind(6, slot);
          PERISCOPE_RETURN_IF_ERROR(sample->Run());
          ++id;
        }
      }
    }
    PERISCOPE_RETURN_IF_ERROR(db.Exec(
        "INSERT INTO daily (device_id, date, load_peak, load_avg_centi, used_bytes, intervals) "
        "VALUES (1, 20240101, 5, 250, 100, 288), (1, 20240102, NULL, NULL, NULL, 0), "
        "(2, 20240101, 1, 2, 3, 4)"));
    PERISCOPE_RETURN_IF_ERROR(db.Exec(
        "INSERT INTO metric_samples (device_id, metric, instance, sampled_at, run_id, value) "
        "VALUES (3, 'supply', 'a', 1000, 1, 5), (3, 'supply', 'B', 1000, 1, 6), "
        "(3, 'Supply', 'é', 1000, 1, -9223372036854775807)"));
    PERISCOPE_RETURN_IF_ERROR(
        db.Exec("INSERT INTO metric_daily (device_id, metric, instance, date, samples, min_value, "
                "max_value, sum_value, last_value, total, peak_delta) VALUES "
                "(3, 'pages', 'a', 20240101, 2, 0.1, 1e300, 0.30000000000000004, NULL, 2.5, NULL), "
                "(3, 'pages', 'B', 20240101, 1, -1.5e-300, 3, 3, 3, 0, 1)"));
    PERISCOPE_RETURN_IF_ERROR(db.Exec(
        "INSERT INTO poll_buckets (bucket, next_due, lease_owner, lease_until, epoch, "
        "completed_slot) VALUES (0, 900, 'h:1', 5000, 3, 600), (1, 99999999999, NULL, NULL, 0, "
        "NULL)"));
    PERISCOPE_RETURN_IF_ERROR(db.Exec(
        "INSERT INTO pollers (name, host, pid, started_at, last_seen, last_run_id, state) VALUES "
        "('h:1', 'h', 1, 900, 1010, 1, 'running'), ('h:2', 'h', 2, 1900, 2000, NULL, "
        "'stopped')"));
    return db.Exec(
        "INSERT INTO store_settings (name, value) VALUES ('bucket_count', '2'), "
        "('poll_interval_s', '300')");
  });
}

}  // namespace periscope::testing

#endif  // PERISCOPE_TESTS_STORE_COPY_FIXTURE_H_
