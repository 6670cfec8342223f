//===- HipRuntime.h - the HIP runtime API, loaded at run time ---*- C++ -*-===//
//
// AMD GPUs run kgen's hsaco through HIP. Like the CUDA driver, the HIP
// runtime (libamdhip64.so) is opened with dlopen on first use, so every
// binary builds and starts where there is none; a missing runtime or device
// is an error value saying so. `mgpuSymbols(Vendor::Amd)` gives the mgpu*
// ABI implemented over it for the JIT-compiled host code.
//
// No AMD GPU was available while this was written: it is exercised only on
// its no-runtime paths (see docs/gpu.md).
//
//===----------------------------------------------------------------------===//

#ifndef KGEN_RUNTIME_HIPRUNTIME_H
#define KGEN_RUNTIME_HIPRUNTIME_H

#include "llvm/Support/Error.h"

#include <cstddef>
#include <string>

namespace mlir::kgen::hip {

using hipError_t = int;
using hipModule_t = struct ihipModule_t *;
using hipFunction_t = struct ihipModuleSymbol_t *;
using hipStream_t = struct ihipStream_t *;
using hipEvent_t = struct ihipEvent_t *;

/// The runtime entry points kgen uses.
struct RuntimeApi {
  hipError_t (*hipInit)(unsigned);
  const char *(*hipGetErrorString)(hipError_t);
  hipError_t (*hipGetDeviceCount)(int *);
  hipError_t (*hipSetDevice)(int);
  hipError_t (*hipDeviceSynchronize)();
  hipError_t (*hipModuleLoadData)(hipModule_t *, const void *);
  hipError_t (*hipModuleUnload)(hipModule_t);
  hipError_t (*hipModuleGetFunction)(hipFunction_t *, hipModule_t,
                                     const char *);
  hipError_t (*hipModuleLaunchKernel)(hipFunction_t, unsigned, unsigned,
                                      unsigned, unsigned, unsigned, unsigned,
                                      unsigned, hipStream_t, void **, void **);
  hipError_t (*hipStreamCreateWithFlags)(hipStream_t *, unsigned);
  hipError_t (*hipStreamDestroy)(hipStream_t);
  hipError_t (*hipStreamSynchronize)(hipStream_t);
  hipError_t (*hipStreamWaitEvent)(hipStream_t, hipEvent_t, unsigned);
  hipError_t (*hipEventCreate)(hipEvent_t *);
  hipError_t (*hipEventDestroy)(hipEvent_t);
  hipError_t (*hipEventRecord)(hipEvent_t, hipStream_t);
  hipError_t (*hipEventSynchronize)(hipEvent_t);
  hipError_t (*hipMalloc)(void **, size_t);
  hipError_t (*hipMallocManaged)(void **, size_t, unsigned);
  hipError_t (*hipFree)(void *);
  hipError_t (*hipMemcpyAsync)(void *, const void *, size_t, int, hipStream_t);
  hipError_t (*hipMemsetAsync)(void *, int, size_t, hipStream_t);
};

class Runtime {
public:
  /// The runtime with device 0 current, loaded once per process. Errors say
  /// "no HIP runtime" (no libamdhip64.so) or "no AMD GPU".
  static llvm::Expected<Runtime &> get();
  const RuntimeApi &api() const { return fns; }
  /// Turns a HIP status into an llvm::Error naming `what` failed.
  llvm::Error check(hipError_t result, const char *what) const;

private:
  friend llvm::Expected<Runtime &> getRuntimeForTesting(const char *path);
  Runtime() = default;
  llvm::Error load(const char *path);
  RuntimeApi fns{};
};

/// For tests: loads the runtime from `path` instead of libamdhip64.so (one
/// attempt per process, like get()).
llvm::Expected<Runtime &> getRuntimeForTesting(const char *path);

} // namespace mlir::kgen::hip

#endif // KGEN_RUNTIME_HIPRUNTIME_H
