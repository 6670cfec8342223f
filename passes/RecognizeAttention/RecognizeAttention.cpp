//===- RecognizeAttention.cpp - the written-out form as kgen.attention ----===//
//
// softmax(Q·Kᵀ·scale)·V written out of kgen ops (a model's own attention
// core: matmuls, a transpose, a scaling, a softmax) becomes the one op
// kgen.attention, which keeps the scores and the softmax in f32 and is
// what an attention kernel is formed from.
// The products appear as the importer writes torch.matmul: kgen.matmul on
// matrices, kgen.batch_matmul on a batch, or a batch_matmul between
// reshapes that collapse and restore the batch dimensions.
//
//===----------------------------------------------------------------------===//

#include "kgen/Conversion/Passes.h"
#include "kgen/Dialect/Kgen/KgenOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include <cmath>

namespace mlir::kgen {
#define GEN_PASS_DEF_RECOGNIZEATTENTIONPASS
#include "kgen/Conversion/Passes.h.inc"
} // namespace mlir::kgen

using namespace mlir;
using namespace mlir::kgen;

namespace {

/// The operands of a matrix product lhs · rhs ([..., M, K] · [..., K, N]).
struct Product {
  Value lhs, rhs;
};

/// The only user of `v`, or null.
Operation *soleUser(Value v) {
  return v.hasOneUse() ? *v.getUsers().begin() : nullptr;
}

/// `v` as the input of a kgen.reshape that only collapses leading
/// dimensions of `v`'s into one (keeping the last two), or null.
Value batchCollapsed(Value v) {
  auto reshape = v.getDefiningOp<ReshapeOp>();
  if (!reshape || !reshape.getResult().hasOneUse())
    return {};
  auto from = cast<RankedTensorType>(reshape.getInput().getType());
  auto to = cast<RankedTensorType>(reshape.getType());
  if (to.getRank() != 3 || from.getRank() < 3 ||
      from.getShape().take_back(2) != to.getShape().take_back(2))
    return {};
  return reshape.getInput();
}

/// The product computing `v`, if its operands are tensors of `v`'s rank
/// with `v`'s leading (batch) dimensions.
std::optional<Product> productOf(Value v) {
  Product p;
  Operation *def = v.getDefiningOp();
  if (auto matmul = dyn_cast_or_null<MatmulOp>(def)) {
    p = {matmul.getLhs(), matmul.getRhs()};
  } else if (auto batch = dyn_cast_or_null<BatchMatmulOp>(def)) {
    p = {batch.getLhs(), batch.getRhs()};
  } else if (auto reshape = dyn_cast_or_null<ReshapeOp>(def)) {
    auto inner = reshape.getInput().getDefiningOp<BatchMatmulOp>();
    if (!inner || !inner.getResult().hasOneUse() ||
        reshape.getType().getShape().take_back(2) !=
            inner.getType().getShape().take_back(2))
      return std::nullopt;
    Value lhs = batchCollapsed(inner.getLhs());
    Value rhs = batchCollapsed(inner.getRhs());
    if (!lhs || !rhs)
      return std::nullopt;
    p = {lhs, rhs};
  } else {
    return std::nullopt;
  }
  auto out = cast<RankedTensorType>(v.getType());
  auto lhs = cast<RankedTensorType>(p.lhs.getType());
  auto rhs = cast<RankedTensorType>(p.rhs.getType());
  int64_t rank = out.getRank();
  ArrayRef<int64_t> batch = out.getShape().drop_back(2);
  if (lhs.getRank() != rank || rhs.getRank() != rank ||
      lhs.getShape().drop_back(2) != batch ||
      rhs.getShape().drop_back(2) != batch)
    return std::nullopt;
  return p;
}

/// The tensor whose last two dimensions `v` swaps (kgen.permute), or null.
Value transposedFrom(Value v) {
  auto permute = v.getDefiningOp<PermuteOp>();
  if (!permute || !permute.getResult().hasOneUse())
    return {};
  ArrayRef<int64_t> dims = permute.getDims();
  int64_t rank = dims.size();
  for (int64_t i = 0; i < rank; ++i) {
    int64_t expected = i < rank - 2 ? i : (i == rank - 2 ? rank - 1 : rank - 2);
    if (dims[i] != expected)
      return {};
  }
  return permute.getInput();
}

/// A scalar float constant, or std::nullopt.
std::optional<double> constantScalar(Value v) {
  auto constant = v.getDefiningOp<arith::ConstantOp>();
  auto value = constant ? dyn_cast<FloatAttr>(constant.getValue()) : nullptr;
  if (!value)
    return std::nullopt;
  return value.getValueAsDouble();
}

/// Whether `scale` is one kgen.attention takes: positive and finite.
bool isAttentionScale(double scale) {
  return std::isfinite(scale) && scale > 0;
}

/// The scores `x` is scaled from, with the scale: x = scores * c,
/// c * scores or scores / c for a scalar constant c (1 for the scores
/// themselves), and the scaling op if any; std::nullopt for a scale
/// kgen.attention does not take (zero, negative, not finite).
std::optional<std::tuple<Value, double, Operation *>> unscaled(Value x) {
  std::optional<std::tuple<Value, double, Operation *>> found;
  if (auto mul = x.getDefiningOp<MulOp>()) {
    if (auto c = constantScalar(mul.getRhs()))
      found = {mul.getLhs(), *c, mul};
    else if (auto c = constantScalar(mul.getLhs()))
      found = {mul.getRhs(), *c, mul};
  } else if (auto div = x.getDefiningOp<DivOp>()) {
    if (auto c = constantScalar(div.getRhs()))
      found = {div.getLhs(), 1.0 / *c, div};
  }
  if (!found)
    return std::make_tuple(x, 1.0, nullptr);
  if (!isAttentionScale(std::get<1>(*found)))
    return std::nullopt;
  return found;
}

/// Erases `op` if nothing reads it, then the producers of its operands
/// that this leaves unread: the written-out form, back to the operands the
/// attention op took (which it still reads) and no further.
void eraseDeadChain(Operation *op, RewriterBase &rewriter) {
  if (!op || !isOpTriviallyDead(op))
    return;
  SmallVector<Operation *> producers;
  for (Value operand : op->getOperands())
    producers.push_back(operand.getDefiningOp());
  rewriter.eraseOp(op);
  for (Operation *producer : producers)
    eraseDeadChain(producer, rewriter);
}

/// Rewrites `softmax` and the products around it into kgen.attention
/// when they compute softmax(Q·Kᵀ·scale)·V with no other reader of the
/// intermediates. A mask is not taken: kgen.attention gives a row whose
/// keys are all masked zeros, where the written-out softmax gives NaN (as
/// it does for a row of -inf scores, which only infinite queries or keys
/// make).
LogicalResult recognize(SoftmaxOp softmax, RewriterBase &rewriter) {
  int64_t rank = softmax.getType().getRank();
  if (rank < 2 || static_cast<int64_t>(softmax.getDim()) != rank - 1)
    return failure();
  // Forward: P · V, P read by the product alone.
  Operation *user = soleUser(softmax.getResult());
  if (!user || !isa<ReshapeOp, MatmulOp, BatchMatmulOp>(user))
    return failure();
  Value out = user->getResult(0);
  if (auto reshape = dyn_cast<ReshapeOp>(user)) {
    Operation *inner = soleUser(reshape.getResult());
    if (!inner || !isa<BatchMatmulOp>(inner) ||
        !inner->getResult(0).hasOneUse())
      return failure();
    out = inner->getResult(0);
    if (isa<ReshapeOp>(*out.getUsers().begin()))
      out = out.getUsers().begin()->getResult(0);
  }
  std::optional<Product> pv = productOf(out);
  if (!pv || pv->lhs != softmax.getResult())
    return failure();
  // Backward: the scaled scores Q · Kᵀ.
  auto scaled = unscaled(softmax.getInput());
  if (!scaled)
    return failure();
  auto [scores, scale, scaling] = *scaled;
  if (scaling && !scaling->getResult(0).hasOneUse())
    return failure();
  std::optional<Product> qk = productOf(scores);
  if (!qk || !scores.hasOneUse())
    return failure();
  Value key = transposedFrom(qk->rhs);
  if (!key)
    return failure();
  Type element = softmax.getType().getElementType();
  for (Value v : {qk->lhs, key, pv->rhs})
    if (cast<RankedTensorType>(v.getType()).getElementType() != element)
      return failure();
  rewriter.setInsertionPointAfterValue(out);
  auto attention = AttentionOp::create(
      rewriter, softmax.getLoc(), out.getType(), qk->lhs, key, pv->rhs,
      /*mask=*/Value(), rewriter.getF64FloatAttr(scale), /*causal=*/nullptr);
  Operation *written = out.getDefiningOp();
  rewriter.replaceAllUsesWith(out, attention.getResult());
  eraseDeadChain(written, rewriter);
  return success();
}

struct RecognizeAttentionPass final
    : kgen::impl::RecognizeAttentionPassBase<RecognizeAttentionPass> {
  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    SmallVector<SoftmaxOp> candidates;
    getOperation()->walk([&](SoftmaxOp op) { candidates.push_back(op); });
    for (SoftmaxOp softmax : candidates)
      (void)recognize(softmax, rewriter);
  }
};

} // namespace
