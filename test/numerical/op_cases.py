"""The table of op test cases: one `Case` per (op, configuration).

A case says which random tensors the function takes (`inputs`), how to
write the kgen ops in MLIR (`emit`, given a FuncBuilder and the argument
names; returns the result Values) and how PyTorch computes the same thing in
float64 (`ref`, given the dtype and the inputs as float64 tensors holding
dtype-rounded values; returns a tensor or a tuple of tensors).
"""

from __future__ import annotations

import dataclasses
import math
import re
from typing import Callable, Optional, Sequence

import numpy as np
import torch
import torch.nn.functional as F

from kgen_testing import (DTYPES, EPS, FuncBuilder, InputSpec, Value, fmt_float, fmt_ints,
                          round_to, tensor_type, torch64)


@dataclasses.dataclass
class Case:
    name: str
    inputs: list
    emit: Callable      # (b: FuncBuilder, *args) -> Value | list[Value]
    ref: Callable       # (dtype, *tensors) -> Tensor | tuple[Tensor]
    reduce_len: int = 1
    dtypes: tuple = DTYPES
    # Compare exactly (no tolerance): set for cases whose every op only
    # moves or selects values (see EXACT_OPS), or computes an exact result.
    exact: Optional[bool] = None

    def build(self, dtype: str, copies: int = 1) -> tuple[str, int]:
        """MLIR text of @main applying the case `copies` times, each copy to
        its own arguments (one copy per seed); returns (text, results per copy)."""
        b = FuncBuilder(dtype)
        per_copy = None
        for _ in range(copies):
            args = [b.arg(s.shape, s.element) for s in self.inputs]
            outs = self.emit(b, *args)
            if isinstance(outs, Value):
                outs = [outs]
            per_copy = len(outs)
            for v in outs:
                b.ret(v.name, v.shape, v.element)
        return b.text(), per_copy

    def reference(self, dtype: str, inputs: Sequence[np.ndarray]) -> list:
        out = self.ref(dtype, *[torch64(x) for x in inputs])
        if isinstance(out, torch.Tensor):
            out = (out,)
        return [o.detach().numpy() if o.dtype in (torch.int64, torch.bool)
                else o.detach().numpy().astype(np.float64) for o in out]


CASES: list = []

# Ops whose result is one of their input values (or an exactly representable
# attribute): kgen must reproduce the reference bit for bit (up to -0 == 0).
EXACT_OPS = {"neg", "abs", "relu", "maximum", "minimum", "max", "min", "clamp", "permute",
             "reshape", "broadcast_to", "eq", "ne", "lt", "le", "gt", "ge", "where"}


def add(case: Case) -> Case:
    assert all(c.name != case.name for c in CASES), case.name
    if case.exact is None:
        ops = set(re.findall(r"kgen\.(\w+)", case.build("f32")[0]))
        case.exact = ops <= EXACT_OPS
    CASES.append(case)
    return case


def S(*shape):
    return tuple(shape)


def sname(shape) -> str:
    return "x".join(map(str, shape)) if shape else "scalar0d"


# ---------------------------------------------------------------------------
# Contractions
# ---------------------------------------------------------------------------

def matmul_case(m, k, n):
    def emit(b, x, y):
        return b.op(f"kgen.matmul {x}, {y} : ({b.t((m, k))}, {b.t((k, n))}) -> {b.t((m, n))}",
                    (m, n))
    add(Case(f"matmul_{m}x{k}x{n}", [InputSpec((m, k)), InputSpec((k, n))], emit,
             lambda d, x, y: torch.mm(x, y), reduce_len=k))


matmul_case(7, 13, 5)
matmul_case(1, 17, 9)
matmul_case(16, 33, 1)


def bmm_case(bt, m, k, n):
    def emit(b, x, y):
        return b.op(f"kgen.batch_matmul {x}, {y} : ({b.t((bt, m, k))}, {b.t((bt, k, n))}) -> "
                    f"{b.t((bt, m, n))}", (bt, m, n))
    add(Case(f"batch_matmul_{bt}x{m}x{k}x{n}", [InputSpec((bt, m, k)), InputSpec((bt, k, n))],
             emit, lambda d, x, y: torch.bmm(x, y), reduce_len=k))


bmm_case(3, 7, 13, 5)
bmm_case(1, 5, 9, 4)
bmm_case(4, 1, 6, 11)


def linear_case(xshape, out_features, bias):
    in_f = xshape[-1]
    wshape = (out_features, in_f)
    yshape = tuple(xshape[:-1]) + (out_features,)
    ins = [InputSpec(tuple(xshape)), InputSpec(wshape)] + ([InputSpec((out_features,))] if bias else [])

    def emit(b, x, w, *bb):
        ops = ", ".join([str(x), str(w)] + [str(v) for v in bb])
        tys = ", ".join(b.t(s.shape) for s in ins)
        return b.op(f"kgen.linear {ops} : ({tys}) -> {b.t(yshape)}", yshape)

    add(Case(f"linear_{sname(xshape)}_to{out_features}_{'bias' if bias else 'nobias'}", ins, emit,
             lambda d, x, w, *bb: F.linear(x, w, bb[0] if bb else None), reduce_len=in_f))


linear_case((7, 13), 5, True)
linear_case((7, 13), 5, False)
linear_case((2, 3, 13), 6, True)
linear_case((2, 3, 13), 6, False)
linear_case((13,), 4, True)
linear_case((2, 1, 3, 9), 5, True)
# 512 rows and more: f32 multiplies by a transposed copy of the weight.
linear_case((2, 300, 11), 7, True)


def conv_case(tag, n, c, spatial, f, kernel, stride, padding, dilation, groups, bias):
    nd = len(spatial)
    xs = (n, c) + tuple(spatial)
    ws = (f, c // groups) + tuple(kernel)
    outsp = tuple((i + 2 * p - d * (k - 1) - 1) // s + 1
                  for i, k, s, p, d in zip(spatial, kernel, stride, padding, dilation))
    ys = (n, f) + outsp
    ins = [InputSpec(xs), InputSpec(ws)] + ([InputSpec((f,))] if bias else [])

    def emit(b, *args):
        ops = ", ".join(map(str, args))
        tys = ", ".join(b.t(s.shape) for s in ins)
        return b.op(f"kgen.conv {ops} stride {fmt_ints(stride)} padding {fmt_ints(padding)} "
                    f"dilation {fmt_ints(dilation)} groups {groups} : ({tys}) -> {b.t(ys)}", ys)

    fn = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}[nd]

    def ref(d, x, w, *bb):
        return fn(x, w, bb[0] if bb else None, stride=tuple(stride), padding=tuple(padding),
                  dilation=tuple(dilation), groups=groups)

    add(Case(f"conv{nd}d_{tag}", ins, emit, ref, reduce_len=(c // groups) * math.prod(kernel)))


conv_case("basic_bias", 2, 3, (9, 11), 4, (3, 3), (1, 1), (1, 1), (1, 1), 1, True)
conv_case("nopad_nobias", 1, 2, (7, 6), 3, (3, 3), (1, 1), (0, 0), (1, 1), 1, False)
conv_case("stride2_pad1", 2, 3, (9, 10), 5, (3, 3), (2, 2), (1, 1), (1, 1), 1, False)
conv_case("dilation2_pad2_bias", 1, 3, (11, 9), 4, (3, 3), (1, 1), (2, 2), (2, 2), 1, True)
conv_case("groups2_bias", 2, 4, (7, 8), 6, (3, 3), (1, 1), (1, 1), (1, 1), 2, True)
conv_case("depthwise", 1, 4, (8, 7), 8, (3, 3), (1, 1), (1, 1), (1, 1), 4, True)
conv_case("rect_kernel_mixed", 1, 3, (10, 9), 2, (3, 2), (2, 1), (0, 1), (1, 2), 1, True)
conv_case("k1x1", 2, 5, (4, 3), 3, (1, 1), (1, 1), (0, 0), (1, 1), 1, True)
# Pointwise convolutions become batch matmuls (one per image and group);
# a strided one keeps the general lowering.
conv_case("k1x1_groups2", 2, 6, (5, 4), 4, (1, 1), (1, 1), (0, 0), (1, 1), 2, False)
conv_case("k1x1_groups3_bias", 3, 6, (3, 5), 9, (1, 1), (1, 1), (0, 0), (2, 2), 3, True)
conv_case("k1x1_stride2_bias", 2, 4, (7, 6), 3, (1, 1), (2, 2), (0, 0), (1, 1), 1, True)
conv_case("stride_pad_dil_groups", 1, 6, (13, 12), 4, (3, 3), (2, 3), (2, 1), (2, 1), 2, True)
# With 8 or more output channels per group a convolution is an im2col
# gather (padding as a bounds check) and a batch matmul.
conv_case("igemm_3x3_pad1_bias", 2, 5, (9, 10), 8, (3, 3), (1, 1), (1, 1), (1, 1), 1, True)
conv_case("igemm_stride2_groups2", 1, 6, (11, 9), 16, (3, 3), (2, 2), (1, 1), (1, 1), 2, False)
conv_case("igemm_rect_dil_pad_bias", 2, 3, (10, 12), 9, (2, 3), (1, 2), (2, 1), (2, 1), 1, True)
conv_case("igemm_k1x1_stride2_pad1", 1, 4, (7, 6), 8, (1, 1), (2, 2), (1, 1), (1, 1), 1, True)
conv_case("basic_bias", 2, 3, (17,), 5, (3,), (1,), (1,), (1,), 1, True)
conv_case("k1_bias", 2, 5, (19,), 7, (1,), (1,), (0,), (1,), 1, True)
conv_case("stride2_dil3_nobias", 1, 4, (20,), 3, (4,), (2,), (3,), (3,), 1, False)
conv_case("igemm_pad2_bias", 2, 3, (23,), 8, (5,), (1,), (2,), (1,), 1, True)
conv_case("groups2_stride2_bias", 2, 4, (13,), 4, (5,), (2,), (2,), (1,), 2, True)
conv_case("pad_stride_bias", 1, 2, (5, 6, 7), 3, (3, 3, 3), (1, 2, 1), (1, 1, 1), (1, 1, 1), 1, True)
conv_case("igemm_groups2_bias", 1, 4, (5, 6, 4), 16, (3, 2, 3), (1, 1, 2), (1, 0, 1), (1, 1, 1), 2, True)
conv_case("k1x1x1_bias", 2, 4, (3, 4, 5), 3, (1, 1, 1), (1, 1, 1), (0, 0, 0), (1, 1, 1), 1, True)
conv_case("groups2_dil2_nobias", 1, 4, (6, 6, 5), 2, (2, 3, 2), (1, 1, 2), (0, 1, 1), (2, 1, 1), 2,
          False)


def conv_transpose_case(tag, n, c, spatial, f, kernel, stride, padding, output_padding,
                        dilation, groups, bias):
    nd = len(spatial)
    xs = (n, c) + tuple(spatial)
    ws = (c, f // groups) + tuple(kernel)
    ys = (n, f) + tuple((i - 1) * s - 2 * p + d * (k - 1) + o + 1 for i, k, s, p, o, d in
                        zip(spatial, kernel, stride, padding, output_padding, dilation))
    ins = [InputSpec(xs), InputSpec(ws)] + ([InputSpec((f,))] if bias else [])

    def emit(b, *args):
        ops = ", ".join(map(str, args))
        tys = ", ".join(b.t(s.shape) for s in ins)
        return b.op(f"kgen.conv_transpose {ops} stride {fmt_ints(stride)} "
                    f"padding {fmt_ints(padding)} output_padding {fmt_ints(output_padding)} "
                    f"dilation {fmt_ints(dilation)} groups {groups} : ({tys}) -> {b.t(ys)}", ys)

    fn = {1: F.conv_transpose1d, 2: F.conv_transpose2d, 3: F.conv_transpose3d}[nd]

    def ref(d, x, w, *bb):
        return fn(x, w, bb[0] if bb else None, stride=tuple(stride), padding=tuple(padding),
                  output_padding=tuple(output_padding), groups=groups,
                  dilation=tuple(dilation))

    taps = math.prod(-(-k // s) for k, s in zip(kernel, stride))
    add(Case(f"conv_transpose{nd}d_{tag}", ins, emit, ref, reduce_len=(c // groups) * taps))


# Stride 2 with output padding (the decoder's upsampling), odd kernels and
# sizes, dilation, groups, 1-D and 3-D.
conv_transpose_case("stride2_pad1_out1_bias", 2, 3, (5, 6), 4, (3, 3), (2, 2), (1, 1), (1, 1),
                    (1, 1), 1, True)
conv_transpose_case("basic", 1, 2, (4, 5), 3, (3, 2), (1, 1), (0, 0), (0, 0), (1, 1), 1, False)
conv_transpose_case("stride3_dil2_groups2", 1, 4, (4, 3), 6, (3, 3), (3, 2), (1, 2), (2, 0),
                    (2, 1), 2, True)
conv_transpose_case("depthwise", 2, 4, (5, 5), 4, (4, 4), (2, 2), (1, 1), (0, 0), (1, 1), 4,
                    False)
conv_transpose_case("stride2_bias", 2, 3, (7,), 5, (4,), (2,), (1,), (1,), (1,), 1, True)
conv_transpose_case("stride2_out1", 1, 2, (3, 4, 3), 3, (3, 3, 2), (2, 1, 2), (1, 0, 0),
                    (1, 0, 1), (1, 1, 1), 1, True)
# With 8 or more output channels per group a transposed convolution is an
# im2col gather of its taps (zeros where no input position maps) and a
# batch matmul.
conv_transpose_case("igemm_stride2_pad1_out1_bias", 2, 3, (5, 6), 8, (3, 3), (2, 2), (1, 1),
                    (1, 1), (1, 1), 1, True)
conv_transpose_case("igemm_stride3_dil2_groups2", 1, 4, (4, 3), 18, (3, 3), (3, 2), (1, 2),
                    (2, 0), (2, 1), 2, True)
conv_transpose_case("igemm_stride2_bias", 2, 3, (7,), 9, (4,), (2,), (1,), (1,), (1,), 1, True)
conv_transpose_case("igemm_stride2_out1", 1, 2, (3, 4, 3), 8, (3, 3, 2), (2, 1, 2), (1, 0, 0),
                    (1, 0, 1), (1, 1, 1), 1, False)
# Undilated strided ones split into one implicit GEMM per output phase:
# outputs that no stride divides (no output padding), a kernel smaller than
# the stride (phases without taps), padding past the kernel, groups.
conv_transpose_case("phases_odd_output", 2, 3, (5, 7), 8, (3, 3), (2, 2), (1, 1), (0, 0),
                    (1, 1), 1, True)
conv_transpose_case("phases_kernel_below_stride", 1, 4, (4, 5), 8, (2, 2), (3, 3), (0, 1),
                    (2, 1), (1, 1), 1, False)
conv_transpose_case("phases_wide_pad_groups2", 1, 4, (6, 5), 16, (3, 4), (2, 3), (3, 2),
                    (1, 0), (1, 1), 2, True)
conv_transpose_case("phases_1d_stride4", 2, 3, (9,), 8, (7,), (4,), (2,), (3,), (1,), 1, True)


# ---------------------------------------------------------------------------
# Elementwise binary ops
# ---------------------------------------------------------------------------

BINARY_REF = {
    "add": torch.add, "sub": torch.sub, "mul": torch.mul, "div": torch.div,
    "maximum": torch.maximum, "minimum": torch.minimum, "pow": torch.pow,
}
# Comparisons: PyTorch's bool result as the 1/0 kgen gives.
COMPARE_REF = {"eq": torch.eq, "ne": torch.ne, "lt": torch.lt, "le": torch.le,
               "gt": torch.gt, "ge": torch.ge}
for _op, _fn in COMPARE_REF.items():
    BINARY_REF[_op] = lambda a, b, fn=_fn: fn(a, b).to(torch.float64)


def bcast_shape(a, b):
    return tuple(torch.broadcast_shapes(torch.Size(a), torch.Size(b)))


def binary_operand_spec(op, side, shape, nan=0.0):
    if op in COMPARE_REF:  # few values, so that equal operands are common; NaN
        return InputSpec(shape, choices=(-1.0, -0.5, 0.0, 0.25, 1.0), nan=max(nan, 0.05))
    if op == "div" and side == "rhs":
        return InputSpec(shape, 0.25, 1.0, away_from_zero=True, nan=nan)
    if op == "pow":
        return InputSpec(shape, 0.1, 2.0, nan=nan) if side == "lhs" else InputSpec(shape, -2.0, 2.0)
    return InputSpec(shape, nan=nan)


def operand_texts(b, specs, args):
    """MLIR names and types of operands given as shapes (the tensor
    arguments `args`, in order) or floats (arith.constant scalars)."""
    it = iter(args)
    names, tys = [], []
    for v in specs:
        if isinstance(v, tuple):
            names.append(str(next(it)))
            tys.append(b.t(v))
        else:
            names.append(b.scalar(v))
            tys.append(b.dtype)
    return names, tys


def operand_tensors(specs, xs):
    """The reference's operands: the input tensors `xs` in order, floats as
    0-d float64 tensors."""
    it = iter(xs)
    return [next(it) if isinstance(v, tuple) else torch.tensor(v, dtype=torch.float64)
            for v in specs]


def binary_case(op, lhs, rhs, tag, nan=0.0):
    """lhs/rhs: a shape tuple (a tensor argument) or a float (an arith.constant)."""
    shapes = [s for s in (lhs, rhs) if isinstance(s, tuple)]
    out = shapes[0] if len(shapes) == 1 else bcast_shape(lhs, rhs)
    ins = []
    if isinstance(lhs, tuple):
        ins.append(binary_operand_spec(op, "lhs", lhs, nan))
    if isinstance(rhs, tuple):
        ins.append(binary_operand_spec(op, "rhs", rhs, nan if op != "pow" else 0.0))

    def emit(b, *args):
        names, tys = operand_texts(b, (lhs, rhs), args)
        return b.op(f"kgen.{op} {names[0]}, {names[1]} : ({tys[0]}, {tys[1]}) -> {b.t(out)}", out)

    def ref(d, *xs):
        return BINARY_REF[op](*operand_tensors((lhs, rhs), xs))

    add(Case(f"{op}_{tag}", ins, emit, ref))


def where_case(cond, on_true, on_false, tag):
    """Each operand a shape (a tensor argument) or a float (a scalar); the
    condition a comparison of a tensor with 0 (its 1/0 mask, NaN false)."""
    shapes = [v for v in (cond, on_true, on_false) if isinstance(v, tuple)]
    out = ()
    for sh in shapes:
        out = bcast_shape(out, sh)
    ins = [InputSpec(v, nan=0.05 if i == 0 else 0.02) for i, v in
           enumerate((cond, on_true, on_false)) if isinstance(v, tuple)]

    def emit(b, *args):
        names, tys = operand_texts(b, (cond, on_true, on_false), args)
        mask = b.op(f"kgen.gt {names[0]}, {b.scalar(0.0)} : ({tys[0]}, {b.dtype}) -> "
                    f"{b.t(cond)}", cond)
        return b.op(f"kgen.where {mask}, {names[1]}, {names[2]} : ({b.t(cond)}, {tys[1]}, "
                    f"{tys[2]}) -> {b.t(out)}", out)

    def ref(d, *xs):
        c, t, f = operand_tensors((cond, on_true, on_false), xs)
        return torch.where(c > 0, t, f)

    add(Case(f"where_{tag}", ins, emit, ref))


where_case(S(7, 13), S(7, 13), S(7, 13), "same_7x13")
where_case(S(7, 13), S(13), -2.5, "bcast_row_scalar_false")
where_case(S(7, 1), 0.75, S(1, 13), "bcast_outer_scalar_true")
where_case(S(16, 4096), S(16, 4096), 0.0, "relu_like_16x4096")


# Bools (kgen's i8, one byte 0/1 as PyTorch lays them out) in and out:
# kgen.convert to a 1/0 mask and back.

def masked_cumsum_case(shape, true_fraction, tag):
    """torch.cumsum(x * mask, dim=1) with a bool mask input; a small
    true_fraction leaves whole rows masked (their sums stay 0)."""
    def emit(b, x, mask):
        m = b.op(f"kgen.convert {mask} : {tensor_type(shape, 'i8')} -> {b.t(shape)}", shape)
        p = b.op(f"kgen.mul {x}, {m} : ({b.t(shape)}, {b.t(shape)}) -> {b.t(shape)}", shape)
        return b.op(f"kgen.cumsum {p} dim 1 : {b.t(shape)}", shape)

    add(Case(f"masked_cumsum_{sname(shape)}{tag}",
             [InputSpec(shape), InputSpec(shape, true_fraction=true_fraction)], emit,
             lambda d, x, mask: torch.cumsum(x * mask, dim=1), reduce_len=shape[1]))


def to_bool_case(shape):
    """Tensor.bool() of floats holding zeros and NaN (true), and a mask
    computed from a bool input: both returned as bools."""
    def emit(b, x, mask):
        nz = b.op(f"kgen.convert {x} : {b.t(shape)} -> {tensor_type(shape, 'i8')}", shape, "i8")
        m = b.op(f"kgen.convert {mask} : {tensor_type(shape, 'i8')} -> {b.t(shape)}", shape)
        pos = b.op(f"kgen.gt {x}, {b.scalar(0.0)} : ({b.t(shape)}, {b.dtype}) -> {b.t(shape)}",
                   shape)
        both = b.op(f"kgen.mul {pos}, {m} : ({b.t(shape)}, {b.t(shape)}) -> {b.t(shape)}", shape)
        out = b.op(f"kgen.convert {both} : {b.t(shape)} -> {tensor_type(shape, 'i8')}", shape,
                   "i8")
        return [nz, out]

    add(Case(f"convert_bool_{sname(shape)}",
             [InputSpec(shape, choices=(0.0, -0.0, 1.5, -2.0), nan=0.1),
              InputSpec(shape, true_fraction=0.5)], emit,
             lambda d, x, mask: (x.bool(), (x > 0) & mask), exact=True))


masked_cumsum_case(S(7, 333), 0.5, "")
masked_cumsum_case(S(9, 40), 0.01, "_all_masked_rows")
masked_cumsum_case(S(4, 4096), 0.5, "_long")
to_bool_case(S(5, 37))
to_bool_case(S(64, 1024))


SCALAR_RHS = {"add": 2.0, "sub": 0.5, "mul": -1.5, "div": 3.0, "maximum": 0.25, "minimum": -0.25,
              "pow": 2.0, **{op: 0.25 for op in COMPARE_REF}}
SCALAR_LHS = {"add": -1.5, "sub": 2.0, "mul": 0.5, "div": 1.5, "maximum": -0.5, "minimum": 0.5,
              "pow": 2.0, **{op: -0.5 for op in COMPARE_REF}}

for _op in BINARY_REF:
    binary_case(_op, S(7, 13), S(7, 13), "same_7x13")
    binary_case(_op, S(7, 13), S(13), "bcast_row_7x13_13")
    binary_case(_op, S(7, 1), S(1, 13), "bcast_outer_7x1_1x13")
    binary_case(_op, S(2, 1, 5), S(3, 1), "bcast_3d_2x1x5_3x1")
    binary_case(_op, S(7, 13), SCALAR_RHS[_op], "scalar_rhs")
    binary_case(_op, SCALAR_LHS[_op], S(7, 13), "scalar_lhs")
binary_case("add", S(5), S(3, 4, 5), "bcast_lowrank_lhs_5_3x4x5")
binary_case("mul", S(), S(3, 7), "rank0_lhs")
binary_case("sub", S(4, 1, 6), S(4, 3, 1), "bcast_both_4x1x6_4x3x1")
binary_case("pow", S(7, 13), 0.5, "scalar_rhs_sqrt")
binary_case("pow", S(7, 13), -1.5, "scalar_rhs_neg")
binary_case("maximum", S(7, 13), S(7, 13), "nan_propagation", nan=0.15)
binary_case("minimum", S(7, 13), S(13), "nan_propagation", nan=0.15)


# ---------------------------------------------------------------------------
# Elementwise unary ops
# ---------------------------------------------------------------------------

def hardswish_ref(x):
    return x * torch.clamp(x + 3.0, 0.0, 6.0) / 6.0


UNARY = {  # op: (reference, low, high)
    "neg": (torch.neg, -1, 1),
    "abs": (torch.abs, -1, 1),
    "exp": (torch.exp, -3, 3),
    "log": (torch.log, 0.1, 2),
    "sqrt": (torch.sqrt, 0.1, 2),
    "rsqrt": (torch.rsqrt, 0.1, 2),
    "tanh": (torch.tanh, -4, 4),
    "sigmoid": (torch.sigmoid, -6, 6),
    "relu": (torch.relu, -1, 1),
    "silu": (F.silu, -6, 6),
    "hardswish": (hardswish_ref, -4.5, 4.5),
    "selu": (F.selu, -4, 4),
    "mish": (F.mish, -6, 6),
    "softsign": (F.softsign, -5, 5),
    "log_sigmoid": (F.logsigmoid, -30, 30),
    "tanhshrink": (F.tanhshrink, -4, 4),
    "elu": (F.elu, -4, 4),
    "celu": (F.celu, -4, 4),
    "softplus": (F.softplus, -30, 30),
    "softshrink": (F.softshrink, -2, 2),
    "hardshrink": (F.hardshrink, -2, 2),
}


def unary_case(op, shape, ref, low, high, attrs="", tag=None, nan=0.0):
    def emit(b, x):
        return b.op(f"kgen.{op} {x}{attrs} : {b.t(shape)}", shape)
    add(Case(f"{op}_{tag or sname(shape)}", [InputSpec(shape, low, high, nan=nan)], emit,
             lambda d, x: ref(x)))


for _op, (_ref, _lo, _hi) in UNARY.items():
    unary_case(_op, S(7, 13), _ref, _lo, _hi)
unary_case("exp", S(2, 5, 3), torch.exp, -3, 3)
unary_case("tanh", S(31), torch.tanh, -10, 10, tag="31_wide")
unary_case("sigmoid", S(2, 3, 5), torch.sigmoid, -20, 20, tag="2x3x5_wide")
unary_case("relu", S(7, 13), torch.relu, -1, 1, tag="nan_propagation", nan=0.15)

unary_case("leaky_relu", S(7, 13), lambda x: F.leaky_relu(x, 0.01), -1, 1, tag="default_slope")
unary_case("leaky_relu", S(3, 4, 5), lambda x: F.leaky_relu(x, 0.2), -1, 1,
           attrs=f" negative_slope {fmt_float(0.2)}", tag="slope0.2_3x4x5")
unary_case("elu", S(3, 4, 5), lambda x: F.elu(x, 0.5), -3, 3,
           attrs=f" alpha {fmt_float(0.5)}", tag="alpha0.5_3x4x5")
unary_case("celu", S(3, 4, 5), lambda x: F.celu(x, 2.0), -3, 3,
           attrs=f" alpha {fmt_float(2.0)}", tag="alpha2_3x4x5")
unary_case("softplus", S(3, 4, 5), lambda x: F.softplus(x, 2.0, 5.0), -6, 6,
           attrs=f" beta {fmt_float(2.0)} threshold {fmt_float(5.0)}",
           tag="beta2_threshold5_3x4x5")
unary_case("softshrink", S(7, 13), lambda x: F.softshrink(x, 0.25), -1, 1,
           attrs=f" lambd {fmt_float(0.25)}", tag="lambd0.25")
unary_case("hardshrink", S(7, 13), lambda x: F.hardshrink(x, 0.25), -1, 1,
           attrs=f" lambd {fmt_float(0.25)}", tag="lambd0.25")
unary_case("gelu", S(7, 13), lambda x: F.gelu(x), -5, 5, tag="exact_7x13")
unary_case("gelu", S(7, 13), lambda x: F.gelu(x, approximate="tanh"), -5, 5,
           attrs=" approximate<tanh>", tag="tanh_7x13")
unary_case("gelu", S(2, 3, 4), lambda x: F.gelu(x), -1, 1, tag="exact_2x3x4")


def clamp_case(tag, lo, hi, nan=0.0):
    attrs = (f" min {fmt_float(lo)}" if lo is not None else "") + \
            (f" max {fmt_float(hi)}" if hi is not None else "")
    unary_case("clamp", S(7, 13), lambda x: torch.clamp(x, min=lo, max=hi), -8, 8, attrs=attrs,
               tag=tag, nan=nan)


clamp_case("relu6", 0.0, 6.0)
clamp_case("min_only", -0.5, None)
clamp_case("max_only", None, 1.25)
clamp_case("min_gt_max", 1.0, -1.0)
clamp_case("nan_propagation", -2.0, 2.0, nan=0.15)
clamp_case("inexact_bounds", -0.1, 0.3)  # bounds that f16/bf16 round


# ---------------------------------------------------------------------------
# Reductions
# ---------------------------------------------------------------------------

REDUCE_REF = {
    "sum": lambda x, dims, k: torch.sum(x, dim=dims, keepdim=k),
    "mean": lambda x, dims, k: torch.mean(x, dim=dims, keepdim=k),
    "max": lambda x, dims, k: torch.amax(x, dim=dims, keepdim=k),
    "min": lambda x, dims, k: torch.amin(x, dim=dims, keepdim=k),
}


def reduce_case(op, shape, dims, keepdim, nan=0.0, tag="", inf=0.0):
    out = tuple((1 if keepdim else None) if i in dims else s for i, s in enumerate(shape))
    out = tuple(s for s in out if s is not None)
    kd = " keepdim" if keepdim else ""

    def emit(b, x):
        return b.op(f"kgen.{op} {x} dims {fmt_ints(dims)}{kd} : {b.t(shape)} -> {b.t(out)}", out)

    name = f"{op}_{sname(shape)}_dims{''.join(map(str, dims))}{'_keepdim' if keepdim else ''}{tag}"
    add(Case(name, [InputSpec(shape, nan=nan, inf=inf)], emit,
             lambda d, x: REDUCE_REF[op](x, tuple(dims), keepdim),
             reduce_len=math.prod(shape[i] for i in dims)))


for _op in REDUCE_REF:
    reduce_case(_op, S(7, 13), [1], True)
    reduce_case(_op, S(7, 13), [0], False)
    reduce_case(_op, S(3, 5, 7), [0, 2], True)
    reduce_case(_op, S(3, 5, 7), [2, 0], False)
    reduce_case(_op, S(3, 5, 7), [1], False)
    reduce_case(_op, S(7, 13), [0, 1], False)
    reduce_case(_op, S(2, 3, 4, 5), [1, 3], True)
reduce_case("sum", S(7, 13), [0, 1], True)
reduce_case("mean", S(257), [0], False)
reduce_case("max", S(7, 13), [1], False, nan=0.05, tag="_nan_propagation")
reduce_case("min", S(7, 13), [0], True, nan=0.05, tag="_nan_propagation")

# Row lengths for lanes cooperating on a row (reduction_lanes): the
# heuristic gives 1000 two lanes of 4-wide vectors when 16 rows make a
# whole warp of them, 8 lanes of single elements when 4 rows do (3 rows
# would leave a block mid-subgroup: one thread per row), 8192 a
# block of 512 lanes, 256 a warp; 1, 7 and 4097 have no even split and
# stay one thread per row. 1xN and Nx1 are one row and rows of one.
for _n in (1, 7, 256, 1000, 4097, 8192):
    reduce_case("sum", S(3, _n), [1], False)
reduce_case("sum", S(16, 1000), [1], False)
# 12000 elements: no multiple of a warp divides its 3000 vectors of 4, so
# single elements, in 800 lanes (a multiple of 32, not a power of two).
reduce_case("sum", S(3, 12000), [1], False)
reduce_case("sum", S(1, 8192), [1], True)
reduce_case("sum", S(8192, 1), [1], False)
reduce_case("mean", S(2, 4, 1000), [2], False)
reduce_case("max", S(3, 8192), [1], False, nan=0.001, tag="_nan_propagation")
reduce_case("min", S(4, 1000), [1], True, nan=0.01, tag="_nan_propagation")
# The same row lengths for every reduction kgen has (sum above): one thread
# per row where no split is even (1, 7, 4097), lanes elsewhere; rows of
# one and a single row.
for _op in ("mean", "max", "min"):
    for _n in (1, 7, 1000, 4097, 8192):
        reduce_case(_op, S(3, _n), [1], False)
    reduce_case(_op, S(1, 4097), [1], True)
    reduce_case(_op, S(4097, 1), [1], False)
# Rows holding NaN and +-inf: a sum or mean with an inf is that inf, with
# both signs NaN, with a NaN NaN; a max/min meets its infinities.
for _op in ("sum", "mean", "max", "min"):
    reduce_case(_op, S(16, 1000), [1], False, nan=0.001, inf=0.002, tag="_nan_inf")
# Column reductions (the reduced dimension outside the innermost) for lanes
# sharing each column's rows: 96 and 40 columns in vectors, 33 in scalars
# (a middle dimension), 1000 rows of which only 8 lanes split evenly.
reduce_case("sum", S(64, 96), [0], False)
reduce_case("mean", S(256, 40), [0], True)
reduce_case("max", S(2, 128, 33), [1], False, nan=0.01, tag="_nan_propagation")
reduce_case("min", S(1000, 24), [0], False)
# Dims apart, reduced in two stages (the innermost run, then the rest): a
# mean over N, H and W, a max with NaNs over the outer and inner dims.
reduce_case("mean", S(4, 6, 20, 50), [0, 2, 3], False)
reduce_case("sum", S(8, 6, 1000), [0, 2], True)
reduce_case("max", S(8, 6, 1000), [2, 0], False, nan=0.001, tag="_nan_propagation")
# Whole-tensor reductions that kgen-split-whole-reductions splits into rows
# (64 rows of 4096; 75 of 4096) and their partials.
reduce_case("sum", S(256, 1024), [0, 1], False)
reduce_case("mean", S(4, 128, 600), [0, 1, 2], True)
reduce_case("max", S(256, 1024), [0, 1], False, nan=0.0005, tag="_nan_propagation")


# ---------------------------------------------------------------------------
# Positions: argmax / argmin (int64 results) and gather (int64 indices)
# ---------------------------------------------------------------------------

def arg_case(op, shape, dim, keepdim=False, nan=0.0, choices=(), tag="", inf=0.0):
    out = tuple(1 if i == dim else d for i, d in enumerate(shape)) if keepdim else \
        tuple(d for i, d in enumerate(shape) if i != dim)
    fn = torch.argmax if op == "argmax" else torch.argmin

    def emit(b, x):
        kd = " keepdim" if keepdim else ""
        return b.op(f"kgen.{op} {x} dim {dim}{kd} : {b.t(shape)} -> {tensor_type(out, 'i64')}",
                    out, "i64")

    add(Case(f"{op}_{sname(shape)}_dim{dim}{'_keepdim' if keepdim else ''}{tag}",
             [InputSpec(shape, nan=nan, inf=inf, choices=choices)], emit,
             lambda d, x: fn(x, dim=dim, keepdim=keepdim), reduce_len=shape[dim]))


# Rows, columns, a middle dim, long rows (cooperative lanes: the maximum's
# f32 butterflies then the position's i32 ones), NaN winning, and ties
# (values from 3 choices: the first position holding the extremum).
arg_case("argmax", S(7, 13), 1)
arg_case("argmin", S(7, 13), 0)
arg_case("argmax", S(3, 5, 7), 1, keepdim=True)
arg_case("argmax", S(16, 4096), 1)
arg_case("argmin", S(600, 12), 0)
arg_case("argmax", S(9, 300), 1, nan=0.003, tag="_nan_first")
arg_case("argmin", S(33, 64), 1, choices=(-1.0, 0.0, 1.0), tag="_ties_first")
# The row lengths of the other reductions (one thread per row where no
# split is even: 1, 7, 4097; lanes elsewhere), a single row and rows of
# one, and rows holding +-inf (an infinity is the extremum it is) with NaN.
for _op in ("argmax", "argmin"):
    for _n in (1, 7, 1000, 4097, 8192):
        arg_case(_op, S(3, _n), 1)
    arg_case(_op, S(1, 4097), 1, keepdim=True)
    arg_case(_op, S(4097, 1), 1)
    arg_case(_op, S(16, 1000), 1, inf=0.002, tag="_inf")
    arg_case(_op, S(16, 1000), 1, nan=0.001, inf=0.002, tag="_nan_inf")


def gather_case(shape, index_shape, dim, ignored=0.0, fill=None, tag=""):
    fill_attr = "" if fill is None else f" fill {fmt_float(fill)}"

    def emit(b, x, index):
        return b.op(f"kgen.gather {x}, {index} dim {dim}{fill_attr} : ({b.t(shape)}, "
                    f"{tensor_type(index_shape, 'i64')}) -> {b.t(index_shape)}", index_shape)

    def ref(d, x, index):
        inside = (index >= 0) & (index < shape[dim])
        picked = torch.gather(x, dim, torch.where(inside, index, 0))
        return torch.where(inside, picked, torch.tensor(0.0 if fill is None else fill,
                                                        dtype=torch.float64))

    add(Case(f"gather_{sname(shape)}_{sname(index_shape)}_dim{dim}{tag}",
             [InputSpec(shape), InputSpec(index_shape, positions=shape[dim], nan=ignored)],
             emit, ref, exact=True))


# A class per row (cross-entropy's pick), several per row along the last
# dim and the first, and targets of -100 reading the fill.
gather_case(S(64, 10), S(64, 1), 1)
gather_case(S(5, 7, 9), S(5, 7, 4), 2)
gather_case(S(8, 6), S(3, 6), 0)
gather_case(S(32, 1000), S(32, 1), 1, ignored=0.2, fill=-2.5, tag="_outside_fill")


# ---------------------------------------------------------------------------
# Scans
# ---------------------------------------------------------------------------

def scan_case(op, shape, dim, low=-1.0, high=1.0, nan=0.0, tag=""):
    fn = torch.cumsum if op == "cumsum" else torch.cumprod

    def emit(b, x):
        return b.op(f"kgen.{op} {x} dim {dim} : {b.t(shape)}", shape)

    add(Case(f"{op}_{sname(shape)}_dim{dim}{tag}", [InputSpec(shape, low, high, nan=nan)],
             emit, lambda d, x: fn(x, dim=dim), reduce_len=shape[dim]))


# Rows and columns, a middle dim, odd lengths, one element, NaN
# propagating from its position on. Products stay near 1 with inputs in
# [0.5, 1.5]. Rows of 256 or more that split into blocks (1000: 40 of 25;
# 300: 20 of 15; 4000: 80 of 50) take the blocked form, a prime length
# (4097) the quadratic one.
scan_case("cumsum", S(7, 13), 1)
scan_case("cumsum", S(7, 13), 0)
scan_case("cumsum", S(3, 5, 7), 1)
scan_case("cumsum", S(2, 1000), 1)
scan_case("cumsum", S(3, 4000), 1)
scan_case("cumsum", S(2, 300, 3), 1, nan=0.002, tag="_nan_propagation")
scan_case("cumprod", S(2, 300, 3), 1, low=0.9, high=1.1)
scan_case("cumsum", S(4097), 0)
scan_case("cumsum", S(1, 1), 1)
scan_case("cumsum", S(5, 9), 1, nan=0.05, tag="_nan_propagation")
scan_case("cumprod", S(7, 13), 1, low=0.5, high=1.5)
scan_case("cumprod", S(3, 5, 7), 2, low=0.5, high=1.5)
scan_case("cumprod", S(3, 5, 7), 0, low=-1.5, high=1.5)
scan_case("cumprod", S(5, 9), 0, low=0.5, high=1.5, nan=0.05, tag="_nan_propagation")


# ---------------------------------------------------------------------------
# Softmax, normalizations
# ---------------------------------------------------------------------------

def softmax_case(op, shape, dim, low=-1.0, high=1.0, tag="", nan=0.0, inf=0.0):
    fn = F.softmax if op == "softmax" else F.log_softmax

    def emit(b, x):
        return b.op(f"kgen.{op} {x} dim {dim} : {b.t(shape)}", shape)

    add(Case(f"{op}_{sname(shape)}_dim{dim}{tag}", [InputSpec(shape, low, high, nan=nan, inf=inf)],
             emit, lambda d, x: fn(x, dim=dim), reduce_len=shape[dim]))


for _op in ("softmax", "log_softmax"):
    softmax_case(_op, S(7, 13), 1)
    softmax_case(_op, S(7, 13), 0)
    softmax_case(_op, S(3, 5, 7), 1)
    softmax_case(_op, S(3, 5, 7), 0)
    softmax_case(_op, S(3, 5, 7), 2, low=-60.0, high=60.0, tag="_large")
    softmax_case(_op, S(1, 33), 1, low=-5.0, high=5.0)
    # Lanes: a block per 8192-long row, a warp per 256-long one.
    softmax_case(_op, S(2, 8192), 1, low=-5.0, high=5.0)
    # A vocabulary of 32000: 800 lanes (8000 vectors of 4 floats, 4000 of 8
    # halves), where the largest power of two dividing it is 64.
    softmax_case(_op, S(2, 32000), 1, low=-5.0, high=5.0)
    softmax_case(_op, S(6, 256), 1, low=-60.0, high=60.0, tag="_large")
    # Rows longer than any block can stage (256 KB of f32; 128 KB in f16 and
    # bf16, which stay the staged form): the streaming statistics, a running
    # max and sum per chunk of the row, then the chunks combined.
    softmax_case(_op, S(2, 65536), 1, low=-60.0, high=60.0, tag="_streamed")
    softmax_case(_op, S(3, 65536), 1, low=-5.0, high=5.0, nan=0.0001, inf=0.0002,
                 tag="_streamed_nan_inf")
    # Rows that stream in every dtype (256 KB of halves), and 100000
    # elements: 32 chunks of 3125 (no larger power of two divides it).
    softmax_case(_op, S(2, 131072), 1, low=-30.0, high=30.0, tag="_streamed")
    softmax_case(_op, S(2, 100000), 1, low=-5.0, high=5.0, tag="_streamed")


# Row lengths without an even split (1, 7, 4097) and with one (1000), and
# rows holding NaN or +-inf (an inf makes its row's exp-sum inf or NaN, as
# in PyTorch).
for _op in ("softmax", "log_softmax"):
    for _n in (1, 7, 1000, 4097):
        softmax_case(_op, S(3, _n), 1, low=-5.0, high=5.0)
    # A single row, and rows of one.
    softmax_case(_op, S(1, 4097), 1, low=-5.0, high=5.0)
    softmax_case(_op, S(4097, 1), 1, low=-5.0, high=5.0)
    softmax_case(_op, S(16, 1000), 1, low=-5.0, high=5.0, nan=0.001, inf=0.002,
                 tag="_nan_inf")


def attention_ref(dtype, q, k, v, mask=None, scale=1.0, causal=False):
    """softmax(q·kᵀ·scale + mask)·v in float64, with the probabilities
    rounded to the dtype before the product with v, as kgen.attention
    documents (and flash attention does)."""
    s = torch.matmul(q, k.transpose(-2, -1)) * scale
    if mask is not None:
        s = s + mask
    if causal:
        keep = torch.ones(s.shape[-2:], dtype=torch.bool).tril()
        s = s.masked_fill(~keep, float("-inf"))
    p = torch.softmax(s, dim=-1)
    # A query whose keys are all masked gets zeros (PyTorch's SDPA).
    p = torch.where(s.amax(-1, keepdim=True) == float("-inf"), 0.0, p)
    if dtype != "f32":
        p = torch64(round_to(p.numpy(), dtype))
    return torch.matmul(p, v)


def attention_case(tag, batch, L, S, D, Dv, mask_shape=None, causal=False, scale=None,
                   mask_choices=()):
    # 1/sqrt(D) to the 7 digits an MLIR attribute keeps.
    scale = float(f"{1.0 / math.sqrt(D):.6e}") if scale is None else scale
    shapes = [batch + (L, D), batch + (S, D), batch + (S, Dv)]
    specs = [InputSpec(s) for s in shapes]
    if mask_shape is not None:
        specs.append(InputSpec(mask_shape, choices=mask_choices) if mask_choices
                     else InputSpec(mask_shape, -2.0, 2.0))

    def emit(b, *args):
        text = f"kgen.attention {args[0]}, {args[1]}, {args[2]}"
        if mask_shape is not None:
            text += f" mask {args[3]}"
        text += f" scale {fmt_float(scale)}" + (" causal" if causal else "")
        types = ", ".join(b.t(sh) for sh in shapes + ([mask_shape] if mask_shape else []))
        out = batch + (L, Dv)
        return b.op(f"{text} : ({types}) -> {b.t(out)}", out)

    def ref(d, q, k, v, *mask):
        return attention_ref(d, q, k, v, mask[0] if mask else None, scale, causal)

    add(Case(f"attention_{tag}", specs, emit, ref, reduce_len=max(S, D)))


attention_case("plain", (2, 3), 5, 6, 8, 4)
attention_case("causal", (2, 3), 5, 6, 8, 4, causal=True)
attention_case("rows_mask", (2, 3), 5, 6, 8, 4, mask_shape=(5, 6), scale=0.3)
attention_case("head_mask", (2, 3), 5, 6, 8, 4, mask_shape=(2, 1, 5, 6))
attention_case("full_mask", (2,), 7, 9, 16, 16, mask_shape=(2, 7, 9))
# Additive -inf masks: a row is wholly masked with odds (5/6)^5, so most
# input sets have some; zeros there, as PyTorch's SDPA gives.
attention_case("inf_mask", (3,), 4, 5, 8, 8, mask_shape=(4, 5),
               mask_choices=(0.0,) + (float("-inf"),) * 5)
attention_case("one_query", (), 1, 33, 64, 64)
# Rows long enough for the CPU path's interleaved reductions, which must
# leave the causal mask's loop indices alone.
attention_case("causal_long", (2,), 160, 160, 16, 16, causal=True)


def written_attention_case(tag, batch, L, S, D, divide=False):
    """softmax(Q·Kᵀ·scale)·V written out of kgen ops (the keys transposed
    by a permute, the scale a multiplication or a division by a constant),
    which kgen-recognize-attention turns into kgen.attention: checked as
    kgen.attention is (probabilities rounded once to the dtype)."""
    shapes = [batch + (L, D), batch + (S, D), batch + (S, D)]
    # D a power of 4: sqrt(D) and its reciprocal are exact in every dtype.
    assert math.isqrt(D) ** 2 == D and D & (D - 1) == 0
    divisor = math.sqrt(D)
    scale = 1.0 / divisor
    rank = len(shapes[0])
    swap = list(range(rank - 2)) + [rank - 1, rank - 2]
    product = "kgen.matmul" if not batch else "kgen.batch_matmul"

    def emit(b, q, k, v):
        kt_shape = batch + (D, S)
        s_shape = batch + (L, S)
        kt = b.op(f"kgen.permute {k} dims {fmt_ints(swap)} : {b.t(shapes[1])} -> {b.t(kt_shape)}",
                  kt_shape)
        scores = b.op(f"{product} {q}, {kt} : ({b.t(shapes[0])}, {b.t(kt_shape)})"
                      f" -> {b.t(s_shape)}", s_shape)
        c = b.scalar(divisor if divide else scale)
        op = "kgen.div" if divide else "kgen.mul"
        x = b.op(f"{op} {scores}, {c} : ({b.t(s_shape)}, {b.dtype}) -> {b.t(s_shape)}", s_shape)
        p = b.op(f"kgen.softmax {x} dim {rank - 1} : {b.t(s_shape)}", s_shape)
        out = batch + (L, D)
        return b.op(f"{product} {p}, {v} : ({b.t(s_shape)}, {b.t(shapes[2])}) -> {b.t(out)}",
                    out)

    def ref(d, q, k, v):
        return attention_ref(d, q, k, v, None, scale, False)

    add(Case(f"attention_written_{tag}", [InputSpec(sh) for sh in shapes], emit, ref,
             reduce_len=max(S, D)))


written_attention_case("batched", (3,), 9, 11, 16)
written_attention_case("matrices_div", (), 7, 5, 64, divide=True)


def layer_norm_case(tag, shape, ns, weight, bias, eps, low=-1.0, high=1.0, nan=0.0, inf=0.0):
    ins = [InputSpec(shape, low, high, nan=nan, inf=inf)]
    if weight:
        ins.append(InputSpec(tuple(ns), 0.5, 1.5))
    if bias:
        ins.append(InputSpec(tuple(ns)))

    def emit(b, x, *wb):
        it = iter(wb)
        ops = str(x)
        if weight:
            ops += f" weight {next(it)}"
        if bias:
            ops += f" bias {next(it)}"
        tys = ", ".join(b.t(s.shape) for s in ins)
        return b.op(f"kgen.layer_norm {ops} normalized_shape {fmt_ints(ns)} eps {fmt_float(eps)}"
                    f" : ({tys}) -> {b.t(shape)}", shape)

    def ref(d, x, *wb):
        it = iter(wb)
        w = next(it) if weight else None
        bb = next(it) if bias else None
        return F.layer_norm(x, tuple(ns), w, bb, eps)

    add(Case(f"layer_norm_{tag}", ins, emit, ref, reduce_len=math.prod(ns)))


layer_norm_case("7x13_ns13_weight_bias", S(7, 13), [13], True, True, 1e-5)
layer_norm_case("7x13_ns13_plain", S(7, 13), [13], False, False, 1e-5)
layer_norm_case("7x13_ns13_weight_only", S(7, 13), [13], True, False, 1e-5)
layer_norm_case("3x5x7_ns5x7_weight_bias", S(3, 5, 7), [5, 7], True, True, 1e-5)
layer_norm_case("3x5x7_ns5x7_bias_only", S(3, 5, 7), [5, 7], False, True, 1e-5)
layer_norm_case("3x5x7_ns7_eps0.01", S(3, 5, 7), [7], True, True, 1e-2)
layer_norm_case("ns31_1d", S(31), [31], True, True, 1e-5)
layer_norm_case("4x33_offset_mean", S(4, 33), [33], True, True, 1e-5, low=2.0, high=4.0)
layer_norm_case("3x8192_lanes", S(3, 8192), [8192], True, True, 1e-5)
layer_norm_case("16x1000_lanes_offset_mean", S(16, 1000), [1000], True, True, 1e-5, low=2.0, high=4.0)
# Rows too long to stage in f32 (256 KB): Welford's statistics per chunk,
# combined; an offset mean checks that the deviations are taken from it.
layer_norm_case("2x65536_streamed", S(2, 65536), [65536], True, True, 1e-5)
layer_norm_case("2x65536_streamed_offset_mean", S(2, 65536), [65536], True, False, 1e-5,
                low=100.0, high=101.0)
layer_norm_case("3x65536_streamed_nan_inf", S(3, 65536), [65536], False, False, 1e-5,
                nan=0.0001, inf=0.0002)
layer_norm_case("2x131072_streamed", S(2, 131072), [131072], True, True, 1e-5)
layer_norm_case("2x100000_streamed", S(2, 100000), [100000], True, True, 1e-5)
# Row lengths 1 (the variance is 0: the output is the bias), 7, 1000,
# 4097, and rows holding NaN or +-inf (NaN rows out, as in PyTorch).
for _n in (1, 7, 1000, 4097):
    layer_norm_case(f"3x{_n}_rows", S(3, _n), [_n], True, True, 1e-5)
layer_norm_case("1x4097_single_row", S(1, 4097), [4097], True, True, 1e-5)
layer_norm_case("4097x1_rows_of_one", S(4097, 1), [1], True, True, 1e-5)
layer_norm_case("16x1000_nan_inf", S(16, 1000), [1000], True, True, 1e-5, nan=0.001, inf=0.002)


# Row statistics with an elementwise epilogue of their own, which join the
# reduction that reads them (one kernel): a cosine similarity's norms (sqrt
# and clamp; zero rows hit the clamp), and a layer norm written out (the
# mean's division, read by the variance and by the normalization). f32
# only: the float64 references do not round the intermediate tensors to
# f16 or bf16 as each kgen op does (and 1e-8 is 0 in f16).
def cosine_rows_case(shape, zero_rows=False):
    rows, cols = shape
    row = S(rows, 1)
    ins = [InputSpec(shape), InputSpec(shape)]

    def emit(b, x, y):
        def norm(v):
            sq = b.op(f"kgen.mul {v}, {v} : ({b.t(shape)}, {b.t(shape)}) -> {b.t(shape)}", shape)
            total = b.op(f"kgen.sum {sq.name} dims [1] keepdim : {b.t(shape)} -> {b.t(row)}", row)
            root = b.op(f"kgen.sqrt {total.name} : {b.t(row)}", row)
            return b.op(f"kgen.clamp {root.name} min 1.0e-08 : {b.t(row)}", row)
        if zero_rows:
            x = b.op(f"kgen.mul {x}, {b.scalar(0.0)} : ({b.t(shape)}, {b.dtype}) -> {b.t(shape)}",
                     shape).name
        nx, ny = norm(x), norm(y)
        ux = b.op(f"kgen.div {x}, {nx.name} : ({b.t(shape)}, {b.t(row)}) -> {b.t(shape)}", shape)
        uy = b.op(f"kgen.div {y}, {ny.name} : ({b.t(shape)}, {b.t(row)}) -> {b.t(shape)}", shape)
        p = b.op(f"kgen.mul {ux.name}, {uy.name} : ({b.t(shape)}, {b.t(shape)}) -> {b.t(shape)}",
                 shape)
        return b.op(f"kgen.sum {p.name} dims [1] : {b.t(shape)} -> {b.t(S(rows))}", S(rows))

    def ref(d, x, y):
        if zero_rows:
            x = x * 0.0
        nx = x.norm(dim=1, keepdim=True).clamp(min=1e-8)
        ny = y.norm(dim=1, keepdim=True).clamp(min=1e-8)
        return (x / nx * (y / ny)).sum(dim=1)

    add(Case(f"cosine_rows_{sname(shape)}{'_zero' if zero_rows else ''}", ins, emit, ref,
             reduce_len=cols, dtypes=("f32",)))


def written_layer_norm_case(shape):
    rows, cols = shape
    row = S(rows, 1)

    def emit(b, x):
        t, r = b.t(shape), b.t(row)
        mean = b.op(f"kgen.mean {x} dims [1] keepdim : {t} -> {r}", row)
        d = b.op(f"kgen.sub {x}, {mean.name} : ({t}, {r}) -> {t}", shape)
        sq = b.op(f"kgen.mul {d.name}, {d.name} : ({t}, {t}) -> {t}", shape)
        var = b.op(f"kgen.mean {sq.name} dims [1] keepdim : {t} -> {r}", row)
        std = b.op(f"kgen.sqrt {var.name} : {r}", row)
        return b.op(f"kgen.div {d.name}, {std.name} : ({t}, {r}) -> {t}", shape)

    def ref(d, x):
        dev = x - x.mean(dim=1, keepdim=True)
        return dev / dev.pow(2).mean(dim=1, keepdim=True).sqrt()

    add(Case(f"written_layer_norm_{sname(shape)}", [InputSpec(shape)], emit, ref,
             reduce_len=cols, dtypes=("f32",)))


cosine_rows_case(S(8, 1024))
cosine_rows_case(S(4, 1024), zero_rows=True)
cosine_rows_case(S(3, 37))
written_layer_norm_case(S(16, 4096))
written_layer_norm_case(S(5, 33))


def rms_norm_ref(x, ns, w, eps):
    dims = tuple(range(x.dim() - len(ns), x.dim()))
    y = x / torch.sqrt(torch.mean(x * x, dim=dims, keepdim=True) + eps)
    return y * w if w is not None else y


def rms_norm_case(tag, shape, ns, weight, eps, low=-1.0, high=1.0, nan=0.0, inf=0.0):
    ins = [InputSpec(shape, low, high, nan=nan, inf=inf)] + (
        [InputSpec(tuple(ns), 0.5, 1.5)] if weight else [])

    def emit(b, x, *w):
        ops = str(x) + (f" weight {w[0]}" if weight else "")
        e = f" eps {fmt_float(eps)}" if eps is not None else ""
        tys = ", ".join(b.t(s.shape) for s in ins)
        return b.op(f"kgen.rms_norm {ops} normalized_shape {fmt_ints(ns)}{e}"
                    f" : ({tys}) -> {b.t(shape)}", shape)

    def ref(d, x, *w):
        # eps=None: torch.finfo(dtype).eps, as torch.nn.functional.rms_norm.
        return rms_norm_ref(x, ns, w[0] if w else None, EPS[d] if eps is None else eps)

    add(Case(f"rms_norm_{tag}", ins, emit, ref, reduce_len=math.prod(ns)))


rms_norm_case("7x13_ns13_weight_eps1e-6", S(7, 13), [13], True, 1e-6)
rms_norm_case("7x13_ns13_noweight_eps1e-6", S(7, 13), [13], False, 1e-6)
rms_norm_case("3x5x7_ns5x7_weight_eps1e-5", S(3, 5, 7), [5, 7], True, 1e-5)
rms_norm_case("7x13_ns13_weight_default_eps", S(7, 13), [13], True, None)
# Small inputs: mean(x^2) ~ 3e-4, the order of the f16/bf16 default eps, so
# the default eps value shows in the result.
rms_norm_case("4x16_ns16_small_default_eps", S(4, 16), [16], False, None, low=-0.03, high=0.03)
rms_norm_case("2x3x4_ns3x4_noweight_default_eps", S(2, 3, 4), [3, 4], False, None)
rms_norm_case("3x8192_lanes", S(3, 8192), [8192], True, 1e-6)
rms_norm_case("4x256_lanes", S(4, 256), [256], False, 1e-6)
for _n in (1, 7, 1000, 4097):
    rms_norm_case(f"3x{_n}_rows", S(3, _n), [_n], True, 1e-6)
rms_norm_case("16x1000_nan_inf", S(16, 1000), [1000], True, 1e-6, nan=0.001, inf=0.002)
rms_norm_case("1x4097_single_row", S(1, 4097), [4097], True, 1e-6)
rms_norm_case("4097x1_rows_of_one", S(4097, 1), [1], True, 1e-6)


# ---------------------------------------------------------------------------
# Data movement, constants
# ---------------------------------------------------------------------------

def permute_case(shape, dims):
    out = tuple(shape[i] for i in dims)

    def emit(b, x):
        return b.op(f"kgen.permute {x} dims {fmt_ints(dims)} : {b.t(shape)} -> {b.t(out)}", out)

    add(Case(f"permute_{sname(shape)}_{''.join(map(str, dims))}", [InputSpec(shape)], emit,
             lambda d, x: x.permute(*dims)))


permute_case(S(7, 13), [1, 0])
permute_case(S(2, 3, 5), [2, 0, 1])
permute_case(S(2, 3, 5), [0, 2, 1])
permute_case(S(2, 3, 4, 5), [3, 1, 0, 2])
permute_case(S(3, 4), [0, 1])


def slice_case(shape, offsets, sizes, strides, tag):
    out = S(*sizes)

    def emit(b, x):
        return b.op(f"kgen.slice {x} offsets {fmt_ints(offsets)} strides {fmt_ints(strides)} : "
                    f"{b.t(shape)} -> {b.t(out)}", out)

    def ref(d, x):
        index = tuple(slice(o, o + s * (n - 1) + 1, s) for o, n, s in zip(offsets, sizes, strides))
        return x[index]

    add(Case(f"slice_{tag}", [InputSpec(shape)], emit, ref))


slice_case(S(7, 13), [0, 0], [7, 5], [1, 1], "prefix_7x13")
slice_case(S(7, 13), [2, 1], [3, 4], [2, 3], "strided_7x13")
slice_case(S(2, 3, 9), [1, 0, 4], [1, 3, 5], [1, 1, 1], "suffix_2x3x9")
slice_case(S(16, 64), [0, 1], [16, 32], [1, 2], "odd_columns_16x64")


def flip_case(shape, dims):
    def emit(b, x):
        return b.op(f"kgen.flip {x} dims {fmt_ints(dims)} : {b.t(shape)}", shape)

    add(Case(f"flip_{sname(shape)}_{''.join(map(str, dims))}", [InputSpec(shape)], emit,
             lambda d, x: torch.flip(x, dims)))


flip_case(S(7, 13), [1])
flip_case(S(2, 3, 5), [0, 2])
flip_case(S(16, 64), [0, 1])


def triangle_case(op, shape, diagonal):
    def emit(b, x):
        return b.op(f"kgen.{op} {x} diagonal {diagonal} : {b.t(shape)}", shape)

    reference = torch.tril if op == "tril" else torch.triu
    add(Case(f"{op}_{sname(shape)}_{diagonal}".replace("-", "m"), [InputSpec(shape)], emit,
             lambda d, x: reference(x, diagonal)))


triangle_case("tril", S(7, 13), 0)
triangle_case("tril", S(3, 6, 5), -2)
triangle_case("triu", S(64, 48), 3)
triangle_case("triu", S(2, 5, 9), -1)


def _pooled(size, k, s, p, d, ceil):
    """PyTorch's pooling_output_shape."""
    span = size + 2 * p - d * (k - 1) - 1
    out = (span + (s - 1 if ceil else 0)) // s + 1
    return out - 1 if ceil and (out - 1) * s >= size + p else out


def pool_case(kind, shape, kernel, stride, padding, dilation=None, ceil=False,
              include_pad=True, divisor=None):
    """kgen.max_pool / kgen.avg_pool against torch's max_poolNd / avg_poolNd."""
    n = len(kernel)
    dilation = dilation or [1] * n
    out = tuple(shape[:-n]) + tuple(
        _pooled(shape[-n + i], kernel[i], stride[i], padding[i], dilation[i], ceil)
        for i in range(n))
    attrs = (f"kernel {fmt_ints(kernel)} stride {fmt_ints(stride)} padding {fmt_ints(padding)}"
             f" dilation {fmt_ints(dilation)}" + (" ceil_mode" if ceil else "")
             + (" count_include_pad" if kind == "avg" and include_pad else "")
             + (f" divisor {divisor}" if divisor else ""))

    def emit(b, x):
        return b.op(f"kgen.{kind}_pool {x} {attrs} : {b.t(shape)} -> {b.t(out)}", out)

    def ref(d, x):
        if kind == "max":
            fn = [F.max_pool1d, F.max_pool2d, F.max_pool3d][n - 1]
            return fn(x, kernel, stride, padding, dilation, ceil_mode=ceil)
        fn = [F.avg_pool1d, F.avg_pool2d, F.avg_pool3d][n - 1]
        extra = {} if n == 1 else {"divisor_override": divisor}
        return fn(x, kernel, stride, padding, ceil_mode=ceil, count_include_pad=include_pad,
                  **extra)

    name = (f"{kind}_pool_{sname(shape)}_k{''.join(map(str, kernel))}"
            f"s{''.join(map(str, stride))}p{''.join(map(str, padding))}"
            + (f"d{''.join(map(str, dilation))}" if any(v != 1 for v in dilation) else "")
            + ("_ceil" if ceil else "") + ("" if include_pad or kind == "max" else "_nopad")
            + (f"_div{divisor}" if divisor else ""))
    add(Case(name, [InputSpec(shape)], emit, ref, reduce_len=math.prod(kernel),
             exact=kind == "max"))


# ResNet's stem pool, overhanging ceil_mode windows, dilation, 1-D and 3-D.
pool_case("max", S(2, 3, 9, 11), [3, 3], [2, 2], [1, 1])
pool_case("max", S(1, 2, 8, 9), [3, 3], [2, 2], [0, 1], ceil=True)
pool_case("max", S(2, 3, 13), [3], [1], [1], dilation=[2])
pool_case("max", S(1, 2, 5, 6, 7), [2, 2, 2], [1, 2, 1], [1, 0, 1])
pool_case("avg", S(2, 3, 9, 11), [3, 3], [2, 2], [1, 1])
pool_case("avg", S(1, 2, 8, 9), [3, 3], [2, 2], [1, 1], ceil=True, include_pad=False)
pool_case("avg", S(1, 2, 8, 9), [3, 3], [2, 2], [0, 1], ceil=True)
pool_case("avg", S(2, 4, 7, 7), [2, 2], [1, 1], [0, 0], divisor=5)
pool_case("avg", S(3, 2, 17), [4], [3], [2], ceil=True)
pool_case("avg", S(1, 2, 5, 6, 7), [3, 2, 3], [2, 1, 2], [1, 0, 1], ceil=True,
          include_pad=False)


def reshape_case(shape, out):
    def emit(b, x):
        return b.op(f"kgen.reshape {x} : {b.t(shape)} -> {b.t(out)}", out)

    add(Case(f"reshape_{sname(shape)}_to_{sname(out)}", [InputSpec(shape)], emit,
             lambda d, x: x.reshape(out)))


reshape_case(S(4, 6), S(24))
reshape_case(S(2, 3, 5), S(5, 6))
reshape_case(S(30), S(2, 3, 5))
reshape_case(S(7, 13), S(1, 91, 1))
reshape_case(S(2, 3, 4, 5), S(6, 20))
reshape_case(S(1), S())


def broadcast_case(shape, out):
    def emit(b, x):
        return b.op(f"kgen.broadcast_to {x} : {b.t(shape)} -> {b.t(out)}", out)

    add(Case(f"broadcast_to_{sname(shape)}_to_{sname(out)}", [InputSpec(shape)], emit,
             lambda d, x: x.broadcast_to(out)))


broadcast_case(S(1, 5), S(4, 5))
broadcast_case(S(5), S(3, 4, 5))
broadcast_case(S(3, 1, 5), S(3, 7, 5))
broadcast_case(S(1), S(2, 3))
broadcast_case(S(), S(3, 4))
broadcast_case(S(6, 1), S(2, 6, 7))


def concat_case(shapes, dim):
    out = list(shapes[0])
    out[dim] = sum(s[dim] for s in shapes)
    out = tuple(out)

    def emit(b, *xs):
        tys = ", ".join(b.t(s) for s in shapes)
        return b.op(f"kgen.concat {', '.join(map(str, xs))} dim {dim} : ({tys}) -> {b.t(out)}",
                    out)

    add(Case(f"concat_{'_'.join(map(sname, shapes))}_dim{dim}", [InputSpec(s) for s in shapes],
             emit, lambda d, *xs: torch.cat(xs, dim=dim), exact=True))


concat_case([S(4, 2), S(4, 3)], 1)
concat_case([S(2, 3, 5), S(1, 3, 5), S(4, 3, 5)], 0)
concat_case([S(2, 3, 5), S(2, 1, 5), S(2, 0, 5), S(2, 7, 5)], 1)
concat_case([S(3, 4), S(3, 4)], 1)
concat_case([S(6)], 0)


def dense_literal(values: np.ndarray) -> str:
    if values.ndim == 0:
        return repr(float(values))
    return "[" + ", ".join(dense_literal(v) for v in values) + "]"


def constant_case(tag, values, splat=False, plus_input=False):
    values = np.asarray(values, dtype=np.float64)
    shape = values.shape
    lit = repr(float(values.flat[0])) if splat else dense_literal(values)

    def emit(b, *x):
        c = b.op(f"kgen.constant dense<{lit}> : {b.t(shape)}", shape)
        if not plus_input:
            return c
        return b.op(f"kgen.add {x[0]}, {c} : ({b.t(shape)}, {b.t(shape)}) -> {b.t(shape)}",
                    shape)

    def ref(d, *x):
        # The literal is rounded to the element type when parsed.
        c = torch64(round_to(values, d))
        return c + x[0] if plus_input else c

    add(Case(f"constant_{tag}", [InputSpec(shape)] if plus_input else [], emit, ref))


constant_case("2x3", [[0.5, -1.25, 2.0], [3.0, -0.75, 1.5]])
constant_case("splat_3x4", np.full((3, 4), 1.5), splat=True)
constant_case("inexact_5_plus_input", [0.1, 0.2, 0.3, -0.7, 1.1], plus_input=True)
constant_case("2x2x2_plus_input", np.arange(8, dtype=np.float64).reshape(2, 2, 2) - 3.5,
              plus_input=True)


# ---------------------------------------------------------------------------
# Functions with several ops or results (argument/result plumbing)
# ---------------------------------------------------------------------------

def _multi_emit(b, x):
    s = b.op(f"kgen.sum {x} dims [1] : {b.t((7, 13))} -> {b.t((7,))}", (7,))
    m = b.op(f"kgen.max {x} dims [0] keepdim : {b.t((7, 13))} -> {b.t((1, 13))}", (1, 13))
    e = b.op(f"kgen.exp {x} : {b.t((7, 13))}", (7, 13))
    return [m, s, e]


add(Case("multi_result_max_sum_exp", [InputSpec((7, 13))], _multi_emit,
         lambda d, x: (torch.amax(x, dim=0, keepdim=True), torch.sum(x, dim=1), torch.exp(x)),
         reduce_len=13))


def _same_arg_twice(b, x):
    return b.op(f"kgen.mul {x}, {x} : ({b.t((5, 6))}, {b.t((5, 6))}) -> {b.t((5, 6))}", (5, 6))


add(Case("mul_same_arg_twice", [InputSpec((5, 6))], _same_arg_twice, lambda d, x: x * x))


def _chain(b, x, y):
    # (relu(x @ y), sum(relu(x @ y) * 0.5, dim 1)): no cancellation after the
    # matmul, so the check holds whether or not kgen rounds intermediates of
    # a reduced dtype (within the 2-ulp store tolerance).
    m = b.op(f"kgen.matmul {x}, {y} : ({b.t((6, 9))}, {b.t((9, 7))}) -> {b.t((6, 7))}", (6, 7))
    r = b.op(f"kgen.relu {m} : {b.t((6, 7))}", (6, 7))
    h = b.scalar(0.5)
    q = b.op(f"kgen.mul {r}, {h} : ({b.t((6, 7))}, {b.dtype}) -> {b.t((6, 7))}", (6, 7))
    s = b.op(f"kgen.sum {q} dims [1] : {b.t((6, 7))} -> {b.t((6,))}", (6,))
    return [r, s]


def _chain_ref(d, x, y):
    # PyTorch eager rounds each op's result to the dtype.
    r = torch.relu(torch64(round_to((x @ y).numpy(), d)))
    return r, (r * 0.5).sum(dim=1)


add(Case("chain_matmul_relu_mul_sum", [InputSpec((6, 9)), InputSpec((9, 7))], _chain,
         _chain_ref, reduce_len=9))


def _matmul_tril(b, x, y):
    # The mask as the gemm's epilogue (KernelBench's triangular products), at
    # a size the tensor-core schedules take.
    shape = (64, 64)
    m = b.op(f"kgen.matmul {x}, {y} : ({b.t(shape)}, {b.t(shape)}) -> {b.t(shape)}", shape)
    return b.op(f"kgen.tril {m} diagonal -1 : {b.t(shape)}", shape)


add(Case("matmul_tril_64", [InputSpec((64, 64)), InputSpec((64, 64))], _matmul_tril,
         lambda d, x, y: torch.tril(torch64(round_to((x @ y).numpy(), d)), -1), reduce_len=64))


def _return_aliases(b, x):
    # An argument returned as is (twice), a reshape (a view of the
    # argument's buffer) and a constant, next to a computed result.
    e = b.op(f"kgen.exp {x} : {b.t((4, 6))}", (4, 6))
    r = b.op(f"kgen.reshape {x} : {b.t((4, 6))} -> {b.t((2, 12))}", (2, 12))
    c = b.op(f"kgen.constant dense<2.5> : {b.t((3,))}", (3,))
    return [Value(str(x), (4, 6)), e, r, c, Value(str(x), (4, 6))]


add(Case("return_argument_view_constant", [InputSpec((4, 6))], _return_aliases,
         lambda d, x: (x, torch.exp(x), x.reshape(2, 12),
                       torch.full((3,), 2.5, dtype=torch.float64), x)))


def _return_twice(b, x):
    e = b.op(f"kgen.exp {x} : {b.t((4, 6))}", (4, 6))
    return [e, e]


add(Case("return_same_result_twice", [InputSpec((4, 6))], _return_twice,
         lambda d, x: (torch.exp(x), torch.exp(x))))


def _result_views(b, x):
    e = b.op(f"kgen.exp {x} : {b.t((4, 6))}", (4, 6))
    r = b.op(f"kgen.reshape {e} : {b.t((4, 6))} -> {b.t((2, 12))}", (2, 12))
    q = b.op(f"kgen.reshape {e} : {b.t((4, 6))} -> {b.t((24,))}", (24,))
    return [q, e, r]


add(Case("return_result_and_its_reshapes", [InputSpec((4, 6))], _result_views,
         lambda d, x: (torch.exp(x).reshape(24), torch.exp(x), torch.exp(x).reshape(2, 12))))

# No-op forms.
permute_case(S(4, 6, 5), [0, 1, 2])
reshape_case(S(4, 6), S(4, 6))
broadcast_case(S(4, 6), S(4, 6))
reduce_case("sum", S(1, 6), [0], True)
reduce_case("mean", S(5, 1), [1], False)


# ---------------------------------------------------------------------------
# Precision, range and layout stress
# ---------------------------------------------------------------------------

# f16/bf16 must accumulate in f32: a 2048-term sum of values in [0, 1)
# (~1024, where an f16 ulp is 1) or a K=512 dot product would be far off
# with a reduced-precision accumulator.
add(Case("sum_2048_positive_accumulation", [InputSpec((2048,), 0.0, 1.0)],
         lambda b, x: b.op(f"kgen.sum {x} dims [0] : {b.t((2048,))} -> {b.t(())}", ()),
         lambda d, x: x.sum(), reduce_len=2048))
matmul_case(4, 512, 3)
softmax_case("softmax", S(3, 1000), 1, low=-3.0, high=3.0, tag="_long")
bmm_case(16, 8, 16, 8)
linear_case((5, 7), 1, True)
conv_case("stride3_k2_pad2", 1, 2, (8, 9), 3, (2, 2), (3, 3), (2, 2), (1, 1), 1, True)
unary_case("gelu", S(7, 13), lambda x: F.gelu(x), -10, 10, tag="exact_wide")

# Overflow on the final rounding: exp of [10, 12) exceeds f16's 65504 for
# x > 11.09 and must give +inf, as PyTorch does.
add(Case("exp_f16_overflow_to_inf", [InputSpec((5, 9), 10.0, 12.0)],
         lambda b, x: b.op(f"kgen.exp {x} : {b.t((5, 9))}", (5, 9)),
         lambda d, x: torch.exp(x), dtypes=("f16",)))


# Subnormal (denormal) inputs and results must not be flushed to zero. The
# results are exact (x * 0.5 and x + y of subnormals round the same way in
# f32 and float64), so compared exactly.
def _subnormal_cases(tag, scale, dtypes):
    sh = (6, 11)

    def emit_mul(b, x):
        h = b.scalar(0.5)
        return b.op(f"kgen.mul {x}, {h} : ({b.t(sh)}, {b.dtype}) -> {b.t(sh)}", sh)

    def emit_add(b, x, y):
        return b.op(f"kgen.add {x}, {y} : ({b.t(sh)}, {b.t(sh)}) -> {b.t(sh)}", sh)

    add(Case(f"mul_subnormal_{tag}", [InputSpec(sh, scale=scale)], emit_mul,
             lambda d, x: x * 0.5, dtypes=dtypes, exact=True))
    add(Case(f"add_subnormal_{tag}", [InputSpec(sh, scale=scale), InputSpec(sh, scale=scale)],
             emit_add, lambda d, x, y: x + y, dtypes=dtypes, exact=True))


_subnormal_cases("f32_bf16", 2e-38, ("f32", "bf16"))
_subnormal_cases("f16", 1e-4, ("f16",))


def _permute_reshape(b, x):
    p = b.op(f"kgen.permute {x} dims [2, 0, 1] : {b.t((2, 3, 4))} -> {b.t((4, 2, 3))}",
             (4, 2, 3))
    r = b.op(f"kgen.reshape {p} : {b.t((4, 2, 3))} -> {b.t((8, 3))}", (8, 3))
    q = b.op(f"kgen.permute {r} dims [1, 0] : {b.t((8, 3))} -> {b.t((3, 8))}", (3, 8))
    return [r, q]


add(Case("chain_permute_reshape_permute", [InputSpec((2, 3, 4))], _permute_reshape,
         lambda d, x: (x.permute(2, 0, 1).reshape(8, 3), x.permute(2, 0, 1).reshape(8, 3).T)))


def _bcast_reduce(b, x):
    y = b.op(f"kgen.broadcast_to {x} : {b.t((1, 5))} -> {b.t((4, 5))}", (4, 5))
    return b.op(f"kgen.sum {y} dims [0] : {b.t((4, 5))} -> {b.t((5,))}", (5,))


add(Case("chain_broadcast_to_sum", [InputSpec((1, 5))], _bcast_reduce,
         lambda d, x: x.broadcast_to(4, 5).sum(0), reduce_len=4))


# ---------------------------------------------------------------------------
# IEEE special values and overflow-prone formulas
# ---------------------------------------------------------------------------

INF = float("inf")


def special_binary_case(op, lhs_choices, rhs_choices, shape=(6, 8)):
    def emit(b, x, y):
        return b.op(f"kgen.{op} {x}, {y} : ({b.t(shape)}, {b.t(shape)}) -> {b.t(shape)}", shape)

    add(Case(f"{op}_special_values", [InputSpec(shape, choices=tuple(lhs_choices)),
                                      InputSpec(shape, choices=tuple(rhs_choices))],
             emit, lambda d, x, y: BINARY_REF[op](x, y)))


# pow: negative bases with integral exponents are finite (x**2, x**3, x**-1),
# with fractional ones NaN; 0**0 = 1, 0**-1 = inf, as torch.pow.
special_binary_case("pow", [-2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0],
                    [-2.0, -1.0, 0.0, 0.5, 1.0, 2.0, 3.0])
# div: x/0 = ±inf, 0/0 = NaN.
special_binary_case("div", [-1.0, 0.0, 1.0, 2.5], [-1.0, 0.0, 0.5, 2.0])
special_binary_case("maximum", [-INF, -1.0, 0.0, 1.0, INF], [-INF, -0.5, 0.0, 2.0, INF])
special_binary_case("add", [-INF, -1.0, 0.0, 1.0, INF], [-INF, -0.5, 0.0, 2.0, INF])
binary_case("pow", S(7, 13), 2.0, "negative_base_scalar2")
binary_case("pow", S(7, 13), 3.0, "negative_base_scalar3")
# (binary_case gives pow bases in [0.1, 2): re-spec the two above for [-2, 2).)
for _c in CASES[-2:]:
    _c.inputs = [InputSpec((7, 13), -2.0, 2.0)]

SPECIAL_UNARY = {  # op: (reference, choices)
    "log": (torch.log, [0.0, -1.0, 1.0, 0.5, INF]),
    "sqrt": (torch.sqrt, [0.0, -1.0, 4.0, 0.25, INF]),
    "rsqrt": (torch.rsqrt, [0.0, -1.0, 4.0, 0.25, INF]),
    "exp": (torch.exp, [-INF, -1.0, 0.0, 1.0, INF]),
    "tanh": (torch.tanh, [-INF, -1.0, 0.0, 1.0, INF]),
    "sigmoid": (torch.sigmoid, [-INF, -1.0, 0.0, 1.0, INF]),
    "abs": (torch.abs, [-INF, -1.0, 0.0, 1.0, INF]),
    "relu": (torch.relu, [-INF, -1.0, 0.0, 1.0, INF]),
}
for _op, (_ref, _choices) in SPECIAL_UNARY.items():
    add(Case(f"{_op}_special_values", [InputSpec((5, 7), choices=tuple(_choices))],
             (lambda op: lambda b, x: b.op(f"kgen.{op} {x} : {b.t((5, 7))}", (5, 7)))(_op),
             (lambda ref: lambda d, x: ref(x))(_ref)))

# Formulas written with exp overflow for large |x| (e.g. tanh as
# (e^2x - 1) / (e^2x + 1) gives inf/inf = NaN beyond x ~ 44).
unary_case("tanh", S(5, 9), torch.tanh, -100, 100, tag="large_inputs")
unary_case("sigmoid", S(5, 9), torch.sigmoid, -100, 100, tag="large_inputs")
unary_case("silu", S(5, 9), F.silu, -100, 100, tag="large_inputs")
unary_case("gelu", S(5, 9), lambda x: F.gelu(x), -100, 100, tag="exact_large_inputs")
unary_case("gelu", S(5, 9), lambda x: F.gelu(x, approximate="tanh"), -100, 100,
           attrs=" approximate<tanh>", tag="tanh_large_inputs")
softmax_case("log_softmax", S(4, 9), 1, low=-100.0, high=100.0, tag="_huge_range")
layer_norm_case("3x5x7_ns3x5x7_all_dims", S(3, 5, 7), [3, 5, 7], True, True, 1e-5)
rms_norm_case("ns13_1d_weight", S(13,), [13], True, 1e-6)


def cases_by_name() -> dict:
    return {c.name: c for c in CASES}
