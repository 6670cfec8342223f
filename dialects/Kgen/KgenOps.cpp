//===- KgenOps.cpp - kgen operation verifiers and folders -----------------===//

#include "kgen/Dialect/Kgen/KgenOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallSet.h"
#include "llvm/Support/MathExtras.h"

#include <cmath>

using namespace mlir;
using namespace mlir::kgen;

//===----------------------------------------------------------------------===//
// Shared shape rules
//===----------------------------------------------------------------------===//

std::optional<SmallVector<int64_t>>
mlir::kgen::broadcastShapes(ArrayRef<int64_t> lhs, ArrayRef<int64_t> rhs) {
  size_t rank = std::max(lhs.size(), rhs.size());
  SmallVector<int64_t> result(rank);
  for (size_t i = 0; i < rank; ++i) {
    // Align on the right, as PyTorch does; missing dimensions count as 1.
    int64_t l = i < rank - lhs.size() ? 1 : lhs[i - (rank - lhs.size())];
    int64_t r = i < rank - rhs.size() ? 1 : rhs[i - (rank - rhs.size())];
    if (l != r && l != 1 && r != 1)
      return std::nullopt;
    result[i] = l == 1 ? r : l;
  }
  return result;
}

SmallVector<int64_t> mlir::kgen::reducedShape(ArrayRef<int64_t> input,
                                              ArrayRef<int64_t> dims,
                                              bool keepdim) {
  SmallVector<int64_t> result;
  for (auto [i, size] : llvm::enumerate(input)) {
    if (!llvm::is_contained(dims, static_cast<int64_t>(i)))
      result.push_back(size);
    else if (keepdim)
      result.push_back(1);
  }
  return result;
}

namespace {
std::string formatShape(ArrayRef<int64_t> shape) {
  std::string s = "[";
  llvm::raw_string_ostream os(s);
  llvm::interleaveComma(shape, os);
  os << "]";
  return s;
}

ArrayRef<int64_t> shapeOf(Value v) {
  return cast<RankedTensorType>(v.getType()).getShape();
}

/// Checks that `op`'s single result has `shape` (its element type is already
/// known to match the operands').
LogicalResult verifyResultShape(Operation *op, ArrayRef<int64_t> shape) {
  auto resultType = cast<RankedTensorType>(op->getResult(0).getType());
  if (resultType.getShape() == shape)
    return success();
  return op->emitOpError("result shape ")
         << formatShape(resultType.getShape()) << " does not match the "
         << "expected shape " << formatShape(shape);
}

LogicalResult verifyRank(Operation *op, StringRef name, Value v, int64_t rank) {
  int64_t actual = cast<RankedTensorType>(v.getType()).getRank();
  if (actual == rank)
    return success();
  return op->emitOpError() << name << " must have rank " << rank << ", got "
                           << actual;
}

/// Checks that `dim` indexes a dimension of a tensor of rank `rank`.
LogicalResult verifyDimIndex(Operation *op, int64_t dim, int64_t rank) {
  if (dim >= 0 && dim < rank)
    return success();
  return op->emitOpError("dimension ")
         << dim << " is out of range for a tensor of rank " << rank
         << " (expected a value in [0, " << rank << "))";
}

/// Checks `dims` are distinct, in range, and (if `requireAll`) a permutation.
LogicalResult verifyDimList(Operation *op, ArrayRef<int64_t> dims,
                            int64_t rank) {
  llvm::SmallSet<int64_t, 8> seen;
  for (int64_t d : dims) {
    if (failed(verifyDimIndex(op, d, rank)))
      return failure();
    if (!seen.insert(d).second)
      return op->emitOpError("dimension ") << d << " appears more than once";
  }
  return success();
}

/// Shared by layer_norm and rms_norm: `normalized_shape` names trailing
/// dimensions of the input, and the affine parameters have that shape.
LogicalResult
verifyNormalizedShape(Operation *op, Value input,
                      ArrayRef<int64_t> normalizedShape,
                      ArrayRef<std::pair<StringRef, Value>> params) {
  ArrayRef<int64_t> inShape = shapeOf(input);
  if (normalizedShape.empty())
    return op->emitOpError("normalized_shape must not be empty");
  if (normalizedShape.size() > inShape.size() ||
      inShape.take_back(normalizedShape.size()) != normalizedShape)
    return op->emitOpError("normalized_shape ")
           << formatShape(normalizedShape)
           << " must equal the trailing dimensions of the input shape "
           << formatShape(inShape);
  for (auto [name, value] : params) {
    if (value && shapeOf(value) != normalizedShape)
      return op->emitOpError()
             << name << " shape " << formatShape(shapeOf(value))
             << " must equal normalized_shape " << formatShape(normalizedShape);
  }
  return verifyResultShape(op, inShape);
}
} // namespace

/// Whether the bytes of `tensor` can be counted in an int64_t: element
/// counts that wrap around would make an impossible tensor look small (a
/// reshape of 0 elements into 2^32 x 2^32 passes an equality check).
static bool fitsIn64BitBytes(RankedTensorType tensor) {
  Type element = tensor.getElementType();
  int64_t bytes = element.isIntOrFloat()
                      ? std::max<int64_t>(1, element.getIntOrFloatBitWidth() / 8)
                      : 1;
  for (int64_t size : tensor.getShape())
    if (llvm::MulOverflow(bytes, size, bytes))
      return false;
  return true;
}

LogicalResult mlir::kgen::verifyStaticTensors(Operation *op) {
  Type elementType;
  auto check = [&](Type type, StringRef kind, unsigned index) -> LogicalResult {
    Type element = type;
    if (auto tensor = dyn_cast<RankedTensorType>(type)) {
      if (!tensor.hasStaticShape())
        return op->emitOpError()
               << kind << " #" << index << " has the dynamic shape " << type
               << "; kgen requires statically shaped tensors";
      element = tensor.getElementType();
      if (!fitsIn64BitBytes(tensor))
        return op->emitOpError()
               << kind << " #" << index << " (" << type
               << ") has more bytes than a 64-bit size can count";
    }
    // kgen.convert is the one op that changes the float type.
    if (!isa<FloatType>(element) || isa<ConvertOp>(op))
      return success();
    if (!elementType) {
      elementType = element;
      return success();
    }
    if (element != elementType)
      return op->emitOpError()
             << "mixes element types " << elementType << " and " << element
             << "; all operands and results must share one element type";
    return success();
  };
  for (auto [i, type] : llvm::enumerate(op->getOperandTypes()))
    if (failed(check(type, "operand", i)))
      return failure();
  for (auto [i, type] : llvm::enumerate(op->getResultTypes()))
    if (failed(check(type, "result", i)))
      return failure();
  return success();
}

//===----------------------------------------------------------------------===//
// Contractions
//===----------------------------------------------------------------------===//

LogicalResult MatmulOp::verify() {
  if (failed(verifyRank(*this, "lhs", getLhs(), 2)) ||
      failed(verifyRank(*this, "rhs", getRhs(), 2)))
    return failure();
  ArrayRef<int64_t> a = shapeOf(getLhs()), b = shapeOf(getRhs());
  if (a[1] != b[0])
    return emitOpError("contraction sizes differ: lhs has ")
           << a[1] << " columns but rhs has " << b[0] << " rows";
  return verifyResultShape(*this, {a[0], b[1]});
}

LogicalResult BatchMatmulOp::verify() {
  if (failed(verifyRank(*this, "lhs", getLhs(), 3)) ||
      failed(verifyRank(*this, "rhs", getRhs(), 3)))
    return failure();
  ArrayRef<int64_t> a = shapeOf(getLhs()), b = shapeOf(getRhs());
  if (a[0] != b[0])
    return emitOpError("batch sizes differ: ") << a[0] << " vs " << b[0];
  if (a[2] != b[1])
    return emitOpError("contraction sizes differ: lhs has ")
           << a[2] << " columns but rhs has " << b[1] << " rows";
  return verifyResultShape(*this, {a[0], a[1], b[2]});
}

LogicalResult AttentionOp::verify() {
  ArrayRef<int64_t> q = shapeOf(getQuery()), k = shapeOf(getKey()),
                    v = shapeOf(getValue());
  if (q.size() < 2)
    return emitOpError("query must have rank at least 2 ([..., L, D])");
  if (k.size() != q.size() || v.size() != q.size())
    return emitOpError("query, key and value must have the same rank, not ")
           << q.size() << ", " << k.size() << " and " << v.size();
  size_t batch = q.size() - 2;
  if (k.take_front(batch) != q.take_front(batch) ||
      v.take_front(batch) != q.take_front(batch))
    return emitOpError("query, key and value have different batch "
                       "dimensions: ")
           << formatShape(q) << ", " << formatShape(k) << ", "
           << formatShape(v);
  if (k[batch + 1] != q[batch + 1])
    return emitOpError("key's feature size (")
           << k[batch + 1] << ") differs from query's (" << q[batch + 1]
           << ")";
  if (v[batch] != k[batch])
    return emitOpError("value has ")
           << v[batch] << " positions but key has " << k[batch];
  if (!(getScale().convertToDouble() > 0) ||
      !std::isfinite(getScale().convertToDouble()))
    return emitOpError("scale must be positive and finite, not ")
           << getScale().convertToDouble();
  SmallVector<int64_t> scores(q.take_front(batch + 1));
  scores.push_back(k[batch]);
  if (Value mask = getMask()) {
    if (getCausal())
      return emitOpError("takes a mask or causal, not both");
    ArrayRef<int64_t> m = shapeOf(mask);
    std::optional<SmallVector<int64_t>> shape = broadcastShapes(m, scores);
    if (m.size() > scores.size() || !shape ||
        ArrayRef<int64_t>(*shape) != ArrayRef<int64_t>(scores))
      return emitOpError("mask shape ")
             << formatShape(m) << " does not broadcast to the scores' "
             << formatShape(scores);
  }
  SmallVector<int64_t> expected(q.take_front(batch + 1));
  expected.push_back(v[batch + 1]);
  return verifyResultShape(*this, expected);
}

LogicalResult LinearOp::verify() {
  ArrayRef<int64_t> x = shapeOf(getInput());
  if (x.empty())
    return emitOpError("input must have rank at least 1");
  if (failed(verifyRank(*this, "weight", getWeight(), 2)))
    return failure();
  ArrayRef<int64_t> w = shapeOf(getWeight());
  if (x.back() != w[1])
    return emitOpError("input features (")
           << x.back() << ") differ from weight's second dimension (" << w[1]
           << ")";
  if (Value bias = getBias()) {
    if (failed(verifyRank(*this, "bias", bias, 1)))
      return failure();
    if (shapeOf(bias)[0] != w[0])
      return emitOpError("bias size (")
             << shapeOf(bias)[0] << ") differs from the output features ("
             << w[0] << ")";
  }
  SmallVector<int64_t> expected(x.drop_back());
  expected.push_back(w[0]);
  return verifyResultShape(*this, expected);
}

/// The output size of spatial dimension `i` of `op`, of input size `input`
/// and kernel size `kernel`, as PyTorch computes it. Padding and dilation
/// are attributes of any size, so the padded input and the dilated kernel
/// are computed with overflow checks: a wrapped size would make a nonsense
/// diagnostic, or pass.
static FailureOr<int64_t> convOutputSize(ConvOp op, size_t i, int64_t input,
                                         int64_t kernel) {
  int64_t padding = op.getPadding()[i], dilation = op.getDilation()[i];
  if (kernel < 1)
    return op.emitOpError("weight's spatial dimension ")
           << i << " has size " << kernel
           << "; kernel sizes must be at least 1 (PyTorch raises too)";
  int64_t twicePadding, padded, dilated, effectiveKernel;
  if (llvm::MulOverflow(padding, int64_t(2), twicePadding) ||
      llvm::AddOverflow(input, twicePadding, padded))
    return op.emitOpError("spatial dimension ")
           << i << ": the padded input size (" << input << " + 2 * "
           << padding << ") is too large (more than 2^63 - 1)";
  if (llvm::MulOverflow(dilation, kernel - 1, dilated) ||
      llvm::AddOverflow(dilated, int64_t(1), effectiveKernel))
    return op.emitOpError("spatial dimension ")
           << i << ": the dilated kernel size (" << dilation << " * ("
           << kernel << " - 1) + 1) is too large (more than 2^63 - 1)";
  if (padded < effectiveKernel)
    return op.emitOpError("spatial dimension ")
           << i << " is too small: padded input size " << padded
           << " is less than the dilated kernel size " << effectiveKernel;
  // Cannot overflow: 0 <= padded - effectiveKernel < 2^63 - 1.
  return (padded - effectiveKernel) / op.getStride()[i] + 1;
}

/// A convolution's input is [N, C, spatial...] with 1 to 3 spatial dims,
/// and its weight has the same rank.
static LogicalResult verifyConvRanks(Operation *op, Value input, Value weight) {
  int64_t rank = shapeOf(input).size();
  if (rank < 3 || rank > 5)
    return op->emitOpError("input must have rank 3, 4 or 5 ([N, C, "
                           "spatial...] with 1 to 3 spatial dimensions), got ")
           << rank;
  return verifyRank(op, "weight", weight, rank);
}

LogicalResult ConvOp::verify() {
  ArrayRef<int64_t> x = shapeOf(getInput()), w = shapeOf(getWeight());
  int64_t rank = x.size();
  if (failed(verifyConvRanks(*this, getInput(), getWeight())))
    return failure();
  size_t spatial = rank - 2;
  for (auto [name, values] :
       {std::pair<StringRef, ArrayRef<int64_t>>{"stride", getStride()},
        {"padding", getPadding()},
        {"dilation", getDilation()}}) {
    if (values.size() != spatial)
      return emitOpError() << name << " must have " << spatial
                           << " values (one per spatial "
                           << "dimension), got " << values.size();
    int64_t minimum = name == "padding" ? 0 : 1;
    if (llvm::any_of(values, [&](int64_t v) { return v < minimum; }))
      return emitOpError() << name << " values must be at least " << minimum
                           << ", got " << formatShape(values);
  }
  int64_t groups = getGroups();
  if (groups < 1)
    return emitOpError("groups must be at least 1, got ") << groups;
  if (x[1] % groups != 0 || w[0] % groups != 0)
    return emitOpError("input channels (")
           << x[1] << ") and output channels (" << w[0]
           << ") must both be divisible by groups (" << groups << ")";
  if (w[1] != x[1] / groups)
    return emitOpError("weight has ")
           << w[1] << " input channels per group, expected " << x[1] / groups;
  if (Value bias = getBias()) {
    if (failed(verifyRank(*this, "bias", bias, 1)))
      return failure();
    if (shapeOf(bias)[0] != w[0])
      return emitOpError("bias size (")
             << shapeOf(bias)[0] << ") differs from the output channels ("
             << w[0] << ")";
  }
  SmallVector<int64_t> expected = {x[0], w[0]};
  for (size_t i = 0; i < spatial; ++i) {
    FailureOr<int64_t> size = convOutputSize(*this, i, x[i + 2], w[i + 2]);
    if (failed(size))
      return failure();
    expected.push_back(*size);
  }
  return verifyResultShape(*this, expected);
}

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

template <typename BinaryOp> static LogicalResult verifyBinaryOp(BinaryOp op) {
  auto lhs = dyn_cast<RankedTensorType>(op.getLhs().getType());
  auto rhs = dyn_cast<RankedTensorType>(op.getRhs().getType());
  if (!lhs && !rhs)
    return op.emitOpError("needs at least one tensor operand");
  ArrayRef<int64_t> lhsShape = lhs ? lhs.getShape() : ArrayRef<int64_t>();
  ArrayRef<int64_t> rhsShape = rhs ? rhs.getShape() : ArrayRef<int64_t>();
  std::optional<SmallVector<int64_t>> shape =
      broadcastShapes(lhsShape, rhsShape);
  if (!shape)
    return op.emitOpError("operand shapes ")
           << formatShape(lhsShape) << " and " << formatShape(rhsShape)
           << " are not broadcast-compatible";
  return verifyResultShape(op, *shape);
}

#define KGEN_BINARY_VERIFIER(OpName)                                           \
  LogicalResult OpName::verify() { return verifyBinaryOp(*this); }
KGEN_BINARY_VERIFIER(AddOp)
KGEN_BINARY_VERIFIER(SubOp)
KGEN_BINARY_VERIFIER(MulOp)
KGEN_BINARY_VERIFIER(DivOp)
KGEN_BINARY_VERIFIER(MaximumOp)
KGEN_BINARY_VERIFIER(MinimumOp)
KGEN_BINARY_VERIFIER(PowOp)
KGEN_BINARY_VERIFIER(EqOp)
KGEN_BINARY_VERIFIER(NeOp)
KGEN_BINARY_VERIFIER(LtOp)
KGEN_BINARY_VERIFIER(LeOp)
KGEN_BINARY_VERIFIER(GtOp)
KGEN_BINARY_VERIFIER(GeOp)
#undef KGEN_BINARY_VERIFIER

LogicalResult WhereOp::verify() {
  SmallVector<int64_t> shape;
  bool anyTensor = false;
  for (Value operand : getOperands()) {
    auto tensor = dyn_cast<RankedTensorType>(operand.getType());
    if (!tensor)
      continue;
    anyTensor = true;
    std::optional<SmallVector<int64_t>> joined =
        broadcastShapes(shape, tensor.getShape());
    if (!joined)
      return emitOpError("operand shapes are not broadcast-compatible: ")
             << formatShape(shape) << " and "
             << formatShape(tensor.getShape());
    shape = *joined;
  }
  if (!anyTensor)
    return emitOpError("needs at least one tensor operand");
  return verifyResultShape(*this, shape);
}

LogicalResult ClampOp::verify() {
  if (!getMin() && !getMax())
    return emitOpError("needs at least one of 'min' and 'max'");
  return success();
}

LogicalResult CeluOp::verify() {
  if (getAlpha().isZero())
    return emitOpError("needs a non-zero alpha (it divides the input)");
  return success();
}

LogicalResult SoftplusOp::verify() {
  if (getBeta().isZero())
    return emitOpError("needs a non-zero beta (it divides the result)");
  return success();
}

LogicalResult SoftshrinkOp::verify() {
  if (getLambd().isNegative())
    return emitOpError("needs lambd >= 0, as PyTorch does");
  return success();
}

//===----------------------------------------------------------------------===//
// Reductions and normalizations
//===----------------------------------------------------------------------===//

template <typename ReductionOp>
static LogicalResult verifyReductionOp(ReductionOp op) {
  ArrayRef<int64_t> in = shapeOf(op.getInput());
  if (op.getDims().empty())
    return op.emitOpError("needs at least one dimension to reduce");
  if (failed(verifyDimList(op, op.getDims(), in.size())))
    return failure();
  return verifyResultShape(op, reducedShape(in, op.getDims(), op.getKeepdim()));
}

/// A maximum or minimum over no elements has no value (torch.amax and
/// torch.amin raise); a sum is 0 and a mean NaN, as in PyTorch.
template <typename ReductionOp>
static LogicalResult verifyExtremumOp(ReductionOp op, llvm::StringRef what) {
  if (failed(verifyReductionOp(op)))
    return failure();
  ArrayRef<int64_t> in = shapeOf(op.getInput());
  for (int64_t dim : op.getDims())
    if (in[dim] == 0)
      return op.emitOpError() << "cannot take the " << what
                              << " over dimension " << dim
                              << ", which has size 0";
  return success();
}

LogicalResult SumOp::verify() { return verifyReductionOp(*this); }
LogicalResult MeanOp::verify() { return verifyReductionOp(*this); }
LogicalResult MaxOp::verify() { return verifyExtremumOp(*this, "maximum"); }
LogicalResult MinOp::verify() { return verifyExtremumOp(*this, "minimum"); }

/// The position of a maximum or minimum along `dim`: a row of no elements
/// has none (torch.argmax and torch.argmin raise).
template <typename ArgExtremumOp>
static LogicalResult verifyArgExtremumOp(ArgExtremumOp op,
                                         llvm::StringRef what) {
  ArrayRef<int64_t> in = shapeOf(op.getInput());
  if (in.empty())
    return op.emitOpError("input must have rank at least 1");
  int64_t dim = op.getDim();
  if (failed(verifyDimIndex(op, dim, in.size())))
    return failure();
  if (in[dim] == 0)
    return op.emitOpError() << "cannot take the position of the " << what
                            << " along dimension " << dim
                            << ", which has size 0";
  return verifyResultShape(op, reducedShape(in, {dim}, op.getKeepdim()));
}

LogicalResult ArgmaxOp::verify() {
  return verifyArgExtremumOp(*this, "maximum");
}
LogicalResult ArgminOp::verify() {
  return verifyArgExtremumOp(*this, "minimum");
}

/// An op along one dimension `dim` of its input (softmax, log_softmax,
/// the scans): rank 1 or more, `dim` inside it.
template <typename AlongOneDimOp>
static LogicalResult verifyAlongOneDim(AlongOneDimOp op) {
  int64_t rank = shapeOf(op.getInput()).size();
  if (rank == 0)
    return op.emitOpError("input must have rank at least 1");
  return verifyDimIndex(op, op.getDim(), rank);
}

LogicalResult SoftmaxOp::verify() { return verifyAlongOneDim(*this); }
LogicalResult LogSoftmaxOp::verify() { return verifyAlongOneDim(*this); }
LogicalResult CumsumOp::verify() { return verifyAlongOneDim(*this); }
LogicalResult CumprodOp::verify() { return verifyAlongOneDim(*this); }

LogicalResult LayerNormOp::verify() {
  if (getEps().convertToDouble() < 0)
    return emitOpError("eps must not be negative");
  return verifyNormalizedShape(*this, getInput(), getNormalizedShape(),
                               {{"weight", getWeight()}, {"bias", getBias()}});
}

LogicalResult RmsNormOp::verify() {
  if (getEps() && getEps()->convertToDouble() < 0)
    return emitOpError("eps must not be negative");
  return verifyNormalizedShape(*this, getInput(), getNormalizedShape(),
                               {{"weight", getWeight()}});
}

//===----------------------------------------------------------------------===//
// Data movement and constants
//===----------------------------------------------------------------------===//

LogicalResult PermuteOp::verify() {
  ArrayRef<int64_t> in = shapeOf(getInput());
  if (getDims().size() != in.size())
    return emitOpError("dims must list all ")
           << in.size() << " dimensions of the input, got " << getDims().size();
  if (failed(verifyDimList(*this, getDims(), in.size())))
    return failure();
  SmallVector<int64_t> expected;
  for (int64_t d : getDims())
    expected.push_back(in[d]);
  return verifyResultShape(*this, expected);
}

LogicalResult SliceOp::verify() {
  ArrayRef<int64_t> in = shapeOf(getInput()), out = shapeOf(getResult());
  ArrayRef<int64_t> offsets = getOffsets(), strides = getStrides();
  if (out.size() != in.size() || offsets.size() != in.size() ||
      strides.size() != in.size())
    return emitOpError("needs one offset and one stride per dimension of the "
                       "input and a result of the same rank (")
           << in.size() << ")";
  for (size_t d = 0; d < in.size(); ++d) {
    if (strides[d] < 1)
      return emitOpError("stride ") << strides[d] << " of dimension " << d
                                    << " is not positive";
    if (offsets[d] < 0)
      return emitOpError("offset ") << offsets[d] << " of dimension " << d
                                    << " is negative";
    // The last index read, offset + stride * (size - 1), overflow-checked.
    int64_t last = 0;
    if (out[d] > 0 &&
        (llvm::MulOverflow(strides[d], out[d] - 1, last) ||
         llvm::AddOverflow(last, offsets[d], last) || last >= in[d]))
      return emitOpError("dimension ")
             << d << " reads past the input: " << out[d]
             << " elements from offset " << offsets[d] << " with stride "
             << strides[d] << " in a dimension of " << in[d];
  }
  return success();
}

LogicalResult GatherOp::verify() {
  ArrayRef<int64_t> in = shapeOf(getInput()), index = shapeOf(getIndex());
  if (in.empty())
    return emitOpError("input must have rank at least 1");
  if (index.size() != in.size())
    return emitOpError() << "index must have the input's rank " << in.size()
                         << ", got " << index.size();
  if (failed(verifyDimIndex(*this, getDim(), in.size())))
    return failure();
  for (auto [d, sizes] : llvm::enumerate(llvm::zip(index, in))) {
    auto [n, limit] = sizes;
    if (static_cast<int64_t>(d) != getDim() && n > limit)
      return emitOpError() << "index size " << n << " along dimension " << d
                           << " exceeds the input's " << limit;
  }
  if (in[getDim()] == 0 && llvm::product_of(index) != 0)
    return emitOpError() << "cannot gather along dimension " << getDim()
                         << ", which has size 0";
  return verifyResultShape(*this, index);
}

LogicalResult FlipOp::verify() {
  return verifyDimList(*this, getDims(), shapeOf(getInput()).size());
}

LogicalResult ConvTransposeOp::verify() {
  ArrayRef<int64_t> x = shapeOf(getInput()), w = shapeOf(getWeight());
  int64_t rank = x.size();
  if (failed(verifyConvRanks(*this, getInput(), getWeight())))
    return failure();
  size_t spatial = rank - 2;
  for (const auto &entry :
       {std::tuple<StringRef, ArrayRef<int64_t>, int64_t>{"stride",
                                                          getStride(), 1},
        {"padding", getPadding(), 0},
        {"output_padding", getOutputPadding(), 0},
        {"dilation", getDilation(), 1}}) {
    auto [name, values, minimum] = entry;
    int64_t least = minimum;
    if (values.size() != spatial)
      return emitOpError() << name << " must have " << spatial
                           << " values (one per spatial dimension), got "
                           << values.size();
    if (llvm::any_of(values, [&](int64_t v) { return v < least; }))
      return emitOpError() << name << " values must be at least " << least
                           << ", got " << formatShape(values);
  }
  for (size_t i = 0; i < spatial; ++i)
    if (getOutputPadding()[i] >= std::max(getStride()[i], getDilation()[i]))
      return emitOpError("output_padding ")
             << formatShape(getOutputPadding())
             << " must be smaller than the stride or the dilation";
  int64_t groups = getGroups();
  if (groups < 1 || x[1] % groups != 0)
    return emitOpError("groups (")
           << groups << ") must be at least 1 and divide the input channels ("
           << x[1] << ")";
  if (w[0] != x[1])
    return emitOpError("weight has ")
           << w[0] << " input channels, expected " << x[1];
  int64_t outChannels = w[1] * groups;
  if (Value bias = getBias()) {
    if (failed(verifyRank(*this, "bias", bias, 1)))
      return failure();
    if (shapeOf(bias)[0] != outChannels)
      return emitOpError("bias size (")
             << shapeOf(bias)[0] << ") differs from the output channels ("
             << outChannels << ")";
  }
  SmallVector<int64_t> expected = {x[0], outChannels};
  for (size_t i = 0; i < spatial; ++i)
    expected.push_back((x[i + 2] - 1) * getStride()[i] - 2 * getPadding()[i] +
                       getDilation()[i] * (w[i + 2] - 1) +
                       getOutputPadding()[i] + 1);
  if (llvm::any_of(expected, [](int64_t d) { return d < 1; }))
    return emitOpError("the padding leaves no output: shape ")
           << formatShape(expected);
  if (shapeOf(getResult()) != ArrayRef<int64_t>(expected))
    return emitOpError("result shape ")
           << formatShape(shapeOf(getResult())) << " should be "
           << formatShape(expected);
  return success();
}

/// The pooled size of a dim of `size` (PyTorch's pooling_output_shape).
static int64_t pooledSize(int64_t size, int64_t kernel, int64_t stride,
                          int64_t padding, int64_t dilation, bool ceilMode) {
  int64_t span = size + 2 * padding - dilation * (kernel - 1) - 1;
  if (span < 0)
    return 0;
  int64_t out = (span + (ceilMode ? stride - 1 : 0)) / stride + 1;
  // The last window must start inside the input or the left padding.
  if (ceilMode && (out - 1) * stride >= size + padding)
    --out;
  return out;
}

template <typename PoolOp>
static LogicalResult verifyPool(PoolOp op, bool isAvg) {
  ArrayRef<int64_t> x = shapeOf(op.getInput());
  size_t pooled = op.getKernel().size();
  if (pooled < 1 || pooled > 3 || x.size() <= pooled)
    return op.emitOpError("pools 1 to 3 trailing dims of an input with at "
                          "least one more dim; got ")
           << pooled << " kernel values for rank " << x.size();
  for (const auto &entry :
       {std::tuple<StringRef, ArrayRef<int64_t>, int64_t>{"kernel",
                                                          op.getKernel(), 1},
        {"stride", op.getStride(), 1},
        {"padding", op.getPadding(), 0},
        {"dilation", op.getDilation(), 1}}) {
    auto [name, values, minimum] = entry;
    int64_t least = minimum;
    if (values.size() != pooled)
      return op.emitOpError() << name << " must have " << pooled
                              << " values (one per pooled dim), got "
                              << values.size();
    if (llvm::any_of(values, [&](int64_t v) { return v < least; }))
      return op.emitOpError() << name << " values must be at least "
                              << minimum << ", got " << formatShape(values);
  }
  for (size_t i = 0; i < pooled; ++i)
    if (2 * op.getPadding()[i] > op.getKernel()[i])
      return op.emitOpError("padding ")
             << formatShape(op.getPadding())
             << " must be at most half the kernel " << formatShape(op.getKernel());
  if (!isAvg && (op.getCountIncludePad() || op.getDivisor()))
    return op.emitOpError("count_include_pad and divisor are avg_pool's");
  if (isAvg && llvm::any_of(op.getDilation(), [](int64_t d) { return d != 1; }))
    return op.emitOpError("avg_pool has no dilation; got ")
           << formatShape(op.getDilation());
  if (std::optional<int64_t> divisor = op.getDivisor(); divisor && *divisor < 1)
    return op.emitOpError("divisor must be positive, got ") << *divisor;
  SmallVector<int64_t> expected(x.drop_back(pooled));
  size_t lead = expected.size();
  for (size_t i = 0; i < pooled; ++i)
    expected.push_back(pooledSize(x[lead + i], op.getKernel()[i],
                                  op.getStride()[i], op.getPadding()[i],
                                  op.getDilation()[i], op.getCeilMode()));
  if (llvm::any_of(expected, [](int64_t d) { return d < 1; }))
    return op.emitOpError("the windows do not fit the input: pooled shape ")
           << formatShape(expected);
  if (shapeOf(op.getResult()) != ArrayRef<int64_t>(expected))
    return op.emitOpError("result shape ")
           << formatShape(shapeOf(op.getResult())) << " should be "
           << formatShape(expected);
  return success();
}

LogicalResult MaxPoolOp::verify() { return verifyPool(*this, false); }

LogicalResult AvgPoolOp::verify() { return verifyPool(*this, true); }

/// tril and triu mask the last two dims: rank 2 or more.
static LogicalResult verifyTriangle(Operation *op, Value input) {
  if (size_t rank = shapeOf(input).size(); rank < 2)
    return op->emitOpError("masks the last two dims of a matrix; the input "
                           "has rank ")
           << rank;
  return success();
}

LogicalResult TrilOp::verify() { return verifyTriangle(*this, getInput()); }

LogicalResult TriuOp::verify() { return verifyTriangle(*this, getInput()); }

LogicalResult ReshapeOp::verify() {
  auto in = cast<RankedTensorType>(getInput().getType());
  auto out = cast<RankedTensorType>(getResult().getType());
  if (in.getElementType() != out.getElementType())
    return emitOpError("cannot change the element type from ")
           << in.getElementType() << " to " << out.getElementType();
  if (in.getNumElements() != out.getNumElements())
    return emitOpError("cannot reshape ")
           << in.getNumElements() << " elements into " << out.getNumElements();
  return success();
}

LogicalResult ConvertOp::verify() {
  auto in = cast<RankedTensorType>(getInput().getType());
  auto out = cast<RankedTensorType>(getResult().getType());
  if (in.getShape() != out.getShape())
    return emitOpError("cannot change the shape from ")
           << formatShape(in.getShape()) << " to "
           << formatShape(out.getShape()) << "; use kgen.reshape";
  if (in.getElementType() == out.getElementType())
    return emitOpError("converts ") << in.getElementType()
                                    << " to itself; drop the conversion";
  return success();
}

LogicalResult BroadcastToOp::verify() {
  ArrayRef<int64_t> in = shapeOf(getInput()), out = shapeOf(getResult());
  std::optional<SmallVector<int64_t>> shape = broadcastShapes(in, out);
  if (in.size() > out.size() || !shape || ArrayRef<int64_t>(*shape) != out)
    return emitOpError("input shape ")
           << formatShape(in) << " does not broadcast to " << formatShape(out);
  return success();
}

LogicalResult ConcatOp::verify() {
  if (getInputs().empty())
    return emitOpError("needs at least one input");
  ArrayRef<int64_t> out = shapeOf(getResult());
  int64_t rank = out.size(), dim = getDim();
  if (rank == 0)
    return emitOpError("cannot join 0-d tensors");
  if (failed(verifyDimIndex(*this, dim, rank)))
    return failure();
  int64_t total = 0;
  for (auto [i, input] : llvm::enumerate(getInputs())) {
    ArrayRef<int64_t> in = shapeOf(input);
    bool others = in.size() == out.size() &&
                  llvm::all_of(llvm::seq<int64_t>(0, rank), [&](int64_t d) {
                    return d == dim || in[d] == out[d];
                  });
    if (!others)
      return emitOpError("input ")
             << i << " of shape " << formatShape(in)
             << " does not match the result " << formatShape(out)
             << " outside dimension " << dim;
    total += in[dim];
  }
  if (total != out[dim])
    return emitOpError("inputs add up to ")
           << total << " along dimension " << dim << ", the result has "
           << out[dim];
  return success();
}

OpFoldResult ConstantOp::fold(FoldAdaptor) { return getValue(); }

#define GET_OP_CLASSES
#include "kgen/Dialect/Kgen/KgenOps.cpp.inc"
