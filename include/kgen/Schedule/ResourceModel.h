//===- ResourceModel.h - what a schedule costs a GPU ------------*- C++ -*-===//
//
// The static resource model rung 2 checks against a target's limits:
// threads per block, registers per thread, shared memory per block and the
// size of the vectors a vectorized schedule makes.
//
//===----------------------------------------------------------------------===//

#ifndef KGEN_SCHEDULE_RESOURCEMODEL_H
#define KGEN_SCHEDULE_RESOURCEMODEL_H

#include "kgen/Schedule/KernelInfo.h"
#include "kgen/Schedule/Language.h"
#include "kgen/Schedule/Target.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>

namespace mlir::kgen {

/// Elements of the largest vector a vectorized schedule (vector_width > 1)
/// makes: one vector of the root's output times its reduction step. Capped
/// at kMaxVectorElements: n-D vectors are unrolled, and larger ones would
/// spill registers and bloat the code.
int64_t vectorElements(const Schedule &schedule, const KernelInfo &kernel);
constexpr int64_t kMaxVectorElements = 512;

/// Threads per workgroup the schedule launches.
int64_t threadsPerBlock(const Schedule &schedule, const KernelInfo &kernel);
/// Blocks of the sink's grid per dimension, x first: the innermost tiled
/// loop is x (as the expansion maps it).
std::vector<int64_t> gridSize(const Schedule &schedule,
                              const KernelInfo &kernel);
/// Estimated registers per thread and shared memory bytes per workgroup.
int64_t estimateRegisters(const Schedule &schedule, const KernelInfo &kernel);
int64_t estimateSharedMemory(const Schedule &schedule,
                             const KernelInfo &kernel);

/// Bytes of global memory the scheduled kernel moves, in a model of passes
/// over its arguments: each op that reads an argument streams it once (the
/// caches keep nothing between two passes, and an argument broadcast along
/// a loop is read from memory once), a row staged in shared memory
/// (promote_operands with reduction_lanes) once for all its readers, and
/// the result is written once. Divided by KernelInfo::bytes (each argument
/// and the result moved once, the roofline floor's traffic) it is 1.0 for a
/// kernel that reads every element once. Tile re-reads of a contraction's
/// operands are not modeled: nothing for a matmul-like or convolution root.
std::optional<double> estimateGlobalBytes(const Schedule &schedule,
                                          const KernelInfo &kernel);

/// Bytes a staged contraction's threads read from shared memory per
/// multiply-add of its root: the operand reuse of its register tiles. Each
/// thread (warp with mma_sync, warpgroup with wgmma) computes an m x n
/// tile of the output and reads, per element of the reduction, m elements
/// of A and n of B, from shared memory where they are promoted.
/// std::nullopt without a matmul-like root or promoted operands.
std::optional<double> sharedBytesPerFma(const Schedule &schedule,
                                        const KernelInfo &kernel);

/// Blocks of the schedule one multiprocessor of `target` holds at once: the
/// least of its block, thread, register and shared-memory limits, by the
/// estimates above (at least 1).
int64_t blocksPerMultiprocessor(const Schedule &schedule,
                                const KernelInfo &kernel,
                                const TargetDescription &target);

/// What bounds the rate of FlopRateEstimate before the fills.
enum class RateLimit { Arithmetic, SharedMemory };

/// The FLOP rate a contraction's schedule can reach on a target, global
/// memory aside (the cost model adds it): the peak of its instructions (f32
/// FMAs, or the matrix instruction's), or less where the shared-memory
/// reads per multiply-add (sharedBytesPerFma) need more than the target's
/// shared bandwidth, times the share of the target the launch keeps busy:
/// `gridFill`, the multiprocessors with a block when the grid fits one
/// round of blocksPerMultiprocessor each, else the blocks over whole rounds
/// on every multiprocessor, and `warpFill`, the warps resident on one
/// against kWarpsToIssue. Latency, bank conflicts and instruction mix are not
/// modeled: a reader and a search see why one tiling beats another, a GPU
/// says by how much.
struct FlopRateEstimate {
  double flopsPerSecond = 0;
  double peak = 0;
  /// The rate the shared reads allow (+inf without staging).
  double sharedLimit = 0;
  double gridFill = 0, warpFill = 0;
  int64_t blocksPerMultiprocessor = 0;
  std::optional<double> sharedBytesPerFma;
  RateLimit limit = RateLimit::Arithmetic;
  nlohmann::json toJson() const;
};

/// Warps a multiprocessor needs resident to issue an instruction every
/// clock: one per scheduler (4 on NVIDIA SMs and AMD CUs), the register
/// tile's independent FMAs covering the arithmetic latency.
constexpr int64_t kWarpsToIssue = 4;

/// The estimate for a matmul-like root; std::nullopt for other kernels.
std::optional<FlopRateEstimate> estimateFlopRate(
    const Schedule &schedule, const KernelInfo &kernel,
    const TargetDescription &target);

} // namespace mlir::kgen

#endif // KGEN_SCHEDULE_RESOURCEMODEL_H
