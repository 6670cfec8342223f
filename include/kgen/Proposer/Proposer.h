//===- Proposer.h - schedule proposers --------------------------*- C++ -*-===//
//
// A Proposer suggests schedules for one kernel. It never decides: every
// candidate goes through the KernelVerifier, and the verdicts (with timings
// when there are some) come back to it as history for the next round.
//
//===----------------------------------------------------------------------===//

#ifndef KGEN_PROPOSER_PROPOSER_H
#define KGEN_PROPOSER_PROPOSER_H

#include "kgen/Proposer/LlmClient.h"
#include "kgen/Schedule/Schedule.h"

#include <memory>
#include <optional>

namespace mlir::kgen {

/// What a measurement of an accepted schedule found, as feedback.
struct AttemptMeasurement {
  double milliseconds = 0;
  /// "gpu" or "cpu": times of different measurers are not comparable.
  std::string measurer;
  /// The roofline floor's time over the measured time (GPU only).
  std::optional<double> floorFraction;
  /// The compiled kernel's resources (ptxas), where known.
  std::optional<int> registers, spillBytes, sharedBytes;
};

/// One earlier attempt on the same kernel, as feedback.
struct Attempt {
  nlohmann::json schedule; // null when the reply held no schedule
  Verdict verdict;
  std::optional<AttemptMeasurement> measurement;
};

/// The best schedule recorded for a similar kernel (same op structure,
/// nearby loop sizes, same target): an example for the LLM.
struct Example {
  std::string kernel;
  std::vector<int64_t> sinkParallelSizes, rootReductionSizes;
  nlohmann::json schedule;
  std::optional<AttemptMeasurement> measurement;
};

struct ProposalRequest {
  const KernelInfo &kernel;
  const TargetDescription &target;
  llvm::ArrayRef<Attempt> history;
  unsigned count = 1; // candidates wanted
  llvm::ArrayRef<Example> examples = {};
};

/// A proposed schedule, with what was asked and answered to get it.
struct Candidate {
  std::optional<nlohmann::json> schedule;
  /// Set when no schedule could be obtained (e.g. the LLM was unreachable
  /// or its reply held no JSON): the reason it is rejected without checks.
  std::optional<Verdict> failure;
  std::string prompt, reply;
};

class Proposer {
public:
  virtual ~Proposer();
  virtual llvm::StringRef name() const = 0;
  virtual std::vector<Candidate> propose(const ProposalRequest &request) = 0;
};

/// The analytical default: no network, derived from the kernel's loops and
/// the target's limits. Always passes the static checks for kernels of the
/// kgen op set. Its proposer hands it on as JSON (Schedule::toJson).
/// Reductions of rows get lanes cooperating on each row unless `lanes` is
/// false.
Schedule heuristicSchedule(const KernelInfo &kernel,
                           const TargetDescription &target, bool lanes = true);
std::unique_ptr<Proposer> createHeuristicProposer();

/// Ever simpler forms of a schedule, for when the verifier rejects the
/// heuristic's own: without the matrix instruction (its warp tiles shrunk
/// to thread tiles), then without shared-memory staging, then also without
/// vectors (the parts whose lowering a rung 3 or 4 failure most likely
/// comes from). Empty if there is nothing to drop.
std::vector<Schedule> simplerSchedules(const Schedule &schedule);

/// Seeded sampling of the schedule space, invalid values included on
/// purpose: the search baseline and a fuzzer for the verifier.
std::unique_ptr<Proposer> createRandomProposer(uint64_t seed);

/// Answers from a recorded transcript (JSONL, the trajectory format): lines
/// whose "kernel" is the kernel's fingerprint or name, in order, each with a
/// "schedule" object or a raw "reply" text.
llvm::Expected<std::unique_ptr<Proposer>>
createReplayProposer(llvm::StringRef path);

/// Any OpenAI-compatible chat-completions endpoint.
std::unique_ptr<Proposer> createLlmProposer(LlmOptions options);

/// An LLM client failure as a verdict: reason "llm_<kind>" (e.g.
/// "llm_timeout"), message the error's one line.
Verdict verdictOfLlmError(llvm::Error error);

/// The verdict on a reply in which extractJson found no usable JSON `what`
/// ("schedule", "grouping"): llm_malformed_reply when its JSON nests too
/// deeply, no_json otherwise.
Verdict verdictOfUnusableReply(llvm::Error error, llvm::StringRef what);

/// The chat messages the LLM proposer sends for `request` (exposed for
/// tests and for docs/llm.md).
std::vector<ChatMessage> buildLlmPrompt(const ProposalRequest &request);

} // namespace mlir::kgen

#endif // KGEN_PROPOSER_PROPOSER_H
