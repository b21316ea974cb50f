// The subagent's only window on the host's disks.
//
// Every call may block (a hung NFS mount blocks statvfs): the sampler thread
// calls it, never an SNMP handler. Tests substitute a fake.
#ifndef PERISCOPE_SUBAGENT_DISK_PROBE_H_
#define PERISCOPE_SUBAGENT_DISK_PROBE_H_

#include <cstdint>
#include <string>

#include "core/status.h"

namespace periscope::subagent {

struct FsUsage {
  uint64_t size_bytes = 0;  // f_blocks * f_frsize
  uint64_t used_bytes = 0;  // (f_blocks - f_bfree) * f_frsize, as df counts it
};

struct DeviceNumber {
  uint32_t major = 0;
  uint32_t minor = 0;
  bool operator==(const DeviceNumber&) const = default;
};

class DiskProbe {
 public:
  virtual ~DiskProbe() = default;
  virtual Result<FsUsage> StatFs(const std::string& path) = 0;
  virtual Result<std::string> ReadDiskstats() = 0;
  virtual Result<std::string> ReadMountinfo() = 0;
  // Canonical absolute path (symlinks resolved).
  virtual Result<std::string> RealPath(const std::string& path) = 0;
  // Device number of a block special file (follows /dev/mapper symlinks).
  virtual Result<DeviceNumber> BlockDeviceNumber(const std::string& path) = 0;
  // A small file's content, at most `max_bytes`.
  virtual Result<std::string> ReadSmallFile(const std::string& path, size_t max_bytes) = 0;
};

// The real host: statvfs(3), /proc/diskstats, /proc/self/mountinfo.
class SystemDiskProbe final : public DiskProbe {
 public:
  Result<FsUsage> StatFs(const std::string& path) override;
  Result<std::string> ReadDiskstats() override;
  Result<std::string> ReadMountinfo() override;
  Result<std::string> RealPath(const std::string& path) override;
  Result<DeviceNumber> BlockDeviceNumber(const std::string& path) override;
  Result<std::string> ReadSmallFile(const std::string& path, size_t max_bytes) override;
};

}  // namespace periscope::subagent

#endif  // PERISCOPE_SUBAGENT_DISK_PROBE_H_
