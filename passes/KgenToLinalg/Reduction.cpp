//===- Reduction.cpp - sum, mean, max, min, argmax to linalg.generic ------===//
//
// One reducing linalg.generic with an f32 accumulator (two where the
// reduced dims are not adjacent: the innermost run of them, then the rest),
// then one elementwise generic that narrows (and for mean, scales) the
// result, then an expand_shape when keepdim asks for the reduced dimensions
// back. argmax and argmin are two reductions along their dim: the
// extremum, then the first position that holds it.
//
//===----------------------------------------------------------------------===//

#include "LoweringUtils.h"
#include "kgen/Conversion/KgenToLinalg.h"
#include "kgen/Dialect/Kgen/KgenOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"

#include <limits>

using namespace mlir;
using namespace mlir::kgen;
using namespace mlir::kgen::detail;

namespace {

enum class Combiner { Sum, Max, Min };

/// Elements below which the innermost run of reduced dims apart is not
/// reduced in a stage of its own: a warp's lanes.
constexpr int64_t kMinStagedRun = 32;

/// `dims` sorted and split into their innermost run of adjacent dims and
/// the rest (empty when the dims are one run). The rest all come before
/// the run, so their positions hold once the run is reduced away.
std::pair<SmallVector<int64_t>, SmallVector<int64_t>>
splitAtInnermostRun(ArrayRef<int64_t> dims) {
  SmallVector<int64_t> sorted(dims);
  llvm::sort(sorted);
  size_t start = sorted.size();
  while (start > 0 &&
         (start == sorted.size() || sorted[start - 1] + 1 == sorted[start]))
    --start;
  return {SmallVector<int64_t>(sorted.begin() + start, sorted.end()),
          SmallVector<int64_t>(sorted.begin(), sorted.begin() + start)};
}

template <typename OpTy, Combiner kind, bool isMean = false>
struct ReductionLowering : OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;
  LogicalResult matchAndRewrite(OpTy op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto inputType = cast<RankedTensorType>(op.getInput().getType());
    ArrayRef<int64_t> dims = op.getDims();
    double inf = std::numeric_limits<double>::infinity();
    double init = kind == Combiner::Sum   ? 0.0
                  : kind == Combiner::Max ? -inf
                                          : inf;
    auto combine = [](OpBuilder &b, Location l, ValueRange args) -> Value {
      // Max and min propagate NaN, as torch.amax / torch.amin do.
      switch (kind) {
      case Combiner::Sum:
        return arith::AddFOp::create(b, l, args[1], args[0]);
      case Combiner::Max:
        return arith::MaximumFOp::create(b, l, args[1], args[0]);
      case Combiner::Min:
        return arith::MinimumFOp::create(b, l, args[1], args[0]);
      }
      llvm_unreachable("unknown combiner");
    };
    // Reduced dims apart (a mean over N, H and W) are reduced in two
    // stages when the innermost run of adjacent ones makes rows a warp's
    // lanes can share: that run first, then the rest of the f32 partials.
    // One generic over both gives each output a single thread walking all
    // of its elements. Short runs (a pooling window's 2 columns) stay in
    // one generic: a second stage would cost a pass over the partials.
    auto [inner, outer] = splitAtInnermostRun(dims);
    int64_t innerSize = 1;
    for (int64_t d : inner)
      innerSize *= inputType.getDimSize(d);
    if (innerSize < kMinStagedRun) {
      inner.assign(dims.begin(), dims.end());
      outer.clear();
    }
    Value acc = op.getInput();
    if (!outer.empty())
      acc = buildReduction(rewriter, loc, {acc}, inner, init, combine);
    acc = buildReduction(rewriter, loc, {acc}, outer.empty() ? inner : outer,
                         init, combine);

    int64_t count = 1;
    for (int64_t d : dims)
      count *= inputType.getDimSize(d);
    auto accType = cast<RankedTensorType>(acc.getType());
    Value result = acc;
    // The f32 accumulator is the result of an f32 sum/max/min; otherwise
    // one elementwise generic narrows (and for mean, scales) it.
    if (isMean || accType.getElementType() != inputType.getElementType())
      result = buildElementwise(
          rewriter, loc, accType.clone(inputType.getElementType()), {acc},
          [&](OpBuilder &b, Location l, ValueRange args) -> Value {
            if (!isMean)
              return args[0];
            return arith::DivFOp::create(b, l, args[0],
                                         f32Const(b, l, double(count)));
          });
    rewriter.replaceOp(op, reshapeTensor(rewriter, loc, result, op.getType()));
    return success();
  }
};

/// The first position along `dim` of `input` whose element equals the
/// row's `extremum` or is NaN (the extremum is NaN exactly when the row
/// holds one), as the minimum of those positions: an i32 reduction, which
/// lanes combine like any other (kgen's dims are far shorter than 2^31).
Value firstPositionOf(OpBuilder &b, Location loc, Value input, Value extremum,
                      int64_t dim) {
  auto inputType = cast<RankedTensorType>(input.getType());
  int64_t rank = inputType.getRank();
  int64_t size = inputType.getDimSize(dim);
  auto extremumType = cast<RankedTensorType>(extremum.getType());
  Value none = arith::ConstantIntOp::create(b, loc, b.getI32Type(), size);
  Value init = linalg::FillOp::create(
                   b, loc, none,
                   emptyTensor(b, loc, extremumType.getShape(), b.getI32Type()))
                   .getResult(0);
  AffineMap reduced = dropDimsMap(b.getContext(), rank, {dim});
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  iterators[dim] = utils::IteratorType::reduction;
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{init.getType()}, ValueRange{input, extremum},
      ValueRange{init},
      {b.getMultiDimIdentityMap(rank), reduced, reduced}, iterators,
      [&](OpBuilder &nb, Location l, ValueRange args) {
        Value x = widen(nb, l, args[0]);
        Value found = arith::OrIOp::create(
            nb, l,
            arith::CmpFOp::create(nb, l, arith::CmpFPredicate::OEQ, x,
                                  args[1]),
            arith::CmpFOp::create(nb, l, arith::CmpFPredicate::UNO, x, x));
        Value position = arith::IndexCastOp::create(
            nb, l, nb.getI32Type(), linalg::IndexOp::create(nb, l, dim));
        Value candidate =
            arith::SelectOp::create(nb, l, found, position, none);
        linalg::YieldOp::create(
            nb, l, arith::MinSIOp::create(nb, l, args[2], candidate).getResult());
      });
  return generic.getResult(0);
}

template <typename OpTy, Combiner kind>
struct ArgExtremumLowering : OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;
  LogicalResult matchAndRewrite(OpTy op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    int64_t dim = op.getDim();
    double inf = std::numeric_limits<double>::infinity();
    Value extremum = buildReduction(
        rewriter, loc, {op.getInput()}, {dim},
        kind == Combiner::Max ? -inf : inf,
        [](OpBuilder &b, Location l, ValueRange args) -> Value {
          if (kind == Combiner::Max)
            return arith::MaximumFOp::create(b, l, args[1], args[0]);
          return arith::MinimumFOp::create(b, l, args[1], args[0]);
        });
    Value position =
        firstPositionOf(rewriter, loc, op.getInput(), extremum, dim);
    auto positionType = cast<RankedTensorType>(position.getType());
    Value wide = buildParallelGeneric(
        rewriter, loc, positionType.clone(rewriter.getI64Type()), {position},
        {rewriter.getMultiDimIdentityMap(positionType.getRank())},
        [](OpBuilder &b, Location l, ValueRange args) -> Value {
          return arith::ExtSIOp::create(b, l, b.getI64Type(), args[0]);
        });
    rewriter.replaceOp(op, reshapeTensor(rewriter, loc, wide, op.getType()));
    return success();
  }
};

} // namespace

void mlir::kgen::populateReductionToLinalgPatterns(
    RewritePatternSet &patterns) {
  patterns.add<ReductionLowering<SumOp, Combiner::Sum>,
               ReductionLowering<MeanOp, Combiner::Sum, /*isMean=*/true>,
               ReductionLowering<MaxOp, Combiner::Max>,
               ReductionLowering<MinOp, Combiner::Min>,
               ArgExtremumLowering<ArgmaxOp, Combiner::Max>,
               ArgExtremumLowering<ArgminOp, Combiner::Min>>(
      patterns.getContext());
}
