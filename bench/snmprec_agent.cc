// snmprec_agent: a fast SNMPv2c responder for the simulated fleets fleet_gen
// writes, in place of snmpsimd when the agents must not be the bottleneck of a
// benchmark (bench/scaleout_bench.sh AGENT_IMPL=fast).
//
//   snmprec_agent --dir DIR [--targets-out FILE] [--listen ADDR] [--fresh-ports]
//                 [--community C] [--max-message-bytes N]
//
// DIR is a fleet_gen output: agent i serves DIR/data/<community>/
// 1.3.6.1.6.1.1.<i>.snmprec on the port of line i of DIR/targets.csv (the
// ports fleet_gen chose), or with --fresh-ports on a port the kernel chooses.
// Once every socket is bound, --targets-out gets DIR/targets.csv with the
// ports actually bound (written to FILE.tmp, then renamed: its existence says
// the agents are up). One thread, epoll over nonblocking UDP sockets.
//
// Protocol (SNMPv2c only; v1, v3 and anything malformed are dropped and
// counted): GET, GETNEXT and GETBULK (RFC 3416: non-repeaters, max-
// repetitions, endOfMibView; repetitions stop early once every repeater is
// past the end), SET answered notWritable. A GET of an OID not served is
// noSuchInstance when some served OID lies under the requested OID's parent,
// else noSuchObject. A wrong community is dropped, as agents do. Responses
// never exceed --max-message-bytes (default 1472: one Ethernet frame): a
// GETBULK response is cut at the last variable binding that fits; any other
// that does not fit is tooBig with no bindings.
//
// snmprec lines are OID|TAG|VALUE (snmpsim's format), the tags fleet_gen's
// fleets use: 2 Integer, 4 OctetString, 5 Null, 6 OID, 64 IpAddress (dotted),
// 65 Counter32, 66 Gauge32, 67 TimeTicks, 70 Counter64; a tag with suffix x
// has its value in hex (4x, 6x, 64x). Any other tag is an error naming the
// line. SIGTERM or SIGINT end it; it prints its counters on stderr.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "bench/snmp_ber.h"

namespace {

namespace ber = periscope::bench::ber;
using ber::Oid;

// ---- the data ----

// One served object: its OID and its whole variable binding, encoded.
struct Entry {
  Oid oid;
  std::string varbind;
};

struct Agent {
  std::vector<Entry> entries;  // sorted by OID, no duplicates
  int fd = -1;
  int port = 0;
};

std::optional<std::string> FromHex(std::string_view hex) {
  if (hex.size() % 2 != 0) return std::nullopt;
  std::string out;
  for (size_t i = 0; i < hex.size(); i += 2) {
    auto nibble = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      if (c >= 'A' && c <= 'F') return c - 'A' + 10;
      return -1;
    };
    int hi = nibble(hex[i]), lo = nibble(hex[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi << 4 | lo));
  }
  return out;
}

std::optional<uint64_t> ParseUnsigned(const std::string& s, uint64_t max) {
  if (s.empty() || s[0] == '-') return std::nullopt;
  char* end = nullptr;
  errno = 0;
  unsigned long long v = std::strtoull(s.c_str(), &end, 10);
  if (errno != 0 || *end != '\0' || v > max) return std::nullopt;
  return v;
}

// The encoded value of one snmprec TAG|VALUE; nullopt when not understood.
std::optional<std::string> EncodeValue(const std::string& tag_text, const std::string& text) {
  bool hex = !tag_text.empty() && tag_text.back() == 'x';
  std::string tag = hex ? tag_text.substr(0, tag_text.size() - 1) : tag_text;
  std::string value = text;
  if (hex) {
    auto raw = FromHex(text);
    if (!raw) return std::nullopt;
    value = *raw;
  }
  if (tag == "4") return ber::Tlv(0x04, value);
  if (tag == "5") return ber::Tlv(0x05, "");
  if (tag == "6") {
    if (hex) return ber::Tlv(0x06, value);
    auto oid = ber::ParseDotted(value);
    if (!oid) return std::nullopt;
    return ber::Tlv(0x06, ber::OidContent(*oid));
  }
  if (tag == "64") {
    if (hex) return value.size() == 4 ? std::optional(ber::Tlv(0x40, value)) : std::nullopt;
    auto quad = ber::ParseDotted(value);
    if (!quad || quad->size() != 4) return std::nullopt;
    std::string bytes;
    for (uint32_t b : *quad) {
      if (b > 255) return std::nullopt;
      bytes.push_back(static_cast<char>(b));
    }
    return ber::Tlv(0x40, bytes);
  }
  if (hex) return std::nullopt;
  if (tag == "2") {
    char* end = nullptr;
    errno = 0;
    long long v = std::strtoll(value.c_str(), &end, 10);
    if (value.empty() || errno != 0 || *end != '\0' || v < INT32_MIN || v > INT32_MAX) {
      return std::nullopt;
    }
    return ber::Tlv(0x02, ber::SignedContent(v));
  }
  const uint8_t app = tag == "65" ? 0x41 : tag == "66" ? 0x42 : tag == "67" ? 0x43 : 0;
  if (app != 0) {
    auto v = ParseUnsigned(value, 0xffffffffULL);
    if (!v) return std::nullopt;
    return ber::Tlv(app, ber::UnsignedContent(*v));
  }
  if (tag == "70") {
    auto v = ParseUnsigned(value, UINT64_MAX);
    if (!v) return std::nullopt;
    return ber::Tlv(0x46, ber::UnsignedContent(*v));
  }
  return std::nullopt;
}

bool LoadSnmprec(const std::string& path, Agent* agent, std::string* error) {
  std::ifstream in(path);
  if (!in) {
    *error = "cannot read " + path;
    return false;
  }
  std::string line;
  size_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    size_t a = line.find('|');
    size_t b = a == std::string::npos ? a : line.find('|', a + 1);
    std::optional<Oid> oid;
    std::optional<std::string> value;
    if (b != std::string::npos) {
      oid = ber::ParseDotted(std::string_view(line).substr(0, a));
      value = EncodeValue(line.substr(a + 1, b - a - 1), line.substr(b + 1));
    }
    if (!oid || !value) {
      *error = path + ":" + std::to_string(number) + ": not an OID|TAG|VALUE line understood here";
      return false;
    }
    std::string content = ber::Tlv(0x06, ber::OidContent(*oid)) + *value;
    agent->entries.push_back({std::move(*oid), ber::Tlv(0x30, content)});
  }
  std::stable_sort(agent->entries.begin(), agent->entries.end(),
                   [](const Entry& x, const Entry& y) { return x.oid < y.oid; });
  // A repeated OID: the last line wins, as snmpsim's index keeps it.
  std::vector<Entry> unique;
  for (auto& e : agent->entries) {
    if (!unique.empty() && unique.back().oid == e.oid) {
      unique.back() = std::move(e);
    } else {
      unique.push_back(std::move(e));
    }
  }
  agent->entries = std::move(unique);
  return true;
}

// ---- requests ----

struct Counters {
  uint64_t requests = 0, responses = 0, dropped = 0, bad_community = 0, too_big = 0;
  uint64_t get = 0, getnext = 0, getbulk = 0, set = 0, varbinds_out = 0;
};

constexpr uint8_t kNoSuchObject = 0x80, kNoSuchInstance = 0x81, kEndOfMibView = 0x82;

std::string ExceptionVarbind(std::string_view oid_tlv, uint8_t exception) {
  std::string content(oid_tlv);
  content.push_back(static_cast<char>(exception));
  content.push_back('\0');
  return ber::Tlv(0x30, content);
}

// The first entry after `oid` (GETNEXT), or nullptr past the end.
const Entry* After(const Agent& agent, const Oid& oid) {
  auto it = std::upper_bound(agent.entries.begin(), agent.entries.end(), oid,
                             [](const Oid& o, const Entry& e) { return o < e.oid; });
  return it == agent.entries.end() ? nullptr : &*it;
}

std::string GetVarbind(const Agent& agent, const Oid& oid, std::string_view oid_tlv) {
  auto it = std::lower_bound(agent.entries.begin(), agent.entries.end(), oid,
                             [](const Entry& e, const Oid& o) { return e.oid < o; });
  if (it != agent.entries.end() && it->oid == oid) return it->varbind;
  // Some served OID under the parent of `oid`: the object exists, not this
  // instance.
  Oid parent(oid.begin(), oid.end() - (oid.size() > 2 ? 1 : 0));
  const Entry* next = After(agent, parent);
  bool object = oid.size() > 2 && next != nullptr && next->oid.size() > parent.size() &&
                std::equal(parent.begin(), parent.end(), next->oid.begin());
  return ExceptionVarbind(oid_tlv, object ? kNoSuchInstance : kNoSuchObject);
}

std::string NextVarbind(const Agent& agent, const Oid& oid, std::string_view oid_tlv,
                        const Entry** found) {
  *found = After(agent, oid);
  return *found != nullptr ? (*found)->varbind : ExceptionVarbind(oid_tlv, kEndOfMibView);
}

// The response message to `request`, or nullopt when it is to be dropped.
std::optional<std::string> Answer(const Agent& agent, std::string_view request,
                                  const std::string& community, size_t max_message_bytes,
                                  Counters* counters) {
  ber::Reader top{request};
  std::string_view message, version, comm, pdu;
  uint8_t pdu_tag;
  if (!top.Expect(0x30, &message)) return std::nullopt;
  ber::Reader m{message};
  if (!m.Expect(0x02, &version) || version.size() != 1 || version[0] != 1) return std::nullopt;
  if (!m.Expect(0x04, &comm) || !m.Next(&pdu_tag, &pdu)) return std::nullopt;
  if (comm != community) {
    ++counters->bad_community;
    return std::nullopt;
  }
  ber::Reader p{pdu};
  std::string_view reqid, a, b, list;
  if (!p.Expect(0x02, &reqid) || !p.Expect(0x02, &a) || !p.Expect(0x02, &b) ||
      !p.Expect(0x30, &list) || reqid.empty() || reqid.size() > 4) {
    return std::nullopt;
  }
  struct Requested {
    Oid oid;
    std::string_view oid_tlv;  // as sent, for exception bindings
  };
  std::vector<Requested> names;
  ber::Reader l{list};
  while (!l.AtEnd()) {
    std::string_view vb, name, value;
    uint8_t value_tag;
    if (!l.Expect(0x30, &vb)) return std::nullopt;
    ber::Reader v{vb};
    size_t start = v.pos;
    if (!v.Expect(0x06, &name)) return std::nullopt;
    std::string_view name_tlv = vb.substr(start, v.pos - start);
    if (!v.Next(&value_tag, &value)) return std::nullopt;
    auto oid = ber::DecodeOid(name);
    if (!oid) return std::nullopt;
    names.push_back({std::move(*oid), name_tlv});
  }

  int64_t error_status = 0, error_index = 0;
  std::vector<std::string> out;
  size_t out_bytes = 0;
  // Envelope: version, community, request-id, status, index, the tags and
  // lengths (at most 4 length bytes each for the three sequences).
  const size_t envelope = 3 + 2 + community.size() + 2 + reqid.size() + 3 + 6 + 3 * 6;
  auto fits = [&](size_t more) { return envelope + out_bytes + more <= max_message_bytes; };
  auto add = [&](std::string vb) {
    out_bytes += vb.size();
    out.push_back(std::move(vb));
  };
  switch (pdu_tag) {
    case 0xa0:  // GetRequest
    case 0xa1:  // GetNextRequest
      if (pdu_tag == 0xa0) {
        ++counters->get;
      } else {
        ++counters->getnext;
      }
      for (const Requested& r : names) {
        const Entry* found;
        add(pdu_tag == 0xa0 ? GetVarbind(agent, r.oid, r.oid_tlv)
                            : NextVarbind(agent, r.oid, r.oid_tlv, &found));
      }
      break;
    case 0xa5: {  // GetBulkRequest
      ++counters->getbulk;
      auto non_repeaters = ber::DecodeInteger(a);
      auto max_repetitions = ber::DecodeInteger(b);
      if (!non_repeaters || !max_repetitions) return std::nullopt;
      const size_t n = static_cast<size_t>(
          std::clamp<int64_t>(*non_repeaters, 0, static_cast<int64_t>(names.size())));
      const int64_t reps = std::max<int64_t>(*max_repetitions, 0);
      for (size_t i = 0; i < n; ++i) {
        const Entry* found;
        add(NextVarbind(agent, names[i].oid, names[i].oid_tlv, &found));
      }
      // The repeaters' cursors: the last entry returned, or nullptr once past
      // the end (then endOfMibView with the requested name, as Net-SNMP does).
      std::vector<const Entry*> cursor(names.size() - n, nullptr);
      std::vector<bool> ended(cursor.size(), false);
      if (!fits(0)) {
        error_status = 1;  // tooBig: not even the non-repeaters fit
        break;
      }
      bool full = false;
      for (int64_t rep = 0; rep < reps && !cursor.empty() && !full; ++rep) {
        bool all_ended = true;
        for (size_t k = 0; k < cursor.size(); ++k) {
          const Requested& r = names[n + k];
          std::string vb;
          if (ended[k]) {
            vb = ExceptionVarbind(r.oid_tlv, kEndOfMibView);
          } else {
            const Entry* next = After(agent, rep == 0 ? r.oid : cursor[k]->oid);
            if (next == nullptr) {
              ended[k] = true;
              vb = ExceptionVarbind(r.oid_tlv, kEndOfMibView);
            } else {
              cursor[k] = next;
              vb = next->varbind;
              all_ended = false;
            }
          }
          if (!fits(vb.size())) {
            full = true;
            break;
          }
          add(std::move(vb));
        }
        if (all_ended) break;
      }
      break;
    }
    case 0xa3:  // SetRequest: nothing here is writable
      ++counters->set;
      error_status = 17;  // notWritable
      error_index = names.empty() ? 0 : 1;
      break;
    default:
      return std::nullopt;
  }
  if (error_status == 0 && !fits(0)) error_status = 1;
  if (error_status == 1) ++counters->too_big;
  std::string bindings;
  if (error_status == 0) {
    bindings.reserve(out_bytes);
    for (const std::string& vb : out) bindings += vb;
    counters->varbinds_out += out.size();
  } else if (error_status != 1) {
    // Other errors echo the request's bindings.
    bindings = std::string(list);
  }
  std::string pdu_content =
      ber::Tlv(0x02, reqid) + ber::Tlv(0x02, ber::SignedContent(error_status)) +
      ber::Tlv(0x02, ber::SignedContent(error_index)) + ber::Tlv(0x30, bindings);
  return ber::Tlv(0x30, ber::Tlv(0x02, std::string(1, '\1')) + ber::Tlv(0x04, community) +
                            ber::Tlv(0xa2, pdu_content));
}

// ---- the server ----

volatile sig_atomic_t g_stop = 0;
void OnSignal(int) { g_stop = 1; }

int Usage() {
  std::fputs(
      "usage: snmprec_agent --dir DIR [--targets-out FILE] [--listen ADDR] [--fresh-ports]\n"
      "                     [--community C] [--max-message-bytes N]\n",
      stderr);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir, targets_out, listen = "127.0.0.1", community = "public";
  bool fresh_ports = false;
  size_t max_message_bytes = 1472;
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    if (flag == "--fresh-ports") {
      fresh_ports = true;
      continue;
    }
    if (flag == "--help" || flag == "-h" || i + 1 >= argc) return Usage();
    std::string value = argv[++i];
    if (flag == "--dir") {
      dir = value;
    } else if (flag == "--targets-out") {
      targets_out = value;
    } else if (flag == "--listen") {
      listen = value;
    } else if (flag == "--community") {
      community = value;
    } else if (flag == "--max-message-bytes") {
      max_message_bytes = std::strtoul(value.c_str(), nullptr, 10);
    } else {
      std::fprintf(stderr, "snmprec_agent: unknown flag %s\n", flag.c_str());
      return Usage();
    }
  }
  if (dir.empty() || max_message_bytes < 484 || max_message_bytes > 65507) return Usage();
  in_addr address{};
  if (::inet_pton(AF_INET, listen.c_str(), &address) != 1) {
    std::fprintf(stderr, "snmprec_agent: bad --listen address %s\n", listen.c_str());
    return 2;
  }

  // targets.csv: header, then one line per agent in file order.
  std::ifstream targets_in(dir + "/targets.csv");
  if (!targets_in) {
    std::fprintf(stderr, "snmprec_agent: cannot read %s/targets.csv\n", dir.c_str());
    return 2;
  }
  std::string header, line;
  std::getline(targets_in, header);
  std::vector<std::string> rows;
  while (std::getline(targets_in, line)) {
    if (!line.empty()) rows.push_back(line);
  }
  std::vector<Agent> agents(rows.size());
  std::vector<std::string> rest(rows.size());  // each row after its port
  for (size_t i = 0; i < rows.size(); ++i) {
    size_t a = rows[i].find(',');
    size_t b = a == std::string::npos ? a : rows[i].find(',', a + 1);
    if (b == std::string::npos) b = rows[i].size();
    if (a == std::string::npos) {
      std::fprintf(stderr, "snmprec_agent: targets.csv line %zu has no port\n", i + 2);
      return 2;
    }
    agents[i].port = std::atoi(rows[i].substr(a + 1, b - a - 1).c_str());
    rest[i] = rows[i].substr(b);
    std::string error;
    if (!LoadSnmprec(
            dir + "/data/" + community + "/1.3.6.1.6.1.1." + std::to_string(i) + ".snmprec",
            &agents[i], &error)) {
      std::fprintf(stderr, "snmprec_agent: %s\n", error.c_str());
      return 2;
    }
  }
  if (agents.empty()) {
    std::fprintf(stderr, "snmprec_agent: no agents in %s/targets.csv\n", dir.c_str());
    return 2;
  }

  rlimit nofile{};
  ::getrlimit(RLIMIT_NOFILE, &nofile);
  if (nofile.rlim_cur < agents.size() + 64) {
    nofile.rlim_cur = std::min<rlim_t>(nofile.rlim_max, agents.size() + 64);
    ::setrlimit(RLIMIT_NOFILE, &nofile);
  }
  int epoll = ::epoll_create1(EPOLL_CLOEXEC);
  if (epoll < 0) {
    std::perror("snmprec_agent: epoll_create1");
    return 2;
  }
  for (size_t i = 0; i < agents.size(); ++i) {
    Agent& agent = agents[i];
    agent.fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (agent.fd < 0) {
      std::fprintf(stderr, "snmprec_agent: socket for agent %zu: %s (RLIMIT_NOFILE %llu)\n", i,
                   std::strerror(errno), static_cast<unsigned long long>(nofile.rlim_cur));
      return 2;
    }
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr = address;
    sa.sin_port = htons(static_cast<uint16_t>(fresh_ports ? 0 : agent.port));
    if (::bind(agent.fd, reinterpret_cast<const sockaddr*>(&sa), sizeof sa) != 0) {
      std::fprintf(stderr, "snmprec_agent: bind %s:%d for agent %zu: %s\n", listen.c_str(),
                   fresh_ports ? 0 : agent.port, i, std::strerror(errno));
      return 2;
    }
    socklen_t len = sizeof sa;
    ::getsockname(agent.fd, reinterpret_cast<sockaddr*>(&sa), &len);
    agent.port = ntohs(sa.sin_port);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = i;
    if (::epoll_ctl(epoll, EPOLL_CTL_ADD, agent.fd, &ev) != 0) {
      std::perror("snmprec_agent: epoll_ctl");
      return 2;
    }
  }
  if (!targets_out.empty()) {
    std::string text = header + "\n";
    for (size_t i = 0; i < agents.size(); ++i) {
      text += listen + "," + std::to_string(agents[i].port) + rest[i] + "\n";
    }
    std::string tmp = targets_out + ".tmp";
    FILE* f = std::fopen(tmp.c_str(), "w");
    if (f == nullptr || std::fwrite(text.data(), 1, text.size(), f) != text.size() ||
        std::fclose(f) != 0 || std::rename(tmp.c_str(), targets_out.c_str()) != 0) {
      std::fprintf(stderr, "snmprec_agent: cannot write %s\n", targets_out.c_str());
      return 2;
    }
  }

  // SIGTERM/SIGINT are blocked except inside epoll_pwait, so a signal can
  // never slip in between the flag test and the wait.
  struct sigaction action {};
  action.sa_handler = OnSignal;
  ::sigaction(SIGTERM, &action, nullptr);
  ::sigaction(SIGINT, &action, nullptr);
  sigset_t blocked, during_wait;
  sigemptyset(&blocked);
  sigaddset(&blocked, SIGTERM);
  sigaddset(&blocked, SIGINT);
  ::sigprocmask(SIG_BLOCK, &blocked, &during_wait);
  sigdelset(&during_wait, SIGTERM);
  sigdelset(&during_wait, SIGINT);

  size_t entries = 0;
  for (const Agent& agent : agents) entries += agent.entries.size();
  std::fprintf(stderr, "snmprec_agent: %zu agents, %zu objects, on %s\n", agents.size(), entries,
               listen.c_str());
  Counters counters;
  std::vector<epoll_event> events(256);
  char buf[65536];
  while (!g_stop) {
    int n = ::epoll_pwait(epoll, events.data(), static_cast<int>(events.size()), -1, &during_wait);
    if (n < 0) {
      if (errno == EINTR) continue;
      std::perror("snmprec_agent: epoll_pwait");
      return 1;
    }
    for (int e = 0; e < n; ++e) {
      Agent& agent = agents[events[static_cast<size_t>(e)].data.u64];
      // A bounded batch per socket per wakeup keeps one busy agent from
      // starving the others.
      for (int k = 0; k < 64; ++k) {
        sockaddr_in peer{};
        socklen_t peer_len = sizeof peer;
        ssize_t got =
            ::recvfrom(agent.fd, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&peer), &peer_len);
        if (got < 0) break;
        ++counters.requests;
        auto response = Answer(agent, std::string_view(buf, static_cast<size_t>(got)), community,
                               max_message_bytes, &counters);
        if (!response) {
          ++counters.dropped;
          continue;
        }
        if (::sendto(agent.fd, response->data(), response->size(), 0,
                     reinterpret_cast<const sockaddr*>(&peer), peer_len) >= 0) {
          ++counters.responses;
        }
      }
    }
  }
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  double cpu = static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
               static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
  std::fprintf(stderr,
               "snmprec_agent: requests=%llu responses=%llu dropped=%llu bad_community=%llu "
               "too_big=%llu get=%llu getnext=%llu getbulk=%llu set=%llu varbinds_out=%llu "
               "cpu_s=%.3f\n",
               static_cast<unsigned long long>(counters.requests),
               static_cast<unsigned long long>(counters.responses),
               static_cast<unsigned long long>(counters.dropped),
               static_cast<unsigned long long>(counters.bad_community),
               static_cast<unsigned long long>(counters.too_big),
               static_cast<unsigned long long>(counters.get),
               static_cast<unsigned long long>(counters.getnext),
               static_cast<unsigned long long>(counters.getbulk),
               static_cast<unsigned long long>(counters.set),
               static_cast<unsigned long long>(counters.varbinds_out), cpu);
  for (const Agent& agent : agents) ::close(agent.fd);
  ::close(epoll);
  return 0;
}
