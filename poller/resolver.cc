#include "poller/resolver.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "core/unique_fd.h"

namespace periscope::poller {

std::string PeerSpec(const NumericAddress& address, int port) {
  return address.ipv6 ? fmt::format("udp6:[{}]:{}", address.numeric, port)
                      : fmt::format("udp:{}:{}", address.numeric, port);
}

std::optional<NumericAddress> ParseIpLiteral(const std::string& host) {
  in_addr v4{};
  if (::inet_pton(AF_INET, host.c_str(), &v4) == 1) return NumericAddress{false, host};
  in6_addr v6{};
  if (::inet_pton(AF_INET6, host.c_str(), &v6) == 1) return NumericAddress{true, host};
  return std::nullopt;
}

Result<NumericAddress> LookupHost(const std::string& host) {
  if (auto literal = ParseIpLiteral(host)) return *literal;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_DGRAM;
  addrinfo* found = nullptr;
  int rc = ::getaddrinfo(host.c_str(), nullptr, &hints, &found);
  if (rc != 0) {
    return NotFoundError(fmt::format("cannot resolve '{}': {}", host, ::gai_strerror(rc)));
  }
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> owner(found, ::freeaddrinfo);
  for (const addrinfo* a = found; a != nullptr; a = a->ai_next) {
    char text[INET6_ADDRSTRLEN] = {};
    if (a->ai_family == AF_INET) {
      const auto* sin = reinterpret_cast<const sockaddr_in*>(a->ai_addr);
      if (::inet_ntop(AF_INET, &sin->sin_addr, text, sizeof text) != nullptr) {
        return NumericAddress{false, text};
      }
    } else if (a->ai_family == AF_INET6) {
      const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(a->ai_addr);
      if (::inet_ntop(AF_INET6, &sin6->sin6_addr, text, sizeof text) != nullptr) {
        return NumericAddress{true, text};
      }
    }
  }
  return NotFoundError(fmt::format("cannot resolve '{}': no IPv4 or IPv6 address", host));
}

// Shared with the workers, which may outlive the Resolver.
struct Resolver::State {
  LookupFn lookup;
  std::mutex mu;
  std::condition_variable work;
  std::deque<std::string> queue;
  std::vector<std::pair<std::string, Result<NumericAddress>>> done;
  bool stopping = false;
  UniqueFd wake_fd;
};

Resolver::Resolver(LookupFn lookup, size_t threads) : state_(std::make_shared<State>()) {
  state_->lookup = std::move(lookup);
  state_->wake_fd.reset(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
  for (size_t i = 0; i < threads; ++i) {
    std::thread([state = state_] {
      while (true) {
        std::string host;
        {
          std::unique_lock<std::mutex> lock(state->mu);
          state->work.wait(lock, [&] { return state->stopping || !state->queue.empty(); });
          if (state->stopping) return;
          host = std::move(state->queue.front());
          state->queue.pop_front();
        }
        Result<NumericAddress> r = state->lookup(host);
        std::lock_guard<std::mutex> lock(state->mu);
        if (state->stopping) return;
        state->done.emplace_back(std::move(host), std::move(r));
        uint64_t one = 1;
        (void)!::write(state->wake_fd.get(), &one, sizeof one);
      }
    }).detach();
  }
}

Resolver::~Resolver() {
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->stopping = true;
  state_->work.notify_all();
}

void Resolver::Submit(const std::string& host) {
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->queue.push_back(host);
  state_->work.notify_one();
}

int Resolver::wake_fd() const { return state_->wake_fd.get(); }

std::vector<std::pair<std::string, Result<NumericAddress>>> Resolver::TakeResults() {
  uint64_t count = 0;
  (void)!::read(state_->wake_fd.get(), &count, sizeof count);
  std::lock_guard<std::mutex> lock(state_->mu);
  return std::exchange(state_->done, {});
}

}  // namespace periscope::poller
