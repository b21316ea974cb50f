// Test support: the minimal BER reading the loopback test agents and relays
// need (tag, length, content), shared by bad_agent.cc and logging_relay.cc.
#ifndef PERISCOPE_TESTS_SUPPORT_BER_READER_H_
#define PERISCOPE_TESTS_SUPPORT_BER_READER_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <utility>

namespace periscope::testing {

// A span of BER-encoded bytes. Next() reads one TLV and returns its tag and
// content; nullopt at the end or on a truncated or over-long length.
struct BerReader {
  const uint8_t* p;
  const uint8_t* end;
  std::optional<std::pair<uint8_t, BerReader>> Next() {
    if (end - p < 2) return std::nullopt;
    uint8_t tag = *p++;
    size_t len = *p++;
    if (len & 0x80) {
      size_t n = len & 0x7f;
      if (n == 0 || n > 4 || static_cast<size_t>(end - p) < n) return std::nullopt;
      len = 0;
      for (size_t i = 0; i < n; ++i) len = (len << 8) | *p++;
    }
    if (static_cast<size_t>(end - p) < len) return std::nullopt;
    BerReader inner{p, p + len};
    p += len;
    return std::make_pair(tag, inner);
  }
};

}  // namespace periscope::testing

#endif  // PERISCOPE_TESTS_SUPPORT_BER_READER_H_
