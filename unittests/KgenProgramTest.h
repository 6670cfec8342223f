//===- KgenProgramTest.h - a fixture that parses kgen programs ------------===//
//
// Tests that compile or run kgen programs parse them in a context that has
// the func dialect and everything kgen registers.
//
//===----------------------------------------------------------------------===//

#ifndef KGEN_UNITTESTS_KGENPROGRAMTEST_H
#define KGEN_UNITTESTS_KGENPROGRAMTEST_H

#include "kgen/Registration/Registration.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"

#include <gtest/gtest.h>

namespace mlir::kgen {

class KgenProgramTest : public ::testing::Test {
protected:
  KgenProgramTest() {
    DialectRegistry registry;
    registry.insert<func::FuncDialect>();
    registerAllKgen(registry);
    context.appendDialectRegistry(registry);
  }
  OwningOpRef<ModuleOp> parse(llvm::StringRef source) {
    return parseSourceString<ModuleOp>(source, &context);
  }
  MLIRContext context;
};

} // namespace mlir::kgen

#endif // KGEN_UNITTESTS_KGENPROGRAMTEST_H
