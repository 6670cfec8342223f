//===- Expansion.h - a schedule as a transform script -----------*- C++ -*-===//
//
// A schedule expands deterministically into a transform.named_sequence
// that the transform interpreter applies to its kernel.
//
//===----------------------------------------------------------------------===//

#ifndef KGEN_SCHEDULE_EXPANSION_H
#define KGEN_SCHEDULE_EXPANSION_H

#include "kgen/Schedule/KernelInfo.h"
#include "kgen/Schedule/Language.h"

#include <string>

namespace mlir::kgen {

/// The transform script implementing `schedule` on `kernel`: a module with
/// transform.with_named_sequence holding @__transform_main. Deterministic:
/// the same schedule and kernel always give the same text.
std::string expandSchedule(const Schedule &schedule, const KernelInfo &kernel);

} // namespace mlir::kgen

#endif // KGEN_SCHEDULE_EXPANSION_H
