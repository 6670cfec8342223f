//===- StageRows.cpp - a block's rows read from global memory once --------===//
//
// A normalization's kernel reads its input row once per statistic and once
// more to normalize: softmax reads it three times. With lanes, each read
// is a separate pass of the block over the row, and only the L2 cache
// stands between the later passes and global memory. When the schedule
// stages the row (promote_operands with reduction_lanes), the expansion
// marks the workgroup loop, and this pass copies the block's rows of each
// marked argument into workgroup memory once, with the lanes' coalesced
// vector layout; every read of the argument in the block then reads the
// copy. Each element is read from global memory once.
//
//===----------------------------------------------------------------------===//

#include "kgen/Conversion/Passes.h"
#include "kgen/Schedule/KernelAttrs.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Dominance.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/CSE.h"

namespace mlir::kgen {
#define GEN_PASS_DEF_STAGEROWSPASS
#include "kgen/Conversion/Passes.h.inc"
} // namespace mlir::kgen

using namespace mlir;

namespace {

/// The marking's fields (kgen::kStageRowsAttr).
struct StageRows {
  SmallVector<int64_t> args, rowThreads;
  int64_t lanes = 1, width = 1;
};

FailureOr<StageRows> readMarking(scf::ForallOp block) {
  auto dict = block->getAttrOfType<DictionaryAttr>(kgen::kStageRowsAttr);
  auto args = dict ? dict.getAs<DenseI64ArrayAttr>("args") : nullptr;
  auto rows = dict ? dict.getAs<DenseI64ArrayAttr>("row_threads") : nullptr;
  auto lanes = dict ? dict.getAs<IntegerAttr>("lanes") : nullptr;
  auto width = dict ? dict.getAs<IntegerAttr>("width") : nullptr;
  auto negative = [](int64_t n) { return n < 0; };
  if (!args || !rows || !lanes || !width || lanes.getInt() < 1 ||
      width.getInt() < 1 || llvm::any_of(rows.asArrayRef(), negative))
    return block.emitOpError("has a malformed '")
           << kgen::kStageRowsAttr
           << "': expected {args, row_threads, lanes, width}, lanes and "
              "width positive, row_threads not negative";
  // The copy maps its row dimensions with threads to y and z.
  if (llvm::count_if(rows.asArrayRef(), [](int64_t t) { return t; }) > 2)
    return block.emitOpError("stages rows with threads along more than 2 "
                             "row dimensions; a block has y and z for them");
  return StageRows{SmallVector<int64_t>(args.asArrayRef()),
                   SmallVector<int64_t>(rows.asArrayRef()), lanes.getInt(),
                   width.getInt()};
}

/// The value of `v` if it is constant in the block: a constant, or an
/// affine.apply of the block loop's induction variables that take a single
/// value (a dimension of one iteration, as a workgroup tile of a whole loop
/// makes), evaluated there.
std::optional<int64_t> constantIn(OpFoldResult v, scf::ForallOp block) {
  if (std::optional<int64_t> c = getConstantIntValue(v))
    return c;
  auto single = [&](Value iv) -> std::optional<int64_t> {
    for (auto [i, arg] : llvm::enumerate(block.getInductionVars())) {
      std::optional<int64_t> lb =
          getConstantIntValue(block.getMixedLowerBound()[i]);
      std::optional<int64_t> ub =
          getConstantIntValue(block.getMixedUpperBound()[i]);
      std::optional<int64_t> step =
          getConstantIntValue(block.getMixedStep()[i]);
      if (arg == iv && lb && ub && step && *lb + *step >= *ub)
        return lb;
    }
    return std::nullopt;
  };
  auto value = dyn_cast<Value>(v);
  if (!value)
    return std::nullopt;
  if (std::optional<int64_t> c = single(value))
    return c;
  auto apply = value.getDefiningOp<affine::AffineApplyOp>();
  if (!apply || apply.getAffineMap().getNumSymbols() != 0)
    return std::nullopt;
  SmallVector<int64_t> operands;
  for (Value operand : apply.getMapOperands()) {
    std::optional<int64_t> c = constantIn(operand, block);
    if (!c)
      return std::nullopt;
    operands.push_back(*c);
  }
  SmallVector<int64_t> result = apply.getAffineMap().compose(operands);
  return result.front();
}

/// Whether offsets or sizes `a` and `b` are the same in `block`.
bool same(OpFoldResult a, OpFoldResult b, scf::ForallOp block) {
  std::optional<int64_t> x = constantIn(a, block), y = constantIn(b, block);
  return x && y ? *x == *y : a == b;
}

/// A read of the argument in the block: a block-level slice of it or of
/// an expand_shape of it (the split lanes read it so), or, when the block
/// covers the whole tensor (the slice folded away), a direct use of either.
/// `groups` holds the expand_shape's reassociation, if any.
struct RowRead {
  OpOperand *use;
  SmallVector<ReassociationIndices> groups;
  bool blockLevel; // the user is an op of the block's body

  /// The read's block-level slice, if it is one (a slice nested deeper is
  /// a direct use of the whole tensor).
  tensor::ExtractSliceOp slice() const {
    return blockLevel ? dyn_cast<tensor::ExtractSliceOp>(use->getOwner())
                      : nullptr;
  }
};

/// The rows the block reads through `read`, as offsets and sizes of `arg`:
/// an expanded dimension must be read whole.
LogicalResult rowsOf(const RowRead &read, Value arg,
                     SmallVector<OpFoldResult> &offsets,
                     SmallVector<OpFoldResult> &sizes) {
  Builder b(arg.getContext());
  auto source = cast<RankedTensorType>(read.use->get().getType());
  SmallVector<OpFoldResult> o(source.getRank(), b.getIndexAttr(0)), s;
  for (int64_t size : source.getShape())
    s.push_back(b.getIndexAttr(size));
  if (tensor::ExtractSliceOp slice = read.slice()) {
    // Strided or rank-reducing slices read something else than rows.
    if (!llvm::all_of(
            slice.getMixedStrides(),
            [](OpFoldResult st) { return isConstantIntValue(st, 1); }) ||
        slice.getType().getRank() != slice.getSourceType().getRank())
      return failure();
    o = slice.getMixedOffsets();
    s = slice.getMixedSizes();
  }
  if (read.groups.empty()) {
    offsets = o;
    sizes = s;
    return success();
  }
  for (const ReassociationIndices &group : read.groups) {
    if (group.size() == 1) {
      offsets.push_back(o[group[0]]);
      sizes.push_back(s[group[0]]);
      continue;
    }
    int64_t whole = 1;
    for (int64_t d : group) {
      if (!isConstantIntValue(o[d], 0) ||
          !isConstantIntValue(s[d], source.getDimSize(d)))
        return failure();
      whole *= source.getDimSize(d);
    }
    offsets.push_back(b.getIndexAttr(0));
    sizes.push_back(b.getIndexAttr(whole));
  }
  return success();
}

/// The block's reads of `arg`, in program order of the block-level ops
/// holding them.
SmallVector<RowRead> rowReads(scf::ForallOp block, Value arg) {
  SmallVector<RowRead> reads;
  auto collect = [&](Value value, ArrayRef<ReassociationIndices> groups) {
    for (OpOperand &use : value.getUses())
      if (block->isProperAncestor(use.getOwner()))
        reads.push_back({&use, SmallVector<ReassociationIndices>(groups),
                         use.getOwner()->getBlock() == block.getBody()});
  };
  collect(arg, {});
  for (Operation *user : arg.getUsers())
    if (auto expand = dyn_cast<tensor::ExpandShapeOp>(user);
        expand && !block->isAncestor(expand))
      collect(expand.getResult(), expand.getReassociationIndices());
  Block *body = block.getBody();
  llvm::sort(reads, [&](const RowRead &x, const RowRead &y) {
    Operation *a = body->findAncestorOpInBlock(*x.use->getOwner());
    Operation *b = body->findAncestorOpInBlock(*y.use->getOwner());
    return a != b && a->isBeforeInBlock(b);
  });
  return reads;
}

/// The copy of `rows` ([R..., K]) into workgroup memory: a thread loop of
/// (row threads..., lanes), lane l copying vectors l, l + L, ... of W
/// elements of its rows, the lanes' own layout (coalesced: a step of the
/// lanes reads one contiguous run).
Value stagedCopy(OpBuilder &b, Location loc, Value rows, const StageRows &m) {
  MLIRContext *ctx = b.getContext();
  auto type = cast<RankedTensorType>(rows.getType());
  int64_t rank = type.getRank(), k = type.getShape().back();
  SmallVector<int64_t> shape(type.getShape().drop_back());
  shape.append({k / (m.lanes * m.width), m.lanes, m.width});
  SmallVector<ReassociationIndices> groups;
  for (int64_t d = 0; d < rank - 1; ++d)
    groups.push_back({d});
  groups.push_back({rank - 1, rank, rank + 1});
  auto expanded = RankedTensorType::get(shape, type.getElementType());
  Value alloc = bufferization::AllocTensorOp::create(
      b, loc, type, ValueRange{}, /*copy=*/Value(), /*size_hint=*/Value(),
      gpu::AddressSpaceAttr::get(ctx, gpu::AddressSpace::Workgroup));
  Value source = tensor::ExpandShapeOp::create(b, loc, expanded, rows, groups);
  Value target = tensor::ExpandShapeOp::create(b, loc, expanded, alloc, groups);

  // The row dimensions with threads (row_threads non-zero) on y and z,
  // the first outermost, and the lanes on x: as the lanes' own loops map
  // them, so the block keeps its shape.
  SmallVector<OpFoldResult> counts;
  SmallVector<Attribute> mapping;
  int64_t mapped = llvm::count_if(m.rowThreads, [](int64_t t) { return t; });
  for (int64_t threads : m.rowThreads) {
    if (!threads)
      continue;
    counts.push_back(b.getIndexAttr(threads));
    mapping.push_back(gpu::GPUThreadMappingAttr::get(
        ctx, static_cast<gpu::MappingId>(mapped - counts.size() + 1)));
  }
  counts.push_back(b.getIndexAttr(m.lanes));
  mapping.push_back(gpu::GPUThreadMappingAttr::get(ctx, gpu::MappingId::DimX));
  auto loop = scf::ForallOp::create(b, loc, counts, ValueRange{target},
                                    b.getArrayAttr(mapping));

  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(loop.getBody());
  SmallVector<Value> ivs = loop.getInductionVars();
  SmallVector<OpFoldResult> offsets, sizes;
  size_t iv = 0;
  for (auto [d, threads] : llvm::enumerate(m.rowThreads)) {
    int64_t chunk = threads ? shape[d] / threads : shape[d];
    offsets.push_back(
        threads ? affine::makeComposedFoldedAffineApply(
                      b, loc, b.getAffineDimExpr(0) * chunk, {ivs[iv++]})
                : b.getIndexAttr(0));
    sizes.push_back(b.getIndexAttr(chunk));
  }
  offsets.append({b.getIndexAttr(0), ivs.back(), b.getIndexAttr(0)});
  sizes.append({b.getIndexAttr(shape[rank - 1]), b.getIndexAttr(1),
                b.getIndexAttr(m.width)});
  SmallVector<OpFoldResult> strides(shape.size(), b.getIndexAttr(1));
  Value shared = loop.getRegionIterArgs()[0];
  Value in =
      tensor::ExtractSliceOp::create(b, loc, source, offsets, sizes, strides);
  Value out =
      tensor::ExtractSliceOp::create(b, loc, shared, offsets, sizes, strides);
  Value copied = linalg::CopyOp::create(b, loc, in, out).getResult(0);
  b.setInsertionPointToStart(loop.getTerminator().getBody());
  tensor::ParallelInsertSliceOp::create(b, loc, copied, shared, offsets, sizes,
                                        strides);
  b.setInsertionPointAfter(loop);
  return tensor::CollapseShapeOp::create(b, loc, type, loop.getResult(0),
                                         groups);
}

/// One argument's staging, checked: its reads and the rows they all read.
struct StagePlan {
  Value arg;
  SmallVector<RowRead> reads;
  SmallVector<OpFoldResult> offsets, sizes;
  SmallVector<int64_t> shape;
};

/// Checks that every read of `arg` in `block` reads the same whole rows,
/// which the lanes and row threads of `m` divide.
FailureOr<StagePlan> planStaging(scf::ForallOp block, Value arg,
                                 const StageRows &m) {
  StagePlan plan{arg, rowReads(block, arg), {}, {}, {}};
  if (plan.reads.empty())
    return block.emitOpError("stages the rows of argument ")
           << cast<BlockArgument>(arg).getArgNumber()
           << ", which the block does not read";
  auto sameInBlock = [&](OpFoldResult x, OpFoldResult y) {
    return same(x, y, block);
  };
  for (RowRead &read : plan.reads) {
    SmallVector<OpFoldResult> o, s;
    bool isFirst = &read == &plan.reads.front();
    if (failed(rowsOf(read, arg, o, s)))
      return read.use->getOwner()->emitOpError(
          "reads part of a row, or with strides: the staged rows cannot "
          "replace it");
    if (isFirst) {
      plan.offsets = o;
      plan.sizes = s;
    } else if (!llvm::all_of_zip(o, plan.offsets, sameInBlock) ||
               !llvm::all_of_zip(s, plan.sizes, sameInBlock)) {
      return read.use->getOwner()->emitOpError(
          "reads other rows than the block's first read: the staged rows "
          "cannot replace it");
    }
  }
  for (OpFoldResult size : plan.sizes) {
    std::optional<int64_t> n = getConstantIntValue(size);
    if (!n)
      return block.emitOpError("stages rows of a dynamic size");
    plan.shape.push_back(*n);
  }
  auto type = cast<RankedTensorType>(arg.getType());
  auto divides = [&](auto pair) {
    auto [threads, rows] = pair;
    return !threads || rows % threads == 0;
  };
  if (plan.shape.empty() || plan.shape.back() != type.getShape().back() ||
      plan.shape.back() % (m.lanes * m.width) != 0 ||
      m.rowThreads.size() + 1 != plan.shape.size() ||
      !llvm::all_of(llvm::zip(m.rowThreads, plan.shape), divides))
    return block.emitOpError("stages rows that are not whole, or that its ")
           << m.lanes << " lanes of " << m.width
           << " elements or its row threads do not divide";
  return plan;
}

/// The planned rows are copied before the block-level op holding the
/// first read (where the rows' offsets are defined), and every read takes
/// the copy.
void stage(RewriterBase &rewriter, scf::ForallOp block, const StagePlan &plan,
           const StageRows &m) {
  Operation *first = plan.reads.front().use->getOwner();
  Location loc = first->getLoc();
  rewriter.setInsertionPoint(block.getBody()->findAncestorOpInBlock(*first));
  auto type = cast<RankedTensorType>(plan.arg.getType());
  SmallVector<OpFoldResult> strides(plan.shape.size(),
                                    rewriter.getIndexAttr(1));
  Value rows = tensor::ExtractSliceOp::create(
      rewriter, loc, RankedTensorType::get(plan.shape, type.getElementType()),
      plan.arg, plan.offsets, plan.sizes, strides);
  Value staged = stagedCopy(rewriter, loc, rows, m);
  for (const RowRead &read : plan.reads) {
    Value replacement = staged;
    tensor::ExtractSliceOp slice = read.slice();
    if (!read.groups.empty())
      replacement = tensor::ExpandShapeOp::create(
          rewriter, loc,
          cast<RankedTensorType>(slice ? slice.getType()
                                       : read.use->get().getType()),
          staged, read.groups);
    if (slice)
      rewriter.replaceOp(slice, replacement);
    else
      rewriter.modifyOpInPlace(read.use->getOwner(),
                               [&] { read.use->set(replacement); });
  }
}

/// Stages the marked arguments' rows, all checked before any is staged.
LogicalResult stageRows(RewriterBase &rewriter, scf::ForallOp block) {
  FailureOr<StageRows> marking = readMarking(block);
  if (failed(marking))
    return failure();
  block->removeAttr(kgen::kStageRowsAttr);
  // Identical reads (and their offsets) are one value from here on.
  DominanceInfo dominance;
  eliminateCommonSubExpressions(rewriter, dominance, block);
  auto func = block->getParentOfType<FunctionOpInterface>();
  std::vector<StagePlan> plans;
  for (int64_t arg : marking->args) {
    if (arg < 0 || arg >= static_cast<int64_t>(func.getNumArguments()))
      return block.emitOpError("stages argument ")
             << arg << ", which the function does not have";
    FailureOr<StagePlan> plan = planStaging(
        block, func.getArgument(static_cast<unsigned>(arg)), *marking);
    if (failed(plan))
      return failure();
    plans.push_back(std::move(*plan));
  }
  for (const StagePlan &plan : plans)
    stage(rewriter, block, plan, *marking);
  return success();
}

struct StageRowsPass final : kgen::impl::StageRowsPassBase<StageRowsPass> {
  void runOnOperation() override {
    SmallVector<scf::ForallOp> blocks;
    getOperation()->walk([&](scf::ForallOp loop) {
      if (loop->hasAttr(kgen::kStageRowsAttr))
        blocks.push_back(loop);
    });
    IRRewriter rewriter(&getContext());
    for (scf::ForallOp block : blocks)
      if (failed(stageRows(rewriter, block)))
        return signalPassFailure();
  }
};

} // namespace
