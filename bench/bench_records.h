// The device result the write-path benchmarks store (ingest_bench,
// chunk_ingest_bench): one storage array as the poller decodes it from a
// subagent, with every spec and usage field set.
#ifndef PERISCOPE_BENCH_BENCH_RECORDS_H_
#define PERISCOPE_BENCH_BENCH_RECORDS_H_

#include <cstdint>
#include <string>

#include <fmt/format.h>

#include "store/poll_writer.h"

namespace periscope::bench {

// Device 1 of target `target`, serial `serial`, its usage at poll `step`
// (figures grow with it); no daily rows.
inline store::DeviceRecord StorageArrayRecord(const std::string& serial, int64_t target,
                                              int64_t step) {
  store::DeviceRecord d;
  d.device_index = 1;
  d.serial_number = serial;
  d.spec.emplace();
  auto& s = *d.spec;
  s.type = 2;
  s.product_name = "Periscope Storage Array 2000";
  s.model = "PSA-2000";
  s.product_number = "PSA-2000-PN0";
  s.configuration = "RAID6 12 x 1 TB, 2 controllers";
  s.firmware = "2.4.0";
  s.capacity_bytes = 12'000'000'000'000;
  s.cache_bytes = 8LL << 30;
  s.sale_date = 20250401;
  s.price_minor_units = 1'000'000 + target;
  s.currency = "JPY";
  s.user_id = fmt::format("cust-{:03}", target % 50 + 1);
  auto& u = d.usage;
  u.used_bytes = 4'000'000'000'000 + step * 1'000'000;
  u.capacity_bytes = s.capacity_bytes;
  u.load_interval_s = 10;
  u.load_peak_today = 100 + step % 24 * 7;
  u.load_avg_today_centi = 2500 + step % 24;
  u.writes_completed = 5'000'000'000 + step * 36'000;
  u.bytes_written = *u.writes_completed * 4096;
  u.status = 1;
  return d;
}

}  // namespace periscope::bench

#endif  // PERISCOPE_BENCH_BENCH_RECORDS_H_
