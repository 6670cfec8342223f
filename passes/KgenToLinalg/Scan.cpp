//===- Scan.cpp - cumsum and cumprod to linalg.generic --------------------===//
//
// Running sums and products as reductions in f32 (rows of n elements):
//
// * Rows that split into nb blocks of B (B near sqrt(n), n = nb * B, n at
//   least kMinBlockedScan): each block's total (one reduction over B), the
//   exclusive scan of the totals (nb^2 / 2 per row), then each output
//   combines its block's prefix with the elements of its block up to it
//   (B^2 / 2 per block): O(n * (B + nb)) work per row, three generics.
// * Other rows: one generic whose output i combines the elements j <= i of
//   its row, O(n^2) work.
//
// Both are reductions that every pipeline (the CPU's, the schedules', the
// GPU's) already compiles, verifies and accumulates accurately; a
// work-efficient scan schedule (a single pass, lanes sharing their
// partials) is not written yet.
//
//===----------------------------------------------------------------------===//

#include "LoweringUtils.h"
#include "kgen/Conversion/KgenToLinalg.h"
#include "kgen/Dialect/Kgen/KgenOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"

using namespace mlir;
using namespace mlir::kgen;
using namespace mlir::kgen::detail;

namespace {

/// Rows shorter than this keep the O(n^2) form: its one generic costs less
/// than three at these lengths.
constexpr int64_t kMinBlockedScan = 256;

/// The block length B of a blocked scan of `n` elements: the divisor of n
/// minimizing the work per output, n / B + B, or 0 where none splits the row
/// into at least two blocks of at least 8.
int64_t scanBlock(int64_t n) {
  if (n < kMinBlockedScan)
    return 0;
  int64_t best = 0;
  for (int64_t block = 8; block * 2 <= n; ++block)
    if (n % block == 0 && (!best || n / block + block < n / best + best))
      best = block;
  return best;
}

/// What a scan combines: a sum (identity 0) or a product (identity 1).
struct Combiner {
  bool product;
  double identity() const { return product ? 1.0 : 0.0; }
  Value operator()(OpBuilder &b, Location l, Value acc, Value v) const {
    if (product)
      return arith::MulFOp::create(b, l, acc, v);
    return arith::AddFOp::create(b, l, acc, v);
  }
};

/// A generic over `sizes` (the last `reductions` loops reducing) that
/// accumulates into an f32 tensor of the leading loops, initialized with
/// the combiner's identity; `body` gets the widened inputs and the
/// accumulator.
Value accumulate(PatternRewriter &rewriter, Location loc, ValueRange inputs,
                 ArrayRef<AffineMap> maps, ArrayRef<int64_t> sizes,
                 int64_t reductions, Combiner combine, BodyFn body) {
  MLIRContext *ctx = rewriter.getContext();
  int64_t loops = sizes.size(), kept = loops - reductions;
  SmallVector<AffineExpr> leading;
  for (int64_t d = 0; d < kept; ++d)
    leading.push_back(getAffineDimExpr(d, ctx));
  SmallVector<AffineMap> allMaps(maps);
  allMaps.push_back(AffineMap::get(loops, 0, leading, ctx));
  SmallVector<utils::IteratorType> iterators(kept,
                                             utils::IteratorType::parallel);
  iterators.append(reductions, utils::IteratorType::reduction);
  Value init =
      filledF32Tensor(rewriter, loc, sizes.take_front(kept), combine.identity());
  return linalg::GenericOp::create(
             rewriter, loc, TypeRange{init.getType()}, inputs, ValueRange{init},
             allMaps, iterators,
             [&](OpBuilder &b, Location l, ValueRange args) {
               SmallVector<Value> wide;
               for (Value arg : args)
                 wide.push_back(widen(b, l, arg));
               linalg::YieldOp::create(b, l, body(b, l, wide));
             })
      .getResult(0);
}

/// `v` where loop `at` <= loop `of` (or < with `strict`), else the identity.
Value upTo(OpBuilder &b, Location l, Combiner combine, Value v, int64_t at,
           int64_t of, bool strict = false) {
  Value taken = arith::CmpIOp::create(
      b, l, strict ? arith::CmpIPredicate::ult : arith::CmpIPredicate::ule,
      linalg::IndexOp::create(b, l, at), linalg::IndexOp::create(b, l, of));
  return arith::SelectOp::create(b, l, taken, v,
                                 f32Const(b, l, combine.identity()));
}

/// Dim exprs 0..n-1 of `loops` loops with position `from` replaced by `to`.
AffineMap replacedDimMap(MLIRContext *ctx, int64_t loops, int64_t n,
                         int64_t from, int64_t to) {
  SmallVector<AffineExpr> exprs;
  for (int64_t d = 0; d < n; ++d)
    exprs.push_back(getAffineDimExpr(d == from ? to : d, ctx));
  return AffineMap::get(loops, 0, exprs, ctx);
}

/// The O(n^2) form: loops (the output's dims, j), output i along `dim`
/// combining input element j <= i.
Value quadraticScan(PatternRewriter &rewriter, Location loc, Value x,
                    int64_t dim, Combiner combine) {
  auto type = cast<RankedTensorType>(x.getType());
  int64_t rank = type.getRank();
  SmallVector<int64_t> sizes(type.getShape());
  sizes.push_back(type.getDimSize(dim));
  return accumulate(
      rewriter, loc, {x},
      {replacedDimMap(rewriter.getContext(), rank + 1, rank, dim, rank)}, sizes,
      1, combine, [&](OpBuilder &b, Location l, ValueRange args) {
        return combine(b, l, args[1], upTo(b, l, combine, args[0], rank, dim));
      });
}

/// The blocked form of a scan along `dim` in blocks of `block`.
Value blockedScan(PatternRewriter &rewriter, Location loc, Value x,
                  int64_t dim, int64_t block, Combiner combine) {
  MLIRContext *ctx = rewriter.getContext();
  auto type = cast<RankedTensorType>(x.getType());
  int64_t rank = type.getRank();
  // [.., nb, B, ..]: block I's element t sits at d + 1 = t.
  SmallVector<int64_t> blocked(type.getShape());
  blocked[dim] = type.getDimSize(dim) / block;
  blocked.insert(blocked.begin() + dim + 1, block);
  Value xb = reshapeTensor(rewriter, loc, x, type.clone(blocked));
  // Each block's total: loops (.., I, .., t) with t last.
  SmallVector<int64_t> totalLoops(blocked);
  totalLoops.erase(totalLoops.begin() + dim + 1);
  totalLoops.push_back(block);
  SmallVector<AffineExpr> xExprs;
  for (int64_t d = 0; d <= rank; ++d)
    xExprs.push_back(getAffineDimExpr(
        d <= dim ? d : d == dim + 1 ? rank : d - 1, ctx));
  Value totals = accumulate(
      rewriter, loc, {xb}, {AffineMap::get(rank + 1, 0, xExprs, ctx)},
      totalLoops, 1, combine, [&](OpBuilder &b, Location l, ValueRange args) {
        return combine(b, l, args[1], args[0]);
      });
  // The exclusive scan of the totals: block I gets blocks I' < I.
  SmallVector<int64_t> prefixLoops(totalLoops);
  prefixLoops.back() = blocked[dim];
  Value prefix = accumulate(
      rewriter, loc, {totals},
      {replacedDimMap(ctx, rank + 1, rank, dim, rank)}, prefixLoops, 1,
      combine, [&](OpBuilder &b, Location l, ValueRange args) {
        return combine(b, l, args[1],
                       upTo(b, l, combine, args[0], rank, dim, /*strict=*/true));
      });
  // Output (I, t): the prefix of block I (once, at j = 0) and the block's
  // elements j <= t. Loops (.., I, t, .., j).
  SmallVector<int64_t> outLoops(blocked);
  outLoops.push_back(block);
  SmallVector<AffineExpr> prefixExprs;
  for (int64_t d = 0; d <= rank; ++d)
    if (d != dim + 1)
      prefixExprs.push_back(getAffineDimExpr(d, ctx));
  Value out = accumulate(
      rewriter, loc, {xb, prefix},
      {replacedDimMap(ctx, rank + 2, rank + 1, dim + 1, rank + 1),
       AffineMap::get(rank + 2, 0, prefixExprs, ctx)},
      outLoops, 1, combine, [&](OpBuilder &b, Location l, ValueRange args) {
        Value first = arith::CmpIOp::create(
            b, l, arith::CmpIPredicate::eq,
            linalg::IndexOp::create(b, l, rank + 1),
            arith::ConstantIndexOp::create(b, l, 0));
        Value withPrefix = combine(
            b, l, args[2],
            arith::SelectOp::create(b, l, first, args[1],
                                    f32Const(b, l, combine.identity())));
        return combine(b, l, withPrefix,
                       upTo(b, l, combine, args[0], rank + 1, dim + 1));
      });
  return reshapeTensor(rewriter, loc, out,
                       type.clone(rewriter.getF32Type()));
}

template <typename ScanOp, bool isProduct>
struct ScanLowering : OpRewritePattern<ScanOp> {
  using OpRewritePattern<ScanOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(ScanOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType type = op.getType();
    int64_t dim = op.getDim();
    Combiner combine{isProduct};
    int64_t block = scanBlock(type.getDimSize(dim));
    Value acc = block ? blockedScan(rewriter, loc, op.getInput(), dim, block,
                                    combine)
                      : quadraticScan(rewriter, loc, op.getInput(), dim,
                                      combine);
    rewriter.replaceOp(op, finishContraction(rewriter, loc, acc, type));
    return success();
  }
};

} // namespace

void mlir::kgen::populateScanToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<ScanLowering<CumsumOp, /*isProduct=*/false>,
               ScanLowering<CumprodOp, /*isProduct=*/true>>(
      patterns.getContext());
}
