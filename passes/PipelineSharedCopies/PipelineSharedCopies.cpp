//===- PipelineSharedCopies.cpp - multi-buffered cp.async staging ---------===//
//
// A staged reduction loop copies each step's operand tiles into shared
// memory, synchronizes, computes and synchronizes again: the copies' global
// latency is paid in full at every step. With pipeline_depth D the copies
// of step i+D-1 are issued (asynchronously, cp.async) while step i
// computes, into the next of D copies of each shared buffer.
//
// This runs after kgen-map-kernels-to-gpu, on straight-line per-thread
// code, where the barriers are explicit and can be placed exactly:
//
//   prologue:  for j < D-1: issue step j's copies; commit
//   step i:    issue step i+D-1's copies (if it exists); commit
//              wait until at most D-1 groups are pending; barrier
//              compute on buffer i mod D; barrier
//
// A shared buffer gets its D copies as D workgroup attributions of its own
// type, selected by the step index, so no view of it changes type.
//
// Every condition is checked before anything changes. A loop that cannot
// be pipelined (the rungs of the verification ladder run on the CPU, where
// this pass does not) keeps its synchronous copies, with a warning: the
// schedule's depth costs speed, never correctness or the build.
//
//===----------------------------------------------------------------------===//

#include "kgen/Schedule/KernelAttrs.h"
#include "kgen/Conversion/Passes.h"
#include "kgen/Support/Divisibility.h"

#include "mlir/Analysis/SliceAnalysis.h"
#include "mlir/Dialect/NVGPU/Transforms/Transforms.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Transforms/RegionUtils.h"

namespace mlir::kgen {
#define GEN_PASS_DEF_PIPELINESHAREDCOPIESPASS
#include "kgen/Conversion/Passes.h.inc"
} // namespace mlir::kgen

using namespace mlir;

namespace {

bool isWorkgroupMemory(Value memref) {
  return nvgpu::NVGPUDialect::hasSharedMemoryAddressSpace(
      cast<MemRefType>(memref.getType()));
}

/// The buffer `op` stores into, if it is a store.
Value storedBuffer(Operation *op) {
  if (auto copy = dyn_cast<nvgpu::DeviceAsyncCopyOp>(op))
    return copy.getDst();
  if (auto store = dyn_cast<vector::StoreOp>(op))
    return store.getBase();
  if (auto store = dyn_cast<memref::StoreOp>(op))
    return store.getMemRef();
  if (auto write = dyn_cast<vector::TransferWriteOp>(op))
    return write.getBase();
  return {};
}

/// The buffer `op` loads from, if it is a load.
Value loadedBuffer(Operation *op) {
  if (auto copy = dyn_cast<nvgpu::DeviceAsyncCopyOp>(op))
    return copy.getSrc();
  if (auto load = dyn_cast<vector::LoadOp>(op))
    return load.getBase();
  if (auto load = dyn_cast<memref::LoadOp>(op))
    return load.getMemRef();
  if (auto read = dyn_cast<vector::TransferReadOp>(op))
    return read.getBase();
  return {};
}

/// Why a loop is left unpipelined.
struct NotPipelined {
  Operation *at;
  std::string why;
};

/// One marked loop: the analysis, then the rewrite.
class LoopPipeliner {
public:
  LoopPipeliner(scf::ForOp loop, gpu::LaunchOp launch, int64_t depth)
      : loop(loop), launch(launch), depth(depth), body(loop.getBody()) {}

  /// Checks that the loop can be pipelined; changes nothing.
  std::optional<NotPipelined> analyze() {
    collectWrites();
    // The shared buffers the loop fills from global memory, in one walk.
    DenseSet<Value> filled;
    loop.walk([&](Operation *op) {
      if (Value buffer = globalCopyTarget(op))
        filled.insert(buffer);
    });
    for (BlockArgument buffer : launch.getWorkgroupAttributions()) {
      bool inLoop = llvm::all_of(buffer.getUsers(), [&](Operation *user) {
        return loop->isAncestor(user);
      });
      if (inLoop && filled.contains(buffer))
        staged.push_back(buffer);
    }
    if (staged.empty())
      return NotPipelined{loop, "it fills no shared buffer (used only in the "
                                "loop) from global memory"};
    if (std::optional<NotPipelined> failure = collectUnits())
      return failure;
    return collectSlice();
  }

  /// Pipelines the analyzed loop.
  void rewrite();

private:
  // The phases of rewrite(), in order.

  /// Makes the steps' aligned vector copies cp.async and drops the loads
  /// they replace.
  void makeCopiesAsync();
  /// Gives each staged buffer D copies, selected by the step index.
  void multiBuffer();
  /// The barriers in the body with only copies (`stageOps`) or nothing
  /// with effects since the previous one.
  SmallVector<Operation *>
  copyOnlyBarriers(const SetVector<Operation *> &stageOps);
  /// Issues the prologue's steps before the loop, and in the body the step
  /// D-1 ahead, then waits for the current step and synchronizes.
  void issueAhead(ArrayRef<Operation *> ordered);
  /// Erases the synchronous copies, the barriers between them and what
  /// only they used.
  void eraseSynchronousCopies(ArrayRef<Operation *> barriers,
                              ArrayRef<Operation *> ordered);

  /// Issues one step's copies (`ordered`, cloned), at induction variable
  /// `at`, when that step exists, and commits them as one group (an empty
  /// one past the end, so every thread counts the same groups).
  Value issueStep(OpBuilder &builder, Value at, ArrayRef<Operation *> ordered);
  /// The induction variable `steps` steps after `from`.
  Value stepStart(OpBuilder &builder, Value from, int64_t steps);

  /// The buffer a view is taken of; through the multi-buffer selects this
  /// pass made, the last copy stands for the buffer.
  Value rootBuffer(Value view) const {
    while (true) {
      view = kgen::viewRoot(view);
      Operation *def = view.getDefiningOp();
      if (!chains.contains(def))
        return view;
      view = cast<arith::SelectOp>(def).getFalseValue();
    }
  }

  /// A kernel's buffer argument: global memory (cp.async reads only that;
  /// a per-thread alloca in the generic space is not).
  bool isGlobal(Value view) const {
    auto arg = dyn_cast<BlockArgument>(rootBuffer(view));
    return arg && !isWorkgroupMemory(view) &&
           isa<FunctionOpInterface>(arg.getOwner()->getParentOp());
  }

  /// What the loop writes: buffers by root, or everything when an op's
  /// writes are unknown.
  void collectWrites() {
    loop.walk([&](Operation *op) {
      if (Value stored = storedBuffer(op)) {
        written.insert(rootBuffer(stored));
        return;
      }
      // wgmma and its fences read shared memory and write registers.
      if (isa<gpu::BarrierOp, NVVM::WgmmaFenceAlignedOp, NVVM::WgmmaMmaAsyncOp,
              NVVM::WgmmaGroupSyncAlignedOp, NVVM::WgmmaWaitGroupSyncOp,
              NVVM::FenceProxyOp>(op) ||
          op->getNumRegions() > 0 || isMemoryEffectFree(op))
        return;
      auto effects = dyn_cast<MemoryEffectOpInterface>(op);
      if (!effects) {
        writesAnything = true;
        return;
      }
      SmallVector<MemoryEffects::EffectInstance> instances;
      effects.getEffects(instances);
      for (const MemoryEffects::EffectInstance &effect : instances) {
        if (!isa<MemoryEffects::Write>(effect.getEffect()))
          continue;
        if (Value value = effect.getValue())
          written.insert(rootBuffer(value));
        else
          writesAnything = true;
      }
    });
  }

  /// A load of a global buffer the loop never writes can move steps ahead.
  bool isMovableLoad(Operation *op) const {
    Value loaded = loadedBuffer(op);
    return loaded && isGlobal(loaded) && !writesAnything &&
           !written.contains(rootBuffer(loaded));
  }

  bool isStaged(Value stored) const {
    return stored && llvm::is_contained(staged, rootBuffer(stored));
  }

  /// The buffer `op` stores a copy of global memory into, if it does.
  Value globalCopyTarget(Operation *op) const {
    Value stored = storedBuffer(op);
    if (!stored)
      return {};
    Value source;
    if (auto copy = dyn_cast<nvgpu::DeviceAsyncCopyOp>(op))
      source = copy.getSrc();
    else if (Operation *load = op->getOperand(0).getDefiningOp())
      source = loadedBuffer(load);
    return source && isGlobal(source) ? rootBuffer(stored) : Value();
  }

  /// A step's copies: the top-level ops that store into staged buffers,
  /// which may only load global memory and store staged buffers.
  std::optional<NotPipelined> collectUnits() {
    units.clear();
    for (Operation &op : body->without_terminator()) {
      bool stores = false;
      op.walk(
          [&](Operation *nested) { stores |= isStaged(storedBuffer(nested)); });
      if (!stores)
        continue;
      Operation *other = nullptr;
      op.walk([&](Operation *nested) {
        if (!other && !isStaged(storedBuffer(nested)) &&
            !isMovableLoad(nested) && nested->getNumRegions() == 0 &&
            !isMemoryEffectFree(nested))
          other = nested;
      });
      if (other)
        return NotPipelined{other, "this op shares a step with the copies "
                                   "and cannot move ahead with them"};
      units.insert(&op);
    }
    for (Operation *unit : units)
      for (Operation *user : unit->getUsers())
        if (Operation *top = body->findAncestorOpInBlock(*user);
            !top || !units.contains(top))
          return NotPipelined{unit, "the step's computation uses a result "
                                    "of its copies"};
    return std::nullopt;
  }

  /// What the copies compute their addresses (and synchronous copies their
  /// values) from, within the loop body.
  std::optional<NotPipelined> collectSlice() {
    slice.clear();
    BackwardSliceOptions options;
    options.inclusive = true;
    options.omitUsesFromAbove = false;
    options.filter = [&](Operation *op) { return op->getBlock() == body; };
    for (Operation *unit : units) {
      SetVector<Value> used(unit->getOperands().begin(),
                            unit->getOperands().end());
      getUsedValuesDefinedAbove(unit->getRegions(), used);
      for (Value v : used) {
        if (auto arg = dyn_cast<BlockArgument>(v)) {
          if (arg.getOwner() == body && arg != loop.getInductionVar())
            return NotPipelined{unit, "the copies depend on a loop-carried "
                                      "value"};
          continue;
        }
        if (Operation *def = body->findAncestorOpInBlock(*v.getDefiningOp());
            def && !units.contains(def))
          (void)getBackwardSlice(def, &slice, options);
      }
    }
    for (Operation *op : slice)
      if (!isMemoryEffectFree(op) && !isMovableLoad(op))
        return NotPipelined{op, "the copies' addresses depend on this op, "
                                "which cannot move ahead"};
    return std::nullopt;
  }

  scf::ForOp loop;
  gpu::LaunchOp launch;
  int64_t depth;
  Block *body;
  SmallVector<BlockArgument> staged;
  DenseSet<Value> written;
  bool writesAnything = false;
  SetVector<Operation *> units, slice;
  SmallPtrSet<Operation *, 8> chains;
};

void LoopPipeliner::rewrite() {
  makeCopiesAsync();
  multiBuffer();
  // The analysis again, on the rewritten copies: it held before, and the
  // rewrite only made copies asynchronous and buffers selected.
  std::optional<NotPipelined> failure = collectUnits();
  if (!failure)
    failure = collectSlice();
  assert(!failure && "the rewrite broke what the analysis checked");
  (void)failure;
  SetVector<Operation *> stageOps(slice.begin(), slice.end());
  stageOps.insert(units.begin(), units.end());
  SmallVector<Operation *> ordered(stageOps.begin(), stageOps.end());
  llvm::sort(ordered,
             [](Operation *x, Operation *y) { return x->isBeforeInBlock(y); });
  // Found before the steps are issued: those ops are neither copies nor
  // free of effects, and would keep every barrier.
  SmallVector<Operation *> barriers = copyOnlyBarriers(stageOps);
  issueAhead(ordered);
  eraseSynchronousCopies(barriers, ordered);
  // The next step overwrites the buffer this one computed on only after
  // every thread is done with it.
  Operation *last = body->getTerminator()->getPrevNode();
  if (!last || !isa<gpu::BarrierOp>(last)) {
    OpBuilder b(body->getTerminator());
    gpu::BarrierOp::create(b, loop.getLoc());
  }
}

void LoopPipeliner::makeCopiesAsync() {
  IRRewriter rewriter(loop.getContext());
  // Global-to-shared vector copies in the steps' copies become cp.async
  // (only those whose vectors are aligned to their size: createAsyncGroups
  // does not check). Its groups and waits are replaced by the pipeline's.
  for (Operation *unit : units) {
    bool aligned = true;
    unit->walk([&](Operation *op) {
      auto check = [&](auto access) {
        int64_t bytes = access.getVectorType().getNumElements() *
                        access.getVectorType().getElementTypeBitWidth() / 8;
        std::optional<uint64_t> alignment = access.getAlignment();
        aligned &= alignment && static_cast<int64_t>(*alignment) >= bytes;
      };
      if (auto load = dyn_cast<vector::LoadOp>(op))
        check(load);
      else if (auto store = dyn_cast<vector::StoreOp>(op))
        check(store);
    });
    if (aligned)
      nvgpu::createAsyncGroups(rewriter, unit, /*bypassL1=*/true);
  }
  SmallVector<Operation *> groups, deadLoads;
  loop.walk([&](Operation *op) {
    if (isa<nvgpu::DeviceAsyncWaitOp, nvgpu::DeviceAsyncCreateGroupOp>(op))
      groups.push_back(op);
    // The loads the async copies replaced are dead (but read memory, so
    // they would look like work between the copies).
    else if (loadedBuffer(op) && op->getNumResults() == 1 && op->use_empty())
      deadLoads.push_back(op);
  });
  for (Operation *op : llvm::reverse(groups)) // waits use the groups
    op->erase();
  for (Operation *op : deadLoads)
    op->erase();
}

void LoopPipeliner::multiBuffer() {
  // Step i uses copy i mod D of each staged buffer, chosen by
  // ((iv - lb) / step) mod D (in arith: a division by the symbolic step
  // is not affine).
  Location loc = loop.getLoc();
  OpBuilder b = OpBuilder::atBlockBegin(body);
  Value stage = arith::RemUIOp::create(
      b, loc,
      arith::DivUIOp::create(b, loc,
                             arith::SubIOp::create(b, loc,
                                                   loop.getInductionVar(),
                                                   loop.getLowerBound()),
                             loop.getStep()),
      arith::ConstantIndexOp::create(b, loc, depth));
  SmallVector<Value> isStage;
  for (int64_t k = 0; k + 1 < depth; ++k)
    isStage.push_back(
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, stage,
                              arith::ConstantIndexOp::create(b, loc, k)));
  for (BlockArgument &buffer : staged) {
    SmallVector<Value> copies{buffer};
    for (int64_t k = 1; k < depth; ++k)
      copies.push_back(
          launch.addWorkgroupAttribution(buffer.getType(), buffer.getLoc()));
    // select(stage == 0, copy0, select(stage == 1, copy1, ... copyD-1)).
    Value current = copies.back();
    SmallPtrSet<Operation *, 4> chain;
    for (int64_t k = depth - 1; k-- > 0;) {
      auto select =
          arith::SelectOp::create(b, loc, isStage[k], copies[k], current);
      chain.insert(select);
      current = select;
    }
    buffer.replaceAllUsesExcept(current, chain);
    chains.insert(chain.begin(), chain.end());
    buffer = cast<BlockArgument>(copies.back());
  }
}

SmallVector<Operation *>
LoopPipeliner::copyOnlyBarriers(const SetVector<Operation *> &stageOps) {
  // Barriers that only separated copies from copies go: a step's copies
  // are now issued together, ahead of time.
  SmallVector<Operation *> barriers;
  bool onlyCopies = true;
  for (Operation &op : body->without_terminator()) {
    if (isa<gpu::BarrierOp>(op)) {
      if (onlyCopies)
        barriers.push_back(&op);
      onlyCopies = true;
      continue;
    }
    if (!stageOps.contains(&op) && !isMemoryEffectFree(&op))
      onlyCopies = false;
  }
  return barriers;
}

Value LoopPipeliner::issueStep(OpBuilder &builder, Value at,
                               ArrayRef<Operation *> ordered) {
  Location loc = loop.getLoc();
  Value exists = arith::CmpIOp::create(builder, loc, arith::CmpIPredicate::slt,
                                       at, loop.getUpperBound());
  auto guard = scf::IfOp::create(builder, loc, exists);
  OpBuilder inside = guard.getThenBodyBuilder();
  IRMapping mapping;
  mapping.map(loop.getInductionVar(), at);
  for (Operation *op : ordered)
    inside.clone(*op, mapping);
  auto token = nvgpu::DeviceAsyncTokenType::get(builder.getContext());
  return nvgpu::DeviceAsyncCreateGroupOp::create(builder, loc, token,
                                                 ValueRange{});
}

Value LoopPipeliner::stepStart(OpBuilder &builder, Value from, int64_t steps) {
  Location loc = loop.getLoc();
  Value offset = arith::MulIOp::create(
      builder, loc, loop.getStep(),
      arith::ConstantIndexOp::create(builder, loc, steps));
  return arith::AddIOp::create(builder, loc, from, offset).getResult();
}

void LoopPipeliner::issueAhead(ArrayRef<Operation *> ordered) {
  // Prologue: steps 0 .. D-2.
  OpBuilder b(loop);
  for (int64_t j = 0; j + 1 < depth; ++j)
    issueStep(b, stepStart(b, loop.getLowerBound(), j), ordered);
  // Each step: issue step i+D-1, wait for step i, synchronize.
  b.setInsertionPointToStart(body);
  Value group =
      issueStep(b, stepStart(b, loop.getInductionVar(), depth - 1), ordered);
  Location loc = loop.getLoc();
  nvgpu::DeviceAsyncWaitOp::create(b, loc, group,
                                   b.getI32IntegerAttr(depth - 1));
  gpu::BarrierOp::create(b, loc);
}

void LoopPipeliner::eraseSynchronousCopies(ArrayRef<Operation *> barriers,
                                           ArrayRef<Operation *> ordered) {
  for (Operation *op : barriers)
    op->erase();
  for (Operation *unit : llvm::reverse(units))
    unit->erase();
  // What only the copies used is dead now.
  for (Operation *op : llvm::reverse(ordered))
    if (!units.contains(op) && op->use_empty() &&
        (isMemoryEffectFree(op) || isMovableLoad(op)))
      op->erase();
}

struct PipelineSharedCopiesPass
    : public kgen::impl::PipelineSharedCopiesPassBase<
          PipelineSharedCopiesPass> {
  using PipelineSharedCopiesPassBase::PipelineSharedCopiesPassBase;

  LogicalResult pipeline(scf::ForOp loop, int64_t depth) {
    auto launch = loop->getParentOfType<gpu::LaunchOp>();
    if (!launch)
      return loop.emitError("a loop marked for pipelining must be inside a "
                            "gpu.launch (run kgen-map-kernels-to-gpu first)");
    if (loop.getNumRegionIterArgs() != 0)
      return loop.emitError("cannot pipeline a loop that carries values "
                            "(expected a bufferized reduction loop)");
    LoopPipeliner pipeliner(loop, launch, depth);
    if (std::optional<NotPipelined> failure = pipeliner.analyze()) {
      InFlightDiagnostic warning = failure->at->emitWarning()
                                   << "pipeline_depth " << depth
                                   << " not applied, the copies stay "
                                      "synchronous: "
                                   << failure->why;
      if (failure->at != loop.getOperation())
        warning.attachNote(loop.getLoc()) << "in this loop";
      return success();
    }
    pipeliner.rewrite();
    return success();
  }

  void runOnOperation() override {
    SmallVector<scf::ForOp> loops;
    getOperation().walk([&](scf::ForOp loop) {
      if (loop->hasAttr(kgen::kPipelineDepthAttr))
        loops.push_back(loop);
    });
    bool failed = false;
    for (scf::ForOp loop : loops) {
      auto depth = loop->getAttrOfType<IntegerAttr>(kgen::kPipelineDepthAttr);
      loop->removeAttr(kgen::kPipelineDepthAttr);
      if (!depth || depth.getInt() < 1) {
        loop.emitError("kgen.pipeline_depth must be a positive integer");
        failed = true;
        continue;
      }
      if (depth.getInt() > 1 && ::failed(pipeline(loop, depth.getInt())))
        failed = true;
    }
    if (failed)
      signalPassFailure();
  }
};

} // namespace
