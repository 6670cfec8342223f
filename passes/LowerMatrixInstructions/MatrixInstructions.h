//===- MatrixInstructions.h - kgen-lower-matrix-instructions parts -*- C++
//-*-===//
//
// The rewrites of kgen-lower-matrix-instructions, one per instruction
// family; each reports its own errors at the op.
//
//===----------------------------------------------------------------------===//

#ifndef KGEN_PASSES_LOWERMATRIXINSTRUCTIONS_MATRIXINSTRUCTIONS_H
#define KGEN_PASSES_LOWERMATRIXINSTRUCTIONS_MATRIXINSTRUCTIONS_H

#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"

namespace mlir::kgen {

/// The M, N and K loops of a marked op and the static loop ranges.
struct MarkedLoops {
  unsigned m, n, k;
  SmallVector<int64_t> sizes;
};

/// What every matrix-instruction rewrite needs of a marked op: it runs in
/// a forall mapped to whole warps (or warpgroups), on buffers, and is a
/// contraction with one M, N and K loop whose batch loops cover one index.
/// Otherwise emits "cannot lower this op to <instruction>: ..." at the op.
FailureOr<MarkedLoops> checkMarkedContraction(linalg::LinalgOp op,
                                              llvm::StringRef instruction,
                                              bool warpgroup);

/// Rewrites a warpgroup's tile marked kgen.wgmma into wgmma.mma_async
/// instructions and lays its staged operand tiles out as wgmma reads them
/// (Wgmma.cpp). On failure the op has an error and nothing has changed.
LogicalResult lowerToWgmma(linalg::LinalgOp op);

} // namespace mlir::kgen

#endif // KGEN_PASSES_LOWERMATRIXINSTRUCTIONS_MATRIXINSTRUCTIONS_H
