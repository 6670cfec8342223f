//===- KgenToLinalg.h - kgen to linalg patterns -----------------*- C++ -*-===//
//
// Pattern population entry points, one per operation family, so that other
// compilers can mix kgen's lowerings into their own conversions.
//
//===----------------------------------------------------------------------===//

#ifndef KGEN_CONVERSION_KGENTOLINALG_H
#define KGEN_CONVERSION_KGENTOLINALG_H

#include "mlir/IR/PatternMatch.h"

#include <cstdint>
#include <optional>

namespace mlir::kgen {

/// Which rows along the innermost dimension get streaming statistics
/// (softmax's online maximum and sum, layer_norm's Welford): the row is
/// read once, chunk by chunk, instead of once per statistic.
enum class RowStreaming {
  /// Rows longer than a block of the target can stage in workgroup memory:
  /// the statistics of shorter rows read the staged copy.
  Auto,
  /// Every row that splits into chunks (a proposer's or a user's choice
  /// where the staged form's occupancy costs more than a second read).
  Always,
  /// No row: each statistic reads its row.
  Never,
};

/// The choices of the lowering that depend on the target.
struct KgenToLinalgOptions {
  RowStreaming streamRows = RowStreaming::Auto;
  /// With RowStreaming::Auto: the bytes of a row a block stages at most
  /// (the target's shared memory per block); std::nullopt: the most any
  /// known target's block stages.
  std::optional<int64_t> stagedRowBytes;
};

void populateContractionToLinalgPatterns(RewritePatternSet &patterns);
void populateElementwiseToLinalgPatterns(RewritePatternSet &patterns);
void populateReductionToLinalgPatterns(RewritePatternSet &patterns);
void populateNormalizationToLinalgPatterns(
    RewritePatternSet &patterns, const KgenToLinalgOptions &options = {});
void populateAttentionToLinalgPatterns(
    RewritePatternSet &patterns, const KgenToLinalgOptions &options = {});
void populateDataMovementToLinalgPatterns(RewritePatternSet &patterns);
void populatePoolingToLinalgPatterns(RewritePatternSet &patterns);
void populateScanToLinalgPatterns(RewritePatternSet &patterns);
/// Folds computations over zero-sized dimensions: linalg ops with a loop of
/// trip count 0 yield their inits, other ops with an empty result become
/// tensor.empty (applied after the lowering).
void populateEmptyTensorFoldingPatterns(RewritePatternSet &patterns);

/// All of the above.
void populateKgenToLinalgPatterns(RewritePatternSet &patterns,
                                  const KgenToLinalgOptions &options = {});

} // namespace mlir::kgen

#endif // KGEN_CONVERSION_KGENTOLINALG_H
