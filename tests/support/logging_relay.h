// Test support: a UDP relay in front of many SNMP agents that records, from
// the agents' side, when each agent was asked for a walk.
#ifndef PERISCOPE_TESTS_SUPPORT_LOGGING_RELAY_H_
#define PERISCOPE_TESTS_SUPPORT_LOGGING_RELAY_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace periscope::testing {

// One relay port per route, on 127.0.0.1 (kernel-chosen). A datagram from a
// client to a relay port is held the route's `delay`, then sent to the
// route's upstream port from a socket of this (route, client) pair; answers
// are held `delay` again and sent back from the relay port (so a route adds
// 2 x delay of round trip; an upstream port nobody listens on makes a dead
// device). Upstream sockets idle for 5 s are closed.
//
// Walk starts: an SNMPv2c GETBULK whose first varbind is `walk_root` is the
// first request of a walk (the poller's engine walks the PERISCOPE-MIB
// subtree from its root, with one session, and so one client socket, per
// device and walk). A retransmission of it comes from the same client socket,
// within the timeout, so a walk start from the same (route, client port) as
// one less than 3 s earlier is not recorded again: "the device was asked" once
// per walk, whatever the retries.
//
// One thread with one epoll set; Start and Stop from the owning thread only.
class LoggingUdpRelay {
 public:
  struct Route {
    int upstream_port = 0;
    std::chrono::milliseconds delay{0};
  };
  struct WalkStart {
    int64_t unix_ms = 0;  // when the relay received the request (system clock)
    size_t route = 0;
    int client_port = 0;
  };

  explicit LoggingUdpRelay(std::vector<uint32_t> walk_root);
  ~LoggingUdpRelay();
  LoggingUdpRelay(const LoggingUdpRelay&) = delete;
  LoggingUdpRelay& operator=(const LoggingUdpRelay&) = delete;

  // Binds every route's port and starts the thread. False + *error on failure.
  bool Start(const std::vector<Route>& routes, std::string* error);
  void Stop();
  // The relay port of route i (what targets are imported with).
  int port(size_t route) const { return ports_[route]; }

  // Walk starts recorded since the last Clear, in arrival order.
  std::vector<WalkStart> WalkStarts() const;
  void Clear();
  uint64_t datagrams() const { return datagrams_.load(); }

 private:
  void Loop();

  std::string root_ber_;  // content bytes of the walk root's BER OID
  std::vector<Route> routes_;
  std::vector<int> ports_;
  std::vector<int> listen_fds_;
  int epoll_fd_ = -1;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> datagrams_{0};
  std::thread thread_;
  mutable std::mutex mu_;
  std::vector<WalkStart> walk_starts_;  // guarded by mu_
};

}  // namespace periscope::testing

#endif  // PERISCOPE_TESTS_SUPPORT_LOGGING_RELAY_H_
