// Walk plans against a real snmpd (which serves SNMPv2-MIB, HOST-RESOURCES-MIB
// and IF-MIB, but neither ENTITY-MIB nor Printer-MIB): the multi-column walk
// gets exactly what one walk per column gets, whatever the GETBULK budget,
// and the decoders make host and network records of it.
#include <set>

#include <gtest/gtest.h>

#include "poller/engine.h"
#include "poller/peripheral_decode.h"
#include "poller/peripheral_plan.h"
#include "tests/support/agent_env.h"

namespace periscope::testing {
namespace {

using poller::ErrorClass;
using poller::JobResult;
using store::DeviceKind;

std::set<snmp::Oid> ColumnByColumn(snmp::SnmpClient& client, const poller::WalkPlan& plan) {
  std::set<snmp::Oid> out;
  for (const auto& group : plan.groups) {
    for (const snmp::Oid& root : group) {
      snmp::WalkResult r = client.BulkWalk(root, 10);
      EXPECT_TRUE(r.status.ok()) << snmp::OidToString(root) << ": " << r.status.ToString();
      for (const snmp::VarBind& vb : r.varbinds) out.insert(vb.oid);
    }
  }
  return out;
}

class PlanWalkAgainstSnmpd : public ::testing::TestWithParam<int> {};

TEST_P(PlanWalkAgainstSnmpd, PlansGetWhatColumnByColumnWalksGet) {
  TempDir dir;
  Snmpd snmpd(dir);
  ASSERT_TRUE(snmpd.Start()) << snmpd.Log();
  poller::Profile v2;
  v2.name = "v2";
  v2.community = kRoCommunity;
  poller::EngineOptions options;
  options.timeout = std::chrono::milliseconds(2000);
  options.bulk_repetitions = GetParam();
  const poller::WalkPlan absent{{{{1, 3, 6, 1, 4, 1, 99999, 1}, {1, 3, 6, 1, 4, 1, 99999, 2}}}};
  std::vector<poller::Job> jobs = {
      {1, "127.0.0.1", snmpd.port(), &v2, &poller::PeripheralPlan(DeviceKind::kHost)},
      {2, "127.0.0.1", snmpd.port(), &v2, &poller::PeripheralPlan(DeviceKind::kNetwork)},
      {3, "127.0.0.1", snmpd.port(), &v2, &poller::PeripheralPlan(DeviceKind::kPrinter)},
      {4, "127.0.0.1", snmpd.port(), &v2, &absent},
  };
  std::map<int64_t, JobResult> results;
  poller::Engine engine(options);
  poller::EngineStats stats = engine.Run(
      jobs, {1, 3, 6, 1, 4, 1, 99999}, [&](JobResult&& r) { results[r.target_id] = std::move(r); },
      nullptr);
  ASSERT_EQ(results.size(), 4u);

  auto opened = snmp::SnmpClient::Open(snmpd.peer(), V2cCredentials());
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  for (int64_t id : {1, 2, 3}) {
    const JobResult& r = results[id];
    ASSERT_TRUE(r.ok) << r.error;
    std::set<snmp::Oid> got;
    for (const snmp::VarBind& vb : r.varbinds) {
      EXPECT_TRUE(got.insert(vb.oid).second) << "twice: " << snmp::OidToString(vb.oid);
    }
    EXPECT_EQ(got, ColumnByColumn(**opened, *jobs[static_cast<size_t>(id - 1)].plan)) << id;
  }
  EXPECT_EQ(results[4].error_class, ErrorClass::kNoSuchObject) << results[4].error;
  EXPECT_GT(stats.requests, 3u);

  poller::PeripheralDecodeOptions decode;
  decode.target_address = "127.0.0.1";
  decode.target_port = snmpd.port();
  auto host = poller::DecodePeripherals(DeviceKind::kHost, results[1].varbinds, decode);
  ASSERT_TRUE(host.ok()) << host.status().ToString();
  ASSERT_EQ(host->devices.size(), 1u);
  const store::PeripheralRecord& h = host->devices[0];
  ASSERT_TRUE(h.spec.has_value());
  EXPECT_EQ(h.spec->model_source, "sysDescr");  // no ENTITY-MIB in snmpd
  bool memory = false, all_cpus = false;
  for (const store::MetricReading& m : h.readings) {
    if (m.metric == store::kMetricStorageSizeBytes && m.instance == "Physical memory") {
      memory = m.value > 0;
    }
    if (m.metric == store::kMetricCpuLoadPct && m.instance == "all") all_cpus = m.value <= 100;
  }
  EXPECT_TRUE(memory);
  // hrProcessorTable is served only where snmpd can read per-CPU times.
  size_t loads = 0;
  for (const snmp::VarBind& vb : results[1].varbinds) {
    if (snmp::OidStartsWith(vb.oid, poller::oids::kHrProcessorLoad)) ++loads;
  }
  std::string warnings;
  for (const store::PollWarning& w : host->warnings) warnings += w.message + "\n";
  EXPECT_EQ(all_cpus, loads > 0) << loads << " loads; warnings:\n" << warnings;
  EXPECT_TRUE(h.uptime_cs.has_value());

  auto network = poller::DecodePeripherals(DeviceKind::kNetwork, results[2].varbinds, decode);
  ASSERT_TRUE(network.ok()) << network.status().ToString();
  bool loopback = false;
  for (const store::MetricReading& m : network->devices[0].readings) {
    if (m.metric == store::kMetricIfInOctets && m.instance == "lo") {
      loopback = m.type == store::MetricType::kCounter64;
    }
  }
  EXPECT_TRUE(loopback);

  auto printer = poller::DecodePeripherals(DeviceKind::kPrinter, results[3].varbinds, decode);
  EXPECT_EQ(printer.status().code(), StatusCode::kNotFound);  // snmpd is no printer
}

INSTANTIATE_TEST_SUITE_P(Repetitions, PlanWalkAgainstSnmpd, ::testing::Values(1, 4, 25));

}  // namespace
}  // namespace periscope::testing
