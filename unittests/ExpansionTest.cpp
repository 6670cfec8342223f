//===- ExpansionTest.cpp - schedules as transform scripts -----------------===//

#include "kgen/Schedule/Expansion.h"

#include "ScheduleFixtures.h"

#include <gtest/gtest.h>

using namespace mlir::kgen;
using namespace mlir::kgen::testing;
using nlohmann::json;

namespace {

/// The script of `j` on `k`, which must pass rungs 1 and 2.
std::string scriptOf(const json &j, const KernelInfo &k = gemmKernel()) {
  Schedule s;
  Verdict v = verdictOf(j, &s, k);
  EXPECT_TRUE(v.accepted) << stringifyReason(v.reason).str() << ": " << v.message;
  return expandSchedule(s, k);
}

bool contains(const std::string &text, const std::string &part) {
  return text.find(part) != std::string::npos;
}

size_t count(const std::string &text, const std::string &part) {
  size_t n = 0;
  for (size_t at = text.find(part); at != std::string::npos;
       at = text.find(part, at + part.size()))
    ++n;
  return n;
}

TEST(Expansion, IsDeterministicAndFollowsTheSchedule) {
  std::string a = scriptOf(base());
  EXPECT_EQ(a, scriptOf(base()));
  for (const char *expected :
       {// The schedule it implements, then every op matched up front.
        "// kgen schedule for main_kernel_0 (0x1234): "
        "{\"fuse\":[0,1,2],\"matrix_instruction\":\"none\"",
        "module attributes {transform.with_named_sequence} {\n"
        "  transform.named_sequence @__transform_main(%root: "
        "!transform.any_op {transform.readonly}) {\n"
        "    %sink = transform.structured.match attributes {kgen.sink} in "
        "%root : (!transform.any_op) -> !transform.any_op\n"
        "    %op2 = transform.structured.match attributes {kgen.op = 2} in "
        "%root",
        // Workgroups, then threads, each level fusing consumers first.
        "%tiled0, %block_forall = transform.structured.tile_using_forall "
        "%sink tile_sizes [32, 64] (mapping = [#gpu.block<y>, "
        "#gpu.block<x>])",
        "%fused0_op2, %block_forall_2 = "
        "transform.structured.fuse_into_containing_op %op2 into "
        "%block_forall",
        "%fused0_op1, %block_forall_1 = "
        "transform.structured.fuse_into_containing_op %op1 into "
        "%block_forall_2",
        "tile_sizes [4, 4] (mapping = [#gpu.thread<y>, #gpu.thread<x>])",
        // The reduction loop innermost.
        "tile_using_for %fused1_op1 tile_sizes [0, 0, 16]",
        "    transform.yield\n  }\n}\n"})
    EXPECT_TRUE(contains(a, expected)) << expected << "\n" << a;
  EXPECT_FALSE(contains(a, "vectorize")) << a;
}

TEST(Expansion, VectorStagesFollowTheVectorTile) {
  json j = base();
  j["vector_width"] = 4;
  std::string script = scriptOf(j);
  for (const char *expected :
       {// W elements of the innermost thread-tiled loop per step.
        "%vector_tiled, %vector_loop0, %vector_loop1 = "
        "transform.structured.tile_using_for %tiled1 tile_sizes [1, 4]",
        "transform.structured.vectorize %vector_tiled "
        "{create_named_contraction}",
        "transform.apply_patterns.vector.lower_contraction",
        "transform.apply_patterns.vector.transfer_to_scf",
        "transform.apply_patterns.vector.cast_away_vector_leading_one_dim"})
    EXPECT_TRUE(contains(script, expected)) << expected << "\n" << script;
  // Three bounded stages.
  EXPECT_EQ(count(script, "max_num_rewrites = 100000"), 3u) << script;
  // f16 contractions accumulate in f32: no named contraction.
  json mixed = base();
  mixed["vector_width"] = 4;
  EXPECT_FALSE(
      contains(scriptOf(mixed, f16GemmKernel()), "create_named_contraction"));
}

TEST(Expansion, SplitReductionTilesThePartialStageOnItsOwnGrid) {
  json j = {{"version", 1},
            {"workgroup_tile", {64}},
            {"thread_tile", {1}},
            {"reduction_tile", {64}},
            {"split_reduction", 4}};
  std::string script = scriptOf(j, rowSumKernel());
  for (const char *expected :
       {"%split_init, %split_fill, %partial, %combine = "
        "transform.structured.split_reduction %sink {split_factor = 4, "
        "insert_split_dimension = 1}",
        // One workgroup per output tile and chunk.
        "%partial_tiled, %partial_forall = "
        "transform.structured.tile_using_forall %partial tile_sizes [64, 1, "
        "0] (mapping = [#gpu.block<y>, #gpu.block<x>])",
        "fuse_into_containing_op %split_fill into %partial_forall",
        "%partial_reduced, %partial_loop = transform.structured."
        "tile_using_for %partial_tiled tile_sizes [0, 0, 64]",
        // The combining stage takes the sink's place.
        "transform.structured.tile_using_forall %combine tile_sizes [64, 0] "
        "(mapping = [#gpu.block<x>])"})
    EXPECT_TRUE(contains(script, expected)) << expected << "\n" << script;
  // The reduction tile applies to the partial stage only.
  EXPECT_FALSE(contains(script, "%reduction_loop")) << script;
}

TEST(Expansion, PromotedOperandsAreStagedInWorkgroupMemory) {
  json j = base();
  j["promote_operands"] = {1, 0};
  j["vector_width"] = 4;
  std::string script = scriptOf(j);
  for (const char *expected :
       {// The reduction loop around the thread loops, per workgroup.
        "%reduced, %reduction_loop = transform.structured.tile_using_for "
        "%fused0_op1 tile_sizes [0, 0, 16]",
        "nofold_flags = [1, 1, 0]",
        "%copy0, %copy1 = transform.split_handle %promote_copies",
        "promote_tensor to #gpu.address_space<workgroup> %copy1_init",
        "promote_tensor to #gpu.address_space<workgroup> "
        "%accumulator_init",
        // A's 32x16 tile over 8x16 threads (y, x): 4 rows of one
        // column each.
        "tile_using_forall %copy0 tile_sizes [4, 1] (mapping = "
        "[#gpu.thread<y>, #gpu.thread<x>])",
        // B's 16x64 tile: 2 rows of 4 columns each.
        "tile_using_forall %copy1 tile_sizes [2, 4]",
        "tile_using_forall %promoted_root tile_sizes [4, 4, 0]",
        "transform.structured.vectorize %root_vector_tiled"})
    EXPECT_TRUE(contains(script, expected)) << expected << "\n" << script;
  // The root is not the sink: its consumers read the accumulator, and no
  // write-back copy is needed.
  EXPECT_FALSE(contains(script, "%writeback"));
  // Synchronous copies: no pipelining mark.
  EXPECT_FALSE(contains(script, "kgen.pipeline_depth"));
}

TEST(Expansion, PipelineDepthMarksTheReductionLoop) {
  json j = base();
  j["promote_operands"] = {0, 1};
  j["pipeline_depth"] = 2;
  // The expansion marks the loop for kgen-pipeline-shared-copies.
  EXPECT_TRUE(contains(scriptOf(j),
                       "%pipeline_depth = transform.param.constant 2 : i64 "
                       "-> !transform.param<i64>\n"
                       "    transform.annotate %reduction_loop "
                       "\"kgen.pipeline_depth\" = %pipeline_depth"));
}

TEST(Expansion, MmaSyncTilesTheRootOverWarps) {
  std::string script = scriptOf(mmaSchedule(), f16GemmKernel());
  EXPECT_TRUE(contains(script, "%promoted_root tile_sizes [32, 32, 0] "
                               "(mapping = [#gpu.warp<y>, #gpu.warp<x>])"))
      << script;
  EXPECT_TRUE(
      contains(script, "transform.annotate %root_threads \"kgen.mma_sync\""));
  // 128 threads copy the 64x32 A tile 8 halves at a time: 2 rows each.
  EXPECT_TRUE(contains(script, "%copy0 tile_sizes [2, 8] (mapping = "
                               "[#gpu.thread<linear_dim_1>, "
                               "#gpu.thread<linear_dim_0>])"))
      << script;
  // The root itself is not vectorized: the tensor cores compute it.
  EXPECT_FALSE(contains(script, "%root_vector"));
}

TEST(Expansion, WgmmaTilesTheRootOverWarpgroups) {
  json j = wgmmaSchedule();
  j["workgroup_tile"] = {64, 64};
  std::string script = scriptOf(j, f16GemmKernelK256());
  EXPECT_TRUE(contains(script, "%promoted_root tile_sizes [64, 64, 0] "
                               "(mapping = [#gpu.warpgroup<y>, "
                               "#gpu.warpgroup<x>])"))
      << script;
  EXPECT_TRUE(
      contains(script, "transform.annotate %root_threads \"kgen.wgmma\""));
  EXPECT_FALSE(contains(script, "%root_vector"));
}

TEST(Expansion, AStagedRootThatIsTheSinkWritesItsAccumulatorBack) {
  KernelInfo k = f16GemmKernelK256();
  k.opNames = {"linalg.fill", "linalg.matmul"};
  k.consumers = {{1}, {}};
  k.sinkIndex = 1;
  json j = wgmmaSchedule();
  j["fuse"] = {0};
  std::string script = scriptOf(j, k);
  for (const char *expected :
       {"%writeback = transform.structured.insert_slice_to_copy "
        "%writeback_insert",
        "%writeback_tiled, %writeback_forall = "
        "transform.structured.tile_using_forall %writeback"})
    EXPECT_TRUE(contains(script, expected)) << expected << "\n" << script;
}

} // namespace
