//===- TuningSessionInternal.h - a tuning session's per-kernel state ------===//

#ifndef KGEN_LIB_TUNE_TUNINGSESSIONINTERNAL_H
#define KGEN_LIB_TUNE_TUNINGSESSIONINTERNAL_H

#include "kgen/Tune/TuningSession.h"

namespace mlir::kgen {

/// A candidate the ladder has judged: its verdict and, when accepted, the
/// parsed schedule and the transform module rung 3 applied.
struct CheckedSchedule {
  Verdict verdict;
  Schedule schedule;
  OwningOpRef<ModuleOp> transforms;
};

struct TuningSession::KernelState {
  using Rungs = TuningSession::Rungs;
  /// The kernel in the session's formed program.
  func::FuncOp func;
  /// The whole ladder, and its rungs 1-3 alone (no check seeds).
  std::unique_ptr<KernelVerifier> verifier, screener;
  /// Verdicts by rungs and candidate text: a search screens a candidate to
  /// rank it, verifies it, then measures it, and each part of the ladder
  /// runs once.
  std::map<std::pair<Rungs, std::string>, CheckedSchedule> checked;

  /// The verdict of `rungs` on `candidate`, remembered.
  const CheckedSchedule &check(const nlohmann::json &candidate, Rungs rungs);
  /// The CPU measurer's inputs for the full-size kernel and the unscheduled
  /// kernel's outputs on them, computed at the first CPU measurement.
  std::vector<HostTensor> cpuInputs, cpuExpected;
};

/// Random inputs in [-1, 1] for `signatures`, the same for every
/// measurement of a session.
std::vector<HostTensor>
randomInputs(llvm::ArrayRef<TensorSignature> signatures, unsigned seed);

} // namespace mlir::kgen

#endif // KGEN_LIB_TUNE_TUNINGSESSIONINTERNAL_H
