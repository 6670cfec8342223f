//===- ReductionHeuristic.h - lanes for reduction kernels -------*- C++ -*-===//

#ifndef KGEN_LIB_PROPOSER_REDUCTIONHEURISTIC_H
#define KGEN_LIB_PROPOSER_REDUCTIONHEURISTIC_H

#include "kgen/Schedule/KernelInfo.h"
#include "kgen/Schedule/Language.h"
#include "kgen/Schedule/Target.h"

#include <optional>

namespace mlir::kgen {

namespace detail {
/// The largest divisor of `size` that is at most `atMost` (1 if none).
/// Tiles divide their loops: partial tiles would leave thread loops and
/// per-thread buffers with dynamic sizes, which GPU mapping cannot take.
int64_t largestDivisor(int64_t size, int64_t atMost);
} // namespace detail

/// The heuristic's schedule for a kernel whose root reduces rows (one
/// reduction loop, the innermost: lanes cooperating on each row) or
/// columns (one reduction loop outside the innermost, parallel one: lanes
/// sharing each column's rows), or std::nullopt when the kernel has no
/// such root or no lane split passes the static checks. `base` is the heuristic's schedule
/// without lanes (its fuse list is kept).
std::optional<Schedule> laneReductionSchedule(const KernelInfo &kernel,
                                              const TargetDescription &target,
                                              const Schedule &base);

} // namespace mlir::kgen

#endif // KGEN_LIB_PROPOSER_REDUCTIONHEURISTIC_H
