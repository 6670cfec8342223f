//===- ForwardAccumulatorFills.cpp - accumulators start in registers ------===//
//
// After kgen-hoist-accumulators a staged gemm's accumulator tile in shared
// memory is used at three moments: every thread writes its part of the
// fill (zeros), then, after a barrier, loads its accumulators from it into
// registers ahead of the reduction loop; after the loop it stores them
// back for the epilogue. The round trip before the loop only moves a
// constant: the loads become that constant and the fill goes, so the tile
// is untouched until the loop ends. Its shared memory is then free during
// the loop, and kgen-use-dynamic-shared-memory places it over the
// operands' staging buffers, which are dead after the loop.
//
// A reduction of one step (K = 64 under wgmma) leaves no loop: the
// first store after the loads then marks where the write-back starts.
//
// The fill may go only if the stores after the loop write every place it
// wrote. Both are per-thread fragments of the root's output tile (a fill
// covers it, and GPU mapping takes no partial tiles, so the accumulators
// cover it too), each place written by one thread: the rewrite is made
// when each thread stores as many elements after the loop as it filled,
// and the buffer is left alone otherwise.
//
//===----------------------------------------------------------------------===//

#include "kgen/Conversion/Passes.h"
#include "kgen/Support/Divisibility.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::kgen {
#define GEN_PASS_DEF_FORWARDACCUMULATORFILLSPASS
#include "kgen/Conversion/Passes.h.inc"
} // namespace mlir::kgen

using namespace mlir;

namespace {

/// The elements one access of a buffer touches.
int64_t elementsOf(Type accessed) {
  auto vector = dyn_cast<VectorType>(accessed);
  return vector ? vector.getNumElements() : 1;
}

/// A top-level access of one workgroup buffer, through its views.
struct BufferUses {
  SmallVector<Operation *> loads, stores;
  /// Elements each kind touches, per thread.
  int64_t loaded = 0, stored = 0;
  bool other = false; // a use that is neither (a nested or unknown one)
};

/// A transfer that touches every element of its vector: unmasked and in
/// bounds (an out-of-bounds read gives its padding, a write skips).
bool touchesAll(VectorTransferOpInterface transfer) {
  if (transfer.getMask())
    return false;
  for (unsigned d = 0, e = transfer.getTransferRank(); d < e; ++d)
    if (!transfer.isDimInBounds(d))
      return false;
  return true;
}

/// The value a store of the buffer writes, if `op` is one that writes
/// every element it names.
Value storedValue(Operation *op) {
  if (auto s = dyn_cast<memref::StoreOp>(op))
    return s.getValueToStore();
  if (auto s = dyn_cast<vector::StoreOp>(op))
    return s.getValueToStore();
  if (auto s = dyn_cast<vector::TransferWriteOp>(op))
    return touchesAll(s) ? s.getVector() : Value();
  return {};
}

bool isLoad(Operation *op) {
  if (auto read = dyn_cast<vector::TransferReadOp>(op))
    return touchesAll(read);
  return isa<memref::LoadOp, vector::LoadOp>(op);
}

/// The uses of `buffer` (and its views) in `block`, split at `split` (the
/// reduction loop, or the first write-back): those before it and those
/// from it on. A use inside the loop, in a nested region, or of another
/// kind marks `other`.
void collect(Value buffer, Block &block, Operation *split, BufferUses &before,
             BufferUses &after) {
  kgen::visitViewUsers(buffer, [&](Operation *user, Value) {
    bool atTop = user->getBlock() == &block &&
                 !(isa<scf::ForOp>(split) && user == split);
    BufferUses &side = atTop && user->isBeforeInBlock(split) ? before : after;
    if (!atTop) {
      before.other = true;
    } else if (isLoad(user)) {
      side.loads.push_back(user);
      side.loaded += elementsOf(user->getResult(0).getType());
    } else if (Value stored = storedValue(user)) {
      side.stores.push_back(user);
      side.stored += elementsOf(stored.getType());
    } else {
      side.other = true;
    }
    return true;
  });
}

/// The constant every store in `stores` writes, if they all write one.
Attribute commonConstant(ArrayRef<Operation *> stores) {
  Attribute common;
  for (Operation *store : stores) {
    Attribute value;
    if (!matchPattern(storedValue(store), m_Constant(&value)))
      return {};
    if (auto splat = dyn_cast<SplatElementsAttr>(value))
      value = splat.getSplatValue<Attribute>();
    // One scalar for every place (a vector of different values is not).
    if (!isa<IntegerAttr, FloatAttr>(value) || (common && common != value))
      return {};
    common = value;
  }
  return common;
}

/// Where the uses of `buffer` split in a launch without a reduction loop
/// (a reduction of one step, as a head dimension of 64 is for wgmma): the
/// first top-level store after its first top-level load, which writes
/// back accumulators computed in straight-line code; null if none.
Operation *firstStoreAfterLoad(Value buffer, Block &block) {
  Operation *firstLoad = nullptr;
  SmallVector<Operation *> stores;
  kgen::visitViewUsers(buffer, [&](Operation *user, Value) {
    if (user->getBlock() != &block)
      return true;
    if (isLoad(user) && (!firstLoad || user->isBeforeInBlock(firstLoad)))
      firstLoad = user;
    else if (storedValue(user))
      stores.push_back(user);
    return true;
  });
  Operation *split = nullptr;
  for (Operation *store : stores)
    if (firstLoad && firstLoad->isBeforeInBlock(store) &&
        (!split || store->isBeforeInBlock(split)))
      split = store;
  return split;
}

/// Replaces the loads before `split` of a buffer filled with a constant by
/// that constant and removes the fill, when the stores from `split` on
/// rewrite every place. Returns whether it changed anything.
bool forward(RewriterBase &rewriter, Value buffer, Operation *split) {
  BufferUses before, after;
  collect(buffer, *split->getBlock(), split, before, after);
  if (before.other || after.other || before.loads.empty() ||
      before.stores.empty() || (!after.loads.empty() && after.stores.empty()))
    return false;
  // Loads after every fill store: they read the constant. After the loop,
  // every store before any load: no place is read before it is rewritten.
  for (Operation *load : before.loads)
    for (Operation *store : before.stores)
      if (load->isBeforeInBlock(store))
        return false;
  for (Operation *load : after.loads)
    for (Operation *store : after.stores)
      if (load->isBeforeInBlock(store))
        return false;
  auto constant = dyn_cast_or_null<TypedAttr>(commonConstant(before.stores));
  if (!constant || after.stored != before.stored)
    return false;
  for (Operation *load : before.loads) {
    rewriter.setInsertionPoint(load);
    Type type = load->getResult(0).getType();
    Attribute value = constant;
    if (auto vector = dyn_cast<VectorType>(type))
      value = SplatElementsAttr::get(vector, constant);
    rewriter.replaceOpWithNewOp<arith::ConstantOp>(load, cast<TypedAttr>(value));
  }
  for (Operation *store : before.stores)
    rewriter.eraseOp(store);
  return true;
}

struct ForwardAccumulatorFillsPass
    : public kgen::impl::ForwardAccumulatorFillsPassBase<
          ForwardAccumulatorFillsPass> {
  using ForwardAccumulatorFillsPassBase::ForwardAccumulatorFillsPassBase;

  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    getOperation().walk([&](gpu::LaunchOp launch) {
      Block &body = launch.getBody().front();
      SmallVector<scf::ForOp> loops(body.getOps<scf::ForOp>());
      if (loops.size() > 1)
        return;
      for (BlockArgument buffer : launch.getWorkgroupAttributions()) {
        Operation *split = loops.empty() ? firstStoreAfterLoad(buffer, body)
                                         : loops.front().getOperation();
        if (split)
          forward(rewriter, buffer, split);
      }
    });
  }
};

} // namespace
