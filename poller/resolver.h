// Poll-target addresses: IP literals parsed at once, DNS names resolved on
// worker threads so that a slow or dead name server never stalls the poll
// loop (getaddrinfo cannot be made asynchronous or cancelled).
#ifndef PERISCOPE_POLLER_RESOLVER_H_
#define PERISCOPE_POLLER_RESOLVER_H_

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/status.h"

namespace periscope::poller {

// A numeric address, as Net-SNMP's transport specifiers want it.
struct NumericAddress {
  bool ipv6 = false;
  std::string numeric;  // "10.0.0.7" or "2001:db8::7"
};

// Net-SNMP peer name for an address: "udp:10.0.0.7:161", "udp6:[2001:db8::7]:161".
std::string PeerSpec(const NumericAddress& address, int port);

// The address when `host` is an IPv4 or IPv6 literal; nullopt otherwise.
std::optional<NumericAddress> ParseIpLiteral(const std::string& host);

// getaddrinfo (UDP, any family; the first answer in the system's preferred
// order). Errors: NotFound with the resolver's reason.
Result<NumericAddress> LookupHost(const std::string& host);

using LookupFn = std::function<Result<NumericAddress>(const std::string& host)>;

// Resolves names on `threads` worker threads. Results are collected on the
// caller's thread with TakeResults(); wake_fd() becomes readable when one is
// ready, for the caller's select(). Destroying the resolver never waits for a
// lookup in progress: its worker finishes alone and its result is dropped.
class Resolver {
 public:
  Resolver(LookupFn lookup, size_t threads);
  ~Resolver();
  Resolver(const Resolver&) = delete;
  Resolver& operator=(const Resolver&) = delete;

  void Submit(const std::string& host);
  int wake_fd() const;
  std::vector<std::pair<std::string, Result<NumericAddress>>> TakeResults();

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace periscope::poller

#endif  // PERISCOPE_POLLER_RESOLVER_H_
