// Peripheral histories built in memory (no store, no poller): a printer, a PC
// and a switch with daily metric figures, for the proposal and renderer tests.
#ifndef PERISCOPE_TESTS_REPORTS_PERIPHERAL_FIXTURE_H_
#define PERISCOPE_TESTS_REPORTS_PERIPHERAL_FIXTURE_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "core/clock.h"
#include "store/metrics.h"
#include "store/report_data.h"

namespace periscope::reports::testing {

inline store::DeviceHistory PeripheralHistory(store::DeviceKind kind, const std::string& model,
                                              const std::string& details_json) {
  store::DeviceHistory h;
  h.kind = kind;
  h.device_id = 7;
  h.target_id = 3;
  h.address = "192.0.2.7";
  h.port = 161;
  h.device_index = 1;
  h.serial_number = "SN-" + model;
  h.customer_id = 1;
  h.customer_user_id = "cust-1";
  h.customer_name = "Acme";
  store::PeripheralSpecPeriod spec;
  spec.seen_from = 1'700'000'000;
  spec.from_date = 20260101;
  spec.spec.model = model;
  spec.spec.model_source = "entPhysicalModelName";
  spec.spec.description = model + " agent";
  spec.spec.details_json = details_json;
  h.peripheral_specs.push_back(spec);
  return h;
}

// `days` daily figures of one gauge ending on `last_date`; `value(i)` is day
// i's (0 = first) minimum, maximum, mean and last reading.
inline void AddGaugeDays(store::DeviceHistory& h, std::string_view metric,
                         const std::string& instance, uint32_t last_date, int days,
                         const std::function<double(int)>& value) {
  const int64_t last = DaysFromDate(last_date);
  for (int i = 0; i < days; ++i) {
    store::MetricDay d;
    d.metric = std::string(metric);
    d.instance = instance;
    d.date = DateFromDays(last - days + 1 + i);
    d.samples = 96;
    const double v = value(i);
    d.min = v;
    d.max = v;
    d.mean = v;
    d.last = v;
    h.metric_days.push_back(d);
  }
}

// Counter days: `total(i)` units that day; for interfaces `peak_pct(i)` of
// `capacity_per_s` as the day's peak rate (and the mean at half of it).
inline void AddCounterDays(store::DeviceHistory& h, std::string_view metric,
                           const std::string& instance, uint32_t last_date, int days,
                           const std::function<double(int)>& total,
                           std::optional<double> capacity_per_s = std::nullopt,
                           const std::function<double(int)>& peak_pct = nullptr) {
  const int64_t last = DaysFromDate(last_date);
  for (int i = 0; i < days; ++i) {
    store::MetricDay d;
    d.metric = std::string(metric);
    d.instance = instance;
    d.date = DateFromDays(last - days + 1 + i);
    d.samples = 96;
    d.intervals = 96;
    d.covered_s = 86400;
    d.total = total(i);
    d.capacity_per_s = capacity_per_s;
    if (capacity_per_s && peak_pct) {
      d.peak_rate_per_s = *capacity_per_s * peak_pct(i) / 100.0;
      d.peak_interval_s = 900;
      d.peak_delta = *d.peak_rate_per_s * 900;
    }
    h.metric_days.push_back(d);
  }
}

inline const char* kPrinterDetails =
    R"({"markers":[{"index":1,"unit":"impressions"}],"supplies":[)"
    R"({"description":"Black Toner Cartridge","index":1,"max":100,"type":"toner","unit":"percent"},)"
    R"({"description":"Drum Unit","index":2,"max":100,"type":"opc","unit":"percent"},)"
    R"({"description":"Staple cartridge","index":3,"max":100,"type":"staples","unit":"percent"}],)"
    R"("trays":[]})";

inline const char* kHostDetails =
    R"({"processors":4,"storage":[{"descr":"/","size_bytes":500000000000,"type":"hrStorageFixedDisk"},)"
    R"({"descr":"Physical memory","size_bytes":16000000000,"type":"hrStorageRam"}]})";

inline const char* kSwitchDetails =
    R"({"interfaces":[{"counter_bits":64,"index":1,"name":"ge-0/1","speed_mbps":1000},)"
    R"({"counter_bits":64,"index":2,"name":"ge-0/2","speed_mbps":1000}]})";

}  // namespace periscope::reports::testing

#endif  // PERISCOPE_TESTS_REPORTS_PERIPHERAL_FIXTURE_H_
