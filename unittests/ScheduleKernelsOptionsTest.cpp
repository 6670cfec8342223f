//===- ScheduleKernelsOptionsTest.cpp - textual scheduling options -------===//

#include "kgen/Conversion/Passes.h"

#include "mlir/Pass/Pass.h"
#include "llvm/ADT/StringExtras.h"

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
      "llm-token-budget=1234 llm-wall-budget=2.5 llm-api-key-env=K "
      "check-seeds=0 "
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
  EXPECT_DOUBLE_EQ(options->llmWallBudget, 2.5);
  EXPECT_EQ(options->llmApiKeyEnv, "K");
  EXPECT_EQ(options->checkSeeds, 0u);
  EXPECT_TRUE(options->printSchedules);
  EXPECT_TRUE(options->report);
  EXPECT_FALSE(options->apply);
}

/// The pass's options as `name=value` text, as the pass prints them.
std::string optionsText(mlir::Pass &pass) {
  std::string text;
  llvm::raw_string_ostream os(text);
  pass.printAsTextualPipeline(os);
  size_t open = text.find('{');
  return open == std::string::npos ? "" : text.substr(open + 1,
                                                      text.size() - open - 2);
}

/// `value` changed to another value of the same kind: a flipped bool, a
/// larger number, a longer string.
std::string otherValue(llvm::StringRef value) {
  if (value == "true" || value == "false")
    return value == "true" ? "false" : "true";
  double number;
  if (!value.getAsDouble(number))
    return value.contains('.') ? std::to_string(number + 0.5)
                               : std::to_string(
                                     static_cast<int64_t>(number) + 1);
  if (value == "\"\"")
    return "x";
  return value.str() + "x";
}

TEST(ScheduleKernelsOptions, NoOptionIsLostOnTheWayToTheStruct) {
  // Every option the pass declares, whatever its name, set to a value
  // other than its default, must survive text -> struct -> pass: a field
  // that parseScheduleKernelsOptions forgets comes back as its default.
  std::string defaults = optionsText(*createScheduleKernelsPass());
  llvm::SmallVector<llvm::StringRef> fields;
  llvm::SplitString(defaults, fields, " ");
  ASSERT_GT(fields.size(), 20u) << defaults;
  std::string changed;
  for (llvm::StringRef field : fields) {
    auto [name, value] = field.split('=');
    changed += name.str() + "=" + otherValue(value) + " ";
  }
  auto options = parseScheduleKernelsOptions(changed);
  ASSERT_TRUE(static_cast<bool>(options)) << llvm::toString(options.takeError());
  std::string roundTrip = optionsText(*createScheduleKernelsPass(*options));
  auto direct = createScheduleKernelsPass();
  ASSERT_TRUE(succeeded(direct->initializeOptions(
      changed, [](const llvm::Twine &) { return mlir::failure(); })));
  EXPECT_EQ(roundTrip, optionsText(*direct));
  EXPECT_NE(roundTrip, defaults);
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
