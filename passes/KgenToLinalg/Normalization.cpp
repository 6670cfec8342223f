//===- Normalization.cpp - softmax, log_softmax, layer/rms norm to linalg -===//
//
// Each normalization is a few f32 reductions over the normalized dimensions
// followed by one elementwise generic that reads the input and the reduced
// statistics (through maps that drop the normalized dimensions).
//
//===----------------------------------------------------------------------===//

#include "LoweringUtils.h"
#include "kgen/Conversion/KgenToLinalg.h"
#include "kgen/Dialect/Kgen/KgenOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"

#include <cmath>
#include <limits>
#include <numeric>

using namespace mlir;
using namespace mlir::kgen;
using namespace mlir::kgen::detail;

namespace {

Value add(OpBuilder &b, Location l, Value x, Value y) {
  return arith::AddFOp::create(b, l, x, y);
}
Value sub(OpBuilder &b, Location l, Value x, Value y) {
  return arith::SubFOp::create(b, l, x, y);
}
Value mul(OpBuilder &b, Location l, Value x, Value y) {
  return arith::MulFOp::create(b, l, x, y);
}

template <typename OpTy, bool isLog>
struct SoftmaxLowering : OpRewritePattern<OpTy> {
  SoftmaxLowering(MLIRContext *ctx, const KgenToLinalgOptions &options)
      : OpRewritePattern<OpTy>(ctx), options(options) {}
  LogicalResult matchAndRewrite(OpTy op,
                                PatternRewriter &rewriter) const override {
    rewriter.replaceOp(op,
                       buildSoftmax(rewriter, op.getLoc(), op.getInput(),
                                    op.getDim(), op.getType(), options, isLog));
    return success();
  }
  KgenToLinalgOptions options;
};

/// Trailing dimensions [rank - k, rank) normalized by layer_norm / rms_norm.
SmallVector<int64_t> trailingDims(int64_t rank, int64_t k) {
  SmallVector<int64_t> dims(k);
  std::iota(dims.begin(), dims.end(), rank - k);
  return dims;
}

/// The tensor operands that are present, with their maps: the input through
/// the identity, the statistics through `reduced`, affine parameters
/// right-aligned.
struct NormOperands {
  SmallVector<Value> values;
  SmallVector<AffineMap> maps;
  void add(Value v, AffineMap map) {
    if (!v)
      return;
    values.push_back(v);
    maps.push_back(map);
  }
};

AffineMap paramMap(OpBuilder &b, int64_t rank, ArrayRef<int64_t> normalized) {
  SmallVector<AffineExpr> exprs;
  for (int64_t d = rank - normalized.size(); d < rank; ++d)
    exprs.push_back(b.getAffineDimExpr(d));
  return AffineMap::get(rank, 0, exprs, b.getContext());
}

/// What layer_norm and rms_norm share: the normalized (trailing) dimensions,
/// how many elements each statistic covers, and the maps that read the input
/// (identity), a statistic (reduced) and an affine parameter (param).
struct NormGeometry {
  SmallVector<int64_t> dims;
  double count = 1;
  AffineMap identity, reduced, param;

  NormGeometry(OpBuilder &b, int64_t rank, ArrayRef<int64_t> normalized)
      : dims(trailingDims(rank, normalized.size())),
        identity(b.getMultiDimIdentityMap(rank)),
        reduced(dropDimsMap(b.getContext(), rank, dims)),
        param(paramMap(b, rank, normalized)) {
    for (int64_t s : normalized)
      count *= s;
  }
};

/// The statistics of layer_norm along rows too long to stage (see
/// streamedRowChunks), in one read of `x`: each of the row's C interleaved
/// chunks of K elements keeps Welford's running mean and sum of squared
/// deviations, then the row's sum is K times the chunks' means summed, and
/// its sum of squared deviations the chunks' plus K (mean_c - mean)^2 each
/// (Chan et al.'s combination). Returns (sum, squared deviations).
std::pair<Value, Value> streamedSumAndDeviations(OpBuilder &b, Location loc,
                                                  Value x, int64_t chunks,
                                                  const NormGeometry &g) {
  auto type = cast<RankedTensorType>(x.getType());
  int64_t rank = type.getRank();
  double chunkLength = static_cast<double>(type.getShape().back() / chunks);
  Value mean0 = chunkPartials(b, loc, x, chunks, 0.0);
  Value m2_0 = chunkPartials(b, loc, x, chunks, 0.0);
  auto partials = buildChunkReduction(
      b, loc, chunkedRows(b, loc, x, chunks), {mean0, m2_0},
      [&](OpBuilder &nb, Location l, ValueRange args) {
        // The element's position in its chunk: n = k + 1 elements so far.
        Value k = linalg::IndexOp::create(nb, l, rank - 1);
        Value n = arith::UIToFPOp::create(
            nb, l, nb.getF32Type(),
            arith::IndexCastUIOp::create(nb, l, nb.getI64Type(), k));
        n = add(nb, l, n, f32Const(nb, l, 1.0));
        Value v = widen(nb, l, args[0]);
        Value delta = sub(nb, l, v, args[1]);
        Value mean =
            add(nb, l, args[1], arith::DivFOp::create(nb, l, delta, n));
        Value m2 = add(nb, l, args[2], mul(nb, l, delta, sub(nb, l, v, mean)));
        linalg::YieldOp::create(nb, l, ValueRange{mean, m2});
      });
  Value chunkMean = partials.getResult(0), chunkM2 = partials.getResult(1);
  Value sum = buildReduction(
      b, loc, {chunkMean}, {rank - 1}, 0.0,
      [&](OpBuilder &nb, Location l, ValueRange args) {
        return add(nb, l, args[1],
                   mul(nb, l, args[0], f32Const(nb, l, chunkLength)));
      });
  AffineMap rows = b.getMultiDimIdentityMap(rank);
  Value sqDev = buildReduction(
      b, loc, {chunkMean, chunkM2, sum}, {rank - 1}, 0.0,
      [&](OpBuilder &nb, Location l, ValueRange args) {
        Value mean =
            arith::DivFOp::create(nb, l, args[2], f32Const(nb, l, g.count));
        Value d = sub(nb, l, args[0], mean);
        Value between =
            mul(nb, l, f32Const(nb, l, chunkLength), mul(nb, l, d, d));
        return add(nb, l, args[3], add(nb, l, args[1], between));
      },
      {rows, rows, g.reduced});
  return {sum, sqDev};
}

/// The row sum and the sum of squared deviations from the row mean
/// (two-pass for accuracy), or their streaming form for long rows.
std::pair<Value, Value> sumAndDeviations(OpBuilder &b, Location loc, Value x,
                                          const NormGeometry &g,
                                          const KgenToLinalgOptions &options) {
  auto type = cast<RankedTensorType>(x.getType());
  if (g.dims.size() == 1)
    if (int64_t chunks = streamedRowChunks(type, g.dims[0], options))
      return streamedSumAndDeviations(b, loc, x, chunks, g);
  Value sum = buildReduction(b, loc, {x}, g.dims, 0.0,
                             [](OpBuilder &nb, Location l, ValueRange args) {
                               return add(nb, l, args[1], args[0]);
                             });
  Value sqDev =
      buildReduction(b, loc, {x, sum}, g.dims, 0.0,
                     [&](OpBuilder &nb, Location l, ValueRange args) {
                       Value mean = arith::DivFOp::create(
                           nb, l, args[1], f32Const(nb, l, g.count));
                       Value dev = sub(nb, l, args[0], mean);
                       return add(nb, l, args[2], mul(nb, l, dev, dev));
                     },
                     {g.identity, g.reduced});
  return {sum, sqDev};
}

struct LayerNormLowering : OpRewritePattern<LayerNormOp> {
  LayerNormLowering(MLIRContext *ctx, const KgenToLinalgOptions &options)
      : OpRewritePattern(ctx), options(options) {}
  LogicalResult matchAndRewrite(LayerNormOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = op.getType();
    NormGeometry g(rewriter, type.getRank(), op.getNormalizedShape());
    Value x = op.getInput();

    // The mean is divided out where it is read, so that the sum stays a
    // reduction that kernel formation can keep beside the variance's, as a
    // row statistic (one kernel); the quotient is the same each time.
    auto mean = [&](OpBuilder &b, Location l, Value sum) -> Value {
      return arith::DivFOp::create(b, l, sum, f32Const(b, l, g.count));
    };
    // Biased variance: the mean of the squared deviations.
    auto [sum, sqDev] = sumAndDeviations(rewriter, loc, x, g, options);

    NormOperands operands;
    operands.add(x, g.identity);
    operands.add(sum, g.reduced);
    operands.add(sqDev, g.reduced);
    operands.add(op.getWeight(), g.param);
    operands.add(op.getBias(), g.param);
    bool hasWeight = bool(op.getWeight()), hasBias = bool(op.getBias());
    double eps = op.getEps().convertToDouble();
    Value result = buildElementwise(
        rewriter, loc, type, operands.values,
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value var =
              arith::DivFOp::create(b, l, args[2], f32Const(b, l, g.count));
          Value inv =
              math::RsqrtOp::create(b, l, add(b, l, var, f32Const(b, l, eps)));
          Value y = mul(b, l, sub(b, l, args[0], mean(b, l, args[1])), inv);
          unsigned next = 3;
          if (hasWeight)
            y = mul(b, l, y, args[next++]);
          if (hasBias)
            y = add(b, l, y, args[next++]);
          return y;
        },
        operands.maps);
    rewriter.replaceOp(op, result);
    return success();
  }
  KgenToLinalgOptions options;
};

struct RmsNormLowering : OpRewritePattern<RmsNormOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(RmsNormOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = op.getType();
    NormGeometry g(rewriter, type.getRank(), op.getNormalizedShape());
    // PyTorch's eps=None means the machine epsilon of the input dtype.
    double eps =
        op.getEps() ? op.getEps()->convertToDouble()
                    : std::ldexp(1.0, 1 - cast<FloatType>(type.getElementType())
                                              .getFPMantissaWidth());
    Value x = op.getInput();
    Value sumSq =
        buildReduction(rewriter, loc, {x}, g.dims, 0.0,
                       [](OpBuilder &b, Location l, ValueRange args) {
                         return add(b, l, args[1], mul(b, l, args[0], args[0]));
                       });
    NormOperands operands;
    operands.add(x, g.identity);
    operands.add(sumSq, g.reduced);
    operands.add(op.getWeight(), g.param);
    bool hasWeight = bool(op.getWeight());
    Value result = buildElementwise(
        rewriter, loc, type, operands.values,
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value ms =
              arith::DivFOp::create(b, l, args[1], f32Const(b, l, g.count));
          Value inv =
              math::RsqrtOp::create(b, l, add(b, l, ms, f32Const(b, l, eps)));
          Value y = mul(b, l, args[0], inv);
          return hasWeight ? mul(b, l, y, args[2]) : y;
        },
        operands.maps);
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void mlir::kgen::populateNormalizationToLinalgPatterns(
    RewritePatternSet &patterns, const KgenToLinalgOptions &options) {
  MLIRContext *ctx = patterns.getContext();
  patterns.add<SoftmaxLowering<SoftmaxOp, false>,
               SoftmaxLowering<LogSoftmaxOp, true>, LayerNormLowering>(
      ctx, options);
  patterns.add<RmsNormLowering>(ctx);
}
