//===- SubpixelConvTranspose.cpp - strided conv_transpose by phases -------===//
//
// A transposed convolution with stride s (dilation 1) reaches output
// position o from the taps k = r + t*s only, r = (o + padding) mod s, each
// reading input position q - t, q = floor((o + padding) / s). Outputs of
// one phase (o mod s) share r, so each phase is a direct convolution with
// ceil(K / s) taps: a batch of matmuls over (phase, image, group) whose
// im2col gather and weight gather never meet the zeros the plain implicit
// GEMM multiplies (all but about 1/s of its taps per spatial dim). A
// phase whose r leaves fewer real taps gets zero weights for the rest; a
// last gather interleaves the phases into the output and adds the bias.
//
//===----------------------------------------------------------------------===//

#include "LoweringUtils.h"
#include "kgen/Dialect/Kgen/KgenOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace mlir::kgen;
using namespace mlir::kgen::detail;

namespace {

/// The sizes of the phase decomposition of one transposed convolution.
struct Phases {
  SmallVector<int64_t> stride, padding, kernel, input, output;
  /// Per spatial dim: taps per phase ceil(K / s), outputs per phase
  /// ceil(O / s).
  SmallVector<int64_t> taps, perPhase;
  int64_t n = 0, groups = 0, cg = 0, fg = 0;
  int64_t phases = 1, window = 1, pixels = 1;

  explicit Phases(ConvTransposeOp op) {
    auto x = cast<RankedTensorType>(op.getInput().getType()).getShape();
    auto w = cast<RankedTensorType>(op.getWeight().getType()).getShape();
    n = x[0];
    groups = op.getGroups();
    cg = w[0] / groups;
    fg = w[1];
    stride.assign(op.getStride().begin(), op.getStride().end());
    padding.assign(op.getPadding().begin(), op.getPadding().end());
    kernel.assign(w.begin() + 2, w.end());
    input.assign(x.begin() + 2, x.end());
    ArrayRef<int64_t> out = op.getType().getShape().drop_front(2);
    output.assign(out.begin(), out.end());
    for (size_t d = 0; d < stride.size(); ++d) {
      taps.push_back(llvm::divideCeil(kernel[d], stride[d]));
      perPhase.push_back(llvm::divideCeil(output[d], stride[d]));
      phases *= stride[d];
      window *= taps.back();
      pixels *= perPhase.back();
    }
  }
  size_t rank() const { return stride.size(); }
};

Value cst(OpBuilder &b, Location l, int64_t v) {
  return arith::ConstantIndexOp::create(b, l, v);
}

/// `flat` split row-major over `sizes`.
SmallVector<Value> unflatten(OpBuilder &b, Location l, Value flat,
                             ArrayRef<int64_t> sizes) {
  SmallVector<Value> parts(sizes.size());
  for (size_t d = sizes.size(); d-- > 0;) {
    parts[d] = arith::RemUIOp::create(b, l, flat, cst(b, l, sizes[d]));
    flat = arith::DivUIOp::create(b, l, flat, cst(b, l, sizes[d]));
  }
  return parts;
}

/// (phase per spatial dim, image, group) of batch b = phase * N*G + image *
/// G + group.
struct BatchIndex {
  SmallVector<Value> phase;
  Value image, group;
};
BatchIndex splitBatch(OpBuilder &b, Location l, const Phases &p, Value batch) {
  Value images = cst(b, l, p.n * p.groups);
  return {unflatten(b, l, arith::DivUIOp::create(b, l, batch, images),
                    p.stride),
          arith::RemUIOp::create(
              b, l, arith::DivUIOp::create(b, l, batch, cst(b, l, p.groups)),
              cst(b, l, p.n)),
          arith::RemUIOp::create(b, l, batch, cst(b, l, p.groups))};
}

/// The input channel and the tap per spatial dim of reduction index k =
/// channel-in-group * taps + tap, for batch `batch`.
struct ReductionIndex {
  Value channel;
  SmallVector<Value> tap;
};
ReductionIndex splitReduction(OpBuilder &b, Location l, const Phases &p,
                              const BatchIndex &batch, Value k) {
  Value window = cst(b, l, p.window);
  return {arith::AddIOp::create(
              b, l, arith::MulIOp::create(b, l, batch.group, cst(b, l, p.cg)),
              arith::DivUIOp::create(b, l, k, window)),
          unflatten(b, l, arith::RemUIOp::create(b, l, k, window), p.taps)};
}

/// phase + padding in spatial dim d: divided by the stride, the input
/// offset of the phase's first tap; its remainder, the first kernel tap.
Value shiftedPhase(OpBuilder &b, Location l, const Phases &p,
                   const BatchIndex &batch, size_t d) {
  return arith::AddIOp::create(b, l, batch.phase[d], cst(b, l, p.padding[d]));
}

/// The im2col matrix of every phase, [P*N*G, C/G * taps, outputs per
/// phase]: the element of tap t of phase output m is input position m +
/// floor((phase + padding) / s) - t (bounds-checked) of channel c.
Value phaseIm2col(PatternRewriter &rewriter, Location loc, ConvTransposeOp op,
                  const Phases &p) {
  auto inputType = cast<RankedTensorType>(op.getInput().getType());
  auto colsType = inputType.clone(
      {p.phases * p.n * p.groups, p.cg * p.window, p.pixels});
  return buildParallelGeneric(
      rewriter, loc, colsType, {}, {},
      [&](OpBuilder &b, Location l, ValueRange) {
        BatchIndex batch = splitBatch(b, l, p, linalg::IndexOp::create(b, l, 0));
        ReductionIndex k =
            splitReduction(b, l, p, batch, linalg::IndexOp::create(b, l, 1));
        SmallVector<Value> m =
            unflatten(b, l, linalg::IndexOp::create(b, l, 2), p.perPhase);
        SmallVector<WindowPosition> positions;
        for (size_t d = 0; d < p.rank(); ++d) {
          Value base = arith::DivUIOp::create(
              b, l, shiftedPhase(b, l, p, batch, d), cst(b, l, p.stride[d]));
          Value pos = arith::SubIOp::create(
              b, l, arith::AddIOp::create(b, l, m[d], base), k.tap[d]);
          positions.push_back({pos, inRange(b, l, pos, p.input[d])});
        }
        Value zero = arith::ConstantOp::create(
            b, l, b.getFloatAttr(inputType.getElementType(), 0.0));
        return gatherOrFill(b, l, op.getInput(), {batch.image, k.channel},
                            positions, zero);
      });
}

/// The weight of every phase, [P*N*G, F/G, C/G * taps]: tap t of phase
/// phase is kernel tap (phase + padding) mod s + t * s of weight [C, F/G,
/// k...], or 0 past the kernel.
Value phaseWeight(PatternRewriter &rewriter, Location loc, ConvTransposeOp op,
                  const Phases &p) {
  auto weightType = cast<RankedTensorType>(op.getWeight().getType());
  auto type = weightType.clone(
      {p.phases * p.n * p.groups, p.fg, p.cg * p.window});
  return buildParallelGeneric(
      rewriter, loc, type, {}, {}, [&](OpBuilder &b, Location l, ValueRange) {
        BatchIndex batch = splitBatch(b, l, p, linalg::IndexOp::create(b, l, 0));
        ReductionIndex k =
            splitReduction(b, l, p, batch, linalg::IndexOp::create(b, l, 2));
        SmallVector<WindowPosition> positions;
        for (size_t d = 0; d < p.rank(); ++d) {
          Value stride = cst(b, l, p.stride[d]);
          Value first = arith::RemUIOp::create(
              b, l, shiftedPhase(b, l, p, batch, d), stride);
          Value kernelTap = arith::AddIOp::create(
              b, l, first, arith::MulIOp::create(b, l, k.tap[d], stride));
          positions.push_back(
              {kernelTap, inRange(b, l, kernelTap, p.kernel[d])});
        }
        Value zero = arith::ConstantOp::create(
            b, l, b.getFloatAttr(weightType.getElementType(), 0.0));
        return gatherOrFill(b, l, op.getWeight(),
                            {k.channel, linalg::IndexOp::create(b, l, 1)},
                            positions, zero);
      });
}

/// The output [N, F, out...] gathered from the phases' f32 results `acc`
/// [P*N*G, F/G, outputs per phase]: output o is phase o mod s, position o
/// / s; plus the bias, narrowed once.
Value interleavePhases(PatternRewriter &rewriter, Location loc,
                       ConvTransposeOp op, const Phases &p, Value acc) {
  RankedTensorType resultType = op.getType();
  MLIRContext *ctx = rewriter.getContext();
  int64_t rank = resultType.getRank();
  SmallVector<Value> inputs;
  SmallVector<AffineMap> maps;
  if (Value bias = op.getBias()) {
    inputs.push_back(bias);
    maps.push_back(AffineMap::get(rank, 0, {getAffineDimExpr(1, ctx)}, ctx));
  }
  return buildParallelGeneric(
      rewriter, loc, resultType, inputs, maps,
      [&](OpBuilder &b, Location l, ValueRange args) {
        Value f = linalg::IndexOp::create(b, l, 1);
        Value group = arith::DivUIOp::create(b, l, f, cst(b, l, p.fg));
        Value phase = cst(b, l, 0), position = cst(b, l, 0);
        for (size_t d = 0; d < p.rank(); ++d) {
          Value o = linalg::IndexOp::create(b, l, 2 + d);
          Value s = cst(b, l, p.stride[d]);
          phase = arith::AddIOp::create(
              b, l, arith::MulIOp::create(b, l, phase, s),
              arith::RemUIOp::create(b, l, o, s));
          position = arith::AddIOp::create(
              b, l,
              arith::MulIOp::create(b, l, position, cst(b, l, p.perPhase[d])),
              arith::DivUIOp::create(b, l, o, s));
        }
        // batch = (phase * N + image) * G + group.
        Value batch = arith::AddIOp::create(
            b, l,
            arith::MulIOp::create(
                b, l,
                arith::AddIOp::create(
                    b, l, arith::MulIOp::create(b, l, phase, cst(b, l, p.n)),
                    linalg::IndexOp::create(b, l, 0)),
                cst(b, l, p.groups)),
            group);
        Value value = tensor::ExtractOp::create(
            b, l, acc,
            ValueRange{batch, arith::RemUIOp::create(b, l, f, cst(b, l, p.fg)),
                       position});
        if (op.getBias())
          value = arith::AddFOp::create(b, l, value, widen(b, l, args[0]));
        return narrow(b, l, value, resultType.getElementType());
      });
}

struct SubpixelConvTransposeLowering : OpRewritePattern<ConvTransposeOp> {
  SubpixelConvTransposeLowering(MLIRContext *ctx)
      : OpRewritePattern(ctx, /*benefit=*/3) {}
  LogicalResult matchAndRewrite(ConvTransposeOp op,
                                PatternRewriter &rewriter) const override {
    auto one = [](int64_t v) { return v == 1; };
    if (!llvm::all_of(op.getDilation(), one))
      return rewriter.notifyMatchFailure(op, "dilated: taps of a phase are "
                                             "not evenly spaced");
    if (llvm::all_of(op.getStride(), one))
      return rewriter.notifyMatchFailure(op, "stride 1: one phase");
    Phases p(op);
    if (!hasImplicitGemmRows(p.fg))
      return rewriter.notifyMatchFailure(op, "too few output channels per "
                                             "group for a matmul");
    Location loc = op.getLoc();
    Value weight = phaseWeight(rewriter, loc, op, p);
    Value cols = phaseIm2col(rewriter, loc, op, p);
    Value acc = filledF32Tensor(
        rewriter, loc, {p.phases * p.n * p.groups, p.fg, p.pixels}, 0.0);
    acc = linalg::BatchMatmulOp::create(rewriter, loc, TypeRange{acc.getType()},
                                        ValueRange{weight, cols},
                                        ValueRange{acc})
              .getResult(0);
    rewriter.replaceOp(op, interleavePhases(rewriter, loc, op, p, acc));
    return success();
  }
};

} // namespace

void mlir::kgen::detail::populateSubpixelConvTransposePatterns(
    RewritePatternSet &patterns) {
  patterns.add<SubpixelConvTransposeLowering>(patterns.getContext());
}
