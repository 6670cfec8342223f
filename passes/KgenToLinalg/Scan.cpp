//===- Scan.cpp - cumsum and cumprod to linalg.generic --------------------===//
//
// A running sum or product as one reducing linalg.generic in f32: the
// scanned dimension's output index i and a reduction loop j over the same
// extent, each output combining the elements j <= i (the others
// contribute the identity). That is O(n^2) work per row where a scan is
// O(n), but it is a reduction that every pipeline (the CPU's, the
// schedules', the GPU's) already compiles, verifies and accumulates
// accurately (interleaved partials on long rows); a work-efficient scan
// schedule is not written yet.
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

template <typename ScanOp, bool isProduct>
struct ScanLowering : OpRewritePattern<ScanOp> {
  using OpRewritePattern<ScanOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(ScanOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    RankedTensorType type = op.getType();
    int64_t rank = type.getRank(), dim = op.getDim();
    // Loops: the output's dims, then j, the scanned dim's input index.
    SmallVector<AffineExpr> inputExprs, outputExprs;
    for (int64_t d = 0; d < rank; ++d) {
      outputExprs.push_back(getAffineDimExpr(d, ctx));
      inputExprs.push_back(getAffineDimExpr(d == dim ? rank : d, ctx));
    }
    SmallVector<AffineMap> maps = {
        AffineMap::get(rank + 1, 0, inputExprs, ctx),
        AffineMap::get(rank + 1, 0, outputExprs, ctx)};
    SmallVector<utils::IteratorType> iterators(rank,
                                               utils::IteratorType::parallel);
    iterators.push_back(utils::IteratorType::reduction);
    double identity = isProduct ? 1.0 : 0.0;
    Value init = filledF32Tensor(rewriter, loc, type.getShape(), identity);
    Value acc =
        linalg::GenericOp::create(
            rewriter, loc, TypeRange{init.getType()}, ValueRange{op.getInput()},
            ValueRange{init}, maps, iterators,
            [&](OpBuilder &b, Location l, ValueRange args) {
              Value taken = arith::CmpIOp::create(
                  b, l, arith::CmpIPredicate::ule,
                  linalg::IndexOp::create(b, l, rank),
                  linalg::IndexOp::create(b, l, dim));
              Value term = arith::SelectOp::create(
                  b, l, taken, widen(b, l, args[0]),
                  f32Const(b, l, identity));
              Value next =
                  isProduct
                      ? arith::MulFOp::create(b, l, args[1], term).getResult()
                      : arith::AddFOp::create(b, l, args[1], term).getResult();
              linalg::YieldOp::create(b, l, next);
            })
            .getResult(0);
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
