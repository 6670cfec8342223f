"""The op mapping: PyTorch functions, Tensor methods, nn.Modules and aten
ops, each to kgen ops.

A handler is `fn(b, a, ctx) -> V`: `b` is the `Builder`, `a` the call's
arguments bound to parameter names (tensors as `V`, everything else as
Python values), `ctx` the `Ctx` of the node being imported. Handlers raise
`Unsupported(reason)` for uses kgen cannot express (a reduction `dtype`,
`rounding_mode`, asymmetric 'same' padding...).

`FUNCTIONS` maps keys to `(Sig, handler)`. Keys are qualified names:
`torch.add`, `torch.nn.functional.relu`, `operator.add`, `Tensor.add` (a
method), `aten.add` (any overload of an aten op; its arguments are bound by
the op's schema). `MODULES` maps torch.nn class names to module handlers.
`docs/frontend.md` has the table in prose.
"""

from __future__ import annotations

import ast
import dataclasses
import math
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import torch

from .builder import Builder, Unsupported, V, normalize_dim


# ---------------------------------------------------------------------------
# Argument binding
# ---------------------------------------------------------------------------

class Sig:
    """A parameter list such as "input, other, alpha=1" or "input, *dims".

    `*name` collects the remaining positional arguments (a single list or
    tuple argument is taken as the whole collection, as Tensor.view does);
    a trailing `**` accepts, and ignores, any other keyword argument.
    """

    def __init__(self, spec: str):
        self.names: List[str] = []
        self.defaults: Dict[str, Any] = {}
        self.var: Optional[str] = None
        self.any_kwargs = False
        for part in (p.strip() for p in spec.split(",")):
            if not part:
                continue
            if part == "**":
                self.any_kwargs = True
            elif part.startswith("*"):
                self.var = part[1:]
            elif "=" in part:
                name, default = part.split("=", 1)
                self.names.append(name.strip())
                self.defaults[name.strip()] = ast.literal_eval(default.strip())
            else:
                self.names.append(part)

    def bind(self, args: Sequence[Any], kwargs: Dict[str, Any]) -> Dict[str, Any]:
        out: Dict[str, Any] = {}
        args = list(args)
        if self.var is not None:
            fixed = args[:len(self.names)]
            rest = args[len(self.names):]
            if len(rest) == 1 and isinstance(rest[0], (list, tuple, torch.Size)):
                rest = list(rest[0])
            out[self.var] = list(rest)
            args = fixed
        if len(args) > len(self.names):
            raise Unsupported(f"{len(args)} positional arguments")
        for name, value in zip(self.names, args):
            out[name] = value
        for k, v in kwargs.items():
            if k == self.var:
                out[k] = list(v) if isinstance(v, (list, tuple, torch.Size)) else [v]
            elif k in self.names:
                if k in out:
                    raise Unsupported(f"argument '{k}' given twice")
                out[k] = v
            elif not self.any_kwargs:
                raise Unsupported(f"keyword argument '{k}'")
        for name in self.names:
            if name not in out:
                if name not in self.defaults:
                    raise Unsupported(f"missing argument '{name}'")
                out[name] = self.defaults[name]
        return out


def bind_schema(op, args: Sequence[Any], kwargs: Dict[str, Any]) -> Dict[str, Any]:
    """Binds the arguments of an aten OpOverload by its schema (`self` is
    renamed `input`)."""
    out: Dict[str, Any] = {}
    params = op._schema.arguments
    for p, v in zip(params, args):
        out[p.name] = v
    for k, v in kwargs.items():
        out[k] = v
    for p in params:
        if p.name not in out and p.has_default_value():
            out[p.name] = p.default_value
    if "self" in out:
        out["input"] = out.pop("self")
    return out


class Ctx:
    """What a handler may ask about the node it imports."""

    def __init__(self, importer, node, module=None):
        self._imp = importer
        self.node = node
        self.module = module  # the nn.Module of a call_module node
        self.shape: Tuple[int, ...] = node.meta.get("kgen_shape")
        self.dtype = node.meta.get("kgen_dtype")

    def param(self, attr: str) -> Optional[V]:
        """The V of parameter/buffer `attr` of this node's module, or None
        if the module has it set to None."""
        if getattr(self.module, attr, None) is None:
            return None
        return self._imp.param_value(f"{self.node.target}.{attr}")

    def input_dtype(self):
        """The torch dtype of the node's first tensor argument (assumed to
        be the program's if that argument failed to import)."""
        for a in self.node.all_input_nodes:
            if "kgen_dtype" in a.meta:
                if a in self._imp.poisoned:
                    return self._imp.trace_dtype
                return a.meta["kgen_dtype"]
        return None

    @property
    def training(self) -> bool:
        """The training flag the caller left this node's module in (the
        import itself runs in eval mode)."""
        return self._imp.training_flags.get(self.module, False)

    @property
    def retype(self) -> bool:
        """True when the import re-types the program to another dtype
        (casts between floating dtypes are then no-ops)."""
        return self._imp.retype

    def constant_value(self) -> torch.Tensor:
        return self.node.meta["kgen_tensor"]


def tensor(x, what: str = "input") -> V:
    if not isinstance(x, V) or x.is_scalar:
        raise Unsupported(f"{what} is not a tensor")
    return x


def number(x, what: str) -> float:
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        raise Unsupported(f"{what} is not a Python number")
    return float(x)


def dims_list(dim, rank: int) -> List[int]:
    """dim (None, int, or sequence) as sorted normalized dims; None and []
    mean every dimension, as in torch.sum."""
    if dim is None:
        return list(range(rank))
    if isinstance(dim, (list, tuple, torch.Size)):
        if len(dim) == 0:
            return list(range(rank))
        return sorted({normalize_dim(d, rank) for d in dim})
    return [normalize_dim(dim, rank)]


def no_dtype(a, key: str = "dtype") -> None:
    if a.get(key) is not None:
        raise Unsupported(f"{key}={a[key]} (kgen has no dtype conversion)")


# ---------------------------------------------------------------------------
# Handlers
# ---------------------------------------------------------------------------

def _unary(op: str):
    def h(b: Builder, a, ctx):
        return b.unary(op, tensor(a["input"]))
    return h


def _binary(op: str):
    def h(b: Builder, a, ctx):
        x, y = a["input"], a["other"]
        alpha = a.get("alpha", 1)
        if alpha != 1:
            y = b.binary("mul", y, number(alpha, "alpha")) if isinstance(y, V) else y * alpha
        return b.binary(op, x, y)
    return h


def _compare(op: str):
    def h(b: Builder, a, ctx):
        return b.compare(op, a["input"], a["other"])
    return h


def _mask(x, what: str) -> V:
    """A bool tensor argument: a comparison's 1/0 mask."""
    v = tensor(x, what)
    if not v.mask:
        raise Unsupported(f"{what} is not a bool tensor")
    return v


def h_where(b, a, ctx):
    if a.get("input") is None or a.get("other") is None:
        raise Unsupported("torch.where(condition) returns the indices of the true "
                          "elements: a data-dependent shape")
    return b.where(_mask(a["condition"], "condition"), a["input"], a["other"])


def h_tensor_where(b, a, ctx):
    return b.where(_mask(a["condition"], "condition"), a["input"], a["other"])


def h_masked_fill(b, a, ctx):
    value = a["value"]
    if not isinstance(value, V):
        value = number(value, "value")
    return b.where(_mask(a["mask"], "mask"), value, tensor(a["input"]))


def _logical(op: str):
    """logical and/or/xor of two bool tensors, and not: on 1/0 masks, a
    product, a maximum, an inequality, and 1 - m."""
    def h(b: Builder, a, ctx):
        x = _mask(a["input"], "input")
        if op == "not":
            return dataclasses.replace(b.binary("sub", 1.0, x), mask=True)
        y = _mask(a["other"], "other")
        if op == "xor":
            return b.compare("ne", x, y)
        return dataclasses.replace(b.binary("mul" if op == "and" else "maximum", x, y),
                                   mask=True)
    return h


def h_rsub(b, a, ctx):
    x, y = a["input"], a["other"]
    alpha = a.get("alpha", 1)
    if alpha != 1:
        x = b.binary("mul", x, number(alpha, "alpha")) if isinstance(x, V) else x * alpha
    return b.binary("sub", y, x)


def h_div(b, a, ctx):
    if a.get("rounding_mode") is not None:
        raise Unsupported(f"rounding_mode='{a['rounding_mode']}'")
    return b.binary("div", a["input"], a["other"])


def h_square(b, a, ctx):
    x = tensor(a["input"])
    return b.binary("mul", x, x)


def h_reciprocal(b, a, ctx):
    return b.binary("div", 1.0, tensor(a["input"]))


def h_pow(b, a, ctx):
    x, e = a["input"], a["exponent"]
    if isinstance(x, V) and not isinstance(e, V):
        e = number(e, "exponent")
        # The special cases PyTorch's pow kernels take (exact squares etc.).
        if e == 1.0:
            return x
        if e == 2.0:
            return b.binary("mul", x, x)
        if e == 3.0:
            return b.binary("mul", b.binary("mul", x, x), x)
        if e == 0.5:
            return b.unary("sqrt", x)
        if e == -0.5:
            return b.unary("rsqrt", x)
        if e == -1.0:
            return b.binary("div", 1.0, x)
        if e == -2.0:
            return b.binary("div", 1.0, b.binary("mul", x, x))
    return b.binary("pow", x, e)


def h_relu6(b, a, ctx):
    return b.clamp(tensor(a["input"]), 0.0, 6.0)


def h_hardtanh(b, a, ctx):
    return b.clamp(tensor(a["input"]), number(a["min_val"], "min_val"),
                   number(a["max_val"], "max_val"))


def h_hardsigmoid(b, a, ctx):
    # PyTorch's formula: min(max(x + 3, 0), 6) / 6.
    x = tensor(a["input"])
    return b.binary("div", b.clamp(b.binary("add", x, 3.0), 0.0, 6.0), 6.0)


def h_leaky_relu(b, a, ctx):
    slope = number(a["negative_slope"], "negative_slope")
    attrs = "" if slope == 0.01 else f" negative_slope {_f64(slope)}"
    return b.unary("leaky_relu", tensor(a["input"]), attrs)


def h_prelu(b, a, ctx):
    """x where x > 0, else weight * x, the weight per channel (dim 1) or
    one for all."""
    x, w = tensor(a["input"]), tensor(a["weight"], "weight")
    if w.rank != 1:
        raise Unsupported(f"prelu weight of shape {w.shape}")
    if w.shape[0] != 1:
        w = b.reshape(w, w.shape + (1,) * (x.rank - 2))
    return b.where(b.compare("gt", x, 0.0), x, b.binary("mul", w, x))


def h_rrelu(b, a, ctx):
    """Eval mode: leaky_relu with the mean slope (lower + upper) / 2."""
    if a.get("training"):
        raise Unsupported("rrelu in training mode (random slopes); call module.eval() or "
                          "pass training=False")
    slope = (number(a["lower"], "lower") + number(a["upper"], "upper")) / 2
    return h_leaky_relu(b, {"input": a["input"], "negative_slope": slope}, ctx)


def h_threshold(b, a, ctx):
    """value where x <= threshold, else x (NaN stays NaN, as in aten)."""
    x = tensor(a["input"])
    below = b.compare("le", x, number(a["threshold"], "threshold"))
    return b.where(below, number(a["value"], "value"), x)


def h_glu(b, a, ctx):
    """The first half along dim times the sigmoid of the second."""
    x = tensor(a["input"])
    dim = normalize_dim(a.get("dim", -1), x.rank)
    if x.shape[dim] % 2:
        raise Unsupported(f"glu along a dimension of odd size {x.shape[dim]}")
    half = x.shape[dim] // 2
    first, second = _pieces(b, x, dim, [half, half])
    return b.binary("mul", first, b.unary("sigmoid", second))


def h_softmin(b, a, ctx):
    return _softmax("softmax")(b, {**a, "input": b.unary("neg", tensor(a["input"]))}, ctx)


def _unary_with(op: str, *params: Tuple[str, float]):
    """A unary op whose float parameters are printed only when they differ
    from the dialect's defaults (PyTorch's)."""
    def h(b: Builder, a, ctx):
        attrs = ""
        for name, default in params:
            value = number(a[name], name)
            if value != default:
                attrs += f" {name} {_f64(value)}"
        return b.unary(op, tensor(a["input"]), attrs)
    return h


def h_gelu(b, a, ctx):
    approx = a.get("approximate", "none")
    if approx not in ("none", "tanh"):
        raise Unsupported(f"approximate='{approx}'")
    return b.unary("gelu", tensor(a["input"]), " approximate <tanh>" if approx == "tanh" else "")


def _clamp_bound(v, what: str):
    if v is None or isinstance(v, V):
        return v
    v = number(v, what)
    return v


def clamp(b: Builder, x: V, lo, hi) -> V:
    """torch.clamp: min(max(x, lo), hi), bounds numbers, tensors or None."""
    if lo is None and hi is None:
        raise Unsupported("clamp with neither min nor max")
    if isinstance(lo, V):
        x = b.binary("maximum", x, lo)
        lo = None
    if isinstance(hi, V):
        if lo is not None:
            x = b.clamp(x, lo, None)
            lo = None
        x = b.binary("minimum", x, hi)
        hi = None
    if lo is not None and lo == -math.inf:
        lo = None
    if hi is not None and hi == math.inf:
        hi = None
    if (lo is not None and not math.isfinite(lo)) or (hi is not None and not math.isfinite(hi)):
        raise Unsupported("a non-finite clamp bound")
    return b.clamp(x, lo, hi)


def h_clamp(b, a, ctx):
    return clamp(b, tensor(a["input"]), _clamp_bound(a.get("min"), "min"),
                 _clamp_bound(a.get("max"), "max"))


def h_clamp_min(b, a, ctx):
    return clamp(b, tensor(a["input"]), _clamp_bound(a["min"], "min"), None)


def h_clamp_max(b, a, ctx):
    return clamp(b, tensor(a["input"]), None, _clamp_bound(a["max"], "max"))


# -- reductions -------------------------------------------------------------

def _reduction(op: str, all_key=None):
    def h(b, a, ctx):
        x = tensor(a["input"])
        no_dtype(a)
        dim = a.get("dim", all_key)
        return b.reduce(op, x, dims_list(dim, x.rank), bool(a.get("keepdim", False)))
    return h


def _var_std(take_sqrt: bool):
    def h(b, a, ctx):
        x = tensor(a["input"])
        dim, unbiased, correction = a.get("dim"), a.get("unbiased"), a.get("correction")
        if isinstance(dim, bool):  # torch.var(x, False): the `unbiased` overload
            dim, unbiased = None, dim
        if correction is None:
            correction = 0 if unbiased is False else 1
        dims = dims_list(dim, x.rank)
        keepdim = bool(a.get("keepdim", False))
        n = math.prod(x.shape[d] for d in dims) if dims else 1
        mean = b.reduce("mean", x, dims, True)
        dev = b.binary("sub", x, mean)
        ss = b.reduce("sum", b.binary("mul", dev, dev), dims, keepdim)
        var = b.binary("div", ss, float(max(n - correction, 0)))
        return b.unary("sqrt", var) if take_sqrt else var
    return h


def _arg_extremum(op: str):
    """torch.argmax / torch.argmin: i64 positions; without dim, of the
    flattened input (with keepdim, shaped like the input with every size 1)."""
    def h(b, a, ctx):
        x = tensor(a["input"])
        dim, keepdim = a.get("dim"), bool(a.get("keepdim", False))
        if x.rank == 0:  # the only position is 0, of shape ()
            return b.arg_reduce(op, b.reshape(x, (1,)), 0, False)
        if dim is None:
            lead = (1,) * (x.rank - 1) if keepdim else ()
            flat = b.reshape(x, lead + (math.prod(x.shape),))
            return b.arg_reduce(op, flat, len(lead), keepdim)
        return b.arg_reduce(op, x, normalize_dim(dim, x.rank), keepdim)
    return h


def _max_min(op: str):
    """torch.max / torch.min: of every element (a tensor), elementwise with
    `other`, or along `dim` as (values, indices): amax and argmax."""
    def h(b, a, ctx):
        x = tensor(a["input"])
        dim, other = a.get("dim"), a.get("other")
        if isinstance(dim, V):  # torch.max(input, other), other positional
            dim, other = None, dim
        if other is not None:
            return b.binary("maximum" if op == "max" else "minimum", x, other)
        if dim is None:
            return b.reduce(op, x, list(range(x.rank)), False)
        keepdim = bool(a.get("keepdim", False))
        if x.rank == 0:
            return x, b.arg_reduce("arg" + op, b.reshape(x, (1,)), 0, False)
        d = normalize_dim(dim, x.rank)
        return b.reduce(op, x, [d], keepdim), b.arg_reduce("arg" + op, x, d, keepdim)
    return h


def logsumexp(b: Builder, x: V, dims: List[int]) -> V:
    """max + log(sum(exp(x - max))) over `dims` (kept as 1), the stable form
    PyTorch computes; where the maximum is infinite, the maximum itself, as
    PyTorch gives it (a row of -inf: -inf; a row holding +inf: +inf), not
    the NaN of inf - inf. The choice reads the two statistics alone, so
    they stay one kernel's."""
    m = b.reduce("max", x, dims, True)
    s = b.reduce("sum", b.unary("exp", b.binary("sub", x, m)), dims, True)
    infinite = b.compare("eq", b.unary("abs", m), float("inf"))
    return b.where(infinite, m, b.binary("add", b.unary("log", s), m))


def h_logsumexp(b, a, ctx):
    x = tensor(a["input"])
    dims = dims_list(a["dim"], x.rank)
    keepdim = bool(a.get("keepdim", False))
    r = logsumexp(b, x, dims)
    if not keepdim:
        r = b.reshape(r, tuple(d for i, d in enumerate(x.shape) if i not in dims))
    return r


# -- normalizations ---------------------------------------------------------

def _softmax(op: str):
    def h(b, a, ctx):
        x = tensor(a["input"])
        no_dtype(a)
        if a.get("half_to_float"):
            raise Unsupported("half_to_float=True")
        dim = a.get("dim")
        if dim is None:  # F.softmax's legacy implicit dim
            dim = 0 if x.rank in (0, 1, 3) else 1
        return b.softmax(op, x, normalize_dim(dim, x.rank))
    return h


def _scan(op: str):
    def h(b, a, ctx):
        x = tensor(a["input"])
        no_dtype(a)
        return b.scan(op, x, normalize_dim(a["dim"], x.rank))
    return h


def h_prod(b, a, ctx):
    """torch.prod: the last element of the running product along dim (of
    the flattened tensor without dim): kgen has no product reduction. The
    products are taken in scan order, which may round differently from
    PyTorch's reduction order."""
    x = tensor(a["input"])
    no_dtype(a)
    dim, keepdim = a.get("dim"), bool(a.get("keepdim", False))
    if x.rank == 0:
        return x
    if dim is None:
        flat = b.reshape(x, (math.prod(x.shape),))
        last = b.along(b.scan("cumprod", flat, 0), 0, flat.shape[0] - 1, 1)
        return b.reshape(last, ())
    dim = normalize_dim(dim, x.rank)
    last = b.along(b.scan("cumprod", x, dim), dim, x.shape[dim] - 1, 1)
    if keepdim:
        return last
    return b.reshape(last, x.shape[:dim] + x.shape[dim + 1:])


def _shape_list(s) -> List[int]:
    if isinstance(s, int):
        return [s]
    return [int(d) for d in s]


def h_layer_norm(b, a, ctx):
    x = tensor(a["input"])
    ns = _shape_list(a["normalized_shape"])
    w, bias = a.get("weight"), a.get("bias")
    return b.layer_norm(x, ns, w, bias, number(a.get("eps", 1e-5), "eps"))


def h_rms_norm(b, a, ctx):
    x = tensor(a["input"])
    eps = a.get("eps")
    return b.rms_norm(x, _shape_list(a["normalized_shape"]), a.get("weight"),
                      None if eps is None else number(eps, "eps"))


# -- contractions -----------------------------------------------------------

def h_matmul(b, a, ctx):
    return b.matmul_nd(tensor(a["input"]), tensor(a["other"], "other"))


def h_mm(b, a, ctx):
    return b.matmul(tensor(a["input"]), tensor(a["mat2"], "mat2"))


def h_bmm(b, a, ctx):
    return b.batch_matmul(tensor(a["input"]), tensor(a["mat2"], "mat2"))


def _scaled_add(b, product: V, bias, beta, alpha) -> V:
    if alpha != 1:
        product = b.binary("mul", product, number(alpha, "alpha"))
    if beta == 0:
        return product
    if beta != 1:
        bias = b.binary("mul", bias, number(beta, "beta"))
    return b.binary("add", bias, product)


def h_addmm(b, a, ctx):
    p = b.matmul(tensor(a["mat1"], "mat1"), tensor(a["mat2"], "mat2"))
    return b.broadcast_to(_scaled_add(b, p, a["input"], a.get("beta", 1), a.get("alpha", 1)),
                          p.shape)


def h_baddbmm(b, a, ctx):
    p = b.batch_matmul(tensor(a["batch1"], "batch1"), tensor(a["batch2"], "batch2"))
    return b.broadcast_to(_scaled_add(b, p, a["input"], a.get("beta", 1), a.get("alpha", 1)),
                          p.shape)


def h_linear(b, a, ctx):
    return b.linear(tensor(a["input"]), tensor(a["weight"], "weight"), a.get("bias"))


def _tuple(v, n: int, what: str) -> List[int]:
    if isinstance(v, int):
        return [v] * n
    v = [int(e) for e in v]
    if len(v) == 1:
        return v * n
    if len(v) != n:
        raise Unsupported(f"{what} {v} for a {n}-d convolution")
    return v


def conv(b: Builder, x: V, w: V, bias, stride, padding, dilation, groups) -> V:
    s = w.rank - 2
    stride, dilation = _tuple(stride, s, "stride"), _tuple(dilation, s, "dilation")
    if isinstance(padding, str):
        if padding == "valid":
            padding = [0] * s
        elif padding == "same":
            pads = []
            for i in range(s):
                total = dilation[i] * (w.shape[2 + i] - 1)
                if total % 2:
                    raise Unsupported("padding='same' that needs asymmetric padding "
                                      "(kgen.conv pads symmetrically)")
                pads.append(total // 2)
            padding = pads
        else:
            raise Unsupported(f"padding='{padding}'")
    padding = _tuple(padding, s, "padding")
    return b.conv(x, w, bias, stride, padding, dilation, int(groups))


def conv_transpose(b: Builder, x: V, w: V, bias, stride, padding, output_padding, dilation,
                   groups) -> V:
    s = w.rank - 2
    return b.conv_transpose(x, w, bias, _tuple(stride, s, "stride"),
                            _tuple(padding, s, "padding"),
                            _tuple(output_padding, s, "output_padding"),
                            _tuple(dilation, s, "dilation"), int(groups))


def h_conv_transpose(b, a, ctx):
    return conv_transpose(b, tensor(a["input"]), tensor(a["weight"], "weight"), a.get("bias"),
                          a["stride"], a["padding"], a["output_padding"], a["dilation"],
                          a["groups"])


def h_conv(b, a, ctx):
    return conv(b, tensor(a["input"]), tensor(a["weight"], "weight"), a.get("bias"),
                a["stride"], a["padding"], a["dilation"], a["groups"])


def h_aten_convolution(b, a, ctx):
    if a.get("transposed"):
        return h_conv_transpose(b, a, ctx)
    return h_conv(b, a, ctx)


def _einsum_pair(b: Builder, x: V, xi: str, y: V, yi: str, keep: set):
    """Contracts two einsum operands; returns (value, its index string)."""
    size = {}
    for v, idx in ((x, xi), (y, yi)):
        for i, d in zip(idx, v.shape):
            if size.setdefault(i, d) != d:
                raise Unsupported(f"einsum index '{i}' has sizes {size[i]} and {d}")
    # Indices of one operand only that nothing else needs: sum them first.
    x, xi = _einsum_reduce(b, x, xi, keep | set(yi))
    y, yi = _einsum_reduce(b, y, yi, keep | set(xi))
    batch = [i for i in xi if i in yi and i in keep]
    contr = [i for i in xi if i in yi and i not in keep]
    lfree = [i for i in xi if i not in yi]
    rfree = [i for i in yi if i not in xi]
    nb = math.prod(size[i] for i in batch)
    m = math.prod(size[i] for i in lfree)
    k = math.prod(size[i] for i in contr)
    n = math.prod(size[i] for i in rfree)
    xp = b.permute(x, [xi.index(i) for i in batch + lfree + contr])
    yp = b.permute(y, [yi.index(i) for i in batch + contr + rfree])
    if batch:
        r = b.batch_matmul(b.reshape(xp, (nb, m, k)), b.reshape(yp, (nb, k, n)))
    else:
        r = b.matmul(b.reshape(xp, (m, k)), b.reshape(yp, (k, n)))
    out = batch + lfree + rfree
    return b.reshape(r, tuple(size[i] for i in out)), "".join(out)


def _einsum_reduce(b: Builder, x: V, xi: str, needed: set):
    drop = [d for d, i in enumerate(xi) if i not in needed]
    if not drop:
        return x, xi
    return (b.reduce("sum", x, drop, False),
            "".join(i for d, i in enumerate(xi) if d not in drop))


def h_einsum(b, a, ctx):
    eq = a["equation"].replace(" ", "")
    operands = [tensor(o, "einsum operand") for o in a["operands"]]
    if "." in eq:
        raise Unsupported("einsum with '...'")
    if "->" in eq:
        lhs, out = eq.split("->")
    else:
        lhs = eq
        letters = lhs.replace(",", "")
        out = "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    ins = lhs.split(",")
    if len(ins) != len(operands):
        raise Unsupported(f"einsum '{eq}' with {len(operands)} operands")
    for idx, v in zip(ins, operands):
        if len(set(idx)) != len(idx) or len(idx) != v.rank:
            raise Unsupported(f"einsum '{eq}' (repeated index or rank mismatch)")
    if len(set(out)) != len(out):
        raise Unsupported(f"einsum '{eq}' (repeated output index)")
    x, xi = _einsum_reduce(b, operands[0], ins[0], set(out) | set("".join(ins[1:])))
    for j in range(1, len(operands)):
        keep = set(out) | set("".join(ins[j + 1:]))
        x, xi = _einsum_pair(b, x, xi, operands[j], ins[j], keep)
    x, xi = _einsum_reduce(b, x, xi, set(out))
    return b.permute(x, [xi.index(i) for i in out])


def h_sdpa(b, a, ctx):
    """F.scaled_dot_product_attention: kgen.attention when query, key and
    value share their batch dimensions (the causal mask computed from
    indices, the scores in f32), else matmul, scale, mask, softmax, matmul."""
    q, k, v = tensor(a["query"], "query"), tensor(a["key"], "key"), tensor(a["value"], "value")
    if a.get("dropout_p", 0.0):
        raise Unsupported("dropout_p > 0 (random)")
    if a.get("enable_gqa") and q.shape[-3:-2] != k.shape[-3:-2]:
        raise Unsupported("enable_gqa with different head counts")
    scale = a.get("scale")
    if scale is None:
        scale = 1.0 / math.sqrt(q.shape[-1])
    mask = a.get("attn_mask")
    if mask is not None:
        mask = _additive_mask(b, tensor(mask, "attn_mask"))
    if q.rank >= 2 and q.rank == k.rank == v.rank and \
            q.shape[:-2] == k.shape[:-2] == v.shape[:-2]:
        if a.get("is_causal") and mask is not None:
            raise Unsupported("both attn_mask and is_causal")
        return b.attention(q, k, v, mask, float(scale), bool(a.get("is_causal")))
    s = b.binary("mul", b.matmul_nd(q, transpose(b, k, -2, -1)), float(scale))
    if a.get("is_causal"):
        if mask is not None:
            raise Unsupported("both attn_mask and is_causal")
        L, S = q.shape[-2], k.shape[-2]
        causal = torch.zeros(L, S).masked_fill(
            torch.ones(L, S, dtype=torch.bool).tril().logical_not(), float("-inf"))
        s = b.binary("add", s, b.constant(causal, hint="causal_mask"))
        return b.matmul_nd(b.softmax("softmax", s, s.rank - 1), v)
    if mask is None:
        return b.matmul_nd(b.softmax("softmax", s, s.rank - 1), v)
    # A query whose keys are all masked gets zeros, not softmax's NaN
    # (PyTorch's SDPA, as kgen.attention).
    s = b.binary("add", s, mask)
    row_max = b.reduce("max", s, [s.rank - 1], True)
    p = b.where(b.compare("eq", row_max, float("-inf")), 0.0,
                b.softmax("softmax", s, s.rank - 1))
    return b.matmul_nd(p, v)


def _additive_mask(b: Builder, mask: V) -> V:
    """SDPA's boolean mask keeps the positions where it is True: as the
    additive mask kgen.attention takes, 0 there and -inf elsewhere (a
    query with no True gets zeros)."""
    if not mask.mask:
        return mask
    return b.where(mask, 0.0, float("-inf"))


def _norm(b: Builder, x: V, p, dims: List[int], keepdim: bool) -> V:
    if p in (2, 2.0, "fro"):
        return b.unary("sqrt", b.reduce("sum", b.binary("mul", x, x), dims, keepdim))
    if p in (1, 1.0):
        return b.reduce("sum", b.unary("abs", x), dims, keepdim)
    if p == math.inf:
        return b.reduce("max", b.unary("abs", x), dims, keepdim)
    if p == -math.inf:
        return b.reduce("min", b.unary("abs", x), dims, keepdim)
    raise Unsupported(f"norm with p={p}")


def h_norm(b, a, ctx):
    x = tensor(a["input"])
    no_dtype(a)
    p = a.get("p", a.get("ord", 2))
    if p is None:
        p = 2
    return _norm(b, x, p, dims_list(a.get("dim"), x.rank), bool(a.get("keepdim", False)))


def h_normalize(b, a, ctx):
    # PyTorch: input / norm(input, p, dim, keepdim=True).clamp_min(eps).
    x = tensor(a["input"])
    n = _norm(b, x, a["p"], dims_list(a["dim"], x.rank), True)
    return b.binary("div", x, b.clamp(n, number(a["eps"], "eps"), None))


# -- data movement ----------------------------------------------------------

def h_permute(b, a, ctx):
    x = tensor(a["input"])
    return b.permute(x, [normalize_dim(d, x.rank) for d in a["dims"]])


def transpose(b: Builder, x: V, d0: int, d1: int) -> V:
    if x.rank < 2:
        return x
    d0, d1 = normalize_dim(d0, x.rank), normalize_dim(d1, x.rank)
    perm = list(range(x.rank))
    perm[d0], perm[d1] = perm[d1], perm[d0]
    return b.permute(x, perm)


def h_transpose(b, a, ctx):
    return transpose(b, tensor(a["input"]), a["dim0"], a["dim1"])


def h_swapaxes(b, a, ctx):
    return transpose(b, tensor(a["input"]), a["axis0"], a["axis1"])


def h_t(b, a, ctx):
    x = tensor(a["input"])
    if x.rank > 2:
        raise Unsupported(f"t() of a rank-{x.rank} tensor")
    return transpose(b, x, 0, 1)


def h_movedim(b, a, ctx):
    x = tensor(a["input"])
    src, dst = a["source"], a["destination"]
    src = [src] if isinstance(src, int) else list(src)
    dst = [dst] if isinstance(dst, int) else list(dst)
    src = [normalize_dim(d, x.rank) for d in src]
    dst = [normalize_dim(d, x.rank) for d in dst]
    perm = [-1] * x.rank
    for s, d in zip(src, dst):
        perm[d] = s
    rest = iter(d for d in range(x.rank) if d not in src)
    perm = [p if p >= 0 else next(rest) for p in perm]
    return b.permute(x, perm)


def h_reshape_like(b, a, ctx):
    """view/reshape/flatten/squeeze/unsqueeze...: the result shape is the
    one PyTorch produced on the example inputs."""
    return b.reshape(tensor(a["input"]), ctx.shape)


def h_expand_like(b, a, ctx):
    return b.broadcast_to(tensor(a["input"]), ctx.shape)


def repeat(b: Builder, x: V, reps: Sequence[int]) -> V:
    """Tensor.repeat: reshape to [1, s0, 1, s1, ...], broadcast_to
    [r0, s0, r1, s1, ...], reshape to [r0*s0, r1*s1, ...]."""
    reps = [int(r) for r in reps]
    if len(reps) < x.rank:
        raise Unsupported("repeat with fewer sizes than dimensions")
    shape = (1,) * (len(reps) - x.rank) + x.shape
    inter = [d for s in shape for d in (1, s)]
    target = [d for r, s in zip(reps, shape) for d in (r, s)]
    y = b.broadcast_to(b.reshape(x, inter), target)
    return b.reshape(y, [r * s for r, s in zip(reps, shape)])


def h_repeat(b, a, ctx):
    return repeat(b, tensor(a["input"]), a["sizes"])


def h_tile(b, a, ctx):
    x = tensor(a["input"])
    dims = [int(d) for d in a["dims"]]
    return repeat(b, x, [1] * (x.rank - len(dims)) + dims)


def h_repeat_interleave(b, a, ctx):
    x = tensor(a["input"])
    r = a["repeats"]
    if isinstance(r, V) or not isinstance(r, int):
        raise Unsupported("repeat_interleave with tensor repeats")
    if a.get("dim") is None:
        x = b.reshape(x, (math.prod(x.shape),))
        dim = 0
    else:
        dim = normalize_dim(a["dim"], x.rank)
    s = x.shape
    y = b.broadcast_to(b.reshape(x, s[:dim + 1] + (1,) + s[dim + 1:]),
                       s[:dim + 1] + (r,) + s[dim + 1:])
    return b.reshape(y, s[:dim] + (s[dim] * r,) + s[dim + 1:])


def _index_bounds(i, size: int) -> Tuple[int, int, int]:
    """(offset, count, stride) that one basic index (an int or a slice of
    ints) selects from a dimension of `size`, as Python and PyTorch do."""
    if isinstance(i, slice):
        if not all(v is None or isinstance(v, int) for v in (i.start, i.stop, i.step)):
            raise Unsupported("slice bounds computed from tensor data")
        start, stop, step = i.indices(size)
        if step <= 0:
            raise Unsupported("slices with a step below 1 (use torch.flip)")
        count = len(range(start, stop, step))
        return (start if count else 0), count, step
    if isinstance(i, bool) or not isinstance(i, int):
        raise Unsupported("tensor (advanced) indexing; kgen takes ints, slices, None and ...")
    if not -size <= i < size:
        raise Unsupported(f"index {i} out of range for a dimension of {size}")
    return i % size, 1, 1


def h_getitem(b, a, ctx):
    x = a["input"]
    if isinstance(x, tuple):  # a result of an op with several (MULTI_RESULT)
        v = x[a["index"]]
        if v is None:
            raise Unsupported(f"result {a['index']} of a multi-result op, which kgen does not "
                              "compute (indices, saved statistics or an empty piece)")
        return v
    if not isinstance(x, V):
        raise Unsupported("indexing a non-tensor value")
    idx = a["index"]
    idx = list(idx) if isinstance(idx, tuple) else [idx]
    if idx.count(Ellipsis) > 1:
        raise Unsupported("more than one '...' in an index")
    consumed = sum(1 for i in idx if i is not None and i is not Ellipsis)
    if consumed > x.rank:
        raise Unsupported(f"{consumed} indices for a rank-{x.rank} tensor")
    if Ellipsis in idx:
        at = idx.index(Ellipsis)
        idx[at:at + 1] = [slice(None)] * (x.rank - consumed)
    idx = [i for i in idx if i is not None] + [slice(None)] * (x.rank - consumed)
    offsets, sizes, strides = zip(*(_index_bounds(i, n) for i, n in zip(idx, x.shape))) \
        if x.rank else ((), (), ())
    return b.reshape(b.slice(x, offsets, sizes, strides), ctx.shape)


def h_narrow(b, a, ctx):
    x = tensor(a["input"])
    dim = normalize_dim(a["dim"], x.rank)
    start, length = a["start"], a["length"]
    if not isinstance(start, int) or not isinstance(length, int):
        raise Unsupported("narrow with tensor start or length")
    start = start % x.shape[dim] if start < 0 else start
    if length < 0 or start + length > x.shape[dim]:
        raise Unsupported(f"narrow of {length} elements from {start} in a dimension of "
                          f"{x.shape[dim]}")
    return b.along(x, dim, start, length)


def _pieces(b: Builder, x: V, dim: int, sizes: Sequence[int]) -> tuple:
    """Consecutive slices of `x` along `dim`, of `sizes` (summing to its
    extent): what split/chunk/unbind return. kgen has no empty tensors: a
    piece of size 0 is None, refused only where it is read."""
    out, start = [], 0
    for n in sizes:
        out.append(b.along(x, dim, start, n) if n else None)
        start += n
    return tuple(out)


def h_split(b, a, ctx):
    """torch.split: pieces of split_size (the last one shorter), or of the
    listed sizes."""
    x = tensor(a["input"])
    dim = normalize_dim(a.get("dim", 0), x.rank)
    size, extent = a["split_size_or_sections"], x.shape[dim]
    if isinstance(size, int):
        if size <= 0:
            raise Unsupported(f"split size {size}")
        sizes = [min(size, extent - i) for i in range(0, extent, size)] or [0]
    else:
        sizes = [int(n) for n in size]
        if sum(sizes) != extent or min(sizes, default=0) < 0:
            raise Unsupported(f"split sizes {sizes} for a dimension of {extent}")
    return _pieces(b, x, dim, sizes)


def h_chunk(b, a, ctx):
    """torch.chunk: pieces of ceil(extent / chunks), so fewer than `chunks`
    when they do not divide (as PyTorch)."""
    x = tensor(a["input"])
    dim = normalize_dim(a.get("dim", 0), x.rank)
    chunks = int(a["chunks"])
    if chunks <= 0:
        raise Unsupported(f"chunk into {chunks} pieces")
    return h_split(b, {"input": x, "dim": dim,
                       "split_size_or_sections": max(-(-x.shape[dim] // chunks), 1)}, ctx)


def h_tensor_split(b, a, ctx):
    """torch.tensor_split: `sections` pieces (the first extent % sections one
    longer), or pieces between the listed indices (clamped, as PyTorch)."""
    x = tensor(a["input"])
    dim = normalize_dim(a.get("dim", 0), x.rank)
    extent, spec = x.shape[dim], a["indices_or_sections"]
    if isinstance(spec, int):
        if spec <= 0:
            raise Unsupported(f"tensor_split into {spec} sections")
        sizes = [extent // spec + (1 if i < extent % spec else 0) for i in range(spec)]
    else:
        edges = [0] + [min(max(int(i) + (extent if i < 0 else 0), 0), extent)
                       for i in spec] + [extent]
        if edges != sorted(edges):
            raise Unsupported(f"tensor_split at unsorted indices {list(spec)}")
        sizes = [hi - lo for lo, hi in zip(edges, edges[1:])]
    return _pieces(b, x, dim, sizes)


def h_unbind(b, a, ctx):
    """torch.unbind: every index along `dim`, the dim dropped."""
    x = tensor(a["input"])
    dim = normalize_dim(a.get("dim", 0), x.rank)
    shape = tuple(e for d, e in enumerate(x.shape) if d != dim)
    return tuple(b.reshape(p, shape) for p in _pieces(b, x, dim, [1] * x.shape[dim]))


def h_select(b, a, ctx):
    x = tensor(a["input"])
    dim = normalize_dim(a["dim"], x.rank)
    index = [slice(None)] * x.rank
    index[dim] = a["index"]
    return h_getitem(b, {"input": x, "index": tuple(index)}, ctx)


def h_cat(b, a, ctx):
    xs = [tensor(x, "each input") for x in a["tensors"]]
    if not xs:
        raise Unsupported("torch.cat of no tensors")
    rank = max(x.rank for x in xs)
    if rank == 0:
        raise Unsupported("torch.cat of 0-d tensors")
    return b.concat(xs, normalize_dim(a.get("dim", 0), rank))


def h_stack(b, a, ctx):
    """torch.stack: each input with a dim of 1 inserted at dim, joined there."""
    xs = [tensor(x, "each input") for x in a["tensors"]]
    if not xs:
        raise Unsupported("torch.stack of no tensors")
    dim = normalize_dim(a.get("dim", 0), xs[0].rank + 1)
    return b.concat([b.reshape(x, x.shape[:dim] + (1,) + x.shape[dim:]) for x in xs], dim)


def h_flip(b, a, ctx):
    x = tensor(a["input"])
    dims = a["dims"]
    dims = [dims] if isinstance(dims, int) else list(dims)
    return b.flip(x, [normalize_dim(d, x.rank) for d in dims])


def _diagonal(b: Builder, x: V, offset: int, dim1: int, dim2: int) -> V:
    """torch.diagonal: dim1 and dim2 moved last and flattened, then a slice
    with stride d2 + 1 from the first element of the diagonal; the
    diagonal's dim comes last, as PyTorch puts it."""
    dim1, dim2 = normalize_dim(dim1, x.rank), normalize_dim(dim2, x.rank)
    if dim1 == dim2:
        raise Unsupported("diagonal of a dimension with itself")
    d1, d2 = x.shape[dim1], x.shape[dim2]
    r0, c0 = max(-offset, 0), max(offset, 0)
    n = max(0, min(d1 - r0, d2 - c0))
    if n == 0:
        raise Unsupported(f"an empty diagonal (offset {offset} of a {d1}x{d2} matrix)")
    rest = [d for d in range(x.rank) if d not in (dim1, dim2)]
    y = b.permute(x, rest + [dim1, dim2])
    batch = tuple(x.shape[d] for d in rest)
    flat = b.reshape(y, batch + (d1 * d2,))
    start = r0 * d2 + c0
    return b.slice(flat, [0] * len(batch) + [start], batch + (n,),
                   [1] * len(batch) + [d2 + 1])


def h_diagonal(b, a, ctx):
    return _diagonal(b, tensor(a["input"]), int(a.get("offset", 0)), a.get("dim1", 0),
                     a.get("dim2", 1))


def h_diag(b, a, ctx):
    """torch.diag: of a matrix, its diagonal; of a vector v, the square
    matrix with v on diagonal `diagonal`: each element followed by M zeros
    and flattened puts v[i] at i * (M + 1), shifted to the diagonal's
    first position (no comparison of indices, exact in every dtype)."""
    x, k = tensor(a["input"]), int(a.get("diagonal", 0))
    if x.rank == 2:
        return _diagonal(b, x, k, 0, 1)
    if x.rank != 1:
        raise Unsupported(f"diag of a rank-{x.rank} tensor")
    n = x.shape[0]
    m = n + abs(k)
    zero = b.constant(torch.zeros(1, 1), hint="zero")
    spread = b.concat([b.reshape(x, (n, 1)), b.broadcast_to(zero, (n, m))], 1)
    pieces = [b.reshape(spread, (n * (m + 1),))]
    start = max(-k, 0) * m + max(k, 0)
    if start:
        pieces.insert(0, b.broadcast_to(b.reshape(zero, (1,)), (start,)))
    length = start + n * (m + 1)
    if length < m * m:
        pieces.append(b.broadcast_to(b.reshape(zero, (1,)), (m * m - length,)))
    flat = b.concat(pieces, 0) if len(pieces) > 1 else pieces[0]
    return b.reshape(b.along(flat, 0, 0, m * m), (m, m))


def h_unfold(b, a, ctx):
    """Tensor.unfold(dim, size, step): the windows along dim, each a new
    last dim of `size`. Windows that tile the dim (step == size) are a
    reshape; overlapping or gapped ones, `size` strided slices (element j
    of every window) stacked last."""
    x = tensor(a["input"])
    dim = normalize_dim(a["dimension"], x.rank) if x.rank else 0
    size, step = int(a["size"]), int(a["step"])
    extent = x.shape[dim] if x.rank else 1
    if size < 0 or step <= 0 or size > extent:
        raise Unsupported(f"unfold of {size} elements by {step} in a dimension of {extent}")
    n = (extent - size) // step + 1
    if size == 0:
        raise Unsupported("unfold into empty windows")
    if step == size:
        y = b.along(x, dim, 0, n * size)
        shape = x.shape[:dim] + (n, size) + x.shape[dim + 1:]
        perm = [d for d in range(len(shape)) if d != dim + 1] + [dim + 1]
        return b.permute(b.reshape(y, shape), perm)
    columns = []
    for j in range(size):
        offsets = [0] * x.rank
        offsets[dim] = j
        sizes = list(x.shape)
        sizes[dim] = n
        strides = [1] * x.rank
        strides[dim] = step
        column = b.slice(x, offsets, sizes, strides)
        columns.append(b.reshape(column, tuple(sizes) + (1,)))
    return b.concat(columns, x.rank)


def h_roll(b, a, ctx):
    """torch.roll: along each dim, the last `shift` elements then the rest
    (without dims: of the flattened tensor, reshaped back)."""
    x = tensor(a["input"])
    shifts, dims = a["shifts"], a.get("dims")
    shifts = [shifts] if isinstance(shifts, int) else [int(v) for v in shifts]
    if dims is None or dims == ():
        if len(shifts) != 1:
            raise Unsupported("roll without dims takes one shift")
        flat = h_roll(b, {"input": b.reshape(x, (math.prod(x.shape),)), "shifts": shifts,
                          "dims": [0]}, ctx)
        return b.reshape(flat, x.shape)
    dims = [dims] if isinstance(dims, int) else list(dims)
    if len(dims) != len(shifts):
        raise Unsupported(f"roll with {len(shifts)} shifts for {len(dims)} dims")
    for shift, dim in zip(shifts, dims):
        dim = normalize_dim(dim, x.rank)
        n = x.shape[dim]
        k = shift % n if n else 0
        if k:
            x = b.concat([b.along(x, dim, n - k, k), b.along(x, dim, 0, n - k)], dim)
    return x


def h_hstack(b, a, ctx):
    """torch.hstack: cat along dim 1, or dim 0 of 1-D tensors."""
    xs = [tensor(x, "each input") for x in a["tensors"]]
    xs = [b.reshape(x, (1,)) if x.rank == 0 else x for x in xs]
    return b.concat(xs, 0 if xs[0].rank == 1 else 1)


def h_vstack(b, a, ctx):
    """torch.vstack: cat along dim 0 of the inputs made at least 2-D."""
    xs = [tensor(x, "each input") for x in a["tensors"]]
    xs = [b.reshape(x, (1,) * (2 - x.rank) + x.shape) if x.rank < 2 else x for x in xs]
    return b.concat(xs, 0)


def h_rot90(b, a, ctx):
    """torch.rot90: k quarter turns from dims[0] towards dims[1]."""
    x = tensor(a["input"])
    d0, d1 = (normalize_dim(d, x.rank) for d in (a.get("dims") or (0, 1)))
    k = int(a.get("k", 1)) % 4
    swap = list(range(x.rank))
    swap[d0], swap[d1] = d1, d0
    if k == 1:
        return b.permute(b.flip(x, [d1]), swap)
    if k == 2:
        return b.flip(x, [d0, d1])
    if k == 3:
        return b.flip(b.permute(x, swap), [d1])
    return x


def _pad_side(b: Builder, x: V, dim: int, size: int, left: bool, mode: str, value) -> V:
    """The `size` elements F.pad puts before (left) or after x along dim."""
    n = x.shape[dim]
    if mode == "constant":
        shape = tuple(size if d == dim else e for d, e in enumerate(x.shape))
        return b.constant(torch.full(shape, float(value)))
    if mode == "replicate":
        edge = b.along(x, dim, 0 if left else n - 1, 1)
        return b.broadcast_to(edge, tuple(size if d == dim else e for d, e in
                                          enumerate(x.shape)))
    if mode == "circular":
        return b.along(x, dim, n - size if left else 0, size)
    # reflect: the edge itself is not repeated
    return b.flip(b.along(x, dim, 1 if left else n - 1 - size, size), [dim])


def h_pad(b, a, ctx):
    """F.pad: (left, right) pairs from the last dim backwards; a negative
    amount crops. Each side is a constant block, the edge broadcast
    (replicate), the other end (circular) or the mirrored edge (reflect),
    joined by concat."""
    x = tensor(a["input"])
    pad, mode = [int(v) for v in a["pad"]], a.get("mode", "constant")
    value = a.get("value") or 0.0
    if mode not in ("constant", "reflect", "replicate", "circular") or len(pad) % 2:
        raise Unsupported(f"pad mode '{mode}' with {len(pad)} amounts")
    for i in range(len(pad) // 2):
        dim, (lo, hi) = x.rank - 1 - i, pad[2 * i:2 * i + 2]
        n = x.shape[dim]
        if lo < 0 or hi < 0:
            x = b.along(x, dim, max(-lo, 0), n - max(-lo, 0) - max(-hi, 0))
            lo, hi, n = max(lo, 0), max(hi, 0), x.shape[dim]
        if mode == "reflect" and max(lo, hi) >= n or mode == "circular" and max(lo, hi) > n:
            raise Unsupported(f"{mode} padding of {max(lo, hi)} beside {n} elements")
        parts = ([_pad_side(b, x, dim, lo, True, mode, value)] if lo else []) + [x] + \
                ([_pad_side(b, x, dim, hi, False, mode, value)] if hi else [])
        x = b.concat(parts, dim) if len(parts) > 1 else x
    return x


def _triangle(op: str):
    """torch.tril / torch.triu: the last two dims masked, the rest batch
    (PyTorch itself refuses vectors and non-integer diagonals)."""
    def h(b, a, ctx):
        return b.triangle(op, tensor(a["input"]), a.get("diagonal", 0))
    return h


def _positions(x, what: str) -> V:
    v = tensor(x, what)
    if v.dtype != "i64":
        raise Unsupported(f"{what} is not an int64 tensor")
    return v


def h_gather(b, a, ctx):
    x, index = tensor(a["input"]), _positions(a["index"], "index")
    if x.rank == 0 or index.rank != x.rank:
        raise Unsupported(f"index of rank {index.rank} for an input of rank {x.rank}")
    return b.gather(x, index, normalize_dim(a["dim"], x.rank))


def h_index_select(b, a, ctx):
    """torch.index_select: gather along dim at the int64 index spread over
    the other dims (an index outside the dim reads 0 where PyTorch raises)."""
    x, index = tensor(a["input"]), _positions(a["index"], "index")
    if x.rank == 0 or index.rank > 1:
        raise Unsupported(f"index_select of rank {x.rank} with an index of rank {index.rank}")
    dim = normalize_dim(a["dim"], x.rank)
    n = math.prod(index.shape)
    spread = b.reshape(index, tuple(n if d == dim else 1 for d in range(x.rank)))
    shape = tuple(n if d == dim else e for d, e in enumerate(x.shape))
    return b.gather(x, b.broadcast_to(spread, shape), dim)


def h_embedding(b, a, ctx):
    """F.embedding: the weight's rows at the int64 positions, shaped
    positions.shape + [D]; padding_idx only changes gradients. max_norm
    rescales the weight in place and is refused."""
    if a.get("max_norm") is not None:
        raise Unsupported("embedding with max_norm (renormalizes the weight in place)")
    positions, weight = _positions(a["input"], "input"), tensor(a["weight"], "weight")
    if weight.rank != 2:
        raise Unsupported(f"embedding weight of shape {weight.shape}")
    flat = b.reshape(positions, (math.prod(positions.shape),))
    rows = h_index_select(b, {"input": weight, "dim": 0, "index": flat}, ctx)
    return b.reshape(rows, positions.shape + (weight.shape[1],))


def h_take_along_dim(b, a, ctx):
    """torch.take_along_dim: gather, of the flattened input without dim;
    indices that need broadcasting are refused (kgen does not broadcast
    int64 tensors), an input that does is broadcast."""
    x, index = tensor(a["input"]), _positions(a["indices"], "indices")
    if a.get("dim") is None:
        flat = b.reshape(x, (math.prod(x.shape),))
        return b.gather(flat, b.reshape(index, (math.prod(index.shape),)), 0)
    dim = normalize_dim(a["dim"], x.rank)
    if index.rank != x.rank:
        raise Unsupported(f"indices of rank {index.rank} for an input of rank {x.rank}")
    if any(x.shape[d] not in (1, index.shape[d]) for d in range(x.rank) if d != dim):
        raise Unsupported("indices that broadcast against the input")
    target = tuple(x.shape[d] if d == dim else index.shape[d] for d in range(x.rank))
    if target != x.shape:
        x = b.broadcast_to(x, target)
    return b.gather(x, index, dim)


def h_getattr(b, a, ctx):
    name = a["name"]
    if isinstance(a["input"], tuple):  # torch.max(x, dim).values / .indices
        fields = {"values": 0, "indices": 1}
        if name not in fields:
            raise Unsupported(f"field .{name} of a multi-result op")
        return h_getitem(b, {"input": a["input"], "index": fields[name]}, ctx)
    x = tensor(a["input"])
    if name == "T":
        return b.permute(x, list(reversed(range(x.rank))))
    if name in ("mT", "mH") and x.rank >= 2:
        return transpose(b, x, -2, -1)
    if name in ("H",) and x.rank == 2:
        return transpose(b, x, 0, 1)
    raise Unsupported(f"tensor attribute .{name}")


def h_identity(b, a, ctx):
    return tensor(a["input"])


def h_cast(b, a, ctx):
    """.to()/.float()/.type_as()/.contiguous()...: no-ops unless they change
    the element type, which kgen cannot do (except when the import re-types
    the whole program with dtype=...)."""
    x = tensor(a["input"])
    src, dst = ctx.input_dtype(), ctx.dtype
    if src == torch.bool and x.mask and dst is not None and dst.is_floating_point:
        return dataclasses.replace(x, mask=False)  # a 1/0 mask is that float already
    if src == dst or (ctx.retype and src is not None and src.is_floating_point
                      and dst.is_floating_point):
        return x
    raise Unsupported(f"conversion from {src} to {dst} (kgen has no cast)")


def h_dropout(b, a, ctx):
    p = a.get("p", 0.5)
    training = a.get("training", a.get("train", True))
    if training and p != 0:
        raise Unsupported("dropout in training mode (random); call module.eval() or pass "
                          "training=False")
    return tensor(a["input"])


def h_full_like(b, a, ctx):
    return b.constant(ctx.constant_value())


def _f64(v):
    from .mlir import f64
    return f64(v)


# ---------------------------------------------------------------------------
# nn.Module handlers: fn(b, x, module, ctx) -> V
# ---------------------------------------------------------------------------

def m_linear(b, x, m, ctx):
    return b.linear(x, ctx.param("weight"), ctx.param("bias"))


def m_conv(b, x, m, ctx):
    if m.padding_mode != "zeros":
        raise Unsupported(f"padding_mode='{m.padding_mode}'")
    return conv(b, x, ctx.param("weight"), ctx.param("bias"), m.stride, m.padding,
                m.dilation, m.groups)




def m_layer_norm(b, x, m, ctx):
    return b.layer_norm(x, list(m.normalized_shape), ctx.param("weight"), ctx.param("bias"),
                        float(m.eps))


def m_rms_norm(b, x, m, ctx):
    return b.rms_norm(x, list(m.normalized_shape), ctx.param("weight"),
                      None if m.eps is None else float(m.eps))


def m_softmax(op):
    def h(b, x, m, ctx):
        return _softmax(op)(b, {"input": x, "dim": m.dim}, ctx)
    return h


def m_dropout(b, x, m, ctx):
    return h_dropout(b, {"input": x, "p": m.p, "training": m.training}, ctx)


class FunctionalModule:
    """The handler of a torch.nn module whose forward is one functional call:
    the call's inputs are bound by `inputs` (a Sig spec such as "input,
    target"), the module's attributes `attrs` are the other arguments
    ("p=norm": argument p is attribute norm), `params` the module's
    parameters or buffers passed as tensors (None where the module has
    none), and `fn` is the function's handler. `position_params` are the
    inputs that may be int64 tensors (a class-index loss's target, an
    embedding's positions)."""

    def __init__(self, inputs: str, fn: Callable[..., V], *attrs: str,
                 params: Tuple[str, ...] = (), position_params: Tuple[str, ...] = ()):
        self.sig = Sig(inputs)
        self.fn = fn
        self.attrs = [a.split("=") if "=" in a else (a, a) for a in attrs]
        self.params = params
        self.position_params = position_params

    def __call__(self, b, args, kwargs, m, ctx) -> V:
        a = self.sig.bind(args, kwargs)
        a.update({name: getattr(m, attr, None) for name, attr in self.attrs})
        a.update({name: ctx.param(name) for name in self.params})
        return self.fn(b, a, ctx)


def transposed_output_padding(x: V, a) -> List[int]:
    """The output padding of an nn.ConvTranspose*d call: the module's, or,
    called with output_size (the spatial sizes, optionally after N and C),
    what makes the output that size past the smallest one. PyTorch has
    checked the sizes while the model was traced."""
    kernel = list(a["kernel_size"])
    s = len(kernel)
    if a.get("output_size") is None:
        return list(a["output_padding"])
    size = [int(v) for v in a["output_size"]][-s:]
    return [size[i] - ((x.shape[x.rank - s + i] - 1) * a["stride"][i] - 2 * a["padding"][i]
                       + a["dilation"][i] * (kernel[i] - 1) + 1) for i in range(s)]


def h_m_conv_transpose(b, a, ctx):
    """nn.ConvTranspose*d(input, output_size=None)."""
    if a["padding_mode"] != "zeros":
        raise Unsupported(f"padding_mode='{a['padding_mode']}'")
    x = tensor(a["input"])
    return conv_transpose(b, x, ctx.param("weight"), ctx.param("bias"), a["stride"],
                          a["padding"], transposed_output_padding(x, a), a["dilation"],
                          a["groups"])


m_conv_transpose = FunctionalModule(
    "input, output_size=None", h_m_conv_transpose, "stride", "padding", "output_padding",
    "dilation", "groups", "kernel_size", "padding_mode")


def _m(fn: Callable[..., V]):
    """A module handler from a functional one taking {'input': x}."""
    return lambda b, x, m, ctx: fn(b, {"input": x}, ctx)


MODULES: Dict[str, Callable] = {
    "Linear": m_linear,
    "Conv1d": m_conv, "Conv2d": m_conv, "Conv3d": m_conv,
    "ConvTranspose1d": m_conv_transpose, "ConvTranspose2d": m_conv_transpose,
    "ConvTranspose3d": m_conv_transpose,
    "LayerNorm": m_layer_norm,
    "RMSNorm": m_rms_norm,
    "ReLU": _m(_unary("relu")),
    "ReLU6": _m(h_relu6),
    "LeakyReLU": lambda b, x, m, ctx: h_leaky_relu(
        b, {"input": x, "negative_slope": m.negative_slope}, ctx),
    "GELU": lambda b, x, m, ctx: h_gelu(b, {"input": x, "approximate": m.approximate}, ctx),
    "SiLU": _m(_unary("silu")),
    "Hardswish": _m(_unary("hardswish")),
    "Hardsigmoid": _m(h_hardsigmoid),
    "Hardtanh": lambda b, x, m, ctx: b.clamp(x, float(m.min_val), float(m.max_val)),
    "ELU": lambda b, x, m, ctx: _unary_with("elu", ("alpha", 1.0))(
        b, {"input": x, "alpha": m.alpha}, ctx),
    "CELU": lambda b, x, m, ctx: _unary_with("celu", ("alpha", 1.0))(
        b, {"input": x, "alpha": m.alpha}, ctx),
    "SELU": _m(_unary("selu")),
    "Softplus": lambda b, x, m, ctx: _unary_with(
        "softplus", ("beta", 1.0), ("threshold", 20.0))(
        b, {"input": x, "beta": m.beta, "threshold": m.threshold}, ctx),
    "Mish": _m(_unary("mish")),
    "Softsign": _m(_unary("softsign")),
    "LogSigmoid": _m(_unary("log_sigmoid")),
    "Tanhshrink": _m(_unary("tanhshrink")),
    "Softshrink": lambda b, x, m, ctx: _unary_with("softshrink", ("lambd", 0.5))(
        b, {"input": x, "lambd": m.lambd}, ctx),
    "Hardshrink": lambda b, x, m, ctx: _unary_with("hardshrink", ("lambd", 0.5))(
        b, {"input": x, "lambd": m.lambd}, ctx),
    "Tanh": _m(_unary("tanh")),
    "Sigmoid": _m(_unary("sigmoid")),
    "Softmax": m_softmax("softmax"),
    "LogSoftmax": m_softmax("log_softmax"),
    "Softmin": lambda b, x, m, ctx: h_softmin(b, {"input": x, "dim": m.dim}, ctx),
    # Softmax over the channels of a [C, H, W] or [N, C, H, W] tensor.
    "Softmax2d": lambda b, x, m, ctx: _softmax("softmax")(b, {"input": x, "dim": -3}, ctx),
    "PReLU": lambda b, x, m, ctx: h_prelu(b, {"input": x, "weight": ctx.param("weight")}, ctx),
    "RReLU": lambda b, x, m, ctx: h_rrelu(
        b, {"input": x, "lower": m.lower, "upper": m.upper, "training": m.training}, ctx),
    "Threshold": lambda b, x, m, ctx: h_threshold(
        b, {"input": x, "threshold": m.threshold, "value": m.value}, ctx),
    "GLU": lambda b, x, m, ctx: h_glu(b, {"input": x, "dim": m.dim}, ctx),
    "Identity": lambda b, x, m, ctx: x,
    "Dropout": m_dropout, "Dropout1d": m_dropout, "Dropout2d": m_dropout,
    "Dropout3d": m_dropout, "AlphaDropout": m_dropout, "FeatureAlphaDropout": m_dropout,
    "Flatten": lambda b, x, m, ctx: b.reshape(x, ctx.shape),
    "Unflatten": lambda b, x, m, ctx: b.reshape(x, ctx.shape),
}

# Module attributes that make a module handler mutate its input.
INPLACE_MODULE_ATTR = "inplace"


# ---------------------------------------------------------------------------
# The function/method table
# ---------------------------------------------------------------------------

FUNCTIONS: Dict[str, Tuple[Optional[Sig], Callable]] = {}


# Parameters that may be int64 tensors (argmax's positions, class-index
# targets, gather indices), by key: everywhere else an int64 operand is
# refused with its reason.
POSITION_PARAMS: Dict[str, Tuple[str, ...]] = {}

# Keys whose op returns several tensors (aten's native_batch_norm,
# max_pool2d_with_indices...): the handler returns a tuple with a V for each
# result kgen computes and None for the others; operator.getitem picks one.
MULTI_RESULT = set()


def _reg(keys: str, sig: Optional[str], fn: Callable) -> None:
    s = Sig(sig) if sig is not None else None
    for k in keys.split():
        FUNCTIONS[k] = (s, fn)


def _reg_multi(keys: str, sig: Optional[str], fn: Callable) -> None:
    _reg(keys, sig, fn)
    MULTI_RESULT.update(keys.split())


F = "torch.nn.functional."

# Contractions.
_reg("torch.matmul Tensor.matmul operator.matmul aten.matmul", "input, other", h_matmul)
_reg("torch.mm Tensor.mm aten.mm", "input, mat2", h_mm)
_reg("torch.bmm Tensor.bmm aten.bmm", "input, mat2", h_bmm)
_reg("torch.addmm Tensor.addmm aten.addmm", "input, mat1, mat2, beta=1, alpha=1", h_addmm)
_reg("torch.baddbmm Tensor.baddbmm aten.baddbmm", "input, batch1, batch2, beta=1, alpha=1",
     h_baddbmm)
_reg(F + "linear aten.linear", "input, weight, bias=None", h_linear)
for _n in ("conv1d", "conv2d", "conv3d"):
    _reg(F + _n + " torch." + _n + " aten." + _n,
         "input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1", h_conv)
_reg("aten.convolution", None, h_aten_convolution)
for _n in ("conv_transpose1d", "conv_transpose2d", "conv_transpose3d"):
    _reg(F + _n + " torch." + _n, "input, weight, bias=None, stride=1, padding=0, "
         "output_padding=0, groups=1, dilation=1", h_conv_transpose)
    _reg(f"aten.{_n}.input", None, h_conv_transpose)

# Elementwise binary.
_reg("torch.add Tensor.add aten.add", "input, other, alpha=1", _binary("add"))
_reg("operator.add", "input, other", _binary("add"))
_reg("torch.sub torch.subtract Tensor.sub Tensor.subtract aten.sub", "input, other, alpha=1",
     _binary("sub"))
_reg("operator.sub", "input, other", _binary("sub"))
_reg("torch.rsub Tensor.rsub aten.rsub", "input, other, alpha=1", h_rsub)
_reg("torch.mul torch.multiply Tensor.mul Tensor.multiply operator.mul aten.mul",
     "input, other", _binary("mul"))
_reg("torch.div torch.divide Tensor.div Tensor.divide aten.div", "input, other, rounding_mode=None",
     h_div)
_reg("torch.true_divide Tensor.true_divide operator.truediv", "input, other", _binary("div"))
_reg("torch.maximum Tensor.maximum aten.maximum", "input, other", _binary("maximum"))
_reg("torch.minimum Tensor.minimum aten.minimum", "input, other", _binary("minimum"))
_reg("torch.pow Tensor.pow operator.pow aten.pow", "input, exponent", h_pow)
_reg("torch.square Tensor.square", "input", h_square)
_reg("torch.reciprocal Tensor.reciprocal aten.reciprocal", "input", h_reciprocal)

# Comparisons (bool results, 1/0 masks) and selections.
for _op, _keys in {
    "eq": "torch.eq Tensor.eq operator.eq aten.eq",
    "ne": "torch.ne torch.not_equal Tensor.ne Tensor.not_equal operator.ne aten.ne",
    "lt": "torch.lt torch.less Tensor.lt Tensor.less operator.lt aten.lt",
    "le": "torch.le torch.less_equal Tensor.le Tensor.less_equal operator.le aten.le",
    "gt": "torch.gt torch.greater Tensor.gt Tensor.greater operator.gt aten.gt",
    "ge": "torch.ge torch.greater_equal Tensor.ge Tensor.greater_equal operator.ge aten.ge",
}.items():
    _reg(_keys, "input, other", _compare(_op))
_reg("torch.where aten.where", "condition, input=None, other=None", h_where)
_reg("Tensor.where", "input, condition, other", h_tensor_where)
_reg("torch.masked_fill Tensor.masked_fill aten.masked_fill", "input, mask, value",
     h_masked_fill)
_reg("torch.logical_and Tensor.logical_and operator.and_ aten.logical_and "
     "torch.bitwise_and Tensor.bitwise_and", "input, other", _logical("and"))
_reg("torch.logical_or Tensor.logical_or operator.or_ aten.logical_or "
     "torch.bitwise_or Tensor.bitwise_or", "input, other", _logical("or"))
_reg("torch.logical_xor Tensor.logical_xor operator.xor aten.logical_xor "
     "torch.bitwise_xor Tensor.bitwise_xor", "input, other", _logical("xor"))
_reg("torch.logical_not Tensor.logical_not operator.invert aten.logical_not "
     "torch.bitwise_not Tensor.bitwise_not", "input", _logical("not"))

# Elementwise unary.
for _op, _keys in {
    "neg": "torch.neg torch.negative Tensor.neg Tensor.negative operator.neg aten.neg",
    "abs": "torch.abs torch.absolute Tensor.abs Tensor.absolute aten.abs",
    "exp": "torch.exp Tensor.exp aten.exp",
    "log": "torch.log Tensor.log aten.log",
    "sqrt": "torch.sqrt Tensor.sqrt aten.sqrt",
    "rsqrt": "torch.rsqrt Tensor.rsqrt aten.rsqrt",
    "tanh": f"torch.tanh Tensor.tanh {F}tanh aten.tanh",
    "sigmoid": f"torch.sigmoid Tensor.sigmoid {F}sigmoid torch.special.expit aten.sigmoid",
    "relu": f"torch.relu Tensor.relu {F}relu aten.relu",
    "silu": f"{F}silu aten.silu",
    "hardswish": f"{F}hardswish aten.hardswish",
    "selu": f"torch.selu {F}selu aten.selu",
    "mish": f"{F}mish aten.mish",
    "softsign": f"{F}softsign",
    "log_sigmoid": f"{F}logsigmoid aten.log_sigmoid",
    "tanhshrink": f"{F}tanhshrink",
}.items():
    _reg(_keys, "input, inplace=False", _unary(_op))
_reg(f"{F}elu aten.elu", "input, alpha=1.0, inplace=False",
     _unary_with("elu", ("alpha", 1.0)))
_reg(f"torch.celu {F}celu aten.celu", "input, alpha=1.0, inplace=False",
     _unary_with("celu", ("alpha", 1.0)))
_reg(f"{F}softplus aten.softplus", "input, beta=1.0, threshold=20.0",
     _unary_with("softplus", ("beta", 1.0), ("threshold", 20.0)))
_reg(f"{F}softshrink aten.softshrink Tensor.softshrink", "input, lambd=0.5",
     _unary_with("softshrink", ("lambd", 0.5)))
_reg(f"{F}hardshrink aten.hardshrink Tensor.hardshrink", "input, lambd=0.5",
     _unary_with("hardshrink", ("lambd", 0.5)))
_reg("operator.pos Tensor.positive torch.positive", "input", h_identity)
_reg(f"{F}leaky_relu aten.leaky_relu", "input, negative_slope=0.01, inplace=False", h_leaky_relu)
_reg(f"{F}gelu aten.gelu", "input, approximate='none'", h_gelu)
_reg(f"{F}relu6 aten.relu6", "input, inplace=False", h_relu6)
_reg(f"{F}hardtanh aten.hardtanh", "input, min_val=-1.0, max_val=1.0, inplace=False", h_hardtanh)
_reg(f"{F}hardsigmoid aten.hardsigmoid", "input, inplace=False", h_hardsigmoid)
_reg(f"{F}prelu torch.prelu aten.prelu", "input, weight", h_prelu)
_reg(f"{F}rrelu torch.rrelu aten.rrelu",
     "input, lower=0.125, upper=0.3333333333333333, training=False, inplace=False", h_rrelu)
_reg(f"{F}_threshold {F}threshold torch.threshold aten.threshold",
     "input, threshold, value, inplace=False", h_threshold)
_reg(f"{F}glu aten.glu", "input, dim=-1", h_glu)
_reg(f"{F}softmin", "input, dim=None, _stacklevel=3, dtype=None", h_softmin)
_reg("torch.clamp torch.clip Tensor.clamp Tensor.clip aten.clamp aten.clip",
     "input, min=None, max=None", h_clamp)
_reg("torch.clamp_min Tensor.clamp_min aten.clamp_min", "input, min", h_clamp_min)
_reg("torch.clamp_max Tensor.clamp_max aten.clamp_max", "input, max", h_clamp_max)

# Reductions.
_reg("torch.sum Tensor.sum aten.sum", "input, dim=None, keepdim=False, dtype=None",
     _reduction("sum"))
_reg("torch.mean Tensor.mean aten.mean", "input, dim=None, keepdim=False, dtype=None",
     _reduction("mean"))
_reg("torch.amax Tensor.amax aten.amax", "input, dim=(), keepdim=False", _reduction("max"))
_reg("torch.amin Tensor.amin aten.amin", "input, dim=(), keepdim=False", _reduction("min"))
_reg("torch.argmax Tensor.argmax aten.argmax", "input, dim=None, keepdim=False",
     _arg_extremum("argmax"))
_reg("torch.argmin Tensor.argmin aten.argmin", "input, dim=None, keepdim=False",
     _arg_extremum("argmin"))
_reg_multi("torch.max Tensor.max", "input, dim=None, keepdim=False, other=None",
           _max_min("max"))
_reg_multi("torch.min Tensor.min", "input, dim=None, keepdim=False, other=None",
           _max_min("min"))
_reg_multi("torch.split Tensor.split", "input, split_size_or_sections, dim=0", h_split)
_reg_multi("torch.chunk Tensor.chunk", "input, chunks, dim=0", h_chunk)
_reg_multi("torch.tensor_split Tensor.tensor_split", "input, indices_or_sections, dim=0",
           h_tensor_split)
_reg_multi("torch.unbind Tensor.unbind", "input, dim=0", h_unbind)
_reg_multi("aten.max", None, _max_min("max"))
_reg_multi("aten.min", None, _max_min("min"))
_reg("torch.var Tensor.var", "input, dim=None, unbiased=None, keepdim=False, correction=None",
     _var_std(False))
_reg("torch.std Tensor.std", "input, dim=None, unbiased=None, keepdim=False, correction=None",
     _var_std(True))
_reg("torch.logsumexp Tensor.logsumexp aten.logsumexp", "input, dim, keepdim=False",
     h_logsumexp)

# Scans.
_reg("torch.cumsum Tensor.cumsum aten.cumsum", "input, dim, dtype=None", _scan("cumsum"))
_reg("torch.cumprod Tensor.cumprod aten.cumprod", "input, dim, dtype=None", _scan("cumprod"))
_reg("torch.prod Tensor.prod aten.prod", "input, dim=None, keepdim=False, dtype=None", h_prod)

# Normalizations.
_reg(f"{F}softmax", "input, dim=None, _stacklevel=3, dtype=None", _softmax("softmax"))
_reg(f"{F}log_softmax", "input, dim=None, _stacklevel=3, dtype=None", _softmax("log_softmax"))
_reg("torch.softmax Tensor.softmax torch.special.softmax", "input, dim, dtype=None",
     _softmax("softmax"))
_reg("torch.log_softmax Tensor.log_softmax torch.special.log_softmax", "input, dim, dtype=None",
     _softmax("log_softmax"))
_reg("aten.softmax aten._softmax", None, _softmax("softmax"))
_reg("aten.log_softmax aten._log_softmax", None, _softmax("log_softmax"))
_reg(f"{F}layer_norm aten.layer_norm",
     "input, normalized_shape, weight=None, bias=None, eps=1e-05", h_layer_norm)
_reg("torch.layer_norm",
     "input, normalized_shape, weight=None, bias=None, eps=1e-05, cudnn_enable=True",
     h_layer_norm)
_reg(f"{F}rms_norm torch.rms_norm aten.rms_norm", "input, normalized_shape, weight=None, eps=None",
     h_rms_norm)

# Data movement.
_reg("Tensor.permute", "input, *dims", h_permute)
_reg("torch.permute aten.permute", "input, dims", h_permute)
_reg("torch.transpose Tensor.transpose torch.swapdims Tensor.swapdims aten.transpose",
     "input, dim0, dim1", h_transpose)
_reg("torch.swapaxes Tensor.swapaxes", "input, axis0, axis1", h_swapaxes)
_reg("torch.t Tensor.t aten.t", "input", h_t)
_reg("torch.movedim Tensor.movedim torch.moveaxis Tensor.moveaxis", "input, source, destination",
     h_movedim)
_RESHAPES = ("Tensor.view Tensor.reshape Tensor.view_as Tensor.reshape_as Tensor.flatten "
             "Tensor.unflatten Tensor.squeeze Tensor.unsqueeze Tensor.ravel "
             "torch.reshape torch.flatten torch.unflatten torch.squeeze torch.unsqueeze "
             "torch.ravel aten.view aten._unsafe_view aten.reshape aten.flatten aten.squeeze "
             "aten.unsqueeze")
_reg(_RESHAPES, "input, *args, **", h_reshape_like)
for _k in _RESHAPES.split():
    if not _k.endswith("_as"):  # view_as/reshape_as read a second tensor
        POSITION_PARAMS[_k] = ("input",)
_reg("torch.gather Tensor.gather aten.gather", "input, dim, index, sparse_grad=False", h_gather)
_reg("torch.take_along_dim Tensor.take_along_dim", "input, indices, dim=None", h_take_along_dim)
_reg("torch.index_select Tensor.index_select aten.index_select", "input, dim, index",
     h_index_select)
_reg(f"{F}embedding aten.embedding",
     "input, weight, padding_idx=None, max_norm=None, norm_type=2.0, "
     "scale_grad_by_freq=False, sparse=False", h_embedding)
_reg("Tensor.long", "input, memory_format=None", h_cast)  # int64 stays int64
POSITION_PARAMS["Tensor.long"] = ("input",)
for _k in ("torch.gather", "Tensor.gather", "aten.gather"):
    POSITION_PARAMS[_k] = ("index",)
for _k in ("torch.take_along_dim", "Tensor.take_along_dim"):
    POSITION_PARAMS[_k] = ("indices",)
for _k in ("torch.index_select", "Tensor.index_select", "aten.index_select"):
    POSITION_PARAMS[_k] = ("index",)
for _k in (f"{F}embedding", "aten.embedding"):
    POSITION_PARAMS[_k] = ("input",)
_reg("Tensor.expand Tensor.expand_as torch.broadcast_to Tensor.broadcast_to aten.expand",
     "input, *args, **", h_expand_like)
_reg("Tensor.repeat", "input, *sizes", h_repeat)
_reg("torch.tile Tensor.tile", "input, dims", h_tile)
_reg("torch.repeat_interleave Tensor.repeat_interleave",
     "input, repeats, dim=None, output_size=None", h_repeat_interleave)
_reg("operator.getitem", "input, index", h_getitem)
_reg("torch.narrow Tensor.narrow aten.narrow", "input, dim, start, length", h_narrow)
_reg("torch.select Tensor.select aten.select", "input, dim, index", h_select)
_reg("torch.cat torch.concat aten.cat aten.concat", "tensors, dim=0", h_cat)
_reg("torch.stack aten.stack", "tensors, dim=0", h_stack)
_reg("torch.flip aten.flip", "input, dims", h_flip)
_reg("torch.roll Tensor.roll aten.roll", "input, shifts, dims=None", h_roll)
_reg("torch.diagonal Tensor.diagonal aten.diagonal", "input, offset=0, dim1=0, dim2=1",
     h_diagonal)
_reg("torch.diag Tensor.diag aten.diag", "input, diagonal=0", h_diag)
_reg("Tensor.unfold aten.unfold", "input, dimension, size, step", h_unfold)
_reg("torch.hstack", "tensors", h_hstack)
_reg("torch.vstack torch.row_stack", "tensors", h_vstack)
_reg("torch.rot90 Tensor.rot90", "input, k=1, dims=None", h_rot90)
_reg(f"{F}pad torch._C._nn.pad aten.pad", "input, pad, mode='constant', value=None", h_pad)
_reg("Tensor.flip", "input, *dims", h_flip)
_reg("torch.tril aten.tril Tensor.tril", "input, diagonal=0", _triangle("tril"))
_reg("torch.triu aten.triu Tensor.triu", "input, diagonal=0", _triangle("triu"))
_reg("torch.fliplr Tensor.fliplr", "input", lambda b, a, ctx: h_flip(b, {**a, "dims": [1]}, ctx))
_reg("torch.flipud Tensor.flipud", "input", lambda b, a, ctx: h_flip(b, {**a, "dims": [0]}, ctx))
_reg("builtins.getattr", "input, name", h_getattr)
_reg("Tensor.contiguous Tensor.clone torch.clone Tensor.detach torch.detach "
     "Tensor.requires_grad_ aten.clone aten.detach aten.alias aten.lift_fresh_copy "
     "aten.lift_fresh aten.contiguous",
     "input, *args, **", h_cast)
_reg("Tensor.to Tensor.type Tensor.type_as Tensor.float Tensor.half Tensor.bfloat16 Tensor.bool "
     "Tensor.double Tensor.cuda Tensor.cpu aten._to_copy aten.to",
     "input, *args, **", h_cast)
_reg(f"{F}dropout {F}dropout1d {F}dropout2d {F}dropout3d {F}alpha_dropout "
     f"{F}feature_alpha_dropout", "input, p=0.5, training=True, inplace=False", h_dropout)
_reg("torch.dropout Tensor.dropout", "input, p, train", h_dropout)
_reg("torch.ones_like torch.zeros_like torch.full_like", "input, *args, **", h_full_like)
_reg("aten.scalar_tensor", None, lambda b, a, ctx: b.constant(torch.tensor(number(a["s"], "s"))))

_reg("torch.einsum", "equation, *operands", h_einsum)
_reg(f"{F}scaled_dot_product_attention",
     "query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None, "
     "enable_gqa=False", h_sdpa)
_reg("torch.norm Tensor.norm", "input, p='fro', dim=None, keepdim=False, out=None, dtype=None",
     h_norm)
_reg("torch.linalg.vector_norm", "input, ord=2, dim=None, keepdim=False, dtype=None", h_norm)
_reg("aten.norm aten.linalg_vector_norm", None, h_norm)
_reg(f"{F}normalize", "input, p=2.0, dim=1, eps=1e-12, out=None", h_normalize)

# Why a few well-known ops have no mapping (added to the error message).
REASONS: Dict[str, str] = {
    "Tensor.item": "a Python value computed from tensor data",
    "Tensor.tolist": "a Python value computed from tensor data",
    "operator.setitem": "in-place assignment into a tensor",
}

# Methods/functions that only read tensor metadata: their non-tensor
# results are concrete values.
METADATA = frozenset({
    "Tensor.size", "Tensor.dim", "Tensor.ndimension", "Tensor.numel", "Tensor.nelement",
    "Tensor.element_size", "Tensor.is_contiguous", "Tensor.is_floating_point",
    "Tensor.get_device", "Tensor.stride", "Tensor.type", "torch.numel", "builtins.getattr", "builtins.len",
    "aten.sym_size", "aten.sym_numel", "aten.sym_stride", "aten.dim",
})

# Normalization, pooling and losses, written with the ops above (registers
# its handlers into the tables of this module).
from . import nn_ops  # noqa: E402,F401
