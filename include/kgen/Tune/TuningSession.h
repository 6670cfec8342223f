//===- TuningSession.h - one program's kernels for a schedule search -*- C++ -*-===//
//
// A schedule search asks the same few things of kgen, kernel by kernel:
// which kernels the program forms (exactly as the runners form them, so
// the fingerprints match the decisions file of a later build), whether a
// candidate schedule passes the verification ladder, what the static cost
// model expects of it, what a built-in proposer suggests given the earlier
// attempts, and how long the verified schedule takes on a measurer. A
// TuningSession answers them for one program and one target; the search
// loop itself (strategies, budgets, memory) lives in its caller.
//
//===----------------------------------------------------------------------===//

#ifndef KGEN_TUNE_TUNINGSESSION_H
#define KGEN_TUNE_TUNINGSESSION_H

#include "kgen/Proposer/Proposer.h"
#include "kgen/Proposer/ProposerFactory.h"
#include "kgen/Support/HostTensor.h"
#include "kgen/Tune/CostModel.h"
#include "kgen/Verify/KernelVerifier.h"

#include "mlir/IR/MLIRContext.h"

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mlir::kgen {

class GpuFunction;

/// Where a schedule is timed. Times of different measurers are never
/// compared with each other.
enum class Measurer {
  /// The scheduled kernel alone at full size, JIT-compiled for the host,
  /// its threads run as loops: real times for testing a search on a CPU.
  Cpu,
  /// The program built with the schedule for this kernel, on GPU 0 (the
  /// runner's profile: events, L2 flushed, inputs rotated, median).
  Gpu,
  /// The static cost model's time on the target (CostModel.h): nothing
  /// runs. A search on it ranks by the model alone.
  Static,
};

llvm::Expected<Measurer> parseMeasurer(llvm::StringRef name);
llvm::StringRef stringifyMeasurer(Measurer measurer);

struct TuningOptions {
  /// The function the GPU measurer builds; empty: the program's only
  /// public function.
  std::string function;
  /// Input sets of the ladder's numerical rung.
  unsigned checkSeeds = 3;
  /// For the LLM proposer; its budgets hold for the whole session.
  LlmOptions llm;
};

/// A measured schedule: its verdict (a schedule rejected by the ladder, or
/// whose outputs differ from the reference, has no times).
struct Measurement {
  Measurer measurer = Measurer::Cpu;
  Verdict verdict;
  std::vector<double> milliseconds; // per run
  double median = 0;
  /// The kernel's compiled resources, where the measurer knows them.
  std::optional<int> registers, spillBytes, sharedBytes;
  nlohmann::json toJson() const;
};

class TuningSession {
public:
  /// Parses `source` (a kgen program) and forms its kernels for `target`.
  static llvm::Expected<std::unique_ptr<TuningSession>>
  open(llvm::StringRef source, llvm::StringRef target, TuningOptions options);
  ~TuningSession();

  size_t numKernels() const { return kernels.size(); }
  const KernelInfo &kernel(size_t index) const;
  const TargetDescription &targetDescription() const { return target; }
  /// The decisions-file key of kernel `index`.
  std::string key(size_t index) const;
  Schedule heuristic(size_t index) const;

  /// How far up the ladder a check climbs.
  enum class Rungs {
    /// Schema, legality and resources, transform application: cheap, for
    /// screening and ranking many candidates.
    Static,
    /// All of them, the numerical check on the CPU included.
    All,
  };

  /// The verification ladder; `estimate` receives the static cost model's
  /// view of an accepted schedule.
  Verdict verify(size_t index, const nlohmann::json &candidate,
                 std::optional<CostEstimate> *estimate = nullptr,
                 Rungs rungs = Rungs::All);

  /// Checks `schedule` statically (rungs 1-3), runs it and compares its
  /// outputs with the reference (a full-size check, stronger than rung 4's
  /// reduced instance, which verify() runs), then times `runs` runs.
  /// Errors are the measurer's (no GPU, no memory), not the schedule's.
  llvm::Expected<Measurement> measure(size_t index,
                                      const nlohmann::json &schedule,
                                      Measurer measurer, unsigned runs);

  /// Candidates from a built-in proposer given the attempts so far.
  /// `examples` (the LLM's only) are the best schedules recorded for
  /// similar kernels.
  llvm::Expected<std::vector<Candidate>>
  propose(size_t index, ProposerKind kind, uint64_t seed,
          llvm::ArrayRef<Attempt> history, unsigned count,
          llvm::ArrayRef<Example> examples = {});

private:
  TuningSession() = default;
  struct KernelState;
  KernelState &state(size_t index);
  llvm::Expected<Measurement> measureOnCpu(size_t index,
                                           const nlohmann::json &schedule,
                                           unsigned runs);
  Measurement measureStatically(size_t index, const nlohmann::json &schedule);
  llvm::Expected<Measurement> measureOnGpu(size_t index,
                                           const nlohmann::json &schedule,
                                           unsigned runs);
  llvm::Expected<std::vector<HostTensor>> gpuReference();

  std::unique_ptr<MLIRContext> context;
  /// The program as given, and its kernels as the runners form them.
  OwningOpRef<ModuleOp> program, formed;
  std::string functionName;
  TargetDescription target;
  TuningOptions options;
  std::vector<std::unique_ptr<KernelState>> kernels;
  std::unique_ptr<Proposer> llmProposer;
  /// The GPU measurer's inputs and the CPU pipeline's outputs on them.
  std::vector<HostTensor> gpuInputs, gpuExpected;
};

} // namespace mlir::kgen

#endif // KGEN_TUNE_TUNINGSESSION_H
