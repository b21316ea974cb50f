// A simulated fleet of periscope agents (Debian's snmpsim) for poller tests
// and benchmarks: one UDP endpoint per agent on 127.0.0.1, data generated here.
#ifndef PERISCOPE_TESTS_SUPPORT_FLEET_H_
#define PERISCOPE_TESTS_SUPPORT_FLEET_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/process.h"

namespace periscope::testing {

struct SimDaily {
  uint32_t date = 0;
  uint32_t load_peak = 0;
  uint32_t load_avg_centi = 0;
  uint64_t used_bytes = 0;
  uint32_t intervals = 0;
};

struct SimDevice {
  uint32_t index = 1;
  int type = 2;
  std::string product_name, model, product_number, serial, configuration, firmware, user_id;
  uint64_t capacity_bytes = 0, cache_bytes = 0, price = 0, used_bytes = 0;
  std::string currency = "JPY";
  uint32_t sale_date = 20250401;
  uint32_t load_interval_s = 10, load_peak = 0, load_avg_centi = 0;
  uint64_t writes = 0, bytes_written = 0;
  int status = 1;
  std::vector<SimDaily> daily;
};

struct SimAgent {
  int port = 0;
  std::string customer;
  std::vector<SimDevice> devices;
  // Hostile agents: snmprec "TAG|VALUE" replacing (or adding) the line of an
  // OID; an empty string removes the OID.
  std::map<std::vector<uint32_t>, std::string> overrides;
};

// Deterministic fleet: `agents` agents over several models and `customers`
// customers; every 5th agent serves two devices.
std::vector<SimAgent> MakeFleet(size_t agents, size_t customers, uint32_t days_of_history);

// The snmprec text (sorted by OID) serving `agent`'s PERISCOPE-MIB.
std::string SnmprecFor(const SimAgent& agent);

// snmpsimd processes serving a fleet. Ports are assigned on Start.
class SnmpsimFleet {
 public:
  SnmpsimFleet(const TempDir& dir, std::vector<SimAgent> agents, size_t processes = 2);
  ~SnmpsimFleet();
  // Writes the data files, starts the processes (as nobody) and waits until
  // every endpoint answers. False (with Log()) on failure.
  bool Start();
  void Stop();
  const std::vector<SimAgent>& agents() const { return agents_; }
  std::string Log() const;

 private:
  const TempDir& dir_;
  std::vector<SimAgent> agents_;
  size_t processes_;
  std::vector<std::unique_ptr<Process>> running_;
  std::string error_;  // why Start failed
};

// True when snmpsimd is installed.
bool HaveSnmpsim();

}  // namespace periscope::testing

#endif  // PERISCOPE_TESTS_SUPPORT_FLEET_H_
