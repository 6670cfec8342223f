//===- CollapseReductionLoops.cpp - adjacent reduction loops as one -------===//
//
// kgen schedules a reduction over one loop well: lanes cooperate on each
// output, rows are staged, few outputs are split. A reduction over several
// adjacent loops that every operand reads together is the same reduction
// over their product, so its loops are collapsed into one and its operands
// reshaped to match (a view of a row-major tensor). This runs after
// elementwise fusion: a producer fused into the reduction is collapsed
// with it rather than materialized behind a reshape.
//
//===----------------------------------------------------------------------===//

#include "kgen/Conversion/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::kgen {
#define GEN_PASS_DEF_COLLAPSEREDUCTIONLOOPSPASS
#include "kgen/Conversion/Passes.h.inc"
} // namespace mlir::kgen

using namespace mlir;

namespace {

/// Whether every operand dimension indexed by a loop of `run` is indexed
/// by that loop alone and is exactly as long as the loop. Two fused reads
/// fail it: a slice, whose loops are shorter than its source's dims
/// (`x[:, :, :1, :1]`), and a slice broadcast back over them, read
/// through `d2 mod 6`; collapsing x's dims would change which elements
/// the loops read.
bool operandsSpanRun(linalg::GenericOp op, ArrayRef<int64_t> run) {
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  for (OpOperand &operand : op->getOpOperands()) {
    auto type = dyn_cast<RankedTensorType>(operand.get().getType());
    if (!type)
      continue;
    AffineMap map = op.getMatchingIndexingMap(&operand);
    for (auto [dim, expr] : llvm::enumerate(map.getResults())) {
      bool readsRun = llvm::any_of(
          run, [&](int64_t loop) { return expr.isFunctionOfDim(loop); });
      if (!readsRun)
        continue;
      // Only plain loop indices (not `d2 mod 6`, a broadcast slice's).
      auto loop = dyn_cast<AffineDimExpr>(expr);
      if (!loop || ShapedType::isDynamic(ranges[loop.getPosition()]) ||
          type.getDimSize(dim) != ranges[loop.getPosition()])
        return false;
    }
  }
  return true;
}

/// The runs of two or more adjacent reduction loops of `op` that every
/// indexing map keeps together and in order, over whole operand dims.
SmallVector<ReassociationIndices> collapsibleRuns(linalg::GenericOp op) {
  SmallVector<ReassociationIndices> runs;
  ReassociationIndices run;
  auto closeRun = [&] {
    if (run.size() > 1 &&
        linalg::areDimSequencesPreserved(op.getIndexingMapsArray(), run) &&
        operandsSpanRun(op, run))
      runs.push_back(run);
    run.clear();
  };
  for (auto [loop, type] : llvm::enumerate(op.getIteratorTypesArray())) {
    if (type == utils::IteratorType::reduction)
      run.push_back(static_cast<int64_t>(loop));
    else
      closeRun();
  }
  closeRun();
  return runs;
}

struct CollapseReductionLoopsPass
    : kgen::impl::CollapseReductionLoopsPassBase<CollapseReductionLoopsPass> {
  void runOnOperation() override {
    SmallVector<linalg::GenericOp> reductions;
    getOperation().walk([&](linalg::GenericOp op) {
      if (op.getNumReductionLoops() > 1 && op.hasPureTensorSemantics())
        reductions.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (linalg::GenericOp op : reductions) {
      SmallVector<ReassociationIndices> runs = collapsibleRuns(op);
      if (runs.empty())
        continue;
      rewriter.setInsertionPoint(op);
      FailureOr<linalg::CollapseResult> collapsed =
          linalg::collapseOpIterationDims(op, runs, rewriter);
      if (failed(collapsed)) {
        op.emitError("kgen-collapse-reduction-loops: collapsing the "
                     "reduction loops failed");
        return signalPassFailure();
      }
      rewriter.replaceOp(op, collapsed->results);
    }
  }
};

} // namespace
