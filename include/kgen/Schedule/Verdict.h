//===- Verdict.h - the outcome of checking one schedule ---------*- C++ -*-===//
//
// Every rung of the verification ladder (docs/schedules.md) answers with a
// Verdict: accepted, or rejected with a stable reason code.
//
//===----------------------------------------------------------------------===//

#ifndef KGEN_SCHEDULE_VERDICT_H
#define KGEN_SCHEDULE_VERDICT_H

#include "llvm/ADT/StringRef.h"

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace mlir::kgen {

/// Why a proposal was rejected. Each has a stable spelling (docs/schedules.md
/// lists them), which trajectories, remarks and the LLM's feedback use.
enum class Reason {
  // Rung 1: the JSON's shape and ranges.
  NoJson,
  Schema,
  Version,
  RankMismatch,
  NonpositiveTile,
  TileExceedsDim,
  VectorWidth,
  PipelineDepth,
  SplitReduction,
  ReductionLanes,
  // Rung 2: legality and the target's resources.
  TooManyMappedDims,
  IllegalFusion,
  PromoteOperand,
  MatrixInstruction,
  ThreadsPerBlock,
  SharedMemory,
  Registers,
  GridSize,
  // Rung 3: applying the transforms.
  TransformFailed,
  VerifierFailed,
  // Rung 4: the numerical check.
  LoweringFailed,
  RunFailed,
  ReferenceFailed,
  NumericalMismatch,
  // Proposers that could not give a candidate.
  LlmUnreachable,
  LlmTimeout,
  LlmHttpStatus,
  LlmMalformedReply,
  LlmTruncatedReply,
  LlmOversizedReply,
  LlmBudgetExhausted,
  LlmNoJsonFound,
  LlmError,
  ReplayExhausted,
  // Kernel groupings.
  IllegalGrouping,
  /// No candidate was proposed at all.
  None,
};

/// The stable spelling of `reason`, e.g. "tile_exceeds_dim".
llvm::StringRef stringifyReason(Reason reason);
/// The reason spelled `name`, if any.
std::optional<Reason> symbolizeReason(llvm::StringRef name);

/// The outcome of checking one schedule: accepted, or rejected with a reason
/// and a one-line explanation.
struct Verdict {
  bool accepted = false;
  Reason reason = Reason::None; // meaningless when accepted
  std::string message;

  static Verdict accept() { return {true, Reason::None, "accepted"}; }
  static Verdict reject(Reason reason, std::string message) {
    return {false, reason, std::move(message)};
  }
  /// The reason's spelling, or "accepted".
  llvm::StringRef outcome() const {
    return accepted ? "accepted" : stringifyReason(reason);
  }
  nlohmann::json toJson() const;
};

} // namespace mlir::kgen

#endif // KGEN_SCHEDULE_VERDICT_H
