//===- Verdict.cpp - reason codes and their stable spellings --------------===//

#include "kgen/Schedule/Verdict.h"

#include "llvm/ADT/STLExtras.h"

#include <utility>

using namespace mlir::kgen;

namespace {
constexpr std::pair<Reason, llvm::StringLiteral> kReasonNames[] = {
    {Reason::NoJson, "no_json"},
    {Reason::Schema, "schema"},
    {Reason::Version, "version"},
    {Reason::RankMismatch, "rank_mismatch"},
    {Reason::NonpositiveTile, "nonpositive_tile"},
    {Reason::TileExceedsDim, "tile_exceeds_dim"},
    {Reason::VectorWidth, "vector_width"},
    {Reason::PipelineDepth, "pipeline_depth"},
    {Reason::SplitReduction, "split_reduction"},
    {Reason::ReductionLanes, "reduction_lanes"},
    {Reason::TooManyMappedDims, "too_many_mapped_dims"},
    {Reason::IllegalFusion, "illegal_fusion"},
    {Reason::PromoteOperand, "promote_operand"},
    {Reason::MatrixInstruction, "matrix_instruction"},
    {Reason::ThreadsPerBlock, "threads_per_block"},
    {Reason::SharedMemory, "shared_memory"},
    {Reason::Registers, "registers"},
    {Reason::GridSize, "grid_size"},
    {Reason::TransformFailed, "transform_failed"},
    {Reason::VerifierFailed, "verifier_failed"},
    {Reason::LoweringFailed, "lowering_failed"},
    {Reason::RunFailed, "run_failed"},
    {Reason::ReferenceFailed, "reference_failed"},
    {Reason::NumericalMismatch, "numerical_mismatch"},
    {Reason::LlmUnreachable, "llm_unreachable"},
    {Reason::LlmTimeout, "llm_timeout"},
    {Reason::LlmHttpStatus, "llm_http_status"},
    {Reason::LlmMalformedReply, "llm_malformed_reply"},
    {Reason::LlmTruncatedReply, "llm_truncated_reply"},
    {Reason::LlmOversizedReply, "llm_oversized_reply"},
    {Reason::LlmBudgetExhausted, "llm_budget_exhausted"},
    {Reason::LlmNoJsonFound, "llm_no_json_found"},
    {Reason::LlmError, "llm_error"},
    {Reason::ReplayExhausted, "replay_exhausted"},
    {Reason::IllegalGrouping, "illegal_grouping"},
    {Reason::None, "none"},
};
static_assert(std::size(kReasonNames) == static_cast<size_t>(Reason::None) + 1,
              "every reason needs its spelling");
} // namespace

llvm::StringRef mlir::kgen::stringifyReason(Reason reason) {
  return kReasonNames[static_cast<size_t>(reason)].second;
}

std::optional<Reason> mlir::kgen::symbolizeReason(llvm::StringRef name) {
  for (const auto &[reason, spelling] : kReasonNames)
    if (spelling == name)
      return reason;
  return std::nullopt;
}
