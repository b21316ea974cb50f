// Small string utilities shared by the parsers and config loaders.
#ifndef PERISCOPE_CORE_STRINGS_H_
#define PERISCOPE_CORE_STRINGS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace periscope {

std::string_view TrimWhitespace(std::string_view s);

// Splits on runs of ASCII whitespace; no empty fields.
std::vector<std::string_view> SplitWhitespace(std::string_view s);

// Strict decimal parse: digits only, no sign, no whitespace, no overflow.
std::optional<uint64_t> ParseUint64(std::string_view s);

// A byte count: a plain integer, or a number with an SI (kB, MB, GB, TB, PB; powers
// of 1000) or IEC (KiB, MiB, GiB, TiB, PiB; powers of 1024) suffix, optionally
// separated by a space; a bare "B" suffix is accepted. Decimal fractions are allowed
// with a suffix ("1.5TB"). Nullopt on junk or overflow.
std::optional<uint64_t> ParseByteCount(std::string_view s);

// True when `s` is well-formed UTF-8 with no C0/C1 control characters other than
// tab (DEL included as a control).
bool IsCleanUtf8Text(std::string_view s);

// Truncates to at most `max_bytes` without cutting a UTF-8 sequence in half.
std::string TruncateUtf8(std::string_view s, size_t max_bytes);

// The one cleaner of untrusted text (values read from agents, files or the
// command line), making it safe for logs, tables, CSV and mail headers. Byte
// for byte, so the result has the size of `s` (a bound applied before still
// holds):
// - each C0 control character (tab, CR and LF included) and DEL becomes
//   `control_replacement`;
// - if what remains is not well-formed UTF-8 free of C1 controls, the text is
//   in some other encoding (Latin-1, binary) and is not guessed at: every byte
//   from 0x80 up becomes '?'. Otherwise multi-byte characters are kept.
// The result always satisfies IsCleanUtf8Text and holds no tab.
// `control_replacement` must be printable ASCII. Callers choose '?' where a
// replaced character must stay visible (an agent's SnmpAdminString: a CR LF
// in a serial number is tampering, not layout), ' ' where control characters
// are layout (a tab or CR in a line read from a file, a quoted argument).
std::string CleanText(std::string_view s, char control_replacement);

// `s` with every CRLF and lone CR made LF (a browser's textarea sends CRLF).
std::string NormalizeLineBreaks(std::string_view s);

// `s` with ASCII upper-case letters made lower-case; other bytes unchanged.
std::string AsciiLower(std::string_view s);

// "host:port", an IPv6 literal (any host with a ':') in brackets: "[::1]:161".
std::string HostPort(std::string_view host, int port);

}  // namespace periscope

#endif  // PERISCOPE_CORE_STRINGS_H_
