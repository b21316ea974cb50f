// Writes a simulated fleet (tests/support/fleet.h, demo_fleet.h) straight into
// a store the way the poller would record one walk of each agent, without
// snmpsim: staff, customers and targets are imported from CSV (two sales
// persons, customers assigned alternately), then one PollWriter::RecordTarget
// per agent carries the devices' specs, usage and whole daily history. For the
// report tests and the report benchmark.
#ifndef PERISCOPE_TESTS_SUPPORT_DEMO_STORE_H_
#define PERISCOPE_TESTS_SUPPORT_DEMO_STORE_H_

#include <cstdint>
#include <vector>

#include "core/status.h"
#include "store/db.h"
#include "tests/support/fleet.h"

namespace periscope::testing {

// The sales persons the customers are assigned to: customer k (1-based) gets
// kDemoSales[(k - 1) % 2].
inline constexpr const char* kDemoSalesEmails[] = {"sales@vendor.example", "sales2@vendor.example"};

// Agents without a port get 20000 + their index (nothing listens there).
// `sampled_at` is the UTC second of the recorded walk.
Status WriteFleetToStore(store::Db& db, std::vector<SimAgent> fleet, int64_t sampled_at);

}  // namespace periscope::testing

#endif  // PERISCOPE_TESTS_SUPPORT_DEMO_STORE_H_
