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

} // namespace mlir::kgen

#endif // KGEN_SCHEDULE_RESOURCEMODEL_H
