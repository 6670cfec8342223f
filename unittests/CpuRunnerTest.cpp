//===- CpuRunnerTest.cpp - compiling and running functions on the CPU -----===//

#include "KgenProgramTest.h"

#include "kgen/Execution/CpuRunner.h"

#include <algorithm>
#include <cmath>
#include <gtest/gtest.h>
#include <limits>
#include <vector>

using namespace mlir;
using namespace mlir::kgen;

namespace {

using CpuRunnerTest = KgenProgramTest;

constexpr llvm::StringLiteral kAddRelu = R"mlir(
func.func @main(%a: tensor<2x3xf32>, %b: tensor<3xf32>) -> tensor<2x3xf32> {
  %0 = kgen.add %a, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %1 = kgen.relu %0 : tensor<2x3xf32>
  return %1 : tensor<2x3xf32>
}
)mlir";

TEST_F(CpuRunnerTest, RunsBroadcastAddRelu) {
  auto module = parse(kAddRelu);
  ASSERT_TRUE(module);
  auto fn = CpuFunction::compile(*module, "main");
  ASSERT_TRUE(bool(fn)) << llvm::toString(fn.takeError());
  ASSERT_EQ((*fn)->inputs().size(), 2u);
  HostTensor a(ElementType::F32, {2, 3}), b(ElementType::F32, {3});
  for (int i = 0; i < 6; ++i)
    a.set(i, i - 3.0f);
  for (int i = 0; i < 3; ++i)
    b.set(i, 0.5f * i);
  auto out = (*fn)->run({a, b});
  ASSERT_TRUE(bool(out)) << llvm::toString(out.takeError());
  ASSERT_EQ(out->size(), 1u);
  for (int i = 0; i < 6; ++i)
    EXPECT_FLOAT_EQ((*out)[0].get(i),
                    std::max(0.0f, (i - 3.0f) + 0.5f * (i % 3)));
}

constexpr llvm::StringLiteral kArgmaxArgmin = R"mlir(
func.func @main(%x: tensor<3x4xbf16>) -> (tensor<3xi64>, tensor<1x4xi64>) {
  %0 = kgen.argmax %x dim 1 : tensor<3x4xbf16> -> tensor<3xi64>
  %1 = kgen.argmin %x dim 0 keepdim : tensor<3x4xbf16> -> tensor<1x4xi64>
  return %0, %1 : tensor<3xi64>, tensor<1x4xi64>
}
)mlir";

TEST_F(CpuRunnerTest, ReturnsFirstPositionsAsInt64) {
  auto module = parse(kArgmaxArgmin);
  ASSERT_TRUE(module);
  auto fn = CpuFunction::compile(*module, "main");
  ASSERT_TRUE(bool(fn)) << llvm::toString(fn.takeError());
  ASSERT_EQ((*fn)->outputs().size(), 2u);
  EXPECT_EQ((*fn)->outputs()[0].elementType, ElementType::I64);
  // Row 0 ties at 2 (first wins), row 1 holds a NaN (it wins), row 2 is
  // all -inf. Column-wise minima: -inf in row 2 everywhere, but column 1's
  // NaN wins there.
  float inf = std::numeric_limits<float>::infinity();
  HostTensor x(ElementType::BF16, {3, 4});
  float values[12] = {1, 2, 2, 0, 5, NAN, 9, NAN, -inf, -inf, -inf, -inf};
  for (int i = 0; i < 12; ++i)
    x.set(i, values[i]);
  auto out = (*fn)->run({x});
  ASSERT_TRUE(bool(out)) << llvm::toString(out.takeError());
  std::vector<double> rows, cols;
  for (int64_t i = 0; i < 3; ++i)
    rows.push_back((*out)[0].get(i));
  for (int64_t i = 0; i < 4; ++i)
    cols.push_back((*out)[1].get(i));
  EXPECT_EQ(rows, (std::vector<double>{1, 1, 0}));
  EXPECT_EQ(cols, (std::vector<double>{2, 1, 2, 1}));
}

TEST_F(CpuRunnerTest, TakesAndReturnsBoolsAsBytes) {
  // A masked cumsum and the mask of its positive sums.
  auto module = parse(R"mlir(
func.func @main(%x: tensor<2x3xf32>, %m: tensor<2x3xi8>) -> (tensor<2x3xf32>, tensor<2x3xi8>) {
  %0 = kgen.convert %m : tensor<2x3xi8> -> tensor<2x3xf32>
  %1 = kgen.mul %x, %0 : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  %2 = kgen.cumsum %1 dim 1 : tensor<2x3xf32>
  %3 = kgen.convert %2 : tensor<2x3xf32> -> tensor<2x3xi8>
  return %2, %3 : tensor<2x3xf32>, tensor<2x3xi8>
}
)mlir");
  ASSERT_TRUE(module);
  auto fn = CpuFunction::compile(*module, "main");
  ASSERT_TRUE(bool(fn)) << llvm::toString(fn.takeError());
  EXPECT_EQ((*fn)->inputs()[1].elementType, ElementType::I8);
  EXPECT_EQ((*fn)->outputs()[1].elementType, ElementType::I8);
  HostTensor x(ElementType::F32, {2, 3}), m(ElementType::I8, {2, 3});
  float xs[6] = {1, 2, 3, -1, 4, 5};
  uint8_t ms[6] = {1, 0, 1, 0, 0, 0}; // row 1 all masked
  for (int i = 0; i < 6; ++i) {
    x.set(i, xs[i]);
    m.bytes[i] = ms[i];
  }
  auto out = (*fn)->run({x, m});
  ASSERT_TRUE(bool(out)) << llvm::toString(out.takeError());
  std::vector<double> sums, nonZero;
  for (int64_t i = 0; i < 6; ++i) {
    sums.push_back((*out)[0].get(i));
    nonZero.push_back((*out)[1].get(i));
  }
  EXPECT_EQ(sums, (std::vector<double>{1, 1, 4, 0, 0, 0}));
  EXPECT_EQ(nonZero, (std::vector<double>{1, 1, 1, 0, 0, 0}));
}

TEST_F(CpuRunnerTest, LeavesInputsUntouched) {
  // A matmul accumulating into its init argument: bufferized in place, it
  // would write the sum into the caller's `c`, and a second run on the
  // same inputs would add the product again.
  auto module = parse(R"mlir(
func.func @main(%a: tensor<2x3xf32>, %b: tensor<3x2xf32>, %c: tensor<2x2xf32>) -> tensor<2x2xf32> {
  %0 = linalg.matmul ins(%a, %b : tensor<2x3xf32>, tensor<3x2xf32>) outs(%c : tensor<2x2xf32>) -> tensor<2x2xf32>
  return %0 : tensor<2x2xf32>
}
)mlir");
  ASSERT_TRUE(module);
  auto fn = CpuFunction::compile(*module, "main");
  ASSERT_TRUE(bool(fn)) << llvm::toString(fn.takeError());
  HostTensor a(ElementType::F32, {2, 3}), b(ElementType::F32, {3, 2}),
      c(ElementType::F32, {2, 2});
  for (int i = 0; i < 6; ++i) {
    a.set(i, 0.25f * i - 0.5f);
    b.set(i, 1.0f - 0.5f * i);
  }
  for (int i = 0; i < 4; ++i)
    c.set(i, 3.0f + i);
  HostTensor original = c;
  auto first = (*fn)->run({a, b, c});
  ASSERT_TRUE(bool(first)) << llvm::toString(first.takeError());
  auto second = (*fn)->run({a, b, c});
  ASSERT_TRUE(bool(second)) << llvm::toString(second.takeError());
  EXPECT_EQ(c.bytes, original.bytes);
  EXPECT_EQ((*first)[0].bytes, (*second)[0].bytes);
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t j = 0; j < 2; ++j) {
      float expected = original.get(i * 2 + j);
      for (int64_t k = 0; k < 3; ++k)
        expected += a.get(i * 3 + k) * b.get(k * 2 + j);
      EXPECT_FLOAT_EQ((*first)[0].get(i * 2 + j), expected);
    }
}

TEST_F(CpuRunnerTest, RunsOnCallerBuffersAndRefusesBadOnes) {
  auto module = parse(kAddRelu);
  ASSERT_TRUE(module);
  auto fn = CpuFunction::compile(*module, "main");
  ASSERT_TRUE(bool(fn)) << llvm::toString(fn.takeError());
  float a[6] = {-3, -2, -1, 0, 1, 2}, b[3] = {0.5f, 1, 1.5f};
  float out[6];
  std::fill(std::begin(out), std::end(out), NAN);
  llvm::Error ran = (*fn)->runOnBuffers({a, b, out});
  ASSERT_FALSE(bool(ran)) << llvm::toString(std::move(ran));
  for (int i = 0; i < 6; ++i)
    EXPECT_FLOAT_EQ(out[i], std::max(0.0f, a[i] + b[i % 3]));
  llvm::Error count = (*fn)->runOnBuffers({a, b});
  EXPECT_EQ(llvm::toString(std::move(count)),
            "expected 3 buffers (inputs then outputs), got 2");
  llvm::Error null = (*fn)->runOnBuffers({a, nullptr, out});
  EXPECT_EQ(llvm::toString(std::move(null)), "buffer 1 is null");
}

TEST_F(CpuRunnerTest, EmptyTensorsMayHaveNullBuffers) {
  // Nothing reads or writes an empty tensor: a null buffer (an empty
  // HostTensor's, or PyTorch's) is fine there.
  auto module = parse(R"mlir(
func.func @main(%a: tensor<0x3xf32>) -> tensor<0x3xf32> {
  %0 = kgen.relu %a : tensor<0x3xf32>
  return %0 : tensor<0x3xf32>
}
)mlir");
  ASSERT_TRUE(module);
  auto fn = CpuFunction::compile(*module, "main");
  ASSERT_TRUE(bool(fn)) << llvm::toString(fn.takeError());
  llvm::Error ran = (*fn)->runOnBuffers({nullptr, nullptr});
  EXPECT_FALSE(bool(ran)) << llvm::toString(std::move(ran));
}

TEST_F(CpuRunnerTest, MissingFunctionListsAvailableOnes) {
  auto module = parse(kAddRelu);
  ASSERT_TRUE(module);
  auto fn = CpuFunction::compile(*module, "nope");
  ASSERT_FALSE(bool(fn));
  std::string message = llvm::toString(fn.takeError());
  EXPECT_NE(message.find("'nope' not found"), std::string::npos);
  EXPECT_NE(message.find("available: main"), std::string::npos);
}

TEST_F(CpuRunnerTest, RejectsWrongInputs) {
  auto module = parse(kAddRelu);
  auto fn = CpuFunction::compile(*module, "main");
  ASSERT_TRUE(bool(fn)) << llvm::toString(fn.takeError());
  HostTensor a(ElementType::F32, {2, 3}), wrong(ElementType::F32, {4});
  auto out = (*fn)->run({a, wrong});
  ASSERT_FALSE(bool(out));
  EXPECT_NE(llvm::toString(out.takeError()).find("input #1 is tensor<4xf32>"),
            std::string::npos);
  auto tooFew = (*fn)->run({a});
  ASSERT_FALSE(bool(tooFew));
  EXPECT_NE(llvm::toString(tooFew.takeError()).find("expected 2 inputs"),
            std::string::npos);
}

TEST_F(CpuRunnerTest, RejectsNonTensorSignature) {
  auto module = parse(R"mlir(
func.func @main(%a: f32) -> f32 { return %a : f32 }
)mlir");
  ASSERT_TRUE(module);
  auto fn = CpuFunction::compile(*module, "main");
  ASSERT_FALSE(bool(fn));
  EXPECT_NE(llvm::toString(fn.takeError()).find("statically shaped tensors"),
            std::string::npos);
}

TEST_F(CpuRunnerTest, RunsHalfAndBFloat16) {
  for (llvm::StringRef type : {"f16", "bf16"}) {
    std::string source = (R"mlir(
func.func @main(%a: tensor<4xT>) -> tensor<4xT> {
  %0 = kgen.exp %a : tensor<4xT>
  return %0 : tensor<4xT>
})mlir");
    for (size_t pos; (pos = source.find('T')) != std::string::npos;)
      source.replace(pos, 1, type.str());
    auto module = parse(source);
    ASSERT_TRUE(module);
    auto fn = CpuFunction::compile(*module, "main");
    ASSERT_TRUE(bool(fn)) << llvm::toString(fn.takeError());
    HostTensor a((*fn)->inputs()[0].elementType, {4});
    for (int i = 0; i < 4; ++i)
      a.set(i, 0.25f * i);
    auto out = (*fn)->run({a});
    ASSERT_TRUE(bool(out)) << llvm::toString(out.takeError());
    for (int i = 0; i < 4; ++i)
      EXPECT_NEAR((*out)[0].get(i), std::exp(0.25f * i), 0.02) << type.str();
  }
}

} // namespace
