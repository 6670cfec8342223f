"""Emission of kgen ops as MLIR text, with shape inference.

`Builder` appends one line per op to a function body and returns a `V`
(an SSA value with its static shape). Every method computes the result
shape itself, as kgen's verifiers do, so the importer can check it against
the shape PyTorch produced on the example inputs.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Dict, List, Optional, Sequence, Tuple

import torch

from . import mlir


class Unsupported(Exception):
    """An op, or a use of an op, that has no kgen equivalent.

    `reason` says what about it (None: the op itself is not mapped); `op`
    overrides the name under which it is reported.
    """

    def __init__(self, reason: Optional[str] = None, op: Optional[str] = None):
        super().__init__(reason or "unsupported")
        self.reason = reason
        self.op = op


@dataclasses.dataclass(frozen=True)
class V:
    """An SSA value: a tensor (`shape` is a tuple) or a scalar (`shape` None)."""
    name: str
    shape: Optional[Tuple[int, ...]]
    dtype: str
    # A PyTorch bool tensor, held as 1/0 in the element type (comparisons).
    mask: bool = False

    @property
    def is_scalar(self) -> bool:
        return self.shape is None

    @property
    def rank(self) -> int:
        return len(self.shape)

    @property
    def type(self) -> str:
        return self.dtype if self.shape is None else mlir.tensor_type(self.shape, self.dtype)

    def __str__(self) -> str:
        return self.name


def broadcast_shapes(a: Sequence[int], b: Sequence[int]) -> Tuple[int, ...]:
    """PyTorch's broadcasting of two shapes (raises Unsupported if they do
    not broadcast, which PyTorch would have refused too)."""
    out = []
    for i in range(max(len(a), len(b))):
        x = a[len(a) - 1 - i] if i < len(a) else 1
        y = b[len(b) - 1 - i] if i < len(b) else 1
        if x != y and x != 1 and y != 1:
            raise Unsupported(f"shapes {tuple(a)} and {tuple(b)} do not broadcast")
        out.append(y if x == 1 else x)
    return tuple(reversed(out))


def normalize_dim(d: int, rank: int) -> int:
    """PyTorch's dim wrapping: -1 is the last dimension (rank 0 allows -1, 0)."""
    d = int(d)
    r = max(rank, 1)
    if not -r <= d < r:
        raise Unsupported(f"dimension {d} out of range for rank {rank}")
    return d % r


def pooled_size(size: int, kernel: int, stride: int, padding: int, dilation: int,
                ceil_mode: bool) -> int:
    """A pooled dim's size, as PyTorch's pooling_output_shape computes it."""
    span = size + 2 * padding - dilation * (kernel - 1) - 1
    out = (span + (stride - 1 if ceil_mode else 0)) // stride + 1
    if ceil_mode and (out - 1) * stride >= size + padding:
        out -= 1
    return out


class Builder:
    """Writes the body of one func.func."""

    def __init__(self, dtype: str):
        self.dtype = dtype
        self.lines: List[str] = []
        self._names: Dict[str, int] = {}
        self._used = set()
        self._scalars: Dict[Tuple[str, str], V] = {}
        self.hint = "v"

    # -- names ------------------------------------------------------------
    def fresh(self, hint: Optional[str] = None) -> str:
        base = mlir.ssa_name(hint or self.hint)
        n = self._names.get(base, 0)
        while True:
            name = base if n == 0 else f"{base}_{n}"
            n += 1
            if name not in self._used:
                break
        self._names[base] = n
        self._used.add(name)
        return "%" + name

    def reserve(self, hint: str) -> str:
        """A fresh name for a function argument."""
        return self.fresh(hint)

    # -- leaves -----------------------------------------------------------
    def scalar(self, value) -> V:
        """An `arith.constant` of the element type (deduplicated)."""
        if isinstance(value, bool):
            value = float(value)
        if not isinstance(value, (int, float)):
            raise Unsupported(f"operand {value!r} is neither a tensor nor a number")
        lit = mlir.scalar_literal(float(value), self.dtype)
        key = (lit, self.dtype)
        if key not in self._scalars:
            name = self.fresh("cst")
            self.lines.append(f"{name} = arith.constant {lit} : {self.dtype}")
            self._scalars[key] = V(name, None, self.dtype)
        return self._scalars[key]

    def constant(self, value: torch.Tensor, hint: Optional[str] = None) -> V:
        shape = tuple(int(d) for d in value.shape)
        # A bool constant is a 1/0 mask in the element type, as comparisons
        # make them.
        r = V(self.fresh(hint), shape, self.dtype, mask=value.dtype == torch.bool)
        self.lines.append(f"{r} = kgen.constant {mlir.dense(value, self.dtype)} : {r.type}")
        return r

    def operand(self, x) -> V:
        """A tensor V as is; a Python number as an `arith.constant`."""
        if isinstance(x, V):
            return x
        return self.scalar(x)

    def _emit(self, shape, text: str, dtype: Optional[str] = None) -> V:
        r = V(self.fresh(), tuple(int(d) for d in shape), dtype or self.dtype)
        self.lines.append(f"{r} = {text.format(r=r)}")
        return r

    # -- elementwise ------------------------------------------------------
    def unary(self, op: str, x: V, attrs: str = "") -> V:
        return self._emit(x.shape, f"kgen.{op} {x}{attrs} : {x.type}")

    def binary(self, op: str, a, b) -> V:
        a, b = self.operand(a), self.operand(b)
        if a.is_scalar and b.is_scalar:
            raise Unsupported("both operands are scalars")
        shape = broadcast_shapes(a.shape or (), b.shape or ())
        t = mlir.tensor_type(shape, self.dtype)
        return self._emit(shape, f"kgen.{op} {a}, {b} : ({a.type}, {b.type}) -> {t}")

    def compare(self, op: str, a, b) -> V:
        """kgen.eq/ne/lt/le/gt/ge: a bool tensor, 1/0 in the element type."""
        return dataclasses.replace(self.binary(op, a, b), mask=True)

    def where(self, condition, on_true, on_false) -> V:
        c, t, f = (self.operand(x) for x in (condition, on_true, on_false))
        if c.is_scalar and t.is_scalar and f.is_scalar:
            raise Unsupported("all three operands are scalars")
        shape = ()
        for x in (c, t, f):
            shape = broadcast_shapes(shape, x.shape or ())
        ty = mlir.tensor_type(shape, self.dtype)
        return self._emit(shape, f"kgen.where {c}, {t}, {f} : ({c.type}, {t.type}, {f.type}) "
                                 f"-> {ty}")

    def convert(self, x: V, dtype: str, mask: bool = False) -> V:
        """kgen.convert of `x` to `dtype` ('i8' is PyTorch's bool)."""
        r = V(self.fresh(), x.shape, dtype, mask)
        self.lines.append(f"{r} = kgen.convert {x} : {x.type} -> {r.type}")
        return r

    def clamp(self, x: V, lo: Optional[float], hi: Optional[float]) -> V:
        attrs = ""
        if lo is not None:
            attrs += f" min {mlir.f64(lo)}"
        if hi is not None:
            attrs += f" max {mlir.f64(hi)}"
        if not attrs:
            return x
        return self.unary("clamp", x, attrs)

    # -- contractions -----------------------------------------------------
    def matmul(self, a: V, b: V) -> V:
        if a.rank != 2 or b.rank != 2 or a.shape[1] != b.shape[0]:
            raise Unsupported(f"matmul of {a.shape} and {b.shape}")
        shape = (a.shape[0], b.shape[1])
        t = mlir.tensor_type(shape, self.dtype)
        return self._emit(shape, f"kgen.matmul {a}, {b} : ({a.type}, {b.type}) -> {t}")

    def batch_matmul(self, a: V, b: V) -> V:
        if (a.rank != 3 or b.rank != 3 or a.shape[0] != b.shape[0]
                or a.shape[2] != b.shape[1]):
            raise Unsupported(f"batch_matmul of {a.shape} and {b.shape}")
        shape = (a.shape[0], a.shape[1], b.shape[2])
        t = mlir.tensor_type(shape, self.dtype)
        return self._emit(shape, f"kgen.batch_matmul {a}, {b} : ({a.type}, {b.type}) -> {t}")

    def matmul_nd(self, a: V, b: V) -> V:
        """torch.matmul on any ranks >= 1, as kgen.matmul/batch_matmul plus
        reshapes and broadcasts."""
        ra, rb = a.rank, b.rank
        if ra == 0 or rb == 0:
            raise Unsupported("matmul of a 0-d tensor")
        if ra == 1 and rb == 1:
            r = self.matmul(self.reshape(a, (1, a.shape[0])), self.reshape(b, (b.shape[0], 1)))
            return self.reshape(r, ())
        if ra == 1:
            r = self.matmul_nd(self.reshape(a, (1, a.shape[0])), b)
            return self.reshape(r, r.shape[:-2] + r.shape[-1:])
        if rb == 1:
            r = self.matmul_nd(a, self.reshape(b, (b.shape[0], 1)))
            return self.reshape(r, r.shape[:-1])
        if ra == 2 and rb == 2:
            return self.matmul(a, b)
        if rb == 2:
            # [..., M, K] @ [K, N]: fold the batch into M, as PyTorch does.
            batch = a.shape[:-1]
            r = self.matmul(self.reshape(a, (math.prod(batch), a.shape[-1])), b)
            return self.reshape(r, batch + (b.shape[1],))
        batch = broadcast_shapes(a.shape[:-2], b.shape[:-2])
        nb = math.prod(batch)
        a3 = self.reshape(self.broadcast_to(a, batch + a.shape[-2:]), (nb,) + a.shape[-2:])
        b3 = self.reshape(self.broadcast_to(b, batch + b.shape[-2:]), (nb,) + b.shape[-2:])
        r = self.batch_matmul(a3, b3)
        return self.reshape(r, batch + r.shape[1:])

    def linear(self, x: V, w: V, bias: Optional[V]) -> V:
        if x.rank < 1 or w.rank != 2 or x.shape[-1] != w.shape[1]:
            raise Unsupported(f"linear of input {x.shape} and weight {w.shape}")
        if bias is not None and bias.shape != (w.shape[0],):
            # Other bias shapes broadcast in PyTorch: add them separately.
            return self.binary("add", self.linear(x, w, None), bias)
        shape = x.shape[:-1] + (w.shape[0],)
        t = mlir.tensor_type(shape, self.dtype)
        ops = [x, w] + ([bias] if bias is not None else [])
        types = ", ".join(v.type for v in ops)
        names = ", ".join(str(v) for v in ops)
        return self._emit(shape, f"kgen.linear {names} : ({types}) -> {t}")

    def conv(self, x: V, w: V, bias: Optional[V], stride, padding, dilation, groups: int) -> V:
        s = w.rank - 2
        if s not in (1, 2, 3):
            raise Unsupported(f"convolution with a weight of rank {w.rank}")
        if x.rank == s + 1:  # unbatched input
            r = self.conv(self.reshape(x, (1,) + x.shape), w, bias, stride, padding,
                          dilation, groups)
            return self.reshape(r, r.shape[1:])
        if x.rank != s + 2:
            raise Unsupported(f"conv{s}d of an input of rank {x.rank}")
        n, c = x.shape[:2]
        f = w.shape[0]
        if c != w.shape[1] * groups or f % groups:
            raise Unsupported(f"conv of input {x.shape}, weight {w.shape}, groups {groups}")
        out = []
        for i in range(s):
            k = w.shape[2 + i]
            o = (x.shape[2 + i] + 2 * padding[i] - dilation[i] * (k - 1) - 1) // stride[i] + 1
            out.append(o)
        shape = (n, f) + tuple(out)
        if bias is not None and bias.shape != (f,):
            raise Unsupported(f"conv bias of shape {bias.shape}")
        t = mlir.tensor_type(shape, self.dtype)
        ops = [x, w] + ([bias] if bias is not None else [])
        types = ", ".join(v.type for v in ops)
        names = ", ".join(str(v) for v in ops)
        return self._emit(shape, (
            f"kgen.conv {names} stride {mlir.ints(stride)} padding {mlir.ints(padding)} "
            f"dilation {mlir.ints(dilation)} groups {int(groups)} : ({types}) -> {t}"))

    def conv_transpose(self, x: V, w: V, bias: Optional[V], stride, padding, output_padding,
                       dilation, groups: int) -> V:
        """kgen.conv_transpose; an unbatched input gets a batch of one."""
        s = w.rank - 2
        if s not in (1, 2, 3):
            raise Unsupported(f"transposed convolution with a weight of rank {w.rank}")
        if x.rank == s + 1:  # unbatched input
            r = self.conv_transpose(self.reshape(x, (1,) + x.shape), w, bias, stride, padding,
                                    output_padding, dilation, groups)
            return self.reshape(r, r.shape[1:])
        if x.rank != s + 2 or x.shape[1] != w.shape[0] or x.shape[1] % groups:
            raise Unsupported(f"conv_transpose of input {x.shape}, weight {w.shape}, "
                              f"groups {groups}")
        f = w.shape[1] * groups
        out = tuple((x.shape[2 + i] - 1) * stride[i] - 2 * padding[i]
                    + dilation[i] * (w.shape[2 + i] - 1) + output_padding[i] + 1
                    for i in range(s))
        if bias is not None and bias.shape != (f,):
            raise Unsupported(f"conv_transpose bias of shape {bias.shape}")
        shape = (x.shape[0], f) + out
        ops = [x, w] + ([bias] if bias is not None else [])
        types = ", ".join(v.type for v in ops)
        names = ", ".join(str(v) for v in ops)
        return self._emit(shape, (
            f"kgen.conv_transpose {names} stride {mlir.ints(stride)} "
            f"padding {mlir.ints(padding)} output_padding {mlir.ints(output_padding)} "
            f"dilation {mlir.ints(dilation)} groups {int(groups)} : ({types}) -> "
            f"{mlir.tensor_type(shape, self.dtype)}"))

    # -- reductions and normalizations -------------------------------------
    def reduce(self, op: str, x: V, dims: Sequence[int], keepdim: bool) -> V:
        dims = sorted(set(dims))
        if not dims or x.rank == 0:  # reducing a 0-d tensor is the identity
            return x
        if keepdim:
            shape = tuple(1 if i in dims else d for i, d in enumerate(x.shape))
        else:
            shape = tuple(d for i, d in enumerate(x.shape) if i not in dims)
        t = mlir.tensor_type(shape, self.dtype)
        kd = " keepdim" if keepdim else ""
        return self._emit(shape, f"kgen.{op} {x} dims {mlir.ints(dims)}{kd} : {x.type} -> {t}")

    def arg_reduce(self, op: str, x: V, dim: int, keepdim: bool) -> V:
        """kgen.argmax / kgen.argmin along `dim`: an i64 tensor of positions."""
        if keepdim:
            shape = tuple(1 if i == dim else d for i, d in enumerate(x.shape))
        else:
            shape = tuple(d for i, d in enumerate(x.shape) if i != dim)
        r = V(self.fresh(), shape, "i64")
        kd = " keepdim" if keepdim else ""
        self.lines.append(f"{r} = kgen.{op} {x} dim {dim}{kd} : {x.type} -> {r.type}")
        return r

    def softmax(self, op: str, x: V, dim: int) -> V:
        if x.rank == 0:
            raise Unsupported(f"{op} of a 0-d tensor")
        return self._emit(x.shape, f"kgen.{op} {x} dim {int(dim)} : {x.type}")

    def scan(self, op: str, x: V, dim: int) -> V:
        """kgen.cumsum / kgen.cumprod along dim; a 0-d tensor is its own scan."""
        if x.rank == 0:
            return x
        return self._emit(x.shape, f"kgen.{op} {x} dim {int(dim)} : {x.type}")

    def layer_norm(self, x: V, normalized_shape, weight: Optional[V], bias: Optional[V],
                   eps: float) -> V:
        ops = [x]
        text = f"kgen.layer_norm {x}"
        if weight is not None:
            text += f" weight {weight}"
            ops.append(weight)
        if bias is not None:
            text += f" bias {bias}"
            ops.append(bias)
        types = ", ".join(v.type for v in ops)
        text += (f" normalized_shape {mlir.ints(normalized_shape)} eps {mlir.f64(eps)}"
                 f" : ({types}) -> {x.type}")
        return self._emit(x.shape, text)

    def attention(self, q: V, k: V, v: V, mask: Optional[V], scale: float,
                  causal: bool) -> V:
        """kgen.attention: softmax(q·kᵀ·scale + mask) · v, causal or masked."""
        ops = [q, k, v] + ([mask] if mask is not None else [])
        text = f"kgen.attention {q}, {k}, {v}"
        if mask is not None:
            text += f" mask {mask}"
        text += f" scale {mlir.f64(scale)}" + (" causal" if causal else "")
        types = ", ".join(o.type for o in ops)
        shape = q.shape[:-1] + (v.shape[-1],)
        return self._emit(shape, f"{text} : ({types}) -> {mlir.tensor_type(shape, self.dtype)}")

    def rms_norm(self, x: V, normalized_shape, weight: Optional[V], eps: Optional[float]) -> V:
        ops = [x]
        text = f"kgen.rms_norm {x}"
        if weight is not None:
            text += f" weight {weight}"
            ops.append(weight)
        text += f" normalized_shape {mlir.ints(normalized_shape)}"
        if eps is not None:
            text += f" eps {mlir.f64(eps)}"
        types = ", ".join(v.type for v in ops)
        text += f" : ({types}) -> {x.type}"
        return self._emit(x.shape, text)

    # -- data movement ----------------------------------------------------
    def permute(self, x: V, dims: Sequence[int]) -> V:
        dims = [int(d) for d in dims]
        if sorted(dims) != list(range(x.rank)):
            raise Unsupported(f"permutation {dims} of a rank-{x.rank} tensor")
        if dims == list(range(x.rank)):
            return x
        shape = tuple(x.shape[d] for d in dims)
        t = mlir.tensor_type(shape, self.dtype)
        return self._emit(shape, f"kgen.permute {x} dims {mlir.ints(dims)} : {x.type} -> {t}")

    def slice(self, x: V, offsets: Sequence[int], sizes: Sequence[int],
              strides: Sequence[int]) -> V:
        """x[offsets[d] : ... : strides[d]] with sizes[d] elements per
        dimension (normalized, in bounds: the caller's job)."""
        offsets, sizes, strides = ([int(v) for v in vs] for vs in (offsets, sizes, strides))
        if list(sizes) == list(x.shape):
            return x
        shape = tuple(sizes)
        t = mlir.tensor_type(shape, self.dtype)
        return self._emit(shape, f"kgen.slice {x} offsets {mlir.ints(offsets)} "
                                 f"strides {mlir.ints(strides)} : {x.type} -> {t}")

    def along(self, x: V, dim: int, start: int, size: int) -> V:
        """x[..., start:start + size, ...] along dim (in bounds)."""
        offsets = [start if d == dim else 0 for d in range(x.rank)]
        shape = [size if d == dim else n for d, n in enumerate(x.shape)]
        return self.slice(x, offsets, shape, [1] * x.rank)

    def flip(self, x: V, dims: Sequence[int]) -> V:
        dims = sorted({int(d) for d in dims if x.shape[int(d)] > 1})
        if not dims:
            return x
        return self._emit(x.shape, f"kgen.flip {x} dims {mlir.ints(dims)} : {x.type}")

    def pool(self, kind: str, x: V, kernel, stride, padding, dilation, ceil_mode: bool,
             count_include_pad: bool, divisor: Optional[int]) -> V:
        """kgen.max_pool / kgen.avg_pool of x's last len(kernel) dims."""
        n = len(kernel)
        out = tuple(x.shape[:-n]) + tuple(
            pooled_size(x.shape[x.rank - n + i], kernel[i], stride[i], padding[i],
                        dilation[i], ceil_mode) for i in range(n))
        attrs = (f"kernel {mlir.ints(kernel)} stride {mlir.ints(stride)} "
                 f"padding {mlir.ints(padding)} dilation {mlir.ints(dilation)}")
        if ceil_mode:
            attrs += " ceil_mode"
        if kind == "avg" and count_include_pad:
            attrs += " count_include_pad"
        if kind == "avg" and divisor is not None:
            attrs += f" divisor {int(divisor)}"
        return self._emit(out, f"kgen.{kind}_pool {x} {attrs} : {x.type} -> "
                               f"{mlir.tensor_type(out, self.dtype)}")

    def triangle(self, op: str, x: V, diagonal: int) -> V:
        """kgen.tril or kgen.triu of x's last two dims."""
        return self._emit(x.shape, f"kgen.{op} {x} diagonal {int(diagonal)} : {x.type}")

    def reshape(self, x: V, shape: Sequence[int]) -> V:
        shape = tuple(int(d) for d in shape)
        if shape == x.shape:
            return x
        if math.prod(shape) != math.prod(x.shape):
            raise Unsupported(f"reshape of {x.shape} to {shape}")
        t = mlir.tensor_type(shape, x.dtype)
        return self._emit(shape, f"kgen.reshape {x} : {x.type} -> {t}", x.dtype)

    def gather(self, x: V, index: V, dim: int, fill: Optional[float] = None) -> V:
        """kgen.gather: x's elements at the i64 positions `index` along dim
        (outside positions read `fill`, 0 when None)."""
        t = mlir.tensor_type(index.shape, self.dtype)
        f = "" if fill is None else f" fill {mlir.f64(fill)}"
        return self._emit(index.shape,
                          f"kgen.gather {x}, {index} dim {dim}{f} : ({x.type}, {index.type}) -> {t}")

    def concat(self, xs: Sequence[V], dim: int) -> V:
        """kgen.concat of xs along dim (already normalized for their rank).
        PyTorch's legacy empty 1-D inputs beside higher-rank ones are
        skipped, as torch.cat skips them."""
        rank = max(x.rank for x in xs)
        xs = [x for x in xs if not (rank > 1 and x.shape == (0,))]
        if len(xs) == 1:
            return xs[0]
        shape = list(xs[0].shape)
        shape[dim] = sum(x.shape[dim] for x in xs)
        types = ", ".join(x.type for x in xs)
        t = mlir.tensor_type(shape, self.dtype)
        return self._emit(shape, f"kgen.concat {', '.join(map(str, xs))} dim {int(dim)} : "
                                 f"({types}) -> {t}")

    def broadcast_to(self, x: V, shape: Sequence[int]) -> V:
        shape = tuple(int(d) for d in shape)
        if shape == x.shape:
            return x
        if broadcast_shapes(x.shape, shape) != shape:
            raise Unsupported(f"broadcast of {x.shape} to {shape}")
        t = mlir.tensor_type(shape, x.dtype)
        return self._emit(shape, f"kgen.broadcast_to {x} : {x.type} -> {t}", x.dtype)
