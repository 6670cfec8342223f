//===- ElideBarriers.cpp - drop barriers that order nothing ---------------===//
//
// kgen-map-kernels-to-gpu puts a barrier after every thread loop, which is
// what a loop writing workgroup memory for the next one needs. A loop that
// only writes the kernel's outputs needs none, and inside a step loop (a
// normalization's interleaved last pass) its barrier stalls the whole
// block once per step. A barrier is dropped when the accesses that reach
// it since the previous barrier cannot race with any access after it:
// they write no workgroup memory, the global buffers they write are read
// nowhere in the launch and written nowhere else, and nothing after the
// barrier (later in the launch, or in a later step of a loop around it)
// writes what they read. Thread-private buffers do not count.
//
//===----------------------------------------------------------------------===//

#include "kgen/Conversion/Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Interfaces/LoopLikeInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

namespace mlir::kgen {
#define GEN_PASS_DEF_ELIDEBARRIERSPASS
#include "kgen/Conversion/Passes.h.inc"
} // namespace mlir::kgen

using namespace mlir;

namespace {

/// A read or write of a buffer (the value all views of it start from).
struct Access {
  Operation *op;
  Value buffer;
  bool write;
};

Value viewedBuffer(Value v) {
  while (auto view = v.getDefiningOp<ViewLikeOpInterface>())
    v = view.getViewSource();
  return v;
}

bool isWorkgroup(Value buffer) {
  auto type = dyn_cast<MemRefType>(buffer.getType());
  auto space = type ? dyn_cast_or_null<gpu::AddressSpaceAttr>(
                          type.getMemorySpace())
                    : nullptr;
  return space && space.getValue() == gpu::AddressSpace::Workgroup;
}

/// Each thread's own memory: no other thread can see it.
bool isPrivate(Value buffer) {
  return buffer.getDefiningOp<memref::AllocaOp>() != nullptr;
}

/// Appends the buffer accesses of `op` and the ops nested in it; fails on
/// an effect not on a buffer (a call, or a barrier unless `skipBarriers`).
LogicalResult collectAccesses(Operation *op, SmallVectorImpl<Access> &out,
                              bool skipBarriers = false) {
  WalkResult result = op->walk([&](Operation *nested) {
    if ((skipBarriers && isa<gpu::BarrierOp>(nested)) ||
        nested->hasTrait<OpTrait::IsTerminator>())
      return WalkResult::advance();
    // An op's own effects first: a linalg op on memrefs declares its
    // reads and writes and also has recursive effects (its body's).
    auto iface = dyn_cast<MemoryEffectOpInterface>(nested);
    if (!iface)
      return nested->hasTrait<OpTrait::HasRecursiveMemoryEffects>()
                 ? WalkResult::advance()
                 : WalkResult::interrupt();
    SmallVector<MemoryEffects::EffectInstance> effects;
    iface.getEffects(effects);
    for (const MemoryEffects::EffectInstance &effect : effects) {
      if (isa<MemoryEffects::Allocate, MemoryEffects::Free>(effect.getEffect()))
        continue;
      Value value = effect.getValue();
      if (!value || !isa<MemRefType>(value.getType()))
        return WalkResult::interrupt();
      Value buffer = viewedBuffer(value);
      if (!isPrivate(buffer))
        out.push_back({nested, buffer,
                       isa<MemoryEffects::Write>(effect.getEffect())});
    }
    return WalkResult::advance();
  });
  return failure(result.wasInterrupted());
}

/// Appends the ops before `op` in its block, latest first, back to a
/// barrier; returns whether it reached one or the launch's start (which
/// orders like a barrier).
bool appendBackToBarrier(Operation *op, SmallVectorImpl<Operation *> &ops) {
  for (Operation *prev = op->getPrevNode(); prev; prev = prev->getPrevNode()) {
    if (isa<gpu::BarrierOp>(prev))
      return true;
    ops.push_back(prev);
  }
  return isa<gpu::LaunchOp>(op->getParentOp());
}

/// The ops whose accesses reach `barrier` since the previous barrier, or
/// failure when they cannot be told: the ops since a barrier before it in
/// its block (or since the launch's start); or, for the only barrier of a
/// loop body, the whole body (the next step's ops reach it too) and the
/// ops before the loop since a barrier in the loop's block.
FailureOr<SmallVector<Operation *>> opsReaching(gpu::BarrierOp barrier) {
  SmallVector<Operation *> ops;
  if (appendBackToBarrier(barrier, ops))
    return ops;
  auto loop = dyn_cast<scf::ForOp>(barrier->getParentOp());
  if (!loop)
    return failure();
  ops.clear();
  for (Operation &op : *barrier->getBlock()) {
    if (&op == barrier)
      continue;
    if (op.walk([](gpu::BarrierOp) { return WalkResult::interrupt(); })
            .wasInterrupted())
      return failure();
    ops.push_back(&op);
  }
  if (appendBackToBarrier(loop, ops))
    return ops;
  return failure();
}

/// The loops inside the launch that enclose `barrier`.
SmallVector<Operation *> loopsAround(gpu::BarrierOp barrier) {
  SmallVector<Operation *> loops;
  for (Operation *p = barrier->getParentOp(); p && !isa<gpu::LaunchOp>(p);
       p = p->getParentOp())
    if (isa<LoopLikeOpInterface>(p))
      loops.push_back(p);
  return loops;
}

/// Whether `op` can run after a barrier at position `at` in program order
/// inside `loops` (loopsAround): later in program order, or anywhere in one
/// of those loops, in the loop's next step (the staged copy that
/// overwrites a tile the step before read).
bool runsAfter(Operation *op, unsigned at, ArrayRef<Operation *> loops,
               const DenseMap<Operation *, unsigned> &order) {
  return order.lookup(op) > at ||
         llvm::any_of(loops,
                      [&](Operation *loop) { return loop->isAncestor(op); });
}

/// Whether dropping `barrier` keeps every access of `launch` ordered.
bool ordersNothing(gpu::BarrierOp barrier, ArrayRef<Access> all,
                   const DenseMap<Operation *, unsigned> &order) {
  FailureOr<SmallVector<Operation *>> reaching = opsReaching(barrier);
  if (failed(reaching))
    return false;
  SmallVector<Access> before;
  for (Operation *op : *reaching)
    if (failed(collectAccesses(op, before)))
      return false;
  llvm::SmallPtrSet<Operation *, 32> inBefore;
  for (const Access &a : before)
    inBefore.insert(a.op);
  unsigned at = order.lookup(barrier);
  SmallVector<Operation *> loops = loopsAround(barrier);
  for (const Access &a : before) {
    if (a.write && isWorkgroup(a.buffer))
      return false;
    for (const Access &other : all) {
      if (other.buffer != a.buffer || inBefore.contains(other.op))
        continue;
      // A global buffer written here is touched nowhere else; what is
      // read here is written by nothing after the barrier.
      if (a.write ||
          (other.write && runsAfter(other.op, at, loops, order)))
        return false;
    }
  }
  return true;
}

void elideBarriers(gpu::LaunchOp launch) {
  DenseMap<Operation *, unsigned> order;
  SmallVector<gpu::BarrierOp> barriers;
  launch.getBody().walk<WalkOrder::PreOrder>([&](Operation *op) {
    order[op] = order.size();
    if (auto barrier = dyn_cast<gpu::BarrierOp>(op))
      barriers.push_back(barrier);
  });
  SmallVector<Access> all;
  // Accesses that cannot be told apart keep every barrier.
  for (Operation &op : launch.getBody().front())
    if (failed(collectAccesses(&op, all, /*skipBarriers=*/true)))
      return;
  for (gpu::BarrierOp barrier : barriers)
    if (ordersNothing(barrier, all, order))
      barrier->erase();
}

struct ElideBarriersPass final
    : kgen::impl::ElideBarriersPassBase<ElideBarriersPass> {
  void runOnOperation() override {
    getOperation()->walk([](gpu::LaunchOp launch) { elideBarriers(launch); });
  }
};

} // namespace
