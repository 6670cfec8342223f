//===- ProposerTest.cpp - the heuristic and its simpler fallbacks ---------===//

#include "kgen/Proposer/Proposer.h"

#include "ScheduleFixtures.h"

#include <gtest/gtest.h>

using namespace mlir::kgen;
using namespace mlir::kgen::testing;
using nlohmann::json;

namespace {

TEST(Proposer, SimplerSchedulesDropStagingThenVectors) {
  json j = base();
  j["promote_operands"] = {0, 1};
  j["vector_width"] = 4;
  std::vector<json> simpler = simplerSchedules(j);
  ASSERT_EQ(simpler.size(), 2u);
  EXPECT_FALSE(simpler[0].contains("promote_operands"));
  EXPECT_EQ(simpler[0]["vector_width"], 4);
  EXPECT_FALSE(simpler[1].contains("promote_operands"));
  EXPECT_EQ(simpler[1]["vector_width"], 1);
  EXPECT_TRUE(simplerSchedules(base()).empty());
}

TEST(Proposer, HeuristicStagesGemmOperandsWhenTheyFit) {
  KernelInfo k = gemmKernel();
  json j = heuristicSchedule(k, *lookupTarget("sm_90a"));
  EXPECT_EQ(j["promote_operands"], json({0, 1})) << j.dump();
  EXPECT_EQ(j["reduction_tile"], json({16})) << j.dump();
  Schedule s;
  Verdict verdict = parseSchedule(j, k, s);
  ASSERT_TRUE(verdict.accepted) << verdict.message;
  EXPECT_TRUE(checkSchedule(s, k, *lookupTarget("sm_90a")).accepted);
  // A fused producer of the root's inputs rules staging out.
  k.opNames.insert(k.opNames.begin(), "linalg.generic");
  k.consumers = {{2}, {2}, {3}, {4}, {}};
  k.rootIndex = 2;
  k.sinkIndex = 4;
  k.rootInitProducers = {1};
  j = heuristicSchedule(k, *lookupTarget("sm_90a"));
  EXPECT_FALSE(j.contains("promote_operands")) << j.dump();
}

TEST(Proposer, HeuristicUsesWgmmaOnSm90aWhereTheReductionTakesIt) {
  KernelInfo k = f16GemmKernelK256();
  json j = heuristicSchedule(k, *lookupTarget("sm_90a"));
  // One warpgroup on the whole tile (64 rows: M is 64 here; 128 columns),
  // double-buffered 64-steps.
  EXPECT_EQ(j["matrix_instruction"], "wgmma") << j.dump();
  EXPECT_EQ(j["workgroup_tile"], json({64, 128})) << j.dump();
  EXPECT_EQ(j["thread_tile"], json({64, 128})) << j.dump();
  EXPECT_EQ(j["reduction_tile"], json({64})) << j.dump();
  EXPECT_EQ(j["pipeline_depth"], 2) << j.dump();
  j = heuristicSchedule(k, *lookupTarget("sm_80"));
  EXPECT_EQ(j["matrix_instruction"], "mma_sync") << j.dump();
  // Simpler: synchronous copies, warps instead of warpgroups, then no
  // tensor cores.
  std::vector<json> simpler =
      simplerSchedules(heuristicSchedule(k, *lookupTarget("sm_90a")));
  ASSERT_GE(simpler.size(), 3u);
  EXPECT_FALSE(simpler[0].contains("pipeline_depth"));
  EXPECT_EQ(simpler[1]["matrix_instruction"], "mma_sync");
  EXPECT_EQ(simpler[1]["thread_tile"], json({32, 64}));
  EXPECT_FALSE(simpler[2].contains("matrix_instruction"));
  for (const json &s : simpler)
    EXPECT_TRUE(verdictOf(s, nullptr, k).accepted)
        << verdictOf(s, nullptr, k).message << " " << s.dump();
}

TEST(Proposer, HeuristicUsesTensorCoresForF16GemmsOnNvidia) {
  KernelInfo k = f16GemmKernel();
  json j = heuristicSchedule(k, *lookupTarget("sm_90a"));
  EXPECT_EQ(j["matrix_instruction"], "mma_sync") << j.dump();
  EXPECT_EQ(j["thread_tile"], json({32, 32})) << j.dump();
  EXPECT_EQ(j["reduction_tile"], json({32})) << j.dump(); // 96 = 3 x 32
  j = heuristicSchedule(k, *lookupTarget("gfx942"));
  EXPECT_FALSE(j.contains("matrix_instruction")) << j.dump();
  j = heuristicSchedule(gemmKernel(), *lookupTarget("sm_90a"));
  EXPECT_FALSE(j.contains("matrix_instruction")) << j.dump();
  // Without the tensor cores, a warp's 32x32 tile becomes a thread's 4x4.
  std::vector<json> simpler = simplerSchedules(mmaSchedule());
  ASSERT_FALSE(simpler.empty());
  EXPECT_FALSE(simpler[0].contains("matrix_instruction"));
  EXPECT_EQ(simpler[0]["thread_tile"], json({4, 4}));
  EXPECT_EQ(simpler[0]["vector_width"], 4);
  EXPECT_TRUE(verdictOf(simpler[0], nullptr, k).accepted)
      << verdictOf(simpler[0], nullptr, k).message;
}

TEST(Proposer, HeuristicKeepsContractionsOverAFusedTransposeScalar) {
  // ops: 0 transpose (of B), 1 fill, 2 matmul (root and sink).
  KernelInfo k = gemmKernel();
  k.opNames = {"linalg.transpose", "linalg.fill", "linalg.matmul"};
  k.consumers = {{2}, {2}, {}};
  k.rootIndex = k.sinkIndex = 2;
  k.rootInitProducers = {1};
  k.sinkLoops = {64, 128, 96};
  k.sinkParallel = {true, true, false};
  json j = heuristicSchedule(k, *lookupTarget("sm_90a"));
  EXPECT_EQ(j.value("vector_width", 1), 1) << j.dump();
  // The same kernel without the transpose is vectorized.
  k.opNames[0] = "linalg.generic";
  k.consumers = {{}, {2}, {}};
  j = heuristicSchedule(k, *lookupTarget("sm_90a"));
  EXPECT_GT(j.value("vector_width", 1), 1) << j.dump();
}

} // namespace

