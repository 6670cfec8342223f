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
  /// The kernel in the session's formed program.
  func::FuncOp func;
  std::unique_ptr<KernelVerifier> verifier;
  /// Verdicts by candidate text: a search verifies a candidate to rank it,
  /// then measures it, and the ladder (with its numerical rung) runs once.
  std::map<std::string, CheckedSchedule> checked;

  /// The ladder's verdict on `candidate`, remembered.
  const CheckedSchedule &check(const nlohmann::json &candidate);
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
