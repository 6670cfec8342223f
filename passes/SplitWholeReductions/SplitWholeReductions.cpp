//===- SplitWholeReductions.cpp - whole-tensor reductions in two stages ---===//
//
// A reduction of a whole tensor to a scalar (a loss, a global sum) is one
// output: whatever schedule it gets, one block at most works on it. Split
// into rows, it becomes a row reduction over P rows, which lanes schedule
// block by block, followed by a reduction of the P partials (one row of
// P), two kernels of a shape kgen schedules well. One too short to split
// (or whose count has no divisor leaving rows long enough) becomes a
// single row, which a block's lanes share. The split needs the
// combiner (the op folding each element into the output) and an initial
// value it leaves unchanged, so that every row may start from it.
//
//===----------------------------------------------------------------------===//

#include "kgen/Conversion/Passes.h"

#include "mlir/Analysis/SliceAnalysis.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Linalg/Utils/Utils.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::kgen {
#define GEN_PASS_DEF_SPLITWHOLEREDUCTIONSPASS
#include "kgen/Conversion/Passes.h.inc"
} // namespace mlir::kgen

using namespace mlir;

namespace {

/// Below this many elements a whole reduction stays one kernel, a row of
/// one: two rows of the shortest length. Past it the elements are split
/// over blocks: before rows of one, one thread walked them all, slower than
/// a second kernel's launch (a loss over 16384 samples whose body
/// gathers: benchmarks/results/2026-12-07-h100-suite-577d3df).
constexpr int64_t kMinElements = 2 * 4096;
/// Rows get at least this many elements, and there are at most kMaxRows.
constexpr int64_t kMinRowLength = 4096;
constexpr int64_t kMaxRows = 1024;
/// 32 lanes times 4-element vectors.
constexpr int64_t kRowAlignment = 128;
/// Fewer partials than this are folded by one thread as they are: padded
/// for lanes, they would cost a padding kernel (a launch) to save a few
/// dozen sequential steps.
constexpr int64_t kMinPaddedPartials = 32;
/// Fewer outputs than this leave most of a GPU's SMs (132 on an H100 or
/// H200) without a block, when each output gets one.
constexpr int64_t kFewOutputs = 128;

/// Whether `value` leaves `combiner` unchanged: 0 for a sum, -inf for a
/// max, +inf for a min.
bool isIdentityOf(Operation *combiner, Attribute value) {
  auto f = dyn_cast_or_null<FloatAttr>(value);
  if (!f)
    return false;
  const APFloat &v = f.getValue();
  if (isa<arith::AddFOp>(combiner))
    return v.isZero();
  if (isa<arith::MaximumFOp, arith::MaxNumFOp>(combiner))
    return v.isInfinity() && v.isNegative();
  if (isa<arith::MinimumFOp, arith::MinNumFOp>(combiner))
    return v.isInfinity() && !v.isNegative();
  return false;
}

/// The power of two in `n`.
int64_t twosIn(int64_t n) { return n & -n; }

/// The rows to split `elements` into: a divisor, up to `maxRows`, leaving
/// rows of kMinRowLength elements or more. Rows whose length has a factor
/// of kRowAlignment split evenly into a warp of lanes reading 16-byte
/// vectors, so the most rows with it, else the rows with the largest power
/// of two in their length (the most of those).
int64_t rowsFor(int64_t elements, int64_t maxRows = kMaxRows) {
  int64_t best = 1;
  auto better = [&](int64_t rows) {
    int64_t twos = std::min(twosIn(elements / rows), kRowAlignment);
    int64_t bestTwos = std::min(twosIn(elements / best), kRowAlignment);
    return best == 1 || twos > bestTwos || (twos == bestTwos && rows > best);
  };
  for (int64_t rows = 2; rows <= std::min(maxRows, elements / kMinRowLength);
       ++rows)
    if (elements % rows == 0 && better(rows))
      best = rows;
  return best;
}

Value reshape(OpBuilder &b, Location loc, Value v, ArrayRef<int64_t> shape) {
  auto type = cast<RankedTensorType>(v.getType());
  auto target = RankedTensorType::get(shape, type.getElementType());
  SmallVector<ReassociationIndices> all(1);
  for (int64_t d = 0; d < type.getRank(); ++d)
    all[0].push_back(d);
  if (type.getRank() > 1)
    v = tensor::CollapseShapeOp::create(b, loc, v, all);
  SmallVector<ReassociationIndices> split(1);
  for (size_t d = 0; d < shape.size(); ++d)
    split[0].push_back(d);
  return tensor::ExpandShapeOp::create(b, loc, target, v, split);
}

/// `partials` ([rows]) padded at the end to `size` with `identity`: a row
/// of partials whose length has a factor of kRowAlignment gets lanes too,
/// instead of one thread folding them in sequence (slow, and its error
/// grows with the row).
Value padWith(OpBuilder &b, Location loc, Value partials, Value identity,
              int64_t size) {
  auto type = cast<RankedTensorType>(partials.getType());
  auto padded = RankedTensorType::get({size}, type.getElementType());
  OpFoldResult low = b.getIndexAttr(0),
               high = b.getIndexAttr(size - type.getDimSize(0));
  return tensor::PadOp::create(b, loc, padded, partials, low, high, identity);
}

/// A generic reducing `inputs` ([rows, length] each) along its second loop
/// into `init` ([rows]), with `body` (the original's).
linalg::GenericOp rowReduction(OpBuilder &b, Location loc, ValueRange inputs,
                               Value init, Region &body) {
  MLIRContext *ctx = b.getContext();
  AffineMap rows = AffineMap::get(2, 0, {b.getAffineDimExpr(0)}, ctx);
  SmallVector<AffineMap> maps(inputs.size(), b.getMultiDimIdentityMap(2));
  maps.push_back(rows);
  auto generic = linalg::GenericOp::create(
      b, loc, init.getType(), inputs, init, maps,
      {utils::IteratorType::parallel, utils::IteratorType::reduction});
  IRMapping mapping;
  body.cloneInto(&generic.getRegion(), mapping);
  return generic;
}

struct SplitWholeReduction : OpRewritePattern<linalg::GenericOp> {
  using OpRewritePattern::OpRewritePattern;

  /// A whole reduction too short to split (or whose length has no divisor
  /// leaving rows long enough) becomes a row of one: a reduction to a
  /// scalar has no output dimension for the lanes of a block to share, so
  /// it ran on one thread (a loss over 4096 samples: 0.2 ms on an H100).
  static LogicalResult reduceAsOneRow(linalg::GenericOp op,
                                      PatternRewriter &rewriter,
                                      int64_t elements, Value init) {
    Location loc = op.getLoc();
    SmallVector<Value> inputs;
    for (Value input : op.getDpsInputs())
      inputs.push_back(reshape(rewriter, loc, input, {1, elements}));
    Value row =
        rowReduction(rewriter, loc, inputs, init, op.getRegion()).getResult(0);
    rewriter.replaceOpWithNewOp<tensor::CollapseShapeOp>(
        op, row, ArrayRef<ReassociationIndices>{});
    return success();
  }

  LogicalResult matchAndRewrite(linalg::GenericOp op,
                                PatternRewriter &rewriter) const override {
    // A body reading loop indices would see the split's loops instead.
    if (op.getNumDpsInits() != 1 || op.getNumParallelLoops() != 0 ||
        op.getNumLoops() == 0 || !op.hasPureTensorSemantics() ||
        op.hasIndexSemantics())
      return failure();
    auto result = cast<RankedTensorType>(op.getResult(0).getType());
    if (result.getRank() != 0 ||
        llvm::any_of(ArrayRef(op.getIndexingMapsArray()).drop_back(),
                     [](AffineMap m) { return !m.isIdentity(); }))
      return failure();
    SmallVector<Operation *> combiners;
    if (!matchReduction(op.getRegionOutputArgs(), 0, combiners) ||
        combiners.size() != 1 || combiners[0]->getNumOperands() != 2)
      return failure();
    auto fill = op.getDpsInits()[0].getDefiningOp<linalg::FillOp>();
    Attribute initValue;
    if (!fill || !matchPattern(fill.getInputs()[0], m_Constant(&initValue)) ||
        !isIdentityOf(combiners[0], initValue))
      return failure();
    int64_t elements = 1;
    for (int64_t size : op.getStaticLoopRanges())
      elements *= size;
    if (ShapedType::isDynamic(elements) || elements < kRowAlignment)
      return failure();
    int64_t rows = elements < kMinElements ? 1 : rowsFor(elements);

    Location loc = op.getLoc();
    Value identity = fill.getInputs()[0];
    Type accumulator = result.getElementType();
    auto filled = [&](ArrayRef<int64_t> shape) {
      Value empty = tensor::EmptyOp::create(rewriter, loc, shape, accumulator);
      return linalg::FillOp::create(rewriter, loc, identity, empty)
          .getResult(0);
    };
    if (rows == 1)
      return reduceAsOneRow(op, rewriter, elements, filled({1}));
    SmallVector<Value> inputs;
    for (Value input : op.getDpsInputs())
      inputs.push_back(reshape(rewriter, loc, input, {rows, elements / rows}));
    Value partials =
        rowReduction(rewriter, loc, inputs, filled({rows}), op.getRegion())
            .getResult(0);
    int64_t padded = rows < kMinPaddedPartials
                         ? rows
                         : llvm::alignTo(rows, kRowAlignment);
    if (padded != rows)
      partials = padWith(rewriter, loc, partials, identity, padded);
    // The partials, one row of them, folded with the combiner alone.
    auto total = linalg::GenericOp::create(
        rewriter, loc, TypeRange{RankedTensorType::get({1}, accumulator)},
        reshape(rewriter, loc, partials, {1, padded}), filled({1}),
        ArrayRef<AffineMap>{
            rewriter.getMultiDimIdentityMap(2),
            AffineMap::get(2, 0, {rewriter.getAffineDimExpr(0)}, getContext())},
        ArrayRef<utils::IteratorType>{utils::IteratorType::parallel,
                                      utils::IteratorType::reduction},
        [&](OpBuilder &b, Location l, ValueRange args) {
          Operation *folded = b.clone(*combiners[0]);
          folded->setOperands({args[1], args[0]});
          linalg::YieldOp::create(b, l, folded->getResult(0));
        });
    rewriter.replaceOpWithNewOp<tensor::CollapseShapeOp>(
        op, total.getResult(0), ArrayRef<ReassociationIndices>{});
    return success();
  }
};

/// A reduction with few outputs (fewer than kFewOutputs) over one long
/// loop (a column sum of a tall matrix, a norm of a few long rows): each
/// output's loop is split into P chunks of at least kMinRowLength, reduced
/// in parallel into N x P partials (at most kMaxRows, more than
/// kFewOutputs), then the P partials of each output are folded (upstream
/// linalg::splitReduction, which keeps the original initial value for the
/// second stage). The chunks' index goes where the reduction loop was:
/// after the outputs when it was innermost (rows of partials), first
/// otherwise (columns of partials).
struct SplitFewOutputReduction : OpRewritePattern<linalg::GenericOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(linalg::GenericOp op,
                                PatternRewriter &rewriter) const override {
    if (op.getNumDpsInits() != 1 || op.getNumReductionLoops() != 1 ||
        op.getNumParallelLoops() == 0 || !op.hasPureTensorSemantics() ||
        op.hasIndexSemantics())
      return failure();
    SmallVector<int64_t> ranges = op.getStaticLoopRanges();
    if (llvm::any_of(ranges, ShapedType::isDynamic))
      return failure();
    int64_t outputs = 1, length = 1;
    for (auto [size, type] : llvm::zip(ranges, op.getIteratorTypesArray()))
      (linalg::isReductionIterator(type) ? length : outputs) *= size;
    if (outputs >= kFewOutputs || length < 2 * kMinRowLength)
      return failure();
    int64_t chunks = rowsFor(length, kMaxRows / outputs);
    if (outputs * chunks <= kFewOutputs)
      return failure();
    bool innermost =
        linalg::isReductionIterator(op.getIteratorTypesArray().back());
    auto control = [&](linalg::LinalgOp) {
      return linalg::SplitReductionOptions{
          chunks, innermost ? op.getNumParallelLoops() : 0u,
          /*innerParallel=*/false};
    };
    return linalg::splitReduction(rewriter, op, control);
  }
};

/// A scalar op on a reduction's result, reshaped from a row of one: the
/// op on the row of one instead, then the reshape. Kernel formation takes
/// such ops into the reduction's kernel as its epilogue (a mean's
/// division), which it does not through a reshape.
struct ScalarOpOnRowOfOne : OpRewritePattern<linalg::GenericOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(linalg::GenericOp op,
                                PatternRewriter &rewriter) const override {
    // The op on the row writes a new tensor: its body must not read the
    // output's initial value.
    if (op.getNumLoops() != 0 || op.getNumDpsInits() != 1 ||
        !op.hasPureTensorSemantics() ||
        !op.getRegionOutputArgs()[0].use_empty())
      return failure();
    auto fromRow = [](Value v) {
      auto collapse = v.getDefiningOp<tensor::CollapseShapeOp>();
      return collapse && collapse.getSrcType().getShape() ==
                             ArrayRef<int64_t>{1}
                 ? collapse.getSrc()
                 : Value();
    };
    if (llvm::none_of(op.getDpsInputs(), fromRow))
      return failure();
    Location loc = op.getLoc();
    MLIRContext *ctx = getContext();
    AffineMap row = AffineMap::getMultiDimIdentityMap(1, ctx);
    AffineMap scalar = AffineMap::get(1, 0, ctx);
    SmallVector<Value> inputs;
    SmallVector<AffineMap> maps;
    for (Value input : op.getDpsInputs()) {
      Value source = fromRow(input);
      inputs.push_back(source ? source : input);
      maps.push_back(source ? row : scalar);
    }
    maps.push_back(row);
    auto type = cast<RankedTensorType>(op.getResult(0).getType());
    Value init = tensor::EmptyOp::create(rewriter, loc, ArrayRef<int64_t>{1},
                                         type.getElementType());
    auto onRow = linalg::GenericOp::create(
        rewriter, loc, init.getType(), inputs, init, maps,
        {utils::IteratorType::parallel});
    IRMapping mapping;
    op.getRegion().cloneInto(&onRow.getRegion(), mapping);
    onRow->setDiscardableAttrs(op->getDiscardableAttrDictionary());
    rewriter.replaceOpWithNewOp<tensor::CollapseShapeOp>(
        op, onRow.getResult(0), ArrayRef<ReassociationIndices>{});
    return success();
  }
};

struct SplitWholeReductionsPass final
    : kgen::impl::SplitWholeReductionsPassBase<SplitWholeReductionsPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<SplitWholeReduction, SplitFewOutputReduction,
                 ScalarOpOnRowOfOne>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
