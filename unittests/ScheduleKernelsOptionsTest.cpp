//===- ScheduleKernelsOptionsTest.cpp - textual scheduling options -------===//

#include "kgen/Conversion/Passes.h"

#include <gtest/gtest.h>

using namespace mlir::kgen;

namespace {

TEST(ScheduleKernelsOptions, TextOverridesOnlyWhatItNames) {
  ScheduleKernelsPassOptions defaults;
  defaults.target = "sm_80";
  defaults.checkSeeds = 1;
  auto options = parseScheduleKernelsOptions(
      "proposer=random seed=7 rounds=5 print-schedules", defaults);
  ASSERT_TRUE(static_cast<bool>(options)) << llvm::toString(options.takeError());
  EXPECT_EQ(options->proposer, "random");
  EXPECT_EQ(options->seed, 7u);
  EXPECT_EQ(options->rounds, 5u);
  EXPECT_TRUE(options->printSchedules);
  EXPECT_EQ(options->target, "sm_80");
  EXPECT_EQ(options->checkSeeds, 1u);
  EXPECT_EQ(options->llmApiKeyEnv, "KGEN_LLM_API_KEY");
}

TEST(ScheduleKernelsOptions, EveryOptionReachesTheStruct) {
  auto options = parseScheduleKernelsOptions(
      "proposer=llm target=gfx942 candidates=2 rounds=4 exhaustive seed=9 "
      "replay=r.jsonl decisions=d.json trajectory=t.jsonl "
      "llm-endpoint=http://h/v1 llm-model=m llm-temperature=0.5 "
      "llm-max-tokens=99 llm-timeout=7 llm-max-requests=3 "
      "llm-token-budget=1234 llm-api-key-env=K check-seeds=0 "
      "print-schedules report apply=false");
  ASSERT_TRUE(static_cast<bool>(options)) << llvm::toString(options.takeError());
  EXPECT_EQ(options->proposer, "llm");
  EXPECT_EQ(options->target, "gfx942");
  EXPECT_EQ(options->candidates, 2u);
  EXPECT_EQ(options->rounds, 4u);
  EXPECT_TRUE(options->exhaustive);
  EXPECT_EQ(options->seed, 9u);
  EXPECT_EQ(options->replayFile, "r.jsonl");
  EXPECT_EQ(options->decisionsFile, "d.json");
  EXPECT_EQ(options->trajectoryFile, "t.jsonl");
  EXPECT_EQ(options->llmEndpoint, "http://h/v1");
  EXPECT_EQ(options->llmModel, "m");
  EXPECT_DOUBLE_EQ(options->llmTemperature, 0.5);
  EXPECT_EQ(options->llmMaxTokens, 99);
  EXPECT_DOUBLE_EQ(options->llmTimeout, 7);
  EXPECT_EQ(options->llmMaxRequests, 3);
  EXPECT_EQ(options->llmTokenBudget, 1234);
  EXPECT_EQ(options->llmApiKeyEnv, "K");
  EXPECT_EQ(options->checkSeeds, 0u);
  EXPECT_TRUE(options->printSchedules);
  EXPECT_TRUE(options->report);
  EXPECT_FALSE(options->apply);
}

TEST(ScheduleKernelsOptions, BadTextIsAnError) {
  auto unknown = parseScheduleKernelsOptions("nonsense=1");
  ASSERT_FALSE(static_cast<bool>(unknown));
  EXPECT_NE(llvm::toString(unknown.takeError()).find("nonsense"),
            std::string::npos);
  auto badValue = parseScheduleKernelsOptions("rounds=many");
  EXPECT_FALSE(static_cast<bool>(badValue));
  llvm::consumeError(badValue.takeError());
}

} // namespace
