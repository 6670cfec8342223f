//===- HipMgpuRuntime.cpp - the mgpu* ABI over HIP ------------------------===//
//
// The same functions as MgpuRuntime.cpp, for AMD GPUs: compiled host code
// calls them by their mgpu* names (the JIT binds the names to these), and
// failures are recorded, not returned. Not profiled, and no stream
// borrowing: timing and embedding are NVIDIA-only for now.
//
//===----------------------------------------------------------------------===//

#include "kgen/Runtime/HipRuntime.h"
#include "kgen/Runtime/MgpuRuntime.h"

using namespace mlir::kgen;
using namespace mlir::kgen::hip;
using mlir::kgen::runtime::detail::hasError;
using mlir::kgen::runtime::detail::recordError;

namespace {

const Runtime *runtimeOrRecord() {
  if (hasError())
    return nullptr;
  auto r = Runtime::get();
  if (!r) {
    recordError(llvm::toString(r.takeError()));
    return nullptr;
  }
  return &*r;
}

bool ok(const Runtime *r, hipError_t result, const char *what) {
  if (llvm::Error err = r->check(result, what)) {
    recordError(llvm::toString(std::move(err)));
    return false;
  }
  return true;
}

void *moduleLoad(void *data, size_t) {
  hipModule_t module = nullptr;
  if (const Runtime *r = runtimeOrRecord())
    ok(r, r->api().hipModuleLoadData(&module, data), "hipModuleLoadData");
  return module;
}

void *moduleLoadJIT(void *data, int, size_t size) {
  // kgen serializes AMD kernels to hsaco; there is no assembly to JIT.
  (void)data;
  (void)size;
  recordError("AMD kernels must be compiled to hsaco (format=bin), not "
              "assembly");
  return nullptr;
}

void moduleUnload(void *module) {
  if (const Runtime *r = runtimeOrRecord(); r && module)
    ok(r, r->api().hipModuleUnload(static_cast<hipModule_t>(module)),
       "hipModuleUnload");
}

void *moduleGetFunction(void *module, const char *name) {
  hipFunction_t function = nullptr;
  if (const Runtime *r = runtimeOrRecord(); r && module)
    ok(r,
       r->api().hipModuleGetFunction(&function,
                                     static_cast<hipModule_t>(module), name),
       "hipModuleGetFunction");
  return function;
}

void launchKernel(void *function, intptr_t gridX, intptr_t gridY,
                  intptr_t gridZ, intptr_t blockX, intptr_t blockY,
                  intptr_t blockZ, int32_t smem, void *stream, void **params,
                  void **extra, size_t) {
  if (const Runtime *r = runtimeOrRecord(); r && function)
    ok(r,
       r->api().hipModuleLaunchKernel(
           static_cast<hipFunction_t>(function), gridX, gridY, gridZ, blockX,
           blockY, blockZ, smem, static_cast<hipStream_t>(stream), params,
           extra),
       "hipModuleLaunchKernel");
}

void *streamCreate() {
  hipStream_t stream = nullptr;
  if (const Runtime *r = runtimeOrRecord())
    ok(r, r->api().hipStreamCreateWithFlags(&stream, /*NonBlocking=*/1),
       "hipStreamCreateWithFlags");
  return stream;
}

void streamDestroy(void *stream) {
  if (const Runtime *r = runtimeOrRecord(); r && stream)
    ok(r, r->api().hipStreamDestroy(static_cast<hipStream_t>(stream)),
       "hipStreamDestroy");
}

void streamSynchronize(void *stream) {
  if (const Runtime *r = runtimeOrRecord())
    ok(r, r->api().hipStreamSynchronize(static_cast<hipStream_t>(stream)),
       "hipStreamSynchronize");
}

void streamWaitEvent(void *stream, void *event) {
  if (const Runtime *r = runtimeOrRecord())
    ok(r,
       r->api().hipStreamWaitEvent(static_cast<hipStream_t>(stream),
                                   static_cast<hipEvent_t>(event), 0),
       "hipStreamWaitEvent");
}

void *eventCreate() {
  hipEvent_t event = nullptr;
  if (const Runtime *r = runtimeOrRecord())
    ok(r, r->api().hipEventCreate(&event), "hipEventCreate");
  return event;
}

void eventDestroy(void *event) {
  if (const Runtime *r = runtimeOrRecord(); r && event)
    ok(r, r->api().hipEventDestroy(static_cast<hipEvent_t>(event)),
       "hipEventDestroy");
}

void eventSynchronize(void *event) {
  if (const Runtime *r = runtimeOrRecord())
    ok(r, r->api().hipEventSynchronize(static_cast<hipEvent_t>(event)),
       "hipEventSynchronize");
}

void eventRecord(void *event, void *stream) {
  if (const Runtime *r = runtimeOrRecord())
    ok(r,
       r->api().hipEventRecord(static_cast<hipEvent_t>(event),
                               static_cast<hipStream_t>(stream)),
       "hipEventRecord");
}

void *memAlloc(uint64_t sizeBytes, void *, bool isHostShared) {
  void *ptr = nullptr;
  if (const Runtime *r = runtimeOrRecord(); r && sizeBytes) {
    if (isHostShared)
      ok(r,
         r->api().hipMallocManaged(&ptr, sizeBytes, /*hipMemAttachGlobal=*/1),
         "hipMallocManaged");
    else
      ok(r, r->api().hipMalloc(&ptr, sizeBytes), "hipMalloc");
  }
  return ptr;
}

void memFree(void *ptr, void *) {
  if (const Runtime *r = runtimeOrRecord(); r && ptr)
    ok(r, r->api().hipFree(ptr), "hipFree");
}

void memCopy(void *dst, void *src, size_t sizeBytes, void *stream) {
  if (const Runtime *r = runtimeOrRecord())
    ok(r,
       r->api().hipMemcpyAsync(dst, src, sizeBytes, /*hipMemcpyDefault=*/4,
                               static_cast<hipStream_t>(stream)),
       "hipMemcpyAsync");
}

void memset32(void *dst, unsigned int value, size_t count, void *stream) {
  const Runtime *r = runtimeOrRecord();
  if (!r)
    return;
  unsigned char byte = value & 0xff;
  if (value != byte * 0x01010101u) {
    recordError("mgpuMemset32 with a non-uniform 32-bit pattern is not "
                "supported");
    return;
  }
  ok(r,
     r->api().hipMemsetAsync(dst, byte, count * 4,
                             static_cast<hipStream_t>(stream)),
     "hipMemsetAsync");
}

void setDefaultDevice(int32_t device) {
  if (device != 0)
    recordError("kgen's runtime drives device 0 only");
}

} // namespace

std::vector<runtime::MgpuSymbol> runtime::detail::hipMgpuSymbols() {
  auto entry = [](const char *name, auto *function) {
    return MgpuSymbol{name, reinterpret_cast<void *>(function)};
  };
  return {entry("mgpuModuleLoad", &moduleLoad),
          entry("mgpuModuleLoadJIT", &moduleLoadJIT),
          entry("mgpuModuleUnload", &moduleUnload),
          entry("mgpuModuleGetFunction", &moduleGetFunction),
          entry("mgpuLaunchKernel", &launchKernel),
          entry("mgpuStreamCreate", &streamCreate),
          entry("mgpuStreamDestroy", &streamDestroy),
          entry("mgpuStreamSynchronize", &streamSynchronize),
          entry("mgpuStreamWaitEvent", &streamWaitEvent),
          entry("mgpuEventCreate", &eventCreate),
          entry("mgpuEventDestroy", &eventDestroy),
          entry("mgpuEventSynchronize", &eventSynchronize),
          entry("mgpuEventRecord", &eventRecord),
          entry("mgpuMemAlloc", &memAlloc),
          entry("mgpuMemFree", &memFree),
          entry("mgpuMemcpy", &memCopy),
          entry("mgpuMemset32", &memset32),
          entry("mgpuSetDefaultDevice", &setDefaultDevice)};
}
