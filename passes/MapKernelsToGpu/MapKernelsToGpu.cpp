//===- MapKernelsToGpu.cpp - scheduled foralls to gpu.launch --------------===//
//
// The schedule decided the grid and block shapes when it tiled the kernel
// onto #gpu.block and #gpu.thread foralls; this pass reads them back from
// the trip counts and lets the transform dialect's GPU mapping do the
// rewrite, one launch per block-level forall.
//
//===----------------------------------------------------------------------===//

#include "kgen/Conversion/KernelAttrs.h"
#include "kgen/Conversion/Passes.h"
#include "kgen/Verify/KernelVerifier.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "llvm/Support/FormatVariadic.h"

namespace mlir::kgen {
#define GEN_PASS_DEF_MAPKERNELSTOGPUPASS
#include "kgen/Conversion/Passes.h.inc"
} // namespace mlir::kgen

using namespace mlir;
using namespace mlir::kgen;

namespace {

constexpr llvm::StringLiteral kLaunchAttr = "kgen.launch";

bool hasMapping(scf::ForallOp forall, bool blocks) {
  std::optional<ArrayAttr> mapping = forall.getMapping();
  if (!mapping || mapping->empty())
    return false;
  return blocks ? isa<gpu::GPUBlockMappingAttr>((*mapping)[0])
                : isa<gpu::GPUThreadMappingAttr>((*mapping)[0]);
}

/// Threads per block for a launch: the trip counts of the thread-mapped
/// forall nested in `blockLoop` (x is the innermost loop), or 1x1x1.
FailureOr<SmallVector<int64_t>> blockDims(scf::ForallOp blockLoop) {
  SmallVector<int64_t> dims = {1, 1, 1};
  scf::ForallOp threads;
  blockLoop.getBody()->walk([&](scf::ForallOp nested) {
    if (!threads && hasMapping(nested, /*blocks=*/false))
      threads = nested;
  });
  if (!threads)
    return dims;
  // Tiled foralls are normalized: lower bound 0, step 1, so the upper
  // bounds are the trip counts.
  SmallVector<int64_t> counts;
  for (auto [lb, ub, step] :
       llvm::zip(threads.getStaticLowerBound(), threads.getStaticUpperBound(),
                 threads.getStaticStep())) {
    if (ShapedType::isDynamic(lb) || ShapedType::isDynamic(ub) ||
        ShapedType::isDynamic(step) || step <= 0)
      return failure();
    counts.push_back((ub - lb + step - 1) / step);
  }
  if (counts.size() > 3)
    return failure();
  for (auto [i, count] : llvm::enumerate(llvm::reverse(counts)))
    dims[i] = count;
  return dims;
}

struct MapKernelsToGpuPass final
    : mlir::kgen::impl::MapKernelsToGpuPassBase<MapKernelsToGpuPass> {
  using MapKernelsToGpuPassBase::MapKernelsToGpuPassBase;

  void runOnOperation() override {
    SmallVector<func::FuncOp> kernels;
    for (auto func : getOperation().getOps<func::FuncOp>())
      if (func->hasAttr(kKernelAttr))
        kernels.push_back(func);
    for (func::FuncOp kernel : kernels)
      if (failed(mapKernel(kernel)))
        return signalPassFailure();
    allocateHostBuffersShared();
  }

  /// Buffers allocated by host code are read and written by the launches:
  /// they become managed (host-shared) GPU allocations.
  void allocateHostBuffersShared() {
    SmallVector<memref::AllocOp> allocs;
    SmallVector<memref::DeallocOp> deallocs;
    getOperation().walk([&](Operation *op) {
      if (op->getParentOfType<gpu::LaunchOp>())
        return;
      if (auto alloc = dyn_cast<memref::AllocOp>(op))
        allocs.push_back(alloc);
      else if (auto dealloc = dyn_cast<memref::DeallocOp>(op))
        deallocs.push_back(dealloc);
    });
    for (memref::AllocOp alloc : allocs) {
      OpBuilder b(alloc);
      auto shared = gpu::AllocOp::create(
          b, alloc.getLoc(), alloc.getType(), /*asyncToken=*/Type(),
          /*asyncDependencies=*/ValueRange(), alloc.getDynamicSizes(),
          alloc.getSymbolOperands(), b.getUnitAttr());
      alloc.replaceAllUsesWith(shared.getMemref());
      alloc.erase();
    }
    for (memref::DeallocOp dealloc : deallocs) {
      OpBuilder b(dealloc);
      gpu::DeallocOp::create(b, dealloc.getLoc(), /*asyncToken=*/Type(),
                             ValueRange(), dealloc.getMemref());
      dealloc.erase();
    }
  }

  LogicalResult mapKernel(func::FuncOp kernel) {
    SmallVector<scf::ForallOp> launches;
    for (Operation &op : kernel.getBody().front()) {
      if (auto forall = dyn_cast<scf::ForallOp>(op);
          forall && hasMapping(forall, /*blocks=*/true)) {
        launches.push_back(forall);
        continue;
      }
      // Host-side code may only allocate buffers and define constants: any
      // computation outside a launch would run on the CPU on device memory.
      if (!isa<memref::AllocOp, memref::DeallocOp, arith::ConstantOp,
               memref::SubViewOp, memref::CopyOp, func::ReturnOp>(op) &&
          !isMemoryEffectFree(&op))
        return op.emitError("this op of kernel '")
               << kernel.getSymName()
               << "' is outside the scheduled loops and cannot run on the GPU "
                  "(fuse it in the schedule)";
    }
    if (launches.empty())
      return kernel.emitError("kernel '")
             << kernel.getSymName()
             << "' has no #gpu.block loops: schedule it before mapping";

    // Buffers allocated inside a launch are per-thread tiles: they live on
    // the thread's stack (registers or local memory), not the heap.
    for (scf::ForallOp forall : launches) {
      SmallVector<memref::AllocOp> allocs;
      forall.getBody()->walk([&](memref::AllocOp a) { allocs.push_back(a); });
      for (memref::AllocOp alloc : allocs) {
        if (!alloc.getType().hasStaticShape())
          return alloc.emitError("a dynamically sized buffer inside a GPU "
                                 "launch is not supported");
        OpBuilder b(alloc);
        MemRefType type = alloc.getType();
        if (privateAddressSpace != 0)
          type = MemRefType::get(type.getShape(), type.getElementType(),
                                 type.getLayout(),
                                 b.getI64IntegerAttr(privateAddressSpace));
        auto alloca = memref::AllocaOp::create(b, alloc.getLoc(), type,
                                               alloc.getAlignmentAttr());
        // Users keep the original (generic address space) type through a
        // cast, so no view, loop or branch has to change type.
        Value replacement = alloca.getResult();
        if (type != alloc.getType())
          replacement = memref::MemorySpaceCastOp::create(
              b, alloc.getLoc(), alloc.getType(), replacement);
        alloc.getResult().replaceAllUsesWith(replacement);
        SmallVector<Operation *> deallocs;
        for (Operation *user : replacement.getUsers())
          if (isa<memref::DeallocOp>(user))
            deallocs.push_back(user);
        for (Operation *d : deallocs)
          d->erase();
        alloc.erase();
      }
    }

    // A strided copy would become a call to the host runtime's memrefCopy;
    // inside a launch it must be a loop nest, as linalg.copy lowers to.
    for (scf::ForallOp forall : launches) {
      SmallVector<memref::CopyOp> copies;
      forall.getBody()->walk([&](memref::CopyOp c) { copies.push_back(c); });
      for (memref::CopyOp copy : copies) {
        OpBuilder b(copy);
        linalg::CopyOp::create(b, copy.getLoc(), copy.getSource(),
                               copy.getTarget());
        copy.erase();
      }
    }

    std::string script;
    llvm::raw_string_ostream os(script);
    os << "module attributes {transform.with_named_sequence} {\n"
          "  transform.named_sequence @__transform_main(%root: "
          "!transform.any_op {transform.readonly}) {\n";
    for (auto [i, forall] : llvm::enumerate(launches)) {
      FailureOr<SmallVector<int64_t>> dims = blockDims(forall);
      if (failed(dims))
        return forall.emitError("thread loops with dynamic trip counts cannot "
                                "be mapped to a block");
      forall->setAttr(kLaunchAttr,
                      IntegerAttr::get(IntegerType::get(&getContext(), 64), i));
      os << llvm::formatv(
          "    %forall{0} = transform.structured.match ops{{[\"scf.forall\"]} "
          "attributes {{{1} = {0}} in %root : (!transform.any_op) -> "
          "!transform.any_op\n"
          "    %launch{0} = transform.gpu.map_forall_to_blocks %forall{0} "
          "generate_gpu_launch : (!transform.any_op) -> !transform.any_op\n"
          "    transform.gpu.map_nested_forall_to_threads %launch{0} "
          "block_dims = [{2}, {3}, {4}] : (!transform.any_op) -> "
          "!transform.any_op\n",
          i, kLaunchAttr, (*dims)[0], (*dims)[1], (*dims)[2]);
    }
    os << "    transform.yield\n  }\n}\n";
    std::string diagnostics;
    if (failed(KernelVerifier::applyScript(kernel, script, diagnostics)))
      return kernel.emitError("mapping to GPU launches failed: ")
             << diagnostics;
    return success();
  }
};

} // namespace
