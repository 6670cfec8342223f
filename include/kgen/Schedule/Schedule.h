//===- Schedule.h - the kgen schedule language ------------------*- C++ -*-===//
//
// A schedule says how one kernel (an outlined function from
// kgen-form-kernels) is tiled, fused and mapped onto a GPU. It is versioned
// JSON, small enough for an LLM to write, and expands deterministically into
// a transform.named_sequence. This header gathers the scheduling library:
// the kernel summary the schedule is written against, the schedule itself,
// its JSON form and schema, the static checks (rungs 1 and 2 of the
// verification ladder), the resource model and the expansion.
//
//===----------------------------------------------------------------------===//

#ifndef KGEN_SCHEDULE_SCHEDULE_H
#define KGEN_SCHEDULE_SCHEDULE_H

#include "kgen/Schedule/Checks.h"
#include "kgen/Schedule/Expansion.h"
#include "kgen/Schedule/KernelInfo.h"
#include "kgen/Schedule/Language.h"
#include "kgen/Schedule/MatrixInstruction.h"
#include "kgen/Schedule/ResourceModel.h"
#include "kgen/Schedule/ScheduleJson.h"
#include "kgen/Schedule/Target.h"
#include "kgen/Schedule/Verdict.h"

#endif // KGEN_SCHEDULE_SCHEDULE_H
