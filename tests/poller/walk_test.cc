#include "poller/walk.h"

#include <gtest/gtest.h>

namespace periscope::poller {
namespace {

using snmp::Oid;
using snmp::ValueType;
using snmp::VarBind;

VarBind Vb(Oid oid, ValueType type = ValueType::kInteger, std::string octets = "") {
  VarBind v;
  v.oid = std::move(oid);
  v.type = type;
  v.octets = std::move(octets);
  return v;
}

const Oid kRoot = {1, 3, 6, 1, 4, 1, 9};

TEST(WalkTest, CollectsUntilTheSubtreeEnds) {
  Walk w(kRoot, {});
  EXPECT_EQ(w.Accept({Vb({1, 3, 6, 1, 4, 1, 9, 1}), Vb({1, 3, 6, 1, 4, 1, 9, 2})}),
            Walk::Step::kContinue);
  EXPECT_EQ(w.cursor(), (Oid{1, 3, 6, 1, 4, 1, 9, 2}));
  EXPECT_EQ(w.Accept({Vb({1, 3, 6, 1, 4, 1, 9, 3}), Vb({1, 3, 6, 1, 4, 1, 10})}),
            Walk::Step::kDone);
  EXPECT_EQ(w.varbinds().size(), 3u);
}

TEST(WalkTest, EndOfMibViewEndsTheWalk) {
  Walk w(kRoot, {});
  EXPECT_EQ(w.Accept({Vb({1, 3, 6, 1, 4, 1, 9, 1}),
                      Vb({1, 3, 6, 1, 4, 1, 9, 1, 5}, ValueType::kEndOfMibView)}),
            Walk::Step::kDone);
  EXPECT_EQ(w.varbinds().size(), 1u);
}

TEST(WalkTest, NothingUnderTheRootIsNoSuchObject) {
  Walk w(kRoot, {});
  EXPECT_EQ(w.Accept({Vb({1, 3, 6, 1, 4, 1, 10})}), Walk::Step::kFailed);
  EXPECT_EQ(w.error_class(), ErrorClass::kNoSuchObject);
  EXPECT_NE(w.error().find("not attached"), std::string::npos);
}

TEST(WalkTest, NonIncreasingOidsFailAsProtocolErrors) {
  struct Case {
    std::vector<Oid> oids;
  };
  const Case cases[] = {
      {{{1, 3, 6, 1, 4, 1, 9, 2}, {1, 3, 6, 1, 4, 1, 9, 2}}},     // equal
      {{{1, 3, 6, 1, 4, 1, 9, 2}, {1, 3, 6, 1, 4, 1, 9, 1, 7}}},  // lower
      {{{1, 3, 6, 1, 4, 1, 9, 2, 1}, {1, 3, 6, 1, 4, 1, 9, 2}}},  // a prefix is lower
      {{{1, 3, 6, 1, 4, 1, 9, 4294967295u}, {1, 3, 6, 1, 4, 1, 9, 5}}},
  };
  for (const Case& c : cases) {
    Walk w(kRoot, {});
    std::vector<VarBind> vbs;
    for (const Oid& o : c.oids) vbs.push_back(Vb(o));
    EXPECT_EQ(w.Accept(vbs), Walk::Step::kFailed);
    EXPECT_EQ(w.error_class(), ErrorClass::kProtocol);
    EXPECT_NE(w.error().find("OID not increasing"), std::string::npos);
  }
  Walk w(kRoot, {});
  EXPECT_EQ(w.Accept({Vb({1, 3, 6, 1, 4, 1, 9, 2})}), Walk::Step::kContinue);
  EXPECT_EQ(w.Accept({Vb({1, 3, 6, 1, 4, 1, 9, 2})}), Walk::Step::kFailed);  // across responses
}

TEST(WalkTest, RowAndByteCapsEndAnEndlessAgent) {
  Walk rows(kRoot, WalkLimits{10, 1 << 20});
  Walk::Step step = Walk::Step::kContinue;
  uint32_t n = 0;
  while (step == Walk::Step::kContinue && n < 1000) {
    step = rows.Accept({Vb({1, 3, 6, 1, 4, 1, 9, ++n})});
  }
  EXPECT_EQ(step, Walk::Step::kFailed);
  EXPECT_EQ(rows.error_class(), ErrorClass::kLimit);
  EXPECT_EQ(n, 11u);

  Walk bytes(kRoot, WalkLimits{1000, 2048});
  step = bytes.Accept({Vb({1, 3, 6, 1, 4, 1, 9, 1}, ValueType::kOctets, std::string(1500, 'x')),
                       Vb({1, 3, 6, 1, 4, 1, 9, 2}, ValueType::kOctets, std::string(1500, 'x'))});
  EXPECT_EQ(step, Walk::Step::kFailed);
  EXPECT_EQ(bytes.error_class(), ErrorClass::kLimit);
}

TEST(WalkTest, ExceptionInsideTheSubtreeIsAProtocolError) {
  Walk w(kRoot, {});
  EXPECT_EQ(w.Accept({Vb({1, 3, 6, 1, 4, 1, 9, 1}, ValueType::kNoSuchInstance)}),
            Walk::Step::kFailed);
  EXPECT_EQ(w.error_class(), ErrorClass::kProtocol);
}

}  // namespace
}  // namespace periscope::poller
