//===- Reduction.cpp - sum, mean, max, min to linalg.generic --------------===//
//
// One reducing linalg.generic with an f32 accumulator, then one elementwise
// generic that narrows (and for mean, scales) the result, then an
// expand_shape when keepdim asks for the reduced dimensions back.
//
//===----------------------------------------------------------------------===//

#include "LoweringUtils.h"
#include "kgen/Conversion/KgenToLinalg.h"
#include "kgen/Dialect/Kgen/KgenOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

#include <limits>

using namespace mlir;
using namespace mlir::kgen;
using namespace mlir::kgen::detail;

namespace {

enum class Combiner { Sum, Max, Min };

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
    Value acc = buildReduction(
        rewriter, loc, {op.getInput()}, dims, init,
        [](OpBuilder &b, Location l, ValueRange args) -> Value {
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
        });

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

} // namespace

void mlir::kgen::populateReductionToLinalgPatterns(
    RewritePatternSet &patterns) {
  patterns.add<ReductionLowering<SumOp, Combiner::Sum>,
               ReductionLowering<MeanOp, Combiner::Sum, /*isMean=*/true>,
               ReductionLowering<MaxOp, Combiner::Max>,
               ReductionLowering<MinOp, Combiner::Min>>(patterns.getContext());
}
