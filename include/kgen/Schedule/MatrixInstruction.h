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

} // namespace mlir::kgen

#endif // KGEN_SCHEDULE_MATRIXINSTRUCTION_H
