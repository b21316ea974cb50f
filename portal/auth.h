// Secrets of the portal: password hashes, random tokens, token digests.
//
// Passwords are hashed with yescrypt through libcrypt (crypt_gensalt_rn
// "$y$" + crypt_rn; Debian's libcrypt1), never stored or logged in clear.
// Tokens (sessions, invites, CSRF) are 32 bytes from getrandom(2), base64url
// without padding (43 characters); the store keeps only their SHA-256 (hex,
// through OpenSSL's libcrypto) for sessions and invites.
#ifndef PERISCOPE_PORTAL_AUTH_H_
#define PERISCOPE_PORTAL_AUTH_H_

#include <string>
#include <string_view>

#include "core/status.h"

namespace periscope::portal {

// Bounds a password must meet: 10..256 bytes of valid UTF-8, not only one
// repeated character, not equal to the customer's user id.
inline constexpr size_t kMinPasswordBytes = 10;
inline constexpr size_t kMaxPasswordBytes = 256;
// InvalidArgument saying which rule failed (in English; the portal shows its
// own translated text for the code in the message: see PasswordProblem).
Status CheckPasswordRules(std::string_view password, std::string_view user_id);

// A yescrypt hash string ("$y$..."); `cost` is libcrypt's cost parameter (0:
// its default). Internal on a libcrypt failure.
Result<std::string> HashPassword(std::string_view password, unsigned long cost = 0);
// Whether `password` matches `hash` (constant-time comparison). A malformed
// hash is false, never a match.
bool VerifyPassword(std::string_view password, std::string_view hash);
// A hash of a random password, to verify against when the customer does not
// exist or has no account, so that the answer takes as long either way.
const std::string& DummyPasswordHash();

// 32 random bytes, base64url (43 characters). Internal when getrandom fails.
Result<std::string> NewToken();
// Lower-case hex SHA-256 of `text` (64 characters).
std::string Sha256Hex(std::string_view text);
// Constant-time equality (length leaks, contents do not).
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace periscope::portal

#endif  // PERISCOPE_PORTAL_AUTH_H_
