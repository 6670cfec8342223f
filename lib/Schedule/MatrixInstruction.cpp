//===- MatrixInstruction.cpp - matrix-core instructions -------------------===//

#include "kgen/Schedule/MatrixInstruction.h"

#include "llvm/Support/ErrorHandling.h"

using namespace mlir::kgen;

llvm::ArrayRef<MatrixInstruction> mlir::kgen::allMatrixInstructions() {
  static const MatrixInstruction all[] = {
      MatrixInstruction::None, MatrixInstruction::MmaSync,
      MatrixInstruction::Wgmma, MatrixInstruction::Mfma};
  return all;
}

llvm::StringRef
mlir::kgen::stringifyMatrixInstruction(MatrixInstruction instruction) {
  switch (instruction) {
  case MatrixInstruction::None:
    return "none";
  case MatrixInstruction::MmaSync:
    return "mma_sync";
  case MatrixInstruction::Wgmma:
    return "wgmma";
  case MatrixInstruction::Mfma:
    return "mfma";
  }
  llvm_unreachable("unknown MatrixInstruction");
}

std::optional<MatrixInstruction>
mlir::kgen::symbolizeMatrixInstruction(llvm::StringRef name) {
  for (MatrixInstruction instruction : allMatrixInstructions())
    if (stringifyMatrixInstruction(instruction) == name)
      return instruction;
  return std::nullopt;
}

std::optional<MatrixTiling>
mlir::kgen::matrixTiling(MatrixInstruction instruction) {
  switch (instruction) {
  case MatrixInstruction::MmaSync:
    return kMmaSyncTiling;
  case MatrixInstruction::Wgmma:
    return kWgmmaTiling;
  case MatrixInstruction::None:
  case MatrixInstruction::Mfma:
    return std::nullopt;
  }
  llvm_unreachable("unknown MatrixInstruction");
}
