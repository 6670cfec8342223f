//===- MgpuRuntime.cpp - the mgpu* ABI over the CUDA driver ---------------===//

#include "kgen/Runtime/MgpuRuntime.h"

#include "kgen/Runtime/CudaDriver.h"

#include <map>
#include <mutex>

using namespace mlir::kgen;
using namespace mlir::kgen::cuda;

namespace {
std::mutex errorMutex;
std::string firstError;

// Profiling state: launches are timed with an event pair each; names come
// from mgpuModuleGetFunction.
bool profiling = false;
std::map<void *, std::string> functionNames;
struct PendingLaunch {
  mlir::kgen::runtime::LaunchRecord record;
  CUevent start = nullptr, stop = nullptr;
  CUfunction function = nullptr;
};
std::vector<PendingLaunch> pending;

// The dynamic shared-memory limit set on each function (a function handle
// met again in mgpuModuleGetFunction starts over).
std::map<void *, int32_t> dynamicSharedLimits;

bool streamBorrowed = false;
void *borrowedStream = nullptr;

// Device allocations by size: live ones, and freed ones kept for reuse.
std::mutex memoryMutex;
std::map<CUdeviceptr, uint64_t> liveBlocks;
std::multimap<uint64_t, CUdeviceptr> idleBlocks;

void record(const std::string &message) {
  std::lock_guard<std::mutex> lock(errorMutex);
  if (firstError.empty())
    firstError = message;
}

bool failed() {
  std::lock_guard<std::mutex> lock(errorMutex);
  return !firstError.empty();
}

/// The driver, or nullptr after recording why there is none. Once a call
/// has failed, later calls are skipped so the first cause is what is seen.
const Driver *driver() {
  if (failed())
    return nullptr;
  auto d = Driver::get();
  if (!d) {
    record(llvm::toString(d.takeError()));
    return nullptr;
  }
  return &*d;
}

/// Records a failed driver call; true if `result` is success.
bool ok(const Driver *d, CUresult result, const char *what) {
  if (llvm::Error err = d->check(result, what)) {
    record(llvm::toString(std::move(err)));
    return false;
  }
  return true;
}
} // namespace

std::string mlir::kgen::runtime::lastError() {
  std::lock_guard<std::mutex> lock(errorMutex);
  return firstError;
}

void mlir::kgen::runtime::clearError() {
  std::lock_guard<std::mutex> lock(errorMutex);
  firstError.clear();
}

void mlir::kgen::runtime::detail::recordError(const std::string &message) {
  record(message);
}

bool mlir::kgen::runtime::detail::hasError() { return failed(); }

mlir::kgen::runtime::Vendor
mlir::kgen::runtime::vendorOfChip(llvm::StringRef chip) {
  return chip.starts_with("gfx") ? Vendor::Amd : Vendor::Nvidia;
}

std::vector<mlir::kgen::runtime::MgpuSymbol>
mlir::kgen::runtime::mgpuSymbols(Vendor vendor) {
  if (vendor == Vendor::Amd)
    return detail::hipMgpuSymbols();
  auto entry = [](const char *name, auto *function) {
    return MgpuSymbol{name, reinterpret_cast<void *>(function)};
  };
  return {entry("mgpuModuleLoad", &mgpuModuleLoad),
          entry("mgpuModuleLoadJIT", &mgpuModuleLoadJIT),
          entry("mgpuModuleUnload", &mgpuModuleUnload),
          entry("mgpuModuleGetFunction", &mgpuModuleGetFunction),
          entry("mgpuLaunchKernel", &mgpuLaunchKernel),
          entry("mgpuStreamCreate", &mgpuStreamCreate),
          entry("mgpuStreamDestroy", &mgpuStreamDestroy),
          entry("mgpuStreamSynchronize", &mgpuStreamSynchronize),
          entry("mgpuStreamWaitEvent", &mgpuStreamWaitEvent),
          entry("mgpuEventCreate", &mgpuEventCreate),
          entry("mgpuEventDestroy", &mgpuEventDestroy),
          entry("mgpuEventSynchronize", &mgpuEventSynchronize),
          entry("mgpuEventRecord", &mgpuEventRecord),
          entry("mgpuMemAlloc", &mgpuMemAlloc),
          entry("mgpuMemFree", &mgpuMemFree),
          entry("mgpuMemcpy", &mgpuMemcpy),
          entry("mgpuMemset32", &mgpuMemset32),
          entry("mgpuSetDefaultDevice", &mgpuSetDefaultDevice)};
}

void mlir::kgen::runtime::borrowStream(void *stream) {
  streamBorrowed = true;
  borrowedStream = stream;
}

void mlir::kgen::runtime::endStreamBorrow() {
  streamBorrowed = false;
  borrowedStream = nullptr;
}

void mlir::kgen::runtime::releaseCachedMemory() {
  std::lock_guard<std::mutex> lock(memoryMutex);
  auto d = Driver::get();
  if (d)
    for (auto &[size, ptr] : idleBlocks)
      d->api().cuMemFree(ptr);
  else
    llvm::consumeError(d.takeError());
  idleBlocks.clear();
}

void mlir::kgen::runtime::setProfiling(bool enabled) { profiling = enabled; }

std::vector<mlir::kgen::runtime::LaunchRecord>
mlir::kgen::runtime::takeLaunches() {
  std::vector<LaunchRecord> records;
  const Driver *d = driver();
  for (PendingLaunch &p : pending) {
    if (d && p.start && p.stop) {
      float ms = 0;
      if (ok(d, d->api().cuEventSynchronize(p.stop), "cuEventSynchronize") &&
          ok(d, d->api().cuEventElapsedTime(&ms, p.start, p.stop),
             "cuEventElapsedTime"))
        p.record.milliseconds = ms;
      d->api().cuEventDestroy(p.start);
      d->api().cuEventDestroy(p.stop);
    }
    records.push_back(p.record);
  }
  pending.clear();
  return records;
}

extern "C" {

void *mgpuModuleLoad(void *data, size_t) {
  const Driver *d = driver();
  CUmodule module = nullptr;
  if (d)
    ok(d, d->api().cuModuleLoadData(&module, data), "cuModuleLoadData");
  return module;
}

void *mgpuModuleLoadJIT(void *data, int, size_t size) {
  // PTX text is JIT-compiled by cuModuleLoadData as well.
  return mgpuModuleLoad(data, size);
}

void mgpuModuleUnload(void *module) {
  if (const Driver *d = driver(); d && module)
    ok(d, d->api().cuModuleUnload(static_cast<CUmodule>(module)),
       "cuModuleUnload");
}

void *mgpuModuleGetFunction(void *module, const char *name) {
  const Driver *d = driver();
  CUfunction function = nullptr;
  if (d && module &&
      ok(d,
         d->api().cuModuleGetFunction(&function, static_cast<CUmodule>(module),
                                      name),
         "cuModuleGetFunction"))
    functionNames[function] = name;
  dynamicSharedLimits.erase(function);
  return function;
}

void mgpuLaunchKernel(void *function, intptr_t gridX, intptr_t gridY,
                      intptr_t gridZ, intptr_t blockX, intptr_t blockY,
                      intptr_t blockZ, int32_t smem, void *stream,
                      void **params, void **extra, size_t) {
  const Driver *d = driver();
  if (!d || !function)
    return;
  auto cuStream = static_cast<CUstream>(stream);
  // Dynamic shared memory past 48 KB must be opted into per kernel
  // (CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES = 8); the driver
  // refuses sizes past the device's limit, with a message.
  if (int32_t &limit = dynamicSharedLimits[function]; smem > limit) {
    if (!ok(d,
            d->api().cuFuncSetAttribute(static_cast<CUfunction>(function), 8,
                                        smem),
            "cuFuncSetAttribute(MAX_DYNAMIC_SHARED_SIZE_BYTES)"))
      return;
    limit = smem;
  }
  PendingLaunch launch;
  if (profiling) {
    launch.function = static_cast<CUfunction>(function);
    launch.record.kernel = functionNames[function];
    launch.record.grid[0] = gridX, launch.record.grid[1] = gridY,
    launch.record.grid[2] = gridZ;
    launch.record.block[0] = blockX, launch.record.block[1] = blockY,
    launch.record.block[2] = blockZ;
    // Read now: the module may be unloaded right after the launch.
    // CU_FUNC_ATTRIBUTE_NUM_REGS = 4, LOCAL_SIZE_BYTES = 3,
    // SHARED_SIZE_BYTES = 1.
    d->api().cuFuncGetAttribute(&launch.record.registers, 4, launch.function);
    d->api().cuFuncGetAttribute(&launch.record.localBytes, 3, launch.function);
    d->api().cuFuncGetAttribute(&launch.record.staticSharedBytes, 1,
                                launch.function);
    launch.record.dynamicSharedBytes = smem;
    if (!ok(d, d->api().cuEventCreate(&launch.start, 0), "cuEventCreate") ||
        !ok(d, d->api().cuEventCreate(&launch.stop, 0), "cuEventCreate") ||
        !ok(d, d->api().cuEventRecord(launch.start, cuStream), "cuEventRecord"))
      return;
  }
  ok(d,
     d->api().cuLaunchKernel(static_cast<CUfunction>(function), gridX, gridY,
                             gridZ, blockX, blockY, blockZ, smem, cuStream,
                             params, extra),
     "cuLaunchKernel");
  if (profiling) {
    ok(d, d->api().cuEventRecord(launch.stop, cuStream), "cuEventRecord");
    pending.push_back(launch);
  }
}

void *mgpuStreamCreate() {
  if (streamBorrowed)
    return borrowedStream;
  const Driver *d = driver();
  CUstream stream = nullptr;
  if (d)
    ok(d, d->api().cuStreamCreate(&stream, /*CU_STREAM_NON_BLOCKING=*/1),
       "cuStreamCreate");
  return stream;
}

void mgpuStreamDestroy(void *stream) {
  if (streamBorrowed && stream == borrowedStream)
    return;
  if (const Driver *d = driver(); d && stream)
    ok(d, d->api().cuStreamDestroy(static_cast<CUstream>(stream)),
       "cuStreamDestroy");
}

void mgpuStreamSynchronize(void *stream) {
  if (const Driver *d = driver())
    ok(d, d->api().cuStreamSynchronize(static_cast<CUstream>(stream)),
       "cuStreamSynchronize");
}

void mgpuStreamWaitEvent(void *stream, void *event) {
  if (const Driver *d = driver())
    ok(d,
       d->api().cuStreamWaitEvent(static_cast<CUstream>(stream),
                                  static_cast<CUevent>(event), 0),
       "cuStreamWaitEvent");
}

void *mgpuEventCreate() {
  const Driver *d = driver();
  CUevent event = nullptr;
  if (d)
    ok(d, d->api().cuEventCreate(&event, /*CU_EVENT_DEFAULT=*/0),
       "cuEventCreate");
  return event;
}

void mgpuEventDestroy(void *event) {
  if (const Driver *d = driver(); d && event)
    ok(d, d->api().cuEventDestroy(static_cast<CUevent>(event)),
       "cuEventDestroy");
}

void mgpuEventSynchronize(void *event) {
  if (const Driver *d = driver())
    ok(d, d->api().cuEventSynchronize(static_cast<CUevent>(event)),
       "cuEventSynchronize");
}

void mgpuEventRecord(void *event, void *stream) {
  if (const Driver *d = driver())
    ok(d,
       d->api().cuEventRecord(static_cast<CUevent>(event),
                              static_cast<CUstream>(stream)),
       "cuEventRecord");
}

void *mgpuMemAlloc(uint64_t sizeBytes, void *, bool isHostShared) {
  const Driver *d = driver();
  CUdeviceptr ptr = 0;
  if (d && sizeBytes) {
    if (isHostShared)
      ok(d,
         d->api().cuMemAllocManaged(&ptr, sizeBytes,
                                    /*CU_MEM_ATTACH_GLOBAL=*/1),
         "cuMemAllocManaged");
    else {
      std::lock_guard<std::mutex> lock(memoryMutex);
      if (auto idle = idleBlocks.find(sizeBytes); idle != idleBlocks.end()) {
        ptr = idle->second;
        idleBlocks.erase(idle);
      } else if (!ok(d, d->api().cuMemAlloc(&ptr, sizeBytes), "cuMemAlloc")) {
        return nullptr;
      }
      liveBlocks[ptr] = sizeBytes;
    }
  }
  return reinterpret_cast<void *>(ptr);
}

void mgpuMemFree(void *ptr, void *) {
  const Driver *d = driver();
  if (!d || !ptr)
    return;
  auto device = reinterpret_cast<CUdeviceptr>(ptr);
  {
    std::lock_guard<std::mutex> lock(memoryMutex);
    if (auto live = liveBlocks.find(device); live != liveBlocks.end()) {
      idleBlocks.emplace(live->second, device);
      liveBlocks.erase(live);
      return;
    }
  }
  ok(d, d->api().cuMemFree(device), "cuMemFree");
}

void mgpuMemcpy(void *dst, void *src, size_t sizeBytes, void *stream) {
  if (const Driver *d = driver())
    ok(d,
       d->api().cuMemcpyAsync(reinterpret_cast<CUdeviceptr>(dst),
                              reinterpret_cast<CUdeviceptr>(src), sizeBytes,
                              static_cast<CUstream>(stream)),
       "cuMemcpyAsync");
}

void mgpuMemset32(void *dst, unsigned int value, size_t count, void *stream) {
  // Only the zero fill MLIR emits for freshly allocated buffers is needed;
  // other patterns are written byte-wise when all four bytes agree.
  const Driver *d = driver();
  if (!d)
    return;
  unsigned char byte = value & 0xff;
  if (value != byte * 0x01010101u) {
    record("mgpuMemset32 with a non-uniform 32-bit pattern is not supported");
    return;
  }
  ok(d,
     d->api().cuMemsetD8Async(reinterpret_cast<CUdeviceptr>(dst), byte,
                              count * 4, static_cast<CUstream>(stream)),
     "cuMemsetD8Async");
}

void mgpuSetDefaultDevice(int32_t device) {
  if (device != 0)
    record("kgen's runtime drives device 0 only");
}
}
