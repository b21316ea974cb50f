// The reports' read side of the store: each device with its customer, the
// assigned sales person, its specification history and its daily history,
// one device at a time, so a fleet of 10,000 devices with a year of history is
// read without holding it all in memory.
#ifndef PERISCOPE_STORE_REPORT_DATA_H_
#define PERISCOPE_STORE_REPORT_DATA_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "store/db.h"
#include "store/metrics.h"
#include "store/poll_writer.h"

namespace periscope::store {

// A specification row: in effect from the UTC calendar day `from_date`
// (YYYYMMDD of seen_from, as CustomerHistory counts it) until the next row's.
struct SpecPeriod {
  int64_t seen_from = 0;  // UTC seconds
  int64_t from_date = 0;  // YYYYMMDD
  DeviceSpec spec;
};

// A peripheral's specification row, as SpecPeriod.
struct PeripheralSpecPeriod {
  int64_t seen_from = 0;  // UTC seconds
  int64_t from_date = 0;  // YYYYMMDD
  PeripheralSpec spec;
};

struct DeviceHistory {
  DeviceKind kind = DeviceKind::kPeriscope;
  int64_t device_id = 0;
  int64_t target_id = 0;
  std::string address;
  int64_t port = 0;
  int64_t device_index = 0;
  std::string serial_number;
  bool retired = false;
  int64_t customer_id = 0;
  std::string customer_user_id, customer_name, contact_person;
  std::string sales_name, sales_email;  // empty when no sales person is assigned
  std::vector<SpecPeriod> specs;        // oldest first
  std::vector<DailyRow> days;           // date order (PERISCOPE-MIB devices)
  // Peripherals (kind != kPeriscope): specification history oldest first,
  // daily metric figures ordered by metric, instance, date, and the alerts
  // served at the last poll.
  std::vector<PeripheralSpecPeriod> peripheral_specs;
  std::vector<MetricDay> metric_days;
  std::vector<DeviceAlert> alerts;
};

struct HistoryFilter {
  std::string customer_user_id;  // empty: every customer
  std::string sales_email;       // empty: every sales person
  bool include_retired = false;
};

// Calls `fn` once per device matching `filter`, in customer user ID then
// device id order. Stops at and returns the first error `fn` returns. No
// statement is active while `fn` runs, so `fn` may write on `db`.
Status ForEachDeviceHistory(Db& db, const HistoryFilter& filter,
                            const std::function<Status(DeviceHistory&&)>& fn);

struct CustomerSummary {
  int64_t id = 0;
  std::string user_id, name, contact_person, email;
  std::string sales_name, sales_email;
};

// Customers matching the filter's customer and sales person, by user ID.
// NotFound naming the user ID when a named customer does not exist.
Result<std::vector<CustomerSummary>> ListCustomerSummaries(Db& db, const HistoryFilter& filter);

}  // namespace periscope::store

#endif  // PERISCOPE_STORE_REPORT_DATA_H_
