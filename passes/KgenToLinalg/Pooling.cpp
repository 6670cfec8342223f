//===- Pooling.cpp - kgen.max_pool and kgen.avg_pool to linalg ------------===//
//
// A pooling op becomes one reduction linalg.generic over (lead..., out...,
// window...) that gathers each window element from the input with
// tensor.extract and a bounds check, so the padding is never materialized
// (a padded copy would be a kernel of its own): positions outside the
// input read the reduction's identity, -inf for max, 0 for the sum. The
// sum is accumulated in f32 and avg_pool divides it, in an elementwise
// epilogue, by the divisor PyTorch uses at each output position. Batch and
// channel dims are collapsed into one first (one leading parallel dim).
//
//===----------------------------------------------------------------------===//

#include "LoweringUtils.h"
#include "kgen/Conversion/KgenToLinalg.h"
#include "kgen/Dialect/Kgen/KgenOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <limits>

using namespace mlir;
using namespace mlir::kgen;
using namespace mlir::kgen::detail;

namespace {

Value indexConst(OpBuilder &b, Location l, int64_t v) {
  return arith::ConstantIndexOp::create(b, l, v);
}

/// The input element at window position (out..., window...) of the loop,
/// widened to f32, or `identity` where the window leaves the input
/// (padding, ceil_mode's overhang).
template <typename PoolOp>
Value gatherWindowElement(OpBuilder &b, Location l, PoolOp op,
                          double identity) {
  auto inputType = cast<RankedTensorType>(op.getInput().getType());
  int64_t rank = inputType.getRank(), pooled = op.getKernel().size();
  int64_t lead = rank - pooled;
  SmallVector<Value> leading;
  for (int64_t d = 0; d < lead; ++d)
    leading.push_back(linalg::IndexOp::create(b, l, d));
  SmallVector<WindowPosition> positions;
  for (int64_t i = 0; i < pooled; ++i) {
    Value out = linalg::IndexOp::create(b, l, lead + i);
    Value tap = linalg::IndexOp::create(b, l, rank + i);
    Value pos = arith::SubIOp::create(
        b, l,
        arith::AddIOp::create(
            b, l,
            arith::MulIOp::create(b, l, out, indexConst(b, l, op.getStride()[i])),
            arith::MulIOp::create(b, l, tap,
                                  indexConst(b, l, op.getDilation()[i]))),
        indexConst(b, l, op.getPadding()[i]));
    positions.push_back(
        {pos, inRange(b, l, pos, inputType.getDimSize(lead + i))});
  }
  Value fill = arith::ConstantOp::create(
      b, l, b.getFloatAttr(inputType.getElementType(), identity));
  return widen(b, l,
               gatherOrFill(b, l, op.getInput(), leading, positions, fill));
}

/// avg_pool's divisor at the output position of the loop: `divisor` when
/// given; else the window's elements inside the input or, with
/// count_include_pad, inside the padded input (PyTorch's pool_size: a
/// ceil_mode window overhanging the padding counts up to its edge).
Value averageDivisor(OpBuilder &b, Location l, AvgPoolOp op) {
  if (std::optional<int64_t> divisor = op.getDivisor())
    return f32Const(b, l, static_cast<double>(*divisor));
  auto inputType = cast<RankedTensorType>(op.getInput().getType());
  int64_t pooled = op.getKernel().size();
  int64_t lead = inputType.getRank() - pooled;
  Value count = indexConst(b, l, 1);
  for (int64_t i = 0; i < pooled; ++i) {
    int64_t size = inputType.getDimSize(lead + i), pad = op.getPadding()[i];
    Value out = linalg::IndexOp::create(b, l, lead + i);
    Value start = arith::SubIOp::create(
        b, l,
        arith::MulIOp::create(b, l, out, indexConst(b, l, op.getStride()[i])),
        indexConst(b, l, pad));
    Value end = arith::MinSIOp::create(
        b, l,
        arith::AddIOp::create(b, l, start,
                              indexConst(b, l, op.getKernel()[i])),
        indexConst(b, l, size + pad));
    if (!op.getCountIncludePad()) {
      start = arith::MaxSIOp::create(b, l, start, indexConst(b, l, 0));
      end = arith::MinSIOp::create(b, l, end, indexConst(b, l, size));
    }
    count = arith::MulIOp::create(b, l, count,
                                  arith::SubIOp::create(b, l, end, start));
  }
  Value wide = arith::IndexCastOp::create(b, l, b.getI64Type(), count);
  return arith::SIToFPOp::create(b, l, b.getF32Type(), wide);
}

template <typename PoolOp>
struct PoolLowering : OpRewritePattern<PoolOp> {
  static constexpr bool isMax = std::is_same_v<PoolOp, MaxPoolOp>;
  // Collapsing the leading dims makes a pool op of the same kind, which
  // this pattern then lowers (once: it has one leading dim).
  explicit PoolLowering(MLIRContext *ctx) : OpRewritePattern<PoolOp>(ctx) {
    this->setHasBoundedRewriteRecursion();
  }

  LogicalResult matchAndRewrite(PoolOp op,
                                PatternRewriter &rewriter) const override {
    if (succeeded(collapseLeadingDims(op, rewriter)))
      return success();
    Location loc = op.getLoc();
    RankedTensorType type = op.getType();
    int64_t rank = type.getRank(), pooled = op.getKernel().size();
    double identity = isMax ? -std::numeric_limits<double>::infinity() : 0.0;
    Value acc = filledF32Tensor(rewriter, loc, type.getShape(), identity);
    // A shaped operand for the window loops' extents: the kernel's shape
    // (its contents are never read).
    Value window = emptyTensor(rewriter, loc, op.getKernel(), rewriter.getF32Type());
    MLIRContext *ctx = rewriter.getContext();
    SmallVector<AffineExpr> windowExprs, outExprs;
    for (int64_t d = 0; d < rank; ++d)
      outExprs.push_back(getAffineDimExpr(d, ctx));
    for (int64_t i = 0; i < pooled; ++i)
      windowExprs.push_back(getAffineDimExpr(rank + i, ctx));
    SmallVector<AffineMap> maps = {
        AffineMap::get(rank + pooled, 0, windowExprs, ctx),
        AffineMap::get(rank + pooled, 0, outExprs, ctx)};
    SmallVector<utils::IteratorType> iterators(rank,
                                               utils::IteratorType::parallel);
    iterators.append(pooled, utils::IteratorType::reduction);
    Value reduced =
        linalg::GenericOp::create(
            rewriter, loc, TypeRange{acc.getType()}, ValueRange{window},
            ValueRange{acc}, maps, iterators,
            [&](OpBuilder &b, Location l, ValueRange args) {
              Value v = gatherWindowElement(b, l, op, identity);
              Value next = isMax ? arith::MaximumFOp::create(b, l, args[1], v)
                                       .getResult()
                                 : arith::AddFOp::create(b, l, args[1], v)
                                       .getResult();
              linalg::YieldOp::create(b, l, next);
            })
            .getResult(0);
    AffineMap identityMap = rewriter.getMultiDimIdentityMap(rank);
    Value result = buildParallelGeneric(
        rewriter, loc, type, {reduced}, {identityMap},
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value v = args[0];
          if constexpr (!isMax)
            v = arith::DivFOp::create(b, l, v, averageDivisor(b, l, op));
          return narrow(b, l, v, type.getElementType());
        });
    rewriter.replaceOp(op, result);
    return success();
  }

  /// Pools over one leading dim: batch and channels (contiguous, never
  /// windowed) collapsed into one, so a 2-D pool is a 3-D parallel space
  /// and a 3-D pool a 4-D one, which a GPU grid of three dims tiles with
  /// at most one loop left to each thread (over N and C uncollapsed, a 3-D
  /// pool left a thread N x C outputs at once).
  static LogicalResult collapseLeadingDims(PoolOp op,
                                           PatternRewriter &rewriter) {
    RankedTensorType inType = op.getInput().getType(), outType = op.getType();
    int64_t lead = inType.getRank() - static_cast<int64_t>(op.getKernel().size());
    if (lead <= 1)
      return failure();
    auto collapsed = [&](RankedTensorType t) {
      ArrayRef<int64_t> shape = t.getShape();
      SmallVector<int64_t> dims = {
          ShapedType::getNumElements(shape.take_front(lead))};
      llvm::append_range(dims, shape.drop_front(lead));
      return t.clone(dims);
    };
    Location loc = op.getLoc();
    Value input =
        reshapeTensor(rewriter, loc, op.getInput(), collapsed(inType));
    auto pooled = PoolOp::create(rewriter, loc, TypeRange{collapsed(outType)},
                                 ValueRange{input}, op->getAttrs());
    rewriter.replaceOp(op, reshapeTensor(rewriter, loc, pooled, outType));
    return success();
  }
};

} // namespace

void mlir::kgen::populatePoolingToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<PoolLowering<MaxPoolOp>, PoolLowering<AvgPoolOp>>(
      patterns.getContext());
}
