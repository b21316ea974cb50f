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

// A plan of two tables: columns 1.3.6.1.9.1.{2,3} walked together, then the
// scalar column 1.3.6.1.9.2.
const Oid kColA = {1, 3, 6, 1, 9, 1, 2};
const Oid kColB = {1, 3, 6, 1, 9, 1, 3};
const Oid kScalar = {1, 3, 6, 1, 9, 2};

Oid Child(const Oid& root, uint32_t index) {
  Oid o = root;
  o.push_back(index);
  return o;
}

TEST(PlanWalkTest, ColumnsOfAGroupShareOneRequestAndTheBudget) {
  WalkPlan plan{{{kColA, kColB}, {kScalar}}};
  PlanWalk w(plan, {}, 25);
  ASSERT_EQ(w.Start(), Walk::Step::kContinue);
  EXPECT_EQ(w.request(), (std::vector<Oid>{kColA, kColB}));
  EXPECT_EQ(w.repetitions(), 12);
  // Repetition-major: r0 (A.1, B.1), r1 (A.2, B.2).
  EXPECT_EQ(w.Accept({Vb(Child(kColA, 1)), Vb(Child(kColB, 1)), Vb(Child(kColA, 2)),
                      Vb(Child(kColB, 2))}),
            Walk::Step::kContinue);
  EXPECT_EQ(w.request(), (std::vector<Oid>{Child(kColA, 2), Child(kColB, 2)}));
  // A ends (runs into B), B ends (runs into the next table).
  EXPECT_EQ(w.Accept({Vb(Child(kColB, 1)), Vb({1, 3, 6, 1, 9, 1, 4, 1})}), Walk::Step::kContinue);
  EXPECT_EQ(w.request(), (std::vector<Oid>{kScalar}));
  EXPECT_EQ(w.repetitions(), 25);
  EXPECT_EQ(w.Accept({Vb(Child(kScalar, 0)), Vb({1, 3, 6, 1, 9, 3})}), Walk::Step::kDone);
  std::vector<Oid> got;
  for (const VarBind& vb : w.varbinds()) got.push_back(vb.oid);
  EXPECT_EQ(got, (std::vector<Oid>{Child(kColA, 1), Child(kColB, 1), Child(kColA, 2),
                                   Child(kColB, 2), Child(kScalar, 0)}));
}

TEST(PlanWalkTest, ATruncatedResponseContinuesEveryColumnFromItsCursor) {
  WalkPlan plan{{{kColA, kColB}}};
  PlanWalk w(plan, {}, 10);
  ASSERT_EQ(w.Start(), Walk::Step::kContinue);
  // Cut after r1c0: B got one object, A two.
  EXPECT_EQ(w.Accept({Vb(Child(kColA, 1)), Vb(Child(kColB, 1)), Vb(Child(kColA, 2))}),
            Walk::Step::kContinue);
  EXPECT_EQ(w.request(), (std::vector<Oid>{Child(kColA, 2), Child(kColB, 1)}));
  // Cut after r0c0 only: B keeps its cursor.
  EXPECT_EQ(w.Accept({Vb(Child(kColA, 3))}), Walk::Step::kContinue);
  EXPECT_EQ(w.request(), (std::vector<Oid>{Child(kColA, 3), Child(kColB, 1)}));
  // A ends (its next object is B's table); B goes on alone.
  EXPECT_EQ(w.Accept({Vb(kColB), Vb(Child(kColB, 2)), Vb(kColB), Vb(Child(kColB, 3))}),
            Walk::Step::kContinue);
  EXPECT_EQ(w.request(), (std::vector<Oid>{Child(kColB, 3)}));
  EXPECT_EQ(w.repetitions(), 10);
  EXPECT_EQ(w.Accept({Vb(kScalar, ValueType::kEndOfMibView)}), Walk::Step::kDone);
  EXPECT_EQ(w.varbinds().size(), 6u);
}

TEST(PlanWalkTest, LaterRepetitionsOfAnEndedColumnAreIgnored) {
  WalkPlan plan{{{kColA, kColB}}};
  PlanWalk w(plan, {}, 6);
  ASSERT_EQ(w.Start(), Walk::Step::kContinue);
  EXPECT_EQ(w.repetitions(), 3);
  // A has one row; its later repetitions walk on through B's subtree and
  // beyond, and must not be taken as A's (or B's) objects.
  EXPECT_EQ(w.Accept({Vb(Child(kColA, 1)), Vb(Child(kColB, 1)), Vb(Child(kColB, 1)),
                      Vb(Child(kColB, 2)), Vb(Child(kColB, 2)), Vb(Child(kColB, 3))}),
            Walk::Step::kContinue);
  EXPECT_EQ(w.request(), (std::vector<Oid>{Child(kColB, 3)}));
  EXPECT_EQ(w.repetitions(), 6);
  EXPECT_EQ(w.Accept({Vb(kScalar)}), Walk::Step::kDone);
  EXPECT_EQ(w.varbinds().size(), 4u);  // A.1, B.1, B.2, B.3
}

TEST(PlanWalkTest, AnEmptyColumnIsNormalButAnEmptyPlanIsNoSuchObject) {
  WalkPlan plan{{{kColA, kColB}, {kScalar}}};
  PlanWalk some(plan, {}, 25);
  ASSERT_EQ(some.Start(), Walk::Step::kContinue);
  EXPECT_EQ(some.Accept({Vb(kColB), Vb(kScalar)}), Walk::Step::kContinue);  // table missing
  EXPECT_EQ(some.Accept({Vb(Child(kScalar, 0)), Vb({1, 3, 6, 1, 9, 3})}), Walk::Step::kDone);
  EXPECT_EQ(some.varbinds().size(), 1u);

  PlanWalk none(plan, {}, 25);
  ASSERT_EQ(none.Start(), Walk::Step::kContinue);
  EXPECT_EQ(none.Accept({Vb(kColB), Vb(kScalar)}), Walk::Step::kContinue);
  EXPECT_EQ(none.Accept({Vb({1, 3, 6, 1, 9, 3}, ValueType::kEndOfMibView)}), Walk::Step::kFailed);
  EXPECT_EQ(none.error_class(), ErrorClass::kNoSuchObject);
  EXPECT_NE(none.error().find("1.3.6.1.9.2"), std::string::npos);

  PlanWalk empty(WalkPlan{}, {}, 25);
  EXPECT_EQ(empty.Start(), Walk::Step::kFailed);
  EXPECT_EQ(empty.error_class(), ErrorClass::kNoSuchObject);
}

TEST(PlanWalkTest, CapsCountTheWholeDevice) {
  WalkPlan plan{{{kColA}, {kColB}}};
  PlanWalk w(plan, WalkLimits{3, 1 << 20}, 25);
  ASSERT_EQ(w.Start(), Walk::Step::kContinue);
  EXPECT_EQ(w.Accept({Vb(Child(kColA, 1)), Vb(Child(kColA, 2)), Vb(kColB)}), Walk::Step::kContinue);
  // Two objects in A and two in B: within each column, over the device's 3.
  EXPECT_EQ(w.Accept({Vb(Child(kColB, 1)), Vb(Child(kColB, 2))}), Walk::Step::kFailed);
  EXPECT_EQ(w.error_class(), ErrorClass::kLimit);

  PlanWalk bytes(plan, WalkLimits{1000, 2048}, 25);
  ASSERT_EQ(bytes.Start(), Walk::Step::kContinue);
  EXPECT_EQ(
      bytes.Accept({Vb(Child(kColA, 1), ValueType::kOctets, std::string(1500, 'x')), Vb(kColB)}),
      Walk::Step::kContinue);
  EXPECT_EQ(bytes.Accept({Vb(Child(kColB, 1), ValueType::kOctets, std::string(1500, 'x'))}),
            Walk::Step::kFailed);
  EXPECT_EQ(bytes.error_class(), ErrorClass::kLimit);
}

TEST(PlanWalkTest, ProtocolFaultsFailTheDevice) {
  WalkPlan plan{{{kColA, kColB}}};
  PlanWalk empty(plan, {}, 25);
  ASSERT_EQ(empty.Start(), Walk::Step::kContinue);
  EXPECT_EQ(empty.Accept({}), Walk::Step::kFailed);
  EXPECT_EQ(empty.error_class(), ErrorClass::kProtocol);

  PlanWalk loop(plan, {}, 25);
  ASSERT_EQ(loop.Start(), Walk::Step::kContinue);
  EXPECT_EQ(loop.Accept({Vb(Child(kColA, 2)), Vb(Child(kColB, 1))}), Walk::Step::kContinue);
  EXPECT_EQ(loop.Accept({Vb(Child(kColA, 1)), Vb(Child(kColB, 2))}), Walk::Step::kFailed);
  EXPECT_EQ(loop.error_class(), ErrorClass::kProtocol);
  EXPECT_NE(loop.error().find("OID not increasing"), std::string::npos);

  PlanWalk exception(plan, {}, 25);
  ASSERT_EQ(exception.Start(), Walk::Step::kContinue);
  EXPECT_EQ(exception.Accept({Vb(Child(kColA, 1)), Vb(Child(kColB, 1), ValueType::kNoSuchObject)}),
            Walk::Step::kFailed);
  EXPECT_EQ(exception.error_class(), ErrorClass::kProtocol);
}

}  // namespace
}  // namespace periscope::poller
