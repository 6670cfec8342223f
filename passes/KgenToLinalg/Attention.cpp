//===- Attention.cpp - scaled dot-product attention to linalg -------------===//
//
// The explicit form, in the order a fused kernel computes it: Kᵀ, the
// scores Q·Kᵀ as a batched matmul accumulated in f32, the scaled and masked
// scores and their softmax in f32 (the scores are never rounded to the
// element type: stored as bf16 they cost a few percent on the largest
// probabilities), the probabilities rounded to the element type, and their
// batched product with V. A causal mask is computed from the loop indices,
// not stored. A query whose keys are all masked gets zeros, as PyTorch's
// scaled_dot_product_attention gives it (not softmax's NaN). Kernel
// formation makes four kernels of it today; the fused online-softmax
// kernel is the next step.
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

/// `t` ([..., A, B]) with its batch dimensions collapsed: [batch, A, B].
Value asBatched(OpBuilder &b, Location loc, Value t, int64_t batch) {
  auto type = cast<RankedTensorType>(t.getType());
  ArrayRef<int64_t> shape = type.getShape();
  return reshapeTensor(b, loc, t,
                       type.clone({batch, shape[shape.size() - 2],
                                   shape.back()}));
}

/// The batched product lhs · rhs ([batch, M, K] · [batch, K, N]), in f32.
Value batchedProduct(OpBuilder &b, Location loc, Value lhs, Value rhs) {
  auto l = cast<RankedTensorType>(lhs.getType());
  auto r = cast<RankedTensorType>(rhs.getType());
  Value acc = filledF32Tensor(
      b, loc, {l.getDimSize(0), l.getDimSize(1), r.getDimSize(2)}, 0.0);
  return linalg::BatchMatmulOp::create(b, loc, TypeRange{acc.getType()},
                                       ValueRange{lhs, rhs}, ValueRange{acc})
      .getResult(0);
}

/// The mask as an operand of the batched scores [batch, L, S]: without
/// batch dimensions ([L, S], broadcast over the batch) or with all of them
/// (collapsed like the scores'); a mask broadcast over some batch
/// dimensions only is first expanded to the scores' full shape.
Value batchedMask(OpBuilder &b, Location loc, Value mask,
                  ArrayRef<int64_t> scoresShape, int64_t batch) {
  auto type = cast<RankedTensorType>(mask.getType());
  int64_t rank = scoresShape.size();
  SmallVector<int64_t> full(rank - type.getRank(), 1);
  llvm::append_range(full, type.getShape());
  ArrayRef<int64_t> batchDims = ArrayRef<int64_t>(full).drop_back(2);
  ArrayRef<int64_t> rows = ArrayRef<int64_t>(full).take_back(2);
  if (llvm::all_of(batchDims, [](int64_t d) { return d == 1; }))
    return reshapeTensor(b, loc, mask, type.clone(rows));
  if (batchDims == scoresShape.drop_back(2))
    return reshapeTensor(b, loc, mask,
                         type.clone({batch, rows[0], rows[1]}));
  Value expanded = buildElementwise(
      b, loc, type.clone(scoresShape), {mask},
      [](OpBuilder &, Location, ValueRange args) { return args[0]; });
  return reshapeTensor(
      b, loc, expanded,
      type.clone({batch, scoresShape[rank - 2], scoresShape[rank - 1]}));
}

/// The scaled scores [batch, L, S] plus the mask, or with the keys after
/// each query set to -inf when causal: f32 logits.
Value logits(OpBuilder &b, Location loc, AttentionOp op, Value scores,
             Value mask) {
  auto type = cast<RankedTensorType>(scores.getType());
  SmallVector<Value> operands = {scores};
  if (mask)
    operands.push_back(mask);
  double scale = op.getScale().convertToDouble();
  bool causal = op.getCausal();
  return buildElementwise(
      b, loc, type, operands,
      [&](OpBuilder &nb, Location l, ValueRange args) -> Value {
        Value x = arith::MulFOp::create(nb, l, args[0], f32Const(nb, l, scale));
        if (args.size() > 1)
          x = arith::AddFOp::create(nb, l, x, args[1]);
        if (!causal)
          return x;
        Value query = linalg::IndexOp::create(nb, l, 1);
        Value key = linalg::IndexOp::create(nb, l, 2);
        Value after = arith::CmpIOp::create(nb, l, arith::CmpIPredicate::ugt,
                                            key, query);
        Value ninf =
            f32Const(nb, l, -std::numeric_limits<double>::infinity());
        return arith::SelectOp::create(nb, l, after, ninf, x);
      });
}

/// Everything happens on [batch, L, ...] views, so that the softmax's
/// statistics and its normalization share loops (one kernel).
struct AttentionLowering : OpRewritePattern<AttentionOp> {
  AttentionLowering(MLIRContext *ctx, const KgenToLinalgOptions &options)
      : OpRewritePattern(ctx), options(options) {}
  LogicalResult matchAndRewrite(AttentionOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto qType = cast<RankedTensorType>(op.getQuery().getType());
    auto kType = cast<RankedTensorType>(op.getKey().getType());
    int64_t rank = qType.getRank();
    int64_t batch = ShapedType::getNumElements(qType.getShape().drop_back(2));
    int64_t keys = kType.getDimSize(rank - 2);
    Type elementType = qType.getElementType();

    // Kᵀ as a kernel of its own: the scores' matmul stages both operands.
    // Transposed before its batch dimensions are collapsed, so that it
    // folds into a transpose producing the keys (a head split).
    SmallVector<int64_t> swapLast = llvm::to_vector(llvm::seq<int64_t>(0, rank));
    std::swap(swapLast[rank - 2], swapLast[rank - 1]);
    Value keyT = asBatched(
        rewriter, loc, transposeTensor(rewriter, loc, op.getKey(), swapLast),
        batch);
    Value scores = batchedProduct(
        rewriter, loc, asBatched(rewriter, loc, op.getQuery(), batch), keyT);

    Value mask;
    if (op.getMask()) {
      SmallVector<int64_t> scoresShape(qType.getShape().drop_back());
      scoresShape.push_back(keys);
      mask = batchedMask(rewriter, loc, op.getMask(), scoresShape, batch);
    }
    Value x = logits(rewriter, loc, op, scores, mask);
    Value p = buildSoftmax(
        rewriter, loc, x, 2,
        cast<RankedTensorType>(x.getType()).clone(elementType), options,
        /*isLog=*/false, MaskedRows::Zero);
    Value out = batchedProduct(rewriter, loc, p,
                               asBatched(rewriter, loc, op.getValue(), batch));
    out = finishContraction(
        rewriter, loc, out,
        cast<RankedTensorType>(out.getType()).clone(elementType));
    rewriter.replaceOp(op, reshapeTensor(rewriter, loc, out, op.getType()));
    return success();
  }
  KgenToLinalgOptions options;
};

} // namespace

void mlir::kgen::populateAttentionToLinalgPatterns(
    RewritePatternSet &patterns, const KgenToLinalgOptions &options) {
  patterns.add<AttentionLowering>(patterns.getContext(), options);
}
