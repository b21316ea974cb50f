#include "subagent/disk_probe.h"

#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

#include "core/files.h"

namespace periscope::subagent {

Result<FsUsage> SystemDiskProbe::StatFs(const std::string& path) {
  struct statvfs st {};
  if (::statvfs(path.c_str(), &st) != 0) {
    int err = errno;
    std::string msg = fmt::format("statvfs {}: {}", path, std::strerror(err));
    return err == ENOENT ? NotFoundError(msg) : UnavailableError(msg);
  }
  FsUsage u;
  uint64_t frsize = st.f_frsize != 0 ? st.f_frsize : st.f_bsize;
  u.size_bytes = static_cast<uint64_t>(st.f_blocks) * frsize;
  uint64_t free_blocks = st.f_bfree <= st.f_blocks ? st.f_bfree : st.f_blocks;
  u.used_bytes = (static_cast<uint64_t>(st.f_blocks) - free_blocks) * frsize;
  return u;
}

Result<std::string> SystemDiskProbe::ReadDiskstats() {
  return ReadFileBounded("/proc/diskstats", 4 << 20);
}

Result<std::string> SystemDiskProbe::ReadMountinfo() {
  return ReadFileBounded("/proc/self/mountinfo", 16 << 20);
}

Result<std::string> SystemDiskProbe::RealPath(const std::string& path) {
  char buf[PATH_MAX];
  if (::realpath(path.c_str(), buf) == nullptr) {
    int err = errno;
    std::string msg = fmt::format("{}: {}", path, std::strerror(err));
    return err == ENOENT ? NotFoundError(msg) : UnavailableError(msg);
  }
  return std::string(buf);
}

Result<DeviceNumber> SystemDiskProbe::BlockDeviceNumber(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    int err = errno;
    std::string msg = fmt::format("{}: {}", path, std::strerror(err));
    return err == ENOENT ? NotFoundError(msg) : UnavailableError(msg);
  }
  if (!S_ISBLK(st.st_mode)) {
    return InvalidArgumentError(fmt::format("{}: not a block device", path));
  }
  return DeviceNumber{major(st.st_rdev), minor(st.st_rdev)};
}

Result<std::string> SystemDiskProbe::ReadSmallFile(const std::string& path, size_t max_bytes) {
  return ReadFileBounded(path, max_bytes);
}

}  // namespace periscope::subagent
