//===- CompareOutputsTest.cpp - rung 4's tolerance ------------------------===//

#include "kgen/Schedule/KernelInfo.h"
#include "kgen/Support/HostTensor.h"
#include "kgen/Verify/KernelVerifier.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/MLIRContext.h"

#include <gtest/gtest.h>
#include <random>

using namespace mlir;
using namespace mlir::kgen;

namespace {

/// A matmul-like kernel summary: `rows` outputs, each a sum of `length`.
KernelInfo rowSums(MLIRContext &ctx, int64_t rows, int64_t length) {
  KernelInfo info;
  info.elementType = Float32Type::get(&ctx);
  info.rootLoops = {rows, length};
  info.rootParallel = {true, false};
  return info;
}

/// Outputs drawn around `scale`, and a copy with element 0 set near zero
/// in both (a cancellation) and off by `error` in the copy.
std::pair<HostTensor, HostTensor> outputs(double scale, double error) {
  HostTensor want(ElementType::F32, {256});
  std::mt19937 gen(3);
  std::normal_distribution<float> dist(0.0f, static_cast<float>(scale));
  for (int64_t i = 0; i < 256; ++i)
    want.set(i, dist(gen));
  want.set(0, -0.48f);
  HostTensor got = want;
  got.set(0, static_cast<float>(-0.48 + error));
  return {std::move(got), std::move(want)};
}

TEST(CompareOutputs, CancellationInALargeSumGetsItsNeighboursAllowance) {
  // A K = 2048 matmul of inputs in [-1, 1]: outputs of RMS about 15, and
  // a reordered sum (split-K) off by 1.2e-4 on an output near zero, about
  // three times the typical rounding of such a sum: accepted.
  MLIRContext ctx;
  KernelInfo info = rowSums(ctx, 256, 2048);
  auto [got, want] = outputs(15.0, 1.2e-4);
  EXPECT_TRUE(compareOutputs({got}, {want}, info).accepted);
  // Off by 1e-2, a wrong result rather than rounding: rejected, and the
  // message gives the numbers in full.
  auto [wrong, want2] = outputs(15.0, 1e-2);
  Verdict verdict = compareOutputs({wrong}, {want2}, info);
  EXPECT_FALSE(verdict.accepted);
  EXPECT_EQ(verdict.reason, Reason::NumericalMismatch);
  EXPECT_NE(verdict.message.find("e-01"), std::string::npos) << verdict.message;
}

TEST(CompareOutputs, SmallOutputsKeepTheTightAllowance) {
  // Outputs of order 1 (a normalization): the same 1.2e-4 is rejected.
  MLIRContext ctx;
  KernelInfo info = rowSums(ctx, 256, 2048);
  auto [got, want] = outputs(0.5, 1.2e-4);
  EXPECT_FALSE(compareOutputs({got}, {want}, info).accepted);
}

TEST(CompareOutputs, PositionsMustMatchExactly) {
  // argmax's i64 positions: off by one is wrong at any reduction length.
  MLIRContext ctx;
  KernelInfo info = rowSums(ctx, 4, 1 << 20);
  HostTensor want(ElementType::I64, {4});
  for (int64_t i = 0; i < 4; ++i)
    want.set(i, 1000.0 * i);
  HostTensor got = want;
  EXPECT_TRUE(compareOutputs({got}, {want}, info).accepted);
  got.set(3, 3001.0);
  Verdict verdict = compareOutputs({got}, {want}, info);
  EXPECT_FALSE(verdict.accepted);
  EXPECT_NE(verdict.message.find("element 3"), std::string::npos)
      << verdict.message;
}

} // namespace
