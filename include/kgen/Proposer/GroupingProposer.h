//===- GroupingProposer.h - kernel grouping (fusion) proposers --*- C++ -*-===//
//
// A GroupingProposer suggests how to group a function's linalg ops into
// kernels (a fusion rewrite of the greedy default). Like schedule proposers
// it never decides: kgen-form-kernels checks every proposal for legality
// (a partition, one root per kernel, only a kernel's last op used outside
// it) and gives the verdicts back as history for the next round.
//
//===----------------------------------------------------------------------===//

#ifndef KGEN_PROPOSER_GROUPINGPROPOSER_H
#define KGEN_PROPOSER_GROUPINGPROPOSER_H

#include "kgen/Proposer/LlmClient.h"
#include "kgen/Schedule/Schedule.h"

#include <memory>
#include <optional>

namespace mlir::kgen {

/// Kernels as lists of op positions (program order among the function's
/// linalg and pad ops).
using KernelGrouping = std::vector<std::vector<unsigned>>;

/// One earlier proposal for the same function, as feedback.
struct GroupingAttempt {
  nlohmann::json grouping; // null when the reply held none
  Verdict verdict;
};

struct GroupingRequest {
  std::string function;
  /// The function (linalg on tensors) as MLIR text.
  std::string program;
  /// Per op position: its name, whether it is a root (contraction or
  /// reduction), and the positions of the ops using its result.
  std::vector<std::string> opNames;
  std::vector<bool> roots;
  std::vector<std::vector<unsigned>> users;
  /// The greedy default grouping.
  KernelGrouping greedy;
  llvm::ArrayRef<GroupingAttempt> history;
};

/// A proposed grouping, with what was asked and answered to get it.
struct GroupingCandidate {
  std::optional<nlohmann::json> grouping;
  /// Set when no grouping could be obtained: why it is rejected unchecked.
  std::optional<Verdict> failure;
  std::string prompt, reply;
};

class GroupingProposer {
public:
  virtual ~GroupingProposer();
  virtual llvm::StringRef name() const = 0;
  virtual GroupingCandidate propose(const GroupingRequest &request) = 0;
};

/// Seeded random groupings: ops merged with random users' kernels, illegal
/// ones included on purpose (a fuzzer for the legality check).
std::unique_ptr<GroupingProposer> createRandomGroupingProposer(uint64_t seed);

/// Answers from a transcript (JSONL; the grouping trajectory is one): lines
/// with "function" and a "grouping" array or a raw "reply" text, used in
/// order per function.
llvm::Expected<std::unique_ptr<GroupingProposer>>
createReplayGroupingProposer(llvm::StringRef path);

/// Any OpenAI-compatible chat-completions endpoint, prompted with the
/// function, its ops and the legality rules.
std::unique_ptr<GroupingProposer> createLlmGroupingProposer(LlmOptions options);

/// The chat messages the LLM grouping proposer sends (exposed for tests).
std::vector<ChatMessage> buildGroupingPrompt(const GroupingRequest &request);

} // namespace mlir::kgen

#endif // KGEN_PROPOSER_GROUPINGPROPOSER_H
