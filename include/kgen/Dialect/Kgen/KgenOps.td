//===- KgenOps.td - kgen dialect operations -----------------*- tablegen -*-===//
//
// PyTorch-style tensor operations: the input language of kgen.
//
//===----------------------------------------------------------------------===//

#ifndef KGEN_DIALECT_KGEN_KGENOPS_TD
#define KGEN_DIALECT_KGEN_KGENOPS_TD

include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/BuiltinAttributeInterfaces.td"
include "mlir/IR/EnumAttr.td"
include "mlir/IR/OpBase.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

//===----------------------------------------------------------------------===//
// Dialect
//===----------------------------------------------------------------------===//

def Kgen_Dialect : Dialect {
  let name = "kgen";
  let cppNamespace = "::mlir::kgen";
  let summary = "PyTorch-style tensor operations, the input of the kgen compiler";
  let description = [{
    The `kgen` dialect holds PyTorch-style operations on ranked, statically
    shaped tensors of `f32`, `f16` and `bf16`. Every operation follows the
    semantics of the PyTorch function it is named after, including PyTorch
    broadcasting for binary operations. All operands and results of an
    operation share one element type: kgen does no implicit type promotion.

    Reduced-precision (`f16`, `bf16`) arithmetic accumulates in `f32`, as
    PyTorch does, and rounds once when the result is stored.

    The `kgen-to-linalg` pass lowers every operation to `linalg` on tensors.
  }];
  let useDefaultAttributePrinterParser = 1;
  let hasConstantMaterializer = 1;
}

//===----------------------------------------------------------------------===//
// Type constraints and traits
//===----------------------------------------------------------------------===//

def Kgen_Float : AnyTypeOf<[F32, F16, BF16], "f32, f16 or bf16">;
def Kgen_Tensor : RankedTensorOf<[F32, F16, BF16]>;
def Kgen_TensorOrScalar : AnyTypeOf<[Kgen_Tensor, Kgen_Float],
    "ranked tensor of f32, f16 or bf16, or an f32, f16 or bf16 scalar">;

// Checks what ODS type constraints cannot say well: static shapes, and a
// single element type shared by every operand and result.
def Kgen_StaticTensors : NativeOpTrait<"StaticTensors"> {
  let cppNamespace = "::mlir::kgen::OpTrait";
}

class Kgen_Op<string mnemonic, list<Trait> traits = []>
    : Op<Kgen_Dialect, mnemonic, !listconcat(traits, [Pure, Kgen_StaticTensors])>;

//===----------------------------------------------------------------------===//
// Enums
//===----------------------------------------------------------------------===//

def Kgen_GeluApproximation : I32EnumAttr<"GeluApproximation",
    "approximation used by gelu (PyTorch's `approximate` argument)", [
      I32EnumAttrCase<"None", 0, "none">,
      I32EnumAttrCase<"Tanh", 1, "tanh">
    ]> {
  let cppNamespace = "::mlir::kgen";
  let genSpecializedAttr = 0;
}
def Kgen_GeluApproximationAttr
    : EnumAttr<Kgen_Dialect, Kgen_GeluApproximation, "approximate"> {
  let assemblyFormat = "`<` $value `>`";
}

//===----------------------------------------------------------------------===//
// Contractions
//===----------------------------------------------------------------------===//

def Kgen_MatmulOp : Kgen_Op<"matmul"> {
  let summary = "matrix product of two 2-D tensors (torch.mm)";
  let description = [{
    `result[m, n] = sum_k lhs[m, k] * rhs[k, n]`, accumulated in `f32`.

    ```mlir
    %c = kgen.matmul %a, %b : (tensor<64x32xf32>, tensor<32x16xf32>) -> tensor<64x16xf32>
    ```
  }];
  let arguments = (ins Kgen_Tensor:$lhs, Kgen_Tensor:$rhs);
  let results = (outs Kgen_Tensor:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Kgen_BatchMatmulOp : Kgen_Op<"batch_matmul"> {
  let summary = "batched matrix product of two 3-D tensors (torch.bmm)";
  let description = [{
    `result[b, m, n] = sum_k lhs[b, m, k] * rhs[b, k, n]`, accumulated in `f32`.

    ```mlir
    %c = kgen.batch_matmul %a, %b : (tensor<8x64x32xf16>, tensor<8x32x16xf16>) -> tensor<8x64x16xf16>
    ```
  }];
  let arguments = (ins Kgen_Tensor:$lhs, Kgen_Tensor:$rhs);
  let results = (outs Kgen_Tensor:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Kgen_AttentionOp : Kgen_Op<"attention"> {
  let summary = "scaled dot-product attention (torch.nn.functional.scaled_dot_product_attention)";
  let description = [{
    `softmax(query · keyᵀ · scale + mask) · value` over the last dimension,
    batched over the leading dimensions, which `query`, `key` and `value`
    share: `query` is `[..., L, D]`, `key` `[..., S, D]`, `value`
    `[..., S, Dv]` and the result `[..., L, Dv]`. The optional additive
    `mask` broadcasts to `[..., L, S]` (PyTorch's rules; -inf excludes a
    key). `causal` lets query `i` see keys `j <= i` (PyTorch's `is_causal`,
    aligned top-left); it is not combined with a mask.

    The scores and the softmax are computed in `f32` whatever the element
    type; the probabilities are rounded to the element type before their
    product with `value` (accumulated in `f32`), as flash attention's
    kernels do. A query whose keys are all masked gets zeros, as PyTorch's
    `scaled_dot_product_attention` gives it since 2.5 (not the NaN of a
    softmax over -inf).

    ```mlir
    %o = kgen.attention %q, %k, %v scale 1.250000e-01 causal
        : (tensor<2x8x128x64xf16>, tensor<2x8x128x64xf16>, tensor<2x8x128x64xf16>) -> tensor<2x8x128x64xf16>
    ```
  }];
  let arguments = (ins Kgen_Tensor:$query, Kgen_Tensor:$key, Kgen_Tensor:$value,
                       Optional<Kgen_Tensor>:$mask, F64Attr:$scale,
                       UnitAttr:$causal);
  let results = (outs Kgen_Tensor:$result);
  let assemblyFormat = [{
    $query `,` $key `,` $value (`mask` $mask^)? `scale` $scale (`causal` $causal^)?
    attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Kgen_LinearOp : Kgen_Op<"linear"> {
  let summary = "affine map x·Wᵀ + b (torch.nn.functional.linear)";
  let description = [{
    `input` has shape `[..., in]` (rank at least 1), `weight` `[out, in]` and
    the optional `bias` `[out]`; the result has shape `[..., out]`.

    ```mlir
    %y = kgen.linear %x, %w, %b : (tensor<4x16x64xf32>, tensor<128x64xf32>, tensor<128xf32>) -> tensor<4x16x128xf32>
    ```
  }];
  let arguments = (ins Kgen_Tensor:$input, Kgen_Tensor:$weight,
                       Optional<Kgen_Tensor>:$bias);
  let results = (outs Kgen_Tensor:$result);
  let assemblyFormat = [{
    $input `,` $weight (`,` $bias^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Kgen_ConvOp : Kgen_Op<"conv"> {
  let summary = "N-d convolution in channels-first layout (torch.nn.functional.conv1d/2d/3d)";
  let description = [{
    Cross-correlation as PyTorch computes it. With `S` spatial dimensions
    (1, 2 or 3), `input` is `[N, C, spatial...]`, `weight` is
    `[F, C / groups, kernel...]` and the optional `bias` is `[F]`. `stride`,
    `padding` (zeros, symmetric) and `dilation` hold one value per spatial
    dimension. The result is `[N, F, out...]` with
    `out = (in + 2 * padding - dilation * (kernel - 1) - 1) / stride + 1`.

    ```mlir
    %y = kgen.conv %x, %w, %b stride [1, 1] padding [1, 1] dilation [1, 1] groups 1
        : (tensor<2x3x32x32xf32>, tensor<16x3x3x3xf32>, tensor<16xf32>) -> tensor<2x16x32x32xf32>
    ```
  }];
  let arguments = (ins Kgen_Tensor:$input, Kgen_Tensor:$weight,
                       Optional<Kgen_Tensor>:$bias,
                       DenseI64ArrayAttr:$stride, DenseI64ArrayAttr:$padding,
                       DenseI64ArrayAttr:$dilation, I64Attr:$groups);
  let results = (outs Kgen_Tensor:$result);
  let assemblyFormat = [{
    $input `,` $weight (`,` $bias^)? `stride` $stride `padding` $padding
    `dilation` $dilation `groups` $groups attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Kgen_ConvTransposeOp : Kgen_Op<"conv_transpose"> {
  let summary = "N-d transposed convolution, channels first (torch.nn.functional.conv_transpose1d/2d/3d)";
  let description = [{
    The gradient of `kgen.conv` with respect to its input, as PyTorch
    computes it. With `S` spatial dimensions (1, 2 or 3), `input` is
    `[N, C, spatial...]`, `weight` is `[C, F / groups, kernel...]` and the
    optional `bias` is `[F]`; each input element scatters `kernel` taps
    `stride` apart. `stride`, `padding`, `output_padding` and `dilation`
    hold one value per spatial dimension; `output_padding` (smaller than
    the stride or the dilation) adds rows at the end. The result is
    `[N, F, out...]` with
    `out = (in - 1) * stride - 2 * padding + dilation * (kernel - 1) + output_padding + 1`.

    ```mlir
    %y = kgen.conv_transpose %x, %w stride [2, 2] padding [1, 1] output_padding [1, 1]
        dilation [1, 1] groups 1
        : (tensor<2x8x16x16xf32>, tensor<8x4x3x3xf32>) -> tensor<2x4x32x32xf32>
    ```
  }];
  let arguments = (ins Kgen_Tensor:$input, Kgen_Tensor:$weight,
                       Optional<Kgen_Tensor>:$bias,
                       DenseI64ArrayAttr:$stride, DenseI64ArrayAttr:$padding,
                       DenseI64ArrayAttr:$output_padding,
                       DenseI64ArrayAttr:$dilation, I64Attr:$groups);
  let results = (outs Kgen_Tensor:$result);
  let assemblyFormat = [{
    $input `,` $weight (`,` $bias^)? `stride` $stride `padding` $padding
    `output_padding` $output_padding `dilation` $dilation `groups` $groups
    attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

class Kgen_PoolOp<string mnemonic, string torchName, string what>
    : Kgen_Op<mnemonic> {
  let summary = what # " over sliding windows of the last 1-3 dims (" #
                torchName # ")";
  let description = [{
    Pooling as PyTorch computes it, over the last `S` dims of the input
    (`S` = the number of `kernel` values, 1 to 3; the dims before are
    batch and channels, pooled alike). `stride`, `padding` and `dilation`
    hold one value per pooled dim; padding is implicit (max: never the
    maximum; avg: zeros, counted in the divisor with `count_include_pad`)
    and at most half the kernel. The result's pooled dims are
    `out = (in + 2 * padding - dilation * (kernel - 1) - 1) / stride + 1`,
    rounded up with `ceil_mode`, where a last window that would start in
    the right padding is dropped. avg_pool divides each window's sum by
    `divisor` when given, else by its number of elements (inside the
    input, or also in the padding with `count_include_pad`; a window
    overhanging the padding under `ceil_mode` counts only up to it);
    its dilation is 1.

    ```mlir
    %y = kgen.}] # mnemonic # [{ %x kernel [3, 3] stride [2, 2] padding [1, 1] dilation [1, 1]
        : tensor<2x3x32x32xf32> -> tensor<2x3x16x16xf32>
    ```
  }];
  let arguments = (ins Kgen_Tensor:$input, DenseI64ArrayAttr:$kernel,
                       DenseI64ArrayAttr:$stride, DenseI64ArrayAttr:$padding,
                       DenseI64ArrayAttr:$dilation, UnitAttr:$ceil_mode,
                       UnitAttr:$count_include_pad, OptionalAttr<I64Attr>:$divisor);
  let results = (outs Kgen_Tensor:$result);
  let assemblyFormat = [{
    $input `kernel` $kernel `stride` $stride `padding` $padding
    `dilation` $dilation (`ceil_mode` $ceil_mode^)?
    (`count_include_pad` $count_include_pad^)? (`divisor` $divisor^)?
    attr-dict `:` type($input) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Kgen_MaxPoolOp : Kgen_PoolOp<"max_pool", "torch.nn.functional.max_pool1d/2d/3d",
                                 "maximum">;
def Kgen_AvgPoolOp : Kgen_PoolOp<"avg_pool", "torch.nn.functional.avg_pool1d/2d/3d",
                                 "average">;

//===----------------------------------------------------------------------===//
// Elementwise binary operations
//===----------------------------------------------------------------------===//

class Kgen_BinaryOp<string mnemonic, string torchName, string formula>
    : Kgen_Op<mnemonic> {
  let summary = "elementwise " # formula # " with broadcasting (" # torchName # ")";
  let description = [{
    Each operand is a tensor or a scalar of the element type (at least one
    is a tensor). Tensor operands broadcast as in PyTorch: shapes are aligned
    on the right and a dimension of size 1 stretches to the other size. The
    result has the broadcast shape.

    ```mlir
    %z = kgen.}] # mnemonic # [{ %x, %y : (tensor<4x5xf32>, tensor<5xf32>) -> tensor<4x5xf32>
    %w = kgen.}] # mnemonic # [{ %x, %s : (tensor<4x5xf32>, f32) -> tensor<4x5xf32>
    ```
  }];
  let arguments = (ins Kgen_TensorOrScalar:$lhs, Kgen_TensorOrScalar:$rhs);
  let results = (outs Kgen_Tensor:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Kgen_AddOp : Kgen_BinaryOp<"add", "torch.add", "lhs + rhs">;
def Kgen_SubOp : Kgen_BinaryOp<"sub", "torch.sub", "lhs - rhs">;
def Kgen_MulOp : Kgen_BinaryOp<"mul", "torch.mul", "lhs * rhs">;
def Kgen_DivOp : Kgen_BinaryOp<"div", "torch.div", "lhs / rhs">;
def Kgen_MaximumOp : Kgen_BinaryOp<"maximum", "torch.maximum", "max(lhs, rhs), NaN-propagating">;
def Kgen_MinimumOp : Kgen_BinaryOp<"minimum", "torch.minimum", "min(lhs, rhs), NaN-propagating">;
def Kgen_PowOp : Kgen_BinaryOp<"pow", "torch.pow", "lhs ** rhs">;

// PyTorch's comparisons return bool tensors; kgen's return the element type,
// 1 where the comparison holds and 0 elsewhere: what a bool becomes in
// PyTorch's arithmetic, and what kgen.where selects on.
class Kgen_CompareOp<string mnemonic, string torchName, string formula>
    : Kgen_BinaryOp<mnemonic, torchName, "1 where " # formula # ", else 0">;

def Kgen_EqOp : Kgen_CompareOp<"eq", "torch.eq", "lhs == rhs">;
def Kgen_NeOp : Kgen_CompareOp<"ne", "torch.ne", "lhs != rhs (NaN != NaN)">;
def Kgen_LtOp : Kgen_CompareOp<"lt", "torch.lt", "lhs < rhs">;
def Kgen_LeOp : Kgen_CompareOp<"le", "torch.le", "lhs <= rhs">;
def Kgen_GtOp : Kgen_CompareOp<"gt", "torch.gt", "lhs > rhs">;
def Kgen_GeOp : Kgen_CompareOp<"ge", "torch.ge", "lhs >= rhs">;

def Kgen_WhereOp : Kgen_Op<"where"> {
  let summary = "elementwise choice with broadcasting (torch.where, masked_fill)";
  let description = [{
    `on_true` where `condition` is non-zero, else `on_false`: the
    condition is a comparison's 1/0 mask (a NaN condition counts as
    true, as a non-zero value). Each operand is a tensor or a scalar of
    the element type, at least one a tensor; they broadcast as in
    PyTorch.

    ```mlir
    %m = kgen.gt %x, %zero : (tensor<4x5xf32>, f32) -> tensor<4x5xf32>
    %y = kgen.where %m, %x, %s : (tensor<4x5xf32>, tensor<4x5xf32>, f32) -> tensor<4x5xf32>
    ```
  }];
  let arguments = (ins Kgen_TensorOrScalar:$condition,
                       Kgen_TensorOrScalar:$on_true,
                       Kgen_TensorOrScalar:$on_false);
  let results = (outs Kgen_Tensor:$result);
  let assemblyFormat = [{
    $condition `,` $on_true `,` $on_false attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Elementwise unary operations
//===----------------------------------------------------------------------===//

class Kgen_UnaryOp<string mnemonic, string torchName, string formula,
                   list<Trait> traits = []>
    : Kgen_Op<mnemonic, !listconcat(traits, [SameOperandsAndResultType])> {
  let summary = "elementwise " # formula # " (" # torchName # ")";
  let description = [{
    ```mlir
    %y = kgen.}] # mnemonic # [{ %x : tensor<4x5xf32>
    ```
  }];
  let arguments = (ins Kgen_Tensor:$input);
  let results = (outs Kgen_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

def Kgen_NegOp : Kgen_UnaryOp<"neg", "torch.neg", "-x">;
def Kgen_AbsOp : Kgen_UnaryOp<"abs", "torch.abs", "|x|">;
def Kgen_ExpOp : Kgen_UnaryOp<"exp", "torch.exp", "e^x">;
def Kgen_LogOp : Kgen_UnaryOp<"log", "torch.log", "natural logarithm">;
def Kgen_SqrtOp : Kgen_UnaryOp<"sqrt", "torch.sqrt", "square root">;
def Kgen_RsqrtOp : Kgen_UnaryOp<"rsqrt", "torch.rsqrt", "1 / sqrt(x)">;
def Kgen_TanhOp : Kgen_UnaryOp<"tanh", "torch.tanh", "hyperbolic tangent">;
def Kgen_SigmoidOp : Kgen_UnaryOp<"sigmoid", "torch.sigmoid", "1 / (1 + e^-x)">;
def Kgen_ReluOp : Kgen_UnaryOp<"relu", "torch.relu", "max(x, 0)">;
def Kgen_SiluOp : Kgen_UnaryOp<"silu", "torch.nn.functional.silu", "x * sigmoid(x)">;
def Kgen_HardswishOp : Kgen_UnaryOp<"hardswish", "torch.nn.functional.hardswish",
                                    "x * relu6(x + 3) / 6">;

def Kgen_SeluOp : Kgen_UnaryOp<"selu", "torch.nn.functional.selu",
    "scale * (x > 0 ? x : alpha * (e^x - 1)), PyTorch's alpha = 1.6732632 and "
    "scale = 1.0507010">;
def Kgen_MishOp : Kgen_UnaryOp<"mish", "torch.nn.functional.mish",
                               "x * tanh(softplus(x))">;
def Kgen_SoftsignOp : Kgen_UnaryOp<"softsign", "torch.nn.functional.softsign",
                                   "x / (1 + |x|)">;
def Kgen_LogSigmoidOp : Kgen_UnaryOp<"log_sigmoid",
    "torch.nn.functional.logsigmoid",
    "log(sigmoid(x)), computed as min(x, 0) - log1p(e^-|x|)">;
def Kgen_TanhshrinkOp : Kgen_UnaryOp<"tanhshrink",
    "torch.nn.functional.tanhshrink", "x - tanh(x)">;

def Kgen_EluOp : Kgen_UnaryOp<"elu", "torch.nn.functional.elu",
                              "x > 0 ? x : alpha * (e^x - 1)"> {
  let description = [{
    `alpha` defaults to 1.0, as in PyTorch, and is omitted from the printed
    form when it has that value.

    ```mlir
    %y = kgen.elu %x alpha 5.000000e-01 : tensor<4x5xf32>
    ```
  }];
  let arguments = (ins Kgen_Tensor:$input,
                       DefaultValuedAttr<F64Attr, "1.0">:$alpha);
  let assemblyFormat = "$input (`alpha` $alpha^)? attr-dict `:` type($input)";
}

def Kgen_CeluOp : Kgen_UnaryOp<"celu", "torch.nn.functional.celu",
    "max(0, x) + min(0, alpha * (e^(x / alpha) - 1))"> {
  let description = [{
    `alpha` defaults to 1.0 and must not be 0 (PyTorch raises).

    ```mlir
    %y = kgen.celu %x alpha 2.000000e+00 : tensor<4x5xf32>
    ```
  }];
  let arguments = (ins Kgen_Tensor:$input,
                       DefaultValuedAttr<F64Attr, "1.0">:$alpha);
  let assemblyFormat = "$input (`alpha` $alpha^)? attr-dict `:` type($input)";
  let hasVerifier = 1;
}

def Kgen_SoftplusOp : Kgen_UnaryOp<"softplus", "torch.nn.functional.softplus",
    "beta * x > threshold ? x : log(1 + e^(beta * x)) / beta"> {
  let description = [{
    `beta` defaults to 1.0 (non-zero) and `threshold` to 20.0, as in
    PyTorch; past the threshold the result is `x` itself.

    ```mlir
    %y = kgen.softplus %x beta 2.000000e+00 threshold 1.000000e+01 : tensor<4x5xf32>
    ```
  }];
  let arguments = (ins Kgen_Tensor:$input,
                       DefaultValuedAttr<F64Attr, "1.0">:$beta,
                       DefaultValuedAttr<F64Attr, "20.0">:$threshold);
  let assemblyFormat = [{
    $input (`beta` $beta^)? (`threshold` $threshold^)? attr-dict `:` type($input)
  }];
  let hasVerifier = 1;
}

def Kgen_SoftshrinkOp : Kgen_UnaryOp<"softshrink",
    "torch.nn.functional.softshrink",
    "x > lambd ? x - lambd : x < -lambd ? x + lambd : 0"> {
  let description = [{
    `lambd` defaults to 0.5 and must not be negative (PyTorch raises).
    NaN stays NaN.

    ```mlir
    %y = kgen.softshrink %x lambd 2.500000e-01 : tensor<4x5xf32>
    ```
  }];
  let arguments = (ins Kgen_Tensor:$input,
                       DefaultValuedAttr<F64Attr, "0.5">:$lambd);
  let assemblyFormat = "$input (`lambd` $lambd^)? attr-dict `:` type($input)";
  let hasVerifier = 1;
}

def Kgen_HardshrinkOp : Kgen_UnaryOp<"hardshrink",
    "torch.nn.functional.hardshrink", "|x| > lambd ? x : 0"> {
  let description = [{
    `lambd` defaults to 0.5. NaN stays NaN.

    ```mlir
    %y = kgen.hardshrink %x lambd 2.500000e-01 : tensor<4x5xf32>
    ```
  }];
  let arguments = (ins Kgen_Tensor:$input,
                       DefaultValuedAttr<F64Attr, "0.5">:$lambd);
  let assemblyFormat = "$input (`lambd` $lambd^)? attr-dict `:` type($input)";
}

def Kgen_LeakyReluOp : Kgen_UnaryOp<"leaky_relu", "torch.nn.functional.leaky_relu",
                                    "x >= 0 ? x : negative_slope * x"> {
  let description = [{
    `negative_slope` defaults to 0.01, as in PyTorch, and is omitted from the
    printed form when it has that value.

    ```mlir
    %y = kgen.leaky_relu %x negative_slope 2.000000e-01 : tensor<4x5xf32>
    ```
  }];
  let arguments = (ins Kgen_Tensor:$input,
                       DefaultValuedAttr<F64Attr, "0.01">:$negative_slope);
  let assemblyFormat = [{
    $input (`negative_slope` $negative_slope^)? attr-dict `:` type($input)
  }];
}

def Kgen_GeluOp : Kgen_UnaryOp<"gelu", "torch.nn.functional.gelu",
                               "Gaussian error linear unit"> {
  let description = [{
    Exact `x * Φ(x)` by default; `approximate<tanh>` selects PyTorch's
    `approximate='tanh'` formula
    `0.5 * x * (1 + tanh(sqrt(2 / π) * (x + 0.044715 * x³)))`.

    ```mlir
    %y = kgen.gelu %x : tensor<4x5xf32>
    %z = kgen.gelu %x approximate<tanh> : tensor<4x5xf32>
    ```
  }];
  let arguments = (ins Kgen_Tensor:$input,
      DefaultValuedAttr<Kgen_GeluApproximationAttr,
                        "::mlir::kgen::GeluApproximation::None">:$approximate);
  let assemblyFormat = "$input (`approximate` $approximate^)? attr-dict `:` type($input)";
}

def Kgen_ClampOp : Kgen_UnaryOp<"clamp", "torch.clamp", "min(max(x, min), max)"> {
  let description = [{
    At least one of `min` and `max` is given. As in PyTorch, when
    `min > max` every element becomes `max`. NaN stays NaN.

    ```mlir
    %y = kgen.clamp %x min 0.000000e+00 max 6.000000e+00 : tensor<4x5xf32>
    ```
  }];
  let arguments = (ins Kgen_Tensor:$input, OptionalAttr<F64Attr>:$min,
                       OptionalAttr<F64Attr>:$max);
  let assemblyFormat = [{
    $input (`min` $min^)? (`max` $max^)? attr-dict `:` type($input)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Reductions
//===----------------------------------------------------------------------===//

class Kgen_ReductionOp<string mnemonic, string torchName, string what>
    : Kgen_Op<mnemonic> {
  let summary = what # " over the given dimensions (" # torchName # ")";
  let description = [{
    Reduces `input` over `dims` (distinct, in `[0, rank)`). With `keepdim`
    the reduced dimensions stay as size 1, otherwise they are dropped.
    `f16` and `bf16` inputs accumulate in `f32`.

    ```mlir
    %s = kgen.}] # mnemonic # [{ %x dims [1] keepdim : tensor<4x5xf32> -> tensor<4x1xf32>
    %t = kgen.}] # mnemonic # [{ %x dims [0, 1] : tensor<4x5xf32> -> tensor<f32>
    ```
  }];
  let arguments = (ins Kgen_Tensor:$input, DenseI64ArrayAttr:$dims,
                       UnitAttr:$keepdim);
  let results = (outs Kgen_Tensor:$result);
  let assemblyFormat = [{
    $input `dims` $dims (`keepdim` $keepdim^)? attr-dict `:` type($input) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Kgen_SumOp : Kgen_ReductionOp<"sum", "torch.sum", "sum">;
def Kgen_MeanOp : Kgen_ReductionOp<"mean", "torch.mean", "arithmetic mean">;
def Kgen_MaxOp : Kgen_ReductionOp<"max", "torch.amax", "maximum">;
def Kgen_MinOp : Kgen_ReductionOp<"min", "torch.amin", "minimum">;

class Kgen_ArgExtremumOp<string mnemonic, string torchName, string what>
    : Kgen_Op<mnemonic> {
  let summary = "index of the " # what # " along one dimension (" # torchName # ")";
  let description = [{
    The position along `dim` of the first }] # what # [{ of each row, as
    an `i64` tensor of the input's shape without `dim` (with `keepdim`,
    `dim` stays as size 1). As in PyTorch, a NaN counts as the }] # what # [{:
    a row holding one gives the position of its first NaN. Values are
    compared exactly (`f16` and `bf16` widen to `f32` without rounding),
    so ties resolve to the first position on every device.

    ```mlir
    %i = kgen.}] # mnemonic # [{ %x dim 1 : tensor<4x5xf32> -> tensor<4xi64>
    %k = kgen.}] # mnemonic # [{ %x dim 0 keepdim : tensor<4x5xf32> -> tensor<1x5xi64>
    ```
  }];
  let arguments = (ins Kgen_Tensor:$input, I64Attr:$dim, UnitAttr:$keepdim);
  let results = (outs RankedTensorOf<[I64]>:$result);
  let assemblyFormat = [{
    $input `dim` $dim (`keepdim` $keepdim^)? attr-dict `:` type($input) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Kgen_ArgmaxOp : Kgen_ArgExtremumOp<"argmax", "torch.argmax", "maximum">;
def Kgen_ArgminOp : Kgen_ArgExtremumOp<"argmin", "torch.argmin", "minimum">;

//===----------------------------------------------------------------------===//
// Normalizations
//===----------------------------------------------------------------------===//

class Kgen_SoftmaxLikeOp<string mnemonic, string torchName, string what>
    : Kgen_Op<mnemonic, [SameOperandsAndResultType]> {
  let summary = what # " along one dimension (" # torchName # ")";
  let description = [{
    Numerically stable: the maximum along `dim` is subtracted before the
    exponential. `f16` and `bf16` inputs are computed in `f32`.

    ```mlir
    %y = kgen.}] # mnemonic # [{ %x dim 1 : tensor<4x5xf32>
    ```
  }];
  let arguments = (ins Kgen_Tensor:$input, I64Attr:$dim);
  let results = (outs Kgen_Tensor:$result);
  let assemblyFormat = "$input `dim` $dim attr-dict `:` type($input)";
  let hasVerifier = 1;
}

def Kgen_SoftmaxOp : Kgen_SoftmaxLikeOp<"softmax", "torch.softmax", "softmax">;
def Kgen_LogSoftmaxOp
    : Kgen_SoftmaxLikeOp<"log_softmax", "torch.log_softmax", "logarithm of softmax">;

//===----------------------------------------------------------------------===//
// Scans
//===----------------------------------------------------------------------===//

class Kgen_ScanOp<string mnemonic, string torchName, string what>
    : Kgen_Op<mnemonic, [SameOperandsAndResultType]> {
  let summary = "running " # what # " along one dimension (" # torchName # ")";
  let description = [{
    Element `i` along `dim` is the }] # what # [{ of elements `0` to `i`
    (inclusive), accumulated in `f32` (for `f16` and `bf16` inputs too)
    and rounded once. Reversed and exclusive
    scans are what PyTorch programs write them as: a scan between
    `kgen.flip`s, or of a shifted input.

    ```mlir
    %y = kgen.}] # mnemonic # [{ %x dim 1 : tensor<4x5xf32>
    ```
  }];
  let arguments = (ins Kgen_Tensor:$input, I64Attr:$dim);
  let results = (outs Kgen_Tensor:$result);
  let assemblyFormat = "$input `dim` $dim attr-dict `:` type($input)";
  let hasVerifier = 1;
}

def Kgen_CumsumOp : Kgen_ScanOp<"cumsum", "torch.cumsum", "sum">;
def Kgen_CumprodOp : Kgen_ScanOp<"cumprod", "torch.cumprod", "product">;

def Kgen_LayerNormOp : Kgen_Op<"layer_norm", [AttrSizedOperandSegments]> {
  let summary = "layer normalization (torch.nn.functional.layer_norm)";
  let description = [{
    Normalizes over the trailing dimensions given by `normalized_shape`:
    `(x - mean) / sqrt(var + eps) * weight + bias`, with the biased variance.
    `weight` and `bias` are optional and have shape `normalized_shape`.

    ```mlir
    %y = kgen.layer_norm %x weight %w bias %b normalized_shape [64] eps 1.000000e-05
        : (tensor<8x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<8x64xf32>
    ```
  }];
  let arguments = (ins Kgen_Tensor:$input, Optional<Kgen_Tensor>:$weight,
                       Optional<Kgen_Tensor>:$bias,
                       DenseI64ArrayAttr:$normalized_shape, F64Attr:$eps);
  let results = (outs Kgen_Tensor:$result);
  let assemblyFormat = [{
    $input (`weight` $weight^)? (`bias` $bias^)? `normalized_shape` $normalized_shape
    `eps` $eps attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Kgen_RmsNormOp : Kgen_Op<"rms_norm"> {
  let summary = "root-mean-square normalization (torch.nn.functional.rms_norm)";
  let description = [{
    `x / sqrt(mean(x², trailing dims) + eps) * weight`. Without `eps` the
    machine epsilon of the element type is used, as PyTorch does for
    `eps=None`. `weight` is optional and has shape `normalized_shape`.

    ```mlir
    %y = kgen.rms_norm %x weight %w normalized_shape [64] eps 1.000000e-06
        : (tensor<8x64xf32>, tensor<64xf32>) -> tensor<8x64xf32>
    ```
  }];
  let arguments = (ins Kgen_Tensor:$input, Optional<Kgen_Tensor>:$weight,
                       DenseI64ArrayAttr:$normalized_shape,
                       OptionalAttr<F64Attr>:$eps);
  let results = (outs Kgen_Tensor:$result);
  let assemblyFormat = [{
    $input (`weight` $weight^)? `normalized_shape` $normalized_shape
    (`eps` $eps^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Data movement and constants
//===----------------------------------------------------------------------===//

def Kgen_PermuteOp : Kgen_Op<"permute"> {
  let summary = "permutes dimensions (torch.permute; torch.transpose is a special case)";
  let description = [{
    `result` dimension `i` is `input` dimension `dims[i]`.

    ```mlir
    %y = kgen.permute %x dims [1, 0] : tensor<4x5xf32> -> tensor<5x4xf32>
    ```
  }];
  let arguments = (ins Kgen_Tensor:$input, DenseI64ArrayAttr:$dims);
  let results = (outs Kgen_Tensor:$result);
  let assemblyFormat = "$input `dims` $dims attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
}

def Kgen_SliceOp : Kgen_Op<"slice"> {
  let summary = "a strided slice (x[a:b:s], torch.narrow, the pieces of "
                "chunk and split)";
  let description = [{
    `result[i...] = input[offsets[k] + strides[k] * i_k ...]`: the result's
    shape gives each dimension's size. Strides are at least 1 (PyTorch's
    slices have no negative steps; `kgen.flip` reverses) and every index
    read lies inside the input.

    ```mlir
    %y = kgen.slice %x offsets [0, 1] strides [1, 2] : tensor<4x9xf32> -> tensor<4x4xf32>
    ```
  }];
  let arguments = (ins Kgen_Tensor:$input, DenseI64ArrayAttr:$offsets,
                       DenseI64ArrayAttr:$strides);
  let results = (outs Kgen_Tensor:$result);
  let assemblyFormat = [{
    $input `offsets` $offsets `strides` $strides attr-dict `:` type($input) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Kgen_GatherOp : Kgen_Op<"gather"> {
  let summary = "elements at i64 positions along one dimension (torch.gather)";
  let description = [{
    `result[i...]` is `input[i...]` with the index along `dim` replaced by
    `index[i...]`: the result has `index`'s shape, which is at most
    `input`'s along every other dimension. A position outside
    `[0, input size along dim)` reads `fill` (0 when absent) where PyTorch
    raises: never an out-of-bounds read, and how cross-entropy's
    `ignore_index = -100` contributes nothing.

    ```mlir
    %y = kgen.gather %x, %t dim 1 : (tensor<4x5xf32>, tensor<4x1xi64>) -> tensor<4x1xf32>
    ```
  }];
  let arguments = (ins Kgen_Tensor:$input, RankedTensorOf<[I64]>:$index,
                       I64Attr:$dim, OptionalAttr<F64Attr>:$fill);
  let results = (outs Kgen_Tensor:$result);
  let assemblyFormat = [{
    $input `,` $index `dim` $dim (`fill` $fill^)? attr-dict `:`
    functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Kgen_FlipOp : Kgen_Op<"flip", [SameOperandsAndResultType]> {
  let summary = "reverses the order of elements along dims (torch.flip)";
  let description = [{
    ```mlir
    %y = kgen.flip %x dims [0, 2] : tensor<4x5x6xf32>
    ```
  }];
  let arguments = (ins Kgen_Tensor:$input, DenseI64ArrayAttr:$dims);
  let results = (outs Kgen_Tensor:$result);
  let assemblyFormat = "$input `dims` $dims attr-dict `:` type($input)";
  let hasVerifier = 1;
}

class Kgen_TriangleOp<string mnemonic, string torchName, string kept>
    : Kgen_Op<mnemonic, [SameOperandsAndResultType]> {
  let summary = "keeps the " # kept # " triangle of the last two dims (" #
                torchName # "), zeroes the rest";
  let description = [{
    Element `[..., i, j]` is kept where `j - i` is }] # !if(!eq(mnemonic, "tril"),
        "at most", "at least") # [{ `diagonal` (0: the main diagonal;
    positive: diagonals above it; negative: below), and 0 elsewhere.
    Dims before the last two are batch dims, masked alike. The input has
    rank 2 or more.

    ```mlir
    %y = kgen.}] # mnemonic # [{ %x diagonal 0 : tensor<4x5xf32>
    ```
  }];
  let arguments = (ins Kgen_Tensor:$input, I64Attr:$diagonal);
  let results = (outs Kgen_Tensor:$result);
  let assemblyFormat = "$input `diagonal` $diagonal attr-dict `:` type($input)";
  let hasVerifier = 1;
}

def Kgen_TrilOp : Kgen_TriangleOp<"tril", "torch.tril", "lower">;
def Kgen_TriuOp : Kgen_TriangleOp<"triu", "torch.triu", "upper">;

def Kgen_ReshapeOp : Kgen_Op<"reshape"> {
  let summary = "reinterprets the row-major elements in a new shape (torch.reshape, view)";
  let description = [{
    Also of `i64` positions (a class-index target unsqueezed for
    `kgen.gather`).

    ```mlir
    %y = kgen.reshape %x : tensor<4x6xf32> -> tensor<2x12xf32>
    ```
  }];
  let arguments = (ins RankedTensorOf<[F32, F16, BF16, I64]>:$input);
  let results = (outs RankedTensorOf<[F32, F16, BF16, I64]>:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
}

def Kgen_ConvertOp : Kgen_Op<"convert"> {
  let summary = "converts every element to another element type (Tensor.to)";
  let description = [{
    The shape stays. `i8` is PyTorch's `bool` as it lies in memory (one
    byte, 0 or 1): converting to `i8` gives 1 for every non-zero element
    (NaN included) and 0 for zero, as `Tensor.bool()` does, and a bool
    converts to 1 or 0 of any other type. Between floats the value rounds
    to nearest even; integers convert to floats exactly where the float can
    hold them; floats convert to `i64`/`i32` truncating toward zero, as
    `Tensor.long()` (NaN and values out of range are undefined there, as in
    PyTorch); wider integers narrow by dropping high bits. The element
    types must differ.

    ```mlir
    %m = kgen.convert %mask : tensor<128x4000xi8> -> tensor<128x4000xf32>
    ```
  }];
  let arguments = (ins RankedTensorOf<[F32, F16, BF16, I64, I32, I8]>:$input);
  let results = (outs RankedTensorOf<[F32, F16, BF16, I64, I32, I8]>:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
}

def Kgen_BroadcastToOp : Kgen_Op<"broadcast_to"> {
  let summary = "broadcasts to a larger shape (torch.broadcast_to, expand)";
  let description = [{
    The input shape must broadcast to the result shape under PyTorch's rules.
    Also of `i64` positions (index_select's indices spread over the other
    dimensions for `kgen.gather`).

    ```mlir
    %y = kgen.broadcast_to %x : tensor<1x5xf32> -> tensor<4x5xf32>
    ```
  }];
  let arguments = (ins RankedTensorOf<[F32, F16, BF16, I64]>:$input);
  let results = (outs RankedTensorOf<[F32, F16, BF16, I64]>:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
}

def Kgen_ConcatOp : Kgen_Op<"concat"> {
  let summary = "joins tensors along one dimension (torch.cat)";
  let description = [{
    The inputs have the result's rank and element type and its sizes in
    every dimension but `dim`, whose sizes add up to the result's.

    ```mlir
    %y = kgen.concat %a, %b dim 1 : (tensor<4x2xf32>, tensor<4x3xf32>) -> tensor<4x5xf32>
    ```
  }];
  let arguments = (ins Variadic<Kgen_Tensor>:$inputs, I64Attr:$dim);
  let results = (outs Kgen_Tensor:$result);
  let assemblyFormat = [{
    $inputs `dim` $dim attr-dict `:` functional-type($inputs, results)
  }];
  let hasVerifier = 1;
}

def Kgen_ConstantOp
    : Kgen_Op<"constant", [ConstantLike, AllTypesMatch<["value", "result"]>]> {
  let summary = "a constant tensor (torch.tensor)";
  let description = [{
    ```mlir
    %c = kgen.constant dense<[1.0, 2.0]> : tensor<2xf32>
    ```
  }];
  let arguments = (ins ElementsAttr:$value);
  let results = (outs Kgen_Tensor:$result);
  let assemblyFormat = "attr-dict $value";
  let hasFolder = 1;
}

#endif // KGEN_DIALECT_KGEN_KGENOPS_TD
