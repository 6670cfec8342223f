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
#include "kgen/Schedule/Target.h"

#include "llvm/ADT/StringExtras.h"

#include "mlir/Transforms/DialectConversion.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::kgen {
#define GEN_PASS_DEF_CONVERTKGENTOLINALGPASS
#include "kgen/Conversion/Passes.h.inc"
} // namespace mlir::kgen

using namespace mlir;
using namespace mlir::kgen;

void mlir::kgen::populateKgenToLinalgPatterns(
    RewritePatternSet &patterns, const KgenToLinalgOptions &options) {
  populateContractionToLinalgPatterns(patterns);
  populateElementwiseToLinalgPatterns(patterns);
  populateReductionToLinalgPatterns(patterns);
  populateNormalizationToLinalgPatterns(patterns, options);
  populateAttentionToLinalgPatterns(patterns, options);
  populateDataMovementToLinalgPatterns(patterns);
  populatePoolingToLinalgPatterns(patterns);
  populateScanToLinalgPatterns(patterns);
}

namespace mlir::kgen {
namespace {
struct ConvertKgenToLinalgPass final
    : impl::ConvertKgenToLinalgPassBase<ConvertKgenToLinalgPass> {
  using Base::Base;

  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    KgenToLinalgOptions options;
    options.streamRows = streamRows;
    if (!target.empty()) {
      std::optional<TargetDescription> chip = lookupTarget(target);
      if (!chip) {
        getOperation()->emitError()
            << "kgen-to-linalg: unknown target '" << target
            << "'; known: " << llvm::join(knownTargets(), ", ");
        return signalPassFailure();
      }
      options.stagedRowBytes = chip->sharedMemoryPerBlock;
    }
    ConversionTarget legality(*ctx);
    legality.addIllegalDialect<KgenDialect>();
    legality.markUnknownOpDynamicallyLegal([](Operation *) { return true; });
    RewritePatternSet patterns(ctx);
    populateKgenToLinalgPatterns(patterns, options);
    if (failed(applyPartialConversion(getOperation(), legality,
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
