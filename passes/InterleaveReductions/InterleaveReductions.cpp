//===- InterleaveReductions.cpp - long reductions in interleaved partials -===//
//
// A reduction loop that linalg-to-loops lowers as written folds every
// element into one running value. In fp32, once that value is large, new
// terms round away: a sum of 10^8 elements comes out several percent off.
// GPU kernels never sum that way (their lanes hold interleaved partials
// that a tree combines); this pass gives the CPU path, which runs unscheduled
// programs and rung 4's reference, the same shape of accumulation: T
// partials, partial t taking elements t, T + t, 2T + t, ..., folded
// pairwise. The error then grows with K / T + log2(T) rather than with K
// (T is about K / 8, up to 1024). A scheduled kernel's lane combination
// is folded pairwise too, as the GPU's shuffles fold it.
//
//===----------------------------------------------------------------------===//

#include "kgen/Conversion/Passes.h"
#include "kgen/Schedule/KernelAttrs.h"

#include "mlir/Analysis/SliceAnalysis.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Utils/Utils.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/bit.h"

namespace mlir::kgen {
#define GEN_PASS_DEF_INTERLEAVEREDUCTIONSPASS
#include "kgen/Conversion/Passes.h.inc"
} // namespace mlir::kgen

using namespace mlir;

namespace {

/// Shorter reduction loops stay sequential: their error is already small.
constexpr int64_t kMinLength = 128;
/// Each partial takes at least this many elements...
constexpr int64_t kMinPerPartial = 8;
/// ...and the partials are a power of two in [kMinPartials, kMaxPartials].
constexpr int64_t kMinPartials = 16;
constexpr int64_t kMaxPartials = 1024;
/// The partials of all outputs together stay under this many elements (a
/// large matmul would otherwise need gigabytes of them).
constexpr int64_t kMaxPartialElements = int64_t(1) << 22;

/// The reduction loop to interleave (the longest), or nothing if the op is
/// not a reduction this pass takes: one result with one combiner that has a
/// neutral element, on tensors, outside any loop (a scheduled kernel's ops
/// are, and keep the order their schedule gives them), whose body does not
/// read loop indices (the split renumbers the loops, not its linalg.index
/// ops: a causal mask would move).
std::optional<unsigned> interleavedLoop(linalg::LinalgOp op) {
  if (!op.hasPureTensorSemantics() || op.hasIndexSemantics() ||
      op.getNumDpsInits() != 1 ||
      op.getNumReductionLoops() == 0 ||
      op->getParentOfType<LoopLikeOpInterface>())
    return std::nullopt;
  SmallVector<Operation *> combiners;
  if (!matchReduction(op.getRegionOutputArgs(), 0, combiners) ||
      combiners.size() != 1 || !arith::getNeutralElement(combiners[0]))
    return std::nullopt;
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  if (llvm::any_of(ranges, ShapedType::isDynamic))
    return std::nullopt;
  std::optional<unsigned> longest;
  for (auto [i, type] : llvm::enumerate(op.getIteratorTypesArray()))
    if (linalg::isReductionIterator(type) &&
        (!longest || ranges[i] > ranges[*longest]))
      longest = i;
  if (ranges[*longest] < kMinLength)
    return std::nullopt;
  return longest;
}

/// T: as many partials as the bounds allow, so that the sequential runs
/// (K / T elements per partial) are short; the tree that folds the
/// partials adds only log2(T) roundings.
int64_t partialsFor(linalg::LinalgOp op, unsigned loop) {
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  int64_t outputs = 1;
  for (auto [i, type] : llvm::enumerate(op.getIteratorTypesArray()))
    if (linalg::isParallelIterator(type))
      outputs *= ranges[i];
  int64_t partials = std::min<int64_t>(
      llvm::bit_floor(uint64_t(ranges[loop] / kMinPerPartial)), kMaxPartials);
  while (partials >= kMinPartials && outputs * partials > kMaxPartialElements)
    partials /= 2;
  return partials;
}

/// Folds `partials` pairwise with `combiner` (a body of one op folding its
/// two arguments, and a yield), halving them along `dim` while their count
/// is even: down to one for a power of two, else to the odd factor (25 of
/// 800 lanes' partials), which the caller's op folds in sequence: a tree,
/// then a short sequential fold, as on the GPU (whose tree pairs other
/// partials: its subgroups' butterflies, then their results in order). A
/// sequential fold of T partials would
/// add T roundings of the growing total to each output; the tree adds
/// log2(T).
Value foldPairwise(RewriterBase &rewriter, Location loc, Value partials,
                   int64_t dim, Block &combiner) {
  auto type = cast<RankedTensorType>(partials.getType());
  SmallVector<OpFoldResult> sizes =
      tensor::getMixedSizes(rewriter, loc, partials);
  SmallVector<OpFoldResult> offsets(type.getRank(), rewriter.getIndexAttr(0));
  SmallVector<OpFoldResult> strides(type.getRank(), rewriter.getIndexAttr(1));
  for (int64_t count = type.getDimSize(dim); count > 1 && count % 2 == 0;
       count /= 2) {
    sizes[dim] = rewriter.getIndexAttr(count / 2);
    auto half = [&](int64_t offset) {
      offsets[dim] = rewriter.getIndexAttr(offset);
      return tensor::ExtractSliceOp::create(rewriter, loc, partials, offsets,
                                            sizes, strides)
          .getResult();
    };
    Value low = half(0), high = half(count / 2);
    Value empty =
        tensor::EmptyOp::create(rewriter, loc, sizes, type.getElementType());
    partials = linalg::MapOp::create(
                   rewriter, loc, ValueRange{low, high}, empty,
                   [&](OpBuilder &b, Location, ValueRange args) {
                     IRMapping mapping;
                     mapping.map(combiner.getArguments(), args.take_front(2));
                     for (Operation &op : combiner)
                       b.clone(op, mapping);
                   })
                   .getResult()
                   .front();
  }
  return partials;
}

/// The merge of the interleaved partials folds them pairwise, then the
/// last one into the original output.
void foldMergePairwise(RewriterBase &rewriter, linalg::ReduceOp merge) {
  assert(merge.getDimensions().size() == 1 && "one dimension of partials");
  rewriter.setInsertionPoint(merge);
  Value folded =
      foldPairwise(rewriter, merge.getLoc(), merge.getInputs()[0],
                   merge.getDimensions()[0], merge.getCombiner().front());
  rewriter.modifyOpInPlace(merge,
                           [&] { merge.getInputsMutable()[0].set(folded); });
}

/// A scheduled kernel's combination of its lanes' partials (marked for
/// kgen-lower-lane-combines, which makes it a shuffle tree on a GPU): on
/// the CPU a pairwise fold too, not a sequential one, so the CPU runs the
/// kernel in a tree order as the GPU does. It reduces its innermost loop,
/// an even number of partials, with a body of one combining op; any other
/// op keeps its loops (the CPU folds its partials in sequence).
void foldLaneCombinePairwise(RewriterBase &rewriter, linalg::GenericOp op) {
  SmallVector<Operation *> combiners;
  if (!op.hasPureTensorSemantics() || op.getNumDpsInputs() != 1 ||
      op.getNumDpsInits() != 1 || op.getBody()->getOperations().size() != 2 ||
      !matchReduction(op.getRegionOutputArgs(), 0, combiners) ||
      combiners.size() != 1 || combiners[0] != &op.getBody()->front())
    return;
  auto type = dyn_cast<RankedTensorType>(op.getDpsInputs()[0].getType());
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  if (!type || type.getRank() == 0 || iterators.empty() ||
      !linalg::isReductionIterator(iterators.back()) ||
      !op.getMatchingIndexingMap(op.getDpsInputOperand(0)).isIdentity() ||
      ShapedType::isDynamic(type.getShape().back()) ||
      type.getShape().back() % 2 != 0)
    return;
  rewriter.setInsertionPoint(op);
  Value folded = foldPairwise(rewriter, op.getLoc(), op.getDpsInputs()[0],
                              type.getRank() - 1, *op.getBody());
  rewriter.modifyOpInPlace(op, [&] { op.getDpsInputOperand(0)->set(folded); });
}

struct InterleaveReductionsPass final
    : kgen::impl::InterleaveReductionsPassBase<InterleaveReductionsPass> {
  void runOnOperation() override {
    SmallVector<std::pair<linalg::LinalgOp, unsigned>> candidates;
    SmallVector<linalg::GenericOp> laneCombines;
    getOperation()->walk([&](linalg::LinalgOp op) {
      if (std::optional<unsigned> loop = interleavedLoop(op))
        candidates.emplace_back(op, *loop);
      else if (op->hasAttr(kgen::kLaneCombineAttr))
        if (auto generic = dyn_cast<linalg::GenericOp>(op.getOperation()))
          laneCombines.push_back(generic);
    });
    IRRewriter rewriter(&getContext());
    for (linalg::GenericOp op : laneCombines)
      foldLaneCombinePairwise(rewriter, op);
    for (auto [op, loop] : candidates) {
      int64_t partials = partialsFor(op, loop);
      if (partials < kMinPartials)
        continue;
      SmallVector<OpFoldResult> sizes(op.getNumLoops(),
                                      rewriter.getIndexAttr(0));
      sizes[loop] = rewriter.getIndexAttr(partials);
      rewriter.setInsertionPoint(op);
      auto tiled = scf::tileReductionUsingScf(
          rewriter, cast<PartialReductionOpInterface>(op.getOperation()),
          sizes);
      if (failed(tiled)) {
        op.emitOpError("could not be split into interleaved partials");
        return signalPassFailure();
      }
      rewriter.replaceOp(op, tiled->replacements);
      for (Operation *merge : tiled->mergeOps)
        if (auto reduce = dyn_cast<linalg::ReduceOp>(merge))
          foldMergePairwise(rewriter, reduce);
    }
  }
};

} // namespace
