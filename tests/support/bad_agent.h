// A hand-made SNMPv2c responder that misbehaves on purpose (tests only): it
// answers every GETNEXT/GETBULK with OIDs that never increase, or with an
// endless supply of increasing rows. snmpsim cannot do either (it serves
// sorted data), which is why this exists.
#ifndef PERISCOPE_TESTS_SUPPORT_BAD_AGENT_H_
#define PERISCOPE_TESTS_SUPPORT_BAD_AGENT_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <thread>
#include <vector>

#include "core/unique_fd.h"

namespace periscope::testing {

class BadAgent {
 public:
  enum class Mode {
    kRepeatOid,       // always returns the same OID under the requested root
    kEndlessRows,     // returns ever-increasing OIDs: the walk never ends
    kSilent,          // reads requests, never answers
    kLate,            // answers as kEndlessRows, but only after kLateDelay
    kGarbage,         // answers every request with bytes that are not SNMP
    kWrongRequestId,  // answers as kEndlessRows under another request ID
  };
  static constexpr std::chrono::milliseconds kLateDelay{750};
  // Binds 127.0.0.1 on a free port and serves on a thread until destroyed.
  explicit BadAgent(Mode mode, std::vector<uint32_t> root);
  ~BadAgent();
  int port() const { return port_; }
  int requests() const { return requests_.load(); }

 private:
  void Serve();
  Mode mode_;
  std::vector<uint32_t> root_;
  UniqueFd fd_;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> requests_{0};
  std::thread thread_;
};

}  // namespace periscope::testing

#endif  // PERISCOPE_TESTS_SUPPORT_BAD_AGENT_H_
