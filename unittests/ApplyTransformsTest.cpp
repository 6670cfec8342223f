//===- ApplyTransformsTest.cpp - building and applying transform IR ------===//

#include "kgen/Transform/ApplyTransforms.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/TransformOps/LinalgTransformOps.h"
#include "mlir/Dialect/Transform/IR/TransformDialect.h"
#include "mlir/Dialect/Transform/IR/TransformOps.h"
#include "mlir/Dialect/Transform/IR/TransformTypes.h"
#include "mlir/Parser/Parser.h"

#include <gtest/gtest.h>

using namespace mlir;
using namespace mlir::kgen;

namespace {

class ApplyTransforms : public ::testing::Test {
protected:
  ApplyTransforms() : context(registry()) {
    context.loadAllAvailableDialects();
    payload = parseSourceString<ModuleOp>(R"mlir(
      func.func @f(%x: tensor<8xf32>) -> tensor<8xf32> {
        %y = arith.addf %x, %x {tag} : tensor<8xf32>
        return %y : tensor<8xf32>
      }
    )mlir",
                                          &context);
  }
  static DialectRegistry registry() {
    DialectRegistry r;
    registerTransformDependencies(r);
    return r;
  }

  OwningOpRef<ModuleOp>
  build(llvm::function_ref<void(ImplicitLocOpBuilder &, Value)> body) {
    return buildTransformModule(&context, UnknownLoc::get(&context), body);
  }

  /// A module that annotates the op tagged `tag` with `note`.
  OwningOpRef<ModuleOp> annotate(llvm::StringRef note) {
    return build([&](ImplicitLocOpBuilder &b, Value root) {
      auto anyOp = transform::AnyOpType::get(&context);
      DictionaryAttr tag =
          b.getDictionaryAttr(b.getNamedAttr("tag", b.getUnitAttr()));
      Value op = transform::MatchOp::create(b, anyOp, root, ArrayAttr(),
                                            transform::MatchInterfaceEnumAttr(),
                                            tag, TypeAttr(), ArrayAttr());
      transform::AnnotateOp::create(b, op, b.getStringAttr(note), Value());
    });
  }

  MLIRContext context;
  OwningOpRef<ModuleOp> payload;
};

TEST_F(ApplyTransforms, BuiltModulesApplyToThePayload) {
  ASSERT_TRUE(payload);
  EXPECT_FALSE(applyTransforms(*payload, *annotate("seen")).has_value());
  bool annotated = false;
  payload->walk([&](Operation *op) { annotated |= op->hasAttr("seen"); });
  EXPECT_TRUE(annotated);
}

TEST_F(ApplyTransforms, TheEntryPointOnlyReadsItsRoot) {
  OwningOpRef<ModuleOp> module = annotate("seen");
  auto entry = module->lookupSymbol<transform::NamedSequenceOp>(
      transform::TransformDialect::kTransformEntryPointSymbolName);
  ASSERT_TRUE(entry);
  EXPECT_TRUE(
      entry.getArgAttr(0, transform::TransformDialect::kArgReadOnlyAttrName));
}

TEST_F(ApplyTransforms, FailuresSayWhatFailed) {
  auto anyOp = transform::AnyOpType::get(&context);
  auto matchFunc = [&](ImplicitLocOpBuilder &b, Value root) -> Value {
    return transform::MatchOp::create(b, root, {"func.func"});
  };

  // A module that does not verify: two tiled loops, one loop handle.
  OwningOpRef<ModuleOp> twoLoopsOneHandle =
      build([&](ImplicitLocOpBuilder &b, Value root) {
        transform::TileUsingForOp::create(
            b, anyOp, TypeRange{anyOp}, matchFunc(b, root), ValueRange(),
            b.getDenseI64ArrayAttr({4, 4}), DenseI64ArrayAttr(),
            b.getDenseBoolArrayAttr({false, false}));
      });
  auto malformed = applyTransforms(*payload, *twoLoopsOneHandle);
  ASSERT_TRUE(malformed.has_value());
  EXPECT_EQ(malformed->kind, TransformError::Kind::Malformed);
  EXPECT_NE(malformed->diagnostics.find("loops"), std::string::npos);

  OwningOpRef<ModuleOp> empty = ModuleOp::create(UnknownLoc::get(&context));
  auto noEntry = applyTransforms(*payload, *empty);
  ASSERT_TRUE(noEntry.has_value());
  EXPECT_EQ(noEntry->kind, TransformError::Kind::Malformed);
  EXPECT_NE(noEntry->diagnostics.find("__transform_main"), std::string::npos);

  // Tiling a function is not something the interpreter can do.
  OwningOpRef<ModuleOp> tileFunction =
      build([&](ImplicitLocOpBuilder &b, Value root) {
        transform::TileUsingForOp::create(
            b, TypeRange{anyOp}, matchFunc(b, root), ArrayRef<int64_t>{4});
      });
  auto refused = applyTransforms(*payload, *tileFunction);
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->kind, TransformError::Kind::Interpreter);
  EXPECT_FALSE(refused->diagnostics.empty());
}

} // namespace
