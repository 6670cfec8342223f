//===- Registration.cpp - one-call registration of kgen -------------------===//

#include "kgen/Registration/Registration.h"

#include "kgen/Conversion/Passes.h"
#include "kgen/Dialect/Kgen/KgenDialect.h"
#include "kgen/Pipelines/Pipelines.h"

#include "mlir/IR/DialectRegistry.h"

void mlir::kgen::registerAllKgen(DialectRegistry &registry) {
  registry.insert<KgenDialect, arith::ArithDialect, linalg::LinalgDialect,
                  math::MathDialect, tensor::TensorDialect>();
  // Pass registration is global; do it once however often we are called.
  static bool passesRegistered = [] {
    registerKgenConversionPasses();
    registerKgenPipelines();
    registerKgenGpuPipelines();
    return true;
  }();
  (void)passesRegistered;
}
