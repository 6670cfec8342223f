//===- EmptyTensors.cpp - computations over zero-sized dimensions ---------===//
//
// PyTorch computes on empty tensors: an elementwise op of a 0x5 tensor is a
// 0x5 tensor, a sum over a zero-length dimension is 0, a matmul with an
// inner dimension of 0 is all zeros. In linalg these are ops with a loop of
// trip count 0, which run no iteration: their results are their inits. The
// patterns here fold them away after the lowering, so that no kernel is
// formed, scheduled or launched for work that does not exist (upstream
// tiling does not take zero-sized loops).
//
//===----------------------------------------------------------------------===//

#include "kgen/Conversion/KgenToLinalg.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

using namespace mlir;

namespace {

/// A linalg op on tensors with a loop of static size 0 yields its inits.
struct FoldZeroTripLinalgOp
    : OpInterfaceRewritePattern<linalg::LinalgOp> {
  using OpInterfaceRewritePattern::OpInterfaceRewritePattern;
  LogicalResult matchAndRewrite(linalg::LinalgOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.hasPureTensorSemantics() ||
        !llvm::is_contained(op.getStaticLoopRanges(), 0))
      return failure();
    rewriter.replaceOp(op, op.getDpsInits());
    return success();
  }
};

/// Any other side-effect-free op whose one result has no elements (a pad,
/// a reshape, a slice of an empty tensor) becomes tensor.empty.
struct EmptyResultToEmptyTensor : RewritePattern {
  explicit EmptyResultToEmptyTensor(MLIRContext *ctx)
      : RewritePattern(MatchAnyOpTypeTag(), /*benefit=*/1, ctx) {}
  LogicalResult matchAndRewrite(Operation *op,
                                PatternRewriter &rewriter) const override {
    if (op->getNumResults() != 1 || isa<tensor::EmptyOp>(op) ||
        !isMemoryEffectFree(op))
      return failure();
    auto type = dyn_cast<RankedTensorType>(op->getResult(0).getType());
    if (!type || !type.hasStaticShape() || type.getNumElements() != 0)
      return failure();
    rewriter.replaceOpWithNewOp<tensor::EmptyOp>(op, type.getShape(),
                                                 type.getElementType());
    return success();
  }
};

} // namespace

void mlir::kgen::populateEmptyTensorFoldingPatterns(
    RewritePatternSet &patterns) {
  patterns.add<FoldZeroTripLinalgOp>(patterns.getContext());
  patterns.add<EmptyResultToEmptyTensor>(patterns.getContext());
}
