//===- DataMovement.cpp - permute, slice, flip, reshape, broadcast, constant ===//
//
// Data movement never converts values: permute is linalg.transpose, reshape
// is collapse/expand, slice, flip and broadcast_to are copying generics
// (fusable into their consumers' kernels), constants become arith.constant.
//
//===----------------------------------------------------------------------===//

#include "LoweringUtils.h"
#include "kgen/Conversion/KgenToLinalg.h"
#include "kgen/Dialect/Kgen/KgenOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace mlir::kgen;
using namespace mlir::kgen::detail;

namespace {

/// Replaces the one-input data-movement op `op` with a parallel generic
/// copying input[reads(i)] to result[i].
void replaceWithCopy(PatternRewriter &rewriter, Operation *op,
                     ArrayRef<AffineExpr> reads) {
  auto type = cast<RankedTensorType>(op->getResult(0).getType());
  AffineMap map = AffineMap::get(type.getRank(), 0, reads, op->getContext());
  rewriter.replaceOp(
      op, buildParallelGeneric(
              rewriter, op->getLoc(), type, {op->getOperand(0)}, {map},
              [](OpBuilder &, Location, ValueRange args) { return args[0]; }));
}

struct PermuteLowering : OpRewritePattern<PermuteOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(PermuteOp op,
                                PatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, transposeTensor(rewriter, op.getLoc(),
                                           op.getInput(), op.getDims()));
    return success();
  }
};

/// A copying generic reading input[offset + stride * i] per dimension.
struct SliceLowering : OpRewritePattern<SliceOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(SliceOp op,
                                PatternRewriter &rewriter) const override {
    ArrayRef<int64_t> in = op.getInput().getType().getShape();
    ArrayRef<int64_t> out = op.getType().getShape();
    SmallVector<AffineExpr> reads;
    for (auto [d, offset, stride] :
         llvm::enumerate(op.getOffsets(), op.getStrides())) {
      AffineExpr i = rewriter.getAffineDimExpr(d);
      // A prefix (offset 0, stride 1) would read the input through the bare
      // loop index, from which linalg infers the loop's size as the input's;
      // `i mod in` reads the same elements (i < out <= in) without that.
      bool prefix = offset == 0 && stride == 1 && out[d] != in[d];
      reads.push_back(prefix ? i % in[d] : i * stride + offset);
    }
    replaceWithCopy(rewriter, op, reads);
    return success();
  }
};

/// A generic over the result that reads input[size - 1 - i] along the
/// flipped dims with tensor.extract. A decreasing indexing map would be
/// shorter, but tiling computes an operand's tile from the map at the tile's
/// first index, which for a decreasing map is its last element.
/// tril / triu: x where the element's diagonal j - i is on the kept side of
/// `diagonal`, else 0; an elementwise generic reading the loop indices.
template <typename TriangleOp>
struct TriangleLowering : OpRewritePattern<TriangleOp> {
  using OpRewritePattern<TriangleOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(TriangleOp op,
                                PatternRewriter &rewriter) const override {
    RankedTensorType type = op.getType();
    int64_t rank = type.getRank();
    bool lower = std::is_same_v<TriangleOp, TrilOp>;
    AffineMap identity = rewriter.getMultiDimIdentityMap(rank);
    Value result = buildParallelGeneric(
        rewriter, op.getLoc(), type, {op.getInput()}, {identity},
        [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
          auto i64 = [&](int64_t dim) {
            return arith::IndexCastOp::create(
                b, loc, b.getI64Type(), linalg::IndexOp::create(b, loc, dim));
          };
          Value diagonal =
              arith::SubIOp::create(b, loc, i64(rank - 1), i64(rank - 2));
          Value bound = arith::ConstantIntOp::create(b, loc, b.getI64Type(),
                                                     op.getDiagonal());
          Value kept = arith::CmpIOp::create(
              b, loc,
              lower ? arith::CmpIPredicate::sle : arith::CmpIPredicate::sge,
              diagonal, bound);
          Value zero = arith::ConstantOp::create(
              b, loc, b.getZeroAttr(type.getElementType()));
          return arith::SelectOp::create(b, loc, kept, args[0], zero);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct FlipLowering : OpRewritePattern<FlipOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(FlipOp op,
                                PatternRewriter &rewriter) const override {
    RankedTensorType type = op.getType();
    int64_t rank = type.getRank();
    Value init = emptyTensor(rewriter, op.getLoc(), type.getShape(),
                             type.getElementType());
    SmallVector<utils::IteratorType> iterators(rank,
                                               utils::IteratorType::parallel);
    auto generic = linalg::GenericOp::create(
        rewriter, op.getLoc(), TypeRange{type}, ValueRange{}, ValueRange{init},
        {rewriter.getMultiDimIdentityMap(rank)}, iterators,
        [&](OpBuilder &b, Location loc, ValueRange) {
          SmallVector<Value> indices;
          for (int64_t d = 0; d < rank; ++d) {
            Value i = linalg::IndexOp::create(b, loc, d);
            if (llvm::is_contained(op.getDims(), d))
              i = arith::SubIOp::create(
                  b, loc,
                  arith::ConstantIndexOp::create(b, loc, type.getDimSize(d) - 1),
                  i);
            indices.push_back(i);
          }
          linalg::YieldOp::create(
              b, loc,
              tensor::ExtractOp::create(b, loc, op.getInput(), indices)
                  .getResult());
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

/// One parallel generic over the index: each position read, tested
/// against the input's extent along `dim` (outside reads `fill`, from a
/// position clamped to 0 so the load stays in bounds), then the element.
struct GatherLowering : OpRewritePattern<GatherOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(GatherOp op,
                                PatternRewriter &rewriter) const override {
    RankedTensorType type = op.getType();
    int64_t rank = type.getRank();
    int64_t dim = op.getDim();
    int64_t extent = op.getInput().getType().getDimSize(dim);
    double fill = op.getFill() ? op.getFill()->convertToDouble() : 0.0;
    // Positions are tested as i64: a GPU's 32-bit index would wrap
    // 2^32 + 1 to 1.
    Location loc = op.getLoc();
    Value zero =
        arith::ConstantIntOp::create(rewriter, loc, rewriter.getI64Type(), 0);
    Value end = arith::ConstantIntOp::create(rewriter, loc,
                                             rewriter.getI64Type(), extent);
    Value outside = arith::ConstantOp::create(
        rewriter, loc, rewriter.getFloatAttr(type.getElementType(), fill));
    Value result = buildParallelGeneric(
        rewriter, loc, type, {op.getIndex()},
        {rewriter.getMultiDimIdentityMap(rank)},
        [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
          Value inside = arith::AndIOp::create(
              b, loc,
              arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, args[0],
                                    zero),
              arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, args[0],
                                    end));
          Value clamped = arith::SelectOp::create(b, loc, inside, args[0], zero);
          SmallVector<Value> indices;
          for (int64_t d = 0; d < rank; ++d)
            indices.push_back(d == dim ? arith::IndexCastOp::create(
                                             b, loc, b.getIndexType(), clamped)
                                             .getResult()
                                       : linalg::IndexOp::create(b, loc, d));
          Value value =
              tensor::ExtractOp::create(b, loc, op.getInput(), indices);
          return arith::SelectOp::create(b, loc, inside, value, outside);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct ReshapeLowering : OpRewritePattern<ReshapeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ReshapeOp op,
                                PatternRewriter &rewriter) const override {
    rewriter.replaceOp(
        op, reshapeTensor(rewriter, op.getLoc(), op.getInput(), op.getType()));
    return success();
  }
};

struct BroadcastToLowering : OpRewritePattern<BroadcastToOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(BroadcastToOp op,
                                PatternRewriter &rewriter) const override {
    auto type = op.getType();
    auto inputType = cast<RankedTensorType>(op.getInput().getType());
    AffineMap map = broadcastMap(rewriter.getContext(), inputType.getShape(),
                                 type.getShape());
    rewriter.replaceOp(
        op,
        buildParallelGeneric(
            rewriter, op.getLoc(), type, {op.getInput()}, {map},
            [](OpBuilder &, Location, ValueRange args) { return args[0]; }));
    return success();
  }
};

/// A generic over the result that reads each element from the input whose
/// range along `dim` holds it (tensor.extract at the position minus the
/// input's offset, clamped into every input so that the reads the selects
/// discard stay in bounds).
struct ConcatLowering : OpRewritePattern<ConcatOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ConcatOp op,
                                PatternRewriter &rewriter) const override {
    RankedTensorType type = op.getType();
    int64_t dim = op.getDim();
    SmallVector<Value> inputs;
    for (Value input : op.getInputs())
      if (cast<RankedTensorType>(input.getType()).getDimSize(dim) > 0)
        inputs.push_back(input);
    if (inputs.size() <= 1) {
      rewriter.replaceOp(op, inputs.empty()
                                 ? emptyTensor(rewriter, op.getLoc(),
                                               type.getShape(),
                                               type.getElementType())
                                 : inputs.front());
      return success();
    }
    rewriter.replaceOp(
        op, buildParallelGeneric(
                rewriter, op.getLoc(), type, {}, {},
                [&](OpBuilder &b, Location l, ValueRange) -> Value {
                  auto cst = [&](int64_t v) -> Value {
                    return arith::ConstantIndexOp::create(b, l, v);
                  };
                  SmallVector<Value> at;
                  for (int64_t d = 0; d < type.getRank(); ++d)
                    at.push_back(linalg::IndexOp::create(b, l, d));
                  Value position = at[dim], result;
                  int64_t offset = 0;
                  for (Value input : inputs) {
                    int64_t size =
                        cast<RankedTensorType>(input.getType()).getDimSize(dim);
                    SmallVector<Value> indices(at);
                    indices[dim] = arith::MinSIOp::create(
                        b, l,
                        arith::MaxSIOp::create(
                            b, l, arith::SubIOp::create(b, l, position, cst(offset)),
                            cst(0)),
                        cst(size - 1));
                    Value value = tensor::ExtractOp::create(b, l, input, indices);
                    offset += size;
                    if (!result) {
                      result = value;
                      continue;
                    }
                    // Past the previous inputs' ends: this input's element.
                    Value past = arith::CmpIOp::create(
                        b, l, arith::CmpIPredicate::sge, position,
                        cst(offset - size));
                    result = arith::SelectOp::create(b, l, past, value, result);
                  }
                  return result;
                }));
    return success();
  }
};

struct ConstantLowering : OpRewritePattern<ConstantOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ConstantOp op,
                                PatternRewriter &rewriter) const override {
    rewriter.replaceOpWithNewOp<arith::ConstantOp>(op, op.getValue());
    return success();
  }
};

} // namespace

void mlir::kgen::populateDataMovementToLinalgPatterns(
    RewritePatternSet &patterns) {
  patterns.add<PermuteLowering, SliceLowering, FlipLowering, GatherLowering,
               TriangleLowering<TrilOp>, TriangleLowering<TriuOp>, ReshapeLowering,
               BroadcastToLowering, ConcatLowering, ConstantLowering>(
      patterns.getContext());
}
