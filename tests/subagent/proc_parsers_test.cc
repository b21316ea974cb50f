#include "subagent/proc_parsers.h"

#include <gtest/gtest.h>

namespace periscope::subagent {
namespace {

constexpr char kDiskstats[] =
    "   7       0 loop0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n"
    " 254       0 vda 28717 10138 1941898 5883 11751 7207 702992 2937 0 5924 9283 7305 54 278544 "
    "408 1414 53\n"
    " 254       1 vda1 100 0 800 10 4294967295 1 18446744073709551615 9 0 1 1\n"
    " 253       0 dm-0 1 2 3 4\n"  // short (old kernel partition format): skipped
    "garbage line\n"
    " 259       0 nvme0n1 5 0 40 1 77 0 616 3 0 4 4";  // no trailing newline

TEST(ProcParsersTest, DiskstatsReadsWritesAndSectors) {
  std::vector<DiskStat> d = ParseDiskstats(kDiskstats);
  ASSERT_EQ(d.size(), 4u);
  EXPECT_EQ(d[1].name, "vda");
  EXPECT_EQ(d[1].major, 254u);
  EXPECT_EQ(d[1].writes_completed, 11751u);
  EXPECT_EQ(d[1].sectors_written, 702992u);
  EXPECT_EQ(d[2].writes_completed, 4294967295u);
  EXPECT_EQ(d[2].sectors_written, 18446744073709551615ULL);
  EXPECT_EQ(d[3].name, "nvme0n1");
  EXPECT_EQ(d[3].writes_completed, 77u);
}

TEST(ProcParsersTest, DiskstatsOfEmptyOrJunkIsEmpty) {
  EXPECT_TRUE(ParseDiskstats("").empty());
  EXPECT_TRUE(ParseDiskstats("\n\n x y z\n").empty());
  EXPECT_TRUE(ParseDiskstats("8 0 sda a b c d e f g h i j k").empty());
}

constexpr char kMountinfo[] =
    "22 27 0:21 / /proc rw,relatime - proc proc rw\n"
    "27 1 254:0 / / rw,relatime - ext4 /dev/vda rw,discard\n"
    "40 27 8:17 / /srv/my\\040data rw,relatime shared:12 master:3 - xfs /dev/sdb1 rw\n"
    "41 27 0:45 / /var/lib/docker/overlay rw - overlay overlay rw,lowerdir=/a\n"
    "42 27 0:46 /@home /home rw - btrfs /dev/mapper/vg-home rw\n"
    "43 27 0:47 / /tmp rw - tmpfs tmpfs rw\n"
    "44 27 0:47 / /tmp rw - tmpfs tmpfs rw,size=1k\n"
    "broken 1 2\n";

TEST(ProcParsersTest, MountinfoDecodesEscapesAndOptionalFields) {
  std::vector<MountInfo> m = ParseMountinfo(kMountinfo);
  ASSERT_EQ(m.size(), 7u);
  const MountInfo* data = FindMount(m, "/srv/my data");
  ASSERT_NE(data, nullptr);
  EXPECT_EQ(data->major, 8u);
  EXPECT_EQ(data->minor, 17u);
  EXPECT_EQ(data->fs_type, "xfs");
  EXPECT_EQ(data->source, "/dev/sdb1");
  const MountInfo* home = FindMount(m, "/home");
  ASSERT_NE(home, nullptr);
  EXPECT_EQ(home->major, 0u);
  EXPECT_EQ(home->root, "/@home");
  EXPECT_EQ(home->source, "/dev/mapper/vg-home");
}

TEST(ProcParsersTest, FindMountPrefersTheTopOfAStack) {
  std::vector<MountInfo> m = ParseMountinfo(kMountinfo);
  const MountInfo* tmp = FindMount(m, "/tmp");
  ASSERT_NE(tmp, nullptr);
  EXPECT_EQ(tmp->minor, 47u);
  EXPECT_EQ(FindMount(m, "/nope"), nullptr);
  EXPECT_EQ(FindMount(m, "/srv"), nullptr);  // not a mount point itself
}

TEST(ProcParsersTest, DecodeMountEscapesLeavesBadEscapesAlone) {
  EXPECT_EQ(DecodeMountEscapes("a\\040b\\011c"), "a b\tc");
  EXPECT_EQ(DecodeMountEscapes("x\\9y\\04"), "x\\9y\\04");
}

}  // namespace
}  // namespace periscope::subagent
