//===- BoundedJsonTest.cpp - JSON nesting bound ---------------------------===//
//
// JSON nested 200,000 levels deep must be refused before nlohmann::json
// builds it: copying, comparing or printing such a value recurses once per
// level and overflows the stack. The per-file entry points (transcripts,
// decisions and grouping files, LLM replies through a server) are covered by
// the deep-json.mlir lit tests.
//
//===----------------------------------------------------------------------===//

#include "kgen/Support/BoundedJson.h"

#include "kgen/Proposer/LlmClient.h"
#include "kgen/Proposer/Proposer.h"

#include <gtest/gtest.h>

#include <chrono>

using namespace mlir::kgen;
using nlohmann::json;

namespace {

constexpr size_t kHostileDepth = 200000;

std::string nested(size_t depth, char open = '[', char close = ']') {
  return std::string(depth, open) + std::string(depth, close);
}

double secondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
      .count();
}

TEST(BoundedJson, ShallowTextParses) {
  llvm::Expected<json> value = parseBoundedJson(R"({"a": [1, {"b": [2]}]})");
  ASSERT_TRUE(bool(value)) << llvm::toString(value.takeError());
  EXPECT_EQ((*value)["a"][1]["b"][0], 2);
}

TEST(BoundedJson, InvalidTextIsDiscardedNotAnError) {
  llvm::Expected<json> value = parseBoundedJson("{not json");
  ASSERT_TRUE(bool(value)) << llvm::toString(value.takeError());
  EXPECT_TRUE(value->is_discarded());
}

TEST(BoundedJson, DepthLimitIsInclusive) {
  EXPECT_FALSE(jsonNestsDeeperThan(nested(kMaxJsonDepth), kMaxJsonDepth));
  EXPECT_TRUE(jsonNestsDeeperThan(nested(kMaxJsonDepth + 1), kMaxJsonDepth));
  llvm::Expected<json> atLimit = parseBoundedJson(nested(kMaxJsonDepth));
  ASSERT_TRUE(bool(atLimit)) << llvm::toString(atLimit.takeError());
  EXPECT_FALSE(atLimit->is_discarded());
}

TEST(BoundedJson, BracketsInsideStringsDoNotCount) {
  std::string text = "{\"s\": \"" + std::string(1000, '[') + "\\\"{{{\"}";
  EXPECT_FALSE(jsonNestsDeeperThan(text, 1));
  llvm::Expected<json> value = parseBoundedJson(text, 1);
  ASSERT_TRUE(bool(value)) << llvm::toString(value.takeError());
  EXPECT_EQ((*value)["s"].get<std::string>().size(), 1004u);
}

TEST(BoundedJson, StrayClosersDoNotHideDepth) {
  // nlohmann stops at the first stray ']', but the scan must not let it
  // cancel the openers that follow.
  EXPECT_TRUE(jsonNestsDeeperThan("]]]]" + std::string(5, '['), 4));
}

TEST(BoundedJson, HostileDepthIsRefusedQuickly) {
  auto start = std::chrono::steady_clock::now();
  for (auto [open, close] : {std::pair('[', ']'), std::pair('{', '}')}) {
    llvm::Expected<json> value =
        parseBoundedJson(nested(kHostileDepth, open, close));
    ASSERT_FALSE(bool(value));
    EXPECT_EQ(llvm::toString(value.takeError()),
              "JSON nests arrays and objects more than 128 levels deep "
              "(kgen's limit)");
  }
  // Unclosed: nlohmann would build the deep prefix before failing.
  EXPECT_FALSE(bool(parseBoundedJson(std::string(kHostileDepth, '['))))
      << "an unclosed deep text must be refused too";
  EXPECT_LT(secondsSince(start), 5.0);
}

TEST(BoundedJson, DeepModelReplyIsMalformed) {
  auto start = std::chrono::steady_clock::now();
  for (std::string reply :
       {nested(kHostileDepth), "Here:\n```json\n" + nested(kHostileDepth),
        "Try " + nested(kHostileDepth) + " please"}) {
    llvm::Expected<json> value = extractJson(reply);
    ASSERT_FALSE(bool(value));
    Verdict verdict = verdictOfUnusableReply(value.takeError(), "schedule");
    EXPECT_EQ(verdict.reason, Reason::LlmMalformedReply);
    EXPECT_EQ(verdict.message,
              "the reply's JSON schedule is unusable: malformed_reply: the "
              "JSON in the model's reply nests more than 128 levels deep");
  }
  EXPECT_LT(secondsSince(start), 5.0);
}

TEST(BoundedJson, ShallowJsonAfterDeepJsonIsStillFound) {
  llvm::Expected<json> value =
      extractJson(nested(1000) + " no, rather {\"tile\": [8]}");
  ASSERT_TRUE(bool(value)) << llvm::toString(value.takeError());
  EXPECT_EQ(*value, json::parse(R"({"tile": [8]})"));
}

TEST(BoundedJson, ReplyWithoutJsonStaysNoJson) {
  llvm::Expected<json> value = extractJson("no json here");
  ASSERT_FALSE(bool(value));
  Verdict verdict = verdictOfUnusableReply(value.takeError(), "grouping");
  EXPECT_EQ(verdict.reason, Reason::NoJson);
  EXPECT_EQ(verdict.message.rfind("the reply holds no JSON grouping: "
                                  "no_json_found: ",
                                  0),
            0u)
      << verdict.message;
}

} // namespace
