//===- ProposerFactory.cpp - one factory for every proposer ---------------===//

#include "kgen/Proposer/ProposerFactory.h"

#include "llvm/Support/FormatVariadic.h"

using namespace mlir;
using namespace mlir::kgen;

namespace {

/// How a domain spells its proposers and their options.
struct Spelling {
  llvm::StringRef option;  // the pass option naming the proposer
  llvm::StringRef builtin; // the built-in rules
  llvm::StringRef noun;    // in messages: "the llm <noun> needs ..."
  llvm::StringRef replayOption;
};

const Spelling &spellingOf(ProposalDomain domain) {
  static const Spelling schedule{"proposer", "heuristic", "proposer",
                                 "replay"};
  static const Spelling grouping{"grouping-proposer", "greedy",
                                 "grouping proposer", "grouping-replay"};
  return domain == ProposalDomain::Schedule ? schedule : grouping;
}

constexpr ProposerKind kKinds[] = {ProposerKind::Builtin, ProposerKind::Llm,
                                   ProposerKind::Replay, ProposerKind::Random};

llvm::Error error(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

/// The constructors of one domain's proposers.
template <typename ProposerT> struct Constructors;

template <> struct Constructors<Proposer> {
  static constexpr ProposalDomain domain = ProposalDomain::Schedule;
  static std::unique_ptr<Proposer> builtin() {
    return createHeuristicProposer();
  }
  static std::unique_ptr<Proposer> random(uint64_t seed) {
    return createRandomProposer(seed);
  }
  static llvm::Expected<std::unique_ptr<Proposer>>
  replay(llvm::StringRef path) {
    return createReplayProposer(path);
  }
  static std::unique_ptr<Proposer> llm(const LlmOptions &options) {
    return createLlmProposer(options);
  }
};

template <> struct Constructors<GroupingProposer> {
  static constexpr ProposalDomain domain = ProposalDomain::Grouping;
  // The greedy rules run in kgen-form-kernels itself.
  static std::unique_ptr<GroupingProposer> builtin() { return nullptr; }
  static std::unique_ptr<GroupingProposer> random(uint64_t seed) {
    return createRandomGroupingProposer(seed);
  }
  static llvm::Expected<std::unique_ptr<GroupingProposer>>
  replay(llvm::StringRef path) {
    return createReplayGroupingProposer(path);
  }
  static std::unique_ptr<GroupingProposer> llm(const LlmOptions &options) {
    return createLlmGroupingProposer(options);
  }
};

} // namespace

llvm::StringRef mlir::kgen::stringifyProposerKind(ProposerKind kind,
                                                  ProposalDomain domain) {
  switch (kind) {
  case ProposerKind::Builtin:
    return spellingOf(domain).builtin;
  case ProposerKind::Llm:
    return "llm";
  case ProposerKind::Replay:
    return "replay";
  case ProposerKind::Random:
    return "random";
  }
  llvm_unreachable("unknown proposer kind");
}

llvm::Expected<ProposerKind>
mlir::kgen::parseProposerKind(llvm::StringRef name, ProposalDomain domain) {
  for (ProposerKind kind : kKinds)
    if (name == stringifyProposerKind(kind, domain))
      return kind;
  const Spelling &s = spellingOf(domain);
  return error(llvm::formatv("unknown {0} '{1}'; expected {2}, llm, replay "
                             "or random",
                             s.option, name, s.builtin));
}

template <typename ProposerT>
llvm::Expected<std::unique_ptr<ProposerT>>
mlir::kgen::createProposer(const ProposerConfig &config) {
  using Make = Constructors<ProposerT>;
  const Spelling &s = spellingOf(Make::domain);
  switch (config.kind) {
  case ProposerKind::Builtin:
    return Make::builtin();
  case ProposerKind::Random:
    return Make::random(config.seed);
  case ProposerKind::Replay:
    if (config.replayFile.empty())
      return error("the replay " + s.noun + " needs a transcript: " +
                   s.replayOption + "=<file.jsonl>");
    return Make::replay(config.replayFile);
  case ProposerKind::Llm:
    if (config.llm.endpoint.empty() || config.llm.model.empty())
      return error("the llm " + s.noun +
                   " needs llm-endpoint=<url> and llm-model=<name> (see "
                   "docs/llm.md)");
    // A bad key is a configuration error, like a missing endpoint: said
    // once, before any request, rather than as a verdict on every kernel.
    if (llvm::Expected<std::string> key = readApiKey(config.llm.apiKeyEnv);
        !key) {
      std::string why;
      llvm::handleAllErrors(
          key.takeError(), [&](const LlmError &e) { why = e.detail(); },
          [&](const llvm::ErrorInfoBase &e) { why = e.message(); });
      return error(why);
    }
    return Make::llm(config.llm);
  }
  llvm_unreachable("unknown proposer kind");
}

template llvm::Expected<std::unique_ptr<Proposer>>
mlir::kgen::createProposer<Proposer>(const ProposerConfig &);
template llvm::Expected<std::unique_ptr<GroupingProposer>>
mlir::kgen::createProposer<GroupingProposer>(const ProposerConfig &);
