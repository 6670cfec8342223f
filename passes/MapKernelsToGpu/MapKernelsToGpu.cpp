//===- MapKernelsToGpu.cpp - scheduled foralls to gpu.launch --------------===//
//
// The schedule decided the grid and block shapes when it tiled the kernel
// onto #gpu.block and #gpu.thread foralls; this pass reads them back from
// the trip counts and lets the transform dialect's GPU mapping do the
// rewrite, one launch per block-level forall.
//
//===----------------------------------------------------------------------===//

#include "kgen/Schedule/KernelAttrs.h"
#include "kgen/Conversion/Passes.h"
#include "kgen/Transform/ApplyTransforms.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/TransformOps/GPUTransformOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/TransformOps/LinalgTransformOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Transform/IR/TransformTypes.h"
#include "llvm/Support/FormatVariadic.h"

namespace mlir::kgen {
#define GEN_PASS_DEF_MAPKERNELSTOGPUPASS
#include "kgen/Conversion/Passes.h.inc"
} // namespace mlir::kgen

using namespace mlir;
using namespace mlir::kgen;

namespace {

constexpr llvm::StringLiteral kLaunchAttr = "kgen.launch";
/// Warp and warpgroup (4 warps) loops come only from mma_sync and wgmma
/// schedules, so NVIDIA's warp size.
constexpr int64_t kWarpSize = 32;

bool hasMapping(scf::ForallOp forall, bool blocks) {
  std::optional<ArrayAttr> mapping = forall.getMapping();
  if (!mapping || mapping->empty())
    return false;
  return blocks ? isa<gpu::GPUBlockMappingAttr>((*mapping)[0])
                : isa<gpu::GPUThreadMappingAttr, gpu::GPUWarpMappingAttr,
                      gpu::GPUWarpgroupMappingAttr>((*mapping)[0]);
}

/// Threads per block for a launch, from the trip counts of the thread- and
/// warp-mapped foralls nested in `blockLoop` (x is the innermost loop), or
/// 1x1x1. On failure `why` says what does not fit.
FailureOr<SmallVector<int64_t>> blockDims(scf::ForallOp blockLoop,
                                          int64_t warpSize, std::string &why) {
  SmallVector<int64_t> dims = {1, 1, 1};
  SmallVector<scf::ForallOp> threadLoops;
  blockLoop.getBody()->walk([&](scf::ForallOp nested) {
    if (hasMapping(nested, /*blocks=*/false))
      threadLoops.push_back(nested);
  });
  // A block runs several thread loops when the schedule stages operands
  // through shared memory (copies, then compute); it is as large as the
  // largest of them in each dimension, and the smaller ones are predicated.
  // A warp loop needs warpSize threads per iteration along x (warp x is
  // thread x / warpSize); a loop on linear thread ids only needs enough
  // threads in all.
  int64_t linearThreads = 1;
  for (scf::ForallOp threads : threadLoops) {
    // Tiled foralls are normalized: lower bound 0, step 1, so the upper
    // bounds are the trip counts.
    SmallVector<int64_t> counts;
    for (auto [lb, ub, step] :
         llvm::zip(threads.getStaticLowerBound(), threads.getStaticUpperBound(),
                   threads.getStaticStep())) {
      if (ShapedType::isDynamic(lb) || ShapedType::isDynamic(ub) ||
          ShapedType::isDynamic(step) || step <= 0) {
        why = "thread loops with dynamic trip counts cannot be mapped to a "
              "block";
        return failure();
      }
      counts.push_back((ub - lb + step - 1) / step);
    }
    auto mapping = cast<DeviceMappingAttrInterface>((*threads.getMapping())[0]);
    if (mapping.isLinearMapping()) {
      int64_t total = 1;
      for (int64_t count : counts)
        total *= count;
      linearThreads = std::max(linearThreads, total);
      continue;
    }
    if (counts.size() > 3) {
      why = "a thread loop has more than 3 dimensions";
      return failure();
    }
    int64_t group = isa<gpu::GPUWarpMappingAttr>(mapping)        ? warpSize
                    : isa<gpu::GPUWarpgroupMappingAttr>(mapping) ? 4 * warpSize
                                                                 : 1;
    // Each loop goes to the dimension its mapping names (a loop alone on
    // y, beside lanes on x, must not widen x).
    for (auto [attr, count] : llvm::zip(*threads.getMapping(), counts)) {
      int64_t dim = cast<DeviceMappingAttrInterface>(attr).getRelativeIndex();
      dims[dim] = std::max(dims[dim], dim == 0 ? count * group : count);
    }
  }
  // A warpgroup is 128 consecutive linear thread ids; the code inside
  // (kgen-lower-matrix-instructions) takes its lanes from thread x, so
  // warpgroups must not straddle rows of x.
  bool warpgroups = llvm::any_of(threadLoops, [](scf::ForallOp loop) {
    return isa<gpu::GPUWarpgroupMappingAttr>((*loop.getMapping())[0]);
  });
  if (warpgroups && dims[0] % (4 * warpSize) != 0) {
    why = llvm::formatv("warpgroup loops need a block whose x size is a "
                        "multiple of {0}; the thread loops make it {1}",
                        4 * warpSize, dims[0]);
    return failure();
  }
  if (dims[0] * dims[1] * dims[2] < linearThreads) {
    if (dims[0] * dims[1] * dims[2] != 1) {
      why = llvm::formatv("a loop on linear thread ids needs {0} threads, "
                          "more than the other thread loops' {1}x{2}x{3}",
                          linearThreads, dims[0], dims[1], dims[2]);
      return failure();
    }
    dims[0] = linearThreads;
  }
  return dims;
}

/// A buffer moved off the heap (onto the stack or into shared memory) is
/// no longer freed.
void eraseDeallocs(Value buffer) {
  for (Operation *user : llvm::make_early_inc_range(buffer.getUsers()))
    if (isa<memref::DeallocOp>(user))
      user->erase();
}

bool isWorkgroupBuffer(memref::AllocOp alloc) {
  return gpu::GPUDialect::hasWorkgroupMemoryAddressSpace(alloc.getType());
}

/// The kernel's block-mapped foralls, one launch each. Fails, at the op,
/// when host-side code does more than allocate buffers and define
/// constants: any computation outside a launch would run on the CPU on
/// device memory.
FailureOr<SmallVector<scf::ForallOp>> collectLaunches(func::FuncOp kernel) {
  SmallVector<scf::ForallOp> launches;
  for (Operation &op : kernel.getBody().front()) {
    if (auto forall = dyn_cast<scf::ForallOp>(op);
        forall && hasMapping(forall, /*blocks=*/true)) {
      launches.push_back(forall);
      continue;
    }
    if (!isa<memref::AllocOp, memref::DeallocOp, arith::ConstantOp,
             memref::SubViewOp, memref::CopyOp, func::ReturnOp>(op) &&
        !isMemoryEffectFree(&op))
      return op.emitError("this op of kernel '")
             << kernel.getSymName()
             << "' is outside the scheduled loops and cannot run on the GPU "
                "(fuse it in the schedule)";
  }
  return launches;
}

/// Buffers allocated inside a launch are per-thread tiles: they live on
/// the thread's stack (registers or local memory, `privateAddressSpace`
/// when not 0), not the heap. Those the schedule placed in workgroup
/// memory are left for attributeWorkgroupBuffers, which needs the launch.
LogicalResult moveThreadBuffersToStack(scf::ForallOp forall,
                                       unsigned privateAddressSpace) {
  SmallVector<memref::AllocOp> allocs;
  forall.getBody()->walk([&](memref::AllocOp a) { allocs.push_back(a); });
  for (memref::AllocOp alloc : allocs) {
    if (!alloc.getType().hasStaticShape())
      return alloc.emitError("a dynamically sized buffer inside a GPU "
                             "launch is not supported");
    if (isWorkgroupBuffer(alloc))
      continue;
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
    eraseDeallocs(replacement);
    alloc.erase();
  }
  return success();
}

/// A strided copy would become a call to the host runtime's memrefCopy;
/// inside a launch it must be a loop nest, as linalg.copy lowers to.
void copiesToLinalg(scf::ForallOp forall) {
  SmallVector<memref::CopyOp> copies;
  forall.getBody()->walk([&](memref::CopyOp c) { copies.push_back(c); });
  for (memref::CopyOp copy : copies) {
    // Bufferization leaves a tile's write-back as a copy onto itself.
    if (copy.getSource() == copy.getTarget()) {
      copy.erase();
      continue;
    }
    OpBuilder b(copy);
    linalg::CopyOp::create(b, copy.getLoc(), copy.getSource(),
                           copy.getTarget());
    copy.erase();
  }
}

/// Workgroup buffers are declared by the launch (a shared-memory
/// attribution: one buffer per workgroup for the launch's lifetime).
/// Every iteration of a loop around the alloc gets the same buffer, which
/// is what the schedule wants: each reduction step overwrites the previous
/// one's tile after a barrier.
LogicalResult attributeWorkgroupBuffers(func::FuncOp kernel) {
  SmallVector<memref::AllocOp> workgroupAllocs;
  kernel.walk([&](memref::AllocOp alloc) {
    if (isWorkgroupBuffer(alloc))
      workgroupAllocs.push_back(alloc);
  });
  for (memref::AllocOp alloc : workgroupAllocs) {
    auto launch = alloc->getParentOfType<gpu::LaunchOp>();
    if (!launch)
      return alloc.emitError("a workgroup-memory buffer outside the "
                             "scheduled block loops cannot be placed in "
                             "shared memory");
    BlockArgument buffer =
        launch.addWorkgroupAttribution(alloc.getType(), alloc.getLoc());
    eraseDeallocs(alloc.getResult());
    alloc.getResult().replaceAllUsesWith(buffer);
    alloc.erase();
  }
  return success();
}

/// Transforms mapping launch `i` (the forall marked kgen.launch = i) onto
/// a gpu.launch with `blockDims[i]` threads, its nested foralls onto
/// threads, warps and warpgroups.
OwningOpRef<ModuleOp>
buildLaunchMapping(MLIRContext *ctx, ArrayRef<SmallVector<int64_t>> blockDims) {
  return buildTransformModule(
      ctx, UnknownLoc::get(ctx), [&](ImplicitLocOpBuilder &b, Value root) {
        auto anyOp = transform::AnyOpType::get(ctx);
        for (auto [i, dims] : llvm::enumerate(blockDims)) {
          DictionaryAttr marker = b.getDictionaryAttr(
              b.getNamedAttr(kLaunchAttr, b.getI64IntegerAttr(i)));
          Value forall = transform::MatchOp::create(
              b, anyOp, root, b.getStrArrayAttr({"scf.forall"}),
              transform::MatchInterfaceEnumAttr(), marker, TypeAttr(),
              ArrayAttr());
          Value launch = transform::MapForallToBlocks::create(
              b, anyOp, forall, /*grid_dims=*/ArrayRef<int64_t>(),
              /*generate_gpu_launch=*/true);
          transform::MapNestedForallToThreads::create(
              b, anyOp, launch, dims, /*sync_after_distribute=*/true,
              kWarpSize);
        }
      });
}

/// Marks each launch's forall with its index and maps them all onto
/// gpu.launch ops, their block shapes read from the thread loops.
LogicalResult mapLaunches(func::FuncOp kernel,
                          ArrayRef<scf::ForallOp> launches) {
  SmallVector<SmallVector<int64_t>> launchBlockDims;
  for (auto [i, launch] : llvm::enumerate(launches)) {
    scf::ForallOp forall = launch;
    std::string why;
    FailureOr<SmallVector<int64_t>> dims = blockDims(forall, kWarpSize, why);
    if (failed(dims))
      return forall.emitError(why);
    forall->setAttr(
        kLaunchAttr,
        IntegerAttr::get(IntegerType::get(kernel.getContext(), 64), i));
    launchBlockDims.push_back(*dims);
  }
  if (std::optional<TransformError> error = applyTransforms(
          kernel, *buildLaunchMapping(kernel.getContext(), launchBlockDims)))
    return kernel.emitError("mapping to GPU launches failed: ")
           << error->diagnostics;
  return success();
}

struct MapKernelsToGpuPass final
    : mlir::kgen::impl::MapKernelsToGpuPassBase<MapKernelsToGpuPass> {
  using MapKernelsToGpuPassBase::MapKernelsToGpuPassBase;

  void getDependentDialects(DialectRegistry &registry) const override {
    MapKernelsToGpuPassBase::getDependentDialects(registry);
    registerTransformDependencies(registry);
  }

  void runOnOperation() override {
    SmallVector<func::FuncOp> kernels;
    for (auto func : getOperation().getOps<func::FuncOp>())
      if (func->hasAttr(kKernelAttr))
        kernels.push_back(func);
    for (func::FuncOp kernel : kernels)
      if (failed(mapKernel(kernel)))
        return signalPassFailure();
  }

  /// A kernel with no parallel loop to spread over the grid (a reduction
  /// to a scalar) gets no #gpu.block loop from its schedule: its body runs
  /// as one thread of a one-block launch. Correct, and slow only for large
  /// full reductions. Its buffers stay host allocations (placed in device
  /// memory by kgen-place-host-buffers-on-device).
  /// Returns false, leaving the kernel alone, when the body cannot move.
  static bool wrapInSingleThreadLaunch(func::FuncOp kernel) {
    Block &body = kernel.getBody().front();
    SmallVector<Operation *> toMove;
    for (Operation &op : body.without_terminator()) {
      if (isa<scf::ForallOp>(op))
        return false;
      if (auto alloc = dyn_cast<memref::AllocOp>(op)) {
        if (!alloc.getType().hasStaticShape())
          return false;
        continue;
      }
      toMove.push_back(&op);
    }
    if (toMove.empty())
      return false;
    llvm::SmallPtrSet<Operation *, 16> moving(toMove.begin(), toMove.end());
    for (Operation *op : toMove)
      for (Operation *user : op->getUsers())
        if (!moving.contains(body.findAncestorOpInBlock(*user)))
          return false;
    // Static allocations need no operands: they move to the front so the
    // launch that uses them comes after them.
    for (Operation &op : llvm::make_early_inc_range(body.without_terminator()))
      if (isa<memref::AllocOp>(op))
        op.moveBefore(&body, body.begin());
    OpBuilder b(body.getTerminator());
    Location loc = kernel.getLoc();
    auto one = [&](scf::ForallOp &loop, Attribute mapping) {
      loop = scf::ForallOp::create(b, loc,
                                   ArrayRef<OpFoldResult>{b.getIndexAttr(0)},
                                   ArrayRef<OpFoldResult>{b.getIndexAttr(1)},
                                   ArrayRef<OpFoldResult>{b.getIndexAttr(1)},
                                   ValueRange(), b.getArrayAttr({mapping}));
      b.setInsertionPoint(loop.getBody()->getTerminator());
    };
    scf::ForallOp blockLoop, threadLoop;
    one(blockLoop,
        gpu::GPUBlockMappingAttr::get(b.getContext(), gpu::MappingId::DimX));
    one(threadLoop,
        gpu::GPUThreadMappingAttr::get(b.getContext(), gpu::MappingId::DimX));
    for (Operation *op : toMove)
      op->moveBefore(threadLoop.getBody()->getTerminator());
    return true;
  }

  LogicalResult mapKernel(func::FuncOp kernel) {
    bool scheduled = false;
    kernel.getBody().front().walk([&](scf::ForallOp forall) {
      scheduled |= hasMapping(forall, /*blocks=*/true);
    });
    if (!scheduled)
      (void)wrapInSingleThreadLaunch(kernel);
    FailureOr<SmallVector<scf::ForallOp>> launches = collectLaunches(kernel);
    if (failed(launches))
      return failure();
    if (launches->empty())
      return success(); // nothing to compute
    // Every launch's buffers first: one that cannot be placed fails the
    // kernel before any copy is rewritten.
    for (scf::ForallOp forall : *launches)
      if (failed(moveThreadBuffersToStack(forall, privateAddressSpace)))
        return failure();
    for (scf::ForallOp forall : *launches)
      copiesToLinalg(forall);
    if (failed(mapLaunches(kernel, *launches)))
      return failure();
    return attributeWorkgroupBuffers(kernel);
  }
};

} // namespace
