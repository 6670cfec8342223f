//===- HipRuntime.cpp - the HIP runtime API, loaded at run time -----------===//

#include "kgen/Runtime/HipRuntime.h"

#include "llvm/Support/DynamicLibrary.h"
#include "llvm/Support/FormatVariadic.h"

#include <mutex>

using namespace mlir::kgen::hip;

static llvm::Error makeError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

llvm::Error Runtime::load(const char *path) {
  std::string why;
  auto lib = llvm::sys::DynamicLibrary::getPermanentLibrary(path, &why);
  if (!lib.isValid())
    return makeError(llvm::Twine("no HIP runtime: cannot load ") + path +
                     " (" + why +
                     "); kgen runs AMD kernels only where ROCm's HIP runtime "
                     "is installed");
  llvm::Error missing = llvm::Error::success();
  auto bind = [&](auto &slot, const char *name) {
    void *address = lib.getAddressOfSymbol(name);
    if (!address && !missing)
      missing = makeError(llvm::Twine("the HIP runtime lacks ") + name);
    using T = std::remove_reference_t<decltype(slot)>;
    slot = reinterpret_cast<T>(address);
  };
  bind(fns.hipInit, "hipInit");
  bind(fns.hipGetErrorString, "hipGetErrorString");
  bind(fns.hipGetDeviceCount, "hipGetDeviceCount");
  bind(fns.hipSetDevice, "hipSetDevice");
  bind(fns.hipDeviceSynchronize, "hipDeviceSynchronize");
  bind(fns.hipModuleLoadData, "hipModuleLoadData");
  bind(fns.hipModuleUnload, "hipModuleUnload");
  bind(fns.hipModuleGetFunction, "hipModuleGetFunction");
  bind(fns.hipModuleLaunchKernel, "hipModuleLaunchKernel");
  bind(fns.hipStreamCreateWithFlags, "hipStreamCreateWithFlags");
  bind(fns.hipStreamDestroy, "hipStreamDestroy");
  bind(fns.hipStreamSynchronize, "hipStreamSynchronize");
  bind(fns.hipStreamWaitEvent, "hipStreamWaitEvent");
  bind(fns.hipEventCreate, "hipEventCreate");
  bind(fns.hipEventDestroy, "hipEventDestroy");
  bind(fns.hipEventRecord, "hipEventRecord");
  bind(fns.hipEventSynchronize, "hipEventSynchronize");
  bind(fns.hipMalloc, "hipMalloc");
  bind(fns.hipMallocManaged, "hipMallocManaged");
  bind(fns.hipFree, "hipFree");
  bind(fns.hipMemcpyAsync, "hipMemcpyAsync");
  bind(fns.hipMemsetAsync, "hipMemsetAsync");
  if (missing)
    return missing;
  if (llvm::Error err = check(fns.hipInit(0), "hipInit"))
    return makeError("no AMD GPU: " + llvm::toString(std::move(err)));
  int count = 0;
  if (llvm::Error err = check(fns.hipGetDeviceCount(&count),
                              "hipGetDeviceCount"))
    return makeError("no AMD GPU: " + llvm::toString(std::move(err)));
  if (count == 0)
    return makeError("no AMD GPU: the HIP runtime sees no device");
  return check(fns.hipSetDevice(0), "hipSetDevice");
}

llvm::Error Runtime::check(hipError_t result, const char *what) const {
  if (result == 0)
    return llvm::Error::success();
  const char *text = fns.hipGetErrorString ? fns.hipGetErrorString(result)
                                           : nullptr;
  return makeError(llvm::formatv("{0} failed: {1} (HIP error {2})", what,
                                 text ? text : "unknown error", result));
}

llvm::Expected<Runtime &>
mlir::kgen::hip::getRuntimeForTesting(const char *path) {
  static std::once_flag once;
  static Runtime runtime;
  static std::string failure;
  std::call_once(once, [&] {
    if (llvm::Error err = runtime.load(path))
      failure = llvm::toString(std::move(err));
  });
  if (!failure.empty())
    return makeError(failure);
  return runtime;
}

llvm::Expected<Runtime &> Runtime::get() {
  return getRuntimeForTesting("libamdhip64.so");
}
