//===- KgenToLinalg.cpp - the kgen-to-linalg pass -------------------------===//
//
// Assembles the per-family patterns and runs a partial conversion in which
// every kgen op is illegal, then folds computations over zero-sized
// dimensions (EmptyTensors.cpp).
//
//===----------------------------------------------------------------------===//

#include "kgen/Conversion/KgenToLinalg.h"
#include "kgen/Conversion/Passes.h"
#include "kgen/Dialect/Kgen/KgenDialect.h"

#include "mlir/Transforms/DialectConversion.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::kgen {
#define GEN_PASS_DEF_CONVERTKGENTOLINALGPASS
#include "kgen/Conversion/Passes.h.inc"
} // namespace mlir::kgen

using namespace mlir;
using namespace mlir::kgen;

void mlir::kgen::populateKgenToLinalgPatterns(RewritePatternSet &patterns) {
  populateContractionToLinalgPatterns(patterns);
  populateElementwiseToLinalgPatterns(patterns);
  populateReductionToLinalgPatterns(patterns);
  populateNormalizationToLinalgPatterns(patterns);
  populateAttentionToLinalgPatterns(patterns);
  populateDataMovementToLinalgPatterns(patterns);
  populatePoolingToLinalgPatterns(patterns);
  populateScanToLinalgPatterns(patterns);
}

namespace mlir::kgen {
namespace {
struct ConvertKgenToLinalgPass final
    : impl::ConvertKgenToLinalgPassBase<ConvertKgenToLinalgPass> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    ConversionTarget target(*ctx);
    target.addIllegalDialect<KgenDialect>();
    target.markUnknownOpDynamicallyLegal([](Operation *) { return true; });
    RewritePatternSet patterns(ctx);
    populateKgenToLinalgPatterns(patterns);
    if (failed(applyPartialConversion(getOperation(), target,
                                      std::move(patterns))))
      return signalPassFailure();
    // Only these patterns: no folding, constant CSE or region
    // simplification, which would rewrite every program's lowering.
    RewritePatternSet empty(ctx);
    populateEmptyTensorFoldingPatterns(empty);
    GreedyRewriteConfig config;
    config.enableFolding(false).enableConstantCSE(false);
    config.setRegionSimplificationLevel(GreedySimplifyRegionLevel::Disabled);
    if (failed(applyPatternsGreedily(getOperation(), std::move(empty), config)))
      signalPassFailure();
  }
};
} // namespace
} // namespace mlir::kgen
