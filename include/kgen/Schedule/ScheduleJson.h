//===- ScheduleJson.h - schedule documents and their schema -----*- C++ -*-===//
//
// A schedule travels as versioned JSON, small enough for an LLM to write:
// its JSON Schema (docs/schedule.schema.json) and rung 1 of the
// verification ladder, which parses a document against a kernel.
//
//===----------------------------------------------------------------------===//

#ifndef KGEN_SCHEDULE_SCHEDULEJSON_H
#define KGEN_SCHEDULE_SCHEDULEJSON_H

#include "kgen/Schedule/KernelInfo.h"
#include "kgen/Schedule/Language.h"
#include "kgen/Schedule/Verdict.h"

#include "llvm/Support/Error.h"

#include <nlohmann/json.hpp>

namespace mlir::kgen {

/// Rung 1: parses and schema-checks `json` against `kernel` (types, lengths,
/// ranges). An accepting verdict comes with the parsed schedule in
/// `schedule`; rejections carry reasons such as Reason::Schema,
/// Reason::Version, Reason::RankMismatch, Reason::TileExceedsDim.
Verdict parseSchedule(const nlohmann::json &json, const KernelInfo &kernel,
                      Schedule &schedule);

/// Rung 1's checks of a typed schedule (parseSchedule runs them): tile
/// lists against the kernel's loops, split_reduction, vector_width and
/// pipeline_depth ranges. For schedules built in the compiler.
Verdict checkScheduleRanges(const Schedule &schedule, const KernelInfo &kernel);

/// The JSON Schema of a schedule document (shipped as
/// docs/schedule.schema.json and given to the LLM).
nlohmann::json scheduleJsonSchema();

} // namespace mlir::kgen

#endif // KGEN_SCHEDULE_SCHEDULEJSON_H
