"""Tests of the PyTorch importer (frontend/kgen_import, tools/kgen-import).

Each module is imported, the MLIR is checked by kgen-opt (parse, verify,
and --kgen-to-linalg), run on the CPU by kgen-run on the module's own example
inputs and parameters (.npy files), and compared with the module's PyTorch
output (f32: rtol 1e-4, atol 1e-5).

Run: .venv/bin/python -m pytest -q test/frontend
kgen-opt/kgen-run come from $KGEN_OPT/$KGEN_RUN, else build/bin; without them
the tests that need them are skipped (they fail instead when CI or KGEN_RUN is set).
"""

from __future__ import annotations

import copy
import math
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from frontend_testing import (ATOL, REPO, RTOL, check_module, kgen_opt,  # noqa: E402,F401
                              need_tools, reference, run_imported, tool)

from kgen_import import (KgenImportError, UnsupportedOpsError, import_module,  # noqa: E402
                         import_program)

KGEN_IMPORT = REPO / "tools" / "kgen-import"


def rand(*shape, low=-1.0, high=1.0):
    return torch.empty(*shape).uniform_(low, high)


# ---------------------------------------------------------------------------
# Modules
# ---------------------------------------------------------------------------

class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(32, 64), nn.ReLU(), nn.Linear(64, 48), nn.GELU(),
                                 nn.Dropout(0.1), nn.Linear(48, 16, bias=False))

    def forward(self, x):
        return self.net(x)


class FunctionalMLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.w1 = nn.Parameter(rand(64, 32) / 6)
        self.b1 = nn.Parameter(rand(64) / 6)
        self.w2 = nn.Parameter(rand(16, 64) / 8)

    def forward(self, x):
        h = F.gelu(F.linear(x, self.w1, self.b1), approximate="tanh")
        h = F.silu(h) * torch.sigmoid(h)
        h = F.dropout(h, p=0.2, training=self.training)
        return F.linear(h, self.w2)


class Attention(nn.Module):
    def __init__(self, dim=32, heads=4):
        super().__init__()
        self.heads = heads
        self.q = nn.Linear(dim, dim)
        self.k = nn.Linear(dim, dim)
        self.v = nn.Linear(dim, dim)
        self.out = nn.Linear(dim, dim)

    def forward(self, x):
        b, s, d = x.shape
        h = self.heads

        def split(t):
            return t.view(b, s, h, d // h).transpose(1, 2)

        q, k, v = split(self.q(x)), split(self.k(x)), split(self.v(x))
        scores = q @ k.transpose(-2, -1) / math.sqrt(q.size(-1))
        p = scores.softmax(dim=-1)
        o = torch.matmul(p, v).transpose(1, 2).contiguous().reshape(b, s, d)
        return self.out(o)


class ConvNet(nn.Module):
    """Convolutions without batch norm: strides, groups, 'same' padding,
    1x1, bias off, flatten into a linear layer."""

    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(3, 8, 3, padding=1)
        self.c2 = nn.Conv2d(8, 16, kernel_size=(3, 3), stride=2, padding=(1, 1), bias=False)
        self.c3 = nn.Conv2d(16, 16, 3, groups=4, padding="same")
        self.c4 = nn.Conv2d(16, 8, 1)
        self.fc = nn.Linear(8 * 5 * 5, 10)
        self.act = nn.ReLU(inplace=True)

    def forward(self, x):
        x = self.act(self.c1(x))
        x = F.relu6(self.c2(x))
        x = F.hardswish(self.c3(x))
        x = self.c4(x)
        return self.fc(torch.flatten(x, 1))


class Conv1d3d(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv1d(4, 6, 3, stride=2, padding=2, dilation=2)
        self.c3 = nn.Conv3d(2, 4, (1, 3, 3), padding=(0, 1, 1))
        self.w = nn.Parameter(rand(6, 2, 3, 3) / 4)

    def forward(self, x1, x3, x2):
        a = self.c1(x1).sum(dim=-1)
        b = self.c3(x3).mean(dim=(2, 3, 4))
        c = F.conv2d(x2, self.w, None, (1, 2), (1, 0), 1, 2)  # unbatched input
        return a, b, c


class ConvTransposes(nn.Module):
    """nn.ConvTranspose1d/2d/3d, F.conv_transpose*d and torch.conv_transpose*d:
    the decoder's stride-2 upsampling with output padding, groups, dilation,
    no bias, an unbatched input, output_size (spatial only, and with N and C)."""

    def __init__(self):
        super().__init__()
        self.up = nn.ConvTranspose2d(4, 3, 3, stride=2, padding=1, output_padding=1)
        self.c1 = nn.ConvTranspose1d(4, 6, 4, stride=3, padding=1, groups=2, bias=False)
        self.c3 = nn.ConvTranspose3d(2, 2, (1, 3, 2), stride=(1, 2, 1), dilation=(1, 1, 2))
        self.w = nn.Parameter(rand(4, 2, 3, 2) / 4)

    def forward(self, x2, x1, x3):
        return (self.up(x2), self.c1(x1), self.c3(x3),
                F.conv_transpose2d(x2, self.w, None, 2, 1, 1, 2, 1),
                torch.conv_transpose2d(x2[0], self.w, stride=(1, 2)),
                self.up(x2, output_size=[10, 11]), self.c1(x1, output_size=(2, 6, 22)))


class LayerNormResidual(nn.Module):
    def __init__(self, d=48):
        super().__init__()
        self.ln1 = nn.LayerNorm(d)
        self.ln2 = nn.LayerNorm(d, eps=1e-6, elementwise_affine=False)
        self.fc = nn.Linear(d, d)
        self.g = nn.Parameter(torch.rand(d) + 0.5)

    def forward(self, x, r):
        h = self.ln1(x + r)
        h = h + self.fc(h)
        h = self.ln2(h)
        return F.layer_norm(h, (h.shape[-1],), self.g, None, 1e-3)


class ScalarChain(nn.Module):
    def forward(self, x, y):
        a = (x * 2.0 + 1) / 3 - 0.5
        b = 2.0 - a * y
        c = 1 / (x.abs() + 3) + 0.5 * y
        d = torch.maximum(a, b) - torch.minimum(b, c) + (-x)
        e = x ** 2 + (x.abs() + 0.5) ** 0.5 + torch.pow(x.abs() + 0.1, 1.7) + 2.0 ** y
        f = torch.exp(y) * torch.log(x.abs() + 1) + torch.sqrt(y.abs()) - torch.rsqrt(y.abs() + 1)
        g = torch.tanh(d) + torch.sigmoid(e) + torch.neg(f)
        g = g.sub(x, alpha=0.5).add(y, alpha=2) + torch.rsub(x, 1.0)
        return g * 0.25, x.square() - x.reciprocal().clamp(-4, 4), (x ** 3) * y ** -2.0


class Activations(nn.Module):
    def __init__(self):
        super().__init__()
        self.lrelu = nn.LeakyReLU()
        self.lrelu2 = nn.LeakyReLU(0.2)
        self.hs = nn.Hardswish()
        self.hsig = nn.Hardsigmoid()
        self.r6 = nn.ReLU6()
        self.ht = nn.Hardtanh(-2.0, 2.5)
        self.silu = nn.SiLU()
        self.gelu = nn.GELU()

    def forward(self, x):
        outs = [
            F.relu(x), torch.relu(x), x.relu(), self.lrelu(x), self.lrelu2(x),
            F.leaky_relu(x, 0.3), self.hs(x), self.hsig(x), F.hardsigmoid(x), self.r6(x),
            self.ht(x), F.hardtanh(x), self.silu(x), self.gelu(x), F.gelu(x, approximate="tanh"),
            torch.clamp(x, min=-0.5, max=0.5), x.clamp(min=0.1), torch.clamp_min(x, -1.0),
            x.clamp_max(1.5), torch.clip(x, -1, 1), torch.tanh(x), F.sigmoid(x),
        ]
        y = outs[0]
        for i, o in enumerate(outs[1:]):
            y = y + o * (i + 2)
        return y


class SmoothActivations(nn.Module):
    """The exponential, softplus and shrink families, as modules (default
    and non-default parameters) and as functions."""

    def __init__(self):
        super().__init__()
        self.mods = nn.ModuleList([
            nn.ELU(), nn.ELU(0.5), nn.SELU(), nn.CELU(), nn.CELU(2.0), nn.Softplus(),
            nn.Softplus(2.0, 5.0), nn.Mish(), nn.Softsign(), nn.LogSigmoid(), nn.Tanhshrink(),
            nn.Softshrink(), nn.Softshrink(0.25), nn.Hardshrink(), nn.Hardshrink(0.25)])

    def forward(self, x):
        outs = [m(x) for m in self.mods] + [
            F.elu(x, alpha=0.3), F.selu(x), torch.selu(x), F.celu(x, 1.5), F.softplus(x, beta=3),
            F.mish(x), F.softsign(x), F.logsigmoid(x), F.tanhshrink(x), F.softshrink(x, 0.1),
            F.hardshrink(x, 0.1)]
        y = outs[0]
        for i, o in enumerate(outs[1:]):
            y = y + o * (i + 2)
        return y


class Slices(nn.Module):
    """Basic indexing (ints, slices with steps, None, ...), narrow, select
    and flip."""

    def forward(self, x, y):
        e = torch.narrow(y, 1, 2, 3) + y.narrow(0, -2, 2).sum()
        f = torch.flip(y, [0, 1]) + y.flip(1) + torch.fliplr(y) + torch.flipud(y)
        g = x.select(1, -1) + x[:, 0]
        return (x[:, 1:5] * 2, x[..., ::2], x[2], x[-1, None, 3:], x[1:3, 2:8:3], e, f, g,
                x[:, 100:])


class Triangles(nn.Module):
    """torch.tril / torch.triu in every spelling, with positive and
    negative diagonals, batched, and around a matmul (KernelBench's
    triangular matrix products)."""

    def forward(self, x, a, b):
        t = torch.tril(x) + x.triu(2) + torch.triu(x, diagonal=-1) + x.tril(diagonal=-3)
        return t, torch.tril(torch.matmul(a, b)), torch.triu(a, 1)


class Reductions(nn.Module):
    def forward(self, x):
        return (x.sum(dim=-1, keepdim=True), torch.mean(x, dim=(0, 2)), x.amax(dim=-2),
                torch.amin(x, dim=[-1, 0], keepdim=True), x.sum(), torch.max(x), x.min(),
                x.mean(-3, True), x.var(dim=1), x.std(dim=-1, keepdim=True, unbiased=False),
                torch.logsumexp(x, dim=-1), x.logsumexp((0, 1), keepdim=True))


class Positions(nn.Module):
    """argmax/argmin (with and without dim, keepdim, negative dims) and
    torch.max/min along a dim as (values, indices), unpacked, indexed and by
    field name: int64 results beside float ones."""

    def forward(self, x):
        v, i = torch.max(x, dim=1)
        m = x.min(-1, keepdim=True)
        return (torch.argmax(x, 1), x.argmin(dim=-1, keepdim=True), torch.argmax(x),
                x.argmin(keepdim=True), v * 2.0, i, m.values, m.indices, torch.min(x, 0)[1])


class ClassIndexLosses(nn.Module):
    """Cross-entropy and NLL with int64 class-index targets (modules and
    functions, mean/sum/none, class weights, ignore_index=-100 targets,
    spatial [N, C, d] inputs), class-probability targets, and gather /
    take_along_dim with int64 indices."""

    def __init__(self):
        super().__init__()
        self.ce = nn.CrossEntropyLoss()
        self.nll = nn.NLLLoss(weight=torch.rand(7) + 0.5, reduction="sum")

    def forward(self, x, t, y, u):
        return (self.ce(x, t), F.cross_entropy(x, t, reduction="none"),
                self.nll(F.log_softmax(x, 1), t), F.nll_loss(y, u.long()),
                F.cross_entropy(y, u, weight=torch.arange(5.0) + 1.0, reduction="none"),
                torch.gather(y, 1, u.unsqueeze(1)),
                torch.take_along_dim(y, u.unsqueeze(1), dim=1),
                F.cross_entropy(x, F.softmax(x * 2, 1)))


class SmoothedLosses(nn.Module):
    """ignore_index inside the classes, label_smoothing with class-index
    targets (with and without weight, every reduction, spatial inputs) and
    with class-probability targets (with weight)."""

    def __init__(self):
        super().__init__()
        self.ce = nn.CrossEntropyLoss(ignore_index=2, label_smoothing=0.1)
        self.w = nn.Parameter(torch.rand(7) + 0.5)

    def forward(self, x, t, y, u):
        return (self.ce(x, t), F.nll_loss(F.log_softmax(x, 1), t, ignore_index=0),
                F.cross_entropy(x, t, weight=self.w, ignore_index=4, label_smoothing=0.25),
                F.cross_entropy(x, t, weight=self.w, label_smoothing=0.2, reduction="sum"),
                F.cross_entropy(y, u, label_smoothing=0.3, reduction="none"),
                F.cross_entropy(y, u, ignore_index=1, label_smoothing=1.0),
                F.cross_entropy(x, F.softmax(x * 2, 1), weight=self.w, label_smoothing=0.15))


def _class_index_inputs():
    t = torch.randint(0, 7, (16,))
    t[3] = -100  # ignored, on a padding row of -inf: contributes 0, not NaN
    x = rand(16, 7) * 3
    x[3] = -math.inf
    return x, t, rand(4, 5, 6), torch.randint(0, 5, (4, 6))


class Masks(nn.Module):
    """Comparisons (bool tensors, held as 1/0 masks), where in its forms,
    masked_fill, logical and bitwise ops on masks, masks in arithmetic and
    cast to float, NaN in comparisons, and the embedding losses that select
    on the target's value."""

    def __init__(self):
        super().__init__()
        self.hinge = nn.HingeEmbeddingLoss(reduction="sum")

    def forward(self, x, y):
        m = x > 0
        nan = x / x.abs().clamp(max=0.0)  # NaN at 0-divided positions, +-inf elsewhere
        return (torch.where(m, x, 0.1 * x), x.masked_fill(y <= 0.2, -1.0),
                (m & (y != x)).float() + (~m).float() * 2 + torch.logical_or(m, y >= 0).float(),
                torch.where(x.eq(y), y, x).where(x < 0.5, y), m * y + (x >= y) * 3.0,
                torch.logical_xor(x < y, m).to(x.dtype), (nan != nan).float() + (nan == nan),
                F.hinge_embedding_loss(x, torch.where(y > 0, 1.0, -1.0), margin=0.5),
                F.cosine_embedding_loss(x, y, torch.where(y[:, 0] > 0, 1.0, -1.0),
                                        reduction="none"),
                self.hinge(x, torch.where(y > 0.3, 1.0, 0.0)),
                torch.hinge_embedding_loss(x, torch.where(y > 0, 1.0, -1.0), 0.5, 0))


class BoolInputs(nn.Module):
    """Bool tensors as inputs (i8, converted to 1/0 masks) and results
    (masks converted back): the masked cumsum of the level-1 problems, a
    mask through a view, masked_fill with a given mask, a returned mask and
    a bool input returned unchanged."""

    def forward(self, x, mask, keep):
        return (torch.cumsum(x * mask, dim=1), x.masked_fill(~keep.view(-1, 1), 0.5),
                (x > 0) & mask, mask, torch.where(mask.t(), x.t(), -x.t()))


class GatedActivations(nn.Module):
    """The activations with a parameter or a second half: PReLU per channel
    and shared, RReLU in eval mode, Threshold (NaN stays NaN), GLU along
    two dims, Softmin, Softmax2d (over the channels of a 3-D input)."""

    def __init__(self):
        super().__init__()
        self.prelu = nn.PReLU(4, init=0.1)
        self.shared = nn.PReLU()
        self.rrelu = nn.RReLU(0.1, 0.3)
        self.threshold = nn.Threshold(0.2, -3.0)
        self.glu = nn.GLU(1)
        self.softmin = nn.Softmin(dim=-1)
        self.softmax2d = nn.Softmax2d()
        with torch.no_grad():
            self.prelu.weight.uniform_(-0.5, 0.5)

    def forward(self, x):
        return (self.prelu(x), self.shared(x), F.prelu(x, torch.tensor([0.3])),
                self.rrelu(x), F.rrelu(x), self.threshold(x), F.threshold(x, 0.5, 7.0),
                F.glu(x), F.glu(x, dim=1), self.glu(x), F.softmin(x, dim=2), self.softmin(x),
                self.softmax2d(x))


class Splits(nn.Module):
    """split (even, uneven, by sizes), chunk (also into fewer pieces than
    asked, as PyTorch), tensor_split (sections and indices, negative and
    past the end), unbind, and unpacking their results."""

    def forward(self, x):
        a, b2, tail = x.split(4, dim=1)
        c = torch.split(x, [2, 5, 2], 1)
        d = x.chunk(4, dim=1)  # 9 columns: 3 chunks of 3
        e = torch.tensor_split(x, 4, dim=1)
        f = x.tensor_split([2, -3, 20], dim=1)
        g, h, i, j, k = x.unbind(0)
        return (a * 2, b2, tail, c[1] + 1, c[2], d[2], len(d) * e[0], e[3], f[1], f[2], g - k,
                h * i + j)


class Rearrangements(nn.Module):
    """roll (one dim, several, flattened, negative and oversized shifts),
    hstack/vstack (1-D inputs too), rot90 (k of 1, 2, 3, -1), and F.pad in
    its four modes, with a crop (negative amount)."""

    def forward(self, x, v):
        return (torch.roll(x, 2, 1), x.roll((1, -3), (0, 2)), torch.roll(x, 7),
                torch.roll(x, -9, -1), torch.hstack([x, x * 2]), torch.hstack([v, v]),
                torch.vstack([v, v + 1]), torch.vstack([x, x]), torch.rot90(x, 1, (1, 2)),
                x.rot90(2, (0, 2)), torch.rot90(x, 3, (1, 2)), torch.rot90(x, -1, (0, 1)),
                F.pad(x, (1, 2)), F.pad(x, (2, 1, 0, 3), value=-1.5), F.pad(x, (-1, 2, 1, -2)),
                F.pad(x, (2, 3), mode="reflect"), F.pad(x, (1, 2, 2, 1), mode="replicate"),
                F.pad(x, (3, 1), mode="circular"))


class Diagonals(nn.Module):
    """torch.diagonal (offsets, negative and swapped dims, of a 3-D tensor),
    torch.diag of a vector (offsets 0, 2, -1) and of a matrix, and
    Tensor.unfold: windows that tile the dim (with a remainder), that
    overlap, and with gaps."""

    def forward(self, x, v, w):
        return (torch.diagonal(x), x.diagonal(1, -1, -2), torch.diagonal(w, -1, 0, 2),
                torch.diag(v), torch.diag(v, 2), torch.diag(v, -1), torch.diag(x[0], 1),
                x.unfold(2, 3, 3), x.unfold(1, 2, 2), w.unfold(0, 2, 1), v.unfold(0, 3, 4),
                x.unfold(-1, 7, 1))


class Embeddings(nn.Module):
    """nn.Embedding and F.embedding of int64 positions (2-D and 1-D, a
    padding_idx), index_select along each dim with an int64 index."""

    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(11, 6, padding_idx=0)
        self.table = nn.Parameter(torch.randn(11, 3))

    def forward(self, x, tokens, index, rows):
        return (self.emb(tokens), F.embedding(tokens.reshape(-1), self.table),
                self.emb(tokens).sum(-1) + x[:, :3].sum(-1, keepdim=True),
                torch.index_select(x, 1, index), x.index_select(0, rows))


class Softmaxes(nn.Module):
    def __init__(self):
        super().__init__()
        self.sm = nn.Softmax(dim=1)
        self.lsm = nn.LogSoftmax(dim=-1)

    def forward(self, x):
        return (F.softmax(x, dim=-2), self.sm(x), self.lsm(x), torch.log_softmax(x, 0),
                x.softmax(-1) * 3.0)


class Scans(nn.Module):
    """torch.cumsum/cumprod and their methods, negative dims, the reversed
    scan KernelBench writes (flips around it), a 0-d scan, and torch.prod
    (along a dim, keepdim, of everything, of a 0-d tensor)."""

    def forward(self, x, s):
        return (torch.cumsum(x, 1), x.cumsum(dim=-1), torch.cumprod(x, 0),
                x.cumprod(-3), torch.cumsum(x.flip(2), dim=2).flip(2),
                torch.cumsum(s, 0) * 2.0, torch.prod(x, 1), x.prod(-1, keepdim=True),
                torch.prod(x), s.prod())


class Concats(nn.Module):
    """torch.cat/concat along a positive and a negative dim, of three inputs
    and of one, beside PyTorch's legacy empty 1-D input, the exclusive
    running sum as KernelBench writes it (a zero column joined in front),
    and torch.stack in front and behind."""

    def forward(self, x, y):
        exclusive = torch.cumsum(
            torch.cat((torch.zeros_like(x.select(1, 0).unsqueeze(1)), x), dim=1)[:, :-1],
            dim=1)
        return (torch.cat((x, y, x * 2.0), dim=1), torch.concat([x, x], -2),
                torch.cat([y]), torch.cat((x, torch.empty(0)), 0), exclusive,
                torch.stack((x, x + 1.0)), torch.stack([y, y, y], dim=-1))


class ViewsPermutes(nn.Module):
    def forward(self, x, m):
        b = x.size(0)
        a = x.view(b, -1)                                 # [2, 60]
        a = a.reshape(2, 6, 10).permute(0, 2, 1)          # [2, 10, 6]
        a = a.transpose(-1, -2).contiguous().flatten(1)   # [2, 60]
        a = a.unsqueeze(1).squeeze().T.t()                # [2, 60]
        c = m.t() @ m.T.T                                  # [5, 5]
        e = x.permute(3, 2, 1, 0).reshape(-1, 6)[None, :, None] + 1  # [1, 20, 1, 6]
        e = e.expand(3, -1, 4, -1).sum(2)                 # [3, 20, 6]
        f = torch.broadcast_to(m[:, None, :], (5, 2, 5)).movedim(0, -1)
        g = x.view_as(x).unflatten(1, (1, 3)).squeeze(1).swapaxes(1, 3)
        h = m.repeat(2, 1, 3) + torch.tile(m, (2, 1, 1)).repeat_interleave(3, dim=-1)
        return a, c, e, f, g, torch.flatten(x).view(-1, 3), h, m.repeat_interleave(2)


class Contractions(nn.Module):
    def forward(self, a, b, v, c3, d3, bias):
        return (torch.mm(a, b), a @ v, v @ b, v @ v, torch.bmm(c3, d3), c3 @ b,
                torch.addmm(bias, a, b), torch.addmm(bias, a, b, beta=0.5, alpha=2.0),
                torch.baddbmm(bias, c3, d3), c3.unsqueeze(0) @ d3)


class BuffersAndConstants(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("scale", torch.linspace(0.5, 1.5, 8))
        self.offset = torch.tensor([1.0, -2.0, 3.0, 0.5, 0.0, 1.5, -1.0, 2.0])  # not registered
        self.fc = nn.Linear(8, 8)
        self.fc2 = nn.Linear(8, 8)
        self.fc2.weight = self.fc.weight  # tied

    def forward(self, x):
        y = self.fc(x) * self.scale + self.offset + torch.tensor(0.25)
        y = self.fc2(y) + torch.ones_like(y) * 2 + torch.full((8,), 0.5)
        return y


class InPlace(nn.Module):
    def forward(self, x):
        y = x * 2
        y.relu_()
        y += 1
        y.mul_(0.5)
        return y, F.relu(y * 3, inplace=True)


class ShapeDependent(nn.Module):
    def forward(self, x, scale):
        if x.dim() == 3:
            x = x.reshape(x.shape[0] * x.shape[1], x.shape[2])
        for _ in range(len(x) // 4):
            x = x * scale
        return x / math.sqrt(x.size(-1))


class RMSNormModule(nn.Module):
    def __init__(self, d=24):
        super().__init__()
        self.norm = nn.RMSNorm(d, eps=1e-6)

    def forward(self, x):
        return self.norm(x)


class ExplicitRMSNorm(nn.Module):
    def __init__(self, d=24, eps=1e-6):
        super().__init__()
        self.weight = nn.Parameter(torch.rand(d) + 0.5)
        self.eps = eps

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


class EinsumAndNorms(nn.Module):
    def forward(self, a, b, c3, d3, q, k, v):
        return (torch.einsum("ij,jk->ik", a, b), torch.einsum("bij,bjk->bik", c3, d3),
                torch.einsum("bhqd,bhkd->bhqk", q, k), torch.einsum("ij->ji", a),
                torch.einsum("ij,ij->i", a, a), torch.einsum("i,j->ij", v, v),
                torch.einsum("ij,jk,kl->il", a, b, b.t()), torch.einsum("bij->j", c3),
                torch.einsum("ij,jk", a, b), torch.einsum("b i j, b j k -> k i", c3, d3),
                torch.norm(a), a.norm(dim=1), torch.linalg.vector_norm(c3, ord=1, dim=(1, 2)),
                F.normalize(a, dim=-1), F.normalize(c3, p=1.0, dim=1))


torch.manual_seed(0)
CASES = {
    "mlp": (MLP, lambda: (rand(8, 32),)),
    "functional_mlp": (FunctionalMLP, lambda: (rand(4, 8, 32),)),
    "attention": (Attention, lambda: (rand(2, 10, 32),)),
    "convnet": (ConvNet, lambda: (rand(2, 3, 10, 10),)),
    "conv1d_3d": (Conv1d3d, lambda: (rand(2, 4, 17), rand(2, 2, 3, 6, 6), rand(4, 7, 9))),
    "conv_transposes": (ConvTransposes, lambda: (rand(2, 4, 5, 6), rand(2, 4, 7),
                                                 rand(1, 2, 3, 4, 5))),
    "layernorm_residual": (LayerNormResidual, lambda: (rand(3, 5, 48) * 3 + 1, rand(3, 5, 48))),
    "scalar_chain": (ScalarChain, lambda: (rand(4, 6, low=0.2, high=1.0) * torch.tensor(
        [1.0, -1.0] * 3), rand(6, low=0.5, high=1.5))),
    "activations": (Activations, lambda: (rand(5, 7) * 4,)),
    "smooth_activations": (SmoothActivations, lambda: (rand(5, 7) * 4,)),
    "slices": (Slices, lambda: (rand(4, 9), rand(5, 6))),
    "reductions": (Reductions, lambda: (rand(3, 4, 5),)),
    "positions": (Positions, lambda: (rand(3, 4, 5),)),
    "masks": (Masks, lambda: (torch.cat([rand(6, 9), torch.zeros(1, 9)]), rand(7, 9))),
    "class_index_losses": (ClassIndexLosses, _class_index_inputs),
    "smoothed_losses": (SmoothedLosses, lambda: (rand(16, 7) * 3, torch.arange(16) % 7,
                                                 rand(4, 5, 6), torch.randint(0, 5, (4, 6)))),
    "bool_inputs": (BoolInputs, lambda: (rand(6, 9), torch.rand(6, 9) > 0.5,
                                         torch.tensor([True, False] * 3))),
    "triangles": (Triangles, lambda: (rand(2, 5, 7), rand(3, 6, 6), rand(3, 6, 6))),
    "softmaxes": (Softmaxes, lambda: (rand(3, 4, 5) * 4,)),
    "splits": (Splits, lambda: (rand(5, 9),)),
    "embeddings": (Embeddings, lambda: (rand(4, 7), torch.randint(0, 11, (4, 3)),
                                        torch.tensor([6, 0, 3, 3]), torch.tensor([3, 1]))),
    "rearrangements": (Rearrangements, lambda: (rand(3, 4, 5), rand(6))),
    "diagonals": (Diagonals, lambda: (rand(2, 5, 7), rand(6), rand(4, 3, 5))),
    "gated_activations": (GatedActivations, lambda: (torch.where(
        torch.arange(3 * 4 * 6).reshape(3, 4, 6) % 11 == 0, math.nan, rand(3, 4, 6) * 3),)),
    "concats": (Concats, lambda: (rand(3, 4), rand(3, 2))),
    "scans": (Scans, lambda: (rand(3, 4, 5, low=0.5, high=1.5), rand(()))),
    "views_permutes": (ViewsPermutes, lambda: (rand(2, 3, 4, 5), rand(5, 5))),
    "contractions": (Contractions, lambda: (rand(6, 5), rand(5, 4), rand(5), rand(3, 6, 5),
                                            rand(3, 5, 4), rand(4))),
    "buffers_constants": (BuffersAndConstants, lambda: (rand(3, 8),)),
    "in_place": (InPlace, lambda: (rand(4, 5),)),
    "explicit_rms_norm": (ExplicitRMSNorm, lambda: (rand(4, 24),)),
    "einsum_norms": (EinsumAndNorms, lambda: (rand(6, 5), rand(5, 4), rand(3, 6, 5), rand(3, 5, 4),
                                              rand(2, 3, 7, 8), rand(2, 3, 9, 8), rand(6))),
    "rms_norm": (RMSNormModule, lambda: (rand(4, 24),)),
}


@pytest.mark.filterwarnings("ignore:nn.functional.sigmoid is deprecated")
@pytest.mark.parametrize("name", sorted(CASES))
def test_module_runs_like_pytorch(name, tmp_path):
    torch.manual_seed(1)
    cls, make_inputs = CASES[name]
    check_module(cls(), make_inputs(), tmp_path)


@pytest.mark.parametrize("name", ["mlp", "attention", "convnet", "buffers_constants"])
def test_params_as_constants(name, tmp_path):
    torch.manual_seed(2)
    cls, make_inputs = CASES[name]
    module, inputs = cls(), make_inputs()
    res = check_module(module, inputs, tmp_path, params_as="constants")
    assert [a.kind for a in res.arguments] == ["input"] * len(inputs)
    assert "kgen.constant" in res.mlir


def test_argument_order_and_header():
    torch.manual_seed(3)
    m = LayerNormResidual()
    res = import_program(m, (rand(3, 5, 48), rand(3, 5, 48)))
    names = [a.name for a in res.arguments]
    # Inputs, then parameters in named_parameters() order (only those used).
    # PyTorch's order: a module's own parameters before its submodules'.
    assert names == ["x", "r", "g", "ln1.weight", "ln1.bias", "fc.weight", "fc.bias"]
    assert [a.kind for a in res.arguments] == ["input"] * 2 + ["parameter"] * 5
    assert "// kgen-import: arguments: x, r, g, ln1.weight, ln1.bias, fc.weight, fc.bias\n" \
        in res.mlir
    assert res.mlir.count("func.func @main(") == 1


def test_buffers_follow_parameters_and_tied_weights_once():
    torch.manual_seed(4)
    res = import_program(BuffersAndConstants(), (rand(3, 8),))
    assert [a.name for a in res.arguments] == ["x", "fc.weight", "fc.bias", "fc2.bias", "scale"]
    assert [a.kind for a in res.arguments][-1] == "buffer"


def test_import_module_returns_text_and_function_name():
    text = import_module(MLP(), (rand(2, 32),), function_name="mlp_block")
    assert "func.func @mlp_block(" in text and text.startswith("// kgen-import:")


def test_scalar_operands_are_arith_constants():
    text = import_module(ScalarChain(), CASES["scalar_chain"][1]())
    assert "arith.constant 2.0 : f32" in text
    # Reversed scalar: 2.0 - t keeps the scalar on the left.
    assert any(line.strip().startswith("%sub") and "kgen.sub %cst" in line
               for line in text.splitlines())


def test_reduction_dims_are_normalized():
    text = import_module(Reductions(), (rand(3, 4, 5),))
    assert "dims [2] keepdim" in text            # sum(dim=-1, keepdim=True)
    assert "dims [0, 2] :" in text               # mean(dim=(0, 2))
    assert "dims [0, 2] keepdim" in text         # amin(dim=[-1, 0], keepdim=True)
    assert "dims [-" not in text


def test_non_tensor_input_is_specialized(tmp_path):
    m = ShapeDependent()
    x = rand(2, 4, 6)
    res = check_module(m, (x, 3.0), tmp_path)
    assert [a.name for a in res.arguments] == ["x"]
    assert "arith.constant 3.0 : f32" in res.mlir


class EmptyBatch(nn.Module):
    """A linear layer, relu and a column sum over a batch of 0 rows, and a
    mean over an empty dimension (NaN), as PyTorch computes them."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 3)

    def forward(self, x, y):
        return torch.relu(self.fc(x)).sum(dim=0), self.fc(x) * 2, y.mean(dim=1)


@pytest.mark.parametrize("seed", [0, 1])
def test_empty_tensors_run_like_pytorch(seed, tmp_path):
    torch.manual_seed(seed)
    m = EmptyBatch()
    res = import_program(m, (torch.randn(0, 4), torch.randn(5, 0)))
    got = run_imported(res, tmp_path)
    want = reference(m, (torch.randn(0, 4), torch.randn(5, 0)))
    assert [g.shape for g in got] == [w.shape for w in want] == [(3,), (0, 3), (5,)]
    np.testing.assert_array_equal(got[0], want[0])  # zeros
    assert np.isnan(got[2]).all() and np.isnan(want[2]).all()


def test_make_fx_aten_graph(tmp_path):
    proxy_tensor = pytest.importorskip("torch.fx.experimental.proxy_tensor")
    torch.manual_seed(5)
    m = MLP().eval()
    x = rand(4, 32)
    with torch.no_grad():
        gm = proxy_tensor.make_fx(lambda t: m(t))(x)
    res = import_program(gm, (x,))
    assert "kgen.matmul" in res.mlir or "kgen.linear" in res.mlir
    got = run_imported(res, tmp_path)
    np.testing.assert_allclose(got[0], reference(m, (x,))[0], rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("dtype", ["f16", "bf16"])
def test_retyped_program(dtype, tmp_path):
    torch.manual_seed(6)
    m, x = MLP(), rand(8, 32)
    res = import_program(m, (x,), dtype=dtype)
    assert f"tensor<8x32x{dtype}>" in res.mlir and "xf32>" not in res.mlir
    got = run_imported(res, tmp_path)[0]
    want = reference(m, (x,))[0]
    np.testing.assert_allclose(got.astype(np.float32), want, rtol=5e-2, atol=3e-2)


@pytest.mark.parametrize("dtype", ["f16", "bf16"])
@pytest.mark.parametrize("name", ["bool_inputs", "class_index_losses", "concats",
                                  "conv_transposes", "diagonals", "gated_activations", "masks",
                                  "positions", "rearrangements", "scans", "slices",
                                  "smoothed_losses", "splits", "triangles"])
def test_families_in_half_precision(name, dtype, tmp_path):
    """The newer families re-typed to f16 and bf16 (dtype=) against
    PyTorch in float32: within a few units of the narrow type's last place
    (losses: a sum of 16 terms), bools and positions exactly."""
    torch.manual_seed(8)
    cls, make_inputs = CASES[name]
    m, inputs = cls(), make_inputs()
    res = import_program(m, inputs, dtype=dtype)
    assert f"x{dtype}>" in res.mlir and "xf32>" not in res.mlir
    got, want = run_imported(res, tmp_path), reference(m, inputs)
    # Where PyTorch computing in the narrow type itself gives NaN (an eps of
    # 1e-12 is 0 in f16: cosine_embedding_loss of a zero row), so must kgen.
    narrow = {"f16": torch.float16, "bf16": torch.bfloat16}[dtype]
    try:  # models with f32 constants inside forward do not run in it
        with torch.no_grad():
            native = copy.deepcopy(m).to(narrow)(
                *[t.to(narrow) if t.is_floating_point() else t for t in inputs])
        native = native if isinstance(native, (tuple, list)) else (native,)
    except RuntimeError:
        native = [None] * len(want)
    tol = 1e-2 if dtype == "f16" else 4e-2
    for i, (g, w, n) in enumerate(zip(got, want, native)):
        if w.dtype in (np.int64, np.bool_):
            np.testing.assert_array_equal(g, w, err_msg=f"output {i}")
            continue
        if n is not None:
            w = np.where(torch.isnan(n.float()).numpy(), np.nan, w)
        np.testing.assert_allclose(g.astype(np.float32), w, rtol=tol, atol=tol,
                                   err_msg=f"output {i}")


def test_training_flags_restored():
    m = MLP().train()
    import_module(m, (rand(2, 32),))
    assert m.training and m.net[4].training


class SDPA(nn.Module):
    def forward(self, q, k, v, mask, batch_mask, head_mask):
        sdpa = F.scaled_dot_product_attention
        return (sdpa(q, k, v), sdpa(q, k, v, is_causal=True), sdpa(q, k, v, attn_mask=mask),
                sdpa(q, k, v, scale=0.3), sdpa(q, k, v, attn_mask=batch_mask),
                sdpa(q, k, v, attn_mask=head_mask))


def test_scaled_dot_product_attention(tmp_path):
    """Causal with fewer queries than keys (aligned top-left), masks of
    shape [L, S], [N, H, L, S] and [N, 1, L, S] (broadcast over heads)."""
    torch.manual_seed(7)
    inputs = (rand(2, 3, 5, 8), rand(2, 3, 6, 8), rand(2, 3, 6, 4), rand(5, 6),
              rand(2, 3, 5, 6), rand(2, 1, 5, 6))
    res = check_module(SDPA(), inputs, tmp_path)
    # One kgen.attention each; the causal mask is computed, not a constant.
    assert res.mlir.count("kgen.attention") == 6
    assert res.mlir.count(" causal :") == 1 and res.mlir.count(" mask %") == 3
    assert "scale 0.3 " in res.mlir and "0xFF800000" not in res.mlir


class BoolMaskSDPA(nn.Module):
    """Boolean attn_masks (True keeps a position): a bool program input, a
    comparison computed in the model, and a constant built in forward; the
    explicit form too (keys and values shared by the batch)."""

    def forward(self, q, k, v, keep, scores_bias):
        sdpa = F.scaled_dot_product_attention
        band = torch.ones(5, 6, dtype=torch.bool).triu(-1).tril(2)
        return (sdpa(q, k, v, attn_mask=keep), sdpa(q, k, v, attn_mask=scores_bias > -0.5),
                sdpa(q, k, v, attn_mask=band), sdpa(q, k[:1], v[:1], attn_mask=keep))


def test_sdpa_with_boolean_masks(tmp_path):
    """Each bool mask becomes the additive mask where(mask, 0, -inf); the
    keep-mask's row 0 of batch 0, head 0 is wholly False: PyTorch gives
    that query zeros, and so does kgen."""
    for seed in (3, 4):
        torch.manual_seed(seed)
        keep = torch.rand(2, 3, 5, 6) > 0.4
        keep[0, 0, 0] = False
        inputs = (rand(2, 3, 5, 8), rand(2, 3, 6, 8), rand(2, 3, 6, 4), keep, rand(5, 6))
        res = check_module(BoolMaskSDPA(), inputs, tmp_path)
        assert res.mlir.count("kgen.attention") == 3
        assert res.mlir.count(" mask %") == 3 and "kgen.softmax" in res.mlir
        assert "%keep: tensor<2x3x5x6xi8>" in res.mlir  # the bool input


class BroadcastSDPA(nn.Module):
    def forward(self, q, k, v):
        return F.scaled_dot_product_attention(q, k, v, is_causal=True)


def test_sdpa_with_broadcast_batch_dims_is_the_explicit_form(tmp_path):
    """Keys and values shared by the batch: kgen.attention takes equal batch
    dimensions, so this imports as matmul, mask, softmax, matmul."""
    torch.manual_seed(8)
    inputs = (rand(2, 3, 5, 8), rand(1, 3, 6, 8), rand(1, 3, 6, 4))
    res = check_module(BroadcastSDPA(), inputs, tmp_path)
    assert "kgen.attention" not in res.mlir
    assert "kgen.softmax" in res.mlir and "0xFF800000" in res.mlir  # the causal mask


# ---------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------

UNSUPPORTED_PROBLEM = textwrap.dedent("""\
    import torch
    import torch.nn as nn


    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(3, 8, 3, padding=1)
            self.bn1 = nn.LocalResponseNorm(2)
            self.bn2 = nn.LocalResponseNorm(2)

        def forward(self, inp):
            x = self.bn1(self.conv(inp))
            x = torch.relu(self.bn2(x))
            y = x[:, [0, 1, 2, 3]]
            return torch.argmax(inp, dim=1).float() + y.sum()


    def get_inputs():
        return [torch.randn(2, 3, 8, 8)]


    def get_init_inputs():
        return []
    """)


def run_cli(*args, cwd=None):
    return subprocess.run([sys.executable, str(KGEN_IMPORT), *map(str, args)],
                          capture_output=True, text=True, timeout=300, cwd=cwd)


def test_unsupported_ops_cli(tmp_path):
    prob = tmp_path / "bad_problem.py"
    prob.write_text(UNSUPPORTED_PROBLEM)
    out = tmp_path / "out.mlir"
    proc = run_cli(prob, "-o", out)
    assert proc.returncode == 1, proc.stderr
    err = proc.stderr
    assert "4 unsupported operations (3 kinds)" in err
    assert "nn.LocalResponseNorm: 2" in err
    assert "Tensor.float (reads an int64 tensor (positions or indices); kgen computes on f32, " \
        "f16 and bf16 and reads int64 only as gather indices, class-index targets and in " \
        "reshapes): 1" in err
    assert "operator.getitem (tensor (advanced) indexing; " in err
    # Locations: file:line, the source line and the module path.
    assert "bad_problem.py:13 in forward: x = self.bn1(self.conv(inp))  [module bn1" in err
    assert "bad_problem.py:14 in forward: x = torch.relu(self.bn2(x))  [module bn2" in err
    assert "bad_problem.py:16 in forward: return torch.argmax(inp, dim=1).float() + y.sum()" in err
    # Supported ops downstream of an unsupported one are not reported.
    for op in ("torch.relu", "torch.argmax", "Tensor.sum", "operator.add"):
        assert f"\n  {op}" not in err
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [prob] or sorted(p.name for p in tmp_path.iterdir()) == \
        ["__pycache__", "bad_problem.py"]


def test_unsupported_keeps_existing_output(tmp_path):
    prob = tmp_path / "bad_problem.py"
    prob.write_text(UNSUPPORTED_PROBLEM)
    out = tmp_path / "out.mlir"
    out.write_text("previous\n")
    assert run_cli(prob, "-o", out).returncode == 1
    assert out.read_text() == "previous\n"
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_unsupported_ops_api():
    class M(nn.Module):
        def forward(self, x):
            a, i = torch.max(x, dim=1)
            b = x.min(1).indices.float()
            return a + b + i + torch.logcumsumexp(x, 0).sum(1) + torch.logcumsumexp(x, 1).sum(1)

    with pytest.raises(UnsupportedOpsError) as ei:
        import_module(M(), (rand(3, 4),))
    e = ei.value
    ops = dict((op, len(locs)) for op, locs in e.unsupported)
    positions = ("reads an int64 tensor (positions or indices); kgen computes on f32, f16 and "
                 "bf16 and reads int64 only as gather indices, class-index targets and in "
                 "reshapes")
    assert ops == {f"Tensor.float ({positions})": 1, f"operator.add ({positions})": 1,
                   "torch.logcumsumexp": 2}
    assert "test_importer.py:" in str(e)
    assert str(e).startswith("cannot import M: 4 unsupported operations (3 kinds)")


def test_empty_diagonals_and_windows_are_refused_with_the_reason():
    class M(nn.Module):
        def forward(self, x):
            return torch.diagonal(x, 5).sum() + x.unfold(1, 2, 1).sum()

    with pytest.raises(UnsupportedOpsError) as ei:
        import_module(M(), (rand(3, 4),))
    ops = dict((op, len(locs)) for op, locs in ei.value.unsupported)
    assert ops == {"torch.diagonal (an empty diagonal (offset 5 of a 3x4 matrix))": 1}, ops


def test_conv_transpose_output_size_out_of_reach_fails_cleanly():
    """PyTorch's own check of output_size runs while the model is traced:
    a one-line import error that quotes it."""
    class M(nn.Module):
        def __init__(self):
            super().__init__()
            self.up = nn.ConvTranspose2d(4, 3, 3, stride=2, padding=1)

        def forward(self, x):
            return self.up(x, output_size=[12, 11])

    with pytest.raises(KgenImportError) as ei:
        import_module(M(), (rand(2, 4, 5, 6),))
    assert "requested an output size of [12, 11]" in str(ei.value)


def test_in_place_on_shared_view_is_refused():
    class M(nn.Module):
        def forward(self, x):
            y = x * 2
            z = y.view(-1)
            z.relu_()
            return y + 1

    with pytest.raises(UnsupportedOpsError, match="in-place update"):
        import_module(M(), (rand(3, 4),))


def test_data_dependent_control_flow_fails_cleanly():
    class M(nn.Module):
        def forward(self, x):
            if x.sum() > 0:
                return x * 2
            return x

    with pytest.raises(KgenImportError, match=r"tracing M.forward failed at .*test_importer.py"):
        import_module(M(), (rand(3, 4),))


def test_integer_tensors_and_mixed_dtypes_are_refused():
    class Idx(nn.Module):
        def forward(self, x, i):
            return x + i

    # int64 inputs are class indices and gather positions: arithmetic on
    # them is refused where it happens; other integer inputs at the input.
    with pytest.raises(UnsupportedOpsError, match=r"operator.add \(reads an int64 tensor"):
        import_module(Idx(), (rand(3), torch.arange(3)))
    with pytest.raises(UnsupportedOpsError, match=r"input 'i' \(produces a torch.int32"):
        import_module(Idx(), (rand(3), torch.arange(3, dtype=torch.int32)))
    with pytest.raises(KgenImportError, match="mixes floating-point dtypes"):
        import_module(nn.Linear(3, 3).half(), (rand(2, 3),))


def test_dropout_in_training_is_refused():
    class M(nn.Module):
        def forward(self, x):
            return F.dropout(x, 0.5)  # training=True regardless of eval()

    with pytest.raises(UnsupportedOpsError, match="dropout in training mode"):
        import_module(M(), (rand(3, 4),))


def test_rrelu_in_training_is_refused():
    class M(nn.Module):
        def forward(self, x):
            return F.rrelu(x, training=True)  # a random slope per element

    with pytest.raises(UnsupportedOpsError, match=r"rrelu in training mode \(random slopes\)"):
        import_module(M(), (rand(3, 4),))


# ---------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------

GOOD_PROBLEM = textwrap.dedent("""\
    '''A small MLP block.'''
    import torch
    import torch.nn as nn

    B = 16
    D = 32


    class Model(nn.Module):
        def __init__(self, d):
            super().__init__()
            self.fc = nn.Linear(d, 2 * d)
            self.ln = nn.LayerNorm(2 * d)

        def forward(self, x):
            return torch.relu(self.ln(self.fc(x))) * 0.5


    def get_inputs():
        return [torch.randn(B, D)]


    def get_init_inputs():
        return [D]
    """)


def test_cli_imports_and_runs(tmp_path):
    prob = tmp_path / "good.py"
    prob.write_text(GOOD_PROBLEM)
    out = tmp_path / "good.mlir"
    args_dir = tmp_path / "args"
    proc = run_cli(prob, "-o", out, "--seed", "7", "--set", "B=5", "--save-args", args_dir)
    assert proc.returncode == 0, proc.stderr
    text = out.read_text()
    assert "// kgen-import: arguments: x, fc.weight, fc.bias, ln.weight, ln.bias\n" in text
    assert "tensor<5x32xf32>" in text
    need_tools()
    kgen_opt(out)
    files = sorted(args_dir.glob("*.npy"))
    assert [f.name for f in files] == ["00_x.npy", "01_fc.weight.npy", "02_fc.bias.npy",
                                       "03_ln.weight.npy", "04_ln.bias.npy"]
    res_path = tmp_path / "y.npy"
    proc = subprocess.run([str(tool("kgen-run")), str(out), *[f"--input={f}" for f in files],
                           f"--output={res_path}"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    # The same seed rebuilds the same model and inputs.
    sys.path.insert(0, str(REPO / "frontend"))
    from kgen_import import load_problem
    p = load_problem(prob, seed=7, sizes={"B": 5})
    np.testing.assert_allclose(np.load(res_path), reference(p.model, p.inputs)[0],
                               rtol=RTOL, atol=ATOL)


def test_cli_params_constants_and_dtype(tmp_path):
    prob = tmp_path / "good.py"
    prob.write_text(GOOD_PROBLEM)
    proc = run_cli(prob, "--params=constants", "--dtype=bf16")
    assert proc.returncode == 0, proc.stderr
    text = proc.stdout
    assert "// kgen-import: arguments: x\n" in text
    assert "func.func @main(%x: tensor<16x32xbf16>)" in text
    assert "kgen.constant dense<\"0x" in text
    need_tools()
    p = tmp_path / "c.mlir"
    p.write_text(text)
    kgen_opt(p)


def test_cli_usage_errors(tmp_path):
    assert run_cli(tmp_path / "missing.py", "-o", tmp_path / "x.mlir").returncode == 1
    assert not (tmp_path / "x.mlir").exists()
    assert run_cli("--params=weird", "x.py").returncode == 2
    bad = tmp_path / "nomodel.py"
    bad.write_text("x = 1\n")
    proc = run_cli(bad)
    assert proc.returncode == 1 and "must define Model" in proc.stderr


SYS_EXIT_PROBLEM = """\
import sys
import torch
from torch import nn

{top}

class Model(nn.Module):
    def __init__(self):
        super().__init__()
        {init}

    def forward(self, x):
        {forward}
        return x + 1


def get_inputs():
    {inputs}
    return [torch.randn(2, 3)]
"""


@pytest.mark.parametrize("where,expected", [
    ("forward", "Model.forward called sys.exit(0) at {path}:13 instead of returning its result"),
    ("init", "{path}: building the model or its inputs failed: it called sys.exit(0)"),
    ("inputs", "{path}: building the model or its inputs failed: it called sys.exit(0)"),
    ("top", "{path}: failed to load: it called sys.exit(0)"),
])
def test_cli_sys_exit_in_problem_code(tmp_path, where, expected):
    # sys.exit(0) in the problem's code used to end kgen-import with status 0
    # and no output.
    code = {k: "pass" for k in ("top", "init", "forward", "inputs")}
    code[where] = "sys.exit(0)"
    prob = tmp_path / "exits.py"
    prob.write_text(SYS_EXIT_PROBLEM.format(**code))
    out = tmp_path / "out.mlir"
    proc = run_cli(prob, "-o", out)
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr == "kgen-import: error: " + expected.format(path=prob) + "\n"
    assert proc.stdout == "" and not out.exists()
