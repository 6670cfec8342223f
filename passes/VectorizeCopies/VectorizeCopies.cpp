//===- VectorizeCopies.cpp - tile copies to aligned vector accesses -------===//
//
// Staged schedules copy each reduction step's operand tiles into shared
// memory; bufferization leaves those copies as memref.copy ops on views
// (a slice inserted into a slice), which would otherwise lower to scalar
// loops: one 2-byte load per f16 element. Here each copy becomes 1-D vector
// loads and stores of at most 16 bytes, and each access states the
// alignment that its address arithmetic proves, so the backend emits
// ld.global.v4 / st.shared.v4 and kgen-pipeline-shared-copies can turn the
// pairs into cp.async. Nothing is assumed that the index arithmetic does not
// show, apart from the buffers' base alignment (the `alignment` option; the
// promise kgen-align-kernel-arguments states to LLVM).
//
//===----------------------------------------------------------------------===//

#include "kgen/Conversion/Passes.h"
#include "kgen/Schedule/SharedMemoryLayout.h"
#include "kgen/Support/Divisibility.h"

namespace mlir::kgen {
#define GEN_PASS_DEF_VECTORIZECOPIESPASS
#include "kgen/Conversion/Passes.h.inc"
} // namespace mlir::kgen

using namespace mlir;
using namespace mlir::kgen;

namespace {

// The widest access: 16 bytes (ld.global.v4.b32, cp.async.cg).
constexpr int64_t kMaxAccessBytes = 16;
// kgen-pad-shared-buffers runs later; its padding keeps these alignments.
static_assert(kgen::kSharedRowPaddingBytes % kMaxAccessBytes == 0,
              "padding shared rows would break the alignment proven here");
// Copies of more elements stay loops (per-thread tiles are far smaller).
constexpr int64_t kMaxCopyElements = 512;

/// Whether `type` is a non-empty static shape of bytes-sized elements with
/// unit innermost stride.
bool isContiguousRows(MemRefType type) {
  SmallVector<int64_t> strides;
  int64_t offset;
  return type.hasStaticShape() && type.getRank() > 0 &&
         type.getNumElements() > 0 && type.getElementType().isIntOrFloat() &&
         type.getElementTypeBitWidth() % 8 == 0 &&
         succeeded(type.getStridesAndOffset(strides, offset)) &&
         strides.back() == 1;
}

struct VectorizeCopiesPass
    : public kgen::impl::VectorizeCopiesPassBase<VectorizeCopiesPass> {
  using VectorizeCopiesPassBase::VectorizeCopiesPassBase;

  /// The alignment in bytes, at most kMaxAccessBytes, at which every row of
  /// view `v` provably starts: from its offset, its outer strides and the
  /// buffers' base alignment.
  int64_t rowAlignment(Value v) const {
    return std::min(kgen::rowAlignment(v, alignment), kMaxAccessBytes);
  }

  /// Rewrites the copy `source` -> `target` into vector accesses; false if
  /// it is not a copy this pass handles.
  bool vectorize(Operation *copy, Value source, Value target) {
    auto sourceType = dyn_cast<MemRefType>(source.getType());
    auto targetType = dyn_cast<MemRefType>(target.getType());
    if (!sourceType || !targetType ||
        sourceType.getShape() != targetType.getShape() ||
        sourceType.getElementType() != targetType.getElementType() ||
        !isContiguousRows(sourceType) || !isContiguousRows(targetType) ||
        sourceType.getNumElements() > kMaxCopyElements)
      return false;
    ArrayRef<int64_t> shape = sourceType.getShape();
    int64_t elementBytes = sourceType.getElementTypeBitWidth() / 8;
    // The widest power-of-two chunk of a row that both sides' rows are
    // aligned to: every access is then aligned to its own size, as
    // cp.async and vector loads need (a wider, misaligned one would be
    // undefined behaviour, not a slow access).
    int64_t aligned = std::min(rowAlignment(source), rowAlignment(target));
    int64_t chunk = 1;
    while (shape.back() % (chunk * 2) == 0 &&
           chunk * 2 * elementBytes <= aligned)
      chunk *= 2;
    OpBuilder b(copy);
    Location loc = copy->getLoc();
    auto vectorType = VectorType::get({chunk}, sourceType.getElementType());
    auto access = llvm::MaybeAlign(chunk * elementBytes);
    SmallVector<Value> constants;
    auto constant = [&](int64_t i) {
      while (static_cast<int64_t>(constants.size()) <= i)
        constants.push_back(arith::ConstantIndexOp::create(
            b, loc, static_cast<int64_t>(constants.size())));
      return constants[i];
    };
    SmallVector<int64_t> index(shape.size(), 0);
    int64_t rows = sourceType.getNumElements() / shape.back();
    for (int64_t row = 0; row < rows; ++row) {
      // `row` as indices of the outer dimensions.
      for (int64_t d = shape.size() - 1, rest = row; d-- > 0;) {
        index[d] = rest % shape[d];
        rest /= shape[d];
      }
      for (int64_t col = 0; col < shape.back(); col += chunk) {
        index.back() = col;
        SmallVector<Value> indices;
        for (int64_t i : index)
          indices.push_back(constant(i));
        auto load = vector::LoadOp::create(b, loc, vectorType, source, indices,
                                           /*nontemporal=*/false, access);
        vector::StoreOp::create(b, loc, load, target, indices,
                                /*nontemporal=*/false, access);
      }
    }
    copy->erase();
    return true;
  }

  void runOnOperation() override {
    if (alignment <= 0 || (alignment & (alignment - 1)) != 0) {
      getOperation().emitError()
          << "kgen-vectorize-copies: alignment "
          << static_cast<int64_t>(alignment) << " is not a power of two";
      return signalPassFailure();
    }
    // Only copies inside scheduled loops: those at a kernel's top level
    // move whole buffers on the host side and stay copies.
    SmallVector<Operation *> copies;
    getOperation().walk([&](Operation *op) {
      if (isa<memref::CopyOp, linalg::CopyOp>(op) &&
          op->getParentOfType<scf::ForallOp>())
        copies.push_back(op);
    });
    for (Operation *op : copies) {
      if (auto copy = dyn_cast<memref::CopyOp>(op)) {
        // Bufferization leaves a tile's write-back as a copy onto itself.
        if (copy.getSource() == copy.getTarget())
          continue;
        (void)vectorize(copy, copy.getSource(), copy.getTarget());
        continue;
      }
      auto copy = cast<linalg::CopyOp>(op);
      if (copy.hasPureBufferSemantics())
        (void)vectorize(copy, copy.getInputs()[0], copy.getOutputs()[0]);
    }
  }
};

} // namespace
