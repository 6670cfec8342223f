//===- MaterializeReductionIndices.cpp - reduction indices as inputs ------===//
//
// A reduction whose body reads the index of its reduction loop (the key
// position of a causal mask, `linalg.index 2` over [batch, L, S]) cannot be
// split: upstream `linalg::splitReduction`, which lanes, split-K and the
// few-output split build on, renumbers the loops but leaves the index ops
// naming the old reduction loop. Such a reduction kept one thread per
// output. Here each such index becomes an input: a constant [0, 1, ...,
// n - 1] read through the reduction loop, which every split reshapes like
// any other operand. Indices of parallel loops stay: a split keeps the
// loops before the reduction in place.
//
//===----------------------------------------------------------------------===//

#include "kgen/Conversion/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/SmallBitVector.h"

namespace mlir::kgen {
#define GEN_PASS_DEF_MATERIALIZEREDUCTIONINDICESPASS
#include "kgen/Conversion/Passes.h.inc"
} // namespace mlir::kgen

using namespace mlir;

namespace {

/// The reduction loops whose index `op`'s body reads, in loop order.
SmallVector<int64_t> indexedReductionLoops(linalg::GenericOp op) {
  llvm::SmallBitVector read(op.getNumLoops());
  op.getBody()->walk([&](linalg::IndexOp index) { read.set(index.getDim()); });
  SmallVector<int64_t> loops;
  for (auto [loop, iterator] : llvm::enumerate(op.getIteratorTypesArray()))
    if (read.test(loop) && iterator == utils::IteratorType::reduction)
      loops.push_back(static_cast<int64_t>(loop));
  return loops;
}

/// The constant [0, 1, ..., size - 1] as i32 (kgen's loops are far shorter
/// than 2^31; i32 halves what the kernel reads).
Value iota(OpBuilder &b, Location loc, int64_t size) {
  auto type = RankedTensorType::get({size}, b.getI32Type());
  SmallVector<int32_t> values(size);
  for (int64_t i = 0; i < size; ++i)
    values[i] = static_cast<int32_t>(i);
  return arith::ConstantOp::create(
      b, loc, type, DenseElementsAttr::get(type, ArrayRef<int32_t>(values)));
}

/// `op` with an iota input per loop of `loops`, the body's index ops of
/// those loops replaced by the input's element.
void materialize(RewriterBase &rewriter, linalg::GenericOp op,
                 ArrayRef<int64_t> loops) {
  Location loc = op.getLoc();
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  SmallVector<Value> inputs(op.getDpsInputs());
  SmallVector<AffineMap> maps;
  for (OpOperand *input : op.getDpsInputOperands())
    maps.push_back(op.getMatchingIndexingMap(input));
  rewriter.setInsertionPoint(op);
  for (int64_t loop : loops) {
    inputs.push_back(iota(rewriter, loc, ranges[loop]));
    maps.push_back(AffineMap::get(op.getNumLoops(), 0,
                                  rewriter.getAffineDimExpr(loop)));
  }
  for (OpOperand &init : op.getDpsInitsMutable())
    maps.push_back(op.getMatchingIndexingMap(&init));

  auto generic = linalg::GenericOp::create(
      rewriter, loc, op.getResultTypes(), inputs, op.getDpsInits(), maps,
      op.getIteratorTypesArray());
  generic->setDiscardableAttrs(op->getDiscardableAttrDictionary());
  rewriter.inlineRegionBefore(op.getRegion(), generic.getRegion(),
                              generic.getRegion().begin());
  Block &body = generic.getRegion().front();
  // The new inputs' arguments go after the old inputs'.
  unsigned first = op.getNumDpsInputs();
  SmallVector<BlockArgument> positions;
  for (auto [i, loop] : llvm::enumerate(loops))
    positions.push_back(body.insertArgument(first + i, rewriter.getI32Type(),
                                            loc));
  SmallVector<linalg::IndexOp> indices;
  body.walk([&](linalg::IndexOp index) { indices.push_back(index); });
  for (linalg::IndexOp index : indices) {
    const auto *at = llvm::find(loops, static_cast<int64_t>(index.getDim()));
    if (at == loops.end())
      continue;
    rewriter.setInsertionPoint(index);
    Value position = positions[at - loops.begin()];
    rewriter.replaceOp(index, arith::IndexCastOp::create(
                                  rewriter, index.getLoc(),
                                  rewriter.getIndexType(), position));
  }
  rewriter.replaceOp(op, generic->getResults());
}

struct MaterializeReductionIndicesPass
    : kgen::impl::MaterializeReductionIndicesPassBase<
          MaterializeReductionIndicesPass> {
  void runOnOperation() override {
    SmallVector<std::pair<linalg::GenericOp, SmallVector<int64_t>>> work;
    getOperation().walk([&](linalg::GenericOp op) {
      if (!op.hasPureTensorSemantics() || op.hasDynamicShape())
        return;
      SmallVector<int64_t> loops = indexedReductionLoops(op);
      if (!loops.empty())
        work.emplace_back(op, std::move(loops));
    });
    IRRewriter rewriter(&getContext());
    for (auto &[op, loops] : work)
      materialize(rewriter, op, loops);
  }
};

} // namespace
