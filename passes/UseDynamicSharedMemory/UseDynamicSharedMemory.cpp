//===- UseDynamicSharedMemory.cpp - shared buffers past 48 KB -------------===//
//
// A launch's workgroup attributions become static .shared arrays, and
// CUDA caps static shared memory at 48 KB per block; the rest of what a
// block may use (227 KB on an H100) is dynamic shared memory, sized at
// launch. A launch whose buffers need more than the static limit gets them
// as views of its dynamic shared memory instead (each aligned as
// kgen-align-kernel-arguments aligns them: a swizzle atom in kernels using
// wgmma), and declares the total as its dynamic shared-memory size. The runtime raises the kernel's
// dynamic limit to that size before launching it.
//
// Dynamic shared memory is only promised 16-byte aligned, so a larger
// alignment is reached at run time: the views start at the first aligned
// address, and the launch asks for that much more.
//
// Buffers whose uses do not overlap in time share bytes: a staged gemm's
// accumulator tile is first used after the reduction loop
// (kgen-forward-accumulator-fills), when the operands' staging buffers are
// dead, so it goes over them. Before the first use of a buffer placed on
// another's bytes, every thread waits for its asynchronous copies and
// meets the others at a barrier.
//
//===----------------------------------------------------------------------===//

#include "kgen/Conversion/Passes.h"
#include "kgen/Support/Divisibility.h"

#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

#include <limits>
#include <numeric>

namespace mlir::kgen {
#define GEN_PASS_DEF_USEDYNAMICSHAREDMEMORYPASS
#include "kgen/Conversion/Passes.h.inc"
} // namespace mlir::kgen

using namespace mlir;

namespace {

constexpr int64_t kDynamicBaseAlignment = 16;

/// The span of a launch body's top-level ops (by position) that use a
/// buffer, through anything derived from it: views, selects of buffers,
/// and addresses (a wgmma descriptor is made from the buffer's pointer
/// ahead of the loop that reads through it), into the results of the
/// regions that yield it. Values read from it (loads, the accumulators of
/// a wgmma on descriptors) are not followed.
struct Lifetime {
  int64_t first = std::numeric_limits<int64_t>::max(), last = -1;
  Operation *firstOp = nullptr; // the op at `first`
  bool overlaps(const Lifetime &o) const {
    return !(last < o.first || o.last < first);
  }
};

Lifetime lifetimeOf(Value buffer, Block &body,
                    const DenseMap<Operation *, int64_t> &position) {
  Lifetime life;
  SmallVector<Value> work = {buffer};
  DenseSet<Value> seen;
  while (!work.empty()) {
    Value v = work.pop_back_val();
    if (!seen.insert(v).second)
      continue;
    for (OpOperand &use : v.getUses()) {
      Operation *user = use.getOwner();
      Operation *top = body.findAncestorOpInBlock(*user);
      // A use that cannot be placed keeps the buffer alive throughout.
      if (!top)
        return {0, std::numeric_limits<int64_t>::max(), nullptr};
      // What an op reads from memory is not the buffer: a load's value,
      // the accumulators a wgmma computes from descriptors.
      if (!isa<memref::LoadOp, vector::LoadOp, vector::TransferReadOp,
               nvgpu::LdMatrixOp, NVVM::LdMatrixOp, NVVM::WgmmaMmaAsyncOp>(
              user))
        llvm::append_range(work, user->getResults());
      // A value yielded out of a region (scf.yield) lives on in the
      // parent's result of the same position.
      Operation *parent = user->getParentOp();
      if (user->hasTrait<OpTrait::IsTerminator>() && parent &&
          use.getOperandNumber() < parent->getNumResults())
        work.push_back(parent->getResult(use.getOperandNumber()));
      // Making a view (or choosing between buffers) touches no memory; the
      // view's own uses count.
      if (isa<ViewLikeOpInterface, arith::SelectOp>(user))
        continue;
      int64_t at = position.lookup(top);
      if (at < life.first) {
        life.first = at;
        life.firstOp = top;
      }
      life.last = std::max(life.last, at);
    }
  }
  // An unused buffer conflicts with every other (it takes its own bytes).
  if (life.last < 0)
    return {0, std::numeric_limits<int64_t>::max(), nullptr};
  return life;
}

/// Offsets for buffers of `sizes` living `lives`: each at the lowest
/// `alignment` multiple that no buffer living at the same time occupies.
/// `reuses[i]` says whether buffer i lies on bytes an earlier buffer used.
int64_t placeBuffers(ArrayRef<int64_t> sizes, ArrayRef<Lifetime> lives,
                     int64_t alignment, SmallVectorImpl<int64_t> &offsets,
                     SmallVectorImpl<bool> &reuses) {
  size_t n = sizes.size();
  SmallVector<size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  llvm::sort(order, [&](size_t a, size_t b) {
    return std::make_pair(lives[a].first, a) < std::make_pair(lives[b].first, b);
  });
  offsets.assign(n, -1);
  reuses.assign(n, false);
  SmallVector<size_t> placed;
  int64_t end = 0;
  for (size_t i : order) {
    int64_t at = 0;
    for (bool moved = true; moved;) {
      moved = false;
      for (size_t j : placed)
        if (lives[i].overlaps(lives[j]) && at < offsets[j] + sizes[j] &&
            offsets[j] < at + sizes[i]) {
          at = llvm::alignTo(offsets[j] + sizes[j], alignment);
          moved = true;
        }
    }
    for (size_t j : placed)
      if (at < offsets[j] + sizes[j] && offsets[j] < at + sizes[i])
        reuses[i] = true;
    offsets[i] = at;
    placed.push_back(i);
    end = std::max(end, at + sizes[i]);
  }
  return end;
}

struct UseDynamicSharedMemoryPass
    : public kgen::impl::UseDynamicSharedMemoryPassBase<
          UseDynamicSharedMemoryPass> {
  using UseDynamicSharedMemoryPassBase::UseDynamicSharedMemoryPassBase;

  void runOnOperation() override {
    SmallVector<gpu::LaunchOp> launches;
    getOperation().walk([&](gpu::LaunchOp l) { launches.push_back(l); });
    for (gpu::LaunchOp launch : launches)
      if (failed(convert(launch)))
        return signalPassFailure();
  }

  /// Before the first use of each buffer placed on bytes an earlier one
  /// used: the asynchronous copies done and a barrier, so that no thread
  /// still reads or copies into the earlier buffer.
  static void separateReuses(Block &body, ArrayRef<BlockArgument> buffers,
                             ArrayRef<Lifetime> lives, ArrayRef<bool> reuses) {
    bool copies = false;
    body.walk([&](nvgpu::DeviceAsyncCopyOp) { copies = true; });
    SetVector<Operation *> starts;
    for (size_t i = 0; i < buffers.size(); ++i)
      if (reuses[i] && lives[i].firstOp)
        starts.insert(lives[i].firstOp);
    for (Operation *start : starts) {
      OpBuilder b(start);
      if (copies)
        NVVM::CpAsyncWaitGroupOp::create(b, start->getLoc(), 0);
      gpu::BarrierOp::create(b, start->getLoc());
    }
  }

  LogicalResult convert(gpu::LaunchOp launch) {
    SmallVector<BlockArgument> buffers =
        llvm::to_vector(launch.getWorkgroupAttributions());
    if (buffers.empty() || launch.getDynamicSharedMemorySize())
      return success();
    int64_t alignment = kgen::sharedBufferAlignment(launch, bufferAlignment);
    SmallVector<int64_t> sizes;
    int64_t total = 0;
    for (BlockArgument buffer : buffers) {
      auto type = cast<MemRefType>(buffer.getType());
      // memref.view takes static, identity-layout results only (kgen's
      // shared buffers are): others keep the launch's buffers static.
      if (!type.hasStaticShape() || !type.getLayout().isIdentity() ||
          !type.getElementType().isIntOrFloat())
        return success();
      sizes.push_back(type.getNumElements() *
                      std::max<int64_t>(1, type.getElementTypeBitWidth() / 8));
      total = llvm::alignTo(total, alignment) + sizes.back();
    }
    if (total <= staticLimit)
      return success();
    // Lifetimes are spans of one block's ops.
    if (!launch.getBody().hasOneBlock())
      return success();
    Block &body = launch.getBody().front();
    DenseMap<Operation *, int64_t> position;
    for (auto [i, op] : llvm::enumerate(body))
      position[&op] = i;
    SmallVector<Lifetime> lives;
    for (BlockArgument buffer : buffers)
      lives.push_back(lifetimeOf(buffer, body, position));
    SmallVector<int64_t> offsets;
    SmallVector<bool> reuses;
    int64_t end = placeBuffers(sizes, lives, alignment, offsets, reuses);

    OpBuilder b = OpBuilder::atBlockBegin(&launch.getBody().front());
    Location loc = launch.getLoc();
    Attribute space =
        cast<MemRefType>(buffers.front().getType()).getMemorySpace();
    auto bytesType = MemRefType::get({ShapedType::kDynamic},
                                     b.getIntegerType(8), AffineMap(), space);
    Value dynamic = gpu::DynamicSharedMemoryOp::create(b, loc, bytesType);
    // The first `alignment`-aligned byte of the dynamic buffer.
    Value shift = arith::ConstantIndexOp::create(b, loc, 0);
    int64_t slack = 0;
    if (alignment > kDynamicBaseAlignment) {
      Value base =
          memref::ExtractAlignedPointerAsIndexOp::create(b, loc, dynamic);
      Value align = arith::ConstantIndexOp::create(b, loc, alignment);
      Value misalignment = arith::RemUIOp::create(b, loc, base, align);
      shift = arith::RemUIOp::create(
          b, loc, arith::SubIOp::create(b, loc, align, misalignment), align);
      slack = alignment - kDynamicBaseAlignment;
    }
    for (auto [buffer, offset] : llvm::zip(buffers, offsets)) {
      Value attribution = buffer;
      Value at = arith::AddIOp::create(
          b, loc, shift, arith::ConstantIndexOp::create(b, loc, offset));
      Value view = memref::ViewOp::create(b, loc, buffer.getType(), dynamic, at,
                                          ValueRange{});
      attribution.replaceAllUsesWith(view);
    }
    separateReuses(body, buffers, lives, reuses);
    // The attributions are unused now: drop them.
    unsigned first = buffers.front().getArgNumber();
    unsigned count = buffers.size();
    launch.getBody().front().eraseArguments(first, count);
    launch->setAttr(gpu::LaunchOp::getNumWorkgroupAttributionsAttrName(),
                    b.getI64IntegerAttr(0));
    b.setInsertionPoint(launch);
    Value size =
        arith::ConstantIntOp::create(b, loc, b.getI32Type(), end + slack);
    launch.getDynamicSharedMemorySizeMutable().assign(size);
    return success();
  }
};

} // namespace
