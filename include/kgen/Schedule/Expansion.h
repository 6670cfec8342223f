//===- Expansion.h - a schedule as a transform module -----------*- C++ -*-===//
//
// A schedule expands deterministically into a transform module, built with
// the transform ops' C++ builders, that the transform interpreter applies
// to its kernel (applyTransforms in kgen/Transform/ApplyTransforms.h).
//
//===----------------------------------------------------------------------===//

#ifndef KGEN_SCHEDULE_EXPANSION_H
#define KGEN_SCHEDULE_EXPANSION_H

#include "kgen/Schedule/KernelInfo.h"
#include "kgen/Schedule/Language.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

namespace mlir::kgen {

/// The transform module implementing `schedule` on `kernel`: a module with
/// transform.with_named_sequence holding @__transform_main, built in
/// `context`, which must have the dialects of registerTransformDependencies
/// loaded. Deterministic: the same schedule and kernel always give the same
/// ops. A schedule whose tilings make a different number of loops than it
/// implies gives a module that does not verify, which applyTransforms
/// reports as malformed.
OwningOpRef<ModuleOp> expandSchedule(const Schedule &schedule,
                                     const KernelInfo &kernel,
                                     MLIRContext *context);

} // namespace mlir::kgen

#endif // KGEN_SCHEDULE_EXPANSION_H
