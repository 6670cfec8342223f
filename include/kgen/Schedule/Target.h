//===- Target.h - GPU target descriptions -----------------------*- C++ -*-===//
//
// What the scheduler knows about a GPU: limits that decide whether a
// schedule can run at all (threads, shared memory, registers) and the rates
// that decide whether it is fast (bandwidth, peak throughput).
//
//===----------------------------------------------------------------------===//

#ifndef KGEN_SCHEDULE_TARGET_H
#define KGEN_SCHEDULE_TARGET_H

#include "kgen/Schedule/MatrixInstruction.h"

#include "llvm/ADT/StringRef.h"

#include <nlohmann/json.hpp>
#include <array>
#include <optional>
#include <string>
#include <vector>

namespace mlir::kgen {

enum class GpuVendor { Nvidia, Amd };

/// What one multiprocessor (NVIDIA SM, AMD CU) holds at once, which bounds
/// how many blocks of a schedule run side by side, and how fast its threads
/// read shared memory.
struct MultiprocessorLimits {
  int64_t threads = 2048;
  int64_t registers = 65536; // 32-bit registers
  int64_t sharedMemory = 0;  // bytes
  int64_t blocks = 32;
  /// Shared-memory (LDS) bytes per second over the whole device: bytes per
  /// clock per multiprocessor times multiprocessors times the boost clock.
  double sharedBandwidth = 0;
};

struct TargetDescription {
  std::string name; // the chip: "sm_90a", "sm_80", "gfx942", "gfx90a"
  std::string device;
  GpuVendor vendor = GpuVendor::Nvidia;
  int multiprocessors = 0;
  int warpSize = 32;
  int maxThreadsPerBlock = 1024;
  int64_t sharedMemoryPerBlock = 0; // bytes
  int registersPerThread = 255;
  double memoryBandwidth = 0; // bytes / s
  double peakFlopsF32 = 0;    // flop / s, without tensor cores
  double peakFlopsF16 = 0;    // flop / s, with tensor cores
  MultiprocessorLimits multiprocessor;
  std::vector<MatrixInstruction> matrixInstructions;
  /// Blocks per grid dimension, x then y then z (CUDA's and HIP's limits).
  std::array<int64_t, 3> maxGridSize = {2147483647, 65535, 65535};

  nlohmann::json toJson() const;
};

/// The built-in description of `chip`, or std::nullopt if unknown.
std::optional<TargetDescription> lookupTarget(llvm::StringRef chip);

/// Names accepted by lookupTarget, for error messages.
std::vector<std::string> knownTargets();

} // namespace mlir::kgen

#endif // KGEN_SCHEDULE_TARGET_H
