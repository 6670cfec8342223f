//===- ScheduleJsonTest.cpp - schedule documents, schema and rung 1 -------===//

#include "kgen/Schedule/ScheduleJson.h"

#include "ScheduleFixtures.h"

#include "llvm/Support/FormatVariadic.h"

#include <gtest/gtest.h>

#include <set>

using namespace mlir::kgen;
using namespace mlir::kgen::testing;
using nlohmann::json;

namespace {

json with(const char *key, json value) {
  json j = base();
  j[key] = std::move(value);
  return j;
}

/// The reason code rung 1 gives `j` ("" if it parses).
std::string parseReason(const json &j, const KernelInfo &k = gemmKernel()) {
  Schedule s;
  Verdict verdict = parseSchedule(j, k, s);
  return verdict.accepted ? "" : stringifyReason(verdict.reason).str();
}

TEST(ScheduleJson, ParsesAPlausibleScheduleWithDefaults) {
  std::optional<Schedule> s = parsed(base());
  ASSERT_TRUE(s);
  EXPECT_EQ(s->workgroupTile, (std::vector<int64_t>{32, 64}));
  EXPECT_EQ(s->threadTile, (std::vector<int64_t>{4, 4}));
  EXPECT_EQ(s->reductionTile, std::vector<int64_t>{16});
  EXPECT_EQ(s->fuse, (std::vector<int64_t>{0, 1, 2})); // all but the sink
  EXPECT_EQ(s->vectorWidth, 1);
  EXPECT_TRUE(s->promoteOperands.empty());
  EXPECT_EQ(s->pipelineDepth, 1);
  EXPECT_EQ(s->splitReduction, 0);
  EXPECT_EQ(s->matrixInstruction, MatrixInstruction::None);
  // Serialized, every field is spelled out, and it parses back the same.
  json j = s->toJson();
  EXPECT_EQ(j["fuse"], json({0, 1, 2}));
  std::optional<Schedule> again = parsed(j);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->toJson(), j);
}

TEST(ScheduleJson, RejectionReasons) {
  EXPECT_EQ(parseReason(json::array()), "schema");
  EXPECT_EQ(parseReason(with("tiles", 1)), "schema");
  EXPECT_EQ(parseReason(with("thread_tile", "4x4")), "schema");
  EXPECT_EQ(parseReason(with("thread_tile", {4, 4.5})), "schema");
  EXPECT_EQ(parseReason(with("vector_width", "4")), "schema");
  EXPECT_EQ(parseReason(with("matrix_instruction", 1)), "schema");
  json missing = base();
  missing.erase("reduction_tile");
  EXPECT_EQ(parseReason(missing), "schema");
  EXPECT_EQ(parseReason(with("version", 2)), "version");
  EXPECT_EQ(parseReason(with("workgroup_tile", {64})), "rank_mismatch");
  EXPECT_EQ(parseReason(with("workgroup_tile", {-1, 64})), "nonpositive_tile");
  EXPECT_EQ(parseReason(with("thread_tile", {4, 256})), "tile_exceeds_dim");
  EXPECT_EQ(parseReason(with("vector_width", 3)), "vector_width");
  EXPECT_EQ(parseReason(with("pipeline_depth", 0)), "pipeline_depth");
  // Rung 1 leaves the kernel-specific legality to rung 2.
  EXPECT_EQ(parseReason(with("fuse", {1})), "");
  EXPECT_EQ(parseReason(with("matrix_instruction", "mfma")), "");
}

TEST(ScheduleJson, SplitReductionNeedsOneInnermostReductionItDivides) {
  json split = {{"version", 1},
                {"workgroup_tile", {64}},
                {"thread_tile", {1}},
                {"reduction_tile", {64}},
                {"split_reduction", 4}};
  EXPECT_EQ(parseReason(split, rowSumKernel()), "");
  // The reduction tile applies within a chunk of 1024 / 4.
  json tooLarge = split;
  tooLarge["reduction_tile"] = {512};
  EXPECT_EQ(parseReason(tooLarge, rowSumKernel()), "tile_exceeds_dim");
  json uneven = split;
  uneven["split_reduction"] = 3;
  EXPECT_EQ(parseReason(uneven, rowSumKernel()), "split_reduction");
  json negative = split;
  negative["split_reduction"] = -1;
  EXPECT_EQ(parseReason(negative, rowSumKernel()), "split_reduction");
  // The gemm's root is not its sink.
  EXPECT_EQ(parseReason(with("split_reduction", 2)), "split_reduction");
}

TEST(ScheduleJson, MatrixInstructionsKeepTheirJsonSpelling) {
  std::vector<std::string> names;
  for (MatrixInstruction instruction : allMatrixInstructions()) {
    llvm::StringRef name = stringifyMatrixInstruction(instruction);
    names.push_back(name.str());
    EXPECT_EQ(symbolizeMatrixInstruction(name), instruction) << name.str();
    // Schedule -> JSON -> Schedule.
    Schedule s;
    s.workgroupTile = {32, 64};
    s.threadTile = {4, 4};
    s.reductionTile = {16};
    s.fuse = {0, 1, 2};
    s.matrixInstruction = instruction;
    json j = s.toJson();
    EXPECT_EQ(j["matrix_instruction"], name.str());
    std::optional<Schedule> back = parsed(j);
    ASSERT_TRUE(back) << name.str();
    EXPECT_EQ(back->matrixInstruction, instruction) << name.str();
  }
  EXPECT_EQ(names,
            (std::vector<std::string>{"none", "mma_sync", "wgmma", "mfma"}));
  EXPECT_EQ(Schedule().toJson()["matrix_instruction"], "none");
  EXPECT_EQ(symbolizeMatrixInstruction("tensor_core"), std::nullopt);
  EXPECT_EQ(symbolizeMatrixInstruction("MMA_SYNC"), std::nullopt);
  Schedule s;
  Verdict v =
      parseSchedule(with("matrix_instruction", "tensor_core"), gemmKernel(), s);
  ASSERT_FALSE(v.accepted);
  EXPECT_EQ(v.reason, Reason::Schema);
  EXPECT_EQ(v.message, "unknown matrix_instruction 'tensor_core'");
  // Targets list theirs in the same spelling.
  EXPECT_EQ(lookupTarget("sm_90a")->toJson()["matrix_instructions"],
            json({"mma_sync", "wgmma"}));
  EXPECT_EQ(lookupTarget("gfx942")->toJson()["matrix_instructions"],
            json({"mfma"}));
}

TEST(ScheduleJson, SchemaListsEveryField) {
  json schema = scheduleJsonSchema();
  for (const char *field :
       {"version", "workgroup_tile", "thread_tile", "reduction_tile", "fuse",
        "vector_width", "promote_operands", "pipeline_depth", "split_reduction",
        "matrix_instruction"})
    EXPECT_TRUE(schema["properties"].contains(field)) << field;
  // And every field of a serialized schedule is in the schema.
  for (auto &[key, value] : Schedule().toJson().items())
    EXPECT_TRUE(schema["properties"].contains(key)) << key;
}

TEST(ScheduleJson, SchemaStatesTheLimitsTheChecksUse) {
  json properties = scheduleJsonSchema()["properties"];
  auto description = [&](const char *field) {
    return properties[field]["description"].get<std::string>();
  };
  auto states = [](const std::string &text, const std::string &part) {
    return text.find(part) != std::string::npos;
  };
  EXPECT_EQ(properties["version"]["const"], Schedule::kVersion);
  EXPECT_EQ(properties["vector_width"]["enum"], json(kVectorWidths));
  EXPECT_EQ(properties["pipeline_depth"]["maximum"], kMaxPipelineDepth);
  std::vector<std::string> instructions;
  for (MatrixInstruction instruction : allMatrixInstructions())
    instructions.push_back(stringifyMatrixInstruction(instruction).str());
  EXPECT_EQ(properties["matrix_instruction"]["enum"], json(instructions));
  std::string mappedLoops =
      llvm::formatv("At most {0} non-zero.", kMaxMappedLoops);
  EXPECT_TRUE(states(description("workgroup_tile"), mappedLoops));
  EXPECT_TRUE(states(description("thread_tile"), mappedLoops));
  EXPECT_TRUE(states(description("vector_width"),
                     llvm::formatv("stay within {0}.", kMaxVectorElements)));
  std::string matrix = description("matrix_instruction");
  EXPECT_TRUE(
      states(matrix, llvm::formatv("M a multiple of {0}, N of {1}",
                                   kMmaSyncTiling.mUnit, kMmaSyncTiling.nUnit)))
      << matrix;
  EXPECT_TRUE(states(matrix, llvm::formatv("the reduction step a multiple of "
                                           "{0}. wgmma",
                                           kMmaSyncTiling.stepUnit)));
  EXPECT_TRUE(
      states(matrix, llvm::formatv("warpgroup's ({0} threads) tile, M "
                                   "and N multiples of {1}, the "
                                   "reduction step a multiple of {2}.",
                                   kWgmmaTiling.threads, kWgmmaTiling.mUnit,
                                   kWgmmaTiling.stepUnit)))
      << matrix;

  // Rung 1 holds to the same numbers.
  for (int64_t width : kVectorWidths)
    EXPECT_EQ(parseReason(with("vector_width", width)), "") << width;
  EXPECT_EQ(parseReason(with("vector_width", kVectorWidths[3] * 2)),
            "vector_width");
  EXPECT_EQ(parseReason(with("pipeline_depth", kMaxPipelineDepth)), "");
  EXPECT_EQ(parseReason(with("pipeline_depth", kMaxPipelineDepth + 1)),
            "pipeline_depth");
  Schedule s;
  Verdict v = parseSchedule(with("vector_width", 3), gemmKernel(), s);
  EXPECT_EQ(v.message, "vector_width 3 is not 1, 2, 4 or 8");
  v = parseSchedule(with("pipeline_depth", 5), gemmKernel(), s);
  EXPECT_EQ(v.message, "pipeline_depth 5 is outside [1, 4]");
}

TEST(ScheduleJson, VerdictsAsJson) {
  EXPECT_EQ(Verdict::accept().toJson(),
            json({{"accepted", true}, {"message", "accepted"}}));
  EXPECT_EQ(
      Verdict::reject(Reason::Schema, "bad").toJson(),
      json({{"accepted", false}, {"message", "bad"}, {"reason", "schema"}}));
}

TEST(Verdict, EveryReasonHasOneStableSpelling) {
  std::set<std::string> spellings;
  for (int i = 0; i <= static_cast<int>(Reason::None); ++i) {
    auto reason = static_cast<Reason>(i);
    llvm::StringRef spelling = stringifyReason(reason);
    EXPECT_TRUE(spellings.insert(spelling.str()).second) << spelling.str();
    EXPECT_EQ(symbolizeReason(spelling), reason) << spelling.str();
  }
  EXPECT_EQ(stringifyReason(Reason::TileExceedsDim), "tile_exceeds_dim");
  EXPECT_EQ(stringifyReason(Reason::LlmTimeout), "llm_timeout");
  EXPECT_EQ(symbolizeReason("no_such_reason"), std::nullopt);
}

} // namespace
