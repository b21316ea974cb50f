#include "mail/directory_mailer.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>

#include "core/files.h"

namespace periscope::mail {
namespace {

// Names longer than this are cut and made unique again with a hash, so that
// "<name>.eml.tmp" stays within NAME_MAX (255).
constexpr size_t kMaxStemBytes = 200;

uint64_t Fnv1a(std::string_view s) {
  uint64_t h = 1469598103934665603ULL;
  for (char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ULL;
  }
  return h;
}

class DirectoryMailer final : public Mailer {
 public:
  explicit DirectoryMailer(std::string dir) : dir_(std::move(dir)) {}

  Status Send(const std::string& /*envelope_from*/, const std::vector<std::string>& recipients,
              const std::string& message_id, const std::string& rfc5322) override {
    if (recipients.empty()) return InvalidArgumentError("message " + message_id + ": no recipient");
    if (message_id.empty()) return InvalidArgumentError("message without a message id");
    std::string path = dir_ + "/" + EmlFileName(message_id);
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0) return Status::Ok();  // sent before: never twice
    return WriteFileAtomically(path, rfc5322);
  }

 private:
  std::string dir_;
};

}  // namespace

std::string EmlFileName(const std::string& message_id) {
  std::string_view id = message_id;
  if (id.size() >= 2 && id.front() == '<' && id.back() == '>') id = id.substr(1, id.size() - 2);
  std::string stem;
  for (char c : id) {
    bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '.' || c == '-' || c == '_' || c == '@';
    stem += keep ? c : '_';
  }
  if (stem.empty() || stem.front() == '.') stem = "_" + stem;
  if (stem.size() > kMaxStemBytes) {
    stem = fmt::format("{}_{:016x}", stem.substr(0, kMaxStemBytes), Fnv1a(message_id));
  }
  return stem + ".eml";
}

Result<std::unique_ptr<Mailer>> MakeDirectoryMailer(const std::string& dir) {
  if (dir.empty()) return InvalidArgumentError("mail directory: empty path");
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return UnavailableError(fmt::format("mail directory {}: {}", dir, ec.message()));
  if (!std::filesystem::is_directory(dir, ec)) {
    return InvalidArgumentError(fmt::format("mail directory {}: not a directory", dir));
  }
  return std::unique_ptr<Mailer>(std::make_unique<DirectoryMailer>(dir));
}

}  // namespace periscope::mail
