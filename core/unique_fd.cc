#include "core/unique_fd.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace periscope {

void UniqueFd::reset(int fd) {
  if (fd_ >= 0 && fd_ != fd) (void)::close(fd_);
  fd_ = fd < 0 ? -1 : fd;
}

Status UniqueFd::Close(std::string_view what) {
  int fd = release();
  if (fd < 0 || ::close(fd) == 0) return Status::Ok();
  return UnavailableError(fmt::format("{}: close: {}", what, std::strerror(errno)));
}

}  // namespace periscope
