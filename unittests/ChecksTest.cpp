//===- ChecksTest.cpp - static checks of a schedule (rung 2) --------------===//

#include "kgen/Schedule/Checks.h"

#include "ScheduleFixtures.h"

#include <gtest/gtest.h>

using namespace mlir::kgen;
using namespace mlir::kgen::testing;
using nlohmann::json;

namespace {

bool contains(const std::string &text, const std::string &part) {
  return text.find(part) != std::string::npos;
}

TEST(ScheduleChecks, AcceptsAPlausibleSchedule) {
  Verdict v = verdictOf(base());
  EXPECT_TRUE(v.accepted) << stringifyReason(v.reason).str() << ": " << v.message;
  EXPECT_EQ(v.message, "accepted");
}

TEST(ScheduleChecks, RejectionReasons) {
  auto with = [](const char *key, json value) {
    json j = base();
    j[key] = value;
    return j;
  };
  EXPECT_EQ(verdictOf(with("fuse", {1})).reason, Reason::IllegalFusion);
  EXPECT_EQ(verdictOf(with("fuse", {0, 1, 2, 2})).reason, Reason::IllegalFusion);
  EXPECT_EQ(verdictOf(with("fuse", {0, 1, 2, 3})).reason, Reason::IllegalFusion);
  EXPECT_EQ(verdictOf(with("promote_operands", {2})).reason, Reason::PromoteOperand);
  EXPECT_EQ(verdictOf(with("matrix_instruction", "mfma")).reason, Reason::MatrixInstruction);
  json threads = base();
  threads["workgroup_tile"] = {64, 128};
  threads["thread_tile"] = {1, 1};
  EXPECT_EQ(verdictOf(threads).reason, Reason::ThreadsPerBlock);
  json registers = base();
  registers["thread_tile"] = {32, 64};
  EXPECT_EQ(verdictOf(registers).reason, Reason::Registers);
  json smem = base();
  smem["workgroup_tile"] = {64, 128};
  smem["reduction_tile"] = {32};
  smem["promote_operands"] = {0, 1};
  smem["pipeline_depth"] = 4;
  // 130 KB: over what a chip with 48 KB per block has.
  TargetDescription small = *lookupTarget("sm_90a");
  small.sharedMemoryPerBlock = 48 * 1024;
  std::optional<Schedule> s = parsed(smem);
  ASSERT_TRUE(s);
  EXPECT_EQ(checkSchedule(*s, gemmKernel(), small).reason, Reason::SharedMemory);
  EXPECT_TRUE(verdictOf(smem).accepted) << verdictOf(smem).message;
}

TEST(ScheduleChecks, EveryOpButTheSinkIsFused) {
  json j = base();
  j["promote_operands"] = {0, 1};
  j["fuse"] = {1, 2};
  Verdict v = verdictOf(j);
  EXPECT_EQ(v.reason, Reason::IllegalFusion);
  EXPECT_TRUE(contains(v.message, "op 0 (linalg.fill) is not fused: on a GPU "
                                  "every op of a kernel runs inside its tile "
                                  "loops"))
      << v.message;
  j = base();
  j["fuse"] = {0, 1};
  v = verdictOf(j);
  EXPECT_TRUE(contains(v.message, "op 1 is fused but its consumer op 2 is not"))
      << v.message;
}

TEST(ScheduleChecks, PromotionNeedsAStructureItCanStage) {
  json j = base();
  j["promote_operands"] = {0, 1};
  EXPECT_TRUE(verdictOf(j).accepted);
  auto rejected = [](const json &schedule, const KernelInfo &k) {
    return verdictOf(schedule, nullptr, k);
  };
  json twice = j;
  twice["promote_operands"] = {1, 1};
  Verdict v = verdictOf(twice);
  EXPECT_EQ(v.reason, Reason::PromoteOperand);
  EXPECT_TRUE(contains(v.message, "twice")) << v.message;
  KernelInfo reduction = gemmKernel();
  reduction.ops[1] = genericOp();
  v = rejected(j, reduction);
  EXPECT_EQ(v.reason, Reason::PromoteOperand);
  EXPECT_TRUE(contains(v.message, "matmul-like")) << v.message;
  // An op feeding the root's inputs cannot be fused around the staged
  // reduction loop.
  KernelInfo producer = gemmKernel();
  producer.ops.insert(producer.ops.begin(), genericOp());
  producer.consumers = {{2}, {2}, {3}, {4}, {}};
  producer.rootIndex = 2;
  producer.sinkIndex = 4;
  producer.rootInitProducers = {1};
  json fused = j;
  fused["fuse"] = {0, 1, 2, 3};
  v = rejected(fused, producer);
  EXPECT_EQ(v.reason, Reason::PromoteOperand);
  EXPECT_TRUE(contains(v.message, "op 0 (linalg.generic) is none of these"))
      << v.message;
  // Left unfused instead, it could not run on a GPU.
  fused["fuse"] = {1, 2, 3};
  EXPECT_EQ(rejected(fused, producer).reason, Reason::IllegalFusion);
  // A producer of a promoted operand that only moves data (an im2col
  // gather) is staged: computed into workgroup memory step by step, with
  // synchronous copies only (cp.async copies kernel arguments).
  producer.ops[0].movesData = true;
  producer.rootInputProducers = {0, -1};
  producer.rootInputArgs = {-1, 1};
  fused["fuse"] = {0, 1, 2, 3};
  EXPECT_TRUE(rejected(fused, producer).accepted)
      << rejected(fused, producer).message;
  json pipelined = fused;
  pipelined["pipeline_depth"] = 2;
  v = rejected(pipelined, producer);
  EXPECT_EQ(v.reason, Reason::PipelineDepth);
  EXPECT_TRUE(contains(v.message, "gathered into shared memory by its "
                                  "producer (op 0)"))
      << v.message;
  // Not when the root shares the producer's result with another op.
  producer.consumers[0] = {2, 3};
  EXPECT_EQ(rejected(fused, producer).reason, Reason::PromoteOperand);
}

TEST(ScheduleChecks, PipelineDepthNeedsStagedReductionStepsOnNvidia) {
  json j = base();
  j["promote_operands"] = {0, 1};
  j["pipeline_depth"] = 2;
  EXPECT_TRUE(verdictOf(j).accepted) << verdictOf(j).message;
  json unstaged = base();
  unstaged["pipeline_depth"] = 2;
  Verdict v = verdictOf(unstaged);
  EXPECT_EQ(v.reason, Reason::PipelineDepth);
  EXPECT_TRUE(contains(v.message, "promote_operands")) << v.message;
  json untiled = j;
  untiled["reduction_tile"] = {0};
  v = verdictOf(untiled);
  EXPECT_EQ(v.reason, Reason::PipelineDepth);
  EXPECT_TRUE(contains(v.message, "reduction_tile")) << v.message;
  untiled["reduction_tile"] = {96}; // one step of the whole K: no overlap
  EXPECT_EQ(verdictOf(untiled).reason, Reason::PipelineDepth);
  v = verdictOf(j, nullptr, gemmKernel(), "gfx942");
  EXPECT_EQ(v.reason, Reason::PipelineDepth);
  EXPECT_TRUE(contains(v.message, "cp.async")) << v.message;
  EXPECT_TRUE(verdictOf(j, nullptr, gemmKernel(), "sm_80").accepted);
}

TEST(ScheduleChecks, MappedLoopsAndVectorsStayWithinTheLanguageLimits) {
  // A 4-D elementwise kernel: at most kMaxMappedLoops tiled loops a level.
  KernelInfo k;
  k.name = "main_kernel_0";
  k.ops = {genericOp()};
  k.consumers = {{}};
  k.sinkLoops = k.rootLoops = {2, 4, 8, 16};
  k.sinkParallel = k.rootParallel = {true, true, true, true};
  k.rootInputLoops = {{0, 1, 2, 3}};
  k.rootOperandTypes = {f32Type(), f32Type()};
  static_assert(kMaxMappedLoops == 3, "the tiles below tile 3 loops");
  json j = {{"version", 1},
            {"workgroup_tile", {0, 2, 4, 8}},
            {"thread_tile", {0, 1, 1, 1}},
            {"reduction_tile", json::array()}};
  EXPECT_TRUE(verdictOf(j, nullptr, k).accepted)
      << verdictOf(j, nullptr, k).message;
  j["workgroup_tile"] = {1, 2, 4, 8};
  Verdict v = verdictOf(j, nullptr, k);
  EXPECT_EQ(v.reason, Reason::TooManyMappedDims);
  EXPECT_EQ(v.message, "at most 3 loops can be tiled per level (grid and "
                       "block have 3 dimensions; a split reduction takes "
                       "one grid dimension)");
  j["workgroup_tile"] = {0, 2, 4, 8};
  j["thread_tile"] = {1, 1, 1, 1};
  EXPECT_EQ(verdictOf(j, nullptr, k).reason, Reason::TooManyMappedDims);

  // Vectors: vector_width times the reduction step, at most
  // kMaxVectorElements.
  json vectors = base();
  vectors["thread_tile"] = {4, 8};
  vectors["vector_width"] = 8;
  vectors["reduction_tile"] = {kMaxVectorElements / 8};
  EXPECT_TRUE(verdictOf(vectors).accepted) << verdictOf(vectors).message;
  vectors["reduction_tile"] = {0}; // 8 x 96
  v = verdictOf(vectors);
  EXPECT_EQ(v.reason, Reason::VectorWidth);
  EXPECT_TRUE(contains(v.message, "makes 768-element vectors")) << v.message;
  EXPECT_TRUE(contains(v.message, "over the 512 limit")) << v.message;
  vectors["reduction_tile"] = {16};
  vectors["thread_tile"] = {4, 4};
  v = verdictOf(vectors);
  EXPECT_EQ(v.reason, Reason::VectorWidth);
  EXPECT_EQ(v.message, "vector_width 8 does not divide the innermost thread "
                       "tile 4");
}

TEST(ScheduleChecks, VectorsStayOffStridedReadsAndGathers) {
  // The vectorizer takes only plain (permuted) reads: an op reading
  // through strides or gathering fails to vectorize at rung 3 unless
  // staging computes it into workgroup memory.
  json vectors = base();
  vectors["thread_tile"] = {4, 8};
  vectors["vector_width"] = 4;
  KernelInfo strided = gemmKernel();
  strided.ops[2].readsStrided = true; // the bias add reads a slice
  ASSERT_TRUE(verdictOf(vectors).accepted) << verdictOf(vectors).message;
  Verdict v = verdictOf(vectors, nullptr, strided);
  EXPECT_EQ(v.reason, Reason::VectorWidth);
  EXPECT_TRUE(contains(v.message, "reads through strides or gathers"))
      << v.message;
  json scalar = vectors;
  scalar["vector_width"] = 1;
  EXPECT_TRUE(verdictOf(scalar, nullptr, strided).accepted);

  KernelInfo gathering = gemmKernel();
  gathering.rootGathers = true;
  EXPECT_EQ(verdictOf(vectors, nullptr, gathering).reason,
            Reason::VectorWidth);

  // An im2col-like gather (op 4) computing the root's A, staged: its tile
  // is computed into workgroup memory, so the vectors are the copies'.
  KernelInfo staged = gemmKernel();
  KernelOp gather = genericOp();
  gather.movesData = gather.readsStrided = true;
  staged.ops.push_back(gather);
  staged.consumers.push_back({1});
  staged.rootInputProducers = {4, -1};
  staged.rootInputArgs = {-1, 1};
  EXPECT_EQ(verdictOf(vectors, nullptr, staged).reason, Reason::VectorWidth);
  json promoted = vectors;
  promoted["promote_operands"] = {0, 1};
  promoted["fuse"] = {0, 1, 2, 4};
  v = verdictOf(promoted, nullptr, staged);
  EXPECT_NE(v.reason, Reason::VectorWidth) << v.message;
}

TEST(ScheduleChecks, MmaSyncNeedsWholeInstructionsPerWarp) {
  KernelInfo k = f16GemmKernel();
  ASSERT_TRUE(verdictOf(mmaSchedule(), nullptr, k).accepted)
      << verdictOf(mmaSchedule(), nullptr, k).message;
  auto reason = [&](const char *field, const json &value,
                    const KernelInfo &kernel) {
    json j = mmaSchedule();
    j[field] = value;
    return verdictOf(j, nullptr, kernel);
  };
  // The smallest warp tile: one instruction.
  EXPECT_TRUE(
      reason("thread_tile", {kMmaSyncTiling.mUnit, kMmaSyncTiling.nUnit * 2}, k)
          .accepted);
  Verdict v = reason("thread_tile", {24, 32}, k);
  EXPECT_EQ(v.reason, Reason::MatrixInstruction);
  EXPECT_TRUE(contains(v.message, "multiple of 16")) << v.message;
  v = reason("thread_tile", {32, 12}, k);
  EXPECT_TRUE(contains(v.message, "multiple of 8")) << v.message;
  v = reason("reduction_tile", {24}, k);
  EXPECT_TRUE(contains(v.message, "reduction step must be a multiple of 16"))
      << v.message;
  v = reason("promote_operands", {1}, k);
  EXPECT_TRUE(contains(v.message, "promote_operands [0, 1]")) << v.message;
  v = reason("matrix_instruction", "mfma", k);
  EXPECT_EQ(v.reason, Reason::MatrixInstruction);
  EXPECT_TRUE(contains(v.message, "'mfma' is not available on sm_90a"))
      << v.message;
  // mfma where it exists is not generated yet.
  v = verdictOf(mmaSchedule(), nullptr, k, "gfx942");
  EXPECT_TRUE(contains(v.message, "'mma_sync' is not available on gfx942"))
      << v.message;
  json mfma = mmaSchedule();
  mfma["matrix_instruction"] = "mfma";
  v = verdictOf(mfma, nullptr, k, "gfx942");
  EXPECT_EQ(v.reason, Reason::MatrixInstruction);
  EXPECT_TRUE(contains(v.message, "kgen does not generate 'mfma' code yet"))
      << v.message;
  // f32 operands would run as tf32, which loses precision.
  v = verdictOf(mmaSchedule(), nullptr, gemmKernel());
  EXPECT_TRUE(contains(v.message, "f16 operands accumulated in f32"))
      << v.message;
}

TEST(ScheduleChecks, WgmmaNeedsWholeInstructionsPerWarpgroup) {
  KernelInfo k = f16GemmKernelK256();
  EXPECT_TRUE(verdictOf(wgmmaSchedule(), nullptr, k).accepted)
      << verdictOf(wgmmaSchedule(), nullptr, k).message;
  // The tile checks on a 64x64 workgroup tile, one warpgroup.
  json fits = wgmmaSchedule();
  fits["workgroup_tile"] = {64, 64};
  EXPECT_TRUE(verdictOf(fits, nullptr, k).accepted)
      << verdictOf(fits, nullptr, k).message;
  auto reason = [&](const char *field, const json &value) {
    json j = fits;
    j[field] = value;
    return verdictOf(j, nullptr, k);
  };
  Verdict v = reason("thread_tile", {32, 64});
  EXPECT_EQ(v.reason, Reason::MatrixInstruction);
  EXPECT_TRUE(contains(v.message, "warpgroup's tile: on the M loop it must be "
                                  "a multiple of 64"))
      << v.message;
  v = reason("thread_tile", {64, 32});
  EXPECT_TRUE(contains(v.message, "on the N loop it must be a multiple of 64"))
      << v.message;
  v = reason("reduction_tile", {32});
  EXPECT_TRUE(contains(v.message, "reduction step must be a multiple of 64"))
      << v.message;
  // bf16 is taken, f32 is not; a transposed B is not.
  KernelInfo bf16 = k;
  bf16.rootOperandTypes = {bf16Type(), bf16Type(), f32Type()};
  v = verdictOf(fits, nullptr, bf16);
  EXPECT_TRUE(v.accepted) << v.message;
  KernelInfo f32 = k;
  f32.rootOperandTypes = {f32Type(), f32Type(), f32Type()};
  v = verdictOf(fits, nullptr, f32);
  EXPECT_TRUE(contains(v.message, "wgmma takes f16 or bf16 operands"))
      << v.message;
  KernelInfo transposed = k;
  transposed.rootInputLoops = {{0, 2}, {1, 2}};
  v = verdictOf(fits, nullptr, transposed);
  EXPECT_TRUE(contains(v.message, "B as rows of K with N contiguous"))
      << v.message;
  // A batched gemm: the warpgroup tile and the workgroup tile cover one
  // index of the batch loop (the swizzled tiles are single matrices).
  KernelInfo batched = k;
  batched.sinkLoops = {4, 64, 128};
  batched.sinkParallel = {true, true, true};
  batched.rootLoops = {4, 64, 128, 256};
  batched.rootParallel = {true, true, true, false};
  batched.rootInputLoops = {{0, 1, 3}, {0, 3, 2}};
  json batch = fits;
  batch["workgroup_tile"] = {1, 64, 64};
  batch["thread_tile"] = {1, 64, 64};
  EXPECT_TRUE(verdictOf(batch, nullptr, batched).accepted)
      << verdictOf(batch, nullptr, batched).message;
  batch["workgroup_tile"] = {2, 64, 64};
  v = verdictOf(batch, nullptr, batched);
  EXPECT_TRUE(contains(v.message, "workgroup tile covers one index of batch "
                                  "loop 0 (it is 2)"))
      << v.message;
  // sm_80 has no wgmma.
  v = verdictOf(fits, nullptr, k, "sm_80");
  EXPECT_TRUE(contains(v.message, "'wgmma' is not available on sm_80"))
      << v.message;
}

// Schedules the verifier used to accept that -kgen-gpu-codegen then
// refused (found by scripts/fuzz_schedules.py); rung 2 rejects them now.

/// The bias add of a 1-D convolution, 2x5x17, one op.
KernelInfo biasAddKernel() {
  KernelInfo k = rowSumKernel();
  k.ops = {genericOp()};
  k.consumers = {{}};
  k.rootIndex = k.sinkIndex = 0;
  k.sinkInitProducers = k.rootInitProducers = {};
  k.sinkLoops = k.rootLoops = {2, 5, 17};
  k.sinkParallel = k.rootParallel = {true, true, true};
  k.rootInputLoops = {{0, 1, 2}, {1}};
  k.rootOperandTypes = {f32Type(), f32Type(), f32Type()};
  return k;
}

TEST(ScheduleChecks, TilesDivideTheirLoops) {
  // A workgroup tile of 4 on a loop of 5: the last workgroup's thread
  // loop has a dynamic trip count ("thread loops with dynamic trip counts
  // cannot be mapped to a block").
  KernelInfo k = biasAddKernel();
  json j = {{"version", 1},
            {"workgroup_tile", {2, 4, 0}},
            {"thread_tile", {2, 5, 16}},
            {"reduction_tile", json::array()}};
  Verdict v = verdictOf(j, nullptr, k);
  EXPECT_EQ(v.reason, Reason::TileExceedsDim);
  EXPECT_TRUE(contains(v.message, "workgroup_tile 4 does not divide loop 1 "
                                  "(size 5)"))
      << v.message;
  // A thread tile of 16 in a workgroup tile of 17: the last thread's
  // buffers would have dynamic sizes.
  j["workgroup_tile"] = {2, 5, 0};
  v = verdictOf(j, nullptr, k);
  EXPECT_EQ(v.reason, Reason::TileExceedsDim);
  EXPECT_TRUE(contains(v.message, "thread_tile 16 does not divide the "
                                  "workgroup tile 17 of loop 2"))
      << v.message;
  j["thread_tile"] = {2, 5, 1};
  EXPECT_TRUE(verdictOf(j, nullptr, k).accepted)
      << verdictOf(j, nullptr, k).message;
}

TEST(ScheduleChecks, ThreadLoopsRunInsideAWorkgroupLoop) {
  // Thread loops with no workgroup loop around them: the kernel's ops stay
  // outside the scheduled loops ("cannot run on the GPU").
  KernelInfo k = biasAddKernel();
  json j = {{"version", 1},
            {"workgroup_tile", {0, 0, 0}},
            {"thread_tile", {1, 1, 1}},
            {"reduction_tile", json::array()}};
  Verdict v = verdictOf(j, nullptr, k);
  EXPECT_EQ(v.reason, Reason::GridSize);
  EXPECT_TRUE(contains(v.message, "workgroup_tile tiles no loop")) << v.message;
  // A tile of a loop's whole size puts it on the grid.
  j["workgroup_tile"] = {0, 0, 17};
  EXPECT_TRUE(verdictOf(j, nullptr, k).accepted)
      << verdictOf(j, nullptr, k).message;
  // Without thread loops either, one thread runs the kernel (what the
  // heuristic gives a kernel whose loops all have one iteration).
  j["workgroup_tile"] = {0, 0, 0};
  j["thread_tile"] = {0, 0, 0};
  k.sinkLoops = k.rootLoops = {1, 1, 1};
  EXPECT_TRUE(verdictOf(j, nullptr, k).accepted)
      << verdictOf(j, nullptr, k).message;
}

TEST(ScheduleChecks, WgmmaCopiesItsTilesInVectors) {
  // Unvectorized copies into the swizzled tiles: "cannot lower this op to
  // wgmma: A is staged in shared memory that 'memref.copy' also uses".
  KernelInfo k = f16GemmKernelK256();
  json j = wgmmaSchedule();
  j["vector_width"] = 1;
  Verdict v = verdictOf(j, nullptr, k);
  EXPECT_EQ(v.reason, Reason::MatrixInstruction);
  EXPECT_TRUE(contains(v.message, "vector_width must be at least 2"))
      << v.message;
  j["vector_width"] = 2;
  EXPECT_TRUE(verdictOf(j, nullptr, k).accepted)
      << verdictOf(j, nullptr, k).message;
}

} // namespace

namespace {
/// Lanes over rowSumKernel's 1024-long rows (256 of them): `lanes` lanes
/// of `width`-wide vectors per row, `rows` rows per workgroup.
nlohmann::json laneSchedule(int64_t lanes, int64_t width, int64_t rows = 1) {
  return {{"version", 1},         {"workgroup_tile", {rows}},
          {"thread_tile", {1}},   {"reduction_tile", {0}},
          {"vector_width", width}, {"reduction_lanes", lanes}};
}

std::string laneReason(const nlohmann::json &j,
                       const KernelInfo &k = rowSumKernel()) {
  Verdict v = verdictOf(j, nullptr, k);
  return v.accepted ? "" : stringifyReason(v.reason).str();
}
} // namespace

TEST(ScheduleChecks, ReductionLanesShareTheRowEvenly) {
  // A warp of lanes per row, 8 rows per block; a block of 256 lanes.
  EXPECT_EQ(laneReason(laneSchedule(32, 4, 8)), "");
  EXPECT_EQ(laneReason(laneSchedule(256, 4)), "");
  // Rung 1: a power of two or a multiple of 32, at most a block, dividing
  // the row in vectors.
  EXPECT_EQ(laneReason(laneSchedule(48, 4)), "reduction_lanes");
  EXPECT_EQ(laneReason(laneSchedule(2048, 1)), "reduction_lanes");
  EXPECT_EQ(laneReason(laneSchedule(0, 1)), "reduction_lanes");
  EXPECT_EQ(laneReason(laneSchedule(512, 4)), "reduction_lanes");
  // The reduction tile counts vectors per lane: 1024 / (32 * 4) = 8.
  nlohmann::json tiled = laneSchedule(32, 4, 8);
  tiled["reduction_tile"] = {4};
  EXPECT_EQ(laneReason(tiled), "");
  tiled["reduction_tile"] = {16};
  EXPECT_EQ(laneReason(tiled), "tile_exceeds_dim");
  nlohmann::json split = laneSchedule(32, 4);
  split["split_reduction"] = 2;
  EXPECT_EQ(laneReason(split), "reduction_lanes");
  // A gemm has no innermost reduction of its own output's rows.
  nlohmann::json gemm = base();
  gemm["reduction_lanes"] = 32;
  gemm["reduction_tile"] = {0};
  EXPECT_EQ(laneReason(gemm, gemmKernel()), "reduction_lanes");
}

TEST(ScheduleChecks, ReductionLanesNeedAnOutputDimension) {
  // A sum of 1024 elements to a scalar: the lanes' combination runs in a
  // thread loop over the outputs, and there is none (the expansion of
  // such a schedule crashed before rung 2 refused it).
  KernelInfo scalar = rowSumKernel();
  scalar.sinkLoops = scalar.rootLoops = {1024};
  scalar.sinkParallel = scalar.rootParallel = {false};
  scalar.rootInputLoops = {{0}};
  nlohmann::json lanes = {{"version", 1},        {"workgroup_tile", nlohmann::json::array()},
                          {"thread_tile", nlohmann::json::array()}, {"reduction_tile", {0}},
                          {"vector_width", 1},   {"reduction_lanes", 32}};
  Verdict v = verdictOf(lanes, nullptr, scalar);
  EXPECT_FALSE(v.accepted);
  EXPECT_EQ(stringifyReason(v.reason), "reduction_lanes");
  EXPECT_NE(v.message.find("output dimension"), std::string::npos) << v.message;
  lanes["reduction_lanes"] = 1;
  EXPECT_TRUE(verdictOf(lanes, nullptr, scalar).accepted);
}

TEST(ScheduleChecks, ReductionLanesMayBeWholeSubgroupsOfAnyCount) {
  // Rows of 32000 floats: 8000 vectors, which 800 lanes (25 warps) split
  // evenly and no power of two above 64 does.
  KernelInfo vocab = rowSumKernel();
  vocab.sinkLoops = vocab.rootLoops = {256, 32000};
  EXPECT_EQ(laneReason(laneSchedule(800, 4), vocab), "");
  // Rung 1: neither a power of two nor a multiple of 32.
  EXPECT_EQ(laneReason(laneSchedule(40, 4), vocab), "reduction_lanes");
  // gfx942's subgroups are 64 wide: 800 lanes would end one mid-subgroup,
  // pairing a row's lanes with the next row's in the butterfly.
  Verdict amd = verdictOf(laneSchedule(800, 4), nullptr, vocab, "gfx942");
  EXPECT_EQ(amd.reason, Reason::ReductionLanes);
  EXPECT_TRUE(contains(amd.message, "does not fit subgroups of 64"))
      << amd.message;
  Verdict twoRows =
      verdictOf(laneSchedule(800, 4, 2), nullptr, vocab, "gfx942");
  EXPECT_EQ(twoRows.reason, Reason::ReductionLanes) << twoRows.message;
  EXPECT_TRUE(
      verdictOf(laneSchedule(320, 4), nullptr, vocab, "gfx942").accepted);
  // Whole 64-wide waves in the block (2 rows of 96 lanes: 192 threads),
  // but a row's lanes straddle two of them: only the subgroup rule sees it.
  KernelInfo rows3072 = rowSumKernel();
  rows3072.sinkLoops = rows3072.rootLoops = {256, 3072};
  Verdict straddle =
      verdictOf(laneSchedule(96, 4, 2), nullptr, rows3072, "gfx942");
  EXPECT_EQ(straddle.reason, Reason::ReductionLanes);
  EXPECT_TRUE(contains(straddle.message, "does not fit subgroups of 64"))
      << straddle.message;
  EXPECT_EQ(laneReason(laneSchedule(96, 4, 2), rows3072), "");
  // Out of range is said as such, not as a shape rule.
  Verdict tooMany = verdictOf(laneSchedule(2048, 1), nullptr, vocab);
  EXPECT_TRUE(contains(tooMany.message, "reduction_lanes 2048 is not in "
                                        "[1, 1024]"))
      << tooMany.message;
}

TEST(ScheduleChecks, ReductionLanesTakeOneOutputPerThread) {
  // Two rows per thread would leave a lane with two outputs.
  nlohmann::json twoRows = laneSchedule(32, 4, 8);
  twoRows["thread_tile"] = {2};
  EXPECT_EQ(laneReason(twoRows), "reduction_lanes");
  // 8 rows of 256 lanes: 2048 threads per block.
  EXPECT_EQ(laneReason(laneSchedule(256, 4, 8)), "threads_per_block");
  // f64 partials have no shuffle.
  KernelInfo f64 = rowSumKernel();
  f64.rootOperandTypes = {mlir::Float64Type::get(&fixtureContext()),
                          mlir::Float64Type::get(&fixtureContext())};
  EXPECT_EQ(laneReason(laneSchedule(32, 4, 8), f64), "reduction_lanes");
  // A fused op computing the root's input: lanes read memory.
  KernelInfo producer = rowSumKernel();
  producer.ops = {fillOp(), genericOp(), genericOp()};
  producer.consumers = {{2}, {2}, {}};
  producer.rootIndex = producer.sinkIndex = 2;
  producer.rootInitProducers = producer.sinkInitProducers = {0};
  nlohmann::json all = laneSchedule(32, 4, 8);
  EXPECT_EQ(laneReason(all, producer), "reduction_lanes");
}
