//===- AlignKernelArguments.cpp - promise aligned kernel buffers ----------===//
//
// Vectorized schedules load and store several elements at once, but LLVM
// only merges them into vector instructions (ld.global.v4 and the like) when
// it can prove the address aligned. Offsets derived from thread ids are
// multiples of the vector width; what it cannot know is the buffers' base
// alignment. kgen's runtime guarantees it (device allocations are at least
// 256-byte aligned, and the C API refuses caller buffers that are not
// kKernelBufferAlignment-aligned), so this pass states it on every memref
// argument of every GPU kernel as `llvm.align`, and gives every
// shared-memory buffer of a kernel the same alignment (1024 bytes, a
// swizzle atom, in kernels using wgmma).
//
//===----------------------------------------------------------------------===//

#include "kgen/Conversion/Passes.h"
#include "kgen/Support/Divisibility.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"

namespace mlir::kgen {
#define GEN_PASS_DEF_ALIGNKERNELARGUMENTSPASS
#include "kgen/Conversion/Passes.h.inc"
} // namespace mlir::kgen

using namespace mlir;
using namespace mlir::kgen;

namespace {
struct AlignKernelArgumentsPass
    : public kgen::impl::AlignKernelArgumentsPassBase<
          AlignKernelArgumentsPass> {
  using AlignKernelArgumentsPassBase::AlignKernelArgumentsPassBase;

  void runOnOperation() override {
    if (alignment == 0 || (alignment & (alignment - 1)) != 0) {
      getOperation().emitError()
          << "kgen-align-kernel-arguments: alignment "
          << static_cast<int64_t>(alignment) << " is not a power of two";
      return signalPassFailure();
    }
    Builder builder(&getContext());
    auto attr = builder.getI64IntegerAttr(alignment);
    getOperation().walk([&](gpu::GPUFuncOp func) {
      if (!func.isKernel())
        return;
      for (auto [i, type] : llvm::enumerate(func.getArgumentTypes()))
        if (isa<MemRefType>(type))
          func.setArgAttr(i, LLVM::LLVMDialect::getAlignAttrName(), attr);
      // Shared-memory buffers are laid out one after the other; without an
      // alignment of their own, a buffer after one of 36 bytes starts
      // misaligned for the vector accesses the backend derives from it
      // (a CUDA "misaligned address" fault).
      // wgmma's swizzled operands need whole atoms; the kernel's other
      // buffers get the same alignment (the shared-memory model counts
      // every buffer so rounded).
      IntegerAttr sharedAttr = builder.getI64IntegerAttr(
          kgen::sharedBufferAlignment(func, alignment));
      StringAttr align =
          builder.getStringAttr(LLVM::LLVMDialect::getAlignAttrName());
      for (unsigned i = 0, e = func.getNumWorkgroupAttributions(); i < e; ++i)
        func.setWorkgroupAttributionAttr(i, align, sharedAttr);
    });
  }
};
} // namespace
