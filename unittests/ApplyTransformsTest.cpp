//===- ApplyTransformsTest.cpp - building and applying transform IR ------===//

#include "kgen/Transform/ApplyTransforms.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/TransformOps/LinalgTransformOps.h"
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

  /// A module that annotates the op tagged `tag` with `note`.
  OwningOpRef<ModuleOp> annotate(llvm::StringRef note) {
    return buildTransformModule(
        &context, UnknownLoc::get(&context),
        [&](ImplicitLocOpBuilder &b, Value root) {
          auto anyOp = transform::AnyOpType::get(&context);
          DictionaryAttr tag =
              b.getDictionaryAttr(b.getNamedAttr("tag", b.getUnitAttr()));
          Value op = transform::MatchOp::create(
              b, anyOp, root, ArrayAttr(), transform::MatchInterfaceEnumAttr(),
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

TEST_F(ApplyTransforms, FailuresSayWhatFailed) {
  auto malformed = applyTransformText(*payload, "module {");
  ASSERT_TRUE(malformed.has_value());
  EXPECT_EQ(malformed->kind, TransformError::Kind::Malformed);

  auto noEntry = applyTransformText(
      *payload, "module attributes {transform.with_named_sequence} {}");
  ASSERT_TRUE(noEntry.has_value());
  EXPECT_EQ(noEntry->kind, TransformError::Kind::Malformed);
  EXPECT_NE(noEntry->diagnostics.find("__transform_main"), std::string::npos);

  // Tiling a function is not something the interpreter can do.
  auto refused = applyTransformText(*payload, R"mlir(
    module attributes {transform.with_named_sequence} {
      transform.named_sequence @__transform_main(
          %root: !transform.any_op {transform.readonly}) {
        %f = transform.structured.match ops{["func.func"]} in %root
            : (!transform.any_op) -> !transform.any_op
        %t, %l = transform.structured.tile_using_for %f tile_sizes [4]
            : (!transform.any_op) -> (!transform.any_op, !transform.any_op)
        transform.yield
      }
    })mlir");
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->kind, TransformError::Kind::Interpreter);
  EXPECT_FALSE(refused->diagnostics.empty());
}

} // namespace
