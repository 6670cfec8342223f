"""Normalization, pooling and loss functions as compositions of kgen ops.

Batch, instance and group norm, pooling over windows that tile the input,
and the elementwise losses have no kgen op of their own: they are written
with the ops the dialect has (`mean`/`sum`/`max` over dims, elementwise
arithmetic, `rsqrt`, `abs`, `clamp`, `reshape`, `slice`...), so every kgen
backend runs them and kernel formation fuses them with their neighbours.

Handlers follow ops.py's conventions (`fn(b, a, ctx) -> V`, `Unsupported`
for what does not decompose exactly) and are registered into
`ops.FUNCTIONS`, `ops.MODULES` and `ops.REASONS` when ops.py imports this
module. docs/frontend.md lists what maps and what stays unsupported.
"""

from __future__ import annotations

import math
from typing import List, Optional, Sequence

import torch

from .builder import Builder, Unsupported, V, broadcast_shapes, normalize_dim
from .ops import (F, FUNCTIONS, MODULES, POSITION_PARAMS, REASONS, FunctionalModule, _norm,
                  _reg, _reg_multi, h_embedding, number, tensor)


# ---------------------------------------------------------------------------
# Normalization: batch, instance, group
# ---------------------------------------------------------------------------

def _channel(b: Builder, p: V, x: V) -> V:
    """A per-channel vector [C] shaped to broadcast against x [N, C, *]."""
    return b.reshape(tensor(p, "per-channel parameter"), (p.shape[0],) + (1,) * (x.rank - 2))


def _affine(b: Builder, y: V, weight, bias) -> V:
    """y * weight + bias, per channel (either may be None)."""
    if weight is not None:
        y = b.binary("mul", y, _channel(b, weight, y))
    if bias is not None:
        y = b.binary("add", y, _channel(b, bias, y))
    return y


def standardize(b: Builder, x: V, dims: Sequence[int], eps: float) -> V:
    """(x - mean) * rsqrt(var + eps) with the mean and the biased variance
    over `dims`: how instance and group norm normalize. Trailing dims are
    flattened into one first (instance norm's H and W), so the statistics
    and the deviations they are computed from are over one loop, which
    kernel formation keeps in one kernel."""
    dims = sorted(d % x.rank for d in dims)
    if len(dims) > 1 and dims == list(range(x.rank - len(dims), x.rank)):
        lead = x.shape[:dims[0]]
        flat = b.reshape(x, tuple(lead) + (math.prod(x.shape[dims[0]:]),))
        return b.reshape(standardize(b, flat, [len(lead)], eps), x.shape)
    mean = b.reduce("mean", x, dims, True)
    dev = b.binary("sub", x, mean)
    var = b.reduce("mean", b.binary("mul", dev, dev), dims, True)
    return b.binary("mul", dev, b.unary("rsqrt", b.binary("add", var, eps)))


def running_norm(b: Builder, x: V, mean, var, weight, bias, eps: float) -> V:
    """Normalization with running statistics [C], as PyTorch's kernel
    computes it: x * alpha + beta, with alpha = weight * rsqrt(var + eps)
    and beta = bias - mean * alpha per channel."""
    if mean is None or var is None:
        raise Unsupported("normalization with running statistics that are None")
    alpha = b.unary("rsqrt", b.binary("add", tensor(var, "running_var"), eps))
    if weight is not None:
        alpha = b.binary("mul", alpha, tensor(weight, "weight"))
    shift = b.binary("mul", tensor(mean, "running_mean"), alpha)
    beta = b.unary("neg", shift) if bias is None else b.binary("sub", tensor(bias, "bias"), shift)
    return b.binary("add", b.binary("mul", x, _channel(b, alpha, x)), _channel(b, beta, x))


def _channels_first(x: V, what: str) -> V:
    x = tensor(x)
    if x.rank < 2:
        raise Unsupported(f"{what} of a rank-{x.rank} input (expected [N, C, ...])")
    return x


def _batch_mean(b: Builder, x: V) -> V:
    """The mean over N and the spatial dims of x [N, C, *], keepdim, as the
    mean over N of the per-plane means: every plane has as many elements,
    and a row reduction then a short column reduction is what kernel
    formation handles best (one reduction over dims [0, 2, 3] is not)."""
    planes = b.reduce("mean", x, list(range(2, x.rank)), True)
    return b.reduce("mean", planes, [0], True)


def batch_norm(b: Builder, x, mean, var, weight, bias, training: bool, eps: float) -> V:
    """Training: batch statistics over N and the spatial dims, then
    (x - mean) * (weight * rsqrt(var + eps)) + bias (the deviations are
    computed for the variance anyway, and keep f16/bf16 results closer than
    x * alpha + beta); eval: the running statistics. The running-statistics
    update of training mode is a side effect the result does not depend
    on: not modelled."""
    x = _channels_first(x, "batch_norm")
    if not training:
        return running_norm(b, x, mean, var, weight, bias, eps)
    dev = b.binary("sub", x, _batch_mean(b, x))
    scale = b.unary("rsqrt", b.binary("add", _batch_mean(b, b.binary("mul", dev, dev)), eps))
    if weight is not None:
        scale = b.binary("mul", scale, _channel(b, weight, x))
    return _affine(b, b.binary("mul", dev, scale), None, bias)


def h_batch_norm(b, a, ctx):
    return batch_norm(b, a["input"], a.get("running_mean"), a.get("running_var"),
                      a.get("weight"), a.get("bias"), bool(a.get("training", False)),
                      number(a["eps"], "eps"))


def h_instance_norm(b, a, ctx):
    x = _channels_first(a["input"], "instance_norm")
    eps = number(a["eps"], "eps")
    if not a.get("use_input_stats", True):
        return running_norm(b, x, a.get("running_mean"), a.get("running_var"),
                            a.get("weight"), a.get("bias"), eps)
    if x.rank == 2:
        return _affine(b, standardize(b, x, [], eps), a.get("weight"), a.get("bias"))
    return _plane_norm(b, x, a.get("weight"), a.get("bias"), eps)


def _plane_norm(b: Builder, x: V, weight, bias, eps: float) -> V:
    """Instance norm with input statistics: x [N, C, *] viewed as [N, C, P]
    (P the spatial elements), a layer norm over P, then the per-channel
    affine in that view. The layer norm is one kernel that reads each
    plane once for its mean, variance and normalization, and the affine,
    elementwise on the same view, fuses into it: one read and one write of
    x. (Standardized in [N, C, *] and scaled after a reshape, the mean, the
    normalization and the affine were three passes over x.)"""
    plane = math.prod(x.shape[2:])
    y = b.layer_norm(b.reshape(x, tuple(x.shape[:2]) + (plane,)), [plane], None, None, eps)
    return b.reshape(_affine(b, y, weight, bias), x.shape)


def group_norm(b: Builder, x, groups: int, weight, bias, eps: float) -> V:
    """[N, C, *] viewed as [N, G, C/G * spatial], standardized over its last
    dim, viewed back, then the per-channel affine."""
    x = _channels_first(x, "group_norm")
    n, c = x.shape[:2]
    groups = int(groups)
    if groups <= 0 or c % groups:
        raise Unsupported(f"group_norm of {c} channels in {groups} groups")
    g = b.reshape(x, (n, groups, math.prod(x.shape) // max(n * groups, 1)))
    y = b.reshape(standardize(b, g, [2], eps), x.shape)
    return _affine(b, y, weight, bias)


def h_group_norm(b, a, ctx):
    return group_norm(b, a["input"], a["num_groups"], a.get("weight"), a.get("bias"),
                      number(a["eps"], "eps"))


def h_native_group_norm(b, a, ctx):
    y = group_norm(b, a["input"], a["group"], a.get("weight"), a.get("bias"),
                   number(a["eps"], "eps"))
    return y, None, None  # mean and rstd (for the backward pass) are not computed


def m_batch_norm(b, x, m, ctx):
    """nn.BatchNorm*d in the caller's mode (ctx.training): batch statistics
    in training mode or without running statistics, else the running ones."""
    batch_stats = ctx.training or (m.running_mean is None and m.running_var is None)
    stats = (None, None) if batch_stats else (ctx.param("running_mean"),
                                              ctx.param("running_var"))
    return batch_norm(b, x, *stats, ctx.param("weight"), ctx.param("bias"), batch_stats,
                      float(m.eps))


def m_instance_norm(b, x, m, ctx):
    """nn.InstanceNorm*d: input statistics in training mode or without
    tracked running statistics; an unbatched input gets a batch of one."""
    unbatched = x.rank == m._get_no_batch_dim()
    xb = b.reshape(x, (1,) + x.shape) if unbatched else x
    input_stats = ctx.training or not m.track_running_stats
    stats = {} if input_stats else {"running_mean": ctx.param("running_mean"),
                                    "running_var": ctx.param("running_var")}
    y = h_instance_norm(b, {"input": xb, "weight": ctx.param("weight"),
                            "bias": ctx.param("bias"), "use_input_stats": input_stats,
                            "eps": m.eps, **stats}, ctx)
    return b.reshape(y, x.shape)


def m_group_norm(b, x, m, ctx):
    return group_norm(b, x, m.num_groups, ctx.param("weight"), ctx.param("bias"), float(m.eps))


# ---------------------------------------------------------------------------
# Pooling: windows that tile the input as reductions of a reshape, the rest
# (overlapping, gapped, padded, dilated, ceil_mode) as kgen.max_pool/avg_pool
# ---------------------------------------------------------------------------

INDICES = "return_indices: the positions of each window's maximum are not computed (kgen.max_pool gives the values)"


def _per_dim(v, n: int, what: str) -> List[Optional[int]]:
    """An int, or a sequence of 1 or n ints (None kept), as n values."""
    if v is None or isinstance(v, int):
        return [v] * n
    v = [None if e is None else int(e) for e in v]
    if len(v) == 1:
        return v * n
    if len(v) != n:
        raise Unsupported(f"{what} {v} for {n} spatial dimensions")
    return v


def window_reduce(b: Builder, x: V, kernel: Sequence[int], op: str) -> V:
    """`op` ('mean', 'max', 'sum') over the windows `kernel` that tile the
    last len(kernel) dims of x: each dim of size s becomes [s/k, k] and the
    k dims are reduced (a global pool reduces the dims themselves)."""
    lead = x.rank - len(kernel)
    sizes = x.shape[lead:]
    if all(k == 1 for k in kernel):
        return x
    if list(kernel) == list(sizes):
        return b.reduce(op, x, list(range(lead, x.rank)), True)
    split, dims = list(x.shape[:lead]), []
    for s, k in zip(sizes, kernel):
        split.append(s // k)
        if k != 1:
            split.append(k)
            dims.append(len(split) - 1)
    return b.reduce(op, b.reshape(x, split), dims, False)


def _drop_remainder(b: Builder, x: V, kernel: Sequence[int]) -> V:
    """x without the last elements of each pooled dim that fill no whole
    window (which floor mode drops)."""
    lead = x.rank - len(kernel)
    sizes = list(x.shape)
    for i, k in enumerate(kernel):
        sizes[lead + i] -= x.shape[lead + i] % k
    return b.slice(x, [0] * x.rank, sizes, [1] * x.rank)


def _tiles(x: V, kernel, stride, padding, dilation, ceil_mode: bool) -> bool:
    """Whether the windows tile the input: stride == kernel, no padding or
    dilation, and no partial last window that ceil_mode would keep."""
    sizes = x.shape[x.rank - len(kernel):]
    return (stride == kernel and not any(padding)
            and all(d == 1 or k == 1 for d, k in zip(dilation, kernel))
            and not (ceil_mode and any(s % k for s, k in zip(sizes, kernel))))


def pool(b: Builder, x: V, op: str, nsp: int, kernel_size, stride, padding, dilation,
         ceil_mode: bool, divisor=None, count_include_pad: bool = True) -> V:
    """max/avg pooling of the last `nsp` dims. Windows that tile the input
    are a reduction of its reshape (row reductions the lanes take); others
    (overlapping, gapped, padded, dilated, ceil_mode's partial windows)
    are kgen.max_pool / kgen.avg_pool. `divisor` is avg's divisor_override."""
    x = tensor(x)
    kernel = _per_dim(kernel_size, nsp, "kernel_size")
    stride = kernel if stride is None or stride == [] or stride == () else \
        _per_dim(stride, nsp, "stride")
    padding, dilation = _per_dim(padding, nsp, "padding"), _per_dim(dilation, nsp, "dilation")
    ceil_mode = bool(ceil_mode)
    if not _tiles(x, kernel, stride, padding, dilation, ceil_mode):
        kind = "max" if op == "max" else "avg"
        return b.pool(kind, x, kernel, stride, padding, dilation, ceil_mode,
                      bool(count_include_pad), None if divisor is None else int(divisor))
    x = _drop_remainder(b, x, kernel)
    if divisor is None:
        return window_reduce(b, x, kernel, op)
    return b.binary("div", window_reduce(b, x, kernel, "sum"), number(divisor, "divisor_override"))


def adaptive_pool(b: Builder, x: V, op: str, nsp: int, output_size) -> V:
    """Adaptive pooling (None keeps a size). Along a dim whose output size
    divides its size the windows tile it, k = size / output size; along
    another, PyTorch's windows [floor(i s / o), ceil((i + 1) s / o)) overlap
    and differ in length, and each is a slice reduced on its own, joined by
    a concat. Max and mean over a box are max and mean along one dim of
    those along the next, so the dims are pooled one after another."""
    x = tensor(x)
    lead = x.rank - nsp
    sizes = x.shape[lead:]
    out = [s if o is None else o for s, o in zip(sizes, _per_dim(output_size, nsp, "output_size"))]
    if any(o <= 0 for o in out):
        raise Unsupported(f"output size {tuple(out)}")
    x = window_reduce(b, x, [s // o if s % o == 0 else 1 for s, o in zip(sizes, out)], op)
    for j, (s, o) in enumerate(zip(sizes, out)):
        if s % o:
            x = _overlapping_windows(b, x, lead + j, o, op)
    return x


def _overlapping_windows(b: Builder, x: V, dim: int, out: int, op: str) -> V:
    """`op` ('max', 'mean') over adaptive pooling's `out` windows of dim."""
    size, pieces = x.shape[dim], []
    for i in range(out):
        start, end = i * size // out, -(-(i + 1) * size // out)
        pieces.append(b.reduce(op, b.along(x, dim, start, end - start), [dim], True))
    return b.concat(pieces, dim)


def _max_pool(nsp: int):
    def h(b, a, ctx):
        if a.get("return_indices"):
            raise Unsupported(INDICES)
        return pool(b, a["input"], "max", nsp, a["kernel_size"], a.get("stride"),
                    a.get("padding", 0), a.get("dilation", 1), a.get("ceil_mode", False))
    return h


def _avg_pool(nsp: int):
    def h(b, a, ctx):
        return pool(b, a["input"], "mean", nsp, a["kernel_size"], a.get("stride"),
                    a.get("padding", 0), 1, a.get("ceil_mode", False),
                    a.get("divisor_override"), a.get("count_include_pad", True))
    return h


def _adaptive(op: str, nsp: int):
    def h(b, a, ctx):
        if a.get("return_indices"):
            raise Unsupported(INDICES)
        return adaptive_pool(b, a["input"], op, nsp, a["output_size"])
    return h


def _with_indices(h):
    """An aten op that returns (values, indices): the values only."""
    return lambda b, a, ctx: (h(b, a, ctx), None)


# ---------------------------------------------------------------------------
# Losses
# ---------------------------------------------------------------------------

_REDUCTION_ENUM = {0: "none", 1: "mean", 2: "sum"}  # aten's `int reduction`

# log(t) is clamped to this floor in t * log(t): above log of the smallest
# subnormal of every kgen dtype (about -103.3), so only log(0) = -inf moves,
# and 0 * log(0) becomes 0 as in PyTorch's xlogy(t, t).
LOG_FLOOR = -1000.0


def reduction_of(a) -> str:
    """'none', 'mean', 'sum' or 'batchmean': reduction= as a string or
    aten's enum, or the legacy size_average/reduce pair."""
    if a.get("size_average") is not None or a.get("reduce") is not None:
        return torch.nn._reduction.legacy_get_string(a.get("size_average"), a.get("reduce"),
                                                     emit_warning=False)
    r = a.get("reduction", "mean")
    if isinstance(r, int) and not isinstance(r, bool):
        return _REDUCTION_ENUM.get(r, str(r))
    return r


def reduce_loss(b: Builder, loss: V, reduction: str) -> V:
    if reduction == "none":
        return loss
    if reduction not in ("mean", "sum"):
        raise Unsupported(f"reduction='{reduction}'")
    return b.reduce(reduction, loss, list(range(loss.rank)), False)


def _weighted(b: Builder, loss: V, a, mean_over_weights: bool) -> V:
    """The reduced loss, scaled by weight= if given: 'mean' is then
    sum(loss * w) / sum(w) for l1 and mse, mean(loss * w) for huber."""
    reduction, w = reduction_of(a), a.get("weight")
    if w is None:
        return reduce_loss(b, loss, reduction)
    loss = b.binary("mul", loss, tensor(w, "weight"))
    if reduction == "mean" and mean_over_weights:
        return b.binary("div", reduce_loss(b, loss, "sum"), reduce_loss(b, w, "sum"))
    return reduce_loss(b, loss, reduction)


def _abs_diff(b: Builder, a) -> V:
    return b.unary("abs", b.binary("sub", tensor(a["input"]), tensor(a["target"], "target")))


def huber(b: Builder, z: V, delta: float) -> V:
    """Huber's loss of z = |input - target| without a select: with
    c = min(z, delta), 0.5 * c^2 + delta * (z - c)."""
    c = b.clamp(z, None, delta)
    return b.binary("add", b.binary("mul", b.binary("mul", c, 0.5), c),
                    b.binary("mul", b.binary("sub", z, c), delta))


def h_l1_loss(b, a, ctx):
    return _weighted(b, _abs_diff(b, a), a, True)


def h_mse_loss(b, a, ctx):
    d = b.binary("sub", tensor(a["input"]), tensor(a["target"], "target"))
    return _weighted(b, b.binary("mul", d, d), a, True)


def h_huber_loss(b, a, ctx):
    return _weighted(b, huber(b, _abs_diff(b, a), number(a["delta"], "delta")), a, False)


def h_smooth_l1_loss(b, a, ctx):
    """huber(beta) / beta; beta 0 is the L1 loss, as in PyTorch."""
    beta = number(a["beta"], "beta")
    z = _abs_diff(b, a)
    loss = z if beta == 0 else b.binary("div", huber(b, z, beta), beta)
    return reduce_loss(b, loss, reduction_of(a))


def _class_table(b: Builder, a, classes: int, ignore: int) -> V:
    """weight= (1 without it) as a [1, C] row, 0 at class `ignore` when that
    is a class: the lookup table of `_at_targets`."""
    w = a.get("weight")
    keep = torch.ones(1, classes)
    if 0 <= ignore < classes:
        keep[0, ignore] = 0.0
    if w is None:
        return b.constant(keep)
    w = tensor(w, "weight")
    if w.shape != (classes,):
        raise Unsupported(f"weight of shape {w.shape} for {classes} classes")
    row = b.reshape(w, (1, classes))
    return row if bool(keep.all()) else b.binary("mul", row, b.constant(keep))


def _at_targets(b: Builder, table: V, target: V) -> V:
    """table[0, target], shaped like the target; 0 for a target outside
    [0, C). One [1, n] row of positions: nothing of the logits' size is
    written."""
    n = math.prod(target.shape)
    picked = b.gather(table, b.reshape(target, (1, n)), 1)
    return b.reshape(picked, target.shape)


def _picked(b: Builder, x: V, index: V) -> V:
    """x at each target class `index` (the target with a class dim of 1)
    along the class dim, which is dropped; 0 for a target outside [0, C)."""
    dim = min(1, x.rank - 1)
    return b.reshape(b.gather(x, index, dim), x.shape[:dim] + index.shape[dim + 1:])


def _over_classes(b: Builder, x: V, w: Optional[V]) -> V:
    """sum over the class dim (dropped) of x, times weight= `w` if given."""
    dim = min(1, x.rank - 1)
    if w is not None:
        x = b.binary("mul", x, b.reshape(w, (x.shape[dim],) + (1,) * (x.rank - dim - 1)))
    return b.reduce("sum", x, [dim], False)


def _smoothing_term(b: Builder, a, x: V, lse: V) -> V:
    """-sum over classes of w_c * log_softmax(x)_c, PyTorch's smooth loss:
    lse * sum(w) - sum(w_c x_c), with sum(w) = C without weight=."""
    w = a.get("weight")
    w = None if w is None else tensor(w, "weight")
    classes = x.shape[min(1, x.rank - 1)]
    total = float(classes) if w is None else b.reduce("sum", w, [0], False)
    return b.binary("sub", b.binary("mul", lse, total), _over_classes(b, x, w))


def _class_index_loss(b: Builder, a, x: V, lse: Optional[V], smoothing: float = 0.0) -> V:
    """-(x[target] - lse) * weight[target], reduced: NLL of log-probabilities
    x (lse None), or cross-entropy of logits x with lse their logsumexp
    over the classes, mixed with PyTorch's smooth loss (`smoothing`/C of it,
    1 - smoothing of the NLL). A target equal to ignore_index or outside
    [0, C) weighs 0; 'mean' divides by the weights of the targets kept, as
    PyTorch does (NaN when none is)."""
    target = tensor(a["target"], "target")
    if target.dtype != "i64":
        raise Unsupported("target is not an int64 class-index tensor")
    dim = min(1, x.rank - 1)
    classes = x.shape[dim]
    ignore = int(a.get("ignore_index", -100))
    weights = _at_targets(b, _class_table(b, a, classes, ignore), target)  # 0 where ignored
    kept = weights if a.get("weight") is None else \
        _at_targets(b, _class_table(b, {}, classes, ignore), target)  # 1 kept, 0 ignored
    index = b.reshape(target, target.shape[:dim] + (1,) + target.shape[dim:])
    logp = _picked(b, x, index)
    if lse is not None:  # log_softmax at the target: x[t] - lse
        logp = b.binary("sub", logp, lse)
    loss = b.unary("neg", b.binary("mul", logp, weights))
    if smoothing:
        loss = b.binary("add", b.binary("mul", loss, 1.0 - smoothing),
                        b.binary("mul", _smoothing_term(b, a, x, lse), smoothing / classes))
    # An ignored sample contributes 0 even where its row is not finite (a
    # padding row of -inf): selected out, not multiplied by 0.
    loss = b.where(kept, loss, 0.0)
    reduction = reduction_of(a)
    if reduction == "mean":
        return b.binary("div", reduce_loss(b, loss, "sum"), reduce_loss(b, weights, "sum"))
    return reduce_loss(b, loss, reduction)


def h_nll_loss(b, a, ctx):
    return _class_index_loss(b, a, tensor(a["input"]), None)


def _logsumexp_over_classes(b: Builder, x: V) -> V:
    """logsumexp over the class dim, which is dropped: max + log(sum(exp(x -
    max))), two row statistics of one kernel. Unlike torch.logsumexp's, an
    infinite maximum gives NaN here, as PyTorch's losses give it (their
    log_softmax is NaN on such a row)."""
    dim = min(1, x.rank - 1)
    m = b.reduce("max", x, [dim], True)
    s = b.reduce("sum", b.unary("exp", b.binary("sub", x, m)), [dim], True)
    lse = b.binary("add", b.unary("log", s), m)
    return b.reshape(lse, x.shape[:dim] + x.shape[dim + 1:])


def h_cross_entropy(b, a, ctx):
    """With int64 class-index targets: logsumexp(x) - x[target] per sample
    (the log-probabilities are never written out), weighted and reduced as
    nll_loss; with a float target of class probabilities,
    -sum(weight * target * log_softmax) per sample. label_smoothing as
    PyTorch applies it: the smooth loss mixed in, or the probabilities
    moved toward uniform."""
    x, target = tensor(a["input"]), tensor(a["target"], "target")
    smoothing = number(a.get("label_smoothing", 0.0), "label_smoothing")  # in [0, 1]: PyTorch
    if target.dtype == "i64":
        return _class_index_loss(b, a, x, _logsumexp_over_classes(b, x), smoothing)
    dim = min(1, x.rank - 1)
    if smoothing:
        target = b.binary("add", b.binary("mul", target, 1.0 - smoothing),
                          smoothing / x.shape[dim])
    w = a.get("weight")
    logp = b.softmax("log_softmax", x, dim)
    loss = b.unary("neg", _over_classes(b, b.binary("mul", logp, target),
                                        None if w is None else tensor(w, "weight")))
    reduction = reduction_of(a)
    if reduction == "mean" and x.rank > 1:  # the mean over samples (and positions)
        return b.binary("div", reduce_loss(b, loss, "sum"), float(math.prod(loss.shape)))
    return reduce_loss(b, loss, reduction)


def h_hinge_embedding_loss(b, a, ctx):
    """PyTorch's form: x where target != -1, plus max(margin - x, 0) where
    target != 1 (a target of neither value takes both)."""
    x, t = tensor(a["input"]), tensor(a["target"], "target")
    margin = number(a["margin"], "margin")
    hinge = b.clamp(b.binary("sub", margin, x), 0.0, None)
    loss = b.binary("add", b.where(b.compare("ne", t, -1.0), x, 0.0),
                    b.where(b.compare("ne", t, 1.0), hinge, 0.0))
    return reduce_loss(b, loss, reduction_of(a))


def h_cosine_embedding_loss(b, a, ctx):
    """1 - cos where target == 1, max(cos - margin, 0) where target == -1,
    with PyTorch's cos: sum(x1 x2) / sqrt((|x1|^2 + 1e-12)(|x2|^2 + 1e-12))
    over the last dim."""
    x1, x2 = tensor(a["input1"], "input1"), tensor(a["input2"], "input2")
    t = tensor(a["target"], "target")
    dim = x1.rank - 1
    dot = b.reduce("sum", b.binary("mul", x1, x2), [dim], False)
    m1 = b.binary("add", b.reduce("sum", b.binary("mul", x1, x1), [dim], False), 1e-12)
    m2 = b.binary("add", b.reduce("sum", b.binary("mul", x2, x2), [dim], False), 1e-12)
    cos = b.binary("div", dot, b.unary("sqrt", b.binary("mul", m1, m2)))
    neg = b.clamp(b.binary("sub", cos, number(a["margin"], "margin")), 0.0, None)
    loss = b.binary("add", b.where(b.compare("eq", t, 1.0), b.binary("sub", 1.0, cos), 0.0),
                    b.where(b.compare("eq", t, -1.0), neg, 0.0))
    return reduce_loss(b, loss, reduction_of(a))


def class_index_loss(fn) -> FunctionalModule:
    """nn.NLLLoss / nn.CrossEntropyLoss: the functional loss with the
    module's settings; its weight buffer is a program argument (NLLLoss
    has no label_smoothing: its None reads as 0)."""
    return FunctionalModule("input, target", fn, "ignore_index", "reduction",
                            "label_smoothing", params=("weight",),
                            position_params=("target",))


def t_log_t(b: Builder, t: V) -> V:
    """PyTorch's xlogy(t, t) (0 where t == 0) as t * max(log(t), LOG_FLOOR)."""
    return b.binary("mul", t, b.clamp(b.unary("log", t), LOG_FLOOR, None))


def h_kl_div(b, a, ctx):
    x, t = tensor(a["input"]), tensor(a["target"], "target")
    if a.get("log_target"):
        loss = b.binary("mul", b.unary("exp", t), b.binary("sub", t, x))
    else:
        loss = b.binary("sub", t_log_t(b, t), b.binary("mul", t, x))
    reduction = reduction_of(a)
    if reduction != "batchmean":
        return reduce_loss(b, loss, reduction)
    total = reduce_loss(b, loss, "sum")
    return total if x.rank == 0 else b.binary("div", total, float(x.shape[0]))


def h_xlogy(b, a, ctx):
    x, y = a["input"], a["other"]
    if not (isinstance(x, V) and x is y):
        raise Unsupported("xlogy of two different operands needs a select on x == 0; only "
                          "xlogy(t, t) decomposes")
    return t_log_t(b, x)


def cosine_similarity(b: Builder, x1: V, x2: V, dim: int, eps: float) -> V:
    """PyTorch's form: sum(x1 / max(|x1|, eps) * x2 / max(|x2|, eps)) over
    dim, the norms taken of the operands broadcast to one shape."""
    shape = broadcast_shapes(x1.shape, x2.shape)
    x1, x2 = b.broadcast_to(x1, shape), b.broadcast_to(x2, shape)
    d = normalize_dim(dim, len(shape))
    n1 = b.clamp(_norm(b, x1, 2, [d], True), eps, None)
    n2 = b.clamp(_norm(b, x2, 2, [d], True), eps, None)
    return b.reduce("sum", b.binary("mul", b.binary("div", x1, n1), b.binary("div", x2, n2)),
                    [d], False)


def h_cosine_similarity(b, a, ctx):
    return cosine_similarity(b, tensor(a["x1"], "x1"), tensor(a["x2"], "x2"), a["dim"],
                             number(a["eps"], "eps"))


def pairwise_distance(b: Builder, x1: V, x2: V, p, eps: float, keepdim: bool) -> V:
    """norm(x1 - x2 + eps, p) over the last dim, as PyTorch computes it."""
    d = b.binary("add", b.binary("sub", x1, x2), eps)
    return _norm(b, d, p, [max(d.rank - 1, 0)], keepdim)


def h_pairwise_distance(b, a, ctx):
    return pairwise_distance(b, tensor(a["x1"], "x1"), tensor(a["x2"], "x2"), a["p"],
                             number(a["eps"], "eps"), bool(a.get("keepdim", False)))


def h_triplet_margin_loss(b, a, ctx):
    """max(margin + d(anchor, positive) - d(anchor, negative), 0); with
    swap, d(anchor, negative) is min'ed with d(positive, negative)."""
    anc, pos, neg = (tensor(a[k], k) for k in ("anchor", "positive", "negative"))
    p, eps = a["p"], number(a["eps"], "eps")
    d_pos = pairwise_distance(b, anc, pos, p, eps, False)
    d_neg = pairwise_distance(b, anc, neg, p, eps, False)
    if a.get("swap"):
        d_neg = b.binary("minimum", d_neg, pairwise_distance(b, pos, neg, p, eps, False))
    loss = b.clamp(b.binary("sub", b.binary("add", d_pos, number(a["margin"], "margin")),
                            d_neg), 0.0, None)
    return reduce_loss(b, loss, reduction_of(a))


# ---------------------------------------------------------------------------
# Registration
# ---------------------------------------------------------------------------

_LEGACY = "size_average=None, reduce=None, reduction='mean'"

# Normalization.
_reg(f"{F}batch_norm",
     "input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, "
     "eps=1e-05", h_batch_norm)
_reg("torch.batch_norm",
     "input, weight, bias, running_mean, running_var, training, momentum, eps, cudnn_enabled",
     h_batch_norm)
_reg("aten.batch_norm", None, h_batch_norm)
_reg_multi("aten.native_batch_norm aten._native_batch_norm_legit "
           "aten._native_batch_norm_legit_no_training", None,
           lambda b, a, ctx: (h_batch_norm(b, a, ctx), None, None))
_reg(f"{F}instance_norm",
     "input, running_mean=None, running_var=None, weight=None, bias=None, use_input_stats=True, "
     "momentum=0.1, eps=1e-05", h_instance_norm)
_reg("torch.instance_norm",
     "input, weight, bias, running_mean, running_var, use_input_stats, momentum, eps, "
     "cudnn_enabled", h_instance_norm)
_reg("aten.instance_norm", None, h_instance_norm)
_reg(f"{F}group_norm", "input, num_groups, weight=None, bias=None, eps=1e-05", h_group_norm)
_reg("torch.group_norm", "input, num_groups, weight=None, bias=None, eps=1e-05, "
     "cudnn_enabled=True", h_group_norm)
_reg("aten.group_norm", None, h_group_norm)
_reg_multi("aten.native_group_norm", None, h_native_group_norm)

# Pooling. F.max_poolNd dispatch on return_indices; torch.max_poolNd and the
# aten ops take the same leading arguments.
_MAX_POOL_SIG = "input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, " \
                "return_indices=False"
_AVG_POOL_SIG = "input, kernel_size, stride=None, padding=0, ceil_mode=False, " \
                "count_include_pad=True, divisor_override=None"
for _n in (1, 2, 3):
    _reg(f"{F}max_pool{_n}d torch.max_pool{_n}d", _MAX_POOL_SIG, _max_pool(_n))
    _reg(f"aten.max_pool{_n}d", None, _max_pool(_n))
    _reg_multi(f"aten.max_pool{_n}d_with_indices", None, _with_indices(_max_pool(_n)))
    _reg(f"{F}avg_pool{_n}d torch.avg_pool{_n}d", _AVG_POOL_SIG, _avg_pool(_n))
    _reg(f"aten.avg_pool{_n}d", None, _avg_pool(_n))
    _reg(f"{F}adaptive_avg_pool{_n}d torch.adaptive_avg_pool{_n}d", "input, output_size",
         _adaptive("mean", _n))
    _reg(f"aten.adaptive_avg_pool{_n}d aten._adaptive_avg_pool{_n}d", None, _adaptive("mean", _n))
    _reg(f"{F}adaptive_max_pool{_n}d", "input, output_size, return_indices=False",
         _adaptive("max", _n))
    _reg_multi(f"aten.adaptive_max_pool{_n}d", None, _with_indices(_adaptive("max", _n)))
    _reg_multi(f"torch.adaptive_max_pool{_n}d", "input, output_size",
               _with_indices(_adaptive("max", _n)))
    for _k in (f"{F}max_pool{_n}d_with_indices", f"{F}adaptive_max_pool{_n}d_with_indices"):
        REASONS[_k] = INDICES
    REASONS[f"nn.MaxPool{_n}d"] = REASONS[f"nn.AdaptiveMaxPool{_n}d"] = INDICES

# Losses.
_reg(f"{F}l1_loss", f"input, target, {_LEGACY}, weight=None", h_l1_loss)
_reg(f"{F}mse_loss", f"input, target, {_LEGACY}, weight=None", h_mse_loss)
_reg(f"{F}huber_loss", "input, target, reduction='mean', delta=1.0, weight=None", h_huber_loss)
_reg(f"{F}smooth_l1_loss", f"input, target, {_LEGACY}, beta=1.0", h_smooth_l1_loss)
_reg(f"{F}kl_div", f"input, target, {_LEGACY}, log_target=False", h_kl_div)
_reg("aten.l1_loss", None, h_l1_loss)
_reg("aten.mse_loss", None, h_mse_loss)
_reg("aten.huber_loss", None, h_huber_loss)
_reg("aten.smooth_l1_loss", None, h_smooth_l1_loss)
_reg("aten.kl_div", None, h_kl_div)
_reg("torch.kl_div", "input, target, reduction=1, log_target=False", h_kl_div)
_reg("torch.xlogy torch.special.xlogy Tensor.xlogy aten.xlogy", "input, other", h_xlogy)
_reg(f"{F}cosine_similarity aten.cosine_similarity", "x1, x2, dim=1, eps=1e-08",
     h_cosine_similarity)
_reg(f"{F}pairwise_distance aten.pairwise_distance", "x1, x2, p=2.0, eps=1e-06, keepdim=False",
     h_pairwise_distance)
_reg(f"{F}triplet_margin_loss",
     f"anchor, positive, negative, margin=1.0, p=2, eps=1e-06, swap=False, {_LEGACY}",
     h_triplet_margin_loss)
_reg("torch.triplet_margin_loss",
     "anchor, positive, negative, margin=1.0, p=2.0, eps=1e-06, swap=False, reduction=1",
     h_triplet_margin_loss)
_reg("aten.triplet_margin_loss", None, h_triplet_margin_loss)

_reg(f"{F}hinge_embedding_loss",
     "input, target, margin=1.0, size_average=None, reduce=None, reduction='mean'",
     h_hinge_embedding_loss)
_reg("torch.hinge_embedding_loss", "input, target, margin=1.0, reduction=1",
     h_hinge_embedding_loss)  # the native signature: reduction is aten's enum
_reg("aten.hinge_embedding_loss", None, h_hinge_embedding_loss)
_reg(f"{F}cosine_embedding_loss",
     "input1, input2, target, margin=0.0, size_average=None, reduce=None, reduction='mean'",
     h_cosine_embedding_loss)
_reg("torch.cosine_embedding_loss", "input1, input2, target, margin=0.0, reduction=1",
     h_cosine_embedding_loss)
_reg("aten.cosine_embedding_loss", None, h_cosine_embedding_loss)
_reg(f"{F}nll_loss", "input, target, weight=None, size_average=None, ignore_index=-100, "
     "reduce=None, reduction='mean'", h_nll_loss)
_reg(f"{F}cross_entropy", "input, target, weight=None, size_average=None, ignore_index=-100, "
     "reduce=None, reduction='mean', label_smoothing=0.0", h_cross_entropy)
_reg("aten.nll_loss aten.nll_loss_nd aten.nll_loss2d", None, h_nll_loss)
_reg("aten.cross_entropy_loss", None, h_cross_entropy)
for _k in (f"{F}nll_loss", f"{F}cross_entropy", "aten.nll_loss", "aten.nll_loss_nd",
           "aten.nll_loss2d", "aten.cross_entropy_loss"):
    POSITION_PARAMS[_k] = ("target",)

# Modules.
for _n in (1, 2, 3):
    MODULES[f"BatchNorm{_n}d"] = m_batch_norm
    MODULES[f"InstanceNorm{_n}d"] = m_instance_norm
    MODULES[f"MaxPool{_n}d"] = FunctionalModule(
        "input", _max_pool(_n), "kernel_size", "stride", "padding", "dilation", "ceil_mode")
    MODULES[f"AvgPool{_n}d"] = FunctionalModule(
        "input", _avg_pool(_n), "kernel_size", "stride", "padding", "ceil_mode",
        "count_include_pad", "divisor_override")
    MODULES[f"AdaptiveAvgPool{_n}d"] = FunctionalModule(
        "input", _adaptive("mean", _n), "output_size")
    MODULES[f"AdaptiveMaxPool{_n}d"] = FunctionalModule(
        "input", _adaptive("max", _n), "output_size")
MODULES["GroupNorm"] = m_group_norm
MODULES["HingeEmbeddingLoss"] = FunctionalModule("input, target", h_hinge_embedding_loss,
                                                 "margin", "reduction")
MODULES["CosineEmbeddingLoss"] = FunctionalModule("input1, input2, target",
                                                  h_cosine_embedding_loss, "margin", "reduction")
MODULES["NLLLoss"] = class_index_loss(h_nll_loss)
MODULES["CrossEntropyLoss"] = class_index_loss(h_cross_entropy)
MODULES["Embedding"] = FunctionalModule("input", h_embedding, "max_norm", params=("weight",),
                                        position_params=("input",))
MODULES["L1Loss"] = FunctionalModule("input, target", h_l1_loss, "reduction")
MODULES["MSELoss"] = FunctionalModule("input, target", h_mse_loss, "reduction")
MODULES["HuberLoss"] = FunctionalModule("input, target", h_huber_loss, "reduction", "delta")
MODULES["SmoothL1Loss"] = FunctionalModule("input, target", h_smooth_l1_loss, "reduction", "beta")
MODULES["KLDivLoss"] = FunctionalModule("input, target", h_kl_div, "reduction", "log_target")
MODULES["CosineSimilarity"] = FunctionalModule("x1, x2", h_cosine_similarity, "dim", "eps")
MODULES["PairwiseDistance"] = FunctionalModule("x1, x2", h_pairwise_distance, "p=norm", "eps",
                                               "keepdim")
MODULES["TripletMarginLoss"] = FunctionalModule(
    "anchor, positive, negative", h_triplet_margin_loss, "margin", "p", "eps", "swap",
    "reduction")


# Calls that update running statistics in place: batch/instance norm given
# them, with batch statistics (training mode). The kgen program leaves the
# update out (the result does not depend on it); torch.compile leaves such
# calls to PyTorch, so that the module's buffers are still updated.
_STATS_FLAG = {f"{F}batch_norm": "training", "torch.batch_norm": "training",
               f"{F}instance_norm": "use_input_stats", "torch.instance_norm": "use_input_stats"}


def updates_running_stats(key: str, args, kwargs) -> bool:
    """Whether a call of `key` (a qualified name) on these arguments updates
    running statistics in place."""
    flag = _STATS_FLAG.get(key)
    if flag is None:
        return False
    try:
        a = FUNCTIONS[key][0].bind(args, kwargs)
    except Unsupported:
        return False
    return bool(a.get(flag, True)) and (a.get("running_mean") is not None
                                        or a.get("running_var") is not None)
