//===- GpuRunner.h - compile and run a kgen function on the GPU -*- C++ -*-===//
//
// A function of a kgen program goes through kernel formation, verified
// scheduling and GPU code generation; its host code is JIT-compiled and calls
// kgen's mgpu* runtime over the run-time-loaded CUDA driver. Buffers are
// managed (host-shared) allocations.
//
//===----------------------------------------------------------------------===//

#ifndef KGEN_EXECUTION_GPURUNNER_H
#define KGEN_EXECUTION_GPURUNNER_H

#include "kgen/Execution/CpuRunner.h"
#include "kgen/Pipelines/Pipelines.h"
#include "kgen/Runtime/MgpuRuntime.h"

namespace mlir::kgen {

class GpuFunction {
public:
  /// Compiles `functionName` of `module` (cloned, not modified) for
  /// `options.chip`. Needs no GPU; running does.
  static llvm::Expected<std::unique_ptr<GpuFunction>>
  compile(ModuleOp module, llvm::StringRef functionName,
          const GpuCodegenOptions &options);
  ~GpuFunction();

  llvm::ArrayRef<TensorSignature> inputs() const { return inputSigs; }
  llvm::ArrayRef<TensorSignature> outputs() const { return outputSigs; }
  /// Arithmetic of the function's kernels (2 per multiply-add) and the bytes
  /// its arguments and results occupy: the inputs of the roofline floor.
  double flops() const { return totalFlops; }
  double bytes() const { return totalBytes; }

  /// Runs once on device 0: inputs copied in, outputs poisoned with NaN
  /// before the launch and copied back after. NVIDIA chips run through the
  /// CUDA driver, AMD chips (gfx*) through HIP. Fails with "no CUDA driver"
  /// / "no CUDA device" / "no HIP runtime" / "no AMD GPU" where there is
  /// none.
  llvm::Expected<std::vector<HostTensor>>
  run(llvm::ArrayRef<HostTensor> inputs) const;

  /// Runs once on `buffers`: device (or managed) pointers to the inputs
  /// then the outputs, dense and in the signatures' order. All work goes on
  /// `stream` (a CUstream; nullptr: kgen's own streams) and is finished when
  /// this returns. Nothing is copied, checked or poisoned: the caller owns
  /// the buffers. This is how an embedder (e.g. PyTorch, through the C API)
  /// runs kgen's kernels on its own tensors.
  llvm::Error launch(llvm::ArrayRef<void *> buffers, void *stream) const;

  /// Device times of repeated runs, measured the same way for every
  /// function: CUDA events around each kernel launch, `warmup` untimed runs
  /// first, the L2 cache flushed (a 256 MiB memset) before every run, and
  /// `rotations` copies of the inputs used in turn so no run finds its
  /// inputs in cache.
  struct Profile {
    std::vector<double> runMilliseconds;        // sum over the kernels, per run
    std::vector<runtime::LaunchRecord> kernels; // per kernel, median time
  };
  llvm::Expected<Profile> profile(llvm::ArrayRef<HostTensor> inputs,
                                  unsigned runs, unsigned warmup = 10,
                                  unsigned rotations = 4) const;

  /// The compiled function as bytes (a FunctionImage: the host object with
  /// the GPU binary inside) that `load` turns back into it, in this or
  /// another process on the same kind of host, without compiling.
  std::string serialize() const;
  static llvm::Expected<std::unique_ptr<GpuFunction>>
  load(llvm::StringRef image, llvm::StringRef chip);

private:
  GpuFunction() = default;
  llvm::Error loadObject(std::string object, llvm::StringRef entry);
  std::unique_ptr<NativeCode> code;
  std::string chip;
  std::vector<TensorSignature> inputSigs, outputSigs;
  runtime::Vendor vendor = runtime::Vendor::Nvidia;
  double totalFlops = 0, totalBytes = 0;
};

} // namespace mlir::kgen

#endif // KGEN_EXECUTION_GPURUNNER_H
