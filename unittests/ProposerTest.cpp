//===- ProposerTest.cpp - the heuristic and its simpler fallbacks ---------===//

#include "kgen/Proposer/Proposer.h"

#include "ScheduleFixtures.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

using namespace mlir::kgen;
using namespace mlir::kgen::testing;
using nlohmann::json;

namespace {

std::vector<int64_t> ints(std::initializer_list<int64_t> values) {
  return values;
}

TEST(Proposer, SimplerSchedulesDropStagingThenVectors) {
  Schedule s = *parsed(base());
  s.promoteOperands = {0, 1};
  s.vectorWidth = 4;
  std::vector<Schedule> simpler = simplerSchedules(s);
  ASSERT_EQ(simpler.size(), 2u);
  EXPECT_TRUE(simpler[0].promoteOperands.empty());
  EXPECT_EQ(simpler[0].vectorWidth, 4);
  EXPECT_TRUE(simpler[1].promoteOperands.empty());
  EXPECT_EQ(simpler[1].vectorWidth, 1);
  EXPECT_TRUE(simplerSchedules(*parsed(base())).empty());
}

TEST(Proposer, HeuristicStagesGemmOperandsWhenTheyFit) {
  KernelInfo k = gemmKernel();
  Schedule s = heuristicSchedule(k, *lookupTarget("sm_90a"));
  EXPECT_EQ(s.promoteOperands, ints({0, 1})) << s.toJson().dump();
  EXPECT_EQ(s.reductionTile, ints({16})) << s.toJson().dump();
  // What the proposer hands on reads back as the same schedule.
  Schedule back;
  Verdict verdict = parseSchedule(s.toJson(), k, back);
  ASSERT_TRUE(verdict.accepted) << verdict.message;
  EXPECT_EQ(back.toJson(), s.toJson());
  EXPECT_TRUE(checkSchedule(s, k, *lookupTarget("sm_90a")).accepted);
  // A fused producer of the root's inputs rules staging out.
  k.ops.insert(k.ops.begin(), genericOp());
  k.consumers = {{2}, {2}, {3}, {4}, {}};
  k.rootIndex = 2;
  k.sinkIndex = 4;
  k.rootInitProducers = {1};
  s = heuristicSchedule(k, *lookupTarget("sm_90a"));
  EXPECT_TRUE(s.promoteOperands.empty()) << s.toJson().dump();
  EXPECT_EQ(s.fuse, ints({0, 1, 2, 3})) << s.toJson().dump();
}

TEST(Proposer, HeuristicUsesWgmmaOnSm90aWhereTheReductionTakesIt) {
  KernelInfo k = f16GemmKernelK256();
  Schedule s = heuristicSchedule(k, *lookupTarget("sm_90a"));
  // One warpgroup on the whole tile (64 rows: M is 64 here; 128 columns),
  // double-buffered 64-steps.
  EXPECT_EQ(s.matrixInstruction, MatrixInstruction::Wgmma);
  EXPECT_EQ(s.workgroupTile, ints({64, 128}));
  EXPECT_EQ(s.threadTile, ints({64, 128}));
  EXPECT_EQ(s.reductionTile, ints({64}));
  EXPECT_EQ(s.pipelineDepth, 2);
  s = heuristicSchedule(k, *lookupTarget("sm_80"));
  EXPECT_EQ(s.matrixInstruction, MatrixInstruction::MmaSync);
  // Simpler: synchronous copies, warps instead of warpgroups, then no
  // tensor cores.
  std::vector<Schedule> simpler =
      simplerSchedules(heuristicSchedule(k, *lookupTarget("sm_90a")));
  ASSERT_GE(simpler.size(), 3u);
  EXPECT_EQ(simpler[0].pipelineDepth, 1);
  EXPECT_EQ(simpler[1].matrixInstruction, MatrixInstruction::MmaSync);
  EXPECT_EQ(simpler[1].threadTile, ints({32, 64}));
  EXPECT_EQ(simpler[2].matrixInstruction, MatrixInstruction::None);
  for (const Schedule &form : simpler)
    EXPECT_TRUE(verdictOf(form.toJson(), nullptr, k).accepted)
        << verdictOf(form.toJson(), nullptr, k).message << " "
        << form.toJson().dump();
}

TEST(Proposer, HeuristicUsesTensorCoresForF16GemmsOnNvidia) {
  KernelInfo k = f16GemmKernel();
  Schedule s = heuristicSchedule(k, *lookupTarget("sm_90a"));
  EXPECT_EQ(s.matrixInstruction, MatrixInstruction::MmaSync);
  EXPECT_EQ(s.threadTile, ints({32, 32}));
  EXPECT_EQ(s.reductionTile, ints({32})); // 96 = 3 x 32
  s = heuristicSchedule(k, *lookupTarget("gfx942"));
  EXPECT_EQ(s.matrixInstruction, MatrixInstruction::None);
  s = heuristicSchedule(gemmKernel(), *lookupTarget("sm_90a"));
  EXPECT_EQ(s.matrixInstruction, MatrixInstruction::None);
  // Without the tensor cores, a warp's 32x32 tile becomes a thread's 4x4.
  std::vector<Schedule> simpler = simplerSchedules(*parsed(mmaSchedule(), k));
  ASSERT_FALSE(simpler.empty());
  EXPECT_EQ(simpler[0].matrixInstruction, MatrixInstruction::None);
  EXPECT_EQ(simpler[0].threadTile, ints({4, 4}));
  EXPECT_EQ(simpler[0].vectorWidth, 4);
  EXPECT_TRUE(verdictOf(simpler[0].toJson(), nullptr, k).accepted)
      << verdictOf(simpler[0].toJson(), nullptr, k).message;
}

TEST(Proposer, HeuristicKeepsTiledContractionsOverAFusedTransposeScalar) {
  // ops: 0 transpose (of B), 1 fill, 2 matmul (root and sink).
  KernelInfo k = gemmKernel();
  k.ops = {{OpKind::Transpose, "linalg.transpose"},
           fillOp(),
           {OpKind::Matmul, "linalg.matmul"}};
  k.consumers = {{2}, {2}, {}};
  k.rootIndex = k.sinkIndex = 2;
  k.rootInitProducers = {1};
  k.sinkLoops = {64, 128, 96};
  k.sinkParallel = {true, true, false};
  EXPECT_EQ(heuristicSchedule(k, *lookupTarget("sm_90a")).vectorWidth, 1);
  // Over a whole (short, untiled) reduction the vectors stay.
  KernelInfo shortK = k;
  shortK.rootLoops = {64, 128, 48};
  EXPECT_GT(heuristicSchedule(shortK, *lookupTarget("sm_90a")).vectorWidth,
            1);
  // The same kernel without the transpose is vectorized.
  k.ops[0] = genericOp();
  k.consumers = {{}, {2}, {}};
  EXPECT_GT(heuristicSchedule(k, *lookupTarget("sm_90a")).vectorWidth, 1);
}

/// The heuristic proposer hands its typed schedule on as JSON.
TEST(Proposer, HeuristicKeepsTallTensorsWithinTheGrid) {
  // relu over 1048576 x 64: 4-row workgroups would need 262144 blocks on
  // y, over the 65535 a grid's y dimension holds.
  KernelInfo k = rowSumKernel();
  k.ops = {genericOp()};
  k.consumers = {{}};
  k.rootIndex = k.sinkIndex = 0;
  k.sinkInitProducers = k.rootInitProducers = {};
  k.sinkLoops = k.rootLoops = {1048576, 64};
  k.sinkParallel = k.rootParallel = {true, true};
  TargetDescription target = *lookupTarget("sm_90a");
  Schedule s = heuristicSchedule(k, target);
  std::vector<int64_t> grid = gridSize(s, k);
  ASSERT_EQ(grid.size(), 2u);
  EXPECT_LE(grid[1], 65535);
  EXPECT_EQ(1048576 % s.workgroupTile[0], 0);
  EXPECT_EQ(s.workgroupTile[0] % s.threadTile[0], 0);
  EXPECT_TRUE(checkSchedule(s, k, target).accepted);
  // Without the widening, rung 2 refuses the grid.
  Schedule narrow = s;
  narrow.workgroupTile[0] = 4;
  narrow.threadTile[0] = 1;
  Verdict v = checkSchedule(narrow, k, target);
  EXPECT_EQ(v.reason, Reason::GridSize);
  EXPECT_NE(v.message.find("262144 blocks along grid dimension y exceed the "
                           "65535 limit of sm_90a"),
            std::string::npos)
      << v.message;
}

TEST(Proposer, HeuristicProposerProposesTheHeuristicSchedule) {
  KernelInfo k = gemmKernel();
  TargetDescription target = *lookupTarget("sm_90a");
  std::unique_ptr<Proposer> proposer = createHeuristicProposer();
  std::vector<Candidate> candidates = proposer->propose({k, target, {}, 1});
  ASSERT_EQ(candidates.size(), 1u);
  ASSERT_TRUE(candidates[0].schedule);
  EXPECT_EQ(*candidates[0].schedule, heuristicSchedule(k, target).toJson());
}

//===----------------------------------------------------------------------===//
// The random proposer
//===----------------------------------------------------------------------===//

/// What rungs 1 and 2 say of `count` random candidates for `k`.
struct RandomVerdicts {
  std::map<std::string, int> reasons; // "accepted" or the reason code
  std::vector<Schedule> accepted;
};

RandomVerdicts randomVerdicts(const KernelInfo &k, uint64_t seed,
                              unsigned count, const char *chip = "sm_90a") {
  TargetDescription target = *lookupTarget(chip);
  RandomVerdicts out;
  for (const Candidate &c :
       createRandomProposer(seed)->propose({k, target, {}, count})) {
    Schedule s;
    Verdict v = verdictOf(*c.schedule, &s, k, chip);
    ++out.reasons[v.outcome().str()];
    if (v.accepted)
      out.accepted.push_back(s);
  }
  return out;
}

/// A 4-D elementwise kernel: more parallel loops than the grid has
/// dimensions.
KernelInfo elementwise4dKernel() {
  KernelInfo k = rowSumKernel();
  k.ops = {genericOp()};
  k.consumers = {{}};
  k.rootIndex = k.sinkIndex = 0;
  k.sinkInitProducers = k.rootInitProducers = {};
  k.sinkLoops = k.rootLoops = {2, 6, 8, 30};
  k.sinkParallel = k.rootParallel = {true, true, true, true};
  k.rootInputLoops = {{0, 1, 2, 3}};
  return k;
}

TEST(RandomProposer, IsSeededAndDeterministic) {
  KernelInfo k = f16GemmKernelK256();
  TargetDescription target = *lookupTarget("sm_90a");
  auto schedules = [&](uint64_t seed) {
    std::vector<json> out;
    for (const Candidate &c :
         createRandomProposer(seed)->propose({k, target, {}, 50}))
      out.push_back(*c.schedule);
    return out;
  };
  EXPECT_EQ(schedules(7), schedules(7));
  EXPECT_NE(schedules(7), schedules(8));
}

TEST(RandomProposer, MostCandidatesPassTheStaticChecks) {
  // Drawn within the rules, except a share broken on purpose (15%).
  for (const KernelInfo &k : {gemmKernel(), f16GemmKernelK256(), rowSumKernel(),
                              elementwise4dKernel()}) {
    RandomVerdicts v = randomVerdicts(k, 1, 1000);
    int accepted = v.reasons["accepted"];
    EXPECT_GE(accepted, 750) << k.name;
    EXPECT_LE(accepted, 950) << k.name;
  }
}

TEST(RandomProposer, AcceptedSchedulesUseEveryFeature) {
  std::set<std::string> features;
  auto record = [&](const Schedule &s) {
    features.insert(stringifyMatrixInstruction(s.matrixInstruction).str());
    features.insert("vector " + std::to_string(s.vectorWidth));
    if (s.promoteOperands.size() == 1)
      features.insert("promote one");
    if (s.promoteOperands.size() == 2)
      features.insert("promote both");
    if (s.pipelineDepth > 1)
      features.insert("pipeline");
    if (s.splitReduction > 1)
      features.insert("split");
    if (s.reductionLanes > 1)
      features.insert("lanes");
    if (llvm::any_of(s.reductionTile, [](int64_t t) { return t != 0; }))
      features.insert("reduction steps");
  };
  for (const KernelInfo &k : {f16GemmKernelK256(), rowSumKernel()})
    for (const Schedule &s : randomVerdicts(k, 1, 1000).accepted)
      record(s);
  for (const char *feature :
       {"none", "mma_sync", "wgmma", "vector 1", "vector 2", "vector 4",
        "vector 8", "promote one", "promote both", "pipeline", "split",
        "lanes", "reduction steps"})
    EXPECT_TRUE(features.count(feature)) << feature;
  // wgmma only where the target has it.
  for (const Schedule &s :
       randomVerdicts(f16GemmKernelK256(), 1, 300, "sm_80").accepted)
    EXPECT_NE(s.matrixInstruction, MatrixInstruction::Wgmma);
}

TEST(RandomProposer, BrokenCandidatesReachEveryRejection) {
  std::map<std::string, int> reasons;
  for (const KernelInfo &k : {gemmKernel(), f16GemmKernelK256(), rowSumKernel(),
                              elementwise4dKernel()})
    for (auto [reason, count] : randomVerdicts(k, 2, 2000).reasons)
      reasons[reason] += count;
  for (const char *reason :
       {"schema", "version", "rank_mismatch", "nonpositive_tile",
        "tile_exceeds_dim", "vector_width", "pipeline_depth", "split_reduction",
        "too_many_mapped_dims", "illegal_fusion", "promote_operand",
        "matrix_instruction", "threads_per_block", "registers", "grid_size"})
    EXPECT_GT(reasons[reason], 0) << reason;
}

} // namespace
