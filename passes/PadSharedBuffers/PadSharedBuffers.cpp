//===- PadSharedBuffers.cpp - bank-conflict-free shared-memory rows -------===//
//
// A staged tile of 64 f16 (or 32 f32) columns puts every row in the same
// banks, and the warps that read it down its columns (tensor-core fragment
// loads, the accumulator's fragments) serialize up to 8 ways. Each such
// buffer is allocated with its rows padded (kgen/Conversion/
// SharedMemoryLayout.h, the rule the scheduler's shared-memory model
// counts) and used through a view of the original shape. Only the layout
// changes: every user of the buffer takes the strided view as it took the
// buffer.
//
//===----------------------------------------------------------------------===//

#include "kgen/Conversion/Passes.h"
#include "kgen/Schedule/SharedMemoryLayout.h"

#include "mlir/IR/PatternMatch.h"

namespace mlir::kgen {
#define GEN_PASS_DEF_PADSHAREDBUFFERSPASS
#include "kgen/Conversion/Passes.h.inc"
} // namespace mlir::kgen

using namespace mlir;

namespace {

/// Whether every (transitive) user of `view` takes a view of any strided
/// layout: subviews, whose results are rebuilt, and memory accesses.
bool usersTakeAnyLayout(Value view) {
  for (Operation *user : view.getUsers()) {
    if (auto subview = dyn_cast<memref::SubViewOp>(user)) {
      if (subview.getSource() != view ||
          !usersTakeAnyLayout(subview.getResult()))
        return false;
      continue;
    }
    if (isa<memref::LoadOp, memref::StoreOp, vector::LoadOp, vector::StoreOp,
            vector::TransferReadOp, vector::TransferWriteOp, memref::CopyOp,
            memref::DeallocOp, nvgpu::DeviceAsyncCopyOp, nvgpu::LdMatrixOp>(
            user))
      continue;
    if (auto linalgOp = dyn_cast<linalg::LinalgOp>(user);
        linalgOp && linalgOp.hasPureBufferSemantics())
      continue;
    return false;
  }
  return true;
}

/// Replaces `old` by `replacement`, a view of another layout, rebuilding the
/// subviews taken of it.
void replaceView(RewriterBase &rewriter, Value old, Value replacement) {
  for (OpOperand &use : llvm::make_early_inc_range(old.getUses())) {
    Operation *user = use.getOwner();
    if (auto subview = dyn_cast<memref::SubViewOp>(user)) {
      rewriter.setInsertionPoint(subview);
      auto type = memref::SubViewOp::inferRankReducedResultType(
          subview.getType().getShape(), cast<MemRefType>(replacement.getType()),
          subview.getMixedOffsets(), subview.getMixedSizes(),
          subview.getMixedStrides());
      auto rebuilt = memref::SubViewOp::create(
          rewriter, subview.getLoc(), type, replacement,
          subview.getMixedOffsets(), subview.getMixedSizes(),
          subview.getMixedStrides());
      replaceView(rewriter, subview.getResult(), rebuilt.getResult());
      rewriter.eraseOp(subview);
      continue;
    }
    rewriter.modifyOpInPlace(user, [&] { use.set(replacement); });
  }
}

struct PadSharedBuffersPass
    : public kgen::impl::PadSharedBuffersPassBase<PadSharedBuffersPass> {
  using PadSharedBuffersPassBase::PadSharedBuffersPassBase;

  void runOnOperation() override {
    SmallVector<memref::AllocOp> allocs;
    getOperation().walk([&](memref::AllocOp alloc) {
      if (gpu::GPUDialect::hasWorkgroupMemoryAddressSpace(alloc.getType()))
        allocs.push_back(alloc);
    });
    IRRewriter rewriter(&getContext());
    for (memref::AllocOp alloc : allocs) {
      MemRefType type = alloc.getType();
      if (!type.hasStaticShape() || type.getRank() < 2 ||
          !type.getLayout().isIdentity() ||
          type.getElementTypeBitWidth() % 8 != 0)
        continue;
      int64_t row = type.getShape().back();
      int64_t padded =
          kgen::paddedRowElements(row, type.getElementTypeBitWidth() / 8);
      if (padded == row || !usersTakeAnyLayout(alloc.getResult()))
        continue;
      SmallVector<int64_t> shape(type.getShape());
      shape.back() = padded;
      rewriter.setInsertionPoint(alloc);
      auto paddedAlloc = memref::AllocOp::create(
          rewriter, alloc.getLoc(),
          MemRefType::get(shape, type.getElementType(), AffineMap(),
                          type.getMemorySpace()),
          alloc.getAlignmentAttr());
      SmallVector<OpFoldResult> offsets(type.getRank(),
                                        rewriter.getIndexAttr(0));
      SmallVector<OpFoldResult> sizes,
          strides(type.getRank(), rewriter.getIndexAttr(1));
      for (int64_t size : type.getShape())
        sizes.push_back(rewriter.getIndexAttr(size));
      auto view = memref::SubViewOp::create(
          rewriter, alloc.getLoc(), paddedAlloc, offsets, sizes, strides);
      // Deallocation frees the allocation, not the view.
      for (Operation *user : llvm::make_early_inc_range(alloc->getUsers()))
        if (auto dealloc = dyn_cast<memref::DeallocOp>(user))
          rewriter.modifyOpInPlace(
              dealloc, [&] { dealloc.getMemrefMutable().assign(paddedAlloc); });
      replaceView(rewriter, alloc.getResult(), view.getResult());
      rewriter.eraseOp(alloc);
    }
  }
};

} // namespace
