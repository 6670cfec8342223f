//===- KernelInfoTest.cpp - the kernel summary of outlined kernels --------===//

#include "kgen/Schedule/KernelInfo.h"
#include "kgen/Schedule/ResourceModel.h"

#include "ScheduleFixtures.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Parser/Parser.h"

#include <gtest/gtest.h>

using namespace mlir;
using namespace mlir::kgen;
using namespace mlir::kgen::testing;
using nlohmann::json;

namespace {

/// Examples' gemm + bias + relu as kgen-form-kernels outlines it.
constexpr const char *kGemmKernel = R"mlir(
#map = affine_map<(d0, d1) -> (d0, d1)>
#map1 = affine_map<(d0, d1) -> (d1)>
func.func private @main_kernel_0(%arg0: tensor<64x96xf32>, %arg1: tensor<96x128xf32>, %arg2: tensor<128xf32>) -> tensor<64x128xf32> attributes {kgen.kernel} {
  %cst = arith.constant 0.000000e+00 : f32
  %0 = tensor.empty() : tensor<64x128xf32>
  %1 = tensor.empty() : tensor<64x128xf32>
  %2 = tensor.empty() : tensor<64x128xf32>
  %3 = linalg.fill {kgen.op = 0 : i64} ins(%cst : f32) outs(%0 : tensor<64x128xf32>) -> tensor<64x128xf32>
  %4 = linalg.matmul {kgen.op = 1 : i64, kgen.root} ins(%arg0, %arg1 : tensor<64x96xf32>, tensor<96x128xf32>) outs(%3 : tensor<64x128xf32>) -> tensor<64x128xf32>
  %5 = linalg.generic {indexing_maps = [#map, #map1, #map], iterator_types = ["parallel", "parallel"]} ins(%4, %arg2 : tensor<64x128xf32>, tensor<128xf32>) outs(%1 : tensor<64x128xf32>) attrs =  {kgen.op = 2 : i64} {
  ^bb0(%in: f32, %in_0: f32, %out: f32):
    %7 = arith.addf %in, %in_0 : f32
    linalg.yield %7 : f32
  } -> tensor<64x128xf32>
  %6 = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel"]} ins(%5 : tensor<64x128xf32>) outs(%2 : tensor<64x128xf32>) attrs =  {kgen.op = 3 : i64, kgen.sink} {
  ^bb0(%in: f32, %out: f32):
    %cst_0 = arith.constant 0.000000e+00 : f32
    %7 = arith.maximumf %in, %cst_0 : f32
    linalg.yield %7 : f32
  } -> tensor<64x128xf32>
  return %6 : tensor<64x128xf32>
}
)mlir";

class KernelInfoTest : public ::testing::Test {
protected:
  KernelInfoTest() {
    context.loadDialect<arith::ArithDialect, func::FuncDialect,
                        linalg::LinalgDialect, math::MathDialect,
                        tensor::TensorDialect>();
  }

  /// Describes the one kernel of `source`, or returns the error message.
  llvm::Expected<KernelInfo> describe(const std::string &source) {
    module = parseSourceString<ModuleOp>(source, &context);
    if (!module)
      return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                     "unparsable test kernel");
    return describeKernel(*module->getOps<func::FuncOp>().begin());
  }

  /// `kGemmKernel` with `from` replaced by `to` (everywhere).
  static std::string gemmWith(llvm::StringRef from, llvm::StringRef to) {
    std::string text = kGemmKernel;
    for (size_t at = text.find(from.str()); at != std::string::npos;
         at = text.find(from.str(), at + to.size()))
      text.replace(at, from.size(), to.str());
    return text;
  }

  MLIRContext context;
  OwningOpRef<ModuleOp> module;
};

TEST_F(KernelInfoTest, DescribesAnOutlinedGemm) {
  auto info = describe(kGemmKernel);
  ASSERT_TRUE(static_cast<bool>(info)) << llvm::toString(info.takeError());
  EXPECT_EQ(info->name, "main_kernel_0");
  EXPECT_TRUE(info->elementType.isF32());
  EXPECT_EQ(info->elementBytes, 4);
  std::vector<OpKind> kinds;
  std::vector<std::string> names;
  for (const KernelOp &op : info->ops) {
    kinds.push_back(op.kind);
    names.push_back(op.name);
  }
  EXPECT_EQ(kinds, (std::vector<OpKind>{OpKind::Fill, OpKind::Matmul,
                                        OpKind::Generic, OpKind::Generic}));
  EXPECT_EQ(names,
            (std::vector<std::string>{"linalg.fill", "linalg.matmul",
                                      "linalg.generic", "linalg.generic"}));
  EXPECT_EQ(info->consumers,
            (std::vector<std::vector<int64_t>>{{1}, {2}, {3}, {}}));
  EXPECT_EQ(info->rootIndex, 1);
  EXPECT_EQ(info->sinkIndex, 3);
  EXPECT_EQ(info->rootInitProducers, std::vector<int64_t>{0});
  EXPECT_TRUE(info->sinkInitProducers.empty()); // a tensor.empty
  EXPECT_EQ(info->sinkLoops, (std::vector<int64_t>{64, 128}));
  EXPECT_EQ(info->rootLoops, (std::vector<int64_t>{64, 128, 96}));
  EXPECT_EQ(info->rootParallel, (std::vector<bool>{true, true, false}));
  EXPECT_EQ(info->rootInputLoops,
            (std::vector<std::vector<int64_t>>{{0, 2}, {2, 1}}));
  Type f32 = Float32Type::get(&context);
  EXPECT_EQ(info->rootOperandTypes, (std::vector<Type>{f32, f32, f32}));
  EXPECT_TRUE(info->matmulLike());
  EXPECT_EQ(info->flops, 2.0 * 64 * 128 * 96);
  EXPECT_EQ(info->bytes, (64 * 96 + 96 * 128 + 128 + 64 * 128) * 4.0);
  EXPECT_NE(info->text.find("func.func private @main_kernel_0"),
            std::string::npos);
  // Decisions files are keyed by the fingerprint, so it must stay what
  // earlier builds computed for this kernel (Inputs/gemm.mlir's).
  EXPECT_EQ(info->fingerprint, "0xfef259940b8bf743");
}

TEST_F(KernelInfoTest, FingerprintIgnoresTheNameButNotTheShapes) {
  auto info = describe(kGemmKernel);
  ASSERT_TRUE(static_cast<bool>(info)) << llvm::toString(info.takeError());
  auto renamed = describe(gemmWith("@main_kernel_0", "@other_kernel_7"));
  ASSERT_TRUE(static_cast<bool>(renamed))
      << llvm::toString(renamed.takeError());
  EXPECT_EQ(renamed->name, "other_kernel_7");
  EXPECT_EQ(renamed->fingerprint, info->fingerprint);
  auto reshaped = describe(gemmWith("96", "48"));
  ASSERT_TRUE(static_cast<bool>(reshaped))
      << llvm::toString(reshaped.takeError());
  EXPECT_EQ(reshaped->rootLoops, (std::vector<int64_t>{64, 128, 48}));
  EXPECT_NE(reshaped->fingerprint, info->fingerprint);
}

TEST_F(KernelInfoTest, RefusesFunctionsThatAreNotKernels) {
  auto unmarked = describe(gemmWith(", kgen.sink}", "}"));
  ASSERT_FALSE(static_cast<bool>(unmarked));
  EXPECT_EQ(llvm::toString(unmarked.takeError()),
            "kernel 'main_kernel_0' has no kgen.root or kgen.sink");
  auto gap = describe(gemmWith("kgen.op = 2 : i64", "kgen.op = 5 : i64"));
  ASSERT_FALSE(static_cast<bool>(gap));
  EXPECT_NE(llvm::toString(gap.takeError())
                .find("is not a kernel from kgen-form-kernels"),
            std::string::npos);
}

TEST_F(KernelInfoTest, ClassifiesOpsByKind) {
  // A padded convolution, its accumulator filled: the kinds the checks and
  // the expansion tell apart.
  module = parseSourceString<ModuleOp>(R"mlir(
func.func @f(%x: tensor<1x1x6x6xf32>, %w: tensor<1x1x3x3xf32>) -> tensor<1x1x6x6xf32> {
  %zero = arith.constant 0.0 : f32
  %p = tensor.pad %x low[0, 0, 1, 1] high[0, 0, 1, 1] {
  ^bb0(%i: index, %j: index, %k: index, %l: index):
    tensor.yield %zero : f32
  } : tensor<1x1x6x6xf32> to tensor<1x1x8x8xf32>
  %e = tensor.empty() : tensor<1x1x6x6xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x1x6x6xf32>) -> tensor<1x1x6x6xf32>
  %c = linalg.conv_2d_nchw_fchw ins(%p, %w : tensor<1x1x8x8xf32>, tensor<1x1x3x3xf32>) outs(%f : tensor<1x1x6x6xf32>) -> tensor<1x1x6x6xf32>
  %t = tensor.empty() : tensor<1x1x6x6xf32>
  %r = linalg.transpose ins(%c : tensor<1x1x6x6xf32>) outs(%t : tensor<1x1x6x6xf32>) permutation = [1, 0, 2, 3]
  %s = linalg.copy ins(%r : tensor<1x1x6x6xf32>) outs(%e : tensor<1x1x6x6xf32>) -> tensor<1x1x6x6xf32>
  return %s : tensor<1x1x6x6xf32>
}
)mlir",
                                       &context);
  ASSERT_TRUE(module);
  std::vector<OpKind> kinds;
  module->walk([&](Operation *op) {
    if (isa<func::FuncOp, func::ReturnOp, ModuleOp, tensor::YieldOp,
            linalg::YieldOp, tensor::EmptyOp>(op) ||
        op->getParentOfType<linalg::LinalgOp>() ||
        op->getParentOfType<tensor::PadOp>())
      return;
    kinds.push_back(opKindOf(op));
  });
  EXPECT_EQ(kinds, (std::vector<OpKind>{OpKind::Other, OpKind::Pad,
                                        OpKind::Fill, OpKind::Convolution,
                                        OpKind::Transpose,
                                        OpKind::OtherLinalg}));
  EXPECT_FALSE(isLinalg(OpKind::Pad));
  EXPECT_FALSE(isLinalg(OpKind::Other));
  EXPECT_TRUE(isLinalg(OpKind::Convolution));
}

TEST_F(KernelInfoTest, CountsGatheredArgumentsAsRead) {
  // A depthwise convolution's form: the window gathered from %x with
  // tensor.extract (not an input operand), the weight read as an operand.
  // Both are read from memory, and the bytes model counts both.
  auto info = describe(R"mlir(
#w = affine_map<(d0, d1) -> (d1)>
#out = affine_map<(d0, d1) -> (d0)>
func.func private @k(%w: tensor<3xf32>, %x: tensor<10xf32>) -> tensor<8xf32> attributes {kgen.kernel} {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<8xf32>
  %f = linalg.fill {kgen.op = 0 : i64} ins(%zero : f32) outs(%e : tensor<8xf32>) -> tensor<8xf32>
  %r = linalg.generic {indexing_maps = [#w, #out], iterator_types = ["parallel", "reduction"]} ins(%w : tensor<3xf32>) outs(%f : tensor<8xf32>) attrs = {kgen.op = 1 : i64, kgen.root, kgen.sink} {
  ^bb0(%in: f32, %acc: f32):
    %i = linalg.index 0 : index
    %t = linalg.index 1 : index
    %at = arith.addi %i, %t : index
    %v = tensor.extract %x[%at] : tensor<10xf32>
    %m = arith.mulf %in, %v : f32
    %a = arith.addf %acc, %m : f32
    linalg.yield %a : f32
  } -> tensor<8xf32>
  return %r : tensor<8xf32>
}
)mlir");
  ASSERT_TRUE(static_cast<bool>(info)) << llvm::toString(info.takeError());
  EXPECT_EQ(info->ops[1].argsRead, (std::vector<int64_t>{0, 1}));
  Schedule s;
  s.workgroupTile = {8};
  s.threadTile = {1};
  s.reductionTile = {0};
  // Each argument once, and the result: the floor's traffic.
  EXPECT_EQ(estimateGlobalBytes(s, *info), info->bytes);
}

TEST_F(KernelInfoTest, NamesStatisticEpilogues) {
  // A row's norm (sum of squares, then sqrt: its epilogue) and the sum of
  // the row divided by it: the sqrt computes from the statistic alone, once
  // per row; the division (the root's input) reads the row and is not one.
  auto info = describe(R"mlir(
#row = affine_map<(d0, d1) -> (d0, d1)>
#out = affine_map<(d0, d1) -> (d0)>
#one = affine_map<(d0) -> (d0)>
func.func private @k(%x: tensor<8x64xf32>) -> tensor<8xf32> attributes {kgen.kernel} {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<8xf32>
  %f = linalg.fill {kgen.op = 0 : i64} ins(%zero : f32) outs(%e : tensor<8xf32>) -> tensor<8xf32>
  %sq = linalg.generic {indexing_maps = [#row, #out], iterator_types = ["parallel", "reduction"]} ins(%x : tensor<8x64xf32>) outs(%f : tensor<8xf32>) attrs = {kgen.op = 1 : i64} {
  ^bb0(%in: f32, %acc: f32):
    %m = arith.mulf %in, %in : f32
    %a = arith.addf %acc, %m : f32
    linalg.yield %a : f32
  } -> tensor<8xf32>
  %n = linalg.generic {indexing_maps = [#one, #one], iterator_types = ["parallel"]} ins(%sq : tensor<8xf32>) outs(%e : tensor<8xf32>) attrs = {kgen.op = 2 : i64} {
  ^bb0(%in: f32, %out: f32):
    %r = math.sqrt %in : f32
    linalg.yield %r : f32
  } -> tensor<8xf32>
  %f2 = linalg.fill {kgen.op = 3 : i64} ins(%zero : f32) outs(%e : tensor<8xf32>) -> tensor<8xf32>
  %s = linalg.generic {indexing_maps = [#row, #out, #out], iterator_types = ["parallel", "reduction"]} ins(%x, %n : tensor<8x64xf32>, tensor<8xf32>) outs(%f2 : tensor<8xf32>) attrs = {kgen.op = 4 : i64, kgen.root, kgen.sink} {
  ^bb0(%in: f32, %norm: f32, %acc: f32):
    %d = arith.divf %in, %norm : f32
    %a = arith.addf %acc, %d : f32
    linalg.yield %a : f32
  } -> tensor<8xf32>
  return %s : tensor<8xf32>
}
)mlir");
  ASSERT_TRUE(static_cast<bool>(info)) << llvm::toString(info.takeError());
  EXPECT_EQ(info->statistics, std::vector<int64_t>{1});
  EXPECT_EQ(info->statisticEpilogues, std::vector<int64_t>{2});
  EXPECT_TRUE(info->isStatisticEpilogue(2));
  EXPECT_FALSE(info->isStatisticEpilogue(4));
  // The root reads the epilogue, which lanes find in workgroup memory: not
  // a computed input that would rule them out.
  EXPECT_EQ(info->computedInputOf(info->rootIndex), -1);
  EXPECT_EQ(info->toJson()["statistic_epilogue_ops"], json({2}));

  // The predicate kernel formation shares: the sqrt is an epilogue of the
  // sum of squares over 8 rows, not over fewer, nor where its input is not
  // a statistic; the root (a reduction) never is.
  std::vector<Operation *> ops(5);
  module->walk([&](Operation *op) {
    if (auto index = op->getAttrOfType<IntegerAttr>("kgen.op"))
      ops[index.getInt()] = op;
  });
  auto fromSquares = [&](Value v) { return v.getDefiningOp() == ops[1]; };
  auto never = [](Value) { return false; };
  EXPECT_TRUE(isRowStatisticEpilogue(ops[2], 8, fromSquares));
  EXPECT_FALSE(isRowStatisticEpilogue(ops[2], 4, fromSquares));
  EXPECT_FALSE(isRowStatisticEpilogue(ops[2], 8, never));
  EXPECT_FALSE(isRowStatisticEpilogue(ops[4], 512, [](Value) { return true; }));
}

TEST(KernelInfo, LoopSizesByKind) {
  KernelInfo gemm = gemmKernel();
  EXPECT_EQ(gemm.sinkParallelSizes(), (std::vector<int64_t>{64, 128}));
  EXPECT_EQ(gemm.rootReductionSizes(), std::vector<int64_t>{96});
  KernelInfo rows = rowSumKernel();
  EXPECT_EQ(rows.sinkParallelSizes(), std::vector<int64_t>{256});
  EXPECT_EQ(rows.rootReductionSizes(), std::vector<int64_t>{1024});
}

TEST(KernelInfo, JsonSummaryForProposers) {
  json j = gemmKernel().toJson();
  EXPECT_EQ(j["name"], "main_kernel_0");
  EXPECT_EQ(j["element_type"], "f32");
  EXPECT_EQ(j["root_op"], 1);
  EXPECT_EQ(j["sink_op"], 3);
  EXPECT_EQ(j["sink_parallel_loop_sizes"], json({64, 128}));
  EXPECT_EQ(j["root_reduction_loop_sizes"], json({96}));
  EXPECT_EQ(j["root_inputs"], 2);
  EXPECT_EQ(j["matmul_like"], true);
}

} // namespace
