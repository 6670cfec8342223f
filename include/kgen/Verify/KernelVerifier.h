//===- KernelVerifier.h - the schedule verification ladder ------*- C++ -*-===//
//
// Every proposed schedule climbs the same ladder before it is used:
//   1. parse and schema-check the JSON;
//   2. legality and the static resource model of the target;
//   3. apply the schedule's transform module to a clone of the kernel: the
//      interpreter must succeed and the result must pass the IR verifier;
//   4. run the scheduled kernel on the CPU (foralls as loops) against the
//      unscheduled kernel on random inputs, several seeds, outputs poisoned;
//      both at a reduced instance of the kernel (ReducedInstance.h), so
//      that the rung costs the same at any problem size.
// A failure on any rung is a Verdict with a reason code.
//
//===----------------------------------------------------------------------===//

#ifndef KGEN_VERIFY_KERNELVERIFIER_H
#define KGEN_VERIFY_KERNELVERIFIER_H

#include "kgen/Execution/CpuRunner.h"
#include "kgen/Schedule/Schedule.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

#include <map>
#include <memory>

namespace mlir::kgen {

/// Registers what the verifier needs in a context: the transform dialect
/// and its extensions, and the LLVM IR translations of the numerical rung's
/// JIT. A pass that creates a KernelVerifier calls it from
/// getDependentDialects.
void registerVerifierDependencies(DialectRegistry &registry);

struct VerifierOptions {
  /// Random input sets of the numerical check (rung 4); 0 skips the rung.
  unsigned seeds = 3;
};

/// A module holding a copy of `kernel` (renamed @kernel) and an @entry
/// function that takes every kernel argument as a tensor (scalars as rank-0
/// tensors) and calls it: the shape the CPU runner can drive.
OwningOpRef<ModuleOp> buildStandaloneKernel(func::FuncOp kernel);

/// Compares a scheduled kernel's outputs with the unscheduled kernel's:
/// tiled reductions sum in another order, so the tolerance grows with the
/// root's reduction length, the outputs' magnitude (their RMS) and the
/// stored type's precision.
Verdict compareOutputs(llvm::ArrayRef<HostTensor> got,
                       llvm::ArrayRef<HostTensor> want,
                       const KernelInfo &info);

class KernelVerifier {
public:
  /// Prepares to verify schedules of `kernel` (a kgen-form-kernels kernel;
  /// it must outlive the verifier and is never modified). Its context must
  /// hold registerVerifierDependencies.
  static llvm::Expected<std::unique_ptr<KernelVerifier>>
  create(func::FuncOp kernel, const TargetDescription &target,
         VerifierOptions options = {});
  ~KernelVerifier();

  const KernelInfo &info() const { return kernelInfo; }

  /// Runs the ladder on one candidate. On acceptance `schedule` and
  /// `transforms` (when non-null) receive the parsed schedule and the
  /// transform module that rung 3 applied (expandSchedule), for the caller
  /// to apply to the kernel with applyTransforms.
  Verdict verify(const nlohmann::json &candidate, Schedule *schedule = nullptr,
                 OwningOpRef<ModuleOp> *transforms = nullptr);

private:
  KernelVerifier() = default;
  /// A kernel the numerical rung runs (the reduced instance of a schedule,
  /// or the kernel itself) and the reference results of its unscheduled
  /// form.
  struct Instance;
  Instance &instanceFor(const Schedule &schedule);
  Verdict computeReference(Instance &instance);
  Verdict checkNumerics(const Schedule &schedule);
  Verdict compareWithReference(Instance &instance, ModuleOp scheduled);

  func::FuncOp kernel;
  TargetDescription target;
  VerifierOptions options;
  KernelInfo kernelInfo;
  /// The kernel alone in a module, behind an all-tensor entry function.
  OwningOpRef<ModuleOp> standalone;
  /// Instances already prepared, by their kernel's function type: the
  /// candidates of one kernel mostly share a few.
  std::map<std::string, std::unique_ptr<Instance>> instances;
};

} // namespace mlir::kgen

#endif // KGEN_VERIFY_KERNELVERIFIER_H
