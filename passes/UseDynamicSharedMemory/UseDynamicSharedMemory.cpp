//===- UseDynamicSharedMemory.cpp - shared buffers past 48 KB -------------===//
//
// A launch's workgroup attributions become static .shared arrays, and
// CUDA caps static shared memory at 48 KB per block; the rest of what a
// block may use (227 KB on an H100) is dynamic shared memory, sized at
// launch. A launch whose buffers need more than the static limit gets them
// as views of its dynamic shared memory instead, at the offsets the
// attributions would have had (each aligned as kgen-align-kernel-arguments
// aligns them: a swizzle atom in kernels using wgmma), and declares the
// total as its dynamic shared-memory size. The runtime raises the kernel's
// dynamic limit to that size before launching it.
//
// Dynamic shared memory is only promised 16-byte aligned, so a larger
// alignment is reached at run time: the views start at the first aligned
// address, and the launch asks for that much more.
//
//===----------------------------------------------------------------------===//

#include "kgen/Conversion/Passes.h"
#include "kgen/Support/Divisibility.h"

namespace mlir::kgen {
#define GEN_PASS_DEF_USEDYNAMICSHAREDMEMORYPASS
#include "kgen/Conversion/Passes.h.inc"
} // namespace mlir::kgen

using namespace mlir;

namespace {

constexpr int64_t kDynamicBaseAlignment = 16;

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

  LogicalResult convert(gpu::LaunchOp launch) {
    SmallVector<BlockArgument> buffers =
        llvm::to_vector(launch.getWorkgroupAttributions());
    if (buffers.empty() || launch.getDynamicSharedMemorySize())
      return success();
    int64_t alignment = kgen::sharedBufferAlignment(launch, bufferAlignment);
    SmallVector<int64_t> offsets;
    int64_t end = 0;
    for (BlockArgument buffer : buffers) {
      auto type = cast<MemRefType>(buffer.getType());
      // memref.view takes static, identity-layout results only (kgen's
      // shared buffers are): others keep the launch's buffers static.
      if (!type.hasStaticShape() || !type.getLayout().isIdentity() ||
          !type.getElementType().isIntOrFloat())
        return success();
      end = llvm::alignTo(end, alignment);
      offsets.push_back(end);
      end += type.getNumElements() *
             std::max<int64_t>(1, type.getElementTypeBitWidth() / 8);
    }
    if (end <= staticLimit)
      return success();

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
