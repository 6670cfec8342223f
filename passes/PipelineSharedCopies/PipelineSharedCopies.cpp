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
//===----------------------------------------------------------------------===//

#include "kgen/Conversion/KernelAttrs.h"
#include "kgen/Conversion/Passes.h"

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

/// The buffer a view is taken of.
Value rootBuffer(Value view) {
  while (Operation *def = view.getDefiningOp()) {
    if (auto subview = dyn_cast<memref::SubViewOp>(def))
      view = subview.getSource();
    else if (auto cast = dyn_cast<memref::CastOp>(def))
      view = cast.getSource();
    else if (auto cast = dyn_cast<memref::MemorySpaceCastOp>(def))
      view = cast.getSource();
    else if (auto select = dyn_cast<arith::SelectOp>(def))
      view = select.getFalseValue(); // the multi-buffer chain (below)
    else
      break;
  }
  return view;
}

bool isWorkgroupMemory(Value memref) {
  auto space = dyn_cast_or_null<gpu::AddressSpaceAttr>(
      cast<MemRefType>(memref.getType()).getMemorySpace());
  return space && space.getValue() == gpu::AddressSpace::Workgroup;
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
  if (auto load = dyn_cast<vector::LoadOp>(op))
    return load.getBase();
  if (auto load = dyn_cast<memref::LoadOp>(op))
    return load.getMemRef();
  if (auto read = dyn_cast<vector::TransferReadOp>(op))
    return read.getBase();
  return {};
}

/// Whether `op` copies global memory into shared buffer `buffer`.
bool copiesFromGlobalInto(Operation *op, Value buffer) {
  Value stored = storedBuffer(op);
  if (!stored || rootBuffer(stored) != buffer)
    return false;
  if (isa<nvgpu::DeviceAsyncCopyOp>(op))
    return true;
  Value value = op->getOperand(0);
  Operation *load = value.getDefiningOp();
  Value source = load ? loadedBuffer(load) : Value();
  return source && !isWorkgroupMemory(source);
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
    Block *body = loop.getBody();
    IRRewriter rewriter(loop.getContext());

    // Global-to-shared vector copies become cp.async. The groups and waits
    // created here are replaced by the pipeline's own.
    nvgpu::createAsyncGroups(rewriter, loop, /*bypassL1=*/true);
    SmallVector<Operation *> groups;
    loop.walk([&](Operation *op) {
      if (isa<nvgpu::DeviceAsyncWaitOp, nvgpu::DeviceAsyncCreateGroupOp>(op))
        groups.push_back(op);
    });
    for (Operation *op : llvm::reverse(groups)) // waits use the groups
      op->erase();
    // The loads the async copies replaced are dead (but read memory, so
    // they would look like work between the copies).
    SmallVector<Operation *> deadLoads;
    loop.walk([&](Operation *op) {
      if (loadedBuffer(op) && op->use_empty())
        deadLoads.push_back(op);
    });
    for (Operation *op : deadLoads)
      op->erase();

    // The staged buffers: shared buffers used only in the loop and filled
    // there from global memory.
    SmallVector<BlockArgument> staged;
    for (BlockArgument buffer : launch.getWorkgroupAttributions()) {
      bool inLoop = llvm::all_of(buffer.getUsers(), [&](Operation *user) {
        return loop->isAncestor(user);
      });
      bool filled = false;
      loop.walk(
          [&](Operation *op) { filled |= copiesFromGlobalInto(op, buffer); });
      if (inLoop && filled)
        staged.push_back(buffer);
    }
    if (staged.empty())
      return loop.emitError("a loop marked for pipelining fills no shared "
                            "buffer from global memory");
    auto isStaged = [&](Value stored) {
      return stored && llvm::is_contained(staged, rootBuffer(stored));
    };

    // Multi-buffering: step i uses copy i mod D of each staged buffer.
    Location loc = loop.getLoc();
    OpBuilder b = OpBuilder::atBlockBegin(body);
    // ((iv - lb) / step) mod D, in arith: a division by the (symbolic)
    // step is not affine.
    Value stage = arith::RemUIOp::create(
        b, loc,
        arith::DivUIOp::create(b, loc,
                               arith::SubIOp::create(b, loc,
                                                     loop.getInductionVar(),
                                                     loop.getLowerBound()),
                               loop.getStep()),
        arith::ConstantIndexOp::create(b, loc, depth));
    for (BlockArgument buffer : staged) {
      SmallVector<Value> copies{buffer};
      for (int64_t k = 1; k < depth; ++k)
        copies.push_back(
            launch.addWorkgroupAttribution(buffer.getType(), buffer.getLoc()));
      // select(stage == 0, copy0, select(stage == 1, copy1, ... copyD-1)):
      // rootBuffer() follows the false values down to the last copy.
      Value current = copies.back();
      SmallPtrSet<Operation *, 4> chain;
      for (int64_t k = depth - 1; k-- > 0;) {
        Value isK =
            arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, stage,
                                  arith::ConstantIndexOp::create(b, loc, k));
        auto select = arith::SelectOp::create(b, loc, isK, copies[k], current);
        chain.insert(select);
        current = select;
      }
      buffer.replaceAllUsesExcept(current, chain);
      // The chain ends on the last copy, which stands for the buffer.
      staged[llvm::find(staged, buffer) - staged.begin()] =
          cast<BlockArgument>(copies.back());
    }

    // A global load can move steps earlier if the loop never writes what it
    // reads.
    auto isReadOnlyInLoop = [&](Value buffer) {
      WalkResult written = loop.walk([&](Operation *op) {
        Value stored = storedBuffer(op);
        return stored && rootBuffer(stored) == rootBuffer(buffer)
                   ? WalkResult::interrupt()
                   : WalkResult::advance();
      });
      return !written.wasInterrupted();
    };

    // A step's copies: the top-level ops that store into staged buffers.
    // They may load global memory and store staged buffers, nothing else.
    SmallVector<Operation *> units;
    for (Operation &op : body->without_terminator()) {
      bool stores = false;
      op.walk(
          [&](Operation *nested) { stores |= isStaged(storedBuffer(nested)); });
      if (!stores)
        continue;
      WalkResult checked = op.walk([&](Operation *nested) {
        if (isStaged(storedBuffer(nested)))
          return WalkResult::advance();
        if (Value loaded = loadedBuffer(nested);
            loaded && !isWorkgroupMemory(loaded) && isReadOnlyInLoop(loaded))
          return WalkResult::advance();
        if (nested->getNumRegions() > 0 || isMemoryEffectFree(nested))
          return WalkResult::advance();
        nested->emitError("cannot pipeline the shared-memory copies of this "
                          "loop: this op shares a step with them");
        return WalkResult::interrupt();
      });
      if (checked.wasInterrupted())
        return failure();
      units.push_back(&op);
    }

    // What the copies compute their addresses from, within the loop body.
    SetVector<Operation *> slice;
    BackwardSliceOptions options;
    options.inclusive = true;
    options.filter = [&](Operation *op) { return op->getBlock() == body; };
    for (Operation *unit : units) {
      SetVector<Value> used(unit->getOperands().begin(),
                            unit->getOperands().end());
      getUsedValuesDefinedAbove(unit->getRegions(), used);
      for (Value v : used) {
        if (auto arg = dyn_cast<BlockArgument>(v)) {
          if (arg.getOwner() == body && arg != loop.getInductionVar())
            return unit->emitError("cannot pipeline copies that depend on "
                                   "loop-carried values");
          continue;
        }
        if (v.getDefiningOp()->getBlock() == body)
          (void)getBackwardSlice(v.getDefiningOp(), &slice, options);
      }
    }
    // Synchronous copies bring their global loads along.
    for (Operation *op : slice)
      if (Value loaded = loadedBuffer(op);
          !isMemoryEffectFree(op) &&
          !(loaded && !isWorkgroupMemory(loaded) && isReadOnlyInLoop(loaded)))
        return op->emitError("cannot pipeline the shared-memory copies of "
                             "this loop: their addresses depend on this op");
    SmallVector<Operation *> stageOps(slice.begin(), slice.end());
    stageOps.append(units);
    llvm::sort(stageOps, [](Operation *x, Operation *y) {
      return x->isBeforeInBlock(y);
    });
    // The induction variable `steps` steps after `from`.
    auto stepStart = [&](OpBuilder &builder, Value from, int64_t steps) {
      Value offset = arith::MulIOp::create(
          builder, loc, loop.getStep(),
          arith::ConstantIndexOp::create(builder, loc, steps));
      return arith::AddIOp::create(builder, loc, from, offset).getResult();
    };
    // Issues one step's copies, at induction variable `at`, when that step
    // exists.
    Value ub = loop.getUpperBound();
    auto issueStep = [&](OpBuilder &builder, Value at) {
      Value exists = arith::CmpIOp::create(builder, loc,
                                           arith::CmpIPredicate::slt, at, ub);
      auto guard = scf::IfOp::create(builder, loc, exists);
      OpBuilder inside = guard.getThenBodyBuilder();
      IRMapping mapping;
      mapping.map(loop.getInductionVar(), at);
      for (Operation *op : stageOps)
        inside.clone(*op, mapping);
      auto token = nvgpu::DeviceAsyncTokenType::get(builder.getContext());
      return nvgpu::DeviceAsyncCreateGroupOp::create(builder, loc, token,
                                                     ValueRange{});
    };

    // Barriers that only separated copies from copies go: the copies of a
    // step are now issued together, ahead of time.
    SmallVector<Operation *> barriers;
    bool onlyCopies = true;
    for (Operation &op : body->without_terminator()) {
      if (isa<gpu::BarrierOp>(op)) {
        if (onlyCopies)
          barriers.push_back(&op);
        onlyCopies = true;
        continue;
      }
      if (!llvm::is_contained(units, &op) && !isMemoryEffectFree(&op))
        onlyCopies = false;
    }

    // Prologue: steps 0 .. D-2.
    b.setInsertionPoint(loop);
    for (int64_t j = 0; j + 1 < depth; ++j) {
      issueStep(b, stepStart(b, loop.getLowerBound(), j));
    }
    // Each step: issue step i+D-1, wait for step i, synchronize.
    b.setInsertionPointToStart(body);
    Value group = issueStep(b, stepStart(b, loop.getInductionVar(), depth - 1));
    nvgpu::DeviceAsyncWaitOp::create(b, loc, group,
                                     b.getI32IntegerAttr(depth - 1));
    gpu::BarrierOp::create(b, loc);
    for (Operation *op : barriers)
      op->erase();
    for (Operation *unit : llvm::reverse(units))
      unit->erase();
    // The next step overwrites the buffer this one computed on only after
    // every thread is done with it.
    Operation *last = body->getTerminator()->getPrevNode();
    if (!last || !isa<gpu::BarrierOp>(last)) {
      b.setInsertionPoint(body->getTerminator());
      gpu::BarrierOp::create(b, loc);
    }
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
