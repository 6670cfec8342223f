//===- LowerGpuMemorySpaces.cpp - GPU memory spaces to address spaces -----===//
//
// A schedule that stages operands through shared memory places them in
// #gpu.address_space<workgroup> buffers. The LLVM conversions take numeric
// address spaces only (the vector conversion, which the device modules run
// before NVVM/ROCDL, reports an error for every other one), so this pass
// rewrites the memory space of every memref type in the module: dropped on
// the host, where the CPU runs scheduled kernels with all buffers in host
// memory, and the target's address space on a GPU.
//
//===----------------------------------------------------------------------===//

#include "kgen/Conversion/Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/AttrTypeSubElements.h"
#include "mlir/IR/BuiltinTypes.h"

namespace mlir::kgen {
#define GEN_PASS_DEF_LOWERGPUMEMORYSPACESPASS
#include "kgen/Conversion/Passes.h.inc"
} // namespace mlir::kgen

using namespace mlir;

namespace {
/// The numeric address space of each GPU memory space on `target` (0 is
/// the default space, which memref types leave out).
std::optional<std::function<unsigned(gpu::AddressSpace)>>
addressSpaces(llvm::StringRef target) {
  if (target == "host")
    return [](gpu::AddressSpace) { return 0u; };
  bool nvvm = target == "nvvm";
  if (!nvvm && target != "rocdl")
    return std::nullopt;
  return [nvvm](gpu::AddressSpace space) -> unsigned {
    switch (space) {
    case gpu::AddressSpace::Global:
      return 1;
    case gpu::AddressSpace::Workgroup:
      return 3;
    case gpu::AddressSpace::Private:
      return nvvm ? 0 : 5;
    }
    llvm_unreachable("unknown GPU address space");
  };
}

struct LowerGpuMemorySpacesPass
    : public kgen::impl::LowerGpuMemorySpacesPassBase<
          LowerGpuMemorySpacesPass> {
  using LowerGpuMemorySpacesPassBase::LowerGpuMemorySpacesPassBase;

  void runOnOperation() override {
    auto spaces = addressSpaces(target);
    if (!spaces) {
      getOperation().emitError()
          << "kgen-lower-gpu-memory-spaces: unknown target '" << target
          << "'; expected host, nvvm or rocdl";
      return signalPassFailure();
    }
    MLIRContext *context = &getContext();
    AttrTypeReplacer replacer;
    replacer.addReplacement([&](BaseMemRefType type) -> std::optional<Type> {
      auto space =
          dyn_cast_or_null<gpu::AddressSpaceAttr>(type.getMemorySpace());
      if (!space)
        return std::nullopt;
      unsigned number = (*spaces)(space.getValue());
      Attribute memorySpace =
          number ? IntegerAttr::get(IntegerType::get(context, 64), number)
                 : Attribute();
      if (auto ranked = dyn_cast<MemRefType>(type))
        return MemRefType::get(ranked.getShape(), ranked.getElementType(),
                               ranked.getLayout(), memorySpace);
      return UnrankedMemRefType::get(type.getElementType(), memorySpace);
    });
    // gpu.dynamic_shared_memory must keep the workgroup memory space (its
    // verifier checks, and its GPU lowering places it): its users take the
    // numeric space through a cast, which the LLVM conversions fold away.
    SmallVector<std::pair<gpu::DynamicSharedMemoryOp, Type>> dynamic;
    getOperation().walk([&](gpu::DynamicSharedMemoryOp op) {
      dynamic.push_back({op, op.getType()});
    });
    replacer.recursivelyReplaceElementsIn(getOperation(),
                                          /*replaceAttrs=*/true,
                                          /*replaceLocs=*/false,
                                          /*replaceTypes=*/true);
    for (auto [op, original] : dynamic) {
      Type lowered = op.getType();
      if (lowered == original)
        continue;
      op.getResult().setType(cast<MemRefType>(original));
      OpBuilder b(op->getContext());
      b.setInsertionPointAfter(op);
      auto castOp = UnrealizedConversionCastOp::create(b, op.getLoc(), lowered,
                                                       op.getResult());
      op.getResult().replaceAllUsesExcept(castOp.getResult(0), castOp);
    }
  }
};
} // namespace
