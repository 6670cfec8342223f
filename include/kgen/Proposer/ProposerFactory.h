//===- ProposerFactory.h - one factory for every proposer -------*- C++ -*-===//
//
// Schedules and kernel groupings are proposed by the same kinds of
// proposer: the built-in rules, an LLM, a replayed transcript or seeded
// random sampling. The passes parse their option string into a
// ProposerKind once and create their proposer here.
//
//===----------------------------------------------------------------------===//

#ifndef KGEN_PROPOSER_PROPOSERFACTORY_H
#define KGEN_PROPOSER_PROPOSERFACTORY_H

#include "kgen/Proposer/GroupingProposer.h"
#include "kgen/Proposer/Proposer.h"

#include "llvm/Support/Error.h"

#include <memory>

namespace mlir::kgen {

enum class ProposerKind {
  /// The built-in rules: "heuristic" for schedules, "greedy" for groupings.
  Builtin,
  Llm,
  Replay,
  Random,
};

/// What is proposed; it decides how kinds and options are spelt.
enum class ProposalDomain { Schedule, Grouping };

/// Parses a proposer option ("heuristic", "llm", ... for schedules; "greedy",
/// ... for groupings). The error is one line listing the choices, e.g.
/// "unknown proposer 'oracle'; expected heuristic, llm, replay or random".
llvm::Expected<ProposerKind> parseProposerKind(llvm::StringRef name,
                                               ProposalDomain domain);

/// The spelling of `kind` in `domain`.
llvm::StringRef stringifyProposerKind(ProposerKind kind,
                                      ProposalDomain domain);

/// The LLM endpoint options the passes share (Passes.td declares them once,
/// as `kgenLlmOptions`), read from a pass: endpoint, model, temperature,
/// tokens per request, timeout, request, token and wall-clock budgets, key
/// variable.
/// The options are protected members of the generated pass base: a pass
/// befriends it (`friend LlmOptions kgen::llmOptionsOf<>(const MyPass &);`).
template <typename PassT> LlmOptions llmOptionsOf(const PassT &pass) {
  LlmOptions options;
  options.endpoint = pass.llmEndpoint;
  options.model = pass.llmModel;
  options.temperature = pass.llmTemperature;
  options.maxTokens = pass.llmMaxTokens;
  options.timeoutSeconds = pass.llmTimeout;
  options.maxRequests = pass.llmMaxRequests;
  options.tokenBudget = pass.llmTokenBudget;
  options.wallBudgetSeconds = pass.llmWallBudget;
  options.apiKeyEnv = pass.llmApiKeyEnv;
  return options;
}

struct ProposerConfig {
  ProposerKind kind = ProposerKind::Builtin;
  /// Of the random proposer.
  uint64_t seed = 0;
  /// The replay proposer's transcript.
  std::string replayFile;
  /// Of the LLM proposer; endpoint and model are required.
  LlmOptions llm;
};

/// Creates the proposer `config` names, ProposerT being Proposer (schedules)
/// or GroupingProposer. The built-in grouping rules are no proposer: for
/// them the result holds nullptr. Fails with a one-line message when the
/// kind's required options are missing or its transcript cannot be read.
template <typename ProposerT>
llvm::Expected<std::unique_ptr<ProposerT>>
createProposer(const ProposerConfig &config);

} // namespace mlir::kgen

#endif // KGEN_PROPOSER_PROPOSERFACTORY_H
