//===- ScheduleKernels.cpp - propose, verify, apply kernel schedules ------===//
//
// The driver of the verified scheduling loop. Per kernel: a recorded
// decision first, then proposer rounds fed with the verdicts of earlier
// candidates, then the heuristic as the fallback. Nothing a proposer says
// is used unless the KernelVerifier accepts it.
//
//===----------------------------------------------------------------------===//

#include "kgen/Schedule/KernelAttrs.h"
#include "kgen/Conversion/Passes.h"
#include "kgen/Proposer/ProposalDriver.h"
#include "kgen/Proposer/ProposerFactory.h"
#include "kgen/Schedule/Records.h"
#include "kgen/Schedule/ResourceModel.h"
#include "kgen/Schedule/ScheduleJson.h"
#include "kgen/Transform/ApplyTransforms.h"
#include "kgen/Verify/KernelVerifier.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"

#include <map>

namespace mlir::kgen {
#define GEN_PASS_DEF_SCHEDULEKERNELSPASS
#include "kgen/Conversion/Passes.h.inc"
} // namespace mlir::kgen

using namespace mlir;
using namespace mlir::kgen;
using nlohmann::json;

namespace {

std::string dumpJson(const json &j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

/// A transform module as print-schedules shows it.
std::string printed(ModuleOp transforms) {
  std::string text;
  llvm::raw_string_ostream os(text);
  transforms.print(os);
  return text;
}

struct ScheduleKernelsPass final
    : mlir::kgen::impl::ScheduleKernelsPassBase<ScheduleKernelsPass> {
  using ScheduleKernelsPassBase::ScheduleKernelsPassBase;
  friend LlmOptions kgen::llmOptionsOf<>(const ScheduleKernelsPass &);

  void getDependentDialects(DialectRegistry &registry) const override {
    ScheduleKernelsPassBase::getDependentDialects(registry);
    registerVerifierDependencies(registry);
  }

  /// The pass's options as the typed struct the pass is created from.
  /// The options as the generated struct. The generated pass keeps them as
  /// separate Pass::Option members with no conversion of its own;
  /// ScheduleKernelsOptionsTest sets every declared option (found from the
  /// printed pipeline) and fails if one is missing here.
  ScheduleKernelsPassOptions typedOptions() const {
    ScheduleKernelsPassOptions o;
    o.proposer = proposer;
    o.target = target;
    o.candidates = candidates;
    o.rounds = rounds;
    o.exhaustive = exhaustive;
    o.seed = seed;
    o.replayFile = replayFile;
    o.decisionsFile = decisionsFile;
    o.trajectoryFile = trajectoryFile;
    o.llmEndpoint = llmEndpoint;
    o.llmModel = llmModel;
    o.llmTemperature = llmTemperature;
    o.llmMaxTokens = llmMaxTokens;
    o.llmTimeout = llmTimeout;
    o.llmMaxRequests = llmMaxRequests;
    o.llmTokenBudget = llmTokenBudget;
    o.llmWallBudget = llmWallBudget;
    o.llmApiKeyEnv = llmApiKeyEnv;
    o.checkSeeds = checkSeeds;
    o.printSchedules = printSchedules;
    o.report = report;
    o.apply = apply;
    return o;
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    std::optional<TargetDescription> chip = lookupTarget(target);
    if (!chip) {
      module.emitError() << "unknown target '" << target
                         << "'; expected one of "
                         << llvm::join(knownTargets(), ", ");
      return signalPassFailure();
    }
    std::unique_ptr<Proposer> proposerImpl = makeProposer(module);
    if (!proposerImpl)
      return signalPassFailure();

    std::string warning;
    DecisionsFile decisions = DecisionsFile::load(decisionsFile, warning);
    if (!warning.empty())
      module.emitWarning() << warning;

    SmallVector<func::FuncOp> kernels;
    for (auto func : module.getOps<func::FuncOp>())
      if (func->hasAttr(kKernelAttr))
        kernels.push_back(func);
    for (func::FuncOp kernel : kernels)
      scheduleKernel(kernel, *chip, *proposerImpl, decisions);

    if (llvm::Error err = decisions.save())
      module.emitWarning() << "could not write the decisions file: "
                           << llvm::toString(std::move(err));
    if (report)
      emitReport(module);
  }

  std::unique_ptr<Proposer> makeProposer(ModuleOp module) {
    auto kind = parseProposerKind(proposer, ProposalDomain::Schedule);
    if (!kind) {
      module.emitError(llvm::toString(kind.takeError()));
      return nullptr;
    }
    proposerKind = *kind;
    ProposerConfig config;
    config.kind = *kind;
    config.seed = seed;
    config.replayFile = replayFile;
    config.llm = llmOptionsOf(*this);
    config.llm.candidates = candidates;
    auto created = createProposer<Proposer>(config);
    if (!created) {
      module.emitError(llvm::toString(created.takeError()));
      return nullptr;
    }
    return std::move(*created);
  }

  void log(const KernelInfo &info, llvm::StringRef source, unsigned round,
           const Candidate &candidate, const Verdict &verdict,
           double verifySeconds) {
    ++verdictCounts[verdict.outcome().str()];
    if (trajectoryFile.empty())
      return;
    json line = {
        {"kernel", info.name},
        {"fingerprint", info.fingerprint},
        {"target", target},
        {"proposer", source},
        {"round", round},
        {"prompt", candidate.prompt},
        {"reply", candidate.reply},
        {"schedule", candidate.schedule ? *candidate.schedule : json(nullptr)},
        {"verdict", verdict.toJson()},
        {"verify_seconds", verifySeconds},
        {"measurements", nullptr}};
    // The accepted schedule's global-memory traffic in the passes model,
    // beside the floor's (each argument and the result moved once), and a
    // contraction's attainable FLOP rate.
    Schedule schedule;
    if (verdict.accepted && candidate.schedule &&
        parseSchedule(*candidate.schedule, info, schedule).accepted) {
      if (std::optional<double> moved = estimateGlobalBytes(schedule, info)) {
        line["bytes_moved"] = *moved;
        line["bytes_floor"] = info.bytes;
      }
      if (std::optional<TargetDescription> chip = lookupTarget(target))
        if (std::optional<FlopRateEstimate> rate =
                estimateFlopRate(schedule, info, *chip))
          line["flop_rate"] = rate->toJson();
    }
    if (llvm::Error err = appendTrajectory(trajectoryFile, line)) {
      if (!trajectoryWarned)
        getOperation().emitWarning()
            << "could not append to the trajectory log: "
            << llvm::toString(std::move(err));
      else
        llvm::consumeError(std::move(err));
      trajectoryWarned = true;
    }
  }

  void scheduleKernel(func::FuncOp kernel, const TargetDescription &chip,
                      Proposer &proposerImpl, DecisionsFile &decisions) {
    VerifierOptions options;
    options.seeds = checkSeeds;
    auto verifier = KernelVerifier::create(kernel, chip, options);
    if (!verifier) {
      kernel.emitWarning() << "left unscheduled: "
                           << llvm::toString(verifier.takeError());
      return;
    }
    const KernelInfo &info = (*verifier)->info();
    std::string key = DecisionsFile::key(info.fingerprint, target);

    std::optional<Schedule> chosen;
    OwningOpRef<ModuleOp> transforms; // the chosen schedule's, as verified
    std::string source;               // who proposed the chosen schedule
    std::string from;                 // who proposed the candidates checked now
    auto check = [&](const Candidate &c) {
      Schedule schedule;
      OwningOpRef<ModuleOp> candidateTransforms;
      Verdict verdict =
          (*verifier)->verify(*c.schedule, &schedule, &candidateTransforms);
      if (verdict.accepted && !chosen) {
        chosen = schedule;
        transforms = std::move(candidateTransforms);
        source = from;
      }
      return verdict;
    };
    auto record = [&](const CheckedCandidate<Candidate> &attempt) {
      log(info, from, attempt.round, attempt.candidate, attempt.verdict,
          attempt.checkSeconds);
    };
    ProposalDriver<Candidate> driver(check, record, {rounds, exhaustive});

    // A recorded decision reproduces an earlier build without the proposer.
    if (const json *recorded = decisions.lookup(key)) {
      Candidate c;
      if (auto s = recorded->find("schedule"); s != recorded->end())
        c.schedule = *s;
      else
        c.failure = Verdict::reject(Reason::Schema, "the decision has no schedule");
      from = "decisions";
      Verdict v = driver.attempt(c, 0);
      if (!v.accepted)
        kernel.emitWarning()
            << "the recorded decision for this kernel was "
               "rejected ["
            << stringifyReason(v.reason) << "] " << v.message << "; asking the proposer";
    }

    if (!chosen && proposerKind != ProposerKind::Builtin) {
      from = proposerImpl.name().str();
      ProposalOutcome<Candidate> outcome =
          driver.run([&](llvm::ArrayRef<Attempt> history) {
            return proposerImpl.propose({info, chip, history, candidates});
          });
      Verdict last = outcome.lastRejection.value_or(
          Verdict::reject(Reason::None, "no candidate was proposed"));
      if (!chosen)
        kernel.emitWarning()
            << "no schedule from the " << proposerImpl.name()
            << " proposer passed verification (last: [" << stringifyReason(last.reason) << "] "
            << last.message << "); using the heuristic schedule";
    }
    if (!chosen) {
      from = "heuristic";
      if (!scheduleWithHeuristic(kernel, info, chip, check, record))
        return;
    }

    // A decision taken from the file stays as it is there, with whatever
    // else its writer recorded (kgen-tune's times, measurer, provenance).
    if (source != "decisions")
      decisions.record(key, {{"kernel", info.name},
                             {"proposer", source},
                             {"schedule", chosen->toJson()}});
    if (printSchedules)
      kernel.emitRemark() << "schedule from " << source << ": "
                          << dumpJson(chosen->toJson()) << "\n"
                          << printed(*transforms);
    if (apply) {
      if (std::optional<TransformError> error =
              applyTransforms(kernel, *transforms))
        kernel.emitWarning() << "applying the verified schedule failed: "
                             << error->diagnostics;
    }
  }

  /// The fallback: the heuristic schedule, then ever simpler forms of it,
  /// until one is accepted (through `check`, which keeps it). Returns false,
  /// with a warning, when none is.
  bool scheduleWithHeuristic(func::FuncOp kernel, const KernelInfo &info,
                             const TargetDescription &chip,
                             const ProposalDriver<Candidate>::CheckFn &check,
                             const ProposalDriver<Candidate>::RecordFn &record) {
    std::vector<Schedule> forms = {heuristicSchedule(info, chip)};
    // Without lanes, the row-per-thread form is the simpler one.
    if (forms.front().reductionLanes > 1)
      forms.push_back(heuristicSchedule(info, chip, /*lanes=*/false));
    llvm::append_range(forms, simplerSchedules(forms.back()));
    size_t next = 0;
    ProposalDriver<Candidate> fallback(
        check, record, {static_cast<unsigned>(forms.size()), false});
    ProposalOutcome<Candidate> outcome =
        fallback.run([&](llvm::ArrayRef<Attempt>) {
          Candidate c;
          c.schedule = forms[next++].toJson();
          return std::vector<Candidate>{c};
        });
    std::optional<Verdict> rejection = outcome.firstRejection;
    if (!outcome.accepted) {
      kernel.emitWarning() << "the heuristic schedule was rejected ["
                           << stringifyReason(rejection->reason) << "] "
                           << rejection->message
                           << "; the kernel stays unscheduled (please report "
                              "this kgen bug)";
      return false;
    }
    if (rejection)
      kernel.emitWarning() << "the heuristic schedule was rejected ["
                           << stringifyReason(rejection->reason) << "] "
                           << rejection->message
                           << "; using a simpler form of it: "
                           << dumpJson(*outcome.accepted->schedule)
                           << " (please report this kgen bug)";
    return true;
  }

  void emitReport(ModuleOp module) {
    int64_t total = 0;
    std::string parts;
    for (auto &[reason, count] : verdictCounts) {
      total += count;
      if (reason != "accepted")
        parts +=
            (parts.empty() ? "" : ", ") + reason + ": " + std::to_string(count);
    }
    module.emitRemark() << "kgen-schedule-kernels: " << total
                        << " candidates verified, " << verdictCounts["accepted"]
                        << " accepted, " << total - verdictCounts["accepted"]
                        << " rejected"
                        << (parts.empty() ? "" : " (" + parts + ")");
  }

  std::map<std::string, int64_t> verdictCounts;
  ProposerKind proposerKind = ProposerKind::Builtin;
  bool trajectoryWarned = false;
};

} // namespace

llvm::Expected<ScheduleKernelsPassOptions>
mlir::kgen::parseScheduleKernelsOptions(
    llvm::StringRef text, const ScheduleKernelsPassOptions &defaults) {
  ScheduleKernelsPass pass(defaults);
  std::string message;
  if (failed(pass.initializeOptions(text, [&](const llvm::Twine &error) {
        message = error.str();
        return failure();
      })))
    return llvm::createStringError(message);
  return pass.typedOptions();
}
