//===- ApplyTransforms.h - build and apply transform scripts -----*- C++
//-*-===//
//
// kgen drives upstream's transformations (tiling, fusion, GPU mapping)
// through the transform dialect. This library builds transform modules in
// C++ and applies them to payload IR, reporting failures by kind; it needs
// neither a parser round trip nor the CPU JIT.
//
//===----------------------------------------------------------------------===//

#ifndef KGEN_TRANSFORM_APPLYTRANSFORMS_H
#define KGEN_TRANSFORM_APPLYTRANSFORMS_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "mlir/IR/OwningOpRef.h"

#include <optional>
#include <string>

namespace mlir::kgen {

/// Why applying a transform module failed.
struct TransformError {
  enum class Kind {
    /// The module does not verify or has no @__transform_main.
    Malformed,
    /// The interpreter refused or a transformation failed.
    Interpreter,
    /// The transformed payload does not pass the IR verifier.
    Verifier,
  };
  Kind kind;
  /// What the parser, interpreter or verifier reported.
  std::string diagnostics;
};

/// Registers the transform dialect and every extension of it whose ops
/// kgen's transform modules use. Passes that build or apply them call it
/// from getDependentDialects.
void registerTransformDependencies(DialectRegistry &registry);

/// A module holding `@__transform_main(%root: !transform.any_op
/// {transform.readonly})`, with `body` building its ops (the terminating
/// transform.yield is added).
OwningOpRef<ModuleOp> buildTransformModule(
    MLIRContext *context, Location loc,
    llvm::function_ref<void(ImplicitLocOpBuilder &, Value root)> body);

/// Verifies `transforms`, applies its `@__transform_main` to `payload` in
/// place and verifies the result. std::nullopt on success.
std::optional<TransformError> applyTransforms(Operation *payload,
                                              ModuleOp transforms);

} // namespace mlir::kgen

#endif // KGEN_TRANSFORM_APPLYTRANSFORMS_H
