//===- KgenToLinalg.h - kgen to linalg patterns -----------------*- C++ -*-===//
//
// Pattern population entry points, one per operation family, so that other
// compilers can mix kgen's lowerings into their own conversions.
//
//===----------------------------------------------------------------------===//

#ifndef KGEN_CONVERSION_KGENTOLINALG_H
#define KGEN_CONVERSION_KGENTOLINALG_H

#include "mlir/IR/PatternMatch.h"

namespace mlir::kgen {

void populateContractionToLinalgPatterns(RewritePatternSet &patterns);
void populateElementwiseToLinalgPatterns(RewritePatternSet &patterns);
void populateReductionToLinalgPatterns(RewritePatternSet &patterns);
void populateNormalizationToLinalgPatterns(RewritePatternSet &patterns);
void populateAttentionToLinalgPatterns(RewritePatternSet &patterns);
void populateDataMovementToLinalgPatterns(RewritePatternSet &patterns);
void populatePoolingToLinalgPatterns(RewritePatternSet &patterns);
void populateScanToLinalgPatterns(RewritePatternSet &patterns);
/// Folds computations over zero-sized dimensions: linalg ops with a loop of
/// trip count 0 yield their inits, other ops with an empty result become
/// tensor.empty (applied after the lowering).
void populateEmptyTensorFoldingPatterns(RewritePatternSet &patterns);

/// All of the above.
void populateKgenToLinalgPatterns(RewritePatternSet &patterns);

} // namespace mlir::kgen

#endif // KGEN_CONVERSION_KGENTOLINALG_H
