//===- ScheduleTest.cpp - schedule parsing, checks, expansion, records ----===//

#include "kgen/Schedule/Schedule.h"
#include "kgen/Conversion/SharedMemoryLayout.h"
#include "kgen/Proposer/Proposer.h"
#include "kgen/Schedule/Records.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <gtest/gtest.h>

using namespace mlir::kgen;
using nlohmann::json;

namespace {

/// A 64x128x96 gemm + bias + relu kernel as kgen-form-kernels describes it:
/// ops 0 fill, 1 matmul (root), 2 bias add, 3 relu (sink).
KernelInfo gemmKernel() {
  KernelInfo k;
  k.name = "main_kernel_0";
  k.fingerprint = "0x1234";
  k.elementType = "f32";
  k.elementBytes = 4;
  k.opNames = {"linalg.fill", "linalg.matmul", "linalg.generic",
               "linalg.generic"};
  k.consumers = {{1}, {2}, {3}, {}};
  k.rootIndex = 1;
  k.sinkIndex = 3;
  k.sinkLoops = {64, 128};
  k.sinkParallel = {true, true};
  k.rootLoops = {64, 128, 96};
  k.rootParallel = {true, true, false};
  k.rootInputLoops = {{0, 2}, {2, 1}};
  k.rootInitProducers = {0};
  k.rootOperandTypes = {"f32", "f32", "f32"};
  k.matmulLike = true;
  return k;
}

Verdict verdictOf(const json &j, Schedule *out = nullptr,
                  const KernelInfo &k = gemmKernel()) {
  Verdict verdict;
  auto s = parseSchedule(j, k, verdict);
  if (!s) {
    llvm::consumeError(s.takeError());
    return verdict;
  }
  if (out)
    *out = *s;
  return checkSchedule(*s, k, *lookupTarget("sm_90a"));
}

json base() {
  return {{"version", 1},
          {"workgroup_tile", {32, 64}},
          {"thread_tile", {4, 4}},
          {"reduction_tile", {16}}};
}

TEST(Schedule, AcceptsAPlausibleScheduleWithDefaults) {
  Schedule s;
  Verdict v = verdictOf(base(), &s);
  EXPECT_TRUE(v.accepted) << v.reason << ": " << v.message;
  EXPECT_EQ(s.fuse, (std::vector<int64_t>{0, 1, 2})); // all but the sink
  EXPECT_EQ(s.vectorWidth, 1);
  EXPECT_EQ(threadsPerBlock(s, gemmKernel()), 8 * 16);
}

TEST(Schedule, RejectionReasons) {
  auto with = [](const char *key, json value) {
    json j = base();
    j[key] = value;
    return j;
  };
  EXPECT_EQ(verdictOf(json::array()).reason, "schema");
  EXPECT_EQ(verdictOf(with("version", 2)).reason, "version");
  EXPECT_EQ(verdictOf(with("workgroup_tile", {64})).reason, "rank_mismatch");
  EXPECT_EQ(verdictOf(with("workgroup_tile", {-1, 64})).reason,
            "nonpositive_tile");
  EXPECT_EQ(verdictOf(with("thread_tile", {4, 256})).reason,
            "tile_exceeds_dim");
  EXPECT_EQ(verdictOf(with("vector_width", 3)).reason, "vector_width");
  EXPECT_EQ(verdictOf(with("pipeline_depth", 0)).reason, "pipeline_depth");
  EXPECT_EQ(verdictOf(with("fuse", {1})).reason, "illegal_fusion");
  EXPECT_EQ(verdictOf(with("promote_operands", {2})).reason, "promote_operand");
  EXPECT_EQ(verdictOf(with("matrix_instruction", "mfma")).reason,
            "matrix_instruction");
  EXPECT_EQ(verdictOf(with("split_reduction", 2)).reason, "split_reduction");
  json threads = base();
  threads["workgroup_tile"] = {64, 128};
  threads["thread_tile"] = {1, 1};
  EXPECT_EQ(verdictOf(threads).reason, "threads_per_block");
  json registers = base();
  registers["thread_tile"] = {32, 64};
  EXPECT_EQ(verdictOf(registers).reason, "registers");
  json smem = base();
  smem["workgroup_tile"] = {64, 128};
  smem["reduction_tile"] = {32};
  smem["promote_operands"] = {0, 1};
  smem["pipeline_depth"] = 4;
  // 130 KB: over what a chip with 48 KB per block has.
  TargetDescription small = *lookupTarget("sm_90a");
  small.sharedMemoryPerBlock = 48 * 1024;
  Verdict parseVerdict;
  auto parsed = parseSchedule(smem, gemmKernel(), parseVerdict);
  ASSERT_TRUE(static_cast<bool>(parsed));
  EXPECT_EQ(checkSchedule(*parsed, gemmKernel(), small).reason,
            "shared_memory");
  EXPECT_TRUE(verdictOf(smem).accepted) << verdictOf(smem).message;
}

TEST(Schedule, SharedMemoryModelCountsPromotedTiles) {
  json j = base();
  j["promote_operands"] = {0, 1};
  j["pipeline_depth"] = 2;
  Schedule s;
  ASSERT_TRUE(verdictOf(j, &s).accepted);
  // A: 32x16, B: 16x64, f32, two stages; the 32x64 f32 accumulator (the
  // fill is fused). Rows of 64 bytes or a multiple get 16 bytes (4 floats)
  // of padding, as kgen-pad-shared-buffers allocates them.
  EXPECT_EQ(estimateSharedMemory(s, gemmKernel()),
            (32 * (16 + 4) + 16 * (64 + 4)) * 4 * 2 + 32 * (64 + 4) * 4);
  // The fill left unfused would keep no accumulator tile (the model
  // follows), but it could not run on a GPU: rung 2 refuses it.
  j["fuse"] = {1, 2};
  Verdict parseVerdict;
  auto unfused = parseSchedule(j, gemmKernel(), parseVerdict);
  ASSERT_TRUE(static_cast<bool>(unfused));
  EXPECT_EQ(estimateSharedMemory(*unfused, gemmKernel()),
            (32 * (16 + 4) + 16 * (64 + 4)) * 4 * 2);
  Verdict v = verdictOf(j);
  EXPECT_EQ(v.reason, "illegal_fusion");
  EXPECT_NE(v.message.find("op 0 (linalg.fill) is not fused: on a GPU every "
                           "op of a kernel runs inside its tile loops"),
            std::string::npos)
      << v.message;
  // Rows that are not a multiple of 64 bytes are not padded.
  EXPECT_EQ(sharedBufferBytes({16, 12}, 4), 16 * 12 * 4);
  EXPECT_EQ(sharedBufferBytes({64, 64}, 2), 64 * 72 * 2);
  EXPECT_EQ(sharedBufferBytes({64}, 4), 64 * 4); // one row: nothing to pad
}

TEST(Schedule, PromotionNeedsAStructureItCanStage) {
  json j = base();
  j["promote_operands"] = {0, 1};
  EXPECT_TRUE(verdictOf(j).accepted);
  auto rejected = [](const json &schedule, const KernelInfo &k) {
    return verdictOf(schedule, nullptr, k);
  };
  json twice = j;
  twice["promote_operands"] = {1, 1};
  Verdict v = verdictOf(twice);
  EXPECT_EQ(v.reason, "promote_operand");
  EXPECT_NE(v.message.find("twice"), std::string::npos) << v.message;
  KernelInfo reduction = gemmKernel();
  reduction.matmulLike = false;
  reduction.opNames[1] = "linalg.generic";
  v = rejected(j, reduction);
  EXPECT_EQ(v.reason, "promote_operand");
  EXPECT_NE(v.message.find("matmul-like"), std::string::npos) << v.message;
  // An op feeding the root's inputs cannot be fused around the staged
  // reduction loop.
  KernelInfo producer = gemmKernel();
  producer.opNames.insert(producer.opNames.begin(), "linalg.generic");
  producer.consumers = {{2}, {2}, {3}, {4}, {}};
  producer.rootIndex = 2;
  producer.sinkIndex = 4;
  producer.rootInitProducers = {1};
  json fused = j;
  fused["fuse"] = {0, 1, 2, 3};
  v = rejected(fused, producer);
  EXPECT_EQ(v.reason, "promote_operand");
  EXPECT_NE(v.message.find("op 0 (linalg.generic) is neither"),
            std::string::npos)
      << v.message;
  // Left unfused instead, it could not run on a GPU.
  fused["fuse"] = {1, 2, 3};
  EXPECT_EQ(rejected(fused, producer).reason, "illegal_fusion");
}

TEST(Schedule, PromotedExpansionStagesOperandsInWorkgroupMemory) {
  json j = base();
  j["promote_operands"] = {1, 0};
  j["vector_width"] = 4;
  Schedule s;
  ASSERT_TRUE(verdictOf(j, &s).accepted);
  std::string script = expandSchedule(s, gemmKernel());
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
    EXPECT_NE(script.find(expected), std::string::npos) << expected << "\n"
                                                        << script;
  // The root is not the sink: its consumers read the accumulator, and no
  // write-back copy is needed.
  EXPECT_EQ(script.find("%writeback"), std::string::npos);
}

TEST(Schedule, PipelineDepthNeedsStagedReductionStepsOnNvidia) {
  json j = base();
  j["promote_operands"] = {0, 1};
  j["pipeline_depth"] = 2;
  Schedule s;
  ASSERT_TRUE(verdictOf(j, &s).accepted) << verdictOf(j).message;
  // The expansion marks the reduction loop for kgen-pipeline-shared-copies.
  std::string script = expandSchedule(s, gemmKernel());
  EXPECT_NE(script.find("transform.annotate %reduction_loop "
                        "\"kgen.pipeline_depth\" = %pipeline_depth"),
            std::string::npos)
      << script;
  j["pipeline_depth"] = 1;
  ASSERT_TRUE(verdictOf(j, &s).accepted);
  EXPECT_EQ(expandSchedule(s, gemmKernel()).find("kgen.pipeline_depth"),
            std::string::npos);

  auto reasonOf = [](json schedule, const char *target) {
    Verdict verdict;
    KernelInfo k = gemmKernel();
    auto parsed = parseSchedule(schedule, k, verdict);
    if (!parsed) {
      llvm::consumeError(parsed.takeError());
      return verdict;
    }
    return checkSchedule(*parsed, k, *lookupTarget(target));
  };
  json unstaged = base();
  unstaged["pipeline_depth"] = 2;
  Verdict v = reasonOf(unstaged, "sm_90a");
  EXPECT_EQ(v.reason, "pipeline_depth");
  EXPECT_NE(v.message.find("promote_operands"), std::string::npos) << v.message;
  json untiled = j;
  untiled["pipeline_depth"] = 2;
  untiled["reduction_tile"] = {0};
  v = reasonOf(untiled, "sm_90a");
  EXPECT_EQ(v.reason, "pipeline_depth");
  EXPECT_NE(v.message.find("reduction_tile"), std::string::npos) << v.message;
  untiled["reduction_tile"] = {96}; // one step of the whole K: no overlap
  EXPECT_EQ(reasonOf(untiled, "sm_90a").reason, "pipeline_depth");
  json amd = j;
  amd["pipeline_depth"] = 2;
  v = reasonOf(amd, "gfx942");
  EXPECT_EQ(v.reason, "pipeline_depth");
  EXPECT_NE(v.message.find("cp.async"), std::string::npos) << v.message;
  EXPECT_TRUE(reasonOf(amd, "sm_80").accepted);
}

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
  Verdict verdict;
  auto s = parseSchedule(j, k, verdict);
  ASSERT_TRUE(static_cast<bool>(s)) << verdict.message;
  EXPECT_TRUE(checkSchedule(*s, k, *lookupTarget("sm_90a")).accepted);
  // A fused producer of the root's inputs rules staging out.
  k.opNames.insert(k.opNames.begin(), "linalg.generic");
  k.consumers = {{2}, {2}, {3}, {4}, {}};
  k.rootIndex = 2;
  k.sinkIndex = 4;
  k.rootInitProducers = {1};
  j = heuristicSchedule(k, *lookupTarget("sm_90a"));
  EXPECT_FALSE(j.contains("promote_operands")) << j.dump();
}

/// The gemm kernel with f16 operands accumulated in f32 (kgen's f16
/// matmul), its output 64x128 and K 96.
KernelInfo f16GemmKernel() {
  KernelInfo k = gemmKernel();
  k.elementType = "f16";
  k.elementBytes = 2;
  k.rootOperandTypes = {"f16", "f16", "f32"};
  return k;
}

json mmaSchedule() {
  return {{"version", 1},
          {"workgroup_tile", {64, 64}},
          {"thread_tile", {32, 32}},
          {"reduction_tile", {32}},
          {"vector_width", 8},
          {"promote_operands", {0, 1}},
          {"fuse", {0, 1, 2}},
          {"matrix_instruction", "mma_sync"}};
}

TEST(Schedule, MmaSyncNeedsWholeInstructionsPerWarp) {
  KernelInfo k = f16GemmKernel();
  Schedule s;
  ASSERT_TRUE(verdictOf(mmaSchedule(), &s, k).accepted)
      << verdictOf(mmaSchedule(), nullptr, k).message;
  // The thread tile is a warp's: 4 warps of 32 lanes; a lane holds 32 of
  // its warp's 1024 accumulators, 8 registers of A and 8 of B fragments.
  EXPECT_EQ(threadsPerBlock(s, k), 4 * 32);
  EXPECT_EQ(estimateRegisters(s, k), 32 + 8 + 8 + 24);
  auto reason = [&](const char *field, const json &value,
                    const KernelInfo &kernel) {
    json j = mmaSchedule();
    j[field] = value;
    return verdictOf(j, nullptr, kernel);
  };
  Verdict v = reason("thread_tile", {24, 32}, k);
  EXPECT_EQ(v.reason, "matrix_instruction");
  EXPECT_NE(v.message.find("multiple of 16"), std::string::npos) << v.message;
  v = reason("thread_tile", {32, 12}, k);
  EXPECT_NE(v.message.find("multiple of 8"), std::string::npos) << v.message;
  v = reason("reduction_tile", {24}, k);
  EXPECT_NE(v.message.find("reduction step must be a multiple of 16"),
            std::string::npos)
      << v.message;
  v = reason("promote_operands", {1}, k);
  EXPECT_NE(v.message.find("promote_operands [0, 1]"), std::string::npos)
      << v.message;
  v = reason("matrix_instruction", "mfma", k);
  EXPECT_EQ(v.reason, "matrix_instruction");
  EXPECT_NE(v.message.find("'mfma' is not available on sm_90a"),
            std::string::npos)
      << v.message;
  // f32 operands would run as tf32, which loses precision.
  v = verdictOf(mmaSchedule(), nullptr, gemmKernel());
  EXPECT_NE(v.message.find("f16 operands accumulated in f32"),
            std::string::npos)
      << v.message;
  // AMD has no mma.sync.
  Verdict verdict;
  auto parsed = parseSchedule(mmaSchedule(), k, verdict);
  ASSERT_TRUE(static_cast<bool>(parsed));
  EXPECT_EQ(checkSchedule(*parsed, k, *lookupTarget("gfx942")).reason,
            "matrix_instruction");
}

TEST(Schedule, MmaSyncExpansionTilesTheRootOverWarps) {
  KernelInfo k = f16GemmKernel();
  Schedule s;
  ASSERT_TRUE(verdictOf(mmaSchedule(), &s, k).accepted);
  std::string script = expandSchedule(s, k);
  EXPECT_NE(script.find("%promoted_root tile_sizes [32, 32, 0] (mapping = "
                        "[#gpu.warp<y>, #gpu.warp<x>])"),
            std::string::npos)
      << script;
  EXPECT_NE(script.find("transform.annotate %root_threads \"kgen.mma_sync\""),
            std::string::npos);
  // 128 threads copy the 64x32 A tile 8 halves at a time: 2 rows each.
  EXPECT_NE(script.find("%copy0 tile_sizes [2, 8] (mapping = "
                        "[#gpu.thread<linear_dim_1>, "
                        "#gpu.thread<linear_dim_0>])"),
            std::string::npos)
      << script;
  // The root itself is not vectorized: the tensor cores compute it.
  EXPECT_EQ(script.find("%root_vector"), std::string::npos);
}

/// The f16 gemm with K 256 (wgmma takes 64-steps of K).
KernelInfo f16GemmKernelK256() {
  KernelInfo k = f16GemmKernel();
  k.rootLoops = {64, 128, 256};
  return k;
}

json wgmmaSchedule() {
  return {{"version", 1},
          {"workgroup_tile", {64, 128}},
          {"thread_tile", {64, 64}},
          {"reduction_tile", {64}},
          {"vector_width", 8},
          {"promote_operands", {0, 1}},
          {"fuse", {0, 1, 2}},
          {"matrix_instruction", "wgmma"}};
}

TEST(Schedule, WgmmaNeedsWholeInstructionsPerWarpgroup) {
  KernelInfo k = f16GemmKernelK256();
  Verdict parseVerdict;
  auto s = parseSchedule(wgmmaSchedule(), k, parseVerdict);
  ASSERT_TRUE(static_cast<bool>(s));
  // Two warpgroups of 128 threads; a thread holds 32 of its warpgroup's
  // 4096 accumulators (the operands stay in shared memory).
  EXPECT_EQ(threadsPerBlock(*s, k), 2 * 128);
  EXPECT_EQ(estimateRegisters(*s, k), 32 + 24);
  // Swizzled operand tiles are not padded; every buffer counts whole
  // 1024-byte atoms: 8 KB of A, 16 KB of B, the padded 64x128 f32
  // accumulator (33792 bytes) rounded up to 33 KB, and one atom for
  // aligning dynamic shared memory.
  EXPECT_EQ(estimateSharedMemory(*s, k), 8192 + 16384 + 33792 + 1024);
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
  EXPECT_EQ(v.reason, "matrix_instruction");
  EXPECT_NE(v.message.find("warpgroup's tile: on the M loop it must be a "
                           "multiple of 64"),
            std::string::npos)
      << v.message;
  v = reason("thread_tile", {64, 32});
  EXPECT_NE(v.message.find("on the N loop it must be a multiple of 64"),
            std::string::npos)
      << v.message;
  v = reason("reduction_tile", {32});
  EXPECT_NE(v.message.find("reduction step must be a multiple of 64"),
            std::string::npos)
      << v.message;
  // bf16 is taken, f32 is not; a transposed B is not.
  KernelInfo bf16 = k;
  bf16.rootOperandTypes = {"bf16", "bf16", "f32"};
  v = verdictOf(fits, nullptr, bf16);
  EXPECT_TRUE(v.accepted) << v.message;
  KernelInfo f32 = k;
  f32.rootOperandTypes = {"f32", "f32", "f32"};
  v = verdictOf(fits, nullptr, f32);
  EXPECT_NE(v.message.find("wgmma takes f16 or bf16 operands"),
            std::string::npos)
      << v.message;
  KernelInfo transposed = k;
  transposed.rootInputLoops = {{0, 2}, {1, 2}};
  v = verdictOf(fits, nullptr, transposed);
  EXPECT_NE(v.message.find("B as rows of K with N contiguous"),
            std::string::npos)
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
  EXPECT_NE(v.message.find("workgroup tile covers one index of batch loop 0 "
                           "(it is 2)"),
            std::string::npos)
      << v.message;
  // sm_80 has no wgmma.
  Verdict verdict;
  auto parsed = parseSchedule(fits, k, verdict);
  ASSERT_TRUE(static_cast<bool>(parsed));
  EXPECT_NE(checkSchedule(*parsed, k, *lookupTarget("sm_80"))
                .message.find("'wgmma' is not available on sm_80"),
            std::string::npos);
}

TEST(Schedule, WgmmaExpansionTilesTheRootOverWarpgroups) {
  KernelInfo k = f16GemmKernelK256();
  Schedule s;
  json j = wgmmaSchedule();
  j["workgroup_tile"] = {64, 64};
  ASSERT_TRUE(verdictOf(j, &s, k).accepted) << verdictOf(j, nullptr, k).message;
  std::string script = expandSchedule(s, k);
  EXPECT_NE(script.find("%promoted_root tile_sizes [64, 64, 0] (mapping = "
                        "[#gpu.warpgroup<y>, #gpu.warpgroup<x>])"),
            std::string::npos)
      << script;
  EXPECT_NE(script.find("transform.annotate %root_threads \"kgen.wgmma\""),
            std::string::npos);
  EXPECT_EQ(script.find("%root_vector"), std::string::npos);
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

TEST(Schedule, ExpansionIsDeterministicAndFollowsTheSchedule) {
  Schedule s;
  ASSERT_TRUE(verdictOf(base(), &s).accepted);
  std::string a = expandSchedule(s, gemmKernel());
  std::string b = expandSchedule(s, gemmKernel());
  EXPECT_EQ(a, b);
  EXPECT_NE(a.find("tile_using_forall %sink tile_sizes [32, 64] (mapping = "
                   "[#gpu.block<y>, #gpu.block<x>])"),
            std::string::npos)
      << a;
  EXPECT_NE(a.find("tile_sizes [4, 4] (mapping = [#gpu.thread<y>, "
                   "#gpu.thread<x>])"),
            std::string::npos);
  EXPECT_NE(a.find("tile_using_for %fused1_op1 tile_sizes [0, 0, 16]"),
            std::string::npos);
}

TEST(Schedule, SchemaListsEveryField) {
  json schema = scheduleJsonSchema();
  for (const char *field :
       {"version", "workgroup_tile", "thread_tile", "reduction_tile", "fuse",
        "vector_width", "promote_operands", "pipeline_depth", "split_reduction",
        "matrix_instruction"})
    EXPECT_TRUE(schema["properties"].contains(field)) << field;
  // And every field of a serialized schedule is in the schema.
  for (auto &[key, value] : Schedule().toJson().items())
    EXPECT_TRUE(schema["properties"].contains(key)) << key;
}

TEST(Schedule, MatrixInstructionsKeepTheirJsonSpelling) {
  std::vector<std::string> names;
  for (MatrixInstruction instruction : allMatrixInstructions()) {
    llvm::StringRef name = stringifyMatrixInstruction(instruction);
    names.push_back(name.str());
    EXPECT_EQ(symbolizeMatrixInstruction(name), instruction) << name.str();
    // Schedule -> JSON -> Schedule.
    Schedule s;
    s.workgroupTile = {32, 64};
    s.threadTile = {4, 4};
    s.reductionTile = {16};
    s.fuse = {0, 1, 2};
    s.matrixInstruction = instruction;
    json j = s.toJson();
    EXPECT_EQ(j["matrix_instruction"], name.str());
    Verdict verdict;
    auto parsed = parseSchedule(j, gemmKernel(), verdict);
    ASSERT_TRUE(static_cast<bool>(parsed)) << verdict.message;
    EXPECT_EQ(parsed->matrixInstruction, instruction) << name.str();
  }
  EXPECT_EQ(names,
            (std::vector<std::string>{"none", "mma_sync", "wgmma", "mfma"}));
  EXPECT_EQ(Schedule().toJson()["matrix_instruction"], "none");
  EXPECT_EQ(scheduleJsonSchema()["properties"]["matrix_instruction"]["enum"],
            json(names));
  EXPECT_EQ(symbolizeMatrixInstruction("tensor_core"), std::nullopt);
  EXPECT_EQ(symbolizeMatrixInstruction("MMA_SYNC"), std::nullopt);
  json j = base();
  j["matrix_instruction"] = "tensor_core";
  Verdict v = verdictOf(j);
  EXPECT_EQ(v.reason, "schema");
  EXPECT_EQ(v.message, "unknown matrix_instruction 'tensor_core'");
  // Targets list theirs in the same spelling.
  EXPECT_EQ(lookupTarget("sm_90a")->toJson()["matrix_instructions"],
            json({"mma_sync", "wgmma"}));
  EXPECT_EQ(lookupTarget("gfx942")->toJson()["matrix_instructions"],
            json({"mfma"}));
}

class RecordsTest : public ::testing::Test {
protected:
  void SetUp() override {
    ASSERT_FALSE(llvm::sys::fs::createUniqueDirectory("kgen-records", dir));
  }
  void TearDown() override { llvm::sys::fs::remove_directories(dir); }
  std::string path(const char *name) {
    llvm::SmallString<128> p(dir);
    llvm::sys::path::append(p, name);
    return std::string(p);
  }
  std::string read(const std::string &p) {
    auto buffer = llvm::MemoryBuffer::getFile(p);
    return buffer ? (*buffer)->getBuffer().str() : "";
  }
  llvm::SmallString<128> dir;
};

TEST_F(RecordsTest, DecisionsRoundTrip) {
  std::string p = path("d.json");
  std::string warning;
  DecisionsFile d = DecisionsFile::load(p, warning);
  EXPECT_TRUE(warning.empty());
  d.record(DecisionsFile::key("0xab", "sm_90a"), {{"schedule", base()}});
  ASSERT_FALSE(bool(d.save()));
  DecisionsFile again = DecisionsFile::load(p, warning);
  EXPECT_TRUE(warning.empty());
  const json *entry = again.lookup("0xab@sm_90a");
  ASSERT_NE(entry, nullptr);
  EXPECT_EQ((*entry)["schedule"], base());
  EXPECT_EQ(again.lookup("0xab@sm_80"), nullptr);
}

TEST_F(RecordsTest, CorruptOrForeignDecisionsAreNeverOverwritten) {
  for (const char *contents :
       {"{not json", "[1, 2]",
        "{\"format\": \"other\", \"version\": 1, \"entries\": {}}",
        "{\"format\": \"kgen-decisions\", \"version\": 99, \"entries\": {}}"}) {
    std::string p = path("bad.json");
    {
      std::error_code ec;
      llvm::raw_fd_ostream os(p, ec);
      os << contents;
    }
    std::string warning;
    DecisionsFile d = DecisionsFile::load(p, warning);
    EXPECT_NE(warning.find("is not a kgen decisions file"), std::string::npos)
        << contents;
    EXPECT_FALSE(d.isWritable());
    d.record("k", {{"schedule", base()}});
    ASSERT_FALSE(bool(d.save()));
    EXPECT_EQ(read(p), contents);
  }
}

TEST_F(RecordsTest, TrajectoryAppendsOneLinePerRecord) {
  std::string p = path("t.jsonl");
  ASSERT_FALSE(bool(appendTrajectory(p, {{"n", 1}})));
  ASSERT_FALSE(bool(appendTrajectory(p, {{"n", 2}})));
  EXPECT_EQ(read(p), "{\"n\":1}\n{\"n\":2}\n");
  llvm::Error err = appendTrajectory(path("missing/t.jsonl"), {{"n", 3}});
  EXPECT_TRUE(bool(err));
  llvm::consumeError(std::move(err));
}

} // namespace
