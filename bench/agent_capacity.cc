// agent_capacity: how fast a fleet of SNMP agents can serve one walk of every
// agent, measured by saturating them with a client that costs almost nothing.
//
//   agent_capacity --targets FILE [--concurrency N] [--limit N] [--root OID]
//                  [--community C] [--max-repetitions N] [--timeout-ms N] [--retries N]
//
// FILE is a targets.csv as fleet_gen writes it (address,port,...; the header
// line is skipped). Every target's subtree under --root (default: the
// PERISCOPE-MIB root) is walked with SNMPv2c GETBULK, at most N walks in flight
// with one request outstanding each (as periscope-poller walks), all from one
// nonblocking UDP socket. The messages are encoded and decoded here (a few
// lines of BER, bench/snmp_ber.h), so the client's own CPU cost stays small
// and the agents are the limit. Prints one line of key=value figures on stdout:
//
//   walks ok failed pdus varbinds max_pdus_per_walk retransmits wall_s pdu_per_s
//   walks_per_s cpu_s concurrency
//
// Exit status 0 when every walk completed, 1 when some failed, 2 on usage or
// set-up errors.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "bench/snmp_ber.h"
#include "mib/periscope_oids.h"

namespace {

using Clock = std::chrono::steady_clock;
namespace ber = periscope::bench::ber;
using ber::Oid;

// ---- the messages: a GETBULK and its response ----

std::string Integer(int64_t v) { return ber::Tlv(0x02, ber::SignedContent(v)); }

std::string GetBulk(const std::string& community, int32_t reqid, int max_repetitions,
                    const Oid& from) {
  std::string varbind =
      ber::Tlv(0x30, ber::Tlv(0x06, ber::OidContent(from)) + std::string("\x05\x00", 2));
  std::string pdu =
      Integer(reqid) + Integer(0) + Integer(max_repetitions) + ber::Tlv(0x30, varbind);
  return ber::Tlv(0x30, Integer(1) + ber::Tlv(0x04, community) + ber::Tlv(0xa5, pdu));
}

struct Response {
  int32_t reqid = 0;
  int64_t error_status = 0;
  std::vector<std::pair<Oid, uint8_t>> varbinds;  // name, value tag
};

std::optional<Response> ParseResponse(std::string_view msg) {
  ber::Reader top{msg};
  std::string_view seq, c, pdu;
  if (!top.Expect(0x30, &seq)) return std::nullopt;
  ber::Reader m{seq};
  if (!m.Expect(0x02, &c)) return std::nullopt;  // version
  if (!m.Expect(0x04, &c)) return std::nullopt;  // community
  if (!m.Expect(0xa2, &pdu)) return std::nullopt;
  Response r;
  ber::Reader p{pdu};
  std::string_view reqid, status, index, list;
  if (!p.Expect(0x02, &reqid) || !p.Expect(0x02, &status) || !p.Expect(0x02, &index) ||
      !p.Expect(0x30, &list)) {
    return std::nullopt;
  }
  auto id = ber::DecodeInteger(reqid);
  auto st = ber::DecodeInteger(status);
  if (!id || !st) return std::nullopt;
  r.reqid = static_cast<int32_t>(*id);
  r.error_status = *st;
  ber::Reader l{list};
  while (!l.AtEnd()) {
    std::string_view vb, name, value;
    if (!l.Expect(0x30, &vb)) return std::nullopt;
    ber::Reader v{vb};
    uint8_t value_tag;
    if (!v.Expect(0x06, &name) || !v.Next(&value_tag, &value)) return std::nullopt;
    auto oid = ber::DecodeOid(name);
    if (!oid) return std::nullopt;
    r.varbinds.emplace_back(std::move(*oid), value_tag);
  }
  return r;
}

// ---- the walks ----

struct Walk {
  sockaddr_in peer{};
  Oid cursor;
  int32_t reqid = 0;
  int tries = 0;    // sends of the current request
  size_t pdus = 0;  // responses accepted
  bool done = false;
};

struct Options {
  std::string targets;
  size_t concurrency = 64;
  size_t limit = 0;
  Oid root = periscope::mib::kPeriscopeMibRoot;
  std::string community = "public";
  int max_repetitions = 25;
  std::chrono::milliseconds timeout{2000};
  int retries = 2;
};

bool StartsWith(const Oid& oid, const Oid& prefix) {
  return oid.size() > prefix.size() && std::equal(prefix.begin(), prefix.end(), oid.begin());
}

double CpuSeconds() {
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  auto sec = [](const timeval& tv) {
    return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
  };
  return sec(ru.ru_utime) + sec(ru.ru_stime);
}

int Usage() {
  std::fputs(
      "usage: agent_capacity --targets FILE [--concurrency N] [--limit N] [--root OID]\n"
      "                      [--community C] [--max-repetitions N] [--timeout-ms N]\n"
      "                      [--retries N]\n",
      stderr);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    if (flag == "--help" || flag == "-h") return Usage();
    if (i + 1 >= argc) return Usage();
    std::string value = argv[++i];
    if (flag == "--targets") {
      o.targets = value;
    } else if (flag == "--concurrency") {
      o.concurrency = std::strtoul(value.c_str(), nullptr, 10);
    } else if (flag == "--limit") {
      o.limit = std::strtoul(value.c_str(), nullptr, 10);
    } else if (flag == "--root") {
      auto root = ber::ParseDotted(value);
      if (!root) return Usage();
      o.root = std::move(*root);
    } else if (flag == "--community") {
      o.community = value;
    } else if (flag == "--max-repetitions") {
      o.max_repetitions = std::atoi(value.c_str());
    } else if (flag == "--timeout-ms") {
      o.timeout = std::chrono::milliseconds(std::atoi(value.c_str()));
    } else if (flag == "--retries") {
      o.retries = std::atoi(value.c_str());
    } else {
      std::fprintf(stderr, "agent_capacity: unknown flag %s\n", flag.c_str());
      return Usage();
    }
  }
  if (o.targets.empty() || o.concurrency == 0 || o.root.size() < 2 || o.max_repetitions < 1) {
    return Usage();
  }

  std::vector<Walk> walks;
  std::ifstream in(o.targets);
  if (!in) {
    std::fprintf(stderr, "agent_capacity: cannot read %s\n", o.targets.c_str());
    return 2;
  }
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line) && (o.limit == 0 || walks.size() < o.limit)) {
    std::stringstream fields(line);
    std::string address, port;
    if (!std::getline(fields, address, ',') || !std::getline(fields, port, ',')) continue;
    Walk w;
    w.peer.sin_family = AF_INET;
    w.peer.sin_port = htons(static_cast<uint16_t>(std::stoi(port)));
    if (::inet_pton(AF_INET, address.c_str(), &w.peer.sin_addr) != 1) {
      std::fprintf(stderr, "agent_capacity: bad address %s\n", address.c_str());
      return 2;
    }
    w.cursor = o.root;
    walks.push_back(std::move(w));
  }

  int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    std::perror("agent_capacity: socket");
    return 2;
  }
  int rcvbuf = 4 << 20;
  ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);

  // reqid -> walk; the retransmission queue is in send order, so with one
  // timeout for all its front is always the earliest deadline.
  std::unordered_map<int32_t, size_t> inflight;
  struct Timer {
    Clock::time_point deadline;
    size_t walk;
    int32_t reqid;
  };
  std::deque<Timer> timers;
  int32_t next_reqid = 1;
  size_t pdus = 0, max_pdus = 0, varbinds = 0, retransmits = 0, ok = 0, failed = 0, finished = 0,
         started = 0;

  // A retransmission keeps its request ID (as Net-SNMP does for SNMPv2c), so a
  // late answer to an earlier copy still counts.
  auto send = [&](size_t i, bool retry) {
    Walk& w = walks[i];
    if (!retry) {
      w.tries = 0;
      inflight.erase(w.reqid);
      w.reqid = next_reqid;
      next_reqid = next_reqid == INT32_MAX ? 1 : next_reqid + 1;
      inflight[w.reqid] = i;
    }
    ++w.tries;
    std::string msg = GetBulk(o.community, w.reqid, o.max_repetitions, w.cursor);
    if (::sendto(fd, msg.data(), msg.size(), 0, reinterpret_cast<const sockaddr*>(&w.peer),
                 sizeof w.peer) < 0) {
      std::perror("agent_capacity: sendto");
    }
    timers.push_back({Clock::now() + o.timeout, i, w.reqid});
  };
  auto finish = [&](size_t i, bool success) {
    Walk& w = walks[i];
    inflight.erase(w.reqid);
    w.done = true;
    ++finished;
    ++(success ? ok : failed);
  };

  double cpu0 = CpuSeconds();
  Clock::time_point t0 = Clock::now();
  char buf[65536];
  while (finished < walks.size()) {
    while (started < walks.size() && started - finished < o.concurrency) send(started++, false);
    int wait_ms = 1000;
    if (!timers.empty()) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(timers.front().deadline -
                                                                        Clock::now());
      wait_ms = static_cast<int>(std::max<int64_t>(0, left.count() + 1));
    }
    pollfd p{fd, POLLIN, 0};
    ::poll(&p, 1, wait_ms);
    while (true) {
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n < 0) break;
      auto r = ParseResponse(std::string_view(buf, static_cast<size_t>(n)));
      if (!r) continue;
      auto it = inflight.find(r->reqid);
      if (it == inflight.end()) continue;  // a duplicate, or after the walk ended
      size_t i = it->second;
      Walk& w = walks[i];
      ++pdus;
      ++w.pdus;
      max_pdus = std::max(max_pdus, w.pdus);
      if (r->error_status != 0) {
        finish(i, false);
        continue;
      }
      bool end = r->varbinds.empty(), broken = false;
      for (const auto& [name, value_tag] : r->varbinds) {
        if (value_tag >= 0x80 || !StartsWith(name, o.root)) {
          end = true;
          break;
        }
        if (!(w.cursor < name)) {  // not increasing: a broken agent
          end = broken = true;
          break;
        }
        w.cursor = name;
        ++varbinds;
      }
      if (end) {
        finish(i, !broken);
      } else {
        send(i, false);
      }
    }
    Clock::time_point now = Clock::now();
    while (!timers.empty() && timers.front().deadline <= now) {
      Timer t = timers.front();
      timers.pop_front();
      Walk& w = walks[t.walk];
      if (w.done || w.reqid != t.reqid) continue;  // answered meanwhile
      if (w.tries > o.retries) {
        finish(t.walk, false);
      } else {
        ++retransmits;
        send(t.walk, true);
      }
    }
  }
  double wall = std::chrono::duration<double>(Clock::now() - t0).count();
  double cpu = CpuSeconds() - cpu0;
  ::close(fd);
  std::printf(
      "walks=%zu ok=%zu failed=%zu pdus=%zu varbinds=%zu max_pdus_per_walk=%zu retransmits=%zu "
      "wall_s=%.3f pdu_per_s=%.1f walks_per_s=%.1f cpu_s=%.3f concurrency=%zu\n",
      walks.size(), ok, failed, pdus, varbinds, max_pdus, retransmits, wall,
      static_cast<double>(pdus) / wall, static_cast<double>(ok) / wall, cpu, o.concurrency);
  return failed == 0 ? 0 : 1;
}
