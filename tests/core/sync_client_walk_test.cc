// SnmpClient::BulkWalk's bounds against hand-made misbehaving agents on
// loopback (tests/support/bad_agent.h): every walk ends, keeps what it
// accepted and says why it stopped.
#include <chrono>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/snmp/sync_client.h"
#include "tests/support/bad_agent.h"

namespace periscope::snmp {
namespace {

using std::chrono::milliseconds;
using testing::BadAgent;
using ::testing::HasSubstr;

const Oid kRoot = {1, 3, 6, 1, 4, 1, 8072, 9999, 9999, 1};

std::unique_ptr<SnmpClient> Connect(const BadAgent& agent, int timeout_ms = 1000, int retries = 1) {
  auto client = SnmpClient::Open("udp:127.0.0.1:" + std::to_string(agent.port()),
                                 Credentials{"public", "", "", ""}, timeout_ms, retries);
  EXPECT_TRUE(client.ok()) << client.status().ToString();
  return client.ok() ? std::move(*client) : nullptr;
}

Oid Row(uint32_t n) {
  Oid oid = kRoot;
  oid.push_back(1);
  oid.push_back(n);
  return oid;
}

TEST(BulkWalkTest, EndlessAgentStopsAtMaxObjectsKeepingExactlyThatMany) {
  BadAgent agent(BadAgent::Mode::kEndlessRows, kRoot);
  auto client = Connect(agent);
  ASSERT_NE(client, nullptr);
  WalkLimits limits;
  limits.max_objects = 25;
  WalkResult w = client->BulkWalk(kRoot, 10, limits);
  EXPECT_EQ(w.end, WalkEnd::kMaxObjects);
  EXPECT_FALSE(w.complete());
  EXPECT_EQ(w.status.code(), StatusCode::kResourceExhausted);
  EXPECT_THAT(w.status.message(), HasSubstr("more than 25 objects"));
  ASSERT_EQ(w.varbinds.size(), 25u);
  EXPECT_EQ(w.varbinds.front().oid, Row(1));
  EXPECT_EQ(w.varbinds.back().oid, Row(25));
  EXPECT_STREQ(WalkEndName(w.end), "max-objects");
}

TEST(BulkWalkTest, EndlessAgentWithDefaultLimitsStopsAtTheDefaultObjectCap) {
  BadAgent agent(BadAgent::Mode::kEndlessRows, kRoot);
  auto client = Connect(agent);
  ASSERT_NE(client, nullptr);
  WalkResult w = client->BulkWalk(kRoot, 25);
  EXPECT_EQ(w.end, WalkEnd::kMaxObjects);
  EXPECT_EQ(w.varbinds.size(), WalkLimits{}.max_objects);
}

TEST(BulkWalkTest, EndlessAgentStopsBeforeTheByteCap) {
  BadAgent agent(BadAgent::Mode::kEndlessRows, kRoot);
  auto client = Connect(agent);
  ASSERT_NE(client, nullptr);
  WalkLimits limits;
  limits.max_bytes = 100;  // 8 per INTEGER object: 12 objects fit
  WalkResult w = client->BulkWalk(kRoot, 10, limits);
  EXPECT_EQ(w.end, WalkEnd::kMaxBytes);
  EXPECT_EQ(w.status.code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(w.varbinds.size(), 12u);
  EXPECT_EQ(w.bytes, 96u);
}

TEST(BulkWalkTest, EndlessAgentStopsAtTheDeadline) {
  BadAgent agent(BadAgent::Mode::kEndlessRows, kRoot);
  auto client = Connect(agent);
  ASSERT_NE(client, nullptr);
  WalkLimits limits;
  limits.max_objects = SIZE_MAX;
  limits.max_bytes = SIZE_MAX;
  limits.deadline = milliseconds(300);
  auto t0 = std::chrono::steady_clock::now();
  WalkResult w = client->BulkWalk(kRoot, 10, limits);
  auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_EQ(w.end, WalkEnd::kDeadline);
  EXPECT_EQ(w.status.code(), StatusCode::kDeadlineExceeded);
  EXPECT_GT(w.varbinds.size(), 0u);
  EXPECT_GE(took, milliseconds(300));
  EXPECT_LT(took, milliseconds(1500));
}

TEST(BulkWalkTest, SilentAgentStopsAtTheDeadlineNotAfterEveryRetry) {
  BadAgent agent(BadAgent::Mode::kSilent, kRoot);
  auto client = Connect(agent, /*timeout_ms=*/1500, /*retries=*/1);  // 3 s without a deadline
  ASSERT_NE(client, nullptr);
  WalkLimits limits;
  limits.deadline = milliseconds(400);
  auto t0 = std::chrono::steady_clock::now();
  WalkResult w = client->BulkWalk(kRoot, 10, limits);
  auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_EQ(w.end, WalkEnd::kDeadline) << w.status.ToString();
  EXPECT_TRUE(w.varbinds.empty());
  EXPECT_GE(took, milliseconds(400));
  EXPECT_LT(took, milliseconds(1200));
  // The deadline shortened one walk's requests only: a GET waits as configured.
  auto t1 = std::chrono::steady_clock::now();
  Response r = client->Get({kRoot});
  EXPECT_TRUE(r.timeout);
  EXPECT_GE(std::chrono::steady_clock::now() - t1, milliseconds(2900));
}

TEST(BulkWalkTest, SilentAgentIsNoAnswerWithNetSnmpsReason) {
  BadAgent agent(BadAgent::Mode::kSilent, kRoot);
  auto client = Connect(agent, /*timeout_ms=*/100, /*retries=*/0);
  ASSERT_NE(client, nullptr);
  WalkResult w = client->BulkWalk(kRoot, 10);
  EXPECT_EQ(w.end, WalkEnd::kNoAnswer);
  EXPECT_EQ(w.status.code(), StatusCode::kUnavailable);
  EXPECT_THAT(w.status.message(), HasSubstr("no answer after 0 objects (Timeout)"));
}

TEST(BulkWalkTest, LoopingAgentStopsAtTheFirstRepeatedOid) {
  BadAgent agent(BadAgent::Mode::kRepeatOid, kRoot);
  auto client = Connect(agent);
  ASSERT_NE(client, nullptr);
  WalkResult w = client->BulkWalk(kRoot, 10);
  EXPECT_EQ(w.end, WalkEnd::kOidNotIncreasing);
  EXPECT_EQ(w.status.code(), StatusCode::kDataLoss);
  std::string row = OidToString(Row(1));
  EXPECT_THAT(w.status.message(), HasSubstr("OID not increasing: " + row + " after " + row));
  ASSERT_EQ(w.varbinds.size(), 1u);
  EXPECT_EQ(w.varbinds[0].oid, Row(1));
}

TEST(BulkWalkTest, RefusesMaxRepetitionsBelowOneWithoutSending) {
  BadAgent agent(BadAgent::Mode::kEndlessRows, kRoot);
  auto client = Connect(agent);
  ASSERT_NE(client, nullptr);
  WalkResult w = client->BulkWalk(kRoot, 0);
  EXPECT_FALSE(w.complete());
  EXPECT_EQ(w.status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(agent.requests(), 0);
}

}  // namespace
}  // namespace periscope::snmp
