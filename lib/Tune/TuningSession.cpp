//===- TuningSession.cpp - one program's kernels for a schedule search ----===//

#include "kgen/Tune/TuningSession.h"

#include "kgen/Conversion/Passes.h"
#include "kgen/Execution/CpuRunner.h"
#include "kgen/Pipelines/Pipelines.h"
#include "kgen/Registration/Registration.h"
#include "kgen/Schedule/KernelAttrs.h"
#include "kgen/Schedule/Records.h"
#include "kgen/Transform/ApplyTransforms.h"
#include "TuningSessionInternal.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/SourceMgr.h"

using namespace mlir;
using namespace mlir::kgen;
using json = nlohmann::json;

llvm::Expected<Measurer> mlir::kgen::parseMeasurer(llvm::StringRef name) {
  if (name == "cpu")
    return Measurer::Cpu;
  if (name == "gpu")
    return Measurer::Gpu;
  if (name == "static")
    return Measurer::Static;
  return llvm::createStringError("unknown measurer '" + name +
                                 "'; expected cpu, gpu or static");
}

llvm::StringRef mlir::kgen::stringifyMeasurer(Measurer measurer) {
  switch (measurer) {
  case Measurer::Cpu:
    return "cpu";
  case Measurer::Gpu:
    return "gpu";
  case Measurer::Static:
    return "static";
  }
  llvm_unreachable("unknown measurer");
}

json Measurement::toJson() const {
  json j = {{"measurer", stringifyMeasurer(measurer)},
            {"verdict", verdict.toJson()},
            {"milliseconds", milliseconds},
            {"median", verdict.accepted ? json(median) : json(nullptr)}};
  if (registers)
    j["registers"] = *registers;
  if (spillBytes)
    j["spill_bytes"] = *spillBytes;
  if (sharedBytes)
    j["shared_bytes"] = *sharedBytes;
  return j;
}

TuningSession::~TuningSession() = default;

/// The first error diagnostic reported while `handler` lives, with its
/// location.
namespace {
struct FirstError {
  std::string text;
  ScopedDiagnosticHandler handler;
  explicit FirstError(MLIRContext *context)
      : handler(context, [this](Diagnostic &diag) {
          if (diag.getSeverity() == DiagnosticSeverity::Error &&
              text.empty()) {
            llvm::raw_string_ostream os(text);
            os << diag.getLocation() << ": " << diag;
          }
          return success();
        }) {}
};
} // namespace

static std::unique_ptr<MLIRContext> makeContext() {
  DialectRegistry registry;
  registerAllDialects(registry);
  registerAllExtensions(registry);
  registerAllKgen(registry);
  registerVerifierDependencies(registry);
  auto context = std::make_unique<MLIRContext>(registry);
  context->loadAllAvailableDialects();
  return context;
}

/// The program's only public function that is not a kernel, or "".
static std::string onlyPublicFunction(ModuleOp program) {
  std::string name;
  unsigned count = 0;
  for (auto func : program.getOps<func::FuncOp>())
    if (func.isPublic() && !func->hasAttr(kKernelAttr) && !func.isExternal()) {
      name = func.getSymName().str();
      ++count;
    }
  return count == 1 ? name : "";
}

llvm::Expected<std::unique_ptr<TuningSession>>
TuningSession::open(llvm::StringRef source, llvm::StringRef targetName,
                    TuningOptions options) {
  std::optional<TargetDescription> target = lookupTarget(targetName);
  if (!target)
    return llvm::createStringError("unknown target '" + targetName +
                                   "'; expected one of " +
                                   llvm::join(knownTargets(), ", "));
  std::unique_ptr<TuningSession> s(new TuningSession());
  s->context = makeContext();
  s->target = *target;
  s->options = options;
  FirstError error(s->context.get());
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(
      llvm::MemoryBuffer::getMemBufferCopy(source, "<kgen program>"),
      llvm::SMLoc());
  s->program = parseSourceFile<ModuleOp>(sourceMgr, s->context.get());
  if (!s->program)
    return llvm::createStringError("cannot parse the program: " + error.text);
  s->functionName = options.function.empty() ? onlyPublicFunction(*s->program)
                                             : options.function;
  // The runners' own steps before scheduling, so that the fingerprints are
  // the ones a later build looks up in the decisions file.
  s->formed = s->program->clone();
  PassManager pm(s->context.get());
  addKgenToLinalg(pm, kgenToLinalgOptionsFor(target->name));
  pm.addPass(createFormKernelsPass());
  if (failed(pm.run(*s->formed)))
    return llvm::createStringError("cannot form the program's kernels: " +
                                   error.text);
  for (auto func : s->formed->getOps<func::FuncOp>()) {
    if (!func->hasAttr(kKernelAttr))
      continue;
    auto state = std::make_unique<KernelState>();
    state->func = func;
    VerifierOptions verifierOptions;
    verifierOptions.seeds = options.checkSeeds;
    auto unusable = [&](llvm::Error error) {
      return llvm::createStringError("kernel @" + func.getSymName() + ": " +
                                     llvm::toString(std::move(error)));
    };
    auto verifier = KernelVerifier::create(func, s->target, verifierOptions);
    if (!verifier)
      return unusable(verifier.takeError());
    auto screener = KernelVerifier::create(func, s->target, {/*seeds=*/0});
    if (!screener)
      return unusable(screener.takeError());
    state->verifier = std::move(*verifier);
    state->screener = std::move(*screener);
    s->kernels.push_back(std::move(state));
  }
  return s;
}

const CheckedSchedule &
TuningSession::KernelState::check(const json &candidate, Rungs rungs) {
  auto key = std::make_pair(rungs, candidate.dump());
  auto found = checked.find(key);
  if (found != checked.end())
    return found->second;
  CheckedSchedule result;
  KernelVerifier &ladder = rungs == Rungs::All ? *verifier : *screener;
  result.verdict =
      ladder.verify(candidate, &result.schedule, &result.transforms);
  return checked.emplace(std::move(key), std::move(result)).first->second;
}

TuningSession::KernelState &TuningSession::state(size_t index) {
  assert(index < kernels.size() && "kernel index out of range");
  return *kernels[index];
}

const KernelInfo &TuningSession::kernel(size_t index) const {
  return kernels[index]->verifier->info();
}

std::string TuningSession::key(size_t index) const {
  return DecisionsFile::key(kernel(index).fingerprint, target.name);
}

Schedule TuningSession::heuristic(size_t index) const {
  return heuristicSchedule(kernel(index), target);
}

Verdict TuningSession::verify(size_t index, const json &candidate,
                              std::optional<CostEstimate> *estimate,
                              Rungs rungs) {
  const CheckedSchedule &checked = state(index).check(candidate, rungs);
  if (estimate)
    *estimate = checked.verdict.accepted
                    ? std::optional(estimateCost(checked.schedule,
                                                 kernel(index), target))
                    : std::nullopt;
  return checked.verdict;
}

llvm::Expected<Measurement> TuningSession::measure(size_t index,
                                                   const json &schedule,
                                                   Measurer measurer,
                                                   unsigned runs) {
  if (index >= kernels.size())
    return llvm::createStringError("no kernel " + std::to_string(index) +
                                   "; the program has " +
                                   std::to_string(kernels.size()));
  if (runs == 0)
    return llvm::createStringError("a measurement needs at least one run");
  switch (measurer) {
  case Measurer::Cpu:
    return measureOnCpu(index, schedule, runs);
  case Measurer::Gpu:
    return measureOnGpu(index, schedule, runs);
  case Measurer::Static:
    return measureStatically(index, schedule);
  }
  llvm_unreachable("unknown measurer");
}

llvm::Expected<std::vector<Candidate>>
TuningSession::propose(size_t index, ProposerKind kind, uint64_t seed,
                       llvm::ArrayRef<Attempt> history, unsigned count,
                       llvm::ArrayRef<Example> examples) {
  if (index >= kernels.size())
    return llvm::createStringError("no kernel " + std::to_string(index));
  ProposalRequest request{kernel(index), target, history, count, examples};
  switch (kind) {
  case ProposerKind::Builtin: {
    Candidate c;
    c.schedule = heuristic(index).toJson();
    return std::vector<Candidate>{c};
  }
  case ProposerKind::Random:
    return createRandomProposer(seed)->propose(request);
  case ProposerKind::Llm:
    if (!llmProposer) {
      ProposerConfig config;
      config.kind = ProposerKind::Llm;
      config.llm = options.llm;
      config.llm.candidates = count;
      auto created = createProposer<Proposer>(config);
      if (!created)
        return created.takeError();
      llmProposer = std::move(*created);
    }
    return llmProposer->propose(request);
  case ProposerKind::Replay:
    break;
  }
  return llvm::createStringError(
      "a tuning session proposes with heuristic, random or llm");
}
