//===- HostTensorTest.cpp - element conversions and tensor helpers --------===//

#include "kgen/Support/HostTensor.h"

#include "llvm/ADT/STLExtras.h"

#include <cmath>
#include <cstring>
#include <gtest/gtest.h>
#include <limits>
#include <random>

using namespace mlir::kgen;

namespace {

TEST(HalfConversion, ExactValuesRoundTrip) {
  for (float v : {0.0f, -0.0f, 1.0f, -2.5f, 65504.0f, 6.103515625e-05f,
                  5.9604644775390625e-08f /* smallest subnormal */}) {
    EXPECT_EQ(halfToFloat(floatToHalf(v)), v) << v;
  }
}

TEST(HalfConversion, KnownBitPatterns) {
  EXPECT_EQ(floatToHalf(1.0f), 0x3c00);
  EXPECT_EQ(floatToHalf(-2.0f), 0xc000);
  EXPECT_EQ(floatToHalf(65504.0f), 0x7bff);
  EXPECT_EQ(floatToHalf(1e6f), 0x7c00);  // overflow to +inf
  EXPECT_EQ(floatToHalf(1e-9f), 0x0000); // underflow to zero
  EXPECT_TRUE(std::isnan(halfToFloat(floatToHalf(NAN))));
}

TEST(HalfConversion, RoundsToNearestEven) {
  // 1 + 2^-11 lies exactly between 1 and 1 + 2^-10: ties go to even (1).
  EXPECT_EQ(floatToHalf(1.0f + std::ldexp(1.0f, -11)), 0x3c00);
  // 1 + 3 * 2^-11 lies between 1+2^-10 (odd) and 1+2^-9 (even).
  EXPECT_EQ(floatToHalf(1.0f + 3 * std::ldexp(1.0f, -11)), 0x3c02);
}

TEST(HalfConversion, ErrorWithinHalfUlpOnRandomValues) {
  std::mt19937 gen(7);
  std::uniform_real_distribution<float> dist(-1000.0f, 1000.0f);
  for (int i = 0; i < 10000; ++i) {
    float v = dist(gen);
    float r = halfToFloat(floatToHalf(v));
    float ulp = std::ldexp(1.0f, std::ilogb(v) - 10);
    EXPECT_LE(std::fabs(r - v), ulp / 2) << v;
  }
}

TEST(BFloat16Conversion, RoundsToNearestEven) {
  EXPECT_EQ(floatToBFloat16(1.0f), 0x3f80);
  EXPECT_EQ(bfloat16ToFloat(0x3f80), 1.0f);
  // 1 + 2^-8 is halfway between 1 and 1 + 2^-7: ties to even (1).
  EXPECT_EQ(floatToBFloat16(1.0f + std::ldexp(1.0f, -8)), 0x3f80);
  EXPECT_EQ(floatToBFloat16(1.0f + 3 * std::ldexp(1.0f, -8)), 0x3f82);
  EXPECT_TRUE(std::isnan(bfloat16ToFloat(floatToBFloat16(NAN))));
}

TEST(HostTensor, PoisonMakesEveryElementNaN) {
  for (ElementType type :
       {ElementType::F32, ElementType::F16, ElementType::BF16}) {
    HostTensor t(type, {3, 5});
    t.poison();
    for (int64_t i = 0; i < t.numElements(); ++i)
      EXPECT_TRUE(std::isnan(t.get(i)));
    TensorStats stats = computeStats(t);
    EXPECT_EQ(stats.nanCount, 15);
  }
}

TEST(HostTensor, Int64PositionsAreExactAndPoisonIsNegative) {
  HostTensor t(ElementType::I64, {3});
  EXPECT_EQ(t.bytes.size(), 24u);
  EXPECT_EQ(t.typeString(), "tensor<3xi64>");
  t.set(0, 7.0);
  t.set(1, 16777217.0); // not an f32 value
  t.set(2, std::nan(""));
  EXPECT_EQ(t.get(0), 7.0);
  EXPECT_EQ(t.get(1), 16777217.0);
  EXPECT_LT(t.get(2), 0.0);
  t.poison();
  for (int64_t i = 0; i < 3; ++i)
    EXPECT_EQ(t.get(i), double(std::numeric_limits<int64_t>::min()));
}

TEST(HostTensor, BoolsAreOneByteAndPoisonIsNoBool) {
  HostTensor t(ElementType::I8, {4});
  EXPECT_EQ(t.bytes.size(), 4u);
  EXPECT_EQ(t.typeString(), "tensor<4xi8>");
  EXPECT_TRUE(isIntegerElement(t.elementType));
  t.set(0, 1.0);
  t.set(1, 0.0);
  t.set(2, std::nan(""));
  t.set(3, 300.0); // out of range: poison, not a wrapped value
  EXPECT_EQ(t.get(0), 1.0);
  EXPECT_EQ(t.get(1), 0.0);
  EXPECT_EQ(t.get(2), -1.0);
  EXPECT_EQ(t.get(3), -1.0);
  t.poison();
  for (int64_t i = 0; i < 4; ++i)
    EXPECT_EQ(t.get(i), -1.0);
  std::mt19937 generator(3);
  HostTensor flags(ElementType::I8, {1000});
  fillRandom(flags, generator, 7);
  int64_t trues = 0;
  for (int64_t i = 0; i < flags.numElements(); ++i) {
    ASSERT_TRUE(flags.get(i) == 0.0 || flags.get(i) == 1.0);
    trues += flags.get(i) == 1.0;
  }
  EXPECT_GT(trues, 400);
  EXPECT_LT(trues, 600);
}

TEST(HostTensor, RandomPositionsCoverTheExtentAndOneOutside) {
  std::mt19937 generator(5);
  HostTensor positions(ElementType::I64, {4000});
  fillRandom(positions, generator, 7);
  std::vector<int> seen(9, 0);
  for (int64_t i = 0; i < positions.numElements(); ++i) {
    double p = positions.get(i);
    ASSERT_GE(p, -1.0);
    ASSERT_LE(p, 7.0);
    ++seen[static_cast<int>(p) + 1];
  }
  EXPECT_TRUE(llvm::all_of(seen, [](int n) { return n > 0; }));
  HostTensor values(ElementType::F16, {100});
  fillRandom(values, generator, 7);
  for (int64_t i = 0; i < values.numElements(); ++i)
    EXPECT_TRUE(values.get(i) >= -1.0 && values.get(i) <= 1.0);
}

TEST(HostTensor, TypeStringAndStats) {
  HostTensor t(ElementType::BF16, {2, 2});
  EXPECT_EQ(t.typeString(), "tensor<2x2xbf16>");
  t.set(0, 1.0f);
  t.set(1, -3.0f);
  t.set(2, std::numeric_limits<float>::infinity());
  t.set(3, 2.0f);
  TensorStats stats = computeStats(t);
  EXPECT_EQ(stats.min, -3.0);
  EXPECT_EQ(stats.max, 2.0);
  EXPECT_EQ(stats.infCount, 1);
  EXPECT_EQ(HostTensor(ElementType::F32, {}).typeString(), "tensor<f32>");
}

} // namespace

namespace {
TEST(TensorBytes, CountsAndRefusesOverflow) {
  using mlir::kgen::ElementType;
  using mlir::kgen::tensorBytes;
  EXPECT_EQ(tensorBytes(ElementType::F32, {4, 5}), 80u);
  EXPECT_EQ(tensorBytes(ElementType::BF16, {0, 7}), 0u);
  EXPECT_EQ(tensorBytes(ElementType::F16, {}), 2u);
  EXPECT_EQ(tensorBytes(ElementType::F32, {1ll << 30, 1ll << 30}),
            uint64_t(1) << 62);
  // 2^64 bytes, and 2^64 elements that wrap to 0.
  EXPECT_EQ(tensorBytes(ElementType::F32, {1ll << 31, 1ll << 31}),
            std::nullopt);
  EXPECT_EQ(tensorBytes(ElementType::F32, {0, 1ll << 32, 1ll << 32}), 0u);
  EXPECT_EQ(tensorBytes(ElementType::F32, {1ll << 32, 1ll << 32}),
            std::nullopt);
  EXPECT_EQ(tensorBytes(ElementType::F32, {-1, 4}), std::nullopt);
}
} // namespace
