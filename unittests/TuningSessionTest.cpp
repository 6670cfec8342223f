//===- TuningSessionTest.cpp - a program's kernels for a schedule search --===//

#include "kgen/Tune/TuningSession.h"


#include <gtest/gtest.h>

using namespace mlir;
using namespace mlir::kgen;
using json = nlohmann::json;

namespace {

/// The message of a failed Expected ("" if it succeeded, which fails the
/// test).
template <typename T> std::string errorOf(llvm::Expected<T> value) {
  if (value) {
    ADD_FAILURE() << "expected an error";
    return "";
  }
  return llvm::toString(value.takeError());
}

/// The value of a successful Expected (the error fails the test).
template <typename T> std::optional<T> valueOf(llvm::Expected<T> value) {
  if (!value) {
    ADD_FAILURE() << llvm::toString(value.takeError());
    return std::nullopt;
  }
  return std::move(*value);
}

/// A matmul with a bias epilogue, then a softmax over its rows: two kernels.
constexpr llvm::StringLiteral kProgram = R"mlir(
func.func @main(%x: tensor<64x128xf32>, %w: tensor<256x128xf32>,
                %b: tensor<256xf32>) -> tensor<64x256xf32> {
  %h = kgen.linear %x, %w, %b
      : (tensor<64x128xf32>, tensor<256x128xf32>, tensor<256xf32>) -> tensor<64x256xf32>
  %s = kgen.softmax %h dim 1 : tensor<64x256xf32>
  return %s : tensor<64x256xf32>
}
)mlir";

std::unique_ptr<TuningSession> openProgram() {
  auto session = valueOf(TuningSession::open(kProgram, "sm_90a", {}));
  return session ? std::move(*session) : nullptr;
}

TEST(TuningSessionTest, FormsTheRunnersKernels) {
  auto session = openProgram();
  ASSERT_TRUE(session);
  ASSERT_EQ(session->numKernels(), 2u);
  EXPECT_TRUE(session->kernel(0).matmulLike());
  EXPECT_EQ(session->key(1), session->kernel(1).fingerprint + "@sm_90a");
}

TEST(TuningSessionTest, BadTargetAndProgramAreOneLineErrors) {
  EXPECT_EQ(errorOf(TuningSession::open(kProgram, "sm_99", {})),
            "unknown target 'sm_99'; expected one of sm_90a, sm_80, gfx942, "
            "gfx90a");
  std::string bad = errorOf(TuningSession::open("func.func @main(", "sm_90a", {}));
  EXPECT_EQ(bad.rfind("cannot parse the program: loc(", 0), 0u) << bad;
}

TEST(TuningSessionTest, VerifiesAndEstimatesTheHeuristic) {
  auto session = openProgram();
  ASSERT_TRUE(session);
  std::optional<CostEstimate> estimate;
  Verdict verdict =
      session->verify(0, session->heuristic(0).toJson(), &estimate);
  ASSERT_TRUE(verdict.accepted) << verdict.message;
  ASSERT_TRUE(estimate);
  EXPECT_GT(estimate->milliseconds, 0);
  EXPECT_GE(estimate->bytesMoved, estimate->bytesFloor);

  json bad = session->heuristic(0).toJson();
  bad["workgroup_tile"] = {7, 64};
  verdict = session->verify(0, bad, &estimate);
  EXPECT_FALSE(verdict.accepted);
  EXPECT_FALSE(estimate);
}

TEST(TuningSessionTest, SmallerContractionTilesReadOperandsMoreOften) {
  auto session = openProgram();
  ASSERT_TRUE(session);
  Schedule big = session->heuristic(0);
  Schedule small = big;
  small.workgroupTile = {16, 16};
  small.threadTile = {2, 2};
  CostEstimate a = estimateCost(big, session->kernel(0),
                                session->targetDescription());
  CostEstimate b = estimateCost(small, session->kernel(0),
                                session->targetDescription());
  EXPECT_GT(b.bytesMoved, a.bytesMoved);
}

TEST(TuningSessionTest, MeasuresOnTheCpuAfterChecking) {
  auto session = openProgram();
  ASSERT_TRUE(session);
  for (size_t k = 0; k < session->numKernels(); ++k) {
    auto m = valueOf(session->measure(k, session->heuristic(k).toJson(),
                                      Measurer::Cpu, 3));
    ASSERT_TRUE(m);
    EXPECT_TRUE(m->verdict.accepted) << m->verdict.message;
    ASSERT_EQ(m->milliseconds.size(), 3u);
    EXPECT_GT(m->median, 0);
  }
}

TEST(TuningSessionTest, ARejectedScheduleIsAVerdictNotAnError) {
  auto session = openProgram();
  ASSERT_TRUE(session);
  auto m = valueOf(session->measure(
      1, json{{"version", 1}, {"vector_width", 3}}, Measurer::Cpu, 2));
  ASSERT_TRUE(m);
  EXPECT_FALSE(m->verdict.accepted);
  EXPECT_TRUE(m->milliseconds.empty());
  EXPECT_TRUE(m->toJson()["median"].is_null());
}

TEST(TuningSessionTest, MeasurerErrors) {
  EXPECT_EQ(errorOf(parseMeasurer("tpu")),
            "unknown measurer 'tpu'; expected cpu, gpu or static");
  auto session = openProgram();
  ASSERT_TRUE(session);
  EXPECT_EQ(errorOf(session->measure(5, json::object(), Measurer::Cpu, 1)),
            "no kernel 5; the program has 2");
  EXPECT_EQ(errorOf(session->measure(0, session->heuristic(0).toJson(),
                                     Measurer::Cpu, 0)),
            "a measurement needs at least one run");
}

TEST(TuningSessionTest, ProposesFromTheBuiltinProposers) {
  auto session = openProgram();
  ASSERT_TRUE(session);
  auto heuristic = valueOf(session->propose(1, ProposerKind::Builtin, 0, {}, 1));
  ASSERT_TRUE(heuristic);
  ASSERT_EQ(heuristic->size(), 1u);
  EXPECT_EQ(*heuristic->front().schedule, session->heuristic(1).toJson());
  auto random = valueOf(session->propose(1, ProposerKind::Random, 7, {}, 4));
  ASSERT_TRUE(random);
  EXPECT_EQ(random->size(), 4u);
  auto again = valueOf(session->propose(1, ProposerKind::Random, 7, {}, 4));
  ASSERT_TRUE(again);
  EXPECT_EQ(*random->front().schedule, *again->front().schedule);
  // The LLM proposer needs an endpoint: a one-line error, no request.
  EXPECT_NE(errorOf(session->propose(1, ProposerKind::Llm, 0, {}, 1)), "");
}

} // namespace

namespace {

TEST(TuningSessionTest, ThePromptShowsMeasurementsAndTheBest) {
  auto session = openProgram();
  ASSERT_TRUE(session);
  json fast = session->heuristic(1).toJson();
  json slow = fast;
  slow["vector_width"] = 1;
  AttemptMeasurement gpu{0.0125, "gpu", 0.8, 40, 0, 1024};
  AttemptMeasurement slower{0.05, "gpu", 0.2, 32, 8, 0};
  std::vector<Attempt> history = {
      {slow, Verdict::accept(), slower},
      {json{{"vector_width", 3}},
       Verdict::reject(Reason::Schema, "vector_width 3"), std::nullopt},
      {fast, Verdict::accept(), gpu}};
  ProposalRequest request{session->kernel(1), session->targetDescription(),
                          history, 2};
  std::string user = buildLlmPrompt(request)[1].content;
  EXPECT_NE(user.find("0.0500 ms on the gpu, 20% of the roofline floor, 32 "
                      "registers, 8 spill bytes, 0 shared bytes"),
            std::string::npos)
      << user;
  EXPECT_NE(user.find("rejected [schema] vector_width 3"), std::string::npos);
  EXPECT_NE(user.find("Current best: " + fast.dump() + ", 0.0125 ms on the gpu"),
            std::string::npos)
      << user;
}

} // namespace

namespace {

TEST(TuningSessionTest, TheStaticMeasurerIsTheCostModel) {
  auto session = openProgram();
  ASSERT_TRUE(session);
  json schedule = session->heuristic(0).toJson();
  std::optional<CostEstimate> estimate;
  ASSERT_TRUE(session->verify(0, schedule, &estimate).accepted);
  auto m = valueOf(session->measure(0, schedule, Measurer::Static, 5));
  ASSERT_TRUE(m);
  EXPECT_TRUE(m->verdict.accepted);
  EXPECT_EQ(m->median, estimate->milliseconds);
  EXPECT_EQ(m->toJson()["measurer"], "static");
}

TEST(TuningSessionTest, ThePromptShowsSimilarKernelsFirst) {
  auto session = openProgram();
  ASSERT_TRUE(session);
  Example example{"main_kernel_1", {128, 512}, {512},
                  session->heuristic(1).toJson(),
                  AttemptMeasurement{0.02, "gpu", std::nullopt, 40, 0, 0}};
  ProposalRequest request{session->kernel(1), session->targetDescription(),
                          {}, 1, example};
  std::string user = buildLlmPrompt(request)[1].content;
  size_t at = user.find("## Fastest schedules recorded for similar kernels\n"
                        "- main_kernel_1 (sink parallel loop sizes "
                        "[128,512], reduction loop sizes [512]): ");
  ASSERT_NE(at, std::string::npos) << user;
  EXPECT_NE(user.find("0.0200 ms on the gpu, 40 registers", at),
            std::string::npos);
}

} // namespace
