//===- Divisibility.cpp - what index arithmetic proves about offsets ------===//

#include "kgen/Support/Divisibility.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Interfaces/LoopLikeInterface.h"

using namespace mlir;
using namespace mlir::kgen;

namespace {
int64_t divisorOf(Value v, unsigned depth);
} // namespace

int64_t mlir::kgen::lowestPowerOfTwo(int64_t c) {
  if (c == 0)
    return kUnboundedDivisor;
  c = c < 0 ? -c : c;
  return std::min(c & -c, kUnboundedDivisor);
}

namespace {
int64_t times(int64_t a, int64_t b) {
  return a >= kUnboundedDivisor / b ? kUnboundedDivisor : a * b;
}

int64_t exprDivisor(AffineExpr expr, ValueRange dims, ValueRange symbols,
                    unsigned depth) {
  if (auto c = dyn_cast<AffineConstantExpr>(expr))
    return lowestPowerOfTwo(c.getValue());
  if (auto d = dyn_cast<AffineDimExpr>(expr))
    return divisorOf(dims[d.getPosition()], depth + 1);
  if (auto s = dyn_cast<AffineSymbolExpr>(expr))
    return divisorOf(symbols[s.getPosition()], depth + 1);
  auto bin = cast<AffineBinaryOpExpr>(expr);
  int64_t lhs = exprDivisor(bin.getLHS(), dims, symbols, depth);
  switch (expr.getKind()) {
  case AffineExprKind::Add:
    return std::min(lhs, exprDivisor(bin.getRHS(), dims, symbols, depth));
  case AffineExprKind::Mul:
    return times(lhs, exprDivisor(bin.getRHS(), dims, symbols, depth));
  case AffineExprKind::Mod:
    // a mod c = a - c * (a floordiv c).
    return std::min(lhs, exprDivisor(bin.getRHS(), dims, symbols, depth));
  default: // floordiv, ceildiv
    return 1;
  }
}

int64_t divisorOf(Value v, unsigned depth) {
  if (depth > 16)
    return 1;
  APInt constant;
  if (matchPattern(v, m_ConstantInt(&constant)))
    return lowestPowerOfTwo(constant.getSExtValue());
  if (auto arg = dyn_cast<BlockArgument>(v)) {
    Operation *owner = arg.getOwner()->getParentOp();
    if (auto loop = dyn_cast<LoopLikeOpInterface>(owner)) {
      std::optional<SmallVector<Value>> ivs = loop.getLoopInductionVars();
      std::optional<SmallVector<OpFoldResult>> lbs = loop.getLoopLowerBounds();
      std::optional<SmallVector<OpFoldResult>> steps = loop.getLoopSteps();
      if (!ivs || !lbs || !steps)
        return 1;
      for (auto [iv, lb, step] : llvm::zip(*ivs, *lbs, *steps)) {
        if (iv != v)
          continue;
        auto divisor = [&](OpFoldResult r) {
          if (std::optional<int64_t> c = getConstantIntValue(r))
            return lowestPowerOfTwo(*c);
          return divisorOf(cast<Value>(r), depth + 1);
        };
        return std::min(divisor(lb), divisor(step));
      }
    }
    return 1;
  }
  Operation *op = v.getDefiningOp();
  if (auto apply = dyn_cast<affine::AffineApplyOp>(op)) {
    AffineMap map = apply.getAffineMap();
    return exprDivisor(map.getResult(0),
                       apply.getOperands().take_front(map.getNumDims()),
                       apply.getOperands().drop_front(map.getNumDims()), depth);
  }
  if (isa<arith::AddIOp, arith::SubIOp>(op))
    return std::min(divisorOf(op->getOperand(0), depth + 1),
                    divisorOf(op->getOperand(1), depth + 1));
  if (isa<arith::MulIOp>(op))
    return times(divisorOf(op->getOperand(0), depth + 1),
                 divisorOf(op->getOperand(1), depth + 1));
  if (isa<arith::IndexCastOp, arith::IndexCastUIOp>(op))
    return divisorOf(op->getOperand(0), depth + 1);
  return 1;
}

} // namespace

int64_t mlir::kgen::knownDivisor(Value v) { return divisorOf(v, 0); }

int64_t mlir::kgen::offsetDivisor(Value v) {
  if (auto subview = v.getDefiningOp<memref::SubViewOp>()) {
    auto sourceType = cast<MemRefType>(subview.getSource().getType());
    auto [strides, offset] = sourceType.getStridesAndOffset();
    (void)offset;
    int64_t divisor = offsetDivisor(subview.getSource());
    for (auto [i, o] : llvm::enumerate(subview.getMixedOffsets())) {
      std::optional<int64_t> c = getConstantIntValue(o);
      int64_t index = c ? lowestPowerOfTwo(*c) : knownDivisor(cast<Value>(o));
      int64_t stride =
          ShapedType::isDynamic(strides[i]) ? 1 : lowestPowerOfTwo(strides[i]);
      if (index != kUnboundedDivisor)
        divisor = std::min(divisor, times(index, stride));
    }
    return divisor;
  }
  if (auto cast = v.getDefiningOp<memref::MemorySpaceCastOp>())
    return offsetDivisor(cast.getSource());
  if (auto cast = v.getDefiningOp<memref::CastOp>())
    return offsetDivisor(cast.getSource());
  if (isa<BlockArgument>(v) || v.getDefiningOp<memref::AllocOp>() ||
      v.getDefiningOp<memref::AllocaOp>())
    return kUnboundedDivisor;
  // A view this analysis does not follow: its static offset, if any.
  auto [strides, offset] = cast<MemRefType>(v.getType()).getStridesAndOffset();
  (void)strides;
  return ShapedType::isDynamic(offset) ? 1 : lowestPowerOfTwo(offset);
}
