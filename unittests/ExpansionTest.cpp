//===- ExpansionTest.cpp - schedules as transform modules -----------------===//

#include "kgen/Schedule/Expansion.h"

#include "ScheduleFixtures.h"

#include "kgen/Transform/ApplyTransforms.h"

#include "mlir/Dialect/Linalg/TransformOps/LinalgTransformOps.h"
#include "mlir/Dialect/Transform/IR/TransformOps.h"
#include "mlir/Dialect/Vector/TransformOps/VectorTransformOps.h"
#include "mlir/IR/Verifier.h"

#include <gtest/gtest.h>

using namespace mlir;
using namespace mlir::kgen;
using namespace mlir::kgen::testing;
using nlohmann::json;

namespace {

class Expansion : public ::testing::Test {
protected:
  Expansion() : context(registry()) { context.loadAllAvailableDialects(); }
  static DialectRegistry registry() {
    DialectRegistry r;
    registerTransformDependencies(r);
    return r;
  }

  /// The transform module of `j` on `k`, which must pass rungs 1 and 2.
  OwningOpRef<ModuleOp> expand(const json &j,
                               const KernelInfo &k = gemmKernel()) {
    Schedule s;
    Verdict v = verdictOf(j, &s, k);
    EXPECT_TRUE(v.accepted)
        << stringifyReason(v.reason).str() << ": " << v.message;
    OwningOpRef<ModuleOp> module = expandSchedule(s, k, &context);
    EXPECT_TRUE(succeeded(mlir::verify(*module)));
    return module;
  }

  MLIRContext context;
};

/// The ops of type OpTy in `module`, in order.
template <typename OpTy> std::vector<OpTy> all(ModuleOp module) {
  std::vector<OpTy> ops;
  module.walk([&](OpTy op) { ops.push_back(op); });
  return ops;
}

/// The op of type OpTy that takes `handle` (there must be one).
template <typename OpTy> OpTy userOf(Value handle) {
  for (Operation *user : handle.getUsers())
    if (auto op = dyn_cast<OpTy>(user))
      return op;
  ADD_FAILURE() << "no " << OpTy::getOperationName().str() << " takes it";
  return nullptr;
}

std::string text(Operation *op) {
  std::string out;
  llvm::raw_string_ostream os(out);
  op->print(os);
  return out;
}

std::string text(Attribute attr) {
  std::string out;
  llvm::raw_string_ostream os(out);
  attr.print(os);
  return out;
}

using Sizes = std::vector<int64_t>;
Sizes sizes(transform::TileUsingForallOp op) {
  ArrayRef<int64_t> tiles = op.getStaticTileSizes();
  return Sizes(tiles.begin(), tiles.end());
}
Sizes sizes(transform::TileUsingForOp op) {
  ArrayRef<int64_t> tiles = op.getStaticSizes();
  return Sizes(tiles.begin(), tiles.end());
}

TEST_F(Expansion, IsDeterministicAndFollowsTheSchedule) {
  OwningOpRef<ModuleOp> module = expand(base());
  EXPECT_EQ(text(*module), text(*expand(base())));
  // Every op matched up front: the sink, then the fused ops, consumers
  // first.
  auto matches = all<transform::MatchOp>(*module);
  ASSERT_EQ(matches.size(), 4u);
  EXPECT_EQ(text(matches[0].getOpAttrsAttr()), "{kgen.sink}");
  EXPECT_EQ(text(matches[1].getOpAttrsAttr()), "{kgen.op = 2 : i64}");
  EXPECT_EQ(text(matches[3].getOpAttrsAttr()), "{kgen.op = 0 : i64}");
  // Workgroups, then threads, each level fusing consumers first.
  auto foralls = all<transform::TileUsingForallOp>(*module);
  ASSERT_EQ(foralls.size(), 2u);
  EXPECT_EQ(foralls[0].getTarget(), matches[0].getResult());
  EXPECT_EQ(sizes(foralls[0]), (Sizes{32, 64}));
  EXPECT_EQ(text(foralls[0].getMappingAttr()),
            "[#gpu.block<y>, #gpu.block<x>]");
  auto fusions = all<transform::FuseIntoContainingOp>(*module);
  ASSERT_EQ(fusions.size(), 6u);
  EXPECT_EQ(fusions[0].getProducerOp(), matches[1].getResult());
  EXPECT_EQ(fusions[0].getContainingOp(), foralls[0].getForallOp());
  EXPECT_EQ(fusions[1].getProducerOp(), matches[2].getResult());
  EXPECT_EQ(fusions[1].getContainingOp(), fusions[0].getNewContainingOp());
  EXPECT_EQ(foralls[1].getTarget(), foralls[0].getTiledOp());
  EXPECT_EQ(sizes(foralls[1]), (Sizes{4, 4}));
  EXPECT_EQ(text(foralls[1].getMappingAttr()),
            "[#gpu.thread<y>, #gpu.thread<x>]");
  EXPECT_EQ(fusions[4].getContainingOp(), fusions[3].getNewContainingOp());
  // The reduction loop innermost, on the root's thread tile.
  auto loops = all<transform::TileUsingForOp>(*module);
  ASSERT_EQ(loops.size(), 1u);
  EXPECT_EQ(loops[0].getTarget(), fusions[4].getFusedOp());
  EXPECT_EQ(sizes(loops[0]), (Sizes{0, 0, 16}));
  EXPECT_TRUE(all<transform::VectorizeOp>(*module).empty());
}

TEST_F(Expansion, VectorStagesFollowTheVectorTile) {
  json j = base();
  j["vector_width"] = 4;
  OwningOpRef<ModuleOp> module = expand(j);
  // W elements of the innermost thread-tiled loop per step.
  auto threads = all<transform::TileUsingForallOp>(*module)[1];
  auto vectors = userOf<transform::TileUsingForOp>(threads.getTiledOp());
  ASSERT_TRUE(vectors);
  EXPECT_EQ(sizes(vectors), (Sizes{1, 4}));
  EXPECT_EQ(vectors.getLoops().size(), 2u);
  auto vectorized = all<transform::VectorizeOp>(*module);
  ASSERT_FALSE(vectorized.empty());
  EXPECT_EQ(vectorized[0].getTarget(), vectors.getTiledLinalgOp());
  for (transform::VectorizeOp op : vectorized)
    EXPECT_TRUE(op.getCreateNamedContraction());
  // Three bounded stages of lowering patterns.
  auto stages = all<transform::ApplyPatternsOp>(*module);
  ASSERT_EQ(stages.size(), 3u);
  for (transform::ApplyPatternsOp stage : stages)
    EXPECT_EQ(stage.getMaxNumRewrites(), 100000u);
  EXPECT_EQ(all<transform::ApplyLowerContractionPatternsOp>(*module).size(),
            1u);
  EXPECT_EQ(all<transform::ApplyTransferToScfPatternsOp>(*module).size(), 1u);
  EXPECT_EQ(all<transform::ApplyCastAwayVectorLeadingOneDimPatternsOp>(*module)
                .size(),
            1u);
  // f16 contractions accumulate in f32: no named contraction.
  OwningOpRef<ModuleOp> mixed = expand(j, f16GemmKernel());
  for (transform::VectorizeOp op : all<transform::VectorizeOp>(*mixed))
    EXPECT_FALSE(op.getCreateNamedContraction());
}

TEST_F(Expansion, SplitReductionTilesThePartialStageOnItsOwnGrid) {
  json j = {{"version", 1},
            {"workgroup_tile", {64}},
            {"thread_tile", {1}},
            {"reduction_tile", {64}},
            {"split_reduction", 4}};
  OwningOpRef<ModuleOp> module = expand(j, rowSumKernel());
  auto splits = all<transform::SplitReductionOp>(*module);
  ASSERT_EQ(splits.size(), 1u);
  transform::SplitReductionOp split = splits[0];
  EXPECT_EQ(split.getSplitFactor(), 4u);
  EXPECT_EQ(split.getInsertSplitDimension(), 1u);
  // One workgroup per output tile and chunk.
  auto partial = userOf<transform::TileUsingForallOp>(split.getSplitLinalgOp());
  ASSERT_TRUE(partial);
  EXPECT_EQ(sizes(partial), (Sizes{64, 1, 0}));
  EXPECT_EQ(text(partial.getMappingAttr()), "[#gpu.block<y>, #gpu.block<x>]");
  auto fill = userOf<transform::FuseIntoContainingOp>(split.getFillOp());
  ASSERT_TRUE(fill);
  EXPECT_EQ(fill.getContainingOp(), partial.getForallOp());
  // The reduction tile applies to the partial stage only.
  auto loops = all<transform::TileUsingForOp>(*module);
  ASSERT_EQ(loops.size(), 1u);
  EXPECT_EQ(loops[0].getTarget(), partial.getTiledOp());
  EXPECT_EQ(sizes(loops[0]), (Sizes{0, 0, 64}));
  // The combining stage takes the sink's place.
  auto combine =
      userOf<transform::TileUsingForallOp>(split.getCombiningLinalgOp());
  ASSERT_TRUE(combine);
  EXPECT_EQ(sizes(combine), (Sizes{64, 0}));
  EXPECT_EQ(text(combine.getMappingAttr()), "[#gpu.block<x>]");
}

TEST_F(Expansion, PromotedOperandsAreStagedInWorkgroupMemory) {
  json j = base();
  j["promote_operands"] = {1, 0};
  j["vector_width"] = 4;
  OwningOpRef<ModuleOp> module = expand(j);
  // The reduction loop around the thread loops, per workgroup: on the
  // root fused into the workgroup tile.
  auto fusions = all<transform::FuseIntoContainingOp>(*module);
  auto reduction = all<transform::TileUsingForOp>(*module)[0];
  EXPECT_EQ(reduction.getTarget(), fusions[1].getFusedOp());
  EXPECT_EQ(sizes(reduction), (Sizes{0, 0, 16}));
  auto pad = userOf<transform::PadOp>(reduction.getTiledLinalgOp());
  ASSERT_TRUE(pad);
  EXPECT_EQ(text(pad.getNofoldFlagsAttr()), "[1, 1, 0]");
  auto copies = all<transform::SplitHandleOp>(*module);
  ASSERT_EQ(copies.size(), 1u);
  ASSERT_EQ(copies[0].getNumResults(), 2u);
  // Both copies and the accumulator (the fill's init) in workgroup memory.
  auto promoted = all<transform::PromoteTensorOp>(*module);
  ASSERT_EQ(promoted.size(), 3u);
  for (transform::PromoteTensorOp op : promoted)
    EXPECT_EQ(text(op.getMemorySpaceAttr()), "#gpu.address_space<workgroup>");
  auto init = [](transform::PromoteTensorOp op) {
    return op.getTensor().getDefiningOp<transform::GetOperandOp>().getTarget();
  };
  EXPECT_EQ(init(promoted[1]), copies[0].getResult(1));
  EXPECT_EQ(init(promoted[2]), fusions[2].getFusedOp());
  // A's 32x16 tile over 8x16 threads (y, x): 4 rows of a 16-byte run of
  // 4 columns each (4 threads along x); B's 16x64 tile: 2 rows of 4
  // columns each.
  auto copyA = userOf<transform::TileUsingForallOp>(copies[0].getResult(0));
  auto copyB = userOf<transform::TileUsingForallOp>(copies[0].getResult(1));
  ASSERT_TRUE(copyA && copyB);
  EXPECT_EQ(sizes(copyA), (Sizes{4, 4}));
  EXPECT_EQ(text(copyA.getMappingAttr()), "[#gpu.thread<y>, #gpu.thread<x>]");
  EXPECT_EQ(sizes(copyB), (Sizes{2, 4}));
  auto step = userOf<transform::TileUsingForallOp>(pad.getPadded());
  ASSERT_TRUE(step);
  EXPECT_EQ(sizes(step), (Sizes{4, 4, 0}));
  // A thread's whole 4x4 tile becomes one contraction: straight-line FMAs
  // whose accumulators kgen-hoist-accumulators can keep in registers.
  EXPECT_TRUE(llvm::none_of(step.getTiledOp().getUsers(),
                            llvm::IsaPred<transform::TileUsingForOp>));
  EXPECT_TRUE(userOf<transform::VectorizeOp>(step.getTiledOp()));
  // The root is not the sink: its consumers read the accumulator, and no
  // write-back copy is needed. Synchronous copies: no pipelining mark.
  EXPECT_TRUE(all<transform::InsertSliceToCopyOp>(*module).empty());
  EXPECT_TRUE(all<transform::AnnotateOp>(*module).empty());
}

TEST_F(Expansion, PipelineDepthMarksTheReductionLoop) {
  json j = base();
  j["promote_operands"] = {0, 1};
  j["pipeline_depth"] = 2;
  // The expansion marks the loop for kgen-pipeline-shared-copies.
  OwningOpRef<ModuleOp> module = expand(j);
  auto marks = all<transform::AnnotateOp>(*module);
  ASSERT_EQ(marks.size(), 1u);
  EXPECT_EQ(marks[0].getName().str(), "kgen.pipeline_depth");
  EXPECT_EQ(marks[0].getTarget(),
            all<transform::TileUsingForOp>(*module)[0].getLoops()[0]);
  auto depth = marks[0].getParam().getDefiningOp<transform::ParamConstantOp>();
  ASSERT_TRUE(depth);
  EXPECT_EQ(text(depth.getValue()), "2 : i64");
}

TEST_F(Expansion, MmaSyncTilesTheRootOverWarps) {
  OwningOpRef<ModuleOp> module = expand(mmaSchedule(), f16GemmKernel());
  auto pad = all<transform::PadOp>(*module)[0];
  auto step = userOf<transform::TileUsingForallOp>(pad.getPadded());
  ASSERT_TRUE(step);
  EXPECT_EQ(sizes(step), (Sizes{32, 32, 0}));
  EXPECT_EQ(text(step.getMappingAttr()), "[#gpu.warp<y>, #gpu.warp<x>]");
  auto mark = userOf<transform::AnnotateOp>(step.getTiledOp());
  ASSERT_TRUE(mark);
  EXPECT_EQ(mark.getName().str(), "kgen.mma_sync");
  // 128 threads copy the 64x32 A tile 8 halves at a time: 2 rows each.
  auto copies = all<transform::SplitHandleOp>(*module)[0];
  auto copyA = userOf<transform::TileUsingForallOp>(copies.getResult(0));
  ASSERT_TRUE(copyA);
  EXPECT_EQ(sizes(copyA), (Sizes{2, 8}));
  EXPECT_EQ(text(copyA.getMappingAttr()),
            "[#gpu.thread<linear_dim_1>, #gpu.thread<linear_dim_0>]");
  // The root itself is not vectorized: the tensor cores compute it.
  for (Operation *user : step.getTiledOp().getUsers())
    EXPECT_FALSE(
        (isa<transform::TileUsingForOp, transform::VectorizeOp>(user)));
}

TEST_F(Expansion, WgmmaTilesTheRootOverWarpgroups) {
  json j = wgmmaSchedule();
  j["workgroup_tile"] = {64, 64};
  OwningOpRef<ModuleOp> module = expand(j, f16GemmKernelK256());
  auto pad = all<transform::PadOp>(*module)[0];
  auto step = userOf<transform::TileUsingForallOp>(pad.getPadded());
  ASSERT_TRUE(step);
  EXPECT_EQ(sizes(step), (Sizes{64, 64, 0}));
  EXPECT_EQ(text(step.getMappingAttr()),
            "[#gpu.warpgroup<y>, #gpu.warpgroup<x>]");
  auto mark = userOf<transform::AnnotateOp>(step.getTiledOp());
  ASSERT_TRUE(mark);
  EXPECT_EQ(mark.getName().str(), "kgen.wgmma");
  for (Operation *user : step.getTiledOp().getUsers())
    EXPECT_FALSE(
        (isa<transform::TileUsingForOp, transform::VectorizeOp>(user)));
}

TEST_F(Expansion, AStagedRootThatIsTheSinkWritesItsAccumulatorBack) {
  KernelInfo k = f16GemmKernelK256();
  k.ops = {fillOp(), {OpKind::Matmul, "linalg.matmul"}};
  k.consumers = {{1}, {}};
  k.sinkIndex = 1;
  json j = wgmmaSchedule();
  j["fuse"] = {0};
  OwningOpRef<ModuleOp> module = expand(j, k);
  // The workgroup loop's result insertion becomes a copy, tiled over the
  // threads.
  auto copies = all<transform::InsertSliceToCopyOp>(*module);
  ASSERT_EQ(copies.size(), 1u);
  auto insert = copies[0].getTarget().getDefiningOp<transform::MatchOp>();
  ASSERT_TRUE(insert);
  EXPECT_EQ(text(insert.getOpsAttr()), "[\"tensor.parallel_insert_slice\"]");
  EXPECT_TRUE(userOf<transform::TileUsingForallOp>(copies[0].getResult()));
}

TEST_F(Expansion, EveryTiledReductionLoopGetsALoop) {
  // A root with two reduction loops, both tiled: one tile_using_for with
  // a loop per non-zero tile, and the module verifies.
  KernelInfo k = gemmKernel();
  k.rootLoops = {64, 128, 96, 2};
  k.rootParallel = {true, true, false, false};
  Schedule s;
  s.workgroupTile = {32, 64};
  s.threadTile = {4, 4};
  s.reductionTile = {16, 1};
  s.fuse = {0, 1, 2};
  OwningOpRef<ModuleOp> module = expandSchedule(s, k, &context);
  EXPECT_TRUE(succeeded(mlir::verify(*module)));
  auto loops = all<transform::TileUsingForOp>(*module);
  ASSERT_EQ(loops.size(), 1u);
  EXPECT_EQ(loops[0].getLoops().size(), 2u);
  EXPECT_EQ(loops[0].getStaticSizes(), (ArrayRef<int64_t>{0, 0, 16, 1}));
  // Only the second tiled: one loop.
  s.reductionTile = {0, 1};
  module = expandSchedule(s, k, &context);
  loops = all<transform::TileUsingForOp>(*module);
  ASSERT_EQ(loops.size(), 1u);
  EXPECT_EQ(loops[0].getLoops().size(), 1u);
}

} // namespace
