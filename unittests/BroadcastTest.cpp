//===- BroadcastTest.cpp - shape rules shared by verifiers and lowering ---===//

#include "kgen/Dialect/Kgen/KgenOps.h"

#include <gtest/gtest.h>

using namespace mlir::kgen;

namespace {

TEST(BroadcastShapes, AlignsOnTheRight) {
  auto shape = broadcastShapes({4, 5}, {5});
  ASSERT_TRUE(shape.has_value());
  EXPECT_EQ(llvm::ArrayRef<int64_t>(*shape), llvm::ArrayRef<int64_t>({4, 5}));
}

TEST(BroadcastShapes, StretchesSizeOneOnBothSides) {
  auto shape = broadcastShapes({3, 1, 7}, {2, 1});
  ASSERT_TRUE(shape.has_value());
  EXPECT_EQ(llvm::ArrayRef<int64_t>(*shape),
            llvm::ArrayRef<int64_t>({3, 2, 7}));
}

TEST(BroadcastShapes, ScalarBroadcastsToAnything) {
  auto shape = broadcastShapes({}, {2, 3});
  ASSERT_TRUE(shape.has_value());
  EXPECT_EQ(llvm::ArrayRef<int64_t>(*shape), llvm::ArrayRef<int64_t>({2, 3}));
}

TEST(BroadcastShapes, RejectsMismatch) {
  EXPECT_FALSE(broadcastShapes({4, 5}, {3}).has_value());
  EXPECT_FALSE(broadcastShapes({2, 4}, {3, 4}).has_value());
}

TEST(ReducedShape, KeepdimAndDrop) {
  EXPECT_EQ(reducedShape({2, 3, 4}, {1}, false),
            llvm::SmallVector<int64_t>({2, 4}));
  EXPECT_EQ(reducedShape({2, 3, 4}, {0, 2}, true),
            llvm::SmallVector<int64_t>({1, 3, 1}));
  EXPECT_TRUE(reducedShape({2, 3}, {0, 1}, false).empty());
}

} // namespace
