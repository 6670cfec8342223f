//===- Checks.h - static checks of a schedule (rung 2) ----------*- C++ -*-===//
//
// Rung 2 of the verification ladder: whether a parsed schedule is legal for
// its kernel and fits the target's resource model.
//
//===----------------------------------------------------------------------===//

#ifndef KGEN_SCHEDULE_CHECKS_H
#define KGEN_SCHEDULE_CHECKS_H

#include "kgen/Schedule/KernelInfo.h"
#include "kgen/Schedule/Language.h"
#include "kgen/Schedule/Target.h"
#include "kgen/Schedule/Verdict.h"

namespace mlir::kgen {

/// Rungs 1-2 after parsing: legality of the fusion set and the static
/// resource model of `target` (threads per block, shared memory, registers,
/// vector width, matrix instructions). Returns an accepting verdict if the
/// schedule may go on to be applied.
Verdict checkSchedule(const Schedule &schedule, const KernelInfo &kernel,
                      const TargetDescription &target);

} // namespace mlir::kgen

#endif // KGEN_SCHEDULE_CHECKS_H
