//===- Contraction.cpp - matmul, batch_matmul, linear, conv to linalg -----===//
//
// Contractions accumulate in an f32 tensor (linalg named ops widen their
// inputs to the output type) and are narrowed once at the end, together with
// the bias when there is one.
//
//===----------------------------------------------------------------------===//

#include "LoweringUtils.h"
#include "kgen/Conversion/KgenToLinalg.h"
#include "kgen/Dialect/Kgen/KgenOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace mlir::kgen;
using namespace mlir::kgen::detail;

namespace {

/// matmul and batch_matmul map one-to-one onto the linalg named op of the
/// same name, accumulating into an f32 tensor.
template <typename KgenOp, typename LinalgOp>
struct MatmulLikeLowering : OpRewritePattern<KgenOp> {
  using OpRewritePattern<KgenOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(KgenOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = op.getType();
    Value acc = filledF32Tensor(rewriter, loc, type.getShape(), 0.0);
    acc =
        LinalgOp::create(rewriter, loc, TypeRange{acc.getType()},
                         ValueRange{op.getLhs(), op.getRhs()}, ValueRange{acc})
            .getResult(0);
    rewriter.replaceOp(op, finishContraction(rewriter, loc, acc, type, {}, {}));
    return success();
  }
};

/// The rows from which an f32 linear layer transposes its weight first.
/// The fp32 (SIMT) gemm gives each thread a few adjacent output columns and
/// reads its B tile from shared memory along them: a weight tile stored
/// [out][in] puts a thread's columns in adjacent rows of the tile, and a
/// warp's 16-byte loads then fall on two bank groups (4-way conflicts) at
/// any row padding. A transposed copy [in][out] costs one bandwidth-bound
/// kernel over the weight, at this many rows under a tenth of the gemm's
/// compute floor; fewer rows are bound by reading the weight, which the
/// copy would triple. f16/bf16 gemms read K-major tiles natively (mma_sync,
/// wgmma) and keep the weight as it is.
constexpr int64_t kRowsToTransposeF32Weight = 512;

/// linear(x, W, b) = x·Wᵀ + b: leading dimensions of x are flattened into the
/// rows of one linalg.matmul with a transposed-B indexing map (or, for f32
/// with many rows, a plain matmul on a transposed copy of W).
struct LinearLowering : OpRewritePattern<LinearOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(LinearOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto inputType = cast<RankedTensorType>(op.getInput().getType());
    auto weightType = cast<RankedTensorType>(op.getWeight().getType());
    int64_t in = weightType.getDimSize(1), out = weightType.getDimSize(0);
    // The leading dimensions' product (not elements / in: `in` may be 0).
    int64_t rows = 1;
    for (int64_t size : inputType.getShape().drop_back())
      rows *= size;
    Value x = reshapeTensor(rewriter, loc, op.getInput(),
                            inputType.clone({rows, in}));
    Value acc = filledF32Tensor(rewriter, loc, {rows, out}, 0.0);
    if (weightType.getElementType().isF32() &&
        rows >= kRowsToTransposeF32Weight) {
      Value transposed = transposeTensor(rewriter, loc, op.getWeight(), {1, 0});
      acc = linalg::MatmulOp::create(rewriter, loc, TypeRange{acc.getType()},
                                     ValueRange{x, transposed}, ValueRange{acc})
                .getResult(0);
    } else {
      acc = linalg::MatmulTransposeBOp::create(
                rewriter, loc, TypeRange{acc.getType()},
                ValueRange{x, op.getWeight()}, ValueRange{acc})
                .getResult(0);
    }
    AffineMap biasMap = AffineMap::get(2, 0, {rewriter.getAffineDimExpr(1)},
                                       rewriter.getContext());
    Value result =
        finishContraction(rewriter, loc, acc, op.getType().clone({rows, out}),
                          op.getBias(), biasMap);
    rewriter.replaceOp(op, reshapeTensor(rewriter, loc, result, op.getType()));
    return success();
  }
};

/// The weight of a direct convolution [F, C/G, k...] on the shape of the
/// batch_matmul that computes it, [N*G, F/G, K]: batch b = image * G +
/// group, K = channel * |kernel| + tap (row-major, the K order of the
/// im2col matrix). batch_matmul reads one weight matrix per batch, so the
/// weight is copied once per image: N copies of F x K elements, small
/// beside the images.
Value batchedConvWeight(PatternRewriter &rewriter, Location loc, ConvOp op) {
  auto weightType = cast<RankedTensorType>(op.getWeight().getType());
  int64_t n = cast<RankedTensorType>(op.getInput().getType()).getDimSize(0);
  int64_t groups = op.getGroups(), fg = weightType.getDimSize(0) / groups;
  int64_t k = weightType.getNumElements() / weightType.getDimSize(0);
  Value w = reshapeTensor(rewriter, loc, op.getWeight(),
                          weightType.clone({groups, fg, k}));
  if (groups == 1) {
    MLIRContext *ctx = rewriter.getContext();
    auto d = [&](int64_t i) { return getAffineDimExpr(i, ctx); };
    w = buildParallelGeneric(
        rewriter, loc, weightType.clone({n, groups, fg, k}), {w},
        {AffineMap::get(4, 0, {d(1), d(2), d(3)}, ctx)},
        [](OpBuilder &, Location, ValueRange args) { return args[0]; });
    return reshapeTensor(rewriter, loc, w, weightType.clone({n, fg, k}));
  }
  // Batch b reads group b mod G: a gather on the batch_matmul's own shape
  // (a broadcast over [N, G] and a reshape would stand between the weight
  // and the matmul, which kernel formation cannot join).
  Value groupCount = arith::ConstantIndexOp::create(rewriter, loc, groups);
  return buildParallelGeneric(
      rewriter, loc, weightType.clone({n * groups, fg, k}), {}, {},
      [&](OpBuilder &b, Location l, ValueRange) {
        Value group = arith::RemUIOp::create(
            b, l, linalg::IndexOp::create(b, l, 0), groupCount);
        return tensor::ExtractOp::create(
            b, l, w,
            ValueRange{group, linalg::IndexOp::create(b, l, 1),
                       linalg::IndexOp::create(b, l, 2)});
      });
}

/// The weight of a transposed convolution [C, F/G, k...] on the same
/// batch_matmul shape [N*G, F/G, K]: element (b, f, c * |kernel| + tap) is
/// weight[(b mod G) * C/G + c, f, tap]. The exchange of the channel dims is
/// part of the gather, so no transposed copy of the weight is written.
Value batchedTransposedConvWeight(PatternRewriter &rewriter, Location loc,
                                  ConvTransposeOp op) {
  auto weightType = cast<RankedTensorType>(op.getWeight().getType());
  int64_t n = cast<RankedTensorType>(op.getInput().getType()).getDimSize(0);
  int64_t groups = op.getGroups(), cg = weightType.getDimSize(0) / groups;
  int64_t fg = weightType.getDimSize(1);
  int64_t window = weightType.getNumElements() / (cg * groups * fg);
  Value w = reshapeTensor(rewriter, loc, op.getWeight(),
                          weightType.clone({groups, cg, fg, window}));
  return buildParallelGeneric(
      rewriter, loc, weightType.clone({n * groups, fg, cg * window}), {}, {},
      [&](OpBuilder &b, Location l, ValueRange) {
        auto cst = [&](int64_t v) {
          return arith::ConstantIndexOp::create(b, l, v).getResult();
        };
        Value k = linalg::IndexOp::create(b, l, 2);
        Value group = arith::RemUIOp::create(
            b, l, linalg::IndexOp::create(b, l, 0), cst(groups));
        return tensor::ExtractOp::create(
            b, l, w,
            ValueRange{group, arith::DivUIOp::create(b, l, k, cst(window)),
                       linalg::IndexOp::create(b, l, 1),
                       arith::RemUIOp::create(b, l, k, cst(window))});
      });
}

/// The end of a convolution lowered as a batch of matmuls, one per image and
/// group: y[n, g] = W[g] · cols[n, g], with `cols` [N*G, K, P] the group's
/// reduction rows (K = C/G times the kernel's extent) by the output's
/// pixels P and `weight` [N*G, F/G, K] (batchedConvWeight). As a
/// linalg.batch_matmul it takes the matmul schedules (shared-memory
/// staging, cp.async pipelining, mma_sync and wgmma).
Value convAsBatchMatmul(PatternRewriter &rewriter, Location loc, Value weight,
                        Value cols, Value bias, int64_t groups,
                        RankedTensorType resultType) {
  MLIRContext *ctx = rewriter.getContext();
  auto weightType = cast<RankedTensorType>(weight.getType());
  auto colsType = cast<RankedTensorType>(cols.getType());
  int64_t n = resultType.getDimSize(0), fg = weightType.getDimSize(1);
  int64_t pixels = colsType.getDimSize(2);
  auto d = [&](int64_t i) { return getAffineDimExpr(i, ctx); };
  Value acc = filledF32Tensor(rewriter, loc, {n * groups, fg, pixels}, 0.0);
  acc = linalg::BatchMatmulOp::create(rewriter, loc, TypeRange{acc.getType()},
                                      ValueRange{weight, cols}, ValueRange{acc})
            .getResult(0);
  // The epilogue runs on the matmul's own shape, where it fuses into the
  // matmul's kernel: the bias is indexed by the output row (one group),
  // or, with several groups, broadcast to a row per batch first.
  AffineMap biasMap = AffineMap::get(3, 0, {d(1)}, ctx);
  if (bias && groups > 1) {
    auto biasType = cast<RankedTensorType>(bias.getType());
    bias = reshapeTensor(rewriter, loc, bias, biasType.clone({groups, fg}));
    bias = buildParallelGeneric(
        rewriter, loc, biasType.clone({n, groups, fg}), {bias},
        {AffineMap::get(3, 0, {d(1), d(2)}, ctx)},
        [](OpBuilder &, Location, ValueRange args) { return args[0]; });
    bias =
        reshapeTensor(rewriter, loc, bias, biasType.clone({n * groups, fg}));
    biasMap = AffineMap::get(3, 0, {d(0), d(1)}, ctx);
  }
  Value result = finishContraction(
      rewriter, loc, acc, resultType.clone({n * groups, fg, pixels}), bias,
      biasMap);
  return reshapeTensor(rewriter, loc, result, resultType);
}

bool isPointwise(ConvOp op) {
  auto weightType = cast<RankedTensorType>(op.getWeight().getType());
  auto one = [](int64_t v) { return v == 1; };
  return llvm::all_of(weightType.getShape().drop_front(2), one) &&
         llvm::all_of(op.getStride(), one) &&
         llvm::all_of(op.getPadding(), [](int64_t p) { return p == 0; });
}

/// A pointwise convolution (every kernel extent 1, stride 1, no padding):
/// x[n, g] is the group's channels by the image's pixels, a reshape of
/// NCHW (no copy).
struct PointwiseConvLowering : OpRewritePattern<ConvOp> {
  PointwiseConvLowering(MLIRContext *ctx)
      : OpRewritePattern(ctx, /*benefit=*/2) {}
  LogicalResult matchAndRewrite(ConvOp op,
                                PatternRewriter &rewriter) const override {
    if (!isPointwise(op))
      return rewriter.notifyMatchFailure(op, "not a pointwise convolution");
    auto inputType = cast<RankedTensorType>(op.getInput().getType());
    int64_t n = inputType.getDimSize(0), groups = op.getGroups();
    int64_t cg = inputType.getDimSize(1) / groups;
    int64_t pixels = 1;
    for (int64_t size : inputType.getShape().drop_front(2))
      pixels *= size;
    Value x = reshapeTensor(rewriter, op.getLoc(), op.getInput(),
                            inputType.clone({n * groups, cg, pixels}));
    rewriter.replaceOp(op, convAsBatchMatmul(
                               rewriter, op.getLoc(),
                               batchedConvWeight(rewriter, op.getLoc(), op), x,
                               op.getBias(), groups, op.getType()));
    return success();
  }
};

/// Where tap `tap` of output position `out` reads the input in spatial
/// dim `dim` of a convolution, and whether that position exists.
using TapPositionFn =
    function_ref<WindowPosition(OpBuilder &, Location, int64_t dim,
                                Value out, Value tap)>;

/// A direct convolution's tap: position out * stride + tap * dilation -
/// padding, inside the input or padding.
WindowPosition directTap(OpBuilder &b, Location l, ConvOp op, int64_t dim,
                         Value out, Value tap) {
  auto cst = [&](int64_t v) {
    return arith::ConstantIndexOp::create(b, l, v).getResult();
  };
  Value pos = arith::SubIOp::create(
      b, l,
      arith::AddIOp::create(
          b, l, arith::MulIOp::create(b, l, out, cst(op.getStride()[dim])),
          arith::MulIOp::create(b, l, tap, cst(op.getDilation()[dim]))),
      cst(op.getPadding()[dim]));
  return WindowPosition{
      pos, inRange(b, l, pos, op.getInput().getType().getDimSize(dim + 2))};
}

/// A transposed convolution's tap: the input position i with i * stride =
/// out + padding - tap * dilation, or none where that has a remainder or
/// leaves the input.
WindowPosition transposedTap(OpBuilder &b, Location l, ConvTransposeOp op,
                             int64_t dim, Value out, Value tap) {
  auto cst = [&](int64_t v) {
    return arith::ConstantIndexOp::create(b, l, v).getResult();
  };
  Value num = arith::SubIOp::create(
      b, l, arith::AddIOp::create(b, l, out, cst(op.getPadding()[dim])),
      arith::MulIOp::create(b, l, tap, cst(op.getDilation()[dim])));
  Value nonNegative =
      arith::CmpIOp::create(b, l, arith::CmpIPredicate::sge, num, cst(0));
  Value clamped = arith::SelectOp::create(b, l, nonNegative, num, cst(0));
  Value stride = cst(op.getStride()[dim]);
  Value pos = arith::DivUIOp::create(b, l, clamped, stride);
  Value exact = arith::CmpIOp::create(
      b, l, arith::CmpIPredicate::eq,
      arith::RemUIOp::create(b, l, clamped, stride), cst(0));
  Value inside = arith::AndIOp::create(
      b, l, arith::AndIOp::create(b, l, nonNegative, exact),
      inRange(b, l, pos, op.getInput().getType().getDimSize(dim + 2)));
  return WindowPosition{pos, inside};
}

/// The im2col matrix of a (direct or transposed) convolution of `input`
/// [N, C, spatial...] with `kernel` taps per channel into `out` positions,
/// as a linalg.generic over (n*G + g, k, p) that gathers each element with
/// tensor.extract: k = c·|kernel| + the tap (row-major), p the output
/// position (row-major), the input position from `tapPosition`. Padding
/// is a bounds check in the gather (a zero where the window leaves the
/// input), not a padded copy. Kernel formation decides whether the gather
/// is computed inside the matmul's reduction loop or materialized before
/// it.
Value buildIm2col(PatternRewriter &rewriter, Location loc, Value input,
                  ArrayRef<int64_t> kernel, ArrayRef<int64_t> out,
                  int64_t groups, TapPositionFn tapPosition) {
  auto inputType = cast<RankedTensorType>(input.getType());
  int64_t n = inputType.getDimSize(0);
  int64_t cg = inputType.getDimSize(1) / groups;
  int64_t window = 1, pixels = 1;
  for (int64_t size : kernel)
    window *= size;
  for (int64_t size : out)
    pixels *= size;
  auto colsType = inputType.clone({n * groups, cg * window, pixels});
  return buildParallelGeneric(
      rewriter, loc, colsType, {}, {},
      [&](OpBuilder &b, Location l, ValueRange) {
        auto cst = [&](int64_t v) {
          return arith::ConstantIndexOp::create(b, l, v).getResult();
        };
        Value batch = linalg::IndexOp::create(b, l, 0);
        Value k = linalg::IndexOp::create(b, l, 1);
        Value p = linalg::IndexOp::create(b, l, 2);
        Value image = arith::DivUIOp::create(b, l, batch, cst(groups));
        Value group = arith::RemUIOp::create(b, l, batch, cst(groups));
        Value channel = arith::AddIOp::create(
            b, l, arith::MulIOp::create(b, l, group, cst(cg)),
            arith::DivUIOp::create(b, l, k, cst(window)));
        Value offset = arith::RemUIOp::create(b, l, k, cst(window));
        SmallVector<WindowPosition> positions;
        // Row-major: the last spatial dim varies fastest in k and in p.
        int64_t kStride = window, pStride = pixels;
        for (size_t i = 0; i < kernel.size(); ++i) {
          kStride /= kernel[i];
          pStride /= out[i];
          Value tap = arith::RemUIOp::create(
              b, l, arith::DivUIOp::create(b, l, offset, cst(kStride)),
              cst(kernel[i]));
          Value at = arith::RemUIOp::create(
              b, l, arith::DivUIOp::create(b, l, p, cst(pStride)),
              cst(out[i]));
          positions.push_back(tapPosition(b, l, i, at, tap));
        }
        Value zero = arith::ConstantOp::create(
            b, l, b.getFloatAttr(inputType.getElementType(), 0.0));
        return gatherOrFill(b, l, input, {image, channel}, positions, zero);
      });
}

/// A (direct or transposed) convolution `op` as the batch matmul of its
/// im2col matrix, whose taps read the input where `tapPosition` says, and
/// the weight [N*G, F/G, K] that `batchedWeight` builds.
template <typename ConvLikeOp>
Value implicitGemm(PatternRewriter &rewriter, ConvLikeOp op,
                   TapPositionFn tapPosition,
                   Value (*batchedWeight)(PatternRewriter &, Location,
                                          ConvLikeOp)) {
  Location loc = op.getLoc();
  Value cols = buildIm2col(
      rewriter, loc, op.getInput(),
      cast<RankedTensorType>(op.getWeight().getType()).getShape().drop_front(2),
      op.getType().getShape().drop_front(2), op.getGroups(), tapPosition);
  return convAsBatchMatmul(rewriter, loc, batchedWeight(rewriter, loc, op),
                           cols, op.getBias(), op.getGroups(), op.getType());
}

/// Every other convolution with enough output channels per group: the
/// im2col matrix times the weight (implicit GEMM when kernel formation
/// keeps the gather in the matmul's kernel).
struct ImplicitGemmConvLowering : OpRewritePattern<ConvOp> {
  ImplicitGemmConvLowering(MLIRContext *ctx)
      : OpRewritePattern(ctx, /*benefit=*/2) {}
  LogicalResult matchAndRewrite(ConvOp op,
                                PatternRewriter &rewriter) const override {
    auto weightType = cast<RankedTensorType>(op.getWeight().getType());
    if (isPointwise(op))
      return rewriter.notifyMatchFailure(op, "pointwise: a plain matmul");
    if (!hasImplicitGemmRows(weightType.getDimSize(0) / op.getGroups()))
      return rewriter.notifyMatchFailure(op, "too few output channels per "
                                             "group for a matmul");
    rewriter.replaceOp(
        op, implicitGemm(
                rewriter, op,
                [&](OpBuilder &b, Location l, int64_t dim, Value out, Value tap) {
                  return directTap(b, l, op, dim, out, tap);
                },
                batchedConvWeight));
    return success();
  }
};

/// A transposed convolution with enough output channels per group that the
/// phase split (SubpixelConvTranspose.cpp) does not take (a dilated one) is
/// a direct convolution's implicit GEMM over its taps: the im2col gather
/// reads, for each tap, the input position that maps to the output
/// position (transposedTap), a zero where none does. With stride s, all but
/// about 1/s of the taps of each spatial dim are such zeros: the matmul
/// multiplies them too, which on the matmul path still beats the direct
/// gather's one thread per output.
struct ImplicitGemmConvTransposeLowering : OpRewritePattern<ConvTransposeOp> {
  ImplicitGemmConvTransposeLowering(MLIRContext *ctx)
      : OpRewritePattern(ctx, /*benefit=*/2) {}
  LogicalResult matchAndRewrite(ConvTransposeOp op,
                                PatternRewriter &rewriter) const override {
    auto weightType = cast<RankedTensorType>(op.getWeight().getType());
    if (!hasImplicitGemmRows(weightType.getDimSize(1)))
      return rewriter.notifyMatchFailure(op, "too few output channels per "
                                             "group for a matmul");
    rewriter.replaceOp(
        op, implicitGemm(
                rewriter, op,
                [&](OpBuilder &b, Location l, int64_t dim, Value out, Value tap) {
                  return transposedTap(b, l, op, dim, out, tap);
                },
                batchedTransposedConvWeight));
    return success();
  }
};

/// The f32 result [N, G, F/G, out...] of a direct or transposed
/// convolution's generic viewed as [N, F, out...], narrowed to
/// `resultType` with the bias added per output channel.
Value finishGroupedConvolution(PatternRewriter &rewriter, Location loc,
                               Value acc, RankedTensorType resultType,
                               Value bias) {
  int64_t spatial = resultType.getRank() - 2;
  SmallVector<ReassociationIndices> outGroups = {{0}, {1, 2}};
  for (int64_t i = 0; i < spatial; ++i)
    outGroups.push_back({i + 3});
  acc = tensor::CollapseShapeOp::create(
      rewriter, loc, resultType.clone(rewriter.getF32Type()), acc, outGroups);
  AffineMap biasMap = AffineMap::get(
      spatial + 2, 0, {rewriter.getAffineDimExpr(1)}, rewriter.getContext());
  return finishContraction(rewriter, loc, acc, resultType, bias, biasMap);
}

/// The element of a convolution's input [N, C, spatial...] that the loop
/// (n, g, f, out..., c, k...) reads: image n, channel g * C/G + c, and in
/// each spatial dim the position `at` gives, or 0 where one lies outside
/// the input. Reading padding as a bounds check saves a padded copy of the
/// input, which was a kernel of its own (kernel formation keeps pads
/// apart) writing and then reading the whole input once more.
Value gatherGroupedInput(OpBuilder &b, Location l, Value input, int64_t cg,
                         function_ref<WindowPosition(int64_t)> at) {
  auto inputType = cast<RankedTensorType>(input.getType());
  int64_t spatial = inputType.getRank() - 2;
  Value channel = arith::AddIOp::create(
      b, l,
      arith::MulIOp::create(b, l, linalg::IndexOp::create(b, l, 1),
                            arith::ConstantIndexOp::create(b, l, cg)),
      linalg::IndexOp::create(b, l, 3 + spatial));
  SmallVector<WindowPosition> positions;
  for (int64_t i = 0; i < spatial; ++i)
    positions.push_back(at(i));
  Value zero = arith::ConstantOp::create(
      b, l, b.getFloatAttr(inputType.getElementType(), 0.0));
  return gatherOrFill(b, l, input, {linalg::IndexOp::create(b, l, 0), channel},
                      positions, zero);
}

/// The direct and the transposed convolution's linalg.generic over (n, g,
/// f, out..., c, k...): S + 3 parallel loops, then S + 1 reduction loops,
/// accumulating from 0 in f32 into [N, G, F/G, out...] the product of the
/// input element `input` gives and the weight element, the last of
/// `inputs` (read through the last of `maps`).
Value groupedConvGeneric(PatternRewriter &rewriter, Location loc,
                         ArrayRef<int64_t> groupedOut, ValueRange inputs,
                         ArrayRef<AffineMap> maps, BodyFn input) {
  MLIRContext *ctx = rewriter.getContext();
  int64_t spatial = groupedOut.size() - 3;
  int64_t numLoops = 4 + 2 * spatial;
  SmallVector<AffineExpr> outExprs;
  for (int64_t d = 0; d < 3 + spatial; ++d)
    outExprs.push_back(getAffineDimExpr(d, ctx));
  SmallVector<AffineMap> allMaps(maps);
  allMaps.push_back(AffineMap::get(numLoops, 0, outExprs, ctx));
  SmallVector<utils::IteratorType> iterators(3 + spatial,
                                             utils::IteratorType::parallel);
  iterators.append(1 + spatial, utils::IteratorType::reduction);
  Value acc = filledF32Tensor(rewriter, loc, groupedOut, 0.0);
  return linalg::GenericOp::create(
             rewriter, loc, TypeRange{acc.getType()}, inputs, ValueRange{acc},
             allMaps, iterators,
             [&](OpBuilder &b, Location l, ValueRange args) {
               Value prod = arith::MulFOp::create(
                   b, l, widen(b, l, input(b, l, args)),
                   widen(b, l, args.end()[-2]));
               linalg::YieldOp::create(
                   b, l,
                   arith::AddFOp::create(b, l, args.back(), prod).getResult());
             })
      .getResult(0);
}

/// The input element at tap k... of output position out... of a direct
/// convolution's loop (n, g, f, out..., c, k...).
Value gatherWindowElement(OpBuilder &b, Location l, ConvOp op, int64_t cg) {
  int64_t dims = cast<RankedTensorType>(op.getInput().getType()).getRank();
  return gatherGroupedInput(b, l, op.getInput(), cg, [&](int64_t i) {
    return directTap(b, l, op, i, linalg::IndexOp::create(b, l, 3 + i),
                     linalg::IndexOp::create(b, l, dims + 2 + i));
  });
}

/// The rest (depthwise, few output channels per group): a grouped N-d
/// convolution as one linalg.generic over
/// (n, g, f, out..., c, k...), reading the input with its channels split
/// into [groups, channels per group]; with padding, gathering it with a
/// bounds check (gatherWindowElement).
struct ConvLowering : OpRewritePattern<ConvOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ConvOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    auto inputType = cast<RankedTensorType>(op.getInput().getType());
    auto weightType = cast<RankedTensorType>(op.getWeight().getType());
    auto resultType = op.getType();
    int64_t spatial = inputType.getRank() - 2;
    int64_t groups = op.getGroups();
    ArrayRef<int64_t> x = inputType.getShape(), w = weightType.getShape();
    int64_t n = x[0], cg = x[1] / groups, fg = w[0] / groups;

    // [N, C, ...] -> [N, G, C/G, ...] and [F, C/G, k...] -> [G, F/G, C/G,
    // k...].
    SmallVector<int64_t> groupedInput = {n, groups, cg};
    llvm::append_range(groupedInput, x.drop_front(2));
    SmallVector<ReassociationIndices> inputGroups = {{0}, {1, 2}};
    SmallVector<int64_t> groupedWeight = {groups, fg, cg};
    llvm::append_range(groupedWeight, w.drop_front(2));
    SmallVector<ReassociationIndices> weightGroups = {{0, 1}, {2}};
    SmallVector<int64_t> groupedOut = {n, groups, fg};
    llvm::append_range(groupedOut, resultType.getShape().drop_front(2));
    for (int64_t i = 0; i < spatial; ++i) {
      inputGroups.push_back({i + 3});
      weightGroups.push_back({i + 3});
    }
    Value weight = tensor::ExpandShapeOp::create(
        rewriter, loc, weightType.clone(groupedWeight), op.getWeight(),
        weightGroups);
    bool padded =
        llvm::any_of(op.getPadding(), [](int64_t p) { return p != 0; });

    // Loop dims: n=0, g=1, f=2, out_i=3+i, c=3+S, k_i=4+S+i.
    int64_t numLoops = 4 + 2 * spatial;
    auto d = [&](int64_t i) { return getAffineDimExpr(i, ctx); };
    SmallVector<AffineExpr> inExprs = {d(0), d(1), d(3 + spatial)};
    SmallVector<AffineExpr> wExprs = {d(1), d(2), d(3 + spatial)};
    for (int64_t i = 0; i < spatial; ++i) {
      inExprs.push_back(d(3 + i) * op.getStride()[i] +
                        d(4 + spatial + i) * op.getDilation()[i]);
      wExprs.push_back(d(4 + spatial + i));
    }
    SmallVector<AffineMap> maps = {AffineMap::get(numLoops, 0, inExprs, ctx),
                                   AffineMap::get(numLoops, 0, wExprs, ctx)};
    SmallVector<Value> inputs = {weight};
    if (padded)
      maps.erase(maps.begin());
    else
      inputs.insert(inputs.begin(),
                    tensor::ExpandShapeOp::create(
                        rewriter, loc, inputType.clone(groupedInput),
                        op.getInput(), inputGroups));
    Value acc = groupedConvGeneric(
        rewriter, loc, groupedOut, inputs, maps,
        [&](OpBuilder &b, Location l, ValueRange args) {
          return padded ? gatherWindowElement(b, l, op, cg) : args[0];
        });

    rewriter.replaceOp(op, finishGroupedConvolution(rewriter, loc, acc,
                                                    resultType, op.getBias()));
    return success();
  }
};

/// The input element that output position out... takes from tap k... of a
/// transposed convolution's loop (n, g, f, out..., c, k...).
Value gatherTransposedTap(OpBuilder &b, Location l, ConvTransposeOp op,
                          int64_t cg) {
  int64_t dims = cast<RankedTensorType>(op.getInput().getType()).getRank();
  return gatherGroupedInput(b, l, op.getInput(), cg, [&](int64_t i) {
    return transposedTap(b, l, op, i, linalg::IndexOp::create(b, l, 3 + i),
                         linalg::IndexOp::create(b, l, dims + 2 + i));
  });
}

/// A transposed convolution with few output channels per group as one
/// linalg.generic over (n, g, f, out..., c, k...) summing weight[g * C/G +
/// c, f, k...] times the input element each tap maps to
/// (gatherTransposedTap), like the direct convolution with the roles of
/// input and output positions exchanged; groups split the weight into [G,
/// C/G, F/G, k...] and the result into [N, G, F/G].
struct ConvTransposeLowering : OpRewritePattern<ConvTransposeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ConvTransposeOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    auto inputType = cast<RankedTensorType>(op.getInput().getType());
    auto weightType = cast<RankedTensorType>(op.getWeight().getType());
    RankedTensorType resultType = op.getType();
    int64_t spatial = inputType.getRank() - 2, groups = op.getGroups();
    ArrayRef<int64_t> w = weightType.getShape();
    int64_t cg = w[0] / groups, fg = w[1];

    SmallVector<int64_t> groupedWeight = {groups, cg, fg};
    llvm::append_range(groupedWeight, w.drop_front(2));
    SmallVector<ReassociationIndices> weightGroups = {{0, 1}, {2}};
    SmallVector<int64_t> groupedOut = {resultType.getDimSize(0), groups, fg};
    llvm::append_range(groupedOut, resultType.getShape().drop_front(2));
    for (int64_t i = 0; i < spatial; ++i)
      weightGroups.push_back({i + 3});
    Value weight = tensor::ExpandShapeOp::create(
        rewriter, loc, weightType.clone(groupedWeight), op.getWeight(),
        weightGroups);

    // Loop dims: n=0, g=1, f=2, out_i=3+i, c=3+S, k_i=4+S+i.
    int64_t numLoops = 4 + 2 * spatial;
    auto d = [&](int64_t i) { return getAffineDimExpr(i, ctx); };
    SmallVector<AffineExpr> wExprs = {d(1), d(3 + spatial), d(2)};
    for (int64_t i = 0; i < spatial; ++i)
      wExprs.push_back(d(4 + spatial + i));
    Value acc = groupedConvGeneric(
        rewriter, loc, groupedOut, {weight},
        {AffineMap::get(numLoops, 0, wExprs, ctx)},
        [&](OpBuilder &b, Location l, ValueRange) {
          return gatherTransposedTap(b, l, op, cg);
        });
    rewriter.replaceOp(op, finishGroupedConvolution(rewriter, loc, acc,
                                                    resultType, op.getBias()));
    return success();
  }
};

} // namespace

void mlir::kgen::populateContractionToLinalgPatterns(
    RewritePatternSet &patterns) {
  patterns.add<MatmulLikeLowering<MatmulOp, linalg::MatmulOp>,
               MatmulLikeLowering<BatchMatmulOp, linalg::BatchMatmulOp>,
               LinearLowering, PointwiseConvLowering, ImplicitGemmConvLowering,
               ConvLowering, ImplicitGemmConvTransposeLowering,
               ConvTransposeLowering>(
      patterns.getContext());
  populateSubpixelConvTransposePatterns(patterns);
}
