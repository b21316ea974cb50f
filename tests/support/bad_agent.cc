#include "tests/support/bad_agent.h"

#include "tests/support/ber_reader.h"
#include "tests/support/process.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <optional>
#include <string>
#include <thread>

namespace periscope::testing {
namespace {

// Minimal BER: BerReader reads a v2c request; Tlv writes a response.
using Reader = BerReader;

std::string Tlv(uint8_t tag, const std::string& content) {
  std::string out(1, static_cast<char>(tag));
  size_t n = content.size();
  if (n < 128) {
    out += static_cast<char>(n);
  } else {
    std::string len;
    while (n > 0) {
      len.insert(len.begin(), static_cast<char>(n & 0xff));
      n >>= 8;
    }
    out += static_cast<char>(0x80 | len.size());
    out += len;
  }
  return out + content;
}

std::string Int(int64_t v) {
  std::string bytes;
  do {
    bytes.insert(bytes.begin(), static_cast<char>(v & 0xff));
    v >>= 8;
  } while (v != 0 && v != -1);
  if ((static_cast<uint8_t>(bytes[0]) & 0x80) && v == 0) bytes.insert(bytes.begin(), '\0');
  return Tlv(0x02, bytes);
}

std::string Oid(const std::vector<uint32_t>& oid) {
  std::string out(1, static_cast<char>(oid[0] * 40 + oid[1]));
  for (size_t i = 2; i < oid.size(); ++i) {
    uint32_t v = oid[i];
    std::string chunk(1, static_cast<char>(v & 0x7f));
    for (v >>= 7; v != 0; v >>= 7)
      chunk.insert(chunk.begin(), static_cast<char>(0x80 | (v & 0x7f)));
    out += chunk;
  }
  return Tlv(0x06, out);
}

}  // namespace

BadAgent::BadAgent(Mode mode, std::vector<uint32_t> root) : mode_(mode), root_(std::move(root)) {
  fd_ = BindLoopbackUdp(&port_, std::chrono::milliseconds(100));
  thread_ = std::thread([this] { Serve(); });
}

BadAgent::~BadAgent() {
  stop_ = true;
  thread_.join();
}

void BadAgent::Serve() {
  uint32_t counter = 0;
  while (!stop_) {
    uint8_t buf[65536];
    sockaddr_in peer{};
    socklen_t peer_len = sizeof peer;
    ssize_t n =
        ::recvfrom(fd_.get(), buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&peer), &peer_len);
    if (n <= 0) continue;
    ++requests_;
    if (mode_ == Mode::kSilent) continue;
    if (mode_ == Mode::kLate) std::this_thread::sleep_for(kLateDelay);
    if (mode_ == Mode::kGarbage) {
      static const char kNotSnmp[] = "\x30\x03\xff\xff\xff not an SNMP message";
      ::sendto(fd_.get(), kNotSnmp, sizeof kNotSnmp - 1, 0, reinterpret_cast<sockaddr*>(&peer),
               peer_len);
      continue;
    }
    Reader msg{buf, buf + n};
    auto seq = msg.Next();
    if (!seq) continue;
    auto version = seq->second.Next();
    auto community = seq->second.Next();
    auto pdu = seq->second.Next();
    if (!version || !community || !pdu) continue;
    auto reqid = pdu->second.Next();
    if (!reqid) continue;
    std::string reqid_tlv(reinterpret_cast<const char*>(reqid->second.p - 2),
                          static_cast<size_t>(reqid->second.end - reqid->second.p) + 2);
    if (mode_ == Mode::kWrongRequestId) reqid_tlv.back() = static_cast<char>(reqid_tlv.back() ^ 1);
    // Answer with max-repetitions (or 10) varbinds.
    std::string varbinds;
    for (int i = 0; i < 10; ++i) {
      std::vector<uint32_t> oid = root_;
      if (mode_ == Mode::kRepeatOid) {
        oid.push_back(1);
        oid.push_back(1);
      } else {
        oid.push_back(1);
        oid.push_back(++counter);
      }
      varbinds += Tlv(0x30, Oid(oid) + Int(i));
    }
    std::string body = reqid_tlv + Int(0) + Int(0) + Tlv(0x30, varbinds);
    std::string community_tlv(reinterpret_cast<const char*>(community->second.p),
                              static_cast<size_t>(community->second.end - community->second.p));
    std::string reply = Tlv(0x30, Int(1) + Tlv(0x04, community_tlv) + Tlv(0xa2, body));
    ::sendto(fd_.get(), reply.data(), reply.size(), 0, reinterpret_cast<sockaddr*>(&peer),
             peer_len);
  }
}

}  // namespace periscope::testing
