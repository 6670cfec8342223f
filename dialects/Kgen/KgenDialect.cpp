//===- KgenDialect.cpp - kgen dialect registration ------------------------===//

#include "kgen/Dialect/Kgen/KgenDialect.h"

#include "kgen/Dialect/Kgen/KgenOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::kgen;

#include "kgen/Dialect/Kgen/KgenEnums.cpp.inc"
#include "kgen/Dialect/Kgen/KgenOpsDialect.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "kgen/Dialect/Kgen/KgenAttrs.cpp.inc"

void KgenDialect::initialize() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "kgen/Dialect/Kgen/KgenAttrs.cpp.inc"
      >();
  addOperations<
#define GET_OP_LIST
#include "kgen/Dialect/Kgen/KgenOps.cpp.inc"
      >();
}

Operation *KgenDialect::materializeConstant(OpBuilder &builder, Attribute value,
                                            Type type, Location loc) {
  auto typed = dyn_cast<TypedAttr>(value);
  if (!typed || typed.getType() != type || !isa<ElementsAttr>(value))
    return nullptr;
  return ConstantOp::create(builder, loc, cast<ElementsAttr>(value));
}
