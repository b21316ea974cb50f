// udp_delay_relay: puts a fixed network delay in front of many UDP agents.
//
//   udp_delay_relay --targets IN.csv --out OUT.csv [--delay-ms 100] [--listen 127.0.0.1]
//                   [--idle-s 10]
//
// IN.csv is a targets.csv as fleet_gen writes it (address,port,...; the first
// line is a header and is copied). For every target the relay listens on its
// own UDP port of --listen (chosen by the kernel) and writes OUT.csv: the same
// lines with address and port replaced by the relay's, so the file can be
// imported into a store as it is. OUT.csv appears (renamed into place) only
// when every port is bound: wait for it.
//
// A datagram from a client to a relay port is held --delay-ms, then sent to
// that port's agent from an upstream socket that belongs to this (port,
// client) pair; the agent's answers on that socket are held --delay-ms as
// well and sent back to the client from the relay port. So every request
// sees 2 x delay of extra round-trip time, many clients may share a port, and
// nothing is reordered (one delay for all: the hold queue is FIFO). An upstream
// socket idle for --idle-s seconds is closed (a poller opens a new client socket
// per device and run, so they would otherwise pile up).
//
// One thread, one epoll set. SIGINT/SIGTERM end it; it then prints its
// counters on stderr. RLIMIT_NOFILE is raised to its hard limit at start
// (1,000 ports need 1,000 listening sockets plus one per client and port).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

volatile std::sig_atomic_t g_stop = 0;
extern "C" void OnStop(int /*signo*/) { g_stop = 1; }

uint64_t Key(const sockaddr_in& a) {
  return static_cast<uint64_t>(ntohl(a.sin_addr.s_addr)) << 16 | ntohs(a.sin_port);
}

// One socket in the epoll set: a relay port (clients talk to it) or an
// upstream socket (talks to the agent for one client of one relay port).
struct Endpoint {
  int fd = -1;
  bool upstream = false;
  size_t port = 0;       // index into the relay ports
  sockaddr_in client{};  // upstream only: where answers go
  Clock::time_point last_used;
};

struct RelayPort {
  std::string line_rest;  // ",profile,customer..." of the targets line
  sockaddr_in agent{};
  sockaddr_in local{};
  Endpoint* listener = nullptr;
  std::unordered_map<uint64_t, Endpoint*> upstream;  // by client address
};

struct Held {
  Clock::time_point due;
  Endpoint* via;  // socket to send from
  sockaddr_in to;
  std::string payload;
};

int OpenUdp(const sockaddr_in& bind_to) {
  int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&bind_to), sizeof bind_to) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

int Usage() {
  std::fputs(
      "usage: udp_delay_relay --targets IN.csv --out OUT.csv [--delay-ms 100]\n"
      "                       [--listen 127.0.0.1] [--idle-s 10]\n",
      stderr);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string in_path, out_path, listen = "127.0.0.1";
  long delay_ms = 100, idle_s = 10;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    std::string value = argv[i + 1];
    if (flag == "--targets") {
      in_path = value;
    } else if (flag == "--out") {
      out_path = value;
    } else if (flag == "--delay-ms") {
      delay_ms = std::strtol(value.c_str(), nullptr, 10);
    } else if (flag == "--listen") {
      listen = value;
    } else if (flag == "--idle-s") {
      idle_s = std::strtol(value.c_str(), nullptr, 10);
    } else {
      std::fprintf(stderr, "udp_delay_relay: unknown flag %s\n", flag.c_str());
      return Usage();
    }
  }
  if (argc % 2 == 0 || in_path.empty() || out_path.empty() || delay_ms < 0 || idle_s < 1) {
    return Usage();
  }
  const auto delay = std::chrono::milliseconds(delay_ms);

  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &rl);
  }
  struct sigaction sa {};
  sa.sa_handler = OnStop;  // no SA_RESTART: epoll_wait returns EINTR
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);

  sockaddr_in local{};
  local.sin_family = AF_INET;
  if (::inet_pton(AF_INET, listen.c_str(), &local.sin_addr) != 1) {
    std::fprintf(stderr, "udp_delay_relay: bad --listen address %s\n", listen.c_str());
    return 2;
  }
  int ep = ::epoll_create1(EPOLL_CLOEXEC);
  if (ep < 0) {
    std::perror("udp_delay_relay: epoll_create1");
    return 1;
  }
  std::vector<std::unique_ptr<Endpoint>> endpoints;  // owns every Endpoint
  auto watch = [&](std::unique_ptr<Endpoint> e) -> Endpoint* {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.ptr = e.get();
    if (::epoll_ctl(ep, EPOLL_CTL_ADD, e->fd, &ev) != 0) {
      std::perror("udp_delay_relay: epoll_ctl");
      std::exit(1);
    }
    endpoints.push_back(std::move(e));
    return endpoints.back().get();
  };

  std::ifstream in(in_path);
  if (!in) {
    std::fprintf(stderr, "udp_delay_relay: cannot read %s\n", in_path.c_str());
    return 2;
  }
  std::string header, line;
  std::getline(in, header);
  std::vector<RelayPort> ports;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    size_t c1 = line.find(',');
    size_t c2 = c1 == std::string::npos ? c1 : line.find(',', c1 + 1);
    if (c1 == std::string::npos) {
      std::fprintf(stderr, "udp_delay_relay: bad line: %s\n", line.c_str());
      return 2;
    }
    RelayPort p;
    p.agent.sin_family = AF_INET;
    if (::inet_pton(AF_INET, line.substr(0, c1).c_str(), &p.agent.sin_addr) != 1) {
      std::fprintf(stderr, "udp_delay_relay: bad address in: %s\n", line.c_str());
      return 2;
    }
    std::string port = line.substr(c1 + 1, c2 == std::string::npos ? c2 : c2 - c1 - 1);
    p.agent.sin_port = htons(static_cast<uint16_t>(std::atoi(port.c_str())));
    p.line_rest = c2 == std::string::npos ? "" : line.substr(c2);
    ports.push_back(std::move(p));
  }
  std::string out = header + "\n";
  for (size_t i = 0; i < ports.size(); ++i) {
    auto e = std::make_unique<Endpoint>();
    e->port = i;
    e->fd = OpenUdp(local);
    socklen_t len = sizeof ports[i].local;
    if (e->fd < 0 ||
        ::getsockname(e->fd, reinterpret_cast<sockaddr*>(&ports[i].local), &len) != 0) {
      std::fprintf(stderr, "udp_delay_relay: cannot bind port %zu of %zu: %s\n", i + 1,
                   ports.size(), std::strerror(errno));
      return 1;
    }
    ports[i].listener = watch(std::move(e));
    out +=
        listen + "," + std::to_string(ntohs(ports[i].local.sin_port)) + ports[i].line_rest + "\n";
  }
  {
    std::string tmp = out_path + ".tmp";
    std::ofstream f(tmp);
    f << out;
    f.close();
    if (!f || std::rename(tmp.c_str(), out_path.c_str()) != 0) {
      std::fprintf(stderr, "udp_delay_relay: cannot write %s\n", out_path.c_str());
      return 1;
    }
  }
  std::fprintf(stderr, "udp_delay_relay: %zu ports on %s, %ld ms each way\n", ports.size(),
               listen.c_str(), delay_ms);

  std::deque<Held> held;
  size_t up = 0, down = 0, send_errors = 0, upstream_opened = 0, upstream_closed = 0, max_held = 0;
  std::vector<epoll_event> events(1024);
  std::vector<char> buf(65536);
  Clock::time_point next_sweep = Clock::now() + std::chrono::seconds(1);
  while (!g_stop) {
    int timeout_ms = 1000;
    if (!held.empty()) {
      auto left = std::chrono::ceil<std::chrono::milliseconds>(held.front().due - Clock::now());
      timeout_ms = static_cast<int>(std::max<int64_t>(0, left.count()));
    }
    int n = ::epoll_wait(ep, events.data(), static_cast<int>(events.size()), timeout_ms);
    if (n < 0 && errno != EINTR) {
      std::perror("udp_delay_relay: epoll_wait");
      return 1;
    }
    Clock::time_point now = Clock::now();
    for (int k = 0; k < n; ++k) {
      auto* e = static_cast<Endpoint*>(events[static_cast<size_t>(k)].data.ptr);
      RelayPort& p = ports[e->port];
      while (true) {
        sockaddr_in from{};
        socklen_t len = sizeof from;
        ssize_t got =
            ::recvfrom(e->fd, buf.data(), buf.size(), 0, reinterpret_cast<sockaddr*>(&from), &len);
        if (got < 0) break;
        std::string payload(buf.data(), static_cast<size_t>(got));
        if (e->upstream) {  // the agent answers: back to the client, later
          e->last_used = now;
          held.push_back({now + delay, p.listener, e->client, std::move(payload)});
          continue;
        }
        Endpoint*& u = p.upstream[Key(from)];
        if (u == nullptr) {
          auto ue = std::make_unique<Endpoint>();
          ue->upstream = true;
          ue->port = e->port;
          ue->client = from;
          sockaddr_in any{};
          any.sin_family = AF_INET;
          any.sin_addr = local.sin_addr;
          ue->fd = OpenUdp(any);
          if (ue->fd < 0) {
            ++send_errors;
            p.upstream.erase(Key(from));
            continue;
          }
          ++upstream_opened;
          u = watch(std::move(ue));
        }
        u->last_used = now;
        held.push_back({now + delay, u, p.agent, std::move(payload)});
      }
    }
    max_held = std::max(max_held, held.size());
    now = Clock::now();
    while (!held.empty() && held.front().due <= now) {
      Held& h = held.front();
      if (h.via != nullptr) {
        ssize_t sent = ::sendto(h.via->fd, h.payload.data(), h.payload.size(), 0,
                                reinterpret_cast<const sockaddr*>(&h.to), sizeof h.to);
        if (sent < 0) {
          ++send_errors;
        } else if (h.via->upstream) {
          ++up;
        } else {
          ++down;
        }
      }
      held.pop_front();
    }
    if (now >= next_sweep) {  // close idle upstream sockets
      next_sweep = now + std::chrono::seconds(1);
      for (auto it = endpoints.begin(); it != endpoints.end();) {
        Endpoint* e = it->get();
        if (e->upstream && now - e->last_used > std::chrono::seconds(idle_s)) {
          for (Held& h : held) {
            if (h.via == e) h.via = nullptr;  // dropped with its socket
          }
          ports[e->port].upstream.erase(Key(e->client));
          ::close(e->fd);
          ++upstream_closed;
          it = endpoints.erase(it);
        } else {
          ++it;
        }
      }
    }
  }
  std::fprintf(stderr,
               "udp_delay_relay: %zu datagrams to agents, %zu to clients, %zu send errors, "
               "%zu upstream sockets opened (%zu closed idle), at most %zu held\n",
               up, down, send_errors, upstream_opened, upstream_closed, max_held);
  for (auto& e : endpoints) ::close(e->fd);
  ::close(ep);
  return 0;
}
