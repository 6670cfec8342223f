//===- MatrixInstructions.h - kgen-lower-matrix-instructions parts -*- C++ -*-===//
//
// The rewrites of kgen-lower-matrix-instructions, one per instruction
// family; each reports its own errors at the op.
//
//===----------------------------------------------------------------------===//

#ifndef KGEN_PASSES_LOWERMATRIXINSTRUCTIONS_MATRIXINSTRUCTIONS_H
#define KGEN_PASSES_LOWERMATRIXINSTRUCTIONS_MATRIXINSTRUCTIONS_H

#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"

namespace mlir::kgen {

/// Rewrites a warpgroup's tile marked kgen.wgmma into wgmma.mma_async
/// instructions and lays its staged operand tiles out as wgmma reads them
/// (Wgmma.cpp). On failure the op has an error and nothing has changed.
LogicalResult lowerToWgmma(linalg::LinalgOp op);

} // namespace mlir::kgen

#endif // KGEN_PASSES_LOWERMATRIXINSTRUCTIONS_MATRIXINSTRUCTIONS_H
