//===- FuseElementwise.cpp - fuse elementwise producers into consumers ----===//
//
// kgen-to-linalg lowers each kgen op on its own, so a composite expression
// (logsumexp's `sum(exp(x - max))`, a loss's `mean((a - b)^2)`) arrives as
// a chain of generics, each writing a full-size tensor that the next one
// reads. Kernel formation keeps arithmetic producers out of a reduction's
// kernel, where, in a contraction, they would be recomputed per tile; so
// every link of such a chain used to be a kernel of its own. Fusing the
// chain into its consumer here, before kernels are formed, leaves one
// generic that reads the chain's inputs: no temporary, one kernel.
//
// Fusion is restricted to consumers that read the producer through a
// permutation of all their loops, so each producer element is computed
// once per consumer: never once per broadcast element, nor once per output
// column of a matmul-like generic.
//
//===----------------------------------------------------------------------===//

#include "kgen/Conversion/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::kgen {
#define GEN_PASS_DEF_FUSEELEMENTWISEPASS
#include "kgen/Conversion/Passes.h.inc"
} // namespace mlir::kgen

using namespace mlir;

namespace {

bool isElementwise(linalg::GenericOp op) {
  return op.getNumLoops() == op.getNumParallelLoops();
}

/// Whether `op` reads a tensor that a `tensor.expand_shape` made, the
/// [M, 1] of a `keepdim` statistic: the reshape that dropping its unit
/// dimensions cancels.
bool readsExpandedTensor(linalg::GenericOp op) {
  return llvm::any_of(op.getDpsInputs(), [](Value input) {
    return input.getDefiningOp<tensor::ExpandShapeOp>();
  });
}

/// The loops upstream's unit-dimension folding may drop, only in generics
/// reading an expanded tensor: elsewhere the folding would put reshapes
/// between a generic and the named op it reads or feeds (a batch matmul
/// and its rounding epilogue), and kernels do not form across reshapes.
/// An elementwise generic may lose all its unit loops, as long as one loop
/// is left. Reductions and contractions keep their loops (a row reduction
/// over [1, N] stays a row reduction, which lanes can schedule): offering
/// only their longer loops lets the folding drop nothing but the unit
/// dimensions of operands read at index 0.
SmallVector<unsigned> droppableUnitLoops(Operation *op) {
  auto generic = dyn_cast<linalg::GenericOp>(op);
  if (!generic || !readsExpandedTensor(generic))
    return {};
  SmallVector<int64_t> ranges = generic.getStaticLoopRanges();
  bool keepUnitLoops = !isElementwise(generic) ||
                       llvm::all_of(ranges, [](int64_t r) { return r == 1; });
  SmallVector<unsigned> loops;
  for (auto [i, range] : llvm::enumerate(ranges))
    if (!keepUnitLoops || range != 1)
      loops.push_back(i);
  return loops;
}

/// Whether an elementwise generic reading a reshaped result of a linalg op
/// with reduction loops (a convolution's implicit-GEMM product viewed back
/// as [N, C, H, W], a depthwise convolution's [N, C, 1, H, W] viewed
/// without its unit group) should be computed in the product's view
/// instead: kernels do not form across reshapes, so a convolution's bias
/// and activation were a kernel of their own, one more pass over its
/// output; in the product's view they join its kernel as its epilogue.
/// Only when every reader of the reshaped tensor is elementwise (a
/// softmax's statistics read the scores' expanded view too, and its
/// normalization must stay in their loops), and no reduction reads the
/// consumer's result (attention's scaling of the scores fuses into the
/// softmax's reductions instead).
bool movesOntoProduct(OpOperand *operand) {
  Operation *reshape = operand->get().getDefiningOp();
  if (!isa_and_nonnull<tensor::ExpandShapeOp, tensor::CollapseShapeOp>(reshape))
    return false;
  auto isElementwiseGeneric = [](Operation *op) {
    auto generic = dyn_cast<linalg::GenericOp>(op);
    return generic && isElementwise(generic);
  };
  auto isReduction = [](Operation *op) {
    auto linalgOp = dyn_cast<linalg::LinalgOp>(op);
    return linalgOp && linalgOp.getNumReductionLoops() > 0;
  };
  if (!isElementwiseGeneric(operand->getOwner()) ||
      !llvm::all_of(reshape->getUsers(), isElementwiseGeneric) ||
      llvm::any_of(operand->getOwner()->getUsers(), isReduction))
    return false;
  Operation *producer = reshape->getOperand(0).getDefiningOp();
  return producer && isReduction(producer);
}

/// The generic whose result `v` is, looking through reshapes (the unit
/// dimension of a keepdim reduction comes and goes that way).
linalg::GenericOp producingGeneric(Value v) {
  while (Operation *def = v.getDefiningOp()) {
    if (!isa<tensor::ExpandShapeOp, tensor::CollapseShapeOp>(def))
      break;
    v = def->getOperand(0);
  }
  return v.getDefiningOp<linalg::GenericOp>();
}

/// Whether `op` combines the results of two or more reductions over the
/// same rows, each read whole (through a permutation map), directly or
/// through elementwise generics of the same shape: logsumexp's
/// log(sum) + max, a loss computed from it per row.
bool combinesRowReductions(linalg::GenericOp op) {
  SmallVector<linalg::GenericOp> reductions;
  SmallVector<linalg::GenericOp> todo = {op};
  llvm::SmallPtrSet<Operation *, 8> seen;
  while (!todo.empty() && seen.size() < 16) {
    linalg::GenericOp current = todo.pop_back_val();
    if (!seen.insert(current).second)
      continue;
    for (OpOperand *input : current.getDpsInputOperands()) {
      linalg::GenericOp producer = producingGeneric(input->get());
      if (!producer ||
          !current.getMatchingIndexingMap(input).isPermutation())
        continue;
      if (isElementwise(producer))
        todo.push_back(producer);
      else if (!llvm::is_contained(reductions, producer))
        reductions.push_back(producer);
    }
  }
  return reductions.size() >= 2 &&
         llvm::all_of(reductions, [&](linalg::GenericOp r) {
           return r.getStaticLoopRanges() ==
                      reductions.front().getStaticLoopRanges() &&
                  r.getIteratorTypesArray() ==
                      reductions.front().getIteratorTypesArray();
         });
}

/// Whether the producer of `operand` may be fused into its consumer: the
/// consumer is a generic reading each producer element once per iteration.
/// A producer combining row reductions stays out of a reducing consumer:
/// fused there, each of the reductions would have to leave its kernel for
/// the consumer's, so a row statistic (logsumexp's max) could not share
/// the kernel of the reduction it feeds and would read the rows again;
/// unfused, it is the sink of their one kernel and only its per-row
/// result leaves (cross-entropy's loss per sample).
bool readsOncePerIteration(OpOperand *operand) {
  auto consumer = dyn_cast<linalg::GenericOp>(operand->getOwner());
  if (!consumer || !consumer.getMatchingIndexingMap(operand).isPermutation())
    return false;
  linalg::GenericOp producer = producingGeneric(operand->get());
  return !(producer && consumer.getNumReductionLoops() > 0 &&
           isElementwise(producer) && combinesRowReductions(producer));
}

struct FuseElementwisePass final
    : kgen::impl::FuseElementwisePassBase<FuseElementwisePass> {
  using FuseElementwisePassBase::FuseElementwisePassBase;

  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    RewritePatternSet patterns(ctx);
    linalg::ControlDropUnitDims unitLoops;
    unitLoops.controlFn = droppableUnitLoops;
    linalg::populateFoldUnitExtentDimsPatterns(patterns, unitLoops);
    linalg::populateElementwiseOpsFusionPatterns(patterns,
                                                 readsOncePerIteration);
    linalg::populateEraseUnusedOperandsAndResultsPatterns(patterns);
    linalg::GenericOp::getCanonicalizationPatterns(patterns, ctx);
    tensor::ExpandShapeOp::getCanonicalizationPatterns(patterns, ctx);
    tensor::CollapseShapeOp::getCanonicalizationPatterns(patterns, ctx);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    // Once fusion has settled, so that each reshaped product's readers
    // are final (movesOntoProduct).
    RewritePatternSet collapsing(ctx);
    linalg::populateFoldReshapeOpsByCollapsingPatterns(collapsing,
                                                       movesOntoProduct);
    linalg::populateFoldReshapeOpsByExpansionPatterns(collapsing,
                                                      movesOntoProduct);
    tensor::ExpandShapeOp::getCanonicalizationPatterns(collapsing, ctx);
    tensor::CollapseShapeOp::getCanonicalizationPatterns(collapsing, ctx);
    if (failed(applyPatternsGreedily(getOperation(), std::move(collapsing))))
      return signalPassFailure();
  }
};

} // namespace
