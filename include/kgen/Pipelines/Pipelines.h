//===- Pipelines.h - kgen's named pass pipelines ----------------*- C++ -*-===//

#ifndef KGEN_PIPELINES_PIPELINES_H
#define KGEN_PIPELINES_PIPELINES_H

#include "kgen/Conversion/Passes.h"

#include <string>

namespace mlir {
class OpPassManager;
namespace kgen {

/// kgen to linalg on tensors as kernel formation wants it:
/// kgen-recognize-attention, kgen-to-linalg
/// (with `options`: the pipelines that compile for a chip name it, so that
/// rows stream where its blocks cannot stage them), canonicalization, then
/// kgen-fuse-elementwise (composite expressions become single generics).
/// Every pipeline that lowers kgen starts here.
void addKgenToLinalg(OpPassManager &pm,
                     const ConvertKgenToLinalgPassOptions &options = {});

/// kgen-to-linalg's options for GPU chip `chip`.
ConvertKgenToLinalgPassOptions kgenToLinalgOptionsFor(llvm::StringRef chip);

/// kgen (or linalg on tensors) to the LLVM dialect for the host CPU: lowers
/// kgen to linalg, bufferizes (results become out-parameters), lowers linalg
/// to loops and everything to LLVM. Functions carrying
/// `llvm.emit_c_interface` get a `_mlir_ciface_` wrapper.
void buildCpuLoweringPipeline(OpPassManager &pm);

/// Unrolls the n-D vector transfers of vectorized schedules into 1-D ones
/// (after bufferization); shared by the CPU and GPU pipelines.
void addVectorLowering(OpPassManager &pm);

/// Alignment in bytes that generated GPU kernels assume of every buffer
/// they are given (kgen-align-kernel-arguments); launches check it.
constexpr int64_t kKernelBufferAlignment = 16;

/// Options of the GPU code generation pipelines.
struct GpuCodegenOptions {
  std::string chip = "sm_90a";
  /// Target features; empty picks the default for the chip (PTX 8.0 for
  /// NVIDIA chips).
  std::string features;
  /// "isa" (PTX text), "bin" (cubin, through ptxas) or "fatbin".
  std::string format = "bin";
  int optLevel = 3;
  /// AMD: a directory holding amdgcn/bitcode (the ROCm device libraries)
  /// and llvm/bin/ld.lld; the build prepares one from Debian's packages,
  /// used when this is empty.
  std::string rocmPath;
  /// Turn function results into caller-allocated out-parameters (the
  /// calling convention of the GPU runner).
  bool resultsAsOutParams = false;
  /// Random input sets of the schedule verifier's numerical check when the
  /// GPU runner schedules a program (0 skips that rung).
  unsigned scheduleCheckSeeds = 3;
  /// More options of kgen-schedule-kernels when the GPU runner schedules a
  /// program, in the pass's textual syntax (e.g. "proposer=random seed=3").
  std::string scheduleOptions;
};

/// Scheduled kernels (after kgen-schedule-kernels) to a module holding
/// gpu.binary objects and host code: bufferization, kgen-map-kernels-to-gpu,
/// kernel outlining, NVVM (sm_*) or ROCDL (gfx*) lowering and
/// serialization.
void buildGpuCodegenPipeline(OpPassManager &pm,
                             const GpuCodegenOptions &options);

/// A kgen program to GPU binaries and host code: kgen-to-linalg, kernel
/// formation, kgen-schedule-kernels with `schedule`, then
/// buildGpuCodegenPipeline with `codegen`. kgen-gpu-pipeline and the GPU
/// runner both build it.
void buildGpuPipeline(OpPassManager &pm,
                      const ScheduleKernelsPassOptions &schedule,
                      const GpuCodegenOptions &codegen);

/// Registers `kgen-cpu-pipeline`.
void registerKgenPipelines();
/// Registers `kgen-gpu-codegen` and `kgen-gpu-pipeline`.
void registerKgenGpuPipelines();

} // namespace kgen
} // namespace mlir

#endif // KGEN_PIPELINES_PIPELINES_H
