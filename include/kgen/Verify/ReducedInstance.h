//===- ReducedInstance.h - a kernel cut to a few tiles of a schedule -*- C++ -*-===//
//
// The numerical rung of the verification ladder runs a kernel on the CPU.
// At full size that costs as much as the problem (minutes for 8192^2 rows),
// so the rung runs a reduced instance instead: the same ops, with every loop
// the schedule tiles cut to a few of its tiles. Why this still catches what
// the rung is for, and what it cannot, is in docs/schedules.md.
//
//===----------------------------------------------------------------------===//

#ifndef KGEN_VERIFY_REDUCEDINSTANCE_H
#define KGEN_VERIFY_REDUCEDINSTANCE_H

#include "kgen/Schedule/Schedule.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/OwningOpRef.h"

namespace mlir::kgen {

/// Workgroup tiles each cut parallel loop keeps in a reduced instance.
constexpr int64_t kReducedWorkgroupTiles = 2;
/// Steps each cut reduction loop keeps, at least; a pipelined loop keeps
/// one more than its pipeline depth, so that its steady state runs.
constexpr int64_t kReducedReductionSteps = 2;

/// The reduced size of a loop of `size` iterations that a schedule tiles by
/// each of `tiles` (all positive) and that must keep at least `minimum`
/// iterations: the smallest size >= `minimum` congruent to `size` modulo
/// every tile (a partial last tile stays partial, a divisible loop stays
/// divisible), or `size` itself when that is not smaller.
int64_t reducedLoopSize(int64_t size, llvm::ArrayRef<int64_t> tiles,
                        int64_t minimum);

/// A detached copy of `kernel` (same name, same ops) with the loops of its
/// sink and root cut by reducedLoopSize, every tensor type of the kernel
/// following: a sink parallel loop keeps kReducedWorkgroupTiles of its
/// outermost tiles (workgroup tiles; thread tiles when one workgroup takes
/// the whole loop; vectors; iterations when nothing tiles it), a root
/// reduction loop kReducedReductionSteps steps (a split reduction keeps its
/// chunk count and cuts each chunk). A loop keeps its size when it is a
/// reduction the schedule leaves whole, or when a tensor dimension tied to
/// it is not indexed by a loop alone (a convolution window, a padded
/// dimension, a non-splat constant, an op this analysis does not know).
/// Returns a null reference when no loop can be cut, and failure when the
/// copy does not verify (the caller then checks the full-size kernel).
FailureOr<OwningOpRef<func::FuncOp>>
buildReducedKernel(func::FuncOp kernel, const KernelInfo &info,
                   const Schedule &schedule);

} // namespace mlir::kgen

#endif // KGEN_VERIFY_REDUCEDINSTANCE_H
