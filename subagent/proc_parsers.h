// Pure parsers for /proc/diskstats and /proc/self/mountinfo.
//
// They take the file's content, so tests feed inline text; reading the files is
// the DiskProbe's job. Malformed lines are skipped (the kernel's format is
// trusted but not blindly: short lines never crash the parser).
#ifndef PERISCOPE_SUBAGENT_PROC_PARSERS_H_
#define PERISCOPE_SUBAGENT_PROC_PARSERS_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace periscope::subagent {

struct DiskStat {
  uint32_t major = 0;
  uint32_t minor = 0;
  std::string name;               // kernel name, e.g. "sda1", "dm-0"
  uint64_t writes_completed = 0;  // field 8: writes completed successfully
  uint64_t sectors_written = 0;   // field 10: 512-byte sectors written
};

std::vector<DiskStat> ParseDiskstats(std::string_view content);

struct MountInfo {
  uint32_t major = 0;  // st_dev major of the filesystem (0 for tmpfs, overlay, nfs...)
  uint32_t minor = 0;
  std::string root;         // path of the mount's root within its filesystem
  std::string mount_point;  // octal escapes (\040 ...) decoded
  std::string fs_type;
  std::string source;  // e.g. "/dev/sda1", "overlay", "tmpfs"
};

std::vector<MountInfo> ParseMountinfo(std::string_view content);

// Decodes the kernel's octal escapes ("\040" for a space) in a mountinfo field.
std::string DecodeMountEscapes(std::string_view field);

// The entry whose mount point is exactly `path`; when several are stacked on the
// same point, the last one (the visible one). nullptr when none.
const MountInfo* FindMount(const std::vector<MountInfo>& mounts, std::string_view path);

}  // namespace periscope::subagent

#endif  // PERISCOPE_SUBAGENT_PROC_PARSERS_H_
