//===- CudaDriver.cpp - the CUDA driver API, loaded at run time -----------===//

#include "kgen/Runtime/CudaDriver.h"

#include "llvm/Support/DynamicLibrary.h"
#include "llvm/Support/FormatVariadic.h"

#include <mutex>

using namespace mlir::kgen::cuda;

static llvm::Error makeError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

namespace {
constexpr int kComputeCapabilityMajor = 75; // CU_DEVICE_ATTRIBUTE_...
constexpr int kComputeCapabilityMinor = 76;

/// Resolves every entry point; the versioned names are the ABI behind the
/// macros of cuda.h (cuMemAlloc is cuMemAlloc_v2, and so on).
llvm::Error resolve(llvm::sys::DynamicLibrary &lib, DriverApi &f) {
  llvm::Error missing = llvm::Error::success();
  auto bind = [&](auto &slot, const char *name) {
    void *address = lib.getAddressOfSymbol(name);
    if (!address && !missing)
      missing = makeError(llvm::Twine("the CUDA driver lacks ") + name +
                          " (driver too old?)");
    using T = std::remove_reference_t<decltype(slot)>;
    slot = reinterpret_cast<T>(address);
  };
  bind(f.cuInit, "cuInit");
  bind(f.cuGetErrorString, "cuGetErrorString");
  bind(f.cuDeviceGetCount, "cuDeviceGetCount");
  bind(f.cuDeviceGet, "cuDeviceGet");
  bind(f.cuDeviceGetName, "cuDeviceGetName");
  bind(f.cuDeviceGetAttribute, "cuDeviceGetAttribute");
  bind(f.cuDevicePrimaryCtxRetain, "cuDevicePrimaryCtxRetain");
  bind(f.cuCtxSetCurrent, "cuCtxSetCurrent");
  bind(f.cuCtxSynchronize, "cuCtxSynchronize");
  bind(f.cuModuleLoadData, "cuModuleLoadData");
  bind(f.cuModuleUnload, "cuModuleUnload");
  bind(f.cuModuleGetFunction, "cuModuleGetFunction");
  bind(f.cuLaunchKernel, "cuLaunchKernel");
  bind(f.cuStreamCreate, "cuStreamCreate");
  bind(f.cuStreamDestroy, "cuStreamDestroy_v2");
  bind(f.cuStreamSynchronize, "cuStreamSynchronize");
  bind(f.cuStreamWaitEvent, "cuStreamWaitEvent");
  bind(f.cuEventCreate, "cuEventCreate");
  bind(f.cuEventDestroy, "cuEventDestroy_v2");
  bind(f.cuEventRecord, "cuEventRecord");
  bind(f.cuEventSynchronize, "cuEventSynchronize");
  bind(f.cuEventElapsedTime, "cuEventElapsedTime");
  bind(f.cuMemAlloc, "cuMemAlloc_v2");
  bind(f.cuMemAllocManaged, "cuMemAllocManaged");
  bind(f.cuMemFree, "cuMemFree_v2");
  bind(f.cuMemcpy, "cuMemcpy");
  bind(f.cuMemcpyAsync, "cuMemcpyAsync");
  bind(f.cuMemsetD8Async, "cuMemsetD8Async");
  bind(f.cuFuncGetAttribute, "cuFuncGetAttribute");
  bind(f.cuFuncSetAttribute, "cuFuncSetAttribute");
  return missing;
}

} // namespace

llvm::Error Driver::load(const char *path) {
  std::string error;
  auto lib = llvm::sys::DynamicLibrary::getPermanentLibrary(path, &error);
  if (!lib.isValid())
    return makeError(llvm::Twine("no CUDA driver: cannot load ") + path + " (" +
                     error +
                     "); run on a machine with an NVIDIA GPU and its driver");
  if (llvm::Error err = resolve(lib, fns))
    return err;
  if (llvm::Error err = check(fns.cuInit(0), "cuInit"))
    return err;
  int count = 0;
  if (llvm::Error err = check(fns.cuDeviceGetCount(&count), "cuDeviceGetCount"))
    return err;
  if (count == 0)
    return makeError("no CUDA device: the driver is installed but sees no GPU");
  CUdevice device;
  CUcontext context;
  char name[256] = {0};
  if (llvm::Error err = check(fns.cuDeviceGet(&device, 0), "cuDeviceGet"))
    return err;
  if (llvm::Error err =
          check(fns.cuDeviceGetName(name, sizeof(name) - 1, device),
                "cuDeviceGetName"))
    return err;
  if (llvm::Error err = check(
          fns.cuDeviceGetAttribute(&major, kComputeCapabilityMajor, device),
          "cuDeviceGetAttribute"))
    return err;
  if (llvm::Error err = check(
          fns.cuDeviceGetAttribute(&minor, kComputeCapabilityMinor, device),
          "cuDeviceGetAttribute"))
    return err;
  if (llvm::Error err = check(fns.cuDevicePrimaryCtxRetain(&context, device),
                              "cuDevicePrimaryCtxRetain"))
    return err;
  if (llvm::Error err = check(fns.cuCtxSetCurrent(context), "cuCtxSetCurrent"))
    return err;
  description = llvm::formatv("{0} (sm_{1}{2})", name, major, minor).str();
  return llvm::Error::success();
}

llvm::Error Driver::check(CUresult result, const char *what) const {
  if (result == 0)
    return llvm::Error::success();
  const char *text = nullptr;
  if (fns.cuGetErrorString)
    fns.cuGetErrorString(result, &text);
  return makeError(llvm::formatv("{0} failed: {1} (CUDA error {2})", what,
                                 text ? text : "unknown error", result));
}

llvm::Expected<Driver &>
mlir::kgen::cuda::getDriverForTesting(const char *path) {
  // One attempt per process: the outcome (driver or reason) is kept.
  static std::once_flag once;
  static Driver driver;
  static std::string failure;
  std::call_once(once, [&] {
    if (llvm::Error err = driver.load(path))
      failure = llvm::toString(std::move(err));
  });
  if (!failure.empty())
    return makeError(failure);
  return driver;
}

llvm::Expected<Driver &> Driver::get() {
  return getDriverForTesting("libcuda.so.1");
}
