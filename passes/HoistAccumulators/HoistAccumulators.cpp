//===- HoistAccumulators.cpp - accumulators in registers across steps -----===//
//
// A staged gemm's reduction loop runs around its thread (warp, warpgroup)
// loops, so each step loads every thread's accumulators from shared memory
// and stores them back: 2 x 16 KB of shared-memory traffic per 64x64 tile
// and step, more than the tensor cores need for the step itself. Once
// kgen-map-kernels-to-gpu has made the loop straight-line per-thread code,
// those loads and stores are loop-invariant places each thread reads and
// then writes: they become values the loop carries (registers), loaded
// once before the loop and stored once after it.
//
// For each scf.for directly in a gpu.launch body, after loop-invariant
// code motion and CSE of its address arithmetic: a buffer qualifies when
// everything in the loop that uses it (or a view of it) is a load or store
// at the top of the loop body, at loop-invariant indices, each place
// loaded once before it is stored once. Its places are loaded before the
// loop (after the barrier that follows the accumulator's fill) and stored
// after it, then a barrier, since other threads read the finished
// accumulator next. Anything else leaves the loop as it is.
//
// The places are a thread's own: two threads loading and storing one place
// in the same step, with no barrier between, would already race.
//
//===----------------------------------------------------------------------===//

#include "kgen/Conversion/Passes.h"
#include "kgen/Support/Divisibility.h"

#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/Dominance.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/LoopLikeInterface.h"
#include "mlir/Transforms/CSE.h"
#include "mlir/Transforms/LoopInvariantCodeMotionUtils.h"

namespace mlir::kgen {
#define GEN_PASS_DEF_HOISTACCUMULATORSPASS
#include "kgen/Conversion/Passes.h.inc"
} // namespace mlir::kgen

using namespace mlir;

namespace {

/// A load or store of one place: the memref, its indices, the type
/// accessed (a vector type for vector accesses), and a store's value.
struct Access {
  Operation *op;
  Value memref;
  SmallVector<Value> indices;
  Type type;
  bool isLoad;
  Value stored = {};
};

Access loadOf(Operation *op, Value memref, ValueRange indices, Type type) {
  return Access{op, memref, llvm::to_vector(indices), type, true};
}

Access storeOf(Operation *op, Value memref, ValueRange indices, Value stored) {
  return Access{op, memref, llvm::to_vector(indices), stored.getType(), false,
                stored};
}

/// An in-bounds, unmasked 1-D transfer along the innermost dimension
/// touches the same places as a vector.load or vector.store.
std::optional<Access> asTransfer(Operation *op) {
  auto transfer = dyn_cast<VectorTransferOpInterface>(op);
  if (!transfer || transfer.getMask() ||
      transfer.getVectorType().getRank() != 1 ||
      !transfer.getPermutationMap().isMinorIdentity() ||
      !transfer.isDimInBounds(0) || !isa<MemRefType>(transfer.getShapedType()))
    return std::nullopt;
  if (auto read = dyn_cast<vector::TransferReadOp>(op))
    return loadOf(op, read.getBase(), read.getIndices(), read.getVectorType());
  auto write = cast<vector::TransferWriteOp>(op);
  return storeOf(op, write.getBase(), write.getIndices(), write.getVector());
}

std::optional<Access> asAccess(Operation *op) {
  if (auto load = dyn_cast<memref::LoadOp>(op))
    return loadOf(op, load.getMemRef(), load.getIndices(), load.getType());
  if (auto store = dyn_cast<memref::StoreOp>(op))
    return storeOf(op, store.getMemRef(), store.getIndices(),
                   store.getValueToStore());
  // 1-D vectors only: `disjoint` reasons about a run of the innermost
  // dimension.
  if (isa<vector::LoadOp, vector::StoreOp>(op) &&
      cast<VectorType>(isa<vector::LoadOp>(op) ? op->getResult(0).getType()
                                               : op->getOperand(0).getType())
              .getRank() != 1)
    return std::nullopt;
  if (auto load = dyn_cast<vector::LoadOp>(op))
    return loadOf(op, load.getBase(), load.getIndices(), load.getVectorType());
  if (auto store = dyn_cast<vector::StoreOp>(op))
    return storeOf(op, store.getBase(), store.getIndices(),
                   store.getValueToStore());
  return asTransfer(op);
}

bool samePlace(const Access &a, const Access &b) {
  return a.memref == b.memref && a.indices == b.indices && a.type == b.type;
}

/// `v` as a base value plus a constant (through arith.addi of constants);
/// a null base for a constant.
std::pair<Value, int64_t> splitConstant(Value v) {
  int64_t constant = 0;
  while (true) {
    if (std::optional<int64_t> c = getConstantIntValue(v))
      return {Value(), constant + *c};
    auto add = v.getDefiningOp<arith::AddIOp>();
    if (!add)
      return {v, constant};
    if (std::optional<int64_t> c = getConstantIntValue(add.getRhs())) {
      constant += *c;
      v = add.getLhs();
    } else if (std::optional<int64_t> c = getConstantIntValue(add.getLhs())) {
      constant += *c;
      v = add.getRhs();
    } else {
      return {v, constant};
    }
  }
}

/// Whether two accesses of one view and one type provably touch different
/// elements: in some dimension their indices are one base plus constants
/// further apart than the access is wide there.
bool disjoint(const Access &a, const Access &b) {
  int64_t width = 1;
  if (auto vector = dyn_cast<VectorType>(a.type))
    width = vector.getNumElements();
  for (size_t d = 0; d < a.indices.size(); ++d) {
    auto [baseA, offsetA] = splitConstant(a.indices[d]);
    auto [baseB, offsetB] = splitConstant(b.indices[d]);
    int64_t apart = d + 1 == a.indices.size() ? width : 1;
    if (baseA == baseB && std::abs(offsetA - offsetB) >= apart)
      return true;
  }
  return false;
}

/// The loads and stores of one buffer that can become loop-carried
/// values: pairs (load, store) of the same place.
using Pairs = SmallVector<std::pair<Access, Access>>;

/// Whether `root`'s uses in `loop` are all such pairs; fills `pairs`.
bool collectPairs(scf::ForOp loop, Value root, Pairs &pairs) {
  Block *body = loop.getBody();
  SmallVector<Access> loads, stores;
  // A view's uses count as the buffer's.
  bool onlyAccesses = kgen::visitViewUsers(root, [&](Operation *user, Value v) {
    // Any other alias (a reshape, a select of buffers), wherever it is
    // made, could be read or written in the loop unseen.
    if (llvm::any_of(user->getResultTypes(), llvm::IsaPred<BaseMemRefType>))
      return false;
    if (!loop->isAncestor(user))
      return true;
    std::optional<Access> access = asAccess(user);
    if (!access || user->getBlock() != body || access->memref != v)
      return false;
    (access->isLoad ? loads : stores).push_back(*access);
    return true;
  });
  if (!onlyAccesses || loads.empty() || loads.size() != stores.size())
    return false;
  // One view and one access type: then places with provably different
  // indices do not overlap (see disjoint).
  for (const Access &a : llvm::concat<const Access>(loads, stores))
    if (a.memref != loads.front().memref || a.type != loads.front().type)
      return false;
  // In program order (use lists are not).
  llvm::sort(loads, [](const Access &a, const Access &b) {
    return a.op->isBeforeInBlock(b.op);
  });
  // Loop-invariant places, each loaded before it is stored.
  auto invariant = [&](const Access &a) {
    return loop.isDefinedOutsideOfLoop(a.memref) &&
           llvm::all_of(a.indices, [&](Value i) {
             return loop.isDefinedOutsideOfLoop(i);
           });
  };
  Operation *firstStore = nullptr, *lastStore = nullptr;
  for (const Access &s : stores) {
    if (!firstStore || s.op->isBeforeInBlock(firstStore))
      firstStore = s.op;
    if (!lastStore || lastStore->isBeforeInBlock(s.op))
      lastStore = s.op;
  }
  // A barrier between a thread's load and store of a place would let
  // another thread take the place over in between.
  for (Operation *op = loads.front().op; op != lastStore;
       op = op->getNextNode())
    if (isa<gpu::BarrierOp>(op))
      return false;
  for (const Access &load : loads) {
    if (!invariant(load) || !load.op->isBeforeInBlock(firstStore))
      return false;
    const Access *match = nullptr;
    for (const Access &s : stores)
      if (samePlace(load, s)) {
        if (match)
          return false; // stored twice
        match = &s;
      }
    if (!match)
      return false;
    for (const auto &[other, unused] : pairs)
      if (!disjoint(load, other))
        return false; // the same place twice, or places that may overlap
    pairs.push_back({load, *match});
  }
  return true;
}

/// Carries the pairs' places through `loop`; returns the new loop.
scf::ForOp hoist(RewriterBase &rewriter, scf::ForOp loop, const Pairs &pairs) {
  Location loc = loop.getLoc();
  rewriter.setInsertionPoint(loop);
  // The loads move ahead of the loop's first barrier: the places must be
  // final (the accumulator's fill by other threads) before the loop too.
  if (!isa_and_nonnull<gpu::BarrierOp>(loop->getPrevNode()))
    gpu::BarrierOp::create(rewriter, loc);
  SmallVector<Value> initial;
  for (const auto &[load, store] : pairs)
    initial.push_back(rewriter.clone(*load.op)->getResult(0));
  SmallVector<Value> yielded;
  for (const auto &[load, store] : pairs)
    yielded.push_back(store.stored);
  FailureOr<LoopLikeOpInterface> replaced =
      cast<LoopLikeOpInterface>(loop.getOperation())
          .replaceWithAdditionalYields(
              rewriter, initial, /*replaceInitOperandUsesInLoop=*/false,
              [&](OpBuilder &, Location, ArrayRef<BlockArgument>) {
                return yielded;
              });
  auto newLoop = cast<scf::ForOp>(replaced->getOperation());
  unsigned first = newLoop.getNumResults() - pairs.size();
  rewriter.setInsertionPointAfter(newLoop);
  for (auto [i, pair] : llvm::enumerate(pairs)) {
    Operation *store = rewriter.clone(*pair.second.op);
    store->setOperand(0, newLoop.getResult(first + i));
  }
  for (auto [i, pair] : llvm::enumerate(pairs)) {
    rewriter.replaceAllUsesWith(pair.first.op->getResult(0),
                                newLoop.getRegionIterArgs()[first + i]);
    rewriter.eraseOp(pair.first.op);
    rewriter.eraseOp(pair.second.op);
  }
  // Other threads read the accumulator after the loop.
  gpu::BarrierOp::create(rewriter, loc);
  return newLoop;
}

struct HoistAccumulatorsPass
    : public kgen::impl::HoistAccumulatorsPassBase<HoistAccumulatorsPass> {
  using HoistAccumulatorsPassBase::HoistAccumulatorsPassBase;

  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    SmallVector<gpu::LaunchOp> launches;
    getOperation().walk(
        [&](gpu::LaunchOp launch) { launches.push_back(launch); });
    for (gpu::LaunchOp launch : launches) {
      SmallVector<scf::ForOp> loops;
      for (Operation &op : launch.getBody().front())
        if (auto loop = dyn_cast<scf::ForOp>(op))
          loops.push_back(loop);
      if (loops.empty())
        continue;
      // The places' indices are computed in the loop from thread ids:
      // hoist that arithmetic, then merge what the loads and the stores
      // compute alike.
      for (scf::ForOp loop : loops)
        moveLoopInvariantCode(cast<LoopLikeOpInterface>(loop.getOperation()));
      DominanceInfo dominance(launch);
      eliminateCommonSubExpressions(rewriter, dominance, launch);
      for (scf::ForOp loop : loops) {
        SetVector<Value> roots;
        loop.getBody()->walk([&](Operation *op) {
          if (std::optional<Access> access = asAccess(op))
            roots.insert(kgen::viewRoot(access->memref));
        });
        for (Value root : roots) {
          // Only buffers of the launch (shared memory, arguments): a
          // buffer allocated in the loop is a new one every step.
          if (!loop.isDefinedOutsideOfLoop(root))
            continue;
          Pairs pairs;
          if (collectPairs(loop, root, pairs))
            loop = hoist(rewriter, loop, pairs);
        }
      }
    }
  }
};

} // namespace
