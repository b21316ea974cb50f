// periscope-walk: reads PERISCOPE-MIB from an SNMP agent and prints it as tables.
#include <getopt.h>

#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "core/exit_codes.h"
#include "core/snmp/sync_client.h"
#include "core/strings.h"
#include "mib/periscope_oids.h"
#include "tools/walk_format.h"

namespace {

using periscope::kExitFailure;
using periscope::kExitIncomplete;
using periscope::kExitOk;
using periscope::kExitUsage;
using periscope::snmp::WalkEnd;
using periscope::snmp::WalkLimits;
using periscope::snmp::WalkResult;

void PrintHelp() {
  const WalkLimits defaults;
  std::printf(
      "usage: periscope-walk [options] PEER\n"
      "\n"
      "Walks the PERISCOPE-MIB subtree of PEER (e.g. udp:127.0.0.1:161) with GETBULK\n"
      "and prints the agent scalars, devices, daily figures and items as tables.\n"
      "\n"
      "  -c COMMUNITY       SNMPv2c community (default: public)\n"
      "  -u USER            SNMPv3 authPriv user (SHA-256 + AES-128) instead of v2c\n"
      "  -A PASSPHRASE      SNMPv3 authentication pass phrase\n"
      "  -X PASSPHRASE      SNMPv3 privacy pass phrase\n"
      "  -t MILLISECONDS    timeout per request (default 1000), 2 retries\n"
      "  --max-objects N    stop after N objects (default %zu)\n"
      "  --max-bytes N      stop before the values pass N bytes, 8 counted per object\n"
      "                     (default %zu; suffixes such as 8MiB allowed)\n"
      "  --deadline-s S     stop when the walk has taken S seconds (default %lld)\n"
      "  -h, --help         this help\n"
      "\n"
      "A walk that stops early prints what it received, then names why on stderr.\n"
      "\n"
      "exit status: 0 ok, 1 no answer, an error-status or no PERISCOPE-MIB objects,\n"
      "2 usage error, 3 stopped early: a bound above was reached or the agent\n"
      "misbehaved (an OID that does not increase, a broken response)\n",
      defaults.max_objects, defaults.max_bytes,
      static_cast<long long>(
          std::chrono::duration_cast<std::chrono::seconds>(defaults.deadline).count()));
}

// A positive number of seconds ("60", "0.5"), at most a day.
std::optional<std::chrono::milliseconds> ParseSeconds(std::string_view s) {
  double v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || !std::isfinite(v) || v <= 0 || v > 86400) {
    return std::nullopt;
  }
  return std::chrono::milliseconds(static_cast<long long>(std::ceil(v * 1000)));
}

int UsageError(const std::string& message) {
  std::fprintf(stderr, "periscope-walk: %s (try --help)\n", message.c_str());
  return kExitUsage;
}

// The stderr line for a walk that stopped early, without the program name.
std::string StopReason(const WalkResult& w, const WalkLimits& limits, const std::string& peer) {
  size_t n = w.varbinds.size();
  switch (w.end) {
    case WalkEnd::kMaxObjects:
      return fmt::format("stopped after {} objects (--max-objects)", n);
    case WalkEnd::kMaxBytes:
      return fmt::format("stopped after {} objects: the next would pass {} bytes (--max-bytes)", n,
                         limits.max_bytes);
    case WalkEnd::kDeadline:
      return fmt::format(
          "stopped after {} objects: the walk took longer than {:g} s (--deadline-s)", n,
          static_cast<double>(limits.deadline.count()) / 1000.0);
    case WalkEnd::kOidNotIncreasing:
      return fmt::format(
          "stopped after {} objects: the agent returned an OID that does not increase, it is "
          "looping ({})",
          n, w.status.message());
    case WalkEnd::kProtocol:
      return fmt::format("stopped after {} objects: the agent broke the protocol ({})", n,
                         w.status.message());
    case WalkEnd::kNoAnswer:
    case WalkEnd::kErrorStatus:
    case WalkEnd::kComplete:
      break;
  }
  return peer + ": " + w.status.message();
}

}  // namespace

int main(int argc, char** argv) {
  periscope::snmp::Credentials creds{"public", "", "", ""};
  int timeout_ms = 1000;
  WalkLimits limits;
  enum LongOnly { kMaxObjects = 256, kMaxBytes, kDeadline };
  static const option kLong[] = {{"help", no_argument, nullptr, 'h'},
                                 {"max-objects", required_argument, nullptr, kMaxObjects},
                                 {"max-bytes", required_argument, nullptr, kMaxBytes},
                                 {"deadline-s", required_argument, nullptr, kDeadline},
                                 {nullptr, 0, nullptr, 0}};
  int opt;
  while ((opt = getopt_long(argc, argv, "c:u:A:X:t:h", kLong, nullptr)) != -1) {
    switch (opt) {
      case 'c':
        creds.community = optarg;
        break;
      case 'u':
        creds.user = optarg;
        creds.community.clear();
        break;
      case 'A':
        creds.auth_pass = optarg;
        break;
      case 'X':
        creds.priv_pass = optarg;
        break;
      case 't': {
        std::optional<uint64_t> v = periscope::ParseUint64(optarg);
        if (!v || *v == 0 || *v > 3600000) {
          return UsageError(std::string("-t '") + optarg + "': not a timeout in milliseconds");
        }
        timeout_ms = static_cast<int>(*v);
        break;
      }
      case kMaxObjects: {
        std::optional<uint64_t> v = periscope::ParseUint64(optarg);
        if (!v || *v == 0) {
          return UsageError(std::string("--max-objects '") + optarg + "': not a positive count");
        }
        limits.max_objects = *v;
        break;
      }
      case kMaxBytes: {
        std::optional<uint64_t> v = periscope::ParseByteCount(optarg);
        if (!v || *v == 0) {
          return UsageError(std::string("--max-bytes '") + optarg + "': not a byte count");
        }
        limits.max_bytes = *v;
        break;
      }
      case kDeadline: {
        std::optional<std::chrono::milliseconds> v = ParseSeconds(optarg);
        if (!v) {
          return UsageError(std::string("--deadline-s '") + optarg +
                            "': not a number of seconds (0 < S <= 86400)");
        }
        limits.deadline = *v;
        break;
      }
      case 'h':
        PrintHelp();
        return kExitOk;
      default:
        std::fputs("try 'periscope-walk --help'\n", stderr);
        return kExitUsage;
    }
  }
  if (optind + 1 != argc) return UsageError("expected exactly one PEER");
  std::string peer = argv[optind];
  auto client = periscope::snmp::SnmpClient::Open(peer, creds, timeout_ms, 2);
  if (!client.ok()) {
    std::fprintf(stderr, "periscope-walk: %s\n", client.status().message().c_str());
    return kExitFailure;
  }
  WalkResult walk = (*client)->BulkWalk(periscope::mib::kPeriscopeMibRoot, 25, limits);
  if (walk.complete() && walk.varbinds.empty()) {
    std::fprintf(stderr,
                 "periscope-walk: %s has no PERISCOPE-MIB objects (is periscope-subagent "
                 "attached to its snmpd, and does the view include the subtree?)\n",
                 peer.c_str());
    return kExitFailure;
  }
  // What was received is printed even when the walk stopped early.
  if (!walk.varbinds.empty()) {
    std::fputs(periscope::tools::FormatPeriscopeWalk(walk.varbinds).c_str(), stdout);
  }
  if (walk.complete()) return kExitOk;
  std::fflush(stdout);
  std::fprintf(stderr, "periscope-walk: %s\n", StopReason(walk, limits, peer).c_str());
  bool answered = walk.end != WalkEnd::kNoAnswer && walk.end != WalkEnd::kErrorStatus;
  return answered ? kExitIncomplete : kExitFailure;
}
