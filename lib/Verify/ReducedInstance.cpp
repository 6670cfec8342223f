//===- ReducedInstance.cpp - a kernel cut to a few tiles of a schedule ----===//
//
// Loops and tensor dimensions that must keep equal sizes form classes: a
// linalg op's loop and every operand dimension its indexing maps index by
// that loop alone, an op's result and its init, the unpadded dimensions of
// a tensor.pad. A class is cut as one; a class that touches anything else
// (a dimension indexed by an expression of loops, a padded dimension, a
// tensor read by tensor.extract in a body, a non-splat constant, an
// unknown op) is pinned at its size, which keeps
// every relation between sizes that this analysis does not model true.
//
//===----------------------------------------------------------------------===//

#include "kgen/Verify/ReducedInstance.h"

#include "kgen/Schedule/KernelAttrs.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Verifier.h"
#include "llvm/Support/MathExtras.h"

#include <map>
#include <numeric>

using namespace mlir;
using namespace mlir::kgen;

int64_t mlir::kgen::reducedLoopSize(int64_t size, llvm::ArrayRef<int64_t> tiles,
                                    int64_t minimum) {
  int64_t period = 1;
  for (int64_t tile : tiles) {
    period = std::lcm(period, tile);
    if (period <= 0 || period >= size)
      return size; // no cut keeps the remainder of every tile
  }
  int64_t remainder = size % period;
  int64_t periods = llvm::divideCeil(std::max<int64_t>(minimum - remainder, 0),
                                     period);
  int64_t reduced = remainder + periods * period;
  return reduced > 0 && reduced < size ? reduced : size;
}

namespace {

/// Union-find over the loops of the kernel's linalg ops and the dimensions
/// of its tensors.
class SizeClasses {
public:
  unsigned valueDim(Value value, unsigned dim) {
    return variable({value.getAsOpaquePointer(), dim}, [&] {
      return cast<RankedTensorType>(value.getType()).getDimSize(dim);
    });
  }
  unsigned loop(linalg::LinalgOp op, unsigned index) {
    // The loop ranges are computed once per new variable, not per operand.
    return variable({op.getOperation(), index},
                    [&] { return op.getStaticLoopRanges()[index]; });
  }
  std::optional<unsigned> lookupValueDim(Value value, unsigned dim) const {
    auto it = ids.find({value.getAsOpaquePointer(), dim});
    return it == ids.end() ? std::nullopt : std::optional(find(it->second));
  }
  unsigned find(unsigned v) const {
    while (parent[v] != v)
      v = parent[v];
    return v;
  }
  void unite(unsigned a, unsigned b) {
    a = find(a), b = find(b);
    if (a == b)
      return;
    parent[b] = a;
    pinned[a] = pinned[a] || pinned[b] || size[a] != size[b];
  }
  void pin(unsigned v) { pinned[find(v)] = true; }
  bool isPinned(unsigned v) const { return pinned[find(v)]; }
  int64_t sizeOf(unsigned v) const { return size[find(v)]; }

private:
  unsigned variable(std::pair<const void *, unsigned> key,
                    llvm::function_ref<int64_t()> extentOf) {
    auto [it, inserted] = ids.try_emplace(key, parent.size());
    if (inserted) {
      int64_t extent = extentOf();
      parent.push_back(it->second);
      size.push_back(extent);
      pinned.push_back(ShapedType::isDynamic(extent));
    }
    return it->second;
  }

  std::map<std::pair<const void *, unsigned>, unsigned> ids;
  std::vector<unsigned> parent;
  std::vector<int64_t> size;
  std::vector<bool> pinned;
};

void pinAllDims(SizeClasses &classes, Value value) {
  if (auto type = dyn_cast<RankedTensorType>(value.getType()))
    for (unsigned d = 0; d < type.getRank(); ++d)
      classes.pin(classes.valueDim(value, d));
}

void tieLinalgOp(SizeClasses &classes, linalg::LinalgOp op) {
  // A tensor the body reads with tensor.extract (a gather, a flip) is
  // indexed by values the maps do not show, checked against its sizes as
  // constants: it keeps them.
  op->walk([&](tensor::ExtractOp extract) {
    if (!op->isAncestor(extract.getTensor().getParentBlock()->getParentOp()))
      pinAllDims(classes, extract.getTensor());
  });
  for (OpOperand &operand : op->getOpOperands()) {
    if (!isa<RankedTensorType>(operand.get().getType()))
      continue;
    AffineMap map = op.getMatchingIndexingMap(&operand);
    for (auto [d, expr] : llvm::enumerate(map.getResults())) {
      unsigned dim = classes.valueDim(operand.get(), d);
      if (auto loop = dyn_cast<AffineDimExpr>(expr)) {
        classes.unite(dim, classes.loop(op, loop.getPosition()));
        continue;
      }
      classes.pin(dim);
      expr.walk([&](AffineExpr e) {
        if (auto loop = dyn_cast<AffineDimExpr>(e))
          classes.pin(classes.loop(op, loop.getPosition()));
      });
    }
  }
  for (auto [result, init] : llvm::zip(op->getResults(), op.getDpsInits()))
    for (unsigned d = 0; d < cast<RankedTensorType>(result.getType()).getRank();
         ++d)
      classes.unite(classes.valueDim(result, d), classes.valueDim(init, d));
}

void tiePad(SizeClasses &classes, tensor::PadOp pad) {
  for (unsigned d = 0; d < pad.getResultType().getRank(); ++d) {
    unsigned source = classes.valueDim(pad.getSource(), d);
    unsigned result = classes.valueDim(pad.getResult(), d);
    if (pad.getStaticLow()[d] == 0 && pad.getStaticHigh()[d] == 0) {
      classes.unite(source, result);
    } else {
      classes.pin(source);
      classes.pin(result);
    }
  }
}

void tieKernel(SizeClasses &classes, func::FuncOp kernel) {
  for (Operation &op : kernel.getBody().front()) {
    if (auto linalgOp = dyn_cast<linalg::LinalgOp>(op)) {
      tieLinalgOp(classes, linalgOp);
    } else if (auto pad = dyn_cast<tensor::PadOp>(op)) {
      tiePad(classes, pad);
    } else if (auto constant = dyn_cast<arith::ConstantOp>(op)) {
      auto dense = dyn_cast<DenseElementsAttr>(constant.getValue());
      if (!dense || !dense.isSplat())
        pinAllDims(classes, constant.getResult());
    } else if (!isa<tensor::EmptyOp, func::ReturnOp>(op)) {
      for (Value v : op.getOperands())
        pinAllDims(classes, v);
      for (Value v : op.getResults())
        pinAllDims(classes, v);
    }
  }
}

/// What the schedule asks of one class: the tiles it is cut by and the
/// iterations it must keep; `whole` when it must keep its size.
struct Cut {
  llvm::SmallVector<int64_t> tiles;
  int64_t minimum = 0;
  bool whole = false;

  /// Keeps `count` of the outermost positive tile of `levels` (outermost
  /// first), `count` iterations if none is positive, and the remainder of
  /// every positive tile.
  void keep(llvm::ArrayRef<int64_t> levels, int64_t count) {
    int64_t outermost = 0;
    for (int64_t tile : levels)
      if (tile > 0) {
        tiles.push_back(tile);
        outermost = outermost ? outermost : tile;
      }
    minimum = std::max(minimum, count * std::max<int64_t>(outermost, 1));
  }
};

/// The sink parallel loop vector_width applies to: the innermost one with
/// a thread tile, else the innermost (the rule of expandSchedule).
size_t vectorLoop(const Schedule &schedule) {
  for (size_t i = schedule.threadTile.size(); i-- > 0;)
    if (schedule.threadTile[i])
      return i;
  return schedule.threadTile.empty() ? 0 : schedule.threadTile.size() - 1;
}

/// The class of each loop the schedule tiles, with its cut. A sink parallel
/// loop keeps two of its outermost tiles: workgroup tiles, or thread tiles
/// when one workgroup takes the whole loop, or vectors, or two iterations
/// when nothing tiles it (its trip count is then all the schedule's code
/// depends on). A root reduction loop keeps its steps, or its size when the
/// schedule leaves it whole (vector and staged-tile shapes follow it).
std::map<unsigned, Cut> scheduleCuts(SizeClasses &classes, Operation *sink,
                                     Operation *root, const KernelInfo &info,
                                     const Schedule &schedule) {
  std::map<unsigned, Cut> cuts;
  // A tensor.pad's loops are its result's dimensions.
  auto loopOf = [&](Operation *op, unsigned i) {
    if (auto linalgOp = dyn_cast<linalg::LinalgOp>(op))
      return classes.loop(linalgOp, i);
    return classes.valueDim(op->getResult(0), i);
  };
  size_t vectorized = schedule.vectorWidth > 1 ? vectorLoop(schedule) : -1;
  for (unsigned i = 0, parallel = 0; i < info.sinkLoops.size(); ++i) {
    if (!info.sinkParallel[i])
      continue;
    int64_t vector = parallel == vectorized ? schedule.vectorWidth : 0;
    cuts[classes.find(loopOf(sink, i))].keep(
        {schedule.workgroupTile[parallel], schedule.threadTile[parallel],
         vector},
        kReducedWorkgroupTiles);
    ++parallel;
  }
  // A step of the reduction covers the tile in every chunk of a split, and
  // in every lane's vectors with reduction_lanes.
  int64_t chunks = std::max<int64_t>(schedule.splitReduction, 1);
  if (schedule.reductionLanes > 1)
    chunks = schedule.reductionLanes * schedule.vectorWidth;
  int64_t steps = std::max(kReducedReductionSteps, schedule.pipelineDepth + 1);
  for (unsigned i = 0, reduction = 0; i < info.rootLoops.size(); ++i) {
    if (info.rootParallel[i])
      continue;
    int64_t tile = schedule.reductionTile[reduction++];
    Cut &cut = cuts[classes.find(loopOf(root, i))];
    if (tile > 0)
      cut.keep({tile * chunks}, steps);
    else
      cut.whole = true;
  }
  return cuts;
}

/// Gives every tensor of `kernel` the sizes of its classes in `reduced`.
void applySizes(func::FuncOp kernel, const SizeClasses &classes,
                const std::map<unsigned, int64_t> &reduced) {
  auto resize = [&](Value value) {
    auto type = dyn_cast<RankedTensorType>(value.getType());
    if (!type)
      return;
    SmallVector<int64_t> shape(type.getShape());
    for (unsigned d = 0; d < shape.size(); ++d)
      if (auto cls = classes.lookupValueDim(value, d))
        if (auto it = reduced.find(*cls); it != reduced.end())
          shape[d] = it->second;
    value.setType(type.clone(shape));
  };
  Block &body = kernel.getBody().front();
  for (BlockArgument arg : body.getArguments())
    resize(arg);
  for (Operation &op : body) {
    for (Value result : op.getResults())
      resize(result);
    // Only splat constants are ever resized (tieKernel pins the others).
    if (auto constant = dyn_cast<arith::ConstantOp>(op))
      if (constant.getType() != constant.getValue().getType())
        constant.setValueAttr(
            cast<DenseElementsAttr>(constant.getValue())
                .resizeSplat(cast<ShapedType>(constant.getType())));
  }
  auto ret = cast<func::ReturnOp>(body.getTerminator());
  kernel.setFunctionType(FunctionType::get(kernel.getContext(),
                                           body.getArgumentTypes(),
                                           ret.getOperandTypes()));
}

} // namespace

FailureOr<OwningOpRef<func::FuncOp>>
mlir::kgen::buildReducedKernel(func::FuncOp kernel, const KernelInfo &info,
                               const Schedule &schedule) {
  OwningOpRef<func::FuncOp> copy(kernel.clone());
  Operation *sink = nullptr, *root = nullptr;
  copy->walk([&](Operation *op) {
    if (op->hasAttr(kSinkAttr))
      sink = op;
    if (op->hasAttr(kRootAttr))
      root = op;
  });
  auto isKernelOp = [](Operation *op) {
    return isa_and_nonnull<linalg::LinalgOp, tensor::PadOp>(op);
  };
  if (!isKernelOp(sink) || !isKernelOp(root) ||
      copy->getBody().getBlocks().size() != 1)
    return failure();

  SizeClasses classes;
  tieKernel(classes, *copy);
  std::map<unsigned, int64_t> reduced;
  for (auto &[cls, cut] :
       scheduleCuts(classes, sink, root, info, schedule)) {
    if (cut.whole || classes.isPinned(cls))
      continue;
    int64_t size = classes.sizeOf(cls);
    int64_t cutSize = reducedLoopSize(size, cut.tiles, cut.minimum);
    if (cutSize != size)
      reduced[cls] = cutSize;
  }
  if (reduced.empty())
    return OwningOpRef<func::FuncOp>();
  applySizes(*copy, classes, reduced);
  if (failed(mlir::verify(*copy)))
    return failure();
  return copy;
}
