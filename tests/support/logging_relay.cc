#include "tests/support/logging_relay.h"

#include "tests/support/ber_reader.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <queue>

namespace periscope::testing {
namespace {

using Clock = std::chrono::steady_clock;

using Ber = BerReader;

std::string OidContent(const std::vector<uint32_t>& oid) {
  std::string out(1, static_cast<char>(oid[0] * 40 + oid[1]));
  for (size_t i = 2; i < oid.size(); ++i) {
    uint32_t v = oid[i];
    std::string chunk(1, static_cast<char>(v & 0x7f));
    for (v >>= 7; v != 0; v >>= 7) {
      chunk.insert(chunk.begin(), static_cast<char>(0x80 | (v & 0x7f)));
    }
    out += chunk;
  }
  return out;
}

// True when `datagram` is an SNMPv1/v2c GETBULK whose first varbind names
// exactly the OID whose BER content is `root`.
bool IsWalkStart(const std::string& datagram, const std::string& root) {
  Ber msg{reinterpret_cast<const uint8_t*>(datagram.data()),
          reinterpret_cast<const uint8_t*>(datagram.data()) + datagram.size()};
  auto seq = msg.Next();
  if (!seq || seq->first != 0x30) return false;
  Ber& body = seq->second;
  auto version = body.Next();
  auto community = body.Next();
  auto pdu = body.Next();
  if (!version || !community || !pdu || pdu->first != 0xA5) return false;
  Ber& fields = pdu->second;
  for (int i = 0; i < 3; ++i) {  // request-id, non-repeaters, max-repetitions
    if (!fields.Next()) return false;
  }
  auto list = fields.Next();
  if (!list || list->first != 0x30) return false;
  auto first = list->second.Next();
  if (!first || first->first != 0x30) return false;
  auto name = first->second.Next();
  if (!name || name->first != 0x06) return false;
  return std::string(reinterpret_cast<const char*>(name->second.p),
                     static_cast<size_t>(name->second.end - name->second.p)) == root;
}

int OpenLoopbackUdp(int* port) {
  int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    ::close(fd);
    return -1;
  }
  if (port != nullptr) *port = ntohs(a.sin_port);
  return fd;
}

sockaddr_in Loopback(int port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(port));
  return a;
}

int64_t UnixMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

LoggingUdpRelay::LoggingUdpRelay(std::vector<uint32_t> walk_root)
    : root_ber_(OidContent(walk_root)) {}

LoggingUdpRelay::~LoggingUdpRelay() { Stop(); }

bool LoggingUdpRelay::Start(const std::vector<Route>& routes, std::string* error) {
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &rl);
  }
  routes_ = routes;
  epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd_ < 0) {
    *error = std::string("epoll_create1: ") + std::strerror(errno);
    return false;
  }
  for (size_t i = 0; i < routes_.size(); ++i) {
    int port = 0;
    int fd = OpenLoopbackUdp(&port);
    if (fd < 0) {
      *error = std::string("relay bind: ") + std::strerror(errno);
      return false;
    }
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = i;  // listeners: the route index; upstream sockets: | 1 << 63
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev);
    listen_fds_.push_back(fd);
    ports_.push_back(port);
  }
  stop_ = false;
  thread_ = std::thread([this] { Loop(); });
  return true;
}

void LoggingUdpRelay::Stop() {
  if (thread_.joinable()) {
    stop_ = true;
    thread_.join();
  }
  for (int fd : listen_fds_) ::close(fd);
  listen_fds_.clear();
  if (epoll_fd_ >= 0) ::close(epoll_fd_);
  epoll_fd_ = -1;
}

std::vector<LoggingUdpRelay::WalkStart> LoggingUdpRelay::WalkStarts() const {
  std::lock_guard<std::mutex> lock(mu_);
  return walk_starts_;
}

void LoggingUdpRelay::Clear() {
  std::lock_guard<std::mutex> lock(mu_);
  walk_starts_.clear();
}

void LoggingUdpRelay::Loop() {
  struct Upstream {
    int fd = -1;
    size_t route = 0;
    sockaddr_in client{};
    Clock::time_point last_used;
    int64_t last_walk_start_ms = -1'000'000;
  };
  struct Held {
    Clock::time_point due;
    uint64_t seq;
    int fd;  // socket to send from (-1: dropped)
    sockaddr_in to;
    std::string payload;
    uint64_t upstream_id;  // 0 for answers from a listener
  };
  auto later = [](const Held& a, const Held& b) {
    return a.due != b.due ? a.due > b.due : a.seq > b.seq;
  };
  std::priority_queue<Held, std::vector<Held>, decltype(later)> held(later);
  std::map<uint64_t, std::unique_ptr<Upstream>> upstream;  // by id
  std::map<std::pair<size_t, int>, uint64_t> by_client;    // (route, client port) -> id
  uint64_t next_id = 1, seq = 0;
  constexpr uint64_t kUpstreamBit = uint64_t{1} << 63;
  std::vector<epoll_event> events(256);
  std::vector<char> buf(65536);
  Clock::time_point next_sweep = Clock::now() + std::chrono::seconds(1);
  auto send_due = [&](Clock::time_point now) {
    while (!held.empty() && held.top().due <= now) {
      const Held& h = held.top();
      if (h.upstream_id == 0 || upstream.count(h.upstream_id) != 0) {
        ::sendto(h.fd, h.payload.data(), h.payload.size(), 0,
                 reinterpret_cast<const sockaddr*>(&h.to), sizeof h.to);
      }
      held.pop();
    }
  };
  while (!stop_) {
    int timeout_ms = 100;
    if (!held.empty()) {
      auto left = std::chrono::ceil<std::chrono::milliseconds>(held.top().due - Clock::now());
      timeout_ms = static_cast<int>(std::clamp<int64_t>(left.count(), 0, 100));
    }
    int n = ::epoll_wait(epoll_fd_, events.data(), static_cast<int>(events.size()), timeout_ms);
    Clock::time_point now = Clock::now();
    for (int k = 0; k < n; ++k) {
      const uint64_t tag = events[static_cast<size_t>(k)].data.u64;
      if (tag & kUpstreamBit) {  // an agent answers: back to its client
        auto it = upstream.find(tag & ~kUpstreamBit);
        if (it == upstream.end()) continue;
        Upstream& u = *it->second;
        while (true) {
          ssize_t got = ::recv(u.fd, buf.data(), buf.size(), 0);
          if (got < 0) break;
          u.last_used = now;
          held.push({now + routes_[u.route].delay, seq++, listen_fds_[u.route], u.client,
                     std::string(buf.data(), static_cast<size_t>(got)), 0});
        }
        continue;
      }
      const size_t route = static_cast<size_t>(tag);
      while (true) {
        sockaddr_in from{};
        socklen_t len = sizeof from;
        ssize_t got = ::recvfrom(listen_fds_[route], buf.data(), buf.size(), 0,
                                 reinterpret_cast<sockaddr*>(&from), &len);
        if (got < 0) break;
        ++datagrams_;
        std::string payload(buf.data(), static_cast<size_t>(got));
        const int client_port = ntohs(from.sin_port);
        uint64_t& id = by_client[{route, client_port}];
        if (id == 0 || upstream.count(id) == 0) {
          auto u = std::make_unique<Upstream>();
          u->fd = OpenLoopbackUdp(nullptr);
          if (u->fd < 0) {
            by_client.erase({route, client_port});
            continue;
          }
          u->route = route;
          u->client = from;
          id = next_id++;
          epoll_event ev{};
          ev.events = EPOLLIN;
          ev.data.u64 = id | kUpstreamBit;
          ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, u->fd, &ev);
          upstream[id] = std::move(u);
        }
        Upstream& u = *upstream[id];
        u.last_used = now;
        if (IsWalkStart(payload, root_ber_)) {
          const int64_t ms = UnixMs();
          if (ms - u.last_walk_start_ms >= 3000) {
            std::lock_guard<std::mutex> lock(mu_);
            walk_starts_.push_back({ms, route, client_port});
          }
          u.last_walk_start_ms = ms;
        }
        held.push({now + routes_[route].delay, seq++, u.fd, Loopback(routes_[route].upstream_port),
                   std::move(payload), id});
      }
    }
    now = Clock::now();
    send_due(now);
    if (now >= next_sweep) {
      next_sweep = now + std::chrono::seconds(1);
      for (auto it = upstream.begin(); it != upstream.end();) {
        if (now - it->second->last_used > std::chrono::seconds(5)) {
          ::close(it->second->fd);
          by_client.erase({it->second->route, ntohs(it->second->client.sin_port)});
          it = upstream.erase(it);
        } else {
          ++it;
        }
      }
    }
  }
  for (auto& [id, u] : upstream) ::close(u->fd);
}

}  // namespace periscope::testing
