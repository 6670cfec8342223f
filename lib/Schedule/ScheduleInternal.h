//===- ScheduleInternal.h - helpers shared by lib/Schedule ------*- C++ -*-===//
//
// Private to lib/Schedule: how the checks, the resource model and the
// expansion read a schedule's tiles against its kernel.
//
//===----------------------------------------------------------------------===//

#ifndef KGEN_LIB_SCHEDULE_SCHEDULEINTERNAL_H
#define KGEN_LIB_SCHEDULE_SCHEDULEINTERNAL_H

#include "kgen/Schedule/KernelInfo.h"
#include "kgen/Schedule/Language.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/Error.h"

#include <optional>
#include <string>
#include <vector>

namespace mlir::kgen::detail {

inline llvm::Error makeError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

/// "[1, 2, 3]".
inline std::string formatList(const std::vector<int64_t> &values) {
  return "[" +
         llvm::join(llvm::map_range(
                        values, [](int64_t v) { return std::to_string(v); }),
                    ", ") +
         "]";
}

inline int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

inline int64_t product(const std::vector<int64_t> &values) {
  int64_t p = 1;
  for (int64_t v : values)
    p *= v;
  return p;
}

/// Effective workgroup and thread tile of each sink parallel loop (0 means
/// "whole", resolved here).
void effectiveTiles(const Schedule &s, const KernelInfo &k,
                    std::vector<int64_t> &wg, std::vector<int64_t> &th);

/// With a matrix instruction the thread tile is the tile of a group of
/// threads computing it together: a warp's (32 lanes) for mma_sync, a
/// warpgroup's (4 consecutive warps) for wgmma. 1 otherwise.
int64_t tileThreads(const Schedule &s);
inline bool usesMatrixInstruction(const Schedule &s) {
  return tileThreads(s) > 1;
}

/// Where a matmul-like root's loops are: M and N as positions among its
/// parallel loops (which line up with the sink's), K among its reduction
/// loops. The other parallel loops are batch loops.
struct MatmulLoops {
  size_t m, n, k;
};
std::optional<MatmulLoops> matmulLoops(const KernelInfo &k);

/// Blocks of threads per dimension, x first, that the thread loops of the
/// sink make (its innermost thread-tiled loop on x).
std::vector<int64_t> sinkThreadDims(const Schedule &s, const KernelInfo &k);

/// With reduction_lanes: the root's parallel loops, which line up with the
/// sink's first ones (kernels fuse only elementwise consumers of a root).
size_t rootParallelCount(const KernelInfo &k);
/// With reduction_lanes: the block, x first. The lanes of each output are
/// consecutive along x, and the root's thread-tiled parallel loops
/// (innermost first) take y and z.
std::vector<int64_t> laneBlockDims(const Schedule &s, const KernelInfo &k);
/// With row lanes: the block's threads along each of the root's parallel
/// loops, in loop order, 0 where the loop is not thread-tiled (the rows of
/// laneBlockDims, and of the staged rows' marking).
std::vector<int64_t> rowThreadCounts(const Schedule &s, const KernelInfo &k);

/// With reduction_lanes, whether vector_width applies to the lanes' reads
/// only: the sink has no loop past the root's outputs (it is the root, or
/// elementwise on its outputs).
inline bool lanesOnlyVectors(const Schedule &s, const KernelInfo &k) {
  return s.reductionLanes > 1 && !k.rootParallel.back() &&
         k.sinkParallelSizes().size() <= rootParallelCount(k);
}

/// With reduction_lanes, whether they share a column reduction: the
/// root's innermost loop is parallel (the columns, on the block's x, W
/// per thread), its reduction loop outside it (the rows, split among the
/// lanes on y).
inline bool columnLanes(const Schedule &s, const KernelInfo &k) {
  return s.reductionLanes > 1 && !k.rootParallel.empty() &&
         k.rootParallel.back();
}

/// The loop that vector_width applies to: the innermost sink parallel loop
/// with a non-zero thread tile (the innermost loop if there is none).
size_t innermostThreadTiled(const Schedule &s);

/// The shape of promoted root input `operand`'s tile in workgroup memory.
std::vector<int64_t> promotedTileShape(const Schedule &s, const KernelInfo &k,
                                       int64_t operand);

/// With promoted operands, the root keeps its accumulator (the
/// workgroup's output tile) in workgroup memory when its linalg.fill init
/// is fused: the reduction loop runs around the thread loops, so the
/// accumulator cannot stay in registers, and workgroup memory is much
/// nearer than the output in global memory. Returns that init's op index.
std::optional<int64_t> promotedAccumulatorInit(const Schedule &s,
                                               const KernelInfo &k);

/// The promoted root input whose tile fused op `op` computes into
/// workgroup memory at every reduction step (KernelInfo::stagedProducerOf:
/// implicit GEMM's gathers), if `op` is one.
std::optional<int64_t> stagedOperandOf(const Schedule &s, const KernelInfo &k,
                                       int64_t op);

} // namespace mlir::kgen::detail

#endif // KGEN_LIB_SCHEDULE_SCHEDULEINTERNAL_H
