// The few lines of SNMP BER (X.690 definite-length encoding) the benchmark
// tools encode and decode messages with, so that their own CPU cost stays
// small: snmprec_agent (a fast agent) and agent_capacity (a cheap client).
// Header-only; no allocation beyond the returned strings and OIDs.
#ifndef PERISCOPE_BENCH_SNMP_BER_H_
#define PERISCOPE_BENCH_SNMP_BER_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace periscope::bench::ber {

// An OID as its arcs; the decoded and parsed ones have at least two.
using Oid = std::vector<uint32_t>;

// ---- writing ----

// Appends the definite length `n`: one byte below 0x80, else the long form
// with the fewest length bytes.
inline void AppendLength(std::string* out, size_t n) {
  if (n < 0x80) {
    out->push_back(static_cast<char>(n));
    return;
  }
  char bytes[8];
  int count = 0;
  for (; n > 0; n >>= 8) bytes[count++] = static_cast<char>(n & 0xff);
  out->push_back(static_cast<char>(0x80 | count));
  while (count > 0) out->push_back(bytes[--count]);
}

// Tag, length and `content`.
inline std::string Tlv(uint8_t tag, std::string_view content) {
  std::string out(1, static_cast<char>(tag));
  AppendLength(&out, content.size());
  out.append(content);
  return out;
}

// The content of an INTEGER: minimal two's complement (1 to 8 bytes).
inline std::string SignedContent(int64_t v) {
  std::string bytes;
  // Stop once the remaining value is the sign extension of the last byte.
  while (true) {
    auto byte = static_cast<uint8_t>(static_cast<uint64_t>(v) & 0xff);
    bytes.insert(bytes.begin(), static_cast<char>(byte));
    v >>= 8;
    if ((v == 0 && (byte & 0x80) == 0) || (v == -1 && (byte & 0x80) != 0)) break;
  }
  return bytes;
}

// The content of an unsigned application type (Counter32, Gauge32,
// TimeTicks, Counter64): big-endian, with a leading zero byte when the top
// bit would otherwise read as a sign (1 to 9 bytes).
inline std::string UnsignedContent(uint64_t v) {
  std::string bytes;
  do {
    bytes.insert(bytes.begin(), static_cast<char>(v & 0xff));
    v >>= 8;
  } while (v != 0);
  if (static_cast<uint8_t>(bytes[0]) & 0x80) bytes.insert(bytes.begin(), '\0');
  return bytes;
}

// The content of an OBJECT IDENTIFIER. `oid` is not empty (a single arc is
// encoded as if followed by .0); the first two arcs must make a valid first
// subidentifier (arc 0 or 1 with a second arc below 40, or arc 2).
inline std::string OidContent(const Oid& oid) {
  std::string content;
  auto sub = [&](uint32_t v) {
    char tmp[5];
    int n = 0;
    do {
      tmp[n++] = static_cast<char>(v & 0x7f);
      v >>= 7;
    } while (v != 0);
    while (n > 0) {
      --n;
      content.push_back(static_cast<char>(tmp[n] | (n > 0 ? 0x80 : 0)));
    }
  };
  sub(oid[0] * 40 + (oid.size() > 1 ? oid[1] : 0));
  for (size_t i = 2; i < oid.size(); ++i) sub(oid[i]);
  return content;
}

// ---- reading ----

// Reads consecutive TLVs from `in`, which must outlive the contents returned.
// Lengths of more than 4 bytes, the indefinite form and contents running past
// the end are malformed; after a false return `pos` is unspecified.
struct Reader {
  std::string_view in;
  size_t pos = 0;  // offset in `in` of the next TLV

  // One TLV's tag and content; false at the end or when malformed.
  bool Next(uint8_t* tag, std::string_view* content) {
    if (pos + 2 > in.size()) return false;
    *tag = static_cast<uint8_t>(in[pos++]);
    size_t len = static_cast<uint8_t>(in[pos++]);
    if (len & 0x80) {
      size_t n = len & 0x7f;
      if (n == 0 || n > 4 || pos + n > in.size()) return false;
      len = 0;
      for (size_t i = 0; i < n; ++i) len = len << 8 | static_cast<uint8_t>(in[pos++]);
    }
    if (len > in.size() - pos) return false;
    *content = in.substr(pos, len);
    pos += len;
    return true;
  }
  // Next(), and false also when the tag is not `want`.
  bool Expect(uint8_t want, std::string_view* content) {
    uint8_t tag;
    return Next(&tag, content) && tag == want;
  }
  bool AtEnd() const { return pos == in.size(); }
};

// An INTEGER's content as a signed value; nullopt when empty or longer than
// 8 bytes.
inline std::optional<int64_t> DecodeInteger(std::string_view c) {
  if (c.empty() || c.size() > 8) return std::nullopt;
  int64_t v = static_cast<int8_t>(c[0]);
  for (size_t i = 1; i < c.size(); ++i) {
    v = static_cast<int64_t>(static_cast<uint64_t>(v) << 8 | static_cast<uint8_t>(c[i]));
  }
  return v;
}

// An OBJECT IDENTIFIER's content as at least two arcs; nullopt when empty,
// when it ends inside a subidentifier (a continuation byte last) or when a
// subidentifier exceeds 32 bits.
inline std::optional<Oid> DecodeOid(std::string_view c) {
  if (c.empty() || (static_cast<uint8_t>(c.back()) & 0x80)) return std::nullopt;
  Oid out;
  uint64_t v = 0;
  for (char ch : c) {
    auto b = static_cast<uint8_t>(ch);
    v = v << 7 | (b & 0x7f);
    if (v > 0xffffffffULL) return std::nullopt;
    if ((b & 0x80) == 0) {
      if (out.empty()) {
        uint32_t first = v < 80 ? static_cast<uint32_t>(v / 40) : 2;
        out.push_back(first);
        out.push_back(static_cast<uint32_t>(v - first * 40));
      } else {
        out.push_back(static_cast<uint32_t>(v));
      }
      v = 0;
    }
  }
  return out;
}

// ---- text ----

// A dotted OID ("1.3.6.1" or ".1.3.6.1") of at least two arcs; nullopt on an
// empty arc, a character other than digits and dots, or an arc above 32 bits.
inline std::optional<Oid> ParseDotted(std::string_view s) {
  if (!s.empty() && s[0] == '.') s.remove_prefix(1);
  Oid out;
  uint64_t v = 0;
  bool digit = false;
  for (char c : s) {
    if (c == '.') {
      if (!digit) return std::nullopt;
      out.push_back(static_cast<uint32_t>(v));
      v = 0;
      digit = false;
    } else if (c >= '0' && c <= '9') {
      v = v * 10 + static_cast<uint64_t>(c - '0');
      if (v > 0xffffffffULL) return std::nullopt;
      digit = true;
    } else {
      return std::nullopt;
    }
  }
  if (!digit) return std::nullopt;
  out.push_back(static_cast<uint32_t>(v));
  if (out.size() < 2) return std::nullopt;
  return out;
}

}  // namespace periscope::bench::ber

#endif  // PERISCOPE_BENCH_SNMP_BER_H_
