#include "subagent/proc_parsers.h"

#include "core/strings.h"

namespace periscope::subagent {
namespace {

bool ParseU32(std::string_view s, uint32_t* out) {
  auto v = ParseUint64(s);
  if (!v || *v > 0xffffffffULL) return false;
  *out = static_cast<uint32_t>(*v);
  return true;
}

}  // namespace

std::vector<DiskStat> ParseDiskstats(std::string_view content) {
  std::vector<DiskStat> out;
  size_t pos = 0;
  while (pos < content.size()) {
    size_t end = content.find('\n', pos);
    if (end == std::string_view::npos) end = content.size();
    std::string_view line = content.substr(pos, end - pos);
    pos = end + 1;
    std::vector<std::string_view> f = SplitWhitespace(line);
    // major minor name reads rmerged rsectors rms writes wmerged wsectors ...
    if (f.size() < 10) continue;
    DiskStat d;
    auto writes = ParseUint64(f[7]);
    auto sectors = ParseUint64(f[9]);
    if (!ParseU32(f[0], &d.major) || !ParseU32(f[1], &d.minor) || !writes || !sectors) continue;
    d.name = std::string(f[2]);
    d.writes_completed = *writes;
    d.sectors_written = *sectors;
    out.push_back(std::move(d));
  }
  return out;
}

std::string DecodeMountEscapes(std::string_view field) {
  std::string out;
  out.reserve(field.size());
  for (size_t i = 0; i < field.size(); ++i) {
    if (field[i] == '\\' && i + 3 < field.size()) {
      char a = field[i + 1], b = field[i + 2], c = field[i + 3];
      if (a >= '0' && a <= '3' && b >= '0' && b <= '7' && c >= '0' && c <= '7') {
        out += static_cast<char>((a - '0') * 64 + (b - '0') * 8 + (c - '0'));
        i += 3;
        continue;
      }
    }
    out += field[i];
  }
  return out;
}

std::vector<MountInfo> ParseMountinfo(std::string_view content) {
  std::vector<MountInfo> out;
  size_t pos = 0;
  while (pos < content.size()) {
    size_t end = content.find('\n', pos);
    if (end == std::string_view::npos) end = content.size();
    std::string_view line = content.substr(pos, end - pos);
    pos = end + 1;
    // id parent major:minor root mount-point options [optional...] - fstype source super-options
    std::vector<std::string_view> f = SplitWhitespace(line);
    if (f.size() < 7) continue;
    size_t sep = 6;
    while (sep < f.size() && f[sep] != "-") ++sep;
    if (sep + 1 >= f.size()) continue;  // no "-" separator or no fs type
    std::string_view devno = f[2];
    size_t colon = devno.find(':');
    if (colon == std::string_view::npos) continue;
    MountInfo m;
    if (!ParseU32(devno.substr(0, colon), &m.major) || !ParseU32(devno.substr(colon + 1), &m.minor))
      continue;
    m.root = DecodeMountEscapes(f[3]);
    m.mount_point = DecodeMountEscapes(f[4]);
    m.fs_type = std::string(f[sep + 1]);
    if (sep + 2 < f.size()) m.source = DecodeMountEscapes(f[sep + 2]);
    out.push_back(std::move(m));
  }
  return out;
}

const MountInfo* FindMount(const std::vector<MountInfo>& mounts, std::string_view path) {
  const MountInfo* found = nullptr;
  for (const MountInfo& m : mounts) {
    if (m.mount_point == path) found = &m;
  }
  return found;
}

}  // namespace periscope::subagent
