//===- CostModel.cpp - the static estimate of a scheduled kernel ----------===//

#include "kgen/Tune/CostModel.h"

#include "kgen/Schedule/ResourceModel.h"

#include <algorithm>
#include <cmath>

using namespace mlir;
using namespace mlir::kgen;
using json = nlohmann::json;

/// Threads (times their vector width) one multiprocessor needs in flight to
/// keep its share of the memory bandwidth busy.
constexpr double kThreadsToSaturate = 1024;
/// Threads one multiprocessor holds at once (NVIDIA since sm_80; AMD's
/// CUs hold as many lanes).
constexpr int64_t kThreadsPerMultiprocessor = 2048;

json CostEstimate::toJson() const {
  return {{"bytes_moved", bytesMoved},
          {"bytes_floor", bytesFloor},
          {"flops", flops},
          {"threads", threads},
          {"blocks", blocks},
          {"registers", registers},
          {"shared_bytes", sharedBytes},
          {"flop_rate", flopRate ? flopRate->toJson() : json(nullptr)},
          {"milliseconds", milliseconds}};
}

/// Workgroup tiles along each root parallel loop, when the sink's parallel
/// loops are the root's (a contraction with an elementwise epilogue).
static std::vector<int64_t> tilesPerRootLoop(const Schedule &schedule,
                                             const KernelInfo &kernel) {
  std::vector<int64_t> tiles(kernel.rootLoops.size(), 1);
  std::vector<int64_t> sinkSizes = kernel.sinkParallelSizes();
  size_t next = 0;
  for (size_t loop = 0; loop < kernel.rootLoops.size(); ++loop) {
    if (!kernel.rootParallel[loop])
      continue;
    if (next >= sinkSizes.size() || next >= schedule.workgroupTile.size())
      break;
    int64_t tile = schedule.workgroupTile[next];
    int64_t size = sinkSizes[next++];
    tiles[loop] = tile > 0 ? (size + tile - 1) / tile : 1;
  }
  return tiles;
}

/// Traffic of a contraction: each operand read once per workgroup tile of
/// the loops it is not indexed by (the caches are assumed to keep nothing
/// between workgroups), everything else once.
static double contractionBytes(const Schedule &schedule,
                               const KernelInfo &kernel) {
  std::vector<int64_t> tiles = tilesPerRootLoop(schedule, kernel);
  double bytes = kernel.bytes;
  for (size_t input = 0; input < kernel.rootInputLoops.size(); ++input) {
    int64_t arg = kernel.rootInputArgs[input];
    if (arg < 0)
      continue;
    double reads = 1;
    const std::vector<int64_t> &indexedBy = kernel.rootInputLoops[input];
    for (size_t loop = 0; loop < tiles.size(); ++loop)
      if (!llvm::is_contained(indexedBy, static_cast<int64_t>(loop)))
        reads *= tiles[loop];
    bytes += kernel.argBytes[arg] * (reads - 1);
  }
  return bytes;
}

/// The fraction of the target the launch keeps busy: multiprocessors with a
/// block, and threads in flight on each.
static double utilization(const CostEstimate &e, const Schedule &schedule,
                          const TargetDescription &target) {
  double multiprocessors = std::max(1, target.multiprocessors);
  double smFill = std::min(1.0, e.blocks / multiprocessors);
  int64_t resident = std::max<int64_t>(
      1, kThreadsPerMultiprocessor / std::max<int64_t>(1, e.threads));
  double blocksPerSm = std::min<double>(
      resident, std::ceil(e.blocks / multiprocessors));
  double threadFill =
      std::min(1.0, e.threads * schedule.vectorWidth * blocksPerSm /
                        kThreadsToSaturate);
  return std::max(1e-6, smFill * threadFill);
}

CostEstimate mlir::kgen::estimateCost(const Schedule &schedule,
                                      const KernelInfo &kernel,
                                      const TargetDescription &target) {
  CostEstimate e;
  e.bytesFloor = kernel.bytes;
  e.flops = kernel.flops;
  e.bytesMoved = estimateGlobalBytes(schedule, kernel)
                     .value_or(contractionBytes(schedule, kernel));
  e.threads = threadsPerBlock(schedule, kernel);
  e.blocks = 1;
  for (int64_t size : gridSize(schedule, kernel))
    e.blocks *= size;
  e.registers = estimateRegisters(schedule, kernel);
  e.sharedBytes = estimateSharedMemory(schedule, kernel);
  double peak = schedule.matrixInstruction != MatrixInstruction::None
                    ? target.peakFlopsF16
                    : target.peakFlopsF32;
  double fill = utilization(e, schedule, target);
  double memorySeconds = e.bytesMoved / target.memoryBandwidth / fill;
  double computeSeconds = peak > 0 ? e.flops / peak / fill : 0.0;
  e.flopRate = estimateFlopRate(schedule, kernel, target);
  if (e.flopRate && e.flopRate->flopsPerSecond > 0)
    computeSeconds = e.flops / e.flopRate->flopsPerSecond;
  e.milliseconds = 1e3 * std::max(memorySeconds, computeSeconds);
  return e;
}
