//===- LoweringUtils.h - helpers shared by kgen-to-linalg -------*- C++ -*-===//
//
// Builders for the linalg.generic shapes every op family needs: broadcasting
// elementwise maps and f32-accumulating reductions. Reduced-precision values
// are widened to f32 on load and narrowed once on store, so every lowering
// gets PyTorch's accumulate-in-f32 behaviour from one place.
//
//===----------------------------------------------------------------------===//

#ifndef KGEN_PASSES_KGENTOLINALG_LOWERINGUTILS_H
#define KGEN_PASSES_KGENTOLINALG_LOWERINGUTILS_H

#include "kgen/Conversion/KgenToLinalg.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/Builders.h"

namespace mlir::kgen::detail {

/// Body of a generic: receives the block arguments, returns the yielded value.
using BodyFn = function_ref<Value(OpBuilder &, Location, ValueRange)>;

/// Widens `v` to f32 if it is a narrower float.
Value widen(OpBuilder &b, Location loc, Value v);
/// Converts the f32 value `v` to `elementType` (a no-op for f32).
Value narrow(OpBuilder &b, Location loc, Value v, Type elementType);
/// An f32 arith.constant.
Value f32Const(OpBuilder &b, Location loc, double value);

/// tensor.empty of the given shape and element type.
Value emptyTensor(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
                  Type elementType);
/// tensor.empty filled with `value` (f32).
Value filledF32Tensor(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
                      double value);

/// Map from a rank-`resultShape.size()` iteration space to an operand of
/// `operandShape` under PyTorch's right-aligned broadcasting.
AffineMap broadcastMap(MLIRContext *ctx, ArrayRef<int64_t> operandShape,
                       ArrayRef<int64_t> resultShape);
/// Map from a rank-`rank` space dropping `dims` (operand is a reduced value).
AffineMap dropDimsMap(MLIRContext *ctx, int64_t rank, ArrayRef<int64_t> dims);

/// A parallel linalg.generic producing a tensor of `resultType` from
/// `inputs` accessed through `maps`. The body sees raw block arguments.
Value buildParallelGeneric(OpBuilder &b, Location loc,
                           RankedTensorType resultType, ValueRange inputs,
                           ArrayRef<AffineMap> maps, BodyFn body);

/// Elementwise computation over `operands` (tensors broadcast to
/// `resultType`'s shape, or scalars) carried out in f32: the body receives
/// every operand widened to f32 and returns an f32 value, which is narrowed to
/// `resultType`'s element type. `maps` overrides the broadcasting maps of the
/// tensor operands when given.
Value buildElementwise(OpBuilder &b, Location loc, RankedTensorType resultType,
                       ValueRange operands, BodyFn body,
                       ArrayRef<AffineMap> maps = {});

/// Reduction over `dims` of the iteration space of `inputs[0]`. The body
/// receives the inputs widened to f32 followed by the f32 accumulator and
/// returns the new accumulator. Returns an f32 tensor of the reduced shape
/// (reduced dimensions dropped). `maps` default to the identity.
Value buildReduction(OpBuilder &b, Location loc, ValueRange inputs,
                     ArrayRef<int64_t> dims, double init, BodyFn body,
                     ArrayRef<AffineMap> maps = {});

/// The chunks C of the streaming statistics along dimension `dim` of
/// `type`: rows along the innermost dimension that stream under `options`
/// (by default, longer than any known target's block stages), viewed as
/// [N / C, C] (C a power of two up to 1024, chunks of at least 32
/// elements); 0 for rows that do not stream.
int64_t streamedRowChunks(RankedTensorType type, int64_t dim,
                          const KgenToLinalgOptions &options);
/// `x` ([..., N]) viewed as [..., N / chunks, chunks]: chunk c holds
/// elements c, c + chunks, ..., so that threads on neighbouring chunks
/// read neighbouring elements.
Value chunkedRows(OpBuilder &b, Location loc, Value x, int64_t chunks);
/// An f32 tensor [..., chunks] (`x`'s shape, its last dimension the
/// chunks) filled with `init`: one partial per chunk of each row.
Value chunkPartials(OpBuilder &b, Location loc, Value x, int64_t chunks,
                    double init);
/// A generic reducing a chunked view's middle loop into `inits` ([..., C]
/// each): one output per chunk, `body` given the element and the inits.
linalg::GenericOp
buildChunkReduction(OpBuilder &b, Location loc, Value view, ValueRange inits,
                    function_ref<void(OpBuilder &, Location, ValueRange)> body);

/// Narrows the f32 accumulator `acc` to `resultType`'s element type (shape
/// unchanged), adding `bias` (accessed through `biasMap`) on the way when
/// there is one.
Value finishContraction(OpBuilder &b, Location loc, Value acc,
                        RankedTensorType resultType, Value bias = {},
                        AffineMap biasMap = {});

/// A spatial position a window reads and whether it lies inside the input.
struct WindowPosition {
  Value position;
  Value inside;
};

/// The element of `input` [lead..., spatial...] at (`lead`..., the
/// positions...), or `outside` (of the element type) when any position
/// lies outside the input: convolutions' padding and pooling's windows
/// read as a bounds check instead of a padded copy. Positions outside are
/// clamped to 0 before the read, so it stays in bounds.
Value gatherOrFill(OpBuilder &b, Location loc, Value input, ValueRange lead,
                   ArrayRef<WindowPosition> positions, Value outside);

/// Whether index `pos` lies in [0, size).
Value inRange(OpBuilder &b, Location loc, Value pos, int64_t size);

/// How a softmax treats a row that is all -inf (a wholly masked row).
enum class MaskedRows {
  NaN,  // exp(-inf - -inf): torch.softmax's result
  Zero, // probabilities 0: scaled_dot_product_attention's (PyTorch >= 2.5)
};

/// softmax (or, with `isLog`, log_softmax) of `x` along `dim`, computed in
/// f32 from the row maximum and sum(exp(x - max)) (two reductions), then
/// one elementwise generic producing `resultType` (x's shape).
/// Rows that stream under `options` take the streaming statistics.
Value buildSoftmax(OpBuilder &b, Location loc, Value x, int64_t dim,
                   RankedTensorType resultType,
                   const KgenToLinalgOptions &options, bool isLog = false,
                   MaskedRows maskedRows = MaskedRows::NaN);

/// Reshapes a static tensor to `type` (same element count) through
/// tensor.collapse_shape / tensor.expand_shape.
Value reshapeTensor(OpBuilder &b, Location loc, Value value,
                    RankedTensorType type);

/// Output channels per group below which a convolution stays a direct loop
/// nest: a matmul whose rows are this few (depthwise: one) has nothing for
/// the matmul schedules to reuse.
constexpr int64_t kMinImplicitGemmRows = 8;
inline bool hasImplicitGemmRows(int64_t rowsPerGroup) {
  return rowsPerGroup >= kMinImplicitGemmRows;
}

/// Transposed convolutions with a stride as one implicit GEMM per output
/// phase (SubpixelConvTranspose.cpp), preferred to the plain implicit GEMM.
void populateSubpixelConvTransposePatterns(RewritePatternSet &patterns);

/// `value` with its dimensions permuted (result dim i is `value`'s dim
/// perm[i]): a linalg.transpose into a new tensor.
Value transposeTensor(OpBuilder &b, Location loc, Value value,
                      ArrayRef<int64_t> perm);

} // namespace mlir::kgen::detail

#endif // KGEN_PASSES_KGENTOLINALG_LOWERINGUTILS_H
