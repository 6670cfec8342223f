//===- ProposalDriverTest.cpp - the proposal loop and the factory ---------===//

#include "kgen/Proposer/ProposalDriver.h"
#include "kgen/Proposer/ProposerFactory.h"

#include <gtest/gtest.h>

using namespace mlir::kgen;

namespace {
/// A fake candidate: a number the fake checker accepts when it is even.
struct FakeCandidate {
  int value = 0;
  std::optional<Verdict> failure;
};
struct FakeAttempt {
  int value;
  Verdict verdict;
};
} // namespace

template <> struct mlir::kgen::ProposalTraits<FakeCandidate> {
  using Attempt = FakeAttempt;
  static Attempt attempt(const FakeCandidate &c, const Verdict &verdict) {
    return {c.value, verdict};
  }
};

namespace {

using Driver = ProposalDriver<FakeCandidate>;

/// Checks even numbers in, odd ones out; logs every attempt.
struct Harness {
  std::vector<std::pair<unsigned, int>> recorded; // (round, value)
  int checks = 0;
  Driver driver(ProposalDriverOptions options) {
    return Driver(
        [this](const FakeCandidate &c) {
          ++checks;
          return c.value % 2 == 0
                     ? Verdict::accept()
                     : Verdict::reject(Reason::Schema,
                                       "odd " + std::to_string(c.value));
        },
        [this](const CheckedCandidate<FakeCandidate> &a) {
          recorded.push_back({a.round, a.candidate.value});
        },
        options);
  }
};

/// Proposes `perRound` candidates per round from `values`, in order.
struct FakeProposer {
  std::vector<int> values;
  size_t perRound = 1;
  size_t next = 0;
  std::vector<size_t> historySizes;
  std::vector<FakeCandidate> operator()(llvm::ArrayRef<FakeAttempt> history) {
    historySizes.push_back(history.size());
    std::vector<FakeCandidate> out;
    for (size_t i = 0; i < perRound && next < values.size(); ++i)
      out.push_back({values[next++], std::nullopt});
    return out;
  }
};

TEST(ProposalDriver, StopsAtTheFirstAccepted) {
  Harness h;
  Driver driver = h.driver({/*rounds=*/5, /*exhaustive=*/false});
  FakeProposer proposer{{1, 3, 4, 6}, /*perRound=*/2};
  auto outcome = driver.run(std::ref(proposer));
  ASSERT_TRUE(outcome.accepted);
  EXPECT_EQ(outcome.accepted->value, 4);
  EXPECT_EQ(outcome.acceptedRound, 1u);
  EXPECT_EQ(outcome.attempts, 3u);
  EXPECT_EQ(h.checks, 3);
  EXPECT_EQ(outcome.firstRejection->message, "odd 1");
  EXPECT_EQ(outcome.lastRejection->message, "odd 3");
  std::vector<std::pair<unsigned, int>> expected = {{0, 1}, {0, 3}, {1, 4}};
  EXPECT_EQ(h.recorded, expected);
}

TEST(ProposalDriver, ExhaustiveChecksEveryCandidate) {
  Harness h;
  Driver driver = h.driver({/*rounds=*/2, /*exhaustive=*/true});
  FakeProposer proposer{{2, 3, 4, 5, 6}, /*perRound=*/2};
  auto outcome = driver.run(std::ref(proposer));
  ASSERT_TRUE(outcome.accepted);
  EXPECT_EQ(outcome.accepted->value, 2); // the first accepted is kept
  EXPECT_EQ(outcome.attempts, 4u);       // 2 rounds of 2
  EXPECT_EQ(outcome.lastRejection->message, "odd 5");
}

TEST(ProposalDriver, GivesTheHistoryBack) {
  Harness h;
  Driver driver = h.driver({/*rounds=*/3, /*exhaustive=*/false});
  std::vector<std::vector<int>> seen;
  auto outcome = driver.run([&](llvm::ArrayRef<FakeAttempt> history) {
    std::vector<int> values;
    for (const FakeAttempt &a : history) {
      values.push_back(a.value);
      EXPECT_FALSE(a.verdict.accepted);
    }
    seen.push_back(values);
    return std::vector<FakeCandidate>{{2 * int(history.size()) + 1, {}}};
  });
  EXPECT_FALSE(outcome.accepted);
  std::vector<std::vector<int>> expected = {{}, {1}, {1, 3}};
  EXPECT_EQ(seen, expected);
  EXPECT_EQ(outcome.lastRejection->message, "odd 5");
  EXPECT_EQ(outcome.firstRejection->message, "odd 1");
}

TEST(ProposalDriver, AFailedProposalIsRejectedUnchecked) {
  Harness h;
  Driver driver = h.driver({/*rounds=*/2, /*exhaustive=*/false});
  auto outcome = driver.run([&](llvm::ArrayRef<FakeAttempt>) {
    FakeCandidate c;
    c.failure = Verdict::reject(Reason::NoJson, "no JSON");
    return std::vector<FakeCandidate>{c};
  });
  EXPECT_EQ(h.checks, 0);
  EXPECT_EQ(outcome.attempts, 2u);
  EXPECT_EQ(outcome.lastRejection->reason, Reason::NoJson);
  EXPECT_EQ(h.recorded.size(), 2u);
}

TEST(ProposalDriver, StopsWhenTheProposerIsExhausted) {
  for (Reason reason : {Reason::ReplayExhausted, Reason::LlmBudgetExhausted}) {
    Harness h;
    Driver driver = h.driver({/*rounds=*/10, /*exhaustive=*/true});
    unsigned asked = 0;
    auto outcome = driver.run([&](llvm::ArrayRef<FakeAttempt>) {
      FakeCandidate c;
      if (++asked == 2)
        c.failure = Verdict::reject(reason, "nothing more");
      else
        c.value = 1;
      return std::vector<FakeCandidate>{c};
    });
    EXPECT_EQ(asked, 2u);
    EXPECT_EQ(outcome.attempts, 2u);
    EXPECT_EQ(outcome.lastRejection->reason, reason);
    EXPECT_EQ(outcome.firstRejection->message, "odd 1");
  }
}

TEST(ProposalDriver, AnEmptyRoundEndsTheRun) {
  Harness h;
  Driver driver = h.driver({/*rounds=*/10, /*exhaustive=*/false});
  FakeProposer proposer{{1, 3}};
  auto outcome = driver.run(std::ref(proposer));
  EXPECT_EQ(proposer.historySizes, (std::vector<size_t>{0, 1, 2}));
  EXPECT_EQ(outcome.attempts, 2u);
  EXPECT_FALSE(outcome.accepted);
}

TEST(ProposalDriver, AttemptChecksAndRecordsOneCandidate) {
  Harness h;
  Driver driver = h.driver({});
  EXPECT_TRUE(driver.attempt({4, {}}, 7).accepted);
  EXPECT_EQ(h.recorded, (std::vector<std::pair<unsigned, int>>{{7, 4}}));
}

TEST(ProposerFactory, ParsesEveryKindInBothDomains) {
  struct Case {
    const char *name;
    ProposalDomain domain;
    ProposerKind kind;
  } cases[] = {
      {"heuristic", ProposalDomain::Schedule, ProposerKind::Builtin},
      {"greedy", ProposalDomain::Grouping, ProposerKind::Builtin},
      {"llm", ProposalDomain::Schedule, ProposerKind::Llm},
      {"llm", ProposalDomain::Grouping, ProposerKind::Llm},
      {"replay", ProposalDomain::Schedule, ProposerKind::Replay},
      {"replay", ProposalDomain::Grouping, ProposerKind::Replay},
      {"random", ProposalDomain::Schedule, ProposerKind::Random},
      {"random", ProposalDomain::Grouping, ProposerKind::Random},
  };
  for (const Case &c : cases) {
    auto kind = parseProposerKind(c.name, c.domain);
    ASSERT_TRUE(bool(kind)) << llvm::toString(kind.takeError());
    EXPECT_EQ(*kind, c.kind) << c.name;
    EXPECT_EQ(stringifyProposerKind(*kind, c.domain), c.name);
  }
}

TEST(ProposerFactory, RejectsUnknownNamesListingTheChoices) {
  auto kind = parseProposerKind("oracle", ProposalDomain::Schedule);
  ASSERT_FALSE(bool(kind));
  EXPECT_EQ(llvm::toString(kind.takeError()),
            "unknown proposer 'oracle'; expected heuristic, llm, replay or "
            "random");
  // Each domain spells its built-in rules its own way.
  kind = parseProposerKind("greedy", ProposalDomain::Schedule);
  ASSERT_FALSE(bool(kind));
  llvm::consumeError(kind.takeError());
  kind = parseProposerKind("heuristic", ProposalDomain::Grouping);
  ASSERT_FALSE(bool(kind));
  EXPECT_EQ(llvm::toString(kind.takeError()),
            "unknown grouping-proposer 'heuristic'; expected greedy, llm, "
            "replay or random");
}

TEST(ProposerFactory, CreatesEveryKind) {
  ProposerConfig config;
  config.llm.endpoint = "http://127.0.0.1:9/v1";
  config.llm.model = "m";
  const char *scheduleTranscript = KGEN_SOURCE_DIR
      "/test/Conversion/ScheduleKernels/Inputs/good-schedule.jsonl";
  config.replayFile = scheduleTranscript;
  for (ProposerKind kind : {ProposerKind::Builtin, ProposerKind::Llm,
                            ProposerKind::Replay, ProposerKind::Random}) {
    config.kind = kind;
    auto schedules = createProposer<Proposer>(config);
    ASSERT_TRUE(bool(schedules)) << llvm::toString(schedules.takeError());
    ASSERT_TRUE(*schedules);
    EXPECT_EQ((*schedules)->name(),
              stringifyProposerKind(kind, ProposalDomain::Schedule));
    config.replayFile =
        KGEN_SOURCE_DIR "/test/Conversion/FormKernels/Inputs/groupings.jsonl";
    auto groupings = createProposer<GroupingProposer>(config);
    config.replayFile = scheduleTranscript;
    ASSERT_TRUE(bool(groupings)) << llvm::toString(groupings.takeError());
    // The greedy rules are no proposer.
    EXPECT_EQ(bool(*groupings), kind != ProposerKind::Builtin);
    if (*groupings)
      EXPECT_EQ((*groupings)->name(),
                stringifyProposerKind(kind, ProposalDomain::Grouping));
  }
}

TEST(ProposerFactory, NamesTheMissingOptions) {
  ProposerConfig config;
  config.kind = ProposerKind::Replay;
  auto replay = createProposer<Proposer>(config);
  ASSERT_FALSE(bool(replay));
  EXPECT_EQ(llvm::toString(replay.takeError()),
            "the replay proposer needs a transcript: replay=<file.jsonl>");
  auto groupings = createProposer<GroupingProposer>(config);
  ASSERT_FALSE(bool(groupings));
  EXPECT_EQ(llvm::toString(groupings.takeError()),
            "the replay grouping proposer needs a transcript: "
            "grouping-replay=<file.jsonl>");
  config.kind = ProposerKind::Llm;
  config.llm.endpoint = "http://127.0.0.1:9/v1";
  auto llm = createProposer<Proposer>(config);
  ASSERT_FALSE(bool(llm));
  EXPECT_EQ(llvm::toString(llm.takeError()),
            "the llm proposer needs llm-endpoint=<url> and llm-model=<name> "
            "(see docs/llm.md)");
  config.kind = ProposerKind::Replay;
  config.replayFile = "/nonexistent/transcript.jsonl";
  replay = createProposer<Proposer>(config);
  ASSERT_FALSE(bool(replay));
  llvm::consumeError(replay.takeError());
}

/// A key with a CR or LF would add headers to every request: both LLM
/// proposers refuse it up front, naming the variable, never the key.
TEST(ProposerFactory, RefusesAKeyWithControlCharacters) {
  constexpr const char *kVariable = "KGEN_FACTORY_TEST_API_KEY";
  ::setenv(kVariable, "sk-factory-secret\r\nX-Evil: 1", 1);
  ProposerConfig config;
  config.kind = ProposerKind::Llm;
  config.llm.endpoint = "http://127.0.0.1:9/v1";
  config.llm.model = "m";
  config.llm.apiKeyEnv = kVariable;
  auto schedules = createProposer<Proposer>(config);
  auto groupings = createProposer<GroupingProposer>(config);
  ::unsetenv(kVariable);
  ASSERT_FALSE(bool(schedules));
  ASSERT_FALSE(bool(groupings));
  for (std::string message : {llvm::toString(schedules.takeError()),
                              llvm::toString(groupings.takeError())}) {
    EXPECT_NE(message.find(kVariable), std::string::npos) << message;
    EXPECT_NE(message.find("control character"), std::string::npos) << message;
    EXPECT_EQ(message.find("sk-factory-secret"), std::string::npos) << message;
    EXPECT_EQ(message.find_first_of("\r\n"), std::string::npos) << message;
  }
}

/// Both passes read the same LLM options through llmOptionsOf.
TEST(ProposerFactory, LlmOptionsOfReadsTheSharedPassOptions) {
  struct FakePass {
    std::string llmEndpoint = "http://h/v1", llmModel = "m";
    double llmTemperature = 0.5, llmTimeout = 7, llmWallBudget = 42;
    int llmMaxTokens = 100, llmMaxRequests = 3;
    int64_t llmTokenBudget = 999;
    std::string llmApiKeyEnv = "KEY";
  } pass;
  LlmOptions o = llmOptionsOf(pass);
  EXPECT_EQ(o.endpoint, "http://h/v1");
  EXPECT_EQ(o.model, "m");
  EXPECT_EQ(o.temperature, 0.5);
  EXPECT_EQ(o.timeoutSeconds, 7);
  EXPECT_EQ(o.maxTokens, 100);
  EXPECT_EQ(o.maxRequests, 3);
  EXPECT_EQ(o.tokenBudget, 999);
  EXPECT_EQ(o.wallBudgetSeconds, 42);
  EXPECT_EQ(o.apiKeyEnv, "KEY");
}

} // namespace
