#include "core/files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "core/unique_fd.h"

namespace periscope {
namespace {

std::string ErrnoText(int err) { return std::strerror(err); }

}  // namespace

Result<std::string> ReadFileBounded(const std::string& path, size_t max_bytes) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
  if (!fd.valid()) {
    int err = errno;
    std::string msg = fmt::format("{}: {}", path, ErrnoText(err));
    if (err == ENOENT) return NotFoundError(msg);
    if (err == EACCES) return PermissionDeniedError(msg);
    return UnavailableError(msg);
  }
  std::string content;
  char buf[8192];
  while (true) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return UnavailableError(fmt::format("{}: read: {}", path, ErrnoText(errno)));
    }
    if (n == 0) break;
    if (content.size() + static_cast<size_t>(n) > max_bytes) {
      return ResourceExhaustedError(
          fmt::format("{}: larger than the limit of {} bytes", path, max_bytes));
    }
    content.append(buf, static_cast<size_t>(n));
  }
  return content;
}

Status WriteFileAtomically(const std::string& path, std::string_view content) {
  std::string tmp = path + ".tmp";
  UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640));
  if (!fd.valid()) return UnavailableError(fmt::format("{}: {}", tmp, ErrnoText(errno)));
  size_t off = 0;
  while (off < content.size()) {
    ssize_t n = ::write(fd.get(), content.data() + off, content.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::unlink(tmp.c_str());
      return UnavailableError(fmt::format("{}: write: {}", tmp, ErrnoText(err)));
    }
    off += static_cast<size_t>(n);
  }
  if (::fsync(fd.get()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return UnavailableError(fmt::format("{}: fsync: {}", tmp, ErrnoText(err)));
  }
  if (Status closed = fd.Close(tmp); !closed.ok()) {
    ::unlink(tmp.c_str());
    return closed;
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return UnavailableError(fmt::format("{}: rename: {}", path, ErrnoText(err)));
  }
  size_t slash = path.find_last_of('/');
  std::string dir(slash == std::string::npos ? std::string_view(".")
                  : slash == 0               ? std::string_view("/")
                                             : std::string_view(path).substr(0, slash));
  UniqueFd dfd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dfd.valid()) (void)::fsync(dfd.get());
  return Status::Ok();
}

std::string DirName(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

std::string ResolvePath(const std::string& base_dir, const std::string& path) {
  if (path.empty() || path[0] == '/' || base_dir.empty()) return path;
  return base_dir + "/" + path;
}

}  // namespace periscope
