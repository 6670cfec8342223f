//===- LoweringUtils.cpp - helpers shared by kgen-to-linalg ---------------===//

#include "LoweringUtils.h"
#include "kgen/Schedule/Target.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <algorithm>
#include <limits>

using namespace mlir;
using namespace mlir::kgen;
using namespace mlir::kgen::detail;

Value mlir::kgen::detail::widen(OpBuilder &b, Location loc, Value v) {
  auto type = cast<FloatType>(v.getType());
  if (type.getWidth() >= 32)
    return v;
  return arith::ExtFOp::create(b, loc, b.getF32Type(), v);
}

Value mlir::kgen::detail::narrow(OpBuilder &b, Location loc, Value v,
                                 Type elementType) {
  if (v.getType() == elementType)
    return v;
  return arith::TruncFOp::create(b, loc, elementType, v);
}

Value mlir::kgen::detail::f32Const(OpBuilder &b, Location loc, double value) {
  return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(value));
}

Value mlir::kgen::detail::emptyTensor(OpBuilder &b, Location loc,
                                      ArrayRef<int64_t> shape,
                                      Type elementType) {
  return tensor::EmptyOp::create(b, loc, shape, elementType);
}

Value mlir::kgen::detail::filledF32Tensor(OpBuilder &b, Location loc,
                                          ArrayRef<int64_t> shape,
                                          double value) {
  Value empty = emptyTensor(b, loc, shape, b.getF32Type());
  return linalg::FillOp::create(b, loc, f32Const(b, loc, value), empty)
      .getResult(0);
}

AffineMap mlir::kgen::detail::broadcastMap(MLIRContext *ctx,
                                           ArrayRef<int64_t> operandShape,
                                           ArrayRef<int64_t> resultShape) {
  int64_t rank = resultShape.size();
  int64_t offset = rank - operandShape.size();
  SmallVector<AffineExpr> exprs;
  for (auto [i, size] : llvm::enumerate(operandShape)) {
    int64_t dim = offset + i;
    // A size-1 dimension stretched to a larger size always reads index 0.
    if (size == 1 && resultShape[dim] != 1)
      exprs.push_back(getAffineConstantExpr(0, ctx));
    else
      exprs.push_back(getAffineDimExpr(dim, ctx));
  }
  return AffineMap::get(rank, 0, exprs, ctx);
}

AffineMap mlir::kgen::detail::dropDimsMap(MLIRContext *ctx, int64_t rank,
                                          ArrayRef<int64_t> dims) {
  SmallVector<AffineExpr> exprs;
  for (int64_t d = 0; d < rank; ++d)
    if (!llvm::is_contained(dims, d))
      exprs.push_back(getAffineDimExpr(d, ctx));
  return AffineMap::get(rank, 0, exprs, ctx);
}

Value mlir::kgen::detail::buildParallelGeneric(OpBuilder &b, Location loc,
                                               RankedTensorType resultType,
                                               ValueRange inputs,
                                               ArrayRef<AffineMap> maps,
                                               BodyFn body) {
  int64_t rank = resultType.getRank();
  SmallVector<AffineMap> allMaps(maps);
  allMaps.push_back(b.getMultiDimIdentityMap(rank));
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  Value init =
      emptyTensor(b, loc, resultType.getShape(), resultType.getElementType());
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{resultType}, inputs, ValueRange{init}, allMaps,
      iterators, [&](OpBuilder &nb, Location nloc, ValueRange args) {
        Value result = body(nb, nloc, args.drop_back());
        linalg::YieldOp::create(nb, nloc, result);
      });
  return generic.getResult(0);
}

Value mlir::kgen::detail::buildElementwise(OpBuilder &b, Location loc,
                                           RankedTensorType resultType,
                                           ValueRange operands, BodyFn body,
                                           ArrayRef<AffineMap> maps) {
  // Tensors become generic inputs; scalars are used directly in the body.
  SmallVector<Value> tensors;
  SmallVector<AffineMap> tensorMaps;
  for (Value operand : operands) {
    auto type = dyn_cast<RankedTensorType>(operand.getType());
    if (!type)
      continue;
    if (maps.empty())
      tensorMaps.push_back(
          broadcastMap(b.getContext(), type.getShape(), resultType.getShape()));
    tensors.push_back(operand);
  }
  if (!maps.empty())
    tensorMaps.assign(maps.begin(), maps.end());
  Type elementType = resultType.getElementType();
  return buildParallelGeneric(
      b, loc, resultType, tensors, tensorMaps,
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        SmallVector<Value> wide;
        unsigned next = 0;
        for (Value operand : operands)
          wide.push_back(widen(nb, nloc,
                               isa<RankedTensorType>(operand.getType())
                                   ? args[next++]
                                   : operand));
        return narrow(nb, nloc, body(nb, nloc, wide), elementType);
      });
}

Value mlir::kgen::detail::buildReduction(OpBuilder &b, Location loc,
                                         ValueRange inputs,
                                         ArrayRef<int64_t> dims, double init,
                                         BodyFn body,
                                         ArrayRef<AffineMap> maps) {
  auto inputType = cast<RankedTensorType>(inputs[0].getType());
  int64_t rank = inputType.getRank();
  SmallVector<AffineMap> allMaps(maps);
  if (allMaps.empty())
    allMaps.assign(inputs.size(), b.getMultiDimIdentityMap(rank));
  allMaps.push_back(dropDimsMap(b.getContext(), rank, dims));
  SmallVector<utils::IteratorType> iterators;
  SmallVector<int64_t> reduced;
  for (int64_t d = 0; d < rank; ++d) {
    bool isReduced = llvm::is_contained(dims, d);
    iterators.push_back(isReduced ? utils::IteratorType::reduction
                                  : utils::IteratorType::parallel);
    if (!isReduced)
      reduced.push_back(inputType.getDimSize(d));
  }
  Value acc = filledF32Tensor(b, loc, reduced, init);
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{acc.getType()}, inputs, ValueRange{acc}, allMaps,
      iterators, [&](OpBuilder &nb, Location nloc, ValueRange args) {
        SmallVector<Value> wide;
        for (Value arg : args)
          wide.push_back(widen(nb, nloc, arg));
        linalg::YieldOp::create(nb, nloc, body(nb, nloc, wide));
      });
  return generic.getResult(0);
}

Value mlir::kgen::detail::finishContraction(OpBuilder &b, Location loc,
                                           Value acc,
                                           RankedTensorType resultType,
                                           Value bias, AffineMap biasMap) {
  auto accType = cast<RankedTensorType>(acc.getType());
  auto outType = accType.clone(resultType.getElementType());
  if (!bias && accType == outType)
    return acc;
  if (!bias)
    return buildElementwise(
        b, loc, outType, {acc},
        [](OpBuilder &, Location, ValueRange args) { return args[0]; });
  AffineMap identity = b.getMultiDimIdentityMap(accType.getRank());
  return buildElementwise(
      b, loc, outType, {acc, bias},
      [](OpBuilder &nb, Location nloc, ValueRange args) {
        return arith::AddFOp::create(nb, nloc, args[0], args[1]).getResult();
      },
      {identity, biasMap});
}

/// Chunks of a streamed row: at most this many, each of at least
/// kMinChunkLength elements.
static constexpr int64_t kMaxChunks = 1024;
static constexpr int64_t kMinChunkLength = 32;

/// The most bytes of a row any known target's block stages: rows longer
/// than that read from memory once per statistic on every target.
static int64_t largestStagedRowBytes() {
  static const int64_t largest = [] {
    int64_t bytes = 0;
    for (const std::string &chip : knownTargets())
      bytes = std::max(bytes, lookupTarget(chip)->sharedMemoryPerBlock);
    return bytes;
  }();
  return largest;
}

/// Whether a row of `bytes` streams under `options`.
static bool streamsRow(int64_t bytes, const KgenToLinalgOptions &options) {
  switch (options.streamRows) {
  case RowStreaming::Always:
    return true;
  case RowStreaming::Never:
    return false;
  case RowStreaming::Auto:
    return bytes > options.stagedRowBytes.value_or(largestStagedRowBytes());
  }
  llvm_unreachable("unknown RowStreaming");
}

int64_t mlir::kgen::detail::streamedRowChunks(
    RankedTensorType type, int64_t dim, const KgenToLinalgOptions &options) {
  if (dim != type.getRank() - 1 || !type.hasStaticShape())
    return 0;
  int64_t length = type.getDimSize(dim);
  if (!streamsRow(length * type.getElementTypeBitWidth() / 8, options))
    return 0;
  for (int64_t chunks = kMaxChunks; chunks >= 2; chunks /= 2)
    if (length % chunks == 0 && length / chunks >= kMinChunkLength)
      return chunks;
  return 0;
}

Value mlir::kgen::detail::chunkedRows(OpBuilder &b, Location loc, Value x,
                                      int64_t chunks) {
  auto type = cast<RankedTensorType>(x.getType());
  SmallVector<int64_t> viewShape(type.getShape().drop_back());
  viewShape.append({type.getShape().back() / chunks, chunks});
  return reshapeTensor(b, loc, x, type.clone(viewShape));
}

Value mlir::kgen::detail::chunkPartials(OpBuilder &b, Location loc, Value x,
                                        int64_t chunks, double init) {
  auto type = cast<RankedTensorType>(x.getType());
  SmallVector<int64_t> shape(type.getShape().drop_back());
  shape.push_back(chunks);
  return filledF32Tensor(b, loc, shape, init);
}

/// A generic over a chunked row view ([..., N / C, C]) reducing the middle
/// loop into `inits` ([..., C] each), one output per chunk.
linalg::GenericOp mlir::kgen::detail::buildChunkReduction(
    OpBuilder &b, Location loc, Value view, ValueRange inits,
    function_ref<void(OpBuilder &, Location, ValueRange)> body) {
  int64_t rank = cast<RankedTensorType>(view.getType()).getRank();
  AffineMap identity = b.getMultiDimIdentityMap(rank);
  AffineMap perChunk = dropDimsMap(b.getContext(), rank, {rank - 2});
  SmallVector<AffineMap> maps = {identity};
  maps.append(inits.size(), perChunk);
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  iterators[rank - 2] = utils::IteratorType::reduction;
  return linalg::GenericOp::create(b, loc, ValueRange(inits).getTypes(),
                                   ValueRange{view}, inits, maps, iterators,
                                   body);
}

/// exp(v - max), or 0 while `max` is -inf: everything so far is -inf, and
/// exp(-inf - -inf) would be NaN.
static Value expBelowMax(OpBuilder &b, Location l, Value v, Value max) {
  Value ninf = f32Const(b, l, -std::numeric_limits<double>::infinity());
  Value empty =
      arith::CmpFOp::create(b, l, arith::CmpFPredicate::OEQ, max, ninf);
  Value e = math::ExpOp::create(b, l, arith::SubFOp::create(b, l, v, max));
  return arith::SelectOp::create(b, l, empty, f32Const(b, l, 0.0), e);
}

/// (m', l') after folding `v` into a running maximum m and a running sum l
/// of exp(x - m): m' = max(m, v), l' = l exp(m - m') + exp(v - m').
static std::pair<Value, Value> onlineStep(OpBuilder &b, Location l, Value m,
                                          Value sum, Value v) {
  Value next = arith::MaximumFOp::create(b, l, m, v);
  Value kept = arith::MulFOp::create(b, l, sum, expBelowMax(b, l, m, next));
  return {next, arith::AddFOp::create(b, l, kept, expBelowMax(b, l, v, next))};
}

/// The softmax statistics of rows too long to stage, along the innermost
/// dimension, in one read of `x`: the row is viewed as [length / C, C] and
/// each of its C interleaved chunks (consecutive elements in consecutive
/// chunks, so that threads on neighbouring chunks read neighbouring
/// elements) keeps a running maximum and a running sum of exp(x - max)
/// (online softmax); the chunks' maxima then give the row's, and their
/// sums, rescaled to it, the row's sum.
static std::pair<Value, Value> streamedSoftmaxStatistics(OpBuilder &b,
                                                         Location loc, Value x,
                                                         int64_t chunks) {
  int64_t rank = cast<RankedTensorType>(x.getType()).getRank();
  Value m0 = chunkPartials(b, loc, x, chunks,
                           -std::numeric_limits<double>::infinity());
  Value l0 = chunkPartials(b, loc, x, chunks, 0.0);
  auto partials = buildChunkReduction(
      b, loc, chunkedRows(b, loc, x, chunks), {m0, l0},
      [&](OpBuilder &nb, Location l, ValueRange args) {
        auto [m, sum] =
            onlineStep(nb, l, args[1], args[2], widen(nb, l, args[0]));
        linalg::YieldOp::create(nb, l, ValueRange{m, sum});
      });
  Value chunkMax = partials.getResult(0), chunkSum = partials.getResult(1);
  AffineMap rowIdentity = b.getMultiDimIdentityMap(rank);
  AffineMap perRow = dropDimsMap(b.getContext(), rank, {rank - 1});
  Value max = buildReduction(
      b, loc, {chunkMax}, {rank - 1}, -std::numeric_limits<double>::infinity(),
      [](OpBuilder &nb, Location l, ValueRange args) -> Value {
        return arith::MaximumFOp::create(nb, l, args[1], args[0]);
      });
  Value sum = buildReduction(
      b, loc, {chunkMax, chunkSum, max}, {rank - 1}, 0.0,
      [](OpBuilder &nb, Location l, ValueRange args) -> Value {
        Value scaled = arith::MulFOp::create(
            nb, l, args[1], expBelowMax(nb, l, args[0], args[2]));
        return arith::AddFOp::create(nb, l, args[3], scaled);
      },
      {rowIdentity, rowIdentity, perRow});
  return {max, sum};
}

/// Row maximum and sum(exp(x - max)) of `x` along `dim`, both f32 tensors
/// without `dim`: the two statistics of a numerically stable softmax.
/// Rows too long to stage, along the innermost dimension, take the
/// streaming form (one read of the row instead of two).
static std::pair<Value, Value>
softmaxStatistics(OpBuilder &b, Location loc, Value x, int64_t dim,
                  AffineMap reducedMap, const KgenToLinalgOptions &options) {
  auto type = cast<RankedTensorType>(x.getType());
  int64_t rank = type.getRank();
  if (int64_t chunks = streamedRowChunks(type, dim, options))
    return streamedSoftmaxStatistics(b, loc, x, chunks);
  AffineMap identity = b.getMultiDimIdentityMap(rank);
  Value max = buildReduction(
      b, loc, {x}, {dim}, -std::numeric_limits<double>::infinity(),
      [](OpBuilder &nb, Location l, ValueRange args) -> Value {
        return arith::MaximumFOp::create(nb, l, args[1], args[0]);
      });
  Value sum = buildReduction(
      b, loc, {x, max}, {dim}, 0.0,
      [](OpBuilder &nb, Location l, ValueRange args) -> Value {
        Value e = math::ExpOp::create(
            nb, l, arith::SubFOp::create(nb, l, args[0], args[1]));
        return arith::AddFOp::create(nb, l, args[2], e);
      },
      {identity, reducedMap});
  return {max, sum};
}

Value mlir::kgen::detail::buildSoftmax(OpBuilder &b, Location loc, Value x,
                                       int64_t dim,
                                       RankedTensorType resultType,
                                       const KgenToLinalgOptions &options,
                                       bool isLog, MaskedRows maskedRows) {
  int64_t rank = resultType.getRank();
  AffineMap identity = b.getMultiDimIdentityMap(rank);
  AffineMap reduced = dropDimsMap(b.getContext(), rank, {dim});
  auto [max, sum] = softmaxStatistics(b, loc, x, dim, reduced, options);
  return buildElementwise(
      b, loc, resultType, {x, max, sum},
      [isLog, maskedRows](OpBuilder &nb, Location l, ValueRange args) -> Value {
        Value shifted = arith::SubFOp::create(nb, l, args[0], args[1]);
        if (isLog)
          return arith::SubFOp::create(nb, l, shifted,
                                       math::LogOp::create(nb, l, args[2]));
        Value p = arith::DivFOp::create(
            nb, l, math::ExpOp::create(nb, l, shifted), args[2]);
        if (maskedRows == MaskedRows::NaN)
          return p;
        Value ninf = f32Const(nb, l, -std::numeric_limits<double>::infinity());
        Value masked = arith::CmpFOp::create(nb, l, arith::CmpFPredicate::OEQ,
                                             args[1], ninf);
        return arith::SelectOp::create(nb, l, masked, f32Const(nb, l, 0.0), p);
      },
      {identity, reduced, reduced});
}

Value mlir::kgen::detail::reshapeTensor(OpBuilder &b, Location loc, Value value,
                                        RankedTensorType type) {
  auto source = cast<RankedTensorType>(value.getType());
  if (source.getShape() == type.getShape())
    return value;
  auto fullGroup = [](int64_t rank) {
    SmallVector<ReassociationIndices> groups;
    if (rank > 0)
      groups.push_back(llvm::to_vector(llvm::seq<int64_t>(0, rank)));
    return groups;
  };
  // Go through the 1-D (or, for a single element, 0-D) form: any static
  // reshape of a row-major tensor is a collapse followed by an expand.
  int64_t flatRank = (source.getRank() == 0 || type.getRank() == 0) ? 0 : 1;
  Value flat = value;
  if (source.getRank() != flatRank) {
    auto flatType = RankedTensorType::get(
        flatRank ? SmallVector<int64_t>{source.getNumElements()}
                 : SmallVector<int64_t>{},
        source.getElementType());
    flat = tensor::CollapseShapeOp::create(
        b, loc, flatType, value,
        flatRank ? fullGroup(source.getRank())
                 : SmallVector<ReassociationIndices>{});
  }
  if (type.getRank() == flatRank)
    return flat;
  return tensor::ExpandShapeOp::create(
      b, loc, type, flat,
      flatRank ? fullGroup(type.getRank())
               : SmallVector<ReassociationIndices>{});
}

Value mlir::kgen::detail::inRange(OpBuilder &b, Location loc, Value pos,
                                  int64_t size) {
  return arith::AndIOp::create(
      b, loc,
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, pos,
                            arith::ConstantIndexOp::create(b, loc, 0)),
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, pos,
                            arith::ConstantIndexOp::create(b, loc, size)));
}

Value mlir::kgen::detail::gatherOrFill(OpBuilder &b, Location loc, Value input,
                                       ValueRange lead,
                                       ArrayRef<WindowPosition> positions,
                                       Value outside) {
  SmallVector<Value> indices(lead);
  Value valid = arith::ConstantIntOp::create(b, loc, 1, 1);
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  for (const WindowPosition &p : positions) {
    valid = arith::AndIOp::create(b, loc, valid, p.inside);
    indices.push_back(
        arith::SelectOp::create(b, loc, p.inside, p.position, zero));
  }
  Value value = tensor::ExtractOp::create(b, loc, input, indices);
  return arith::SelectOp::create(b, loc, valid, value, outside);
}

Value mlir::kgen::detail::transposeTensor(OpBuilder &b, Location loc,
                                          Value value, ArrayRef<int64_t> perm) {
  auto type = cast<RankedTensorType>(value.getType());
  SmallVector<int64_t> shape;
  for (int64_t dim : perm)
    shape.push_back(type.getDimSize(dim));
  Value init = emptyTensor(b, loc, shape, type.getElementType());
  return linalg::TransposeOp::create(b, loc, value, init, perm).getResult()[0];
}
