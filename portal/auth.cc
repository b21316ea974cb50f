#include "portal/auth.h"

#include <crypt.h>
#include <openssl/evp.h>
#include <sys/random.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <memory>

#include <fmt/format.h>

#include "core/log.h"
#include "core/strings.h"

namespace periscope::portal {
namespace {

constexpr size_t kTokenBytes = 32;

// Used only when libcrypt cannot hash a fresh random password: a yescrypt hash
// of a random password nobody kept, so verifying against it still costs a
// full yescrypt run.
constexpr std::string_view kFallbackDummyHash =
    "$y$j9T$I63B8/MThbdQiU21r.AS21$I5vrNx.5B2.qlALdc7rU.iIekxnAgj0THX.P1DYLaZ3";

// The length of the UTF-8 sequence led by `lead` (1 for ASCII and stray bytes).
size_t Utf8SequenceLength(unsigned char lead) {
  if ((lead & 0xe0) == 0xc0) return 2;
  if ((lead & 0xf0) == 0xe0) return 3;
  if ((lead & 0xf8) == 0xf0) return 4;
  return 1;
}

bool IsOneRepeatedCharacter(std::string_view text) {
  if (text.empty()) return false;
  size_t unit = std::min(Utf8SequenceLength(static_cast<unsigned char>(text[0])), text.size());
  if (text.size() % unit != 0) return false;
  std::string_view first = text.substr(0, unit);
  for (size_t i = unit; i < text.size(); i += unit) {
    if (text.substr(i, unit) != first) return false;
  }
  return true;
}

// crypt_data is about 32 KiB: kept off the stack of the server's threads.
std::unique_ptr<crypt_data> NewCryptData() {
  auto data = std::make_unique<crypt_data>();
  std::memset(data.get(), 0, sizeof(crypt_data));
  return data;
}

Status FillRandom(unsigned char* out, size_t size) {
  size_t filled = 0;
  while (filled < size) {
    ssize_t n = getrandom(out + filled, size - filled, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return InternalError(fmt::format("getrandom: {}", std::strerror(errno)));
    }
    filled += static_cast<size_t>(n);
  }
  return Status::Ok();
}

std::string Base64UrlNoPadding(const unsigned char* data, size_t size) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  out.reserve((size * 4 + 2) / 3);
  size_t i = 0;
  for (; i + 3 <= size; i += 3) {
    uint32_t v = (uint32_t{data[i]} << 16) | (uint32_t{data[i + 1]} << 8) | data[i + 2];
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(kAlphabet[(v >> 6) & 63]);
    out.push_back(kAlphabet[v & 63]);
  }
  if (size - i == 1) {
    uint32_t v = uint32_t{data[i]} << 16;
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
  } else if (size - i == 2) {
    uint32_t v = (uint32_t{data[i]} << 16) | (uint32_t{data[i + 1]} << 8);
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(kAlphabet[(v >> 6) & 63]);
  }
  return out;
}

}  // namespace

Status CheckPasswordRules(std::string_view password, std::string_view user_id) {
  if (password.size() < kMinPasswordBytes) {
    return InvalidArgumentError(
        fmt::format("password-too-short: a password needs at least {} bytes", kMinPasswordBytes));
  }
  if (password.size() > kMaxPasswordBytes) {
    return InvalidArgumentError(
        fmt::format("password-too-long: a password has at most {} bytes", kMaxPasswordBytes));
  }
  // Control characters are refused with invalid UTF-8: a NUL would cut the
  // password short inside libcrypt.
  if (!IsCleanUtf8Text(password)) {
    return InvalidArgumentError(
        "password-not-text: a password must be UTF-8 text without control characters");
  }
  if (IsOneRepeatedCharacter(password)) {
    return InvalidArgumentError(
        "password-one-character: a password must not be one character repeated");
  }
  if (!user_id.empty() && AsciiLower(password) == AsciiLower(user_id)) {
    return InvalidArgumentError("password-is-user-id: a password must not be the user id");
  }
  return Status::Ok();
}

Result<std::string> HashPassword(std::string_view password, unsigned long cost) {
  if (password.find('\0') != std::string_view::npos) {
    return InvalidArgumentError("password holds a NUL byte");
  }
  std::array<char, CRYPT_GENSALT_OUTPUT_SIZE> setting{};
  if (crypt_gensalt_rn("$y$", cost, nullptr, 0, setting.data(), static_cast<int>(setting.size())) ==
      nullptr) {
    return InternalError(
        fmt::format("libcrypt: cannot make a yescrypt setting: {}", std::strerror(errno)));
  }
  auto data = NewCryptData();
  std::string phrase(password);
  const char* hash =
      crypt_rn(phrase.c_str(), setting.data(), data.get(), static_cast<int>(sizeof(crypt_data)));
  std::memset(phrase.data(), 0, phrase.size());
  if (hash == nullptr || hash[0] == '*') {
    std::memset(data.get(), 0, sizeof(crypt_data));
    return InternalError(
        fmt::format("libcrypt: cannot hash with yescrypt: {}", std::strerror(errno)));
  }
  std::string result(hash);
  std::memset(data.get(), 0, sizeof(crypt_data));
  return result;
}

bool VerifyPassword(std::string_view password, std::string_view hash) {
  if (!hash.starts_with("$y$") || hash.size() >= CRYPT_OUTPUT_SIZE ||
      hash.find('\0') != std::string_view::npos || password.find('\0') != std::string_view::npos) {
    return false;
  }
  auto data = NewCryptData();
  std::string phrase(password);
  std::string setting(hash);
  const char* computed =
      crypt_rn(phrase.c_str(), setting.c_str(), data.get(), static_cast<int>(sizeof(crypt_data)));
  std::memset(phrase.data(), 0, phrase.size());
  bool match = computed != nullptr && computed[0] != '*' && ConstantTimeEquals(computed, hash);
  std::memset(data.get(), 0, sizeof(crypt_data));
  return match;
}

const std::string& DummyPasswordHash() {
  static const std::string* const hash = [] {
    auto password = NewToken();
    if (password.ok()) {
      auto hashed = HashPassword(*password);
      if (hashed.ok()) return new std::string(std::move(*hashed));
      LogError("portal: dummy password hash: " + hashed.status().ToString());
    } else {
      LogError("portal: dummy password hash: " + password.status().ToString());
    }
    return new std::string(kFallbackDummyHash);
  }();
  return *hash;
}

Result<std::string> NewToken() {
  std::array<unsigned char, kTokenBytes> bytes{};
  PERISCOPE_RETURN_IF_ERROR(FillRandom(bytes.data(), bytes.size()));
  return Base64UrlNoPadding(bytes.data(), bytes.size());
}

std::string Sha256Hex(std::string_view text) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  if (EVP_Digest(text.data(), text.size(), digest.data(), &size, EVP_sha256(), nullptr) != 1 ||
      size != 32) {
    // Only when libcrypto is broken; an empty digest matches no stored one.
    LogError("portal: libcrypto: SHA-256 failed");
    return "";
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (unsigned int i = 0; i < size; ++i) {
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 0x0f]);
  }
  return out;
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  volatile unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    diff = static_cast<unsigned char>(
        diff | (static_cast<unsigned char>(a[i]) ^ static_cast<unsigned char>(b[i])));
  }
  return diff == 0;
}

}  // namespace periscope::portal
