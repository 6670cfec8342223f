//===- CudaDriver.h - the CUDA driver API, loaded at run time ---*- C++ -*-===//
//
// kgen never links libcuda: every binary builds and starts on a machine with
// no GPU. The driver is opened with dlopen on first use; a missing driver or
// device is an error value saying so, never a crash.
//
//===----------------------------------------------------------------------===//

#ifndef KGEN_RUNTIME_CUDADRIVER_H
#define KGEN_RUNTIME_CUDADRIVER_H

#include "llvm/Support/Error.h"

#include <cstddef>
#include <cstdint>
#include <string>

namespace mlir::kgen::cuda {

// Opaque driver handles and the few enums used, as the driver ABI has them.
using CUresult = int;
using CUdevice = int;
using CUcontext = struct CUctx_st *;
using CUmodule = struct CUmod_st *;
using CUfunction = struct CUfunc_st *;
using CUstream = struct CUstream_st *;
using CUevent = struct CUevent_st *;
using CUdeviceptr = unsigned long long;

/// The driver entry points kgen uses (versioned names resolved explicitly).
struct DriverApi {
  CUresult (*cuInit)(unsigned);
  CUresult (*cuGetErrorString)(CUresult, const char **);
  CUresult (*cuDeviceGetCount)(int *);
  CUresult (*cuDeviceGet)(CUdevice *, int);
  CUresult (*cuDeviceGetName)(char *, int, CUdevice);
  CUresult (*cuDeviceGetAttribute)(int *, int, CUdevice);
  CUresult (*cuDevicePrimaryCtxRetain)(CUcontext *, CUdevice);
  CUresult (*cuCtxSetCurrent)(CUcontext);
  CUresult (*cuCtxSynchronize)();
  CUresult (*cuModuleLoadData)(CUmodule *, const void *);
  CUresult (*cuModuleUnload)(CUmodule);
  CUresult (*cuModuleGetFunction)(CUfunction *, CUmodule, const char *);
  CUresult (*cuLaunchKernel)(CUfunction, unsigned, unsigned, unsigned, unsigned,
                             unsigned, unsigned, unsigned, CUstream, void **,
                             void **);
  CUresult (*cuStreamCreate)(CUstream *, unsigned);
  CUresult (*cuStreamDestroy)(CUstream);
  CUresult (*cuStreamSynchronize)(CUstream);
  CUresult (*cuStreamWaitEvent)(CUstream, CUevent, unsigned);
  CUresult (*cuEventCreate)(CUevent *, unsigned);
  CUresult (*cuEventDestroy)(CUevent);
  CUresult (*cuEventRecord)(CUevent, CUstream);
  CUresult (*cuEventSynchronize)(CUevent);
  CUresult (*cuEventElapsedTime)(float *, CUevent, CUevent);
  CUresult (*cuMemAlloc)(CUdeviceptr *, size_t);
  CUresult (*cuMemAllocManaged)(CUdeviceptr *, size_t, unsigned);
  CUresult (*cuMemFree)(CUdeviceptr);
  CUresult (*cuMemcpy)(CUdeviceptr, CUdeviceptr, size_t);
  CUresult (*cuMemcpyAsync)(CUdeviceptr, CUdeviceptr, size_t, CUstream);
  CUresult (*cuMemsetD8Async)(CUdeviceptr, unsigned char, size_t, CUstream);
  CUresult (*cuFuncGetAttribute)(int *, int, CUfunction);
  CUresult (*cuFuncSetAttribute)(CUfunction, int, int);
};

class Driver {
public:
  /// The driver with a current context on `device` (0 by default), loaded
  /// and initialized once per process. Errors say "no CUDA driver" (no
  /// libcuda.so.1), "no CUDA device", or quote the driver's message.
  static llvm::Expected<Driver &> get();

  const DriverApi &api() const { return fns; }
  /// "NVIDIA H100 80GB HBM3 (sm_90)".
  const std::string &deviceDescription() const { return description; }
  int computeCapability() const { return major * 10 + minor; }

  /// Turns a driver status into an llvm::Error naming `what` failed.
  llvm::Error check(CUresult result, const char *what) const;

private:
  friend llvm::Expected<Driver &> getDriverForTesting(const char *path);
  Driver() = default;
  /// Opens `path` and initializes the driver and device 0.
  llvm::Error load(const char *path);
  DriverApi fns{};
  std::string description;
  int major = 0, minor = 0;
};

/// For tests: loads the driver from `path` instead of libcuda.so.1 (one
/// attempt per process, like get()).
llvm::Expected<Driver &> getDriverForTesting(const char *path);

} // namespace mlir::kgen::cuda

#endif // KGEN_RUNTIME_CUDADRIVER_H
