//===- PlaceHostBuffersOnDevice.cpp - host buffers in device memory -------===//
//
// After kgen-map-kernels-to-gpu, host code only allocates, moves data and
// launches kernels: the CPU never computes on a buffer. So its buffers live
// in device memory (callers pass device or managed pointers), copies become
// device copies, a constant read by a launch is staged into a device
// buffer, and what the host allocated is freed before it returns unless it
// is returned.
//
//===----------------------------------------------------------------------===//

#include "kgen/Conversion/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

namespace mlir::kgen {
#define GEN_PASS_DEF_PLACEHOSTBUFFERSONDEVICEPASS
#include "kgen/Conversion/Passes.h.inc"
} // namespace mlir::kgen

using namespace mlir;
using namespace mlir::kgen;

namespace {

/// gpu-to-llvm lowers device allocations, copies and frees only in their
/// async form (one dependency: the stream). Each gets a stream of its own
/// and is waited for at once, which keeps host code synchronous like the
/// launches.
template <typename OpTy, typename... Args>
OpTy createSynchronously(OpBuilder &b, Location loc, Type resultType,
                         Args &&...args) {
  Type token = b.getType<gpu::AsyncTokenType>();
  auto stream = gpu::WaitOp::create(b, loc, token, ValueRange());
  OpTy op;
  if constexpr (std::is_same_v<OpTy, gpu::AllocOp>)
    op = OpTy::create(b, loc, resultType, token,
                      ValueRange{stream.getAsyncToken()},
                      std::forward<Args>(args)...);
  else
    op = OpTy::create(b, loc, token, ValueRange{stream.getAsyncToken()},
                      std::forward<Args>(args)...);
  gpu::WaitOp::create(b, loc, Type(), ValueRange{op.getAsyncToken()});
  return op;
}

/// `memref.copy %alloc, %out` where `%out` is an argument used only there
/// and nothing touches `%alloc` afterwards: the producers write `%out`
/// directly (results passed as out-parameters otherwise cost a copy).
void forwardResultCopies(func::FuncOp func) {
  Block &entry = func.getBody().front();
  SmallVector<memref::CopyOp> copies(entry.getOps<memref::CopyOp>());
  for (memref::CopyOp copy : copies) {
    auto out = dyn_cast<BlockArgument>(copy.getTarget());
    auto alloc = copy.getSource().getDefiningOp<memref::AllocOp>();
    if (!out || out.getOwner() != &entry || !out.hasOneUse() || !alloc ||
        alloc->getBlock() != &entry || alloc.getType() != out.getType())
      continue;
    bool deadAfter = llvm::all_of(alloc->getUsers(), [&](Operation *user) {
      Operation *inEntry = entry.findAncestorOpInBlock(*user);
      return user == copy || (inEntry && inEntry->isBeforeInBlock(copy) &&
                              !isa<memref::DeallocOp>(user));
    });
    if (!deadAfter)
      continue;
    alloc.replaceAllUsesWith(out);
    copy.erase();
    alloc.erase();
  }
}

/// Whether `buffer`, or a view of it, is returned or explicitly freed.
bool isReturnedOrFreed(Value buffer) {
  SmallVector<Value> worklist = {buffer};
  while (!worklist.empty()) {
    Value v = worklist.pop_back_val();
    for (Operation *user : v.getUsers()) {
      if (isa<func::ReturnOp, gpu::DeallocOp, memref::DeallocOp>(user))
        return true;
      if (isa<ViewLikeOpInterface>(user))
        llvm::append_range(worklist, user->getResults());
    }
  }
  return false;
}

/// Places the buffers `func` allocates outside its launches in device
/// memory (see the file comment).
LogicalResult placeHostBuffersOnDevice(func::FuncOp func) {
  if (func.isExternal())
    return success();
  forwardResultCopies(func);
  SmallVector<Operation *> hostOps;
  func.walk([&](Operation *op) {
    if (op->getParentOfType<gpu::LaunchOp>())
      return;
    if (isa<memref::AllocOp, memref::DeallocOp, memref::CopyOp,
            memref::GetGlobalOp>(op))
      hostOps.push_back(op);
  });
  SmallVector<Value> deviceBuffers;
  for (Operation *op : hostOps) {
    OpBuilder b(op);
    Location loc = op->getLoc();
    if (auto alloc = dyn_cast<memref::AllocOp>(op)) {
      auto device = createSynchronously<gpu::AllocOp>(
          b, loc, alloc.getType(), alloc.getDynamicSizes(),
          alloc.getSymbolOperands(), /*hostShared=*/UnitAttr());
      alloc.replaceAllUsesWith(device.getMemref());
      alloc.erase();
      deviceBuffers.push_back(device.getMemref());
    } else if (auto dealloc = dyn_cast<memref::DeallocOp>(op)) {
      createSynchronously<gpu::DeallocOp>(b, loc, Type(),
                                          dealloc.getMemref());
      dealloc.erase();
    } else if (auto copy = dyn_cast<memref::CopyOp>(op)) {
      if (copy.getSource() == copy.getTarget()) {
        copy.erase();
        continue;
      }
      for (Value v : {copy.getSource(), copy.getTarget()})
        if (!cast<MemRefType>(v.getType()).getLayout().isIdentity())
          return copy.emitError("a strided copy outside the kernels cannot "
                                "run on the GPU");
      createSynchronously<gpu::MemcpyOp>(b, loc, Type(), copy.getTarget(),
                                         copy.getSource());
      copy.erase();
    } else if (auto global = dyn_cast<memref::GetGlobalOp>(op)) {
      // A global lives in host memory. Copies from it are fine (the
      // driver reads host memory); a kernel needs a device copy.
      if (llvm::all_of(global->getUses(), [](OpOperand &use) {
            auto copy = dyn_cast<memref::CopyOp>(use.getOwner());
            return copy && copy.getSource() == use.get();
          }))
        continue;
      b.setInsertionPointAfter(global);
      auto device = createSynchronously<gpu::AllocOp>(
          b, loc, global.getType(), ValueRange(), ValueRange(), UnitAttr());
      global.getResult().replaceAllUsesWith(device.getMemref());
      createSynchronously<gpu::MemcpyOp>(b, loc, Type(), device.getMemref(),
                                         global.getResult());
      deviceBuffers.push_back(device.getMemref());
    }
  }
  // Launches are synchronous, so a buffer is dead once its function
  // returns: free it there.
  for (Value buffer : deviceBuffers) {
    if (isReturnedOrFreed(buffer))
      continue;
    Operation *terminator = buffer.getParentBlock()->getTerminator();
    OpBuilder b(terminator);
    createSynchronously<gpu::DeallocOp>(b, terminator->getLoc(), Type(),
                                        buffer);
  }
  return success();
}

struct PlaceHostBuffersOnDevicePass final
    : mlir::kgen::impl::PlaceHostBuffersOnDevicePassBase<
          PlaceHostBuffersOnDevicePass> {
  void runOnOperation() override {
    for (auto func : getOperation().getOps<func::FuncOp>())
      if (failed(placeHostBuffersOnDevice(func)))
        return signalPassFailure();
  }
};

} // namespace
