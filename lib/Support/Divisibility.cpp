//===- Divisibility.cpp - what index arithmetic proves about offsets ------===//

#include "kgen/Support/Divisibility.h"
#include "kgen/Schedule/SharedMemoryLayout.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "mlir/Interfaces/LoopLikeInterface.h"

using namespace mlir;
using namespace mlir::kgen;

namespace {
int64_t divisorOf(Value v, unsigned depth);
} // namespace

int64_t mlir::kgen::lowestPowerOfTwo(int64_t c) {
  if (c == 0)
    return kUnboundedDivisor;
  // The lowest set bit, computed unsigned (|INT64_MIN| does not fit).
  uint64_t bits = static_cast<uint64_t>(c);
  return std::min<int64_t>(int64_t(1) << std::min(llvm::countr_zero(bits), 30),
                           kUnboundedDivisor);
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
    return constant.isZero()
               ? kUnboundedDivisor
               : std::min<int64_t>(int64_t(1) << std::min<unsigned>(
                                       constant.countr_zero(), 30),
                                   kUnboundedDivisor);
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
  auto staticOffset = [](Value view) {
    SmallVector<int64_t> strides;
    int64_t offset;
    if (failed(cast<MemRefType>(view.getType())
                   .getStridesAndOffset(strides, offset)) ||
        ShapedType::isDynamic(offset))
      return int64_t(1);
    return lowestPowerOfTwo(offset);
  };
  if (auto subview = v.getDefiningOp<memref::SubViewOp>()) {
    SmallVector<int64_t> strides;
    int64_t offset;
    if (failed(cast<MemRefType>(subview.getSource().getType())
                   .getStridesAndOffset(strides, offset)))
      return 1;
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
  if (auto spaceCast = v.getDefiningOp<memref::MemorySpaceCastOp>())
    return offsetDivisor(spaceCast.getSource());
  if (auto castOp = v.getDefiningOp<memref::CastOp>())
    return offsetDivisor(castOp.getSource());
  if (v.getDefiningOp<memref::AllocOp>() || v.getDefiningOp<memref::AllocaOp>())
    return kUnboundedDivisor;
  // A function's buffer arguments and a launch's shared buffers start at
  // their base; other block arguments (loop-carried views) may not.
  if (auto arg = dyn_cast<BlockArgument>(v)) {
    Operation *owner = arg.getOwner()->getParentOp();
    if (arg.getOwner()->isEntryBlock() &&
        (isa<FunctionOpInterface>(owner) || isa<gpu::LaunchOp>(owner)) &&
        cast<MemRefType>(v.getType()).getLayout().isIdentity())
      return kUnboundedDivisor;
  }
  // A view this analysis does not follow: its static offset, if any.
  return staticOffset(v);
}

Value mlir::kgen::viewSource(Value view) {
  Operation *def = view.getDefiningOp();
  if (auto subview = dyn_cast_or_null<memref::SubViewOp>(def))
    return subview.getSource();
  if (auto castOp = dyn_cast_or_null<memref::CastOp>(def))
    return castOp.getSource();
  if (auto spaceCast = dyn_cast_or_null<memref::MemorySpaceCastOp>(def))
    return spaceCast.getSource();
  return {};
}

Value mlir::kgen::viewRoot(Value view) {
  while (Value source = viewSource(view))
    view = source;
  return view;
}

bool mlir::kgen::visitViewUsers(
    Value buffer, llvm::function_ref<bool(Operation *, Value)> visit) {
  SmallVector<Value> work = {buffer};
  while (!work.empty()) {
    Value v = work.pop_back_val();
    for (Operation *user : v.getUsers()) {
      if (user->getNumResults() == 1 && viewSource(user->getResult(0)) == v)
        work.push_back(user->getResult(0));
      else if (!visit(user, v))
        return false;
    }
  }
  return true;
}

int64_t mlir::kgen::sharedBufferAlignment(Operation *scope, int64_t assumed) {
  bool swizzled =
      scope->walk([](NVVM::WgmmaMmaAsyncOp) { return WalkResult::interrupt(); })
          .wasInterrupted();
  return swizzled ? std::max<int64_t>(assumed, kSwizzleAtomBytes) : assumed;
}

int64_t mlir::kgen::baseAlignment(Value view, int64_t assumed) {
  view = viewRoot(view);
  auto type = cast<MemRefType>(view.getType());
  int64_t natural = std::max<int64_t>(1, type.getElementTypeBitWidth() / 8);
  auto fromAttribute = [&](std::optional<uint64_t> alignment) {
    return alignment ? std::min<int64_t>(assumed, *alignment) : natural;
  };
  // Shared buffers become launch attributions, aligned like kernel
  // arguments (kgen-align-kernel-arguments); other allocations get what
  // they ask for, or their elements' alignment.
  bool shared = gpu::GPUDialect::hasWorkgroupMemoryAddressSpace(type);
  if (auto alloc = view.getDefiningOp<memref::AllocOp>())
    return shared ? assumed : fromAttribute(alloc.getAlignment());
  if (auto alloca = view.getDefiningOp<memref::AllocaOp>())
    return fromAttribute(alloca.getAlignment());
  if (auto arg = dyn_cast<BlockArgument>(view);
      arg && arg.getOwner()->isEntryBlock() &&
      isa<FunctionOpInterface, gpu::LaunchOp>(arg.getOwner()->getParentOp()))
    return assumed;
  return natural;
}

int64_t mlir::kgen::rowAlignment(Value view, int64_t assumed) {
  auto type = cast<MemRefType>(view.getType());
  SmallVector<int64_t> strides;
  int64_t offset;
  if (!type.getElementType().isIntOrFloat() ||
      failed(type.getStridesAndOffset(strides, offset)))
    return 0;
  int64_t divisor = offsetDivisor(view);
  for (auto [size, stride] :
       llvm::zip(type.getShape().drop_back(), ArrayRef(strides).drop_back()))
    if (size > 1)
      divisor = std::min(divisor, ShapedType::isDynamic(stride)
                                      ? 1
                                      : lowestPowerOfTwo(stride));
  int64_t elementBytes =
      std::max<int64_t>(1, type.getElementTypeBitWidth() / 8);
  return std::min(times(divisor, elementBytes), baseAlignment(view, assumed));
}
