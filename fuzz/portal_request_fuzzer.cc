// Fuzzes the portal's request parsing (portal/http.h): form bodies, query
// strings, Cookie headers and Origin values, all attacker-controlled. Besides
// memory errors it checks the documented invariants: accepted fields are
// bounded and round-trip through UrlEncode, and an origin is either empty or
// "http(s)://host[:port]" without a path.
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz/fuzz_check.h"
#include "portal/http.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace periscope;  // NOLINT(google-build-using-namespace)
  const std::string input(reinterpret_cast<const char*>(data), size);
  constexpr size_t kCap = 256;
  for (bool as_form : {true, false}) {
    auto fields = as_form ? portal::ParseForm(input, kCap) : portal::ParseQuery(input, kCap);
    if (!fields.ok()) {
      FUZZ_CHECK(!fields.status().message().empty());
      continue;
    }
    for (const auto& [name, value] : *fields) {
      FUZZ_CHECK(value.size() <= kCap);
      auto again =
          portal::ParseForm(portal::UrlEncode(name) + "=" + portal::UrlEncode(value), kCap);
      FUZZ_CHECK(again.ok());
      FUZZ_CHECK(again->size() == 1 && again->begin()->second == value);
    }
  }
  for (const auto& [name, value] : portal::ParseCookies(input)) {
    FUZZ_CHECK(name.find(';') == std::string::npos && value.find(';') == std::string::npos);
  }
  std::string origin = portal::OriginOf(input);
  if (!origin.empty()) {
    FUZZ_CHECK(origin.rfind("http://", 0) == 0 || origin.rfind("https://", 0) == 0);
    std::string_view rest = std::string_view(origin).substr(origin.find("//") + 2);
    FUZZ_CHECK(!rest.empty() && rest.find('/') == std::string_view::npos);
    FUZZ_CHECK(portal::OriginOf(origin) == origin);
  }
  return 0;
}
