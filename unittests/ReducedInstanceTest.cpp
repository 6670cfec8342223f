//===- ReducedInstanceTest.cpp - kernels cut to a few schedule tiles ------===//

#include "kgen/Verify/ReducedInstance.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Parser/Parser.h"

#include <gtest/gtest.h>

using namespace mlir;
using namespace mlir::kgen;
using nlohmann::json;

namespace {

TEST(ReducedLoopSize, KeepsTwoTilesAndTheRemainder) {
  EXPECT_EQ(reducedLoopSize(4096, {64}, 128), 128);
  // 100 = 3 * 32 + 4: two whole tiles and the same partial one.
  EXPECT_EQ(reducedLoopSize(100, {32}, 64), 68);
  // Every tile keeps its remainder: lcm(64, 96) = 192, 4096 % 192 = 64.
  EXPECT_EQ(reducedLoopSize(4096, {64, 96}, 192), 256);
  EXPECT_EQ(reducedLoopSize(4096, {64}, 4 * 64), 256);
  // Nothing to gain: the loop keeps its size.
  EXPECT_EQ(reducedLoopSize(128, {64}, 128), 128);
  EXPECT_EQ(reducedLoopSize(50, {64}, 128), 50);
  EXPECT_EQ(reducedLoopSize(1000, {7, 11, 13}, 2002), 1000);
}

class ReducedInstance : public ::testing::Test {
protected:
  ReducedInstance() {
    context.loadDialect<arith::ArithDialect, func::FuncDialect,
                        linalg::LinalgDialect, tensor::TensorDialect>();
  }

  /// Parses `source` (one kernel function) and cuts it under `json`.
  /// Returns the reduced kernel's function type, "whole" when nothing was
  /// cut, or "failed".
  std::string reduce(llvm::StringRef source, const nlohmann::json &json) {
    module = parseSourceString<ModuleOp>(source, &context);
    if (!module)
      return "unparsable test kernel";
    auto kernel = *module->getOps<func::FuncOp>().begin();
    auto info = describeKernel(kernel);
    if (!info)
      return llvm::toString(info.takeError());
    Schedule schedule;
    Verdict verdict = parseSchedule(json, *info, schedule);
    if (!verdict.accepted)
      return "bad schedule: " + verdict.message;
    auto reduced = buildReducedKernel(kernel, *info, schedule);
    if (failed(reduced))
      return "failed";
    if (!*reduced)
      return "whole";
    std::string type;
    llvm::raw_string_ostream(type) << (*reduced)->getFunctionType();
    return type;
  }

  MLIRContext context;
  OwningOpRef<ModuleOp> module;
};

constexpr const char *kGemmRelu = R"mlir(
#id = affine_map<(d0, d1) -> (d0, d1)>
func.func @k(%a: tensor<256x1024xf32>, %b: tensor<1024x512xf32>)
    -> tensor<256x512xf32> attributes {kgen.kernel} {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<256x512xf32>
  %f = linalg.fill {kgen.op = 0 : i64} ins(%zero : f32)
      outs(%e : tensor<256x512xf32>) -> tensor<256x512xf32>
  %m = linalg.matmul {kgen.op = 1 : i64, kgen.root}
      ins(%a, %b : tensor<256x1024xf32>, tensor<1024x512xf32>)
      outs(%f : tensor<256x512xf32>) -> tensor<256x512xf32>
  %r = linalg.generic {indexing_maps = [#id, #id],
                       iterator_types = ["parallel", "parallel"]}
      ins(%m : tensor<256x512xf32>) outs(%e : tensor<256x512xf32>)
      attrs = {kgen.op = 2 : i64, kgen.sink} {
  ^bb0(%x: f32, %o: f32):
    %y = arith.maximumf %x, %zero : f32
    linalg.yield %y : f32
  } -> tensor<256x512xf32>
  return %r : tensor<256x512xf32>
}
)mlir";

nlohmann::json gemmSchedule() {
  return {{"version", 1},
          {"workgroup_tile", {32, 64}},
          {"thread_tile", {4, 4}},
          {"reduction_tile", {16}}};
}

TEST_F(ReducedInstance, CutsEveryTiledLoopOfAGemm) {
  EXPECT_EQ(reduce(kGemmRelu, gemmSchedule()),
            "(tensor<64x32xf32>, tensor<32x128xf32>) -> tensor<64x128xf32>");
}

TEST_F(ReducedInstance, LoopsOneWorkgroupTakesWholeKeepTwoThreadTiles) {
  nlohmann::json s = gemmSchedule();
  s["workgroup_tile"] = {0, 64};
  EXPECT_EQ(reduce(kGemmRelu, s),
            "(tensor<8x32xf32>, tensor<32x128xf32>) -> tensor<8x128xf32>");
  // Nothing tiles the first loop: two iterations; a vector of 4 along the
  // second keeps two vectors.
  s["workgroup_tile"] = {0, 0};
  s["thread_tile"] = {0, 0};
  s["vector_width"] = 4;
  EXPECT_EQ(reduce(kGemmRelu, s),
            "(tensor<2x32xf32>, tensor<32x8xf32>) -> tensor<2x8xf32>");
}

TEST_F(ReducedInstance, ReductionsTheScheduleLeavesWholeKeepTheirSize) {
  nlohmann::json s = gemmSchedule();
  s["reduction_tile"] = {0};
  EXPECT_EQ(reduce(kGemmRelu, s),
            "(tensor<64x1024xf32>, tensor<1024x128xf32>) -> "
            "tensor<64x128xf32>");
}

TEST_F(ReducedInstance, PipelinedReductionsKeepTheirSteadyState) {
  nlohmann::json s = gemmSchedule();
  s["pipeline_depth"] = 3;
  s["promote_operands"] = {0, 1};
  EXPECT_EQ(reduce(kGemmRelu, s),
            "(tensor<64x64xf32>, tensor<64x128xf32>) -> tensor<64x128xf32>");
}

// A 3x3 convolution over a padded input: the output's spatial loops index
// the input through a window (oh + kh), and the padded dimensions tie the
// input to the pad's source; they keep their sizes, while the batch, the
// output channels and the reduction over input channels are cut.
constexpr const char *kPaddedConv = R"mlir(
func.func @k(%x: tensor<8x64x30x30xf32>, %w: tensor<128x64x3x3xf32>)
    -> tensor<8x128x30x30xf32> attributes {kgen.kernel} {
  %zero = arith.constant 0.0 : f32
  %p = tensor.pad %x low[0, 0, 1, 1] high[0, 0, 1, 1] {
  ^bb0(%i: index, %j: index, %k: index, %l: index):
    tensor.yield %zero : f32
  } {kgen.op = 0 : i64} : tensor<8x64x30x30xf32> to tensor<8x64x32x32xf32>
  %e = tensor.empty() : tensor<8x128x30x30xf32>
  %f = linalg.fill {kgen.op = 1 : i64} ins(%zero : f32)
      outs(%e : tensor<8x128x30x30xf32>) -> tensor<8x128x30x30xf32>
  %c = linalg.conv_2d_nchw_fchw {kgen.op = 2 : i64, kgen.root, kgen.sink}
      ins(%p, %w : tensor<8x64x32x32xf32>, tensor<128x64x3x3xf32>)
      outs(%f : tensor<8x128x30x30xf32>) -> tensor<8x128x30x30xf32>
  return %c : tensor<8x128x30x30xf32>
}
)mlir";

TEST_F(ReducedInstance, ConvolutionWindowsAndPaddingKeepTheirSizes) {
  nlohmann::json s = {{"version", 1},
                      {"workgroup_tile", {2, 32, 10, 30}},
                      {"thread_tile", {1, 4, 1, 30}},
                      {"reduction_tile", {8, 0, 0}},
                      {"fuse", {1}}};
  EXPECT_EQ(reduce(kPaddedConv, s),
            "(tensor<4x16x30x30xf32>, tensor<64x16x3x3xf32>) -> "
            "tensor<4x64x30x30xf32>");
}

// A row sum split into 8 chunks: the chunk count stays, each chunk keeps
// two reduction steps.
constexpr const char *kRowSum = R"mlir(
#in = affine_map<(d0, d1) -> (d0, d1)>
#out = affine_map<(d0, d1) -> (d0)>
func.func @k(%x: tensor<64x4096xf32>) -> tensor<64xf32>
    attributes {kgen.kernel} {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<64xf32>
  %f = linalg.fill {kgen.op = 0 : i64} ins(%zero : f32)
      outs(%e : tensor<64xf32>) -> tensor<64xf32>
  %s = linalg.generic {indexing_maps = [#in, #out],
                       iterator_types = ["parallel", "reduction"]}
      ins(%x : tensor<64x4096xf32>) outs(%f : tensor<64xf32>)
      attrs = {kgen.op = 1 : i64, kgen.root, kgen.sink} {
  ^bb0(%a: f32, %acc: f32):
    %y = arith.addf %a, %acc : f32
    linalg.yield %y : f32
  } -> tensor<64xf32>
  return %s : tensor<64xf32>
}
)mlir";

TEST_F(ReducedInstance, SplitReductionsKeepTheirChunks) {
  nlohmann::json s = {{"version", 1},
                      {"workgroup_tile", {16}},
                      {"thread_tile", {1}},
                      {"reduction_tile", {16}},
                      {"split_reduction", 8}};
  EXPECT_EQ(reduce(kRowSum, s), "(tensor<32x256xf32>) -> tensor<32xf32>");
}

// Padding on every dimension: nothing can be cut.
constexpr const char *kPad = R"mlir(
func.func @k(%x: tensor<30x30xf32>) -> tensor<32x32xf32>
    attributes {kgen.kernel} {
  %zero = arith.constant 0.0 : f32
  %p = tensor.pad %x low[1, 1] high[1, 1] {
  ^bb0(%i: index, %j: index):
    tensor.yield %zero : f32
  } {kgen.op = 0 : i64, kgen.root, kgen.sink}
      : tensor<30x30xf32> to tensor<32x32xf32>
  return %p : tensor<32x32xf32>
}
)mlir";

TEST_F(ReducedInstance, PaddedDimensionsCannotBeCut) {
  nlohmann::json s = {{"version", 1},
                      {"workgroup_tile", {2, 16}},
                      {"thread_tile", {1, 1}},
                      {"reduction_tile", json::array()}};
  EXPECT_EQ(reduce(kPad, s), "whole");
}

// A pad that pads the last two of three dimensions: the first is cut.
constexpr const char *kBatchPad = R"mlir(
func.func @k(%x: tensor<32x30x30xf32>) -> tensor<32x32x32xf32>
    attributes {kgen.kernel} {
  %zero = arith.constant 0.0 : f32
  %p = tensor.pad %x low[0, 1, 1] high[0, 1, 1] {
  ^bb0(%i: index, %j: index, %k: index):
    tensor.yield %zero : f32
  } {kgen.op = 0 : i64, kgen.root, kgen.sink}
      : tensor<32x30x30xf32> to tensor<32x32x32xf32>
  return %p : tensor<32x32x32xf32>
}
)mlir";

TEST_F(ReducedInstance, UnpaddedDimensionsOfAPadAreCut) {
  nlohmann::json s = {{"version", 1},
                      {"workgroup_tile", {0, 2, 16}},
                      {"thread_tile", {0, 1, 1}},
                      {"reduction_tile", json::array()}};
  EXPECT_EQ(reduce(kBatchPad, s), "(tensor<2x30x30xf32>) -> tensor<2x32x32xf32>");
}

} // namespace
