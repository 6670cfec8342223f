//===- ResourceModel.cpp - what a schedule costs a GPU --------------------===//

#include "kgen/Schedule/ResourceModel.h"

#include "ScheduleInternal.h"

#include "kgen/Schedule/SharedMemoryLayout.h"

#include "llvm/ADT/STLExtras.h"

#include <algorithm>
#include <cmath>
#include <limits>

using namespace mlir;
using namespace mlir::kgen;
using namespace mlir::kgen::detail;

//===----------------------------------------------------------------------===//
// Reading a schedule's tiles against its kernel
//===----------------------------------------------------------------------===//

namespace mlir::kgen::detail {

void effectiveTiles(const Schedule &s, const KernelInfo &k,
                    std::vector<int64_t> &wg, std::vector<int64_t> &th) {
  std::vector<int64_t> sizes = k.sinkParallelSizes();
  for (size_t i = 0; i < sizes.size(); ++i) {
    int64_t w = s.workgroupTile[i] ? s.workgroupTile[i] : sizes[i];
    wg.push_back(w);
    th.push_back(s.threadTile[i] ? std::min(s.threadTile[i], w) : w);
  }
}

int64_t tileThreads(const Schedule &s) {
  std::optional<MatrixTiling> tiling = matrixTiling(s.matrixInstruction);
  return tiling ? tiling->threads : 1;
}

std::optional<MatmulLoops> matmulLoops(const KernelInfo &k) {
  if (k.rootInputLoops.size() != 2)
    return std::nullopt;
  auto uses = [&](size_t input, int64_t loop) {
    return llvm::is_contained(k.rootInputLoops[input], loop);
  };
  std::optional<size_t> m, n, r;
  size_t parallel = 0, reduction = 0;
  for (size_t loop = 0; loop < k.rootLoops.size(); ++loop) {
    if (!k.rootParallel[loop]) {
      if (r)
        return std::nullopt;
      r = reduction++;
      continue;
    }
    bool a = uses(0, loop), b = uses(1, loop);
    if (a != b) {
      std::optional<size_t> &dim = a ? m : n;
      if (dim)
        return std::nullopt;
      dim = parallel;
    }
    ++parallel;
  }
  if (!m || !n || !r)
    return std::nullopt;
  return MatmulLoops{*m, *n, *r};
}

size_t innermostThreadTiled(const Schedule &s) {
  for (size_t i = s.threadTile.size(); i-- > 0;)
    if (s.threadTile[i])
      return i;
  return s.threadTile.empty() ? 0 : s.threadTile.size() - 1;
}

/// The root's tile per workgroup and reduction step, per root loop: a
/// sink-parallel loop covers the workgroup tile, a reduction loop the
/// reduction tile (or the whole loop).
static std::vector<int64_t> rootStepTile(const Schedule &s,
                                         const KernelInfo &k) {
  std::vector<int64_t> wg, th;
  effectiveTiles(s, k, wg, th);
  std::vector<int64_t> rootTile(k.rootLoops.size());
  size_t parallelIndex = 0, reductionIndex = 0;
  for (size_t loop = 0; loop < k.rootLoops.size(); ++loop) {
    if (k.rootParallel[loop]) {
      // The root's parallel loops line up with the sink's: kernels only
      // fuse elementwise consumers of the root's result. Past the sink's
      // loops, count the whole range (conservative).
      rootTile[loop] =
          parallelIndex < wg.size() ? wg[parallelIndex] : k.rootLoops[loop];
      ++parallelIndex;
    } else {
      int64_t r = s.reductionTile[reductionIndex++];
      rootTile[loop] = r ? r : k.rootLoops[loop];
    }
  }
  return rootTile;
}

std::vector<int64_t> promotedTileShape(const Schedule &s, const KernelInfo &k,
                                       int64_t operand) {
  // With lanes: the block's rows, whole (rung 2 keeps such operands
  // indexed by the root's loops in order, the reduction loop last).
  if (s.reductionLanes > 1) {
    std::vector<int64_t> wg, th, shape;
    effectiveTiles(s, k, wg, th);
    for (int64_t loop : k.rootInputLoops[operand])
      shape.push_back(loop >= 0 && k.rootParallel[loop] ? wg[loop]
                      : loop >= 0                        ? k.rootLoops[loop]
                                                         : 1);
    return shape;
  }
  std::vector<int64_t> rootTile = rootStepTile(s, k), shape;
  for (int64_t loop : k.rootInputLoops[operand])
    shape.push_back(loop >= 0 ? rootTile[loop] : 1);
  return shape;
}

std::optional<int64_t> promotedAccumulatorInit(const Schedule &s,
                                               const KernelInfo &k) {
  // Staged rows (with lanes) keep the lanes' partials, not an accumulator.
  if (s.promoteOperands.empty() || s.reductionLanes > 1)
    return std::nullopt;
  for (int64_t op : k.rootInitProducers)
    if (llvm::is_contained(s.fuse, op))
      return op;
  return std::nullopt;
}

std::optional<int64_t> stagedOperandOf(const Schedule &s, const KernelInfo &k,
                                       int64_t op) {
  if (!llvm::is_contained(s.fuse, op))
    return std::nullopt;
  for (int64_t operand : s.promoteOperands)
    if (k.stagedProducerOf(operand) == op)
      return operand;
  return std::nullopt;
}

std::vector<int64_t> sinkThreadDims(const Schedule &s, const KernelInfo &k) {
  std::vector<int64_t> wg, th, dims;
  effectiveTiles(s, k, wg, th);
  // Such a sink keeps off x, the lanes' dimension (the expansion maps it
  // one dimension up).
  if (lanesOnlyVectors(s, k))
    dims.push_back(1);
  for (size_t i = wg.size(); i-- > 0;)
    if (s.threadTile[i])
      dims.push_back(ceilDiv(wg[i], th[i]));
  return dims;
}

size_t rootParallelCount(const KernelInfo &k) {
  return std::min<size_t>(llvm::count(k.rootParallel, true),
                          k.sinkParallelSizes().size());
}

std::vector<int64_t> laneBlockDims(const Schedule &s, const KernelInfo &k) {
  std::vector<int64_t> wg, th, dims = {s.reductionLanes};
  effectiveTiles(s, k, wg, th);
  if (columnLanes(s, k)) {
    size_t inner = rootParallelCount(k) - 1;
    return {s.threadTile[inner] ? ceilDiv(wg[inner], th[inner]) : 1,
            s.reductionLanes};
  }
  std::vector<int64_t> rows = rowThreadCounts(s, k);
  for (int64_t threads : llvm::reverse(rows))
    if (threads)
      dims.push_back(threads);
  return dims;
}

std::vector<int64_t> rowThreadCounts(const Schedule &s, const KernelInfo &k) {
  std::vector<int64_t> wg, th, counts;
  effectiveTiles(s, k, wg, th);
  for (size_t i = 0; i < rootParallelCount(k); ++i)
    counts.push_back(s.threadTile[i] ? ceilDiv(wg[i], th[i]) : 0);
  return counts;
}

} // namespace mlir::kgen::detail

//===----------------------------------------------------------------------===//
// The model
//===----------------------------------------------------------------------===//

int64_t mlir::kgen::threadsPerBlock(const Schedule &s, const KernelInfo &k) {
  // Rung 2 keeps the sink's thread loops within the lanes' block.
  if (s.reductionLanes > 1)
    return product(laneBlockDims(s, k));
  std::vector<int64_t> wg, th;
  effectiveTiles(s, k, wg, th);
  int64_t threads = tileThreads(s);
  for (size_t i = 0; i < wg.size(); ++i)
    if (s.threadTile[i])
      threads *= ceilDiv(wg[i], th[i]);
  return threads;
}

std::vector<int64_t> mlir::kgen::gridSize(const Schedule &s,
                                          const KernelInfo &k) {
  std::vector<int64_t> sizes = k.sinkParallelSizes(), grid;
  for (size_t i = sizes.size(); i-- > 0;)
    if (i < s.workgroupTile.size() && s.workgroupTile[i])
      grid.push_back(ceilDiv(sizes[i], s.workgroupTile[i]));
  return grid;
}

int64_t mlir::kgen::estimateRegisters(const Schedule &s, const KernelInfo &k) {
  // Accumulators: the thread's output tile in f32; inputs: a vector-wide
  // slice of each root input per reduction step; plus fixed overhead for
  // indices and addresses.
  std::vector<int64_t> wg, th;
  effectiveTiles(s, k, wg, th);
  int64_t accumulators = 1;
  for (int64_t t : th)
    accumulators *= t;
  // With lanes a thread holds its vector of partials; the sink's thread
  // tile is walked a vector at a time.
  if (s.reductionLanes > 1)
    accumulators = 2 * s.vectorWidth;
  // Without a reduction nothing accumulates: the thread tile is computed
  // and stored a vector at a time, however many loops it spans.
  if (k.rootReductionSizes().empty())
    accumulators = s.vectorWidth;
  int64_t inputs =
      static_cast<int64_t>(k.rootInputLoops.size()) * s.vectorWidth * 2;
  if (usesMatrixInstruction(s)) {
    // The tile is spread over the warp's (warpgroup's) lanes. mma_sync
    // also holds a 16-step of the warp tile's A and B fragments at once (4
    // registers per 16 rows of A, 2 per 8 columns of B); wgmma reads them
    // from shared memory.
    accumulators = ceilDiv(accumulators, tileThreads(s));
    inputs = 0;
    if (std::optional<MatmulLoops> loops = matmulLoops(k);
        loops && s.matrixInstruction == MatrixInstruction::MmaSync)
      inputs = ceilDiv(th[loops->m], 16) * 4 + ceilDiv(th[loops->n], 8) * 2;
  }
  return accumulators + inputs + 24;
}

int64_t mlir::kgen::vectorElements(const Schedule &s, const KernelInfo &k) {
  // The root is vectorized over one vector of its output and its whole
  // reduction step.
  int64_t elements = s.vectorWidth;
  std::vector<int64_t> reductions = k.rootReductionSizes();
  // With lanes, each lane's step reads reduction_tile vectors (all of its
  // share when untiled).
  if (s.reductionLanes > 1 && reductions.size() == 1)
    reductions[0] /= s.reductionLanes * s.vectorWidth;
  for (size_t i = 0; i < reductions.size(); ++i)
    elements *= s.reductionTile[i] ? s.reductionTile[i] : reductions[i];
  return elements;
}

/// Bytes of an element of root operand `operand` as it is staged: its own
/// type (a bool mask stages bytes, positions 8 bytes), or the kernel's
/// element type where the type is not known.
static int64_t stagedElementBytes(const KernelInfo &k, int64_t operand) {
  if (operand < 0 || operand >= static_cast<int64_t>(k.rootOperandTypes.size()))
    return k.elementBytes;
  Type type = k.rootOperandTypes[operand];
  if (!type || !type.isIntOrFloat())
    return k.elementBytes;
  return std::max<int64_t>(1, type.getIntOrFloatBitWidth() / 8);
}

int64_t mlir::kgen::estimateSharedMemory(const Schedule &s,
                                         const KernelInfo &k) {
  // Each promoted operand's tile, times the pipeline depth, plus the
  // accumulator when it is kept in workgroup memory (in f32 at most); rows
  // padded as kgen-pad-shared-buffers pads them. wgmma's operand tiles are
  // swizzled instead of padded, and aligned (SharedMemoryLayout.h).
  bool wgmma = s.matrixInstruction == MatrixInstruction::Wgmma;
  int64_t bytes = 0;
  for (int64_t operand : s.promoteOperands) {
    std::vector<int64_t> shape = promotedTileShape(s, k, operand);
    int64_t element = stagedElementBytes(k, operand);
    int64_t tile = wgmma ? atomAlignedBytes(product(shape) * element)
                         : alignedBufferBytes(sharedBufferBytes(shape, element));
    bytes += tile * s.pipelineDepth;
  }
  if (promotedAccumulatorInit(s, k)) {
    std::vector<int64_t> wg, th;
    effectiveTiles(s, k, wg, th);
    int64_t accumulator =
        sharedBufferBytes(wg, std::max<int64_t>(k.elementBytes, 4));
    bytes +=
        wgmma ? atomAlignedBytes(accumulator) : alignedBufferBytes(accumulator);
  }
  // With lanes, for the root and each row statistic: each lane's partials
  // (a vector per lane and output), and a partial per warp (32 lanes at
  // the least) to combine across warps; a statistic's outputs too.
  if (s.reductionLanes > 1) {
    int64_t outputs = product(laneBlockDims(s, k)) / s.reductionLanes;
    int64_t partialBytes = std::max<int64_t>(k.elementBytes, 4);
    int64_t perReduction = alignedBufferBytes(
        outputs * s.reductionLanes * s.vectorWidth * partialBytes);
    if (s.reductionLanes > 32)
      perReduction +=
          alignedBufferBytes(outputs * (s.reductionLanes / 32) * 4);
    int64_t statistics = static_cast<int64_t>(k.statistics.size());
    bytes += perReduction * (1 + statistics) +
             statistics * alignedBufferBytes(outputs * partialBytes);
  }
  // In dynamic shared memory (past 48 KB), which is only 16-byte aligned,
  // wgmma's buffers start at the first atom-aligned byte.
  if (wgmma)
    bytes += kSwizzleAtomBytes;
  return bytes;
}

std::optional<double> mlir::kgen::estimateGlobalBytes(const Schedule &s,
                                                      const KernelInfo &k) {
  OpKind root = k.ops[k.rootIndex].kind;
  if (k.matmulLike() || root == OpKind::Convolution)
    return std::nullopt;
  std::vector<int64_t> staged;
  if (s.reductionLanes > 1)
    for (int64_t operand : s.promoteOperands)
      if (static_cast<size_t>(operand) < k.rootInputArgs.size())
        staged.push_back(k.rootInputArgs[operand]);
  double bytes = k.resultBytes;
  for (size_t arg = 0; arg < k.argBytes.size(); ++arg) {
    auto reads = llvm::count_if(k.ops, [&](const KernelOp &op) {
      return llvm::is_contained(op.argsRead, static_cast<int64_t>(arg));
    });
    if (llvm::is_contained(staged, static_cast<int64_t>(arg)))
      reads = std::min<int64_t>(reads, 1);
    bytes += reads * k.argBytes[arg];
  }
  return bytes;
}

std::optional<double> mlir::kgen::sharedBytesPerFma(const Schedule &s,
                                                    const KernelInfo &k) {
  std::optional<MatmulLoops> loops = matmulLoops(k);
  if (!loops || s.promoteOperands.empty())
    return std::nullopt;
  std::vector<int64_t> wg, th;
  effectiveTiles(s, k, wg, th);
  if (loops->m >= th.size() || loops->n >= th.size())
    return std::nullopt;
  double m = th[loops->m], n = th[loops->n];
  double elements = 0;
  if (llvm::is_contained(s.promoteOperands, 0))
    elements += m;
  if (llvm::is_contained(s.promoteOperands, 1))
    elements += n;
  return elements * k.elementBytes / (m * n);
}

int64_t mlir::kgen::blocksPerMultiprocessor(const Schedule &s,
                                            const KernelInfo &k,
                                            const TargetDescription &target) {
  const MultiprocessorLimits &limits = target.multiprocessor;
  int64_t threads = std::max<int64_t>(1, threadsPerBlock(s, k));
  int64_t blocks = std::min(limits.blocks, limits.threads / threads);
  blocks = std::min(blocks, limits.registers /
                                (std::max<int64_t>(1, estimateRegisters(s, k)) *
                                 threads));
  if (int64_t shared = estimateSharedMemory(s, k); shared > 0)
    blocks = std::min(blocks, limits.sharedMemory / shared);
  return std::max<int64_t>(1, blocks);
}

nlohmann::json FlopRateEstimate::toJson() const {
  nlohmann::json j = {
      {"flops_per_s", flopsPerSecond},
      {"peak_flops_per_s", peak},
      {"limit", limit == RateLimit::SharedMemory ? "shared_memory"
                                                 : "arithmetic"},
      {"grid_fill", gridFill},
      {"warp_fill", warpFill},
      {"blocks_per_multiprocessor", blocksPerMultiprocessor},
      {"shared_bytes_per_fma", nullptr},
      {"shared_limit_flops_per_s", nullptr}};
  if (sharedBytesPerFma) {
    j["shared_bytes_per_fma"] = *sharedBytesPerFma;
    j["shared_limit_flops_per_s"] = sharedLimit;
  }
  return j;
}

std::optional<FlopRateEstimate>
mlir::kgen::estimateFlopRate(const Schedule &s, const KernelInfo &k,
                             const TargetDescription &target) {
  if (!matmulLoops(k) || k.flops <= 0 || target.multiprocessors <= 0)
    return std::nullopt;
  FlopRateEstimate e;
  e.peak = usesMatrixInstruction(s) ? target.peakFlopsF16 : target.peakFlopsF32;
  e.sharedBytesPerFma = sharedBytesPerFma(s, k);
  // Two flops per multiply-add.
  e.sharedLimit = e.sharedBytesPerFma && *e.sharedBytesPerFma > 0
                      ? 2 * target.multiprocessor.sharedBandwidth /
                            *e.sharedBytesPerFma
                      : std::numeric_limits<double>::infinity();
  e.limit = e.sharedLimit < e.peak ? RateLimit::SharedMemory
                                   : RateLimit::Arithmetic;
  e.blocksPerMultiprocessor = blocksPerMultiprocessor(s, k, target);
  // Blocks per multiprocessor, and the rounds of resident blocks that
  // takes. Within one round the multiprocessors with a block are busy (the
  // warp fill says how busy); over several, the last round's idle places
  // count against the grid.
  double blocks = product(gridSize(s, k));
  double sms = target.multiprocessors;
  double resident = e.blocksPerMultiprocessor;
  double perSm = std::ceil(blocks / sms);
  double rounds = std::ceil(perSm / resident);
  e.gridFill = rounds <= 1 ? std::min(blocks, sms) / sms
                           : blocks / (rounds * sms * resident);
  double warps =
      std::min(resident, perSm) * threadsPerBlock(s, k) / target.warpSize;
  e.warpFill = std::min(1.0, warps / kWarpsToIssue);
  e.flopsPerSecond =
      std::min(e.peak, e.sharedLimit) * e.gridFill * e.warpFill;
  return e;
}
