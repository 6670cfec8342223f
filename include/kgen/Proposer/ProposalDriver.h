//===- ProposalDriver.h - propose, check, record ----------------*- C++ -*-===//
//
// The one loop behind every proposer of kgen, schedules and kernel groupings
// alike: ask the proposer for candidates round after round, giving it the
// verdicts of its earlier candidates; check each candidate (the verifier
// decides, never the proposer); record each attempt; stop at the first
// accepted candidate unless asked to check them all, and when the proposer
// has nothing more to give. The passes own what a check and a record mean.
//
//===----------------------------------------------------------------------===//

#ifndef KGEN_PROPOSER_PROPOSALDRIVER_H
#define KGEN_PROPOSER_PROPOSALDRIVER_H

#include "kgen/Proposer/GroupingProposer.h"
#include "kgen/Proposer/Proposer.h"

#include "llvm/ADT/ArrayRef.h"

#include <chrono>
#include <functional>
#include <optional>
#include <vector>

namespace mlir::kgen {

/// What the driver needs to know of a candidate type: the history entry a
/// checked candidate becomes (what the proposer is shown of it next round).
/// A candidate type also has `std::optional<Verdict> failure`: set when the
/// proposer could not produce a candidate, which is then rejected unchecked.
template <typename CandidateT> struct ProposalTraits;

template <> struct ProposalTraits<Candidate> {
  using Attempt = kgen::Attempt;
  static Attempt attempt(const Candidate &c, const Verdict &verdict) {
    return {c.schedule ? *c.schedule : nlohmann::json(), verdict,
            std::nullopt};
  }
};

template <> struct ProposalTraits<GroupingCandidate> {
  using Attempt = GroupingAttempt;
  static Attempt attempt(const GroupingCandidate &c, const Verdict &verdict) {
    return {c.grouping ? *c.grouping : nlohmann::json(), verdict};
  }
};

/// Whether a rejection says the proposer has nothing more to give (its
/// transcript or its LLM budget is used up): asking again is pointless.
inline bool isExhaustion(const Verdict &verdict) {
  return !verdict.accepted && (verdict.reason == Reason::ReplayExhausted ||
                               verdict.reason == Reason::LlmBudgetExhausted);
}

/// One checked candidate, as the driver hands it to the recorder.
template <typename CandidateT> struct CheckedCandidate {
  unsigned round;
  const CandidateT &candidate;
  const Verdict &verdict;
  /// Time the check took (0 for a candidate rejected unchecked).
  double checkSeconds;
};

/// What a run of the driver found.
template <typename CandidateT> struct ProposalOutcome {
  /// The first accepted candidate and its round.
  std::optional<CandidateT> accepted;
  unsigned acceptedRound = 0;
  /// The first and the last rejection, for warnings.
  std::optional<Verdict> firstRejection, lastRejection;
  /// Candidates checked (or rejected unchecked).
  unsigned attempts = 0;
};

struct ProposalDriverOptions {
  /// Rounds of proposals; each sees the verdicts of all earlier candidates.
  unsigned rounds = 3;
  /// Check every candidate of every round instead of stopping at the first
  /// accepted one (search and fuzzing).
  bool exhaustive = false;
};

template <typename CandidateT> class ProposalDriver {
public:
  using Attempt = typename ProposalTraits<CandidateT>::Attempt;
  /// The candidates of one round, given the attempts so far. An empty round
  /// ends the run.
  using ProposeFn =
      std::function<std::vector<CandidateT>(llvm::ArrayRef<Attempt>)>;
  /// The verdict on one candidate (its `failure` is handled by the driver).
  using CheckFn = std::function<Verdict(const CandidateT &)>;
  /// Called once per attempt, after its check.
  using RecordFn = std::function<void(const CheckedCandidate<CandidateT> &)>;

  ProposalDriver(CheckFn check, RecordFn record,
                 ProposalDriverOptions options = {})
      : check(std::move(check)), record(std::move(record)), options(options) {}

  /// Checks and records one candidate outside the proposal rounds (a
  /// recorded decision, a fallback).
  Verdict attempt(const CandidateT &candidate, unsigned round) {
    auto start = std::chrono::steady_clock::now();
    Verdict verdict = candidate.failure ? *candidate.failure : check(candidate);
    std::chrono::duration<double> seconds =
        std::chrono::steady_clock::now() - start;
    record({round, candidate, verdict,
            candidate.failure ? 0.0 : seconds.count()});
    return verdict;
  }

  /// Runs the proposal rounds.
  ProposalOutcome<CandidateT> run(const ProposeFn &propose) {
    ProposalOutcome<CandidateT> outcome;
    std::vector<Attempt> history;
    for (unsigned round = 0; round < options.rounds; ++round) {
      std::vector<CandidateT> candidates = propose(history);
      if (candidates.empty())
        break;
      for (const CandidateT &candidate : candidates) {
        Verdict verdict = attempt(candidate, round);
        ++outcome.attempts;
        history.push_back(
            ProposalTraits<CandidateT>::attempt(candidate, verdict));
        if (verdict.accepted) {
          if (!outcome.accepted) {
            outcome.accepted = candidate;
            outcome.acceptedRound = round;
          }
          if (!options.exhaustive)
            return outcome;
          continue;
        }
        if (!outcome.firstRejection)
          outcome.firstRejection = verdict;
        outcome.lastRejection = verdict;
        if (isExhaustion(verdict))
          return outcome;
      }
    }
    return outcome;
  }

private:
  CheckFn check;
  RecordFn record;
  ProposalDriverOptions options;
};

} // namespace mlir::kgen

#endif // KGEN_PROPOSER_PROPOSALDRIVER_H
