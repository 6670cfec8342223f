//===- MgpuRuntime.h - the mgpu* ABI over the CUDA driver -------*- C++ -*-===//
//
// MLIR's gpu-to-llvm host code calls mgpu* functions (module load, launch,
// streams, events, memory). kgen implements them over its run-time-loaded
// CUDA driver (kgen/Runtime/CudaDriver.h) instead of MLIR's wrappers, which
// link libcuda. The functions cannot return errors to compiled code: they
// record the first failure, which the host queries after a run, and do
// nothing further until it is cleared. Nothing is printed.
//
//===----------------------------------------------------------------------===//

#ifndef KGEN_RUNTIME_MGPURUNTIME_H
#define KGEN_RUNTIME_MGPURUNTIME_H

#include "llvm/ADT/StringRef.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

extern "C" {
void *mgpuModuleLoad(void *data, size_t gpuBlobSize);
void *mgpuModuleLoadJIT(void *data, int optLevel, size_t assemblySize);
void mgpuModuleUnload(void *module);
void *mgpuModuleGetFunction(void *module, const char *name);
void mgpuLaunchKernel(void *function, intptr_t gridX, intptr_t gridY,
                      intptr_t gridZ, intptr_t blockX, intptr_t blockY,
                      intptr_t blockZ, int32_t smem, void *stream,
                      void **params, void **extra, size_t paramsCount);
void *mgpuStreamCreate();
void mgpuStreamDestroy(void *stream);
void mgpuStreamSynchronize(void *stream);
void mgpuStreamWaitEvent(void *stream, void *event);
void *mgpuEventCreate();
void mgpuEventDestroy(void *event);
void mgpuEventSynchronize(void *event);
void mgpuEventRecord(void *event, void *stream);
void *mgpuMemAlloc(uint64_t sizeBytes, void *stream, bool isHostShared);
void mgpuMemFree(void *ptr, void *stream);
void mgpuMemcpy(void *dst, void *src, size_t sizeBytes, void *stream);
void mgpuMemset32(void *dst, unsigned int value, size_t count, void *stream);
void mgpuSetDefaultDevice(int32_t device);
}

namespace mlir::kgen::runtime {

/// The first failure recorded by an mgpu* call since the last clear, or an
/// empty string.
std::string lastError();
void clearError();

/// One kernel launch seen while profiling: where it ran and how long the
/// device took (CUDA events recorded around it on its stream), plus the
/// resources the compiled kernel uses (from the driver).
struct LaunchRecord {
  std::string kernel;
  int64_t grid[3] = {1, 1, 1}, block[3] = {1, 1, 1};
  double milliseconds = 0;
  int registers = 0;          // per thread
  int localBytes = 0;         // per thread: spills and stack
  int staticSharedBytes = 0;  // per block
  int dynamicSharedBytes = 0; // per block, as launched
};

/// Borrows an embedder's stream (a CUstream, e.g. PyTorch's current stream;
/// nullptr is the legacy default stream, as in CUDA): until the borrow ends,
/// compiled code gets it from mgpuStreamCreate and never destroys it, so all
/// of its work is ordered on, and timed by, the embedder's stream.
void borrowStream(void *stream);
/// Ends the borrow: compiled code creates (non-blocking) streams again.
void endStreamBorrow();

/// Device buffers that compiled code frees are kept for reuse by later
/// allocations of the same size (compiled code waits for each launch, so a
/// freed buffer is idle). This returns them to the driver.
void releaseCachedMemory();

/// Which vendor's runtime implements the mgpu* functions.
enum class Vendor { Nvidia, Amd };
/// "sm_*" chips are NVIDIA's, "gfx*" AMD's.
Vendor vendorOfChip(llvm::StringRef chip);

/// The mgpu* functions for `vendor` by name, for a JIT's symbol table: the
/// extern "C" ones above over the CUDA driver, or the same ABI over HIP.
struct MgpuSymbol {
  const char *name;
  void *address;
};
std::vector<MgpuSymbol> mgpuSymbols(Vendor vendor);

namespace detail {
/// Shared by both vendors' implementations: the first failure is kept.
void recordError(const std::string &message);
bool hasError();
/// The HIP implementation (HipMgpuRuntime.cpp).
std::vector<MgpuSymbol> hipMgpuSymbols();
} // namespace detail

/// While profiling is on, every mgpuLaunchKernel is timed with events.
void setProfiling(bool enabled);
/// The launches since the last call, in order (waits for their events).
std::vector<LaunchRecord> takeLaunches();

} // namespace mlir::kgen::runtime

#endif // KGEN_RUNTIME_MGPURUNTIME_H
