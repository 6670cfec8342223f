//===- KgenOps.h - kgen dialect operations ----------------------*- C++ -*-===//
//
// Operation classes of the kgen dialect, plus the shape rules (broadcasting,
// reductions, convolution output size) that verifiers and lowerings share.
//
//===----------------------------------------------------------------------===//

#ifndef KGEN_DIALECT_KGEN_KGENOPS_H
#define KGEN_DIALECT_KGEN_KGENOPS_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "kgen/Dialect/Kgen/KgenDialect.h"

#include "kgen/Dialect/Kgen/KgenEnums.h.inc"

namespace mlir::kgen {

/// Verifies that every tensor operand and result of `op` is statically shaped
/// and that all float operands and results share one element type.
LogicalResult verifyStaticTensors(Operation *op);

namespace OpTrait {
template <typename ConcreteType>
class StaticTensors
    : public mlir::OpTrait::TraitBase<ConcreteType, StaticTensors> {
public:
  static LogicalResult verifyTrait(Operation *op) {
    return verifyStaticTensors(op);
  }
};
} // namespace OpTrait

/// PyTorch broadcasting of two shapes; std::nullopt if they are incompatible.
std::optional<SmallVector<int64_t>> broadcastShapes(ArrayRef<int64_t> lhs,
                                                    ArrayRef<int64_t> rhs);

/// Shape of `input` reduced over `dims`, keeping them as size 1 if `keepdim`.
SmallVector<int64_t> reducedShape(ArrayRef<int64_t> input,
                                  ArrayRef<int64_t> dims, bool keepdim);

} // namespace mlir::kgen

#define GET_ATTRDEF_CLASSES
#include "kgen/Dialect/Kgen/KgenAttrs.h.inc"

#define GET_OP_CLASSES
#include "kgen/Dialect/Kgen/KgenOps.h.inc"

#endif // KGEN_DIALECT_KGEN_KGENOPS_H
