//===- ResourceModelTest.cpp - what a schedule costs a GPU ----------------===//

#include "kgen/Schedule/ResourceModel.h"

#include "ScheduleFixtures.h"

#include "kgen/Schedule/SharedMemoryLayout.h"

#include <gtest/gtest.h>

using namespace mlir::kgen;
using namespace mlir::kgen::testing;
using nlohmann::json;

namespace {

TEST(ResourceModel, ThreadsRegistersAndVectorsOfAPlainSchedule) {
  std::optional<Schedule> s = parsed(base());
  ASSERT_TRUE(s);
  KernelInfo k = gemmKernel();
  // 32x64 per workgroup, 4x4 per thread.
  EXPECT_EQ(threadsPerBlock(*s, k), 8 * 16);
  // 16 accumulators, one element of each of the 2 inputs (double
  // buffered), 24 for indices and addresses.
  EXPECT_EQ(estimateRegisters(*s, k), 16 + 2 * 2 + 24);
  EXPECT_EQ(estimateSharedMemory(*s, k), 0);
  EXPECT_EQ(vectorElements(*s, k), 16);
  s->vectorWidth = 4;
  EXPECT_EQ(estimateRegisters(*s, k), 16 + 2 * 4 * 2 + 24);
  EXPECT_EQ(vectorElements(*s, k), 4 * 16);
  s->reductionTile = {0}; // the whole K of 96
  EXPECT_EQ(vectorElements(*s, k), 4 * 96);
  // A thread tile of 0 keeps the workgroup tile in one thread.
  s->threadTile = {0, 4};
  EXPECT_EQ(threadsPerBlock(*s, k), 16);
  EXPECT_EQ(estimateRegisters(*s, k), 32 * 4 + 2 * 4 * 2 + 24);
}

TEST(ResourceModel, SharedMemoryCountsPromotedTiles) {
  json j = base();
  j["promote_operands"] = {0, 1};
  j["pipeline_depth"] = 2;
  std::optional<Schedule> s = parsed(j);
  ASSERT_TRUE(s);
  // A: 32x16, B: 16x64, f32, two stages; the 32x64 f32 accumulator (the
  // fill is fused). Rows of 64 bytes or a multiple get 16 bytes (4 floats)
  // of padding, as kgen-pad-shared-buffers allocates them.
  EXPECT_EQ(estimateSharedMemory(*s, gemmKernel()),
            (32 * (16 + 4) + 16 * (64 + 4)) * 4 * 2 + 32 * (64 + 4) * 4);
  // The fill left unfused would keep no accumulator tile (the model
  // follows; rung 2 refuses such a schedule).
  j["fuse"] = {1, 2};
  std::optional<Schedule> unfused = parsed(j);
  ASSERT_TRUE(unfused);
  EXPECT_EQ(estimateSharedMemory(*unfused, gemmKernel()),
            (32 * (16 + 4) + 16 * (64 + 4)) * 4 * 2);
  // Rows that are not a multiple of 64 bytes are not padded.
  EXPECT_EQ(sharedBufferBytes({16, 12}, 4), 16 * 12 * 4);
  EXPECT_EQ(sharedBufferBytes({64, 64}, 2), 64 * 72 * 2);
  EXPECT_EQ(sharedBufferBytes({64}, 4), 64 * 4); // one row: nothing to pad
}

TEST(ResourceModel, StagedOperandsTakeTheirOwnElementSize) {
  json j = base();
  j["promote_operands"] = {0, 1};
  std::optional<Schedule> s = parsed(j);
  ASSERT_TRUE(s);
  // A as a bool mask (i8) and B as positions (i64) beside f32 compute:
  // A's 32x16 tile is 512 bytes (rows of 16 bytes, unpadded), B's 16x64
  // 8-byte tile has rows of 512 bytes, padded by 16 bytes.
  KernelInfo k = gemmKernel();
  k.rootOperandTypes = {mlir::IntegerType::get(&fixtureContext(), 8),
                        mlir::IntegerType::get(&fixtureContext(), 64), f32Type()};
  EXPECT_EQ(estimateSharedMemory(*s, k),
            32 * 16 + 16 * (64 * 8 + 16) + 32 * (64 + 4) * 4);
}

TEST(ResourceModel, MmaSyncSpreadsAWarpTileOverItsLanes) {
  KernelInfo k = f16GemmKernel();
  std::optional<Schedule> s = parsed(mmaSchedule(), k);
  ASSERT_TRUE(s);
  // The thread tile is a warp's: 4 warps of 32 lanes; a lane holds 32 of
  // its warp's 1024 accumulators, 8 registers of A and 8 of B fragments.
  EXPECT_EQ(threadsPerBlock(*s, k), 4 * kMmaSyncTiling.threads);
  EXPECT_EQ(estimateRegisters(*s, k), 32 + 8 + 8 + 24);
}

TEST(ResourceModel, WgmmaTilesAreSwizzledAndAtomAligned) {
  KernelInfo k = f16GemmKernelK256();
  std::optional<Schedule> s = parsed(wgmmaSchedule(), k);
  ASSERT_TRUE(s);
  // Two warpgroups of 128 threads; a thread holds 32 of its warpgroup's
  // 4096 accumulators (the operands stay in shared memory).
  EXPECT_EQ(threadsPerBlock(*s, k), 2 * kWgmmaTiling.threads);
  EXPECT_EQ(estimateRegisters(*s, k), 32 + 24);
  // Swizzled operand tiles are not padded; every buffer counts whole
  // 1024-byte atoms: 8 KB of A, 16 KB of B, the padded 64x128 f32
  // accumulator (33792 bytes) rounded up to 33 KB, and one atom for
  // aligning dynamic shared memory.
  EXPECT_EQ(estimateSharedMemory(*s, k), 8192 + 16384 + 33792 + 1024);
  // Double-buffered, the operand tiles count twice.
  s->pipelineDepth = 2;
  EXPECT_EQ(estimateSharedMemory(*s, k), 2 * (8192 + 16384) + 33792 + 1024);
}

TEST(ResourceModel, GlobalBytesCountPassesOverArguments) {
  // A row sum whose sink reads the row again: 256 rows of 1024 floats (1
  // MiB) read by the reduction and by the normalizing sink, written once.
  KernelInfo k = rowSumKernel();
  k.ops = {fillOp(), genericOp(), genericOp()};
  k.ops[1].argsRead = {0};
  k.ops[2].argsRead = {0};
  k.consumers = {{1}, {2}, {}};
  k.sinkIndex = 2;
  k.rootInputArgs = {0};
  k.argBytes = {256 * 1024 * 4};
  k.resultBytes = 256 * 1024 * 4;
  k.bytes = k.argBytes[0] + k.resultBytes;
  Schedule s;
  s.reductionLanes = 32;
  // Two passes over the row and the write: 1.5 times the floor's traffic.
  EXPECT_EQ(estimateGlobalBytes(s, k), 3.0 * 256 * 1024 * 4);
  // Staged rows are read once for both readers: the floor.
  s.promoteOperands = {0};
  EXPECT_EQ(estimateGlobalBytes(s, k), k.bytes);
  // promote_operands without lanes stages tiles, not rows.
  s.reductionLanes = 1;
  EXPECT_EQ(estimateGlobalBytes(s, k), 3.0 * 256 * 1024 * 4);
  // A contraction's tile re-reads are not modeled.
  EXPECT_FALSE(estimateGlobalBytes(s, gemmKernel()));
}

TEST(ResourceModel, SharedReadsPerFmaFollowTheRegisterTile) {
  json j = base();
  j["promote_operands"] = {0, 1};
  std::optional<Schedule> s = parsed(j);
  ASSERT_TRUE(s);
  KernelInfo k = gemmKernel();
  // 4x4 per thread: 4 + 4 floats per 16 multiply-adds.
  EXPECT_DOUBLE_EQ(*sharedBytesPerFma(*s, k), 2.0);
  // Only A staged: B's reads come from global memory.
  s->promoteOperands = {0};
  EXPECT_DOUBLE_EQ(*sharedBytesPerFma(*s, k), 1.0);
  s->promoteOperands = {0, 1};
  s->threadTile = {8, 8};
  EXPECT_DOUBLE_EQ(*sharedBytesPerFma(*s, k), 1.0);
  // Nothing staged, or no matmul-like root: nothing to say.
  s->promoteOperands = {};
  EXPECT_FALSE(sharedBytesPerFma(*s, k));
  EXPECT_FALSE(sharedBytesPerFma(*parsed(base()), rowSumKernel()));
  // A warp's 32x32 tile of halves (mma_sync).
  KernelInfo h = f16GemmKernel();
  std::optional<Schedule> mma = parsed(mmaSchedule(), h);
  ASSERT_TRUE(mma);
  EXPECT_DOUBLE_EQ(*sharedBytesPerFma(*mma, h), 2.0 * 64 / 1024);
}

TEST(ResourceModel, BlocksPerMultiprocessorTakeTheTightestLimit) {
  TargetDescription target = *lookupTarget("sm_90a");
  json j = base();
  j["promote_operands"] = {0, 1};
  std::optional<Schedule> s = parsed(j);
  ASSERT_TRUE(s);
  KernelInfo k = gemmKernel();
  // 128 threads of 44 registers: 11 blocks by registers, 16 by threads.
  ASSERT_EQ(threadsPerBlock(*s, k), 128);
  ASSERT_EQ(estimateRegisters(*s, k), 44);
  EXPECT_EQ(blocksPerMultiprocessor(*s, k, target), 65536 / (44 * 128));
  // Little shared memory per multiprocessor: shared memory decides.
  target.multiprocessor.sharedMemory = 2 * estimateSharedMemory(*s, k);
  EXPECT_EQ(blocksPerMultiprocessor(*s, k, target), 2);
  // Never below one (rung 2 refuses what does not fit at all).
  target.multiprocessor.sharedMemory = 1;
  EXPECT_EQ(blocksPerMultiprocessor(*s, k, target), 1);
}

TEST(ResourceModel, FlopRateIsCappedByPeakOrSharedBandwidthAndFill) {
  TargetDescription target = *lookupTarget("sm_90a");
  KernelInfo k = gemmKernel();
  k.flops = 2.0 * 64 * 128 * 96;
  json j = base();
  j["promote_operands"] = {0, 1};
  std::optional<Schedule> s = parsed(j);
  ASSERT_TRUE(s);
  std::optional<FlopRateEstimate> e = estimateFlopRate(*s, k, target);
  ASSERT_TRUE(e);
  // 2 bytes per multiply-add: the shared bandwidth allows half an FMA per
  // byte per second, below the f32 peak.
  EXPECT_EQ(e->limit, RateLimit::SharedMemory);
  EXPECT_DOUBLE_EQ(e->sharedLimit,
                   2 * target.multiprocessor.sharedBandwidth / 2.0);
  EXPECT_LT(e->sharedLimit, e->peak);
  // 4 blocks (2x2 tiles of 32x64) for 132 multiprocessors: 4 are busy.
  EXPECT_DOUBLE_EQ(e->gridFill, 4.0 / 132);
  // One block of 4 warps per busy multiprocessor.
  EXPECT_DOUBLE_EQ(e->warpFill, 1.0);
  EXPECT_DOUBLE_EQ(e->flopsPerSecond, e->sharedLimit * e->gridFill);
  // 8x8 register tiles read half as much: as much as the f32 peak uses
  // (an H100 SM reads 128 bytes and issues 128 FMAs per clock).
  s->threadTile = {8, 8};
  e = estimateFlopRate(*s, k, target);
  ASSERT_TRUE(e);
  EXPECT_NEAR(e->sharedLimit / e->peak, 1.0, 0.01);
  // A 32x64 block of 8x8 tiles is one warp: a quarter of the schedulers.
  EXPECT_DOUBLE_EQ(e->warpFill, 1.0 / kWarpsToIssue);
  // 16x16 tiles are bound by the peak.
  s->threadTile = {16, 16};
  e = estimateFlopRate(*s, k, target);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->limit, RateLimit::Arithmetic);
  EXPECT_DOUBLE_EQ(e->flopsPerSecond, e->peak * e->gridFill * e->warpFill);
  // A grid of one round keeps every multiprocessor with a block busy,
  // whatever else would fit beside it; 3 rounds of 11 with one block in
  // the last leave the last round's other places idle.
  KernelInfo wide = gemmKernel();
  wide.flops = 1;
  wide.sinkLoops = {32 * 132, 64};
  wide.rootLoops = {32 * 132, 64, 96};
  s->threadTile = {4, 4};
  e = estimateFlopRate(*s, wide, target);
  ASSERT_TRUE(e);
  EXPECT_DOUBLE_EQ(e->gridFill, 1.0);
  int64_t perRound = 132 * e->blocksPerMultiprocessor;
  wide.sinkLoops[0] = wide.rootLoops[0] = 32 * (2 * perRound + 1);
  e = estimateFlopRate(*s, wide, target);
  ASSERT_TRUE(e);
  EXPECT_DOUBLE_EQ(e->gridFill, (2.0 * perRound + 1) / (3.0 * perRound));
  // Reductions and other kernels get no estimate.
  k.flops = 0;
  EXPECT_FALSE(estimateFlopRate(*s, k, target));
  EXPECT_FALSE(estimateFlopRate(*parsed(base()), rowSumKernel(), target));
}

} // namespace
