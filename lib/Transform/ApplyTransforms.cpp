//===- ApplyTransforms.cpp - build and apply transform scripts ------------===//

#include "kgen/Transform/ApplyTransforms.h"

#include "mlir/Dialect/Transform/IR/TransformDialect.h"
#include "mlir/Dialect/Transform/IR/TransformOps.h"
#include "mlir/Dialect/Transform/IR/TransformTypes.h"
#include "mlir/Dialect/Transform/Transforms/TransformInterpreterUtils.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"

using namespace mlir;
using namespace mlir::kgen;

void mlir::kgen::registerTransformDependencies(DialectRegistry &registry) {
  // The transformations meet ops of most upstream dialects and need their
  // interface models (tiling, bufferization, ...) and transform extensions,
  // as mlir-opt registers them.
  registerAllDialects(registry);
  registerAllExtensions(registry);
}

OwningOpRef<ModuleOp> mlir::kgen::buildTransformModule(
    MLIRContext *context, Location loc,
    llvm::function_ref<void(ImplicitLocOpBuilder &, Value)> body) {
  context->getOrLoadDialect<transform::TransformDialect>();
  OwningOpRef<ModuleOp> module = ModuleOp::create(loc);
  (*module)->setAttr(transform::TransformDialect::kWithNamedSequenceAttrName,
                     UnitAttr::get(context));
  OpBuilder b(context);
  b.setInsertionPointToEnd(module->getBody());
  auto anyOp = transform::AnyOpType::get(context);
  auto readonly = b.getDictionaryAttr(b.getNamedAttr(
      transform::TransformDialect::kArgReadOnlyAttrName, b.getUnitAttr()));
  auto entry = transform::NamedSequenceOp::create(
      b, loc, transform::TransformDialect::kTransformEntryPointSymbolName,
      anyOp, TypeRange(),
      [&](OpBuilder &nested, Location nestedLoc, BlockArgument root) {
        ImplicitLocOpBuilder ib(nestedLoc, nested);
        body(ib, root);
        transform::YieldOp::create(ib);
      });
  // The builder drops its argAttrs parameter (LLVM 22): set them here.
  entry.setArgAttrsAttr(b.getArrayAttr({readonly}));
  return module;
}

std::optional<TransformError> mlir::kgen::applyTransforms(Operation *payload,
                                                          ModuleOp transforms) {
  std::string diagnostics;
  llvm::raw_string_ostream os(diagnostics);
  ScopedDiagnosticHandler handler(payload->getContext(), [&](Diagnostic &diag) {
    os << diag << "\n";
    for (Diagnostic &note : diag.getNotes())
      os << "  note: " << note << "\n";
    return success();
  });
  // Built modules are not verified as they are made, as parsed ones are.
  if (failed(mlir::verify(transforms)))
    return TransformError{TransformError::Kind::Malformed, diagnostics};
  Operation *entry = transforms.lookupSymbol(
      transform::TransformDialect::kTransformEntryPointSymbolName);
  if (!entry)
    return TransformError{TransformError::Kind::Malformed,
                          "the transform module has no @__transform_main"};
  if (failed(transform::applyTransformNamedSequence(
          payload, entry, transforms, transform::TransformOptions())))
    return TransformError{TransformError::Kind::Interpreter, diagnostics};
  if (failed(mlir::verify(payload)))
    return TransformError{TransformError::Kind::Verifier, diagnostics};
  return std::nullopt;
}
