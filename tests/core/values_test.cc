// The Counter64 packer and the typed varbind setters (core/snmp/values.h); no
// network traffic.
#include "core/snmp/values.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

// clang-format off
#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
// clang-format on

#include "core/snmp/sync_client.h"

namespace periscope::snmp {
namespace {

TEST(Counter64Test, PackSplitsIntoHighAndLowHalves) {
  counter64 c = PackCounter64(0x0123456789abcdefULL);
  EXPECT_EQ(c.high, 0x01234567UL);
  EXPECT_EQ(c.low, 0x89abcdefUL);
}

TEST(Counter64Test, UnpackInvertsPackAtTheEdges) {
  const uint64_t kValues[] = {
      0, 1, 0xffffffffULL, 0x100000000ULL, 8ULL << 30, UINT64_MAX - 1, UINT64_MAX};
  for (uint64_t v : kValues) {
    EXPECT_EQ(UnpackCounter64(PackCounter64(v)), v) << v;
  }
}

TEST(Counter64Test, UnpackIgnoresBitsAboveThirtyTwoInEachHalf) {
  counter64 c{};
  c.high = static_cast<u_long>(~0UL);  // all ones: only the low 32 bits count
  c.low = static_cast<u_long>(~0UL);
  EXPECT_EQ(UnpackCounter64(c), UINT64_MAX);
  c.high = 0;
  c.low = static_cast<u_long>(~0UL);
  EXPECT_EQ(UnpackCounter64(c), 0xffffffffULL);
}

TEST(Counter64Test, SetCounter64ReadsBackThroughVarBindFrom) {
  netsnmp_variable_list vb{};
  oid name[] = {1, 3, 6, 1};
  ASSERT_EQ(snmp_set_var_objid(&vb, name, 4), 0);
  ASSERT_TRUE(SetCounter64(&vb, 0xfedcba9876543210ULL));
  VarBind back = VarBindFrom(&vb);
  EXPECT_EQ(back.type, ValueType::kCounter64);
  EXPECT_EQ(back.unsigned_value, 0xfedcba9876543210ULL);
  snmp_free_var_internals(&vb);
}

TEST(VarBindFromTest, IpAddressKeepsItsFourOctets) {
  netsnmp_variable_list vb{};
  oid name[] = {1, 3, 6, 1, 2, 1, 4, 20, 1, 3, 10, 8, 0, 2};
  ASSERT_EQ(snmp_set_var_objid(&vb, name, 14), 0);
  const u_char mask[] = {255, 255, 0, 0};
  ASSERT_EQ(snmp_set_var_typed_value(&vb, ASN_IPADDRESS, mask, sizeof mask), 0);
  VarBind back = VarBindFrom(&vb);
  EXPECT_EQ(static_cast<int>(back.type), 0x40);
  EXPECT_EQ(back.octets, std::string("\xff\xff\x00\x00", 4));
  EXPECT_EQ(DescribeValue(back), "IpAddress");
  snmp_free_var_internals(&vb);
}

}  // namespace
}  // namespace periscope::snmp
