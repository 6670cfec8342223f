//===- MatrixInstruction.h - matrix-core instructions -----------*- C++ -*-===//
//
// The matrix-core instructions a schedule can ask for and a target offers.
// Inside the compiler they are an enum; the JSON spelling ("none",
// "mma_sync", "wgmma", "mfma") appears only at the JSON boundary (schedule
// documents, the schema, target descriptions in prompts).
//
//===----------------------------------------------------------------------===//

#ifndef KGEN_SCHEDULE_MATRIXINSTRUCTION_H
#define KGEN_SCHEDULE_MATRIXINSTRUCTION_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <optional>

namespace mlir::kgen {

enum class MatrixInstruction {
  None,
  /// NVIDIA mma.sync (sm_80 and later): a warp computes m16n8k16.
  MmaSync,
  /// NVIDIA wgmma.mma_async (sm_90a): a warpgroup computes m64nNk16.
  Wgmma,
  /// AMD MFMA: accepted in schedules, not generated yet (rung 2 rejects it).
  Mfma,
};

/// Every value, in the order the schema lists them.
llvm::ArrayRef<MatrixInstruction> allMatrixInstructions();

/// The JSON spelling of `instruction`.
llvm::StringRef stringifyMatrixInstruction(MatrixInstruction instruction);

/// The instruction spelled `name` in JSON, or std::nullopt.
std::optional<MatrixInstruction>
symbolizeMatrixInstruction(llvm::StringRef name);

/// How a schedule tiles the root for a matrix instruction: its thread tile
/// is the tile of `threads` consecutive threads computing together, made of
/// whole instructions (M and N multiples of `mUnit` and `nUnit`), and the
/// reduction step is a multiple of `stepUnit`. Rung 2 checks these rules
/// and the schema states them.
struct MatrixTiling {
  int64_t threads, mUnit, nUnit, stepUnit;
};
/// mma_sync: a warp (32 lanes) of m16n8k16 instructions.
inline constexpr MatrixTiling kMmaSyncTiling = {32, 16, 8, 16};
/// wgmma: a warpgroup (4 consecutive warps) of m64nNk16 instructions, N a
/// multiple of 64 as kgen generates them, and 64-steps of K: the width of
/// the K-contiguous A tile's 128-byte swizzled rows.
inline constexpr MatrixTiling kWgmmaTiling = {128, 64, 64, 64};

/// The tiling rules of an instruction kgen generates; std::nullopt for
/// None and for instructions it does not generate.
std::optional<MatrixTiling> matrixTiling(MatrixInstruction instruction);

} // namespace mlir::kgen

#endif // KGEN_SCHEDULE_MATRIXINSTRUCTION_H
