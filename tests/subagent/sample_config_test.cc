// The commented sample in etc/ must always load: customers start from it.
#include <gtest/gtest.h>

#include "subagent/config.h"

namespace periscope::subagent {
namespace {

TEST(SampleConfigTest, ShippedSampleLoadsAndMonitorsRoot) {
  auto c = LoadSubagentConfig(std::string(PERISCOPE_SOURCE_DIR) + "/etc/periscope-subagent.xml");
  ASSERT_TRUE(c.ok()) << c.status().message();
  ASSERT_EQ(c->devices.size(), 1u);
  EXPECT_EQ(c->devices[0].mount_points, std::vector<std::string>{"/"});
  EXPECT_EQ(c->agentx_socket.find("tcp"), std::string::npos) << "sample must not use TCP AgentX";
}

}  // namespace
}  // namespace periscope::subagent
