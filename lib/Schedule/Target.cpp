//===- Target.cpp - GPU target descriptions -------------------------------===//
//
// Figures are vendor datasheet values (H100 SXM, A100 SXM 80GB, MI300X,
// MI250X); bandwidth and peak rates only steer the heuristic and the
// roofline, limits are hard constraints. Shared-memory bandwidth is 32
// banks of 4 bytes per clock per multiprocessor (NVIDIA; AMD's LDS moves
// as much per CU) at the boost clock: 1.98 GHz (H100 SXM), 1.41 GHz
// (A100), 2.1 GHz (MI300X), 1.7 GHz (MI250X). Shared memory per block is the
// opt-in size (227 KB on the H100, 163 KB on the A100): past the 48 KB of
// static `.shared` arrays, kgen-use-dynamic-shared-memory moves a launch's
// buffers into dynamic shared memory.
//
//===----------------------------------------------------------------------===//

#include "kgen/Schedule/Target.h"

using namespace mlir::kgen;

nlohmann::json TargetDescription::toJson() const {
  std::vector<std::string> matrixInstructionNames;
  for (MatrixInstruction instruction : matrixInstructions)
    matrixInstructionNames.push_back(
        stringifyMatrixInstruction(instruction).str());
  return {{"chip", name},
          {"device", device},
          {"vendor", vendor == GpuVendor::Nvidia ? "nvidia" : "amd"},
          {"multiprocessors", multiprocessors},
          {"warp_size", warpSize},
          {"max_threads_per_block", maxThreadsPerBlock},
          {"max_grid_size", maxGridSize},
          {"shared_memory_per_block_bytes", sharedMemoryPerBlock},
          {"registers_per_thread", registersPerThread},
          {"memory_bandwidth_bytes_per_s", memoryBandwidth},
          {"peak_flops_f32", peakFlopsF32},
          {"peak_flops_f16_matrix", peakFlopsF16},
          {"multiprocessor",
           {{"threads", multiprocessor.threads},
            {"registers", multiprocessor.registers},
            {"shared_memory_bytes", multiprocessor.sharedMemory},
            {"blocks", multiprocessor.blocks},
            {"shared_bandwidth_bytes_per_s", multiprocessor.sharedBandwidth}}},
          {"matrix_instructions", matrixInstructionNames}};
}

static std::vector<TargetDescription> builtinTargets() {
  return {
      {"sm_90a",
       "NVIDIA H100 SXM",
       GpuVendor::Nvidia,
       132,
       32,
       1024,
       227 * 1024, // with dynamic shared memory past 48 KB
       255,
       3.35e12,
       67e12,
       989e12,
       {2048, 65536, 228 * 1024, 32, 128 * 132 * 1.98e9},
       {MatrixInstruction::MmaSync, MatrixInstruction::Wgmma}},
      {"sm_80",
       "NVIDIA A100 SXM",
       GpuVendor::Nvidia,
       108,
       32,
       1024,
       163 * 1024, // with dynamic shared memory past 48 KB
       255,
       2.04e12,
       19.5e12,
       312e12,
       {2048, 65536, 164 * 1024, 32, 128 * 108 * 1.41e9},
       {MatrixInstruction::MmaSync}},
      {"gfx942",
       "AMD MI300X",
       GpuVendor::Amd,
       304,
       64,
       1024,
       64 * 1024,
       512,
       5.3e12,
       163e12,
       1307e12,
       // 4 SIMDs of 512 VGPRs per lane of a wave64, 8 waves each.
       {2048, 4 * 512 * 64, 64 * 1024, 32, 128 * 304 * 2.1e9},
       {MatrixInstruction::Mfma}},
      {"gfx90a",
       "AMD MI250X (one GCD)",
       GpuVendor::Amd,
       110,
       64,
       1024,
       64 * 1024,
       512,
       1.6e12,
       47.9e12,
       191e12,
       {2048, 4 * 512 * 64, 64 * 1024, 32, 128 * 110 * 1.7e9},
       {MatrixInstruction::Mfma}},
  };
}

std::optional<TargetDescription>
mlir::kgen::lookupTarget(llvm::StringRef chip) {
  for (TargetDescription &t : builtinTargets())
    if (t.name == chip)
      return t;
  return std::nullopt;
}

std::vector<std::string> mlir::kgen::knownTargets() {
  std::vector<std::string> names;
  for (TargetDescription &t : builtinTargets())
    names.push_back(t.name);
  return names;
}
